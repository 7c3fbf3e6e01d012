/* SPDX-License-Identifier: BSD-3-Clause */
/* afpacket.c: the AF_PACKET port of afpacket.h. rx_burst and tx_burst are
 * data path (no allocation; RX no syscall, TX one send() per burst, more
 * only to recover from a frame the kernel rejected); opening, statistics and
 * closing are control path. */
#include "io/afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/pool.h"

/* Where a V3 ring frame's packet starts when the socket does not ask for an
 * offset (PACKET_TX_HAS_OFF): right after the header, as the kernel reads it. */
#define TX_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
/* Where the kernel puts a received packet's struct sockaddr_ll. */
#define RX_SLL_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
/* A nominal frame size for the V3 RX ring request: V3 packs packets of any
 * size into blocks, but the request must still describe frames. */
#define RX_FRAME_SIZE 2048u
#define TX_BLOCK_MAX 65536u
#define VLAN_LEN 4u

#define TX_BUSY (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT)

struct afp_port {
	int fd;
	/* RX: the block being read, or the next one the kernel will hand over */
	uint8_t *rx_ring;
	uint32_t rx_block_size;
	uint32_t rx_nb_blocks;
	uint32_t rx_block;
	uint32_t rx_left;       /* packets of the open block not yet read; 0: no block open */
	const uint8_t *rx_pkt;  /* the next of them */
	uint32_t room;          /* packet bytes a pool frame holds */
	/* TX: slots i & tx_mask, filled in order */
	uint8_t *tx_ring;
	uint32_t tx_frame_size;
	uint32_t tx_mask;
	uint32_t tx_head;       /* free-running: the next slot to fill */
	uint32_t tx_room;       /* packet bytes a slot holds */
	bool kick_needed;       /* frames may wait in SEND_REQUEST: kick even with nothing new */
	uint32_t tx_unkicked;   /* frames queued since the last kick */
	uint32_t tx_kick_batch; /* kick once this many wait (1: every burst) */
	void *map;
	size_t map_len;
	struct ws_afpacket_stats st;
};

static const struct ws_port_ops afp_ops;

/* ---- RX ---- */

static ws_always_inline struct tpacket_block_desc *rx_block(const struct afp_port *a, uint32_t i)
{
	return (struct tpacket_block_desc *)(a->rx_ring + (size_t)i * a->rx_block_size);
}

/* Give the open block back to the kernel (every byte of it read: the
 * release store orders the copies before it) and move to the next. */
static ws_always_inline void rx_release(struct afp_port *a)
{
	__atomic_store_n(&rx_block(a, a->rx_block)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	a->rx_block = a->rx_block + 1 == a->rx_nb_blocks ? 0 : a->rx_block + 1;
}

/* Open the next block if the kernel has handed it over; false when not. */
static ws_always_inline bool rx_open(struct afp_port *a)
{
	for (;;) {
		struct tpacket_block_desc *bd = rx_block(a, a->rx_block);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return false;
		if (ws_likely(bd->hdr.bh1.num_pkts)) {
			a->rx_left = bd->hdr.bh1.num_pkts;
			a->rx_pkt = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
			return true;
		}
		rx_release(a); /* a retired empty block: nothing to read */
	}
}

/* Copy one packet of the ring into p; the frame as it was on the wire, so a
 * tag the kernel took out is put back in front of the data. */
static ws_always_inline void rx_copy(struct ws_pkt *p, const struct tpacket3_hdr *h, uint32_t len, uint16_t port)
{
	const uint8_t *src = (const uint8_t *)h + h->tp_mac;
	uint8_t *d;

	if (ws_likely(!(h->tp_status & TP_STATUS_VLAN_VALID))) {
		ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, port, 0);
		memcpy(ws_pkt_data(p), src, len);
		return;
	}
	uint16_t tpid = h->tp_status & TP_STATUS_VLAN_TPID_VALID ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
	uint16_t tci = (uint16_t)h->hv1.tp_vlan_tci;

	ws_pkt_rx_init(p, WS_PKT_HEADROOM - VLAN_LEN, (uint16_t)(len + VLAN_LEN), port, 0);
	d = ws_pkt_data(p);
	memcpy(d, src, 12);
	d[12] = (uint8_t)(tpid >> 8);
	d[13] = (uint8_t)tpid;
	d[14] = (uint8_t)(tci >> 8);
	d[15] = (uint8_t)tci;
	memcpy(d + 12 + VLAN_LEN, src + 12, len - 12);
}

static unsigned afp_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct afp_port *a = port->priv;
	unsigned got = 0, have = 0; /* pkts[0, got) delivered, pkts[got, have) frames taken but unused */
	uint64_t bytes = 0;

	while (got < n) {
		if (!a->rx_left && !rx_open(a))
			break;
		if (have == got) {
			/* frames for what this block still holds, so that none
			 * go back to the pool unless packets are skipped */
			unsigned want = n - got < a->rx_left ? n - got : a->rx_left;

			if (ws_unlikely(ws_pool_get_bulk(port->pool, pkts + got, want) != 0)) {
				a->st.rx_nobufs++;
				break;
			}
			have = got + want;
		}
		const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)a->rx_pkt;
		const struct sockaddr_ll *sll = (const struct sockaddr_ll *)(a->rx_pkt + RX_SLL_OFF);
		uint32_t len = h->tp_snaplen;

		if (ws_unlikely(sll->sll_pkttype == PACKET_OUTGOING))
			a->st.rx_outgoing++;
		else if (ws_unlikely(len - ETH_HLEN > a->room - ETH_HLEN || len != h->tp_len))
			a->st.rx_too_long++; /* (a runt wraps around and lands here too) */
		else {
			struct ws_pkt *p = pkts[got++];

			rx_copy(p, h, len, port->id);
			bytes += p->data_len;
		}
		a->rx_pkt += h->tp_next_offset;
		if (--a->rx_left == 0)
			rx_release(a);
	}
	if (have > got)
		ws_pool_put_bulk(port->pool, pkts + got, have - got);
	port->stats.rx_packets += got;
	port->stats.rx_bytes += bytes;
	return got;
}

/* ---- TX ---- */

static ws_always_inline struct tpacket3_hdr *tx_slot(const struct afp_port *a, uint32_t i)
{
	return (struct tpacket3_hdr *)(a->tx_ring + (size_t)(i & a->tx_mask) * a->tx_frame_size);
}

static ws_always_inline uint32_t tx_status(const struct tpacket3_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

/*
 * The kernel stopped at a slot it rejected (TP_STATUS_WRONG_FORMAT, e.g. a
 * packet longer than the MTU): it will not go past it, and every slot filled
 * after it still waits in SEND_REQUEST. Count the rejected packet as an
 * error and move the waiting ones down by one slot, so that the kernel finds
 * them in order where it stopped and the last slot is free again. Only
 * send() moves the kernel along this ring and only this thread calls it,
 * so nothing else touches the slots meanwhile. Error path: a copy per
 * waiting packet. false when no slot is in that state.
 */
static bool tx_recover(struct ws_port *port, struct afp_port *a)
{
	uint32_t run = 0, k, len;
	struct tpacket3_hdr *bad;

	while (run < a->tx_mask && tx_status(tx_slot(a, a->tx_head - 1 - run)) == TP_STATUS_SEND_REQUEST)
		run++;
	k = a->tx_head - 1 - run;
	bad = tx_slot(a, k);
	if (!(tx_status(bad) & TP_STATUS_WRONG_FORMAT))
		return false;
	len = bad->tp_len;
	port->stats.tx_packets--;
	port->stats.tx_bytes -= len;
	port->stats.tx_errors++;
	for (uint32_t j = 0; j < run; j++) {
		struct tpacket3_hdr *dst = tx_slot(a, k + j), *src = tx_slot(a, k + j + 1);

		dst->tp_len = src->tp_len;
		dst->tp_snaplen = src->tp_len;
		dst->tp_next_offset = 0;
		memcpy((uint8_t *)dst + TX_DATA_OFF, (const uint8_t *)src + TX_DATA_OFF, src->tp_len);
		__atomic_store_n(&dst->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&tx_slot(a, k + run)->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
	a->tx_head--;
	return true;
}

/* Errors of a kick that leave every frame as it was (a full send buffer, a
 * down interface): the next kick sends them. Others come from a frame the
 * kernel marked TP_STATUS_WRONG_FORMAT, or may. */
static bool tx_transient(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR || e == ENETDOWN || e == ENXIO ||
	       e == ENODEV;
}

/* Ask the kernel to send what waits in the ring: 0, or a negative errno
 * (the frames stay and the next kick sends them). */
static int tx_kick(struct ws_port *port, struct afp_port *a)
{
	for (uint32_t tries = 0;; tries++) {
		if (ws_likely(send(a->fd, NULL, 0, MSG_DONTWAIT) >= 0)) {
			/* the kernel stops early when the socket's send buffer
			 * is full; then the last slot still waits */
			a->tx_unkicked = 0;
			a->kick_needed = tx_status(tx_slot(a, a->tx_head - 1)) == TP_STATUS_SEND_REQUEST;
			return 0;
		}
		int e = errno;

		if (tx_transient(e) || tries > a->tx_mask || !tx_recover(port, a)) {
			a->kick_needed = true;
			a->st.tx_kick_errors++;
			return -e;
		}
	}
}

static unsigned afp_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct afp_port *a = port->priv;
	uint64_t bytes = 0;
	unsigned i, sent = 0;

	for (i = 0; i < n; i++) {
		struct ws_pkt *p = pkts[i];
		struct tpacket3_hdr *h = tx_slot(a, a->tx_head);
		uint32_t st = tx_status(h);
		uint32_t len = p->data_len;

		if (ws_unlikely(st & TX_BUSY)) {
			/* the oldest slot: in flight, or waiting (the ring is
			 * full), or the one the kernel stopped at a lap ago */
			if (!(st & TP_STATUS_WRONG_FORMAT) || !tx_recover(port, a))
				break;
			h = tx_slot(a, a->tx_head);
		}
		if (ws_unlikely(len < ETH_HLEN || len > a->tx_room)) {
			port->stats.tx_errors++; /* taken, and freed with the others */
			continue;
		}
		h->tp_len = len;
		h->tp_snaplen = len;
		h->tp_next_offset = 0; /* V3 TX slots are fixed-size: the kernel rejects anything else */
		memcpy((uint8_t *)h + TX_DATA_OFF, ws_pkt_data(p), len);
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		a->tx_head++;
		sent++;
		bytes += len;
	}
	port->stats.tx_packets += sent;
	port->stats.tx_bytes += bytes;
	if (i)
		ws_pool_put_bulk(port->pool, pkts, i);
	a->tx_unkicked += sent;
	if (a->tx_unkicked >= a->tx_kick_batch || i < n || (a->kick_needed && a->tx_kick_batch <= 1))
		tx_kick(port, a); /* enough waits, the ring is full, or a kick is overdue */
	else if (sent)
		a->kick_needed = true; /* the next kick, or ws_port_flush(), sends them */
	return i;
}

static int afp_flush(struct ws_port *port)
{
	struct afp_port *a = port->priv;

	return a->kick_needed ? tx_kick(port, a) : 0;
}

static void afp_close(struct ws_port *port)
{
	struct afp_port *a = port->priv;

	if (!a)
		return;
	if (a->map)
		munmap(a->map, a->map_len);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
	port->priv = NULL;
}

static const struct ws_port_ops afp_ops = {
	.kind = "afpacket",
	.rx_burst = afp_rx,
	.tx_burst = afp_tx,
	.flush = afp_flush,
	.close = afp_close,
};

/* ---- control path ---- */

int ws_afpacket_socket(const char *ifname, int type_flags, struct ws_afpacket_ifinfo *info, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, e;

	if (!ifname || !*ifname) {
		ws_set_err(err, errlen, "no interface name given");
		return -EINVAL;
	}
	if (strlen(ifname) >= IFNAMSIZ) { /* no interface can have it */
		ws_set_err(err, errlen, "%s: no such interface", ifname);
		return -ENODEV;
	}
	fd = socket(AF_PACKET, SOCK_RAW | type_flags, 0);
	if (fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES) {
			ws_set_err(err, errlen, "%s: AF_PACKET needs root (CAP_NET_RAW)", ifname);
			return -EPERM;
		}
		ws_set_err(err, errlen, "%s: socket(AF_PACKET): %s", ifname, strerror(e));
		return -e;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		e = errno;
		if (e == ENODEV)
			ws_set_err(err, errlen, "%s: no such interface", ifname);
		else
			ws_set_err(err, errlen, "%s: ioctl(SIOCGIFINDEX): %s", ifname, strerror(e));
		goto fail;
	}
	info->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: ioctl(SIOCGIFHWADDR): %s", ifname, strerror(e));
		goto fail;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		/* frames on it would not start with an Ethernet header */
		ws_set_err(err, errlen, "%s: not an Ethernet interface (ARPHRD %u)", ifname,
			(unsigned)ifr.ifr_hwaddr.sa_family);
		e = EINVAL;
		goto fail;
	}
	memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: ioctl(SIOCGIFMTU): %s", ifname, strerror(e));
		goto fail;
	}
	info->mtu = ifr.ifr_mtu > 65535 ? 65535 : (uint16_t)ifr.ifr_mtu;
	return fd;
fail:
	close(fd);
	return -e;
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint32_t pow2_ceil(uint32_t v)
{
	uint32_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

/* setsockopt(SOL_PACKET, opt, &val) with the call named in err on failure;
 * 0 or the errno. */
static int sopt(int fd, int opt, const char *optname, const void *val, socklen_t len, const char *ifname, char *err,
		size_t errlen)
{
	if (setsockopt(fd, SOL_PACKET, opt, val, len) == 0)
		return 0;
	int e = errno;

	ws_set_err(err, errlen, "%s: setsockopt(%s): %s", ifname, optname, strerror(e));
	return e;
}

struct ws_port *ws_afpacket_port_open(const char *name, uint16_t id, struct ws_pool *pool,
				      const struct ws_afpacket_config *cfg, char *err, size_t errlen)
{
	const char *ifname = cfg ? cfg->ifname : NULL;
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	uint32_t bsize = cfg && cfg->rx_block_size ? cfg->rx_block_size : WS_AFPACKET_RX_BLOCK_SIZE;
	uint32_t bcount = cfg && cfg->rx_block_count ? cfg->rx_block_count : WS_AFPACKET_RX_BLOCK_COUNT;
	uint32_t retire = cfg && cfg->rx_retire_ms ? cfg->rx_retire_ms : WS_AFPACKET_RX_RETIRE_MS;
	uint32_t tcount = cfg && cfg->tx_frame_count ? cfg->tx_frame_count : WS_AFPACKET_TX_FRAME_COUNT;
	struct tpacket_req3 rxr, txr;
	struct ws_afpacket_ifinfo ifi;
	struct sockaddr_ll sll;
	struct ws_port *port;
	struct afp_port *a;
	uint32_t room, tfsize, tbsize;
	size_t rx_len, tx_len;
	int fd, e, one = 1;

	if (!cfg || !pool || pool->frame_size < WS_PKT_HEADROOM + ETH_HLEN) {
		ws_set_err(err, errlen, "%s: %s", ifname ? ifname : "afpacket",
			!cfg || !pool ? "no config or pool given" : "pool frames too small for an Ethernet frame");
		errno = EINVAL;
		return NULL;
	}
	if (!pow2(bsize) || bsize < page || bsize > (1u << 30) || bcount > 65536 || retire > 60000 ||
	    tcount > (1u << 20)) {
		ws_set_err(err, errlen, "%s: bad ring config: rx_block_size a power of two in [%u, 2^30], "
			"rx_block_count <= 65536, rx_retire_ms <= 60000, tx_frame_count <= 2^20", ifname ? ifname : "",
			page);
		errno = EINVAL;
		return NULL;
	}
	room = pool->frame_size - WS_PKT_HEADROOM;
	/* a slot holds anything a pool frame can */
	tfsize = pow2_ceil(TX_DATA_OFF + room);
	tcount = pow2_ceil(tcount);
	tbsize = tcount * (uint64_t)tfsize > TX_BLOCK_MAX ? TX_BLOCK_MAX : tcount * tfsize;
	if (tbsize < page)
		tbsize = page;
	if (tbsize < tfsize)
		tbsize = tfsize;
	if ((uint64_t)tcount * tfsize < tbsize)
		tcount = tbsize / tfsize;

	fd = ws_afpacket_socket(ifname, SOCK_CLOEXEC, &ifi, err, errlen);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	port = ws_port_alloc(name, id, pool);
	a = calloc(1, sizeof(*a));
	if (!port || !a) {
		ws_set_err(err, errlen, "%s: out of memory", ifname);
		e = ENOMEM;
		goto fail;
	}
	a->fd = fd;
	port->priv = a;

	int ver = TPACKET_V3;

	if ((e = sopt(fd, PACKET_VERSION, "PACKET_VERSION", &ver, sizeof(ver), ifname, err, errlen)))
		goto fail;
	memset(&rxr, 0, sizeof(rxr));
	rxr.tp_block_size = bsize;
	rxr.tp_block_nr = bcount;
	rxr.tp_frame_size = RX_FRAME_SIZE;
	rxr.tp_frame_nr = bsize / RX_FRAME_SIZE * bcount;
	rxr.tp_retire_blk_tov = retire;
	if ((e = sopt(fd, PACKET_RX_RING, "PACKET_RX_RING", &rxr, sizeof(rxr), ifname, err, errlen)))
		goto fail;
	memset(&txr, 0, sizeof(txr)); /* no retire timeout, private area or features: TX refuses them */
	txr.tp_block_size = tbsize;
	txr.tp_block_nr = (uint32_t)((uint64_t)tcount * tfsize / tbsize);
	txr.tp_frame_size = tfsize;
	txr.tp_frame_nr = tcount;
	if ((e = sopt(fd, PACKET_TX_RING, "PACKET_TX_RING", &txr, sizeof(txr), ifname, err, errlen)))
		goto fail;
	rx_len = (size_t)bsize * bcount;
	tx_len = (size_t)tbsize * txr.tp_block_nr;
	/* populated now, so the data path takes no page fault on a ring */
	a->map = mmap(NULL, rx_len + tx_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		e = errno;
		ws_set_err(err, errlen, "%s: mmap of the rings (%zu bytes): %s", ifname, rx_len + tx_len, strerror(e));
		goto fail;
	}
	a->map_len = rx_len + tx_len;
	a->rx_ring = a->map;
	a->rx_block_size = bsize;
	a->rx_nb_blocks = bcount;
	a->room = room;
	a->tx_ring = (uint8_t *)a->map + rx_len;
	a->tx_frame_size = tfsize;
	a->tx_mask = tcount - 1;
	a->tx_kick_batch = cfg && cfg->tx_kick_batch > 1 ? cfg->tx_kick_batch : 1;
	if (a->tx_kick_batch > tcount / 2)
		a->tx_kick_batch = tcount / 2;
	a->tx_room = tfsize - TX_DATA_OFF;

	if (!cfg->no_qdisc_bypass &&
	    (e = sopt(fd, PACKET_QDISC_BYPASS, "PACKET_QDISC_BYPASS", &one, sizeof(one), ifname, err, errlen)))
		goto fail;
	/* saves the kernel copying our own frames into the ring; before 4.20
	 * it does not exist and rx_burst's check alone keeps them out */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 && errno != ENOPROTOOPT) {
		e = errno;
		ws_set_err(err, errlen, "%s: setsockopt(PACKET_IGNORE_OUTGOING): %s", ifname, strerror(e));
		goto fail;
	}
	/* every slot in flight holds an skb charged to the send buffer: let
	 * the whole ring be in flight (a NIC completing late) rather than
	 * stop at the default 208 KiB; best effort */
	int sndbuf = (int)((uint64_t)tcount * tfsize > (1u << 30) ? (1u << 30) : tcount * tfsize);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifi.ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: bind: %s", ifname, strerror(e));
		goto fail;
	}
	if (!cfg->no_promisc) {
		struct packet_mreq mr = { .mr_ifindex = ifi.ifindex, .mr_type = PACKET_MR_PROMISC };

		if ((e = sopt(fd, PACKET_ADD_MEMBERSHIP, "PACKET_ADD_MEMBERSHIP promiscuous", &mr, sizeof(mr), ifname,
			      err, errlen)))
			goto fail;
	}
	if (cfg->fanout_group) {
		uint32_t arg = cfg->fanout_group | (uint32_t)cfg->fanout_mode << 16;

		if ((e = sopt(fd, PACKET_FANOUT, "PACKET_FANOUT", &arg, sizeof(arg), ifname, err, errlen)))
			goto fail;
	}
	memcpy(port->mac, ifi.mac, 6);
	port->mtu = ifi.mtu;
	port->ops = &afp_ops;
	return port;
fail:
	if (port && port->priv)
		afp_close(port);
	else {
		free(a);
		close(fd);
	}
	free(port);
	errno = e;
	return NULL;
}

int ws_afpacket_port_fd(const struct ws_port *port)
{
	if (!port || port->ops != &afp_ops)
		return -EINVAL;
	return ((const struct afp_port *)port->priv)->fd;
}

int ws_afpacket_port_stats(struct ws_port *port, struct ws_afpacket_stats *st)
{
	struct tpacket_stats_v3 ks;
	socklen_t len = sizeof(ks);
	struct afp_port *a;

	if (!port || port->ops != &afp_ops)
		return -EINVAL;
	a = port->priv;
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		a->st.rx_kernel_drops += ks.tp_drops;
	*st = a->st;
	return 0;
}
