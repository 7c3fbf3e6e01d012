/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_l3fwd.c: DPDK 22.11's examples/l3fwd in LPM mode, x86 (SSE) path,
 * as the peer of ws-bench-fwd: its per-burst forwarding work, written here
 * with DPDK's own libraries (rte_mbuf, rte_mempool, rte_lpm, rte_lpm6,
 * rte_ether.h / rte_ip.h) from what l3fwd's source does (no code of it
 * copied), compiled with DPDK's flags. The example's source is not shipped
 * with Debian's dpdk-dev, so the peer cannot be its object code.
 *
 * Modelled, per main-loop iteration (lpm_main_loop):
 *  - the TX drain check: rte_rdtsc(); every BURST_TX_DRAIN_US (100 us) the
 *    per-port TX buffers are sent;
 *  - rte_eth_rx_burst of up to MAX_PKT_BURST (32) from port 0;
 *  - l3fwd_lpm_send_packets: for each quad, read the four IPv4 destinations
 *    and the packet types; for each quad, byte-swap them (pshufb) and look
 *    them up with rte_lpm_lookupx4 (a miss gives the input port), or, when
 *    one of the four is not IPv4, one at a time (rte_lpm_lookup, or
 *    rte_lpm6_lookup on the IPv6 destination: l3fwd's LPM mode has no bulk
 *    IPv6 lookup); the last nb_rx % 4 one at a time;
 *  - send_packets_multi: per quad, the Ethernet rewrite (one 16-byte load,
 *    pblendw of the port's 12 bytes of destination + source MAC, store) and
 *    rfc1812_process; packets to the same port grouped in runs (pcmpeqw of
 *    neighbouring ports, a 16-entry table); each run to send_packetsx4,
 *    which sends 16 or more straight away (rte_eth_tx_burst) when the port's
 *    TX buffer is empty and else buffers them, sending a full buffer of 32;
 *  - rfc1812_process, as l3fwd builds it (DO_RFC_1812_CHECKS is defined in
 *    l3fwd.h): version/IHL byte in 0x45..0x4f and total length >= 20, else
 *    the packet is freed (BAD_PORT); TTL - 1 and the header checksum
 *    "incremented" with a 16-bit ++ on the big-endian field (+0x0100 in
 *    network order, the carry wrapping into the low byte: an RFC 1624
 *    update but for a checksum of 0xffff). l3fwd does NOT verify the header
 *    checksum, does not look at the TTL before decrementing it (a TTL of 0
 *    or 1 is forwarded) and does nothing to IPv6 headers (hop limit kept).
 *    No prefetch: the x86 LPM path of 22.11 issues none (the Arm one does).
 *
 * The NIC is replaced by memory, symmetric to wirespeed's mem port and sink
 * (io/mem.h):
 *  - RX: the "NIC" holds WS_L3FWD_RX_RING (256) frames at a time, in mbufs
 *    taken with rte_mempool_get_bulk and written as a PMD writes them (data
 *    offset, segment count, port, lengths, RSS hash: here the frame's
 *    number; packet type: L2_ETHER | L3_IPV4 or L3_IPV6 | L4_UDP, as a NIC
 *    with packet-type offload reports, unless parse_ptype); then the frame
 *    bytes, the same as the mem port's. That filling is the source, timed
 *    apart and left out of the figure, as the mem port's RX is; taking
 *    them (rte_eth_rx_burst) is timed.
 *  - TX: rte_eth_tx_burst counts the frames and their bytes and puts the
 *    mbufs back with rte_mempool_put_bulk, as a PMD does with
 *    RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE (which l3fwd asks for where the
 *    device has it). Timed, as the mem sink is.
 *  - parse_ptype: l3fwd --parse-ptype, for NICs without packet types: the
 *    RX callback's software parse of the Ethertype, inside the timed loop.
 *
 * Left out: real descriptors and doorbells, multiple queues and lcores,
 * the NUMA placement (one socket here), l3fwd's statistics and signal
 * handling. The IPv6 "bulk" mode is not l3fwd: it is what an application
 * doing wirespeed's IPv6 work with these libraries would do
 * (rte_lpm6_lookup_bulk_func over the burst, hop limit - 1), for
 * comparison only.
 */
#include "peers/dpdk_l3fwd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "core/rng.h"

#define FWDSTEP 4                    /* l3fwd's quads */
#define BAD_PORT ((uint16_t)-1)
#define TX_DIRECT_MIN (WS_L3FWD_BURST / 2) /* l3fwd's MAX_TX_BURST */
#define DRAIN_US 100                 /* l3fwd's BURST_TX_DRAIN_US */
#define NB_PORTS 2u
#define ETH_LEN ((unsigned)sizeof(struct rte_ether_hdr))
/* pblendw mask: the first six 16-bit words (12 bytes: destination and
 * source MAC) from the port's value, the rest from the packet */
#define BLEND_MACS 0x3f
#define HUGE_2M ((size_t)2 << 20)

/* The run-length table of l3fwd's port grouping, indexed by a 4-bit mask
 * whose bit i says "port of packet i == port of packet i + 1" for the four
 * packets of a quad and the first of the next. */
struct run_entry {
	uint16_t len[FWDSTEP]; /* run length from each of the four, counted up to the fifth */
	uint16_t extend;       /* how many of the quad join the run open before it */
	uint16_t start;        /* where the run that reaches the fifth packet starts (0..4) */
};

struct tx_buffer {
	uint16_t len;
	struct rte_mbuf *m[WS_L3FWD_BURST];
};

struct ws_l3fwd {
	/* what l3fwd's lcore_conf and globals hold */
	__m128i val_eth[RTE_MAX_ETHPORTS]; /* per output port: destination and source MAC */
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	struct tx_buffer txb[NB_PORTS];
	struct run_entry runs[1u << FWDSTEP];
	uint64_t drain_tsc;
	struct ws_l3fwd_config cfg;

	/* the "NICs" */
	struct rte_mempool *mp;
	struct rte_mbuf *rxq[WS_L3FWD_RX_RING];
	unsigned rxq_head, rxq_len;
	uint32_t ptype;         /* what the RX "NIC" reports (0 with parse_ptype) */
	unsigned dst_off;       /* of the destination address in the frame */
	uint64_t rng, produced; /* the source */
	uint64_t tx_packets, tx_bytes, bad;
	uint8_t *cap;           /* capture (ws_l3fwd_capture) */
	size_t cap_stride;
	uint16_t *cap_len;
	uint64_t cap_n;
	uint8_t tmpl[WS_L3FWD_MAX_FRAME];

	/* memory */
	char name[32];
	int socket;
	void *heap_mem;
	size_t heap_len;
};

static unsigned name_seq;

/* ---- the source: the frames the RX "NIC" receives ---- */

/* The stream's next frame into d: the template with the destination the
 * next draw of *rng picks, as the mem port does. */
static inline void source_write(const struct ws_l3fwd *p, uint64_t *rng, uint8_t *d)
{
	uint64_t r = ws_splitmix64(rng);

	memcpy(d, p->tmpl, p->cfg.tmpl_len);
	if (p->cfg.family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + ETH_LEN);

		ip->dst_addr = rte_cpu_to_be_32(((const uint32_t *)p->cfg.dsts)[r % p->cfg.nb_dsts]);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		memcpy(d + p->dst_off, ((const uint8_t(*)[16])p->cfg.dsts)[r % p->cfg.nb_dsts], 16);
	}
}

/* The RX "NIC" receives n frames into its ring (the source; not l3fwd). */
static int nic_rx_fill(struct ws_l3fwd *p, unsigned n)
{
	if (rte_mempool_get_bulk(p->mp, (void **)p->rxq, n) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = p->rxq[i];

		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->nb_segs = 1;
		m->port = 0;
		m->ol_flags = 0;
		m->packet_type = p->ptype;
		m->pkt_len = p->cfg.tmpl_len;
		m->data_len = (uint16_t)p->cfg.tmpl_len;
		m->hash.rss = (uint32_t)p->produced;
		source_write(p, &p->rng, rte_pktmbuf_mtod(m, uint8_t *));
		p->produced++;
	}
	p->rxq_head = 0;
	p->rxq_len = n;
	return 0;
}

/* l3fwd --parse-ptype's RX callback: the packet type from the Ethertype. */
static inline void sw_parse_ptype(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t t = RTE_PTYPE_UNKNOWN;

	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		t = RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
	else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		t = RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
	m->packet_type = t;
}

/* rte_eth_rx_burst on port 0: up to n of the ring's frames. */
static inline unsigned nic_rx_burst(struct ws_l3fwd *p, struct rte_mbuf **pkts, unsigned n)
{
	unsigned got = p->rxq_len - p->rxq_head < n ? p->rxq_len - p->rxq_head : n;

	memcpy(pkts, &p->rxq[p->rxq_head], got * sizeof(*pkts));
	p->rxq_head += got;
	if (unlikely(p->cfg.parse_ptype))
		for (unsigned i = 0; i < got; i++)
			sw_parse_ptype(pkts[i]);
	return got;
}

/* rte_eth_tx_burst: the "NIC" takes all n, counts them and frees them as a
 * PMD with MBUF_FAST_FREE does; capture copies each out first. */
static __rte_always_inline uint16_t nic_tx_burst(struct ws_l3fwd *p, struct rte_mbuf **m, uint16_t n,
						 const bool capture)
{
	for (unsigned i = 0; i < n; i++) {
		p->tx_bytes += m[i]->pkt_len;
		if (capture && m[i]->hash.rss < p->cap_n) {
			memcpy(p->cap + (size_t)m[i]->hash.rss * p->cap_stride, rte_pktmbuf_mtod(m[i], uint8_t *),
			       m[i]->data_len);
			p->cap_len[m[i]->hash.rss] = m[i]->data_len;
		}
	}
	p->tx_packets += n;
	rte_mempool_put_bulk(p->mp, (void *const *)m, n);
	return n;
}

/* ---- l3fwd's forwarding ---- */

/* l3fwd's send_burst: the port's TX buffer out. */
static __rte_always_inline void send_burst(struct ws_l3fwd *p, uint16_t port, uint16_t n, const bool capture)
{
	struct rte_mbuf **m = p->txb[port].m;
	uint16_t sent = nic_tx_burst(p, m, n, capture);

	while (unlikely(sent < n))
		rte_pktmbuf_free(m[sent++]);
}

/* l3fwd's send_packetsx4: num packets to one port. */
static __rte_always_inline void send_run(struct ws_l3fwd *p, uint16_t port, struct rte_mbuf **m, uint32_t num,
					 const bool capture)
{
	struct tx_buffer *b = &p->txb[port];
	uint32_t len = b->len, n, j;

	/* enough of them and nothing buffered: straight out */
	if (num >= TX_DIRECT_MIN && len == 0) {
		n = nic_tx_burst(p, m, (uint16_t)num, capture);
		while (unlikely(n < num))
			rte_pktmbuf_free(m[n++]);
		return;
	}
	n = len + num > WS_L3FWD_BURST ? WS_L3FWD_BURST - len : num;
	for (j = 0; j < n; j++)
		b->m[len + j] = m[j];
	len += n;
	if (unlikely(len == WS_L3FWD_BURST)) {
		send_burst(p, port, WS_L3FWD_BURST, capture);
		len = num - n;
		for (j = 0; j < len; j++)
			b->m[j] = m[n + j];
	}
	b->len = (uint16_t)len;
}

/* Every port's TX buffer out (the drain). */
static __rte_always_inline void drain(struct ws_l3fwd *p, const bool capture)
{
	for (uint16_t port = 0; port < NB_PORTS; port++)
		if (p->txb[port].len) {
			send_burst(p, port, p->txb[port].len, capture);
			p->txb[port].len = 0;
		}
}

/* l3fwd's rfc1812_process (see the file's header). */
static __rte_always_inline void rfc1812(struct rte_ipv4_hdr *ip, uint16_t *dp, uint32_t ptype)
{
	if (RTE_ETH_IS_IPV4_HDR(ptype)) {
		uint8_t ihl = (uint8_t)(ip->version_ihl - 0x45);

		ip->time_to_live--;
		ip->hdr_checksum++;
		/* total_length is big-endian: its first byte 0 and the
		 * whole below 20 << 8 read little-endian = below 20 */
		if (ihl > 0x4f - 0x45 ||
		    ((uint8_t)ip->total_length == 0 && ip->total_length < (sizeof(struct rte_ipv4_hdr) << 8)))
			dp[0] = BAD_PORT;
	}
}

/* The Ethernet rewrite of one packet, then its RFC 1812 step (l3fwd's
 * process_packet); hop: also the IPv6 hop limit (bulk mode, not l3fwd). */
static __rte_always_inline void rewrite_one(const struct ws_l3fwd *p, struct rte_mbuf *m, uint16_t *dp, const bool hop)
{
	__m128i *h = rte_pktmbuf_mtod(m, __m128i *);
	__m128i te = _mm_loadu_si128(h), ve = p->val_eth[dp[0]]; /* the port before rfc1812 may make it BAD_PORT */

	rfc1812((struct rte_ipv4_hdr *)((uint8_t *)h + ETH_LEN), dp, m->packet_type);
	if (hop && RTE_ETH_IS_IPV6_HDR(m->packet_type))
		((struct rte_ipv6_hdr *)((uint8_t *)h + ETH_LEN))->hop_limits--;
	te = _mm_blend_epi16(te, ve, BLEND_MACS);
	_mm_storeu_si128(h, te);
}

/* The same for a quad (l3fwd's processx4_step3): the four rewrites, then
 * the four RFC 1812 steps. */
static __rte_always_inline void rewrite_quad(const struct ws_l3fwd *p, struct rte_mbuf *pkt[FWDSTEP],
					     uint16_t dp[FWDSTEP], const bool hop)
{
	__m128i *h[FWDSTEP], te[FWDSTEP];

	for (unsigned i = 0; i < FWDSTEP; i++) {
		h[i] = rte_pktmbuf_mtod(pkt[i], __m128i *);
		te[i] = _mm_blend_epi16(_mm_loadu_si128(h[i]), p->val_eth[dp[i]], BLEND_MACS);
	}
	for (unsigned i = 0; i < FWDSTEP; i++)
		_mm_storeu_si128(h[i], te[i]);
	for (unsigned i = 0; i < FWDSTEP; i++) {
		rfc1812((struct rte_ipv4_hdr *)((uint8_t *)h[i] + ETH_LEN), &dp[i], pkt[i]->packet_type);
		if (hop && RTE_ETH_IS_IPV6_HDR(pkt[i]->packet_type))
			((struct rte_ipv6_hdr *)((uint8_t *)h[i] + ETH_LEN))->hop_limits--;
	}
}

/* One quad of the port grouping (l3fwd's port_groupx4): dp1 holds the
 * ports of packets j..j+3, dp2 those of j+1..j+4; pn = &runs[j]; last = the
 * counter of the open run. Returns the counter of the run open after. */
static __rte_always_inline uint16_t *group_quad(const struct ws_l3fwd *p, uint16_t *pn, uint16_t *last, __m128i dp1,
						__m128i dp2)
{
	__m128i eq = _mm_cmpeq_epi16(dp1, dp2);
	int v;

	eq = _mm_unpacklo_epi16(eq, eq); /* each 16-bit answer to 32 bits, for movmskps */
	v = _mm_movemask_ps(_mm_castsi128_ps(eq));
	last[0] += p->runs[v].extend;
	if (v != (1 << FWDSTEP) - 1) {
		memcpy(pn, p->runs[v].len, sizeof(p->runs[v].len));
		pn[FWDSTEP] = 1;
		last = pn + p->runs[v].start;
	}
	return last;
}

/* l3fwd's send_packets_multi: rewrite, group by port, hand each run on. */
static __rte_always_inline void send_multi(struct ws_l3fwd *p, struct rte_mbuf **pkts, uint16_t *dport, int nb_rx,
					   const bool hop, const bool capture)
{
	/* one extra: group_quad may set the counter after the last packet */
	uint16_t runs[WS_L3FWD_BURST + 1];
	const int k = nb_rx & ~(FWDSTEP - 1);
	uint16_t *last, dlp;
	int j = 0;

	if (k) {
		__m128i dp1, dp2;

		last = runs;
		last[0] = 1;
		rewrite_quad(p, pkts, dport, hop);
		dp1 = _mm_loadu_si128((const __m128i *)dport);
		for (j = FWDSTEP; j != k; j += FWDSTEP) {
			rewrite_quad(p, &pkts[j], &dport[j], hop);
			dp2 = _mm_loadu_si128((const __m128i *)&dport[j - FWDSTEP + 1]);
			last = group_quad(p, &runs[j - FWDSTEP], last, dp1, dp2);
			dp1 = _mm_srli_si128(dp2, (FWDSTEP - 1) * sizeof(dport[0]));
		}
		/* the last quad against itself shifted, its last port twice:
		 * the run it ends in is one too long, taken back below */
		dp2 = _mm_shufflelo_epi16(dp1, 0xf9);
		last = group_quad(p, &runs[j - FWDSTEP], last, dp1, dp2);
		last[0]--;
		dlp = dport[j - 1];
	} else {
		/* a port no packet has, and a counter no run uses */
		dlp = BAD_PORT - 1;
		last = runs + WS_L3FWD_BURST;
	}
	for (; j < nb_rx; j++) {
		rewrite_one(p, pkts[j], &dport[j], hop);
		if (likely(dlp == dport[j])) {
			last[0]++;
		} else {
			dlp = dport[j];
			last = &runs[j];
			last[0] = 1;
		}
	}
	for (j = 0; j < nb_rx;) {
		uint16_t port = dport[j], n = runs[j];

		if (likely(port != BAD_PORT)) {
			send_run(p, port, pkts + j, n, capture);
		} else {
			p->bad += n;
			for (int m = j; m != j + n; m++)
				rte_pktmbuf_free(pkts[m]);
		}
		j += n;
	}
}

/* l3fwd's lpm_get_dst_port_with_ipv4 (dst4: the IPv4 destination, host order). */
static __rte_always_inline uint16_t dst_port_one(const struct ws_l3fwd *p, struct rte_mbuf *m, uint32_t dst4,
						 uint16_t portid)
{
	uint32_t nh;

	if (RTE_ETH_IS_IPV4_HDR(m->packet_type))
		return rte_lpm_lookup(p->lpm4, dst4, &nh) == 0 ? (uint16_t)nh : portid;
	if (RTE_ETH_IS_IPV6_HDR(m->packet_type)) {
		struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);

		return rte_lpm6_lookup(p->lpm6, ip6->dst_addr, &nh) == 0 ? (uint16_t)nh : portid;
	}
	return portid;
}

/* l3fwd's lpm_get_dst_port: the same, reading the IPv4 destination itself. */
static __rte_always_inline uint16_t dst_port_pkt(const struct ws_l3fwd *p, struct rte_mbuf *m, uint16_t portid)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, ETH_LEN);

	return dst_port_one(p, m, RTE_ETH_IS_IPV4_HDR(m->packet_type) ? rte_be_to_cpu_32(ip->dst_addr) : 0, portid);
}

/* l3fwd's processx4_step1: four destinations (as IPv4) and "all four IPv4". */
static __rte_always_inline void quad_read(struct rte_mbuf *pkt[FWDSTEP], __m128i *dip, uint32_t *all4)
{
	uint32_t a[FWDSTEP], flag = pkt[0]->packet_type & RTE_PTYPE_L3_IPV4;

	for (unsigned i = 0; i < FWDSTEP; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(pkt[i], const struct rte_ipv4_hdr *, ETH_LEN);

		a[i] = ip->dst_addr;
		if (i)
			flag &= pkt[i]->packet_type;
	}
	*dip = _mm_set_epi32((int)a[3], (int)a[2], (int)a[1], (int)a[0]);
	*all4 = flag;
}

/* l3fwd's processx4_step2: the quad's output ports. */
static __rte_always_inline void quad_lookup(const struct ws_l3fwd *p, __m128i dip, uint32_t all4, uint16_t portid,
					    struct rte_mbuf *pkt[FWDSTEP], uint16_t dport[FWDSTEP])
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	rte_xmm_t dst;

	dip = _mm_shuffle_epi8(dip, bswap);
	if (likely(all4)) {
		rte_lpm_lookupx4(p->lpm4, dip, dst.u32, portid);
		/* next hops are ports: 16 bits each */
		dst.x = _mm_packs_epi32(dst.x, dst.x);
		memcpy(dport, &dst.u64[0], sizeof(uint64_t));
	} else {
		dst.x = dip;
		for (unsigned i = 0; i < FWDSTEP; i++)
			dport[i] = dst_port_one(p, pkt[i], dst.u32[i], portid);
	}
}

/* l3fwd_lpm_send_packets: one RX burst from port `portid`. */
static __rte_always_inline void l3fwd_burst(struct ws_l3fwd *p, struct rte_mbuf **pkts, int nb_rx, uint16_t portid,
					    const bool capture)
{
	/* + FWDSTEP: send_multi loads 8 ports from the last quad's second */
	uint16_t dport[WS_L3FWD_BURST + FWDSTEP];
	__m128i dip[WS_L3FWD_BURST / FWDSTEP];
	uint32_t all4[WS_L3FWD_BURST / FWDSTEP];
	const int k = nb_rx & ~(FWDSTEP - 1);
	int j;

	for (j = 0; j != k; j += FWDSTEP)
		quad_read(&pkts[j], &dip[j / FWDSTEP], &all4[j / FWDSTEP]);
	for (j = 0; j != k; j += FWDSTEP)
		quad_lookup(p, dip[j / FWDSTEP], all4[j / FWDSTEP], portid, &pkts[j], &dport[j]);
	for (; j < nb_rx; j++)
		dport[j] = dst_port_pkt(p, pkts[j], portid);
	send_multi(p, pkts, dport, nb_rx, false, capture);
}

/* Not l3fwd (WS_L3FWD_V6_BULK): one rte_lpm6_lookup_bulk_func per burst,
 * then l3fwd's rewrite and grouping with the hop limit decremented. */
static __rte_always_inline void v6_bulk_burst(struct ws_l3fwd *p, struct rte_mbuf **pkts, int nb_rx, uint16_t portid,
					      const bool capture)
{
	uint16_t dport[WS_L3FWD_BURST + FWDSTEP];
	uint8_t ips[WS_L3FWD_BURST][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t nh[WS_L3FWD_BURST];

	for (int j = 0; j < nb_rx; j++)
		memcpy(ips[j], rte_pktmbuf_mtod_offset(pkts[j], struct rte_ipv6_hdr *, ETH_LEN)->dst_addr,
		       RTE_LPM6_IPV6_ADDR_SIZE);
	rte_lpm6_lookup_bulk_func(p->lpm6, ips, nh, (unsigned)nb_rx);
	for (int j = 0; j < nb_rx; j++)
		dport[j] = nh[j] >= 0 ? (uint16_t)nh[j] : portid;
	send_multi(p, pkts, dport, nb_rx, true, capture);
}

/* The run: l3fwd's main loop over the source's first `count` frames. */
static __rte_always_inline void run_loop(struct ws_l3fwd *p, uint64_t count, struct ws_l3fwd_times *tm,
					 const bool capture)
{
	struct rte_mbuf *pkts[WS_L3FWD_BURST];
	const bool v6_bulk = p->cfg.family == AF_INET6 && p->cfg.v6 == WS_L3FWD_V6_BULK;
	uint64_t tx0 = p->tx_packets, bad0 = p->bad, rx = 0;
	uint64_t t0 = rte_rdtsc(), prev_tsc = t0, cur_tsc = t0;

	p->rng = p->cfg.seed;
	p->produced = 0;
	p->rxq_head = p->rxq_len = 0;
	for (;;) {
		unsigned nb_rx;

		if (p->rxq_head == p->rxq_len) {
			uint64_t left = count - p->produced, a = rte_rdtsc();
			unsigned n = left < WS_L3FWD_RX_RING ? (unsigned)left : WS_L3FWD_RX_RING;
			int rc = n ? nic_rx_fill(p, n) : -1;

			rx += rte_rdtsc() - a;
			if (rc)
				break;
		}
		/* lpm_main_loop: the drain every DRAIN_US, one RX burst, its forwarding */
		if (unlikely(cur_tsc - prev_tsc > p->drain_tsc)) {
			drain(p, capture);
			prev_tsc = cur_tsc;
		}
		nb_rx = nic_rx_burst(p, pkts, WS_L3FWD_BURST);
		if (likely(nb_rx)) {
			if (v6_bulk)
				v6_bulk_burst(p, pkts, (int)nb_rx, 0, capture);
			else
				l3fwd_burst(p, pkts, (int)nb_rx, 0, capture);
		}
		cur_tsc = rte_rdtsc();
	}
	drain(p, capture);
	tm->total = rte_rdtsc() - t0;
	tm->rx = rx;
	tm->packets = p->produced;
	tm->tx = p->tx_packets - tx0;
	tm->bad = p->bad - bad0;
}

void ws_l3fwd_run(struct ws_l3fwd *p, uint64_t count, struct ws_l3fwd_times *tm)
{
	run_loop(p, count, tm, false);
}

void ws_l3fwd_capture(struct ws_l3fwd *p, uint64_t count, uint8_t *out, size_t stride, uint16_t *len,
		      struct ws_l3fwd_times *tm)
{
	memset(len, 0, count * sizeof(*len));
	p->cap = out;
	p->cap_stride = stride;
	p->cap_len = len;
	p->cap_n = count;
	run_loop(p, count, tm, true);
	p->cap = NULL;
	p->cap_n = 0;
}

void ws_l3fwd_source_frames(const struct ws_l3fwd *p, uint64_t n, uint8_t *out, size_t stride, uint16_t *len)
{
	uint64_t rng = p->cfg.seed;

	for (uint64_t i = 0; i < n; i++) {
		source_write(p, &rng, out + i * stride);
		len[i] = (uint16_t)p->cfg.tmpl_len;
	}
}

/* ---- set-up ---- */

/* The run table of group_quad, from its definition: bit i of v says
 * packets i and i + 1 go to the same port. */
static void build_runs(struct run_entry *runs)
{
	for (unsigned v = 0; v < (1u << FWDSTEP); v++) {
		struct run_entry *e = &runs[v];
		unsigned ones;

		for (unsigned i = 0; i < FWDSTEP; i++) {
			for (ones = 0; i + ones < FWDSTEP && (v >> (i + ones) & 1); ones++)
				;
			e->len[i] = (uint16_t)(1 + ones);
		}
		for (ones = 0; ones < FWDSTEP && (v >> ones & 1); ones++)
			;
		e->extend = (uint16_t)ones;
		for (ones = 0; ones < FWDSTEP && (v >> (FWDSTEP - 1 - ones) & 1); ones++)
			;
		e->start = (uint16_t)(FWDSTEP - ones);
	}
}

/* DPDK memory the tables and the pool take, with room to spare. */
static size_t heap_bytes(const struct ws_l3fwd_config *c)
{
	size_t tables, mbufs = (size_t)c->nb_mbufs * (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE + 128);

	if (c->family == AF_INET)
		tables = sizeof(struct rte_lpm) + (size_t)c->max_rules * 8 +
			 (size_t)c->number_tbl8s * RTE_LPM_TBL8_GROUP_NUM_ENTRIES * sizeof(struct rte_lpm_tbl_entry);
	else /* tbl24, tbl8 groups of 256 x 4 B with their headers, rules in an rte_hash */
		tables = ((size_t)1 << 24) * 4 + (size_t)c->number_tbl8s * (1024 + 64) + (size_t)c->max_rules * 160;
	return (tables + mbufs + (64u << 20) + HUGE_2M - 1) & ~(HUGE_2M - 1);
}

/* A heap of the peer's own over memory on 2 MiB pages: the EAL's --no-huge
 * memory is a shared memfd, which gets no transparent huge pages. */
static int huge_heap(struct ws_l3fwd *p, char *err, size_t errlen)
{
	size_t len = heap_bytes(&p->cfg);

	p->heap_mem = aligned_alloc(HUGE_2M, len);
	if (!p->heap_mem || madvise(p->heap_mem, len, MADV_HUGEPAGE) != 0) {
		snprintf(err, errlen, "cannot allocate %zu MiB marked MADV_HUGEPAGE: %s", len >> 20, strerror(errno));
		free(p->heap_mem);
		p->heap_mem = NULL;
		return -1;
	}
	if (rte_malloc_heap_create(p->name) != 0) {
		snprintf(err, errlen, "rte_malloc_heap_create: %s", rte_strerror(rte_errno));
		free(p->heap_mem);
		p->heap_mem = NULL;
		return -1;
	}
	if (rte_malloc_heap_memory_add(p->name, p->heap_mem, len, NULL, (unsigned)(len / HUGE_2M), HUGE_2M) != 0) {
		snprintf(err, errlen, "rte_malloc_heap_memory_add(%zu MiB): %s", len >> 20, rte_strerror(rte_errno));
		rte_malloc_heap_destroy(p->name);
		free(p->heap_mem);
		p->heap_mem = NULL;
		return -1;
	}
	p->heap_len = len;
	p->socket = rte_malloc_heap_get_socket(p->name);
	return 0;
}

struct ws_l3fwd *ws_l3fwd_create(const struct ws_l3fwd_config *cfg, char *err, size_t errlen)
{
	struct ws_l3fwd *p;
	char name[40];

	if ((cfg->family != AF_INET && cfg->family != AF_INET6) || !cfg->tmpl || !cfg->dsts || !cfg->nb_dsts ||
	    cfg->tmpl_len > WS_L3FWD_MAX_FRAME ||
	    cfg->tmpl_len < ETH_LEN + (cfg->family == AF_INET ? sizeof(struct rte_ipv4_hdr)
							      : sizeof(struct rte_ipv6_hdr))) {
		snprintf(err, errlen, "bad configuration");
		return NULL;
	}
	p = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*p), RTE_CACHE_LINE_SIZE));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	memcpy(p->tmpl, cfg->tmpl, cfg->tmpl_len);
	p->cfg.tmpl = p->tmpl;
	p->socket = SOCKET_ID_ANY;
	snprintf(p->name, sizeof(p->name), "wsb_l3fwd%u", name_seq++);
	if (cfg->huge && huge_heap(p, err, errlen) != 0) {
		free(p);
		return NULL;
	}
	if (cfg->family == AF_INET) {
		struct rte_lpm_config lc = { .max_rules = cfg->max_rules, .number_tbl8s = cfg->number_tbl8s };

		p->dst_off = ETH_LEN + offsetof(struct rte_ipv4_hdr, dst_addr);
		p->ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
		snprintf(name, sizeof(name), "%s_lpm", p->name);
		p->lpm4 = rte_lpm_create(name, p->socket, &lc);
	} else {
		struct rte_lpm6_config lc = { .max_rules = cfg->max_rules, .number_tbl8s = cfg->number_tbl8s };

		p->dst_off = ETH_LEN + offsetof(struct rte_ipv6_hdr, dst_addr);
		p->ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP;
		snprintf(name, sizeof(name), "%s_lpm6", p->name);
		p->lpm6 = rte_lpm6_create(name, p->socket, &lc);
	}
	if (!p->lpm4 && !p->lpm6) {
		snprintf(err, errlen, "rte_lpm%s_create(max_rules %u, number_tbl8s %u): %s",
			 cfg->family == AF_INET ? "" : "6", cfg->max_rules, cfg->number_tbl8s, rte_strerror(rte_errno));
		ws_l3fwd_free(p);
		return NULL;
	}
	if (cfg->parse_ptype)
		p->ptype = 0;
	snprintf(name, sizeof(name), "%s_mb", p->name);
	p->mp = rte_pktmbuf_pool_create(name, cfg->nb_mbufs, cfg->mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, p->socket);
	if (!p->mp) {
		snprintf(err, errlen, "rte_pktmbuf_pool_create(%u mbufs): %s", cfg->nb_mbufs, rte_strerror(rte_errno));
		ws_l3fwd_free(p);
		return NULL;
	}
	/* l3fwd's val_eth: bytes 0-5 the next hop's MAC, 6-11 the port's */
	for (unsigned port = 0; port < NB_PORTS; port++) {
		uint8_t v[16] = { 0 };

		memcpy(v, cfg->nh_mac, 6);
		memcpy(v + 6, cfg->port_mac[port], 6);
		p->val_eth[port] = _mm_loadu_si128((const __m128i *)v);
	}
	build_runs(p->runs);
	p->drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * DRAIN_US;
	return p;
}

void ws_l3fwd_free(struct ws_l3fwd *p)
{
	if (!p)
		return;
	rte_mempool_free(p->mp);
	rte_lpm_free(p->lpm4);
	rte_lpm6_free(p->lpm6);
	if (p->heap_mem) {
		rte_malloc_heap_memory_remove(p->name, p->heap_mem, p->heap_len);
		rte_malloc_heap_destroy(p->name);
		free(p->heap_mem);
	}
	free(p);
}

int ws_l3fwd_add_route(struct ws_l3fwd *p, const uint8_t *addr, unsigned len, uint16_t port)
{
	uint32_t a4;

	if (p->lpm6)
		return rte_lpm6_add(p->lpm6, addr, (uint8_t)len, port);
	memcpy(&a4, addr, 4);
	return rte_lpm_add(p->lpm4, rte_be_to_cpu_32(a4), (uint8_t)len, port);
}

const char *ws_l3fwd_dpdk_version(void)
{
	return rte_version();
}
