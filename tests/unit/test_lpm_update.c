/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental updates of lpm4 and lpm6 (ws_lpm*_update) against the RIB's
 * slow longest match: long random add / replace / delete streams over
 * synthetic full-shape tables with nested prefixes, checked at the changed
 * prefix's boundaries after every update, on random addresses every few
 * hundred updates, and at the end against a structure built from scratch.
 * Plus the edge cases (/0, host routes, deleting a covering prefix, an empty
 * table) and running out of headroom.
 */
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

#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "fib/rib.h"
#include "fib/route_gen.h"
#include "test_rng.h"


/* One family's RIB and compiled structure, behind one interface. */
struct table {
	int family;
	unsigned bits;
	struct ws_rib *rib;
	struct ws_lpm4 *lpm4;
	struct ws_lpm6 *lpm6;
	unsigned rebuilds; /* after -ENOSPC */
	/* the routes present, to pick ones to delete or nest under */
	struct ws_route *cur;
	size_t n, cap;
};

static void table_rebuild(struct table *t)
{
	if (t->family == AF_INET) {
		ws_lpm4_free(t->lpm4);
		t->lpm4 = ws_lpm4_build_rib(t->rib);
		assert_non_null(t->lpm4);
	} else {
		ws_lpm6_free(t->lpm6);
		t->lpm6 = ws_lpm6_build_rib(t->rib);
		assert_non_null(t->lpm6);
	}
}

static int table_update(struct table *t, const uint8_t *addr, unsigned len)
{
	return t->family == AF_INET ? ws_lpm4_update(t->lpm4, t->rib, addr, len)
				    : ws_lpm6_update(t->lpm6, t->rib, addr, len);
}

static void table_reclaim(struct table *t)
{
	if (t->family == AF_INET)
		ws_lpm4_reclaim(t->lpm4);
	else
		ws_lpm6_reclaim(t->lpm6);
}

static uint32_t table_lookup(const struct table *t, const uint8_t *addr)
{
	return t->family == AF_INET ? ws_lpm4_lookup(t->lpm4, ws_fib_v4_from_bytes(addr))
				    : ws_lpm6_lookup(t->lpm6, addr);
}

static uint32_t rib_answer(const struct table *t, const uint8_t *addr)
{
	uint32_t nh;

	return ws_rib_lookup(t->rib, addr, &nh, NULL) ? WS_FIB_MISS : nh;
}

static void check_addr(const struct table *t, const uint8_t *addr)
{
	uint32_t want = rib_answer(t, addr), got = table_lookup(t, addr);

	if (want != got) {
		char buf[64] = "";

		for (unsigned i = 0; i < t->bits / 8; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%02x", addr[i]);
		fail_msg("family %d address %s: lpm %u, rib %u", t->family, buf, got, want);
	}
}

/* addr + delta (delta -1 or +1) over the family's bits; false on wrap. */
static int addr_step(uint8_t *addr, unsigned bits, int delta)
{
	for (int i = (int)bits / 8 - 1; i >= 0; i--) {
		if (delta > 0 ? addr[i]++ != 0xff : addr[i]-- != 0)
			return 1;
	}
	return 0;
}

/* first, last, first - 1, last + 1 of addr/len and one address inside. */
static void check_boundaries(const struct table *t, const uint8_t *prefix, unsigned len)
{
	uint8_t first[16], last[16], a[16];

	memcpy(first, prefix, 16);
	memcpy(last, prefix, 16);
	for (unsigned i = len; i < t->bits; i++)
		last[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	check_addr(t, first);
	check_addr(t, last);
	memcpy(a, first, 16);
	if (addr_step(a, t->bits, -1))
		check_addr(t, a);
	memcpy(a, last, 16);
	if (addr_step(a, t->bits, +1))
		check_addr(t, a);
	memcpy(a, first, 16);
	for (unsigned i = len; i < t->bits; i++)
		if (rnd() & 1)
			a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	check_addr(t, a);
}

static void random_addr(const struct table *t, uint8_t *a)
{
	uint64_t x = rnd(), y = rnd();

	memset(a, 0, 16);
	memcpy(a, &x, 8);
	if (t->bits == 128)
		memcpy(a + 8, &y, 8);
	/* half of them inside a present route, where the structure is deep */
	if (t->n && (y & 1)) {
		const struct ws_route *r = &t->cur[rnd() % t->n];

		for (unsigned i = 0; i < r->len; i++) {
			uint8_t bit = (uint8_t)(0x80u >> (i % 8));

			a[i / 8] = (uint8_t)((a[i / 8] & ~bit) | (r->addr[i / 8] & bit));
		}
	}
}

static void check_random(const struct table *t, unsigned count)
{
	uint8_t a[16];

	for (unsigned i = 0; i < count; i++) {
		random_addr(t, a);
		check_addr(t, a);
	}
}

static void cur_push(struct table *t, const uint8_t *addr, unsigned len, uint32_t nh)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->cur = realloc(t->cur, t->cap * sizeof(*t->cur));
		assert_non_null(t->cur);
	}
	memset(&t->cur[t->n], 0, sizeof(t->cur[t->n]));
	memcpy(t->cur[t->n].addr, addr, 16);
	t->cur[t->n].len = (uint8_t)len;
	t->cur[t->n].nexthop = nh;
	t->n++;
}

static void table_open(struct table *t, int family, unsigned initial, uint64_t seed)
{
	struct ws_route_list list = { 0 };

	memset(t, 0, sizeof(*t));
	t->family = family;
	t->bits = family == AF_INET ? 32 : 128;
	t->rib = ws_rib_create(family);
	assert_non_null(t->rib);
	if (initial) {
		assert_int_equal(ws_route_gen(family == AF_INET ? initial : 0, family == AF_INET ? 0 : initial, seed,
					      &list),
				 0);
		const struct ws_route *r = family == AF_INET ? list.v4 : list.v6;
		size_t n = family == AF_INET ? list.n_v4 : list.n_v6;

		assert_int_equal(ws_rib_replace_bulk(t->rib, r, n), 0);
		for (size_t i = 0; i < n; i++)
			cur_push(t, r[i].addr, r[i].len, r[i].nexthop);
		ws_route_list_free(&list);
	}
	table_rebuild(t);
}

static void table_close(struct table *t)
{
	ws_lpm4_free(t->lpm4);
	ws_lpm6_free(t->lpm6);
	ws_rib_free(t->rib);
	free(t->cur);
}

/* Apply an update to the compiled structure; rebuild on -ENOSPC. */
static void apply(struct table *t, const uint8_t *addr, unsigned len)
{
	int rc = table_update(t, addr, len);

	if (rc == -ENOSPC) {
		t->rebuilds++;
		table_rebuild(t);
		rc = 0;
	}
	assert_int_equal(rc, 0);
}

/* A new prefix: mostly nested around a present one (a few bits shorter or
 * longer), else anywhere; lengths from /0 to host routes. */
static void random_prefix(const struct table *t, uint8_t *addr, unsigned *len)
{
	uint64_t x = rnd(), y = rnd();
	unsigned l;

	memset(addr, 0, 16);
	memcpy(addr, &x, 8);
	if (t->bits == 128)
		memcpy(addr + 8, &y, 8);
	if (t->n && rnd() % 10 < 7) {
		const struct ws_route *r = &t->cur[rnd() % t->n];
		int d = (int)(rnd() % 13) - 4; /* -4 .. +8 */

		l = (unsigned)((int)r->len + d < 0 ? 0 : (int)r->len + d);
		if (l > t->bits)
			l = t->bits;
		for (unsigned i = 0; i < r->len; i++) {
			uint8_t bit = (uint8_t)(0x80u >> (i % 8));

			addr[i / 8] = (uint8_t)((addr[i / 8] & ~bit) | (r->addr[i / 8] & bit));
		}
	} else {
		unsigned pick = (unsigned)(rnd() % 100);

		if (t->bits == 32)
			l = pick < 2 ? (unsigned)(rnd() % 9) : pick < 10 ? 32 : 9 + (unsigned)(rnd() % 16);
		else
			l = pick < 2 ? (unsigned)(rnd() % 17) : pick < 10 ? 128 : 17 + (unsigned)(rnd() % 48);
	}
	ws_fib_mask(addr, l, t->bits / 8);
	*len = l;
}

/* n_ops random operations; checks as described at the top. */
static void churn(struct table *t, unsigned n_ops, unsigned reclaim_every)
{
	uint8_t addr[16];
	unsigned len;

	for (unsigned op = 0; op < n_ops; op++) {
		unsigned what = (unsigned)(rnd() % 100);

		if (what < 45 || !t->n) { /* add (or replace if present) */
			uint32_t nh = (uint32_t)(rnd() % 1000);

			random_prefix(t, addr, &len);
			int rc = ws_rib_replace(t->rib, addr, len, nh);

			assert_true(rc == 0 || rc == 1);
			if (rc == 0)
				cur_push(t, addr, len, nh);
		} else if (what < 55) { /* replace a present route's nexthop */
			struct ws_route *r = &t->cur[rnd() % t->n];

			r->nexthop = (uint32_t)(rnd() % 1000);
			assert_int_equal(ws_rib_replace(t->rib, r->addr, r->len, r->nexthop), 1);
			memcpy(addr, r->addr, 16);
			len = r->len;
		} else { /* delete a present route */
			size_t i = rnd() % t->n;

			memcpy(addr, t->cur[i].addr, 16);
			len = t->cur[i].len;
			assert_int_equal(ws_rib_delete(t->rib, addr, len), 0);
			t->cur[i] = t->cur[--t->n];
		}
		apply(t, addr, len);
		check_boundaries(t, addr, len);
		if ((op + 1) % reclaim_every == 0) {
			table_reclaim(t); /* single-threaded: every lookup has ended */
			check_random(t, 2000);
		}
	}
}

/* Finally: the same answers as a structure compiled from scratch. */
static void check_against_fresh_build(struct table *t)
{
	struct table fresh = *t;
	uint8_t a[16];

	fresh.lpm4 = t->family == AF_INET ? ws_lpm4_build_rib(t->rib) : NULL;
	fresh.lpm6 = t->family == AF_INET6 ? ws_lpm6_build_rib(t->rib) : NULL;
	for (unsigned i = 0; i < 100000; i++) {
		random_addr(t, a);
		assert_int_equal(table_lookup(t, a), table_lookup(&fresh, a));
	}
	for (size_t i = 0; i < t->n; i++)
		check_boundaries(t, t->cur[i].addr, t->cur[i].len);
	ws_lpm4_free(fresh.lpm4);
	ws_lpm6_free(fresh.lpm6);
}

static void test_churn_v4(void **state)
{
	struct table t;

	(void)state;
	rng_state = 4;
	table_open(&t, AF_INET, 20000, 4);
	churn(&t, 30000, 500);
	check_against_fresh_build(&t);
	table_close(&t);
}

static void test_churn_v6(void **state)
{
	struct table t;

	(void)state;
	rng_state = 6;
	table_open(&t, AF_INET6, 8000, 6);
	churn(&t, 20000, 500);
	check_against_fresh_build(&t);
	table_close(&t);
}

/* From an empty table: the stream grows it from nothing, and the small
 * headroom of an empty build runs out and forces rebuilds. */
static void test_churn_from_empty(void **state)
{
	struct table t;

	(void)state;
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		rng_state = 99;
		table_open(&t, family, 0, 0);
		churn(&t, 20000, 1000000); /* never reclaimed */
		assert_true(t.rebuilds > 0);
		check_against_fresh_build(&t);
		table_close(&t);
	}
}

static void v4(uint8_t *a, uint32_t host)
{
	memset(a, 0, 16);
	ws_fib_v4_to_bytes(host, a);
}

/* /0 and /32 on an empty table, a covering prefix deleted under its
 * more-specifics, the last route deleted. */
static void test_edges_v4(void **state)
{
	struct table t;
	uint8_t a[16];

	(void)state;
	table_open(&t, AF_INET, 0, 0);
	v4(a, 0xC6120001); /* 198.18.0.1 */
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);

	v4(a, 0);
	assert_int_equal(ws_rib_add(t.rib, a, 0, 7), 0);
	apply(&t, a, 0);
	v4(a, 0xC6120001);
	assert_int_equal(table_lookup(&t, a), 7);
	v4(a, 0xffffffff);
	assert_int_equal(table_lookup(&t, a), 7);

	v4(a, 0xC6120001);
	assert_int_equal(ws_rib_add(t.rib, a, 32, 9), 0);
	apply(&t, a, 32);
	check_boundaries(&t, a, 32);
	assert_int_equal(table_lookup(&t, a), 9);

	v4(a, 0xC6120000); /* 198.18.0.0/15 over the host route */
	assert_int_equal(ws_rib_add(t.rib, a, 15, 3), 0);
	apply(&t, a, 15);
	v4(a, 0xC6130505);
	assert_int_equal(table_lookup(&t, a), 3);
	v4(a, 0xC6120001);
	assert_int_equal(table_lookup(&t, a), 9);

	v4(a, 0); /* delete the default: the /15 and /32 stay */
	assert_int_equal(ws_rib_delete(t.rib, a, 0), 0);
	apply(&t, a, 0);
	v4(a, 0x7f000001);
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
	v4(a, 0xC6130505);
	assert_int_equal(table_lookup(&t, a), 3);

	v4(a, 0xC6120000); /* delete the covering /15 under the /32 */
	assert_int_equal(ws_rib_delete(t.rib, a, 15), 0);
	apply(&t, a, 15);
	check_boundaries(&t, a, 15);
	v4(a, 0xC6130505);
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
	v4(a, 0xC6120001);
	assert_int_equal(table_lookup(&t, a), 9);

	v4(a, 0xC6120001); /* the last route */
	assert_int_equal(ws_rib_delete(t.rib, a, 32), 0);
	apply(&t, a, 32);
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
	ws_lpm4_reclaim(t.lpm4);
	assert_int_equal(ws_lpm4_retired(t.lpm4), 0);
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
	table_close(&t);
}

static void test_edges_v6(void **state)
{
	struct table t;
	uint8_t a[16] = { 0 }, host[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	table_open(&t, AF_INET6, 0, 0);
	assert_int_equal(ws_rib_add(t.rib, a, 0, 1), 0);
	apply(&t, a, 0);
	assert_int_equal(ws_rib_add(t.rib, host, 128, 2), 0);
	apply(&t, host, 128);
	check_boundaries(&t, host, 128);
	assert_int_equal(table_lookup(&t, host), 2);
	host[15] = 2;
	assert_int_equal(table_lookup(&t, host), 1);
	assert_int_equal(ws_rib_delete(t.rib, a, 0), 0);
	apply(&t, a, 0);
	assert_int_equal(table_lookup(&t, host), WS_FIB_MISS);
	host[15] = 1;
	assert_int_equal(table_lookup(&t, host), 2);
	table_close(&t);
}

/* An update that cannot fit reports -ENOSPC and publishes nothing: the
 * structure answers as before the failed update. */
static void test_enospc_publishes_nothing(void **state)
{
	struct table t;
	uint8_t a[16];
	int rc = 0;
	unsigned i;

	(void)state;
	table_open(&t, AF_INET, 0, 0);
	for (i = 0; i < 200000 && rc == 0; i++) {
		v4(a, 0xC6120000u | (uint32_t)(rnd() & 0x1ffff)); /* host routes in 198.18.0.0/15 */
		if (ws_rib_add(t.rib, a, 32, i % 500) != 0)
			continue;
		rc = ws_lpm4_update(t.lpm4, t.rib, a, 32);
		if (rc == -ENOSPC) {
			/* the RIB has the route, the structure must not */
			assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
			assert_int_equal(ws_rib_delete(t.rib, a, 32), 0);
		}
	}
	assert_int_equal(rc, -ENOSPC);
	check_random(&t, 20000);
	table_close(&t);
}

static void test_bad_arguments(void **state)
{
	struct table t;
	struct ws_rib *rib6 = ws_rib_create(AF_INET6);
	uint8_t a[16] = { 0 };

	(void)state;
	table_open(&t, AF_INET, 0, 0);
	assert_int_equal(ws_lpm4_update(t.lpm4, t.rib, a, 33), -EINVAL);
	assert_int_equal(ws_lpm4_update(t.lpm4, rib6, a, 8), -EINVAL);
	/* a nexthop the 16-bit leaves cannot hold */
	v4(a, 0xC6120000);
	assert_int_equal(ws_rib_add(t.rib, a, 16, WS_FIB_MAX_NEXTHOPS), 0);
	assert_int_equal(ws_lpm4_update(t.lpm4, t.rib, a, 16), -EINVAL);
	assert_int_equal(table_lookup(&t, a), WS_FIB_MISS);
	ws_rib_free(rib6);
	table_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges_v4),
		cmocka_unit_test(test_edges_v6),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_enospc_publishes_nothing),
		cmocka_unit_test(test_churn_v4),
		cmocka_unit_test(test_churn_v6),
		cmocka_unit_test(test_churn_from_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
