/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_l3.c: the slow-path nodes of the forwarding graph: arp and ip6-nd
 * (answer for our addresses, learn, resolve next hops with rate-limited
 * requests and a bounded queue per neighbour), ip4-local and ip6-local
 * (echo replies; the rest punted), and the ICMP error nodes (time exceeded,
 * unreachable, too big; rate-limited, never about an error, a broadcast or
 * a multicast).
 *
 * DATA-PATH CODE, but off the fast path: these nodes see packets only when
 * something calls for them (an ARP frame, an unresolved next hop, a packet
 * for us, an error), so they favour clarity over batching. The worker
 * takes fwd->lock only around changes to the neighbour table and the
 * adjacencies, which another thread may be reading.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fwd/fwd_priv.h"
#include "net/arp_nd.h"
#include "net/icmp.h"
#include "net/net.h"

/* ---- neighbours ---- */

static unsigned addr_bytes(int family)
{
	return family == AF_INET ? 4u : 16u;
}

/* The earliest timer of the INCOMPLETE and FAILED entries, so that
 * ws_fwd_tick does nothing until then. */
static void timer_due(struct ws_fwd *f, uint64_t when)
{
	if (!f->neigh_timer || when < f->neigh_timer)
		f->neigh_timer = when;
}

static uint64_t ms_ticks(const struct ws_fwd *f, unsigned ms)
{
	return f->tsc_hz / 1000u * ms;
}

/* Our source address on port for talking to target: the port's address
 * whose subnet holds it, else its first; false if it has none (IPv6: the
 * link-local address always serves). */
static bool source_for(const struct ws_fwd *f, uint16_t port, int family, const uint8_t *target, uint8_t *src)
{
	const struct ws_fwd_if *ifc = &f->ifs[port];

	if (family == AF_INET6) {
		memcpy(src, ifc->ll6, 16);
		return true;
	}
	if (!ifc->nb_v4)
		return false;
	memcpy(src, ifc->v4[0].addr, 4);
	for (unsigned i = 0; i < ifc->nb_v4; i++) {
		uint32_t a, t, mask = ifc->v4[i].len ? ~0u << (32 - ifc->v4[i].len) : 0;

		memcpy(&a, ifc->v4[i].addr, 4);
		memcpy(&t, target, 4);
		if (((ws_ntoh32(a) ^ ws_ntoh32(t)) & mask) == 0) {
			memcpy(src, ifc->v4[i].addr, 4);
			break;
		}
	}
	return true;
}

/* Send an ARP request or a neighbour solicitation for e, from a fresh
 * frame. Nothing happens when the pool is empty: the timer retries. */
static void neigh_probe(struct ws_fwd *f, struct ws_neigh *e)
{
	struct ws_port *port = f->ports[e->port];
	uint8_t src[16];
	struct ws_pkt *p;

	if (!port || !source_for(f, e->port, e->family, e->ip, src) || ws_pool_get_bulk(f->pool, &p, 1))
		return;
	if (e->family == AF_INET) {
		uint32_t s, t;

		memcpy(&s, src, 4);
		memcpy(&t, e->ip, 4);
		ws_arp_build_request(p, port->mac, ws_ntoh32(s), ws_ntoh32(t));
		f->gen[WS_FWD_GEN_ARP_REQUEST]++;
	} else {
		ws_nd_build_ns(p, port->mac, src, e->ip);
		f->gen[WS_FWD_GEN_ND_NS]++;
	}
	p->flags |= WS_PKT_F_GENERATED;
	p->in_port = e->port;
	fwd_tx_queue(f, p, e->port);
}

static void adj_forward(struct ws_fwd *f, struct ws_adj *a, const struct ws_neigh *e)
{
	memcpy(a->dst_mac, e->mac, 6);
	memcpy(a->src_mac, f->ports[e->port]->mac, 6);
	a->port = e->port;
	a->kind = WS_ADJ_FORWARD;
}

/* p leaves a neighbour queue. */
static void unqueue(struct ws_fwd *f, const struct ws_pkt *p)
{
	f->queued--;
	f->queued_gen -= (p->flags & WS_PKT_F_GENERATED) != 0;
}

/* e failed: what it holds gets ICMP host (IPv4) / address (IPv6)
 * unreachable, as Linux sends, through the ICMP error node (which drops
 * what it may not answer, counting it as unresolved); returns whether it
 * queued anything for the graph. */
static bool neigh_fail_queue(struct ws_fwd *f, struct ws_neigh *e)
{
	int node = e->family == AF_INET ? f->node_ip4_icmp_error : f->node_ip6_icmp_error;
	unsigned n = e->nb_queued, took = 0;

	if (!n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		unqueue(f, e->queue[i]);
		e->queue[i]->drop_reason = WS_FWD_DROP_UNRESOLVED;
	}
	e->nb_queued = 0;
	if (f->graph && node >= 0)
		took = ws_graph_enqueue(f->graph, (unsigned)node, e->queue, n);
	for (unsigned i = took; i < n; i++)
		fwd_drop_one(f, e->queue[i], WS_FWD_DROP_UNRESOLVED);
	return took > 0;
}

/* Drop what e holds (it goes away). */
static void neigh_drop_queue(struct ws_fwd *f, struct ws_neigh *e)
{
	for (unsigned i = 0; i < e->nb_queued; i++) {
		unqueue(f, e->queue[i]);
		fwd_drop_one(f, e->queue[i], WS_FWD_DROP_UNRESOLVED);
	}
	e->nb_queued = 0;
}

/* e has a MAC now (learned or static): its host adjacency and every
 * gateway adjacency through it forward, and what waited goes back to the
 * rewrite node. Called with f->lock held. */
static void neigh_resolved(struct ws_fwd *f, struct ws_neigh *e)
{
	unsigned idx = ws_neigh_index(&f->neigh, e);
	int rewrite = e->family == AF_INET ? f->node_ip4_rewrite : f->node_ip6_rewrite;
	unsigned n = e->nb_queued, took = 0;

	adj_forward(f, &f->adj[WS_FWD_HOST_ADJ + idx], e);
	for (uint32_t id = 0; id < f->nb_nh; id++) {
		const struct ws_adj_gw *gw = &f->adj_gw[id];

		if (gw->family == e->family && f->adj[id].port == e->port && !memcmp(gw->gw, e->ip, addr_bytes(e->family)))
			adj_forward(f, &f->adj[id], e);
	}
	e->nb_queued = 0;
	for (unsigned i = 0; i < n; i++)
		unqueue(f, e->queue[i]);
	if (!n)
		return;
	/* a connected route's packets take the host adjacency from now on */
	for (unsigned i = 0; i < n; i++)
		if (f->adj[e->queue[i]->nexthop].kind == WS_ADJ_GLEAN)
			e->queue[i]->nexthop = WS_FWD_HOST_ADJ + idx;
	if (f->graph && rewrite >= 0)
		took = ws_graph_enqueue(f->graph, (unsigned)rewrite, e->queue, n);
	for (unsigned i = took; i < n; i++)
		fwd_drop_one(f, e->queue[i], WS_FWD_DROP_UNRESOLVED);
}

/* Learn (family, port, ip) -> mac: update an entry that exists (unless it is
 * static), or create one when create is set (the sender asked us: RFC 826's
 * "merge" rule). Returns whether an entry now holds this MAC. */
static bool neigh_learn(struct ws_fwd *f, int family, uint16_t port, const uint8_t *ip, const uint8_t *mac,
			bool create)
{
	struct ws_neigh *e = ws_neigh_find(&f->neigh, family, port, ip);
	bool changed;

	if (e && e->state == WS_NEIGH_STATIC)
		return !memcmp(e->mac, mac, 6);
	if (!e && !create)
		return false;
	pthread_mutex_lock(&f->lock);
	if (!e)
		e = ws_neigh_add(&f->neigh, family, port, ip);
	if (!e) {
		pthread_mutex_unlock(&f->lock);
		return false;
	}
	changed = e->state != WS_NEIGH_REACHABLE || memcmp(e->mac, mac, 6);
	memcpy(e->mac, mac, 6);
	e->state = WS_NEIGH_REACHABLE;
	e->probes = 0;
	if (changed)
		neigh_resolved(f, e);
	pthread_mutex_unlock(&f->lock);
	return true;
}

/*
 * A packet from a rewrite node whose next hop has no MAC: find or start the
 * neighbour entry. Returns NEIGH_REWRITE when the neighbour turned out to be
 * known (the adjacency is fixed and the packet goes back), NEIGH_DROP or
 * NEIGH_ICMP (the neighbour failed) with drop_reason set, or
 * WS_GRAPH_MAX_NEXT when the packet was queued (the entry owns it now).
 */
static unsigned neigh_resolve(struct ws_fwd *f, struct ws_pkt *p, int family)
{
	struct ws_adj *a = &f->adj[p->nexthop];
	const uint8_t *target;
	struct ws_neigh *e;
	uint64_t now;

	if (a->kind == WS_ADJ_GLEAN) {
		const uint8_t *l3 = fwd_l3(p);

		target = family == AF_INET ? l3 + offsetof(struct ws_ipv4_hdr, dst) : l3 + offsetof(struct ws_ipv6_hdr, dst);
	} else if (p->nexthop < WS_FIB_MAX_NEXTHOPS && f->adj_gw[p->nexthop].family == family) {
		target = f->adj_gw[p->nexthop].gw;
	} else {
		p->drop_reason = WS_FWD_DROP_UNRESOLVED; /* nothing to resolve: a nexthop nobody set */
		return NEIGH_DROP;
	}
	e = ws_neigh_find(&f->neigh, family, a->port, target);
	if (e && (e->state == WS_NEIGH_REACHABLE || e->state == WS_NEIGH_STATIC)) {
		pthread_mutex_lock(&f->lock);
		if (a->kind == WS_ADJ_GLEAN)
			p->nexthop = WS_FWD_HOST_ADJ + ws_neigh_index(&f->neigh, e);
		else
			adj_forward(f, a, e);
		pthread_mutex_unlock(&f->lock);
		p->drop_reason = 0;
		return NEIGH_REWRITE;
	}
	now = fwd_now(f);
	if (!e) {
		uint8_t src[16];

		if (!source_for(f, a->port, family, target, src)) {
			p->drop_reason = WS_FWD_DROP_UNRESOLVED; /* no address to ask from */
			return NEIGH_DROP;
		}
		pthread_mutex_lock(&f->lock);
		e = ws_neigh_add(&f->neigh, family, a->port, target);
		pthread_mutex_unlock(&f->lock);
		if (!e) {
			p->drop_reason = WS_FWD_DROP_NEIGH_FULL;
			return NEIGH_DROP;
		}
		e->timer = now;
	}
	if (e->state == WS_NEIGH_FAILED) {
		if (now < e->timer) {
			p->drop_reason = WS_FWD_DROP_UNRESOLVED;
			return NEIGH_ICMP; /* host unreachable, as for the queued ones */
		}
		e->state = WS_NEIGH_INCOMPLETE; /* try again */
		e->probes = 0;
		e->timer = now;
	}
	if (e->probes < WS_NEIGH_PROBES && now >= e->timer) {
		neigh_probe(f, e);
		e->probes++;
		e->timer = now + ms_ticks(f, WS_NEIGH_PROBE_MS);
		timer_due(f, e->timer);
	}
	if (e->nb_queued == WS_NEIGH_QUEUE_LEN || f->queued >= WS_FWD_QUEUED_MAX) {
		p->drop_reason = WS_FWD_DROP_UNRESOLVED;
		return NEIGH_DROP;
	}
	e->queue[e->nb_queued++] = p;
	f->queued++;
	f->queued_gen += (p->flags & WS_PKT_F_GENERATED) != 0;
	return WS_GRAPH_MAX_NEXT;
}

void ws_fwd_tick(struct ws_fwd *fwd)
{
	uint64_t now;

	if (!fwd->neigh_timer)
		return;
	now = fwd_now(fwd);
	if (now < fwd->neigh_timer)
		return;
	fwd->neigh_timer = 0;
	for (unsigned i = 0; i < WS_NEIGH_MAX; i++) {
		struct ws_neigh *e = &fwd->neigh.e[i];

		if (e->state == WS_NEIGH_INCOMPLETE) {
			if (now >= e->timer) {
				if (e->probes < WS_NEIGH_PROBES) {
					neigh_probe(fwd, e);
					e->probes++;
					e->timer = now + ms_ticks(fwd, WS_NEIGH_PROBE_MS);
				} else {
					if (neigh_fail_queue(fwd, e) && fwd->graph)
						ws_graph_run(fwd->graph); /* the errors, now */
					e->state = WS_NEIGH_FAILED;
					e->timer = now + ms_ticks(fwd, WS_NEIGH_FAILED_MS);
				}
			}
			timer_due(fwd, e->timer);
		} else if (e->state == WS_NEIGH_FAILED) {
			if (now >= e->timer) {
				/* forget it: the next packet starts afresh, and
				 * the slot serves someone else meanwhile */
				pthread_mutex_lock(&fwd->lock);
				ws_neigh_remove(&fwd->neigh, e);
				pthread_mutex_unlock(&fwd->lock);
			} else {
				timer_due(fwd, e->timer);
			}
		}
	}
}

void ws_fwd_drain(struct ws_fwd *fwd)
{
	if (!fwd->neigh.e || !fwd->queued)
		return;
	for (unsigned i = 0; i < WS_NEIGH_MAX; i++)
		neigh_drop_queue(fwd, &fwd->neigh.e[i]);
}

uint64_t ws_fwd_queued(const struct ws_fwd *fwd)
{
	return fwd->queued - fwd->queued_gen;
}

int ws_fwd_add_neighbour(struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *ip, const uint8_t mac[6])
{
	struct ws_neigh *e;

	if (port >= WS_FWD_MAX_PORTS || !fwd->ports[port] || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	pthread_mutex_lock(&fwd->lock);
	e = ws_neigh_find(&fwd->neigh, family, port, ip);
	if (e && e->state == WS_NEIGH_STATIC) {
		pthread_mutex_unlock(&fwd->lock);
		return -EEXIST;
	}
	if (!e)
		e = ws_neigh_add(&fwd->neigh, family, port, ip);
	if (!e) {
		pthread_mutex_unlock(&fwd->lock);
		return -ENOSPC;
	}
	memcpy(e->mac, mac, 6);
	e->state = WS_NEIGH_STATIC;
	neigh_resolved(fwd, e);
	pthread_mutex_unlock(&fwd->lock);
	return 0;
}

int ws_fwd_set_nexthop(struct ws_fwd *fwd, uint32_t id, const struct ws_nexthop_key *k)
{
	struct ws_adj a = { 0 };
	struct ws_adj_gw gw = { 0 };

	if (id >= WS_FIB_MAX_NEXTHOPS)
		return -EINVAL;
	switch (k->type) {
	case WS_NH_UNICAST:
		if (k->port >= WS_FWD_MAX_PORTS || !fwd->ports[k->port] ||
		    (k->gw_family && k->gw_family != AF_INET && k->gw_family != AF_INET6))
			return -EINVAL;
		a.port = k->port;
		memcpy(a.src_mac, fwd->ports[k->port]->mac, 6);
		a.kind = k->gw_family ? WS_ADJ_UNRESOLVED : WS_ADJ_GLEAN;
		gw.family = k->gw_family;
		memcpy(gw.gw, k->gw, 16);
		break;
	case WS_NH_BLACKHOLE:
		a.kind = WS_ADJ_BLACKHOLE;
		break;
	case WS_NH_UNREACHABLE:
		a.kind = WS_ADJ_UNREACHABLE;
		break;
	case WS_NH_PROHIBIT:
		a.kind = WS_ADJ_PROHIBIT;
		break;
	case WS_NH_LOCAL:
		a.kind = WS_ADJ_LOCAL;
		a.port = k->port < WS_FWD_MAX_PORTS ? k->port : 0;
		break;
	default:
		return -EINVAL;
	}
	pthread_mutex_lock(&fwd->lock);
	if (gw.family) {
		struct ws_neigh *e = ws_neigh_find(&fwd->neigh, gw.family, k->port, gw.gw);

		if (e && (e->state == WS_NEIGH_REACHABLE || e->state == WS_NEIGH_STATIC))
			adj_forward(fwd, &a, e);
	}
	fwd->adj_gw[id] = gw;
	fwd->adj[id] = a;
	if (id >= fwd->nb_nh)
		fwd->nb_nh = id + 1;
	pthread_mutex_unlock(&fwd->lock);
	return 0;
}

/* ---- arp ---- */

static bool mac_is_unicast(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

/* One ARP frame: the next node, or WS_GRAPH_MAX_NEXT when it was taken. */
static unsigned arp_input(struct ws_fwd *f, struct ws_pkt *p)
{
	struct ws_arp_info a;
	uint8_t spa[16] = { 0 }, tpa[16] = { 0 };
	uint32_t spa_be, tpa_be;
	bool for_us, known;
	uint16_t port = p->in_port;

	ws_arp_read(p, &a);
	if ((a.op != WS_ARP_OP_REQUEST && a.op != WS_ARP_OP_REPLY) || !mac_is_unicast(a.sha) ||
	    port >= WS_FWD_MAX_PORTS || !f->ports[port]) {
		p->drop_reason = WS_FWD_DROP_ARP_INVALID;
		return NEIGH_DROP;
	}
	spa_be = ws_hton32(a.spa);
	tpa_be = ws_hton32(a.tpa);
	memcpy(spa, &spa_be, 4);
	memcpy(tpa, &tpa_be, 4);
	for_us = ws_fwd_is_local(f, port, AF_INET, tpa);
	/* a sender of 0.0.0.0 is probing (RFC 5227): nothing to learn */
	known = a.spa && neigh_learn(f, AF_INET, port, spa, a.sha, for_us);
	if (a.op == WS_ARP_OP_REQUEST && for_us) {
		f->local[WS_FWD_LOCAL_ARP_REQUEST]++;
		ws_arp_make_reply(p, f->ports[port]->mac);
		f->gen[WS_FWD_GEN_ARP_REPLY]++;
		p->flags |= WS_PKT_F_GENERATED;
		p->out_port = port;
		return NEIGH_TX;
	}
	f->local[a.op == WS_ARP_OP_REPLY && known ? WS_FWD_LOCAL_ARP_REPLY : WS_FWD_LOCAL_ARP_OTHER]++;
	ws_pool_put_bulk(f->pool, &p, 1);
	return WS_GRAPH_MAX_NEXT;
}

/* Hand on the packets whose next is below WS_GRAPH_MAX_NEXT, compacted to
 * the front of v; the others were taken. */
static unsigned keep(struct ws_pkt **v, unsigned out, struct ws_pkt *p, unsigned next)
{
	if (next >= WS_GRAPH_MAX_NEXT)
		return out;
	p->next_node = (uint8_t)next;
	v[out] = p;
	return out + 1;
}

/*
 * arp
 *   reads:  ARP frames (from ethernet-input); IPv4 packets whose next hop
 *           has no MAC (from ip4-rewrite: nexthop, destination); the
 *           neighbour table; our addresses
 *   writes: the neighbour table and adjacencies (learning, under the lock);
 *           an ARP request for us becomes the reply in place; requests for
 *           next hops from fresh frames (straight to the TX queues)
 *   next:   tx (replies), ip4-rewrite (a known neighbour), ip4-icmp-error
 *           (the neighbour failed: host unreachable), drop; queued packets
 *           go back to ip4-rewrite when the answer comes, or to
 *           ip4-icmp-error when the neighbour fails (ws_fwd_tick)
 */
unsigned ws_fwd_node_arp(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		unsigned next = p->ethertype == WS_ETHERTYPE_ARP ? arp_input(f, p) : neigh_resolve(f, p, AF_INET);

		out = keep(v, out, p, next);
	}
	return out;
}

/* ---- ip6-nd ---- */

static unsigned nd_input(struct ws_fwd *f, struct ws_pkt *p)
{
	const struct ws_ipv6_hdr *ip6 = fwd_l3(p);
	struct ws_nd_info nd;
	uint16_t port = p->in_port;
	static const uint8_t unspecified[16];
	bool known = false;

	if (port >= WS_FWD_MAX_PORTS || !f->ports[port] || ws_nd_read(p, &nd)) {
		p->drop_reason = WS_FWD_DROP_ND_INVALID;
		return NEIGH_DROP;
	}
	if (nd.type == WS_ICMP6_NEIGH_SOLICIT) {
		bool for_us = ws_fwd_is_local(f, port, AF_INET6, nd.target);

		if (nd.has_lla && memcmp(ip6->src, unspecified, 16))
			neigh_learn(f, AF_INET6, port, ip6->src, nd.lla, for_us);
		if (!for_us) {
			f->local[WS_FWD_LOCAL_ND_OTHER]++;
			ws_pool_put_bulk(f->pool, &p, 1);
			return WS_GRAPH_MAX_NEXT;
		}
		f->local[WS_FWD_LOCAL_ND_NS]++;
		ws_nd_make_na(p, f->ports[port]->mac, nd.target);
		f->gen[WS_FWD_GEN_ND_NA]++;
		p->flags |= WS_PKT_F_GENERATED;
		p->out_port = port;
		return NEIGH_TX;
	}
	if (nd.has_lla) {
		const struct ws_neigh *e = ws_neigh_find(&f->neigh, AF_INET6, port, nd.target);

		/* RFC 4861 7.2.5: without the override flag an NA completes a
		 * resolution but does not replace a MAC we already have (an
		 * anycast or proxy answer must not steal the entry) */
		if ((nd.flags & WS_ND_NA_FLAG_OVERRIDE) || !e || e->state != WS_NEIGH_REACHABLE ||
		    !memcmp(e->mac, nd.lla, 6))
			known = neigh_learn(f, AF_INET6, port, nd.target, nd.lla, false);
	}
	f->local[known ? WS_FWD_LOCAL_ND_NA : WS_FWD_LOCAL_ND_OTHER]++;
	ws_pool_put_bulk(f->pool, &p, 1);
	return WS_GRAPH_MAX_NEXT;
}

/*
 * ip6-nd: as arp, for IPv6: neighbour solicitations and advertisements
 * (from ip6-local: RFC 4861 7.1 validation, NS for our addresses answered
 * with an NA in place, NA learned), and IPv6 packets whose next hop has no
 * MAC (from ip6-rewrite: NS from a fresh frame, to the solicited-node
 * multicast address, from our link-local address).
 *   next:   tx, ip6-rewrite, ip6-icmp-error, drop
 */
unsigned ws_fwd_node_ip6_nd(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		unsigned next = p->drop_reason == WS_FWD_DROP_UNRESOLVED ? neigh_resolve(f, p, AF_INET6) : nd_input(f, p);

		out = keep(v, out, p, next);
	}
	return out;
}

/* ---- local delivery ---- */

static bool is_ours(const struct ws_fwd *f, int family, const uint8_t *addr)
{
	for (unsigned port = 0; port < f->nb_ports; port++)
		if (ws_fwd_is_local(f, (uint16_t)port, family, addr))
			return true;
	return false;
}

static unsigned punt(struct ws_fwd *f, struct ws_pkt *p)
{
	f->local[WS_FWD_LOCAL_PUNT]++;
	ws_pool_put_bulk(f->pool, &p, 1);
	return WS_GRAPH_MAX_NEXT;
}

/*
 * ip4-local
 *   reads:  packets whose route is local (our addresses, and the broadcast
 *           and multicast routes the forwarder installs): the ICMP type
 *   writes: an echo request to one of our addresses becomes the reply in
 *           place (marked generated)
 *   next:   ip4-lookup (the reply, routed back), drop (a bad request);
 *           everything else is punted: counted and freed (no host stack)
 */
unsigned ws_fwd_node_ip4_local(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		const struct ws_ipv4_hdr *ip = fwd_l3(p);
		const uint8_t *icmp = ws_pkt_data(p) + p->l4_off;
		unsigned next;

		if (p->l4_proto == WS_IPPROTO_ICMP && p->l4_off && icmp[0] == WS_ICMP_ECHO_REQUEST &&
		    !(p->flags & WS_PKT_F_GENERATED) && is_ours(f, AF_INET, (const uint8_t *)&ip->dst)) {
			if (ws_icmp4_echo_reply(p)) {
				p->drop_reason = WS_FWD_DROP_ICMP_INVALID;
				next = LOCAL4_DROP;
			} else {
				f->local[WS_FWD_LOCAL_ECHO]++;
				f->gen[WS_FWD_GEN_ECHO_REPLY]++;
				p->flags |= WS_PKT_F_GENERATED;
				p->drop_reason = 0;
				next = LOCAL4_LOOKUP;
			}
		} else if (p->flags & WS_PKT_F_GENERATED) {
			p->drop_reason = WS_FWD_DROP_NO_ROUTE; /* something we made came back to us */
			next = LOCAL4_DROP;
		} else {
			next = punt(f, p);
		}
		out = keep(v, out, p, next);
	}
	return out;
}

/*
 * ip6-local: as ip4-local; neighbour discovery messages go to ip6-nd.
 *   next:   ip6-lookup, ip6-nd, drop
 */
unsigned ws_fwd_node_ip6_local(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_fwd *f = node->ctx;
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		const struct ws_ipv6_hdr *ip6 = fwd_l3(p);
		const uint8_t *icmp = ws_pkt_data(p) + p->l4_off;
		unsigned type = p->l4_proto == WS_IPPROTO_ICMPV6 && p->l4_off ? icmp[0] : 0;
		unsigned next;

		if (p->flags & WS_PKT_F_GENERATED) {
			p->drop_reason = WS_FWD_DROP_NO_ROUTE;
			next = LOCAL6_DROP;
		} else if (type == WS_ICMP6_NEIGH_SOLICIT || type == WS_ICMP6_NEIGH_ADVERT) {
			p->drop_reason = 0;
			next = LOCAL6_ND;
		} else if (type == WS_ICMP6_ECHO_REQUEST && is_ours(f, AF_INET6, ip6->dst)) {
			uint8_t src[16];

			memcpy(src, ip6->dst, 16);
			if (ws_icmp6_echo_reply(p, src)) {
				p->drop_reason = WS_FWD_DROP_ICMP_INVALID;
				next = LOCAL6_DROP;
			} else {
				f->local[WS_FWD_LOCAL_ECHO]++;
				f->gen[WS_FWD_GEN_ECHO_REPLY]++;
				p->flags |= WS_PKT_F_GENERATED;
				p->drop_reason = 0;
				next = fwd_link_local_out(f, p) ? LOCAL6_REWRITE : LOCAL6_LOOKUP;
			}
		} else {
			next = punt(f, p);
		}
		out = keep(v, out, p, next);
	}
	return out;
}

/* ---- ICMP errors ---- */

/* Take one token of the ICMP bucket; false when empty. */
static bool icmp_token(struct ws_fwd *f)
{
	uint64_t per = f->tsc_hz / WS_FWD_ICMP_RATE, cap = WS_FWD_ICMP_BURST * per, now = fwd_now(f);

	if (now > f->icmp_last) {
		uint64_t credit = f->icmp_tokens + (now - f->icmp_last);

		f->icmp_tokens = credit < cap ? credit : cap;
		f->icmp_last = now;
	}
	if (f->icmp_tokens < per) {
		f->icmp_ratelimited++;
		return false;
	}
	f->icmp_tokens -= per;
	return true;
}

/* The output port's MTU for a packet dropped as too long. */
static unsigned out_mtu(const struct ws_fwd *f, const struct ws_pkt *p)
{
	const struct ws_port *port = f->ports[f->adj[p->nexthop].port];

	return port ? port->mtu : 0;
}

/* A global (not link-local) address of the port, or NULL. */
static const uint8_t *global6(const struct ws_fwd_if *ifc)
{
	for (unsigned i = 0; i < ifc->nb_v6; i++)
		if (!(ifc->v6[i].addr[0] == 0xfe && (ifc->v6[i].addr[1] & 0xc0) == 0x80))
			return ifc->v6[i].addr;
	return NULL;
}

/* The error a drop reason calls for, per family: type, code, the gen[]
 * counter, and whether the rest field carries the output MTU. */
struct icmp_error_kind {
	uint8_t type, code;
	uint8_t gen;
	bool mtu;
};

static struct icmp_error_kind icmp_error_for(unsigned reason, int family)
{
	bool v4 = family == AF_INET;

	switch (reason) {
	case WS_FWD_DROP_TTL:
		return (struct icmp_error_kind){ v4 ? WS_ICMP_TIME_EXCEEDED : WS_ICMP6_TIME_EXCEEDED, 0,
						 WS_FWD_GEN_ICMP_TIME_EXCEEDED, false };
	case WS_FWD_DROP_MTU: /* IPv4: fragmentation needed and DF set */
		return (struct icmp_error_kind){ v4 ? WS_ICMP_DEST_UNREACH : WS_ICMP6_PKT_TOO_BIG, v4 ? 4 : 0,
						 WS_FWD_GEN_ICMP_TOO_BIG, true };
	case WS_FWD_DROP_NO_ROUTE: /* network unreachable / no route to destination */
		return (struct icmp_error_kind){ v4 ? WS_ICMP_DEST_UNREACH : WS_ICMP6_DEST_UNREACH, 0,
						 WS_FWD_GEN_ICMP_UNREACHABLE, false };
	case WS_FWD_DROP_PROHIBITED: /* communication administratively prohibited */
		return (struct icmp_error_kind){ v4 ? WS_ICMP_DEST_UNREACH : WS_ICMP6_DEST_UNREACH, v4 ? 13 : 1,
						 WS_FWD_GEN_ICMP_UNREACHABLE, false };
	default: /* an unreachable route: host unreachable / address unreachable */
		return (struct icmp_error_kind){ v4 ? WS_ICMP_DEST_UNREACH : WS_ICMP6_DEST_UNREACH, v4 ? 1 : 3,
						 WS_FWD_GEN_ICMP_UNREACHABLE, false };
	}
}

/* Both ICMP error nodes: turn each packet into its error when the RFCs
 * allow one, the input port has an address to send it from and the bucket
 * has a token; else hand it to drop, which counts it under its reason. */
static unsigned icmp_error_run(struct ws_fwd *f, struct ws_pkt **v, unsigned n, int family)
{
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		unsigned r = p->drop_reason;
		struct icmp_error_kind k = icmp_error_for(r, family);
		uint32_t info = k.mtu ? out_mtu(f, p) : 0;
		const struct ws_fwd_if *ifc = p->in_port < WS_FWD_MAX_PORTS ? &f->ifs[p->in_port] : NULL;
		const uint8_t *src6 = NULL;
		uint32_t src4 = 0;
		bool allowed;

		p->next_node = ICMP_DROP;
		if ((p->flags & WS_PKT_F_GENERATED) || !ifc)
			continue;
		if (family == AF_INET) {
			allowed = ifc->nb_v4 && ws_icmp4_error_allowed(p);
			if (allowed)
				memcpy(&src4, ifc->v4[0].addr, 4);
		} else {
			src6 = global6(ifc);
			allowed = src6 && ws_icmp6_error_allowed(p, k.type, k.code);
		}
		if (!allowed || !icmp_token(f))
			continue;
		if (family == AF_INET ? ws_icmp4_error(p, k.type, k.code, info, ws_ntoh32(src4))
				      : ws_icmp6_error(p, k.type, k.code, info, src6))
			continue;
		f->drops[r < WS_FWD_DROP_COUNT ? r : 0]++;
		f->gen[k.gen]++;
		p->flags |= WS_PKT_F_GENERATED;
		p->drop_reason = 0;
		p->next_node = family == AF_INET6 && fwd_link_local_out(f, p) ? ICMP6_REWRITE : ICMP_LOOKUP;
	}
	return n;
}

/*
 * ip4-icmp-error
 *   reads:  drop_reason (no_route, ttl_expired, unreachable, prohibited,
 *           mtu_exceeded), the packet's addresses and ICMP type, the input
 *           port's addresses, the ICMP token bucket
 *   writes: drops[reason]; the packet becomes the ICMP error about itself
 *           in place (from the input port's first address, quoting its
 *           header and first bytes: net/icmp.h), marked generated
 *   next:   ip4-lookup (the error, routed to the source), drop (no error
 *           allowed, rate-limited, or no address to send it from: counted
 *           under the original reason there)
 */
unsigned ws_fwd_node_ip4_icmp_error(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	return icmp_error_run(node->ctx, v, n, AF_INET);
}

/*
 * ip6-icmp-error: as ip4-icmp-error with ICMPv6 (RFC 4443): time exceeded,
 * destination unreachable (no route 0, prohibited 1, address unreachable 3),
 * packet too big with the MTU; from the input port's first global address.
 *   next:   ip6-lookup, drop
 */
unsigned ws_fwd_node_ip6_icmp_error(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	return icmp_error_run(node->ctx, v, n, AF_INET6);
}
