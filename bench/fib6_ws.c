/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib6_ws.c: wirespeed's side of ws-bench-fib6: the IPv6 fib_loops.h
 * templates instantiated with ws_lpm6_lookup and ws_lpm6_lookup_bulk, built
 * with the project's own compile flags (as fib_ws.c for lpm4).
 */
#include "fib_loops.h"

#include "fib/lpm6.h"

static ws_always_inline uint32_t ws_fib6_one(const void *t, const uint8_t *addr)
{
	return ws_lpm6_lookup(t, addr);
}

static ws_always_inline void ws_fib6_bulk(const void *t, const uint8_t (*addrs)[16], uint32_t *out, unsigned n)
{
	ws_lpm6_lookup_bulk(t, addrs, out, n);
}

static uint64_t ws_fib6_run(const void *t, const uint8_t (*addrs)[16], size_t n, unsigned passes, unsigned batch,
			    uint32_t *out)
{
	switch (batch) {
	case 0:
		return ws_bench_fib6_single_loop(t, addrs, n, passes, ws_fib6_one);
	case 32:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 32, ws_fib6_bulk);
	case 64:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 64, ws_fib6_bulk);
	case 256:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, 256, ws_fib6_bulk);
	default:
		return ws_bench_fib6_bulk_loop(t, addrs, n, passes, out, batch, ws_fib6_bulk);
	}
}

static void ws_fib6_lookup_all(const void *t, const uint8_t (*addrs)[16], size_t n, unsigned batch, uint32_t *out)
{
	if (!batch) {
		for (size_t i = 0; i < n; i++)
			out[i] = ws_lpm6_lookup(t, addrs[i]);
		return;
	}
	for (size_t i = 0; i < n; i += batch)
		ws_lpm6_lookup_bulk(t, addrs + i, out + i, (unsigned)(n - i < batch ? n - i : batch));
}

const struct ws_bench_fib6_ops ws_bench_fib_lpm6 = {
	.name = "wirespeed",
	.run = ws_fib6_run,
	.lookup_all = ws_fib6_lookup_all,
};
