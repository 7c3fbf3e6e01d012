/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder's slow-path nodes driven through the real graph: ICMP
 * errors (time exceeded, unreachable, too big; never about an error, a
 * broadcast or an unspecified source; rate-limited), ARP and ND (answering
 * for our addresses, learning, resolving a gateway or a connected host with
 * a bounded queue, probe timers), and local delivery (echo replies, punt).
 *
 * The two ports are capture ports: what the forwarder sends stays in an
 * array, so each frame can be parsed as a receiver would parse it (every
 * checksum verified) and compared byte by byte. Every test ends by checking
 * the accounting identity of fwd.h and that no frame leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "fib/fib_table.h"
#include "fib/nexthop.h"
#include "fwd/fwd.h"
#include "io/port.h"
#include "net/arp_nd.h"
#include "net/checksum.h"
#include "net/icmp.h"
#include "net/net.h"
#include "net/parse.h"

#define POOL_FRAMES 512u
#define CAP_MAX 512u /* frames a capture port holds before it refuses */

/* The ports and the hosts around them. */
static const uint8_t mac_p0[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t mac_p1[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t mac_h0[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x09 };  /* 198.18.0.9, 2001:db8::9 */
static const uint8_t mac_h2[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x14 };  /* 198.18.0.20 */
static const uint8_t mac_h2b[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x15 }; /* 198.18.0.20 after a NIC swap */
static const uint8_t mac_gw[6] = { 0x02, 0x00, 0x5e, 0x20, 0x01, 0x02 };  /* 198.18.1.2, 2001:db8:1::2 */
static const uint8_t mac_h1[6] = { 0x02, 0x00, 0x5e, 0x20, 0x01, 0x4d };  /* 198.18.1.77 */
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[6];

#define A0 0xC6120001u      /* 198.18.0.1, port 0 */
#define A1 0xC6120101u      /* 198.18.1.1, port 1 */
#define H0 0xC6120009u      /* 198.18.0.9, static neighbour on port 0 */
#define H2 0xC6120014u      /* 198.18.0.20, learned on port 0 */
#define GW 0xC6120102u      /* 198.18.1.2, the gateway on port 1 */
#define H1 0xC612014Du      /* 198.18.1.77, connected on port 1 */
#define FAR 0xC6130505u     /* 198.19.5.5, via GW */
#define NOROUTE 0xC6120909u /* 198.18.9.9: only the default route covers it */
#define BH4 0xC6120200u     /* 198.18.2.0/24 blackhole */
#define UNR4 0xC6120300u    /* 198.18.3.0/24 unreachable */
#define PRO4 0xC6120400u    /* 198.18.4.0/24 prohibit */

static const uint8_t a6_0[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t a6_1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t h6_0[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
static const uint8_t gw6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
static const uint8_t far6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 5 };
static const uint8_t net6_99[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99 }; /* 2001:db8:99::/48 via gw6 */
static const uint8_t noroute6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, [15] = 1 };
static const uint8_t bh6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 };
static const uint8_t unr6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3 };
static const uint8_t pro6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 4 };
/* port 1's link-local address: fe80::/64 + modified EUI-64 of mac_p1, written
 * out by hand so that the test does not share the forwarder's derivation */
static const uint8_t ll6_p1[16] = { 0xfe, 0x80, [8] = 0x00, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x02 };
/* the solicited-node address of gw6 and its Ethernet multicast */
static const uint8_t sn_gw6[16] = { 0xff, 0x02, [11] = 1, 0xff, 0x00, 0x00, 0x02 };
static const uint8_t mac_sn_gw6[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x02 };

/* ---- a capture port: TX keeps the frames for the test ---- */

struct cap {
	struct ws_pkt *v[CAP_MAX];
	unsigned n;
	unsigned limit; /* frames it takes before it refuses (a full TX ring) */
};

static unsigned cap_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	(void)port;
	(void)pkts;
	(void)n;
	return 0;
}

static unsigned cap_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct cap *c = port->priv;
	unsigned took = 0;

	for (; took < n && c->n < c->limit; took++) {
		c->v[c->n++] = pkts[took];
		port->stats.tx_packets++;
		port->stats.tx_bytes += pkts[took]->data_len;
	}
	return took;
}

static void cap_close(struct ws_port *port)
{
	free(port->priv);
}

static const struct ws_port_ops cap_ops = {
	.kind = "capture", .rx_burst = cap_rx, .tx_burst = cap_tx, .flush = NULL, .close = cap_close,
};

static struct ws_port *cap_port(const char *name, uint16_t id, struct ws_pool *pool, const uint8_t mac[6])
{
	struct ws_port *port = ws_port_alloc(name, id, pool);

	assert_non_null(port);
	port->priv = calloc(1, sizeof(struct cap));
	assert_non_null(port->priv);
	((struct cap *)port->priv)->limit = CAP_MAX;
	port->ops = &cap_ops;
	memcpy(port->mac, mac, 6);
	return port;
}

/* ---- the test bed ---- */

struct bed {
	struct ws_pool *pool;
	struct ws_fib *fib;
	struct ws_port *p[2];
	struct ws_fwd *fwd;
	struct ws_graph *g;
	uint32_t nh_next;  /* the next free nexthop id */
	uint64_t received; /* packets handed to ethernet-input */
};

static struct ws_nexthop_key nh_key(uint8_t type, uint16_t port)
{
	struct ws_nexthop_key k = { .type = type, .port = port };

	return k;
}

static struct ws_nexthop_key nh_gw(int family, const uint8_t *gw, uint16_t port)
{
	struct ws_nexthop_key k = { .type = WS_NH_UNICAST, .gw_family = (uint8_t)family, .port = port };

	memcpy(k.gw, gw, family == AF_INET ? 4 : 16);
	return k;
}

/* addr/len -> a nexthop id of its own doing k, as the forwarder sets it up:
 * the nexthop first, then the route that uses it. */
static void route(struct bed *b, int family, const uint8_t *addr, unsigned len, struct ws_nexthop_key k)
{
	uint32_t id = b->nh_next++;

	assert_int_equal(ws_fwd_set_nexthop(b->fwd, id, &k), 0);
	assert_in_range(ws_fib_route_replace(b->fib, family, addr, len, id), 0, 1);
}

static void route4(struct bed *b, uint32_t net, unsigned len, struct ws_nexthop_key k)
{
	uint8_t a[16];

	ws_fib_v4_to_bytes(net, a);
	route(b, AF_INET, a, len, k);
}

static void addr4(struct bed *b, uint16_t port, uint32_t a, unsigned len)
{
	uint8_t bytes[16];

	ws_fib_v4_to_bytes(a, bytes);
	assert_int_equal(ws_fwd_add_address(b->fwd, port, AF_INET, bytes, len), 0);
	route4(b, a, 32, nh_key(WS_NH_LOCAL, port));
	route4(b, a & ~0u << (32 - len), len, nh_key(WS_NH_UNICAST, port));
}

static void addr6(struct bed *b, uint16_t port, const uint8_t *a, unsigned len)
{
	uint8_t net[16] = { 0 };

	assert_int_equal(ws_fwd_add_address(b->fwd, port, AF_INET6, a, len), 0);
	route(b, AF_INET6, a, 128, nh_key(WS_NH_LOCAL, port));
	memcpy(net, a, len / 8); /* the tests' prefixes end on a byte */
	route(b, AF_INET6, net, len, nh_key(WS_NH_UNICAST, port));
}

static void neighbour4(struct bed *b, uint16_t port, uint32_t ip, const uint8_t *mac)
{
	uint8_t bytes[16];

	ws_fib_v4_to_bytes(ip, bytes);
	assert_int_equal(ws_fwd_add_neighbour(b->fwd, port, AF_INET, bytes, mac), 0);
}

static void bed_open(struct bed *b)
{
	struct ws_pool_config pc = { .nb_frames = POOL_FRAMES, .cache_size = 0, .huge = WS_POOL_HUGE_NEVER };
	static const uint8_t zero[16], mc6[16] = { 0xff }, ll6[16] = { 0xfe, 0x80 };
	uint8_t gw4[16];

	memset(b, 0, sizeof(*b));
	b->pool = ws_pool_create(&pc);
	b->fib = ws_fib_create();
	assert_non_null(b->pool);
	assert_non_null(b->fib);
	b->p[0] = cap_port("p0", 0, b->pool, mac_p0);
	b->p[1] = cap_port("p1", 1, b->pool, mac_p1);
	b->fwd = ws_fwd_create(b->fib, b->pool);
	b->g = ws_graph_create();
	assert_non_null(b->fwd);
	assert_non_null(b->g);
	assert_int_equal(ws_fwd_add_port(b->fwd, b->p[0]), 0);
	assert_int_equal(ws_fwd_add_port(b->fwd, b->p[1]), 0);
	assert_int_equal(ws_fwd_add_nodes(b->fwd, b->g), 0);
	assert_int_equal(ws_graph_finalize(b->g, NULL), 0);
	/* time stands still unless a test moves it: rate limits and probe
	 * timers become exact */
	b->fwd->clock = b->fwd->tsc_hz * 1000;
	b->nh_next = 1;

	/* as src/app/fwd.c's local_routes does it */
	addr4(b, 0, A0, 24);
	addr4(b, 1, A1, 24);
	addr6(b, 0, a6_0, 64);
	addr6(b, 1, a6_1, 64);
	route4(b, 0xC61200FFu, 32, nh_key(WS_NH_LOCAL, 0)); /* the subnets' broadcasts */
	route4(b, 0xC61201FFu, 32, nh_key(WS_NH_LOCAL, 1));
	route4(b, 0xE0000000u, 4, nh_key(WS_NH_LOCAL, 0));
	route4(b, 0xFFFFFFFFu, 32, nh_key(WS_NH_LOCAL, 0));
	route(b, AF_INET6, mc6, 8, nh_key(WS_NH_LOCAL, 0));
	route(b, AF_INET6, ll6, 10, nh_key(WS_NH_LOCAL, 0));

	/* routes through the gateway, and the three that refuse */
	ws_fib_v4_to_bytes(GW, gw4);
	route4(b, 0xC6130000u, 16, nh_gw(AF_INET, gw4, 1));
	route(b, AF_INET, zero, 0, nh_gw(AF_INET, gw4, 1)); /* default */
	route(b, AF_INET6, net6_99, 48, nh_gw(AF_INET6, gw6, 1));
	route4(b, BH4, 24, nh_key(WS_NH_BLACKHOLE, WS_NH_PORT_NONE));
	route4(b, UNR4, 24, nh_key(WS_NH_UNREACHABLE, WS_NH_PORT_NONE));
	route4(b, PRO4, 24, nh_key(WS_NH_PROHIBIT, WS_NH_PORT_NONE));
	route(b, AF_INET6, bh6, 48, nh_key(WS_NH_BLACKHOLE, WS_NH_PORT_NONE));
	route(b, AF_INET6, unr6, 48, nh_key(WS_NH_UNREACHABLE, WS_NH_PORT_NONE));
	route(b, AF_INET6, pro6, 48, nh_key(WS_NH_PROHIBIT, WS_NH_PORT_NONE));

	/* the senders of the test packets on port 0 are known, so that what
	 * answers them leaves without a resolution of its own */
	neighbour4(b, 0, H0, mac_h0);
	assert_int_equal(ws_fwd_add_neighbour(b->fwd, 0, AF_INET6, h6_0, mac_h0), 0);
}

static struct cap *cap_of(const struct bed *b, unsigned port)
{
	return b->p[port]->priv;
}

static unsigned nb_sent(const struct bed *b, unsigned port)
{
	return cap_of(b, port)->n;
}

/* Parse a sent frame as its receiver would (WS_NET_OK) and verify every
 * checksum it carries: the IPv4 header, ICMP, ICMPv6 with its
 * pseudo-header. */
static void check_frame(struct ws_pkt *p)
{
	uint8_t *d = ws_pkt_data(p);

	assert_int_equal(ws_net_parse(p), WS_NET_OK);
	if (p->ethertype == WS_ETHERTYPE_IPV4) {
		const struct ws_ipv4_hdr *ip = (const struct ws_ipv4_hdr *)(d + p->l3_off);

		assert_true(ws_ipv4_hdr_csum_ok(ip));
		if (p->l4_proto == WS_IPPROTO_ICMP) {
			unsigned len = ws_ntoh16(ip->total_len) - ws_ipv4_hdr_len(ip);

			assert_int_equal(ws_csum_fold(ws_csum_partial(d + p->l4_off, len, 0)), 0);
		}
	} else if (p->ethertype == WS_ETHERTYPE_IPV6) {
		const struct ws_ipv6_hdr *ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);

		if (p->l4_proto == WS_IPPROTO_ICMPV6) {
			unsigned len = ws_ntoh16(ip6->payload_len) - (p->l4_off - p->l3_off - WS_IPV6_HDR_LEN);

			assert_int_equal(ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, d + p->l4_off, len), 0);
		}
	} else {
		assert_int_equal(p->ethertype, WS_ETHERTYPE_ARP);
	}
}

/* The i-th frame port sent, checked. */
static struct ws_pkt *sent(const struct bed *b, unsigned port, unsigned i)
{
	struct cap *c = cap_of(b, port);

	assert_true(i < c->n);
	check_frame(c->v[i]);
	return c->v[i];
}

/* Give every captured frame back to the pool (each checked first). */
static void clear(struct bed *b)
{
	for (unsigned port = 0; port < 2; port++) {
		struct cap *c = cap_of(b, port);

		for (unsigned i = 0; i < c->n; i++)
			check_frame(c->v[i]);
		ws_pool_put_bulk(b->pool, c->v, c->n);
		c->n = 0;
	}
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* fwd.h: received = (sent - (sum gen - gen_dropped)) + sum drops + sum local
 * + queued, with both sides moved so that nothing goes negative. */
static void assert_accounting(const struct bed *b)
{
	const struct ws_fwd *f = b->fwd;
	uint64_t out = b->p[0]->stats.tx_packets + b->p[1]->stats.tx_packets;

	assert_int_equal(b->received + sum(f->gen, WS_FWD_GEN_COUNT),
			 out + f->gen_dropped + sum(f->drops, WS_FWD_DROP_COUNT) + sum(f->local, WS_FWD_LOCAL_COUNT) +
				 f->queued);
}

static void bed_close(struct bed *b)
{
	assert_accounting(b);
	clear(b);
	ws_fwd_drain(b->fwd);
	assert_int_equal(b->fwd->queued, 0);
	assert_accounting(b);
	assert_int_equal(ws_pool_avail(b->pool), POOL_FRAMES);
	ws_graph_free(b->g);
	ws_fwd_free(b->fwd);
	ws_port_close(b->p[0]);
	ws_port_close(b->p[1]);
	ws_fib_free(b->fib);
	ws_pool_free(b->pool);
}

/* Receive v[0..n) and run the graph until it is idle; send what it queued. */
static void run(struct bed *b, struct ws_pkt **v, unsigned n)
{
	assert_int_equal(ws_graph_enqueue(b->g, (unsigned)b->fwd->node_input, v, n), n);
	b->received += n;
	assert_int_equal(ws_graph_run(b->g), 0);
	ws_fwd_flush(b->fwd);
}

static void run1(struct bed *b, struct ws_pkt *p)
{
	run(b, &p, 1);
}

static void advance_ms(struct bed *b, unsigned ms)
{
	b->fwd->clock += b->fwd->tsc_hz / 1000 * ms;
}

/* The worker's per-loop timer work, then what it queued goes out. */
static void tick(struct bed *b)
{
	ws_fwd_tick(b->fwd);
	ws_fwd_flush(b->fwd);
}

/* ---- crafting received frames ---- */

static struct ws_pkt *frame_get(struct bed *b, uint16_t port, unsigned len)
{
	struct ws_pkt *p = ws_pool_get(b->pool);

	assert_non_null(p);
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, port, 0);
	memset(ws_pkt_data(p), 0, len);
	return p;
}

/* The Ethernet header of a frame arriving on port: to the port (or eth_dst)
 * from the host the tests place on that port's side. */
static void eth(const struct bed *b, uint8_t *d, uint16_t port, const uint8_t *eth_dst, uint16_t type)
{
	memcpy(d, eth_dst ? eth_dst : b->p[port]->mac, 6);
	memcpy(d + 6, port == 0 ? mac_h0 : mac_gw, 6);
	d[12] = (uint8_t)(type >> 8);
	d[13] = (uint8_t)type;
}

struct pkt4 {
	uint16_t port;          /* arrives on */
	const uint8_t *eth_dst; /* NULL: the port's MAC */
	uint32_t src, dst;      /* host order */
	uint8_t ttl;            /* 0: 64 */
	uint8_t proto;          /* 0: UDP; ICMP: icmp_type, code 0 */
	uint8_t icmp_type;
	uint16_t len;           /* frame length, 0: 60 */
	bool df;
};

/* An IPv4 frame as s says, every checksum right, the payload a pattern. */
static struct ws_pkt *mk4(struct bed *b, const struct pkt4 *s)
{
	unsigned len = s->len ? s->len : 60, l4len = len - WS_ETH_HDR_LEN - WS_IPV4_HDR_LEN;
	struct ws_pkt *p = frame_get(b, s->port, len);
	uint8_t *d = ws_pkt_data(p), *l4 = d + WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN;
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(d + WS_ETH_HDR_LEN);

	eth(b, d, s->port, s->eth_dst, WS_ETHERTYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_len = ws_hton16((uint16_t)(len - WS_ETH_HDR_LEN));
	ip->id = ws_hton16(0x1234);
	ip->frag_off = s->df ? ws_hton16(WS_IPV4_FLAG_DF) : 0;
	ip->ttl = s->ttl ? s->ttl : 64;
	ip->proto = s->proto ? s->proto : WS_IPPROTO_UDP;
	ip->src = ws_hton32(s->src);
	ip->dst = ws_hton32(s->dst);
	for (unsigned i = 8; i < l4len; i++)
		l4[i] = (uint8_t)(i * 7 + 1);
	if (ip->proto == WS_IPPROTO_UDP) {
		struct ws_udp_hdr *uh = (struct ws_udp_hdr *)l4;
		uint16_t c;

		uh->src_port = ws_hton16(40000);
		uh->dst_port = ws_hton16(33434);
		uh->len = ws_hton16((uint16_t)l4len);
		c = ws_ipv4_l4_csum(ip, l4, l4len);
		uh->csum = c ? c : 0xffff;
	} else {
		struct ws_icmp_hdr *ic = (struct ws_icmp_hdr *)l4;

		ic->type = s->icmp_type;
		ic->un.echo.id = ws_hton16(0x4242);
		ic->un.echo.seq = ws_hton16(7);
		ic->csum = ws_csum_fold(ws_csum_partial(l4, l4len, 0));
	}
	ip->csum = ws_ipv4_hdr_csum(ip);
	return p;
}

struct pkt6 {
	uint16_t port;
	const uint8_t *eth_dst;
	const uint8_t *src, *dst;
	uint8_t hops;      /* 0: 64 */
	uint8_t proto;     /* 0: UDP; ICMPv6: icmp_type, code 0 */
	uint8_t icmp_type;
	uint16_t len;      /* frame length, 0: 70 */
};

static struct ws_pkt *mk6(struct bed *b, const struct pkt6 *s)
{
	unsigned len = s->len ? s->len : 70, l4len = len - WS_ETH_HDR_LEN - WS_IPV6_HDR_LEN;
	struct ws_pkt *p = frame_get(b, s->port, len);
	uint8_t *d = ws_pkt_data(p), *l4 = d + WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN;
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(d + WS_ETH_HDR_LEN);
	uint8_t proto = s->proto ? s->proto : WS_IPPROTO_UDP;
	uint16_t c;

	eth(b, d, s->port, s->eth_dst, WS_ETHERTYPE_IPV6);
	ip6->ver_tc_flow = ws_hton32(0x60000000u);
	ip6->payload_len = ws_hton16((uint16_t)l4len);
	ip6->next_hdr = proto;
	ip6->hop_limit = s->hops ? s->hops : 64;
	memcpy(ip6->src, s->src, 16);
	memcpy(ip6->dst, s->dst, 16);
	for (unsigned i = 8; i < l4len; i++)
		l4[i] = (uint8_t)(i * 5 + 3);
	if (proto == WS_IPPROTO_UDP) {
		struct ws_udp_hdr *uh = (struct ws_udp_hdr *)l4;

		uh->src_port = ws_hton16(40000);
		uh->dst_port = ws_hton16(33434);
		uh->len = ws_hton16((uint16_t)l4len);
		c = ws_ipv6_l4_csum(ip6, WS_IPPROTO_UDP, l4, l4len);
		uh->csum = c ? c : 0xffff;
	} else {
		l4[0] = s->icmp_type;
		l4[4] = 0x42;
		l4[7] = 7;
		c = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, l4, l4len);
		memcpy(l4 + 2, &c, 2);
	}
	return p;
}

/* An ARP packet (60 bytes, padded) arriving on port from the host there. */
static struct ws_pkt *mk_arp(struct bed *b, uint16_t port, uint16_t op, const uint8_t *eth_dst, const uint8_t *sha,
			     uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	struct ws_pkt *p = frame_get(b, port, WS_ETH_MIN_FRAME_LEN);
	uint8_t *d = ws_pkt_data(p);
	struct ws_arp_hdr *a = (struct ws_arp_hdr *)(d + WS_ETH_HDR_LEN);

	eth(b, d, port, eth_dst, WS_ETHERTYPE_ARP);
	memcpy(d + 6, sha, 6);
	a->htype = ws_hton16(WS_ARP_HTYPE_ETHER);
	a->ptype = ws_hton16(WS_ETHERTYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->oper = ws_hton16(op);
	memcpy(a->sha, sha, 6);
	a->spa = ws_hton32(spa);
	memcpy(a->tha, tha, 6);
	a->tpa = ws_hton32(tpa);
	return p;
}

/* A neighbour advertisement for target with a target LLA option carrying
 * mac, from src to dst, arriving on port from mac. */
static struct ws_pkt *mk_na(struct bed *b, uint16_t port, const uint8_t *src, const uint8_t *dst, const uint8_t *target,
			    const uint8_t *mac, uint8_t flags)
{
	unsigned l4len = WS_ND_MSG_LEN + WS_ND_OPT_LLA_LEN;
	struct ws_pkt *p = frame_get(b, port, WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN + l4len);
	uint8_t *d = ws_pkt_data(p);
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(d + WS_ETH_HDR_LEN);
	struct ws_nd_msg *m = (struct ws_nd_msg *)(ip6 + 1);
	struct ws_nd_opt_lla *o = (struct ws_nd_opt_lla *)(m + 1);

	eth(b, d, port, NULL, WS_ETHERTYPE_IPV6);
	memcpy(d + 6, mac, 6);
	ip6->ver_tc_flow = ws_hton32(0x60000000u);
	ip6->payload_len = ws_hton16((uint16_t)l4len);
	ip6->next_hdr = WS_IPPROTO_ICMPV6;
	ip6->hop_limit = WS_ND_HOP_LIMIT;
	memcpy(ip6->src, src, 16);
	memcpy(ip6->dst, dst, 16);
	m->type = WS_ICMP6_NEIGH_ADVERT;
	m->flags = flags;
	memcpy(m->target, target, 16);
	o->type = WS_ND_OPT_TGT_LLA;
	o->len = 1;
	memcpy(o->mac, mac, 6);
	m->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, m, l4len);
	return p;
}

/* ---- reading what was sent ---- */

static const struct ws_ipv4_hdr *ip4_of(struct ws_pkt *p)
{
	return (const struct ws_ipv4_hdr *)(ws_pkt_data(p) + WS_ETH_HDR_LEN);
}

static const struct ws_ipv6_hdr *ip6_of(struct ws_pkt *p)
{
	return (const struct ws_ipv6_hdr *)(ws_pkt_data(p) + WS_ETH_HDR_LEN);
}

static void assert_eth(struct ws_pkt *p, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	const uint8_t *d = ws_pkt_data(p);

	assert_memory_equal(d, dst, 6);
	assert_memory_equal(d + 6, src, 6);
	assert_int_equal((d[12] << 8) | d[13], type);
}

/* An ICMP error as RFC 792 / 1812 want it: from src to dst, TTL 64 less the
 * rewrite's decrement, the 4-byte rest field, and the original IP packet
 * (orig, orig_len bytes from its header on) quoted up to 576 bytes of
 * error. */
static void assert_icmp4_error(struct ws_pkt *p, const uint8_t *eth_dst, const uint8_t *eth_src, uint32_t src,
			       uint32_t dst, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *orig,
			       unsigned orig_len)
{
	const struct ws_ipv4_hdr *ip = ip4_of(p);
	const struct ws_icmp_hdr *ic = (const struct ws_icmp_hdr *)(ip + 1);
	unsigned quote = orig_len < WS_ICMP4_ERROR_MAX_IP - 28 ? orig_len : WS_ICMP4_ERROR_MAX_IP - 28;

	assert_eth(p, eth_dst, eth_src, WS_ETHERTYPE_IPV4);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(ip->ttl, WS_ICMP_TTL - 1); /* made with 64, decremented by ip4-rewrite */
	assert_true(ip->ttl > 1);
	assert_int_equal(ip->proto, WS_IPPROTO_ICMP);
	assert_int_equal(ws_ntoh32(ip->src), src);
	assert_int_equal(ws_ntoh32(ip->dst), dst);
	assert_int_equal(ws_ntoh16(ip->total_len), 28 + quote);
	assert_int_equal(p->data_len, WS_ETH_HDR_LEN + 28 + quote);
	assert_int_equal(ic->type, type);
	assert_int_equal(ic->code, code);
	assert_int_equal(ws_ntoh32(ic->un.unused), rest);
	assert_true(quote >= WS_IPV4_HDR_LEN + 8);
	assert_memory_equal(ic + 1, orig, quote);
}

/* The ICMPv6 form (RFC 4443): hop limit 64 less one, quote up to 1280 bytes
 * of error. */
static void assert_icmp6_error(struct ws_pkt *p, const uint8_t *eth_dst, const uint8_t *eth_src, const uint8_t *src,
			       const uint8_t *dst, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *orig,
			       unsigned orig_len)
{
	const struct ws_ipv6_hdr *ip6 = ip6_of(p);
	const uint8_t *ic = (const uint8_t *)(ip6 + 1);
	unsigned quote = orig_len < WS_ICMP6_ERROR_MAX_IP - 48 ? orig_len : WS_ICMP6_ERROR_MAX_IP - 48;
	uint32_t r;

	assert_eth(p, eth_dst, eth_src, WS_ETHERTYPE_IPV6);
	assert_int_equal(ip6->hop_limit, WS_ICMP_TTL - 1);
	assert_int_equal(ip6->next_hdr, WS_IPPROTO_ICMPV6);
	assert_memory_equal(ip6->src, src, 16);
	assert_memory_equal(ip6->dst, dst, 16);
	assert_int_equal(ws_ntoh16(ip6->payload_len), 8 + quote);
	assert_int_equal(p->data_len, WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN + 8 + quote);
	assert_int_equal(ic[0], type);
	assert_int_equal(ic[1], code);
	memcpy(&r, ic + 4, 4);
	assert_int_equal(ws_ntoh32(r), rest);
	assert_memory_equal(ic + 8, orig, quote);
}

/* A forwarded IPv4 packet: rewritten for the next hop, TTL one less. */
static void assert_forwarded4(struct ws_pkt *p, const uint8_t *eth_dst, const uint8_t *eth_src, uint32_t dst,
			      uint8_t ttl)
{
	const struct ws_ipv4_hdr *ip = ip4_of(p);

	assert_eth(p, eth_dst, eth_src, WS_ETHERTYPE_IPV4);
	assert_int_equal(ws_ntoh32(ip->dst), dst);
	assert_int_equal(ip->ttl, ttl);
}

static void assert_arp(struct ws_pkt *p, const uint8_t *eth_dst, const uint8_t *eth_src, uint16_t op,
		       const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	const struct ws_arp_hdr *a = (const struct ws_arp_hdr *)(ws_pkt_data(p) + WS_ETH_HDR_LEN);

	assert_eth(p, eth_dst, eth_src, WS_ETHERTYPE_ARP);
	assert_int_equal(ws_ntoh16(a->oper), op);
	assert_memory_equal(a->sha, sha, 6);
	assert_int_equal(ws_ntoh32(a->spa), spa);
	assert_memory_equal(a->tha, tha, 6);
	assert_int_equal(ws_ntoh32(a->tpa), tpa);
}

/* A copy of a frame's L3 packet (len bytes), to compare a quote with. */
static void copy_l3(struct ws_pkt *p, uint8_t *out, unsigned len)
{
	memcpy(out, ws_pkt_data(p) + WS_ETH_HDR_LEN, len);
}

/* ---- 1. TTL expired ---- */

static void test_ttl_expired(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	uint8_t orig[64];

	(void)state;
	bed_open(&b);
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });
	copy_l3(p, orig, 46);
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 0); /* not forwarded, no ARP for the gateway */
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_icmp4_error(sent(&b, 0, 0), mac_h0, mac_p0, A0, H0, WS_ICMP_TIME_EXCEEDED, 0, 0, orig, 46);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TIME_EXCEEDED], 1);
	assert_int_equal(sum(b.fwd->gen, WS_FWD_GEN_COUNT), 1);
	assert_int_equal(b.fwd->queued, 0);
	assert_accounting(&b);
	clear(&b);

	/* IPv6: hop limit 1 -> time exceeded (type 3) from port 0's global address */
	p = mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6, .hops = 1 });
	copy_l3(p, orig, 56);
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_icmp6_error(sent(&b, 0, 0), mac_h0, mac_p0, a6_0, h6_0, WS_ICMP6_TIME_EXCEEDED, 0, 0, orig, 56);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 2);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TIME_EXCEEDED], 2);

	/* TTL 2 is still forwarded (here: queued for the gateway's MAC) */
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 2 });
	run1(&b, p);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 2);
	assert_int_equal(b.fwd->queued, 1);
	bed_close(&b);
}

/* ---- 2. unreachable, prohibited, blackhole ---- */

/* One IPv4 packet from H0 to dst; the error it gets (type 3, code) or none
 * (code < 0); drops[reason] goes up by one either way. */
static void expect_unreach4(struct bed *b, uint32_t dst, int code, unsigned reason)
{
	uint64_t before = b->fwd->drops[reason];
	struct ws_pkt *p = mk4(b, &(struct pkt4){ .port = 0, .src = H0, .dst = dst });
	uint8_t orig[46];

	copy_l3(p, orig, sizeof(orig));
	run1(b, p);
	assert_int_equal(b->fwd->drops[reason], before + 1);
	assert_int_equal(nb_sent(b, 1), 0);
	if (code < 0) {
		assert_int_equal(nb_sent(b, 0), 0);
	} else {
		assert_int_equal(nb_sent(b, 0), 1);
		assert_icmp4_error(sent(b, 0, 0), mac_h0, mac_p0, A0, H0, WS_ICMP_DEST_UNREACH, (uint8_t)code, 0, orig,
				   sizeof(orig));
	}
	assert_accounting(b);
	clear(b);
}

static void expect_unreach6(struct bed *b, const uint8_t *dst, int code, unsigned reason)
{
	uint64_t before = b->fwd->drops[reason];
	struct ws_pkt *p = mk6(b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = dst });
	uint8_t orig[56];

	copy_l3(p, orig, sizeof(orig));
	run1(b, p);
	assert_int_equal(b->fwd->drops[reason], before + 1);
	assert_int_equal(nb_sent(b, 1), 0);
	if (code < 0) {
		assert_int_equal(nb_sent(b, 0), 0);
	} else {
		assert_int_equal(nb_sent(b, 0), 1);
		assert_icmp6_error(sent(b, 0, 0), mac_h0, mac_p0, a6_0, h6_0, WS_ICMP6_DEST_UNREACH, (uint8_t)code, 0,
				   orig, sizeof(orig));
	}
	assert_accounting(b);
	clear(b);
}

static void test_unreachable(void **state)
{
	static const uint8_t zero[16];
	struct bed b;

	(void)state;
	bed_open(&b);
	assert_int_equal(ws_fib_route_delete(b.fib, AF_INET, zero, 0), 0);
	expect_unreach4(&b, NOROUTE, WS_ICMP_UNREACH_NET, WS_FWD_DROP_NO_ROUTE);
	expect_unreach4(&b, UNR4 + 3, WS_ICMP_UNREACH_HOST, WS_FWD_DROP_UNREACHABLE);
	expect_unreach4(&b, PRO4 + 4, WS_ICMP_UNREACH_ADMIN, WS_FWD_DROP_PROHIBITED);
	expect_unreach4(&b, BH4 + 2, -1, WS_FWD_DROP_BLACKHOLE);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_UNREACHABLE], 3);

	expect_unreach6(&b, noroute6, WS_ICMP6_UNREACH_NO_ROUTE, WS_FWD_DROP_NO_ROUTE);
	expect_unreach6(&b, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 3 }, WS_ICMP6_UNREACH_ADDR,
			WS_FWD_DROP_UNREACHABLE);
	expect_unreach6(&b, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 4, [15] = 4 }, WS_ICMP6_UNREACH_ADMIN,
			WS_FWD_DROP_PROHIBITED);
	expect_unreach6(&b, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 }, -1, WS_FWD_DROP_BLACKHOLE);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_UNREACHABLE], 6);
	assert_int_equal(sum(b.fwd->gen, WS_FWD_GEN_COUNT), 6);
	bed_close(&b);
}

/* ---- 3. too big ---- */

static void test_too_big(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	static uint8_t orig[1200];

	(void)state;
	bed_open(&b);
	b.p[1]->mtu = 1000;
	neighbour4(&b, 1, GW, mac_gw); /* the MTU is checked once the next hop is known */
	assert_int_equal(ws_fwd_add_neighbour(b.fwd, 1, AF_INET6, gw6, mac_gw), 0);

	/* DF set, 1200 > 1000: fragmentation needed, the MTU in the low 16 bits */
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .len = 14 + 1200, .df = true });
	copy_l3(p, orig, 1200);
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_icmp4_error(sent(&b, 0, 0), mac_h0, mac_p0, A0, H0, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_FRAG_NEEDED,
			   1000, orig, 1200);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_MTU], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TOO_BIG], 1);
	clear(&b);

	/* DF clear: dropped quietly (no fragmentation here) */
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .len = 14 + 1200 });
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_MTU], 2);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TOO_BIG], 1);

	/* exactly the MTU with DF: forwarded */
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .len = 14 + 1000, .df = true });
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_forwarded4(sent(&b, 1, 0), mac_gw, mac_p1, FAR, 63);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_MTU], 2);
	clear(&b);

	/* IPv6, 1040 > 1000: packet too big with the MTU */
	p = mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6, .len = 14 + 1040 });
	copy_l3(p, orig, 1040);
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_icmp6_error(sent(&b, 0, 0), mac_h0, mac_p0, a6_0, h6_0, WS_ICMP6_PKT_TOO_BIG, 0, 1000, orig, 1040);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_MTU], 3);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TOO_BIG], 2);
	bed_close(&b);
}

/* ---- 4. no error about errors, broadcasts, unspecified sources ---- */

static void test_no_error_about(void **state)
{
	struct bed b;
	struct ws_pkt *v[4];

	(void)state;
	bed_open(&b);
	/* an ICMP error (destination unreachable) whose TTL runs out */
	v[0] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1, .proto = WS_IPPROTO_ICMP,
				       .icmp_type = WS_ICMP_DEST_UNREACH });
	/* sent to the Ethernet broadcast address */
	v[1] = mk4(&b, &(struct pkt4){ .port = 0, .eth_dst = mac_bcast, .src = H0, .dst = FAR, .ttl = 1 });
	/* from 0.0.0.0 */
	v[2] = mk4(&b, &(struct pkt4){ .port = 0, .src = 0, .dst = FAR, .ttl = 1 });
	/* an ICMPv6 error (destination unreachable) whose hop limit runs out */
	v[3] = mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6, .hops = 1, .proto = WS_IPPROTO_ICMPV6,
				       .icmp_type = WS_ICMP6_DEST_UNREACH });
	run(&b, v, 4);
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 4); /* still counted under their reason */
	assert_int_equal(sum(b.fwd->gen, WS_FWD_GEN_COUNT), 0);
	assert_int_equal(b.fwd->icmp_ratelimited, 0);
	assert_int_equal(b.fwd->gen_dropped, 0);

	/* the same with no route: no unreachable either */
	assert_int_equal(ws_fib_route_delete(b.fib, AF_INET, (const uint8_t[16]){ 0 }, 0), 0);
	v[0] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = NOROUTE, .proto = WS_IPPROTO_ICMP,
				       .icmp_type = WS_ICMP_TIME_EXCEEDED });
	v[1] = mk4(&b, &(struct pkt4){ .port = 0, .eth_dst = mac_bcast, .src = H0, .dst = NOROUTE });
	run(&b, v, 2);
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_NO_ROUTE], 2);
	assert_int_equal(sum(b.fwd->gen, WS_FWD_GEN_COUNT), 0);

	/* what was refused took no token: a full burst still goes out */
	for (unsigned i = 0; i < WS_FWD_ICMP_BURST; i++) {
		struct ws_pkt *p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });

		run1(&b, p);
	}
	assert_int_equal(nb_sent(&b, 0), WS_FWD_ICMP_BURST);
	assert_int_equal(b.fwd->icmp_ratelimited, 0);
	bed_close(&b);
}

/* ---- 5. rate limit ---- */

static void test_rate_limit(void **state)
{
	struct bed b;
	struct ws_pkt *v[150];

	(void)state;
	bed_open(&b);
	for (unsigned i = 0; i < 150; i++)
		v[i] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });
	run(&b, v, 150);
	assert_int_equal(nb_sent(&b, 0), WS_FWD_ICMP_BURST);
	for (unsigned i = 0; i < nb_sent(&b, 0); i++) {
		const struct ws_ipv4_hdr *ip = ip4_of(sent(&b, 0, i));

		assert_int_equal(((const struct ws_icmp_hdr *)(ip + 1))->type, WS_ICMP_TIME_EXCEEDED);
	}
	assert_int_equal(b.fwd->icmp_ratelimited, 150 - WS_FWD_ICMP_BURST);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 150);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TIME_EXCEEDED], WS_FWD_ICMP_BURST);
	assert_accounting(&b);
	clear(&b);

	/* the clock still stands: nothing refilled */
	v[0] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });
	run(&b, v, 1);
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(b.fwd->icmp_ratelimited, 51);

	/* 10 ms at 1000 per second: 10 more */
	advance_ms(&b, 10);
	for (unsigned i = 0; i < 20; i++)
		v[i] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });
	run(&b, v, 20);
	assert_int_equal(nb_sent(&b, 0), 10);
	assert_int_equal(b.fwd->icmp_ratelimited, 61);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TIME_EXCEEDED], WS_FWD_ICMP_BURST + 10);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 171);
	clear(&b);

	/* a long quiet spell fills the bucket to its burst, not beyond */
	advance_ms(&b, 10000);
	for (unsigned i = 0; i < 150; i++)
		v[i] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR, .ttl = 1 });
	run(&b, v, 150);
	assert_int_equal(nb_sent(&b, 0), WS_FWD_ICMP_BURST);
	assert_int_equal(b.fwd->icmp_ratelimited, 61 + 150 - WS_FWD_ICMP_BURST);
	bed_close(&b);
}

/* ---- 6. ARP: answering and learning ---- */

static void test_arp_answer(void **state)
{
	struct bed b;
	struct ws_pkt *p;

	(void)state;
	bed_open(&b);
	/* who has 198.18.0.1, tell 198.18.0.20 */
	run1(&b, mk_arp(&b, 0, WS_ARP_OP_REQUEST, mac_bcast, mac_h2, H2, mac_zero, A0));
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	p = sent(&b, 0, 0);
	assert_arp(p, mac_h2, mac_p0, WS_ARP_OP_REPLY, mac_p0, A0, mac_h2, H2);
	assert_int_equal(p->data_len, WS_ETH_MIN_FRAME_LEN);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ARP_REQUEST], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REPLY], 1);
	assert_accounting(&b);
	clear(&b);

	/* the requester was learned: a packet to it leaves at once */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 1, .src = FAR, .dst = H2 }));
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_forwarded4(sent(&b, 0, 0), mac_h2, mac_p0, H2, 63);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], 0);
	assert_int_equal(b.fwd->queued, 0);
	clear(&b);

	/* it asks again with another MAC: learned again, answered there */
	run1(&b, mk_arp(&b, 0, WS_ARP_OP_REQUEST, mac_bcast, mac_h2b, H2, mac_zero, A0));
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_arp(sent(&b, 0, 0), mac_h2b, mac_p0, WS_ARP_OP_REPLY, mac_p0, A0, mac_h2b, H2);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 1, .src = FAR, .dst = H2 }));
	assert_int_equal(nb_sent(&b, 0), 2);
	assert_forwarded4(sent(&b, 0, 1), mac_h2b, mac_p0, H2, 63);
	clear(&b);

	/* a request for an address that is not ours: not answered */
	run1(&b, mk_arp(&b, 0, WS_ARP_OP_REQUEST, mac_bcast, mac_h2, H2, mac_zero, 0xC6120032u));
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ARP_OTHER], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REPLY], 2);
	bed_close(&b);
}

/* ---- 7. resolving a gateway ---- */

static void test_arp_gateway(void **state)
{
	struct bed b;
	struct ws_pkt *v[3];

	(void)state;
	bed_open(&b);
	for (unsigned i = 0; i < 3; i++)
		v[i] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR });
	run(&b, v, 3);
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 1); /* one request, not one per packet */
	assert_arp(sent(&b, 1, 0), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, A1, mac_zero, GW);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], 1);
	assert_int_equal(b.fwd->queued, 3);
	assert_int_equal(ws_fwd_queued(b.fwd), 3);
	assert_accounting(&b);
	clear(&b);

	/* the answer: what waited leaves with the gateway's MAC */
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REPLY, mac_p1, mac_gw, GW, mac_p1, A1));
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_forwarded4(sent(&b, 1, i), mac_gw, mac_p1, FAR, 63);
	assert_int_equal(b.fwd->queued, 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ARP_REPLY], 1);
	assert_accounting(&b);
	clear(&b);

	/* and what follows goes straight out, the default route too */
	v[0] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR });
	v[1] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = NOROUTE });
	run(&b, v, 2);
	assert_int_equal(nb_sent(&b, 1), 2);
	assert_forwarded4(sent(&b, 1, 0), mac_gw, mac_p1, FAR, 63);
	assert_forwarded4(sent(&b, 1, 1), mac_gw, mac_p1, NOROUTE, 63);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], 1);
	clear(&b);

	/* the gateway announces a new MAC (a gratuitous request: not for us,
	 * nothing answered); every route through it follows */
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REQUEST, mac_bcast, mac_h1, GW, mac_zero, GW));
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ARP_OTHER], 1);
	v[0] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR });
	v[1] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = NOROUTE });
	run(&b, v, 2);
	assert_int_equal(nb_sent(&b, 1), 2);
	assert_forwarded4(sent(&b, 1, 0), mac_h1, mac_p1, FAR, 63);
	assert_forwarded4(sent(&b, 1, 1), mac_h1, mac_p1, NOROUTE, 63);
	bed_close(&b);
}

static void test_arp_queue_limit(void **state)
{
	struct bed b;
	struct ws_pkt *v[6];

	(void)state;
	bed_open(&b);
	for (unsigned i = 0; i < 6; i++)
		v[i] = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR + i });
	run(&b, v, 6);
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_int_equal(b.fwd->queued, WS_NEIGH_QUEUE_LEN);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 6 - WS_NEIGH_QUEUE_LEN);
	assert_accounting(&b);
	clear(&b);

	/* the first four waited, in order */
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REPLY, mac_p1, mac_gw, GW, mac_p1, A1));
	assert_int_equal(nb_sent(&b, 1), WS_NEIGH_QUEUE_LEN);
	for (unsigned i = 0; i < WS_NEIGH_QUEUE_LEN; i++)
		assert_forwarded4(sent(&b, 1, i), mac_gw, mac_p1, FAR + i, 63);
	assert_int_equal(b.fwd->queued, 0);
	bed_close(&b);
}

/* ---- 8. a connected destination (glean) ---- */

static void test_arp_glean(void **state)
{
	struct bed b;

	(void)state;
	bed_open(&b);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = H1 }));
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_arp(sent(&b, 1, 0), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, A1, mac_zero, H1);
	assert_int_equal(b.fwd->queued, 1);
	clear(&b);

	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REPLY, mac_p1, mac_h1, H1, mac_p1, A1));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_forwarded4(sent(&b, 1, 0), mac_h1, mac_p1, H1, 63);
	assert_int_equal(b.fwd->queued, 0);
	clear(&b);

	/* the next one straight, and another host of the subnet is asked for */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = H1 }));
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = H1 + 1 }));
	assert_int_equal(nb_sent(&b, 1), 2);
	assert_forwarded4(sent(&b, 1, 0), mac_h1, mac_p1, H1, 63);
	assert_arp(sent(&b, 1, 1), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, A1, mac_zero, H1 + 1);
	assert_int_equal(b.fwd->queued, 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], 2);
	clear(&b);

	/* a second subnet on port 1: its hosts are asked from its address */
	addr4(&b, 1, 0xC6120601u, 24); /* 198.18.6.1/24 */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = 0xC6120607u }));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_arp(sent(&b, 1, 0), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, 0xC6120601u, mac_zero, 0xC6120607u);
	assert_int_equal(b.fwd->queued, 2);
	bed_close(&b);
}

/* An error for a source that is not resolved yet waits like any packet;
 * when the source never answers it is counted as ours that could not be
 * sent (gen_dropped), not as a second drop of the packet. */
static void test_error_waits_for_source(void **state)
{
	struct bed b;
	uint8_t orig[46];
	struct ws_pkt *p;

	(void)state;
	bed_open(&b);
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H2, .dst = FAR, .ttl = 1 });
	copy_l3(p, orig, sizeof(orig));
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_arp(sent(&b, 0, 0), mac_bcast, mac_p0, WS_ARP_OP_REQUEST, mac_p0, A0, mac_zero, H2);
	assert_int_equal(b.fwd->queued, 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_TIME_EXCEEDED], 1);
	assert_accounting(&b);
	clear(&b);

	/* answered: the error leaves */
	run1(&b, mk_arp(&b, 0, WS_ARP_OP_REPLY, mac_p0, mac_h2, H2, mac_p0, A0));
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_icmp4_error(sent(&b, 0, 0), mac_h2, mac_p0, A0, H2, WS_ICMP_TIME_EXCEEDED, 0, 0, orig, sizeof(orig));
	assert_int_equal(b.fwd->queued, 0);
	assert_accounting(&b);
	clear(&b);

	/* 198.18.0.30 never answers */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = 0xC612001Eu, .dst = FAR, .ttl = 1 }));
	assert_int_equal(b.fwd->queued, 1);
	for (unsigned i = 0; i < WS_NEIGH_PROBES; i++) {
		advance_ms(&b, WS_NEIGH_PROBE_MS);
		tick(&b);
	}
	assert_int_equal(b.fwd->queued, 0);
	assert_int_equal(b.fwd->gen_dropped, 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 2);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 0);
	bed_close(&b);
}

/* A static neighbour is never changed by what arrives. */
static void test_arp_static(void **state)
{
	struct bed b;

	(void)state;
	bed_open(&b);
	neighbour4(&b, 1, GW, mac_gw);
	/* it asks for us with another MAC: answered, not learned */
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REQUEST, mac_bcast, mac_h1, GW, mac_zero, A1));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_arp(sent(&b, 1, 0), mac_h1, mac_p1, WS_ARP_OP_REPLY, mac_p1, A1, mac_h1, GW);
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REPLY, mac_p1, mac_h1, GW, mac_p1, A1));
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(nb_sent(&b, 1), 2);
	assert_forwarded4(sent(&b, 1, 1), mac_gw, mac_p1, FAR, 63);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], 0);
	bed_close(&b);
}

/* A port that takes nothing: what we made is gen_dropped, what we
 * forwarded is drops[tx_full]; the identity still holds. */
static void test_tx_full(void **state)
{
	struct bed b;

	(void)state;
	bed_open(&b);
	neighbour4(&b, 1, GW, mac_gw);
	cap_of(&b, 0)->limit = 0;
	cap_of(&b, 1)->limit = 0;
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = A0, .proto = WS_IPPROTO_ICMP,
					 .icmp_type = WS_ICMP_ECHO_REQUEST }));
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ECHO], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ECHO_REPLY], 1);
	assert_int_equal(b.fwd->gen_dropped, 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TX_FULL], 1);
	assert_int_equal(b.p[0]->stats.tx_packets + b.p[1]->stats.tx_packets, 0);
	bed_close(&b);
}

/* ---- 9. probe timers ---- */

static void test_probe_timers(void **state)
{
	struct bed b;

	(void)state;
	bed_open(&b);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(nb_sent(&b, 1), 1);
	clear(&b);

	/* not yet due */
	advance_ms(&b, WS_NEIGH_PROBE_MS - 1);
	tick(&b);
	assert_int_equal(nb_sent(&b, 1), 0);
	advance_ms(&b, 1);
	for (unsigned probe = 2; probe <= WS_NEIGH_PROBES; probe++) {
		tick(&b);
		assert_int_equal(nb_sent(&b, 1), 1);
		assert_arp(sent(&b, 1, 0), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, A1, mac_zero, GW);
		assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], probe);
		assert_int_equal(b.fwd->queued, 1);
		clear(&b);
		tick(&b); /* at the same time: nothing more */
		assert_int_equal(nb_sent(&b, 1), 0);
		advance_ms(&b, WS_NEIGH_PROBE_MS);
	}
	/* no answer to the last: failed, what waited is dropped with ICMP
	 * host unreachable back to its source (as Linux does) */
	tick(&b);
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_int_equal(ip4_of(sent(&b, 0, 0))->proto, WS_IPPROTO_ICMP);
	assert_int_equal(((const struct ws_icmp_hdr *)(ip4_of(sent(&b, 0, 0)) + 1))->type, WS_ICMP_DEST_UNREACH);
	assert_int_equal(((const struct ws_icmp_hdr *)(ip4_of(sent(&b, 0, 0)) + 1))->code, 1);
	assert_int_equal(ws_ntoh32(ip4_of(sent(&b, 0, 0))->dst), H0);
	assert_int_equal(b.fwd->queued, 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_UNREACHABLE], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], WS_NEIGH_PROBES);
	assert_accounting(&b);
	clear(&b);

	/* while failed: dropped with host unreachable, no request */
	advance_ms(&b, WS_NEIGH_FAILED_MS - 1);
	tick(&b);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ICMP_UNREACHABLE], 2);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 2);
	assert_int_equal(b.fwd->queued, 0);
	clear(&b);

	/* then the next packet asks again */
	advance_ms(&b, 1);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_arp(sent(&b, 1, 0), mac_bcast, mac_p1, WS_ARP_OP_REQUEST, mac_p1, A1, mac_zero, GW);
	assert_int_equal(b.fwd->queued, 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ARP_REQUEST], WS_NEIGH_PROBES + 1);
	clear(&b);

	/* fail once more, and this time let the timer forget the entry: a
	 * packet after that starts afresh too */
	for (unsigned probe = 0; probe < WS_NEIGH_PROBES; probe++) {
		advance_ms(&b, WS_NEIGH_PROBE_MS);
		tick(&b);
	}
	assert_int_equal(b.fwd->queued, 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 3);
	assert_int_equal(nb_sent(&b, 1), WS_NEIGH_PROBES - 1);
	clear(&b);
	advance_ms(&b, WS_NEIGH_FAILED_MS);
	tick(&b);
	assert_int_equal(nb_sent(&b, 1), 0);
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = FAR }));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_int_equal(b.fwd->queued, 1);
	/* and an answer now still delivers */
	run1(&b, mk_arp(&b, 1, WS_ARP_OP_REPLY, mac_p1, mac_gw, GW, mac_p1, A1));
	assert_int_equal(nb_sent(&b, 1), 2);
	assert_forwarded4(sent(&b, 1, 1), mac_gw, mac_p1, FAR, 63);
	assert_int_equal(b.fwd->queued, 0);
	bed_close(&b);
}

/* A ping to our link-local address from a link-local one: no route leads
 * to fe80::/10, so the reply leaves by the port the request came in on
 * (its glean adjacency), the sender resolved with ND like any neighbour. */
static void test_echo_link_local(void **state)
{
	static const uint8_t h_ll[16] = { 0xfe, 0x80, [15] = 9 };
	static const uint8_t ll6_p0[16] = { 0xfe, 0x80, [8] = 0x00, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x01 };
	struct bed b;
	const struct ws_ipv6_hdr *ip6;

	(void)state;
	bed_open(&b);
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h_ll, .dst = ll6_p0, .proto = WS_IPPROTO_ICMPV6,
					 .icmp_type = WS_ICMP6_ECHO_REQUEST }));
	/* the sender is not known yet: a solicitation for it, the reply waits */
	assert_int_equal(nb_sent(&b, 0), 1);
	ip6 = ip6_of(sent(&b, 0, 0));
	assert_int_equal(((const uint8_t *)(ip6 + 1))[0], WS_ICMP6_NEIGH_SOLICIT);
	assert_memory_equal(ip6->src, ll6_p0, 16);
	assert_int_equal(b.fwd->queued_gen, 1);
	clear(&b);
	/* the sender answers: the reply leaves port 0 to it */
	run1(&b, mk_na(&b, 0, h_ll, ll6_p0, h_ll, mac_h0, WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE));
	assert_int_equal(nb_sent(&b, 0), 1);
	assert_eth(sent(&b, 0, 0), mac_h0, mac_p0, WS_ETHERTYPE_IPV6);
	ip6 = ip6_of(sent(&b, 0, 0));
	assert_memory_equal(ip6->src, ll6_p0, 16);
	assert_memory_equal(ip6->dst, h_ll, 16);
	assert_int_equal(((const uint8_t *)(ip6 + 1))[0], WS_ICMP6_ECHO_REPLY);
	assert_int_equal(b.fwd->gen_dropped, 0);
	assert_int_equal(b.fwd->queued_gen, 0);
	assert_accounting(&b);
	bed_close(&b);
}

/* ---- 10. neighbour discovery ---- */

static void test_nd_answer(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	const struct ws_ipv6_hdr *ip6;
	const struct ws_nd_msg *m;
	const struct ws_nd_opt_lla *o;

	(void)state;
	bed_open(&b);
	/* the gateway asks for 2001:db8:1::1 */
	p = frame_get(&b, 1, 0);
	ws_nd_build_ns(p, mac_gw, gw6, a6_1);
	p->in_port = 1;
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 1);
	p = sent(&b, 1, 0);
	ip6 = ip6_of(p);
	m = (const struct ws_nd_msg *)(ip6 + 1);
	o = (const struct ws_nd_opt_lla *)(m + 1);
	assert_eth(p, mac_gw, mac_p1, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6->src, a6_1, 16);
	assert_memory_equal(ip6->dst, gw6, 16);
	assert_int_equal(ip6->hop_limit, WS_ND_HOP_LIMIT);
	assert_int_equal(ip6->next_hdr, WS_IPPROTO_ICMPV6);
	assert_int_equal(ws_ntoh16(ip6->payload_len), WS_ND_MSG_LEN + WS_ND_OPT_LLA_LEN);
	assert_int_equal(m->type, WS_ICMP6_NEIGH_ADVERT);
	assert_int_equal(m->code, 0);
	assert_int_equal(m->flags & (WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE),
			 WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE);
	assert_memory_equal(m->target, a6_1, 16);
	assert_int_equal(o->type, WS_ND_OPT_TGT_LLA);
	assert_int_equal(o->len, 1);
	assert_memory_equal(o->mac, mac_p1, 6);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ND_NS], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ND_NA], 1);
	assert_accounting(&b);
	clear(&b);

	/* the asker was learned from its source LLA option: the gateway is
	 * resolved, no NS needed */
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6 }));
	assert_int_equal(nb_sent(&b, 1), 1);
	p = sent(&b, 1, 0);
	assert_eth(p, mac_gw, mac_p1, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6_of(p)->dst, far6, 16);
	assert_int_equal(ip6_of(p)->hop_limit, 63);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ND_NS], 0);
	clear(&b);

	/* an NS for an address that is not ours: not answered */
	p = frame_get(&b, 1, 0);
	ws_nd_build_ns(p, mac_gw, gw6, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 7 });
	p->in_port = 1;
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ND_OTHER], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ND_NA], 1);

	/* duplicate address detection for our address (from ::): defended
	 * with an NA to all nodes, S clear (RFC 4861 7.2.4) */
	p = frame_get(&b, 1, 0);
	ws_nd_build_ns(p, mac_h1, (const uint8_t[16]){ 0 }, a6_1);
	p->in_port = 1;
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 1);
	p = sent(&b, 1, 0);
	m = (const struct ws_nd_msg *)(ip6_of(p) + 1);
	assert_eth(p, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }, mac_p1, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6_of(p)->src, a6_1, 16);
	assert_memory_equal(ip6_of(p)->dst, ((const uint8_t[16]){ 0xff, 0x02, [15] = 1 }), 16);
	assert_int_equal(m->type, WS_ICMP6_NEIGH_ADVERT);
	assert_int_equal(m->flags & (WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE), WS_ND_NA_FLAG_OVERRIDE);
	assert_memory_equal(m->target, a6_1, 16);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ND_NS], 2);
	bed_close(&b);
}

static void test_nd_resolve(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	const struct ws_ipv6_hdr *ip6;
	const struct ws_nd_msg *m;
	const struct ws_nd_opt_lla *o;

	(void)state;
	bed_open(&b);
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6 }));
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 1);
	p = sent(&b, 1, 0);
	ip6 = ip6_of(p);
	m = (const struct ws_nd_msg *)(ip6 + 1);
	o = (const struct ws_nd_opt_lla *)(m + 1);
	/* to the gateway's solicited-node address, from our link-local one */
	assert_eth(p, mac_sn_gw6, mac_p1, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6->src, ll6_p1, 16);
	assert_memory_equal(ip6->dst, sn_gw6, 16);
	assert_int_equal(ip6->hop_limit, WS_ND_HOP_LIMIT);
	assert_int_equal(m->type, WS_ICMP6_NEIGH_SOLICIT);
	assert_memory_equal(m->target, gw6, 16);
	assert_int_equal(o->type, WS_ND_OPT_SRC_LLA);
	assert_memory_equal(o->mac, mac_p1, 6);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ND_NS], 1);
	assert_int_equal(b.fwd->queued, 1);
	assert_accounting(&b);
	clear(&b);

	/* the gateway answers our link-local address */
	run1(&b, mk_na(&b, 1, gw6, ll6_p1, gw6, mac_gw, WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE |
							     WS_ND_NA_FLAG_ROUTER));
	assert_int_equal(nb_sent(&b, 0), 0);
	assert_int_equal(nb_sent(&b, 1), 1);
	p = sent(&b, 1, 0);
	assert_eth(p, mac_gw, mac_p1, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6_of(p)->src, h6_0, 16);
	assert_memory_equal(ip6_of(p)->dst, far6, 16);
	assert_int_equal(ip6_of(p)->hop_limit, 63);
	assert_int_equal(b.fwd->queued, 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ND_NA], 1);
	bed_close(&b);
}

/* RFC 4861 7.2.5: an NA without the override flag completes a resolution
 * but does not replace a MAC already known; with it, it does. */
static void test_nd_override(void **state)
{
	static const uint8_t mac_other[6] = { 0x02, 0x00, 0x5e, 0x20, 0x01, 0x99 };
	struct bed b;

	(void)state;
	bed_open(&b);
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6 }));
	assert_int_equal(b.fwd->queued, 1);
	clear(&b);
	/* solicited, O clear: resolves the incomplete entry */
	run1(&b, mk_na(&b, 1, gw6, ll6_p1, gw6, mac_gw, WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_ROUTER));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_eth(sent(&b, 1, 0), mac_gw, mac_p1, WS_ETHERTYPE_IPV6);
	assert_int_equal(b.fwd->queued, 0);
	clear(&b);

	/* O clear, another MAC: the known one stays */
	run1(&b, mk_na(&b, 1, gw6, ll6_p1, gw6, mac_other, WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_ROUTER));
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6 }));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_eth(sent(&b, 1, 0), mac_gw, mac_p1, WS_ETHERTYPE_IPV6);
	clear(&b);

	/* O set (unsolicited, to all nodes): replaced */
	run1(&b, mk_na(&b, 1, gw6, (const uint8_t[16]){ 0xff, 0x02, [15] = 1 }, gw6, mac_other,
		       WS_ND_NA_FLAG_OVERRIDE | WS_ND_NA_FLAG_ROUTER));
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = far6 }));
	assert_int_equal(nb_sent(&b, 1), 1);
	assert_eth(sent(&b, 1, 0), mac_other, mac_p1, WS_ETHERTYPE_IPV6);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ND_NS], 1);
	bed_close(&b);
}

/* ---- 11. local delivery ---- */

static void test_echo(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	const struct ws_ipv4_hdr *ip;
	const uint8_t *ic;
	uint8_t req[46];

	(void)state;
	bed_open(&b);
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = A0, .proto = WS_IPPROTO_ICMP,
				    .icmp_type = WS_ICMP_ECHO_REQUEST });
	copy_l3(p, req, sizeof(req));
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	p = sent(&b, 0, 0);
	ip = ip4_of(p);
	ic = (const uint8_t *)(ip + 1);
	assert_eth(p, mac_h0, mac_p0, WS_ETHERTYPE_IPV4);
	assert_int_equal(ws_ntoh32(ip->src), A0);
	assert_int_equal(ws_ntoh32(ip->dst), H0);
	assert_int_equal(ip->proto, WS_IPPROTO_ICMP);
	assert_int_equal(ip->ttl, WS_ICMP_TTL - 1);
	assert_int_equal(ws_ntoh16(ip->total_len), sizeof(req));
	assert_int_equal(ic[0], WS_ICMP_ECHO_REPLY);
	assert_int_equal(ic[1], 0);
	assert_memory_equal(ic + 4, req + 24, sizeof(req) - 24); /* id, seq and data echoed */
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ECHO], 1);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ECHO_REPLY], 1);
	assert_accounting(&b);
	clear(&b);

	/* port 1's address asked through port 0, with TTL 1 (ours whatever
	 * its TTL): answered from that address */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = A1, .ttl = 1, .proto = WS_IPPROTO_ICMP,
					 .icmp_type = WS_ICMP_ECHO_REQUEST }));
	assert_int_equal(nb_sent(&b, 0), 1);
	ip = ip4_of(sent(&b, 0, 0));
	assert_int_equal(ws_ntoh32(ip->src), A1);
	assert_int_equal(ws_ntoh32(ip->dst), H0);
	assert_int_equal(((const uint8_t *)(ip + 1))[0], WS_ICMP_ECHO_REPLY);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 0);
	clear(&b);

	/* IPv6 */
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = a6_0, .proto = WS_IPPROTO_ICMPV6,
					 .icmp_type = WS_ICMP6_ECHO_REQUEST }));
	assert_int_equal(nb_sent(&b, 1), 0);
	assert_int_equal(nb_sent(&b, 0), 1);
	p = sent(&b, 0, 0);
	assert_eth(p, mac_h0, mac_p0, WS_ETHERTYPE_IPV6);
	assert_memory_equal(ip6_of(p)->src, a6_0, 16);
	assert_memory_equal(ip6_of(p)->dst, h6_0, 16);
	assert_int_equal(ip6_of(p)->hop_limit, WS_ICMP_TTL - 1);
	ic = (const uint8_t *)(ip6_of(p) + 1);
	assert_int_equal(ic[0], WS_ICMP6_ECHO_REPLY);
	assert_int_equal(ic[4], 0x42);
	assert_int_equal(ic[7], 7);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ECHO], 3);
	assert_int_equal(b.fwd->gen[WS_FWD_GEN_ECHO_REPLY], 3);
	clear(&b);

	/* a bad ICMP checksum: dropped, not answered */
	p = mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = A0, .proto = WS_IPPROTO_ICMP,
				    .icmp_type = WS_ICMP_ECHO_REQUEST });
	ws_pkt_data(p)[WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN + 2] ^= 1;
	run1(&b, p);
	p = mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = a6_0, .proto = WS_IPPROTO_ICMPV6,
				    .icmp_type = WS_ICMP6_ECHO_REQUEST });
	ws_pkt_data(p)[WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN + 2] ^= 1;
	run1(&b, p);
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_ICMP_INVALID], 2);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_ECHO], 3);

	/* an echo request to the subnet's broadcast address: not answered
	 * (RFC 1122 3.2.2.6 allows silence; no smurf amplifier) */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .eth_dst = mac_bcast, .src = H0, .dst = 0xC61200FFu,
					 .proto = WS_IPPROTO_ICMP, .icmp_type = WS_ICMP_ECHO_REQUEST }));
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_PUNT], 1);

	/* UDP to us: punted (no host stack), nothing sent */
	run1(&b, mk4(&b, &(struct pkt4){ .port = 0, .src = H0, .dst = A0 }));
	run1(&b, mk6(&b, &(struct pkt6){ .port = 0, .src = h6_0, .dst = a6_0 }));
	assert_int_equal(nb_sent(&b, 0) + nb_sent(&b, 1), 0);
	assert_int_equal(b.fwd->local[WS_FWD_LOCAL_PUNT], 3);
	assert_int_equal(sum(b.fwd->gen, WS_FWD_GEN_COUNT), 3);
	bed_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_expired),   cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_too_big),       cmocka_unit_test(test_no_error_about),
		cmocka_unit_test(test_rate_limit),    cmocka_unit_test(test_arp_answer),
		cmocka_unit_test(test_arp_gateway),   cmocka_unit_test(test_arp_queue_limit),
		cmocka_unit_test(test_arp_glean),     cmocka_unit_test(test_arp_static),
		cmocka_unit_test(test_tx_full),       cmocka_unit_test(test_probe_timers),
		cmocka_unit_test(test_error_waits_for_source),
		cmocka_unit_test(test_nd_answer),     cmocka_unit_test(test_nd_resolve),
		cmocka_unit_test(test_nd_override),   cmocka_unit_test(test_echo), cmocka_unit_test(test_echo_link_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
