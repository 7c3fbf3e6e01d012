/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_filter_cbpf.c: libFuzzer target for filter/cbpf.c. The first input
 * byte picks one of a fixed set of tcpdump expressions, the rest is the
 * frame, copied into an allocation that ends at its last byte (ASan traps any
 * read past len). ws_cbpf_match must give what libpcap's bpf_filter gives;
 * the run aborts when it does not. The set covers each engine: the lanes
 * (SSE and, where the CPU has it, AVX-512; one ldx msh, several, the frame
 * length; merged ranges) and the threaded interpreter (more than 16 tests,
 * arithmetic, scratch memory, and every frame shorter than a program reads).
 * `ip6 protochain` is not in it: libpcap 1.10's bpf_filter loops forever on
 * some frames there (cbpf.c bounds the loop; tests/unit covers it).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_filter_cbpf.c src/filter/cbpf.c -lpcap -o fuzz_filter_cbpf
 *   ./fuzz_filter_cbpf -max_total_time=60
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/cbpf.h"

static const char *const exprs[] = {
	"udp",
	"udp and dst port 53",
	"src net 198.18.0.0/16 and udp",
	"tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0",
	"ip6 and tcp dst port 443",
	"vlan and udp",
	"not (tcp or udp)",
	"udp and portrange 1000-2000 and len < 100",
	"icmp or icmp6 or arp",
	"host 198.18.0.1 or ip6 net 2001:db8::/32",
	"ether broadcast or ether[0] & 1 = 1",
	"ip[8] < 5 and greater 200",
	"vlan 100 and vlan 200 and udp",
	"(vlan and udp port 53) or udp port 53",
	"(ip and udp dst port 53) or (vlan and ip and udp dst port 53)", /* two ldx msh */
	"ip and ip[6:2] & 0x1fff != 0",
	"udp[8:4] = 0x12345678 or tcp[13] & 0x12 = 2",
	"portrange 1000-2000",
	"less 100 and greater 50 and udp[2:2] != 0 and udp[2:2] < 100",
	"tcp portrange 1-1024 or udp port 4789 or udp port 53", /* threaded: > 16 tests */
	"ip[2:2] - ((ip[0]&0xf)<<2) > 100",                     /* threaded */
	"ip[0] >> ip[1] = 0 or len % 7 = 3",                    /* threaded */
};
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

static struct ws_cbpf *ours[NEXPRS];
static struct bpf_program ref[NEXPRS];

static void compile_all(void)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	char err[256];

	if (!p)
		abort();
	for (size_t i = 0; i < NEXPRS; i++) {
		if (ws_cbpf_compile(exprs[i], &ours[i], err, sizeof(err)) != 0 ||
		    pcap_compile(p, &ref[i], exprs[i], 1, PCAP_NETMASK_UNKNOWN) != 0) {
			fprintf(stderr, "fuzz_filter_cbpf: \"%s\" does not compile: %s\n", exprs[i], err);
			abort();
		}
	}
	pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t *frame;
	size_t e, len;
	bool a, b;

	if (!ready) {
		compile_all();
		ready = 1;
	}
	if (size == 0)
		return 0;
	e = data[0] % NEXPRS;
	len = size - 1;
	frame = malloc(len ? len : 1);
	if (!frame)
		abort();
	memcpy(frame, data + 1, len);
	a = ws_cbpf_match(ours[e], frame, (uint32_t)len);
	b = bpf_filter(ref[e].bf_insns, frame, (u_int)len, (u_int)len) != 0;
	free(frame);
	if (a != b) {
		fprintf(stderr, "fuzz_filter_cbpf: \"%s\" on %zu bytes: ours %d, bpf_filter %d\n", exprs[e], len, a, b);
		abort();
	}
	return 0;
}
