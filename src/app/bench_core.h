/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_core.h: the ring and pool benchmark shapes, shared by
 * `wirespeed bench` (wirespeed alone) and bench/ws-bench-core (wirespeed and
 * DPDK in one run). Control path: nothing here is used by the data path.
 *
 * What "per object" means in every figure these shapes produce:
 *
 *  - ring, one thread: a round enqueues a burst of B objects and then
 *    dequeues a burst of B into another array (the ring is empty again).
 *    ns_per_obj = time / (rounds * B), i.e. the cost of ONE enqueue plus ONE
 *    dequeue of one object (DPDK's ring_perf_autotest "burst enq/dequeue"
 *    counts the same way).
 *  - ring, two threads: a producer on one CPU enqueues N objects in bursts of
 *    B (retrying what did not fit), a consumer on another CPU dequeues them in
 *    bursts of B. ns_per_obj = wall time from the start signal until both are
 *    done / N: the throughput cost of moving one object between cores.
 *  - pool, one thread: a round gets B objects (bulk) and puts the same B back
 *    (bulk). ns_per_obj = time / (rounds * B): ONE get plus ONE put.
 *
 * An implementation (wirespeed's, or a peer's) plugs in by filling
 * struct ws_bench_ring_ops / ws_bench_pool_ops. Its loop functions
 * instantiate the always-inline templates below with its own inline calls,
 * so every implementation runs the same loop and only the calls differ; the
 * harness (timing, threads, pinning, medians) is the same code for all.
 */
#ifndef WS_APP_BENCH_CORE_H
#define WS_APP_BENCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cpu.h"

#define WS_BENCH_MAX_BURST 128u
#define WS_BENCH_MAX_RUNS 101u
#define WS_BENCH_RUNS_DEFAULT 7u
/* Slots of every benchmarked ring, both sides. */
#define WS_BENCH_RING_SLOTS 2048u
/* Pool shape: objects, object size and per-thread cache of both sides. 8191
 * objects because DPDK sizes its pool ring to the next power of two above
 * n + 1 and wirespeed to the next power of two at or above n: both get an
 * 8192-slot ring this way. */
#define WS_BENCH_POOL_OBJS 8191u
#define WS_BENCH_POOL_OBJ_SIZE 2048u
#define WS_BENCH_POOL_CACHE 256u
/* Each timed run is sized (on the first implementation) to last about this. */
#define WS_BENCH_RUN_NS 20000000.0

enum ws_bench_ring_kind { WS_BENCH_SPSC = 0, WS_BENCH_MPMC = 1 };

struct ws_bench_ring_shape {
	enum ws_bench_ring_kind kind;
	unsigned threads; /* 1, or 2 (producer and consumer on two CPUs) */
	unsigned burst;   /* objects per call, <= WS_BENCH_MAX_BURST */
	bool bulk;        /* all-or-nothing calls instead of burst calls (1 thread only) */
};

struct ws_bench_pool_shape {
	bool cache;     /* per-thread cache of WS_BENCH_POOL_CACHE, or none */
	unsigned burst; /* objects per get and per put */
};

/* Enqueue/dequeue signatures the loop templates call. */
typedef uint32_t (*ws_bench_enq_fn)(void *ring, void *const *objs, uint32_t n);
typedef uint32_t (*ws_bench_deq_fn)(void *ring, void **objs, uint32_t n);
/* get returns 0 when all n were taken; put always takes all n */
typedef int (*ws_bench_get_fn)(void *pool, void **objs, uint32_t n);
typedef void (*ws_bench_put_fn)(void *pool, void *const *objs, uint32_t n);

struct ws_bench_ring_ops {
	const char *name; /* "wirespeed", "rte_ring" */
	/* Control path: a ring of `slots` slots of the given kind, or NULL. */
	void *(*create)(uint32_t slots, enum ws_bench_ring_kind kind);
	void (*destroy)(void *ring);
	/* One-thread shape: `rounds` rounds; returns the objects dequeued. */
	uint64_t (*loop_1t)(void *ring, void **in, void **out, uint32_t burst, uint64_t rounds);
	uint64_t (*loop_1t_bulk)(void *ring, void **in, void **out, uint32_t burst, uint64_t rounds);
	/* Two-thread shape: each returns the objects it moved (n when done). */
	uint64_t (*produce)(void *ring, void **in, uint32_t burst, uint64_t n);
	uint64_t (*consume)(void *ring, void **out, uint32_t burst, uint64_t n);
};

struct ws_bench_pool_ops {
	const char *name; /* "wirespeed", "rte_mempool" */
	/* Control path: a pool of n objects of obj_size bytes with the given
	 * per-thread cache (0 = none), or NULL. */
	void *(*create)(uint32_t n, uint32_t obj_size, uint32_t cache_size);
	void (*destroy)(void *pool);
	/* One-thread shape: `rounds` rounds; returns the objects obtained. */
	uint64_t (*loop_1t)(void *pool, void **objs, uint32_t burst, uint64_t rounds);
};

/* Loop templates. Always inline, so that a constant function argument
 * becomes a direct, inlined call in the instantiating file. */
static ws_always_inline uint64_t ws_bench_ring_loop_1t(void *ring, void **in, void **out, uint32_t burst,
							uint64_t rounds, ws_bench_enq_fn enq, ws_bench_deq_fn deq)
{
	uint64_t moved = 0;

	for (uint64_t i = 0; i < rounds; i++) {
		enq(ring, in, burst);
		moved += deq(ring, out, burst);
	}
	return moved;
}

static ws_always_inline uint64_t ws_bench_ring_produce(void *ring, void **in, uint32_t burst, uint64_t n,
							ws_bench_enq_fn enq)
{
	uint64_t sent = 0;

	while (sent < n) {
		uint64_t left = n - sent;

		sent += enq(ring, in, left < burst ? (uint32_t)left : burst);
	}
	return sent;
}

static ws_always_inline uint64_t ws_bench_ring_consume(void *ring, void **out, uint32_t burst, uint64_t n,
							ws_bench_deq_fn deq)
{
	uint64_t got = 0;

	while (got < n) {
		uint64_t left = n - got;

		got += deq(ring, out, left < burst ? (uint32_t)left : burst);
	}
	return got;
}

static ws_always_inline uint64_t ws_bench_pool_loop_1t(void *pool, void **objs, uint32_t burst, uint64_t rounds,
							ws_bench_get_fn get, ws_bench_put_fn put)
{
	uint64_t got = 0;

	for (uint64_t i = 0; i < rounds; i++) {
		if (ws_likely(get(pool, objs, burst) == 0)) {
			got += burst;
			put(pool, objs, burst);
		}
	}
	return got;
}

/* wirespeed's side of every shape. */
extern const struct ws_bench_ring_ops ws_bench_ring_wirespeed;
extern const struct ws_bench_pool_ops ws_bench_pool_wirespeed;

/* The shapes, in output order. */
extern const struct ws_bench_ring_shape ws_bench_ring_shapes[];
extern const size_t ws_bench_ring_nshapes;
extern const struct ws_bench_pool_shape ws_bench_pool_shapes[];
extern const size_t ws_bench_pool_nshapes;

/* One implementation's figures for one shape. */
struct ws_bench_series {
	unsigned runs;
	double median, min, max; /* ns per object */
	double ns[WS_BENCH_MAX_RUNS];
};

/* CPUs the shapes run on: the first two of the process's affinity mask,
 * read once (call before anything pins the calling thread). Returns how
 * many there are (1 or 2); two-thread shapes need 2. */
/* Median, min and max of s->ns[0..runs) into s (control path). */
void ws_bench_series_finish(struct ws_bench_series *s);

int ws_bench_cpus(int cpu[2]);

/*
 * Run one shape with each of `nimpl` implementations, alternating (impl 0,
 * impl 1, ..., impl 0, ...) `runs` times after one untimed warm-up each, on
 * the CPUs from ws_bench_cpus() (the caller runs on cpu[0]). The run length
 * is calibrated once on impl 0 and used for all. Returns 0, or a negative
 * errno with a message on stderr (creation failed, an implementation lost
 * objects, not enough CPUs).
 */
int ws_bench_ring_compare(const struct ws_bench_ring_shape *s, const struct ws_bench_ring_ops *const *impls,
			  unsigned nimpl, unsigned runs, struct ws_bench_series *out);
int ws_bench_pool_compare(const struct ws_bench_pool_shape *s, const struct ws_bench_pool_ops *const *impls,
			  unsigned nimpl, unsigned runs, struct ws_bench_series *out);

/* Names for output: "spsc"/"mpmc", "burst"/"bulk", "cache"/"nocache". */
const char *ws_bench_ring_kind_name(enum ws_bench_ring_kind kind);

/* TSC frequency in GHz (ws_tsc_hz()). */
double ws_bench_tsc_ghz(void);

/* Write the machine facts as JSON members (no braces), e.g.
 * "cpu_model":"AMD EPYC","tsc_ghz":2.100,...: CPU model, TSC GHz and its
 * source, kernel, compiler, date (UTC). */
void ws_bench_machine_json(FILE *out);

/* Write s as a JSON string (quoted, escaped). */
void ws_bench_json_str(FILE *out, const char *s);

/* Parse a --runs value: 0 and a count in [1, WS_BENCH_MAX_RUNS], or -EINVAL. */
int ws_bench_parse_runs(const char *arg, unsigned *runs);

#endif /* WS_APP_BENCH_CORE_H */
