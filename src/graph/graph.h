/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * graph.h: the vector graph a worker runs packets through.
 *
 * A node handles a whole vector of up to WS_GRAPH_VECTOR packets per call
 * (one function call, one pass of its instructions through the i-cache, its
 * lookups batched and prefetched), and tells for each packet which of its
 * next nodes it goes to by setting ws_pkt.next_node to an index into its own
 * `next` list. The graph then moves the handles into those nodes' input
 * frames and calls each node that has input, in the order the nodes were
 * added, until no frame holds a packet. Only nodes something configured are
 * added, so a feature nobody uses costs nothing (no branch, no call).
 *
 * One graph per worker thread, never shared: the frames and counters are
 * plain memory with one writer.
 *
 * Per node the graph counts calls, packets and TSC cycles (the node's own
 * work plus moving its output to the next frames), which is what `show
 * runtime` prints against the 67.2 ns budget. The cycles of all nodes add up
 * to the graph's time but for the loop in ws_graph_run() itself.
 */
#ifndef WS_GRAPH_GRAPH_H
#define WS_GRAPH_GRAPH_H

#include <stdint.h>

#include "core/cpu.h"
#include "core/pkt.h"

/* Most packets in one node call: a vector fills a few KiB of handles and
 * still amortises a call over hundreds of packets (VPP uses 256 too). */
#define WS_GRAPH_VECTOR 256u
#define WS_GRAPH_MAX_NODES 64u
#define WS_GRAPH_MAX_NEXT 16u /* per node; ws_pkt.next_node indexes them */
/* Bound on passes over the nodes in one ws_graph_run (a packet may loop
 * back, e.g. an ICMP error to ip4-lookup); what is left is dropped. */
#define WS_GRAPH_MAX_PASSES 8u

struct ws_graph;
struct ws_graph_node;

/*
 * Data path, per vector: handle pkts[0..n) (1 <= n <= WS_GRAPH_VECTOR).
 * Packets the node hands on get next_node set to an index below its
 * nb_next and stay in the array; packets it keeps or frees (a TX node, a
 * drop node, a queue for an unresolved neighbour) leave it. Returns how
 * many are handed on: they are then pkts[0..returned), in any order.
 */
typedef unsigned ws_graph_process_fn(struct ws_graph_node *node, struct ws_pkt **pkts, unsigned n);

/* How to add a node: its name, process function, next nodes by name (they
 * must be added too before ws_graph_finalize) and a context pointer. */
struct ws_graph_node_spec {
	const char *name;
	ws_graph_process_fn *process;
	const char *next[WS_GRAPH_MAX_NEXT];
	unsigned nb_next;
	void *ctx;
};

struct ws_graph_node_stats {
	uint64_t calls;
	uint64_t packets;
	uint64_t cycles; /* TSC cycles in the node, including moving its output */
};

struct ws_graph_node {
	/* input frame: packets waiting for this node */
	struct ws_pkt *frame[WS_GRAPH_VECTOR];
	unsigned nb_pending;
	unsigned id;
	unsigned nb_next;
	uint16_t next_id[WS_GRAPH_MAX_NEXT]; /* resolved by ws_graph_finalize */
	ws_graph_process_fn *process;
	void *ctx;
	struct ws_graph_node_stats stats;
	struct ws_graph *graph;
	char name[32];
	const char *next_name[WS_GRAPH_MAX_NEXT];
} __attribute__((aligned(WS_CACHE_LINE)));

/* Control path: an empty graph. NULL with errno ENOMEM. */
struct ws_graph *ws_graph_create(void);
void ws_graph_free(struct ws_graph *g);

/* Control path: add a node; its id (0, 1, ... in order of adding), or
 * -EINVAL (no name or process function, name too long or taken, too many
 * next nodes), -ENOSPC (WS_GRAPH_MAX_NODES reached), -EBUSY (finalized). */
int ws_graph_add_node(struct ws_graph *g, const struct ws_graph_node_spec *spec);

/* Control path: resolve next-node names. 0, or -ENOENT with the name of the
 * first node whose next is missing and of that next in *missing (a static
 * buffer of the graph; NULL allowed). Nodes cannot be added afterwards. */
int ws_graph_finalize(struct ws_graph *g, const char **missing);

/* Control path: the node with this id or name; NULL if none. */
struct ws_graph_node *ws_graph_node(struct ws_graph *g, unsigned id);
struct ws_graph_node *ws_graph_node_by_name(struct ws_graph *g, const char *name);
unsigned ws_graph_nb_nodes(const struct ws_graph *g);

/*
 * Data path, per burst: queue pkts[0..n) at node `id` (an RX node's
 * output, say). Returns how many were queued: the frame holds at most
 * WS_GRAPH_VECTOR; the caller keeps (and must free) the rest.
 */
unsigned ws_graph_enqueue(struct ws_graph *g, unsigned id, struct ws_pkt *const *pkts, unsigned n);

/*
 * Data path, per burst: run every node that has input until no frame holds
 * a packet. Returns the packets that were still queued after
 * WS_GRAPH_MAX_PASSES passes (handed to the drop callback of
 * ws_graph_set_overflow, else left queued for the next run).
 */
unsigned ws_graph_run(struct ws_graph *g);

/* Control path: where packets a node sends to a full frame go when the
 * target cannot take them even after running it (should not happen in a
 * DAG; a loop can), and what ws_graph_run drops after its last pass. */
typedef void ws_graph_drop_fn(void *ctx, struct ws_pkt **pkts, unsigned n);
void ws_graph_set_overflow(struct ws_graph *g, ws_graph_drop_fn *drop, void *ctx);

/* Control path: packets given to the overflow callback so far. */
uint64_t ws_graph_overflows(const struct ws_graph *g);

#endif /* WS_GRAPH_GRAPH_H */
