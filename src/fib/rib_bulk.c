/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rib_bulk.c: ws_rib_replace_bulk(), loading many routes at once.
 *
 * One insert at a time into a full table in random order is a chain of cache
 * misses down the tree per route (about 1 us each here). In address order,
 * consecutive routes share most of their path, which is then in cache; so the
 * bulk update sorts a copy first (LSD radix sort: stable, so later routes
 * still win on an equal prefix) and is several times faster overall.
 */
#include "fib/rib_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Sort by address, then length (the key bytes from the least significant:
 * len, addr[bytes-1] .. addr[0]). Returns whichever of a, tmp holds the
 * result. Passes where every route has the same byte are skipped, so the
 * zero tail of the addresses costs one counting pass each. */
static struct ws_route *radix_sort(struct ws_route *a, struct ws_route *tmp, size_t n,
				   unsigned bytes)
{
	for (int pass = (int)bytes; pass >= 0; pass--) {
		size_t count[256] = { 0 }, sum = 0;
		struct ws_route *t;
		bool one_bucket = false;

		for (size_t i = 0; i < n; i++)
			count[pass == (int)bytes ? a[i].len : a[i].addr[pass]]++;
		for (unsigned b = 0; b < 256; b++) {
			size_t c = count[b];

			if (c == n)
				one_bucket = true;
			count[b] = sum;
			sum += c;
		}
		if (one_bucket)
			continue;
		for (size_t i = 0; i < n; i++)
			tmp[count[pass == (int)bytes ? a[i].len : a[i].addr[pass]]++] = a[i];
		t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

/* a sorts strictly before b (an equal prefix is not out of order) */
static inline bool before(const struct ws_route *a, const struct ws_route *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c < 0 || (c == 0 && a->len < b->len);
}

int ws_rib_replace_bulk(struct ws_rib *rib, const struct ws_route *routes, size_t n)
{
	struct ws_route *a = NULL, *tmp = NULL;
	const struct ws_route *sorted = routes;
	bool in_order = true;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		rc = ws_rib_check(rib, routes[i].addr, routes[i].len, routes[i].nexthop);
		if (rc)
			return rc;
		if (i && in_order && before(&routes[i], &routes[i - 1]))
			in_order = false;
	}
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / 2 / sizeof(*a))
		return -ENOMEM;
	/* A new prefix takes at most two nodes (itself and a glue node); with
	 * those reserved, no insert below can fail half-way. */
	if (ws_rib_reserve(rib, 2 * n)) {
		rc = -ENOMEM;
		goto out;
	}
	if (!in_order) { /* real tables usually come sorted: no copy then */
		a = malloc(n * sizeof(*a));
		tmp = malloc(n * sizeof(*tmp));
		if (!a || !tmp) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(a, routes, n * sizeof(*a));
		sorted = radix_sort(a, tmp, n, rib->max_len / 8);
	}
	for (size_t i = 0; i < n; i++)
		ws_rib_insert(rib, sorted[i].addr, sorted[i].len, sorted[i].nexthop, true);
out:
	ws_rib_release_spares(rib);
	free(a);
	free(tmp);
	return rc;
}
