/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib6_vs_dpdk.c: wirespeed's lpm6 against DPDK's rte_lpm6, the same table,
 * the same addresses, the same machine, the same run (the IPv6 companion of
 * fib_vs_dpdk.c, whose method it follows).
 *
 * How to run:
 *     make bench                             # builds, then runs this after ws-bench-fib
 *     build/bench/ws-bench-fib6              # the real table, all shapes, median of 7
 *     build/bench/ws-bench-fib6 --table FILE # any route file (src/fib/route_file.h)
 *     build/bench/ws-bench-fib6 --synthetic 200000 --seed 7
 *     build/bench/ws-bench-fib6 2>/dev/null  # JSON lines only
 * The default table is ../shared/data/rib-v6-gaissmai-tier1-2023-02.txt.gz
 * next to the source tree (WS_SHARED_DATA names another directory). The EAL
 * starts with --no-huge -m 4096 --no-pci --no-telemetry --no-shconf -l CPU
 * (rte_lpm6's tbl24 is 64 MiB and its tbl8 groups 1 KiB each).
 *
 * The table: the file's (or generator's) IPv6 routes; IPv4 ones are
 * ignored. Prefix i gets nexthop id ((i * 2654435761) >> 8) % 4096, as in
 * ws-bench-fib. rte_lpm6 takes depths 1..128; a ::/0 goes to it as the two
 * /1s it stands for (where the table has no such /1).
 *
 * Address sets, 2^20 addresses each, from a seeded PRNG, one array per set
 * used by both sides:
 *   random_routed    uniform in 2000::/3, kept only where lpm6 has a route
 *                    (rejection sampling); drawn only when at least 1e-4
 *                    of a probe of 2^22 draws is routed, else left out
 *                    (said on stderr and in the JSON "sets" line)
 *   random_2000_3    uniform in 2000::/3 (the global unicast block),
 *                    unrouted addresses included
 *   prefix_weighted  a prefix drawn uniformly from the table, then a random
 *                    address in it: every prefix equally likely, so long
 *                    prefixes (/48s) weigh far more than in random traffic
 *   repeated         one address inside a routed /48, 2^20 times
 * Shapes per set: bulk calls of 32, 64 and 256 addresses and single lookups
 * (fib_loops.h). Before anything is timed, every address of every set goes
 * through every shape of both sides and the answers must agree.
 *
 * Timing: per shape, wirespeed, rte_lpm6, wirespeed, ... `runs` times each
 * after one warm-up pass each; a run is as many passes over the 2^20
 * addresses as make about 100 ms on wirespeed's side. Figures are ns per
 * looked-up address, medians, with min and max.
 *
 * Memory: lpm6 is ws_lpm6_memory(). rte_lpm6's struct is private to DPDK,
 * so its figure is what it allocated from DPDK's heap during create + add
 * (rte_malloc stats: tbl24, the number_tbl8s tbl8 groups, their headers and
 * free list, the rules hash), with the lookup tables alone (tbl24 +
 * number_tbl8s x 1 KiB) beside it. Both are allocated figures: rte_lpm6
 * allocates every tbl8 group at create time.
 *
 * Output: stdout carries JSON lines (machine, lpm6_memory, lpm6_build, then
 * lpm6_lookup per set and shape with ratio = rte_lpm6 ns / wirespeed ns);
 * stderr a table and the goal check. Exit 0, 1 on a failure (a mismatch
 * included), 2 for a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "app/bench_core.h"
#include "core/log.h"
#include "fib/fib.h"
#include "fib/lpm6.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"
#include "fib_common.h"
#include "fib_update.h"
#include "fib_loops.h"
#include "peers/dpdk_fib.h"
#include "peers/dpdk_fib6.h"

#ifndef WS_SOURCE_ROOT
#define WS_SOURCE_ROOT "."
#endif

#define PROG "ws-bench-fib6"
#define DEFAULT_TABLE "rib-v6-gaissmai-tier1-2023-02.txt.gz"
#define NB_ADDRS (1u << 20)
#define RUN_NS 100e6
/* rte_lpm6 gets the tbl8 groups the table needs (estimated by
 * tbl8_needed) plus 25%, and at least this many (4 MiB): sized to the
 * table rather than generously, so that its allocated figure is not
 * inflated by headroom (every rte_lpm6_add is checked; -ENOSPC would stop
 * the run). */
#define MIN_TBL8S (1u << 12)
#define SLOW_BUILD_S 30.0
#define LPM6_BUILDS 3
/* random_routed is drawn only if this share of uniform 2000::/3 draws is routed */
#define MIN_ROUTED_RATE 1e-4
/* From the issue: random bulk lookups >= 3x rte_lpm6's speed, in less memory. */
#define GOAL_RATIO 3.0

enum addr_set { SET_ROUTED, SET_2000_3, SET_PREFIX, SET_REPEATED, NB_SETS };

static const char *const set_names[NB_SETS] = { "random_routed", "random_2000_3", "prefix_weighted", "repeated" };

static const unsigned batches[] = { 32, 64, 256, 0 };
#define NB_SHAPES (sizeof(batches) / sizeof(batches[0]))

typedef uint8_t addr6[16];

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--table FILE | --synthetic N [--seed S]] [--runs N] [--help]\n"
		"\n"
		"wirespeed's lpm6 against DPDK's rte_lpm6 on one table and the same addresses,\n"
		"alternating in one run. JSON lines on stdout, a table on stderr.\n"
		"  --table FILE      route file (prefix list or `ip route` output, maybe gzip'd);\n"
		"                    default: $WS_SHARED_DATA/" DEFAULT_TABLE "\n"
		"                    ($WS_SHARED_DATA defaults to ../shared/data beside the source tree)\n"
		"  --synthetic N     N generated IPv6 prefixes with the real length mix (ws_route_gen)\n"
		"  --seed S          seed of the generator and of the address sets (default 1)\n"
		"  --runs N          timed runs per shape and implementation, 5..%u (default %u)\n",
		WS_BENCH_MAX_RUNS, WS_BENCH_RUNS_DEFAULT);
}

/* out = the first len bits of p, then the bits of r (random) */
static void addr_in_prefix(const uint8_t *p, unsigned len, const uint8_t *r, uint8_t *out)
{
	for (unsigned b = 0; b < 16; b++) {
		unsigned keep = len >= 8 * (b + 1) ? 8 : len > 8 * b ? len - 8 * b : 0;
		uint8_t m = keep ? (uint8_t)(0xff00u >> keep) : 0;

		out[b] = (uint8_t)((p[b] & m) | (r[b] & ~m));
	}
}

static void rand_addr(uint64_t *s, uint8_t *out)
{
	uint64_t a = ws_fbench_rng(s), b = ws_fbench_rng(s);

	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

static void fmt6(const uint8_t *a, char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
}

/* ---- the table ---- */

/* tbl8 groups rte_lpm6 needs, about: one per distinct first-L-bits of the
 * prefixes longer than L, for L = 24, 32, ..., 120 (a prefix of length d
 * walks tbl24 then one tbl8 per further 8 bits). */
static uint32_t tbl8_needed(const struct ws_fbench_table *t)
{
	struct ws_route *keys = malloc((t->n ? t->n : 1) * sizeof(*keys));
	uint64_t total = 0;

	if (!keys)
		return 0;
	for (unsigned L = 24; L < 128; L += 8) {
		size_t k = 0;

		for (size_t i = 0; i < t->n; i++)
			if (t->routes[i].len > L) {
				keys[k] = t->routes[i];
				addr_in_prefix(t->routes[i].addr, L, (const uint8_t[16]){ 0 }, keys[k].addr);
				keys[k].len = 0;
				k++;
			}
		qsort(keys, k, sizeof(*keys), ws_fbench_cmp_route_len);
		for (size_t i = 0; i < k; i++)
			total += i == 0 || memcmp(keys[i].addr, keys[i - 1].addr, 16) != 0;
	}
	free(keys);
	return total > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)total;
}

static int peer_fill(void *lpm, const struct ws_fbench_table *t)
{
	struct ws_route *r = malloc(t->n * sizeof(*r));
	bool half_routed[2] = { false, false };
	const struct ws_route *dflt = NULL;

	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	memcpy(r, t->routes, t->n * sizeof(*r));
	qsort(r, t->n, sizeof(*r), ws_fbench_cmp_route_len);
	for (size_t i = 0; i < t->n; i++) {
		char buf[INET6_ADDRSTRLEN];
		int rc;

		if (r[i].len == 0) {
			dflt = &t->routes[0];
			for (size_t j = 0; j < t->n; j++)
				if (t->routes[j].len == 0)
					dflt = &t->routes[j];
			continue;
		}
		if (r[i].len == 1)
			half_routed[r[i].addr[0] >> 7] = true;
		rc = ws_bench_rte_lpm6_add(lpm, r[i].addr, r[i].len, r[i].nexthop);
		if (rc) {
			fmt6(r[i].addr, buf);
			fprintf(stderr, PROG ": rte_lpm6_add(%s/%u) failed: %s\n", buf, r[i].len, strerror(-rc));
			free(r);
			return -1;
		}
	}
	for (unsigned h = 0; dflt && h < 2; h++) {
		uint8_t a[16] = { (uint8_t)(h << 7) };

		if (!half_routed[h] && ws_bench_rte_lpm6_add(lpm, a, 1, dflt->nexthop) != 0) {
			fprintf(stderr, PROG ": rte_lpm6_add(%s/1) failed\n", h ? "8000::" : "::");
			free(r);
			return -1;
		}
	}
	free(r);
	return 0;
}

/* ---- the address sets ---- */

/* 0, 1 if the set is left out (note says why), -1 on error */
static int make_addrs(enum addr_set set, const struct ws_fbench_table *t, const struct ws_lpm6 *lpm, uint64_t seed,
		      addr6 *out, char *note, size_t notelen)
{
	uint64_t s = seed * 0x2545f4914f6cdd1dull + (uint64_t)set * 0x9e3779b97f4a7c15ull + 1;
	static const uint8_t g2000[16] = { 0x20 };
	uint8_t r[16];

	note[0] = 0;
	switch (set) {
	case SET_ROUTED: {
		uint64_t tries = 0, hits = 0;
		const uint64_t probe = 1ull << 22;

		for (uint64_t i = 0; i < probe; i++) {
			rand_addr(&s, r);
			addr_in_prefix(g2000, 3, r, out[0]);
			hits += ws_lpm6_lookup(lpm, out[0]) != WS_FIB_MISS;
		}
		if ((double)hits / (double)probe < MIN_ROUTED_RATE) {
			snprintf(note, notelen, "left out: %.2e of uniform 2000::/3 draws routed (< %.0e)",
				 (double)hits / (double)probe, MIN_ROUTED_RATE);
			return 1;
		}
		for (size_t i = 0; i < NB_ADDRS;) {
			rand_addr(&s, r);
			addr_in_prefix(g2000, 3, r, out[i]);
			tries++;
			if (ws_lpm6_lookup(lpm, out[i]) != WS_FIB_MISS)
				i++;
		}
		snprintf(note, notelen, "%.3f%% of uniform 2000::/3 draws routed", 100.0 * NB_ADDRS / (double)tries);
		break;
	}
	case SET_2000_3: {
		size_t hits = 0;

		for (size_t i = 0; i < NB_ADDRS; i++) {
			rand_addr(&s, r);
			addr_in_prefix(g2000, 3, r, out[i]);
			hits += ws_lpm6_lookup(lpm, out[i]) != WS_FIB_MISS;
		}
		snprintf(note, notelen, "%.3f%% routed", 100.0 * (double)hits / NB_ADDRS);
		break;
	}
	case SET_PREFIX:
		for (size_t i = 0; i < NB_ADDRS; i++) {
			const struct ws_route *p = &t->routes[ws_fbench_rng(&s) % t->n];

			rand_addr(&s, r);
			addr_in_prefix(p->addr, p->len, r, out[i]);
		}
		break;
	case SET_REPEATED: {
		size_t start = ws_fbench_rng(&s) % t->n, pick = start;
		char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];

		for (size_t k = 0; k < t->n; k++)
			if (t->routes[(start + k) % t->n].len == 48) {
				pick = (start + k) % t->n;
				break;
			}
		rand_addr(&s, r);
		addr_in_prefix(t->routes[pick].addr, t->routes[pick].len, r, out[0]);
		for (size_t i = 1; i < NB_ADDRS; i++)
			memcpy(out[i], out[0], 16);
		fmt6(out[0], b1);
		fmt6(t->routes[pick].addr, b2);
		snprintf(note, notelen, "%s (in %s/%u)", b1, b2, t->routes[pick].len);
		break;
	}
	default:
		return -1;
	}
	return 0;
}

static int verify(enum addr_set set, const addr6 *addrs, const void *tables[2],
		  const struct ws_bench_fib6_ops *const ops[2], uint32_t *ref, uint32_t *got)
{
	ops[0]->lookup_all(tables[0], addrs, NB_ADDRS, 0, ref);
	for (unsigned side = 0; side < 2; side++)
		for (size_t s = 0; s < NB_SHAPES; s++) {
			unsigned b = batches[s];

			if (side == 0 && b == 0)
				continue;
			ops[side]->lookup_all(tables[side], addrs, NB_ADDRS, b, got);
			for (size_t i = 0; i < NB_ADDRS; i++)
				if (got[i] != ref[i]) {
					char buf[INET6_ADDRSTRLEN];

					fmt6(addrs[i], buf);
					fprintf(stderr,
						PROG ": MISMATCH in %s, address %s: wirespeed single says %d, %s %s %u "
						     "says %d (-1 = no route); not timing anything\n",
						set_names[set], buf, (int)ref[i], ops[side]->name, b ? "bulk" : "single",
						b ? b : 1, (int)got[i]);
					return -1;
				}
		}
	return 0;
}

static void time_shape(const addr6 *addrs, unsigned batch, const void *tables[2],
		       const struct ws_bench_fib6_ops *const ops[2], unsigned runs, uint32_t *out,
		       struct ws_bench_series s[2], unsigned *passes_out)
{
	double tsc_ns = 1e9 / (double)ws_tsc_hz();
	uint64_t t0, t1, sink = 0;
	unsigned passes;

	t0 = ws_rdtsc();
	sink += ops[0]->run(tables[0], addrs, NB_ADDRS, 1, batch, out);
	t1 = ws_rdtscp();
	passes = (unsigned)(RUN_NS / ((double)(t1 - t0) * tsc_ns) + 0.5);
	if (passes < 1)
		passes = 1;
	sink += ops[1]->run(tables[1], addrs, NB_ADDRS, 1, batch, out);
	for (unsigned r = 0; r < runs; r++)
		for (unsigned i = 0; i < 2; i++) {
			t0 = ws_rdtsc();
			sink += ops[i]->run(tables[i], addrs, NB_ADDRS, passes, batch, out);
			t1 = ws_rdtscp();
			s[i].ns[r] = (double)(t1 - t0) * tsc_ns / ((double)passes * NB_ADDRS);
		}
	for (unsigned i = 0; i < 2; i++) {
		s[i].runs = runs;
		ws_bench_series_finish(&s[i]);
	}
	*passes_out = passes;
	__asm__ volatile("" : : "r"(sink));
}

/* One change of the update stream on the rte_lpm6 peer. */
static int peer_change(void *peer, const struct ws_route *r, const struct ws_fbench_op *op)
{
	return op->add ? ws_bench_rte_lpm6_add(peer, r->addr, r->len, op->nexthop)
		       : ws_bench_rte_lpm6_delete(peer, r->addr, r->len);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	unsigned long long synthetic = 0, seed = 1;
	unsigned runs = WS_BENCH_RUNS_DEFAULT;
	char path[1024], err[512], lcore[16];
	struct ws_fbench_table t = { .name = "" };
	int cpu[2], rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--runs")) {
			if (ws_bench_parse_runs(v, &runs) != 0 || runs < 5) {
				fprintf(stderr, PROG ": --runs wants a count from 5 to %u, got '%s'\n\n",
					WS_BENCH_MAX_RUNS, v ? v : "");
				usage(stderr);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--table") && v) {
			file = v;
			i++;
		} else if (!strcmp(a, "--synthetic") || !strcmp(a, "--seed")) {
			unsigned long long x;

			errno = 0;
			x = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
			if (!v || *v < '0' || *v > '9' || errno || *end ||
			    (a[3] == 'y' && (x < 1 || x > WS_ROUTE_GEN_MAX))) {
				fprintf(stderr, PROG ": %s wants a number%s, got '%s'\n\n", a,
					a[3] == 'y' ? " from 1 to 268435456" : "", v ? v : "");
				usage(stderr);
				return 2;
			}
			*(a[3] == 'y' ? &synthetic : &seed) = x;
			i++;
		} else {
			fprintf(stderr, PROG ": unknown or incomplete argument '%s'\n\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (file && synthetic) {
		fprintf(stderr, PROG ": --table and --synthetic exclude each other\n\n");
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);

	if (!file && !synthetic) {
		const char *dir = getenv("WS_SHARED_DATA");

		snprintf(path, sizeof(path), "%s/%s", dir ? dir : WS_SOURCE_ROOT "/../shared/data", DEFAULT_TABLE);
		if (access(path, R_OK) == 0)
			file = path;
		else {
			synthetic = 160147;
			fprintf(stderr,
				PROG ": %s not found (set WS_SHARED_DATA or use --table): using --synthetic %llu "
				     "instead\n",
				path, synthetic);
		}
	}

	int nb_cpus = ws_bench_cpus(cpu);
	snprintf(lcore, sizeof(lcore), "%d", cpu[0]);
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "4096", "--no-pci", "--no-telemetry", "--no-shconf",
		"-l", lcore, "--log-level=*:error", NULL,
	};
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, PROG ": rte_eal_init failed: %s (EAL arguments: --no-huge -m 4096 --no-pci "
				     "--no-telemetry --no-shconf -l %s)\n",
			rte_strerror(rte_errno), lcore);
		return 1;
	}
	if (ws_cpu_pin(cpu[0]) != 0)
		fprintf(stderr, PROG ": cannot pin to CPU %d: running unpinned, figures will be noisier\n", cpu[0]);

	struct ws_lpm6 *lpm = NULL;
	void *peer = NULL;
	addr6 *addrs[NB_SETS] = { NULL };
	bool have[NB_SETS] = { false };
	uint32_t *ref = NULL, *got = NULL, *out = NULL;
	double t_start = ws_fbench_now();

	if (ws_fbench_load_table(&t, AF_INET6, PROG, file, DEFAULT_TABLE, "gaissmai-v6", (unsigned)synthetic, seed) != 0)
		goto done;

	printf("{\"bench\":\"machine\",");
	ws_bench_machine_json(stdout);
	printf(",\"dpdk\":");
	ws_bench_json_str(stdout, ws_bench_dpdk_version());
	printf(",\"cpu\":%d,\"runs\":%u,\"eal\":\"--no-huge -m 4096 --no-pci --no-telemetry --no-shconf -l %s\"}\n",
	       cpu[0], runs, lcore);
	ws_fbench_out_flush(PROG);
	fprintf(stderr, PROG ": %s, TSC %.3f GHz (%s), %s; CPU %d; median of %u runs\n", ws_cpu_model(),
		ws_bench_tsc_ghz(), ws_tsc_source(), ws_bench_dpdk_version(), cpu[0], runs);
	fprintf(stderr, "table %s: %zu IPv6 prefixes%s (%.1f s to read)\n", t.name, t.n,
		t.n_other_ignored ? " (IPv4 routes ignored)" : "", ws_fbench_now() - t_start);

	/* ---- build: lpm6 several times (median), rte_lpm6 once ---- */
	double b[LPM6_BUILDS];

	for (unsigned i = 0; i < LPM6_BUILDS; i++) {
		double t0 = ws_fbench_now();

		ws_lpm6_free(lpm);
		lpm = ws_lpm6_build(t.routes, t.n);
		b[i] = ws_fbench_now() - t0;
		if (!lpm) {
			fprintf(stderr, PROG ": ws_lpm6_build: %s\n", strerror(errno));
			goto done;
		}
	}
	qsort(b, LPM6_BUILDS, sizeof(double), ws_fbench_cmp_double);

	uint32_t need8 = tbl8_needed(&t);
	uint32_t nb_tbl8s = need8 + need8 / 4 > MIN_TBL8S ? need8 + need8 / 4 : MIN_TBL8S;
	uint32_t max_rules = (uint32_t)t.n + 2;
	double peer_s;
	size_t heap0 = ws_bench_rte_heap_allocated(), heap1;

	fprintf(stderr, "building rte_lpm6 (%zu prefixes, increasing length, %u tbl8 groups for about %u needed) ...\n",
		t.n, nb_tbl8s, need8);
	{
		double t0 = ws_fbench_now();

		peer = ws_bench_rte_lpm6_create(max_rules, nb_tbl8s, err, sizeof(err));
		if (!peer) {
			fprintf(stderr, PROG ": %s\n", err);
			goto done;
		}
		if (peer_fill(peer, &t) != 0)
			goto done;
		peer_s = ws_fbench_now() - t0;
	}
	heap1 = ws_bench_rte_heap_allocated();

	size_t peer_alloc = heap1 - heap0;
	size_t peer_tables = ws_bench_rte_lpm6_tbl24_bytes() + (size_t)nb_tbl8s * ws_bench_rte_lpm6_tbl8_group_bytes();
	size_t peer_tables_needed = ws_bench_rte_lpm6_tbl24_bytes() + (size_t)need8 * ws_bench_rte_lpm6_tbl8_group_bytes();
	size_t ours = ws_lpm6_memory(lpm);

	printf("{\"bench\":\"lpm6_memory\",\"table\":\"%s\",\"prefixes\":%zu,\"bytes\":%zu,\"bytes_per_prefix\":%.3f,"
	       "\"peer\":\"rte_lpm6\",\"peer_bytes_allocated\":%zu,\"peer_bytes_per_prefix\":%.3f,"
	       "\"peer_lookup_tables_allocated\":%zu,\"peer_lookup_tables_needed_est\":%zu,"
	       "\"peer_tbl8_groups\":%u,\"peer_tbl8_groups_needed_est\":%u,\"peer_max_rules\":%u,\"ratio\":%.3f}\n",
	       t.name, t.n, ours, (double)ours / (double)t.n, peer_alloc, (double)peer_alloc / (double)t.n, peer_tables,
	       peer_tables_needed, nb_tbl8s, need8, max_rules, (double)peer_alloc / (double)ours);
	printf("{\"bench\":\"lpm6_build\",\"table\":\"%s\",\"prefixes\":%zu,\"s\":%.4f,\"min\":%.4f,\"max\":%.4f,"
	       "\"runs\":%u,\"from\":\"route array\",\"peer\":\"rte_lpm6\",\"peer_s\":%.3f,\"peer_runs\":1,"
	       "\"peer_order\":\"length\",\"peer_over_30s\":%s,\"ratio\":%.1f}\n",
	       t.name, t.n, b[LPM6_BUILDS / 2], b[0], b[LPM6_BUILDS - 1], LPM6_BUILDS, peer_s,
	       peer_s > SLOW_BUILD_S ? "true" : "false", peer_s / b[LPM6_BUILDS / 2]);
	ws_fbench_out_flush(PROG);
	fprintf(stderr, "memory: lpm6 %zu B (%.2f MiB, %.2f B/prefix); rte_lpm6 %.2f MiB allocated from DPDK's heap "
			"(lookup tables %.2f MiB: tbl24 64 MiB + %u tbl8 groups; about %u groups needed, %.2f MiB)\n",
		ours, (double)ours / 1048576.0, (double)ours / (double)t.n, (double)peer_alloc / 1048576.0,
		(double)peer_tables / 1048576.0, nb_tbl8s, need8, (double)peer_tables_needed / 1048576.0);
	fprintf(stderr, "build: ws_lpm6_build %.3f s (median of %u), rte_lpm6_create + rte_lpm6_add x %zu %.1f s%s\n",
		b[LPM6_BUILDS / 2], LPM6_BUILDS, t.n, peer_s, peer_s > SLOW_BUILD_S ? " -- over 30 s" : "");

	/* ---- addresses, then the check that both sides agree on all of them ---- */
	const void *tables[2] = { lpm, peer };
	const struct ws_bench_fib6_ops *const ops[2] = { &ws_bench_fib_lpm6, &ws_bench_fib_rte_lpm6 };
	char notes[NB_SETS][160];

	ref = malloc(NB_ADDRS * sizeof(uint32_t));
	got = malloc(NB_ADDRS * sizeof(uint32_t));
	out = aligned_alloc(WS_CACHE_LINE, WS_BENCH_FIB_MAX_BATCH * sizeof(uint32_t));
	if (!ref || !got || !out) {
		fprintf(stderr, PROG ": out of memory\n");
		goto done;
	}
	for (unsigned s = 0; s < NB_SETS; s++) {
		int m;

		addrs[s] = aligned_alloc(WS_CACHE_LINE, NB_ADDRS * sizeof(addr6));
		if (!addrs[s]) {
			fprintf(stderr, PROG ": out of memory\n");
			goto done;
		}
		m = make_addrs(s, &t, lpm, seed, addrs[s], notes[s], sizeof(notes[s]));
		if (m < 0)
			goto done;
		if (notes[s][0])
			fprintf(stderr, "%s: %s\n", set_names[s], notes[s]);
		if (m > 0)
			continue;
		if (verify(s, (const addr6 *)addrs[s], tables, ops, ref, got) != 0)
			goto done;
		have[s] = true;
	}
	free(ref);
	free(got);
	ref = got = NULL;
	printf("{\"bench\":\"lpm6_sets\",\"table\":\"%s\"", t.name);
	for (unsigned s = 0; s < NB_SETS; s++) {
		printf(",\"%s\":", set_names[s]);
		ws_bench_json_str(stdout, have[s] ? (notes[s][0] ? notes[s] : "drawn") : notes[s]);
	}
	printf("}\n");
	ws_fbench_out_flush(PROG);
	fprintf(stderr, "checked: both give the same nexthop for all %u addresses of every set in every shape\n",
		NB_ADDRS);

	/* ---- timing ---- */
	double ratio[NB_SETS][NB_SHAPES];
	double ghz = ws_bench_tsc_ghz();

	fprintf(stderr, "ns per lookup; ratio = rte_lpm6 / wirespeed, above 1 = wirespeed faster\n");
	fprintf(stderr, "%-15s %-6s %5s %9s %9s %7s %8s  %-15s %-15s\n", "addrs", "mode", "batch", "wirespeed",
		"rte_lpm6", "ratio", "Mlkp/s", "wirespeed min-max", "rte_lpm6 min-max");
	for (unsigned s = 0; s < NB_SETS; s++)
		for (size_t k = 0; have[s] && k < NB_SHAPES; k++) {
			struct ws_bench_series ser[2];
			unsigned passes, batch = batches[k];

			time_shape((const addr6 *)addrs[s], batch, tables, ops, runs, out, ser, &passes);
			ratio[s][k] = ser[1].median / ser[0].median;
			printf("{\"bench\":\"lpm6_lookup\",\"table\":\"%s\",\"prefixes\":%zu,\"addrs\":\"%s\","
			       "\"mode\":\"%s\",\"batch\":%u,\"ns_per_op\":%.3f,\"mops\":%.1f,\"min\":%.3f,\"max\":%.3f,"
			       "\"peer\":\"rte_lpm6\",\"peer_ns_per_op\":%.3f,\"peer_min\":%.3f,\"peer_max\":%.3f,"
			       "\"ratio\":%.3f,\"runs\":%u,\"lookups_per_run\":%u,\"cycles_per_op\":%.2f,"
			       "\"peer_cycles_per_op\":%.2f,\"cpu\":%d,\"tsc_ghz\":%.3f}\n",
			       t.name, t.n, set_names[s], batch ? "bulk" : "single", batch ? batch : 1, ser[0].median,
			       1e3 / ser[0].median, ser[0].min, ser[0].max, ser[1].median, ser[1].min, ser[1].max,
			       ratio[s][k], runs, passes * NB_ADDRS, ser[0].median * ghz, ser[1].median * ghz, cpu[0],
			       ghz);
			ws_fbench_out_flush(PROG);
			fprintf(stderr, "%-15s %-6s %5u %9.3f %9.3f %6.2f%s %8.1f  %6.3f-%-8.3f %6.3f-%-8.3f\n",
				set_names[s], batch ? "bulk" : "single", batch ? batch : 1, ser[0].median,
				ser[1].median, ratio[s][k], ratio[s][k] < 1.0 ? "<" : " ", 1e3 / ser[0].median,
				ser[0].min, ser[0].max, ser[1].min, ser[1].max);
		}

	/* ---- the goal ---- */
	fprintf(stderr, "goal (the issue's; this run: %s): random bulk lookup >= %.1fx rte_lpm6's speed, in less "
			"memory (lpm6 %.2f MiB vs rte_lpm6 %.2f MiB allocated: %s)\n",
		t.name, GOAL_RATIO, (double)ours / 1048576.0, (double)peer_alloc / 1048576.0,
		ours < peer_alloc ? "met" : "NOT met");
	for (unsigned s = 0; s < NB_SETS; s++) {
		double lo = ratio[s][0], hi = ratio[s][0];

		if (!have[s]) {
			fprintf(stderr, "  %-15s not drawn\n", set_names[s]);
			continue;
		}
		for (size_t k = 1; k + 1 < NB_SHAPES; k++) {
			lo = ratio[s][k] < lo ? ratio[s][k] : lo;
			hi = ratio[s][k] > hi ? ratio[s][k] : hi;
		}
		fprintf(stderr, "  %-15s bulk ratio %.2f-%.2f: %s\n", set_names[s], lo, hi,
			lo >= GOAL_RATIO ? "met at every batch" : hi >= GOAL_RATIO ? "met at some batches" : "NOT met");
	}
	/* ---- route changes on the full table (rte_lpm6's tables change now) ---- */
	if (have[0] && ws_fbench_update_run(PROG, "lpm6_update", AF_INET6, &t, seed, addrs[0], NB_ADDRS, peer_change,
					    peer, "rte_lpm6", nb_cpus > 1 ? cpu[1] : -1) != 0)
		goto done;
	fprintf(stderr, PROG ": %.0f s in all\n", ws_fbench_now() - t_start);
	rc = 0;
done:
	for (unsigned s = 0; s < NB_SETS; s++)
		free(addrs[s]);
	free(ref);
	free(got);
	free(out);
	ws_lpm6_free(lpm);
	if (peer)
		ws_bench_rte_lpm6_free(peer);
	free(t.routes);
	rte_eal_cleanup();
	return rc;
}
