/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring.h: fixed-size lockless FIFO of pointers, in single-producer/single-
 * consumer (SPSC) and multi-producer/multi-consumer (MPMC) flavours.
 *
 * DATA-PATH CODE: every enqueue/dequeue function is static inline, takes a
 * burst, never allocates, locks or makes a syscall. Cost class: per burst
 * (one or two shared cache lines touched per call, plus the slots). They are
 * always_inline, not just inline: the generic entry points contain both the
 * SP and the MP path, and gcc -O2 judged them too big and emitted a call per
 * burst (measured: +0.5 ns per object at burst 1, where rte_ring, which
 * forces inlining, paid none).
 *
 * Layout. The producer's and the consumer's indices live on separate cache-
 * line pairs, so the two sides never write the same line; each side's head
 * and tail are apart too (see struct ws_ring_prod). Each side also
 * keeps a private copy of the other side's tail (`cached_*`) and reads the
 * shared one only when its copy says the ring is full (producer) or empty
 * (consumer): in steady streaming the SPSC ring touches no line the other
 * core writes except the slots themselves. The MP/MC paths keep the same
 * copy on their head line, which their head CAS writes anyway, so it adds no
 * sharing (rte_ring reads the other side's tail on every call instead; that
 * read was the most expensive part of a two-core MPMC hand-off). A copy is
 * only ever an old value of the other tail, so it under-reports room, never
 * over-reports it; a copy so old that it reads as more than `size` (another
 * thread of the same side stored a stale one late, or calls of the other
 * flavour moved the head since) is reloaded.
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
 *  - the cached copies are stored with release and loaded with acquire, so
 *    a copy taken by another thread of the same side carries the same
 *    guarantee as a direct read of the other tail;
 *  - MP/MC: a thread claims [head, head+n) with a CAS on the shared head, and
 *    publishes by waiting (load-acquire) for the tail to reach its head
 *    (earlier claimers finish first) and store-releasing tail = head+n.
 *    Mixing SP and MP (or SC and MC) calls on one ring over time is
 *    allowed, as long as an SP call never overlaps another enqueue (nor an
 *    SC call another dequeue). Per-producer FIFO order
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

/* Each side's head (and cached copy) and its tail sit on different line
 * pairs: the other side polls only the tail, so its reads never take away
 * the line that this side's head store or head CAS needs. With head and tail
 * on one line (as in rte_ring) every MP/MC head CAS was a coherence miss
 * whenever the other core had just polled the tail. */
struct ws_ring_prod {
	uint32_t head;       /* next index to claim (MP: shared, CAS) */
	uint32_t cached_cons_tail; /* an earlier value of cons.tail */
	alignas(WS_CACHE_LINE_PAIR) uint32_t tail; /* objects below this are visible to consumers */
};

struct ws_ring_cons {
	uint32_t head;
	uint32_t cached_prod_tail; /* an earlier value of prod.tail */
	alignas(WS_CACHE_LINE_PAIR) uint32_t tail; /* slots below this may be reused by producers */
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

/*
 * Copy n pointers. Four at a time as one 32-byte block: gcc and clang turn a
 * fixed-size memcpy into 16-byte vector moves (SSE2 is in the x86_64
 * baseline), half the loads and stores of pointer-by-pointer copying with
 * 32-bit index arithmetic, which is what bounded bursts of 32 and more
 * (both sides of a one-thread round were store-bound).
 */
static ws_always_inline void ws_ring_copy_ptrs(void **dst, void *const *src, uint32_t n)
{
	/* the odd ones first: a burst of one then falls through in a few
	 * instructions instead of jumping around an unentered block loop */
	if (n & 1)
		*dst++ = *src++;
	if (n & 2) { /* two plain moves: a 16-byte one trips -Warray-bounds on 1-element callers */
		dst[0] = src[0];
		dst[1] = src[1];
		dst += 2;
		src += 2;
	}
	for (uint32_t b = n / 4; b; b--, dst += 4, src += 4)
		__builtin_memcpy(dst, src, 4 * sizeof(void *));
}

/* Copy n pointers into slots starting at index idx, wrapping at the end. */
static ws_always_inline void ws_ring_copy_in(struct ws_ring *r, uint32_t idx,
					     void *const *objs, uint32_t n)
{
	uint32_t slot = idx & r->mask;
	uint32_t first = r->size - slot;

	if (ws_likely(n <= first)) {
		ws_ring_copy_ptrs(&r->objs[slot], objs, n);
		return;
	}
	/* the burst wraps (once a lap): plain loops */
	for (uint32_t i = 0; i < first; i++)
		r->objs[slot + i] = objs[i];
	for (uint32_t i = first; i < n; i++)
		r->objs[i - first] = objs[i];
}

/* Copy n pointers out of slots starting at index idx, wrapping at the end. */
static ws_always_inline void ws_ring_copy_out(const struct ws_ring *r, uint32_t idx,
					      void **objs, uint32_t n)
{
	uint32_t slot = idx & r->mask;
	uint32_t first = r->size - slot;

	if (ws_likely(n <= first)) {
		ws_ring_copy_ptrs(objs, &r->objs[slot], n);
		return;
	}
	for (uint32_t i = 0; i < first; i++) /* wraps: see ws_ring_copy_in() */
		objs[i] = r->objs[slot + i];
	for (uint32_t i = first; i < n; i++)
		objs[i] = r->objs[i - first];
}

#ifndef WS_RING_PREFETCH_DIST
#define WS_RING_PREFETCH_DIST 256u
#endif
/*
 * SP only: for each slot line this burst entered, ask for write ownership of
 * the line WS_RING_PREFETCH_DIST slots (32 lines) further on, if the
 * consumer is done with it. When the consumer runs close behind the
 * producer (the usual state of a streaming pair: the ring is near empty),
 * every slot line the producer writes is still shared with the consumer
 * from the previous lap, and its ownership request (RFO) would otherwise
 * stall the producer's stores, once per line, on the critical path. A hint
 * only: no effect on what the ring holds. Measured (bench/ws-bench-core, two
 * threads): burst 32 about 4.3 -> 3.6 ns per object, burst 128 2.1 -> 1.85;
 * it costs about 0.4 ns per call in the one-thread shapes, where the lines
 * are in L1 anyway. Smaller bursts enter a new line only every few calls.
 */
static ws_always_inline void ws_ring_sp_prefetch(struct ws_ring *r, uint32_t head, uint32_t n,
						 uint32_t free_slots)
{
	uint32_t line = (head + 7) & ~7u; /* first slot line that starts in this burst */

	if (ws_likely(line - head >= n))
		return; /* small burst within one line: nothing new entered */
	if (free_slots - n < WS_RING_PREFETCH_DIST + 8)
		return; /* too small a ring, or too full: those lines are still being read */
	do {
		ws_prefetchw(&r->objs[(line + WS_RING_PREFETCH_DIST) & r->mask]);
		line += 8;
	} while (line - head < n);
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

	/* More than size free means the copy is older than head - size (MP
	 * calls on this ring advanced head since it was taken): reload too. */
	if (ws_unlikely(free_slots < n || free_slots > r->size)) {
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
	ws_ring_sp_prefetch(r, head, n, free_slots);
	return n;
}

/* Data path, single consumer: dequeue up to n objects (bulk: exactly n or 0). */
static ws_always_inline uint32_t ws_ring_sc_dequeue_common(struct ws_ring *r, void **objs,
							   uint32_t n, bool bulk)
{
	uint32_t head = r->cons.head;
	uint32_t avail = r->cons.cached_prod_tail - head;

	/* a copy behind head (MC calls advanced it) reads as more than size */
	if (ws_unlikely(avail < n || avail > r->size)) {
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
	bool reloaded;
	uint32_t cons_tail;

	for (;;) {
		/* The producers' copy of cons.tail lives on their head line,
		 * which every claim writes anyway, so keeping it costs no extra
		 * sharing; the consumers' tail line is read only when the copy
		 * shows too little room. A copy older than head - size (another
		 * producer stored an old value late) reads as more than size
		 * free and is reloaded as well. Acquire pairs with the
		 * consumers' release of cons.tail (directly, or through the
		 * release store of the copy): slots below it have been read and
		 * may be overwritten. */
		uint32_t free_slots;

		cons_tail = __atomic_load_n(&r->prod.cached_cons_tail, __ATOMIC_ACQUIRE);
		free_slots = r->size + cons_tail - head;
		reloaded = free_slots < want || free_slots > r->size;
		if (reloaded) {
			cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
			free_slots = r->size + cons_tail - head;
		}
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
	/* Refresh the copy after the claim rather than before it, so that the
	 * LOCK CMPXCHG does not also wait for this store to drain. Every
	 * successful claim that needed a reload stores it, so the copy never
	 * falls more than a ring's length behind head. */
	if (reloaded)
		__atomic_store_n(&r->prod.cached_cons_tail, cons_tail, __ATOMIC_RELEASE);
	ws_ring_copy_in(r, head, objs, n);
	/* Acquire, not relaxed: our release below must also publish the
	 * slots of the producers that finished before us (a plain store does
	 * not extend their release sequence). Free on x86, and what
	 * ThreadSanitizer needs to see the chain. */
	while (__atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE) != head)
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
	bool reloaded;
	uint32_t prod_tail;

	for (;;) {
		/* as for producers: the consumers' copy of prod.tail, on their
		 * head line; a copy behind head reads as more than size */
		uint32_t avail;

		prod_tail = __atomic_load_n(&r->cons.cached_prod_tail, __ATOMIC_ACQUIRE);
		avail = prod_tail - head;
		reloaded = avail < want || avail > r->size;
		if (reloaded) {
			prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
			avail = prod_tail - head;
		}
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
	if (reloaded) /* after the claim: see the producer side */
		__atomic_store_n(&r->cons.cached_prod_tail, prod_tail, __ATOMIC_RELEASE);
	ws_ring_copy_out(r, head, objs, n);
	/* acquire: see the producer side */
	while (__atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE) != head)
		ws_pause();
	__atomic_store_n(&r->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* Forced-variant entry points. Data path, per burst. Return objects moved. */
static ws_always_inline uint32_t ws_ring_sp_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_sp_enqueue_common(r, objs, n, false); }
static ws_always_inline uint32_t ws_ring_sp_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_sp_enqueue_common(r, objs, n, true); }
static ws_always_inline uint32_t ws_ring_mp_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_mp_enqueue_common(r, objs, n, false); }
static ws_always_inline uint32_t ws_ring_mp_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{ return ws_ring_mp_enqueue_common(r, objs, n, true); }
static ws_always_inline uint32_t ws_ring_sc_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_sc_dequeue_common(r, objs, n, false); }
static ws_always_inline uint32_t ws_ring_sc_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_sc_dequeue_common(r, objs, n, true); }
static ws_always_inline uint32_t ws_ring_mc_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_mc_dequeue_common(r, objs, n, false); }
static ws_always_inline uint32_t ws_ring_mc_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{ return ws_ring_mc_dequeue_common(r, objs, n, true); }

/*
 * Data path, per burst: enqueue as many of n objects as fit, using the
 * producer mode the ring was created with. Returns the number enqueued (0..n).
 */
static ws_always_inline uint32_t ws_ring_enqueue_burst(struct ws_ring *r, void *const *objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SP) ? ws_ring_sp_enqueue_common(r, objs, n, false)
					 : ws_ring_mp_enqueue_common(r, objs, n, false);
}

/* Data path, per burst: enqueue all n objects or none. Returns n or 0. */
static ws_always_inline uint32_t ws_ring_enqueue_bulk(struct ws_ring *r, void *const *objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SP) ? ws_ring_sp_enqueue_common(r, objs, n, true)
					 : ws_ring_mp_enqueue_common(r, objs, n, true);
}

/* Data path, per burst: dequeue up to n objects. Returns the number (0..n). */
static ws_always_inline uint32_t ws_ring_dequeue_burst(struct ws_ring *r, void **objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SC) ? ws_ring_sc_dequeue_common(r, objs, n, false)
					 : ws_ring_mc_dequeue_common(r, objs, n, false);
}

/* Data path, per burst: dequeue exactly n objects or none. Returns n or 0. */
static ws_always_inline uint32_t ws_ring_dequeue_bulk(struct ws_ring *r, void **objs, uint32_t n)
{
	return (r->flags & WS_RING_F_SC) ? ws_ring_sc_dequeue_common(r, objs, n, true)
					 : ws_ring_mc_dequeue_common(r, objs, n, true);
}

/* Data path, single object convenience (a burst of one). 0 on success,
 * -ENOBUFS when full / -ENOENT when empty. */
static ws_always_inline int ws_ring_enqueue(struct ws_ring *r, void *obj)
{
	return ws_ring_enqueue_bulk(r, &obj, 1) ? 0 : -ENOBUFS;
}

static ws_always_inline int ws_ring_dequeue(struct ws_ring *r, void **obj)
{
	return ws_ring_dequeue_bulk(r, obj, 1) ? 0 : -ENOENT;
}

#endif /* WS_CORE_RING_H */
