/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp_nd.h: reading and writing the neighbour resolution packets: ARP for
 * IPv4 over Ethernet (RFC 826) and IPv6 Neighbour Discovery's neighbour
 * solicitation and advertisement (RFC 4861). The arp and ip6-nd nodes use
 * these to answer for our addresses and to ask for a nexthop's MAC; the
 * neighbour table and its timers live with the caller.
 *
 * Slow path that runs inside a worker, so data-path rules: no allocation, no
 * syscalls, bounded work (ND option walks are bounded by the packet length).
 * Readers and in-place rewrites take a packet ws_net_parse() accepted
 * (WS_NET_OK); the builders take a fresh frame from the pool and write the
 * metadata as parse would have. IPv4 addresses are host order in the API,
 * IPv6 addresses byte arrays (wire order).
 */
#ifndef WS_NET_ARP_ND_H
#define WS_NET_ARP_ND_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/pkt.h"
#include "net/net.h"

/* The shortest Ethernet frame without its FCS: ARP (14 + 28) is padded up
 * to it. */
#define WS_ETH_MIN_FRAME_LEN 60

/* ---- Neighbour Discovery wire format (RFC 4861 4.3, 4.4, 4.6.1) ---- */

#define WS_ND_HOP_LIMIT 255          /* proves the sender is on-link (7.1.1) */
#define WS_ND_MSG_LEN 24             /* NS and NA without options */
#define WS_ND_OPT_UNIT 8             /* option lengths count 8-byte units */
#define WS_ND_OPT_SRC_LLA 1          /* source link-layer address */
#define WS_ND_OPT_TGT_LLA 2          /* target link-layer address */
#define WS_ND_OPT_LLA_LEN 8          /* type, length, 6-byte MAC */
#define WS_ND_NA_FLAG_ROUTER 0x80    /* R */
#define WS_ND_NA_FLAG_SOLICITED 0x40 /* S */
#define WS_ND_NA_FLAG_OVERRIDE 0x20  /* O */

/* NS and NA share one layout: for an NS the flags byte is reserved (0). */
struct ws_nd_msg {
	uint8_t type; /* WS_ICMP6_NEIGH_SOLICIT / WS_ICMP6_NEIGH_ADVERT */
	uint8_t code; /* 0 */
	uint16_t csum;
	uint8_t flags; /* NA: WS_ND_NA_FLAG_* */
	uint8_t reserved[3];
	uint8_t target[16];
} ws_wire_struct;

/* A link-layer address option for Ethernet. */
struct ws_nd_opt_lla {
	uint8_t type; /* WS_ND_OPT_SRC_LLA / WS_ND_OPT_TGT_LLA */
	uint8_t len;  /* 1: 8 bytes */
	uint8_t mac[WS_ETH_ADDR_LEN];
} ws_wire_struct;

static_assert(sizeof(struct ws_nd_msg) == WS_ND_MSG_LEN, "NS/NA are 24 bytes before their options");
static_assert(sizeof(struct ws_nd_opt_lla) == WS_ND_OPT_LLA_LEN, "Ethernet LLA option is 8 bytes");

/* ---- ARP ---- */

/* An ARP packet's fields; addresses in host order. */
struct ws_arp_info {
	uint16_t op; /* WS_ARP_OP_* */
	uint8_t sha[WS_ETH_ADDR_LEN];
	uint32_t spa;
	uint8_t tha[WS_ETH_ADDR_LEN];
	uint32_t tpa;
};

/*
 * Slow path, per packet: the fields of the ARP packet p (parsed with
 * ethertype ARP, so its 28 bytes are there and the format was checked).
 */
void ws_arp_read(const struct ws_pkt *p, struct ws_arp_info *a);

/*
 * Slow path, per packet: turn the ARP request p IN PLACE into our reply
 * (RFC 826): op 2, sender = (our_mac, the request's target IP), target = the
 * request's sender; Ethernet to the requester's MAC (the request's sha) from
 * our_mac, VLAN tag kept. data_len unchanged (a request that arrived padded
 * to 60 bytes leaves padded). The caller has checked that the request's tpa
 * is ours; the opcode is not checked here.
 */
void ws_arp_make_reply(struct ws_pkt *p, const uint8_t our_mac[6]);

/*
 * Slow path, per packet: write an ARP request "who has target_ip, tell
 * src_ip" into the fresh frame p (from the pool; at least WS_PKT_HEADROOM +
 * 60 bytes): data_off WS_PKT_HEADROOM, data_len 60 (zero padded), Ethernet
 * broadcast from src_mac, tha zero. The metadata parse owns is set as parse
 * would set it (ethertype ARP, l3_off 14, l4_off 0, l4_proto 0, vlan_tci 0,
 * flags 0, drop_reason 0); the rest (ports, nexthop, ...) is the caller's.
 */
void ws_arp_build_request(struct ws_pkt *p, const uint8_t src_mac[6], uint32_t src_ip, uint32_t target_ip);

/* ---- Neighbour Discovery ---- */

/* What ws_nd_read found in an NS or NA. */
struct ws_nd_info {
	uint8_t type;   /* 135 NS, 136 NA */
	uint8_t flags;  /* NA: WS_ND_NA_FLAG_*; NS: 0 */
	uint8_t target[16];
	uint8_t lla[6]; /* NS: source LLA option, NA: target LLA option */
	bool has_lla;
};

/*
 * Slow path, per packet: validate the NS or NA p as RFC 4861 7.1.1 / 7.1.2
 * require and fill nd. Checked: no extension headers (l4_off == l3_off + 40:
 * RFC 4861 messages carry none, and without them the message sits at a
 * fixed place that ws_nd_make_na can rewrite), hop limit 255, code 0, ICMPv6 length >= 24, checksum,
 * target not multicast, every option of length > 0 and inside the message;
 * an NS from :: carries no source LLA option and goes to a solicited-node
 * multicast address; an NA with S set does not go to a multicast address.
 * The first source LLA option of an NS (target LLA option of an NA) fills
 * lla/has_lla; other options are skipped (7.1.1: ignored).
 * Returns 0; -ENOTSUP for an ICMPv6 message that is neither NS nor NA;
 * -EINVAL for anything else that fails (not ICMPv6 included). nd is only
 * meaningful after 0.
 */
int ws_nd_read(const struct ws_pkt *p, struct ws_nd_info *nd);

/*
 * Slow path, per packet: turn the NS p (accepted by ws_nd_read) IN PLACE into
 * the solicited NA for target (one of our addresses; may point into p):
 * IPv6 from target to the NS's source, or to ff02::1 when the NS came from ::
 * (duplicate address detection, 7.2.4), hop limit 255, traffic class and
 * flow label 0; NA with R set (we are a router: RFC 4861 7.2.4, so hosts
 * keep us in their default router list), O set, S set unless sent to
 * ff02::1, and a target
 * LLA option carrying our_mac; checksum. Ethernet to the NS's Ethernet
 * source (33:33:00:00:00:01 for ff02::1) from our_mac, VLAN tag kept.
 * payload_len becomes 32 and data_len l3_off + 72 (the NS may have been 8
 * bytes shorter: the frame has room, it is a pool frame). l3_off, l4_off,
 * l4_proto stay right.
 */
void ws_nd_make_na(struct ws_pkt *p, const uint8_t our_mac[6], const uint8_t target[16]);

/*
 * Slow path, per packet: write an NS for target into the fresh frame p (as
 * for ws_arp_build_request: data_off WS_PKT_HEADROOM, parse's metadata
 * fields set: ethertype IPv6, l3_off 14, l4_off 54, l4_proto 58, vlan_tci 0,
 * flags 0, drop_reason 0) to the target's solicited-node multicast address
 * (Ethernet 33:33:ff + its last 3 bytes), hop limit 255, from src_ip with a
 * source LLA option carrying src_mac (data_len 86). When src_ip is :: (a
 * duplicate address detection probe) the option is left out, as RFC 4861
 * 4.3 requires (data_len 78).
 */
void ws_nd_build_ns(struct ws_pkt *p, const uint8_t src_mac[6], const uint8_t src_ip[16], const uint8_t target[16]);

/* Slow path: out = the solicited-node multicast address of addr,
 * ff02::1:ff00:0/104 + addr's last 24 bits (RFC 4291 2.7.1). out may be addr. */
void ws_nd_solicited_node(const uint8_t addr[16], uint8_t out[16]);

#endif /* WS_NET_ARP_ND_H */
