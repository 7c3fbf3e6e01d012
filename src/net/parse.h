/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.h: the first stage after RX: walk a frame's headers once, validate
 * them, and record where L3 and L4 start in the packet's metadata, so that
 * later stages index straight into the headers without re-checking bounds.
 *
 * DATA-PATH CODE. ws_net_parse is out of line (in parse.c, where the burst
 * form inlines the same body): it is too large to inline at every call site,
 * and the graph calls the burst form.
 *
 * What a successful parse (return WS_NET_OK) guarantees, in the ws_pkt fields
 * it writes (ethertype, vlan_tci, l3_off, l4_off, l4_proto, the WS_PKT_F_VLAN
 * bit of flags, drop_reason; nothing else):
 *  - ethertype (host order) is the one after at most one 802.1Q tag; with a
 *    tag, WS_PKT_F_VLAN is set and vlan_tci is the TCI (host order, PCP and
 *    DEI included), else vlan_tci is 0. l3_off is the byte after L2.
 *  - Unknown ethertypes (and 802.3 length fields, < 0x0600) are not
 *    malformed: WS_NET_OK, ethertype set, l3_off after L2, l4_off 0,
 *    l4_proto 0. Later stages route on ethertype (punt or count-and-drop).
 *  - ARP: the 28-byte Ethernet/IPv4 ARP header is present at l3_off with
 *    htype 1, ptype 0x0800, hlen 6, plen 4 (the opcode is not checked).
 *    l4_off 0, l4_proto 0.
 *  - IPv4: RFC 1812 5.2.2: 20 bytes present, version 4, IHL >= 5,
 *    IHL*4 <= total length <= bytes after L2 (bytes beyond the total length
 *    are Ethernet padding, accepted), header checksum correct. Options are
 *    skipped, not interpreted. TTL is not checked (forwarding sends ICMP time
 *    exceeded for TTL <= 1). l4_proto is the protocol field.
 *  - IPv6: 40 bytes present, version 6, payload length <= bytes after the
 *    header (more is padding). Extension headers (hop-by-hop, only first;
 *    routing; fragment; destination options; AH) are walked, at most
 *    WS_NET_MAX_EXT_HDRS of them, each entirely inside the payload. ESP and
 *    any non-extension next header end the walk and become l4_proto; "no next
 *    header" (59) gives l4_proto 59, l4_off 0. Payload length 0 is taken
 *    literally, so jumbograms (RFC 2675) are not supported: their hop-by-hop
 *    header lies past the empty payload (ip6_ext_chain).
 *  - Fragments: a non-first fragment (IPv4 offset != 0, IPv6 fragment header
 *    offset != 0) has no L4 header: l4_proto is the upper protocol (IPv4
 *    protocol field, or the fragment header's next header), l4_off is 0, and
 *    no L4 check is made. A first fragment must carry the complete L4 header
 *    (RFC 1858, RFC 7112), checked as below; its UDP length is not checked
 *    (it covers the whole datagram).
 *  - L4 (l4_off != 0): the minimum header is inside the L3 payload (not just
 *    inside the frame): UDP 8 bytes with 8 <= UDP length <= L3 payload when
 *    unfragmented; TCP 20 bytes with 5 <= data offset and data offset * 4
 *    within the L3 payload; ICMP (protocol 1) 8; ICMPv6 4. Other protocols
 *    (ESP, GRE, ...) get l4_off with no length check: l4_off <= data_len.
 *    L4 checksums are not verified (a forwarder does not need them).
 * So, after WS_NET_OK: l3_off + header <= data_len for ARP/IPv4/IPv6, and
 * l4_off + (minimum header above) <= data_len when l4_off != 0.
 *
 * On a drop, the return value and drop_reason say why; the other fields hold
 * what was parsed before the failure and must not be relied on.
 *
 * Every read stays inside [data, data + data_len), whatever the bytes are.
 */
#ifndef WS_NET_PARSE_H
#define WS_NET_PARSE_H

#include <assert.h>
#include <stdint.h>

#include "core/pkt.h"

/* Extension headers walked per IPv6 packet before giving up: bounds the work
 * an attacker can make one packet cost. Real traffic rarely has over 3. */
#define WS_NET_MAX_EXT_HDRS 8

/* ws_net_parse_burst prefetches the data of the packet this many positions
 * ahead: enough to cover a DRAM miss (~100 ns) with ~20-30 ns of parsing per
 * packet, few enough that the lines are still in L1 when used. */
#define WS_NET_PARSE_PREFETCH 4

/* Why parse dropped a packet; the values fit ws_pkt.drop_reason (uint8_t)
 * and never change meaning (counters are indexed by them). */
enum ws_net_drop {
	WS_NET_OK = 0,
	WS_NET_DROP_TRUNCATED_ETH,   /* fewer than 14 bytes */
	WS_NET_DROP_VLAN_TRUNCATED,  /* 802.1Q ethertype, tag not complete */
	WS_NET_DROP_VLAN_STACKED,    /* a second tag, or an 802.1ad S-tag (QinQ) */
	WS_NET_DROP_ARP_TRUNCATED,   /* fewer than 28 bytes of ARP */
	WS_NET_DROP_ARP_FORMAT,      /* not Ethernet/IPv4 ARP */
	WS_NET_DROP_IP4_TRUNCATED,   /* fewer than 20 bytes after L2 */
	WS_NET_DROP_IP4_VERSION,     /* version != 4 */
	WS_NET_DROP_IP4_IHL,         /* IHL < 5 */
	WS_NET_DROP_IP4_TOTAL_LEN,   /* total length < IHL*4, or > bytes present */
	WS_NET_DROP_IP4_CHECKSUM,    /* header checksum wrong */
	WS_NET_DROP_IP6_TRUNCATED,   /* fewer than 40 bytes after L2 */
	WS_NET_DROP_IP6_VERSION,     /* version != 6 */
	WS_NET_DROP_IP6_PAYLOAD_LEN, /* payload length > bytes present */
	WS_NET_DROP_IP6_EXT_CHAIN,   /* too many extension headers, one past the
				      * payload, or hop-by-hop not first */
	WS_NET_DROP_L4_TRUNCATED,    /* L4 header shorter than its minimum */
	WS_NET_DROP_TCP_DATA_OFF,    /* TCP data offset < 5 or past the payload */
	WS_NET_DROP_UDP_LEN,         /* UDP length < 8 or > L3 payload */
	WS_NET_DROP_COUNT
};

static_assert(WS_NET_DROP_COUNT <= 256, "drop reasons must fit ws_pkt.drop_reason");

/*
 * Data path, per packet: parse the frame p (data_off/data_len set by RX) as
 * described above; set p's parse fields and p->drop_reason. Returns
 * WS_NET_OK (0) or the enum ws_net_drop reason (also in p->drop_reason).
 * Reads only p's metadata line and the frame's headers.
 */
unsigned ws_net_parse(struct ws_pkt *p);

/*
 * Data path, per burst: ws_net_parse(pkts[i]) for i < n, prefetching the
 * headers of pkts[i + WS_NET_PARSE_PREFETCH] while parsing pkts[i]. Every
 * packet is parsed (no early stop); returns how many were malformed
 * (drop_reason != 0), so a caller can skip its drop pass when it is 0.
 */
unsigned ws_net_parse_burst(struct ws_pkt **pkts, unsigned n);

/*
 * Control path: the stable snake_case name of a reason ("ok" for WS_NET_OK,
 * "ip4_checksum" for WS_NET_DROP_IP4_CHECKSUM: the enum name's suffix in
 * lower case), for counters and logs; NULL for reason >= WS_NET_DROP_COUNT.
 */
const char *ws_net_drop_name(unsigned reason);

#endif /* WS_NET_PARSE_H */
