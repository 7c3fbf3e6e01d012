/* SPDX-License-Identifier: BSD-3-Clause */
/* fib_table.c: route changes into the RIB and the compiled structures, and
 * their publication to lock-free readers (control path). See fib_table.h. */
#include "fib/fib_table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "core/rcu.h"
#include "fib/rib.h"

static struct ws_rib *rib_of(struct ws_fib *fib, int family)
{
	return family == AF_INET ? fib->rib4 : family == AF_INET6 ? fib->rib6 : NULL;
}

static size_t retired(const struct ws_fib *fib)
{
	return ws_lpm4_retired(fib->lpm4) + ws_lpm6_retired(fib->lpm6);
}

/* Wait until no reader can still be in memory retired so far, then reuse it. */
static void grace_and_reclaim(struct ws_fib *fib)
{
	ws_rcu_synchronize();
	ws_lpm4_reclaim(fib->lpm4);
	ws_lpm6_reclaim(fib->lpm6);
	fib->stats.grace_periods++;
}

/* Compile the family anew from rib and publish it; the old structure is
 * freed after a grace period. The FIB is unchanged on error. */
static int publish_rebuild(struct ws_fib *fib, int family, struct ws_rib *rib)
{
	void *old;

	if (family == AF_INET) {
		struct ws_lpm4 *lpm = ws_lpm4_build_rib(rib);

		if (!lpm)
			return -errno;
		old = fib->lpm4;
		__atomic_store_n(&fib->lpm4, lpm, __ATOMIC_RELEASE);
	} else {
		struct ws_lpm6 *lpm = ws_lpm6_build_rib(rib);

		if (!lpm)
			return -errno;
		old = fib->lpm6;
		__atomic_store_n(&fib->lpm6, lpm, __ATOMIC_RELEASE);
	}
	grace_and_reclaim(fib);
	if (family == AF_INET)
		ws_lpm4_free(old);
	else
		ws_lpm6_free(old);
	fib->stats.rebuilds++;
	return 0;
}

/* The RIB has changed addr/len: bring the compiled structure in line. */
static int apply(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len)
{
	struct ws_rib *rib = rib_of(fib, family);
	int rc;

	for (int attempt = 0;; attempt++) {
		rc = family == AF_INET ? ws_lpm4_update(fib->lpm4, rib, addr, len)
				       : ws_lpm6_update(fib->lpm6, rib, addr, len);
		if (rc != -ENOSPC)
			break;
		if (attempt == 0 && retired(fib)) {
			grace_and_reclaim(fib); /* retired blocks may be enough */
			continue;
		}
		/* the headroom is used up: a new structure, with new headroom */
		rc = publish_rebuild(fib, family, rib);
		break;
	}
	if (!rc && retired(fib) >= WS_FIB_SYNC_ENTRIES)
		grace_and_reclaim(fib);
	return rc;
}

/* After a failed apply: put the RIB back (had is 0 when the prefix existed
 * with nexthop old_nh, else it did not exist) and recompile the range as it
 * was. */
static void roll_back(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, int had, uint32_t old_nh)
{
	struct ws_rib *rib = rib_of(fib, family);

	if (had == 0)
		ws_rib_replace(rib, addr, len, old_nh);
	else
		ws_rib_delete(rib, addr, len);
	if (apply(fib, family, addr, len))
		publish_rebuild(fib, family, rib); /* last resort; may fail too */
}

struct ws_fib *ws_fib_create(void)
{
	struct ws_fib *fib = calloc(1, sizeof(*fib));

	if (!fib)
		goto nomem;
	pthread_mutex_init(&fib->lock, NULL);
	fib->rib4 = ws_rib_create(AF_INET);
	fib->rib6 = ws_rib_create(AF_INET6);
	if (!fib->rib4 || !fib->rib6)
		goto nomem;
	fib->lpm4 = ws_lpm4_build(NULL, 0);
	fib->lpm6 = ws_lpm6_build(NULL, 0);
	if (!fib->lpm4 || !fib->lpm6)
		goto nomem;
	return fib;
nomem:
	ws_fib_free(fib);
	errno = ENOMEM;
	return NULL;
}

void ws_fib_free(struct ws_fib *fib)
{
	if (!fib)
		return;
	ws_lpm4_free(fib->lpm4);
	ws_lpm6_free(fib->lpm6);
	ws_rib_free(fib->rib4);
	ws_rib_free(fib->rib6);
	pthread_mutex_destroy(&fib->lock);
	free(fib);
}

int ws_fib_load(struct ws_fib *fib, int family, const struct ws_route *routes, size_t n)
{
	struct ws_rib *rib, *old;
	int rc;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (routes[i].nexthop >= WS_FIB_MAX_NEXTHOPS)
			return -EINVAL;
	rib = ws_rib_create(family);
	if (!rib)
		return -ENOMEM;
	rc = ws_rib_replace_bulk(rib, routes, n);
	pthread_mutex_lock(&fib->lock);
	if (!rc)
		rc = publish_rebuild(fib, family, rib);
	if (!rc) {
		old = rib_of(fib, family);
		if (family == AF_INET)
			fib->rib4 = rib;
		else
			fib->rib6 = rib;
		rib = old;
		fib->stats.changes += n;
	}
	pthread_mutex_unlock(&fib->lock);
	ws_rib_free(rib);
	return rc;
}

int ws_fib_route_replace(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, uint32_t nexthop)
{
	struct ws_rib *rib = rib_of(fib, family);
	uint32_t old_nh = 0;
	int had, rc;

	if (!rib || nexthop >= WS_FIB_MAX_NEXTHOPS)
		return -EINVAL;
	pthread_mutex_lock(&fib->lock);
	had = ws_rib_get(rib, addr, len, &old_nh); /* 0: present; -ENOENT; -EINVAL */
	if (had == -EINVAL) {
		rc = -EINVAL;
	} else if (had == 0 && old_nh == nexthop) {
		rc = 1; /* nothing changes */
	} else {
		rc = ws_rib_replace(rib, addr, len, nexthop);
		if (rc >= 0) {
			int arc = apply(fib, family, addr, len);

			if (arc) {
				roll_back(fib, family, addr, len, had, old_nh);
				rc = arc;
			} else {
				fib->stats.changes++;
			}
		}
	}
	pthread_mutex_unlock(&fib->lock);
	return rc;
}

int ws_fib_route_delete(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len)
{
	struct ws_rib *rib = rib_of(fib, family);
	uint32_t old_nh;
	int rc;

	if (!rib)
		return -EINVAL;
	pthread_mutex_lock(&fib->lock);
	rc = ws_rib_get(rib, addr, len, &old_nh);
	if (!rc)
		rc = ws_rib_delete(rib, addr, len);
	if (!rc) {
		rc = apply(fib, family, addr, len);
		if (rc)
			roll_back(fib, family, addr, len, 0, old_nh); /* it was there with old_nh */
		else
			fib->stats.changes++;
	}
	pthread_mutex_unlock(&fib->lock);
	return rc;
}

int ws_fib_route_get(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, uint32_t *nexthop)
{
	struct ws_rib *rib = rib_of(fib, family);
	int rc;

	if (!rib)
		return -EINVAL;
	pthread_mutex_lock(&fib->lock);
	rc = ws_rib_get(rib, addr, len, nexthop);
	pthread_mutex_unlock(&fib->lock);
	return rc;
}

void ws_fib_sync(struct ws_fib *fib)
{
	pthread_mutex_lock(&fib->lock);
	grace_and_reclaim(fib);
	pthread_mutex_unlock(&fib->lock);
}

void ws_fib_get_stats(struct ws_fib *fib, struct ws_fib_stats *st)
{
	pthread_mutex_lock(&fib->lock);
	*st = fib->stats;
	st->routes4 = ws_rib_count(fib->rib4);
	st->routes6 = ws_rib_count(fib->rib6);
	st->memory4 = ws_lpm4_memory(fib->lpm4);
	st->memory6 = ws_lpm6_memory(fib->lpm6);
	pthread_mutex_unlock(&fib->lock);
}

int ws_fib_walk(struct ws_fib *fib, int family, const uint8_t *addr, unsigned len, ws_rib_walk_fn *cb, void *arg)
{
	struct ws_rib *rib = rib_of(fib, family);
	int rc;

	if (!rib)
		return -EINVAL;
	pthread_mutex_lock(&fib->lock);
	rc = ws_rib_walk_range(rib, addr, len, cb, arg);
	pthread_mutex_unlock(&fib->lock);
	return rc;
}

int ws_fib_route_lookup(struct ws_fib *fib, int family, const uint8_t *addr, uint32_t *nexthop, unsigned *len)
{
	struct ws_rib *rib = rib_of(fib, family);
	int rc;

	if (!rib)
		return -EINVAL;
	pthread_mutex_lock(&fib->lock);
	rc = ws_rib_lookup(rib, addr, nexthop, len);
	pthread_mutex_unlock(&fib->lock);
	return rc;
}
