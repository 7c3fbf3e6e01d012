/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen_tmpl.c: the generator's frames (gen_tmpl.h). Control path: checking
 * a configuration and building one template frame per size. Data path:
 * ws_gen_fill, which copies a template and writes only what varies.
 *
 * Checksums: each template is built with every varying field zero (the
 * addresses, the ports, the stamp's sequence number and timestamp, the TCP
 * sequence number, the ICMP echo sequence number) and keeps the partial sum
 * of its IPv4 header and of its L4 segment with the pseudo-header's constant
 * part (protocol, length). A packet's checksum is that sum plus the new
 * fields' words, folded: RFC 1624's HC' = ~(~HC + ~m + m') with every old
 * m = 0, so nothing is subtracted and nothing of the frame is read back.
 * Measured (2 vCPU AMD EPYC VM, 2.1 GHz, pinned; bursts of 32 into frames
 * in L1; UDP, random destination under a /16 (IPv6 /64), a port range; the
 * best of 5 x 10M packets, three runs, noisy host): ns per packet for the
 * whole fill, this way against the same fill recomputing the IPv4 header
 * and UDP checksums from scratch:
 *     incremental/full  60 B (IPv6 62)  128 B        512 B        1514 B
 *     IPv4              10-15/17-22     11-16/21-27  14-19/50-56  23-32/128-159
 *     IPv6              10-14/14-18     11-14/20-28  13-18/49-74  24-32/140-154
 * The full sum reads the segment back and grows with it (~0.1 ns a byte);
 * this stays a handful of words, so the copy of the template is what grows.
 */
#include "net/gen_tmpl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/rng.h"
#include "net/checksum.h"
#include "net/gen_payload.h"
#include "net/net.h"

typedef unsigned __int128 u128;

/* One varying field (an address or a port), as a host-order integer. */
struct gen_field {
	enum ws_gen_mode mode;
	u128 lo, hi;  /* RANGE: the bounds; RANDOM ports: lo, hi - lo + 1 in span */
	u128 cur;     /* RANGE: the next value */
	u128 mask;    /* RANDOM addresses: the host bits */
	uint64_t span; /* RANDOM ports: how many values */
};

struct gen_tmpl {
	uint16_t len;
	bool stamp;
	uint32_t ip_sum; /* IPv4 header, checksum and addresses zero */
	uint32_t l4_sum; /* the segment with its varying fields zero, plus the
			  * pseudo-header without the addresses */
	uint8_t frame[WS_GEN_SIZE_MAX];
};

struct ws_gen {
	struct ws_gen_config cfg;
	unsigned hdr_len;           /* L2 + L3 + L4 headers */
	uint16_t l3_off, l4_off;    /* from the frame start */
	uint16_t addr_len;          /* 4 or 16 */
	uint16_t src_off, dst_off;  /* of the addresses, from the frame start */
	bool pseudo;                /* the L4 checksum covers the addresses (not ICMPv4) */
	bool ports;                 /* UDP, TCP */
	struct gen_field src, dst, sport, dport;
	uint64_t rng;
	uint64_t seq;               /* packets made */
	uint64_t stamp_seq;         /* stamps written: the stamp's sequence number */
	unsigned nb_tmpl;
	unsigned pos;               /* index into order */
	unsigned order_len;
	uint8_t order[WS_GEN_IMIX_LEN]; /* template of each position */
	struct gen_tmpl tmpl[3];
};

/* 7:4:1 spread evenly over the 12 positions: small frames never come more
 * than two in a row and the large one sits in the middle, so every short
 * window of a run has about the mix's average size. */
static const uint16_t imix_order[WS_GEN_IMIX_LEN] = {
	60, 566, 60, 60, 566, 60, 1514, 60, 566, 60, 60, 566,
};

unsigned ws_gen_imix_size(unsigned i)
{
	return imix_order[i % WS_GEN_IMIX_LEN];
}

/* ---- error messages ---- */

static int fail(char *err, size_t errlen, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

/* ---- addresses as integers ---- */

static u128 addr_to_int(const uint8_t *a, unsigned len)
{
	u128 v = 0;

	for (unsigned i = 0; i < len; i++)
		v = v << 8 | a[i];
	return v;
}

static void int_to_addr(u128 v, uint8_t *a, unsigned len)
{
	for (unsigned i = len; i-- > 0; v >>= 8)
		a[i] = (uint8_t)v;
}

/* The mask of the low (bits - len) bits. */
static u128 host_mask(unsigned len, unsigned bits)
{
	unsigned host = bits - len;

	return host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
}

/* ---- the address rule ---- */

struct allowed {
	int family;
	uint8_t net[16];
	unsigned len;
	const char *text;
};

static const struct allowed allowed[] = {
	{ AF_INET, { 198, 18 }, 15, "198.18.0.0/15" },
	{ AF_INET, { 127 }, 8, "127.0.0.0/8" },
	{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 32, "2001:db8::/32" },
	{ AF_INET6, { 0xfe, 0x80 }, 10, "fe80::/10" },
};

#define RULE_TEXT                                                                                               \
	"wirespeed sends traffic only to and from 198.18.0.0/15 and 127.0.0.0/8 (IPv4), 2001:db8::/32 and fe80::/10 " \
	"(IPv6)"

/* Index of the allowed block that holds v, or -1. */
static int block_of(int family, u128 v)
{
	unsigned bits = family == AF_INET ? 32 : 128;

	for (unsigned i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		const struct allowed *b = &allowed[i];
		u128 net = addr_to_int(b->net, bits / 8);

		if (b->family == family && (v & ~host_mask(b->len, bits)) == net)
			return (int)i;
	}
	return -1;
}

static void addr_text(int family, u128 v, char *buf, size_t len)
{
	uint8_t a[16];

	int_to_addr(v, a, family == AF_INET ? 4 : 16);
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

int ws_gen_addr_check(int family, const struct ws_gen_addr *a, char *err, size_t errlen)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	u128 lo, hi;
	char t1[INET6_ADDRSTRLEN], t2[INET6_ADDRSTRLEN];
	int b;

	if (family != AF_INET && family != AF_INET6)
		return fail(err, errlen, EINVAL, "address family %d is neither IPv4 nor IPv6", family);
	lo = addr_to_int(a->lo, bits / 8);
	switch (a->mode) {
	case WS_GEN_FIXED:
		hi = lo;
		break;
	case WS_GEN_RANGE:
		hi = addr_to_int(a->hi, bits / 8);
		if (hi < lo)
			return fail(err, errlen, EINVAL, "address range ends before it starts");
		break;
	case WS_GEN_RANDOM:
		if (a->prefix_len > bits)
			return fail(err, errlen, EINVAL, "prefix length %u is longer than the address", a->prefix_len);
		lo &= ~host_mask(a->prefix_len, bits);
		hi = lo | host_mask(a->prefix_len, bits);
		break;
	default:
		return fail(err, errlen, EINVAL, "unknown address mode %d", (int)a->mode);
	}
	/* the blocks are disjoint and contiguous: both ends in the same one
	 * puts everything between in it too */
	b = block_of(family, lo);
	if (b >= 0 && block_of(family, hi) == b)
		return 0;
	addr_text(family, lo, t1, sizeof(t1));
	addr_text(family, hi, t2, sizeof(t2));
	if (lo == hi)
		return fail(err, errlen, EPERM, "address %s is not allowed: " RULE_TEXT, t1);
	return fail(err, errlen, EPERM, "addresses %s to %s are not all allowed: " RULE_TEXT, t1, t2);
}

/* ---- spec parsers ---- */

static int parse_one_addr(const char *s, size_t n, uint8_t out[16], int *family)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int ws_gen_parse_addr(const char *s, struct ws_gen_addr *a, int *family, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-'), *slash = strchr(s, '/');
	int f1, f2;

	memset(a, 0, sizeof(*a));
	if (dash && slash)
		return fail(err, errlen, EINVAL, "'%s': give an address, a range A-B or a prefix, not both", s);
	if (dash) {
		unsigned bytes;

		if (parse_one_addr(s, (size_t)(dash - s), a->lo, &f1) ||
		    parse_one_addr(dash + 1, strlen(dash + 1), a->hi, &f2))
			return fail(err, errlen, EINVAL, "'%s': not an address range A-B", s);
		if (f1 != f2)
			return fail(err, errlen, EINVAL, "'%s': the range mixes IPv4 and IPv6", s);
		bytes = f1 == AF_INET ? 4 : 16;
		if (addr_to_int(a->hi, bytes) < addr_to_int(a->lo, bytes))
			return fail(err, errlen, EINVAL, "'%s': the range ends before it starts", s);
		a->mode = WS_GEN_RANGE;
	} else if (slash) {
		unsigned long len;
		unsigned bits;
		char *end;

		if (parse_one_addr(s, (size_t)(slash - s), a->lo, &f1))
			return fail(err, errlen, EINVAL, "'%s': not a prefix ADDR/LEN", s);
		bits = f1 == AF_INET ? 32 : 128;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || slash[1] == '-' || slash[1] == '+' || len > bits)
			return fail(err, errlen, EINVAL, "'%s': prefix length must be 0..%u", s, bits);
		int_to_addr(addr_to_int(a->lo, bits / 8) & ~host_mask((unsigned)len, bits), a->lo, bits / 8);
		a->prefix_len = (uint8_t)len;
		a->mode = WS_GEN_RANDOM;
	} else {
		if (parse_one_addr(s, strlen(s), a->lo, &f1))
			return fail(err, errlen, EINVAL, "'%s': not an IPv4 or IPv6 address", s);
		memcpy(a->hi, a->lo, 16);
		a->mode = WS_GEN_FIXED;
	}
	*family = f1;
	return 0;
}

static int parse_u16(const char *s, size_t n, uint16_t *v)
{
	unsigned long x = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x > 65535)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

int ws_gen_parse_port(const char *s, struct ws_gen_port *p, char *err, size_t errlen)
{
	const char *r = s, *dash;

	memset(p, 0, sizeof(p[0]));
	if (!strcmp(s, "rand")) {
		*p = (struct ws_gen_port){ .mode = WS_GEN_RANDOM, .lo = 1, .hi = 65535 };
		return 0;
	}
	if (!strncmp(s, "rand:", 5)) {
		r = s + 5;
		if (!strchr(r, '-'))
			return fail(err, errlen, EINVAL, "'%s': random ports want a range, rand:A-B", s);
	}
	dash = strchr(r, '-');
	if (dash) {
		if (parse_u16(r, (size_t)(dash - r), &p->lo) || parse_u16(dash + 1, strlen(dash + 1), &p->hi))
			return fail(err, errlen, EINVAL, "'%s': ports are 0..65535: N, A-B, rand or rand:A-B", s);
		if (p->hi < p->lo)
			return fail(err, errlen, EINVAL, "'%s': the range ends before it starts", s);
		p->mode = r == s ? WS_GEN_RANGE : WS_GEN_RANDOM;
		return 0;
	}
	if (parse_u16(r, strlen(r), &p->lo))
		return fail(err, errlen, EINVAL, "'%s': ports are 0..65535: N, A-B, rand or rand:A-B", s);
	p->hi = p->lo;
	p->mode = WS_GEN_FIXED;
	return 0;
}

/* ---- building ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static unsigned l4_hdr_len(enum ws_gen_proto proto)
{
	return proto == WS_GEN_TCP ? WS_TCP_HDR_LEN : proto == WS_GEN_UDP ? WS_UDP_HDR_LEN : WS_ICMP_HDR_LEN;
}

static uint8_t ip_proto(const struct ws_gen_config *c)
{
	if (c->proto == WS_GEN_TCP)
		return WS_IPPROTO_TCP;
	if (c->proto == WS_GEN_UDP)
		return WS_IPPROTO_UDP;
	return c->family == AF_INET ? WS_IPPROTO_ICMP : WS_IPPROTO_ICMPV6;
}

/* Build template t of length len: every varying field zero, its sums kept. */
static void build(struct ws_gen *g, struct gen_tmpl *t, unsigned len)
{
	const struct ws_gen_config *c = &g->cfg;
	uint8_t *f = t->frame, *l3 = f + g->l3_off, *l4 = f + g->l4_off;
	unsigned l4_len = len - g->l4_off, pay = g->l4_off + l4_hdr_len(c->proto);
	uint8_t proto = ip_proto(c);

	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)len;
	memcpy(f, c->dst_mac, 6);
	memcpy(f + 6, c->src_mac, 6);
	if (c->vlan) {
		put16(f + 12, WS_ETHERTYPE_VLAN);
		put16(f + 14, c->vlan_id);
	}
	put16(l3 - 2, c->family == AF_INET ? WS_ETHERTYPE_IPV4 : WS_ETHERTYPE_IPV6);
	if (c->family == AF_INET) {
		l3[0] = 0x45;
		put16(l3 + 2, (uint16_t)(len - g->l3_off));
		/* id 0 with DF: an atomic datagram (RFC 6864), so the id need
		 * not vary per packet */
		put16(l3 + 6, WS_IPV4_FLAG_DF);
		l3[8] = c->ttl ? c->ttl : 64;
		l3[9] = proto;
		t->ip_sum = ws_csum_partial(l3, WS_IPV4_HDR_LEN, 0);
	} else {
		l3[0] = 0x60;
		put16(l3 + 4, (uint16_t)(len - g->l4_off));
		l3[6] = proto;
		l3[7] = c->ttl ? c->ttl : 64;
	}
	switch (c->proto) {
	case WS_GEN_UDP:
		put16(l4 + 4, (uint16_t)l4_len);
		break;
	case WS_GEN_TCP:
		/* SYN: ack 0 as a connection's first segment has; ACK: a
		 * fixed acknowledgement number, the window wide open */
		if (c->tcp_flags == WS_TCP_ACK)
			put32(l4 + 8, 1);
		l4[12] = (WS_TCP_HDR_LEN / 4) << 4;
		l4[13] = c->tcp_flags ? c->tcp_flags : WS_TCP_SYN;
		put16(l4 + 14, 65535);
		break;
	case WS_GEN_ICMP:
		l4[0] = c->family == AF_INET ? WS_ICMP_ECHO_REQUEST : WS_ICMP6_ECHO_REQUEST;
		put16(l4 + 4, (uint16_t)c->stream); /* echo id: the stream */
		break;
	}
	t->stamp = len >= pay + WS_GEN_STAMP_LEN;
	if (t->stamp) {
		ws_gen_stamp_write(f + pay, c->stream, 0, 0);
		pay += WS_GEN_STAMP_LEN;
	}
	for (unsigned i = pay; i < len; i++) /* a pattern a capture shows as the offset */
		f[i] = (uint8_t)(i - pay);
	if (c->family == AF_INET)
		t->l4_sum = g->pseudo ? ws_ipv4_pseudo_csum(0, 0, proto, (uint16_t)l4_len) : 0;
	else
		t->l4_sum = ws_ipv6_pseudo_csum(l3 + 8, l3 + 24, proto, l4_len); /* addresses still zero */
	t->l4_sum = ws_csum_partial(l4, l4_len, t->l4_sum);
}

static void field_init(struct gen_field *fl, enum ws_gen_mode mode, u128 lo, u128 hi, u128 mask)
{
	memset(fl, 0, sizeof(*fl));
	fl->mode = mode;
	fl->lo = fl->cur = lo;
	fl->hi = hi;
	fl->mask = mask;
	fl->span = (uint64_t)(hi - lo) + 1;
}

static void addr_field(struct gen_field *fl, const struct ws_gen_addr *a, unsigned bytes)
{
	u128 lo = addr_to_int(a->lo, bytes);

	if (a->mode == WS_GEN_RANDOM) {
		u128 m = host_mask(a->prefix_len, bytes * 8);

		/* a full-length prefix has no random bits: one address */
		field_init(fl, m ? WS_GEN_RANDOM : WS_GEN_FIXED, lo & ~m, lo | m, m);
	} else {
		field_init(fl, a->mode, lo, a->mode == WS_GEN_RANGE ? addr_to_int(a->hi, bytes) : lo, 0);
	}
}

static int check(const struct ws_gen_config *c, unsigned hdr, char *err, size_t errlen)
{
	int rc;

	if (c->family != AF_INET && c->family != AF_INET6)
		return fail(err, errlen, EINVAL, "the address family must be IPv4 or IPv6");
	if (c->proto != WS_GEN_UDP && c->proto != WS_GEN_TCP && c->proto != WS_GEN_ICMP)
		return fail(err, errlen, EINVAL, "unknown protocol %d", (int)c->proto);
	if (c->tcp_flags && c->tcp_flags != WS_TCP_SYN && c->tcp_flags != WS_TCP_ACK)
		return fail(err, errlen, EINVAL, "TCP flags must be SYN or ACK");
	if (c->vlan && (c->vlan_id < 1 || c->vlan_id > 4094))
		return fail(err, errlen, EINVAL, "VLAN id %u is outside 1..4094", c->vlan_id);
	if (c->size != WS_GEN_SIZE_IMIX && (c->size < WS_GEN_SIZE_MIN || c->size > WS_GEN_SIZE_MAX))
		return fail(err, errlen, EINVAL, "frame size %u is outside %u..%u (bytes without the FCS)", c->size,
			    WS_GEN_SIZE_MIN, WS_GEN_SIZE_MAX);
	if (c->size != WS_GEN_SIZE_IMIX && c->size < hdr)
		return fail(err, errlen, EINVAL, "frame size %u is smaller than the headers (%u bytes)", c->size, hdr);
	for (int i = 0; i < 2; i++) {
		const struct ws_gen_port *p = i ? &c->dst_port : &c->src_port;

		if (p->mode != WS_GEN_FIXED && p->mode != WS_GEN_RANGE && p->mode != WS_GEN_RANDOM)
			return fail(err, errlen, EINVAL, "unknown port mode %d", (int)p->mode);
		if (p->mode != WS_GEN_FIXED && p->hi < p->lo)
			return fail(err, errlen, EINVAL, "port range %u-%u ends before it starts", p->lo, p->hi);
	}
	rc = ws_gen_addr_check(c->family, &c->src, err, errlen);
	if (!rc)
		rc = ws_gen_addr_check(c->family, &c->dst, err, errlen);
	return rc;
}

struct ws_gen *ws_gen_create(const struct ws_gen_config *cfg, char *err, size_t errlen)
{
	unsigned l2 = WS_ETH_HDR_LEN + (cfg->vlan ? WS_VLAN_HDR_LEN : 0u);
	unsigned l3 = cfg->family == AF_INET6 ? WS_IPV6_HDR_LEN : WS_IPV4_HDR_LEN;
	unsigned hdr = l2 + l3 + l4_hdr_len(cfg->proto), bytes = cfg->family == AF_INET6 ? 16 : 4;
	struct ws_gen *g;
	int rc = check(cfg, hdr, err, errlen);

	if (rc) {
		errno = -rc;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		fail(err, errlen, ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	g->cfg = *cfg;
	if (!g->cfg.tcp_flags)
		g->cfg.tcp_flags = WS_TCP_SYN;
	g->hdr_len = hdr;
	g->l3_off = (uint16_t)l2;
	g->l4_off = (uint16_t)(l2 + l3);
	g->addr_len = (uint16_t)bytes;
	g->src_off = (uint16_t)(l2 + (bytes == 4 ? 12 : 8));
	g->dst_off = (uint16_t)(g->src_off + bytes);
	g->pseudo = !(cfg->proto == WS_GEN_ICMP && cfg->family == AF_INET);
	g->ports = cfg->proto != WS_GEN_ICMP;
	g->rng = cfg->seed;
	addr_field(&g->src, &cfg->src, bytes);
	addr_field(&g->dst, &cfg->dst, bytes);
	field_init(&g->sport, cfg->src_port.mode, cfg->src_port.lo,
		   cfg->src_port.mode == WS_GEN_FIXED ? cfg->src_port.lo : cfg->src_port.hi, 0);
	field_init(&g->dport, cfg->dst_port.mode, cfg->dst_port.lo,
		   cfg->dst_port.mode == WS_GEN_FIXED ? cfg->dst_port.lo : cfg->dst_port.hi, 0);
	if (cfg->size != WS_GEN_SIZE_IMIX) {
		build(g, &g->tmpl[0], cfg->size);
		g->nb_tmpl = 1;
		g->order_len = 1;
	} else {
		static const uint16_t sizes[3] = { 60, 566, 1514 };

		for (unsigned i = 0; i < 3; i++)
			build(g, &g->tmpl[i], sizes[i] < hdr ? hdr : sizes[i]);
		g->nb_tmpl = 3;
		g->order_len = WS_GEN_IMIX_LEN;
		for (unsigned i = 0; i < WS_GEN_IMIX_LEN; i++)
			g->order[i] = (uint8_t)(imix_order[i] == 60 ? 0 : imix_order[i] == 566 ? 1 : 2);
	}
	return g;
}

void ws_gen_free(struct ws_gen *g)
{
	free(g);
}

unsigned ws_gen_max_size(const struct ws_gen *g)
{
	unsigned m = 0;

	for (unsigned i = 0; i < g->nb_tmpl; i++)
		m = g->tmpl[i].len > m ? g->tmpl[i].len : m;
	return m;
}

unsigned ws_gen_hdr_len(const struct ws_gen *g)
{
	return g->hdr_len;
}

bool ws_gen_stamped(const struct ws_gen *g)
{
	for (unsigned i = 0; i < g->nb_tmpl; i++)
		if (g->tmpl[i].stamp)
			return true;
	return false;
}

uint64_t ws_gen_next_seq(const struct ws_gen *g)
{
	return g->stamp_seq;
}

uint64_t ws_gen_packets(const struct ws_gen *g)
{
	return g->seq;
}

unsigned ws_gen_min_size(const struct ws_gen_config *cfg)
{
	unsigned hdr = WS_ETH_HDR_LEN + (cfg->vlan ? WS_VLAN_HDR_LEN : 0u) +
		       (cfg->family == AF_INET6 ? WS_IPV6_HDR_LEN : WS_IPV4_HDR_LEN) + l4_hdr_len(cfg->proto);

	return hdr > WS_GEN_SIZE_MIN ? hdr : WS_GEN_SIZE_MIN;
}

/* ---- the data path ---- */

/* The field's value for this packet, and the step to the next. */
static ws_always_inline u128 field_next(struct gen_field *fl, uint64_t *rng, bool wide)
{
	u128 v;

	switch (fl->mode) {
	case WS_GEN_RANGE:
		v = fl->cur;
		fl->cur = v == fl->hi ? fl->lo : v + 1;
		return v;
	case WS_GEN_RANDOM:
		if (fl->mask) { /* an address under a prefix */
			u128 r = ws_splitmix64(rng);

			if (wide && (fl->mask >> 64))
				r |= (u128)ws_splitmix64(rng) << 64;
			return fl->lo | (r & fl->mask);
		}
		/* a port in lo..hi: the high half of a 32x32 product, no
		 * division; span <= 65536 keeps the bias below 2^-16 */
		return fl->lo + ((ws_splitmix64(rng) & 0xffffffffu) * fl->span >> 32);
	default:
		return fl->lo;
	}
}

/* Write an address (4 or 16 bytes, network order) at p and return its words
 * as a 64-bit partial sum (ones' complement sums are byte-order blind, so
 * the raw stores are summed as they lie). */
static ws_always_inline uint64_t put_addr(uint8_t *p, u128 v, unsigned bytes)
{
	if (bytes == 4) {
		uint32_t be = ws_hton32((uint32_t)v);

		memcpy(p, &be, 4);
		return be;
	}
	uint64_t hi = __builtin_bswap64((uint64_t)(v >> 64)), lo = __builtin_bswap64((uint64_t)v);

	memcpy(p, &hi, 8);
	memcpy(p + 8, &lo, 8);
	return ws_csum__add64(hi, lo);
}

uint64_t ws_gen_fill(struct ws_gen *g, struct ws_pkt **pkts, unsigned n, uint64_t now_ns)
{
	const unsigned bytes = g->addr_len;
	const bool v4 = bytes == 4, wide = !v4;
	const uint64_t ts_be = __builtin_bswap64(now_ns);
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct gen_tmpl *t = &g->tmpl[g->order[g->pos]];
		struct ws_pkt *p = pkts[i];
		uint8_t *d, *l4;
		uint64_t seq = g->seq++, l4s = t->l4_sum, a;

		g->pos = g->pos + 1 == g->order_len ? 0 : g->pos + 1;
		ws_pkt_rx_init(p, WS_PKT_HEADROOM, t->len, 0, 0);
		p->seq = (uint32_t)seq;
		d = ws_pkt_data(p);
		l4 = d + g->l4_off;
		memcpy(d, t->frame, t->len);

		a = put_addr(d + g->src_off, field_next(&g->src, &g->rng, wide), bytes);
		a = ws_csum__add64(a, put_addr(d + g->dst_off, field_next(&g->dst, &g->rng, wide), bytes));
		if (v4) {
			uint16_t c = ws_csum_fold(ws_csum__reduce64(ws_csum__add64(t->ip_sum, a)));

			memcpy(d + g->l3_off + 10, &c, 2);
		}
		if (g->pseudo)
			l4s = ws_csum__add64(l4s, a);
		if (g->ports) {
			uint16_t sp = ws_hton16((uint16_t)field_next(&g->sport, &g->rng, false));
			uint16_t dp = ws_hton16((uint16_t)field_next(&g->dport, &g->rng, false));

			memcpy(l4, &sp, 2);
			memcpy(l4 + 2, &dp, 2);
			l4s = ws_csum__add64(l4s, (uint32_t)sp + dp);
		}
		if (g->cfg.proto == WS_GEN_TCP) {
			uint32_t s = ws_hton32((uint32_t)seq);

			memcpy(l4 + 4, &s, 4);
			l4s = ws_csum__add64(l4s, s);
		} else if (g->cfg.proto == WS_GEN_ICMP) {
			uint16_t s = ws_hton16((uint16_t)seq);

			memcpy(l4 + 6, &s, 2);
			l4s = ws_csum__add64(l4s, s);
		}
		if (t->stamp) {
			uint8_t *st = l4 + (g->cfg.proto == WS_GEN_TCP ? WS_TCP_HDR_LEN : 8u);
			/* the stamp's own count: with IMIX the frames too small
			 * for a stamp must not look like gaps to the sink */
			uint64_t seq_be = __builtin_bswap64(g->stamp_seq++);

			memcpy(st + offsetof(struct ws_gen_stamp, seq), &seq_be, 8);
			memcpy(st + offsetof(struct ws_gen_stamp, tx_ns), &ts_be, 8);
			l4s = ws_csum__add64(ws_csum__add64(l4s, seq_be), ts_be);
		}
		uint16_t c = ws_csum_fold(ws_csum__reduce64(l4s));

		if (g->cfg.proto == WS_GEN_UDP && c == 0)
			c = 0xffff; /* 0 would mean "no checksum" */
		memcpy(l4 + (g->cfg.proto == WS_GEN_TCP ? 16 : g->cfg.proto == WS_GEN_UDP ? 6 : 2), &c, 2);
		total += t->len;
	}
	return total;
}
