/* SPDX-License-Identifier: BSD-3-Clause */
/* filter/cbpf.h against libpcap's own interpreter: ~50 tcpdump expressions,
 * each run by ws_cbpf_match and by bpf_filter (on a program compiled the same
 * way) over frames built here (IPv4, IPv6 with extension headers, VLAN and
 * QinQ, ARP, fragments, IP options...) and every truncation of each, random
 * mutations of them, and the frames of the captures in ../shared/data/pcap
 * when they are there; the answers must be the same. Every frame is copied
 * into an allocation that ends at its last byte, so under ASan a read past
 * len faults; the lanes run on SSE and, where the CPU has it, AVX-512. Also:
 * compile errors carry libpcap's message, which engine runs which expression,
 * ranges are merged, and the protochain loop bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter/cbpf.h"

#include "shared_data.h"
#include "test_rng.h"

/* Expressions, with the engine that runs frames long enough for it; each of
 * them matches some of the frames built below and not others (checked). */
static const struct {
	const char *expr;
	const char *engine;
} exprs[] = {
	{ "udp", "lanes" },
	{ "tcp", "lanes" },
	{ "icmp", "lanes" },
	{ "icmp6", "lanes" },
	{ "ip6", "lanes" },
	{ "arp", "lanes" },
	{ "vlan", "lanes" },
	{ "vlan and udp", "lanes" },
	{ "vlan 100 and udp", "lanes" },
	{ "(vlan and udp port 53) or udp port 53", "lanes" }, /* vlan moves both */
	{ "(ip and udp dst port 53) or (vlan and ip and udp dst port 53)", "lanes" }, /* two ldx msh */
	{ "tcp[13] = 2 or (vlan and tcp[13] = 2)", "lanes" },
	{ "vlan 100 and vlan 200 and udp", "lanes" },
	{ "host 198.18.0.1", "lanes" },
	{ "src host 198.18.0.1 and dst net 198.19.0.0/16", "lanes" },
	{ "net 198.18.0.0/15", "lanes" },
	{ "src net 198.18.0.0/16 and udp", "lanes" },
	{ "ip6 net 2001:db8::/32", "lanes" },
	{ "ip6 host 2001:db8::2", "lanes" },
	{ "port 53", "lanes" },
	{ "udp and dst port 53", "lanes" },
	{ "udp and dst port 53 and udp[10] & 0x80 = 0", "lanes" },
	{ "tcp dst port 443", "lanes" },
	{ "ip6 and tcp dst port 443", "lanes" },
	{ "portrange 1000-2000", "lanes" }, /* 17 tests, 13 with the ranges merged */
	{ "greater 80 and less 100", "lanes" }, /* one test once merged */
	{ "less 100 and greater 50", "lanes" },
	{ "udp[2:2] >= 10 and udp[2:2] = 53", "lanes" },
	{ "udp[2:2] >= 1500 and udp[2:2] != 1500", "lanes" },
	{ "udp[2:2] != 0 and udp[2:2] < 100", "lanes" },
	{ "udp and portrange 1000-2000 and len < 100", "lanes" },
	{ "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0", "lanes" },
	{ "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "lanes" },
	{ "ip[8] < 5", "lanes" },
	{ "ip and ip[6:2] & 0x1fff != 0", "lanes" },
	{ "len <= 100", "lanes" },
	{ "greater 200", "lanes" },
	{ "less 64", "lanes" },
	{ "ether broadcast", "lanes" },
	{ "ether multicast", "lanes" },
	{ "ether[0] & 1 = 1", "lanes" },
	{ "ip proto 47", "lanes" },
	{ "not udp", "lanes" },
	{ "not (tcp or udp)", "lanes" },
	{ "(udp and src net 198.18.0.0/16) or (tcp and dst port 443) or icmp6", "lanes" },
	/* more than 16 tests: threaded */
	{ "tcp portrange 1-1024 or udp port 4789 or udp port 53", "threaded" },
	/* arithmetic and scratch memory; a loop: only threaded */
	{ "ip[2:2] - ((ip[0]&0xf)<<2) > 100", "threaded" },
	{ "ip6 protochain 6", "threaded" },
	/* no test at all: every frame */
	{ "", "const" },
};
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

/* ---- frames ---- */

struct frame {
	const char *name;
	uint8_t b[1024];
	unsigned len;
};

static struct frame frames[32];
static unsigned nframes;

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t v4_a[4] = { 198, 18, 0, 1 }, v4_b[4] = { 198, 19, 0, 2 }, v4_c[4] = { 198, 18, 200, 7 };
static const uint8_t v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, v6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t v6_ll[16] = { 0xfe, 0x80, [15] = 1 }, v6_mc[16] = { 0xff, 0x02, [15] = 1 };

static void put(struct frame *f, const void *p, unsigned n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(f, &b, 1);
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void pad(struct frame *f, unsigned n, uint8_t v)
{
	while (n--)
		put8(f, v);
}

static struct frame *frame_new(const char *name, const uint8_t *dst, uint16_t ethertype)
{
	struct frame *f = &frames[nframes++];

	assert_true(nframes <= sizeof(frames) / sizeof(frames[0]));
	f->name = name;
	f->len = 0;
	put(f, dst, 6);
	put(f, mac_a, 6);
	put16(f, ethertype);
	return f;
}

static void vlan_tag(struct frame *f, uint16_t tci, uint16_t ethertype)
{
	put16(f, tci);
	put16(f, ethertype);
}

/* IPv4 header (options: optlen bytes of NOPs) for l4len bytes after it. */
static void ip4(struct frame *f, uint8_t proto, const uint8_t *src, const uint8_t *dst, unsigned optlen,
		uint16_t frag, uint8_t ttl, unsigned l4len)
{
	put8(f, 0x40 | (5 + optlen / 4));
	put8(f, 0);
	put16(f, 20 + optlen + l4len);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, ttl);
	put8(f, proto);
	put16(f, 0); /* checksum: the filter does not look */
	put(f, src, 4);
	put(f, dst, 4);
	pad(f, optlen, 1);
}

static void ip6(struct frame *f, uint8_t next, const uint8_t *src, const uint8_t *dst, unsigned paylen)
{
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, paylen);
	put8(f, next);
	put8(f, 64);
	put(f, src, 16);
	put(f, dst, 16);
}

/* An 8-byte extension header (hop-by-hop, routing, destination options). */
static void ext8(struct frame *f, uint8_t next)
{
	put8(f, next);
	put8(f, 0);
	pad(f, 6, 0);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, unsigned paylen, uint8_t flags3)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8 + paylen);
	put16(f, 0);
	for (unsigned i = 0; i < paylen; i++) /* DNS-like: udp[10] is the flags byte */
		put8(f, i == 2 ? flags3 : 0x40 + i);
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 0x0102);
	put16(f, 0x0304);
	put16(f, 0);
	put16(f, 0);
	put8(f, 0x50);
	put8(f, flags);
	put16(f, 0xffff);
	put16(f, 0);
	put16(f, 0);
}

static void icmp(struct frame *f, uint8_t type)
{
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x4242);
	put16(f, 1);
}

enum { FIN = 1, SYN = 2, RST = 4, ACK = 16 };

static void build_frames(void)
{
	struct frame *f;

	nframes = 0;
	f = frame_new("ip4 udp dns query", mac_b, 0x0800);
	ip4(f, 17, v4_a, v4_b, 0, 0, 64, 8 + 18);
	udp(f, 33000, 53, 18, 0x01);
	f = frame_new("ip4 udp dns response", mac_b, 0x0800);
	ip4(f, 17, v4_b, v4_a, 0, 0x4000, 64, 8 + 18);
	udp(f, 53, 33000, 18, 0x81);
	f = frame_new("ip4 udp 1500 ttl 3", mac_b, 0x0800);
	ip4(f, 17, v4_c, v4_b, 0, 0, 3, 8 + 4);
	udp(f, 999, 1500, 4, 0);
	f = frame_new("ip4 udp 1000 to port 0", mac_b, 0x0800);
	ip4(f, 17, v4_a, v4_c, 0, 0, 64, 8 + 18);
	udp(f, 1000, 0, 18, 0);
	f = frame_new("ip4 udp big 4789", mac_b, 0x0800);
	ip4(f, 17, v4_b, v4_c, 0, 0, 64, 8 + 260);
	udp(f, 2001, 4789, 260, 0);
	f = frame_new("ip4 tcp syn 443", mac_b, 0x0800);
	ip4(f, 6, v4_c, v4_b, 0, 0x4000, 64, 20);
	tcp(f, 40000, 443, SYN);
	pad(f, 6, 0); /* Ethernet padding to 60 bytes */
	f = frame_new("ip4 tcp syn-ack", mac_b, 0x0800);
	ip4(f, 6, v4_b, v4_c, 0, 0, 64, 20);
	tcp(f, 443, 40000, SYN | ACK);
	f = frame_new("ip4 tcp fin-ack options", mac_b, 0x0800);
	ip4(f, 6, v4_a, v4_b, 8, 0, 64, 20);
	tcp(f, 1024, 80, FIN | ACK);
	f = frame_new("ip4 tcp rst 1500", mac_b, 0x0800);
	ip4(f, 6, v4_b, v4_a, 0, 0, 64, 20);
	tcp(f, 1500, 22, RST);
	f = frame_new("ip4 udp fragment", mac_b, 0x0800);
	ip4(f, 17, v4_a, v4_b, 0, 0x00b9, 64, 40);
	pad(f, 40, 0x35);
	f = frame_new("ip4 icmp echo", mac_b, 0x0800);
	ip4(f, 1, v4_a, v4_c, 0, 0, 1, 8);
	icmp(f, 8);
	f = frame_new("ip4 gre", mac_b, 0x0800);
	ip4(f, 47, v4_b, v4_c, 0, 0, 64, 8);
	pad(f, 8, 0);
	f = frame_new("ip4 truncated header", mac_b, 0x0800);
	pad(f, 10, 0x45);
	f = frame_new("ip6 udp dns", mac_b, 0x86dd);
	ip6(f, 17, v6_a, v6_b, 8 + 12);
	udp(f, 5353, 53, 12, 0x01);
	f = frame_new("ip6 tcp syn 443", mac_b, 0x86dd);
	ip6(f, 6, v6_b, v6_a, 20);
	tcp(f, 50000, 443, SYN);
	f = frame_new("ip6 fragment udp 1200", mac_b, 0x86dd);
	ip6(f, 44, v6_a, v6_b, 8 + 8 + 4);
	ext8(f, 17);
	udp(f, 1200, 1999, 4, 0);
	f = frame_new("ip6 hbh routing dstopts tcp", mac_b, 0x86dd);
	ip6(f, 0, v6_a, v6_b, 24 + 20);
	ext8(f, 43);
	ext8(f, 60);
	ext8(f, 6);
	tcp(f, 1000, 443, SYN);
	f = frame_new("ip6 ah tcp", mac_b, 0x86dd);
	ip6(f, 51, v6_b, v6_a, 16 + 20);
	put8(f, 6); /* AH: next header, length 2 (16 bytes), reserved, SPI, sequence */
	put8(f, 2);
	pad(f, 14, 0);
	tcp(f, 2000, 443, ACK);
	f = frame_new("ip6 icmp6 to ff02::1", bcast, 0x86dd);
	ip6(f, 58, v6_ll, v6_mc, 8);
	icmp(f, 134);
	f = frame_new("vlan 100 ip4 udp", mac_b, 0x8100);
	vlan_tag(f, 100, 0x0800);
	ip4(f, 17, v4_a, v4_b, 0, 0, 64, 8 + 10);
	udp(f, 1234, 53, 10, 0);
	f = frame_new("qinq ip4 udp", mac_b, 0x88a8);
	vlan_tag(f, 100, 0x8100);
	vlan_tag(f, 200, 0x0800);
	ip4(f, 17, v4_c, v4_b, 0, 0, 64, 8 + 4);
	udp(f, 1300, 1400, 4, 0);
	f = frame_new("vlan ip6 tcp", mac_b, 0x8100);
	vlan_tag(f, 7, 0x86dd);
	ip6(f, 6, v6_a, v6_b, 20);
	tcp(f, 443, 1500, SYN | ACK);
	f = frame_new("arp request", bcast, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, 1);
	put(f, mac_a, 6);
	put(f, v4_a, 4);
	pad(f, 6, 0);
	put(f, v4_b, 4);
	pad(f, 18, 0);
	f = frame_new("lldp", mac_b, 0x88cc);
	pad(f, 46, 0x02);
	f = frame_new("runt", mac_b, 0x0800);
	f->len = 10;
}

/* ---- comparing ---- */

static pcap_t *dead;

static void ref_compile(const char *expr, struct bpf_program *bp)
{
	assert_int_equal(pcap_compile(dead, bp, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
}

/* ours == bpf_filter on the first len bytes of b, read from an allocation of
 * exactly len bytes; returns the answer. */
static bool same(const char *expr, const char *what, const struct ws_cbpf *c, const struct bpf_program *bp,
		 const uint8_t *b, unsigned len)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ref, ours;

	assert_non_null(copy);
	memcpy(copy, b, len);
	ref = bpf_filter(bp->bf_insns, copy, len, len) != 0;
	ours = ws_cbpf_match(c, copy, len);
	free(copy);
	if (ours != ref)
		fail_msg("\"%s\" on %s, %u bytes: ours %d, bpf_filter %d", expr, what, len, ours, ref);
	return ref;
}

static int setup(void **state)
{
	(void)state;
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	build_frames();
	return dead ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pcap_close(dead);
	return 0;
}

/* Every expression on every frame and every truncation of it. */
static void test_frames_and_truncations(void **state)
{
	(void)state;
	for (unsigned e = 0; e < NEXPRS; e++) {
		struct ws_cbpf *c;
		struct bpf_program bp;
		char err[256];
		unsigned whole_matched = 0;

		assert_int_equal(ws_cbpf_compile(exprs[e].expr, &c, err, sizeof(err)), 0);
		ref_compile(exprs[e].expr, &bp);
		for (unsigned i = 0; i < nframes; i++) {
			for (unsigned len = 0; len < frames[i].len; len++)
				same(exprs[e].expr, frames[i].name, c, &bp, frames[i].b, len);
			whole_matched += same(exprs[e].expr, frames[i].name, c, &bp, frames[i].b, frames[i].len);
		}
		/* the frames tell matching from not for every expression */
		if (exprs[e].expr[0] && (whole_matched == 0 || whole_matched == nframes))
			fail_msg("\"%s\" matches %u of the %u frames", exprs[e].expr, whole_matched, nframes);
		pcap_freecode(&bp);
		ws_cbpf_free(c);
	}
}

/* Frames built above with random bytes changed (mostly in the headers, set
 * to values the programs compare against), and random lengths. Not for
 * protochain: a mutation can make libpcap 1.10's loop endless (cbpf.c). */
static void test_random_mutations(void **state)
{
	static const uint8_t values[] = { 0, 1, 2, 4, 5, 6, 0x11, 0x12, 0x2c, 0x33, 0x3a, 0x3b, 0x2b, 0x3c,
					  0x2f, 0x35, 0x45, 0x46, 0x4f, 0x60, 0x64, 0x80, 0x81, 0x86, 0x88,
					  0x91, 0xa8, 0xbb, 0xc6, 0xdd, 0xff, 0x08, 0x06, 0x07, 0xd0, 0xe8, 0x03 };

	(void)state;
	rng_state = 7;
	for (unsigned e = 0; e < NEXPRS; e++) {
		struct ws_cbpf *c;
		struct bpf_program bp;
		char err[256];

		if (strstr(exprs[e].expr, "protochain"))
			continue;
		assert_int_equal(ws_cbpf_compile(exprs[e].expr, &c, err, sizeof(err)), 0);
		ref_compile(exprs[e].expr, &bp);
		for (unsigned it = 0; it < 3000; it++) {
			const struct frame *src = &frames[rnd() % nframes];
			uint8_t b[sizeof(src->b)];
			unsigned len = src->len, n = 1 + rnd() % 4;

			memcpy(b, src->b, sizeof(b));
			if (rnd() % 4 == 0)
				len = rnd() % (src->len + 1);
			for (unsigned k = 0; k < n && len; k++) {
				unsigned at = rnd() % 2 ? rnd() % (len < 70 ? len : 70) : rnd() % len;

				b[at] = rnd() % 2 ? values[rnd() % sizeof(values)] : (uint8_t)rnd();
			}
			same(exprs[e].expr, src->name, c, &bp, b, len);
		}
		pcap_freecode(&bp);
		ws_cbpf_free(c);
	}
}

/* The Ethernet frames of the tcpdump test captures (malformed ones included),
 * whole and cut at the lengths where headers end. protochain too: none of
 * these frames makes libpcap 1.10's loop endless. */
static void test_capture_frames(void **state)
{
	static const unsigned cuts[] = { 13, 14, 17, 18, 23, 24, 33, 34, 37, 38, 41, 42, 53, 54, 57, 58, 61, 62 };
	struct ws_cbpf *c[NEXPRS];
	struct bpf_program bp[NEXPRS];
	char dir[PATH_MAX], path[PATH_MAX + 512], err[PCAP_ERRBUF_SIZE];
	unsigned files = 0, packets = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	ws_test_shared_path("pcap", dir, sizeof(dir)); /* skips when absent */
	for (unsigned e = 0; e < NEXPRS; e++) {
		assert_int_equal(ws_cbpf_compile(exprs[e].expr, &c[e], err, sizeof(err)), 0);
		ref_compile(exprs[e].expr, &bp[e]);
	}
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		p = pcap_open_offline(path, err);
		if (!p)
			continue;
		if (pcap_datalink(p) == DLT_EN10MB) {
			files++;
			while (pcap_next_ex(p, &h, &data) == 1) {
				packets++;
				for (unsigned e = 0; e < NEXPRS; e++) {
					same(exprs[e].expr, de->d_name, c[e], &bp[e], data, h->caplen);
					for (unsigned k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++)
						if (cuts[k] < h->caplen)
							same(exprs[e].expr, de->d_name, c[e], &bp[e], data, cuts[k]);
				}
			}
		}
		pcap_close(p);
	}
	closedir(d);
	print_message("%u Ethernet captures, %u frames\n", files, packets);
	assert_true(files > 0);
	for (unsigned e = 0; e < NEXPRS; e++) {
		pcap_freecode(&bp[e]);
		ws_cbpf_free(c[e]);
	}
}

/* Which engine runs which expression, and that minimum frames (60 bytes, 64
 * on the wire; a few more behind two VLAN tags) are long enough for the lanes. */
static void test_engines(void **state)
{
	(void)state;
	for (unsigned e = 0; e < NEXPRS; e++) {
		struct ws_cbpf *c;
		struct ws_cbpf_info info;
		char err[256];

		assert_int_equal(ws_cbpf_compile(exprs[e].expr, &c, err, sizeof(err)), 0);
		ws_cbpf_info(c, &info);
		assert_true(info.insns > 0);
		if (strcmp(info.engine, exprs[e].engine))
			fail_msg("\"%s\": engine %s, %u tests, expected %s", exprs[e].expr, info.engine, info.tests,
				 exprs[e].engine);
		if (!strcmp(info.engine, "lanes")) {
			assert_true(info.tests >= 1 && info.tests <= 16);
			assert_true(info.min_len >= 16 && info.min_len <= (strstr(exprs[e].expr, "vlan") ? 64 : 60));
			assert_true(!strcmp(info.isa, "sse4.1") || !strcmp(info.isa, "avx512"));
		} else if (!strcmp(info.engine, "const")) {
			assert_int_equal(info.tests, 0);
		} else { /* threaded: no DAG, or one the lanes cannot take */
			assert_int_equal(info.min_len, 0);
			assert_string_equal(info.isa, "");
		}
		ws_cbpf_free(c);
	}
}

/* The pairs of tests pcap makes for ranges are merged into one test each
 * (their answers are checked with the other expressions above). */
static void test_range_merge(void **state)
{
	static const struct {
		const char *expr;
		unsigned tests;
	} merged[] = {
		{ "greater 80 and less 100", 1 },            /* len >= 80, len > 100 */
		{ "less 100 and greater 50", 1 },            /* len > 100, len >= 50 */
		{ "udp[2:2] >= 10 and udp[2:2] = 53", 4 },
		{ "udp[2:2] >= 1500 and udp[2:2] != 1500", 4 }, /* ip, udp, fragment, the port */
		{ "udp[2:2] != 0 and udp[2:2] < 100", 4 },
		{ "portrange 1000-2000", 13 },               /* 17 jumps: 4 pairs */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(merged) / sizeof(merged[0]); i++) {
		struct ws_cbpf *c;
		struct ws_cbpf_info info;
		char err[256];

		assert_int_equal(ws_cbpf_compile(merged[i].expr, &c, err, sizeof(err)), 0);
		ws_cbpf_info(c, &info);
		if (info.tests != merged[i].tests)
			fail_msg("\"%s\": %u tests, expected %u", merged[i].expr, info.tests, merged[i].tests);
		ws_cbpf_free(c);
	}
}

/* A compile error is -1 with libpcap's message, cut to errlen and terminated. */
static void test_compile_errors(void **state)
{
	static const char *bad[] = { "udp and", "tcp port 99999", "ip[0] / 0 = 1", "ip[0] << 40 = 0", "nosuchthing",
				     "ether host 1:2:3" };
	struct ws_cbpf *c = NULL;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bpf_program bp;
		char err[256], ref[PCAP_ERRBUF_SIZE], small[8];

		assert_int_not_equal(pcap_compile(dead, &bp, bad[i], 1, PCAP_NETMASK_UNKNOWN), 0);
		snprintf(ref, sizeof(ref), "%s", pcap_geterr(dead));
		assert_int_equal(ws_cbpf_compile(bad[i], &c, err, sizeof(err)), -1);
		assert_string_equal(err, ref);
		memset(small, 'x', sizeof(small));
		assert_int_equal(ws_cbpf_compile(bad[i], &c, small, sizeof(small)), -1);
		assert_int_equal(small[sizeof(small) - 1], '\0');
		assert_memory_equal(small, ref, sizeof(small) - 1);
		assert_int_equal(ws_cbpf_compile(bad[i], &c, NULL, 0), -1);
	}
	ws_cbpf_free(NULL);
}

/* ip6 protochain: a loop. Extension-header chains are followed as libpcap
 * follows them; a chain that brings X back where it was (an AH header whose
 * length points at itself: libpcap 1.10's code then loops forever, so it is
 * not asked) ends after 64 backward jumps with no match. */
static void test_protochain(void **state)
{
	struct ws_cbpf *c;
	struct bpf_program bp;
	struct frame f = { .name = "ip6 ah loop" };
	char err[256];
	unsigned matched = 0;

	(void)state;
	assert_int_equal(ws_cbpf_compile("ip6 protochain 6", &c, err, sizeof(err)), 0);
	ref_compile("ip6 protochain 6", &bp);
	for (unsigned i = 0; i < nframes; i++)
		matched += same("ip6 protochain 6", frames[i].name, c, &bp, frames[i].b, frames[i].len);
	assert_int_equal(matched, 3); /* the TCP ones: direct, behind 3 headers, behind AH */

	/* 60 destination-options headers, then TCP: 60 turns, as libpcap */
	f.len = 0;
	put(&f, mac_b, 6);
	put(&f, mac_a, 6);
	put16(&f, 0x86dd);
	ip6(&f, 60, v6_a, v6_b, 60 * 8 + 20);
	for (unsigned i = 0; i < 60; i++)
		ext8(&f, i < 59 ? 60 : 6);
	tcp(&f, 1, 2, SYN);
	assert_true(same("ip6 protochain 6", "60 headers", c, &bp, f.b, f.len));

	/* 70 of them: libpcap 1.10 goes on and matches, we stop at 64 (cbpf.c) */
	f.len = 0;
	put(&f, mac_b, 6);
	put(&f, mac_a, 6);
	put16(&f, 0x86dd);
	ip6(&f, 60, v6_a, v6_b, 70 * 8 + 20);
	for (unsigned i = 0; i < 70; i++)
		ext8(&f, i < 69 ? 60 : 6);
	tcp(&f, 1, 2, SYN);
	assert_true(bpf_filter(bp.bf_insns, f.b, f.len, f.len) != 0);
	assert_false(ws_cbpf_match(c, f.b, f.len));

	/* AH at offset 40 of the IPv6 payload with length 8: (8 + 2) * 4 = 40 */
	f.len = 0;
	put(&f, mac_b, 6);
	put(&f, mac_a, 6);
	put16(&f, 0x86dd);
	ip6(&f, 51, v6_a, v6_b, 40);
	put8(&f, 51);
	put8(&f, 8);
	pad(&f, 38, 0);
	assert_false(ws_cbpf_match(c, f.b, f.len));
	pcap_freecode(&bp);
	ws_cbpf_free(c);
}

/* The same with the lanes on SSE, where the CPU would run them on AVX-512. */
static void test_sse_lanes(void **state)
{
	struct ws_cbpf *c;
	struct ws_cbpf_info info;
	char err[256];

	assert_int_equal(setenv("WS_CBPF_NO_AVX512", "1", 1), 0);
	assert_int_equal(ws_cbpf_compile("udp", &c, err, sizeof(err)), 0);
	ws_cbpf_info(c, &info);
	assert_string_equal(info.isa, "sse4.1");
	ws_cbpf_free(c);
	test_frames_and_truncations(state);
	test_random_mutations(state);
	assert_int_equal(unsetenv("WS_CBPF_NO_AVX512"), 0);
}

/* ws_cbpf_match_bulk gives ws_cbpf_match's answer for every frame and every
 * truncation of it (each in an allocation of exactly its length), in bursts
 * of 1 to 64 frames and one of more (counted as 64); with the SSE lanes too. */
static void test_bulk(void **state)
{
	enum { MAXN = 32 * 1600 };
	static const uint8_t *p[MAXN];
	static uint32_t len[MAXN];
	uint64_t rng = 0x5eedb01c;

	(void)state;
	for (int sse = 0; sse < 2; sse++) {
		if (sse)
			assert_int_equal(setenv("WS_CBPF_NO_AVX512", "1", 1), 0);
		for (unsigned e = 0; e < NEXPRS; e++) {
			struct ws_cbpf *c;
			char err[256];
			unsigned n = 0, matched = 0;

			assert_int_equal(ws_cbpf_compile(exprs[e].expr, &c, err, sizeof(err)), 0);
			for (unsigned i = 0; i < nframes; i++)
				for (unsigned l = 0; l <= frames[i].len && n < MAXN; l += l < 80 ? 1 : 7) {
					uint8_t *copy = malloc(l ? l : 1);

					assert_non_null(copy);
					memcpy(copy, frames[i].b, l);
					p[n] = copy;
					len[n++] = l;
				}
			for (unsigned at = 0, k; at < n; at += k) {
				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				k = 1 + (unsigned)(rng >> 33) % 70; /* over 64 now and then */
				if (k > n - at)
					k = n - at;
				uint64_t bits = ws_cbpf_match_bulk(c, p + at, len + at, k);

				for (unsigned j = 0; j < k; j++) {
					bool want = j < WS_CBPF_BULK_MAX && ws_cbpf_match(c, p[at + j], len[at + j]);

					bool got = j < WS_CBPF_BULK_MAX && (bits >> j & 1);

					if (got != want)
						fail_msg("\"%s\" frame %u (%u bytes), burst of %u: bulk %d, single %d",
							 exprs[e].expr, at + j, len[at + j], k, got, want);
					matched += want;
				}
				if (k > WS_CBPF_BULK_MAX)
					k = WS_CBPF_BULK_MAX; /* the rest comes again in the next burst */
			}
			if (exprs[e].expr[0] && matched == 0)
				fail_msg("\"%s\" matched nothing", exprs[e].expr);
			for (unsigned i = 0; i < n; i++)
				free((void *)p[i]);
			ws_cbpf_free(c);
		}
	}
	assert_int_equal(unsetenv("WS_CBPF_NO_AVX512"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_and_truncations),
		cmocka_unit_test(test_random_mutations),
		cmocka_unit_test(test_sse_lanes),
		cmocka_unit_test(test_capture_frames),
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_range_merge),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_protochain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
