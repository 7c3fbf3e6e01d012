/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled classifier (filter/classify.h): every action and the rule
 * order, overlapping prefixes of both families, first_rule, dry-run, rate
 * limits on a fake clock, the bucket table when full, counters over two
 * states, the XDP split, and a seeded differential test against the linear
 * reference (single and bulk). Every hand-written case also runs the
 * reference on a twin state and asserts that both agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/classify.h"
#include "test_rng.h"

#define MS 1000000ull /* ns */

/* ------------------------------------------------------------ helpers */

struct pkt {
	uint8_t f[1600];
	uint32_t len;
	struct ws_filter_key k;
};

/* An Ethernet frame with an IPv4 or IPv6 header (by the form of src) and a
 * TCP/UDP header when proto says so; l3_len is written in the IP header
 * (the frame itself is 14 + l3_len bytes, at most sizeof(f)). */
static void mk(struct pkt *p, const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport,
	       uint8_t tcp_flags, uint16_t l3_len)
{
	bool v6 = strchr(src, ':') != NULL;
	uint8_t *ip = p->f + 14, *l4;

	memset(p, 0, sizeof(*p));
	p->f[12] = v6 ? 0x86 : 0x08;
	p->f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l3_len - 40) >> 8);
		ip[5] = (uint8_t)(l3_len - 40);
		ip[6] = proto;
		ip[7] = 64;
		assert_int_equal(inet_pton(AF_INET6, src, ip + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, ip + 24), 1);
		l4 = ip + 40;
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(l3_len >> 8);
		ip[3] = (uint8_t)l3_len;
		ip[8] = 64;
		ip[9] = proto;
		assert_int_equal(inet_pton(AF_INET, src, ip + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst, ip + 16), 1);
		l4 = ip + 20;
	}
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == 6) {
		l4[12] = 0x50;
		l4[13] = tcp_flags;
	} else if (proto == 17) {
		l4[4] = (uint8_t)((l3_len - (v6 ? 40 : 20)) >> 8);
		l4[5] = (uint8_t)(l3_len - (v6 ? 40 : 20));
	}
	p->len = 14u + l3_len;
	assert_true(p->len <= sizeof(p->f));
	assert_true(ws_filter_key_from_frame(p->f, p->len, &p->k));
}

static void udp(struct pkt *p, const char *src, const char *dst, uint16_t dport)
{
	mk(p, src, dst, 17, 1024, dport, 0, 100);
}

static struct ws_filter_set *build(const char *text)
{
	struct ws_filter_rules *r;
	struct ws_filter_set *s;
	char err[256];

	if (ws_filter_rules_parse_text(text, "t.rules", &r, err, sizeof(err)))
		fail_msg("parse: %s", err);
	s = ws_filter_set_build(r, err, sizeof(err));
	if (!s)
		fail_msg("build: %s", err);
	return s;
}

/* The compiled classifier on st and the reference on a twin state. */
struct duo {
	struct ws_filter_set *set;
	struct ws_filter_state *st, *ref;
};

static struct duo duo_new_sized(const char *text, bool dry_run, size_t slots)
{
	struct duo d = {.set = build(text)};

	d.st = ws_filter_state_new_sized(d.set, dry_run, slots);
	d.ref = ws_filter_state_new_sized(d.set, dry_run, slots);
	assert_non_null(d.st);
	assert_non_null(d.ref);
	return d;
}

static struct duo duo_new(const char *text, bool dry_run)
{
	return duo_new_sized(text, dry_run, WS_FILTER_RL_SLOTS);
}

static void duo_free(struct duo *d)
{
	ws_filter_state_free(d->st);
	ws_filter_state_free(d->ref);
	ws_filter_set_free(d->set);
}

static unsigned cls_from(struct duo *d, const struct pkt *p, uint64_t now, size_t first)
{
	unsigned v = ws_filter_classify(d->set, d->st, &p->k, p->f, p->len, now, first);
	unsigned w = ws_filter_classify_linear(d->set, d->ref, &p->k, p->f, p->len, now, first);

	assert_int_equal(v, w);
	return v;
}

static unsigned cls(struct duo *d, const struct pkt *p, uint64_t now)
{
	return cls_from(d, p, now, 0);
}

/* Counters of rule in st, also checked equal in the reference state. */
static struct ws_filter_counters ctr(const struct duo *d, size_t rule)
{
	struct ws_filter_counters a, b;

	ws_filter_state_read(d->st, rule, &a);
	ws_filter_state_read(d->ref, rule, &b);
	assert_int_equal(a.hits, b.hits);
	assert_int_equal(a.bytes, b.bytes);
	assert_int_equal(a.drops, b.drops);
	return a;
}

static void expect_ctr(const struct duo *d, size_t rule, uint64_t hits, uint64_t bytes, uint64_t drops)
{
	struct ws_filter_counters c = ctr(d, rule);

	if (c.hits != hits || c.bytes != bytes || c.drops != drops)
		fail_msg("rule %zu: hits %lu bytes %lu drops %lu, want %lu %lu %lu", rule, (unsigned long)c.hits,
			 (unsigned long)c.bytes, (unsigned long)c.drops, (unsigned long)hits, (unsigned long)bytes,
			 (unsigned long)drops);
}

/* ------------------------------------------------------------ actions and order */

static void test_order_first_match(void **state)
{
	(void)state;
	struct duo d = duo_new("drop src 198.18.0.0/16\n"
			       "pass src 198.18.1.0/24\n", false);
	struct pkt p;

	udp(&p, "198.18.1.5", "198.19.0.1", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* the /16 drop comes first */
	udp(&p, "198.19.1.5", "198.19.0.1", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* no rule: default pass */
	expect_ctr(&d, 0, 1, 114, 1);
	expect_ctr(&d, 1, 0, 0, 0);
	expect_ctr(&d, 2, 1, 114, 0);
	duo_free(&d);

	d = duo_new("pass src 198.18.1.0/24\n"
		    "drop src 198.18.0.0/16\n", false);
	udp(&p, "198.18.1.5", "198.19.0.1", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	udp(&p, "198.18.2.5", "198.19.0.1", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	expect_ctr(&d, 0, 1, 114, 0);
	expect_ctr(&d, 1, 1, 114, 1);
	duo_free(&d);
}

static void test_count_then_drop(void **state)
{
	(void)state;
	struct duo d = duo_new("count proto udp\n"
			       "count src 198.18.0.0/15\n"
			       "drop dst 198.19.0.9\n"
			       "default drop\n", false);
	struct pkt p;

	udp(&p, "198.18.0.1", "198.19.0.9", 9);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	mk(&p, "198.18.0.1", "198.19.0.8", 6, 1, 2, 0x02, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* counted by rule 1, then the default */
	expect_ctr(&d, 0, 1, 114, 0);
	expect_ctr(&d, 1, 2, 114 + 74, 0);
	expect_ctr(&d, 2, 1, 114, 1);
	expect_ctr(&d, 3, 1, 74, 1);
	duo_free(&d);
}

static void test_rate_limit_then_pass(void **state)
{
	(void)state;
	struct duo d = duo_new("rate-limit 1000pps burst 2 src 198.18.0.0/16\n"
			       "pass src 198.18.0.0/16\n"
			       "default drop\n", false);
	struct pkt p, q;

	udp(&p, "198.18.3.3", "198.19.0.1", 53);
	udp(&q, "198.19.3.3", "198.19.0.1", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* over the limit: terminal */
	assert_int_equal(cls(&d, &q, 0), WS_FILTER_DROP); /* not matched: default */
	expect_ctr(&d, 0, 3, 3 * 114, 1);
	expect_ctr(&d, 1, 2, 2 * 114, 0);
	expect_ctr(&d, 2, 1, 114, 1);
	duo_free(&d);
}

static void test_default_drop_and_non_ip(void **state)
{
	(void)state;
	struct duo d = duo_new("default drop\n"
			       "pass proto udp dport 53\n"
			       "count\n"
			       "pass expr \"arp\"\n", false);
	struct pkt p;

	udp(&p, "198.18.0.1", "198.18.0.2", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	udp(&p, "198.18.0.1", "198.18.0.2", 54);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	/* an ARP frame: no IP rule sees it, the match-all count and the expr do */
	memset(&p, 0, sizeof(p));
	p.f[12] = 0x08;
	p.f[13] = 0x06;
	p.len = 60;
	assert_false(ws_filter_key_from_frame(p.f, p.len, &p.k));
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	p.f[13] = 0x05; /* some other ethertype: count, then the default */
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	expect_ctr(&d, 0, 1, 114, 0);
	expect_ctr(&d, 1, 3, 114 + 120, 0);
	expect_ctr(&d, 2, 1, 60, 0);
	expect_ctr(&d, 3, 2, 114 + 60, 2);
	duo_free(&d);

	/* no rule at all: only the default */
	d = duo_new("default drop # nothing else\n", false);
	udp(&p, "198.18.0.1", "198.18.0.2", 53);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	assert_int_equal(ws_filter_set_xdp_rules(d.set), 0);
	assert_int_equal(ws_filter_set_nlists(d.set), 0);
	expect_ctr(&d, 0, 1, 114, 1);
	duo_free(&d);
}

/* Prefixes nested on both fields and both families, with extra fields. */
static void test_overlap_v4_v6(void **state)
{
	(void)state;
	struct duo d = duo_new("count src 198.18.0.0/15\n"
			       "drop src 198.18.7.0/24 dst 198.19.0.0/16 proto tcp flags syn/syn,ack\n"
			       "pass src 198.18.7.7\n"
			       "drop dst 198.19.9.0/24\n"
			       "drop src 198.18.0.0/16 dport 100-200\n"
			       "count src 2001:db8::/32\n"
			       "pass src 2001:db8:1::/48 dst 2001:db8:ff::/48\n"
			       "drop src 2001:db8:1:2::/64\n"
			       "drop dst 2001:db8:ff::/48 proto udp\n"
			       "pass family ip6\n"
			       "default drop\n", false);
	struct pkt p;

	mk(&p, "198.18.7.1", "198.19.1.1", 6, 1, 2, 0x02, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* rule 1 */
	mk(&p, "198.18.7.1", "198.19.1.1", 6, 1, 2, 0x12, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* SYN-ACK: not rule 1; default */
	mk(&p, "198.18.7.7", "198.19.1.1", 6, 1, 150, 0x12, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* rule 2 before rule 4 */
	mk(&p, "198.18.7.8", "198.19.9.1", 6, 1, 150, 0x12, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* rule 3 (dst-keyed) */
	mk(&p, "198.18.6.8", "198.19.8.1", 17, 1, 150, 0, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* rule 4 */
	mk(&p, "198.19.6.8", "198.19.8.1", 17, 1, 150, 0, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* count, default */
	expect_ctr(&d, 0, 6, 6 * 74, 0);
	expect_ctr(&d, 1, 1, 74, 1);
	expect_ctr(&d, 4, 1, 74, 1);

	mk(&p, "2001:db8:1:2::1", "2001:db8:ff::1", 17, 1, 2, 0, 100);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* rule 6 */
	mk(&p, "2001:db8:1:2::1", "2001:db8:fe::1", 17, 1, 2, 0, 100);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* rule 7 */
	mk(&p, "2001:db8:2::1", "2001:db8:ff::1", 17, 1, 2, 0, 100);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP); /* rule 8 */
	mk(&p, "2001:db8:2::1", "2001:db8:ff::1", 6, 1, 2, 0, 100);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* rule 9 */
	mk(&p, "fe80::1", "ff02::1", 58, 0, 0, 0, 100);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* rule 9, not counted by 5 */
	expect_ctr(&d, 5, 4, 4 * 114, 0);
	expect_ctr(&d, 9, 2, 2 * 114, 0);

	/* the lists as the XDP loader sees them */
	size_t n, nl;
	const struct ws_route *r = ws_filter_set_prefixes(d.set, 4, false, &n);
	assert_int_equal(n, 4); /* /15, /16, 198.18.7.0/24, 198.18.7.7/32 */
	assert_int_equal(r[3].len, 32);
	const uint32_t *l = ws_filter_set_list(d.set, r[3].nexthop, &nl);
	uint32_t want[] = {0, 1, 2, 4};
	assert_int_equal(nl, 4);
	assert_memory_equal(l, want, sizeof(want));
	r = ws_filter_set_prefixes(d.set, 6, true, &n);
	assert_int_equal(n, 1);
	l = ws_filter_set_list(d.set, r[0].nexthop, &nl);
	assert_int_equal(nl, 1);
	assert_int_equal(l[0], 8);
	l = ws_filter_set_list(d.set, ws_filter_set_wildcard_list(d.set), &nl);
	assert_int_equal(nl, 1);
	assert_int_equal(l[0], 9);
	assert_null(ws_filter_set_prefixes(d.set, 5, false, &n));
	duo_free(&d);
}

/* A /0 prefix covers everything of its family, a host route only itself. */
static void test_zero_and_host_prefix(void **state)
{
	(void)state;
	struct duo d = duo_new("pass src 198.18.0.1/32\n"
			       "drop src 0.0.0.0/0\n"
			       "drop dst ::/0 proto tcp\n", false);
	struct pkt p;

	udp(&p, "198.18.0.1", "198.18.0.2", 1);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	udp(&p, "198.18.0.0", "198.18.0.2", 1);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	udp(&p, "127.0.0.1", "198.18.0.2", 1);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	mk(&p, "2001:db8::1", "2001:db8::2", 6, 1, 2, 0, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	mk(&p, "2001:db8::1", "2001:db8::2", 17, 1, 2, 0, 60);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	duo_free(&d);
}

static void test_first_rule(void **state)
{
	(void)state;
	struct duo d = duo_new("drop src 198.18.1.0/24\n"
			       "count\n"
			       "pass src 198.18.0.0/16\n"
			       "default drop\n", false);
	struct pkt p;

	udp(&p, "198.18.1.1", "198.18.0.2", 1);
	assert_int_equal(cls_from(&d, &p, 0, 0), WS_FILTER_DROP);
	assert_int_equal(cls_from(&d, &p, 0, 1), WS_FILTER_PASS);
	assert_int_equal(cls_from(&d, &p, 0, 2), WS_FILTER_PASS);
	assert_int_equal(cls_from(&d, &p, 0, 3), WS_FILTER_DROP);
	assert_int_equal(cls_from(&d, &p, 0, 99), WS_FILTER_DROP);
	expect_ctr(&d, 0, 1, 114, 1);
	expect_ctr(&d, 1, 1, 114, 0);
	expect_ctr(&d, 2, 2, 228, 0);
	expect_ctr(&d, 3, 2, 228, 2);
	duo_free(&d);
}

static void test_dry_run(void **state)
{
	(void)state;
	struct duo d = duo_new("drop src 198.18.1.0/24\n"
			       "rate-limit 10pps burst 1 proto udp\n"
			       "default drop\n", true);
	struct pkt p;

	udp(&p, "198.18.1.1", "198.18.0.2", 1);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	udp(&p, "198.18.2.1", "198.18.0.2", 1);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* within the limit, then the default */
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS); /* over the limit */
	expect_ctr(&d, 0, 1, 114, 1);
	expect_ctr(&d, 1, 2, 228, 1);
	expect_ctr(&d, 2, 1, 114, 1);
	duo_free(&d);
}

/* ------------------------------------------------------------ rate limits */

static void test_rl_pps(void **state)
{
	(void)state;
	struct duo d = duo_new("rate-limit 1000pps burst 10\n", false);
	struct pkt p;
	unsigned passed = 0;

	udp(&p, "198.18.1.1", "198.18.0.2", 1);
	for (int i = 0; i < 15; i++)
		passed += cls(&d, &p, 0) == WS_FILTER_PASS;
	assert_int_equal(passed, 10);
	/* then one token per millisecond */
	for (uint64_t t = 1; t <= 5; t++) {
		assert_int_equal(cls(&d, &p, t * MS - 1), WS_FILTER_DROP);
		assert_int_equal(cls(&d, &p, t * MS), WS_FILTER_PASS);
		assert_int_equal(cls(&d, &p, t * MS), WS_FILTER_DROP);
	}
	/* a clock going backwards adds nothing */
	assert_int_equal(cls(&d, &p, 2 * MS), WS_FILTER_DROP);
	/* a long pause fills the bucket to burst, no more */
	passed = 0;
	for (int i = 0; i < 20; i++)
		passed += cls(&d, &p, 3600000 * MS) == WS_FILTER_PASS;
	assert_int_equal(passed, 10);
	expect_ctr(&d, 0, 15 + 15 + 1 + 20, (15 + 15 + 1 + 20) * 114, 5 + 10 + 1 + 10);
	duo_free(&d);
}

static void test_rl_per_source(void **state)
{
	(void)state;
	struct duo d = duo_new("rate-limit 1000pps burst 2 per src/24\n", false);
	struct pkt a, b, c, x, y, z;

	udp(&a, "198.18.1.1", "198.19.0.1", 1);
	udp(&b, "198.18.1.200", "198.19.0.1", 1);
	udp(&c, "198.18.2.1", "198.19.0.1", 1);
	assert_int_equal(cls(&d, &a, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &b, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &a, 0), WS_FILTER_DROP); /* 198.18.1.x share a bucket */
	assert_int_equal(cls(&d, &c, 0), WS_FILTER_PASS); /* 198.18.2.x have their own */
	assert_int_equal(cls(&d, &c, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &c, 0), WS_FILTER_DROP);
	/* IPv6 sources are cut to /64 */
	udp(&x, "2001:db8:0:1::1", "2001:db8::9", 1);
	udp(&y, "2001:db8:0:1:ffff::1", "2001:db8::9", 1);
	udp(&z, "2001:db8:0:2::1", "2001:db8::9", 1);
	assert_int_equal(cls(&d, &x, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &y, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &x, 0), WS_FILTER_DROP);
	assert_int_equal(cls(&d, &z, 0), WS_FILTER_PASS);
	expect_ctr(&d, 0, 10, 6 * 114 + 4 * 114, 3);
	duo_free(&d);

	/* per src: /32, one bucket per address */
	d = duo_new("rate-limit 1pps burst 1 per src\n", false);
	assert_int_equal(cls(&d, &a, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &b, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &a, 0), WS_FILTER_DROP);
	duo_free(&d);
}

static void test_rl_bytes(void **state)
{
	(void)state;
	/* 1200 bytes of burst: three 400-byte IP packets (414-byte frames:
	 * counting frames, only two would fit) */
	struct duo d = duo_new("rate-limit 1000Bps burst 1200 proto udp\n", false);
	struct pkt p;

	mk(&p, "198.18.1.1", "198.18.0.2", 17, 1, 2, 0, 400);
	assert_int_equal(p.len, 414);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 0), WS_FILTER_DROP);
	assert_int_equal(cls(&d, &p, 399 * MS), WS_FILTER_DROP); /* 399 bytes back */
	assert_int_equal(cls(&d, &p, 400 * MS), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 400 * MS), WS_FILTER_DROP);
	expect_ctr(&d, 0, 7, 7 * 414, 3);
	duo_free(&d);

	/* a high rate: 100 GB/s over 1 ns steps is 100 bytes per ns */
	d = duo_new("rate-limit 100GBps burst 1000\n", false);
	mk(&p, "198.18.1.1", "198.18.0.2", 17, 1, 2, 0, 1000);
	assert_int_equal(cls(&d, &p, 5), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &p, 14), WS_FILTER_DROP);
	assert_int_equal(cls(&d, &p, 15), WS_FILTER_PASS);
	duo_free(&d);
}

/* A table of 8 slots (one probe window): the 9th source replaces the entry
 * refilled longest ago, which starts again full when it comes back. */
static void test_rl_table_full(void **state)
{
	(void)state;
	struct duo d = duo_new_sized("rate-limit 1pps burst 1 per src\n", false, 8);
	struct pkt p[10];
	char a[32];

	for (int i = 0; i < 10; i++) {
		snprintf(a, sizeof(a), "198.18.0.%d", i);
		udp(&p[i], a, "198.19.0.1", 1);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(cls(&d, &p[i], (uint64_t)i), WS_FILTER_PASS);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cls(&d, &p[i], 8 + (uint64_t)i), WS_FILTER_DROP); /* all remembered */
	/* refill order is now 0..7 at t=8..15; touch 0 again so that 1 is oldest */
	assert_int_equal(cls(&d, &p[0], 16), WS_FILTER_DROP);
	assert_int_equal(cls(&d, &p[8], 17), WS_FILTER_PASS); /* new source: replaces 1 */
	assert_int_equal(cls(&d, &p[1], 18), WS_FILTER_PASS); /* 1 forgotten: full again (replaces 2) */
	assert_int_equal(cls(&d, &p[0], 19), WS_FILTER_DROP); /* 0 kept */
	assert_int_equal(cls(&d, &p[8], 20), WS_FILTER_DROP); /* 8 kept */
	assert_int_equal(cls(&d, &p[3], 21), WS_FILTER_DROP); /* 3 kept */
	assert_int_equal(cls(&d, &p[2], 22), WS_FILTER_PASS); /* 2 was replaced */
	expect_ctr(&d, 0, 8 + 8 + 1 + 6, 23 * 114, 8 + 1 + 3);
	duo_free(&d);

	/* a rate limit without `per` is never replaced by per-source entries */
	d = duo_new_sized("rate-limit 1pps burst 1 proto tcp\nrate-limit 1pps burst 1 per src\n", false, 1);
	struct pkt t;
	mk(&t, "198.18.0.1", "198.19.0.1", 6, 1, 2, 0, 60);
	assert_int_equal(cls(&d, &t, 0), WS_FILTER_PASS);
	for (int i = 0; i < 10; i++)
		assert_int_equal(cls(&d, &p[i], 1), WS_FILTER_PASS);
	assert_int_equal(cls(&d, &t, 2), WS_FILTER_DROP);
	duo_free(&d);
}

/* ------------------------------------------------------------ counters over states */

static void test_counters_sum(void **state)
{
	(void)state;
	struct ws_filter_set *s = build("drop src 198.18.1.0/24\ncount\n");
	struct ws_filter_state *w[2] = {ws_filter_state_new(s, false), ws_filter_state_new(s, false)};
	struct ws_filter_counters c;
	struct pkt a, b;

	udp(&a, "198.18.1.1", "198.19.0.1", 1);
	udp(&b, "198.18.2.1", "198.19.0.1", 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ws_filter_classify(s, w[0], &a.k, a.f, a.len, 0, 0), WS_FILTER_DROP);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ws_filter_classify(s, w[1], &a.k, a.f, a.len, 0, 0), WS_FILTER_DROP);
	assert_int_equal(ws_filter_classify(s, w[1], &b.k, b.f, b.len, 0, 0), WS_FILTER_PASS);
	ws_filter_state_sum((const struct ws_filter_state *const *)w, 2, 0, &c);
	assert_int_equal(c.hits, 5);
	assert_int_equal(c.bytes, 5 * 114);
	assert_int_equal(c.drops, 5);
	ws_filter_state_sum((const struct ws_filter_state *const *)w, 2, 1, &c);
	assert_int_equal(c.hits, 1);
	ws_filter_state_sum((const struct ws_filter_state *const *)w, 2, 2, &c);
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.drops, 0);
	ws_filter_state_read(w[0], 0, &c);
	assert_int_equal(c.hits, 3);
	ws_filter_state_read(w[0], 3, &c); /* past the default */
	assert_int_equal(c.hits, 0);
	ws_filter_state_free(w[0]);
	ws_filter_state_free(w[1]);
	ws_filter_set_free(s);
}

/* ------------------------------------------------------------ XDP split */

static void test_xdp_expr(void **state)
{
	(void)state;
	struct ws_filter_set *s = build("pass src 198.18.0.0/16\n"
					"\n"
					"drop expr \"udp port 53\"\n"
					"drop src 198.18.1.0/24\n");
	char why[128];

	assert_int_equal(ws_filter_set_xdp_rules(s), 1);
	assert_string_equal(ws_filter_set_where(s, 0, why, sizeof(why)), "xdp");
	assert_string_equal(why, "");
	assert_string_equal(ws_filter_set_where(s, 1, why, sizeof(why)), "userspace");
	assert_string_equal(why, "tcpdump expression");
	assert_string_equal(ws_filter_set_where(s, 2, why, sizeof(why)), "userspace");
	assert_string_equal(why, "after rule 1 (line 3), which runs in userspace");
	assert_string_equal(ws_filter_set_where(s, 3, why, sizeof(why)), "userspace");
	ws_filter_set_free(s);

	s = build("drop src 198.18.0.0/16\npass\n");
	assert_int_equal(ws_filter_set_xdp_rules(s), 2);
	ws_filter_set_free(s);
}

static void test_xdp_overlap(void **state)
{
	(void)state;
	char text[4096] = "", line[128], why[128];
	size_t n = 0;

	/* 10 rules on the /15 and 7 on the /16 inside it: the /16's list holds 17 */
	n += (size_t)snprintf(text + n, sizeof(text) - n, "drop src 198.19.0.0/16\n");
	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "count src 198.18.0.0/15 dport %d\n", i);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", line);
	}
	for (int i = 0; i < 7; i++) {
		snprintf(line, sizeof(line), "count src 198.18.0.0/16 dport %d\n", 100 + i);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", line);
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "drop dst 198.18.0.0/16\n");
	struct ws_filter_set *s = build(text);

	/* rules 1..17 are src-keyed under 198.18/15; rule 17 is the 17th on the /16 */
	assert_int_equal(ws_filter_set_xdp_rules(s), 17);
	assert_string_equal(ws_filter_set_where(s, 16, why, sizeof(why)), "xdp");
	assert_string_equal(ws_filter_set_where(s, 17, why, sizeof(why)), "userspace");
	assert_string_equal(why, "17 rules overlap at 198.18.0.0/16");
	assert_string_equal(ws_filter_set_where(s, 18, why, sizeof(why)), "userspace");
	assert_string_equal(why, "after rule 17 (line 18), which runs in userspace");
	assert_string_equal(ws_filter_set_where(s, 19, why, sizeof(why)), "userspace");
	assert_string_equal(why, "no such rule");
	size_t np, nl;
	const struct ws_route *r = ws_filter_set_prefixes(s, 4, false, &np);
	assert_int_equal(np, 3); /* 198.18.0.0/15, 198.18.0.0/16, 198.19.0.0/16 */
	ws_filter_set_list(s, r[0].nexthop, &nl);
	assert_int_equal(nl, 10);
	ws_filter_set_list(s, r[1].nexthop, &nl);
	assert_int_equal(nl, 17);
	ws_filter_set_list(s, r[2].nexthop, &nl);
	assert_int_equal(nl, 11);
	assert_int_equal(ws_filter_set_nlists(s), 4);
	assert_int_equal(ws_filter_set_wildcard_list(s), WS_FIB_MISS);
	ws_filter_set_free(s);

	/* 16 deep is still fine; wildcard lists count too */
	text[0] = 0;
	n = 0;
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "count proto udp dport %d\n", i);
	s = build(text);
	assert_int_equal(ws_filter_set_xdp_rules(s), 16);
	assert_string_equal(ws_filter_set_where(s, 16, why, sizeof(why)), "userspace");
	assert_string_equal(why, "17 rules overlap at every address (rules without src or dst)");
	ws_filter_set_free(s);
}

/* ------------------------------------------------------------ build errors */

static struct ws_filter_rules *new_rules(size_t n)
{
	struct ws_filter_rules *r = calloc(1, sizeof(*r));

	r->rules = calloc(n ? n : 1, sizeof(*r->rules));
	r->n = n;
	r->name = strdup("gen");
	return r;
}

static void test_build_errors(void **state)
{
	(void)state;
	char err[256];
	/* 65536 disjoint host prefixes: one distinct list each */
	size_t n = 65536;
	struct ws_filter_rules *r = new_rules(n);

	for (size_t i = 0; i < n; i++) {
		r->rules[i].action = WS_FILTER_DROP;
		r->rules[i].match = WS_FILTER_M_SRC | WS_FILTER_M_FAMILY;
		r->rules[i].family = 4;
		ws_fib_v4_to_bytes(0xc6120000u + (uint32_t)i, r->rules[i].src.addr);
		r->rules[i].src.len = 32;
	}
	assert_null(ws_filter_set_build(r, err, sizeof(err)));
	assert_non_null(strstr(err, "too many distinct prefixes"));

	/* one fewer fits */
	r = new_rules(n - 1);
	for (size_t i = 0; i < n - 1; i++) {
		r->rules[i].action = WS_FILTER_DROP;
		r->rules[i].match = WS_FILTER_M_SRC | WS_FILTER_M_FAMILY;
		r->rules[i].family = 4;
		ws_fib_v4_to_bytes(0xc6120000u + (uint32_t)i, r->rules[i].src.addr);
		r->rules[i].src.len = 32;
	}
	struct ws_filter_set *s = ws_filter_set_build(r, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ws_filter_set_nlists(s), n - 1);
	ws_filter_set_free(s);

	r = new_rules(2);
	r->rules[1].line = 4;
	r->rules[1].action = WS_FILTER_DROP;
	r->rules[1].match = WS_FILTER_M_SRC;
	assert_null(ws_filter_set_build(r, err, sizeof(err)));
	assert_string_equal(err, "gen:4: a src/dst prefix needs family 4 or 6");

	r = new_rules(1);
	r->rules[0].match = WS_FILTER_M_DST;
	r->rules[0].family = 4;
	r->rules[0].dst.len = 33;
	assert_null(ws_filter_set_build(r, err, sizeof(err)));
	assert_string_equal(err, "rule 0: prefix longer than 32 bits");
}

/* ------------------------------------------------------------ differential */

struct genpfx {
	uint8_t addr[16];
	uint8_t len;
	uint8_t fam;
};

static void rnd_prefix(struct genpfx *p, unsigned fam)
{
	memset(p, 0, sizeof(*p));
	p->fam = (uint8_t)fam;
	if (fam == 4) {
		uint32_t a = 0xc6120000u | (uint32_t)(rnd() & 0x1ffff);

		p->len = (uint8_t)(15 + rnd() % 18);
		ws_fib_v4_to_bytes(a, p->addr);
		ws_fib_mask(p->addr, p->len, 4);
	} else {
		p->addr[0] = 0x20, p->addr[1] = 0x01, p->addr[2] = 0x0d, p->addr[3] = 0xb8;
		/* few distinct bits near the top so that prefixes nest */
		p->addr[4] = (uint8_t)(rnd() & 0x3);
		p->addr[5] = (uint8_t)(rnd() & 0x81);
		p->addr[8] = (uint8_t)(rnd() & 0x1);
		p->addr[15] = (uint8_t)(rnd() & 0x3);
		static const uint8_t lens[] = {32, 33, 34, 40, 46, 48, 56, 64, 65, 100, 127, 128};
		p->len = lens[rnd() % sizeof(lens)];
		ws_fib_mask(p->addr, p->len, 16);
	}
}

static void rnd_range(uint16_t *lo, uint16_t *hi)
{
	uint16_t a = (uint16_t)(rnd() % 40), b = (uint16_t)(rnd() % 40);

	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

static struct ws_filter_rules *rnd_rules(size_t n, struct genpfx *pool, size_t npool)
{
	struct ws_filter_rules *rs = new_rules(n);

	rs->default_action = rnd() & 1 ? WS_FILTER_DROP : WS_FILTER_PASS;
	for (size_t i = 0; i < n; i++) {
		struct ws_filter_rule *r = &rs->rules[i];
		unsigned x = (unsigned)(rnd() % 10);

		r->line = (uint32_t)i + 1;
		r->action = x < 5 ? WS_FILTER_COUNT : x < 8 ? WS_FILTER_DROP : WS_FILTER_PASS;
		unsigned fam = rnd() % 4 == 0 ? 0 : rnd() & 1 ? 4 : 6;
		if (fam) {
			r->family = (uint8_t)fam;
			r->match |= WS_FILTER_M_FAMILY;
		}
		for (int side = 0; fam && side < 2; side++) {
			if (rnd() % 3 == 0)
				continue;
			const struct genpfx *g;
			do
				g = &pool[rnd() % npool];
			while (g->fam != fam);
			struct ws_filter_prefix *p = side ? &r->dst : &r->src;
			memcpy(p->addr, g->addr, 16);
			p->len = g->len;
			r->match |= side ? WS_FILTER_M_DST : WS_FILTER_M_SRC;
		}
		if (rnd() % 3 == 0) {
			static const uint8_t protos[] = {6, 17, 132, 1, 58, 47};
			r->proto = protos[rnd() % sizeof(protos)];
			r->match |= WS_FILTER_M_PROTO;
		}
		bool ports = !(r->match & WS_FILTER_M_PROTO) || r->proto == 6 || r->proto == 17 || r->proto == 132;
		if (ports && rnd() % 4 == 0) {
			rnd_range(&r->sport_lo, &r->sport_hi);
			r->match |= WS_FILTER_M_SPORT;
		}
		if (ports && rnd() % 4 == 0) {
			rnd_range(&r->dport_lo, &r->dport_hi);
			r->match |= WS_FILTER_M_DPORT;
		}
		if ((!(r->match & WS_FILTER_M_PROTO) || r->proto == 6) && rnd() % 6 == 0) {
			r->tcp_flags_mask = (uint8_t)(rnd() & 0x13);
			r->tcp_flags_value = (uint8_t)(rnd() & r->tcp_flags_mask);
			r->proto = 6;
			r->match |= WS_FILTER_M_FLAGS | WS_FILTER_M_PROTO;
		}
		if (rnd() % 6 == 0) {
			r->len_lo = (uint16_t)(40 + rnd() % 100);
			r->len_hi = (uint16_t)(r->len_lo + rnd() % 100);
			r->match |= WS_FILTER_M_LEN;
		}
	}
	return rs;
}

static void rnd_key(struct ws_filter_key *k, const struct genpfx *pool, size_t npool)
{
	unsigned x = (unsigned)(rnd() % 10);

	memset(k, 0, sizeof(*k));
	k->family = x < 5 ? 4 : x < 9 ? 6 : 0;
	if (!k->family)
		return;
	for (int side = 0; side < 2; side++) {
		uint8_t *a = side ? k->dst : k->src;
		struct genpfx g;

		/* mostly inside some rule's prefix, with random host bits */
		if (rnd() % 4) {
			do
				g = pool[rnd() % npool];
			while (g.fam != k->family);
		} else {
			rnd_prefix(&g, k->family);
		}
		unsigned bits = k->family == 4 ? 32 : 128;
		for (unsigned b = g.len; b < bits; b++)
			if (rnd() % 3 == 0)
				g.addr[b >> 3] |= (uint8_t)(0x80u >> (b & 7));
		memcpy(a, g.addr, k->family == 4 ? 4 : 16);
	}
	static const uint8_t protos[] = {6, 17, 132, 1, 58, 47};
	k->proto = protos[rnd() % sizeof(protos)];
	k->has_l4 = (k->proto == 6 || k->proto == 17 || k->proto == 132) && rnd() % 8;
	if (k->has_l4) {
		k->sport = (uint16_t)(rnd() % 45);
		k->dport = (uint16_t)(rnd() % 45);
		if (k->proto == 6)
			k->tcp_flags = (uint8_t)rnd();
	}
	k->l3_len = (uint16_t)(20 + rnd() % 250);
}

static void test_differential(void **state)
{
	(void)state;
	enum { NPOOL = 60, NPKT = 3000 };
	static struct ws_filter_key keys[NPKT];
	static const uint8_t *frames[NPKT];
	static uint32_t lens[NPKT];
	static uint8_t verdicts[NPKT];
	static const uint8_t dummy[64];
	struct genpfx pool[NPOOL];
	char err[256];

	for (uint64_t seed = 1; seed <= 12; seed++) {
		rng_state = seed;
		for (int i = 0; i < NPOOL; i++)
			rnd_prefix(&pool[i], i % 2 ? 6 : 4);
		size_t nrules = 100 + rnd() % 300;
		struct ws_filter_set *s = ws_filter_set_build(rnd_rules(nrules, pool, NPOOL), err, sizeof(err));
		if (!s)
			fail_msg("seed %lu: %s", (unsigned long)seed, err);
		size_t first = seed % 3 == 0 ? rnd() % nrules : 0;
		struct ws_filter_state *a = ws_filter_state_new(s, false), *b = ws_filter_state_new(s, false);
		struct ws_filter_state *c = ws_filter_state_new(s, false);
		unsigned drops = 0;

		for (int i = 0; i < NPKT; i++) {
			rnd_key(&keys[i], pool, NPOOL);
			frames[i] = dummy;
			lens[i] = 60 + (uint32_t)(rnd() % 1000);
			unsigned v = ws_filter_classify(s, a, &keys[i], dummy, lens[i], 0, first);
			unsigned w = ws_filter_classify_linear(s, b, &keys[i], dummy, lens[i], 0, first);
			if (v != w)
				fail_msg("seed %lu packet %d: classify %u, linear %u", (unsigned long)seed, i, v, w);
			drops += w == WS_FILTER_DROP;
		}
		/* the bulk form, in uneven bursts */
		unsigned bdrops = 0;
		for (unsigned i = 0, m; i < NPKT; i += m) {
			m = (unsigned)(1 + rnd() % 200);
			if (m > NPKT - i)
				m = NPKT - i;
			bdrops += ws_filter_classify_bulk(s, c, keys + i, frames + i, lens + i, verdicts + i, m, 0,
							  first);
		}
		assert_int_equal(bdrops, drops);
		for (int i = 0; i < NPKT; i++) {
			unsigned w = ws_filter_classify_linear(s, b, &keys[i], dummy, lens[i], 0, first);
			if (verdicts[i] != w)
				fail_msg("seed %lu packet %d: bulk %u, linear %u", (unsigned long)seed, i,
					 verdicts[i], w);
		}
		/* all three saw the packets (b twice): counters agree */
		for (size_t r = 0; r <= nrules; r++) {
			struct ws_filter_counters ca, cb, cc;

			ws_filter_state_read(a, r, &ca);
			ws_filter_state_read(b, r, &cb);
			ws_filter_state_read(c, r, &cc);
			if (ca.hits * 2 != cb.hits || ca.bytes * 2 != cb.bytes || ca.drops * 2 != cb.drops ||
			    ca.hits != cc.hits || ca.bytes != cc.bytes || ca.drops != cc.drops)
				fail_msg("seed %lu rule %zu: counters differ", (unsigned long)seed, r);
			if (r < first)
				assert_int_equal(ca.hits, 0);
		}
		ws_filter_state_free(a);
		ws_filter_state_free(b);
		ws_filter_state_free(c);
		ws_filter_set_free(s);
	}
}

/* Expression rules in the bulk form: the first BULK_EXPRS (classify.c) at or
 * after first_rule are answered for the whole batch at once, the later ones
 * per packet; verdicts and counters must be the single form's and the
 * reference's, from every first rule, for bursts of every size. */
static void test_bulk_exprs(void **state)
{
	(void)state;
	static const char *const text = "count expr \"udp\"\n"
					 "drop src 198.18.1.0/24 expr \"udp dst port 53\"\n"
					 "pass expr \"tcp[tcpflags] & tcp-ack != 0\"\n"
					 "drop src 198.18.2.0/24\n"
					 "count expr \"len < 100\"\n"
					 "drop expr \"udp and src port 7\"\n"
					 "rate-limit 1pps burst 50 expr \"tcp\"\n"
					 "drop expr \"ip6\"\n"
					 "count dst 198.19.0.0/16 expr \"udp\"\n"
					 "drop expr \"tcp dst port 80\"\n";
	enum { NPKT = 700 };
	static struct pkt pk[NPKT];
	static struct ws_filter_key keys[NPKT];
	static const uint8_t *frames[NPKT];
	static uint32_t lens[NPKT];
	static uint8_t verdicts[NPKT];
	static const char *const src4[] = { "198.18.1.9", "198.18.2.9", "198.18.3.9" };
	static const char *const dsts[] = { "198.19.0.1", "198.18.0.1" };
	static const uint16_t ports[] = { 7, 53, 80, 1000 };
	static const uint8_t flags[] = { 0x02, 0x10, 0x12 };

	rng_state = 77;
	for (int i = 0; i < NPKT; i++) {
		uint8_t proto = rnd() % 2 ? 6 : 17;
		uint16_t l3 = (uint16_t)(rnd() % 2 ? 60 : 40 + rnd() % 400);

		if (rnd() % 6 == 0)
			mk(&pk[i], "2001:db8::1", "2001:db8::2", proto, ports[rnd() % 4], ports[rnd() % 4],
			   flags[rnd() % 3], (uint16_t)(l3 + 40));
		else
			mk(&pk[i], src4[rnd() % 3], dsts[rnd() % 2], proto, ports[rnd() % 4], ports[rnd() % 4],
			   flags[rnd() % 3], l3);
		keys[i] = pk[i].k;
		frames[i] = pk[i].f;
		lens[i] = pk[i].len;
	}
	for (size_t first = 0; first <= 10; first++) {
		struct duo d = duo_new(text, false);
		struct ws_filter_state *b = ws_filter_state_new(d.set, false);
		unsigned drops = 0, bdrops = 0;

		assert_non_null(b);
		for (int i = 0; i < NPKT; i++)
			drops += cls_from(&d, &pk[i], 0, first) == WS_FILTER_DROP;
		for (unsigned i = 0, m; i < NPKT; i += m) {
			m = (unsigned)(1 + rnd() % 150);
			if (m > NPKT - i)
				m = NPKT - i;
			bdrops += ws_filter_classify_bulk(d.set, b, keys + i, frames + i, lens + i, verdicts + i, m, 0,
							  first);
		}
		assert_int_equal(bdrops, drops);
		for (size_t r = 0; r <= 10; r++) {
			struct ws_filter_counters x = ctr(&d, r), y;

			ws_filter_state_read(b, r, &y);
			if (x.hits != y.hits || x.bytes != y.bytes || x.drops != y.drops)
				fail_msg("first %zu rule %zu: single %llu/%llu, bulk %llu/%llu", first, r,
					 (unsigned long long)x.hits, (unsigned long long)x.drops,
					 (unsigned long long)y.hits, (unsigned long long)y.drops);
			/* every rule from first on sees packets */
			if (r >= first && r < 10)
				assert_true(x.hits > 0);
		}
		assert_true(first > 6 || (drops > 0 && drops < NPKT));
		ws_filter_state_free(b);
		duo_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_first_match),
		cmocka_unit_test(test_count_then_drop),
		cmocka_unit_test(test_rate_limit_then_pass),
		cmocka_unit_test(test_default_drop_and_non_ip),
		cmocka_unit_test(test_overlap_v4_v6),
		cmocka_unit_test(test_zero_and_host_prefix),
		cmocka_unit_test(test_first_rule),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_rl_pps),
		cmocka_unit_test(test_rl_per_source),
		cmocka_unit_test(test_rl_bytes),
		cmocka_unit_test(test_rl_table_full),
		cmocka_unit_test(test_counters_sum),
		cmocka_unit_test(test_xdp_expr),
		cmocka_unit_test(test_bulk_exprs),
		cmocka_unit_test(test_xdp_overlap),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
