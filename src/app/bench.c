/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench.c: `wirespeed bench`, wirespeed's own ring and pool shapes (the
 * shapes and what a figure means are in bench_core.h). The comparison with
 * DPDK in the same run is bench/ws-bench-core (`make bench`); this command
 * links no peer so that it runs wherever wirespeed does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/bench_core.h"
#include "core/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed bench [ring|pool|all] [--runs N] [--json] [--help]\n"
		"       wirespeed bench fwd [...]   (the forwarding graph: wirespeed bench fwd --help)\n"
		"\n"
		"Times wirespeed's ring (SPSC and MPMC, bursts 1/8/32/128, one thread and\n"
		"two threads on two CPUs) and frame pool (get+put with and without the\n"
		"per-thread cache, bursts 1 and 32). Median, min and max of N runs\n"
		"(default %u) of about 20 ms each; the measured thread is pinned to the\n"
		"first CPU this process may use, the consumer of two-thread shapes to the\n"
		"second.\n"
		"\n"
		"ns/obj: ring one thread = one enqueue + one dequeue of one object; ring two\n"
		"threads = wall time / objects moved between the CPUs; pool = one get + one\n"
		"put of one object.\n"
		"\n"
		"  --runs N  timed runs per shape, 1..%u\n"
		"  --json    one JSON object per line on stdout (the table goes to stderr)\n"
		"\n"
		"The same shapes against DPDK's rte_ring and rte_mempool: make bench.\n",
		WS_BENCH_RUNS_DEFAULT, WS_BENCH_MAX_RUNS);
}

struct opts {
	bool ring, pool, json;
	unsigned runs;
};

static int parse(int argc, char **argv, struct opts *o)
{
	bool which = false;

	*o = (struct opts){ .runs = WS_BENCH_RUNS_DEFAULT };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(WS_EXIT_OK);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--runs") || !strncmp(a, "--runs=", 7)) {
			const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);

			if (ws_bench_parse_runs(v, &o->runs) != 0) {
				fprintf(stderr, "wirespeed bench: --runs wants a count from 1 to %u, got '%s'\n",
					WS_BENCH_MAX_RUNS, v ? v : "");
				return -EINVAL;
			}
		} else if (!strcmp(a, "ring") || !strcmp(a, "pool") || !strcmp(a, "all")) {
			which = true;
			o->ring |= a[0] != 'p';
			o->pool |= a[0] != 'r';
		} else {
			fprintf(stderr, "wirespeed bench: unknown argument '%s'\n\n", a);
			return -EINVAL;
		}
	}
	if (!which)
		o->ring = o->pool = true;
	return 0;
}

static void row(FILE *t, const char *bench, const char *variant, const char *api, unsigned threads,
		unsigned burst, const struct ws_bench_series *s)
{
	double ghz = ws_bench_tsc_ghz();

	fprintf(t, "%-5s %-8s %-5s %3u %5u %9.3f %8.2f %9.1f %9.3f %9.3f\n", bench, variant, api, threads,
		burst, s->median, s->median * ghz, 1e3 / s->median, s->min, s->max);
	fflush(t);
}

static void json_line(const char *bench, const char *variant, const char *api, unsigned threads,
		      unsigned burst, const struct ws_bench_series *s, const int cpu[2])
{
	double ghz = ws_bench_tsc_ghz();

	printf("{\"bench\":\"%s\",\"impl\":\"wirespeed\",\"variant\":\"%s\"", bench, variant);
	if (api)
		printf(",\"api\":\"%s\"", api);
	else
		printf(",\"cache_size\":%u", !strcmp(variant, "cache") ? WS_BENCH_POOL_CACHE : 0);
	printf(",\"threads\":%u,\"burst\":%u,\"ns_per_obj\":%.3f,\"cycles_per_obj\":%.2f,\"mops\":%.1f,"
	       "\"runs\":%u,\"min\":%.3f,\"max\":%.3f,\"cpu\":%d",
	       threads, burst, s->median, s->median * ghz, 1e3 / s->median, s->runs, s->min, s->max, cpu[0]);
	if (threads == 2)
		printf(",\"cpu2\":%d", cpu[1]);
	printf(",\"tsc_ghz\":%.3f}\n", ghz);
	ws_out_flush();
}

int ws_cmd_bench(int argc, char **argv)
{
	const struct ws_bench_ring_ops *ring_impl[] = { &ws_bench_ring_wirespeed };
	const struct ws_bench_pool_ops *pool_impl[] = { &ws_bench_pool_wirespeed };
	struct ws_bench_series s;
	struct opts o;
	int cpu[2], ncpu, failed = 0;
	FILE *t;

	if (argc > 1 && !strcmp(argv[1], "fwd"))
		return ws_cmd_bench_fwd(argc - 1, argv + 1);
	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	/* pool creation logs at info level; keep the table readable unless
	 * the user asked for a level */
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	ncpu = ws_bench_cpus(cpu);
	t = o.json ? stderr : stdout;

	if (o.json) {
		printf("{\"bench\":\"machine\",");
		ws_bench_machine_json(stdout);
		printf(",\"cpus\":\"%d%s", cpu[0], ncpu > 1 ? "," : "");
		if (ncpu > 1)
			printf("%d", cpu[1]);
		printf("\"}\n");
		ws_out_flush();
	}
	fprintf(t, "wirespeed bench: %s, TSC %.3f GHz (%s), CPU %d", ws_cpu_model(), ws_bench_tsc_ghz(),
		ws_tsc_source(), cpu[0]);
	if (ncpu > 1)
		fprintf(t, " (two-thread consumer: CPU %d)", cpu[1]);
	fprintf(t, "; median of %u runs, ns per object\n", o.runs);
	fprintf(t, "%-5s %-8s %-5s %3s %5s %9s %8s %9s %9s %9s\n", "bench", "variant", "api", "thr", "burst",
		"ns/obj", "cyc/obj", "Mobj/s", "min", "max");

	if (o.ring)
		for (size_t i = 0; i < ws_bench_ring_nshapes; i++) {
			const struct ws_bench_ring_shape *sh = &ws_bench_ring_shapes[i];
			const char *variant = ws_bench_ring_kind_name(sh->kind);
			const char *api = sh->bulk ? "bulk" : "burst";

			if (sh->threads == 2 && ncpu < 2) {
				fprintf(t, "ring  %-8s %-5s %3u %5u   skipped: needs two CPUs\n", variant, api,
					sh->threads, sh->burst);
				continue;
			}
			if (ws_bench_ring_compare(sh, ring_impl, 1, o.runs, &s) != 0) {
				failed = 1;
				continue;
			}
			row(t, "ring", variant, api, sh->threads, sh->burst, &s);
			if (o.json)
				json_line("ring", variant, api, sh->threads, sh->burst, &s, cpu);
		}
	if (o.pool)
		for (size_t i = 0; i < ws_bench_pool_nshapes; i++) {
			const struct ws_bench_pool_shape *sh = &ws_bench_pool_shapes[i];
			const char *variant = sh->cache ? "cache" : "nocache";

			if (ws_bench_pool_compare(sh, pool_impl, 1, o.runs, &s) != 0) {
				failed = 1;
				continue;
			}
			row(t, "pool", variant, "bulk", 1, sh->burst, &s);
			if (o.json)
				json_line("pool", variant, NULL, 1, sh->burst, &s, cpu);
		}
	if (!o.json)
		ws_out_flush();
	return failed ? WS_EXIT_FAIL : WS_EXIT_OK;
}
