/* SPDX-License-Identifier: BSD-3-Clause */
/* fib_common.h: what ws-bench-fib and ws-bench-fib6 share: the table they
 * load (with the same nexthop assignment), the address PRNG, the clock,
 * rte_lpm/rte_lpm6 insertion order and output flushing. Control path. */
#ifndef WS_BENCH_FIB_COMMON_H
#define WS_BENCH_FIB_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"

struct ws_fbench_table {
	char name[96];           /* short name for the JSON lines */
	struct ws_route *routes; /* one family, unique prefixes, nexthops assigned */
	size_t n;
	size_t n_other_ignored;  /* routes of the other family in the file */
};

/* Load `file` (or, with synthetic > 0, a ws_route_gen table of that size)
 * and keep the routes of `family` (AF_INET or AF_INET6). Prefix i gets
 * nexthop ((i * 2654435761) >> 8) % 4096 whatever the file says, on both
 * sides of a comparison. `default_name` is the file name that is reported
 * as `short_name`. 0, or -1 after a message on stderr prefixed by `prog`. */
int ws_fbench_load_table(struct ws_fbench_table *t, int family, const char *prog, const char *file,
			 const char *default_name, const char *short_name, unsigned synthetic,
			 uint64_t seed);

/* splitmix64: small, seedable, the same sequence on every machine. */
uint64_t ws_fbench_rng(uint64_t *state);

/* qsort order of doubles, ascending. */
int ws_fbench_cmp_double(const void *a, const void *b);

/* CLOCK_MONOTONIC in seconds. */
double ws_fbench_now(void);

/* AnonHugePages (kB) of the whole process (/proc/self/smaps_rollup), or -1:
 * which page size the lookup arrays sit on (0 with transparent huge pages
 * in "madvise" mode and nobody asking). */
long ws_fbench_thp_kb(void);

/* qsort order of struct ws_route for rte_lpm/rte_lpm6 insertion: shorter
 * prefixes first, then address order (the addresses are big-endian bytes,
 * so memcmp orders them for either family). */
int ws_fbench_cmp_route_len(const void *a, const void *b);

/* Flush stdout; a closed pipe (`| head`) ends the run quietly with exit 0,
 * another write error with a message and exit 1. */
void ws_fbench_out_flush(const char *prog);

#endif /* WS_BENCH_FIB_COMMON_H */
