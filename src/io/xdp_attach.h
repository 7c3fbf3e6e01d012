/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_attach.h: the XDP programs this process has attached (the AF_XDP
 * port's redirect program, the filter's early-drop program), kept so that
 * a signal handler can take them all off: Ctrl-C, a second Ctrl-C or
 * SIGTERM must leave no XDP program behind.
 *
 * The registry is a fixed table of (ifindex, mode, program fd) slots;
 * control-path threads add and release slots under a lock, the signal path
 * reads it without one (whole ints, a slot taken by exchanging its ifindex
 * with 0, so that a release running meanwhile and the signal path never
 * both detach). Detaching is one RTM_SETLINK on a stack buffer (libbpf's
 * netlink code allocates), and only if the program is still the one
 * attached (XDP_FLAGS_REPLACE with the expected fd): after a replace or
 * someone else's attach it changes nothing.
 */
#ifndef WS_IO_XDP_ATTACH_H
#define WS_IO_XDP_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

/* Programs the registry holds at most. */
#define WS_XDP_ATTACHED_MAX 128

/* Control path: remember that prog_fd is attached to ifindex with mode
 * (XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE). The slot, or -1 when the
 * table is full (the caller should then detach and fail). */
int ws_xdp_attached_add(int ifindex, uint32_t mode, int prog_fd);

/* Control path: forget slot (-1: nothing); with detach, take its program
 * off the interface first, unless the signal path already did. */
void ws_xdp_attached_release(int slot, bool detach);

/* Any context, a signal handler included (async-signal-safe): take every
 * registered program off its interface and forget it. */
void ws_xdp_detach_all(void);

/* Any context: take prog_fd off ifindex (mode as above) if it is still the
 * attached program. 0 or -errno. */
int ws_xdp_detach(int ifindex, uint32_t mode, int prog_fd);

#endif /* WS_IO_XDP_ATTACH_H */
