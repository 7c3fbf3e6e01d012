/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder's config parser: a full good config read back field by
 * field; each rule's error with its NAME:LINE: and the offending word, and
 * nothing left in the config after it; relative paths against base_dir and
 * against a real file's directory; a missing file; the longest-match port of
 * an address; freeing (the ASan build checks for leaks, error paths too).
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
#include <unistd.h>

#include "fib/route_file.h"
#include "fwd/config.h"

/* ---- helpers ---- */

static char err[1024];

/* The 16-byte form of an address written in the text. */
static void addr(const char *s, uint8_t out[16])
{
	assert_true(ws_route_parse_addr(s, strlen(s), out) > 0);
}

static void assert_addr(const uint8_t *got, const char *want)
{
	uint8_t w[16];

	addr(want, w);
	assert_memory_equal(got, w, 16);
}

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Ports and subnets most error cases build on: 5 lines. */
#define PRE                                                                                                   \
	"port p0 pcap rx in.pcap\n"                                                                           \
	"port p1 pcap tx out.pcap\n"                                                                          \
	"address p0 198.18.0.1/24\n"                                                                          \
	"address p1 198.18.1.1/24\n"                                                                          \
	"address p0 2001:db8:1::1/64\n"
#define PRE_LINES 5

struct bad {
	bool pre;         /* PRE before text (line then counts from PRE's end) */
	const char *text;
	unsigned line;    /* of text */
	const char *word; /* must be in the message */
	const char *word2; /* and this too, if set */
};

/* Parse one bad case: -EINVAL, "t.conf:LINE: " with its words, and an empty config. */
static void check_bad(const struct bad *b)
{
	struct ws_fwd_config cfg;
	char text[8192], want[64];
	unsigned line = b->line + (b->pre ? PRE_LINES : 0);
	int rc;

	snprintf(text, sizeof(text), "%s%s", b->pre ? PRE : "", b->text);
	memset(&cfg, 0xa5, sizeof(cfg));
	rc = ws_fwd_config_parse("t.conf", text, "/etc/ws", &cfg, err, sizeof(err));
	snprintf(want, sizeof(want), "t.conf:%u: ", line);
	if (rc != -EINVAL || strncmp(err, want, strlen(want)) || !strstr(err, b->word) ||
	    (b->word2 && !strstr(err, b->word2)))
		print_error("case '%s': rc %d, message '%s', want '%s' with '%s' '%s'\n", b->text, rc, err, want,
			    b->word, b->word2 ? b->word2 : "");
	assert_int_equal(rc, -EINVAL);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, b->word));
	if (b->word2)
		assert_non_null(strstr(err, b->word2));
	assert_true(is_zero(&cfg, sizeof(cfg)));
}

static void check_all(const struct bad *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_bad(&v[i]);
}

#define CHECK_ALL(v) check_all((v), sizeof(v) / sizeof((v)[0]))

/* ---- a full good config ---- */

static const char full[] =
	"# the test bed\n"
	"port p0 pcap rx in.pcap tx /var/out0.pcap mac 02:00:00:00:01:01 mtu 9000\n"
	"port p1 pcap tx out1.pcap   # default MAC and MTU\n"
	"\tport  gen mem dst 198.18.5.1 dst 198.18.5.2 count 1000 size 128 seed 18446744073709551615 mtu 1400\n"
	"port gen6 mem dst 2001:db8:7::1\n"
	"\n"
	"address p0 198.18.0.1/24\n"
	"address p0 2001:db8:1::1/64\n"
	"address p1 198.18.1.1/24\n"
	"address p1 2001:db8:2::1/64\n"
	"address gen 198.18.2.1/31\n"
	"route 198.19.0.0/16 via 198.18.0.254\n"          /* line 12 */
	"route 198.19.1.0/24 dev p1 via 198.18.1.2\n"
	"route 2001:db8:100::/48 via 2001:db8:2::2\n"
	"route 198.18.3.0/24 dev p1\n"
	"route 198.18.4.0/24 blackhole\n"
	"route 2001:db8:dead::/48 unreachable\n"
	"route 198.18.6.0/24 prohibit\n"
	"route default via 198.18.0.254\n"
	"route default via 2001:db8:1::fe\n"
	"route 198.18.0.0/15 dev p0\r\n"                  /* line 21, CRLF */
	"routes table.txt via 198.18.1.2\n"
	"routes /srv/t6.txt dev p1\n"
	"routes plain.txt.gz\n"
	"neighbour p0 198.18.0.254 02:00:00:00:aa:01\n"
	"neighbour p1 2001:db8:2::2 02:00:00:00:AA:02 # a router\n"
	"control /run/wirespeed/ctl.sock\n";

static void test_full_config(void **state)
{
	struct ws_fwd_config cfg;
	const struct ws_fwd_config_port *p;
	const struct ws_fwd_config_route *r;
	const struct ws_fwd_config_route_file *rf;
	const struct ws_fwd_config_neighbour *nb;

	(void)state;
	assert_int_equal(ws_fwd_config_parse("full.conf", full, "/etc/ws", &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");

	assert_int_equal(cfg.nb_ports, 4);
	p = &cfg.ports[0];
	assert_string_equal(p->name, "p0");
	assert_int_equal(p->id, 0);
	assert_int_equal(p->kind, WS_FWD_PORT_PCAP);
	assert_int_equal(p->line, 2);
	assert_string_equal(p->rx, "/etc/ws/in.pcap");
	assert_string_equal(p->tx, "/var/out0.pcap");
	assert_memory_equal(p->mac, ((uint8_t[6]){ 2, 0, 0, 0, 1, 1 }), 6);
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->nb_addrs, 2);
	assert_int_equal(p->addrs[0].family, AF_INET);
	assert_addr(p->addrs[0].addr, "198.18.0.1");
	assert_int_equal(p->addrs[0].len, 24);
	assert_int_equal(p->addrs[0].line, 7);
	assert_int_equal(p->addrs[1].family, AF_INET6);
	assert_addr(p->addrs[1].addr, "2001:db8:1::1");
	assert_int_equal(p->addrs[1].len, 64);

	p = &cfg.ports[1];
	assert_string_equal(p->name, "p1");
	assert_int_equal(p->id, 1);
	assert_null(p->rx);
	assert_string_equal(p->tx, "/etc/ws/out1.pcap");
	assert_memory_equal(p->mac, ((uint8_t[6]){ 2, 0, 0, 0, 0, 2 }), 6);
	assert_int_equal(p->mtu, 1500);
	assert_int_equal(p->nb_addrs, 2);

	p = &cfg.ports[2];
	assert_string_equal(p->name, "gen");
	assert_int_equal(p->kind, WS_FWD_PORT_MEM);
	assert_int_equal(p->line, 4);
	assert_int_equal(p->dst_family, AF_INET);
	assert_int_equal(p->nb_dsts, 2);
	assert_addr(p->dsts[0], "198.18.5.1");
	assert_addr(p->dsts[1], "198.18.5.2");
	assert_int_equal(p->count, 1000);
	assert_int_equal(p->size, 128);
	assert_true(p->seed == UINT64_MAX);
	assert_int_equal(p->mtu, 1400);
	assert_memory_equal(p->mac, ((uint8_t[6]){ 2, 0, 0, 0, 0, 3 }), 6);
	assert_int_equal(p->nb_addrs, 1);
	assert_int_equal(p->addrs[0].len, 31);

	p = &cfg.ports[3];
	assert_string_equal(p->name, "gen6");
	assert_int_equal(p->dst_family, AF_INET6);
	assert_int_equal(p->nb_dsts, 1);
	assert_addr(p->dsts[0], "2001:db8:7::1");
	assert_int_equal(p->count, 0);
	assert_int_equal(p->size, 64);
	assert_int_equal(p->seed, 1);
	assert_memory_equal(p->mac, ((uint8_t[6]){ 2, 0, 0, 0, 0, 4 }), 6);
	assert_int_equal(p->nb_addrs, 0);

	assert_int_equal(cfg.nb_routes, 10);
	r = &cfg.routes[0];
	assert_int_equal(r->line, 12);
	assert_int_equal(r->family, AF_INET);
	assert_addr(r->addr, "198.19.0.0");
	assert_int_equal(r->len, 16);
	assert_int_equal(r->nh.type, WS_NH_UNICAST);
	assert_int_equal(r->nh.gw_family, AF_INET);
	assert_addr(r->nh.gw, "198.18.0.254");
	assert_int_equal(r->nh.port, 0);
	assert_string_equal(r->nh.dev, "p0");
	r = &cfg.routes[1];
	assert_int_equal(r->len, 24);
	assert_addr(r->nh.gw, "198.18.1.2");
	assert_int_equal(r->nh.port, 1);
	assert_string_equal(r->nh.dev, "p1");
	r = &cfg.routes[2];
	assert_int_equal(r->family, AF_INET6);
	assert_addr(r->addr, "2001:db8:100::");
	assert_int_equal(r->len, 48);
	assert_int_equal(r->nh.gw_family, AF_INET6);
	assert_addr(r->nh.gw, "2001:db8:2::2");
	assert_int_equal(r->nh.port, 1);
	r = &cfg.routes[3];
	assert_int_equal(r->nh.type, WS_NH_UNICAST);
	assert_int_equal(r->nh.gw_family, 0);
	assert_true(is_zero(r->nh.gw, 16));
	assert_int_equal(r->nh.port, 1);
	assert_string_equal(r->nh.dev, "p1");
	r = &cfg.routes[4];
	assert_int_equal(r->nh.type, WS_NH_BLACKHOLE);
	assert_int_equal(r->nh.port, WS_NH_PORT_NONE);
	assert_string_equal(r->nh.dev, "");
	assert_int_equal(cfg.routes[5].nh.type, WS_NH_UNREACHABLE);
	assert_int_equal(cfg.routes[5].family, AF_INET6);
	assert_int_equal(cfg.routes[6].nh.type, WS_NH_PROHIBIT);
	r = &cfg.routes[7];
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->len, 0);
	assert_true(is_zero(r->addr, 16));
	assert_int_equal(r->nh.port, 0);
	r = &cfg.routes[8];
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->len, 0);
	assert_addr(r->nh.gw, "2001:db8:1::fe");
	assert_int_equal(r->nh.port, 0);
	assert_int_equal(cfg.routes[9].line, 21);
	assert_int_equal(cfg.routes[9].len, 15);

	assert_int_equal(cfg.nb_route_files, 3);
	rf = &cfg.route_files[0];
	assert_string_equal(rf->path, "/etc/ws/table.txt");
	assert_int_equal(rf->line, 22);
	assert_true(rf->has_nh);
	assert_int_equal(rf->nh.gw_family, AF_INET);
	assert_addr(rf->nh.gw, "198.18.1.2");
	assert_int_equal(rf->nh.port, 1);
	assert_string_equal(rf->nh.dev, "p1");
	rf = &cfg.route_files[1];
	assert_string_equal(rf->path, "/srv/t6.txt");
	assert_true(rf->has_nh);
	assert_int_equal(rf->nh.gw_family, 0);
	assert_int_equal(rf->nh.port, 1);
	rf = &cfg.route_files[2];
	assert_string_equal(rf->path, "/etc/ws/plain.txt.gz");
	assert_false(rf->has_nh);
	assert_int_equal(rf->nh.port, WS_NH_PORT_NONE);

	assert_int_equal(cfg.nb_neighbours, 2);
	nb = &cfg.neighbours[0];
	assert_int_equal(nb->port, 0);
	assert_int_equal(nb->family, AF_INET);
	assert_addr(nb->addr, "198.18.0.254");
	assert_memory_equal(nb->mac, ((uint8_t[6]){ 2, 0, 0, 0, 0xaa, 1 }), 6);
	assert_int_equal(nb->line, 25);
	nb = &cfg.neighbours[1];
	assert_int_equal(nb->port, 1);
	assert_int_equal(nb->family, AF_INET6);
	assert_addr(nb->addr, "2001:db8:2::2");
	assert_memory_equal(nb->mac, ((uint8_t[6]){ 2, 0, 0, 0, 0xaa, 2 }), 6);

	assert_int_equal(cfg.control, WS_FWD_CTL_PATH);
	assert_string_equal(cfg.control_path, "/run/wirespeed/ctl.sock");
	assert_int_equal(cfg.control_line, 27);

	ws_fwd_config_free(&cfg);
	assert_true(is_zero(&cfg, sizeof(cfg)));
}

static void test_minimal_config(void **state)
{
	struct ws_fwd_config cfg;

	(void)state;
	assert_int_equal(ws_fwd_config_parse("m.conf", "port a pcap rx x.pcap", NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nb_ports, 1);
	assert_string_equal(cfg.ports[0].rx, "x.pcap");
	assert_int_equal(cfg.control, WS_FWD_CTL_DEFAULT);
	assert_int_equal(cfg.nb_routes, 0);
	ws_fwd_config_free(&cfg);

	assert_int_equal(ws_fwd_config_parse("m.conf", "port a pcap tx -\ncontrol none\n", NULL, &cfg, err,
					     sizeof(err)), 0);
	assert_int_equal(cfg.control, WS_FWD_CTL_NONE);
	assert_int_equal(cfg.control_line, 2);
	ws_fwd_config_free(&cfg);
}

/* Interface ports: the device, and whether MAC and MTU were given (else the
 * interface's own are used when the port opens). */
static void test_interface_ports(void **state)
{
	struct ws_fwd_config cfg;

	(void)state;
	assert_int_equal(ws_fwd_config_parse("i.conf",
					     "port a afpacket dev fwd0\n"
					     "port b afxdp dev fwd1 mac 02:00:00:00:01:01 mtu 1400\n"
					     "port c mmsg dev veth.9\n"
					     "address b 198.18.1.1/24\n",
					     NULL, &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.nb_ports, 3);
	assert_int_equal(cfg.ports[0].kind, WS_FWD_PORT_AFPACKET);
	assert_string_equal(cfg.ports[0].dev, "fwd0");
	assert_false(cfg.ports[0].has_mac);
	assert_false(cfg.ports[0].has_mtu);
	assert_int_equal(cfg.ports[1].kind, WS_FWD_PORT_AFXDP);
	assert_true(cfg.ports[1].has_mac);
	assert_true(cfg.ports[1].has_mtu);
	assert_int_equal(cfg.ports[1].mtu, 1400);
	assert_int_equal(cfg.ports[2].kind, WS_FWD_PORT_MMSG);
	assert_string_equal(cfg.ports[2].dev, "veth.9");
	assert_string_equal(ws_fwd_port_kind_name(WS_FWD_PORT_AFXDP), "afxdp");
	ws_fwd_config_free(&cfg);
}

/* ---- errors, one group per keyword ---- */

static void test_errors_general(void **state)
{
	static const struct bad v[] = {
		{ false, "port p0 pcap rx a\nfrobnicate x\n", 2, "frobnicate", "unknown keyword" },
		{ false, "", 1, "no port", NULL },
		{ false, "# nothing\n\n   \n", 3, "no port", NULL },
		{ false, "Port p0 pcap rx a\n", 1, "Port", NULL },
	};
	struct ws_fwd_config cfg;
	char text[2048] = "port p0 pcap rx a";

	(void)state;
	CHECK_ALL(v);
	/* PRE itself is good: the cases below fail for their own line only */
	assert_int_equal(ws_fwd_config_parse("t.conf", PRE, NULL, &cfg, err, sizeof(err)), 0);
	ws_fwd_config_free(&cfg);
	/* 300 words on a line */
	for (int i = 0; i < 150; i++)
		strcat(text, " mtu 1500");
	check_bad(&(struct bad){ false, text, 1, "words", NULL });
}

static void test_errors_port(void **state)
{
	static const struct bad v[] = {
		{ false, "port\n", 1, "'port' needs", NULL },
		{ false, "port p0\n", 1, "kind", NULL },
		{ false, "port p0 tap rx a\n", 1, "'tap'", NULL },
		{ false, "port abcdefghijklmnop pcap rx a\n", 1, "abcdefghijklmnop", "15" },
		{ false, "port p/0 pcap rx a\n", 1, "p/0", "character" },
		{ false, "port p0 pcap rx a\nport p0 pcap rx b\n", 2, "'p0'", "line 1" },
		{ false, "port p0 pcap rx a speed 10\n", 1, "'speed'", NULL },
		{ false, "port p0 pcap rx\n", 1, "'rx' needs a value", NULL },
		{ false, "port p0 pcap rx a rx b\n", 1, "'rx' given twice", NULL },
		{ false, "port p0 pcap mtu 1500\n", 1, "rx FILE", "p0" },
		{ false, "port p0 pcap rx a count 5\n", 1, "count: only for mem ports", NULL },
		{ false, "port g mem dst 198.18.0.1 rx a\n", 1, "rx: only for pcap ports", NULL },
		{ false, "port g mem dst 198.18.0.1 tx a\n", 1, "tx: only for pcap ports", NULL },
		{ false, "port g mem count 5\n", 1, "dst", "g" },
		{ false, "port g mem dst 198.18.0.1 dst 2001:db8::1\n", 1, "2001:db8::1", "one family" },
		{ false, "port g mem dst 198.18.0.256\n", 1, "198.18.0.256", NULL },
		{ false, "port g mem dst 198.18.0.0/24\n", 1, "198.18.0.0/24", NULL },
		{ false, "port g mem dst 198.18.0.1 count 0\n", 1, "count 0", "1.." },
		{ false, "port g mem dst 198.18.0.1 count many\n", 1, "'many'", "bad number" },
		{ false, "port g mem dst 198.18.0.1 size 59\n", 1, "size 59", "60..1514" },
		{ false, "port g mem dst 198.18.0.1 size 1515\n", 1, "size 1515", NULL },
		{ false, "port g mem dst 2001:db8::1 size 60\n", 1, "size 60", "IPv6" },
		{ false, "port g mem dst 198.18.0.1 seed 18446744073709551616\n", 1, "18446744073709551616", "seed" },
		{ false, "port g mem dst 198.18.0.1 seed -1\n", 1, "'-1'", "seed" },
		{ false, "port g mem dst 198.18.0.1 seed 0x10\n", 1, "'0x10'", NULL },
		{ false, "port a pcap tx o.pcap\nport b pcap tx o.pcap\n", 2, "o.pcap", "port a" },
		{ false, "port a pcap rx o.pcap tx o.pcap\n", 1, "o.pcap", "rx" },
		{ false, "port a pcap rx o.pcap\nport b pcap tx o.pcap\n", 2, "o.pcap", "read by port a" },
		{ false, "port a pcap tx o.pcap\nport b pcap rx o.pcap\n", 2, "o.pcap", "written by port a" },
		{ false, "port a afpacket\n", 1, "afpacket port a needs 'dev IF'", NULL },
		{ false, "port a afxdp mtu 1500\n", 1, "afxdp port a needs 'dev IF'", NULL },
		{ false, "port a pcap rx x dev eth0\n", 1, "dev: only for afpacket or afxdp or mmsg ports", NULL },
		{ false, "port a mmsg dev abcdefghijklmnop\n", 1, "abcdefghijklmnop", "interface name" },
		{ false, "port a afpacket dev a/b\n", 1, "a/b", NULL },
		{ false, "port a afpacket dev eth0 rx x\n", 1, "rx: only for pcap ports", NULL },
		{ false, "port a afpacket dev eth0 dev eth1\n", 1, "'dev' given twice", NULL },
	};
	char text[4096] = "", dsts[2048] = "port g mem";

	(void)state;
	CHECK_ALL(v);
	/* 17 ports: the 17th line is the error */
	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "port p%d pcap rx in%d.pcap\n", i, i);
	check_bad(&(struct bad){ false, text, 17, "too many ports", "16" });
	/* 65 dsts */
	for (int i = 0; i < 65; i++)
		snprintf(dsts + strlen(dsts), sizeof(dsts) - strlen(dsts), " dst 198.18.0.%d", i + 1);
	check_bad(&(struct bad){ false, dsts, 1, "64", "dst" });
}

static void test_errors_mac_mtu(void **state)
{
	static const struct bad v[] = {
		{ false, "port p0 pcap rx a mac 03:00:00:00:00:01\n", 1, "03:00:00:00:00:01", "multicast" },
		{ false, "port p0 pcap rx a mac ff:ff:ff:ff:ff:ff\n", 1, "ff:ff:ff:ff:ff:ff", "multicast" },
		{ false, "port p0 pcap rx a mac 00:00:00:00:00:00\n", 1, "00:00:00:00:00:00", "zero" },
		{ false, "port p0 pcap rx a mac 02:00:00:00:00\n", 1, "'02:00:00:00:00'", "bad MAC" },
		{ false, "port p0 pcap rx a mac 02:00:00:00:00:0g\n", 1, "'02:00:00:00:00:0g'", NULL },
		{ false, "port p0 pcap rx a mac 2:0:0:0:0:1\n", 1, "'2:0:0:0:0:1'", NULL },
		{ false, "port p0 pcap rx a mtu 67\n", 1, "mtu 67", "68..9000" },
		{ false, "port p0 pcap rx a mtu 9001\n", 1, "mtu 9001", NULL },
		{ false, "port p0 pcap rx a mtu 15x0\n", 1, "'15x0'", "bad number" },
		{ false, "port p0 pcap rx a mtu 1279\naddress p0 198.18.0.1/24\naddress p0 2001:db8::1/64\n", 3,
		  "1280", "p0" },
		{ true, "neighbour p0 198.18.0.2 01:00:5e:00:00:01\n", 1, "01:00:5e:00:00:01", "multicast" },
	};
	struct ws_fwd_config cfg;

	(void)state;
	CHECK_ALL(v);
	/* 1280 itself is enough */
	assert_int_equal(ws_fwd_config_parse("t.conf", "port p0 pcap rx a mtu 1280\naddress p0 2001:db8::1/64\n",
					     NULL, &cfg, err, sizeof(err)), 0);
	ws_fwd_config_free(&cfg);
}

static void test_errors_address(void **state)
{
	static const struct bad v[] = {
		{ true, "address p0\n", 1, "'address' needs", NULL },
		{ true, "address p0 198.18.0.2/24 extra\n", 1, "'extra'", NULL },
		{ false, "address p9 198.18.0.1/24\nport p9 pcap rx a\n", 1, "'p9'", "unknown port" },
		{ true, "address p0 198.18.0.2\n", 1, "198.18.0.2", "/LEN" },
		{ true, "address p0 198.18.0.2/0\n", 1, "198.18.0.2/0", "length" },
		{ true, "address p0 198.18.0.2/33\n", 1, "198.18.0.2/33", "/32" },
		{ true, "address p0 2001:db8::2/129\n", 1, "2001:db8::2/129", "/128" },
		{ true, "address p0 198.18.0.2/2x\n", 1, "198.18.0.2/2x", NULL },
		{ true, "address p0 198.18.o.2/24\n", 1, "198.18.o.2/24", NULL },
		{ true, "address p0 224.0.0.1/24\n", 1, "224.0.0.1/24", "multicast" },
		{ true, "address p0 ff02::1/64\n", 1, "ff02::1/64", "multicast" },
		{ true, "address p0 0.0.0.0/8\n", 1, "0.0.0.0/8", "unspecified" },
		{ true, "address p0 ::/64\n", 1, "::/64", "unspecified" },
		{ true, "address p0 127.0.0.1/8\n", 1, "127.0.0.1/8", "loopback" },
		{ true, "address p0 ::1/128\n", 1, "::1/128", "loopback" },
		{ true, "address p0 255.255.255.255/32\n", 1, "255.255.255.255", "broadcast" },
		{ true, "address p0 198.18.4.0/24\n", 1, "198.18.4.0/24", "network" },
		{ true, "address p0 198.18.4.255/24\n", 1, "198.18.4.255/24", "broadcast" },
		{ true, "address p0 198.18.4.3/30\n", 1, "198.18.4.3/30", "broadcast" },
		{ true, "address p0 198.18.0.1/16\n", 1, "198.18.0.1", "already on port p0 (line 3)" },
		{ true, "address p1 198.18.0.1/24\n", 1, "198.18.0.1", "p0" },
		{ true, "address p1 2001:db8:1::1/48\n", 1, "2001:db8:1::1", "p0" },
	};
	struct ws_fwd_config cfg;
	char text[1024] = "port p0 pcap rx a\n";

	(void)state;
	CHECK_ALL(v);
	/* /31 and /32 have no network or broadcast address */
	assert_int_equal(ws_fwd_config_parse("t.conf", "port p0 pcap rx a\naddress p0 198.18.4.0/31\n"
					     "address p0 198.18.4.1/31\naddress p0 198.18.5.255/32\n",
					     NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.ports[0].nb_addrs, 3);
	ws_fwd_config_free(&cfg);
	/* a 9th address */
	for (int i = 0; i < 9; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "address p0 198.18.%d.1/24\n", i);
	check_bad(&(struct bad){ false, text, 10, "at most 8", "p0" });
}

static void test_errors_route(void **state)
{
	static const struct bad v[] = {
		{ true, "route 198.19.0.0/16\n", 1, "'route' needs", NULL },
		{ true, "route\n", 1, "'route' needs", NULL },
		{ true, "route 198.19.0.1/16 blackhole\n", 1, "198.19.0.1/16", "198.19.0.0/16" },
		{ true, "route 2001:db8:5::1/48 blackhole\n", 1, "host bits", "2001:db8:5::/48" },
		{ true, "route 198.19.0.0 blackhole\n", 1, "198.19.0.0", "/LEN" },
		{ true, "route 198.19.0.0/40 blackhole\n", 1, "198.19.0.0/40", NULL },
		{ true, "route 2001:db8:5::/48 via 198.18.0.2\n", 1, "198.18.0.2", "IPv4" },
		{ true, "route 198.19.0.0/16 via 2001:db8:1::2\n", 1, "2001:db8:1::2", "IPv6" },
		{ true, "route default6 via 198.18.0.2\n", 1, "198.18.0.2", "IPv4" },
		{ true, "route 198.19.0.0/16 via 198.18.9.9\n", 1, "gateway 198.18.9.9 is not on any port's subnet",
		  NULL },
		{ true, "route 198.19.0.0/16 via 198.18.0.2 dev p1\n", 1, "198.18.0.2", "p1" },
		{ true, "route 198.19.0.0/16 via 198.18.0.1\n", 1, "198.18.0.1", "our own" },
		{ true, "route 198.19.0.0/16 via 198.18.0.255\n", 1, "198.18.0.255", "broadcast" },
		{ true, "route 198.19.0.0/16 via 224.0.0.5\n", 1, "224.0.0.5", "multicast" },
		{ true, "route 198.19.0.0/16 via 198.18.0.x\n", 1, "198.18.0.x", "gateway" },
		{ true, "route 198.19.0.0/16 dev p7\n", 1, "'p7'", "unknown port" },
		{ true, "route 198.19.0.0/16 dev\n", 1, "'dev' needs a value", NULL },
		{ true, "route 198.19.0.0/16 via 198.18.0.2 via 198.18.0.3\n", 1, "'via' given twice", NULL },
		{ true, "route 198.19.0.0/16 via 198.18.0.2 metric 5\n", 1, "'metric'", NULL },
		{ true, "route 198.19.0.0/16 blackhole now\n", 1, "'now'", NULL },
		{ true, "route 198.19.0.0/16 drop\n", 1, "'drop'", NULL },
		{ true, "route 198.19.0.0/16 blackhole\nroute 198.19.0.0/16 via 198.18.0.2\n", 2, "198.19.0.0/16",
		  "line 6" },
		{ true, "route default via 198.18.0.2\nroute 0.0.0.0/0 blackhole\n", 2, "0.0.0.0/0", "line 6" },
		{ true, "route ::/0 blackhole\nroute default6 unreachable\n", 2, "default6", "line 6" },
		{ true, "route ::/0 blackhole\nroute default via 2001:db8:1::2\n", 2, "default", "line 6" },
	};
	struct ws_fwd_config cfg;

	(void)state;
	CHECK_ALL(v);
	/* the same prefix length in both families is two prefixes; and /16 and /24 of one address too */
	assert_int_equal(ws_fwd_config_parse("t.conf", PRE "route default blackhole\nroute default6 blackhole\n"
					     "route 198.19.0.0/16 blackhole\nroute 198.19.0.0/24 blackhole\n",
					     NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nb_routes, 4);
	assert_int_equal(cfg.routes[0].family, AF_INET);
	assert_int_equal(cfg.routes[1].family, AF_INET6);
	ws_fwd_config_free(&cfg);
}

static void test_errors_routes(void **state)
{
	static const struct bad v[] = {
		{ true, "routes\n", 1, "'routes' needs a FILE", NULL },
		{ true, "routes t.txt via 198.18.9.9\n", 1, "gateway 198.18.9.9 is not on any port's subnet", NULL },
		{ true, "routes t.txt via 198.18.0.2 dev p1\n", 1, "198.18.0.2", "p1" },
		{ true, "routes t.txt dev nope\n", 1, "'nope'", NULL },
		{ true, "routes t.txt proto static\n", 1, "'proto'", NULL },
		{ true, "routes a via 198.18.0.2\nroutes b\nroutes c\nroutes d dev p1\nroutes e\n", 5, "'routes'",
		  "4" },
	};

	(void)state;
	CHECK_ALL(v);
}

static void test_errors_neighbour(void **state)
{
	static const struct bad v[] = {
		{ true, "neighbour p0 198.18.0.2\n", 1, "'neighbour' needs", NULL },
		{ true, "neighbour p0 198.18.0.2 02:00:00:00:00:09 static\n", 1, "'static'", NULL },
		{ true, "neighbour px 198.18.0.2 02:00:00:00:00:09\n", 1, "'px'", "unknown port" },
		{ true, "neighbour p0 198.18.1.2 02:00:00:00:00:09\n", 1, "198.18.1.2", "p0" },
		{ true, "neighbour p0 2001:db8:2::2 02:00:00:00:00:09\n", 1, "2001:db8:2::2", "subnet" },
		{ true, "neighbour p0 198.18.0.1 02:00:00:00:00:09\n", 1, "198.18.0.1", "our own" },
		{ true, "neighbour p0 198.18.0.0 02:00:00:00:00:09\n", 1, "198.18.0.0", "network" },
		{ true, "neighbour p0 nobody 02:00:00:00:00:09\n", 1, "'nobody'", NULL },
		{ true, "neighbour p0 198.18.0.2 02-00-00-00-00-09\n", 1, "'02-00-00-00-00-09'", "MAC" },
		{ true, "neighbour p0 198.18.0.2 00:00:00:00:00:00\n", 1, "00:00:00:00:00:00", "zero" },
		{ true, "neighbour p0 198.18.0.2 02:00:00:00:00:09\nneighbour p0 198.18.0.2 02:00:00:00:00:0a\n", 2,
		  "198.18.0.2", "line 6" },
	};

	(void)state;
	CHECK_ALL(v);
}

static void test_errors_control(void **state)
{
	static const struct bad v[] = {
		{ true, "control\n", 1, "'control' needs", NULL },
		{ true, "control run/ctl.sock\n", 1, "'run/ctl.sock'", "absolute" },
		{ true, "control /run/a /run/b\n", 1, "'/run/b'", NULL },
		{ true, "control none\ncontrol /run/ws.sock\n", 2, "twice", "line 6" },
	};
	char text[256], path[128];
	struct ws_fwd_config cfg;

	(void)state;
	CHECK_ALL(v);
	/* 107 bytes fit sun_path with its NUL; 108 do not */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(text, sizeof(text), "port p0 pcap rx a\ncontrol %s\n", path);
	assert_int_equal(ws_fwd_config_parse("t.conf", text, NULL, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.control_path, path);
	ws_fwd_config_free(&cfg);
	path[107] = 'a';
	path[108] = '\0';
	snprintf(text, sizeof(text), "port p0 pcap rx a\ncontrol %s\n", path);
	check_bad(&(struct bad){ false, text, 2, "108 bytes", "control" });
}

/* An error after a line that allocated (paths) leaves nothing behind: the config is zero, and the ASan
 * build's leak check sees no lost path. */
static void test_error_after_allocations(void **state)
{
	static const struct bad v[] = {
		{ false, "port a pcap rx x.pcap tx y.pcap\nroutes r.txt\nport b pcap rx z.pcap bogus 1\n", 3, "bogus",
		  NULL },
		{ false, "port a pcap rx x.pcap tx y.pcap mtu 1\n", 1, "mtu 1", NULL },
		{ false, "port a pcap rx x.pcap\naddress a 198.18.0.1/24\nroutes r.txt via 198.18.9.1\n", 3,
		  "198.18.9.1", NULL },
		{ true, "route 198.19.0.0/16 blackhole\nneighbour p0 198.18.0.9 02:00:00:00:00:01\nfoo\n", 3, "foo",
		  NULL },
	};

	(void)state;
	CHECK_ALL(v);
}

/* ---- paths ---- */

static void test_relative_paths(void **state)
{
	static const char text[] = "port a pcap rx in.pcap tx sub/out.pcap\n"
				   "port b pcap rx /abs/in.pcap tx -\n"
				   "port c pcap rx - tx ../up.pcap\n"
				   "routes r.txt\nroutes /r/abs.txt\n";
	struct ws_fwd_config cfg;

	(void)state;
	assert_int_equal(ws_fwd_config_parse("t.conf", text, "/cfg/dir", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.ports[0].rx, "/cfg/dir/in.pcap");
	assert_string_equal(cfg.ports[0].tx, "/cfg/dir/sub/out.pcap");
	assert_string_equal(cfg.ports[1].rx, "/abs/in.pcap");
	assert_string_equal(cfg.ports[1].tx, "-");
	assert_string_equal(cfg.ports[2].rx, "-");
	assert_string_equal(cfg.ports[2].tx, "/cfg/dir/../up.pcap");
	assert_string_equal(cfg.route_files[0].path, "/cfg/dir/r.txt");
	assert_string_equal(cfg.route_files[1].path, "/r/abs.txt");
	ws_fwd_config_free(&cfg);

	/* a trailing slash is not doubled; a relative base stays relative */
	assert_int_equal(ws_fwd_config_parse("t.conf", text, "/cfg/", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.ports[0].rx, "/cfg/in.pcap");
	ws_fwd_config_free(&cfg);
	assert_int_equal(ws_fwd_config_parse("t.conf", text, "conf.d", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.ports[0].rx, "conf.d/in.pcap");
	assert_string_equal(cfg.route_files[0].path, "conf.d/r.txt");
	ws_fwd_config_free(&cfg);

	/* no base: as written (the current directory) */
	assert_int_equal(ws_fwd_config_parse("t.conf", text, NULL, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.ports[0].tx, "sub/out.pcap");
	assert_string_equal(cfg.route_files[0].path, "r.txt");
	ws_fwd_config_free(&cfg);
}

static void write_text(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_read_file(void **state)
{
	static const char text[] = "port p0 pcap rx in.pcap tx /tmp/x-out.pcap\naddress p0 198.18.0.1/24\n"
				   "routes table.txt dev p0\n";
	char dir[] = "/tmp/ws-test-config-XXXXXX", path[128], want[160];
	struct ws_fwd_config cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fwd.conf", dir);
	write_text(path, text, strlen(text));
	assert_int_equal(ws_fwd_config_read(path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nb_ports, 1);
	snprintf(want, sizeof(want), "%s/in.pcap", dir);
	assert_string_equal(cfg.ports[0].rx, want);
	assert_string_equal(cfg.ports[0].tx, "/tmp/x-out.pcap");
	snprintf(want, sizeof(want), "%s/table.txt", dir);
	assert_string_equal(cfg.route_files[0].path, want);
	assert_int_equal(cfg.route_files[0].nh.port, 0);
	ws_fwd_config_free(&cfg);

	/* an error names the file as given */
	write_text(path, "port p0 pcap rx a\nport p0 pcap rx b\n", 36);
	assert_int_equal(ws_fwd_config_read(path, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_true(is_zero(&cfg, sizeof(cfg)));

	/* a NUL byte would hide what follows it */
	write_text(path, "port p0 pcap rx a\n\0port\n", 24);
	assert_int_equal(ws_fwd_config_read(path, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "NUL"));

	/* a directory is no file */
	assert_true(ws_fwd_config_read(dir, &cfg, err, sizeof(err)) < 0);
	assert_true(is_zero(&cfg, sizeof(cfg)));

	assert_int_equal(unlink(path), 0);
	/* and now it is missing */
	assert_int_equal(ws_fwd_config_read(path, &cfg, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_true(is_zero(&cfg, sizeof(cfg)));
	/* err may be NULL */
	assert_int_equal(ws_fwd_config_read(path, &cfg, NULL, 0), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- port_for ---- */

static void test_port_for(void **state)
{
	static const char text[] = "port wide pcap rx a\nport mid pcap rx b\nport narrow pcap rx c\n"
				   "port tie pcap rx d\n"
				   "address wide 198.18.0.1/16\n"
				   "address mid 198.18.1.1/24\n"
				   "address narrow 198.18.1.129/25\n"
				   "address wide 2001:db8::1/32\n"
				   "address mid 2001:db8:1::1/48\n"
				   "address tie 198.18.1.2/24\n"
				   "route 198.19.0.0/16 via 198.18.1.200\n"
				   "route 198.19.1.0/24 via 198.18.1.5\n"
				   "route 198.19.2.0/24 via 198.18.7.7\n";
	struct ws_fwd_config cfg;
	uint8_t a[16];

	(void)state;
	assert_int_equal(ws_fwd_config_parse("t.conf", text, NULL, &cfg, err, sizeof(err)), 0);
	addr("198.18.1.200", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET, a), 2);
	addr("198.18.1.5", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET, a), 1); /* mid and tie: the first wins */
	addr("198.18.200.1", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET, a), 0);
	addr("198.19.0.1", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET, a), -1);
	addr("2001:db8:1:2::5", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET6, a), 1);
	addr("2001:db8:2::5", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET6, a), 0);
	addr("2001:db9::1", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET6, a), -1);
	/* the family counts, not just the bytes: 198.18.x.x read as IPv6 is c612:: */
	addr("198.18.1.200", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET6, a), -1);
	/* routes without dev took the same ports */
	assert_int_equal(cfg.routes[0].nh.port, 2);
	assert_string_equal(cfg.routes[0].nh.dev, "narrow");
	assert_int_equal(cfg.routes[1].nh.port, 1);
	assert_int_equal(cfg.routes[2].nh.port, 0);
	ws_fwd_config_free(&cfg);

	/* no addresses at all */
	assert_int_equal(ws_fwd_config_parse("t.conf", "port p pcap rx a\n", NULL, &cfg, err, sizeof(err)), 0);
	addr("198.18.1.200", a);
	assert_int_equal(ws_fwd_config_port_for(&cfg, AF_INET, a), -1);
	ws_fwd_config_free(&cfg);
}

/* ---- freeing ---- */

static void test_free_config(void **state)
{
	struct ws_fwd_config cfg;
	char text[16384];
	size_t n;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	ws_fwd_config_free(&cfg); /* an empty config */

	/* enough routes and neighbours to grow the arrays a few times */
	n = (size_t)snprintf(text, sizeof(text), "%s", full);
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "route 198.19.%d.0/24 via 198.18.1.%d\n"
				      "neighbour p1 198.18.1.%d 02:00:00:00:bb:%02x\n", 100 + i, 3 + i, 3 + i, i);
	assert_true(n < sizeof(text));
	assert_int_equal(ws_fwd_config_parse("full.conf", text, "/etc/ws", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nb_routes, 110);
	assert_int_equal(cfg.nb_neighbours, 102);
	assert_int_equal(cfg.routes[109].line, 27 + 199);
	ws_fwd_config_free(&cfg);
	assert_true(is_zero(&cfg, sizeof(cfg)));
	ws_fwd_config_free(&cfg); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_minimal_config), cmocka_unit_test(test_interface_ports),
		cmocka_unit_test(test_errors_general),
		cmocka_unit_test(test_errors_port),
		cmocka_unit_test(test_errors_mac_mtu),
		cmocka_unit_test(test_errors_address),
		cmocka_unit_test(test_errors_route),
		cmocka_unit_test(test_errors_routes),
		cmocka_unit_test(test_errors_neighbour),
		cmocka_unit_test(test_errors_control),
		cmocka_unit_test(test_error_after_allocations),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_port_for),
		cmocka_unit_test(test_free_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
