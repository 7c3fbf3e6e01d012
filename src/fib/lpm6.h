/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpm6.h: compiled IPv6 longest-prefix match.
 *
 * DATA-PATH CODE for the lookups (the single lookup is static inline below,
 * the bulk lookup is in lpm6.c); building is control path. The structure is
 * the multiway trie of trie.h with 2^16 direct entries and 6-bit nodes
 * below: a /32 is answered after the direct entry and three nodes, a /48
 * after six. The full table (160k prefixes) fits in about 2 MiB.
 *
 * Addresses are 16-byte network-order arrays. Nexthops are 16-bit ids
 * 0..WS_FIB_MAX_NEXTHOPS-1 (fib.h); no match returns WS_FIB_MISS.
 */
#ifndef WS_FIB_LPM6_H
#define WS_FIB_LPM6_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"
#include "fib/fib.h"
#include "fib/trie.h"

struct ws_rib;

#define WS_LPM6_DIRECT_BITS 16

/* Bulk lookup: addresses in groups of this many, one trie level at a time
 * for the whole group (see lpm4.h). */
#define WS_LPM6_BULK_GROUP 64

struct ws_lpm6 {
	struct ws_trie trie;
	uint32_t nb_routes;
};

/* Control path: compile IPv6 routes[0..n) (any order; the last of duplicate
 * prefixes wins; host bits ignored). NULL with errno EINVAL (length > 128 or
 * nexthop >= WS_FIB_MAX_NEXTHOPS) or ENOMEM. */
struct ws_lpm6 *ws_lpm6_build(const struct ws_route *routes, size_t n);

/* Control path: compile the routes of an IPv6 RIB. NULL with errno EINVAL
 * (an IPv4 RIB, or a nexthop out of range) or ENOMEM. */
struct ws_lpm6 *ws_lpm6_build_rib(const struct ws_rib *rib);

void ws_lpm6_free(struct ws_lpm6 *lpm);

/*
 * Control path, one writer; lookups may run concurrently in other threads.
 * After rib (the IPv6 RIB the structure stands for) changed the prefix
 * addr/len (16-byte form, fib.h), bring the compiled structure in line:
 * the part the prefix covers is recompiled from the RIB into fresh memory
 * and switched in with atomic stores, so that a concurrent lookup answers
 * either as before or as after. The memory it replaced is retired; call
 * ws_lpm6_reclaim() once no lookup that started before this call can
 * still run (an RCU grace period; src/fib/fib_table.h does this).
 * Returns 0; -EINVAL (length over 128, a nexthop >= WS_FIB_MAX_NEXTHOPS
 * in rib, an IPv4 RIB); -ENOSPC when the headroom reserved at build
 * time is used up; -ENOMEM. After an error, rebuild (ws_lpm6_build_rib).
 */
int ws_lpm6_update(struct ws_lpm6 *lpm, const struct ws_rib *rib, const uint8_t *addr, unsigned len);

/* Control path: reuse the memory retired by updates, after a grace period. */
void ws_lpm6_reclaim(struct ws_lpm6 *lpm);

/* Control path: entries retired by updates and not reclaimed yet. */
size_t ws_lpm6_retired(const struct ws_lpm6 *lpm);

/* Control path: bytes of memory the lookup structure occupies. */
size_t ws_lpm6_memory(const struct ws_lpm6 *lpm);

typedef unsigned __int128 ws_lpm6_key;

/* Data path: the address as a 128-bit integer (big-endian bytes). */
static ws_always_inline ws_lpm6_key ws_lpm6__key(const uint8_t *addr)
{
	uint64_t hi, lo;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	return (ws_lpm6_key)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

/* Data path: 6-bit child index after `pos` (< 128) key bits are consumed;
 * past bit 128 the key is zero-extended. */
static ws_always_inline unsigned ws_lpm6__slot(ws_lpm6_key k, unsigned pos)
{
	return (unsigned)((k << pos) >> (128 - WS_TRIE_STRIDE));
}

/* Data path, per lookup: nexthop of the longest prefix matching addr, or
 * WS_FIB_MISS. One to twenty dependent loads; six for a /48. */
static inline uint32_t ws_lpm6_lookup(const struct ws_lpm6 *lpm, const uint8_t *addr)
{
	const struct ws_trie *t = &lpm->trie;
	ws_lpm6_key k = ws_lpm6__key(addr);
	uint32_t e = ws_trie_direct(t->direct, (uint32_t)(k >> (128 - WS_LPM6_DIRECT_BITS)));
	unsigned pos = WS_LPM6_DIRECT_BITS;

	if (e & WS_TRIE_DIRECT_LEAF)
		return ws_trie_leaf((uint16_t)e);
	while (ws_trie_step(&t->nodes[e], ws_lpm6__slot(k, pos), &e))
		pos += WS_TRIE_STRIDE;
	return ws_trie_leaf(t->leaves[e]);
}

/* Data path, per burst: nexthops[i] = ws_lpm6_lookup(lpm, addrs[i]), i < n
 * (the arrays must not overlap),
 * staged by trie level over groups of WS_LPM6_BULK_GROUP with prefetch. */
void ws_lpm6_lookup_bulk(const struct ws_lpm6 *lpm, const uint8_t (*addrs)[16], uint32_t *nexthops,
			 unsigned n);

#endif /* WS_FIB_LPM6_H */
