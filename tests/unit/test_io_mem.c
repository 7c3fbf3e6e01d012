/* SPDX-License-Identifier: BSD-3-Clause */
/* The mem port: frames are well-formed (lengths, IPv4 header checksum),
 * destinations come from the given array, the count limit holds, the sink
 * counts and returns frames to the pool, bad configs are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pool.h"
#include "io/mem.h"

static const uint8_t port_mac[6] = { 0x02, 0, 0, 0, 0, 1 };

static struct ws_pool *pool_new(void)
{
	struct ws_pool_config pc = { .nb_frames = 1024, .cache_size = 0, .huge = WS_POOL_HUGE_NEVER };
	struct ws_pool *p = ws_pool_create(&pc);

	assert_non_null(p);
	return p;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void test_ipv4_frames(void **state)
{
	struct ws_pool *pool = pool_new();
	uint32_t dsts[3] = { 0xC6120001, 0xC6120102, 0xC6130203 };
	struct ws_mem_config c = { .family = AF_INET, .dsts = dsts, .nb_dsts = 3, .seed = 5, .count = 100,
				   .sizes = { 60, 1514 }, .nb_sizes = 2, .src_ip = { 198, 18, 0, 9 } };
	struct ws_port *port = ws_mem_port_create("m0", 3, pool, port_mac, &c);
	struct ws_pkt *pk[64];
	unsigned got, total = 0, seen[3] = { 0 }, big = 0;

	(void)state;
	assert_non_null(port);
	while ((got = ws_port_rx_burst(port, pk, 64)) != 0) {
		for (unsigned i = 0; i < got; i++) {
			const uint8_t *d = ws_pkt_data(pk[i]);
			uint32_t s = 0, dst = (uint32_t)get16(d + 30) << 16 | get16(d + 32);

			assert_int_equal(pk[i]->in_port, 3);
			assert_memory_equal(d, port_mac, 6);
			assert_int_equal(get16(d + 12), 0x0800);
			assert_true(pk[i]->data_len == 60 || pk[i]->data_len == 1514);
			big += pk[i]->data_len == 1514;
			assert_int_equal(get16(d + 16), pk[i]->data_len - 14);
			assert_int_equal(get16(d + 38), pk[i]->data_len - 34);
			for (unsigned k = 0; k < 20; k += 2)
				s += get16(d + 14 + k);
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			assert_int_equal(s, 0xffff); /* header checksum verifies */
			for (unsigned k = 0; k < 3; k++)
				seen[k] += dst == dsts[k];
			assert_int_equal(pk[i]->seq, total + i);
		}
		total += got;
		assert_int_equal(ws_port_tx_burst(port, pk, got), got);
	}
	assert_int_equal(total, 100);
	assert_true(seen[0] && seen[1] && seen[2] && seen[0] + seen[1] + seen[2] == 100);
	assert_true(big > 0 && big < 100);
	assert_int_equal(port->stats.rx_packets, 100);
	assert_int_equal(port->stats.tx_packets, 100);
	assert_int_equal(port->stats.rx_bytes, port->stats.tx_bytes);
	assert_int_equal(ws_pool_avail(pool), 1024);
	ws_port_close(port);
	ws_pool_free(pool);
}

static void test_ipv6_frames(void **state)
{
	struct ws_pool *pool = pool_new();
	uint8_t dst[1][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 } };
	struct ws_mem_config c = { .family = AF_INET6, .dsts = dst, .nb_dsts = 1, .count = 10 };
	struct ws_port *port = ws_mem_port_create("m6", 0, pool, port_mac, &c);
	struct ws_pkt *pk[16];

	(void)state;
	assert_non_null(port);
	assert_int_equal(ws_port_rx_burst(port, pk, 16), 10);
	for (unsigned i = 0; i < 10; i++) {
		const uint8_t *d = ws_pkt_data(pk[i]);

		assert_int_equal(pk[i]->data_len, 62);
		assert_int_equal(get16(d + 12), 0x86dd);
		assert_int_equal(d[14] >> 4, 6);
		assert_int_equal(get16(d + 18), 8); /* payload length: the UDP header */
		assert_int_equal(d[20], 17);
		assert_memory_equal(d + 38, dst[0], 16);
	}
	assert_int_equal(ws_port_rx_burst(port, pk + 10, 6), 0);
	ws_port_tx_burst(port, pk, 10);
	ws_port_close(port);
	ws_pool_free(pool);
}

static void test_bad_config(void **state)
{
	struct ws_pool *pool = pool_new();
	uint32_t d = 1;
	struct ws_mem_config c = { .family = AF_INET, .dsts = &d, .nb_dsts = 1 };

	(void)state;
	c.family = AF_UNIX;
	assert_null(ws_mem_port_create("x", 0, pool, port_mac, &c));
	assert_int_equal(errno, EINVAL);
	c.family = AF_INET;
	c.nb_dsts = 0;
	assert_null(ws_mem_port_create("x", 0, pool, port_mac, &c));
	c.nb_dsts = 1;
	c.sizes[0] = 59;
	c.nb_sizes = 1;
	assert_null(ws_mem_port_create("x", 0, pool, port_mac, &c));
	c.sizes[0] = 1900; /* does not fit a 2048-byte frame after the headroom */
	assert_null(ws_mem_port_create("x", 0, pool, port_mac, &c));
	ws_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_frames),
		cmocka_unit_test(test_ipv6_frames),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
