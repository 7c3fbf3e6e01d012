/* SPDX-License-Identifier: BSD-3-Clause */
/* The AF_XDP port on veth pairs inside a network namespace of its own (root
 * only, skipped otherwise): RX of frames sent from the peer (bytes, data_off,
 * frames back in the pool), TX to the peer (all arrive, completions return
 * every frame), two ports sharing one UMEM forwarding frame handles without
 * a copy, close and ws_afxdp_detach_all leaving no XDP program, a missing
 * interface. Addresses 198.18.0.0/15 only, MACs 02:xx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "core/pool.h"
#include "io/afxdp.h"

#define NB_FRAMES 8192u
#define COUNT 1000u
#define RING 1024u /* fill ring per port: two ports and 1000 in flight fit the pool */

static bool have_net;

static const uint8_t mac_a0[6] = { 0x02, 0, 0, 0, 0, 0xa0 }, mac_b0[6] = { 0x02, 0, 0, 0, 0, 0xb0 };
static const uint8_t mac_a1[6] = { 0x02, 0, 0, 0, 0, 0xa1 }, mac_b1[6] = { 0x02, 0, 0, 0, 0, 0xb1 };

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNET) != 0)
		return 0;
	/* no IPv6 on the new links: their router solicitations and MLD reports
	 * would be extra frames; two pairs, both ends in this namespace only */
	have_net = system("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 && "
			  "ip link add a0 address 02:00:00:00:00:a0 type veth "
			  "peer name b0 address 02:00:00:00:00:b0 && "
			  "ip link add a1 address 02:00:00:00:00:a1 type veth "
			  "peer name b1 address 02:00:00:00:00:b1 && "
			  "ip link set a0 up && ip link set b0 up && ip link set a1 up && ip link set b1 up") == 0;
	return 0;
}

static void need_net(void)
{
	if (geteuid() != 0)
		skip(); /* needs root: a network namespace, veth, XDP */
	if (!have_net) {
		print_message("no namespace/veth here\n");
		skip();
	}
}

static struct ws_pool *pool_new(void)
{
	struct ws_pool_config pc = { .nb_frames = NB_FRAMES, .cache_size = 256, .huge = WS_POOL_HUGE_NEVER };
	struct ws_pool *p = ws_pool_create(&pc);

	assert_non_null(p);
	return p;
}

static struct ws_port *open_mode(const char *ifname, uint16_t id, struct ws_afxdp_umem *u, enum ws_afxdp_xdp_mode m)
{
	struct ws_afxdp_config c = { .ifname = ifname, .rx_size = 2048, .tx_size = 2048, .mode = m };
	char err[256] = "";
	struct ws_port *port = ws_afxdp_port_open(ifname, id, u, &c, err, sizeof(err));

	if (!port)
		fail_msg("open %s: %s", ifname, err);
	print_message("%s: %s\n", ifname, ws_afxdp_port_mode(port));
	return port;
}

static struct ws_port *open_port(const char *ifname, uint16_t id, struct ws_afxdp_umem *u)
{
	return open_mode(ifname, id, u, WS_AFXDP_XDP_AUTO);
}

/* A UDP frame 198.18.0.2 -> 198.18.0.1 carrying "WSXDP" and seq, len bytes. */
static unsigned make_frame(uint8_t *d, const uint8_t dst[6], const uint8_t src[6], uint32_t seq)
{
	unsigned len = 60 + seq % 300;

	memset(d, 0, len);
	memcpy(d, dst, 6);
	memcpy(d + 6, src, 6);
	d[12] = 0x08;
	d[14] = 0x45;
	d[16] = (uint8_t)((len - 14) >> 8);
	d[17] = (uint8_t)(len - 14);
	d[22] = 64;
	d[23] = 17;
	memcpy(d + 26, (const uint8_t[]){ 198, 18, 0, 2, 198, 18, 0, 1 }, 8);
	memcpy(d + 42, "WSXDP", 5);
	memcpy(d + 47, &seq, 4);
	for (unsigned i = 51; i < len; i++)
		d[i] = (uint8_t)(seq + i);
	return len;
}

/* The seq of one of our frames, or -1 for any other frame. */
static long frame_seq(const uint8_t *d, unsigned len)
{
	uint32_t seq;
	uint8_t ref[400];

	if (len < 60 || memcmp(d + 42, "WSXDP", 5) != 0)
		return -1;
	memcpy(&seq, d + 47, 4);
	if (make_frame(ref, d, d + 6, seq) != len || memcmp(ref + 12, d + 12, len - 12) != 0)
		return -2; /* ours, but damaged */
	return seq;
}

static int raw_socket(const char *ifname)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(ifname) };

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

static void raw_send(int fd, const char *ifname, const uint8_t *d, unsigned len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname),
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, d, 6);
	assert_int_equal(sendto(fd, d, len, 0, (struct sockaddr *)&sll, sizeof(sll)), (ssize_t)len);
}

/* Count our frames arriving on a raw socket (incoming only), marking seen[]. */
static unsigned raw_drain(int fd, uint8_t *seen)
{
	uint8_t buf[2048];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	unsigned got = 0;
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
		long s = frame_seq(buf, (unsigned)n);

		fl = sizeof(from);
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		assert_true(s != -2);
		if (s >= 0 && s < COUNT && !seen[s]) {
			seen[s] = 1;
			got++;
		}
	}
	return got;
}

static void wait_fd(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	poll(&p, 1, 5);
}

static void test_rx(void **state)
{
	struct ws_pool *pool;
	struct ws_afxdp_umem *u;
	struct ws_port *port;
	struct ws_afxdp_stats st;
	uint8_t frame[400], seen[COUNT] = { 0 };
	struct ws_pkt *pk[64];
	unsigned got = 0;
	int tx;

	(void)state;
	need_net();
	pool = pool_new();
	u = ws_afxdp_umem_create(pool, RING, RING, NULL, 0);
	assert_non_null(u);
	port = open_port("a0", 7, u);
	assert_memory_equal(port->mac, mac_a0, 6);
	tx = raw_socket("b0");
	/* send in small groups and take what came in between, so that no
	 * queue on the way (veth's 256-entry ring) can overflow */
	for (unsigned sent = 0, spins = 0; got < COUNT && spins < 20000; spins++) {
		unsigned n;

		for (unsigned k = 0; k < 16 && sent < COUNT; k++, sent++)
			raw_send(tx, "b0", frame, make_frame(frame, mac_a0, mac_b0, sent));
		n = ws_port_rx_burst(port, pk, 64);
		if (!n && sent == COUNT)
			wait_fd(ws_afxdp_port_fd(port));
		for (unsigned i = 0; i < n; i++) {
			long s = frame_seq(ws_pkt_data(pk[i]), pk[i]->data_len);

			assert_true(s != -2);
			assert_int_equal(pk[i]->in_port, 7);
			assert_int_equal(pk[i]->data_off, WS_PKT_HEADROOM);
			assert_int_equal(ws_pool_frame(pool, ws_pool_frame_index(pool, pk[i])), pk[i]);
			if (s >= 0 && !seen[s]) {
				seen[s] = 1;
				got++;
			}
		}
		ws_pool_put_bulk(pool, pk, n);
	}
	assert_int_equal(got, COUNT);
	assert_int_equal(ws_afxdp_port_stats(port, &st), 0);
	print_message("rx: kernel holds %" PRIu64 " frames, rx_dropped %" PRIu64 "\n", st.kernel_frames,
		      st.rx_dropped);
	/* what is not on the fill ring is back in the pool */
	assert_int_equal(ws_pool_avail(pool) + st.kernel_frames, NB_FRAMES);
	close(tx);
	ws_port_close(port);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);
	assert_int_equal(ws_afxdp_umem_free(u), 0);
	ws_pool_free(pool);
}

static void test_tx(void **state)
{
	struct ws_pool *pool;
	struct ws_afxdp_umem *u;
	struct ws_port *port;
	struct ws_afxdp_stats st;
	uint8_t seen[COUNT] = { 0 };
	struct ws_pkt *pk[32];
	unsigned got = 0, sent = 0;
	int rx;

	(void)state;
	need_net();
	pool = pool_new();
	u = ws_afxdp_umem_create(pool, RING, RING, NULL, 0);
	assert_non_null(u);
	port = open_port("a0", 1, u);
	rx = raw_socket("b0");
	for (unsigned spins = 0; got < COUNT && spins < 20000; spins++) {
		if (sent < COUNT) {
			unsigned n = COUNT - sent < 32 ? COUNT - sent : 32, took;

			assert_int_equal(ws_pool_get_bulk(pool, pk, n), 0);
			for (unsigned i = 0; i < n; i++) {
				pk[i]->data_off = WS_PKT_HEADROOM;
				pk[i]->data_len = (uint16_t)make_frame(ws_pkt_data(pk[i]), mac_b0, mac_a0, sent + i);
			}
			took = ws_port_tx_burst(port, pk, n);
			if (took < n)
				ws_pool_put_bulk(pool, pk + took, n - took);
			sent += took;
		}
		ws_port_flush(port);
		got += raw_drain(rx, seen);
		if (sent == COUNT && got < COUNT)
			wait_fd(rx);
	}
	assert_int_equal(got, COUNT);
	assert_int_equal(port->stats.tx_packets, COUNT);
	/* every completion comes back: only the fill ring's frames are out */
	for (unsigned k = 0; k < 1000; k++) {
		ws_port_flush(port);
		assert_int_equal(ws_afxdp_port_stats(port, &st), 0);
		if (ws_pool_avail(pool) + st.kernel_frames == NB_FRAMES && st.kernel_frames <= RING)
			break;
		usleep(1000);
	}
	assert_true(st.kernel_frames <= RING);
	assert_int_equal(ws_pool_avail(pool) + st.kernel_frames, NB_FRAMES);
	close(rx);
	ws_port_close(port);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);
	assert_int_equal(ws_afxdp_umem_free(u), 0);
	ws_pool_free(pool);
}

/* Receive on a0, send the same handles out of a1 (one UMEM): b1 sees them,
 * with the byte the test wrote into the frame in between. */
static void test_shared_umem_forward(void **state)
{
	struct ws_pool *pool;
	struct ws_afxdp_umem *u;
	struct ws_port *pa, *pb;
	uint8_t frame[400], seen[COUNT] = { 0 };
	struct ws_pkt *pk[64];
	unsigned got = 0, fwd = 0;
	int in, out;

	(void)state;
	need_net();
	pool = pool_new();
	u = ws_afxdp_umem_create(pool, RING, RING, NULL, 0);
	assert_non_null(u);
	pa = open_port("a0", 0, u);
	pb = open_port("a1", 1, u);
	assert_int_equal(ws_afxdp_umem_free(u), -EBUSY);
	in = raw_socket("b0");
	out = raw_socket("b1");
	for (unsigned sent = 0, spins = 0; got < COUNT && spins < 20000; spins++) {
		unsigned n, took;
		uint8_t *addr[64];

		for (unsigned k = 0; k < 16 && sent < COUNT; k++, sent++)
			raw_send(in, "b0", frame, make_frame(frame, mac_a0, mac_b0, sent));
		n = ws_port_rx_burst(pa, pk, 64);
		for (unsigned i = 0; i < n; i++) {
			uint8_t *d = ws_pkt_data(pk[i]);

			addr[i] = d;
			/* rewrite the MACs in place, as a forwarder would */
			memcpy(d, mac_b1, 6);
			memcpy(d + 6, mac_a1, 6);
		}
		took = 0;
		for (unsigned tries = 0; took < n && tries < 1000; tries++) {
			took += ws_port_tx_burst(pb, pk + took, n - took);
			ws_port_flush(pb);
		}
		assert_int_equal(took, n);
		/* the handles sent are the frames received, data where it was */
		for (unsigned i = 0; i < n; i++)
			assert_ptr_equal(ws_pkt_data(pk[i]), addr[i]);
		fwd += n;
		ws_port_flush(pb);
		got += raw_drain(out, seen);
		if (!n && sent == COUNT)
			wait_fd(out);
	}
	assert_int_equal(got, COUNT);
	assert_int_equal(fwd >= COUNT, 1);
	assert_int_equal(pb->stats.tx_packets, fwd);
	close(in);
	close(out);
	ws_port_close(pb);
	ws_port_close(pa);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);
	assert_int_equal(ws_afxdp_umem_free(u), 0);
	ws_pool_free(pool);
}

static uint32_t xdp_prog_id(const char *ifname)
{
	uint32_t id = 0;

	assert_int_equal(bpf_xdp_query_id((int)if_nametoindex(ifname), 0, &id), 0);
	return id;
}

static void test_close_detaches(void **state)
{
	struct ws_pool *pool;
	struct ws_afxdp_umem *u;
	struct ws_port *port, *p1;
	struct ws_pkt *pk[64];
	uint8_t frame[400];
	unsigned got = 0;
	int tx;

	(void)state;
	need_net();
	pool = pool_new();
	u = ws_afxdp_umem_create(pool, RING, RING, NULL, 0);
	assert_non_null(u);
	assert_int_equal(xdp_prog_id("a0"), 0);
	port = open_port("a0", 0, u);
	assert_int_not_equal(xdp_prog_id("a0"), 0);
	ws_port_close(port);
	assert_int_equal(xdp_prog_id("a0"), 0);
	assert_int_equal(system("ip link show a0 | grep -q xdp"), 256); /* grep found nothing */

	/* the signal path: every program goes, the ports close cleanly after */
	port = open_port("a0", 0, u);
	p1 = open_port("a1", 1, u);
	assert_int_not_equal(xdp_prog_id("a0"), 0);
	assert_int_not_equal(xdp_prog_id("a1"), 0);
	ws_afxdp_detach_all();
	assert_int_equal(xdp_prog_id("a0"), 0);
	assert_int_equal(xdp_prog_id("a1"), 0);
	ws_port_close(port);
	ws_port_close(p1);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);

	/* and a new port attaches again, in generic mode this time, where
	 * the data lands at the same place */
	port = open_mode("a0", 0, u, WS_AFXDP_XDP_GENERIC);
	assert_string_equal(ws_afxdp_port_mode(port), "generic copy");
	assert_int_not_equal(xdp_prog_id("a0"), 0);
	tx = raw_socket("b0");
	for (unsigned sent = 0, spins = 0; got < 32 && spins < 2000; spins++) {
		unsigned n;

		if (sent < 32)
			raw_send(tx, "b0", frame, make_frame(frame, mac_a0, mac_b0, sent++));
		n = ws_port_rx_burst(port, pk, 64);
		if (!n && sent == 32)
			wait_fd(ws_afxdp_port_fd(port));
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(pk[i]->data_off, WS_PKT_HEADROOM);
			got += frame_seq(ws_pkt_data(pk[i]), pk[i]->data_len) >= 0;
		}
		ws_pool_put_bulk(pool, pk, n);
	}
	assert_int_equal(got, 32);
	close(tx);
	ws_port_close(port);
	assert_int_equal(xdp_prog_id("a0"), 0);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);
	assert_int_equal(ws_afxdp_umem_free(u), 0);
	ws_pool_free(pool);
}

static void test_errors(void **state)
{
	struct ws_pool *pool;
	struct ws_afxdp_umem *u;
	struct ws_afxdp_config c = { .ifname = "wsnone0" };
	struct ws_pool_config small = { .nb_frames = 64, .frame_size = 1024, .huge = WS_POOL_HUGE_NEVER };
	struct ws_pool *sp;
	char err[256] = "";

	(void)state;
	need_net();
	pool = pool_new();
	u = ws_afxdp_umem_create(pool, 0, 0, NULL, 0);
	assert_non_null(u);
	errno = 0;
	assert_null(ws_afxdp_port_open("x", 0, u, &c, err, sizeof(err)));
	assert_int_equal(errno, ENODEV);
	assert_string_equal(err, "wsnone0: no such interface");
	/* a bad ring size, a queue beyond the map */
	c.ifname = "a0";
	c.rx_size = 1000;
	assert_null(ws_afxdp_port_open("x", 0, u, &c, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	c.rx_size = 0;
	c.queue_id = WS_AFXDP_MAX_QUEUES;
	assert_null(ws_afxdp_port_open("x", 0, u, &c, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(xdp_prog_id("a0"), 0);
	/* veth has no zero-copy: forcing it fails and leaves nothing behind */
	c.queue_id = 0;
	c.copy = WS_AFXDP_COPY_NEVER;
	assert_null(ws_afxdp_port_open("x", 0, u, &c, err, sizeof(err)));
	print_message("forced zero-copy: %s\n", err);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(xdp_prog_id("a0"), 0);
	assert_int_equal(ws_pool_avail(pool), NB_FRAMES);
	assert_int_equal(ws_afxdp_umem_free(u), 0);
	/* frames below the kernel's smallest chunk */
	sp = ws_pool_create(&small);
	assert_non_null(sp);
	assert_null(ws_afxdp_umem_create(sp, 0, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_null(ws_afxdp_umem_create(pool, 1000, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	ws_pool_free(sp);
	ws_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_shared_umem_forward),
		cmocka_unit_test(test_close_detaches),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
