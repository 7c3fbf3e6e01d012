/* SPDX-License-Identifier: BSD-3-Clause */
/* app.h: subcommand entry points and the few helpers they share. */
#ifndef WS_APP_APP_H
#define WS_APP_APP_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Exit codes: usage and configuration errors are 2, runtime failures 1. */
#define WS_EXIT_OK 0
#define WS_EXIT_FAIL 1
#define WS_EXIT_USAGE 2

/* Each subcommand gets argv with argv[0] = the subcommand name. */
int ws_cmd_budget(int argc, char **argv);
int ws_cmd_bench(int argc, char **argv);
int ws_cmd_bench_fwd(int argc, char **argv); /* `wirespeed bench fwd` */
int ws_cmd_routes(int argc, char **argv);
int ws_cmd_fwd(int argc, char **argv);
int ws_cmd_ctl(int argc, char **argv); /* `wirespeed ctl`: talk to a running forwarder */
int ws_cmd_gen(int argc, char **argv); /* `wirespeed gen`: traffic generator */
int ws_cmd_sink(int argc, char **argv); /* `wirespeed sink`: count, loss, latency */
int ws_cmd_filter(int argc, char **argv); /* `wirespeed filter`: rule files, live filters, the scrubber */

/* True for the words that ask a command for its usage text. */
static inline int ws_arg_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help");
}

/* Flush stdout; when the reader has gone away (EPIPE, e.g. `| head`),
 * exit 0 quietly instead of running on. Call after each result line. */
void ws_out_flush(void);

/* A MAC written 02:00:00:00:00:01 (six two-digit hex bytes, nothing after)
 * into mac: 0, or -1 with mac untouched. */
int ws_arg_mac(const char *s, uint8_t mac[6]);

#endif /* WS_APP_APP_H */
