/* SPDX-License-Identifier: BSD-3-Clause */
/* lpm4 against the RIB's longest match on full-size tables: the real ones in
 * ../shared/data and a synthetic full table. Every prefix boundary (first,
 * last, first-1, last+1) and 1M random addresses, single and bulk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fib/lpm4.h"
#include "fib/rib.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"
#include "shared_data.h"
#include "test_rng.h"

#define NB_RANDOM (1u << 20)

static uint32_t rnd32(void)
{
	return (uint32_t)rnd();
}

static void compare(const struct ws_rib *rib, const struct ws_lpm4 *lpm, const uint32_t *addrs, size_t n)
{
	uint32_t *bulk = malloc(n * sizeof(*bulk));
	size_t bad = 0;

	ws_lpm4_lookup_bulk(lpm, addrs, bulk, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		uint32_t want = WS_FIB_MISS, single = ws_lpm4_lookup(lpm, addrs[i]);

		ws_rib4_lookup(rib, addrs[i], &want, NULL);
		if (single != want || bulk[i] != want) {
			if (bad++ < 5)
				print_error("%08x: rib %u, lpm4 %u, bulk %u\n", addrs[i], want, single, bulk[i]);
		}
	}
	free(bulk);
	assert_int_equal(bad, 0);
}

/* Nexthops: the files carry none (or origin ASNs, which do not fit 16 bits):
 * give each prefix one of 4096 ids, scattered so neighbours differ. */
static void check_routes(struct ws_route *r, size_t n)
{
	struct ws_rib *rib = ws_rib_create(AF_INET);
	uint32_t *addrs;
	size_t na = 0;

	for (size_t i = 0; i < n; i++)
		r[i].nexthop = (uint32_t)((i * 2654435761u) >> 8) % 4096;
	assert_non_null(rib);
	assert_int_equal(ws_rib_replace_bulk(rib, r, n), 0);
	struct ws_lpm4 *lpm = ws_lpm4_build_rib(rib);
	assert_non_null(lpm);
	print_message("%zu routes: %u nodes, %u leaves, %zu bytes (%.2f B/prefix)\n", n, lpm->trie.nb_nodes,
		      lpm->trie.nb_leaves, ws_lpm4_memory(lpm), (double)ws_lpm4_memory(lpm) / (double)n);

	addrs = malloc((4 * n + NB_RANDOM) * sizeof(*addrs));
	for (size_t i = 0; i < n; i++) {
		uint32_t first = ws_fib_v4_from_bytes(r[i].addr);
		uint32_t last = first | (r[i].len ? ~(~0u << (32 - r[i].len)) : ~0u);

		if (r[i].len == 0)
			last = ~0u;
		addrs[na++] = first;
		addrs[na++] = last;
		addrs[na++] = first - 1;
		addrs[na++] = last + 1;
	}
	for (size_t i = 0; i < NB_RANDOM; i++)
		addrs[na++] = rnd32();
	compare(rib, lpm, addrs, na);
	free(addrs);
	ws_lpm4_free(lpm);
	ws_rib_free(rib);
}

static void check_file(const char *name)
{
	struct ws_route_list list;
	char path[512], err[512];

	ws_test_shared_path(name, path, sizeof(path));
	ws_route_list_init(&list);
	assert_int_equal(ws_route_file_read(path, NULL, &list, err, sizeof(err)), 0);
	assert_true(list.n_v4 > 0);
	check_routes(list.v4, list.n_v4);
	ws_route_list_free(&list);
}

static void test_gaissmai_full(void **state)
{
	(void)state;
	check_file("rib-v4-gaissmai-tier1-2023-02.txt.gz");
}

static void test_pyasn_routeviews(void **state)
{
	(void)state;
	check_file("rib-v4-pyasn-routeviews-20140513.txt.gz");
}

static void test_dpdk_routes(void **state)
{
	(void)state;
	check_file("dpdk-test-lpm-routes.txt");
}

static void test_synthetic_full(void **state)
{
	struct ws_route_list list;

	(void)state;
	ws_route_list_init(&list);
	assert_int_equal(ws_route_gen(900000, 0, 42, &list), 0);
	check_routes(list.v4, list.n_v4);
	ws_route_list_free(&list);
}

int main(void)
{
	rng_state = 12345; /* the seed these tests were written with */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gaissmai_full),
		cmocka_unit_test(test_pyasn_routeviews),
		cmocka_unit_test(test_dpdk_routes),
		cmocka_unit_test(test_synthetic_full),
	};
	return cmocka_run_group_tests_name("lpm4_tables", tests, NULL, NULL);
}
