/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_filter.h: the filter's XDP early-drop stage: load a compiled rule set
 * (classify.h) into the XDP program bpf/xdp_filter.bpf.c, attach it to an
 * interface, swap it for a new set without a gap, read its counters.
 *
 * The program runs rules [0, k) of the set, k = ws_filter_set_xdp_rules(),
 * with exactly ws_filter_classify()'s semantics (first match; count goes on;
 * rate-limit drops what is over its bucket and goes on with the rest; pass
 * and drop end). A frame no rule dropped is passed: either decided (a pass
 * rule matched, or k == n and the default is pass) or undecided (k < n and no
 * terminal rule below k matched: userspace must classify it from rule k).
 * With k == n and a drop default, unmatched frames are dropped in XDP.
 *
 * Flags (filter/xdp_filter_abi.h):
 *  - WS_XDPF_TO_XSK: passed frames go to the AF_XDP socket of their RX queue
 *    (the map of ws_xdp_filter_xsks_fd(), one slot per queue) instead of the
 *    kernel's stack; a queue without a socket gives them to the stack.
 *  - WS_XDPF_TAG (only with TO_XSK): frames sent to a socket start with a
 *    WS_XDPF_TAG_LEN-byte tag (ws_xdpf_tag_read) holding WS_XDPF_TAG_DECIDED
 *    or k; frames that go to the stack never carry it. Needs k < 0xffff.
 *  - WS_XDPF_DRY_RUN: drops are counted but the frames go on as passed.
 *
 * Rate-limit buckets are per CPU, each refilled at the rule's full rate (see
 * the program's header comment: with RSS one source stays on one CPU).
 *
 * Everything here is control path; ws_xdp_filter_detach_all() is also
 * async-signal-safe. Loading and attaching need root (CAP_BPF, CAP_NET_ADMIN)
 * and a kernel with bpf_loop (5.17+). Errors are -errno with a one-line
 * message in err (errlen bytes, always terminated when errlen > 0).
 */
#ifndef WS_FILTER_XDP_FILTER_H
#define WS_FILTER_XDP_FILTER_H

#include <stddef.h>

#include "filter/classify.h"
#include "filter/xdp_filter_abi.h"

struct ws_xdp_filter;

/*
 * Control path: build the XDP program for set: open the embedded object, size
 * its maps to the set (at least one entry each), load it (the kernel's
 * verifier) and fill every map. flags: WS_XDPF_* (0: frames go on to the
 * kernel's stack, no dry-run). set is only read during the call (the maps
 * hold their own copy), so it may be freed afterwards. Returns NULL with
 * errno and a message:
 * EINVAL (unknown flags, WS_XDPF_TAG without WS_XDPF_TO_XSK), ERANGE
 * (WS_XDPF_TAG with k >= 0xffff), EPERM ("loading XDP programs needs root
 * (CAP_BPF, CAP_NET_ADMIN)"), the verifier's refusal with the tail of its
 * log, ENOMEM.
 */
struct ws_xdp_filter *ws_xdp_filter_load(const struct ws_filter_set *set, unsigned flags, char *err, size_t errlen);

/* What ws_xdp_filter_load_opts takes beside the set. */
struct ws_xdp_filter_opts {
	unsigned flags;   /* WS_XDPF_* */
	size_t max_rules; /* run at most this many rules (k = the smaller of this and
			   * ws_filter_set_xdp_rules): SIZE_MAX for all it can */
	int xsks_map_fd;  /* >= 0: use this XSKMAP (another filter's, ws_xdp_filter_xsks_fd) instead of a
			   * new one, so that the AF_XDP sockets in it serve the new program too (a
			   * reload in front of AF_XDP ports); -1: a map of its own */
};

/*
 * Control path: ws_xdp_filter_load with options. max_rules lets a caller
 * stop the program before a rule it must not decide in XDP (in front of a
 * port without tags, the program must not pass anything terminally: the
 * caller stops it at the first pass rule, so that userspace may go on from
 * k with whatever the program let through). Errors as ws_xdp_filter_load.
 */
struct ws_xdp_filter *ws_xdp_filter_load_opts(const struct ws_filter_set *set, const struct ws_xdp_filter_opts *o,
					      char *err, size_t errlen);

/*
 * Control path: attach xf's program to ifname, in native (driver) mode if the
 * driver supports it, else generic. One interface per loaded filter. 0, or
 * -errno: -ENODEV (no such interface), -EBUSY (xf is attached already, or
 * the interface has an XDP program: replace that one with
 * ws_xdp_filter_replace or detach it), -ENOSPC (more than 64 attached
 * filters), what the kernel said otherwise.
 */
int ws_xdp_filter_attach(struct ws_xdp_filter *xf, const char *ifname, char *err, size_t errlen);

/* Control path: "native" or "generic" while attached, "detached" otherwise. */
const char *ws_xdp_filter_mode(const struct ws_xdp_filter *xf);

/*
 * Control path, live reload: atomically put nxf's program in place of old's
 * on old's interface, in old's mode (one netlink request with
 * XDP_FLAGS_REPLACE and old's program as the expected one: every frame meets
 * one of the two filters, none meets neither). Afterwards nxf is attached and
 * old is not (free it with ws_xdp_filter_close; its counters stay readable
 * until then). 0, or -errno: -EINVAL (old not attached, nxf attached),
 * -EEXIST (old's program is no longer the one on the interface), what the
 * kernel said otherwise; on error nothing changed.
 */
int ws_xdp_filter_replace(struct ws_xdp_filter *old, struct ws_xdp_filter *nxf, char *err, size_t errlen);

/* Control path: detach xf if it is attached (and still the interface's
 * program), free it and its maps. NULL is accepted. */
void ws_xdp_filter_close(struct ws_xdp_filter *xf);

/* Async-signal-safe (one netlink request per filter, no allocation): detach
 * every attached filter's program, as ws_afxdp_detach_all() does for the
 * AF_XDP ports, so that a dying forwarder leaves no filter behind. The
 * filters stay loaded; closing them later is still required and harmless. */
void ws_xdp_filter_detach_all(void);

/*
 * Control path: the counters of rule (rule < k) summed over the CPUs; rule
 * == k (ws_xdp_filter_rules): the frames no terminal rule below k took: with
 * k == n the set's default verdict (drops counted when the default is drop),
 * with k < n the undecided frames handed to userspace (no drops). 0, or
 * -ERANGE for rule > k (out zeroed). The counters are mapped: a read is a
 * few loads, no system call.
 */
int ws_xdp_filter_read(const struct ws_xdp_filter *xf, size_t rule, struct ws_filter_counters *out);

/*
 * Control path: how often the kernel ran the program and the nanoseconds it
 * spent in it (bpf_prog_info run_cnt, run_time_ns), counted only while the
 * kernel's BPF run-time statistics are on (ws_xdp_filter_stats_enable, or
 * sysctl kernel.bpf_stats_enabled=1), and kept when they go off: both 0 if
 * they never were on since the load. Counting adds two clock reads to every
 * run (about 20 ns here). 0 or -errno.
 *
 * BPF run-time statistics are the kernel's, for every program on the host
 * at once: turning them on times everyone's programs.
 */
int ws_xdp_filter_run_stats(const struct ws_xdp_filter *xf, uint64_t *runs, uint64_t *ns);

/* Control path: turn the kernel's BPF run-time statistics on for as long as
 * the returned fd is open (BPF_ENABLE_STATS); -errno when the kernel refuses. */
int ws_xdp_filter_stats_enable(void);

/* Control path: the fd of the program's XSKMAP (WS_XDPF_XSKS slots, the key
 * is the RX queue index, the value an AF_XDP socket fd), valid until close. */
int ws_xdp_filter_xsks_fd(const struct ws_xdp_filter *xf);

/* Control path: the fd of the loaded program (for bpf_prog_test_run_opts,
 * bpf_prog_get_info_by_fd), valid until close. */
int ws_xdp_filter_prog_fd(const struct ws_xdp_filter *xf);

/* Control path: k, the rules the program runs ([0, k)). */
size_t ws_xdp_filter_rules(const struct ws_xdp_filter *xf);

#endif /* WS_FILTER_XDP_FILTER_H */
