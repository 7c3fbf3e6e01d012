/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_fib.h: DPDK's rte_lpm as the peer of ws-bench-fib (benchmarks only;
 * needs an initialised EAL). Nothing here exposes a DPDK type, so the
 * caller needs no DPDK header.
 */
#ifndef WS_BENCH_PEERS_DPDK_FIB_H
#define WS_BENCH_PEERS_DPDK_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "fib_loops.h"

/* rte_lpm: the fib_loops.h shapes with rte_lpm_lookup (-ENOENT mapped to
 * WS_FIB_MISS, as a caller has to) and rte_lpm_lookup_bulk (results left in
 * DPDK's encoding in the timed loop: bit 24 RTE_LPM_LOOKUP_SUCCESS, a caller
 * tests it where it uses the result; lookup_all maps it). table is a
 * struct rte_lpm *. */
extern const struct ws_bench_fib_ops ws_bench_fib_rte_lpm;

/* rte_lpm_create() with these sizes; NULL with a message in err. */
void *ws_bench_rte_lpm_create(uint32_t max_rules, uint32_t number_tbl8s, char *err, size_t errlen);
void ws_bench_rte_lpm_free(void *lpm);

/* rte_lpm_add(); 0 or DPDK's negative errno. */
int ws_bench_rte_lpm_add(void *lpm, uint32_t addr, unsigned len, uint32_t nexthop);

/* rte_lpm_delete(); 0 or DPDK's negative errno. */
int ws_bench_rte_lpm_delete(void *lpm, uint32_t addr, unsigned len);

/* Bytes of the tbl24 array (2^24 entries of 4 B) and of one tbl8 group. */
size_t ws_bench_rte_lpm_tbl24_bytes(void);
size_t ws_bench_rte_lpm_tbl8_group_bytes(void);

/* tbl8 groups in use of the number_tbl8s the table was created with: a
 * group is in use while its first entry has valid_group set (that is how
 * rte_lpm's own allocator tells). Reads number_tbl8s entries. */
uint32_t ws_bench_rte_lpm_tbl8_used(const void *lpm, uint32_t number_tbl8s);

/*
 * A read-only copy of lpm's lookup tables (tbl24 and the number_tbl8s tbl8
 * groups) in private memory marked MADV_HUGEPAGE before it is touched, so
 * that it sits on 2 MiB pages as DPDK's tables do on a huge-page EAL. The
 * EAL's --no-huge memory is a shared memfd, which gets no transparent huge
 * pages here (shmem_enabled is "never"). rte_lpm's lookups read only these
 * tables, so they run on the copy unchanged; nothing may be added to it.
 * NULL with a message in err; free with ws_bench_rte_lpm_thp_free().
 */
void *ws_bench_rte_lpm_thp_copy(const void *lpm, uint32_t number_tbl8s, char *err, size_t errlen);
void ws_bench_rte_lpm_thp_free(void *copy);

/* DPDK's version string, e.g. "DPDK 22.11.11". */
const char *ws_bench_dpdk_version(void);

#endif /* WS_BENCH_PEERS_DPDK_FIB_H */
