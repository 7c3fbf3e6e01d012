/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib_vs_dpdk.c: wirespeed's lpm4 against DPDK's rte_lpm, the same table,
 * the same addresses, the same machine, the same run.
 *
 * How to run:
 *     make bench                            # builds, then runs this after ws-bench-core
 *     build/bench/ws-bench-fib              # the real table, all shapes, median of 7
 *     build/bench/ws-bench-fib --table FILE # any route file (src/fib/route_file.h)
 *     build/bench/ws-bench-fib --synthetic 1000000 --seed 7
 *     build/bench/ws-bench-fib 2>/dev/null  # JSON lines only
 * The default table is ../shared/data/rib-v4-gaissmai-tier1-2023-02.txt.gz
 * next to the source tree (WS_SHARED_DATA names another directory). Needs
 * Debian's dpdk-dev; the EAL starts with --no-huge -m 2048 --no-pci
 * --no-telemetry --no-shconf -l CPU (rte_lpm's tbl24 alone is 64 MiB), so no
 * setup is needed. Takes about 20 s plus rte_lpm's build, which is itself
 * about 50 s on the full table (rte_lpm_add checks each new prefix against
 * every rule of its length, see ws_fbench_cmp_route_len). Results: docs/PERFORMANCE.md.
 *
 * The table: the file's (or generator's) IPv4 routes; IPv6 ones are
 * ignored. Every prefix i (its position in the file, or in the generator's
 * output) gets nexthop id ((i * 2654435761) >> 8) % 4096 in 32-bit
 * arithmetic, on both sides, whatever the file said: a spread of 4096 ids
 * that fits both structures (lpm4: < 65535, rte_lpm: < 2^24) and makes
 * neighbouring prefixes differ, as in a real FIB, so neither side can merge
 * them. rte_lpm cannot hold a /0; a default route goes to it as the two /1s
 * it stands for (where the table has no such /1), which answers the same.
 *
 * Address sets, 2^20 addresses each, from a seeded PRNG, one array per set
 * used by both sides:
 *   random_routed    uniform 32-bit addresses that match some route
 *                    (rejection sampling): random destinations across the
 *                    routed space, the headline
 *   random_any       uniform 32-bit addresses, unrouted ones included (what
 *                    DPDK's lpm_perf_autotest draws)
 *   prefix_weighted  a prefix drawn uniformly from the table, then a random
 *                    address in it: every prefix equally likely, so long
 *                    prefixes weigh far more than in random traffic
 *   repeated         one address inside a routed /24, 2^20 times
 * Shapes per set: bulk calls of 32, 64 and 256 addresses over the array,
 * and single lookups (see fib_loops.h). Before anything is timed, every
 * address of every set goes through every shape of both sides and the
 * answers must agree; the run stops if one does not.
 *
 * Timing: per shape, wirespeed, rte_lpm, wirespeed, ... `runs` times each
 * after one warm-up pass each; a run is as many passes over the 2^20
 * addresses as make about 100 ms on wirespeed's side (the same count for
 * both). Figures are ns per looked-up address, medians, with min and max.
 *
 * Output: stdout carries one JSON object per line (machine, lpm4_memory,
 * lpm4_build, then one lpm4_lookup line per set and shape with ratio =
 * rte_lpm ns / wirespeed ns: above 1, wirespeed is faster); stderr the same
 * as a table, and the goal check. Exit 0, 1 on a failure (a mismatch
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

#include <rte_eal.h>
#include <rte_errno.h>

#include "app/bench_core.h"
#include "core/log.h"
#include "fib/fib.h"
#include "fib/lpm4.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"
#include "fib_common.h"
#include "fib_update.h"
#include "fib_loops.h"
#include "peers/dpdk_fib.h"

#ifndef WS_SOURCE_ROOT
#define WS_SOURCE_ROOT "."
#endif

#define PROG "ws-bench-fib"
#define DEFAULT_TABLE "rib-v4-gaissmai-tier1-2023-02.txt.gz"
#define NB_ADDRS (1u << 20)
/* Each timed run lasts about this long on wirespeed's side. */
#define RUN_NS 100e6
/* rte_lpm gets at least this many tbl8 groups (64 MiB), more if the table
 * has more /24s holding longer prefixes. */
#define MIN_TBL8S (1u << 16)
/* A peer build slower than this is called out in the output. */
#define SLOW_BUILD_S 30.0
/* ws_lpm4_build is timed this many times (median); rte_lpm's once. */
#define LPM4_BUILDS 3
/* From the issue: random bulk lookups >= 2.5x rte_lpm's speed in <= 6 MiB. */
#define GOAL_RATIO 2.5
#define GOAL_BYTES (6u << 20)

enum addr_set { SET_ROUTED, SET_ANY, SET_PREFIX, SET_REPEATED, NB_SETS };

static const char *const set_names[NB_SETS] = { "random_routed", "random_any", "prefix_weighted", "repeated" };

/* Bulk batches, then 0 = single lookups. */
static const unsigned batches[] = { 32, 64, 256, 0 };
#define NB_SHAPES (sizeof(batches) / sizeof(batches[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ws-bench-fib [--table FILE | --synthetic N [--seed S]] [--runs N]\n"
		"                    [--peer-order length|file] [--peer-thp] [--help]\n"
		"\n"
		"wirespeed's lpm4 against DPDK's rte_lpm on one table and the same addresses,\n"
		"alternating in one run. JSON lines on stdout, a table on stderr.\n"
		"  --table FILE      route file (prefix list or `ip route` output, maybe gzip'd);\n"
		"                    default: $WS_SHARED_DATA/" DEFAULT_TABLE "\n"
		"                    ($WS_SHARED_DATA defaults to ../shared/data beside the source tree)\n"
		"  --synthetic N     N generated IPv4 prefixes with the real length mix (ws_route_gen)\n"
		"  --seed S          seed of the generator and of the address sets (default 1)\n"
		"  --runs N          timed runs per shape and implementation, 5..%u (default %u)\n"
		"  --peer-order O    order of rte_lpm_add: length (shortest prefixes first;\n"
		"                    default) or file (the table's order)\n"
		"  --peer-thp        time rte_lpm on a copy of its tables on 2 MiB pages (as DPDK\n"
		"                    runs on huge pages in production); wirespeed stays on 4 KiB\n",
		WS_BENCH_MAX_RUNS, WS_BENCH_RUNS_DEFAULT);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t prefix_mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* ---- /proc/self/smaps: which page size the lookup arrays sit on ---- */


/* ---- the table ---- */

/* tbl8 groups rte_lpm needs: one per /24 that holds a longer prefix. */
static uint32_t tbl8_needed(const struct ws_fbench_table *t)
{
	uint32_t *keys = malloc((t->n ? t->n : 1) * sizeof(*keys));
	size_t k = 0;
	uint32_t distinct = 0;

	if (!keys)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->routes[i].len > 24)
			keys[k++] = ws_fib_v4_from_bytes(t->routes[i].addr) >> 8;
	qsort(keys, k, sizeof(*keys), cmp_u32);
	for (size_t i = 0; i < k; i++)
		distinct += i == 0 || keys[i] != keys[i - 1];
	free(keys);
	return distinct;
}

/* Fill rte_lpm with the table in the chosen order; 0 or -1 (message printed). */
static int peer_fill(void *lpm, const struct ws_fbench_table *t, bool by_length)
{
	const struct ws_route *r = t->routes;
	struct ws_route *sorted = NULL;
	bool half_routed[2] = { false, false };
	const struct ws_route *dflt = NULL;

	if (by_length) {
		sorted = malloc(t->n * sizeof(*sorted));
		if (!sorted) {
			fprintf(stderr, "ws-bench-fib: out of memory\n");
			return -1;
		}
		memcpy(sorted, t->routes, t->n * sizeof(*sorted));
		qsort(sorted, t->n, sizeof(*sorted), ws_fbench_cmp_route_len);
		r = sorted;
	}
	for (size_t i = 0; i < t->n; i++) {
		uint32_t a = ws_fib_v4_from_bytes(r[i].addr);
		int rc;

		if (r[i].len == 0) {
			dflt = &r[i];
			continue;
		}
		if (r[i].len == 1)
			half_routed[a >> 31] = true;
		rc = ws_bench_rte_lpm_add(lpm, a, r[i].len, r[i].nexthop);
		if (rc) {
			fprintf(stderr, "ws-bench-fib: rte_lpm_add(%u.%u.%u.%u/%u) failed: %s\n", r[i].addr[0],
				r[i].addr[1], r[i].addr[2], r[i].addr[3], r[i].len, strerror(-rc));
			free(sorted);
			return -1;
		}
	}
	/* rte_lpm takes depths 1..32: a default route becomes the /1s it
	 * stands for, where the table has none of its own */
	for (unsigned h = 0; dflt && h < 2; h++)
		if (!half_routed[h] && ws_bench_rte_lpm_add(lpm, h ? 0x80000000u : 0, 1, dflt->nexthop) != 0) {
			fprintf(stderr, "ws-bench-fib: rte_lpm_add(%s/1) failed\n", h ? "128.0.0.0" : "0.0.0.0");
			free(sorted);
			return -1;
		}
	free(sorted);
	return 0;
}

/* ---- the address sets ---- */

static int make_addrs(enum addr_set set, const struct ws_fbench_table *t, const struct ws_lpm4 *lpm, uint64_t seed,
		      uint32_t *out, char *note, size_t notelen)
{
	/* one PRNG stream per set, so one set does not depend on another */
	uint64_t s = seed * 0x2545f4914f6cdd1dull + (uint64_t)set * 0x9e3779b97f4a7c15ull + 1;

	note[0] = 0;
	switch (set) {
	case SET_ROUTED: {
		uint64_t tries = 0;

		/* membership through lpm4; its answers for every one of these
		 * addresses are then checked against rte_lpm's */
		for (size_t i = 0; i < NB_ADDRS;) {
			uint32_t a = (uint32_t)ws_fbench_rng(&s);

			if (++tries > (1ull << 34)) {
				fprintf(stderr, "ws-bench-fib: the table routes too little of the space to draw %s\n",
					set_names[set]);
				return -1;
			}
			if (ws_lpm4_lookup(lpm, a) != WS_FIB_MISS)
				out[i++] = a;
		}
		snprintf(note, notelen, "%.1f%% of uniform draws routed", 100.0 * NB_ADDRS / (double)tries);
		break;
	}
	case SET_ANY:
		for (size_t i = 0; i < NB_ADDRS; i++)
			out[i] = (uint32_t)ws_fbench_rng(&s);
		break;
	case SET_PREFIX:
		for (size_t i = 0; i < NB_ADDRS; i++) {
			uint64_t x = ws_fbench_rng(&s);
			const struct ws_route *r = &t->routes[(x >> 32) % t->n];
			uint32_t m = prefix_mask(r->len);

			out[i] = (ws_fib_v4_from_bytes(r->addr) & m) | ((uint32_t)x & ~m);
		}
		break;
	case SET_REPEATED: {
		/* a /24 from a random place in the table, or any prefix if the
		 * table has no /24 */
		size_t start = ws_fbench_rng(&s) % t->n, pick = start;
		uint32_t a;

		for (size_t k = 0; k < t->n; k++)
			if (t->routes[(start + k) % t->n].len == 24) {
				pick = (start + k) % t->n;
				break;
			}
		a = (ws_fib_v4_from_bytes(t->routes[pick].addr) & prefix_mask(t->routes[pick].len)) |
		    ((uint32_t)ws_fbench_rng(&s) & ~prefix_mask(t->routes[pick].len));
		for (size_t i = 0; i < NB_ADDRS; i++)
			out[i] = a;
		snprintf(note, notelen, "%u.%u.%u.%u (in %u.%u.%u.%u/%u)", a >> 24, a >> 16 & 255, a >> 8 & 255,
			 a & 255, t->routes[pick].addr[0], t->routes[pick].addr[1], t->routes[pick].addr[2],
			 t->routes[pick].addr[3], t->routes[pick].len);
		break;
	}
	default:
		return -1;
	}
	return 0;
}

/* Every shape of both sides must give the same answer for every address.
 * ref is wirespeed's single lookups; 0 or -1 with the first difference
 * printed. */
static int verify(enum addr_set set, const uint32_t *addrs, const void *tables[2],
		  const struct ws_bench_fib_ops *const ops[2], uint32_t *ref, uint32_t *got)
{
	ops[0]->lookup_all(tables[0], addrs, NB_ADDRS, 0, ref);
	for (unsigned side = 0; side < 2; side++)
		for (size_t s = 0; s < NB_SHAPES; s++) {
			unsigned b = batches[s];

			if (side == 0 && b == 0)
				continue; /* that is ref */
			ops[side]->lookup_all(tables[side], addrs, NB_ADDRS, b, got);
			for (size_t i = 0; i < NB_ADDRS; i++)
				if (got[i] != ref[i]) {
					uint32_t a = addrs[i];

					fprintf(stderr,
						"ws-bench-fib: MISMATCH in %s, address %u.%u.%u.%u: wirespeed single "
						"says %d, %s %s %u says %d (-1 = no route); not timing anything\n",
						set_names[set], a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
						(int)ref[i], ops[side]->name, b ? "bulk" : "single", b ? b : 1,
						(int)got[i]);
					return -1;
				}
		}
	return 0;
}

/* One shape: calibrate on wirespeed, warm both, then alternate. */
static int time_shape(const uint32_t *addrs, unsigned batch, const void *tables[2],
		      const struct ws_bench_fib_ops *const ops[2], unsigned runs, uint32_t *out,
		      struct ws_bench_series s[2], unsigned *passes_out)
{
	double tsc_ns = 1e9 / (double)ws_tsc_hz();
	uint64_t t0, t1, sink = 0;
	unsigned passes;

	/* the calibration pass is wirespeed's warm-up */
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
	/* the checksums are only there to keep the lookups alive */
	__asm__ volatile("" : : "r"(sink));
	return 0;
}

/* One change of the update stream on the rte_lpm peer. */
static int peer_change(void *peer, const struct ws_route *r, const struct ws_fbench_op *op)
{
	return op->add ? ws_bench_rte_lpm_add(peer, ws_fib_v4_from_bytes(r->addr), r->len, op->nexthop)
		       : ws_bench_rte_lpm_delete(peer, ws_fib_v4_from_bytes(r->addr), r->len);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	unsigned long long synthetic = 0, seed = 1;
	unsigned runs = WS_BENCH_RUNS_DEFAULT;
	bool peer_by_length = true, peer_thp = false;
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
				fprintf(stderr, "ws-bench-fib: --runs wants a count from 5 to %u, got '%s'\n\n",
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
			    (a[2] == 's' && a[3] == 'y' && (x < 1 || x > WS_ROUTE_GEN_MAX))) {
				fprintf(stderr, "ws-bench-fib: %s wants a number%s, got '%s'\n\n", a,
					a[3] == 'y' ? " from 1 to 268435456" : "", v ? v : "");
				usage(stderr);
				return 2;
			}
			*(a[3] == 'y' ? &synthetic : &seed) = x;
			i++;
		} else if (!strcmp(a, "--peer-order") && v && (!strcmp(v, "length") || !strcmp(v, "file"))) {
			peer_by_length = v[0] == 'l';
			i++;
		} else if (!strcmp(a, "--peer-thp")) {
			peer_thp = true;
		} else {
			fprintf(stderr, "ws-bench-fib: unknown or incomplete argument '%s'\n\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (file && synthetic) {
		fprintf(stderr, "ws-bench-fib: --table and --synthetic exclude each other\n\n");
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
			/* keep `make bench` useful without the data directory, and say so */
			synthetic = 901899;
			fprintf(stderr,
				"ws-bench-fib: %s not found (set WS_SHARED_DATA or use --table): using --synthetic "
				"%llu instead\n",
				path, synthetic);
		}
	}

	/* One CPU: the first of our affinity mask, which the EAL makes its main
	 * lcore (and pins this thread to); ws_cpu_pin() says so again. */
	int nb_cpus = ws_bench_cpus(cpu);
	snprintf(lcore, sizeof(lcore), "%d", cpu[0]);
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "2048", "--no-pci", "--no-telemetry", "--no-shconf",
		"-l", lcore, "--log-level=*:error", NULL,
	};
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "ws-bench-fib: rte_eal_init failed: %s (EAL arguments: --no-huge -m 2048 --no-pci "
				"--no-telemetry --no-shconf -l %s)\n",
			rte_strerror(rte_errno), lcore);
		return 1;
	}
	if (ws_cpu_pin(cpu[0]) != 0)
		fprintf(stderr, "ws-bench-fib: cannot pin to CPU %d: running unpinned, figures will be noisier\n",
			cpu[0]);

	struct ws_lpm4 *lpm = NULL;
	void *peer = NULL, *peer_copy = NULL;
	uint32_t *addrs[NB_SETS] = { NULL }, *ref = NULL, *got = NULL, *out = NULL;
	double t_start = ws_fbench_now();

	if (ws_fbench_load_table(&t, AF_INET, PROG, file, DEFAULT_TABLE, "gaissmai-v4", (unsigned)synthetic, seed) != 0)
		goto done;

	printf("{\"bench\":\"machine\",");
	ws_bench_machine_json(stdout);
	printf(",\"dpdk\":");
	ws_bench_json_str(stdout, ws_bench_dpdk_version());
	printf(",\"cpu\":%d,\"runs\":%u,\"eal\":\"--no-huge -m 2048 --no-pci --no-telemetry --no-shconf -l %s\"}\n",
	       cpu[0], runs, lcore);
	ws_fbench_out_flush(PROG);
	fprintf(stderr, "ws-bench-fib: %s, TSC %.3f GHz (%s), %s; CPU %d; median of %u runs\n", ws_cpu_model(),
		ws_bench_tsc_ghz(), ws_tsc_source(), ws_bench_dpdk_version(), cpu[0], runs);
	fprintf(stderr, "table %s: %zu IPv4 prefixes%s (%.1f s to read)\n", t.name, t.n,
		t.n_other_ignored ? " (IPv6 routes ignored)" : "", ws_fbench_now() - t_start);

	/* ---- build: lpm4 several times (median), rte_lpm once ---- */
	double b[LPM4_BUILDS];

	for (unsigned i = 0; i < LPM4_BUILDS; i++) {
		double t0 = ws_fbench_now();

		ws_lpm4_free(lpm);
		lpm = ws_lpm4_build(t.routes, t.n);
		b[i] = ws_fbench_now() - t0;
		if (!lpm) {
			fprintf(stderr, "ws-bench-fib: ws_lpm4_build: %s\n", strerror(errno));
			goto done;
		}
	}
	qsort(b, LPM4_BUILDS, sizeof(double), ws_fbench_cmp_double);

	uint32_t need8 = tbl8_needed(&t);
	uint32_t nb_tbl8s = need8 + need8 / 8 > MIN_TBL8S ? need8 + need8 / 8 : MIN_TBL8S;
	uint32_t max_rules = (uint32_t)t.n + 2; /* + the /1s a /0 may become */
	double peer_s;

	fprintf(stderr, "building rte_lpm (%zu prefixes, %s order; about 50 s for a full table here) ...\n", t.n,
		peer_by_length ? "increasing length" : "file");
	{
		double t0 = ws_fbench_now();

		peer = ws_bench_rte_lpm_create(max_rules, nb_tbl8s, err, sizeof(err));
		if (!peer) {
			fprintf(stderr, "ws-bench-fib: %s\n", err);
			goto done;
		}
		if (peer_fill(peer, &t, peer_by_length) != 0)
			goto done;
		peer_s = ws_fbench_now() - t0;
	}
	uint32_t used8 = ws_bench_rte_lpm_tbl8_used(peer, nb_tbl8s);
	size_t g8 = ws_bench_rte_lpm_tbl8_group_bytes();
	size_t peer_used = ws_bench_rte_lpm_tbl24_bytes() + used8 * g8;
	size_t peer_alloc = ws_bench_rte_lpm_tbl24_bytes() + nb_tbl8s * g8;
	size_t ours = ws_lpm4_memory(lpm);

	if (peer_thp) {
		peer_copy = ws_bench_rte_lpm_thp_copy(peer, nb_tbl8s, err, sizeof(err));
		if (!peer_copy) {
			fprintf(stderr, "ws-bench-fib: --peer-thp: %s\n", err);
			goto done;
		}
	}
	long huge_kb = ws_fbench_thp_kb();

	printf("{\"bench\":\"lpm4_memory\",\"table\":\"%s\",\"prefixes\":%zu,\"bytes\":%zu,\"bytes_per_prefix\":%.3f,"
	       "\"peer\":\"rte_lpm\",\"peer_bytes\":%zu,\"peer_bytes_per_prefix\":%.3f,"
	       "\"peer_bytes_allocated\":%zu,\"peer_tbl8_groups_used\":%u,\"peer_tbl8_groups\":%u,"
	       "\"ratio\":%.3f,\"peer_thp\":%s,\"anon_huge_kb\":%ld}\n",
	       t.name, t.n, ours, (double)ours / (double)t.n, peer_used,
	       (double)peer_used / (double)t.n, peer_alloc, used8, nb_tbl8s, (double)peer_used / (double)ours,
	       peer_thp ? "true" : "false", huge_kb);
	printf("{\"bench\":\"lpm4_build\",\"table\":\"%s\",\"prefixes\":%zu,\"s\":%.4f,\"min\":%.4f,\"max\":%.4f,"
	       "\"runs\":%u,\"from\":\"route array\",\"peer\":\"rte_lpm\",\"peer_s\":%.3f,\"peer_runs\":1,"
	       "\"peer_order\":\"%s\",\"peer_over_30s\":%s,\"ratio\":%.1f}\n",
	       t.name, t.n, b[LPM4_BUILDS / 2], b[0], b[LPM4_BUILDS - 1], LPM4_BUILDS, peer_s,
	       peer_by_length ? "length" : "file", peer_s > SLOW_BUILD_S ? "true" : "false", peer_s / b[LPM4_BUILDS / 2]);
	ws_fbench_out_flush(PROG);
	fprintf(stderr, "memory: lpm4 %zu B (%.2f MiB, %.2f B/prefix); rte_lpm %zu B (%.2f MiB, %.2f B/prefix: tbl24 "
			"64 MiB + %u of %u tbl8 groups in use; %.2f MiB allocated)\n",
		ours, (double)ours / 1048576.0, (double)ours / (double)t.n, peer_used, (double)peer_used / 1048576.0,
		(double)peer_used / (double)t.n, used8, nb_tbl8s, (double)peer_alloc / 1048576.0);
	fprintf(stderr, "pages: %ld kB of the process on 2 MiB pages%s\n", huge_kb,
		peer_thp ? " (--peer-thp: rte_lpm's tables copied to 2 MiB pages, lpm4 on 4 KiB pages)"
			 : huge_kb == 0 ? " (both sides on 4 KiB pages)" : "");
	fprintf(stderr, "build: ws_lpm4_build %.3f s (median of %u), rte_lpm_create + rte_lpm_add x %zu %.1f s "
			"(%s order)%s\n",
		b[LPM4_BUILDS / 2], LPM4_BUILDS, t.n, peer_s, peer_by_length ? "increasing-length" : "file",
		peer_s > SLOW_BUILD_S ? " -- over 30 s" : "");

	/* ---- addresses, then the check that both sides agree on all of them ---- */
	/* under --peer-thp rte_lpm is timed (and checked) on its copy */
	const void *tables[2] = { lpm, peer_copy ? peer_copy : peer };
	const struct ws_bench_fib_ops *const ops[2] = { &ws_bench_fib_lpm4, &ws_bench_fib_rte_lpm };
	char notes[NB_SETS][96];

	ref = malloc(NB_ADDRS * sizeof(uint32_t));
	got = malloc(NB_ADDRS * sizeof(uint32_t));
	out = aligned_alloc(WS_CACHE_LINE, WS_BENCH_FIB_MAX_BATCH * sizeof(uint32_t));
	if (!ref || !got || !out) {
		fprintf(stderr, "ws-bench-fib: out of memory\n");
		goto done;
	}
	for (unsigned s = 0; s < NB_SETS; s++) {
		addrs[s] = aligned_alloc(WS_CACHE_LINE, NB_ADDRS * sizeof(uint32_t));
		if (!addrs[s]) {
			fprintf(stderr, "ws-bench-fib: out of memory\n");
			goto done;
		}
		if (make_addrs(s, &t, lpm, seed, addrs[s], notes[s], sizeof(notes[s])) != 0 ||
		    verify(s, addrs[s], tables, ops, ref, got) != 0)
			goto done;
		if (notes[s][0])
			fprintf(stderr, "%s: %s\n", set_names[s], notes[s]);
	}
	free(ref);
	free(got);
	ref = got = NULL;
	fprintf(stderr, "checked: both give the same nexthop for all %u x %u addresses in every shape\n", NB_SETS,
		NB_ADDRS);

	/* ---- timing ---- */
	double ratio[NB_SETS][NB_SHAPES];
	double ghz = ws_bench_tsc_ghz();

	fprintf(stderr, "ns per lookup; ratio = rte_lpm / wirespeed, above 1 = wirespeed faster\n");
	fprintf(stderr, "%-15s %-6s %5s %9s %9s %7s %8s  %-15s %-15s\n", "addrs", "mode", "batch", "wirespeed",
		"rte_lpm", "ratio", "Mlkp/s", "wirespeed min-max", "rte_lpm min-max");
	for (unsigned s = 0; s < NB_SETS; s++)
		for (size_t k = 0; k < NB_SHAPES; k++) {
			struct ws_bench_series ser[2];
			unsigned passes, batch = batches[k];

			time_shape(addrs[s], batch, tables, ops, runs, out, ser, &passes);
			ratio[s][k] = ser[1].median / ser[0].median;
			printf("{\"bench\":\"lpm4_lookup\",\"table\":\"%s\",\"prefixes\":%zu,\"addrs\":\"%s\","
			       "\"mode\":\"%s\",\"batch\":%u,\"ns_per_op\":%.3f,\"mops\":%.1f,\"min\":%.3f,\"max\":%.3f,"
			       "\"peer\":\"rte_lpm\",\"peer_ns_per_op\":%.3f,\"peer_min\":%.3f,\"peer_max\":%.3f,"
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
	fprintf(stderr, "goal (the issue's, set for the full real table; this run: %s): bulk lookup >= %.1fx "
			"rte_lpm's speed, in <= 6 MiB (lpm4: %.2f MiB, %s)\n",
		t.name, GOAL_RATIO, (double)ours / 1048576.0, ours <= GOAL_BYTES ? "met" : "NOT met");
	for (unsigned s = 0; s < NB_SETS; s++) {
		double lo = ratio[s][0], hi = ratio[s][0];

		for (size_t k = 1; k + 1 < NB_SHAPES; k++) {
			lo = ratio[s][k] < lo ? ratio[s][k] : lo;
			hi = ratio[s][k] > hi ? ratio[s][k] : hi;
		}
		fprintf(stderr, "  %-15s bulk ratio %.2f-%.2f: %s\n", set_names[s], lo, hi,
			lo >= GOAL_RATIO ? "met at every batch" : hi >= GOAL_RATIO ? "met at some batches" : "NOT met");
	}
	/* ---- route changes on the full table (rte_lpm's tables change now) ---- */
	if (ws_fbench_update_run(PROG, "lpm4_update", AF_INET, &t, seed, addrs[0], NB_ADDRS, peer_change, peer, "rte_lpm",
				 nb_cpus > 1 ? cpu[1] : -1) != 0)
		goto done;
	fprintf(stderr, "ws-bench-fib: %.0f s in all\n", ws_fbench_now() - t_start);
	rc = 0;
done:
	for (unsigned s = 0; s < NB_SETS; s++)
		free(addrs[s]);
	free(ref);
	free(got);
	free(out);
	ws_lpm4_free(lpm);
	ws_bench_rte_lpm_thp_free(peer_copy);
	if (peer)
		ws_bench_rte_lpm_free(peer);
	free(t.routes);
	rte_eal_cleanup();
	return rc;
}
