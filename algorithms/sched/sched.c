/*
 * algorithms/sched/sched.c - the registry of schedulers, found by name.
 *
 * Called when a scenario names a scheduler (lb_sched_find) and by --help and
 * "compare every scheduler" runs (lb_sched_at). A handful of entries; a linear
 * search is the right structure. Adding a scheduler is one line here plus its
 * file in the Makefile.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>
#include <string.h>

static const struct lb_sched_ops *const sched_table[] = {
	&sched_rr_ops,
	&sched_wrr_ops,
	&sched_lc_ops,
	&sched_wlc_ops,
	&sched_twos_ops,
	&sched_sed_ops,
	&sched_nq_ops,
	&sched_fo_ops,
	&sched_ovf_ops,
	&sched_sh_ops,
	&sched_dh_ops,
	&sched_mh_ops,
	&sched_lblc_ops,
	&sched_lblcr_ops,
	&sched_pod_ops,
	&sched_podnr_ops,
	&sched_jsq_ops,
	&sched_lrt_ops,
	&sched_ring_ops,
	&sched_hrw_ops,
	&sched_random_ops,
	&sched_wrandom_ops,
};

#define SCHED_COUNT (sizeof(sched_table) / sizeof(sched_table[0]))

/* lb_sched_find - the scheduler called exactly name (case matters), or NULL. */
const struct lb_sched_ops *lb_sched_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < SCHED_COUNT; i++)
		if (!strcmp(sched_table[i]->name, name))
			return sched_table[i];
	return NULL;
}

/* lb_sched_at - the i-th registered scheduler in table order, NULL past the end. */
const struct lb_sched_ops *lb_sched_at(unsigned i)
{
	return i < SCHED_COUNT ? sched_table[i] : NULL;
}
