/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd.h: the forwarding nodes of the vector graph and the per-worker state
 * they share.
 *
 *   ethernet-input -> ip4-lookup -> ip4-rewrite -> tx
 *                  -> ip6-lookup -> ip6-rewrite -> tx
 *                  -> arp                (ARP frames)
 *   ip4-lookup / ip4-rewrite -> ip4-icmp-error -> ip4-lookup (the error goes
 *                               back to the source)
 *   ip4-rewrite -> ip4-local  (our addresses, broadcast, multicast: echo
 *                               replies back to ip4-lookup, the rest punted)
 *   ip4-rewrite -> arp        (next hop not resolved: queue, request; the
 *                               answer sends the queue back to ip4-rewrite)
 *   and the same for IPv6 with ip6-icmp-error, ip6-local and ip6-nd;
 *   any of them -> drop.
 *
 * Each node opens (in fwd.c and fwd_l3.c) with what it reads, what it writes
 * and where its packets go next. The slow-path nodes (arp, ip6-nd, local,
 * icmp errors) get packets only when something calls for them, so they
 * cost nothing while traffic is plain forwarding.
 *
 * Every packet a port received ends in exactly one of: sent on (forwarded),
 * dropped (drops[], by reason: the parser's reasons (net/parse.h) first,
 * then the forwarding ones below, so that one array indexed by
 * ws_pkt.drop_reason counts them all), taken by us (local[]), or waiting
 * for a neighbour (neighbour queues). Packets we make (ARP and ND messages,
 * echo replies, ICMP errors) are counted in gen[] and, when they cannot be
 * sent, in gen_dropped, never in drops[]; while they wait for a neighbour
 * they are in queued_gen. So at any quiet point, with
 *   forwarded = sent - (sum gen - gen_dropped - queued_gen):
 *   received = forwarded + sum drops + sum local + (queued - queued_gen)
 *
 * DATA-PATH CODE in the node functions; setting up is control path. One
 * struct ws_fwd per worker thread.
 */
#ifndef WS_FWD_FWD_H
#define WS_FWD_FWD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/pkt.h"
#include "fib/nexthop.h"
#include "fwd/neigh.h"
#include "fib/fib_table.h"
#include "graph/graph.h"
#include "io/port.h"
#include "net/parse.h"

#define WS_FWD_MAX_PORTS 16u
#define WS_FWD_MAX_ADDRS 8u /* per port and family */

/* ICMP errors a worker sends: a token bucket of WS_FWD_ICMP_BURST refilled
 * at WS_FWD_ICMP_RATE per second (Linux: icmp_msgs_per_sec 1000, burst 50),
 * so that a flood of TTL-1 packets cannot turn the router into a flood
 * source (RFC 1812 4.3.2.8, RFC 4443 2.4(f)). */
#define WS_FWD_ICMP_RATE 1000u
#define WS_FWD_ICMP_BURST 100u

/* Packets all neighbour queues of a worker hold at most: a flood towards
 * unresolvable addresses must not take the frames traffic needs. */
#define WS_FWD_QUEUED_MAX 1024u

/* Set on packets we made (ws_pkt.flags): counted apart from received ones. */
#define WS_PKT_F_GENERATED 0x04

/* Forwarding drop reasons, after the parser's (a packet's drop_reason). */
enum ws_fwd_drop {
	WS_FWD_DROP_NOT_IP = WS_NET_DROP_COUNT, /* neither IPv4, IPv6 nor ARP */
	WS_FWD_DROP_NO_ROUTE,                   /* lookup missed */
	WS_FWD_DROP_TTL,                        /* TTL / hop limit <= 1 */
	WS_FWD_DROP_BLACKHOLE,                  /* the route says drop */
	WS_FWD_DROP_UNREACHABLE,                /* the route says unreachable */
	WS_FWD_DROP_PROHIBITED,                 /* the route says prohibit */
	WS_FWD_DROP_UNRESOLVED,                 /* no MAC for the next hop: queue full, failed, none */
	WS_FWD_DROP_MTU,                        /* longer than the output port's MTU */
	WS_FWD_DROP_TX_FULL,                    /* the output port took no more */
	WS_FWD_DROP_ARP_INVALID,                /* ARP with a bad sender or opcode */
	WS_FWD_DROP_ND_INVALID,                 /* NS/NA failing RFC 4861 7.1 */
	WS_FWD_DROP_ICMP_INVALID,               /* echo request with a bad checksum, ... */
	WS_FWD_DROP_NEIGH_FULL,                 /* neighbour table full */
	WS_FWD_DROP_FILTERED,                   /* a filter rule (userspace filter node) dropped it */
	WS_FWD_DROP_COUNT
};

/* What ip4-rewrite / ip6-rewrite do for a nexthop id: one 16-byte entry per
 * id, the data-path copy of the nexthop table (fib/nexthop.h). */
enum ws_adj_kind {
	WS_ADJ_UNRESOLVED = 0, /* via a gateway whose MAC is not known yet (the default) */
	WS_ADJ_FORWARD,        /* MACs and port known: rewrite and send */
	WS_ADJ_BLACKHOLE,
	WS_ADJ_UNREACHABLE,
	WS_ADJ_PROHIBIT,
	WS_ADJ_LOCAL,          /* for us: local delivery */
	WS_ADJ_GLEAN,          /* directly connected: resolve the destination itself */
};

/* Packets taken by us (a received packet's end other than sent or dropped). */
enum ws_fwd_local {
	WS_FWD_LOCAL_ARP_REQUEST, /* asking for one of our addresses: answered */
	WS_FWD_LOCAL_ARP_REPLY,   /* learned from */
	WS_FWD_LOCAL_ARP_OTHER,   /* not for us (someone else's request, ...) */
	WS_FWD_LOCAL_ND_NS,       /* for one of our addresses: answered */
	WS_FWD_LOCAL_ND_NA,       /* learned from */
	WS_FWD_LOCAL_ND_OTHER,    /* not for us */
	WS_FWD_LOCAL_ECHO,        /* echo requests to our addresses: answered */
	WS_FWD_LOCAL_PUNT,        /* anything else for us (no host stack here) */
	WS_FWD_LOCAL_COUNT
};

/* Packets we made. */
enum ws_fwd_gen {
	WS_FWD_GEN_ARP_REQUEST,
	WS_FWD_GEN_ARP_REPLY,
	WS_FWD_GEN_ND_NS,
	WS_FWD_GEN_ND_NA,
	WS_FWD_GEN_ECHO_REPLY,
	WS_FWD_GEN_ICMP_TIME_EXCEEDED, /* IPv4 and IPv6 */
	WS_FWD_GEN_ICMP_UNREACHABLE,
	WS_FWD_GEN_ICMP_TOO_BIG,       /* IPv4 fragmentation needed, IPv6 packet too big */
	WS_FWD_GEN_COUNT
};

struct ws_adj {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t port;
	uint8_t kind; /* enum ws_adj_kind */
	uint8_t pad;
};

/* The gateway a nexthop id resolves through (read on the slow path only). */
struct ws_adj_gw {
	uint8_t family; /* 0: none (connected, local, blackhole, ...) */
	uint8_t gw[16];
};

/* A port's addresses, IPv4 in the first 4 bytes of addr. */
struct ws_fwd_addr {
	uint8_t addr[16];
	uint8_t len;
};

struct ws_fwd_if {
	struct ws_fwd_addr v4[WS_FWD_MAX_ADDRS], v6[WS_FWD_MAX_ADDRS];
	unsigned nb_v4, nb_v6;
	uint8_t ll6[16]; /* fe80::/64 + modified EUI-64 of the port's MAC */
};

/* Host adjacencies: the neighbour with table index i resolves packets of a
 * connected route through adj[WS_FWD_HOST_ADJ + i]. */
#define WS_FWD_HOST_ADJ WS_FIB_MAX_NEXTHOPS
/* Per port, a glean adjacency for what we send to an IPv6 link-local
 * address (an echo reply, an error): no route reaches one, it is on the
 * port the packet came in by. */
#define WS_FWD_PORT_GLEAN_ADJ (WS_FIB_MAX_NEXTHOPS + WS_NEIGH_MAX)
#define WS_FWD_NB_ADJ (WS_FWD_PORT_GLEAN_ADJ + WS_FWD_MAX_PORTS)

struct ws_fwd {
	struct ws_fib *fib;
	struct ws_adj *adj;       /* [WS_FWD_NB_ADJ] */
	struct ws_adj_gw *adj_gw; /* [WS_FIB_MAX_NEXTHOPS] */
	uint32_t nb_nh;           /* ids below this may have a gateway */
	struct ws_port *ports[WS_FWD_MAX_PORTS];
	unsigned nb_ports;
	struct ws_fwd_if ifs[WS_FWD_MAX_PORTS];
	struct ws_pool *pool; /* where dropped frames go back, ARP/ND frames come from */
	struct ws_neigh_table neigh;
	/* held by the worker while it changes neigh or adj on the slow path,
	 * and by other threads that read them or set nexthops */
	pthread_mutex_t lock;
	uint64_t drops[WS_FWD_DROP_COUNT];
	uint64_t local[WS_FWD_LOCAL_COUNT];
	uint64_t gen[WS_FWD_GEN_COUNT];
	uint64_t gen_dropped;      /* packets we made that could not be sent */
	uint64_t icmp_ratelimited; /* ICMP errors not sent (the packet is in drops[]) */
	uint64_t icmp_tokens;      /* ICMP bucket, in TSC ticks of credit */
	uint64_t icmp_last;        /* TSC of the last refill */
	uint32_t queued;           /* packets in neighbour queues ... */
	uint32_t queued_gen;       /* ... of which we made */
	uint64_t neigh_timer;      /* TSC when ws_fwd_tick has work; 0: none */
	uint64_t clock;            /* frozen TSC for tests; 0: read the TSC */
	uint64_t tsc_hz;
	/* packets tx has queued per port, sent by ws_fwd_flush */
	struct ws_pkt *txq[WS_FWD_MAX_PORTS][WS_GRAPH_VECTOR];
	unsigned txq_len[WS_FWD_MAX_PORTS];
	/* node ids, for ws_graph_enqueue */
	int node_input, node_drop, node_ip4_rewrite, node_ip6_rewrite, node_ip4_icmp_error, node_ip6_icmp_error;
	struct ws_graph *graph;
};

/* Control path: a worker's state over fib and pool; no ports, every
 * adjacency unresolved, no neighbours. NULL with errno ENOMEM. */
struct ws_fwd *ws_fwd_create(struct ws_fib *fib, struct ws_pool *pool);
void ws_fwd_free(struct ws_fwd *fwd);

/* Control path: port becomes output port port->id (< WS_FWD_MAX_PORTS).
 * 0 or -EINVAL. */
int ws_fwd_add_port(struct ws_fwd *fwd, struct ws_port *port);

/* Control path: nexthop id -> forward to port via dst_mac (src MAC: the
 * port's), with no ARP/ND (the bench and --in/--out form). 0 or -EINVAL (id
 * or port out of range). Not safe while workers run (the entry is written
 * in place); ws_fwd_set_nexthop is. */
int ws_fwd_set_adj(struct ws_fwd *fwd, uint32_t nexthop, uint16_t port, const uint8_t dst_mac[6]);

/* Control path, before the workers run or under nothing else: give port an
 * address (family AF_INET/AF_INET6, addr in the 16-byte form of fib.h,
 * len the subnet's). The caller adds the FIB routes that go with it (the
 * address itself -> a LOCAL nexthop, the subnet -> a connected one).
 * 0, -EINVAL (port, family, len), -ENOSPC (WS_FWD_MAX_ADDRS). */
int ws_fwd_add_address(struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *addr, unsigned len);

/* Whether addr is one of port's addresses (its IPv6 link-local one too). */
bool ws_fwd_is_local(const struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *addr);

/* Control path, also while the worker runs (takes the lock): what nexthop
 * id does: a unicast nexthop via a gateway resolves through the neighbour
 * table (at once when the gateway is known), without one it is connected
 * (glean: the destination is resolved); blackhole, unreachable, prohibit and
 * local as they say. Call before a route uses the id (the FIB's publish
 * orders the write before any lookup that returns it). 0, -EINVAL (id,
 * type, port without a port). */
int ws_fwd_set_nexthop(struct ws_fwd *fwd, uint32_t id, const struct ws_nexthop_key *k);

/* Control path: a static neighbour (never changed by ARP or ND). 0,
 * -EINVAL, -ENOSPC (table full), -EEXIST (already there). */
int ws_fwd_add_neighbour(struct ws_fwd *fwd, uint16_t port, int family, const uint8_t *ip, const uint8_t mac[6]);

/* Data path, per loop: the neighbour timers (another request for an
 * unanswered neighbour; after WS_NEIGH_PROBES, its queued packets get ICMP
 * host/address unreachable, through the graph, which this runs). Cheap when
 * nothing is due. */
void ws_fwd_tick(struct ws_fwd *fwd);

/* Control path, at the end: drop what waits for neighbours (unresolved). */
void ws_fwd_drain(struct ws_fwd *fwd);

/* Received packets waiting for a neighbour now (queued - queued_gen). */
uint64_t ws_fwd_queued(const struct ws_fwd *fwd);

/* Control path: the names of local[] and gen[] entries. */
const char *ws_fwd_local_name(unsigned i);
const char *ws_fwd_gen_name(unsigned i);

/* Control path: add the forwarding nodes to g (which the caller finalizes)
 * with fwd as their context. 0 or the graph's error. */
int ws_fwd_add_nodes(struct ws_fwd *fwd, struct ws_graph *g);

/* Data path, per loop: send what tx queued, port by port; what a port
 * does not take is dropped (WS_FWD_DROP_TX_FULL). */
void ws_fwd_flush(struct ws_fwd *fwd);

/* Control path: the name of a drop reason (the parser's or ours); NULL past
 * the last. */
const char *ws_fwd_drop_name(unsigned reason);

#endif /* WS_FWD_FWD_H */
