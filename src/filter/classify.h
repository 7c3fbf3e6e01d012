/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.h: the compiled first-match classifier over a rule set, its
 * per-worker counters and rate-limit buckets, dry-run, and which rules an
 * XDP program could run instead of userspace.
 *
 * A rule set (rules.h) is compiled into a struct ws_filter_set, read-only
 * once built and shared by all workers. Each rule is keyed by its src prefix
 * if it has one, else by its dst prefix, else it is a "wildcard" rule. Per
 * family, the distinct src-key prefixes go into an lpm4/lpm6 (src/fib) whose
 * value is a list id: the list of every src-keyed rule whose prefix covers
 * that prefix, in rule order, so that the longest match for an address
 * yields every src-keyed rule containing it. The same for dst-keyed rules.
 * A packet then costs one lookup per family and field plus a merge of the
 * src list, the dst list and the wildcard list in rule order, each
 * candidate's remaining fields being checked exactly as
 * ws_filter_rule_match() does: 10,000 prefix rules cost about what one does,
 * where a scan would cost 10,000 matches.
 *
 * Identical lists are stored once. List ids share one space of
 * WS_FIB_MAX_NEXTHOPS values (they are the lpm's nexthops); a set that needs
 * more distinct lists is refused ("too many distinct prefixes").
 *
 * Each worker owns a struct ws_filter_state: per-rule counters and the
 * rate-limit token buckets, written only by that worker without atomics
 * (stats.h's scheme); readers add the states of all workers up.
 *
 * DATA-PATH CODE: ws_filter_classify(), ws_filter_classify_bulk() (and the
 * reference ws_filter_classify_linear(), which is data path in form but is
 * only meant for tests). Everything else is control path.
 */
#ifndef WS_FILTER_CLASSIFY_H
#define WS_FILTER_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/fib.h"
#include "filter/rules.h"

struct ws_filter_set;
struct ws_filter_state;

/* ws_filter_classify_bulk() looks addresses up in groups of this many
 * packets (the lpm bulk lookups overlap the misses of one group). */
#define WS_FILTER_BULK_BATCH 64u

/* An XDP program has room for at most this many rules in one list (the
 * rules it may have to check for one packet from one of its lists). */
#define WS_FILTER_XDP_MAX_LIST 16u

/* Per-source rate-limit buckets per worker state (ws_filter_state_new). */
#define WS_FILTER_RL_SLOTS 65536u

/* A source key lives within this many slots of its hash home. */
#define WS_FILTER_RL_PROBE 8u

/* Token buckets count in units of 1/WS_FILTER_RL_SCALE token, so a rate of
 * R tokens per second refills exactly R units per nanosecond: no rounding
 * at any step, and with 128-bit arithmetic no overflow for any 64-bit rate
 * or burst. */
#define WS_FILTER_RL_SCALE 1000000000u

/* What a rule (or the default verdict) did, summed since the state was made. */
struct ws_filter_counters {
	uint64_t hits;  /* packets the rule matched (the default: packets no terminal rule took) */
	uint64_t bytes; /* their frame lengths */
	uint64_t drops; /* packets it dropped (in dry-run: would have dropped) */
};

/*
 * Control path: compile rules into a classifier. Takes ownership of rules
 * in every case (freed with the set, or at once on failure). Returns NULL
 * with a message in err (errlen bytes, always terminated when errlen > 0):
 * a src/dst prefix in a rule whose family is not 4 or 6, a prefix longer
 * than its family, "too many distinct prefixes" (more distinct candidate
 * lists than WS_FIB_MAX_NEXTHOPS), or "out of memory".
 */
struct ws_filter_set *ws_filter_set_build(struct ws_filter_rules *rules, char *err, size_t errlen);

/* Control path: free a set and its rules. No state made from it may be used
 * afterwards. NULL is accepted. */
void ws_filter_set_free(struct ws_filter_set *set);

/* Control path: the rules the set was built from (owned by the set). */
const struct ws_filter_rules *ws_filter_set_rules(const struct ws_filter_set *set);

/*
 * Control path: a worker's state for set: counters at zero, no rate-limit
 * bucket yet (a bucket starts full, with burst tokens, when its first packet
 * comes). With dry_run, every verdict is WS_FILTER_PASS but counters (drops
 * included) and buckets go as if the verdicts applied. Holds
 * WS_FILTER_RL_SLOTS per-source buckets (only allocated when the set has a
 * per-source rate limit). NULL with errno ENOMEM.
 */
struct ws_filter_state *ws_filter_state_new(const struct ws_filter_set *set, bool dry_run);

/*
 * Control path: as ws_filter_state_new() with room for rl_slots per-source
 * buckets (rounded up to a power of two, at least 1). The table is a bounded
 * open-addressing hash: a source key (rule, source address cut to the rule's
 * rl_v4_len / rl_v6_len) lives within WS_FILTER_RL_PROBE slots of its home
 * (a per-state seeded hash, so that sources cannot be chosen to pile up).
 * When a new key finds those slots all taken, it replaces the entry among
 * them that was refilled longest ago (that source starts again with a full
 * bucket next time it is seen). Rate limits without `per` have their own
 * buckets, never replaced. NULL with errno ENOMEM.
 */
struct ws_filter_state *ws_filter_state_new_sized(const struct ws_filter_set *set, bool dry_run, size_t rl_slots);

void ws_filter_state_free(struct ws_filter_state *st);

/*
 * DATA-PATH CODE, per packet: the verdict for one frame, WS_FILTER_PASS or
 * WS_FILTER_DROP (always WS_FILTER_PASS in dry-run). key is the frame's key
 * (ws_filter_key_from_frame), frame/len the Ethernet frame (for tcpdump
 * expressions; len counts in `bytes`). Rules before first_rule are skipped
 * (they already ran in XDP). Rules apply first-match: count goes on;
 * rate-limit drops what is over its bucket (terminal) and goes on with what
 * is within; pass and drop end; when no terminal rule matched, the set's
 * default action. now_ns is a monotonic clock in nanoseconds for the
 * buckets (a value older than a bucket's last refill adds nothing). Updates
 * st's counters and buckets; no allocation, no locks.
 */
unsigned ws_filter_classify(const struct ws_filter_set *set, struct ws_filter_state *st,
			    const struct ws_filter_key *key, const uint8_t *frame, uint32_t len, uint64_t now_ns,
			    size_t first_rule);

/*
 * DATA-PATH CODE, per burst: verdicts[i] = ws_filter_classify(set, st,
 * &keys[i], frames[i], lens[i], now_ns, first_rule) for i < n, in order
 * (so buckets and counters end as with n single calls). The prefix lookups
 * of WS_FILTER_BULK_BATCH packets at a time go through the lpm bulk lookups.
 * Returns how many verdicts are WS_FILTER_DROP.
 */
unsigned ws_filter_classify_bulk(const struct ws_filter_set *set, struct ws_filter_state *st,
				 const struct ws_filter_key *keys, const uint8_t *const *frames, const uint32_t *lens,
				 uint8_t *verdicts, unsigned n, uint64_t now_ns, size_t first_rule);

/*
 * Reference, for tests: the same verdict, counters and bucket updates as
 * ws_filter_classify(), found by scanning the rules in order with
 * ws_filter_rule_match(). Cost grows with the number of rules.
 */
unsigned ws_filter_classify_linear(const struct ws_filter_set *set, struct ws_filter_state *st,
				   const struct ws_filter_key *key, const uint8_t *frame, uint32_t len,
				   uint64_t now_ns, size_t first_rule);

/* Control path: st's counters of one rule (rule < number of rules), or of
 * the default verdict (rule == number of rules); zeros for a rule past that.
 * May run while the owning worker classifies (each value is read whole). */
void ws_filter_state_read(const struct ws_filter_state *st, size_t rule, struct ws_filter_counters *out);

/* Control path: the counters of one rule (as ws_filter_state_read) summed
 * over states[0..n), the workers running one set. */
void ws_filter_state_sum(const struct ws_filter_state *const *states, size_t n, size_t rule,
			 struct ws_filter_counters *out);

/*
 * Control path: the largest k such that rules [0, k) could run in an XDP
 * program of this shape: per family an LPM trie on src and one on dst giving
 * list ids (ws_filter_set_prefixes), a wildcard list, no list holding more
 * than WS_FILTER_XDP_MAX_LIST rules below k, and no tcpdump expression
 * below k. Userspace then classifies with first_rule = k.
 */
size_t ws_filter_set_xdp_rules(const struct ws_filter_set *set);

/*
 * Control path: "xdp" if rule runs in the XDP program (rule <
 * ws_filter_set_xdp_rules), else "userspace" with the reason in why (whylen
 * bytes, always terminated when whylen > 0): "tcpdump expression",
 * "17 rules overlap at 198.18.0.0/16" (the rule is the 17th of a list), or
 * "after rule 12 (line 14), which runs in userspace" (rule indexes from 0).
 * why is "" for "xdp". A rule past the set's end gives "userspace",
 * "no such rule".
 */
const char *ws_filter_set_where(const struct ws_filter_set *set, size_t rule, char *why, size_t whylen);

/*
 * Control path, for the XDP loader: the prefixes of one trie, family 4 or 6,
 * dst false for the src trie, true for the dst trie, as route records whose
 * nexthop is the list id; *n gets their count (0 and NULL when that trie is
 * empty or family is neither 4 nor 6). Sorted by address, then length; host
 * bits zero. Valid while the set lives.
 */
const struct ws_route *ws_filter_set_prefixes(const struct ws_filter_set *set, unsigned family, bool dst, size_t *n);

/*
 * Control path: the first len bits (at most 128) of the 16-byte address
 * addr as a mask and the masked address (val; NULL: not wanted), 16 bytes
 * each, in the address's own byte order, so that an address loaded the
 * same way (two 64-bit words) matches with one AND and compare per word.
 * addr NULL: val is zero. Used by the classifier and the XDP loader alike.
 */
void ws_filter_prefix_words(const uint8_t *addr, unsigned len, void *mask, void *val);

/* Control path: the number of list ids (ids are 0 .. that - 1). */
size_t ws_filter_set_nlists(const struct ws_filter_set *set);

/* Control path: the rule indexes of list id in ascending order (every rule,
 * also those at or past ws_filter_set_xdp_rules), *n their count; NULL and 0
 * for an id out of range. Valid while the set lives. */
const uint32_t *ws_filter_set_list(const struct ws_filter_set *set, uint32_t id, size_t *n);

/* Control path: the list id of the wildcard rules (those without a prefix),
 * or WS_FIB_MISS when there are none. */
uint32_t ws_filter_set_wildcard_list(const struct ws_filter_set *set);

#endif /* WS_FILTER_CLASSIFY_H */
