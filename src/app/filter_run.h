/* SPDX-License-Identifier: BSD-3-Clause */
/* filter_run.h: `wirespeed filter run`, the scrubber (app/filter_run.c), and
 * the rule table the filter's commands share (app/filter.c). */
#ifndef WS_APP_FILTER_RUN_H
#define WS_APP_FILTER_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "filter/classify.h"

/* argv[0] is "run". Returns the exit code. */
int ws_filter_run(int argc, char **argv);

/* The per-rule table of a running filter (`filter show`): a header line,
 * then a row per rule and one for the default verdict (index rules->n),
 * each with the counters counters(ctx, i, &c) gives and, when where is not
 * NULL, a "runs in" column with where(ctx, i). dry_run names the drops
 * column "would drop". */
void ws_filter_print_table(FILE *out, const struct ws_filter_rules *rules, bool dry_run,
			   void (*counters)(void *ctx, size_t i, struct ws_filter_counters *c),
			   const char *(*where)(void *ctx, size_t i), void *ctx);

#endif
