/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp_nd.c: ARP requests and replies, Neighbour Discovery solicitations and
 * advertisements: read, validate, answer in place, build from scratch. The
 * contract is in arp_nd.h.
 */
#include "net/arp_nd.h"

#include <errno.h>
#include <string.h>

#include "net/checksum.h"

/* ff02::1, all nodes on the link, and its Ethernet group (RFC 2464 7). */
static const uint8_t nd_all_nodes[WS_IPV6_ADDR_LEN] = {0xff, 0x02, [15] = 0x01};
static const uint8_t nd_all_nodes_mac[WS_ETH_ADDR_LEN] = {0x33, 0x33, 0, 0, 0, 0x01};

/* ff02::1:ff00:0/104: the solicited-node prefix (RFC 4291 2.7.1). */
#define ND_SNM_PREFIX_LEN 13
static const uint8_t nd_snm_prefix[ND_SNM_PREFIX_LEN] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

static inline const uint8_t *nd_data(const struct ws_pkt *p)
{
	return (const uint8_t *)p + p->data_off;
}

static bool nd_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[WS_IPV6_ADDR_LEN];

	return memcmp(a, zero, WS_IPV6_ADDR_LEN) == 0;
}

/* The metadata a fresh frame gets: what ws_net_parse would write for it. */
static void nd_fresh_meta(struct ws_pkt *p, unsigned len, uint16_t ethertype, unsigned l4_off, uint8_t l4_proto)
{
	p->data_off = WS_PKT_HEADROOM;
	p->data_len = (uint16_t)len;
	p->ethertype = ethertype;
	p->l3_off = WS_ETH_HDR_LEN;
	p->l4_off = (uint16_t)l4_off;
	p->l4_proto = l4_proto;
	p->vlan_tci = 0;
	p->flags = 0;
	p->drop_reason = 0;
}

/* ---- ARP ---- */

void ws_arp_read(const struct ws_pkt *p, struct ws_arp_info *a)
{
	const struct ws_arp_hdr *ah = (const struct ws_arp_hdr *)(nd_data(p) + p->l3_off);
	uint32_t v;

	a->op = ws_ntoh16(ah->oper);
	memcpy(a->sha, ah->sha, WS_ETH_ADDR_LEN);
	memcpy(&v, &ah->spa, sizeof(v));
	a->spa = ws_ntoh32(v);
	memcpy(a->tha, ah->tha, WS_ETH_ADDR_LEN);
	memcpy(&v, &ah->tpa, sizeof(v));
	a->tpa = ws_ntoh32(v);
}

void ws_arp_make_reply(struct ws_pkt *p, const uint8_t our_mac[6])
{
	uint8_t *d = ws_pkt_data(p);
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)d;
	struct ws_arp_hdr *ah = (struct ws_arp_hdr *)(d + p->l3_off);
	uint8_t mac[WS_ETH_ADDR_LEN];
	uint32_t spa, tpa;

	/* our_mac is copied first: it could be a pointer into this very frame */
	memcpy(mac, our_mac, sizeof(mac));
	memcpy(&spa, &ah->spa, sizeof(spa));
	memcpy(&tpa, &ah->tpa, sizeof(tpa));
	ah->oper = ws_hton16(WS_ARP_OP_REPLY);
	memcpy(ah->tha, ah->sha, WS_ETH_ADDR_LEN);
	memcpy(&ah->tpa, &spa, sizeof(spa));
	memcpy(ah->sha, mac, WS_ETH_ADDR_LEN);
	memcpy(&ah->spa, &tpa, sizeof(tpa));
	memcpy(eth->dst, ah->tha, WS_ETH_ADDR_LEN);
	memcpy(eth->src, mac, WS_ETH_ADDR_LEN);
}

void ws_arp_build_request(struct ws_pkt *p, const uint8_t src_mac[6], uint32_t src_ip, uint32_t target_ip)
{
	uint8_t *d = (uint8_t *)p + WS_PKT_HEADROOM;
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)d;
	struct ws_arp_hdr *ah = (struct ws_arp_hdr *)(d + WS_ETH_HDR_LEN);
	uint32_t v;

	/* zero first: tha and the padding after the 42 bytes must be zero, not
	 * whatever the frame's last user left there */
	memset(d, 0, WS_ETH_MIN_FRAME_LEN);
	memset(eth->dst, 0xff, WS_ETH_ADDR_LEN);
	memcpy(eth->src, src_mac, WS_ETH_ADDR_LEN);
	eth->ethertype = ws_hton16(WS_ETHERTYPE_ARP);
	ah->htype = ws_hton16(WS_ARP_HTYPE_ETHER);
	ah->ptype = ws_hton16(WS_ETHERTYPE_IPV4);
	ah->hlen = WS_ETH_ADDR_LEN;
	ah->plen = 4;
	ah->oper = ws_hton16(WS_ARP_OP_REQUEST);
	memcpy(ah->sha, src_mac, WS_ETH_ADDR_LEN);
	v = ws_hton32(src_ip);
	memcpy(&ah->spa, &v, sizeof(v));
	v = ws_hton32(target_ip);
	memcpy(&ah->tpa, &v, sizeof(v));
	nd_fresh_meta(p, WS_ETH_MIN_FRAME_LEN, WS_ETHERTYPE_ARP, 0, 0);
}

/* ---- Neighbour Discovery ---- */

void ws_nd_solicited_node(const uint8_t addr[16], uint8_t out[16])
{
	uint8_t low[3];

	/* out may alias addr: keep the 24 bits before writing the prefix */
	memcpy(low, addr + 13, sizeof(low));
	memcpy(out, nd_snm_prefix, ND_SNM_PREFIX_LEN);
	memcpy(out + ND_SNM_PREFIX_LEN, low, sizeof(low));
}

int ws_nd_read(const struct ws_pkt *p, struct ws_nd_info *nd)
{
	const uint8_t *d = nd_data(p);
	const struct ws_ipv6_hdr *ip6;
	const struct ws_nd_msg *m;
	unsigned len, off;
	uint8_t want;

	if (p->ethertype != WS_ETHERTYPE_IPV6 || p->l4_proto != WS_IPPROTO_ICMPV6 ||
	    p->l4_off != p->l3_off + WS_IPV6_HDR_LEN)
		return -EINVAL;
	ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);
	m = (const struct ws_nd_msg *)(d + p->l4_off);
	/* parse guarantees the first 4 bytes of the message, so type and code
	 * can be read before the length is known to cover the rest */
	if (m->type != WS_ICMP6_NEIGH_SOLICIT && m->type != WS_ICMP6_NEIGH_ADVERT)
		return -ENOTSUP;
	/* no extension headers: the message is the whole payload, and parse
	 * checked that the payload is inside the frame */
	len = ws_ntoh16(ip6->payload_len);
	if (ip6->hop_limit != WS_ND_HOP_LIMIT || m->code != 0 || len < WS_ND_MSG_LEN)
		return -EINVAL;
	if (ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, m, len) != 0)
		return -EINVAL;
	if (m->target[0] == 0xff)
		return -EINVAL;

	nd->type = m->type;
	nd->flags = m->type == WS_ICMP6_NEIGH_ADVERT
			    ? m->flags & (WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_SOLICITED | WS_ND_NA_FLAG_OVERRIDE)
			    : 0;
	memcpy(nd->target, m->target, WS_IPV6_ADDR_LEN);
	nd->has_lla = false;
	want = m->type == WS_ICMP6_NEIGH_SOLICIT ? WS_ND_OPT_SRC_LLA : WS_ND_OPT_TGT_LLA;
	/* each step advances >= 8 bytes, so at most (len - 24) / 8 rounds */
	for (off = WS_ND_MSG_LEN; off < len;) {
		const uint8_t *opt = (const uint8_t *)m + off;
		unsigned olen;

		if (len - off < 2)
			return -EINVAL;
		olen = opt[1] * WS_ND_OPT_UNIT;
		/* a zero length would loop forever (4.6: MUST be silently discarded) */
		if (olen == 0 || olen > len - off)
			return -EINVAL;
		if (opt[0] == want && !nd->has_lla) {
			/* olen >= 8 covers type, length and the 6-byte MAC */
			memcpy(nd->lla, opt + 2, WS_ETH_ADDR_LEN);
			nd->has_lla = true;
		}
		off += olen;
	}

	if (m->type == WS_ICMP6_NEIGH_SOLICIT && nd_is_unspecified(ip6->src)) {
		/* a DAD probe: no address to bind an LLA to, and it is only ever
		 * sent to the solicited-node group of the tentative address */
		if (nd->has_lla || memcmp(ip6->dst, nd_snm_prefix, ND_SNM_PREFIX_LEN) != 0)
			return -EINVAL;
	}
	if (m->type == WS_ICMP6_NEIGH_ADVERT && (nd->flags & WS_ND_NA_FLAG_SOLICITED) && ip6->dst[0] == 0xff)
		return -EINVAL;
	return 0;
}

void ws_nd_make_na(struct ws_pkt *p, const uint8_t our_mac[6], const uint8_t target[16])
{
	uint8_t *d = ws_pkt_data(p);
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)d;
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(d + p->l3_off);
	struct ws_nd_msg *m = (struct ws_nd_msg *)(d + p->l3_off + WS_IPV6_HDR_LEN);
	struct ws_nd_opt_lla *opt = (struct ws_nd_opt_lla *)((uint8_t *)m + WS_ND_MSG_LEN);
	uint8_t tgt[WS_IPV6_ADDR_LEN], mac[WS_ETH_ADDR_LEN];
	bool dad = nd_is_unspecified(ip6->src);

	/* both may point into this frame (the NS's target field, say) */
	memcpy(tgt, target, sizeof(tgt));
	memcpy(mac, our_mac, sizeof(mac));

	if (dad) {
		/* 7.2.4: the prober has no address yet; tell every node */
		memcpy(ip6->dst, nd_all_nodes, WS_IPV6_ADDR_LEN);
		memcpy(eth->dst, nd_all_nodes_mac, WS_ETH_ADDR_LEN);
	} else {
		memcpy(ip6->dst, ip6->src, WS_IPV6_ADDR_LEN);
		memcpy(eth->dst, eth->src, WS_ETH_ADDR_LEN);
	}
	memcpy(eth->src, mac, WS_ETH_ADDR_LEN);
	ip6->ver_tc_flow = ws_hton32(6u << 28);
	ip6->payload_len = ws_hton16(WS_ND_MSG_LEN + WS_ND_OPT_LLA_LEN);
	ip6->next_hdr = WS_IPPROTO_ICMPV6;
	ip6->hop_limit = WS_ND_HOP_LIMIT;
	memcpy(ip6->src, tgt, WS_IPV6_ADDR_LEN);

	m->type = WS_ICMP6_NEIGH_ADVERT;
	m->code = 0;
	m->csum = 0;
	m->flags = WS_ND_NA_FLAG_ROUTER | WS_ND_NA_FLAG_OVERRIDE | (dad ? 0 : WS_ND_NA_FLAG_SOLICITED);
	memset(m->reserved, 0, sizeof(m->reserved));
	memcpy(m->target, tgt, WS_IPV6_ADDR_LEN);
	opt->type = WS_ND_OPT_TGT_LLA;
	opt->len = WS_ND_OPT_LLA_LEN / WS_ND_OPT_UNIT;
	memcpy(opt->mac, mac, WS_ETH_ADDR_LEN);
	m->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, m, WS_ND_MSG_LEN + WS_ND_OPT_LLA_LEN);

	p->data_len = (uint16_t)(p->l3_off + WS_IPV6_HDR_LEN + WS_ND_MSG_LEN + WS_ND_OPT_LLA_LEN);
}

void ws_nd_build_ns(struct ws_pkt *p, const uint8_t src_mac[6], const uint8_t src_ip[16], const uint8_t target[16])
{
	uint8_t *d = (uint8_t *)p + WS_PKT_HEADROOM;
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)d;
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)(d + WS_ETH_HDR_LEN);
	struct ws_nd_msg *m = (struct ws_nd_msg *)(d + WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN);
	struct ws_nd_opt_lla *opt = (struct ws_nd_opt_lla *)((uint8_t *)m + WS_ND_MSG_LEN);
	/* 4.3: no source LLA option when the source is unspecified */
	unsigned icmp_len = WS_ND_MSG_LEN + (nd_is_unspecified(src_ip) ? 0 : WS_ND_OPT_LLA_LEN);

	ws_nd_solicited_node(target, ip6->dst);
	/* RFC 2464 7: 33:33 + the group address's last 32 bits */
	eth->dst[0] = 0x33;
	eth->dst[1] = 0x33;
	memcpy(eth->dst + 2, ip6->dst + 12, 4);
	memcpy(eth->src, src_mac, WS_ETH_ADDR_LEN);
	eth->ethertype = ws_hton16(WS_ETHERTYPE_IPV6);
	ip6->ver_tc_flow = ws_hton32(6u << 28);
	ip6->payload_len = ws_hton16((uint16_t)icmp_len);
	ip6->next_hdr = WS_IPPROTO_ICMPV6;
	ip6->hop_limit = WS_ND_HOP_LIMIT;
	memcpy(ip6->src, src_ip, WS_IPV6_ADDR_LEN);

	memset(m, 0, WS_ND_MSG_LEN);
	m->type = WS_ICMP6_NEIGH_SOLICIT;
	memcpy(m->target, target, WS_IPV6_ADDR_LEN);
	if (icmp_len > WS_ND_MSG_LEN) {
		opt->type = WS_ND_OPT_SRC_LLA;
		opt->len = WS_ND_OPT_LLA_LEN / WS_ND_OPT_UNIT;
		memcpy(opt->mac, src_mac, WS_ETH_ADDR_LEN);
	}
	m->csum = ws_ipv6_l4_csum(ip6, WS_IPPROTO_ICMPV6, m, icmp_len);
	nd_fresh_meta(p, WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN + icmp_len, WS_ETHERTYPE_IPV6,
		      WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN, WS_IPPROTO_ICMPV6);
}
