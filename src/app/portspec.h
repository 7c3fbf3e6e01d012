/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * portspec.h: open a port from a command-line spec, KIND[:ARG], so that
 * every command that takes --port (gen, sink, ...) accepts the same kinds
 * with the same words and the same errors.
 *
 * Kinds now:
 *   pcap:FILE  a capture file: written when sending (classic pcap), read
 *              when receiving (pcap or pcapng), io/pcap.h
 *   mem        sending only: a sink that counts and frees (io/mem.h); it
 *              cannot receive (its RX is a synthetic source, not traffic)
 * Kinds added when their backends land: afpacket:IF (AF_PACKET),
 * mmsg:IF (recvmmsg/sendmmsg), afxdp:IF (AF_XDP). The kinds are listed in
 * one table in portspec.c (`kinds`), which the usage texts and messages are
 * made from; a backend that lands fills in its line there.
 *
 * Control path.
 */
#ifndef WS_APP_PORTSPEC_H
#define WS_APP_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/port.h"

/* The direction a command uses the port in. */
#define WS_PORTSPEC_RX 0
#define WS_PORTSPEC_TX 1

/* Ports opened for WS_PORTSPEC_TX after this call may hold up to frames
 * packets back before they hand them to the kernel, to send them with fewer
 * system calls (AF_PACKET: tx_kick_batch); the caller must then call
 * ws_port_flush() before it waits and at the end. 0 or 1 (the default):
 * every tx_burst sends at once. */
void ws_portspec_set_tx_batch(unsigned frames);

/* For usage texts: the kinds usable in direction dir, one line each
 * (indented by 4), then a line naming the kinds still to come. */
void ws_portspec_usage(FILE *out, int dir);

/*
 * Open the port that spec names, for dir (WS_PORTSPEC_RX or _TX), with id,
 * its frames from pool; the port's name is the spec. NULL on error with a
 * one-line message in err (errlen bytes) and errno: EINVAL for a spec that
 * is malformed, names an unknown kind (the message names it), a kind that
 * is not available yet, or one that cannot be used in that direction;
 * otherwise the backend's errno (ENOENT, EACCES, ... for a file; ENOMEM).
 */
struct ws_port *ws_portspec_open(const char *spec, uint16_t id, struct ws_pool *pool, int dir, char *err,
				 size_t errlen);

/* Control path: after the last port is closed and before its pool is
 * freed: what the opened ports shared (the AF_XDP UMEM). */
void ws_portspec_release(void);

#endif /* WS_APP_PORTSPEC_H */
