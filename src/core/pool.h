/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pool.h: the frame pool. One memory region allocated at start, split into
 * fixed-size frames; every packet buffer of the process comes from here.
 *
 * DATA-PATH CODE for get/put (static inline below); creation is control path.
 *
 * Design (the rte_mempool shape):
 *  - free frames live in an MPMC ws_ring shared by all threads;
 *  - each thread has a private LIFO cache per pool. get/put touch only the
 *    cache (no atomic, no shared line) until it runs empty or passes its
 *    flush threshold; then one bulk ring operation moves cache_size frames.
 *    LIFO keeps the most recently freed, cache-hot frames in use;
 *  - a thread's caches are flushed back to the ring when the thread ends,
 *    so frames are never stranded in a dead thread's cache;
 *  - a frame is named by its address (struct ws_pkt *, the frame start) on
 *    the data path, and by its index or byte offset into the region where a
 *    kernel interface wants one (AF_XDP UMEM descriptors are offsets).
 *
 * Get and put are bulk: all n frames or none.
 *
 * Frames are frame_size bytes (a power of two) but lie frame_size + 64
 * bytes apart (the stride). With a power-of-two stride every frame's
 * metadata line, and its first data line, would fall in the same two sets of
 * a 4 KiB-way L1 (a 48 KiB, 12-way L1 then holds 24 of them, while a vector
 * of 256 packets needs 512): measured on the forwarding graph, 2 KiB frames
 * cost 37.9 ns per packet against 29.6 ns for 512-byte ones, 4 KiB frames
 * 61.2 ns. The extra line shifts each frame to the next set, as DPDK's
 * mempool pads objects and VPP's buffers are not a power of two. AF_XDP
 * needs its UMEM in unaligned-chunk mode for this layout.
 *
 * Region memory, best first: 2 MiB hugetlb pages (needs nr_hugepages), else
 * transparent huge pages via madvise(MADV_HUGEPAGE), else 4 KiB pages. The
 * choice is logged at creation and readable with ws_pool_mem_name().
 *
 * Debug builds (compile with -DWS_POOL_DEBUG=1, pool.c and callers alike)
 * keep a state byte per frame and report a put of a frame that is already
 * free (double put), or of an address that is not a frame of this pool.
 */
#ifndef WS_CORE_POOL_H
#define WS_CORE_POOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "pkt.h"
#include "ring.h"

#define WS_POOL_FRAME_SIZE_DEFAULT 2048u
/* Bytes between the end of one frame and the start of the next (see above). */
#define WS_POOL_FRAME_PAD 64u
#define WS_POOL_CACHE_SIZE_DEFAULT 256u
#define WS_POOL_CACHE_MAX_SIZE 512u
/* Threads that may hold a cache of the same pool at one time. */
#define WS_POOL_MAX_THREADS 128u

enum ws_pool_mem {
	WS_POOL_MEM_HUGETLB = 0, /* MAP_HUGETLB, 2 MiB pages */
	WS_POOL_MEM_THP,         /* anonymous memory with MADV_HUGEPAGE */
	WS_POOL_MEM_NORMAL,      /* 4 KiB pages */
};

enum ws_pool_huge {
	WS_POOL_HUGE_AUTO = 0, /* try hugetlb, then THP, then normal pages */
	WS_POOL_HUGE_NEVER,    /* normal pages only (tests, comparisons) */
};

struct ws_pool_config {
	uint32_t nb_frames;  /* number of frames, >= 1 */
	uint32_t frame_size; /* bytes, power of two in [256, 65536]; 0 = default */
	uint32_t cache_size; /* per-thread cache, <= WS_POOL_CACHE_MAX_SIZE; 0 = none */
	enum ws_pool_huge huge;
};

/* One thread's cache of one pool. */
struct ws_pool_cache {
	uint32_t size;        /* target fill after a refill */
	uint32_t flush_thresh;/* put beyond this flushes the cache to the ring */
	uint32_t len;         /* frames held */
	uint32_t pad;
	void *objs[2 * WS_POOL_CACHE_MAX_SIZE];
} __attribute__((aligned(WS_CACHE_LINE)));

struct ws_pool {
	uint8_t *region;            /* frame 0 starts here */
	uint32_t frame_stride;      /* frame_size + WS_POOL_FRAME_PAD: frame i starts at i * stride */
	uint64_t stride_recip;      /* ceil(2^64 / frame_stride): offset -> index by a multiply */
	uint32_t nb_frames;
	uint32_t cache_size;
	uint32_t pad;
	struct ws_ring *ring;       /* the shared free list (MPMC) */
	struct ws_pool_cache **caches; /* [WS_POOL_MAX_THREADS], allocated lazily */
	uint8_t *debug_state;       /* per-frame state, debug builds only */
	size_t region_size;         /* bytes mapped */
	enum ws_pool_mem mem;
	uint32_t frame_size;
};

/* Index of the calling thread among threads that use pools, -1 before first
 * use. Assigned by the slow path and released when the thread ends.
 * Initial-exec TLS: the core is built position-independent (a static
 * library with -fPIC), where the default model for an extern __thread is
 * general-dynamic, a __tls_get_addr() call on every get and put (measured:
 * about 0.5 ns per get+put at burst 1). Initial-exec is one %fs-relative
 * load; it holds for executables and for libraries loaded at start. */
#define WS_TLS_IE __attribute__((tls_model("initial-exec")))
extern __thread int ws_pool_thread_slot WS_TLS_IE;

/*
 * Control path: create a pool. Returns NULL and sets errno: EINVAL for a bad
 * config (zero frames, frame size not a power of two in range, cache too
 * large), ENOMEM when the region or the ring cannot be allocated.
 */
struct ws_pool *ws_pool_create(const struct ws_pool_config *cfg);

/* Control path: free the pool, its region and every thread's cache of it. All
 * frames must be back (not checked). No thread may use the pool afterwards. */
void ws_pool_free(struct ws_pool *p);

/* Control path: "hugetlb 2M", "thp", or "4k". */
const char *ws_pool_mem_name(enum ws_pool_mem mem);

/* Control path: frames free in the ring plus those in all thread caches. Exact
 * only when no thread is using the pool. */
uint32_t ws_pool_avail(const struct ws_pool *p);

/* Control path: give the calling thread's cache of this pool back to the
 * ring (a worker calls this before it parks, so its frames stay usable). */
void ws_pool_cache_flush(struct ws_pool *p);

/* Slow paths of the inline functions below (not for direct use). */
struct ws_pool_cache *ws_pool__cache_attach(struct ws_pool *p);
int ws_pool__cache_refill(struct ws_pool *p, struct ws_pool_cache *c, uint32_t n);
void ws_pool__debug_get(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n);
int ws_pool__debug_put(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n);

/* Debug builds: called for each bad put with a one-line description. The
 * default prints it and aborts; tests install one that records it. When the
 * handler returns, the offending put is not carried out. */
typedef void (*ws_pool_debug_handler)(const struct ws_pool *p, const void *obj, const char *problem);
void ws_pool_set_debug_handler(ws_pool_debug_handler h);

/* Data path, per frame: address of frame idx. idx < nb_frames. */
static ws_always_inline struct ws_pkt *ws_pool_frame(const struct ws_pool *p, uint32_t idx)
{
	return (struct ws_pkt *)(p->region + (size_t)idx * p->frame_stride);
}

/* Data path, per frame: index of the frame that holds the byte at pkt (its
 * start, or any address inside it). A multiply by the stride's reciprocal,
 * not a division: floor(off * ceil(2^64 / stride) / 2^64) is off / stride
 * for every offset below 2^64 / stride^2 (2^41 bytes for 2 KiB frames, far
 * above any region). */
static ws_always_inline uint32_t ws_pool_frame_index(const struct ws_pool *p, const struct ws_pkt *pkt)
{
	uint64_t off = (uint64_t)((const uint8_t *)pkt - p->region);

	return (uint32_t)(((unsigned __int128)off * p->stride_recip) >> 64);
}

/* Data path, per frame: byte offset of the frame in the region (UMEM address). */
static ws_always_inline uint64_t ws_pool_frame_offset(const struct ws_pool *p, const struct ws_pkt *pkt)
{
	return (uint64_t)((const uint8_t *)pkt - p->region);
}

/*
 * Data path, per burst: take n frames without the thread cache (one MPMC
 * ring operation, a CAS on a shared line). Returns 0, or -ENOBUFS when fewer
 * than n are free (nothing taken).
 */
static inline int ws_pool_get_bulk_nocache(struct ws_pool *p, struct ws_pkt **pkts, uint32_t n)
{
	if (ws_unlikely(ws_ring_mc_dequeue_bulk(p->ring, (void **)pkts, n) != n))
		return -ENOBUFS;
#if WS_POOL_DEBUG
	ws_pool__debug_get(p, pkts, n);
#endif
	return 0;
}

/* Data path, per burst: return n frames without the thread cache. */
static inline void ws_pool_put_bulk_nocache(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n)
{
#if WS_POOL_DEBUG
	if (ws_pool__debug_put(p, pkts, n) != 0)
		return;
#endif
	/* The ring holds every frame, so the put always fits. */
	ws_ring_mp_enqueue_bulk(p->ring, (void *const *)pkts, n);
}

/* The calling thread's cache of p, or NULL when the pool has none. */
static ws_always_inline struct ws_pool_cache *ws_pool_thread_cache(struct ws_pool *p)
{
	int slot = ws_pool_thread_slot;
	struct ws_pool_cache *c;

	if (ws_unlikely(p->cache_size == 0))
		return NULL;
	if (ws_unlikely(slot < 0))
		return ws_pool__cache_attach(p);
	c = p->caches[slot];
	if (ws_unlikely(c == NULL))
		return ws_pool__cache_attach(p);
	return c;
}

/*
 * Copy n pointers from below `top` downwards: dst[i] = top[-1 - i], so the
 * most recently freed frame comes first (the cache is a LIFO). Two pointers
 * per 16-byte move with the halves swapped (SSE2, in the x86_64 baseline):
 * half the memory operations of copying pointer by pointer, as
 * ws_ring_copy_ptrs() does for the forward direction.
 */
static ws_always_inline void ws_pool_copy_rev(void **dst, void *const *top, uint32_t n)
{
	/* odd ones first, as in ws_ring_copy_ptrs(): short for a burst of one */
	if (n & 1)
		*dst++ = *--top;
	if (n & 2) {
		dst[0] = top[-1];
		dst[1] = top[-2];
		dst += 2;
		top -= 2;
	}
	for (uint32_t b = n / 4; b; b--, dst += 4) {
		__m128i hi, lo;

		top -= 4;
		hi = _mm_loadu_si128((const __m128i *)(top + 2));
		lo = _mm_loadu_si128((const __m128i *)top);
		_mm_storeu_si128((__m128i *)dst, _mm_shuffle_epi32(hi, 0x4e));
		_mm_storeu_si128((__m128i *)(dst + 2), _mm_shuffle_epi32(lo, 0x4e));
	}
}

/*
 * Data path, per burst: take n frames, from the thread's cache when it can
 * (no shared write), refilling it from the ring in one bulk move otherwise.
 * Returns 0, or -ENOBUFS when the pool cannot supply all n (nothing taken).
 * Frame contents are as the last user left them.
 */
static inline int ws_pool_get_bulk(struct ws_pool *p, struct ws_pkt **pkts, uint32_t n)
{
	struct ws_pool_cache *c = ws_pool_thread_cache(p);
	uint32_t len;

	if (ws_unlikely(c == NULL || n > c->size))
		return ws_pool_get_bulk_nocache(p, pkts, n);
	if (ws_unlikely(c->len < n) && ws_pool__cache_refill(p, c, n) != 0)
		return -ENOBUFS;
	len = c->len;
	ws_pool_copy_rev((void **)pkts, &c->objs[len], n);
	c->len = len - n;
#if WS_POOL_DEBUG
	ws_pool__debug_get(p, pkts, n);
#endif
	return 0;
}

/*
 * Data path, per burst: return n frames to the thread's cache; past the flush
 * threshold the cache is first emptied into the ring in one bulk move.
 */
static inline void ws_pool_put_bulk(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n)
{
	struct ws_pool_cache *c = ws_pool_thread_cache(p);
	uint32_t len;

	if (ws_unlikely(c == NULL || n > c->size)) {
		ws_pool_put_bulk_nocache(p, pkts, n);
		return;
	}
#if WS_POOL_DEBUG
	if (ws_pool__debug_put(p, pkts, n) != 0)
		return;
#endif
	len = c->len;
	if (ws_unlikely(len + n > c->flush_thresh)) {
		ws_ring_mp_enqueue_bulk(p->ring, c->objs, len);
		len = 0;
	}
	ws_ring_copy_ptrs(&c->objs[len], (void *const *)pkts, n);
	c->len = len + n;
}

/* Data path, single frame: NULL when the pool is empty. */
static inline struct ws_pkt *ws_pool_get(struct ws_pool *p)
{
	struct ws_pkt *pkt;

	return ws_pool_get_bulk(p, &pkt, 1) == 0 ? pkt : NULL;
}

static inline void ws_pool_put(struct ws_pool *p, struct ws_pkt *pkt)
{
	ws_pool_put_bulk(p, &pkt, 1);
}

#endif /* WS_CORE_POOL_H */
