/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_ctl.c: what a running `wirespeed fwd` answers on its control socket
 * (`wirespeed ctl ...`), and the reports its exit summary shares with it:
 * the per-node runtime against the 67.2 ns budget (VPP's `show runtime`
 * with the budget beside it), the counters, the drops by reason, the
 * routes and the neighbours; and live route changes, applied through the
 * FIB's RCU path while the worker forwards.
 *
 * Control path: runs on the control socket's thread (see fwd_run.h for
 * what it may touch).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/fwd_run.h"
#include "core/cpu.h"
#include "fib/route_file.h"
#include "io/afpacket.h"
#include "io/afxdp.h"
#include "io/mmsg.h"
#include "io/pcap.h"

/* 10 GbE, 64-byte frames: 14.88 Mpps. */
#define BUDGET_NS 67.2

/* Routes `show routes` prints before it says how many more there are. */
#define SHOW_ROUTES_MAX 1000u

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

struct totals {
	uint64_t rx, tx, dropped, local, gen, gen_sent, forwarded;
};

static struct totals totals_of(const struct fwd_run *r)
{
	const struct ws_fwd *f = r->fwd;
	struct totals t = { 0 };

	for (unsigned i = 0; i < r->nb_ports; i++) {
		t.rx += r->ports[i]->stats.rx_packets;
		t.tx += r->ports[i]->stats.tx_packets;
	}
	t.dropped = sum(f->drops, WS_FWD_DROP_COUNT) + r->graph_overflow;
	t.local = sum(f->local, WS_FWD_LOCAL_COUNT);
	t.gen = sum(f->gen, WS_FWD_GEN_COUNT);
	t.gen_sent = t.gen - f->gen_dropped - f->queued_gen;
	t.forwarded = t.tx > t.gen_sent ? t.tx - t.gen_sent : 0;
	return t;
}

void ws_fwd_print_runtime(struct fwd_run *r, FILE *out)
{
	double ghz = (double)ws_tsc_hz() / 1e9, secs = (double)(ws_rdtsc() - r->start_tsc) / (ghz * 1e9);
	struct totals t = totals_of(r);
	uint64_t cycles = 0;

	fprintf(out, "runtime: %.1f s, budget %.1f ns per packet (10 GbE, 64-byte frames), TSC %.2f GHz\n", secs,
		BUDGET_NS, ghz);
	fprintf(out, "%-16s %10s %12s %9s %10s %8s %8s\n", "node", "vectors", "packets", "pkts/vec", "cycles/pkt",
		"ns/pkt", "%budget");
	for (unsigned i = 0; i < ws_graph_nb_nodes(r->g); i++) {
		const struct ws_graph_node *n = ws_graph_node(r->g, i);
		uint64_t calls = n->stats.calls, pk = n->stats.packets, cy = n->stats.cycles;
		double cpp = pk ? (double)cy / (double)pk : 0;

		cycles += cy;
		if (!calls)
			continue;
		fprintf(out, "%-16s %10" PRIu64 " %12" PRIu64 " %9.1f %10.1f %8.2f %7.1f%%\n", n->name, calls, pk,
			(double)pk / (double)calls, cpp, cpp / ghz, cpp / ghz / BUDGET_NS * 100);
	}
	if (t.rx) {
		double cpp = (double)cycles / (double)t.rx;

		fprintf(out, "%-16s %10s %12" PRIu64 " %9s %10.1f %8.2f %7.1f%%   (all nodes, per packet received)\n",
			"total", "", t.rx, "", cpp, cpp / ghz, cpp / ghz / BUDGET_NS * 100);
	}
}

static void print_named(FILE *out, const char *title, const uint64_t *v, unsigned n, const char *(*name)(unsigned))
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		if (!v[i] || !name(i))
			continue;
		fprintf(out, "%s%s %" PRIu64, any ? ", " : title, name(i), v[i]);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

/* What the kernel dropped for want of room before a port's receive side saw
 * it (AF_XDP: RX ring full or dropped at the socket; AF_PACKET and mmsg:
 * ring or receive buffer full): packets the forwarder never counted as
 * received, reported so that none goes missing silently. 0 for other kinds. */
static uint64_t port_kernel_drops(struct ws_port *p)
{
	struct ws_afxdp_stats xs;
	struct ws_afpacket_stats as;
	struct ws_mmsg_stats ms;

	if (ws_afxdp_port_stats(p, &xs) == 0)
		return xs.rx_dropped + xs.rx_ring_full;
	if (ws_afpacket_port_stats(p, &as) == 0)
		return as.rx_kernel_drops;
	if (ws_mmsg_port_stats(p, &ms) == 0)
		return ms.rx_kernel_drops;
	return 0;
}

void ws_fwd_print_counters(struct fwd_run *r, FILE *out)
{
	struct totals t = totals_of(r);
	const struct ws_fwd *f = r->fwd;

	fprintf(out, "%-12s %-8s %12s %14s %12s %14s %9s %14s\n", "port", "kind", "rx_packets", "rx_bytes", "tx_packets",
		"tx_bytes", "tx_errors", "kernel_dropped");
	for (unsigned i = 0; i < r->nb_ports; i++) {
		struct ws_port *p = r->ports[i];
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];

		fprintf(out, "%-12s %-8s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " %9" PRIu64 " %14" PRIu64 "\n",
			p->name, ws_fwd_port_kind_name(cp->kind), p->stats.rx_packets, p->stats.rx_bytes,
			p->stats.tx_packets, p->stats.tx_bytes, p->stats.tx_errors, port_kernel_drops(p));
		if (cp->kind == WS_FWD_PORT_PCAP && cp->rx) {
			struct ws_pcap_stats ps = { 0 };

			ws_pcap_port_stats(ws_port_pair_rx(p), &ps);
			if (ps.truncated + ps.too_short + ps.too_long)
				fprintf(out, "  %s: records skipped: %" PRIu64 " truncated, %" PRIu64
					     " shorter than Ethernet, %" PRIu64 " too long\n",
					cp->rx, ps.truncated, ps.too_short, ps.too_long);
		}
	}
	fprintf(out,
		"received %" PRIu64 ": forwarded %" PRIu64 ", dropped %" PRIu64 ", taken locally %" PRIu64
		", waiting for a neighbour %" PRIu32 "\n",
		t.rx, t.forwarded, t.dropped, t.local, f->queued - f->queued_gen);
	fprintf(out, "made %" PRIu64 " (%" PRIu64 " could not be sent); ICMP errors rate-limited %" PRIu64 "\n", t.gen,
		f->gen_dropped, f->icmp_ratelimited);
	print_named(out, "  taken: ", f->local, WS_FWD_LOCAL_COUNT, ws_fwd_local_name);
	print_named(out, "  made: ", f->gen, WS_FWD_GEN_COUNT, ws_fwd_gen_name);
	print_named(out, "  dropped: ", f->drops, WS_FWD_DROP_COUNT, ws_fwd_drop_name);
	if (r->graph_overflow)
		fprintf(out, "  graph overflow (a bug): %" PRIu64 "\n", r->graph_overflow);
}

void ws_fwd_print_drops(struct fwd_run *r, FILE *out)
{
	const struct ws_fwd *f = r->fwd;
	bool any = false;

	for (unsigned i = 1; i < WS_FWD_DROP_COUNT; i++) {
		if (!f->drops[i])
			continue;
		fprintf(out, "%-24s %12" PRIu64 "\n", ws_fwd_drop_name(i), f->drops[i]);
		any = true;
	}
	if (f->gen_dropped)
		fprintf(out, "%-24s %12" PRIu64 "\n", "(made by us, not sent)", f->gen_dropped);
	if (!any && !f->gen_dropped)
		fprintf(out, "no drops\n");
}

static void json_named(FILE *out, const char *key, const uint64_t *v, unsigned from, unsigned n,
		       const char *(*name)(unsigned))
{
	bool first = true;

	fprintf(out, ",\"%s\":{", key);
	for (unsigned i = from; i < n; i++) {
		if (!v[i])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", name(i), v[i]);
		first = false;
	}
	fputc('}', out);
}

void ws_fwd_print_json(struct fwd_run *r, FILE *out)
{
	struct totals t = totals_of(r);
	const struct ws_fwd *f = r->fwd;
	struct ws_pcap_stats all = { 0 };

	for (unsigned i = 0; i < r->nb_ports; i++) {
		struct ws_pcap_stats ps = { 0 };

		if (r->cfg.ports[i].kind == WS_FWD_PORT_PCAP && r->cfg.ports[i].rx &&
		    !ws_pcap_port_stats(ws_port_pair_rx(r->ports[i]), &ps)) {
			all.truncated += ps.truncated;
			all.too_short += ps.too_short;
			all.too_long += ps.too_long;
		}
	}
	fprintf(out,
		"{\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64 ",\"forwarded\":%" PRIu64 ",\"dropped\":%" PRIu64
		",\"local\":%" PRIu64 ",\"generated\":%" PRIu64 ",\"gen_dropped\":%" PRIu64 ",\"queued\":%" PRIu32
		",\"queued_generated\":%" PRIu32 ",\"icmp_ratelimited\":%" PRIu64 ",\"graph_overflow\":%" PRIu64
		",\"skipped_truncated\":%" PRIu64 ",\"skipped_too_short\":%" PRIu64 ",\"skipped_too_long\":%" PRIu64,
		t.rx, t.tx, t.forwarded, t.dropped, t.local, t.gen, f->gen_dropped, f->queued - f->queued_gen,
		f->queued_gen, f->icmp_ratelimited, r->graph_overflow, all.truncated, all.too_short, all.too_long);
	json_named(out, "drops", f->drops, 1, WS_FWD_DROP_COUNT, ws_fwd_drop_name);
	json_named(out, "local_by_kind", f->local, 0, WS_FWD_LOCAL_COUNT, ws_fwd_local_name);
	json_named(out, "generated_by_kind", f->gen, 0, WS_FWD_GEN_COUNT, ws_fwd_gen_name);
	fprintf(out, ",\"ports\":[");
	for (unsigned i = 0; i < r->nb_ports; i++)
		fprintf(out, "%s{\"name\":\"%s\",\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			",\"kernel_dropped\":%" PRIu64 "}", i ? "," : "", r->ports[i]->name, r->ports[i]->stats.rx_packets,
			r->ports[i]->stats.tx_packets, port_kernel_drops(r->ports[i]));
	fprintf(out, "]}\n");
}

/* ---- routes ---- */

/* "PREFIX" or "ADDR" (then *len = -1) of either family. */
static int parse_prefix(const char *s, int *family, uint8_t addr[16], int *len)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	char *end;
	long l;

	*family = ws_route_parse_addr(s, n, addr);
	if (*family < 0)
		return -1;
	if (!slash) {
		*len = -1;
		return 0;
	}
	errno = 0;
	l = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || l < 0 || l > (*family == AF_INET ? 32 : 128))
		return -1;
	*len = (int)l;
	return 0;
}

static bool host_bits_clear(const uint8_t *addr, unsigned len, unsigned bits)
{
	for (unsigned b = len; b < bits; b++)
		if (addr[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

int ws_fwd_route_add_key(struct fwd_run *r, int family, const uint8_t *addr, unsigned len,
			 const struct ws_nexthop_key *k)
{
	uint32_t old;
	int had = ws_fib_route_get(r->fib, family, addr, len, &old) == 0;
	int id = ws_nh_get_or_add(r->nh, k), rc;

	if (id < 0)
		return id;
	if (ws_nh_lookup(r->nh, (uint32_t)id)->refcnt == 1) {
		rc = ws_fwd_set_nexthop(r->fwd, (uint32_t)id, k);
		if (rc) {
			ws_nh_unref(r->nh, (uint32_t)id);
			return rc;
		}
	}
	rc = ws_fib_route_replace(r->fib, family, addr, len, (uint32_t)id);
	if (rc < 0) {
		ws_nh_unref(r->nh, (uint32_t)id);
		return rc;
	}
	if (had)
		ws_nh_unref(r->nh, old);
	return 0;
}

static int port_by_name(const struct fwd_run *r, const char *name)
{
	for (unsigned i = 0; i < r->cfg.nb_ports; i++)
		if (!strcmp(r->cfg.ports[i].name, name))
			return (int)i;
	return -1;
}

static const char route_usage[] = "usage: route add PREFIX via GW [dev PORT] | route add PREFIX dev PORT |\n"
				  "       route add PREFIX blackhole|unreachable|prohibit | route del PREFIX\n";

int ws_fwd_route_cmd(struct fwd_run *r, int argc, char **argv, FILE *out)
{
	struct ws_nexthop_key k = { .type = WS_NH_UNICAST, .port = WS_NH_PORT_NONE };
	uint8_t addr[16] = { 0 };
	int family, len, rc, dev = -1;
	bool add;

	if (argc < 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "del"))) {
		fputs(route_usage, out);
		return 2;
	}
	add = !strcmp(argv[0], "add");
	if (r->flags_mode || !r->nh) {
		fprintf(out, "route changes need a forwarder started with --config (ports with addresses)\n");
		return 1;
	}
	if (parse_prefix(argv[1], &family, addr, &len) || len < 0) {
		fprintf(out, "route: '%s' is not a prefix (ADDR/LEN)\n", argv[1]);
		return 2;
	}
	if (!host_bits_clear(addr, (unsigned)len, family == AF_INET ? 32 : 128)) {
		fprintf(out, "route: %s has host bits set\n", argv[1]);
		return 2;
	}
	if (!add) {
		uint32_t old;

		if (argc != 2) {
			fputs(route_usage, out);
			return 2;
		}
		if (ws_fib_route_get(r->fib, family, addr, (unsigned)len, &old)) {
			fprintf(out, "route del: no route %s\n", argv[1]);
			return 1;
		}
		rc = ws_fib_route_delete(r->fib, family, addr, (unsigned)len);
		if (rc) {
			fprintf(out, "route del %s: %s\n", argv[1], strerror(-rc));
			return 1;
		}
		ws_nh_unref(r->nh, old);
		fprintf(out, "deleted %s\n", argv[1]);
		return 0;
	}
	for (int i = 2; i < argc; i++) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(w, "blackhole") || !strcmp(w, "unreachable") || !strcmp(w, "prohibit")) {
			k.type = !strcmp(w, "blackhole") ? WS_NH_BLACKHOLE
				 : !strcmp(w, "unreachable") ? WS_NH_UNREACHABLE : WS_NH_PROHIBIT;
			continue;
		}
		if (!v || (strcmp(w, "via") && strcmp(w, "dev"))) {
			fputs(route_usage, out);
			return 2;
		}
		i++;
		if (!strcmp(w, "dev")) {
			dev = port_by_name(r, v);
			if (dev < 0) {
				fprintf(out, "route: no port named '%s'\n", v);
				return 2;
			}
		} else {
			int gwfam = ws_route_parse_addr(v, strlen(v), k.gw);

			if (gwfam != family) {
				fprintf(out, "route: gateway '%s' is not an %s address\n", v,
					family == AF_INET ? "IPv4" : "IPv6");
				return 2;
			}
			k.gw_family = (uint8_t)gwfam;
		}
	}
	if (k.type != WS_NH_UNICAST) {
		if (k.gw_family || dev >= 0) {
			fputs(route_usage, out);
			return 2;
		}
	} else {
		if (!k.gw_family && dev < 0) {
			fputs(route_usage, out);
			return 2;
		}
		if (k.gw_family) {
			int on = ws_fwd_config_port_for(&r->cfg, family, k.gw);

			if (on < 0 || (dev >= 0 && on != dev)) {
				char gw[WS_ROUTE_PREFIX_STRLEN];

				ws_route_format_prefix(family, k.gw, family == AF_INET ? 32 : 128, gw, sizeof(gw));
				*strchr(gw, '/') = 0;
				fprintf(out, "route: gateway %s is not on %s%s's subnets\n", gw, dev >= 0 ? "port " : "any port",
					dev >= 0 ? r->cfg.ports[dev].name : "");
				return 2;
			}
			dev = on;
		}
		k.port = (uint16_t)dev;
		snprintf(k.dev, sizeof(k.dev), "%s", r->cfg.ports[dev].name);
	}
	rc = ws_fwd_route_add_key(r, family, addr, (unsigned)len, &k);
	if (rc) {
		fprintf(out, "route add %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	fprintf(out, "added %s\n", argv[1]);
	return 0;
}

struct route_print {
	struct fwd_run *r;
	FILE *out;
	int family;
	unsigned shown, total;
};

static void print_route(struct fwd_run *r, FILE *out, int family, const uint8_t *addr, unsigned len, uint32_t nh)
{
	char pfx[WS_ROUTE_PREFIX_STRLEN], what[96] = "?";
	const struct ws_nexthop *e = r->nh ? ws_nh_lookup(r->nh, nh) : NULL;

	ws_route_format_prefix(family, addr, len, pfx, sizeof(pfx));
	if (e && e->key.type == WS_NH_LOCAL)
		snprintf(what, sizeof(what), "local");
	else if (e)
		ws_nh_format(&e->key, what, sizeof(what));
	else if (r->flags_mode)
		snprintf(what, sizeof(what), "nexthop %" PRIu32 " dev out", nh);
	fprintf(out, "%s %s\n", pfx, what);
}

static int walk_print(const uint8_t *addr, unsigned len, uint32_t nexthop, void *arg)
{
	struct route_print *rp = arg;

	rp->total++;
	if (rp->shown < SHOW_ROUTES_MAX) {
		print_route(rp->r, rp->out, rp->family, addr, len, nexthop);
		rp->shown++;
	}
	return 0;
}

static int show_routes(struct fwd_run *r, int argc, char **argv, FILE *out)
{
	uint8_t addr[16] = { 0 };
	int family, len;

	if (argc > 1) {
		fprintf(out, "usage: show routes [PREFIX|ADDRESS]\n");
		return 2;
	}
	if (argc == 1) {
		if (parse_prefix(argv[0], &family, addr, &len)) {
			fprintf(out, "show routes: '%s' is not an address or prefix\n", argv[0]);
			return 2;
		}
		if (len < 0) { /* an address: the route it takes, as `ip route get` */
			uint32_t nh;
			unsigned ml;

			if (ws_fib_route_lookup(r->fib, family, addr, &nh, &ml)) {
				fprintf(out, "%s: no route\n", argv[0]);
				return 1;
			}
			uint8_t net[16];

			memcpy(net, addr, 16);
			for (unsigned b = ml; b < 128; b++)
				net[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			print_route(r, out, family, net, ml, nh);
			return 0;
		}
		if (!host_bits_clear(addr, (unsigned)len, family == AF_INET ? 32 : 128)) {
			fprintf(out, "show routes: %s has host bits set\n", argv[0]);
			return 2;
		}
		struct route_print rp = { r, out, family, 0, 0 };

		ws_fib_walk(r->fib, family, addr, (unsigned)len, walk_print, &rp);
		if (rp.total > rp.shown)
			fprintf(out, "... and %u more\n", rp.total - rp.shown);
		return 0;
	}
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		struct route_print rp = { r, out, fam, 0, 0 };

		ws_fib_walk(r->fib, fam, addr, 0, walk_print, &rp);
		if (rp.total > rp.shown)
			fprintf(out, "... and %u more (show routes PREFIX shows a part)\n", rp.total - rp.shown);
	}
	return 0;
}

static int show_neighbours(struct fwd_run *r, FILE *out)
{
	struct ws_fwd *f = r->fwd;
	unsigned n = 0;

	fprintf(out, "%-12s %-40s %-17s %-10s %s\n", "port", "address", "mac", "state", "queued");
	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < WS_NEIGH_MAX; i++) {
		const struct ws_neigh *e = &f->neigh.e[i];
		char ip[WS_ROUTE_PREFIX_STRLEN];

		if (e->state == WS_NEIGH_FREE)
			continue;
		ws_route_format_prefix(e->family, e->ip, e->family == AF_INET ? 32 : 128, ip, sizeof(ip));
		*strchr(ip, '/') = 0;
		fprintf(out, "%-12s %-40s %02x:%02x:%02x:%02x:%02x:%02x %-10s %u\n",
			f->ports[e->port] ? f->ports[e->port]->name : "?", ip, e->mac[0], e->mac[1], e->mac[2], e->mac[3],
			e->mac[4], e->mac[5], ws_neigh_state_name(e->state), e->nb_queued);
		n++;
	}
	pthread_mutex_unlock(&f->lock);
	fprintf(out, "%u neighbours\n", n);
	return 0;
}

static const char help_text[] = "commands:\n"
				"  show runtime                 per node: vectors, packets, cycles and ns per packet,\n"
				"                               % of the 67.2 ns budget\n"
				"  show counters                per port, and where every packet went\n"
				"  show drops                   drops by reason\n"
				"  show routes [PREFIX|ADDR]    the routes (a prefix: those inside; an address: its route)\n"
				"  show neighbours              ARP and ND entries\n"
				"  route add PREFIX via GW [dev PORT]\n"
				"  route add PREFIX dev PORT\n"
				"  route add PREFIX blackhole|unreachable|prohibit\n"
				"  route del PREFIX\n"
				"  filter show                  the filter's rules with hits, bytes and drops\n"
				"  filter load FILE [dry-run]   replace the filter's rules without stopping\n";

int ws_fwd_ctl_handler(void *ctx, int argc, char **argv, FILE *out)
{
	struct fwd_run *r = ctx;

	if (!strcmp(argv[0], "help")) {
		fputs(help_text, out);
		return 0;
	}
	if (!strcmp(argv[0], "route"))
		return ws_fwd_route_cmd(r, argc - 1, argv + 1, out);
	if (!strcmp(argv[0], "filter"))
		return ws_fwd_filter_cmd(r, argc - 1, argv + 1, out);
	if (!strcmp(argv[0], "show") && argc >= 2) {
		const char *what = argv[1];

		if (!strcmp(what, "routes"))
			return show_routes(r, argc - 2, argv + 2, out);
		if (argc == 2 && !strcmp(what, "runtime")) {
			ws_fwd_print_runtime(r, out);
			return 0;
		}
		if (argc == 2 && !strcmp(what, "counters")) {
			ws_fwd_print_counters(r, out);
			return 0;
		}
		if (argc == 2 && !strcmp(what, "drops")) {
			ws_fwd_print_drops(r, out);
			return 0;
		}
		if (argc == 2 && (!strcmp(what, "neighbours") || !strcmp(what, "neighbors")))
			return show_neighbours(r, out);
	}
	fprintf(out, "unknown command '%s%s%s'\n%s", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "", help_text);
	return 2;
}
