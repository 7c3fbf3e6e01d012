/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp.h: the ICMP messages a router originates, built in place over the
 * packet that caused them: ICMP/ICMPv6 errors (destination unreachable, time
 * exceeded, packet too big, parameter problem) with the quote of the original,
 * the RFC rules that say when an error must NOT be sent, and echo replies.
 *
 * Slow path that runs inside a worker, so data-path rules: no allocation, no
 * syscalls, work bounded by the packet length. Pure functions of one frame:
 * no tables and no rate limiting (RFC 1812 4.3.2.8, RFC 4443 2.4(f)); the
 * calling node owns both.
 *
 * Every function takes a packet ws_net_parse() accepted (WS_NET_OK) and
 * relies on what parse.h guarantees about l3_off/l4_off/l4_proto. Addresses
 * passed in are host order for IPv4, byte arrays (wire order) for IPv6.
 */
#ifndef WS_NET_ICMP_H
#define WS_NET_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pkt.h"
#include "net/net.h"

/* ICMP types net.h does not name (RFC 792, RFC 1256, RFC 950). */
#define WS_ICMP_SOURCE_QUENCH 4 /* deprecated (RFC 6633), still an error type */
#define WS_ICMP_REDIRECT 5
#define WS_ICMP_ROUTER_ADVERT 9
#define WS_ICMP_ROUTER_SOLICIT 10
#define WS_ICMP_TIMESTAMP 13
#define WS_ICMP_TIMESTAMP_REPLY 14
#define WS_ICMP_INFO_REQUEST 15
#define WS_ICMP_INFO_REPLY 16
#define WS_ICMP_ADDR_MASK_REQUEST 17
#define WS_ICMP_ADDR_MASK_REPLY 18

/* Codes of the ICMP errors a forwarder sends. */
#define WS_ICMP_UNREACH_NET 0
#define WS_ICMP_UNREACH_HOST 1
#define WS_ICMP_UNREACH_PROTO 2
#define WS_ICMP_UNREACH_PORT 3
#define WS_ICMP_UNREACH_FRAG_NEEDED 4 /* info: next-hop MTU in the low 16 bits */
#define WS_ICMP_UNREACH_ADMIN 13      /* communication administratively prohibited */
#define WS_ICMP_TIME_EXCEEDED_TTL 0
#define WS_ICMP_TIME_EXCEEDED_REASS 1

/* ICMPv6 type net.h does not name, and the codes of the errors (RFC 4443). */
#define WS_ICMP6_REDIRECT 137
#define WS_ICMP6_UNREACH_NO_ROUTE 0
#define WS_ICMP6_UNREACH_ADMIN 1
#define WS_ICMP6_UNREACH_BEYOND_SCOPE 2
#define WS_ICMP6_UNREACH_ADDR 3
#define WS_ICMP6_UNREACH_PORT 4
#define WS_ICMP6_TIME_EXCEEDED_HOPS 0
#define WS_ICMP6_TIME_EXCEEDED_REASS 1
#define WS_ICMP6_PARAM_HEADER 0      /* erroneous header field; info: pointer */
#define WS_ICMP6_PARAM_NEXT_HDR 1    /* unrecognised next header */
#define WS_ICMP6_PARAM_OPTION 2      /* unrecognised IPv6 option */
#define WS_ICMP6_ECHO_HDR_LEN 8      /* type, code, csum, id, seq */
#define WS_ICMP6_ERROR_HDR_LEN 8     /* type, code, csum, 4 bytes of info */

/* How large an error may be at the IP layer: RFC 1812 4.3.2.3 (576 bytes of
 * IPv4) and RFC 4443 2.4(c) (the IPv6 minimum MTU, RFC 8200 5). */
#define WS_ICMP4_ERROR_MAX_IP 576
#define WS_ICMP6_ERROR_MAX_IP 1280

/* The headers an error puts in front of its quote. */
#define WS_ICMP4_ERROR_HDRS_LEN (WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN + WS_ICMP_HDR_LEN)        /* 42 */
#define WS_ICMP6_ERROR_HDRS_LEN (WS_ETH_HDR_LEN + WS_IPV6_HDR_LEN + WS_ICMP6_ERROR_HDR_LEN) /* 62 */

/* TTL / hop limit of the messages built here (RFC 1700's default 64). */
#define WS_ICMP_TTL 64

/*
 * Slow path, per packet: turn the IPv4 packet p IN PLACE into the ICMP error
 * (type, code) about itself, sent from src_ip (host order) to its source.
 * info is the 4 bytes after the checksum in host order (next-hop MTU in the
 * low 16 bits for type 3 code 4, the pointer in the top 8 bits for parameter
 * problem, 0 otherwise). The original's IP header and datagram stay where
 * they are as the quote, cut to what fits in WS_ICMP4_ERROR_MAX_IP bytes and
 * never past its total length (Ethernet padding is not quoted); new
 * Ethernet (no VLAN tag, MACs zero for the rewrite to fill) + IPv4 (20 bytes,
 * TTL 64, DF clear) + ICMP headers are written in front of it, in the
 * headroom. The metadata then describes the new packet as ws_net_parse
 * would (l3_off 14, l4_off 34, l4_proto 1, ethertype IPv4, vlan_tci 0,
 * WS_PKT_F_VLAN clear; other flags kept). Does not check whether the error is
 * allowed: call ws_icmp4_error_allowed first.
 * Returns 0; -EINVAL if p is not IPv4 (p untouched); -ENOSPC if the headroom
 * cannot hold the new headers without reaching the metadata (p untouched;
 * cannot happen with data_off >= WS_PKT_HEADROOM).
 */
int ws_icmp4_error(struct ws_pkt *p, uint8_t type, uint8_t code, uint32_t info, uint32_t src_ip);

/*
 * Slow path, per packet: may an ICMP error be sent about the IPv4 packet p
 * (RFC 1812 4.3.2.7, RFC 792)? false when p is:
 *  - an ICMP message other than the known queries and replies (echo 0/8,
 *    router advertisement/solicitation 9/10, timestamp 13/14, information
 *    15/16, address mask 17/18). So the error types 3, 4, 5, 11, 12 AND
 *    every unknown type are refused: an unknown type may be an error we do
 *    not know, and errors about errors are how ICMP storms start;
 *  - a non-first fragment (offset != 0; the first fragment gets the error);
 *  - sent to an Ethernet broadcast or multicast address (the I/G bit);
 *  - sent to 255.255.255.255, multicast (224/4) or class E (240/4);
 *  - from a source that names no single host: 0/8, 127/8, multicast,
 *    class E, 255.255.255.255;
 *  - not IPv4.
 * Not knowable here, so the caller's: subnet-directed broadcasts, rate limits.
 */
bool ws_icmp4_error_allowed(const struct ws_pkt *p);

/*
 * Slow path, per packet: ws_icmp4_error for IPv6 (RFC 4443): p becomes
 * Ethernet (no tag, MACs zero) + IPv6 (40 bytes, traffic class and flow 0,
 * hop limit 64, from src to the original's source) + ICMPv6 (type, code,
 * checksum over the pseudo-header, info in host order: the MTU for packet too
 * big, the pointer for parameter problem, 0 otherwise) + as much of the
 * original IPv6 packet (header, extension headers, payload) as keeps the
 * error within WS_ICMP6_ERROR_MAX_IP bytes, never past its payload length.
 * Metadata as ws_net_parse would set it (l3_off 14, l4_off 54, l4_proto 58,
 * ethertype IPv6, no VLAN). Does not check whether the error is allowed: call
 * ws_icmp6_error_allowed first.
 * Returns 0, -EINVAL if p is not IPv6, -ENOSPC as for ws_icmp4_error (p
 * untouched on errors).
 */
int ws_icmp6_error(struct ws_pkt *p, uint8_t type, uint8_t code, uint32_t info, const uint8_t src[16]);

/*
 * Slow path, per packet: may the ICMPv6 error (type, code) be sent about the
 * IPv6 packet p (RFC 4443 2.4(e))? false in answer to an ICMPv6 error (types
 * < 128) or a redirect (137); false when the IPv6 destination is multicast or
 * the Ethernet destination is multicast/broadcast, except for packet too big
 * (type 2) and parameter problem code 2 (unrecognised option), which
 * 2.4(e.3) allows there; false when the source is :: or multicast.
 * Non-first fragments ARE allowed: RFC 4443 does not forbid them, and a
 * time exceeded or unreachable for a fragment is useful. Their ICMPv6 type
 * cannot be seen (parse gives no l4_off), so a fragment of an ICMPv6 error
 * would be answered too; errors are small (<= 1280 bytes) and rarely
 * fragmented, and the rate limit bounds the rest. false also for a packet
 * that is not IPv6.
 */
bool ws_icmp6_error_allowed(const struct ws_pkt *p, uint8_t type, uint8_t code);

/*
 * Slow path, per packet: turn the ICMP echo request p (addressed to us) IN
 * PLACE into its echo reply: IPv4 source and destination swapped, TTL 64,
 * header checksum recomputed; ICMP type 0 with the checksum updated
 * incrementally (RFC 1624: only the type changed, ICMP has no pseudo-header);
 * Ethernet addresses swapped, any VLAN tag kept. The request's ICMP checksum
 * (over total length - IHL*4 bytes) is verified first. IP options are kept
 * as received (RFC 1122 3.2.2.6's record route/timestamp updates are not
 * done). data_len, l3_off, l4_off unchanged (Ethernet padding stays).
 * Returns 0; -EINVAL if p is not an unfragmented IPv4 ICMP echo request
 * (type 8; offset or MF set counts as fragmented: a fragment cannot be
 * answered without reassembly); -EBADMSG if the ICMP checksum is wrong. p is
 * untouched on errors.
 */
int ws_icmp4_echo_reply(struct ws_pkt *p);

/*
 * Slow path, per packet: the ICMPv6 form (type 128 -> 129, RFC 4443 4.2):
 * source src (the address the request was sent to, when that was unicast;
 * the caller picks one of ours for a multicast request), destination the
 * request's source, hop limit 64, traffic class and flow label kept, ICMPv6
 * checksum recomputed over the pseudo-header; Ethernet addresses swapped,
 * any VLAN tag kept. The request's checksum is verified first.
 * Returns 0; -EINVAL if p is not an ICMPv6 echo request of at least 8 bytes
 * directly after the IPv6 header: with extension headers the reply would
 * have to strip or rewrite them (a routing header must not be echoed back,
 * RFC 8200 4.4) and move the message, which an in-place rewrite cannot do;
 * -EBADMSG if the checksum is wrong. p is untouched on errors.
 */
int ws_icmp6_echo_reply(struct ws_pkt *p, const uint8_t src[16]);

#endif /* WS_NET_ICMP_H */
