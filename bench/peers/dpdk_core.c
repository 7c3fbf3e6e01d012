/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_core.c: DPDK's side of the ring and pool shapes. Each loop is the
 * bench_core.h template with DPDK's inline calls, exactly as wirespeed's side
 * is with wirespeed's, so the two differ only in the library calls. The peer
 * runs in its fastest configuration for the shape: the generic burst/bulk
 * entry points (as wirespeed's side uses), sync mode from the ring's flags,
 * the per-lcore mempool cache.
 */
#include "peers/dpdk_core.h"

#include <stdio.h>

#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

/* rte_ring and rte_mempool names must be unique while they live. */
static unsigned name_seq;

static ws_always_inline uint32_t rte_enq_burst(void *r, void *const *objs, uint32_t n)
{
	return rte_ring_enqueue_burst(r, objs, n, NULL);
}

static ws_always_inline uint32_t rte_deq_burst(void *r, void **objs, uint32_t n)
{
	return rte_ring_dequeue_burst(r, objs, n, NULL);
}

static ws_always_inline uint32_t rte_enq_bulk(void *r, void *const *objs, uint32_t n)
{
	return rte_ring_enqueue_bulk(r, objs, n, NULL);
}

static ws_always_inline uint32_t rte_deq_bulk(void *r, void **objs, uint32_t n)
{
	return rte_ring_dequeue_bulk(r, objs, n, NULL);
}

static void *dpdk_ring_create(uint32_t slots, enum ws_bench_ring_kind kind)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "wsb_ring%u", name_seq++);
	/* count = slots: a 2048-slot ring (2047 usable, DPDK keeps one free;
	 * RING_F_EXACT_SZ would double the slot array instead) */
	return rte_ring_create(name, slots, SOCKET_ID_ANY, kind == WS_BENCH_SPSC ? RING_F_SP_ENQ | RING_F_SC_DEQ : 0);
}

static void dpdk_ring_destroy(void *r)
{
	rte_ring_free(r);
}

static uint64_t dpdk_ring_loop_1t(void *r, void **in, void **out, uint32_t burst, uint64_t rounds)
{
	return ws_bench_ring_loop_1t(r, in, out, burst, rounds, rte_enq_burst, rte_deq_burst);
}

static uint64_t dpdk_ring_loop_1t_bulk(void *r, void **in, void **out, uint32_t burst, uint64_t rounds)
{
	return ws_bench_ring_loop_1t(r, in, out, burst, rounds, rte_enq_bulk, rte_deq_bulk);
}

static uint64_t dpdk_ring_produce(void *r, void **in, uint32_t burst, uint64_t n)
{
	return ws_bench_ring_produce(r, in, burst, n, rte_enq_burst);
}

static uint64_t dpdk_ring_consume(void *r, void **out, uint32_t burst, uint64_t n)
{
	return ws_bench_ring_consume(r, out, burst, n, rte_deq_burst);
}

const struct ws_bench_ring_ops ws_bench_ring_dpdk = {
	.name = "rte_ring",
	.create = dpdk_ring_create,
	.destroy = dpdk_ring_destroy,
	.loop_1t = dpdk_ring_loop_1t,
	.loop_1t_bulk = dpdk_ring_loop_1t_bulk,
	.produce = dpdk_ring_produce,
	.consume = dpdk_ring_consume,
};

static ws_always_inline int rte_get(void *mp, void **objs, uint32_t n)
{
	return rte_mempool_get_bulk(mp, objs, n);
}

static ws_always_inline void rte_put(void *mp, void *const *objs, uint32_t n)
{
	rte_mempool_put_bulk(mp, objs, n);
}

static void *dpdk_pool_create(uint32_t n, uint32_t obj_size, uint32_t cache_size)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "wsb_pool%u", name_seq++);
	return rte_mempool_create(name, n, obj_size, cache_size, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
}

static void dpdk_pool_destroy(void *mp)
{
	rte_mempool_free(mp);
}

static uint64_t dpdk_pool_loop_1t(void *mp, void **objs, uint32_t burst, uint64_t rounds)
{
	return ws_bench_pool_loop_1t(mp, objs, burst, rounds, rte_get, rte_put);
}

const struct ws_bench_pool_ops ws_bench_pool_dpdk = {
	.name = "rte_mempool",
	.create = dpdk_pool_create,
	.destroy = dpdk_pool_destroy,
	.loop_1t = dpdk_pool_loop_1t,
};
