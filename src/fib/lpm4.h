/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpm4.h: compiled IPv4 longest-prefix match.
 *
 * DATA-PATH CODE for the lookups (static inline below); building is control
 * path. The structure is a multiway trie with population-count compression
 * (the Poptrie idea, Asai and Ohara, SIGCOMM 2015):
 *
 *   direct[addr >> 14]        2^18 entries of 32 bits: a nexthop ("leaf",
 *                             top bit set) when the whole /18 has one answer,
 *                             else the index of a node
 *   node {vector, leafvec, leaf_base, child_base}   24 bytes, 64 children
 *                             (6 address bits) each: `vector` marks the
 *                             children that are nodes; they are stored
 *                             contiguously from child_base, so child k is
 *                             child_base + popcount(vector below k). The
 *                             other children are leaves; consecutive leaves
 *                             with equal nexthops are stored once, and
 *                             `leafvec` marks where each run starts, so the
 *                             leaf is leaf_base + popcount(leafvec to k) - 1.
 *   leaves                    16-bit nexthops
 *
 * A /24 or shorter route is answered after at most three dependent loads
 * (direct entry, one node, one leaf); /25 to /32 need one or two more nodes.
 * A full Internet table (900k prefixes) compiles to a few MiB that stay in
 * L2/L3 under random destinations, where DIR-24-8 (rte_lpm) touches a 64 MiB
 * table and misses the cache and the TLB on nearly every random lookup.
 *
 * Nexthops are 16-bit ids 0..WS_FIB_MAX_NEXTHOPS-1 (fib.h); a lookup without
 * a match returns WS_FIB_MISS.
 */
#ifndef WS_FIB_LPM4_H
#define WS_FIB_LPM4_H

#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "fib/fib.h"

struct ws_rib;

#define WS_LPM4_DIRECT_BITS 18
#define WS_LPM4_STRIDE 6
/* In a direct entry: the rest is a nexthop, not a node index. */
#define WS_LPM4_DIRECT_LEAF 0x80000000u
/* The 16-bit leaf value meaning "no route". */
#define WS_LPM4_LEAF_MISS 0xffffu

/* Bulk lookup: addresses are processed in groups of this many, stage by
 * stage, so that the loads of one stage for the whole group are in flight
 * together (prefetched) before the next stage reads them. */
#define WS_LPM4_BULK_GROUP 64

struct ws_lpm4_node {
	uint64_t vector;     /* bit k: child k is a node */
	uint64_t leafvec;    /* bit k: a new leaf run starts at child k */
	uint32_t leaf_base;  /* index of this node's first leaf run */
	uint32_t child_base; /* index of this node's first child node */
};

struct ws_lpm4 {
	uint32_t *direct;            /* [1 << WS_LPM4_DIRECT_BITS] */
	struct ws_lpm4_node *nodes;
	uint16_t *leaves;
	uint32_t nb_nodes;
	uint32_t nb_leaves;
	uint32_t nb_routes;          /* routes it was built from */
	uint32_t pad;
};

/*
 * Control path: compile IPv4 routes[0..n) (fib.h records, address in the
 * first 4 bytes; any order; a prefix that appears twice keeps its last
 * nexthop; host bits are ignored) into a new structure. Returns NULL with
 * errno EINVAL (length > 32 or nexthop >= WS_FIB_MAX_NEXTHOPS) or ENOMEM.
 * About 0.2 s for a full Internet table.
 */
struct ws_lpm4 *ws_lpm4_build(const struct ws_route *routes, size_t n);

/* Control path: compile the routes of an IPv4 RIB. NULL with errno EINVAL
 * (an IPv6 RIB, or a nexthop out of range) or ENOMEM. */
struct ws_lpm4 *ws_lpm4_build_rib(const struct ws_rib *rib);

void ws_lpm4_free(struct ws_lpm4 *lpm);

/* Control path: bytes of memory the lookup structure occupies. */
size_t ws_lpm4_memory(const struct ws_lpm4 *lpm);

static ws_always_inline uint32_t ws_lpm4__leaf(uint16_t leaf)
{
	return leaf == WS_LPM4_LEAF_MISS ? WS_FIB_MISS : leaf;
}

/* Mask of children 0..k (inclusive) in the bit order used by vector/leafvec. */
static ws_always_inline uint64_t ws_lpm4__upto(unsigned k)
{
	return ~0ull >> (63 - k);
}

/* 6-bit child index of addr after `pos` address bits have been consumed;
 * past bit 32 the address is zero-extended. */
static ws_always_inline unsigned ws_lpm4__slot(uint32_t addr, unsigned pos)
{
	return (unsigned)((((uint64_t)addr << 32) << pos) >> (64 - WS_LPM4_STRIDE));
}

/*
 * Data path, per lookup: the nexthop of the longest prefix matching addr
 * (host byte order), or WS_FIB_MISS. Three to five dependent loads.
 */
static inline uint32_t ws_lpm4_lookup(const struct ws_lpm4 *lpm, uint32_t addr)
{
	uint32_t e = lpm->direct[addr >> (32 - WS_LPM4_DIRECT_BITS)];
	unsigned pos = WS_LPM4_DIRECT_BITS;

	if (e & WS_LPM4_DIRECT_LEAF)
		return ws_lpm4__leaf((uint16_t)e);
	for (;;) {
		const struct ws_lpm4_node *n = &lpm->nodes[e];
		unsigned k = ws_lpm4__slot(addr, pos);
		uint64_t upto = ws_lpm4__upto(k);

		if (!(n->vector >> k & 1))
			return ws_lpm4__leaf(lpm->leaves[n->leaf_base +
							 (uint32_t)__builtin_popcountll(n->leafvec & upto) - 1]);
		e = n->child_base + (uint32_t)__builtin_popcountll(n->vector & upto) - 1;
		pos += WS_LPM4_STRIDE;
	}
}

/*
 * Data path, per burst: nexthops[i] = ws_lpm4_lookup(lpm, addrs[i]) for i < n.
 * Addresses go through in groups of WS_LPM4_BULK_GROUP, one trie level at a
 * time for the whole group, prefetching the next level's line for every
 * address before any of them is read: the misses of a group overlap instead
 * of following one another.
 */
void ws_lpm4_lookup_bulk(const struct ws_lpm4 *lpm, const uint32_t *addrs, uint32_t *nexthops,
			 unsigned n);

#endif /* WS_FIB_LPM4_H */
