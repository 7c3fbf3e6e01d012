/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_run.h: the state of one `wirespeed fwd` run, shared by its setup and
 * loop (app/fwd.c) and its control-socket commands (app/fwd_ctl.c).
 *
 * Threads: the main thread is the worker (ports, graph, fwd); the control
 * socket's thread runs the commands. What the commands change goes through
 * the FIB's RCU path (routes) and fwd's lock (nexthops); what they read is
 * counters (one writer, read as in core/stats.h), the FIB under its lock and
 * the neighbour table under fwd's lock. The nexthop table (nh) is touched by
 * the control thread only, once the worker runs.
 */
#ifndef WS_APP_FWD_RUN_H
#define WS_APP_FWD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fib/fib_table.h"
#include "fib/nexthop.h"
#include "fwd/config.h"
#include "fwd/fwd.h"
#include "graph/graph.h"
#include "io/afxdp.h"

struct ws_filter_node;
struct ws_filter_stage;
struct ws_xdp_filter;
struct ws_afxdp_config;

struct fwd_run {
	struct ws_fwd_config cfg;
	const char *cfg_path;       /* for messages */
	bool flags_mode;            /* --in/--out: no addresses, every route to port 1 */
	struct ws_pool *pool;
	struct ws_fib *fib;
	struct ws_fwd *fwd;
	struct ws_graph *g;
	struct ws_port *ports[WS_FWD_MAX_PORTS];
	unsigned nb_ports;
	struct ws_nh_table *nh;     /* the routes' nexthops (config mode) */
	struct ws_afxdp_umem *umem; /* the AF_XDP ports' shared UMEM (the pool's region) */
	bool fallback[WS_FWD_MAX_PORTS]; /* an afxdp port that runs on AF_PACKET */
	bool link_down[WS_FWD_MAX_PORTS]; /* as last reported */
	uint64_t graph_overflow;    /* packets the graph could not place (a bug if not 0) */
	uint64_t start_tsc;
	struct ws_filter_node *filter; /* the filter stage (fwd_filter.c), NULL without */
	struct ws_filter_stage *filter_stage; /* built by prepare, the node's after setup */
	bool filter_dry_run;        /* the running stage's */
	struct ws_xdp_filter *xdpf[WS_FWD_MAX_PORTS]; /* the filter's XDP program on port i, attached */
	bool xdpf_tagged[WS_FWD_MAX_PORTS];          /* ... in tag mode, for an AF_XDP port */
};

/* The filter stage (fwd_filter.c), from cfg.filter_path (nothing without).
 * prepare: compile the rules, load and attach the XDP programs of the
 * interface ports; before the ports open. afxdp_config: what an AF_XDP
 * port's config needs for the program in front of it; fallback: port i
 * opened as AF_PACKET instead of AF_XDP. setup: the userspace node, after
 * ws_fwd_add_nodes and before the graph is finalized. 0 or an exit code
 * after printing why. cmd: the ctl words after "filter" (show, load FILE
 * [dry-run]); 0, or 1/2 with the reason written to out. */
int ws_fwd_filter_prepare(struct fwd_run *r);
void ws_fwd_filter_afxdp_config(struct fwd_run *r, unsigned i, struct ws_afxdp_config *xc);
void ws_fwd_filter_fallback(struct fwd_run *r, unsigned i);
int ws_fwd_filter_setup(struct fwd_run *r);
void ws_fwd_filter_teardown(struct fwd_run *r);
void ws_fwd_filter_print(struct fwd_run *r, FILE *out);
int ws_fwd_filter_cmd(struct fwd_run *r, int argc, char **argv, FILE *out);

/* The control socket's handler (fwd_ctl.c): ctx is the struct fwd_run. */
int ws_fwd_ctl_handler(void *ctx, int argc, char **argv, FILE *out);

/* Reports shared by the exit summary and the control commands (fwd_ctl.c). */
void ws_fwd_print_runtime(struct fwd_run *r, FILE *out);
void ws_fwd_print_counters(struct fwd_run *r, FILE *out);
void ws_fwd_print_drops(struct fwd_run *r, FILE *out);
void ws_fwd_print_json(struct fwd_run *r, FILE *out);

/* Apply "route add|del ..." words (argv[0] is "add" or "del"): 0, or 1/2 with
 * the reason written to out. Also used for the config's routes. */
int ws_fwd_route_cmd(struct fwd_run *r, int argc, char **argv, FILE *out);

/* Add a route with this nexthop key (interning it): 0 or a negative errno. */
int ws_fwd_route_add_key(struct fwd_run *r, int family, const uint8_t *addr, unsigned len,
			 const struct ws_nexthop_key *k);

#endif /* WS_APP_FWD_RUN_H */
