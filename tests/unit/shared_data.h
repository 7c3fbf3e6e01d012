/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests that read the real tables in ../shared/data (or $WS_SHARED_DATA)
 * find them here, and are skipped, not failed, where they are absent.
 * Include after <cmocka.h>; needs -DWS_SOURCE_ROOT (fib_test_dep). */
#ifndef WS_TESTS_SHARED_DATA_H
#define WS_TESTS_SHARED_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The path of data file `name` in path[size]; skips the test if unreadable. */
static inline void ws_test_shared_path(const char *name, char *path, size_t size)
{
	const char *dir = getenv("WS_SHARED_DATA");

	snprintf(path, size, "%s/%s", dir ? dir : WS_SOURCE_ROOT "/../shared/data", name);
	if (access(path, R_OK) != 0) {
		print_message("%s not found, skipped (set WS_SHARED_DATA)\n", path);
		skip();
	}
}

#endif /* WS_TESTS_SHARED_DATA_H */
