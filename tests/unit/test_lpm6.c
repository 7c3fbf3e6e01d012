/* SPDX-License-Identifier: BSD-3-Clause */
/* lpm6 against the RIB's longest match (itself checked against a linear
 * scan in test_rib): crafted edge cases, random tables whose prefixes
 * straddle the 64-bit halves, the real v6 tables and a synthetic full one.
 * Every prefix boundary (first, last, first-1, last+1) and random addresses,
 * single and bulk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fib/lpm6.h"
#include "fib/rib.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"
#include "shared_data.h"
#include "test_rng.h"


typedef uint8_t addr6[16];

/* a += delta (delta = +1 or -1), wrapping */
static void addr_step(uint8_t *a, int delta)
{
	for (int i = 15; i >= 0; i--) {
		uint8_t old = a[i];

		a[i] = (uint8_t)(a[i] + delta);
		if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0))
			break;
	}
}

static void check(const struct ws_route *r, size_t n, size_t nb_random)
{
	struct ws_rib *rib = ws_rib_create(AF_INET6);
	struct ws_lpm6 *lpm;
	size_t na = 0;
	addr6 *addrs = malloc((4 * n + nb_random + 2) * sizeof(*addrs));
	uint32_t *bulk;

	assert_non_null(rib);
	assert_int_equal(ws_rib_replace_bulk(rib, r, n), 0);
	lpm = ws_lpm6_build_rib(rib);
	assert_non_null(lpm);
	for (size_t i = 0; i < n; i++) {
		uint8_t first[16], last[16];

		memcpy(first, r[i].addr, 16);
		ws_fib_mask(first, r[i].len, 16);
		memcpy(last, first, 16);
		for (unsigned b = r[i].len; b < 128; b++)
			last[b >> 3] |= (uint8_t)(0x80 >> (b & 7));
		memcpy(addrs[na++], first, 16);
		memcpy(addrs[na++], last, 16);
		addr_step(first, -1);
		addr_step(last, +1);
		memcpy(addrs[na++], first, 16);
		memcpy(addrs[na++], last, 16);
	}
	for (size_t i = 0; i < nb_random; i++) {
		uint64_t h = rnd(), l = rnd();

		/* half in 2000::/3, where the real tables live */
		if (i & 1)
			h = (h & ~(7ull << 61)) | (1ull << 61);
		for (int b = 0; b < 8; b++) {
			addrs[na][b] = (uint8_t)(h >> (56 - 8 * b));
			addrs[na][8 + b] = (uint8_t)(l >> (56 - 8 * b));
		}
		na++;
	}
	memset(addrs[na++], 0, 16);
	memset(addrs[na++], 0xff, 16);

	bulk = malloc(na * sizeof(*bulk));
	ws_lpm6_lookup_bulk(lpm, (const uint8_t(*)[16])addrs, bulk, (unsigned)na);
	size_t bad = 0;
	for (size_t i = 0; i < na; i++) {
		uint32_t want = WS_FIB_MISS, single = ws_lpm6_lookup(lpm, addrs[i]);

		ws_rib_lookup(rib, addrs[i], &want, NULL);
		if ((single != want || bulk[i] != want) && bad++ < 5)
			print_error("addr #%zu: rib %u, lpm6 %u, bulk %u\n", i, want, single, bulk[i]);
	}
	assert_int_equal(bad, 0);
	free(bulk);
	free(addrs);
	ws_lpm6_free(lpm);
	ws_rib_free(rib);
}

static void route(struct ws_route *r, const char *text, unsigned len, uint32_t nh)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(ws_route_parse_addr(text, strlen(text), r->addr), AF_INET6);
	r->len = (uint8_t)len;
	r->nexthop = nh;
}

static void test_edges(void **state)
{
	struct ws_route r[12];

	(void)state;
	route(&r[0], "::", 0, 1);
	route(&r[1], "::", 128, 2);
	route(&r[2], "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 3);
	route(&r[3], "2001:db8::", 32, 4);
	route(&r[4], "2001:db8::", 48, 5);
	route(&r[5], "2001:db8:0:fff0::", 60, 6);
	route(&r[6], "2001:db8:0:ffff:8000::", 66, 7); /* straddles bit 64 */
	route(&r[7], "2001:db8:0:ffff:ffff:ffff:ffff:fffe", 127, 8);
	route(&r[8], "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 128, 9);
	route(&r[9], "8000::", 1, 10);
	route(&r[10], "fe80::", 10, 11);
	route(&r[11], "2001:db8:1::1", 128, 12);
	check(r, 12, 20000);
}

static void test_empty(void **state)
{
	struct ws_lpm6 *lpm = ws_lpm6_build(NULL, 0);
	uint8_t a[16] = { 0x20, 0x01 };

	(void)state;
	assert_non_null(lpm);
	assert_int_equal(ws_lpm6_lookup(lpm, a), WS_FIB_MISS);
	ws_lpm6_free(lpm);
}

static void test_bad_input(void **state)
{
	struct ws_route r = { .len = 129 };

	(void)state;
	errno = 0;
	assert_null(ws_lpm6_build(&r, 1));
	assert_int_equal(errno, EINVAL);
	r.len = 64;
	r.nexthop = WS_FIB_MAX_NEXTHOPS;
	assert_null(ws_lpm6_build(&r, 1));
}

/* Random prefixes of every length clustered under a few /24s, so they nest. */
static void test_random(void **state)
{
	size_t n = 4000;
	struct ws_route *r = calloc(n, sizeof(*r));

	(void)state;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = rnd(), l = rnd();

		h = (h & 0x000000ffffffffffull) | ((0x200100ull + rnd() % 3) << 40);
		for (int b = 0; b < 8; b++) {
			r[i].addr[b] = (uint8_t)(h >> (56 - 8 * b));
			r[i].addr[8 + b] = (uint8_t)(l >> (56 - 8 * b));
		}
		r[i].len = (uint8_t)(rnd() % 129);
		ws_fib_mask(r[i].addr, r[i].len, 16);
		r[i].nexthop = (uint32_t)(rnd() % 100);
	}
	check(r, n, 20000);
	free(r);
}

static void check_file(const char *name)
{
	struct ws_route_list list;
	char path[512], err[512];

	ws_test_shared_path(name, path, sizeof(path));
	ws_route_list_init(&list);
	assert_int_equal(ws_route_file_read(path, NULL, &list, err, sizeof(err)), 0);
	assert_true(list.n_v6 > 0);
	for (size_t i = 0; i < list.n_v6; i++)
		list.v6[i].nexthop = (uint32_t)((i * 2654435761u) >> 8) % 4096;
	check(list.v6, list.n_v6, 1u << 20);
	ws_route_list_free(&list);
}

static void test_gaissmai_v6(void **state)
{
	(void)state;
	check_file("rib-v6-gaissmai-tier1-2023-02.txt.gz");
}

static void test_pyasn_v6(void **state)
{
	(void)state;
	check_file("rib-v6-pyasn-routeviews-20151101.txt.gz");
}

static void test_synthetic_v6(void **state)
{
	struct ws_route_list list;

	(void)state;
	ws_route_list_init(&list);
	assert_int_equal(ws_route_gen(0, 200000, 42, &list), 0);
	check(list.v6, list.n_v6, 1u << 20);
	ws_route_list_free(&list);
}

int main(void)
{
	rng_state = 777; /* the seed these tests were written with */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_gaissmai_v6),
		cmocka_unit_test(test_pyasn_v6),
		cmocka_unit_test(test_synthetic_v6),
	};
	return cmocka_run_group_tests_name("lpm6", tests, NULL, NULL);
}
