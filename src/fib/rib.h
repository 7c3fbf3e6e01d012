/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rib.h: the routing information base, the control plane's source of truth
 * for one address family: a path-compressed binary radix (Patricia) tree.
 *
 * Every node holds a prefix; a node is either a route or a glue node that
 * exists only because two subtrees part there, so a glue node always has two
 * children and the tree has at most 2 * routes - 1 nodes. Delete removes the
 * glue it leaves behind, so memory follows the route count under any
 * add/delete stream. Nodes come from a slab with a free list (one malloc per
 * node would cost more than the insert itself on a full table).
 *
 * The compiled lookup tables (lpm4, lpm6) are built from a walk of this tree;
 * ws_rib_lookup() here is the slow reference for tests and tools.
 *
 * Addresses are 16-byte big-endian arrays (IPv4 in the first 4 bytes; only the
 * family's bytes are read). All functions are control path, and a RIB is not
 * thread-safe: one writer, no concurrent readers.
 */
#ifndef WS_FIB_RIB_H
#define WS_FIB_RIB_H

#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"

struct ws_rib;

/* A route's nexthop may be any value except WS_FIB_MISS. */

/* Control path: an empty RIB for AF_INET or AF_INET6; NULL with errno
 * (EAFNOSUPPORT for another family, ENOMEM). */
struct ws_rib *ws_rib_create(int family);

/* Control path: free the RIB and all its nodes. NULL is allowed. */
void ws_rib_free(struct ws_rib *rib);

/* Control path: AF_INET or AF_INET6; and 32 or 128. */
int ws_rib_family(const struct ws_rib *rib);
unsigned ws_rib_max_len(const struct ws_rib *rib);

/* Control path: add addr/len -> nexthop. 0, -EEXIST if the prefix is present
 * (the RIB is unchanged), -EINVAL for len over the family's maximum, host bits
 * set or nexthop == WS_FIB_MISS, -ENOMEM. */
int ws_rib_add(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop);

/* Control path: add or overwrite. 0 if the prefix was new, 1 if its nexthop
 * was replaced, or the errors of ws_rib_add() except -EEXIST. */
int ws_rib_replace(struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t nexthop);

/* Control path: ws_rib_replace() of n routes, all or nothing: 0, or -EINVAL
 * for a bad route / -ENOMEM with the RIB unchanged. Any order; on an equal
 * prefix the later route wins. Sorts a copy by address first (2 * n routes
 * of scratch memory), so that a large table in random order goes in several
 * times faster than one ws_rib_replace() at a time. */
int ws_rib_replace_bulk(struct ws_rib *rib, const struct ws_route *routes, size_t n);

/* Control path: remove addr/len. 0, -ENOENT if absent, -EINVAL as for add. */
int ws_rib_delete(struct ws_rib *rib, const uint8_t *addr, unsigned len);

/* Control path: exact match. 0 and *nexthop set, -ENOENT, -EINVAL. */
int ws_rib_get(const struct ws_rib *rib, const uint8_t *addr, unsigned len, uint32_t *nexthop);

/* Control path (slow, tree walk): longest-prefix match of a full address.
 * 0 with *nexthop and *matched_len set (either may be NULL), or -ENOENT. */
int ws_rib_lookup(const struct ws_rib *rib, const uint8_t *addr, uint32_t *nexthop,
		  unsigned *matched_len);

/* Control path: as ws_rib_lookup(), among the routes no longer than max_len
 * only: the prefix that covers all of addr/max_len (what an incremental
 * recompile of that range takes as its background). */
int ws_rib_lookup_covering(const struct ws_rib *rib, const uint8_t *addr, unsigned max_len,
			   uint32_t *nexthop, unsigned *matched_len);

/* Control path: number of routes (glue nodes not counted). */
size_t ws_rib_count(const struct ws_rib *rib);

/*
 * Walk callback: addr is a 16-byte buffer valid during the call. A non-zero
 * return stops the walk and becomes the walk's return value. The callback
 * must not change the RIB.
 */
typedef int ws_rib_walk_fn(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg);

/* Control path: visit every route in address order, a covering prefix before
 * its more-specifics (tree pre-order). Returns 0 or the callback's non-zero. */
int ws_rib_walk(const struct ws_rib *rib, ws_rib_walk_fn *cb, void *arg);

/* Control path: as ws_rib_walk(), but only routes inside addr/len, that
 * prefix itself included (what an incremental recompile of that range needs).
 * -EINVAL for a bad prefix, as for add. */
int ws_rib_walk_range(const struct ws_rib *rib, const uint8_t *addr, unsigned len,
		      ws_rib_walk_fn *cb, void *arg);

/* Control path: as ws_rib_walk_range(), only routes no longer than max_len
 * (whole subtrees past it are skipped, not visited). */
int ws_rib_walk_range_max(const struct ws_rib *rib, const uint8_t *addr, unsigned len, unsigned max_len,
			  ws_rib_walk_fn *cb, void *arg);

struct ws_rib_stats {
	size_t routes;          /* = ws_rib_count() */
	size_t nodes;           /* routes + glue */
	size_t glue_nodes;
	size_t node_size;       /* bytes per node (32 for IPv4, 40 for IPv6) */
	size_t bytes_used;      /* nodes * node_size */
	size_t bytes_allocated; /* slab chunks held, free nodes included */
};

/* Control path: node and memory figures. */
void ws_rib_get_stats(const struct ws_rib *rib, struct ws_rib_stats *st);

/* Control path: IPv4 conveniences, addresses in host byte order;
 * -EAFNOSUPPORT on an IPv6 RIB. */
int ws_rib4_add(struct ws_rib *rib, uint32_t addr, unsigned len, uint32_t nexthop);
int ws_rib4_delete(struct ws_rib *rib, uint32_t addr, unsigned len);
int ws_rib4_lookup(const struct ws_rib *rib, uint32_t addr, uint32_t *nexthop,
		   unsigned *matched_len);

#endif /* WS_FIB_RIB_H */
