/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd_filter.c: the filter stage of `wirespeed fwd` (config `filter FILE
 * [dry-run] [no-xdp]`, or --filter FILE): the rule file compiled into
 *   - an XDP program on each interface port (filter/xdp_filter.h), the
 *     earliest place a frame can be dropped, for the rules XDP can run, and
 *   - the userspace "filter" node in front of ethernet-input
 *     (filter/node.h) for the rest,
 * the ctl commands `filter show` and `filter load`, and the filter table of
 * the exit summary.
 *
 * Which rules run where, per port:
 *   - afxdp: the program runs rules [0, k) (k = ws_filter_set_xdp_rules)
 *     and tags every frame it hands to the port's AF_XDP socket: decided,
 *     or "go on from rule k". The port puts its socket in the program's
 *     XSKMAP (the AF_XDP port loads no program of its own then).
 *   - afpacket, mmsg (and an afxdp port that fell back to AF_PACKET): frames
 *     reach the socket through the kernel without a tag, so the program must
 *     never pass a frame the userspace rules should still see: it runs rules
 *     [0, j), j = k or the first pass rule if that comes sooner, and
 *     userspace goes on from j (or classifies nothing when j is every rule).
 *   - pcap and mem ports: userspace runs every rule.
 * An XDP program that cannot be loaded or attached (no BPF, another program
 * on the interface) is reported, and that port's rules run in userspace.
 *
 * A reload builds everything new first (any error leaves the running
 * filter untouched), then swaps each port's program atomically and the
 * userspace stage, waits for a grace period (the worker may still be in a
 * vector of the old stage) and frees the old. Counters start again at zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/filter_run.h"
#include "app/fwd_run.h"
#include "core/rcu.h"
#include "filter/classify.h"
#include "filter/node.h"
#include "filter/rules.h"
#include "filter/xdp_filter.h"

/* The rules an untagged port's program may run: up to k, stopping at the
 * first pass rule (a frame it passed would look undecided to userspace). */
static size_t untagged_rules(const struct ws_filter_set *set)
{
	const struct ws_filter_rules *rules = ws_filter_set_rules(set);
	size_t k = ws_filter_set_xdp_rules(set), j;

	for (j = 0; j < k && rules->rules[j].action != WS_FILTER_PASS; j++)
		;
	return j;
}

/* The rule file as a stage (set and state; the ports' fields are set by the
 * caller): NULL with the error (FILE:LINE: ...) in err. */
static struct ws_filter_stage *stage_build(const char *path, bool dry_run, char *err, size_t errlen)
{
	struct ws_filter_rules *rules;
	struct ws_filter_stage *s;

	if (ws_filter_rules_parse_file(path, &rules, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		ws_filter_rules_free(rules);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->set = ws_filter_set_build(rules, err, errlen);
	if (s->set)
		s->state = ws_filter_state_new(s->set, dry_run);
	if (!s->set || !s->state) {
		if (s->set)
			snprintf(err, errlen, "out of memory");
		ws_filter_stage_free(s);
		return NULL;
	}
	return s;
}

/* Port i's XDP program for stage s, loaded (not attached): tagged (afxdp,
 * sharing xsks_fd's map when >= 0) or not. NULL with err, or NULL and no
 * err when the port needs none (its untagged program would run no rule). */
static struct ws_xdp_filter *xdp_load(const struct ws_filter_stage *s, bool tagged, bool dry_run, int xsks_fd,
				      char *err, size_t errlen)
{
	struct ws_xdp_filter_opts o = { .flags = dry_run ? WS_XDPF_DRY_RUN : 0, .max_rules = SIZE_MAX,
					.xsks_map_fd = xsks_fd };

	err[0] = 0;
	if (tagged) {
		o.flags |= WS_XDPF_TO_XSK | WS_XDPF_TAG;
	} else {
		o.max_rules = untagged_rules(s->set);
		/* nothing for XDP to run, unless the set is only `default drop` */
		if (!o.max_rules && ws_filter_set_rules(s->set)->n)
			return NULL;
	}
	return ws_xdp_filter_load_opts(s->set, &o, err, errlen);
}

/* What the stage says about port i, given its XDP program (or none). */
static void stage_port(struct ws_filter_stage *s, unsigned i, const struct ws_xdp_filter *xf, bool tagged)
{
	size_t k = xf ? ws_xdp_filter_rules(xf) : 0;

	if (i >= WS_FILTER_NODE_MAX_PORTS)
		return;
	s->tagged_ports &= ~(1ull << i);
	s->port_first[i] = 0;
	if (!xf)
		return;
	if (tagged)
		s->tagged_ports |= 1ull << i;
	else
		s->port_first[i] = k == ws_filter_set_rules(s->set)->n ? WS_FILTER_NODE_XDP_DECIDES : (uint32_t)k;
}

int ws_fwd_filter_prepare(struct fwd_run *r)
{
	struct ws_filter_stage *s;
	char err[1024];

	if (!r->cfg.filter_path)
		return 0;
	s = stage_build(r->cfg.filter_path, r->cfg.filter_dry_run, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "wirespeed fwd: filter: %s\n", err);
		return WS_EXIT_USAGE;
	}
	r->filter_stage = s;
	r->filter_dry_run = r->cfg.filter_dry_run;
	for (unsigned i = 0; i < r->cfg.nb_ports && !r->cfg.filter_no_xdp; i++) {
		const struct ws_fwd_config_port *cp = &r->cfg.ports[i];
		bool tagged = cp->kind == WS_FWD_PORT_AFXDP;
		struct ws_xdp_filter *xf;

		if (!ws_fwd_port_is_interface(cp->kind))
			continue;
		xf = xdp_load(s, tagged, r->filter_dry_run, -1, err, sizeof(err));
		if (xf && ws_xdp_filter_attach(xf, cp->dev, err, sizeof(err))) {
			ws_xdp_filter_close(xf);
			xf = NULL;
		}
		if (!xf && err[0])
			fprintf(stderr,
				"wirespeed fwd: port %s: no XDP early drop on %s (%s); its rules run in userspace\n",
				cp->name, cp->dev, err);
		else if (xf)
			fprintf(stderr, "wirespeed fwd: port %s: filter rules 0..%zu in XDP on %s (%s)%s\n", cp->name,
				ws_xdp_filter_rules(xf) - 1, cp->dev, ws_xdp_filter_mode(xf), tagged ? ", tagged" : "");
		r->xdpf[i] = xf;
		r->xdpf_tagged[i] = tagged && xf;
		stage_port(s, i, xf, tagged);
	}
	return 0;
}

void ws_fwd_filter_afxdp_config(struct fwd_run *r, unsigned i, struct ws_afxdp_config *xc)
{
	if (i >= WS_FWD_MAX_PORTS || !r->xdpf[i] || !r->xdpf_tagged[i])
		return;
	xc->ext_prog = true;
	xc->ext_generic = !strcmp(ws_xdp_filter_mode(r->xdpf[i]), "generic");
	xc->ext_xsks_map_fd = ws_xdp_filter_xsks_fd(r->xdpf[i]);
}

void ws_fwd_filter_fallback(struct fwd_run *r, unsigned i)
{
	const struct ws_fwd_config_port *cp = &r->cfg.ports[i];
	struct ws_xdp_filter *xf;
	char err[1024];

	if (i >= WS_FWD_MAX_PORTS || !r->xdpf[i])
		return;
	/* the tagged program would hand every frame to a socket that is not
	 * there (the kernel then passes it on untagged, undecided); put the
	 * untagged one in its place */
	xf = xdp_load(r->filter_stage, false, r->filter_dry_run, -1, err, sizeof(err));
	if (xf && ws_xdp_filter_replace(r->xdpf[i], xf, err, sizeof(err))) {
		ws_xdp_filter_close(xf);
		xf = NULL;
	}
	ws_xdp_filter_close(r->xdpf[i]);
	r->xdpf[i] = xf;
	r->xdpf_tagged[i] = false;
	stage_port(r->filter_stage, i, xf, false);
	if (!xf && err[0])
		fprintf(stderr, "wirespeed fwd: port %s: no XDP early drop on %s (%s); its rules run in userspace\n",
			cp->name, cp->dev, err);
}

int ws_fwd_filter_setup(struct fwd_run *r)
{
	int id;

	if (!r->filter_stage)
		return 0;
	r->filter = ws_filter_node_add(r->g, "ethernet-input", "drop", WS_FWD_DROP_FILTERED, r->filter_stage, &id);
	if (!r->filter) {
		fprintf(stderr, "wirespeed fwd: filter: cannot add the node: %s\n", strerror(errno));
		return WS_EXIT_FAIL;
	}
	r->filter_stage = NULL; /* the node's now */
	r->fwd->node_input = id;
	return 0;
}

void ws_fwd_filter_teardown(struct fwd_run *r)
{
	for (unsigned i = 0; i < WS_FWD_MAX_PORTS; i++) {
		ws_xdp_filter_close(r->xdpf[i]); /* detaches */
		r->xdpf[i] = NULL;
	}
	ws_filter_stage_free(r->filter_stage);
	r->filter_stage = NULL;
	if (!r->filter)
		return;
	ws_filter_stage_free(ws_filter_node_swap(r->filter, NULL));
	ws_filter_node_free(r->filter);
	r->filter = NULL;
}

/* Whether port p's XDP program runs rule i of n (i == n: the default
 * verdict, which it applies only when it runs every rule; its index k < n
 * counts what it handed to userspace, counted there again). */
static bool runs_in_xdp(const struct fwd_run *r, unsigned p, size_t i, size_t n)
{
	size_t k = r->xdpf[p] ? ws_xdp_filter_rules(r->xdpf[p]) : 0;

	return i < k || (r->xdpf[p] && i == n && k == n);
}

/* ws_filter_print_table's counters of rule i: the XDP programs' (for the
 * ports whose program runs it) plus the userspace node's. */
static void table_counters(void *ctx, size_t i, struct ws_filter_counters *c)
{
	struct fwd_run *r = ctx;
	const struct ws_filter_stage *s = ws_filter_node_stage(r->filter);
	size_t n = ws_filter_set_rules(s->set)->n;

	ws_filter_state_read(s->state, i, c);
	for (unsigned p = 0; p < WS_FWD_MAX_PORTS; p++) {
		struct ws_filter_counters x;

		if (runs_in_xdp(r, p, i, n) && ws_xdp_filter_read(r->xdpf[p], i, &x) == 0) {
			c->hits += x.hits;
			c->bytes += x.bytes;
			c->drops += x.drops;
		}
	}
}

/* ws_filter_print_table's "runs in" of rule i, over the ports. */
static const char *table_where(void *ctx, size_t i)
{
	struct fwd_run *r = ctx;
	size_t n = ws_filter_set_rules(ws_filter_node_stage(r->filter)->set)->n;
	bool xdp = false, user = false;

	for (unsigned p = 0; p < r->cfg.nb_ports; p++) {
		if (runs_in_xdp(r, p, i, n))
			xdp = true;
		else
			user = true;
	}
	return xdp && user ? "xdp+user" : xdp ? "xdp" : "userspace";
}

void ws_fwd_filter_print(struct fwd_run *r, FILE *out)
{
	const struct ws_filter_stage *s = r->filter ? ws_filter_node_stage(r->filter) : NULL;
	const struct ws_filter_rules *rules;
	struct ws_filter_node_stats ns;

	if (!s) {
		fprintf(out, "no filter\n");
		return;
	}
	rules = ws_filter_set_rules(s->set);
	ws_filter_node_stats(r->filter, &ns);
	fprintf(out, "filter %s%s: %zu rules\n", rules->name ? rules->name : "", r->filter_dry_run ? " (dry run)" : "",
		rules->n);
	for (unsigned p = 0; p < r->cfg.nb_ports; p++)
		if (r->xdpf[p])
			fprintf(out, "  port %s: rules 0..%zu in XDP on %s (%s%s)\n", r->cfg.ports[p].name,
				ws_xdp_filter_rules(r->xdpf[p]) - 1, r->cfg.ports[p].dev,
				ws_xdp_filter_mode(r->xdpf[p]), r->xdpf_tagged[p] ? ", tagged for AF_XDP" : "");
	ws_filter_print_table(out, rules, r->filter_dry_run, table_counters, table_where, r);
	fprintf(out, "userspace node: %" PRIu64 " dropped, %" PRIu64 " already decided in XDP, %" PRIu64
		     " without their tag\n",
		ns.dropped, ns.xdp_decided, ns.untagged);
}

/* filter load: everything new is built before anything running changes. */
static int filter_load(struct fwd_run *r, const char *path, bool dry, FILE *out)
{
	struct ws_xdp_filter *nx[WS_FWD_MAX_PORTS] = { 0 }, *ox[WS_FWD_MAX_PORTS];
	struct ws_filter_stage *s, *old;
	char err[1024];
	int rc = 0;

	s = stage_build(path, dry, err, sizeof(err));
	if (!s) {
		fprintf(out, "%s\nthe running rules are unchanged\n", err);
		return 2;
	}
	for (unsigned i = 0; i < r->cfg.nb_ports; i++) {
		if (!r->xdpf[i])
			continue;
		nx[i] = xdp_load(s, r->xdpf_tagged[i], dry,
				 r->xdpf_tagged[i] ? ws_xdp_filter_xsks_fd(r->xdpf[i]) : -1, err, sizeof(err));
		if (!nx[i] && err[0]) {
			fprintf(out, "port %s: %s\nthe running rules are unchanged\n", r->cfg.ports[i].name, err);
			for (unsigned j = 0; j < i; j++)
				ws_xdp_filter_close(nx[j]);
			ws_filter_stage_free(s);
			return 1;
		}
	}
	/* the swap: each program atomically (a port with a program whose new
	 * set needs none keeps the old one until the end, then loses it) */
	memcpy(ox, r->xdpf, sizeof(ox));
	for (unsigned i = 0; i < r->cfg.nb_ports; i++) {
		if (!ox[i])
			continue;
		if (nx[i] && ws_xdp_filter_replace(ox[i], nx[i], err, sizeof(err))) {
			fprintf(out, "port %s: %s; its rules run in userspace\n", r->cfg.ports[i].name, err);
			ws_xdp_filter_close(nx[i]);
			nx[i] = NULL;
			rc = 1;
		}
		stage_port(s, i, nx[i], r->xdpf_tagged[i]);
	}
	old = ws_filter_node_swap(r->filter, s);
	for (unsigned i = 0; i < r->cfg.nb_ports; i++)
		r->xdpf[i] = ox[i] ? nx[i] : NULL;
	r->filter_dry_run = dry;
	ws_rcu_synchronize(); /* the worker has left every vector that saw old */
	for (unsigned i = 0; i < r->cfg.nb_ports; i++)
		ws_xdp_filter_close(ox[i]); /* replaced: detaches nothing; else detaches */
	ws_filter_stage_free(old);
	fprintf(out, "loaded %s: %zu rules%s\n", path, ws_filter_set_rules(s->set)->n, dry ? " (dry run)" : "");
	return rc;
}

int ws_fwd_filter_cmd(struct fwd_run *r, int argc, char **argv, FILE *out)
{
	if (argc == 1 && !strcmp(argv[0], "show")) {
		ws_fwd_filter_print(r, out);
		return 0;
	}
	if ((argc == 2 || (argc == 3 && !strcmp(argv[2], "dry-run"))) && !strcmp(argv[0], "load")) {
		if (!r->filter) {
			fprintf(out, "this forwarder runs no filter (start it with `filter FILE` in its config, or "
				     "--filter FILE)\n");
			return 1;
		}
		return filter_load(r, argv[1], argc == 3, out);
	}
	fprintf(out, "usage: filter show | filter load FILE [dry-run]\n");
	return 2;
}
