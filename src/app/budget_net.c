/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget_net.c: `wirespeed budget --net`, what sending one packet through a
 * raw AF_PACKET socket costs: sendto through the qdisc, sendto with
 * PACKET_QDISC_BYPASS, sendmmsg of 32, and the io/afpacket port's TPACKET
 * ring kicked once per burst of 32, each per packet.
 *
 * Where: a veth pair in a network namespace of its own. A child process
 * unshares its network namespace, creates the pair there, measures, and
 * hands each result to the parent over a pipe; the parent prints them with
 * the other metrics' emit function. The child's namespace (and with it the
 * veth pair) dies when the child exits, so nothing is left behind and the
 * parent's namespace is never touched, whatever happens in between.
 *
 * What: first the sender's share. The peer end is DOWN, so the sending end
 * has no carrier and the kernel drops every frame on the sending side,
 * counted in the sender's tx_dropped, before any receive path: through the
 * qdisc layer, the device's TX queue has no active qdisc yet (a veth's
 * noqueue is activated only at carrier-on), so the frame is dropped there
 * and sendto succeeds; with PACKET_QDISC_BYPASS, dev_direct_xmit() drops it
 * at its carrier check and sendto fails with ENOBUFS (expected, counted in
 * send_errors, not reported as a problem). The io/afpacket port with bypass
 * is not measured this way: the kernel stops a TX ring at the first frame
 * it drops, so each kick would send one frame and the ring would stay full;
 * the port through the qdisc is measured instead. Then all of them with the
 * peer UP: the full delivery, the peer's receive path included (it runs in
 * the softirq that the send raises, on the same CPU, so inside the timed
 * interval); the peer has no address, so IPv4 input drops the frame.
 *
 * Frames: 60 bytes (the minimum Ethernet frame less the FCS), Ethernet/IPv4/
 * UDP from 198.18.0.1 to 198.18.0.2, port 9 (discard), between locally
 * administered MACs 02:00:00:00:00:01 and :02. They never leave the
 * namespace: it has no other interface and no route.
 *
 * Control path throughout; the run() loops are what is measured.
 */
#include "app/budget.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/cpu.h"
#include "core/pkt.h"
#include "core/pool.h"
#include "io/afpacket.h"
#include "io/port.h"
#include "net/checksum.h"
#include "net/net.h"

#define NET_IF "wsb0"
#define NET_PEER "wsb1"
#define NET_BATCH 32
#define FRAME_LEN 60
#define POOL_FRAMES 256u /* 8 bursts: tx_burst frees a burst's frames before the next get */

static const uint8_t mac_if[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_peer[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* One result as the child sends it to the parent: plain bytes, no pointers. */
struct net_record {
	int rc;              /* 0, or a negative errno (the child said why on stderr) */
	char metric[32];
	char desc[64];
	char extra[192];     /* JSON `,"key":value` pairs */
	struct ws_budget_result res;
};

/* The measurements, in output order: each with the peer down (metric name
 * as below) and again with it up (name + "_up"), except the port with
 * bypass, which cannot be measured with the peer down: the kernel drops the
 * first frame of the ring at the carrier check, fails the kick with ENOBUFS
 * and stops there, so every kick sends one frame and the ring stays full. */
enum net_kind {
	NET_SENDTO_QDISC, NET_SENDTO_BYPASS, NET_SENDMMSG, NET_TPACKET_QDISC, NET_TPACKET, NET_NB_KINDS
};
#define NET_NB_METRICS (2 * NET_NB_KINDS - 1)

static const struct {
	const char *metric, *desc;
	bool bypass, ring, up_only;
	int batch;
} net_kinds[NET_NB_KINDS] = {
	[NET_SENDTO_QDISC] = { "net_sendto_qdisc", "AF_PACKET sendto 60 B, qdisc", false, false, false, 1 },
	[NET_SENDTO_BYPASS] = { "net_sendto_bypass", "AF_PACKET sendto 60 B, QDISC_BYPASS", true, false, false, 1 },
	[NET_SENDMMSG] = { "net_sendmmsg_x32", "sendmmsg 32 x 60 B, qdisc, /pkt", false, false, false, NET_BATCH },
	[NET_TPACKET_QDISC] = { "net_tpacket_qd_x32", "TPACKET ring 32/kick, qdisc, /pkt", false, true, false,
				NET_BATCH },
	[NET_TPACKET] = { "net_tpacket_x32", "TPACKET ring 32/kick, bypass, /pkt", true, true, true, NET_BATCH },
};

/* ---- the frame ------------------------------------------------------------ */

static void build_frame(uint8_t *f)
{
	struct ws_eth_hdr *eth = (struct ws_eth_hdr *)f;
	struct ws_ipv4_hdr *ip = (struct ws_ipv4_hdr *)(f + WS_ETH_HDR_LEN);
	struct ws_udp_hdr *udp = (struct ws_udp_hdr *)(f + WS_ETH_HDR_LEN + WS_IPV4_HDR_LEN);
	uint16_t l4_len = FRAME_LEN - WS_ETH_HDR_LEN - WS_IPV4_HDR_LEN;

	memset(f, 0, FRAME_LEN);
	memcpy(eth->dst, mac_peer, 6);
	memcpy(eth->src, mac_if, 6);
	eth->ethertype = htons(WS_ETHERTYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_len = htons(FRAME_LEN - WS_ETH_HDR_LEN);
	ip->ttl = 64;
	ip->proto = WS_IPPROTO_UDP;
	ip->src = htonl(0xc6120001); /* 198.18.0.1 */
	ip->dst = htonl(0xc6120002); /* 198.18.0.2 */
	ip->csum = ws_ipv4_hdr_csum(ip);
	udp->src_port = htons(9);
	udp->dst_port = htons(9);
	udp->len = htons(l4_len);
	memset((uint8_t *)udp + WS_UDP_HDR_LEN, 0x5a, l4_len - WS_UDP_HDR_LEN);
	udp->csum = ws_ipv4_l4_csum(ip, udp, l4_len);
	if (!udp->csum)
		udp->csum = 0xffff;
}

/* ---- plain packet socket: sendto and sendmmsg ----------------------------- */

struct raw_state {
	int fd;
	struct sockaddr_ll dst;
	uint64_t errors; /* sends the kernel refused (never waited for) */
	int last_errno;  /* why, the last time */
	uint8_t frame[FRAME_LEN];
	struct iovec iov;
	struct mmsghdr msgs[NET_BATCH];
};

/* A SOCK_RAW packet socket on NET_IF (protocol 0: it receives nothing),
 * with PACKET_QDISC_BYPASS when asked. 0 or a negative errno. */
static int raw_open(struct raw_state *r, bool bypass, const char *metric)
{
	struct ws_afpacket_ifinfo info;
	char err[160];
	int one = 1;

	r->fd = ws_afpacket_socket(NET_IF, SOCK_CLOEXEC, &info, err, sizeof(err));
	if (r->fd < 0) {
		fprintf(stderr, "wirespeed: budget: %s: %s\n", metric, err);
		return r->fd;
	}
	if (bypass && setsockopt(r->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0)
		return ws_budget_fail(metric, "setsockopt(PACKET_QDISC_BYPASS)", errno);
	r->dst.sll_family = AF_PACKET;
	r->dst.sll_ifindex = info.ifindex;
	r->dst.sll_halen = 6;
	memcpy(r->dst.sll_addr, mac_peer, 6);
	build_frame(r->frame);
	r->iov.iov_base = r->frame;
	r->iov.iov_len = FRAME_LEN;
	for (unsigned i = 0; i < NET_BATCH; i++) {
		struct msghdr *h = &r->msgs[i].msg_hdr;

		h->msg_name = &r->dst;
		h->msg_namelen = sizeof(r->dst);
		h->msg_iov = &r->iov;
		h->msg_iovlen = 1;
	}
	return 0;
}

static void raw_sendto_run(void *arg, uint64_t n)
{
	struct raw_state *r = arg;

	for (uint64_t i = 0; i < n; i++)
		if (ws_unlikely(sendto(r->fd, r->frame, FRAME_LEN, MSG_DONTWAIT, (struct sockaddr *)&r->dst,
				       sizeof(r->dst)) < 0)) {
			r->errors++;
			r->last_errno = errno;
		}
}

static void raw_sendmmsg_run(void *arg, uint64_t n)
{
	struct raw_state *r = arg;

	for (uint64_t i = 0; i < n; i += NET_BATCH) {
		int sent = sendmmsg(r->fd, r->msgs, NET_BATCH, MSG_DONTWAIT);

		if (ws_unlikely(sent != NET_BATCH)) {
			r->errors += NET_BATCH - (sent > 0 ? (unsigned)sent : 0);
			r->last_errno = sent < 0 ? errno : EAGAIN;
		}
	}
}

/* ---- the io/afpacket port: TPACKET TX ring -------------------------------- */

struct tp_state {
	struct ws_pool *pool;
	struct ws_port *port;
	uint64_t errors; /* frames the pool could not give or the ring did not take */
};

static void tp_run(void *arg, uint64_t n)
{
	struct tp_state *t = arg;
	struct ws_pkt *pkts[NET_BATCH];

	for (uint64_t i = 0; i < n; i += NET_BATCH) {
		unsigned took;

		if (ws_unlikely(ws_pool_get_bulk(t->pool, pkts, NET_BATCH) != 0)) {
			t->errors += NET_BATCH;
			continue;
		}
		/* The frame bytes were written once at setup and tx_burst only
		 * reads them; what a sender sets per packet is the metadata. */
		for (unsigned k = 0; k < NET_BATCH; k++) {
			pkts[k]->data_off = WS_PKT_HEADROOM;
			pkts[k]->data_len = FRAME_LEN;
		}
		took = ws_port_tx_burst(t->port, pkts, NET_BATCH);
		if (ws_unlikely(took != NET_BATCH)) {
			ws_pool_put_bulk(t->pool, pkts + took, NET_BATCH - took);
			t->errors += NET_BATCH - took;
		}
	}
}

static int tp_open(struct tp_state *t, bool bypass, const char *metric)
{
	struct ws_pool_config pcfg = {
		.nb_frames = POOL_FRAMES, .frame_size = 2048, .cache_size = 64, .huge = WS_POOL_HUGE_NEVER,
	};
	/* Default rings, as `wirespeed fwd` opens its ports; no promiscuous
	 * mode, as nothing here is received. */
	struct ws_afpacket_config acfg = { .ifname = NET_IF, .no_promisc = true, .no_qdisc_bypass = !bypass };
	char err[160];

	t->pool = ws_pool_create(&pcfg);
	if (!t->pool)
		return ws_budget_fail(metric, "ws_pool_create", errno);
	for (uint32_t i = 0; i < POOL_FRAMES; i++)
		build_frame((uint8_t *)ws_pool_frame(t->pool, i) + WS_PKT_HEADROOM);
	t->port = ws_afpacket_port_open(NET_IF, 0, t->pool, &acfg, err, sizeof(err));
	if (!t->port) {
		int e = errno ? errno : EIO;

		fprintf(stderr, "wirespeed: budget: %s: %s\n", metric, err);
		return -e;
	}
	return 0;
}

static void tp_close(struct tp_state *t)
{
	ws_port_close(t->port);
	if (t->pool) {
		ws_pool_cache_flush(t->pool);
		ws_pool_free(t->pool);
	}
}

/* ---- the child: namespace, veth, measurements ------------------------------ */

/* Run a shell command quietly (its stdout would land in our output);
 * 0, or -EIO after naming it on stderr. */
static int sh(const char *cmd)
{
	char buf[256];
	int st;

	snprintf(buf, sizeof(buf), "%s >/dev/null", cmd);
	st = system(buf);
	if (st != 0) {
		fprintf(stderr, "wirespeed: budget: --net: '%s' failed (%s %d)\n", cmd,
			st < 0 ? "system() error" : WIFEXITED(st) ? "exit status" : "signal",
			st < 0 ? errno : WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -EIO;
	}
	return 0;
}

/* The word after " key " in `ip -o link show dev NET_IF` (key "qdisc":
 * "noqueue"; key "state": "UP", "LOWERLAYERDOWN"), into buf; "?" when it
 * cannot tell. */
static const char *ip_link_field(const char *key, char *buf, size_t len)
{
	FILE *p = popen("ip -o link show dev " NET_IF " 2>/dev/null", "r");
	char line[512], pat[32];
	const char *q;

	snprintf(buf, len, "?");
	snprintf(pat, sizeof(pat), " %s ", key);
	if (!p)
		return buf;
	if (fgets(line, sizeof(line), p) && (q = strstr(line, pat)))
		snprintf(buf, len, "%.*s", (int)strcspn(q + strlen(pat), " \n"), q + strlen(pat));
	pclose(p);
	return buf;
}

/* Wait (up to 2 s) until NET_IF's operational state is UP, then 20 ms more:
 * the kernel sets it from its link-watch work after the peer comes up, just
 * before it activates the TX queue's qdisc; frames sent before that would
 * still be dropped on the sending side. */
static int wait_carrier(void)
{
	char st[32];

	for (int i = 0; i < 200; i++) {
		if (!strcmp(ip_link_field("state", st, sizeof(st)), "UP")) {
			nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
			return 0;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	fprintf(stderr, "wirespeed: budget: --net: %s still has no carrier after its peer came up\n", NET_IF);
	return -ETIMEDOUT;
}

/* Where the frames end, for the JSON. */
static const char *dropped_at(enum net_kind kind, bool peer_up)
{
	if (peer_up)
		return "peer: IPv4 input, no address";
	if (net_kinds[kind].bypass)
		return "sender: dev_direct_xmit, no carrier (ENOBUFS)";
	return "sender: no carrier, no active qdisc";
}

static void measure_one(const struct ws_budget *b, enum net_kind kind, bool peer_up, struct net_record *rec)
{
	struct raw_state r = { .fd = -1 };
	struct tp_state t = { 0 };
	uint64_t errors = 0, tx_errors = 0;
	bool bypass = net_kinds[kind].bypass;
	char qdisc[32];

	snprintf(rec->metric, sizeof(rec->metric), "%s%s", net_kinds[kind].metric, peer_up ? "_up" : "");
	snprintf(rec->desc, sizeof(rec->desc), "%s; peer %s", net_kinds[kind].desc, peer_up ? "up" : "down");
	if (net_kinds[kind].ring) {
		rec->rc = tp_open(&t, bypass, rec->metric);
		if (!rec->rc) {
			/* Two laps of the ring before calibrating: the first kicks
			 * are slow (first use of the slots and the socket's
			 * buffers), and a calibration run that saw only them would
			 * pick too few operations for --quick's short runs. */
			tp_run(&t, 2 * WS_AFPACKET_TX_FRAME_COUNT);
			t.errors = 0;
			ws_budget_measure(b, tp_run, &t, &rec->res);
			errors = t.errors;
			tx_errors = t.port->stats.tx_errors;
		}
		tp_close(&t);
	} else {
		rec->rc = raw_open(&r, bypass, rec->metric);
		if (!rec->rc) {
			ws_budget_measure(b, kind == NET_SENDMMSG ? raw_sendmmsg_run : raw_sendto_run, &r, &rec->res);
			errors = r.errors;
		}
		if (r.fd >= 0)
			close(r.fd);
	}
	if (rec->rc)
		return;
	/* With the peer down and bypass, every sendto fails with ENOBUFS: that
	 * is the drop being measured, not a problem to report. */
	if ((errors || tx_errors) && !(bypass && !peer_up && r.last_errno == ENOBUFS && !tx_errors))
		fprintf(stderr, "wirespeed: budget: %s: %llu packets refused (not waited for), last: %s\n",
			rec->metric, (unsigned long long)(errors + tx_errors),
			r.last_errno ? strerror(r.last_errno) : "ring full or frame rejected");
	snprintf(rec->extra, sizeof(rec->extra),
		 ",\"ifname\":\"%s\",\"peer\":\"%s\",\"root_qdisc\":\"%s\",\"frame_bytes\":%d,\"batch\":%d"
		 ",\"send_errors\":%llu,\"dropped_at\":\"%s\"",
		 NET_IF, peer_up ? "up" : "down", bypass ? "bypassed" : ip_link_field("qdisc", qdisc, sizeof(qdisc)), FRAME_LEN,
		 net_kinds[kind].batch, (unsigned long long)(errors + tx_errors), dropped_at(kind, peer_up));
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The child's work; its exit status (0, or 1 when the namespace or the veth
 * could not be made; a metric that fails is reported in its record). */
static int net_child(const struct ws_budget *b, int wfd)
{
	if (unshare(CLONE_NEWNET) != 0) {
		ws_budget_fail("--net", "unshare(CLONE_NEWNET)", errno);
		return 1;
	}
	if (sh("ip link add " NET_IF " address 02:00:00:00:00:01 type veth peer name " NET_PEER
	       " address 02:00:00:00:00:02") ||
	    sh("ip link set dev " NET_IF " up"))
		return 1;
	for (int up = 0; up < 2; up++) {
		if (up && (sh("ip link set dev " NET_PEER " up") || wait_carrier()))
			return 1;
		for (int k = 0; k < NET_NB_KINDS; k++) {
			struct net_record rec;

			if (!up && net_kinds[k].up_only)
				continue;
			memset(&rec, 0, sizeof(rec));
			measure_one(b, (enum net_kind)k, up, &rec);
			if (write_all(wfd, &rec, sizeof(rec)))
				return 1; /* the parent is gone */
		}
	}
	return 0;
}

/* ---- the parent ------------------------------------------------------------ */

int ws_budget_net_check(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "wirespeed budget: --net needs root (it creates a network namespace, a veth pair "
			"and AF_PACKET sockets)\n");
		return -EPERM;
	}
	return 0;
}

int ws_budget_net(const struct ws_budget *b)
{
	struct net_record rec;
	int fds[2], status, failures = 0, got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		ws_budget_fail("--net", "pipe2", errno);
		return NET_NB_METRICS;
	}
	fflush(NULL); /* the child must not print what the parent has buffered */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		ws_budget_fail("--net", "fork", errno);
		return NET_NB_METRICS;
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(net_child(b, fds[1]));
	}
	close(fds[1]);
	for (;;) {
		size_t have = 0;
		ssize_t r = 0;

		while (have < sizeof(rec) && ((r = read(fds[0], (char *)&rec + have, sizeof(rec) - have)) > 0 ||
					       (r < 0 && errno == EINTR)))
			have += r > 0 ? (size_t)r : 0;
		if (have < sizeof(rec))
			break;
		got++;
		rec.metric[sizeof(rec.metric) - 1] = rec.desc[sizeof(rec.desc) - 1] = '\0';
		rec.extra[sizeof(rec.extra) - 1] = '\0';
		if (rec.rc)
			failures++;
		else
			ws_budget_emit(b, rec.metric, rec.desc, &rec.res, rec.extra);
	}
	close(fds[0]);
	status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 1 << 8; /* cannot tell how it ended: count it as failed */
			break;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got < NET_NB_METRICS) {
		fprintf(stderr, "wirespeed: budget: --net: the measuring child %s after %d of %d metrics\n",
			WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "stopped" : "failed", got,
			NET_NB_METRICS);
		failures += NET_NB_METRICS - got;
	}
	return failures;
}
