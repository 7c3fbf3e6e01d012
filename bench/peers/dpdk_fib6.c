/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_fib6.c: rte_lpm6's side of ws-bench-fib6. The timed loops are the
 * IPv6 fib_loops.h templates with rte_lpm6_lookup for one address and
 * rte_lpm6_lookup_bulk_func for many, compiled with DPDK's flags.
 */
#include "peers/dpdk_fib6.h"

#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_memory.h>

/* rte_lpm6 names must be unique while they live. */
static unsigned name_seq;

static ws_always_inline uint32_t rte_fib6_one(const void *t, const uint8_t *addr)
{
	uint32_t nh;

	return rte_lpm6_lookup(t, addr, &nh) == 0 ? nh : WS_FIB_MISS;
}

static ws_always_inline void rte_fib6_bulk(const void *t, const uint8_t (*addrs)[16], uint32_t *out, unsigned n)
{
	/* DPDK 22.11 takes a non-const address array it does not write; int32_t
	 * and uint32_t may alias */
	rte_lpm6_lookup_bulk_func(t, (uint8_t(*)[RTE_LPM6_IPV6_ADDR_SIZE])(uintptr_t)addrs, (int32_t *)out, n);
}

static uint64_t rte_fib6_run(const void *t, const uint8_t (*addrs)[16], size_t n, unsigned passes, unsigned batch,
			     uint32_t *out)
{
	switch (batch) {
	case 0:
		return ws_bench_fib6_single_loop(t, addrs, n, passes, rte_fib6_one);
	case 32:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 32, rte_fib6_bulk);
	case 64:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 64, rte_fib6_bulk);
	case 256:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 256, rte_fib6_bulk);
	default:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, batch, rte_fib6_bulk);
	}
}

static void rte_fib6_lookup_all(const void *t, const uint8_t (*addrs)[16], size_t n, unsigned batch, uint32_t *out)
{
	if (!batch) {
		for (size_t i = 0; i < n; i++)
			out[i] = rte_fib6_one(t, addrs[i]);
		return;
	}
	for (size_t i = 0; i < n; i += batch)
		rte_fib6_bulk(t, addrs + i, out + i, (unsigned)(n - i < batch ? n - i : batch));
	for (size_t i = 0; i < n; i++)
		if ((int32_t)out[i] == -1)
			out[i] = WS_FIB_MISS;
}

const struct ws_bench_fib6_ops ws_bench_fib_rte_lpm6 = {
	.name = "rte_lpm6",
	.run = rte_fib6_run,
	.lookup_all = rte_fib6_lookup_all,
};

void *ws_bench_rte_lpm6_create(uint32_t max_rules, uint32_t number_tbl8s, char *err, size_t errlen)
{
	struct rte_lpm6_config cfg = {
		.max_rules = max_rules,
		.number_tbl8s = number_tbl8s,
		.flags = 0,
	};
	char name[32];
	struct rte_lpm6 *lpm;

	snprintf(name, sizeof(name), "wsb_lpm6_%u", name_seq++);
	lpm = rte_lpm6_create(name, SOCKET_ID_ANY, &cfg);
	if (!lpm)
		snprintf(err, errlen, "rte_lpm6_create(max_rules %u, number_tbl8s %u): %s", max_rules, number_tbl8s,
			 rte_strerror(rte_errno));
	return lpm;
}

void ws_bench_rte_lpm6_free(void *lpm)
{
	rte_lpm6_free(lpm);
}

int ws_bench_rte_lpm6_add(void *lpm, const uint8_t *addr, unsigned len, uint32_t nexthop)
{
	return rte_lpm6_add(lpm, addr, (uint8_t)len, nexthop);
}

int ws_bench_rte_lpm6_delete(void *lpm, const uint8_t *addr, unsigned len)
{
	return rte_lpm6_delete(lpm, addr, (uint8_t)len);
}

/* rte_lpm6.c's RTE_LPM6_TBL24_NUM_ENTRIES and RTE_LPM6_TBL8_GROUP_NUM_ENTRIES
 * (private to the library), entries of 4 B */
size_t ws_bench_rte_lpm6_tbl24_bytes(void)
{
	return ((size_t)1 << 24) * 4;
}

size_t ws_bench_rte_lpm6_tbl8_group_bytes(void)
{
	return 256 * 4;
}

size_t ws_bench_rte_heap_allocated(void)
{
	size_t total = 0;

	for (unsigned i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}
