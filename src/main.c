/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c: subcommand dispatch only. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "budget", ws_cmd_budget, "measure this machine's per-packet costs against the 67.2 ns budget" },
	{ "bench", ws_cmd_bench, "run wirespeed's in-memory benchmarks (ring, pool, the forwarding graph)" },
	{ "fwd", ws_cmd_fwd, "forward IPv4/IPv6 between interfaces or capture files through the graph" },
	{ "filter", ws_cmd_filter, "check and explain rule files; a running filter's counters, live reload; a scrubber" },
	{ "ctl", ws_cmd_ctl, "talk to a running forwarder: show runtime, counters, routes; change routes" },
	{ "gen", ws_cmd_gen, "generate UDP/TCP/ICMP traffic at a rate or flat out, stamped for the sink" },
	{ "sink", ws_cmd_sink, "receive and count: loss, duplicates, reordering, latency of stamped traffic" },
	{ "routes", ws_cmd_routes, "load, check and look up route files; generate synthetic tables" },
};

#define NB_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: wirespeed <command> [options]\n\n"
		     "A userspace fast path for Linux packet processing.\n\ncommands:\n");
	for (size_t i = 0; i < NB_SUBCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'wirespeed <command> --help' describes a command's options.\n");
}

int ws_arg_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

void ws_out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(WS_EXIT_OK);
		fprintf(stderr, "wirespeed: writing output: %s\n", strerror(errno));
		exit(WS_EXIT_FAIL);
	}
}

int main(int argc, char **argv)
{
	/* A closed output pipe must end us quietly, not kill us with SIGPIPE;
	 * ws_out_flush() notices EPIPE and exits. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (ws_arg_is_help(argv[1])) {
		usage(stdout);
		return WS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("wirespeed %s\n", WS_VERSION);
		return WS_EXIT_OK;
	}
	for (size_t i = 0; i < NB_SUBCOMMANDS; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "wirespeed: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return WS_EXIT_USAGE;
}
