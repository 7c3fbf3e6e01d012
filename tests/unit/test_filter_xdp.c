/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP early-drop stage (filter/xdp_filter.h, bpf/xdp_filter.bpf.c), run
 * in the kernel with bpf_prog_test_run: it loads and passes the verifier for
 * every kind of set; on seeded random rule sets and frames it drops exactly
 * what ws_filter_classify drops and its counters equal a ws_filter_state's;
 * rules after a tcpdump expression are left to userspace with a tag;
 * per-source rate limits count exactly; dry-run; attach, replace and close on
 * a veth pair in a private network namespace. Needs root and a kernel that
 * takes the program: otherwise each test says why and passes.
 * Addresses: 198.18.0.0/15, 127.0.0.0/8, 2001:db8::/32 only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/cpu.h"
#include "filter/classify.h"
#include "filter/xdp_filter.h"
#include "test_rng.h"

#define MAXF 1024u /* largest test frame */

static bool bpf_ok;
static char why_not[300];

/* Every test starts with this: false (and a message, the test passes) when
 * the kernel cannot run the program here. */
static bool have_bpf(void)
{
	if (!bpf_ok)
		print_message("skipped: %s\n", why_not);
	return bpf_ok;
}

static struct ws_filter_set *set_from(const char *text)
{
	struct ws_filter_rules *rules = NULL;
	struct ws_filter_set *set;
	char err[256] = "";

	if (ws_filter_rules_parse_text(text, "t", &rules, err, sizeof(err)) != 0)
		fail_msg("parse: %s\n--\n%s", err, text);
	set = ws_filter_set_build(rules, err, sizeof(err));
	if (!set)
		fail_msg("build: %s", err);
	return set;
}

static struct ws_xdp_filter *load(const struct ws_filter_set *set, unsigned flags)
{
	char err[600] = "";
	struct ws_xdp_filter *xf = ws_xdp_filter_load(set, flags, err, sizeof(err));

	if (!xf)
		fail_msg("load: %s", err);
	assert_int_equal(ws_xdp_filter_rules(xf), ws_filter_set_xdp_rules(set));
	return xf;
}

/* Run the program once on frame; *out (optional) gets the frame after it. */
static int run_ex(const struct ws_xdp_filter *xf, const uint8_t *frame, unsigned len, uint8_t *out, uint32_t *outlen,
		  const struct xdp_md *ctx)
{
	uint8_t buf[MAXF + 64];
	struct xdp_md cin;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .data_out = out ? out : buf,
		    .data_size_out = sizeof(buf), .repeat = 1);

	if (ctx) {
		/* the kernel wants data_end = the frame's length */
		cin = *ctx;
		cin.data = 0;
		cin.data_end = len;
		o.ctx_in = &cin;
		o.ctx_size_in = sizeof(cin);
	}
	int rc = bpf_prog_test_run_opts(ws_xdp_filter_prog_fd(xf), &o);
	if (rc)
		fail_msg("test_run: %s (len %u)", strerror(errno), len);
	if (outlen)
		*outlen = o.data_size_out;
	return (int)o.retval;
}

static int run(const struct ws_xdp_filter *xf, const uint8_t *frame, unsigned len)
{
	return run_ex(xf, frame, len, NULL, NULL, NULL);
}

static void read_ctr(const struct ws_xdp_filter *xf, size_t rule, struct ws_filter_counters *c)
{
	assert_int_equal(ws_xdp_filter_read(xf, rule, c), 0);
}

static uint32_t prog_id(const struct ws_xdp_filter *xf)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(ws_xdp_filter_prog_fd(xf), &info, &len), 0);
	return info.id;
}

static uint32_t verified_insns(const struct ws_xdp_filter *xf)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(ws_xdp_filter_prog_fd(xf), &info, &len), 0);
	return info.verified_insns;
}

/* Keep the test on one CPU: the program's counters are summed anyway, but
 * rate-limit buckets are per CPU. */
static void pin_here(void)
{
	int cpu = sched_getcpu();

	assert_int_equal(ws_cpu_pin(cpu < 0 ? 0 : cpu), 0);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- frames */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 0x01 }, mac_s[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* Ethernet header with ethertype et; returns its length. */
static unsigned eth(uint8_t *d, unsigned et)
{
	memcpy(d, mac_d, 6);
	memcpy(d + 6, mac_s, 6);
	put16(d + 12, et);
	return 14;
}

/* An IPv4 UDP frame src -> dst (host-order addresses), ports, payload bytes. */
static unsigned udp4(uint8_t *d, uint32_t src, uint32_t dst, unsigned sport, unsigned dport, unsigned payload)
{
	unsigned off = eth(d, 0x0800), len = off + 28 + payload;

	memset(d + off, 0, 28 + payload);
	d[off] = 0x45;
	put16(d + off + 2, 28 + payload);
	d[off + 8] = 64;
	d[off + 9] = 17;
	put16(d + off + 12, src >> 16);
	put16(d + off + 14, src & 0xffff);
	put16(d + off + 16, dst >> 16);
	put16(d + off + 18, dst & 0xffff);
	put16(d + off + 20, sport);
	put16(d + off + 22, dport);
	put16(d + off + 24, 8 + payload);
	return len;
}

#define A4(a, b, c, e) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(e))

/* Address pools the random rules and frames share, so that rules match. */
static const uint32_t pool4[] = {
	A4(198, 18, 0, 1), A4(198, 18, 0, 2), A4(198, 18, 0, 130), A4(198, 18, 1, 1),
	A4(198, 18, 1, 77), A4(198, 19, 7, 1), A4(198, 19, 7, 200), A4(198, 19, 255, 254),
};
static const uint8_t pool6[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0xaa, 0, 0, 0, 0, 0, 0, 9 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 },
};
static const unsigned ports[] = { 7, 53, 80, 443, 1024, 40000 };
static const unsigned protos[] = { 6, 17, 132, 1, 58, 47 };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t pick4(void)
{
	switch (rnd() % 4) {
	case 0:
		return A4(198, 18, 0, 0) | (uint32_t)(rnd() & 0x1ffff); /* anywhere in 198.18.0.0/15 */
	case 1:
		return A4(127, 0, 0, 1);
	default:
		return pool4[rnd() % NELEM(pool4)];
	}
}

static void pick6(uint8_t a[16])
{
	memcpy(a, pool6[rnd() % NELEM(pool6)], 16);
	if (rnd() % 4 == 0)
		a[15] = (uint8_t)rnd();
	if (rnd() % 8 == 0)
		a[7] = (uint8_t)rnd();
}

/* The L4 part at d: a TCP/UDP/SCTP/ICMP header for proto (or bytes), then a
 * payload; returns its length. */
static unsigned l4(uint8_t *d, unsigned proto)
{
	unsigned hl = proto == 6 ? 20 : proto == 17 || proto == 1 || proto == 58 ? 8 : proto == 132 ? 12 : 4;
	unsigned len = hl + (unsigned)(rnd() % 40);

	for (unsigned i = 0; i < len; i++)
		d[i] = (uint8_t)rnd();
	if (proto == 6 || proto == 17 || proto == 132) {
		put16(d, rnd() % 3 ? ports[rnd() % NELEM(ports)] : (unsigned)(rnd() & 0xffff));
		put16(d + 2, rnd() % 3 ? ports[rnd() % NELEM(ports)] : (unsigned)(rnd() & 0xffff));
	}
	if (proto == 6) {
		static const uint8_t fl[] = { 0x02, 0x12, 0x10, 0x04, 0x01, 0x18, 0xc2 };

		d[13] = rnd() % 4 ? fl[rnd() % NELEM(fl)] : (uint8_t)rnd();
	}
	return len;
}

/* A random frame for the differential: IPv4 (options, fragments, odd
 * lengths), IPv6 (extension header chains, fragments), VLAN tags (up to
 * three), ARP, broken headers, and cut at a random point now and then. */
static unsigned gen_frame(uint8_t *d)
{
	unsigned off = 12, kind = (unsigned)(rnd() % 16), tags = rnd() % 6 == 0 ? (unsigned)(rnd() % 4) : 0;
	unsigned len;

	memcpy(d, mac_d, 6);
	memcpy(d + 6, mac_s, 6);
	for (unsigned t = 0; t < tags; t++) {
		put16(d + off, rnd() % 2 ? 0x8100 : 0x88a8);
		put16(d + off + 2, (unsigned)(rnd() & 0xfff));
		off += 4;
	}
	if (kind == 0) { /* ARP */
		put16(d + off, 0x0806);
		off += 2;
		for (unsigned i = 0; i < 28; i++)
			d[off + i] = (uint8_t)rnd();
		len = off + 28;
	} else if (kind <= 8) { /* IPv4 */
		unsigned ihl = rnd() % 5 == 0 ? 5 + (unsigned)(rnd() % 4) : 5, proto = protos[rnd() % NELEM(protos)];
		uint8_t *ip;

		put16(d + off, 0x0800);
		off += 2;
		ip = d + off;
		memset(ip, 0, ihl * 4);
		ip[0] = (uint8_t)(0x40 | ihl);
		if (rnd() % 20 == 0)
			ip[0] = (uint8_t)(rnd() % 2 ? 0x44 : 0x65); /* IHL 4, or version 6 */
		ip[8] = 64;
		ip[9] = (uint8_t)(rnd() % 10 ? proto : rnd());
		switch (rnd() % 8) {
		case 0:
			put16(ip + 6, 0x2000); /* MF, offset 0: a first fragment */
			break;
		case 1:
			/* a later fragment (the offset's top bit alone too) */
			put16(ip + 6, 0x2000 | (rnd() % 4 ? (unsigned)(1 + rnd() % 0x1fff) : 0x1000u));
			break;
		default:
			put16(ip + 6, 0x4000); /* DF */
		}
		uint32_t s = pick4(), t = pick4();
		put16(ip + 12, s >> 16);
		put16(ip + 14, s & 0xffff);
		put16(ip + 16, t >> 16);
		put16(ip + 18, t & 0xffff);
		len = off + ihl * 4 + l4(ip + ihl * 4, ip[9]);
		put16(ip + 2, rnd() % 8 ? len - off : (unsigned)(rnd() & 0xffff));
	} else if (kind <= 14) { /* IPv6 */
		unsigned nh = protos[rnd() % NELEM(protos)], pos, prev;
		uint8_t *ip;

		put16(d + off, 0x86dd);
		off += 2;
		ip = d + off;
		memset(ip, 0, 40);
		ip[0] = rnd() % 20 ? 0x60 : 0x40;
		ip[7] = 64;
		pick6(ip + 8);
		pick6(ip + 24);
		pos = off + 40;
		prev = off + 6; /* where the next header byte goes */
		unsigned exts = rnd() % 3 == 0 ? (unsigned)(rnd() % 11) : 0;
		for (unsigned e = 0; e < exts; e++) {
			static const uint8_t types[] = { 0, 43, 60, 44 };
			unsigned ty = types[rnd() % 4], hl;

			d[prev] = (uint8_t)ty;
			if (ty == 44) {
				hl = 8;
				memset(d + pos, 0, 8);
				/* a later fragment now and then, else offset 0 (M flag or not) */
				put16(d + pos + 2,
				      rnd() % 3 == 0 ? (unsigned)((1 + rnd() % 50) << 3) : (unsigned)(rnd() % 2));
			} else {
				unsigned x = (unsigned)(rnd() % 3);

				hl = (x + 1) * 8;
				for (unsigned i = 0; i < hl; i++)
					d[pos + i] = (uint8_t)rnd();
				d[pos + 1] = (uint8_t)x;
			}
			prev = pos;
			pos += hl;
		}
		d[prev] = (uint8_t)nh;
		len = pos + l4(d + pos, nh);
		put16(ip + 4, rnd() % 8 ? len - off - 40 : (unsigned)(rnd() & 0xffff));
	} else { /* some other ethertype */
		put16(d + off, (unsigned)(rnd() & 0xffff));
		off += 2;
		len = off + 20;
		for (unsigned i = off; i < len; i++)
			d[i] = (uint8_t)rnd();
	}
	if (len < 60 && rnd() % 2) { /* Ethernet padding */
		memset(d + len, 0, 60 - len);
		len = 60;
	}
	if (rnd() % 6 == 0) /* cut short (the kernel takes at least 14 bytes) */
		len = 14 + (unsigned)(rnd() % (len - 13));
	return len;
}

/* ---------------------------------------------------------------- random rule sets */

static int add(char *b, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add(char *b, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(b);
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(b + l, cap - l, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap - l);
	return n;
}

static void prefix_text(char *out, size_t cap, unsigned fam)
{
	if (fam == 4) {
		unsigned len = 15 + (unsigned)(rnd() % 18);
		uint32_t a = pool4[rnd() % NELEM(pool4)], m = len ? ~0u << (32 - len) : 0;

		a &= m;
		snprintf(out, cap, "%u.%u.%u.%u/%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, len);
	} else {
		unsigned len = 32 + (unsigned)(rnd() % 97);
		uint8_t a[16];
		char *p = out;

		memcpy(a, pool6[rnd() % NELEM(pool6)], 16);
		for (unsigned b = len; b < 128; b++)
			a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
		for (int i = 0; i < 8; i++)
			p += sprintf(p, "%x%s", a[2 * i] << 8 | a[2 * i + 1], i < 7 ? ":" : "");
		sprintf(p, "/%u", len);
		(void)cap;
	}
}

static void range_text(char *out, size_t cap, const unsigned *pool, size_t n)
{
	unsigned a = pool[rnd() % n];

	if (rnd() % 2)
		snprintf(out, cap, "%u", a);
	else
		snprintf(out, cap, "%u-%u", a, a + (unsigned)(rnd() % 2000));
}

/* One random rule (no expr) appended to b. */
static void gen_rule(char *b, size_t cap)
{
	static const char *const acts[] = { "drop", "drop", "pass", "count", "count", "rate-limit" };
	const char *act = acts[rnd() % NELEM(acts)];
	unsigned fam = rnd() % 3 == 0 ? 0 : rnd() % 2 ? 4 : 6, proto = 0;
	char t[80];

	add(b, cap, "%s", act);
	if (!strcmp(act, "rate-limit")) {
		/* a rate so low that nothing refills while the test runs: the
		 * counts then depend on the burst only */
		if (rnd() % 4)
			add(b, cap, " 1pps burst %u", 1 + (unsigned)(rnd() % 6));
		else
			add(b, cap, " 1Bps burst %u", 60 + (unsigned)(rnd() % 600));
		if (rnd() % 2)
			add(b, cap, " per src");
		else if (rnd() % 2)
			add(b, cap, " per src/%u per src6/%u", 8 + (unsigned)(rnd() % 25),
			    16 + (unsigned)(rnd() % 113));
	}
	if (fam && rnd() % 2) {
		prefix_text(t, sizeof(t), fam);
		add(b, cap, " src %s", t);
	}
	if (fam && rnd() % 2) {
		prefix_text(t, sizeof(t), fam);
		add(b, cap, " dst %s", t);
	}
	if (fam && rnd() % 4 == 0)
		add(b, cap, " family ip%u", fam);
	if (rnd() % 2) {
		proto = protos[rnd() % NELEM(protos)];
		if ((proto == 1 && fam == 6) || (proto == 58 && fam == 4))
			proto = 17;
		add(b, cap, " proto %u", proto);
	}
	if ((proto == 0 || proto == 6 || proto == 17 || proto == 132) && rnd() % 3 == 0) {
		range_text(t, sizeof(t), ports, NELEM(ports));
		add(b, cap, " sport %s", t);
	}
	if ((proto == 0 || proto == 6 || proto == 17 || proto == 132) && rnd() % 3 == 0) {
		range_text(t, sizeof(t), ports, NELEM(ports));
		add(b, cap, " dport %s", t);
	}
	if ((proto == 0 || proto == 6) && rnd() % 5 == 0) {
		static const char *const fl[] = { "syn/syn,ack", "syn", "ack", "rst", "/rst", "fin,psh/fin,psh,urg" };

		add(b, cap, " flags %s", fl[rnd() % NELEM(fl)]);
	}
	if (rnd() % 6 == 0) {
		unsigned lo = 20 + (unsigned)(rnd() % 100);

		add(b, cap, " len %u-%u", lo, lo + (unsigned)(rnd() % 100));
	}
	add(b, cap, "\n");
}

/* ---------------------------------------------------------------- tests */

static int group_setup(void **state)
{
	struct ws_filter_set *set;
	struct ws_filter_rules *rules = NULL;
	struct ws_xdp_filter *xf;
	char err[256];

	(void)state;
	if (geteuid() != 0) {
		snprintf(why_not, sizeof(why_not), "needs root (loading XDP programs)");
		return 0;
	}
	if (ws_filter_rules_parse_text("", "t", &rules, err, sizeof(err)) != 0)
		return -1;
	set = ws_filter_set_build(rules, err, sizeof(err));
	if (!set)
		return -1;
	xf = ws_xdp_filter_load(set, 0, why_not, sizeof(why_not));
	bpf_ok = xf != NULL;
	/* the verifier refusing our program is a bug, not a missing feature */
	if (!xf && errno == EACCES) {
		fprintf(stderr, "%s\n", why_not);
		ws_filter_set_free(set);
		return -1;
	}
	if (xf) {
		/* test_run must work too (not every kernel runs XDP there) */
		uint8_t f[64];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = udp4(f, 1, 2, 3, 4, 10), .repeat = 1);

		if (bpf_prog_test_run_opts(ws_xdp_filter_prog_fd(xf), &o) != 0) {
			snprintf(why_not, sizeof(why_not), "bpf_prog_test_run on XDP: %s", strerror(errno));
			bpf_ok = false;
		}
	}
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
	return 0;
}

/* Sets of every shape load and pass the verifier; a few frames each. */
static void test_loads(void **state)
{
	static const char *const texts[] = {
		"",
		"default drop\n",
		/* every match kind */
		"drop src 198.18.0.0/16 dst 198.19.0.0/24 proto udp sport 1-1000 dport 53 len 20-1500\n"
		"pass family ip4 proto tcp flags syn/syn,ack\n"
		"count dst 198.18.7.0/24\n"
		"drop proto icmp\n"
		"drop proto sctp dport 9\n"
		"pass proto 47\n"
		"count sport 7\n"
		"drop len 1000-2000\n"
		"drop family ip6 proto icmp6\n"
		"pass\n",
		/* IPv6 */
		"drop src 2001:db8:bad::/48\n"
		"pass dst 2001:db8::1\n"
		"count src 2001:db8::/32 dst 2001:db8:1::/64 proto tcp dport 80-90\n"
		"drop family ip6 flags rst\n",
		/* rate limits */
		"rate-limit 1000pps\n"
		"rate-limit 10kpps burst 100 per src/24 proto udp\n"
		"rate-limit 125kBps per src per src6/64\n"
		"rate-limit 1000Gpps burst 1000G\n"
		"rate-limit 1000GBps per src6/128 family ip6\n",
	};

	(void)state;
	if (!have_bpf())
		return;
	for (size_t i = 0; i < NELEM(texts); i++) {
		struct ws_filter_set *set = set_from(texts[i]);
		struct ws_xdp_filter *xf = load(set, 0);
		uint8_t f[128];
		unsigned len = udp4(f, A4(198, 18, 0, 1), A4(198, 19, 0, 1), 80, 53, 20);

		assert_int_equal(ws_xdp_filter_rules(xf), ws_filter_set_rules(set)->n);
		print_message("set %zu: %zu rules, verifier: %u insns\n", i, ws_filter_set_rules(set)->n,
			      verified_insns(xf));
		/* the first set passes everything, the second drops everything,
		 * the third drops this frame with its first rule */
		int v = run(xf, f, len);
		assert_int_equal(v, i == 1 || i == 2 ? XDP_DROP : XDP_PASS);
		ws_xdp_filter_close(xf);
		ws_filter_set_free(set);
	}
}

/* 16 nested prefixes around one address: one list of 16 (all in XDP); the
 * merge goes through every one. A 17th leaves it to userspace. */
static void test_overlap(void **state)
{
	char text[4096] = "";
	struct ws_filter_counters c;

	(void)state;
	if (!have_bpf())
		return;
	/* 15 counting prefixes 198.18.0.0/16 .. /30, then a drop of the /31 */
	for (unsigned l = 16; l < 31; l++)
		add(text, sizeof(text), "count src 198.18.0.0/%u\n", l);
	add(text, sizeof(text), "drop src 198.18.0.0/31\n");
	struct ws_filter_set *set = set_from(text);
	struct ws_xdp_filter *xf = load(set, 0);
	uint8_t f[128];

	assert_int_equal(ws_xdp_filter_rules(xf), 16);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10)), XDP_DROP);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 2), A4(198, 18, 1, 1), 1, 2, 10)), XDP_PASS);
	for (unsigned r = 0; r < 15; r++) {
		read_ctr(xf, r, &c);
		assert_int_equal(c.hits, 2); /* both sources lie in /16 .. /30 */
	}
	read_ctr(xf, 15, &c);
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.drops, 1);
	read_ctr(xf, 16, &c);
	assert_int_equal(c.hits, 1);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);

	/* a 17th overlapping rule: XDP runs the first 16 */
	add(text, sizeof(text), "drop src 198.18.0.0/32\n");
	set = set_from(text);
	xf = load(set, 0);
	assert_int_equal(ws_xdp_filter_rules(xf), 16);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10)), XDP_DROP);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* Seeded random sets without expr against ws_filter_classify: the same
 * drops, the same counters. */
static void test_differential(void **state)
{
	static char text[1 << 14];
	static uint8_t frames[200][MAXF];
	unsigned lens[200], sets = 0, drops = 0, total = 0;

	(void)state;
	if (!have_bpf())
		return;
	pin_here();
	rng_state = 0x5eed0001;
	for (unsigned round = 0; round < 120; round++) {
		unsigned nrules = (unsigned)(rnd() % 40), nf = 50 + (unsigned)(rnd() % 150);
		struct ws_filter_set *set;

		text[0] = 0;
		if (rnd() % 3 == 0)
			add(text, sizeof(text), "default %s\n", rnd() % 2 ? "drop" : "pass");
		for (unsigned i = 0; i < nrules; i++)
			gen_rule(text, sizeof(text));
		set = set_from(text);
		if (ws_filter_set_xdp_rules(set) != ws_filter_set_rules(set)->n) {
			ws_filter_set_free(set); /* too many overlaps for XDP: another set */
			continue;
		}
		sets++;
		for (unsigned i = 0; i < nf; i++)
			lens[i] = gen_frame(frames[i]);

		struct ws_xdp_filter *xf = load(set, 0);
		struct ws_filter_state *st = ws_filter_state_new(set, false);
		size_t n = ws_filter_set_rules(set)->n;

		assert_non_null(st);
		for (unsigned i = 0; i < nf; i++) {
			struct ws_filter_key key;
			int x = run(xf, frames[i], lens[i]);

			ws_filter_key_from_frame(frames[i], lens[i], &key);
			unsigned v = ws_filter_classify(set, st, &key, frames[i], lens[i], mono_ns(), 0);
			if ((x == XDP_DROP) != (v == WS_FILTER_DROP) || (x != XDP_DROP && x != XDP_PASS))
				fail_msg("round %u frame %u (len %u): XDP %d, classify %u; rules:\n%s", round, i,
					 lens[i], x, v, text);
			drops += v == WS_FILTER_DROP;
			total++;
		}
		for (size_t r = 0; r <= n; r++) {
			struct ws_filter_counters a, b;

			read_ctr(xf, r, &a);
			ws_filter_state_read(st, r, &b);
			if (a.hits != b.hits || a.bytes != b.bytes || a.drops != b.drops)
				fail_msg("round %u rule %zu: XDP %" PRIu64 "/%" PRIu64 "/%" PRIu64
					 ", classify %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n%s", round, r, a.hits,
					 a.bytes, a.drops, b.hits, b.bytes, b.drops, text);
		}
		ws_filter_state_free(st);
		ws_xdp_filter_close(xf);
		ws_filter_set_free(set);
	}
	print_message("%u sets, %u frames, %u dropped\n", sets, total, drops);
	assert_true(sets >= 60);
	assert_true(drops > total / 10 && drops < total - total / 10);
}

/* Nested IPv4 prefixes on and across the trie's stride boundaries (16, 24
 * bits), src and dst: every rule counts, so the counters show exactly which
 * prefixes the program found around each address; they must be classify's,
 * and the innermost ones must have been hit. */
static void test_trie_strides(void **state)
{
	static const char *const text =
		"count src 198.18.0.0/15\n"
		"count src 198.18.0.255/32\n" /* longer before shorter in rule order */
		"count src 198.18.0.0/16\n"
		"count src 198.18.0.0/17\n"
		"count src 198.18.0.0/23\n"
		"count src 198.18.1.0/24\n"
		"count src 198.18.0.0/25\n"
		"count src 198.18.0.128/25\n"
		"count src 198.18.0.254/31\n"
		"count src 198.19.128.0/24\n"
		"count src 198.19.128.7/32\n"
		"count src 198.19.255.0/25\n"
		"count dst 198.19.0.0/16\n"
		"count dst 198.19.7.200/29\n"
		"count dst 198.18.255.0/24\n"
		"drop src 198.18.0.1/32 dst 198.19.7.0/24\n"
		"drop src 198.19.128.0/17\n";
	static const uint32_t addrs[] = {
		A4(198, 18, 0, 0),     A4(198, 18, 0, 1),     A4(198, 18, 0, 127),   A4(198, 18, 0, 128),
		A4(198, 18, 0, 253),   A4(198, 18, 0, 254),   A4(198, 18, 0, 255),   A4(198, 18, 1, 0),
		A4(198, 18, 1, 255),   A4(198, 18, 2, 0),     A4(198, 18, 127, 255), A4(198, 18, 128, 0),
		A4(198, 18, 255, 255), A4(198, 19, 0, 0),     A4(198, 19, 7, 199),   A4(198, 19, 7, 200),
		A4(198, 19, 7, 207),   A4(198, 19, 7, 208),   A4(198, 19, 127, 255), A4(198, 19, 128, 6),
		A4(198, 19, 128, 7),   A4(198, 19, 128, 8),   A4(198, 19, 129, 0),   A4(198, 19, 255, 127),
		A4(198, 19, 255, 128), A4(127, 0, 0, 1),
	};
	struct ws_filter_set *set;
	struct ws_xdp_filter *xf;
	struct ws_filter_state *st;
	unsigned drops = 0;
	uint8_t f[128];
	size_t n;

	(void)state;
	if (!have_bpf())
		return;
	set = set_from(text);
	xf = load(set, 0);
	st = ws_filter_state_new(set, false);
	assert_non_null(st);
	n = ws_filter_set_rules(set)->n;
	assert_int_equal(ws_xdp_filter_rules(xf), n);
	for (size_t i = 0; i < NELEM(addrs); i++)
		for (size_t j = 0; j < NELEM(addrs); j++) {
			unsigned len = udp4(f, addrs[i], addrs[j], 1000, 53, 10);
			struct ws_filter_key key;
			int x = run(xf, f, len);

			ws_filter_key_from_frame(f, len, &key);
			unsigned v = ws_filter_classify(set, st, &key, f, len, mono_ns(), 0);
			if ((x == XDP_DROP) != (v == WS_FILTER_DROP))
				fail_msg("src %08x dst %08x: XDP %d, classify %u", addrs[i], addrs[j], x, v);
			drops += x == XDP_DROP;
		}
	for (size_t r = 0; r <= n; r++) {
		struct ws_filter_counters a, b;

		read_ctr(xf, r, &a);
		ws_filter_state_read(st, r, &b);
		if (a.hits != b.hits || a.drops != b.drops)
			fail_msg("rule %zu: XDP %" PRIu64 "/%" PRIu64 ", classify %" PRIu64 "/%" PRIu64, r, a.hits,
				 a.drops, b.hits, b.drops);
		/* every prefix covers at least one of the addresses */
		if (r < n)
			assert_true(a.hits > 0);
	}
	/* 198.18.0.255 is one source: its /32 counts it once per destination */
	struct ws_filter_counters c;
	read_ctr(xf, 1, &c);
	assert_int_equal(c.hits, NELEM(addrs));
	assert_true(drops > 0);
	ws_filter_state_free(st);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* The rules of test_direct: plain drops keyed by one prefix (direct trie
 * entries, dropped without reading a list) beside every way an earlier rule
 * can still come first: a rule with a check on the same prefix, a nested
 * prefix, a rule on the other address, a wildcard rule. */
#define DIRECT_RULES                                                                                                   \
	"drop src 198.18.1.0/24\n"                                                                                     \
	"drop src 198.18.2.0/24 proto udp\n"                                                                           \
	"drop dst 198.19.5.0/24\n"                                                                                     \
	"drop src 198.18.3.0/24\n"                                                                                     \
	"pass src 198.18.3.128/25\n"                                                                                   \
	"drop dst 198.19.6.0/24\n"                                                                                     \
	"pass dst 198.19.1.0/24\n"                                                                                     \
	"drop src 198.18.4.0/24\n"                                                                                     \
	"count proto tcp\n"                                                                                            \
	"drop src 198.18.9.0/24\n"                                                                                     \
	"drop src 2001:db8:0:1::/64\n"                                                                                 \
	"drop dst 2001:db8::/126\n"

/* Direct entries: the same verdicts and counters as classify where the
 * shortcut applies and where it must not (DIRECT_RULES), alone, behind a
 * wildcard rule, and with a drop default for the frames no rule takes. */
static void test_direct(void **state)
{
	static const char *const texts[] = {
		DIRECT_RULES,
		"count dport 7\n" DIRECT_RULES,
		"default drop\n" DIRECT_RULES,
	};
	static const uint32_t srcs[] = {
		A4(198, 18, 1, 5), A4(198, 18, 2, 5), A4(198, 18, 3, 5),
		A4(198, 18, 3, 200), A4(198, 18, 4, 5), A4(198, 18, 9, 5), A4(198, 18, 7, 7),
	};
	static const uint32_t dsts[] = { A4(198, 19, 5, 1), A4(198, 19, 6, 1), A4(198, 19, 1, 1), A4(198, 19, 9, 9) };
	static uint8_t f[MAXF];

	(void)state;
	if (!have_bpf())
		return;
	rng_state = 0x5eed0003;
	for (size_t t = 0; t < NELEM(texts); t++) {
		struct ws_filter_set *set = set_from(texts[t]);
		struct ws_xdp_filter *xf = load(set, 0);
		struct ws_filter_state *st = ws_filter_state_new(set, false);
		size_t n = ws_filter_set_rules(set)->n, nf = 0;
		unsigned drops = 0;

		assert_non_null(st);
		assert_int_equal(ws_xdp_filter_rules(xf), n);
		for (size_t i = 0; i < NELEM(srcs) * NELEM(dsts) * 4 + 400; i++) {
			unsigned len;

			if (i < NELEM(srcs) * NELEM(dsts) * 4) {
				size_t g = i / 4;

				/* UDP or (the UDP header made 20 bytes of TCP) TCP, to port 7 or 53 */
				len = udp4(f, srcs[g / NELEM(dsts)], dsts[g % NELEM(dsts)], 1000, i % 2 ? 7 : 53, 12);
				if (i / 2 % 2)
					f[14 + 9] = 6;
			} else {
				len = gen_frame(f); /* IPv6 from pool6 among them */
			}
			struct ws_filter_key key;
			int x = run(xf, f, len);

			ws_filter_key_from_frame(f, len, &key);
			unsigned v = ws_filter_classify(set, st, &key, f, len, mono_ns(), 0);
			if ((x == XDP_DROP) != (v == WS_FILTER_DROP))
				fail_msg("set %zu frame %zu: XDP %d, classify %u", t, i, x, v);
			drops += x == XDP_DROP;
			nf++;
		}
		for (size_t r = 0; r <= n; r++) {
			struct ws_filter_counters a, b;

			read_ctr(xf, r, &a);
			ws_filter_state_read(st, r, &b);
			if (a.hits != b.hits || a.bytes != b.bytes || a.drops != b.drops)
				fail_msg("set %zu rule %zu: XDP %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", classify %" PRIu64
					 "/%" PRIu64 "/%" PRIu64, t, r, a.hits, a.bytes, a.drops, b.hits, b.bytes, b.drops);
		}
		/* the first direct drop and the IPv6 one were taken */
		struct ws_filter_counters c;
		size_t first = t == 1 ? 1 : 0;
		read_ctr(xf, first, &c);
		assert_true(c.drops > 0);
		read_ctr(xf, first + 10, &c);
		assert_true(c.drops > 0);
		assert_true(drops > 0 && drops < nf);
		ws_filter_state_free(st);
		ws_xdp_filter_close(xf);
		ws_filter_set_free(set);
	}
}

/* 10,000 distinct /20../32 source prefixes in 198.18.0.0/15 (and one known
 * /24 last): all in XDP, the same drops as classify for random sources. */
static void test_many_prefixes(void **state)
{
	enum { N = 10000 };
	static char text[N * 48];
	static uint32_t have[N];
	struct ws_filter_counters c;
	size_t nh = 0;
	uint8_t f[128];

	(void)state;
	if (!have_bpf())
		return;
	rng_state = 0x5eed0002;
	text[0] = 0;
	while (nh < N - 1) {
		unsigned len = 20 + (unsigned)(rnd() % 13);
		/* 198.18.0.0 .. 198.19.191.255: nothing covers the 198.19.200.0/24 below */
		uint32_t a = (A4(198, 18, 0, 0) + (uint32_t)(rnd() % 0x1c000)) & (~0u << (32 - len));
		uint32_t id = a ^ len << 27; /* a's low bits are zero: room for len */
		bool dup = false;

		for (size_t i = nh; i-- > 0 && i + 64 > nh;) /* cheap check; the rest by chance is rare */
			dup |= have[i] == id;
		for (size_t i = 0; i < nh && !dup; i++)
			dup = have[i] == id;
		if (dup)
			continue;
		have[nh++] = id;
		add(text, sizeof(text), "drop src %u.%u.%u.%u/%u\n", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
		    len);
	}
	add(text, sizeof(text), "drop src 198.19.200.0/24\n");
	struct ws_filter_set *set = set_from(text);
	struct ws_xdp_filter *xf = load(set, 0);
	struct ws_filter_state *st = ws_filter_state_new(set, false);
	unsigned dropped = 0;

	assert_int_equal(ws_xdp_filter_rules(xf), N);
	print_message("10,000 prefix rules: verifier %u insns\n", verified_insns(xf));
	for (unsigned i = 0; i < 3000; i++) {
		uint32_t s = A4(198, 18, 0, 0) | (uint32_t)(rnd() & 0x1ffff);
		unsigned len = udp4(f, s, A4(198, 18, 0, 1), 1000, 53, 10);
		struct ws_filter_key key;
		int x = run(xf, f, len);

		ws_filter_key_from_frame(f, len, &key);
		unsigned v = ws_filter_classify(set, st, &key, f, len, mono_ns(), 0);
		assert_int_equal(x == XDP_DROP, v == WS_FILTER_DROP);
		dropped += x == XDP_DROP;
	}
	assert_true(dropped > 0 && dropped < 3000);
	for (size_t r = 0; r <= N; r += 97) {
		struct ws_filter_counters b;

		read_ctr(xf, r, &c);
		ws_filter_state_read(st, r, &b);
		assert_int_equal(c.hits, b.hits);
		assert_int_equal(c.drops, b.drops);
	}
	/* the known /24: rule N - 1 */
	struct ws_filter_counters before;
	read_ctr(xf, N - 1, &before);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 19, 200, 7), A4(198, 18, 0, 1), 1000, 53, 22)), XDP_DROP);
	read_ctr(xf, N - 1, &c);
	assert_int_equal(c.drops, before.drops + 1);
	assert_int_equal(c.bytes, before.bytes + 64);

	/* rough timing (printed, never asserted): 64-byte frame hitting the
	 * /24, versus the same frame through a program with no rules */
	{
		struct ws_filter_set *empty = set_from("");
		struct ws_xdp_filter *xe = load(empty, 0);
		unsigned len = udp4(f, A4(198, 19, 200, 7), A4(198, 18, 0, 1), 1000, 53, 22);
		uint8_t out[128];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1000000);
		uint32_t d_big, d_empty;

		assert_int_equal(len, 64);
		assert_int_equal(bpf_prog_test_run_opts(ws_xdp_filter_prog_fd(xf), &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
		d_big = o.duration;
		o.data_size_out = sizeof(out);
		assert_int_equal(bpf_prog_test_run_opts(ws_xdp_filter_prog_fd(xe), &o), 0);
		assert_int_equal(o.retval, XDP_PASS);
		d_empty = o.duration;
		print_message("test_run x1e6, 64-byte UDP: /24 drop in 10,000 rules %u ns/packet, "
			      "no rules %u ns/packet\n", d_big, d_empty);
		ws_xdp_filter_close(xe);
		ws_filter_set_free(empty);
	}
	ws_filter_state_free(st);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* A bound AF_XDP socket on lo queue 0 (copy mode), for the XSKMAP; -1 when
 * the kernel will not make one. Nothing reaches it: lo has no XDP program. */
static int xsk_on_lo(void **umem, size_t *umem_len)
{
	struct xdp_umem_reg mr;
	struct sockaddr_xdp sx;
	int ring = 64, fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	*umem_len = 64 * 4096;
	*umem = mmap(NULL, *umem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || *umem == MAP_FAILED)
		goto fail;
	memset(&mr, 0, sizeof(mr));
	mr.addr = (uintptr_t)*umem;
	mr.len = *umem_len;
	mr.chunk_size = 4096;
	memset(&sx, 0, sizeof(sx));
	sx.sxdp_family = AF_XDP;
	sx.sxdp_ifindex = if_nametoindex("lo");
	sx.sxdp_queue_id = 0;
	sx.sxdp_flags = XDP_COPY;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) ||
	    bind(fd, (struct sockaddr *)&sx, sizeof(sx)))
		goto fail;
	return fd;
fail:
	print_message("no AF_XDP socket on lo: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (*umem != MAP_FAILED)
		munmap(*umem, *umem_len);
	*umem = NULL;
	return -1;
}

/* An expr rule in the middle: rules before it run in XDP, the rest is left
 * to userspace, tagged with k; decided passes are tagged 0xffff. */
static void test_tag(void **state)
{
	struct ws_filter_set *set = NULL;
	struct ws_xdp_filter *xf;
	struct ws_filter_counters c;
	uint8_t f[128], out[256];
	uint32_t outlen, q0 = 0;
	unsigned len;
	void *umem;
	size_t umem_len;
	char err[256];

	(void)state;
	if (!have_bpf())
		return;
	set = set_from("count src 198.18.0.0/16\n"
		       "pass dst 198.18.9.9\n"
		       "drop src 198.18.5.0/24\n"
		       "drop expr \"udp and dst port 53\"\n"
		       "drop src 198.18.1.0/24\n");
	assert_int_equal(ws_filter_set_xdp_rules(set), 3);

	/* the tag needs the socket mode */
	assert_null(ws_xdp_filter_load(set, WS_XDPF_TAG, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);

	xf = load(set, WS_XDPF_TO_XSK | WS_XDPF_TAG);
	/* empty XSKMAP: bpf_redirect_map falls back to XDP_PASS, and the
	 * stack gets the frame as it came (no tag) */
	len = udp4(f, A4(198, 18, 1, 1), A4(198, 18, 2, 2), 1000, 53, 10);
	assert_int_equal(run_ex(xf, f, len, out, &outlen, NULL), XDP_PASS);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, f, len);
	/* dropped frames stay dropped */
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 5, 1), A4(198, 18, 2, 2), 1000, 53, 10)), XDP_DROP);

	/* with a socket on the queue: redirected, tagged */
	int fd = xsk_on_lo(&umem, &umem_len);
	if (fd >= 0) {
		struct xdp_md ctx = { .ingress_ifindex = if_nametoindex("lo"), .rx_queue_index = 0 };

		assert_int_equal(bpf_map_update_elem(ws_xdp_filter_xsks_fd(xf), &q0, &fd, 0), 0);
		/* undecided: count only, then the expr: next_rule = k = 3 */
		len = udp4(f, A4(198, 18, 1, 1), A4(198, 18, 2, 2), 1000, 53, 10);
		assert_int_equal(run_ex(xf, f, len, out, &outlen, &ctx), XDP_REDIRECT);
		assert_int_equal(outlen, len + WS_XDPF_TAG_LEN);
		assert_int_equal(ws_xdpf_tag_read(out, outlen), 3);
		assert_int_equal(out[0], 0x57);
		assert_int_equal(out[1], 0x53);
		assert_memory_equal(out + WS_XDPF_TAG_LEN, f, len);
		/* decided: the pass rule */
		len = udp4(f, A4(198, 18, 1, 1), A4(198, 18, 9, 9), 1000, 53, 10);
		assert_int_equal(run_ex(xf, f, len, out, &outlen, &ctx), XDP_REDIRECT);
		assert_int_equal(ws_xdpf_tag_read(out, outlen), (int)WS_XDPF_TAG_DECIDED);
		assert_memory_equal(out + WS_XDPF_TAG_LEN, f, len);
		/* not IP at all: no rule below k matched, undecided */
		len = eth(f, 0x0806) + 28;
		memset(f + 14, 0, 28);
		assert_int_equal(run_ex(xf, f, len, out, &outlen, &ctx), XDP_REDIRECT);
		assert_int_equal(ws_xdpf_tag_read(out, outlen), 3);
		/* a drop is still a drop */
		assert_int_equal(run_ex(xf, f, udp4(f, A4(198, 18, 5, 1), A4(198, 18, 2, 2), 1, 53, 10), out, &outlen,
					&ctx), XDP_DROP);
		/* counters: rule 0 saw the five 198.18.x frames, the default
		 * index (k = 3) the undecided ones */
		read_ctr(xf, 0, &c);
		assert_int_equal(c.hits, 5);
		read_ctr(xf, 1, &c);
		assert_int_equal(c.hits, 1);
		read_ctr(xf, 2, &c);
		assert_int_equal(c.drops, 2);
		read_ctr(xf, 3, &c);
		assert_int_equal(c.hits, 3);
		assert_int_equal(c.drops, 0);
		assert_int_equal(ws_xdp_filter_read(xf, 4, &c), -ERANGE);

		/* socket mode without the tag: redirected as they are */
		struct ws_xdp_filter *x2 = load(set, WS_XDPF_TO_XSK);

		assert_int_equal(bpf_map_update_elem(ws_xdp_filter_xsks_fd(x2), &q0, &fd, 0), 0);
		len = udp4(f, A4(198, 18, 1, 1), A4(198, 18, 2, 2), 1000, 53, 10);
		assert_int_equal(run_ex(x2, f, len, out, &outlen, &ctx), XDP_REDIRECT);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, f, len);
		ws_xdp_filter_close(x2);
		close(fd);
		munmap(umem, umem_len);
	}
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* rate 1pps burst 5 per src: 8 frames from A then 8 from B: 5 + 5 pass. */
static void test_rate_limit(void **state)
{
	struct ws_filter_counters c;
	uint8_t f[128];
	unsigned pass = 0, drop = 0;

	(void)state;
	if (!have_bpf())
		return;
	pin_here();
	struct ws_filter_set *set = set_from("rate-limit 1pps burst 5 per src\n");
	struct ws_xdp_filter *xf = load(set, 0);

	for (unsigned s = 0; s < 2; s++)
		for (unsigned i = 0; i < 8; i++) {
			int v = run(xf, f, udp4(f, A4(198, 18, 0, 1 + s), A4(198, 18, 1, 1), 1, 2, 10));

			assert_int_equal(v, i < 5 ? XDP_PASS : XDP_DROP);
			pass += v == XDP_PASS;
			drop += v == XDP_DROP;
		}
	assert_int_equal(pass, 10);
	assert_int_equal(drop, 6);
	read_ctr(xf, 0, &c);
	assert_int_equal(c.hits, 16);
	assert_int_equal(c.drops, 6);
	read_ctr(xf, 1, &c);
	assert_int_equal(c.hits, 10);
	ws_xdp_filter_close(xf);

	/* each CPU has buckets of its own, at the full rate */
	if (ws_cpu_count() > 1) {
		int cpu = sched_getcpu();

		xf = load(set, 0);
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(ws_cpu_pin(k == 0 ? cpu : (cpu + 1) % ws_cpu_count()), 0);
			pass = 0;
			for (unsigned i = 0; i < 8; i++)
				pass += run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10)) == XDP_PASS;
			assert_int_equal(pass, 5);
		}
		read_ctr(xf, 0, &c); /* summed over the CPUs */
		assert_int_equal(c.hits, 16);
		assert_int_equal(c.drops, 6);
		ws_xdp_filter_close(xf);
		pin_here();
	}
	ws_filter_set_free(set);

	/* per src/24: two sources of one /24 share a bucket; another /24 has
	 * its own; a limit without `per` has one bucket for everything */
	set = set_from("rate-limit 1pps burst 5 per src/24 proto udp\n"
		       "rate-limit 1pps burst 20\n");
	xf = load(set, 0);
	pass = 0;
	for (unsigned i = 0; i < 8; i++)
		pass += run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10)) == XDP_PASS;
	for (unsigned i = 0; i < 8; i++)
		pass += run(xf, f, udp4(f, A4(198, 18, 0, 200), A4(198, 18, 1, 1), 1, 2, 10)) == XDP_PASS;
	for (unsigned i = 0; i < 8; i++)
		pass += run(xf, f, udp4(f, A4(198, 18, 7, 1), A4(198, 18, 1, 1), 1, 2, 10)) == XDP_PASS;
	assert_int_equal(pass, 10);
	read_ctr(xf, 1, &c);
	assert_int_equal(c.hits, 10);
	assert_int_equal(c.drops, 0);
	/* the second rule's 20 tokens: 10 taken; 12 more frames, 10 pass */
	pass = 0;
	for (unsigned i = 0; i < 12; i++) {
		unsigned len = eth(f, 0x0806) + 28; /* not IP: only the second rule */

		memset(f + 14, 0, 28);
		pass += run(xf, f, len) == XDP_PASS;
	}
	assert_int_equal(pass, 10);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);

	/* refills in the kernel: at 10^12 tokens per second a bucket of one
	 * token is full again after a nanosecond, so every frame (each a
	 * system call after the last) passes; at 1 per second one passes */
	set = set_from("rate-limit 1000Gpps burst 1 proto udp\nrate-limit 1000GBps burst 100 proto tcp\n"
		       "rate-limit 1pps burst 1\n");
	xf = load(set, 0);
	pass = 0;
	for (unsigned i = 0; i < 50; i++)
		pass += run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10)) == XDP_PASS;
	assert_int_equal(pass, 1);
	read_ctr(xf, 0, &c);
	assert_int_equal(c.drops, 0);
	read_ctr(xf, 2, &c);
	assert_int_equal(c.hits, 50);
	assert_int_equal(c.drops, 49);
	/* bytes: 38-byte TCP packets against a 100-byte bucket refilled at
	 * 1000 bytes per nanosecond: all pass */
	for (unsigned i = 0; i < 20; i++) {
		unsigned len = udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 2, 10);

		f[23] = 6; /* TCP, 38 bytes of L3 */
		run(xf, f, len);
	}
	read_ctr(xf, 1, &c);
	assert_int_equal(c.hits, 20);
	assert_int_equal(c.drops, 0);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* ws_xdpf_refill (the program's bucket arithmetic, 64-bit) gives exactly
 * classify.c's 128-bit result, for rates and bursts up to 10^12 and any gap. */
static void test_refill_math(void **state)
{
	typedef unsigned __int128 u128;
	const uint64_t max = 1000000000000ull;

	(void)state;
	rng_state = 0x5eed0003;
	for (unsigned i = 0; i < 200000; i++) {
		struct ws_xdpf_rule c;
		struct ws_xdpf_bucket b;
		/* log-uniform: small and huge values alike */
		uint64_t rate = 1 + (rnd() >> (24 + rnd() % 40)) % max, burst = 1 + (rnd() >> (24 + rnd() % 40)) % max;
		u128 burst_s = (u128)burst * 1000000000u, fill = (burst_s + rate - 1) / rate, tok, want;
		uint64_t e = rnd() >> (rnd() % 64), last = rnd() % 3 ? rnd() >> 2 : 1;

		if (i % 5 == 0)
			rate = rnd() % 2 ? max : 1, burst = rnd() % 2 ? max : 1;
		burst_s = (u128)burst * 1000000000u;
		fill = (burst_s + rate - 1) / rate;
		memset(&c, 0, sizeof(c));
		c.rl_burst = burst;
		c.rl_rate = rate;
		c.rl_rate_hi = rate / 1000000000u;
		c.rl_rate_lo = rate % 1000000000u;
		c.rl_max_ns = fill > UINT64_MAX ? UINT64_MAX : (uint64_t)fill;
		tok = burst_s ? (((u128)rnd() << 64 | rnd()) % (burst_s + 1)) : 0;
		if (i % 7 == 0)
			tok = 0;
		b.tokens = (uint64_t)(tok / 1000000000u);
		b.frac = (uint64_t)(tok % 1000000000u);
		b.last_ns = last;
		if (e > UINT64_MAX - last)
			e = UINT64_MAX - last;
		if (i % 11 == 0)
			e = 0; /* no time passed: nothing changes */
		/* classify.c's refill */
		want = tok;
		if (e) {
			u128 add = (u128)e * rate, room = burst_s - tok;

			want = add >= room ? burst_s : tok + add;
		}
		ws_xdpf_refill(&c, &b, last + e);
		if ((u128)b.tokens * 1000000000u + b.frac != want || b.frac >= 1000000000u)
			fail_msg("rate %" PRIu64 " burst %" PRIu64 " gap %" PRIu64 ": %" PRIu64 ".%09" PRIu64
				 " tokens, want %" PRIu64 ".%09" PRIu64, rate, burst, e, (uint64_t)b.tokens,
				 (uint64_t)b.frac, (uint64_t)(want / 1000000000u), (uint64_t)(want % 1000000000u));
		assert_int_equal(b.last_ns, last + e);
	}
}

/* Dry-run: nothing dropped, the drops counted. */
static void test_dry_run(void **state)
{
	struct ws_filter_counters c;
	uint8_t f[128];

	(void)state;
	if (!have_bpf())
		return;
	struct ws_filter_set *set = set_from("default drop\ndrop src 198.18.0.0/24\npass proto udp dport 53\n");
	struct ws_xdp_filter *xf = load(set, WS_XDPF_DRY_RUN);

	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 53, 10)), XDP_PASS);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 2), A4(198, 18, 1, 1), 1, 53, 10)), XDP_PASS);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 2, 2), A4(198, 18, 1, 1), 1, 53, 10)), XDP_PASS);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 2, 2), A4(198, 18, 1, 1), 1, 54, 10)), XDP_PASS);
	read_ctr(xf, 0, &c);
	assert_int_equal(c.hits, 2);
	assert_int_equal(c.drops, 2);
	read_ctr(xf, 1, &c);
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.drops, 0);
	read_ctr(xf, 2, &c); /* the default (drop) */
	assert_int_equal(c.hits, 1);
	assert_int_equal(c.drops, 1);
	ws_xdp_filter_close(xf);

	/* the same without dry-run drops them */
	xf = load(set, 0);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 0, 1), A4(198, 18, 1, 1), 1, 53, 10)), XDP_DROP);
	assert_int_equal(run(xf, f, udp4(f, A4(198, 18, 2, 2), A4(198, 18, 1, 1), 1, 54, 10)), XDP_DROP);
	ws_xdp_filter_close(xf);
	ws_filter_set_free(set);
}

/* ---- attach / replace / close, in a forked child with its own netns ---- */

#define CHILD_CHECK(cond, ...)                                                                              \
	do {                                                                                                \
		if (!(cond)) {                                                                              \
			fprintf(stderr, "line %d: ", __LINE__);                                             \
			fprintf(stderr, __VA_ARGS__);                                                       \
			fprintf(stderr, "\n");                                                              \
			_exit(1);                                                                           \
		}                                                                                           \
	} while (0)

/* The id of the XDP program on ifindex (0: none), whatever the mode. */
static uint32_t attached_id(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return UINT32_MAX;
	return q.prog_id;
}

static void attach_child(void)
{
	struct ws_filter_set *s1 = set_from(""), *s2 = set_from("default drop\n");
	char err[256] = "";
	int ifindex;

	if (unshare(CLONE_NEWNET) != 0 ||
	    system("ip link add xfa type veth peer name xfb && ip link set xfa up && ip link set xfb up") != 0) {
		fprintf(stderr, "no namespace/veth here\n");
		_exit(2);
	}
	ifindex = (int)if_nametoindex("xfa");
	CHILD_CHECK(ifindex > 0, "no xfa");

	struct ws_xdp_filter *a = ws_xdp_filter_load(s1, 0, err, sizeof(err));
	struct ws_xdp_filter *b = ws_xdp_filter_load(s2, 0, err, sizeof(err));
	CHILD_CHECK(a && b, "load: %s", err);
	CHILD_CHECK(!strcmp(ws_xdp_filter_mode(a), "detached"), "mode %s", ws_xdp_filter_mode(a));
	CHILD_CHECK(ws_xdp_filter_attach(a, "nosuchif0", err, sizeof(err)) == -ENODEV, "nosuchif: %s", err);
	CHILD_CHECK(ws_xdp_filter_attach(a, "xfa", err, sizeof(err)) == 0, "attach: %s", err);
	fprintf(stderr, "xfa: %s\n", ws_xdp_filter_mode(a));
	CHILD_CHECK(!strcmp(ws_xdp_filter_mode(a), "native") || !strcmp(ws_xdp_filter_mode(a), "generic"), "mode");
	CHILD_CHECK(attached_id(ifindex) == prog_id(a), "a not attached (%u)", attached_id(ifindex));
	/* a second attach of anything there is refused */
	CHILD_CHECK(ws_xdp_filter_attach(b, "xfa", err, sizeof(err)) == -EBUSY, "double attach: %s", err);
	CHILD_CHECK(ws_xdp_filter_attach(a, "xfb", err, sizeof(err)) == -EBUSY, "reattach: %s", err);
	/* replace: b in a's place, in a's mode */
	CHILD_CHECK(ws_xdp_filter_replace(a, b, err, sizeof(err)) == 0, "replace: %s", err);
	CHILD_CHECK(attached_id(ifindex) == prog_id(b), "b not attached (%u)", attached_id(ifindex));
	CHILD_CHECK(!strcmp(ws_xdp_filter_mode(a), "detached"), "a still attached");
	CHILD_CHECK(ws_xdp_filter_replace(a, b, err, sizeof(err)) == -EINVAL, "replace again");
	/* closing the old one leaves the new one in place */
	ws_xdp_filter_close(a);
	CHILD_CHECK(attached_id(ifindex) == prog_id(b), "b gone with a");
	ws_xdp_filter_close(b);
	CHILD_CHECK(attached_id(ifindex) == 0, "b still there after close (%u)", attached_id(ifindex));

	/* detach_all (a signal handler's call) takes it off too */
	a = ws_xdp_filter_load(s1, 0, err, sizeof(err));
	CHILD_CHECK(a, "load: %s", err);
	CHILD_CHECK(ws_xdp_filter_attach(a, "xfb", err, sizeof(err)) == 0, "attach xfb: %s", err);
	CHILD_CHECK(attached_id((int)if_nametoindex("xfb")) == prog_id(a), "a not on xfb");
	ws_xdp_filter_detach_all();
	CHILD_CHECK(attached_id((int)if_nametoindex("xfb")) == 0, "detach_all left it");
	ws_xdp_filter_close(a);
	ws_filter_set_free(s1);
	ws_filter_set_free(s2);
	_exit(0);
}

static void test_attach_replace(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (!have_bpf())
		return;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		attach_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2) {
		print_message("skipped: no network namespace or veth here\n");
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Without root the load fails with the message that says so. */
static void test_not_root(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (!have_bpf())
		return;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ws_filter_set *s = set_from("drop proto udp\n");
		char err[256] = "";

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		struct ws_xdp_filter *xf = ws_xdp_filter_load(s, 0, err, sizeof(err));
		CHILD_CHECK(!xf, "loaded without root");
		CHILD_CHECK(strstr(err, "needs root (CAP_BPF, CAP_NET_ADMIN)"), "message: %s", err);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_trie_strides),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_many_prefixes),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_refill_math),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_attach_replace),
		cmocka_unit_test(test_not_root),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
