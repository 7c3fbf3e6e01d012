/* SPDX-License-Identifier: BSD-3-Clause */
/* cpu.c: TSC calibration, pinning and CPU identification (control path). */
#include "cpu.h"

#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t tsc_hz_cached;
static const char *tsc_hz_source = "uncalibrated";
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

/* CPUID 0x15 gives TSC = crystal * ebx / eax. Hypervisors often leave it
 * zero, and then the crystal frequency (ecx) may be missing too. */
static uint64_t tsc_hz_from_cpuid(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (__get_cpuid_max(0, NULL) < 0x15)
		return 0;
	__cpuid(0x15, eax, ebx, ecx, edx);
	if (eax == 0 || ebx == 0 || ecx == 0)
		return 0;
	return (uint64_t)ecx * ebx / eax;
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take the best of a few 10 ms windows: a preemption inside one window
 * stretches both clocks' readings differently, the shortest bracket wins. */
static uint64_t tsc_hz_measured(void)
{
	double best = 0;
	uint64_t best_bracket = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t t0a = mono_raw_ns();
		uint64_t c0 = ws_rdtscp();
		uint64_t t0b = mono_raw_ns();
		uint64_t t_end = t0b + 10 * 1000 * 1000;
		uint64_t t1a, c1, t1b;

		do {
			t1a = mono_raw_ns();
		} while (t1a < t_end);
		c1 = ws_rdtscp();
		t1b = mono_raw_ns();

		uint64_t bracket = (t0b - t0a) + (t1b - t1a);
		double ns = (double)((t1a + t1b) / 2 - (t0a + t0b) / 2);
		if (bracket < best_bracket && ns > 0) {
			best_bracket = bracket;
			best = (double)(c1 - c0) * 1e9 / ns;
		}
	}
	return (uint64_t)best;
}

static void tsc_calibrate(void)
{
	uint64_t hz = tsc_hz_from_cpuid();

	if (hz) {
		tsc_hz_source = "cpuid-0x15";
	} else {
		hz = tsc_hz_measured();
		tsc_hz_source = "measured";
	}
	tsc_hz_cached = hz;
}

uint64_t ws_tsc_hz(void)
{
	pthread_once(&tsc_once, tsc_calibrate);
	return tsc_hz_cached;
}

const char *ws_tsc_source(void)
{
	pthread_once(&tsc_once, tsc_calibrate);
	return tsc_hz_source;
}

double ws_tsc_to_ns(double ticks)
{
	return ticks * 1e9 / (double)ws_tsc_hz();
}

int ws_cpu_pin(int cpu)
{
	cpu_set_t set;
	int rc;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return -rc;
}

int ws_cpu_count(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

const char *ws_cpu_model(void)
{
	static char model[128];
	char line[256];
	FILE *f;

	if (model[0])
		return model;
	snprintf(model, sizeof(model), "unknown");
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return model;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (strncmp(line, "model name", 10) != 0)
			continue;
		colon = strchr(line, ':');
		if (!colon)
			break;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(model, sizeof(model), "%s", colon);
		break;
	}
	fclose(f);
	return model;
}
