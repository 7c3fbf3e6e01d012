/* SPDX-License-Identifier: BSD-3-Clause */
/* ring.c: ring creation (control path); the data path is inline in ring.h. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t ws_ring_memsize(uint32_t size)
{
	if (size < 2 || size > WS_RING_MAX_SIZE || (size & (size - 1)))
		return 0;
	return sizeof(struct ws_ring) + (size_t)size * sizeof(void *);
}

int ws_ring_init(struct ws_ring *r, uint32_t size, uint32_t flags)
{
	if (!ws_ring_memsize(size) || (flags & ~(WS_RING_F_SP | WS_RING_F_SC)))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->mask = size - 1;
	r->flags = flags;
	return 0;
}

struct ws_ring *ws_ring_create(uint32_t size, uint32_t flags)
{
	size_t bytes = ws_ring_memsize(size);
	struct ws_ring *r;

	if (!bytes) {
		errno = EINVAL;
		return NULL;
	}
	/* aligned_alloc wants a multiple of the alignment */
	bytes = (bytes + WS_CACHE_LINE_PAIR - 1) & ~(size_t)(WS_CACHE_LINE_PAIR - 1);
	r = aligned_alloc(WS_CACHE_LINE_PAIR, bytes);
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	if (ws_ring_init(r, size, flags) != 0) {
		free(r);
		errno = EINVAL;
		return NULL;
	}
	return r;
}

void ws_ring_free(struct ws_ring *r)
{
	free(r);
}
