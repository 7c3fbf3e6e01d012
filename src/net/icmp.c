/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp.c: ICMP and ICMPv6 errors and echo replies built in place over the
 * packet that caused them. The contract is in icmp.h.
 *
 * Errors grow the packet towards the front: the original IP packet becomes
 * the quote without moving a byte, and the new Ethernet/IP/ICMP headers are
 * written into the headroom just before it. Echo replies rewrite fields and
 * never change a length. Every check that can fail runs before the first
 * write, so a failing call leaves the packet as it was.
 */
#include "net/icmp.h"

#include <errno.h>
#include <string.h>

#include "net/checksum.h"

/* Bytes of the original an error may quote: what is left of the size limit
 * after the error's own IP and ICMP headers (548 for IPv4, 1232 for IPv6). */
#define ICMP4_QUOTE_MAX (WS_ICMP4_ERROR_MAX_IP - WS_IPV4_HDR_LEN - WS_ICMP_HDR_LEN)
#define ICMP6_QUOTE_MAX (WS_ICMP6_ERROR_MAX_IP - WS_IPV6_HDR_LEN - WS_ICMP6_ERROR_HDR_LEN)

static inline const uint8_t *icmp_data(const struct ws_pkt *p)
{
	return (const uint8_t *)p + p->data_off;
}

/* The new packet starts `hdrs` bytes before the original's L3 header; false
 * when that would reach into the metadata line (or below the frame). */
static bool icmp_error_start(const struct ws_pkt *p, unsigned hdrs, unsigned *start)
{
	unsigned l3 = (unsigned)p->data_off + p->l3_off;

	if (l3 < sizeof(struct ws_pkt) + hdrs)
		return false;
	*start = l3 - hdrs;
	return true;
}

/* Ethernet header of an originated error: no tag and zero MACs, because the
 * rewrite node fills in the addresses of whatever port the route picks. */
static void icmp_error_eth(uint8_t *frame, uint16_t ethertype)
{
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)frame;

	memset(eth, 0, 2 * WS_ETH_ADDR_LEN);
	eth->ethertype = ws_hton16(ethertype);
}

/* The metadata ws_net_parse would have written for the error. */
static void icmp_error_meta(struct ws_pkt *p, unsigned start, unsigned len, uint16_t ethertype, unsigned l4_off,
			    uint8_t proto)
{
	p->data_off = (uint16_t)start;
	p->data_len = (uint16_t)len;
	p->l3_off = WS_ETH_HDR_LEN;
	p->l4_off = (uint16_t)l4_off;
	p->l4_proto = proto;
	p->ethertype = ethertype;
	p->vlan_tci = 0;
	p->flags &= (uint8_t)~WS_PKT_F_VLAN;
}

int ws_icmp4_error(struct ws_pkt *p, uint8_t type, uint8_t code, uint32_t info, uint32_t src_ip)
{
	const struct ws_ipv4_hdr *orig;
	struct ws_ipv4_hdr *ip;
	struct ws_icmp_hdr *ic;
	unsigned quote, start;
	uint32_t orig_src;
	uint8_t *frame;

	if (p->ethertype != WS_ETHERTYPE_IPV4)
		return -EINVAL;
	if (!icmp_error_start(p, WS_ICMP4_ERROR_HDRS_LEN, &start))
		return -ENOSPC;
	orig = (const struct ws_ipv4_hdr *)(icmp_data(p) + p->l3_off);
	/* the total length, not data_len: Ethernet padding is not the datagram */
	quote = ws_ntoh16(orig->total_len);
	if (quote > ICMP4_QUOTE_MAX)
		quote = ICMP4_QUOTE_MAX;
	memcpy(&orig_src, &orig->src, sizeof(orig_src));

	frame = (uint8_t *)p + start;
	icmp_error_eth(frame, WS_ETHERTYPE_IPV4);
	ip = (struct ws_ipv4_hdr *)(frame + WS_ETH_HDR_LEN);
	ip->version_ihl = 0x45;
	ip->tos = 0;
	ip->total_len = ws_hton16((uint16_t)(WS_IPV4_HDR_LEN + WS_ICMP_HDR_LEN + quote));
	ip->id = 0;
	ip->frag_off = 0; /* DF clear: a router on the way back may fragment it */
	ip->ttl = WS_ICMP_TTL;
	ip->proto = WS_IPPROTO_ICMP;
	ip->src = ws_hton32(src_ip);
	ip->dst = orig_src;
	ip->csum = 0;
	ip->csum = ws_ipv4_hdr_csum(ip);

	ic = (struct ws_icmp_hdr *)(frame + WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN);
	ic->type = type;
	ic->code = code;
	ic->csum = 0;
	ic->un.unused = ws_hton32(info);
	ic->csum = ws_csum_fold(ws_csum_partial(ic, WS_ICMP_HDR_LEN + quote, 0));

	icmp_error_meta(p, start, WS_ICMP4_ERROR_HDRS_LEN + quote, WS_ETHERTYPE_IPV4, WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN,
			WS_IPPROTO_ICMP);
	return 0;
}

/* ICMP types that are queries or replies, never errors (RFC 792, 950, 1256).
 * Everything else, unknown types included, is treated as an error. */
static bool icmp4_is_informational(uint8_t type)
{
	switch (type) {
	case WS_ICMP_ECHO_REPLY:
	case WS_ICMP_ECHO_REQUEST:
	case WS_ICMP_ROUTER_ADVERT:
	case WS_ICMP_ROUTER_SOLICIT:
	case WS_ICMP_TIMESTAMP:
	case WS_ICMP_TIMESTAMP_REPLY:
	case WS_ICMP_INFO_REQUEST:
	case WS_ICMP_INFO_REPLY:
	case WS_ICMP_ADDR_MASK_REQUEST:
	case WS_ICMP_ADDR_MASK_REPLY:
		return true;
	default:
		return false;
	}
}

bool ws_icmp4_error_allowed(const struct ws_pkt *p)
{
	const uint8_t *d = icmp_data(p);
	const struct ws_ipv4_hdr *ip;
	uint32_t src, dst;

	if (p->ethertype != WS_ETHERTYPE_IPV4)
		return false;
	/* the I/G bit: group-addressed frames (broadcast too) are never answered */
	if (d[0] & 0x01)
		return false;
	ip = (const struct ws_ipv4_hdr *)(d + p->l3_off);
	dst = ws_ntoh32(ip->dst);
	src = ws_ntoh32(ip->src);
	/* 224/4 multicast and 240/4 class E, which holds 255.255.255.255 */
	if (dst >= 0xe0000000u)
		return false;
	/* sources that name no single host: 0/8 "this network", 127/8 loopback
	 * (never legitimately on a wire), and again multicast/E/broadcast */
	if ((src >> 24) == 0 || (src >> 24) == 127 || src >= 0xe0000000u)
		return false;
	if (ws_ntoh16(ip->frag_off) & WS_IPV4_FRAG_OFF_MASK)
		return false;
	/* not a non-first fragment, so parse gave ICMP an l4_off with 8 bytes */
	if (ip->proto == WS_IPPROTO_ICMP && p->l4_off != 0)
		return icmp4_is_informational(d[p->l4_off]);
	return true;
}

int ws_icmp6_error(struct ws_pkt *p, uint8_t type, uint8_t code, uint32_t info, const uint8_t src[16])
{
	const struct ws_ipv6_hdr *orig;
	struct ws_ipv6_hdr *ip6;
	struct ws_icmp6_hdr *ic;
	uint8_t src_copy[WS_IPV6_ADDR_LEN];
	unsigned quote, start;
	uint32_t info_be = ws_hton32(info);
	uint8_t *frame;

	if (p->ethertype != WS_ETHERTYPE_IPV6)
		return -EINVAL;
	if (!icmp_error_start(p, WS_ICMP6_ERROR_HDRS_LEN, &start))
		return -ENOSPC;
	memcpy(src_copy, src, sizeof(src_copy));
	orig = (const struct ws_ipv6_hdr *)(icmp_data(p) + p->l3_off);
	quote = WS_IPV6_HDR_LEN + ws_ntoh16(orig->payload_len);
	if (quote > ICMP6_QUOTE_MAX)
		quote = ICMP6_QUOTE_MAX;

	frame = (uint8_t *)p + start;
	icmp_error_eth(frame, WS_ETHERTYPE_IPV6);
	/* the original's header is the start of the quote, after these bytes */
	ip6 = (struct ws_ipv6_hdr *)(frame + WS_ETH_HDR_LEN);
	ip6->ver_tc_flow = ws_hton32(6u << 28);
	ip6->payload_len = ws_hton16((uint16_t)(WS_ICMP6_ERROR_HDR_LEN + quote));
	ip6->next_hdr = WS_IPPROTO_ICMPV6;
	ip6->hop_limit = WS_ICMP_TTL;
	memcpy(ip6->src, src_copy, WS_IPV6_ADDR_LEN);
	memcpy(ip6->dst, orig->src, WS_IPV6_ADDR_LEN);

	ic = (struct ws_icmp6_hdr *)(frame + WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN);
	ic->type = type;
	ic->code = code;
	ic->csum = 0;
	memcpy((uint8_t *)ic + WS_ICMP6_HDR_LEN, &info_be, sizeof(info_be));
	ic->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, ic, WS_ICMP6_ERROR_HDR_LEN + quote);

	icmp_error_meta(p, start, WS_ICMP6_ERROR_HDRS_LEN + quote, WS_ETHERTYPE_IPV6, WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN,
			WS_IPPROTO_ICMPV6);
	return 0;
}

static bool ip6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[WS_IPV6_ADDR_LEN];

	return memcmp(a, zero, WS_IPV6_ADDR_LEN) == 0;
}

bool ws_icmp6_error_allowed(const struct ws_pkt *p, uint8_t type, uint8_t code)
{
	const uint8_t *d = icmp_data(p);
	const struct ws_ipv6_hdr *ip6;

	if (p->ethertype != WS_ETHERTYPE_IPV6)
		return false;
	ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);
	/* 2.4(e.1), (e.2): l4_off is 0 for a non-first fragment, whose type is
	 * unknowable; see icmp.h */
	if (p->l4_proto == WS_IPPROTO_ICMPV6 && p->l4_off != 0) {
		uint8_t t = d[p->l4_off];

		if (t < 128 || t == WS_ICMP6_REDIRECT)
			return false;
	}
	/* 2.4(e.5): the source must name one node */
	if (ip6->src[0] == 0xff || ip6_is_unspecified(ip6->src))
		return false;
	/* 2.4(e.3), (e.4): group destinations get only the errors path MTU
	 * discovery and option processing need */
	if ((ip6->dst[0] == 0xff || (d[0] & 0x01)) &&
	    !(type == WS_ICMP6_PKT_TOO_BIG || (type == WS_ICMP6_PARAM_PROBLEM && code == WS_ICMP6_PARAM_OPTION)))
		return false;
	return true;
}

static void icmp_swap_macs(uint8_t *frame)
{
	uint8_t tmp[WS_ETH_ADDR_LEN];
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)frame;

	memcpy(tmp, eth->dst, WS_ETH_ADDR_LEN);
	memcpy(eth->dst, eth->src, WS_ETH_ADDR_LEN);
	memcpy(eth->src, tmp, WS_ETH_ADDR_LEN);
}

int ws_icmp4_echo_reply(struct ws_pkt *p)
{
	uint8_t *d = ws_pkt_data(p);
	struct ws_ipv4_hdr *ip;
	struct ws_icmp_hdr *ic;
	uint16_t old_word, new_word;
	uint32_t addr;
	unsigned len;

	if (p->ethertype != WS_ETHERTYPE_IPV4 || p->l4_proto != WS_IPPROTO_ICMP || p->l4_off == 0)
		return -EINVAL;
	ip = (struct ws_ipv4_hdr *)(d + p->l3_off);
	if (ws_ntoh16(ip->frag_off) & (WS_IPV4_FLAG_MF | WS_IPV4_FRAG_OFF_MASK))
		return -EINVAL;
	ic = (struct ws_icmp_hdr *)(d + p->l4_off);
	if (ic->type != WS_ICMP_ECHO_REQUEST)
		return -EINVAL;
	/* parse: IHL*4 + 8 <= total length <= bytes present */
	len = ws_ntoh16(ip->total_len) - ws_ipv4_hdr_len(ip);
	if (ws_csum_fold(ws_csum_partial(ic, len, 0)) != 0)
		return -EBADMSG;

	/* only the type/code word changes, and ICMP has no pseudo-header, so
	 * the address swap costs the ICMP checksum nothing */
	memcpy(&old_word, ic, sizeof(old_word));
	ic->type = WS_ICMP_ECHO_REPLY;
	memcpy(&new_word, ic, sizeof(new_word));
	ic->csum = ws_csum_update16(ic->csum, old_word, new_word);

	addr = ip->src;
	ip->src = ip->dst;
	ip->dst = addr;
	ip->ttl = WS_ICMP_TTL;
	ip->csum = ws_ipv4_hdr_csum(ip);
	icmp_swap_macs(d);
	return 0;
}

int ws_icmp6_echo_reply(struct ws_pkt *p, const uint8_t src[16])
{
	uint8_t *d = ws_pkt_data(p);
	uint8_t src_copy[WS_IPV6_ADDR_LEN];
	struct ws_ipv6_hdr *ip6;
	struct ws_icmp6_hdr *ic;
	unsigned len;

	if (p->ethertype != WS_ETHERTYPE_IPV6 || p->l4_proto != WS_IPPROTO_ICMPV6 ||
	    p->l4_off != p->l3_off + WS_IPV6_HDR_LEN)
		return -EINVAL;
	ip6 = (struct ws_ipv6_hdr *)(d + p->l3_off);
	ic = (struct ws_icmp6_hdr *)(d + p->l4_off);
	/* no extension headers: the ICMPv6 message is the whole payload */
	len = ws_ntoh16(ip6->payload_len);
	if (len < WS_ICMP6_ECHO_HDR_LEN || ic->type != WS_ICMP6_ECHO_REQUEST)
		return -EINVAL;
	if (ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, ic, len) != 0)
		return -EBADMSG;

	/* src may well point at ip6->dst (the address the request was sent to) */
	memcpy(src_copy, src, sizeof(src_copy));
	memcpy(ip6->dst, ip6->src, WS_IPV6_ADDR_LEN);
	memcpy(ip6->src, src_copy, WS_IPV6_ADDR_LEN);
	ip6->hop_limit = WS_ICMP_TTL;
	ic->type = WS_ICMP6_ECHO_REPLY;
	/* the pseudo-header changed as well: a second pass over the message is
	 * simpler to trust than an incremental update, and this is slow path */
	ic->csum = 0;
	ic->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, ic, len);
	icmp_swap_macs(d);
	return 0;
}
