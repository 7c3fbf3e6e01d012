/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd.c: `wirespeed fwd`: the forwarder. Ports, addresses, routes and
 * neighbours come from a config file (fwd/config.h) or, for the simple
 * capture-to-capture case the tests use, from flags. The main thread is the
 * worker: it polls every port that receives, runs the graph, sends, and
 * keeps the neighbour timers; the control socket (app/fwd_ctl.c) runs on a
 * thread of its own. At the end (input exhausted, --count, Ctrl-C or
 * SIGTERM) it prints where every packet went.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/fwd_run.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/rcu.h"
#include "ctl/ctl.h"
#include "fib/route_file.h"
#include "filter/xdp_filter.h"
#include "io/afpacket.h"
#include "io/afxdp.h"
#include "io/mem.h"
#include "io/mmsg.h"
#include "io/pcap.h"

#define BURST WS_GRAPH_VECTOR

/* Frames: the graph's vectors and TX queues, what neighbour queues may hold
 * (bounded by WS_FWD_QUEUED_MAX), and the AF_XDP fill rings (2048 per port
 * by default) and rings in flight, with room to spare. */
#define FWD_POOL_FRAMES 16384u

/*
 * Idle: after FWD_IDLE_SPINS empty rounds over the interfaces the worker
 * naps FWD_NAP_US (nanosleep) while it saw traffic in the last
 * FWD_NAP_WINDOW_MS, and sleeps in poll() (at most 1 ms) once traffic has
 * stopped. Why naps, not poll(): on the testbed VM a vCPU that sleeps until
 * a wakeup is sometimes descheduled by the host and woken milliseconds late;
 * with 0.69 Mpps arriving that lost up to 34 % of the load in the AF_XDP RX
 * ring (2048 slots, ~3 ms), where a 50 us nap holds ~35 packets. Against
 * spinning without a pause, the naps also spare the CPU the empty rounds:
 * bench_net.py, afxdp, 2 rounds of 5 s: 1283-1438 ns of CPU per forwarded
 * packet spinning, 677-794 napping, loss 0.1-0.2 % either way.
 */
#define FWD_IDLE_SPINS 64u
#define FWD_NAP_US 50u
#define FWD_NAP_WINDOW_MS 10u

static volatile sig_atomic_t stop;

/* The first Ctrl-C or SIGTERM stops the loop (the ports close and detach
 * their XDP programs on the way out); a second one, for a forwarder that
 * does not get there, detaches them at once and exits. */
static void on_signal(int sig)
{
	(void)sig;
	if (stop) {
		ws_afxdp_detach_all();
		ws_xdp_filter_detach_all();
		_exit(WS_EXIT_FAIL);
	}
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed fwd --config FILE [--filter RULES [--filter-dry-run]] [--count N]\n"
		"                     [--stats-interval S] [--json]\n"
		"       wirespeed fwd --in FILE --out FILE [--routes FILE] [--mac MAC]\n"
		"                     [--neighbour-mac MAC] [--mtu N] [--filter RULES [--filter-dry-run]]\n"
		"                     [--count N] [--stats-interval S] [--control PATH] [--json] [--help]\n"
		"\n"
		"Forwards packets through the graph: filter (when given rules), parse, IPv4/IPv6\n"
		"lookup, TTL/hop limit\n"
		"and checksum rewrite, MTU check; ARP and ND (answers for our addresses,\n"
		"resolves next hops), ICMP errors (time exceeded, unreachable, too big;\n"
		"rate-limited) and echo replies for our addresses.\n"
		"\n"
		"  --config FILE        ports (pcap files, synthetic mem traffic), addresses,\n"
		"                       routes, static neighbours and the control socket;\n"
		"                       the format is in docs/ARCHITECTURE.md (fwd/config.h)\n"
		"  --in FILE --out FILE without a config: read one capture (pcap or pcapng,\n"
		"                       Ethernet), write what leaves to a pcap file with\n"
		"                       timestamps 1 us apart, so that the output depends only\n"
		"                       on the input. Every route leaves by the output port to\n"
		"                       --neighbour-mac (no ARP: the ports have no addresses)\n"
		"  --routes FILE        with --in/--out: routes (one prefix per line, or `ip\n"
		"                       route` output); default 0.0.0.0/0 and ::/0\n"
		"  --mac MAC            with --in/--out: the output port's MAC (the new\n"
		"                       source), default 02:00:00:00:00:02\n"
		"  --neighbour-mac MAC  with --in/--out: the next hop's MAC (the new\n"
		"                       destination), default 02:00:00:00:00:03\n"
		"  --mtu N              with --in/--out: the output port's IP MTU, 68..9000,\n"
		"                       default 1500\n"
		"  --control PATH       with --in/--out: serve `wirespeed ctl` on PATH (a config\n"
		"                       file has its own `control` line; default there:\n"
		"                       " WS_CTL_DEFAULT_PATH ")\n"
		"  --filter RULES       filter in front of forwarding: the rule file (see\n"
		"                       `wirespeed filter --help`); the same as a config's\n"
		"                       `filter RULES` line. Dropped packets count as `filtered`;\n"
		"                       `wirespeed ctl filter show|load` while it runs\n"
		"  --filter-dry-run     count what the rules would drop, drop nothing\n"
		"  --count N            stop after N packets received\n"
		"  --stats-interval S   print a line every S seconds (0.1..3600): packets\n"
		"                       received, sent, dropped, and the rates since the last\n"
		"  --json               the summary as one JSON object on stdout\n"
		"\n"
		"It runs until every input is exhausted, --count, Ctrl-C or SIGTERM, then\n"
		"prints per-port counters, drops by reason, what was taken locally and what\n"
		"it sent of its own, and the per-node budget table. Exit 0; 1 when an input\n"
		"ends in a damaged record or a file cannot be read or written; 2 for a bad\n"
		"option, config or routes file (FILE:LINE: problem).\n");
}

struct opts {
	const char *config, *in, *out, *routes, *control, *filter;
	bool filter_dry_run;
	uint8_t mac[6], nbr_mac[6];
	unsigned mtu;
	uint64_t count;
	double stats_interval; /* seconds, 0: none */
	bool json, flag_mode_only; /* flag_mode_only: an option only --in/--out mode takes */
};

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
		} else if (!strcmp(a, "--filter-dry-run")) {
			o->filter_dry_run = true;
			continue;
		} else if (!v) {
			fprintf(stderr, "wirespeed fwd: %s needs a value\n", a);
			return -1;
		} else if (!strcmp(a, "--config")) {
			o->config = v;
		} else if (!strcmp(a, "--filter")) {
			o->filter = v;
		} else if (!strcmp(a, "--in")) {
			o->in = v;
		} else if (!strcmp(a, "--out")) {
			o->out = v;
		} else if (!strcmp(a, "--routes")) {
			o->routes = v;
			o->flag_mode_only = true;
		} else if (!strcmp(a, "--control")) {
			o->control = v;
			o->flag_mode_only = true;
		} else if (!strcmp(a, "--mac") || !strcmp(a, "--neighbour-mac")) {
			if (ws_arg_mac(v, !strcmp(a, "--mac") ? o->mac : o->nbr_mac)) {
				fprintf(stderr, "wirespeed fwd: %s wants a MAC like 02:00:00:00:00:01, got '%s'\n", a, v);
				return -1;
			}
			o->flag_mode_only = true;
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
			if (!strcmp(a, "--mtu")) {
				o->mtu = (unsigned)x;
				o->flag_mode_only = true;
			} else {
				o->count = x;
			}
		} else {
			fprintf(stderr, "wirespeed fwd: unknown argument '%s'\n", a);
			return -1;
		}
		i++;
	}
	if (o->config && (o->in || o->out || o->flag_mode_only)) {
		fprintf(stderr, "wirespeed fwd: --config takes the ports and routes from the file: "
				"drop --in/--out/--routes/--mac/--neighbour-mac/--mtu/--control\n");
		return -1;
	}
	if (o->filter_dry_run && !o->filter && !o->config) {
		fprintf(stderr, "wirespeed fwd: --filter-dry-run goes with --filter FILE\n");
		return -1;
	}
	if (!o->config && (!o->in || !o->out)) {
		fprintf(stderr, "wirespeed fwd: give --config FILE, or --in and --out\n");
		return -1;
	}
	return 0;
}

/* The flags as a config: port 0 "in" reads --in, port 1 "out" writes --out. */
static int flags_config(const struct opts *o, struct ws_fwd_config *cfg)
{
	struct ws_fwd_config_port *in = &cfg->ports[0], *out = &cfg->ports[1];

	memset(cfg, 0, sizeof(*cfg));
	cfg->nb_ports = 2;
	*in = (struct ws_fwd_config_port){ .name = "in", .kind = WS_FWD_PORT_PCAP, .id = 0, .mtu = 1500,
					   .mac = { 2, 0, 0, 0, 0, 1 } };
	*out = (struct ws_fwd_config_port){ .name = "out", .kind = WS_FWD_PORT_PCAP, .id = 1, .mtu = (uint16_t)o->mtu };
	memcpy(out->mac, o->mac, 6);
	in->rx = strdup(o->in);
	out->tx = strdup(o->out);
	if (o->control) {
		if (strlen(o->control) >= sizeof(cfg->control_path)) {
			fprintf(stderr, "wirespeed fwd: --control: path too long for a unix socket\n");
			return WS_EXIT_USAGE;
		}
		cfg->control = WS_FWD_CTL_PATH;
		snprintf(cfg->control_path, sizeof(cfg->control_path), "%s", o->control);
	} else {
		cfg->control = WS_FWD_CTL_NONE;
	}
	return in->rx && out->tx ? 0 : WS_EXIT_FAIL;
}

static void graph_overflow(void *ctx, struct ws_pkt **pkts, unsigned n)
{
	struct fwd_run *r = ctx;

	r->graph_overflow += n;
	ws_pool_put_bulk(r->pool, pkts, n);
}

/* A port on a Linux interface. AF_XDP falls back to AF_PACKET, saying why
 * (no AF_XDP in the kernel, the driver refuses, not root, ...). */
static struct ws_port *open_interface(struct fwd_run *r, const struct ws_fwd_config_port *cp, char *err,
				      size_t errlen)
{
	struct ws_afpacket_config ac = { .ifname = cp->dev };
	struct ws_port *port;

	if (cp->kind == WS_FWD_PORT_MMSG)
		return ws_mmsg_port_open(cp->name, cp->id, r->pool, cp->dev, err, errlen);
	if (cp->kind == WS_FWD_PORT_AFXDP) {
		struct ws_afxdp_config xc = { .ifname = cp->dev };
		char why[512] = "";

		ws_fwd_filter_afxdp_config(r, cp->id, &xc);
		if (!r->umem)
			r->umem = ws_afxdp_umem_create(r->pool, 0, 0, why, sizeof(why));
		port = r->umem ? ws_afxdp_port_open(cp->name, cp->id, r->umem, &xc, why, sizeof(why)) : NULL;
		if (port) {
			fprintf(stderr, "wirespeed fwd: port %s: AF_XDP on %s, %s\n", cp->name, cp->dev,
				ws_afxdp_port_mode(port));
			return port;
		}
		fprintf(stderr, "wirespeed fwd: port %s: no AF_XDP on %s (%s); using AF_PACKET\n", cp->name, cp->dev,
			why);
	}
	port = ws_afpacket_port_open(cp->name, cp->id, r->pool, &ac, err, errlen);
	if (port && cp->kind == WS_FWD_PORT_AFXDP) {
		r->fallback[cp->id] = true;
		ws_fwd_filter_fallback(r, cp->id); /* no AF_XDP socket: no tags either */
	}
	return port;
}

/* A file descriptor to wait on for port i's input, or -1 (files and
 * memory are never idle). */
static int port_fd(const struct fwd_run *r, unsigned i)
{
	const struct ws_port *port = r->ports[i];

	switch (r->cfg.ports[i].kind) {
	case WS_FWD_PORT_AFPACKET:
		return ws_afpacket_port_fd(port);
	case WS_FWD_PORT_AFXDP:
		return r->fallback[i] ? ws_afpacket_port_fd(port) : ws_afxdp_port_fd(port);
	case WS_FWD_PORT_MMSG:
		return ws_mmsg_port_fd(port);
	default:
		return -1;
	}
}

/* Open the config's ports. */
static int open_ports(struct fwd_run *r)
{
	char err[512];

	for (unsigned i = 0; i < r->cfg.nb_ports; i++) {
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];
		struct ws_port *port = NULL;

		if (cp->kind == WS_FWD_PORT_PCAP) {
			struct ws_port *rx = NULL, *tx = NULL;

			if (cp->rx && !(rx = ws_pcap_port_open_rx(cp->name, cp->id, r->pool, cp->rx, err, sizeof(err)))) {
				fprintf(stderr, "wirespeed fwd: port %s: %s\n", cp->name, err);
				return WS_EXIT_FAIL;
			}
			if (cp->tx && !(tx = ws_pcap_port_open_tx(cp->name, cp->id, r->pool, cp->tx, err, sizeof(err)))) {
				fprintf(stderr, "wirespeed fwd: port %s: %s\n", cp->name, err);
				ws_port_close(rx);
				return WS_EXIT_FAIL;
			}
			port = ws_port_pair(cp->name, cp->id, rx, tx);
			if (!port) {
				ws_port_close(rx);
				ws_port_close(tx);
			}
		} else if (cp->kind != WS_FWD_PORT_MEM) {
			port = open_interface(r, cp, err, sizeof(err));
			if (!port) {
				/* a missing interface is the config's mistake */
				int missing = errno == ENODEV;

				fprintf(stderr, "wirespeed fwd: %s:%u: port %s: %s\n", r->cfg_path, cp->line, cp->name, err);
				return missing ? WS_EXIT_USAGE : WS_EXIT_FAIL;
			}
		} else {
			uint32_t d4[WS_FWD_CONFIG_MAX_DSTS];
			struct ws_mem_config mc = { .family = cp->dst_family, .nb_dsts = cp->nb_dsts, .seed = cp->seed,
						    .count = cp->count, .nb_sizes = 1, .src_mac = { 2, 0, 0, 0, 0, 0xfe } };

			mc.sizes[0] = cp->size;
			if (cp->dst_family == AF_INET) {
				for (unsigned k = 0; k < cp->nb_dsts; k++) {
					uint32_t be;

					memcpy(&be, cp->dsts[k], 4);
					d4[k] = __builtin_bswap32(be);
				}
				mc.dsts = d4;
			} else {
				mc.dsts = cp->dsts;
			}
			port = ws_mem_port_create(cp->name, cp->id, r->pool, cp->mac, &mc);
		}
		if (!port) {
			fprintf(stderr, "wirespeed fwd: port %s: cannot open: %s\n", cp->name, strerror(errno));
			return WS_EXIT_FAIL;
		}
		/* an interface port starts with the interface's own */
		if (ws_fwd_port_is_interface(cp->kind) ? cp->has_mac : true)
			memcpy(port->mac, cp->mac, 6);
		if (ws_fwd_port_is_interface(cp->kind) ? cp->has_mtu : true)
			port->mtu = cp->mtu;
		r->ports[cp->id] = port;
		r->nb_ports = cp->id + 1u;
		if (ws_fwd_add_port(r->fwd, port)) {
			fprintf(stderr, "wirespeed fwd: port %s: cannot add\n", cp->name);
			return WS_EXIT_FAIL;
		}
	}
	return 0;
}

/* Routes collected for ws_fib_load (one whole-table publish per family). */
struct route_acc {
	struct ws_route_list list;
};

static int acc_add(struct fwd_run *r, struct route_acc *acc, int family, const uint8_t *addr, unsigned len,
		   const struct ws_nexthop_key *k)
{
	struct ws_route rt = { .len = (uint8_t)len };
	int id = ws_nh_get_or_add(r->nh, k);

	if (id < 0)
		return id;
	if (ws_nh_lookup(r->nh, (uint32_t)id)->refcnt == 1) {
		int rc = ws_fwd_set_nexthop(r->fwd, (uint32_t)id, k);

		if (rc)
			return rc;
	}
	memcpy(rt.addr, addr, family == AF_INET ? 4 : 16);
	rt.nexthop = (uint32_t)id;
	return ws_route_list_push(&acc->list, family, &rt);
}

static struct ws_nexthop_key nh_local(uint16_t port)
{
	return (struct ws_nexthop_key){ .type = WS_NH_LOCAL, .port = port };
}

/* Our addresses (LOCAL), their subnets (connected), and the destinations a
 * router never forwards (broadcast, multicast, IPv6 link-local: LOCAL, so
 * that ip4-local / ip6-local take them). */
static int local_routes(struct fwd_run *r, struct route_acc *acc)
{
	static const uint8_t mc4[16] = { 224 }, bc4[16] = { 255, 255, 255, 255 }, mc6[16] = { 0xff },
			     ll6[16] = { 0xfe, 0x80 };
	bool any6 = false;
	int rc = 0;

	for (unsigned i = 0; i < r->cfg.nb_ports && !rc; i++) {
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];

		any6 = true; /* every port has a link-local address */
		for (unsigned k = 0; k < cp->nb_addrs && !rc; k++) {
			const struct ws_fwd_config_addr *a = &cp->addrs[k];
			unsigned bits = a->family == AF_INET ? 32 : 128;
			struct ws_nexthop_key local = nh_local(cp->id);
			struct ws_nexthop_key conn = { .type = WS_NH_UNICAST, .port = cp->id };
			uint8_t net[16] = { 0 };

			snprintf(conn.dev, sizeof(conn.dev), "%s", cp->name);
			rc = ws_fwd_add_address(r->fwd, cp->id, a->family, a->addr, a->len);
			if (!rc)
				rc = acc_add(r, acc, a->family, a->addr, bits, &local);
			if (rc || a->len == bits)
				continue;
			for (unsigned b = 0; b < a->len; b++)
				if (a->addr[b / 8] & (0x80 >> (b % 8)))
					net[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			rc = acc_add(r, acc, a->family, net, a->len, &conn);
			if (!rc && a->family == AF_INET && a->len <= 30) { /* the subnet's broadcast address */
				uint8_t bc[16] = { 0 };

				memcpy(bc, net, 4);
				for (unsigned b = a->len; b < 32; b++)
					bc[b / 8] |= (uint8_t)(0x80 >> (b % 8));
				rc = acc_add(r, acc, AF_INET, bc, 32, &local);
			}
		}
	}
	if (!rc) {
		struct ws_nexthop_key local = nh_local(0);

		rc = acc_add(r, acc, AF_INET, mc4, 4, &local);
		if (!rc)
			rc = acc_add(r, acc, AF_INET, bc4, 32, &local);
		if (!rc && any6)
			rc = acc_add(r, acc, AF_INET6, mc6, 8, &local);
		if (!rc && any6)
			rc = acc_add(r, acc, AF_INET6, ll6, 10, &local);
	}
	return rc;
}

/* A route file's nexthop key as the forwarder's: the port from the device
 * name, else from the gateway's subnet; a line without gateway or device
 * takes the `routes` line's nexthop. 0, or -1 with the message in err. */
static int file_key(const struct fwd_run *r, const struct ws_fwd_config_route_file *rf,
		    const struct ws_nexthop_key *fk, struct ws_nexthop_key *k, char *err, size_t errlen)
{
	char what[96];

	*k = *fk;
	if (fk->type != WS_NH_UNICAST)
		return 0;
	if (!fk->gw_family && !fk->dev[0]) {
		if (!rf->has_nh) {
			snprintf(err, errlen, "%s: routes without a nexthop: give `via GW` or `dev PORT` on its `routes` line",
				 rf->path);
			return -1;
		}
		*k = rf->nh;
		return 0;
	}
	ws_nh_format(fk, what, sizeof(what));
	if (fk->dev[0]) {
		for (unsigned i = 0; i < r->cfg.nb_ports; i++)
			if (!strcmp(r->cfg.ports[i].name, fk->dev)) {
				k->port = r->cfg.ports[i].id;
				return 0;
			}
		snprintf(err, errlen, "%s: nexthop '%s': no port named '%s'", rf->path, what, fk->dev);
		return -1;
	}
	int port = ws_fwd_config_port_for(&r->cfg, fk->gw_family, fk->gw);

	if (port < 0) {
		snprintf(err, errlen, "%s: nexthop '%s': the gateway is not on any port's subnet", rf->path, what);
		return -1;
	}
	k->port = (uint16_t)port;
	snprintf(k->dev, sizeof(k->dev), "%s", r->cfg.ports[port].name);
	return 0;
}

static int file_routes(struct fwd_run *r, struct route_acc *acc, const struct ws_fwd_config_route_file *rf)
{
	struct ws_route_list list = { 0 };
	char err[512];
	int rc = ws_route_file_read(rf->path, NULL, &list, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "wirespeed fwd: %s\n", err);
		return rc == -EINVAL ? WS_EXIT_USAGE : WS_EXIT_FAIL;
	}
	for (size_t i = 0; !rc && i < list.n_v4 + list.n_v6; i++) {
		int family = i < list.n_v4 ? AF_INET : AF_INET6;
		const struct ws_route *rt = family == AF_INET ? &list.v4[i] : &list.v6[i - list.n_v4];
		struct ws_nexthop_key k;

		if (!list.nh) { /* ids (e.g. origin AS tags): all by the line's nexthop */
			struct ws_nexthop_key none = { .type = WS_NH_UNICAST, .port = WS_NH_PORT_NONE };

			if (file_key(r, rf, &none, &k, err, sizeof(err))) {
				fprintf(stderr, "wirespeed fwd: %s\n", err);
				rc = WS_EXIT_USAGE;
				break;
			}
		} else if (file_key(r, rf, &ws_nh_lookup(list.nh, rt->nexthop)->key, &k, err, sizeof(err))) {
			fprintf(stderr, "wirespeed fwd: %s\n", err);
			rc = WS_EXIT_USAGE;
			break;
		}
		if (acc_add(r, acc, family, rt->addr, rt->len, &k)) {
			fprintf(stderr, "wirespeed fwd: %s: too many distinct nexthops\n", rf->path);
			rc = WS_EXIT_USAGE;
		}
	}
	ws_route_list_free(&list);
	return rc;
}

/* The config's addresses, routes, route files and neighbours into fwd and
 * the FIB. */
static int apply_config(struct fwd_run *r)
{
	struct route_acc acc = { 0 };
	int rc;

	r->nh = ws_nh_table_create(WS_FIB_MAX_NEXTHOPS);
	if (!r->nh)
		return WS_EXIT_FAIL;
	rc = local_routes(r, &acc);
	for (size_t i = 0; !rc && i < r->cfg.nb_routes; i++) {
		const struct ws_fwd_config_route *cr = &r->cfg.routes[i];

		rc = acc_add(r, &acc, cr->family, cr->addr, cr->len, &cr->nh);
	}
	if (rc) {
		fprintf(stderr, "wirespeed fwd: cannot set up the routes: %s\n", strerror(-rc));
		ws_route_list_free(&acc.list);
		return WS_EXIT_FAIL;
	}
	for (unsigned i = 0; !rc && i < r->cfg.nb_route_files; i++)
		rc = file_routes(r, &acc, &r->cfg.route_files[i]);
	if (!rc && (ws_fib_load(r->fib, AF_INET, acc.list.v4, acc.list.n_v4) ||
		    ws_fib_load(r->fib, AF_INET6, acc.list.v6, acc.list.n_v6))) {
		fprintf(stderr, "wirespeed fwd: cannot load the routes\n");
		rc = WS_EXIT_FAIL;
	}
	ws_route_list_free(&acc.list);
	for (size_t i = 0; !rc && i < r->cfg.nb_neighbours; i++) {
		const struct ws_fwd_config_neighbour *n = &r->cfg.neighbours[i];

		if (ws_fwd_add_neighbour(r->fwd, n->port, n->family, n->addr, n->mac)) {
			fprintf(stderr, "wirespeed fwd: line %u: cannot add the neighbour\n", n->line);
			rc = WS_EXIT_FAIL;
		}
	}
	return rc;
}

/* --in/--out: the routes file (or the defaults), every nexthop id out of
 * port 1 to --neighbour-mac. */
static int flags_routes(const struct opts *o, struct fwd_run *r)
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
	rc = ws_fib_load(r->fib, AF_INET, list.v4, list.n_v4);
	if (!rc)
		rc = ws_fib_load(r->fib, AF_INET6, list.v6, list.n_v6);
	for (size_t i = 0; !rc && i < list.n_v4 + list.n_v6; i++) {
		const struct ws_route *rt = i < list.n_v4 ? &list.v4[i] : &list.v6[i - list.n_v4];

		rc = ws_fwd_set_adj(r->fwd, rt->nexthop, 1, o->nbr_mac);
	}
	ws_route_list_free(&list);
	if (rc) {
		fprintf(stderr, "wirespeed fwd: %s: cannot load the routes: %s\n", o->routes ? o->routes : "default routes",
			strerror(-rc));
		return WS_EXIT_USAGE;
	}
	return 0;
}

/* Whether port i has nothing more to receive. */
static bool rx_done(const struct fwd_run *r, unsigned i)
{
	const struct ws_fwd_config_port *cp = &r->cfg.ports[i];
	const struct ws_port *port = r->ports[i];

	if (cp->kind == WS_FWD_PORT_PCAP)
		return !cp->rx || ws_pcap_port_rx_done(ws_port_pair_rx(port));
	if (cp->kind == WS_FWD_PORT_MEM)
		return cp->count && port->stats.rx_packets >= cp->count;
	return false; /* an interface: until Ctrl-C */
}

static uint64_t total(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

static void stats_line(struct fwd_run *r, double interval, uint64_t *last_rx, uint64_t *last_tx)
{
	uint64_t rx = 0, tx = 0;

	for (unsigned i = 0; i < r->nb_ports; i++) {
		rx += r->ports[i]->stats.rx_packets;
		tx += r->ports[i]->stats.tx_packets;
	}
	fprintf(stderr, "fwd: received %" PRIu64 " sent %" PRIu64 " dropped %" PRIu64 " | %.3f Mpps in, %.3f Mpps out\n",
		rx, tx, total(r->fwd->drops, WS_FWD_DROP_COUNT), (double)(rx - *last_rx) / interval / 1e6,
		(double)(tx - *last_tx) / interval / 1e6);
	*last_rx = rx;
	*last_tx = tx;
}

/* How often the worker looks at its interfaces' link state (a syscall per
 * interface port, off the per-packet path). */
#define FWD_LINK_CHECK_MS 100u

/* Report an interface port whose link went down or came back (the
 * forwarder carries on with the others; a down port's TX is dropped and
 * counted as tx_full by the graph). */
static void check_links(struct fwd_run *r, int sock)
{
	for (unsigned i = 0; i < r->nb_ports; i++) {
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];
		struct ifreq ifr = { 0 };
		bool up;

		if (!ws_fwd_port_is_interface(cp->kind))
			continue;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cp->dev);
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
			up = false; /* gone altogether */
		else
			up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
		if (up != !r->link_down[i]) {
			r->link_down[i] = !up;
			fprintf(stderr, "wirespeed fwd: port %s (%s): link %s%s\n", cp->name, cp->dev, up ? "up" : "down",
				up ? "" : "; the other ports keep forwarding");
		}
	}
}

/* The worker loop: every receiving port in turn, a burst each. */
static int run(struct fwd_run *r, const struct opts *o)
{
	struct ws_pkt *pk[BURST];
	uint64_t read = 0, tick = o->stats_interval > 0 ? (uint64_t)(o->stats_interval * (double)ws_tsc_hz()) : 0;
	uint64_t next_tick = ws_rdtsc() + tick, last_rx = 0, last_tx = 0;

	ws_rcu_register();
	unsigned starved = 0, idle = 0, nb_fds = 0;
	uint64_t last_busy = 0, nap_window = ws_tsc_hz() / 1000 * FWD_NAP_WINDOW_MS;
	struct pollfd fds[WS_FWD_MAX_PORTS];

	uint64_t link_every = ws_tsc_hz() / 1000 * FWD_LINK_CHECK_MS, next_link = 0;
	int link_sock = -1;

	for (unsigned i = 0; i < r->nb_ports; i++) {
		int fd = port_fd(r, i);

		if (fd >= 0)
			fds[nb_fds++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	if (nb_fds)
		link_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	while (!stop) {
		bool all_done = true, got_any = false;
		uint64_t now = ws_rdtsc(); /* one read per round: the timers and the idle policy */

		if (link_sock >= 0 && now >= next_link) {
			check_links(r, link_sock);
			next_link = ws_rdtsc() + link_every;
		}

		if (tick && now >= next_tick) {
			stats_line(r, o->stats_interval, &last_rx, &last_tx);
			next_tick += tick;
		}
		for (unsigned i = 0; i < r->nb_ports && !stop; i++) {
			unsigned want = o->count && o->count - read < BURST ? (unsigned)(o->count - read) : BURST, got;

			if (rx_done(r, i))
				continue;
			all_done = false;
			if (!want)
				break;
			got = ws_port_rx_burst(r->ports[i], pk, want);
			read += got;
			if (got) {
				got_any = true;
				ws_graph_enqueue(r->g, (unsigned)r->fwd->node_input, pk, got);
				ws_graph_run(r->g);
			}
		}
		if (!got_any && nb_fds) {
			/* interfaces with nothing to read: spin a while (a burst is
			 * usually microseconds away under load), then nap while
			 * traffic flows, or sleep in poll() for up to a millisecond
			 * once it stopped, so an idle forwarder costs no CPU (see
			 * FWD_IDLE_SPINS); the neighbour timers are milliseconds */
			if (++idle >= FWD_IDLE_SPINS) {
				ws_rcu_offline();
				if (now - last_busy < nap_window)
					nanosleep(&(struct timespec){ 0, FWD_NAP_US * 1000 }, NULL);
				else
					(void)poll(fds, nb_fds, 1);
				ws_rcu_online();
			}
			continue;
		}
		idle = 0;
		last_busy = now;
		/* file and memory ports always have a packet while frames are
		 * free, and the neighbour queues hold at most WS_FWD_QUEUED_MAX */
		starved = got_any || all_done ? 0 : starved + 1;
		if (starved > 1000) {
			fprintf(stderr, "wirespeed fwd: no free frames (a bug: frames are not coming back)\n");
			break;
		}
		ws_fwd_flush(r->fwd);
		ws_fwd_tick(r->fwd);
		ws_rcu_quiescent();
		if (all_done || (o->count && read >= o->count))
			break;
	}
	if (link_sock >= 0)
		close(link_sock);
	ws_fwd_drain(r->fwd); /* what still waits for a neighbour: unresolved */
	ws_fwd_flush(r->fwd);
	ws_rcu_unregister();
	return 0;
}

static int setup(struct fwd_run *r, const struct opts *o)
{
	struct ws_pool_config pc = { .nb_frames = FWD_POOL_FRAMES, .cache_size = 256 };
	char err[512];
	int rc;

	if (o->config) {
		r->cfg_path = o->config;
		rc = ws_fwd_config_read(o->config, &r->cfg, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "wirespeed fwd: %s\n", err);
			return rc == -EINVAL ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		}
	} else {
		r->cfg_path = "(flags)";
		r->flags_mode = true;
		rc = flags_config(o, &r->cfg);
		if (rc)
			return rc;
	}
	if (o->filter) {
		/* --filter: the config's `filter` line, given on the command line */
		if (r->cfg.filter_path) {
			fprintf(stderr, "wirespeed fwd: --filter: %s:%u already has a filter line\n", r->cfg_path,
				r->cfg.filter_line);
			return WS_EXIT_USAGE;
		}
		r->cfg.filter_path = strdup(o->filter);
		if (!r->cfg.filter_path)
			return WS_EXIT_FAIL;
	}
	if (o->filter_dry_run)
		r->cfg.filter_dry_run = true;
	r->pool = ws_pool_create(&pc);
	r->fib = ws_fib_create();
	r->g = ws_graph_create();
	r->fwd = r->pool && r->fib ? ws_fwd_create(r->fib, r->pool) : NULL;
	if (!r->fwd || !r->g) {
		fprintf(stderr, "wirespeed fwd: out of memory\n");
		return WS_EXIT_FAIL;
	}
	rc = ws_fwd_filter_prepare(r); /* the XDP programs go on before the AF_XDP ports open */
	if (rc)
		return rc;
	rc = open_ports(r);
	if (rc)
		return rc;
	if (ws_fwd_add_nodes(r->fwd, r->g)) {
		fprintf(stderr, "wirespeed fwd: cannot build the graph\n");
		return WS_EXIT_FAIL;
	}
	rc = ws_fwd_filter_setup(r);
	if (rc)
		return rc;
	if (ws_graph_finalize(r->g, NULL)) {
		fprintf(stderr, "wirespeed fwd: cannot build the graph\n");
		return WS_EXIT_FAIL;
	}
	ws_graph_set_overflow(r->g, graph_overflow, r);
	return r->flags_mode ? flags_routes(o, r) : apply_config(r);
}

static void teardown(struct fwd_run *r)
{
	for (unsigned i = 0; i < r->nb_ports; i++)
		ws_port_close(r->ports[i]);
	ws_afxdp_umem_free(r->umem);
	ws_fwd_filter_teardown(r);
	ws_graph_free(r->g);
	ws_fwd_free(r->fwd);
	ws_fib_free(r->fib);
	ws_nh_table_free(r->nh);
	if (r->pool)
		ws_pool_free(r->pool);
	ws_fwd_config_free(&r->cfg);
}

/* Write errors and damaged inputs, port by port: exit 1 when any. */
static int check_files(struct fwd_run *r)
{
	char err[512];
	int rc = WS_EXIT_OK;

	for (unsigned i = 0; i < r->nb_ports; i++) {
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];

		if (cp->kind != WS_FWD_PORT_PCAP)
			continue;
		if (cp->tx && ws_port_flush(r->ports[i])) {
			fprintf(stderr, "wirespeed fwd: %s: write error\n", cp->tx);
			rc = WS_EXIT_FAIL;
		}
		if (cp->rx && ws_pcap_port_rx_error(ws_port_pair_rx(r->ports[i]), err, sizeof(err))) {
			fprintf(stderr, "wirespeed fwd: %s\n", err);
			rc = WS_EXIT_FAIL;
		}
	}
	return rc;
}

int ws_cmd_fwd(int argc, char **argv)
{
	struct fwd_run r = { 0 };
	struct ws_ctl_server *ctl = NULL;
	struct opts o;
	int rc;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (!getenv("WS_LOG"))
		ws_log_set_level(WS_LOG_WARN);
	rc = setup(&r, &o);
	if (rc)
		goto out;
	if (r.cfg.control != WS_FWD_CTL_NONE) {
		const char *path = r.cfg.control == WS_FWD_CTL_PATH ? r.cfg.control_path : WS_CTL_DEFAULT_PATH;
		char err[512];

		ctl = ws_ctl_server_start(path, ws_fwd_ctl_handler, &r, err, sizeof(err));
		if (!ctl && r.cfg.control == WS_FWD_CTL_PATH) {
			fprintf(stderr, "wirespeed fwd: control socket: %s\n", err);
			rc = WS_EXIT_FAIL;
			goto out;
		}
		if (!ctl)
			fprintf(stderr, "wirespeed fwd: no control socket (%s); `control none` in the config silences this\n",
				err);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r.start_tsc = ws_rdtsc();
	run(&r, &o);
	ws_ctl_server_stop(ctl); /* no command may read what teardown frees */
	ctl = NULL;
	rc = check_files(&r);
	if (o.json) {
		ws_fwd_print_counters(&r, stderr);
		ws_fwd_print_runtime(&r, stderr);
		ws_fwd_print_json(&r, stdout);
		ws_out_flush();
		if (r.filter)
			ws_fwd_filter_print(&r, stderr);
	} else {
		ws_fwd_print_counters(&r, stdout);
		ws_fwd_print_runtime(&r, stdout);
		if (r.filter)
			ws_fwd_filter_print(&r, stdout);
	}
out:
	ws_ctl_server_stop(ctl);
	teardown(&r);
	return rc;
}
