/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core_vs_dpdk.c: wirespeed's ring and pool against DPDK's rte_ring and
 * rte_mempool, same shapes, same machine, same run.
 *
 * How to run:
 *     make bench                          # builds, then runs this
 *     build/bench/ws-bench-core           # all shapes, median of 7 runs
 *     build/bench/ws-bench-core ring --runs 9 2>/dev/null   # JSON only
 * Needs Debian's dpdk-dev (meson option dpdk_bench=auto finds it) and two
 * CPUs for the two-thread ring shapes; runs in about 10 s. The EAL is
 * started without huge pages or PCI (--no-huge -m 1024 --no-pci), so no
 * setup is needed (measured as root). Results: docs/PERFORMANCE.md.
 *
 * Output: stdout carries one JSON object per line, a machine line first,
 * then one line per shape with wirespeed's and DPDK's median ns per object
 * and ratio = DPDK ns / wirespeed ns (above 1: wirespeed is faster); stderr
 * carries the same as a table. What "per object" means for each shape is in
 * src/app/bench_core.h. Each shape runs wirespeed and DPDK alternately
 * (wirespeed, DPDK, wirespeed, ...) after one warm-up each, so drift on a
 * shared machine hits both alike. Exit 0 when every shape ran, 1 otherwise,
 * 2 for a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>

#include "app/bench_core.h"
#include "core/log.h"
#include "peers/dpdk_core.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ws-bench-core [ring|pool|all] [--runs N] [--help]\n"
		"\n"
		"wirespeed's ws_ring and ws_pool against DPDK's rte_ring and rte_mempool,\n"
		"alternating in one run. JSON lines on stdout, a table on stderr.\n"
		"  --runs N  timed runs per shape and implementation, 5..%u (default %u)\n",
		WS_BENCH_MAX_RUNS, WS_BENCH_RUNS_DEFAULT);
}

/* A closed pipe (e.g. `| head`) ends the run quietly, as wirespeed does. */
static void out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		fprintf(stderr, "ws-bench-core: writing output: %s\n", strerror(errno));
		exit(1);
	}
}

static void result_json(const char *bench, const char *variant, const char *extra, unsigned threads,
			unsigned burst, const char *peer, const struct ws_bench_series *ours,
			const struct ws_bench_series *theirs, const int cpu[2])
{
	double ghz = ws_bench_tsc_ghz();

	printf("{\"bench\":\"%s\",\"impl\":\"wirespeed\",\"variant\":\"%s\",%s,\"threads\":%u,\"burst\":%u,"
	       "\"ns_per_obj\":%.3f,\"peer\":\"%s\",\"peer_ns_per_obj\":%.3f,\"ratio\":%.3f,\"runs\":%u,"
	       "\"min\":%.3f,\"max\":%.3f,\"peer_min\":%.3f,\"peer_max\":%.3f,"
	       "\"cycles_per_obj\":%.2f,\"peer_cycles_per_obj\":%.2f,\"cpu\":%d",
	       bench, variant, extra, threads, burst, ours->median, peer, theirs->median,
	       theirs->median / ours->median, ours->runs, ours->min, ours->max, theirs->min, theirs->max,
	       ours->median * ghz, theirs->median * ghz, cpu[0]);
	if (threads == 2)
		printf(",\"cpu2\":%d", cpu[1]);
	printf(",\"tsc_ghz\":%.3f}\n", ghz);
	out_flush();
}

static void result_row(const char *bench, const char *variant, const char *api, unsigned threads, unsigned burst,
		       const struct ws_bench_series *ours, const struct ws_bench_series *theirs)
{
	double ratio = theirs->median / ours->median;

	/* a ratio below the goal of 1.0 is flagged with '<' */
	fprintf(stderr, "%-5s %-8s %-5s %3u %5u %10.3f %10.3f %7.3f%s %8.3f-%-8.3f %8.3f-%-8.3f\n", bench, variant,
		api, threads, burst, ours->median, theirs->median, ratio, ratio < 1.0 ? "<" : " ", ours->min,
		ours->max, theirs->min, theirs->max);
}

int main(int argc, char **argv)
{
	const struct ws_bench_ring_ops *rings[] = { &ws_bench_ring_wirespeed, &ws_bench_ring_dpdk };
	const struct ws_bench_pool_ops *pools[] = { &ws_bench_pool_wirespeed, &ws_bench_pool_dpdk };
	struct ws_bench_series s[2];
	unsigned runs = WS_BENCH_RUNS_DEFAULT;
	bool do_ring = false, do_pool = false;
	int cpu[2], ncpu, failed = 0;
	char lcores[32];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--runs") || !strncmp(a, "--runs=", 7)) {
			const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);

			if (ws_bench_parse_runs(v, &runs) != 0 || runs < 5) {
				fprintf(stderr, "ws-bench-core: --runs wants a count from 5 to %u, got '%s'\n\n",
					WS_BENCH_MAX_RUNS, v ? v : "");
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(a, "ring") || !strcmp(a, "pool") || !strcmp(a, "all")) {
			do_ring |= a[0] != 'p';
			do_pool |= a[0] != 'r';
		} else {
			fprintf(stderr, "ws-bench-core: unknown argument '%s'\n\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!do_ring && !do_pool)
		do_ring = do_pool = true;
	signal(SIGPIPE, SIG_IGN);
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);

	/* The CPUs come from our affinity mask before the EAL pins this
	 * thread; the EAL's lcore ids are the CPU ids, and this thread becomes
	 * the main lcore on cpu[0], so rte_mempool finds its per-lcore cache. */
	ncpu = ws_bench_cpus(cpu);
	if (ncpu > 1)
		snprintf(lcores, sizeof(lcores), "%d,%d", cpu[0], cpu[1]);
	else
		snprintf(lcores, sizeof(lcores), "%d", cpu[0]);
	char *eal_argv[] = {
		argv[0], "--no-huge", "-m", "1024", "--no-pci", "--no-telemetry", "--no-shconf",
		"-l", lcores, "--log-level=*:error", NULL,
	};
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "ws-bench-core: rte_eal_init failed: %s (EAL arguments: --no-huge -m 1024 "
				"--no-pci --no-telemetry --no-shconf -l %s)\n",
			rte_strerror(rte_errno), lcores);
		return 1;
	}

	printf("{\"bench\":\"machine\",");
	ws_bench_machine_json(stdout);
	printf(",\"dpdk\":");
	ws_bench_json_str(stdout, rte_version());
	printf(",\"cpus\":\"%s\",\"runs\":%u}\n", lcores, runs);
	out_flush();
	fprintf(stderr, "ws-bench-core: %s, TSC %.3f GHz (%s), %s; CPU %d (+ %d for two threads); median of %u runs\n",
		ws_cpu_model(), ws_bench_tsc_ghz(), ws_tsc_source(), rte_version(), cpu[0], ncpu > 1 ? cpu[1] : -1,
		runs);
	fprintf(stderr, "ns per object; ratio = DPDK / wirespeed, above 1 = wirespeed faster\n");
	fprintf(stderr, "%-5s %-8s %-5s %3s %5s %10s %10s %7s  %-17s %-17s\n", "bench", "variant", "api", "thr",
		"burst", "wirespeed", "dpdk", "ratio", "wirespeed min-max", "dpdk min-max");

	if (do_ring)
		for (size_t i = 0; i < ws_bench_ring_nshapes; i++) {
			const struct ws_bench_ring_shape *sh = &ws_bench_ring_shapes[i];
			const char *variant = ws_bench_ring_kind_name(sh->kind);
			const char *api = sh->bulk ? "bulk" : "burst";
			char extra[64];

			if (sh->threads == 2 && ncpu < 2) {
				fprintf(stderr, "ring  %-8s %-5s %3u %5u   skipped: needs two CPUs\n", variant, api,
					sh->threads, sh->burst);
				continue;
			}
			if (ws_bench_ring_compare(sh, rings, 2, runs, s) != 0) {
				failed = 1;
				continue;
			}
			snprintf(extra, sizeof(extra), "\"api\":\"%s\",\"slots\":%u", api, WS_BENCH_RING_SLOTS);
			result_json("ring", variant, extra, sh->threads, sh->burst, "rte_ring", &s[0], &s[1], cpu);
			result_row("ring", variant, api, sh->threads, sh->burst, &s[0], &s[1]);
		}
	if (do_pool)
		for (size_t i = 0; i < ws_bench_pool_nshapes; i++) {
			const struct ws_bench_pool_shape *sh = &ws_bench_pool_shapes[i];
			const char *variant = sh->cache ? "cache" : "nocache";
			char extra[96];

			if (ws_bench_pool_compare(sh, pools, 2, runs, s) != 0) {
				failed = 1;
				continue;
			}
			snprintf(extra, sizeof(extra), "\"api\":\"bulk\",\"cache_size\":%u,\"objs\":%u,\"obj_size\":%u",
				 sh->cache ? WS_BENCH_POOL_CACHE : 0, WS_BENCH_POOL_OBJS, WS_BENCH_POOL_OBJ_SIZE);
			result_json("pool", variant, extra, 1, sh->burst, "rte_mempool", &s[0], &s[1], cpu);
			result_row("pool", variant, "bulk", 1, sh->burst, &s[0], &s[1]);
		}

	rte_eal_cleanup();
	return failed;
}
