/* SPDX-License-Identifier: BSD-3-Clause */
/* log.h: one-line messages to stderr (control path only). */
#ifndef WS_CORE_LOG_H
#define WS_CORE_LOG_H

#include <stddef.h>

enum ws_log_level { WS_LOG_ERR = 0, WS_LOG_WARN = 1, WS_LOG_INFO = 2, WS_LOG_DEBUG = 3 };

/* Messages above this level are not printed. Default WS_LOG_INFO; the
 * environment variable WS_LOG=err|warn|info|debug overrides it at first use. */
void ws_log_set_level(enum ws_log_level level);
enum ws_log_level ws_log_get_level(void);

/* Print "wirespeed: <component>: <message>\n" to stderr if level allows. */
void ws_log(enum ws_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Control path: format a one-line error message into err (errlen bytes,
 * always NUL-terminated); err NULL or errlen 0: nothing. What every
 * function with an `err, errlen` pair writes its message with. */
void ws_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* WS_CORE_LOG_H */
