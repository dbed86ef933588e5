/*
 * algorithms/sched/nq.c - never queue, reproducing Linux ip_vs_nq.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick at worst (it stops at the first idle dest), no allocation.
 *
 * Rules (spec/ipvs-schedulers.md 2.6): walk the list, skipping dests that
 * are OVERLOAD or have weight 0.
 *  - The first dest with no active connection is returned at once.
 *  - Otherwise the result is the dest with the least (activeconns + 1)/weight,
 *    compared as lcost * w(d) > cost(d) * w(least) in 64 bits (strict, so
 *    the first of tied minima wins). None eligible: NULL.
 * Inactive connections are ignored; for UDP every dest is "idle", so nq
 * degenerates to "the first eligible dest".
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *nq_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *least = NULL;
	int64_t lcost = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		int64_t dcost;

		if (lb_dest_is_overloaded(d) || d->weight == 0)
			continue;
		if (d->activeconns == 0)
			return d;
		dcost = (int64_t)d->activeconns + 1;
		if (!least || lcost * d->weight > dcost * least->weight) {
			least = d;
			lcost = dcost;
		}
	}
	return least;
}

const struct lb_sched_ops sched_nq_ops = {
	.name = "nq",
	.summary = "never queue: first idle dest, else min (active+1)/weight (kernel ip_vs_nq)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = nq_pick,
};
