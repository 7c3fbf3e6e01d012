/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * node.h: the userspace filter stage as a graph node ("filter"), the first
 * node a received packet meets when a filter is configured, before any
 * other work is spent on it (DESIGN.md: an empty filter is not in the graph).
 *
 * The node classifies each packet with the current stage (a rule set, one
 * worker's counters and buckets, and the first rule userspace runs: the XDP
 * program in front runs the ones before it) and sends it to the pass or the
 * drop next node. Stages are swapped while the worker runs (a live reload):
 * the node reads the stage pointer once per vector inside the worker's RCU
 * read side, and the control thread frees the old stage after a grace period.
 *
 * Frames that come from an XDP filter in tag mode (WS_XDPF_TAG) start with a
 * 4-byte tag; the node takes it off (data_off/data_len) and either passes the
 * frame unclassified (the XDP program decided) or classifies it from the
 * rule the tag names.
 */
#ifndef WS_FILTER_NODE_H
#define WS_FILTER_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/classify.h"
#include "graph/graph.h"

/* Ports a stage tells apart (ws_pkt.in_port below this). */
#define WS_FILTER_NODE_MAX_PORTS 64u

/* port_first value: the XDP program in front of the port ran every rule and
 * the default (it drops or passes, decided): frames pass unclassified. */
#define WS_FILTER_NODE_XDP_DECIDES UINT32_MAX

/* What the node runs: built and owned by the control path. Where an XDP
 * filter runs in front of a port, userspace must not run its rules again:
 * - tagged ports (AF_XDP, the program in tag mode) say per frame whether
 *   the XDP program decided (pass) or userspace goes on from the rule the
 *   tag names;
 * - other ports have port_first[port]: the XDP program in front of them
 *   ran rules [0, port_first) and passed what it did not drop (it is built
 *   to stop before the first pass rule, so that nothing it passes was
 *   decided), 0 without XDP, WS_FILTER_NODE_XDP_DECIDES when it ran them
 *   all. */
struct ws_filter_stage {
	struct ws_filter_set *set;     /* the compiled rules */
	struct ws_filter_state *state; /* the worker's counters and buckets */
	uint64_t tagged_ports;         /* bit i: port i's frames carry the XDP filter's 4-byte tag */
	uint32_t port_first[WS_FILTER_NODE_MAX_PORTS]; /* untagged ports: the first rule userspace runs */
};

struct ws_filter_node;

/* What the node counted beside the rule counters (since it was made). */
struct ws_filter_node_stats {
	uint64_t xdp_decided; /* tagged frames the XDP program had already passed */
	uint64_t untagged;    /* frames of a tagged port without a valid tag, or with another rule set's
			       * (from before a reload): classified from rule 0 */
	uint64_t dropped;     /* frames the node sent to its drop next node */
};

/*
 * Control path: add the "filter" node to g (before ws_graph_finalize) with
 * next nodes pass_next (index 0) and drop_next (index 1); dropped packets
 * get drop_reason. stage may be NULL (everything passes until one is set).
 * Returns the node, its id in *id; NULL with errno (ENOMEM, or the graph's
 * error from ws_graph_add_node as a positive errno).
 */
struct ws_filter_node *ws_filter_node_add(struct ws_graph *g, const char *pass_next, const char *drop_next,
					  uint8_t drop_reason, struct ws_filter_stage *stage, int *id);

/* Control path: the stage running now (the control thread's view). */
struct ws_filter_stage *ws_filter_node_stage(const struct ws_filter_node *fn);

/*
 * Control path: make next the stage the node runs from its next vector on
 * and return the previous one, which the worker may still be using: free it
 * (ws_filter_stage_free) only after ws_rcu_synchronize(). The release store
 * orders the stage's construction before any worker sees the pointer.
 */
struct ws_filter_stage *ws_filter_node_swap(struct ws_filter_node *fn, struct ws_filter_stage *next);

/* Control path: the node's own counters. */
void ws_filter_node_stats(const struct ws_filter_node *fn, struct ws_filter_node_stats *out);

/* Control path: free a stage, its set and its state (NULL is fine). */
void ws_filter_stage_free(struct ws_filter_stage *stage);

/* Control path: free the node's memory (after the graph stopped running;
 * the current stage is the caller's to free). */
void ws_filter_node_free(struct ws_filter_node *fn);

#endif /* WS_FILTER_NODE_H */
