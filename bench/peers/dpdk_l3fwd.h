/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_l3fwd.h: DPDK's l3fwd example in LPM mode as the peer of
 * ws-bench-fwd (benchmarks only; needs an initialised EAL). What it
 * reproduces of l3fwd and what it leaves out is in dpdk_l3fwd.c's header.
 * No DPDK type is exposed, so the caller needs no DPDK header.
 *
 * The two ports are l3fwd's: port 0 receives (the frames a "NIC" finds in
 * its RX ring), port 1 sends (a "NIC" that counts what it is given and puts
 * the mbufs back to their pool). Routes give the output port as the next
 * hop, as l3fwd's routes do.
 */
#ifndef WS_BENCH_PEERS_DPDK_L3FWD_H
#define WS_BENCH_PEERS_DPDK_L3FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* l3fwd's RX burst (MAX_PKT_BURST). */
#define WS_L3FWD_BURST 32u
/* Frames the RX "NIC" holds ready at a time: one ws_bfwd vector, so that
 * both sides take a fresh batch of the same size from their source. */
#define WS_L3FWD_RX_RING 256u
#define WS_L3FWD_MAX_FRAME 128u

/* How the peer handles IPv6. */
enum ws_l3fwd_v6 {
	WS_L3FWD_V6_L3FWD = 0, /* l3fwd's own: rte_lpm6_lookup per packet, MACs, hop limit untouched */
	WS_L3FWD_V6_BULK,      /* not l3fwd: rte_lpm6_lookup_bulk_func per burst, MACs, hop limit - 1 */
};

struct ws_l3fwd_config {
	int family;             /* AF_INET or AF_INET6 */
	uint32_t max_rules;     /* routes the table may hold */
	uint32_t number_tbl8s;  /* rte_lpm / rte_lpm6 tbl8 groups */
	uint32_t nb_mbufs;      /* in the mbuf pool (2^k - 1 is DPDK's best size) */
	uint32_t mbuf_cache;    /* per-lcore mempool cache (l3fwd: 256) */
	bool huge;              /* tables and mbufs on 2 MiB pages (see ws_l3fwd_create) */
	bool parse_ptype;       /* l3fwd --parse-ptype: packet types in software, timed */
	enum ws_l3fwd_v6 v6;
	uint8_t port_mac[2][6]; /* the ports' own MACs (port 1's is the new source) */
	uint8_t nh_mac[6];      /* the next hop's, the new destination of port 1's frames */
	/* The frames the RX "NIC" receives, the same as io/mem.h makes: frame
	 * i is `tmpl` (tmpl_len bytes) with the destination address
	 * dsts[splitmix64(seed) % nb_dsts] (IPv4: uint32_t host order; IPv6:
	 * 16 bytes) and, for IPv4, the header checksum recomputed. */
	const uint8_t *tmpl;
	unsigned tmpl_len;      /* 14 + 20 + 8 .. WS_L3FWD_MAX_FRAME */
	const void *dsts;
	size_t nb_dsts;
	uint64_t seed;
};

struct ws_l3fwd;

/*
 * Control path: an empty route table, the mbuf pool and the two ports.
 * With cfg->huge, all of them come from a DPDK heap of this peer's own
 * (rte_malloc_heap_create) over memory marked MADV_HUGEPAGE, i.e. on 2 MiB
 * pages as DPDK runs on hugepages; otherwise from the EAL's memory (4 KiB
 * pages under --no-huge). NULL with a message in err.
 */
struct ws_l3fwd *ws_l3fwd_create(const struct ws_l3fwd_config *cfg, char *err, size_t errlen);
void ws_l3fwd_free(struct ws_l3fwd *p);

/* Control path: route addr/len (1..32 or 1..128; addr as 16 bytes, IPv4
 * in the first 4) to port `port`. 0 or DPDK's negative errno. */
int ws_l3fwd_add_route(struct ws_l3fwd *p, const uint8_t *addr, unsigned len, uint16_t port);

/* Control path: the frames of the source from its start (i = 0..n), as the
 * RX "NIC" writes them, into out (stride bytes apart); their lengths into
 * len. */
void ws_l3fwd_source_frames(const struct ws_l3fwd *p, uint64_t n, uint8_t *out, size_t stride, uint16_t *len);

struct ws_l3fwd_times {
	uint64_t packets;   /* received; all of them were sent on or dropped */
	uint64_t total;     /* TSC cycles of the whole run */
	uint64_t rx;        /* of that, filling the RX ring (the source, not forwarding) */
	uint64_t tx;        /* sent (every route points at port 1, a miss back to port 0) */
	uint64_t bad;       /* packets l3fwd freed as BAD_PORT (RFC 1812 checks) */
};

/*
 * Data path (the timed run): the source restarts at frame 0; until `count`
 * frames have been received: fill the RX ring with the next
 * WS_L3FWD_RX_RING (timed apart: the source), then run l3fwd's main loop
 * until the ring is empty; at the end send what the TX buffers hold.
 * Forwarding time = total - rx, as ws_bfwd_run counts.
 */
void ws_l3fwd_run(struct ws_l3fwd *p, uint64_t count, struct ws_l3fwd_times *tm);

/*
 * Control path: as ws_l3fwd_run over `count` frames, but port 1 copies each
 * frame it sends into out + i * stride (i = the frame's number in the
 * source, up to `count`; its length into len[i], 0 for frames not sent).
 */
void ws_l3fwd_capture(struct ws_l3fwd *p, uint64_t count, uint8_t *out, size_t stride, uint16_t *len,
		      struct ws_l3fwd_times *tm);

/* DPDK's version string, e.g. "DPDK 22.11.11". */
const char *ws_l3fwd_dpdk_version(void);

#endif /* WS_BENCH_PEERS_DPDK_L3FWD_H */
