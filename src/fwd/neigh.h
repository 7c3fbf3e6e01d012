/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h: the neighbour table of one worker: IPv4 and IPv6 addresses on a
 * port and the MAC ARP or ND found for them (or a static one), with the few
 * packets waiting for an answer.
 *
 * One writer, the worker that owns it (its arp and ip6-nd nodes learn and
 * resolve; its timer ages probes), so the data path reads without locks.
 * Another thread (the control socket's `show neighbours`) reads it only
 * under struct ws_fwd's lock, which the worker also holds while it changes
 * an entry.
 *
 * A fixed array of entries chained from a hash of (family, port, address):
 * no allocation after creation, and an entry's index never changes while it
 * lives, so an entry's host adjacency (ws_fwd: WS_FIB_MAX_NEXTHOPS + index)
 * stays valid.
 *
 * Resolution, as Linux and RFC 4861 7.3 do it, simplified:
 *   INCOMPLETE: a request went out; up to WS_NEIGH_QUEUE_LEN packets wait;
 *               one more request per WS_NEIGH_PROBE_MS, at most
 *               WS_NEIGH_PROBES, then FAILED (queued packets dropped).
 *   REACHABLE:  learned from an answer (or an ARP request / NS that names us
 *               as its target, which proves the sender's binding too).
 *   STATIC:     configured; never changed by what arrives.
 *   FAILED:     no answer; packets to it are dropped until WS_NEIGH_FAILED_MS
 *               later, when the next packet starts a new resolution (so a
 *               dead neighbour costs one request per few seconds, not one per
 *               packet).
 * Learned entries do not age (no reachability confirmation yet): a host that
 * changes its MAC is learned again from its next ARP request or reply.
 */
#ifndef WS_FWD_NEIGH_H
#define WS_FWD_NEIGH_H

#include <stdint.h>

#include "core/pkt.h"

#define WS_NEIGH_MAX 4096u          /* entries per worker */
#define WS_NEIGH_BUCKETS 8192u      /* hash chains (power of two) */
#define WS_NEIGH_QUEUE_LEN 4u       /* packets held per unresolved neighbour */
#define WS_NEIGH_PROBES 3u          /* requests before giving up */
#define WS_NEIGH_PROBE_MS 1000u     /* between requests (Linux retrans_time) */
#define WS_NEIGH_FAILED_MS 3000u    /* how long a failed neighbour drops */

enum ws_neigh_state {
	WS_NEIGH_FREE = 0,
	WS_NEIGH_INCOMPLETE,
	WS_NEIGH_REACHABLE,
	WS_NEIGH_STATIC,
	WS_NEIGH_FAILED,
};

struct ws_neigh {
	uint8_t ip[16];      /* IPv4 in the first 4 bytes, network order */
	uint8_t mac[6];
	uint8_t family;      /* AF_INET, AF_INET6 */
	uint8_t state;       /* enum ws_neigh_state */
	uint16_t port;
	uint8_t probes;      /* requests sent in this resolution */
	uint8_t nb_queued;
	int32_t next;        /* hash chain / free list, -1 ends */
	uint64_t timer;      /* TSC: next probe (INCOMPLETE), retry (FAILED) */
	struct ws_pkt *queue[WS_NEIGH_QUEUE_LEN];
};

struct ws_neigh_table {
	struct ws_neigh *e;  /* [WS_NEIGH_MAX] */
	int32_t *bucket;     /* [WS_NEIGH_BUCKETS] */
	int32_t free_head;
	unsigned count;
};

/* Control path: an empty table. 0 or -ENOMEM. */
int ws_neigh_init(struct ws_neigh_table *t);

/* Control path: free the arrays (queued packets are the caller's to drop
 * first: ws_neigh_remove each entry). */
void ws_neigh_fini(struct ws_neigh_table *t);

/* Data path (slow path): the entry for (family, port, ip), or NULL. */
struct ws_neigh *ws_neigh_find(const struct ws_neigh_table *t, int family, uint16_t port, const uint8_t *ip);

/* Writer: a new INCOMPLETE entry (no MAC, nothing queued, probes 0), or
 * NULL when the table is full. The caller checked it is not there. */
struct ws_neigh *ws_neigh_add(struct ws_neigh_table *t, int family, uint16_t port, const uint8_t *ip);

/* Writer: unlink and free e (its queue must be empty). */
void ws_neigh_remove(struct ws_neigh_table *t, struct ws_neigh *e);

/* The index of e in the table (stable while e lives). */
static inline unsigned ws_neigh_index(const struct ws_neigh_table *t, const struct ws_neigh *e)
{
	return (unsigned)(e - t->e);
}

/* Control path: "incomplete", "reachable", ... */
const char *ws_neigh_state_name(unsigned state);

#endif /* WS_FWD_NEIGH_H */
