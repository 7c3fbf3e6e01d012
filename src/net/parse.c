/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.c: the header walk behind ws_net_parse and ws_net_parse_burst (data
 * path) and the drop reason names. The contract is in parse.h.
 *
 * Bounds discipline: offsets are unsigned ints, and every comparison is
 * written as "bytes needed <= end - offset" with offset <= end known, so
 * nothing can wrap; a header is only read after the check that covers it.
 */
#include "net/parse.h"

#include "core/cpu.h"
#include "net/checksum.h"
#include "net/net.h"

/* Where the walk got to; stored into the ws_pkt in one place at the end. */
struct net_parse_out {
	unsigned l4_off;
	unsigned l4_proto;
};

/*
 * The L4 header of protocol proto at d[off..end), end being the end of the L3
 * payload. whole: the datagram is not fragmented (its UDP length can be
 * checked against the payload).
 */
static ws_always_inline unsigned net_parse_l4(const uint8_t *d, unsigned off, unsigned end, unsigned proto,
					      int whole, struct net_parse_out *o)
{
	unsigned rem = end - off;

	o->l4_off = off;
	switch (proto) {
	case WS_IPPROTO_UDP: {
		const struct ws_udp_hdr *uh = (const struct ws_udp_hdr *)(d + off);
		unsigned ulen;

		if (ws_unlikely(rem < WS_UDP_HDR_LEN))
			return WS_NET_DROP_L4_TRUNCATED;
		ulen = ws_ntoh16(uh->len);
		if (whole && ws_unlikely(ulen < WS_UDP_HDR_LEN || ulen > rem))
			return WS_NET_DROP_UDP_LEN;
		return WS_NET_OK;
	}
	case WS_IPPROTO_TCP: {
		unsigned hlen;

		if (ws_unlikely(rem < WS_TCP_HDR_LEN))
			return WS_NET_DROP_L4_TRUNCATED;
		hlen = ws_tcp_hdr_len((const struct ws_tcp_hdr *)(d + off));
		if (ws_unlikely(hlen < WS_TCP_HDR_LEN || hlen > rem))
			return WS_NET_DROP_TCP_DATA_OFF;
		return WS_NET_OK;
	}
	case WS_IPPROTO_ICMP:
		return ws_likely(rem >= WS_ICMP_HDR_LEN) ? WS_NET_OK : WS_NET_DROP_L4_TRUNCATED;
	case WS_IPPROTO_ICMPV6:
		return ws_likely(rem >= WS_ICMP6_HDR_LEN) ? WS_NET_OK : WS_NET_DROP_L4_TRUNCATED;
	default:
		return WS_NET_OK;
	}
}

/* IPv4 at d[off..len), RFC 1812 5.2.2. */
static ws_always_inline unsigned net_parse_ipv4(const uint8_t *d, unsigned off, unsigned len,
						struct net_parse_out *o)
{
	const struct ws_ipv4_hdr *ip = (const struct ws_ipv4_hdr *)(d + off);
	unsigned avail = len - off, hlen, total, frag;

	if (ws_unlikely(avail < WS_IPV4_HDR_LEN))
		return WS_NET_DROP_IP4_TRUNCATED;
	if (ws_unlikely(ws_ipv4_version(ip) != 4))
		return WS_NET_DROP_IP4_VERSION;
	hlen = ws_ipv4_hdr_len(ip);
	if (ws_unlikely(hlen < WS_IPV4_HDR_LEN))
		return WS_NET_DROP_IP4_IHL;
	total = ws_ntoh16(ip->total_len);
	/* also proves hlen <= avail before the checksum reads the options */
	if (ws_unlikely(total < hlen || total > avail))
		return WS_NET_DROP_IP4_TOTAL_LEN;
	if (ws_unlikely(!ws_ipv4_hdr_csum_ok(ip)))
		return WS_NET_DROP_IP4_CHECKSUM;
	o->l4_proto = ip->proto;
	frag = ws_ntoh16(ip->frag_off);
	if (ws_unlikely(frag & WS_IPV4_FRAG_OFF_MASK))
		return WS_NET_OK; /* non-first fragment: no L4 header, l4_off stays 0 */
	return net_parse_l4(d, off + hlen, off + total, ip->proto, !(frag & WS_IPV4_FLAG_MF), o);
}

/* IPv6 at d[off..len) and its extension header chain (RFC 8200 section 4). */
static ws_always_inline unsigned net_parse_ipv6(const uint8_t *d, unsigned off, unsigned len,
						struct net_parse_out *o)
{
	const struct ws_ipv6_hdr *ip6 = (const struct ws_ipv6_hdr *)(d + off);
	unsigned avail = len - off, end, cur, nh;
	int whole = 1;

	if (ws_unlikely(avail < WS_IPV6_HDR_LEN))
		return WS_NET_DROP_IP6_TRUNCATED;
	if (ws_unlikely(ws_ipv6_version(ip6) != 6))
		return WS_NET_DROP_IP6_VERSION;
	if (ws_unlikely(ws_ntoh16(ip6->payload_len) > avail - WS_IPV6_HDR_LEN))
		return WS_NET_DROP_IP6_PAYLOAD_LEN;
	end = off + WS_IPV6_HDR_LEN + ws_ntoh16(ip6->payload_len);
	cur = off + WS_IPV6_HDR_LEN;
	nh = ip6->next_hdr;
	for (unsigned n = 0;; n++) {
		unsigned hl;

		switch (nh) {
		case WS_IPPROTO_HOPOPTS:
			/* only valid right after the fixed header */
			if (ws_unlikely(n != 0))
				return WS_NET_DROP_IP6_EXT_CHAIN;
			/* fall through */
		case WS_IPPROTO_ROUTING:
		case WS_IPPROTO_DSTOPTS:
		case WS_IPPROTO_FRAGMENT:
		case WS_IPPROTO_AH:
			if (ws_unlikely(n == WS_NET_MAX_EXT_HDRS || end - cur < WS_IPV6_EXT_HDR_MIN_LEN))
				return WS_NET_DROP_IP6_EXT_CHAIN;
			if (nh == WS_IPPROTO_FRAGMENT) {
				const struct ws_ipv6_frag_hdr *fh = (const struct ws_ipv6_frag_hdr *)(d + cur);
				unsigned fo = ws_ntoh16(fh->frag_off);

				if (fo & WS_IPV6_FRAG_OFF_MASK) {
					/* non-first fragment: what follows is payload, not headers */
					o->l4_proto = fh->next_hdr;
					return WS_NET_OK;
				}
				whole &= !(fo & WS_IPV6_FRAG_M);
				hl = WS_IPV6_FRAG_HDR_LEN;
			} else if (nh == WS_IPPROTO_AH) {
				hl = (d[cur + 1] + 2u) * 4u;
			} else {
				hl = (d[cur + 1] + 1u) * 8u;
			}
			if (ws_unlikely(hl > end - cur))
				return WS_NET_DROP_IP6_EXT_CHAIN;
			nh = d[cur];
			cur += hl;
			break;
		case WS_IPPROTO_NONE:
			o->l4_proto = nh;
			return WS_NET_OK;
		default:
			o->l4_proto = nh;
			return net_parse_l4(d, cur, end, nh, whole, o);
		}
	}
}

/* Single store point for the metadata: the fields go out together whatever
 * path the parse took. */
static ws_always_inline unsigned net_parse_one(struct ws_pkt *p)
{
	const uint8_t *d = ws_pkt_data(p);
	unsigned len = p->data_len, l3 = 0, et = 0, tci = 0, reason;
	uint8_t flags = p->flags & (uint8_t)~WS_PKT_F_VLAN;
	struct net_parse_out o = {0, 0};

	if (ws_unlikely(len < WS_ETH_HDR_LEN)) {
		reason = WS_NET_DROP_TRUNCATED_ETH;
		goto out;
	}
	et = ws_ntoh16(((const struct ws_eth_hdr *)d)->ethertype);
	l3 = WS_ETH_HDR_LEN;
	if (et == WS_ETHERTYPE_VLAN) {
		const struct ws_vlan_hdr *vh = (const struct ws_vlan_hdr *)(d + WS_ETH_HDR_LEN);

		if (ws_unlikely(len < WS_ETH_HDR_LEN + WS_VLAN_HDR_LEN)) {
			reason = WS_NET_DROP_VLAN_TRUNCATED;
			goto out;
		}
		tci = ws_ntoh16(vh->tci);
		et = ws_ntoh16(vh->ethertype);
		flags |= WS_PKT_F_VLAN;
		l3 += WS_VLAN_HDR_LEN;
		if (ws_unlikely(et == WS_ETHERTYPE_VLAN || et == WS_ETHERTYPE_QINQ)) {
			reason = WS_NET_DROP_VLAN_STACKED;
			goto out;
		}
	} else if (ws_unlikely(et == WS_ETHERTYPE_QINQ)) {
		reason = WS_NET_DROP_VLAN_STACKED;
		goto out;
	}

	switch (et) {
	case WS_ETHERTYPE_IPV4:
		reason = net_parse_ipv4(d, l3, len, &o);
		break;
	case WS_ETHERTYPE_IPV6:
		reason = net_parse_ipv6(d, l3, len, &o);
		break;
	case WS_ETHERTYPE_ARP: {
		const struct ws_arp_hdr *ah = (const struct ws_arp_hdr *)(d + l3);

		if (ws_unlikely(len - l3 < WS_ARP_HDR_LEN))
			reason = WS_NET_DROP_ARP_TRUNCATED;
		else if (ws_unlikely(ah->htype != ws_hton16(WS_ARP_HTYPE_ETHER) ||
				     ah->ptype != ws_hton16(WS_ETHERTYPE_IPV4) || ah->hlen != WS_ETH_ADDR_LEN ||
				     ah->plen != 4))
			reason = WS_NET_DROP_ARP_FORMAT;
		else
			reason = WS_NET_OK;
		break;
	}
	default:
		reason = WS_NET_OK; /* unknown ethertype: not ours to judge */
		break;
	}
out:
	p->ethertype = (uint16_t)et;
	p->vlan_tci = (uint16_t)tci;
	p->l3_off = (uint16_t)l3;
	p->l4_off = (uint16_t)o.l4_off;
	p->l4_proto = (uint8_t)o.l4_proto;
	p->flags = flags;
	p->drop_reason = (uint8_t)reason;
	return reason;
}

unsigned ws_net_parse(struct ws_pkt *p)
{
	return net_parse_one(p);
}

unsigned ws_net_parse_burst(struct ws_pkt **pkts, unsigned n)
{
	unsigned bad = 0;

	/* The metadata lines are hot (RX just wrote them); the packet bytes may
	 * not be (DMA, or another core's copy). Two lines: Ethernet + IPv6 +
	 * TCP runs past the first. */
	for (unsigned i = 0; i < n && i < WS_NET_PARSE_PREFETCH; i++) {
		ws_prefetch0(ws_pkt_data(pkts[i]));
		ws_prefetch0(ws_pkt_data(pkts[i]) + WS_CACHE_LINE);
	}
	for (unsigned i = 0; i < n; i++) {
		if (i + WS_NET_PARSE_PREFETCH < n) {
			const uint8_t *ahead = ws_pkt_data(pkts[i + WS_NET_PARSE_PREFETCH]);

			ws_prefetch0(ahead);
			ws_prefetch0(ahead + WS_CACHE_LINE);
		}
		bad += net_parse_one(pkts[i]) != WS_NET_OK;
	}
	return bad;
}

static const char *const net_drop_names[WS_NET_DROP_COUNT] = {
	[WS_NET_OK] = "ok",
	[WS_NET_DROP_TRUNCATED_ETH] = "truncated_eth",
	[WS_NET_DROP_VLAN_TRUNCATED] = "vlan_truncated",
	[WS_NET_DROP_VLAN_STACKED] = "vlan_stacked",
	[WS_NET_DROP_ARP_TRUNCATED] = "arp_truncated",
	[WS_NET_DROP_ARP_FORMAT] = "arp_format",
	[WS_NET_DROP_IP4_TRUNCATED] = "ip4_truncated",
	[WS_NET_DROP_IP4_VERSION] = "ip4_version",
	[WS_NET_DROP_IP4_IHL] = "ip4_ihl",
	[WS_NET_DROP_IP4_TOTAL_LEN] = "ip4_total_len",
	[WS_NET_DROP_IP4_CHECKSUM] = "ip4_checksum",
	[WS_NET_DROP_IP6_TRUNCATED] = "ip6_truncated",
	[WS_NET_DROP_IP6_VERSION] = "ip6_version",
	[WS_NET_DROP_IP6_PAYLOAD_LEN] = "ip6_payload_len",
	[WS_NET_DROP_IP6_EXT_CHAIN] = "ip6_ext_chain",
	[WS_NET_DROP_L4_TRUNCATED] = "l4_truncated",
	[WS_NET_DROP_TCP_DATA_OFF] = "tcp_data_off",
	[WS_NET_DROP_UDP_LEN] = "udp_len",
};

const char *ws_net_drop_name(unsigned reason)
{
	return reason < WS_NET_DROP_COUNT ? net_drop_names[reason] : NULL;
}
