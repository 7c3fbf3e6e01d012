/* SPDX-License-Identifier: BSD-3-Clause */
/* cpu.h helpers, the metadata layout and log levels. The TSC check is a
 * correctness check with a wide tolerance, never a speed assertion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/pkt.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_tsc_calibration_sane(void **state)
{
	(void)state;
	uint64_t hz = ws_tsc_hz();

	assert_true(hz > 100000000ull);    /* > 100 MHz */
	assert_true(hz < 10000000000ull);  /* < 10 GHz */
	assert_int_equal(ws_tsc_hz(), hz); /* cached */
	assert_true(!strcmp(ws_tsc_source(), "cpuid-0x15") || !strcmp(ws_tsc_source(), "measured"));

	/* 100 ms by the clock must be about 100 ms by the TSC. 10% tolerance:
	 * a preempted VM can stretch either reading, not the rate itself. */
	uint64_t t0 = now_ns(), c0 = ws_rdtscp();
	while (now_ns() - t0 < 100000000ull)
		;
	uint64_t c1 = ws_rdtscp(), t1 = now_ns();
	double tsc_ns = ws_tsc_to_ns((double)(c1 - c0));
	double clk_ns = (double)(t1 - t0);
	assert_true(tsc_ns > clk_ns * 0.9 && tsc_ns < clk_ns * 1.1);
}

static void test_tsc_monotonic(void **state)
{
	(void)state;
	uint64_t prev = ws_rdtsc();

	for (int i = 0; i < 100000; i++) {
		uint64_t t = ws_rdtscp();

		assert_true(t >= prev);
		prev = t;
	}
}

static void test_pin(void **state)
{
	(void)state;
	assert_int_equal(ws_cpu_pin(-1), -EINVAL);
	assert_true(ws_cpu_count() >= 1);
	int rc = ws_cpu_pin(0);
	/* CPU 0 may be outside a restricted affinity set; never a crash */
	assert_true(rc == 0 || rc == -EINVAL || rc == -EPERM);
	assert_true(strlen(ws_cpu_model()) > 0);
}

static void test_pkt_layout(void **state)
{
	(void)state;
	alignas(64) uint8_t frame[2048];
	struct ws_pkt *p = (struct ws_pkt *)frame;

	memset(frame, 0x5a, sizeof(frame));
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, 60, 3, 12345);
	assert_int_equal(p->data_off, WS_PKT_HEADROOM);
	assert_int_equal(p->data_len, 60);
	assert_int_equal(p->in_port, 3);
	assert_int_equal(p->rx_tsc, 12345);
	assert_int_equal(p->flags, 0);
	assert_ptr_equal(ws_pkt_data(p), frame + WS_PKT_HEADROOM);
	/* RX init never touches the packet bytes */
	assert_int_equal(frame[WS_PKT_HEADROOM], 0x5a);
	assert_int_equal(sizeof(struct ws_pkt), 64);
}

static void test_log_level(void **state)
{
	(void)state;
	ws_log_set_level(WS_LOG_ERR);
	assert_int_equal(ws_log_get_level(), WS_LOG_ERR);
	ws_log(WS_LOG_INFO, "test", "not printed %d", 1);
	ws_log_set_level(WS_LOG_INFO);
	assert_int_equal(ws_log_get_level(), WS_LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_calibration_sane),
		cmocka_unit_test(test_tsc_monotonic),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pkt_layout),
		cmocka_unit_test(test_log_level),
	};
	return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
