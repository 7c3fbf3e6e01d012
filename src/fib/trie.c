/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trie.c: compiling routes into the multiway trie of trie.h (control path).
 *
 * Building goes through an intermediate form that makes every step a linear
 * scan: the routing table, as a function from address to nexthop, is
 * piecewise constant, so it is written as a sorted list of segments (each
 * runs from its start to the next segment's start - 1). A trie child is a
 * leaf exactly when no segment starts inside its address range after its
 * first address. Keys are 128-bit integers for both families (an IPv4 key is
 * the 32-bit address value), so that one builder serves lpm4 and lpm6.
 */
#include "fib/trie.h"

#include "fib/rib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FANOUT (1u << WS_TRIE_STRIDE)

typedef unsigned __int128 u128;

struct segs {
	u128 *start; /* ascending */
	uint16_t *leaf;
	size_t nb, cap;
};

struct sorted_route {
	u128 first; /* first and last address of the prefix */
	u128 last;
	uint32_t order; /* position in the input: the later duplicate wins */
	uint16_t leaf;
	uint8_t len;
};

struct builder {
	struct ws_trie *t;
	const struct segs *s;
	uint32_t node_cap, leaf_cap;
};

static u128 key_of(const uint8_t *addr, unsigned key_bits)
{
	u128 k = 0;

	for (unsigned i = 0; i < key_bits / 8; i++)
		k = k << 8 | addr[i];
	return k;
}

/* Host part of a /len in a key_bits key; len < key_bits. A shift by 128
 * is undefined, so the /0 of a 128-bit key is spelt out. */
static u128 host_mask(unsigned len, unsigned key_bits)
{
	return key_bits - len >= 128 ? ~(u128)0 : ((u128)1 << (key_bits - len)) - 1;
}

static int route_cmp(const void *a, const void *b)
{
	const struct sorted_route *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Start a segment with `leaf` at `start` (starts arrive in ascending order).
 * A segment left empty by a later one at the same start is overwritten. */
static int seg_emit(struct segs *s, u128 start, uint16_t leaf)
{
	if (s->nb && s->start[s->nb - 1] == start) {
		s->leaf[s->nb - 1] = leaf;
		if (s->nb > 1 && s->leaf[s->nb - 2] == leaf)
			s->nb--; /* the emptied segment merged into the one before */
		return 0;
	}
	if (s->nb && s->leaf[s->nb - 1] == leaf)
		return 0; /* continues the previous segment */
	if (s->nb == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		u128 *st = realloc(s->start, cap * sizeof(*st));

		if (!st)
			return -ENOMEM;
		s->start = st;
		uint16_t *lf = realloc(s->leaf, cap * sizeof(*lf));
		if (!lf)
			return -ENOMEM;
		s->leaf = lf;
		s->cap = cap;
	}
	s->start[s->nb] = start;
	s->leaf[s->nb] = leaf;
	s->nb++;
	return 0;
}

/* Sweep the sorted prefixes keeping a stack of those that cover the cursor
 * (each inside the one below it, so at most key_bits + 1 deep). */
static int segments_from_routes(const struct sorted_route *r, size_t n, struct segs *s)
{
	struct {
		u128 last;
		uint16_t leaf;
	} stack[129];
	int top = -1, rc = seg_emit(s, 0, WS_TRIE_LEAF_MISS);

	for (size_t i = 0; i < n && !rc; i++) {
		if (i + 1 < n && r[i + 1].first == r[i].first && r[i + 1].len == r[i].len)
			continue; /* a later duplicate follows and wins */
		while (top >= 0 && stack[top].last < r[i].first) {
			u128 resume = stack[top].last + 1; /* < r[i].first: no overflow */

			top--;
			rc |= seg_emit(s, resume, top >= 0 ? stack[top].leaf : WS_TRIE_LEAF_MISS);
		}
		rc |= seg_emit(s, r[i].first, r[i].leaf);
		top++;
		stack[top].last = r[i].last;
		stack[top].leaf = r[i].leaf;
	}
	while (top >= 0 && !rc) {
		u128 last = stack[top].last;

		top--;
		/* a prefix that reaches the top of the 128-bit key space ends
		 * the sweep (the ones below it reach it too) */
		if (last == (u128)-1)
			break;
		rc |= seg_emit(s, last + 1, top >= 0 ? stack[top].leaf : WS_TRIE_LEAF_MISS);
	}
	return rc;
}

static int grow(void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
	uint64_t c = *cap ? *cap : 1024;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	while (c < need)
		c *= 2;
	p = realloc(*arr, (size_t)c * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = (uint32_t)c;
	return 0;
}

/* Advance j so that segment j contains addr. */
static size_t seg_find(const struct segs *s, size_t j, u128 addr)
{
	while (j + 1 < s->nb && s->start[j + 1] <= addr)
		j++;
	return j;
}

/* True when another segment starts in (first, last]: the range is not one leaf. */
static bool seg_split(const struct segs *s, size_t j, u128 last)
{
	return j + 1 < s->nb && s->start[j + 1] <= last;
}

/* Fill node idx, covering [lo, lo + 2^(key_bits - pos)); segment j holds lo. */
static int build_node(struct builder *b, uint32_t idx, u128 lo, unsigned pos, size_t j)
{
	const struct segs *s = b->s;
	unsigned rem = b->t->key_bits - pos;
	uint64_t vector = 0, leafvec = 0;
	size_t child_seg[FANOUT];
	u128 child_lo[FANOUT];
	uint16_t leaf[FANOUT];
	unsigned nb_children = 0, nb_runs = 0;

	for (unsigned k = 0; k < FANOUT; k++) {
		u128 a, span_last;

		if (rem >= WS_TRIE_STRIDE) {
			span_last = ((u128)1 << (rem - WS_TRIE_STRIDE)) - 1;
			a = lo + ((u128)k << (rem - WS_TRIE_STRIDE));
		} else {
			/* fewer than 6 key bits left: children repeat single addresses */
			span_last = 0;
			a = lo + (k >> (WS_TRIE_STRIDE - rem));
		}
		j = seg_find(s, j, a);
		if (seg_split(s, j, a + span_last)) {
			vector |= 1ull << k;
			child_seg[nb_children] = j;
			child_lo[nb_children] = a;
			nb_children++;
		} else if (nb_runs == 0 || s->leaf[j] != leaf[nb_runs - 1]) {
			leafvec |= 1ull << k;
			leaf[nb_runs++] = s->leaf[j];
		}
	}

	uint32_t child_base = b->t->nb_nodes, leaf_base = b->t->nb_leaves;

	if (grow((void **)&b->t->nodes, &b->node_cap, (uint64_t)child_base + nb_children,
		 sizeof(struct ws_trie_node)) ||
	    grow((void **)&b->t->leaves, &b->leaf_cap, (uint64_t)leaf_base + nb_runs, sizeof(uint16_t)))
		return -ENOMEM;
	b->t->nb_nodes += nb_children;
	b->t->nb_leaves += nb_runs;
	if (nb_runs) /* leaves may still be NULL; memcpy(NULL, .., 0) is undefined */
		memcpy(&b->t->leaves[leaf_base], leaf, nb_runs * sizeof(uint16_t));

	struct ws_trie_node *n = &b->t->nodes[idx];
	n->vector = vector;
	n->leafvec = leafvec;
	n->leaf_base = leaf_base;
	n->child_base = child_base;

	for (unsigned c = 0; c < nb_children; c++) {
		int rc = build_node(b, child_base + c, child_lo[c], pos + WS_TRIE_STRIDE, child_seg[c]);

		if (rc)
			return rc;
	}
	return 0;
}

static int build_direct(struct builder *b)
{
	const struct segs *s = b->s;
	unsigned chunk_bits = b->t->key_bits - b->t->direct_bits;
	size_t j = 0;

	for (uint32_t c = 0; c < (1u << b->t->direct_bits); c++) {
		u128 lo = (u128)c << chunk_bits;
		uint32_t idx;
		int rc;

		j = seg_find(s, j, lo);
		if (!seg_split(s, j, lo + (((u128)1 << chunk_bits) - 1))) {
			b->t->direct[c] = WS_TRIE_DIRECT_LEAF | s->leaf[j];
			continue;
		}
		idx = b->t->nb_nodes;
		if (grow((void **)&b->t->nodes, &b->node_cap, (uint64_t)idx + 1, sizeof(struct ws_trie_node)))
			return -ENOMEM;
		b->t->nb_nodes++;
		rc = build_node(b, idx, lo, b->t->direct_bits, j);
		if (rc)
			return rc;
		b->t->direct[c] = idx;
	}
	return 0;
}

int ws_trie_build(struct ws_trie *t, const struct ws_route *routes, size_t n, unsigned key_bits,
		  unsigned direct_bits)
{
	struct segs segs = { 0 };
	struct sorted_route *sorted;
	struct builder b = { .t = t };
	int rc = -ENOMEM;

	memset(t, 0, sizeof(*t));
	if ((key_bits != 32 && key_bits != 128) || direct_bits < 8 || direct_bits > 24 || n > UINT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (routes[i].len > key_bits || routes[i].nexthop >= WS_FIB_MAX_NEXTHOPS)
			return -EINVAL;
	t->key_bits = key_bits;
	t->direct_bits = direct_bits;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	t->direct = aligned_alloc(WS_CACHE_LINE, ((size_t)1 << direct_bits) * sizeof(uint32_t));
	if (!sorted || !t->direct)
		goto out;
	for (size_t i = 0; i < n; i++) {
		unsigned len = routes[i].len;
		u128 host = len < key_bits ? host_mask(len, key_bits) : 0;

		sorted[i].first = key_of(routes[i].addr, key_bits) & ~host;
		sorted[i].last = sorted[i].first | host;
		sorted[i].len = (uint8_t)len;
		sorted[i].leaf = (uint16_t)routes[i].nexthop;
		sorted[i].order = (uint32_t)i;
	}
	qsort(sorted, n, sizeof(*sorted), route_cmp);
	rc = segments_from_routes(sorted, n, &segs);
	free(sorted);
	sorted = NULL;
	if (!rc) {
		b.s = &segs;
		rc = build_direct(&b);
	}
out:
	free(sorted);
	free(segs.start);
	free(segs.leaf);
	if (rc)
		ws_trie_release(t);
	return rc;
}

struct rib_collect {
	struct ws_route *routes;
	size_t n, cap;
};

static int rib_collect_one(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg)
{
	struct rib_collect *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		struct ws_route *r = realloc(c->routes, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		c->routes = r;
		c->cap = cap;
	}
	memcpy(c->routes[c->n].addr, addr, 16);
	c->routes[c->n].len = (uint8_t)len;
	c->routes[c->n].nexthop = nexthop;
	c->n++;
	return 0;
}

int ws_trie_build_rib(struct ws_trie *t, const struct ws_rib *rib, unsigned direct_bits)
{
	struct rib_collect c = { 0 };
	int rc = ws_rib_walk(rib, rib_collect_one, &c);

	if (!rc)
		rc = ws_trie_build(t, c.routes, c.n, ws_rib_max_len(rib), direct_bits);
	else
		memset(t, 0, sizeof(*t));
	free(c.routes);
	return rc;
}

void ws_trie_release(struct ws_trie *t)
{
	free(t->direct);
	free(t->nodes);
	free(t->leaves);
	t->direct = NULL;
	t->nodes = NULL;
	t->leaves = NULL;
	t->nb_nodes = t->nb_leaves = 0;
}

size_t ws_trie_memory(const struct ws_trie *t)
{
	return ((size_t)1 << t->direct_bits) * sizeof(uint32_t) +
	       (size_t)t->nb_nodes * sizeof(struct ws_trie_node) + (size_t)t->nb_leaves * sizeof(uint16_t);
}
