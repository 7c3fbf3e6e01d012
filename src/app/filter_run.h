/* SPDX-License-Identifier: BSD-3-Clause */
/* filter_run.h: `wirespeed filter run`, the scrubber (app/filter_run.c). */
#ifndef WS_APP_FILTER_RUN_H
#define WS_APP_FILTER_RUN_H

/* argv[0] is "run". Returns the exit code. */
int ws_filter_run(int argc, char **argv);

#endif
