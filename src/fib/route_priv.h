/* SPDX-License-Identifier: BSD-3-Clause */
/* route_priv.h: helpers shared by route_list.c and route_file.c only. */
#ifndef WS_FIB_ROUTE_PRIV_H
#define WS_FIB_ROUTE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fib/fib.h"

/*
 * Dotted-quad IPv4 in [s, end) to a host-order address; 0 or -1. Exactly four
 * decimal octets 0..255; a leading zero ("010") is refused because other
 * tools read it as octal. Hand-written because a full table is 900k of these
 * and inet_pton plus the copy it needs would be most of the parse time.
 */
static inline int ws_route_parse_v4(const char *s, const char *end, uint32_t *out)
{
	uint32_t a = 0;

	for (int octet = 0; octet < 4; octet++) {
		unsigned v = 0, digits = 0;

		if (octet) {
			if (s >= end || *s != '.')
				return -1;
			s++;
		}
		while (s < end && *s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[-(int)digits] == '0'))
			return -1;
		a = a << 8 | v;
	}
	if (s != end)
		return -1;
	*out = a;
	return 0;
}

/* ---- tokens of a route line ---- */

struct ws_route_tok {
	const char *s;
	size_t n;
};

/* Next whitespace-separated token; false at the end of the line or a '#'. */
static inline bool ws_route_next_tok(const char **cur, struct ws_route_tok *t)
{
	const char *p = *cur;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
		return false;
	t->s = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '#')
		p++;
	t->n = (size_t)(p - t->s);
	*cur = p;
	return true;
}

static inline bool ws_route_tok_is(const struct ws_route_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && !memcmp(t->s, word, n);
}

/* An `ip route` attribute word: -1 if t is none, else 1 if it takes a value
 * (which the caller skips), 0 for a flag. */
int ws_route_ipr_word(const struct ws_route_tok *t);

/* A route type leading an `ip route` line: its enum ws_nh_type, -1 for a
 * type the FIB does not forward (the line is skipped), -2 if t is no type. */
int ws_route_type_word(const struct ws_route_tok *t);

/* ---- duplicate prefixes ---- */

/*
 * Prefixes of one family's route array seen so far. Tables are usually
 * sorted, and then a duplicate can only be the previous route, so the hash is
 * built only once a route comes out of order: on a sorted full table it would
 * be a cache miss per line for nothing. A slot holds index + 1 in its low half
 * and the upper half of the hash in its high half, so that a probe reads a
 * route only when its hash matches: one cache miss per line, not two.
 */
struct ws_route_dedupe {
	bool hashed;
	uint64_t *slots;
	size_t mask;
};

/* Index of rt's prefix among arr's n routes, -1 if new (*slot is where it
 * goes), -2 out of memory. */
long ws_route_dedupe_find(struct ws_route_dedupe *d, const struct ws_route *arr, size_t n,
			  const struct ws_route *rt, size_t *slot);

/* Record that arr[idx] (just appended, after find said -1) is in *slot. */
void ws_route_dedupe_add(struct ws_route_dedupe *d, size_t slot, size_t idx,
			 const struct ws_route *rt);

void ws_route_dedupe_free(struct ws_route_dedupe *d);

#endif /* WS_FIB_ROUTE_PRIV_H */
