/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd.c: `wirespeed fwd`: forward packets from a capture file to a capture
 * file through the forwarding graph, deterministically, and account for
 * every packet. Real interfaces, a config file, ARP/ND, ICMP and the control
 * socket come next; this is the pcap-in, pcap-out form the tests use.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/app.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "fib/fib_table.h"
#include "fib/route_file.h"
#include "fwd/fwd.h"
#include "graph/graph.h"
#include "io/pcap.h"

#define BURST WS_GRAPH_VECTOR

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed fwd --in FILE --out FILE [--routes FILE] [--mac MAC]\n"
		"                     [--neighbour-mac MAC] [--mtu N] [--count N] [--stats-interval S]\n"
		"                     [--json] [--help]\n"
		"\n"
		"Reads packets from a capture (--in, pcap or pcapng, Ethernet), forwards them\n"
		"through the graph (parse, IPv4/IPv6 lookup, TTL/hop limit and checksum\n"
		"rewrite, MTU check) and writes what leaves to a pcap file (--out), with\n"
		"timestamps 1 us apart so that the output depends only on the input.\n"
		"\n"
		"  --routes FILE        routes (one prefix per line, or `ip route` output);\n"
		"                       every route leaves by the output port. Without it:\n"
		"                       0.0.0.0/0 and ::/0\n"
		"  --mac MAC            the output port's MAC (the new source), default 02:00:00:00:00:02\n"
		"  --neighbour-mac MAC  the next hop's MAC (the new destination), default 02:00:00:00:00:03\n"
		"  --mtu N              the output port's IP MTU, 68..9000, default 1500\n"
		"  --count N            stop after N packets read\n"
		"  --stats-interval S   print a line every S seconds (0.1..3600): packets read,\n"
		"                       written, dropped, and the rates since the last line\n"
		"  --json               the summary as one JSON object on stdout\n"
		"\n"
		"At the end (or Ctrl-C) it prints what was read, written, dropped by reason\n"
		"and skipped (records that are not whole Ethernet frames), and the graph's\n"
		"per-node counters. Exit 0; 1 when the input ends in a damaged record or a\n"
		"file cannot be read or written; 2 for a bad option or routes file.\n");
}

struct opts {
	const char *in, *out, *routes;
	uint8_t mac[6], nbr_mac[6];
	unsigned mtu;
	uint64_t count;
	double stats_interval; /* seconds, 0: none */
	bool json;
};

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .mac = { 2, 0, 0, 0, 0, 2 }, .nbr_mac = { 2, 0, 0, 0, 0, 3 }, .mtu = 1500 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			exit(WS_EXIT_OK);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (!v) {
			fprintf(stderr, "wirespeed fwd: %s needs a value\n", a);
			return -1;
		} else if (!strcmp(a, "--in")) {
			o->in = v;
		} else if (!strcmp(a, "--out")) {
			o->out = v;
		} else if (!strcmp(a, "--routes")) {
			o->routes = v;
		} else if (!strcmp(a, "--mac") || !strcmp(a, "--neighbour-mac")) {
			if (parse_mac(v, !strcmp(a, "--mac") ? o->mac : o->nbr_mac)) {
				fprintf(stderr, "wirespeed fwd: %s wants a MAC like 02:00:00:00:00:01, got '%s'\n", a, v);
				return -1;
			}
		} else if (!strcmp(a, "--stats-interval")) {
			errno = 0;
			o->stats_interval = strtod(v, &end);
			if (errno || end == v || *end || !(o->stats_interval >= 0.1 && o->stats_interval <= 3600)) {
				fprintf(stderr, "wirespeed fwd: --stats-interval wants seconds from 0.1 to 3600, got '%s'\n",
					v);
				return -1;
			}
		} else if (!strcmp(a, "--mtu") || !strcmp(a, "--count")) {
			unsigned long long x;

			errno = 0;
			x = strtoull(v, &end, 10);
			if (errno || end == v || *end || v[0] == '-' || x == 0 ||
			    (!strcmp(a, "--mtu") && (x < 68 || x > 9000))) {
				fprintf(stderr, "wirespeed fwd: %s: bad value '%s'\n", a, v);
				return -1;
			}
			if (!strcmp(a, "--mtu"))
				o->mtu = (unsigned)x;
			else
				o->count = x;
		} else {
			fprintf(stderr, "wirespeed fwd: unknown argument '%s'\n", a);
			return -1;
		}
		i++;
	}
	if (!o->in || !o->out) {
		fprintf(stderr, "wirespeed fwd: --in and --out are required\n");
		return -1;
	}
	return 0;
}

/* The routes into the FIB; every nexthop id leaves by the output port. */
static int load_routes(const struct opts *o, struct ws_fib *fib, struct ws_fwd *fwd)
{
	struct ws_route_list list = { 0 };
	char err[512];
	int rc;

	if (o->routes) {
		rc = ws_route_file_read(o->routes, NULL, &list, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "wirespeed fwd: %s\n", err);
			return rc == -EINVAL ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		}
	} else {
		struct ws_route def = { .len = 0, .nexthop = 0 };

		if (ws_route_list_push(&list, AF_INET, &def) || ws_route_list_push(&list, AF_INET6, &def)) {
			ws_route_list_free(&list);
			return WS_EXIT_FAIL;
		}
	}
	rc = ws_fib_load(fib, AF_INET, list.v4, list.n_v4);
	if (!rc)
		rc = ws_fib_load(fib, AF_INET6, list.v6, list.n_v6);
	for (size_t i = 0; !rc && i < list.n_v4 + list.n_v6; i++) {
		const struct ws_route *r = i < list.n_v4 ? &list.v4[i] : &list.v6[i - list.n_v4];

		rc = ws_fwd_set_adj(fwd, r->nexthop, 1, o->nbr_mac);
	}
	ws_route_list_free(&list);
	if (rc) {
		fprintf(stderr, "wirespeed fwd: %s: cannot load the routes: %s\n", o->routes ? o->routes : "default routes",
			strerror(-rc));
		return WS_EXIT_USAGE;
	}
	return 0;
}

static void summary(const struct opts *o, struct ws_port *in, struct ws_port *out, struct ws_fwd *fwd,
		    struct ws_graph *g)
{
	struct ws_pcap_stats ps = { 0 };
	uint64_t drops = 0;
	FILE *t = o->json ? stderr : stdout;

	ws_pcap_port_stats(in, &ps);
	for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
		drops += fwd->drops[r];
	fprintf(t, "in  %s: %llu packets read, %llu records skipped (%llu truncated, %llu shorter than Ethernet, "
		   "%llu too long)\n",
		o->in, (unsigned long long)in->stats.rx_packets,
		(unsigned long long)(ps.truncated + ps.too_short + ps.too_long), (unsigned long long)ps.truncated,
		(unsigned long long)ps.too_short, (unsigned long long)ps.too_long);
	fprintf(t, "out %s: %llu packets written\n", o->out, (unsigned long long)out->stats.tx_packets);
	fprintf(t, "dropped: %llu", (unsigned long long)drops);
	for (unsigned r = 1; r < WS_FWD_DROP_COUNT; r++)
		if (fwd->drops[r])
			fprintf(t, ", %s %llu", ws_fwd_drop_name(r), (unsigned long long)fwd->drops[r]);
	fprintf(t, "\n%-16s %8s %8s %8s\n", "node", "vectors", "packets", "pkts/vec");
	for (unsigned i = 0; i < ws_graph_nb_nodes(g); i++) {
		const struct ws_graph_node *n = ws_graph_node(g, i);

		if (n->stats.calls)
			fprintf(t, "%-16s %8llu %8llu %8.1f\n", n->name, (unsigned long long)n->stats.calls,
				(unsigned long long)n->stats.packets, (double)n->stats.packets / (double)n->stats.calls);
	}
	if (!o->json)
		return;
	printf("{\"rx_packets\":%llu,\"tx_packets\":%llu,\"dropped\":%llu,\"skipped_truncated\":%llu,"
	       "\"skipped_too_short\":%llu,\"skipped_too_long\":%llu,\"drops\":{",
	       (unsigned long long)in->stats.rx_packets, (unsigned long long)out->stats.tx_packets,
	       (unsigned long long)drops, (unsigned long long)ps.truncated, (unsigned long long)ps.too_short,
	       (unsigned long long)ps.too_long);
	for (unsigned r = 1, first = 1; r < WS_FWD_DROP_COUNT; r++)
		if (fwd->drops[r]) {
			printf("%s\"%s\":%llu", first ? "" : ",", ws_fwd_drop_name(r), (unsigned long long)fwd->drops[r]);
			first = 0;
		}
	printf("}}\n");
	ws_out_flush();
}

int ws_cmd_fwd(int argc, char **argv)
{
	struct ws_pool_config pc = { .nb_frames = 4096, .cache_size = 256 };
	struct opts o;
	char err[512];
	struct ws_pool *pool = NULL;
	struct ws_fib *fib = NULL;
	struct ws_fwd *fwd = NULL;
	struct ws_graph *g = NULL;
	struct ws_port *in = NULL, *out = NULL;
	struct ws_pkt *pk[BURST];
	uint64_t read = 0;
	int rc = WS_EXIT_FAIL;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	pool = ws_pool_create(&pc);
	fib = ws_fib_create();
	g = ws_graph_create();
	fwd = pool && fib ? ws_fwd_create(fib, pool) : NULL;
	if (!fwd || !g) {
		fprintf(stderr, "wirespeed fwd: out of memory\n");
		goto out;
	}
	in = ws_pcap_port_open_rx("in", 0, pool, o.in, err, sizeof(err));
	if (!in) {
		fprintf(stderr, "wirespeed fwd: %s\n", err);
		goto out;
	}
	out = ws_pcap_port_open_tx("out", 1, pool, o.out, err, sizeof(err));
	if (!out) {
		fprintf(stderr, "wirespeed fwd: %s\n", err);
		goto out;
	}
	memcpy(out->mac, o.mac, 6);
	out->mtu = (uint16_t)o.mtu;
	if (ws_fwd_add_port(fwd, in) || ws_fwd_add_port(fwd, out) || ws_fwd_add_nodes(fwd, g) ||
	    ws_graph_finalize(g, NULL)) {
		fprintf(stderr, "wirespeed fwd: cannot build the graph\n");
		goto out;
	}
	rc = load_routes(&o, fib, fwd);
	if (rc)
		goto out;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	uint64_t tick = o.stats_interval > 0 ? (uint64_t)(o.stats_interval * (double)ws_tsc_hz()) : 0;
	uint64_t next_tick = ws_rdtsc() + tick, last_rx = 0, last_tx = 0;

	while (!stop && !ws_pcap_port_rx_done(in)) {
		if (tick && ws_rdtsc() >= next_tick) {
			uint64_t drops = 0;

			for (unsigned r = 0; r < WS_FWD_DROP_COUNT; r++)
				drops += fwd->drops[r];
			fprintf(stderr, "fwd: read %llu written %llu dropped %llu | %.3f Mpps in, %.3f Mpps out\n",
				(unsigned long long)in->stats.rx_packets, (unsigned long long)out->stats.tx_packets,
				(unsigned long long)drops, (double)(in->stats.rx_packets - last_rx) / o.stats_interval / 1e6,
				(double)(out->stats.tx_packets - last_tx) / o.stats_interval / 1e6);
			last_rx = in->stats.rx_packets;
			last_tx = out->stats.tx_packets;
			next_tick += tick;
		}
		unsigned want = o.count && o.count - read < BURST ? (unsigned)(o.count - read) : BURST;
		unsigned got;

		if (!want)
			break;
		got = ws_port_rx_burst(in, pk, want);
		read += got;
		if (got) {
			ws_graph_enqueue(g, (unsigned)fwd->node_input, pk, got);
			ws_graph_run(g);
			ws_fwd_flush(fwd);
		} else if (!ws_pcap_port_rx_done(in)) {
			fprintf(stderr, "wirespeed fwd: no free frames (a bug: frames are not coming back)\n");
			break;
		}
	}
	rc = WS_EXIT_OK;
	if (ws_port_flush(out)) {
		fprintf(stderr, "wirespeed fwd: %s: write error\n", o.out);
		rc = WS_EXIT_FAIL;
	}
	if (ws_pcap_port_rx_error(in, err, sizeof(err))) {
		fprintf(stderr, "wirespeed fwd: %s\n", err);
		rc = WS_EXIT_FAIL;
	}
	summary(&o, in, out, fwd, g);
out:
	ws_port_close(in);
	ws_port_close(out);
	ws_graph_free(g);
	ws_fwd_free(fwd);
	ws_fib_free(fib);
	if (pool)
		ws_pool_free(pool);
	return rc;
}
