/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RIB against a brute-force reference (an array of prefixes, longest
 * match by linear scan) on random IPv4 and IPv6 tables built to nest deeply,
 * plus the edge cases: empty, /0 only, host routes, deleting a covering
 * prefix, long add/delete streams (walks: test_rib_walk.c).
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

/* ---- tests ---- */

static void test_create(void **state)
{
	struct ws_rib *r4 = ws_rib_create(AF_INET), *r6 = ws_rib_create(AF_INET6);

	(void)state;
	errno = 0;
	assert_null(ws_rib_create(AF_UNIX));
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_non_null(r4);
	assert_non_null(r6);
	assert_int_equal(ws_rib_family(r4), AF_INET);
	assert_int_equal(ws_rib_max_len(r4), 32);
	assert_int_equal(ws_rib_family(r6), AF_INET6);
	assert_int_equal(ws_rib_max_len(r6), 128);
	ws_rib_free(r4);
	ws_rib_free(r6);
	ws_rib_free(NULL);
}

static void test_empty(void **state)
{
	int fams[2] = { AF_INET, AF_INET6 };

	(void)state;
	for (int f = 0; f < 2; f++) {
		struct ws_rib *rib = ws_rib_create(fams[f]);
		static struct walked w;
		uint8_t a[16] = { 1, 2, 3, 4 }, z[16] = { 0 };
		uint32_t nh = 5;

		assert_int_equal(ws_rib_count(rib), 0);
		assert_int_equal(ws_rib_lookup(rib, a, &nh, NULL), -ENOENT);
		assert_int_equal(nh, 5);
		assert_int_equal(ws_rib_get(rib, z, 0, &nh), -ENOENT);
		assert_int_equal(ws_rib_delete(rib, z, 0), -ENOENT);
		w.n = 0;
		assert_int_equal(ws_rib_walk(rib, collect, &w), 0);
		assert_int_equal(ws_rib_walk_range(rib, z, 0, collect, &w), 0);
		assert_int_equal(w.n, 0);
		check_shape(rib);
		ws_rib_free(rib);
	}
}

static void test_default_route_only(void **state)
{
	int fams[2] = { AF_INET, AF_INET6 };

	(void)state;
	for (int f = 0; f < 2; f++) {
		struct ws_rib *rib = ws_rib_create(fams[f]);
		uint8_t z[16] = { 0 };

		assert_int_equal(ws_rib_add(rib, z, 0, 42), 0);
		for (int i = 0; i < 1000; i++) {
			uint8_t a[16] = { 0 };
			uint32_t nh = 0;
			unsigned len = 99;
			uint64_t r0 = rnd(), r1 = rnd();

			memcpy(a, &r0, 8);
			if (fams[f] == AF_INET6)
				memcpy(a + 8, &r1, 8);
			else
				memset(a + 4, 0, 4);
			assert_int_equal(ws_rib_lookup(rib, a, &nh, &len), 0);
			assert_int_equal(nh, 42);
			assert_int_equal(len, 0);
		}
		assert_int_equal(ws_rib_delete(rib, z, 0), 0);
		assert_int_equal(ws_rib_lookup(rib, z, NULL, NULL), -ENOENT);
		check_shape(rib);
		ws_rib_free(rib);
	}
}

static void test_errors(void **state)
{
	struct ws_rib *r4 = ws_rib_create(AF_INET), *r6 = ws_rib_create(AF_INET6);
	uint8_t a[16] = { 10, 1, 0, 0 }, b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint32_t nh;

	(void)state;
	assert_int_equal(ws_rib_add(r4, a, 33, 1), -EINVAL);
	assert_int_equal(ws_rib_add(r4, a, 8, 1), -EINVAL); /* host bits */
	assert_int_equal(ws_rib_add(r4, a, 16, WS_FIB_MISS), -EINVAL);
	assert_int_equal(ws_rib_add(r6, b, 129, 1), -EINVAL);
	assert_int_equal(ws_rib_add(r6, b, 15, 1), -EINVAL);
	assert_int_equal(ws_rib_delete(r4, a, 8), -EINVAL);
	assert_int_equal(ws_rib_get(r4, a, 8, &nh), -EINVAL);
	assert_int_equal(ws_rib_walk_range(r4, a, 8, collect, NULL), -EINVAL);
	assert_int_equal(ws_rib_count(r4), 0);

	assert_int_equal(ws_rib_add(r4, a, 16, 1), 0);
	assert_int_equal(ws_rib_add(r4, a, 16, 2), -EEXIST);
	assert_int_equal(ws_rib_get(r4, a, 16, &nh), 0);
	assert_int_equal(nh, 1);
	assert_int_equal(ws_rib_replace(r4, a, 16, 3), 1);
	assert_int_equal(ws_rib_get(r4, a, 16, &nh), 0);
	assert_int_equal(nh, 3);
	assert_int_equal(ws_rib_replace(r4, a, 24, 4), 0);
	assert_int_equal(ws_rib_count(r4), 2);
	assert_int_equal(ws_rib_get(r4, a, 20, &nh), -ENOENT);
	assert_int_equal(ws_rib_delete(r4, a, 20), -ENOENT);
	assert_int_equal(ws_rib_delete(r4, a, 24), 0);
	assert_int_equal(ws_rib_delete(r4, a, 24), -ENOENT);
	assert_int_equal(ws_rib_count(r4), 1);

	/* the IPv4 conveniences refuse an IPv6 RIB */
	assert_int_equal(ws_rib4_add(r6, 0x0a000000, 8, 1), -EAFNOSUPPORT);
	assert_int_equal(ws_rib4_lookup(r6, 0x0a000001, &nh, NULL), -EAFNOSUPPORT);
	assert_int_equal(ws_rib4_delete(r6, 0x0a000000, 8), -EAFNOSUPPORT);
	ws_rib_free(r4);
	ws_rib_free(r6);
}

static void test_host_routes_and_nesting(void **state)
{
	struct ws_rib *r = ws_rib_create(AF_INET);
	uint32_t nh;
	unsigned len;

	(void)state;
	assert_int_equal(ws_rib4_add(r, 0x0a000000, 8, 8), 0);          /* 10/8 */
	assert_int_equal(ws_rib4_add(r, 0x0a010000, 16, 16), 0);        /* 10.1/16 */
	assert_int_equal(ws_rib4_add(r, 0x0a010200, 24, 24), 0);        /* 10.1.2/24 */
	assert_int_equal(ws_rib4_add(r, 0x0a010203, 32, 32), 0);        /* 10.1.2.3/32 */
	assert_int_equal(ws_rib4_add(r, 0xffffffff, 32, 99), 0);        /* 255.255.255.255/32 */
	assert_int_equal(ws_rib4_add(r, 0x00000000, 32, 98), 0);        /* 0.0.0.0/32 */

	assert_int_equal(ws_rib4_lookup(r, 0x0a010203, &nh, &len), 0);
	assert_int_equal(nh, 32);
	assert_int_equal(ws_rib4_lookup(r, 0x0a010204, &nh, &len), 0);
	assert_int_equal(nh, 24);
	assert_int_equal(ws_rib4_lookup(r, 0x0a01ff00, &nh, &len), 0);
	assert_int_equal(nh, 16);
	assert_int_equal(ws_rib4_lookup(r, 0x0aff0000, &nh, &len), 0);
	assert_int_equal(nh, 8);
	assert_int_equal(len, 8);
	assert_int_equal(ws_rib4_lookup(r, 0x0b000000, &nh, &len), -ENOENT);
	assert_int_equal(ws_rib4_lookup(r, 0xffffffff, &nh, &len), 0);
	assert_int_equal(nh, 99);
	assert_int_equal(ws_rib4_lookup(r, 0xfffffffe, &nh, &len), -ENOENT);
	assert_int_equal(ws_rib4_lookup(r, 0, &nh, &len), 0);
	assert_int_equal(nh, 98);

	/* deleting a covering prefix: its more-specifics stay, the addresses
	 * it alone covered fall to the next one up */
	assert_int_equal(ws_rib4_delete(r, 0x0a010000, 16), 0);
	assert_int_equal(ws_rib4_lookup(r, 0x0a01ff00, &nh, &len), 0);
	assert_int_equal(nh, 8);
	assert_int_equal(ws_rib4_lookup(r, 0x0a010204, &nh, &len), 0);
	assert_int_equal(nh, 24);
	assert_int_equal(ws_rib4_delete(r, 0x0a000000, 8), 0);
	assert_int_equal(ws_rib4_lookup(r, 0x0a01ff00, &nh, &len), -ENOENT);
	assert_int_equal(ws_rib4_lookup(r, 0x0a010203, &nh, &len), 0);
	assert_int_equal(nh, 32);
	check_shape(r);
	ws_rib_free(r);

	/* IPv6 host routes at both ends of the space */
	struct ws_rib *r6 = ws_rib_create(AF_INET6);
	uint8_t lo[16] = { 0 }, hi[16];

	memset(hi, 0xff, 16);
	lo[15] = 1;
	assert_int_equal(ws_rib_add(r6, lo, 128, 1), 0);
	assert_int_equal(ws_rib_add(r6, hi, 128, 2), 0);
	assert_int_equal(ws_rib_lookup(r6, lo, &nh, &len), 0);
	assert_int_equal(nh, 1);
	assert_int_equal(len, 128);
	assert_int_equal(ws_rib_lookup(r6, hi, &nh, &len), 0);
	assert_int_equal(nh, 2);
	hi[15] = 0xfe;
	assert_int_equal(ws_rib_lookup(r6, hi, &nh, &len), -ENOENT);
	ws_rib_free(r6);
}

static void random_vs_reference(int family, uint64_t seed)
{
	static struct ref ref;
	struct ws_rib *rib = ws_rib_create(family);

	rng_state = seed;
	ref.n = 0;
	for (int i = 0; i < 3000; i++) {
		struct ws_route r = { .nexthop = (uint32_t)(rnd() % 1000) };
		unsigned len;
		int rc;

		rand_prefix(family, r.addr, &len);
		r.len = (uint8_t)len;
		rc = ws_rib_add(rib, r.addr, len, r.nexthop);
		if (ref_find(&ref, r.addr, len) >= 0) {
			assert_int_equal(rc, -EEXIST);
		} else {
			assert_int_equal(rc, 0);
			ref.r[ref.n++] = r;
		}
	}
	assert_int_equal(ws_rib_count(rib), ref.n);
	for (size_t i = 0; i < ref.n; i++) {
		uint32_t nh;

		assert_int_equal(ws_rib_get(rib, ref.r[i].addr, ref.r[i].len, &nh), 0);
		assert_int_equal(nh, ref.r[i].nexthop);
	}
	check_lookups(rib, &ref, family, 20000);
	check_walk(rib, &ref);
	check_shape(rib);

	/* delete half, covering prefixes included, and check again */
	for (size_t i = 0; i < ref.n;) {
		if (rnd() & 1) {
			assert_int_equal(ws_rib_delete(rib, ref.r[i].addr, ref.r[i].len), 0);
			ref.r[i] = ref.r[--ref.n];
		} else {
			i++;
		}
	}
	check_lookups(rib, &ref, family, 20000);
	check_walk(rib, &ref);
	check_shape(rib);
	ws_rib_free(rib);
}

static void test_random_v4(void **state)
{
	(void)state;
	random_vs_reference(AF_INET, 11);
	random_vs_reference(AF_INET, 12);
}

static void test_random_v6(void **state)
{
	(void)state;
	random_vs_reference(AF_INET6, 21);
	random_vs_reference(AF_INET6, 22);
}

/* A long stream of adds and deletes over a fixed pool of candidate prefixes:
 * count and lookups follow the reference, the node count follows the route
 * count, and the slab stops growing once it has held the largest table. */
static void add_delete_stream(int family)
{
	static struct ref ref;
	static struct ws_route pool[4000];
	struct ws_rib *rib = ws_rib_create(family);
	struct ws_rib_stats st;
	size_t max_nodes = 0;

	rng_state = 77 + (uint64_t)family;
	ref.n = 0;
	for (size_t i = 0; i < 4000; i++) {
		unsigned len;

		rand_prefix(family, pool[i].addr, &len);
		pool[i].len = (uint8_t)len;
		pool[i].nexthop = (uint32_t)i;
	}
	for (int op = 0; op < 200000; op++) {
		const struct ws_route *p = &pool[rnd() % 4000];
		long at = ref_find(&ref, p->addr, p->len);

		if (at >= 0) {
			assert_int_equal(ws_rib_delete(rib, p->addr, p->len), 0);
			ref.r[at] = ref.r[--ref.n];
		} else {
			assert_int_equal(ws_rib_add(rib, p->addr, p->len, p->nexthop), 0);
			ref.r[ref.n++] = *p;
		}
		assert_int_equal(ws_rib_count(rib), ref.n);
		ws_rib_get_stats(rib, &st);
		if (st.nodes > max_nodes)
			max_nodes = st.nodes;
		/* freed nodes are reused: the slab holds no more than the largest
		 * tree so far needed (chunks double, hence the factor 2) */
		assert_true(st.bytes_allocated <= 2 * max_nodes * st.node_size + 64 * 1024);
		if (op % 20000 == 19999) {
			check_lookups(rib, &ref, family, 2000);
			check_shape(rib);
		}
	}
	check_walk(rib, &ref);
	while (ref.n) {
		assert_int_equal(ws_rib_delete(rib, ref.r[ref.n - 1].addr, ref.r[ref.n - 1].len), 0);
		ref.n--;
	}
	ws_rib_get_stats(rib, &st);
	assert_int_equal(st.routes, 0);
	assert_int_equal(st.nodes, 0);
	ws_rib_free(rib);
}

static void test_add_delete_stream_v4(void **state)
{
	(void)state;
	add_delete_stream(AF_INET);
}

static void test_add_delete_stream_v6(void **state)
{
	(void)state;
	add_delete_stream(AF_INET6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_default_route_only),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_host_routes_and_nesting),
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_v6),
		cmocka_unit_test(test_add_delete_stream_v4),
		cmocka_unit_test(test_add_delete_stream_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
