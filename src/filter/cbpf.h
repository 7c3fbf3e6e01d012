/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cbpf.h: tcpdump expressions, compiled by libpcap's pcap_compile() for
 * Ethernet (DLT_EN10MB) frames and run by our own evaluator, which gives the
 * answer of libpcap's interpreter, bpf_filter(insns, frame, len, len) != 0,
 * for every frame: truncated ones (a load past the end makes the program
 * return 0), division by zero, scratch memory, `ldx msh`, `ld len`, `ret A`
 * and backward jumps included. One deliberate difference: a program that
 * loops (only `protochain` makes loops) rejects the frame at its 65th
 * backward jump, as newer libpcap does, where libpcap 1.10 has no bound and
 * can loop forever (see cbpf.c).
 *
 * DATA-PATH CODE: ws_cbpf_match, ws_cbpf_match_bulk. They read only the
 * program and the frames' first len bytes: no allocation, no lock, no call
 * into libpcap; any number of threads may match with one program at once.
 *
 * Cost model. ws_cbpf_compile turns the program into a DAG of tests when it
 * can: every conditional jump tests a frame field (1, 2 or 4 bytes at a fixed
 * offset, or after `ldx 4*([k]&0xf)`: behind the IPv4 header) or the frame
 * length, ANDed with a constant, against constants, and jumps only go
 * forward: what pcap_compile makes of address, protocol, port, TCP flag, VLAN
 * and length tests and their and/or/not. The pairs of tests pcap makes for a
 * range (portrange, greater/less) become one. Then, when the DAG has at most
 * 16 tests, a frame at least ws_cbpf_info().min_len long (60 bytes or less for
 * such filters without VLAN tags: a minimum Ethernet frame), whose bytes
 * behind the IPv4 header also reach as far as the program reads, runs on the
 * lanes: every test at once in SIMD lanes (4 per SSE4.1 register, or all in
 * one AVX-512 register where the CPU has it), the answer looked up in a table
 * indexed by their outcomes. No branch depends on the frame, so the cost is
 * the same for every frame and every traffic mix: 2.6-5 ns per frame for the
 * usual filters, 2-4.5 ns in bulk (bench/cbpf_vs_libpcap.c, one core of a
 * Zen 5 EPYC; the more with an ldx msh and more 16-byte windows of the frame
 * to load), where bpf_filter takes 8-26 ns on a shuffled flood mix and 4-17
 * ns when every frame is the same. A mixed flood cannot make the lanes slower, as it does
 * bpf_filter, whose cost grows with each branch the mix makes it mispredict.
 * A DAG without tests (the empty expression) is a constant ("const"). The
 * rest runs threaded: the program itself, pre-decoded with its constants in
 * place, the pcap patterns load + (and) + jump fused into one operation,
 * direct-threaded dispatch (computed goto), bpf_filter's bounds check at each
 * load. That is frames shorter than min_len (bpf_filter returns 0 at the first
 * load past the end, which the lanes do not model) and programs with more
 * than 16 tests, arithmetic, scratch memory or loops; its cost is about
 * bpf_filter's (measured 0-25% less).
 */
#ifndef WS_FILTER_CBPF_H
#define WS_FILTER_CBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_cbpf;

/* Control path: compile the tcpdump expression expr for Ethernet (DLT_EN10MB)
 * frames (pcap_compile with optimisation, netmask unknown, snaplen 65535),
 * check the program and translate it. 0 and *out on success; -1 with libpcap's
 * message in err (errlen bytes, always terminated when errlen > 0) when the
 * expression does not compile, "out of memory", or (never seen from
 * pcap_compile) why the program cannot be run. The lanes use AVX-512 when the
 * CPU has it and the environment has no WS_CBPF_NO_AVX512 (tests, comparisons).
 * Free *out with ws_cbpf_free. */
int ws_cbpf_compile(const char *expr, struct ws_cbpf **out, char *err, size_t errlen);

/* Control path: free a compiled expression; NULL is a no-op. */
void ws_cbpf_free(struct ws_cbpf *prog);

/* DATA-PATH CODE, per packet: does the frame (len bytes, all captured)
 * match? Same answer as libpcap's bpf_filter(insns, frame, len, len) != 0.
 * Reads at most the first len bytes of frame; cost: see the top of this file. */
bool ws_cbpf_match(const struct ws_cbpf *prog, const uint8_t *frame, uint32_t len);

/* Frames one ws_cbpf_match_bulk call takes (the bits of its answer). */
#define WS_CBPF_BULK_MAX 64u

/* DATA-PATH CODE, per vector: bit i of the result says whether frames[i]
 * (lens[i] bytes) matches, as ws_cbpf_match would, for i < n; n over
 * WS_CBPF_BULK_MAX counts as WS_CBPF_BULK_MAX. The lanes engines run the
 * frames in one loop that keeps the program's constants in registers and
 * pays the call once (frames they cannot run go threaded after it): 0.2 to
 * 1.4 ns less per frame than a call each (bench/cbpf_vs_libpcap.c). */
uint64_t ws_cbpf_match_bulk(const struct ws_cbpf *prog, const uint8_t *const *frames, const uint32_t *lens,
			    uint32_t n);

/* What ws_cbpf_compile made of an expression (for benchmarks, tests, logs). */
struct ws_cbpf_info {
	uint32_t insns;     /* cBPF instructions from pcap_compile */
	uint32_t tests;     /* tests of the DAG; 0 when there is none */
	uint32_t min_len;   /* frames shorter than this run threaded */
	const char *engine; /* what runs the other frames: "lanes", "const" or
			     * "threaded" (static string) */
	const char *isa;    /* lanes: "avx512" or "sse4.1"; else "" */
};

/* Control path: fill *info for prog. */
void ws_cbpf_info(const struct ws_cbpf *prog, struct ws_cbpf_info *info);

#endif /* WS_FILTER_CBPF_H */
