/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib_update.h: the route-update benchmark that ws-bench-fib and
 * ws-bench-fib6 share: a stream of random withdrawals and re-announcements
 * on the full table, applied to wirespeed's FIB (fib/fib_table.h) while a
 * reader thread keeps looking up, then checked against a structure built
 * from scratch. Control path; the peer side lives in each benchmark.
 */
#ifndef WS_BENCH_FIB_UPDATE_H
#define WS_BENCH_FIB_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "fib_common.h"

/* One change: delete routes[route], or add it back with nexthop. */
struct ws_fbench_op {
	uint32_t route;
	uint32_t nexthop;
	uint8_t add;
};

/*
 * The stream: n_deletes routes of t drawn at random (seeded; a route is not
 * drawn again while it is withdrawn; never a default route, which rte_lpm
 * holds as two /1s), each deleted and added back with a
 * new nexthop `window` changes later, so that the table stays within
 * `window` routes of its full size and consecutive changes touch unrelated
 * prefixes. 2 * n_deletes changes in *n_ops; NULL when out of memory.
 */
struct ws_fbench_op *ws_fbench_update_stream(const struct ws_fbench_table *t, uint64_t seed, unsigned n_deletes,
					     unsigned window, size_t *n_ops);

struct ws_fbench_update_result {
	double seconds;           /* the whole stream, wall clock */
	double seconds_at_mark;   /* the first `mark` changes */
	double ns_per_op;
	double reader_mlps_idle;   /* reader's Mlookups/s just before the stream */
	double reader_mlps_during; /* and while it ran */
	uint64_t grace_periods, rebuilds;
	size_t memory_before, memory_after; /* bytes of the compiled structure */
	int reader_cpu;           /* -1: no reader (one CPU) */
};

/*
 * Load t into a new FIB, start a reader thread on reader_cpu (-1: none)
 * that looks up addrs (IPv4: uint32_t host order; IPv6: uint8_t[16]) in
 * bursts of 64 with a quiescent state per burst, apply ops[0..n_ops) on the
 * calling thread (noting the time after the first `mark` of them, the
 * share a slower peer managed), stop the reader, and check every address against a
 * structure compiled from scratch from the final routes. 0, or -1 after a
 * message on stderr (a failed change, a mismatch).
 */
int ws_fbench_update_ours(int family, const struct ws_fbench_table *t, const void *addrs, size_t n_addrs,
			  const struct ws_fbench_op *ops, size_t n_ops, size_t mark, int reader_cpu,
			  struct ws_fbench_update_result *res);

/* Stream length and the peer's share of it (the peer stops after
 * WS_FBENCH_PEER_UPDATE_S or WS_FBENCH_PEER_UPDATE_OPS changes). */
#define WS_FBENCH_UPDATE_DELETES 100000u
#define WS_FBENCH_UPDATE_WINDOW 1000u
#define WS_FBENCH_PEER_UPDATE_OPS 20000u
#define WS_FBENCH_PEER_UPDATE_S 5.0
/* The goal: changes per second while lookups continue. */
#define WS_FBENCH_UPDATE_GOAL 100000.0

/* The peer's side of one change: 0 or the peer's negative errno. */
typedef int ws_fbench_peer_change_fn(void *peer, const struct ws_route *r, const struct ws_fbench_op *op);

/* Apply ops to the peer, in order, until n_ops, WS_FBENCH_PEER_UPDATE_OPS
 * or WS_FBENCH_PEER_UPDATE_S: the count in *done and the time in *seconds.
 * 0, or -1 after a message on stderr naming `peer_name`. */
int ws_fbench_update_peer(const struct ws_fbench_table *t, const struct ws_fbench_op *ops, size_t n_ops,
			  ws_fbench_peer_change_fn *change, void *peer, const char *peer_name, size_t *done,
			  double *seconds);

/* Print the JSON line (bench `what`, e.g. "lpm4_update") and the stderr
 * summary of one update run: ours over n_ops changes, the peer over its
 * first peer_ops of them in peer_s seconds, ratio on those same changes. */
void ws_fbench_update_report(const char *prog, const char *what, const struct ws_fbench_table *t, size_t n_ops,
			     const struct ws_fbench_update_result *res, const char *peer, size_t peer_ops,
			     double peer_s);

/* The whole update benchmark: the stream (seeded), the peer's share of it,
 * ours with a reader on reader_cpu, the report. 0, or -1 after a message. */
int ws_fbench_update_run(const char *prog, const char *what, int family, const struct ws_fbench_table *t,
			 uint64_t seed, const void *addrs, size_t n_addrs, ws_fbench_peer_change_fn *change, void *peer,
			 const char *peer_name, int reader_cpu);

#endif /* WS_BENCH_FIB_UPDATE_H */
