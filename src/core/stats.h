/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h: per-worker counters without atomics on the data path.
 *
 * Each worker owns one cache-line-aligned block of 64-bit counters and is
 * the only writer of it, so an increment is a plain load, add and store to a
 * line no other core writes (no LOCK prefix, no false sharing). Readers sum
 * the blocks of all workers; on x86_64 an aligned 64-bit load is never torn,
 * so a reader sees each counter at some recent value. Counters only grow.
 */
#ifndef WS_CORE_STATS_H
#define WS_CORE_STATS_H

#include <stdint.h>

#include "cpu.h"

#define WS_STATS_MAX_WORKERS 64u

struct ws_stats {
	uint32_t nb_counters;     /* counters per worker */
	uint32_t nb_workers;
	uint32_t stride;          /* counters per block, padded to a cache line pair */
	const char *const *names; /* nb_counters names, owned by the caller */
	uint64_t *blocks;         /* nb_workers * stride counters */
};

/* Control path: counters named names[0..nb_counters) for nb_workers workers.
 * NULL with errno EINVAL or ENOMEM. */
struct ws_stats *ws_stats_create(const char *const *names, uint32_t nb_counters, uint32_t nb_workers);
void ws_stats_free(struct ws_stats *s);

/* Data path: the worker's own block; fetch once, keep it in the worker. */
static inline uint64_t *ws_stats_block(struct ws_stats *s, uint32_t worker)
{
	return s->blocks + (uint64_t)worker * s->stride;
}

/* Data path, per burst or per packet: add n to a counter of the caller's own
 * block. Only the owning worker may call it. The relaxed atomic load and
 * store compile to plain moves; they only tell the compiler that readers on
 * other threads exist, so it keeps the store whole. */
static ws_always_inline void ws_stats_add(uint64_t *block, uint32_t counter, uint64_t n)
{
	uint64_t v = __atomic_load_n(&block[counter], __ATOMIC_RELAXED);

	__atomic_store_n(&block[counter], v + n, __ATOMIC_RELAXED);
}

/* Control path: sum of one counter over all workers. */
uint64_t ws_stats_sum(const struct ws_stats *s, uint32_t counter);

/* Control path: one worker's value of one counter. */
uint64_t ws_stats_get(const struct ws_stats *s, uint32_t worker, uint32_t counter);

#endif /* WS_CORE_STATS_H */
