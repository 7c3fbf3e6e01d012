/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap.h: the pcap port: capture files as the forwarder's input and output,
 * so that a forwarding run can be fed real traffic and its output compared
 * byte for byte, with no interface, privilege or clock involved.
 *
 * An RX port reads one pcap or pcapng file (libpcap reads both); a TX port
 * writes one classic pcap file. They are separate objects, one per file: the
 * forwarder pairs them. An RX port takes no frames on TX (tx_burst returns
 * 0) and a TX port receives nothing.
 *
 * Only Ethernet captures (DLT_EN10MB) are read and written. A record that
 * cannot be delivered whole (cut short at capture, shorter than an Ethernet
 * header, longer than a frame holds) is skipped and counted in
 * struct ws_pcap_stats, never dropped silently. A file that ends inside a
 * record ends the input with an error (ws_pcap_port_rx_error).
 *
 * The TX file is deterministic: packet k (from 0) is stamped k microseconds
 * after the epoch, not with the wall clock, so forwarding the same capture
 * twice gives identical files.
 *
 * As in libpcap, the path "-" is standard input (RX) or standard output (TX).
 */
#ifndef WS_IO_PCAP_H
#define WS_IO_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/port.h"

/* Records of the input file that were read but not delivered. */
struct ws_pcap_stats {
	uint64_t too_long;  /* longer than the frame holds (frame_size - WS_PKT_HEADROOM) */
	uint64_t too_short; /* shorter than an Ethernet header (14 bytes) */
	uint64_t truncated; /* captured cut short: caplen < len */
};

/*
 * Control path: an RX port reading the capture at path into frames of pool.
 * rx_burst (data path, per burst; buffered file reads, no syscall per
 * packet) gives up to n packets, each copied to the packet data offset
 * WS_PKT_HEADROOM of a frame, in_port = id, rx_tsc 0, seq = the record's
 * number in the file counting from 0 (skipped records included, so a gap
 * shows where one was skipped). It returns 0 at the end of the input, and
 * also when the pool cannot supply n frames: ws_pcap_port_rx_done tells
 * which.
 * NULL on error, with errno set and a one-line message naming the file in
 * err (errlen bytes; err may be NULL): ENOENT, EACCES, ... (cannot open),
 * EINVAL (empty, not a pcap/pcapng capture, a bad or truncated file header,
 * a link type other than Ethernet), ENOMEM.
 */
struct ws_port *ws_pcap_port_open_rx(const char *name, uint16_t id, struct ws_pool *pool, const char *path, char *err,
				     size_t errlen);

/*
 * Control path: a TX port writing a classic pcap file at path (created or
 * truncated; DLT_EN10MB, snaplen 65535, microsecond timestamps). tx_burst
 * (data path, per burst; buffered writes, no syscall per packet) writes all
 * n packets, counts tx_packets/tx_bytes, frees the frames to their pool and
 * returns n; once the file has a write error, packets are counted in
 * tx_errors instead. ws_port_flush writes the buffered data out (-EIO on a
 * write error, e.g. a full disk); ws_port_close closes the file without
 * reporting, so flush first to learn whether everything was written.
 * NULL on error, with errno set (EACCES, ENOENT, ... from creating the
 * file; ENOMEM) and a message naming the file in err (as above).
 */
struct ws_port *ws_pcap_port_open_tx(const char *name, uint16_t id, struct ws_pool *pool, const char *path, char *err,
				     size_t errlen);

/* Control path: copy the skipped-record counters of a pcap port (all zero
 * for a TX port) to st. 0, or -EINVAL when port is not a pcap port. Read
 * while the port runs, the counters are as in core/stats.h (one writer). */
int ws_pcap_port_stats(const struct ws_port *port, struct ws_pcap_stats *st);

/* Control path: whether the input ended on an error (a record cut off by the
 * end of the file, a read error): 0 when not (also for a TX port), -EIO when
 * it did, with a one-line message naming the file in buf (len bytes; buf may
 * be NULL), -EINVAL when port is not a pcap port. */
int ws_pcap_port_rx_error(const struct ws_port *port, char *buf, size_t len);

/* Control path: true once an RX port has read its whole input (end of file or
 * an error, see ws_pcap_port_rx_error); true for a TX port (it has no input),
 * false for a port that is not a pcap port. */
bool ws_pcap_port_rx_done(const struct ws_port *port);

#endif /* WS_IO_PCAP_H */
