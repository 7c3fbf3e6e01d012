/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trie.h: the compiled multiway trie that lpm4 and lpm6 share (private to
 * src/fib). The shape (the Poptrie idea, Asai and Ohara, SIGCOMM 2015):
 *
 *   direct[key >> (key_bits - direct_bits)]
 *            a leaf (WS_TRIE_DIRECT_LEAF | nexthop) when the whole block of
 *            addresses has one answer, else the index of a node
 *   node     64 children (6 key bits). `vector` marks the children that are
 *            nodes, stored contiguously from child_base: child k is
 *            child_base + popcount(vector & bits 0..k) - 1. The other
 *            children are leaves; consecutive leaves with equal nexthops are
 *            stored once and `leafvec` marks where each run starts: the leaf
 *            is leaf_base + popcount(leafvec & bits 0..k) - 1.
 *   leaves   16-bit nexthops, WS_TRIE_LEAF_MISS for "no route"
 *
 * Building is control path (trie.c); the lookups are in lpm4.h / lpm6.h.
 */
#ifndef WS_FIB_TRIE_H
#define WS_FIB_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "fib/fib.h"

#define WS_TRIE_STRIDE 6
#define WS_TRIE_DIRECT_LEAF 0x80000000u
#define WS_TRIE_LEAF_MISS 0xffffu

struct ws_trie_node {
	uint64_t vector;     /* bit k: child k is a node */
	uint64_t leafvec;    /* bit k: a new leaf run starts at child k */
	uint32_t leaf_base;  /* index of this node's first leaf run */
	uint32_t child_base; /* index of this node's first child node */
};

/* Leaf index that always holds WS_TRIE_LEAF_MISS (see ws_trie_reclaim). */
#define WS_TRIE_POISON_LEAF 0u

struct ws_trie_space; /* control path: headroom, free and retired blocks */

struct ws_trie {
	uint32_t *direct; /* [1 << direct_bits]; entries change under readers (atomic stores) */
	struct ws_trie_node *nodes; /* blocks never change while a reader can reach them */
	uint16_t *leaves;
	uint32_t nb_nodes;  /* entries in use or free (high-water mark) */
	uint32_t nb_leaves;
	uint32_t direct_bits;
	uint32_t key_bits;
	struct ws_trie_space *space;
};

/*
 * Control path: compile routes[0..n) of one family (key_bits 32 or 128,
 * addresses as fib.h stores them) into t. Any order; a prefix listed twice
 * keeps its last nexthop; host bits are ignored. 0, -EINVAL (a length over
 * key_bits, a nexthop >= WS_FIB_MAX_NEXTHOPS) or -ENOMEM.
 */
int ws_trie_build(struct ws_trie *t, const struct ws_route *routes, size_t n, unsigned key_bits,
		  unsigned direct_bits);

/* Control path: as ws_trie_build(), from every route of a RIB (key_bits from
 * its family). */
struct ws_rib;
int ws_trie_build_rib(struct ws_trie *t, const struct ws_rib *rib, unsigned direct_bits);

/*
 * Control path, one writer at a time, readers may run concurrently: after
 * the RIB changed addr/len (added, deleted or replaced; rib must be the one
 * of the trie's family), recompile the trie's part that the prefix covers
 * from the RIB and publish it with atomic stores to direct entries. A reader
 * sees each direct entry's range either as before or as after. Replaced
 * blocks are retired: they stay intact until ws_trie_reclaim().
 * Returns 0; -EINVAL (length over key_bits, a nexthop >= WS_FIB_MAX_NEXTHOPS
 * in the RIB, a RIB of the other family); -ENOSPC when the headroom reserved
 * at build time is used up, or -ENOMEM. After an error some direct entries
 * of a short prefix may be updated and others not: rebuild the trie.
 */
int ws_trie_update(struct ws_trie *t, const struct ws_rib *rib, const uint8_t *addr, unsigned len);

/* Control path: make the blocks retired so far reusable (and poison them).
 * Only after a grace period: no reader may still be inside a lookup that
 * started before they were retired. */
void ws_trie_reclaim(struct ws_trie *t);

/* Control path: entries (nodes + leaves) retired since the last reclaim. */
size_t ws_trie_retired(const struct ws_trie *t);

/* Control path: free what ws_trie_build() allocated (t itself is the caller's). */
void ws_trie_release(struct ws_trie *t);

/* Control path: bytes the lookup structure occupies (free blocks included;
 * the unused headroom is not, as it is never touched). */
size_t ws_trie_memory(const struct ws_trie *t);

/* Data path: read a direct entry. Updates switch entries under readers with
 * release stores after writing the blocks they point to; the acquire load
 * pairs with that (a plain MOV on x86: it only keeps the compiler from
 * moving the node loads above it). */
static ws_always_inline uint32_t ws_trie_direct(const uint32_t *direct, uint32_t idx)
{
	return __atomic_load_n(&direct[idx], __ATOMIC_ACQUIRE);
}

/* Data path: the nexthop a 16-bit leaf stands for. */
static ws_always_inline uint32_t ws_trie_leaf(uint16_t leaf)
{
	return leaf == WS_TRIE_LEAF_MISS ? WS_FIB_MISS : leaf;
}

/* Data path: mask of children 0..k inclusive. */
static ws_always_inline uint64_t ws_trie_upto(unsigned k)
{
	return ~0ull >> (63 - k);
}

/* Data path: step from node n at child k. Returns 1 and the next node's index
 * in *next, or 0 and the leaf's index in *next. Written without a branch on
 * the outcome (random traffic would mispredict it). */
static ws_always_inline unsigned ws_trie_step(const struct ws_trie_node *n, unsigned k, uint32_t *next)
{
	uint64_t upto = ws_trie_upto(k);
	unsigned is_node = (unsigned)(n->vector >> k) & 1;
	uint32_t child = n->child_base + (uint32_t)__builtin_popcountll(n->vector & upto) - 1;
	uint32_t leaf = n->leaf_base + (uint32_t)__builtin_popcountll(n->leafvec & upto) - 1;

	*next = is_node ? child : leaf;
	return is_node;
}

/* Data path: a node may straddle two cache lines (24 bytes at any multiple
 * of 24); prefetch both. */
static ws_always_inline void ws_trie_prefetch_node(const struct ws_trie_node *n)
{
	ws_prefetch0(n);
	ws_prefetch0((const uint8_t *)n + sizeof(*n) - 1);
}

/* Data path: prefetch node `next` (both lines it may straddle) or leaf
 * `next`, chosen without a branch (the outcome is random under random
 * traffic). */
static ws_always_inline void ws_trie_prefetch_next(const struct ws_trie_node *nodes, const uint16_t *leaves,
						   uint32_t next, unsigned is_node)
{
	const uint8_t *p = is_node ? (const uint8_t *)&nodes[next] : (const uint8_t *)&leaves[next];

	ws_prefetch0(p);
	ws_prefetch0(p + sizeof(struct ws_trie_node) - 1);
}

#endif /* WS_FIB_TRIE_H */
