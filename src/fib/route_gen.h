/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_gen.h: synthetic route tables for benchmarks and tests.
 *
 * The prefix-length mix is the real one: the histograms of the gaissmai Tier1
 * tables (901,899 IPv4, 160,147 IPv6 prefixes; /work/shared/data/README.md)
 * scaled to the size asked for. IPv4 prefixes are random over the whole
 * address space (nothing is avoided: this feeds lookup benchmarks); IPv6
 * ones (all /3 or longer in the real mix) random inside 2000::/3, the global
 * unicast space where every real IPv6 route is. Canonical and
 * unique, in random order (so an insert sees no helpful locality); nexthops
 * are random ids 0 .. WS_ROUTE_GEN_NEXTHOPS - 1. The same seed gives the same
 * table on every machine (own PRNG, integer arithmetic only), and the IPv4
 * table does not depend on n_v6 nor the IPv6 one on n_v4.
 */
#ifndef WS_FIB_ROUTE_GEN_H
#define WS_FIB_ROUTE_GEN_H

#include <stdint.h>

#include "fib/route_file.h"

#define WS_ROUTE_GEN_NEXTHOPS 256u
#define WS_ROUTE_GEN_MAX (1u << 28)

/* Control path: fill out (which must be empty) with n_v4 IPv4 and n_v6 IPv6
 * routes. 0, -ENOMEM, or -EINVAL if n_v4 or n_v6 is over WS_ROUTE_GEN_MAX.
 * Where a length cannot hold its share (the IPv4 /16s of a 10M table), at
 * most half its prefixes are used and the rest move to the next length. */
int ws_route_gen(unsigned n_v4, unsigned n_v6, uint64_t seed, struct ws_route_list *out);

/* Control path: how many prefixes of each length (0..128) a table of n routes
 * of this family gets: the real histogram scaled to n (largest remainders, so
 * the counts add up to n exactly). counts has 129 entries. */
void ws_route_gen_histogram(int family, unsigned n, unsigned counts[129]);

#endif /* WS_FIB_ROUTE_GEN_H */
