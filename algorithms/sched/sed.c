/*
 * algorithms/sched/sed.c - shortest expected delay, reproducing Linux
 * ip_vs_sed.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick,
 * O(log n) per connection bind/unbind, through the shared index of
 * lcindex.c (order LCINDEX_SED), which returns exactly what the kernel's
 * linear scan returns (the proof is in lcindex.c). The scan itself is kept
 * as sched_sed_scan for the tests that compare the two.
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
 * Deliberately different: only the cost of a pick (O(1) instead of O(n)).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

#include "algorithms/sched/lcindex.h"

static int64_t sed_cost(const struct lb_dest *d)
{
	return (int64_t)d->activeconns + 1;
}

/*
 * sched_sed_scan - the kernel's procedure itself, rules 1-2 above, over svc's
 * list: the dest or NULL. O(n), no allocation, reads no scheduler state.
 */
struct lb_dest *sched_sed_scan(struct lb_service *svc)
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

static int sed_init(struct lb_service *svc)
{
	return lcindex_attach(svc, LCINDEX_SED);
}

const struct lb_sched_ops sched_sed_ops = {
	.name = "sed",
	.summary = "shortest expected delay: min (active+1)/weight (kernel ip_vs_sed)",
	.flags = LB_SCHED_F_KERNEL,
	.init = sed_init,
	.done = lcindex_detach,
	.add_dest = lcindex_relist,
	.del_dest = lcindex_relist,
	.upd_dest = lcindex_changed,
	.load_changed = lcindex_changed,
	.pick = lcindex_pick,
};
