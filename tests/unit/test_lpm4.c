/* SPDX-License-Identifier: BSD-3-Clause */
/* lpm4 against a brute-force longest match (linear scan), single and bulk,
 * at every prefix boundary and on random addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "fib/lpm4.h"

/* Routes as the tests write them: address in host byte order. */
struct r4 {
	uint32_t addr;
	uint8_t len;
	uint32_t nexthop;
};

static struct ws_lpm4 *build4(const struct r4 *r, size_t n)
{
	struct ws_route *w = calloc(n ? n : 1, sizeof(*w));
	struct ws_lpm4 *lpm;

	for (size_t i = 0; i < n; i++) {
		ws_fib_v4_to_bytes(r[i].addr, w[i].addr);
		w[i].len = r[i].len;
		w[i].nexthop = r[i].nexthop;
	}
	lpm = ws_lpm4_build(w, n);
	free(w);
	return lpm;
}

#include "test_rng.h"

static uint32_t mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* Reference: the last-listed longest prefix that contains addr. */
static uint32_t ref_lookup(const struct r4 *r, size_t n, uint32_t addr)
{
	int best_len = -1;
	uint32_t nh = WS_FIB_MISS;

	for (size_t i = 0; i < n; i++)
		if ((addr & mask(r[i].len)) == (r[i].addr & mask(r[i].len)) && r[i].len >= best_len) {
			best_len = r[i].len;
			nh = r[i].nexthop;
		}
	return nh;
}

static void check_addrs(const struct ws_lpm4 *lpm, const struct r4 *r, size_t n,
			const uint32_t *addrs, size_t na)
{
	uint32_t *bulk = malloc(na * sizeof(*bulk));

	ws_lpm4_lookup_bulk(lpm, addrs, bulk, (unsigned)na);
	for (size_t i = 0; i < na; i++) {
		uint32_t want = ref_lookup(r, n, addrs[i]);
		uint32_t got = ws_lpm4_lookup(lpm, addrs[i]);

		if (got != want || bulk[i] != want)
			fail_msg("addr %08x: want %u, single %u, bulk %u", addrs[i], want, got, bulk[i]);
	}
	free(bulk);
}

/* Boundaries of every prefix plus random addresses. */
static void check_table(const struct r4 *r, size_t n, size_t nb_random)
{
	struct ws_lpm4 *lpm = build4(r, n);
	size_t na = 0, cap = n * 4 + nb_random + 4;
	uint32_t *addrs = malloc(cap * sizeof(*addrs));

	assert_non_null(lpm);
	for (size_t i = 0; i < n; i++) {
		uint32_t first = r[i].addr & mask(r[i].len), last = first | ~mask(r[i].len);

		addrs[na++] = first;
		addrs[na++] = last;
		addrs[na++] = first - 1;
		addrs[na++] = last + 1;
	}
	for (size_t i = 0; i < nb_random; i++)
		addrs[na++] = (uint32_t)rnd();
	addrs[na++] = 0;
	addrs[na++] = UINT32_MAX;
	check_addrs(lpm, r, n, addrs, na);
	assert_true(ws_lpm4_memory(lpm) > 0);
	ws_lpm4_free(lpm);
	free(addrs);
}

static void test_empty(void **state)
{
	(void)state;
	struct ws_lpm4 *lpm = ws_lpm4_build(NULL, 0);

	assert_non_null(lpm);
	assert_int_equal(ws_lpm4_lookup(lpm, 0x01020304), WS_FIB_MISS);
	assert_int_equal(ws_lpm4_lookup(lpm, 0), WS_FIB_MISS);
	ws_lpm4_free(lpm);
}

static void test_default_only(void **state)
{
	(void)state;
	struct r4 r[] = { { 0, 0, 7 } };

	check_table(r, 1, 10000);
}

static void test_host_routes_and_nesting(void **state)
{
	(void)state;
	struct r4 r[] = {
		{ 0xc6120000, 15, 1 },  /* 198.18.0.0/15 */
		{ 0xc6120000, 16, 2 },  /* 198.18.0.0/16 */
		{ 0xc6120100, 24, 3 },  /* 198.18.1.0/24 */
		{ 0xc6120180, 25, 4 },  /* 198.18.1.128/25 */
		{ 0xc6120181, 32, 5 },  /* 198.18.1.129/32 */
		{ 0xc61201ff, 32, 6 },  /* 198.18.1.255/32 */
		{ 0xc6130000, 32, 8 },  /* 198.19.0.0/32 */
		{ 0xc613fffe, 31, 9 },  /* 198.19.255.254/31 */
		{ 0x7f000001, 32, 10 }, /* 127.0.0.1/32 */
		{ 0x00000000, 32, 11 }, /* 0.0.0.0/32 */
		{ 0xffffffff, 32, 12 }, /* 255.255.255.255/32 */
		{ 0x80000000, 1, 13 },  /* 128.0.0.0/1 */
	};

	check_table(r, sizeof(r) / sizeof(r[0]), 10000);
}

static void test_duplicate_last_wins_and_host_bits_ignored(void **state)
{
	(void)state;
	struct r4 r[] = {
		{ 0xc6120000, 24, 1 },
		{ 0xc61200ff, 24, 2 }, /* same prefix, host bits set: replaces */
	};
	struct ws_lpm4 *lpm = build4(r, 2);

	assert_non_null(lpm);
	assert_int_equal(ws_lpm4_lookup(lpm, 0xc6120042), 2);
	ws_lpm4_free(lpm);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct r4 len33 = { 0, 33, 1 }, bignh = { 0, 8, WS_FIB_MAX_NEXTHOPS };

	errno = 0;
	assert_null(build4(&len33, 1));
	assert_int_equal(errno, EINVAL);
	assert_null(build4(&bignh, 1));
	assert_int_equal(errno, EINVAL);
}

/* Random tables: lengths spread over 0..32 with an Internet-like bias to
 * /16../24, and clustered addresses so prefixes nest and overlap. */
static void random_table(size_t n, uint64_t seed)
{
	struct r4 *r = malloc(n * sizeof(*r));

	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = rnd();
		unsigned len = (x & 3) ? 16 + (unsigned)(x >> 8) % 9 : (unsigned)(x >> 16) % 33;
		/* a few /8 clusters so that prefixes collide */
		uint32_t addr = ((uint32_t)(x >> 32) & 0x00ffffffu) | ((uint32_t)(rnd() % 4) + 198) << 24;

		r[i].addr = addr & mask(len);
		r[i].len = (uint8_t)len;
		r[i].nexthop = (uint32_t)(rnd() % 50);
	}
	check_table(r, n, 20000);
	free(r);
}

static void test_random_small(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++)
		random_table(50, seed);
}

static void test_random_large(void **state)
{
	(void)state;
	random_table(3000, 99);
}

/* Long prefixes only in one /18 chunk: exercises the deepest node levels. */
static void test_deep_levels(void **state)
{
	(void)state;
	size_t n = 500;
	struct r4 *r = malloc(n * sizeof(*r));

	rng_state = 7;
	for (size_t i = 0; i < n; i++) {
		unsigned len = 24 + (unsigned)(rnd() % 9);

		r[i].addr = (0xc6124000u | (uint32_t)(rnd() & 0x3fff)) & mask(len);
		r[i].len = (uint8_t)len;
		r[i].nexthop = (uint32_t)i % 1000;
	}
	check_table(r, n, 1000);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_default_only),
		cmocka_unit_test(test_host_routes_and_nesting),
		cmocka_unit_test(test_duplicate_last_wins_and_host_bits_ignored),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_deep_levels),
	};
	return cmocka_run_group_tests_name("lpm4", tests, NULL, NULL);
}
