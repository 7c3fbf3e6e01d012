/* SPDX-License-Identifier: BSD-3-Clause */
/* The "filter" graph node: verdicts to its two next nodes with the drop
 * reason, per-port first rules, the XDP filter's tag (taken off; decided
 * frames not classified; untagged frames from rule 0), and a stage swap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/pkt.h"
#include "filter/node.h"
#include "filter/xdp_filter_abi.h"
#include "graph/graph.h"

#define NB 64
#define FRAME 256
#define REASON 77

struct frame {
	struct ws_pkt pkt;
	uint8_t data[FRAME];
} __attribute__((aligned(WS_CACHE_LINE)));

static struct frame *mem;
static unsigned passed, dropped, bad_reason;
static struct ws_pkt *last_pass[NB];

static unsigned sink_pass(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	for (unsigned i = 0; i < n; i++)
		last_pass[passed++ % NB] = v[i];
	return 0;
}

static unsigned sink_drop(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	(void)node;
	for (unsigned i = 0; i < n; i++)
		bad_reason += v[i]->drop_reason != REASON;
	dropped += n;
	return 0;
}

/* Packet i: Ethernet + IPv4 UDP from 198.18.0.src to 198.18.1.1, port
 * dport; with a tag of next_rule in front when tag >= 0. */
static struct ws_pkt *frame(unsigned i, uint8_t src, uint16_t dport, int tag, uint16_t in_port)
{
	struct ws_pkt *p = &mem[i].pkt;
	uint8_t *d = mem[i].data + 8, *e = d + (tag >= 0 ? WS_XDPF_TAG_LEN : 0), *ip = e + 14, *udp = ip + 20;

	memset(&mem[i], 0, sizeof(mem[i]));
	if (tag >= 0) {
		d[0] = WS_XDPF_TAG_MAGIC >> 8;
		d[1] = WS_XDPF_TAG_MAGIC & 0xff;
		d[2] = (uint8_t)(tag >> 8);
		d[3] = (uint8_t)tag;
	}
	e[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = src;
	ip[16] = 198, ip[17] = 18, ip[18] = 1, ip[19] = 1;
	udp[0] = 0x30, udp[1] = 0x39;
	udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
	p->data_off = (uint16_t)(d - (uint8_t *)p);
	p->data_len = (uint16_t)(e - d + 14 + 28);
	p->in_port = in_port;
	return p;
}

struct fixture {
	struct ws_graph *g;
	struct ws_filter_node *fn;
	int id;
};

static struct ws_filter_stage *stage(const char *text)
{
	struct ws_filter_stage *s = calloc(1, sizeof(*s));
	struct ws_filter_rules *rules;
	char err[256];

	assert_non_null(s);
	assert_int_equal(ws_filter_rules_parse_text(text, "t", &rules, err, sizeof(err)), 0);
	s->set = ws_filter_set_build(rules, err, sizeof(err));
	assert_non_null(s->set);
	s->state = ws_filter_state_new(s->set, false);
	assert_non_null(s->state);
	return s;
}

static void build(struct fixture *f, struct ws_filter_stage *s)
{
	const struct ws_graph_node_spec p = { "pass", sink_pass, { NULL }, 0, NULL };
	const struct ws_graph_node_spec d = { "dropped", sink_drop, { NULL }, 0, NULL };

	f->g = ws_graph_create();
	assert_non_null(f->g);
	f->fn = ws_filter_node_add(f->g, "pass", "dropped", REASON, s, &f->id);
	assert_non_null(f->fn);
	assert_true(ws_graph_add_node(f->g, &p) >= 0);
	assert_true(ws_graph_add_node(f->g, &d) >= 0);
	assert_int_equal(ws_graph_finalize(f->g, NULL), 0);
	passed = dropped = bad_reason = 0;
}

static void done(struct fixture *f)
{
	ws_filter_stage_free(ws_filter_node_swap(f->fn, NULL));
	ws_filter_node_free(f->fn);
	ws_graph_free(f->g);
}

static void run(struct fixture *f, struct ws_pkt **v, unsigned n)
{
	assert_int_equal(ws_graph_enqueue(f->g, (unsigned)f->id, v, n), n);
	ws_graph_run(f->g);
}

static int setup(void **state)
{
	(void)state;
	mem = aligned_alloc(WS_CACHE_LINE, NB * sizeof(*mem));
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void test_verdicts(void **state)
{
	struct fixture f;
	struct ws_pkt *v[NB];
	struct ws_filter_counters c;

	(void)state;
	build(&f, stage("drop src 198.18.0.0/28 proto udp dport 53\ncount proto udp\ndefault pass\n"));
	for (unsigned i = 0; i < 40; i++)
		v[i] = frame(i, (uint8_t)i, i % 2 ? 53 : 80, -1, 0);
	run(&f, v, 40);
	/* sources .0-.15 in the /28; odd ones go to port 53: 8 dropped */
	assert_int_equal(dropped, 8);
	assert_int_equal(passed, 32);
	assert_int_equal(bad_reason, 0);
	ws_filter_state_read(ws_filter_node_stage(f.fn)->state, 0, &c);
	assert_int_equal(c.hits, 8);
	assert_int_equal(c.drops, 8);
	ws_filter_state_read(ws_filter_node_stage(f.fn)->state, 1, &c);
	assert_int_equal(c.hits, 32);
	done(&f);
}

/* No stage: everything passes, nothing is touched. */
static void test_no_stage(void **state)
{
	struct fixture f;
	struct ws_pkt *v[NB];

	(void)state;
	build(&f, NULL);
	for (unsigned i = 0; i < 10; i++)
		v[i] = frame(i, 1, 53, -1, 0);
	run(&f, v, 10);
	assert_int_equal(passed, 10);
	assert_int_equal(dropped, 0);
	done(&f);
}

/* Untagged ports start at port_first[port]: port 1's XDP already ran rule 0. */
static void test_port_first(void **state)
{
	struct fixture f;
	struct ws_pkt *v[NB];
	struct ws_filter_stage *s = stage("drop src 198.18.0.1\ndrop src 198.18.0.2\n");

	(void)state;
	s->port_first[1] = 1;
	build(&f, s);
	v[0] = frame(0, 1, 9, -1, 0); /* rule 0 drops */
	v[1] = frame(1, 1, 9, -1, 1); /* port 1: rule 0 was XDP's, passes here */
	v[2] = frame(2, 2, 9, -1, 1); /* rule 1 drops */
	v[3] = frame(3, 3, 9, -1, 1);
	run(&f, v, 4);
	assert_int_equal(dropped, 2);
	assert_int_equal(passed, 2);
	done(&f);
}

/* Tagged ports: the tag comes off; decided frames pass unclassified; a tag
 * naming the set's XDP rules starts there; a missing or foreign tag runs
 * every rule. */
static void test_tags(void **state)
{
	struct fixture f;
	struct ws_pkt *v[NB];
	/* rule 1 has an expression: rules [0,1) run in XDP */
	struct ws_filter_stage *s = stage("drop src 198.18.0.1\ndrop expr \"udp dst port 53\"\ndrop src 198.18.0.3\n");
	struct ws_filter_node_stats st;

	(void)state;
	assert_int_equal(ws_filter_set_xdp_rules(s->set), 1);
	s->tagged_ports = 1u << 2;
	build(&f, s);
	v[0] = frame(0, 1, 9, WS_XDPF_TAG_DECIDED, 2); /* decided in XDP: passes */
	v[1] = frame(1, 3, 9, 1, 2);                   /* from rule 1: rule 2 drops */
	v[2] = frame(2, 1, 9, 1, 2);                   /* from rule 1: rule 0 is skipped, passes */
	v[3] = frame(3, 4, 53, 1, 2);                  /* rule 1 drops */
	v[4] = frame(4, 1, 9, -1, 2);                  /* no tag: rule 0 drops */
	v[5] = frame(5, 1, 9, 0, 2);                   /* another set's tag: from rule 0, drops */
	run(&f, v, 6);
	assert_int_equal(dropped, 4);
	assert_int_equal(passed, 2);
	/* what passed has its tag off: the Ethernet header first */
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(last_pass[i]->data_len, 14 + 28);
		assert_int_equal(ws_pkt_data(last_pass[i])[12], 0x08);
	}
	ws_filter_node_stats(f.fn, &st);
	assert_int_equal(st.xdp_decided, 1);
	assert_int_equal(st.untagged, 2);
	assert_int_equal(st.dropped, 4);
	done(&f);
}

/* A swap: the next vector runs the new rules; the old stage comes back. */
static void test_swap(void **state)
{
	struct fixture f;
	struct ws_pkt *v[NB];
	struct ws_filter_stage *a = stage("drop src 198.18.0.1\n"), *b = stage("drop src 198.18.0.2\n");

	(void)state;
	build(&f, a);
	v[0] = frame(0, 1, 9, -1, 0);
	v[1] = frame(1, 2, 9, -1, 0);
	run(&f, v, 2);
	assert_int_equal(dropped, 1);
	assert_ptr_equal(ws_filter_node_swap(f.fn, b), a);
	ws_filter_stage_free(a);
	v[0] = frame(0, 1, 9, -1, 0);
	v[1] = frame(1, 2, 9, -1, 0);
	run(&f, v, 2);
	assert_int_equal(dropped, 2);
	assert_int_equal(passed, 2);
	assert_ptr_equal(ws_filter_node_stage(f.fn), b);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts), cmocka_unit_test(test_no_stage), cmocka_unit_test(test_port_first),
		cmocka_unit_test(test_tags),     cmocka_unit_test(test_swap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
