/* SPDX-License-Identifier: BSD-3-Clause */
/* fib_common.c: see fib_common.h. */
#include "fib_common.h"
#include "core/rng.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fib/route_file.h"
#include "fib/route_gen.h"

/* The table's name for JSON: the default table by its short name, others by
 * file name without .txt/.gz, characters JSON or a shell would quote as '_'. */
static void table_name(struct ws_fbench_table *t, const char *file, const char *default_name,
		       const char *short_name)
{
	const char *base = strrchr(file, '/');
	size_t len;

	base = base ? base + 1 : file;
	if (!strcmp(base, default_name)) {
		snprintf(t->name, sizeof(t->name), "%s", short_name);
		return;
	}
	for (len = 0; base[len] && len + 1 < sizeof(t->name); len++)
		t->name[len] = isalnum((unsigned char)base[len]) || strchr("._+-", base[len]) ? base[len] : '_';
	t->name[len] = 0;
	if (len > 3 && !strcmp(t->name + len - 3, ".gz"))
		t->name[len -= 3] = 0;
	if (len > 4 && !strcmp(t->name + len - 4, ".txt"))
		t->name[len - 4] = 0;
}

int ws_fbench_load_table(struct ws_fbench_table *t, int family, const char *prog, const char *file,
			 const char *default_name, const char *short_name, unsigned synthetic,
			 uint64_t seed)
{
	int v6 = family == AF_INET6;
	struct ws_route_list list;
	struct ws_route **keep;
	size_t *keep_n;
	char err[512];
	int rc;

	ws_route_list_init(&list);
	if (synthetic) {
		rc = ws_route_gen(v6 ? 0 : synthetic, v6 ? synthetic : 0, seed, &list);
		if (rc) {
			fprintf(stderr, "%s: ws_route_gen(%u): %s\n", prog, synthetic, strerror(-rc));
			return -1;
		}
		snprintf(t->name, sizeof(t->name), "synthetic%s-%u-s%llu", v6 ? "6" : "", synthetic,
			 (unsigned long long)seed);
	} else {
		struct ws_route_file_opts opts = { .default_nexthop = 0 };

		rc = ws_route_file_read(file, &opts, &list, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return -1;
		}
		table_name(t, file, default_name, short_name);
	}
	keep = v6 ? &list.v6 : &list.v4;
	keep_n = v6 ? &list.n_v6 : &list.n_v4;
	if (*keep_n == 0) {
		fprintf(stderr, "%s: the table has no IPv%d routes\n", prog, v6 ? 6 : 4);
		ws_route_list_free(&list);
		return -1;
	}
	/* the readers give unique, canonical prefixes; the nexthops are ours */
	for (size_t i = 0; i < *keep_n; i++)
		(*keep)[i].nexthop = (((uint32_t)i * 2654435761u) >> 8) % 4096u;
	t->routes = *keep;
	t->n = *keep_n;
	t->n_other_ignored = v6 ? list.n_v4 : list.n_v6;
	*keep = NULL;
	*keep_n = 0;
	ws_route_list_free(&list);
	return 0;
}

uint64_t ws_fbench_rng(uint64_t *s)
{
	return ws_splitmix64(s);
}

int ws_fbench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double ws_fbench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long ws_fbench_thp_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int ws_fbench_cmp_route_len(const void *a, const void *b)
{
	const struct ws_route *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

void ws_fbench_out_flush(const char *prog)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		fprintf(stderr, "%s: writing output: %s\n", prog, strerror(errno));
		exit(1);
	}
}
