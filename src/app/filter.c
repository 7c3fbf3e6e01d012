/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * filter.c: `wirespeed filter check|explain|list|load|run`.
 *
 * check and explain read a rule file (filter/rules.h) and compile it
 * (filter/classify.h) without touching the network: errors come as
 * FILE:LINE: problem, exit 2. list and load talk to a running `wirespeed fwd
 * --filter` or `wirespeed filter run` over its control socket (the commands
 * `filter show` and `filter load`). run is the scrubber (app/filter_run.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/filter_run.h"
#include "ctl/ctl.h"
#include "filter/classify.h"
#include "filter/rules.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed filter check FILE\n"
		"       wirespeed filter explain FILE\n"
		"       wirespeed filter list [--socket PATH]\n"
		"       wirespeed filter load FILE [--dry-run] [--socket PATH]\n"
		"       wirespeed filter run --dev IF [--rules FILE] [OPTIONS]   (see filter run --help)\n"
		"\n"
		"  check    read and compile FILE; say how many rules run in XDP and in userspace\n"
		"  explain  each rule of FILE as understood, and where it runs (XDP or userspace) and why\n"
		"  list     per-rule counters (hits, bytes, drops) of a running filter\n"
		"  load     replace a running filter's rules with FILE without stopping it (counters\n"
		"           start again at zero); --dry-run counts what it would drop and drops nothing\n"
		"  run      a scrubber on interface IF: drop the bad in XDP, pass the good on\n"
		"\n"
		"The rule file: one rule per line, first match wins, `#` comments:\n"
		"  default pass|drop\n"
		"  ACTION [src PREFIX] [dst PREFIX] [family ip4|ip6] [proto udp|tcp|icmp|icmp6|sctp|N]\n"
		"         [sport P[-Q]] [dport P[-Q]] [flags SET[/MASK]] [len N[-M]] [expr \"tcpdump expr\"]\n"
		"  ACTION: drop | pass | count | rate-limit RATE(pps|Bps, k/M/G) [burst N]\n"
		"          [per src[/LEN]] [per src6[/LEN]]\n"
		"(src/filter/rules.h has the details.)\n"
		"\n"
		"--socket PATH: the control socket of the running filter; default $WS_CTL_SOCKET if\n"
		"set, else " WS_CTL_DEFAULT_PATH ". Exit 0 ok; 1 failed; 2 a bad file, option or rule.\n");
}

void ws_filter_print_table(FILE *out, const struct ws_filter_rules *rules, bool dry_run,
			   void (*counters)(void *ctx, size_t i, struct ws_filter_counters *c),
			   const char *(*where)(void *ctx, size_t i), void *ctx)
{
	struct ws_filter_counters c;
	char text[512];

	fprintf(out, "%-5s %-5s", "rule", "line");
	if (where)
		fprintf(out, " %-9s", "runs in");
	fprintf(out, " %14s %16s %14s  %s\n", "hits", "bytes", dry_run ? "would drop" : "drops", "rule");
	for (size_t i = 0; i <= rules->n; i++) {
		c = (struct ws_filter_counters){ 0 };
		counters(ctx, i, &c);
		if (i < rules->n) {
			ws_filter_rule_format(&rules->rules[i], text, sizeof(text));
			fprintf(out, "%-5zu %-5" PRIu32, i, rules->rules[i].line);
		} else {
			snprintf(text, sizeof(text), "default %s", ws_filter_action_name(rules->default_action));
			fprintf(out, "%-5s %-5s", "-", "-");
		}
		if (where)
			fprintf(out, " %-9s", where(ctx, i));
		fprintf(out, " %14" PRIu64 " %16" PRIu64 " %14" PRIu64 "  %s\n", c.hits, c.bytes, c.drops, text);
	}
}

/* Read and compile path: the set, or NULL after printing the error. */
static struct ws_filter_set *compile_file(const char *path)
{
	struct ws_filter_rules *rules;
	struct ws_filter_set *set;
	char err[512];

	if (ws_filter_rules_parse_file(path, &rules, err, sizeof(err))) {
		fprintf(stderr, "wirespeed filter: %s\n", err);
		return NULL;
	}
	set = ws_filter_set_build(rules, err, sizeof(err));
	if (!set)
		fprintf(stderr, "wirespeed filter: %s: %s\n", path, err);
	return set;
}

static int cmd_check(const char *path)
{
	struct ws_filter_set *set = compile_file(path);
	const struct ws_filter_rules *r;
	size_t k;

	if (!set)
		return WS_EXIT_USAGE;
	r = ws_filter_set_rules(set);
	k = ws_filter_set_xdp_rules(set);
	printf("%s: %zu rule%s, default %s; %zu in XDP, %zu in userspace\n", path, r->n, r->n == 1 ? "" : "s",
	       ws_filter_action_name(r->default_action), k, r->n - k);
	ws_filter_set_free(set);
	return WS_EXIT_OK;
}

static int cmd_explain(const char *path)
{
	struct ws_filter_set *set = compile_file(path);
	const struct ws_filter_rules *r;
	char text[1024], why[256];

	if (!set)
		return WS_EXIT_USAGE;
	r = ws_filter_set_rules(set);
	printf("%-5s %-5s %-9s %s\n", "rule", "line", "runs in", "rule (as understood)");
	for (size_t i = 0; i < r->n; i++) {
		const char *where = ws_filter_set_where(set, i, why, sizeof(why));

		ws_filter_rule_format(&r->rules[i], text, sizeof(text));
		printf("%-5zu %-5" PRIu32 " %-9s %s%s%s%s\n", i, r->rules[i].line, where, text, why[0] ? "   (" : "",
		       why, why[0] ? ")" : "");
		ws_out_flush();
	}
	printf("default %s: %s\n", ws_filter_action_name(r->default_action),
	       ws_filter_set_xdp_rules(set) == r->n ? "applied in XDP"
						    : "applied in userspace, after the userspace rules");
	ws_filter_set_free(set);
	return WS_EXIT_OK;
}

/* list / load: the words go to the running filter's control socket. */
static int cmd_remote(const char *sock, int argc, char **argv)
{
	char err[512];
	int rc = ws_ctl_request(sock, argc, argv, stdout, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "wirespeed filter: %s\n", err);
		return WS_EXIT_FAIL;
	}
	return rc;
}

int ws_cmd_filter(int argc, char **argv)
{
	const char *sock = getenv("WS_CTL_SOCKET"), *file = NULL;
	bool dry_run = false;
	const char *sub;

	if (argc < 2 || ws_arg_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? WS_EXIT_USAGE : WS_EXIT_OK;
	}
	sub = argv[1];
	if (!strcmp(sub, "run"))
		return ws_filter_run(argc - 1, argv + 1);
	if (strcmp(sub, "check") && strcmp(sub, "explain") && strcmp(sub, "list") && strcmp(sub, "load")) {
		fprintf(stderr, "wirespeed filter: unknown subcommand '%s'\n\n", sub);
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!sock || !*sock)
		sock = WS_CTL_DEFAULT_PATH;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (ws_arg_is_help(a)) {
			usage(stdout);
			return WS_EXIT_OK;
		} else if (!strcmp(a, "--socket") && i + 1 < argc && argv[i + 1][0]) {
			sock = argv[++i];
		} else if (!strcmp(a, "--dry-run") && !strcmp(sub, "load")) {
			dry_run = true;
		} else if (a[0] != '-' && !file && strcmp(sub, "list")) {
			file = a;
		} else {
			fprintf(stderr, "wirespeed filter %s: unexpected '%s'\n\n", sub, a);
			usage(stderr);
			return WS_EXIT_USAGE;
		}
	}
	if (strcmp(sub, "list") && !file) {
		fprintf(stderr, "wirespeed filter %s: which rule file?\n\n", sub);
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!strcmp(sub, "check"))
		return cmd_check(file);
	if (!strcmp(sub, "explain"))
		return cmd_explain(file);
	if (!strcmp(sub, "list")) {
		char *words[] = { "filter", "show" };

		return cmd_remote(sock, 2, words);
	}
	/* load: check here first, so that a bad file is reported with its
	 * line before anything is sent; the filter reads the file itself
	 * (an absolute path: it may run elsewhere) and checks it again */
	struct ws_filter_set *set = compile_file(file);
	char *abs;

	if (!set)
		return WS_EXIT_USAGE;
	ws_filter_set_free(set);
	abs = realpath(file, NULL);
	if (!abs) {
		fprintf(stderr, "wirespeed filter: %s: %s\n", file, strerror(errno));
		return WS_EXIT_USAGE;
	}
	char *words[] = { "filter", "load", abs, "dry-run" };
	int rc = cmd_remote(sock, dry_run ? 4 : 3, words);

	free(abs);
	return rc;
}
