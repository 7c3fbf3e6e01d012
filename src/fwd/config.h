/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h: the forwarder's config file (`wirespeed fwd --config FILE`),
 * parsed and checked into plain data. Nothing is opened or applied here: the
 * forwarder builds its ports, FIB, nexthops and neighbour entries from the
 * result afterwards, so a bad file changes nothing (all or nothing).
 *
 * FORMAT
 *
 * One statement per line; `#` starts a comment anywhere on a line; blank
 * lines are skipped; words are separated by blanks (spaces, tabs; a CR at the
 * end of a line is a blank too), so no word can hold a blank. Every line is
 * checked against the lines before it: a port, and the addresses a gateway or
 * neighbour must lie in, have to be defined above the line that uses them.
 *
 *   port NAME pcap [rx FILE] [tx FILE] [mac MAC] [mtu N]
 *   port NAME mem [dst ADDR]... [count N] [size N] [seed N] [mac MAC] [mtu N]
 *   port NAME afpacket|afxdp|mmsg dev IF [mac MAC] [mtu N]
 *   address NAME ADDR/LEN
 *   route PREFIX via GW [dev NAME]
 *   route PREFIX dev NAME
 *   route PREFIX blackhole | unreachable | prohibit
 *   routes FILE [via GW] [dev NAME]
 *   neighbour NAME ADDR MAC
 *   control PATH | control none
 *   filter FILE [dry-run] [no-xdp]
 *
 * port: NAME is 1..15 characters of [A-Za-z0-9_.-], unique; at most
 *   WS_FWD_MAX_PORTS (16) ports, with ids 0, 1, ... in file order. Options
 *   come in any order, each once (dst up to 64 times).
 *   pcap: rx FILE is read, tx FILE is written (at least one of them); "-" is
 *   standard input / output (io/pcap.h); other relative paths are taken from
 *   the config file's directory. No file is written by two ports, nor read
 *   by one port and written by another.
 *   mem (io/mem.h): dst ADDR, 1..64 times, all IPv4 or all IPv6: the
 *   synthetic frames' destinations; count N >= 1 frames (default 0: no
 *   limit); size N the frame size without FCS, 60..1514 (62..1514 for IPv6),
 *   default 64; seed N any 64-bit number, default 1.
 *   afpacket, afxdp, mmsg: a Linux interface (dev IF, 1..15 characters):
 *   AF_PACKET TPACKET_V3 rings, AF_XDP (falling back to afpacket when the
 *   kernel or driver refuses, with a line saying so), or recvmmsg/sendmmsg.
 *   mac MAC (every kind): six two-digit hex bytes, 02:00:00:00:00:01; unicast
 *   (I/G bit clear), not all zero. Default 02:00:00:00:00:NN, NN = id + 1;
 *   for interface kinds, the interface's own MAC.
 *   mtu N (every kind): the IP MTU, 68..9000, default 1500; for interface
 *   kinds, the interface's own.
 * address: the port's address ADDR and, by LEN (1..32 / 1..128), its subnet:
 *   198.18.0.1/24 is address 198.18.0.1 in 198.18.0.0/24. Refused: multicast,
 *   the unspecified address, loopback (127.0.0.0/8, ::1), 0.0.0.0/8 and
 *   240.0.0.0/4 (reserved, broadcast), and with LEN <= 30 the IPv4 subnet's
 *   network and broadcast addresses (all-zero and all-ones host part; /31
 *   and /32 have none, RFC 3021). An address may appear once in the file (on
 *   any port); at most 8 per port; an IPv6 address needs the port's mtu >=
 *   1280. Subnets of different ports may overlap: the longest one that holds
 *   an address wins (ws_fwd_config_port_for), the first in the file on a tie.
 * route: PREFIX is ADDR/LEN with no host bits set (LEN 0..32 / 0..128), or
 *   `default` (0.0.0.0/0, or ::/0 when the gateway is IPv6) or `default6`
 *   (::/0). A prefix (family, address, length) is routed by one line only.
 *   via GW: a gateway of the prefix's family, unicast, not one of our own
 *   addresses. With dev NAME it must lie in one of NAME's subnets; without,
 *   the port is the one whose subnet holds it (longest match). `via` and
 *   `dev` may come in either order. dev NAME alone: directly connected.
 *   blackhole drops, unreachable and prohibit drop with an ICMP error.
 * routes: a route file in the formats of fib/route_file.h, resolved like an
 *   rx FILE. It is not read here (it may hold a full table); via / dev give
 *   the nexthop of its lines that name none, with the same rules as route.
 *   At most 4 such lines.
 * neighbour: a static ARP (IPv4) or ND (IPv6) entry: ADDR, in one of the
 *   port's subnets and not one of our own addresses, is at MAC (unicast, not
 *   zero). One entry per address and port.
 * control: the control socket's path, absolute and shorter than 108 bytes
 *   (sun_path), or `none` for no socket. At most once; without it the caller
 *   picks its default.
 * filter: the rule file (filter/rules.h) of the filter stage in front of
 *   forwarding, resolved like an rx FILE; read by the caller, not here. At
 *   most once. dry-run: count what the rules would drop, drop nothing;
 *   no-xdp: no XDP early drop on the interface ports, every rule runs in the
 *   userspace node.
 * Numbers (N) are decimal. At least one port is required.
 *
 * Errors read `FILE:LINE: problem`, quoting the offending word.
 *
 * Everything here is control path.
 */
#ifndef WS_FWD_CONFIG_H
#define WS_FWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib/nexthop.h"
#include "fwd/fwd.h"

#define WS_FWD_CONFIG_MAX_ADDRS 8u       /* addresses per port */
#define WS_FWD_CONFIG_MAX_DSTS 64u       /* dst options of a mem port */
#define WS_FWD_CONFIG_MAX_ROUTE_FILES 4u /* `routes` lines */
#define WS_FWD_CONFIG_CTL_PATH_LEN 108u  /* sun_path, NUL included */

enum ws_fwd_port_kind {
	WS_FWD_PORT_PCAP = 1,
	WS_FWD_PORT_MEM,
	WS_FWD_PORT_AFPACKET, /* io/afpacket.h: TPACKET_V3 rings */
	WS_FWD_PORT_AFXDP,    /* io/afxdp.h: AF_XDP, falling back to afpacket */
	WS_FWD_PORT_MMSG,     /* io/mmsg.h: recvmmsg/sendmmsg */
};

/* "pcap", "mem", "afpacket", ... */
const char *ws_fwd_port_kind_name(unsigned kind);

/* Whether a port of this kind sits on a Linux interface (afpacket, afxdp,
 * mmsg) rather than on files or memory. */
static inline bool ws_fwd_port_is_interface(unsigned kind)
{
	return kind == WS_FWD_PORT_AFPACKET || kind == WS_FWD_PORT_AFXDP || kind == WS_FWD_PORT_MMSG;
}

/* A port's address: IPv4 in the first 4 bytes, network order, as ws_route_parse_addr() gives. */
struct ws_fwd_config_addr {
	int family;      /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* the address itself, host bits kept */
	uint8_t len;     /* its subnet's length */
	unsigned line;
};

struct ws_fwd_config_port {
	char name[WS_NH_DEV_LEN];
	enum ws_fwd_port_kind kind;
	uint16_t id;    /* its index in ws_fwd_config.ports */
	uint16_t mtu;
	uint8_t mac[6];
	unsigned line;
	struct ws_fwd_config_addr addrs[WS_FWD_CONFIG_MAX_ADDRS];
	unsigned nb_addrs;
	/* pcap: paths resolved against the config's directory, NULL if not given */
	char *rx, *tx;
	/* mem */
	int dst_family; /* of every dst */
	uint8_t dsts[WS_FWD_CONFIG_MAX_DSTS][16];
	unsigned nb_dsts;
	uint64_t count; /* 0: no limit */
	uint64_t seed;
	uint16_t size;  /* frame size without FCS */
	/* afpacket, afxdp, mmsg: the interface; without mac/mtu options the
	 * interface's own are used (has_mac/has_mtu say whether given) */
	char dev[16];
	bool has_mac, has_mtu;
};

struct ws_fwd_config_route {
	int family;
	uint8_t addr[16]; /* host bits zero */
	uint8_t len;
	/* type; gw_family (0: none) and gw; port = the port id and dev = its
	 * name for unicast, WS_NH_PORT_NONE and "" for the drop types */
	struct ws_nexthop_key nh;
	unsigned line;
};

struct ws_fwd_config_route_file {
	char *path;  /* resolved against the config's directory */
	bool has_nh; /* via or dev given: nh is for the file's lines without a nexthop */
	struct ws_nexthop_key nh; /* as in ws_fwd_config_route; WS_NH_PORT_NONE without has_nh */
	unsigned line;
};

struct ws_fwd_config_neighbour {
	uint16_t port;
	int family;
	uint8_t addr[16];
	uint8_t mac[6];
	unsigned line;
};

enum ws_fwd_ctl_mode {
	WS_FWD_CTL_DEFAULT = 0, /* no `control` line: the caller's default path */
	WS_FWD_CTL_NONE,        /* `control none` */
	WS_FWD_CTL_PATH,        /* control_path */
};

struct ws_fwd_config {
	struct ws_fwd_config_port ports[WS_FWD_MAX_PORTS];
	unsigned nb_ports;
	struct ws_fwd_config_route *routes; /* in file order */
	size_t nb_routes, cap_routes;
	struct ws_fwd_config_route_file route_files[WS_FWD_CONFIG_MAX_ROUTE_FILES];
	unsigned nb_route_files;
	struct ws_fwd_config_neighbour *neighbours; /* in file order */
	size_t nb_neighbours, cap_neighbours;
	enum ws_fwd_ctl_mode control;
	char control_path[WS_FWD_CONFIG_CTL_PATH_LEN];
	unsigned control_line;
	char *filter_path;   /* `filter`: the rule file (resolved), NULL without */
	unsigned filter_line;
	bool filter_dry_run, filter_no_xdp;
};

/*
 * Control path: read and parse the file path into *cfg (zeroed first);
 * relative paths in it are taken from path's directory. 0; -EINVAL with
 * "FILE:LINE: problem" in err; -ENOENT, -EACCES, ... with "FILE: cannot open:
 * reason" (or "cannot read"); -EFBIG for a file over 16 MiB; -ENOMEM. On
 * error cfg holds nothing to free. err may be NULL (errlen is then ignored).
 */
int ws_fwd_config_read(const char *path, struct ws_fwd_config *cfg, char *err, size_t errlen);

/*
 * Control path: parse text (NUL-terminated) into *cfg (zeroed first). name
 * stands for the file in messages; base_dir resolves relative paths (NULL or
 * "": they stay relative, to the current directory). 0, -EINVAL with
 * "NAME:LINE: problem" in err, or -ENOMEM; on error cfg holds nothing to free.
 */
int ws_fwd_config_parse(const char *name, const char *text, const char *base_dir, struct ws_fwd_config *cfg,
			char *err, size_t errlen);

/* Control path: free what a parsed config holds; it is empty (all zero) after. Freeing an
 * all-zero config does nothing. */
void ws_fwd_config_free(struct ws_fwd_config *cfg);

/*
 * Control path: the id of the port whose address subnets hold addr (family
 * AF_INET or AF_INET6, 16 bytes as in struct ws_route, IPv4 in the first 4),
 * or -1. The longest matching subnet wins; on a tie, the first in the file.
 */
int ws_fwd_config_port_for(const struct ws_fwd_config *cfg, int family, const uint8_t addr[16]);

#endif /* WS_FWD_CONFIG_H */
