/* SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_level = -1;

enum ws_log_level ws_log_get_level(void)
{
	if (log_level < 0) {
		const char *env = getenv("WS_LOG");

		log_level = WS_LOG_INFO;
		if (env) {
			if (!strcmp(env, "err"))
				log_level = WS_LOG_ERR;
			else if (!strcmp(env, "warn"))
				log_level = WS_LOG_WARN;
			else if (!strcmp(env, "debug"))
				log_level = WS_LOG_DEBUG;
		}
	}
	return (enum ws_log_level)log_level;
}

void ws_log_set_level(enum ws_log_level level)
{
	log_level = (int)level;
}

void ws_log(enum ws_log_level level, const char *component, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if ((int)level > (int)ws_log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one fprintf call so that lines from different threads do not interleave */
	fprintf(stderr, "wirespeed: %s: %s\n", component, msg);
}

void ws_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
