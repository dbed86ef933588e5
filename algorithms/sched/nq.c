/*
 * algorithms/sched/nq.c - never queue, reproducing Linux ip_vs_nq.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick,
 * O(log n) per connection bind/unbind, through the shared index of
 * lcindex.c (order LCINDEX_NQ: idle dests cost 0), which returns exactly
 * what the kernel's linear scan returns (the proof is in lcindex.c). The
 * scan itself, O(n) at worst as it stops at the first idle dest, is kept as
 * sched_nq_scan for the tests that compare the two.
 *
 * Rules (spec/ipvs-schedulers.md 2.6): walk the list, skipping dests that
 * are OVERLOAD or have weight 0.
 *  - The first dest with no active connection is returned at once.
 *  - Otherwise the result is the dest with the least (activeconns + 1)/weight,
 *    compared as lcost * w(d) > cost(d) * w(least) in 64 bits (strict, so
 *    the first of tied minima wins). None eligible: NULL.
 * Inactive connections are ignored; for UDP every dest is "idle", so nq
 * degenerates to "the first eligible dest".
 * Deliberately different: only the cost of a pick (O(1) instead of O(n)).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

#include "algorithms/sched/lcindex.h"

/*
 * sched_nq_scan - the kernel's procedure itself over svc's list: the dest or
 * NULL. O(n) at worst, no allocation, reads no scheduler state.
 */
struct lb_dest *sched_nq_scan(struct lb_service *svc)
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

static int nq_init(struct lb_service *svc)
{
	return lcindex_attach(svc, LCINDEX_NQ);
}

const struct lb_sched_ops sched_nq_ops = {
	.name = "nq",
	.summary = "never queue: first idle dest, else min (active+1)/weight (kernel ip_vs_nq)",
	.flags = LB_SCHED_F_KERNEL,
	.init = nq_init,
	.done = lcindex_detach,
	.add_dest = lcindex_relist,
	.del_dest = lcindex_relist,
	.upd_dest = lcindex_changed,
	.load_changed = lcindex_changed,
	.pick = lcindex_pick,
};
