/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget.c: `wirespeed budget`, the costs the design argues from (a cache
 * miss, an atomic, a syscall, an allocation, a send) measured on this
 * machine and set against the per-packet time budget of each link speed.
 *
 * This file holds the command line, the timing method and the output; the
 * measured operations are in budget_probes.c. Control path throughout.
 *
 * Method: per metric, the iteration count is calibrated so one timed run
 * lasts about 10 ms (2 ms with --quick); then `runs` runs are timed with the
 * TSC and the median, min and max per operation reported. Nothing is
 * subtracted: loop overhead is part of every figure, as it is in real code.
 */
#include "app/app.h"
#include "app/budget.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/cpu.h"

#define KIB ((size_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

#define RUNS_DEFAULT 7
#define RUNS_QUICK 5
#define RUNS_MAX 1000
#define TARGET_MS_DEFAULT 10
#define TARGET_MS_QUICK 2

/* Preamble + start-of-frame delimiter (8 B) and the inter-frame gap (12 B):
 * what a frame occupies on the wire beyond its own bytes. */
#define WIRE_OVERHEAD 20

#ifdef __clang__
#define WS_COMPILER __VERSION__ /* already says "clang" */
#else
#define WS_COMPILER "gcc " __VERSION__
#endif

/* Set once before any result is printed. */
static double tsc_ghz;
static double ref_budget_ns; /* 64 B frames at 10 Gb/s: the design's 67.2 ns */

static double wire_ns(double wire_bytes, double gbps)
{
	return wire_bytes * 8.0 / gbps;
}

const char *ws_budget_size_str(size_t bytes, char *buf, size_t len)
{
	if (bytes >= GIB && bytes % GIB == 0)
		snprintf(buf, len, "%zu GiB", bytes / GIB);
	else if (bytes >= MIB && bytes % MIB == 0)
		snprintf(buf, len, "%zu MiB", bytes / MIB);
	else if (bytes >= MIB)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (double)MIB);
	else if (bytes >= KIB && bytes % KIB == 0)
		snprintf(buf, len, "%zu KiB", bytes / KIB);
	else
		snprintf(buf, len, "%zu B", bytes);
	return buf;
}

int ws_budget_fail(const char *metric, const char *what, int err)
{
	fprintf(stderr, "wirespeed: budget: %s: %s: %s\n", metric, what, strerror(err));
	return -err;
}

/* ---- measuring ------------------------------------------------------------ */

static uint64_t time_run(ws_budget_run_fn *run, void *arg, uint64_t n)
{
	/* RDTSCP waits for earlier instructions, so the interval closes after
	 * the last operation has completed, not merely issued. */
	uint64_t t0 = ws_rdtscp();

	run(arg, n);
	return ws_rdtscp() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void ws_budget_measure(const struct ws_budget *b, ws_budget_run_fn *run, void *arg,
		       struct ws_budget_result *res)
{
	double per_op[RUNS_MAX];
	uint64_t n = WS_BUDGET_MIN_OPS;
	uint64_t t = time_run(run, arg, n);
	int runs = b->runs;

	/* Grow n by powers of two until a run lasts at least half the target;
	 * the jump is sized from the last run but capped, so a first run
	 * shortened by luck (or slowed by a fault) cannot overshoot far. These
	 * runs also warm the caches, the branch predictors and the allocator. */
	while (t < b->target_ticks / 2 && n < (1ull << 40)) {
		uint64_t mult = 2;

		while (mult < 64 && t * mult * 2 <= b->target_ticks)
			mult *= 2;
		n *= mult;
		t = time_run(run, arg, n);
	}
	for (int i = 0; i < runs; i++)
		per_op[i] = (double)time_run(run, arg, n) / (double)n;
	qsort(per_op, (size_t)runs, sizeof(per_op[0]), cmp_double);
	res->ns = ws_tsc_to_ns(runs % 2 ? per_op[runs / 2]
					: (per_op[runs / 2 - 1] + per_op[runs / 2]) / 2);
	res->min_ns = ws_tsc_to_ns(per_op[0]);
	res->max_ns = ws_tsc_to_ns(per_op[runs - 1]);
	res->ops = n;
	res->runs = runs;
}

/* ---- output --------------------------------------------------------------- */

static void json_str(const char *key, const char *s)
{
	printf(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

void ws_budget_emit(const struct ws_budget *b, const char *metric, const char *desc,
		    const struct ws_budget_result *res, const char *extra_json)
{
	double pct = 100.0 * res->ns / ref_budget_ns;

	if (b->json) {
		printf("{\"metric\":\"%s\"", metric);
		json_str("desc", desc);
		printf(",\"ns\":%.3f,\"cycles\":%.2f,\"min_ns\":%.3f,\"max_ns\":%.3f,\"runs\":%d"
		       ",\"ops_per_run\":%llu,\"pct_of_64b_10g\":%.2f%s}\n",
		       res->ns, res->ns * tsc_ghz, res->min_ns, res->max_ns, res->runs,
		       (unsigned long long)res->ops, pct, extra_json ? extra_json : "");
	} else {
		printf("%-23s %-46s %9.2f %9.1f %9.2f %9.2f %11.1f%%\n", metric, desc, res->ns,
		       res->ns * tsc_ghz, res->min_ns, res->max_ns, pct);
	}
	ws_out_flush();
}

static void print_machine(const struct ws_budget *b)
{
	struct utsname u;
	char kernel[sizeof(u.sysname) + sizeof(u.release) + 2] = "unknown";
	char l1[32], l2[32], l3[32], s2[32], s3[32], sd[32];

	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s", u.sysname, u.release);
	if (b->json) {
		printf("{\"metric\":\"machine\"");
		json_str("cpu_model", ws_cpu_model());
		printf(",\"tsc_hz\":%llu,\"tsc_ghz\":%.4f", (unsigned long long)ws_tsc_hz(), tsc_ghz);
		json_str("tsc_source", ws_tsc_source());
		json_str("kernel", kernel);
		json_str("compiler", WS_COMPILER);
		printf(",\"cpu\":%d,\"pinned\":%s,\"cpus\":%d,\"runs\":%d,\"target_ms\":%d,\"quick\":%s"
		       ",\"l1d_bytes\":%zu,\"l2_bytes\":%zu,\"l3_bytes\":%zu",
		       b->cpu, b->cpu >= 0 ? "true" : "false", b->cpus, b->runs,
		       b->quick ? TARGET_MS_QUICK : TARGET_MS_DEFAULT, b->quick ? "true" : "false",
		       b->l1d_bytes, b->l2_bytes, b->l3_bytes);
		json_str("cache_info", b->cache_source);
		printf(",\"chase_madvise\":\"MADV_HUGEPAGE\",\"budget_ref_ns\":%.1f}\n", ref_budget_ns);
		ws_out_flush();
		return;
	}
	printf("wirespeed budget: %s, TSC %.3f GHz (%s), %s, %s\n", ws_cpu_model(), tsc_ghz,
	       ws_tsc_source(), kernel, WS_COMPILER);
	ws_out_flush();
	if (b->cpu >= 0)
		printf("measuring thread pinned to CPU %d (%d CPUs usable)", b->cpu, b->cpus);
	else
		printf("measuring thread NOT pinned (%d CPUs usable)", b->cpus);
	printf("; per operation: median of %d runs of ~%d ms, min, max; cycles = ns x TSC GHz\n",
	       b->runs, b->quick ? TARGET_MS_QUICK : TARGET_MS_DEFAULT);
	ws_out_flush();
	printf("caches (%s): L1d %s, L2 %s, L3 %s; load sets: L1 16 KiB, L2 %s, L3 %s, DRAM %s; "
	       "chase buffers madvise(MADV_HUGEPAGE)\n\n", b->cache_source,
	       b->l1d_bytes ? ws_budget_size_str(b->l1d_bytes, l1, sizeof(l1)) : "?",
	       b->l2_bytes ? ws_budget_size_str(b->l2_bytes, l2, sizeof(l2)) : "?",
	       b->l3_bytes ? ws_budget_size_str(b->l3_bytes, l3, sizeof(l3)) : "?",
	       ws_budget_size_str(b->l2_wss, s2, sizeof(s2)),
	       ws_budget_size_str(b->l3_wss, s3, sizeof(s3)),
	       ws_budget_size_str(b->dram_wss, sd, sizeof(sd)));
	ws_out_flush();
	printf("%-23s %-46s %9s %9s %9s %9s  %% of %.1f ns\n", "metric", "description",
	       "ns", "cycles", "min ns", "max ns", ref_budget_ns);
	ws_out_flush();
}

/* The time one packet may take at each link speed, computed from the wire
 * size: this is what the costs above are spent against. */
static void print_budget(const struct ws_budget *b)
{
	static const int gbps[] = { 10, 25, 40, 100 };
	static const int frame[] = { 64, 1518 };

	if (!b->json) {
		printf("\nper-packet budget (wire bytes = frame + %d B preamble, SFD and inter-frame gap)\n",
		       WIRE_OVERHEAD);
		printf("%-9s %8s %8s %10s %10s %10s\n", "link", "frame", "wire", "ns", "cycles", "Mpps");
		ws_out_flush();
	}
	for (size_t f = 0; f < sizeof(frame) / sizeof(frame[0]); f++) {
		for (size_t g = 0; g < sizeof(gbps) / sizeof(gbps[0]); g++) {
			int wire = frame[f] + WIRE_OVERHEAD;
			double ns = wire_ns(wire, gbps[g]);

			if (b->json)
				printf("{\"metric\":\"budget\",\"link_gbps\":%d,\"frame_bytes\":%d,"
				       "\"wire_bytes\":%d,\"ns\":%.3f,\"cycles\":%.2f,\"mpps\":%.4f}\n",
				       gbps[g], frame[f], wire, ns, ns * tsc_ghz, 1e3 / ns);
			else
				printf("%3d GbE   %6d B %6d B %10.2f %10.1f %10.3f\n", gbps[g], frame[f],
				       wire, ns, ns * tsc_ghz, 1e3 / ns);
			ws_out_flush();
		}
	}
}

/* ---- machine facts and options --------------------------------------------- */

/* Data or unified cache size of one level from sysfs ("48K"), 0 if absent. */
static size_t sysfs_cache_size(int level)
{
	char path[96], buf[32];

	for (int idx = 0; idx < 16; idx++) {
		FILE *f;
		int lvl = -1;
		char type[32] = "", unit = 'K';
		size_t size = 0;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", idx);
		if (!(f = fopen(path, "r")))
			break;
		if (fscanf(f, "%d", &lvl) != 1)
			lvl = -1;
		fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", idx);
		if ((f = fopen(path, "r"))) {
			if (!fgets(type, sizeof(type), f))
				type[0] = '\0';
			fclose(f);
		}
		if (lvl != level || !strncmp(type, "Instruction", 11))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", idx);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%zu%c", &size, &unit) >= 1)
			size *= unit == 'M' ? MIB : unit == 'G' ? GIB : unit == 'K' ? KIB : 1;
		fclose(f);
		return size;
	}
	return 0;
}

/* Cache sizes, then working sets that sit well inside each level: half the
 * L2 (the other half is code, stack and the page-table lines of the walk),
 * and 8 MiB for L3 unless that does not sit between 4x L2 and half the L3. */
static void choose_sets(struct ws_budget *b)
{
	b->l1d_bytes = sysfs_cache_size(1);
	b->l2_bytes = sysfs_cache_size(2);
	b->l3_bytes = sysfs_cache_size(3);
	b->cache_source = "sysfs";
	if (!b->l2_bytes) {
		/* No sysfs cache directory (common in VMs): glibc reads CPUID. */
		long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE),
		     l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);

		b->l1d_bytes = l1 > 0 ? (size_t)l1 : 0;
		b->l2_bytes = l2 > 0 ? (size_t)l2 : 0;
		b->l3_bytes = l3 > 0 ? (size_t)l3 : 0;
		b->cache_source = b->l2_bytes ? "sysconf/CPUID, no sysfs" : "unknown, defaults";
	}
	b->l2_wss = b->l2_bytes >= 128 * KIB ? (b->l2_bytes / 2) & ~(size_t)(WS_BUDGET_MIN_OPS - 1)
					     : 512 * KIB;
	b->l3_wss = 8 * MIB;
	if (b->l2_bytes && b->l3_wss < 4 * b->l2_bytes)
		b->l3_wss = 4 * b->l2_bytes;
	if (b->l3_bytes > 2 * b->l2_bytes && b->l3_wss > b->l3_bytes / 2)
		b->l3_wss = (b->l3_bytes / 2) & ~(size_t)(WS_BUDGET_MIN_OPS - 1);
	b->dram_wss = b->quick ? 256 * MIB : GIB;
	b->sweep_max = b->dram_wss;
	b->sweep_step = b->quick ? 4 : 2;
}

/* Pin to the CPU asked for, else try CPU 1 (leaving CPU 0 the interrupts and
 * housekeeping), then CPU 0, then any CPU we may run on. */
static int pin_measurer(int want)
{
	cpu_set_t allowed;

	if (want >= 0)
		return ws_cpu_pin(want) == 0 ? want : -1;
	if (ws_cpu_pin(1) == 0)
		return 1;
	if (ws_cpu_pin(0) == 0)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &allowed) && ws_cpu_pin(c) == 0)
				return c;
	return -1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed budget [--json] [--quick] [--runs N] [--cpu N] [--only METRIC[,METRIC...] | --net]\n"
		"\n"
		"Measure what the per-packet costs of the design are on this machine (cache\n"
		"and DRAM loads, atomics, locks, syscalls, allocation, the frame pool, rings,\n"
		"memset, UDP sends, cache-line transfers), in ns and TSC cycles, against the\n"
		"per-packet budget of 10/25/40/100 GbE (67.2 ns for 64 B frames at 10 GbE).\n"
		"\n"
		"options:\n"
		"  --json        one JSON object per line instead of the tables\n"
		"  --quick       shorter runs, a 256 MiB DRAM set, a coarser sweep (< 10 s)\n"
		"  --runs N      timed runs per metric, 1..%d (default %d, %d with --quick)\n"
		"  --cpu N       pin the measuring thread to CPU N (default: CPU 1, else 0)\n"
		"  --only LIST   measure only these metrics (comma-separated)\n"
		"  --net         (root) instead: AF_PACKET send costs (sendto via the qdisc and\n"
		"                with PACKET_QDISC_BYPASS, sendmmsg x32, TPACKET ring x32) on a\n"
		"                veth pair in a temporary network namespace, peer down, then up\n"
		"  -h, --help    this text\n"
		"\n"
		"metrics:",
		RUNS_MAX, RUNS_DEFAULT, RUNS_QUICK);
	for (size_t i = 0, col = 80; i < ws_budget_nb_probes; i++) {
		size_t len = strlen(ws_budget_probes[i].metric) + 1;

		if (col + len > 78) {
			fprintf(out, "\n ");
			col = 1;
		}
		fprintf(out, " %s", ws_budget_probes[i].metric);
		col += len;
	}
	fprintf(out, "\n(load_latency is the sweep over set sizes, one line per size)\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "wirespeed budget: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return WS_EXIT_USAGE;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Mark the metrics named in a comma-separated list; -1 on an unknown name. */
static int parse_only(const char *list, bool *selected, const char **bad)
{
	static char name[64];
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ","), i;

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		for (i = 0; i < ws_budget_nb_probes; i++)
			if (len && !strcmp(name, ws_budget_probes[i].metric))
				break;
		if (i == ws_budget_nb_probes) {
			*bad = name;
			return -1;
		}
		selected[i] = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

int ws_cmd_budget(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "runs", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'o' },
		{ "net", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ws_budget b = { .runs = 0 };
	bool selected[64] = { false }, only = false, net = false;
	int want_cpu = -1, failures = 0, opt;
	const char *bad;

	if (ws_budget_nb_probes > sizeof(selected) / sizeof(selected[0]))
		abort(); /* a probe table that outgrew this array is a build bug */
	opterr = 0; /* our own messages, naming the subcommand */
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			b.json = true;
			break;
		case 'q':
			b.quick = true;
			break;
		case 'r':
			if (parse_int(optarg, 1, RUNS_MAX, &b.runs))
				return usage_error("--runs wants a number from 1 to 1000, not '%s'", optarg);
			break;
		case 'c':
			if (parse_int(optarg, 0, CPU_SETSIZE - 1, &want_cpu))
				return usage_error("--cpu wants a CPU number, not '%s'", optarg);
			break;
		case 'o':
			only = true;
			if (parse_only(optarg, selected, &bad))
				return usage_error("--only: unknown metric '%s' (see the list below)", bad);
			break;
		case 'n':
			net = true;
			break;
		case 'h':
			usage(stdout);
			return WS_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (net && only)
		return usage_error("%s", "--net and --only do not combine (--net measures only the net_* metrics)");
	if (net && ws_budget_net_check() != 0)
		return WS_EXIT_FAIL;
	if (!b.runs)
		b.runs = b.quick ? RUNS_QUICK : RUNS_DEFAULT;

	/* Count before pinning: afterwards the affinity mask holds one CPU.
	 * Pin before calibrating the TSC, so calibration and runs share a CPU. */
	b.cpus = ws_cpu_count();
	b.cpu = pin_measurer(want_cpu);
	if (want_cpu >= 0 && b.cpu < 0) {
		fprintf(stderr, "wirespeed budget: --cpu %d: cannot pin there (%d CPUs usable); "
			"pick one from `taskset -cp $$`\n", want_cpu, b.cpus);
		return WS_EXIT_USAGE;
	}
	if (b.cpu < 0)
		fprintf(stderr, "wirespeed budget: note: could not pin the measuring thread; "
			"running unpinned, figures will be noisier\n");
	if (ws_tsc_hz() == 0) {
		fprintf(stderr, "wirespeed budget: could not determine the TSC frequency\n");
		return WS_EXIT_FAIL;
	}
	tsc_ghz = (double)ws_tsc_hz() / 1e9;
	b.target_ticks = ws_tsc_hz() / 1000 * (b.quick ? TARGET_MS_QUICK : TARGET_MS_DEFAULT);
	ref_budget_ns = wire_ns(64 + WIRE_OVERHEAD, 10);
	choose_sets(&b);

	print_machine(&b);
	if (net)
		failures += ws_budget_net(&b);
	for (size_t i = 0; i < ws_budget_nb_probes && !net; i++) {
		if (only && !selected[i])
			continue;
		if (ws_budget_probes[i].fn(&b, ws_budget_probes[i].metric) != 0)
			failures++;
	}
	ws_budget_probes_cleanup();
	print_budget(&b);
	if (failures) {
		fprintf(stderr, "wirespeed budget: %d metric(s) could not be measured (see above)\n",
			failures);
		return WS_EXIT_FAIL;
	}
	return WS_EXIT_OK;
}
