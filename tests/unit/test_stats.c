/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker counters: exact sums from concurrent single writers, no two
 * workers on one cache-line pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>

#include "core/stats.h"

enum { C_RX, C_TX, C_DROP, NB_C };
static const char *const names[NB_C] = { "rx", "tx", "drop" };

static void test_bad_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ws_stats_create(names, 0, 1));
	assert_int_equal(errno, EINVAL);
	assert_null(ws_stats_create(names, NB_C, 0));
	assert_null(ws_stats_create(names, NB_C, WS_STATS_MAX_WORKERS + 1));
}

static void test_layout(void **state)
{
	(void)state;
	struct ws_stats *s = ws_stats_create(names, NB_C, 4);

	assert_non_null(s);
	for (uint32_t w = 0; w < 4; w++) {
		uintptr_t b = (uintptr_t)ws_stats_block(s, w);

		assert_int_equal(b % WS_CACHE_LINE_PAIR, 0);
		for (uint32_t c = 0; c < NB_C; c++)
			assert_int_equal(ws_stats_get(s, w, c), 0);
	}
	assert_int_equal(ws_stats_get(s, 9, 0), 0);
	assert_int_equal(ws_stats_get(s, 0, 9), 0);
	ws_stats_free(s);
}

struct worker {
	struct ws_stats *s;
	uint32_t id;
};

#define ROUNDS 1000000u

static void *worker(void *argp)
{
	struct worker *w = argp;
	uint64_t *blk = ws_stats_block(w->s, w->id);

	for (uint32_t i = 0; i < ROUNDS; i++) {
		ws_stats_add(blk, C_RX, 32);
		ws_stats_add(blk, C_TX, 31);
		ws_stats_add(blk, C_DROP, 1);
	}
	return NULL;
}

static void test_concurrent_sum(void **state)
{
	(void)state;
	struct ws_stats *s = ws_stats_create(names, NB_C, 3);
	struct worker w[3];
	pthread_t t[3];

	for (uint32_t i = 0; i < 3; i++) {
		w[i].s = s;
		w[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (uint32_t i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(ws_stats_sum(s, C_RX), 3ull * 32 * ROUNDS);
	assert_int_equal(ws_stats_sum(s, C_TX), 3ull * 31 * ROUNDS);
	assert_int_equal(ws_stats_sum(s, C_DROP), 3ull * ROUNDS);
	assert_int_equal(ws_stats_get(s, 1, C_DROP), ROUNDS);
	ws_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_concurrent_sum),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
