/* SPDX-License-Identifier: BSD-3-Clause */
/* net/checksum.h against published vectors (RFC 1071, RFC 1624, a real IPv4
 * header) and against a byte-at-a-time reference written here from the RFCs,
 * on random data: full sums at every length and alignment, incremental
 * updates (TTL decrement included) against full recomputation, and the
 * UDP/TCP pseudo-header checksums over IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/checksum.h"
#include "net/net.h"

#include "test_rng.h"

/* Reference: big-endian 16-bit words, odd byte padded, folded at the end;
 * returns the ones'-complement sum (not complemented) in host order. */
static uint16_t ref_sum(const uint8_t *b, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Reference checksum in host order: the complement of the sum. */
static uint16_t ref_csum(const uint8_t *b, size_t len)
{
	return (uint16_t)~ref_sum(b, len);
}

static void fill_random(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rnd();
}

static void test_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3: these bytes sum to ddf2 */
	static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	assert_int_equal(ws_ntoh16((uint16_t)~ws_csum_fold(ws_csum_partial(v, sizeof(v), 0))), 0xddf2);
	assert_int_equal(ws_ntoh16(ws_csum_fold(ws_csum_partial(v, sizeof(v), 0))), 0x220d);
	/* in two even pieces */
	assert_int_equal(ws_csum_fold(ws_csum_partial(v + 4, 4, ws_csum_partial(v, 4, 0))),
			 ws_csum_fold(ws_csum_partial(v, 8, 0)));
	/* odd length: the last byte is the high byte of a padded word */
	assert_int_equal(ws_ntoh16((uint16_t)~ws_csum_fold(ws_csum_partial(v, 7, 0))), ref_sum(v, 7));
	assert_int_equal(ws_ntoh16((uint16_t)~ws_csum_fold(ws_csum_partial(v, 1, 0))), 0x0000);
	assert_int_equal(ws_ntoh16((uint16_t)~ws_csum_fold(ws_csum_partial(v + 2, 1, 0))), 0xf200);
	/* empty buffer: sum 0, checksum ffff */
	assert_int_equal(ws_csum_fold(ws_csum_partial(v, 0, 0)), 0xffff);
}

static void test_partial_matches_reference(void **state)
{
	(void)state;
	uint8_t buf[1600 + 8];

	rng_state = 1071;
	for (size_t len = 0; len <= 1600; len += (len < 80 ? 1 : 37)) {
		for (size_t align = 0; align < 8; align++) {
			uint8_t *b = buf + align;

			fill_random(b, len);
			if (ws_ntoh16(ws_csum_fold(ws_csum_partial(b, len, 0))) != ref_csum(b, len))
				fail_msg("len %zu align %zu", len, align);
		}
	}
	/* all-ones data: the carries that wrap round every word */
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len <= 64; len++)
		assert_int_equal(ws_ntoh16(ws_csum_fold(ws_csum_partial(buf, len, 0))), ref_csum(buf, len));
	/* a long chain of even pieces equals the whole */
	fill_random(buf, 1600);
	uint32_t s = 0;
	for (size_t off = 0; off < 1600; off += 2 * (1 + (off % 7)))
		s = ws_csum_partial(buf + off, 1600 - off < 2 * (1 + (off % 7)) ? 1600 - off : 2 * (1 + (off % 7)), s);
	assert_int_equal(ws_ntoh16(ws_csum_fold(s)), ref_csum(buf, 1600));
}

/* A captured header: 192.168.0.1 -> 192.168.0.199, UDP, TTL 64, csum b861. */
static const uint8_t known_ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

static void test_ipv4_known_header(void **state)
{
	(void)state;
	/* 60 bytes: a flipped IHL bit makes the header claim up to 60 */
	uint8_t h[60] = {0};
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;

	memcpy(h, known_ip, sizeof(known_ip));
	assert_int_equal(ws_ntoh16(ip->csum), 0xb861);
	assert_int_equal(ws_ipv4_hdr_csum(ip), ip->csum);
	assert_true(ws_ipv4_hdr_csum_ok(ip));
	/* the stored field does not matter to the computation */
	ip->csum = 0x1234;
	assert_int_equal(ws_ntoh16(ws_ipv4_hdr_csum(ip)), 0xb861);
	assert_false(ws_ipv4_hdr_csum_ok(ip));
	/* any single flipped bit is caught */
	for (unsigned bit = 0; bit < 160; bit++) {
		memcpy(h, known_ip, sizeof(known_ip));
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (ws_ipv4_hdr_len(ip) < WS_IPV4_HDR_LEN)
			continue; /* callers check IHL >= 5 first */
		if (ws_ipv4_hdr_csum_ok(ip))
			fail_msg("bit %u flipped, checksum still good", bit);
	}
	/* TTL decrement of the same header: 64 -> 63 adds 0x0100 to the checksum */
	memcpy(h, known_ip, sizeof(known_ip));
	assert_int_equal(ws_ipv4_ttl_dec(ip), 63);
	assert_int_equal(ws_ntoh16(ip->csum), 0xb961);
	assert_true(ws_ipv4_hdr_csum_ok(ip));
}

/* Random valid header of ihl words (5..15), checksum filled in by reference. */
static void random_ipv4(uint8_t *h, unsigned ihl)
{
	fill_random(h, ihl * 4);
	h[0] = (uint8_t)(0x40 | ihl);
	h[10] = h[11] = 0;
	uint16_t c = ref_csum(h, ihl * 4);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}

static void test_ipv4_hdr_csum_random(void **state)
{
	(void)state;
	uint8_t h[60];
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;

	rng_state = 791;
	for (int i = 0; i < 20000; i++) {
		unsigned ihl = 5 + (unsigned)(rnd() % 11);

		random_ipv4(h, ihl);
		assert_true(ws_ipv4_hdr_csum_ok(ip));
		uint16_t stored = ip->csum;
		ip->csum = (uint16_t)rnd();
		assert_int_equal(ws_ipv4_hdr_csum(ip), stored);
	}
}

/* The RFC 1624 section 3 example, where RFC 1141's form gives -0. */
static void test_rfc1624_example(void **state)
{
	(void)state;
	uint16_t hc = ws_hton16(0xdd2f), m = ws_hton16(0x5555), m2 = ws_hton16(0x3285);
	/* RFC 1141: HC' = HC + m + ~m' in ones' complement, the -0 answer */
	uint32_t s1141 = 0xdd2fu + 0x5555u + (uint16_t)~0x3285u;

	while (s1141 >> 16)
		s1141 = (s1141 & 0xffff) + (s1141 >> 16);
	assert_int_equal(s1141, 0xffff);
	assert_int_equal(ws_csum_update16(hc, m, m2), 0x0000);
}

/* Set 16-bit word `word` of the header (ihl words, checksum in word 5
 * recomputed) to the value that makes the checksum come out 0x0000: the other
 * words must then sum to 0xffff, -0. */
static void steer_to_zero(uint8_t *h, unsigned ihl, unsigned word)
{
	uint16_t v;

	h[10] = h[11] = 0;
	h[word * 2] = h[word * 2 + 1] = 0;
	v = (uint16_t)~ref_sum(h, ihl * 4);
	h[word * 2] = (uint8_t)(v >> 8);
	h[word * 2 + 1] = (uint8_t)v;
	v = ref_csum(h, ihl * 4);
	h[10] = (uint8_t)(v >> 8);
	h[11] = (uint8_t)v;
}

/* Update a random 16-bit word (not the checksum, not version/IHL) of a random
 * header, and decrement the TTL, each against full recomputation. Some
 * headers are steered onto the edge cases: a checksum of 0x0000 before the
 * change, or after it (where RFC 1141's form would give 0xffff). */
static void test_incremental_matches_full(void **state)
{
	(void)state;
	uint8_t h[60], orig[60];
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;
	unsigned zero_before = 0, zero_after = 0, ttl_zero_after = 0;

	rng_state = 1624;
	for (int i = 0; i < 200000; i++) {
		unsigned ihl = 5 + (unsigned)(rnd() % 11), word = 1 + (unsigned)(rnd() % (ihl * 2 - 2));
		uint16_t old_w, new_w, inc, full;

		word += word >= 5; /* skip the checksum word */
		random_ipv4(h, ihl);
		if (i % 4 == 1)
			steer_to_zero(h, ihl, word == 2 ? 3 : 2);
		zero_before += ip->csum == 0;
		memcpy(orig, h, sizeof(h));

		memcpy(&old_w, h + word * 2, 2);
		if (i % 4 == 2) {
			steer_to_zero(h, ihl, word);
			memcpy(&new_w, h + word * 2, 2);
			memcpy(h, orig, sizeof(h));
		} else {
			new_w = (uint16_t)rnd();
		}
		memcpy(h + word * 2, &new_w, 2);
		inc = ws_csum_update16(ip->csum, old_w, new_w);
		full = ws_ipv4_hdr_csum(ip);
		if (inc != full)
			fail_msg("word %u %04x -> %04x: csum %04x, incremental %04x, full %04x", word, ws_ntoh16(old_w),
				 ws_ntoh16(new_w), ws_ntoh16(ip->csum), ws_ntoh16(inc), ws_ntoh16(full));
		zero_after += full == 0;

		/* TTL decrement (1..255; 0 would wrap, the forwarder never gets there),
		 * from the original header or one steered to a checksum of 0
		 * after the decrement */
		memcpy(h, orig, sizeof(h));
		ip->ttl = (uint8_t)(1 + rnd() % 255);
		if (i % 4 == 3) {
			ip->ttl--;
			steer_to_zero(h, ihl, 2);
			ip->ttl++;
		}
		ip->csum = 0;
		ip->csum = ws_hton16(ref_csum(h, ihl * 4));

		uint8_t ttl = ip->ttl;
		assert_int_equal(ws_ipv4_ttl_dec(ip), (uint8_t)(ttl - 1));
		if (!ws_ipv4_hdr_csum_ok(ip) || ip->csum != ws_ipv4_hdr_csum(ip))
			fail_msg("ttl %u: incremental %04x, full %04x", ttl, ws_ntoh16(ip->csum),
				 ws_ntoh16(ws_ipv4_hdr_csum(ip)));
		ttl_zero_after += ip->csum == 0;
	}
	/* the steering must have produced the edge cases */
	assert_true(zero_before > 10000);
	assert_true(zero_after > 10000);
	assert_true(ttl_zero_after > 10000);
}

/* A 32-bit field (an address) rewritten, against recomputation. */
static void test_update32(void **state)
{
	(void)state;
	uint8_t h[20];
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;

	rng_state = 3022;
	for (int i = 0; i < 50000; i++) {
		random_ipv4(h, 5);
		uint32_t old_a = ip->src, new_a = (uint32_t)rnd();
		uint16_t c = ip->csum;

		ip->src = new_a;
		assert_int_equal(ws_csum_update32(c, old_a, new_a), ws_ipv4_hdr_csum(ip));
	}
}

/* Reference L4 checksum: the pseudo-header laid out in bytes, then the segment. */
static uint16_t ref_l4_v4(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *seg, size_t len)
{
	uint8_t buf[12 + 2048];

	memcpy(buf, src, 4);
	memcpy(buf + 4, dst, 4);
	buf[8] = 0;
	buf[9] = proto;
	buf[10] = (uint8_t)(len >> 8);
	buf[11] = (uint8_t)len;
	memcpy(buf + 12, seg, len);
	return ref_csum(buf, 12 + len);
}

static uint16_t ref_l4_v6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *seg, size_t len)
{
	uint8_t buf[40 + 2048];

	memcpy(buf, src, 16);
	memcpy(buf + 16, dst, 16);
	buf[32] = (uint8_t)(len >> 24);
	buf[33] = (uint8_t)(len >> 16);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = proto;
	memcpy(buf + 40, seg, len);
	return ref_csum(buf, 40 + len);
}

static void test_l4_ipv4(void **state)
{
	(void)state;
	uint8_t h[20], seg[2048];
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;
	static const uint8_t protos[] = {WS_IPPROTO_UDP, WS_IPPROTO_TCP};

	rng_state = 768;
	for (int i = 0; i < 5000; i++) {
		uint8_t proto = protos[i & 1];
		size_t len = (proto == WS_IPPROTO_UDP ? 8 : 20) + rnd() % 1500;
		size_t coff = proto == WS_IPPROTO_UDP ? 6 : 16;

		random_ipv4(h, 5);
		ip->proto = proto;
		fill_random(seg, len);
		seg[coff] = seg[coff + 1] = 0;
		uint16_t c = ws_ipv4_l4_csum(ip, seg, len);
		assert_int_equal(ws_ntoh16(c), ref_l4_v4(h + 12, h + 16, proto, seg, len));
		/* stored, the segment verifies as 0 */
		memcpy(seg + coff, &c, 2);
		assert_int_equal(ws_ipv4_l4_csum(ip, seg, len), 0);
		/* a corrupted payload byte does not */
		seg[len - 1] ^= 0x40;
		assert_int_not_equal(ws_ipv4_l4_csum(ip, seg, len), 0);
	}
}

static void test_l4_ipv6(void **state)
{
	(void)state;
	uint8_t h[40], seg[2048];
	struct ws_ipv6_hdr *ip6 = (struct ws_ipv6_hdr *)h;
	static const uint8_t protos[] = {WS_IPPROTO_UDP, WS_IPPROTO_TCP, WS_IPPROTO_ICMPV6};

	rng_state = 8200;
	for (int i = 0; i < 5000; i++) {
		uint8_t proto = protos[i % 3];
		size_t coff = proto == WS_IPPROTO_UDP ? 6 : proto == WS_IPPROTO_TCP ? 16 : 2;
		size_t len = coff + 2 + rnd() % 1500;

		fill_random(h, sizeof(h));
		h[0] = 0x60;
		ip6->next_hdr = WS_IPPROTO_HOPOPTS; /* proto is passed, not read from here */
		fill_random(seg, len);
		seg[coff] = seg[coff + 1] = 0;
		uint16_t c = ws_ipv6_l4_csum(ip6, proto, seg, len);
		assert_int_equal(ws_ntoh16(c), ref_l4_v6(ip6->src, ip6->dst, proto, seg, len));
		memcpy(seg + coff, &c, 2);
		assert_int_equal(ws_ipv6_l4_csum(ip6, proto, seg, len), 0);
		seg[len / 2] ^= 0x01;
		assert_int_not_equal(ws_ipv6_l4_csum(ip6, proto, seg, len), 0);
	}
}

/* A UDP checksum that computes to 0 is sent as 0xffff (both are zero in
 * ones' complement): verification and incremental updates agree either way. */
static void test_udp_zero_checksum(void **state)
{
	(void)state;
	uint8_t h[20], seg[64];
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)h;
	unsigned found = 0;

	rng_state = 17;
	for (int i = 0; i < 200 && found < 20; i++) {
		random_ipv4(h, 5);
		ip->proto = WS_IPPROTO_UDP;
		fill_random(seg, sizeof(seg));
		seg[6] = seg[7] = 0;
		/* steer the last payload word so that the checksum is 0 */
		seg[62] = seg[63] = 0;
		uint16_t c = ws_ipv4_l4_csum(ip, seg, sizeof(seg));
		/* c is ~sum: adding it brings the sum to 0xffff, -0 */
		memcpy(seg + 62, &c, 2);
		if (ws_ipv4_l4_csum(ip, seg, sizeof(seg)) != 0)
			fail_msg("steering failed");
		found++;
		uint16_t sent = 0xffff;
		memcpy(seg + 6, &sent, 2);
		assert_int_equal(ws_ipv4_l4_csum(ip, seg, sizeof(seg)), 0);
		/* rewrite the source port incrementally, compare with recomputation */
		uint16_t old_p, new_p = (uint16_t)rnd();
		memcpy(&old_p, seg, 2);
		memcpy(seg, &new_p, 2);
		uint16_t inc = ws_csum_update16(sent, old_p, new_p);
		seg[6] = seg[7] = 0;
		uint16_t full = ws_ipv4_l4_csum(ip, seg, sizeof(seg));
		assert_int_equal(inc == 0 ? 0xffff : inc, full == 0 ? 0xffff : full);
	}
	assert_int_equal(found, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_partial_matches_reference),
		cmocka_unit_test(test_ipv4_known_header),
		cmocka_unit_test(test_ipv4_hdr_csum_random),
		cmocka_unit_test(test_rfc1624_example),
		cmocka_unit_test(test_incremental_matches_full),
		cmocka_unit_test(test_update32),
		cmocka_unit_test(test_l4_ipv4),
		cmocka_unit_test(test_l4_ipv6),
		cmocka_unit_test(test_udp_zero_checksum),
	};
	return cmocka_run_group_tests_name("net_checksum", tests, NULL, NULL);
}
