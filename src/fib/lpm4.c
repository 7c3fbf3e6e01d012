/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpm4.c: building the compiled IPv4 trie (control path) and the bulk
 * lookup (data path). The structure is described in lpm4.h.
 *
 * Building goes through an intermediate form that makes every later step a
 * linear scan: the routing table as a function from address to nexthop is
 * piecewise constant, so it is written as a sorted list of segments
 * [start, next start) -> nexthop. A trie child is a leaf exactly when no
 * segment starts strictly inside its address range.
 */
#include "fib/lpm4.h"
#include "fib/rib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DIRECT_SIZE (1u << WS_LPM4_DIRECT_BITS)
#define CHUNK_BITS (32 - WS_LPM4_DIRECT_BITS)
#define FANOUT (1u << WS_LPM4_STRIDE)

struct seg_list {
	uint64_t *start; /* ascending; start[nb] = 2^32 as a sentinel */
	uint16_t *leaf;  /* nexthop of [start[i], start[i+1]) */
	size_t nb;
	size_t cap;
};

struct builder {
	struct ws_lpm4 *lpm;
	const struct seg_list *segs;
	uint32_t node_cap;
	uint32_t leaf_cap;
};

struct sorted_route {
	uint32_t addr;
	uint8_t len;
	uint16_t leaf;
	uint32_t order; /* position in the input: the later duplicate wins */
};

static int route_cmp(const void *a, const void *b)
{
	const struct sorted_route *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int seg_emit(struct seg_list *s, uint64_t start, uint64_t end, uint16_t leaf)
{
	if (start >= end)
		return 0;
	if (s->nb && s->leaf[s->nb - 1] == leaf)
		return 0; /* extends the previous segment */
	if (s->nb + 1 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *st = realloc(s->start, cap * sizeof(*st));

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

/* Sweep the sorted prefixes with a stack of the ones that cover the cursor
 * (at most 33 deep: each is inside the one below it). */
static int segments_from_routes(struct sorted_route *r, size_t n, struct seg_list *s)
{
	struct {
		uint64_t end;
		uint16_t leaf;
	} stack[33];
	int top = -1;
	uint64_t cur = 0;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t start = r[i].addr;
		uint64_t end = start + (1ull << (32 - r[i].len));

		if (i + 1 < n && r[i + 1].addr == r[i].addr && r[i + 1].len == r[i].len)
			continue; /* a later duplicate follows and wins */
		while (top >= 0 && stack[top].end <= start) {
			rc |= seg_emit(s, cur, stack[top].end, stack[top].leaf);
			cur = stack[top].end;
			top--;
		}
		rc |= seg_emit(s, cur, start, top >= 0 ? stack[top].leaf : WS_LPM4_LEAF_MISS);
		cur = start;
		stack[++top].end = end;
		stack[top].leaf = r[i].leaf;
	}
	while (top >= 0 && !rc) {
		rc |= seg_emit(s, cur, stack[top].end, stack[top].leaf);
		cur = stack[top].end;
		top--;
	}
	rc |= seg_emit(s, cur, 1ull << 32, WS_LPM4_LEAF_MISS);
	if (!rc && s->nb == 0)
		rc = seg_emit(s, 0, 1ull << 32, WS_LPM4_LEAF_MISS);
	if (!rc)
		s->start[s->nb] = 1ull << 32;
	return rc;
}

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t c = *cap ? *cap : 1024;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = realloc(*arr, (size_t)c * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* Advance segment index j so that segment j contains addr. */
static size_t seg_find(const struct seg_list *s, size_t j, uint64_t addr)
{
	while (s->start[j + 1] <= addr)
		j++;
	return j;
}

/* Fill node `idx` covering [lo, lo + 2^(32-pos)); segment j contains lo. */
static int build_node(struct builder *b, uint32_t idx, uint64_t lo, unsigned pos, size_t j)
{
	const struct seg_list *s = b->segs;
	unsigned rem = 32 - pos;
	uint64_t vector = 0, leafvec = 0;
	size_t child_seg[FANOUT];
	uint64_t child_lo[FANOUT];
	uint16_t leaf[FANOUT];
	unsigned nb_children = 0, nb_runs = 0;
	int have_prev = 0;
	uint16_t prev = 0;

	for (unsigned k = 0; k < FANOUT; k++) {
		uint64_t a, span;

		if (rem >= WS_LPM4_STRIDE) {
			span = 1ull << (rem - WS_LPM4_STRIDE);
			a = lo + k * span;
		} else {
			/* fewer than 6 bits left: slots repeat single addresses */
			span = 1;
			a = lo + (k >> (WS_LPM4_STRIDE - rem));
		}
		j = seg_find(s, j, a);
		if (s->start[j + 1] < a + span) {
			vector |= 1ull << k;
			child_seg[nb_children] = j;
			child_lo[nb_children] = a;
			nb_children++;
			continue;
		}
		if (!have_prev || s->leaf[j] != prev) {
			leafvec |= 1ull << k;
			leaf[nb_runs++] = s->leaf[j];
			prev = s->leaf[j];
			have_prev = 1;
		}
	}

	uint32_t child_base = b->lpm->nb_nodes;
	uint32_t leaf_base = b->lpm->nb_leaves;

	if (grow((void **)&b->lpm->nodes, &b->node_cap, child_base + nb_children, sizeof(struct ws_lpm4_node)) ||
	    grow((void **)&b->lpm->leaves, &b->leaf_cap, leaf_base + nb_runs, sizeof(uint16_t)))
		return -ENOMEM;
	b->lpm->nb_nodes += nb_children;
	b->lpm->nb_leaves += nb_runs;
	if (nb_runs) /* leaves may still be NULL, and memcpy(NULL, ..., 0) is undefined */
		memcpy(&b->lpm->leaves[leaf_base], leaf, nb_runs * sizeof(uint16_t));

	struct ws_lpm4_node *n = &b->lpm->nodes[idx];
	n->vector = vector;
	n->leafvec = leafvec;
	n->leaf_base = leaf_base;
	n->child_base = child_base;

	for (unsigned c = 0; c < nb_children; c++) {
		int rc = build_node(b, child_base + c, child_lo[c], pos + WS_LPM4_STRIDE, child_seg[c]);

		if (rc)
			return rc;
	}
	return 0;
}

static int build_direct(struct builder *b)
{
	const struct seg_list *s = b->segs;
	size_t j = 0;

	for (uint32_t c = 0; c < DIRECT_SIZE; c++) {
		uint64_t lo = (uint64_t)c << CHUNK_BITS;
		uint64_t hi = lo + (1ull << CHUNK_BITS);
		uint32_t idx;
		int rc;

		j = seg_find(s, j, lo);
		if (s->start[j + 1] >= hi) {
			b->lpm->direct[c] = WS_LPM4_DIRECT_LEAF | s->leaf[j];
			continue;
		}
		idx = b->lpm->nb_nodes;
		if (grow((void **)&b->lpm->nodes, &b->node_cap, idx + 1, sizeof(struct ws_lpm4_node)))
			return -ENOMEM;
		b->lpm->nb_nodes++;
		rc = build_node(b, idx, lo, WS_LPM4_DIRECT_BITS, j);
		if (rc)
			return rc;
		b->lpm->direct[c] = idx;
	}
	return 0;
}

struct ws_lpm4 *ws_lpm4_build(const struct ws_route *routes, size_t n)
{
	struct seg_list segs = { 0 };
	struct sorted_route *sorted = NULL;
	struct ws_lpm4 *lpm = NULL;
	struct builder b = { 0 };
	int err = ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (routes[i].len > 32 || routes[i].nexthop >= WS_FIB_MAX_NEXTHOPS) {
			errno = EINVAL;
			return NULL;
		}
	if (n > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	lpm = calloc(1, sizeof(*lpm));
	if (!sorted || !lpm)
		goto fail;
	lpm->direct = aligned_alloc(WS_CACHE_LINE, DIRECT_SIZE * sizeof(uint32_t));
	if (!lpm->direct)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		uint8_t len = routes[i].len;

		sorted[i].addr = len ? ws_fib_v4_from_bytes(routes[i].addr) & (~0u << (32 - len)) : 0;
		sorted[i].len = len;
		sorted[i].leaf = (uint16_t)routes[i].nexthop;
		sorted[i].order = (uint32_t)i;
	}
	qsort(sorted, n, sizeof(*sorted), route_cmp);
	if (segments_from_routes(sorted, n, &segs))
		goto fail;
	free(sorted);
	sorted = NULL;

	b.lpm = lpm;
	b.segs = &segs;
	if (build_direct(&b))
		goto fail;
	lpm->nb_routes = (uint32_t)n;
	free(segs.start);
	free(segs.leaf);
	return lpm;

fail:
	free(sorted);
	free(segs.start);
	free(segs.leaf);
	ws_lpm4_free(lpm);
	errno = err;
	return NULL;
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

struct ws_lpm4 *ws_lpm4_build_rib(const struct ws_rib *rib)
{
	struct rib_collect c = { 0 };
	struct ws_lpm4 *lpm;
	int rc;

	if (ws_rib_family(rib) != AF_INET) {
		errno = EINVAL;
		return NULL;
	}
	rc = ws_rib_walk(rib, rib_collect_one, &c);
	if (rc) {
		free(c.routes);
		errno = -rc;
		return NULL;
	}
	lpm = ws_lpm4_build(c.routes, c.n);
	free(c.routes);
	return lpm;
}

void ws_lpm4_free(struct ws_lpm4 *lpm)
{
	if (!lpm)
		return;
	free(lpm->direct);
	free(lpm->nodes);
	free(lpm->leaves);
	free(lpm);
}

size_t ws_lpm4_memory(const struct ws_lpm4 *lpm)
{
	return DIRECT_SIZE * sizeof(uint32_t) + (size_t)lpm->nb_nodes * sizeof(struct ws_lpm4_node) +
	       (size_t)lpm->nb_leaves * sizeof(uint16_t);
}

/* A node may straddle two cache lines (24 bytes at any multiple of 24). */
static ws_always_inline void prefetch_node(const struct ws_lpm4_node *n)
{
	ws_prefetch0(n);
	ws_prefetch0((const uint8_t *)n + sizeof(*n) - 1);
}

void ws_lpm4_lookup_bulk(const struct ws_lpm4 *lpm, const uint32_t *addrs, uint32_t *nexthops,
			 unsigned n)
{
	const uint32_t *direct = lpm->direct;
	const struct ws_lpm4_node *nodes = lpm->nodes;
	const uint16_t *leaves = lpm->leaves;

	for (unsigned base = 0; base < n; base += WS_LPM4_BULK_GROUP) {
		unsigned m = n - base < WS_LPM4_BULK_GROUP ? n - base : WS_LPM4_BULK_GROUP;
		const uint32_t *a = addrs + base;
		uint32_t *out = nexthops + base;
		uint32_t cur[WS_LPM4_BULK_GROUP];
		uint8_t active[WS_LPM4_BULK_GROUP], at_leaf[WS_LPM4_BULK_GROUP];
		unsigned nb_active = 0, nb_leaf = 0;
		unsigned pos = WS_LPM4_DIRECT_BITS;

		for (unsigned i = 0; i < m; i++)
			ws_prefetch0(&direct[a[i] >> (32 - WS_LPM4_DIRECT_BITS)]);
		/* The branches below would be taken at random under random traffic
		 * (leaf or node, child or leaf); they are written as selects and
		 * unconditional list writes so that nothing mispredicts. */
		for (unsigned i = 0; i < m; i++) {
			uint32_t e = direct[a[i] >> (32 - WS_LPM4_DIRECT_BITS)];
			unsigned is_node = !(e & WS_LPM4_DIRECT_LEAF);

			out[i] = ws_lpm4__leaf((uint16_t)e); /* overwritten later for node lanes */
			cur[i] = e;
			active[nb_active] = (uint8_t)i;
			nb_active += is_node;
		}
		for (unsigned t = 0; t < nb_active; t++)
			prefetch_node(&nodes[cur[active[t]]]);
		/* one trie level per pass; every active address is at the same depth */
		while (nb_active) {
			unsigned still = 0;

			for (unsigned t = 0; t < nb_active; t++) {
				unsigned i = active[t];
				const struct ws_lpm4_node *nd = &nodes[cur[i]];
				unsigned k = ws_lpm4__slot(a[i], pos);
				uint64_t upto = ws_lpm4__upto(k);
				unsigned is_node = (unsigned)(nd->vector >> k) & 1;
				uint32_t child = nd->child_base + (uint32_t)__builtin_popcountll(nd->vector & upto) - 1;
				uint32_t leaf = nd->leaf_base + (uint32_t)__builtin_popcountll(nd->leafvec & upto) - 1;

				cur[i] = is_node ? child : leaf;
				active[still] = (uint8_t)i;
				still += is_node;
				at_leaf[nb_leaf] = (uint8_t)i;
				nb_leaf += !is_node;
			}
			for (unsigned t = 0; t < still; t++)
				prefetch_node(&nodes[cur[active[t]]]);
			nb_active = still;
			pos += WS_LPM4_STRIDE;
		}
		for (unsigned t = 0; t < nb_leaf; t++)
			ws_prefetch0(&leaves[cur[at_leaf[t]]]);
		for (unsigned t = 0; t < nb_leaf; t++)
			out[at_leaf[t]] = ws_lpm4__leaf(leaves[cur[at_leaf[t]]]);
	}
}
