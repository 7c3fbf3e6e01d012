/* SPDX-License-Identifier: BSD-3-Clause */
/* mmsg.c: the recvmmsg/sendmmsg port of mmsg.h. rx_burst and tx_burst are
 * data path (no allocation, one syscall per burst); opening, statistics and
 * closing are control path. */
#include "io/mmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/pool.h"
#include "io/afpacket.h"

#define VLAN_LEN 4u

/* One message's control buffer: room for the PACKET_AUXDATA message only. */
union mmsg_ctl {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

struct mmsg_port {
	int fd;
	uint32_t room; /* packet bytes a pool frame holds */
	struct ws_mmsg_stats st;
	/* per-message state, pointed to by the headers once at open */
	struct mmsghdr rx_msgs[WS_MMSG_BURST_MAX];
	struct iovec rx_iov[WS_MMSG_BURST_MAX];
	struct sockaddr_ll rx_addr[WS_MMSG_BURST_MAX];
	union mmsg_ctl rx_ctl[WS_MMSG_BURST_MAX];
	struct mmsghdr tx_msgs[WS_MMSG_BURST_MAX];
	struct iovec tx_iov[WS_MMSG_BURST_MAX];
};

static const struct ws_port_ops mmsg_ops;

/* The auxiliary data of a received message, NULL when it has none. */
static ws_always_inline const struct tpacket_auxdata *rx_aux(const struct msghdr *mh)
{
	const struct cmsghdr *c = CMSG_FIRSTHDR(mh);

	if (ws_likely(c && c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		      c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))))
		return (const struct tpacket_auxdata *)CMSG_DATA(c);
	return NULL;
}

static unsigned mmsg_rx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct mmsg_port *m = port->priv;
	unsigned got = 0;
	uint64_t bytes = 0;
	int r;

	if (n > WS_MMSG_BURST_MAX)
		n = WS_MMSG_BURST_MAX;
	if (ws_unlikely(!n))
		return 0;
	if (ws_unlikely(ws_pool_get_bulk(port->pool, pkts, n) != 0)) {
		m->st.rx_nobufs++;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *mh = &m->rx_msgs[i].msg_hdr;

		/* the kernel overwrote these lengths last time */
		m->rx_iov[i].iov_base = (uint8_t *)pkts[i] + WS_PKT_HEADROOM;
		mh->msg_namelen = sizeof(m->rx_addr[i]);
		mh->msg_controllen = sizeof(m->rx_ctl[i]);
	}
	r = recvmmsg(m->fd, m->rx_msgs, n, MSG_DONTWAIT, NULL);
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		m->st.rx_errors++;
	for (int i = 0; i < r; i++) {
		const struct mmsghdr *mm = &m->rx_msgs[i];
		const struct tpacket_auxdata *aux;
		struct ws_pkt *p = pkts[i];
		uint32_t len = mm->msg_len;

		if (ws_unlikely(m->rx_addr[i].sll_pkttype == PACKET_OUTGOING)) {
			m->st.rx_outgoing++;
			continue;
		}
		if (ws_unlikely((mm->msg_hdr.msg_flags & MSG_TRUNC) || len < ETH_HLEN)) {
			m->st.rx_too_long++;
			continue;
		}
		aux = rx_aux(&mm->msg_hdr);
		if (ws_likely(!aux || !(aux->tp_status & TP_STATUS_VLAN_VALID))) {
			ws_pkt_rx_init(p, WS_PKT_HEADROOM, (uint16_t)len, port->id, 0);
		} else {
			/* put the tag back: the MAC addresses move 4 bytes
			 * into the headroom, the rest stays where it is */
			uint8_t *d = (uint8_t *)p + WS_PKT_HEADROOM - VLAN_LEN;
			uint16_t tpid = aux->tp_status & TP_STATUS_VLAN_TPID_VALID ? aux->tp_vlan_tpid : ETH_P_8021Q;

			memmove(d, d + VLAN_LEN, 12);
			d[12] = (uint8_t)(tpid >> 8);
			d[13] = (uint8_t)tpid;
			d[14] = (uint8_t)(aux->tp_vlan_tci >> 8);
			d[15] = (uint8_t)aux->tp_vlan_tci;
			ws_pkt_rx_init(p, WS_PKT_HEADROOM - VLAN_LEN, (uint16_t)(len + VLAN_LEN), port->id, 0);
		}
		bytes += p->data_len;
		/* keep delivered frames in front: pkts[got, i) are skipped ones */
		pkts[i] = pkts[got];
		pkts[got++] = p;
	}
	if (got < n)
		ws_pool_put_bulk(port->pool, pkts + got, n - got);
	port->stats.rx_packets += got;
	port->stats.rx_bytes += bytes;
	return got;
}

/* Errors after which the kernel takes no more for now: the packets stay
 * the caller's. Anything else is about the one packet the kernel refused. */
static bool tx_busy_error(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR || e == ENETDOWN || e == ENXIO ||
	       e == ENODEV || e == ENOMEM;
}

static unsigned mmsg_tx(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	struct mmsg_port *m = port->priv;
	uint64_t bytes = 0;
	unsigned done = 0, sent = 0;

	if (n > WS_MMSG_BURST_MAX)
		n = WS_MMSG_BURST_MAX;
	for (unsigned i = 0; i < n; i++) {
		m->tx_iov[i].iov_base = ws_pkt_data(pkts[i]);
		m->tx_iov[i].iov_len = pkts[i]->data_len;
	}
	while (done < n) {
		int r = sendmmsg(m->fd, m->tx_msgs + done, n - done, MSG_DONTWAIT);

		if (ws_likely(r > 0)) {
			for (unsigned i = done; i < done + (unsigned)r; i++)
				bytes += pkts[i]->data_len;
			sent += (unsigned)r;
			done += (unsigned)r;
			continue; /* fewer than asked: the next call says why */
		}
		if (r == 0 || tx_busy_error(errno)) {
			m->st.tx_busy++;
			break;
		}
		port->stats.tx_errors++; /* packet done was refused; go on after it */
		done++;
	}
	port->stats.tx_packets += sent;
	port->stats.tx_bytes += bytes;
	if (done)
		ws_pool_put_bulk(port->pool, pkts, done);
	return done;
}

static void mmsg_close(struct ws_port *port)
{
	struct mmsg_port *m = port->priv;

	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	port->priv = NULL;
}

static const struct ws_port_ops mmsg_ops = {
	.kind = "mmsg",
	.rx_burst = mmsg_rx,
	.tx_burst = mmsg_tx,
	.close = mmsg_close,
};

struct ws_port *ws_mmsg_port_open(const char *name, uint16_t id, struct ws_pool *pool, const char *ifname, char *err,
				  size_t errlen)
{
	struct ws_afpacket_ifinfo ifi;
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ws_port *port;
	struct mmsg_port *m;
	int fd, e, one = 1, buf = 4 << 20;

	if (!pool || pool->frame_size < WS_PKT_HEADROOM + ETH_HLEN) {
		ws_set_err(err, errlen, "%s: %s", ifname ? ifname : "mmsg",
			!pool ? "no pool given" : "pool frames too small for an Ethernet frame");
		errno = EINVAL;
		return NULL;
	}
	fd = ws_afpacket_socket(ifname, SOCK_NONBLOCK | SOCK_CLOEXEC, &ifi, err, errlen);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	port = ws_port_alloc(name, id, pool);
	m = calloc(1, sizeof(*m));
	if (!port || !m) {
		ws_set_err(err, errlen, "%s: out of memory", ifname);
		e = ENOMEM;
		goto fail;
	}
	m->fd = fd;
	m->room = pool->frame_size - WS_PKT_HEADROOM;
	for (unsigned i = 0; i < WS_MMSG_BURST_MAX; i++) {
		struct msghdr *rh = &m->rx_msgs[i].msg_hdr, *th = &m->tx_msgs[i].msg_hdr;

		m->rx_iov[i].iov_len = m->room;
		rh->msg_iov = &m->rx_iov[i];
		rh->msg_iovlen = 1;
		rh->msg_name = &m->rx_addr[i];
		rh->msg_control = &m->rx_ctl[i];
		/* no address: a bound packet socket sends on its interface */
		th->msg_iov = &m->tx_iov[i];
		th->msg_iovlen = 1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: setsockopt(PACKET_AUXDATA): %s", ifname, strerror(e));
		goto fail;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 && errno != ENOPROTOOPT) {
		e = errno;
		ws_set_err(err, errlen, "%s: setsockopt(PACKET_IGNORE_OUTGOING): %s", ifname, strerror(e));
		goto fail;
	}
	/* the default 208 KiB receive buffer holds about 250 small packets
	 * (each costs an skb's truesize): a few ms at Mpps; best effort */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifi.ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: bind: %s", ifname, strerror(e));
		goto fail;
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifi.ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0) {
		e = errno;
		ws_set_err(err, errlen, "%s: setsockopt(PACKET_ADD_MEMBERSHIP promiscuous): %s", ifname, strerror(e));
		goto fail;
	}
	memcpy(port->mac, ifi.mac, 6);
	port->mtu = ifi.mtu;
	port->priv = m;
	port->ops = &mmsg_ops;
	return port;
fail:
	free(m);
	free(port);
	close(fd);
	errno = e;
	return NULL;
}

int ws_mmsg_port_fd(const struct ws_port *port)
{
	if (!port || port->ops != &mmsg_ops)
		return -EINVAL;
	return ((const struct mmsg_port *)port->priv)->fd;
}

int ws_mmsg_port_stats(struct ws_port *port, struct ws_mmsg_stats *st)
{
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);
	struct mmsg_port *m;

	if (!port || port->ops != &mmsg_ops)
		return -EINVAL;
	m = port->priv;
	if (getsockopt(m->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		m->st.rx_kernel_drops += ks.tp_drops;
	*st = m->st;
	return 0;
}
