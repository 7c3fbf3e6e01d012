/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_core.c: wirespeed's side of the ring and pool benchmark shapes, and
 * the harness that times any implementation of them (see bench_core.h for
 * what a figure means). Control path.
 */
#include "app/bench_core.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "core/pool.h"
#include "core/ring.h"

/* ---- wirespeed's ring: the generic entry points, as an application calls
 * them (SP/MP and SC/MC picked from the ring's flags per call) ---- */

static ws_always_inline uint32_t ws_enq_burst(void *r, void *const *objs, uint32_t n)
{
	return ws_ring_enqueue_burst(r, objs, n);
}

static ws_always_inline uint32_t ws_deq_burst(void *r, void **objs, uint32_t n)
{
	return ws_ring_dequeue_burst(r, objs, n);
}

static ws_always_inline uint32_t ws_enq_bulk(void *r, void *const *objs, uint32_t n)
{
	return ws_ring_enqueue_bulk(r, objs, n);
}

static ws_always_inline uint32_t ws_deq_bulk(void *r, void **objs, uint32_t n)
{
	return ws_ring_dequeue_bulk(r, objs, n);
}

static void *ws_ring_shape_create(uint32_t slots, enum ws_bench_ring_kind kind)
{
	return ws_ring_create(slots, kind == WS_BENCH_SPSC ? WS_RING_F_SP | WS_RING_F_SC : 0);
}

static void ws_ring_shape_destroy(void *r)
{
	ws_ring_free(r);
}

static uint64_t ws_ring_loop_1t(void *r, void **in, void **out, uint32_t burst, uint64_t rounds)
{
	return ws_bench_ring_loop_1t(r, in, out, burst, rounds, ws_enq_burst, ws_deq_burst);
}

static uint64_t ws_ring_loop_1t_bulk(void *r, void **in, void **out, uint32_t burst, uint64_t rounds)
{
	return ws_bench_ring_loop_1t(r, in, out, burst, rounds, ws_enq_bulk, ws_deq_bulk);
}

static uint64_t ws_ring_produce(void *r, void **in, uint32_t burst, uint64_t n)
{
	return ws_bench_ring_produce(r, in, burst, n, ws_enq_burst);
}

static uint64_t ws_ring_consume(void *r, void **out, uint32_t burst, uint64_t n)
{
	return ws_bench_ring_consume(r, out, burst, n, ws_deq_burst);
}

const struct ws_bench_ring_ops ws_bench_ring_wirespeed = {
	.name = "wirespeed",
	.create = ws_ring_shape_create,
	.destroy = ws_ring_shape_destroy,
	.loop_1t = ws_ring_loop_1t,
	.loop_1t_bulk = ws_ring_loop_1t_bulk,
	.produce = ws_ring_produce,
	.consume = ws_ring_consume,
};

/* ---- wirespeed's pool ---- */

static ws_always_inline int ws_get(void *p, void **objs, uint32_t n)
{
	return ws_pool_get_bulk(p, (struct ws_pkt **)objs, n);
}

static ws_always_inline void ws_put(void *p, void *const *objs, uint32_t n)
{
	ws_pool_put_bulk(p, (struct ws_pkt *const *)objs, n);
}

static void *ws_pool_shape_create(uint32_t n, uint32_t obj_size, uint32_t cache_size)
{
	/* DPDK's side runs with --no-huge; the benchmark never touches frame
	 * memory anyway, so normal pages on both sides. */
	struct ws_pool_config cfg = {
		.nb_frames = n,
		.frame_size = obj_size,
		.cache_size = cache_size,
		.huge = WS_POOL_HUGE_NEVER,
	};

	return ws_pool_create(&cfg);
}

static void ws_pool_shape_destroy(void *p)
{
	ws_pool_free(p);
}

static uint64_t ws_pool_loop_1t(void *p, void **objs, uint32_t burst, uint64_t rounds)
{
	return ws_bench_pool_loop_1t(p, objs, burst, rounds, ws_get, ws_put);
}

const struct ws_bench_pool_ops ws_bench_pool_wirespeed = {
	.name = "wirespeed",
	.create = ws_pool_shape_create,
	.destroy = ws_pool_shape_destroy,
	.loop_1t = ws_pool_loop_1t,
};

/* ---- the shapes ---- */

const struct ws_bench_ring_shape ws_bench_ring_shapes[] = {
	{ WS_BENCH_SPSC, 1, 1, false },   { WS_BENCH_SPSC, 1, 8, false },
	{ WS_BENCH_SPSC, 1, 32, false },  { WS_BENCH_SPSC, 1, 128, false },
	{ WS_BENCH_MPMC, 1, 1, false },   { WS_BENCH_MPMC, 1, 8, false },
	{ WS_BENCH_MPMC, 1, 32, false },  { WS_BENCH_MPMC, 1, 128, false },
	{ WS_BENCH_SPSC, 2, 1, false },   { WS_BENCH_SPSC, 2, 8, false },
	{ WS_BENCH_SPSC, 2, 32, false },  { WS_BENCH_SPSC, 2, 128, false },
	{ WS_BENCH_MPMC, 2, 1, false },   { WS_BENCH_MPMC, 2, 8, false },
	{ WS_BENCH_MPMC, 2, 32, false },  { WS_BENCH_MPMC, 2, 128, false },
	/* extra: the all-or-nothing calls */
	{ WS_BENCH_SPSC, 1, 32, true },   { WS_BENCH_MPMC, 1, 32, true },
};
const size_t ws_bench_ring_nshapes = sizeof(ws_bench_ring_shapes) / sizeof(ws_bench_ring_shapes[0]);

const struct ws_bench_pool_shape ws_bench_pool_shapes[] = {
	{ true, 1 }, { true, 32 }, { false, 1 }, { false, 32 },
};
const size_t ws_bench_pool_nshapes = sizeof(ws_bench_pool_shapes) / sizeof(ws_bench_pool_shapes[0]);

const char *ws_bench_ring_kind_name(enum ws_bench_ring_kind kind)
{
	return kind == WS_BENCH_SPSC ? "spsc" : "mpmc";
}

/* ---- the harness ---- */

int ws_bench_cpus(int cpu[2])
{
	static int cpus[2] = { -1, -1 };
	static int count;

	if (count == 0) {
		cpu_set_t set;

		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			for (int c = 0; c < CPU_SETSIZE && count < 2; c++)
				if (CPU_ISSET(c, &set))
					cpus[count++] = c;
		if (count == 0)
			cpus[count++] = 0;
	}
	cpu[0] = cpus[0];
	cpu[1] = cpus[1];
	return count;
}

double ws_bench_tsc_ghz(void)
{
	return (double)ws_tsc_hz() / 1e9;
}

/* Objects (cache-line aligned arrays of WS_BENCH_MAX_BURST pointers) that
 * every implementation moves: distinct non-NULL addresses, never touched. */
struct bench_arrays {
	void *in[WS_BENCH_MAX_BURST] __attribute__((aligned(WS_CACHE_LINE)));
	void *out[WS_BENCH_MAX_BURST] __attribute__((aligned(WS_CACHE_LINE)));
	void *out2[WS_BENCH_MAX_BURST] __attribute__((aligned(WS_CACHE_LINE)));
	char targets[WS_BENCH_MAX_BURST];
};

static struct bench_arrays *arrays_new(void)
{
	struct bench_arrays *a = aligned_alloc(WS_CACHE_LINE_PAIR,
					       (sizeof(*a) + WS_CACHE_LINE_PAIR - 1) & ~(size_t)(WS_CACHE_LINE_PAIR - 1));

	if (!a)
		return NULL;
	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < WS_BENCH_MAX_BURST; i++)
		a->in[i] = &a->targets[i];
	return a;
}

struct consumer {
	const struct ws_bench_ring_ops *ops;
	void *ring;
	void **out;
	uint32_t burst;
	uint64_t n;
	uint64_t got;
	uint64_t t_end;
	int ready; /* __atomic */
	int go;    /* __atomic */
};

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;

	__atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&c->go, __ATOMIC_ACQUIRE))
		ws_pause();
	c->got = c->ops->consume(c->ring, c->out, c->burst, c->n);
	c->t_end = ws_rdtscp();
	return NULL;
}

/* One timed run of a ring shape moving about `objs` objects. Returns TSC
 * ticks, 0 on failure (message printed). */
static uint64_t ring_run(const struct ws_bench_ring_ops *ops, void *ring, const struct ws_bench_ring_shape *s,
			 struct bench_arrays *a, uint64_t objs)
{
	if (s->threads == 1) {
		uint64_t rounds = objs / s->burst;
		uint64_t t0, t1, moved;

		t0 = ws_rdtsc();
		moved = (s->bulk ? ops->loop_1t_bulk : ops->loop_1t)(ring, a->in, a->out, s->burst, rounds);
		t1 = ws_rdtscp();
		if (moved != rounds * s->burst) {
			fprintf(stderr, "ring %s: %s moved %llu of %llu objects\n", ws_bench_ring_kind_name(s->kind),
				ops->name, (unsigned long long)moved, (unsigned long long)(rounds * s->burst));
			return 0;
		}
		return t1 - t0 ? t1 - t0 : 1;
	}

	int cpu[2];
	struct consumer c = {
		.ops = ops, .ring = ring, .out = a->out2, .burst = s->burst, .n = objs,
	};
	pthread_attr_t attr;
	pthread_t tid;
	cpu_set_t set;
	uint64_t t0, t1, sent;
	int rc;

	if (ws_bench_cpus(cpu) < 2) {
		fprintf(stderr, "two-thread shapes need two CPUs; this process may use one\n");
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu[1], &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	rc = pthread_create(&tid, &attr, consumer_main, &c);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		fprintf(stderr, "cannot start the consumer thread on CPU %d: %s\n", cpu[1], strerror(rc));
		return 0;
	}
	while (!__atomic_load_n(&c.ready, __ATOMIC_ACQUIRE))
		ws_pause();
	t0 = ws_rdtsc();
	__atomic_store_n(&c.go, 1, __ATOMIC_RELEASE);
	sent = ops->produce(ring, a->in, s->burst, objs);
	t1 = ws_rdtscp();
	pthread_join(tid, NULL);
	if (sent != objs || c.got != objs) {
		fprintf(stderr, "ring %s: %s sent %llu, received %llu of %llu objects\n",
			ws_bench_ring_kind_name(s->kind), ops->name, (unsigned long long)sent,
			(unsigned long long)c.got, (unsigned long long)objs);
		return 0;
	}
	/* the TSC is invariant and synchronised across these cores
	 * (constant_tsc, nonstop_tsc): times from both threads compare */
	if (c.t_end > t1)
		t1 = c.t_end;
	return t1 - t0 ? t1 - t0 : 1;
}

static uint64_t pool_run(const struct ws_bench_pool_ops *ops, void *pool, const struct ws_bench_pool_shape *s,
			 struct bench_arrays *a, uint64_t objs)
{
	uint64_t rounds = objs / s->burst;
	uint64_t t0, t1, got;

	t0 = ws_rdtsc();
	got = ops->loop_1t(pool, a->out, s->burst, rounds);
	t1 = ws_rdtscp();
	if (got != rounds * s->burst) {
		fprintf(stderr, "pool: %s got %llu of %llu objects\n", ops->name, (unsigned long long)got,
			(unsigned long long)(rounds * s->burst));
		return 0;
	}
	return t1 - t0 ? t1 - t0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void ws_bench_series_finish(struct ws_bench_series *s)
{
	double sorted[WS_BENCH_MAX_RUNS];
	unsigned n = s->runs;

	memcpy(sorted, s->ns, n * sizeof(double));
	qsort(sorted, n, sizeof(double), cmp_double);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* A run function over one implementation, so calibration and alternation
 * are written once for rings and pools. */
typedef uint64_t (*run_fn)(const void *ops, void *obj, const void *shape, struct bench_arrays *a, uint64_t objs);

static uint64_t ring_run_v(const void *ops, void *obj, const void *shape, struct bench_arrays *a, uint64_t objs)
{
	return ring_run(ops, obj, shape, a, objs);
}

static uint64_t pool_run_v(const void *ops, void *obj, const void *shape, struct bench_arrays *a, uint64_t objs)
{
	return pool_run(ops, obj, shape, a, objs);
}

static int compare(run_fn run, const void *const *ops, void *const *objs_of, const void *shape, unsigned burst,
		   unsigned nimpl, unsigned runs, struct ws_bench_series *out)
{
	struct bench_arrays *a = arrays_new();
	double tsc_ns = 1e9 / (double)ws_tsc_hz();
	uint64_t n = 16384, ticks;
	int cpu[2];

	if (!a)
		return -ENOMEM;
	ws_bench_cpus(cpu);
	if (ws_cpu_pin(cpu[0]) != 0) {
		static int warned;

		if (!warned++)
			fprintf(stderr, "cannot pin to CPU %d: running unpinned, figures will be noisier\n", cpu[0]);
	}

	/* Size the runs on implementation 0: grow until a run takes 2 ms,
	 * then scale to WS_BENCH_RUN_NS. */
	for (;;) {
		n = (n + burst - 1) / burst * burst;
		ticks = run(ops[0], objs_of[0], shape, a, n);
		if (!ticks)
			goto fail;
		if ((double)ticks * tsc_ns >= 2e6 || n >= (1ull << 34))
			break;
		n *= 4;
	}
	n = (uint64_t)((double)n * WS_BENCH_RUN_NS / ((double)ticks * tsc_ns));
	n = n < burst ? burst : (n + burst - 1) / burst * burst;

	for (unsigned i = 0; i < nimpl; i++) {
		out[i].runs = runs;
		if (!run(ops[i], objs_of[i], shape, a, n)) /* warm-up */
			goto fail;
	}
	for (unsigned r = 0; r < runs; r++)
		for (unsigned i = 0; i < nimpl; i++) {
			ticks = run(ops[i], objs_of[i], shape, a, n);
			if (!ticks)
				goto fail;
			out[i].ns[r] = (double)ticks * tsc_ns / (double)n;
		}
	for (unsigned i = 0; i < nimpl; i++)
		ws_bench_series_finish(&out[i]);
	free(a);
	return 0;
fail:
	free(a);
	return -EIO;
}

#define MAX_IMPL 4

int ws_bench_ring_compare(const struct ws_bench_ring_shape *s, const struct ws_bench_ring_ops *const *impls,
			  unsigned nimpl, unsigned runs, struct ws_bench_series *out)
{
	void *rings[MAX_IMPL] = { NULL };
	const void *ops[MAX_IMPL];
	int cpu[2], rc = 0;

	if (nimpl == 0 || nimpl > MAX_IMPL || runs == 0 || runs > WS_BENCH_MAX_RUNS || s->burst == 0 ||
	    s->burst > WS_BENCH_MAX_BURST || (s->threads != 1 && s->threads != 2) || (s->bulk && s->threads != 1))
		return -EINVAL;
	if (s->threads == 2 && ws_bench_cpus(cpu) < 2)
		return -ENODEV;
	for (unsigned i = 0; i < nimpl; i++) {
		ops[i] = impls[i];
		rings[i] = impls[i]->create(WS_BENCH_RING_SLOTS, s->kind);
		if (!rings[i]) {
			fprintf(stderr, "%s: cannot create a %u-slot %s ring\n", impls[i]->name, WS_BENCH_RING_SLOTS,
				ws_bench_ring_kind_name(s->kind));
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = compare(ring_run_v, ops, rings, s, s->burst, nimpl, runs, out);
out:
	for (unsigned i = 0; i < nimpl; i++)
		if (rings[i])
			impls[i]->destroy(rings[i]);
	return rc;
}

int ws_bench_pool_compare(const struct ws_bench_pool_shape *s, const struct ws_bench_pool_ops *const *impls,
			  unsigned nimpl, unsigned runs, struct ws_bench_series *out)
{
	void *pools[MAX_IMPL] = { NULL };
	const void *ops[MAX_IMPL];
	int rc = 0;

	if (nimpl == 0 || nimpl > MAX_IMPL || runs == 0 || runs > WS_BENCH_MAX_RUNS || s->burst == 0 ||
	    s->burst > WS_BENCH_MAX_BURST)
		return -EINVAL;
	for (unsigned i = 0; i < nimpl; i++) {
		ops[i] = impls[i];
		pools[i] = impls[i]->create(WS_BENCH_POOL_OBJS, WS_BENCH_POOL_OBJ_SIZE,
					    s->cache ? WS_BENCH_POOL_CACHE : 0);
		if (!pools[i]) {
			fprintf(stderr, "%s: cannot create a pool of %u x %u B objects\n", impls[i]->name,
				WS_BENCH_POOL_OBJS, WS_BENCH_POOL_OBJ_SIZE);
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = compare(pool_run_v, ops, pools, s, s->burst, nimpl, runs, out);
out:
	for (unsigned i = 0; i < nimpl; i++)
		if (pools[i])
			impls[i]->destroy(pools[i]);
	return rc;
}

/* ---- output helpers ---- */

void ws_bench_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void ws_bench_machine_json(FILE *out)
{
	struct utsname u;
	char date[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	if (gmtime_r(&now, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "\"cpu_model\":");
	ws_bench_json_str(out, ws_cpu_model());
	fprintf(out, ",\"tsc_ghz\":%.3f,\"tsc_source\":", ws_bench_tsc_ghz());
	ws_bench_json_str(out, ws_tsc_source());
	fprintf(out, ",\"kernel\":");
	ws_bench_json_str(out, u.release);
	fprintf(out, ",\"compiler\":");
#ifdef __clang__
	ws_bench_json_str(out, "clang " __clang_version__);
#else
	ws_bench_json_str(out, "gcc " __VERSION__);
#endif
	fprintf(out, ",\"date\":\"%s\"", date);
}

int ws_bench_parse_runs(const char *arg, unsigned *runs)
{
	char *end;
	unsigned long v;

	if (!arg || *arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < 1 || v > WS_BENCH_MAX_RUNS)
		return -EINVAL;
	*runs = (unsigned)v;
	return 0;
}
