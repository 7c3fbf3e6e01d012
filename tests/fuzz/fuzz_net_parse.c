/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net_parse.c: libFuzzer target for ws_net_parse, the first code to
 * touch bytes from the wire. Each input becomes one frame laid out like a pool
 * frame (struct ws_pkt, then the data at WS_PKT_HEADROOM) in an allocation
 * that ends at the last input byte, so ASan traps any read past data_len.
 * Beyond "no crash", it checks what parse.h promises after WS_NET_OK, and
 * that the burst form agrees with the single one.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *       tests/fuzz/fuzz_net_parse.c src/net/parse.c -o fuzz_net_parse
 *   ./fuzz_net_parse -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pkt.h"
#include "net/net.h"
#include "net/parse.h"

static struct ws_pkt *frame_new(const uint8_t *data, size_t len)
{
	void *mem = NULL;
	struct ws_pkt *p;

	if (posix_memalign(&mem, WS_CACHE_LINE, WS_PKT_HEADROOM + len))
		abort();
	p = mem;
	ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, 0, 0);
	if (len)
		memcpy(ws_pkt_data(p), data, len);
	return p;
}


/* The post-conditions of WS_NET_OK (parse.h); a violation is a bug. */
static void check_ok(const struct ws_pkt *p)
{
	const uint8_t *d = (const uint8_t *)p + p->data_off;
	unsigned len = p->data_len;

	if (p->l3_off > len)
		__builtin_trap();
	switch (p->ethertype) {
	case WS_ETHERTYPE_IPV4:
		if (p->l3_off + WS_IPV4_HDR_LEN > len || p->l3_off + (d[p->l3_off] & 0x0fu) * 4u > len)
			__builtin_trap();
		break;
	case WS_ETHERTYPE_IPV6:
		if (p->l3_off + WS_IPV6_HDR_LEN > len)
			__builtin_trap();
		break;
	case WS_ETHERTYPE_ARP:
		if (p->l3_off + WS_ARP_HDR_LEN > len || p->l4_off)
			__builtin_trap();
		break;
	default:
		if (p->l4_off || p->l4_proto)
			__builtin_trap();
	}
	if (p->l4_off) {
		if (p->l4_off <= p->l3_off || p->l4_off + ws_l4_min_hdr_len(p->l4_proto) > len)
			__builtin_trap();
		if (p->l4_proto == WS_IPPROTO_TCP && p->l4_off + (d[p->l4_off + 12] >> 4) * 4u > len)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_pkt *p, *q;
	unsigned rc;

	if (size > UINT16_MAX)
		size = UINT16_MAX; /* data_len is 16 bits */
	p = frame_new(data, size);
	rc = ws_net_parse(p);
	if (rc >= WS_NET_DROP_COUNT || rc != p->drop_reason || !ws_net_drop_name(rc))
		__builtin_trap();
	if (rc == WS_NET_OK)
		check_ok(p);

	q = frame_new(data, size);
	if (ws_net_parse_burst(&q, 1) != (rc != WS_NET_OK) || q->drop_reason != rc || q->l3_off != p->l3_off ||
	    q->l4_off != p->l4_off || q->l4_proto != p->l4_proto || q->ethertype != p->ethertype ||
	    q->vlan_tci != p->vlan_tci || q->flags != p->flags)
		__builtin_trap();
	free(q);
	free(p);
	return 0;
}
