/* SPDX-License-Identifier: BSD-3-Clause */
/* Synthetic tables: the real length mix, unique canonical prefixes, and the
 * same table for the same seed. */
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
#include "fib/route_gen.h"

static int route_cmp(const void *pa, const void *pb)
{
	const struct ws_route *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->len - (int)b->len;
}

static bool same_routes(const struct ws_route *a, const struct ws_route *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_cmp(&a[i], &b[i]) || a[i].nexthop != b[i].nexthop)
			return false;
	return true;
}

static void test_histogram(void **state)
{
	unsigned c[129], sum = 0;

	(void)state;
	/* at the real size the scaled histogram is the real one */
	ws_route_gen_histogram(AF_INET, 901899, c);
	assert_int_equal(c[8], 16);
	assert_int_equal(c[16], 13490);
	assert_int_equal(c[24], 537698);
	assert_int_equal(c[32], 886);
	assert_int_equal(c[7], 0);
	ws_route_gen_histogram(AF_INET6, 160147, c);
	assert_int_equal(c[16], 1);
	assert_int_equal(c[32], 22548);
	assert_int_equal(c[48], 75488);
	assert_int_equal(c[128], 6);
	for (unsigned l = 0; l <= 128; l++)
		sum += c[l];
	assert_int_equal(sum, 160147);
	/* other sizes add up exactly */
	for (unsigned n = 0; n < 3000; n += 37) {
		ws_route_gen_histogram(AF_INET, n, c);
		sum = 0;
		for (unsigned l = 0; l <= 128; l++)
			sum += c[l];
		assert_int_equal(sum, n);
	}
	ws_route_gen_histogram(AF_INET, 1000, c);
	assert_int_equal(c[24], 596); /* 537698 / 901899 * 1000 = 596.2 */
}

/* Unique, canonical, nexthops in range, lengths as the histogram says. */
static void check_table(int family, const struct ws_route *r, size_t n)
{
	struct ws_route *s = malloc(n * sizeof(*s) + 1);
	unsigned want[129], got[129] = { 0 };
	unsigned bytes = family == AF_INET ? 4 : 16;

	assert_non_null(s);
	memcpy(s, r, n * sizeof(*s));
	qsort(s, n, sizeof(*s), route_cmp);
	for (size_t i = 0; i < n; i++) {
		assert_true(s[i].len <= bytes * 8);
		assert_true(ws_fib_is_canonical(s[i].addr, s[i].len, 16));
		assert_true(s[i].nexthop < WS_ROUTE_GEN_NEXTHOPS);
		if (i)
			assert_int_not_equal(route_cmp(&s[i - 1], &s[i]), 0);
		got[s[i].len]++;
	}
	ws_route_gen_histogram(family, (unsigned)n, want);
	assert_memory_equal(got, want, sizeof(got));
	free(s);
}

static void test_small_tables(void **state)
{
	struct ws_route_list a, b, c;

	(void)state;
	ws_route_list_init(&a);
	ws_route_list_init(&b);
	ws_route_list_init(&c);
	assert_int_equal(ws_route_gen(5000, 2000, 42, &a), 0);
	assert_int_equal(a.n_v4, 5000);
	assert_int_equal(a.n_v6, 2000);
	assert_null(a.nh);
	check_table(AF_INET, a.v4, a.n_v4);
	check_table(AF_INET6, a.v6, a.n_v6);

	/* the same seed gives the same table; another seed another one */
	assert_int_equal(ws_route_gen(5000, 2000, 42, &b), 0);
	assert_true(same_routes(a.v4, b.v4, 5000));
	assert_true(same_routes(a.v6, b.v6, 2000));
	assert_int_equal(ws_route_gen(5000, 2000, 43, &c), 0);
	assert_false(same_routes(a.v4, c.v4, 5000));
	/* one family's table does not depend on the other's size */
	assert_int_equal(ws_route_gen(5000, 0, 42, &c), 0);
	assert_int_equal(c.n_v6, 0);
	assert_true(same_routes(a.v4, c.v4, 5000));
	assert_int_equal(ws_route_gen(0, 2000, 42, &c), 0);
	assert_true(same_routes(a.v6, c.v6, 2000));
	/* random order: not sorted by length (the mix is mostly /24) */
	size_t changes = 0;

	for (size_t i = 1; i < a.n_v4; i++)
		changes += a.v4[i].len != a.v4[i - 1].len;
	assert_true(changes > 1000);

	assert_int_equal(ws_route_gen(0, 0, 1, &c), 0);
	assert_int_equal(c.n_v4 + c.n_v6, 0);
	assert_int_equal(ws_route_gen(WS_ROUTE_GEN_MAX + 1, 0, 1, &c), -EINVAL);
	ws_route_list_free(&a);
	ws_route_list_free(&b);
	ws_route_list_free(&c);
}

/* A full-size table: all unique, and the RIB takes every route. */
static void test_full_size(void **state)
{
	struct ws_route_list l;
	struct ws_rib *r4 = ws_rib_create(AF_INET), *r6 = ws_rib_create(AF_INET6);

	(void)state;
	ws_route_list_init(&l);
	assert_int_equal(ws_route_gen(900000, 160000, 1, &l), 0);
	check_table(AF_INET, l.v4, l.n_v4);
	check_table(AF_INET6, l.v6, l.n_v6);
	assert_int_equal(ws_rib_replace_bulk(r4, l.v4, l.n_v4), 0);
	assert_int_equal(ws_rib_replace_bulk(r6, l.v6, l.n_v6), 0);
	assert_int_equal(ws_rib_count(r4), 900000);
	assert_int_equal(ws_rib_count(r6), 160000);
	ws_rib_free(r4);
	ws_rib_free(r6);
	ws_route_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_small_tables),
		cmocka_unit_test(test_full_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
