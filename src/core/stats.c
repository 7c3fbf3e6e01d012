/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ws_stats *ws_stats_create(const char *const *names, uint32_t nb_counters, uint32_t nb_workers)
{
	/* counters per WS_CACHE_LINE_PAIR bytes: no two workers share a line pair */
	const uint32_t per_pair = WS_CACHE_LINE_PAIR / sizeof(uint64_t);
	struct ws_stats *s;
	size_t bytes;

	if (nb_counters == 0 || nb_workers == 0 || nb_workers > WS_STATS_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->nb_counters = nb_counters;
	s->nb_workers = nb_workers;
	s->stride = (nb_counters + per_pair - 1) / per_pair * per_pair;
	s->names = names;
	bytes = (size_t)s->stride * nb_workers * sizeof(uint64_t);
	s->blocks = aligned_alloc(WS_CACHE_LINE_PAIR, bytes);
	if (!s->blocks) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	memset(s->blocks, 0, bytes);
	return s;
}

void ws_stats_free(struct ws_stats *s)
{
	if (!s)
		return;
	free(s->blocks);
	free(s);
}

uint64_t ws_stats_get(const struct ws_stats *s, uint32_t worker, uint32_t counter)
{
	if (worker >= s->nb_workers || counter >= s->nb_counters)
		return 0;
	return __atomic_load_n(&s->blocks[(size_t)worker * s->stride + counter], __ATOMIC_RELAXED);
}

uint64_t ws_stats_sum(const struct ws_stats *s, uint32_t counter)
{
	uint64_t sum = 0;

	for (uint32_t w = 0; w < s->nb_workers; w++)
		sum += ws_stats_get(s, w, counter);
	return sum;
}
