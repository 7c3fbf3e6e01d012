/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd.h: the forwarding nodes of the vector graph and the per-worker state
 * they share.
 *
 *   ethernet-input -> ip4-lookup -> ip4-rewrite -> tx
 *                  -> ip6-lookup -> ip6-rewrite -> tx
 *                  -> drop (malformed, unknown ethertype, no route, TTL, ...)
 *
 * Each node opens (in fwd.c) with what it reads, what it writes and where
 * its packets go next. Drops are counted per reason: the parser's reasons
 * (net/parse.h) first, then the forwarding ones below, so that one array
 * indexed by ws_pkt.drop_reason counts them all.
 *
 * DATA-PATH CODE in fwd.c's node functions; setting up is control path. One
 * struct ws_fwd per worker thread.
 */
#ifndef WS_FWD_FWD_H
#define WS_FWD_FWD_H

#include <stdint.h>

#include "core/pkt.h"
#include "fib/fib_table.h"
#include "graph/graph.h"
#include "io/port.h"
#include "net/parse.h"

#define WS_FWD_MAX_PORTS 16u

/* Forwarding drop reasons, after the parser's (a packet's drop_reason). */
enum ws_fwd_drop {
	WS_FWD_DROP_NOT_IP = WS_NET_DROP_COUNT, /* ARP, unknown ethertype: no node for it yet */
	WS_FWD_DROP_NO_ROUTE,                   /* lookup missed */
	WS_FWD_DROP_TTL,                        /* TTL / hop limit <= 1 */
	WS_FWD_DROP_BLACKHOLE,                  /* the route says drop */
	WS_FWD_DROP_UNREACHABLE,                /* the route says unreachable */
	WS_FWD_DROP_UNRESOLVED,                 /* nexthop without a MAC yet */
	WS_FWD_DROP_MTU,                        /* longer than the output port's MTU */
	WS_FWD_DROP_TX_FULL,                    /* the output port took no more */
	WS_FWD_DROP_COUNT
};

/* What ip4-rewrite / ip6-rewrite do for a nexthop id: one 16-byte entry per
 * id, the data-path copy of the nexthop table (fib/nexthop.h). */
enum ws_adj_kind {
	WS_ADJ_UNRESOLVED = 0, /* no MAC yet (the default of every id) */
	WS_ADJ_FORWARD,
	WS_ADJ_BLACKHOLE,
	WS_ADJ_UNREACHABLE,
};

struct ws_adj {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t port;
	uint8_t kind; /* enum ws_adj_kind */
	uint8_t pad;
};

struct ws_fwd {
	struct ws_fib *fib;
	struct ws_adj *adj; /* [WS_FIB_MAX_NEXTHOPS] */
	struct ws_port *ports[WS_FWD_MAX_PORTS];
	unsigned nb_ports;
	struct ws_pool *pool; /* where dropped frames go back */
	uint64_t drops[WS_FWD_DROP_COUNT];
	/* packets tx has queued per port, sent by ws_fwd_flush */
	struct ws_pkt *txq[WS_FWD_MAX_PORTS][WS_GRAPH_VECTOR];
	unsigned txq_len[WS_FWD_MAX_PORTS];
	/* node ids, for ws_graph_enqueue */
	int node_input, node_drop;
};

/* Control path: a worker's state over fib and pool; no ports, every
 * adjacency unresolved. NULL with errno ENOMEM. */
struct ws_fwd *ws_fwd_create(struct ws_fib *fib, struct ws_pool *pool);
void ws_fwd_free(struct ws_fwd *fwd);

/* Control path: port becomes output port port->id (< WS_FWD_MAX_PORTS).
 * 0 or -EINVAL. */
int ws_fwd_add_port(struct ws_fwd *fwd, struct ws_port *port);

/* Control path: nexthop id -> forward to port via dst_mac (src MAC: the
 * port's). 0 or -EINVAL (id or port out of range). Not yet safe while
 * workers run (the entry is written in place). */
int ws_fwd_set_adj(struct ws_fwd *fwd, uint32_t nexthop, uint16_t port, const uint8_t dst_mac[6]);

/* Control path: add the forwarding nodes to g (which the caller finalizes)
 * with fwd as their context. 0 or the graph's error. */
int ws_fwd_add_nodes(struct ws_fwd *fwd, struct ws_graph *g);

/* Data path, per loop: send what tx queued, port by port; what a port
 * does not take is dropped (WS_FWD_DROP_TX_FULL). */
void ws_fwd_flush(struct ws_fwd *fwd);

/* Control path: the name of a drop reason (the parser's or ours); NULL past
 * the last. */
const char *ws_fwd_drop_name(unsigned reason);

#endif /* WS_FWD_FWD_H */
