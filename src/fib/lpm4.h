/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpm4.h: compiled IPv4 longest-prefix match.
 *
 * DATA-PATH CODE for the lookups (the single lookup is static inline below,
 * the bulk lookup is in lpm4.c); building is control path. The structure is
 * the multiway trie of trie.h with 2^18 direct entries: a /24 or shorter
 * route is answered after at most three dependent loads (direct entry, one
 * node, one leaf); /25 to /32 need one or two more nodes. A full Internet
 * table (900k prefixes) compiles to a few MiB that stay in L2/L3 under
 * random destinations, where DIR-24-8 (rte_lpm) spends a 64 MiB table.
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
#include "fib/trie.h"

struct ws_rib;

#define WS_LPM4_DIRECT_BITS 18

/* Bulk lookup: addresses are processed in groups of this many, one trie
 * level at a time for the whole group, so that the loads of one level for
 * the whole group are in flight together (prefetched) before any is read. */
#define WS_LPM4_BULK_GROUP 64

struct ws_lpm4 {
	struct ws_trie trie;
	uint32_t nb_routes; /* routes it was built from */
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

/*
 * Control path, one writer; lookups may run concurrently in other threads.
 * After rib (the IPv4 RIB the structure stands for) changed the prefix
 * addr/len (16-byte form, fib.h), bring the compiled structure in line:
 * the part the prefix covers is recompiled from the RIB into fresh memory
 * and switched in with atomic stores, so that a concurrent lookup answers
 * either as before or as after. The memory it replaced is retired; call
 * ws_lpm4_reclaim() once no lookup that started before this call can
 * still run (an RCU grace period; src/fib/fib_table.h does this).
 * Returns 0; -EINVAL (length over 32, a nexthop >= WS_FIB_MAX_NEXTHOPS
 * in rib, an IPv6 RIB); -ENOSPC when the headroom reserved at build
 * time is used up; -ENOMEM. After an error, rebuild (ws_lpm4_build_rib).
 */
int ws_lpm4_update(struct ws_lpm4 *lpm, const struct ws_rib *rib, const uint8_t *addr, unsigned len);

/* Control path: reuse the memory retired by updates, after a grace period. */
void ws_lpm4_reclaim(struct ws_lpm4 *lpm);

/* Control path: entries retired by updates and not reclaimed yet. */
size_t ws_lpm4_retired(const struct ws_lpm4 *lpm);

/* Control path: bytes of memory the lookup structure occupies. */
size_t ws_lpm4_memory(const struct ws_lpm4 *lpm);

/* 6-bit child index of addr after `pos` address bits have been consumed;
 * past bit 32 the address is zero-extended. */
static ws_always_inline unsigned ws_lpm4__slot(uint32_t addr, unsigned pos)
{
	return (unsigned)((((uint64_t)addr << 32) << pos) >> (64 - WS_TRIE_STRIDE));
}

/*
 * Data path, per lookup: the nexthop of the longest prefix matching addr
 * (host byte order), or WS_FIB_MISS. Three to five dependent loads.
 */
static inline uint32_t ws_lpm4_lookup(const struct ws_lpm4 *lpm, uint32_t addr)
{
	const struct ws_trie *t = &lpm->trie;
	uint32_t e = ws_trie_direct(t->direct, addr >> (32 - WS_LPM4_DIRECT_BITS));
	unsigned pos = WS_LPM4_DIRECT_BITS;

	if (e & WS_TRIE_DIRECT_LEAF)
		return ws_trie_leaf((uint16_t)e);
	while (ws_trie_step(&t->nodes[e], ws_lpm4__slot(addr, pos), &e))
		pos += WS_TRIE_STRIDE;
	return ws_trie_leaf(t->leaves[e]);
}

/*
 * Data path, per burst: nexthops[i] = ws_lpm4_lookup(lpm, addrs[i]) for i < n;
 * the two arrays must not overlap.
 * Addresses go through in groups of WS_LPM4_BULK_GROUP, one trie level at a
 * time for the whole group, prefetching the next level's line for every
 * address before any of them is read: the misses of a group overlap instead
 * of following one another.
 */
void ws_lpm4_lookup_bulk(const struct ws_lpm4 *lpm, const uint32_t *addrs, uint32_t *nexthops,
			 unsigned n);

#endif /* WS_FIB_LPM4_H */
