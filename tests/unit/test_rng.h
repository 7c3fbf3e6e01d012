/* SPDX-License-Identifier: BSD-3-Clause */
/* test_rng.h: the tests' seeded PRNG (splitmix64): the same sequence on
 * every machine, so a failure reproduces. Each test sets rng_state. */
#ifndef WS_TEST_RNG_H
#define WS_TEST_RNG_H

#include <stdint.h>

#include "core/rng.h"

static uint64_t rng_state = 1;

static inline uint64_t rnd(void)
{
	return ws_splitmix64(&rng_state);
}

#endif /* WS_TEST_RNG_H */
