/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rcu.h: read-copy-update for the structures workers read and the control
 * plane replaces (the FIB first): liburcu's QSBR flavour, wrapped so that
 * only src/core/rcu.c includes it.
 *
 * The contract (quiescent-state-based RCU):
 *   - every thread that reads RCU-protected data registers once
 *     (ws_rcu_register) and unregisters before it ends;
 *   - a reader announces a quiescent state (ws_rcu_quiescent) when it holds
 *     no pointer into protected data: a worker does it once per loop, between
 *     bursts. Reads themselves cost nothing (no lock, no counter);
 *   - a reader that blocks (poll, sleep) goes offline around the wait, or a
 *     writer's grace period would wait for it;
 *   - a writer unpublishes or replaces, then ws_rcu_synchronize() returns
 *     once every registered online reader has passed a quiescent state, and
 *     the old memory may be reused.
 * Quiescent states call into the shared library (liburcu is LGPL; its
 * inline fast paths are not compiled into wirespeed): some ns per burst.
 */
#ifndef WS_CORE_RCU_H
#define WS_CORE_RCU_H

/* Reader threads: register once, unregister before exit. */
void ws_rcu_register(void);
void ws_rcu_unregister(void);

/* Data path, once per loop: this thread holds no protected pointer. */
void ws_rcu_quiescent(void);

/* Around a blocking wait: an offline thread does not hold up writers. */
void ws_rcu_offline(void);
void ws_rcu_online(void);

/* Control path: wait for a grace period (may be called from a registered
 * thread, which is taken offline for the wait). */
void ws_rcu_synchronize(void);

#endif /* WS_CORE_RCU_H */
