/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget.h: private to `wirespeed budget`. budget.c owns the command line,
 * the timing method and the output; budget_probes.c owns the measured
 * operations, except load latency, which is in budget_chase.c. Control path throughout (the probes' inner loops are the only
 * hot code, and they are what is being measured).
 */
#ifndef WS_APP_BUDGET_H
#define WS_APP_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every probe's run() is asked for a power-of-two number of operations of at
 * least this many, so loops may be unrolled and bursts of 32 or 256 divide it
 * exactly. */
#define WS_BUDGET_MIN_OPS 256u

/* The settings of one `wirespeed budget` run and what it found out about the
 * machine, shared by the framework and the probes. */
struct ws_budget {
	int runs;              /* timed runs per metric (median, min, max of these) */
	bool quick;            /* --quick: shorter runs, smaller DRAM set, coarser sweep */
	bool json;             /* --json: JSON lines instead of the tables */
	uint64_t target_ticks; /* aim for one timed run to last this many TSC ticks */
	int cpu;               /* CPU the measuring thread is pinned to, -1 if not pinned */
	int cpus;              /* CPUs the process may use (counted before pinning) */
	/* Cache sizes in bytes (0 = unknown) and where they came from. */
	size_t l1d_bytes, l2_bytes, l3_bytes;
	const char *cache_source;
	/* Working-set sizes chosen for the named load metrics. */
	size_t l2_wss, l3_wss, dram_wss;
	size_t sweep_max;      /* largest set of the load_latency sweep */
	unsigned sweep_step;   /* factor between sweep sizes (2, or 4 in --quick) */
};

/* Median, min and max over the runs, per operation. */
struct ws_budget_result {
	double ns, min_ns, max_ns;
	uint64_t ops;          /* operations per timed run */
	int runs;
};

/* run(arg, n) performs n operations; n is a power of two >= WS_BUDGET_MIN_OPS. */
typedef void ws_budget_run_fn(void *arg, uint64_t n);

/* Calibrate n so one run lasts about b->target_ticks (the calibration runs
 * double as warm-up), then time b->runs runs of n operations. */
void ws_budget_measure(const struct ws_budget *b, ws_budget_run_fn *run, void *arg,
		       struct ws_budget_result *res);

/* Print one result: a table row, or a JSON line with `extra_json` (a string of
 * `,"key":value` pairs, or NULL) appended. Flushes stdout. */
void ws_budget_emit(const struct ws_budget *b, const char *metric, const char *desc,
		    const struct ws_budget_result *res, const char *extra_json);

/* One probe measures and emits one metric (the sweep emits several lines).
 * Returns 0, or a negative errno after saying on stderr what failed. */
struct ws_budget_probe {
	const char *metric;
	int (*fn)(const struct ws_budget *b, const char *metric);
};

/* In output order; the last entry is the load_latency sweep. */
extern const struct ws_budget_probe ws_budget_probes[];
extern const size_t ws_budget_nb_probes;

/* Release what the probes kept between metrics (the pointer-chase buffer). */
void ws_budget_probes_cleanup(void);

/* Say on stderr which metric failed, doing what, and why; returns -err. */
int ws_budget_fail(const char *metric, const char *what, int err);

/* budget_chase.c: the pointer-chase probes (l1/l2/l3/dram_load and the
 * load_latency sweep) and the release of their buffer. */
int ws_budget_probe_load(const struct ws_budget *b, const char *metric);
int ws_budget_probe_sweep(const struct ws_budget *b, const char *metric);
void ws_budget_chase_release(void);

/* budget_net.c, `--net`: the raw-socket send costs on a veth pair in a
 * temporary network namespace (a child process; see the file comment).
 * ws_budget_net_check: 0 when --net can run (root), else -EPERM after saying
 * so on stderr. ws_budget_net: measures and emits the net_* metrics; returns
 * how many could not be measured (0 when all were), having said why. */
int ws_budget_net_check(void);
int ws_budget_net(const struct ws_budget *b);

/* "16 KiB", "1 GiB", "1.5 MiB": a byte count for people. */
const char *ws_budget_size_str(size_t bytes, char *buf, size_t len);

#endif /* WS_APP_BUDGET_H */
