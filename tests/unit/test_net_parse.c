/* SPDX-License-Identifier: BSD-3-Clause */
/* net/parse.h on frames built here byte by byte: the good shapes (UDP, TCP,
 * ICMP over IPv4 and IPv6, tagged and not, IPv4 options, IPv6 extension
 * headers, fragments, ARP, unknown ethertypes, Ethernet padding), one test per
 * drop reason, every truncation of a few good frames, random mutations, and
 * the burst form. Each frame is copied into an allocation that ends exactly
 * at the last packet byte, so under ASan any read past data_len faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/pkt.h"
#include "net/checksum.h"
#include "net/net.h"
#include "net/parse.h"

#include "test_rng.h"

/* ---- frame building ---- */

struct frame {
	uint8_t b[2048];
	unsigned len;
};

static unsigned put(struct frame *f, const void *src, unsigned n)
{
	unsigned off = f->len;

	assert_true(off + n <= sizeof(f->b));
	if (src)
		memcpy(f->b + off, src, n);
	else
		for (unsigned i = 0; i < n; i++)
			f->b[off + i] = (uint8_t)(0x30 + i); /* payload pattern */
	f->len += n;
	return off;
}

static void put16(struct frame *f, unsigned off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static unsigned put_eth(struct frame *f, uint16_t ethertype)
{
	struct ws_eth_hdr e = {
		.dst = {0x02, 0, 0, 0, 0, 0x01},
		.src = {0x02, 0, 0, 0, 0, 0x02},
		.ethertype = ws_hton16(ethertype),
	};

	f->len = 0;
	return put(f, &e, sizeof(e));
}

static unsigned put_vlan(struct frame *f, uint16_t tci, uint16_t ethertype)
{
	struct ws_vlan_hdr v = {.tci = ws_hton16(tci), .ethertype = ws_hton16(ethertype)};

	return put(f, &v, sizeof(v));
}

/* L2 for an L3 of ethertype et; tagged with VID 100, PCP 5 when vlan. */
#define TEST_TCI ((5u << WS_VLAN_PCP_SHIFT) | 100u)
static unsigned put_l2(struct frame *f, int vlan, uint16_t et)
{
	if (!vlan)
		return put_eth(f, et) + WS_ETH_HDR_LEN;
	put_eth(f, WS_ETHERTYPE_VLAN);
	return put_vlan(f, TEST_TCI, et) + WS_VLAN_HDR_LEN;
}

static unsigned put_ipv4(struct frame *f, uint8_t proto, unsigned optlen)
{
	struct ws_ipv4_hdr ip = {
		.version_ihl = (uint8_t)(0x40 | (5 + optlen / 4)),
		.id = ws_hton16(0x1234),
		.ttl = 64,
		.proto = proto,
		.src = ws_hton32(0xc0000201),
		.dst = ws_hton32(0xc6336402),
	};
	unsigned off = put(f, &ip, sizeof(ip));

	for (unsigned i = 0; i < optlen; i++)
		put(f, (const uint8_t[]){1}, 1); /* NOP options */
	return off;
}

/* After the payload is in: total length and checksum. */
static void fix_ipv4(struct frame *f, unsigned off)
{
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f->b + off);

	ip->total_len = ws_hton16((uint16_t)(f->len - off));
	ip->csum = ws_ipv4_hdr_csum(ip);
}

static void set_ipv4_frag(struct frame *f, unsigned off, unsigned offset8, int mf)
{
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f->b + off);

	ip->frag_off = ws_hton16((uint16_t)(offset8 | (mf ? WS_IPV4_FLAG_MF : 0)));
	ip->csum = ws_ipv4_hdr_csum(ip);
}

static unsigned put_ipv6(struct frame *f, uint8_t nh)
{
	struct ws_ipv6_hdr ip6 = {
		.ver_tc_flow = ws_hton32(0x60000000u | 0x12345),
		.next_hdr = nh,
		.hop_limit = 64,
		.src = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
		.dst = {0x20, 0x01, 0x0d, 0xb8, [15] = 2},
	};

	return put(f, &ip6, sizeof(ip6));
}

static void fix_ipv6(struct frame *f, unsigned off)
{
	put16(f, off + 4, (uint16_t)(f->len - off - WS_IPV6_HDR_LEN));
}

/* One extension header of type `type` naming nh next; generic ones are
 * 8*(units+1) bytes, AH 4*(units+2). */
static unsigned put_ext6(struct frame *f, uint8_t type, uint8_t nh, uint8_t units)
{
	unsigned len = type == WS_IPPROTO_FRAGMENT ? 8u : type == WS_IPPROTO_AH ? (units + 2u) * 4u : (units + 1u) * 8u;
	unsigned off = put(f, NULL, len);

	f->b[off] = nh;
	f->b[off + 1] = type == WS_IPPROTO_FRAGMENT ? 0 : units;
	if (type == WS_IPPROTO_FRAGMENT) {
		put16(f, off + 2, 0); /* atomic fragment unless set_frag6 */
	} else if (type != WS_IPPROTO_AH) {
		/* PadN option over the rest */
		f->b[off + 2] = 1;
		f->b[off + 3] = (uint8_t)(len - 4);
		memset(f->b + off + 4, 0, len - 4);
	}
	return off;
}

static void set_frag6(struct frame *f, unsigned off, unsigned offset8, int m)
{
	put16(f, off + 2, (uint16_t)(offset8 << 3 | (m ? WS_IPV6_FRAG_M : 0)));
}

/* A plausible L4 header of proto with some payload; returns its offset. */
static unsigned put_l4(struct frame *f, uint8_t proto)
{
	unsigned off;

	switch (proto) {
	case WS_IPPROTO_UDP:
		off = put(f, NULL, WS_UDP_HDR_LEN + 10);
		put16(f, off, 5353);
		put16(f, off + 2, 53);
		put16(f, off + 4, WS_UDP_HDR_LEN + 10);
		put16(f, off + 6, 0);
		return off;
	case WS_IPPROTO_TCP:
		off = put(f, NULL, WS_TCP_HDR_LEN + 4 + 10);
		f->b[off + 12] = 6 << 4; /* data offset 6: 4 bytes of options */
		f->b[off + 13] = WS_TCP_ACK;
		memset(f->b + off + 20, 1, 4);
		return off;
	case WS_IPPROTO_ICMP:
		off = put(f, NULL, WS_ICMP_HDR_LEN + 16);
		f->b[off] = WS_ICMP_ECHO_REQUEST;
		f->b[off + 1] = 0;
		return off;
	case WS_IPPROTO_ICMPV6:
		off = put(f, NULL, WS_ICMP6_HDR_LEN + 4 + 16);
		f->b[off] = WS_ICMP6_ECHO_REQUEST;
		f->b[off + 1] = 0;
		return off;
	default:
		return put(f, NULL, 12);
	}
}

/* Ethernet [+ tag] + IPv4 [+ options] + L4 of proto. */
static void build_v4(struct frame *f, int vlan, uint8_t proto, unsigned optlen, unsigned *l3, unsigned *l4)
{
	*l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV4);
	put_ipv4(f, proto, optlen);
	*l4 = put_l4(f, proto);
	fix_ipv4(f, *l3);
}

/* Ethernet [+ tag] + IPv6 + the extension headers exts[0..n) (8 or 16 bytes
 * each, fragment headers atomic) + L4 of proto. */
static void build_v6(struct frame *f, int vlan, const uint8_t *exts, unsigned n, uint8_t proto, unsigned *l3,
		     unsigned *l4)
{
	*l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV6);
	put_ipv6(f, n ? exts[0] : proto);
	for (unsigned i = 0; i < n; i++)
		put_ext6(f, exts[i], i + 1 < n ? exts[i + 1] : proto, (uint8_t)(i & 1));
	*l4 = put_l4(f, proto);
	fix_ipv6(f, *l3);
}

static void build_arp(struct frame *f, int vlan, unsigned *l3)
{
	struct ws_arp_hdr a = {
		.htype = ws_hton16(WS_ARP_HTYPE_ETHER),
		.ptype = ws_hton16(WS_ETHERTYPE_IPV4),
		.hlen = 6,
		.plen = 4,
		.oper = ws_hton16(WS_ARP_OP_REQUEST),
		.sha = {0x02, 0, 0, 0, 0, 0x02},
		.spa = ws_hton32(0xc0000201),
		.tpa = ws_hton32(0xc0000202),
	};

	*l3 = put_l2(f, vlan, WS_ETHERTYPE_ARP);
	put(f, &a, sizeof(a));
}

/* ---- running the parser ---- */

static unsigned seen_reasons[WS_NET_DROP_COUNT];

/* Parse bytes[0..len) in a pool-like frame (metadata first, data at
 * WS_PKT_HEADROOM, allocation ending at the last byte); *meta gets the
 * metadata after the parse. */
static unsigned parse_bytes(const uint8_t *bytes, unsigned len, uint8_t flags_before, struct ws_pkt *meta)
{
	void *mem = NULL;
	struct ws_pkt *p;
	unsigned rc;

	if (posix_memalign(&mem, WS_CACHE_LINE, WS_PKT_HEADROOM + len))
		abort();
	p = mem;
	memset(p, 0xa5, sizeof(*p)); /* parse must write what it promises */
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, 3, 0);
	p->flags = flags_before;
	if (len)
		memcpy(ws_pkt_data(p), bytes, len);
	rc = ws_net_parse(p);
	assert_true(rc < WS_NET_DROP_COUNT);
	assert_int_equal(p->drop_reason, rc);
	seen_reasons[rc]++;
	*meta = *p;
	free(mem);
	return rc;
}

static unsigned parse_frame(const struct frame *f, struct ws_pkt *meta)
{
	return parse_bytes(f->b, f->len, 0, meta);
}

/* Parses f and checks the outcome and every field parse writes. */
static void expect_ok(const struct frame *f, uint16_t et, int vlan, unsigned l3, unsigned l4, unsigned proto)
{
	struct ws_pkt m;
	unsigned rc = parse_frame(f, &m);

	if (rc != WS_NET_OK)
		fail_msg("expected ok, got %s", ws_net_drop_name(rc));
	assert_int_equal(m.ethertype, et);
	assert_int_equal(m.l3_off, l3);
	assert_int_equal(m.l4_off, l4);
	assert_int_equal(m.l4_proto, proto);
	assert_int_equal(m.flags & WS_PKT_F_VLAN, vlan ? WS_PKT_F_VLAN : 0);
	assert_int_equal(m.vlan_tci, vlan ? TEST_TCI : 0);
	assert_int_equal(m.in_port, 3); /* not parse's */
}

static void expect_drop_len(const struct frame *f, unsigned len, unsigned reason)
{
	struct ws_pkt m;
	unsigned rc = parse_bytes(f->b, len, 0, &m);

	if (rc != reason)
		fail_msg("expected %s, got %s (len %u)", ws_net_drop_name(reason), ws_net_drop_name(rc), len);
	assert_int_equal(m.drop_reason, reason);
}

static void expect_drop(const struct frame *f, unsigned reason)
{
	expect_drop_len(f, f->len, reason);
}

/* ---- good frames ---- */

static void check_v4(uint8_t proto, unsigned optlen)
{
	for (int vlan = 0; vlan <= 1; vlan++) {
		struct frame f;
		unsigned l3, l4;

		build_v4(&f, vlan, proto, optlen, &l3, &l4);
		assert_int_equal(l3, vlan ? 18 : 14);
		assert_int_equal(l4, l3 + 20 + optlen);
		expect_ok(&f, WS_ETHERTYPE_IPV4, vlan, l3, l4, proto);
	}
}

static void check_v6(const uint8_t *exts, unsigned n, uint8_t proto)
{
	for (int vlan = 0; vlan <= 1; vlan++) {
		struct frame f;
		unsigned l3, l4;

		build_v6(&f, vlan, exts, n, proto, &l3, &l4);
		expect_ok(&f, WS_ETHERTYPE_IPV6, vlan, l3, l4, proto);
	}
}

static void test_ipv4_udp_tcp_icmp(void **state)
{
	(void)state;
	check_v4(WS_IPPROTO_UDP, 0);
	check_v4(WS_IPPROTO_TCP, 0);
	check_v4(WS_IPPROTO_ICMP, 0);
	check_v4(47, 0); /* GRE: l4_off given, nothing checked */
}

static void test_ipv4_options(void **state)
{
	(void)state;
	check_v4(WS_IPPROTO_UDP, 4);
	check_v4(WS_IPPROTO_TCP, 12);
	check_v4(WS_IPPROTO_ICMP, 40); /* IHL 15 */
}

static void test_ipv6_udp_tcp_icmp6(void **state)
{
	(void)state;
	check_v6(NULL, 0, WS_IPPROTO_UDP);
	check_v6(NULL, 0, WS_IPPROTO_TCP);
	check_v6(NULL, 0, WS_IPPROTO_ICMPV6);
}

static void test_ipv6_ext_headers(void **state)
{
	(void)state;
	static const uint8_t hbh_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	static const uint8_t many[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_ROUTING, WS_IPPROTO_AH,
				       WS_IPPROTO_FRAGMENT, WS_IPPROTO_DSTOPTS};
	static const uint8_t eight[WS_NET_MAX_EXT_HDRS] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS,
							   WS_IPPROTO_DSTOPTS, WS_IPPROTO_ROUTING, WS_IPPROTO_DSTOPTS,
							   WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS};

	check_v6(hbh_frag, 2, WS_IPPROTO_UDP);
	check_v6(hbh_frag, 2, WS_IPPROTO_TCP);
	check_v6(many, 6, WS_IPPROTO_ICMPV6);
	check_v6(eight, WS_NET_MAX_EXT_HDRS, WS_IPPROTO_UDP); /* exactly the limit */
}

/* ESP ends the walk with l4_off at the ESP header; "no next header" has none. */
static void test_ipv6_esp_and_no_next(void **state)
{
	(void)state;
	static const uint8_t dst[] = {WS_IPPROTO_DSTOPTS};
	struct frame f;
	unsigned l3, l4;

	build_v6(&f, 0, dst, 1, WS_IPPROTO_ESP, &l3, &l4);
	expect_ok(&f, WS_ETHERTYPE_IPV6, 0, l3, l3 + 40 + 8, WS_IPPROTO_ESP);
	build_v6(&f, 1, dst, 1, WS_IPPROTO_NONE, &l3, &l4);
	expect_ok(&f, WS_ETHERTYPE_IPV6, 1, l3, 0, WS_IPPROTO_NONE);
	build_v6(&f, 0, NULL, 0, WS_IPPROTO_NONE, &l3, &l4);
	expect_ok(&f, WS_ETHERTYPE_IPV6, 0, l3, 0, WS_IPPROTO_NONE);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	/* first fragment: L4 header there and checked; UDP length covers the
	 * whole datagram, so it may exceed this fragment */
	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	put16(&f, l4 + 4, 1400);
	set_ipv4_frag(&f, l3, 0, 1);
	expect_ok(&f, WS_ETHERTYPE_IPV4, 0, l3, l4, WS_IPPROTO_UDP);
	/* unfragmented, the same UDP length is malformed */
	set_ipv4_frag(&f, l3, 0, 0);
	expect_drop(&f, WS_NET_DROP_UDP_LEN);
	/* a first fragment too short for its L4 header (RFC 1858) */
	put_l2(&f, 0, WS_ETHERTYPE_IPV4);
	put_ipv4(&f, WS_IPPROTO_TCP, 0);
	put(&f, NULL, 8);
	fix_ipv4(&f, l3);
	set_ipv4_frag(&f, l3, 0, 1);
	expect_drop(&f, WS_NET_DROP_L4_TRUNCATED);
	/* non-first fragments: no L4 header, l4_off 0, whatever the bytes */
	for (unsigned payload = 0; payload <= 24; payload += 3) {
		put_l2(&f, 1, WS_ETHERTYPE_IPV4);
		put_ipv4(&f, WS_IPPROTO_TCP, 0);
		put(&f, NULL, payload);
		fix_ipv4(&f, 18);
		set_ipv4_frag(&f, 18, 185, payload & 1);
		expect_ok(&f, WS_ETHERTYPE_IPV4, 1, 18, 0, WS_IPPROTO_TCP);
	}
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	static const uint8_t hbh_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	struct frame f;
	unsigned l3, l4, fh;

	/* first fragment with M set: L4 checked, UDP length not */
	build_v6(&f, 0, hbh_frag, 2, WS_IPPROTO_UDP, &l3, &l4);
	fh = l3 + 40 + 8;
	assert_int_equal(f.b[fh], WS_IPPROTO_UDP);
	put16(&f, l4 + 4, 3000);
	set_frag6(&f, fh, 0, 1);
	expect_ok(&f, WS_ETHERTYPE_IPV6, 0, l3, l4, WS_IPPROTO_UDP);
	set_frag6(&f, fh, 0, 0); /* atomic fragment: a whole datagram */
	expect_drop(&f, WS_NET_DROP_UDP_LEN);
	/* non-first: l4_off 0, l4_proto from the fragment header, even with
	 * bytes that would be a truncated header */
	set_frag6(&f, fh, 100, 0);
	f.len = fh + 8 + 3;
	fix_ipv6(&f, l3);
	expect_ok(&f, WS_ETHERTYPE_IPV6, 0, l3, 0, WS_IPPROTO_UDP);
}

static void test_arp(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3;

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_arp(&f, vlan, &l3);
		expect_ok(&f, WS_ETHERTYPE_ARP, vlan, l3, 0, 0);
	}
}

static void test_unknown_ethertype(void **state)
{
	(void)state;
	struct frame f;

	put_eth(&f, 0x88cc); /* LLDP */
	put(&f, NULL, 40);
	expect_ok(&f, 0x88cc, 0, 14, 0, 0);
	put_eth(&f, 0x0026); /* 802.3 length: an LLC frame (STP) */
	put(&f, NULL, 38);
	expect_ok(&f, 0x0026, 0, 14, 0, 0);
	put_l2(&f, 1, 0x8847); /* MPLS, tagged */
	put(&f, NULL, 4);
	expect_ok(&f, 0x8847, 1, 18, 0, 0);
	put_l2(&f, 1, 0x8847); /* just the tag: nothing after L2 */
	expect_ok(&f, 0x8847, 1, 18, 0, 0);
}

/* Bytes after the L3 datagram are Ethernet padding (to 60 bytes or more). */
static void test_ethernet_padding(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	put_l2(&f, 0, WS_ETHERTYPE_IPV4);
	put_ipv4(&f, WS_IPPROTO_UDP, 0);
	l4 = put(&f, NULL, 8);
	put16(&f, l4 + 4, 8);
	fix_ipv4(&f, 14);
	assert_int_equal(f.len, 42);
	memset(f.b + f.len, 0xee, 18);
	f.len = 60;
	expect_ok(&f, WS_ETHERTYPE_IPV4, 0, 14, l4, WS_IPPROTO_UDP);
	f.len = 200; /* and more than the minimum */
	expect_ok(&f, WS_ETHERTYPE_IPV4, 0, 14, l4, WS_IPPROTO_UDP);

	build_v6(&f, 1, NULL, 0, WS_IPPROTO_ICMPV6, &l3, &l4);
	memset(f.b + f.len, 0xee, 30);
	f.len += 30;
	expect_ok(&f, WS_ETHERTYPE_IPV6, 1, l3, l4, WS_IPPROTO_ICMPV6);

	build_arp(&f, 0, &l3);
	memset(f.b + f.len, 0, 18);
	f.len += 18;
	expect_ok(&f, WS_ETHERTYPE_ARP, 0, l3, 0, 0);
}

/* Parse keeps the flags it does not own and clears a stale VLAN bit. */
static void test_flags_preserved(void **state)
{
	(void)state;
	struct frame f;
	struct ws_pkt m;
	unsigned l3, l4;

	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	assert_int_equal(parse_bytes(f.b, f.len, WS_PKT_F_LOCAL | WS_PKT_F_VLAN, &m), WS_NET_OK);
	assert_int_equal(m.flags, WS_PKT_F_LOCAL);
	build_v4(&f, 1, WS_IPPROTO_UDP, 0, &l3, &l4);
	assert_int_equal(parse_bytes(f.b, f.len, WS_PKT_F_LOCAL, &m), WS_NET_OK);
	assert_int_equal(m.flags, WS_PKT_F_LOCAL | WS_PKT_F_VLAN);
	assert_int_equal(m.vlan_tci & WS_VLAN_VID_MASK, 100);
}

/* ---- one test per drop reason ---- */

static void test_drop_truncated_eth(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	for (unsigned len = 0; len < WS_ETH_HDR_LEN; len++)
		expect_drop_len(&f, len, WS_NET_DROP_TRUNCATED_ETH);
}

static void test_drop_vlan_truncated(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	build_v4(&f, 1, WS_IPPROTO_UDP, 0, &l3, &l4);
	for (unsigned len = WS_ETH_HDR_LEN; len < WS_ETH_HDR_LEN + WS_VLAN_HDR_LEN; len++)
		expect_drop_len(&f, len, WS_NET_DROP_VLAN_TRUNCATED);
}

static void test_drop_vlan_stacked(void **state)
{
	(void)state;
	struct frame f;
	unsigned ip;

	/* 802.1Q in 802.1Q */
	put_eth(&f, WS_ETHERTYPE_VLAN);
	put_vlan(&f, 10, WS_ETHERTYPE_VLAN);
	put_vlan(&f, 20, WS_ETHERTYPE_IPV4);
	ip = put_ipv4(&f, WS_IPPROTO_UDP, 0);
	put_l4(&f, WS_IPPROTO_UDP);
	fix_ipv4(&f, ip);
	expect_drop(&f, WS_NET_DROP_VLAN_STACKED);
	/* an S-tag inside a C-tag */
	put16(&f, 16, WS_ETHERTYPE_QINQ);
	expect_drop(&f, WS_NET_DROP_VLAN_STACKED);
	/* 802.1ad outer S-tag (QinQ) */
	put16(&f, 12, WS_ETHERTYPE_QINQ);
	put16(&f, 16, WS_ETHERTYPE_VLAN);
	expect_drop(&f, WS_NET_DROP_VLAN_STACKED);
	f.len = WS_ETH_HDR_LEN; /* decided from the ethertype alone */
	expect_drop(&f, WS_NET_DROP_VLAN_STACKED);
}

static void test_drop_arp_truncated(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3;

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_arp(&f, vlan, &l3);
		for (unsigned len = l3; len < l3 + WS_ARP_HDR_LEN; len++)
			expect_drop_len(&f, len, WS_NET_DROP_ARP_TRUNCATED);
	}
}

static void test_drop_arp_format(void **state)
{
	(void)state;
	/* htype, ptype, hlen, plen each wrong in turn */
	static const struct {
		unsigned off;
		uint8_t val;
	} bad[] = {{1, 6}, {2, 0x86}, {4, 8}, {5, 16}};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame f;
		unsigned l3;

		build_arp(&f, (int)(i & 1), &l3);
		f.b[l3 + bad[i].off] = bad[i].val;
		expect_drop(&f, WS_NET_DROP_ARP_FORMAT);
	}
}

static void test_drop_ip4_truncated(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_v4(&f, vlan, WS_IPPROTO_UDP, 0, &l3, &l4);
		for (unsigned len = l3; len < l3 + WS_IPV4_HDR_LEN; len++)
			expect_drop_len(&f, len, WS_NET_DROP_IP4_TRUNCATED);
	}
}

static void test_drop_ip4_version(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (unsigned v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
		f.b[l3] = (uint8_t)(v << 4 | 5);
		fix_ipv4(&f, l3);
		expect_drop(&f, WS_NET_DROP_IP4_VERSION);
	}
}

static void test_drop_ip4_ihl(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (unsigned ihl = 0; ihl < 5; ihl++) {
		build_v4(&f, 1, WS_IPPROTO_UDP, 0, &l3, &l4);
		f.b[l3] = (uint8_t)(0x40 | ihl);
		expect_drop(&f, WS_NET_DROP_IP4_IHL);
	}
}

static void test_drop_ip4_total_len(void **state)
{
	(void)state;
	struct frame f;
	struct ws_ipv4_hdr *ip;
	unsigned l3, l4;

	/* shorter than the header, options included */
	build_v4(&f, 0, WS_IPPROTO_UDP, 8, &l3, &l4);
	ip = (struct ws_ipv4_hdr *)(f.b + l3);
	for (unsigned total = 0; total < 28; total++) {
		ip->total_len = ws_hton16((uint16_t)total);
		ip->csum = ws_ipv4_hdr_csum(ip);
		expect_drop(&f, WS_NET_DROP_IP4_TOTAL_LEN);
	}
	/* longer than the frame */
	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	ip = (struct ws_ipv4_hdr *)(f.b + l3);
	ip->total_len = ws_hton16((uint16_t)(f.len - l3 + 1));
	ip->csum = ws_ipv4_hdr_csum(ip);
	expect_drop(&f, WS_NET_DROP_IP4_TOTAL_LEN);
	ip->total_len = 0xffff;
	ip->csum = ws_ipv4_hdr_csum(ip);
	expect_drop(&f, WS_NET_DROP_IP4_TOTAL_LEN);
	/* IHL 15 in a 20-byte header: caught before the checksum reads 60 */
	build_v4(&f, 0, WS_IPPROTO_NONE, 0, &l3, &l4);
	f.len = l3 + 20;
	fix_ipv4(&f, l3);
	f.b[l3] = 0x4f;
	expect_drop(&f, WS_NET_DROP_IP4_TOTAL_LEN);
}

static void test_drop_ip4_checksum(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	f.b[l3 + 10] ^= 0x01;
	expect_drop(&f, WS_NET_DROP_IP4_CHECKSUM);
	/* the options are covered */
	build_v4(&f, 1, WS_IPPROTO_TCP, 8, &l3, &l4);
	f.b[l3 + 20 + 5] ^= 0x80;
	expect_drop(&f, WS_NET_DROP_IP4_CHECKSUM);
	/* TTL is not the parser's business, but it is covered by the checksum */
	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	f.b[l3 + 8] = 0;
	expect_drop(&f, WS_NET_DROP_IP4_CHECKSUM);
	fix_ipv4(&f, l3);
	expect_ok(&f, WS_ETHERTYPE_IPV4, 0, l3, l4, WS_IPPROTO_UDP);
}

static void test_drop_ip6_truncated(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_v6(&f, vlan, NULL, 0, WS_IPPROTO_UDP, &l3, &l4);
		for (unsigned len = l3; len < l3 + WS_IPV6_HDR_LEN; len++)
			expect_drop_len(&f, len, WS_NET_DROP_IP6_TRUNCATED);
	}
}

static void test_drop_ip6_version(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (unsigned v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		build_v6(&f, 0, NULL, 0, WS_IPPROTO_UDP, &l3, &l4);
		f.b[l3] = (uint8_t)(v << 4 | (f.b[l3] & 0x0f));
		expect_drop(&f, WS_NET_DROP_IP6_VERSION);
	}
}

static void test_drop_ip6_payload_len(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	build_v6(&f, 1, NULL, 0, WS_IPPROTO_TCP, &l3, &l4);
	put16(&f, l3 + 4, (uint16_t)(f.len - l3 - 40 + 1));
	expect_drop(&f, WS_NET_DROP_IP6_PAYLOAD_LEN);
	put16(&f, l3 + 4, 0xffff);
	expect_drop(&f, WS_NET_DROP_IP6_PAYLOAD_LEN);
}

static void test_drop_ip6_ext_chain(void **state)
{
	(void)state;
	static const uint8_t nine[WS_NET_MAX_EXT_HDRS + 1] = {
		WS_IPPROTO_HOPOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS,
		WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS, WS_IPPROTO_DSTOPTS};
	static const uint8_t hbh_late[] = {WS_IPPROTO_DSTOPTS, WS_IPPROTO_HOPOPTS};
	static const uint8_t two[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_ROUTING};
	struct frame f;
	unsigned l3, l4;

	/* one more than the limit */
	build_v6(&f, 0, nine, WS_NET_MAX_EXT_HDRS + 1, WS_IPPROTO_UDP, &l3, &l4);
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	/* hop-by-hop anywhere but first */
	build_v6(&f, 0, hbh_late, 2, WS_IPPROTO_UDP, &l3, &l4);
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	/* a length running past the payload (the frame has more: padding) */
	build_v6(&f, 1, two, 2, WS_IPPROTO_UDP, &l3, &l4);
	f.b[l3 + 40 + 1] = 200;
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	f.b[l3 + 40 + 1] = 0;
	f.b[l3 + 48 + 1] = 4; /* 40 bytes of routing header: past the 34 left */
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	/* the payload ends where the next header should start, or inside its
	 * first 8 bytes */
	for (unsigned cut = 0; cut < 8; cut++) {
		build_v6(&f, 0, two, 2, WS_IPPROTO_UDP, &l3, &l4);
		f.len = l3 + 40 + 8 + cut;
		fix_ipv6(&f, l3);
		expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	}
	/* payload length 0 (as a jumbogram would have) with an extension header */
	build_v6(&f, 0, two, 2, WS_IPPROTO_UDP, &l3, &l4);
	put16(&f, l3 + 4, 0);
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
	/* AH whose length runs past the payload */
	static const uint8_t ah[] = {WS_IPPROTO_AH};
	build_v6(&f, 0, ah, 1, WS_IPPROTO_TCP, &l3, &l4);
	f.b[l3 + 40 + 1] = 40;
	expect_drop(&f, WS_NET_DROP_IP6_EXT_CHAIN);
}

static void test_drop_l4_truncated(void **state)
{
	(void)state;
	static const struct {
		uint8_t proto;
		unsigned min;
	} l4s[] = {{WS_IPPROTO_UDP, 8}, {WS_IPPROTO_TCP, 20}, {WS_IPPROTO_ICMP, 8}, {WS_IPPROTO_ICMPV6, 4}};
	static const uint8_t frag[] = {WS_IPPROTO_FRAGMENT};

	for (unsigned i = 0; i < sizeof(l4s) / sizeof(l4s[0]); i++) {
		for (unsigned len = 0; len < l4s[i].min; len++) {
			struct frame f;
			unsigned l3;

			/* IPv4: the IP lengths are consistent, the L4 header is short */
			l3 = put_l2(&f, (int)(len & 1), WS_ETHERTYPE_IPV4);
			put_ipv4(&f, l4s[i].proto, 0);
			put(&f, NULL, len);
			fix_ipv4(&f, l3);
			expect_drop(&f, WS_NET_DROP_L4_TRUNCATED);
			/* the same with padding: the payload, not the frame, bounds L4 */
			memset(f.b + f.len, 0, 40);
			f.len += 40;
			expect_drop(&f, WS_NET_DROP_L4_TRUNCATED);

			/* IPv6, with and without an atomic fragment header in front */
			for (unsigned n = 0; n <= 1; n++) {
				l3 = put_l2(&f, (int)n, WS_ETHERTYPE_IPV6);
				put_ipv6(&f, n ? WS_IPPROTO_FRAGMENT : l4s[i].proto);
				if (n)
					put_ext6(&f, frag[0], l4s[i].proto, 0);
				put(&f, NULL, len);
				fix_ipv6(&f, l3);
				expect_drop(&f, WS_NET_DROP_L4_TRUNCATED);
			}
		}
	}
}

static void test_drop_tcp_data_off(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;

	for (unsigned doff = 0; doff < 16; doff++) {
		if (doff == 5 || doff == 6)
			continue; /* 6 is what the builder's 24-byte header + 10 bytes allow */
		build_v4(&f, 0, WS_IPPROTO_TCP, 0, &l3, &l4);
		f.b[l4 + 12] = (uint8_t)(doff << 4);
		if (doff > 6 && doff * 4 <= WS_TCP_HDR_LEN + 14)
			expect_ok(&f, WS_ETHERTYPE_IPV4, 0, l3, l4, WS_IPPROTO_TCP);
		else
			expect_drop(&f, WS_NET_DROP_TCP_DATA_OFF);
		build_v6(&f, 1, NULL, 0, WS_IPPROTO_TCP, &l3, &l4);
		f.b[l4 + 12] = (uint8_t)(doff << 4);
		if (doff > 6 && doff * 4 <= WS_TCP_HDR_LEN + 14)
			expect_ok(&f, WS_ETHERTYPE_IPV6, 1, l3, l4, WS_IPPROTO_TCP);
		else
			expect_drop(&f, WS_NET_DROP_TCP_DATA_OFF);
	}
}

static void test_drop_udp_len(void **state)
{
	(void)state;
	struct frame f;
	unsigned l3, l4;
	/* builder: 8-byte header + 10 bytes = 18 */
	static const uint16_t bad[] = {0, 7, 19, 0xffff};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
		put16(&f, l4 + 4, bad[i]);
		expect_drop(&f, WS_NET_DROP_UDP_LEN);
		build_v6(&f, 1, NULL, 0, WS_IPPROTO_UDP, &l3, &l4);
		put16(&f, l4 + 4, bad[i]);
		expect_drop(&f, WS_NET_DROP_UDP_LEN);
	}
	/* shorter than the IP payload is allowed (trailing bytes are ignored) */
	build_v4(&f, 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	put16(&f, l4 + 4, 8);
	expect_ok(&f, WS_ETHERTYPE_IPV4, 0, l3, l4, WS_IPPROTO_UDP);
}

/* ---- truncations, mutations, bursts ---- */

/* Every prefix of a good frame: never OK, and the reason is the one for the
 * header the cut falls in. */
static void sweep(const struct frame *f, int vlan, uint16_t et, unsigned l3)
{
	struct ws_pkt m;

	assert_int_equal(parse_frame(f, &m), WS_NET_OK);
	for (unsigned len = 0; len < f->len; len++) {
		unsigned want;

		if (len < WS_ETH_HDR_LEN)
			want = WS_NET_DROP_TRUNCATED_ETH;
		else if (vlan && len < WS_ETH_HDR_LEN + WS_VLAN_HDR_LEN)
			want = WS_NET_DROP_VLAN_TRUNCATED;
		else if (et == WS_ETHERTYPE_ARP)
			want = WS_NET_DROP_ARP_TRUNCATED;
		else if (et == WS_ETHERTYPE_IPV4)
			want = len < l3 + WS_IPV4_HDR_LEN ? WS_NET_DROP_IP4_TRUNCATED : WS_NET_DROP_IP4_TOTAL_LEN;
		else
			want = len < l3 + WS_IPV6_HDR_LEN ? WS_NET_DROP_IP6_TRUNCATED : WS_NET_DROP_IP6_PAYLOAD_LEN;
		expect_drop_len(f, len, want);
	}
}

static void test_truncation_sweep(void **state)
{
	(void)state;
	static const uint8_t hbh_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	static const uint8_t many[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_ROUTING, WS_IPPROTO_AH, WS_IPPROTO_DSTOPTS};
	struct frame f;
	unsigned l3, l4;

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_v4(&f, vlan, WS_IPPROTO_UDP, 0, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV4, l3);
		build_v4(&f, vlan, WS_IPPROTO_TCP, 12, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV4, l3);
		build_v4(&f, vlan, WS_IPPROTO_ICMP, 0, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV4, l3);
		build_v6(&f, vlan, hbh_frag, 2, WS_IPPROTO_UDP, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV6, l3);
		build_v6(&f, vlan, many, 4, WS_IPPROTO_TCP, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV6, l3);
		build_v6(&f, vlan, NULL, 0, WS_IPPROTO_ICMPV6, &l3, &l4);
		sweep(&f, vlan, WS_ETHERTYPE_IPV6, l3);
		build_arp(&f, vlan, &l3);
		sweep(&f, vlan, WS_ETHERTYPE_ARP, l3);
	}
}


/* What parse.h promises after WS_NET_OK, checked on the metadata and bytes. */
static void check_promises(const uint8_t *b, unsigned len, const struct ws_pkt *m)
{
	if (m->l3_off > len)
		fail_msg("l3_off %u past %u bytes", m->l3_off, len);
	if (m->ethertype == WS_ETHERTYPE_IPV4)
		assert_true(m->l3_off + (b[m->l3_off] & 0x0fu) * 4u <= len);
	else if (m->ethertype == WS_ETHERTYPE_IPV6)
		assert_true(m->l3_off + (unsigned)WS_IPV6_HDR_LEN <= len);
	else if (m->ethertype == WS_ETHERTYPE_ARP)
		assert_true(m->l3_off + (unsigned)WS_ARP_HDR_LEN <= len);
	else
		assert_int_equal(m->l4_off, 0);
	if (m->l4_off) {
		assert_true(m->l4_off > m->l3_off);
		assert_true(m->l4_off + ws_l4_min_hdr_len(m->l4_proto) <= len);
		if (m->l4_proto == WS_IPPROTO_TCP)
			assert_true(m->l4_off + (b[m->l4_off + 12] >> 4) * 4u <= len);
	}
}

/* Random byte flips and length cuts of good frames: whatever comes out, the
 * promises hold (and ASan sees no read past the end). */
static void test_random_mutations(void **state)
{
	(void)state;
	static const uint8_t hbh_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	static const uint8_t many[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_ROUTING, WS_IPPROTO_AH, WS_IPPROTO_DSTOPTS};
	struct frame base[8], f;
	unsigned l3, l4, ok = 0;

	memset(base, 0, sizeof(base)); /* lengthened frames read defined bytes */

	build_v4(&base[0], 0, WS_IPPROTO_UDP, 0, &l3, &l4);
	build_v4(&base[1], 1, WS_IPPROTO_TCP, 8, &l3, &l4);
	build_v4(&base[2], 0, WS_IPPROTO_ICMP, 0, &l3, &l4);
	build_v6(&base[3], 0, hbh_frag, 2, WS_IPPROTO_UDP, &l3, &l4);
	build_v6(&base[4], 1, many, 4, WS_IPPROTO_TCP, &l3, &l4);
	build_v6(&base[5], 0, NULL, 0, WS_IPPROTO_ICMPV6, &l3, &l4);
	build_arp(&base[6], 1, &l3);
	build_v4(&base[7], 0, WS_IPPROTO_UDP, 40, &l3, &l4);

	rng_state = 2024;
	for (int i = 0; i < 100000; i++) {
		struct ws_pkt m;

		f = base[rnd() % 8];
		for (unsigned k = 1 + (unsigned)(rnd() % 4); k; k--)
			f.b[rnd() % f.len] ^= (uint8_t)(1u << (rnd() % 8));
		if (rnd() % 4 == 0)
			f.len = (unsigned)(rnd() % (f.len + 1));
		else if (rnd() % 4 == 0)
			f.len += (unsigned)(rnd() % 64);
		if (rnd() % 2 && f.len > 24 && (f.b[12] == 0x08 || f.b[16] == 0x08)) {
			/* often repair the IPv4 checksum so the later checks run */
			unsigned o = f.b[12] == 0x81 ? 18 : 14;
			struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f.b + o);
			unsigned hl = ws_ipv4_hdr_len(ip);

			if (hl >= 20 && o + hl <= f.len)
				ip->csum = ws_ipv4_hdr_csum(ip);
		}
		if (parse_frame(&f, &m) == WS_NET_OK) {
			check_promises(f.b, f.len, &m);
			ok++;
		}
	}
	assert_true(ok > 1000);
}

static void test_burst(void **state)
{
	(void)state;
	enum { N = 37 };
	static const uint8_t hbh_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	struct frame f[N];
	struct ws_pkt *pkts[N], single[N];
	unsigned want_bad = 0, l3, l4;

	for (unsigned i = 0; i < N; i++) {
		switch (i % 5) {
		case 0:
			build_v4(&f[i], (int)(i & 1), WS_IPPROTO_UDP, 0, &l3, &l4);
			break;
		case 1:
			build_v6(&f[i], (int)(i & 1), hbh_frag, 2, WS_IPPROTO_TCP, &l3, &l4);
			break;
		case 2:
			build_arp(&f[i], 0, &l3);
			break;
		case 3: /* bad checksum */
			build_v4(&f[i], 0, WS_IPPROTO_TCP, 4, &l3, &l4);
			f[i].b[l3 + 11] ^= 0xff;
			break;
		default: /* truncated */
			build_v6(&f[i], 1, NULL, 0, WS_IPPROTO_UDP, &l3, &l4);
			f[i].len = 30;
			break;
		}
		want_bad += parse_frame(&f[i], &single[i]) != WS_NET_OK;
	}
	/* every burst size around the prefetch distance, and the full burst */
	static const unsigned sizes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, N};

	static_assert(2 * WS_NET_PARSE_PREFETCH + 2 <= 10, "sizes[] must cover twice the prefetch distance");
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned n = sizes[k], bad = 0;

		for (unsigned i = 0; i < n; i++) {
			void *mem = NULL;

			if (posix_memalign(&mem, WS_CACHE_LINE, WS_PKT_HEADROOM + f[i].len))
				abort();
			pkts[i] = mem;
			ws_pkt_rx_init(pkts[i], WS_PKT_HEADROOM, (uint16_t)f[i].len, 3, 0);
			memcpy(ws_pkt_data(pkts[i]), f[i].b, f[i].len);
			bad += single[i].drop_reason != WS_NET_OK;
		}
		assert_int_equal(ws_net_parse_burst(pkts, n), bad);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(pkts[i]->drop_reason, single[i].drop_reason);
			assert_int_equal(pkts[i]->ethertype, single[i].ethertype);
			assert_int_equal(pkts[i]->l3_off, single[i].l3_off);
			assert_int_equal(pkts[i]->l4_off, single[i].l4_off);
			assert_int_equal(pkts[i]->l4_proto, single[i].l4_proto);
			assert_int_equal(pkts[i]->vlan_tci, single[i].vlan_tci);
			assert_int_equal(pkts[i]->flags, single[i].flags);
			free(pkts[i]);
		}
		if (n == N)
			assert_int_equal(bad, want_bad);
	}
}

/* ---- names ---- */

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(ws_net_drop_name(WS_NET_OK), "ok");
	assert_string_equal(ws_net_drop_name(WS_NET_DROP_IP4_CHECKSUM), "ip4_checksum");
	assert_string_equal(ws_net_drop_name(WS_NET_DROP_TRUNCATED_ETH), "truncated_eth");
	assert_null(ws_net_drop_name(WS_NET_DROP_COUNT));
	assert_null(ws_net_drop_name(255));
	for (unsigned r = 0; r < WS_NET_DROP_COUNT; r++) {
		const char *n = ws_net_drop_name(r);

		assert_non_null(n);
		assert_true(n[0] >= 'a' && n[0] <= 'z');
		for (const char *c = n; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				fail_msg("reason %u name \"%s\" is not snake_case", r, n);
		for (unsigned s = 0; s < r; s++)
			if (!strcmp(n, ws_net_drop_name(s)))
				fail_msg("reasons %u and %u share the name \"%s\"", s, r, n);
	}
}

/* Runs last: every reason was produced by some test above. */
static void test_every_reason_exercised(void **state)
{
	(void)state;
	for (unsigned r = 0; r < WS_NET_DROP_COUNT; r++)
		if (!seen_reasons[r])
			fail_msg("no test produced %s", ws_net_drop_name(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp_tcp_icmp),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_udp_tcp_icmp6),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_esp_and_no_next),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_unknown_ethertype),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_flags_preserved),
		cmocka_unit_test(test_drop_truncated_eth),
		cmocka_unit_test(test_drop_vlan_truncated),
		cmocka_unit_test(test_drop_vlan_stacked),
		cmocka_unit_test(test_drop_arp_truncated),
		cmocka_unit_test(test_drop_arp_format),
		cmocka_unit_test(test_drop_ip4_truncated),
		cmocka_unit_test(test_drop_ip4_version),
		cmocka_unit_test(test_drop_ip4_ihl),
		cmocka_unit_test(test_drop_ip4_total_len),
		cmocka_unit_test(test_drop_ip4_checksum),
		cmocka_unit_test(test_drop_ip6_truncated),
		cmocka_unit_test(test_drop_ip6_version),
		cmocka_unit_test(test_drop_ip6_payload_len),
		cmocka_unit_test(test_drop_ip6_ext_chain),
		cmocka_unit_test(test_drop_l4_truncated),
		cmocka_unit_test(test_drop_tcp_data_off),
		cmocka_unit_test(test_drop_udp_len),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_every_reason_exercised),
	};
	return cmocka_run_group_tests_name("net_parse", tests, NULL, NULL);
}
