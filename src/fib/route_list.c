/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_list.c: route lists, the address text both ways (route_file.h), and
 * the reader's helpers: `ip route` words and duplicate detection
 * (route_priv.h).
 */
#include "fib/route_file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/route_priv.h"

void ws_route_list_init(struct ws_route_list *l)
{
	memset(l, 0, sizeof(*l));
}

void ws_route_list_free(struct ws_route_list *l)
{
	free(l->v4);
	free(l->v6);
	ws_nh_table_free(l->nh);
	ws_route_list_init(l);
}

int ws_route_list_push(struct ws_route_list *l, int family, const struct ws_route *r)
{
	struct ws_route **arr;
	size_t *n, *cap;

	if (family == AF_INET) {
		arr = &l->v4, n = &l->n_v4, cap = &l->cap_v4;
	} else if (family == AF_INET6) {
		arr = &l->v6, n = &l->n_v6, cap = &l->cap_v6;
	} else {
		return -EAFNOSUPPORT;
	}
	if (*n == *cap) {
		/* Doubling: a full table is a million pushes. */
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct ws_route *p = realloc(*arr, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *r;
	return 0;
}

int ws_route_parse_addr(const char *s, size_t n, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint32_t a;

	if (memchr(s, ':', n)) {
		/* inet_pton needs a NUL-terminated copy; IPv6 tables are small. */
		if (n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, out) != 1)
			return -EINVAL;
		return AF_INET6;
	}
	if (ws_route_parse_v4(s, s + n, &a))
		return -EINVAL;
	ws_fib_v4_to_bytes(a, out);
	return AF_INET;
}

int ws_route_format_prefix(int family, const uint8_t *addr, unsigned len, char *buf,
			   size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (family == AF_INET)
		return snprintf(buf, size, "%u.%u.%u.%u/%u", addr[0], addr[1], addr[2], addr[3],
				len);
	if (!inet_ntop(AF_INET6, addr, a, sizeof(a)))
		return snprintf(buf, size, "?/%u", len);
	return snprintf(buf, size, "%s/%u", a, len);
}

/* ---- `ip route` words ---- */

/* val: the word takes one value. */
static const struct { const char *word; bool val; } ipr_words[] = {
	{ "via", true },     { "dev", true },     { "proto", true },   { "scope", true },
	{ "metric", true },  { "src", true },     { "table", true },   { "pref", true },
	{ "expires", true }, { "error", true },   { "hoplimit", true }, { "mtu", true },
	{ "advmss", true },  { "weight", true },  { "realm", true },   { "realms", true },
	{ "nhid", true },    { "tos", true },     { "dsfield", true }, { "rtt", true },
	{ "rttvar", true },  { "window", true },  { "cwnd", true },    { "initcwnd", true },
	{ "initrwnd", true }, { "ssthresh", true }, { "reordering", true },
	{ "features", true }, { "congctl", true }, { "quickack", true }, { "from", true },
	{ "fastopen_no_cookie", true }, { "ttl-propagate", true }, { "onlink", false },
	{ "linkdown", false }, { "dead", false },  { "pervasive", false }, { "offload", false },
	{ "trap", false },   { "rt_offload", false }, { "rt_trap", false },
	{ "rt_offload_failed", false }, { "notify", false }, { "encap", false }, { "lock", false },
	{ "cache", false },
};

int ws_route_ipr_word(const struct ws_route_tok *t)
{
	/* A nexthop id or IPv4 gateway (the common second word) is no word. */
	if (t->s[0] >= '0' && t->s[0] <= '9')
		return -1;
	for (size_t i = 0; i < sizeof(ipr_words) / sizeof(ipr_words[0]); i++)
		if (ws_route_tok_is(t, ipr_words[i].word))
			return ipr_words[i].val;
	return -1;
}

int ws_route_type_word(const struct ws_route_tok *t)
{
	static const struct { const char *word; int type; } types[] = {
		{ "unicast", WS_NH_UNICAST },       { "blackhole", WS_NH_BLACKHOLE },
		{ "unreachable", WS_NH_UNREACHABLE }, { "prohibit", WS_NH_PROHIBIT },
		{ "local", WS_NH_LOCAL },           { "broadcast", WS_NH_LOCAL },
		{ "anycast", WS_NH_LOCAL },         { "multicast", -1 },
		{ "throw", -1 },                    { "nat", -1 },
	};

	if (t->s[0] < 'a' || t->s[0] > 'z')
		return -2; /* the common case, a prefix, costs one compare */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ws_route_tok_is(t, types[i].word))
			return types[i].type;
	return -2;
}

/* ---- duplicate prefixes ---- */

#define SLOT(idx, h) ((uint64_t)(h) >> 32 << 32 | ((uint64_t)(idx) + 1))
#define SLOT_IDX(v) ((size_t)(uint32_t)(v) - 1)

static inline uint64_t route_hash(const struct ws_route *rt)
{
	uint64_t a, b, h;

	memcpy(&a, rt->addr, 8);
	memcpy(&b, rt->addr + 8, 8);
	h = a * 0x9e3779b97f4a7c15ull ^ (b * 0xc2b2ae3d27d4eb4full + rt->len);
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdull;
	return h ^ h >> 29;
}

static inline bool same_prefix(const struct ws_route *a, const struct ws_route *b)
{
	return a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

/* Address order, shorter prefix first: the order of sorted tables. */
static inline int prefix_cmp(const struct ws_route *a, const struct ws_route *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->len - (int)b->len;
}

/* Keep the table at most half full, rehashing from the route array. */
static int dedupe_reserve(struct ws_route_dedupe *d, const struct ws_route *arr, size_t n)
{
	size_t cap = d->mask + 1, ncap;
	uint64_t *s;

	if (!d->hashed || (d->slots && 2 * (n + 1) <= cap))
		return 0;
	ncap = d->slots ? 2 * cap : 4096;
	while (ncap < 2 * (n + 1))
		ncap *= 2;
	s = calloc(ncap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(d->slots);
	d->slots = s;
	d->mask = ncap - 1;
	for (size_t k = 0; k < n; k++) {
		uint64_t h = route_hash(&arr[k]);
		size_t i = h & d->mask;

		while (s[i])
			i = (i + 1) & d->mask;
		s[i] = SLOT(k, h);
	}
	return 0;
}

long ws_route_dedupe_find(struct ws_route_dedupe *d, const struct ws_route *arr, size_t n,
			  const struct ws_route *rt, size_t *slot)
{
	size_t i;

	*slot = 0;
	if (!d->hashed) {
		int c = n ? prefix_cmp(rt, &arr[n - 1]) : 1;

		if (c > 0)
			return -1;
		if (c == 0)
			return (long)n - 1;
		d->hashed = true;
	}
	if (dedupe_reserve(d, arr, n))
		return -2;
	uint64_t h = route_hash(rt), tag = h >> 32 << 32;

	i = h & d->mask;
	while (d->slots[i]) {
		uint64_t v = d->slots[i];

		if ((v >> 32 << 32) == tag && same_prefix(&arr[SLOT_IDX(v)], rt))
			return (long)SLOT_IDX(v);
		i = (i + 1) & d->mask;
	}
	*slot = i;
	return -1;
}

void ws_route_dedupe_add(struct ws_route_dedupe *d, size_t slot, size_t idx,
			 const struct ws_route *rt)
{
	if (d->hashed)
		d->slots[slot] = SLOT(idx, route_hash(rt));
}

void ws_route_dedupe_free(struct ws_route_dedupe *d)
{
	free(d->slots);
	memset(d, 0, sizeof(*d));
}
