/* SPDX-License-Identifier: BSD-3-Clause */
/* test_rng.h: the tests' seeded PRNG (splitmix64): the same sequence on
 * every machine, so a failure reproduces. Each test sets rng_state. */
#ifndef WS_TEST_RNG_H
#define WS_TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state = 1;

static inline uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* WS_TEST_RNG_H */
