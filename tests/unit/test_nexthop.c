/* SPDX-License-Identifier: BSD-3-Clause */
/* The nexthop table: sharing equal entries, reference counts, id reuse,
 * limits, bad keys, and a random stream against a reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib/nexthop.h"

static struct ws_nexthop_key gw4(uint32_t a, const char *dev)
{
	struct ws_nexthop_key k;

	memset(&k, 0, sizeof(k));
	k.type = WS_NH_UNICAST;
	k.port = WS_NH_PORT_NONE;
	k.gw_family = AF_INET;
	ws_fib_v4_to_bytes(a, k.gw);
	strncpy(k.dev, dev, sizeof(k.dev) - 1);
	return k;
}

static void test_create_limits(void **state)
{
	struct ws_nh_table *t;

	(void)state;
	errno = 0;
	assert_null(ws_nh_table_create(0));
	assert_int_equal(errno, EINVAL);
	assert_null(ws_nh_table_create(WS_FIB_MAX_NEXTHOPS + 1));
	t = ws_nh_table_create(WS_FIB_MAX_NEXTHOPS);
	assert_non_null(t);
	assert_int_equal(ws_nh_max(t), WS_FIB_MAX_NEXTHOPS);
	assert_int_equal(ws_nh_count(t), 0);
	ws_nh_table_free(t);
	ws_nh_table_free(NULL);
}

static void test_share_and_refcount(void **state)
{
	struct ws_nh_table *t = ws_nh_table_create(16);
	struct ws_nexthop_key a = gw4(0xc6120001, "veth0"), b = gw4(0xc6120002, "veth0");
	struct ws_nexthop_key a2 = a;
	const struct ws_nexthop *e;
	int ia, ib;

	(void)state;
	ia = ws_nh_get_or_add(t, &a);
	assert_true(ia >= 0 && ia < 16);
	/* bytes past the IPv4 gateway and past the device's NUL do not count */
	a2.gw[10] = 0x55;
	a2.dev[10] = 'x';
	assert_int_equal(ws_nh_get_or_add(t, &a2), ia);
	ib = ws_nh_get_or_add(t, &b);
	assert_true(ib >= 0 && ib != ia);
	assert_int_equal(ws_nh_count(t), 2);

	e = ws_nh_lookup(t, (uint32_t)ia);
	assert_non_null(e);
	assert_int_equal(e->refcnt, 2);
	assert_int_equal(e->key.gw_family, AF_INET);
	assert_int_equal(e->key.gw[10], 0);
	assert_string_equal(e->key.dev, "veth0");
	assert_int_equal(e->mac_valid, 0);

	assert_int_equal(ws_nh_ref(t, (uint32_t)ia), 0);
	assert_int_equal(ws_nh_unref(t, (uint32_t)ia), 2);
	assert_int_equal(ws_nh_unref(t, (uint32_t)ia), 1);
	assert_int_equal(ws_nh_unref(t, (uint32_t)ia), 0);
	assert_null(ws_nh_lookup(t, (uint32_t)ia));
	assert_int_equal(ws_nh_unref(t, (uint32_t)ia), -ENOENT);
	assert_int_equal(ws_nh_ref(t, (uint32_t)ia), -ENOENT);
	assert_int_equal(ws_nh_count(t), 1);
	/* b is still found after a's removal moved things in the hash */
	assert_int_equal(ws_nh_get_or_add(t, &b), ib);
	/* a freed id is reused */
	assert_int_equal(ws_nh_get_or_add(t, &a), ia);
	assert_null(ws_nh_lookup(t, 99));
	assert_int_equal(ws_nh_ref(t, 99), -ENOENT);
	ws_nh_table_free(t);
}

static void test_full_and_bad_keys(void **state)
{
	struct ws_nh_table *t = ws_nh_table_create(8);
	struct ws_nexthop_key k;

	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		k = gw4(0x0a000001 + i, "eth0");
		assert_int_equal(ws_nh_get_or_add(t, &k), (int)i); /* ids from 0 up */
	}
	k = gw4(0x0a0000ff, "eth0");
	assert_int_equal(ws_nh_get_or_add(t, &k), -ENOSPC);
	assert_int_equal(ws_nh_unref(t, 3), 0);
	assert_int_equal(ws_nh_get_or_add(t, &k), 3);

	k = gw4(1, "eth0");
	k.type = 99;
	assert_int_equal(ws_nh_get_or_add(t, &k), -EINVAL);
	k = gw4(1, "eth0");
	k.gw_family = 7;
	assert_int_equal(ws_nh_get_or_add(t, &k), -EINVAL);
	k = gw4(1, "eth0");
	memset(k.dev, 'a', sizeof(k.dev)); /* no NUL */
	assert_int_equal(ws_nh_get_or_add(t, &k), -EINVAL);
	ws_nh_table_free(t);
}

static void test_types_mac_format(void **state)
{
	struct ws_nh_table *t = ws_nh_table_create(16);
	struct ws_nexthop_key k;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	char buf[96];
	int id, bh;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.type = WS_NH_BLACKHOLE;
	k.port = WS_NH_PORT_NONE;
	bh = ws_nh_get_or_add(t, &k);
	assert_true(bh >= 0);
	assert_string_equal(ws_nh_format(&k, buf, sizeof(buf)), "blackhole");
	k.type = WS_NH_UNREACHABLE;
	assert_int_not_equal(ws_nh_get_or_add(t, &k), bh);

	k = gw4(0xc6120001, "veth0");
	assert_string_equal(ws_nh_format(&k, buf, sizeof(buf)), "via 198.18.0.1 dev veth0");
	k.port = 3;
	assert_string_equal(ws_nh_format(&k, buf, sizeof(buf)), "via 198.18.0.1 dev veth0 port 3");
	memset(&k, 0, sizeof(k));
	k.port = WS_NH_PORT_NONE;
	assert_string_equal(ws_nh_format(&k, buf, sizeof(buf)), "direct");
	k.gw_family = AF_INET6;
	k.gw[0] = 0xfe;
	k.gw[1] = 0x80;
	k.gw[15] = 1;
	assert_string_equal(ws_nh_format(&k, buf, sizeof(buf)), "via fe80::1");
	assert_string_equal(ws_nh_format(&k, buf, 5), "via ");

	id = ws_nh_get_or_add(t, &k);
	assert_true(id >= 0);
	assert_int_equal(ws_nh_set_mac(t, (uint32_t)id, mac), 0);
	assert_int_equal(ws_nh_lookup(t, (uint32_t)id)->mac_valid, 1);
	assert_memory_equal(ws_nh_lookup(t, (uint32_t)id)->mac, mac, 6);
	assert_int_equal(ws_nh_set_mac(t, 15, mac), -ENOENT);
	ws_nh_table_free(t);
}

/* Random gets and unrefs of 300 keys in a table of 200 ids against a
 * reference of who holds what: exercises the hash's backward-shift delete. */
static void test_random_stream(void **state)
{
	enum { KEYS = 300, MAX = 200 };
	struct ws_nh_table *t = ws_nh_table_create(MAX);
	static int id_of[KEYS];
	static unsigned refs[KEYS];
	uint64_t rng = 5;
	size_t live = 0;

	(void)state;
	for (int i = 0; i < KEYS; i++)
		id_of[i] = -1;
	for (int op = 0; op < 200000; op++) {
		uint64_t r = (rng = rng * 6364136223846793005ull + 1442695040888963407ull) >> 33;
		int key = (int)(r % KEYS);
		struct ws_nexthop_key k = gw4(0x0a000000u + (uint32_t)key * 7919u, key % 2 ? "a" : "b");

		if ((r >> 20) % 2 && refs[key]) {
			int left = ws_nh_unref(t, (uint32_t)id_of[key]);

			assert_int_equal(left, (int)refs[key] - 1);
			if (--refs[key] == 0) {
				id_of[key] = -1;
				live--;
			}
		} else {
			int id = ws_nh_get_or_add(t, &k);

			if (refs[key]) {
				assert_int_equal(id, id_of[key]);
			} else if (live == MAX) {
				assert_int_equal(id, -ENOSPC);
				continue;
			} else {
				assert_true(id >= 0 && id < MAX);
				id_of[key] = id;
				live++;
			}
			refs[key]++;
		}
		assert_int_equal(ws_nh_count(t), live);
	}
	for (int i = 0; i < KEYS; i++) {
		if (!refs[i])
			continue;
		const struct ws_nexthop *e = ws_nh_lookup(t, (uint32_t)id_of[i]);

		assert_non_null(e);
		assert_int_equal(e->refcnt, refs[i]);
		assert_int_equal(ws_fib_v4_from_bytes(e->key.gw), 0x0a000000u + (uint32_t)i * 7919u);
	}
	ws_nh_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_limits),
		cmocka_unit_test(test_share_and_refcount),
		cmocka_unit_test(test_full_and_bad_keys),
		cmocka_unit_test(test_types_mac_format),
		cmocka_unit_test(test_random_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
