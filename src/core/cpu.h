/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.h: the few CPU facts every data-path file needs: branch hints, prefetch,
 * cache-line alignment, the time-stamp counter and thread pinning.
 *
 * The inline helpers here are data-path safe (no syscalls, no allocation).
 * ws_tsc_hz() and ws_cpu_pin() are control path.
 */
#ifndef WS_CORE_CPU_H
#define WS_CORE_CPU_H

#include <stdint.h>
#include <stdalign.h>

#if !defined(__x86_64__)
#error "wirespeed currently targets x86_64 (rdtsc, pause); port cpu.h first"
#endif

#include <x86intrin.h>

#define WS_CACHE_LINE 64
/* Zen and recent Intel cores prefetch the adjacent line pair, so structures
 * written by different cores are kept this far apart to avoid false sharing. */
#define WS_CACHE_LINE_PAIR 128

#define ws_cache_aligned __attribute__((aligned(WS_CACHE_LINE)))
#define ws_likely(x) __builtin_expect(!!(x), 1)
#define ws_unlikely(x) __builtin_expect(!!(x), 0)
#define ws_always_inline inline __attribute__((always_inline))

/* Data path: prefetch a line into all cache levels (read). */
static ws_always_inline void ws_prefetch0(const void *p) { __builtin_prefetch(p, 0, 3); }
/* Data path: prefetch into L2 and outward (read, moderate locality). */
static ws_always_inline void ws_prefetch1(const void *p) { __builtin_prefetch(p, 0, 2); }
/* Data path: prefetch with intent to write (PREFETCHW on x86). */
static ws_always_inline void ws_prefetchw(const void *p) { __builtin_prefetch(p, 1, 3); }

/* Data path: spin-wait hint; yields the pipeline to the sibling hyperthread. */
static ws_always_inline void ws_pause(void) { _mm_pause(); }

/* Stops the compiler moving memory accesses across this point (no CPU fence). */
#define ws_compiler_barrier() __asm__ volatile("" ::: "memory")

/* Data path: read the TSC. Not ordered against earlier loads: use for
 * long intervals, or ws_rdtscp() to close a measured interval. */
static ws_always_inline uint64_t ws_rdtsc(void) { return __rdtsc(); }

/* Data path: read the TSC after all earlier instructions have completed. */
static ws_always_inline uint64_t ws_rdtscp(void)
{
	unsigned int aux;
	return __rdtscp(&aux);
}

/*
 * Control path: TSC frequency in Hz. The first call calibrates (CPUID leaf
 * 0x15 when it reports a crystal clock; otherwise about 50 ms measured against
 * CLOCK_MONOTONIC_RAW) and later calls return the cached value. Thread-safe.
 */
uint64_t ws_tsc_hz(void);

/* How ws_tsc_hz() got its answer: "cpuid-0x15" or "measured". */
const char *ws_tsc_source(void);

/* Control path: TSC ticks to nanoseconds using ws_tsc_hz(). */
double ws_tsc_to_ns(double ticks);

/*
 * Control path: pin the calling thread to one CPU. Returns 0, or a negative
 * errno (-EINVAL for a CPU that is not in the allowed set, -EPERM without the
 * right to change affinity). Callers that can run unpinned should say so and
 * carry on.
 */
int ws_cpu_pin(int cpu);

/* Control path: number of CPUs this process may run on (its affinity mask). */
int ws_cpu_count(void);

/* Control path: the CPU model string from /proc/cpuinfo, or "unknown". */
const char *ws_cpu_model(void);

#endif /* WS_CORE_CPU_H */
