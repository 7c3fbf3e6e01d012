/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_drop.bpf.c: the smallest XDP program, dropping every frame. bench_net.py
 * attaches it to fwd0 of the testbed for the `xdp_drop` row: the rate at which
 * it drops is the most any XDP-based forwarder (ours with afxdp ports
 * included) could take from this veth, since it does nothing after the driver
 * has handed over the frame. Compiled at run time with
 * clang -O2 -target bpf -I/usr/include/x86_64-linux-gnu; drops are counted
 * from the interface's statistics, so there is no map to read.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ws_xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
