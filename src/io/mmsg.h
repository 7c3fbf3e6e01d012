/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmsg.h: the mmsg port: a real interface through a plain AF_PACKET socket,
 * one recvmmsg() per RX burst and one sendmmsg() per TX burst. The portable
 * fallback for where the mmap'd rings of io/afpacket are not available or
 * not wanted (kernels or sandboxes without them, a few ports that would
 * otherwise pin megabytes of ring each); it costs a syscall per burst in
 * both directions, also when nothing arrives, and the kernel copies every
 * packet into or out of an skb.
 *
 * RX receives straight into pool frames (each message's buffer is a
 * frame's data area at WS_PKT_HEADROOM), so there is no copy in user
 * space; TX points the messages at the frames' data, and the kernel copies.
 *
 * As io/afpacket: the interface is put in promiscuous mode for as long as
 * the port is open (a packet-socket membership, dropped with the socket);
 * the interface's own transmissions are not received (PACKET_IGNORE_OUTGOING
 * where the kernel has it, 4.20 on, and a check of each packet's type);
 * a VLAN tag the kernel took out of a received frame (PACKET_AUXDATA) is
 * put back, the frame then starting at WS_PKT_HEADROOM - 4.
 */
#ifndef WS_IO_MMSG_H
#define WS_IO_MMSG_H

#include <stddef.h>
#include <stdint.h>

#include "io/port.h"

/* The most packets one burst moves; larger bursts are cut to this. */
#define WS_MMSG_BURST_MAX 256u

/* What an mmsg port received but did not deliver, and how sending went. */
struct ws_mmsg_stats {
	uint64_t rx_too_long;     /* longer than a pool frame holds (frame_size - WS_PKT_HEADROOM), or shorter
				   * than an Ethernet header */
	uint64_t rx_outgoing;     /* the interface's own transmissions, skipped */
	uint64_t rx_nobufs;       /* bursts not tried because the pool had no frames */
	uint64_t rx_errors;       /* recvmmsg() failures other than "nothing there" */
	uint64_t rx_kernel_drops; /* dropped by the kernel, the receive buffer being full (PACKET_STATISTICS) */
	uint64_t tx_busy;         /* bursts cut short by a full send buffer, a down interface, ... */
};

/*
 * Control path: open an mmsg port on ifname: an AF_PACKET SOCK_RAW socket
 * bound to it for every protocol (ETH_P_ALL), non-blocking. The port's mac
 * and mtu are the interface's. rx_burst (data path, per burst, one
 * recvmmsg(); up to WS_MMSG_BURST_MAX) delivers packets at WS_PKT_HEADROOM
 * of pool frames (in_port = id, rx_tsc 0), skipping and counting
 * (ws_mmsg_port_stats) what is too long for a frame and the interface's own
 * transmissions; 0 when nothing waits or the pool cannot supply the frames.
 * tx_burst (data path, per burst, one sendmmsg() unless a packet is
 * rejected) sends and frees what it takes: a packet the kernel rejects
 * (longer than the MTU, shorter than an Ethernet header) is taken and
 * counted in tx_errors, and costs one more sendmmsg() for the packets after
 * it; when the kernel cannot take more (a full send buffer, a down
 * interface) it returns fewer than n and the rest stay the caller's.
 * NULL on error, with errno set and a one-line message in err (errlen
 * bytes; err may be NULL), as ws_afpacket_port_open: ENODEV "IFNAME: no
 * such interface", EPERM "IFNAME: AF_PACKET needs root (CAP_NET_RAW)",
 * EINVAL (no pool, pool frames too small, not an Ethernet interface),
 * ENOMEM, others naming the failing call.
 */
struct ws_port *ws_mmsg_port_open(const char *name, uint16_t id, struct ws_pool *pool, const char *ifname, char *err,
				  size_t errlen);

/* Control path: the port's socket, to poll() for POLLIN when rx_burst comes
 * back empty. -EINVAL when port is not an mmsg port. */
int ws_mmsg_port_fd(const struct ws_port *port);

/* Control path: the port's counters in st. Reads (and adds up) the kernel's
 * drop counter, which reading resets: call from one thread at a time. 0, or
 * -EINVAL when port is not an mmsg port. */
int ws_mmsg_port_stats(struct ws_port *port, struct ws_mmsg_stats *st);

#endif /* WS_IO_MMSG_H */
