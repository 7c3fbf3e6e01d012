/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sink.c: `wirespeed sink`: receives from one port and counts: packets and
 * bytes, and for frames carrying `wirespeed gen`'s stamp (net/gen_payload.h)
 * per stream the sequence numbers lost, duplicated and reordered and the
 * one-way latency (receive time minus the stamp's send time). The main
 * thread receives; the per-stream state is allocated once at start, so a
 * packet costs a parse, a stamp read and a few counter updates.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/portspec.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "io/pcap.h"
#include "net/gen_payload.h"
#include "net/parse.h"

#define SINK_BURST 64u
#define SINK_POOL_FRAMES 8192u
/* Streams followed apart; packets of further streams are counted
 * together. 16 covers one generator per core of any machine here. */
#define SINK_MAX_STREAMS 16u
#define WIRE_OVERHEAD 24u /* preamble + SFD 8, inter-frame gap 12, FCS 4 */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed sink --port SPEC [--duration S] [--count N] [--json]\n"
		"\n"
		"Receives and counts packets and bytes; for frames stamped by `wirespeed gen`,\n"
		"per stream: sequence numbers lost (gaps), duplicated, reordered (received\n"
		"after a higher one), and the one-way latency (now - the stamp's send time,\n"
		"CLOCK_MONOTONIC: meaningful on the generator's host; from a capture file it\n"
		"is the file's age) as p50/p90/p99/max from a histogram of 1/8-octave buckets.\n"
		"\n"
		"  --port SPEC    where packets come from (a capture is read to its end):\n");
	ws_portspec_usage(out, WS_PORTSPEC_RX);
	fprintf(out,
		"  --duration S   stop after S seconds\n"
		"  --count N      stop after N packets\n"
		"  --json         JSON lines on stdout (each second and the summary); the\n"
		"                 human lines go to stderr\n"
		"\n"
		"Loss is counted between the first and the highest sequence number received:\n"
		"what was lost after the highest only the sender knows. Stops at the end of a\n"
		"capture, --count, --duration or Ctrl-C, with the summary. Exit 0; 1 when the\n"
		"port cannot be opened or the capture is damaged; 2 for a bad option.\n");
}

struct opts {
	const char *port;
	double duration;
	uint64_t count;
	bool json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			exit(WS_EXIT_OK);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (strncmp(a, "--", 2)) {
			fprintf(stderr, "wirespeed sink: unexpected argument '%s'\n", a);
			return -1;
		} else if (!v) {
			fprintf(stderr, "wirespeed sink: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--port")) {
			o->port = v;
		} else if (!strcmp(a, "--duration")) {
			errno = 0;
			o->duration = strtod(v, &end);
			if (errno || end == v || *end || !(o->duration > 0 && o->duration <= 1e9)) {
				fprintf(stderr, "wirespeed sink: --duration: seconds, more than 0, got '%s'\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--count")) {
			unsigned long long x;

			errno = 0;
			x = strtoull(v, &end, 10);
			if (errno || end == v || *end || v[0] == '-' || v[0] == '+' || x == 0) {
				fprintf(stderr, "wirespeed sink: --count: a number of packets, 1 or more, got '%s'\n",
					v);
				return -1;
			}
			o->count = x;
		} else {
			fprintf(stderr, "wirespeed sink: unknown option '%s'\n", a);
			return -1;
		}
	}
	if (!o->port) {
		fprintf(stderr, "wirespeed sink: give --port SPEC\n");
		return -1;
	}
	return 0;
}

struct stream {
	uint32_t id;
	struct ws_gen_seq seq;
	struct ws_gen_hist lat;   /* ns */
	uint64_t lat_negative;    /* stamps from the future (another clock) */
};

struct sink_run {
	uint64_t packets, bytes, stamped, unstamped, malformed, other_streams;
	uint64_t last_packets, last_bytes, start_tsc, last_tsc, end_tsc;
	struct stream *streams; /* [SINK_MAX_STREAMS] */
	unsigned nb_streams;
	unsigned last_stream;   /* where the previous stamped packet's stream was */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The stream's state; NULL when the table is full. Traffic is mostly one
 * stream, or long runs of each: the last hit is tried first. */
static struct stream *stream_of(struct sink_run *r, uint32_t id)
{
	if (r->nb_streams && r->streams[r->last_stream].id == id)
		return &r->streams[r->last_stream];
	for (unsigned i = 0; i < r->nb_streams; i++)
		if (r->streams[i].id == id) {
			r->last_stream = i;
			return &r->streams[i];
		}
	if (r->nb_streams == SINK_MAX_STREAMS)
		return NULL;
	r->last_stream = r->nb_streams++;
	r->streams[r->last_stream].id = id;
	return &r->streams[r->last_stream];
}

/* Data path, per burst: count pkts[0..n), received at now_ns. */
static void account(struct sink_run *r, struct ws_pkt **pkts, unsigned n, uint64_t now_ns)
{
	for (unsigned i = 0; i < n; i++) {
		struct ws_pkt *p = pkts[i];
		const uint8_t *st;
		uint32_t id;
		uint64_t seq, tx_ns;
		struct stream *s;

		r->bytes += p->data_len;
		if (ws_net_parse(p) != WS_NET_OK) {
			r->malformed++;
			continue;
		}
		st = ws_gen_stamp_locate(p);
		if (!st || !ws_gen_stamp_read(st, &id, &seq, &tx_ns)) {
			r->unstamped++;
			continue;
		}
		r->stamped++;
		s = stream_of(r, id);
		if (!s) {
			r->other_streams++;
			continue;
		}
		ws_gen_seq_account(&s->seq, seq);
		if (now_ns >= tx_ns)
			ws_gen_hist_add(&s->lat, now_ns - tx_ns);
		else
			s->lat_negative++;
	}
	r->packets += n;
}

static void totals(const struct sink_run *r, uint64_t *lost, uint64_t *dups, uint64_t *reord)
{
	*lost = *dups = *reord = 0;
	for (unsigned i = 0; i < r->nb_streams; i++) {
		*lost += r->streams[i].seq.lost;
		*dups += r->streams[i].seq.duplicates;
		*reord += r->streams[i].seq.reordered;
	}
}

static double wire_gbps(uint64_t pkts, uint64_t bytes, double secs)
{
	return secs > 0 ? (double)(bytes + pkts * WIRE_OVERHEAD) * 8 / secs / 1e9 : 0;
}

static void interval_line(const struct opts *o, struct sink_run *r, uint64_t now)
{
	double hz = (double)ws_tsc_hz(), secs = (double)(now - r->last_tsc) / hz;
	double t = (double)(now - r->start_tsc) / hz;
	uint64_t p = r->packets - r->last_packets, b = r->bytes - r->last_bytes, lost, dups, reord;
	double mpps = secs > 0 ? (double)p / secs / 1e6 : 0;

	totals(r, &lost, &dups, &reord);
	fprintf(o->json ? stderr : stdout,
		"sink: %7.2f s %12" PRIu64 " packets %9.3f Mpps %8.3f Gb/s | lost %" PRIu64 " dup %" PRIu64
		" reordered %" PRIu64 "\n",
		t, p, mpps, wire_gbps(p, b, secs), lost, dups, reord);
	if (o->json) {
		printf("{\"type\":\"interval\",\"t\":%.3f,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"mpps\":%.6f,\"gbps_wire\":%.6f,\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64
		       ",\"reordered\":%" PRIu64 "}\n",
		       t, p, b, mpps, wire_gbps(p, b, secs), lost, dups, reord);
		ws_out_flush();
	} else {
		fflush(stdout);
	}
	r->last_packets = r->packets;
	r->last_bytes = r->bytes;
	r->last_tsc = now;
}

static void run(const struct opts *o, struct ws_port *port, struct ws_pool *pool, struct sink_run *r)
{
	struct ws_pkt *pk[SINK_BURST];
	uint64_t hz = ws_tsc_hz(), now = ws_rdtsc();
	uint64_t next_tick = now + hz, end = o->duration > 0 ? now + (uint64_t)(o->duration * (double)hz) : UINT64_MAX;

	r->start_tsc = r->last_tsc = now;
	while (!stop) {
		unsigned want = SINK_BURST, got;

		now = ws_rdtsc();
		if (now >= next_tick) {
			interval_line(o, r, now);
			next_tick = now - next_tick > hz ? now + hz : next_tick + hz;
		}
		if (now >= end)
			break;
		if (o->count && o->count - r->packets < want)
			want = (unsigned)(o->count - r->packets);
		if (!want)
			break;
		got = ws_port_rx_burst(port, pk, want);
		if (!got) {
			if (ws_pcap_port_rx_done(port))
				break; /* the capture has ended */
			ws_pause();
			continue;
		}
		account(r, pk, got, mono_ns());
		ws_pool_put_bulk(pool, pk, got);
	}
	r->end_tsc = ws_rdtsc();
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void summary(const struct opts *o, const struct sink_run *r)
{
	double secs = (double)(r->end_tsc - r->start_tsc) / (double)ws_tsc_hz();
	double mpps = secs > 0 ? (double)r->packets / secs / 1e6 : 0, gbps = wire_gbps(r->packets, r->bytes, secs);
	FILE *out = o->json ? stderr : stdout;
	uint64_t lost, dups, reord;

	totals(r, &lost, &dups, &reord);
	fprintf(out,
		"sink: received %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s: %.3f Mpps, %.3f Gb/s on the wire\n"
		"      stamped %" PRIu64 ", unstamped %" PRIu64 ", malformed %" PRIu64 "; lost %" PRIu64
		", duplicates %" PRIu64 ", reordered %" PRIu64 "\n",
		r->packets, r->bytes, secs, mpps, gbps, r->stamped, r->unstamped, r->malformed, lost, dups, reord);
	if (r->other_streams)
		fprintf(out, "      %" PRIu64 " stamped packets of streams beyond the first %u, not followed\n",
			r->other_streams, SINK_MAX_STREAMS);
	for (unsigned i = 0; i < r->nb_streams; i++) {
		const struct stream *s = &r->streams[i];

		fprintf(out,
			"      stream %" PRIu32 ": %" PRIu64 " packets, sequence %" PRIu64 "..%" PRIu64
			", lost %" PRIu64 ", duplicates %" PRIu64 ", reordered %" PRIu64 " (%" PRIu64
			" beyond the window); latency ns p50 %" PRIu64 " p90 %" PRIu64 " p99 %" PRIu64 " max %" PRIu64 "\n",
			s->id, s->seq.packets, s->seq.first, s->seq.highest, s->seq.lost, s->seq.duplicates,
			s->seq.reordered, s->seq.too_old, ws_gen_hist_quantile(&s->lat, 0.50),
			ws_gen_hist_quantile(&s->lat, 0.90), ws_gen_hist_quantile(&s->lat, 0.99), s->lat.max);
	}
	if (!o->json)
		return;
	printf("{\"type\":\"summary\",\"port\":");
	json_str(stdout, o->port);
	printf(",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"mpps\":%.6f,\"gbps_wire\":%.6f"
	       ",\"stamped\":%" PRIu64 ",\"unstamped\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"other_streams\":%" PRIu64
	       ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"streams\":[",
	       r->packets, r->bytes, secs, mpps, gbps, r->stamped, r->unstamped, r->malformed, r->other_streams, lost,
	       dups, reord);
	for (unsigned i = 0; i < r->nb_streams; i++) {
		const struct stream *s = &r->streams[i];

		printf("%s{\"stream\":%" PRIu32 ",\"packets\":%" PRIu64 ",\"first_seq\":%" PRIu64
		       ",\"highest_seq\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64
		       ",\"reordered\":%" PRIu64 ",\"too_old\":%" PRIu64 ",\"latency_ns\":{\"samples\":%" PRIu64
		       ",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64
		       ",\"negative\":%" PRIu64 "}}",
		       i ? "," : "", s->id, s->seq.packets, s->seq.first, s->seq.highest, s->seq.lost,
		       s->seq.duplicates, s->seq.reordered, s->seq.too_old, s->lat.count,
		       ws_gen_hist_quantile(&s->lat, 0.50),
		       ws_gen_hist_quantile(&s->lat, 0.90), ws_gen_hist_quantile(&s->lat, 0.99), s->lat.max,
		       s->lat_negative);
	}
	printf("]}\n");
	ws_out_flush();
}

int ws_cmd_sink(int argc, char **argv)
{
	struct ws_pool_config pc = { .nb_frames = SINK_POOL_FRAMES, .cache_size = 256 };
	struct sink_run r = { 0 };
	struct ws_pool *pool = NULL;
	struct ws_port *port = NULL;
	char err[512];
	struct opts o;
	int rc = WS_EXIT_OK;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	r.streams = calloc(SINK_MAX_STREAMS, sizeof(*r.streams));
	pool = ws_pool_create(&pc);
	if (!r.streams || !pool) {
		fprintf(stderr, "wirespeed sink: out of memory\n");
		rc = WS_EXIT_FAIL;
		goto out;
	}
	port = ws_portspec_open(o.port, 0, pool, WS_PORTSPEC_RX, err, sizeof(err));
	if (!port) {
		/* a bad spec is a usage error; a capture that cannot be read
		 * (EINVAL too: not a capture) is a runtime one, as in fwd */
		rc = errno == ENODEV || (errno == EINVAL && strncmp(o.port, "pcap:", 5)) ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		fprintf(stderr, "wirespeed sink: %s\n", err);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	run(&o, port, pool, &r);
	if (ws_pcap_port_rx_error(port, err, sizeof(err)) == -EIO) {
		fprintf(stderr, "wirespeed sink: %s\n", err);
		rc = WS_EXIT_FAIL;
	}
	summary(&o, &r);
out:
	ws_port_close(port);
	ws_portspec_release();
	if (pool)
		ws_pool_free(pool);
	free(r.streams);
	return rc;
}
