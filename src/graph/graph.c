/* SPDX-License-Identifier: BSD-3-Clause */
/* graph.c: building the graph (control path) and running it (data path). */
#include "graph/graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ws_graph {
	struct ws_graph_node *nodes; /* [WS_GRAPH_MAX_NODES], cache-line aligned */
	unsigned nb_nodes;
	int finalized;
	uint64_t inner;   /* cycles of nested node runs, subtracted from the caller's */
	unsigned depth;   /* nesting of node runs (a full frame runs its node early) */
	ws_graph_drop_fn *drop;
	void *drop_ctx;
	uint64_t overflows;
	char missing[96];
};

/* A full frame runs its node at once; past this nesting (only a loop gets
 * there) packets go to the overflow callback instead. */
#define MAX_DEPTH 16u

struct ws_graph *ws_graph_create(void)
{
	struct ws_graph *g = calloc(1, sizeof(*g));

	if (!g)
		goto nomem;
	g->nodes = aligned_alloc(WS_CACHE_LINE, WS_GRAPH_MAX_NODES * sizeof(*g->nodes));
	if (!g->nodes)
		goto nomem;
	return g;
nomem:
	free(g);
	errno = ENOMEM;
	return NULL;
}

void ws_graph_free(struct ws_graph *g)
{
	if (!g)
		return;
	free(g->nodes);
	free(g);
}

int ws_graph_add_node(struct ws_graph *g, const struct ws_graph_node_spec *spec)
{
	struct ws_graph_node *n;

	if (g->finalized)
		return -EBUSY;
	if (!spec->name || !spec->process || strlen(spec->name) >= sizeof(n->name) || spec->nb_next > WS_GRAPH_MAX_NEXT)
		return -EINVAL;
	if (ws_graph_node_by_name(g, spec->name))
		return -EINVAL;
	if (g->nb_nodes == WS_GRAPH_MAX_NODES)
		return -ENOSPC;
	for (unsigned i = 0; i < spec->nb_next; i++)
		if (!spec->next[i])
			return -EINVAL;
	n = &g->nodes[g->nb_nodes];
	memset(n, 0, sizeof(*n));
	n->id = g->nb_nodes;
	n->graph = g;
	n->process = spec->process;
	n->ctx = spec->ctx;
	n->nb_next = spec->nb_next;
	strcpy(n->name, spec->name);
	for (unsigned i = 0; i < spec->nb_next; i++)
		n->next_name[i] = spec->next[i];
	return (int)g->nb_nodes++;
}

int ws_graph_finalize(struct ws_graph *g, const char **missing)
{
	for (unsigned i = 0; i < g->nb_nodes; i++) {
		struct ws_graph_node *n = &g->nodes[i];

		for (unsigned k = 0; k < n->nb_next; k++) {
			struct ws_graph_node *to = ws_graph_node_by_name(g, n->next_name[k]);

			if (!to) {
				snprintf(g->missing, sizeof(g->missing), "%s -> %s", n->name, n->next_name[k]);
				if (missing)
					*missing = g->missing;
				return -ENOENT;
			}
			n->next_id[k] = (uint16_t)to->id;
		}
	}
	g->finalized = 1;
	return 0;
}

struct ws_graph_node *ws_graph_node(struct ws_graph *g, unsigned id)
{
	return id < g->nb_nodes ? &g->nodes[id] : NULL;
}

struct ws_graph_node *ws_graph_node_by_name(struct ws_graph *g, const char *name)
{
	for (unsigned i = 0; i < g->nb_nodes; i++)
		if (!strcmp(g->nodes[i].name, name))
			return &g->nodes[i];
	return NULL;
}

unsigned ws_graph_nb_nodes(const struct ws_graph *g)
{
	return g->nb_nodes;
}

void ws_graph_set_overflow(struct ws_graph *g, ws_graph_drop_fn *drop, void *ctx)
{
	g->drop = drop;
	g->drop_ctx = ctx;
}

uint64_t ws_graph_overflows(const struct ws_graph *g)
{
	return g->overflows;
}

static void overflow(struct ws_graph *g, struct ws_pkt **pkts, unsigned n)
{
	g->overflows += n;
	if (g->drop)
		g->drop(g->drop_ctx, pkts, n);
}

static void node_run(struct ws_graph *g, struct ws_graph_node *n);

/* Move pkts[0..cnt) into `to`'s frame; a full frame runs its node first. */
static void frame_put(struct ws_graph *g, struct ws_graph_node *to, struct ws_pkt **pkts, unsigned cnt)
{
	while (cnt) {
		unsigned room = WS_GRAPH_VECTOR - to->nb_pending, k = cnt < room ? cnt : room;

		memcpy(&to->frame[to->nb_pending], pkts, k * sizeof(*pkts));
		to->nb_pending += k;
		pkts += k;
		cnt -= k;
		if (cnt) {
			if (g->depth >= MAX_DEPTH) {
				overflow(g, pkts, cnt);
				return;
			}
			node_run(g, to);
		}
	}
}

/* Hand a node's output to its next nodes. Most vectors go to one next node
 * as a whole (every packet routed, say): checked first, then moved as one
 * block. */
static void scatter(struct ws_graph *g, struct ws_graph_node *n, struct ws_pkt **v, unsigned cnt)
{
	unsigned first = v[0]->next_node, i = 1;

	while (i < cnt && v[i]->next_node == first)
		i++;
	if (i == cnt) {
		frame_put(g, &g->nodes[n->next_id[first < n->nb_next ? first : 0]], v, cnt);
		return;
	}
	for (i = 0; i < cnt; i++) {
		unsigned k = v[i]->next_node;

		/* a node bug (next_node out of range) must not write anywhere */
		frame_put(g, &g->nodes[n->next_id[k < n->nb_next ? k : 0]], &v[i], 1);
	}
}

static void node_run(struct ws_graph *g, struct ws_graph_node *n)
{
	struct ws_pkt *v[WS_GRAPH_VECTOR];
	unsigned cnt = n->nb_pending, out;
	uint64_t saved = g->inner, t0, total;

	/* the frame is emptied first, so that packets looping back to this
	 * node find room */
	memcpy(v, n->frame, cnt * sizeof(v[0]));
	n->nb_pending = 0;
	g->inner = 0;
	g->depth++;
	t0 = ws_rdtsc();
	out = n->process(n, v, cnt);
	if (out && n->nb_next)
		scatter(g, n, v, out > cnt ? cnt : out);
	total = ws_rdtsc() - t0;
	g->depth--;
	n->stats.calls++;
	n->stats.packets += cnt;
	n->stats.cycles += total - g->inner;
	g->inner = saved + total;
}

unsigned ws_graph_enqueue(struct ws_graph *g, unsigned id, struct ws_pkt *const *pkts, unsigned n)
{
	struct ws_graph_node *to = &g->nodes[id];
	unsigned room = WS_GRAPH_VECTOR - to->nb_pending, k = n < room ? n : room;

	memcpy(&to->frame[to->nb_pending], pkts, k * sizeof(*pkts));
	to->nb_pending += k;
	return k;
}

unsigned ws_graph_run(struct ws_graph *g)
{
	unsigned left = 0;

	for (unsigned pass = 0; pass < WS_GRAPH_MAX_PASSES; pass++) {
		int ran = 0;

		for (unsigned i = 0; i < g->nb_nodes; i++) {
			if (g->nodes[i].nb_pending) {
				node_run(g, &g->nodes[i]);
				ran = 1;
			}
		}
		if (!ran)
			return 0;
	}
	for (unsigned i = 0; i < g->nb_nodes; i++) {
		struct ws_graph_node *n = &g->nodes[i];

		if (n->nb_pending && g->drop) {
			left += n->nb_pending;
			overflow(g, n->frame, n->nb_pending);
			n->nb_pending = 0;
		} else {
			left += n->nb_pending;
		}
	}
	return left;
}
