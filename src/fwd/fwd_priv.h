/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_priv.h: what the forwarding nodes of fwd.c (the fast path) and
 * fwd_l3.c (ARP, ND, local delivery, ICMP errors) share: each node's
 * next-node indexes (positions in its spec's next list, ws_fwd_add_nodes)
 * and a few helpers. Not part of the API.
 */
#ifndef WS_FWD_FWD_PRIV_H
#define WS_FWD_FWD_PRIV_H

#include <stdbool.h>

#include "core/cpu.h"
#include "core/pool.h"
#include "fwd/fwd.h"

enum { INPUT_IP4, INPUT_IP6, INPUT_ARP, INPUT_DROP };
enum { LOOKUP_REWRITE, LOOKUP_ICMP, LOOKUP_DROP };
enum { REWRITE_TX, REWRITE_DROP, REWRITE_ICMP, REWRITE_LOCAL, REWRITE_NEIGH };
enum { ICMP_LOOKUP, ICMP_DROP, ICMP6_REWRITE };
enum { LOCAL4_LOOKUP, LOCAL4_DROP };
enum { LOCAL6_LOOKUP, LOCAL6_ND, LOCAL6_DROP, LOCAL6_REWRITE };
enum { NEIGH_TX, NEIGH_REWRITE, NEIGH_DROP, NEIGH_ICMP };

static ws_always_inline void *fwd_l3(struct ws_pkt *p)
{
	return ws_pkt_data(p) + p->l3_off;
}

/* The worker's clock: the TSC, or the frozen value a test set. */
static inline uint64_t fwd_now(const struct ws_fwd *f)
{
	return f->clock ? f->clock : ws_rdtsc();
}

/* Where an IPv6 packet we made goes next: a link-local destination is on
 * the input port (its glean adjacency, straight to ip6-rewrite), anything
 * else is routed. Returns true for the former, with nexthop set. */
static inline bool fwd_link_local_out(const struct ws_fwd *f, struct ws_pkt *p)
{
	const uint8_t *dst = (const uint8_t *)fwd_l3(p) + 24; /* ws_ipv6_hdr.dst */

	if (!(dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) || p->in_port >= WS_FWD_MAX_PORTS || !f->ports[p->in_port])
		return false;
	p->nexthop = WS_FWD_PORT_GLEAN_ADJ + p->in_port;
	return true;
}

/* Queue p for port's TX (what node tx does per packet); fwd.c. */
void fwd_tx_queue(struct ws_fwd *f, struct ws_pkt *p, unsigned port);

/* Free p as a drop: drops[reason], or gen_dropped for a packet we made. */
static inline void fwd_drop_one(struct ws_fwd *f, struct ws_pkt *p, unsigned reason)
{
	if (p->flags & WS_PKT_F_GENERATED)
		f->gen_dropped++;
	else
		f->drops[reason < WS_FWD_DROP_COUNT ? reason : 0]++;
	ws_pool_put_bulk(f->pool, &p, 1);
}

/* fwd_l3.c: the slow-path nodes, for ws_fwd_add_nodes. */
unsigned ws_fwd_node_arp(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);
unsigned ws_fwd_node_ip6_nd(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);
unsigned ws_fwd_node_ip4_local(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);
unsigned ws_fwd_node_ip6_local(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);
unsigned ws_fwd_node_ip4_icmp_error(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);
unsigned ws_fwd_node_ip6_icmp_error(struct ws_graph_node *node, struct ws_pkt **v, unsigned n);

#endif /* WS_FWD_FWD_PRIV_H */
