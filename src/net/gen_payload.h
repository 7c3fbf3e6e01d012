/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen_payload.h: the payload stamp that `wirespeed gen` writes right after
 * the L4 header of every frame with room for it, and what `wirespeed sink`
 * does with it: find it in a parsed frame, keep per-stream sequence
 * accounting (lost, duplicates, reordering) and a latency histogram.
 *
 * The stamp (24 bytes, every field in network byte order, 2-byte aligned in
 * the frame like every header):
 *   magic  u32  WS_GEN_STAMP_MAGIC ("wsg1"): tells a stamp from other payload
 *   stream u32  the generator's --stream id: one sequence space per stream
 *   seq    u64  0, 1, 2, ... per stream, one per stamped packet
 *   tx_ns  u64  CLOCK_MONOTONIC at send, ns (one reading per burst)
 * Network order so that a capture shows the fields readably and a sink on
 * another machine reads them the same way; the timestamp only means
 * something against the same clock (same host, or clocks kept in step).
 *
 * Where: at l4_off + the L4 header: UDP 8, TCP its data offset (20, no
 * options), ICMP/ICMPv6 echo 8 (type, code, checksum, id, seq). Only when
 * the whole stamp lies inside the L3 payload (Ethernet padding never holds
 * one): a 60-byte IPv4/UDP frame (42 bytes of headers) has no stamp; the
 * smallest stamped one is 66 bytes.
 *
 * DATA-PATH CODE: stamp, locate, account and histogram are static inline,
 * per packet, no allocation; the percentile read-out is control path.
 */
#ifndef WS_NET_GEN_PAYLOAD_H
#define WS_NET_GEN_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/pkt.h"
#include "net/net.h"

#define WS_GEN_STAMP_MAGIC 0x77736731u /* "wsg1" */
#define WS_GEN_STAMP_LEN 24

struct ws_gen_stamp {
	uint32_t magic;
	uint32_t stream;
	uint64_t seq;
	uint64_t tx_ns;
} ws_wire_struct;

static_assert(sizeof(struct ws_gen_stamp) == WS_GEN_STAMP_LEN, "the stamp is 24 bytes");

static ws_always_inline uint64_t ws_gen__hton64(uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/* Data path, per packet: write a stamp at p (WS_GEN_STAMP_LEN bytes, any
 * alignment). */
static ws_always_inline void ws_gen_stamp_write(void *p, uint32_t stream, uint64_t seq, uint64_t tx_ns)
{
	struct ws_gen_stamp s = {
		.magic = ws_hton32(WS_GEN_STAMP_MAGIC),
		.stream = ws_hton32(stream),
		.seq = ws_gen__hton64(seq),
		.tx_ns = ws_gen__hton64(tx_ns),
	};

	memcpy(p, &s, sizeof(s));
}

/* Data path, per packet: read the stamp at p (WS_GEN_STAMP_LEN readable
 * bytes) into host order. true when it carries the magic, false (out
 * untouched) when these bytes are not a stamp. */
static ws_always_inline bool ws_gen_stamp_read(const void *p, uint32_t *stream, uint64_t *seq, uint64_t *tx_ns)
{
	struct ws_gen_stamp s;

	memcpy(&s, p, sizeof(s));
	if (s.magic != ws_hton32(WS_GEN_STAMP_MAGIC))
		return false;
	*stream = ws_ntoh32(s.stream);
	*seq = ws_gen__hton64(s.seq);
	*tx_ns = ws_gen__hton64(s.tx_ns);
	return true;
}

/*
 * Data path, per packet: where the stamp of the frame p would be, or NULL
 * when the frame has no room for one (or carries no L4 header the stamp
 * follows: other protocols, ICMP other than echo, fragments). p must have
 * been parsed by ws_net_parse with WS_NET_OK (l3_off, l4_off, l4_proto,
 * ethertype valid, so the L3 length fields are inside the frame). Whether
 * the bytes are a stamp is ws_gen_stamp_read's magic check.
 */
static inline const uint8_t *ws_gen_stamp_locate(struct ws_pkt *p)
{
	const uint8_t *d = ws_pkt_data(p);
	unsigned end, at;

	if (!p->l4_off)
		return NULL;
	if (p->ethertype == WS_ETHERTYPE_IPV4) {
		const struct ws_ipv4_hdr *ip = (const struct ws_ipv4_hdr *)(d + p->l3_off);

		end = p->l3_off + ws_ntoh16(ip->total_len);
	} else if (p->ethertype == WS_ETHERTYPE_IPV6) {
		const struct ws_ipv6_hdr *ip6 = (const struct ws_ipv6_hdr *)(d + p->l3_off);

		end = p->l3_off + WS_IPV6_HDR_LEN + ws_ntoh16(ip6->payload_len);
	} else {
		return NULL;
	}
	switch (p->l4_proto) {
	case WS_IPPROTO_UDP:
		at = p->l4_off + WS_UDP_HDR_LEN;
		break;
	case WS_IPPROTO_TCP:
		at = p->l4_off + ws_tcp_hdr_len((const struct ws_tcp_hdr *)(d + p->l4_off));
		break;
	case WS_IPPROTO_ICMP:
		if (d[p->l4_off] != WS_ICMP_ECHO_REQUEST && d[p->l4_off] != WS_ICMP_ECHO_REPLY)
			return NULL;
		at = p->l4_off + WS_ICMP_HDR_LEN;
		break;
	case WS_IPPROTO_ICMPV6:
		if (d[p->l4_off] != WS_ICMP6_ECHO_REQUEST && d[p->l4_off] != WS_ICMP6_ECHO_REPLY)
			return NULL;
		at = p->l4_off + WS_ICMP6_HDR_LEN + 4; /* id, seq */
		break;
	default:
		return NULL;
	}
	return at + WS_GEN_STAMP_LEN <= end ? d + at : NULL;
}

/* ---- latency histogram ---- */

/*
 * Log2 buckets, each power of two split in 2^WS_GEN_HIST_SUB_BITS linear
 * sub-buckets: values 0..7 have a bucket each, above that a bucket spans
 * 1/8 of its octave, so a percentile read from it is at most 12.5% above
 * the true value. Plain log2 buckets would report a p99 of 20 us as
 * "somewhere in 16..32 us"; eight times the buckets (496, 4 KiB of
 * counters) is still a fixed array and one shift and a count-leading-zeros
 * per sample.
 */
#define WS_GEN_HIST_SUB_BITS 3
#define WS_GEN_HIST_SUB (1u << WS_GEN_HIST_SUB_BITS)
#define WS_GEN_HIST_BUCKETS ((64u - WS_GEN_HIST_SUB_BITS + 1u) * WS_GEN_HIST_SUB)

struct ws_gen_hist {
	uint64_t count;
	uint64_t max;
	uint64_t bucket[WS_GEN_HIST_BUCKETS];
};

/* Data path: the bucket of value v. */
static ws_always_inline unsigned ws_gen_hist_index(uint64_t v)
{
	unsigned k, shift;

	if (v < WS_GEN_HIST_SUB)
		return (unsigned)v;
	k = 63u - (unsigned)__builtin_clzll(v); /* >= WS_GEN_HIST_SUB_BITS */
	shift = k - WS_GEN_HIST_SUB_BITS;
	return (k - WS_GEN_HIST_SUB_BITS + 1u) * WS_GEN_HIST_SUB + (unsigned)((v >> shift) & (WS_GEN_HIST_SUB - 1));
}

/* Control path: the largest value that falls in bucket i (< WS_GEN_HIST_BUCKETS). */
static inline uint64_t ws_gen_hist_bucket_max(unsigned i)
{
	unsigned octave = i / WS_GEN_HIST_SUB, sub = i % WS_GEN_HIST_SUB, shift;

	if (octave == 0)
		return i;
	shift = octave - 1u;
	/* (SUB + sub) << shift is the bucket's first value; the top one of
	 * the last bucket is 2^64 - 1, where the sum below wraps exactly */
	return (((uint64_t)(WS_GEN_HIST_SUB + sub) << shift) - 1u) + ((uint64_t)1 << shift);
}

/* Data path, per sample: count v. */
static ws_always_inline void ws_gen_hist_add(struct ws_gen_hist *h, uint64_t v)
{
	h->bucket[ws_gen_hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

/*
 * Control path: the q-quantile (0 < q <= 1) of the samples: the top of the
 * bucket that holds the ceil(q * count)-th smallest sample, but never more
 * than the largest sample (so p100 is the exact maximum). 0 when empty.
 */
static inline uint64_t ws_gen_hist_quantile(const struct ws_gen_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < WS_GEN_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t top = ws_gen_hist_bucket_max(i);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

/* ---- per-stream sequence accounting ---- */

/*
 * The last WS_GEN_SEQ_WINDOW sequence numbers up to the highest seen are
 * remembered in a bitmap, so a late packet inside the window is told apart
 * from a duplicate, and a gap that a late packet fills stops counting as
 * lost. 4096 covers a reordering depth of 4096 packets (a few hundred us at
 * 10 Mpps) in 512 bytes.
 */
#define WS_GEN_SEQ_WINDOW 4096u

struct ws_gen_seq {
	bool started;
	uint64_t first;      /* the first sequence number received: the baseline */
	uint64_t highest;    /* the highest received */
	uint64_t packets;    /* stamped packets of the stream received */
	uint64_t lost;       /* numbers between first and highest not (yet) received */
	uint64_t duplicates; /* received again (inside the window) */
	uint64_t reordered;  /* received after a higher number (not a duplicate) */
	uint64_t too_old;    /* of those, older than the window: not told from a
			      * duplicate, and not taken off lost */
	uint64_t seen[WS_GEN_SEQ_WINDOW / 64]; /* bit seq % WINDOW: seq received */
};

static ws_always_inline void ws_gen__seq_set(struct ws_gen_seq *s, uint64_t seq)
{
	s->seen[(seq % WS_GEN_SEQ_WINDOW) / 64] |= 1ull << (seq % 64);
}

static ws_always_inline void ws_gen__seq_clear(struct ws_gen_seq *s, uint64_t seq)
{
	s->seen[(seq % WS_GEN_SEQ_WINDOW) / 64] &= ~(1ull << (seq % 64));
}

static ws_always_inline bool ws_gen__seq_test(const struct ws_gen_seq *s, uint64_t seq)
{
	return s->seen[(seq % WS_GEN_SEQ_WINDOW) / 64] >> (seq % 64) & 1;
}

/*
 * Data path, per packet: account sequence number seq of the stream s
 * (zeroed to start). The first number received is the baseline: numbers
 * below it are neither lost nor expected (the sink may start after the
 * generator) and count as reordered if they come. A jump ahead counts the
 * numbers skipped as lost; a late one that fills such a gap takes it back
 * off and counts as reordered; one received before counts as a duplicate
 * (not as reordered). Loss after the highest number received (the tail)
 * cannot be seen from here: only the sender knows how many it sent.
 */
static inline void ws_gen_seq_account(struct ws_gen_seq *s, uint64_t seq)
{
	s->packets++;
	if (ws_unlikely(!s->started)) {
		s->started = true;
		s->first = s->highest = seq;
		ws_gen__seq_set(s, seq);
		return;
	}
	if (ws_likely(seq > s->highest)) {
		uint64_t gap = seq - s->highest - 1;

		s->lost += gap;
		/* forget what slides out of the window: the gap's numbers and
		 * the old ones whose bits they reuse are "not received" */
		if (gap >= WS_GEN_SEQ_WINDOW) {
			memset(s->seen, 0, sizeof(s->seen));
		} else {
			for (uint64_t q = s->highest + 1; q < seq; q++)
				ws_gen__seq_clear(s, q);
		}
		s->highest = seq;
		ws_gen__seq_set(s, seq);
		return;
	}
	if (s->highest - seq >= WS_GEN_SEQ_WINDOW) {
		s->reordered++;
		s->too_old++;
		return;
	}
	if (ws_gen__seq_test(s, seq)) {
		s->duplicates++;
		return;
	}
	ws_gen__seq_set(s, seq);
	s->reordered++;
	if (seq > s->first)
		s->lost--; /* it was counted when the gap opened */
}

#endif /* WS_NET_GEN_PAYLOAD_H */
