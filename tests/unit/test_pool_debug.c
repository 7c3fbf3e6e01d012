/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool built with -DWS_POOL_DEBUG=1 catches double puts and foreign
 * addresses, and refuses the offending put. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/pool.h"

static int reports;
static char last_problem[128];

static void record(const struct ws_pool *p, const void *obj, const char *problem)
{
	(void)p;
	(void)obj;
	reports++;
	snprintf(last_problem, sizeof(last_problem), "%s", problem);
}

static int setup(void **state)
{
	struct ws_pool_config cfg = { .nb_frames = 64, .cache_size = 16, .huge = WS_POOL_HUGE_NEVER };

	reports = 0;
	last_problem[0] = '\0';
	ws_pool_set_debug_handler(record);
	*state = ws_pool_create(&cfg);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ws_pool_free(*state);
	ws_pool_set_debug_handler(NULL);
	return 0;
}

static void test_clean_use_reports_nothing(void **state)
{
	struct ws_pool *p = *state;
	struct ws_pkt *a[64];

	for (int round = 0; round < 10; round++) {
		assert_int_equal(ws_pool_get_bulk(p, a, 64), 0);
		ws_pool_put_bulk(p, a, 32);
		ws_pool_put_bulk(p, a + 32, 32);
	}
	assert_int_equal(reports, 0);
}

static void test_double_put_single(void **state)
{
	struct ws_pool *p = *state;
	struct ws_pkt *f = ws_pool_get(p);

	assert_non_null(f);
	ws_pool_put(p, f);
	assert_int_equal(reports, 0);
	ws_pool_put(p, f);
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_problem, "double put"));
	/* the refused put did not add a second copy: exactly 64 frames */
	assert_int_equal(ws_pool_avail(p), 64);
}

static void test_double_put_nocache(void **state)
{
	struct ws_pool *p = *state;
	struct ws_pkt *a[4];

	assert_int_equal(ws_pool_get_bulk_nocache(p, a, 4), 0);
	ws_pool_put_bulk_nocache(p, a, 4);
	ws_pool_put_bulk_nocache(p, a + 2, 1);
	assert_int_equal(reports, 1);
	assert_int_equal(ws_pool_avail(p), 64);
}

static void test_same_frame_twice_in_one_burst(void **state)
{
	struct ws_pool *p = *state;
	struct ws_pkt *a[3];

	assert_int_equal(ws_pool_get_bulk(p, a, 2), 0);
	a[2] = a[0];
	ws_pool_put_bulk(p, a, 3);
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_problem, "twice"));
	/* nothing of the bad burst was put: both frames are still held */
	assert_int_equal(ws_pool_avail(p), 62);
	ws_pool_put_bulk(p, a, 2);
	assert_int_equal(reports, 1);
	assert_int_equal(ws_pool_avail(p), 64);
}

static void test_foreign_address(void **state)
{
	struct ws_pool *p = *state;
	static struct ws_pkt outsider;
	struct ws_pkt *f = ws_pool_get(p);

	ws_pool_put(p, &outsider);
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_problem, "not a frame"));
	/* an address inside the region but not at a frame start */
	ws_pool_put(p, (struct ws_pkt *)((uint8_t *)f + 64));
	assert_int_equal(reports, 2);
	ws_pool_put(p, f);
	assert_int_equal(reports, 2);
	assert_int_equal(ws_pool_avail(p), 64);
}

int main(void)
{
	ws_log_set_level(WS_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_use_reports_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_put_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_put_nocache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_frame_twice_in_one_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_address, setup, teardown),
	};
	return cmocka_run_group_tests_name("pool_debug", tests, NULL, NULL);
}
