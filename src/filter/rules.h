/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.h: filter rules, their file format and the match of one rule.
 *
 * Control path (parsing, printing) and the reference match of one rule
 * (ws_filter_rule_match), which defines what a rule means; the compiled
 * classifier (classify.h) and the XDP program must agree with it.
 *
 * File format: see ws_filter_rules_parse_file() below.
 */
#ifndef WS_FILTER_RULES_H
#define WS_FILTER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_cbpf;

/* What a matching rule does. drop and pass end the evaluation; count and
 * rate-limit go on to the next rule (rate-limit drops what is over its
 * limit and lets what is within go on). */
enum ws_filter_action {
	WS_FILTER_PASS = 0,
	WS_FILTER_DROP = 1,
	WS_FILTER_COUNT = 2,
	WS_FILTER_RATE_LIMIT = 3,
};

/* Which matches a rule has (ws_filter_rule.match). */
#define WS_FILTER_M_SRC (1u << 0)
#define WS_FILTER_M_DST (1u << 1)
#define WS_FILTER_M_PROTO (1u << 2)
#define WS_FILTER_M_SPORT (1u << 3)
#define WS_FILTER_M_DPORT (1u << 4)
#define WS_FILTER_M_FLAGS (1u << 5)
#define WS_FILTER_M_LEN (1u << 6)
#define WS_FILTER_M_EXPR (1u << 7)
#define WS_FILTER_M_FAMILY (1u << 8)

/* An address prefix; IPv4 in addr[0..3], host bits zero. */
struct ws_filter_prefix {
	uint8_t addr[16];
	uint8_t len;
};

struct ws_filter_rule {
	uint32_t line;   /* 1-based line in its file, 0 when not from a file */
	uint16_t match;  /* WS_FILTER_M_* */
	uint8_t action;  /* enum ws_filter_action */
	uint8_t family;  /* 0 = any, 4 or 6: only packets of that family match */
	uint8_t proto;   /* IPPROTO_* (M_PROTO) */
	uint8_t tcp_flags_value, tcp_flags_mask; /* (flags & mask) == value (M_FLAGS) */
	uint16_t sport_lo, sport_hi;             /* inclusive (M_SPORT) */
	uint16_t dport_lo, dport_hi;             /* inclusive (M_DPORT) */
	uint16_t len_lo, len_hi;                 /* L3 length, inclusive (M_LEN) */
	struct ws_filter_prefix src, dst;        /* (M_SRC, M_DST) */
	/* rate-limit: a token bucket of rl_rate tokens per second, rl_burst deep,
	 * per source key (the source address cut to rl_v4_len / rl_v6_len bits;
	 * rl_per_source 0: one bucket for everything the rule matches). A token
	 * is a packet, or a byte of L3 length when rl_bytes. */
	uint8_t rl_bytes;
	uint8_t rl_per_source;
	uint8_t rl_v4_len, rl_v6_len;
	uint64_t rl_rate;
	uint64_t rl_burst;
	struct ws_cbpf *expr; /* compiled tcpdump expression (M_EXPR), owned */
	char *expr_text;      /* the expression as written (M_EXPR), owned */
	char *text;           /* the rule as written, trimmed, owned */
};

struct ws_filter_rules {
	struct ws_filter_rule *rules;
	size_t n;
	uint8_t default_action; /* WS_FILTER_PASS (the default) or WS_FILTER_DROP */
	char *name;             /* file name for messages, owned */
};

/* The fields of a packet the rules look at, taken from the frame once. */
struct ws_filter_key {
	uint8_t family;    /* 4, 6, or 0 for a frame that is not IP */
	uint8_t proto;     /* L4 protocol (after IPv6 extension headers) */
	uint8_t has_l4;    /* 1: sport/dport/tcp_flags are valid (first fragment, header present) */
	uint8_t tcp_flags; /* TCP only */
	uint16_t sport, dport;
	uint16_t l3_len;   /* IPv4 total length; IPv6 payload length + 40 */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
};

/* The parser's limits. */
#define WS_FILTER_RULES_MAX 1000000u          /* rules in one set */
#define WS_FILTER_RATE_MAX 1000000000000ull   /* rl_rate and rl_burst, tokens (1000G) */
#define WS_FILTER_BURST_MIN_BYTES 1514u       /* default Bps burst floor: one full frame */

/*
 * Control path: read the rule file at path and compile it into *out (free it
 * with ws_filter_rules_free). 0 on success. -1 on any error, with *out left
 * untouched (no partial rule set) and a message in err (errlen bytes, always
 * terminated when errlen > 0): "PATH:LINE: problem" for a rule error,
 * "PATH: strerror" when the file cannot be read, "PATH: out of memory".
 *
 * The format (one rule per line, in evaluation order; `#` starts a comment
 * outside double quotes; blank lines ignored; words separated by spaces and
 * tabs, a trailing CR is ignored):
 *   default pass|drop     at most once: the verdict when no terminal rule matched
 *   ACTION [MATCH ...]
 * ACTION: drop | pass | count
 *       | rate-limit RATE [burst N] [per src[/V4LEN]] [per src6[/V6LEN]]
 *   RATE: a decimal number, optional k/M/G (x1000), then pps or Bps (bytes of
 *   L3 length per second), a whole number of tokens from 1 to
 *   WS_FILTER_RATE_MAX: 1000pps, 1.5kpps, 125kBps. burst N (same number form,
 *   no unit) defaults to one second of RATE, at least 1 packet or
 *   WS_FILTER_BURST_MIN_BYTES bytes. burst and per may come anywhere after
 *   RATE, each at most once.
 * MATCH, each at most once, all must hold:
 *   src|dst PREFIX   IPv4/IPv6 address[/len], no host bits
 *   family ip4|ip6
 *   proto udp|tcp|icmp|icmp6|sctp|0..255   (icmp/1 implies ip4, icmp6/58 ip6)
 *   sport|dport P[-P2]   needs proto tcp, udp, sctp or no proto
 *   flags SET[/MASK]  TCP flag names fin,syn,rst,psh,ack,urg,ece,cwr joined by
 *                     commas; SET may be empty when MASK is given ("/rst":
 *                     RST clear); SET must lie within MASK; implies proto tcp
 *   len N[-N2]        L3 length
 *   expr "tcpdump expression"   no escapes, compiled by ws_cbpf_compile
 * The parsed rule is normalised: every implied restriction is written out
 * (family from prefixes and icmp/icmp6 sets family and WS_FILTER_M_FAMILY;
 * flags sets proto tcp and WS_FILTER_M_PROTO), so that M_FAMILY is set exactly
 * when family != 0. Rate-limit rules without `per` have rl_v4_len 32 and
 * rl_v6_len 128 (unused). text is the rule as written without its comment.
 */
int ws_filter_rules_parse_file(const char *path, struct ws_filter_rules **out, char *err, size_t errlen);

/*
 * Control path: ws_filter_rules_parse_file() on the NUL-terminated text; name
 * (NULL: "rules") is used in messages and kept in (*out)->name.
 */
int ws_filter_rules_parse_text(const char *text, const char *name, struct ws_filter_rules **out, char *err,
			       size_t errlen);

/* Control path: free a rule set, its rules' strings and compiled expressions. NULL is ignored. */
void ws_filter_rules_free(struct ws_filter_rules *rules);

/*
 * Control path: write the canonical one-line text of r (no newline) into buf
 * (len bytes, always terminated when len > 0). Returns the length of the full
 * text, as snprintf does (truncated when >= len). Parsing the canonical text
 * gives back the same rule (fields, not text and line). Implied matches are
 * left out (family implied by a prefix or icmp/icmp6), proto is always shown.
 */
int ws_filter_rule_format(const struct ws_filter_rule *r, char *buf, size_t len);

/* Any path: "pass", "drop", "count", "rate-limit"; "?" for another value. */
const char *ws_filter_action_name(unsigned action);

/*
 * Data path (per packet, no calls, reads only inside frame[0..len)): fill
 * *key (zeroed first) from an Ethernet frame. Returns true when the frame is
 * IPv4 or IPv6 (key->family != 0).
 *  - up to two VLAN tags (0x8100, 0x88a8) are skipped; a third leaves family 0;
 *  - IPv4: version 4, IHL >= 5, the whole header inside the frame. IPv6:
 *    version 6, 40 bytes inside the frame. Otherwise family 0 (and the key
 *    all zero). The total/payload length is not checked against the frame;
 *    l3_len is IPv4 total length, IPv6 payload length + 40 (capped at 65535);
 *  - IPv6 hop-by-hop, routing, destination options and fragment headers are
 *    skipped (at most 8; each must be inside the frame). If the walk stops
 *    early (ninth extension header, one cut off by the frame end, non-first
 *    fragment) proto is the next header where it stopped and has_l4 is 0;
 *  - ports (and TCP flags) are filled and has_l4 set for TCP, UDP and SCTP
 *    when this is the first fragment (offset 0) and the frame holds 4 bytes of
 *    the L4 header (TCP: 14, to reach the flags). Never for ICMP/ICMPv6.
 */
bool ws_filter_key_from_frame(const uint8_t *frame, uint32_t len, struct ws_filter_key *key);

/*
 * The reference match (control path speed, may be used per packet in tests
 * and slow paths): does the MATCH part of r hold for the packet whose key
 * (from ws_filter_key_from_frame on the same frame) and frame are given? The
 * action and rate-limit state are not looked at. Definition:
 *  - a rule with any of SRC, DST, FAMILY, PROTO, SPORT, DPORT, FLAGS, LEN (or
 *    family != 0) matches only IP packets (key->family 4 or 6), and, when
 *    r->family != 0, only that family; src/dst prefixes are of r->family;
 *  - PROTO: key->proto == r->proto;
 *  - SPORT/DPORT: key->has_l4, key->proto is TCP, UDP or SCTP, port within
 *    [lo, hi];
 *  - FLAGS: key->has_l4, key->proto TCP, (tcp_flags & mask) == value;
 *  - LEN: l3_len within [len_lo, len_hi];
 *  - EXPR: ws_cbpf_match(expr, frame, len) on the whole frame;
 *  - no match at all: every frame (ARP too).
 */
bool ws_filter_rule_match(const struct ws_filter_rule *r, const struct ws_filter_key *key, const uint8_t *frame,
			  uint32_t len);

#endif
