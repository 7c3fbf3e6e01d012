/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for src/core/pool.[ch]: exhaustion, all-or-nothing bulk, index
 * and address conversions, thread caches flushed when a thread ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pool.h"

static struct ws_pool *make_pool(uint32_t frames, uint32_t cache)
{
	struct ws_pool_config cfg = { .nb_frames = frames, .cache_size = cache, .huge = WS_POOL_HUGE_NEVER };
	struct ws_pool *p = ws_pool_create(&cfg);

	assert_non_null(p);
	return p;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static void assert_all_distinct_frames(struct ws_pool *p, struct ws_pkt **pkts, uint32_t n)
{
	struct ws_pkt **copy = malloc(n * sizeof(*copy));

	memcpy(copy, pkts, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), cmp_ptr);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(ws_pool_frame_index(p, copy[i]) < p->nb_frames);
		assert_ptr_equal(ws_pool_frame(p, ws_pool_frame_index(p, copy[i])), copy[i]);
		if (i)
			assert_true(copy[i] != copy[i - 1]);
	}
	free(copy);
}

static void test_bad_config(void **state)
{
	struct ws_pool_config cfg = { .nb_frames = 0 };

	(void)state;
	errno = 0;
	assert_null(ws_pool_create(&cfg));
	assert_int_equal(errno, EINVAL);
	cfg.nb_frames = 16;
	cfg.frame_size = 3000; /* not a power of two */
	assert_null(ws_pool_create(&cfg));
	cfg.frame_size = 128; /* below the metadata + headroom minimum */
	assert_null(ws_pool_create(&cfg));
	cfg.frame_size = 2048;
	cfg.cache_size = WS_POOL_CACHE_MAX_SIZE + 1;
	assert_null(ws_pool_create(&cfg));
}

static void test_layout(void **state)
{
	struct ws_pool *p = make_pool(100, 0);

	(void)state;
	assert_int_equal(p->frame_size, WS_POOL_FRAME_SIZE_DEFAULT);
	assert_true(p->region_size >= 100u * 2048u);
	assert_int_equal((uintptr_t)p->region % WS_CACHE_LINE, 0);
	for (uint32_t i = 0; i < 100; i++) {
		struct ws_pkt *f = ws_pool_frame(p, i);

		assert_int_equal(ws_pool_frame_index(p, f), i);
		assert_int_equal(ws_pool_frame_offset(p, f), (uint64_t)i * (2048 + WS_POOL_FRAME_PAD));
		/* any address inside the frame names it too */
		assert_int_equal(ws_pool_frame_index(p, (const struct ws_pkt *)((const uint8_t *)f + 2047)), i);
		assert_int_equal((uintptr_t)f % WS_CACHE_LINE, 0);
	}
	assert_string_equal(ws_pool_mem_name(p->mem), "4k");
	ws_pool_free(p);
}

static void check_exhaustion(uint32_t cache)
{
	const uint32_t n = 1000;
	struct ws_pool *p = make_pool(n, cache);
	struct ws_pkt **got = calloc(n + 1, sizeof(*got));

	/* single gets until empty: exactly n, all distinct */
	for (uint32_t i = 0; i < n; i++) {
		got[i] = ws_pool_get(p);
		assert_non_null(got[i]);
	}
	assert_null(ws_pool_get(p));
	assert_int_equal(ws_pool_avail(p), 0);
	assert_all_distinct_frames(p, got, n);

	ws_pool_put_bulk(p, got, n < 300 ? n : 300);
	ws_pool_put_bulk(p, got + 300, n - 300);
	assert_int_equal(ws_pool_avail(p), n);

	/* bulk gets of 32 until empty: 31 bursts succeed, the 32nd (8 left) fails */
	uint32_t taken = 0;
	while (ws_pool_get_bulk(p, got + taken, 32) == 0)
		taken += 32;
	assert_int_equal(taken, 992);
	assert_int_equal(ws_pool_avail(p), 8);
	assert_int_equal(ws_pool_get_bulk(p, got + taken, 8), 0);
	taken += 8;
	assert_all_distinct_frames(p, got, taken);
	ws_pool_put_bulk(p, got, taken);
	assert_int_equal(ws_pool_avail(p), n);
	free(got);
	ws_pool_free(p);
}

static void test_exhaustion_nocache(void **state) { (void)state; check_exhaustion(0); }
static void test_exhaustion_cache(void **state) { (void)state; check_exhaustion(64); }

static void check_bulk_all_or_nothing(uint32_t cache)
{
	struct ws_pool *p = make_pool(50, cache);
	struct ws_pkt *a[64];

	assert_int_equal(ws_pool_get_bulk(p, a, 40), 0);
	assert_int_equal(ws_pool_avail(p), 10);
	/* 10 left: a request for 11 fails and takes nothing */
	assert_int_equal(ws_pool_get_bulk(p, a + 40, 11), -ENOBUFS);
	assert_int_equal(ws_pool_avail(p), 10);
	assert_int_equal(ws_pool_get_bulk_nocache(p, a + 40, 11), -ENOBUFS);
	assert_int_equal(ws_pool_avail(p), 10);
	assert_int_equal(ws_pool_get_bulk(p, a + 40, 10), 0);
	assert_int_equal(ws_pool_avail(p), 0);
	assert_all_distinct_frames(p, a, 50);
	ws_pool_put_bulk(p, a, 50);
	assert_int_equal(ws_pool_avail(p), 50);
	ws_pool_free(p);
}

static void test_bulk_nocache(void **state) { (void)state; check_bulk_all_or_nothing(0); }
static void test_bulk_cache(void **state) { (void)state; check_bulk_all_or_nothing(16); }

/* Requests larger than the cache go straight to the ring and still work. */
static void test_burst_larger_than_cache(void **state)
{
	struct ws_pool *p = make_pool(256, 8);
	struct ws_pkt *a[256];

	(void)state;
	assert_int_equal(ws_pool_get_bulk(p, a, 100), 0);
	assert_int_equal(ws_pool_get_bulk(p, a + 100, 156), 0);
	assert_all_distinct_frames(p, a, 256);
	ws_pool_put_bulk(p, a, 256);
	assert_int_equal(ws_pool_avail(p), 256);
	ws_pool_free(p);
}

/* The cache is a LIFO: the frames put last come back first, most recent
 * first, for every burst size the copy loops special-case. */
static void test_cache_is_lifo(void **state)
{
	struct ws_pool *p = make_pool(64, 32);
	struct ws_pkt *a[16], *b[16];

	(void)state;
	for (uint32_t n = 1; n <= 16; n++) {
		assert_int_equal(ws_pool_get_bulk(p, a, n), 0);
		ws_pool_put_bulk(p, a, n);
		assert_int_equal(ws_pool_get_bulk(p, b, n), 0);
		for (uint32_t i = 0; i < n; i++)
			assert_ptr_equal(b[i], a[n - 1 - i]);
		ws_pool_put_bulk(p, b, n);
	}
	ws_pool_free(p);
}

struct thread_arg {
	struct ws_pool *p;
	uint32_t take;
	int ok;
};

/* Takes frames and puts them back: they end in this thread's cache. */
static void *cache_user(void *argp)
{
	struct thread_arg *a = argp;
	struct ws_pkt *pk[64];

	a->ok = ws_pool_get_bulk(a->p, pk, a->take) == 0;
	ws_pool_put_bulk(a->p, pk, a->take);
	return NULL;
}

static void test_cache_flushed_at_thread_end(void **state)
{
	const uint32_t n = 512;
	struct ws_pool *p = make_pool(n, 128);
	struct thread_arg arg = { .p = p, .take = 32 };
	struct ws_pkt **all = calloc(n, sizeof(*all));
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, cache_user, &arg), 0);
	pthread_join(t, NULL);
	assert_true(arg.ok);
	/* the dead thread's cache was flushed: this thread gets every frame
	 * through the ring alone */
	assert_int_equal(ws_pool_get_bulk_nocache(p, all, n), 0);
	assert_all_distinct_frames(p, all, n);
	ws_pool_put_bulk_nocache(p, all, n);
	free(all);
	ws_pool_free(p);
}

static void test_explicit_cache_flush(void **state)
{
	struct ws_pool *p = make_pool(300, 64);
	struct ws_pkt *a[32];

	(void)state;
	assert_int_equal(ws_pool_get_bulk(p, a, 32), 0);
	ws_pool_put_bulk(p, a, 32);
	assert_true(ws_ring_count(p->ring) < 300); /* some sit in the cache */
	ws_pool_cache_flush(p);
	assert_int_equal(ws_ring_count(p->ring), 300);
	ws_pool_free(p);
}

#define STRESS_ROUNDS 50000

struct stress_arg {
	struct ws_pool *p;
	uint32_t id;
	int errors;
};

/* Two threads get and put bursts concurrently and stamp each frame they hold
 * with their id: if a frame were handed to both, a stamp would change under
 * its holder. */
static void *stress_thread(void *argp)
{
	struct stress_arg *a = argp;
	struct ws_pkt *pk[32];
	uint32_t me = a->id;

	for (unsigned r = 0; r < STRESS_ROUNDS; r++) {
		uint32_t n = 1 + r % 32;

		if (ws_pool_get_bulk(a->p, pk, n) != 0)
			continue;
		for (uint32_t i = 0; i < n; i++)
			pk[i]->seq = me;
		for (uint32_t i = 0; i < n; i++)
			if (pk[i]->seq != me)
				a->errors++;
		ws_pool_put_bulk(a->p, pk, n);
	}
	ws_pool_cache_flush(a->p);
	return NULL;
}

static void test_two_thread_stress(void **state)
{
	struct ws_pool *p = make_pool(96, 32); /* scarce: forces ring traffic */
	struct stress_arg a[2] = { { .p = p, .id = 1 }, { .p = p, .id = 2 } };
	pthread_t t[2];

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stress_thread, &a[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(a[0].errors + a[1].errors, 0);
	assert_int_equal(ws_pool_avail(p), 96);
	ws_pool_free(p);
}

static void test_huge_auto_falls_back(void **state)
{
	struct ws_pool_config cfg = { .nb_frames = 1024, .cache_size = 32, .huge = WS_POOL_HUGE_AUTO };
	struct ws_pool *p = ws_pool_create(&cfg);

	(void)state;
	/* whichever memory this machine gives, the pool works and says which */
	assert_non_null(p);
	assert_true(p->mem == WS_POOL_MEM_HUGETLB || p->mem == WS_POOL_MEM_THP || p->mem == WS_POOL_MEM_NORMAL);
	if (p->mem != WS_POOL_MEM_NORMAL)
		assert_int_equal((uintptr_t)p->region % (2u << 20), 0);
	struct ws_pkt *f = ws_pool_get(p);
	assert_non_null(f);
	memset(f, 0xab, 2048);
	ws_pool_put(p, f);
	ws_pool_free(p);
}

int main(void)
{
	ws_log_set_level(WS_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_exhaustion_nocache),
		cmocka_unit_test(test_exhaustion_cache),
		cmocka_unit_test(test_bulk_nocache),
		cmocka_unit_test(test_bulk_cache),
		cmocka_unit_test(test_burst_larger_than_cache),
		cmocka_unit_test(test_cache_is_lifo),
		cmocka_unit_test(test_cache_flushed_at_thread_end),
		cmocka_unit_test(test_explicit_cache_flush),
		cmocka_unit_test(test_two_thread_stress),
		cmocka_unit_test(test_huge_auto_falls_back),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
