/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * xdp_filter.bpf.c: the filter's early-drop stage, run in the driver (or
 * generic XDP) before a frame costs anything else. It runs rules [0, k) of a
 * compiled rule set (src/filter/classify.h; k = ws_filter_set_xdp_rules) with
 * the same first-match semantics as ws_filter_classify, from maps the loader
 * (src/filter/xdp_filter.c) fills; the layouts are in
 * src/filter/xdp_filter_abi.h.
 *
 * Per frame:
 *  1. take the key out of the frame exactly as ws_filter_key_from_frame does
 *     (Ethernet, two VLAN tags, IPv4 with its IHL check, IPv6 with up to 8
 *     extension headers, ports and TCP flags of first fragments);
 *  2. look the source up in the src trie of its family and the destination
 *     in the dst trie: each gives a list id, the list of every rule keyed by
 *     a prefix containing the address; add the wildcard list. IPv4 tries are
 *     multibit tries in arrays (at most three loads, whatever the set's
 *     size), IPv6 ones LPM_TRIE maps;
 *     A trie entry may be direct (WS_XDPF_DIRECT, xdp_filter_abi.h): the
 *     prefix's rule is a plain drop; when it comes first of all candidates
 *     the frame is dropped here, and a frame no list has a rule for goes
 *     straight to step 4's default, neither reading a list;
 *  3. otherwise merge the three lists (disjoint, ascending) in rule order in a
 *     bpf_loop (the verifier checks the step a few times, not once per
 *     candidate: about 14,000 instructions for any rule set) and check each
 *     candidate's remaining fields; apply actions as classify does, with
 *     per-rule counters in a row per CPU of one array;
 *  4. a frame no drop took is passed: decided (a pass rule matched, or no
 *     terminal rule did and k == n with a pass default) or undecided (k < n:
 *     userspace goes on from rule k). Passed frames go to the kernel's stack,
 *     or with WS_XDPF_TO_XSK to the AF_XDP socket of their queue, tagged with
 *     WS_XDPF_TAG.
 *
 * Rate limits keep their buckets per CPU (LRU_PERCPU_HASH): each CPU refills
 * its own buckets at the rule's full rate, with no atomic operation on the
 * data path. With RSS one source's frames land on one queue and so one CPU,
 * which makes a per-source limit exact; a limit without `per` (or sources
 * spread over queues) admits up to the rate once per CPU that sees traffic.
 *
 * Licence: dual GPL-2.0 / BSD-3-Clause, as bpf/xdp_redirect.bpf.c: the GPL
 * side lets the kernel give the program its GPL-only helpers (bpf_loop is
 * one), the BSD side keeps the file under the project's licence.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "filter/xdp_filter_abi.h"

/* The values of enum ws_filter_action (filter/rules.h is userspace C). */
#define ACT_PASS 0
#define ACT_DROP 1
#define ACT_COUNT 2
#define ACT_RATE_LIMIT 3

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define IP6_EXT_MIN 8
#define IP6_EXT_MAX 8   /* extension headers skipped, as ws_filter_key_from_frame */
#define END WS_XDPF_NO_RULE /* past a list's end; no rule */
#define MORE 0xfffffffeu /* entry_first: the list must be read */

/* What the walk decided. */
#define V_NONE 0 /* no terminal rule matched below k */
#define V_PASS 1
#define V_DROP 2

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_xdpf_config);
} xdpf_cfg SEC(".maps");

/* The IPv4 tries (layout in xdp_filter_abi.h): level 1 and the blocks of
 * levels 2 and 3, sized by the loader (at least 1 entry each; level 1 has
 * WS_XDPF_L1_SLOTS entries when its trie has prefixes). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xdpf_l1_src4 SEC(".maps"), xdpf_blk_src4 SEC(".maps"), xdpf_l1_dst4 SEC(".maps"), xdpf_blk_dst4 SEC(".maps");

/* The IPv6 tries: sized by the loader (at least 1 entry each). */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct ws_xdpf_lpm6_key);
	__type(value, __u32);
} xdpf_src6 SEC(".maps"), xdpf_dst6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_xdpf_list);
} xdpf_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_xdpf_rule);
} xdpf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ws_xdpf_counters);
} xdpf_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct ws_xdpf_rl_key);
	__type(value, struct ws_xdpf_bucket);
} xdpf_rl SEC(".maps");

/* The part of a frame's walk that changes from step to step, per CPU (see
 * struct walk). */
struct scratch {
	__u32 i[3]; /* next position in the src, dst and wildcard list */
	__u32 pad;
	__u64 now;  /* 0 until a rate limit needs the clock */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} xdpf_tmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WS_XDPF_XSKS);
	__type(key, __u32);
	__type(value, __u32);
} xdpf_xsks SEC(".maps");

/* The fields the rules look at (struct ws_filter_key's meaning); addresses
 * as two words of the packet's bytes, IPv4 in the first 4 bytes. */
struct pkey {
	__u8 family, proto, has_l4, tcp_flags;
	__u16 sport, dport;
	__u16 l3_len;
	__u16 pad;
	__u32 frame_len;
	__u64 src[2], dst[2];
};

/*
 * The state of one frame's walk over the merged lists (bpf_loop's context).
 * The list positions and the clock live in a per-CPU map value, not here: the
 * verifier knows nothing of a map value's contents, so every step looks the
 * same to it and the step is verified a few times, not once per combination
 * of positions (0, 1, 2, ... in each list), as it would be with constants on
 * the stack. For the same reason every list pointer is a valid list (an
 * empty one when the trie had no match): no NULL/non-NULL combinations.
 */
struct walk {
	struct pkey k;
	const struct ws_xdpf_config *cfg;
	const struct ws_xdpf_list *ls, *ld, *lw;
	struct scratch *s;
	__u32 verdict; /* V_* */
};

static __always_inline __u32 be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

/* Rule r's counters on this CPU (layout in xdp_filter_abi.h); NULL on a CPU
 * the loader made no row for (none: it counts the possible CPUs). */
static __always_inline struct ws_xdpf_counters *counters(const struct ws_xdpf_config *cfg, __u32 r)
{
	__u32 cpu = bpf_get_smp_processor_id(), i;

	if (cpu >= cfg->ncpus)
		return NULL;
	i = cpu * cfg->ctr_row + r;
	return bpf_map_lookup_elem(&xdpf_ctr, &i);
}

static __always_inline int is_ext(__u32 proto)
{
	return proto == 0 || proto == 43 || proto == 44 || proto == 60;
}

/* Step 1: the key of the frame, as ws_filter_key_from_frame (family 0 for
 * anything that is not IPv4/IPv6 with its header inside the frame; k must
 * come zeroed). Every "does X fit in len - off" test of the reference is a
 * pointer comparison with data_end here.
 *
 * A global function on purpose: the verifier checks it once on its own, and
 * the caller then sees *k as unknown values. Inlined, every parse path
 * (VLAN tags x families x extension headers x protocols) would carry its
 * own constants into the walk below and be verified through it separately. */
__attribute__((noinline)) int ws_xdpf_parse(struct xdp_md *ctx, struct pkey *k)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const __u8 *p = data;
	__u32 off = ETH_HLEN, l4, proto, et;

	if (!k || data + ETH_HLEN > end)
		return 0;
	et = be16(p + 12);
#pragma unroll
	for (int t = 0; t < 2; t++) {
		if (et != 0x8100 && et != 0x88a8)
			break;
		p = data + off;
		if ((void *)(p + VLAN_HLEN) > end)
			return 0;
		et = be16(p + 2);
		off += VLAN_HLEN;
	}
	p = data + off;
	if (et == 0x0800) {
		__u32 hl;

		if ((void *)(p + IP4_HLEN) > end || p[0] >> 4 != 4 || (p[0] & 0x0f) < 5)
			return 0;
		hl = (p[0] & 0x0fu) * 4u;
		if ((void *)(p + hl) > end)
			return 0;
		k->family = 4;
		k->proto = proto = p[9];
		k->l3_len = (__u16)be16(p + 2);
		__builtin_memcpy(k->src, p + 12, 4);
		__builtin_memcpy(k->dst, p + 16, 4);
		if (be16(p + 6) & 0x1fff)
			return 0; /* a later fragment: no L4 header */
		l4 = off + hl;
	} else if (et == 0x86dd) {
		__u32 pl;

		if ((void *)(p + IP6_HLEN) > end || p[0] >> 4 != 6)
			return 0;
		k->family = 6;
		pl = be16(p + 4);
		k->l3_len = (__u16)(pl > 0xffffu - IP6_HLEN ? 0xffffu : pl + IP6_HLEN);
		__builtin_memcpy(k->src, p + 8, 16);
		__builtin_memcpy(k->dst, p + 24, 16);
		proto = p[6];
		l4 = off + IP6_HLEN;
#pragma unroll
		for (int n = 0; n <= IP6_EXT_MAX; n++) {
			__u32 hl;

			if (!is_ext(proto))
				break;
			/* off <= 22 and each header adds at most 2048 bytes:
			 * l4 stays far below the verifier's packet offset limit */
			p = data + l4;
			if (n == IP6_EXT_MAX || (void *)(p + IP6_EXT_MIN) > end) {
				k->proto = (__u8)proto;
				return 0; /* a ninth header, or one cut off */
			}
			if (proto == 44) {
				hl = IP6_EXT_MIN;
				if (be16(p + 2) & 0xfff8) {
					k->proto = p[0];
					return 0; /* not the first fragment */
				}
			} else {
				hl = (p[1] + 1u) * 8u;
			}
			proto = p[0];
			if ((void *)(p + hl) > end) {
				k->proto = (__u8)proto;
				return 0; /* known protocol, header past the end */
			}
			l4 += hl;
		}
		k->proto = (__u8)proto;
	} else {
		return 0;
	}
	p = data + l4;
	if (proto == 6) {
		if ((void *)(p + 14) > end)
			return 0;
		k->tcp_flags = p[13];
	} else if (proto != 17 && proto != 132) {
		return 0;
	} else if ((void *)(p + 4) > end) {
		return 0;
	}
	k->sport = (__u16)be16(p);
	k->dport = (__u16)be16(p + 2);
	k->has_l4 = 1;
	return 0;
}

static __always_inline int port_ok(const struct pkey *k)
{
	return k->has_l4 && (k->proto == 6 || k->proto == 17 || k->proto == 132);
}

/* The checks a candidate's list did not settle (ws_filter_rule_match's). */
static __always_inline int rule_match(const struct ws_xdpf_rule *c, const struct pkey *k)
{
	__u32 chk = c->check;

	if (!chk)
		return 1;
	if ((chk & WS_XDPF_C_IP) && !k->family)
		return 0;
	if ((chk & WS_XDPF_C_FAMILY) && k->family != c->family)
		return 0;
	if ((chk & WS_XDPF_C_PROTO) && k->proto != c->proto)
		return 0;
	if ((chk & WS_XDPF_C_SPORT) && (!port_ok(k) || k->sport < c->sport_lo || k->sport > c->sport_hi))
		return 0;
	if ((chk & WS_XDPF_C_DPORT) && (!port_ok(k) || k->dport < c->dport_lo || k->dport > c->dport_hi))
		return 0;
	if ((chk & WS_XDPF_C_FLAGS) && (!k->has_l4 || k->proto != 6 || (k->tcp_flags & c->fl_mask) != c->fl_value))
		return 0;
	if ((chk & WS_XDPF_C_LEN) && (k->l3_len < c->len_lo || k->l3_len > c->len_hi))
		return 0;
	if ((chk & WS_XDPF_C_DST) &&
	    ((k->dst[0] & c->dst_mask[0]) != c->dst_val[0] || (k->dst[1] & c->dst_mask[1]) != c->dst_val[1]))
		return 0;
	return 1;
}

/* Is rate-limit rule r within its limit for this frame (tokens taken)? */
static __always_inline int rl_admit(struct walk *w, const struct ws_xdpf_rule *c, __u32 r)
{
	struct ws_xdpf_rl_key rk = { .rule = r };
	struct ws_xdpf_bucket nb, *b;
	__u64 cost = 1;
	int ok;

	if (!w->s->now)
		w->s->now = bpf_ktime_get_ns();
	if (c->rl_flags & WS_XDPF_RL_BYTES)
		cost = w->k.family ? w->k.l3_len : w->k.frame_len;
	if ((c->rl_flags & WS_XDPF_RL_PER_SOURCE) && w->k.family) {
		const __u64 *m = w->k.family == 4 ? c->rl_mask4 : c->rl_mask6;

		rk.family = w->k.family;
		rk.src[0] = w->k.src[0] & m[0];
		rk.src[1] = w->k.src[1] & m[1];
	}
	b = bpf_map_lookup_elem(&xdpf_rl, &rk);
	if (b && b->last_ns) {
		ws_xdpf_refill(c, b, w->s->now);
		if (b->tokens < cost)
			return 0;
		b->tokens -= cost;
		return 1;
	}
	/* a new bucket starts full */
	nb.tokens = c->rl_burst;
	nb.frac = 0;
	nb.last_ns = w->s->now;
	ok = nb.tokens >= cost;
	if (ok)
		nb.tokens -= cost;
	if (b)
		*b = nb;
	else
		bpf_map_update_elem(&xdpf_rl, &rk, &nb, BPF_ANY);
	return ok;
}

/* The head of list l at position i, END past its end. */
static __always_inline __u32 head(const struct ws_xdpf_list *l, __u32 i)
{
	if (i >= l->n || i >= WS_XDPF_MAX_LIST)
		return END;
	return l->rule[i];
}

/* Step 3, one candidate: take the lowest head of the three lists, check it
 * and apply its action. Returns 1 to end the walk (lists done, or a terminal
 * verdict in w->verdict), 0 to go on. */
static long walk_step(__u32 idx, struct walk *w)
{
	struct scratch *s = w->s;
	__u32 a = head(w->ls, s->i[0]), b = head(w->ld, s->i[1]), c = head(w->lw, s->i[2]);
	__u32 r = a < b ? a : b;
	const struct ws_xdpf_rule *ru;
	struct ws_xdpf_counters *ctr;

	(void)idx;
	r = r < c ? r : c;
	if (r == END)
		return 1;
	/* the lists are disjoint: exactly one is at r */
	if (r == a)
		s->i[0]++;
	else if (r == b)
		s->i[1]++;
	else
		s->i[2]++;
	ru = bpf_map_lookup_elem(&xdpf_rules, &r);
	if (!ru || !rule_match(ru, &w->k))
		return 0;
	ctr = counters(w->cfg, r);
	if (ctr) {
		ctr->hits++;
		ctr->bytes += w->k.frame_len;
	}
	switch (ru->action) {
	case ACT_PASS:
		w->verdict = V_PASS;
		return 1;
	case ACT_COUNT:
		return 0;
	case ACT_RATE_LIMIT:
		if (rl_admit(w, ru, r))
			return 0;
		break; /* over the limit: dropped */
	default:
		break;
	}
	if (ctr)
		ctr->drops++;
	w->verdict = V_DROP;
	return 1;
}

/* Step 2, IPv4: the list id of addr (packet bytes) in the multibit trie of
 * level-1 map l1 and block map blk: one array load per level, at most three.
 * A missing entry (none with the loader's maps) is a miss. */
static __always_inline __u32 lookup4(void *l1, void *blk, const __u64 *addr, __u32 miss)
{
	const __u8 *a = (const __u8 *)addr;
	__u32 key = (__u32)a[0] << 8 | a[1], e, *v;

	v = bpf_map_lookup_elem(l1, &key);
	if (!v)
		return miss;
	e = *v;
	if (!(e & WS_XDPF_BLOCK))
		return e;
	key = (e & ~WS_XDPF_BLOCK) * WS_XDPF_BLOCK_SLOTS + a[2];
	v = bpf_map_lookup_elem(blk, &key);
	if (!v)
		return miss;
	e = *v;
	if (!(e & WS_XDPF_BLOCK))
		return e;
	key = (e & ~WS_XDPF_BLOCK) * WS_XDPF_BLOCK_SLOTS + a[3];
	v = bpf_map_lookup_elem(blk, &key);
	return v ? *v : miss;
}

/* Step 2, IPv6: the list id of addr in an LPM trie, miss on a miss. */
static __always_inline __u32 lookup6(void *trie, const __u64 *addr, __u32 miss)
{
	struct ws_xdpf_lpm6_key key = { .prefixlen = 128 };
	__u32 *v;

	__builtin_memcpy(key.addr, addr, 16);
	v = bpf_map_lookup_elem(trie, &key);
	return v ? *v : miss;
}

/* Step 2, a trie's answer id: its list's first rule when that needs no list
 * read (r for a direct entry, END for a miss), else MORE. */
static __always_inline __u32 entry_first(__u32 id, __u32 empty)
{
	if (id & WS_XDPF_DIRECT)
		return id & ~WS_XDPF_DIRECT;
	return id == empty ? END : MORE;
}

/* The list id a trie's answer stands for in the merge. */
static __always_inline __u32 entry_list(__u32 id, const struct ws_xdpf_config *cfg)
{
	return id & WS_XDPF_DIRECT ? cfg->direct_base + (id & ~WS_XDPF_DIRECT) : id;
}

/* Step 4: a frame that goes on, to the stack or its queue's socket. */
static __always_inline int pass_on(struct xdp_md *ctx, const struct ws_xdpf_config *cfg, int decided)
{
	__u32 flags = cfg->flags, next = decided ? WS_XDPF_TAG_DECIDED : cfg->k;
	void *data, *end;
	__u8 *p;
	long act;

	if (!(flags & WS_XDPF_TO_XSK))
		return XDP_PASS;
	if (!(flags & WS_XDPF_TAG))
		return bpf_redirect_map(&xdpf_xsks, ctx->rx_queue_index, XDP_PASS);
	/* XDP keeps XDP_PACKET_HEADROOM in front of every frame, native and
	 * generic: this does not fail; if it did, the stack gets the frame */
	if (bpf_xdp_adjust_head(ctx, -(int)WS_XDPF_TAG_LEN))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	p = data;
	if ((void *)(p + WS_XDPF_TAG_LEN) > end)
		return XDP_PASS;
	p[0] = WS_XDPF_TAG_MAGIC >> 8;
	p[1] = WS_XDPF_TAG_MAGIC & 0xff;
	p[2] = (__u8)(next >> 8);
	p[3] = (__u8)next;
	act = bpf_redirect_map(&xdpf_xsks, ctx->rx_queue_index, XDP_PASS);
	/* no socket on this queue: the stack gets the frame as it came */
	if (act == XDP_PASS)
		bpf_xdp_adjust_head(ctx, (int)WS_XDPF_TAG_LEN);
	return (int)act;
}

SEC("xdp")
int ws_xdp_filter(struct xdp_md *ctx)
{
	__u32 zero = 0, total = 0, tries;
	const struct ws_xdpf_config *cfg = bpf_map_lookup_elem(&xdpf_cfg, &zero);
	struct ws_xdpf_counters *ctr;
	struct walk w = {};

	if (!cfg)
		return XDP_PASS;
	ws_xdpf_parse(ctx, &w.k);
	w.k.frame_len = (__u32)bpf_xdp_get_buff_len(ctx);
	tries = cfg->tries;
	if (cfg->k) {
		__u32 empty = cfg->empty, sid = empty, did = empty, wid = cfg->wild, fs, fd;

		if (w.k.family == 4) {
			if (tries & WS_XDPF_T_SRC4)
				sid = lookup4(&xdpf_l1_src4, &xdpf_blk_src4, w.k.src, empty);
			if (tries & WS_XDPF_T_DST4)
				did = lookup4(&xdpf_l1_dst4, &xdpf_blk_dst4, w.k.dst, empty);
		} else if (w.k.family == 6) {
			if (tries & WS_XDPF_T_SRC6)
				sid = lookup6(&xdpf_src6, w.k.src, empty);
			if (tries & WS_XDPF_T_DST6)
				did = lookup6(&xdpf_dst6, w.k.dst, empty);
		}
		/* the direct cases: no list to read (see xdp_filter_abi.h) */
		fs = entry_first(sid, empty);
		fd = entry_first(did, empty);
		if (fs != MORE && fd != MORE) {
			__u32 r = fs < fd ? fs : fd;

			if (r < cfg->wild_first) {
				/* r != END: a direct drop comes first */
				ctr = counters(cfg, r);
				if (ctr) {
					ctr->hits++;
					ctr->bytes += w.k.frame_len;
					ctr->drops++;
				}
				w.verdict = V_DROP;
				goto decided;
			}
			if (r == END && cfg->wild_first == END)
				goto decided; /* no candidate at all */
		}
		sid = entry_list(sid, cfg);
		did = entry_list(did, cfg);
		/* none of these fails with the loader's maps */
		w.s = bpf_map_lookup_elem(&xdpf_tmp, &zero);
		w.ls = bpf_map_lookup_elem(&xdpf_lists, &sid);
		w.ld = bpf_map_lookup_elem(&xdpf_lists, &did);
		w.lw = bpf_map_lookup_elem(&xdpf_lists, &wid);
		if (!w.s || !w.ls || !w.ld || !w.lw)
			return XDP_PASS;
		w.cfg = cfg;
		w.s->i[0] = w.s->i[1] = w.s->i[2] = 0;
		w.s->now = 0;
		/* each step takes one candidate; at most MAX_LIST per list */
		total = w.ls->n + w.ld->n + w.lw->n;
		if (total > 3 * WS_XDPF_MAX_LIST)
			total = 3 * WS_XDPF_MAX_LIST;
		if (total)
			bpf_loop(total, walk_step, &w, 0);
	}
decided:
	if (w.verdict == V_DROP)
		return cfg->flags & WS_XDPF_DRY_RUN ? pass_on(ctx, cfg, 1) : XDP_DROP;
	if (w.verdict == V_PASS)
		return pass_on(ctx, cfg, 1);
	/* no terminal rule below k: the default (k == n) or undecided */
	ctr = counters(cfg, cfg->k);
	if (ctr) {
		ctr->hits++;
		ctr->bytes += w.k.frame_len;
	}
	if (cfg->k != cfg->n)
		return pass_on(ctx, cfg, 0);
	if (cfg->default_action == ACT_DROP) {
		if (ctr)
			ctr->drops++;
		if (!(cfg->flags & WS_XDPF_DRY_RUN))
			return XDP_DROP;
	}
	return pass_on(ctx, cfg, 1);
}

char _license[] SEC("license") = "Dual BSD/GPL";
