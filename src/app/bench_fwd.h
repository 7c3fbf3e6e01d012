/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fwd.h: what `wirespeed bench fwd` sets up and times, shared with
 * bench/ws-bench-fwd (which times the same thing against DPDK's l3fwd), so
 * that both measure exactly one graph on exactly one packet stream:
 *
 *   - the table: a route file or a synthetic table, every prefix i given
 *     nexthop ((i * 2654435761) >> 8) % WS_BFWD_NEXTHOP_SPREAD, loaded into
 *     a FIB; WS_BFWD_NB_DSTS random destinations the table routes;
 *   - the packets: a mem port (io/mem.h) producing 64-byte UDP frames to
 *     those destinations, addressed to port 0's MAC;
 *   - the graph: ws_fwd's nodes over a pool, mem port 0 (RX) and mem sink
 *     port 1 (TX), every nexthop resolved to port 1 towards
 *     ws_bfwd_mac_peer;
 *   - the timed loop: RX a vector from the source, run the graph, flush,
 *     with the source's own time measured apart.
 *
 * Control path except ws_bfwd_run's loop. Messages go to stderr, prefixed
 * by the caller's program name.
 */
#ifndef WS_APP_BENCH_FWD_H
#define WS_APP_BENCH_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"
#include "graph/graph.h"
#include "io/mem.h"

#define WS_BFWD_NB_DSTS (1u << 16)     /* destinations the source draws from */
#define WS_BFWD_BURST WS_GRAPH_VECTOR  /* RX burst = one vector */
#define WS_BFWD_NEXTHOP_SPREAD 4096u   /* as the FIB benchmarks: neighbours differ */
#define WS_BFWD_SYNTHETIC_V4 900000u   /* default synthetic table sizes */
#define WS_BFWD_SYNTHETIC_V6 160000u

/* Port 0's MAC (the frames' destination), port 1's (the forwarded frames'
 * source) and the next hop's (their destination). */
extern const uint8_t ws_bfwd_mac_in[6], ws_bfwd_mac_out[6], ws_bfwd_mac_peer[6];

struct ws_fib;
struct ws_pool;
struct ws_port;
struct ws_fwd;

/* One family's table and destinations. */
struct ws_bfwd_table {
	int family;              /* AF_INET or AF_INET6 */
	char name[128];          /* the file's base name, or synthetic-N */
	struct ws_route *routes; /* this family's routes, nexthops assigned */
	size_t n_routes;
	struct ws_fib *fib;
	void *dsts;              /* WS_BFWD_NB_DSTS: uint32_t host order, or uint8_t[16] */
	long fallback;           /* IPv6: destinations drawn inside random routes */
};

/*
 * Control path: read `file` (or, when it is NULL, generate `synthetic`
 * prefixes, 0 for WS_BFWD_SYNTHETIC_V4/V6) keeping `family`'s routes,
 * assign the nexthops, load the FIB and draw the destinations (seeded by
 * `seed`; a note on stderr when IPv6 needed the fallback). 0, or -1 after
 * a message on stderr (the table has no such routes, routes too little to
 * draw from, out of memory); free with ws_bfwd_table_free either way.
 */
int ws_bfwd_table_load(struct ws_bfwd_table *t, int family, const char *file, unsigned synthetic, uint64_t seed,
		       const char *prog);
void ws_bfwd_table_free(struct ws_bfwd_table *t);

/* Control path: the source's configuration for t: 60-byte IPv4 / 62-byte
 * IPv6 frames to t->dsts, `count` of them, drawn with `seed`. */
void ws_bfwd_mem_config(const struct ws_bfwd_table *t, uint64_t seed, uint64_t count, struct ws_mem_config *mc);

/* The graph of one family and the ports around it. */
struct ws_bfwd_graph {
	struct ws_mem_config mc; /* the source of port 0 */
	struct ws_pool *pool;
	struct ws_port *in, *out; /* mem port 0 (also the first source), mem sink 1 */
	struct ws_fwd *fwd;
	struct ws_graph *g;
};

/*
 * Control path: the pool, the ports, the forwarding state over t->fib and
 * the graph, every nexthop id resolved to port 1. The source produces
 * `count` frames (ws_bfwd_mem_config). 0, or -1 after a message on stderr;
 * close with ws_bfwd_graph_close either way.
 */
int ws_bfwd_graph_open(struct ws_bfwd_graph *bg, const struct ws_bfwd_table *t, uint64_t seed, uint64_t count,
		       const char *prog);
void ws_bfwd_graph_close(struct ws_bfwd_graph *bg);

/*
 * Control path: another source for bg, producing the same frames as the
 * first from their start (same configuration, port id 0, bg's pool), but
 * `count` of them (0: as many as the first), so that a graph can be timed
 * again on the same packets. NULL with errno. Close with ws_port_close.
 */
struct ws_port *ws_bfwd_source(const struct ws_bfwd_graph *bg, uint64_t count);

/* TSC cycles of one ws_bfwd_run. */
struct ws_bfwd_times {
	uint64_t packets; /* received from the source, all sent on or dropped */
	uint64_t total;   /* the whole loop */
	uint64_t rx;      /* of that, in the source (not forwarding) */
	uint64_t flush;   /* of that, in ws_fwd_flush (the tx queues to the ports) */
};

/*
 * Data path (the timed loop; set-up is the caller's): until src runs dry,
 * receive a burst of WS_BFWD_BURST from src, run it through bg's graph and
 * flush the tx queues. Forwarding time = total - rx. The graph's node
 * counters keep adding up across runs.
 */
void ws_bfwd_run(struct ws_bfwd_graph *bg, struct ws_port *src, struct ws_bfwd_times *tm);

#endif /* WS_APP_BENCH_FWD_H */
