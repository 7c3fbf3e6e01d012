/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring.h: fixed-size lockless FIFO of pointers, in single-producer/single-
 * consumer (SPSC) and multi-producer/multi-consumer (MPMC) flavours.
 *
 * DATA-PATH CODE: every enqueue/dequeue function is static inline, takes a
 * burst, never allocates, locks or makes a syscall. Cost class: per burst
 * (one or two shared cache lines touched per call, plus the slots).
 *
 * Layout. The producer's and the consumer's indices live on separate cache-
 * line pairs, so the two sides never write the same line. Each side also
 * keeps a private copy of the other side's tail (`cached_*`) and reads the
 * shared one only when its copy says the ring is full (producer) or empty
 * (consumer): in steady streaming the SPSC ring touches no line the other
 * core writes except the slots themselves. MPMC producers share one cache
 * line among themselves, so there the cached copy would be a shared write;
 * the MP/MC paths read the other side's tail directly, as DPDK's rte_ring does.
 *
 * Indices are free-running 32-bit counters; slot = index & mask. The ring
 * holds exactly `size` objects (size a power of two, 2..2^31).
 *
 * Memory ordering (C11 atomics, which on x86 compile to plain moves plus
 * LOCK CMPXCHG for the MP/MC head claim):
 *  - a producer writes its slots, then store-releases prod.tail; a consumer
 *    load-acquires prod.tail before reading slots, so it sees the objects;
 *  - a consumer reads its slots, then store-releases cons.tail; a producer
 *    load-acquires cons.tail before overwriting slots, so it never clobbers
 *    an object still being read;
 *  - MP/MC: a thread claims [head, head+n) with a CAS on the shared head, and
 *    publishes by waiting for the tail to reach its head (earlier claimers
 *    finish first) and store-releasing tail = head+n. Per-producer FIFO order
 *    is kept; a producer preempted between claim and publish stalls the
 *    others of its side (the usual cost of this design, same as rte_ring).
 *
 * Variants: `_burst` moves as many as fit / are present (0..n); `_bulk` moves
 * all n or none. The `ws_ring_*` entry points pick SP/MP and SC/MC from the
 * ring's flags; `ws_ring_sp_*`, `_mp_*`, `_sc_*`, `_mc_*` force one.
 */
#ifndef WS_CORE_RING_H
#define WS_CORE_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

/* Flags for ws_ring_create()/ws_ring_init(). Default (0) is MPMC. */
#define WS_RING_F_SP 0x1u /* one producer thread only */
#define WS_RING_F_SC 0x2u /* one consumer thread only */

#define WS_RING_MAX_SIZE (1u << 31)

struct ws_ring_prod {
	uint32_t head;       /* next index to claim (MP: shared, CAS) */
	uint32_t tail;       /* objects below this are visible to consumers */
	uint32_t cached_cons_tail; /* SP only: last seen cons.tail */
};

struct ws_ring_cons {
	uint32_t head;
	uint32_t tail;       /* slots below this may be reused by producers */
	uint32_t cached_prod_tail; /* SC only: last seen prod.tail */
};

struct ws_ring {
	uint32_t size;
	uint32_t mask;
	uint32_t flags;
	alignas(WS_CACHE_LINE_PAIR) struct ws_ring_prod prod;
	alignas(WS_CACHE_LINE_PAIR) struct ws_ring_cons cons;
	alignas(WS_CACHE_LINE_PAIR) void *objs[];
};

/* Control path: bytes needed for a ring of `size` slots, or 0 if size is not
 * a power of two in [2, WS_RING_MAX_SIZE]. */
size_t ws_ring_memsize(uint32_t size);

/* Control path: initialise a ring in caller memory of ws_ring_memsize(size)
 * bytes, aligned to WS_CACHE_LINE_PAIR. Returns 0 or -EINVAL. */
int ws_ring_init(struct ws_ring *r, uint32_t size, uint32_t flags);

/* Control path: allocate and initialise a ring. NULL with errno = EINVAL
 * (bad size) or ENOMEM. */
struct ws_ring *ws_ring_create(uint32_t size, uint32_t flags);

/* Control path: free a ring from ws_ring_create(). NULL is ignored. */
void ws_ring_free(struct ws_ring *r);

/* Objects currently in the ring: exact when both sides are quiet, a snapshot
 * otherwise. Per call. */
static inline uint32_t ws_ring_count(const struct ws_ring *r)
{
	uint32_t prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
	uint32_t cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t count = prod_tail - cons_tail;

	return count > r->size ? r->size : count;
}

static inline uint32_t ws_ring_free_count(const struct ws_ring *r)
{
	return r->size - ws_ring_count(r);
}

/* Copy n pointers into slots starting at index idx, wrapping at the end. */
static ws_always_inline void ws_ring_copy_in(struct ws_ring *r, uint32_t idx,
					     void *const *objs, uint32_t n)
{
	uint32_t slot = idx & r->mask;
	uint32_t first = r->size - slot;
	uint32_t i;

	if (ws_likely(n <= first)) {
		for (i = 0; i + 4 <= n; i += 4) {
			r->objs[slot + i] = objs[i];
			r->objs[slot + i + 1] = objs[i + 1];
			r->objs[slot + i + 2] = objs[i + 2];
			r->objs[slot + i + 3] = objs[i + 3];
		}
		for (; i < n; i++)
			r->objs[slot + i] = objs[i];
		return;
	}
	for (i = 0; i < first; i++)
		r->objs[slot + i] = objs[i];
	for (; i < n; i++)
		r->objs[i - first] = objs[i];
}

static ws_always_inline void ws_ring_copy_out(const struct ws_ring *r, uint32_t idx,
					      void **objs, uint32_t n)
{
	uint32_t slot = idx & r->mask;
	uint32_t first = r->size - slot;
	uint32_t i;

	if (ws_likely(n <= first)) {
		for (i = 0; i + 4 <= n; i += 4) {
			objs[i] = r->objs[slot + i];
			objs[i + 1] = r->objs[slot + i + 1];
			objs[i + 2] = r->objs[slot + i + 2];
			objs[i + 3] = r->objs[slot + i + 3];
		}
		for (; i < n; i++)
			objs[i] = r->objs[slot + i];
		return;
	}
	for (i = 0; i < first; i++)
		objs[i] = r->objs[slot + i];
	for (; i < n; i++)
		objs[i] = r->objs[i - first];
}

/*
 * Data path, single producer: enqueue up to n objects (bulk: exactly n or 0).
 * Returns the number enqueued. Only one thread may call SP enqueue on a ring.
 */
static ws_always_inline uint32_t ws_ring_sp_enqueue_common(struct ws_ring *r, void *const *objs,
							   uint32_t n, bool bulk)
{
	uint32_t head = r->prod.head;
	uint32_t free_slots = r->size + r->prod.cached_cons_tail - head;

	if (ws_unlikely(free_slots < n)) {
		r->prod.cached_cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
		free_slots = r->size + r->prod.cached_cons_tail - head;
		if (free_slots < n) {
			if (bulk || free_slots == 0)
				return 0;
			n = free_slots;
		}
	}
	ws_ring_copy_in(r, head, objs, n);
	r->prod.head = head + n;
	__atomic_store_n(&r->prod.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Data path, single consumer: dequeue up to n objects (bulk: exactly n or 0). */
static ws_always_inline uint32_t ws_ring_sc_dequeue_common(struct ws_ring *r, void **objs,
							   uint32_t n, bool bulk)
{
	uint32_t head = r->cons.head;
	uint32_t avail = r->cons.cached_prod_tail - head;

	if (ws_unlikely(avail < n)) {
		r->cons.cached_prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
		avail = r->cons.cached_prod_tail - head;
		if (avail < n) {
			if (bulk || avail == 0)
				return 0;
			n = avail;
		}
	}
	ws_ring_copy_out(r, head, objs, n);
	r->cons.head = head + n;
	__atomic_store_n(&r->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Data path, many producers: claim slots with a CAS on prod.head, fill them,
 * then publish in claim order. */
static ws_always_inline uint32_t ws_ring_mp_enqueue_common(struct ws_ring *r, void *const *objs,
							   uint32_t n, bool bulk)
{
	uint32_t head = __atomic_load_n(&r->prod.head, __ATOMIC_RELAXED);
	uint32_t want = n;

	for (;;) {
		/* Acquire pairs with the consumers' release of cons.tail: slots
		 * below it have been read and may be overwritten. */
		uint32_t cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
		uint32_t free_slots = r->size + cons_tail - head;

		n = want;
		if (free_slots < n) {
			if (bulk || free_slots == 0)
				return 0;
			n = free_slots;
		}
		if (__atomic_compare_exchange_n(&r->prod.head, &head, head + n, true,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
		/* head now holds the current value; retry */
	}
	ws_ring_copy_in(r, head, objs, n);
	while (__atomic_load_n(&r->prod.tail, __ATOMIC_RELAXED) != head)
		ws_pause();
	__atomic_store_n(&r->prod.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Data path, many consumers: claim with a CAS on cons.head, copy out, then
 * release the slots in claim order. */
static ws_always_inline uint32_t ws_ring_mc_dequeue_common(struct ws_ring *r, void **objs,
							   uint32_t n, bool bulk)
{
	uint32_t head = __atomic_load_n(&r->cons.head, __ATOMIC_RELAXED);
	uint32_t want = n;

	for (;;) {
		uint32_t prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
		uint32_t avail = prod_tail - head;

		n = want;
		if (avail < n) {
			if (bulk || avail == 0)
				return 0;
			n = avail;
		}
		if (__atomic_compare_exchange_n(&r->cons.head, &head, head + n, true,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	ws_ring_copy_out(r, head, objs, n);
	while (__atomic_load_n(&r->cons.tail, __ATOMIC_RELAXED) != head)
		ws_pause();
	__atomic_store_n(&r->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Forced-variant entry points. Data path, per burst. Return objects moved. */
static inline uint32_t ws_ring_sp_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_sp_enqueue_common(r, objs, n, false); }
static inline uint32_t ws_ring_sp_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_sp_enqueue_common(r, objs, n, true); }
static inline uint32_t ws_ring_mp_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_mp_enqueue_common(r, objs, n, false); }
static inline uint32_t ws_ring_mp_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_mp_enqueue_common(r, objs, n, true); }
static inline uint32_t ws_ring_sc_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_sc_dequeue_common(r, objs, n, false); }
static inline uint32_t ws_ring_sc_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_sc_dequeue_common(r, objs, n, true); }
static inline uint32_t ws_ring_mc_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_mc_dequeue_common(r, objs, n, false); }
static inline uint32_t ws_ring_mc_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_mc_dequeue_common(r, objs, n, true); }

/*
 * Data path, per burst: enqueue as many of n objects as fit, using the
 * producer mode the ring was created with. Returns the number enqueued (0..n).
 */
static inline uint32_t ws_ring_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SP) ? ws_ring_sp_enqueue_common(r, objs, n, false)
					 : ws_ring_mp_enqueue_common(r, objs, n, false);
}

/* Data path, per burst: enqueue all n objects or none. Returns n or 0. */
static inline uint32_t ws_ring_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SP) ? ws_ring_sp_enqueue_common(r, objs, n, true)
					 : ws_ring_mp_enqueue_common(r, objs, n, true);
}

/* Data path, per burst: dequeue up to n objects. Returns the number (0..n). */
static inline uint32_t ws_ring_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SC) ? ws_ring_sc_dequeue_common(r, objs, n, false)
					 : ws_ring_mc_dequeue_common(r, objs, n, false);
}

/* Data path, per burst: dequeue exactly n objects or none. Returns n or 0. */
static inline uint32_t ws_ring_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SC) ? ws_ring_sc_dequeue_common(r, objs, n, true)
					 : ws_ring_mc_dequeue_common(r, objs, n, true);
}

/* Data path, single object convenience (a burst of one). 0 on success,
 * -ENOBUFS when full / -ENOENT when empty. */
static inline int ws_ring_enqueue(struct ws_ring *r, void *obj)
{
	return ws_ring_enqueue_bulk(r, &obj, 1) ? 0 : -ENOBUFS;
}

static inline int ws_ring_dequeue(struct ws_ring *r, void **obj)
{
	return ws_ring_dequeue_bulk(r, obj, 1) ? 0 : -ENOENT;
}

#endif /* WS_CORE_RING_H */
