/* SPDX-License-Identifier: BSD-3-Clause */
/* fib_update.c: see fib_update.h. */
#include "fib_update.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/cpu.h"
#include "core/rcu.h"
#include "fib/fib_table.h"

#define READER_BURST 64

struct ws_fbench_op *ws_fbench_update_stream(const struct ws_fbench_table *t, uint64_t seed, unsigned n_deletes,
					     unsigned window, size_t *n_ops)
{
	struct ws_fbench_op *ops = malloc(2 * (size_t)n_deletes * sizeof(*ops));
	uint8_t *out = calloc(t->n ? t->n : 1, 1); /* withdrawn right now */
	uint32_t *pending = malloc((window + 1) * sizeof(*pending));
	size_t n = 0;
	unsigned head = 0, nb_pending = 0;
	uint64_t rng = seed ^ 0x5eed5eedull;

	if (!ops || !out || !pending || t->n <= window) {
		free(ops);
		ops = NULL;
		goto done;
	}
	for (unsigned d = 0; d < n_deletes; d++) {
		uint32_t r;

		do
			r = (uint32_t)(ws_fbench_rng(&rng) % t->n);
		while (out[r] || t->routes[r].len == 0);
		out[r] = 1;
		ops[n++] = (struct ws_fbench_op){ .route = r, .add = 0 };
		pending[(head + nb_pending++) % (window + 1)] = r;
		if (nb_pending > window || d + 1 == n_deletes) {
			/* the oldest withdrawal comes back (at the end, all of them) */
			while (nb_pending > (d + 1 == n_deletes ? 0 : window)) {
				uint32_t back = pending[head];

				head = (head + 1) % (window + 1);
				nb_pending--;
				out[back] = 0;
				ops[n++] = (struct ws_fbench_op){ .route = back,
								  .nexthop = (uint32_t)(ws_fbench_rng(&rng) % 4096),
								  .add = 1 };
			}
		}
	}
	*n_ops = n;
done:
	free(out);
	free(pending);
	return ops;
}

struct reader {
	struct ws_fib *fib;
	int family;
	const void *addrs;
	size_t n_addrs;
	int cpu;
	volatile bool stop;
	uint64_t lookups; /* written by the reader, read by the writer */
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint32_t out[READER_BURST], sink = 0;
	size_t i = 0;
	uint64_t done = 0;

	ws_cpu_pin(r->cpu);
	ws_rcu_register();
	while (!r->stop) {
		if (i + READER_BURST > r->n_addrs)
			i = 0;
		if (r->family == AF_INET)
			ws_lpm4_lookup_bulk(ws_fib_lpm4(r->fib), (const uint32_t *)r->addrs + i, out, READER_BURST);
		else
			ws_lpm6_lookup_bulk(ws_fib_lpm6(r->fib), (const uint8_t(*)[16])r->addrs + i, out,
					    READER_BURST);
		sink += out[0] ^ out[READER_BURST - 1];
		i += READER_BURST;
		done += READER_BURST;
		__atomic_store_n(&r->lookups, done, __ATOMIC_RELAXED);
		ws_rcu_quiescent(); /* once per burst, as a worker does */
	}
	ws_rcu_unregister();
	__atomic_store_n(&r->lookups, done + (sink & 0), __ATOMIC_RELAXED);
	return NULL;
}

static uint64_t lookups_of(struct reader *r)
{
	return __atomic_load_n(&r->lookups, __ATOMIC_RELAXED);
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* The routes after the stream, compiled from scratch, against the FIB. */
static int check_final(int family, const struct ws_fbench_table *t, struct ws_fib *fib, const void *addrs,
		       size_t n_addrs, const struct ws_fbench_op *ops, size_t n_ops)
{
	struct ws_route *final = malloc((t->n ? t->n : 1) * sizeof(*final));
	uint8_t *present = malloc(t->n ? t->n : 1);
	size_t n = 0, bad = 0;
	int rc = -1;

	if (!final || !present) {
		fprintf(stderr, "fib update: out of memory\n");
		goto out;
	}
	memcpy(final, t->routes, t->n * sizeof(*final));
	memset(present, 1, t->n);
	for (size_t i = 0; i < n_ops; i++) {
		present[ops[i].route] = ops[i].add;
		if (ops[i].add)
			final[ops[i].route].nexthop = ops[i].nexthop;
	}
	for (size_t i = 0; i < t->n; i++)
		if (present[i])
			final[n++] = final[i];
	if (family == AF_INET) {
		struct ws_lpm4 *ref = ws_lpm4_build(final, n);

		for (size_t i = 0; ref && i < n_addrs; i++) {
			uint32_t a = ((const uint32_t *)addrs)[i];

			bad += ws_lpm4_lookup(ref, a) != ws_lpm4_lookup(ws_fib_lpm4(fib), a);
		}
		rc = ref ? 0 : -1;
		ws_lpm4_free(ref);
	} else {
		struct ws_lpm6 *ref = ws_lpm6_build(final, n);

		for (size_t i = 0; ref && i < n_addrs; i++) {
			const uint8_t *a = ((const uint8_t(*)[16])addrs)[i];

			bad += ws_lpm6_lookup(ref, a) != ws_lpm6_lookup(ws_fib_lpm6(fib), a);
		}
		rc = ref ? 0 : -1;
		ws_lpm6_free(ref);
	}
	if (rc)
		fprintf(stderr, "fib update: building the reference failed\n");
	else if (bad) {
		fprintf(stderr, "fib update: %zu of %zu addresses differ from a structure built from scratch\n", bad,
			n_addrs);
		rc = -1;
	}
out:
	free(final);
	free(present);
	return rc;
}

int ws_fbench_update_ours(int family, const struct ws_fbench_table *t, const void *addrs, size_t n_addrs,
			  const struct ws_fbench_op *ops, size_t n_ops, size_t mark, int reader_cpu,
			  struct ws_fbench_update_result *res)
{
	struct ws_fib *fib = ws_fib_create();
	struct reader rd = { .fib = fib, .family = family, .addrs = addrs, .n_addrs = n_addrs, .cpu = reader_cpu };
	struct ws_fib_stats st0, st1;
	pthread_t th;
	bool started = false;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->reader_cpu = reader_cpu;
	if (!fib || n_addrs < READER_BURST || ws_fib_load(fib, family, t->routes, t->n) != 0) {
		fprintf(stderr, "fib update: cannot load the table into a FIB\n");
		goto out;
	}
	ws_fib_get_stats(fib, &st0);
	if (reader_cpu >= 0) {
		if (pthread_create(&th, NULL, reader_main, &rd) != 0) {
			fprintf(stderr, "fib update: cannot start the reader thread\n");
			goto out;
		}
		started = true;
		sleep_s(0.2); /* warm up */
		uint64_t c0 = lookups_of(&rd);
		double t0 = ws_fbench_now();

		sleep_s(0.3);
		res->reader_mlps_idle = (double)(lookups_of(&rd) - c0) / (ws_fbench_now() - t0) / 1e6;
	}

	uint64_t c0 = started ? lookups_of(&rd) : 0;
	double t0 = ws_fbench_now();

	for (size_t i = 0; i < n_ops; i++) {
		const struct ws_route *r = &t->routes[ops[i].route];

		if (i == mark)
			res->seconds_at_mark = ws_fbench_now() - t0;
		int e = ops[i].add ? ws_fib_route_replace(fib, family, r->addr, r->len, ops[i].nexthop)
				   : ws_fib_route_delete(fib, family, r->addr, r->len);

		if (e < 0 || (ops[i].add && e != 0)) {
			fprintf(stderr, "fib update: change %zu (%s /%u) returned %d (%s)\n", i,
				ops[i].add ? "add" : "delete", r->len, e, e < 0 ? strerror(-e) : "replaced");
			goto out;
		}
	}
	res->seconds = ws_fbench_now() - t0;
	if (mark >= n_ops)
		res->seconds_at_mark = res->seconds;
	if (started)
		res->reader_mlps_during = (double)(lookups_of(&rd) - c0) / res->seconds / 1e6;
	res->ns_per_op = res->seconds * 1e9 / (double)(n_ops ? n_ops : 1);
	ws_fib_get_stats(fib, &st1);
	res->grace_periods = st1.grace_periods - st0.grace_periods;
	res->rebuilds = st1.rebuilds - st0.rebuilds;
	res->memory_before = family == AF_INET ? st0.memory4 : st0.memory6;
	res->memory_after = family == AF_INET ? st1.memory4 : st1.memory6;
	rc = 0;
out:
	if (started) {
		rd.stop = true;
		pthread_join(th, NULL);
	}
	if (!rc)
		rc = check_final(family, t, fib, addrs, n_addrs, ops, n_ops);
	ws_fib_free(fib);
	return rc;
}

int ws_fbench_update_peer(const struct ws_fbench_table *t, const struct ws_fbench_op *ops, size_t n_ops,
			  ws_fbench_peer_change_fn *change, void *peer, const char *peer_name, size_t *done,
			  double *seconds)
{
	double t0 = ws_fbench_now();
	size_t i;

	fprintf(stderr, "route changes: %s first (at most %u changes or %.0f s) ...\n", peer_name,
		WS_FBENCH_PEER_UPDATE_OPS, WS_FBENCH_PEER_UPDATE_S);
	for (i = 0; i < n_ops && i < WS_FBENCH_PEER_UPDATE_OPS; i++) {
		const struct ws_route *r = &t->routes[ops[i].route];
		int e;

		if ((i & 63) == 0 && ws_fbench_now() - t0 > WS_FBENCH_PEER_UPDATE_S)
			break;
		e = change(peer, r, &ops[i]);
		if (e) {
			fprintf(stderr, "%s: %s of /%u failed: %d\n", peer_name, ops[i].add ? "add" : "delete", r->len,
				e);
			return -1;
		}
	}
	*seconds = ws_fbench_now() - t0;
	*done = i;
	return 0;
}

void ws_fbench_update_report(const char *prog, const char *what, const struct ws_fbench_table *t, size_t n_ops,
			     const struct ws_fbench_update_result *res, const char *peer, size_t peer_ops,
			     double peer_s)
{
	double ours_same = res->seconds_at_mark * 1e9 / (double)(peer_ops ? peer_ops : 1);
	double peer_ns = peer_s * 1e9 / (double)(peer_ops ? peer_ops : 1);
	double rate = 1e9 / res->ns_per_op;

	printf("{\"bench\":\"%s\",\"table\":\"%s\",\"prefixes\":%zu,\"changes\":%zu,\"window\":%u,"
	       "\"ns_per_op\":%.1f,\"updates_per_s\":%.0f,\"reader_cpu\":%d,\"reader_mlps_idle\":%.1f,"
	       "\"reader_mlps_during\":%.1f,\"grace_periods\":%llu,\"rebuilds\":%llu,\"bytes_before\":%zu,"
	       "\"bytes_after\":%zu,\"peer\":\"%s\",\"peer_changes\":%zu,\"peer_ns_per_op\":%.1f,"
	       "\"ns_per_op_same_changes\":%.1f,\"peer_readers\":0,\"ratio\":%.2f}\n",
	       what, t->name, t->n, n_ops, WS_FBENCH_UPDATE_WINDOW, res->ns_per_op, rate, res->reader_cpu,
	       res->reader_mlps_idle, res->reader_mlps_during, (unsigned long long)res->grace_periods,
	       (unsigned long long)res->rebuilds, res->memory_before, res->memory_after, peer, peer_ops, peer_ns,
	       ours_same, peer_ns / ours_same);
	ws_fbench_out_flush(prog);
	fprintf(stderr,
		"updates: %zu changes (withdraw a random route, announce it again %u changes later) in %.2f s: "
		"%.0f ns/change, %.0f changes/s; %llu grace periods, %llu rebuilds; %.2f -> %.2f MiB\n",
		n_ops, WS_FBENCH_UPDATE_WINDOW, res->seconds, res->ns_per_op, rate,
		(unsigned long long)res->grace_periods, (unsigned long long)res->rebuilds,
		(double)res->memory_before / 1048576.0, (double)res->memory_after / 1048576.0);
	if (res->reader_cpu >= 0)
		fprintf(stderr, "  reader on CPU %d, bulk 64, quiescent state per burst: %.1f Mlookups/s alone, %.1f "
				"during the changes\n",
			res->reader_cpu, res->reader_mlps_idle, res->reader_mlps_during);
	else
		fprintf(stderr, "  one CPU only: no concurrent reader\n");
	fprintf(stderr, "  %s, the first %zu changes, no reader: %.0f ns/change; wirespeed on the same: %.0f "
			"ns/change (ratio %.1f)\n",
		peer, peer_ops, peer_ns, ours_same, peer_ns / ours_same);
	fprintf(stderr, "  goal >= %.0f changes/s while lookups continue: %s\n", WS_FBENCH_UPDATE_GOAL,
		rate >= WS_FBENCH_UPDATE_GOAL && res->reader_cpu >= 0 ? "met"
		: rate >= WS_FBENCH_UPDATE_GOAL			     ? "met without a reader (one CPU)"
								     : "NOT met");
}

int ws_fbench_update_run(const char *prog, const char *what, int family, const struct ws_fbench_table *t,
			 uint64_t seed, const void *addrs, size_t n_addrs, ws_fbench_peer_change_fn *change, void *peer,
			 const char *peer_name, int reader_cpu)
{
	size_t n_ops = 0, peer_ops = 0;
	struct ws_fbench_op *stream =
		ws_fbench_update_stream(t, seed, WS_FBENCH_UPDATE_DELETES, WS_FBENCH_UPDATE_WINDOW, &n_ops);
	struct ws_fbench_update_result res;
	double peer_s;
	int rc = -1;

	if (!stream)
		fprintf(stderr, "%s: no update stream (out of memory, or a table of %zu routes is too small for it)\n",
			prog, t->n);
	else if (ws_fbench_update_peer(t, stream, n_ops, change, peer, peer_name, &peer_ops, &peer_s) == 0 &&
		 ws_fbench_update_ours(family, t, addrs, n_addrs, stream, n_ops, peer_ops, reader_cpu, &res) == 0) {
		ws_fbench_update_report(prog, what, t, n_ops, &res, peer_name, peer_ops, peer_s);
		rc = 0;
	}
	free(stream);
	return rc;
}
