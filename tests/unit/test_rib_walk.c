/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RIB walks: address order with a covering prefix first, a stop from the
 * callback, walk_range against a filtered full walk; and the bulk load
 * against one replace at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/rib.h"
#include "rib_ref.h"

static void test_walk_order_and_stop(void **state)
{
	struct ws_rib *r = ws_rib_create(AF_INET);
	static struct walked w;
	/* added in a scrambled order; the walk must give address order with a
	 * covering prefix first */
	static const struct { uint32_t a; unsigned l; } in[] = {
		{ 0x0a010200, 24 }, { 0x00000000, 0 }, { 0x0a000000, 8 }, { 0xc0a80000, 16 },
		{ 0x0a010000, 16 }, { 0x0a000000, 16 }, { 0x09000000, 8 }, { 0x0a010203, 32 },
		{ 0x80000000, 1 },  { 0x0a000000, 32 },
	};
	static const struct { uint32_t a; unsigned l; } want[] = {
		{ 0x00000000, 0 },  { 0x09000000, 8 },  { 0x0a000000, 8 }, { 0x0a000000, 16 },
		{ 0x0a000000, 32 }, { 0x0a010000, 16 }, { 0x0a010200, 24 }, { 0x0a010203, 32 },
		{ 0x80000000, 1 },  { 0xc0a80000, 16 },
	};

	(void)state;
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(ws_rib4_add(r, in[i].a, in[i].l, (uint32_t)i), 0);
	w.n = 0;
	w.stop_at = 0;
	assert_int_equal(ws_rib_walk(r, collect, &w), 0);
	assert_int_equal(w.n, 10);
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(ws_fib_v4_from_bytes(w.r[i].addr), want[i].a);
		assert_int_equal(w.r[i].len, want[i].l);
	}
	/* a non-zero return stops the walk and is returned */
	w.n = 0;
	w.stop_at = 3;
	assert_int_equal(ws_rib_walk(r, collect, &w), 7);
	assert_int_equal(w.n, 3);
	ws_rib_free(r);
}

/* walk_range gives exactly the routes of the full walk that lie inside the
 * range, in the same order. */
static void walk_range_vs_walk(int family)
{
	static struct ref ref;
	static struct walked all, part;
	struct ws_rib *rib = ws_rib_create(family);

	rng_state = 500 + (uint64_t)family;
	ref.n = 0;
	for (int i = 0; i < 2000; i++) {
		struct ws_route r = { .nexthop = (uint32_t)i };
		unsigned len;

		rand_prefix(family, r.addr, &len);
		r.len = (uint8_t)len;
		if (ws_rib_add(rib, r.addr, len, r.nexthop) == 0)
			ref.r[ref.n++] = r;
	}
	all.n = 0;
	all.stop_at = 0;
	assert_int_equal(ws_rib_walk(rib, collect, &all), 0);
	for (int t = 0; t < 400; t++) {
		uint8_t a[16];
		unsigned len;
		size_t k = 0;

		if (t % 2) { /* a range that is a route, or one that is not */
			memcpy(a, ref.r[rnd() % ref.n].addr, 16);
			len = ref.r[rnd() % ref.n].len;
			ws_fib_mask(a, len, 16);
		} else {
			rand_prefix(family, a, &len);
		}
		part.n = 0;
		part.stop_at = 0;
		assert_int_equal(ws_rib_walk_range(rib, a, len, collect, &part), 0);
		for (size_t i = 0; i < all.n; i++) {
			if (all.r[i].len < len || !covers(a, len, all.r[i].addr))
				continue;
			assert_true(k < part.n);
			assert_int_equal(route_cmp(&all.r[i], &part.r[k]), 0);
			k++;
		}
		assert_int_equal(k, part.n);
	}
	ws_rib_free(rib);
}

static void test_walk_range(void **state)
{
	(void)state;
	walk_range_vs_walk(AF_INET);
	walk_range_vs_walk(AF_INET6);

	/* the range of a route is the route and its more-specifics */
	struct ws_rib *r = ws_rib_create(AF_INET);
	static struct walked w;
	uint8_t a[16];

	ws_rib4_add(r, 0x0a000000, 8, 1);
	ws_rib4_add(r, 0x0a010000, 16, 2);
	ws_rib4_add(r, 0x0a010100, 24, 3);
	ws_rib4_add(r, 0x0a020000, 16, 4);
	ws_rib4_add(r, 0x0b000000, 8, 5);
	ws_fib_v4_to_bytes(0x0a010000, a);
	w.n = 0;
	w.stop_at = 0;
	assert_int_equal(ws_rib_walk_range(r, a, 16, collect, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.r[0].nexthop, 2);
	assert_int_equal(w.r[1].nexthop, 3);
	/* a range with no route of its own: 10.0.0.0/14 holds 10.1/16, 10.2/16 */
	ws_fib_v4_to_bytes(0x0a000000, a);
	w.n = 0;
	assert_int_equal(ws_rib_walk_range(r, a, 14, collect, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.r[0].nexthop, 2);
	assert_int_equal(w.r[2].nexthop, 4);
	/* an empty range */
	ws_fib_v4_to_bytes(0x0c000000, a);
	w.n = 0;
	assert_int_equal(ws_rib_walk_range(r, a, 8, collect, &w), 0);
	assert_int_equal(w.n, 0);
	ws_rib_free(r);
}

/* The bulk load is ws_rib_replace one route at a time, in any order. */
static void test_replace_bulk(void **state)
{
	static struct ws_route routes[6000];
	static struct walked a, b;
	int fams[2] = { AF_INET, AF_INET6 };

	(void)state;
	for (int f = 0; f < 2; f++) {
		struct ws_rib *one = ws_rib_create(fams[f]), *bulk = ws_rib_create(fams[f]);
		size_t n = 0;

		rng_state = 900 + (uint64_t)f;
		for (; n < 6000; n++) {
			unsigned len;

			if (n && rnd() % 10 == 0) {
				routes[n] = routes[rnd() % n]; /* a duplicate: the later wins */
			} else {
				rand_prefix(fams[f], routes[n].addr, &len);
				routes[n].len = (uint8_t)len;
			}
			routes[n].nexthop = (uint32_t)n;
			assert_true(ws_rib_replace(one, routes[n].addr, routes[n].len,
						   routes[n].nexthop) >= 0);
		}
		assert_int_equal(ws_rib_replace_bulk(bulk, routes, n), 0);
		a.n = b.n = 0;
		a.stop_at = b.stop_at = 0;
		ws_rib_walk(one, collect, &a);
		ws_rib_walk(bulk, collect, &b);
		assert_int_equal(a.n, b.n);
		for (size_t i = 0; i < a.n; i++) {
			assert_int_equal(route_cmp(&a.r[i], &b.r[i]), 0);
			assert_int_equal(a.r[i].nexthop, b.r[i].nexthop);
		}
		check_shape(bulk);

		/* all or nothing: one bad route and nothing changes */
		size_t before = ws_rib_count(bulk);

		routes[n / 2].nexthop = WS_FIB_MISS;
		assert_int_equal(ws_rib_replace_bulk(bulk, routes, n), -EINVAL);
		assert_int_equal(ws_rib_count(bulk), before);
		assert_int_equal(ws_rib_replace_bulk(bulk, routes, 0), 0);
		ws_rib_free(one);
		ws_rib_free(bulk);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_order_and_stop),
		cmocka_unit_test(test_walk_range),
		cmocka_unit_test(test_replace_bulk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
