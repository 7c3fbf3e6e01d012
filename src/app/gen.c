/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.c: `wirespeed gen`: the traffic generator (the pktgen / trafgen
 * class). Frames come from net/gen_tmpl.h, a burst at a time, into frames
 * of a private pool, and go out through one port (app/portspec.h). The
 * main thread is the sender: no per-packet syscall, one clock reading per
 * burst for the stamps, pacing by tokens counted on the TSC.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "app/app.h"
#include "app/portspec.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "net/gen_payload.h"
#include "net/gen_tmpl.h"
#include "net/net.h"

#define GEN_BURST_DEFAULT 32u
#define GEN_BURST_MAX 256u
#define GEN_POOL_FRAMES 8192u
/* Bytes a frame costs on the wire beyond data_len: preamble and start
 * delimiter (8), inter-frame gap (12), FCS (4). */
#define WIRE_OVERHEAD 24u
/* Rate pacing: the most of a second one burst may bunch together (below
 * the --burst size at low rates, so 100 pps do not leave as 32 at once). */
#define PACE_BATCH_S 50e-6
/* Rate pacing: how much sending time lost to a stall is made up for. */
#define PACE_DEPTH_S 1e-3

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed gen --port SPEC --dst ADDR|A-B|PREFIX [options]\n"
		"\n"
		"Sends UDP, TCP or ICMP echo frames over IPv4 or IPv6 as fast as the port\n"
		"takes them, or at --rate. Each frame with room carries a 24-byte stamp after\n"
		"its L4 header (stream, sequence number, send time) that `wirespeed sink`\n"
		"reads to count loss, duplicates, reordering and latency.\n"
		"\n"
		"  --port SPEC          where the frames go:\n");
	ws_portspec_usage(out, WS_PORTSPEC_TX);
	fprintf(out,
		"  --dst ADDR|A-B|PREFIX  destination: one address, a range counted through\n"
		"                       one per packet (wrapping), or random under a prefix\n"
		"                       (198.19.0.0/16); IPv4 or IPv6 (required)\n"
		"  --src ADDR|A-B|PREFIX  source, the same forms (default 198.18.0.1 or\n"
		"                       2001:db8::1)\n"
		"  --dst-port N|A-B|rand|rand:A-B  (default 9, discard)\n"
		"  --src-port N|A-B|rand|rand:A-B  (default 1024); rand is 1..65535\n"
		"  --proto udp|tcp|icmp  (default udp); icmp is echo request (ICMPv6 over IPv6)\n"
		"  --tcp-flags syn|ack  with --proto tcp (default syn); no options\n"
		"  --vlan ID            one 802.1Q tag, VLAN 1..4094\n"
		"  --dst-mac MAC        (default 02:00:00:00:00:02)\n"
		"  --src-mac MAC        (default the port's MAC, else 02:00:00:00:00:01)\n"
		"  --size N|imix        frame bytes without the FCS, 60..1514 (default the\n"
		"                       smallest: 60, or the headers when longer),\n"
		"                       or imix: 7:4:1 of 64/570/1518-byte frames (FCS\n"
		"                       included) in a fixed interleaved order\n"
		"  --rate PPS           packets per second; 0 or absent: as fast as it can\n"
		"  --count N            stop after N packets\n"
		"  --duration S         stop after S seconds\n"
		"  --burst N            frames per port call, 1..256 (default 32)\n"
		"  --stream ID          the stamp's stream id, 0..4294967295 (default 1)\n"
		"  --seed N             seed of the random fields (default 1)\n"
		"  --json               JSON lines on stdout (each second and the summary);\n"
		"                       the human lines go to stderr\n"
		"\n"
		"Addresses: only 198.18.0.0/15, 127.0.0.0/8, 2001:db8::/32 and fe80::/10\n"
		"(project rule); anything else is refused. A pcap port needs --count or\n"
		"--duration. Frames of 60 bytes have no room for the stamp over IPv4/UDP\n"
		"(it needs 66; IPv6/UDP 86).\n"
		"\n"
		"Each second and at the end: packets, Mpps and Gb/s on the wire (each frame\n"
		"+20 bytes of preamble and inter-frame gap, +4 of FCS). Ctrl-C stops with the\n"
		"summary. Exit 0; 1 when the port cannot be opened or written; 2 for a bad\n"
		"option or a refused address.\n");
}

struct opts {
	const char *port;
	struct ws_gen_config cfg;
	bool have_dst, have_src, have_src_mac, have_ports, have_size;
	double rate, duration;
	uint64_t count;
	unsigned burst;
	bool json;
};

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int bad(const char *opt, const char *v, const char *want)
{
	fprintf(stderr, "wirespeed gen: %s: %s, got '%s'\n", opt, want, v);
	return -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	struct ws_gen_config *c = &o->cfg;
	char err[256];
	int dst_family = 0, src_family = 0;

	memset(o, 0, sizeof(*o));
	o->burst = GEN_BURST_DEFAULT;
	c->stream = 1;
	c->seed = 1;
	c->proto = WS_GEN_UDP;
	memcpy(c->dst_mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x02 }, 6);
	memcpy(c->src_mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x01 }, 6);
	c->src_port = (struct ws_gen_port){ WS_GEN_FIXED, 1024, 1024 };
	c->dst_port = (struct ws_gen_port){ WS_GEN_FIXED, 9, 9 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;
		char *end;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			exit(WS_EXIT_OK);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (strncmp(a, "--", 2)) {
			fprintf(stderr, "wirespeed gen: unexpected argument '%s'\n", a);
			return -1;
		} else if (!v) {
			fprintf(stderr, "wirespeed gen: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--port")) {
			o->port = v;
		} else if (!strcmp(a, "--dst") || !strcmp(a, "--src")) {
			bool dst = !strcmp(a, "--dst");

			if (ws_gen_parse_addr(v, dst ? &c->dst : &c->src, dst ? &dst_family : &src_family, err,
					      sizeof(err))) {
				fprintf(stderr, "wirespeed gen: %s %s\n", a, err);
				return -1;
			}
			*(dst ? &o->have_dst : &o->have_src) = true;
		} else if (!strcmp(a, "--dst-port") || !strcmp(a, "--src-port")) {
			struct ws_gen_port *port = !strcmp(a, "--dst-port") ? &c->dst_port : &c->src_port;

			if (ws_gen_parse_port(v, port, err, sizeof(err))) {
				fprintf(stderr, "wirespeed gen: %s %s\n", a, err);
				return -1;
			}
			o->have_ports = true;
		} else if (!strcmp(a, "--proto")) {
			if (!strcmp(v, "udp"))
				c->proto = WS_GEN_UDP;
			else if (!strcmp(v, "tcp"))
				c->proto = WS_GEN_TCP;
			else if (!strcmp(v, "icmp"))
				c->proto = WS_GEN_ICMP;
			else
				return bad(a, v, "udp, tcp or icmp");
		} else if (!strcmp(a, "--tcp-flags")) {
			if (!strcmp(v, "syn"))
				c->tcp_flags = WS_TCP_SYN;
			else if (!strcmp(v, "ack"))
				c->tcp_flags = WS_TCP_ACK;
			else
				return bad(a, v, "syn or ack");
		} else if (!strcmp(a, "--vlan")) {
			if (parse_u64(v, 4094, &x) || x < 1)
				return bad(a, v, "a VLAN id from 1 to 4094");
			c->vlan = true;
			c->vlan_id = (uint16_t)x;
		} else if (!strcmp(a, "--dst-mac") || !strcmp(a, "--src-mac")) {
			if (ws_arg_mac(v, !strcmp(a, "--dst-mac") ? c->dst_mac : c->src_mac))
				return bad(a, v, "a MAC like 02:00:00:00:00:01");
			o->have_src_mac |= !strcmp(a, "--src-mac");
		} else if (!strcmp(a, "--size")) {
			o->have_size = true;
			if (!strcmp(v, "imix"))
				c->size = WS_GEN_SIZE_IMIX;
			else if (parse_u64(v, WS_GEN_SIZE_MAX, &x) || x < WS_GEN_SIZE_MIN)
				return bad(a, v, "60..1514 (frame bytes without the FCS) or imix");
			else
				c->size = (uint16_t)x;
		} else if (!strcmp(a, "--rate") || !strcmp(a, "--duration")) {
			bool rate = !strcmp(a, "--rate");
			double d;

			errno = 0;
			d = strtod(v, &end);
			if (errno || end == v || *end || !(d >= 0 && d <= 1e12) || (!rate && d <= 0))
				return bad(a, v, rate ? "packets per second, 0 or more" : "seconds, more than 0");
			*(rate ? &o->rate : &o->duration) = d;
		} else if (!strcmp(a, "--count")) {
			if (parse_u64(v, UINT64_MAX, &x) || x == 0)
				return bad(a, v, "a number of packets, 1 or more");
			o->count = x;
		} else if (!strcmp(a, "--burst")) {
			if (parse_u64(v, GEN_BURST_MAX, &x) || x == 0)
				return bad(a, v, "1..256");
			o->burst = (unsigned)x;
		} else if (!strcmp(a, "--stream")) {
			if (parse_u64(v, UINT32_MAX, &x))
				return bad(a, v, "0..4294967295");
			c->stream = (uint32_t)x;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(v, UINT64_MAX, &x))
				return bad(a, v, "a number");
			c->seed = x;
		} else {
			fprintf(stderr, "wirespeed gen: unknown option '%s'\n", a);
			return -1;
		}
	}
	if (!o->port || !o->have_dst) {
		fprintf(stderr, "wirespeed gen: give --port SPEC and --dst\n");
		return -1;
	}
	c->family = dst_family;
	if (!o->have_size)
		c->size = (uint16_t)ws_gen_min_size(c);
	if (!o->have_src) {
		const char *def = dst_family == AF_INET ? "198.18.0.1" : "2001:db8::1";

		ws_gen_parse_addr(def, &c->src, &src_family, err, sizeof(err));
	} else if (src_family != dst_family) {
		fprintf(stderr, "wirespeed gen: --src and --dst must both be IPv4 or both IPv6\n");
		return -1;
	}
	if (c->proto == WS_GEN_ICMP && o->have_ports) {
		fprintf(stderr, "wirespeed gen: --proto icmp has no ports: drop --src-port/--dst-port\n");
		return -1;
	}
	if (c->tcp_flags && c->proto != WS_GEN_TCP) {
		fprintf(stderr, "wirespeed gen: --tcp-flags goes with --proto tcp\n");
		return -1;
	}
	if (!strncmp(o->port, "pcap:", 5) && !o->count && !o->duration) {
		fprintf(stderr, "wirespeed gen: a capture file would grow without end: give --count or --duration\n");
		return -1;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What one run did. */
struct gen_run {
	uint64_t made;     /* frames filled (sequence numbers used) */
	uint64_t sent;     /* frames the port took */
	uint64_t bytes;    /* their data_len */
	uint64_t busy;     /* port calls that took nothing (port full) */
	uint64_t last_sent, last_bytes; /* at the last per-second line */
	uint64_t start_tsc, last_tsc;
};

static double wire_gbps(uint64_t pkts, uint64_t bytes, double secs)
{
	return secs > 0 ? (double)(bytes + pkts * WIRE_OVERHEAD) * 8 / secs / 1e9 : 0;
}

static void interval_line(const struct opts *o, struct gen_run *r, uint64_t now)
{
	double hz = (double)ws_tsc_hz(), secs = (double)(now - r->last_tsc) / hz;
	double t = (double)(now - r->start_tsc) / hz;
	uint64_t p = r->sent - r->last_sent, b = r->bytes - r->last_bytes;
	double mpps = secs > 0 ? (double)p / secs / 1e6 : 0;

	fprintf(o->json ? stderr : stdout, "gen: %7.2f s %12" PRIu64 " packets %9.3f Mpps %8.3f Gb/s\n", t, p, mpps,
		wire_gbps(p, b, secs));
	if (o->json) {
		printf("{\"type\":\"interval\",\"t\":%.3f,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"mpps\":%.6f,\"gbps_wire\":%.6f}\n",
		       t, p, b, mpps, wire_gbps(p, b, secs));
		ws_out_flush();
	} else {
		fflush(stdout);
	}
	r->last_sent = r->sent;
	r->last_bytes = r->bytes;
	r->last_tsc = now;
}

/* The send loop. Frames the port did not take stay first in line, so the
 * sequence numbers leave in order and none is skipped. */
/* Frames the generator's port may hold back before it hands them to the
 * kernel (ws_portspec_set_tx_batch; AF_PACKET: one send() per this many
 * frames rather than per burst): measured on the testbed into XDP_DROP,
 * `gen --port afpacket:gen0`, 1.10 Mpps kicking every 32-frame burst
 * against 1.19 Mpps with the kicks 256 frames apart. */
#define WS_GEN_TX_BATCH 256u

/* Before the generator waits (pacing, no free frames, a full port): send
 * what the port holds back. */
static void flush_before_wait(struct ws_port *port, bool *unflushed)
{
	if (*unflushed) {
		(void)ws_port_flush(port);
		*unflushed = false;
	}
}

static void run(const struct opts *o, struct ws_gen *g, struct ws_port *port, struct ws_pool *pool,
		struct gen_run *r)
{
	struct ws_pkt *pend[GEN_BURST_MAX];
	uint16_t len[GEN_BURST_MAX];
	unsigned head = 0, npend = 0;
	uint64_t hz = ws_tsc_hz(), now = ws_rdtsc();
	uint64_t next_tick = now + hz, end = o->duration > 0 ? now + (uint64_t)(o->duration * (double)hz) : UINT64_MAX;
	uint64_t pace_last = now;
	/* tokens: packets the rate allows now. The bucket holds PACE_DEPTH_S
	 * of them (at least a burst): a short stall (the host took the CPU
	 * away) is made up for, so the average rate holds; a long one is not
	 * followed by a flood */
	double tokens = 0, per_tick = o->rate / (double)hz;
	double thresh = o->rate * PACE_BATCH_S, depth = o->rate * PACE_DEPTH_S;

	if (thresh < 1)
		thresh = 1;
	if (thresh > o->burst)
		thresh = o->burst;
	if (depth < o->burst)
		depth = o->burst;
	bool unflushed = false; /* frames the port may still hold back (WS_GEN_TX_BATCH) */

	r->start_tsc = r->last_tsc = now;
	while (!stop) {
		now = ws_rdtsc();
		if (now >= next_tick) {
			interval_line(o, r, now);
			next_tick = now - next_tick > hz ? now + hz : next_tick + hz;
		}
		if (now >= end)
			break;
		if (!npend) {
			unsigned want = o->burst;

			if (o->count && o->count - r->made < want)
				want = (unsigned)(o->count - r->made);
			if (!want)
				break;
			if (o->rate > 0) {
				tokens += (double)(now - pace_last) * per_tick;
				pace_last = now;
				if (tokens > depth)
					tokens = depth;
				if (tokens < thresh && tokens < want) {
					/* far from the next batch (low rates): sleep
					 * instead of spinning a core for it */
					flush_before_wait(port, &unflushed);
					if ((thresh - tokens) / o->rate > 2e-3)
						nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
					else
						ws_pause();
					continue;
				}
				if (tokens < want)
					want = (unsigned)tokens;
			}
			if (ws_pool_get_bulk(pool, pend, want) != 0) {
				flush_before_wait(port, &unflushed);
				ws_pause(); /* frames are all in flight */
				continue;
			}
			ws_gen_fill(g, pend, want, mono_ns());
			for (unsigned i = 0; i < want; i++)
				len[i] = pend[i]->data_len;
			tokens -= want;
			r->made += want;
			head = 0;
			npend = want;
		}
		unsigned took = ws_port_tx_burst(port, pend + head, npend);

		for (unsigned i = 0; i < took; i++)
			r->bytes += len[head + i];
		r->sent += took;
		head += took;
		npend -= took;
		unflushed |= took != 0;
		if (!took) {
			flush_before_wait(port, &unflushed);
			r->busy++;
			ws_pause();
		}
	}
	if (npend) /* stopped before the port took them: their numbers never leave */
		ws_pool_put_bulk(pool, pend + head, npend);
	r->last_tsc = ws_rdtsc();
}

/* s as a JSON string (quotes, backslashes and control bytes escaped). */
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

static void summary(const struct opts *o, struct ws_gen *g, struct ws_port *port, const struct gen_run *r)
{
	double secs = (double)(r->last_tsc - r->start_tsc) / (double)ws_tsc_hz();
	double mpps = secs > 0 ? (double)r->sent / secs / 1e6 : 0, gbps = wire_gbps(r->sent, r->bytes, secs);
	FILE *out = o->json ? stderr : stdout;

	fprintf(out,
		"gen: sent %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s: %.3f Mpps, %.3f Gb/s on the wire\n"
		"     port %s: tx errors %" PRIu64 ", full %" PRIu64 " times; not sent %" PRIu64 "; stream %" PRIu32
		", %" PRIu64 " stamps%s\n",
		r->sent, r->bytes, secs, mpps, gbps, o->port, port->stats.tx_errors, r->busy, r->made - r->sent,
		o->cfg.stream, ws_gen_next_seq(g), ws_gen_stamped(g) ? "" : " (frames too small for the stamp)");
	if (o->json) {
		printf("{\"type\":\"summary\",\"port\":");
		json_str(stdout, o->port);
		printf(",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"mpps\":%.6f,\"gbps_wire\":%.6f,\"tx_errors\":%" PRIu64
		       ",\"port_full\":%" PRIu64 ",\"not_sent\":%" PRIu64 ",\"stream\":%" PRIu32
		       ",\"stamped\":%s,\"stamps\":%" PRIu64 "}\n",
		       r->sent, r->bytes, secs, mpps, gbps, port->stats.tx_errors, r->busy, r->made - r->sent,
		       o->cfg.stream, ws_gen_stamped(g) ? "true" : "false", ws_gen_next_seq(g));
		ws_out_flush();
	}
}

int ws_cmd_gen(int argc, char **argv)
{
	struct ws_pool_config pc = { .nb_frames = GEN_POOL_FRAMES, .cache_size = 256 };
	struct gen_run r = { 0 };
	struct ws_pool *pool = NULL;
	struct ws_port *port = NULL;
	struct ws_gen *g = NULL;
	char err[512];
	struct opts o;
	int rc = WS_EXIT_OK;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	/* check the addresses and sizes before anything is created */
	g = ws_gen_create(&o.cfg, err, sizeof(err));
	if (!g) {
		rc = errno == ENOMEM ? WS_EXIT_FAIL : WS_EXIT_USAGE;
		fprintf(stderr, "wirespeed gen: %s\n", err);
		return rc;
	}
	pool = ws_pool_create(&pc);
	if (!pool) {
		fprintf(stderr, "wirespeed gen: cannot create the frame pool: %s\n", strerror(errno));
		rc = WS_EXIT_FAIL;
		goto out;
	}
	ws_portspec_set_tx_batch(WS_GEN_TX_BATCH);
	port = ws_portspec_open(o.port, 0, pool, WS_PORTSPEC_TX, err, sizeof(err));
	if (!port) {
		rc = errno == ENODEV || (errno == EINVAL && strncmp(o.port, "pcap:", 5)) ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		fprintf(stderr, "wirespeed gen: %s\n", err);
		goto out;
	}
	if (!o.have_src_mac && memcmp(port->mac, (uint8_t[6]){ 0 }, 6)) {
		/* the port's own address, once ports have one */
		ws_gen_free(g);
		memcpy(o.cfg.src_mac, port->mac, 6);
		g = ws_gen_create(&o.cfg, err, sizeof(err));
		if (!g) {
			fprintf(stderr, "wirespeed gen: %s\n", err);
			rc = WS_EXIT_FAIL;
			goto out;
		}
	}
	if (ws_gen_max_size(g) + WS_PKT_HEADROOM > pool->frame_size) {
		fprintf(stderr, "wirespeed gen: frames of %u bytes do not fit the pool's\n", ws_gen_max_size(g));
		rc = WS_EXIT_FAIL;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	run(&o, g, port, pool, &r);
	if (ws_port_flush(port)) {
		fprintf(stderr, "wirespeed gen: %s: write error\n", port->name);
		rc = WS_EXIT_FAIL;
	}
	if (port->stats.tx_errors)
		rc = WS_EXIT_FAIL;
	summary(&o, g, port, &r);
out:
	ws_port_close(port);
	ws_portspec_release();
	if (pool)
		ws_pool_free(pool);
	ws_gen_free(g);
	return rc;
}
