/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fib.h: what every part of the FIB shares: the "no route" value, the nexthop
 * id range and the plain route record that readers and generators produce and
 * that the RIB and the compiled lookup tables consume.
 *
 * Addresses are 16-byte big-endian arrays for both families (IPv4 in the
 * first 4 bytes, the rest zero) so that one route record and one RIB serve
 * both; the helpers below are control path.
 */
#ifndef WS_FIB_FIB_H
#define WS_FIB_FIB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Lookup result for "no route". Never a valid nexthop. */
#define WS_FIB_MISS 0xffffffffu

/* Nexthop ids are 0 .. WS_FIB_MAX_NEXTHOPS - 1, so an id fits 16 bits with
 * 0xffff left over for the compiled tables' own use. */
#define WS_FIB_MAX_NEXTHOPS 65535u

/* Longest prefix per family. */
#define WS_FIB_V4_BITS 32u
#define WS_FIB_V6_BITS 128u

/* One route: addr/len -> nexthop. Bits of addr past len are zero. */
struct ws_route {
	uint8_t addr[16];
	uint8_t len;
	uint32_t nexthop;
};

/* Control path: the bit at position i (0 = most significant) of addr. */
static inline unsigned ws_fib_bit(const uint8_t *addr, unsigned i)
{
	return (addr[i >> 3] >> (7 - (i & 7))) & 1u;
}

/* Control path: clear the bits of a bytes-long address past len. */
static inline void ws_fib_mask(uint8_t *addr, unsigned len, unsigned bytes)
{
	unsigned full = len >> 3;

	if (full >= bytes)
		return;
	if (len & 7)
		addr[full++] &= (uint8_t)(0xffu << (8 - (len & 7)));
	memset(addr + full, 0, bytes - full);
}

/* Control path: true if no bit of a bytes-long address past len is set. */
static inline bool ws_fib_is_canonical(const uint8_t *addr, unsigned len, unsigned bytes)
{
	unsigned full = len >> 3;

	if (full >= bytes)
		return true;
	if ((len & 7) && (addr[full++] & (uint8_t)(0xffu >> (len & 7))))
		return false;
	for (; full < bytes; full++)
		if (addr[full])
			return false;
	return true;
}

/* Control path: IPv4 host-order address into / out of the 16-byte form. */
static inline void ws_fib_v4_to_bytes(uint32_t a, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

static inline uint32_t ws_fib_v4_from_bytes(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#endif /* WS_FIB_FIB_H */
