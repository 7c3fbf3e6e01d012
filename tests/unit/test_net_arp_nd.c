/* SPDX-License-Identifier: BSD-3-Clause */
/* net/arp_nd.h on frames built here byte by byte: ARP requests read and
 * answered in place, ARP requests built from scratch (compared with the
 * expected bytes), neighbour solicitations built and answered (from a normal
 * source and from ::), the NA flags, and ws_nd_read's validation with one
 * failing case per RFC 4861 7.1.1/7.1.2 rule next to a passing twin. Every
 * result is parsed again and its checksums verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/pkt.h"
#include "net/arp_nd.h"
#include "net/checksum.h"
#include "net/net.h"
#include "net/parse.h"

#define TEST_TCI ((6u << WS_VLAN_PCP_SHIFT) | 7u)
#define STALE_BYTE 0xa5

static const uint8_t MAC_HOST[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t MAC_OURS[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define IP4_HOST 0xc6120001u   /* 198.18.0.1 */
#define IP4_OURS 0xc61200feu   /* 198.18.0.254 */

static const uint8_t IP6_HOST[16] = {0x20, 0x01, 0x0d, 0xb8, [8] = 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
/* ours: 2001:db8::1:2:3:4567:89ab, solicited-node ff02::1:ff67:89ab */
static const uint8_t IP6_OURS[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 2, 0, 3, 0x45, 0x67, 0x89, 0xab};
static const uint8_t IP6_OURS_SNM[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x67, 0x89, 0xab};
static const uint8_t IP6_LL[16] = {0xfe, 0x80, [15] = 0x01};
static const uint8_t IP6_ALL_NODES[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t IP6_UNSPEC[16];

/* ---- the frame under test ---- */

struct buf {
	uint8_t b[512];
	unsigned len;
};

static union {
	struct ws_pkt meta;
	uint8_t b[2048 + 64];
} frame;

/* A pool frame as the last user left it: stale bytes everywhere. */
static struct ws_pkt *fresh(void)
{
	memset(frame.b, STALE_BYTE, sizeof(frame.b));
	return &frame.meta;
}

static struct ws_pkt *load(const struct buf *f)
{
	struct ws_pkt *p = fresh();

	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)f->len, 2, 0);
	memcpy(ws_pkt_data(p), f->b, f->len);
	assert_int_equal(ws_net_parse(p), WS_NET_OK);
	return p;
}

static void reparse_ok(struct ws_pkt *p)
{
	unsigned rc = ws_net_parse(p);

	if (rc != WS_NET_OK)
		fail_msg("result does not parse: %s", ws_net_drop_name(rc));
}

static void put(struct buf *f, const void *src, unsigned n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, src, n);
	f->len += n;
}

static void put_be16(struct buf *f, uint16_t v)
{
	put(f, (const uint8_t[]){(uint8_t)(v >> 8), (uint8_t)v}, 2);
}

static void put_be32(struct buf *f, uint32_t v)
{
	put(f, (const uint8_t[]){(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}, 4);
}

static unsigned put_l2(struct buf *f, const uint8_t *dst, const uint8_t *src, int vlan, uint16_t et)
{
	f->len = 0;
	put(f, dst, 6);
	put(f, src, 6);
	if (vlan) {
		put_be16(f, WS_ETHERTYPE_VLAN);
		put_be16(f, TEST_TCI);
	}
	put_be16(f, et);
	return f->len;
}

/* ---- ARP ---- */

/* "Who has 198.18.0.254? Tell 198.18.0.1", padded to 60 (64 tagged). */
static unsigned build_arp_request(struct buf *f, int vlan)
{
	static const uint8_t zero[18];
	unsigned l3 = put_l2(f, MAC_BCAST, MAC_HOST, vlan, WS_ETHERTYPE_ARP);

	put_be16(f, 1);
	put_be16(f, 0x0800);
	put(f, (const uint8_t[]){6, 4}, 2);
	put_be16(f, 1);
	put(f, MAC_HOST, 6);
	put_be32(f, IP4_HOST);
	put(f, zero, 6);
	put_be32(f, IP4_OURS);
	put(f, zero, 18);
	return l3;
}

static void test_arp_read(void **state)
{
	(void)state;
	struct buf f;
	struct ws_arp_info a;
	static const uint8_t zero[6];

	for (int vlan = 0; vlan <= 1; vlan++) {
		build_arp_request(&f, vlan);
		memset(&a, 0x77, sizeof(a));
		ws_arp_read(load(&f), &a);
		assert_int_equal(a.op, WS_ARP_OP_REQUEST);
		assert_memory_equal(a.sha, MAC_HOST, 6);
		assert_int_equal(a.spa, IP4_HOST);
		assert_memory_equal(a.tha, zero, 6);
		assert_int_equal(a.tpa, IP4_OURS);
	}
}

static void test_arp_make_reply(void **state)
{
	(void)state;
	/* the 28 bytes of the reply, as RFC 826 lays them out */
	static const uint8_t want_arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 198, 18, 0, 254,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 198, 18, 0, 1,
	};

	for (int vlan = 0; vlan <= 1; vlan++) {
		struct buf f;
		unsigned l3 = build_arp_request(&f, vlan);
		struct ws_pkt *p = load(&f);
		struct ws_arp_info a;
		const uint8_t *d;

		ws_arp_make_reply(p, MAC_OURS);
		assert_int_equal(p->data_off, WS_PKT_HEADROOM);
		assert_int_equal(p->data_len, f.len);
		reparse_ok(p);
		assert_int_equal(p->ethertype, WS_ETHERTYPE_ARP);
		assert_int_equal(p->l3_off, l3);
		assert_int_equal(p->vlan_tci, vlan ? TEST_TCI : 0);
		d = ws_pkt_data(p);
		assert_memory_equal(d, MAC_HOST, 6);
		assert_memory_equal(d + 6, MAC_OURS, 6);
		assert_memory_equal(d + 12, f.b + 12, l3 - 12); /* tag and ethertype */
		assert_memory_equal(d + l3, want_arp, 28);
		assert_memory_equal(d + l3 + 28, f.b + l3 + 28, f.len - l3 - 28); /* padding kept */

		ws_arp_read(p, &a);
		assert_int_equal(a.op, WS_ARP_OP_REPLY);
		assert_int_equal(a.spa, IP4_OURS);
		assert_int_equal(a.tpa, IP4_HOST);
	}
}

static void test_arp_build_request(void **state)
{
	(void)state;
	static const uint8_t want[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 198, 18, 0, 254,
		0, 0, 0, 0, 0, 0, 198, 18, 0, 1,
		/* 18 bytes of zero padding */
	};
	struct ws_pkt *p = fresh();
	struct ws_arp_info a;

	ws_arp_build_request(p, MAC_OURS, IP4_OURS, IP4_HOST);
	assert_int_equal(p->data_off, WS_PKT_HEADROOM);
	assert_int_equal(p->data_len, 60);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_ARP);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 0);
	assert_int_equal(p->l4_proto, 0);
	assert_int_equal(p->vlan_tci, 0);
	assert_int_equal(p->flags, 0);
	assert_int_equal(p->drop_reason, 0);
	assert_memory_equal(ws_pkt_data(p), want, 60);
	/* nothing written past the frame it owns */
	assert_int_equal(ws_pkt_data(p)[60], STALE_BYTE);

	reparse_ok(p);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_ARP);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->flags, 0);
	ws_arp_read(p, &a);
	assert_int_equal(a.op, WS_ARP_OP_REQUEST);
	assert_memory_equal(a.sha, MAC_OURS, 6);
	assert_int_equal(a.spa, IP4_OURS);
	assert_int_equal(a.tpa, IP4_HOST);
}

/* ---- Neighbour Discovery ---- */

static void test_nd_solicited_node(void **state)
{
	(void)state;
	uint8_t out[16], same[16];

	ws_nd_solicited_node(IP6_OURS, out);
	assert_memory_equal(out, IP6_OURS_SNM, 16);
	memcpy(same, IP6_OURS, 16);
	ws_nd_solicited_node(same, same); /* in place */
	assert_memory_equal(same, IP6_OURS_SNM, 16);
	ws_nd_solicited_node(IP6_LL, out);
	assert_memory_equal(out, ((const uint8_t[16]){0xff, 0x02, [11] = 0x01, 0xff, 0, 0, 0x01}), 16);
}

/* An NS/NA: Ethernet [+ tag] + IPv6 (hop limit 255) + the 24-byte message +
 * opts; checksummed. Returns l3_off; *l4 is the message's offset. */
static unsigned build_nd(struct buf *f, int vlan, uint8_t type, uint8_t flags, const uint8_t *src, const uint8_t *dst,
			 const uint8_t *target, const uint8_t *opts, unsigned optlen, unsigned *l4)
{
	const uint8_t *edst = dst[0] == 0xff ? (const uint8_t[]){0x33, 0x33, dst[12], dst[13], dst[14], dst[15]}
					     : MAC_OURS;
	unsigned l3 = put_l2(f, edst, MAC_HOST, vlan, WS_ETHERTYPE_IPV6);
	struct ws_ipv6_hdr *ip6;

	put_be32(f, 0x60000000u);
	put_be16(f, (uint16_t)(24 + optlen));
	put(f, (const uint8_t[]){WS_IPPROTO_ICMPV6, 255}, 2);
	put(f, src, 16);
	put(f, dst, 16);
	*l4 = f->len;
	put(f, (const uint8_t[]){type, 0, 0, 0, flags, 0, 0, 0}, 8);
	put(f, target, 16);
	if (optlen)
		put(f, opts, optlen);
	ip6 = (struct ws_ipv6_hdr *)(f->b + l3);
	((struct ws_icmp6_hdr *)(f->b + *l4))->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, f->b + *l4, 24 + optlen);
	return l3;
}

/* After an edit: the checksum again, so that only the edit is wrong. */
static void refix_nd(struct buf *f, unsigned l3, unsigned l4)
{
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(f->b + l3);
	unsigned len = (unsigned)f->b[l3 + 4] << 8 | f->b[l3 + 5];

	((struct ws_icmp6_hdr *)(f->b + l4))->csum = 0;
	((struct ws_icmp6_hdr *)(f->b + l4))->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, f->b + l4, len);
}

static const uint8_t SLLA_HOST[8] = {WS_ND_OPT_SRC_LLA, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t TLLA_HOST[8] = {WS_ND_OPT_TGT_LLA, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

static int nd_read_buf(const struct buf *f, struct ws_nd_info *nd)
{
	return ws_nd_read(load(f), nd);
}

static void check_nd_csum(struct ws_pkt *p)
{
	const uint8_t *d = ws_pkt_data(p);
	const struct ws_ipv6_hdr *ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);

	assert_int_equal(ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, d + p->l4_off, ws_ntoh16(ip6->payload_len)), 0);
}

static void test_nd_build_ns(void **state)
{
	(void)state;
	static const uint8_t want_eth[14] = {0x33, 0x33, 0xff, 0x67, 0x89, 0xab, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
					     0x86, 0xdd};
	struct ws_pkt *p = fresh();
	struct ws_nd_info nd;
	const uint8_t *d;

	ws_nd_build_ns(p, MAC_OURS, IP6_LL, IP6_OURS);
	assert_int_equal(p->data_off, WS_PKT_HEADROOM);
	assert_int_equal(p->data_len, 14 + 40 + 32);
	assert_int_equal(p->ethertype, WS_ETHERTYPE_IPV6);
	assert_int_equal(p->l3_off, 14);
	assert_int_equal(p->l4_off, 54);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMPV6);
	assert_int_equal(p->vlan_tci, 0);
	assert_int_equal(p->flags, 0);
	assert_int_equal(p->drop_reason, 0);
	d = ws_pkt_data(p);
	assert_memory_equal(d, want_eth, 14);
	assert_memory_equal(d + 14, ((const uint8_t[]){0x60, 0, 0, 0, 0, 32, 58, 255}), 8);
	assert_memory_equal(d + 22, IP6_LL, 16);
	assert_memory_equal(d + 38, IP6_OURS_SNM, 16);
	assert_memory_equal(d + 54, ((const uint8_t[]){135, 0}), 2);
	assert_memory_equal(d + 58, ((const uint8_t[]){0, 0, 0, 0}), 4);
	assert_memory_equal(d + 62, IP6_OURS, 16);
	assert_memory_equal(d + 78, ((const uint8_t[]){1, 1, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}), 8);
	check_nd_csum(p);

	reparse_ok(p);
	assert_int_equal(p->l4_off, 54);
	assert_int_equal(ws_nd_read(p, &nd), 0);
	assert_int_equal(nd.type, WS_ICMP6_NEIGH_SOLICIT);
	assert_int_equal(nd.flags, 0);
	assert_memory_equal(nd.target, IP6_OURS, 16);
	assert_true(nd.has_lla);
	assert_memory_equal(nd.lla, MAC_OURS, 6);

	/* a DAD probe from :: carries no source LLA option */
	p = fresh();
	ws_nd_build_ns(p, MAC_OURS, IP6_UNSPEC, IP6_OURS);
	assert_int_equal(p->data_len, 14 + 40 + 24);
	d = ws_pkt_data(p);
	assert_int_equal(d[19], 24);
	assert_memory_equal(d + 22, IP6_UNSPEC, 16);
	check_nd_csum(p);
	reparse_ok(p);
	assert_int_equal(ws_nd_read(p, &nd), 0);
	assert_false(nd.has_lla);
}

static void check_na(struct ws_pkt *p, unsigned l3, const uint8_t *eth_dst, const uint8_t *ip_dst, uint8_t flags,
		     const uint8_t *target)
{
	struct ws_nd_info nd;
	const uint8_t *d;
	const struct ws_ipv6_hdr *ip6;

	assert_int_equal(p->data_len, l3 + 40 + 32);
	reparse_ok(p);
	assert_int_equal(p->l3_off, l3);
	assert_int_equal(p->l4_off, l3 + 40);
	assert_int_equal(p->l4_proto, WS_IPPROTO_ICMPV6);
	d = ws_pkt_data(p);
	assert_memory_equal(d, eth_dst, 6);
	assert_memory_equal(d + 6, MAC_OURS, 6);
	ip6 = (const struct ws_ipv6_hdr *)(d + l3);
	assert_int_equal(ws_ntoh32(ip6->ver_tc_flow), 0x60000000u);
	assert_int_equal(ws_ntoh16(ip6->payload_len), 32);
	assert_int_equal(ip6->hop_limit, 255);
	assert_memory_equal(ip6->src, target, 16);
	assert_memory_equal(ip6->dst, ip_dst, 16);
	assert_memory_equal(d + l3 + 40, ((const uint8_t[]){136, 0}), 2);
	assert_memory_equal(d + l3 + 44, ((const uint8_t[]){flags, 0, 0, 0}), 4);
	assert_memory_equal(d + l3 + 48, target, 16);
	assert_memory_equal(d + l3 + 64, ((const uint8_t[]){2, 1, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}), 8);
	check_nd_csum(p);

	assert_int_equal(ws_nd_read(p, &nd), 0);
	assert_int_equal(nd.type, WS_ICMP6_NEIGH_ADVERT);
	assert_int_equal(nd.flags, flags);
	assert_memory_equal(nd.target, target, 16);
	assert_true(nd.has_lla);
	assert_memory_equal(nd.lla, MAC_OURS, 6);
}

static void test_nd_make_na(void **state)
{
	(void)state;
	struct buf f;
	struct ws_nd_info nd;
	unsigned l3, l4;
	struct ws_pkt *p;

	for (int vlan = 0; vlan <= 1; vlan++) {
		/* from a host with an address: solicited, to it */
		l3 = build_nd(&f, vlan, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
		p = load(&f);
		assert_int_equal(ws_nd_read(p, &nd), 0);
		assert_true(nd.has_lla);
		assert_memory_equal(nd.lla, MAC_HOST, 6);
		ws_nd_make_na(p, MAC_OURS, nd.target);
		check_na(p, l3, MAC_HOST, IP6_HOST, WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE,
			 IP6_OURS);
		assert_int_equal(p->vlan_tci, vlan ? TEST_TCI : 0);
		assert_memory_equal(ws_pkt_data(p) + 12, f.b + 12, l3 - 12);

		/* a unicast NS (reachability probe) without the option, grows by 8;
		 * target passed as a pointer into the packet */
		l3 = build_nd(&f, vlan, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_LL, IP6_LL, NULL, 0, &l4);
		p = load(&f);
		assert_int_equal(p->data_len, l3 + 64);
		ws_nd_make_na(p, MAC_OURS, ws_pkt_data(p) + l4 + 8);
		check_na(p, l3, MAC_HOST, IP6_HOST, WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE,
			 IP6_LL);

		/* a DAD probe from ::: to all nodes, not solicited */
		l3 = build_nd(&f, vlan, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_UNSPEC, IP6_OURS_SNM, IP6_OURS, NULL, 0, &l4);
		p = load(&f);
		assert_int_equal(ws_nd_read(p, &nd), 0);
		ws_nd_make_na(p, MAC_OURS, IP6_OURS);
		check_na(p, l3, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, IP6_ALL_NODES,
			 WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_OVERRIDE,
			 IP6_OURS);
	}
}

/* The readers' flags and options: NA flags as sent, the right LLA option
 * taken, unknown options skipped. */
static void test_nd_read_fields(void **state)
{
	(void)state;
	struct buf f;
	struct ws_nd_info nd;
	unsigned l4;
	/* unknown option (type 14, 16 bytes), then the target LLA */
	uint8_t opts[24] = {14, 2, [16] = WS_ND_OPT_TGT_LLA, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

	build_nd(&f, 0, WS_ICMP6_NEIGH_ADVERT, WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_SOLICITED, IP6_HOST, IP6_OURS,
		 IP6_HOST, opts, sizeof(opts), &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);
	assert_int_equal(nd.type, WS_ICMP6_NEIGH_ADVERT);
	assert_int_equal(nd.flags, WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_SOLICITED);
	assert_memory_equal(nd.target, IP6_HOST, 16);
	assert_true(nd.has_lla);
	assert_memory_equal(nd.lla, MAC_HOST, 6);

	/* an NA with only a source LLA option: not the one it may carry */
	build_nd(&f, 0, WS_ICMP6_NEIGH_ADVERT, WS_ND_NA_FLAG_OVERRIDE, IP6_HOST, IP6_ALL_NODES, IP6_HOST, SLLA_HOST,
		 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);
	assert_int_equal(nd.flags, WS_ND_NA_FLAG_OVERRIDE);
	assert_false(nd.has_lla);

	/* an NS with a target LLA option only: likewise */
	build_nd(&f, 1, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, TLLA_HOST, 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);
	assert_int_equal(nd.type, WS_ICMP6_NEIGH_SOLICIT);
	assert_false(nd.has_lla);
}

/* Each RFC 4861 rule: the failing packet, and where it helps the passing one
 * beside it. */
static void test_nd_read_invalid(void **state)
{
	(void)state;
	struct buf f;
	struct ws_nd_info nd;
	unsigned l3, l4;

	/* hop limit 254: may have come through a router */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);
	f.b[l3 + 7] = 254;
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* bad checksum */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
	f.b[l4 + 30] ^= 0x10;
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);

	/* code 1 */
	f.b[l4 + 1] = 1;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* option length 0 */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
	f.b[l4 + 25] = 0;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	/* option running past the message */
	f.b[l4 + 25] = 2;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	/* a trailing fragment too short for an option header */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
	put(&f, (const uint8_t[]){0}, 1);
	f.b[l3 + 5] = 33;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* target multicast */
	build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_ALL_NODES, SLLA_HOST, 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	build_nd(&f, 0, WS_ICMP6_NEIGH_ADVERT, 0, IP6_HOST, IP6_OURS, IP6_OURS_SNM, NULL, 0, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* ICMPv6 length under 24 */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, NULL, 0, &l4);
	f.len -= 4;
	f.b[l3 + 5] = 20;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* NS from :: with a source LLA option; from :: to a non-solicited-node
	 * group; both fine from a real source */
	build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_UNSPEC, IP6_OURS_SNM, IP6_OURS, SLLA_HOST, 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_UNSPEC, IP6_ALL_NODES, IP6_OURS, NULL, 0, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_UNSPEC, IP6_OURS, IP6_OURS, NULL, 0, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS, IP6_OURS, SLLA_HOST, 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);

	/* NA with S to a multicast destination; without S it is fine */
	build_nd(&f, 0, WS_ICMP6_NEIGH_ADVERT, WS_ND_NA_FLAG_SOLICITED, IP6_HOST, IP6_ALL_NODES, IP6_HOST, TLLA_HOST,
		 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
	build_nd(&f, 0, WS_ICMP6_NEIGH_ADVERT, WS_ND_NA_FLAG_OVERRIDE, IP6_HOST, IP6_ALL_NODES, IP6_HOST, TLLA_HOST,
		 8, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), 0);
}

/* Not ND at all: other ICMPv6 types are -ENOTSUP, other packets -EINVAL,
 * and so is ND behind an extension header. */
static void test_nd_read_other(void **state)
{
	(void)state;
	struct buf f;
	struct ws_nd_info nd;
	unsigned l3, l4;

	l3 = build_nd(&f, 0, WS_ICMP6_ROUTER_ADVERT, 0, IP6_LL, IP6_ALL_NODES, IP6_HOST, NULL, 0, &l4);
	assert_int_equal(nd_read_buf(&f, &nd), -ENOTSUP);
	f.b[l4] = WS_ICMP6_ECHO_REQUEST;
	refix_nd(&f, l3, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -ENOTSUP);

	/* UDP over IPv6 */
	l3 = build_nd(&f, 0, WS_ICMP6_NEIGH_SOLICIT, 0, IP6_HOST, IP6_OURS_SNM, IP6_OURS, NULL, 0, &l4);
	f.b[l3 + 6] = WS_IPPROTO_UDP;
	f.b[l4 + 4] = 0;
	f.b[l4 + 5] = 24;
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* an ARP packet */
	l3 = put_l2(&f, MAC_BCAST, MAC_HOST, 0, WS_ETHERTYPE_ARP);
	put(&f, (const uint8_t[]){0, 1, 8, 0, 6, 4, 0, 1}, 8);
	put(&f, IP6_HOST, 16); /* 20 bytes of addresses, near enough */
	put(&f, IP6_HOST, 4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);

	/* an NS behind a hop-by-hop header */
	l3 = put_l2(&f, (const uint8_t[]){0x33, 0x33, 0xff, 0x67, 0x89, 0xab}, MAC_HOST, 0, WS_ETHERTYPE_IPV6);
	put_be32(&f, 0x60000000u);
	put_be16(&f, 8 + 24);
	put(&f, (const uint8_t[]){WS_IPPROTO_HOPOPTS, 255}, 2);
	put(&f, IP6_HOST, 16);
	put(&f, IP6_OURS_SNM, 16);
	put(&f, (const uint8_t[]){WS_IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0}, 8);
	l4 = f.len;
	put(&f, (const uint8_t[]){WS_ICMP6_NEIGH_SOLICIT, 0, 0, 0, 0, 0, 0, 0}, 8);
	put(&f, IP6_OURS, 16);
	((struct ws_icmp6_hdr *)(f.b + l4))->csum =
		ws_ipv6_l4_csum((struct ws_ipv6_hdr *)(f.b + l3), WS_IPPROTO_ICMPV6, f.b + l4, 24);
	assert_int_equal(load(&f)->l4_off, l4);
	assert_int_equal(nd_read_buf(&f, &nd), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_read),
		cmocka_unit_test(test_arp_make_reply),
		cmocka_unit_test(test_arp_build_request),
		cmocka_unit_test(test_nd_solicited_node),
		cmocka_unit_test(test_nd_build_ns),
		cmocka_unit_test(test_nd_make_na),
		cmocka_unit_test(test_nd_read_fields),
		cmocka_unit_test(test_nd_read_invalid),
		cmocka_unit_test(test_nd_read_other),
	};
	return cmocka_run_group_tests_name("net_arp_nd", tests, NULL, NULL);
}
