/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.c: building the compiled classifier (candidate lists per prefix,
 * deduplicated, in lpm4/lpm6), running it (one lookup per family and field,
 * then a merge of three sorted lists), the per-worker counters and token
 * buckets, and the XDP split. See classify.h for the model.
 */
#include "filter/classify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/rng.h"
#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "filter/cbpf.h"

typedef unsigned __int128 ws_u128;

/* What a candidate still has to be checked for once a list brought it up
 * (the prefix that keyed it is known to match). */
#define C_IP (1u << 0)     /* key family 4 or 6 */
#define C_FAMILY (1u << 1) /* key family == family */
#define C_PROTO (1u << 2)
#define C_SPORT (1u << 3)
#define C_DPORT (1u << 4)
#define C_FLAGS (1u << 5)
#define C_LEN (1u << 6)
#define C_DST (1u << 7)    /* a src-keyed rule that also has a dst prefix */
#define C_EXPR (1u << 8)

#define END UINT32_MAX /* ends every stored list, so the merge needs no bounds */

/* The data-path copy of a rule: the fields its checks read, in one cache
 * line (a candidate costs at most one miss before its verdict is known). */
struct crule {
	uint16_t check;
	uint8_t action, family, proto, fl_value, fl_mask;
	uint8_t expr_ord; /* C_EXPR: the rule's place among expr_rule[], EXPR_ORD_MAX when not there */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi, len_lo, len_hi;
	uint32_t rl; /* index in set->rl (rate-limit rules) */
	const struct ws_cbpf *expr;
	uint64_t dst_mask[2], dst_val[2]; /* the dst prefix as two 64-bit words, byte order kept */
} ws_cache_aligned;
_Static_assert(sizeof(struct crule) == WS_CACHE_LINE, "struct crule is one cache line");

/* crule.expr_ord of the 256th bulk-answered expression rule and those after
 * it (ordinal 255 on): not told apart, such rules always run per packet. */
#define EXPR_ORD_MAX 255u

/* ws_filter_classify_bulk runs up to this many expression rules without a
 * prefix (the first ones at or after first_rule) over each batch with
 * ws_cbpf_match_bulk before the merge, for every packet whether the merge
 * reaches the rule or not (an expression's answer depends on the frame
 * only); the merge then reads a bit. Rules keyed by a prefix, which most
 * packets never reach, and later ones run per packet when reached. */
#define BULK_EXPRS 4u
_Static_assert(WS_FILTER_BULK_BATCH <= WS_CBPF_BULK_MAX, "a batch's expression answers fit one bulk call");

/* A batch's precomputed expression answers: bits[j] bit i for expression
 * rule ordinal e0 + j (j < n) and packet i of the batch. */
struct expr_bits {
	uint64_t bits[BULK_EXPRS];
	uint32_t e0, n;
};

/* A rate-limit rule's bucket parameters. */
struct rl_info {
	ws_u128 burst;  /* scaled */
	uint64_t rate;  /* tokens per second = scaled units per nanosecond */
	uint64_t mask4[2], mask6[2]; /* the source cut, as dst_mask */
	uint8_t bytes, per_source;
};

/* Where a list first came from, for ws_filter_set_where(). */
struct origin {
	uint8_t family; /* 0: the wildcard list */
	uint8_t dst;
	uint32_t route; /* index in that trie's routes */
};

struct trie {
	struct ws_route *routes; /* sorted, nexthop = list id */
	size_t n;
	struct ws_lpm4 *lpm4;
	struct ws_lpm6 *lpm6;
};

struct ws_filter_set {
	struct ws_filter_rules *rules;
	struct crule *crules;
	struct rl_info *rl;
	uint32_t nrl;
	uint32_t n;
	uint32_t *expr_rule; /* the expression rules without a prefix, in rule order */
	uint32_t nexpr;
	uint8_t default_action;
	bool has_per_source;
	struct trie t[2][2]; /* [family 4: 0, 6: 1][src 0, dst 1] */
	uint32_t wild;       /* list id, WS_FIB_MISS when none */
	uint32_t *pool;      /* lists, each followed by END */
	size_t pool_n, pool_cap;
	uint32_t *list_off, *list_len;
	struct origin *list_origin;
	uint32_t nlists, lists_cap;
	size_t xdp_k;
};

static const uint32_t empty_list[1] = {END};

/* One rate-limit bucket. rule1 = rule index + 1, 0 for a free slot. */
struct bucket {
	ws_u128 tokens;
	uint64_t last_ns;
	uint64_t addr[2];
	uint32_t rule1;
	uint8_t family;
};

struct ws_filter_state {
	const struct ws_filter_set *set;
	bool dry_run;
	uint64_t seed;
	uint32_t slot_mask, window;
	struct bucket *table; /* per-source buckets */
	struct bucket *fixed; /* [set->nrl]: rate limits without `per` */
	struct ws_filter_counters *ctr; /* [set->n + 1] */
};

/* ---------------------------------------------------------------- build */

static void set_err(const struct ws_filter_rules *rules, size_t i, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rules && i < rules->n && rules->rules[i].line)
		snprintf(err, errlen, "%s:%u: %s", rules->name ? rules->name : "rules", rules->rules[i].line, msg);
	else if (rules && i < rules->n)
		snprintf(err, errlen, "rule %zu: %s", i, msg);
	else
		snprintf(err, errlen, "%s", msg);
}

void ws_filter_prefix_words(const uint8_t *addr, unsigned len, void *mask, void *val)
{
	uint8_t m[16] = {0}, v[16];

	for (unsigned b = 0; b < len && b < 128; b++)
		m[b >> 3] |= (uint8_t)(0x80u >> (b & 7));
	for (unsigned i = 0; i < 16; i++)
		v[i] = addr ? addr[i] & m[i] : 0;
	memcpy(mask, m, 16);
	if (val)
		memcpy(val, v, 16);
}

static int compile_rule(struct ws_filter_set *s, size_t i, char *err, size_t errlen)
{
	const struct ws_filter_rule *r = &s->rules->rules[i];
	struct crule *c = &s->crules[i];
	unsigned bits = r->family == 4 ? 32 : 128;

	if (r->action > WS_FILTER_RATE_LIMIT) {
		set_err(s->rules, i, err, errlen, "unknown action %u", r->action);
		return -1;
	}
	if ((r->match & (WS_FILTER_M_SRC | WS_FILTER_M_DST)) && r->family != 4 && r->family != 6) {
		set_err(s->rules, i, err, errlen, "a src/dst prefix needs family 4 or 6");
		return -1;
	}
	if (((r->match & WS_FILTER_M_SRC) && r->src.len > bits) ||
	    ((r->match & WS_FILTER_M_DST) && r->dst.len > bits)) {
		set_err(s->rules, i, err, errlen, "prefix longer than %u bits", bits);
		return -1;
	}
	if ((r->match & WS_FILTER_M_EXPR) && !r->expr) {
		set_err(s->rules, i, err, errlen, "tcpdump expression not compiled");
		return -1;
	}
	c->action = r->action;
	c->family = r->family;
	c->proto = r->proto;
	c->fl_value = r->tcp_flags_value;
	c->fl_mask = r->tcp_flags_mask;
	c->sport_lo = r->sport_lo, c->sport_hi = r->sport_hi;
	c->dport_lo = r->dport_lo, c->dport_hi = r->dport_hi;
	c->len_lo = r->len_lo, c->len_hi = r->len_hi;
	c->expr = r->expr;
	if (r->match & (WS_FILTER_M_SRC | WS_FILTER_M_DST | WS_FILTER_M_FAMILY | WS_FILTER_M_PROTO | WS_FILTER_M_SPORT |
			WS_FILTER_M_DPORT | WS_FILTER_M_FLAGS | WS_FILTER_M_LEN))
		c->check |= C_IP;
	if (r->family)
		c->check |= C_FAMILY;
	if (r->match & WS_FILTER_M_PROTO)
		c->check |= C_PROTO;
	if (r->match & WS_FILTER_M_SPORT)
		c->check |= C_SPORT;
	if (r->match & WS_FILTER_M_DPORT)
		c->check |= C_DPORT;
	if (r->match & WS_FILTER_M_FLAGS)
		c->check |= C_FLAGS;
	if (r->match & WS_FILTER_M_LEN)
		c->check |= C_LEN;
	if (r->match & WS_FILTER_M_EXPR) {
		c->check |= C_EXPR;
		c->expr_ord = EXPR_ORD_MAX;
		if (!(r->match & (WS_FILTER_M_SRC | WS_FILTER_M_DST))) {
			c->expr_ord = (uint8_t)(s->nexpr < EXPR_ORD_MAX ? s->nexpr : EXPR_ORD_MAX);
			s->expr_rule[s->nexpr++] = (uint32_t)i;
		}
	}
	/* A keyed rule comes up only for packets of its family whose keying
	 * prefix matched; a src-keyed one still has its dst to check. */
	if (r->match & (WS_FILTER_M_SRC | WS_FILTER_M_DST))
		c->check &= ~(C_IP | C_FAMILY);
	if ((r->match & WS_FILTER_M_SRC) && (r->match & WS_FILTER_M_DST)) {
		c->check |= C_DST;
		ws_filter_prefix_words(r->dst.addr, r->dst.len, c->dst_mask, c->dst_val);
	}
	if (r->action == WS_FILTER_RATE_LIMIT) {
		struct rl_info *ri = &s->rl[s->nrl];

		c->rl = s->nrl++;
		ri->rate = r->rl_rate;
		ri->burst = (ws_u128)r->rl_burst * WS_FILTER_RL_SCALE;
		ri->bytes = r->rl_bytes;
		ri->per_source = r->rl_per_source;
		ws_filter_prefix_words(NULL, r->rl_v4_len < 32 ? r->rl_v4_len : 32, ri->mask4, NULL);
		ws_filter_prefix_words(NULL, r->rl_v6_len < 128 ? r->rl_v6_len : 128, ri->mask6, NULL);
		if (ri->per_source)
			s->has_per_source = true;
	}
	return 0;
}

/* A (prefix, rule) pair of one trie, for sorting. */
struct pent {
	uint8_t addr[16];
	uint8_t len;
	uint32_t rule;
};

static int pent_cmp(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Does prefix q/ql contain p/pl? */
static bool covers(const uint8_t *q, unsigned ql, const uint8_t *p, unsigned pl)
{
	uint8_t m[16];

	if (ql > pl)
		return false;
	memcpy(m, p, 16);
	ws_fib_mask(m, ql, 16);
	return memcmp(m, q, 16) == 0;
}

/* Dedupe table: list ids by content hash, open addressing. */
struct intern {
	uint32_t *slots; /* id + 1, 0 free */
	size_t cap;
};

static uint64_t list_hash(const uint32_t *l, uint32_t n)
{
	uint64_t h = 0x51ed270b27b1f3a5ull ^ n;

	for (uint32_t i = 0; i < n; i++) {
		h ^= l[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

static int pool_reserve(struct ws_filter_set *s, size_t more)
{
	if (s->pool_n + more <= s->pool_cap)
		return 0;
	size_t cap = s->pool_cap ? s->pool_cap : 1024;
	while (cap < s->pool_n + more)
		cap *= 2;
	uint32_t *p = realloc(s->pool, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->pool = p;
	s->pool_cap = cap;
	return 0;
}

/* The id of list l[0..n) (stored once): >= 0, -ENOSPC when the id space is
 * used up, -ENOMEM. */
static int64_t intern_list(struct ws_filter_set *s, struct intern *t, const uint32_t *l, uint32_t n,
			   struct origin from)
{
	if ((size_t)s->nlists * 2 + 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint32_t *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (size_t i = 0; i < t->cap; i++) {
			uint32_t id1 = t->slots[i];

			if (!id1)
				continue;
			size_t j = list_hash(s->pool + s->list_off[id1 - 1], s->list_len[id1 - 1]) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = id1;
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	size_t j = list_hash(l, n) & (t->cap - 1);
	for (; t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		uint32_t id = t->slots[j] - 1;

		if (s->list_len[id] == n && !memcmp(s->pool + s->list_off[id], l, n * sizeof(*l)))
			return id;
	}
	if (s->nlists >= WS_FIB_MAX_NEXTHOPS || s->pool_n + n + 1 > UINT32_MAX)
		return -ENOSPC;
	if (s->nlists == s->lists_cap) {
		uint32_t cap = s->lists_cap ? s->lists_cap * 2 : 256;
		uint32_t *off = realloc(s->list_off, cap * sizeof(*off));
		if (off)
			s->list_off = off;
		uint32_t *len = realloc(s->list_len, cap * sizeof(*len));
		if (len)
			s->list_len = len;
		struct origin *o = realloc(s->list_origin, cap * sizeof(*o));
		if (o)
			s->list_origin = o;
		if (!off || !len || !o)
			return -ENOMEM;
		s->lists_cap = cap;
	}
	if (pool_reserve(s, n + 1))
		return -ENOMEM;
	uint32_t id = s->nlists++;
	s->list_off[id] = (uint32_t)s->pool_n;
	s->list_len[id] = n;
	s->list_origin[id] = from;
	memcpy(s->pool + s->pool_n, l, n * sizeof(*l));
	s->pool_n += n;
	s->pool[s->pool_n++] = END;
	t->slots[j] = id + 1;
	return id;
}

/*
 * One trie: the distinct prefixes of e[0..n) (sorted by address, then
 * length), each with the list of all rules whose prefix covers it. In that
 * order a prefix's covering prefixes are exactly the stack of enclosing
 * ones still open, so each list is its parent's merged with its own rules.
 */
static int build_trie(struct ws_filter_set *s, struct intern *it, struct pent *e, size_t n, unsigned fam, unsigned dst)
{
	struct trie *t = &s->t[fam == 6][dst];
	struct { const uint8_t *addr; unsigned len; uint32_t id; } stack[130];
	size_t sp = 0, scratch_cap = 0;
	uint32_t *scratch = NULL;
	int rc = 0;

	if (!n)
		return 0;
	qsort(e, n, sizeof(*e), pent_cmp);
	t->routes = calloc(n, sizeof(*t->routes));
	if (!t->routes)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && e[j].len == e[i].len && !memcmp(e[j].addr, e[i].addr, 16))
			j++;
		while (sp && !covers(stack[sp - 1].addr, stack[sp - 1].len, e[i].addr, e[i].len))
			sp--;
		uint32_t pid = sp ? stack[sp - 1].id : END;
		uint32_t plen = sp ? s->list_len[pid] : 0;
		size_t need = plen + (j - i);
		if (need > scratch_cap) {
			uint32_t *ns = realloc(scratch, need * 2 * sizeof(*ns));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			scratch = ns;
			scratch_cap = need * 2;
		}
		/* merge the parent's list (in the pool) with this prefix's rules */
		const uint32_t *pl = sp ? s->pool + s->list_off[pid] : empty_list;
		size_t a = 0, b = i, m = 0;
		while (a < plen || b < j)
			scratch[m++] = (b >= j || (a < plen && pl[a] < e[b].rule)) ? pl[a++] : e[b++].rule;
		int64_t id = intern_list(s, it, scratch, (uint32_t)m,
					 (struct origin){.family = (uint8_t)fam, .dst = (uint8_t)dst,
							 .route = (uint32_t)t->n});
		if (id < 0) {
			rc = (int)id;
			break;
		}
		memcpy(t->routes[t->n].addr, e[i].addr, 16);
		t->routes[t->n].len = e[i].len;
		t->routes[t->n].nexthop = (uint32_t)id;
		stack[sp].addr = t->routes[t->n].addr;
		stack[sp].len = e[i].len;
		stack[sp].id = (uint32_t)id;
		sp++;
		t->n++;
		i = j;
	}
	free(scratch);
	if (rc)
		return rc;
	if (fam == 4)
		t->lpm4 = ws_lpm4_build(t->routes, t->n);
	else
		t->lpm6 = ws_lpm6_build(t->routes, t->n);
	if (!t->lpm4 && !t->lpm6)
		return -ENOMEM;
	return 0;
}

static void compute_xdp(struct ws_filter_set *s)
{
	size_t k = s->n;

	for (size_t i = 0; i < s->n; i++)
		if (s->crules[i].check & C_EXPR) {
			k = i;
			break;
		}
	for (uint32_t id = 0; id < s->nlists; id++)
		if (s->list_len[id] > WS_FILTER_XDP_MAX_LIST && s->pool[s->list_off[id] + WS_FILTER_XDP_MAX_LIST] < k)
			k = s->pool[s->list_off[id] + WS_FILTER_XDP_MAX_LIST];
	s->xdp_k = k;
}

struct ws_filter_set *ws_filter_set_build(struct ws_filter_rules *rules, char *err, size_t errlen)
{
	struct ws_filter_set *s = NULL;
	struct pent *e[2][2] = {{NULL}};
	size_t ne[2][2] = {{0}};
	uint32_t *wild = NULL;
	size_t nwild = 0;
	struct intern it = {0};
	int rc = -ENOMEM;

	if (errlen)
		err[0] = 0;
	if (!rules) {
		set_err(NULL, 0, err, errlen, "no rules");
		return NULL;
	}
	if (rules->n >= UINT32_MAX) {
		set_err(NULL, 0, err, errlen, "too many rules");
		goto fail;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->rules = rules;
	s->n = (uint32_t)rules->n;
	s->default_action = rules->default_action == WS_FILTER_DROP ? WS_FILTER_DROP : WS_FILTER_PASS;
	s->wild = WS_FIB_MISS;
	s->crules = aligned_alloc(WS_CACHE_LINE, (s->n + 1) * sizeof(*s->crules));
	if (s->crules)
		memset(s->crules, 0, (s->n + 1) * sizeof(*s->crules));
	s->rl = calloc(s->n + 1, sizeof(*s->rl));
	s->expr_rule = calloc(s->n + 1, sizeof(*s->expr_rule));
	wild = calloc(s->n + 1, sizeof(*wild));
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < 2; d++)
			e[f][d] = calloc(s->n + 1, sizeof(*e[f][d]));
	if (!s->crules || !s->rl || !s->expr_rule || !wild || !e[0][0] || !e[0][1] || !e[1][0] || !e[1][1])
		goto oom;
	for (size_t i = 0; i < s->n; i++) {
		const struct ws_filter_rule *r = &rules->rules[i];
		const struct ws_filter_prefix *p;
		int d;

		if (compile_rule(s, i, err, errlen))
			goto fail;
		if (r->match & WS_FILTER_M_SRC)
			p = &r->src, d = 0;
		else if (r->match & WS_FILTER_M_DST)
			p = &r->dst, d = 1;
		else {
			wild[nwild++] = (uint32_t)i;
			continue;
		}
		struct pent *pe = &e[r->family == 6][d][ne[r->family == 6][d]++];
		memcpy(pe->addr, p->addr, 16);
		ws_fib_mask(pe->addr, p->len, r->family == 4 ? 4 : 16);
		if (r->family == 4)
			memset(pe->addr + 4, 0, 12);
		pe->len = p->len;
		pe->rule = (uint32_t)i;
	}
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < 2; d++) {
			rc = build_trie(s, &it, e[f][d], ne[f][d], f ? 6 : 4, (unsigned)d);
			if (rc)
				goto fail_rc;
		}
	if (nwild) {
		int64_t id = intern_list(s, &it, wild, (uint32_t)nwild, (struct origin){0});

		if (id < 0) {
			rc = (int)id;
			goto fail_rc;
		}
		s->wild = (uint32_t)id;
	}
	compute_xdp(s);
	free(it.slots);
	free(wild);
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < 2; d++)
			free(e[f][d]);
	return s;

fail_rc:
	if (rc == -ENOSPC) {
		set_err(NULL, 0, err, errlen, "too many distinct prefixes (more than %u distinct rule lists)",
			WS_FIB_MAX_NEXTHOPS);
		goto fail;
	}
oom:
	set_err(NULL, 0, err, errlen, "out of memory");
fail:
	free(it.slots);
	free(wild);
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < 2; d++)
			free(e[f][d]);
	if (s)
		ws_filter_set_free(s);
	else
		ws_filter_rules_free(rules);
	return NULL;
}

void ws_filter_set_free(struct ws_filter_set *s)
{
	if (!s)
		return;
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < 2; d++) {
			ws_lpm4_free(s->t[f][d].lpm4);
			ws_lpm6_free(s->t[f][d].lpm6);
			free(s->t[f][d].routes);
		}
	free(s->crules);
	free(s->rl);
	free(s->expr_rule);
	free(s->pool);
	free(s->list_off);
	free(s->list_len);
	free(s->list_origin);
	ws_filter_rules_free(s->rules);
	free(s);
}

const struct ws_filter_rules *ws_filter_set_rules(const struct ws_filter_set *set)
{
	return set->rules;
}

/* ---------------------------------------------------------------- state */

struct ws_filter_state *ws_filter_state_new_sized(const struct ws_filter_set *set, bool dry_run, size_t rl_slots)
{
	struct ws_filter_state *st = calloc(1, sizeof(*st));
	size_t csize = ((set->n + 1) * sizeof(struct ws_filter_counters) + WS_CACHE_LINE_PAIR - 1) &
		       ~(size_t)(WS_CACHE_LINE_PAIR - 1);

	if (!st)
		return NULL;
	st->set = set;
	st->dry_run = dry_run;
	/* A per-state seed: which sources share a probe window differs from
	 * worker to worker and run to run, so it cannot be aimed at. */
	uint64_t seed = ws_rdtsc() ^ (uint64_t)(uintptr_t)st;
	st->seed = ws_splitmix64(&seed);
	st->ctr = aligned_alloc(WS_CACHE_LINE_PAIR, csize);
	st->fixed = calloc(set->nrl + 1, sizeof(*st->fixed));
	if (!st->ctr || !st->fixed)
		goto oom;
	memset(st->ctr, 0, csize);
	if (set->has_per_source) {
		size_t slots = 1;

		while (slots < rl_slots && slots < ((size_t)1 << 31))
			slots <<= 1;
		st->table = calloc(slots, sizeof(*st->table)); /* zero pages: free slots, untouched until used */
		if (!st->table)
			goto oom;
		st->slot_mask = (uint32_t)(slots - 1);
		st->window = slots < WS_FILTER_RL_PROBE ? (uint32_t)slots : WS_FILTER_RL_PROBE;
	}
	return st;
oom:
	ws_filter_state_free(st);
	errno = ENOMEM;
	return NULL;
}

struct ws_filter_state *ws_filter_state_new(const struct ws_filter_set *set, bool dry_run)
{
	return ws_filter_state_new_sized(set, dry_run, WS_FILTER_RL_SLOTS);
}

void ws_filter_state_free(struct ws_filter_state *st)
{
	if (!st)
		return;
	free(st->ctr);
	free(st->fixed);
	free(st->table);
	free(st);
}

void ws_filter_state_read(const struct ws_filter_state *st, size_t rule, struct ws_filter_counters *out)
{
	if (rule > st->set->n) {
		*out = (struct ws_filter_counters){0};
		return;
	}
	out->hits = __atomic_load_n(&st->ctr[rule].hits, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&st->ctr[rule].bytes, __ATOMIC_RELAXED);
	out->drops = __atomic_load_n(&st->ctr[rule].drops, __ATOMIC_RELAXED);
}

void ws_filter_state_sum(const struct ws_filter_state *const *states, size_t n, size_t rule,
			 struct ws_filter_counters *out)
{
	struct ws_filter_counters c;

	*out = (struct ws_filter_counters){0};
	for (size_t i = 0; i < n; i++) {
		ws_filter_state_read(states[i], rule, &c);
		out->hits += c.hits;
		out->bytes += c.bytes;
		out->drops += c.drops;
	}
}

/* ---------------------------------------------------------------- data path */

/* The owning worker is the only writer; relaxed atomics keep each store
 * whole for readers on other threads and compile to plain moves. */
static ws_always_inline void ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static ws_always_inline void load16(const uint8_t *a, uint64_t w[2])
{
	memcpy(w, a, 16);
}

/* Refill b up to now, then take cost if it is there. */
static ws_always_inline bool bucket_take(struct bucket *b, const struct rl_info *ri, ws_u128 cost, uint64_t now)
{
	if (now > b->last_ns) {
		ws_u128 add = (ws_u128)(now - b->last_ns) * ri->rate;
		ws_u128 room = ri->burst - b->tokens;

		b->tokens = add >= room ? ri->burst : b->tokens + add;
		b->last_ns = now;
	}
	if (b->tokens < cost)
		return false;
	b->tokens -= cost;
	return true;
}

static ws_always_inline uint64_t src_hash(uint64_t seed, uint32_t rule, uint8_t fam, const uint64_t a[2])
{
	uint64_t h = seed ^ ((uint64_t)rule << 8 | fam);

	h = (h ^ a[0]) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 32) ^ a[1]) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

/* The bucket for (rule, source key): found, made in a free slot of the
 * probe window, or made in place of the window's entry refilled longest ago. */
static struct bucket *bucket_find(struct ws_filter_state *st, const struct rl_info *ri, uint32_t rule,
				  const struct ws_filter_key *key, uint64_t now)
{
	uint64_t a[2] = {0, 0};
	uint8_t fam = key->family;

	if (fam == 4 || fam == 6) {
		const uint64_t *m = fam == 4 ? ri->mask4 : ri->mask6;

		load16(key->src, a);
		a[0] &= m[0];
		a[1] &= m[1];
	} else {
		fam = 0;
	}
	uint64_t h = src_hash(st->seed, rule, fam, a);
	struct bucket *victim = NULL;
	for (uint32_t j = 0; j < st->window; j++) {
		struct bucket *b = &st->table[(h + j) & st->slot_mask];

		if (!b->rule1) {
			victim = b;
			break;
		}
		if (b->rule1 == rule + 1 && b->family == fam && b->addr[0] == a[0] && b->addr[1] == a[1])
			return b;
		if (!victim || b->last_ns < victim->last_ns)
			victim = b;
	}
	victim->rule1 = rule + 1;
	victim->family = fam;
	victim->addr[0] = a[0];
	victim->addr[1] = a[1];
	victim->tokens = ri->burst;
	victim->last_ns = now;
	return victim;
}

/* Is rate-limit rule `rule` within its limit for this packet (and if so,
 * its tokens are taken)? */
static ws_always_inline bool rl_admit(const struct ws_filter_set *s, struct ws_filter_state *st, uint32_t rule,
				      const struct ws_filter_key *key, uint32_t len, uint64_t now)
{
	uint32_t rl = s->crules[rule].rl;
	const struct rl_info *ri = &s->rl[rl];
	struct bucket *b;
	ws_u128 cost = WS_FILTER_RL_SCALE;

	if (ri->bytes)
		cost *= key->family == 4 || key->family == 6 ? key->l3_len : len;
	if (!ri->per_source) {
		b = &st->fixed[rl];
		if (ws_unlikely(!b->rule1)) {
			b->rule1 = rule + 1;
			b->tokens = ri->burst;
			b->last_ns = now;
		}
	} else {
		b = bucket_find(st, ri, rule, key, now);
	}
	return bucket_take(b, ri, cost, now);
}

/*
 * Apply a matched rule's action: counts it, and returns -1 to go on, or the
 * verdict when the rule ends the evaluation.
 */
static ws_always_inline int apply(const struct ws_filter_set *s, struct ws_filter_state *st, uint32_t rule,
				  const struct ws_filter_key *key, uint32_t len, uint64_t now)
{
	struct ws_filter_counters *c = &st->ctr[rule];

	ctr_add(&c->hits, 1);
	ctr_add(&c->bytes, len);
	switch (s->crules[rule].action) {
	case WS_FILTER_PASS:
		return WS_FILTER_PASS;
	case WS_FILTER_COUNT:
		return -1;
	case WS_FILTER_RATE_LIMIT:
		if (rl_admit(s, st, rule, key, len, now))
			return -1;
		break; /* over the limit: dropped */
	default:
		break;
	}
	ctr_add(&c->drops, 1);
	return st->dry_run ? WS_FILTER_PASS : WS_FILTER_DROP;
}

static ws_always_inline unsigned finish_default(const struct ws_filter_set *s, struct ws_filter_state *st,
						uint32_t len)
{
	struct ws_filter_counters *c = &st->ctr[s->n];

	ctr_add(&c->hits, 1);
	ctr_add(&c->bytes, len);
	if (s->default_action == WS_FILTER_DROP) {
		ctr_add(&c->drops, 1);
		return st->dry_run ? WS_FILTER_PASS : WS_FILTER_DROP;
	}
	return WS_FILTER_PASS;
}

static ws_always_inline bool port_ok(const struct ws_filter_key *k)
{
	return k->has_l4 && (k->proto == 6 || k->proto == 17 || k->proto == 132);
}

/* The checks of a candidate that its list did not settle (the semantics of
 * ws_filter_rule_match()). xb: a bulk batch's expression answers (packet i
 * of the batch), or NULL (per packet). */
static ws_always_inline bool crule_match(const struct crule *c, const struct ws_filter_key *k, const uint8_t *frame,
					 uint32_t len, const struct expr_bits *xb, unsigned i)
{
	unsigned chk = c->check;

	if (ws_likely(!chk))
		return true;
	if ((chk & C_IP) && k->family != 4 && k->family != 6)
		return false;
	if ((chk & C_FAMILY) && k->family != c->family)
		return false;
	if ((chk & C_PROTO) && k->proto != c->proto)
		return false;
	if ((chk & C_SPORT) && (!port_ok(k) || k->sport < c->sport_lo || k->sport > c->sport_hi))
		return false;
	if ((chk & C_DPORT) && (!port_ok(k) || k->dport < c->dport_lo || k->dport > c->dport_hi))
		return false;
	if ((chk & C_FLAGS) && (!k->has_l4 || k->proto != 6 || (k->tcp_flags & c->fl_mask) != c->fl_value))
		return false;
	if ((chk & C_LEN) && (k->l3_len < c->len_lo || k->l3_len > c->len_hi))
		return false;
	if (chk & C_DST) {
		uint64_t d[2];

		load16(k->dst, d);
		if ((d[0] & c->dst_mask[0]) != c->dst_val[0] || (d[1] & c->dst_mask[1]) != c->dst_val[1])
			return false;
	}
	if (chk & C_EXPR) {
		uint32_t j = xb ? c->expr_ord - xb->e0 : 0;

		if (xb && j < xb->n && c->expr_ord < EXPR_ORD_MAX)
			return (xb->bits[j] >> i) & 1;
		return ws_cbpf_match(c->expr, frame, len);
	}
	return true;
}

/* The part of list id at or after rule first (a lower bound in the sorted list). */
static ws_always_inline const uint32_t *list_from(const struct ws_filter_set *s, uint32_t id, uint32_t first)
{
	if (id == WS_FIB_MISS)
		return empty_list;
	const uint32_t *l = s->pool + s->list_off[id];
	if (ws_likely(!first))
		return l;
	uint32_t lo = 0, hi = s->list_len[id];
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (l[mid] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return l + lo;
}

/* The evaluation once the lists are known (a, b, w: the src, dst and
 * wildcard lists from the first rule on): merge them in rule order. */
static ws_always_inline unsigned eval(const struct ws_filter_set *s, struct ws_filter_state *st,
				      const struct ws_filter_key *key, const uint8_t *frame, uint32_t len,
				      uint64_t now, const uint32_t *a, const uint32_t *b, const uint32_t *w,
				      const struct expr_bits *xb, unsigned i)
{
	for (;;) {
		uint32_t ra = *a, rb = *b, rw = *w;
		uint32_t r = ra < rb ? ra : rb;

		r = r < rw ? r : rw;
		if (r == END)
			break;
		/* the lists are disjoint: exactly one of them is at r */
		a += ra == r;
		b += rb == r;
		w += rw == r;
		if (!crule_match(&s->crules[r], key, frame, len, xb, i))
			continue;
		int v = apply(s, st, r, key, len, now);
		if (v >= 0)
			return (unsigned)v;
	}
	return finish_default(s, st, len);
}

static ws_always_inline uint32_t clamp_first(const struct ws_filter_set *s, size_t first_rule)
{
	return first_rule < s->n ? (uint32_t)first_rule : s->n;
}

unsigned ws_filter_classify(const struct ws_filter_set *s, struct ws_filter_state *st,
			    const struct ws_filter_key *key, const uint8_t *frame, uint32_t len, uint64_t now_ns,
			    size_t first_rule)
{
	uint32_t first = clamp_first(s, first_rule);
	uint32_t sid = WS_FIB_MISS, did = WS_FIB_MISS;

	if (key->family == 4) {
		if (s->t[0][0].lpm4)
			sid = ws_lpm4_lookup(s->t[0][0].lpm4, ws_fib_v4_from_bytes(key->src));
		if (s->t[0][1].lpm4)
			did = ws_lpm4_lookup(s->t[0][1].lpm4, ws_fib_v4_from_bytes(key->dst));
	} else if (key->family == 6) {
		if (s->t[1][0].lpm6)
			sid = ws_lpm6_lookup(s->t[1][0].lpm6, key->src);
		if (s->t[1][1].lpm6)
			did = ws_lpm6_lookup(s->t[1][1].lpm6, key->dst);
	}
	return eval(s, st, key, frame, len, now_ns, list_from(s, sid, first), list_from(s, did, first),
		    list_from(s, s->wild, first), NULL, 0);
}

/* How many packets ahead the bulk form prefetches a packet's first
 * candidate rule and its counters. */
#define BULK_PREFETCH 4u

/* Bulk: the list ids of a batch's packets, with the lpm bulk lookups. */
static void bulk_lookup(const struct ws_filter_set *s, const struct ws_filter_key *k, unsigned m, uint32_t *sid,
			uint32_t *did)
{
	uint32_t a4s[WS_FILTER_BULK_BATCH], a4d[WS_FILTER_BULK_BATCH];
	uint32_t r4[WS_FILTER_BULK_BATCH];
	uint8_t a6s[WS_FILTER_BULK_BATCH][16], a6d[WS_FILTER_BULK_BATCH][16];
	uint8_t i4[WS_FILTER_BULK_BATCH], i6[WS_FILTER_BULK_BATCH];
	unsigned n4 = 0, n6 = 0;

	for (unsigned i = 0; i < m; i++) {
		sid[i] = did[i] = WS_FIB_MISS;
		if (k[i].family == 4) {
			a4s[n4] = ws_fib_v4_from_bytes(k[i].src);
			a4d[n4] = ws_fib_v4_from_bytes(k[i].dst);
			i4[n4++] = (uint8_t)i;
		} else if (k[i].family == 6) {
			memcpy(a6s[n6], k[i].src, 16);
			memcpy(a6d[n6], k[i].dst, 16);
			i6[n6++] = (uint8_t)i;
		}
	}
	if (n4 && s->t[0][0].lpm4) {
		ws_lpm4_lookup_bulk(s->t[0][0].lpm4, a4s, r4, n4);
		for (unsigned j = 0; j < n4; j++)
			sid[i4[j]] = r4[j];
	}
	if (n4 && s->t[0][1].lpm4) {
		ws_lpm4_lookup_bulk(s->t[0][1].lpm4, a4d, r4, n4);
		for (unsigned j = 0; j < n4; j++)
			did[i4[j]] = r4[j];
	}
	if (n6 && s->t[1][0].lpm6) {
		ws_lpm6_lookup_bulk(s->t[1][0].lpm6, (const uint8_t(*)[16])a6s, r4, n6);
		for (unsigned j = 0; j < n6; j++)
			sid[i6[j]] = r4[j];
	}
	if (n6 && s->t[1][1].lpm6) {
		ws_lpm6_lookup_bulk(s->t[1][1].lpm6, (const uint8_t(*)[16])a6d, r4, n6);
		for (unsigned j = 0; j < n6; j++)
			did[i6[j]] = r4[j];
	}
}

unsigned ws_filter_classify_bulk(const struct ws_filter_set *s, struct ws_filter_state *st,
				 const struct ws_filter_key *keys, const uint8_t *const *frames, const uint32_t *lens,
				 uint8_t *verdicts, unsigned n, uint64_t now_ns, size_t first_rule)
{
	uint32_t first = clamp_first(s, first_rule);
	const uint32_t *w = list_from(s, s->wild, first);
	struct expr_bits xb = { .e0 = 0, .n = 0 };
	unsigned drops = 0;

	/* the expression rules the batches run in bulk: from the first one at
	 * or after first on */
	while (xb.e0 < s->nexpr && s->expr_rule[xb.e0] < first)
		xb.e0++;
	if (xb.e0 < EXPR_ORD_MAX) {
		xb.n = s->nexpr - xb.e0 < BULK_EXPRS ? s->nexpr - xb.e0 : BULK_EXPRS;
		if (xb.e0 + xb.n > EXPR_ORD_MAX)
			xb.n = EXPR_ORD_MAX - xb.e0;
	}

	for (unsigned base = 0; base < n; base += WS_FILTER_BULK_BATCH) {
		unsigned m = n - base < WS_FILTER_BULK_BATCH ? n - base : WS_FILTER_BULK_BATCH;
		const struct ws_filter_key *k = keys + base;
		uint32_t sid[WS_FILTER_BULK_BATCH], did[WS_FILTER_BULK_BATCH];
		const uint32_t *la[WS_FILTER_BULK_BATCH], *lb[WS_FILTER_BULK_BATCH];

		bulk_lookup(s, k, m, sid, did);
		for (uint32_t j = 0; j < xb.n; j++)
			xb.bits[j] = ws_cbpf_match_bulk(s->crules[s->expr_rule[xb.e0 + j]].expr, frames + base,
							lens + base, m);
		for (unsigned i = 0; i < m; i++) {
			la[i] = list_from(s, sid[i], first);
			lb[i] = list_from(s, did[i], first);
		}
		/* A rule set larger than the caches misses on each packet's
		 * first candidate and its counters: ask for them a few packets
		 * ahead so that those misses overlap. */
		for (unsigned i = 0; i < m; i++) {
			if (i + BULK_PREFETCH < m) {
				unsigned j = i + BULK_PREFETCH;
				uint32_t r = *la[j] < *lb[j] ? *la[j] : *lb[j];

				r = r < *w ? r : *w;
				if (r != END) {
					ws_prefetch0(&s->crules[r]);
					ws_prefetchw(&st->ctr[r]);
				}
			}
			unsigned v = eval(s, st, &k[i], frames[base + i], lens[base + i], now_ns, la[i], lb[i], w,
					  &xb, i);

			verdicts[base + i] = (uint8_t)v;
			drops += v == WS_FILTER_DROP;
		}
	}
	return drops;
}

unsigned ws_filter_classify_linear(const struct ws_filter_set *s, struct ws_filter_state *st,
				   const struct ws_filter_key *key, const uint8_t *frame, uint32_t len,
				   uint64_t now_ns, size_t first_rule)
{
	for (uint32_t r = clamp_first(s, first_rule); r < s->n; r++) {
		if (!ws_filter_rule_match(&s->rules->rules[r], key, frame, len))
			continue;
		int v = apply(s, st, r, key, len, now_ns);
		if (v >= 0)
			return (unsigned)v;
	}
	return finish_default(s, st, len);
}

/* ---------------------------------------------------------------- XDP split, accessors */

size_t ws_filter_set_xdp_rules(const struct ws_filter_set *set)
{
	return set->xdp_k;
}

static void format_origin(const struct ws_filter_set *s, uint32_t id, char *buf, size_t len)
{
	const struct origin *o = &s->list_origin[id];
	char a[INET6_ADDRSTRLEN];

	if (!o->family) {
		snprintf(buf, len, "every address (rules without src or dst)");
		return;
	}
	const struct ws_route *r = &s->t[o->family == 6][o->dst].routes[o->route];
	inet_ntop(o->family == 4 ? AF_INET : AF_INET6, r->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, r->len);
}

const char *ws_filter_set_where(const struct ws_filter_set *s, size_t rule, char *why, size_t whylen)
{
	char where[96];
	size_t best_pos = SIZE_MAX;
	uint32_t best_id = 0;

	if (whylen)
		why[0] = 0;
	if (rule >= s->n) {
		snprintf(why, whylen, "no such rule");
		return "userspace";
	}
	if (rule < s->xdp_k)
		return "xdp";
	if (s->crules[rule].check & C_EXPR) {
		snprintf(why, whylen, "tcpdump expression");
		return "userspace";
	}
	/* Is it itself too deep in some list? Name the shallowest such place. */
	for (uint32_t id = 0; id < s->nlists; id++) {
		const uint32_t *l = s->pool + s->list_off[id];

		for (size_t p = WS_FILTER_XDP_MAX_LIST; p < s->list_len[id] && p < best_pos; p++)
			if (l[p] == rule) {
				best_pos = p;
				best_id = id;
				break;
			}
	}
	if (best_pos != SIZE_MAX) {
		format_origin(s, best_id, where, sizeof(where));
		snprintf(why, whylen, "%zu rules overlap at %s", best_pos + 1, where);
		return "userspace";
	}
	const struct ws_filter_rule *k = &s->rules->rules[s->xdp_k];
	if (k->line)
		snprintf(why, whylen, "after rule %zu (line %u), which runs in userspace", s->xdp_k, k->line);
	else
		snprintf(why, whylen, "after rule %zu, which runs in userspace", s->xdp_k);
	return "userspace";
}

const struct ws_route *ws_filter_set_prefixes(const struct ws_filter_set *set, unsigned family, bool dst, size_t *n)
{
	*n = 0;
	if (family != 4 && family != 6)
		return NULL;
	const struct trie *t = &set->t[family == 6][dst];
	*n = t->n;
	return t->n ? t->routes : NULL;
}

size_t ws_filter_set_nlists(const struct ws_filter_set *set)
{
	return set->nlists;
}

const uint32_t *ws_filter_set_list(const struct ws_filter_set *set, uint32_t id, size_t *n)
{
	if (id >= set->nlists) {
		*n = 0;
		return NULL;
	}
	*n = set->list_len[id];
	return set->pool + set->list_off[id];
}

uint32_t ws_filter_set_wildcard_list(const struct ws_filter_set *set)
{
	return set->wild;
}
