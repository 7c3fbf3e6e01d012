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
 *
 * Updates (ws_trie_update) recompile one range from the RIB into fresh
 * blocks and publish it by path copying: the rebuilt node's ancestors are
 * copied (their child blocks shallowly) up to the direct entry, which one
 * atomic store switches. Readers therefore see either the old or the new
 * subtree, never a mix; the replaced blocks are retired, and reused only
 * after ws_trie_reclaim(), which the caller runs after an RCU grace period.
 *
 * Memory: nodes and leaves live in two anonymous mappings reserved with
 * headroom (MAP_NORESERVE: untouched headroom costs no RAM) and marked for
 * transparent huge pages, so that they never move while readers run. Blocks
 * are the units the lookup needs contiguous: a node's children (1..64 nodes)
 * and its leaf runs (1..64 leaves); free blocks are kept on one list per
 * size, as the size mix of an add/delete stream stays stable.
 */
#include "fib/trie.h"

#include "fib/rib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Blocks of one kind (nodes or leaves) by size: free ones, and retired ones
 * waiting for the grace period. */
struct block_list {
	uint32_t *idx;
	uint32_t nb, cap;
};

struct ws_trie_space {
	size_t node_bytes, leaf_bytes; /* mapped */
	uint32_t node_cap, leaf_cap;   /* entries mapped */
	struct block_list free_nodes[FANOUT + 1], free_leaves[FANOUT + 1];
	struct block_list retired_nodes[FANOUT + 1], retired_leaves[FANOUT + 1];
	size_t nb_retired_entries; /* nodes + leaves retired since the last reclaim */
	size_t nb_lost_entries;    /* retired without memory to list them: never reused */
};

struct builder {
	struct ws_trie *t;
	const struct segs *s;
	bool update; /* allocate from free lists and headroom, never move the arrays */
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
		size_t cap = s->cap ? s->cap * 2 : 64;
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

/* Sweep the sorted prefixes, all inside a range that starts at lo and has
 * `background` where none of them matches, keeping a stack of those that
 * cover the cursor (each inside the one below it, so at most key_bits + 1
 * deep). Segments may be emitted past the range's end; they are not read. */
static int segments_from_routes(const struct sorted_route *r, size_t n, struct segs *s, u128 lo,
				uint16_t background)
{
	struct {
		u128 last;
		uint16_t leaf;
	} stack[129];
	int top = -1, rc = seg_emit(s, lo, background);

	for (size_t i = 0; i < n && !rc; i++) {
		if (i + 1 < n && r[i + 1].first == r[i].first && r[i + 1].len == r[i].len)
			continue; /* a later duplicate follows and wins */
		while (top >= 0 && stack[top].last < r[i].first) {
			u128 resume = stack[top].last + 1; /* < r[i].first: no overflow */

			top--;
			rc |= seg_emit(s, resume, top >= 0 ? stack[top].leaf : background);
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
		rc |= seg_emit(s, last + 1, top >= 0 ? stack[top].leaf : background);
	}
	return rc;
}

/* ---- memory: two mappings that do not move while readers run ---- */

#define HUGE_PAGE (2u << 20)

/* Entries of headroom reserved after a full build, for updates: as many
 * again as the build used, and at least this many. */
#define MIN_HEADROOM 4096u

static void *map_entries(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Random lookups touch every page of a few MiB: one TLB entry per
	 * 2 MiB instead of 512. Advice only; 4 KiB pages work too. */
	if (bytes >= HUGE_PAGE)
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* Make room for `need` entries of `elem` bytes in *arr (mapped *bytes):
 * a full build doubles the mapping, which may move it (no reader yet). */
static int grow_mapping(void **arr, size_t *bytes, uint32_t *cap, uint64_t need, size_t elem)
{
	size_t want = *bytes ? *bytes : 64 * elem;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	while (want / elem < need)
		want *= 2;
	if (*arr) {
		p = mremap(*arr, *bytes, want, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			return -ENOMEM;
		if (want >= HUGE_PAGE)
			madvise(p, want, MADV_HUGEPAGE);
	} else {
		p = map_entries(want);
		if (!p)
			return -ENOMEM;
	}
	*arr = p;
	*bytes = want;
	*cap = (uint32_t)(want / elem);
	return 0;
}

static int list_push(struct block_list *l, uint32_t idx)
{
	if (l->nb == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		uint32_t *p = realloc(l->idx, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->idx = p;
		l->cap = cap;
	}
	l->idx[l->nb++] = idx;
	return 0;
}

/* A block of `size` entries at the end of the used part (full build) or
 * from the free list of its size, else the headroom (update). */
static int alloc_block(struct builder *b, bool leaves, unsigned size, uint32_t *idx)
{
	struct ws_trie *t = b->t;
	struct ws_trie_space *sp = t->space;
	uint32_t *used = leaves ? &t->nb_leaves : &t->nb_nodes;
	struct block_list *fl = leaves ? &sp->free_leaves[size] : &sp->free_nodes[size];
	int rc;

	if (b->update && fl->nb) {
		*idx = fl->idx[--fl->nb];
		return 0;
	}
	if (leaves)
		rc = b->update ? (*used + (uint64_t)size <= sp->leaf_cap ? 0 : -ENOSPC)
			       : grow_mapping((void **)&t->leaves, &sp->leaf_bytes, &sp->leaf_cap,
					      (uint64_t)*used + size, sizeof(uint16_t));
	else
		rc = b->update ? (*used + (uint64_t)size <= sp->node_cap ? 0 : -ENOSPC)
			       : grow_mapping((void **)&t->nodes, &sp->node_bytes, &sp->node_cap,
					      (uint64_t)*used + size, sizeof(struct ws_trie_node));
	if (rc)
		return rc;
	*idx = *used;
	*used += size;
	return 0;
}

/* A block readers may still be in: reused after the next reclaim. Without
 * memory to list it, it is lost (counted), never reused too early. */
static void retire_block(struct ws_trie *t, bool leaves, uint32_t idx, unsigned size)
{
	struct ws_trie_space *sp = t->space;
	struct block_list *rl = leaves ? &sp->retired_leaves[size] : &sp->retired_nodes[size];

	if (list_push(rl, idx))
		sp->nb_lost_entries += size;
	else
		sp->nb_retired_entries += size;
}

/* Retire everything below node n (n itself lives in its parent's block). */
static void retire_subtree(struct ws_trie *t, const struct ws_trie_node *n)
{
	unsigned nb_children = (unsigned)__builtin_popcountll(n->vector);
	unsigned nb_runs = (unsigned)__builtin_popcountll(n->leafvec);

	if (nb_runs)
		retire_block(t, true, n->leaf_base, nb_runs);
	if (!nb_children)
		return;
	retire_block(t, false, n->child_base, nb_children);
	for (unsigned c = 0; c < nb_children; c++)
		retire_subtree(t, &t->nodes[n->child_base + c]);
}

/* ---- compiling segments into nodes ---- */

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

/* Compile the node covering [lo, lo + 2^(key_bits - pos)) into *res, its
 * children and leaves into blocks of their own; segment j holds lo. */
static int build_node(struct builder *b, struct ws_trie_node *res, u128 lo, unsigned pos, size_t j)
{
	const struct segs *s = b->s;
	unsigned rem = b->t->key_bits - pos;
	uint64_t vector = 0, leafvec = 0;
	size_t child_seg[FANOUT];
	u128 child_lo[FANOUT];
	uint16_t leaf[FANOUT];
	unsigned nb_children = 0, nb_runs = 0;
	uint32_t child_base = 0, leaf_base = 0;
	int rc;

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
	if (nb_runs) {
		rc = alloc_block(b, true, nb_runs, &leaf_base);
		if (rc)
			return rc;
		memcpy(&b->t->leaves[leaf_base], leaf, nb_runs * sizeof(uint16_t));
	}
	if (nb_children) {
		rc = alloc_block(b, false, nb_children, &child_base);
		if (rc)
			return rc;
	}
	res->vector = vector;
	res->leafvec = leafvec;
	res->leaf_base = leaf_base;
	res->child_base = child_base;

	for (unsigned c = 0; c < nb_children; c++) {
		struct ws_trie_node child;

		rc = build_node(b, &child, child_lo[c], pos + WS_TRIE_STRIDE, child_seg[c]);
		if (rc)
			return rc;
		b->t->nodes[child_base + c] = child; /* the array may have moved */
	}
	return 0;
}

/* Compile direct entry c (segment j holds its first address) into *entry. */
static int build_chunk(struct builder *b, uint32_t c, size_t j, uint32_t *entry)
{
	const struct segs *s = b->s;
	unsigned chunk_bits = b->t->key_bits - b->t->direct_bits;
	u128 lo = (u128)c << chunk_bits;
	struct ws_trie_node root;
	uint32_t idx;
	int rc;

	if (!seg_split(s, j, lo + (((u128)1 << chunk_bits) - 1))) {
		*entry = WS_TRIE_DIRECT_LEAF | s->leaf[j];
		return 0;
	}
	rc = alloc_block(b, false, 1, &idx);
	if (!rc)
		rc = build_node(b, &root, lo, b->t->direct_bits, j);
	if (rc)
		return rc;
	b->t->nodes[idx] = root;
	*entry = idx;
	return 0;
}

static int build_direct(struct builder *b)
{
	unsigned chunk_bits = b->t->key_bits - b->t->direct_bits;
	size_t j = 0;

	for (uint32_t c = 0; c < (1u << b->t->direct_bits); c++) {
		int rc;

		j = seg_find(b->s, j, (u128)c << chunk_bits);
		rc = build_chunk(b, c, j, &b->t->direct[c]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Headroom for updates: map as many entries again as the build used (at
 * least MIN_HEADROOM); only what updates touch will cost memory. */
static int reserve_headroom(struct ws_trie *t)
{
	struct ws_trie_space *sp = t->space;
	uint64_t nodes = (uint64_t)t->nb_nodes + (t->nb_nodes > MIN_HEADROOM ? t->nb_nodes : MIN_HEADROOM);
	uint64_t leaves = (uint64_t)t->nb_leaves + (t->nb_leaves > MIN_HEADROOM ? t->nb_leaves : MIN_HEADROOM);

	int rc = grow_mapping((void **)&t->nodes, &sp->node_bytes, &sp->node_cap, nodes,
			      sizeof(struct ws_trie_node));

	return rc ? rc : grow_mapping((void **)&t->leaves, &sp->leaf_bytes, &sp->leaf_cap, leaves, sizeof(uint16_t));
}

static int trie_init(struct ws_trie *t, unsigned key_bits, unsigned direct_bits)
{
	memset(t, 0, sizeof(*t));
	if ((key_bits != 32 && key_bits != 128) || direct_bits < 8 || direct_bits > 24)
		return -EINVAL;
	t->key_bits = key_bits;
	t->direct_bits = direct_bits;
	t->space = calloc(1, sizeof(*t->space));
	t->direct = aligned_alloc(WS_CACHE_LINE, ((size_t)1 << direct_bits) * sizeof(uint32_t));
	return t->space && t->direct ? 0 : -ENOMEM;
}

/* One route as the sweep reads it: its first and last key, host bits
 * ignored; `order` breaks ties between duplicates (the later wins). */
static void sorted_route_set(struct sorted_route *r, const uint8_t *addr, unsigned len, uint32_t nexthop,
			     uint32_t order, unsigned key_bits)
{
	u128 host = len < key_bits ? host_mask(len, key_bits) : 0;

	r->first = key_of(addr, key_bits) & ~host;
	r->last = r->first | host;
	r->len = (uint8_t)len;
	r->leaf = (uint16_t)nexthop;
	r->order = order;
}

/* Routes, any order, into sorted records (later duplicates win). */
static struct sorted_route *sort_routes(const struct ws_route *routes, size_t n, unsigned key_bits)
{
	struct sorted_route *sorted = malloc((n ? n : 1) * sizeof(*sorted));

	if (!sorted)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sorted_route_set(&sorted[i], routes[i].addr, routes[i].len, routes[i].nexthop, (uint32_t)i, key_bits);
	qsort(sorted, n, sizeof(*sorted), route_cmp);
	return sorted;
}

int ws_trie_build(struct ws_trie *t, const struct ws_route *routes, size_t n, unsigned key_bits,
		  unsigned direct_bits)
{
	struct segs segs = { 0 };
	struct sorted_route *sorted = NULL;
	struct builder b = { .t = t, .s = &segs };
	int rc = trie_init(t, key_bits, direct_bits);

	if (!rc && n > UINT32_MAX)
		rc = -EINVAL;
	for (size_t i = 0; i < n && !rc; i++)
		if (routes[i].len > key_bits || routes[i].nexthop >= WS_FIB_MAX_NEXTHOPS)
			rc = -EINVAL;
	if (!rc) {
		sorted = sort_routes(routes, n, key_bits);
		rc = sorted ? segments_from_routes(sorted, n, &segs, 0, WS_TRIE_LEAF_MISS) : -ENOMEM;
	}
	free(sorted);
	if (!rc) { /* leaf 0 answers "no route" for poisoned nodes, and is never freed */
		uint32_t poison;

		rc = alloc_block(&b, true, 1, &poison);
		if (!rc)
			t->leaves[WS_TRIE_POISON_LEAF] = WS_TRIE_LEAF_MISS;
	}
	if (!rc)
		rc = build_direct(&b);
	if (!rc)
		rc = reserve_headroom(t);
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

/* ---- updates ---- */

static void key_to_addr(u128 k, unsigned key_bits, uint8_t addr[16])
{
	memset(addr, 0, 16);
	for (unsigned i = key_bits / 8; i-- > 0; k >>= 8)
		addr[i] = (uint8_t)k;
}

/* Routes met by a RIB range walk, already in the sweep's order (address,
 * then covering before covered). */
struct range_collect {
	struct sorted_route *r;
	size_t n, cap;
	unsigned key_bits;
};

static int range_collect_one(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg)
{
	struct range_collect *c = arg;

	if (nexthop >= WS_FIB_MAX_NEXTHOPS)
		return -EINVAL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct sorted_route *r = realloc(c->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		c->r = r;
		c->cap = cap;
	}
	sorted_route_set(&c->r[c->n], addr, len, nexthop, (uint32_t)c->n, c->key_bits);
	c->n++;
	return 0;
}

/* The segments of the range lo/pos as the RIB has it now: the covering
 * route's nexthop as background, then the routes inside. */
static int range_segments(const struct ws_rib *rib, unsigned key_bits, u128 lo, unsigned pos, struct segs *s)
{
	struct range_collect c = { .key_bits = key_bits };
	uint8_t addr[16];
	uint32_t nh;
	uint16_t background = WS_TRIE_LEAF_MISS;
	int rc;

	key_to_addr(lo, key_bits, addr);
	if (pos > 0 && !ws_rib_lookup_covering(rib, addr, pos - 1, &nh, NULL)) {
		if (nh >= WS_FIB_MAX_NEXTHOPS)
			return -EINVAL;
		background = (uint16_t)nh;
	}
	rc = ws_rib_walk_range(rib, addr, pos, range_collect_one, &c);
	if (!rc)
		rc = segments_from_routes(c.r, c.n, s, lo, background);
	free(c.r);
	return rc;
}

/* Recompile direct entry c from the RIB and switch it. */
static int update_chunk(struct builder *b, const struct ws_rib *rib, uint32_t c)
{
	struct ws_trie *t = b->t;
	unsigned chunk_bits = t->key_bits - t->direct_bits;
	struct segs segs = { 0 };
	uint32_t old = t->direct[c], entry;
	int rc = range_segments(rib, t->key_bits, (u128)c << chunk_bits, t->direct_bits, &segs);

	if (!rc) {
		b->s = &segs;
		rc = build_chunk(b, c, 0, &entry);
	}
	free(segs.start);
	free(segs.leaf);
	if (rc)
		return rc;
	/* release: the new blocks are written before a reader can reach them */
	__atomic_store_n(&t->direct[c], entry, __ATOMIC_RELEASE);
	if (!(old & WS_TRIE_DIRECT_LEAF)) {
		retire_block(t, false, old, 1);
		retire_subtree(t, &t->nodes[old]);
	}
	return 0;
}

/* A prefix no longer than the direct bits: its direct entries, except
 * those inside a more specific route also no longer than the direct bits
 * (that route hides the prefix from every address of such an entry). The
 * RIB walk comes in address order, covering routes first. */
struct chunk_sweep {
	struct builder *b;
	const struct ws_rib *rib;
	unsigned len;      /* the changed prefix's */
	uint64_t cursor;   /* next direct entry not yet handled or hidden */
};

static int sweep_until(struct chunk_sweep *w, uint64_t end)
{
	for (; w->cursor < end; w->cursor++) {
		int rc = update_chunk(w->b, w->rib, (uint32_t)w->cursor);

		if (rc)
			return rc;
	}
	return 0;
}

static int sweep_route(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg)
{
	struct chunk_sweep *w = arg;
	const struct ws_trie *t = w->b->t;
	uint64_t first, count;
	int rc;

	(void)nexthop;
	if (len == w->len)
		return 0; /* the changed prefix itself */
	first = (uint64_t)(key_of(addr, t->key_bits) >> (t->key_bits - t->direct_bits));
	count = 1ull << (t->direct_bits - len);
	rc = sweep_until(w, first);
	if (first + count > w->cursor)
		w->cursor = first + count;
	return rc;
}

static int update_chunks(struct builder *b, const struct ws_rib *rib, const uint8_t *addr, unsigned len,
			 uint32_t first)
{
	struct chunk_sweep w = { .b = b, .rib = rib, .len = len, .cursor = first };
	int rc = ws_rib_walk_range_max(rib, addr, len, b->t->direct_bits, sweep_route, &w);

	return rc ? rc : sweep_until(&w, first + (1ull << (b->t->direct_bits - len)));
}

/* Child k of a node covering lo/pos: its first address, and its last minus
 * its first. Past key_bits (fewer than 6 bits left) children repeat single
 * addresses. */
static u128 child_first(u128 lo, unsigned rem, unsigned k, u128 *span_last)
{
	if (rem >= WS_TRIE_STRIDE) {
		*span_last = ((u128)1 << (rem - WS_TRIE_STRIDE)) - 1;
		return lo + ((u128)k << (rem - WS_TRIE_STRIDE));
	}
	*span_last = 0;
	return lo + (k >> (WS_TRIE_STRIDE - rem));
}

/*
 * Recompile the children of node *old (covering lo/pos) that meet the
 * changed prefix [pfirst, plast] from the RIB, keep the others (their
 * subtrees are shared, not copied), and assemble the new node in *res with
 * fresh child and leaf blocks. The children met are marked in *changed;
 * together they cover range_len bits' worth of addresses (the prefix, or
 * the one child that holds it), so the cost follows the routes inside the
 * prefix, not the node's.
 */
static int rebuild_slots(struct builder *b, const struct ws_rib *rib, const struct ws_trie_node *old, u128 lo,
			 unsigned pos, u128 pfirst, u128 plast, unsigned range_len, struct ws_trie_node *res,
			 uint64_t *changed)
{
	struct ws_trie *t = b->t;
	unsigned rem = t->key_bits - pos;
	struct ws_trie_node kids[FANOUT];
	uint16_t runs[FANOUT];
	uint64_t vector = 0, leafvec = 0, met = 0;
	unsigned nb_kids = 0, nb_runs = 0;
	struct segs segs = { 0 };
	u128 range_lo = pfirst & ~(range_len < t->key_bits ? host_mask(range_len, t->key_bits) : 0);
	size_t j = 0;
	int rc = range_segments(rib, t->key_bits, range_lo, range_len, &segs);

	b->s = &segs;
	for (unsigned k = 0; k < FANOUT && !rc; k++) {
		u128 span_last, a = child_first(lo, rem, k, &span_last);
		uint64_t bit = 1ull << k;
		int is_node;
		uint16_t leaf = 0;

		if (a <= plast && a + span_last >= pfirst) { /* a child the prefix meets */
			met |= bit;
			j = seg_find(&segs, j, a);
			is_node = seg_split(&segs, j, a + span_last);
			if (is_node)
				rc = build_node(b, &kids[nb_kids], a, pos + WS_TRIE_STRIDE, j);
			else
				leaf = segs.leaf[j];
		} else if (old->vector & bit) {
			is_node = 1;
			kids[nb_kids] = t->nodes[old->child_base + __builtin_popcountll(old->vector & (bit - 1))];
		} else {
			is_node = 0;
			leaf = t->leaves[old->leaf_base + __builtin_popcountll(old->leafvec & ws_trie_upto(k)) - 1];
		}
		if (is_node) {
			vector |= bit;
			nb_kids++;
		} else if (nb_runs == 0 || runs[nb_runs - 1] != leaf) {
			leafvec |= bit;
			runs[nb_runs++] = leaf;
		}
	}
	free(segs.start);
	free(segs.leaf);
	res->vector = vector;
	res->leafvec = leafvec;
	res->leaf_base = res->child_base = 0;
	if (!rc && nb_runs && !(rc = alloc_block(b, true, nb_runs, &res->leaf_base)))
		memcpy(&t->leaves[res->leaf_base], runs, nb_runs * sizeof(runs[0]));
	if (!rc && nb_kids && !(rc = alloc_block(b, false, nb_kids, &res->child_base)))
		memcpy(&t->nodes[res->child_base], kids, nb_kids * sizeof(kids[0]));
	*changed = met;
	return rc;
}

/* After rebuild_slots() was published: retire the old node's blocks and the
 * subtrees of the children it replaced (the others live on in the new node). */
static void retire_slots(struct ws_trie *t, const struct ws_trie_node *old, uint64_t changed)
{
	unsigned nb_children = (unsigned)__builtin_popcountll(old->vector);
	unsigned nb_runs = (unsigned)__builtin_popcountll(old->leafvec);

	if (nb_runs)
		retire_block(t, true, old->leaf_base, nb_runs);
	if (nb_children)
		retire_block(t, false, old->child_base, nb_children);
	for (uint64_t m = changed & old->vector; m; m &= m - 1) {
		uint64_t bit = m & -m;

		retire_subtree(t, &t->nodes[old->child_base + __builtin_popcountll(old->vector & (bit - 1))]);
	}
}

/* Child slot of key k at a node that has consumed pos bits (key_bits - pos >= 6). */
static unsigned key_slot(u128 k, unsigned key_bits, unsigned pos)
{
	return (unsigned)(k >> (key_bits - pos - WS_TRIE_STRIDE)) & (FANOUT - 1);
}

int ws_trie_update(struct ws_trie *t, const struct ws_rib *rib, const uint8_t *addr, unsigned len)
{
	unsigned kb = t->key_bits, db = t->direct_bits;
	struct builder b = { .t = t, .update = true };
	uint32_t path[(WS_FIB_V6_BITS - 8) / WS_TRIE_STRIDE + 2];
	struct ws_trie_node fresh, old;
	uint64_t changed = 0;
	unsigned depth = 0, pos = db;
	u128 k, lo;
	uint32_t c, e;
	int rc;

	if (len > kb || ws_rib_max_len(rib) != kb)
		return -EINVAL;
	k = key_of(addr, kb) & ~(len < kb ? host_mask(len, kb) : 0);
	c = (uint32_t)(k >> (kb - db));
	if (len <= db) {
		uint8_t canon[16];

		key_to_addr(k, kb, canon);
		return update_chunks(&b, rib, canon, len, c);
	}
	e = t->direct[c];
	if (e & WS_TRIE_DIRECT_LEAF)
		return update_chunk(&b, rib, c);

	/* Descend to the deepest node whose child on k's path holds the whole
	 * prefix; that node's children in the prefix are the ones to recompile. */
	path[0] = e;
	for (;;) {
		const struct ws_trie_node *n = &t->nodes[path[depth]];
		unsigned slot;

		if (len < pos + WS_TRIE_STRIDE)
			break;
		slot = key_slot(k, kb, pos);
		if (!((n->vector >> slot) & 1))
			break;
		path[depth + 1] = n->child_base + (uint32_t)__builtin_popcountll(n->vector & ws_trie_upto(slot)) - 1;
		depth++;
		pos += WS_TRIE_STRIDE;
	}
	lo = k & ~host_mask(pos, kb);
	old = t->nodes[path[depth]];
	rc = rebuild_slots(&b, rib, &old, lo, pos, k, k | (len < kb ? host_mask(len, kb) : 0),
			   len < pos + WS_TRIE_STRIDE ? len : pos + WS_TRIE_STRIDE, &fresh, &changed);

	/* Path copy: each ancestor gets a copy of its child block with the new
	 * child in it. Nothing is retired until the copy is published, so an
	 * -ENOSPC half way leaves the published trie as it was. */
	uint32_t copies[sizeof(path) / sizeof(path[0])];

	for (unsigned d = depth; d > 0 && !rc; d--) {
		const struct ws_trie_node *parent = &t->nodes[path[d - 1]];
		unsigned cnt = (unsigned)__builtin_popcountll(parent->vector);

		rc = alloc_block(&b, false, cnt, &copies[d]);
		if (rc)
			break;
		memcpy(&t->nodes[copies[d]], &t->nodes[parent->child_base], cnt * sizeof(fresh));
		t->nodes[copies[d] + (path[d] - parent->child_base)] = fresh;
		fresh = *parent;
		fresh.child_base = copies[d];
	}
	if (!rc)
		rc = alloc_block(&b, false, 1, &copies[0]);
	if (rc)
		return rc;
	t->nodes[copies[0]] = fresh;
	__atomic_store_n(&t->direct[c], copies[0], __ATOMIC_RELEASE);

	retire_slots(t, &old, changed);
	for (unsigned d = depth; d > 0; d--) {
		const struct ws_trie_node *parent = &t->nodes[path[d - 1]];

		retire_block(t, false, parent->child_base, (unsigned)__builtin_popcountll(parent->vector));
	}
	retire_block(t, false, path[0], 1);
	return 0;
}

/* Reclaimed blocks get a poison that answers "no route" (a node with one
 * leaf run, the miss leaf WS_TRIE_POISON_LEAF; leaves WS_TRIE_LEAF_MISS): a
 * reader that wrongly still walks one gets a visible miss instead of a
 * plausible nexthop, which the concurrent tests check for. */
static void poison_and_free(struct ws_trie *t, bool leaves, struct block_list *retired, struct block_list *free_list,
			    unsigned size)
{
	for (uint32_t i = 0; i < retired->nb; i++) {
		uint32_t idx = retired->idx[i];

		if (leaves) {
			for (unsigned j = 0; j < size; j++)
				t->leaves[idx + j] = WS_TRIE_LEAF_MISS;
		} else {
			for (unsigned j = 0; j < size; j++)
				t->nodes[idx + j] = (struct ws_trie_node){ .vector = 0, .leafvec = 1,
									   .leaf_base = WS_TRIE_POISON_LEAF };
		}
		if (list_push(free_list, idx))
			t->space->nb_lost_entries += size;
	}
	retired->nb = 0;
}

void ws_trie_reclaim(struct ws_trie *t)
{
	struct ws_trie_space *sp = t->space;

	for (unsigned size = 1; size <= FANOUT; size++) {
		poison_and_free(t, false, &sp->retired_nodes[size], &sp->free_nodes[size], size);
		poison_and_free(t, true, &sp->retired_leaves[size], &sp->free_leaves[size], size);
	}
	sp->nb_retired_entries = 0;
}

size_t ws_trie_retired(const struct ws_trie *t)
{
	return t->space ? t->space->nb_retired_entries : 0;
}

void ws_trie_release(struct ws_trie *t)
{
	struct ws_trie_space *sp = t->space;

	free(t->direct);
	if (sp) {
		if (t->nodes)
			munmap(t->nodes, sp->node_bytes);
		if (t->leaves)
			munmap(t->leaves, sp->leaf_bytes);
		for (unsigned size = 0; size <= FANOUT; size++) {
			free(sp->free_nodes[size].idx);
			free(sp->free_leaves[size].idx);
			free(sp->retired_nodes[size].idx);
			free(sp->retired_leaves[size].idx);
		}
		free(sp);
	}
	memset(t, 0, sizeof(*t));
}

size_t ws_trie_memory(const struct ws_trie *t)
{
	return ((size_t)1 << t->direct_bits) * sizeof(uint32_t) +
	       (size_t)t->nb_nodes * sizeof(struct ws_trie_node) + (size_t)t->nb_leaves * sizeof(uint16_t);
}
