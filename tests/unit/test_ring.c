/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for src/core/ring.h: SPSC and MPMC, burst and bulk semantics,
 * wrap-around, and multi-threaded exactly-once / per-producer order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/ring.h"

#define OBJ(i) ((void *)(uintptr_t)(i))

static void test_create_rejects_bad_sizes(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ws_ring_create(0, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ws_ring_create(1, 0));
	assert_null(ws_ring_create(1000, 0));
	assert_null(ws_ring_create(64, 0x80));
	assert_int_equal(ws_ring_memsize(3), 0);
	struct ws_ring *r = ws_ring_create(2, 0);
	assert_non_null(r);
	ws_ring_free(r);
}

static void check_full_empty(uint32_t flags)
{
	struct ws_ring *r = ws_ring_create(8, flags);
	void *in[16], *out[16];

	for (unsigned i = 0; i < 16; i++)
		in[i] = OBJ(i + 1);
	assert_int_equal(ws_ring_count(r), 0);
	assert_int_equal(ws_ring_dequeue_burst(r, out, 4), 0);
	assert_int_equal(ws_ring_dequeue(r, out), -ENOENT);
	/* burst: as many as fit */
	assert_int_equal(ws_ring_enqueue_burst(r, in, 5), 5);
	assert_int_equal(ws_ring_enqueue_burst(r, in + 5, 5), 3);
	assert_int_equal(ws_ring_count(r), 8);
	assert_int_equal(ws_ring_free_count(r), 0);
	assert_int_equal(ws_ring_enqueue_burst(r, in, 1), 0);
	assert_int_equal(ws_ring_enqueue(r, in[0]), -ENOBUFS);
	/* dequeue comes out in order */
	assert_int_equal(ws_ring_dequeue_burst(r, out, 16), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(ws_ring_count(r), 0);
	ws_ring_free(r);
}

static void test_full_empty_spsc(void **state) { (void)state; check_full_empty(WS_RING_F_SP | WS_RING_F_SC); }
static void test_full_empty_mpmc(void **state) { (void)state; check_full_empty(0); }
static void test_full_empty_spmc(void **state) { (void)state; check_full_empty(WS_RING_F_SP); }

static void check_bulk_all_or_nothing(uint32_t flags)
{
	struct ws_ring *r = ws_ring_create(16, flags);
	void *in[32], *out[32];

	for (unsigned i = 0; i < 32; i++)
		in[i] = OBJ(100 + i);
	assert_int_equal(ws_ring_enqueue_bulk(r, in, 10), 10);
	/* 6 free: a bulk of 7 must move nothing */
	assert_int_equal(ws_ring_enqueue_bulk(r, in + 10, 7), 0);
	assert_int_equal(ws_ring_count(r), 10);
	assert_int_equal(ws_ring_enqueue_bulk(r, in + 10, 6), 6);
	assert_int_equal(ws_ring_count(r), 16);
	/* 16 present: a bulk of 17 must take nothing */
	assert_int_equal(ws_ring_dequeue_bulk(r, out, 17), 0);
	assert_int_equal(ws_ring_count(r), 16);
	assert_int_equal(ws_ring_dequeue_bulk(r, out, 16), 16);
	for (unsigned i = 0; i < 16; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(ws_ring_dequeue_bulk(r, out, 1), 0);
	ws_ring_free(r);
}

static void test_bulk_spsc(void **state) { (void)state; check_bulk_all_or_nothing(WS_RING_F_SP | WS_RING_F_SC); }
static void test_bulk_mpmc(void **state) { (void)state; check_bulk_all_or_nothing(0); }

/* Push odd-sized bursts through a small ring many times, so that every slot
 * offset is a wrap point at some time, and the 32-bit indices wrap too. */
static void check_wrap(uint32_t flags, uint32_t start_index)
{
	struct ws_ring *r = ws_ring_create(16, flags);
	void *in[16], *out[16];
	uintptr_t next_in = 1, next_out = 1;

	/* start near the top of the index space to cover index wrap */
	r->prod.head = r->prod.tail = r->cons.head = r->cons.tail = start_index;
	r->prod.cached_cons_tail = r->cons.cached_prod_tail = start_index;
	for (unsigned round = 0; round < 1000; round++) {
		uint32_t n = 1 + round % 13;
		uint32_t got;

		for (uint32_t i = 0; i < n; i++)
			in[i] = OBJ(next_in + i);
		uint32_t put = ws_ring_enqueue_burst(r, in, n);
		next_in += put;
		got = ws_ring_dequeue_burst(r, out, 1 + (round * 7) % 11);
		for (uint32_t i = 0; i < got; i++)
			assert_int_equal((uintptr_t)out[i], next_out++);
	}
	while (ws_ring_count(r)) {
		uint32_t got = ws_ring_dequeue_burst(r, out, 16);
		for (uint32_t i = 0; i < got; i++)
			assert_int_equal((uintptr_t)out[i], next_out++);
	}
	assert_int_equal(next_in, next_out);
	assert_true(next_in > 3000);
	ws_ring_free(r);
}

static void test_wrap_spsc(void **state) { (void)state; check_wrap(WS_RING_F_SP | WS_RING_F_SC, 0); }
static void test_wrap_mpmc(void **state) { (void)state; check_wrap(0, 0); }
static void test_index_wrap_spsc(void **state) { (void)state; check_wrap(WS_RING_F_SP | WS_RING_F_SC, UINT32_MAX - 100); }
static void test_index_wrap_mpmc(void **state) { (void)state; check_wrap(0, UINT32_MAX - 100); }

/* SP and MP calls on one ring over time (never overlapping): the SP side's
 * cached copy of the other tail must not let it overwrite unread objects
 * after MP calls moved the head, nor the SC copy read stale slots. */
static void test_mixed_sp_mp_full_ring(void **state)
{
	(void)state;
	struct ws_ring *r = ws_ring_create(8, 0);
	void *in[8], *out[8];

	for (unsigned i = 0; i < 8; i++)
		in[i] = OBJ(i + 1);
	/* SP fills its copy while the ring is empty, then MP fills the ring */
	assert_int_equal(ws_ring_sp_enqueue_burst(r, in, 1), 1);
	assert_int_equal(ws_ring_sc_dequeue_burst(r, out, 1), 1);
	assert_int_equal(ws_ring_mp_enqueue_burst(r, in, 8), 8);
	/* full: an SP enqueue must see it, whatever its cached copy says */
	assert_int_equal(ws_ring_sp_enqueue_burst(r, in, 1), 0);
	assert_int_equal(ws_ring_sp_enqueue_bulk(r, in, 1), 0);
	assert_int_equal(ws_ring_count(r), 8);
	/* MC takes half, SC must find exactly the other half in order */
	assert_int_equal(ws_ring_mc_dequeue_burst(r, out, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(ws_ring_sc_dequeue_burst(r, out, 8), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_ptr_equal(out[i], in[4 + i]);
	assert_int_equal(ws_ring_sc_dequeue_burst(r, out, 8), 0);
	/* and the other way round: SP fills, MP must see full */
	assert_int_equal(ws_ring_sp_enqueue_burst(r, in, 8), 8);
	assert_int_equal(ws_ring_mp_enqueue_burst(r, in, 1), 0);
	assert_int_equal(ws_ring_mc_dequeue_burst(r, out, 8), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(ws_ring_sc_dequeue_burst(r, out, 1), 0);
	ws_ring_free(r);
}

/* ---- threads ---- */

#define PER_PRODUCER 200000u
#define MAX_PRODUCERS 2

struct stress {
	struct ws_ring *r;
	unsigned producers;
	unsigned consumers;
	/* per consumer: count seen of each producer's objects, and order check */
	unsigned long received[MAX_PRODUCERS];
	unsigned char *seen; /* producers * PER_PRODUCER flags */
	pthread_mutex_t lock;
	unsigned done_producers;
	int order_violations;
	int duplicates;
};

struct producer_arg {
	struct stress *s;
	unsigned id;
};

/* Objects encode (producer, sequence); sequence starts at 1 so no NULL. */
static void *producer(void *argp)
{
	struct producer_arg *a = argp;
	struct ws_ring *r = a->s->r;
	uintptr_t seq = 1;
	void *burst[24];

	while (seq <= PER_PRODUCER) {
		uint32_t n = (uint32_t)(1 + seq % 23);

		if (seq + n - 1 > PER_PRODUCER)
			n = (uint32_t)(PER_PRODUCER - seq + 1);
		for (uint32_t i = 0; i < n; i++)
			burst[i] = (void *)(((uintptr_t)a->id << 32) | (seq + i));
		uint32_t put = ws_ring_enqueue_burst(r, burst, n);
		seq += put;
		if (!put)
			ws_pause();
	}
	__atomic_add_fetch(&a->s->done_producers, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *consumer(void *argp)
{
	struct stress *s = argp;
	uintptr_t last[MAX_PRODUCERS] = { 0 };
	void *burst[32];
	unsigned long local[MAX_PRODUCERS] = { 0 };
	int order_bad = 0, dup = 0;

	for (;;) {
		uint32_t got = ws_ring_dequeue_burst(s->r, burst, 1 + (uint32_t)(local[0] % 31));

		if (!got) {
			if (__atomic_load_n(&s->done_producers, __ATOMIC_ACQUIRE) == s->producers &&
			    ws_ring_count(s->r) == 0)
				break;
			ws_pause();
			continue;
		}
		for (uint32_t i = 0; i < got; i++) {
			uintptr_t v = (uintptr_t)burst[i];
			unsigned p = (unsigned)(v >> 32);
			uintptr_t seq = v & 0xffffffffu;

			if (p >= s->producers || seq == 0 || seq > PER_PRODUCER) {
				order_bad++;
				continue;
			}
			/* within one consumer, each producer's objects arrive in
			 * increasing order (they may be split across consumers) */
			if (seq <= last[p])
				order_bad++;
			last[p] = seq;
			unsigned char *flag = &s->seen[p * PER_PRODUCER + seq - 1];
			if (__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED))
				dup++;
			local[p]++;
		}
	}
	pthread_mutex_lock(&s->lock);
	for (unsigned p = 0; p < MAX_PRODUCERS; p++)
		s->received[p] += local[p];
	s->order_violations += order_bad;
	s->duplicates += dup;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void run_stress(uint32_t flags, unsigned producers, unsigned consumers)
{
	struct stress s = { 0 };
	pthread_t pt[MAX_PRODUCERS], ct[4];
	struct producer_arg pa[MAX_PRODUCERS];

	s.r = ws_ring_create(64, flags); /* small: many full/empty transitions */
	s.producers = producers;
	s.consumers = consumers;
	s.seen = calloc((size_t)producers * PER_PRODUCER, 1);
	pthread_mutex_init(&s.lock, NULL);
	assert_non_null(s.r);
	assert_non_null(s.seen);
	for (unsigned c = 0; c < consumers; c++)
		assert_int_equal(pthread_create(&ct[c], NULL, consumer, &s), 0);
	for (unsigned p = 0; p < producers; p++) {
		pa[p].s = &s;
		pa[p].id = p;
		assert_int_equal(pthread_create(&pt[p], NULL, producer, &pa[p]), 0);
	}
	for (unsigned p = 0; p < producers; p++)
		pthread_join(pt[p], NULL);
	for (unsigned c = 0; c < consumers; c++)
		pthread_join(ct[c], NULL);

	assert_int_equal(s.order_violations, 0);
	assert_int_equal(s.duplicates, 0);
	for (unsigned p = 0; p < producers; p++)
		assert_int_equal(s.received[p], PER_PRODUCER);
	for (size_t i = 0; i < (size_t)producers * PER_PRODUCER; i++)
		if (!s.seen[i])
			fail_msg("object %zu never arrived", i);
	free(s.seen);
	ws_ring_free(s.r);
}

static void test_spsc_two_threads(void **state)
{
	(void)state;
	run_stress(WS_RING_F_SP | WS_RING_F_SC, 1, 1);
}

static void test_mpmc_two_by_two(void **state)
{
	(void)state;
	run_stress(0, 2, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_full_empty_spsc),
		cmocka_unit_test(test_full_empty_mpmc),
		cmocka_unit_test(test_full_empty_spmc),
		cmocka_unit_test(test_bulk_spsc),
		cmocka_unit_test(test_bulk_mpmc),
		cmocka_unit_test(test_wrap_spsc),
		cmocka_unit_test(test_wrap_mpmc),
		cmocka_unit_test(test_index_wrap_spsc),
		cmocka_unit_test(test_index_wrap_mpmc),
		cmocka_unit_test(test_mixed_sp_mp_full_ring),
		cmocka_unit_test(test_spsc_two_threads),
		cmocka_unit_test(test_mpmc_two_by_two),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
