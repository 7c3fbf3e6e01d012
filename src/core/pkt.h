/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.h: per-packet metadata, exactly one 64-byte cache line stored at the
 * start of the packet's frame (in its headroom).
 *
 * DATA-PATH CODE. RX writes every field it needs one by one (ws_pkt_rx_init);
 * the line is never cleared as a block, because a 64-byte memset per packet is
 * a store stream the budget cannot afford and most fields are overwritten
 * anyway. Fields a later stage relies on are written by the stage that owns
 * them (parse writes l3_off/l4_off/..., lookup writes nexthop).
 *
 * Frame layout (frame_size bytes, default 2048; frames lie frame_size + 64
 * bytes apart, see pool.h):
 *   [0, 64)              struct ws_pkt
 *   [64, data_off)       free headroom (prepend encapsulation here)
 *   [data_off, +data_len) packet bytes, starting with the Ethernet header
 */
#ifndef WS_CORE_PKT_H
#define WS_CORE_PKT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

/* Default offset of packet data from the frame start. 256 leaves 192 bytes
 * in front of the data for encapsulation and matches XDP's headroom, so an
 * AF_XDP UMEM frame and a pool frame can share one layout. */
#define WS_PKT_HEADROOM 256

struct ws_pkt {
	uint64_t rx_tsc;      /* TSC at RX (0 when the port does not stamp) */
	uint16_t data_off;    /* packet start, bytes from the frame start */
	uint16_t data_len;    /* bytes of packet in the frame */
	uint16_t in_port;     /* RX port id */
	uint16_t out_port;    /* TX port id, set by lookup/rewrite */
	uint32_t nexthop;     /* FIB nexthop id, set by lookup */
	uint32_t hash;        /* flow hash (RSS or software), 0 if none */
	uint16_t l3_off;      /* offset of the L3 header from data start */
	uint16_t l4_off;      /* offset of the L4 header from data start */
	uint16_t ethertype;   /* after any VLAN tag, host byte order */
	uint16_t vlan_tci;    /* 0 when untagged */
	uint8_t l4_proto;     /* IPPROTO_* of the L4 header, 0 if none */
	uint8_t flags;        /* WS_PKT_F_* */
	uint8_t drop_reason;  /* why the packet was dropped (per component) */
	uint8_t next_node;    /* next graph node index for this packet */
	uint32_t seq;         /* sequence number stamped by generators */
	uint8_t scratch[24];  /* node-private storage, valid within one node */
} __attribute__((aligned(WS_CACHE_LINE)));

static_assert(sizeof(struct ws_pkt) == WS_CACHE_LINE, "ws_pkt must be one cache line");
static_assert(_Alignof(struct ws_pkt) == WS_CACHE_LINE, "ws_pkt must be cache-line aligned");
static_assert(WS_PKT_HEADROOM >= sizeof(struct ws_pkt), "headroom must hold the metadata");

#define WS_PKT_F_VLAN 0x01   /* arrived with an 802.1Q tag */
#define WS_PKT_F_LOCAL 0x02  /* addressed to this host */

/* Data path, per packet: start of the packet bytes. */
static ws_always_inline uint8_t *ws_pkt_data(struct ws_pkt *p)
{
	return (uint8_t *)p + p->data_off;
}

/* Data path, per packet: initialise the fields every RX path must set. */
static ws_always_inline void ws_pkt_rx_init(struct ws_pkt *p, uint16_t data_off, uint16_t len,
					    uint16_t port, uint64_t tsc)
{
	p->rx_tsc = tsc;
	p->data_off = data_off;
	p->data_len = len;
	p->in_port = port;
	p->flags = 0;
	p->drop_reason = 0;
}

#endif /* WS_CORE_PKT_H */
