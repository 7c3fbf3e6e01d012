/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_vs_dpdk.c: ws-bench-fwd, the forwarding graph that `wirespeed bench
 * fwd` times against DPDK's l3fwd (LPM mode) on the same routes, the same
 * packets and the same core, alternating in one run.
 *
 * How to run:
 *     make bench                                  # builds, then runs this after ws-bench-fib6
 *     build/bench/ws-bench-fwd                    # real gaissmai v4 + v6 tables, 5 runs of 10M packets
 *     build/bench/ws-bench-fwd --tables synthetic # bench fwd's synthetic 900k v4 / 160k v6 tables
 *     build/bench/ws-bench-fwd --family 4 --table FILE
 *     build/bench/ws-bench-fwd 2>/dev/null        # JSON lines only
 * The real tables are ../shared/data/rib-v{4,6}-gaissmai-tier1-2023-02.txt.gz
 * next to the source tree (WS_SHARED_DATA names another directory). Needs
 * Debian's dpdk-dev; the EAL starts with --no-huge -m 1024 --no-pci
 * --no-telemetry --no-shconf -l CPU. About 100 s with either pair of
 * tables, most of it the IPv4 peer's build (rte_lpm_add of a full table
 * takes 50-80 s).
 *
 * Our side is exactly `wirespeed bench fwd`'s (app/bench_fwd.h, compiled
 * with the project's flags): the table with its nexthops, the 2^16 routed
 * destinations, the mem port's frames, the graph (ethernet-input,
 * ip4/ip6-lookup, ip4/ip6-rewrite, tx, mem sink), every nexthop to port 1,
 * and the timed loop (RX bursts of 256, graph, flush; the source's time
 * taken out). The peer (peers/dpdk_l3fwd.c, compiled with DPDK's flags) is
 * l3fwd's per-burst work with DPDK's libraries: the same prefixes in
 * rte_lpm / rte_lpm6 with port 1 as next hop (l3fwd's routes hold ports),
 * the same frames (the same bytes, destinations and order: its RX "NIC"
 * writes them from the first frame of our source and the same destination
 * draws), RX bursts of 32 from 256 ready frames, the TX "NIC" counting and
 * freeing. Both sides' structures are on 2 MiB pages (ours: MADV_HUGEPAGE;
 * the peer's: a DPDK heap over MADV_HUGEPAGE memory), unless --peer-4k.
 *
 * Before anything is timed, the first 2^16 frames (or --packets, if fewer)
 * are compared byte for byte: the peer's source against ours, then what
 * each side sends. They must be equal, except that l3fwd leaves the IPv6
 * hop limit alone (ours decrements it) and that where an updated IPv4
 * checksum is ones'-complement zero, l3fwd's 16-bit ++ writes 0xffff and
 * our RFC 1624 update 0x0000 (a receiver takes either; counted): the run
 * stops otherwise.
 *
 * Not the same work, and said so in the output: our ethernet-input checks
 * RFC 1812 5.2.2 including the IPv4 header checksum and drops TTL <= 1;
 * l3fwd's rfc1812_process checks version/IHL and total length only (no
 * checksum, no TTL check) and leaves IPv6 headers alone. Our lookup returns
 * one of 4096 nexthop ids that ip4-rewrite resolves through its adjacency
 * table; l3fwd's lookup returns the port. The peer is run as l3fwd is.
 *
 * Timing: per family, one warm-up run each, then ours, l3fwd, ours, ...
 * `runs` times; each run forwards `packets` frames from the start of the
 * same stream. Figures: ns per forwarded packet (the run's TSC time minus
 * the source's, over its packets), median, min and max; ratio = l3fwd's
 * median / ours (above 1: wirespeed is faster).
 *
 * Output: stdout carries one JSON object per line (machine, then one
 * fwd_l3fwd line per family); stderr a table. Exit 0, 1 on a failure (a
 * mismatch included), 2 for a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "app/app.h"
#include "app/bench_core.h"
#include "app/bench_fwd.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "fib/fib.h"
#include "fib/route_gen.h"
#include "fib_common.h"
#include "fwd/fwd.h"
#include "graph/graph.h"
#include "io/port.h"
#include "peers/dpdk_l3fwd.h"

#ifndef WS_SOURCE_ROOT
#define WS_SOURCE_ROOT "."
#endif

#define PROG "ws-bench-fwd"
#define TABLE_V4 "rib-v4-gaissmai-tier1-2023-02.txt.gz"
#define TABLE_V6 "rib-v6-gaissmai-tier1-2023-02.txt.gz"
#define DEFAULT_PACKETS 10000000u
#define DEFAULT_RUNS 5u
#define NB_CHECK (1u << 16) /* frames compared before timing */
#define FRAME_STRIDE 128u   /* bytes per frame in the comparison buffers */
#define EAL_MEM "1024"      /* MiB; only --peer-4k puts the peer's tables there */
/* rte_lpm gets at least this many tbl8 groups (64 MiB), as in ws-bench-fib;
 * rte_lpm6 the estimate + 25%, at least 4096 (as ws-bench-fib6) */
#define MIN_TBL8S_V4 (1u << 16)
#define MIN_TBL8S_V6 (1u << 12)
#define OUT_PORT 1u
#define HOP_LIMIT_OFF (14u + 7u) /* of the IPv6 hop limit in a frame */
#define IP4_CSUM_OFF (14u + 10u) /* of the IPv4 header checksum */

struct opts {
	bool v4, v6;
	const char *table;
	unsigned synthetic;
	bool real;          /* --tables real (the default) */
	uint64_t packets, seed;
	unsigned runs;
	bool peer_4k, parse_ptype;
	enum ws_l3fwd_v6 v6_mode;
};

/* app.h's: the shared code in bench_fwd.c is linked with its command,
 * which calls this; the JSON lines here go through it too. */
void ws_out_flush(void)
{
	ws_fbench_out_flush(PROG);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--family 4|6|both] [--tables real|synthetic | --table FILE | --synthetic N]\n"
		"                    [--packets N] [--runs N] [--seed S] [--peer-4k] [--peer-parse-ptype]\n"
		"                    [--peer-v6 l3fwd|bulk] [--help]\n"
		"\n"
		"The forwarding graph of `wirespeed bench fwd` against DPDK's l3fwd (LPM mode) on\n"
		"the same routes, the same 64-byte frames and one core, alternating in one run.\n"
		"JSON lines on stdout, a table on stderr.\n"
		"  --family F        4, 6 or both (default both)\n"
		"  --tables real     $WS_SHARED_DATA/" TABLE_V4 " and " TABLE_V6 "\n"
		"                    (the default; $WS_SHARED_DATA defaults to ../shared/data beside the\n"
		"                    source tree)\n"
		"  --tables synthetic  %u IPv4 / %u IPv6 generated prefixes (bench fwd's default)\n"
		"  --table FILE      one route file for the families asked (prefix list or `ip route`)\n"
		"  --synthetic N     N generated prefixes per family\n"
		"  --packets N       frames per run and side (default %u)\n"
		"  --runs N          timed runs per side, 5..%u (default %u)\n"
		"  --seed S          seed of the synthetic tables, destinations and frames (default 1)\n"
		"  --peer-4k         the peer's tables and mbufs in the EAL's memory (4 KiB pages)\n"
		"                    instead of its own 2 MiB-page heap\n"
		"  --peer-parse-ptype  l3fwd --parse-ptype: packet types in software, timed\n"
		"  --peer-v6 bulk    IPv6 peer with rte_lpm6_lookup_bulk_func and hop limit - 1 (not\n"
		"                    l3fwd, which looks up one packet at a time and keeps the hop limit)\n",
		WS_BFWD_SYNTHETIC_V4, WS_BFWD_SYNTHETIC_V6, DEFAULT_PACKETS, WS_BENCH_MAX_RUNS, DEFAULT_RUNS);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	bool tables_set = false;

	*o = (struct opts){ .v4 = true, .v6 = true, .real = true, .packets = DEFAULT_PACKETS, .seed = 1,
			    .runs = DEFAULT_RUNS };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--family") && v) {
			o->v4 = !strcmp(v, "4") || !strcmp(v, "both");
			o->v6 = !strcmp(v, "6") || !strcmp(v, "both");
			if (!o->v4 && !o->v6) {
				fprintf(stderr, PROG ": --family wants 4, 6 or both, got '%s'\n\n", v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--tables") && v && (!strcmp(v, "real") || !strcmp(v, "synthetic"))) {
			o->real = v[0] == 'r';
			tables_set = true;
			i++;
		} else if (!strcmp(a, "--table") && v) {
			o->table = v;
			i++;
		} else if (!strcmp(a, "--synthetic") && v) {
			if (parse_u64(v, &x) || x < 1 || x > WS_ROUTE_GEN_MAX) {
				fprintf(stderr, PROG ": --synthetic wants a count from 1 to %u, got '%s'\n\n",
					WS_ROUTE_GEN_MAX, v);
				return -1;
			}
			o->synthetic = (unsigned)x;
			i++;
		} else if (!strcmp(a, "--packets") && v) {
			if (parse_u64(v, &x) || x < 1 || x > (1ull << 32)) {
				fprintf(stderr, PROG ": --packets wants a count from 1 to 2^32, got '%s'\n\n", v);
				return -1;
			}
			o->packets = x;
			i++;
		} else if (!strcmp(a, "--runs")) {
			if (ws_bench_parse_runs(v, &o->runs) != 0 || o->runs < 5) {
				fprintf(stderr, PROG ": --runs wants a count from 5 to %u, got '%s'\n\n",
					WS_BENCH_MAX_RUNS, v ? v : "");
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--seed") && v) {
			if (parse_u64(v, &o->seed)) {
				fprintf(stderr, PROG ": --seed wants a number, got '%s'\n\n", v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--peer-4k")) {
			o->peer_4k = true;
		} else if (!strcmp(a, "--peer-parse-ptype")) {
			o->parse_ptype = true;
		} else if (!strcmp(a, "--peer-v6") && v && (!strcmp(v, "l3fwd") || !strcmp(v, "bulk"))) {
			o->v6_mode = v[0] == 'b' ? WS_L3FWD_V6_BULK : WS_L3FWD_V6_L3FWD;
			i++;
		} else {
			fprintf(stderr, PROG ": unknown or incomplete argument '%s'\n\n", a);
			return -1;
		}
	}
	if ((o->table != NULL) + (o->synthetic != 0) + tables_set > 1) {
		fprintf(stderr, PROG ": --tables, --table and --synthetic exclude each other\n\n");
		return -1;
	}
	if (o->table || o->synthetic)
		o->real = false;
	return 0;
}

/* ---- the peer's table ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* out = the first len bits of a, the rest 0 */
static void prefix_of(const uint8_t *a, unsigned len, uint8_t *out)
{
	for (unsigned b = 0; b < 16; b++)
		out[b] = len >= 8 * (b + 1) ? a[b] : len > 8 * b ? (uint8_t)(a[b] & (0xff00u >> (len - 8 * b))) : 0;
}

/* tbl8 groups rte_lpm needs: one per /24 holding longer prefixes; rte_lpm6
 * about one per distinct first L bits of the prefixes longer than L, for
 * L = 24, 32, ..., 120 (its tbl24, then one tbl8 per further byte). */
static uint32_t tbl8_needed(const struct ws_bfwd_table *t)
{
	uint64_t total = 0;

	if (t->family == AF_INET) {
		uint32_t *keys = malloc((t->n_routes ? t->n_routes : 1) * sizeof(*keys));
		size_t k = 0;

		if (!keys)
			return 0;
		for (size_t i = 0; i < t->n_routes; i++)
			if (t->routes[i].len > 24)
				keys[k++] = ws_fib_v4_from_bytes(t->routes[i].addr) >> 8;
		qsort(keys, k, sizeof(*keys), cmp_u32);
		for (size_t i = 0; i < k; i++)
			total += i == 0 || keys[i] != keys[i - 1];
		free(keys);
		return (uint32_t)total;
	}
	struct ws_route *keys = malloc((t->n_routes ? t->n_routes : 1) * sizeof(*keys));

	if (!keys)
		return 0;
	for (unsigned L = 24; L < 128; L += 8) {
		size_t k = 0;

		for (size_t i = 0; i < t->n_routes; i++)
			if (t->routes[i].len > L) {
				prefix_of(t->routes[i].addr, L, keys[k].addr);
				keys[k].len = 0;
				keys[k++].nexthop = 0;
			}
		qsort(keys, k, sizeof(*keys), ws_fbench_cmp_route_len);
		for (size_t i = 0; i < k; i++)
			total += i == 0 || memcmp(keys[i].addr, keys[i - 1].addr, 16) != 0;
	}
	free(keys);
	return total > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)total;
}

/* Every prefix of t to port OUT_PORT, shortest first (rte_lpm_add scans the
 * rules of a prefix's length; adding in length order spares it moving
 * longer ones). rte_lpm and rte_lpm6 take no /0: a default route becomes
 * the /1s it stands for, where the table has none. 0 or -1 (message). */
static int peer_fill(struct ws_l3fwd *peer, const struct ws_bfwd_table *t)
{
	struct ws_route *r = malloc(t->n_routes * sizeof(*r));
	bool half[2] = { false, false }, dflt = false;
	int rc = 0;

	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	memcpy(r, t->routes, t->n_routes * sizeof(*r));
	qsort(r, t->n_routes, sizeof(*r), ws_fbench_cmp_route_len);
	for (size_t i = 0; i < t->n_routes && !rc; i++) {
		if (r[i].len == 0) {
			dflt = true;
			continue;
		}
		if (r[i].len == 1)
			half[r[i].addr[0] >> 7] = true;
		rc = ws_l3fwd_add_route(peer, r[i].addr, r[i].len, OUT_PORT);
		if (rc)
			fprintf(stderr, PROG ": adding route %zu of %zu (/%u) to the peer: %s\n", i, t->n_routes,
				r[i].len, strerror(-rc));
	}
	for (unsigned h = 0; dflt && !rc && h < 2; h++) {
		const uint8_t a[16] = { (uint8_t)(h << 7) };

		if (!half[h] && (rc = ws_l3fwd_add_route(peer, a, 1, OUT_PORT)) != 0)
			fprintf(stderr, PROG ": adding the default route's /1 to the peer: %s\n", strerror(-rc));
	}
	free(r);
	return rc ? -1 : 0;
}

/* ---- the comparison ---- */

/* Frames from a fresh source of bg, as they leave it. */
static int ours_source_frames(struct ws_bfwd_graph *bg, uint64_t n, uint8_t *out, uint16_t *len)
{
	struct ws_port *src = ws_bfwd_source(bg, n);
	struct ws_pkt *pk[WS_BFWD_BURST];
	uint64_t i = 0;
	unsigned got;

	if (!src)
		return -1;
	while ((got = ws_port_rx_burst(src, pk, WS_BFWD_BURST)) != 0) {
		for (unsigned k = 0; k < got; k++, i++) {
			len[i] = pk[k]->data_len <= FRAME_STRIDE ? pk[k]->data_len : 0;
			memcpy(out + i * FRAME_STRIDE, ws_pkt_data(pk[k]), len[i]);
		}
		ws_pool_put_bulk(bg->pool, pk, got);
	}
	ws_port_close(src);
	return i == n && len[0] ? 0 : -1;
}

/* What our graph sends for the first n frames: after each graph run the
 * frames tx queued for the output port (fwd.h's txq), before the flush,
 * by their sequence number. */
static int ours_capture(struct ws_bfwd_graph *bg, uint64_t n, uint8_t *out, uint16_t *len)
{
	struct ws_port *src = ws_bfwd_source(bg, n);
	struct ws_pkt *pk[WS_BFWD_BURST];
	unsigned got;

	if (!src)
		return -1;
	memset(len, 0, n * sizeof(*len));
	while ((got = ws_port_rx_burst(src, pk, WS_BFWD_BURST)) != 0) {
		ws_graph_enqueue(bg->g, (unsigned)bg->fwd->node_input, pk, got);
		ws_graph_run(bg->g);
		for (unsigned q = 0; q < bg->fwd->txq_len[OUT_PORT]; q++) {
			const struct ws_pkt *p = bg->fwd->txq[OUT_PORT][q];

			if (p->seq < n && p->data_len <= FRAME_STRIDE) {
				len[p->seq] = p->data_len;
				memcpy(out + (size_t)p->seq * FRAME_STRIDE, (const uint8_t *)p + p->data_off,
				       p->data_len);
			}
		}
		ws_fwd_flush(bg->fwd);
	}
	ws_port_close(src);
	return 0;
}

/* What compare() lets differ between our frame and the peer's. */
struct allowed {
	bool hop_kept;      /* the peer's IPv6 hop limit may be ours + 1 */
	bool csum_zero;     /* IPv4: the header checksum 0x0000 on one side, 0xffff on the other */
	uint64_t hop_diffs; /* frames where they did */
	uint64_t csum_diffs;
};

/* Whether x and y (IPv4 frames) differ in their header checksum only as
 * the two forms of ones'-complement zero: l3fwd's 16-bit ++ turns 0xfeff
 * into 0xffff where an RFC 1624 update gives 0x0000; a receiver accepts
 * either. */
static bool csum_zero_forms(const uint8_t *x, const uint8_t *y)
{
	return (x[IP4_CSUM_OFF] == 0 && x[IP4_CSUM_OFF + 1] == 0 && y[IP4_CSUM_OFF] == 0xff &&
		y[IP4_CSUM_OFF + 1] == 0xff) ||
	       (x[IP4_CSUM_OFF] == 0xff && x[IP4_CSUM_OFF + 1] == 0xff && y[IP4_CSUM_OFF] == 0 &&
		y[IP4_CSUM_OFF + 1] == 0);
}

/* Frames a (ours) and b (the peer's) must be equal, but for what al
 * allows (counted in it). 0, or -1 with the first difference printed. */
static int compare(const char *what, const uint8_t *a, const uint16_t *alen, const uint8_t *b, const uint16_t *blen,
		   uint64_t n, struct allowed *al)
{
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *x = a + i * FRAME_STRIDE, *y = b + i * FRAME_STRIDE;
		bool csum = al->csum_zero && alen[i] > IP4_CSUM_OFF + 1 && csum_zero_forms(x, y);

		if (alen[i] != blen[i] || !alen[i]) {
			fprintf(stderr, PROG ": MISMATCH in %s, frame %llu: wirespeed %u bytes, l3fwd %u bytes (0: not "
					"sent); not timing anything\n",
				what, (unsigned long long)i, alen[i], blen[i]);
			return -1;
		}
		for (unsigned k = 0; k < alen[i]; k++) {
			if (x[k] == y[k])
				continue;
			if (al->hop_kept && k == HOP_LIMIT_OFF && y[k] == (uint8_t)(x[k] + 1)) {
				al->hop_diffs++;
				continue;
			}
			if (csum && (k == IP4_CSUM_OFF || k == IP4_CSUM_OFF + 1)) {
				al->csum_diffs += k == IP4_CSUM_OFF;
				continue;
			}
			fprintf(stderr, PROG ": MISMATCH in %s, frame %llu, byte %u: wirespeed 0x%02x, l3fwd 0x%02x; "
					"not timing anything\n",
				what, (unsigned long long)i, k, x[k], y[k]);
			return -1;
		}
	}
	return 0;
}

static int verify(struct ws_bfwd_graph *bg, struct ws_l3fwd *peer, int family, uint64_t n, enum ws_l3fwd_v6 mode,
		  uint64_t *csum_diffs)
{
	uint8_t *a = malloc(n * FRAME_STRIDE), *b = malloc(n * FRAME_STRIDE);
	uint16_t *alen = malloc(n * sizeof(*alen)), *blen = malloc(n * sizeof(*blen));
	struct allowed none = { 0 }, al = { .hop_kept = family == AF_INET6 && mode == WS_L3FWD_V6_L3FWD,
					    .csum_zero = family == AF_INET };
	uint64_t drops0 = 0, drops1 = 0;
	struct ws_l3fwd_times pt;
	int rc = -1;

	if (!a || !b || !alen || !blen) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	memset(a, 0, n * FRAME_STRIDE);
	memset(b, 0, n * FRAME_STRIDE);
	if (ours_source_frames(bg, n, a, alen) != 0) {
		fprintf(stderr, PROG ": our source did not give %llu frames\n", (unsigned long long)n);
		goto out;
	}
	ws_l3fwd_source_frames(peer, n, b, FRAME_STRIDE, blen);
	if (compare("the frames received", a, alen, b, blen, n, &none) != 0)
		goto out;
	memset(a, 0, n * FRAME_STRIDE);
	memset(b, 0, n * FRAME_STRIDE);
	for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
		drops0 += bg->fwd->drops[r];
	if (ours_capture(bg, n, a, alen) != 0) {
		fprintf(stderr, PROG ": cannot start our source\n");
		goto out;
	}
	for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
		drops1 += bg->fwd->drops[r];
	ws_l3fwd_capture(peer, n, b, FRAME_STRIDE, blen, &pt);
	if (drops1 != drops0 || pt.bad || pt.packets != n) {
		fprintf(stderr, PROG ": checking %llu frames: wirespeed dropped %llu, l3fwd %llu (BAD_PORT) of %llu; "
				"not timing anything\n",
			(unsigned long long)n, (unsigned long long)(drops1 - drops0), (unsigned long long)pt.bad,
			(unsigned long long)pt.packets);
		goto out;
	}
	if (compare("the frames sent", a, alen, b, blen, n, &al) != 0)
		goto out;
	fprintf(stderr, "checked: the first %llu frames enter both sides byte for byte the same and leave them the "
			"same",
		(unsigned long long)n);
	if (al.hop_diffs)
		fprintf(stderr, " but for the IPv6 hop limit, which l3fwd does not decrement");
	if (al.csum_diffs)
		fprintf(stderr,
			" but for %llu header checksums of 0xffff (l3fwd's ++) where ours are 0x0000 (RFC 1624)",
			(unsigned long long)al.csum_diffs);
	fprintf(stderr, "\n");
	*csum_diffs = al.csum_diffs;
	rc = 0;
out:
	free(a);
	free(b);
	free(alen);
	free(blen);
	return rc;
}

/* ---- timing ---- */


/* One run of ours on a fresh source: ns per packet, or < 0. */
static double ours_run(struct ws_bfwd_graph *bg, uint64_t packets, double tsc_ns, double *src_ns)
{
	struct ws_port *src = ws_bfwd_source(bg, packets);
	uint64_t tx0 = bg->out->stats.tx_packets;
	struct ws_bfwd_times tm;

	if (!src)
		return -1;
	ws_bfwd_run(bg, src, &tm);
	ws_port_close(src);
	if (tm.packets != packets || bg->out->stats.tx_packets - tx0 != packets) {
		fprintf(stderr, PROG ": wirespeed forwarded %llu of %llu packets\n",
			(unsigned long long)(bg->out->stats.tx_packets - tx0), (unsigned long long)packets);
		return -1;
	}
	*src_ns = (double)tm.rx * tsc_ns / (double)packets;
	return (double)(tm.total - tm.rx) * tsc_ns / (double)packets;
}

static double peer_run(struct ws_l3fwd *peer, uint64_t packets, double tsc_ns, double *src_ns)
{
	struct ws_l3fwd_times tm;

	ws_l3fwd_run(peer, packets, &tm);
	if (tm.packets != packets || tm.tx != packets) {
		fprintf(stderr, PROG ": l3fwd forwarded %llu of %llu packets (%llu received, %llu BAD_PORT)\n",
			(unsigned long long)tm.tx, (unsigned long long)packets, (unsigned long long)tm.packets,
			(unsigned long long)tm.bad);
		return -1;
	}
	*src_ns = (double)tm.rx * tsc_ns / (double)packets;
	return (double)(tm.total - tm.rx) * tsc_ns / (double)packets;
}

static const char *table_path(const struct opts *o, int family, char *buf, size_t len)
{
	const char *dir = getenv("WS_SHARED_DATA");

	if (!o->real)
		return o->table;
	snprintf(buf, len, "%s/%s", dir ? dir : WS_SOURCE_ROOT "/../shared/data",
		 family == AF_INET ? TABLE_V4 : TABLE_V6);
	if (access(buf, R_OK) == 0)
		return buf;
	/* keep `make bench` useful without the data directory, and say so */
	fprintf(stderr, PROG ": %s not found (set WS_SHARED_DATA or use --table): using bench fwd's synthetic "
			"table instead\n",
		buf);
	return NULL;
}

static int run_family(const struct opts *o, int family, int cpu)
{
	double tsc_ns = 1e9 / (double)ws_tsc_hz(), ghz = ws_bench_tsc_ghz();
	struct ws_bfwd_table t;
	struct ws_bfwd_graph bg = { 0 };
	struct ws_l3fwd *peer = NULL;
	uint64_t n_check = o->packets < NB_CHECK ? o->packets : NB_CHECK;
	uint8_t tmpl[WS_L3FWD_MAX_FRAME];
	uint16_t tmpl_len;
	char path[1024], err[512];
	const char *file = table_path(o, family, path, sizeof(path));
	bool v6_bulk = family == AF_INET6 && o->v6_mode == WS_L3FWD_V6_BULK;
	int rc = -1;

	fprintf(stderr, "\nIPv%d: loading the table ...\n", family == AF_INET ? 4 : 6);
	if (ws_bfwd_table_load(&t, family, file, o->synthetic, o->seed, PROG) != 0 ||
	    ws_bfwd_graph_open(&bg, &t, o->seed, o->packets, PROG) != 0)
		goto out;
	if (ours_source_frames(&bg, 1, tmpl, &tmpl_len) != 0 || tmpl_len > WS_L3FWD_MAX_FRAME) {
		fprintf(stderr, PROG ": cannot take a frame from our source\n");
		goto out;
	}

	/* ---- the peer: l3fwd's table from the same routes ---- */
	uint32_t need8 = tbl8_needed(&t), min8 = family == AF_INET ? MIN_TBL8S_V4 : MIN_TBL8S_V6;
	uint32_t tbl8s = family == AF_INET ? need8 + need8 / 8 : need8 + need8 / 4;
	struct ws_l3fwd_config pc = {
		.family = family,
		.max_rules = (uint32_t)t.n_routes + 2, /* + the /1s a /0 may become */
		.number_tbl8s = tbl8s > min8 ? tbl8s : min8,
		.nb_mbufs = 8191,
		.mbuf_cache = 256,
		.huge = !o->peer_4k,
		.parse_ptype = o->parse_ptype,
		.v6 = o->v6_mode,
		.tmpl = tmpl,
		.tmpl_len = tmpl_len,
		.dsts = t.dsts,
		.nb_dsts = WS_BFWD_NB_DSTS,
		.seed = o->seed,
	};
	memcpy(pc.port_mac[0], ws_bfwd_mac_in, 6);
	memcpy(pc.port_mac[1], ws_bfwd_mac_out, 6);
	memcpy(pc.nh_mac, ws_bfwd_mac_peer, 6);
	fprintf(stderr,
		"IPv%d, table %s (%zu prefixes): building rte_lpm%s (%u tbl8 groups for about %u needed)%s ...\n",
		family == AF_INET ? 4 : 6, t.name, t.n_routes, family == AF_INET ? "" : "6", pc.number_tbl8s, need8,
		family == AF_INET ? "; about a minute for a full table" : "");
	double b0 = ws_fbench_now();

	peer = ws_l3fwd_create(&pc, err, sizeof(err));
	if (!peer) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out;
	}
	if (peer_fill(peer, &t) != 0)
		goto out;
	double build_s = ws_fbench_now() - b0;
	long huge_kb = ws_fbench_thp_kb();

	/* ---- the same frames in, the same frames out ---- */
	uint64_t csum_diffs = 0;

	if (verify(&bg, peer, family, n_check, o->v6_mode, &csum_diffs) != 0)
		goto out;

	/* ---- warm-up, then alternate ---- */
	struct ws_bench_series s[2] = { { .runs = o->runs }, { .runs = o->runs } };
	double src_ns[2] = { 0, 0 }, x;
	unsigned nb_nodes = ws_graph_nb_nodes(bg.g);
	uint64_t cyc0[WS_GRAPH_MAX_NODES], calls0[WS_GRAPH_MAX_NODES];

	if (ours_run(&bg, o->packets, tsc_ns, &x) < 0 || peer_run(peer, o->packets, tsc_ns, &x) < 0)
		goto out;
	for (unsigned i = 0; i < nb_nodes; i++) {
		cyc0[i] = ws_graph_node(bg.g, i)->stats.cycles;
		calls0[i] = ws_graph_node(bg.g, i)->stats.calls;
	}
	for (unsigned r = 0; r < o->runs; r++) {
		double sn;

		s[0].ns[r] = ours_run(&bg, o->packets, tsc_ns, &sn);
		src_ns[0] += sn / o->runs;
		s[1].ns[r] = peer_run(peer, o->packets, tsc_ns, &sn);
		src_ns[1] += sn / o->runs;
		if (s[0].ns[r] < 0 || s[1].ns[r] < 0)
			goto out;
	}
	ws_bench_series_finish(&s[0]);
	ws_bench_series_finish(&s[1]);
	double ratio = s[1].median / s[0].median;
	const char *mem = o->peer_4k ? "4k" : "2m";
	const char *peer_v6 = v6_bulk ? "rte_lpm6_lookup_bulk_func per burst, hop limit - 1 (not l3fwd)"
				      : "rte_lpm6_lookup per packet, hop limit kept (l3fwd)";

	printf("{\"bench\":\"fwd_l3fwd\",\"family\":%d,\"table\":", family == AF_INET ? 4 : 6);
	ws_bench_json_str(stdout, t.name);
	printf(",\"prefixes\":%zu,\"packets\":%llu,\"frame_bytes\":%u,\"runs\":%u,\"ns_per_pkt\":%.3f,\"min\":%.3f,"
	       "\"max\":%.3f,\"mpps\":%.2f,\"cycles_per_pkt\":%.2f,\"source_ns_per_pkt\":%.3f,\"burst\":%u,\"nodes\":[",
	       t.n_routes, (unsigned long long)o->packets, family == AF_INET ? 64u : 66u, o->runs, s[0].median,
	       s[0].min, s[0].max, 1e3 / s[0].median, s[0].median * ghz, src_ns[0], WS_BFWD_BURST);
	for (unsigned i = 0, first = 1; i < nb_nodes; i++) {
		const struct ws_graph_node *nd = ws_graph_node(bg.g, i);
		double ns = (double)(nd->stats.cycles - cyc0[i]) * tsc_ns / ((double)o->packets * o->runs);

		if (nd->stats.calls == calls0[i])
			continue; /* not on the path */
		printf("%s{\"name\":\"%s\",\"ns_per_pkt\":%.3f}", first ? "" : ",", nd->name, ns);
		first = 0;
	}
	printf("],\"checks\":\"RFC 1812 5.2.2 incl. header checksum, TTL/hop limit > 1\","
	       "\"peer\":\"l3fwd-lpm\",\"dpdk\":");
	ws_bench_json_str(stdout, ws_l3fwd_dpdk_version());
	printf(",\"peer_ns_per_pkt\":%.3f,\"peer_min\":%.3f,\"peer_max\":%.3f,\"peer_mpps\":%.2f,"
	       "\"peer_cycles_per_pkt\":%.2f,\"peer_source_ns_per_pkt\":%.3f,\"peer_burst\":%u,"
	       "\"peer_checks\":\"version/IHL, total length (l3fwd rfc1812_process: no checksum, no TTL check)\","
	       "\"peer_ptype\":\"%s\",",
	       s[1].median, s[1].min, s[1].max, 1e3 / s[1].median, s[1].median * ghz, src_ns[1], WS_L3FWD_BURST,
	       o->parse_ptype ? "software (--parse-ptype, timed)" : "nic");
	if (family == AF_INET6)
		printf("\"peer_v6\":\"%s\",", peer_v6);
	printf("\"peer_tbl8_groups\":%u,\"peer_build_s\":%.1f,\"peer_pages\":\"%s\",\"anon_huge_kb\":%ld,"
	       "\"checked_frames\":%llu,\"checked_csum_zero_forms\":%llu,\"ratio\":%.3f,\"cpu\":%d,\"tsc_ghz\":%.3f}\n",
	       pc.number_tbl8s, build_s, mem, huge_kb, (unsigned long long)n_check, (unsigned long long)csum_diffs,
	       ratio, cpu, ghz);
	ws_out_flush();

	fprintf(stderr, "IPv%d, table %s (%zu prefixes), %llu packets of %u bytes per run, CPU %d; rte_lpm%s built in "
			"%.1f s on %s pages\n",
		family == AF_INET ? 4 : 6, t.name, t.n_routes, (unsigned long long)o->packets,
		family == AF_INET ? 64u : 66u, cpu, family == AF_INET ? "" : "6", build_s,
		o->peer_4k ? "4 KiB" : "2 MiB");
	fprintf(stderr, "%-10s %6s %9s %9s %9s %7s %10s %10s\n", "", "burst", "median ns", "min", "max", "Mpps",
		"cycles/pkt", "source ns");
	fprintf(stderr, "%-10s %6u %9.2f %9.2f %9.2f %7.1f %10.1f %10.2f\n", "wirespeed", WS_BFWD_BURST, s[0].median,
		s[0].min, s[0].max, 1e3 / s[0].median, s[0].median * ghz, src_ns[0]);
	fprintf(stderr, "%-10s %6u %9.2f %9.2f %9.2f %7.1f %10.1f %10.2f\n", "l3fwd", WS_L3FWD_BURST, s[1].median,
		s[1].min, s[1].max, 1e3 / s[1].median, s[1].median * ghz, src_ns[1]);
	fprintf(stderr, "ratio l3fwd / wirespeed (medians): %.2f%s\n", ratio,
		ratio >= 1 ? " (wirespeed faster)" : " (l3fwd faster)");
	const char *v6_note = v6_bulk ? "; the IPv6 peer is the --peer-v6 bulk variant, not l3fwd"
				      : "; for IPv6 l3fwd looks up one packet at a time and keeps the hop limit";

	fprintf(stderr, "not the same work: wirespeed verifies the IPv4 header checksum and drops TTL <= 1, l3fwd "
			"does neither%s\n",
		family == AF_INET6 ? v6_note : "");
	rc = 0;
out:
	ws_l3fwd_free(peer);
	ws_bfwd_graph_close(&bg);
	ws_bfwd_table_free(&t);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	char lcore[16];
	int cpu[2], rc = 0;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);

	/* One CPU: the first of our affinity mask, which the EAL makes its main
	 * lcore (and pins this thread to); ws_cpu_pin() says so again. */
	ws_bench_cpus(cpu);
	snprintf(lcore, sizeof(lcore), "%d", cpu[0]);
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", EAL_MEM, "--no-pci", "--no-telemetry", "--no-shconf",
		"-l", lcore, "--log-level=*:error", NULL,
	};
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, PROG ": rte_eal_init failed: %s (EAL arguments: --no-huge -m " EAL_MEM
				     " --no-pci --no-telemetry --no-shconf -l %s)\n",
			rte_strerror(rte_errno), lcore);
		return 1;
	}
	if (ws_cpu_pin(cpu[0]) != 0)
		fprintf(stderr, PROG ": cannot pin to CPU %d: running unpinned, figures will be noisier\n", cpu[0]);

	double t0 = ws_fbench_now();

	printf("{\"bench\":\"machine\",");
	ws_bench_machine_json(stdout);
	printf(",\"dpdk\":");
	ws_bench_json_str(stdout, ws_l3fwd_dpdk_version());
	printf(",\"cpu\":%d,\"runs\":%u,\"packets\":%llu,\"eal\":\"--no-huge -m " EAL_MEM
	       " --no-pci --no-telemetry --no-shconf -l %s\"}\n",
	       cpu[0], o.runs, (unsigned long long)o.packets, lcore);
	ws_out_flush();
	fprintf(stderr, PROG ": %s, TSC %.3f GHz (%s), %s; CPU %d; %llu packets per run, median of %u runs\n",
		ws_cpu_model(), ws_bench_tsc_ghz(), ws_tsc_source(), ws_l3fwd_dpdk_version(), cpu[0],
		(unsigned long long)o.packets, o.runs);
	if (o.v4)
		rc |= run_family(&o, AF_INET, cpu[0]);
	if (o.v6)
		rc |= run_family(&o, AF_INET6, cpu[0]);
	fprintf(stderr, "\n" PROG ": %.0f s in all\n", ws_fbench_now() - t0);
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
