/* SPDX-License-Identifier: BSD-3-Clause */
/* The vector graph: building (names, limits, missing next nodes), moving
 * packets by next_node, full frames, loops, consuming nodes, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "graph/graph.h"

#define NB_PKTS 600

static struct ws_pkt *pkt_mem;
static struct ws_pkt *pkts[NB_PKTS];

/* what the sink saw */
static unsigned sink_count, sink_seen[NB_PKTS];

static void reset(void)
{
	free(pkt_mem);
	pkt_mem = aligned_alloc(WS_CACHE_LINE, NB_PKTS * sizeof(struct ws_pkt));
	assert_non_null(pkt_mem);
	memset(pkt_mem, 0, NB_PKTS * sizeof(struct ws_pkt));
	for (unsigned i = 0; i < NB_PKTS; i++) {
		pkts[i] = &pkt_mem[i];
		pkts[i]->seq = i;
	}
	sink_count = 0;
	memset(sink_seen, 0, sizeof(sink_seen));
}

/* even seq -> next 0, odd -> next 1 */
static unsigned classify(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	for (unsigned i = 0; i < n; i++)
		v[i]->next_node = v[i]->seq & 1;
	return n;
}

/* everything to next 0, marking the packet */
static unsigned mark(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		v[i]->flags |= (uint8_t)(uintptr_t)node->ctx;
		v[i]->next_node = 0;
	}
	return n;
}

static unsigned sink(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	for (unsigned i = 0; i < n; i++) {
		sink_seen[v[i]->seq]++;
		sink_count++;
	}
	return 0;
}

static int add(struct ws_graph *g, const char *name, ws_graph_process_fn *fn, void *ctx, const char *n0,
	       const char *n1)
{
	struct ws_graph_node_spec s = { .name = name, .process = fn, .ctx = ctx };

	if (n0)
		s.next[s.nb_next++] = n0;
	if (n1)
		s.next[s.nb_next++] = n1;
	return ws_graph_add_node(g, &s);
}

static void test_build_errors(void **state)
{
	struct ws_graph *g = ws_graph_create();
	struct ws_graph_node_spec s = { .name = "x", .process = sink };
	const char *missing = NULL;

	(void)state;
	assert_int_equal(add(g, "classify", classify, NULL, "even", "odd"), 0);
	assert_int_equal(add(g, "classify", classify, NULL, NULL, NULL), -EINVAL); /* name taken */
	assert_int_equal(add(g, "nofn", NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(add(g, "a-name-that-is-far-too-long-for-a-node", sink, NULL, NULL, NULL), -EINVAL);
	s.nb_next = WS_GRAPH_MAX_NEXT + 1;
	assert_int_equal(ws_graph_add_node(g, &s), -EINVAL);
	assert_int_equal(add(g, "even", mark, NULL, "sink", NULL), 1);
	assert_int_equal(ws_graph_finalize(g, &missing), -ENOENT);
	assert_string_equal(missing, "classify -> odd");
	assert_int_equal(add(g, "odd", mark, NULL, "sink", NULL), 2);
	assert_int_equal(add(g, "sink", sink, NULL, NULL, NULL), 3);
	assert_int_equal(ws_graph_finalize(g, &missing), 0);
	assert_int_equal(add(g, "late", sink, NULL, NULL, NULL), -EBUSY);
	assert_int_equal(ws_graph_nb_nodes(g), 4);
	assert_string_equal(ws_graph_node_by_name(g, "odd")->name, "odd");
	assert_null(ws_graph_node_by_name(g, "filter"));
	assert_null(ws_graph_node(g, 4));
	ws_graph_free(g);

	g = ws_graph_create();
	for (unsigned i = 0; i < WS_GRAPH_MAX_NODES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%u", i);
		assert_int_equal(add(g, name, sink, NULL, NULL, NULL), (int)i);
	}
	assert_int_equal(add(g, "one-more", sink, NULL, NULL, NULL), -ENOSPC);
	ws_graph_free(g);
}

static void test_dispatch_and_counters(void **state)
{
	struct ws_graph *g = ws_graph_create();
	struct ws_graph_node_stats st[4];
	uint64_t t0, t1, sum = 0;

	(void)state;
	reset();
	add(g, "classify", classify, NULL, "even", "odd");
	add(g, "even", mark, (void *)(uintptr_t)0x10, "sink", NULL);
	add(g, "odd", mark, (void *)(uintptr_t)0x20, "sink", NULL);
	add(g, "sink", sink, NULL, NULL, NULL);
	assert_int_equal(ws_graph_finalize(g, NULL), 0);

	/* a frame takes one vector; the caller keeps the rest */
	assert_int_equal(ws_graph_enqueue(g, 0, pkts, 300), WS_GRAPH_VECTOR);
	t0 = ws_rdtsc();
	assert_int_equal(ws_graph_run(g), 0);
	t1 = ws_rdtsc();
	assert_int_equal(sink_count, WS_GRAPH_VECTOR);
	for (unsigned i = 0; i < WS_GRAPH_VECTOR; i++) {
		assert_int_equal(sink_seen[i], 1);
		assert_int_equal(pkts[i]->flags, i & 1 ? 0x20 : 0x10);
	}
	for (unsigned i = 0; i < 4; i++) {
		st[i] = ws_graph_node(g, i)->stats;
		sum += st[i].cycles;
	}
	assert_int_equal(st[0].calls, 1);
	assert_int_equal(st[0].packets, WS_GRAPH_VECTOR);
	assert_int_equal(st[1].packets, WS_GRAPH_VECTOR / 2);
	assert_int_equal(st[2].packets, WS_GRAPH_VECTOR / 2);
	assert_int_equal(st[3].calls, 1);
	assert_int_equal(st[3].packets, WS_GRAPH_VECTOR);
	/* nested time is not counted twice: the nodes' cycles fit in the run */
	assert_true(sum <= t1 - t0);
	ws_graph_free(g);
}

/* Two nodes feed a third more than a vector in one pass: its full frame
 * runs it early, nothing is lost. */
static void test_full_frame_runs_early(void **state)
{
	struct ws_graph *g = ws_graph_create();

	(void)state;
	reset();
	add(g, "a", mark, (void *)(uintptr_t)1, "c", NULL);
	add(g, "b", mark, (void *)(uintptr_t)2, "c", NULL);
	add(g, "c", mark, (void *)(uintptr_t)4, "sink", NULL);
	add(g, "sink", sink, NULL, NULL, NULL);
	assert_int_equal(ws_graph_finalize(g, NULL), 0);
	assert_int_equal(ws_graph_enqueue(g, 0, pkts, 200), 200);
	assert_int_equal(ws_graph_enqueue(g, 1, pkts + 200, 200), 200);
	assert_int_equal(ws_graph_run(g), 0);
	assert_int_equal(sink_count, 400);
	for (unsigned i = 0; i < 400; i++)
		assert_int_equal(sink_seen[i], 1);
	assert_int_equal(ws_graph_node(g, 2)->stats.calls, 2);
	assert_int_equal(ws_graph_node(g, 2)->stats.packets, 400);
	assert_int_equal(ws_graph_overflows(g), 0);
	ws_graph_free(g);
}

/* loop back to itself until seq has gone round `data_len` times */
static unsigned looper(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	for (unsigned i = 0; i < n; i++) {
		v[i]->data_len++;
		v[i]->next_node = v[i]->data_len < v[i]->l3_off ? 0 : 1;
	}
	return n;
}

static unsigned dropped;

static void drop_cb(void *ctx, struct ws_pkt **v, unsigned n)
{
	(void)ctx;
	(void)v;
	dropped += n;
}

static void test_loops_and_overflow(void **state)
{
	struct ws_graph *g = ws_graph_create();

	(void)state;
	reset();
	dropped = 0;
	add(g, "loop", looper, NULL, "loop", "sink");
	add(g, "sink", sink, NULL, NULL, NULL);
	assert_int_equal(ws_graph_finalize(g, NULL), 0);
	ws_graph_set_overflow(g, drop_cb, NULL);
	/* 10 packets loop 3 times, 5 loop forever */
	for (unsigned i = 0; i < 15; i++)
		pkts[i]->l3_off = i < 10 ? 3 : 0xffff;
	assert_int_equal(ws_graph_enqueue(g, 0, pkts, 15), 15);
	assert_int_equal(ws_graph_run(g), 5);
	assert_int_equal(sink_count, 10);
	assert_int_equal(dropped, 5);
	assert_int_equal(ws_graph_overflows(g), 5);
	assert_int_equal(pkts[0]->data_len, 3);
	ws_graph_free(g);
}

/* keeps odd packets (a queue, say), hands on even ones */
static unsigned keep_odd(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	unsigned out = 0;

	(void)node;
	for (unsigned i = 0; i < n; i++) {
		if (!(v[i]->seq & 1)) {
			v[i]->next_node = 0;
			v[out++] = v[i];
		}
	}
	return out;
}

static void test_consuming_node(void **state)
{
	struct ws_graph *g = ws_graph_create();

	(void)state;
	reset();
	add(g, "keep", keep_odd, NULL, "sink", NULL);
	add(g, "sink", sink, NULL, NULL, NULL);
	assert_int_equal(ws_graph_finalize(g, NULL), 0);
	assert_int_equal(ws_graph_enqueue(g, 0, pkts, 100), 100);
	assert_int_equal(ws_graph_run(g), 0);
	assert_int_equal(sink_count, 50);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(sink_seen[i], !(i & 1));
	ws_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_dispatch_and_counters),
		cmocka_unit_test(test_full_frame_runs_early),
		cmocka_unit_test(test_loops_and_overflow),
		cmocka_unit_test(test_consuming_node),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(pkt_mem);
	return rc;
}
