/* SPDX-License-Identifier: BSD-3-Clause */
/* fwd.c: the forwarding nodes (data path) and their setup (control path).
 * See fwd.h for the graph they form. */
#include "fwd/fwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "net/checksum.h"
#include "net/net.h"

/* next-node indexes of each node (positions in its spec's next list) */
enum { INPUT_IP4, INPUT_IP6, INPUT_DROP };
enum { LOOKUP_REWRITE, LOOKUP_DROP };
enum { REWRITE_TX, REWRITE_DROP };

static const char *const fwd_drop_names[WS_FWD_DROP_COUNT - WS_NET_DROP_COUNT] = {
	"not_ip", "no_route", "ttl_expired", "blackhole", "unreachable", "unresolved", "mtu_exceeded", "tx_full",
};

const char *ws_fwd_drop_name(unsigned reason)
{
	if (reason < WS_NET_DROP_COUNT)
		return ws_net_drop_name(reason);
	return reason < WS_FWD_DROP_COUNT ? fwd_drop_names[reason - WS_NET_DROP_COUNT] : NULL;
}

static ws_always_inline void *l3_of(struct ws_pkt *p)
{
	return ws_pkt_data(p) + p->l3_off;
}

/*
 * ethernet-input
 *   reads:  the frame's L2/L3/L4 headers (ws_net_parse_burst)
 *   writes: ethertype, vlan_tci, l3_off, l4_off, l4_proto, drop_reason
 *   next:   ip4-lookup (valid IPv4), ip6-lookup (valid IPv6), drop (the
 *           parser's reason, or not_ip for ARP and unknown ethertypes
 *           until nodes for them exist)
 */
static unsigned node_ethernet_input(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	ws_net_parse_burst(v, n);
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		unsigned is4 = p->ethertype == WS_ETHERTYPE_IPV4, is6 = p->ethertype == WS_ETHERTYPE_IPV6;

		if (!p->drop_reason && !is4 && !is6)
			p->drop_reason = WS_FWD_DROP_NOT_IP;
		p->next_node = p->drop_reason ? INPUT_DROP : is4 ? INPUT_IP4 : INPUT_IP6;
	}
	return n;
}

/* Both lookups' last step: the nexthop into each packet, misses to drop. */
static ws_always_inline unsigned lookup_done(struct ws_pkt **v, const uint32_t *nh, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned miss = nh[i] == WS_FIB_MISS;

		v[i]->nexthop = nh[i];
		v[i]->drop_reason = miss ? WS_FWD_DROP_NO_ROUTE : 0;
		v[i]->next_node = miss ? LOOKUP_DROP : LOOKUP_REWRITE;
	}
	return n;
}

/*
 * ip4-lookup
 *   reads:  the IPv4 destination; the FIB (lpm4 bulk, one RCU-protected
 *           pointer fetched per vector)
 *   writes: nexthop, drop_reason (no_route)
 *   next:   ip4-rewrite, drop
 */
static unsigned node_ip4_lookup(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	uint32_t dst[WS_GRAPH_VECTOR], nh[WS_GRAPH_VECTOR];

	if (!n) /* never (the graph calls with input); tells gcc dst[] gets written */
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ws_ipv4_hdr *ip = l3_of(v[i]);

		dst[i] = ws_ntoh32(ip->dst);
	}
	ws_lpm4_lookup_bulk(ws_fib_lpm4(f->fib), dst, nh, n);
	return lookup_done(v, nh, n);
}

/*
 * ip6-lookup: as ip4-lookup, with lpm6 on the IPv6 destination.
 */
static unsigned node_ip6_lookup(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	uint8_t dst[WS_GRAPH_VECTOR][16];
	uint32_t nh[WS_GRAPH_VECTOR];

	if (!n) /* as in ip4-lookup */
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ws_ipv6_hdr *ip6 = l3_of(v[i]);

		memcpy(dst[i], ip6->dst, 16);
	}
	ws_lpm6_lookup_bulk(ws_fib_lpm6(f->fib), (const uint8_t(*)[16])dst, nh, n);
	return lookup_done(v, nh, n);
}

/* The adjacency's verdict for a packet of l3_len bytes, TTL ttl: 0 to
 * forward, else a drop reason. */
static ws_always_inline unsigned adj_check(const struct ws_fwd *f, const struct ws_adj *a, unsigned ttl,
					   unsigned l3_len)
{
	if (ttl <= 1)
		return WS_FWD_DROP_TTL;
	if (a->kind != WS_ADJ_FORWARD)
		return a->kind == WS_ADJ_BLACKHOLE     ? WS_FWD_DROP_BLACKHOLE
		       : a->kind == WS_ADJ_UNREACHABLE ? WS_FWD_DROP_UNREACHABLE
						       : WS_FWD_DROP_UNRESOLVED;
	if (l3_len > f->ports[a->port]->mtu)
		return WS_FWD_DROP_MTU;
	return 0;
}

/*
 * ip4-rewrite
 *   reads:  nexthop, the adjacency table, the IPv4 header's TTL and total
 *           length, the output port's MTU
 *   writes: TTL - 1 and the header checksum (incremental, RFC 1624), the
 *           Ethernet destination and source, out_port, drop_reason
 *   next:   tx, drop (ttl_expired, blackhole, unreachable, unresolved,
 *           mtu_exceeded: the ICMP errors these call for come with the icmp
 *           nodes)
 */
static unsigned node_ip4_rewrite(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		struct ws_ipv4_hdr *ip = l3_of(p);
		const struct ws_adj *a = &f->adj[p->nexthop];
		unsigned why = adj_check(f, a, ip->ttl, ws_ntoh16(ip->total_len));

		p->drop_reason = (uint8_t)why;
		p->next_node = why ? REWRITE_DROP : REWRITE_TX;
		if (why)
			continue;
		ws_ipv4_ttl_dec(ip);
		memcpy(ws_pkt_data(p), a->dst_mac, 12); /* dst_mac and src_mac are adjacent */
		p->out_port = a->port;
	}
	return n;
}

/*
 * ip6-rewrite: as ip4-rewrite with the hop limit (no header checksum).
 */
static unsigned node_ip6_rewrite(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		struct ws_ipv6_hdr *ip6 = l3_of(p);
		const struct ws_adj *a = &f->adj[p->nexthop];
		unsigned why = adj_check(f, a, ip6->hop_limit, WS_IPV6_HDR_LEN + ws_ntoh16(ip6->payload_len));

		p->drop_reason = (uint8_t)why;
		p->next_node = why ? REWRITE_DROP : REWRITE_TX;
		if (why)
			continue;
		ip6->hop_limit--;
		memcpy(ws_pkt_data(p), a->dst_mac, 12);
		p->out_port = a->port;
	}
	return n;
}

static void tx_port(struct ws_fwd *f, unsigned port)
{
	unsigned len = f->txq_len[port];
	unsigned sent = ws_port_tx_burst(f->ports[port], f->txq[port], len);

	if (sent < len) {
		f->drops[WS_FWD_DROP_TX_FULL] += len - sent;
		ws_pool_put_bulk(f->pool, &f->txq[port][sent], len - sent);
	}
	f->txq_len[port] = 0;
}

/*
 * tx
 *   reads:  out_port
 *   writes: the per-port TX queues (sent by ws_fwd_flush once per loop, or
 *           here when a queue fills)
 *   next:   none (the port owns the frames)
 */
static unsigned node_tx(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		unsigned port = v[i]->out_port;

		if (port >= WS_FWD_MAX_PORTS || !f->ports[port]) { /* a node's bug: never write out of range */
			f->drops[WS_FWD_DROP_TX_FULL]++;
			ws_pool_put_bulk(f->pool, &v[i], 1);
			continue;
		}
		if (f->txq_len[port] == WS_GRAPH_VECTOR)
			tx_port(f, port);
		f->txq[port][f->txq_len[port]++] = v[i];
	}
	return 0;
}

/*
 * drop
 *   reads:  drop_reason
 *   writes: the drop counters
 *   next:   none (frames back to the pool)
 */
static unsigned node_drop(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		unsigned r = v[i]->drop_reason;

		f->drops[r < WS_FWD_DROP_COUNT ? r : 0]++;
	}
	ws_pool_put_bulk(f->pool, v, n);
	return 0;
}

void ws_fwd_flush(struct ws_fwd *fwd)
{
	for (unsigned port = 0; port < fwd->nb_ports; port++)
		if (fwd->txq_len[port])
			tx_port(fwd, port);
}

struct ws_fwd *ws_fwd_create(struct ws_fib *fib, struct ws_pool *pool)
{
	struct ws_fwd *f = calloc(1, sizeof(*f));

	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->adj = calloc(WS_FIB_MAX_NEXTHOPS, sizeof(*f->adj));
	if (!f->adj) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->fib = fib;
	f->pool = pool;
	f->node_input = f->node_drop = -1;
	return f;
}

void ws_fwd_free(struct ws_fwd *fwd)
{
	if (!fwd)
		return;
	free(fwd->adj);
	free(fwd);
}

int ws_fwd_add_port(struct ws_fwd *fwd, struct ws_port *port)
{
	if (!port || port->id >= WS_FWD_MAX_PORTS || fwd->ports[port->id])
		return -EINVAL;
	fwd->ports[port->id] = port;
	if (port->id >= fwd->nb_ports)
		fwd->nb_ports = port->id + 1u;
	return 0;
}

int ws_fwd_set_adj(struct ws_fwd *fwd, uint32_t nexthop, uint16_t port, const uint8_t dst_mac[6])
{
	struct ws_adj *a;

	if (nexthop >= WS_FIB_MAX_NEXTHOPS || port >= WS_FWD_MAX_PORTS || !fwd->ports[port])
		return -EINVAL;
	a = &fwd->adj[nexthop];
	memcpy(a->dst_mac, dst_mac, 6);
	memcpy(a->src_mac, fwd->ports[port]->mac, 6);
	a->port = port;
	a->kind = WS_ADJ_FORWARD;
	return 0;
}

int ws_fwd_add_nodes(struct ws_fwd *fwd, struct ws_graph *g)
{
	const struct ws_graph_node_spec specs[] = {
		{ "ethernet-input", node_ethernet_input, { "ip4-lookup", "ip6-lookup", "drop" }, 3, fwd },
		{ "ip4-lookup", node_ip4_lookup, { "ip4-rewrite", "drop" }, 2, fwd },
		{ "ip6-lookup", node_ip6_lookup, { "ip6-rewrite", "drop" }, 2, fwd },
		{ "ip4-rewrite", node_ip4_rewrite, { "tx", "drop" }, 2, fwd },
		{ "ip6-rewrite", node_ip6_rewrite, { "tx", "drop" }, 2, fwd },
		{ "tx", node_tx, { NULL }, 0, fwd },
		{ "drop", node_drop, { NULL }, 0, fwd },
	};

	for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		int id = ws_graph_add_node(g, &specs[i]);

		if (id < 0)
			return id;
		if (i == 0)
			fwd->node_input = id;
		if (!strcmp(specs[i].name, "drop"))
			fwd->node_drop = id;
	}
	return 0;
}
