/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_fwd.c: libFuzzer target for the whole forwarding graph: any frame,
 * on either port, through parse, lookup, rewrite, ARP, ND, local delivery
 * and the ICMP error nodes, which rewrite packets in place. Beyond "no
 * crash" (ASan, UBSan), it checks after every input that:
 *  - every frame the graph sends parses as valid (ws_net_parse: an error we
 *    build, a reply, a request must be as well-formed as what we accept);
 *  - the accounting identity of fwd.h holds: received = forwarded + dropped
 *    + taken locally + queued, and sent = forwarded + made - made but
 *    dropped - made and queued;
 *  - no frame is lost: those in the pool plus those queued for neighbours
 *    are all of them.
 *
 * Input: byte 0 picks the port (bit 0), whether to fix up the frame so it
 * gets past the first checks (bit 1: our MAC as destination, a correct IPv4
 * header checksum; a fuzzer rarely guesses a checksum) and how far the clock
 * moves (bits 2-7, in 100 ms steps, so neighbour timers run); the rest is
 * the frame.
 *
 *   make fuzz-build && build-fuzz/fuzz_fwd -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "fib/fib_table.h"
#include "fwd/fwd.h"
#include "graph/graph.h"
#include "io/port.h"
#include "net/checksum.h"
#include "net/net.h"
#include "net/parse.h"

#define NB_FRAMES 2048u

static struct ws_pool *pool;
static struct ws_fib *fib;
static struct ws_fwd *fwd;
static struct ws_graph *graph;
static struct ws_port *ports[2];
static uint64_t received, sent;

/* A TX port that checks each frame and frees it. */
static unsigned sink_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = pkts[i];
		uint8_t flags = p->flags;

		p->flags = 0;
		if (ws_net_parse(p) != WS_NET_OK)
			__builtin_trap(); /* we sent a frame we would refuse */
		p->flags = flags;
	}
	port->stats.tx_packets += n;
	sent += n;
	ws_pool_put_bulk(pool, pkts, n);
	return n;
}

static unsigned sink_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	(void)port;
	(void)pkts;
	(void)n;
	return 0;
}

static const struct ws_port_ops sink_ops = { .kind = "sink", .rx_burst = sink_rx, .tx_burst = sink_tx };

static void v4(uint8_t a[16], uint32_t x)
{
	memset(a, 0, 16);
	ws_fib_v4_to_bytes(x, a);
}

static void route(int family, const uint8_t *addr, unsigned len, uint32_t id, const struct ws_nexthop_key *k)
{
	if (ws_fwd_set_nexthop(fwd, id, k) || ws_fib_route_replace(fib, family, addr, len, id) < 0)
		abort();
}

/* Two ports as the forwarder sets them up: addresses, their local and
 * connected routes, a gateway route with an unresolved gateway, one with a
 * static one, unreachable/prohibit/blackhole routes, the local multicast
 * and link-local routes. */
static void setup(void)
{
	struct ws_pool_config pc = { .nb_frames = NB_FRAMES, .cache_size = 0, .huge = WS_POOL_HUGE_NEVER };
	static const uint8_t gw_mac[6] = { 2, 0, 0, 0, 1, 2 };
	uint8_t a[16];
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct ws_nexthop_key k;

	pool = ws_pool_create(&pc);
	fib = ws_fib_create();
	fwd = pool && fib ? ws_fwd_create(fib, pool) : NULL;
	graph = ws_graph_create();
	if (!fwd || !graph)
		abort();
	for (uint16_t i = 0; i < 2; i++) {
		ports[i] = ws_port_alloc(i ? "b" : "a", i, pool);
		if (!ports[i])
			abort();
		ports[i]->ops = &sink_ops;
		memcpy(ports[i]->mac, (uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)(i + 1) }, 6);
		ports[i]->mtu = i ? 1280 : 1500;
		if (ws_fwd_add_port(fwd, ports[i]))
			abort();
	}
	if (ws_fwd_add_nodes(fwd, graph) || ws_graph_finalize(graph, NULL))
		abort();
	fwd->clock = 1000000; /* frozen; each input moves it */

	uint32_t id = 0;
	for (uint16_t i = 0; i < 2; i++) {
		v4(a, 0xC6120001u + ((uint32_t)i << 8)); /* 198.18.i.1/24 */
		ws_fwd_add_address(fwd, i, AF_INET, a, 24);
		k = (struct ws_nexthop_key){ .type = WS_NH_LOCAL, .port = i };
		route(AF_INET, a, 32, id++, &k);
		a[3] = 0;
		k = (struct ws_nexthop_key){ .type = WS_NH_UNICAST, .port = i };
		route(AF_INET, a, 24, id++, &k);
		a6[5] = (uint8_t)i;
		a6[15] = 1; /* 2001:db8:0:i::1/64 */
		ws_fwd_add_address(fwd, i, AF_INET6, a6, 64);
		k = (struct ws_nexthop_key){ .type = WS_NH_LOCAL, .port = i };
		route(AF_INET6, a6, 128, id++, &k);
		a6[15] = 0;
		k = (struct ws_nexthop_key){ .type = WS_NH_UNICAST, .port = i };
		route(AF_INET6, a6, 64, id++, &k);
	}
	/* 198.19.0.0/16 via 198.18.1.2 (static), 0/0 via 198.18.1.3 (unresolved) */
	v4(a, 0xC6120102);
	ws_fwd_add_neighbour(fwd, 1, AF_INET, a, gw_mac);
	k = (struct ws_nexthop_key){ .type = WS_NH_UNICAST, .gw_family = AF_INET, .port = 1 };
	memcpy(k.gw, a, 4);
	v4(a, 0xC6130000);
	route(AF_INET, a, 16, id++, &k);
	k.gw[3] = 3;
	v4(a, 0);
	route(AF_INET, a, 0, id++, &k);
	k = (struct ws_nexthop_key){ .type = WS_NH_UNICAST, .gw_family = AF_INET6, .port = 1 };
	memcpy(k.gw, (uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 }, 16);
	memset(a6, 0, 16);
	route(AF_INET6, a6, 0, id++, &k); /* ::/0 via 2001:db8:0:1::2 */
	static const uint32_t kinds[3] = { WS_NH_UNREACHABLE, WS_NH_PROHIBIT, WS_NH_BLACKHOLE };
	for (unsigned i = 0; i < 3; i++) {
		k = (struct ws_nexthop_key){ .type = (uint8_t)kinds[i], .port = WS_NH_PORT_NONE };
		v4(a, 0xC6140000u + (i << 8)); /* 198.20.i.0/24 */
		route(AF_INET, a, 24, id++, &k);
	}
	k = (struct ws_nexthop_key){ .type = WS_NH_LOCAL, .port = 0 };
	v4(a, 0xE0000000);
	route(AF_INET, a, 4, id++, &k);
	memset(a6, 0, 16);
	a6[0] = 0xff;
	route(AF_INET6, a6, 8, id++, &k);
	a6[0] = 0xfe;
	a6[1] = 0x80;
	route(AF_INET6, a6, 10, id++, &k);
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_pkt *p;
	unsigned ctl, len;

	if (!fwd)
		setup();
	if (size < 1 || size - 1 > 1514)
		return 0;
	ctl = data[0];
	len = (unsigned)(size - 1);
	if (ws_pool_get_bulk(pool, &p, 1))
		__builtin_trap(); /* frames leaked */
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, ctl & 1, 0);
	memcpy(ws_pkt_data(p), data + 1, len);
	if ((ctl & 2) && len >= 14) {
		uint8_t *d = ws_pkt_data(p);

		memcpy(d, ports[ctl & 1]->mac, 6);
		if (d[12] == 0x08 && d[13] == 0x00 && len >= 34) {
			struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(d + 14);

			ip->csum = 0;
			if (len >= 14u + (ip->version_ihl & 0x0fu) * 4u)
				ip->csum = ws_ipv4_hdr_csum(ip);
		}
	}
	received++;
	fwd->clock += (uint64_t)(ctl >> 2) * (fwd->tsc_hz / 10);
	ws_graph_enqueue(graph, (unsigned)fwd->node_input, &p, 1);
	if (ws_graph_run(graph))
		__builtin_trap(); /* something still queued after the last pass */
	ws_fwd_flush(fwd);
	ws_fwd_tick(fwd);
	ws_fwd_flush(fwd);

	uint64_t gen = sum(fwd->gen, WS_FWD_GEN_COUNT), gen_sent = gen - fwd->gen_dropped - fwd->queued_gen;
	uint64_t forwarded = sent - gen_sent;
	if (sent < gen_sent || fwd->queued_gen > fwd->queued ||
	    received != forwarded + sum(fwd->drops, WS_FWD_DROP_COUNT) + sum(fwd->local, WS_FWD_LOCAL_COUNT) +
				(fwd->queued - fwd->queued_gen))
		__builtin_trap(); /* a packet not accounted for */
	if (ws_pool_avail(pool) + fwd->queued != NB_FRAMES)
		__builtin_trap(); /* a frame lost */
	return 0;
}
