/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rib.c: the Patricia tree behind rib.h.
 *
 * Keys are held as one (IPv4) or two (IPv6) 64-bit words in host order, the
 * most significant address bit first, so that "first differing bit" is one
 * XOR and one count-leading-zeros instead of a byte loop: on a full table the
 * insert cost is the cache misses of the descent, and the comparisons at each
 * node must not add to it.
 */
#include "fib/rib.h"
#include "fib/rib_priv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* Slab chunks double from 64 KiB, so a tiny RIB stays small, up to 2 MiB,
 * allocated 2 MiB-aligned and offered to transparent huge pages: a full table
 * is 50 MB of nodes, and 4 KiB pages would cost a page fault per 128 nodes
 * and a TLB miss on most steps of every descent. */
#define RIB_CHUNK_MIN (64u * 1024u)
#define RIB_CHUNK_MAX (2u * 1024u * 1024u)

struct rib_key {
	uint64_t w[2];
};

/* ---- keys ---- */

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline struct rib_key key_from_bytes(const struct ws_rib *rib, const uint8_t *addr)
{
	struct rib_key k = { { 0, 0 } };

	if (rib->nwords == 1) {
		k.w[0] = (uint64_t)ws_fib_v4_from_bytes(addr) << 32;
	} else {
		k.w[0] = load_be64(addr);
		k.w[1] = load_be64(addr + 8);
	}
	return k;
}

static inline void key_to_bytes(const struct rib_key *k, uint8_t out[16])
{
	store_be64(out, k->w[0]);
	store_be64(out + 8, k->w[1]);
}

static inline struct rib_key node_key(const struct ws_rib *rib, const struct ws_rib_node *n)
{
	struct rib_key k = { { n->key[0], rib->nwords == 2 ? n->key[1] : 0 } };

	return k;
}

/* Index (0..128) of the first bit where a and b differ; 128 if equal. */
static inline unsigned key_diff(const struct rib_key *a, const struct rib_key *b)
{
	uint64_t x = a->w[0] ^ b->w[0];

	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a->w[1] ^ b->w[1];
	if (x)
		return 64 + (unsigned)__builtin_clzll(x);
	return 128;
}

static inline unsigned key_bit(const struct rib_key *k, unsigned i)
{
	return i < 64 ? (unsigned)(k->w[0] >> (63 - i)) & 1u
		      : (unsigned)(k->w[1] >> (127 - i)) & 1u;
}

static inline uint64_t word_mask(unsigned len, unsigned word)
{
	unsigned lo = word * 64;

	if (len <= lo)
		return 0;
	if (len >= lo + 64)
		return ~0ull;
	return ~0ull << (64 - (len - lo));
}

static inline struct rib_key key_masked(const struct rib_key *k, unsigned len)
{
	struct rib_key m = { { k->w[0] & word_mask(len, 0), k->w[1] & word_mask(len, 1) } };

	return m;
}

/* True if node n's prefix covers key k (k's first n->len bits equal n's). */
static inline bool node_covers(const struct ws_rib *rib, const struct ws_rib_node *n,
			       const struct rib_key *k)
{
	struct rib_key nk = node_key(rib, n);

	return key_diff(&nk, k) >= n->len;
}

/* ---- node slab ---- */

static struct rib_chunk *chunk_new(struct ws_rib *rib)
{
	size_t sz = rib->chunk_bytes;
	struct rib_chunk *c = sz < RIB_CHUNK_MAX ? malloc(sz) : aligned_alloc(RIB_CHUNK_MAX, sz);

	if (!c)
		return NULL;
	if (sz >= RIB_CHUNK_MAX)
		(void)madvise(c, sz, MADV_HUGEPAGE); /* a hint; fine if refused */
	else
		rib->chunk_bytes *= 2;
	c->size = sz;
	rib->bytes_allocated += sz;
	return c;
}

static size_t chunk_nodes(const struct ws_rib *rib, const struct rib_chunk *c)
{
	return (c->size - offsetof(struct rib_chunk, mem)) / rib->node_size;
}

static struct ws_rib_node *node_alloc(struct ws_rib *rib, const struct rib_key *k,
				      unsigned len)
{
	struct ws_rib_node *n = rib->free_list;

	if (n) {
		rib->free_list = n->child[0];
		rib->nb_free--;
	} else {
		if ((size_t)(rib->bump_end - rib->bump) < rib->node_size) {
			struct rib_chunk *c = rib->spare;

			if (c)
				rib->spare = c->next;
			else if (!(c = chunk_new(rib)))
				return NULL;
			c->next = rib->chunks;
			rib->chunks = c;
			rib->bump = (char *)c->mem;
			rib->bump_end = (char *)c + c->size;
		}
		n = (struct ws_rib_node *)(void *)rib->bump;
		rib->bump += rib->node_size;
	}
	n->child[0] = n->child[1] = NULL;
	n->nexthop = WS_FIB_MISS;
	n->len = (uint8_t)len;
	n->is_route = 0;
	n->key[0] = k->w[0];
	if (rib->nwords == 2)
		n->key[1] = k->w[1];
	rib->nodes++;
	return n;
}

int ws_rib_reserve(struct ws_rib *rib, size_t n)
{
	size_t have = rib->nb_free + (size_t)(rib->bump_end - rib->bump) / rib->node_size;

	for (struct rib_chunk *c = rib->spare; c; c = c->next)
		have += chunk_nodes(rib, c);
	while (have < n) {
		struct rib_chunk *c = chunk_new(rib);

		if (!c)
			return -ENOMEM;
		c->next = rib->spare;
		rib->spare = c;
		have += chunk_nodes(rib, c);
	}
	return 0;
}

void ws_rib_release_spares(struct ws_rib *rib)
{
	while (rib->spare) {
		struct rib_chunk *c = rib->spare;

		rib->spare = c->next;
		rib->bytes_allocated -= c->size;
		free(c);
	}
}

static void node_release(struct ws_rib *rib, struct ws_rib_node *n)
{
	n->child[0] = rib->free_list;
	rib->free_list = n;
	rib->nb_free++;
	rib->nodes--;
}

/* ---- create / free ---- */

struct ws_rib *ws_rib_create(int family)
{
	struct ws_rib *rib;

	if (family != AF_INET && family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	rib = calloc(1, sizeof(*rib));
	if (!rib)
		return NULL;
	rib->family = family;
	rib->max_len = family == AF_INET ? WS_FIB_V4_BITS : WS_FIB_V6_BITS;
	rib->nwords = family == AF_INET ? 1 : 2;
	rib->node_size = offsetof(struct ws_rib_node, key) + rib->nwords * sizeof(uint64_t);
	rib->chunk_bytes = RIB_CHUNK_MIN;
	return rib;
}

void ws_rib_free(struct ws_rib *rib)
{
	if (!rib)
		return;
	/* Nodes live only in the chunks, so no tree walk is needed. */
	for (struct rib_chunk *c = rib->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	ws_rib_release_spares(rib);
	free(rib);
}

int ws_rib_family(const struct ws_rib *rib)
{
	return rib->family;
}

unsigned ws_rib_max_len(const struct ws_rib *rib)
{
	return rib->max_len;
}

size_t ws_rib_count(const struct ws_rib *rib)
{
	return rib->routes;
}

void ws_rib_get_stats(const struct ws_rib *rib, struct ws_rib_stats *st)
{
	st->routes = rib->routes;
	st->nodes = rib->nodes;
	st->glue_nodes = rib->nodes - rib->routes;
	st->node_size = rib->node_size;
	st->bytes_used = rib->nodes * rib->node_size;
	st->bytes_allocated = rib->bytes_allocated;
}

/* ---- updates ---- */

static int check_prefix(const struct ws_rib *rib, const uint8_t *addr, unsigned len)
{
	if (len > rib->max_len || !ws_fib_is_canonical(addr, len, rib->max_len / 8))
		return -EINVAL;
	return 0;
}

int ws_rib_check(const struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop)
{
	if (nexthop == WS_FIB_MISS)
		return -EINVAL;
	return check_prefix(rib, addr, len);
}

/* Add, or with replace set overwrite; see ws_rib_add / ws_rib_replace. */
int ws_rib_insert(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop,
		      bool replace)
{
	struct ws_rib_node **link = &rib->root, *n, *leaf, *glue;
	struct rib_key k, nk;
	unsigned d;
	int rc = ws_rib_check(rib, addr, len, nexthop);

	if (rc)
		return rc;
	k = key_from_bytes(rib, addr);

	/* Descend while the node is a strict ancestor of addr/len. */
	while ((n = *link) && n->len < len && node_covers(rib, n, &k))
		link = &n->child[key_bit(&k, n->len)];

	if (!n) {
		leaf = node_alloc(rib, &k, len);
		if (!leaf)
			return -ENOMEM;
		*link = leaf;
		goto set_route;
	}

	/* n is where the new prefix goes: at n (same prefix), above n (the new
	 * prefix covers n), or beside n under a new glue node at the bit where
	 * they part. */
	nk = node_key(rib, n);
	d = key_diff(&nk, &k);
	if (d > len)
		d = len;
	if (d > n->len)
		d = n->len;

	if (d == len && n->len == len) {
		if (n->is_route) {
			if (!replace)
				return -EEXIST;
			n->nexthop = nexthop;
			return 1;
		}
		leaf = n; /* a glue node becomes a route */
		goto set_route;
	}

	leaf = node_alloc(rib, &k, len);
	if (!leaf)
		return -ENOMEM;
	if (d == len) {
		leaf->child[key_bit(&nk, len)] = n;
		*link = leaf;
		goto set_route;
	}
	struct rib_key gk = key_masked(&k, d);

	glue = node_alloc(rib, &gk, d);
	if (!glue) {
		node_release(rib, leaf);
		return -ENOMEM;
	}
	glue->child[key_bit(&k, d)] = leaf;
	glue->child[key_bit(&nk, d)] = n;
	*link = glue;

set_route:
	leaf->is_route = 1;
	leaf->nexthop = nexthop;
	rib->routes++;
	return 0;
}

int ws_rib_add(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop)
{
	return ws_rib_insert(rib, addr, len, nexthop, false);
}

int ws_rib_replace(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop)
{
	return ws_rib_insert(rib, addr, len, nexthop, true);
}

int ws_rib_delete(struct ws_rib *rib, const uint8_t *addr, unsigned len)
{
	struct ws_rib_node **link = &rib->root, **parent_link = NULL, *n, *only, *parent;
	struct rib_key k;
	int rc = check_prefix(rib, addr, len);

	if (rc)
		return rc;
	k = key_from_bytes(rib, addr);
	while ((n = *link) && n->len < len) {
		if (!node_covers(rib, n, &k))
			return -ENOENT;
		parent_link = link;
		link = &n->child[key_bit(&k, n->len)];
	}
	if (!n || n->len != len || !n->is_route || !node_covers(rib, n, &k))
		return -ENOENT;

	n->is_route = 0;
	n->nexthop = WS_FIB_MISS;
	rib->routes--;
	if (n->child[0] && n->child[1])
		return 0; /* still a fork: it stays, as glue */

	/* Splice n out. If that leaves its parent a glue node with one child,
	 * the parent is no longer a fork either and goes too; nothing above can
	 * change, since the parent's own parent keeps its child count. */
	only = n->child[0] ? n->child[0] : n->child[1];
	*link = only;
	node_release(rib, n);
	if (!only && parent_link) {
		parent = *parent_link;
		if (!parent->is_route) {
			*parent_link = parent->child[0] ? parent->child[0] : parent->child[1];
			node_release(rib, parent);
		}
	}
	return 0;
}

/* ---- queries ---- */

/* The node holding exactly addr/len (route or glue), or NULL. */
static const struct ws_rib_node *find_exact(const struct ws_rib *rib, const struct rib_key *k,
					    unsigned len)
{
	const struct ws_rib_node *n = rib->root;

	while (n && n->len < len && node_covers(rib, n, k))
		n = n->child[key_bit(k, n->len)];
	if (n && n->len == len && node_covers(rib, n, k))
		return n;
	return NULL;
}

int ws_rib_get(const struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t *nexthop)
{
	const struct ws_rib_node *n;
	struct rib_key k;
	int rc = check_prefix(rib, addr, len);

	if (rc)
		return rc;
	k = key_from_bytes(rib, addr);
	n = find_exact(rib, &k, len);
	if (!n || !n->is_route)
		return -ENOENT;
	if (nexthop)
		*nexthop = n->nexthop;
	return 0;
}

int ws_rib_lookup(const struct ws_rib *rib, const uint8_t *addr, uint32_t *nexthop,
		  unsigned *matched_len)
{
	return ws_rib_lookup_covering(rib, addr, rib->max_len, nexthop, matched_len);
}

int ws_rib_lookup_covering(const struct ws_rib *rib, const uint8_t *addr, unsigned max_len,
			   uint32_t *nexthop, unsigned *matched_len)
{
	const struct ws_rib_node *n = rib->root, *best = NULL;
	struct rib_key k = key_from_bytes(rib, addr);

	while (n && n->len <= max_len && node_covers(rib, n, &k)) {
		if (n->is_route)
			best = n;
		if (n->len == rib->max_len)
			break;
		n = n->child[key_bit(&k, n->len)];
	}
	if (!best)
		return -ENOENT;
	if (nexthop)
		*nexthop = best->nexthop;
	if (matched_len)
		*matched_len = best->len;
	return 0;
}

/* Pre-order from top with an explicit stack: a pending right child per level
 * at most, so max_len + 2 entries suffice; no recursion to size. */
static int walk_from(const struct ws_rib *rib, const struct ws_rib_node *top, unsigned max_len,
		     ws_rib_walk_fn *cb, void *arg)
{
	const struct ws_rib_node *stack[WS_FIB_V6_BITS + 2];
	unsigned sp = 0;
	uint8_t addr[16];

	if (top)
		stack[sp++] = top;
	while (sp) {
		const struct ws_rib_node *n = stack[--sp];

		if (n->len > max_len)
			continue; /* and everything below it is longer still */
		if (n->is_route) {
			struct rib_key k = node_key(rib, n);
			int rc;

			key_to_bytes(&k, addr);
			rc = cb(addr, n->len, n->nexthop, arg);
			if (rc)
				return rc;
		}
		if (n->child[1])
			stack[sp++] = n->child[1];
		if (n->child[0])
			stack[sp++] = n->child[0];
	}
	return 0;
}

int ws_rib_walk(const struct ws_rib *rib, ws_rib_walk_fn *cb, void *arg)
{
	return walk_from(rib, rib->root, rib->max_len, cb, arg);
}

int ws_rib_walk_range(const struct ws_rib *rib, const uint8_t *addr, unsigned len,
		      ws_rib_walk_fn *cb, void *arg)
{
	return ws_rib_walk_range_max(rib, addr, len, rib->max_len, cb, arg);
}

int ws_rib_walk_range_max(const struct ws_rib *rib, const uint8_t *addr, unsigned len, unsigned max_len,
			  ws_rib_walk_fn *cb, void *arg)
{
	const struct ws_rib_node *n = rib->root;
	struct rib_key k;
	int rc = check_prefix(rib, addr, len);

	if (rc)
		return rc;
	k = key_from_bytes(rib, addr);
	while (n && n->len < len && node_covers(rib, n, &k))
		n = n->child[key_bit(&k, n->len)];
	/* The first node at or below len on addr's path roots the range if it
	 * lies inside addr/len; otherwise nothing does. */
	if (!n || n->len < len) /* n->len < len here means the path left addr/len */
		return 0;
	{
		struct rib_key nk = node_key(rib, n);

		if (key_diff(&nk, &k) < len)
			return 0;
	}
	return walk_from(rib, n, max_len, cb, arg);
}

/* ---- IPv4 conveniences ---- */

int ws_rib4_add(struct ws_rib *rib, uint32_t addr, unsigned len, uint32_t nexthop)
{
	uint8_t b[16];

	if (rib->family != AF_INET)
		return -EAFNOSUPPORT;
	ws_fib_v4_to_bytes(addr, b);
	return ws_rib_add(rib, b, len, nexthop);
}

int ws_rib4_delete(struct ws_rib *rib, uint32_t addr, unsigned len)
{
	uint8_t b[16];

	if (rib->family != AF_INET)
		return -EAFNOSUPPORT;
	ws_fib_v4_to_bytes(addr, b);
	return ws_rib_delete(rib, b, len);
}

int ws_rib4_lookup(const struct ws_rib *rib, uint32_t addr, uint32_t *nexthop,
		   unsigned *matched_len)
{
	uint8_t b[16];

	if (rib->family != AF_INET)
		return -EAFNOSUPPORT;
	ws_fib_v4_to_bytes(addr, b);
	return ws_rib_lookup(rib, b, nexthop, matched_len);
}
