/* SPDX-License-Identifier: BSD-3-Clause */
/* lpm6.c: building an IPv6 trie (control path) and the bulk lookup (data
 * path). The structure is described in trie.h and lpm6.h. */
#include "fib/lpm6.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "fib/rib.h"

/* One body for both ways of building: routes != NULL builds from the array,
 * else from the RIB. */
static struct ws_lpm6 *lpm6_new(const struct ws_route *routes, size_t n, const struct ws_rib *rib)
{
	struct ws_lpm6 *lpm = calloc(1, sizeof(*lpm));
	int rc;

	if (!lpm) {
		errno = ENOMEM;
		return NULL;
	}
	if (rib)
		rc = ws_rib_family(rib) == AF_INET6 ? ws_trie_build_rib(&lpm->trie, rib, WS_LPM6_DIRECT_BITS) : -EINVAL;
	else
		rc = ws_trie_build(&lpm->trie, routes, n, 128, WS_LPM6_DIRECT_BITS);
	if (rc) {
		free(lpm);
		errno = -rc;
		return NULL;
	}
	lpm->nb_routes = rib ? (uint32_t)ws_rib_count(rib) : (uint32_t)n;
	return lpm;
}

struct ws_lpm6 *ws_lpm6_build(const struct ws_route *routes, size_t n)
{
	return lpm6_new(routes, n, NULL);
}

struct ws_lpm6 *ws_lpm6_build_rib(const struct ws_rib *rib)
{
	return lpm6_new(NULL, 0, rib);
}

void ws_lpm6_free(struct ws_lpm6 *lpm)
{
	if (!lpm)
		return;
	ws_trie_release(&lpm->trie);
	free(lpm);
}

int ws_lpm6_update(struct ws_lpm6 *lpm, const struct ws_rib *rib, const uint8_t *addr, unsigned len)
{
	int rc;

	if (ws_rib_family(rib) != AF_INET6)
		return -EINVAL;
	rc = ws_trie_update(&lpm->trie, rib, addr, len);
	lpm->nb_routes = (uint32_t)ws_rib_count(rib);
	return rc;
}

void ws_lpm6_reclaim(struct ws_lpm6 *lpm)
{
	ws_trie_reclaim(&lpm->trie);
}

size_t ws_lpm6_retired(const struct ws_lpm6 *lpm)
{
	return ws_trie_retired(&lpm->trie);
}

size_t ws_lpm6_memory(const struct ws_lpm6 *lpm)
{
	return ws_trie_memory(&lpm->trie);
}

void ws_lpm6_lookup_bulk(const struct ws_lpm6 *lpm, const uint8_t (*addrs)[16], uint32_t *nexthops,
			 unsigned n)
{
	const uint32_t *restrict direct = lpm->trie.direct;
	const struct ws_trie_node *restrict nodes = lpm->trie.nodes;
	const uint16_t *restrict leaves = lpm->trie.leaves;

	for (unsigned base = 0; base < n; base += WS_LPM6_BULK_GROUP) {
		unsigned m = n - base < WS_LPM6_BULK_GROUP ? n - base : WS_LPM6_BULK_GROUP;
		uint32_t *restrict out = nexthops + base;
		ws_lpm6_key key[WS_LPM6_BULK_GROUP];
		uint32_t cur[WS_LPM6_BULK_GROUP];
		/* uint32_t, not uint8_t: stores through a char type may alias
		 * anything, and made the compiler reload cur[] and the table
		 * pointers after every list write */
		uint32_t active[WS_LPM6_BULK_GROUP], at_leaf[WS_LPM6_BULK_GROUP];
		unsigned nb_active = 0, nb_leaf = 0;
		unsigned pos = WS_LPM6_DIRECT_BITS;

		for (unsigned i = 0; i < m; i++) {
			key[i] = ws_lpm6__key(addrs[base + i]);
			ws_prefetch0(&direct[(unsigned)(key[i] >> (128 - WS_LPM6_DIRECT_BITS))]);
		}
		/* selects and unconditional list writes, as in lpm4.c: the
		 * outcomes are random under random traffic */
		for (unsigned i = 0; i < m; i++) {
			uint32_t e = ws_trie_direct(direct, (uint32_t)(key[i] >> (128 - WS_LPM6_DIRECT_BITS)));

			out[i] = ws_trie_leaf((uint16_t)e);
			cur[i] = e;
			active[nb_active] = i;
			nb_active += !(e & WS_TRIE_DIRECT_LEAF);
		}
		for (unsigned t = 0; t < nb_active; t++)
			ws_trie_prefetch_node(&nodes[cur[active[t]]]);
		while (nb_active) {
			unsigned still = 0;

			for (unsigned t = 0; t < nb_active; t++) {
				unsigned i = active[t];
				unsigned is_node = ws_trie_step(&nodes[cur[i]], ws_lpm6__slot(key[i], pos), &cur[i]);

				ws_trie_prefetch_next(nodes, leaves, cur[i], is_node); /* as in lpm4.c */
				active[still] = i;
				still += is_node;
				at_leaf[nb_leaf] = i;
				nb_leaf += !is_node;
			}
			nb_active = still;
			pos += WS_TRIE_STRIDE;
		}
		for (unsigned t = 0; t < nb_leaf; t++)
			out[at_leaf[t]] = ws_trie_leaf(leaves[cur[at_leaf[t]]]);
	}
}
