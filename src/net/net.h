/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net.h: the wire formats wirespeed reads and writes (Ethernet, 802.1Q, ARP,
 * IPv4, IPv6 and its extension headers, UDP, TCP, ICMP, ICMPv6), their
 * constants, and byte-order helpers.
 *
 * Our own definitions rather than the <netinet/...> headers: those differ
 * between libcs, drag in BSD/GNU feature macros, and are not packed, so
 * reading them at the 2-byte alignment packets actually have (IPv4 right after
 * a 14-byte Ethernet header) is undefined behaviour that UBSan reports.
 *
 * Every multi-byte field is in network byte order, as on the wire. The
 * structs are packed with alignment 2: every header of a frame sits at an even
 * offset (Ethernet 14, VLAN 4, IPv4 a multiple of 4, IPv6 extension headers a
 * multiple of 8), so an even data_off (all RX paths use WS_PKT_HEADROOM) keeps
 * every header 2-byte aligned; 32-bit fields may still be unaligned and the
 * compiler reads them as such.
 *
 * Everything here is data-path safe: constants and static inline helpers.
 */
#ifndef WS_NET_NET_H
#define WS_NET_NET_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"

#define ws_wire_struct __attribute__((packed, aligned(2)))

/* Byte order. x86 is little-endian; the #if keeps a big-endian port honest. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static ws_always_inline uint16_t ws_hton16(uint16_t x) { return __builtin_bswap16(x); }
static ws_always_inline uint32_t ws_hton32(uint32_t x) { return __builtin_bswap32(x); }
#else
static ws_always_inline uint16_t ws_hton16(uint16_t x) { return x; }
static ws_always_inline uint32_t ws_hton32(uint32_t x) { return x; }
#endif
static ws_always_inline uint16_t ws_ntoh16(uint16_t x) { return ws_hton16(x); }
static ws_always_inline uint32_t ws_ntoh32(uint32_t x) { return ws_hton32(x); }

/* ---- Ethernet and 802.1Q ---- */

#define WS_ETH_ADDR_LEN 6
#define WS_ETH_HDR_LEN 14
#define WS_VLAN_HDR_LEN 4

/* Ethertypes, host byte order. Values below 0x0600 are 802.3 lengths (LLC
 * frames), not ethertypes. */
#define WS_ETHERTYPE_IPV4 0x0800
#define WS_ETHERTYPE_ARP 0x0806
#define WS_ETHERTYPE_VLAN 0x8100 /* 802.1Q C-tag */
#define WS_ETHERTYPE_QINQ 0x88a8 /* 802.1ad S-tag, the outer tag of a stack */
#define WS_ETHERTYPE_IPV6 0x86dd
#define WS_ETHERTYPE_MIN 0x0600

#define WS_VLAN_VID_MASK 0x0fff
#define WS_VLAN_PCP_SHIFT 13

struct ws_eth_hdr {
	uint8_t dst[WS_ETH_ADDR_LEN];
	uint8_t src[WS_ETH_ADDR_LEN];
	uint16_t ethertype;
} ws_wire_struct;

/* The 4 bytes that follow an ethertype of WS_ETHERTYPE_VLAN. */
struct ws_vlan_hdr {
	uint16_t tci;       /* PCP(3) DEI(1) VID(12) */
	uint16_t ethertype; /* of what follows the tag */
} ws_wire_struct;

/* ---- ARP (RFC 826), Ethernet hardware and IPv4 protocol addresses only ---- */

#define WS_ARP_HDR_LEN 28
#define WS_ARP_HTYPE_ETHER 1
#define WS_ARP_OP_REQUEST 1
#define WS_ARP_OP_REPLY 2

struct ws_arp_hdr {
	uint16_t htype; /* WS_ARP_HTYPE_ETHER */
	uint16_t ptype; /* WS_ETHERTYPE_IPV4 */
	uint8_t hlen;   /* 6 */
	uint8_t plen;   /* 4 */
	uint16_t oper;  /* WS_ARP_OP_* */
	uint8_t sha[WS_ETH_ADDR_LEN];
	uint32_t spa;
	uint8_t tha[WS_ETH_ADDR_LEN];
	uint32_t tpa;
} ws_wire_struct;

/* ---- IP protocol numbers (IPv4 protocol, IPv6 next header) ---- */

#define WS_IPPROTO_HOPOPTS 0   /* IPv6 hop-by-hop options */
#define WS_IPPROTO_ICMP 1
#define WS_IPPROTO_TCP 6
#define WS_IPPROTO_UDP 17
#define WS_IPPROTO_ROUTING 43  /* IPv6 routing header */
#define WS_IPPROTO_FRAGMENT 44 /* IPv6 fragment header */
#define WS_IPPROTO_ESP 50
#define WS_IPPROTO_AH 51
#define WS_IPPROTO_ICMPV6 58
#define WS_IPPROTO_NONE 59     /* IPv6 no next header */
#define WS_IPPROTO_DSTOPTS 60  /* IPv6 destination options */

/* ---- IPv4 (RFC 791) ---- */

#define WS_IPV4_HDR_LEN 20     /* without options */
#define WS_IPV4_HDR_MAX_LEN 60 /* IHL 15 */
#define WS_IPV4_FLAG_DF 0x4000 /* in frag_off, host order */
#define WS_IPV4_FLAG_MF 0x2000
#define WS_IPV4_FRAG_OFF_MASK 0x1fff /* in 8-byte units */

struct ws_ipv4_hdr {
	uint8_t version_ihl; /* version(4) IHL(4), IHL in 32-bit words */
	uint8_t tos;         /* DSCP(6) ECN(2) */
	uint16_t total_len;  /* header and payload, bytes */
	uint16_t id;
	uint16_t frag_off;   /* flags(3) offset(13) */
	uint8_t ttl;
	uint8_t proto;       /* WS_IPPROTO_* */
	uint16_t csum;
	uint32_t src;
	uint32_t dst;
} ws_wire_struct;

/* Data path: IP version field of an IPv4 (or any IP) header. */
static ws_always_inline unsigned ws_ipv4_version(const struct ws_ipv4_hdr *ip) { return ip->version_ihl >> 4; }

/* Data path: header length in bytes from IHL (20..60 when valid; not checked). */
static ws_always_inline unsigned ws_ipv4_hdr_len(const struct ws_ipv4_hdr *ip)
{
	return (ip->version_ihl & 0x0fu) * 4u;
}

/* ---- IPv6 (RFC 8200) ---- */

#define WS_IPV6_ADDR_LEN 16
#define WS_IPV6_HDR_LEN 40
#define WS_IPV6_EXT_HDR_MIN_LEN 8     /* every extension header is at least this long */
#define WS_IPV6_FRAG_HDR_LEN 8
#define WS_IPV6_FRAG_OFF_MASK 0xfff8  /* in frag_off, host order: offset in 8-byte units << 3 */
#define WS_IPV6_FRAG_M 0x0001         /* more fragments */

struct ws_ipv6_hdr {
	uint32_t ver_tc_flow; /* version(4) traffic class(8) flow label(20) */
	uint16_t payload_len; /* bytes after this header, extension headers included */
	uint8_t next_hdr;     /* WS_IPPROTO_* */
	uint8_t hop_limit;
	uint8_t src[WS_IPV6_ADDR_LEN];
	uint8_t dst[WS_IPV6_ADDR_LEN];
} ws_wire_struct;

/* Data path: IP version of an IPv6 header (the top nibble of the first byte). */
static ws_always_inline unsigned ws_ipv6_version(const struct ws_ipv6_hdr *ip6)
{
	return ((const uint8_t *)ip6)[0] >> 4;
}

/* The common start of hop-by-hop, routing and destination options headers:
 * length in 8-byte units not counting the first 8. (AH counts 4-byte units
 * not counting the first 8; the fragment header has no length field.) */
struct ws_ipv6_ext_hdr {
	uint8_t next_hdr;
	uint8_t len;
} ws_wire_struct;

struct ws_ipv6_frag_hdr {
	uint8_t next_hdr;
	uint8_t reserved;
	uint16_t frag_off; /* offset(13) res(2) M(1) */
	uint32_t id;
} ws_wire_struct;

/* ---- UDP (RFC 768), TCP (RFC 9293) ---- */

#define WS_UDP_HDR_LEN 8
#define WS_TCP_HDR_LEN 20     /* without options */
#define WS_TCP_HDR_MAX_LEN 60

#define WS_TCP_FIN 0x01
#define WS_TCP_SYN 0x02
#define WS_TCP_RST 0x04
#define WS_TCP_PSH 0x08
#define WS_TCP_ACK 0x10
#define WS_TCP_URG 0x20
#define WS_TCP_ECE 0x40
#define WS_TCP_CWR 0x80

struct ws_udp_hdr {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;  /* header and payload, bytes */
	uint16_t csum; /* 0: none (IPv4 only); a computed 0 is sent as 0xffff */
} ws_wire_struct;

struct ws_tcp_hdr {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t data_off; /* data offset(4) in 32-bit words, reserved(4) */
	uint8_t flags;    /* WS_TCP_* */
	uint16_t window;
	uint16_t csum;
	uint16_t urg_ptr;
} ws_wire_struct;

/* Data path: TCP header length in bytes from the data offset (not checked). */
static ws_always_inline unsigned ws_tcp_hdr_len(const struct ws_tcp_hdr *th) { return (th->data_off >> 4) * 4u; }

/* ---- ICMP (RFC 792), ICMPv6 (RFC 4443) ---- */

#define WS_ICMP_HDR_LEN 8
#define WS_ICMP6_HDR_LEN 4

#define WS_ICMP_ECHO_REPLY 0
#define WS_ICMP_DEST_UNREACH 3
#define WS_ICMP_ECHO_REQUEST 8
#define WS_ICMP_TIME_EXCEEDED 11
#define WS_ICMP_PARAM_PROBLEM 12

#define WS_ICMP6_DEST_UNREACH 1
#define WS_ICMP6_PKT_TOO_BIG 2
#define WS_ICMP6_TIME_EXCEEDED 3
#define WS_ICMP6_PARAM_PROBLEM 4
#define WS_ICMP6_ECHO_REQUEST 128
#define WS_ICMP6_ECHO_REPLY 129
#define WS_ICMP6_ROUTER_SOLICIT 133
#define WS_ICMP6_ROUTER_ADVERT 134
#define WS_ICMP6_NEIGH_SOLICIT 135
#define WS_ICMP6_NEIGH_ADVERT 136

struct ws_icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} echo;
		struct {
			uint16_t unused;
			uint16_t mtu; /* destination unreachable, fragmentation needed */
		} frag;
		uint32_t gateway; /* redirect */
		uint32_t unused;  /* time exceeded, destination unreachable */
	} un;
} ws_wire_struct;

/* ICMPv6 fixed part; the message body (echo id/seq, MTU, ND target) follows. */
struct ws_icmp6_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
} ws_wire_struct;

static_assert(sizeof(struct ws_eth_hdr) == WS_ETH_HDR_LEN, "ethernet header is 14 bytes");
static_assert(sizeof(struct ws_vlan_hdr) == WS_VLAN_HDR_LEN, "802.1Q tag is 4 bytes");
static_assert(sizeof(struct ws_arp_hdr) == WS_ARP_HDR_LEN, "Ethernet/IPv4 ARP is 28 bytes");
static_assert(offsetof(struct ws_arp_hdr, spa) == 14 && offsetof(struct ws_arp_hdr, tpa) == 24, "ARP layout");
static_assert(sizeof(struct ws_ipv4_hdr) == WS_IPV4_HDR_LEN, "IPv4 header is 20 bytes");
static_assert(offsetof(struct ws_ipv4_hdr, ttl) == 8 && offsetof(struct ws_ipv4_hdr, csum) == 10, "IPv4 layout");
static_assert(sizeof(struct ws_ipv6_hdr) == WS_IPV6_HDR_LEN, "IPv6 header is 40 bytes");
static_assert(sizeof(struct ws_ipv6_frag_hdr) == WS_IPV6_FRAG_HDR_LEN, "IPv6 fragment header is 8 bytes");
static_assert(sizeof(struct ws_udp_hdr) == WS_UDP_HDR_LEN, "UDP header is 8 bytes");
static_assert(sizeof(struct ws_tcp_hdr) == WS_TCP_HDR_LEN, "TCP header is 20 bytes");
static_assert(offsetof(struct ws_tcp_hdr, data_off) == 12 && offsetof(struct ws_tcp_hdr, csum) == 16, "TCP layout");
static_assert(sizeof(struct ws_icmp_hdr) == WS_ICMP_HDR_LEN, "ICMP header is 8 bytes");
static_assert(sizeof(struct ws_icmp6_hdr) == WS_ICMP6_HDR_LEN, "ICMPv6 fixed header is 4 bytes");
static_assert(_Alignof(struct ws_ipv4_hdr) == 2, "wire structs are 2-byte aligned");

/* Data path: the minimum L4 header the parser requires for an IP protocol
 * (UDP 8, TCP 20, ICMP 8, ICMPv6 4), 0 for the others. */
static ws_always_inline unsigned ws_l4_min_hdr_len(unsigned proto)
{
	switch (proto) {
	case WS_IPPROTO_UDP:
		return WS_UDP_HDR_LEN;
	case WS_IPPROTO_TCP:
		return WS_TCP_HDR_LEN;
	case WS_IPPROTO_ICMP:
		return WS_ICMP_HDR_LEN;
	case WS_IPPROTO_ICMPV6:
		return WS_ICMP6_HDR_LEN;
	default:
		return 0;
	}
}

#endif /* WS_NET_NET_H */
