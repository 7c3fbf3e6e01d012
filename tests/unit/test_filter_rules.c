/* SPDX-License-Identifier: BSD-3-Clause */
/* filter/rules.h: the rule-file parser on every example and every error of
 * the format (exact NAME:LINE: prefixes, nothing returned on error), the
 * canonical printer (format -> parse gives the same rule, on the examples and
 * on random rules), key extraction from frames built here byte by byte (every
 * truncation, in allocations that end at the last byte so ASan sees any
 * overread) and the reference match at the edges of every field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter/rules.h"
#include "net/net.h"

#include "test_rng.h"

/* ---- parsing helpers ---- */

static struct ws_filter_rules *parse_ok(const char *text)
{
	struct ws_filter_rules *rs = NULL;
	char err[512] = "";
	int rc = ws_filter_rules_parse_text(text, "t.rules", &rs, err, sizeof(err));

	if (rc != 0)
		print_error("unexpected parse error: %s\nfor: %s\n", err, text);
	assert_int_equal(rc, 0);
	assert_non_null(rs);
	assert_string_equal(rs->name, "t.rules");
	return rs;
}

/* The single rule of text (which must hold exactly one). */
static struct ws_filter_rules *parse1(const char *text)
{
	struct ws_filter_rules *rs = parse_ok(text);

	assert_int_equal(rs->n, 1);
	return rs;
}

/* text must fail with a message starting "t.rules:LINE: " and containing want. */
static void parse_err(const char *text, unsigned line, const char *want)
{
	struct ws_filter_rules *sentinel = (struct ws_filter_rules *)(uintptr_t)0x5a5a, *rs = sentinel;
	char err[512], prefix[32];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = ws_filter_rules_parse_text(text, "t.rules", &rs, err, sizeof(err));
	if (rc != -1 || rs != sentinel) {
		print_error("expected an error for: %s\n", text);
		if (rc == 0)
			ws_filter_rules_free(rs);
	}
	assert_int_equal(rc, -1);
	assert_ptr_equal(rs, sentinel);
	assert_non_null(memchr(err, 0, sizeof(err)));
	snprintf(prefix, sizeof(prefix), "t.rules:%u: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
		print_error("for: %s\n got: %s\nwant: %s...%s\n", text, err, prefix, want);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, want));
}

/* ---- the examples of the format ---- */

static const char *const examples[] = {
	"drop src 198.18.128.0/17 proto udp dport 9",
	"pass src 198.18.0.2 proto udp",
	"count proto tcp flags syn/syn,ack",
	"rate-limit 1000pps burst 100 per src/24 proto udp",
	"drop expr \"udp and dst port 53 and udp[10] & 0x80 = 0\"",
	"drop src 2001:db8:bad::/48",
};

static void test_examples(void **state)
{
	(void)state;
	char text[1024] = "default pass\n";
	struct ws_filter_rules *rs;
	const struct ws_filter_rule *r;
	uint8_t a6[16];

	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		strcat(text, examples[i]);
		strcat(text, "\n");
	}
	rs = parse_ok(text);
	assert_int_equal(rs->n, 6);
	assert_int_equal(rs->default_action, WS_FILTER_PASS);

	r = &rs->rules[0];
	assert_int_equal(r->line, 2);
	assert_int_equal(r->action, WS_FILTER_DROP);
	assert_int_equal(r->match, WS_FILTER_M_SRC | WS_FILTER_M_PROTO | WS_FILTER_M_DPORT | WS_FILTER_M_FAMILY);
	assert_int_equal(r->family, 4);
	assert_memory_equal(r->src.addr, ((uint8_t[16]){198, 18, 128, 0}), 16);
	assert_int_equal(r->src.len, 17);
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->dport_lo, 9);
	assert_int_equal(r->dport_hi, 9);
	assert_string_equal(r->text, examples[0]);
	assert_null(r->expr);

	r = &rs->rules[1];
	assert_int_equal(r->action, WS_FILTER_PASS);
	assert_int_equal(r->match, WS_FILTER_M_SRC | WS_FILTER_M_PROTO | WS_FILTER_M_FAMILY);
	assert_memory_equal(r->src.addr, ((uint8_t[16]){198, 18, 0, 2}), 16);
	assert_int_equal(r->src.len, 32);
	assert_int_equal(r->proto, 17);

	r = &rs->rules[2];
	assert_int_equal(r->action, WS_FILTER_COUNT);
	assert_int_equal(r->match, WS_FILTER_M_PROTO | WS_FILTER_M_FLAGS);
	assert_int_equal(r->family, 0);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->tcp_flags_value, WS_TCP_SYN);
	assert_int_equal(r->tcp_flags_mask, WS_TCP_SYN | WS_TCP_ACK);

	r = &rs->rules[3];
	assert_int_equal(r->action, WS_FILTER_RATE_LIMIT);
	assert_int_equal(r->match, WS_FILTER_M_PROTO);
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->rl_rate, 1000);
	assert_int_equal(r->rl_bytes, 0);
	assert_int_equal(r->rl_burst, 100);
	assert_int_equal(r->rl_per_source, 1);
	assert_int_equal(r->rl_v4_len, 24);
	assert_int_equal(r->rl_v6_len, 64);

	r = &rs->rules[4];
	assert_int_equal(r->action, WS_FILTER_DROP);
	assert_int_equal(r->match, WS_FILTER_M_EXPR);
	assert_int_equal(r->family, 0);
	assert_non_null(r->expr);
	assert_string_equal(r->expr_text, "udp and dst port 53 and udp[10] & 0x80 = 0");

	r = &rs->rules[5];
	assert_int_equal(r->match, WS_FILTER_M_SRC | WS_FILTER_M_FAMILY);
	assert_int_equal(r->family, 6);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:bad::", a6), 1);
	assert_memory_equal(r->src.addr, a6, 16);
	assert_int_equal(r->src.len, 48);
	assert_int_equal(r->line, 7);
	ws_filter_rules_free(rs);
}

static void test_actions_default_comments(void **state)
{
	(void)state;
	struct ws_filter_rules *rs;

	rs = parse_ok("");
	assert_int_equal(rs->n, 0);
	assert_int_equal(rs->default_action, WS_FILTER_PASS);
	ws_filter_rules_free(rs);

	rs = parse_ok("# only comments\n\n   \t\n  # indented\n");
	assert_int_equal(rs->n, 0);
	ws_filter_rules_free(rs);

	/* default anywhere; comments after rules; CRLF; tabs; no final newline */
	rs = parse_ok("pass\n\tcount   # counts everything\r\n# x\ndrop proto udp#tight comment\ndefault drop\r\n"
		      "rate-limit 5pps");
	assert_int_equal(rs->default_action, WS_FILTER_DROP);
	assert_int_equal(rs->n, 4);
	assert_int_equal(rs->rules[0].action, WS_FILTER_PASS);
	assert_int_equal(rs->rules[0].match, 0);
	assert_int_equal(rs->rules[0].line, 1);
	assert_int_equal(rs->rules[1].action, WS_FILTER_COUNT);
	assert_int_equal(rs->rules[1].line, 2);
	assert_string_equal(rs->rules[1].text, "count");
	assert_int_equal(rs->rules[2].action, WS_FILTER_DROP);
	assert_int_equal(rs->rules[2].line, 4);
	assert_string_equal(rs->rules[2].text, "drop proto udp");
	assert_int_equal(rs->rules[3].action, WS_FILTER_RATE_LIMIT);
	assert_int_equal(rs->rules[3].line, 6);
	assert_int_equal(rs->rules[3].rl_rate, 5);
	ws_filter_rules_free(rs);

	/* a # inside quotes is not a comment */
	rs = parse1("drop expr \"ether[0] & 1 = 1\" # multicast#");
	assert_string_equal(rs->rules[0].expr_text, "ether[0] & 1 = 1");
	assert_string_equal(rs->rules[0].text, "drop expr \"ether[0] & 1 = 1\"");
	ws_filter_rules_free(rs);

	rs = parse_ok("default pass\n");
	assert_int_equal(rs->default_action, WS_FILTER_PASS);
	ws_filter_rules_free(rs);

	assert_string_equal(ws_filter_action_name(WS_FILTER_PASS), "pass");
	assert_string_equal(ws_filter_action_name(WS_FILTER_DROP), "drop");
	assert_string_equal(ws_filter_action_name(WS_FILTER_COUNT), "count");
	assert_string_equal(ws_filter_action_name(WS_FILTER_RATE_LIMIT), "rate-limit");
	assert_string_equal(ws_filter_action_name(9), "?");
}

static void test_rates(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t rate, burst;
		uint8_t bytes;
	} cases[] = {
		{"rate-limit 1000pps", 1000, 1000, 0},
		{"rate-limit 10kpps", 10000, 10000, 0},
		{"rate-limit 1.5kpps", 1500, 1500, 0},
		{"rate-limit 2Mpps", 2000000, 2000000, 0},
		{"rate-limit 1Gpps", 1000000000, 1000000000, 0},
		{"rate-limit 1pps", 1, 1, 0},
		{"rate-limit 125kBps", 125000, 125000, 1},
		{"rate-limit 1.25MBps", 1250000, 1250000, 1},
		{"rate-limit 3GBps", 3000000000ull, 3000000000ull, 1},
		{"rate-limit 1000Bps", 1000, 1514, 1},  /* burst at least one full frame */
		{"rate-limit 1514Bps", 1514, 1514, 1},
		{"rate-limit 1515Bps", 1515, 1515, 1},
		{"rate-limit 1Bps", 1, 1514, 1},
		{"rate-limit 1000pps burst 1", 1000, 1, 0},
		{"rate-limit 1000pps burst 2k", 1000, 2000, 0},
		{"rate-limit 1kBps burst 100", 1000, 100, 1},
		{"rate-limit 1000Gpps", 1000000000000ull, 1000000000000ull, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_filter_rules *rs = parse1(cases[i].text);
		const struct ws_filter_rule *r = &rs->rules[0];

		assert_int_equal(r->action, WS_FILTER_RATE_LIMIT);
		assert_int_equal(r->rl_rate, cases[i].rate);
		assert_int_equal(r->rl_burst, cases[i].burst);
		assert_int_equal(r->rl_bytes, cases[i].bytes);
		assert_int_equal(r->rl_per_source, 0);
		assert_int_equal(r->match, 0);
		ws_filter_rules_free(rs);
	}
}

static void test_per(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint8_t per, v4, v6;
	} cases[] = {
		{"rate-limit 1pps", 0, 32, 128},
		{"rate-limit 1pps per src", 1, 32, 128},
		{"rate-limit 1pps per src/24", 1, 24, 64},
		{"rate-limit 1pps per src/1", 1, 1, 64},
		{"rate-limit 1pps per src/32", 1, 32, 64},
		{"rate-limit 1pps per src6", 1, 32, 128},
		{"rate-limit 1pps per src6/64", 1, 32, 64},
		{"rate-limit 1pps per src6/1", 1, 32, 1},
		{"rate-limit 1pps per src6/128", 1, 32, 128},
		{"rate-limit 1pps per src/24 per src6/48", 1, 24, 48},
		{"rate-limit 1pps per src6/48 per src/24", 1, 24, 48},
		{"rate-limit 1pps per src per src6/56", 1, 32, 56},
		{"rate-limit 1pps proto udp per src/16 burst 7", 1, 16, 64},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_filter_rules *rs = parse1(cases[i].text);
		const struct ws_filter_rule *r = &rs->rules[0];

		assert_int_equal(r->rl_per_source, cases[i].per);
		assert_int_equal(r->rl_v4_len, cases[i].v4);
		assert_int_equal(r->rl_v6_len, cases[i].v6);
		ws_filter_rules_free(rs);
	}
}

static void test_match_kinds(void **state)
{
	(void)state;
	struct ws_filter_rules *rs;
	const struct ws_filter_rule *r;

	rs = parse1("drop family ip4");
	assert_int_equal(rs->rules[0].match, WS_FILTER_M_FAMILY);
	assert_int_equal(rs->rules[0].family, 4);
	ws_filter_rules_free(rs);

	rs = parse1("drop family ip6 dst 2001:db8::1");
	r = &rs->rules[0];
	assert_int_equal(r->match, WS_FILTER_M_FAMILY | WS_FILTER_M_DST);
	assert_int_equal(r->family, 6);
	assert_int_equal(r->dst.len, 128);
	assert_int_equal(r->dst.addr[15], 1);
	ws_filter_rules_free(rs);

	rs = parse1("drop dst 198.18.0.0/15 src 0.0.0.0/0");
	r = &rs->rules[0];
	assert_int_equal(r->dst.len, 15);
	assert_int_equal(r->src.len, 0);
	assert_int_equal(r->family, 4);
	ws_filter_rules_free(rs);

	static const struct {
		const char *word;
		uint8_t proto, family;
	} protos[] = {
		{"udp", 17, 0}, {"tcp", 6, 0}, {"icmp", 1, 4}, {"icmp6", 58, 6}, {"sctp", 132, 0},
		{"0", 0, 0},    {"47", 47, 0}, {"255", 255, 0}, {"1", 1, 4},     {"58", 58, 6},
	};
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "pass proto %s", protos[i].word);
		rs = parse1(text);
		r = &rs->rules[0];
		assert_int_equal(r->proto, protos[i].proto);
		assert_int_equal(r->family, protos[i].family);
		assert_int_equal(r->match, WS_FILTER_M_PROTO | (protos[i].family ? WS_FILTER_M_FAMILY : 0));
		ws_filter_rules_free(rs);
	}

	rs = parse1("drop sport 1000-2000 dport 0-65535 proto sctp");
	r = &rs->rules[0];
	assert_int_equal(r->match, WS_FILTER_M_SPORT | WS_FILTER_M_DPORT | WS_FILTER_M_PROTO);
	assert_int_equal(r->sport_lo, 1000);
	assert_int_equal(r->sport_hi, 2000);
	assert_int_equal(r->dport_lo, 0);
	assert_int_equal(r->dport_hi, 65535);
	ws_filter_rules_free(rs);

	rs = parse1("drop dport 53");
	assert_int_equal(rs->rules[0].match, WS_FILTER_M_DPORT);
	ws_filter_rules_free(rs);

	static const struct {
		const char *word;
		uint8_t value, mask;
	} flags[] = {
		{"syn", WS_TCP_SYN, WS_TCP_SYN},
		{"syn/syn,ack", WS_TCP_SYN, WS_TCP_SYN | WS_TCP_ACK},
		{"ack,syn", WS_TCP_SYN | WS_TCP_ACK, WS_TCP_SYN | WS_TCP_ACK},
		{"/rst", 0, WS_TCP_RST},
		{"fin,syn,rst,psh,ack,urg,ece,cwr", 0xff, 0xff},
		{"cwr/ece,cwr", WS_TCP_CWR, WS_TCP_ECE | WS_TCP_CWR},
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char text[96];

		snprintf(text, sizeof(text), "drop flags %s", flags[i].word);
		rs = parse1(text);
		r = &rs->rules[0];
		assert_int_equal(r->match, WS_FILTER_M_FLAGS | WS_FILTER_M_PROTO);
		assert_int_equal(r->proto, WS_IPPROTO_TCP);
		assert_int_equal(r->tcp_flags_value, flags[i].value);
		assert_int_equal(r->tcp_flags_mask, flags[i].mask);
		ws_filter_rules_free(rs);
	}
	rs = parse1("drop proto tcp flags rst dport 80-81");
	assert_int_equal(rs->rules[0].proto, WS_IPPROTO_TCP);
	ws_filter_rules_free(rs);

	rs = parse1("drop len 64-1500");
	r = &rs->rules[0];
	assert_int_equal(r->match, WS_FILTER_M_LEN);
	assert_int_equal(r->len_lo, 64);
	assert_int_equal(r->len_hi, 1500);
	ws_filter_rules_free(rs);

	rs = parse1("drop len 0");
	assert_int_equal(rs->rules[0].len_hi, 0);
	ws_filter_rules_free(rs);

	rs = parse1("drop expr \"\"");
	assert_string_equal(rs->rules[0].expr_text, "");
	assert_non_null(rs->rules[0].expr);
	ws_filter_rules_free(rs);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	(void)state;
	/* each on line 3, after a default and a good rule: nothing may come back */
	static const struct {
		const char *line, *want;
	} cases[] = {
		{"frob src 198.18.0.0/15", "unknown action 'frob'"},
		{"\"drop\"", "unknown action"},
		{"drop prot udp", "unknown match 'prot'"},
		{"drop proto udp sport 1 sport 2", "'sport' given twice"},
		{"drop dport 1 dport 1", "'dport' given twice"},
		{"drop src 198.18.0.0/15 src 198.18.0.0/16", "'src' given twice"},
		{"drop dst 198.18.0.1 dst 198.18.0.1", "'dst' given twice"},
		{"drop proto udp proto udp", "'proto' given twice"},
		{"drop flags syn flags ack", "'flags' given twice"},
		{"drop len 1 len 2", "'len' given twice"},
		{"drop family ip4 family ip4", "'family' given twice"},
		{"drop expr \"udp\" expr \"tcp\"", "'expr' given twice"},
		{"rate-limit 1pps burst 5 burst 6", "'burst' given twice"},
		{"rate-limit 1pps per src per src/24", "'per src' given twice"},
		{"rate-limit 1pps per src6 per src6/64", "'per src6' given twice"},
		{"drop src 198.18.0.300", "bad prefix '198.18.0.300'"},
		{"drop src 198.18.0.0/33", "bad prefix '198.18.0.0/33'"},
		{"drop src 198.18.0.0/", "bad prefix"},
		{"drop src 198.18.0.0/x", "bad prefix"},
		{"drop src 2001:db8::/129", "bad prefix"},
		{"drop src 2001:db8:::1", "bad prefix"},
		{"drop src example.org", "bad prefix"},
		{"drop src", "'src' needs a value"},
		{"drop src 198.18.0.1/24", "host bits set in 198.18.0.1/24"},
		{"drop dst 198.19.0.0/15", "host bits set in 198.19.0.0/15"},
		{"drop src 2001:db8::1/64", "host bits set in 2001:db8::1/64"},
		{"drop src 198.18.0.0/15 dst 2001:db8::/32", "dst 2001:db8::/32 is IPv6 but src 198.18.0.0/15 is IPv4"},
		{"drop dst 2001:db8::1 src 198.18.0.1", "src 198.18.0.1 is IPv4 but dst 2001:db8::1 is IPv6"},
		{"drop family ip6 src 198.18.0.1", "src 198.18.0.1 is IPv4 but family ip6 is IPv6"},
		{"drop proto icmp dst 2001:db8::1", "is IPv6 but proto icmp is IPv4"},
		{"drop proto icmp6 family ip4", "family ip4 is IPv4 but proto icmp6 is IPv6"},
		{"drop family ip5", "bad family 'ip5'"},
		{"drop dport 10-9", "bad dport range '10-9'"},
		{"drop sport 65536", "bad sport '65536'"},
		{"drop sport 1-65536", "bad sport"},
		{"drop sport -5", "bad sport"},
		{"drop dport 5-", "bad dport"},
		{"drop dport http", "bad dport 'http'"},
		{"drop proto icmp sport 80", "'sport' needs proto tcp, udp or sctp (the rule has proto icmp)"},
		{"drop dport 53 proto 47", "'dport' needs proto tcp, udp or sctp (the rule has proto 47)"},
		{"drop proto udp flags syn", "'flags' needs proto tcp (the rule has proto udp)"},
		{"drop flags syn proto icmp6", "'flags' needs proto tcp"},
		{"drop flags syn,fin,bogus", "unknown TCP flag 'bogus'"},
		{"drop flags SYN", "unknown TCP flag 'SYN'"},
		{"drop flags syn,", "trailing comma"},
		{"drop flags syn,syn", "TCP flag 'syn' given twice"},
		{"drop flags syn/ack", "SET has flags outside MASK"},
		{"drop flags syn/", "no flag to look at"},
		{"drop proto 256", "bad proto '256'"},
		{"drop proto gre", "bad proto 'gre'"},
		{"drop len 10-5", "bad len range '10-5'"},
		{"drop len 65536", "bad len '65536'"},
		{"rate-limit 1.5Mbps", "bad rate '1.5Mbps': use Bps (bytes/s) or pps"},
		{"rate-limit 1000", "use Bps (bytes/s) or pps"},
		{"rate-limit 1000pp", "use Bps (bytes/s) or pps"},
		{"rate-limit 10Kpps", "use Bps (bytes/s) or pps"},
		{"rate-limit 10kbps", "use Bps (bytes/s) or pps"},
		{"rate-limit 0pps", "must be at least 1"},
		{"rate-limit 0.5pps", "a whole number"},
		{"rate-limit 1.0001kpps", "a whole number"},
		{"rate-limit 1001Gpps", "at most 1000G"},
		{"rate-limit 99999999999999999999999pps", "bad rate"},
		{"rate-limit proto udp", "rate-limit needs a rate (e.g. 1000pps)"},
		{"rate-limit", "rate-limit needs a rate (e.g. 1000pps)"},
		{"rate-limit 10pps burst 0", "bad burst '0'"},
		{"rate-limit 10pps burst 1pps", "bad burst '1pps'"},
		{"rate-limit 10pps burst", "'burst' needs a value"},
		{"rate-limit 10pps per dst", "bad 'per dst'"},
		{"rate-limit 10pps per src/33", "length 1..32"},
		{"rate-limit 10pps per src/0", "length 1..32"},
		{"rate-limit 10pps per src6/0", "length 1..128"},
		{"rate-limit 10pps per src6/129", "length 1..128"},
		{"rate-limit 10pps per srcx", "bad 'per srcx'"},
		{"drop burst 10", "'burst' only goes with rate-limit"},
		{"count per src", "'per' only goes with rate-limit"},
		{"drop expr \"udp", "missing closing quote"},
		{"drop expr \"udp\"x", "a space must follow the closing quote"},
		{"drop src\"x\"", "unexpected '\"' inside a word"},
		{"drop src \"198.18.0.1\"", "'src' takes a word, not a quoted string"},
		{"drop expr \"udp and frobnicate\"", "expr \"udp and frobnicate\": "},
		{"drop expr \"port 99999\"", "expr \"port 99999\": "},
		{"drop expr udp", "expr needs a double-quoted tcpdump expression"},
		{"default drop", "'default' given twice (first on line 1)"},
		{"default", "default takes one word: pass or drop"},
		{"default maybe", "default takes one word: pass or drop"},
		{"default drop now", "default takes one word: pass or drop"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), "default pass\npass src 198.18.0.2 proto udp # fine\n%s\ndrop\n",
			 cases[i].line);
		parse_err(text, 3, cases[i].want);
	}

	/* the line number counts blank and comment lines; the error is on the first bad line */
	parse_err("\n\n# c\n\ndrop src 198.18.0.1/31\ndrop src x\n", 5, "host bits set");
}

static void test_error_buffers(void **state)
{
	(void)state;
	struct ws_filter_rules *rs = NULL;
	char err[12];

	/* a short buffer is still terminated; errlen 0 is not written at all */
	assert_int_equal(ws_filter_rules_parse_text("drop prot udp\n", "t.rules", &rs, err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:1: ");
	assert_int_equal(ws_filter_rules_parse_text("drop prot udp\n", "t.rules", &rs, NULL, 0), -1);
	assert_null(rs);
	/* NULL name */
	assert_int_equal(ws_filter_rules_parse_text("drop prot\n", NULL, &rs, err, sizeof(err)), -1);
	assert_string_equal(err, "rules:1: un");
}

static void test_too_many_rules(void **state)
{
	(void)state;
	size_t n = WS_FILTER_RULES_MAX + 1, k = 0;
	char *text = malloc(n * 6 + 1);
	struct ws_filter_rules *rs;
	char err[256];

	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		memcpy(text + k, "count\n", 6);
		k += 6;
	}
	text[k - 6] = 0; /* exactly the maximum */
	rs = parse_ok(text);
	assert_int_equal(rs->n, WS_FILTER_RULES_MAX);
	ws_filter_rules_free(rs);
	text[k - 6] = 'c';
	text[k] = 0;
	snprintf(err, sizeof(err), "more than %u rules", WS_FILTER_RULES_MAX);
	parse_err(text, WS_FILTER_RULES_MAX + 1, err);
	free(text);
}

static void test_parse_file(void **state)
{
	(void)state;
	char path[] = "/tmp/ws-test-rules-XXXXXX", want[128];
	struct ws_filter_rules *rs = NULL;
	char err[256];
	int fd = mkstemp(path);
	static const char body[] = "default drop\ncount\ndrop src 198.18.0.0/16\n";
	static const char bad[] = "count\n\ndrop sport 9 proto icmp\n";
	static const char nul[] = "count\ndrop\0\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	assert_int_equal(ws_filter_rules_parse_file(path, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs->n, 2);
	assert_int_equal(rs->default_action, WS_FILTER_DROP);
	assert_string_equal(rs->name, path);
	assert_int_equal(rs->rules[1].line, 3);
	ws_filter_rules_free(rs);

	rs = NULL;
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, bad, sizeof(bad) - 1, 0), (ssize_t)(sizeof(bad) - 1));
	assert_int_equal(ws_filter_rules_parse_file(path, &rs, err, sizeof(err)), -1);
	assert_null(rs);
	snprintf(want, sizeof(want), "%s:3: 'sport' needs proto tcp, udp or sctp", path);
	assert_memory_equal(err, want, strlen(want));

	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, nul, sizeof(nul) - 1, 0), (ssize_t)(sizeof(nul) - 1));
	assert_int_equal(ws_filter_rules_parse_file(path, &rs, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte", path);
	assert_memory_equal(err, want, strlen(want));
	close(fd);
	unlink(path);

	assert_int_equal(ws_filter_rules_parse_file(path, &rs, err, sizeof(err)), -1);
	assert_null(rs);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);

	ws_filter_rules_free(NULL);
}

/* ---- canonical text ---- */

/* Same rule, apart from where it was written. */
static void assert_same_rule(const struct ws_filter_rule *a, const struct ws_filter_rule *b)
{
	assert_int_equal(a->match, b->match);
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->tcp_flags_value, b->tcp_flags_value);
	assert_int_equal(a->tcp_flags_mask, b->tcp_flags_mask);
	assert_int_equal(a->sport_lo, b->sport_lo);
	assert_int_equal(a->sport_hi, b->sport_hi);
	assert_int_equal(a->dport_lo, b->dport_lo);
	assert_int_equal(a->dport_hi, b->dport_hi);
	assert_int_equal(a->len_lo, b->len_lo);
	assert_int_equal(a->len_hi, b->len_hi);
	assert_memory_equal(&a->src, &b->src, sizeof(a->src));
	assert_memory_equal(&a->dst, &b->dst, sizeof(a->dst));
	assert_int_equal(a->rl_bytes, b->rl_bytes);
	assert_int_equal(a->rl_per_source, b->rl_per_source);
	assert_int_equal(a->rl_v4_len, b->rl_v4_len);
	assert_int_equal(a->rl_v6_len, b->rl_v6_len);
	assert_int_equal(a->rl_rate, b->rl_rate);
	assert_int_equal(a->rl_burst, b->rl_burst);
	assert_int_equal(!a->expr, !b->expr);
	assert_int_equal(!a->expr_text, !b->expr_text);
	if (a->expr_text)
		assert_string_equal(a->expr_text, b->expr_text);
}

/* format(text's rule) parses to the same rule and formats to itself; returns the canonical text. */
static void round_trip(const char *text, char *canon, size_t clen)
{
	struct ws_filter_rules *a = parse1(text), *b;
	char again[1024];
	int n = ws_filter_rule_format(&a->rules[0], canon, clen);

	assert_true(n > 0 && (size_t)n < clen);
	assert_int_equal(strlen(canon), (size_t)n);
	b = parse1(canon);
	assert_same_rule(&a->rules[0], &b->rules[0]);
	assert_int_equal(ws_filter_rule_format(&b->rules[0], again, sizeof(again)), n);
	assert_string_equal(again, canon);
	ws_filter_rules_free(a);
	ws_filter_rules_free(b);
}

static void test_format_examples(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"drop src 198.18.128.0/17 proto udp dport 9", "drop src 198.18.128.0/17 proto udp dport 9"},
		{"pass src 198.18.0.2 proto udp", "pass src 198.18.0.2 proto udp"},
		{"count proto tcp flags syn/syn,ack", "count proto tcp flags syn/syn,ack"},
		{"count flags ack,syn/ack,syn,fin", "count proto tcp flags syn,ack/fin,syn,ack"},
		{"rate-limit 1000pps burst 100 per src/24 proto udp", "rate-limit 1kpps burst 100 per src/24 proto udp"},
		{"drop expr \"udp and dst port 53 and udp[10] & 0x80 = 0\"",
		 "drop expr \"udp and dst port 53 and udp[10] & 0x80 = 0\""},
		{"drop src 2001:db8:bad::/48", "drop src 2001:db8:bad::/48"},
		{"drop   dport 9-9\tsport 1-2 # c", "drop sport 1-2 dport 9"},
		{"pass family ip6", "pass family ip6"},
		{"pass family ip4 proto icmp", "pass proto icmp"},
		{"pass proto 58", "pass proto icmp6"},
		{"drop len 64-1500 proto 47 family ip4", "drop family ip4 proto 47 len 64-1500"},
		{"drop dst 2001:db8::1/128", "drop dst 2001:db8::1"},
		{"drop flags /rst", "drop proto tcp flags /rst"},
		{"rate-limit 1500Bps", "rate-limit 1500Bps"},
		{"rate-limit 1500Bps burst 1514", "rate-limit 1500Bps"},
		{"rate-limit 2000000pps burst 1500", "rate-limit 2Mpps burst 1500"},
		{"rate-limit 1pps per src", "rate-limit 1pps per src"},
		{"rate-limit 1pps per src6/64", "rate-limit 1pps per src/32 per src6/64"},
		{"rate-limit 1pps per src/24 per src6/48", "rate-limit 1pps per src/24 per src6/48"},
		{"rate-limit 1pps per src/24 per src6/64", "rate-limit 1pps per src/24"},
		{"count", "count"},
	};
	char canon[1024];

	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		round_trip(examples[i], canon, sizeof(canon));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		round_trip(cases[i].in, canon, sizeof(canon));
		assert_string_equal(canon, cases[i].out);
	}
}

static void test_format_truncation(void **state)
{
	(void)state;
	struct ws_filter_rules *rs = parse1("rate-limit 10kpps per src/24 src 198.18.0.0/16 proto tcp dport 80 flags syn");
	char full[256], buf[256];
	int n = ws_filter_rule_format(&rs->rules[0], full, sizeof(full));

	assert_int_equal(ws_filter_rule_format(&rs->rules[0], NULL, 0), n);
	for (int k = 1; k <= n + 1; k++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(ws_filter_rule_format(&rs->rules[0], buf, (size_t)k), n);
		assert_int_equal(strlen(buf), (size_t)(k - 1 < n ? k - 1 : n));
		assert_memory_equal(buf, full, strlen(buf));
	}
	ws_filter_rules_free(rs);
}

/* A random prefix of family fam, written as address[/len] (host prefixes sometimes bare). */
static void rand_prefix(unsigned fam, char *out, size_t olen)
{
	uint8_t a[16] = {0};
	unsigned max = fam == 4 ? 32 : 128, len = (unsigned)(rnd() % (max + 1));
	char s[INET6_ADDRSTRLEN];

	if (fam == 4) {
		a[0] = 198;
		a[1] = (uint8_t)(18 + (rnd() & 1));
		a[2] = (uint8_t)rnd();
		a[3] = (uint8_t)rnd();
	} else {
		a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
		for (int i = 4; i < 16; i++)
			a[i] = (uint8_t)rnd();
	}
	for (unsigned b = len; b < max; b++)
		a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, s, sizeof(s));
	if (len == max && (rnd() & 1))
		snprintf(out, olen, "%s", s);
	else
		snprintf(out, olen, "%s/%u", s, len);
}

static void rand_range(char *out, size_t olen, unsigned max)
{
	unsigned a = (unsigned)(rnd() % (max + 1)), b = (unsigned)(rnd() % (max + 1));

	if (rnd() & 1)
		snprintf(out, olen, "%u", a);
	else
		snprintf(out, olen, "%u-%u", a < b ? a : b, a < b ? b : a);
}

static void rand_flags(char *out, size_t olen, unsigned bits)
{
	static const char *const names[8] = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};
	size_t k = 0;

	out[0] = 0;
	for (unsigned f = 0; f < 8; f++) {
		unsigned g = (f + 3) % 8; /* not in bit order */

		if (bits & (1u << g))
			k += (size_t)snprintf(out + k, olen - k, "%s%s", k ? "," : "", names[g]);
	}
}

/* A random valid rule, its matches in random order. */
static void rand_rule(char *text, size_t tlen)
{
	static const char *const actions[] = {"pass", "drop", "count", "rate-limit"};
	static const char *const exprs[] = {"udp", "tcp[13] & 2 != 0", "arp or vlan", "ip6 and src net 2001:db8::/32"};
	static const char *const sfx[] = {"", "k", "M", "G"};
	char words[12][160];
	unsigned nw = 0, fam = (unsigned)(rnd() % 3), act = (unsigned)(rnd() % 4);
	int proto = -1; /* -1: none */
	size_t k;

	if (fam)
		fam = fam == 1 ? 4 : 6;
	k = (size_t)snprintf(text, tlen, "%s", actions[act]);
	if (act == WS_FILTER_RATE_LIMIT) {
		k += (size_t)snprintf(text + k, tlen - k, " %u%s%s", (unsigned)(rnd() % 999 + 1), sfx[rnd() % 4],
				      (rnd() & 1) ? "pps" : "Bps");
		if (rnd() & 1)
			snprintf(words[nw++], sizeof(words[0]), "burst %u", (unsigned)(rnd() % 100000 + 1));
		if (rnd() & 1)
			snprintf(words[nw++], sizeof(words[0]), "per src%s", (rnd() & 1) ? "" : "/20");
		if (rnd() & 1)
			snprintf(words[nw++], sizeof(words[0]), "per src6/%u", (unsigned)(rnd() % 128 + 1));
	}
	if (fam && (rnd() % 3)) {
		char p[64];

		rand_prefix(fam, p, sizeof(p));
		snprintf(words[nw++], sizeof(words[0]), "src %s", p);
	}
	if (fam && (rnd() % 3)) {
		char p[64];

		rand_prefix(fam, p, sizeof(p));
		snprintf(words[nw++], sizeof(words[0]), "dst %s", p);
	}
	switch (rnd() % 7) {
	case 0: proto = 6; break;
	case 1: proto = 17; break;
	case 2: proto = 132; break;
	case 3: proto = fam == 6 ? 58 : 1; break;
	case 4: proto = (int)(rnd() % 256); break;
	default: break;
	}
	if ((proto == 1 && fam == 6) || (proto == 58 && fam == 4))
		proto = 17;
	if (proto == 1 || proto == 58)
		fam = proto == 1 ? 4 : 6; /* icmp sets the family of a rule that had none */
	if (proto >= 0)
		snprintf(words[nw++], sizeof(words[0]), "proto %d", proto);
	if (fam && (rnd() & 1))
		snprintf(words[nw++], sizeof(words[0]), "family ip%u", fam);
	if ((proto == -1 || proto == 6 || proto == 17 || proto == 132) && (rnd() & 1)) {
		char r[32];

		rand_range(r, sizeof(r), 65535);
		snprintf(words[nw++], sizeof(words[0]), "sport %s", r);
	}
	if ((proto == -1 || proto == 6 || proto == 17 || proto == 132) && (rnd() & 1)) {
		char r[32];

		rand_range(r, sizeof(r), 65535);
		snprintf(words[nw++], sizeof(words[0]), "dport %s", r);
	}
	if ((proto == -1 || proto == 6) && (rnd() & 1)) {
		unsigned mask = (unsigned)(rnd() % 255 + 1), value = (unsigned)rnd() & mask;
		char v[64], m[64];

		rand_flags(v, sizeof(v), value);
		rand_flags(m, sizeof(m), mask);
		if (value == mask && (rnd() & 1))
			snprintf(words[nw++], sizeof(words[0]), "flags %s", v);
		else
			snprintf(words[nw++], sizeof(words[0]), "flags %s/%s", v, m);
	}
	if (rnd() % 3 == 0) {
		char r[32];

		rand_range(r, sizeof(r), 65535);
		snprintf(words[nw++], sizeof(words[0]), "len %s", r);
	}
	if (rnd() % 8 == 0)
		snprintf(words[nw++], sizeof(words[0]), "expr \"%s\"", exprs[rnd() % 4]);
	for (unsigned i = nw; i > 1; i--) {
		unsigned j = (unsigned)(rnd() % i);
		char t[sizeof(words[0])];

		memcpy(t, words[i - 1], sizeof(t));
		memcpy(words[i - 1], words[j], sizeof(t));
		memcpy(words[j], t, sizeof(t));
	}
	for (unsigned i = 0; i < nw; i++)
		k += (size_t)snprintf(text + k, tlen - k, " %s", words[i]);
}

static void test_format_random(void **state)
{
	(void)state;
	char text[2048], canon[2048];

	rng_state = 7;
	for (int i = 0; i < 3000; i++) {
		rand_rule(text, sizeof(text));
		round_trip(text, canon, sizeof(canon));
	}
}

/* ---- frames ---- */

struct frame {
	uint8_t b[512];
	unsigned len;
	unsigned l3, l4; /* offsets of the IP and L4 headers */
};

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *put(struct frame *f, unsigned n)
{
	uint8_t *p = f->b + f->len;

	assert_true(f->len + n <= sizeof(f->b));
	memset(p, 0, n);
	f->len += n;
	return p;
}

/* Ethernet with up to `tags` VLAN tags (first 0x88a8 when two), then ethertype et. */
static void put_l2(struct frame *f, unsigned tags, unsigned et)
{
	uint8_t *e;

	f->len = 0;
	e = put(f, WS_ETH_HDR_LEN);
	e[0] = 0x02, e[5] = 0x01, e[6] = 0x02, e[11] = 0x02;
	for (unsigned i = 0; i < tags; i++) {
		be16(f->b + f->len - 2, tags == 2 && i == 0 ? WS_ETHERTYPE_QINQ : WS_ETHERTYPE_VLAN);
		be16(put(f, WS_VLAN_HDR_LEN), 100 + i);
	}
	be16(f->b + f->len - 2, et);
	f->l3 = f->len;
}

static const uint8_t v4src[4] = {198, 18, 0, 1}, v4dst[4] = {198, 19, 255, 254};
static const uint8_t v6src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t v6dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, [15] = 2};

/* The L4 header of proto: ports 5353 -> 53 (TCP flags syn,ack), ICMP echo; plus a little payload. */
static void put_l4(struct frame *f, unsigned proto)
{
	uint8_t *p;

	f->l4 = f->len;
	switch (proto) {
	case WS_IPPROTO_TCP:
		p = put(f, 20);
		p[12] = 5 << 4;
		p[13] = WS_TCP_SYN | WS_TCP_ACK;
		break;
	case WS_IPPROTO_UDP:
		p = put(f, 8);
		be16(p + 4, 8 + 6);
		break;
	case 132:
		p = put(f, 12);
		break;
	default:
		p = put(f, 8);
		p[0] = 8;
		break;
	}
	if (proto == WS_IPPROTO_TCP || proto == WS_IPPROTO_UDP || proto == 132) {
		be16(p, 5353);
		be16(p + 2, 53);
	}
	put(f, 6);
}

/* IPv4 (ihl words) carrying proto, fragment offset frag8 (with MF when mf). */
static void build_v4(struct frame *f, unsigned tags, unsigned proto, unsigned ihl, unsigned frag8, int mf)
{
	uint8_t *ip;

	put_l2(f, tags, WS_ETHERTYPE_IPV4);
	ip = put(f, ihl * 4);
	ip[0] = (uint8_t)(0x40 | ihl);
	be16(ip + 6, frag8 | (mf ? WS_IPV4_FLAG_MF : 0));
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, v4src, 4);
	memcpy(ip + 16, v4dst, 4);
	put_l4(f, proto);
	be16(f->b + f->l3 + 2, f->len - f->l3);
}

/* IPv6, then the extension headers ext[0..n) (fragment: 8 bytes with offset frag8, the others 16), then proto. */
static void build_v6(struct frame *f, unsigned tags, const unsigned *ext, unsigned n, unsigned proto, unsigned frag8)
{
	uint8_t *ip, *prev;

	put_l2(f, tags, WS_ETHERTYPE_IPV6);
	ip = put(f, WS_IPV6_HDR_LEN);
	ip[0] = 0x60;
	ip[7] = 64;
	memcpy(ip + 8, v6src, 16);
	memcpy(ip + 24, v6dst, 16);
	prev = ip + 6;
	for (unsigned i = 0; i < n; i++) {
		unsigned off = f->len;
		uint8_t *h = put(f, ext[i] == WS_IPPROTO_FRAGMENT ? 8 : 16);

		*prev = (uint8_t)ext[i];
		if (ext[i] == WS_IPPROTO_FRAGMENT)
			be16(h + 2, frag8 << 3 | 1);
		else
			h[1] = 1;
		prev = f->b + off;
	}
	*prev = (uint8_t)proto;
	put_l4(f, proto);
	be16(f->b + f->l3 + 4, f->len - f->l3 - WS_IPV6_HDR_LEN);
}

/* The key of the first len bytes of f, read from an allocation of exactly len bytes. */
static bool key_of(const struct frame *f, unsigned len, struct ws_filter_key *k)
{
	uint8_t *b = malloc(len ? len : 1);
	bool ok;

	assert_non_null(b);
	memcpy(b, f->b, len);
	memset(k, 0xee, sizeof(*k)); /* must be overwritten */
	ok = ws_filter_key_from_frame(b, len, k);
	free(b);
	return ok;
}

static void assert_key_v4(const struct ws_filter_key *k, unsigned proto, unsigned l3_len)
{
	uint8_t a[16] = {0};

	assert_int_equal(k->family, 4);
	assert_int_equal(k->proto, proto);
	assert_int_equal(k->l3_len, l3_len);
	memcpy(a, v4src, 4);
	assert_memory_equal(k->src, a, 16);
	memcpy(a, v4dst, 4);
	assert_memory_equal(k->dst, a, 16);
}

static void assert_zero_key(const struct ws_filter_key *k)
{
	static const struct ws_filter_key zero;

	assert_memory_equal(k, &zero, sizeof(zero));
}

static void test_key_ipv4(void **state)
{
	(void)state;
	struct frame f;
	struct ws_filter_key k;

	for (unsigned tags = 0; tags <= 2; tags++) {
		build_v4(&f, tags, WS_IPPROTO_UDP, 5, 0, 0);
		assert_true(key_of(&f, f.len, &k));
		assert_key_v4(&k, WS_IPPROTO_UDP, f.len - f.l3);
		assert_int_equal(k.has_l4, 1);
		assert_int_equal(k.sport, 5353);
		assert_int_equal(k.dport, 53);
		assert_int_equal(k.tcp_flags, 0);

		build_v4(&f, tags, WS_IPPROTO_TCP, 7, 0, 0); /* with 8 bytes of options */
		assert_true(key_of(&f, f.len, &k));
		assert_key_v4(&k, WS_IPPROTO_TCP, f.len - f.l3);
		assert_int_equal(k.has_l4, 1);
		assert_int_equal(k.sport, 5353);
		assert_int_equal(k.tcp_flags, WS_TCP_SYN | WS_TCP_ACK);

		build_v4(&f, tags, WS_IPPROTO_ICMP, 5, 0, 0);
		assert_true(key_of(&f, f.len, &k));
		assert_key_v4(&k, WS_IPPROTO_ICMP, f.len - f.l3);
		assert_int_equal(k.has_l4, 0);
		assert_int_equal(k.sport, 0);
		assert_int_equal(k.dport, 0);

		build_v4(&f, tags, 132, 5, 0, 0);
		assert_true(key_of(&f, f.len, &k));
		assert_int_equal(k.proto, 132);
		assert_int_equal(k.has_l4, 1);
		assert_int_equal(k.dport, 53);
	}

	/* first fragment (MF, offset 0): ports; later fragment: protocol only */
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 0, 1);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.has_l4, 1);
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 185, 1);
	assert_true(key_of(&f, f.len, &k));
	assert_key_v4(&k, WS_IPPROTO_UDP, f.len - f.l3);
	assert_int_equal(k.has_l4, 0);
	assert_int_equal(k.sport, 0);
	build_v4(&f, 0, WS_IPPROTO_TCP, 5, 1, 0); /* last fragment */
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.has_l4, 0);
	assert_int_equal(k.tcp_flags, 0);

	/* l3_len is the header's total length, not the frame's */
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 0, 0);
	be16(f.b + f.l3 + 2, 9000);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.l3_len, 9000);

	/* not IPv4 after all: version, IHL */
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 0, 0);
	f.b[f.l3] = 0x65;
	assert_false(key_of(&f, f.len, &k));
	assert_zero_key(&k);
	f.b[f.l3] = 0x44;
	assert_false(key_of(&f, f.len, &k));
	assert_zero_key(&k);
	f.b[f.l3] = 0x4f; /* IHL 15: 60 bytes, more than the frame holds after L2 */
	assert_true(f.len - f.l3 < 60);
	assert_false(key_of(&f, f.len, &k));
}

static void test_key_vlan_arp(void **state)
{
	(void)state;
	struct frame f;
	struct ws_filter_key k;
	uint8_t *p;

	/* ARP: not IP, whole key zero */
	put_l2(&f, 0, WS_ETHERTYPE_ARP);
	p = put(&f, WS_ARP_HDR_LEN);
	be16(p, 1);
	be16(p + 2, WS_ETHERTYPE_IPV4);
	assert_false(key_of(&f, f.len, &k));
	assert_zero_key(&k);

	/* three tags: only two are looked through */
	put_l2(&f, 2, WS_ETHERTYPE_VLAN);
	p = put(&f, 4);
	be16(p + 2, WS_ETHERTYPE_IPV4);
	p = put(&f, 20);
	p[0] = 0x45;
	assert_false(key_of(&f, f.len, &k));
	assert_zero_key(&k);

	/* two 0x8100 tags are fine too */
	build_v4(&f, 2, WS_IPPROTO_UDP, 5, 0, 0);
	be16(f.b + 12, WS_ETHERTYPE_VLAN);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.dport, 53);

	/* an 802.3 length field */
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 0, 0);
	be16(f.b + 12, 100);
	assert_false(key_of(&f, f.len, &k));
}

static void test_key_ipv6(void **state)
{
	(void)state;
	static const unsigned hop_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	static const unsigned chain[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_ROUTING, WS_IPPROTO_DSTOPTS, WS_IPPROTO_FRAGMENT};
	unsigned nine[9];
	struct frame f;
	struct ws_filter_key k;

	for (unsigned tags = 0; tags <= 2; tags++) {
		build_v6(&f, tags, NULL, 0, WS_IPPROTO_TCP, 0);
		assert_true(key_of(&f, f.len, &k));
		assert_int_equal(k.family, 6);
		assert_int_equal(k.proto, WS_IPPROTO_TCP);
		assert_int_equal(k.l3_len, f.len - f.l3);
		assert_memory_equal(k.src, v6src, 16);
		assert_memory_equal(k.dst, v6dst, 16);
		assert_int_equal(k.has_l4, 1);
		assert_int_equal(k.tcp_flags, WS_TCP_SYN | WS_TCP_ACK);
		assert_int_equal(k.sport, 5353);

		/* hop-by-hop + fragment (first fragment, M set): UDP ports */
		build_v6(&f, tags, hop_frag, 2, WS_IPPROTO_UDP, 0);
		assert_true(key_of(&f, f.len, &k));
		assert_int_equal(k.proto, WS_IPPROTO_UDP);
		assert_int_equal(k.has_l4, 1);
		assert_int_equal(k.dport, 53);
		assert_int_equal(k.l3_len, f.len - f.l3);

		/* a later fragment: the fragment header's next header, no ports */
		build_v6(&f, tags, hop_frag, 2, WS_IPPROTO_UDP, 100);
		assert_true(key_of(&f, f.len, &k));
		assert_int_equal(k.family, 6);
		assert_int_equal(k.proto, WS_IPPROTO_UDP);
		assert_int_equal(k.has_l4, 0);
		assert_int_equal(k.dport, 0);
	}

	build_v6(&f, 0, chain, 4, WS_IPPROTO_ICMPV6, 0);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.proto, WS_IPPROTO_ICMPV6);
	assert_int_equal(k.has_l4, 0);

	/* eight extension headers are walked, a ninth is not */
	for (unsigned i = 0; i < 9; i++)
		nine[i] = WS_IPPROTO_DSTOPTS;
	build_v6(&f, 0, nine, 8, WS_IPPROTO_UDP, 0);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.proto, WS_IPPROTO_UDP);
	assert_int_equal(k.has_l4, 1);
	build_v6(&f, 0, nine, 9, WS_IPPROTO_UDP, 0);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.proto, WS_IPPROTO_DSTOPTS);
	assert_int_equal(k.has_l4, 0);

	/* payload length 65535: l3_len saturates */
	build_v6(&f, 0, NULL, 0, WS_IPPROTO_UDP, 0);
	be16(f.b + f.l3 + 4, 65535);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.l3_len, 65535);
	be16(f.b + f.l3 + 4, 65495);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.l3_len, 65535);
	be16(f.b + f.l3 + 4, 0);
	assert_true(key_of(&f, f.len, &k));
	assert_int_equal(k.l3_len, 40);

	/* version 4 in an IPv6 ethertype */
	f.b[f.l3] = 0x40;
	assert_false(key_of(&f, f.len, &k));
	assert_zero_key(&k);
}

/* Every prefix of a frame: the key is what the bytes present allow, and never more. */
static void sweep(const struct frame *f, unsigned fam, unsigned proto, const unsigned *stops, unsigned nstops)
{
	struct ws_filter_key full, k;
	unsigned iphl = fam == 4 ? ((f->b[f->l3] & 15u) * 4u) : 40u;
	unsigned need = proto == WS_IPPROTO_TCP ? 14 : 4;
	bool ports = proto == WS_IPPROTO_TCP || proto == WS_IPPROTO_UDP || proto == 132;

	assert_true(key_of(f, f->len, &full));
	for (unsigned len = 0; len <= f->len; len++) {
		bool ok = key_of(f, len, &k);

		if (len < f->l3 + iphl) {
			assert_false(ok);
			assert_zero_key(&k);
			continue;
		}
		assert_true(ok);
		assert_int_equal(k.family, fam);
		assert_int_equal(k.l3_len, full.l3_len);
		assert_memory_equal(k.src, full.src, 16);
		assert_memory_equal(k.dst, full.dst, 16);
		if (len >= f->l4 + need && ports) {
			assert_int_equal(k.has_l4, 1);
			assert_int_equal(k.sport, full.sport);
			assert_int_equal(k.dport, full.dport);
			assert_int_equal(k.tcp_flags, full.tcp_flags);
		} else {
			assert_int_equal(k.has_l4, 0);
			assert_int_equal(k.sport, 0);
			assert_int_equal(k.dport, 0);
			assert_int_equal(k.tcp_flags, 0);
		}
		/* IPv6: where the extension header walk stops; stops: (from frame length, proto) pairs, ascending */
		unsigned want = proto;

		for (unsigned i = 0; i < nstops; i++)
			if (len >= stops[2 * i])
				want = stops[2 * i + 1];
		assert_int_equal(k.proto, want);
	}
}

static void test_key_truncated(void **state)
{
	(void)state;
	static const unsigned hop_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	static const unsigned protos[] = {WS_IPPROTO_UDP, WS_IPPROTO_TCP, WS_IPPROTO_ICMP, 132};
	struct frame f;

	for (unsigned tags = 0; tags <= 2; tags++) {
		for (unsigned i = 0; i < 4; i++) {
			build_v4(&f, tags, protos[i], 5 + tags, 0, 0);
			sweep(&f, 4, protos[i], NULL, 0);
		}
		for (unsigned i = 0; i < 4; i++) {
			unsigned p = protos[i] == WS_IPPROTO_ICMP ? WS_IPPROTO_ICMPV6 : protos[i];
			unsigned ip;
			/* hop-by-hop (16 bytes) at +40, fragment (8) at +56, L4 at +64 */
			unsigned stops[] = {0, 0, 0, 0, 0, 0, 0, 0};

			build_v6(&f, tags, hop_frag, 2, p, 0);
			ip = f.l3;
			stops[0] = ip + 40, stops[1] = WS_IPPROTO_HOPOPTS;     /* hop header shorter than 8 */
			stops[2] = ip + 48, stops[3] = WS_IPPROTO_FRAGMENT;    /* hop header cut: next is known */
			stops[4] = ip + 56, stops[5] = WS_IPPROTO_FRAGMENT;    /* fragment header cut */
			stops[6] = ip + 64, stops[7] = p;
			assert_int_equal(f.l4, ip + 64);
			sweep(&f, 6, p, stops, 4);
		}
	}
}

/* Random bytes behind IPv4/IPv6/VLAN ethertypes: no overread (ASan), and a consistent key. */
static void test_key_random(void **state)
{
	(void)state;
	static const unsigned ets[] = {WS_ETHERTYPE_IPV4, WS_ETHERTYPE_IPV6, WS_ETHERTYPE_VLAN, WS_ETHERTYPE_QINQ};
	struct frame f;
	struct ws_filter_key k;

	rng_state = 11;
	for (int i = 0; i < 200000; i++) {
		f.len = (unsigned)(rnd() % 140);
		for (unsigned j = 0; j < f.len; j++)
			f.b[j] = (uint8_t)rnd();
		if (f.len >= 14)
			be16(f.b + 12, ets[rnd() % 4]);
		if (f.len > 18 && (rnd() & 1)) {
			be16(f.b + 12, WS_ETHERTYPE_VLAN);
			be16(f.b + 16, ets[rnd() % 2]);
			f.b[18] = (uint8_t)((rnd() & 1) ? 0x45 : 0x60);
		} else if (f.len > 14) {
			f.b[14] = (uint8_t)((rnd() & 1) ? 0x45 + (rnd() % 3) : 0x60);
		}
		if (key_of(&f, f.len, &k)) {
			assert_true(k.family == 4 || k.family == 6);
		} else {
			assert_zero_key(&k);
		}
		if (k.has_l4)
			assert_true(k.proto == WS_IPPROTO_TCP || k.proto == WS_IPPROTO_UDP || k.proto == 132);
		if (k.tcp_flags)
			assert_int_equal(k.proto, WS_IPPROTO_TCP);
	}
}

/* ---- the reference match ---- */

static bool match_key(const char *rule, const struct ws_filter_key *k)
{
	struct ws_filter_rules *rs = parse1(rule);
	bool m = ws_filter_rule_match(&rs->rules[0], k, NULL, 0);

	ws_filter_rules_free(rs);
	return m;
}

static bool match_frame(const char *rule, const struct frame *f)
{
	struct ws_filter_rules *rs = parse1(rule);
	struct ws_filter_key k;
	uint8_t *b = malloc(f->len);
	bool m;

	assert_non_null(b);
	memcpy(b, f->b, f->len);
	ws_filter_key_from_frame(b, f->len, &k);
	m = ws_filter_rule_match(&rs->rules[0], &k, b, f->len);
	free(b);
	ws_filter_rules_free(rs);
	return m;
}

static struct ws_filter_key key4(const char *src, const char *dst, unsigned proto)
{
	struct ws_filter_key k = {.family = 4, .proto = (uint8_t)proto, .l3_len = 100};

	assert_int_equal(inet_pton(AF_INET, src, k.src), 1);
	assert_int_equal(inet_pton(AF_INET, dst, k.dst), 1);
	return k;
}

static struct ws_filter_key key6(const char *src, const char *dst, unsigned proto)
{
	struct ws_filter_key k = {.family = 6, .proto = (uint8_t)proto, .l3_len = 100};

	assert_int_equal(inet_pton(AF_INET6, src, k.src), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, k.dst), 1);
	return k;
}

static void test_match_prefixes(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		bool in;
	} v4[] = {
		{"198.18.128.0", true}, {"198.18.255.255", true}, {"198.18.200.1", true},
		{"198.18.127.255", false}, {"198.19.0.0", false}, {"198.18.0.0", false},
		{"127.18.128.0", false},
	};
	static const struct {
		const char *addr;
		bool in;
	} v6[] = {
		{"2001:db8:bad::", true},
		{"2001:db8:bad:ffff:ffff:ffff:ffff:ffff", true},
		{"2001:db8:bac:ffff:ffff:ffff:ffff:ffff", false},
		{"2001:db8:bae::", false},
		{"2001:db9:bad::", false},
	};
	struct ws_filter_key k;

	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		k = key4(v4[i].addr, "127.0.0.1", 17);
		assert_int_equal(match_key("drop src 198.18.128.0/17", &k), v4[i].in);
		assert_false(match_key("drop dst 198.18.128.0/17", &k));
		k = key4("127.0.0.1", v4[i].addr, 17);
		assert_int_equal(match_key("drop dst 198.18.128.0/17", &k), v4[i].in);
	}
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		k = key6(v6[i].addr, "2001:db8::1", 17);
		assert_int_equal(match_key("drop src 2001:db8:bad::/48", &k), v6[i].in);
		k = key6("2001:db8::1", v6[i].addr, 17);
		assert_int_equal(match_key("drop dst 2001:db8:bad::/48", &k), v6[i].in);
	}
	/* an unaligned IPv6 length: /45 of 2001:db8:ba8:: covers ba8..baf */
	k = key6("2001:db8:baf:1::", "2001:db8::1", 17);
	assert_true(match_key("drop src 2001:db8:ba8::/45", &k));
	k = key6("2001:db8:bb0::", "2001:db8::1", 17);
	assert_false(match_key("drop src 2001:db8:ba8::/45", &k));

	/* host prefixes, /0, and the family: an IPv6 address starting with the same bytes is not in a v4 prefix */
	k = key4("198.18.0.2", "198.18.0.3", 17);
	assert_true(match_key("pass src 198.18.0.2", &k));
	assert_false(match_key("pass src 198.18.0.3", &k));
	assert_true(match_key("pass src 198.18.0.2 dst 198.18.0.3", &k));
	assert_false(match_key("pass src 198.18.0.2 dst 198.18.0.2", &k));
	assert_true(match_key("pass src 0.0.0.0/0", &k));
	assert_false(match_key("pass src ::/0", &k));
	k = key6("2001:db8::1", "2001:db8::2", 17);
	assert_false(match_key("pass src 0.0.0.0/0", &k));
	assert_true(match_key("pass src ::/0", &k));
}

static void test_match_fields(void **state)
{
	(void)state;
	struct ws_filter_key k = key4("198.18.0.1", "198.18.0.2", WS_IPPROTO_UDP), arp = {0};

	k.has_l4 = 1;
	/* ports at the range ends, both directions */
	static const struct {
		unsigned port;
		bool in;
	} ports[] = {{999, false}, {1000, true}, {1500, true}, {2000, true}, {2001, false}};
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		k.sport = (uint16_t)ports[i].port;
		k.dport = 7;
		assert_int_equal(match_key("drop sport 1000-2000", &k), ports[i].in);
		assert_false(match_key("drop dport 1000-2000", &k));
		k.dport = (uint16_t)ports[i].port;
		assert_int_equal(match_key("drop dport 1000-2000", &k), ports[i].in);
	}
	k.dport = 0;
	assert_true(match_key("drop dport 0", &k));
	assert_false(match_key("drop dport 1-65535", &k));
	k.dport = 65535;
	assert_true(match_key("drop dport 65535", &k));
	assert_true(match_key("drop dport 0-65535", &k));
	assert_false(match_key("drop dport 0-65534", &k));

	/* ports need them present, and a protocol with ports */
	k.dport = 53;
	assert_true(match_key("drop proto udp dport 53", &k));
	assert_false(match_key("drop proto tcp dport 53", &k));
	assert_false(match_key("drop proto sctp dport 53", &k));
	k.has_l4 = 0;
	assert_false(match_key("drop dport 53", &k));
	assert_false(match_key("drop dport 0-65535", &k));
	assert_true(match_key("drop proto udp", &k));
	k.has_l4 = 1;
	k.proto = 132;
	assert_true(match_key("drop dport 53", &k));
	k.proto = 47; /* a key built by hand: has_l4 with no ports protocol */
	assert_false(match_key("drop dport 53", &k));
	assert_true(match_key("drop proto 47", &k));
	assert_false(match_key("drop proto 46", &k));

	/* TCP flags: (flags & mask) == value */
	k.proto = WS_IPPROTO_TCP;
	k.tcp_flags = WS_TCP_SYN;
	assert_true(match_key("drop flags syn/syn,ack", &k));
	assert_true(match_key("drop flags syn", &k));
	assert_false(match_key("drop flags /syn", &k));
	assert_true(match_key("drop flags /rst", &k));
	k.tcp_flags = WS_TCP_SYN | WS_TCP_ACK;
	assert_false(match_key("drop flags syn/syn,ack", &k));
	assert_true(match_key("drop flags syn", &k));
	assert_true(match_key("drop flags syn,ack", &k));
	k.tcp_flags = WS_TCP_SYN | WS_TCP_ECE | WS_TCP_CWR;
	assert_true(match_key("drop flags syn/syn,ack", &k));
	assert_false(match_key("drop flags syn,ece/syn,ece,cwr", &k));
	k.tcp_flags = 0;
	assert_false(match_key("drop flags syn/syn,ack", &k));
	assert_true(match_key("drop flags /fin,syn,rst,psh,ack,urg,ece,cwr", &k));
	k.has_l4 = 0;
	assert_false(match_key("drop flags /rst", &k));
	k.has_l4 = 1;
	k.proto = WS_IPPROTO_UDP;
	assert_false(match_key("drop flags /rst", &k));

	/* L3 length at the range ends */
	static const struct {
		unsigned len;
		bool in;
	} lens[] = {{63, false}, {64, true}, {1500, true}, {1501, false}};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		k.l3_len = (uint16_t)lens[i].len;
		assert_int_equal(match_key("drop len 64-1500", &k), lens[i].in);
	}
	k.l3_len = 65535;
	assert_true(match_key("drop len 65535", &k));

	/* family */
	assert_true(match_key("drop family ip4", &k));
	assert_false(match_key("drop family ip6", &k));
	k.family = 6;
	assert_false(match_key("drop family ip4", &k));
	assert_true(match_key("drop family ip6", &k));
	assert_false(match_key("drop proto icmp", &k));

	/* a rule with no match takes everything, ARP included; IP matches never take ARP */
	assert_true(match_key("count", &k));
	assert_true(match_key("count", &arp));
	assert_true(match_key("rate-limit 10pps", &arp));
	assert_false(match_key("count len 0-65535", &arp));
	assert_false(match_key("count family ip4", &arp));
	assert_false(match_key("count proto 0", &arp));
	assert_false(match_key("count sport 0-65535", &arp));
	assert_false(match_key("count flags /rst", &arp));
	assert_false(match_key("count src 0.0.0.0/0", &arp));
	assert_false(match_key("count dst ::/0", &arp));

	/* all must hold */
	k = key4("198.18.0.1", "198.18.0.2", WS_IPPROTO_TCP);
	k.has_l4 = 1, k.sport = 40000, k.dport = 443, k.tcp_flags = WS_TCP_SYN, k.l3_len = 60;
	assert_true(match_key("drop src 198.18.0.0/24 dst 198.18.0.2 proto tcp sport 1024-65535 dport 443 "
			      "flags syn/syn,ack len 40-60", &k));
	assert_false(match_key("drop src 198.18.0.0/24 dst 198.18.0.2 proto tcp sport 1024-65535 dport 443 "
			       "flags syn/syn,ack len 40-59", &k));
	assert_false(match_key("drop src 198.18.0.0/24 dst 198.18.0.2 proto tcp sport 1024-65535 dport 444 "
			       "flags syn/syn,ack len 40-60", &k));
}

static void test_match_frames(void **state)
{
	(void)state;
	static const unsigned hop_frag[] = {WS_IPPROTO_HOPOPTS, WS_IPPROTO_FRAGMENT};
	struct frame f;
	uint8_t *p;

	/* expr on the whole frame, also where the key has nothing */
	put_l2(&f, 0, WS_ETHERTYPE_ARP);
	p = put(&f, WS_ARP_HDR_LEN);
	be16(p, 1);
	be16(p + 2, WS_ETHERTYPE_IPV4);
	p[4] = 6, p[5] = 4;
	be16(p + 6, 1);
	assert_true(match_frame("drop expr \"arp\"", &f));
	assert_false(match_frame("drop expr \"ip\"", &f));
	assert_true(match_frame("count", &f));
	assert_false(match_frame("count family ip4 expr \"arp\"", &f));

	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 0, 0);
	assert_true(match_frame("drop expr \"udp and dst port 53\"", &f));
	assert_false(match_frame("drop expr \"udp and dst port 54\"", &f));
	assert_true(match_frame("drop expr \"udp and dst port 53\" src 198.18.0.1 dport 53", &f));
	assert_false(match_frame("drop expr \"udp and dst port 53\" src 198.18.0.2", &f));
	assert_true(match_frame("drop src 198.18.0.0/31 dst 198.19.255.254 proto udp sport 5353 dport 53", &f));
	assert_true(match_frame("drop len 34", &f));
	assert_false(match_frame("drop len 35-1500", &f));

	build_v4(&f, 2, WS_IPPROTO_TCP, 5, 0, 0);
	assert_true(match_frame("drop flags syn,ack dport 53 family ip4", &f));
	assert_false(match_frame("drop flags syn/syn,ack", &f));

	/* a later fragment: proto matches, ports do not */
	build_v4(&f, 0, WS_IPPROTO_UDP, 5, 100, 0);
	assert_true(match_frame("drop proto udp", &f));
	assert_false(match_frame("drop proto udp dport 53", &f));
	assert_false(match_frame("drop dport 0-65535", &f));

	build_v6(&f, 1, hop_frag, 2, WS_IPPROTO_UDP, 0);
	assert_true(match_frame("drop src 2001:db8:1::/48 dst 2001:db8:bad::/48 proto udp dport 53", &f));
	assert_false(match_frame("drop src 198.18.0.0/15", &f));
	assert_true(match_frame("drop expr \"vlan and ip6\"", &f));
	build_v6(&f, 0, hop_frag, 2, WS_IPPROTO_UDP, 8);
	assert_true(match_frame("drop family ip6 proto udp", &f));
	assert_false(match_frame("drop family ip6 proto udp sport 5353", &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_actions_default_comments),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_per),
		cmocka_unit_test(test_match_kinds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_buffers),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_format_examples),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_format_random),
		cmocka_unit_test(test_key_ipv4),
		cmocka_unit_test(test_key_vlan_arp),
		cmocka_unit_test(test_key_ipv6),
		cmocka_unit_test(test_key_truncated),
		cmocka_unit_test(test_key_random),
		cmocka_unit_test(test_match_prefixes),
		cmocka_unit_test(test_match_fields),
		cmocka_unit_test(test_match_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
