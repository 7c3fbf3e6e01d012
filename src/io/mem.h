/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.h: the in-memory port: a synthetic traffic source and a counting sink,
 * so that the graph can be measured and tested exactly, without a network.
 *
 * RX builds UDP frames from a template in frames of the port's pool: Ethernet
 * to the port's MAC, IPv4 or IPv6, destination addresses drawn (seeded PRNG)
 * from an array the caller gives (e.g. random addresses that the routing
 * table routes), frame sizes drawn from a list. TX counts and frees.
 */
#ifndef WS_IO_MEM_H
#define WS_IO_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "io/port.h"

#define WS_MEM_MAX_SIZES 8u

struct ws_mem_config {
	int family;              /* AF_INET or AF_INET6 */
	const void *dsts;        /* IPv4: uint32_t host order; IPv6: uint8_t[16] */
	size_t nb_dsts;          /* >= 1 */
	uint8_t src_mac[6];      /* the frames' source (the "peer") */
	uint8_t src_ip[16];      /* IPv4 in the first 4 bytes */
	uint16_t sizes[WS_MEM_MAX_SIZES]; /* frame sizes without FCS, 60..2000 for IPv4
				 * (the minimum 64-byte frame is 60 + FCS), 62.. for IPv6 */
	unsigned nb_sizes;       /* 0: one size, 60 (IPv4) / 62 (IPv6) */
	uint8_t ttl;             /* 0: 64 */
	uint64_t seed;
	uint64_t count;          /* frames to produce; 0: no limit */
};

/*
 * Control path: a mem port: RX per cfg (the port's MAC is the frames'
 * destination; dsts is copied), TX a sink that counts and frees. NULL with
 * errno EINVAL (bad family, no destinations, a size out of range) or ENOMEM.
 */
struct ws_port *ws_mem_port_create(const char *name, uint16_t id, struct ws_pool *pool, const uint8_t mac[6],
				   const struct ws_mem_config *cfg);

#endif /* WS_IO_MEM_H */
