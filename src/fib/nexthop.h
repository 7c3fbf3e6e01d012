/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nexthop.h: the nexthop table. Routes carry a small integer id; the id names
 * an entry here with what forwarding needs: the output port, the gateway (or
 * none: directly connected), the resolved MAC, and what kind of nexthop it is
 * (a blackhole drops, unreachable answers with ICMP).
 *
 * Equal nexthops share one id: ws_nh_get_or_add() finds an equal entry and
 * takes a reference, so a full table with a few gateways holds a few entries.
 * An id is freed when its last reference goes. Entries never move, so a
 * pointer from ws_nh_lookup() stays valid while the id is held.
 *
 * Control path, not thread-safe. Workers will read a compiled copy.
 */
#ifndef WS_FIB_NEXTHOP_H
#define WS_FIB_NEXTHOP_H

#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"

/* What a route does with a packet. */
enum ws_nh_type {
	WS_NH_UNICAST = 0,  /* forward to port, via gw if there is one */
	WS_NH_BLACKHOLE,    /* drop silently */
	WS_NH_UNREACHABLE,  /* drop, ICMP destination (network) unreachable */
	WS_NH_PROHIBIT,     /* drop, ICMP administratively prohibited */
	WS_NH_LOCAL,        /* addressed to this host */
};

/* Output port not known yet (e.g. a route file names a device that is not
 * opened as a port). */
#define WS_NH_PORT_NONE 0xffffu

/* Device names as in Linux (IFNAMSIZ, NUL included). */
#define WS_NH_DEV_LEN 16

/*
 * What makes two nexthops equal. The table compares the fields below, not
 * the raw bytes: gateway bytes past the family's length and dev bytes past
 * the NUL are ignored.
 */
struct ws_nexthop_key {
	uint8_t type;          /* enum ws_nh_type */
	uint8_t gw_family;     /* AF_UNSPEC (0): no gateway; AF_INET or AF_INET6 */
	uint16_t port;         /* output port id or WS_NH_PORT_NONE */
	uint8_t gw[16];        /* big-endian; IPv4 in the first 4 bytes */
	char dev[WS_NH_DEV_LEN]; /* device name from the route, "" if none */
};

struct ws_nexthop {
	struct ws_nexthop_key key;
	uint8_t mac[6];        /* the gateway's (or destination's) MAC ... */
	uint8_t mac_valid;     /* ... once ARP/ND has resolved it */
	uint32_t refcnt;       /* 0: the id is free */
};

struct ws_nh_table;

/* Control path: a table for ids 0 .. max - 1; max is 1 .. WS_FIB_MAX_NEXTHOPS.
 * NULL with errno EINVAL or ENOMEM. */
struct ws_nh_table *ws_nh_table_create(unsigned max);

/* Control path: free the table. NULL is allowed. */
void ws_nh_table_free(struct ws_nh_table *tbl);

/* Control path: the id of an entry equal to k, with one more reference, or a
 * new id (refcnt 1, MAC not valid). -EINVAL for a bad key (unknown type or
 * gateway family, dev not NUL-terminated), -ENOSPC when all ids are in use,
 * -EOVERFLOW if the entry's reference count would wrap. */
int ws_nh_get_or_add(struct ws_nh_table *tbl, const struct ws_nexthop_key *k);

/* Control path: one more reference to id. 0, -ENOENT if id is free,
 * -EOVERFLOW. */
int ws_nh_ref(struct ws_nh_table *tbl, uint32_t id);

/* Control path: drop a reference; the id is freed when none remain.
 * Returns the references left (0: freed), or -ENOENT if id is free. */
int ws_nh_unref(struct ws_nh_table *tbl, uint32_t id);

/* Control path: the entry of a held id, or NULL if id is free. */
const struct ws_nexthop *ws_nh_lookup(const struct ws_nh_table *tbl, uint32_t id);

/* Control path: record the resolved MAC of a held id. 0 or -ENOENT. */
int ws_nh_set_mac(struct ws_nh_table *tbl, uint32_t id, const uint8_t mac[6]);

/* Control path: ids in use. */
size_t ws_nh_count(const struct ws_nh_table *tbl);

/* Control path: the table's id limit (max of ws_nh_table_create). */
unsigned ws_nh_max(const struct ws_nh_table *tbl);

/* Control path: "via 198.18.0.1 dev eth0", "dev eth0", "blackhole", ... into
 * buf (always NUL-terminated). Returns buf. */
char *ws_nh_format(const struct ws_nexthop_key *k, char *buf, size_t size);

#endif /* WS_FIB_NEXTHOP_H */
