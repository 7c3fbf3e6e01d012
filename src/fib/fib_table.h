/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib_table.h: the FIB that workers look up while the control plane changes
 * it. Per family, a RIB (the source of truth) and its compiled lpm4 / lpm6;
 * route changes go into both at once and are visible to lookups when the
 * call returns. Workers never lock:
 *
 *   worker (registered with ws_rcu_register)      control thread
 *   for (;;) {                                    ws_fib_route_replace(...)
 *       lpm = ws_fib_lpm4(fib);                   ws_fib_route_delete(...)
 *       ws_lpm4_lookup_bulk(lpm, ...);            ws_fib_load(...)
 *       ...                                       ws_fib_sync(fib)
 *       ws_rcu_quiescent();   // lpm dropped
 *   }
 *
 * A change recompiles the part of the structure the prefix covers and
 * switches it in atomically (fib/lpm4.h); the memory it replaced is reused
 * after an RCU grace period, which the FIB waits for itself every
 * WS_FIB_SYNC_ENTRIES retired entries (so a stream of changes costs a grace
 * period per thousand-odd changes, not per change) or on ws_fib_sync().
 * When the headroom of the compiled structure runs out, the family is
 * compiled anew from its RIB and the new structure is published as a whole
 * (readers pick it up at their next ws_fib_lpm4() call).
 *
 * Writers (any number of control threads) are serialised by a mutex that
 * readers never touch. Nexthops are ids below WS_FIB_MAX_NEXTHOPS.
 */
#ifndef WS_FIB_TABLE_H
#define WS_FIB_TABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"
#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "fib/rib.h"

struct ws_rib;

/* Retired entries (trie nodes + leaves) after which a change waits for a
 * grace period and reuses them. */
#define WS_FIB_SYNC_ENTRIES (1u << 15)

struct ws_fib_stats {
	uint64_t changes;       /* route changes applied (replace, delete) */
	uint64_t rebuilds;      /* whole-family recompiles: loads, headroom used up */
	uint64_t grace_periods; /* waited for */
	size_t routes4, routes6;
	size_t memory4, memory6; /* bytes of the compiled structures */
};

/* Readers: the two published pointers only. Writers: everything, under lock. */
struct ws_fib {
	struct ws_lpm4 *lpm4;
	struct ws_lpm6 *lpm6;
	struct ws_rib *rib4, *rib6;
	pthread_mutex_t lock;
	struct ws_fib_stats stats;
};

/* Control path: an empty FIB (both families: every lookup misses). NULL
 * with errno ENOMEM. */
struct ws_fib *ws_fib_create(void);

/* Control path: free everything. No reader may use fib any more. */
void ws_fib_free(struct ws_fib *fib);

/* Data path, once per burst: the structure to look up in. Valid until the
 * caller's next quiescent state (ws_rcu_quiescent). The acquire load pairs
 * with the release store that publishes a rebuilt structure. */
static inline const struct ws_lpm4 *ws_fib_lpm4(const struct ws_fib *fib)
{
	return __atomic_load_n(&fib->lpm4, __ATOMIC_ACQUIRE);
}

static inline const struct ws_lpm6 *ws_fib_lpm6(const struct ws_fib *fib)
{
	return __atomic_load_n(&fib->lpm6, __ATOMIC_ACQUIRE);
}

/*
 * Control path: replace the family's whole table by routes[0..n) (any
 * order; the last of duplicate prefixes wins; host bits must be clear),
 * compiled from scratch and published as a whole; waits for a grace period
 * before freeing the old one. All or nothing: 0, or -EINVAL (family, a
 * route ws_rib_add() refuses, a nexthop >= WS_FIB_MAX_NEXTHOPS), -ENOMEM
 * with the FIB unchanged.
 */
int ws_fib_load(struct ws_fib *fib, int family, const struct ws_route *routes, size_t n);

/*
 * Control path: add addr/len -> nexthop, or change the nexthop of a present
 * prefix (addr in the 16-byte form of fib.h, host bits clear). Lookups
 * answer with it when the call returns. 0 for a new prefix, 1 for a
 * replaced one; -EINVAL (family, length, host bits, nexthop >=
 * WS_FIB_MAX_NEXTHOPS) or -ENOMEM with the FIB unchanged.
 */
int ws_fib_route_replace(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, uint32_t nexthop);

/* Control path: remove addr/len. 0; -ENOENT (absent), -EINVAL, -ENOMEM
 * with the FIB unchanged. */
int ws_fib_route_delete(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len);

/* Control path: exact match of a prefix in the RIB: 0 and *nexthop, -ENOENT,
 * -EINVAL. */
int ws_fib_route_get(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, uint32_t *nexthop);

/* Control path: call cb for each route inside addr/len (0/0: all), in
 * address order, holding the writers' lock (changes wait until it
 * returns; lookups do not). cb's non-zero return stops the walk and is
 * returned; -EINVAL for a bad family or prefix. */
int ws_fib_walk(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, ws_rib_walk_fn *cb, void *arg);

/* Control path: the RIB's longest match for a full address (what the data
 * path answers, from the RIB): 0 with *nexthop and the route's *len, or
 * -ENOENT, -EINVAL. */
int ws_fib_route_lookup(struct ws_fib *fib, int family, const uint8_t *addr, uint32_t *nexthop, unsigned *len);

/* Control path: wait for a grace period now and reuse what changes retired. */
void ws_fib_sync(struct ws_fib *fib);

/* Control path: counters and sizes. */
void ws_fib_get_stats(struct ws_fib *fib, struct ws_fib_stats *st);

#endif /* WS_FIB_TABLE_H */
