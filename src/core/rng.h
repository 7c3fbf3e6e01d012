/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rng.h: splitmix64, the one seeded PRNG of the project (synthetic tables,
 * traffic sources, benchmarks, tests): small, fast, and the same sequence on
 * every machine for a given seed, so that runs reproduce. Not for anything
 * an attacker must not predict.
 */
#ifndef WS_CORE_RNG_H
#define WS_CORE_RNG_H

#include <stdint.h>

/* Next 64 random bits; advances *state. */
static inline uint64_t ws_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* WS_CORE_RNG_H */
