/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c: the forwarder's config parser (format and rules in config.h).
 *
 * One pass over a private copy of the text, cut into lines and words in
 * place. Each line is checked against what the lines above it defined and
 * stored at once; the first error frees everything, so a caller gets the
 * whole config or nothing. Lookups are linear: a config holds at most 16
 * ports of 8 addresses, and large route sets belong in `routes` files.
 */
#include "fwd/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/route_file.h"

/* A mem port line with 64 dsts is about 140 words. */
#define MAX_WORDS 256u
/* A config is a few hundred lines; anything much larger is the wrong file. */
#define MAX_FILE_BYTES (16u << 20)

struct ctx {
	const char *name;
	const char *base_dir;
	struct ws_fwd_config *cfg;
	char *err;
	size_t errlen;
	unsigned line;
	char *w[MAX_WORDS]; /* the line's words */
	unsigned n;
};

/* Words are quoted in messages at most this long. */
#define QLEN 60
#define Q(s) (int)(strlen(s) > QLEN ? QLEN : strlen(s)), (s)

/* ---- messages ---- */

/* "NAME:LINE: problem", or "NAME: problem" when line is 0, into err (which may be NULL). */
static void vput(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, va_list ap)
{
	int n;

	if (!err || !errlen)
		return;
	n = line ? snprintf(err, errlen, "%s:%u: ", name, line) : snprintf(err, errlen, "%s: ", name);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

static void put(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void put(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(err, errlen, name, line, fmt, ap);
	va_end(ap);
}

/* The line's problem; returns -EINVAL. */
static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(c->err, c->errlen, c->name, c->line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int oom(struct ctx *c)
{
	put(c->err, c->errlen, c->name, 0, "out of memory");
	return -ENOMEM;
}

/* ---- words ---- */

/* A decimal number without sign; false if s is not one or overflows. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* The value of option key, in lo..hi. */
static int number(struct ctx *c, const char *key, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!parse_u64(s, out))
		return fail(c, "%s: bad number '%.*s'", key, Q(s));
	if (*out < lo || *out > hi)
		return fail(c, "%s %.*s is out of range (%llu..%llu)", key, Q(s), (unsigned long long)lo,
			    (unsigned long long)hi);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Exactly six two-digit hex bytes with colons: a shorter form is more often a typo than a wish. */
static int mac_word(struct ctx *c, const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		goto bad;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return fail(c, "MAC %s is multicast (I/G bit set); a port or neighbour needs a unicast MAC", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return fail(c, "MAC %s is all zero", s);
	return 0;
bad:
	return fail(c, "bad MAC '%.*s' (want six hex bytes like 02:00:00:00:00:01)", Q(s));
}

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32u : 128u;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* An address without /len: its family, or -EINVAL with the message. */
static int addr_word(struct ctx *c, const char *what, const char *s, uint8_t out[16])
{
	int f = ws_route_parse_addr(s, strlen(s), out);

	if (f < 0)
		return fail(c, "bad %s '%.*s' (want an IPv4 or IPv6 address)", what, Q(s));
	return f;
}

/* ADDR/LEN with LEN from min_len: the family, or -EINVAL with the message. */
static int prefix_word(struct ctx *c, const char *what, const char *s, unsigned min_len, uint8_t addr[16],
		       unsigned *len)
{
	const char *slash = strchr(s, '/');
	uint64_t l;
	int f;

	if (!slash)
		return fail(c, "%s '%.*s' needs a /LEN", what, Q(s));
	f = ws_route_parse_addr(s, (size_t)(slash - s), addr);
	if (f < 0)
		return fail(c, "bad %s '%.*s' (want ADDR/LEN, IPv4 or IPv6)", what, Q(s));
	if (!parse_u64(slash + 1, &l) || l < min_len || l > family_bits(f))
		return fail(c, "bad length in %s '%.*s' (want /%u../%u)", what, Q(s), min_len, family_bits(f));
	*len = (unsigned)l;
	return f;
}

/* Why a can never be a host's unicast address (ours, a gateway, a neighbour), or NULL. */
static const char *addr_problem(int family, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (family == AF_INET) {
		if (!memcmp(a, zero, 4))
			return "the unspecified address";
		if (a[0] == 0)
			return "in 0.0.0.0/8 (\"this network\")";
		if (a[0] == 127)
			return "a loopback address";
		if ((a[0] & 0xf0) == 0xe0)
			return "multicast";
		if ((a[0] & 0xf0) == 0xf0)
			return "reserved (240.0.0.0/4) or the broadcast address";
		return NULL;
	}
	if (!memcmp(a, zero, 16))
		return "the unspecified address";
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return "the loopback address";
	if (a[0] == 0xff)
		return "multicast";
	return NULL;
}

/* In an IPv4 subnet of len <= 30, the all-zero and all-ones host parts name the network and its broadcast; /31
 * and /32 have no such addresses (RFC 3021). Why a is not a host there, or NULL. */
static const char *host_part_problem(int family, const uint8_t *a, unsigned len)
{
	uint32_t v, host;

	if (family != AF_INET || len > 30 || len == 0)
		return NULL;
	v = ws_fib_v4_from_bytes(a);
	host = ~(UINT32_MAX << (32 - len));
	if (!(v & host))
		return "the network address (host part all zero)";
	if ((v & host) == host)
		return "the broadcast address (host part all ones)";
	return NULL;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rem = len % 8;

	if (memcmp(a, b, full))
		return false;
	return !rem || !((a[full] ^ b[full]) & (uint8_t)(0xffu << (8 - rem)));
}

/* The longest subnet of port p that holds a, or NULL. */
static const struct ws_fwd_config_addr *best_subnet(const struct ws_fwd_config_port *p, int family, const uint8_t *a)
{
	const struct ws_fwd_config_addr *best = NULL;

	for (unsigned i = 0; i < p->nb_addrs; i++) {
		const struct ws_fwd_config_addr *s = &p->addrs[i];

		if (s->family == family && prefix_match(s->addr, a, s->len) && (!best || s->len > best->len))
			best = s;
	}
	return best;
}

int ws_fwd_config_port_for(const struct ws_fwd_config *cfg, int family, const uint8_t addr[16])
{
	int port = -1;
	unsigned best_len = 0;

	for (unsigned i = 0; i < cfg->nb_ports; i++) {
		const struct ws_fwd_config_addr *s = best_subnet(&cfg->ports[i], family, addr);

		if (s && (port < 0 || s->len > best_len)) {
			port = (int)i;
			best_len = s->len;
		}
	}
	return port;
}

/* One of our own addresses equal to a (any port), or NULL; *port gets its port. */
static const struct ws_fwd_config_addr *find_own(const struct ws_fwd_config *cfg, int family, const uint8_t *a,
						 unsigned *port)
{
	for (unsigned i = 0; i < cfg->nb_ports; i++)
		for (unsigned j = 0; j < cfg->ports[i].nb_addrs; j++) {
			const struct ws_fwd_config_addr *s = &cfg->ports[i].addrs[j];

			if (s->family == family && !memcmp(s->addr, a, family == AF_INET ? 4 : 16)) {
				*port = i;
				return s;
			}
		}
	return NULL;
}

static int find_port(const struct ws_fwd_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->nb_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -1;
}

/* A port named on a later line: its id, or -EINVAL with the message. */
static int port_word(struct ctx *c, const char *s)
{
	int id = find_port(c->cfg, s);

	if (id < 0)
		return fail(c, "unknown port '%.*s' (a port must be defined by a 'port' line above)", Q(s));
	return id;
}

/* A path as written, or taken from the config's directory when relative. */
static int resolve_path(struct ctx *c, const char *s, char **out)
{
	size_t bl;

	if (!c->base_dir || !*c->base_dir || s[0] == '/' || !strcmp(s, "-")) {
		*out = strdup(s);
	} else {
		bl = strlen(c->base_dir);
		*out = malloc(bl + strlen(s) + 2);
		if (*out)
			sprintf(*out, "%s%s%s", c->base_dir, c->base_dir[bl - 1] == '/' ? "" : "/", s);
	}
	return *out ? 0 : oom(c);
}

/* Grow an array of size-byte items to hold n + 1; NULL when out of memory (the old array is kept). */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *nv;

	if (n < *cap)
		return v;
	nc = *cap ? *cap * 2 : 16;
	nv = realloc(v, nc * size);
	if (nv)
		*cap = nc;
	return nv;
}

/* "unexpected 'X'" when the line has words past the n it takes. */
static int no_more(struct ctx *c, unsigned n, const char *after)
{
	if (c->n > n)
		return fail(c, "unexpected '%.*s' after %s", Q(c->w[n]), after);
	return 0;
}

/* ---- port ---- */

enum port_opt { OPT_RX, OPT_TX, OPT_MAC, OPT_MTU, OPT_DST, OPT_COUNT, OPT_SIZE, OPT_SEED, OPT_DEV, OPT_COUNT_ };

/* The kinds that sit on a Linux interface (dev IF). */
#define NET_KINDS (1u << WS_FWD_PORT_AFPACKET | 1u << WS_FWD_PORT_AFXDP | 1u << WS_FWD_PORT_MMSG)

static const char *const kind_names[] = {
	[WS_FWD_PORT_PCAP] = "pcap", [WS_FWD_PORT_MEM] = "mem", [WS_FWD_PORT_AFPACKET] = "afpacket",
	[WS_FWD_PORT_AFXDP] = "afxdp", [WS_FWD_PORT_MMSG] = "mmsg",
};

const char *ws_fwd_port_kind_name(unsigned kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind] ? kind_names[kind] : "?";
}

static const struct {
	const char *word;
	unsigned kinds; /* 1 << enum ws_fwd_port_kind */
} port_opts[OPT_COUNT_] = {
	[OPT_RX] = { "rx", 1u << WS_FWD_PORT_PCAP },
	[OPT_TX] = { "tx", 1u << WS_FWD_PORT_PCAP },
	[OPT_MAC] = { "mac", 1u << WS_FWD_PORT_PCAP | 1u << WS_FWD_PORT_MEM | NET_KINDS },
	[OPT_MTU] = { "mtu", 1u << WS_FWD_PORT_PCAP | 1u << WS_FWD_PORT_MEM | NET_KINDS },
	[OPT_DST] = { "dst", 1u << WS_FWD_PORT_MEM },
	[OPT_COUNT] = { "count", 1u << WS_FWD_PORT_MEM },
	[OPT_SIZE] = { "size", 1u << WS_FWD_PORT_MEM },
	[OPT_SEED] = { "seed", 1u << WS_FWD_PORT_MEM },
	[OPT_DEV] = { "dev", NET_KINDS },
};

/* "pcap", "mem or afpacket", ...: the kinds an option belongs to. */
static const char *kinds_of(unsigned kinds, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned k = 1; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (kinds & 1u << k)
			off += (size_t)snprintf(buf + off, off < size ? size - off : 0, "%s%s", off ? " or " : "",
						kind_names[k]);
	return buf;
}

static int check_name(struct ctx *c, const char *s)
{
	size_t n = strlen(s);
	int id;

	if (n >= WS_NH_DEV_LEN)
		return fail(c, "port name '%.*s' is longer than %u characters", Q(s), WS_NH_DEV_LEN - 1);
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.' || *p == '-'))
			return fail(c, "port name '%.*s' has a character other than A-Z a-z 0-9 _ . -", Q(s));
	id = find_port(c->cfg, s);
	if (id >= 0)
		return fail(c, "port name '%s' is already used (line %u)", s, c->cfg->ports[id].line);
	return 0;
}

/* A file that one port writes must not be read or written by another (nor read by the same port): the
 * files are opened independently and would clobber each other. Paths are compared as resolved text. */
static int check_files(struct ctx *c, const struct ws_fwd_config_port *p)
{
	for (unsigned i = 0; i <= c->cfg->nb_ports; i++) {
		const struct ws_fwd_config_port *o = &c->cfg->ports[i];

		if (p->tx && o->tx && o != p && !strcmp(p->tx, o->tx))
			return fail(c, "tx file '%.*s' is already written by port %s (line %u)", Q(p->tx), o->name,
				    o->line);
		/* "-" is stdin as rx and stdout as tx: not the same file */
		if (p->tx && o->rx && strcmp(p->tx, "-") && !strcmp(p->tx, o->rx)) {
			if (o == p)
				return fail(c, "tx file '%.*s' is also the port's rx file", Q(p->tx));
			return fail(c, "tx file '%.*s' is read by port %s (line %u)", Q(p->tx), o->name, o->line);
		}
		if (p->rx && o->tx && o != p && strcmp(p->rx, "-") && !strcmp(p->rx, o->tx))
			return fail(c, "rx file '%.*s' is written by port %s (line %u)", Q(p->rx), o->name, o->line);
	}
	return 0;
}

static int port_option(struct ctx *c, struct ws_fwd_config_port *p, enum port_opt o, const char *v)
{
	uint64_t x;
	int rc, f;

	switch (o) {
	case OPT_RX:
		return resolve_path(c, v, &p->rx);
	case OPT_TX:
		return resolve_path(c, v, &p->tx);
	case OPT_MAC:
		p->has_mac = true;
		return mac_word(c, v, p->mac);
	case OPT_MTU:
		rc = number(c, "mtu", v, 68, 9000, &x);
		if (!rc) {
			p->mtu = (uint16_t)x;
			p->has_mtu = true;
		}
		return rc;
	case OPT_DEV:
		/* IFNAMSIZ: 15 characters; no '/' or blanks (Linux refuses them) */
		if (strlen(v) >= sizeof(p->dev) || strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, ".."))
			return fail(c, "dev '%.*s' is not an interface name (1..15 characters, no '/')", Q(v));
		strcpy(p->dev, v);
		return 0;
	case OPT_DST:
		if (p->nb_dsts >= WS_FWD_CONFIG_MAX_DSTS)
			return fail(c, "more than %u 'dst' options", WS_FWD_CONFIG_MAX_DSTS);
		f = addr_word(c, "dst", v, p->dsts[p->nb_dsts]);
		if (f < 0)
			return f;
		if (p->nb_dsts && f != p->dst_family)
			return fail(c, "dst %.*s is %s but the first dst is %s; a mem port's dsts are of one family",
				    Q(v), family_name(f), family_name(p->dst_family));
		p->dst_family = f;
		p->nb_dsts++;
		return 0;
	case OPT_COUNT:
		return number(c, "count", v, 1, UINT64_MAX, &p->count);
	case OPT_SIZE:
		rc = number(c, "size", v, 60, 1514, &x);
		if (!rc)
			p->size = (uint16_t)x;
		return rc;
	case OPT_SEED:
		return number(c, "seed", v, 0, UINT64_MAX, &p->seed);
	case OPT_COUNT_:
		break;
	}
	return -EINVAL;
}

static int do_port(struct ctx *c)
{
	struct ws_fwd_config *cfg = c->cfg;
	struct ws_fwd_config_port *p;
	bool seen[OPT_COUNT_] = { false };
	int rc;

	if (c->n < 3)
		return fail(c, "'port' needs a name and a kind: port NAME pcap|mem|afpacket|afxdp|mmsg [options]");
	rc = check_name(c, c->w[1]);
	if (rc)
		return rc;
	if (cfg->nb_ports >= WS_FWD_MAX_PORTS)
		return fail(c, "too many ports (at most %u)", WS_FWD_MAX_PORTS);
	/* Written in place: ws_fwd_config_free() frees every slot, counted or not. */
	p = &cfg->ports[cfg->nb_ports];
	p->kind = 0;
	for (unsigned k = 1; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (kind_names[k] && !strcmp(c->w[2], kind_names[k]))
			p->kind = (enum ws_fwd_port_kind)k;
	if (!p->kind)
		return fail(c, "unknown port kind '%.*s' (pcap, mem, afpacket, afxdp or mmsg)", Q(c->w[2]));
	strcpy(p->name, c->w[1]);
	p->id = (uint16_t)cfg->nb_ports;
	p->line = c->line;
	p->mtu = 1500;
	memcpy(p->mac, (uint8_t[6]){ 2, 0, 0, 0, 0, (uint8_t)(p->id + 1) }, 6);
	if (p->kind == WS_FWD_PORT_MEM) {
		p->size = 64;
		p->seed = 1;
	}

	for (unsigned i = 3; i < c->n; i += 2) {
		const char *k = c->w[i];
		unsigned o;

		for (o = 0; o < OPT_COUNT_ && strcmp(k, port_opts[o].word); o++)
			;
		if (o == OPT_COUNT_)
			return fail(c, "unknown port option '%.*s'", Q(k));
		if (!(port_opts[o].kinds & 1u << p->kind)) {
			char kinds[64];

			return fail(c, "%s: only for %s ports", k, kinds_of(port_opts[o].kinds, kinds, sizeof(kinds)));
		}
		if (seen[o] && o != OPT_DST)
			return fail(c, "'%s' given twice", k);
		seen[o] = true;
		if (i + 1 >= c->n)
			return fail(c, "'%s' needs a value", k);
		rc = port_option(c, p, (enum port_opt)o, c->w[i + 1]);
		if (rc)
			return rc;
	}
	if (p->kind == WS_FWD_PORT_PCAP && !p->rx && !p->tx)
		return fail(c, "pcap port %s needs 'rx FILE' or 'tx FILE' (or both)", p->name);
	if ((NET_KINDS & 1u << p->kind) && !p->dev[0])
		return fail(c, "%s port %s needs 'dev IF'", kind_names[p->kind], p->name);
	if (p->kind == WS_FWD_PORT_MEM && !p->nb_dsts)
		return fail(c, "mem port %s needs at least one 'dst ADDR'", p->name);
	/* io/mem.h: an IPv6 UDP frame needs 62 bytes */
	if (p->kind == WS_FWD_PORT_MEM && p->dst_family == AF_INET6 && p->size < 62)
		return fail(c, "size %u is too small for IPv6 frames (62..1514)", p->size);
	rc = check_files(c, p);
	if (rc)
		return rc;
	cfg->nb_ports++;
	return 0;
}

/* ---- address ---- */

static int do_address(struct ctx *c)
{
	const struct ws_fwd_config_addr *own;
	struct ws_fwd_config_port *p;
	struct ws_fwd_config_addr a = { .line = c->line };
	const char *why;
	unsigned len, other;
	int id;

	if (c->n < 3)
		return fail(c, "'address' needs a port and ADDR/LEN");
	if (no_more(c, 3, "the address"))
		return -EINVAL;
	id = port_word(c, c->w[1]);
	if (id < 0)
		return id;
	p = &c->cfg->ports[id];
	a.family = prefix_word(c, "address", c->w[2], 1, a.addr, &len);
	if (a.family < 0)
		return a.family;
	a.len = (uint8_t)len;
	why = addr_problem(a.family, a.addr);
	if (!why)
		why = host_part_problem(a.family, a.addr, len);
	if (why)
		return fail(c, "address %s is %s", c->w[2], why);
	own = find_own(c->cfg, a.family, a.addr, &other);
	if (own)
		return fail(c, "address %s is already on port %s (line %u)", c->w[2], c->cfg->ports[other].name,
			    own->line);
	if (p->nb_addrs >= WS_FWD_CONFIG_MAX_ADDRS)
		return fail(c, "port %s has too many addresses (at most %u)", p->name, WS_FWD_CONFIG_MAX_ADDRS);
	if (a.family == AF_INET6 && p->mtu < 1280)
		return fail(c, "port %s has mtu %u; an IPv6 address needs mtu >= 1280", p->name, p->mtu);
	p->addrs[p->nb_addrs++] = a;
	return 0;
}

/* ---- nexthops ---- */

/* `via GW` and/or `dev NAME` from word i on into k (see config.h for the rules). want_family: the prefix's, 0
 * for any. */
static int nexthop_words(struct ctx *c, unsigned i, int want_family, struct ws_nexthop_key *k)
{
	const char *gw = NULL, *dev = NULL;
	const struct ws_fwd_config_addr *s;
	const char *why;
	unsigned other;
	int port = -1, f;

	memset(k, 0, sizeof(*k));
	k->type = WS_NH_UNICAST;
	k->port = WS_NH_PORT_NONE;
	for (; i < c->n; i += 2) {
		const char **slot = !strcmp(c->w[i], "via") ? &gw : !strcmp(c->w[i], "dev") ? &dev : NULL;

		if (!slot)
			return fail(c, "unexpected '%.*s' (want 'via GW' or 'dev NAME')", Q(c->w[i]));
		if (*slot)
			return fail(c, "'%s' given twice", c->w[i]);
		if (i + 1 >= c->n)
			return fail(c, "'%s' needs a value", c->w[i]);
		*slot = c->w[i + 1];
	}
	if (dev) {
		port = port_word(c, dev);
		if (port < 0)
			return port;
	}
	if (gw) {
		f = addr_word(c, "gateway", gw, k->gw);
		if (f < 0)
			return f;
		if (want_family && f != want_family)
			return fail(c, "gateway %s is %s but the prefix is %s", gw, family_name(f),
				    family_name(want_family));
		why = addr_problem(f, k->gw);
		if (why)
			return fail(c, "gateway %s is %s", gw, why);
		s = find_own(c->cfg, f, k->gw, &other);
		if (s)
			return fail(c, "gateway %s is our own address (port %s, line %u)", gw,
				    c->cfg->ports[other].name, s->line);
		if (dev) {
			s = best_subnet(&c->cfg->ports[port], f, k->gw);
			if (!s)
				return fail(c, "gateway %s is not on a subnet of port %s", gw, dev);
		} else {
			port = ws_fwd_config_port_for(c->cfg, f, k->gw);
			if (port < 0)
				return fail(c, "gateway %s is not on any port's subnet", gw);
			s = best_subnet(&c->cfg->ports[port], f, k->gw);
		}
		why = host_part_problem(f, k->gw, s->len);
		if (why)
			return fail(c, "gateway %s is %s of its subnet", gw, why);
		k->gw_family = (uint8_t)f;
	}
	if (port < 0) /* the callers pass at least one word, so via or dev was given */
		return fail(c, "want 'via GW' or 'dev NAME'");
	k->port = (uint16_t)port;
	strcpy(k->dev, c->cfg->ports[port].name);
	return 0;
}

/* ---- route, routes ---- */

static int do_route(struct ctx *c)
{
	static const struct { const char *word; enum ws_nh_type type; } drops[] = {
		{ "blackhole", WS_NH_BLACKHOLE },
		{ "unreachable", WS_NH_UNREACHABLE },
		{ "prohibit", WS_NH_PROHIBIT },
	};
	struct ws_fwd_config *cfg = c->cfg;
	struct ws_fwd_config_route r = { .line = c->line };
	struct ws_fwd_config_route *v;
	const char *pfx = c->n > 1 ? c->w[1] : "";
	bool dflt = false;
	unsigned len = 0, d;
	int rc;

	if (c->n < 3)
		return fail(c, "'route' needs a prefix and a nexthop: route PREFIX via GW | dev NAME | blackhole | "
			       "unreachable | prohibit");
	if (!strcmp(pfx, "default")) {
		dflt = true; /* IPv4 unless the gateway says otherwise */
	} else if (!strcmp(pfx, "default6")) {
		r.family = AF_INET6;
	} else {
		r.family = prefix_word(c, "prefix", pfx, 0, r.addr, &len);
		if (r.family < 0)
			return r.family;
		if (!ws_fib_is_canonical(r.addr, len, family_bits(r.family) / 8)) {
			char fixed[WS_ROUTE_PREFIX_STRLEN];

			ws_fib_mask(r.addr, len, 16);
			ws_route_format_prefix(r.family, r.addr, len, fixed, sizeof(fixed));
			return fail(c, "prefix %s has host bits set (did you mean %s?)", pfx, fixed);
		}
	}
	r.len = (uint8_t)len;
	for (d = 0; d < sizeof(drops) / sizeof(drops[0]) && strcmp(c->w[2], drops[d].word); d++)
		;
	if (d < sizeof(drops) / sizeof(drops[0])) {
		if (no_more(c, 3, c->w[2]))
			return -EINVAL;
		r.nh.type = drops[d].type;
		r.nh.port = WS_NH_PORT_NONE;
	} else {
		rc = nexthop_words(c, 2, r.family, &r.nh);
		if (rc)
			return rc;
	}
	if (dflt)
		r.family = r.nh.gw_family == AF_INET6 ? AF_INET6 : AF_INET;
	for (size_t i = 0; i < cfg->nb_routes; i++) {
		const struct ws_fwd_config_route *o = &cfg->routes[i];

		if (o->family == r.family && o->len == r.len && !memcmp(o->addr, r.addr, 16))
			return fail(c, "route %s is already defined (line %u)", pfx, o->line);
	}
	v = grow(cfg->routes, &cfg->cap_routes, cfg->nb_routes, sizeof(*v));
	if (!v)
		return oom(c);
	cfg->routes = v;
	v[cfg->nb_routes++] = r;
	return 0;
}

static int do_routes(struct ctx *c)
{
	struct ws_fwd_config_route_file *rf;
	int rc;

	if (c->n < 2)
		return fail(c, "'routes' needs a FILE");
	if (c->cfg->nb_route_files >= WS_FWD_CONFIG_MAX_ROUTE_FILES)
		return fail(c, "too many 'routes' lines (at most %u)", WS_FWD_CONFIG_MAX_ROUTE_FILES);
	rf = &c->cfg->route_files[c->cfg->nb_route_files];
	rf->line = c->line;
	if (c->n > 2) {
		rc = nexthop_words(c, 2, 0, &rf->nh);
		if (rc)
			return rc;
		rf->has_nh = true;
	} else {
		rf->nh.port = WS_NH_PORT_NONE;
	}
	rc = resolve_path(c, c->w[1], &rf->path);
	if (rc)
		return rc;
	c->cfg->nb_route_files++;
	return 0;
}

/* ---- neighbour, control ---- */

static int do_neighbour(struct ctx *c)
{
	struct ws_fwd_config *cfg = c->cfg;
	struct ws_fwd_config_neighbour nb = { .line = c->line }, *v;
	const struct ws_fwd_config_addr *s;
	const char *why;
	unsigned other;
	int id, rc;

	if (c->n < 4)
		return fail(c, "'neighbour' needs a port, an address and a MAC");
	if (no_more(c, 4, "the MAC"))
		return -EINVAL;
	id = port_word(c, c->w[1]);
	if (id < 0)
		return id;
	nb.port = (uint16_t)id;
	nb.family = addr_word(c, "neighbour address", c->w[2], nb.addr);
	if (nb.family < 0)
		return nb.family;
	why = addr_problem(nb.family, nb.addr);
	if (why)
		return fail(c, "neighbour %s is %s", c->w[2], why);
	s = best_subnet(&cfg->ports[id], nb.family, nb.addr);
	if (!s)
		return fail(c, "neighbour %s is not on a subnet of port %s", c->w[2], c->w[1]);
	why = host_part_problem(nb.family, nb.addr, s->len);
	if (why)
		return fail(c, "neighbour %s is %s of its subnet", c->w[2], why);
	s = find_own(cfg, nb.family, nb.addr, &other);
	if (s)
		return fail(c, "neighbour %s is our own address (port %s, line %u)", c->w[2], cfg->ports[other].name,
			    s->line);
	rc = mac_word(c, c->w[3], nb.mac);
	if (rc)
		return rc;
	for (size_t i = 0; i < cfg->nb_neighbours; i++) {
		const struct ws_fwd_config_neighbour *o = &cfg->neighbours[i];

		if (o->port == nb.port && o->family == nb.family && !memcmp(o->addr, nb.addr, 16))
			return fail(c, "neighbour %s on port %s is already defined (line %u)", c->w[2], c->w[1],
				    o->line);
	}
	v = grow(cfg->neighbours, &cfg->cap_neighbours, cfg->nb_neighbours, sizeof(*v));
	if (!v)
		return oom(c);
	cfg->neighbours = v;
	v[cfg->nb_neighbours++] = nb;
	return 0;
}

static int do_control(struct ctx *c)
{
	struct ws_fwd_config *cfg = c->cfg;
	const char *p;

	if (c->n < 2)
		return fail(c, "'control' needs a socket PATH or 'none'");
	if (no_more(c, 2, "the control path"))
		return -EINVAL;
	if (cfg->control != WS_FWD_CTL_DEFAULT)
		return fail(c, "'control' given twice (first on line %u)", cfg->control_line);
	p = c->w[1];
	if (!strcmp(p, "none")) {
		cfg->control = WS_FWD_CTL_NONE;
	} else {
		if (p[0] != '/')
			return fail(c, "control socket path '%.*s' is not absolute", Q(p));
		if (strlen(p) >= WS_FWD_CONFIG_CTL_PATH_LEN)
			return fail(c, "control socket path '%.*s...' is %zu bytes; a socket path holds at most %u",
				    Q(p), strlen(p), WS_FWD_CONFIG_CTL_PATH_LEN - 1);
		cfg->control = WS_FWD_CTL_PATH;
		strcpy(cfg->control_path, p);
	}
	cfg->control_line = c->line;
	return 0;
}

/* ---- filter ---- */

static int do_filter(struct ctx *c)
{
	struct ws_fwd_config *cfg = c->cfg;
	int rc;

	if (c->n < 2)
		return fail(c, "'filter' needs a rule FILE");
	if (cfg->filter_path)
		return fail(c, "'filter' given twice (first on line %u)", cfg->filter_line);
	for (unsigned i = 2; i < c->n; i++) {
		if (!strcmp(c->w[i], "dry-run") && !cfg->filter_dry_run)
			cfg->filter_dry_run = true;
		else if (!strcmp(c->w[i], "no-xdp") && !cfg->filter_no_xdp)
			cfg->filter_no_xdp = true;
		else
			return fail(c, "unexpected '%.*s' after the filter file (dry-run, no-xdp; each once)", Q(c->w[i]));
	}
	rc = resolve_path(c, c->w[1], &cfg->filter_path);
	if (rc)
		return rc;
	cfg->filter_line = c->line;
	return 0;
}

/* ---- lines ---- */

static int do_line(struct ctx *c)
{
	static const struct { const char *word; int (*fn)(struct ctx *c); } kw[] = {
		{ "port", do_port },           { "address", do_address }, { "route", do_route },
		{ "routes", do_routes },       { "neighbour", do_neighbour }, { "control", do_control },
		{ "filter", do_filter },
	};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (!strcmp(c->w[0], kw[i].word))
			return kw[i].fn(c);
	return fail(c, "unknown keyword '%.*s' (port, address, route, routes, neighbour, control, filter)",
		    Q(c->w[0]));
}

/* Cut a line (modified in place) into words; false if it has too many. */
static bool split(struct ctx *c, char *line)
{
	static const char blanks[] = " \t\r\v\f";
	char *hash = strchr(line, '#'), *save = NULL, *w;

	if (hash)
		*hash = '\0';
	c->n = 0;
	for (w = strtok_r(line, blanks, &save); w; w = strtok_r(NULL, blanks, &save)) {
		if (c->n == MAX_WORDS)
			return false;
		c->w[c->n++] = w;
	}
	return true;
}

static int parse_lines(struct ctx *c, char *text)
{
	char *line = text, *nl;
	int rc;

	for (c->line = 1;; c->line++, line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!split(c, line))
			return fail(c, "more than %u words on a line", MAX_WORDS);
		if (c->n) {
			rc = do_line(c);
			if (rc)
				return rc;
		}
		if (!nl || !nl[1])
			break;
	}
	if (!c->cfg->nb_ports)
		return fail(c, "no port defined; at least one 'port' line is needed");
	return 0;
}

int ws_fwd_config_parse(const char *name, const char *text, const char *base_dir, struct ws_fwd_config *cfg,
			char *err, size_t errlen)
{
	struct ctx *c;
	char *copy;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	/* the words array is 2 KiB: keep it off the caller's stack */
	c = calloc(1, sizeof(*c));
	copy = strdup(text);
	if (!c || !copy) {
		free(c);
		free(copy);
		put(err, errlen, name, 0, "out of memory");
		return -ENOMEM;
	}
	*c = (struct ctx){ .name = name, .base_dir = base_dir, .cfg = cfg, .err = err, .errlen = errlen };
	rc = parse_lines(c, copy);
	free(copy);
	free(c);
	if (rc)
		ws_fwd_config_free(cfg);
	return rc;
}

int ws_fwd_config_read(const char *path, struct ws_fwd_config *cfg, char *err, size_t errlen)
{
	char *buf = NULL, *base = NULL, *nul;
	size_t n = 0, cap = 0;
	const char *slash;
	FILE *f;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		put(err, errlen, path, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t got;

		if (n + 1 >= cap) {
			char *nb;

			if (cap >= MAX_FILE_BYTES) {
				rc = -EFBIG;
				put(err, errlen, path, 0, "larger than %u MiB: not a config file",
				    MAX_FILE_BYTES >> 20);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				put(err, errlen, path, 0, "out of memory");
				goto out;
			}
			buf = nb;
		}
		errno = 0;
		got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (got)
			continue;
		if (ferror(f)) {
			rc = errno ? -errno : -EIO;
			put(err, errlen, path, 0, "cannot read: %s", strerror(-rc));
			goto out;
		}
		break;
	}
	buf[n] = '\0';
	/* a NUL would end the text early and hide the rest of the file */
	nul = memchr(buf, '\0', n);
	if (nul) {
		unsigned line = 1;

		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		rc = -EINVAL;
		put(err, errlen, path, line, "NUL byte: not a text file");
		goto out;
	}
	slash = strrchr(path, '/');
	if (slash) {
		base = strndup(path, slash == path ? 1 : (size_t)(slash - path));
		if (!base) {
			rc = -ENOMEM;
			put(err, errlen, path, 0, "out of memory");
			goto out;
		}
	}
	rc = ws_fwd_config_parse(path, buf, base, cfg, err, errlen);
out:
	fclose(f);
	free(buf);
	free(base);
	return rc;
}

void ws_fwd_config_free(struct ws_fwd_config *cfg)
{
	/* every slot: a port or routes line that failed half-way may hold paths without being counted */
	for (unsigned i = 0; i < WS_FWD_MAX_PORTS; i++) {
		free(cfg->ports[i].rx);
		free(cfg->ports[i].tx);
	}
	for (unsigned i = 0; i < WS_FWD_CONFIG_MAX_ROUTE_FILES; i++)
		free(cfg->route_files[i].path);
	free(cfg->routes);
	free(cfg->neighbours);
	free(cfg->filter_path);
	memset(cfg, 0, sizeof(*cfg));
}
