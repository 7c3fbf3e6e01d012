/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * filter_run.c: `wirespeed filter run --dev IF`, the scrubber: the rule
 * file compiled into the XDP program (filter/xdp_filter.h) on IF, in the
 * driver when it can (native), else generic. What the rules drop never gets
 * an skb; what they pass goes on to the kernel's stack (XDP_PASS). The
 * process only holds the program, prints the rates, serves `filter show`
 * and `filter load` on its control socket and removes the program at the end
 * (Ctrl-C, SIGTERM, --duration; a second Ctrl-C detaches at once).
 *
 * Every rule must run in XDP here: a rule the XDP program cannot run (a
 * tcpdump expression, more than WS_FILTER_XDP_MAX_LIST overlapping rules)
 * needs the userspace node, which only `wirespeed fwd --filter` has.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/filter_run.h"
#include "ctl/ctl.h"
#include "filter/classify.h"
#include "filter/rules.h"
#include "filter/xdp_filter.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	if (stop)
		ws_xdp_filter_detach_all(); /* the second one: leave nothing behind, now */
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: wirespeed filter run --dev IF --rules FILE [--dry-run] [--duration S]\n"
		"                            [--stats-interval S] [--control PATH|none] [--bpf-stats]\n"
		"                            [--json]\n"
		"\n"
		"A scrubber on interface IF: the rules (see `wirespeed filter --help`) run in an\n"
		"XDP program, in the driver when it can (native), else generic (said at start).\n"
		"What they drop is dropped before the kernel spends an skb on it; what they\n"
		"pass goes on to the kernel's stack. Every rule must be one XDP can run (no\n"
		"tcpdump expression; `wirespeed filter explain FILE` says): `wirespeed fwd\n"
		"--filter` runs the others in userspace.\n"
		"\n"
		"  --dev IF             the interface (root needed: CAP_BPF and CAP_NET_ADMIN)\n"
		"  --rules FILE         the rule file\n"
		"  --dry-run            count what the rules would drop, drop nothing\n"
		"  --duration S         stop after S seconds (default: at Ctrl-C or SIGTERM)\n"
		"  --stats-interval S   a line every S seconds: frames, passed, dropped, rates\n"
		"                       (default 1; 0: none)\n"
		"  --control PATH|none  serve `wirespeed filter list|load` (and `wirespeed ctl\n"
		"                       filter show|load`) on PATH; default " WS_CTL_DEFAULT_PATH "\n"
		"  --bpf-stats          have the kernel time the program (BPF_ENABLE_STATS) and\n"
		"                       give its ns per frame at the end; while it runs the kernel\n"
		"                       times every BPF program on the host, which adds two clock\n"
		"                       reads (about 20 ns) to each of their runs\n"
		"  --json               the summary as one JSON object on stdout\n"
		"\n"
		"At the end: per rule, hits, bytes and drops. The program is removed at exit,\n"
		"Ctrl-C and SIGTERM included. Exit 0; 1 failed (no XDP, not root); 2 a bad\n"
		"option or rule file (FILE:LINE: problem).\n");
}

struct run {
	const char *dev;
	struct ws_filter_set *set;
	struct ws_xdp_filter *xf;
	bool dry_run;
	bool bpf_stats; /* report the kernel's run-time statistics of the program */
	char rules_path[4096];
	pthread_mutex_t lock; /* xf, set, dry_run, rules_path: swapped by the control thread */
};

/* Compile path for XDP: the set and a loaded (not attached) program; NULL
 * after writing the reason to out. *usage_error: the file's fault. */
static struct ws_xdp_filter *load(const char *path, bool dry_run, struct ws_filter_set **set_out, FILE *out,
				  bool *usage_error)
{
	struct ws_filter_rules *rules;
	struct ws_filter_set *set;
	struct ws_xdp_filter *xf;
	char err[1024], why[256];
	size_t k;

	*usage_error = true;
	if (ws_filter_rules_parse_file(path, &rules, err, sizeof(err))) {
		fprintf(out, "%s\n", err);
		return NULL;
	}
	set = ws_filter_set_build(rules, err, sizeof(err));
	if (!set) {
		fprintf(out, "%s: %s\n", path, err);
		return NULL;
	}
	k = ws_filter_set_xdp_rules(set);
	if (k < ws_filter_set_rules(set)->n) {
		const struct ws_filter_rule *r = &ws_filter_set_rules(set)->rules[k];

		ws_filter_set_where(set, k, why, sizeof(why));
		fprintf(out,
			"%s:%" PRIu32 ": this rule cannot run in XDP (%s); `filter run` runs only XDP rules "
			"(`wirespeed fwd --filter` runs the others in userspace)\n",
			path, r->line, why);
		ws_filter_set_free(set);
		return NULL;
	}
	*usage_error = false;
	xf = ws_xdp_filter_load(set, dry_run ? WS_XDPF_DRY_RUN : 0, err, sizeof(err));
	if (!xf) {
		fprintf(out, "%s\n", err);
		ws_filter_set_free(set);
		return NULL;
	}
	*set_out = set;
	return xf;
}

/* Frames the program saw, passed and dropped (all rules and the default). */
static void totals(const struct run *r, uint64_t *seen, uint64_t *dropped)
{
	struct ws_filter_counters c;
	size_t n = ws_filter_set_rules(r->set)->n;

	/* every frame ends at a terminal rule or at the default: frames seen
	 * are the default's hits, every drop/pass rule's hits and the rate
	 * limits' drops; dropped, every rule's drops */
	*seen = *dropped = 0;
	for (size_t i = 0; i <= n; i++) {
		const struct ws_filter_rule *rule = i < n ? &ws_filter_set_rules(r->set)->rules[i] : NULL;

		if (ws_xdp_filter_read(r->xf, i, &c))
			continue;
		*dropped += c.drops;
		if (!rule || rule->action == WS_FILTER_PASS || rule->action == WS_FILTER_DROP)
			*seen += c.hits;
		else if (rule->action == WS_FILTER_RATE_LIMIT)
			*seen += c.drops;
	}
}

/* ws_filter_print_table's counters: the XDP program's. */
static void xdp_counters(void *ctx, size_t i, struct ws_filter_counters *c)
{
	ws_xdp_filter_read(((const struct run *)ctx)->xf, i, c);
}

static void print_rules(const struct run *r, FILE *out)
{
	const struct ws_filter_rules *rules = ws_filter_set_rules(r->set);

	fprintf(out, "filter %s on %s (XDP, %s)%s: %zu rules\n", r->rules_path, r->dev, ws_xdp_filter_mode(r->xf),
		r->dry_run ? " (dry run)" : "", rules->n);
	ws_filter_print_table(out, rules, r->dry_run, xdp_counters, NULL, (void *)r);
}

/* --bpf-stats: the program's runs and ns per run since it was loaded (a
 * reload starts them again); false without the option or the figures. */
static bool run_stats(const struct run *r, uint64_t *runs, double *ns_per_run)
{
	uint64_t ns;

	if (!r->bpf_stats || ws_xdp_filter_run_stats(r->xf, runs, &ns) || !*runs)
		return false;
	*ns_per_run = (double)ns / (double)*runs;
	return true;
}

static void print_json(const struct run *r, double secs, FILE *out)
{
	const struct ws_filter_rules *rules = ws_filter_set_rules(r->set);
	struct ws_filter_counters c;
	uint64_t seen, dropped, runs;
	double ns;

	totals(r, &seen, &dropped);
	fprintf(out, "{\"dev\":\"%s\",\"mode\":\"%s\",\"dry_run\":%s,\"seconds\":%.3f,\"frames\":%" PRIu64
		     ",\"dropped\":%" PRIu64 ",",
		r->dev, ws_xdp_filter_mode(r->xf), r->dry_run ? "true" : "false", secs, seen, dropped);
	if (run_stats(r, &runs, &ns))
		fprintf(out, "\"xdp_runs\":%" PRIu64 ",\"xdp_ns_per_run\":%.1f,", runs, ns);
	fprintf(out, "\"rules\":[");
	for (size_t i = 0; i <= rules->n; i++) {
		memset(&c, 0, sizeof(c));
		ws_xdp_filter_read(r->xf, i, &c);
		fprintf(out, "%s{\"rule\":%s%zu,\"line\":%" PRIu32 ",\"hits\":%" PRIu64 ",\"bytes\":%" PRIu64
			     ",\"drops\":%" PRIu64 "}",
			i ? "," : "", i < rules->n ? "" : "\"default\",\"index\":", i,
			i < rules->n ? rules->rules[i].line : 0, c.hits, c.bytes, c.drops);
	}
	fprintf(out, "]}\n");
}

/* The control socket: filter show, filter load FILE [dry-run]. */
static int ctl_handler(void *ctx, int argc, char **argv, FILE *out)
{
	struct run *r = ctx;

	if (argc == 2 && !strcmp(argv[0], "filter") && !strcmp(argv[1], "show")) {
		pthread_mutex_lock(&r->lock);
		print_rules(r, out);
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "dry-run"))) && !strcmp(argv[0], "filter") &&
	    !strcmp(argv[1], "load")) {
		struct ws_filter_set *set = NULL, *old_set;
		struct ws_xdp_filter *xf, *old;
		bool dry = argc == 4, usage_error;
		char err[512];

		if (strlen(argv[2]) >= sizeof(r->rules_path)) {
			fprintf(out, "path too long\n");
			return 2;
		}
		xf = load(argv[2], dry, &set, out, &usage_error);
		if (!xf) {
			fprintf(out, "the running rules are unchanged\n");
			return usage_error ? 2 : 1;
		}
		if (ws_xdp_filter_replace(r->xf, xf, err, sizeof(err))) {
			fprintf(out, "%s\nthe running rules are unchanged\n", err);
			ws_xdp_filter_close(xf);
			ws_filter_set_free(set);
			return 1;
		}
		/* the stats lines of the main thread read the pair under the lock */
		pthread_mutex_lock(&r->lock);
		old = r->xf;
		old_set = r->set;
		r->xf = xf;
		r->set = set;
		r->dry_run = dry;
		snprintf(r->rules_path, sizeof(r->rules_path), "%s", argv[2]);
		pthread_mutex_unlock(&r->lock);
		ws_xdp_filter_close(old); /* no longer attached: replace moved the interface to xf */
		ws_filter_set_free(old_set);
		fprintf(out, "loaded %s: %zu rules in XDP (%s)%s\n", argv[2], ws_filter_set_rules(set)->n,
			ws_xdp_filter_mode(xf), dry ? " (dry run)" : "");
		return 0;
	}
	if (argc >= 1 && !strcmp(argv[0], "help")) {
		fprintf(out, "commands:\n  filter show                  the rules with hits, bytes and drops\n"
			     "  filter load FILE [dry-run]   replace the rules without a gap\n");
		return 0;
	}
	fprintf(out, "unknown command '%s'; try help\n", argv[0]);
	return 2;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ws_filter_run(int argc, char **argv)
{
	struct run r = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *rules = NULL, *control = NULL;
	double duration = 0, interval = 1;
	bool json = false, usage_error;
	struct ws_ctl_server *ctl = NULL;
	char err[1024];
	int rc = WS_EXIT_OK, stats_fd = -1;
	uint64_t runs;
	double ns;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (ws_arg_is_help(a)) {
			usage(stdout);
			return WS_EXIT_OK;
		} else if (!strcmp(a, "--dry-run")) {
			r.dry_run = true;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--bpf-stats")) {
			r.bpf_stats = true;
		} else if (!v) {
			fprintf(stderr, "wirespeed filter run: %s needs a value\n", a);
			return WS_EXIT_USAGE;
		} else if (!strcmp(a, "--dev")) {
			r.dev = argv[++i];
		} else if (!strcmp(a, "--rules")) {
			rules = argv[++i];
		} else if (!strcmp(a, "--control")) {
			control = argv[++i];
		} else if (!strcmp(a, "--duration") || !strcmp(a, "--stats-interval")) {
			double x = strtod(v, &end);

			if (end == v || *end || !(x >= 0 && x <= 86400 * 365)) {
				fprintf(stderr, "wirespeed filter run: %s wants seconds, got '%s'\n", a, v);
				return WS_EXIT_USAGE;
			}
			*(strcmp(a, "--duration") ? &interval : &duration) = x;
			i++;
		} else {
			fprintf(stderr, "wirespeed filter run: unknown argument '%s'\n\n", a);
			usage(stderr);
			return WS_EXIT_USAGE;
		}
	}
	if (!r.dev || !rules) {
		fprintf(stderr, "wirespeed filter run: give --dev IF and --rules FILE\n\n");
		usage(stderr);
		return WS_EXIT_USAGE;
	}
	if (strlen(rules) >= sizeof(r.rules_path)) {
		fprintf(stderr, "wirespeed filter run: --rules: path too long\n");
		return WS_EXIT_USAGE;
	}
	snprintf(r.rules_path, sizeof(r.rules_path), "%s", rules);
	r.xf = load(rules, r.dry_run, &r.set, stderr, &usage_error);
	if (!r.xf) {
		fprintf(stderr, "wirespeed filter run: nothing attached\n");
		return usage_error ? WS_EXIT_USAGE : WS_EXIT_FAIL;
	}
	if (r.bpf_stats) {
		stats_fd = ws_xdp_filter_stats_enable();
		if (stats_fd < 0) {
			fprintf(stderr, "wirespeed filter run: --bpf-stats: the kernel refuses BPF_ENABLE_STATS: %s\n",
				strerror(-stats_fd));
			rc = WS_EXIT_FAIL;
			goto out;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ws_xdp_filter_attach(r.xf, r.dev, err, sizeof(err))) {
		fprintf(stderr, "wirespeed filter run: %s\n", err);
		rc = errno == ENODEV ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		goto out;
	}
	fprintf(stderr, "wirespeed filter run: %s on %s, XDP %s%s: %zu rules\n", rules, r.dev,
		ws_xdp_filter_mode(r.xf), r.dry_run ? " (dry run)" : "", ws_filter_set_rules(r.set)->n);
	if (!control || strcmp(control, "none")) {
		ctl = ws_ctl_server_start(control ? control : WS_CTL_DEFAULT_PATH, ctl_handler, &r, err, sizeof(err));
		if (!ctl && control) {
			fprintf(stderr, "wirespeed filter run: control socket: %s\n", err);
			rc = WS_EXIT_FAIL;
			goto out;
		}
		if (!ctl)
			fprintf(stderr, "wirespeed filter run: no control socket (%s); --control none silences this\n",
				err);
	}

	double t0 = mono(), last = t0;
	uint64_t seen0 = 0, drop0 = 0;

	while (!stop) {
		double now = mono();

		if (duration > 0 && now - t0 >= duration)
			break;
		usleep(20000);
		if (interval > 0 && now - last >= interval) {
			uint64_t seen, dropped;

			pthread_mutex_lock(&r.lock);
			totals(&r, &seen, &dropped);
			pthread_mutex_unlock(&r.lock);
			if (seen < seen0 || dropped < drop0) /* a reload started the counters again */
				seen0 = drop0 = 0;
			fprintf(stderr,
				"%8.1f s  frames %12" PRIu64 "  dropped %12" PRIu64 "  %8.3f Mpps in, %8.3f Mpps dropped\n",
				now - t0, seen, dropped, (double)(seen - seen0) / (now - last) / 1e6,
				(double)(dropped - drop0) / (now - last) / 1e6);
			seen0 = seen, drop0 = dropped, last = now;
		}
	}
	ws_ctl_server_stop(ctl);
	ctl = NULL;
	if (json) {
		print_rules(&r, stderr);
		print_json(&r, mono() - t0, stdout);
		ws_out_flush();
	} else {
		print_rules(&r, stdout);
	}
	if (run_stats(&r, &runs, &ns))
		fprintf(json ? stderr : stdout, "XDP program: %" PRIu64 " runs, %.1f ns per run (kernel bpf_stats)\n",
			runs, ns);
out:
	if (stats_fd >= 0)
		close(stats_fd);
	ws_ctl_server_stop(ctl);
	ws_xdp_filter_close(r.xf); /* detaches */
	ws_filter_set_free(r.set);
	return rc;
}
