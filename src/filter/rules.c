/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.c: the filter's rule files (parser and canonical printer), the key a
 * packet is matched on, and the reference match of one rule. The format and
 * the meaning of each field are in rules.h.
 *
 * The parser works on the text in place: a line is cut into tokens that point
 * into it, so an error can quote exactly what was written. Every rule is
 * checked as a whole at the end of its line (implications, conflicts), which
 * keeps the result independent of the order the matches were written in.
 */
#include "filter/rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/cbpf.h"
#include "net/net.h"

#define RULES_IPPROTO_SCTP 132

/* The matches that only an IP packet can satisfy. */
#define RULES_M_IP                                                                                  \
	(WS_FILTER_M_SRC | WS_FILTER_M_DST | WS_FILTER_M_FAMILY | WS_FILTER_M_PROTO | WS_FILTER_M_SPORT | \
	 WS_FILTER_M_DPORT | WS_FILTER_M_FLAGS | WS_FILTER_M_LEN)

/* Words that may appear once per rule beyond the WS_FILTER_M_* matches. */
#define RULES_G_BURST (1u << 16)
#define RULES_G_PER4 (1u << 17)
#define RULES_G_PER6 (1u << 18)

static const char *const rules_action_names[] = {"pass", "drop", "count", "rate-limit"};
static const char *const rules_flag_names[8] = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};

static const struct {
	const char *name;
	uint8_t proto;
} rules_protos[] = {
	{"icmp", WS_IPPROTO_ICMP}, {"tcp", WS_IPPROTO_TCP}, {"udp", WS_IPPROTO_UDP},
	{"icmp6", WS_IPPROTO_ICMPV6}, {"sctp", RULES_IPPROTO_SCTP},
};

const char *ws_filter_action_name(unsigned action)
{
	return action < 4 ? rules_action_names[action] : "?";
}

/* The name of an IP protocol in the rule language, else its number written into buf. */
static const char *rules_proto_name(unsigned proto, char buf[4])
{
	for (size_t i = 0; i < sizeof(rules_protos) / sizeof(rules_protos[0]); i++)
		if (rules_protos[i].proto == proto)
			return rules_protos[i].name;
	snprintf(buf, 4, "%u", proto & 0xffu);
	return buf;
}

/* ---- key and match ---- */

static ws_always_inline unsigned rules_be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

bool ws_filter_key_from_frame(const uint8_t *f, uint32_t len, struct ws_filter_key *key)
{
	uint32_t off = WS_ETH_HDR_LEN, l4;
	unsigned et, proto;

	*key = (struct ws_filter_key){0};
	if (len < WS_ETH_HDR_LEN)
		return false;
	et = rules_be16(f + 12);
	for (int tags = 0; tags < 2 && (et == WS_ETHERTYPE_VLAN || et == WS_ETHERTYPE_QINQ); tags++) {
		if (len - off < WS_VLAN_HDR_LEN)
			return false;
		et = rules_be16(f + off + 2);
		off += WS_VLAN_HDR_LEN;
	}
	/* from here off <= len, and every step below keeps l4 <= len */
	if (et == WS_ETHERTYPE_IPV4) {
		unsigned hl;

		if (len - off < WS_IPV4_HDR_LEN || f[off] >> 4 != 4 || (f[off] & 0x0f) < 5)
			return false;
		hl = (f[off] & 0x0fu) * 4u;
		if (hl > len - off)
			return false;
		key->family = 4;
		key->proto = proto = f[off + 9];
		key->l3_len = (uint16_t)rules_be16(f + off + 2);
		memcpy(key->src, f + off + 12, 4);
		memcpy(key->dst, f + off + 16, 4);
		if (rules_be16(f + off + 6) & WS_IPV4_FRAG_OFF_MASK)
			return true; /* a later fragment carries no L4 header */
		l4 = off + hl;
	} else if (et == WS_ETHERTYPE_IPV6) {
		unsigned pl;

		if (len - off < WS_IPV6_HDR_LEN || f[off] >> 4 != 6)
			return false;
		key->family = 6;
		pl = rules_be16(f + off + 4);
		key->l3_len = (uint16_t)(pl > 0xffffu - WS_IPV6_HDR_LEN ? 0xffffu : pl + WS_IPV6_HDR_LEN);
		memcpy(key->src, f + off + 8, 16);
		memcpy(key->dst, f + off + 24, 16);
		proto = f[off + 6];
		l4 = off + WS_IPV6_HDR_LEN;
		for (unsigned n = 0; proto == WS_IPPROTO_HOPOPTS || proto == WS_IPPROTO_ROUTING ||
				     proto == WS_IPPROTO_DSTOPTS || proto == WS_IPPROTO_FRAGMENT;
		     n++) {
			unsigned hl;

			if (n == 8 || len - l4 < WS_IPV6_EXT_HDR_MIN_LEN) {
				key->proto = (uint8_t)proto;
				return true;
			}
			if (proto == WS_IPPROTO_FRAGMENT) {
				hl = WS_IPV6_FRAG_HDR_LEN;
				if (rules_be16(f + l4 + 2) & WS_IPV6_FRAG_OFF_MASK) {
					key->proto = f[l4];
					return true;
				}
			} else {
				hl = (f[l4 + 1] + 1u) * 8u;
			}
			proto = f[l4];
			if (hl > len - l4) {
				/* the protocol is known, its header is past the frame end */
				key->proto = (uint8_t)proto;
				return true;
			}
			l4 += hl;
		}
		key->proto = (uint8_t)proto;
	} else {
		return false;
	}

	if (proto == WS_IPPROTO_TCP) {
		if (len - l4 < 14)
			return true;
		key->tcp_flags = f[l4 + 13];
	} else if (proto != WS_IPPROTO_UDP && proto != RULES_IPPROTO_SCTP) {
		return true;
	} else if (len - l4 < 4) {
		return true;
	}
	key->sport = (uint16_t)rules_be16(f + l4);
	key->dport = (uint16_t)rules_be16(f + l4 + 2);
	key->has_l4 = 1;
	return true;
}

/* Do the first p->len bits of addr equal the prefix? (Host bits of the prefix are zero.) */
static bool rules_prefix_has(const struct ws_filter_prefix *p, const uint8_t *addr)
{
	unsigned full = p->len / 8u, rest = p->len % 8u;

	if (memcmp(p->addr, addr, full) != 0)
		return false;
	return rest == 0 || (addr[full] & (uint8_t)(0xff00u >> rest)) == p->addr[full];
}

static bool rules_has_ports(unsigned proto)
{
	return proto == WS_IPPROTO_TCP || proto == WS_IPPROTO_UDP || proto == RULES_IPPROTO_SCTP;
}

bool ws_filter_rule_match(const struct ws_filter_rule *r, const struct ws_filter_key *key, const uint8_t *frame,
			  uint32_t len)
{
	unsigned m = r->match;

	if ((m & RULES_M_IP) || r->family) {
		if (key->family == 0)
			return false;
		if (r->family && key->family != r->family)
			return false;
	}
	if ((m & WS_FILTER_M_SRC) && !rules_prefix_has(&r->src, key->src))
		return false;
	if ((m & WS_FILTER_M_DST) && !rules_prefix_has(&r->dst, key->dst))
		return false;
	if ((m & WS_FILTER_M_PROTO) && key->proto != r->proto)
		return false;
	if (m & (WS_FILTER_M_SPORT | WS_FILTER_M_DPORT)) {
		if (!key->has_l4 || !rules_has_ports(key->proto))
			return false;
		if ((m & WS_FILTER_M_SPORT) && (key->sport < r->sport_lo || key->sport > r->sport_hi))
			return false;
		if ((m & WS_FILTER_M_DPORT) && (key->dport < r->dport_lo || key->dport > r->dport_hi))
			return false;
	}
	if (m & WS_FILTER_M_FLAGS) {
		if (!key->has_l4 || key->proto != WS_IPPROTO_TCP)
			return false;
		if ((key->tcp_flags & r->tcp_flags_mask) != r->tcp_flags_value)
			return false;
	}
	if ((m & WS_FILTER_M_LEN) && (key->l3_len < r->len_lo || key->l3_len > r->len_hi))
		return false;
	if ((m & WS_FILTER_M_EXPR) && !ws_cbpf_match(r->expr, frame, len))
		return false;
	return true;
}

/* ---- parser ---- */

struct rules_tok {
	const char *s;
	size_t n;
	bool quoted; /* "..." (s, n: the inside) */
};

struct rules_parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	struct ws_filter_rules *set;
	size_t cap;
	unsigned default_line; /* where `default` was given, 0: not yet */
};

/* How a rule line stands while it is being read. */
struct rules_line {
	struct ws_filter_rule *r;
	uint32_t given;        /* WS_FILTER_M_* and RULES_G_* words seen */
	uint8_t v6_len_given;  /* `per src6/N` */
	uint8_t fam_set;       /* family fixed by fam_what */
	char fam_what[96];     /* what fixed the family, for the mix error */
};

#define RULES_TOKS_MAX 64

static int rules_fail(struct rules_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rules_fail(struct rules_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->errlen)
		return -1;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A token for a message: at most 60 characters of it. */
#define TOKF "%.*s"
#define TOKA(t) (int)((t)->n < 60 ? (t)->n : 60), (t)->s

static bool tok_is(const struct rules_tok *t, const char *w)
{
	return !t->quoted && strlen(w) == t->n && memcmp(t->s, w, t->n) == 0;
}

static bool rules_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/*
 * Cut s[0..n) (one line, no newline) into tokens, stopping at a `#` outside
 * quotes. *body and *body_n: the rule text without its comment, trimmed.
 */
static int rules_tokenize(struct rules_parser *p, const char *s, size_t n, struct rules_tok *t, unsigned *nt,
			  const char **body, size_t *body_n)
{
	size_t i = 0, end = 0;

	*nt = 0;
	*body = s;
	for (;;) {
		while (i < n && rules_space(s[i]))
			i++;
		if (i == n || s[i] == '#')
			break;
		if (*nt == RULES_TOKS_MAX)
			return rules_fail(p, "too many words (more than %d)", RULES_TOKS_MAX);
		if (*nt == 0)
			*body = s + i;
		if (s[i] == '"') {
			const char *q = memchr(s + i + 1, '"', n - i - 1);

			if (!q)
				return rules_fail(p, "missing closing quote");
			t[*nt] = (struct rules_tok){s + i + 1, (size_t)(q - s - i - 1), true};
			i = (size_t)(q - s) + 1;
			if (i < n && !rules_space(s[i]) && s[i] != '#')
				return rules_fail(p, "a space must follow the closing quote");
		} else {
			size_t b = i;

			while (i < n && !rules_space(s[i]) && s[i] != '#') {
				if (s[i] == '"')
					return rules_fail(p, "unexpected '\"' inside a word");
				i++;
			}
			t[*nt] = (struct rules_tok){s + b, i - b, false};
		}
		(*nt)++;
		end = i;
	}
	*body_n = *nt ? (size_t)(s + end - *body) : 0;
	return 0;
}

/* Digits only, value <= max. */
static bool rules_uint(const struct rules_tok *t, const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (t->quoted || n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return false;
	}
	*v = x;
	return true;
}

/* N or N1-N2 within 0..65535, N1 <= N2. */
static int rules_range(struct rules_parser *p, const char *what, const struct rules_tok *t, uint16_t *lo,
		       uint16_t *hi)
{
	const char *dash = t->quoted ? NULL : memchr(t->s, '-', t->n);
	uint64_t a, b;

	if (!dash) {
		if (!rules_uint(t, t->s, t->n, 65535, &a))
			return rules_fail(p, "bad %s '" TOKF "' (0..65535 or N1-N2)", what, TOKA(t));
		b = a;
	} else if (!rules_uint(t, t->s, (size_t)(dash - t->s), 65535, &a) ||
		   !rules_uint(t, dash + 1, t->n - (size_t)(dash - t->s) - 1, 65535, &b)) {
		return rules_fail(p, "bad %s '" TOKF "' (0..65535 or N1-N2)", what, TOKA(t));
	} else if (a > b) {
		return rules_fail(p, "bad %s range '" TOKF "': %llu > %llu", what, TOKA(t), (unsigned long long)a,
				  (unsigned long long)b);
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/*
 * A decimal number with an optional fraction and k/M/G suffix (x1000), as a
 * whole number of units; *rest points after it. 0: ok, -1: not a number,
 * -2: not whole or above WS_FILTER_RATE_MAX.
 */
static int rules_scaled(const char *s, size_t n, uint64_t *v, size_t *used)
{
	uint64_t mant = 0, div = 1, mult = 1;
	size_t i = 0, digits = 0;
	bool dot = false;

	for (; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && !dot)); i++) {
		if (s[i] == '.') {
			dot = true;
			continue;
		}
		if (++digits > 18)
			return -2;
		mant = mant * 10 + (uint64_t)(s[i] - '0');
		if (dot)
			div *= 10;
	}
	if (digits == 0)
		return -1;
	if (i < n && (s[i] == 'k' || s[i] == 'M' || s[i] == 'G')) {
		mult = s[i] == 'k' ? 1000 : s[i] == 'M' ? 1000000 : 1000000000;
		i++;
	}
	/* mant < 10^18 and mult <= 10^9: the product fits in 128 bits */
	unsigned __int128 x = (unsigned __int128)mant * mult;
	if (x % div || x / div > WS_FILTER_RATE_MAX)
		return -2;
	*v = (uint64_t)(x / div);
	*used = i;
	return 0;
}

static int rules_rate(struct rules_parser *p, struct ws_filter_rule *r, const struct rules_tok *t)
{
	size_t used;
	int rc = rules_scaled(t->s, t->n, &r->rl_rate, &used);

	if (rc == -2)
		return rules_fail(p, "bad rate '" TOKF "': a whole number of tokens per second, at most 1000G", TOKA(t));
	if (rc == 0 && t->n - used == 3 && memcmp(t->s + used, "pps", 3) == 0)
		r->rl_bytes = 0;
	else if (rc == 0 && t->n - used == 3 && memcmp(t->s + used, "Bps", 3) == 0)
		r->rl_bytes = 1;
	else
		return rules_fail(p, "bad rate '" TOKF "': use Bps (bytes/s) or pps, e.g. 1000pps or 125kBps", TOKA(t));
	if (r->rl_rate == 0)
		return rules_fail(p, "bad rate '" TOKF "': must be at least 1", TOKA(t));
	return 0;
}

/* The family of the rule becomes fam because of `what`; a conflict with what fixed it before is an error. */
static int rules_family(struct rules_parser *p, struct rules_line *l, unsigned fam, const char *what,
			const struct rules_tok *t)
{
	char w[sizeof(l->fam_what)];

	snprintf(w, sizeof(w), "%s" TOKF, what, TOKA(t));
	if (l->fam_set && l->r->family != fam)
		return rules_fail(p, "%s is IPv%u but %s is IPv%u", w, fam, l->fam_what, l->r->family);
	if (!l->fam_set) {
		l->fam_set = 1;
		l->r->family = (uint8_t)fam;
		memcpy(l->fam_what, w, sizeof(w));
	}
	return 0;
}

static int rules_prefix(struct rules_parser *p, struct rules_line *l, const char *what,
			struct ws_filter_prefix *pfx, const struct rules_tok *t)
{
	char buf[INET6_ADDRSTRLEN + 8], w[16];
	const char *slash;
	unsigned fam, max;
	uint64_t plen;

	if (t->quoted || t->n >= sizeof(buf))
		return rules_fail(p, "bad prefix '" TOKF "'", TOKA(t));
	memcpy(buf, t->s, t->n);
	buf[t->n] = 0;
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = 0;
	fam = strchr(buf, ':') ? 6 : 4;
	max = fam == 4 ? 32 : 128;
	memset(pfx, 0, sizeof(*pfx));
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, pfx->addr) != 1)
		return rules_fail(p, "bad prefix '" TOKF "' (not an IPv%u address)", TOKA(t), fam);
	plen = max;
	if (slash && !rules_uint(t, slash + 1, strlen(slash + 1), max, &plen))
		return rules_fail(p, "bad prefix '" TOKF "' (length 0..%u)", TOKA(t), max);
	pfx->len = (uint8_t)plen;
	for (unsigned b = pfx->len; b < max; b++)
		if (pfx->addr[b / 8] & (0x80u >> (b % 8)))
			return rules_fail(p, "host bits set in " TOKF, TOKA(t));
	snprintf(w, sizeof(w), "%s ", what);
	return rules_family(p, l, fam, w, t);
}

/* Comma-separated TCP flag names (may be empty) into a bit set. */
static int rules_flag_list(struct rules_parser *p, const struct rules_tok *t, const char *s, size_t n,
			   uint8_t *bits)
{
	*bits = 0;
	while (n) {
		const char *c = memchr(s, ',', n);
		size_t wn = c ? (size_t)(c - s) : n;
		unsigned f;

		for (f = 0; f < 8; f++)
			if (strlen(rules_flag_names[f]) == wn && memcmp(rules_flag_names[f], s, wn) == 0)
				break;
		if (f == 8)
			return rules_fail(p, "unknown TCP flag '%.*s' in '" TOKF "' (fin,syn,rst,psh,ack,urg,ece,cwr)",
					  (int)(wn < 20 ? wn : 20), s, TOKA(t));
		if (*bits & (1u << f))
			return rules_fail(p, "TCP flag '%s' given twice in '" TOKF "'", rules_flag_names[f], TOKA(t));
		*bits |= (uint8_t)(1u << f);
		if (!c)
			break;
		if (c + 1 == s + n)
			return rules_fail(p, "bad flags '" TOKF "' (trailing comma)", TOKA(t));
		n -= wn + 1;
		s = c + 1;
	}
	return 0;
}

static int rules_flags(struct rules_parser *p, struct ws_filter_rule *r, const struct rules_tok *t)
{
	const char *slash = t->quoted ? NULL : memchr(t->s, '/', t->n);
	size_t sn = slash ? (size_t)(slash - t->s) : t->n;

	if (t->quoted)
		return rules_fail(p, "bad flags '" TOKF "'", TOKA(t));
	if (rules_flag_list(p, t, t->s, sn, &r->tcp_flags_value) < 0)
		return -1;
	r->tcp_flags_mask = r->tcp_flags_value;
	if (slash && rules_flag_list(p, t, slash + 1, t->n - sn - 1, &r->tcp_flags_mask) < 0)
		return -1;
	if (r->tcp_flags_mask == 0)
		return rules_fail(p, "bad flags '" TOKF "': no flag to look at", TOKA(t));
	if (r->tcp_flags_value & ~r->tcp_flags_mask)
		return rules_fail(p, "bad flags '" TOKF "': SET has flags outside MASK, it can never match", TOKA(t));
	return 0;
}

static int rules_proto(struct rules_parser *p, struct rules_line *l, const struct rules_tok *t)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(rules_protos) / sizeof(rules_protos[0]); i++)
		if (tok_is(t, rules_protos[i].name))
			break;
	if (i < sizeof(rules_protos) / sizeof(rules_protos[0]))
		v = rules_protos[i].proto;
	else if (!rules_uint(t, t->s, t->n, 255, &v))
		return rules_fail(p, "bad proto '" TOKF "' (udp, tcp, icmp, icmp6, sctp or 0..255)", TOKA(t));
	l->r->proto = (uint8_t)v;
	if (v == WS_IPPROTO_ICMP)
		return rules_family(p, l, 4, "proto ", t);
	if (v == WS_IPPROTO_ICMPV6)
		return rules_family(p, l, 6, "proto ", t);
	return 0;
}

/* `per src[/N]` or `per src6[/N]`. */
static int rules_per(struct rules_parser *p, struct rules_line *l, const struct rules_tok *t)
{
	bool six = t->n >= 4 && !t->quoted && memcmp(t->s, "src6", 4) == 0;
	size_t kw = six ? 4 : 3;
	unsigned max = six ? 128 : 32, bit = six ? RULES_G_PER6 : RULES_G_PER4;
	uint64_t v = max;

	if (t->quoted || t->n < 3 || memcmp(t->s, "src", 3) != 0 || (t->n > kw && t->s[kw] != '/'))
		return rules_fail(p, "bad 'per " TOKF "' (per src[/V4LEN] or per src6[/V6LEN])", TOKA(t));
	if (t->n > kw && (!rules_uint(t, t->s + kw + 1, t->n - kw - 1, max, &v) || v == 0))
		return rules_fail(p, "bad 'per " TOKF "': length 1..%u", TOKA(t), max);
	if (l->given & bit)
		return rules_fail(p, "'per %s' given twice", six ? "src6" : "src");
	l->given |= bit;
	l->r->rl_per_source = 1;
	if (six) {
		l->r->rl_v6_len = (uint8_t)v;
		l->v6_len_given = 1;
	} else {
		l->r->rl_v4_len = (uint8_t)v;
		/* an explicit IPv4 aggregation implies the usual /64 for IPv6 */
		if (t->n > kw && !l->v6_len_given)
			l->r->rl_v6_len = 64;
	}
	return 0;
}

static const struct {
	const char *word;
	uint32_t bit;
} rules_words[] = {
	{"src", WS_FILTER_M_SRC},     {"dst", WS_FILTER_M_DST},     {"family", WS_FILTER_M_FAMILY},
	{"proto", WS_FILTER_M_PROTO}, {"sport", WS_FILTER_M_SPORT}, {"dport", WS_FILTER_M_DPORT},
	{"flags", WS_FILTER_M_FLAGS}, {"len", WS_FILTER_M_LEN},     {"expr", WS_FILTER_M_EXPR},
	{"burst", RULES_G_BURST},     {"per", 0},
};

/* One keyword and its argument. */
static int rules_word(struct rules_parser *p, struct rules_line *l, const struct rules_tok *k,
		      const struct rules_tok *a)
{
	struct ws_filter_rule *r = l->r;
	uint32_t bit = 0;
	size_t i;

	for (i = 0; i < sizeof(rules_words) / sizeof(rules_words[0]); i++)
		if (tok_is(k, rules_words[i].word))
			break;
	if (i == sizeof(rules_words) / sizeof(rules_words[0]))
		return rules_fail(p, "unknown match '" TOKF "'", TOKA(k));
	bit = rules_words[i].bit;
	if ((bit == RULES_G_BURST || bit == 0) && r->action != WS_FILTER_RATE_LIMIT)
		return rules_fail(p, "'%s' only goes with rate-limit", rules_words[i].word);
	if (bit && (l->given & bit))
		return rules_fail(p, "'%s' given twice", rules_words[i].word);
	if (!a)
		return rules_fail(p, "'%s' needs a value", rules_words[i].word);
	if (a->quoted && bit != WS_FILTER_M_EXPR)
		return rules_fail(p, "'%s' takes a word, not a quoted string", rules_words[i].word);
	l->given |= bit;
	if (bit <= 0xffffu)
		r->match |= (uint16_t)bit;

	switch (bit) {
	case WS_FILTER_M_SRC:
		return rules_prefix(p, l, "src", &r->src, a);
	case WS_FILTER_M_DST:
		return rules_prefix(p, l, "dst", &r->dst, a);
	case WS_FILTER_M_FAMILY:
		if (!tok_is(a, "ip4") && !tok_is(a, "ip6"))
			return rules_fail(p, "bad family '" TOKF "' (ip4 or ip6)", TOKA(a));
		return rules_family(p, l, a->s[2] == '4' ? 4 : 6, "family ", a);
	case WS_FILTER_M_PROTO:
		return rules_proto(p, l, a);
	case WS_FILTER_M_SPORT:
		return rules_range(p, "sport", a, &r->sport_lo, &r->sport_hi);
	case WS_FILTER_M_DPORT:
		return rules_range(p, "dport", a, &r->dport_lo, &r->dport_hi);
	case WS_FILTER_M_FLAGS:
		return rules_flags(p, r, a);
	case WS_FILTER_M_LEN:
		return rules_range(p, "len", a, &r->len_lo, &r->len_hi);
	case WS_FILTER_M_EXPR: {
		char msg[256];

		if (!a->quoted)
			return rules_fail(p, "expr needs a double-quoted tcpdump expression");
		r->expr_text = strndup(a->s, a->n);
		if (!r->expr_text)
			return rules_fail(p, "out of memory");
		if (ws_cbpf_compile(r->expr_text, &r->expr, msg, sizeof(msg)) < 0) {
			r->expr = NULL;
			return rules_fail(p, "expr \"%.60s\": %s", r->expr_text, msg);
		}
		return 0;
	}
	case RULES_G_BURST: {
		size_t used;

		if (rules_scaled(a->s, a->n, &r->rl_burst, &used) < 0 || used != a->n || r->rl_burst == 0)
			return rules_fail(p, "bad burst '" TOKF "' (a whole number of tokens, 1..1000G)", TOKA(a));
		return 0;
	}
	default:
		return rules_per(p, l, a);
	}
}

/* The rule as a whole: implications and the checks no single word can make. */
static int rules_finish(struct rules_parser *p, struct rules_line *l)
{
	struct ws_filter_rule *r = l->r;
	char pn[4];

	if (r->match & WS_FILTER_M_FLAGS) {
		if ((r->match & WS_FILTER_M_PROTO) && r->proto != WS_IPPROTO_TCP)
			return rules_fail(p, "'flags' needs proto tcp (the rule has proto %s)", rules_proto_name(r->proto, pn));
		r->match |= WS_FILTER_M_PROTO;
		r->proto = WS_IPPROTO_TCP;
	}
	if ((r->match & (WS_FILTER_M_SPORT | WS_FILTER_M_DPORT)) && (r->match & WS_FILTER_M_PROTO) &&
	    !rules_has_ports(r->proto))
		return rules_fail(p, "'%s' needs proto tcp, udp or sctp (the rule has proto %s)",
				  (r->match & WS_FILTER_M_SPORT) ? "sport" : "dport", rules_proto_name(r->proto, pn));
	if (r->family)
		r->match |= WS_FILTER_M_FAMILY;
	if (r->action == WS_FILTER_RATE_LIMIT) {
		if (!(l->given & RULES_G_BURST)) {
			uint64_t floor = r->rl_bytes ? WS_FILTER_BURST_MIN_BYTES : 1;

			r->rl_burst = r->rl_rate > floor ? r->rl_rate : floor;
		}
		if (!r->rl_v4_len)
			r->rl_v4_len = 32;
		if (!r->rl_v6_len)
			r->rl_v6_len = 128;
	}
	return 0;
}

static void rules_rule_clear(struct ws_filter_rule *r)
{
	ws_cbpf_free(r->expr);
	free(r->expr_text);
	free(r->text);
}

static int rules_line(struct rules_parser *p, const char *s, size_t n)
{
	struct rules_tok t[RULES_TOKS_MAX];
	struct rules_line l = {0};
	struct ws_filter_rule r = {0};
	const char *body;
	size_t body_n = 0;
	unsigned nt, i = 1, a;

	if (memchr(s, 0, n))
		return rules_fail(p, "NUL byte in the line");
	if (rules_tokenize(p, s, n, t, &nt, &body, &body_n) < 0)
		return -1;
	if (nt == 0)
		return 0;
	if (tok_is(&t[0], "default")) {
		if (nt != 2 || (!tok_is(&t[1], "pass") && !tok_is(&t[1], "drop")))
			return rules_fail(p, "default takes one word: pass or drop");
		if (p->default_line)
			return rules_fail(p, "'default' given twice (first on line %u)", p->default_line);
		p->default_line = p->line;
		p->set->default_action = tok_is(&t[1], "drop") ? WS_FILTER_DROP : WS_FILTER_PASS;
		return 0;
	}
	for (a = 0; a < 4; a++)
		if (tok_is(&t[0], rules_action_names[a]))
			break;
	if (a == 4)
		return rules_fail(p, "unknown action '" TOKF "' (drop, pass, count, rate-limit or default)", TOKA(&t[0]));
	if (p->set->n == WS_FILTER_RULES_MAX)
		return rules_fail(p, "more than %u rules", WS_FILTER_RULES_MAX);

	r.line = p->line;
	r.action = (uint8_t)a;
	l.r = &r;
	if (a == WS_FILTER_RATE_LIMIT) {
		if (nt < 2 || t[1].quoted || !((t[1].s[0] >= '0' && t[1].s[0] <= '9') || t[1].s[0] == '.'))
			return rules_fail(p, "rate-limit needs a rate (e.g. 1000pps)");
		if (rules_rate(p, &r, &t[1]) < 0)
			return -1;
		i = 2;
	}
	for (; i < nt; i += 2)
		if (rules_word(p, &l, &t[i], i + 1 < nt ? &t[i + 1] : NULL) < 0)
			goto fail;
	if (rules_finish(p, &l) < 0)
		goto fail;
	r.text = strndup(body, body_n);
	if (!r.text) {
		rules_fail(p, "out of memory");
		goto fail;
	}
	if (p->set->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct ws_filter_rule *nr = realloc(p->set->rules, cap * sizeof(*nr));

		if (!nr) {
			rules_fail(p, "out of memory");
			goto fail;
		}
		p->set->rules = nr;
		p->cap = cap;
	}
	p->set->rules[p->set->n++] = r;
	return 0;
fail:
	rules_rule_clear(&r);
	return -1;
}

void ws_filter_rules_free(struct ws_filter_rules *rules)
{
	if (!rules)
		return;
	for (size_t i = 0; i < rules->n; i++)
		rules_rule_clear(&rules->rules[i]);
	free(rules->rules);
	free(rules->name);
	free(rules);
}

/* The parse of text[0..n) (lines end with \n; NUL bytes are errors). */
static int rules_parse(const char *text, size_t n, const char *name, struct ws_filter_rules **out, char *err,
		       size_t errlen)
{
	struct rules_parser p = {.name = name, .err = err, .errlen = errlen};
	const char *s = text, *end = text + n;

	if (errlen)
		err[0] = 0;
	p.set = calloc(1, sizeof(*p.set));
	if (!p.set || !(p.set->name = strdup(name))) {
		if (errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		free(p.set);
		return -1;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t ln = nl ? (size_t)(nl - s) : (size_t)(end - s);

		p.line++;
		if (rules_line(&p, s, ln) < 0) {
			ws_filter_rules_free(p.set);
			return -1;
		}
		s += ln + 1;
	}
	*out = p.set;
	return 0;
}

int ws_filter_rules_parse_text(const char *text, const char *name, struct ws_filter_rules **out, char *err,
			       size_t errlen)
{
	return rules_parse(text, strlen(text), name ? name : "rules", out, err, errlen);
}

int ws_filter_rules_parse_file(const char *path, struct ws_filter_rules **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (!f) {
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				if (errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(buf);
		fclose(f);
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
		return -1;
	}
	fclose(f);
	rc = rules_parse(buf, n, path, out, err, errlen);
	free(buf);
	return rc;
}

/* ---- canonical text ---- */

struct rules_out {
	char *buf;
	size_t len, pos; /* pos: the full length so far, may exceed len */
};

static void rules_put(struct rules_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rules_put(struct rules_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL, o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static void rules_put_prefix(struct rules_out *o, const char *what, unsigned fam, const struct ws_filter_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(fam == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->len == (fam == 4 ? 32 : 128))
		rules_put(o, " %s %s", what, a);
	else
		rules_put(o, " %s %s/%u", what, a, p->len);
}

static void rules_put_range(struct rules_out *o, const char *what, unsigned lo, unsigned hi)
{
	if (lo == hi)
		rules_put(o, " %s %u", what, lo);
	else
		rules_put(o, " %s %u-%u", what, lo, hi);
}

static void rules_put_flags(struct rules_out *o, uint8_t bits)
{
	const char *sep = "";

	for (unsigned f = 0; f < 8; f++) {
		if (bits & (1u << f)) {
			rules_put(o, "%s%s", sep, rules_flag_names[f]);
			sep = ",";
		}
	}
}

/* v with the largest of G/M/k that divides it. */
static void rules_put_scaled(struct rules_out *o, uint64_t v)
{
	static const char sfx[] = "GMk";
	uint64_t m = 1000000000;

	for (int i = 0; i < 3; i++, m /= 1000) {
		if (v >= m && v % m == 0) {
			rules_put(o, "%llu%c", (unsigned long long)(v / m), sfx[i]);
			return;
		}
	}
	rules_put(o, "%llu", (unsigned long long)v);
}

int ws_filter_rule_format(const struct ws_filter_rule *r, char *buf, size_t len)
{
	struct rules_out o = {buf, len, 0};
	unsigned m = r->match;
	unsigned fam = r->family ? r->family : 4;

	if (len)
		buf[0] = 0;
	rules_put(&o, "%s", ws_filter_action_name(r->action));
	if (r->action == WS_FILTER_RATE_LIMIT) {
		uint64_t floor = r->rl_bytes ? WS_FILTER_BURST_MIN_BYTES : 1;

		rules_put(&o, " ");
		rules_put_scaled(&o, r->rl_rate);
		rules_put(&o, "%s", r->rl_bytes ? "Bps" : "pps");
		if (r->rl_burst != (r->rl_rate > floor ? r->rl_rate : floor)) {
			rules_put(&o, " burst ");
			rules_put_scaled(&o, r->rl_burst);
		}
		if (r->rl_per_source) {
			if (r->rl_v4_len == 32 && r->rl_v6_len == 128)
				rules_put(&o, " per src");
			else if (r->rl_v4_len != 32 && r->rl_v6_len == 64)
				rules_put(&o, " per src/%u", r->rl_v4_len);
			else
				rules_put(&o, " per src/%u per src6/%u", r->rl_v4_len, r->rl_v6_len);
		}
	}
	/* family is implied by a prefix or icmp/icmp6; write it only when it is not */
	if (r->family &&
	    !(m & (WS_FILTER_M_SRC | WS_FILTER_M_DST)) &&
	    !((m & WS_FILTER_M_PROTO) && (r->proto == WS_IPPROTO_ICMP || r->proto == WS_IPPROTO_ICMPV6)))
		rules_put(&o, " family ip%u", r->family);
	if (m & WS_FILTER_M_SRC)
		rules_put_prefix(&o, "src", fam, &r->src);
	if (m & WS_FILTER_M_DST)
		rules_put_prefix(&o, "dst", fam, &r->dst);
	if (m & WS_FILTER_M_PROTO) {
		char pn[4];

		rules_put(&o, " proto %s", rules_proto_name(r->proto, pn));
	}
	if (m & WS_FILTER_M_SPORT)
		rules_put_range(&o, "sport", r->sport_lo, r->sport_hi);
	if (m & WS_FILTER_M_DPORT)
		rules_put_range(&o, "dport", r->dport_lo, r->dport_hi);
	if (m & WS_FILTER_M_FLAGS) {
		rules_put(&o, " flags ");
		rules_put_flags(&o, r->tcp_flags_value);
		if (r->tcp_flags_mask != r->tcp_flags_value) {
			rules_put(&o, "/");
			rules_put_flags(&o, r->tcp_flags_mask);
		}
	}
	if (m & WS_FILTER_M_LEN)
		rules_put_range(&o, "len", r->len_lo, r->len_hi);
	if (m & WS_FILTER_M_EXPR)
		rules_put(&o, " expr \"%s\"", r->expr_text ? r->expr_text : "");
	return o.pos > (size_t)0x7fffffff ? 0x7fffffff : (int)o.pos;
}
