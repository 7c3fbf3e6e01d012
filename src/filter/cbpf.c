/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cbpf.c: tcpdump expressions compiled by libpcap and run by our engines
 * (lanes, threaded; see cbpf.h), which answer as libpcap 1.10's bpf_filter().
 *
 * Why the lanes are exact. The translation executes the program symbolically
 * from its first instruction, tracking what A and X hold as functions of the
 * frame, and turns each conditional jump into a test of one frame field
 * against a range of values (a block that pcap's optimiser shares between
 * paths where A differs becomes one test per path); the tests and where
 * their outcomes lead form a DAG. On the way it records how far every load of
 * every reachable path reads: `need` bytes from the frame start and, after
 * each `ldx 4*([k]&0xf)`, ind_end bytes from where X points. ws_cbpf_match
 * checks those once per frame; a frame that passes can fail no load on any
 * path, so bpf_filter's answer is decided by the jumps alone, which the DAG
 * reproduces, and the lanes evaluate every test of the DAG and look up where
 * their outcomes lead. A frame that does not pass is run by the threaded
 * interpreter, which has bpf_filter's check at every load.
 *
 * Builds on its own with libpcap and the C library (the fuzz target links
 * only this file), hence one file over the usual 600 lines.
 */
#include "filter/cbpf.h"

#include <immintrin.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lanes engine needs SSSE3 (pshufb) and SSE4.1 (pminud): part of the
 * project's x86-64-v2 floor, so inlined there; a build without them (the
 * fuzz target's plain clang) compiles it for them and asks the CPU. */
#if defined(__SSE4_1__) && defined(__SSSE3__)
#define LANES_TARGET
#define LANES_CPU_OK() true
#else
#define LANES_TARGET __attribute__((target("ssse3,sse4.1")))
#define LANES_CPU_OK() (__builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1"))
#endif
/* Where the CPU has AVX-512 (F and BW, for vpshufb on 64 bytes), all 16 lanes
 * are one register: every lanes program costs about what one group costs.
 * Chosen at compile time (ws_cbpf_compile), unless WS_CBPF_NO_AVX512 is set. */
#define WIDE_TARGET __attribute__((target("avx512f,avx512bw")))
#define WIDE_CPU_OK() (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))

/* A frame whose program has made this many backward jumps (pcap_compile's
 * `protochain` loops, one per IPv6 extension header) and wants one more is
 * rejected, as newer libpcap does (its MAX_BACKWARD_JUMPS, 64). 1.10.3 has
 * no bound, and its protochain code loops forever on some frames (libpcap
 * issue #1521; an AH header can send X back to where it was), which the data
 * path must never do. So for protochain we differ from 1.10.3 only on frames
 * that need more than 64 extension headers, or on which it never returns. */
#define CBPF_MAX_BACKWARD_JUMPS 64u

/* Larger programs (thousands of instructions: long host lists) only run
 * threaded: the translation recurses once per test on a path. */
#define DAG_MAX_INSNS 4096u
/* Tests of a DAG as translated, before ranges are merged (dag_merge): more
 * could not end up within LANES_MAX_TESTS. */
#define DAG_MAX_TESTS 128u
/* Distinct `ldx 4*([k]&0xf)` offsets a DAG may use (IPv4 after Ethernet,
 * after one or two VLAN tags...). */
#define DAG_SLOTS 4u
/* Where a test's field is: slot 0 the frame, 1..DAG_SLOTS from where X
 * points after each ldx msh, DAG_LEN_SLOT the frame length. */
#define DAG_LEN_SLOT (DAG_SLOTS + 1u)
/* Offsets beyond this make the translation give up (pcap never emits them). */
#define DAG_MAX_OFF (1u << 30)
/* DAG terminals: any index >= the test count ends a path. */
#define DAG_REJECT (UINT32_MAX - 1u)
#define DAG_ACCEPT UINT32_MAX

/* Up to this many tests the lanes engine runs: all evaluated at once, four
 * per SSE register or all in one AVX-512 register, the answer looked up in a
 * table of 2^n bits (8 KiB). Beyond, the program runs threaded. */
#define LANES_MAX_TESTS 16u
/* 16-byte windows of the frame the lanes engine loads. */
#define LANES_MAX_CHUNKS 6u

/* A test of the DAG: lo <= (field & mask) <= lo + span, where the field is
 * size bytes (big-endian) at off in slot (DAG_LEN_SLOT, size 4: the frame
 * length). Ranges express jeq (span 0), jgt, jge and jset (mask &= k, lo 1)
 * alike, and the pairs pcap emits for a range merge into one. */
struct dag_test {
	uint32_t slot, off, size;
	uint32_t mask, lo, span;
	uint32_t jt, jf; /* next test, or DAG_REJECT / DAG_ACCEPT */
};

/*
 * The lanes engine: every test of the DAG evaluated for every frame. The
 * bytes the tests read are loaded as a few 16-byte windows (chunks); for each
 * group of 4 tests, pshufb moves each field's bytes from its chunk into the
 * test's 32-bit lane (most significant byte highest, so the lane holds the
 * field's value), then the lanes are masked and range-checked at once,
 * giving bit i = test i held. table[] holds the program's answer for every
 * combination of those bits. No step waits for another, no branch depends on
 * the frame.
 */
struct lanes {
	/* per lane (test), native byte order; the SSE engine takes group g's
	 * 16 bytes at 16 * g, the AVX-512 one all 64 */
	_Alignas(64) uint8_t mask[64];
	_Alignas(64) uint8_t lo[64];
	_Alignas(64) uint8_t span[64];
	_Alignas(64) uint8_t idx[LANES_MAX_CHUNKS][64]; /* pshufb indices per chunk; 0x80: none */
	uint32_t ngroups, nchunks;
	uint32_t chunk_slot[LANES_MAX_CHUNKS]; /* base[] slot of each chunk... */
	uint32_t chunk_off[LANES_MAX_CHUNKS];  /* ...and its offset there */
	uint32_t chunk_xmask[LANES_MAX_CHUNKS]; /* one ldx msh: ~0 for chunks after it */
	bool uses_len; /* the last chunk is the frame length, not frame bytes */
	bool wide;     /* run by the AVX-512 engine */
	uint64_t table[];
};

/* One pre-decoded instruction of the threaded interpreter. A fused op (load,
 * optional and, conditional jump) holds the load in off/mask (and xoff for a
 * fused ldx msh) and the jump's constant in k; straight-line ops go on at jt. */
struct top {
	const void *h; /* handler (label address) */
	const struct top *jt, *jf;
	uint32_t k, off, mask, xoff;
};

typedef bool match_fn(const struct ws_cbpf *prog, const uint8_t *frame, uint32_t len);
typedef uint64_t bulk_fn(const struct ws_cbpf *prog, const uint8_t *const *frames, const uint32_t *lens, uint32_t n);

struct ws_cbpf {
	/* read on every match */
	match_fn *match;   /* the engine, specialised for the program's shape */
	bulk_fn *bulk;     /* the same over up to 64 frames */
	uint64_t need;     /* shorter frames run threaded; 2^32: all of them */
	const struct lanes *lanes;
	uint32_t nslots;                /* ldx msh offsets of the DAG... */
	uint32_t xoff[DAG_SLOTS];
	uint32_t ind_end[DAG_SLOTS];    /* ...and how far the reads after each go */
	uint32_t entry;                 /* a DAG without tests: its terminal */
	uint32_t ntests;                /* tests of the DAG */
	bool dag;                       /* the DAG was built */
	bool uses_mem;                  /* the threaded program reads M[] */
	struct top *ops;                /* the threaded interpreter's program */
	/* the program itself */
	struct bpf_insn *insns;
	uint32_t ninsns;
};

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline uint32_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

/* ---- the threaded interpreter ------------------------------------------ */

/* Fused ops come in groups of 4, one per jump kind: jeq, jgt, jge, jset. */
enum {
	OP_RET_K, OP_RET_A,
	OP_LD_W_ABS, OP_LD_H_ABS, OP_LD_B_ABS, OP_LD_W_IND, OP_LD_H_IND, OP_LD_B_IND,
	OP_LD_LEN, OP_LDX_LEN, OP_LDX_MSH, OP_LD_IMM, OP_LDX_IMM, OP_LD_MEM, OP_LDX_MEM, OP_ST, OP_STX,
	OP_JA, OP_JA_BACK, OP_JEQ_K, OP_JGT_K, OP_JGE_K, OP_JSET_K, OP_JEQ_X, OP_JGT_X, OP_JGE_X, OP_JSET_X,
	OP_ADD_K, OP_SUB_K, OP_MUL_K, OP_DIV_K, OP_MOD_K, OP_AND_K, OP_OR_K, OP_XOR_K, OP_LSH_K, OP_RSH_K,
	OP_ADD_X, OP_SUB_X, OP_MUL_X, OP_DIV_X, OP_MOD_X, OP_AND_X, OP_OR_X, OP_XOR_X, OP_LSH_X, OP_RSH_X,
	OP_NEG, OP_TAX, OP_TXA,
	OP_F_ABS_B, OP_F_ABS_H = OP_F_ABS_B + 4, OP_F_ABS_W = OP_F_ABS_H + 4,
	OP_F_IND_B = OP_F_ABS_W + 4, OP_F_IND_H = OP_F_IND_B + 4, OP_F_IND_W = OP_F_IND_H + 4,
	OP_F_MSH_B = OP_F_IND_W + 4, OP_F_MSH_H = OP_F_MSH_B + 4, OP_F_MSH_W = OP_F_MSH_H + 4,
	OP_F_LEN = OP_F_MSH_W + 4,
	OP_COUNT = OP_F_LEN + 4
};

/*
 * Runs p's threaded program on the frame; returns what bpf_filter returns.
 * Called with labels_out != NULL (and nothing else), it only hands out its
 * label table, which the translation stores in the ops. The bounds checks are
 * bpf_filter's, computed in 64 bits so that they cannot wrap.
 */
static uint32_t threaded_run(const struct ws_cbpf *p, const uint8_t *f, uint32_t len,
			     const void *const **labels_out)
{
#define L4(n) [n] = &&n##_0, [n + 1] = &&n##_1, [n + 2] = &&n##_2, [n + 3] = &&n##_3
#define L1(n) [n] = &&n
	static const void *const labels[OP_COUNT] = {
		L1(OP_RET_K), L1(OP_RET_A), L1(OP_LD_W_ABS), L1(OP_LD_H_ABS), L1(OP_LD_B_ABS),
		L1(OP_LD_W_IND), L1(OP_LD_H_IND), L1(OP_LD_B_IND), L1(OP_LD_LEN), L1(OP_LDX_LEN),
		L1(OP_LDX_MSH), L1(OP_LD_IMM), L1(OP_LDX_IMM), L1(OP_LD_MEM), L1(OP_LDX_MEM), L1(OP_ST),
		L1(OP_STX), L1(OP_JA), L1(OP_JA_BACK), L1(OP_JEQ_K), L1(OP_JGT_K), L1(OP_JGE_K), L1(OP_JSET_K),
		L1(OP_JEQ_X), L1(OP_JGT_X), L1(OP_JGE_X), L1(OP_JSET_X),
		L1(OP_ADD_K), L1(OP_SUB_K), L1(OP_MUL_K), L1(OP_DIV_K), L1(OP_MOD_K), L1(OP_AND_K),
		L1(OP_OR_K), L1(OP_XOR_K), L1(OP_LSH_K), L1(OP_RSH_K),
		L1(OP_ADD_X), L1(OP_SUB_X), L1(OP_MUL_X), L1(OP_DIV_X), L1(OP_MOD_X), L1(OP_AND_X),
		L1(OP_OR_X), L1(OP_XOR_X), L1(OP_LSH_X), L1(OP_RSH_X),
		L1(OP_NEG), L1(OP_TAX), L1(OP_TXA),
		L4(OP_F_ABS_B), L4(OP_F_ABS_H), L4(OP_F_ABS_W), L4(OP_F_IND_B), L4(OP_F_IND_H),
		L4(OP_F_IND_W), L4(OP_F_MSH_B), L4(OP_F_MSH_H), L4(OP_F_MSH_W), L4(OP_F_LEN),
	};
#undef L1
#undef L4
	uint32_t A = 0, X = 0, mem[BPF_MEMWORDS], back = 0;
	const struct top *op;

	if (__builtin_expect(labels_out != NULL, 0)) {
		*labels_out = labels;
		return 0;
	}
	/* libpcap leaves M[] undefined; pcap_compile never reads a word before
	 * storing it, and zeroes make any other program deterministic. */
	if (p->uses_mem)
		memset(mem, 0, sizeof(mem));
	op = p->ops;
	goto *op->h;

#define NEXT()                                                                                          \
	do {                                                                                            \
		op = op->jt;                                                                            \
		goto *op->h;                                                                            \
	} while (0)
#define JUMP(c)                                                                                         \
	do {                                                                                            \
		op = (c) ? op->jt : op->jf;                                                             \
		goto *op->h;                                                                            \
	} while (0)
/* the four jump kinds after the same load */
#define FUSED(name, LOAD)                                                                               \
	name##_0 : LOAD; JUMP(A == op->k);                                                              \
	name##_1 : LOAD; JUMP(A > op->k);                                                               \
	name##_2 : LOAD; JUMP(A >= op->k);                                                              \
	name##_3 : LOAD; JUMP(A & op->k);
/* A = the bytes at o (a 64-bit offset), or return 0 when they are not all there */
#define LOADW(o) do { if ((o) + 4 > len) return 0; A = rd32(f + (o)); } while (0)
#define LOADH(o) do { if ((o) + 2 > len) return 0; A = rd16(f + (o)); } while (0)
#define LOADB(o) do { if ((o) + 1 > len) return 0; A = f[o]; } while (0)
#define MSH(o) do { if ((o) >= len) return 0; X = (f[o] & 0xfu) << 2; } while (0)
#define IND(o) ((uint64_t)X + (o))

OP_RET_K: return op->k;
OP_RET_A: return A;
OP_LD_W_ABS: LOADW((uint64_t)op->k); NEXT();
OP_LD_H_ABS: LOADH((uint64_t)op->k); NEXT();
OP_LD_B_ABS: LOADB((uint64_t)op->k); NEXT();
OP_LD_W_IND: LOADW(IND(op->k)); NEXT();
OP_LD_H_IND: LOADH(IND(op->k)); NEXT();
OP_LD_B_IND: LOADB(IND(op->k)); NEXT();
OP_LD_LEN: A = len; NEXT();
OP_LDX_LEN: X = len; NEXT();
OP_LDX_MSH: MSH(op->k); NEXT();
OP_LD_IMM: A = op->k; NEXT();
OP_LDX_IMM: X = op->k; NEXT();
OP_LD_MEM: A = mem[op->k]; NEXT();
OP_LDX_MEM: X = mem[op->k]; NEXT();
OP_ST: mem[op->k] = A; NEXT();
OP_STX: mem[op->k] = X; NEXT();
OP_JA: NEXT();
OP_JA_BACK:
	if (++back > CBPF_MAX_BACKWARD_JUMPS)
		return 0;
	NEXT();
OP_JEQ_K: JUMP(A == op->k);
OP_JGT_K: JUMP(A > op->k);
OP_JGE_K: JUMP(A >= op->k);
OP_JSET_K: JUMP(A & op->k);
OP_JEQ_X: JUMP(A == X);
OP_JGT_X: JUMP(A > X);
OP_JGE_X: JUMP(A >= X);
OP_JSET_X: JUMP(A & X);
OP_ADD_K: A += op->k; NEXT();
OP_SUB_K: A -= op->k; NEXT();
OP_MUL_K: A *= op->k; NEXT();
OP_DIV_K: A /= op->k; NEXT(); /* k != 0: validate() */
OP_MOD_K: A %= op->k; NEXT();
OP_AND_K: A &= op->k; NEXT();
OP_OR_K: A |= op->k; NEXT();
OP_XOR_K: A ^= op->k; NEXT();
OP_LSH_K: A <<= op->k; NEXT(); /* k < 32: validate() */
OP_RSH_K: A >>= op->k; NEXT();
OP_ADD_X: A += X; NEXT();
OP_SUB_X: A -= X; NEXT();
OP_MUL_X: A *= X; NEXT();
OP_DIV_X: if (X == 0) return 0; A /= X; NEXT();
OP_MOD_X: if (X == 0) return 0; A %= X; NEXT();
OP_AND_X: A &= X; NEXT();
OP_OR_X: A |= X; NEXT();
OP_XOR_X: A ^= X; NEXT();
OP_LSH_X: A = X < 32 ? A << X : 0; NEXT();
OP_RSH_X: A = X < 32 ? A >> X : 0; NEXT();
OP_NEG: A = 0u - A; NEXT();
OP_TAX: X = A; NEXT();
OP_TXA: A = X; NEXT();
	FUSED(OP_F_ABS_B, LOADB((uint64_t)op->off); A &= op->mask)
	FUSED(OP_F_ABS_H, LOADH((uint64_t)op->off); A &= op->mask)
	FUSED(OP_F_ABS_W, LOADW((uint64_t)op->off); A &= op->mask)
	FUSED(OP_F_IND_B, LOADB(IND(op->off)); A &= op->mask)
	FUSED(OP_F_IND_H, LOADH(IND(op->off)); A &= op->mask)
	FUSED(OP_F_IND_W, LOADW(IND(op->off)); A &= op->mask)
	FUSED(OP_F_MSH_B, MSH(op->xoff); LOADB(IND(op->off)); A &= op->mask)
	FUSED(OP_F_MSH_H, MSH(op->xoff); LOADH(IND(op->off)); A &= op->mask)
	FUSED(OP_F_MSH_W, MSH(op->xoff); LOADW(IND(op->off)); A &= op->mask)
	FUSED(OP_F_LEN, A = len & op->mask)
#undef NEXT
#undef JUMP
#undef FUSED
#undef LOADW
#undef LOADH
#undef LOADB
#undef MSH
#undef IND
}

/* The op of one instruction, or -1 for an opcode bpf_filter does not run. */
static int single_op(uint16_t code)
{
	static const struct {
		uint16_t code;
		uint8_t op;
	} map[] = {
		{ BPF_RET | BPF_K, OP_RET_K }, { BPF_RET | BPF_A, OP_RET_A },
		{ BPF_LD | BPF_W | BPF_ABS, OP_LD_W_ABS }, { BPF_LD | BPF_H | BPF_ABS, OP_LD_H_ABS },
		{ BPF_LD | BPF_B | BPF_ABS, OP_LD_B_ABS }, { BPF_LD | BPF_W | BPF_IND, OP_LD_W_IND },
		{ BPF_LD | BPF_H | BPF_IND, OP_LD_H_IND }, { BPF_LD | BPF_B | BPF_IND, OP_LD_B_IND },
		{ BPF_LD | BPF_W | BPF_LEN, OP_LD_LEN }, { BPF_LDX | BPF_W | BPF_LEN, OP_LDX_LEN },
		{ BPF_LDX | BPF_MSH | BPF_B, OP_LDX_MSH }, { BPF_LD | BPF_IMM, OP_LD_IMM },
		{ BPF_LDX | BPF_IMM, OP_LDX_IMM }, { BPF_LD | BPF_MEM, OP_LD_MEM },
		{ BPF_LDX | BPF_MEM, OP_LDX_MEM }, { BPF_ST, OP_ST }, { BPF_STX, OP_STX },
		{ BPF_JMP | BPF_JA, OP_JA },
		{ BPF_JMP | BPF_JEQ | BPF_K, OP_JEQ_K }, { BPF_JMP | BPF_JGT | BPF_K, OP_JGT_K },
		{ BPF_JMP | BPF_JGE | BPF_K, OP_JGE_K }, { BPF_JMP | BPF_JSET | BPF_K, OP_JSET_K },
		{ BPF_JMP | BPF_JEQ | BPF_X, OP_JEQ_X }, { BPF_JMP | BPF_JGT | BPF_X, OP_JGT_X },
		{ BPF_JMP | BPF_JGE | BPF_X, OP_JGE_X }, { BPF_JMP | BPF_JSET | BPF_X, OP_JSET_X },
		{ BPF_ALU | BPF_ADD | BPF_K, OP_ADD_K }, { BPF_ALU | BPF_SUB | BPF_K, OP_SUB_K },
		{ BPF_ALU | BPF_MUL | BPF_K, OP_MUL_K }, { BPF_ALU | BPF_DIV | BPF_K, OP_DIV_K },
		{ BPF_ALU | BPF_MOD | BPF_K, OP_MOD_K }, { BPF_ALU | BPF_AND | BPF_K, OP_AND_K },
		{ BPF_ALU | BPF_OR | BPF_K, OP_OR_K }, { BPF_ALU | BPF_XOR | BPF_K, OP_XOR_K },
		{ BPF_ALU | BPF_LSH | BPF_K, OP_LSH_K }, { BPF_ALU | BPF_RSH | BPF_K, OP_RSH_K },
		{ BPF_ALU | BPF_ADD | BPF_X, OP_ADD_X }, { BPF_ALU | BPF_SUB | BPF_X, OP_SUB_X },
		{ BPF_ALU | BPF_MUL | BPF_X, OP_MUL_X }, { BPF_ALU | BPF_DIV | BPF_X, OP_DIV_X },
		{ BPF_ALU | BPF_MOD | BPF_X, OP_MOD_X }, { BPF_ALU | BPF_AND | BPF_X, OP_AND_X },
		{ BPF_ALU | BPF_OR | BPF_X, OP_OR_X }, { BPF_ALU | BPF_XOR | BPF_X, OP_XOR_X },
		{ BPF_ALU | BPF_LSH | BPF_X, OP_LSH_X }, { BPF_ALU | BPF_RSH | BPF_X, OP_RSH_X },
		{ BPF_ALU | BPF_NEG, OP_NEG }, { BPF_MISC | BPF_TAX, OP_TAX }, { BPF_MISC | BPF_TXA, OP_TXA },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].code == code)
			return map[i].op;
	return -1;
}

/* 0..3 for jeq, jgt, jge, jset with a constant; -1 for anything else. */
static int jump_kind(uint16_t code)
{
	switch (code) {
	case BPF_JMP | BPF_JEQ | BPF_K: return 0;
	case BPF_JMP | BPF_JGT | BPF_K: return 1;
	case BPF_JMP | BPF_JGE | BPF_K: return 2;
	case BPF_JMP | BPF_JSET | BPF_K: return 3;
	default: return -1;
	}
}

static int size_index(uint16_t code)
{
	return BPF_SIZE(code) == BPF_B ? 0 : BPF_SIZE(code) == BPF_H ? 1 : 2;
}

/*
 * One op per instruction; where an instruction starts a pcap pattern (ld,
 * optional `and #k`, jcc #k; ldx msh, ld [x+k], jcc #k; ld len, jcc #k) its op
 * does the whole pattern. The instructions inside the pattern keep their own
 * ops, so that a jump into the middle of a pattern still lands on the right
 * code: fusing never changes what runs, only how many dispatches it takes.
 */
static void threaded_translate(struct ws_cbpf *c, const void *const *lab)
{
	const struct bpf_insn *in = c->insns;
	uint32_t n = c->ninsns;

	for (uint32_t i = 0; i < n; i++) {
		struct top *o = &c->ops[i];
		const struct bpf_insn *a = &in[i];
		uint16_t mode = BPF_MODE(a->code);
		uint32_t j = i, mask = UINT32_MAX;
		int kind = -1, base = -1;

		if (a->code == (BPF_LDX | BPF_MSH | BPF_B) && i + 2 < n && BPF_CLASS(in[i + 1].code) == BPF_LD &&
		    BPF_MODE(in[i + 1].code) == BPF_IND && (kind = jump_kind(in[i + 2].code)) >= 0) {
			base = OP_F_MSH_B + 4 * size_index(in[i + 1].code);
			o->xoff = a->k;
			o->off = in[i + 1].k;
			j = i + 2;
		} else if (BPF_CLASS(a->code) == BPF_LD && (mode == BPF_ABS || mode == BPF_IND) && i + 1 < n) {
			uint32_t t = i + 1;

			if (t + 1 < n && in[t].code == (BPF_ALU | BPF_AND | BPF_K))
				mask = in[t++].k;
			if ((kind = jump_kind(in[t].code)) >= 0) {
				base = (mode == BPF_ABS ? OP_F_ABS_B : OP_F_IND_B) + 4 * size_index(a->code);
				o->off = a->k;
				j = t;
			}
		} else if (a->code == (BPF_LD | BPF_W | BPF_LEN) && i + 1 < n &&
			   (kind = jump_kind(in[i + 1].code)) >= 0) {
			base = OP_F_LEN;
			j = i + 1;
		}
		if (base >= 0) {
			o->h = lab[base + kind];
			o->mask = mask;
			o->k = in[j].k;
			o->jt = &c->ops[j + 1 + in[j].jt];
			o->jf = &c->ops[j + 1 + in[j].jf];
			continue;
		}
		o->k = a->k;
		if (a->code == (BPF_JMP | BPF_JA)) {
			o->h = lab[(int32_t)a->k < 0 ? OP_JA_BACK : OP_JA];
			o->jt = &c->ops[(int64_t)i + 1 + (int32_t)a->k];
			continue;
		}
		o->h = lab[single_op(a->code)];
		if (BPF_CLASS(a->code) == BPF_JMP) {
			o->jt = &c->ops[i + 1 + a->jt];
			o->jf = &c->ops[i + 1 + a->jf];
		} else if (BPF_CLASS(a->code) != BPF_RET) {
			o->jt = &c->ops[i + 1];
		}
	}
}

/* ---- the DAG: translation by symbolic execution ------------------------ */

enum { SYM_CONST, SYM_LOAD, SYM_LEN };

/* What A and X hold as functions of the frame. A: a constant, the frame
 * length, or size bytes at off (from the frame start for slot 0, from where
 * X points after ldx msh slot s otherwise), ANDed with mask. X: a constant
 * (xslot 0) or what ldx msh slot xslot loaded. No padding: compared with
 * memcmp, and the fields a kind does not use are kept 0. */
struct sym_state {
	uint8_t kind;
	uint8_t size;
	uint8_t slot;
	uint8_t xslot;
	uint32_t off;
	uint32_t val; /* SYM_CONST: the value; else the AND mask */
	uint32_t x;   /* X when xslot == 0 */
};

struct memo {
	uint32_t next; /* index + 1 of the next entry for the same instruction */
	uint32_t result;
	struct sym_state st;
};

struct dag_build {
	const struct bpf_insn *in;
	struct dag_test *tests;
	uint32_t ntests;
	struct memo *memo;
	uint32_t nmemo;
	uint32_t *head; /* per instruction: index + 1 of its first memo entry */
	uint64_t need;
	uint32_t nslots, xoff[DAG_SLOTS], ind_end[DAG_SLOTS];
	bool fail; /* the DAG cannot express the program */
};

static void need_at_least(struct dag_build *b, uint64_t end)
{
	if (end > b->need)
		b->need = end;
}

static uint32_t dag_block(struct dag_build *b, uint32_t i, struct sym_state st);

/* bpf_filter's ALU on constants; false when it makes the program return 0. */
static bool alu_const(uint16_t op, uint32_t *a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: *a += v; break;
	case BPF_SUB: *a -= v; break;
	case BPF_MUL: *a *= v; break;
	case BPF_DIV: if (v == 0) return false; *a /= v; break;
	case BPF_MOD: if (v == 0) return false; *a %= v; break;
	case BPF_AND: *a &= v; break;
	case BPF_OR: *a |= v; break;
	case BPF_XOR: *a ^= v; break;
	case BPF_LSH: *a = v < 32 ? *a << v : 0; break;
	case BPF_RSH: *a = v < 32 ? *a >> v : 0; break;
	case BPF_NEG: *a = 0u - *a; break;
	}
	return true;
}

static bool jump_holds(int kind, uint32_t a, uint32_t k)
{
	return kind == 0 ? a == k : kind == 1 ? a > k : kind == 2 ? a >= k : (a & k) != 0;
}

/*
 * The DAG for the conditional jump (kind, k) at instruction i (the RET A at
 * i when ret_a: taken means accept), with state st: a terminal when the
 * outcome is known at compile time, else a new test. Memoised on (i, st):
 * a block reached twice with the same state is translated once.
 */
static uint32_t dag_jump(struct dag_build *b, uint32_t i, const struct sym_state *st, int kind, uint32_t k,
			 bool ret_a)
{
	const struct bpf_insn *p = &b->in[i];
	uint32_t r, mask = st->val, lo = 0, hi = 0;
	int fold = -1; /* 1: always taken, 0: never, -1: depends on the frame */

	for (uint32_t e = b->head[i]; e; e = b->memo[e - 1].next)
		if (!memcmp(&b->memo[e - 1].st, st, sizeof(*st)))
			return b->memo[e - 1].result;
	if (st->kind == SYM_CONST) {
		fold = jump_holds(kind, st->val, k);
	} else {
		if (st->kind == SYM_LOAD && st->size < 4)
			mask &= st->size == 1 ? 0xffu : 0xffffu;
		/* lo <= (v & mask) <= hi, hi <= mask */
		switch (kind) {
		case 0: lo = hi = k; fold = (k & ~mask) ? 0 : -1; break;
		case 1: lo = k + 1; hi = mask; fold = k >= mask ? 0 : -1; break;
		case 2: lo = k; hi = mask; fold = k > mask ? 0 : k == 0 ? 1 : -1; break;
		default: mask &= k; lo = 1; hi = mask; fold = mask ? -1 : 0; break;
		}
	}
	if (fold < 0) {
		if (b->ntests == DAG_MAX_TESTS) {
			b->fail = true;
			return DAG_REJECT;
		}
		r = b->ntests++;
		if (st->kind == SYM_LEN)
			b->tests[r] = (struct dag_test){ .slot = DAG_LEN_SLOT, .size = 4 };
		else
			b->tests[r] = (struct dag_test){ .slot = st->slot, .off = st->off, .size = st->size };
		b->tests[r].mask = mask;
		b->tests[r].lo = lo;
		b->tests[r].span = hi - lo;
	} else if (ret_a) {
		r = fold ? DAG_ACCEPT : DAG_REJECT;
	} else {
		r = dag_block(b, i + 1 + (fold ? p->jt : p->jf), *st);
	}
	if (b->nmemo == 2 * DAG_MAX_TESTS) {
		b->fail = true;
		return DAG_REJECT;
	}
	b->memo[b->nmemo] = (struct memo){ .next = b->head[i], .result = r, .st = *st };
	b->head[i] = ++b->nmemo;
	if (fold < 0) {
		uint32_t t = ret_a ? DAG_ACCEPT : dag_block(b, i + 1 + p->jt, *st);
		uint32_t f = ret_a ? DAG_REJECT : dag_block(b, i + 1 + p->jf, *st);

		b->tests[r].jt = t;
		b->tests[r].jf = f;
	}
	return r;
}

static void sym_set_a(struct sym_state *st, uint8_t kind, uint8_t size, uint8_t slot, uint32_t off, uint32_t val)
{
	st->kind = kind;
	st->size = size;
	st->slot = slot;
	st->off = off;
	st->val = val;
}

/* Runs instructions from i with state st to the block's jump or ret; returns
 * the DAG from there (sets b->fail when the program does not fit). */
static uint32_t dag_block(struct dag_build *b, uint32_t i, struct sym_state st)
{
	for (; !b->fail; i++) {
		const struct bpf_insn *p = &b->in[i];
		uint32_t size = BPF_SIZE(p->code) == BPF_W ? 4 : BPF_SIZE(p->code) == BPF_H ? 2 : 1;
		uint32_t v = BPF_SRC(p->code) == BPF_X ? st.x : p->k; /* operand, when X is known */
		bool x_unknown = BPF_SRC(p->code) == BPF_X && st.xslot;
		int kind;

		switch (p->code) {
		case BPF_RET | BPF_K:
			return p->k ? DAG_ACCEPT : DAG_REJECT;
		case BPF_RET | BPF_A:
			return dag_jump(b, i, &st, 3, UINT32_MAX, true);
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND: {
			uint64_t off = p->k;
			uint8_t slot = 0;

			if (BPF_MODE(p->code) == BPF_IND) {
				if (st.xslot)
					slot = st.xslot;
				else
					off += st.x; /* [x + k] with x known is [x + k] */
			}
			if (off + size > DAG_MAX_OFF) {
				b->fail = true;
				break;
			}
			if (slot && off + size > b->ind_end[slot - 1])
				b->ind_end[slot - 1] = (uint32_t)(off + size);
			else if (!slot)
				need_at_least(b, off + size);
			sym_set_a(&st, SYM_LOAD, (uint8_t)size, slot, (uint32_t)off, UINT32_MAX);
			break;
		}
		case BPF_LD | BPF_W | BPF_LEN:
			sym_set_a(&st, SYM_LEN, 0, 0, 0, UINT32_MAX);
			break;
		case BPF_LD | BPF_IMM:
			sym_set_a(&st, SYM_CONST, 0, 0, 0, p->k);
			break;
		case BPF_LDX | BPF_IMM:
			st.xslot = 0;
			st.x = p->k;
			break;
		case BPF_LDX | BPF_MSH | BPF_B: {
			uint32_t s = 0;

			while (s < b->nslots && b->xoff[s] != p->k)
				s++;
			if (s == DAG_SLOTS || p->k >= DAG_MAX_OFF) {
				b->fail = true;
				break;
			}
			if (s == b->nslots)
				b->xoff[b->nslots++] = p->k;
			need_at_least(b, (uint64_t)p->k + 1);
			st.xslot = (uint8_t)(s + 1);
			st.x = 0;
			break;
		}
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_AND | BPF_X:
			/* a load's mask, or a constant */
			if (x_unknown)
				b->fail = true;
			st.val &= v;
			break;
		case BPF_MISC | BPF_TAX:
			if (st.kind != SYM_CONST)
				b->fail = true;
			st.xslot = 0;
			st.x = st.val;
			break;
		case BPF_MISC | BPF_TXA:
			if (st.xslot)
				b->fail = true;
			sym_set_a(&st, SYM_CONST, 0, 0, 0, st.x);
			break;
		case BPF_JMP | BPF_JA:
			if ((int32_t)p->k < 0)
				b->fail = true; /* a loop: threaded only */
			i += p->k;
			break;
		default:
			if (BPF_CLASS(p->code) == BPF_ALU) {
				if (st.kind != SYM_CONST || x_unknown) {
					b->fail = true;
					break;
				}
				if (!alu_const(BPF_OP(p->code), &st.val, v))
					return DAG_REJECT; /* division by zero */
				break;
			}
			kind = BPF_CLASS(p->code) == BPF_JMP ? jump_kind((uint16_t)(p->code & ~BPF_X)) : -1;
			if (kind < 0 || x_unknown) {
				b->fail = true; /* scratch memory, ldx len, a jump on a loaded X */
				break;
			}
			return dag_jump(b, i, &st, kind, v, false);
		}
	}
	return DAG_REJECT;
}

/* The range [*lo, *hi] of values test t passes on side `pass` (1: the
 * test holds, 0: it fails); false when the values that fail are not one
 * range (the test's range is inside the field's, touching neither end). */
static bool side_range(const struct dag_test *t, bool pass, uint32_t *lo, uint32_t *hi)
{
	uint32_t tlo = t->lo, thi = t->lo + t->span;

	if (pass) {
		*lo = tlo, *hi = thi;
	} else if (tlo == 0 && thi < t->mask) {
		*lo = thi + 1, *hi = t->mask;
	} else if (thi == t->mask && tlo > 0) {
		*lo = 0, *hi = tlo - 1;
	} else {
		return false;
	}
	return true;
}

/*
 * Merges a test with the test it leads to when both look at the same field
 * and the result is one range: pcap makes `portrange a-b` into jge a, jgt b
 * (two tests of the same port) and `len < n or ...` into similar pairs. Test
 * i sends values in R1 to test m (the other side to o); m sends R2 to y, the
 * rest to z. If z == o, i becomes "R1 and R2 -> y, else o"; if y == o, "R1
 * but not R2 -> z, else o", when that is a range. Each merge moves one edge
 * deeper into the DAG, so it ends. Then the tests no path reaches any more
 * are dropped and the rest renumbered (in the order a path meets them).
 */
static void dag_merge(struct dag_test *t, uint32_t n, uint32_t *entry, uint32_t *nout)
{
	uint32_t map[DAG_MAX_TESTS], order[DAG_MAX_TESTS], stack[2 * DAG_MAX_TESTS + 1], nord = 0, sp = 0;
	struct dag_test copy[DAG_MAX_TESTS];
	bool changed = true;

	while (changed) {
		changed = false;
		for (uint32_t i = 0; i < n; i++) {
			for (int side = 1; side >= 0; side--) {
				uint32_t m = side ? t[i].jt : t[i].jf, o = side ? t[i].jf : t[i].jt;
				uint32_t lo1, hi1, lo2, hi2, lo, hi, next;

				if (m >= n || t[m].slot != t[i].slot || t[m].off != t[i].off ||
				    t[m].size != t[i].size || t[m].mask != t[i].mask ||
				    !side_range(&t[i], side, &lo1, &hi1))
					continue;
				side_range(&t[m], true, &lo2, &hi2);
				if (t[m].jf == o) { /* R1 and R2 */
					lo = lo1 > lo2 ? lo1 : lo2;
					hi = hi1 < hi2 ? hi1 : hi2;
					next = t[m].jt;
				} else if (t[m].jt == o && lo2 > lo1 && lo2 <= hi1 && hi2 >= hi1) { /* R1 below R2 */
					lo = lo1, hi = lo2 - 1;
					next = t[m].jf;
				} else if (t[m].jt == o && hi2 < hi1 && hi2 >= lo1 && lo2 <= lo1) { /* R1 above R2 */
					lo = hi2 + 1, hi = hi1;
					next = t[m].jf;
				} else {
					continue;
				}
				if (lo > hi)
					continue; /* never: left alone (pcap does not make these) */
				t[i].lo = lo;
				t[i].span = hi - lo;
				t[i].jt = next;
				t[i].jf = o;
				changed = true;
				break;
			}
		}
	}
	/* renumber what the entry reaches, depth first */
	memset(map, 0xff, sizeof(map));
	if (*entry < n)
		stack[sp++] = *entry;
	while (sp) {
		uint32_t i = stack[--sp];

		if (map[i] != UINT32_MAX)
			continue;
		map[i] = nord;
		order[nord++] = i;
		if (t[i].jf < n)
			stack[sp++] = t[i].jf;
		if (t[i].jt < n)
			stack[sp++] = t[i].jt;
	}
	memcpy(copy, t, n * sizeof(*t));
	for (uint32_t k = 0; k < nord; k++) {
		t[k] = copy[order[k]];
		if (t[k].jt < n)
			t[k].jt = map[t[k].jt];
		if (t[k].jf < n)
			t[k].jf = map[t[k].jf];
	}
	if (*entry < n)
		*entry = map[*entry];
	*nout = nord;
}

/*
 * Plans the lanes engine for c's tests: covers the bytes they read with
 * 16-byte chunks (greedily from the lowest byte not yet covered, which is
 * optimal for points on a line), each inside what ws_cbpf_match checks
 * before it runs the lanes (the frame's first need bytes, ind_end bytes from
 * where each X points; both raised to 16 if lower), then builds the shuffles,
 * the lane constants and the answer table. NULL when the tests do not fit
 * (then the program runs threaded), with *nomem when that is for want of
 * memory.
 */
static struct lanes *lanes_translate(struct ws_cbpf *c, const struct dag_test *tests, bool *nomem)
{
	uint32_t n = c->ntests;
	uint8_t chunk_of[LANES_MAX_TESTS][4]; /* chunk of each byte of each field */
	size_t words = ((size_t)1 << n) / 64 + 1;
	size_t bytes = (sizeof(struct lanes) + words * sizeof(uint64_t) + 63) / 64 * 64;
	struct lanes *l;

	*nomem = false;
	if (!n || n > LANES_MAX_TESTS || !LANES_CPU_OK())
		return NULL;
	l = aligned_alloc(64, bytes);
	if (!l) {
		*nomem = true;
		return NULL;
	}
	memset(l, 0, bytes);
	memset(chunk_of, 0xff, sizeof(chunk_of));
	for (uint32_t slot = 0; slot <= DAG_LEN_SLOT; slot++) {
		uint32_t limit = slot == 0 ? (uint32_t)c->need : slot == DAG_LEN_SLOT ? 4 : c->ind_end[slot - 1];

		if (limit < 16)
			limit = 16;
		for (;;) {
			uint32_t low = UINT32_MAX, start;

			for (uint32_t t = 0; t < n; t++)
				for (uint32_t q = 0; q < tests[t].size; q++)
					if (tests[t].slot == slot && chunk_of[t][q] == 0xff && tests[t].off + q < low)
						low = tests[t].off + q;
			if (low == UINT32_MAX)
				break;
			if (l->nchunks == LANES_MAX_CHUNKS) {
				free(l);
				return NULL;
			}
			start = low + 16 <= limit ? low : limit - 16;
			for (uint32_t t = 0; t < n; t++)
				for (uint32_t q = 0; q < tests[t].size; q++)
					if (tests[t].slot == slot && tests[t].off + q - start < 16 &&
					    chunk_of[t][q] == 0xff)
						chunk_of[t][q] = (uint8_t)l->nchunks;
			/* the length's chunk comes last: lanes_run loads it from the
			 * frame start (need >= 16) and replaces it by the length */
			if (slot == DAG_LEN_SLOT)
				l->uses_len = true;
			l->chunk_slot[l->nchunks] = slot == DAG_LEN_SLOT ? 0 : slot;
			l->chunk_xmask[l->nchunks] = slot == 1 ? UINT32_MAX : 0;
			l->chunk_off[l->nchunks++] = start;
		}
	}
	l->ngroups = (n + 3) / 4;
	memset(l->idx, 0x80, sizeof(l->idx));
	for (uint32_t t = 0; t < LANES_MAX_TESTS; t++) {
		/* lanes past the last test never hold: 1 <= (x & 0) fails */
		uint32_t mask = 0, lo = 1, span = 0;

		if (t < n) {
			for (uint32_t q = 0; q < tests[t].size; q++) {
				uint32_t ch = chunk_of[t][q];

				/* the field's byte q (big-endian) is its lane's byte size-1-q */
				l->idx[ch][4 * t + tests[t].size - 1 - q] =
					(uint8_t)(tests[t].off + q - l->chunk_off[ch]);
			}
			mask = tests[t].mask;
			lo = tests[t].lo;
			span = tests[t].span;
		}
		memcpy(l->mask + 4 * t, &mask, 4);
		memcpy(l->lo + 4 * t, &lo, 4);
		memcpy(l->span + 4 * t, &span, 4);
	}
	for (uint32_t bits = 0; bits < (1u << n); bits++) {
		uint32_t i = c->entry;

		while (i < n)
			i = (bits >> i) & 1 ? tests[i].jt : tests[i].jf;
		if (i == DAG_ACCEPT)
			l->table[bits / 64] |= (uint64_t)1 << (bits % 64);
	}
	if (c->need < 16)
		c->need = 16;
	for (uint32_t s = 0; s < c->nslots; s++)
		if (c->ind_end[s] < 16)
			c->ind_end[s] = 16;
	/* one group: SSE is as fast (measured: a little faster) */
	l->wide = l->ngroups > 1 && WIDE_CPU_OK() && !getenv("WS_CBPF_NO_AVX512");
	return l;
}

/* Builds c's DAG and, when it fits, its lanes; leaves c->dag false when the
 * program has no DAG. -1 when out of memory. */
static int dag_translate(struct ws_cbpf *c)
{
	struct dag_build b = { .in = c->insns };
	struct sym_state st = { .kind = SYM_CONST };
	uint32_t entry = DAG_REJECT;
	bool nomem = false;

	if (c->ninsns > DAG_MAX_INSNS)
		return 0;
	b.tests = calloc(DAG_MAX_TESTS, sizeof(*b.tests));
	b.memo = calloc(2 * DAG_MAX_TESTS, sizeof(*b.memo));
	b.head = calloc(c->ninsns, sizeof(*b.head));
	if (b.tests && b.memo && b.head) {
		entry = dag_block(&b, 0, st);
		if (!b.fail && b.need <= UINT32_MAX) {
			dag_merge(b.tests, b.ntests, &entry, &c->ntests);
			c->dag = true;
			c->entry = entry;
			c->need = b.need;
			c->nslots = b.nslots;
			memcpy(c->xoff, b.xoff, sizeof(c->xoff));
			memcpy(c->ind_end, b.ind_end, sizeof(c->ind_end));
			c->lanes = lanes_translate(c, b.tests, &nomem);
			if (c->ntests && !c->lanes)
				c->need = (uint64_t)1 << 32; /* too many tests: threaded */
		}
	} else {
		nomem = true;
	}
	free(b.tests);
	free(b.memo);
	free(b.head);
	return nomem ? -1 : 0;
}

/* ---- checking the program ----------------------------------------------- */

/* NULL when bpf_filter runs the program safely to a ret, else why not. The
 * interpreters rely on it: jumps land on instructions, nothing runs off the
 * end, M[] indices exist, constant divisors and shifts are the ones
 * bpf_filter defines (pcap_compile refuses the others itself). */
static const char *validate(const struct bpf_insn *in, uint32_t n)
{
	if (n == 0)
		return "empty program";
	for (uint32_t i = 0; i < n; i++) {
		const struct bpf_insn *p = &in[i];
		uint16_t cls = BPF_CLASS(p->code);

		if (single_op(p->code) < 0)
			return "unknown instruction";
		if ((p->code == (BPF_LD | BPF_MEM) || p->code == (BPF_LDX | BPF_MEM) || cls == BPF_ST ||
		     cls == BPF_STX) && p->k >= BPF_MEMWORDS)
			return "scratch memory index out of range";
		if ((p->code == (BPF_ALU | BPF_DIV | BPF_K) || p->code == (BPF_ALU | BPF_MOD | BPF_K)) && p->k == 0)
			return "division by constant zero";
		if ((p->code == (BPF_ALU | BPF_LSH | BPF_K) || p->code == (BPF_ALU | BPF_RSH | BPF_K)) && p->k >= 32)
			return "constant shift by 32 bits or more";
		if (p->code == (BPF_JMP | BPF_JA)) {
			int64_t t = (int64_t)i + 1 + (int32_t)p->k;

			if (t < 0 || t >= n || t == i)
				return "jump out of the program";
		} else if (cls == BPF_JMP) {
			if (i + 1 + p->jt >= n || i + 1 + p->jf >= n)
				return "jump out of the program";
		} else if (cls != BPF_RET && i + 1 == n) {
			return "program does not end with ret";
		}
	}
	return NULL;
}

/* ---- control path --------------------------------------------------------- */

static void engine_set(struct ws_cbpf *prog);

static int fail(char *err, size_t errlen, const char *prefix, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s%s", prefix, msg);
	return -1;
}

int ws_cbpf_compile(const char *expr, struct ws_cbpf **out, char *err, size_t errlen)
{
	struct bpf_program bp;
	struct ws_cbpf *c;
	const void *const *labels;
	const char *why;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);

	if (!p)
		return fail(err, errlen, "", "out of memory");
	if (pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fail(err, errlen, "", pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	why = validate(bp.bf_insns, bp.bf_len);
	if (why) {
		pcap_freecode(&bp);
		return fail(err, errlen, "cannot run the compiled program: ", why);
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->ninsns = bp.bf_len;
		c->insns = malloc(bp.bf_len * sizeof(*c->insns));
		c->ops = calloc(bp.bf_len, sizeof(*c->ops));
	}
	if (!c || !c->insns || !c->ops) {
		pcap_freecode(&bp);
		ws_cbpf_free(c);
		return fail(err, errlen, "", "out of memory");
	}
	memcpy(c->insns, bp.bf_insns, bp.bf_len * sizeof(*c->insns));
	pcap_freecode(&bp);
	for (uint32_t i = 0; i < c->ninsns; i++)
		if (c->insns[i].code == (BPF_LD | BPF_MEM) || c->insns[i].code == (BPF_LDX | BPF_MEM))
			c->uses_mem = true;
	threaded_run(NULL, NULL, 0, &labels);
	threaded_translate(c, labels);
	c->need = (uint64_t)1 << 32; /* without a DAG, every frame runs threaded */
	if (dag_translate(c) < 0) {
		ws_cbpf_free(c);
		return fail(err, errlen, "", "out of memory");
	}
	engine_set(c);
	*out = c;
	return 0;
}

void ws_cbpf_free(struct ws_cbpf *prog)
{
	if (!prog)
		return;
	free((void *)prog->lanes);
	free(prog->ops);
	free(prog->insns);
	free(prog);
}

void ws_cbpf_info(const struct ws_cbpf *prog, struct ws_cbpf_info *info)
{
	info->insns = prog->ninsns;
	info->tests = prog->dag ? prog->ntests : 0;
	info->min_len = prog->lanes || (prog->dag && !prog->ntests) ? (uint32_t)prog->need : 0;
	info->engine = prog->lanes ? "lanes" : prog->dag && !prog->ntests ? "const" : "threaded";
	info->isa = !prog->lanes ? "" : prog->lanes->wide ? "avx512" : "sse4.1";
}

/* ---- data path ------------------------------------------------------------- */

/*
 * Whether the DAG engines may run the frame: it is long enough for every
 * load of the program (then no load can fail, whatever path the frame
 * takes). Fills base[]: the frame, and where X points after each ldx msh.
 */
static inline __attribute__((always_inline)) bool dag_ready(const struct ws_cbpf *prog, const uint8_t *frame,
							     uint32_t len, const uint8_t **base)
{
	if (__builtin_expect(len < prog->need, 0))
		return false;
	base[0] = frame;
	for (uint32_t s = 0; s < prog->nslots; s++) {
		uint32_t x = (frame[prog->xoff[s]] & 0xfu) << 2;

		if (__builtin_expect(x + prog->ind_end[s] > len, 0))
			return false;
		base[s + 1] = frame + x;
	}
	return true;
}

static bool threaded_match(const struct ws_cbpf *prog, const uint8_t *frame, uint32_t len)
{
	return threaded_run(prog, frame, len, NULL) != 0;
}

/* A DAG without tests: the program's answer for every frame long enough. */
static bool const_match(const struct ws_cbpf *prog, const uint8_t *frame, uint32_t len)
{
	const uint8_t *base[DAG_LEN_SLOT + 1];

	if (!dag_ready(prog, frame, len, base))
		return threaded_run(prog, frame, len, NULL) != 0;
	return prog->entry == DAG_ACCEPT;
}

/* Where the lanes engine finds the frame bytes: the frame start only; also
 * x bytes on (one ldx msh: IPv4 after Ethernet, say); or base[] (several). */
enum { FROM_FRAME, FROM_ONE_X, FROM_BASE };

/* Chunk k of a lanes program, as loaded for a frame (see the enum above). */
static inline __attribute__((always_inline)) const uint8_t *chunk_at(const struct lanes *l, uint32_t k,
								    const int from, const uint8_t *f, uint32_t x,
								    const uint8_t *const *base)
{
	if (from == FROM_FRAME)
		return f + l->chunk_off[k];
	if (from == FROM_ONE_X)
		return f + l->chunk_off[k] + (x & l->chunk_xmask[k]);
	return base[l->chunk_slot[k]] + l->chunk_off[k];
}

/*
 * The lanes engine (struct lanes) for a program of nchunks chunks and
 * ngroups groups of 4 tests, on SSE. Inlined with constant counts into one
 * function per shape (lanes_fns), so that each is straight code with the
 * chunks in registers.
 */
static inline __attribute__((always_inline)) LANES_TARGET bool
lanes_run(const struct lanes *l, const int from, const uint8_t *f, uint32_t x, const uint8_t *const *base,
	  uint32_t len, const uint32_t nchunks, const uint32_t ngroups)
{
	__m128i c[LANES_MAX_CHUNKS];
	uint32_t bits = 0;

#pragma GCC unroll 8
	for (uint32_t k = 0; k < nchunks; k++)
		c[k] = k == nchunks - 1 && l->uses_len /* the length, big-endian in bytes 0-3 */
			       ? _mm_cvtsi32_si128((int)__builtin_bswap32(len))
			       : _mm_loadu_si128((const __m128i *)chunk_at(l, k, from, f, x, base));
#pragma GCC unroll 4
	for (uint32_t g = 0; g < ngroups; g++) {
		__m128i v = _mm_shuffle_epi8(c[0], _mm_load_si128((const __m128i *)&l->idx[0][16 * g]));

#pragma GCC unroll 8
		for (uint32_t k = 1; k < nchunks; k++)
			v = _mm_or_si128(v, _mm_shuffle_epi8(c[k],
							     _mm_load_si128((const __m128i *)&l->idx[k][16 * g])));
		v = _mm_sub_epi32(_mm_and_si128(v, _mm_load_si128((const __m128i *)&l->mask[16 * g])),
				  _mm_load_si128((const __m128i *)&l->lo[16 * g]));
		v = _mm_cmpeq_epi32(_mm_min_epu32(v, _mm_load_si128((const __m128i *)&l->span[16 * g])), v);
		bits |= (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(v)) << (4 * g);
	}
	return (l->table[bits / 64] >> (bits % 64)) & 1;
}

/* The same on AVX-512: each chunk broadcast to the register's four 128-bit
 * lanes (vpshufb shuffles within each), all 16 tests at once. */
static inline __attribute__((always_inline)) WIDE_TARGET bool
wide_run(const struct lanes *l, const int from, const uint8_t *f, uint32_t x, const uint8_t *const *base,
	 uint32_t len, const uint32_t nchunks)
{
	__m512i v = _mm512_setzero_si512();
	__mmask16 bits;

#pragma GCC unroll 8
	for (uint32_t k = 0; k < nchunks; k++) {
		__m128i c = k == nchunks - 1 && l->uses_len
				    ? _mm_cvtsi32_si128((int)__builtin_bswap32(len))
				    : _mm_loadu_si128((const __m128i *)chunk_at(l, k, from, f, x, base));

		v = _mm512_or_si512(v, _mm512_shuffle_epi8(_mm512_broadcast_i32x4(c),
							   _mm512_load_si512((const void *)l->idx[k])));
	}
	v = _mm512_sub_epi32(_mm512_and_si512(v, _mm512_load_si512((const void *)l->mask)),
			     _mm512_load_si512((const void *)l->lo));
	bits = _mm512_cmple_epu32_mask(v, _mm512_load_si512((const void *)l->span));
	return (l->table[bits / 64] >> (bits % 64)) & 1;
}

/* Whether the lanes may run frame f (from: where its bytes are, as in
 * chunk_at): long enough for every load; fills x (one ldx msh) or base[]
 * (several). Frames too short for the program run threaded. */
static inline __attribute__((always_inline)) bool lanes_ready(const struct ws_cbpf *p, const int from,
							       const uint8_t *f, uint32_t len, uint32_t *x,
							       const uint8_t **base)
{
	if (from == FROM_BASE)
		return dag_ready(p, f, len, base);
	if (__builtin_expect(len < p->need, 0))
		return false;
	if (from == FROM_ONE_X) {
		*x = (f[p->xoff[0]] & 0xfu) << 2;
		return __builtin_expect(*x + p->ind_end[0] <= len, 1);
	}
	return true;
}

/* Bit i set for each frame i in bits that matches, run threaded. */
static uint64_t threaded_bits(const struct ws_cbpf *p, const uint8_t *const *fr, const uint32_t *lens, uint64_t bits)
{
	uint64_t hit = 0;

	for (; bits; bits &= bits - 1) {
		unsigned i = (unsigned)__builtin_ctzll(bits);

		hit |= (uint64_t)(threaded_run(p, fr[i], lens[i], NULL) != 0) << i;
	}
	return hit;
}

/* One match function and one bulk function per lanes shape: nc chunks, ng
 * groups (SSE) or all 16 lanes (AVX-512), reading from the frame only, after
 * one ldx msh (_x1) or after several (_xn). The bulk loop has no call and no
 * store: the program's constants stay in registers from frame to frame;
 * frames the lanes cannot run are left to threaded_bits after it. */
#define SHAPE_FNS(name, from, TARGET, run, ...)                                                         \
	static TARGET bool name(const struct ws_cbpf *p, const uint8_t *f, uint32_t len)                \
	{                                                                                               \
		const uint8_t *base[DAG_LEN_SLOT + 1];                                                  \
		uint32_t x = 0;                                                                         \
                                                                                                        \
		if (!lanes_ready(p, from, f, len, &x, base))                                            \
			return threaded_run(p, f, len, NULL) != 0;                                      \
		return run(p->lanes, from, f, x, base, len, __VA_ARGS__);                               \
	}                                                                                               \
	static TARGET uint64_t name##_bulk(const struct ws_cbpf *p, const uint8_t *const *fr,           \
					   const uint32_t *lens, uint32_t n)                            \
	{                                                                                               \
		const uint8_t *base[DAG_LEN_SLOT + 1];                                                  \
		uint64_t hit = 0, slow = 0;                                                             \
                                                                                                        \
		for (uint32_t i = 0; i < n; i++) {                                                      \
			uint32_t x = 0;                                                                 \
                                                                                                        \
			if (!lanes_ready(p, from, fr[i], lens[i], &x, base))                            \
				slow |= 1ull << i;                                                      \
			else                                                                            \
				hit |= (uint64_t)run(p->lanes, from, fr[i], x, base, lens[i], __VA_ARGS__) \
				       << i;                                                            \
		}                                                                                       \
		return slow ? hit | threaded_bits(p, fr, lens, slow) : hit;                             \
	}
#define SHAPE_FROMS(name, TARGET, run, ...)                                                             \
	SHAPE_FNS(name, FROM_FRAME, TARGET, run, __VA_ARGS__)                                           \
	SHAPE_FNS(name##_x1, FROM_ONE_X, TARGET, run, __VA_ARGS__)                                      \
	SHAPE_FNS(name##_xn, FROM_BASE, TARGET, run, __VA_ARGS__)
#define LANES_FNS(nc)                                                                                   \
	SHAPE_FROMS(lanes_##nc##_1, LANES_TARGET, lanes_run, nc, 1)                                     \
	SHAPE_FROMS(lanes_##nc##_2, LANES_TARGET, lanes_run, nc, 2)                                     \
	SHAPE_FROMS(lanes_##nc##_3, LANES_TARGET, lanes_run, nc, 3)                                     \
	SHAPE_FROMS(lanes_##nc##_4, LANES_TARGET, lanes_run, nc, 4)                                     \
	SHAPE_FROMS(wide_##nc, WIDE_TARGET, wide_run, nc)
LANES_FNS(1)
LANES_FNS(2)
LANES_FNS(3)
LANES_FNS(4)
LANES_FNS(5)
LANES_FNS(6)
#undef LANES_FNS
#undef SHAPE_FROMS
#undef SHAPE_FNS

struct engine {
	match_fn *one;
	bulk_fn *bulk;
};

#define SHAPE(name) { { name, name##_bulk }, { name##_x1, name##_x1_bulk }, { name##_xn, name##_xn_bulk } }
#define SHAPES(nc)                                                                                      \
	{ SHAPE(lanes_##nc##_1), SHAPE(lanes_##nc##_2), SHAPE(lanes_##nc##_3), SHAPE(lanes_##nc##_4),   \
	  SHAPE(wide_##nc) }
static const struct engine lanes_fns[LANES_MAX_CHUNKS][5][3] = { SHAPES(1), SHAPES(2), SHAPES(3),
							     SHAPES(4), SHAPES(5), SHAPES(6) };
#undef SHAPES
#undef SHAPE

/* The bulk form of the engines without lanes: one call per frame. */
#define ONE_BY_ONE(name)                                                                                \
	static uint64_t name##_bulk(const struct ws_cbpf *p, const uint8_t *const *fr, const uint32_t *lens, \
				    uint32_t n)                                                         \
	{                                                                                               \
		uint64_t hit = 0;                                                                       \
                                                                                                        \
		for (uint32_t i = 0; i < n; i++)                                                        \
			hit |= (uint64_t)name(p, fr[i], lens[i]) << i;                                  \
		return hit;                                                                             \
	}
ONE_BY_ONE(const_match)
ONE_BY_ONE(threaded_match)
#undef ONE_BY_ONE

/* Set the engine ws_cbpf_compile chose for prog. */
static void engine_set(struct ws_cbpf *prog)
{
	const struct lanes *l = prog->lanes;
	struct engine e;

	if (l)
		e = lanes_fns[l->nchunks - 1][l->wide ? 4 : l->ngroups - 1][prog->nslots < 2 ? prog->nslots : 2];
	else if (prog->dag && !prog->ntests)
		e = (struct engine){ const_match, const_match_bulk };
	else
		e = (struct engine){ threaded_match, threaded_match_bulk };
	prog->match = e.one;
	prog->bulk = e.bulk;
}

bool ws_cbpf_match(const struct ws_cbpf *prog, const uint8_t *frame, uint32_t len)
{
	return prog->match(prog, frame, len);
}

uint64_t ws_cbpf_match_bulk(const struct ws_cbpf *prog, const uint8_t *const *frames, const uint32_t *lens,
			    uint32_t n)
{
	return prog->bulk(prog, frames, lens, n < WS_CBPF_BULK_MAX ? n : WS_CBPF_BULK_MAX);
}
