/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afpacket.h: the AF_PACKET port: a real Linux interface through one packet
 * socket with two mmap'd rings, so that receiving and sending cost one
 * syscall per burst at most, none per packet.
 *
 * RX is a TPACKET_V3 ring: the kernel packs packets into blocks and hands a
 * block over when it is full or after the retire timeout (1 ms by default),
 * so at Mpps a block carries hundreds of packets and the consumer never
 * calls the kernel. rx_burst busy-polls: it reads what the ready blocks
 * hold and returns 0 when none is ready; it never calls poll(). A caller
 * that wants to sleep when idle polls ws_afpacket_port_fd() for POLLIN.
 *
 * TX is a TPACKET_V3 ring of fixed slots (V3 only because the socket's
 * version applies to both rings: one socket, one mapping, one fd to poll;
 * V3 TX slots behave as V2's, and kernels since 4.11 have them). tx_burst
 * copies each packet into the next free slot, marks it, and kicks the
 * kernel once per burst (send(fd, NULL, 0, MSG_DONTWAIT)). PACKET_QDISC_BYPASS
 * (default on) hands the packets straight to the driver: no qdisc, no
 * other packet sockets see them.
 *
 * Why copy, in both directions: the rings are kernel memory laid out by the
 * kernel (RX packets at variable offsets in blocks that go back to the
 * kernel whole), while a ws_pkt must be a frame of the pool that every
 * port and node hands around and may hold for long (a neighbour queue, a
 * slow TX port). A frame kept from a ring block would pin the whole block
 * and stall the ring. One memcpy of a 64-byte packet (a cache line or two)
 * is a few ns against the kernel's hundreds per packet on this path.
 * Zero copy would need a ring made of the pool's own memory with per-frame
 * return, i.e. a user-supplied buffer area and fill/completion queues: that
 * is AF_XDP (io/afxdp, UMEM = the pool's region), not AF_PACKET, whose rings
 * the kernel allocates and whose blocks return in order.
 *
 * Promiscuous mode (default on) is requested as a packet-socket membership
 * (PACKET_MR_PROMISC): the kernel counts it per socket and drops it when the
 * socket closes, so a crash never leaves the interface promiscuous. A
 * forwarder must receive frames for its own MAC, which it does without
 * promiscuous mode; promiscuous mode also lets it see frames for other MACs
 * (a bridge-like or testbed setup where the peer sends to a MAC the port
 * does not have), at the cost of receiving traffic it will drop. Frames the
 * interface itself sends (PACKET_OUTGOING) are never received: the socket
 * asks the kernel not to deliver them (PACKET_IGNORE_OUTGOING, kernel 4.20)
 * and rx_burst skips any that arrive anyway.
 *
 * VLAN tags: the kernel takes an 802.1Q/802.1ad tag out of a received frame
 * and reports it beside it; rx_burst puts it back, so a frame reaches the
 * graph as it was on the wire. Such a frame starts 4 bytes before
 * WS_PKT_HEADROOM (data_off = WS_PKT_HEADROOM - 4): the bytes after the tag
 * lie where they would in an untagged frame.
 *
 * Checksums: a frame that a local stack sent over a veth peer may carry a
 * partial checksum (checksum offload, TP_STATUS_CSUMNOTREADY); it is passed
 * on as it is. Turn TX checksum offload off on such peers (ethtool -K IF tx
 * off) when frames are forwarded on to a stack that checks them.
 */
#ifndef WS_IO_AFPACKET_H
#define WS_IO_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/port.h"

/* Defaults, sized for 64-byte traffic at a few Mpps: a 128 KiB block holds
 * about 900 such packets (each takes 144 bytes in a V3 block), 64 blocks
 * hold about 58,000 (30 ms at 2 Mpps) while the worker is descheduled.
 * With the TX ring below, 10 MiB of ring memory per port. */
#define WS_AFPACKET_RX_BLOCK_SIZE 131072u
#define WS_AFPACKET_RX_BLOCK_COUNT 64u
#define WS_AFPACKET_RX_RETIRE_MS 1u
/* 1024 slots: 32 bursts of 32 waiting for a NIC's TX completions. */
#define WS_AFPACKET_TX_FRAME_COUNT 1024u

/* A zeroed config (plus ifname) is the default one. */
struct ws_afpacket_config {
	const char *ifname;      /* the interface, e.g. "eth0" */
	uint32_t rx_block_size;  /* bytes, a power of two >= the page size; 0: WS_AFPACKET_RX_BLOCK_SIZE */
	uint32_t rx_block_count; /* 0: WS_AFPACKET_RX_BLOCK_COUNT */
	uint32_t rx_retire_ms;   /* a partly filled block goes to user space after this; 0: 1 ms */
	uint32_t tx_frame_count; /* TX slots (one packet each), rounded up to a power of two; 0: 1024 */
	uint32_t tx_kick_batch;  /* 0 or 1: every tx_burst that took frames kicks the kernel (one send() per
				  * burst). N > 1: tx_burst kicks only once N frames wait (or the ring is full),
				  * and ws_port_flush() sends the rest: fewer system calls per packet for a
				  * sender that calls ws_port_flush() before it waits (the generator). At most
				  * half the TX slots. */
	uint16_t fanout_group;   /* PACKET_FANOUT group id; 0: no fanout */
	uint16_t fanout_mode;    /* PACKET_FANOUT_* mode | PACKET_FANOUT_FLAG_*; 0 is PACKET_FANOUT_HASH */
	bool no_qdisc_bypass;    /* true: send through the qdisc (shaping, other sockets see the frames) */
	bool no_promisc;         /* true: do not put the interface in promiscuous mode */
};

/* What an AF_PACKET port received but did not deliver, and how sending went
 * (beside ws_port_stats). */
struct ws_afpacket_stats {
	uint64_t rx_too_long;  /* longer than a pool frame holds (frame_size - WS_PKT_HEADROOM), cut short by the
				* ring, or shorter than an Ethernet header */
	uint64_t rx_outgoing;  /* the interface's own transmissions, skipped */
	uint64_t rx_nobufs;    /* bursts cut short because the pool had no frames (the packets wait in the ring) */
	uint64_t rx_kernel_drops; /* dropped by the kernel, the ring being full (PACKET_STATISTICS) */
	uint64_t tx_kick_errors;  /* kicks that failed for a reason other than a malformed frame (EAGAIN, ...) */
};

/*
 * Control path: open an AF_PACKET port on cfg->ifname, receiving into frames
 * of pool and sending frames of pool (name: the port's name, id: its id).
 * The port's mac and mtu are the interface's (SIOCGIFHWADDR, SIOCGIFMTU).
 * Ports: see the file comment. rx_burst (data path, per burst, no syscall)
 * copies each packet to WS_PKT_HEADROOM of a frame (in_port = id, rx_tsc
 * 0), skipping and counting (ws_afpacket_port_stats) frames too long for a
 * frame and the interface's own transmissions; it returns 0 when no block is
 * ready or the pool cannot supply frames. tx_burst (data path, per burst,
 * one send() kick) copies packets into free TX slots and frees their frames
 * at once; it returns how many it took, fewer than n when the ring is full
 * (the rest stay the caller's). A packet shorter than an Ethernet header or
 * one the kernel rejects (longer than the MTU: TP_STATUS_WRONG_FORMAT) is
 * taken and counted in tx_errors, not in tx_packets. ws_port_flush kicks the
 * kernel again (after EAGAIN, say); 0 or a negative errno.
 * NULL on error, with errno set and a one-line message in err (errlen
 * bytes; err may be NULL): ENODEV "IFNAME: no such interface", EPERM
 * "IFNAME: AF_PACKET needs root (CAP_NET_RAW)", EINVAL (a bad config, a pool
 * frame too small for an Ethernet frame, an interface that is not
 * Ethernet), others from the failing call, which the message names.
 */
struct ws_port *ws_afpacket_port_open(const char *name, uint16_t id, struct ws_pool *pool,
				      const struct ws_afpacket_config *cfg, char *err, size_t errlen);

/* Control path: the port's socket, to poll() for POLLIN when rx_burst comes
 * back empty (a block is ready). -EINVAL when port is not an AF_PACKET port. */
int ws_afpacket_port_fd(const struct ws_port *port);

/* Control path: the port's counters in st. Reads (and adds up) the kernel's
 * drop counter, which reading resets: call from one thread at a time. 0, or
 * -EINVAL when port is not an AF_PACKET port. */
int ws_afpacket_port_stats(struct ws_port *port, struct ws_afpacket_stats *st);

/* What ws_afpacket_socket found out about the interface. */
struct ws_afpacket_ifinfo {
	int ifindex;
	uint16_t mtu;   /* SIOCGIFMTU, capped at 65535 */
	uint8_t mac[6]; /* SIOCGIFHWADDR */
};

/*
 * Control path: the first step of both AF_PACKET backends (this one and
 * io/mmsg): an AF_PACKET SOCK_RAW socket (type_flags: SOCK_NONBLOCK,
 * SOCK_CLOEXEC, ...; protocol 0, so it receives nothing until bound) and
 * the facts of ifname. Returns the socket, or a negative errno with the
 * message in err: -ENODEV "IFNAME: no such interface", -EPERM "IFNAME:
 * AF_PACKET needs root (CAP_NET_RAW)", -EINVAL (not an Ethernet interface,
 * a name too long), others naming the failing call.
 */
int ws_afpacket_socket(const char *ifname, int type_flags, struct ws_afpacket_ifinfo *info, char *err, size_t errlen);

#endif /* WS_IO_AFPACKET_H */
