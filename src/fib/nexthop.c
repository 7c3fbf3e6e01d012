/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nexthop.c: the nexthop table behind nexthop.h: entries in one array indexed
 * by id (allocated once at the full size, so entries never move; calloc'd
 * pages that are never touched cost no memory), a free-id stack, and an
 * open-addressing hash from key to id so that interning a full table's routes
 * is a hash probe per route, not a scan.
 */
#include "fib/nexthop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct ws_nh_table {
	struct ws_nexthop *ent;  /* [max] */
	uint32_t *free_ids;      /* stack of released ids */
	uint32_t nb_free;
	uint32_t next_fresh;     /* ids >= this were never used */
	uint32_t max;
	uint32_t used;
	/* Linear probing, slot = id + 1 (0 = empty), at most half full because
	 * it is sized to 2 * max; deletion shifts back, so no tombstones. */
	uint32_t *slots;
	uint32_t mask;
};

/* The key with the bytes equality ignores zeroed, so that equal keys are
 * equal bytes; -EINVAL for a malformed key. */
static int canon_key(const struct ws_nexthop_key *k, struct ws_nexthop_key *out)
{
	size_t dl = strnlen(k->dev, WS_NH_DEV_LEN);

	if (k->type > WS_NH_LOCAL || dl == WS_NH_DEV_LEN)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->type = k->type;
	out->gw_family = k->gw_family;
	out->port = k->port;
	switch (k->gw_family) {
	case AF_UNSPEC:
		break;
	case AF_INET:
		memcpy(out->gw, k->gw, 4);
		break;
	case AF_INET6:
		memcpy(out->gw, k->gw, 16);
		break;
	default:
		return -EINVAL;
	}
	memcpy(out->dev, k->dev, dl);
	return 0;
}

static uint32_t key_hash(const struct ws_nexthop_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	/* FNV-1a: the key is 36 bytes and hashed once per route added. */
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32);
}

struct ws_nh_table *ws_nh_table_create(unsigned max)
{
	struct ws_nh_table *t;
	uint32_t nslots = 1;

	if (max == 0 || max > WS_FIB_MAX_NEXTHOPS) {
		errno = EINVAL;
		return NULL;
	}
	while (nslots < 2 * max)
		nslots <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ent = calloc(max, sizeof(*t->ent));
	t->free_ids = calloc(max, sizeof(*t->free_ids));
	t->slots = calloc(nslots, sizeof(*t->slots));
	if (!t->ent || !t->free_ids || !t->slots) {
		ws_nh_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->max = max;
	t->mask = nslots - 1;
	return t;
}

void ws_nh_table_free(struct ws_nh_table *tbl)
{
	if (!tbl)
		return;
	free(tbl->ent);
	free(tbl->free_ids);
	free(tbl->slots);
	free(tbl);
}

/* Slot holding k's id, or the empty slot where it would go. */
static uint32_t find_slot(const struct ws_nh_table *t, const struct ws_nexthop_key *k)
{
	uint32_t i = key_hash(k) & t->mask;

	while (t->slots[i] && memcmp(&t->ent[t->slots[i] - 1].key, k, sizeof(*k)))
		i = (i + 1) & t->mask;
	return i;
}

static void hash_remove(struct ws_nh_table *t, uint32_t id)
{
	uint32_t i = find_slot(t, &t->ent[id].key), j = i;

	/* Backward-shift deletion: pull later members of the probe run into the
	 * hole unless they already sit at or after their home slot's position
	 * relative to it. */
	t->slots[i] = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (!t->slots[j])
			return;
		home = key_hash(&t->ent[t->slots[j] - 1].key) & t->mask;
		/* j's entry may move to i only if its home is not in (i, j]. */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = 0;
			i = j;
		}
	}
}

int ws_nh_get_or_add(struct ws_nh_table *tbl, const struct ws_nexthop_key *k)
{
	struct ws_nexthop_key ck;
	uint32_t slot, id;
	int rc = canon_key(k, &ck);

	if (rc)
		return rc;
	slot = find_slot(tbl, &ck);
	if (tbl->slots[slot]) {
		id = tbl->slots[slot] - 1;
		if (tbl->ent[id].refcnt == UINT32_MAX)
			return -EOVERFLOW;
		tbl->ent[id].refcnt++;
		return (int)id;
	}
	if (tbl->nb_free)
		id = tbl->free_ids[--tbl->nb_free];
	else if (tbl->next_fresh < tbl->max)
		id = tbl->next_fresh++;
	else
		return -ENOSPC;
	memset(&tbl->ent[id], 0, sizeof(tbl->ent[id]));
	tbl->ent[id].key = ck;
	tbl->ent[id].refcnt = 1;
	tbl->slots[slot] = id + 1;
	tbl->used++;
	return (int)id;
}

static struct ws_nexthop *held(const struct ws_nh_table *tbl, uint32_t id)
{
	if (id >= tbl->max || tbl->ent[id].refcnt == 0)
		return NULL;
	return &tbl->ent[id];
}

int ws_nh_ref(struct ws_nh_table *tbl, uint32_t id)
{
	struct ws_nexthop *e = held(tbl, id);

	if (!e)
		return -ENOENT;
	if (e->refcnt == UINT32_MAX)
		return -EOVERFLOW;
	e->refcnt++;
	return 0;
}

int ws_nh_unref(struct ws_nh_table *tbl, uint32_t id)
{
	struct ws_nexthop *e = held(tbl, id);

	if (!e)
		return -ENOENT;
	if (--e->refcnt)
		return e->refcnt > INT32_MAX ? INT32_MAX : (int)e->refcnt;
	/* Last reference: out of the hash (which reads the key), then free. */
	hash_remove(tbl, id);
	tbl->free_ids[tbl->nb_free++] = id;
	tbl->used--;
	return 0;
}

const struct ws_nexthop *ws_nh_lookup(const struct ws_nh_table *tbl, uint32_t id)
{
	return held(tbl, id);
}

int ws_nh_set_mac(struct ws_nh_table *tbl, uint32_t id, const uint8_t mac[6])
{
	struct ws_nexthop *e = held(tbl, id);

	if (!e)
		return -ENOENT;
	memcpy(e->mac, mac, 6);
	e->mac_valid = 1;
	return 0;
}

size_t ws_nh_count(const struct ws_nh_table *tbl)
{
	return tbl->used;
}

unsigned ws_nh_max(const struct ws_nh_table *tbl)
{
	return tbl->max;
}

char *ws_nh_format(const struct ws_nexthop_key *k, char *buf, size_t size)
{
	static const char *const types[] = { "", "blackhole", "unreachable", "prohibit", "local" };
	char gw[INET6_ADDRSTRLEN] = "";
	size_t n = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
#define PUT(...)                                                                  \
	do {                                                                      \
		if (n < size) {                                                   \
			int w_ = snprintf(buf + n, size - n, __VA_ARGS__);        \
			n += w_ > 0 ? (size_t)w_ : 0;                             \
		}                                                                 \
	} while (0)
	if (k->type != WS_NH_UNICAST && k->type <= WS_NH_LOCAL)
		PUT("%s", types[k->type]);
	if (k->gw_family == AF_INET || k->gw_family == AF_INET6) {
		inet_ntop(k->gw_family, k->gw, gw, sizeof(gw));
		PUT("%svia %s", n ? " " : "", gw);
	}
	if (k->dev[0])
		PUT("%sdev %.*s", n ? " " : "", WS_NH_DEV_LEN, k->dev);
	if (k->port != WS_NH_PORT_NONE)
		PUT("%sport %u", n ? " " : "", k->port);
	if (n == 0)
		PUT("direct");
#undef PUT
	return buf;
}
