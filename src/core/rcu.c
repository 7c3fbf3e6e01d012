/* SPDX-License-Identifier: BSD-3-Clause */
/* rcu.c: the liburcu QSBR calls behind rcu.h. */
#include "core/rcu.h"

#include <urcu-qsbr.h>

void ws_rcu_register(void)
{
	urcu_qsbr_register_thread();
}

void ws_rcu_unregister(void)
{
	urcu_qsbr_unregister_thread();
}

void ws_rcu_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

void ws_rcu_offline(void)
{
	urcu_qsbr_thread_offline();
}

void ws_rcu_online(void)
{
	urcu_qsbr_thread_online();
}

void ws_rcu_synchronize(void)
{
	urcu_qsbr_synchronize_rcu();
}
