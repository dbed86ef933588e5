/*
 * algorithms/sched/lc.c - least connection, reproducing Linux ip_vs_lc.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick,
 * O(log n) per connection bind/unbind, through the shared index of
 * lcindex.c (order LCINDEX_LC), which returns exactly what the kernel's
 * linear scan returns (the proof is in lcindex.c). The scan itself is kept
 * as sched_lc_scan for the tests that compare the two.
 *
 * Rules (spec/ipvs-schedulers.md 2.3): skip dests that are OVERLOAD or have
 * weight 0; among the rest return the one with the smallest connection
 * overhead (spec 1.3, per the service's profile: legacy 256*active+inactive,
 * current 257*active+inactive). The overheads are compared as unsigned int,
 * as the kernel does, with a strict <, so the first dest in list order wins
 * ties. Weights are otherwise ignored.
 * Deliberately different: only the cost of a pick (O(1) instead of O(n)).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

#include "algorithms/sched/lcindex.h"

/*
 * sched_lc_scan - the kernel's procedure itself over svc's list: the dest or
 * NULL. O(n), no allocation, reads no scheduler state.
 */
struct lb_dest *sched_lc_scan(struct lb_service *svc)
{
	struct lb_dest *least = NULL;
	unsigned int loh = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		unsigned int doh;

		if (lb_dest_is_overloaded(d) || d->weight == 0)
			continue;
		doh = (unsigned int)lb_dest_overhead(svc, d);
		if (!least || doh < loh) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

static int lc_init(struct lb_service *svc)
{
	return lcindex_attach(svc, LCINDEX_LC);
}

const struct lb_sched_ops sched_lc_ops = {
	.name = "lc",
	.summary = "least connection overhead, weights only as on/off (kernel ip_vs_lc)",
	.flags = LB_SCHED_F_KERNEL,
	.init = lc_init,
	.done = lcindex_detach,
	.add_dest = lcindex_relist,
	.del_dest = lcindex_relist,
	.upd_dest = lcindex_changed,
	.load_changed = lcindex_changed,
	.pick = lcindex_pick,
};
