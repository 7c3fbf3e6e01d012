/* SPDX-License-Identifier: BSD-3-Clause */
/* neigh.c: the neighbour table's storage (see neigh.h). */
#include "fwd/neigh.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static_assert((WS_NEIGH_BUCKETS & (WS_NEIGH_BUCKETS - 1)) == 0, "buckets must be a power of two");

static unsigned addr_len(int family)
{
	return family == AF_INET ? 4u : 16u;
}

/* A multiplicative hash of the address words and the port: neighbours on
 * one subnet differ in their last bytes, which the multiply spreads over
 * the high bits the index takes. */
static unsigned neigh_hash(int family, uint16_t port, const uint8_t *ip)
{
	uint64_t h = (uint64_t)port * 0x9e3779b97f4a7c15ull ^ (uint64_t)family;
	uint32_t w;

	for (unsigned i = 0; i < addr_len(family); i += 4) {
		memcpy(&w, ip + i, 4);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	return (unsigned)(h >> 40) & (WS_NEIGH_BUCKETS - 1);
}

int ws_neigh_init(struct ws_neigh_table *t)
{
	memset(t, 0, sizeof(*t));
	t->e = calloc(WS_NEIGH_MAX, sizeof(*t->e));
	t->bucket = malloc(WS_NEIGH_BUCKETS * sizeof(*t->bucket));
	if (!t->e || !t->bucket) {
		ws_neigh_fini(t);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < WS_NEIGH_BUCKETS; i++)
		t->bucket[i] = -1;
	for (unsigned i = 0; i < WS_NEIGH_MAX; i++)
		t->e[i].next = i + 1 < WS_NEIGH_MAX ? (int32_t)(i + 1) : -1;
	t->free_head = 0;
	return 0;
}

void ws_neigh_fini(struct ws_neigh_table *t)
{
	free(t->e);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

struct ws_neigh *ws_neigh_find(const struct ws_neigh_table *t, int family, uint16_t port, const uint8_t *ip)
{
	for (int32_t i = t->bucket[neigh_hash(family, port, ip)]; i >= 0; i = t->e[i].next) {
		struct ws_neigh *e = &t->e[i];

		if (e->family == family && e->port == port && !memcmp(e->ip, ip, addr_len(family)))
			return e;
	}
	return NULL;
}

struct ws_neigh *ws_neigh_add(struct ws_neigh_table *t, int family, uint16_t port, const uint8_t *ip)
{
	unsigned b = neigh_hash(family, port, ip);
	struct ws_neigh *e;

	if (t->free_head < 0)
		return NULL;
	e = &t->e[t->free_head];
	t->free_head = e->next;
	memset(e, 0, sizeof(*e));
	memcpy(e->ip, ip, addr_len(family));
	e->family = (uint8_t)family;
	e->port = port;
	e->state = WS_NEIGH_INCOMPLETE;
	e->next = t->bucket[b];
	t->bucket[b] = (int32_t)ws_neigh_index(t, e);
	t->count++;
	return e;
}

void ws_neigh_remove(struct ws_neigh_table *t, struct ws_neigh *e)
{
	int32_t *link = &t->bucket[neigh_hash(e->family, e->port, e->ip)];
	int32_t idx = (int32_t)ws_neigh_index(t, e);

	while (*link >= 0 && *link != idx)
		link = &t->e[*link].next;
	if (*link != idx)
		return; /* not linked: nothing to do */
	*link = e->next;
	e->state = WS_NEIGH_FREE;
	e->next = t->free_head;
	t->free_head = idx;
	t->count--;
}

const char *ws_neigh_state_name(unsigned state)
{
	static const char *const names[] = { "free", "incomplete", "reachable", "static", "failed" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
