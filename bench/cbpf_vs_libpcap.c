/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cbpf_vs_libpcap.c: tcpdump expressions run by our evaluator (filter/cbpf.h)
 * against libpcap's bpf_filter(), the same compiled programs on the same
 * frames, on one pinned CPU, alternating, in one run.
 *
 * How to run:
 *     make bench                         # builds, then runs this last
 *     build/bench/ws-bench-cbpf          # the flood mix, 8 expressions, median of 5
 *     build/bench/ws-bench-cbpf --mix single --runs 7 --cpu 1
 *     build/bench/ws-bench-cbpf 2>/dev/null   # JSON lines only
 * Takes about 3 s.
 *
 * The frames (a seeded PRNG; the same every run), shuffled:
 *   flood (default)  4096 synthetic frames: 55% IPv4 UDP, 60 bytes (64 on
 *                    the wire), sources uniform over 198.18.0.0/15, random
 *                    ports (1 in 16 to port 53); 20% IPv4 TCP, 60 bytes, 3 in
 *                    4 SYN, the rest SYN-ACK or ACK, to 80, 443 or a random
 *                    port; 15% IPv6 from 2001:db8::/32 (TCP SYN to 443, or UDP
 *                    to a random port, some behind a fragment header); 5%
 *                    802.1Q-tagged IPv4 UDP; 5% ARP requests and ICMP echo;
 *                    plus every frame of the Ethernet captures in
 *                    $WS_SHARED_DATA/pcap (../shared/data/pcap beside the
 *                    source tree) when they are there.
 *   single           one IPv4 UDP frame, 4096 times: the same path every
 *                    time, so that bpf_filter's branches are all predicted
 *                    (the least favourable case for us).
 * Before timing, both sides run every frame and must give the same answer
 * on each; the run stops (exit 1) if one does not.
 *
 * Timing: per expression, ours (a call per frame), ours in bulk, libpcap,
 * ours, ... `runs` times each, after a warm-up pass each; a run is as many
 * passes over the frames as make at least 2,000,000 frames, timed with
 * CLOCK_MONOTONIC. Ours in bulk is ws_cbpf_match_bulk over 64 frames at a
 * time, as the filter node runs expressions (ws_filter_classify_bulk);
 * libpcap has no bulk form: bpf_filter once per frame, as its users call it.
 * Before timing, the bulk answers are checked against the single ones.
 *
 * Output: stdout carries one JSON object per expression, e.g.
 *   {"bench":"cbpf","expr":"udp","frames":5020,"matches":2807,"ours_ns":2.46,
 *    "libpcap_ns":15.89,"ratio":6.45,"ours_single_ns":3.11,"ratio_single":5.11,...}
 * (ns per frame, medians, with min and max of the bulk form; ours_ns and
 * ratio = libpcap / ours are the bulk form's, ours_single_ns and
 * ratio_single the call per frame's; above 1 means we are faster); stderr
 * the machine, a table, and the goal (ratio >= 3 on each expression). Exit 0, 1 on a failure, 2 for a usage error.
 */
#include <dirent.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/rng.h"
#include "filter/cbpf.h"

#define PROG "ws-bench-cbpf"
#define NB_SYNTH 4096u
#define FRAMES_PER_RUN 2000000u
#define MAX_RUNS 99u
#define GOAL_RATIO 3.0
#define SLOT 128u /* bytes per synthetic frame */

static const char *const exprs[] = {
	"udp",
	"udp and dst port 53",
	"src net 198.18.0.0/16 and udp",
	"tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0",
	"ip6 and tcp dst port 443",
	"vlan and udp",
	"not (tcp or udp)",
	"udp and portrange 1000-2000 and len < 100",
};
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

struct frames {
	const uint8_t **p;
	uint32_t *len;
	unsigned n, cap;
	unsigned from_captures, capture_files;
	uint8_t **copies; /* the capture frames' copies, to free */
};

static uint64_t seed = 1;

static uint32_t rnd(uint32_t below)
{
	return (uint32_t)(ws_splitmix64(&seed) % below);
}

static void add(struct frames *fr, const uint8_t *p, uint32_t len)
{
	if (fr->n == fr->cap) {
		fr->cap = fr->cap ? 2 * fr->cap : 8192;
		fr->p = realloc(fr->p, fr->cap * sizeof(*fr->p));
		fr->len = realloc(fr->len, fr->cap * sizeof(*fr->len));
		if (!fr->p || !fr->len) {
			fprintf(stderr, PROG ": out of memory\n");
			exit(1);
		}
	}
	fr->p[fr->n] = p;
	fr->len[fr->n++] = len;
}

/* ---- synthetic frames ---- */

static uint8_t *w16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	return b + 2;
}

/* Ethernet (+ an 802.1Q tag when vlan) up to the ethertype; returns the L3 start. */
static uint8_t *eth(uint8_t *b, uint16_t ethertype, bool vlan, bool broadcast)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 }, src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	memcpy(b, dst, 6);
	if (broadcast)
		memset(b, 0xff, 6);
	memcpy(b + 6, src, 6);
	b += 12;
	if (vlan) {
		b = w16(b, 0x8100);
		b = w16(b, 100);
	}
	return w16(b, ethertype);
}

/* IPv4 header from a random 198.18.0.0/15 source to a random 198.18.0.0/15
 * destination; returns the L4 start. */
static uint8_t *ip4(uint8_t *b, uint8_t proto, unsigned l4len)
{
	uint32_t src = 0xc6120000u | rnd(1u << 17), dst = 0xc6120000u | rnd(1u << 17);

	b[0] = 0x45;
	b[1] = 0;
	w16(b + 2, 20 + l4len);
	w16(b + 4, rnd(65536));
	w16(b + 6, 0x4000);
	b[8] = 64;
	b[9] = proto;
	w16(b + 10, 0);
	w16(w16(b + 12, src >> 16), src & 0xffff);
	w16(w16(b + 16, dst >> 16), dst & 0xffff);
	return b + 20;
}

static uint8_t *ip6(uint8_t *b, uint8_t next, unsigned paylen)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	w16(b + 4, paylen);
	b[6] = next;
	b[7] = 64;
	b[8] = 0x20, b[9] = 0x01, b[10] = 0x0d, b[11] = 0xb8;
	w16(b + 22, rnd(65536));
	b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8;
	b[39] = 1;
	return b + 40;
}

static uint8_t *udp(uint8_t *b, unsigned len)
{
	w16(b, 1024 + rnd(64512));
	w16(b + 2, rnd(16) == 0 ? 53 : rnd(65536));
	w16(b + 4, len);
	w16(b + 6, 0);
	return b + len;
}

static uint8_t *tcp(uint8_t *b, uint16_t dport, uint8_t flags)
{
	memset(b, 0, 20);
	w16(b, 1024 + rnd(64512));
	w16(b + 2, dport);
	b[12] = 0x50;
	b[13] = flags;
	w16(b + 14, 65535);
	return b + 20;
}

/* One frame of the flood mix in slot b (SLOT bytes); returns its length. */
static uint32_t flood_frame(uint8_t *b)
{
	unsigned kind = rnd(100);
	uint8_t *l3, *end;

	memset(b, 0, SLOT);
	if (kind < 55) { /* IPv4 UDP, 18 bytes of payload: 60 bytes */
		l3 = eth(b, 0x0800, false, false);
		end = udp(ip4(l3, 17, 26), 26);
	} else if (kind < 75) { /* IPv4 TCP SYN (or SYN-ACK, ACK), 6 bytes of padding */
		static const uint8_t flags[] = { 0x02, 0x02, 0x02, 0x12, 0x10, 0x02, 0x02, 0x02 };
		unsigned r = rnd(3);

		l3 = eth(b, 0x0800, false, false);
		end = tcp(ip4(l3, 6, 20), r == 0 ? 80 : r == 1 ? 443 : rnd(65536), flags[rnd(8)]) + 6;
	} else if (kind < 90) { /* IPv6 */
		unsigned r = rnd(10);

		l3 = eth(b, 0x86dd, false, false);
		if (r < 6) {
			end = tcp(ip6(l3, 6, 20), 443, 0x02);
		} else if (r < 9) {
			end = udp(ip6(l3, 17, 16), 16);
		} else {
			uint8_t *fh = ip6(l3, 44, 8 + 16);

			fh[0] = 17; /* fragment header, first fragment */
			end = udp(fh + 8, 16);
		}
	} else if (kind < 95) { /* 802.1Q IPv4 UDP */
		l3 = eth(b, 0x0800, true, false);
		end = udp(ip4(l3, 17, 26), 26);
	} else if (kind < 98) { /* ARP request */
		l3 = eth(b, 0x0806, false, true);
		w16(l3, 1);
		w16(l3 + 2, 0x0800);
		l3[4] = 6;
		l3[5] = 4;
		w16(l3 + 6, 1);
		end = b + 60;
	} else { /* ICMP echo */
		l3 = eth(b, 0x0800, false, false);
		end = ip4(l3, 1, 8);
		end[0] = 8;
		end += 8 + 18;
	}
	return (uint32_t)(end - b);
}

/* ---- the captures ---- */

static void add_captures(struct frames *fr)
{
	const char *shared = getenv("WS_SHARED_DATA");
	char dir[PATH_MAX], path[PATH_MAX + 512], err[PCAP_ERRBUF_SIZE];
	struct dirent *de;
	DIR *d;

	/* $WS_SHARED_DATA/pcap, else ../shared/data/pcap beside the source tree */
	snprintf(dir, sizeof(dir), "%s/pcap", shared ? shared : WS_SOURCE_ROOT "/../shared/data");
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!(p = pcap_open_offline(path, err)))
			continue;
		if (pcap_datalink(p) == DLT_EN10MB) {
			fr->capture_files++;
			while (pcap_next_ex(p, &h, &data) == 1) {
				uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
				uint8_t **copies = realloc(fr->copies, (fr->from_captures + 1) * sizeof(*copies));

				if (!copy || !copies) {
					fprintf(stderr, PROG ": out of memory\n");
					exit(1);
				}
				memcpy(copy, data, h->caplen);
				add(fr, copy, h->caplen);
				fr->copies = copies;
				fr->copies[fr->from_captures++] = copy;
			}
		}
		pcap_close(p);
	}
	closedir(d);
}

/* ---- timing ---- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The two timed loops: the same shape, not inlined into each other's code. */
static __attribute__((noinline)) uint64_t loop_ours(const struct ws_cbpf *c, const struct frames *fr,
						    unsigned passes)
{
	uint64_t m = 0;

	for (unsigned p = 0; p < passes; p++)
		for (unsigned i = 0; i < fr->n; i++)
			m += ws_cbpf_match(c, fr->p[i], fr->len[i]);
	return m;
}

/* Ours as the filter node runs it: ws_cbpf_match_bulk over up to 64 frames. */
static __attribute__((noinline)) uint64_t loop_ours_bulk(const struct ws_cbpf *c, const struct frames *fr,
							  unsigned passes)
{
	uint64_t m = 0;

	for (unsigned p = 0; p < passes; p++)
		for (unsigned i = 0; i < fr->n; i += WS_CBPF_BULK_MAX) {
			unsigned k = fr->n - i < WS_CBPF_BULK_MAX ? fr->n - i : WS_CBPF_BULK_MAX;

			m += (uint64_t)__builtin_popcountll(ws_cbpf_match_bulk(c, fr->p + i, fr->len + i, k));
		}
	return m;
}

static __attribute__((noinline)) uint64_t loop_libpcap(const struct bpf_insn *insns, const struct frames *fr,
							unsigned passes)
{
	uint64_t m = 0;

	for (unsigned p = 0; p < passes; p++)
		for (unsigned i = 0; i < fr->n; i++)
			m += bpf_filter(insns, fr->p[i], fr->len[i], fr->len[i]) != 0;
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median, min, max;
};

static struct stats stats_of(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct stats){ n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1] };
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void usage(FILE *out)
{
	fprintf(out, "usage: " PROG " [--mix flood|single] [--runs N] [--cpu N] [--help]\n"
		     "\n"
		     "tcpdump expressions: wirespeed's evaluator against libpcap's bpf_filter, the same\n"
		     "programs on the same frames, alternating on one pinned CPU. JSON lines on stdout,\n"
		     "a table on stderr.\n"
		     "  --mix flood    synthetic flood mix plus the shared captures (default)\n"
		     "  --mix single   one IPv4 UDP frame over and over (all branches predicted)\n"
		     "  --runs N       timed runs per side and expression, median reported (default 5)\n"
		     "  --cpu N        CPU to pin to (default: the one this starts on)\n");
}

int main(int argc, char **argv)
{
	struct frames fr = { 0 };
	const char *mix = "flood";
	unsigned runs = 5, passes, met = 0;
	int cpu = sched_getcpu();
	uint8_t *slots;
	struct utsname u;
	pcap_t *dead;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--mix") && i + 1 < argc &&
			   (!strcmp(argv[i + 1], "flood") || !strcmp(argv[i + 1], "single"))) {
			mix = argv[++i];
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc && atoi(argv[i + 1]) >= 1 &&
			   atoi(argv[i + 1]) <= (int)MAX_RUNS) {
			runs = (unsigned)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--cpu") && i + 1 < argc && atoi(argv[i + 1]) >= 0) {
			cpu = atoi(argv[++i]);
		} else {
			fprintf(stderr, PROG ": bad argument '%s'\n\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (cpu < 0 || ws_cpu_pin(cpu) != 0) {
		fprintf(stderr, PROG ": cannot pin to CPU %d, running unpinned\n", cpu);
		cpu = -1;
	}

	slots = aligned_alloc(64, NB_SYNTH * SLOT);
	if (!slots) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < NB_SYNTH; i++) {
		uint8_t *b = slots + (size_t)i * SLOT;

		if (!strcmp(mix, "single")) {
			memset(b, 0, SLOT);
			udp(ip4(eth(b, 0x0800, false, false), 17, 26), 26);
			w16(b + 26, 0xc612), w16(b + 28, 0x0001); /* the same frame every time */
			w16(b + 30, 0xc613), w16(b + 32, 0x0002);
			w16(b + 34, 4000), w16(b + 36, 5000);
			add(&fr, b, 60);
		} else {
			add(&fr, b, flood_frame(b));
		}
	}
	if (!strcmp(mix, "flood")) {
		add_captures(&fr);
		for (unsigned i = fr.n - 1; i > 0; i--) { /* shuffle: no order to learn */
			unsigned j = rnd(i + 1);
			const uint8_t *p = fr.p[i];
			uint32_t l = fr.len[i];

			fr.p[i] = fr.p[j], fr.len[i] = fr.len[j];
			fr.p[j] = p, fr.len[j] = l;
		}
	}
	passes = (FRAMES_PER_RUN + fr.n - 1) / fr.n;

	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	fprintf(stderr, PROG ": %s, TSC %.3f GHz, kernel %s, %s %s, %s; CPU %d; %s\n", ws_cpu_model(),
		ws_tsc_hz() / 1e9, u.release,
#ifdef __clang__
		"clang", __clang_version__,
#else
		"gcc", __VERSION__,
#endif
		pcap_lib_version(), cpu, runs > 1 ? "medians" : "one run");
	fprintf(stderr, "frames: %s mix, %u (%u synthetic, %u from %u captures); %u frames per run, %u runs a side\n",
		mix, fr.n, fr.n - fr.from_captures, fr.from_captures, fr.capture_files, passes * fr.n, runs);
	fprintf(stderr, "ns per frame; ours: ws_cbpf_match_bulk, 64 frames a call, as the filter node runs it;\n"
			"single: ws_cbpf_match, a call per frame; ratio = libpcap / ours, above 1 = ours faster\n");
	fprintf(stderr, "%-48s %-13s %5s %7s %7s %7s %7s %6s %6s  %-12s %-12s\n", "expression", "engine", "tests",
		"matches", "ours", "single", "libpcap", "ratio", "r_sgl", "ours min-max", "libpcap min-max");

	dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!dead) {
		fprintf(stderr, PROG ": pcap_open_dead failed\n");
		return 1;
	}
	for (unsigned e = 0; e < NEXPRS; e++) {
		struct ws_cbpf *c;
		struct ws_cbpf_info info;
		struct bpf_program bp;
		double t_ours[MAX_RUNS], t_bulk[MAX_RUNS], t_lib[MAX_RUNS];
		struct stats so, sb, sl;
		char err[256];
		uint64_t matches = 0;

		if (ws_cbpf_compile(exprs[e], &c, err, sizeof(err)) != 0 ||
		    pcap_compile(dead, &bp, exprs[e], 1, PCAP_NETMASK_UNKNOWN) != 0) {
			fprintf(stderr, PROG ": \"%s\" does not compile: %s\n", exprs[e], err);
			return 1;
		}
		ws_cbpf_info(c, &info);
		for (unsigned i = 0; i < fr.n; i++) {
			bool a = ws_cbpf_match(c, fr.p[i], fr.len[i]);

			if (a != (bpf_filter(bp.bf_insns, fr.p[i], fr.len[i], fr.len[i]) != 0)) {
				fprintf(stderr, PROG ": \"%s\": frame %u (%u bytes): ours %d, libpcap %d\n",
					exprs[e], i, fr.len[i], a, !a);
				return 1;
			}
			matches += a;
		}
		for (unsigned i = 0; i < fr.n; i += WS_CBPF_BULK_MAX) {
			unsigned k = fr.n - i < WS_CBPF_BULK_MAX ? fr.n - i : WS_CBPF_BULK_MAX;
			uint64_t bits = ws_cbpf_match_bulk(c, fr.p + i, fr.len + i, k);

			for (unsigned j = 0; j < k; j++)
				if (((bits >> j) & 1) != ws_cbpf_match(c, fr.p[i + j], fr.len[i + j])) {
					fprintf(stderr, PROG ": \"%s\": frame %u: bulk and single answers differ\n",
						exprs[e], i + j);
					return 1;
				}
		}
		loop_ours(c, &fr, 1); /* warm-up */
		loop_ours_bulk(c, &fr, 1);
		loop_libpcap(bp.bf_insns, &fr, 1);
		for (unsigned r = 0; r < runs; r++) {
			double t0 = now_ns();
			uint64_t mo = loop_ours(c, &fr, passes);
			double t1 = now_ns();
			uint64_t mb = loop_ours_bulk(c, &fr, passes);
			double t2 = now_ns();
			uint64_t ml = loop_libpcap(bp.bf_insns, &fr, passes);
			double t3 = now_ns();

			if (mo != matches * passes || mb != matches * passes || ml != matches * passes) {
				fprintf(stderr,
					PROG ": \"%s\": match counts differ: ours %llu, bulk %llu, libpcap %llu, "
					     "expected %llu\n",
					exprs[e], (unsigned long long)mo, (unsigned long long)mb, (unsigned long long)ml,
					(unsigned long long)(matches * passes));
				return 1;
			}
			t_ours[r] = (t1 - t0) / ((double)passes * fr.n);
			t_bulk[r] = (t2 - t1) / ((double)passes * fr.n);
			t_lib[r] = (t3 - t2) / ((double)passes * fr.n);
		}
		so = stats_of(t_ours, runs);
		sb = stats_of(t_bulk, runs);
		sl = stats_of(t_lib, runs);
		met += sl.median / sb.median >= GOAL_RATIO;

		printf("{\"bench\":\"cbpf\",\"expr\":");
		json_str(exprs[e]);
		printf(",\"frames\":%u,\"matches\":%llu,\"ours_ns\":%.3f,\"libpcap_ns\":%.3f,\"ratio\":%.3f,"
		       "\"ours_single_ns\":%.3f,\"ratio_single\":%.3f,"
		       "\"ours_min\":%.3f,\"ours_max\":%.3f,\"libpcap_min\":%.3f,\"libpcap_max\":%.3f,"
		       "\"runs\":%u,\"frames_per_run\":%u,\"mix\":\"%s\",\"engine\":\"%s\",\"isa\":\"%s\",\"tests\":%u,"
		       "\"cpu\":%d,"
		       "\"libpcap\":",
		       fr.n, (unsigned long long)matches, sb.median, sl.median, sl.median / sb.median, so.median,
		       sl.median / so.median, sb.min, sb.max, sl.min, sl.max, runs, passes * fr.n, mix, info.engine, info.isa, info.tests, cpu);
		json_str(pcap_lib_version());
		printf("}\n");
		fflush(stdout);
		snprintf(err, sizeof(err), "%s%s%s", info.engine, info.isa[0] ? " " : "", info.isa);
		fprintf(stderr, "%-48s %-13s %5u %7llu %7.2f %7.2f %7.2f %6.2f %6.2f  %5.2f-%-6.2f %5.2f-%-6.2f\n",
			exprs[e], err, info.tests, (unsigned long long)matches, sb.median, so.median, sl.median,
			sl.median / sb.median, sl.median / so.median, sb.min, sb.max, sl.min, sl.max);
		pcap_freecode(&bp);
		ws_cbpf_free(c);
	}
	pcap_close(dead);
	fprintf(stderr, "goal: ratio >= %.0f on each expression: %u of %zu\n", GOAL_RATIO, met, NEXPRS);
	for (unsigned i = 0; i < fr.from_captures; i++)
		free(fr.copies[i]);
	free(fr.copies);
	free(fr.p);
	free(fr.len);
	free(slots);
	return 0;
}
