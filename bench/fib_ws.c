/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib_ws.c: wirespeed's side of ws-bench-fib: the fib_loops.h templates
 * instantiated with ws_lpm4_lookup and ws_lpm4_lookup_bulk. Built apart from
 * the DPDK side, with the project's own compile flags, as build/wirespeed is.
 */
#include "fib_loops.h"

#include "fib/lpm4.h"

static ws_always_inline uint32_t ws_fib_one(const void *t, uint32_t addr)
{
	return ws_lpm4_lookup(t, addr);
}

static ws_always_inline void ws_fib_bulk(const void *t, const uint32_t *addrs, uint32_t *out, unsigned n)
{
	ws_lpm4_lookup_bulk(t, addrs, out, n);
}

/* One instantiation per batch size, each with its batch as a constant. */
static uint64_t ws_fib_run(const void *t, const uint32_t *addrs, size_t n, unsigned passes, unsigned batch,
			   uint32_t *out)
{
	switch (batch) {
	case 0:
		return ws_bench_fib_single_loop(t, addrs, n, passes, ws_fib_one);
	case 32:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 32, ws_fib_bulk);
	case 64:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 64, ws_fib_bulk);
	case 256:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, 256, ws_fib_bulk);
	default:
		return ws_bench_fib_bulk_loop(t, addrs, n, passes, out, batch, ws_fib_bulk);
	}
}

static void ws_fib_lookup_all(const void *t, const uint32_t *addrs, size_t n, unsigned batch, uint32_t *out)
{
	if (!batch) {
		for (size_t i = 0; i < n; i++)
			out[i] = ws_lpm4_lookup(t, addrs[i]);
		return;
	}
	for (size_t i = 0; i < n; i += batch)
		ws_lpm4_lookup_bulk(t, addrs + i, out + i, (unsigned)(n - i < batch ? n - i : batch));
}

const struct ws_bench_fib_ops ws_bench_fib_lpm4 = {
	.name = "wirespeed",
	.run = ws_fib_run,
	.lookup_all = ws_fib_lookup_all,
};
