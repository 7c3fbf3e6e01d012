/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.c: `wirespeed ctl`: send a command to a running forwarder over its
 * control socket (ctl/ctl.h), print the answer, exit with its status. The
 * commands are the forwarder's: this side passes the words on unchecked, so
 * that a newer forwarder's commands work from an older client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "ctl/ctl.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed ctl [--socket PATH] COMMAND [ARGS...]\n"
		"\n"
		"Sends COMMAND to the forwarder (`wirespeed fwd`) listening on its control\n"
		"socket, prints the answer and exits with the forwarder's status.\n"
		"\n"
		"  --socket PATH  the control socket; default $WS_CTL_SOCKET if set,\n"
		"                 else " WS_CTL_DEFAULT_PATH "\n"
		"\n"
		"commands (answered by the forwarder):\n"
		"  show runtime                            ports, workers, uptime, packet rates\n"
		"  show counters                           per-port and per-node counters\n"
		"  show drops                              dropped packets by reason\n"
		"  show routes [PREFIX]                    the routing table, or the routes in PREFIX\n"
		"  show neighbours                         the ARP/ND neighbour table\n"
		"  route add PREFIX via NEXTHOP dev PORT   add or replace a route\n"
		"  route del PREFIX                        remove a route\n"
		"  help                                    the forwarder's own list of commands\n"
		"\n"
		"The socket is root's (mode 0600): run as root. Exit 0 ok; 1 the command\n"
		"failed or no forwarder answered; 2 a bad command or usage.\n");
}

int ws_cmd_ctl(int argc, char **argv)
{
	const char *path = getenv("WS_CTL_SOCKET");
	char err[512];
	int i, rc;

	if (!path || !*path)
		path = WS_CTL_DEFAULT_PATH;
	/* Options come before the command; every word after it is the command's. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return WS_EXIT_OK;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--socket")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "wirespeed ctl: --socket needs a path\n");
				return WS_EXIT_USAGE;
			}
			path = argv[++i];
		} else if (!strncmp(a, "--socket=", 9) && a[9]) {
			path = a + 9;
		} else {
			fprintf(stderr, "wirespeed ctl: unknown option '%s'\n\n", a);
			usage(stderr);
			return WS_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "wirespeed ctl: no command\n\n");
		usage(stderr);
		return WS_EXIT_USAGE;
	}

	rc = ws_ctl_request(path, argc - i, argv + i, stdout, err, sizeof(err));
	if (rc >= 0)
		return rc;
	switch (rc) {
	case -ENOENT:
	case -ECONNREFUSED:
		fprintf(stderr, "wirespeed ctl: no forwarder is listening on %s "
				"(start one with `wirespeed fwd --config FILE`)\n", path);
		break;
	case -EACCES:
		fprintf(stderr, "wirespeed ctl: permission denied on %s: run as root (sudo wirespeed ctl ...)\n", path);
		break;
	case -EPIPE:
		return WS_EXIT_OK; /* our reader went away (e.g. `| head`): end quietly */
	default:
		fprintf(stderr, "wirespeed ctl: %s\n", err);
		break;
	}
	return WS_EXIT_FAIL;
}
