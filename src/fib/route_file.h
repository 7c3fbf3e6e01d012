/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_file.h: route lists, and reading them from files.
 *
 * A route list holds the routes of a file (or a generator) split by family,
 * before anything is applied: a reader fills a list only when the whole file
 * is good, so a caller applies a file all or nothing.
 *
 * Formats, chosen per line, mixed freely, IPv4 and IPv6 in one file:
 *
 *  (a) prefix list: `PREFIX [NEXTHOP]`, e.g. `198.18.0.0/15`,
 *      `198.18.0.0/15 7`, `2001:db8::/32 2001:db8::1`. PREFIX needs its /len.
 *      NEXTHOP is either
 *       - a bare integer 0..4294967294 taken as the nexthop id as is (the
 *         pyasn files' ASN column reads this way: the origin AS becomes the
 *         route's nexthop tag), or
 *       - a gateway address, IPv4 or IPv6, interned in the list's nexthop
 *         table.
 *      A line without NEXTHOP gets opts->default_nexthop in a file of ids, a
 *      directly connected nexthop (no gateway, no device) in a file of
 *      gateways. Ids and gateways in one file are an error: an id would
 *      collide with the table's ids. PREFIX may be `default` (0/0; family as
 *      for `default` below).
 *  (b) `ip route show` / `ip -6 route show` output: `PREFIX|default
 *      [via [inet|inet6] GW] [dev NAME] [attributes...]`, optionally led by a
 *      route type (`blackhole`, `unreachable`, `prohibit`, `local`,
 *      `broadcast`, `anycast`, `unicast`; `multicast`, `throw`, `nat` lines
 *      are skipped with a warning). A prefix without /len is a host route
 *      (/32, /128). Gateway, device and type form the nexthop key (port
 *      WS_NH_PORT_NONE). A multipath route's indented `nexthop via ...`
 *      lines: the first one is used, the others dropped with a warning.
 *      `default` takes its family from the gateway, else from a `pref`
 *      attribute (only IPv6 routes have one), else from the previous route in
 *      the file, else opts->default_family.
 *  A line is read as (b) when it starts with a route type or its second word
 *  is an `ip route` attribute (via, dev, proto, metric, scope, ...); unknown
 *  attributes there are ignored, as dumps carry many.
 *  `#` starts a comment anywhere; blank lines are skipped. Files may be gzip'd
 *  (read through zlib, which reads plain files as they are).
 *
 * Errors name the place: `FILE:LINE:COLUMN: problem`. Host bits set: masked,
 * with `FILE:LINE:COLUMN: warning: host bits set, using A/L`; an error under
 * opts->strict. A prefix twice in a file (same family, same length): the later
 * line wins, with a warning; an error under opts->strict.
 *
 * Everything here is control path.
 */
#ifndef WS_FIB_ROUTE_FILE_H
#define WS_FIB_ROUTE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"
#include "fib/nexthop.h"

struct ws_route_list {
	struct ws_route *v4;
	struct ws_route *v6;
	size_t n_v4, n_v6;
	size_t cap_v4, cap_v6;
	/* NULL when the nexthops are plain ids. Otherwise the routes' nexthops
	 * are ids in this table (owned by the list), which holds one reference
	 * per route: a caller may keep the table (take it and set this to NULL)
	 * or copy the entries it needs. */
	struct ws_nh_table *nh;
	size_t warnings; /* warnings the reader reported */
};

/* Control path: an empty list (all zero is empty too). */
void ws_route_list_init(struct ws_route_list *l);

/* Control path: free the arrays and the nexthop table; the list is empty after. */
void ws_route_list_free(struct ws_route_list *l);

/* Control path: append r to the family's array. 0, -ENOMEM, -EAFNOSUPPORT. */
int ws_route_list_push(struct ws_route_list *l, int family, const struct ws_route *r);

/* Control path: parse an IPv4 or IPv6 address (no /len) of n bytes.
 * Returns AF_INET or AF_INET6 with out filled (16 bytes), or -EINVAL. */
int ws_route_parse_addr(const char *s, size_t n, uint8_t out[16]);

/* Control path: "198.18.0.0/15" or "2001:db8::/32" into buf (NUL-terminated,
 * truncated to size). Returns the length it needed, as snprintf. */
int ws_route_format_prefix(int family, const uint8_t *addr, unsigned len, char *buf,
			   size_t size);

/* Largest text of ws_route_format_prefix(), NUL included. */
#define WS_ROUTE_PREFIX_STRLEN 50

struct ws_route_file_opts {
	bool strict;              /* host bits and duplicates are errors */
	uint32_t default_nexthop; /* for lines without one in a file of ids */
	int default_family;       /* for `default` with nothing to tell; 0 = AF_INET */
	/* Each warning, one line without newline; NULL: printed to stderr. */
	void (*warn)(const char *msg, void *arg);
	void *warn_arg;
};

/*
 * Control path: read path into out, which must be empty. 0 with out filled,
 * or a negative errno with out left empty and the message in err:
 * -EINVAL (a bad line: "FILE:LINE:COLUMN: problem"), -ENOENT / -EACCES / ...
 * (cannot open: "FILE: cannot open: reason"), -EIO (read or gzip error),
 * -ENOMEM, -ENOSPC (more distinct gateways than WS_FIB_MAX_NEXTHOPS).
 * opts may be NULL for the defaults. err may be NULL.
 */
int ws_route_file_read(const char *path, const struct ws_route_file_opts *opts,
		       struct ws_route_list *out, char *err, size_t errlen);

#endif /* WS_FIB_ROUTE_FILE_H */
