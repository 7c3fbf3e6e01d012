/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib_loops.h: the timed loops of ws-bench-fib (fib_vs_dpdk.c), written once
 * as always-inline templates and instantiated with wirespeed's lookups
 * (fib_ws.c, the project's compile flags) and with rte_lpm's
 * (peers/dpdk_fib.c, DPDK's compile flags); the IPv6 copies below serve
 * ws-bench-fib6 (lpm6 against rte_lpm6), so that the two sides run the
 * same loop and differ only in the library call. Benchmarks only.
 *
 * What one "op" is in every figure: one address looked up, i.e. a bulk call
 * of B addresses counts B ops.
 */
#ifndef WS_BENCH_FIB_LOOPS_H
#define WS_BENCH_FIB_LOOPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "fib/fib.h"

/* Largest bulk batch the benchmark uses (the out buffer's size). */
#define WS_BENCH_FIB_MAX_BATCH 256u

/* One lookup: the nexthop, or WS_FIB_MISS. */
typedef uint32_t (*ws_bench_fib_one_fn)(const void *table, uint32_t addr);
/* A bulk call: out[i] for addrs[i], i < n, in the implementation's own
 * result encoding (rte_lpm sets a "found" flag bit; see dpdk_fib.h). */
typedef void (*ws_bench_fib_bulk_fn)(const void *table, const uint32_t *addrs, uint32_t *out, unsigned n);

/*
 * Single lookups over addrs[0..n), `passes` times. The results are summed
 * so that none of the lookups is dead code; the lookups of consecutive
 * addresses are independent, so the core may overlap their misses, as it
 * may in a forwarding loop (DPDK's lpm_perf_autotest times the same loop).
 */
static ws_always_inline uint64_t ws_bench_fib_single_loop(const void *table, const uint32_t *addrs, size_t n,
							   unsigned passes, ws_bench_fib_one_fn one)
{
	uint64_t sum = 0;

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < n; i++)
			sum += one(table, addrs[i]);
	return sum;
}

/*
 * Bulk lookups over addrs[0..n) in batches of `batch` (n a multiple of it),
 * `passes` times, each batch's results into the same caller-owned out
 * buffer, as a forwarder reuses its per-burst array. `batch` is a constant
 * in every instantiation (rte_lpm_lookup_bulk asks for one). The barrier
 * after each call tells the compiler that the stores to out are read, so no
 * batch's lookups can be dropped as overwritten by the next.
 */
static ws_always_inline uint64_t ws_bench_fib_bulk_loop(const void *table, const uint32_t *addrs, size_t n,
							 unsigned passes, uint32_t *out, unsigned batch,
							 ws_bench_fib_bulk_fn bulk)
{
	uint64_t sum = 0;

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i + batch <= n; i += batch) {
			bulk(table, addrs + i, out, batch);
			__asm__ volatile("" : : "r"(out) : "memory");
		}
	/* one result read back, so the caller has something to check */
	sum += out[0];
	return sum;
}

/*
 * One implementation's side of every shape. `batch` is 0 for single
 * lookups, else 32, 64 or 256. `lookup_all` (verification, not timed)
 * writes ids in the common encoding: the nexthop or WS_FIB_MISS.
 */
struct ws_bench_fib_ops {
	const char *name; /* "wirespeed", "rte_lpm" */
	/* timed: returns a checksum of the results */
	uint64_t (*run)(const void *table, const uint32_t *addrs, size_t n, unsigned passes, unsigned batch,
			uint32_t *out);
	/* untimed: every address with the shape's call (batch 0 = single), results mapped */
	void (*lookup_all)(const void *table, const uint32_t *addrs, size_t n, unsigned batch, uint32_t *out);
};

/* wirespeed's side: table is a struct ws_lpm4 *. */
extern const struct ws_bench_fib_ops ws_bench_fib_lpm4;

/* ---- IPv6 (ws-bench-fib6): the same loops over 16-byte addresses ---- */

/* One lookup: the nexthop, or WS_FIB_MISS. */
typedef uint32_t (*ws_bench_fib6_one_fn)(const void *table, const uint8_t *addr);
/* A bulk call, results in the implementation's own encoding (rte_lpm6: an
 * int32_t, -1 for a miss). */
typedef void (*ws_bench_fib6_bulk_fn)(const void *table, const uint8_t (*addrs)[16], uint32_t *out, unsigned n);

/* As ws_bench_fib_single_loop. */
static ws_always_inline uint64_t ws_bench_fib6_single_loop(const void *table, const uint8_t (*addrs)[16],
							    size_t n, unsigned passes, ws_bench_fib6_one_fn one)
{
	uint64_t sum = 0;

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < n; i++)
			sum += one(table, addrs[i]);
	return sum;
}

/* As ws_bench_fib_bulk_loop. */
static ws_always_inline uint64_t ws_bench_fib6_bulk_loop(const void *table, const uint8_t (*addrs)[16], size_t n,
							  unsigned passes, uint32_t *out, unsigned batch,
							  ws_bench_fib6_bulk_fn bulk)
{
	uint64_t sum = 0;

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i + batch <= n; i += batch) {
			bulk(table, addrs + i, out, batch);
			__asm__ volatile("" : : "r"(out) : "memory");
		}
	sum += out[0];
	return sum;
}

/* As struct ws_bench_fib_ops, for IPv6. */
struct ws_bench_fib6_ops {
	const char *name; /* "wirespeed", "rte_lpm6" */
	uint64_t (*run)(const void *table, const uint8_t (*addrs)[16], size_t n, unsigned passes, unsigned batch,
			uint32_t *out);
	void (*lookup_all)(const void *table, const uint8_t (*addrs)[16], size_t n, unsigned batch, uint32_t *out);
};

/* wirespeed's side: table is a struct ws_lpm6 *. */
extern const struct ws_bench_fib6_ops ws_bench_fib_lpm6;

#endif /* WS_BENCH_FIB_LOOPS_H */
