/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_file.c: the route file reader (formats and messages in route_file.h).
 *
 * One pass, line by line through zlib's gzgets (plain files read the same
 * way). Each line becomes a route in the output list at once, checked
 * against the routes so far for duplicates (route_priv.h says how that stays
 * cheap), so a full table needs no second copy. Any error frees the list:
 * the caller sees all of a file or none of it.
 */
#include "fib/route_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zlib.h>

#include "fib/route_priv.h"

/* Longest line read; `ip route` lines are far shorter. */
#define LINE_MAX_BYTES 4096

enum nh_mode { NH_UNSET, NH_IDS, NH_TABLE };

struct reader {
	const char *path;
	unsigned line;
	const struct ws_route_file_opts *o;
	struct ws_route_list *out;
	char *err;
	size_t errlen;
	enum nh_mode mode;
	unsigned mode_line;
	struct ws_route_dedupe dd[2]; /* [0] IPv4, [1] IPv6 */
	uint32_t *lines[2];           /* source line of each route, for messages */
	size_t lines_cap[2];
	int prev_family;              /* of the previous route, for a bare `default` */
	/* The previous line's route if it came from `ip route` output: indented
	 * `nexthop` lines below it belong to it. */
	bool last_valid;
	int last_fi;
	size_t last_idx;
	uint8_t last_type;
	unsigned last_hops;
};

struct attrs {
	int gw_family;
	uint8_t gw[16];
	char dev[WS_NH_DEV_LEN];
	bool pref;
};

/* ---- messages ---- */

static int fail(struct reader *r, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct reader *r, size_t col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err || !r->errlen)
		return -EINVAL;
	n = snprintf(r->err, r->errlen, "%s:%u:%zu: ", r->path, r->line, col);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void warn(struct reader *r, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct reader *r, size_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "%s:%u:%zu: warning: ", r->path, r->line, col);

	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	r->out->warnings++;
	if (r->o->warn)
		r->o->warn(msg, r->o->warn_arg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* Tokens are quoted in messages at most this long. */
#define TQ(t) (int)((t).n > 60 ? 60 : (t).n), (t).s

/* ---- nexthops ---- */

static int set_mode(struct reader *r, enum nh_mode m, size_t col)
{
	if (r->mode == NH_UNSET) {
		r->mode = m;
		r->mode_line = r->line;
		return 0;
	}
	if (r->mode == m)
		return 0;
	if (m == NH_IDS)
		return fail(r, col, "nexthop id in a file of gateway nexthops (line %u); use one kind per file",
			    r->mode_line);
	return fail(r, col, "gateway nexthop in a file of nexthop ids (line %u); use one kind per file",
		    r->mode_line);
}

/* Intern a nexthop in the list's table: its id, or a negative errno. */
static long intern(struct reader *r, uint8_t type, const struct attrs *a, size_t col)
{
	struct ws_nexthop_key k;
	int id;

	if (!r->out->nh) {
		r->out->nh = ws_nh_table_create(WS_FIB_MAX_NEXTHOPS);
		if (!r->out->nh)
			return -ENOMEM;
	}
	memset(&k, 0, sizeof(k));
	k.type = type;
	k.port = WS_NH_PORT_NONE;
	if (a) {
		k.gw_family = (uint8_t)a->gw_family;
		memcpy(k.gw, a->gw, 16);
		memcpy(k.dev, a->dev, sizeof(k.dev));
	}
	id = ws_nh_get_or_add(r->out->nh, &k);
	if (id == -ENOSPC) {
		fail(r, col, "more than %u distinct nexthops", WS_FIB_MAX_NEXTHOPS);
		return -ENOSPC;
	}
	return id;
}

/* ---- one line ---- */

/* `ip route` attributes after the prefix (or after `nexthop`). */
static int parse_attrs(struct reader *r, const char *line, const char **cur, struct attrs *a)
{
	struct ws_route_tok t, v;

	while (ws_route_next_tok(cur, &t)) {
		int w = ws_route_ipr_word(&t);

		if (w <= 0)
			continue; /* flags and words we do not know: not ours to judge */
		if (!ws_route_next_tok(cur, &v))
			return fail(r, (size_t)(t.s - line) + 1, "missing value after '%.*s'", TQ(t));
		if (ws_route_tok_is(&t, "via")) {
			if ((ws_route_tok_is(&v, "inet") || ws_route_tok_is(&v, "inet6")) && !ws_route_next_tok(cur, &v))
				return fail(r, (size_t)(t.s - line) + 1, "missing gateway after 'via'");
			a->gw_family = ws_route_parse_addr(v.s, v.n, a->gw);
			if (a->gw_family < 0)
				return fail(r, (size_t)(v.s - line) + 1, "bad gateway address '%.*s'",
					    TQ(v));
		} else if (ws_route_tok_is(&t, "dev")) {
			if (v.n >= WS_NH_DEV_LEN)
				return fail(r, (size_t)(v.s - line) + 1,
					    "device name '%.*s' is longer than %u bytes", TQ(v),
					    WS_NH_DEV_LEN - 1);
			memset(a->dev, 0, sizeof(a->dev));
			memcpy(a->dev, v.s, v.n);
		} else if (ws_route_tok_is(&t, "pref")) {
			a->pref = true;
		}
	}
	return 0;
}

/* An indented `nexthop via ... dev ...` line of a multipath route. */
static int parse_multipath(struct reader *r, const char *line, const char *cur, size_t col)
{
	struct attrs a = { 0 };
	struct ws_route *rt;
	long id;
	int rc;

	if (!r->last_valid)
		return fail(r, col, "'nexthop' line without an `ip route` line before it");
	rc = parse_attrs(r, line, &cur, &a);
	if (rc)
		return rc;
	if (r->last_hops++) {
		if (r->last_hops == 2)
			warn(r, col, "multipath route: only the first nexthop is used");
		return 0;
	}
	rt = r->last_fi ? &r->out->v6[r->last_idx] : &r->out->v4[r->last_idx];
	id = intern(r, r->last_type, &a, col);
	if (id < 0)
		return (int)id;
	ws_nh_unref(r->out->nh, rt->nexthop);
	rt->nexthop = (uint32_t)id;
	return 0;
}

/* Prefix text: address, then /len unless ip-route form allows it missing. */
static int parse_prefix(struct reader *r, const char *line, const struct ws_route_tok *t,
			struct ws_route *rt, int *family, bool *has_len)
{
	const char *slash = memchr(t->s, '/', t->n);
	size_t an = slash ? (size_t)(slash - t->s) : t->n;
	size_t col = (size_t)(t->s - line) + 1;
	unsigned maxlen, len = 0;
	uint32_t a4;

	/* IPv4 straight to bytes: this is the full-table hot path. */
	if (!memchr(t->s, ':', an) && !ws_route_parse_v4(t->s, t->s + an, &a4)) {
		*family = AF_INET;
		ws_fib_v4_to_bytes(a4, rt->addr);
	} else {
		*family = ws_route_parse_addr(t->s, an, rt->addr);
		if (*family < 0)
			return fail(r, col, "bad address '%.*s'",
				    (int)(an > 60 ? 60 : an), t->s);
	}
	maxlen = *family == AF_INET ? WS_FIB_V4_BITS : WS_FIB_V6_BITS;
	*has_len = slash != NULL;
	if (!slash) {
		rt->len = (uint8_t)maxlen;
		return 0;
	}
	const char *p = slash + 1, *end = t->s + t->n;

	col = (size_t)(p - line) + 1;
	if (p == end || end - p > 3)
		goto bad_len;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			goto bad_len;
		len = len * 10 + (unsigned)(*p - '0');
	}
	if (len > maxlen)
		return fail(r, col, "prefix length %u is over %u", len, maxlen);
	rt->len = (uint8_t)len;
	return 0;
bad_len:
	return fail(r, col, "bad prefix length '%.*s'", (int)(end - slash - 1 > 60 ? 60 : end - slash - 1),
		    slash + 1);
}

/* Append rt to its family's routes, or on a duplicate prefix let the later
 * line win (strict: fail). *idx is where the route ended up. */
static int store(struct reader *r, int fi, const struct ws_route *rt, size_t pcol, size_t *idx)
{
	struct ws_route **arr = fi ? &r->out->v6 : &r->out->v4;
	size_t *n = fi ? &r->out->n_v6 : &r->out->n_v4, slot;
	long dup;
	int rc;

	dup = ws_route_dedupe_find(&r->dd[fi], *arr, *n, rt, &slot);
	if (dup == -2)
		return -ENOMEM;
	if (dup >= 0) {
		struct ws_route *old = &(*arr)[dup];
		char p[WS_ROUTE_PREFIX_STRLEN];

		ws_route_format_prefix(fi ? AF_INET6 : AF_INET, rt->addr, rt->len, p, sizeof(p));
		if (r->o->strict)
			return fail(r, pcol, "duplicate prefix %s (also on line %u)", p,
				    r->lines[fi][dup]);
		warn(r, pcol, "duplicate prefix %s (also on line %u), the later line wins", p,
		     r->lines[fi][dup]);
		if (r->mode == NH_TABLE && old->nexthop != WS_FIB_MISS)
			ws_nh_unref(r->out->nh, old->nexthop);
		old->nexthop = rt->nexthop;
		r->lines[fi][dup] = r->line;
	} else {
		if (*n >= UINT32_MAX - 1)
			return fail(r, pcol, "too many routes");
		rc = ws_route_list_push(r->out, fi ? AF_INET6 : AF_INET, rt);
		if (rc)
			return rc;
		if (r->lines_cap[fi] < *n) {
			size_t cap = fi ? r->out->cap_v6 : r->out->cap_v4;
			uint32_t *l = realloc(r->lines[fi], cap * sizeof(*l));

			if (!l)
				return -ENOMEM;
			r->lines[fi] = l;
			r->lines_cap[fi] = cap;
		}
		r->lines[fi][*n - 1] = r->line;
		ws_route_dedupe_add(&r->dd[fi], slot, *n - 1, rt);
		dup = (long)*n - 1;
	}
	*idx = (size_t)dup;
	return 0;
}

static int parse_line(struct reader *r, const char *line)
{
	const char *cur = line;
	struct ws_route_tok t, pt, nt;
	struct ws_route rt;
	struct attrs a = { 0 };
	int family = 0, type = WS_NH_UNICAST, rc, fi;
	bool iproute = false, has_len = true, is_default = false, have_nt, use_table = false;
	size_t pcol;
	long id;
	size_t idx = 0;
	uint32_t nh = WS_FIB_MISS;

	if (!ws_route_next_tok(&cur, &t))
		return 0;
	pcol = (size_t)(t.s - line) + 1;
	if (t.s != line && ws_route_tok_is(&t, "nexthop"))
		return parse_multipath(r, line, cur, pcol);
	r->last_valid = false;

	type = ws_route_type_word(&t);
	if (type != -2) {
		iproute = true;
		if (type == -1) {
			warn(r, pcol, "route type '%.*s' is not supported, line skipped", TQ(t));
			return 0;
		}
		if (!ws_route_next_tok(&cur, &t))
			return fail(r, pcol, "missing prefix after '%.*s'", TQ(t));
		pcol = (size_t)(t.s - line) + 1;
	} else {
		type = WS_NH_UNICAST;
	}
	pt = t;
	memset(&rt, 0, sizeof(rt));
	if (ws_route_tok_is(&pt, "default")) {
		is_default = true; /* 0/0; the family is decided below */
	} else {
		rc = parse_prefix(r, line, &pt, &rt, &family, &has_len);
		if (rc)
			return rc;
	}

	const char *rest = cur;

	have_nt = ws_route_next_tok(&cur, &nt);
	if (!iproute && have_nt && ws_route_ipr_word(&nt) >= 0)
		iproute = true;

	if (iproute) {
		cur = rest;
		rc = parse_attrs(r, line, &cur, &a);
		if (rc)
			return rc;
		rc = set_mode(r, NH_TABLE, pcol);
		if (rc)
			return rc;
		use_table = true;
	} else {
		if (!has_len)
			return fail(r, pcol, "missing prefix length (only `ip route` lines may omit it)");
		if (have_nt) {
			struct ws_route_tok extra;

			if (ws_route_next_tok(&cur, &extra))
				return fail(r, (size_t)(extra.s - line) + 1,
					    "unexpected '%.*s' after the nexthop", TQ(extra));
			size_t ncol = (size_t)(nt.s - line) + 1;

			if (nt.s[0] >= '0' && nt.s[0] <= '9' && nt.n <= 10 &&
			    strspn(nt.s, "0123456789") >= nt.n) {
				uint64_t v = 0;

				for (size_t i = 0; i < nt.n; i++)
					v = v * 10 + (uint64_t)(nt.s[i] - '0');
				if (v >= WS_FIB_MISS)
					return fail(r, ncol, "nexthop id %.*s is over %u", TQ(nt),
						    WS_FIB_MISS - 1);
				rc = set_mode(r, NH_IDS, ncol);
				if (rc)
					return rc;
				nh = (uint32_t)v;
			} else {
				a.gw_family = ws_route_parse_addr(nt.s, nt.n, a.gw);
				if (a.gw_family < 0)
					return fail(r, ncol,
						    "bad nexthop '%.*s' (want a gateway address or an id 0..%u)",
						    TQ(nt), WS_FIB_MISS - 1);
				rc = set_mode(r, NH_TABLE, ncol);
				if (rc)
					return rc;
				use_table = true;
			}
		}
	}

	if (is_default) {
		family = a.gw_family ? a.gw_family
			 : a.pref ? AF_INET6
			 : r->prev_family ? r->prev_family
			 : r->o->default_family ? r->o->default_family : AF_INET;
		if (family != AF_INET && family != AF_INET6)
			return fail(r, pcol, "bad default family %d in the options", family);
	}

	unsigned maxlen = family == AF_INET ? WS_FIB_V4_BITS : WS_FIB_V6_BITS;
	unsigned bytes = maxlen / 8;

	if (!ws_fib_is_canonical(rt.addr, rt.len, bytes)) {
		char was[WS_ROUTE_PREFIX_STRLEN], now[WS_ROUTE_PREFIX_STRLEN];

		ws_route_format_prefix(family, rt.addr, rt.len, was, sizeof(was));
		ws_fib_mask(rt.addr, rt.len, bytes);
		ws_route_format_prefix(family, rt.addr, rt.len, now, sizeof(now));
		if (r->o->strict)
			return fail(r, pcol, "host bits set in %s (%s without them)", was, now);
		warn(r, pcol, "host bits set, using %s", now);
	}

	if (use_table) {
		id = intern(r, (uint8_t)type, &a, pcol);
		if (id < 0)
			return (int)id;
		nh = (uint32_t)id;
	}
	rt.nexthop = nh;

	fi = family == AF_INET6;
	rc = store(r, fi, &rt, pcol, &idx);
	if (rc)
		return rc;
	r->prev_family = family;
	/* An `ip route` line without gateway or device may be a multipath
	 * header: its nexthops follow on indented lines. */
	r->last_valid = iproute && type == WS_NH_UNICAST && !a.gw_family && !a.dev[0];
	r->last_fi = fi;
	r->last_idx = idx;
	r->last_type = (uint8_t)type;
	r->last_hops = 0;
	return 0;
}

/* Lines without a nexthop get one once the file has said which kind it uses. */
static int resolve_missing(struct reader *r)
{
	struct ws_route *arrs[2] = { r->out->v4, r->out->v6 };
	size_t ns[2] = { r->out->n_v4, r->out->n_v6 };

	for (int fi = 0; fi < 2; fi++) {
		for (size_t i = 0; i < ns[fi]; i++) {
			long id;

			if (arrs[fi][i].nexthop != WS_FIB_MISS)
				continue;
			if (r->mode != NH_TABLE) {
				arrs[fi][i].nexthop = r->o->default_nexthop;
				continue;
			}
			r->line = r->lines[fi][i];
			id = intern(r, WS_NH_UNICAST, NULL, 1);
			if (id < 0)
				return (int)id;
			arrs[fi][i].nexthop = (uint32_t)id;
		}
	}
	return 0;
}

int ws_route_file_read(const char *path, const struct ws_route_file_opts *opts,
		       struct ws_route_list *out, char *err, size_t errlen)
{
	static const struct ws_route_file_opts defaults;
	struct reader r = {
		.path = path, .o = opts ? opts : &defaults, .out = out, .err = err, .errlen = errlen,
	};
	char *buf;
	gzFile f;
	int rc = 0, zerr;

	if (err && errlen)
		err[0] = '\0';
	ws_route_list_free(out);
	errno = 0;
	f = gzopen(path, "rb");
	if (!f) {
		rc = errno ? -errno : -ENOMEM;
		if (err)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	/* A large buffer: zlib then inflates in few, long runs. */
	gzbuffer(f, 256 * 1024);
	buf = malloc(LINE_MAX_BYTES + 2);
	if (!buf) {
		gzclose(f);
		return -ENOMEM;
	}
	while (gzgets(f, buf, LINE_MAX_BYTES + 2)) {
		size_t n = strlen(buf);

		r.line++;
		if (n > LINE_MAX_BYTES && buf[n - 1] != '\n') {
			rc = fail(&r, 1, "line is longer than %u bytes", LINE_MAX_BYTES);
			break;
		}
		rc = parse_line(&r, buf);
		if (rc)
			break;
	}
	if (!rc) {
		const char *msg = gzerror(f, &zerr);

		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			rc = -EIO;
			if (err)
				snprintf(err, errlen, "%s: read error: %s", path,
					 zerr == Z_ERRNO ? strerror(errno) : msg);
		}
	}
	if (!rc)
		rc = resolve_missing(&r);
	if (rc == -ENOMEM && err)
		snprintf(err, errlen, "%s: out of memory", path);
	gzclose(f);
	free(buf);
	for (int fi = 0; fi < 2; fi++) {
		ws_route_dedupe_free(&r.dd[fi]);
		free(r.lines[fi]);
	}
	if (rc) {
		size_t w = out->warnings;

		ws_route_list_free(out);
		out->warnings = w;
	}
	return rc;
}
