/* SPDX-License-Identifier: BSD-3-Clause */
/* dpdk_core.h: DPDK's rte_ring and rte_mempool as implementations of the
 * bench_core.h shapes (benchmarks only; needs an initialised EAL). */
#ifndef WS_BENCH_PEERS_DPDK_CORE_H
#define WS_BENCH_PEERS_DPDK_CORE_H

#include "app/bench_core.h"

/* rte_ring: rte_ring_create() with RING_F_SP_ENQ | RING_F_SC_DEQ for SPSC and
 * default flags (MP/MC) for MPMC; rte_ring_{enqueue,dequeue}_{burst,bulk}. */
extern const struct ws_bench_ring_ops ws_bench_ring_dpdk;

/* rte_mempool: rte_mempool_create() with default flags (MP put, MC get, the
 * "ring_mp_mc" driver) and the shape's cache size; rte_mempool_{get,put}_bulk
 * with the calling lcore's default cache. Call from an EAL lcore. */
extern const struct ws_bench_pool_ops ws_bench_pool_dpdk;

#endif /* WS_BENCH_PEERS_DPDK_CORE_H */
