/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * xdp_redirect.bpf.c: the XDP program of the AF_XDP port (src/io/afxdp.c).
 * Every frame received on a queue that has an AF_XDP socket in ws_xsks goes
 * to that socket; frames of other queues, or arriving before the socket is
 * in the map, go on to the kernel's stack (XDP_PASS), so attaching the
 * program never blackholes an interface.
 *
 * Licence: dual GPL-2.0 / BSD-3-Clause. The kernel lets a program call the
 * GPL-only helpers (bpf_trace_printk while debugging, and others a later
 * filter stage may want) only when it declares a GPL-compatible licence;
 * "Dual BSD/GPL" is one, and the BSD side keeps the file usable under the
 * project's own licence.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* One entry per RX queue; the port puts its socket at its queue id. 64
 * covers the queues of the NICs this runs on (the port refuses more). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} ws_xsks SEC(".maps");

SEC("xdp")
int ws_xdp_redirect(struct xdp_md *ctx)
{
	/* The flags argument is the action when the slot is empty (kernel
	 * 5.3+): one map lookup instead of a lookup and then a redirect. */
	return bpf_redirect_map(&ws_xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
