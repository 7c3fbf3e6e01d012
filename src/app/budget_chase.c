/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget_chase.c: load latency for `wirespeed budget`, by pointer chasing
 * over one random cycle (lmbench's lat_mem_rd, made prefetch-proof): the
 * named l1/l2/l3/dram_load metrics and the load_latency sweep.
 */
#include "app/budget.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "core/cpu.h"
#include "core/rng.h"

#define KIB ((size_t)1024)
#define MIB (1024 * KIB)
#define HUGE_2M (2 * MIB)

#define REP4(x) x x x x
#define REP16(x) REP4(x) REP4(x) REP4(x) REP4(x)

/* ---- load latency: pointer chasing over one random cycle ---------------- */

/*
 * One buffer serves every working set: line i holds a pointer to the next
 * line of a single random cycle through lines [0, wss/64). One pointer per
 * 64-byte line and a random order mean every load is a dependent miss at its
 * level with nothing for a stride or stream prefetcher to predict. The
 * buffer is asked for transparent huge pages so that, at DRAM sizes, the
 * figure is mostly the memory latency and not page walks; the share of the
 * buffer the kernel actually backed with 2 MiB pages is reported.
 */
static struct {
	uint8_t *map;     /* as mmap returned it */
	size_t map_len;
	uint8_t *base;    /* first 2 MiB boundary in the mapping */
	size_t cap;       /* usable bytes from base */
	size_t wss;       /* set the current cycle covers, 0 = none built */
	void **cur;       /* where the chase continues */
	int madv_err;     /* 0 when madvise(MADV_HUGEPAGE) was accepted */
} chase;

/* splitmix64 (core/rng.h): good enough to shuffle. The fixed seed makes
 * every invocation build the same cycles, so runs compare like with like. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	return ws_splitmix64(&rng_state);
}

/* Uniform in [0, bound) by multiply-high (no modulo bias worth the name). */
static uint64_t rng_below(uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)rng_next() * bound) >> 64);
}

static int chase_reserve(size_t wss)
{
	size_t cap = (wss + HUGE_2M - 1) & ~(HUGE_2M - 1);
	size_t len = cap + HUGE_2M; /* room to start on a 2 MiB boundary */
	void *m;

	if (chase.cap >= wss)
		return 0;
	if (chase.map)
		munmap(chase.map, chase.map_len);
	chase.map = NULL;
	chase.cap = 0;
	chase.wss = 0;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	chase.map = m;
	chase.map_len = len;
	chase.base = (uint8_t *)(((uintptr_t)m + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	chase.cap = cap;
	chase.madv_err = madvise(chase.base, cap, MADV_HUGEPAGE) == 0 ? 0 : errno;
	return 0;
}

/* Build a single random cycle over wss bytes with Sattolo's algorithm: it
 * shuffles the identity into a uniformly random cyclic permutation, so the
 * chase visits every line once per lap, never a short loop. Done in place in
 * the buffer, no index array. */
static void chase_build(size_t wss)
{
	size_t n = wss / WS_CACHE_LINE, i;

	for (i = 0; i < n; i++)
		*(void **)(chase.base + i * WS_CACHE_LINE) = chase.base + i * WS_CACHE_LINE;
	for (i = n - 1; i > 0; i--) {
		void **a = (void **)(chase.base + i * WS_CACHE_LINE);
		void **b = (void **)(chase.base + rng_below(i) * WS_CACHE_LINE);
		void *t = *a;

		*a = *b;
		*b = t;
	}
	chase.wss = wss;
	chase.cur = (void **)chase.base;
}

static void chase_run(void *arg, uint64_t n)
{
	void **p = chase.cur;

	(void)arg;
	for (uint64_t i = 0; i < n; i += 16) {
		REP16(p = (void **)*p;)
	}
	chase.cur = p; /* the result is used: the loads cannot be dropped */
}

/* Percentage of the buffer's resident memory in transparent huge pages, from
 * /proc/self/smaps; -1 when it cannot be read. */
static double chase_thp_pct(void)
{
	char line[256];
	unsigned long start, end, rss = 0, anon_huge = 0;
	bool in_vma = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in_vma)
				break;
			in_vma = start <= (uintptr_t)chase.base && (uintptr_t)chase.base < end;
		} else if (in_vma) {
			sscanf(line, "Rss: %lu kB", &rss);
			sscanf(line, "AnonHugePages: %lu kB", &anon_huge);
		}
	}
	fclose(f);
	return rss ? 100.0 * (double)anon_huge / (double)rss : -1;
}

static int load_one(const struct ws_budget *b, const char *metric, size_t wss)
{
	struct ws_budget_result res;
	char desc[96], extra[160], size[32], pages[48];
	double thp;
	int rc = chase_reserve(wss);

	if (rc)
		return ws_budget_fail(metric, "cannot map the chase buffer", -rc);
	if (chase.wss != wss)
		chase_build(wss);
	ws_budget_measure(b, chase_run, NULL, &res);
	thp = chase_thp_pct();
	if (chase.madv_err)
		snprintf(pages, sizeof(pages), "no THP (madvise: %s)", strerror(chase.madv_err));
	else if (thp < 0)
		snprintf(pages, sizeof(pages), "THP asked");
	else
		snprintf(pages, sizeof(pages), "THP %.0f%%", thp);
	snprintf(desc, sizeof(desc), "dependent load, %s set, %s",
		 ws_budget_size_str(wss, size, sizeof(size)), pages);
	snprintf(extra, sizeof(extra), ",\"wss_bytes\":%zu,\"madv_hugepage\":%s,\"thp_pct\":%.1f",
		 wss, chase.madv_err ? "false" : "true", thp);
	ws_budget_emit(b, metric, desc, &res, extra);
	return 0;
}

int ws_budget_probe_load(const struct ws_budget *b, const char *metric)
{
	size_t wss = 16 * KIB;

	if (!strcmp(metric, "l2_load"))
		wss = b->l2_wss;
	else if (!strcmp(metric, "l3_load"))
		wss = b->l3_wss;
	else if (!strcmp(metric, "dram_load"))
		wss = b->dram_wss;
	return load_one(b, metric, wss);
}

/* lmbench's lat_mem_rd curve: 16 KiB up to the largest set. */
int ws_budget_probe_sweep(const struct ws_budget *b, const char *metric)
{
	for (size_t wss = 16 * KIB; wss <= b->sweep_max; wss *= b->sweep_step) {
		int rc = load_one(b, metric, wss);

		if (rc)
			return rc;
	}
	return 0;
}

void ws_budget_chase_release(void)
{
	if (chase.map)
		munmap(chase.map, chase.map_len);
	memset(&chase, 0, sizeof(chase));
}
