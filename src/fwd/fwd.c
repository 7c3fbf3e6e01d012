/* SPDX-License-Identifier: BSD-3-Clause */
/* fwd.c: the fast-path forwarding nodes (data path) and the setup of the
 * worker's state (control path). The slow-path nodes are in fwd_l3.c. See
 * fwd.h for the graph they form. */
#include "fwd/fwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "fwd/fwd_priv.h"
#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "net/checksum.h"
#include "net/net.h"

static const char *const fwd_drop_names[WS_FWD_DROP_COUNT - WS_NET_DROP_COUNT] = {
	"not_ip",     "no_route",     "ttl_expired", "blackhole",   "unreachable",  "prohibited", "unresolved",
	"mtu_exceeded", "tx_full", "arp_invalid", "nd_invalid", "icmp_invalid", "neighbour_table_full",
	"filtered",
};
static const char *const local_names[WS_FWD_LOCAL_COUNT] = {
	"arp_request", "arp_reply", "arp_other", "nd_solicit", "nd_advert", "nd_other", "echo_request", "punt",
};
static const char *const gen_names[WS_FWD_GEN_COUNT] = {
	"arp_request", "arp_reply", "nd_solicit", "nd_advert", "echo_reply", "icmp_time_exceeded", "icmp_unreachable",
	"icmp_too_big",
};

const char *ws_fwd_local_name(unsigned i)
{
	return i < WS_FWD_LOCAL_COUNT ? local_names[i] : NULL;
}

const char *ws_fwd_gen_name(unsigned i)
{
	return i < WS_FWD_GEN_COUNT ? gen_names[i] : NULL;
}

const char *ws_fwd_drop_name(unsigned reason)
{
	if (reason < WS_NET_DROP_COUNT)
		return ws_net_drop_name(reason);
	return reason < WS_FWD_DROP_COUNT ? fwd_drop_names[reason - WS_NET_DROP_COUNT] : NULL;
}

/*
 * ethernet-input
 *   reads:  the frame's L2/L3/L4 headers (ws_net_parse_burst)
 *   writes: ethertype, vlan_tci, l3_off, l4_off, l4_proto, drop_reason
 *   next:   ip4-lookup (valid IPv4), ip6-lookup (valid IPv6), arp (valid
 *           ARP), drop (the parser's reason, or not_ip for other ethertypes)
 */
static unsigned node_ethernet_input(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	ws_net_parse_burst(v, n);
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		unsigned is4 = p->ethertype == WS_ETHERTYPE_IPV4, is6 = p->ethertype == WS_ETHERTYPE_IPV6;
		unsigned arp = p->ethertype == WS_ETHERTYPE_ARP;

		if (!p->drop_reason && !is4 && !is6 && !arp)
			p->drop_reason = WS_FWD_DROP_NOT_IP;
		p->next_node = p->drop_reason ? INPUT_DROP : is4 ? INPUT_IP4 : is6 ? INPUT_IP6 : INPUT_ARP;
	}
	return n;
}

/* Both lookups' last step: the nexthop into each packet, misses to the
 * ICMP error node (destination unreachable; it drops what it may not
 * answer). */
static ws_always_inline unsigned lookup_done(struct ws_pkt **v, const uint32_t *nh, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned miss = nh[i] == WS_FIB_MISS;

		v[i]->nexthop = nh[i];
		v[i]->drop_reason = miss ? WS_FWD_DROP_NO_ROUTE : 0;
		v[i]->next_node = miss ? LOOKUP_ICMP : LOOKUP_REWRITE;
	}
	return n;
}

/*
 * ip4-lookup
 *   reads:  the IPv4 destination; the FIB (lpm4 bulk, one RCU-protected
 *           pointer fetched per vector)
 *   writes: nexthop, drop_reason (no_route)
 *   next:   ip4-rewrite, ip4-icmp-error (no route)
 */
static unsigned node_ip4_lookup(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	uint32_t dst[WS_GRAPH_VECTOR], nh[WS_GRAPH_VECTOR];

	if (!n) /* never (the graph calls with input); tells gcc dst[] gets written */
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ws_ipv4_hdr *ip = fwd_l3(v[i]);

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
		const struct ws_ipv6_hdr *ip6 = fwd_l3(v[i]);

		memcpy(dst[i], ip6->dst, 16);
	}
	ws_lpm6_lookup_bulk(ws_fib_lpm6(f->fib), (const uint8_t(*)[16])dst, nh, n);
	return lookup_done(v, nh, n);
}

/*
 * What the rewrite nodes do with a packet that is not plain forwarding (the
 * adjacency is not FORWARD, the TTL runs out, the packet is too long): the
 * next node, with drop_reason set to what the packet is dropped for unless
 * that node rescues it (local delivery takes it, the neighbour node resolves
 * it, the ICMP error node answers and counts it). The order matters: a
 * packet for us is ours whatever its TTL; an expiring one gets time exceeded
 * even when the next hop is not resolved.
 */
static unsigned rewrite_slow(struct ws_pkt *p, const struct ws_adj *a, unsigned ttl, unsigned may_fragment)
{
	switch (a->kind) {
	case WS_ADJ_LOCAL:
		p->drop_reason = 0;
		return REWRITE_LOCAL;
	case WS_ADJ_BLACKHOLE:
		p->drop_reason = WS_FWD_DROP_BLACKHOLE;
		return REWRITE_DROP;
	case WS_ADJ_UNREACHABLE:
		p->drop_reason = WS_FWD_DROP_UNREACHABLE;
		return REWRITE_ICMP;
	case WS_ADJ_PROHIBIT:
		p->drop_reason = WS_FWD_DROP_PROHIBITED;
		return REWRITE_ICMP;
	default:
		break;
	}
	if (ttl <= 1) {
		p->drop_reason = WS_FWD_DROP_TTL;
		return REWRITE_ICMP;
	}
	if (a->kind != WS_ADJ_FORWARD) { /* UNRESOLVED, GLEAN */
		p->drop_reason = WS_FWD_DROP_UNRESOLVED;
		return REWRITE_NEIGH;
	}
	/* too long: no fragmentation here; IPv4 with DF clear is dropped
	 * without an error, everything else gets "too big" */
	p->drop_reason = WS_FWD_DROP_MTU;
	return may_fragment ? REWRITE_DROP : REWRITE_ICMP;
}

/*
 * ip4-rewrite
 *   reads:  nexthop, the adjacency table, the IPv4 header's TTL, total
 *           length and DF bit, the output port's MTU
 *   writes: TTL - 1 and the header checksum (incremental, RFC 1624), the
 *           Ethernet destination and source, out_port, drop_reason
 *   next:   tx; ip4-local (our address); arp (next hop not resolved);
 *           ip4-icmp-error (TTL expired, unreachable or prohibited route,
 *           longer than the MTU with DF); drop (blackhole, too long
 *           without DF)
 */
static unsigned node_ip4_rewrite(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		struct ws_ipv4_hdr *ip = fwd_l3(p);
		const struct ws_adj *a = &f->adj[p->nexthop];
		unsigned len = ws_ntoh16(ip->total_len);

		if (ws_unlikely(a->kind != WS_ADJ_FORWARD || ip->ttl <= 1 || len > f->ports[a->port]->mtu)) {
			p->next_node = (uint8_t)rewrite_slow(p, a, ip->ttl, !(ws_ntoh16(ip->frag_off) & WS_IPV4_FLAG_DF));
			continue;
		}
		p->drop_reason = 0;
		p->next_node = REWRITE_TX;
		ws_ipv4_ttl_dec(ip);
		memcpy(ws_pkt_data(p), a->dst_mac, 12); /* dst_mac and src_mac are adjacent */
		p->out_port = a->port;
	}
	return n;
}

/*
 * ip6-rewrite: as ip4-rewrite with the hop limit (no header checksum);
 * every packet longer than the MTU gets "packet too big" (IPv6 routers
 * never fragment), and unresolved next hops go to ip6-nd.
 */
static unsigned node_ip6_rewrite(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		struct ws_ipv6_hdr *ip6 = fwd_l3(p);
		const struct ws_adj *a = &f->adj[p->nexthop];
		unsigned len = WS_IPV6_HDR_LEN + ws_ntoh16(ip6->payload_len);

		if (ws_unlikely(a->kind != WS_ADJ_FORWARD || ip6->hop_limit <= 1 || len > f->ports[a->port]->mtu)) {
			p->next_node = (uint8_t)rewrite_slow(p, a, ip6->hop_limit, 0);
			continue;
		}
		p->drop_reason = 0;
		p->next_node = REWRITE_TX;
		ip6->hop_limit--;
		memcpy(ws_pkt_data(p), a->dst_mac, 12);
		p->out_port = a->port;
	}
	return n;
}

/* Send port's TX queue; what the port does not take is dropped. */
static void tx_port(struct ws_fwd *f, unsigned port)
{
	unsigned len = f->txq_len[port];
	unsigned sent = ws_port_tx_burst(f->ports[port], f->txq[port], len);

	f->txq_len[port] = 0;
	for (unsigned i = sent; i < len; i++)
		fwd_drop_one(f, f->txq[port][i], WS_FWD_DROP_TX_FULL);
}

void fwd_tx_queue(struct ws_fwd *f, struct ws_pkt *p, unsigned port)
{
	if (port >= WS_FWD_MAX_PORTS || !f->ports[port]) { /* a node's bug: never write out of range */
		fwd_drop_one(f, p, WS_FWD_DROP_TX_FULL);
		return;
	}
	if (f->txq_len[port] == WS_GRAPH_VECTOR)
		tx_port(f, port);
	f->txq[port][f->txq_len[port]++] = p;
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

	for (unsigned i = 0; i < n; i++)
		fwd_tx_queue(f, v[i], v[i]->out_port);
	return 0;
}

/*
 * drop
 *   reads:  drop_reason, flags (GENERATED)
 *   writes: the drop counters
 *   next:   none (frames back to the pool)
 */
static unsigned node_drop(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;

	for (unsigned i = 0; i < n; i++) {
		unsigned r = v[i]->drop_reason;

		if (v[i]->flags & WS_PKT_F_GENERATED)
			f->gen_dropped++;
		else
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
	f->adj = calloc(WS_FWD_NB_ADJ, sizeof(*f->adj));
	f->adj_gw = calloc(WS_FIB_MAX_NEXTHOPS, sizeof(*f->adj_gw));
	if (!f->adj || !f->adj_gw || ws_neigh_init(&f->neigh)) {
		free(f->adj);
		free(f->adj_gw);
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->fib = fib;
	f->pool = pool;
	f->tsc_hz = ws_tsc_hz();
	f->icmp_tokens = WS_FWD_ICMP_BURST * (f->tsc_hz / WS_FWD_ICMP_RATE);
	f->node_input = f->node_drop = f->node_ip4_rewrite = f->node_ip6_rewrite = -1;
	f->node_ip4_icmp_error = f->node_ip6_icmp_error = -1;
	return f;
}

void ws_fwd_free(struct ws_fwd *fwd)
{
	if (!fwd)
		return;
	ws_fwd_drain(fwd);
	ws_neigh_fini(&fwd->neigh);
	pthread_mutex_destroy(&fwd->lock);
	free(fwd->adj);
	free(fwd->adj_gw);
	free(fwd);
}

int ws_fwd_add_port(struct ws_fwd *fwd, struct ws_port *port)
{
	struct ws_fwd_if *ifc;

	if (!port || port->id >= WS_FWD_MAX_PORTS || fwd->ports[port->id])
		return -EINVAL;
	fwd->ports[port->id] = port;
	if (port->id >= fwd->nb_ports)
		fwd->nb_ports = port->id + 1u;
	/* the link-local address every IPv6 interface has (RFC 4291 2.5.1:
	 * modified EUI-64, universal/local bit flipped) */
	ifc = &fwd->ifs[port->id];
	memset(ifc->ll6, 0, 16);
	ifc->ll6[0] = 0xfe;
	ifc->ll6[1] = 0x80;
	ifc->ll6[8] = port->mac[0] ^ 0x02;
	ifc->ll6[9] = port->mac[1];
	ifc->ll6[10] = port->mac[2];
	ifc->ll6[11] = 0xff;
	ifc->ll6[12] = 0xfe;
	ifc->ll6[13] = port->mac[3];
	ifc->ll6[14] = port->mac[4];
	ifc->ll6[15] = port->mac[5];
	fwd->adj[WS_FWD_PORT_GLEAN_ADJ + port->id] = (struct ws_adj){ .port = port->id, .kind = WS_ADJ_GLEAN };
	memcpy(fwd->adj[WS_FWD_PORT_GLEAN_ADJ + port->id].src_mac, port->mac, 6);
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

int ws_fwd_add_address(struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *addr, unsigned len)
{
	struct ws_fwd_if *ifc;
	struct ws_fwd_addr *a;

	if (port >= WS_FWD_MAX_PORTS || !fwd->ports[port] || (family != AF_INET && family != AF_INET6) ||
	    len > (family == AF_INET ? 32u : 128u))
		return -EINVAL;
	ifc = &fwd->ifs[port];
	if ((family == AF_INET ? ifc->nb_v4 : ifc->nb_v6) >= WS_FWD_MAX_ADDRS)
		return -ENOSPC;
	a = family == AF_INET ? &ifc->v4[ifc->nb_v4++] : &ifc->v6[ifc->nb_v6++];
	memset(a, 0, sizeof(*a));
	memcpy(a->addr, addr, family == AF_INET ? 4 : 16);
	a->len = (uint8_t)len;
	return 0;
}

bool ws_fwd_is_local(const struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *addr)
{
	const struct ws_fwd_if *ifc;

	if (port >= WS_FWD_MAX_PORTS)
		return false;
	ifc = &fwd->ifs[port];
	if (family == AF_INET) {
		for (unsigned i = 0; i < ifc->nb_v4; i++)
			if (!memcmp(ifc->v4[i].addr, addr, 4))
				return true;
		return false;
	}
	if (fwd->ports[port] && !memcmp(ifc->ll6, addr, 16))
		return true;
	for (unsigned i = 0; i < ifc->nb_v6; i++)
		if (!memcmp(ifc->v6[i].addr, addr, 16))
			return true;
	return false;
}

int ws_fwd_add_nodes(struct ws_fwd *fwd, struct ws_graph *g)
{
	const struct ws_graph_node_spec specs[] = {
		{ "ethernet-input", node_ethernet_input, { "ip4-lookup", "ip6-lookup", "arp", "drop" }, 4, fwd },
		{ "ip4-lookup", node_ip4_lookup, { "ip4-rewrite", "ip4-icmp-error", "drop" }, 3, fwd },
		{ "ip6-lookup", node_ip6_lookup, { "ip6-rewrite", "ip6-icmp-error", "drop" }, 3, fwd },
		{ "ip4-rewrite", node_ip4_rewrite, { "tx", "drop", "ip4-icmp-error", "ip4-local", "arp" }, 5, fwd },
		{ "ip6-rewrite", node_ip6_rewrite, { "tx", "drop", "ip6-icmp-error", "ip6-local", "ip6-nd" }, 5, fwd },
		{ "ip4-local", ws_fwd_node_ip4_local, { "ip4-lookup", "drop" }, 2, fwd },
		{ "ip6-local", ws_fwd_node_ip6_local, { "ip6-lookup", "ip6-nd", "drop", "ip6-rewrite" }, 4, fwd },
		{ "arp", ws_fwd_node_arp, { "tx", "ip4-rewrite", "drop", "ip4-icmp-error" }, 4, fwd },
		{ "ip6-nd", ws_fwd_node_ip6_nd, { "tx", "ip6-rewrite", "drop", "ip6-icmp-error" }, 4, fwd },
		{ "ip4-icmp-error", ws_fwd_node_ip4_icmp_error, { "ip4-lookup", "drop" }, 2, fwd },
		{ "ip6-icmp-error", ws_fwd_node_ip6_icmp_error, { "ip6-lookup", "drop", "ip6-rewrite" }, 3, fwd },
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
		if (!strcmp(specs[i].name, "ip4-rewrite"))
			fwd->node_ip4_rewrite = id;
		if (!strcmp(specs[i].name, "ip6-rewrite"))
			fwd->node_ip6_rewrite = id;
		if (!strcmp(specs[i].name, "ip4-icmp-error"))
			fwd->node_ip4_icmp_error = id;
		if (!strcmp(specs[i].name, "ip6-icmp-error"))
			fwd->node_ip6_icmp_error = id;
	}
	fwd->graph = g;
	return 0;
}
