/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * xdp_filter_abi.h: what the XDP filter program (bpf/xdp_filter.bpf.c) and
 * its loader (xdp_filter.c) agree on: the maps' keys and values, the config
 * flags, and the 4-byte tag a tagged frame carries to its AF_XDP socket.
 *
 * Included by the BPF program (clang -target bpf) and by userspace C, so it
 * uses only linux/types.h. Both sides are little- or big-endian alike (the
 * BPF target takes the host's byte order); every address field holds the
 * bytes as they are in the packet, loaded into __u64 words without swapping,
 * and the masks the loader writes are built the same way, so a word-wise AND
 * selects the same bits on both sides. Dual-licensed like the program.
 */
#ifndef WS_FILTER_XDP_FILTER_ABI_H
#define WS_FILTER_XDP_FILTER_ABI_H

#include <linux/types.h>

/* ---- config flags (struct ws_xdpf_config.flags, ws_xdp_filter_load) ---- */

/* Frames that pass (decided) or are undecided go to the AF_XDP socket of
 * their RX queue (the xsks map) instead of the kernel's stack; a queue
 * without a socket still gives them to the stack (XDP_PASS). */
#define WS_XDPF_TO_XSK (1u << 0)
/* With WS_XDPF_TO_XSK: put a tag (below) in front of every frame sent to a
 * socket, saying whether XDP decided it or from which rule userspace goes on. */
#define WS_XDPF_TAG (1u << 1)
/* Count drops as drops, but let the frame go on as passed (decided). */
#define WS_XDPF_DRY_RUN (1u << 2)
#define WS_XDPF_FLAGS_ALL (WS_XDPF_TO_XSK | WS_XDPF_TAG | WS_XDPF_DRY_RUN)

/* ---- the tag ----
 * WS_XDPF_TAG_LEN bytes before the Ethernet header: big-endian u16
 * WS_XDPF_TAG_MAGIC, then big-endian u16 next_rule: WS_XDPF_TAG_DECIDED when
 * the program decided to pass the frame (userspace runs no rule), else k,
 * the first rule userspace must run (ws_filter_classify's first_rule). */
#define WS_XDPF_TAG_LEN 4u
#define WS_XDPF_TAG_MAGIC 0x5753u /* "WS" */
#define WS_XDPF_TAG_DECIDED 0xffffu

/*
 * Any path: the tag at the start of d (len bytes): its next_rule
 * (WS_XDPF_TAG_DECIDED or the rule to go on from), or -1 when d does not
 * start with a tag followed by at least an Ethernet header (14 bytes).
 */
static inline int ws_xdpf_tag_read(const __u8 *d, __u32 len)
{
	if (len < WS_XDPF_TAG_LEN + 14u || ((__u32)d[0] << 8 | d[1]) != WS_XDPF_TAG_MAGIC)
		return -1;
	return (int)((__u32)d[2] << 8 | d[3]);
}

/* ---- maps ---- */

/* Rules one list may hold (= WS_FILTER_XDP_MAX_LIST, checked by the loader). */
#define WS_XDPF_MAX_LIST 16u
/* Slots of the xsks map (one per RX queue, like the AF_XDP port's map). */
#define WS_XDPF_XSKS 64u

/* config.tries: which tries have prefixes (an empty one is not looked up). */
#define WS_XDPF_T_SRC4 (1u << 0)
#define WS_XDPF_T_DST4 (1u << 1)
#define WS_XDPF_T_SRC6 (1u << 2)
#define WS_XDPF_T_DST6 (1u << 3)

/* The config map's only entry (index 0). */
struct ws_xdpf_config {
	__u32 flags;          /* WS_XDPF_TO_XSK | WS_XDPF_TAG | WS_XDPF_DRY_RUN */
	__u32 k;              /* the program runs rules [0, k) */
	__u32 n;              /* rules in the set: k == n means the program decides every frame */
	__u32 wild;           /* list id of the wildcard rules (config.empty when none) */
	__u32 empty;          /* id of an empty list (after the set's), for trie misses */
	__u32 default_action; /* the set's default, WS_FILTER_PASS (0) or WS_FILTER_DROP (1) */
	__u32 tries;          /* WS_XDPF_T_* */
	__u32 wild_first;     /* the wildcard list's first rule, WS_XDPF_NO_RULE when it has none */
	__u32 direct_base;    /* list id of direct entry r's list: direct_base + r */
	__u32 ctr_row;        /* counters per CPU: k + 1 rounded up to WS_XDPF_CTR_ROW_ALIGN */
	__u32 ncpus;          /* rows of counters: CPUs 0 .. ncpus - 1 */
	__u32 pad;
};

#define WS_XDPF_NO_RULE 0xffffffffu

/*
 * The IPv4 tries (src and dst): a multibit trie of strides 16, 8 and 8 in
 * ARRAY maps of __u32, so that a lookup is at most three array loads, which
 * the verifier inlines (an LPM_TRIE lookup walks a pointer chain that grows
 * with the set). Level 1 (the l1 map, WS_XDPF_L1_SLOTS entries) is indexed by
 * the address's first two bytes; an entry is either a list id, that of the
 * longest prefix of at most 16 bits covering the slot (config.empty when
 * none does), or WS_XDPF_BLOCK | b: block b of the trie's block map (entries
 * b * 256 .. b * 256 + 255), indexed by the third byte. A level-2 block's
 * entries are list ids (prefixes up to 24 bits) or, flagged the same way, a
 * level-3 block of the same map, indexed by the fourth byte, which holds list
 * ids only. The loader expands every prefix over the slots it covers, longer
 * prefixes over shorter ones, so each slot holds its longest match.
 */
#define WS_XDPF_L1_BITS 16u
#define WS_XDPF_L1_SLOTS (1u << WS_XDPF_L1_BITS)
#define WS_XDPF_BLOCK_SLOTS 256u
#define WS_XDPF_BLOCK (1u << 31)

/*
 * A direct entry: a trie value (IPv4 slot or IPv6 LPM value) of
 * WS_XDPF_DIRECT | r instead of a list id, for a prefix whose list below k is
 * the one rule r, a drop with nothing to check beyond the prefix (the
 * `drop src PREFIX` lines of a flood policy). When r also comes before the
 * other lists' first rules, the program drops at once, reading no list and no
 * rule: under a flood from random sources each frame would otherwise read a
 * different list and rule, cache misses that cost several times the lookup.
 * Where the lists must be merged after all, the entry stands for list
 * config.direct_base + r, which the loader fills with {r}.
 */
#define WS_XDPF_DIRECT (1u << 30)

/* IPv6 LPM trie key (BPF_MAP_TYPE_LPM_TRIE: prefix length first, then the
 * address in network order); the value is a __u32 list id or a direct entry. */
struct ws_xdpf_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* A candidate list (the lists map: the set's list ids, then one empty list,
 * then config.direct_base + r for direct entries): rule indexes below k in
 * ascending order. */
struct ws_xdpf_list {
	__u32 n;
	__u32 rule[WS_XDPF_MAX_LIST];
};

/* What a candidate rule still has to be checked for once a list brought it
 * up (its keying prefix, and with it its family, is known to match). */
#define WS_XDPF_C_IP (1u << 0)     /* the packet is IPv4 or IPv6 */
#define WS_XDPF_C_FAMILY (1u << 1) /* the packet's family is rule.family */
#define WS_XDPF_C_PROTO (1u << 2)
#define WS_XDPF_C_SPORT (1u << 3)  /* ports present (TCP/UDP/SCTP, first fragment), sport in range */
#define WS_XDPF_C_DPORT (1u << 4)
#define WS_XDPF_C_FLAGS (1u << 5)  /* TCP header present, (flags & fl_mask) == fl_value */
#define WS_XDPF_C_LEN (1u << 6)    /* L3 length in range */
#define WS_XDPF_C_DST (1u << 7)    /* a src-keyed rule's dst prefix */

/* rule.rl_flags */
#define WS_XDPF_RL_BYTES (1u << 0)      /* a token is a byte of L3 length (frame length for non-IP) */
#define WS_XDPF_RL_PER_SOURCE (1u << 1) /* one bucket per source key */

/* The rules array (index = rule index, k entries): the compact rule. */
struct ws_xdpf_rule {
	__u16 check;     /* WS_XDPF_C_* */
	__u8 action;     /* enum ws_filter_action */
	__u8 family;     /* for WS_XDPF_C_FAMILY */
	__u8 proto;
	__u8 fl_value, fl_mask;
	__u8 rl_flags;   /* WS_XDPF_RL_* */
	__u16 sport_lo, sport_hi, dport_lo, dport_hi, len_lo, len_hi;
	__u32 pad;
	__u64 dst_mask[2], dst_val[2]; /* WS_XDPF_C_DST: (dst & mask) == val, address bytes as loaded */
	/* rate-limit: a bucket of rl_burst whole tokens refilled at rl_rate
	 * tokens per second, held as whole tokens plus a remainder in units of
	 * 1e-9 token (the same count as classify.c's WS_FILTER_RL_SCALE units,
	 * split so that bursts up to WS_FILTER_RATE_MAX fit 64 bits). */
	__u64 rl_burst;
	__u64 rl_rate;
	__u64 rl_rate_hi;  /* rl_rate / 1e9 */
	__u64 rl_rate_lo;  /* rl_rate % 1e9 */
	__u64 rl_max_ns;   /* elapsed time that fills an empty bucket: longer gaps count as this */
	__u64 rl_mask4[2]; /* the source cut (per source), IPv4: first rl_v4_len bits */
	__u64 rl_mask6[2]; /* IPv6: first rl_v6_len bits */
};

/* The counters (an ARRAY with BPF_F_MMAPABLE, a row of config.ctr_row
 * entries per CPU, k + 1 used: entry cpu * ctr_row + r; entry k of a row
 * counts the frames no terminal rule below k took). Same layout as struct
 * ws_filter_counters. Each CPU writes only its own row, so plain adds do; a
 * plain array rather than a PERCPU_ARRAY because a per-CPU value is reached
 * through a pointer per entry, a second dependent cache miss per frame under
 * a flood from random sources (about 120 ns per frame with 10,000 rules on
 * the testbed, bpf_stats). A row is a whole number of cache lines (the map's
 * values start on a page), so no two CPUs write one line: entry k, hit by
 * every frame no rule took, would otherwise share a line with the next
 * CPU's rule 0. The loader maps the array to read it. */
#define WS_XDPF_CTR_ROW_ALIGN 8u /* entries: 8 x 24 bytes = 3 cache lines */
struct ws_xdpf_counters {
	__u64 hits;
	__u64 bytes; /* frame lengths */
	__u64 drops;
};

/* A rate-limit bucket's key (LRU_PERCPU_HASH): the rule, and with
 * per-source limits the packet's family and source cut to the rule's
 * length; family 0 and src zero without `per` or for non-IP frames. */
struct ws_xdpf_rl_key {
	__u32 rule;
	__u32 family;
	__u64 src[2];
};

/* A bucket: tokens + frac / 1e9 tokens, refilled up to last_ns. A value of
 * all zeros (another CPU's copy of an entry made elsewhere) is a new bucket. */
struct ws_xdpf_bucket {
	__u64 tokens;
	__u64 frac;
	__u64 last_ns;
};

#define WS_XDPF_NS_PER_S 1000000000ull

/*
 * Data path (the program's; here so that the unit test checks the same code
 * against classify.c's 128-bit arithmetic): refill bucket b of rule c up to
 * now, as classify.c's bucket_take does in units of 1e-9 token: tokens + e *
 * rate, capped at the burst (which clears the remainder); a now not after
 * last_ns adds nothing. The elapsed time e is first capped at rl_max_ns (the
 * time that fills an empty bucket, so the result is the same), which keeps
 * every product below within 64 bits for rates and bursts up to 10^12.
 */
static inline void ws_xdpf_refill(const struct ws_xdpf_rule *c, struct ws_xdpf_bucket *b, __u64 now)
{
	__u64 e, q, rem, whole, t, frac;

	if (now <= b->last_ns)
		return;
	e = now - b->last_ns;
	if (e > c->rl_max_ns)
		e = c->rl_max_ns;
	/* e * rate = 1e9 * (q * rate + rem * rate_hi) + rem * rate_lo */
	q = e / WS_XDPF_NS_PER_S;
	rem = e - q * WS_XDPF_NS_PER_S;
	t = rem * c->rl_rate_lo;
	whole = q * c->rl_rate + rem * c->rl_rate_hi + t / WS_XDPF_NS_PER_S;
	frac = b->frac + t % WS_XDPF_NS_PER_S;
	if (frac >= WS_XDPF_NS_PER_S) {
		frac -= WS_XDPF_NS_PER_S;
		whole++;
	}
	whole += b->tokens;
	if (whole >= c->rl_burst) {
		b->tokens = c->rl_burst;
		b->frac = 0;
	} else {
		b->tokens = whole;
		b->frac = frac;
	}
	b->last_ns = now;
}

#endif /* WS_FILTER_XDP_FILTER_ABI_H */
