/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_fib6.h: DPDK's rte_lpm6 as the peer of ws-bench-fib6 (benchmarks
 * only; needs an initialised EAL). No DPDK type is exposed.
 */
#ifndef WS_BENCH_PEERS_DPDK_FIB6_H
#define WS_BENCH_PEERS_DPDK_FIB6_H

#include <stddef.h>
#include <stdint.h>

#include "fib_loops.h"

/* rte_lpm6: the IPv6 fib_loops.h shapes with rte_lpm6_lookup (-ENOENT
 * mapped to WS_FIB_MISS) and rte_lpm6_lookup_bulk_func (int32_t results, -1
 * for a miss, left so in the timed loop; lookup_all maps -1 to WS_FIB_MISS).
 * In DPDK 22.11 both are out-of-line library calls (rte_lpm6 has no inline
 * lookup). table is a struct rte_lpm6 *. */
extern const struct ws_bench_fib6_ops ws_bench_fib_rte_lpm6;

/* rte_lpm6_create() with these sizes; NULL with a message in err. */
void *ws_bench_rte_lpm6_create(uint32_t max_rules, uint32_t number_tbl8s, char *err, size_t errlen);
void ws_bench_rte_lpm6_free(void *lpm);

/* rte_lpm6_add(); 0 or DPDK's negative errno (-ENOSPC: out of tbl8s or rules). */
int ws_bench_rte_lpm6_add(void *lpm, const uint8_t *addr, unsigned len, uint32_t nexthop);

/* rte_lpm6_delete(); 0 or DPDK's negative errno. */
int ws_bench_rte_lpm6_delete(void *lpm, const uint8_t *addr, unsigned len);

/* Bytes of rte_lpm6's tbl24 (2^24 entries of 4 B) and of one tbl8 group
 * (256 entries of 4 B). */
size_t ws_bench_rte_lpm6_tbl24_bytes(void);
size_t ws_bench_rte_lpm6_tbl8_group_bytes(void);

/* Bytes allocated from DPDK's heaps over all sockets (rte_malloc stats),
 * so that the caller can take the difference around create + add. */
size_t ws_bench_rte_heap_allocated(void);

#endif /* WS_BENCH_PEERS_DPDK_FIB6_H */
