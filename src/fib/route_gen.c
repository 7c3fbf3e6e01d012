/* SPDX-License-Identifier: BSD-3-Clause */
/* route_gen.c: synthetic route tables (route_gen.h). */
#include "fib/route_gen.h"
#include "core/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Prefix-length histograms of the gaissmai Tier1 tables (README.md of the
 * shared data): { length, count }. */
static const unsigned hist_v4[][2] = {
	{ 8, 16 },      { 9, 13 },      { 10, 38 },     { 11, 103 },    { 12, 299 },
	{ 13, 581 },    { 14, 1203 },   { 15, 2100 },   { 16, 13490 },  { 17, 8235 },
	{ 18, 13798 },  { 19, 24870 },  { 20, 42611 },  { 21, 50750 },  { 22, 108623 },
	{ 23, 96510 },  { 24, 537698 }, { 25, 20 },     { 26, 3 },      { 27, 11 },
	{ 28, 18 },     { 29, 17 },     { 30, 3 },      { 31, 3 },      { 32, 886 },
};

static const unsigned hist_v6[][2] = {
	{ 16, 1 },      { 19, 1 },      { 20, 16 },     { 21, 3 },      { 22, 7 },
	{ 23, 8 },      { 24, 30 },     { 25, 8 },      { 26, 15 },     { 27, 20 },
	{ 28, 193 },    { 29, 4371 },   { 30, 650 },    { 31, 284 },    { 32, 22548 },
	{ 33, 2926 },   { 34, 2603 },   { 35, 1043 },   { 36, 5996 },   { 37, 880 },
	{ 38, 1617 },   { 39, 1377 },   { 40, 13418 },  { 41, 903 },    { 42, 2301 },
	{ 43, 1001 },   { 44, 14365 },  { 45, 1553 },   { 46, 3039 },   { 47, 3153 },
	{ 48, 75488 },  { 49, 11 },     { 50, 3 },      { 52, 1 },      { 55, 1 },
	{ 56, 24 },     { 58, 20 },     { 60, 2 },      { 64, 184 },    { 112, 2 },
	{ 122, 1 },     { 124, 4 },     { 125, 9 },     { 126, 19 },    { 127, 42 },
	{ 128, 6 },
};

/* Uniform in [0, n) (splitmix64, core/rng.h: integer arithmetic alone, so a
 * seed gives the same table anywhere), without modulo bias worth speaking of (n <= 2^32). */
static inline uint32_t rnd_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((ws_splitmix64(s) >> 32) * (uint64_t)n) >> 32);
}

void ws_route_gen_histogram(int family, unsigned n, unsigned counts[129])
{
	const unsigned (*h)[2] = family == AF_INET6 ? hist_v6 : hist_v4;
	size_t nh = family == AF_INET6 ? sizeof(hist_v6) / sizeof(hist_v6[0])
				       : sizeof(hist_v4) / sizeof(hist_v4[0]);
	uint64_t total = 0, given = 0, rem[129] = { 0 };

	memset(counts, 0, 129 * sizeof(counts[0]));
	for (size_t i = 0; i < nh; i++)
		total += h[i][1];
	for (size_t i = 0; i < nh; i++) {
		uint64_t x = (uint64_t)n * h[i][1];

		counts[h[i][0]] = (unsigned)(x / total);
		rem[h[i][0]] = x % total;
		given += x / total;
	}
	/* Largest remainders get the leftover units; ties to the shorter length,
	 * so the result is one fixed answer. */
	while (given < n) {
		unsigned best = 0;

		for (unsigned l = 1; l <= 128; l++)
			if (rem[l] > rem[best])
				best = l;
		counts[best]++;
		rem[best] = 0;
		given++;
	}
}

/* Open-addressing set of the prefixes made so far: index + 1 in the low
 * half of a slot, the hash's upper half in the high half, so that a probe
 * reads a route only when the hash matches. */
struct seen {
	uint64_t *slots;
	size_t mask;
};

static inline uint64_t prefix_hash(const struct ws_route *r)
{
	uint64_t a, b, h;

	memcpy(&a, r->addr, 8);
	memcpy(&b, r->addr + 8, 8);
	h = (a ^ (b * 0xc2b2ae3d27d4eb4full) ^ r->len) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 31;
}

/* Insert arr[idx] unless its prefix is there; true if it was new. */
static bool seen_add(struct seen *s, const struct ws_route *arr, uint32_t idx)
{
	const struct ws_route *r = &arr[idx];
	uint64_t h = prefix_hash(r), tag = h >> 32 << 32;
	size_t i = h & s->mask;

	while (s->slots[i]) {
		const struct ws_route *o = &arr[(uint32_t)s->slots[i] - 1];

		if ((s->slots[i] >> 32 << 32) == tag && o->len == r->len &&
		    !memcmp(o->addr, r->addr, 16))
			return false;
		i = (i + 1) & s->mask;
	}
	s->slots[i] = tag | ((uint64_t)idx + 1);
	return true;
}

/* Real IPv6 tables hold global unicast only: 2000::/3, the top 3 bits 001. */
#define V6_TOP_BITS 3

static int gen_family(int family, unsigned n, uint64_t seed, struct ws_route_list *out)
{
	unsigned counts[129], maxlen = family == AF_INET ? 32 : 128;
	struct ws_route *arr;
	struct seen s;
	size_t nslots = 1;
	uint32_t made = 0;

	if (n == 0)
		return 0;
	ws_route_gen_histogram(family, n, counts);
	/* A length holds 2^len prefixes; fill at most half of it so that drawing
	 * until unique stays cheap, and pass the rest one length down. */
	for (unsigned l = 0; l < maxlen; l++) {
		/* IPv6 prefixes of 3 bits or more stay inside 2000::/3 */
		unsigned free_bits = family == AF_INET6 && l >= V6_TOP_BITS ? l - V6_TOP_BITS : l;
		uint64_t cap = free_bits >= 40 ? UINT64_MAX : ((1ull << free_bits) / 2 ? (1ull << free_bits) / 2 : 1);

		if (counts[l] > cap) {
			counts[l + 1] += counts[l] - (unsigned)cap;
			counts[l] = (unsigned)cap;
		}
	}
	while (nslots < 2 * (size_t)n)
		nslots <<= 1;
	arr = malloc((size_t)n * sizeof(*arr));
	s.slots = calloc(nslots, sizeof(*s.slots));
	s.mask = nslots - 1;
	if (!arr || !s.slots) {
		free(arr);
		free(s.slots);
		return -ENOMEM;
	}
	for (unsigned l = 0; l <= maxlen; l++) {
		for (unsigned k = 0; k < counts[l];) {
			struct ws_route *r = &arr[made];
			uint64_t w0 = ws_splitmix64(&seed), w1 = ws_splitmix64(&seed);

			memset(r, 0, sizeof(*r));
			for (unsigned b = 0; b < 8; b++) {
				r->addr[b] = (uint8_t)(w0 >> (56 - 8 * b));
				r->addr[8 + b] = (uint8_t)(w1 >> (56 - 8 * b));
			}
			if (family == AF_INET6 && l >= V6_TOP_BITS) /* global unicast, 2000::/3 */
				r->addr[0] = (uint8_t)((r->addr[0] & 0x1f) | 0x20);
			ws_fib_mask(r->addr, l, 16);
			r->len = (uint8_t)l;
			r->nexthop = rnd_below(&seed, WS_ROUTE_GEN_NEXTHOPS);
			if (seen_add(&s, arr, made)) {
				made++;
				k++;
			}
		}
	}
	free(s.slots);
	/* Fisher-Yates: random order, so that no length or region comes first. */
	for (uint32_t i = made; i > 1; i--) {
		uint32_t j = rnd_below(&seed, i);
		struct ws_route t = arr[i - 1];

		arr[i - 1] = arr[j];
		arr[j] = t;
	}
	if (family == AF_INET) {
		out->v4 = arr;
		out->n_v4 = out->cap_v4 = made;
	} else {
		out->v6 = arr;
		out->n_v6 = out->cap_v6 = made;
	}
	return 0;
}

int ws_route_gen(unsigned n_v4, unsigned n_v6, uint64_t seed, struct ws_route_list *out)
{
	int rc;

	if (n_v4 > WS_ROUTE_GEN_MAX || n_v6 > WS_ROUTE_GEN_MAX)
		return -EINVAL;
	ws_route_list_free(out);
	/* Separate streams per family, so one family's table does not change
	 * with the other's size. */
	rc = gen_family(AF_INET, n_v4, seed ^ 0x3434343434343434ull, out);
	if (!rc)
		rc = gen_family(AF_INET6, n_v6, seed ^ 0x6666666666666666ull, out);
	if (rc)
		ws_route_list_free(out);
	return rc;
}
