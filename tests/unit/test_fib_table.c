/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FIB under live updates: reader threads look up addresses whose answer
 * must never change (inside "stable" prefixes that nothing more specific is
 * ever added under) while a writer churns routes all around them: covering
 * prefixes, siblings, the same trie nodes, whole-family rebuilds when the
 * headroom runs out. A reader that saw a half-switched subtree, or memory
 * reused before its grace period (reclaimed blocks answer "no route"), gets
 * a wrong answer and the test fails. Then the error paths of the API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/rcu.h"
#include "fib/fib_table.h"
#include "fib/rib.h"
#include "fib/route_gen.h"
#include "test_rng.h"


#define NB_STABLE 64
#define STABLE_NEXTHOP 60000u /* + i; the churn uses nexthops below 1000 */
#define NB_PROBES 1024        /* addresses the readers check, inside stable prefixes */

struct stable {
	uint8_t addr[16];
	unsigned len;
};

struct shared {
	struct ws_fib *fib;
	int family;
	struct stable stable[NB_STABLE];
	uint32_t probe4[NB_PROBES];
	uint8_t probe6[NB_PROBES][16];
	uint32_t want[NB_PROBES];
	volatile bool stop;
	uint64_t loops, wrong;
};

static bool contains(const uint8_t *p, unsigned len, const uint8_t *a)
{
	for (unsigned i = 0; i < len; i++) {
		uint8_t bit = (uint8_t)(0x80u >> (i % 8));

		if ((p[i / 8] ^ a[i / 8]) & bit)
			return false;
	}
	return true;
}

static void *reader(void *arg)
{
	struct shared *s = arg;
	uint32_t got[NB_PROBES];

	ws_rcu_register();
	while (!s->stop) {
		if (s->family == AF_INET) {
			const struct ws_lpm4 *lpm = ws_fib_lpm4(s->fib);

			ws_lpm4_lookup_bulk(lpm, s->probe4, got, NB_PROBES);
			for (unsigned i = 0; i < NB_PROBES; i++)
				s->wrong += (got[i] != s->want[i]) + (ws_lpm4_lookup(lpm, s->probe4[i]) != s->want[i]);
		} else {
			const struct ws_lpm6 *lpm = ws_fib_lpm6(s->fib);

			ws_lpm6_lookup_bulk(lpm, (const uint8_t(*)[16])s->probe6, got, NB_PROBES);
			for (unsigned i = 0; i < NB_PROBES; i++)
				s->wrong += (got[i] != s->want[i]) + (ws_lpm6_lookup(lpm, s->probe6[i]) != s->want[i]);
		}
		__atomic_store_n(&s->loops, s->loops + 1, __ATOMIC_RELAXED);
		ws_rcu_quiescent();
	}
	ws_rcu_unregister();
	return NULL;
}

/* A churn prefix near the stable ones: a covering prefix, a sibling, or
 * anything in the same /16 (v4) or /32 (v6); never one inside a stable
 * prefix (that would legitimately change the stable answers). */
static bool churn_prefix(const struct shared *s, unsigned bits, uint8_t *addr, unsigned *len)
{
	const struct stable *st = &s->stable[rnd() % NB_STABLE];
	uint64_t x = rnd(), y = rnd();
	unsigned near = bits == 32 ? 16 : 32;

	memcpy(addr, &x, 8);
	memcpy(addr + 8, &y, 8);
	for (unsigned i = 0; i < near; i++) {
		uint8_t bit = (uint8_t)(0x80u >> (i % 8));

		addr[i / 8] = (uint8_t)((addr[i / 8] & ~bit) | (st->addr[i / 8] & bit));
	}
	if (rnd() % 256 == 0) {
		*len = (unsigned)(rnd() % (st->len + 1)); /* covering, up to /0 */
	} else if (rnd() % 8 == 0) {
		*len = st->len - 1 - (unsigned)(rnd() % 12); /* covering, up to 12 bits shorter */
	} else {
		*len = near + (unsigned)(rnd() % (bits - near + 1));
	}
	if (bits == 32)
		memset(addr + 4, 0, 12);
	ws_fib_mask(addr, *len, bits / 8);
	for (unsigned i = 0; i < NB_STABLE; i++) {
		if (*len == s->stable[i].len && contains(s->stable[i].addr, *len, addr))
			return false; /* a stable prefix itself */
		if (*len > s->stable[i].len && contains(s->stable[i].addr, s->stable[i].len, addr))
			return false; /* inside one */
	}
	return true;
}

/* Routes met by a RIB range walk. */
struct inside {
	struct ws_route *r;
	size_t n;
};

static int collect_inside(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg)
{
	struct inside *in = arg;

	in->r = realloc(in->r, (in->n + 1) * sizeof(*in->r));
	if (!in->r)
		return -ENOMEM;
	memcpy(in->r[in->n].addr, addr, 16);
	in->r[in->n].len = (uint8_t)len;
	in->r[in->n].nexthop = nexthop;
	in->n++;
	return 0;
}

static void run_concurrent(int family, unsigned initial, unsigned n_ops)
{
	struct shared s = { .family = family };
	unsigned bits = family == AF_INET ? 32 : 128;
	struct ws_route_list list = { 0 };
	pthread_t th;
	struct ws_fib_stats st;

	s.fib = ws_fib_create();
	assert_non_null(s.fib);
	if (initial) {
		assert_int_equal(ws_route_gen(family == AF_INET ? initial : 0, family == AF_INET ? 0 : initial, 11, &list), 0);
		assert_int_equal(ws_fib_load(s.fib, family, family == AF_INET ? list.v4 : list.v6,
					     family == AF_INET ? list.n_v4 : list.n_v6),
				 0);
		ws_route_list_free(&list);
	}
	/* stable prefixes: /20../28 (v4) or /40../64 (v6) in 198.18.0.0/15 and
	 * 2001:db8::/32, replacing whatever the table had there */
	for (unsigned i = 0; i < NB_STABLE; i++) {
		struct stable *p = &s.stable[i];
		uint64_t x = rnd();

		memset(p->addr, 0, 16);
		if (family == AF_INET) {
			ws_fib_v4_to_bytes(0xC6120000u | (uint32_t)(x & 0x1ffff), p->addr);
			p->len = 20 + (unsigned)(rnd() % 9);
		} else {
			static const uint8_t doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };

			memcpy(p->addr, doc, 4);
			memcpy(p->addr + 4, &x, 8);
			p->len = 40 + (unsigned)(rnd() % 25);
		}
		ws_fib_mask(p->addr, p->len, bits / 8);
	}
	/* drop stable prefixes inside an earlier one, then delete what the
	 * table has inside each, and add them */
	for (unsigned i = 0; i < NB_STABLE; i++)
		for (unsigned j = 0; j < i; j++)
			if (s.stable[j].len <= s.stable[i].len &&
			    contains(s.stable[j].addr, s.stable[j].len, s.stable[i].addr))
				s.stable[i] = s.stable[j];
	for (unsigned i = 0; i < NB_STABLE; i++) {
		int rc = ws_fib_route_replace(s.fib, family, s.stable[i].addr, s.stable[i].len, STABLE_NEXTHOP + i);

		assert_true(rc == 0 || rc == 1);
	}
	for (unsigned i = 0; i < NB_STABLE; i++) {
		struct ws_rib *rib = family == AF_INET ? s.fib->rib4 : s.fib->rib6;
		struct inside in = { 0 };

		assert_int_equal(ws_rib_walk_range(rib, s.stable[i].addr, s.stable[i].len, collect_inside, &in), 0);
		for (size_t k = 0; k < in.n; k++)
			if (in.r[k].len > s.stable[i].len)
				assert_int_equal(ws_fib_route_delete(s.fib, family, in.r[k].addr, in.r[k].len), 0);
		free(in.r);
	}
	for (unsigned i = 0; i < NB_PROBES; i++) {
		unsigned k = i % NB_STABLE;
		uint8_t a[16];
		uint32_t nh;
		unsigned len;

		memcpy(a, s.stable[k].addr, 16);
		for (unsigned b = s.stable[k].len; b < bits; b++)
			if (rnd() & 1)
				a[b / 8] |= (uint8_t)(0x80u >> (b % 8));
		s.probe4[i] = ws_fib_v4_from_bytes(a);
		memcpy(s.probe6[i], a, 16);
		/* what the stable prefix (or a stable one nested in it) answers */
		assert_int_equal(ws_rib_lookup(family == AF_INET ? s.fib->rib4 : s.fib->rib6, a, &nh, &len), 0);
		assert_true(nh >= STABLE_NEXTHOP);
		s.want[i] = nh;
	}

	assert_int_equal(pthread_create(&th, NULL, reader, &s), 0);
	for (unsigned op = 0; op < n_ops; op++) {
		uint8_t a[16];
		unsigned len;

		if (!churn_prefix(&s, bits, a, &len))
			continue;
		if (rnd() % 2) {
			int rc = ws_fib_route_replace(s.fib, family, a, len, (uint32_t)(rnd() % 1000));

			assert_true(rc == 0 || rc == 1);
		} else {
			int rc = ws_fib_route_delete(s.fib, family, a, len);

			assert_true(rc == 0 || rc == -ENOENT);
		}
		if (op % 4096 == 0)
			ws_fib_sync(s.fib);
	}
	/* let the reader finish a few loops over the final table */
	uint64_t seen = __atomic_load_n(&s.loops, __ATOMIC_RELAXED);

	while (__atomic_load_n(&s.loops, __ATOMIC_RELAXED) < seen + 3)
		;
	s.stop = true;
	pthread_join(th, NULL);
	ws_fib_get_stats(s.fib, &st);
	assert_true(s.loops > 3);
	assert_true(st.grace_periods > 0);
	if (s.wrong)
		fail_msg("family %d: %llu wrong answers in %llu reader loops", family, (unsigned long long)s.wrong,
			 (unsigned long long)s.loops);
	ws_fib_free(s.fib);
}

static void test_concurrent_v4(void **state)
{
	(void)state;
	rng_state = 41;
	run_concurrent(AF_INET, 20000, 30000);
}

static void test_concurrent_v6(void **state)
{
	(void)state;
	rng_state = 61;
	run_concurrent(AF_INET6, 8000, 20000);
}

/* From an empty FIB the headroom is small: the churn forces rebuilds,
 * which readers must survive as well. */
static void test_concurrent_rebuilds(void **state)
{
	(void)state;
	rng_state = 7;
	run_concurrent(AF_INET, 0, 30000);
}

static void test_api_errors(void **state)
{
	struct ws_fib *fib = ws_fib_create();
	uint8_t a[16] = { 0 };
	uint32_t nh;
	struct ws_route r = { .len = 15, .nexthop = WS_FIB_MAX_NEXTHOPS };
	struct ws_fib_stats st;

	(void)state;
	assert_non_null(fib);
	ws_fib_v4_to_bytes(0xC6120000, a);
	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 15, WS_FIB_MAX_NEXTHOPS), -EINVAL);
	assert_int_equal(ws_fib_route_replace(fib, AF_UNIX, a, 15, 1), -EINVAL);
	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 33, 1), -EINVAL);
	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 8, 1), -EINVAL); /* host bits */
	assert_int_equal(ws_fib_route_delete(fib, AF_INET, a, 15), -ENOENT);
	assert_int_equal(ws_fib_route_get(fib, AF_INET, a, 15, &nh), -ENOENT);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6120001), WS_FIB_MISS);

	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 15, 5), 0);
	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 15, 5), 1);
	assert_int_equal(ws_fib_route_replace(fib, AF_INET, a, 15, 6), 1);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6120001), 6);
	assert_int_equal(ws_fib_route_get(fib, AF_INET, a, 15, &nh), 0);
	assert_int_equal(nh, 6);

	/* a load with a bad route changes nothing */
	memcpy(r.addr, a, 16);
	assert_int_equal(ws_fib_load(fib, AF_INET, &r, 1), -EINVAL);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6120001), 6);
	/* a good one replaces the family's whole table */
	r.nexthop = 9;
	r.len = 16;
	assert_int_equal(ws_fib_load(fib, AF_INET, &r, 1), 0);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6120001), 9);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6130001), WS_FIB_MISS);
	assert_int_equal(ws_fib_route_delete(fib, AF_INET, a, 16), 0);
	assert_int_equal(ws_lpm4_lookup(ws_fib_lpm4(fib), 0xC6120001), WS_FIB_MISS);

	ws_fib_sync(fib); /* no reader registered: returns at once */
	ws_fib_get_stats(fib, &st);
	assert_int_equal(st.routes4, 0);
	assert_int_equal(st.rebuilds, 1);
	assert_true(st.grace_periods >= 2);
	ws_fib_free(fib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_concurrent_v4),
		cmocka_unit_test(test_concurrent_v6),
		cmocka_unit_test(test_concurrent_rebuilds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
