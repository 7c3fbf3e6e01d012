/* SPDX-License-Identifier: BSD-3-Clause */
/* The pcap port: what a TX port writes an RX port reads back unchanged and in
 * order, the output is deterministic, pcapng is read, every kind of bad file
 * gets a message that names it, and records that cannot be delivered are
 * counted. Files live in a mkdtemp directory removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pool.h"
#include "io/pcap.h"

static char dir[] = "/tmp/ws-test-pcap-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[8][256];
	static unsigned next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static struct ws_pool *pool_new(uint32_t frame_size)
{
	struct ws_pool_config pc = { .nb_frames = 256, .frame_size = frame_size, .huge = WS_POOL_HUGE_NEVER };
	struct ws_pool *p = ws_pool_create(&pc);

	assert_non_null(p);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long sz;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	fclose(f);
	return (size_t)sz;
}

/* A classic pcap file header in host order (readers accept either order). */
static void put_pcap_header(FILE *f, uint32_t linktype)
{
	uint32_t h[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, linktype };

	assert_int_equal(fwrite(h, sizeof(h), 1, f), 1);
}

static void put_record(FILE *f, uint32_t caplen, uint32_t len, uint8_t fill)
{
	uint32_t h[4] = { 0, 0, caplen, len };
	uint8_t d[2048];

	memset(d, fill, sizeof(d));
	assert_true(caplen <= sizeof(d));
	assert_int_equal(fwrite(h, sizeof(h), 1, f), 1);
	assert_int_equal(fwrite(d, 1, caplen, f), caplen);
}

static unsigned size_of(unsigned i)
{
	/* the shortest and longest a default frame takes, and between */
	static const unsigned sizes[] = { 14, 60, 64, 127, 1514, 2048 - WS_PKT_HEADROOM, 15, 500 };

	return sizes[i % 8];
}

static uint8_t byte_of(unsigned i, unsigned k)
{
	return (uint8_t)(i * 31 + k * 7 + (k >> 8));
}

/* Write n frames of size_of(i) bytes through a TX port at path. */
static void write_frames(struct ws_pool *pool, const char *path, unsigned n)
{
	char err[512];
	struct ws_port *tx = ws_pcap_port_open_tx("out", 1, pool, path, err, sizeof(err));
	struct ws_pkt *pk[16];
	uint64_t bytes = 0;

	assert_non_null(tx);
	assert_string_equal(tx->ops->kind, "pcap");
	for (unsigned i = 0; i < n;) {
		unsigned b = n - i < 16 ? n - i : 16;

		assert_int_equal(ws_pool_get_bulk(pool, pk, b), 0);
		for (unsigned j = 0; j < b; j++, i++) {
			unsigned sz = size_of(i);

			ws_pkt_rx_init(pk[j], WS_PKT_HEADROOM, (uint16_t)sz, 0, 0);
			for (unsigned k = 0; k < sz; k++)
				ws_pkt_data(pk[j])[k] = byte_of(i, k);
			bytes += sz;
		}
		assert_int_equal(ws_port_tx_burst(tx, pk, b), b);
	}
	assert_int_equal(tx->stats.tx_packets, n);
	assert_int_equal(tx->stats.tx_bytes, bytes);
	assert_int_equal(tx->stats.tx_errors, 0);
	assert_int_equal(ws_port_flush(tx), 0);
	/* a TX port receives nothing and has no input to wait for */
	assert_int_equal(ws_port_rx_burst(tx, pk, 16), 0);
	assert_true(ws_pcap_port_rx_done(tx));
	assert_int_equal(ws_pcap_port_rx_error(tx, err, sizeof(err)), 0);
	ws_port_close(tx);
}

static struct ws_port *open_rx(struct ws_pool *pool, const char *path)
{
	char err[512] = "";
	struct ws_port *rx = ws_pcap_port_open_rx("in", 7, pool, path, err, sizeof(err));

	if (!rx)
		fail_msg("open_rx: %s", err);
	return rx;
}

/* Read everything; returns how many, checking each against size_of/byte_of
 * with seq as the index. */
static unsigned read_check(struct ws_port *rx, unsigned burst)
{
	struct ws_pkt *pk[64];
	unsigned got, total = 0;

	while ((got = ws_port_rx_burst(rx, pk, burst)) != 0) {
		for (unsigned j = 0; j < got; j++) {
			unsigned i = pk[j]->seq;
			const uint8_t *d = ws_pkt_data(pk[j]);

			assert_int_equal(i, total + j);
			assert_int_equal(pk[j]->in_port, 7);
			assert_int_equal(pk[j]->data_off, WS_PKT_HEADROOM);
			assert_int_equal(pk[j]->rx_tsc, 0);
			assert_int_equal(pk[j]->data_len, size_of(i));
			for (unsigned k = 0; k < size_of(i); k++)
				assert_int_equal(d[k], byte_of(i, k));
		}
		total += got;
		ws_pool_put_bulk(rx->pool, pk, got);
	}
	return total;
}

static void test_roundtrip(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *a = tmp_path("rt.pcap"), *b = tmp_path("rt2.pcap");
	struct ws_pcap_stats st;
	struct ws_pkt *pk[4];
	struct ws_port *rx;
	char err[512];
	uint64_t bytes = 0;

	(void)state;
	write_frames(pool, a, 203);
	assert_int_equal(ws_pool_avail(pool), 256);
	rx = open_rx(pool, a);
	assert_false(ws_pcap_port_rx_done(rx));
	assert_int_equal(read_check(rx, 32), 203);
	assert_true(ws_pcap_port_rx_done(rx));
	assert_int_equal(ws_pcap_port_rx_error(rx, err, sizeof(err)), 0);
	assert_int_equal(ws_pcap_port_stats(rx, &st), 0);
	assert_int_equal(st.too_long + st.too_short + st.truncated, 0);
	for (unsigned i = 0; i < 203; i++)
		bytes += size_of(i);
	assert_int_equal(rx->stats.rx_packets, 203);
	assert_int_equal(rx->stats.rx_bytes, bytes);
	/* an RX port takes nothing to send; the frames stay the caller's */
	assert_int_equal(ws_pool_get_bulk(pool, pk, 4), 0);
	assert_int_equal(ws_port_tx_burst(rx, pk, 4), 0);
	ws_pool_put_bulk(pool, pk, 4);
	/* after the end it stays at the end */
	assert_int_equal(ws_port_rx_burst(rx, pk, 4), 0);
	ws_port_close(rx);
	assert_int_equal(ws_pool_avail(pool), 256);

	/* a burst of one */
	rx = open_rx(pool, a);
	assert_int_equal(read_check(rx, 1), 203);
	ws_port_close(rx);

	/* the same frames give the same file, byte for byte */
	write_frames(pool, b, 203);
	{
		size_t n = file_size(a);
		uint8_t *x = malloc(n), *y = malloc(n);
		FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");

		assert_int_equal(file_size(b), n);
		assert_true(x && y && fa && fb);
		assert_int_equal(fread(x, 1, n, fa), n);
		assert_int_equal(fread(y, 1, n, fb), n);
		assert_memory_equal(x, y, n);
		fclose(fa);
		fclose(fb);
		free(x);
		free(y);
	}
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

/* The file itself as libpcap reads it: Ethernet, snaplen 65535, packet k at k µs. */
static void test_tx_file_format(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *a = tmp_path("fmt.pcap");
	char pcerr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	unsigned k = 0;

	(void)state;
	write_frames(pool, a, 20);
	pc = pcap_open_offline(a, pcerr);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(pc), 65535);
	assert_int_equal(pcap_major_version(pc), 2);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		assert_int_equal(h->ts.tv_sec, 0);
		assert_int_equal(h->ts.tv_usec, k);
		assert_int_equal(h->caplen, size_of(k));
		assert_int_equal(h->len, size_of(k));
		k++;
	}
	assert_int_equal(k, 20);
	pcap_close(pc);
	ws_pool_free(pool);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* host order: the byte-order magic says which */
}

static void test_pcapng(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *a = tmp_path("in.pcapng");
	uint8_t f[28 + 20 + 2 * (32 + 72)], *p = f;
	struct ws_pkt *pk[8];
	struct ws_port *rx;

	(void)state;
	memset(f, 0, sizeof(f));
	/* section header block: type, length, byte-order magic, version 1.0,
	 * section length -1 (unknown), length again */
	put32(p, 0x0a0d0d0a), put32(p + 4, 28), put32(p + 8, 0x1a2b3c4d), put32(p + 12, 1);
	put32(p + 16, 0xffffffff), put32(p + 20, 0xffffffff), put32(p + 24, 28);
	p += 28;
	/* interface description block: linktype 1 (Ethernet), snaplen 0 (none) */
	put32(p, 1), put32(p + 4, 20), put32(p + 8, 1), put32(p + 12, 0), put32(p + 16, 20);
	p += 20;
	/* two enhanced packet blocks of 60 and 70 bytes, padded to 72 */
	for (unsigned i = 0; i < 2; i++) {
		unsigned len = 60 + 10 * i, blk = 32 + 72;

		put32(p, 6), put32(p + 4, blk), put32(p + 8, 0), put32(p + 12, 0), put32(p + 16, 1000 + i);
		put32(p + 20, len), put32(p + 24, len);
		for (unsigned k = 0; k < len; k++)
			p[28 + k] = (uint8_t)(i + k);
		put32(p + blk - 4, blk);
		p += blk;
	}
	assert_int_equal(p - f, sizeof(f));
	write_file(a, f, sizeof(f));

	rx = open_rx(pool, a);
	assert_int_equal(ws_port_rx_burst(rx, pk, 8), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pk[i]->seq, i);
		assert_int_equal(pk[i]->data_len, 60 + 10 * i);
		for (unsigned k = 0; k < 60 + 10 * i; k++)
			assert_int_equal(ws_pkt_data(pk[i])[k], (uint8_t)(i + k));
	}
	ws_pool_put_bulk(pool, pk, 2);
	assert_true(ws_pcap_port_rx_done(rx));
	assert_int_equal(ws_pcap_port_rx_error(rx, NULL, 0), 0);
	ws_port_close(rx);
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

/* Opening path must fail with errno e and a message naming path and saying what. */
static void expect_open_error(const char *path, int e, const char *what)
{
	struct ws_pool *pool = pool_new(0);
	char err[512] = "";

	errno = 0;
	assert_null(ws_pcap_port_open_rx("in", 0, pool, path, err, sizeof(err)));
	assert_int_equal(errno, e);
	if (!strstr(err, path) || !strstr(err, what))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err, path, what);
	/* err may be left out */
	assert_null(ws_pcap_port_open_rx("in", 0, pool, path, NULL, 0));
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

static void test_bad_files(void **state)
{
	const char *text = tmp_path("routes.txt"), *empty = tmp_path("empty.pcap");
	const char *shorthdr = tmp_path("short.pcap"), *raw = tmp_path("raw.pcap");
	static const char txt[] = "10.0.0.0/8 via 192.0.2.1\n192.168.0.0/16 via 192.0.2.2\n";
	FILE *f;

	(void)state;
	write_file(text, txt, sizeof(txt) - 1);
	expect_open_error(text, EINVAL, "not a pcap or pcapng capture");
	write_file(empty, "", 0);
	expect_open_error(empty, EINVAL, "empty");
	expect_open_error(tmp_path("missing.pcap"), ENOENT, "No such file");
	expect_open_error(dir, EISDIR, "cannot read");

	/* a pcap magic number and half a header */
	f = fopen(shorthdr, "wb");
	assert_non_null(f);
	put_pcap_header(f, 1);
	fclose(f);
	assert_int_equal(truncate(shorthdr, 10), 0);
	expect_open_error(shorthdr, EINVAL, "truncated");

	/* linktype 101, LINKTYPE_RAW: libpcap names it DLT_RAW, "RAW" */
	f = fopen(raw, "wb");
	assert_non_null(f);
	put_pcap_header(f, 101);
	put_record(f, 40, 40, 0x45);
	fclose(f);
	expect_open_error(raw, EINVAL, "link type RAW");
}

static void test_tx_open_error(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *path = tmp_path("no/such/dir.pcap");
	char err[512] = "";

	(void)state;
	errno = 0;
	assert_null(ws_pcap_port_open_tx("out", 0, pool, path, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	if (!strstr(err, path))
		fail_msg("message \"%s\" does not name %s", err, path);
	ws_pool_free(pool);
}

/* A file cut inside its last record: the good ones come, then the error. */
static void test_truncated_file(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *a = tmp_path("cut.pcap");
	struct ws_pcap_stats st;
	struct ws_port *rx;
	char err[512] = "";

	(void)state;
	write_frames(pool, a, 6);
	/* the last record (size_of(5) bytes + 16 of header) cut in half */
	assert_int_equal(truncate(a, (off_t)(file_size(a) - (16 + size_of(5)) / 2)), 0);
	rx = open_rx(pool, a);
	assert_int_equal(read_check(rx, 4), 5);
	assert_true(ws_pcap_port_rx_done(rx));
	assert_int_equal(ws_pcap_port_rx_error(rx, err, sizeof(err)), -EIO);
	if (!strstr(err, a) || !strstr(err, "truncated") || !strstr(err, "after 5 "))
		fail_msg("rx error \"%s\"", err);
	assert_int_equal(ws_pcap_port_stats(rx, &st), 0);
	assert_int_equal(st.too_long + st.too_short + st.truncated, 0);
	assert_int_equal(rx->stats.rx_packets, 5);
	ws_port_close(rx);
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

/* Records that cannot be delivered are counted, the others come with their
 * record numbers. frame_size 512 holds 256 bytes of packet. */
static void test_skipped_records(void **state)
{
	struct ws_pool *pool = pool_new(512);
	const char *a = tmp_path("skip.pcap");
	static const struct { uint32_t caplen, len; bool ok; } recs[] = {
		{ 60, 60, true },     /* 0 */
		{ 60, 1514, false },  /* 1: truncated at capture */
		{ 10, 10, false },    /* 2: too short */
		{ 256, 256, true },   /* 3: exactly fills the frame */
		{ 257, 257, false },  /* 4: too long */
		{ 1514, 1514, false },/* 5: too long */
		{ 14, 14, true },     /* 6: a bare Ethernet header */
		{ 0, 0, false },      /* 7: too short */
		{ 300, 400, false },  /* 8: truncated (and too long: counted once) */
	};
	struct ws_pcap_stats st;
	struct ws_pkt *pk[16];
	struct ws_port *rx;
	unsigned got = 0, n;
	FILE *f;

	(void)state;
	f = fopen(a, "wb");
	assert_non_null(f);
	put_pcap_header(f, 1);
	for (unsigned i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		put_record(f, recs[i].caplen, recs[i].len, (uint8_t)(0xa0 + i));
	assert_int_equal(fclose(f), 0);

	rx = open_rx(pool, a);
	/* bursts of 2: a burst goes on past skipped records to fill itself */
	while ((n = ws_port_rx_burst(rx, pk, 2)) != 0) {
		for (unsigned j = 0; j < n; j++) {
			unsigned i = pk[j]->seq;

			assert_true(recs[i].ok);
			assert_int_equal(pk[j]->data_len, recs[i].len);
			for (unsigned k = 0; k < recs[i].len; k++)
				assert_int_equal(ws_pkt_data(pk[j])[k], 0xa0 + i);
		}
		got += n;
		ws_pool_put_bulk(pool, pk, n);
	}
	assert_int_equal(got, 3);
	assert_true(ws_pcap_port_rx_done(rx));
	assert_int_equal(ws_pcap_port_rx_error(rx, NULL, 0), 0);
	assert_int_equal(ws_pcap_port_stats(rx, &st), 0);
	assert_int_equal(st.truncated, 2);
	assert_int_equal(st.too_short, 2);
	assert_int_equal(st.too_long, 2);
	assert_int_equal(rx->stats.rx_packets, 3);
	assert_int_equal(rx->stats.rx_bytes, 60 + 256 + 14);
	ws_port_close(rx);
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

/* When the pool cannot supply the burst, nothing is read and nothing lost. */
static void test_pool_empty(void **state)
{
	struct ws_pool *pool = pool_new(0);
	const char *a = tmp_path("pool.pcap");
	struct ws_pkt *held[256], *pk[8];
	struct ws_port *rx;

	(void)state;
	write_frames(pool, a, 3);
	rx = open_rx(pool, a);
	assert_int_equal(ws_pool_get_bulk(pool, held, 256), 0);
	assert_int_equal(ws_port_rx_burst(rx, pk, 8), 0);
	assert_false(ws_pcap_port_rx_done(rx));
	ws_pool_put_bulk(pool, held, 256);
	assert_int_equal(read_check(rx, 8), 3);
	ws_port_close(rx);
	assert_int_equal(ws_pool_avail(pool), 256);
	ws_pool_free(pool);
}

/* The accessors refuse a port of another kind. */
static unsigned no_burst(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	(void)port;
	(void)pkts;
	(void)n;
	return 0;
}

static void test_not_pcap_port(void **state)
{
	static const struct ws_port_ops other = { .kind = "other", .rx_burst = no_burst, .tx_burst = no_burst };
	struct ws_port port = { .ops = &other };
	struct ws_pcap_stats st;

	(void)state;
	assert_int_equal(ws_pcap_port_stats(&port, &st), -EINVAL);
	assert_int_equal(ws_pcap_port_rx_error(&port, NULL, 0), -EINVAL);
	assert_false(ws_pcap_port_rx_done(&port));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tx_file_format),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_tx_open_error),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_skipped_records),
		cmocka_unit_test(test_pool_empty),
		cmocka_unit_test(test_not_pcap_port),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
