/* SPDX-License-Identifier: BSD-3-Clause */
/* The forwarding nodes with crafted packets: a routed IPv4 and IPv6 packet
 * leaves rewritten (TTL/hop limit, checksum, MACs, port); TTL 1, no route,
 * a bad checksum, an unknown ethertype, an unresolved or blackhole nexthop and an MTU overrun
 * are each dropped and counted under their reason; every packet is
 * accounted for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "fwd/fwd.h"
#include "io/mem.h"
#include "net/checksum.h"
#include "net/net.h"

static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 0, 2 }, peer[6] = { 2, 0, 0, 0, 0, 9 };

struct bed {
	struct ws_pool *pool;
	struct ws_fib *fib;
	struct ws_port *p0, *p1;
	struct ws_fwd *fwd;
	struct ws_graph *g;
};

static void bed_open(struct bed *b)
{
	struct ws_pool_config pc = { .nb_frames = 256, .cache_size = 0, .huge = WS_POOL_HUGE_NEVER };
	uint32_t d = 1;
	struct ws_mem_config mc = { .family = AF_INET, .dsts = &d, .nb_dsts = 1, .count = 1 };
	uint8_t a[16] = { 0 };

	b->pool = ws_pool_create(&pc);
	b->fib = ws_fib_create();
	assert_non_null(b->pool);
	assert_non_null(b->fib);
	b->p0 = ws_mem_port_create("p0", 0, b->pool, mac0, &mc);
	b->p1 = ws_mem_port_create("p1", 1, b->pool, mac1, &mc);
	b->fwd = ws_fwd_create(b->fib, b->pool);
	b->g = ws_graph_create();
	assert_int_equal(ws_fwd_add_port(b->fwd, b->p0), 0);
	assert_int_equal(ws_fwd_add_port(b->fwd, b->p1), 0);
	assert_int_equal(ws_fwd_add_nodes(b->fwd, b->g), 0);
	assert_int_equal(ws_graph_finalize(b->g, NULL), 0);
	/* 198.18.0.0/16 -> nh 1 (resolved, port 1); 198.19.0.0/24 -> nh 2
	 * (unresolved); 198.19.1.0/24 -> nh 3 (blackhole); 2001:db8::/32 -> nh 1 */
	ws_fib_v4_to_bytes(0xC6120000, a);
	assert_int_equal(ws_fib_route_replace(b->fib, AF_INET, a, 16, 1), 0);
	ws_fib_v4_to_bytes(0xC6130000, a);
	assert_int_equal(ws_fib_route_replace(b->fib, AF_INET, a, 24, 2), 0);
	ws_fib_v4_to_bytes(0xC6130100, a);
	assert_int_equal(ws_fib_route_replace(b->fib, AF_INET, a, 24, 3), 0);
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_int_equal(ws_fib_route_replace(b->fib, AF_INET6, a6, 32, 1), 0);
	assert_int_equal(ws_fwd_set_adj(b->fwd, 1, 1, peer), 0);
	b->fwd->adj[3].kind = WS_ADJ_BLACKHOLE;
	assert_int_equal(ws_fwd_set_adj(b->fwd, 4, 7, peer), -EINVAL); /* no port 7 */
}

static void bed_close(struct bed *b)
{
	ws_graph_free(b->g);
	ws_fwd_free(b->fwd);
	ws_port_close(b->p0);
	ws_port_close(b->p1);
	ws_fib_free(b->fib);
	ws_pool_free(b->pool);
}

/* An IPv4/UDP frame of len bytes to dst with ttl into a pool frame. */
static struct ws_pkt *ip4_frame(struct bed *b, uint32_t dst, uint8_t ttl, unsigned len)
{
	struct ws_pkt *p = ws_pool_get(b->pool);
	uint8_t *d;
	struct ws_ipv4_hdr *ip;

	assert_non_null(p);
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, 0, 0);
	d = ws_pkt_data(p);
	memset(d, 0, len);
	memcpy(d, mac0, 6);
	memcpy(d + 6, peer, 6);
	d[12] = 0x08;
	ip = (struct ws_ipv4_hdr *)(d + 14);
	ip->version_ihl = 0x45;
	ip->total_len = ws_hton16((uint16_t)(len - 14));
	ip->ttl = ttl;
	ip->proto = 17;
	ip->src = ws_hton32(0xC6120009);
	ip->dst = ws_hton32(dst);
	ip->csum = ws_ipv4_hdr_csum(ip);
	d[14 + 20 + 4] = (uint8_t)((len - 34) >> 8); /* UDP length */
	d[14 + 20 + 5] = (uint8_t)(len - 34);
	return p;
}

static void run(struct bed *b, struct ws_pkt **v, unsigned n)
{
	assert_int_equal(ws_graph_enqueue(b->g, (unsigned)b->fwd->node_input, v, n), n);
	assert_int_equal(ws_graph_run(b->g), 0);
	ws_fwd_flush(b->fwd);
}

static void test_ip4_forward_and_drops(void **state)
{
	struct bed b;
	struct ws_pkt *v[8];
	uint8_t *d;

	(void)state;
	bed_open(&b);
	b.p1->mtu = 1000;
	v[0] = ip4_frame(&b, 0xC6120505, 64, 60);  /* routed */
	v[1] = ip4_frame(&b, 0xC6120505, 1, 60);   /* TTL 1 */
	v[2] = ip4_frame(&b, 0x7f000001, 64, 60);  /* no route */
	v[3] = ip4_frame(&b, 0xC6120505, 64, 60);  /* bad checksum */
	((struct ws_ipv4_hdr *)(ws_pkt_data(v[3]) + 14))->csum ^= 1;
	v[4] = ip4_frame(&b, 0xC6130005, 64, 60);  /* unresolved nexthop */
	v[5] = ip4_frame(&b, 0xC6130105, 64, 60);  /* blackhole */
	v[6] = ip4_frame(&b, 0xC6120505, 64, 1200); /* over the MTU */
	v[7] = ip4_frame(&b, 0xC6120505, 64, 60);  /* an ethertype without a node (local experimental) */
	ws_pkt_data(v[7])[12] = 0x88;
	ws_pkt_data(v[7])[13] = 0xb5;
	run(&b, v, 8);

	/* the routed packet went out of port 1, rewritten; the frame is back
	 * in the pool but its bytes are still there */
	assert_int_equal(b.p1->stats.tx_packets, 1);
	d = ws_pkt_data(v[0]);
	assert_memory_equal(d, peer, 6);
	assert_memory_equal(d + 6, mac1, 6);
	const struct ws_ipv4_hdr *ip = (const struct ws_ipv4_hdr *)(d + 14);
	assert_int_equal(ip->ttl, 63);
	assert_true(ws_ipv4_hdr_csum_ok(ip));
	assert_int_equal(v[0]->out_port, 1);

	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_NO_ROUTE], 1);
	assert_int_equal(b.fwd->drops[WS_NET_DROP_IP4_CHECKSUM], 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_UNRESOLVED], 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_BLACKHOLE], 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_MTU], 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_NOT_IP], 1);
	/* every packet accounted for, every frame back in the pool */
	uint64_t drops = 0;
	for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
		drops += b.fwd->drops[r];
	assert_int_equal(drops + b.p1->stats.tx_packets, 8);
	assert_int_equal(ws_pool_avail(b.pool), 256);
	bed_close(&b);
}

static void test_ip6_forward(void **state)
{
	struct bed b;
	struct ws_pkt *p;
	uint8_t *d;

	(void)state;
	bed_open(&b);
	p = ws_pool_get(b.pool);
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, 62, 0, 0);
	d = ws_pkt_data(p);
	memset(d, 0, 62);
	memcpy(d, mac0, 6);
	d[12] = 0x86;
	d[13] = 0xdd;
	d[14] = 0x60;
	d[19] = 8;  /* payload length */
	d[20] = 17; /* UDP */
	d[21] = 2;  /* hop limit */
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
	memcpy(d + 38, dst, 16);
	d[54 + 5] = 8; /* UDP length */
	run(&b, &p, 1);
	assert_int_equal(b.p1->stats.tx_packets, 1);
	assert_int_equal(d[21], 1);
	assert_memory_equal(d, peer, 6);
	/* the same packet with hop limit 1: not forwarded */
	uint8_t copy[62];

	memcpy(copy, d, 62);
	copy[21] = 1;
	p = ws_pool_get(b.pool);
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, 62, 0, 0);
	memcpy(ws_pkt_data(p), copy, 62);
	run(&b, &p, 1);
	assert_int_equal(b.fwd->drops[WS_FWD_DROP_TTL], 1);
	assert_int_equal(ws_pool_avail(b.pool), 256);
	bed_close(&b);
}

static void test_drop_names(void **state)
{
	(void)state;
	for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
		assert_non_null(ws_fwd_drop_name(r));
	assert_null(ws_fwd_drop_name(WS_FWD_DROP_COUNT));
	assert_string_equal(ws_fwd_drop_name(WS_FWD_DROP_NO_ROUTE), "no_route");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_forward_and_drops),
		cmocka_unit_test(test_ip6_forward),
		cmocka_unit_test(test_drop_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
