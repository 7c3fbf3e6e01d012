/* SPDX-License-Identifier: BSD-3-Clause */
/* rib_priv.h: the RIB's insides, shared by rib.c and rib_bulk.c only. */
#ifndef WS_FIB_RIB_PRIV_H
#define WS_FIB_RIB_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/rib.h"

struct ws_rib_node {
	struct ws_rib_node *child[2];
	uint32_t nexthop;
	uint8_t len;
	uint8_t is_route;
	/* One word for IPv4, two for IPv6: the node size follows the family so a
	 * full IPv4 table costs 32 bytes per node, not 40. */
	uint64_t key[];
};

struct rib_chunk {
	struct rib_chunk *next;
	size_t size;
	uint64_t mem[]; /* aligned for the nodes */
};

struct ws_rib {
	struct ws_rib_node *root;
	int family;
	unsigned max_len;
	unsigned nwords;
	size_t node_size;
	size_t routes;
	size_t nodes;
	/* freed nodes, linked through child[0]; reused before the bump area so
	 * that add/delete streams do not grow the slab */
	struct ws_rib_node *free_list;
	size_t nb_free;
	struct rib_chunk *chunks; /* in use */
	struct rib_chunk *spare;  /* reserved by a bulk update, not yet used */
	size_t chunk_bytes;       /* size of the next new chunk */
	size_t bytes_allocated;
	char *bump, *bump_end;
};

/* 0, or -EINVAL for a prefix or nexthop ws_rib_add() refuses. */
int ws_rib_check(const struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop);

/* ws_rib_add (replace false) or ws_rib_replace (replace true). */
int ws_rib_insert(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop,
		  bool replace);

/* Make sure the next n node allocations cannot fail: 0 or -ENOMEM. */
int ws_rib_reserve(struct ws_rib *rib, size_t n);

/* Free the reserved chunks that were not needed after all. */
void ws_rib_release_spares(struct ws_rib *rib);

#endif /* WS_FIB_RIB_PRIV_H */
