/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route file reader: each format, each error with its exact
 * FILE:LINE:COLUMN text, host bits and duplicates (warning vs strict), gzip,
 * and the real tables of the shared data (skipped when they are absent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fib/route_file.h"
#include "shared_data.h"

/* ---- helpers ---- */

static char tmp_path[64];

/* Write text to a fresh temporary file (gzip'd if gz); returns its path. */
static const char *write_file(const char *text, bool gz)
{
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/ws-test-routes-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	if (gz) {
		gzFile f = gzdopen(fd, "wb");

		assert_non_null(f);
		assert_int_equal(gzwrite(f, text, (unsigned)strlen(text)), (int)strlen(text));
		assert_int_equal(gzclose(f), Z_OK);
	} else {
		assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
		close(fd);
	}
	return tmp_path;
}

static char warnings[4096];

static void collect_warning(const char *msg, void *arg)
{
	(void)arg;
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

static struct ws_route_file_opts opts(bool strict)
{
	struct ws_route_file_opts o = { .strict = strict, .warn = collect_warning };

	warnings[0] = '\0';
	return o;
}

/* Read text as a file: the return code, the list, the error text. */
static char err[512];

static int read_text(const char *text, bool strict, struct ws_route_list *l)
{
	struct ws_route_file_opts o = opts(strict);
	int rc;

	ws_route_list_init(l);
	rc = ws_route_file_read(write_file(text, false), &o, l, err, sizeof(err));
	unlink(tmp_path);
	return rc;
}

/* The error for text must be exactly "PATH:" + want, and nothing applied. */
static void expect_error(const char *text, bool strict, const char *want)
{
	struct ws_route_list l;
	char full[600];

	assert_int_equal(read_text(text, strict, &l), -EINVAL);
	snprintf(full, sizeof(full), "%s:%s", tmp_path, want);
	assert_string_equal(err, full);
	assert_int_equal(l.n_v4 + l.n_v6, 0);
	assert_null(l.v4);
	assert_null(l.nh);
	ws_route_list_free(&l);
}

static void expect_warning(const char *want_after_path)
{
	char full[600];

	snprintf(full, sizeof(full), "%s:%s\n", tmp_path, want_after_path);
	assert_non_null(strstr(warnings, full));
}

static void pfx(int family, const struct ws_route *r, char *buf)
{
	ws_route_format_prefix(family, r->addr, r->len, buf, WS_ROUTE_PREFIX_STRLEN);
}

/* ---- formats ---- */

static void test_prefix_list(void **state)
{
	struct ws_route_list l;
	struct ws_route_file_opts o = opts(false);
	char p[WS_ROUTE_PREFIX_STRLEN];

	(void)state;
	o.default_nexthop = 7;
	ws_route_list_init(&l);
	assert_int_equal(ws_route_file_read(write_file("# a comment\n"
						       "\n"
						       "198.18.0.0/15 3\n"
						       "  2001:db8::/32   4   # trailing comment\r\n"
						       "0.0.0.0/0\n"
						       "\t255.255.255.255/32 4294967294\n"
						       "::/0 0\n"
						       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\n",
						       false),
					    &o, &l, err, sizeof(err)),
			 0);
	unlink(tmp_path);
	assert_string_equal(err, "");
	assert_int_equal(l.n_v4, 3);
	assert_int_equal(l.n_v6, 3);
	assert_null(l.nh); /* plain ids */
	assert_int_equal(l.warnings, 0);
	pfx(AF_INET, &l.v4[0], p);
	assert_string_equal(p, "198.18.0.0/15");
	assert_int_equal(l.v4[0].nexthop, 3);
	assert_int_equal(l.v4[1].len, 0);
	assert_int_equal(l.v4[1].nexthop, 7); /* no nexthop: the default */
	assert_int_equal(l.v4[2].len, 32);
	assert_int_equal(l.v4[2].nexthop, 4294967294u);
	pfx(AF_INET6, &l.v6[0], p);
	assert_string_equal(p, "2001:db8::/32");
	assert_int_equal(l.v6[0].nexthop, 4);
	assert_int_equal(l.v6[1].len, 0);
	assert_int_equal(l.v6[2].len, 128);
	assert_int_equal(l.v6[2].nexthop, 7);
	ws_route_list_free(&l);
	assert_null(l.v4);
	assert_int_equal(l.n_v6, 0);
}

static void test_prefix_list_gateways(void **state)
{
	struct ws_route_list l;
	const struct ws_nexthop *e;

	(void)state;
	assert_int_equal(read_text("10.0.0.0/8 192.0.2.1\n"
				   "10.1.0.0/16 192.0.2.1\n"
				   "10.2.0.0/16\n"
				   "2001:db8::/32 2001:db8::1\n"
				   "11.0.0.0/8 2001:db8::1\n",
				   false, &l),
			 0);
	assert_int_equal(l.n_v4, 4);
	assert_int_equal(l.n_v6, 1);
	assert_non_null(l.nh);
	assert_int_equal(ws_nh_count(l.nh), 3); /* 192.0.2.1, 2001:db8::1, connected */
	assert_int_equal(l.v4[0].nexthop, l.v4[1].nexthop);
	e = ws_nh_lookup(l.nh, l.v4[0].nexthop);
	assert_int_equal(e->refcnt, 2);
	assert_int_equal(e->key.gw_family, AF_INET);
	assert_int_equal(ws_fib_v4_from_bytes(e->key.gw), 0xc0000201);
	e = ws_nh_lookup(l.nh, l.v4[2].nexthop);
	assert_int_equal(e->key.gw_family, AF_UNSPEC); /* a line without: connected */
	assert_int_equal(l.v4[3].nexthop, l.v6[0].nexthop);
	ws_route_list_free(&l);
}

static void test_ip_route_format(void **state)
{
	struct ws_route_list l;
	const struct ws_nexthop *e;
	char buf[96], p[WS_ROUTE_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(
		read_text("default via 198.18.0.1 dev veth0 proto static\n"
			  "198.18.0.0/15 via 198.18.0.1 dev veth0 proto static metric 20\n"
			  "198.18.1.0/24 dev eth0 proto kernel scope link src 198.18.1.1\n"
			  "blackhole 198.18.5.0/24 proto static\n"
			  "unreachable 198.18.6.0/24\n"
			  "198.18.3.4 via 198.18.0.1 dev veth0\n"
			  "2001:db8::/64 dev eth0 proto kernel metric 256 pref medium\n"
			  "default via fe80::1 dev eth0 proto ra metric 1024 expires 1798sec hoplimit 64 pref medium\n"
			  "2001:db8:1::5 via inet6 fe80::1 dev eth0 metric 1024 pref medium\n"
			  "multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium\n"
			  "10.9.0.0/16 nhid 12 via 198.18.0.9 dev veth1 onlink\n",
			  false, &l),
		0);
	assert_int_equal(l.n_v4, 7);
	assert_int_equal(l.n_v6, 3);
	assert_int_equal(l.warnings, 1);
	expect_warning("10:1: warning: route type 'multicast' is not supported, line skipped");
	assert_non_null(l.nh);

	assert_int_equal(l.v4[0].len, 0);
	e = ws_nh_lookup(l.nh, l.v4[0].nexthop);
	assert_string_equal(ws_nh_format(&e->key, buf, sizeof(buf)), "via 198.18.0.1 dev veth0");
	assert_int_equal(e->key.port, WS_NH_PORT_NONE);
	assert_int_equal(e->refcnt, 3); /* default, 198.18.0.0/15, 198.18.3.4 */
	assert_int_equal(l.v4[1].nexthop, l.v4[0].nexthop);
	e = ws_nh_lookup(l.nh, l.v4[2].nexthop);
	assert_string_equal(ws_nh_format(&e->key, buf, sizeof(buf)), "dev eth0");
	e = ws_nh_lookup(l.nh, l.v4[3].nexthop);
	assert_int_equal(e->key.type, WS_NH_BLACKHOLE);
	e = ws_nh_lookup(l.nh, l.v4[4].nexthop);
	assert_int_equal(e->key.type, WS_NH_UNREACHABLE);
	pfx(AF_INET, &l.v4[5], p);
	assert_string_equal(p, "198.18.3.4/32"); /* no /len: a host route */
	assert_int_equal(l.v4[5].nexthop, l.v4[0].nexthop);
	e = ws_nh_lookup(l.nh, l.v4[6].nexthop);
	assert_string_equal(ws_nh_format(&e->key, buf, sizeof(buf)), "via 198.18.0.9 dev veth1");

	pfx(AF_INET6, &l.v6[0], p);
	assert_string_equal(p, "2001:db8::/64");
	pfx(AF_INET6, &l.v6[1], p);
	assert_string_equal(p, "::/0"); /* default with an IPv6 gateway */
	e = ws_nh_lookup(l.nh, l.v6[1].nexthop);
	assert_string_equal(ws_nh_format(&e->key, buf, sizeof(buf)), "via fe80::1 dev eth0");
	pfx(AF_INET6, &l.v6[2], p);
	assert_string_equal(p, "2001:db8:1::5/128");
	assert_int_equal(l.v6[2].nexthop, l.v6[1].nexthop);
	ws_route_list_free(&l);
}

static void test_default_family(void **state)
{
	struct ws_route_list l;
	struct ws_route_file_opts o = opts(false);

	(void)state;
	assert_int_equal(read_text("default dev eth0\n", false, &l), 0);
	assert_int_equal(l.n_v4, 1);
	ws_route_list_free(&l);
	assert_int_equal(read_text("default dev eth0 metric 5 pref medium\n", false, &l), 0);
	assert_int_equal(l.n_v6, 1);
	ws_route_list_free(&l);
	assert_int_equal(read_text("2001:db8::/32 dev eth0\ndefault dev eth0\n", false, &l), 0);
	assert_int_equal(l.n_v6, 2);
	ws_route_list_free(&l);
	/* `default` in a prefix list: 0/0 with an id or a gateway */
	assert_int_equal(read_text("default 5\n10.0.0.0/8 6\n", true, &l), 0);
	assert_int_equal(l.n_v4, 2);
	assert_int_equal(l.v4[0].len, 0);
	assert_int_equal(l.v4[0].nexthop, 5);
	assert_null(l.nh);
	ws_route_list_free(&l);
	assert_int_equal(read_text("default 2001:db8::1\n", true, &l), 0);
	assert_int_equal(l.n_v6, 1);
	assert_int_equal(l.v6[0].len, 0);
	assert_non_null(l.nh);
	ws_route_list_free(&l);
	o.default_family = AF_INET6;
	ws_route_list_init(&l);
	assert_int_equal(ws_route_file_read(write_file("default dev eth0\n", false), &o, &l, err,
					    sizeof(err)),
			 0);
	unlink(tmp_path);
	assert_int_equal(l.n_v6, 1);
	ws_route_list_free(&l);
}

static void test_multipath(void **state)
{
	struct ws_route_list l;
	const struct ws_nexthop *e;
	char buf[96];

	(void)state;
	assert_int_equal(read_text("default proto static metric 1024\n"
				   "\tnexthop via 198.18.0.1 dev veth0 weight 1\n"
				   "\tnexthop via 198.18.0.2 dev veth1 weight 1\n"
				   "198.18.0.0/15 dev veth0\n",
				   false, &l),
			 0);
	assert_int_equal(l.n_v4, 2);
	e = ws_nh_lookup(l.nh, l.v4[0].nexthop);
	assert_string_equal(ws_nh_format(&e->key, buf, sizeof(buf)), "via 198.18.0.1 dev veth0");
	assert_int_equal(ws_nh_count(l.nh), 2); /* the header's placeholder is gone */
	expect_warning("3:2: warning: multipath route: only the first nexthop is used");
	ws_route_list_free(&l);

	expect_error("198.18.0.0/15 dev veth0\n\tnexthop via 198.18.0.1 dev veth0\n", false,
		     "2:2: 'nexthop' line without an `ip route` line before it");
}

static void test_gzip(void **state)
{
	struct ws_route_list l;
	struct ws_route_file_opts o = opts(true);
	char text[64 * 1024] = "";
	size_t n = 0;

	(void)state;
	for (unsigned i = 0; i < 2000; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "10.%u.%u.0/24 %u\n", i / 256,
				      i % 256, i);
	ws_route_list_init(&l);
	assert_int_equal(ws_route_file_read(write_file(text, true), &o, &l, err, sizeof(err)), 0);
	unlink(tmp_path);
	assert_int_equal(l.n_v4, 2000);
	assert_int_equal(l.v4[1999].nexthop, 1999);
	ws_route_list_free(&l);

	/* a damaged stream is a read error, and nothing is applied */
	const char *path = write_file(text, true);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	assert_int_equal(ws_route_file_read(path, &o, &l, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, ": read error: "));
	assert_int_equal(l.n_v4, 0);
	unlink(path);
}

/* ---- errors ---- */

static void test_open_errors(void **state)
{
	struct ws_route_list l;

	(void)state;
	ws_route_list_init(&l);
	assert_int_equal(ws_route_file_read("/nonexistent/routes.txt", NULL, &l, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/routes.txt: cannot open: No such file or directory");
	assert_int_equal(ws_route_file_read("/tmp", NULL, &l, err, sizeof(err)), -EIO);
	assert_string_equal(err, "/tmp: read error: Is a directory");
	/* err may be NULL */
	assert_int_equal(ws_route_file_read("/nonexistent", NULL, &l, NULL, 0), -ENOENT);
}

static void test_line_errors(void **state)
{
	static char longline[5000];

	(void)state;
	expect_error("10.0.0.256/8\n", false, "1:1: bad address '10.0.0.256'");
	expect_error("1.2.3/8\n", false, "1:1: bad address '1.2.3'");
	expect_error("010.0.0.0/8\n", false, "1:1: bad address '010.0.0.0'");
	expect_error("2001:db8:::/32\n", false, "1:1: bad address '2001:db8:::'");
	expect_error("10.0.0.0/8 1\n\n  10.0.0.0/33 1\n", false, "3:12: prefix length 33 is over 32");
	expect_error("2001:db8::/129\n", false, "1:12: prefix length 129 is over 128");
	expect_error("10.0.0.0/x\n", false, "1:10: bad prefix length 'x'");
	expect_error("10.0.0.0/\n", false, "1:10: bad prefix length ''");
	expect_error("10.0.0.0/0008\n", false, "1:10: bad prefix length '0008'");
	expect_error("10.0.0.0\n", false,
		     "1:1: missing prefix length (only `ip route` lines may omit it)");
	expect_error("# ok\n\t10.0.0.0 5\n", false,
		     "2:2: missing prefix length (only `ip route` lines may omit it)");
	expect_error("10.0.0.0/8 foo\n", false,
		     "1:12: bad nexthop 'foo' (want a gateway address or an id 0..4294967294)");
	expect_error("10.0.0.0/8 4294967295\n", false, "1:12: nexthop id 4294967295 is over 4294967294");
	expect_error("10.0.0.0/8 1 2\n", false, "1:14: unexpected '2' after the nexthop");
	expect_error("10.0.0.0/8 via 1.2.3 dev eth0\n", false, "1:16: bad gateway address '1.2.3'");
	expect_error("10.0.0.0/8 dev abcdefghijklmnopq\n", false,
		     "1:16: device name 'abcdefghijklmnopq' is longer than 15 bytes");
	expect_error("10.0.0.0/8 via\n", false, "1:12: missing value after 'via'");
	expect_error("blackhole\n", false, "1:1: missing prefix after 'blackhole'");
	expect_error("10.0.0.0/8 1\n11.0.0.0/8 192.0.2.1\n", false,
		     "2:12: gateway nexthop in a file of nexthop ids (line 1); use one kind per file");
	expect_error("10.0.0.0/8 dev eth0\n11.0.0.0/8 5\n", false,
		     "2:12: nexthop id in a file of gateway nexthops (line 1); use one kind per file");
	memset(longline, '1', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	expect_error(longline, false, "1:1: line is longer than 4096 bytes");
}

static void test_host_bits(void **state)
{
	struct ws_route_list l;
	char p[WS_ROUTE_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(read_text("10.0.0.0/16 1\n10.1.2.3/8 2\n", false, &l), 0);
	expect_warning("2:1: warning: host bits set, using 10.0.0.0/8");
	assert_int_equal(l.warnings, 1);
	pfx(AF_INET, &l.v4[1], p);
	assert_string_equal(p, "10.0.0.0/8");
	ws_route_list_free(&l);
	assert_int_equal(read_text("2001:db8::1/32\n", false, &l), 0);
	expect_warning("1:1: warning: host bits set, using 2001:db8::/32");
	pfx(AF_INET6, &l.v6[0], p);
	assert_string_equal(p, "2001:db8::/32");
	ws_route_list_free(&l);

	expect_error("10.0.0.0/16 1\n10.1.2.3/8 2\n", true,
		     "2:1: host bits set in 10.1.2.3/8 (10.0.0.0/8 without them)");
	expect_error("blackhole 2001:db8::1/32\n", true,
		     "1:11: host bits set in 2001:db8::1/32 (2001:db8::/32 without them)");
}

static void test_duplicates(void **state)
{
	struct ws_route_list l;

	(void)state;
	/* in order: the duplicate is the previous line */
	assert_int_equal(read_text("10.0.0.0/8 1\n10.0.0.0/8 2\n", false, &l), 0);
	assert_int_equal(l.n_v4, 1);
	assert_int_equal(l.v4[0].nexthop, 2);
	expect_warning("2:1: warning: duplicate prefix 10.0.0.0/8 (also on line 1), the later line wins");
	ws_route_list_free(&l);
	/* out of order: found by the hash */
	assert_int_equal(read_text("10.0.0.0/8 1\n9.0.0.0/8 2\n10.0.0.0/16 4\n10.0.0.0/8 3\n"
				   "10.0.0.0/8 5\n",
				   false, &l),
			 0);
	assert_int_equal(l.n_v4, 3);
	assert_int_equal(l.v4[0].nexthop, 5);
	expect_warning("4:1: warning: duplicate prefix 10.0.0.0/8 (also on line 1), the later line wins");
	expect_warning("5:1: warning: duplicate prefix 10.0.0.0/8 (also on line 4), the later line wins");
	ws_route_list_free(&l);
	/* the same address with another length is another prefix; the same
	 * bits in the other family too */
	assert_int_equal(read_text("0.0.0.0/0\n0.0.0.0/1\n::/0\n", true, &l), 0);
	assert_int_equal(l.n_v4, 2);
	assert_int_equal(l.n_v6, 1);
	ws_route_list_free(&l);
	/* a gateway replaced by a later line gives its reference back */
	assert_int_equal(read_text("10.0.0.0/8 192.0.2.1\n10.0.0.0/8 192.0.2.2\n", false, &l), 0);
	assert_int_equal(ws_nh_count(l.nh), 1);
	assert_int_equal(ws_fib_v4_from_bytes(ws_nh_lookup(l.nh, l.v4[0].nexthop)->key.gw),
			 0xc0000202);
	ws_route_list_free(&l);

	expect_error("10.0.0.0/8 1\n10.0.0.0/8 2\n", true,
		     "2:1: duplicate prefix 10.0.0.0/8 (also on line 1)");
	expect_error("2001:db8::/32\n2001:db8:1::/48\n2001:db8::/32\n", true,
		     "3:1: duplicate prefix 2001:db8::/32 (also on line 1)");
}

static void test_text_helpers(void **state)
{
	struct ws_route_list l;
	struct ws_route r = { .len = 8 };
	uint8_t a[16];
	char buf[WS_ROUTE_PREFIX_STRLEN];

	(void)state;
	ws_route_list_init(&l);
	assert_int_equal(ws_route_list_push(&l, AF_UNIX, &r), -EAFNOSUPPORT);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(ws_route_list_push(&l, AF_INET, &r), 0);
	assert_int_equal(l.n_v4, 5000);
	ws_route_list_free(&l);

	assert_int_equal(ws_route_parse_addr("198.18.0.1", 10, a), AF_INET);
	assert_int_equal(ws_fib_v4_from_bytes(a), 0xc6120001);
	assert_int_equal(ws_route_parse_addr("198.18.0.1xyz", 10, a), AF_INET);
	assert_int_equal(ws_route_parse_addr("198.18.0", 8, a), -EINVAL);
	assert_int_equal(ws_route_parse_addr("198.18.0.1.", 11, a), -EINVAL);
	assert_int_equal(ws_route_parse_addr("1.2.3.4444", 10, a), -EINVAL);
	assert_int_equal(ws_route_parse_addr("0.0.0.0", 7, a), AF_INET);
	assert_int_equal(ws_route_parse_addr("::ffff:1.2.3.4", 14, a), AF_INET6);
	assert_int_equal(a[15], 4);
	assert_int_equal(ws_route_parse_addr("", 0, a), -EINVAL);
	ws_fib_v4_to_bytes(0x0a000000, a);
	assert_int_equal(ws_route_format_prefix(AF_INET, a, 8, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "10.0.0.0/8");
}

/* ---- the real tables ---- */

static void real_file(const char *name, size_t want_v4, size_t want_v6, bool ids)
{
	char path[1024];
	struct ws_route_list l;
	struct ws_route_file_opts o = opts(true);

	ws_test_shared_path(name, path, sizeof(path));
	ws_route_list_init(&l);
	assert_int_equal(ws_route_file_read(path, &o, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n_v4, want_v4);
	assert_int_equal(l.n_v6, want_v6);
	assert_int_equal(l.warnings, 0);
	assert_null(l.nh); /* prefixes alone, or with an ASN read as an id */
	if (ids) {
		/* pyasn: 1.0.0.0/24 15169 is the first line */
		if (want_v4)
			assert_int_equal(l.v4[0].nexthop, 15169);
	}
	ws_route_list_free(&l);
}

static void test_real_gaissmai_v4(void **state)
{
	(void)state;
	real_file("rib-v4-gaissmai-tier1-2023-02.txt.gz", 901899, 0, false);
}

static void test_real_gaissmai_v6(void **state)
{
	(void)state;
	real_file("rib-v6-gaissmai-tier1-2023-02.txt.gz", 0, 160147, false);
}

static void test_real_pyasn_v4(void **state)
{
	(void)state;
	real_file("rib-v4-pyasn-routeviews-20140513.txt.gz", 512621, 0, true);
}

static void test_real_pyasn_v6(void **state)
{
	(void)state;
	real_file("rib-v6-pyasn-routeviews-20151101.txt.gz", 0, 27693, true);
}

static void test_real_dpdk(void **state)
{
	(void)state;
	real_file("dpdk-test-lpm-routes.txt", 28895, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_list),
		cmocka_unit_test(test_prefix_list_gateways),
		cmocka_unit_test(test_ip_route_format),
		cmocka_unit_test(test_default_family),
		cmocka_unit_test(test_multipath),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_text_helpers),
		cmocka_unit_test(test_real_gaissmai_v4),
		cmocka_unit_test(test_real_gaissmai_v6),
		cmocka_unit_test(test_real_pyasn_v4),
		cmocka_unit_test(test_real_pyasn_v6),
		cmocka_unit_test(test_real_dpdk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
