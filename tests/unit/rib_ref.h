/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rib_ref.h: what the RIB tests share: a seeded PRNG, prefixes built to nest,
 * a brute-force reference (an array of prefixes, longest match by linear
 * scan) and checks of the RIB against it. Included by test_rib*.c only.
 */
#ifndef WS_TEST_RIB_REF_H
#define WS_TEST_RIB_REF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/rib.h"

#include "test_rng.h"

static inline unsigned bits_of(int family)
{
	return family == AF_INET ? 32 : 128;
}

struct ref {
	struct ws_route r[8192];
	size_t n;
};

static inline bool covers(const uint8_t *p, unsigned len, const uint8_t *a)
{
	for (unsigned i = 0; i < len; i++)
		if (ws_fib_bit(p, i) != ws_fib_bit(a, i))
			return false;
	return true;
}

static inline long ref_find(const struct ref *ref, const uint8_t *addr, unsigned len)
{
	for (size_t i = 0; i < ref->n; i++)
		if (ref->r[i].len == len && !memcmp(ref->r[i].addr, addr, 16))
			return (long)i;
	return -1;
}

/* Longest match by scanning everything: obviously right, and slow. */
static inline long ref_lookup(const struct ref *ref, const uint8_t *addr)
{
	long best = -1;

	for (size_t i = 0; i < ref->n; i++)
		if (covers(ref->r[i].addr, ref->r[i].len, addr) &&
		    (best < 0 || ref->r[i].len > ref->r[best].len))
			best = (long)i;
	return best;
}

/* Prefixes near a few base addresses, so that they nest and share long
 * paths; lengths favour the ends (0 and max) and the middle. */
static inline void rand_prefix(int family, uint8_t *addr, unsigned *len)
{
	static const uint8_t bases[4][16] = {
		{ 10, 0, 0, 0 }, { 198, 18, 0, 0 }, { 0x20, 0x01, 0x0d, 0xb8 }, { 0xff, 0xff, 0, 1 },
	};
	unsigned max = bits_of(family), bytes = max / 8;
	uint64_t r = rnd();

	memcpy(addr, bases[r & 3], 16);
	memset(addr + 4, 0, 12);
	for (unsigned i = 1; i < bytes; i++)
		addr[i] ^= (uint8_t)(rnd() & ((r >> 8) & 1 ? 0x03 : 0xff));
	switch ((r >> 16) % 8) {
	case 0:
		*len = (unsigned)(rnd() % 3); /* /0, /1, /2 */
		break;
	case 1:
		*len = max - (unsigned)(rnd() % 2);
		break;
	default:
		*len = (unsigned)(rnd() % (max + 1));
	}
	ws_fib_mask(addr, *len, 16);
}

static inline void rand_addr(int family, struct ref *ref, uint8_t *addr)
{
	unsigned len, bytes = bits_of(family) / 8;

	/* Half the time near a route, so that deep matches get tested. */
	if (ref->n && rnd() % 2) {
		const struct ws_route *r = &ref->r[rnd() % ref->n];

		memcpy(addr, r->addr, 16);
		for (unsigned i = r->len; i < bits_of(family); i++)
			if (rnd() & 1)
				addr[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	} else {
		rand_prefix(family, addr, &len);
		for (unsigned i = 0; i < bytes; i++)
			addr[i] ^= (uint8_t)(rnd() % 4 ? 0 : rnd());
	}
	memset(addr + bytes, 0, 16 - bytes);
}

static inline void check_lookups(const struct ws_rib *rib, struct ref *ref, int family, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t a[16];
		uint32_t nh = 0;
		unsigned len = 0;
		long want;
		int rc;

		rand_addr(family, ref, a);
		want = ref_lookup(ref, a);
		rc = ws_rib_lookup(rib, a, &nh, &len);
		if (want < 0) {
			assert_int_equal(rc, -ENOENT);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(len, ref->r[want].len);
			assert_int_equal(nh, ref->r[want].nexthop);
		}
	}
}

/* Collects a walk into an array. */
struct walked {
	struct ws_route r[8192];
	size_t n;
	size_t stop_at; /* return 7 when n reaches this; 0 never */
};

static inline int collect(const uint8_t *addr, unsigned len, uint32_t nh, void *arg)
{
	struct walked *w = arg;

	assert_true(w->n < 8192);
	memcpy(w->r[w->n].addr, addr, 16);
	w->r[w->n].len = (uint8_t)len;
	w->r[w->n].nexthop = nh;
	w->n++;
	return w->stop_at && w->n == w->stop_at ? 7 : 0;
}

static inline int route_cmp(const void *pa, const void *pb)
{
	const struct ws_route *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->len - (int)b->len;
}

/* The walk visits exactly the reference's routes, in address order. */
static inline void check_walk(const struct ws_rib *rib, const struct ref *ref)
{
	static struct walked w;
	static struct ws_route sorted[8192];

	w.n = 0;
	w.stop_at = 0;
	assert_int_equal(ws_rib_walk(rib, collect, &w), 0);
	assert_int_equal(w.n, ref->n);
	assert_int_equal(ws_rib_count(rib), ref->n);
	memcpy(sorted, ref->r, ref->n * sizeof(sorted[0]));
	qsort(sorted, ref->n, sizeof(sorted[0]), route_cmp);
	for (size_t i = 0; i < w.n; i++) {
		assert_int_equal(route_cmp(&w.r[i], &sorted[i]), 0);
		assert_int_equal(w.r[i].nexthop, sorted[i].nexthop);
	}
}

static inline void check_shape(const struct ws_rib *rib)
{
	struct ws_rib_stats st;

	ws_rib_get_stats(rib, &st);
	assert_int_equal(st.routes, ws_rib_count(rib));
	assert_int_equal(st.nodes, st.routes + st.glue_nodes);
	/* every glue node is a fork, so the tree cannot hold more than this */
	assert_true(st.nodes <= (st.routes ? 2 * st.routes - 1 : 0));
	assert_int_equal(st.bytes_used, st.nodes * st.node_size);
	assert_true(st.bytes_used <= st.bytes_allocated);
}

#endif /* WS_TEST_RIB_REF_H */
