/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fwd.c: `wirespeed bench fwd`: the forwarding graph on one pinned
 * core, mem port -> ethernet-input -> ip4/ip6 lookup -> rewrite -> tx -> mem
 * sink, on a full routing table with random routed destinations, 64-byte
 * frames. Prints, per family, ns and cycles per packet for the graph and
 * each node against the 67.2 ns budget of 10 GbE at 64 bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/app.h"
#include "app/bench_core.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/rng.h"
#include "fib/fib_table.h"
#include "fib/route_file.h"
#include "fib/route_gen.h"
#include "fwd/fwd.h"
#include "graph/graph.h"
#include "io/mem.h"

#define BUDGET_NS 67.2
#define NB_DSTS (1u << 16)        /* destinations the source draws from */
#define BURST WS_GRAPH_VECTOR     /* RX burst = one vector */
#define DEFAULT_PACKETS 20000000u
#define NEXTHOP_SPREAD 4096u      /* as the FIB benchmarks: neighbours differ */
#define GOAL_NS_V4 30.0
#define GOAL_NS_V6 40.0

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed bench fwd [--family 4|6|both] [--table FILE] [--synthetic N]\n"
		"                           [--packets N] [--seed S] [--json] [--help]\n"
		"\n"
		"Forwards N packets (default %u) of 64 bytes (60 + FCS) from an in-memory\n"
		"source through the graph (ethernet-input, ip4/ip6-lookup, ip4/ip6-rewrite,\n"
		"tx) to an in-memory sink, on the first CPU this process may use. The\n"
		"table: FILE (prefix list or `ip route` output, maybe gzip'd), else a\n"
		"synthetic table with the real length mix (default 900000 IPv4 / 160000\n"
		"IPv6 prefixes). Destinations: %u random addresses that the table routes\n"
		"(IPv6: uniform in 2000::/3, then inside random routes if that finds too few).\n"
		"Every prefix gets one of %u nexthops, all resolved to the sink port.\n"
		"\n"
		"Prints per node: vectors, packets per vector, cycles and ns per packet,\n"
		"and the share of the 67.2 ns budget; the source's own cost is shown apart.\n"
		"  --json   one JSON object per line on stdout (the table goes to stderr)\n",
		DEFAULT_PACKETS, NB_DSTS, NEXTHOP_SPREAD);
}

struct opts {
	bool v4, v6, json;
	const char *table;
	unsigned synthetic;
	uint64_t packets, seed;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .v4 = true, .v6 = true, .packets = DEFAULT_PACKETS, .seed = 1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			exit(WS_EXIT_OK);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--family") && v) {
			o->v4 = !strcmp(v, "4") || !strcmp(v, "both");
			o->v6 = !strcmp(v, "6") || !strcmp(v, "both");
			if (!o->v4 && !o->v6) {
				fprintf(stderr, "wirespeed bench fwd: --family wants 4, 6 or both, got '%s'\n", v);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--table") && v) {
			o->table = v;
			i++;
		} else if ((!strcmp(a, "--synthetic") || !strcmp(a, "--packets") || !strcmp(a, "--seed")) && v) {
			if (parse_u64(v, &x) || (strcmp(a, "--seed") && (x == 0 || x > WS_ROUTE_GEN_MAX * 16ull))) {
				fprintf(stderr, "wirespeed bench fwd: %s wants a positive count, got '%s'\n", a, v);
				return -1;
			}
			if (!strcmp(a, "--synthetic"))
				o->synthetic = (unsigned)x;
			else if (!strcmp(a, "--packets"))
				o->packets = x;
			else
				o->seed = x;
			i++;
		} else {
			fprintf(stderr, "wirespeed bench fwd: unknown argument '%s'\n", a);
			return -1;
		}
	}
	if (o->table && o->synthetic) {
		fprintf(stderr, "wirespeed bench fwd: --table and --synthetic exclude each other\n");
		return -1;
	}
	return 0;
}

/* Uniform draws in 2000::/3 before falling back to addresses inside
 * routes: the real table routes about 0.04% of 2000::/3, so 2^16 hits take
 * about 2^28 draws (4 s with bulk lookups); a small table would take
 * forever. */
#define MAX_V6_DRAWS (1u << 28)

/* Random destinations the table routes: uniform IPv4 addresses, or uniform
 * in 2000::/3, kept when the lookup hits; for IPv6, what MAX_V6_DRAWS did
 * not find is filled with a random address inside a random route (more
 * long prefixes than real traffic has). dsts: NB_DSTS entries. Returns how
 * many came from the fallback, or -1. */
static void put_addr6(uint8_t *a, uint64_t hi, uint64_t lo)
{
	for (unsigned k = 0; k < 8; k++) {
		a[k] = (uint8_t)(hi >> (56 - 8 * k));
		a[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
	}
}

static long draw_dsts(struct ws_fib *fib, int family, const struct ws_route *routes, size_t n_routes,
		      uint64_t seed, void *dsts)
{
	uint64_t s = seed ^ 0xd57d57ull, tries = 0;
	unsigned n = 0;
	long fallback = 0;

	if (family == AF_INET) {
		while (n < NB_DSTS) {
			uint32_t a = (uint32_t)ws_splitmix64(&s);

			if (++tries > 4000ull * NB_DSTS)
				return -1; /* the table routes (almost) nothing */
			if (ws_lpm4_lookup(ws_fib_lpm4(fib), a) != WS_FIB_MISS)
				((uint32_t *)dsts)[n++] = a;
		}
		return 0;
	}
	uint8_t(*out)[16] = dsts;
	static uint8_t cand[BURST][16];
	uint32_t nh[BURST];

	/* uniform in 2000::/3, looked up a burst at a time */
	for (; n < NB_DSTS && tries < MAX_V6_DRAWS; tries += BURST) {
		for (unsigned k = 0; k < BURST; k++) {
			uint64_t hi = ws_splitmix64(&s), lo = ws_splitmix64(&s);

			put_addr6(cand[k], (hi >> 3) | (1ull << 61), lo);
		}
		ws_lpm6_lookup_bulk(ws_fib_lpm6(fib), (const uint8_t(*)[16])cand, nh, BURST);
		for (unsigned k = 0; k < BURST && n < NB_DSTS; k++)
			if (nh[k] != WS_FIB_MISS)
				memcpy(out[n++], cand[k], 16);
	}
	/* the rest inside random routes */
	for (unsigned guard = 0; n < NB_DSTS; guard++) {
		const struct ws_route *r = &routes[ws_splitmix64(&s) % n_routes];
		uint64_t phi = 0, plo = 0, hi = ws_splitmix64(&s), lo = ws_splitmix64(&s);
		uint64_t mhi = r->len >= 64 ? ~0ull : r->len ? ~0ull << (64 - r->len) : 0;
		uint64_t mlo = r->len <= 64 ? 0 : r->len >= 128 ? ~0ull : ~0ull << (128 - r->len);

		if (guard > 100u * NB_DSTS)
			return -1;
		for (unsigned k = 0; k < 8; k++) {
			phi = phi << 8 | r->addr[k];
			plo = plo << 8 | r->addr[8 + k];
		}
		put_addr6(out[n], (phi & mhi) | (hi & ~mhi), (plo & mlo) | (lo & ~mlo));
		if (ws_lpm6_lookup(ws_fib_lpm6(fib), out[n]) != WS_FIB_MISS) {
			n++;
			fallback++;
		}
	}
	return fallback;
}

static int load_routes(const struct opts *o, int family, struct ws_route **routes, size_t *n, char *name,
		       size_t namelen)
{
	struct ws_route_list list = { 0 };
	char err[512];
	int rc;

	if (o->table) {
		rc = ws_route_file_read(o->table, NULL, &list, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "wirespeed bench fwd: %s\n", err);
			return -1;
		}
		snprintf(name, namelen, "%s", strrchr(o->table, '/') ? strrchr(o->table, '/') + 1 : o->table);
	} else {
		unsigned count = o->synthetic ? o->synthetic : family == AF_INET ? 900000 : 160000;

		rc = ws_route_gen(family == AF_INET ? count : 0, family == AF_INET ? 0 : count, o->seed, &list);
		if (rc) {
			fprintf(stderr, "wirespeed bench fwd: cannot generate a table: %s\n", strerror(-rc));
			return -1;
		}
		snprintf(name, namelen, "synthetic-%u", count);
	}
	*n = family == AF_INET ? list.n_v4 : list.n_v6;
	*routes = malloc((*n ? *n : 1) * sizeof(**routes));
	if (!*routes) {
		ws_route_list_free(&list);
		return -1;
	}
	memcpy(*routes, family == AF_INET ? list.v4 : list.v6, *n * sizeof(**routes));
	for (size_t i = 0; i < *n; i++)
		(*routes)[i].nexthop = (uint32_t)(((uint32_t)i * 2654435761u) >> 8) % NEXTHOP_SPREAD;
	ws_route_list_free(&list);
	return 0;
}

static int run_family(const struct opts *o, int family, int cpu)
{
	static const uint8_t mac_in[6] = { 0x02, 0x57, 0, 0, 0, 1 }, mac_out[6] = { 0x02, 0x57, 0, 0, 0, 2 },
			     mac_peer[6] = { 0x02, 0x57, 0, 0, 0, 3 };
	struct ws_pool_config pc = { .nb_frames = 8192, .cache_size = 256 };
	char name[128];
	struct ws_route *routes = NULL;
	size_t n_routes = 0;
	struct ws_fib *fib = NULL;
	struct ws_pool *pool = NULL;
	struct ws_port *in = NULL, *out = NULL;
	struct ws_fwd *fwd = NULL;
	struct ws_graph *g = NULL;
	void *dsts = NULL;
	struct ws_pkt *pk[BURST];
	int rc = -1;
	FILE *t = o->json ? stderr : stdout;
	double tsc_ns = 1e9 / (double)ws_tsc_hz();

	if (load_routes(o, family, &routes, &n_routes, name, sizeof(name)))
		goto out;
	if (!n_routes) {
		fprintf(stderr, "wirespeed bench fwd: %s has no IPv%d routes\n", name, family == AF_INET ? 4 : 6);
		goto out;
	}
	fib = ws_fib_create();
	if (!fib || ws_fib_load(fib, family, routes, n_routes)) {
		fprintf(stderr, "wirespeed bench fwd: cannot load the table into the FIB\n");
		goto out;
	}
	dsts = malloc(NB_DSTS * (family == AF_INET ? 4u : 16u));
	long fallback = dsts ? draw_dsts(fib, family, routes, n_routes, o->seed, dsts) : -1;

	if (fallback < 0) {
		fprintf(stderr, "wirespeed bench fwd: cannot draw routed destinations from %s\n", name);
		goto out;
	}
	if (fallback)
		fprintf(stderr, "wirespeed bench fwd: %ld of %u destinations drawn inside random routes (2^28 uniform "
				"draws in 2000::/3 found only %ld routed in %s)\n",
			fallback, NB_DSTS, (long)NB_DSTS - fallback, name);
	pool = ws_pool_create(&pc);
	struct ws_mem_config mc = { .family = family, .dsts = dsts, .nb_dsts = NB_DSTS, .seed = o->seed,
				    .count = o->packets, .src_mac = { 0x02, 0x57, 0, 0, 0, 9 },
				    .src_ip = { 198, 18, 0, 1 } };
	if (family == AF_INET6) {
		static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

		memcpy(mc.src_ip, src6, 16);
	}
	if (pool) {
		in = ws_mem_port_create("mem0", 0, pool, mac_in, &mc);
		out = ws_mem_port_create("mem1", 1, pool, mac_out, &mc);
	}
	fwd = pool ? ws_fwd_create(fib, pool) : NULL;
	g = ws_graph_create();
	if (!in || !out || !fwd || !g || ws_fwd_add_port(fwd, in) || ws_fwd_add_port(fwd, out) ||
	    ws_fwd_add_nodes(fwd, g) || ws_graph_finalize(g, NULL)) {
		fprintf(stderr, "wirespeed bench fwd: setting up failed: %s\n", strerror(errno));
		goto out;
	}
	for (uint32_t id = 0; id < NEXTHOP_SPREAD; id++)
		ws_fwd_set_adj(fwd, id, 1, mac_peer);

	uint64_t rx_cycles = 0, flush_cycles = 0, packets = 0;
	uint64_t t0 = ws_rdtsc();

	for (;;) {
		uint64_t a = ws_rdtsc();
		unsigned got = ws_port_rx_burst(in, pk, BURST);
		uint64_t b = ws_rdtsc();

		rx_cycles += b - a;
		if (!got)
			break;
		packets += got;
		ws_graph_enqueue(g, (unsigned)fwd->node_input, pk, got);
		ws_graph_run(g);
		a = ws_rdtsc();
		ws_fwd_flush(fwd);
		flush_cycles += ws_rdtsc() - a;
	}
	uint64_t total = ws_rdtsc() - t0;
	uint64_t graph_cycles = total - rx_cycles; /* everything but the source */
	uint64_t node_sum = flush_cycles;
	double goal = family == AF_INET ? GOAL_NS_V4 : GOAL_NS_V6;

	fprintf(t, "\nIPv%d, table %s (%zu prefixes), %llu packets of %u bytes, CPU %d\n", family == AF_INET ? 4 : 6,
		name, n_routes, (unsigned long long)packets, family == AF_INET ? 60u : 62u, cpu);
	fprintf(t, "%-16s %10s %8s %10s %8s %8s\n", "node", "vectors", "pkts/vec", "cycles/pkt", "ns/pkt", "budget");
	if (o->json) {
		printf("{\"bench\":\"fwd\",\"family\":%d,\"table\":\"%s\",\"prefixes\":%zu,\"packets\":%llu,"
		       "\"frame_bytes\":%u,\"cpu\":%d,\"nodes\":[",
		       family == AF_INET ? 4 : 6, name, n_routes, (unsigned long long)packets,
		       family == AF_INET ? 64u : 66u, cpu);
	}
	bool first = true;

	for (unsigned i = 0; i < ws_graph_nb_nodes(g); i++) {
		const struct ws_graph_node *nd = ws_graph_node(g, i);
		const struct ws_graph_node_stats *st = &nd->stats;
		double cpp = packets ? (double)st->cycles / (double)packets : 0;

		node_sum += st->cycles;
		if (!st->calls)
			continue;
		fprintf(t, "%-16s %10llu %8.1f %10.2f %8.2f %7.1f%%\n", nd->name, (unsigned long long)st->calls,
			(double)st->packets / (double)st->calls, cpp, cpp * tsc_ns, cpp * tsc_ns * 100 / BUDGET_NS);
		if (o->json)
			printf("%s{\"name\":\"%s\",\"vectors\":%llu,\"packets\":%llu,\"cycles_per_pkt\":%.3f,"
			       "\"ns_per_pkt\":%.3f}",
			       first ? "" : ",", nd->name, (unsigned long long)st->calls, (unsigned long long)st->packets,
			       cpp, cpp * tsc_ns);
		first = false;
	}
	double flush_cpp = (double)flush_cycles / (double)packets, graph_ns = (double)graph_cycles / (double)packets * tsc_ns;
	double sum_ns = (double)node_sum / (double)packets * tsc_ns, src_ns = (double)rx_cycles / (double)packets * tsc_ns;

	fprintf(t, "%-16s %10s %8s %10.2f %8.2f %7.1f%%\n", "port-tx (flush)", "", "", flush_cpp, flush_cpp * tsc_ns,
		flush_cpp * tsc_ns * 100 / BUDGET_NS);
	fprintf(t, "forwarding: %.2f ns/packet (%.1f Mpps on one core, %.1f%% of the budget); nodes + flush add up "
		   "to %.2f ns (%.1f%% of it)\n",
		graph_ns, 1e3 / graph_ns, graph_ns * 100 / BUDGET_NS, sum_ns, sum_ns * 100 / graph_ns);
	fprintf(t, "the mem source itself: %.2f ns/packet (not counted above)\n", src_ns);
	fprintf(t, "drops:");
	for (unsigned r = 1; r < WS_FWD_DROP_COUNT; r++)
		if (fwd->drops[r])
			fprintf(t, " %s %llu", ws_fwd_drop_name(r), (unsigned long long)fwd->drops[r]);
	fprintf(t, "%s\n", out->stats.tx_packets == packets ? " none" : "");
	fprintf(t, "goal <= %.0f ns/packet: %s\n", goal, graph_ns <= goal ? "met" : "NOT met");
	if (o->json) {
		printf("],\"flush_ns_per_pkt\":%.3f,\"ns_per_pkt\":%.3f,\"mpps\":%.2f,\"cycles_per_pkt\":%.2f,"
		       "\"nodes_sum_ns\":%.3f,\"budget_pct\":%.1f,\"source_ns_per_pkt\":%.3f,\"tx_packets\":%llu,"
		       "\"goal_ns\":%.0f,\"tsc_ghz\":%.3f}\n",
		       flush_cpp * tsc_ns, graph_ns, 1e3 / graph_ns, (double)graph_cycles / (double)packets, sum_ns,
		       graph_ns * 100 / BUDGET_NS, src_ns, (unsigned long long)out->stats.tx_packets, goal,
		       1.0 / tsc_ns);
		ws_out_flush();
	}
	rc = 0;
out:
	ws_graph_free(g);
	ws_fwd_free(fwd);
	ws_port_close(in);
	ws_port_close(out);
	if (pool)
		ws_pool_free(pool);
	ws_fib_free(fib);
	free(dsts);
	free(routes);
	return rc;
}

int ws_cmd_bench_fwd(int argc, char **argv)
{
	struct opts o;
	int cpu[2], rc = 0;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	ws_bench_cpus(cpu);
	if (ws_cpu_pin(cpu[0]) != 0)
		fprintf(stderr, "wirespeed bench fwd: cannot pin to CPU %d: figures will be noisier\n", cpu[0]);
	if (o.json) {
		printf("{\"bench\":\"machine\",");
		ws_bench_machine_json(stdout);
		printf("}\n");
		ws_out_flush();
	}
	if (o.v4)
		rc |= run_family(&o, AF_INET, cpu[0]);
	if (o.v6)
		rc |= run_family(&o, AF_INET6, cpu[0]);
	return rc ? WS_EXIT_FAIL : WS_EXIT_OK;
}
