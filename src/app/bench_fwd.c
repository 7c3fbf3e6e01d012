/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fwd.c: `wirespeed bench fwd`: the forwarding graph on one pinned
 * core, mem port -> ethernet-input -> ip4/ip6 lookup -> rewrite -> tx -> mem
 * sink, on a full routing table with random routed destinations, 64-byte
 * frames. Prints, per family, ns and cycles per packet for the graph and
 * each node against the 67.2 ns budget of 10 GbE at 64 bytes.
 *
 * The table, the destinations, the graph and the timed loop are the
 * ws_bfwd_* functions below (app/bench_fwd.h), which bench/ws-bench-fwd
 * also builds, so that its comparison with DPDK's l3fwd times this very
 * loop on these very packets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/bench_fwd.h"

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

#define PROG "wirespeed bench fwd"
#define BUDGET_NS 67.2
#define DEFAULT_PACKETS 20000000u
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
		DEFAULT_PACKETS, WS_BFWD_NB_DSTS, WS_BFWD_NEXTHOP_SPREAD);
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

/* ---- app/bench_fwd.h: what this command and bench/ws-bench-fwd share ---- */

const uint8_t ws_bfwd_mac_in[6] = { 0x02, 0x57, 0, 0, 0, 1 };
const uint8_t ws_bfwd_mac_out[6] = { 0x02, 0x57, 0, 0, 0, 2 };
const uint8_t ws_bfwd_mac_peer[6] = { 0x02, 0x57, 0, 0, 0, 3 };

/* Uniform draws in 2000::/3 before falling back to addresses inside
 * routes: the real table routes about 0.04% of 2000::/3, so 2^16 hits take
 * about 2^28 draws (4 s with bulk lookups); a small table would take
 * forever. */
#define MAX_V6_DRAWS (1u << 28)

static void put_addr6(uint8_t *a, uint64_t hi, uint64_t lo)
{
	for (unsigned k = 0; k < 8; k++) {
		a[k] = (uint8_t)(hi >> (56 - 8 * k));
		a[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
	}
}

/* Random destinations the table routes: uniform IPv4 addresses, or uniform
 * in 2000::/3, kept when the lookup hits; for IPv6, what MAX_V6_DRAWS did
 * not find is filled with a random address inside a random route (more
 * long prefixes than real traffic has). dsts: WS_BFWD_NB_DSTS entries.
 * Returns how many came from the fallback, or -1. */
static long draw_dsts(struct ws_fib *fib, int family, const struct ws_route *routes, size_t n_routes,
		      uint64_t seed, void *dsts)
{
	uint64_t s = seed ^ 0xd57d57ull, tries = 0;
	unsigned n = 0;
	long fallback = 0;

	if (family == AF_INET) {
		while (n < WS_BFWD_NB_DSTS) {
			uint32_t a = (uint32_t)ws_splitmix64(&s);

			if (++tries > 4000ull * WS_BFWD_NB_DSTS)
				return -1; /* the table routes (almost) nothing */
			if (ws_lpm4_lookup(ws_fib_lpm4(fib), a) != WS_FIB_MISS)
				((uint32_t *)dsts)[n++] = a;
		}
		return 0;
	}
	uint8_t(*out)[16] = dsts;
	static uint8_t cand[WS_BFWD_BURST][16];
	uint32_t nh[WS_BFWD_BURST];

	/* uniform in 2000::/3, looked up a burst at a time */
	for (; n < WS_BFWD_NB_DSTS && tries < MAX_V6_DRAWS; tries += WS_BFWD_BURST) {
		for (unsigned k = 0; k < WS_BFWD_BURST; k++) {
			uint64_t hi = ws_splitmix64(&s), lo = ws_splitmix64(&s);

			put_addr6(cand[k], (hi >> 3) | (1ull << 61), lo);
		}
		ws_lpm6_lookup_bulk(ws_fib_lpm6(fib), (const uint8_t(*)[16])cand, nh, WS_BFWD_BURST);
		for (unsigned k = 0; k < WS_BFWD_BURST && n < WS_BFWD_NB_DSTS; k++)
			if (nh[k] != WS_FIB_MISS)
				memcpy(out[n++], cand[k], 16);
	}
	/* the rest inside random routes */
	for (unsigned guard = 0; n < WS_BFWD_NB_DSTS; guard++) {
		const struct ws_route *r = &routes[ws_splitmix64(&s) % n_routes];
		uint64_t phi = 0, plo = 0, hi = ws_splitmix64(&s), lo = ws_splitmix64(&s);
		uint64_t mhi = r->len >= 64 ? ~0ull : r->len ? ~0ull << (64 - r->len) : 0;
		uint64_t mlo = r->len <= 64 ? 0 : r->len >= 128 ? ~0ull : ~0ull << (128 - r->len);

		if (guard > 100u * WS_BFWD_NB_DSTS)
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

static int load_routes(const char *file, unsigned synthetic, int family, uint64_t seed, const char *prog,
		       struct ws_route **routes, size_t *n, char *name, size_t namelen)
{
	struct ws_route_list list = { 0 };
	char err[512];
	int rc;

	if (file) {
		rc = ws_route_file_read(file, NULL, &list, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return -1;
		}
		snprintf(name, namelen, "%s", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	} else {
		unsigned dflt = family == AF_INET ? WS_BFWD_SYNTHETIC_V4 : WS_BFWD_SYNTHETIC_V6;
		unsigned count = synthetic ? synthetic : dflt;

		rc = ws_route_gen(family == AF_INET ? count : 0, family == AF_INET ? 0 : count, seed, &list);
		if (rc) {
			fprintf(stderr, "%s: cannot generate a table: %s\n", prog, strerror(-rc));
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
		(*routes)[i].nexthop = (uint32_t)(((uint32_t)i * 2654435761u) >> 8) % WS_BFWD_NEXTHOP_SPREAD;
	ws_route_list_free(&list);
	return 0;
}

int ws_bfwd_table_load(struct ws_bfwd_table *t, int family, const char *file, unsigned synthetic, uint64_t seed,
		       const char *prog)
{
	*t = (struct ws_bfwd_table){ .family = family };
	if (load_routes(file, synthetic, family, seed, prog, &t->routes, &t->n_routes, t->name, sizeof(t->name)))
		return -1;
	if (!t->n_routes) {
		fprintf(stderr, "%s: %s has no IPv%d routes\n", prog, t->name, family == AF_INET ? 4 : 6);
		return -1;
	}
	t->fib = ws_fib_create();
	if (!t->fib || ws_fib_load(t->fib, family, t->routes, t->n_routes)) {
		fprintf(stderr, "%s: cannot load the table into the FIB\n", prog);
		return -1;
	}
	t->dsts = malloc(WS_BFWD_NB_DSTS * (family == AF_INET ? 4u : 16u));
	t->fallback = t->dsts ? draw_dsts(t->fib, family, t->routes, t->n_routes, seed, t->dsts) : -1;
	if (t->fallback < 0) {
		fprintf(stderr, "%s: cannot draw routed destinations from %s\n", prog, t->name);
		return -1;
	}
	if (t->fallback)
		fprintf(stderr, "%s: %ld of %u destinations drawn inside random routes (2^28 uniform "
				"draws in 2000::/3 found only %ld routed in %s)\n",
			prog, t->fallback, WS_BFWD_NB_DSTS, (long)WS_BFWD_NB_DSTS - t->fallback, t->name);
	return 0;
}

void ws_bfwd_table_free(struct ws_bfwd_table *t)
{
	ws_fib_free(t->fib);
	free(t->dsts);
	free(t->routes);
	*t = (struct ws_bfwd_table){ 0 };
}

void ws_bfwd_mem_config(const struct ws_bfwd_table *t, uint64_t seed, uint64_t count, struct ws_mem_config *mc)
{
	*mc = (struct ws_mem_config){ .family = t->family, .dsts = t->dsts, .nb_dsts = WS_BFWD_NB_DSTS, .seed = seed,
				      .count = count, .src_mac = { 0x02, 0x57, 0, 0, 0, 9 },
				      .src_ip = { 198, 18, 0, 1 } };
	if (t->family == AF_INET6) {
		static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

		memcpy(mc->src_ip, src6, 16);
	}
}

int ws_bfwd_graph_open(struct ws_bfwd_graph *bg, const struct ws_bfwd_table *t, uint64_t seed, uint64_t count,
		       const char *prog)
{
	struct ws_pool_config pc = { .nb_frames = 8192, .cache_size = 256 };

	*bg = (struct ws_bfwd_graph){ 0 };
	bg->pool = ws_pool_create(&pc);
	ws_bfwd_mem_config(t, seed, count, &bg->mc);
	if (bg->pool) {
		bg->in = ws_mem_port_create("mem0", 0, bg->pool, ws_bfwd_mac_in, &bg->mc);
		bg->out = ws_mem_port_create("mem1", 1, bg->pool, ws_bfwd_mac_out, &bg->mc);
	}
	bg->fwd = bg->pool ? ws_fwd_create(t->fib, bg->pool) : NULL;
	bg->g = ws_graph_create();
	if (!bg->in || !bg->out || !bg->fwd || !bg->g || ws_fwd_add_port(bg->fwd, bg->in) ||
	    ws_fwd_add_port(bg->fwd, bg->out) || ws_fwd_add_nodes(bg->fwd, bg->g) || ws_graph_finalize(bg->g, NULL)) {
		fprintf(stderr, "%s: setting up failed: %s\n", prog, strerror(errno));
		return -1;
	}
	for (uint32_t id = 0; id < WS_BFWD_NEXTHOP_SPREAD; id++)
		ws_fwd_set_adj(bg->fwd, id, 1, ws_bfwd_mac_peer);
	return 0;
}

void ws_bfwd_graph_close(struct ws_bfwd_graph *bg)
{
	ws_graph_free(bg->g);
	ws_fwd_free(bg->fwd);
	ws_port_close(bg->in);
	ws_port_close(bg->out);
	if (bg->pool)
		ws_pool_free(bg->pool);
	*bg = (struct ws_bfwd_graph){ 0 };
}

struct ws_port *ws_bfwd_source(const struct ws_bfwd_graph *bg, uint64_t count)
{
	struct ws_mem_config mc = bg->mc;

	if (count)
		mc.count = count;
	return ws_mem_port_create("mem0", 0, bg->pool, ws_bfwd_mac_in, &mc);
}

void ws_bfwd_run(struct ws_bfwd_graph *bg, struct ws_port *src, struct ws_bfwd_times *tm)
{
	struct ws_pkt *pk[WS_BFWD_BURST];
	uint64_t rx_cycles = 0, flush_cycles = 0, packets = 0;
	uint64_t t0 = ws_rdtsc();

	for (;;) {
		uint64_t a = ws_rdtsc();
		unsigned got = ws_port_rx_burst(src, pk, WS_BFWD_BURST);
		uint64_t b = ws_rdtsc();

		rx_cycles += b - a;
		if (!got)
			break;
		packets += got;
		ws_graph_enqueue(bg->g, (unsigned)bg->fwd->node_input, pk, got);
		ws_graph_run(bg->g);
		a = ws_rdtsc();
		ws_fwd_flush(bg->fwd);
		flush_cycles += ws_rdtsc() - a;
	}
	tm->total = ws_rdtsc() - t0;
	tm->rx = rx_cycles;
	tm->flush = flush_cycles;
	tm->packets = packets;
}

/* ---- `wirespeed bench fwd` ---- */

static int run_family(const struct opts *o, int family, int cpu)
{
	struct ws_bfwd_table tb;
	struct ws_bfwd_graph bg = { 0 };
	struct ws_bfwd_times tm;
	int rc = -1;
	FILE *t = o->json ? stderr : stdout;
	double tsc_ns = 1e9 / (double)ws_tsc_hz();

	if (ws_bfwd_table_load(&tb, family, o->table, o->synthetic, o->seed, PROG) ||
	    ws_bfwd_graph_open(&bg, &tb, o->seed, o->packets, PROG))
		goto out;
	ws_bfwd_run(&bg, bg.in, &tm);

	struct ws_graph *g = bg.g;
	struct ws_fwd *fwd = bg.fwd;
	const char *name = tb.name;
	size_t n_routes = tb.n_routes;
	uint64_t packets = tm.packets, flush_cycles = tm.flush, rx_cycles = tm.rx;
	uint64_t graph_cycles = tm.total - rx_cycles; /* everything but the source */
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
			       first ? "" : ",", nd->name, (unsigned long long)st->calls,
			       (unsigned long long)st->packets, cpp, cpp * tsc_ns);
		first = false;
	}
	double flush_cpp = (double)flush_cycles / (double)packets;
	double graph_ns = (double)graph_cycles / (double)packets * tsc_ns;
	double sum_ns = (double)node_sum / (double)packets * tsc_ns;
	double src_ns = (double)rx_cycles / (double)packets * tsc_ns;

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
	fprintf(t, "%s\n", bg.out->stats.tx_packets == packets ? " none" : "");
	fprintf(t, "goal <= %.0f ns/packet: %s\n", goal, graph_ns <= goal ? "met" : "NOT met");
	if (o->json) {
		printf("],\"flush_ns_per_pkt\":%.3f,\"ns_per_pkt\":%.3f,\"mpps\":%.2f,\"cycles_per_pkt\":%.2f,"
		       "\"nodes_sum_ns\":%.3f,\"budget_pct\":%.1f,\"source_ns_per_pkt\":%.3f,\"tx_packets\":%llu,"
		       "\"goal_ns\":%.0f,\"tsc_ghz\":%.3f}\n",
		       flush_cpp * tsc_ns, graph_ns, 1e3 / graph_ns, (double)graph_cycles / (double)packets, sum_ns,
		       graph_ns * 100 / BUDGET_NS, src_ns, (unsigned long long)bg.out->stats.tx_packets, goal,
		       1.0 / tsc_ns);
		ws_out_flush();
	}
	rc = 0;
out:
	ws_bfwd_graph_close(&bg);
	ws_bfwd_table_free(&tb);
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
