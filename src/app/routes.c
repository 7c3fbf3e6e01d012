/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * routes.c: `wirespeed routes`: load and check a route file (counts, prefix
 * lengths, what the RIB costs), look addresses up in it, and write synthetic
 * tables. Control path throughout; the RIB answers lookups here, not the
 * compiled tables.
 */
#include "app/app.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <zlib.h>

#include "fib/fib.h"
#include "fib/lpm4.h"
#include "fib/lpm6.h"
#include "fib/nexthop.h"
#include "fib/rib.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"

#define PREFIX "wirespeed routes"

/* Warnings printed before they are only counted: a file with a million bad
 * lines must not bury the terminal. */
#define WARN_SHOWN 10

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed routes load FILE [--strict]\n"
		"       wirespeed routes lookup FILE [--strict] ADDR...\n"
		"       wirespeed routes gen [--v4 N] [--v6 N] [--seed S] [-o FILE]\n"
		"\n"
		"load    read FILE, check every line, build the RIB of each family and\n"
		"        print route counts, prefix-length histograms and RIB memory\n"
		"lookup  longest-prefix match of each ADDR in FILE's routes\n"
		"gen     print a synthetic table with the real prefix-length mix\n"
		"\n"
		"FILE: one prefix per line (`198.18.0.0/15 [NEXTHOP]`, NEXTHOP a gateway\n"
		"address or an integer id) or `ip route show` output; may be gzip'd.\n"
		"A bad line is reported as FILE:LINE:COLUMN and nothing is applied.\n"
		"\n"
		"'wirespeed routes <load|lookup|gen> --help' for each one's options.\n");
}

static void usage_load(FILE *out)
{
	fprintf(out,
		"usage: wirespeed routes load FILE [--strict]\n"
		"\n"
		"Reads FILE (formats: wirespeed routes --help), builds one RIB per family\n"
		"and prints per family: prefixes, prefix-length histogram, RIB nodes and\n"
		"bytes. Exit 2 with FILE:LINE:COLUMN on the first bad line.\n"
		"\n"
		"  --strict  host bits set and duplicate prefixes are errors, not warnings\n");
}

static void usage_lookup(FILE *out)
{
	fprintf(out,
		"usage: wirespeed routes lookup FILE [--strict] ADDR...\n"
		"\n"
		"Longest-prefix match of each IPv4 or IPv6 ADDR in FILE's routes; prints\n"
		"`ADDR -> PREFIX nexthop N` or `ADDR -> no route`.\n"
		"\n"
		"  --strict  as for load\n");
}

static void usage_gen(FILE *out)
{
	fprintf(out,
		"usage: wirespeed routes gen [--v4 N] [--v6 N] [--seed S] [-o FILE]\n"
		"\n"
		"Prints N IPv4 and N IPv6 random unique prefixes with the prefix-length\n"
		"mix of a real full table, nexthop ids 0..%u, one `PREFIX NEXTHOP` per\n"
		"line after a `#` line naming the options, in random order. The same\n"
		"seed gives the same table.\n"
		"\n"
		"  --v4 N    IPv4 routes (default 0, at most %u)\n"
		"  --v6 N    IPv6 routes (default 0)\n"
		"  --seed S  PRNG seed (default 1)\n"
		"  -o FILE   write to FILE instead of stdout (gzip'd if it ends in .gz)\n",
		WS_ROUTE_GEN_NEXTHOPS - 1, WS_ROUTE_GEN_MAX);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_warning(const char *msg, void *arg)
{
	size_t *seen = arg;

	if ((*seen)++ < WARN_SHOWN)
		fprintf(stderr, "%s\n", msg);
}

/* Read FILE into list; on failure print why and return the exit code. */
static int read_file(const char *cmd, const char *path, bool strict, struct ws_route_list *list)
{
	size_t seen = 0;
	struct ws_route_file_opts o = { .strict = strict, .warn = print_warning, .warn_arg = &seen };
	char err[512];
	int rc;

	ws_route_list_init(list);
	rc = ws_route_file_read(path, &o, list, err, sizeof(err));
	if (seen > WARN_SHOWN)
		fprintf(stderr, "%s: %zu warnings, the first %u shown\n", path, seen, WARN_SHOWN);
	if (rc == 0)
		return WS_EXIT_OK;
	fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
	if (rc == -ENOMEM) {
		fprintf(stderr, "%s %s: out of memory\n", PREFIX, cmd);
		return WS_EXIT_FAIL;
	}
	fprintf(stderr, "%s %s: %s not loaded, nothing applied\n", PREFIX, cmd, path);
	return WS_EXIT_USAGE;
}

/* The RIBs built from a list, one per family. */
struct ribs {
	struct ws_rib *rib[2]; /* [0] IPv4, [1] IPv6 */
};

static int build_ribs(const struct ws_route_list *l, struct ribs *r)
{
	const struct ws_route *arr[2] = { l->v4, l->v6 };
	size_t n[2] = { l->n_v4, l->n_v6 };

	for (int fi = 0; fi < 2; fi++) {
		int rc;

		r->rib[fi] = ws_rib_create(fi ? AF_INET6 : AF_INET);
		if (!r->rib[fi])
			return -ENOMEM;
		rc = ws_rib_replace_bulk(r->rib[fi], arr[fi], n[fi]);
		if (rc)
			return rc;
	}
	return 0;
}

static void free_ribs(struct ribs *r)
{
	ws_rib_free(r->rib[0]);
	ws_rib_free(r->rib[1]);
}

/* ---- load ---- */

/* What is printed per family. The compiled tables' figures go in this
 * function too, beside the RIB's, once they exist. */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Compile the routes into lpm4 or lpm6 and print the size and build time. The
 * compiled trie keeps 16-bit nexthop ids; a file of larger integers (the
 * pyasn tables carry origin ASNs) is renumbered densely, keeping which
 * prefixes share a nexthop, which is all the trie's size depends on.
 */
static void report_lpm(int family, const struct ws_route *routes, size_t n)
{
	const char *name = family == AF_INET ? "lpm4" : "lpm6";
	struct ws_route *copy = malloc(n * sizeof(*copy));
	uint32_t *values = malloc(n * sizeof(*values));
	size_t distinct = 0;
	bool renumbered = false;
	const struct ws_trie *trie = NULL;
	struct ws_lpm4 *lpm4 = NULL;
	struct ws_lpm6 *lpm6 = NULL;
	double t0, t1;

	if (!copy || !values) {
		printf("  %s: out of memory\n", name);
		goto out;
	}
	memcpy(copy, routes, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		values[i] = routes[i].nexthop;
		renumbered |= routes[i].nexthop >= WS_FIB_MAX_NEXTHOPS;
	}
	if (renumbered) {
		qsort(values, n, sizeof(*values), cmp_u32);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || values[i] != values[i - 1])
				values[distinct++] = values[i];
		if (distinct > WS_FIB_MAX_NEXTHOPS) {
			printf("  %s: %zu distinct nexthops, more than the %u a compiled table holds\n", name,
			       distinct, WS_FIB_MAX_NEXTHOPS);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t *v = bsearch(&copy[i].nexthop, values, distinct, sizeof(*values), cmp_u32);

			copy[i].nexthop = (uint32_t)(v - values);
		}
	}
	t0 = now_s();
	if (family == AF_INET && (lpm4 = ws_lpm4_build(copy, n)))
		trie = &lpm4->trie;
	if (family == AF_INET6 && (lpm6 = ws_lpm6_build(copy, n)))
		trie = &lpm6->trie;
	t1 = now_s();
	if (!trie) {
		printf("  %s: build failed: %s\n", name, strerror(errno));
		goto out;
	}
	printf("  %s: %zu B (%.2f MiB), %.2f B/prefix, %u nodes, %u leaves, built in %.3f s%s\n", name,
	       ws_trie_memory(trie), (double)ws_trie_memory(trie) / (1024.0 * 1024.0),
	       (double)ws_trie_memory(trie) / (double)n, trie->nb_nodes, trie->nb_leaves, t1 - t0,
	       renumbered ? " (nexthops renumbered to 16-bit ids)" : "");
	ws_lpm4_free(lpm4);
	ws_lpm6_free(lpm6);
out:
	free(copy);
	free(values);
}

static void report_family(const char *name, const struct ws_route *routes, size_t n,
			  const struct ws_rib *rib)
{
	size_t hist[WS_FIB_V6_BITS + 1] = { 0 };
	struct ws_rib_stats st;

	printf("%s: %zu prefixes\n", name, n);
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		hist[routes[i].len]++;
	printf("  prefix lengths:");
	for (unsigned l = 0, k = 0; l <= WS_FIB_V6_BITS; l++) {
		if (!hist[l])
			continue;
		printf("%s /%u %zu", k && k % 8 == 0 ? "\n                 " : "", l, hist[l]);
		k++;
	}
	printf("\n");
	ws_rib_get_stats(rib, &st);
	printf("  rib: %zu nodes (%zu routes, %zu glue) of %zu B: %zu B used, %.1f B/prefix, %zu B allocated\n",
	       st.nodes, st.routes, st.glue_nodes, st.node_size, st.bytes_used,
	       (double)st.bytes_used / (double)n, st.bytes_allocated);
	report_lpm(ws_rib_family(rib), routes, n);
}

static int cmd_load(int argc, char **argv)
{
	const char *path = NULL;
	bool strict = false;
	struct ws_route_list list;
	struct ribs ribs = { { NULL, NULL } };
	double t0, t1, t2;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage_load(stdout);
			return WS_EXIT_OK;
		} else if (!strcmp(argv[i], "--strict")) {
			strict = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s load: unknown option '%s'\n\n", PREFIX, argv[i]);
			usage_load(stderr);
			return WS_EXIT_USAGE;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "%s load: one FILE only, got '%s' too\n\n", PREFIX, argv[i]);
			usage_load(stderr);
			return WS_EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "%s load: missing FILE\n\n", PREFIX);
		usage_load(stderr);
		return WS_EXIT_USAGE;
	}

	t0 = now_s();
	rc = read_file("load", path, strict, &list);
	if (rc)
		return rc;
	t1 = now_s();
	if (build_ribs(&list, &ribs)) {
		fprintf(stderr, "%s load: out of memory building the RIB\n", PREFIX);
		free_ribs(&ribs);
		ws_route_list_free(&list);
		return WS_EXIT_FAIL;
	}
	t2 = now_s();

	printf("%s: %zu routes (IPv4 %zu, IPv6 %zu), %zu warnings\n", path,
	       list.n_v4 + list.n_v6, list.n_v4, list.n_v6, list.warnings);
	if (list.nh)
		printf("nexthops: %zu distinct (gateway, device, type)\n", ws_nh_count(list.nh));
	else
		printf("nexthops: ids from the file\n");
	printf("time: read %.3f s, rib build %.3f s\n", t1 - t0, t2 - t1);
	report_family("IPv4", list.v4, list.n_v4, ribs.rib[0]);
	report_family("IPv6", list.v6, list.n_v6, ribs.rib[1]);
	ws_out_flush();
	free_ribs(&ribs);
	ws_route_list_free(&list);
	return WS_EXIT_OK;
}

/* ---- lookup ---- */

static int cmd_lookup(int argc, char **argv)
{
	const char *path = NULL;
	bool strict = false;
	struct ws_route_list list;
	struct ribs ribs = { { NULL, NULL } };
	int nb_addrs = 0, rc;
	char **addrs = calloc((size_t)argc, sizeof(*addrs));

	if (!addrs)
		return WS_EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		uint8_t a[16];

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage_lookup(stdout);
			free(addrs);
			return WS_EXIT_OK;
		} else if (!strcmp(argv[i], "--strict")) {
			strict = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s lookup: unknown option '%s'\n\n", PREFIX, argv[i]);
			goto bad_usage;
		} else if (!path) {
			path = argv[i];
		} else if (ws_route_parse_addr(argv[i], strlen(argv[i]), a) < 0) {
			fprintf(stderr, "%s lookup: bad address '%s' (want IPv4 or IPv6, no /len)\n",
				PREFIX, argv[i]);
			free(addrs);
			return WS_EXIT_USAGE;
		} else {
			addrs[nb_addrs++] = argv[i];
		}
	}
	if (!path || !nb_addrs) {
		fprintf(stderr, "%s lookup: want FILE and at least one ADDR\n\n", PREFIX);
		goto bad_usage;
	}

	rc = read_file("lookup", path, strict, &list);
	if (rc) {
		free(addrs);
		return rc;
	}
	if (build_ribs(&list, &ribs)) {
		fprintf(stderr, "%s lookup: out of memory building the RIB\n", PREFIX);
		rc = WS_EXIT_FAIL;
		goto out;
	}
	for (int i = 0; i < nb_addrs; i++) {
		uint8_t a[16];
		int family = ws_route_parse_addr(addrs[i], strlen(addrs[i]), a);
		unsigned len;
		uint32_t nh;
		char p[WS_ROUTE_PREFIX_STRLEN], via[96] = "";

		if (ws_rib_lookup(ribs.rib[family == AF_INET6], a, &nh, &len)) {
			printf("%s -> no route\n", addrs[i]);
			ws_out_flush();
			continue;
		}
		ws_fib_mask(a, len, family == AF_INET6 ? 16 : 4);
		ws_route_format_prefix(family, a, len, p, sizeof(p));
		if (list.nh && ws_nh_lookup(list.nh, nh)) {
			char d[80];

			snprintf(via, sizeof(via), " (%s)",
				 ws_nh_format(&ws_nh_lookup(list.nh, nh)->key, d, sizeof(d)));
		}
		printf("%s -> %s nexthop %u%s\n", addrs[i], p, nh, via);
		ws_out_flush();
	}
	rc = WS_EXIT_OK;
out:
	free_ribs(&ribs);
	ws_route_list_free(&list);
	free(addrs);
	return rc;

bad_usage:
	usage_lookup(stderr);
	free(addrs);
	return WS_EXIT_USAGE;
}

/* ---- gen ---- */

static int parse_count(const char *opt, const char *v, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!v || !*v || *v == '-' || (*out = strtoull(v, &end, 0), errno) || *end || *out > max) {
		fprintf(stderr, "%s gen: %s wants a number from 0 to %llu, got '%s'\n", PREFIX, opt,
			max, v ? v : "");
		return -EINVAL;
	}
	return 0;
}

/* Output goes through zlib for a .gz name, stdio otherwise. */
struct sink {
	FILE *f;
	gzFile gz;
};

static int sink_put(struct sink *s, const char *buf, size_t n)
{
	if (s->gz)
		return gzwrite(s->gz, buf, (unsigned)n) == (int)n ? 0 : -EIO;
	return fwrite(buf, 1, n, s->f) == n ? 0 : -EIO;
}

static int write_routes(struct sink *s, int family, const struct ws_route *r, size_t n)
{
	char line[WS_ROUTE_PREFIX_STRLEN + 16];

	for (size_t i = 0; i < n; i++) {
		int k = ws_route_format_prefix(family, r[i].addr, r[i].len, line, sizeof(line));

		k += snprintf(line + k, sizeof(line) - (size_t)k, " %u\n", r[i].nexthop);
		if (sink_put(s, line, (size_t)k))
			return -EIO;
		/* Notice a reader that went away without waiting for the end. */
		if (!s->gz && s->f == stdout && (i & 4095) == 4095)
			ws_out_flush();
	}
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	unsigned long long v4 = 0, v6 = 0, seed = 1;
	const char *out_path = NULL;
	struct ws_route_list list;
	struct sink s = { stdout, NULL };
	char head[160];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_gen(stdout);
			return WS_EXIT_OK;
		} else if (!strcmp(a, "--v4")) {
			if (parse_count(a, v, WS_ROUTE_GEN_MAX, &v4))
				return WS_EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--v6")) {
			if (parse_count(a, v, WS_ROUTE_GEN_MAX, &v6))
				return WS_EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--seed")) {
			if (parse_count(a, v, UINT64_MAX, &seed))
				return WS_EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "-o")) {
			if (!v) {
				fprintf(stderr, "%s gen: -o wants a FILE\n", PREFIX);
				return WS_EXIT_USAGE;
			}
			out_path = v;
			i++;
		} else {
			fprintf(stderr, "%s gen: unknown argument '%s'\n\n", PREFIX, a);
			usage_gen(stderr);
			return WS_EXIT_USAGE;
		}
	}

	ws_route_list_init(&list);
	rc = ws_route_gen((unsigned)v4, (unsigned)v6, seed, &list);
	if (rc) {
		fprintf(stderr, "%s gen: %s\n", PREFIX, strerror(-rc));
		return WS_EXIT_FAIL;
	}
	if (out_path) {
		size_t n = strlen(out_path);

		if (n > 3 && !strcmp(out_path + n - 3, ".gz"))
			s.gz = gzopen(out_path, "wb6");
		else
			s.f = fopen(out_path, "w");
		if (!s.gz && (!s.f || s.f == stdout)) {
			fprintf(stderr, "%s gen: cannot create %s: %s\n", PREFIX, out_path,
				strerror(errno));
			ws_route_list_free(&list);
			return WS_EXIT_FAIL;
		}
	}
	snprintf(head, sizeof(head), "# wirespeed routes gen --v4 %llu --v6 %llu --seed %llu\n",
		 v4, v6, seed);
	rc = sink_put(&s, head, strlen(head));
	if (!rc)
		rc = write_routes(&s, AF_INET, list.v4, list.n_v4);
	if (!rc)
		rc = write_routes(&s, AF_INET6, list.v6, list.n_v6);
	ws_route_list_free(&list);
	if (s.gz) {
		if (gzclose(s.gz) != Z_OK)
			rc = -EIO;
	} else if (s.f != stdout) {
		if (fclose(s.f))
			rc = -EIO;
	} else {
		ws_out_flush();
	}
	if (rc) {
		fprintf(stderr, "%s gen: writing %s failed\n", PREFIX, out_path ? out_path : "stdout");
		return WS_EXIT_FAIL;
	}
	return WS_EXIT_OK;
}

int ws_cmd_routes(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (ws_arg_is_help(argv[1])) {
		usage(stdout);
		return WS_EXIT_OK;
	}
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lookup"))
		return cmd_lookup(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown subcommand '%s'\n\n", PREFIX, argv[1]);
	usage(stderr);
	return WS_EXIT_USAGE;
}
