/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * node.c: the "filter" graph node (node.h).
 *
 * filter
 *   reads:  the frame (Ethernet, IP, L4 headers: ws_filter_key_from_frame),
 *           the XDP filter's tag when the stage is tagged; the stage (one
 *           RCU-protected pointer read per vector)
 *   writes: data_off/data_len (the tag taken off), drop_reason (dropped),
 *           the stage's rule counters and rate-limit buckets
 *   next:   0 pass (ethernet-input in the forwarder), 1 drop
 */
#include "filter/node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pkt.h"
#include "filter/xdp_filter_abi.h"

#define NEXT_PASS 0u
#define NEXT_DROP 1u

struct ws_filter_node {
	struct ws_filter_stage *stage; /* RCU: written by ws_filter_node_swap, read once per vector */
	uint8_t drop_reason;
	struct ws_filter_node_stats st; /* the worker's; read whole by the control thread */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The tag in front of a frame from the XDP filter: its next_rule, or -1
 * when the frame has none (too short or no magic). */
static ws_always_inline int tag_next_rule(const uint8_t *d, uint32_t len)
{
	if (len < WS_XDPF_TAG_LEN + 14 || (uint16_t)(d[0] << 8 | d[1]) != WS_XDPF_TAG_MAGIC)
		return -1;
	return d[2] << 8 | d[3];
}

static unsigned node_filter(struct ws_graph_node *node, struct ws_pkt **v, unsigned n)
{
	struct ws_filter_node *fn = node->ctx;
	const struct ws_filter_stage *s = __atomic_load_n(&fn->stage, __ATOMIC_ACQUIRE);
	/* the packets to classify, in order, and the rule each starts from */
	struct ws_filter_key keys[WS_GRAPH_VECTOR];
	const uint8_t *frames[WS_GRAPH_VECTOR];
	uint32_t lens[WS_GRAPH_VECTOR], from[WS_GRAPH_VECTOR];
	uint8_t verdicts[WS_GRAPH_VECTOR];
	struct ws_pkt *todo[WS_GRAPH_VECTOR];
	unsigned m = 0, dropped = 0;
	bool same_from = true;

	for (unsigned i = 0; i < n; i++)
		v[i]->next_node = NEXT_PASS;
	if (!s)
		return n;
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = v[i];
		uint32_t first;

		if (p->in_port < WS_FILTER_NODE_MAX_PORTS && (s->tagged_ports >> p->in_port & 1)) {
			int next = tag_next_rule(ws_pkt_data(p), p->data_len);

			if (next >= 0) {
				p->data_off += WS_XDPF_TAG_LEN;
				p->data_len -= WS_XDPF_TAG_LEN;
			}
			if (next == WS_XDPF_TAG_DECIDED) {
				fn->st.xdp_decided++;
				continue;
			}
			/* the tag must name this set's XDP rules; a frame without
			 * one, or one the XDP program of the previous set (a reload)
			 * tagged, runs every rule here */
			bool foreign = next < 0 || (size_t)next != ws_filter_set_xdp_rules(s->set);

			first = foreign ? 0 : (uint32_t)next;
			fn->st.untagged += foreign;
		} else {
			first = p->in_port < WS_FILTER_NODE_MAX_PORTS ? s->port_first[p->in_port] : 0;
			if (first == WS_FILTER_NODE_XDP_DECIDES) {
				fn->st.xdp_decided++;
				continue;
			}
		}
		same_from &= !m || first == from[0];
		from[m] = first;
		frames[m] = ws_pkt_data(p);
		lens[m] = p->data_len;
		todo[m++] = p;
	}
	if (!m)
		return n;
	for (unsigned i = 0; i < m; i++)
		ws_filter_key_from_frame(frames[i], lens[i], &keys[i]);
	uint64_t t = now_ns();

	if (same_from) {
		dropped = ws_filter_classify_bulk(s->set, s->state, keys, frames, lens, verdicts, m, t, from[0]);
	} else {
		for (unsigned i = 0; i < m; i++) {
			verdicts[i] = (uint8_t)ws_filter_classify(s->set, s->state, &keys[i], frames[i], lens[i], t,
								  from[i]);
			dropped += verdicts[i] == WS_FILTER_DROP;
		}
	}
	if (dropped) {
		for (unsigned i = 0; i < m; i++) {
			if (verdicts[i] == WS_FILTER_DROP) {
				todo[i]->next_node = NEXT_DROP;
				todo[i]->drop_reason = fn->drop_reason;
			}
		}
		fn->st.dropped += dropped;
	}
	return n;
}

struct ws_filter_node *ws_filter_node_add(struct ws_graph *g, const char *pass_next, const char *drop_next,
					  uint8_t drop_reason, struct ws_filter_stage *stage, int *id)
{
	struct ws_filter_node *fn = calloc(1, sizeof(*fn));
	struct ws_graph_node_spec spec = { .name = "filter", .process = node_filter, .nb_next = 2 };
	int rc;

	if (!fn) {
		errno = ENOMEM;
		return NULL;
	}
	fn->stage = stage;
	fn->drop_reason = drop_reason;
	spec.next[NEXT_PASS] = pass_next;
	spec.next[NEXT_DROP] = drop_next;
	spec.ctx = fn;
	rc = ws_graph_add_node(g, &spec);
	if (rc < 0) {
		free(fn);
		errno = -rc;
		return NULL;
	}
	*id = rc;
	return fn;
}

struct ws_filter_stage *ws_filter_node_stage(const struct ws_filter_node *fn)
{
	return __atomic_load_n(&fn->stage, __ATOMIC_ACQUIRE);
}

struct ws_filter_stage *ws_filter_node_swap(struct ws_filter_node *fn, struct ws_filter_stage *next)
{
	return __atomic_exchange_n(&fn->stage, next, __ATOMIC_ACQ_REL);
}

void ws_filter_node_stats(const struct ws_filter_node *fn, struct ws_filter_node_stats *out)
{
	out->xdp_decided = __atomic_load_n(&fn->st.xdp_decided, __ATOMIC_RELAXED);
	out->untagged = __atomic_load_n(&fn->st.untagged, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&fn->st.dropped, __ATOMIC_RELAXED);
}

void ws_filter_stage_free(struct ws_filter_stage *stage)
{
	if (!stage)
		return;
	ws_filter_state_free(stage->state);
	ws_filter_set_free(stage->set);
	free(stage);
}

void ws_filter_node_free(struct ws_filter_node *fn)
{
	free(fn);
}
