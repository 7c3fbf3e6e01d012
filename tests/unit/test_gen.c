/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's frames (net/gen_tmpl.h) and the sink's accounting
 * (net/gen_payload.h): every protocol/family/tag/size/field-mode combination
 * parses with ws_net_parse and carries checksums equal to a full
 * recomputation; ranges count and wrap (across byte and 64-bit carries),
 * random fields stay in their prefix or range, the IMIX order, the VLAN tag,
 * the stamp where it fits and not where it does not; the address rule and
 * the bad configurations; the spec parsers; the sequence accounting on
 * crafted sequences; the histogram's buckets and percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pkt.h"
#include "net/checksum.h"
#include "net/gen_payload.h"
#include "net/gen_tmpl.h"
#include "net/net.h"
#include "net/parse.h"

#define FRAME 2048u
#define NB 64u
#define NOW 123456789012345ull

static const uint8_t DMAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t SMAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };

struct frames {
	uint8_t *mem;
	struct ws_pkt *p[NB];
};

static void frames_init(struct frames *f)
{
	f->mem = aligned_alloc(64, (size_t)NB * FRAME);
	assert_non_null(f->mem);
	memset(f->mem, 0xee, (size_t)NB * FRAME); /* stale bytes a frame must not keep */
	for (unsigned i = 0; i < NB; i++)
		f->p[i] = (struct ws_pkt *)(f->mem + (size_t)i * FRAME);
}

static void frames_free(struct frames *f)
{
	free(f->mem);
}

static void addr4(struct ws_gen_addr *a, enum ws_gen_mode mode, uint32_t lo, uint32_t hi, uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	a->mode = mode;
	for (int i = 0; i < 4; i++) {
		a->lo[i] = (uint8_t)(lo >> (24 - 8 * i));
		a->hi[i] = (uint8_t)(hi >> (24 - 8 * i));
	}
	a->prefix_len = plen;
}

static void parse_addr_ok(const char *s, struct ws_gen_addr *a, int family)
{
	char err[256];
	int f = 0;

	assert_int_equal(ws_gen_parse_addr(s, a, &f, err, sizeof(err)), 0);
	assert_int_equal(f, family);
}

static void base_config(struct ws_gen_config *c, int family)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	memcpy(c->dst_mac, DMAC, 6);
	memcpy(c->src_mac, SMAC, 6);
	if (family == AF_INET) {
		addr4(&c->src, WS_GEN_FIXED, 0xc6120001u, 0, 0);
		addr4(&c->dst, WS_GEN_FIXED, 0xc6130002u, 0, 0);
	} else {
		parse_addr_ok("2001:db8::1", &c->src, AF_INET6);
		parse_addr_ok("2001:db8:1::2", &c->dst, AF_INET6);
	}
	c->src_port = (struct ws_gen_port){ WS_GEN_FIXED, 1024, 1024 };
	c->dst_port = (struct ws_gen_port){ WS_GEN_FIXED, 9, 9 };
	c->size = 128;
	c->stream = 7;
	c->seed = 42;
}

static struct ws_gen *create_ok(const struct ws_gen_config *c)
{
	char err[256] = "";
	struct ws_gen *g = ws_gen_create(c, err, sizeof(err));

	if (!g)
		fail_msg("ws_gen_create: %s", err);
	return g;
}

/* ---- checking one generated frame ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The L4 checksum as recomputed from scratch over the whole segment. */
static uint16_t full_l4_csum(uint8_t *d, const struct ws_pkt *p, int family, unsigned csum_off, unsigned l4_len)
{
	uint8_t *l4 = d + p->l4_off;
	uint16_t saved, c;

	memcpy(&saved, l4 + csum_off, 2);
	memset(l4 + csum_off, 0, 2);
	if (family == AF_INET && p->l4_proto == WS_IPPROTO_ICMP)
		c = ws_csum_fold(ws_csum_partial(l4, l4_len, 0));
	else if (family == AF_INET)
		c = ws_ipv4_l4_csum((const struct ws_ipv4_hdr *)(d + p->l3_off), l4, l4_len);
	else
		c = ws_ipv6_l4_csum((const struct ws_ipv6_hdr *)(d + p->l3_off), p->l4_proto, l4, l4_len);
	memcpy(l4 + csum_off, &saved, 2);
	if (p->l4_proto == WS_IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

/* Everything a frame must be; seq is its packet number, *stamps the
 * sequence number its stamp must carry if it has one (then counted on). */
static void check_frame_st(struct ws_pkt *p, const struct ws_gen_config *c, unsigned hdr, uint64_t seq,
			   uint64_t *stamps)
{
	uint8_t *d = ws_pkt_data(p);
	unsigned l4_len, csum_off;
	uint8_t proto;
	const uint8_t *st;

	assert_int_equal(ws_net_parse(p), WS_NET_OK);
	assert_int_equal(p->data_off, WS_PKT_HEADROOM);
	assert_int_equal(p->seq, (uint32_t)seq);
	assert_memory_equal(d, c->dst_mac, 6);
	assert_memory_equal(d + 6, c->src_mac, 6);
	assert_int_equal(p->ethertype, c->family == AF_INET ? WS_ETHERTYPE_IPV4 : WS_ETHERTYPE_IPV6);
	if (c->vlan) {
		assert_true(p->flags & WS_PKT_F_VLAN);
		assert_int_equal(p->vlan_tci, c->vlan_id);
		assert_int_equal(p->l3_off, 18);
	} else {
		assert_false(p->flags & WS_PKT_F_VLAN);
		assert_int_equal(p->l3_off, 14);
	}
	proto = c->proto == WS_GEN_UDP   ? WS_IPPROTO_UDP
		: c->proto == WS_GEN_TCP ? WS_IPPROTO_TCP
		: c->family == AF_INET   ? WS_IPPROTO_ICMP
					 : WS_IPPROTO_ICMPV6;
	assert_int_equal(p->l4_proto, proto);
	assert_int_not_equal(p->l4_off, 0);
	l4_len = p->data_len - p->l4_off;
	if (c->family == AF_INET) {
		const struct ws_ipv4_hdr *ip = (const struct ws_ipv4_hdr *)(d + p->l3_off);

		assert_int_equal(ws_ntoh16(ip->total_len), p->data_len - p->l3_off); /* no padding */
		assert_true(ws_ipv4_hdr_csum_ok(ip));
		assert_int_equal(ip->csum, ws_ipv4_hdr_csum(ip));
		assert_int_equal(ip->ttl, 64);
	} else {
		const struct ws_ipv6_hdr *ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);

		assert_int_equal(ws_ntoh16(ip6->payload_len), l4_len);
		assert_int_equal(ip6->hop_limit, 64);
	}
	csum_off = proto == WS_IPPROTO_TCP ? 16 : proto == WS_IPPROTO_UDP ? 6 : 2;
	assert_int_equal(rd16(d + p->l4_off + csum_off), ws_ntoh16(full_l4_csum(d, p, c->family, csum_off, l4_len)));
	if (proto == WS_IPPROTO_UDP) {
		assert_int_equal(rd16(d + p->l4_off + 4), l4_len);
		assert_int_not_equal(rd16(d + p->l4_off + 6), 0);
	} else if (proto == WS_IPPROTO_TCP) {
		const struct ws_tcp_hdr *th = (const struct ws_tcp_hdr *)(d + p->l4_off);

		assert_int_equal(th->flags, c->tcp_flags ? c->tcp_flags : WS_TCP_SYN);
		assert_int_equal(ws_tcp_hdr_len(th), 20);
		assert_int_equal(ws_ntoh32(th->seq), (uint32_t)seq);
	} else {
		assert_int_equal(d[p->l4_off], c->family == AF_INET ? WS_ICMP_ECHO_REQUEST : WS_ICMP6_ECHO_REQUEST);
		assert_int_equal(rd16(d + p->l4_off + 4), (uint16_t)c->stream);
		assert_int_equal(rd16(d + p->l4_off + 6), (uint16_t)seq);
	}
	st = ws_gen_stamp_locate(p);
	if (p->data_len >= hdr + WS_GEN_STAMP_LEN) {
		uint32_t stream;
		uint64_t s, ts;

		assert_non_null(st);
		assert_ptr_equal(st, d + hdr);
		assert_true(ws_gen_stamp_read(st, &stream, &s, &ts));
		assert_int_equal(stream, c->stream);
		assert_int_equal(s, *stamps);
		(*stamps)++;
		assert_int_equal(ts, NOW);
	} else {
		assert_null(st);
	}
}

/* For runs where every frame or none has a stamp: the stamp's number is
 * the packet's. */
static void check_frame(struct ws_pkt *p, const struct ws_gen_config *c, unsigned hdr, uint64_t seq)
{
	uint64_t stamps = seq;

	check_frame_st(p, c, hdr, seq, &stamps);
}

/* How many of the first n frames carry a stamp: all or none at a fixed
 * size; with IMIX the 566- and 1514-byte ones (the small one, 60 bytes or
 * the headers, never has room). */
static uint64_t expected_stamps(unsigned size, unsigned hdr, unsigned n)
{
	uint64_t k = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned s = size == WS_GEN_SIZE_IMIX ? ws_gen_imix_size(i) : size;

		k += (s > hdr ? s : hdr) >= hdr + WS_GEN_STAMP_LEN;
	}
	return k;
}

/* ---- every combination ---- */

/* One combination (proto 0 UDP, 1 TCP SYN, 2 TCP ACK, 3 ICMP; mode picks
 * the address and port forms): two bursts, every frame checked. 1 when it
 * made frames, 0 when its size is below its headers (and that refused). */
static int one_combination(struct frames *f, int v6, int proto, bool vlan, uint16_t size, int mode)
{
	static const char *v4_specs[] = { "198.18.0.1", "198.18.0.250-198.18.1.3", "198.19.0.0/16" };
	static const char *v6_specs[] = { "2001:db8::1", "fe80::fffe-fe80::1:2", "2001:db8:ff00::/40" };
	static const struct ws_gen_port ports[] = { { WS_GEN_FIXED, 53, 53 },
						    { WS_GEN_RANGE, 65533, 65535 },
						    { WS_GEN_RANDOM, 1, 65535 } };
	const char **specs = v6 ? v6_specs : v4_specs;
	int family = v6 ? AF_INET6 : AF_INET;
	unsigned hdr = 14u + (vlan ? 4u : 0u) + (v6 ? 40u : 20u) + (proto == 1 || proto == 2 ? 20u : 8u);
	uint64_t stamps = 0;
	struct ws_gen_config c;
	struct ws_gen *g;
	char err[256];

	base_config(&c, family);
	c.proto = proto == 3 ? WS_GEN_ICMP : proto == 0 ? WS_GEN_UDP : WS_GEN_TCP;
	c.tcp_flags = proto == 2 ? WS_TCP_ACK : proto == 1 ? WS_TCP_SYN : 0;
	c.vlan = vlan;
	c.vlan_id = 100 + (uint16_t)mode;
	c.size = size;
	parse_addr_ok(specs[mode], &c.dst, family);
	parse_addr_ok(specs[(mode + 1) % 3], &c.src, family);
	c.src_port = ports[mode];
	c.dst_port = ports[(mode + 2) % 3];
	g = ws_gen_create(&c, err, sizeof(err));
	if (size != WS_GEN_SIZE_IMIX && size < hdr) {
		assert_null(g);
		assert_int_equal(errno, EINVAL);
		return 0;
	}
	if (!g)
		fail_msg("create: %s", err);
	assert_int_equal(ws_gen_hdr_len(g), hdr);
	for (unsigned round = 0; round < 2; round++) {
		uint64_t got = ws_gen_fill(g, f->p, NB, NOW), bytes = 0;

		for (unsigned i = 0; i < NB; i++) {
			check_frame_st(f->p[i], &c, hdr, round * NB + i, &stamps);
			bytes += f->p[i]->data_len;
			if (size != WS_GEN_SIZE_IMIX)
				assert_int_equal(f->p[i]->data_len, size);
		}
		assert_int_equal(got, bytes);
	}
	assert_int_equal(ws_gen_packets(g), 2 * NB);
	assert_int_equal(ws_gen_next_seq(g), stamps);
	assert_int_equal(stamps, expected_stamps(size, hdr, 2 * NB));
	ws_gen_free(g);
	return 1;
}

static void test_combinations(void **state)
{
	static const uint16_t sizes[] = { 60, 64, 66, 77, 78, 128, 1514, WS_GEN_SIZE_IMIX };
	unsigned made = 0, tried = 0;
	struct frames f;

	(void)state;
	frames_init(&f);
	for (int v6 = 0; v6 < 2; v6++)
		for (int proto = 0; proto < 4; proto++)
			for (int vlan = 0; vlan < 2; vlan++)
				for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
					for (int mode = 0; mode < 3; mode++, tried++)
						made += (unsigned)one_combination(&f, v6, proto, vlan, sizes[si], mode);
	/* the sizes below some headers are refused, the rest all made frames */
	assert_int_equal(tried, 2 * 4 * 2 * 8 * 3);
	assert_true(made < tried && made > 300);
	frames_free(&f);
}

/* ---- ranges, random, IMIX, VLAN ---- */

static uint32_t dst4(struct ws_pkt *p)
{
	const uint8_t *d = ws_pkt_data(p) + p->l3_off + 16;

	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static void test_range_v4_wraps(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	static const uint32_t want[] = { 0xc61200feu, 0xc61200ffu, 0xc6120100u, 0xc6120101u };

	(void)state;
	frames_init(&f);
	base_config(&c, AF_INET);
	parse_addr_ok("198.18.0.254-198.18.1.1", &c.dst, AF_INET);
	c.src_port = (struct ws_gen_port){ WS_GEN_RANGE, 65534, 65535 };
	c.dst_port = (struct ws_gen_port){ WS_GEN_RANGE, 0, 2 };
	g = create_ok(&c);
	ws_gen_fill(g, f.p, 10, NOW);
	for (unsigned i = 0; i < 10; i++) {
		const uint8_t *l4;

		assert_int_equal(ws_net_parse(f.p[i]), WS_NET_OK);
		l4 = ws_pkt_data(f.p[i]) + f.p[i]->l4_off;
		assert_int_equal(dst4(f.p[i]), want[i % 4]);
		assert_int_equal(rd16(l4), 65534 + i % 2);
		assert_int_equal(rd16(l4 + 2), i % 3);
	}
	/* the next burst carries on where this one stopped */
	ws_gen_fill(g, f.p, 1, NOW);
	assert_int_equal(ws_net_parse(f.p[0]), WS_NET_OK);
	assert_int_equal(dst4(f.p[0]), want[10 % 4]);
	ws_gen_free(g);
	frames_free(&f);
}

static void test_range_v6_carries(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	struct ws_gen_addr w[4];

	(void)state;
	frames_init(&f);
	base_config(&c, AF_INET6);
	/* across the 64-bit halves of the address */
	parse_addr_ok("2001:db8::ffff:ffff:ffff:fffe-2001:db8:0:1::1", &c.src, AF_INET6);
	parse_addr_ok("2001:db8::ffff:ffff:ffff:fffe", &w[0], AF_INET6);
	parse_addr_ok("2001:db8::ffff:ffff:ffff:ffff", &w[1], AF_INET6);
	parse_addr_ok("2001:db8:0:1::", &w[2], AF_INET6);
	parse_addr_ok("2001:db8:0:1::1", &w[3], AF_INET6);
	g = create_ok(&c);
	ws_gen_fill(g, f.p, 9, NOW);
	for (unsigned i = 0; i < 9; i++) {
		check_frame(f.p[i], &c, 62, i);
		assert_memory_equal(ws_pkt_data(f.p[i]) + f.p[i]->l3_off + 8, w[i % 4].lo, 16);
	}
	ws_gen_free(g);
	frames_free(&f);
}

static void test_random_in_prefix(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	unsigned upper = 0, odd = 0, distinct = 0, seen_port[4] = { 0 };
	static uint8_t hit[1u << 15];

	(void)state;
	frames_init(&f);
	memset(hit, 0, sizeof(hit));
	base_config(&c, AF_INET);
	parse_addr_ok("198.18.128.77/17", &c.dst, AF_INET); /* host bits ignored */
	c.src_port = (struct ws_gen_port){ WS_GEN_RANDOM, 1000, 1003 };
	g = create_ok(&c);
	for (unsigned r = 0; r < 16; r++) {
		ws_gen_fill(g, f.p, NB, NOW);
		for (unsigned i = 0; i < NB; i++) {
			uint32_t a;
			unsigned sp;

			check_frame(f.p[i], &c, 42, r * NB + i);
			a = dst4(f.p[i]);
			assert_int_equal(a >> 15, 0xc6128000u >> 15);
			sp = rd16(ws_pkt_data(f.p[i]) + f.p[i]->l4_off);
			assert_in_range(sp, 1000, 1003);
			seen_port[sp - 1000]++;
			upper += (a >> 14) & 1;
			odd += a & 1;
			distinct += !hit[a & 0x7fff];
			hit[a & 0x7fff] = 1;
		}
	}
	/* 1024 draws from 32768 addresses: ~1008 distinct expected */
	assert_true(distinct > 950);
	assert_true(upper > 400 && upper < 624);
	assert_true(odd > 400 && odd < 624);
	for (int i = 0; i < 4; i++)
		assert_true(seen_port[i] > 150);
	ws_gen_free(g);

	/* IPv6 under a /10: random bits in both 64-bit halves */
	base_config(&c, AF_INET6);
	parse_addr_ok("fe80::/10", &c.src, AF_INET6);
	g = create_ok(&c);
	ws_gen_fill(g, f.p, NB, NOW);
	unsigned high_varies = 0, low_varies = 0;

	for (unsigned i = 0; i < NB; i++) {
		const uint8_t *s = ws_pkt_data(f.p[i]) + f.p[i]->l3_off + 8;

		check_frame(f.p[i], &c, 62, i);
		assert_int_equal(s[0], 0xfe);
		assert_int_equal(s[1] & 0xc0, 0x80);
		high_varies += memcmp(s + 2, ws_pkt_data(f.p[0]) + f.p[0]->l3_off + 10, 6) != 0;
		low_varies += memcmp(s + 8, ws_pkt_data(f.p[0]) + f.p[0]->l3_off + 16, 8) != 0;
	}
	assert_true(high_varies > NB / 2 && low_varies > NB / 2);
	ws_gen_free(g);

	/* the same seed gives the same packets */
	base_config(&c, AF_INET);
	parse_addr_ok("198.18.0.0/15", &c.dst, AF_INET);
	uint32_t first[8];

	g = create_ok(&c);
	ws_gen_fill(g, f.p, 8, NOW);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(ws_net_parse(f.p[i]), WS_NET_OK);
		first[i] = dst4(f.p[i]);
	}
	ws_gen_free(g);
	g = create_ok(&c);
	ws_gen_fill(g, f.p, 8, NOW);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(ws_net_parse(f.p[i]), WS_NET_OK);
		assert_int_equal(dst4(f.p[i]), first[i]);
	}
	ws_gen_free(g);
	frames_free(&f);
}

static void test_imix_order(void **state)
{
	static const uint16_t want[WS_GEN_IMIX_LEN] = { 60, 566, 60, 60, 566, 60, 1514, 60, 566, 60, 60, 566 };
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	unsigned n60 = 0, n566 = 0, n1514 = 0;
	uint64_t stamps = 0;

	(void)state;
	frames_init(&f);
	for (unsigned i = 0; i < WS_GEN_IMIX_LEN; i++) {
		unsigned s = ws_gen_imix_size(i);

		assert_int_equal(s, want[i]);
		n60 += s == 60;
		n566 += s == 566;
		n1514 += s == 1514;
	}
	assert_int_equal(n60, 7);
	assert_int_equal(n566, 4);
	assert_int_equal(n1514, 1);

	base_config(&c, AF_INET);
	c.size = WS_GEN_SIZE_IMIX;
	g = create_ok(&c);
	assert_int_equal(ws_gen_max_size(g), 1514);
	assert_true(ws_gen_stamped(g));
	/* 5 then 31: the order runs on across bursts */
	ws_gen_fill(g, f.p, 5, NOW);
	ws_gen_fill(g, f.p + 5, 31, NOW);
	for (unsigned i = 0; i < 36; i++) {
		assert_int_equal(f.p[i]->data_len, want[i % WS_GEN_IMIX_LEN]);
		check_frame_st(f.p[i], &c, 42, i, &stamps);
	}
	/* the 60-byte frames take no stamp number: no gaps for the sink */
	assert_int_equal(stamps, 15);
	assert_int_equal(ws_gen_next_seq(g), 15);
	assert_int_equal(ws_gen_packets(g), 36);
	ws_gen_free(g);

	/* IPv6/TCP with a tag: 78 bytes of headers, the small size rises to them */
	base_config(&c, AF_INET6);
	c.size = WS_GEN_SIZE_IMIX;
	c.proto = WS_GEN_TCP;
	c.vlan = true;
	c.vlan_id = 4094;
	g = create_ok(&c);
	ws_gen_fill(g, f.p, WS_GEN_IMIX_LEN, NOW);
	stamps = 0;
	for (unsigned i = 0; i < WS_GEN_IMIX_LEN; i++) {
		assert_int_equal(f.p[i]->data_len, want[i] == 60 ? 78 : want[i]);
		check_frame_st(f.p[i], &c, 78, i, &stamps);
	}
	assert_int_equal(stamps, 5);
	ws_gen_free(g);
	frames_free(&f);
}

static void test_vlan(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	const uint8_t *d;

	(void)state;
	frames_init(&f);
	base_config(&c, AF_INET);
	c.vlan = true;
	c.vlan_id = 42;
	g = create_ok(&c);
	ws_gen_fill(g, f.p, 1, NOW);
	d = ws_pkt_data(f.p[0]);
	assert_int_equal(rd16(d + 12), WS_ETHERTYPE_VLAN);
	assert_int_equal(rd16(d + 14), 42); /* priority 0, DEI 0 */
	assert_int_equal(rd16(d + 16), WS_ETHERTYPE_IPV4);
	check_frame(f.p[0], &c, 46, 0);
	ws_gen_free(g);
	frames_free(&f);
}

static void test_stamp_room(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;

	(void)state;
	frames_init(&f);
	/* IPv4/UDP: 42 bytes of headers, a stamp from 66 bytes on */
	base_config(&c, AF_INET);
	c.size = 65;
	g = create_ok(&c);
	assert_false(ws_gen_stamped(g));
	ws_gen_fill(g, f.p, 1, NOW);
	check_frame(f.p[0], &c, 42, 0);
	assert_null(ws_gen_stamp_locate(f.p[0]));
	ws_gen_free(g);
	c.size = 66;
	g = create_ok(&c);
	assert_true(ws_gen_stamped(g));
	ws_gen_fill(g, f.p, 1, NOW);
	check_frame(f.p[0], &c, 42, 0);
	assert_non_null(ws_gen_stamp_locate(f.p[0]));
	ws_gen_free(g);
	frames_free(&f);
}

/* A UDP checksum that computes to 0 goes out as 0xffff (0 means none): the
 * source port counting through all 65536 values walks the sum through every
 * value, so one of them computes to 0. */
static void test_udp_zero_checksum(void **state)
{
	struct ws_gen_config c;
	struct ws_gen *g;
	struct frames f;
	unsigned ffff = 0;

	(void)state;
	frames_init(&f);
	for (int fam = 0; fam < 2; fam++) {
		base_config(&c, fam ? AF_INET6 : AF_INET);
		c.size = 64;
		c.src_port = (struct ws_gen_port){ WS_GEN_RANGE, 0, 65535 };
		g = create_ok(&c);
		for (unsigned r = 0; r < 65536 / NB; r++) {
			ws_gen_fill(g, f.p, NB, NOW);
			for (unsigned i = 0; i < NB; i++) {
				const uint8_t *l4;

				assert_int_equal(ws_net_parse(f.p[i]), WS_NET_OK);
				l4 = ws_pkt_data(f.p[i]) + f.p[i]->l4_off;
				assert_int_not_equal(rd16(l4 + 6), 0);
				ffff += rd16(l4 + 6) == 0xffff;
				if (i % 16 == 0)
					check_frame(f.p[i], &c, fam ? 62 : 42, r * NB + i);
			}
		}
		ws_gen_free(g);
	}
	assert_true(ffff >= 2);
	frames_free(&f);
}

/* ---- the address rule and bad configurations ---- */

static void expect_refused(const struct ws_gen_config *c, int e, const char *needle)
{
	char err[256] = "";

	errno = 0;
	assert_null(ws_gen_create(c, err, sizeof(err)));
	assert_int_equal(errno, e);
	if (!strstr(err, needle))
		fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_address_rule(void **state)
{
	struct ws_gen_config c;
	char err[256];

	(void)state;
	base_config(&c, AF_INET);
	parse_addr_ok("192.0.2.1", &c.dst, AF_INET);
	expect_refused(&c, EPERM, "192.0.2.1");
	expect_refused(&c, EPERM, "198.18.0.0/15");
	parse_addr_ok("198.19.255.254-198.20.0.1", &c.dst, AF_INET); /* leaves the block */
	expect_refused(&c, EPERM, "198.20.0.1");
	parse_addr_ok("198.18.0.0/14", &c.dst, AF_INET);
	expect_refused(&c, EPERM, "198.19.255.255");
	parse_addr_ok("127.0.0.1-198.18.0.1", &c.dst, AF_INET); /* both ends allowed, not the middle */
	expect_refused(&c, EPERM, "127.0.0.1");
	parse_addr_ok("127.0.0.0/8", &c.dst, AF_INET);
	ws_gen_free(create_ok(&c));
	parse_addr_ok("198.18.0.0/15", &c.dst, AF_INET);
	parse_addr_ok("10.0.0.1", &c.src, AF_INET); /* the source is held to it too */
	expect_refused(&c, EPERM, "10.0.0.1");

	base_config(&c, AF_INET6);
	parse_addr_ok("2001:db9::1", &c.dst, AF_INET6);
	expect_refused(&c, EPERM, "2001:db8::/32");
	parse_addr_ok("2001:db8::/31", &c.dst, AF_INET6);
	expect_refused(&c, EPERM, "not all allowed");
	parse_addr_ok("fe80::/10", &c.dst, AF_INET6);
	ws_gen_free(create_ok(&c));
	parse_addr_ok("ff02::1", &c.dst, AF_INET6);
	expect_refused(&c, EPERM, "ff02::1");

	struct ws_gen_addr a;

	parse_addr_ok("198.18.1.2", &a, AF_INET);
	assert_int_equal(ws_gen_addr_check(AF_INET, &a, err, sizeof(err)), 0);
	parse_addr_ok("198.17.255.255", &a, AF_INET);
	assert_int_equal(ws_gen_addr_check(AF_INET, &a, err, sizeof(err)), -EPERM);
}

static void test_bad_configs(void **state)
{
	struct ws_gen_config c;

	(void)state;
	base_config(&c, AF_INET);
	assert_int_equal(ws_gen_min_size(&c), 60);
	c.proto = WS_GEN_TCP;
	c.vlan = true;
	assert_int_equal(ws_gen_min_size(&c), 60);
	base_config(&c, AF_INET6);
	assert_int_equal(ws_gen_min_size(&c), 62);
	c.proto = WS_GEN_TCP;
	c.vlan = true;
	assert_int_equal(ws_gen_min_size(&c), 78);
	base_config(&c, AF_INET);
	c.size = 59;
	expect_refused(&c, EINVAL, "59");
	c.size = 1515;
	expect_refused(&c, EINVAL, "1515");
	base_config(&c, AF_INET6);
	c.size = 61; /* IPv6/UDP needs 62 */
	expect_refused(&c, EINVAL, "headers");
	base_config(&c, AF_INET);
	c.vlan = true;
	c.vlan_id = 4095;
	expect_refused(&c, EINVAL, "VLAN");
	base_config(&c, AF_INET);
	c.proto = WS_GEN_TCP;
	c.tcp_flags = WS_TCP_SYN | WS_TCP_ACK;
	expect_refused(&c, EINVAL, "SYN or ACK");
	base_config(&c, AF_INET);
	c.dst_port = (struct ws_gen_port){ WS_GEN_RANGE, 10, 9 };
	expect_refused(&c, EINVAL, "10-9");
	base_config(&c, AF_INET);
	c.family = AF_UNIX;
	expect_refused(&c, EINVAL, "IPv4 or IPv6");
}

/* ---- spec parsers ---- */

static void test_parsers(void **state)
{
	struct ws_gen_addr a;
	struct ws_gen_port p;
	char err[256];
	int f;
	static const char *bad_addr[] = { "", "198.18.0", "198.18.0.1-", "-198.18.0.1", "198.18.0.2-198.18.0.1",
					  "198.18.0.1-2001:db8::1", "198.18.0.0/33", "198.18.0.0/", "198.18.0.0/x",
					  "2001:db8::/129", "198.18.0.1-198.18.0.9/24", "nonsense" };
	static const char *bad_port[] = { "", "65536", "-1", "1-", "5-4", "rand:", "rand:9", "rand:5-4", "x", "1 " };

	(void)state;
	parse_addr_ok("198.18.0.1", &a, AF_INET);
	assert_int_equal(a.mode, WS_GEN_FIXED);
	parse_addr_ok("198.18.0.1-198.18.0.9", &a, AF_INET);
	assert_int_equal(a.mode, WS_GEN_RANGE);
	assert_int_equal(a.hi[3], 9);
	parse_addr_ok("198.18.3.4/22", &a, AF_INET);
	assert_int_equal(a.mode, WS_GEN_RANDOM);
	assert_int_equal(a.prefix_len, 22);
	assert_int_equal(a.lo[2], 0);
	assert_int_equal(a.lo[3], 0);
	parse_addr_ok("2001:db8::5-2001:db8::6", &a, AF_INET6);
	assert_int_equal(a.mode, WS_GEN_RANGE);
	for (unsigned i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		err[0] = 0;
		if (ws_gen_parse_addr(bad_addr[i], &a, &f, err, sizeof(err)) != -EINVAL)
			fail_msg("address spec '%s' accepted", bad_addr[i]);
		assert_true(err[0] != 0);
	}

	assert_int_equal(ws_gen_parse_port("80", &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, WS_GEN_FIXED);
	assert_int_equal(p.lo, 80);
	assert_int_equal(ws_gen_parse_port("1-65535", &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, WS_GEN_RANGE);
	assert_int_equal(p.hi, 65535);
	assert_int_equal(ws_gen_parse_port("rand", &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, WS_GEN_RANDOM);
	assert_int_equal(p.lo, 1);
	assert_int_equal(ws_gen_parse_port("rand:100-200", &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, WS_GEN_RANDOM);
	assert_int_equal(p.lo, 100);
	assert_int_equal(p.hi, 200);
	for (unsigned i = 0; i < sizeof(bad_port) / sizeof(bad_port[0]); i++)
		if (ws_gen_parse_port(bad_port[i], &p, err, sizeof(err)) != -EINVAL)
			fail_msg("port spec '%s' accepted", bad_port[i]);
}

/* ---- the stamp ---- */

static void test_stamp_round_trip(void **state)
{
	uint8_t buf[WS_GEN_STAMP_LEN + 1];
	uint32_t stream = 0;
	uint64_t seq = 0, ts = 0;

	(void)state;
	ws_gen_stamp_write(buf + 1, 0xdeadbeefu, 0x0102030405060708ull, 0xfffffffffffffffeull); /* unaligned */
	assert_true(ws_gen_stamp_read(buf + 1, &stream, &seq, &ts));
	assert_int_equal(stream, 0xdeadbeefu);
	assert_int_equal(seq, 0x0102030405060708ull);
	assert_int_equal(ts, 0xfffffffffffffffeull);
	/* network order on the wire: "wsg1", then the stream's high byte first */
	assert_memory_equal(buf + 1, "wsg1\xde\xad\xbe\xef\x01\x02", 10);
	buf[1] ^= 1;
	stream = 1;
	assert_false(ws_gen_stamp_read(buf + 1, &stream, &seq, &ts));
	assert_int_equal(stream, 1);
}

/* ---- the sink's sequence accounting ---- */

static struct ws_gen_seq *seq_run(const uint64_t *v, unsigned n)
{
	static struct ws_gen_seq s;

	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < n; i++)
		ws_gen_seq_account(&s, v[i]);
	return &s;
}

static void test_seq_accounting(void **state)
{
	struct ws_gen_seq *s;

	(void)state;
	{ /* in order */
		uint64_t v[] = { 0, 1, 2, 3, 4 };

		s = seq_run(v, 5);
		assert_int_equal(s->packets, 5);
		assert_int_equal(s->lost + s->duplicates + s->reordered, 0);
		assert_int_equal(s->highest, 4);
	}
	{ /* a gap of 2 */
		uint64_t v[] = { 0, 1, 2, 5, 6 };

		s = seq_run(v, 5);
		assert_int_equal(s->lost, 2);
		assert_int_equal(s->reordered, 0);
	}
	{ /* 3 late fills one of the gap, 4 the other; then 3 again is a duplicate */
		uint64_t v[] = { 0, 1, 2, 5, 3, 6, 4, 3 };

		s = seq_run(v, 8);
		assert_int_equal(s->lost, 0);
		assert_int_equal(s->reordered, 2);
		assert_int_equal(s->duplicates, 1);
		assert_int_equal(s->packets, 8);
	}
	{ /* duplicates of the highest and of an older one, none reordered */
		uint64_t v[] = { 10, 11, 11, 12, 10 };

		s = seq_run(v, 5);
		assert_int_equal(s->duplicates, 2);
		assert_int_equal(s->reordered, 0);
		assert_int_equal(s->lost, 0);
		assert_int_equal(s->first, 10);
	}
	{ /* below the first: not lost, reordered when it comes */
		uint64_t v[] = { 100, 101, 99 };

		s = seq_run(v, 3);
		assert_int_equal(s->lost, 0);
		assert_int_equal(s->reordered, 1);
	}
	{ /* a big jump, then one older than the window */
		uint64_t v[] = { 0, 1 + WS_GEN_SEQ_WINDOW * 3ull, 5 };

		s = seq_run(v, 3);
		assert_int_equal(s->lost, WS_GEN_SEQ_WINDOW * 3ull);
		assert_int_equal(s->reordered, 1);
		assert_int_equal(s->too_old, 1);
		assert_int_equal(s->duplicates, 0);
	}
	{ /* the window slides: a number seen long ago, then its slot's new
	   * owner arrives late and is not a duplicate */
		static uint64_t v[WS_GEN_SEQ_WINDOW + 3];
		unsigned n = 0;

		for (uint64_t q = 0; q <= WS_GEN_SEQ_WINDOW + 1; q++)
			if (q != WS_GEN_SEQ_WINDOW)
				v[n++] = q;
		v[n++] = WS_GEN_SEQ_WINDOW; /* same slot as 0 */
		s = seq_run(v, n);
		assert_int_equal(s->duplicates, 0);
		assert_int_equal(s->reordered, 1);
		assert_int_equal(s->lost, 0);
	}
}

/* ---- the histogram ---- */

static void test_histogram(void **state)
{
	static struct ws_gen_hist h;

	(void)state;
	/* buckets are contiguous and each value lies in its own */
	for (uint64_t v = 0; v < 5000; v++) {
		unsigned i = ws_gen_hist_index(v);

		assert_true(v <= ws_gen_hist_bucket_max(i));
		if (i)
			assert_true(v > ws_gen_hist_bucket_max(i - 1));
	}
	for (unsigned k = 3; k < 64; k++) {
		uint64_t v = 1ull << k;

		assert_int_equal(ws_gen_hist_index(v), ws_gen_hist_index(v - 1) + 1);
		/* 1/8 of the octave: the relative width */
		assert_int_equal(ws_gen_hist_bucket_max(ws_gen_hist_index(v)), v + (v >> 3) - 1);
	}
	assert_int_equal(ws_gen_hist_index(UINT64_MAX), WS_GEN_HIST_BUCKETS - 1);
	assert_int_equal(ws_gen_hist_bucket_max(WS_GEN_HIST_BUCKETS - 1), UINT64_MAX);
	for (uint64_t v = 0; v < 8; v++)
		assert_int_equal(ws_gen_hist_bucket_max(ws_gen_hist_index(v)), v); /* exact */

	memset(&h, 0, sizeof(h));
	assert_int_equal(ws_gen_hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		ws_gen_hist_add(&h, v);
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.max, 1000);
	/* p50 = 500 lies in 480..511, p90 = 900 in 896..959, p99 = 990 in 960..1023 (capped at the max) */
	assert_int_equal(ws_gen_hist_quantile(&h, 0.50), 511);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.90), 959);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.99), 1000);
	assert_int_equal(ws_gen_hist_quantile(&h, 1.0), 1000);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.001), 1);

	/* a skewed set: 99 fast, one slow */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 99; i++)
		ws_gen_hist_add(&h, 5);
	ws_gen_hist_add(&h, 1000000);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.50), 5);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.99), 5);
	assert_int_equal(ws_gen_hist_quantile(&h, 0.999), 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_range_v4_wraps),
		cmocka_unit_test(test_range_v6_carries),
		cmocka_unit_test(test_random_in_prefix),
		cmocka_unit_test(test_imix_order),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_udp_zero_checksum),
		cmocka_unit_test(test_stamp_room),
		cmocka_unit_test(test_address_rule),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_stamp_round_trip),
		cmocka_unit_test(test_seq_accounting),
		cmocka_unit_test(test_histogram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
