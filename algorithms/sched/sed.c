/*
 * algorithms/sched/sed.c - shortest expected delay, reproducing Linux
 * ip_vs_sed.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick (a linear scan, as in the kernel), no allocation.
 *
 * Rules (spec/ipvs-schedulers.md 2.5): wlc's procedure (2.4) with the cost
 * activeconns + 1 in place of the connection overhead, so inactive
 * connections do not count and the arriving connection does:
 *  1. least = the first dest in list order that is not OVERLOAD and has
 *     weight > 0; lcost = its activeconns + 1. None: NULL.
 *  2. Every later dest d that is not OVERLOAD (its weight is NOT checked
 *     again) replaces least when lcost * w(d) > cost(d) * w(least), both
 *     products in 64 bits.
 * This minimises (active + 1)/weight, the earliest dest winning ties; with no
 * active connections at all (UDP) it is the first dest of the highest weight.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static int64_t sed_cost(const struct lb_dest *d)
{
	return (int64_t)d->activeconns + 1;
}

static struct lb_dest *sed_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *least = NULL;
	int64_t lcost = 0;
	unsigned i;

	for (i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (!lb_dest_is_overloaded(d) && d->weight > 0) {
			least = d;
			lcost = sed_cost(d);
			break;
		}
	}
	if (!least)
		return NULL;
	for (i++; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		int64_t dcost;

		if (lb_dest_is_overloaded(d))
			continue;
		dcost = sed_cost(d);
		if (lcost * d->weight > dcost * least->weight) {
			least = d;
			lcost = dcost;
		}
	}
	return least;
}

const struct lb_sched_ops sched_sed_ops = {
	.name = "sed",
	.summary = "shortest expected delay: min (active+1)/weight (kernel ip_vs_sed)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = sed_pick,
};
