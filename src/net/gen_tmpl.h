/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen_tmpl.h: the frames of `wirespeed gen`: UDP, TCP (SYN or ACK, no
 * options) or ICMP echo over IPv4 or IPv6, with an optional 802.1Q tag,
 * built once as templates and varied per packet (addresses and ports fixed,
 * counting through a range or random; the sequence number and timestamp of
 * the payload stamp, net/gen_payload.h), with every checksum patched
 * incrementally instead of recomputed.
 *
 * The configuration and the spec parsers are control path; ws_gen_fill is
 * the data path, per burst. A ws_gen is used by one thread.
 *
 * Addresses: the project sends traffic only within 198.18.0.0/15
 * (RFC 2544 benchmarking), 127.0.0.0/8, 2001:db8::/32 (documentation) and
 * fe80::/10 (link-local). ws_gen_create refuses any configuration that
 * could emit an address outside them, so no caller can get around the rule.
 */
#ifndef WS_NET_GEN_TMPL_H
#define WS_NET_GEN_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pkt.h"

/* Frame sizes, bytes without the FCS: the Ethernet minimum (64 on the wire)
 * and the maximum of a 1500-byte MTU. */
#define WS_GEN_SIZE_MIN 60u
#define WS_GEN_SIZE_MAX 1514u
/* ws_gen_config.size for the simple IMIX: 7 x 64, 4 x 570, 1 x 1518 bytes
 * with FCS, so 60/566/1514 here, in a fixed interleaved order of 12. */
#define WS_GEN_SIZE_IMIX 0u
#define WS_GEN_IMIX_LEN 12u

enum ws_gen_proto {
	WS_GEN_UDP = 0,
	WS_GEN_TCP,  /* flags from ws_gen_config.tcp_flags */
	WS_GEN_ICMP, /* echo request: ICMP over IPv4, ICMPv6 over IPv6 */
};

enum ws_gen_mode {
	WS_GEN_FIXED = 0, /* lo */
	WS_GEN_RANGE,     /* lo, lo + 1, ..., hi, lo, ...: one step per packet */
	WS_GEN_RANDOM,    /* addresses: random host bits under the prefix lo/prefix_len;
			   * ports: uniform in lo..hi */
};

/* A source or destination address: 4 bytes (IPv4) or 16, network order. */
struct ws_gen_addr {
	enum ws_gen_mode mode;
	uint8_t lo[16];     /* the address; a range's first; a random prefix's network */
	uint8_t hi[16];     /* a range's last (>= lo) */
	uint8_t prefix_len; /* WS_GEN_RANDOM: bits kept from lo (the rest are random) */
};

/* A source or destination port (ICMP: not used). */
struct ws_gen_port {
	enum ws_gen_mode mode;
	uint16_t lo, hi;    /* FIXED: lo; RANGE and RANDOM: lo..hi, lo <= hi */
};

struct ws_gen_config {
	int family;              /* AF_INET or AF_INET6 */
	enum ws_gen_proto proto;
	uint8_t tcp_flags;       /* TCP: WS_TCP_SYN or WS_TCP_ACK; 0 means SYN */
	uint8_t ttl;             /* TTL / hop limit; 0: 64 */
	uint8_t dst_mac[6], src_mac[6];
	bool vlan;               /* one 802.1Q tag, VID vlan_id, priority 0 */
	uint16_t vlan_id;        /* 1..4094 */
	struct ws_gen_addr src, dst;
	struct ws_gen_port src_port, dst_port;
	uint16_t size;           /* frame bytes without FCS, WS_GEN_SIZE_MIN.._MAX and at
				  * least the headers (IPv6/TCP/VLAN: 78), or WS_GEN_SIZE_IMIX */
	uint32_t stream;         /* the stamp's stream id */
	uint64_t seed;           /* of the random fields */
};

struct ws_gen;

/*
 * Control path: a generator for cfg (copied). NULL with errno and a
 * one-line message in err (errlen bytes, err may be NULL): EPERM when an
 * address the configuration can produce lies outside the allowed ranges
 * (the message names the rule), EINVAL for anything else out of range
 * (family, mismatched address families, a range with lo > hi, a prefix
 * longer than the address, a size outside 60..1514 or below the headers,
 * a VLAN id outside 1..4094, TCP flags other than SYN or ACK), ENOMEM.
 * IMIX sizes below the headers (the 60-byte one, over IPv6) are raised to
 * the headers' length.
 */
struct ws_gen *ws_gen_create(const struct ws_gen_config *cfg, char *err, size_t errlen);

/* Control path: free g (NULL allowed). */
void ws_gen_free(struct ws_gen *g);

/*
 * Data path, per burst: turn the frames pkts[0..n) (from a pool whose
 * frames hold WS_PKT_HEADROOM + ws_gen_max_size() bytes) into the next n
 * packets: data at WS_PKT_HEADROOM, data_len the frame size, seq the low 32
 * bits of the packet's number (0, 1, ...; also the TCP sequence number and
 * the ICMP echo sequence number); every checksum correct. now_ns is
 * the send time for the stamps (CLOCK_MONOTONIC, one reading per burst).
 * Each packet advances every range field by one step and draws every random
 * field anew; IMIX sizes follow their fixed order. No allocation, no
 * syscall; returns the bytes written (sum of data_len).
 */
uint64_t ws_gen_fill(struct ws_gen *g, struct ws_pkt **pkts, unsigned n, uint64_t now_ns);

/* Control path: the largest frame ws_gen_fill writes (bytes). */
unsigned ws_gen_max_size(const struct ws_gen *g);

/* Control path: the bytes of headers (Ethernet, tag, IP, L4) of g's frames. */
unsigned ws_gen_hdr_len(const struct ws_gen *g);

/* Control path: whether g's frames carry the stamp (size >= headers +
 * WS_GEN_STAMP_LEN); for IMIX whether any of its sizes does. */
bool ws_gen_stamped(const struct ws_gen *g);

/* Control path: the stamp sequence number the next stamped packet gets
 * (= stamps written; with IMIX the frames without room for one take none). */
uint64_t ws_gen_next_seq(const struct ws_gen *g);

/* Control path: packets made so far. */
uint64_t ws_gen_packets(const struct ws_gen *g);

/* Control path: the smallest frame cfg's headers allow: 60, or the headers'
 * length when longer (IPv6, TCP, a tag). */
unsigned ws_gen_min_size(const struct ws_gen_config *cfg);

/* Control path: the frame size of IMIX position i (mod WS_GEN_IMIX_LEN),
 * before raising to the headers: 60, 566 or 1514. */
unsigned ws_gen_imix_size(unsigned i);

/*
 * Control path: whether every address of a (family AF_INET/AF_INET6, as
 * configured) lies inside the allowed ranges. 0, or -EPERM with a message
 * naming the address and the rule in err, or -EINVAL for a malformed spec.
 */
int ws_gen_addr_check(int family, const struct ws_gen_addr *a, char *err, size_t errlen);

/*
 * Control path: parse an address spec: "ADDR" (fixed), "A-B" (range, both
 * ends of the same family, A <= B) or "ADDR/LEN" (random under the prefix;
 * host bits of ADDR are ignored). IPv4 dotted quads or IPv6 text. Writes a
 * and *family (AF_INET/AF_INET6). 0, or -EINVAL with a message in err.
 * Does not apply the address rule (ws_gen_addr_check does).
 */
int ws_gen_parse_addr(const char *s, struct ws_gen_addr *a, int *family, char *err, size_t errlen);

/*
 * Control path: parse a port spec: "N" (fixed), "A-B" (range), "rand"
 * (random 1..65535) or "rand:A-B" (random in A..B). Ports 0..65535.
 * 0, or -EINVAL with a message in err.
 */
int ws_gen_parse_port(const char *s, struct ws_gen_port *p, char *err, size_t errlen);

#endif /* WS_NET_GEN_TMPL_H */
