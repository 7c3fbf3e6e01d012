/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget_probes.c: the operations `wirespeed budget` times. Each probe sets
 * up its operation, hands a run(arg, n) function to ws_budget_measure() and
 * emits the result. The run() loops are kept tight and their work opaque to
 * the compiler, so that what is timed is the operation itself and nothing
 * the optimiser could delete or hoist; no loop overhead is subtracted.
 */
#include "app/budget.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/cpu.h"
#include "core/pool.h"
#include "core/ring.h"

/* Make the compiler forget what it knows about p (it must compute p, and
 * cannot assume anything about it afterwards): keeps malloc/free pairs and
 * get/put pairs from being folded away. Costs no instruction. */
#define OPAQUE(p) __asm__ volatile("" : "+r"(p))
/* The compiler must assume memory at p is read here: the stores before it
 * cannot be elided or sunk out of the loop. Costs no instruction. */
#define USE_MEM(p) __asm__ volatile("" : : "r"(p) : "memory")

#define REP4(x) x x x x

/* ---- atomics and locks, all uncontended ---------------------------------- */

/* Each on its own line pair so no other variable's traffic interferes. */
static struct {
	alignas(WS_CACHE_LINE_PAIR) uint64_t counter;
	alignas(WS_CACHE_LINE_PAIR) int spin;
	alignas(WS_CACHE_LINE_PAIR) pthread_mutex_t mutex;
} locks = { .mutex = PTHREAD_MUTEX_INITIALIZER };

static void atomic_run(void *arg, uint64_t n)
{
	(void)arg;
	/* The result is unused, so this is a LOCK ADD, not a LOCK XADD. */
	for (uint64_t i = 0; i < n; i += 4) {
		REP4(__atomic_fetch_add(&locks.counter, 1, __ATOMIC_SEQ_CST);)
	}
}

/* Test-and-test-and-set: waiters spin on a plain load and only try the
 * exchange when the lock looks free, so a contended line is not bounced by
 * failing atomics. Uncontended, it is one XCHG and one plain store. */
static ws_always_inline void spin_lock(int *l)
{
	for (;;) {
		if (__atomic_load_n(l, __ATOMIC_RELAXED) == 0 &&
		    __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) == 0)
			return;
		ws_pause();
	}
}

static ws_always_inline void spin_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static void spinlock_run(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		spin_lock(&locks.spin);
		ws_compiler_barrier(); /* an (empty) critical section */
		spin_unlock(&locks.spin);
	}
}

static void mutex_run(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		pthread_mutex_lock(&locks.mutex);
		ws_compiler_barrier();
		pthread_mutex_unlock(&locks.mutex);
	}
}

/* ---- kernel entry -------------------------------------------------------- */

static void getuid_run(void *arg, uint64_t n)
{
	(void)arg;
	/* syscall() always enters the kernel; getuid() could be cached one day. */
	for (uint64_t i = 0; i < n; i++)
		syscall(SYS_getuid);
}

static void clock_run(void *arg, uint64_t n)
{
	struct timespec ts;

	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		USE_MEM(&ts);
	}
}

/* ---- allocation ---------------------------------------------------------- */

static void malloc_run(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		void *p = malloc(2048);

		OPAQUE(p);
		free(p);
	}
}

/* 256 live objects at once, as a burst of skbs would be: glibc must carve
 * and coalesce chunks rather than hand the same one back each time. */
static void malloc_burst_run(void *arg, uint64_t n)
{
	void **objs = arg;

	for (uint64_t i = 0; i < n; i += 256) {
		for (unsigned k = 0; k < 256; k++)
			objs[k] = malloc(2048);
		USE_MEM(objs);
		for (unsigned k = 0; k < 256; k++)
			free(objs[k]);
	}
}

struct pool_state {
	struct ws_pool *pool;
	uint64_t errors;  /* gets that found the pool empty: must stay 0 */
	struct ws_pkt *pkts[32];
};

static void pool_run(void *arg, uint64_t n)
{
	struct pool_state *st = arg;

	for (uint64_t i = 0; i < n; i++) {
		struct ws_pkt *pkt = ws_pool_get(st->pool);

		if (ws_unlikely(pkt == NULL)) {
			st->errors++;
			continue;
		}
		OPAQUE(pkt);
		ws_pool_put(st->pool, pkt);
	}
}

static void pool_burst_run(void *arg, uint64_t n)
{
	struct pool_state *st = arg;

	for (uint64_t i = 0; i < n; i += 32) {
		if (ws_unlikely(ws_pool_get_bulk(st->pool, st->pkts, 32) != 0)) {
			st->errors++;
			continue;
		}
		USE_MEM(st->pkts);
		ws_pool_put_bulk(st->pool, st->pkts, 32);
	}
}

struct ring_state {
	struct ws_ring *ring;
	uint64_t errors;
	void *objs[32];
};

static void ring_run(void *arg, uint64_t n)
{
	struct ring_state *st = arg;
	void *obj = st;

	for (uint64_t i = 0; i < n; i++) {
		if (ws_unlikely(ws_ring_enqueue(st->ring, obj) != 0 ||
				ws_ring_dequeue(st->ring, &obj) != 0))
			st->errors++;
	}
}

static void ring_burst_run(void *arg, uint64_t n)
{
	struct ring_state *st = arg;

	for (uint64_t i = 0; i < n; i += 32) {
		if (ws_unlikely(ws_ring_enqueue_burst(st->ring, st->objs, 32) != 32 ||
				ws_ring_dequeue_burst(st->ring, st->objs, 32) != 32))
			st->errors++;
	}
}

/* An skb's header is 4 lines that the kernel clears per packet. */
static void memset_run(void *arg, uint64_t n)
{
	uint8_t *buf = arg;

	for (uint64_t i = 0; i < n; i++) {
		memset(buf, (int)(i & 0xff), 256);
		USE_MEM(buf);
	}
}

/* The probes above that need only a run function and a fixed description. */
static const struct {
	const char *metric;
	const char *desc;
	ws_budget_run_fn *run;
} simple_probes[] = {
	{ "atomic_add", "LOCK ADD, uncontended, line in L1", atomic_run },
	{ "spinlock", "TTAS spinlock lock+unlock, uncontended", spinlock_run },
	{ "mutex", "pthread mutex lock+unlock, uncontended", mutex_run },
	{ "syscall_getuid", "syscall(SYS_getuid): a null kernel entry", getuid_run },
	{ "malloc_free_2k", "glibc malloc+free of 2 KiB", malloc_run },
};

static int probe_simple(const struct ws_budget *b, const char *metric)
{
	struct ws_budget_result res;

	for (size_t i = 0; i < sizeof(simple_probes) / sizeof(simple_probes[0]); i++) {
		if (strcmp(metric, simple_probes[i].metric))
			continue;
		ws_budget_measure(b, simple_probes[i].run, NULL, &res);
		ws_budget_emit(b, metric, simple_probes[i].desc, &res, NULL);
		return 0;
	}
	return ws_budget_fail(metric, "no such probe", EINVAL);
}

static int probe_vdso(const struct ws_budget *b, const char *metric)
{
	struct ws_budget_result res;
	char cs[32] = "?", desc[96], extra[64];
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	/* The vDSO reads the clock in user space only for clocksources that
	 * allow it (tsc, kvm-clock); others fall back to a real syscall. */
	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = '\0';
		fclose(f);
	}
	ws_budget_measure(b, clock_run, NULL, &res);
	snprintf(desc, sizeof(desc), "clock_gettime(MONOTONIC), vDSO, %s", cs);
	snprintf(extra, sizeof(extra), ",\"clocksource\":\"%s\"", cs);
	ws_budget_emit(b, metric, desc, &res, extra);
	return 0;
}

/* glibc hands the top of the heap back with brk() whenever more than
 * M_TRIM_THRESHOLD (128 KiB by default) lies free there, and one freed burst
 * is 512 KiB at the top: every burst would shrink and regrow the heap and the
 * figure would be brk() and page faults (microseconds here), a tunable's
 * effect rather than the allocator's. So trimming is held off during this
 * probe, and the description says so. */
#define NO_TRIM_THRESHOLD (64 * 1024 * 1024)
#define GLIBC_TRIM_THRESHOLD (128 * 1024)

static int probe_malloc_burst(const struct ws_budget *b, const char *metric)
{
	struct ws_budget_result res;
	void *objs[256];

	mallopt(M_TRIM_THRESHOLD, NO_TRIM_THRESHOLD);
	ws_budget_measure(b, malloc_burst_run, objs, &res);
	mallopt(M_TRIM_THRESHOLD, GLIBC_TRIM_THRESHOLD);
	ws_budget_emit(b, metric, "256 malloc 2 KiB, 256 free, per obj, no trim", &res,
		       ",\"heap_trim\":false");
	return 0;
}

static int probe_pool(const struct ws_budget *b, const char *metric)
{
	struct ws_pool_config cfg = {
		.nb_frames = 4096, .frame_size = 2048, .cache_size = 256, .huge = WS_POOL_HUGE_AUTO,
	};
	struct pool_state st = { .pool = ws_pool_create(&cfg) };
	struct ws_budget_result res;
	bool burst = !strcmp(metric, "pool_burst32");

	if (!st.pool)
		return ws_budget_fail(metric, "ws_pool_create", errno);
	ws_budget_measure(b, burst ? pool_burst_run : pool_run, &st, &res);
	ws_pool_cache_flush(st.pool);
	ws_pool_free(st.pool);
	if (st.errors)
		return ws_budget_fail(metric, "the pool ran empty", ENOBUFS);
	ws_budget_emit(b, metric, burst ? "ws_pool get_bulk+put_bulk of 32, per frame"
					: "ws_pool_get+ws_pool_put, thread cache", &res, NULL);
	return 0;
}

static int probe_ring(const struct ws_budget *b, const char *metric)
{
	struct ring_state st = { .ring = ws_ring_create(1024, WS_RING_F_SP | WS_RING_F_SC) };
	struct ws_budget_result res;
	bool burst = !strcmp(metric, "ring_burst32");

	if (!st.ring)
		return ws_budget_fail(metric, "ws_ring_create", errno);
	for (unsigned i = 0; i < 32; i++)
		st.objs[i] = &st.objs[i];
	ws_budget_measure(b, burst ? ring_burst_run : ring_run, &st, &res);
	ws_ring_free(st.ring);
	if (st.errors)
		return ws_budget_fail(metric, "an enqueue or dequeue came up short", EIO);
	ws_budget_emit(b, metric, burst ? "SPSC ws_ring burst 32 in+out, per object"
					: "SPSC ws_ring enqueue+dequeue of 1", &res, NULL);
	return 0;
}

static int probe_memset(const struct ws_budget *b, const char *metric)
{
	static alignas(WS_CACHE_LINE) uint8_t block[256];
	struct ws_budget_result res;

	ws_budget_measure(b, memset_run, block, &res);
	ws_budget_emit(b, metric, "memset of 256 B (4 lines: an skb header)", &res, NULL);
	return 0;
}

/* ---- UDP send over loopback ---------------------------------------------- */

#define MMSG_BATCH 32

struct udp_state {
	int tx, rx;
	struct sockaddr_in dst;
	uint64_t errors;  /* datagrams the kernel refused (never waited for) */
	char payload[64];
	struct iovec iov;
	struct mmsghdr msgs[MMSG_BATCH];
};

static int udp_bind_loopback(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1, nothing else */
	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return -errno;
	if (bind(*fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -errno;
	return 0;
}

static int udp_open(struct udp_state *u)
{
	socklen_t len = sizeof(u->dst);
	int small = 1; /* the kernel rounds up to its minimum */
	int rc;

	u->tx = u->rx = -1;
	if ((rc = udp_bind_loopback(&u->rx)) || (rc = udp_bind_loopback(&u->tx)))
		return rc;
	/* Nobody reads the receiver: with a tiny queue the kernel drops at the
	 * socket, so the run never fills memory and the sender never waits. */
	setsockopt(u->rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (getsockname(u->rx, (struct sockaddr *)&u->dst, &len) != 0)
		return -errno;
	memset(u->payload, 0x5a, sizeof(u->payload));
	u->iov.iov_base = u->payload;
	u->iov.iov_len = sizeof(u->payload);
	for (unsigned i = 0; i < MMSG_BATCH; i++) {
		struct msghdr *h = &u->msgs[i].msg_hdr;

		h->msg_name = &u->dst;
		h->msg_namelen = sizeof(u->dst);
		h->msg_iov = &u->iov;
		h->msg_iovlen = 1;
	}
	return 0;
}

static void udp_close(struct udp_state *u)
{
	if (u->tx >= 0)
		close(u->tx);
	if (u->rx >= 0)
		close(u->rx);
}

static void sendto_run(void *arg, uint64_t n)
{
	struct udp_state *u = arg;

	for (uint64_t i = 0; i < n; i++)
		if (ws_unlikely(sendto(u->tx, u->payload, sizeof(u->payload), MSG_DONTWAIT,
				       (struct sockaddr *)&u->dst, sizeof(u->dst)) < 0))
			u->errors++;
}

static void sendmmsg_run(void *arg, uint64_t n)
{
	struct udp_state *u = arg;

	for (uint64_t i = 0; i < n; i += MMSG_BATCH) {
		int sent = sendmmsg(u->tx, u->msgs, MMSG_BATCH, MSG_DONTWAIT);

		if (ws_unlikely(sent != MMSG_BATCH))
			u->errors += MMSG_BATCH - (sent > 0 ? (unsigned)sent : 0);
	}
}

static int probe_udp(const struct ws_budget *b, const char *metric)
{
	struct udp_state u = { 0 };
	struct ws_budget_result res;
	char extra[96];
	bool mmsg = !strcmp(metric, "sendmmsg_64b_x32");
	int rc = udp_open(&u);

	if (rc) {
		udp_close(&u);
		return ws_budget_fail(metric, "UDP sockets on 127.0.0.1", -rc);
	}
	ws_budget_measure(b, mmsg ? sendmmsg_run : sendto_run, &u, &res);
	udp_close(&u);
	if (u.errors)
		fprintf(stderr, "wirespeed: budget: %s: %llu datagrams refused by the kernel (not waited for)\n",
			metric, (unsigned long long)u.errors);
	snprintf(extra, sizeof(extra), ",\"dst\":\"127.0.0.1:%u\",\"send_errors\":%llu",
		 ntohs(u.dst.sin_port), (unsigned long long)u.errors);
	ws_budget_emit(b, metric, mmsg ? "sendmmsg 32 x 64 B UDP, 127.0.0.1, per packet"
				       : "sendto 64 B UDP to 127.0.0.1", &res, extra);
	return 0;
}

/* ---- a cache line bounced between two cores ------------------------------ */

/*
 * Ping-pong on one line: the measuring thread writes an odd value, the
 * partner answers with the next even one. Each round trip moves the line to
 * the partner's core and back, so one transfer is half a round trip. The
 * waits spin on plain loads (no PAUSE, which would add its own latency) and
 * yield now and then, so that on a single CPU the other side still gets to
 * run, slowly.
 */
#define BOUNCE_STOP UINT64_MAX
#define BOUNCE_SPINS_BEFORE_YIELD 16384u

static struct {
	alignas(WS_CACHE_LINE_PAIR) uint64_t val; /* the bounced line */
	alignas(WS_CACHE_LINE_PAIR) int ready;    /* partner started (pin_rc valid) */
	int partner_cpu;
	int pin_rc;
	uint64_t last;                            /* measuring side: last even value */
} bounce;

static void *bounce_partner(void *arg)
{
	uint64_t seen = 0, v;

	(void)arg;
	bounce.pin_rc = bounce.partner_cpu >= 0 ? ws_cpu_pin(bounce.partner_cpu) : -EINVAL;
	__atomic_store_n(&bounce.ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		unsigned spins = 0;

		while ((v = __atomic_load_n(&bounce.val, __ATOMIC_ACQUIRE)) == seen)
			if (++spins == BOUNCE_SPINS_BEFORE_YIELD) {
				sched_yield();
				spins = 0;
			}
		if (v == BOUNCE_STOP)
			return NULL;
		seen = v + 1;
		__atomic_store_n(&bounce.val, seen, __ATOMIC_RELEASE);
	}
}

static void bounce_run(void *arg, uint64_t n)
{
	uint64_t v = bounce.last;

	(void)arg;
	for (uint64_t i = 0; i < n; i += 2) { /* two transfers per round trip */
		unsigned spins = 0;

		__atomic_store_n(&bounce.val, v + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&bounce.val, __ATOMIC_ACQUIRE) != v + 2)
			if (++spins == BOUNCE_SPINS_BEFORE_YIELD) {
				sched_yield();
				spins = 0;
			}
		v += 2;
	}
	bounce.last = v;
}

static int probe_bounce(const struct ws_budget *b, const char *metric)
{
	struct ws_budget_result res;
	pthread_t th;
	char desc[96], extra[96];
	bool pinned;
	int rc;

	bounce.val = bounce.last = 0;
	bounce.ready = 0;
	/* CPU 0 and CPU 1: the partner takes whichever the measurer is not on. */
	bounce.partner_cpu = b->cpus < 2 ? -1 : (b->cpu == 0 ? 1 : 0);
	rc = pthread_create(&th, NULL, bounce_partner, NULL);
	if (rc)
		return ws_budget_fail(metric, "starting the partner thread", rc);
	while (!__atomic_load_n(&bounce.ready, __ATOMIC_ACQUIRE))
		sched_yield();
	pinned = b->cpu >= 0 && bounce.pin_rc == 0 && bounce.partner_cpu != b->cpu;
	if (!pinned)
		fprintf(stderr, "wirespeed: budget: %s: running unpinned (%s): the figure includes "
			"scheduler hand-offs, not just the line transfer\n", metric,
			b->cpus < 2 ? "only one CPU available"
			: b->cpu < 0 ? "the measuring thread is not pinned"
				     : strerror(-bounce.pin_rc));
	ws_budget_measure(b, bounce_run, NULL, &res);
	__atomic_store_n(&bounce.val, BOUNCE_STOP, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	if (pinned)
		snprintf(desc, sizeof(desc), "line one-way CPU %d<->%d (round trip/2)", b->cpu,
			 bounce.partner_cpu);
	else
		snprintf(desc, sizeof(desc), "line one-way, UNPINNED (round trip/2)");
	snprintf(extra, sizeof(extra), ",\"pinned\":%s,\"cpu_a\":%d,\"cpu_b\":%d,\"per\":\"round_trip/2\"",
		 pinned ? "true" : "false", b->cpu, pinned ? bounce.partner_cpu : -1);
	ws_budget_emit(b, metric, desc, &res, extra);
	return 0;
}

void ws_budget_probes_cleanup(void)
{
	ws_budget_chase_release();
}

const struct ws_budget_probe ws_budget_probes[] = {
	{ "l1_load", ws_budget_probe_load },
	{ "l2_load", ws_budget_probe_load },
	{ "l3_load", ws_budget_probe_load },
	{ "dram_load", ws_budget_probe_load },
	{ "atomic_add", probe_simple },
	{ "spinlock", probe_simple },
	{ "mutex", probe_simple },
	{ "syscall_getuid", probe_simple },
	{ "vdso_clock_gettime", probe_vdso },
	{ "malloc_free_2k", probe_simple },
	{ "malloc_free_2k_burst256", probe_malloc_burst },
	{ "pool_get_put", probe_pool },
	{ "pool_burst32", probe_pool },
	{ "ring_single", probe_ring },
	{ "ring_burst32", probe_ring },
	{ "memset_256", probe_memset },
	{ "sendto_64b", probe_udp },
	{ "sendmmsg_64b_x32", probe_udp },
	{ "cacheline_bounce", probe_bounce },
	{ "load_latency", ws_budget_probe_sweep },
};

const size_t ws_budget_nb_probes = sizeof(ws_budget_probes) / sizeof(ws_budget_probes[0]);
