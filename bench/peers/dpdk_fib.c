/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_fib.c: rte_lpm's side of ws-bench-fib. The timed loops are the
 * fib_loops.h templates with DPDK's inline lookups, exactly as wirespeed's
 * side (fib_ws.c) has wirespeed's, compiled with DPDK's flags. The peer runs
 * its documented fast paths: rte_lpm_lookup for one address,
 * rte_lpm_lookup_bulk with a compile-time batch for many.
 */
#include "peers/dpdk_fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_memory.h>
#include <rte_version.h>

/* rte_lpm names must be unique while they live. */
static unsigned name_seq;

static ws_always_inline uint32_t rte_fib_one(const void *t, uint32_t addr)
{
	uint32_t nh;

	return rte_lpm_lookup(t, addr, &nh) == 0 ? nh : WS_FIB_MISS;
}

static ws_always_inline void rte_fib_bulk(const void *t, const uint32_t *addrs, uint32_t *out, unsigned n)
{
	rte_lpm_lookup_bulk(t, addrs, out, n);
}

/* One instantiation per batch size: rte_lpm_lookup_bulk sizes a local array
 * by n and unrolls best when n is a constant. */
static uint64_t rte_fib_run(const void *t, const uint32_t *addrs, size_t n, unsigned passes, unsigned batch,
			    uint32_t *out)
{
	switch (batch) {
	case 0:
		return ws_bench_fib_single_loop(t, addrs, n, passes, rte_fib_one);
	case 32:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 32, rte_fib_bulk);
	case 64:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 64, rte_fib_bulk);
	case 256:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 256, rte_fib_bulk);
	default:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, batch, rte_fib_bulk);
	}
}

static void rte_fib_lookup_all(const void *t, const uint32_t *addrs, size_t n, unsigned batch, uint32_t *out)
{
	if (!batch) {
		for (size_t i = 0; i < n; i++)
			out[i] = rte_fib_one(t, addrs[i]);
		return;
	}
	for (size_t i = 0; i < n; i += batch)
		rte_lpm_lookup_bulk(t, addrs + i, out + i, (unsigned)(n - i < batch ? n - i : batch));
	/* DPDK's bulk encoding to the common one */
	for (size_t i = 0; i < n; i++)
		out[i] = (out[i] & RTE_LPM_LOOKUP_SUCCESS) ? out[i] & 0x00ffffffu : WS_FIB_MISS;
}

const struct ws_bench_fib_ops ws_bench_fib_rte_lpm = {
	.name = "rte_lpm",
	.run = rte_fib_run,
	.lookup_all = rte_fib_lookup_all,
};

void *ws_bench_rte_lpm_create(uint32_t max_rules, uint32_t number_tbl8s, char *err, size_t errlen)
{
	struct rte_lpm_config cfg = {
		.max_rules = max_rules,
		.number_tbl8s = number_tbl8s,
		.flags = 0,
	};
	char name[32];
	struct rte_lpm *lpm;

	snprintf(name, sizeof(name), "wsb_lpm%u", name_seq++);
	lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
	if (!lpm)
		snprintf(err, errlen, "rte_lpm_create(max_rules %u, number_tbl8s %u): %s", max_rules, number_tbl8s,
			 rte_strerror(rte_errno));
	return lpm;
}

void ws_bench_rte_lpm_free(void *lpm)
{
	rte_lpm_free(lpm);
}

int ws_bench_rte_lpm_add(void *lpm, uint32_t addr, unsigned len, uint32_t nexthop)
{
	return rte_lpm_add(lpm, addr, (uint8_t)len, nexthop);
}

int ws_bench_rte_lpm_delete(void *lpm, uint32_t addr, unsigned len)
{
	return rte_lpm_delete(lpm, addr, (uint8_t)len);
}

size_t ws_bench_rte_lpm_tbl24_bytes(void)
{
	return (size_t)RTE_LPM_TBL24_NUM_ENTRIES * sizeof(struct rte_lpm_tbl_entry);
}

size_t ws_bench_rte_lpm_tbl8_group_bytes(void)
{
	return (size_t)RTE_LPM_TBL8_GROUP_NUM_ENTRIES * sizeof(struct rte_lpm_tbl_entry);
}

uint32_t ws_bench_rte_lpm_tbl8_used(const void *lpm, uint32_t number_tbl8s)
{
	const struct rte_lpm *l = lpm;
	uint32_t used = 0;

	for (uint32_t g = 0; g < number_tbl8s; g++)
		used += l->tbl8[(size_t)g * RTE_LPM_TBL8_GROUP_NUM_ENTRIES].valid_group;
	return used;
}

#define HUGE_2M ((size_t)2 << 20)

/* 2 MiB-aligned memory of a whole number of 2 MiB pages, asked to be
 * backed by huge pages before its first touch. */
static void *alloc_huge(size_t len, size_t *rounded)
{
	void *p;

	*rounded = (len + HUGE_2M - 1) & ~(HUGE_2M - 1);
	p = aligned_alloc(HUGE_2M, *rounded);
	if (p && madvise(p, *rounded, MADV_HUGEPAGE) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void *ws_bench_rte_lpm_thp_copy(const void *lpm, uint32_t number_tbl8s, char *err, size_t errlen)
{
	const struct rte_lpm *src = lpm;
	size_t len24, len8, tbl8_bytes = (size_t)number_tbl8s * ws_bench_rte_lpm_tbl8_group_bytes();
	struct rte_lpm *dst = alloc_huge(sizeof(*dst), &len24);
	void *tbl8 = alloc_huge(tbl8_bytes, &len8);

	if (!dst || !tbl8) {
		snprintf(err, errlen, "cannot allocate %zu MiB marked MADV_HUGEPAGE: %s", (len24 + len8) >> 20,
			 strerror(errno));
		free(dst);
		free(tbl8);
		return NULL;
	}
	memcpy(dst->tbl24, src->tbl24, sizeof(dst->tbl24));
	memcpy(tbl8, src->tbl8, tbl8_bytes);
	dst->tbl8 = tbl8;
	return dst;
}

void ws_bench_rte_lpm_thp_free(void *copy)
{
	struct rte_lpm *l = copy;

	if (l) {
		free(l->tbl8);
		free(l);
	}
}

const char *ws_bench_dpdk_version(void)
{
	return rte_version();
}
