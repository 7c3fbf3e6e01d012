/* SPDX-License-Identifier: BSD-3-Clause */
/* net/icmp.h on frames built here byte by byte: each packet is parsed, turned
 * into an ICMP/ICMPv6 error or echo reply, and the result parsed again and
 * checked field by field: every checksum, the quote against the original's
 * bytes and its length limits (576 bytes of IPv4, 1280 of IPv6, never the
 * Ethernet padding), the info field, each "may we send an error" rule with
 * a case that flips it, and the echo replies with their refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/pkt.h"
#include "net/checksum.h"
#include "net/icmp.h"
#include "net/net.h"
#include "net/parse.h"

#include "test_rng.h"

/* ---- addresses (documentation/benchmark ranges only) ---- */

#define HOST_A 0xc6120001u  /* 198.18.0.1: the original sender */
#define HOST_B 0xc6130002u  /* 198.19.0.2: the original destination */
#define ROUTER 0xc612fffeu  /* 198.18.255.254: the error's source */
#define TEST_TCI ((3u << WS_VLAN_PCP_SHIFT) | 42u)
#define PAD_BYTE 0xee       /* Ethernet padding, and stale frame bytes */

static const uint8_t MAC_DST[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC_SRC[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x02};
static const uint8_t IP6_ROUTER[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 0xfe};
static const uint8_t IP6_LL[16] = {0xfe, 0x80, [15] = 0x01};
static const uint8_t IP6_ALL_NODES[16] = {0xff, 0x02, [15] = 0x01};

/* ---- building packets ---- */

struct buf {
	uint8_t b[2048];
	unsigned len;
};

static unsigned put(struct buf *f, const void *src, unsigned n)
{
	unsigned off = f->len;

	assert_true(off + n <= sizeof(f->b));
	if (src)
		memcpy(f->b + off, src, n);
	else
		for (unsigned i = 0; i < n; i++)
			f->b[off + i] = (uint8_t)(off + i * 7 + 1); /* payload pattern */
	f->len += n;
	return off;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Ethernet [+ 802.1Q tag] for ethertype et; returns l3_off. */
static unsigned put_l2(struct buf *f, int vlan, uint16_t et)
{
	struct ws_eth_hdr e = {.ethertype = ws_hton16(vlan ? WS_ETHERTYPE_VLAN : et)};

	memcpy(e.dst, MAC_DST, 6);
	memcpy(e.src, MAC_SRC, 6);
	f->len = 0;
	put(f, &e, sizeof(e));
	if (vlan) {
		struct ws_vlan_hdr v = {.tci = ws_hton16(TEST_TCI), .ethertype = ws_hton16(et)};

		put(f, &v, sizeof(v));
	}
	return f->len;
}

/* IPv4 header (DF set, TOS set: the error must clear both) + optlen bytes of
 * NOP options; returns its offset. */
static unsigned put_v4(struct buf *f, uint8_t proto, uint32_t src, uint32_t dst, unsigned optlen)
{
	struct ws_ipv4_hdr ip = {
		.version_ihl = (uint8_t)(0x40 | (5 + optlen / 4)),
		.tos = 0xb8,
		.id = ws_hton16(0x1234),
		.frag_off = ws_hton16(WS_IPV4_FLAG_DF),
		.ttl = 57,
		.proto = proto,
		.src = ws_hton32(src),
		.dst = ws_hton32(dst),
	};
	unsigned off = put(f, &ip, sizeof(ip));

	for (unsigned i = 0; i < optlen; i++)
		put(f, (const uint8_t[]){1}, 1);
	return off;
}

/* Total length from the bytes so far, then the header checksum. */
static void fix_v4(struct buf *f, unsigned l3)
{
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f->b + l3);

	ip->total_len = ws_hton16((uint16_t)(f->len - l3));
	ip->csum = ws_ipv4_hdr_csum(ip);
}

static void refix_v4_csum(struct buf *f, unsigned l3)
{
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f->b + l3);

	ip->csum = ws_ipv4_hdr_csum(ip);
}

static void pad_to(struct buf *f, unsigned len)
{
	while (f->len < len)
		put(f, (const uint8_t[]){PAD_BYTE}, 1);
}

/* Ethernet [+ tag] + IPv4 [+ options] + UDP, ip_total bytes of IP. */
static unsigned build_udp4(struct buf *f, int vlan, unsigned optlen, unsigned ip_total)
{
	unsigned l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV4), l4;

	put_v4(f, WS_IPPROTO_UDP, HOST_A, HOST_B, optlen);
	l4 = f->len;
	assert_true(ip_total >= 20 + optlen + 8);
	put(f, NULL, ip_total - 20 - optlen);
	put16(f->b + l4, 4000);
	put16(f->b + l4 + 2, 33434);
	put16(f->b + l4 + 4, (uint16_t)(ip_total - 20 - optlen));
	put16(f->b + l4 + 6, 0);
	fix_v4(f, l3);
	return l3;
}

/* ICMP message with the checksum filled in, over icmp_len bytes. */
static void icmp4_fill(struct buf *f, unsigned l4, uint8_t type, unsigned icmp_len)
{
	struct ws_icmp_hdr *ic = (struct ws_icmp_hdr *)(f->b + l4);

	ic->type = type;
	ic->code = 0;
	ic->csum = 0;
	ic->un.echo.id = ws_hton16(0x4242);
	ic->un.echo.seq = ws_hton16(7);
	ic->csum = ws_csum_fold(ws_csum_partial(ic, icmp_len, 0));
}

/* Ethernet [+ tag] + IPv4 + ICMP of type with payload bytes of data. */
static unsigned build_icmp4(struct buf *f, int vlan, uint8_t type, unsigned payload, unsigned *l4)
{
	unsigned l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV4);

	put_v4(f, WS_IPPROTO_ICMP, HOST_A, HOST_B, 0);
	*l4 = put(f, NULL, WS_ICMP_HDR_LEN + payload);
	fix_v4(f, l3);
	icmp4_fill(f, *l4, type, WS_ICMP_HDR_LEN + payload);
	return l3;
}

static unsigned put_v6(struct buf *f, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	struct ws_ipv6_hdr ip6 = {
		.ver_tc_flow = ws_hton32(0x6e012345u), /* traffic class 0xe0, a flow label */
		.next_hdr = nh,
		.hop_limit = 61, /* replies must say 64 */
	};

	memcpy(ip6.src, src, 16);
	memcpy(ip6.dst, dst, 16);
	return put(f, &ip6, sizeof(ip6));
}

static void fix_v6(struct buf *f, unsigned l3)
{
	put16(f->b + l3 + 4, (uint16_t)(f->len - l3 - WS_IPV6_HDR_LEN));
}

/* Ethernet [+ tag] + IPv6 + UDP, ip_total bytes of IP. */
static unsigned build_udp6(struct buf *f, int vlan, unsigned ip_total)
{
	unsigned l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV6), l4;

	put_v6(f, WS_IPPROTO_UDP, IP6_A, IP6_B);
	l4 = put(f, NULL, ip_total - WS_IPV6_HDR_LEN);
	put16(f->b + l4 + 4, (uint16_t)(ip_total - WS_IPV6_HDR_LEN));
	fix_v6(f, l3);
	return l3;
}

/* Ethernet [+ tag] + IPv6 + ICMPv6 (type, code, 4 bytes, payload bytes),
 * checksummed. */
static unsigned build_icmp6(struct buf *f, int vlan, uint8_t type, const uint8_t *src, const uint8_t *dst,
			    unsigned payload, unsigned *l4)
{
	unsigned l3 = put_l2(f, vlan, WS_ETHERTYPE_IPV6);
	struct ws_ipv6_hdr *ip6;

	put_v6(f, WS_IPPROTO_ICMPV6, src, dst);
	*l4 = put(f, NULL, 8 + payload);
	f->b[*l4] = type;
	f->b[*l4 + 1] = 0;
	f->b[*l4 + 2] = f->b[*l4 + 3] = 0;
	fix_v6(f, l3);
	ip6 = (struct ws_ipv6_hdr *)(f->b + l3);
	((struct ws_icmp6_hdr *)(f->b + *l4))->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, f->b + *l4, 8 + payload);
	return l3;
}

/* ---- the frame under test ---- */

/* A pool-less frame: the metadata line at the start, data at data_off. */
static union {
	struct ws_pkt meta;
	uint8_t b[4096];
} frame;

/* Copies f into the frame at data_off (stale bytes around it), parses it
 * and returns the packet. */
static struct ws_pkt *load_at(const struct buf *f, unsigned data_off)
{
	struct ws_pkt *p = &frame.meta;

	memset(frame.b, PAD_BYTE, sizeof(frame.b));
	assert_true(data_off + f->len <= sizeof(frame.b));
	ws_pkt_rx_init(p, (uint16_t)data_off, (uint16_t)f->len, 1, 0);
	memcpy(ws_pkt_data(p), f->b, f->len);
	assert_int_equal(ws_net_parse(p), WS_NET_OK);
	return p;
}

static struct ws_pkt *load(const struct buf *f)
{
	return load_at(f, WS_PKT_HEADROOM);
}

static void reparse_ok(struct ws_pkt *p)
{
	unsigned rc = ws_net_parse(p);

	if (rc != WS_NET_OK)
		fail_msg("result does not parse: %s", ws_net_drop_name(rc));
}

/* ICMP checksum over the message: 0 when correct. */
static uint16_t icmp4_check(const void *ic, unsigned len)
{
	return ws_csum_fold(ws_csum_partial(ic, len, 0));
}

/* ---- ICMP errors ---- */

/* p was loaded from orig (l3 = orig's L3 offset) and turned into the error
 * (type, code, info): check every byte the contract names. */
static void check_icmp4_error(struct ws_pkt *p, const struct buf *orig, unsigned l3, uint8_t type, uint8_t code,
			      uint32_t info, unsigned want_quote)
{
	const uint8_t *d;
	const struct ws_ipv4_hdr *ip;
	const struct ws_icmp_hdr *ic;
	const struct ws_ipv4_hdr *oip = (const struct ws_ipv4_hdr *)(orig->b + l3);
	static const uint8_t zero_mac[6];

	/* the quote did not move: the headers went in front of it */
	assert_int_equal(p->data_off, WS_PKT_HEADROOM + l3 - WS_ICMP4_ERROR_HDRS_LEN);
	assert_int_equal(p->data_len, WS_ICMP4_ERROR_HDRS_LEN + want_quote);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 34);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMP);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_IPV4);
	assert_int_equal(p->vlan_tci, 0);
	assert_int_equal(p->flags & WS_PKT_F_VLAN, 0);

	reparse_ok(p);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 34);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMP);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_IPV4);
	assert_int_equal(p->flags & WS_PKT_F_VLAN, 0);

	d = ws_pkt_data(p);
	assert_memory_equal(d, zero_mac, 6);
	assert_memory_equal(d + 6, zero_mac, 6);
	assert_int_equal(d[12], 0x08);
	assert_int_equal(d[13], 0x00);

	ip = (const struct ws_ipv4_hdr *)(d + 14);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(ip->tos, 0);
	assert_int_equal(ws_ntoh16(ip->total_len), 28 + want_quote);
	assert_int_equal(ip->id, 0);
	assert_int_equal(ip->frag_off, 0);
	assert_int_equal(ip->ttl, 64);
	assert_int_equal(ip->proto, WS_IPPROTO_ICMP);
	assert_int_equal(ws_ntoh32(ip->src), ROUTER);
	assert_int_equal(ip->dst, oip->src);
	assert_true(ws_ipv4_hdr_csum_ok(ip));

	ic = (const struct ws_icmp_hdr *)(d + 34);
	assert_int_equal(ic->type, type);
	assert_int_equal(ic->code, code);
	assert_int_equal(d[38], (uint8_t)(info >> 24));
	assert_int_equal(d[39], (uint8_t)(info >> 16));
	assert_int_equal(d[40], (uint8_t)(info >> 8));
	assert_int_equal(d[41], (uint8_t)info);
	assert_int_equal(icmp4_check(ic, 8 + want_quote), 0);

	/* the quote is the original from its IP header on */
	assert_memory_equal(d + 42, orig->b + l3, want_quote);
}

/* A 1500-byte datagram: 548 bytes quoted, 576 of IP in all (RFC 1812). */
static void test_icmp4_error_long(void **state)
{
	(void)state;
	struct buf f;

	for (int vlan = 0; vlan <= 1; vlan++) {
		unsigned l3 = build_udp4(&f, vlan, 0, 1500);
		struct ws_pkt *p = load(&f);

		p->flags |= WS_PKT_F_LOCAL; /* not the error's to clear */
		assert_int_equal(ws_icmp4_error(p, WS_ICMP_TIME_EXCEEDED, WS_ICMP_TIME_EXCEEDED_TTL, 0, ROUTER), 0);
		check_icmp4_error(p, &f, l3, WS_ICMP_TIME_EXCEEDED, 0, 0, 548);
		assert_int_equal(ws_ntoh16(((struct ws_ipv4_hdr *)(ws_pkt_data(p) + 14))->total_len), 576);
		assert_true(p->flags & WS_PKT_F_LOCAL);
	}
	/* one byte more or less than the limit */
	for (unsigned total = 547; total <= 549; total++) {
		unsigned l3 = build_udp4(&f, 0, 0, total);
		struct ws_pkt *p = load(&f);

		assert_int_equal(ws_icmp4_error(p, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_HOST, 0, ROUTER), 0);
		check_icmp4_error(p, &f, l3, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_HOST, 0, total < 548 ? total : 548);
	}
}

/* Short datagrams are quoted whole, and the Ethernet padding is not. */
static void test_icmp4_error_short_and_padding(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3;
	struct ws_pkt *p;

	l3 = build_udp4(&f, 0, 0, 60);
	p = load(&f);
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_PORT, 0, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_PORT, 0, 60);

	/* 28 bytes of IP padded to the 60-byte minimum frame: 18 padding bytes */
	l3 = build_udp4(&f, 0, 0, 28);
	pad_to(&f, 60);
	p = load(&f);
	assert_int_equal(p->data_len, 60);
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_PORT, 0, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_PORT, 0, 28);
	assert_int_equal(p->data_len, 42 + 28);

	/* tagged and padded */
	l3 = build_udp4(&f, 1, 0, 30);
	pad_to(&f, 64);
	p = load(&f);
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_NET, 0, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_NET, 0, 30);
}

/* Fragmentation needed carries the next-hop MTU in the low 16 bits;
 * parameter problem its pointer in the top 8. */
static void test_icmp4_error_info(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp4(&f, 0, 0, 1500);
	struct ws_pkt *p = load(&f);

	assert_int_equal(ws_icmp4_error(p, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_FRAG_NEEDED, 1400, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_DEST_UNREACH, WS_ICMP_UNREACH_FRAG_NEEDED, 1400, 548);
	assert_int_equal(ws_ntoh16(((struct ws_icmp_hdr *)(ws_pkt_data(p) + 34))->un.frag.mtu), 1400);
	assert_int_equal(((struct ws_icmp_hdr *)(ws_pkt_data(p) + 34))->un.frag.unused, 0);

	p = load(&f);
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_PARAM_PROBLEM, 0, 9u << 24, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_PARAM_PROBLEM, 0, 9u << 24, 548);
	assert_int_equal(ws_pkt_data(p)[38], 9);
}

/* Options belong to the original header, so they are quoted as part of it;
 * the error's own header has none. */
static void test_icmp4_error_options(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp4(&f, 1, 12, 100);
	struct ws_pkt *p = load(&f);

	assert_int_equal(ws_icmp4_error(p, WS_ICMP_TIME_EXCEEDED, 0, 0, ROUTER), 0);
	check_icmp4_error(p, &f, l3, WS_ICMP_TIME_EXCEEDED, 0, 0, 100);
	assert_int_equal(ws_pkt_data(p)[42], 0x48); /* the quoted header: IHL 8 */
}

/* Not enough headroom: refused, nothing written. Just enough: fine. */
static void test_icmp4_error_headroom(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp4(&f, 0, 0, 200);
	struct ws_pkt *p;
	uint8_t before[sizeof(frame.b)];
	/* the new packet would start exactly at the metadata's end */
	unsigned tight = sizeof(struct ws_pkt) + WS_ICMP4_ERROR_HDRS_LEN - l3;

	p = load_at(&f, tight - 2);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_TIME_EXCEEDED, 0, 0, ROUTER), -ENOSPC);
	assert_memory_equal(before, frame.b, sizeof(before));

	p = load_at(&f, tight);
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_TIME_EXCEEDED, 0, 0, ROUTER), 0);
	assert_int_equal(p->data_off, sizeof(struct ws_pkt));
	reparse_ok(p);
	assert_memory_equal(ws_pkt_data(p) + 42, f.b + l3, 200);

	/* an IPv6 packet is not the IPv4 function's */
	build_udp6(&f, 0, 100);
	p = load(&f);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp4_error(p, WS_ICMP_TIME_EXCEEDED, 0, 0, ROUTER), -EINVAL);
	assert_memory_equal(before, frame.b, sizeof(before));
}

static void check_icmp6_error(struct ws_pkt *p, const struct buf *orig, unsigned l3, uint8_t type, uint8_t code,
			      uint32_t info, const uint8_t *src, unsigned want_quote)
{
	const uint8_t *d;
	const struct ws_ipv6_hdr *ip6;
	static const uint8_t zero_mac[6];

	assert_int_equal(p->data_off, WS_PKT_HEADROOM + l3 - WS_ICMP6_ERROR_HDRS_LEN);
	assert_int_equal(p->data_len, WS_ICMP6_ERROR_HDRS_LEN + want_quote);
	assert_int_equal(p->vlan_tci, 0);
	reparse_ok(p);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_IPV6);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 54);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMPV6);
	assert_int_equal(p->flags & WS_PKT_F_VLAN, 0);

	d = ws_pkt_data(p);
	assert_memory_equal(d, zero_mac, 6);
	assert_memory_equal(d + 6, zero_mac, 6);
	assert_int_equal(d[12], 0x86);
	assert_int_equal(d[13], 0xdd);
	ip6 = (const struct ws_ipv6_hdr *)(d + 14);
	assert_int_equal(ws_ntoh32(ip6->ver_tc_flow), 0x60000000u);
	assert_int_equal(ws_ntoh16(ip6->payload_len), 8 + want_quote);
	assert_int_equal(ip6->next_hdr, WS_IPPROTO_ICMPV6);
	assert_int_equal(ip6->hop_limit, 64);
	assert_memory_equal(ip6->src, src, 16);
	assert_memory_equal(ip6->dst, orig->b + l3 + 8, 16); /* the original's source */
	assert_true(40 + 8 + want_quote <= WS_ICMP6_ERROR_MAX_IP);

	assert_int_equal(d[54], type);
	assert_int_equal(d[55], code);
	assert_int_equal(d[58], (uint8_t)(info >> 24));
	assert_int_equal(d[59], (uint8_t)(info >> 16));
	assert_int_equal(d[60], (uint8_t)(info >> 8));
	assert_int_equal(d[61], (uint8_t)info);
	assert_int_equal(ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, d + 54, 8 + want_quote), 0);
	assert_memory_equal(d + 62, orig->b + l3, want_quote);
}

/* 1500 bytes of IPv6: 1232 quoted, the error exactly 1280; packet too big
 * carries the MTU. */
static void test_icmp6_error_long(void **state)
{
	(void)state;
	struct buf f;

	for (int vlan = 0; vlan <= 1; vlan++) {
		unsigned l3 = build_udp6(&f, vlan, 1500);
		struct ws_pkt *p = load(&f);

		assert_int_equal(ws_icmp6_error(p, WS_ICMP6_PKT_TOO_BIG, 0, 1400, IP6_ROUTER), 0);
		check_icmp6_error(p, &f, l3, WS_ICMP6_PKT_TOO_BIG, 0, 1400, IP6_ROUTER, 1232);
		assert_int_equal(40 + ws_ntoh16(((struct ws_ipv6_hdr *)(ws_pkt_data(p) + 14))->payload_len), 1280);
	}
	for (unsigned total = 1231; total <= 1233; total++) {
		unsigned l3 = build_udp6(&f, 0, total);
		struct ws_pkt *p = load(&f);

		assert_int_equal(ws_icmp6_error(p, WS_ICMP6_DEST_UNREACH, WS_ICMP6_UNREACH_ADDR, 0, IP6_ROUTER), 0);
		check_icmp6_error(p, &f, l3, WS_ICMP6_DEST_UNREACH, WS_ICMP6_UNREACH_ADDR, 0, IP6_ROUTER,
				  total < 1232 ? total : 1232);
	}
}

/* A short packet is quoted whole (extension headers included), padding not;
 * parameter problem carries the pointer. */
static void test_icmp6_error_short(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3, ext;
	struct ws_pkt *p;

	l3 = build_udp6(&f, 1, 48);
	pad_to(&f, 80);
	p = load(&f);
	assert_int_equal(ws_icmp6_error(p, WS_ICMP6_TIME_EXCEEDED, WS_ICMP6_TIME_EXCEEDED_HOPS, 0, IP6_LL), 0);
	check_icmp6_error(p, &f, l3, WS_ICMP6_TIME_EXCEEDED, 0, 0, IP6_LL, 48);

	/* IPv6 + destination options (8) + UDP */
	l3 = put_l2(&f, 0, WS_ETHERTYPE_IPV6);
	put_v6(&f, WS_IPPROTO_DSTOPTS, IP6_A, IP6_B);
	ext = put(&f, (const uint8_t[]){WS_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0}, 8);
	put(&f, (const uint8_t[]){0x0f, 0xa0, 0x82, 0x9a, 0, 20, 0, 0}, 8);
	put(&f, NULL, 12);
	fix_v6(&f, l3);
	p = load(&f);
	assert_int_equal(ws_icmp6_error(p, WS_ICMP6_PARAM_PROBLEM, WS_ICMP6_PARAM_HEADER, ext + 2 - l3, IP6_ROUTER), 0);
	check_icmp6_error(p, &f, l3, WS_ICMP6_PARAM_PROBLEM, 0, 42, IP6_ROUTER, 68);
}

static void test_icmp6_error_headroom(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp6(&f, 1, 100);
	struct ws_pkt *p;
	uint8_t before[sizeof(frame.b)];
	unsigned tight = sizeof(struct ws_pkt) + WS_ICMP6_ERROR_HDRS_LEN - l3;

	p = load_at(&f, tight - 2);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp6_error(p, WS_ICMP6_DEST_UNREACH, 0, 0, IP6_ROUTER), -ENOSPC);
	assert_memory_equal(before, frame.b, sizeof(before));

	p = load_at(&f, tight);
	assert_int_equal(ws_icmp6_error(p, WS_ICMP6_DEST_UNREACH, 0, 0, IP6_ROUTER), 0);
	assert_int_equal(p->data_off, sizeof(struct ws_pkt));
	reparse_ok(p);

	build_udp4(&f, 0, 0, 100);
	p = load(&f);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp6_error(p, WS_ICMP6_DEST_UNREACH, 0, 0, IP6_ROUTER), -EINVAL);
	assert_memory_equal(before, frame.b, sizeof(before));
}

/* ---- may an error be sent? ---- */

static bool allowed4(const struct buf *f)
{
	return ws_icmp4_error_allowed(load(f));
}

static void set_v4_addrs(struct buf *f, unsigned l3, uint32_t src, uint32_t dst)
{
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f->b + l3);

	ip->src = ws_hton32(src);
	ip->dst = ws_hton32(dst);
	refix_v4_csum(f, l3);
}

static void test_icmp4_error_allowed_addresses(void **state)
{
	(void)state;
	static const uint32_t bad_dst[] = {0xffffffffu, 0xe0000005u, 0xeffffffeu, 0xf0000001u};
	static const uint32_t bad_src[] = {0, 0x00010203u, 0x7f000001u, 0x7fffffffu, 0xe0000001u, 0xf0000001u,
					   0xffffffffu};
	struct buf f;
	unsigned l3 = build_udp4(&f, 0, 0, 64);

	assert_true(allowed4(&f));
	for (unsigned i = 0; i < sizeof(bad_dst) / sizeof(bad_dst[0]); i++) {
		set_v4_addrs(&f, l3, HOST_A, bad_dst[i]);
		assert_false(allowed4(&f));
	}
	for (unsigned i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		set_v4_addrs(&f, l3, bad_src[i], HOST_B);
		assert_false(allowed4(&f));
	}
	/* the edges just inside */
	set_v4_addrs(&f, l3, 0x01000000u, 0xdfffffffu);
	assert_true(allowed4(&f));
	set_v4_addrs(&f, l3, 0x80000000u, HOST_B);
	assert_true(allowed4(&f));
	set_v4_addrs(&f, l3, HOST_A, HOST_B);

	/* Ethernet broadcast and multicast (I/G bit) */
	memset(f.b, 0xff, 6);
	assert_false(allowed4(&f));
	memcpy(f.b, (const uint8_t[]){0x01, 0x00, 0x5e, 0x00, 0x00, 0x05}, 6);
	assert_false(allowed4(&f));
	memcpy(f.b, (const uint8_t[]){0x03, 0, 0, 0, 0, 1}, 6);
	assert_false(allowed4(&f));
	memcpy(f.b, MAC_DST, 6);
	assert_true(allowed4(&f));

	/* tagged frames are judged the same way */
	l3 = build_udp4(&f, 1, 0, 64);
	assert_true(allowed4(&f));
	set_v4_addrs(&f, l3, HOST_A, 0xffffffffu);
	assert_false(allowed4(&f));

	/* not IPv4 */
	build_udp6(&f, 0, 64);
	assert_false(allowed4(&f));
}

static void test_icmp4_error_allowed_fragments(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp4(&f, 0, 0, 64);
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f.b + l3);

	ip->frag_off = ws_hton16(WS_IPV4_FLAG_MF); /* first fragment */
	refix_v4_csum(&f, l3);
	assert_true(allowed4(&f));
	ip->frag_off = ws_hton16(WS_IPV4_FLAG_MF | 100); /* middle */
	refix_v4_csum(&f, l3);
	assert_false(allowed4(&f));
	ip->frag_off = ws_hton16(1); /* last */
	refix_v4_csum(&f, l3);
	assert_false(allowed4(&f));
}

/* Queries and replies are answered, errors and unknown types are not. */
static void test_icmp4_error_allowed_icmp_types(void **state)
{
	(void)state;
	struct buf f;
	unsigned l4, l3;

	for (unsigned t = 0; t < 256; t++) {
		bool want = t == 0 || t == 8 || t == 9 || t == 10 || (t >= 13 && t <= 18);

		l3 = build_icmp4(&f, 0, (uint8_t)t, 8, &l4);
		if (allowed4(&f) != want)
			fail_msg("ICMP type %u: expected %s", t, want ? "allowed" : "refused");
	}
	/* an echo request fragment past the first: refused for the offset */
	l3 = build_icmp4(&f, 0, WS_ICMP_ECHO_REQUEST, 8, &l4);
	((struct ws_ipv4_hdr *)(f.b + l3))->frag_off = ws_hton16(10);
	refix_v4_csum(&f, l3);
	assert_false(allowed4(&f));
}

static bool allowed6(const struct buf *f, uint8_t type, uint8_t code)
{
	return ws_icmp6_error_allowed(load(f), type, code);
}

static void test_icmp6_error_allowed(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3 = build_udp6(&f, 0, 80), l4;
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(f.b + l3);

	assert_true(allowed6(&f, WS_ICMP6_DEST_UNREACH, 0));
	assert_true(allowed6(&f, WS_ICMP6_TIME_EXCEEDED, 0));

	/* multicast destination: only packet too big and parameter problem 2 */
	memcpy(ip6->dst, IP6_ALL_NODES, 16);
	assert_false(allowed6(&f, WS_ICMP6_DEST_UNREACH, WS_ICMP6_UNREACH_PORT));
	assert_false(allowed6(&f, WS_ICMP6_TIME_EXCEEDED, 0));
	assert_false(allowed6(&f, WS_ICMP6_PARAM_PROBLEM, WS_ICMP6_PARAM_HEADER));
	assert_false(allowed6(&f, WS_ICMP6_PARAM_PROBLEM, WS_ICMP6_PARAM_NEXT_HDR));
	assert_true(allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0));
	assert_true(allowed6(&f, WS_ICMP6_PARAM_PROBLEM, WS_ICMP6_PARAM_OPTION));
	memcpy(ip6->dst, IP6_B, 16);

	/* Ethernet multicast/broadcast with a unicast IPv6 destination: same */
	memcpy(f.b, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	assert_false(allowed6(&f, WS_ICMP6_DEST_UNREACH, 0));
	assert_true(allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0));
	memset(f.b, 0xff, 6);
	assert_false(allowed6(&f, WS_ICMP6_TIME_EXCEEDED, 0));
	assert_true(allowed6(&f, WS_ICMP6_PARAM_PROBLEM, WS_ICMP6_PARAM_OPTION));
	memcpy(f.b, MAC_DST, 6);
	assert_true(allowed6(&f, WS_ICMP6_DEST_UNREACH, 0));

	/* sources that name no node: refused for every type */
	memset(ip6->src, 0, 16);
	assert_false(allowed6(&f, WS_ICMP6_DEST_UNREACH, 0));
	assert_false(allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0));
	memcpy(ip6->src, IP6_ALL_NODES, 16);
	assert_false(allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0));
	memcpy(ip6->src, IP6_LL, 16);
	assert_true(allowed6(&f, WS_ICMP6_DEST_UNREACH, 0));

	/* ICMPv6 errors (< 128) and redirects are not answered; others are */
	for (unsigned t = 0; t < 256; t++) {
		bool want = t >= 128 && t != WS_ICMP6_REDIRECT;

		build_icmp6(&f, (int)(t & 1), (uint8_t)t, IP6_A, IP6_B, 8, &l4);
		if (allowed6(&f, WS_ICMP6_DEST_UNREACH, 0) != want)
			fail_msg("ICMPv6 type %u: expected %s", t, want ? "allowed" : "refused");
		if (allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0) != want)
			fail_msg("ICMPv6 type %u (too big): expected %s", t, want ? "allowed" : "refused");
	}

	/* a non-first fragment is answered (documented choice), whatever it carries */
	l3 = put_l2(&f, 0, WS_ETHERTYPE_IPV6);
	put_v6(&f, WS_IPPROTO_FRAGMENT, IP6_A, IP6_B);
	put(&f, (const uint8_t[]){WS_IPPROTO_ICMPV6, 0, 0x05, 0x00, 0, 0, 0, 9}, 8); /* offset 160 */
	put(&f, NULL, 24);
	fix_v6(&f, l3);
	assert_int_equal(load(&f)->l4_off, 0);
	assert_true(allowed6(&f, WS_ICMP6_TIME_EXCEEDED, WS_ICMP6_TIME_EXCEEDED_REASS));

	/* not IPv6 */
	build_udp4(&f, 0, 0, 64);
	assert_false(allowed6(&f, WS_ICMP6_PKT_TOO_BIG, 0));
}

/* ---- echo replies ---- */

static void test_icmp4_echo_reply(void **state)
{
	(void)state;
	struct buf f;

	rng_state = 77;
	for (int round = 0; round < 600; round++) {
		int vlan = round & 1;
		unsigned payload = (unsigned)(rnd() % 120), l4;
		unsigned l3 = build_icmp4(&f, vlan, WS_ICMP_ECHO_REQUEST, payload, &l4);
		struct ws_pkt *p;
		const uint8_t *d;
		const struct ws_ipv4_hdr *ip;
		struct ws_icmp_hdr *ic;
		uint16_t csum, want;

		/* random identifiers and data: the incremental update meets every
		 * checksum value class, 0x0000 and 0xffff neighbours included */
		for (unsigned i = l4 + 4; i < f.len; i++)
			f.b[i] = (uint8_t)rnd();
		icmp4_fill(&f, l4, WS_ICMP_ECHO_REQUEST, 8 + payload);
		for (unsigned i = l4 + 4; i < l4 + 8; i++) /* id and seq too: redo the sum */
			f.b[i] = (uint8_t)rnd();
		((struct ws_icmp_hdr *)(f.b + l4))->csum = 0;
		((struct ws_icmp_hdr *)(f.b + l4))->csum = icmp4_check(f.b + l4, 8 + payload);
		if (round % 3 == 0)
			pad_to(&f, 60 + (vlan ? 4 : 0) + 10);

		p = load(&f);
		assert_int_equal(ws_icmp4_echo_reply(p), 0);
		assert_int_equal(p->data_off, WS_PKT_HEADROOM);
		assert_int_equal(p->data_len, f.len);
		reparse_ok(p);
		assert_int_equal(p->l3_off, l3);
		assert_int_equal(p->l4_off, l4);
		assert_int_equal(p->l4_proto, WS_IPPROTO_ICMP);
		assert_int_equal(p->flags & WS_PKT_F_VLAN, vlan ? WS_PKT_F_VLAN : 0);

		d = ws_pkt_data(p);
		assert_memory_equal(d, MAC_SRC, 6);
		assert_memory_equal(d + 6, MAC_DST, 6);
		assert_memory_equal(d + 12, f.b + 12, l3 - 12); /* ethertype / tag untouched */
		ip = (const struct ws_ipv4_hdr *)(d + l3);
		assert_int_equal(ws_ntoh32(ip->src), HOST_B);
		assert_int_equal(ws_ntoh32(ip->dst), HOST_A);
		assert_int_equal(ip->ttl, 64);
		assert_true(ws_ipv4_hdr_csum_ok(ip));
		ic = (struct ws_icmp_hdr *)(d + l4);
		assert_int_equal(ic->type, WS_ICMP_ECHO_REPLY);
		assert_int_equal(ic->code, 0);
		assert_memory_equal(d + l4 + 4, f.b + l4 + 4, f.len - l4 - 4); /* id, seq, data, padding */
		assert_int_equal(icmp4_check(ic, 8 + payload), 0);
		/* the incremental result is exactly what a recomputation gives */
		csum = ic->csum;
		ic->csum = 0;
		want = icmp4_check(ic, 8 + payload);
		assert_int_equal(csum, want);
	}
}

static void test_icmp4_echo_reply_refused(void **state)
{
	(void)state;
	struct buf f;
	unsigned l4, l3;
	struct ws_pkt *p;
	uint8_t before[sizeof(frame.b)];

	/* bad checksum, in the data part */
	l3 = build_icmp4(&f, 0, WS_ICMP_ECHO_REQUEST, 32, &l4);
	f.b[l4 + 20] ^= 0x01;
	p = load(&f);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp4_echo_reply(p), -EBADMSG);
	assert_memory_equal(before, frame.b, sizeof(before));
	/* the checksum covers the total length, not the padding */
	f.b[l4 + 20] ^= 0x01;
	pad_to(&f, 90);
	f.b[89] = 0x5a;
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), 0);

	/* an echo reply is not an echo request */
	build_icmp4(&f, 0, WS_ICMP_ECHO_REPLY, 8, &l4);
	p = load(&f);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp4_echo_reply(p), -EINVAL);
	assert_memory_equal(before, frame.b, sizeof(before));

	/* fragments: first (MF) and later (offset) */
	l3 = build_icmp4(&f, 0, WS_ICMP_ECHO_REQUEST, 8, &l4);
	((struct ws_ipv4_hdr *)(f.b + l3))->frag_off = ws_hton16(WS_IPV4_FLAG_MF);
	refix_v4_csum(&f, l3);
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), -EINVAL);
	((struct ws_ipv4_hdr *)(f.b + l3))->frag_off = ws_hton16(3);
	refix_v4_csum(&f, l3);
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), -EINVAL);
	((struct ws_ipv4_hdr *)(f.b + l3))->frag_off = ws_hton16(WS_IPV4_FLAG_DF);
	refix_v4_csum(&f, l3);
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), 0);

	/* not ICMP, not IPv4 */
	build_udp4(&f, 0, 0, 64);
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), -EINVAL);
	build_icmp6(&f, 0, WS_ICMP6_ECHO_REQUEST, IP6_A, IP6_B, 8, &l4);
	assert_int_equal(ws_icmp4_echo_reply(load(&f)), -EINVAL);
}

static void check_echo6_reply(struct ws_pkt *p, const struct buf *f, unsigned l3, unsigned l4, unsigned icmp_len,
			      const uint8_t *want_src)
{
	const uint8_t *d;
	const struct ws_ipv6_hdr *ip6;

	assert_int_equal(p->data_len, f->len);
	reparse_ok(p);
	assert_int_equal(p->l3_off, l3);
	assert_int_equal(p->l4_off, l4);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMPV6);
	d = ws_pkt_data(p);
	assert_memory_equal(d, MAC_SRC, 6);
	assert_memory_equal(d + 6, MAC_DST, 6);
	assert_memory_equal(d + 12, f->b + 12, l3 - 12);
	ip6 = (const struct ws_ipv6_hdr *)(d + l3);
	assert_memory_equal(ip6->src, want_src, 16);
	assert_memory_equal(ip6->dst, IP6_A, 16);
	assert_int_equal(ip6->hop_limit, 64);
	assert_int_equal(ip6->ver_tc_flow, ((const struct ws_ipv6_hdr *)(f->b + l3))->ver_tc_flow);
	assert_int_equal(d[l4], WS_ICMP6_ECHO_REPLY);
	assert_int_equal(d[l4 + 1], 0);
	assert_memory_equal(d + l4 + 4, f->b + l4 + 4, icmp_len - 4);
	assert_int_equal(ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, d + l4, icmp_len), 0);
}

static void test_icmp6_echo_reply(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3, l4;
	struct ws_pkt *p;

	for (int vlan = 0; vlan <= 1; vlan++) {
		/* unicast: answered from the address it was sent to, passed as a
		 * pointer into the packet itself */
		l3 = build_icmp6(&f, vlan, WS_ICMP6_ECHO_REQUEST, IP6_A, IP6_B, 56, &l4);
		p = load(&f);
		assert_int_equal(ws_icmp6_echo_reply(p, ws_pkt_data(p) + l3 + 24), 0);
		check_echo6_reply(p, &f, l3, l4, 64, IP6_B);

		/* to ff02::1: the caller picks our link-local address */
		l3 = build_icmp6(&f, vlan, WS_ICMP6_ECHO_REQUEST, IP6_A, IP6_ALL_NODES, 0, &l4);
		pad_to(&f, 100);
		p = load(&f);
		assert_int_equal(ws_icmp6_echo_reply(p, IP6_LL), 0);
		check_echo6_reply(p, &f, l3, l4, 8, IP6_LL);
	}
}

static void test_icmp6_echo_reply_refused(void **state)
{
	(void)state;
	struct buf f;
	unsigned l3, l4;
	struct ws_pkt *p;
	uint8_t before[sizeof(frame.b)];

	/* bad checksum: one bit of data, or the pseudo-header's destination */
	l3 = build_icmp6(&f, 0, WS_ICMP6_ECHO_REQUEST, IP6_A, IP6_B, 16, &l4);
	f.b[l4 + 12] ^= 0x80;
	p = load(&f);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp6_echo_reply(p, IP6_B), -EBADMSG);
	assert_memory_equal(before, frame.b, sizeof(before));
	f.b[l4 + 12] ^= 0x80;
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), 0);
	f.b[l3 + 39] ^= 0x04;
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), -EBADMSG);

	/* an echo reply, and a message too short for id and sequence */
	build_icmp6(&f, 0, WS_ICMP6_ECHO_REPLY, IP6_A, IP6_B, 8, &l4);
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), -EINVAL);
	l3 = build_icmp6(&f, 0, WS_ICMP6_ECHO_REQUEST, IP6_A, IP6_B, 0, &l4);
	f.len -= 4;
	fix_v6(&f, l3);
	((struct ws_icmp6_hdr *)(f.b + l4))->csum = 0;
	((struct ws_icmp6_hdr *)(f.b + l4))->csum =
		ws_ipv6_l4_csum((struct ws_ipv6_hdr *)(f.b + l3), WS_IPPROTO_ICMPV6, f.b + l4, 4);
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), -EINVAL);

	/* with an extension header (destination options) in front */
	l3 = put_l2(&f, 0, WS_ETHERTYPE_IPV6);
	put_v6(&f, WS_IPPROTO_DSTOPTS, IP6_A, IP6_B);
	put(&f, (const uint8_t[]){WS_IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0}, 8);
	l4 = put(&f, NULL, 16);
	f.b[l4] = WS_ICMP6_ECHO_REQUEST;
	f.b[l4 + 1] = 0;
	f.b[l4 + 2] = f.b[l4 + 3] = 0;
	fix_v6(&f, l3);
	((struct ws_icmp6_hdr *)(f.b + l4))->csum =
		ws_ipv6_l4_csum((struct ws_ipv6_hdr *)(f.b + l3), WS_IPPROTO_ICMPV6, f.b + l4, 16);
	p = load(&f);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMPV6);
	memcpy(before, frame.b, sizeof(before));
	assert_int_equal(ws_icmp6_echo_reply(p, IP6_B), -EINVAL);
	assert_memory_equal(before, frame.b, sizeof(before));

	/* not ICMPv6 */
	build_udp6(&f, 0, 64);
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), -EINVAL);
	build_icmp4(&f, 0, WS_ICMP_ECHO_REQUEST, 8, &l4);
	assert_int_equal(ws_icmp6_echo_reply(load(&f), IP6_B), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp4_error_long),
		cmocka_unit_test(test_icmp4_error_short_and_padding),
		cmocka_unit_test(test_icmp4_error_info),
		cmocka_unit_test(test_icmp4_error_options),
		cmocka_unit_test(test_icmp4_error_headroom),
		cmocka_unit_test(test_icmp6_error_long),
		cmocka_unit_test(test_icmp6_error_short),
		cmocka_unit_test(test_icmp6_error_headroom),
		cmocka_unit_test(test_icmp4_error_allowed_addresses),
		cmocka_unit_test(test_icmp4_error_allowed_fragments),
		cmocka_unit_test(test_icmp4_error_allowed_icmp_types),
		cmocka_unit_test(test_icmp6_error_allowed),
		cmocka_unit_test(test_icmp4_echo_reply),
		cmocka_unit_test(test_icmp4_echo_reply_refused),
		cmocka_unit_test(test_icmp6_echo_reply),
		cmocka_unit_test(test_icmp6_echo_reply_refused),
	};
	return cmocka_run_group_tests_name("net_icmp", tests, NULL, NULL);
}
