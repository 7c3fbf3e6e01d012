/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.h: one interface for every way packets enter and leave wirespeed.
 *
 * A port moves frame handles (struct ws_pkt *, frames of a ws_pool) in
 * bursts: rx_burst hands the caller up to n received frames (the caller owns
 * them), tx_burst takes up to n frames and owns those it accepted (it frees
 * them to their pool once sent); what it did not accept stays the caller's.
 * Backends: mem (synthetic source and counting sink, io/mem.h), pcap (files,
 * io/pcap.h); AF_XDP and AF_PACKET come with real interfaces.
 *
 * A port is used by one worker thread at a time (one queue); the counters
 * are plain memory with that one writer, read by others as in core/stats.h.
 */
#ifndef WS_IO_PORT_H
#define WS_IO_PORT_H

#include <stdint.h>

#include "core/cpu.h"
#include "core/pkt.h"

struct ws_port;
struct ws_pool;

struct ws_port_ops {
	const char *kind; /* "mem", "pcap", ... */
	unsigned (*rx_burst)(struct ws_port *port, struct ws_pkt **pkts, unsigned n);
	unsigned (*tx_burst)(struct ws_port *port, struct ws_pkt **pkts, unsigned n);
	/* control path: make what tx_burst accepted reach its destination
	 * (write out buffers); NULL when there is nothing to do */
	int (*flush)(struct ws_port *port);
	void (*close)(struct ws_port *port);
};

struct ws_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_errors; /* accepted but could not be sent (counted, freed) */
};

struct ws_port {
	const struct ws_port_ops *ops;
	struct ws_pool *pool; /* RX frames come from here */
	void *priv;           /* the backend's */
	struct ws_port_stats stats;
	uint16_t id;
	uint16_t mtu;         /* IP MTU: largest L3 packet it sends */
	uint8_t mac[6];
	char name[32];
};

/* Data path, per burst: receive up to n frames into pkts; how many. */
static inline unsigned ws_port_rx_burst(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	return port->ops->rx_burst(port, pkts, n);
}

/* Data path, per burst: send pkts[0..n); returns how many the port took
 * (their frames are its now); the rest stay the caller's. */
static inline unsigned ws_port_tx_burst(struct ws_port *port, struct ws_pkt **pkts, unsigned n)
{
	return port->ops->tx_burst(port, pkts, n);
}

/* Control path: see ws_port_ops.flush; 0 or a negative errno. */
static inline int ws_port_flush(struct ws_port *port)
{
	return port->ops->flush ? port->ops->flush(port) : 0;
}

/* Control path: flush, close and free the port (NULL allowed). */
void ws_port_close(struct ws_port *port);

/* Control path: a port with the common fields set (the backend fills ops
 * and priv). NULL with errno ENOMEM. */
struct ws_port *ws_port_alloc(const char *name, uint16_t id, struct ws_pool *pool);

/*
 * Control path: one port made of two: it receives what rx receives (each
 * packet's in_port becomes id) and sends through tx; either may be NULL
 * (nothing received / nothing taken). It owns both: ws_port_close closes
 * them. Its counters count what passes through it; the inner ports keep
 * their own. Used to give a pcap port both directions (one file read, one
 * written). NULL with errno ENOMEM (rx and tx are then still the caller's).
 */
struct ws_port *ws_port_pair(const char *name, uint16_t id, struct ws_port *rx, struct ws_port *tx);

/* Control path: the inner ports of a pair; NULL for another kind of port. */
struct ws_port *ws_port_pair_rx(const struct ws_port *port);
struct ws_port *ws_port_pair_tx(const struct ws_port *port);

#endif /* WS_IO_PORT_H */
