/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp.h: the AF_XDP port: a queue of a real interface through an AF_XDP
 * socket whose UMEM is the frame pool's own region, so that a packet
 * received on one AF_XDP port and sent on another moves only its address
 * between rings; no byte is copied in user space (veth and generic XDP copy
 * in the kernel, "copy mode"; NICs with zero-copy drivers do not).
 *
 * UMEM = pool region. The pool's frames lie frame_size + 64 bytes apart (2112
 * for 2 KiB frames, see core/pool.h), not a power of two, so the UMEM is
 * registered in unaligned-chunk mode (XDP_UMEM_UNALIGNED_CHUNK_FLAG): the
 * kernel then takes any address we give it as a buffer start, not one
 * rounded to a chunk. chunk_size is the pool's frame_size: in unaligned mode
 * it is only the largest buffer the kernel writes or reads (it must be >=
 * 2048 and, on the kernels we know, <= the page size), and frame_size keeps
 * every kernel write inside the frame (never into the 64-byte pad, never
 * past it). The fill ring gets plain frame offsets (ws_pool_frame_offset)
 * with a UMEM headroom of 0: the kernel puts packet data XDP_PACKET_HEADROOM
 * (256) bytes after the address it was given, which is WS_PKT_HEADROOM, so a
 * received frame has the layout of core/pkt.h without moving anything and
 * the metadata line [0, 64) is never touched by the kernel. RX takes the
 * frame and data_off from each descriptor's address (in unaligned mode the
 * offset travels in its top 16 bits), not from that assumption.
 *
 * One UMEM per pool (per worker): every AF_XDP port of the worker shares it
 * (XDP_SHARED_UMEM; each socket has its own fill and completion rings, so
 * sockets on different interfaces and queues can share, kernel 5.10+). That
 * sharing is what lets a frame received on port A be sent on port B as is.
 * The kernel registers a UMEM through a socket, and libxdp binds the first
 * socket on the UMEM's own descriptor, so the registration is made when the
 * first port opens and undone when the last one closes. Later sockets
 * inherit the first one's copy/zero-copy and need_wakeup settings (the
 * kernel's rule for shared UMEMs): their own copy setting is ignored.
 *
 * Ownership: a frame on a fill ring, or on a TX ring until its completion
 * comes back, belongs to the kernel. The port keeps one bit per pool frame
 * for the frames its socket holds (set on fill/TX, cleared on RX/completion:
 * a store to a small array, no syscall), so that closing the port returns
 * exactly those to the pool, whatever the driver kept.
 *
 * The XDP program (bpf/xdp_redirect.bpf.c) is embedded in the library and
 * loaded with libbpf per port, as a single program (libxdp's multi-program
 * dispatcher is not used: it needs bpffs and is refused on some kernels);
 * libxdp's own program load is inhibited. It redirects the port's queue to
 * its socket and passes everything else to the kernel. It is attached in
 * native (driver) mode when the driver has it, else in generic (skb) mode,
 * never over another program (XDP_FLAGS_UPDATE_IF_NOEXIST): one AF_XDP port
 * per interface per process. ws_afxdp_detach_all() removes every program
 * this process attached, for a SIGINT/SIGTERM handler.
 *
 * Wakeups (need_wakeup on): RX costs no syscall unless the driver asks for
 * one (the fill ring's flag); TX kicks the kernel with sendto(MSG_DONTWAIT)
 * only when the TX ring's flag says so, which in copy mode is always: the
 * kernel then sends at most 32 frames per call (its TX batch), so a burst
 * takes one kick per 32 frames.
 */
#ifndef WS_IO_AFXDP_H
#define WS_IO_AFXDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/port.h"

#define WS_AFXDP_RING_SIZE_DEFAULT 2048u
/* Queue ids the XDP program's socket map holds (0 .. 63). */
#define WS_AFXDP_MAX_QUEUES 64u

enum ws_afxdp_xdp_mode {
	WS_AFXDP_XDP_AUTO = 0, /* native (driver) mode, else generic */
	WS_AFXDP_XDP_NATIVE,   /* native only */
	WS_AFXDP_XDP_GENERIC,  /* generic (skb) mode only */
};

enum ws_afxdp_copy {
	WS_AFXDP_COPY_AUTO = 0, /* zero-copy when the driver has it, else copy */
	WS_AFXDP_COPY_ALWAYS,   /* copy mode (XDP_COPY) */
	WS_AFXDP_COPY_NEVER,    /* zero-copy or fail (XDP_ZEROCOPY) */
};

/* A zeroed config (plus ifname) is the default one. */
struct ws_afxdp_config {
	const char *ifname;
	uint32_t queue_id;           /* < WS_AFXDP_MAX_QUEUES; 0 for veth */
	enum ws_afxdp_xdp_mode mode;
	enum ws_afxdp_copy copy;     /* ignored for a port that shares a UMEM already in use (see above) */
	uint32_t rx_size, tx_size;   /* descriptors, powers of two; 0: WS_AFXDP_RING_SIZE_DEFAULT */
	/* Someone else's XDP program is on the interface (the filter's,
	 * filter/xdp_filter.h) and redirects to the XSKMAP ext_xsks_map_fd:
	 * the port loads and attaches nothing and puts its socket in that map
	 * at queue_id (and takes it out at close; the map must outlive the
	 * port). ext_generic: that program runs in generic mode (then the
	 * socket is bound in copy mode). */
	bool ext_prog;
	bool ext_generic;
	int ext_xsks_map_fd;
};

/* What an AF_XDP port did beside ws_port_stats. */
struct ws_afxdp_stats {
	uint64_t fill_nobufs;     /* fill-ring refills cut short: the pool had no frames */
	uint64_t tx_kick_errors;  /* sendto() kicks failing other than EAGAIN/EBUSY/ENOBUFS */
	uint64_t kernel_frames;   /* frames the kernel holds now (fill ring, RX, TX until completion) */
	/* the kernel's counters (XDP_STATISTICS) */
	uint64_t rx_dropped, rx_invalid_descs, tx_invalid_descs;
	uint64_t rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs;
};

struct ws_afxdp_umem;

/*
 * Control path: a UMEM over pool's region for the AF_XDP ports of one worker
 * (see the file comment: the kernel registration happens at the first port).
 * fill_size and comp_size are the per-socket fill and completion ring sizes
 * (powers of two; 0: WS_AFXDP_RING_SIZE_DEFAULT); the fill ring of each port
 * is kept full, so the pool needs fill_size frames per port beyond what the
 * worker holds. NULL with errno and a message in err (errlen bytes, err may
 * be NULL): EINVAL for ring sizes that are not powers of two or a pool
 * frame_size below 2048 (the kernel's smallest chunk), ENOMEM.
 */
struct ws_afxdp_umem *ws_afxdp_umem_create(struct ws_pool *pool, uint32_t fill_size, uint32_t comp_size,
					   char *err, size_t errlen);

/* Control path: free a UMEM whose ports are all closed: 0, or -EBUSY (and
 * nothing done) while one is open. NULL allowed. */
int ws_afxdp_umem_free(struct ws_afxdp_umem *umem);

/*
 * Control path: open an AF_XDP port on cfg->ifname's queue cfg->queue_id over
 * umem (frames of umem's pool; name, id: the port's). Attaches the XDP
 * program, creates and binds the socket, fills its fill ring, and logs the
 * mode chosen ("IFNAME: queue Q, native copy"). The port's mac and mtu are
 * the interface's. NULL on error, with errno and a one-line message in err:
 * ENODEV "IFNAME: no such interface"; EPERM or EAFNOSUPPORT "IFNAME: AF_XDP
 * needs root and a kernel with CONFIG_XDP_SOCKETS; use afpacket instead";
 * EBUSY when the interface already has an XDP program; EOPNOTSUPP when a
 * forced mode (native, zero-copy) is not available; EINVAL for a bad config;
 * others naming the failing step. The caller falls back to AF_PACKET.
 *
 * rx_burst (data path, per burst, no syscall unless the driver asks for a
 * wakeup): hands over up to n received frames, data where the kernel put it
 * (data_off WS_PKT_HEADROOM with this layout), in_port = id, rx_tsc 0, and
 * refills the fill ring from the pool in bursts of 64.
 * tx_burst (data path, per burst): reaps completions (their frames go back
 * to the pool), then puts as many packets as the TX ring has room for on it
 * (their frames must be of umem's pool; they are the kernel's until they
 * complete) and kicks the kernel when it wants a wakeup; returns how many it
 * took (the rest stay the caller's). A packet shorter than an Ethernet header
 * or not inside its frame is taken, freed and counted in tx_errors.
 * ws_port_flush (control/data path, per call): reaps completions and kicks
 * again while frames wait; 0.
 * ws_port_close: detaches the program, waits a bounded time (a few ms) for
 * pending completions, closes the socket and returns every frame the kernel
 * held to the pool.
 */
struct ws_port *ws_afxdp_port_open(const char *name, uint16_t id, struct ws_afxdp_umem *umem,
				   const struct ws_afxdp_config *cfg, char *err, size_t errlen);

/* Control path: "native copy", "native zerocopy", "generic copy"; NULL when
 * port is not an AF_XDP port. */
const char *ws_afxdp_port_mode(const struct ws_port *port);

/* Control path: the socket, to poll() (POLLIN: frames to receive). -EINVAL
 * when port is not an AF_XDP port. */
int ws_afxdp_port_fd(const struct ws_port *port);

/* Control path: the port's counters into st (reads the kernel's with one
 * getsockopt). 0, -EINVAL when port is not an AF_XDP port. */
int ws_afxdp_port_stats(const struct ws_port *port, struct ws_afxdp_stats *st);

/*
 * Any context, including a signal handler: detach every XDP program this
 * process attached and has not detached yet, so that Ctrl-C or SIGTERM
 * leaves none behind. Uses only socket/sendto/recv/close on a netlink socket
 * and stack memory (async-signal-safe); it removes only our own programs
 * (the kernel checks the expected program). The ports stay open (close
 * them, or exit); their close then detaches nothing.
 */
void ws_afxdp_detach_all(void);

#endif /* WS_IO_AFXDP_H */
