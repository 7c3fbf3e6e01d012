/* SPDX-License-Identifier: BSD-3-Clause */
/* pool.c: frame pool creation, thread caches and debug checks (control path
 * and the rare slow paths of the inline get/put in pool.h). */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"

#define HUGE_2M (2u * 1024 * 1024)

enum { FRAME_FREE = 0, FRAME_USED = 1 };

__thread int ws_pool_thread_slot WS_TLS_IE = -1;

/*
 * Every live pool is registered so that a thread that ends can flush its
 * caches into each of them; slots are handed out to threads from a bitmap.
 * All of this is control path under one mutex.
 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ws_pool *registry[64];
static uint8_t slot_used[WS_POOL_MAX_THREADS];
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

static void debug_default(const struct ws_pool *p, const void *obj, const char *problem)
{
	(void)p;
	fprintf(stderr, "wirespeed: pool: %s (frame at %p)\n", problem, obj);
	abort();
}

static ws_pool_debug_handler debug_handler = debug_default;

void ws_pool_set_debug_handler(ws_pool_debug_handler h)
{
	debug_handler = h ? h : debug_default;
}

const char *ws_pool_mem_name(enum ws_pool_mem mem)
{
	switch (mem) {
	case WS_POOL_MEM_HUGETLB:
		return "hugetlb 2M";
	case WS_POOL_MEM_THP:
		return "thp";
	case WS_POOL_MEM_NORMAL:
		return "4k";
	}
	return "?";
}

static void cache_flush(struct ws_pool *p, struct ws_pool_cache *c)
{
	if (c->len) {
		ws_ring_mp_enqueue_bulk(p->ring, c->objs, c->len);
		c->len = 0;
	}
}

/* pthread key destructor: the thread is ending; return its frames. */
static void thread_exit(void *arg)
{
	int slot = (int)(intptr_t)arg - 1;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		struct ws_pool *p = registry[i];

		if (p && p->caches[slot])
			cache_flush(p, p->caches[slot]);
	}
	slot_used[slot] = 0;
	pthread_mutex_unlock(&registry_lock);
	ws_pool_thread_slot = -1;
}

static void slot_key_create(void)
{
	if (pthread_key_create(&slot_key, thread_exit) != 0)
		abort(); /* only fails when the process is out of keys at start-up */
}

static int thread_slot_acquire(void)
{
	int slot = -1;

	pthread_once(&slot_key_once, slot_key_create);
	pthread_mutex_lock(&registry_lock);
	for (unsigned i = 0; i < WS_POOL_MAX_THREADS; i++) {
		if (!slot_used[i]) {
			slot_used[i] = 1;
			slot = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (slot < 0)
		return -1;
	/* key value slot+1 so that it is non-NULL and the destructor runs */
	pthread_setspecific(slot_key, (void *)(intptr_t)(slot + 1));
	ws_pool_thread_slot = slot;
	return slot;
}

struct ws_pool_cache *ws_pool__cache_attach(struct ws_pool *p)
{
	struct ws_pool_cache *c;
	int slot = ws_pool_thread_slot;

	if (slot < 0) {
		slot = thread_slot_acquire();
		if (slot < 0) {
			ws_log(WS_LOG_WARN, "pool", "more than %u threads: this one runs without a cache",
			       WS_POOL_MAX_THREADS);
			return NULL;
		}
	}
	if (p->caches[slot])
		return p->caches[slot];
	c = aligned_alloc(WS_CACHE_LINE, sizeof(*c));
	if (!c)
		return NULL;
	c->size = p->cache_size;
	/* as rte_mempool: flush at 1.5 x size, so a put burst after a refill
	 * rarely flushes and a get burst after a flush rarely refills */
	c->flush_thresh = p->cache_size + p->cache_size / 2;
	c->len = 0;
	pthread_mutex_lock(&registry_lock);
	p->caches[slot] = c;
	pthread_mutex_unlock(&registry_lock);
	return c;
}

int ws_pool__cache_refill(struct ws_pool *p, struct ws_pool_cache *c, uint32_t n)
{
	uint32_t need = c->size + n - c->len;

	/* Fill to `size` above what the caller wants; if the ring has less than
	 * that, take just what is missing for this request. */
	if (ws_ring_mc_dequeue_bulk(p->ring, c->objs + c->len, need) == need) {
		c->len += need;
		return 0;
	}
	need = n - c->len;
	if (ws_ring_mc_dequeue_bulk(p->ring, c->objs + c->len, need) == need) {
		c->len += need;
		return 0;
	}
	return -ENOBUFS;
}

void ws_pool_cache_flush(struct ws_pool *p)
{
	int slot = ws_pool_thread_slot;

	if (slot < 0 || !p->caches || !p->caches[slot])
		return;
	cache_flush(p, p->caches[slot]);
}

uint32_t ws_pool_avail(const struct ws_pool *p)
{
	uint32_t n = ws_ring_count(p->ring);

	if (p->caches)
		for (unsigned i = 0; i < WS_POOL_MAX_THREADS; i++)
			if (p->caches[i])
				n += p->caches[i]->len;
	return n;
}

static int thp_available(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "[never]") == NULL && buf[0] != '\0';
}

/* Map the region, best page size first; returns MAP_FAILED on failure. */
static void *region_map(size_t *size, enum ws_pool_huge huge, enum ws_pool_mem *mem)
{
	size_t huge_size = (*size + HUGE_2M - 1) & ~(size_t)(HUGE_2M - 1);
	void *addr;

	if (huge == WS_POOL_HUGE_AUTO) {
		addr = mmap(NULL, huge_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (addr != MAP_FAILED) {
			*size = huge_size;
			*mem = WS_POOL_MEM_HUGETLB;
			return addr;
		}
		if (thp_available()) {
			/* over-map by 2 MiB and trim, so the region starts on a
			 * huge-page boundary and THP can back all of it */
			size_t span = huge_size + HUGE_2M;
			uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (raw != MAP_FAILED) {
				uintptr_t start = ((uintptr_t)raw + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
				size_t head = start - (uintptr_t)raw;

				if (head)
					munmap(raw, head);
				if (span - head > huge_size)
					munmap((uint8_t *)start + huge_size, span - head - huge_size);
				if (madvise((void *)start, huge_size, MADV_HUGEPAGE) == 0) {
					*size = huge_size;
					*mem = WS_POOL_MEM_THP;
					return (void *)start;
				}
				munmap((void *)start, huge_size);
			}
		}
	}
	*mem = WS_POOL_MEM_NORMAL;
	return mmap(NULL, *size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
}

static uint32_t next_pow2(uint32_t v)
{
	uint32_t p = 2;

	while (p < v)
		p <<= 1;
	return p;
}

struct ws_pool *ws_pool_create(const struct ws_pool_config *cfg)
{
	uint32_t frame_size = cfg->frame_size ? cfg->frame_size : WS_POOL_FRAME_SIZE_DEFAULT;
	struct ws_pool *p;
	size_t size;
	unsigned reg;

	if (cfg->nb_frames == 0 || cfg->nb_frames > (1u << 30) || frame_size < 256 ||
	    frame_size > 65536 || (frame_size & (frame_size - 1)) ||
	    cfg->cache_size > WS_POOL_CACHE_MAX_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	p->frame_size = frame_size;
	p->frame_stride = frame_size + WS_POOL_FRAME_PAD;
	p->stride_recip = UINT64_MAX / p->frame_stride + 1;
	p->nb_frames = cfg->nb_frames;
	p->cache_size = cfg->cache_size;
	p->caches = calloc(WS_POOL_MAX_THREADS, sizeof(*p->caches));
	p->ring = ws_ring_create(next_pow2(cfg->nb_frames), 0);
	if (!p->caches || !p->ring)
		goto nomem;
#if WS_POOL_DEBUG
	p->debug_state = calloc(cfg->nb_frames, 1);
	if (!p->debug_state)
		goto nomem;
#endif
	size = (size_t)cfg->nb_frames * p->frame_stride;
	p->region = region_map(&size, cfg->huge, &p->mem);
	if (p->region == MAP_FAILED) {
		p->region = NULL;
		goto nomem;
	}
	p->region_size = size;

	for (uint32_t i = 0; i < cfg->nb_frames; i++) {
		void *f = ws_pool_frame(p, i);

		ws_ring_mp_enqueue_bulk(p->ring, &f, 1);
	}

	pthread_mutex_lock(&registry_lock);
	for (reg = 0; reg < sizeof(registry) / sizeof(registry[0]); reg++)
		if (!registry[reg]) {
			registry[reg] = p;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	if (reg == sizeof(registry) / sizeof(registry[0])) {
		/* Without registration a dead thread's cache could not be
		 * flushed; refuse rather than leak frames silently. */
		ws_log(WS_LOG_ERR, "pool", "too many pools (max %zu)", sizeof(registry) / sizeof(registry[0]));
		ws_pool_free(p);
		errno = ENOSPC;
		return NULL;
	}
	ws_log(WS_LOG_INFO, "pool", "%u frames x %u B = %zu KiB on %s pages%s", p->nb_frames, frame_size,
	       size >> 10, ws_pool_mem_name(p->mem),
	       p->mem == WS_POOL_MEM_HUGETLB ? "" :
	       p->mem == WS_POOL_MEM_THP ? " (no hugetlb pages reserved: set /proc/sys/vm/nr_hugepages for MAP_HUGETLB)" :
	       cfg->huge == WS_POOL_HUGE_NEVER ? " (huge pages disabled by the caller)" :
					       " (no huge pages available: expect more TLB misses)");
	return p;

nomem:
	ws_pool_free(p);
	errno = ENOMEM;
	return NULL;
}

void ws_pool_free(struct ws_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (registry[i] == p)
			registry[i] = NULL;
	pthread_mutex_unlock(&registry_lock);
	if (p->caches)
		for (unsigned i = 0; i < WS_POOL_MAX_THREADS; i++)
			free(p->caches[i]);
	free(p->caches);
	if (p->region)
		munmap(p->region, p->region_size);
	ws_ring_free(p->ring);
	free(p->debug_state);
	free(p);
}

void ws_pool__debug_get(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n)
{
	if (!p->debug_state)
		return;
	for (uint32_t i = 0; i < n; i++)
		p->debug_state[ws_pool_frame_index(p, pkts[i])] = FRAME_USED;
}

int ws_pool__debug_put(struct ws_pool *p, struct ws_pkt *const *pkts, uint32_t n)
{
	int bad = 0;

	if (!p->debug_state)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *a = (const uint8_t *)pkts[i];
		size_t off = (size_t)(a - p->region);

		if (a < p->region || off >= (size_t)p->nb_frames * p->frame_stride || off % p->frame_stride) {
			debug_handler(p, a, "put of an address that is not a frame of this pool");
			bad = 1;
		} else if (p->debug_state[off / p->frame_stride] == FRAME_FREE) {
			debug_handler(p, a, "double put: frame is already free");
			bad = 1;
		}
	}
	if (bad)
		return -EINVAL;
	/* also catches the same frame twice within one burst */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx = ws_pool_frame_index(p, pkts[i]);

		if (p->debug_state[idx] == FRAME_FREE) {
			debug_handler(p, pkts[i], "double put: frame appears twice in one put");
			for (uint32_t j = 0; j < i; j++)
				p->debug_state[ws_pool_frame_index(p, pkts[j])] = FRAME_USED;
			return -EINVAL;
		}
		p->debug_state[idx] = FRAME_FREE;
	}
	return 0;
}
