/*
 * algorithms/sched/wlc.c - weighted least connection, reproducing Linux
 * ip_vs_wlc.c; the default scheduler of ipvsadm and keepalived.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick,
 * O(log n) per connection bind/unbind, through the shared index of
 * lcindex.c (order LCINDEX_WLC), which returns exactly what the kernel's
 * linear scan returns (the proof is in lcindex.c). The scan itself is kept
 * as sched_wlc_scan for lblc/lblcr's fallback, which runs while
 * svc->sched_priv belongs to them, and for the tests that compare the two.
 *
 * Rules (spec/ipvs-schedulers.md 2.4):
 *  1. least = the first dest in list order that is not OVERLOAD and has
 *     weight > 0; loh = its overhead (spec 1.3, per profile). None: NULL.
 *  2. Every later dest d that is not OVERLOAD (its weight is NOT checked
 *     again) replaces least when loh * w(d) > overhead(d) * w(least), both
 *     products in 64 bits.
 * This minimises overhead/weight with the earliest dest winning ties. A later
 * weight-0 dest cannot win: loh * 0 > x is false for any x >= 0.
 * Deliberately different: only the cost of a pick (O(1) instead of O(n)).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

#include "algorithms/sched/lcindex.h"

/*
 * sched_wlc_scan - the kernel's procedure itself, rules 1-2 above, over svc's
 * list: the dest or NULL. O(n), no allocation, reads no scheduler state.
 */
struct lb_dest *sched_wlc_scan(struct lb_service *svc)
{
	struct lb_dest *least = NULL;
	int64_t loh = 0;
	unsigned i;

	for (i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (!lb_dest_is_overloaded(d) && d->weight > 0) {
			least = d;
			loh = lb_dest_overhead(svc, d);
			break;
		}
	}
	if (!least)
		return NULL;
	for (i++; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		int64_t doh;

		if (lb_dest_is_overloaded(d))
			continue;
		doh = lb_dest_overhead(svc, d);
		if (loh * d->weight > doh * least->weight) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

static int wlc_init(struct lb_service *svc)
{
	return lcindex_attach(svc, LCINDEX_WLC);
}

const struct lb_sched_ops sched_wlc_ops = {
	.name = "wlc",
	.summary = "weighted least connection: min overhead/weight (kernel ip_vs_wlc, default)",
	.flags = LB_SCHED_F_KERNEL,
	.init = wlc_init,
	.done = lcindex_detach,
	.add_dest = lcindex_relist,
	.del_dest = lcindex_relist,
	.upd_dest = lcindex_changed,
	.load_changed = lcindex_changed,
	.pick = lcindex_pick,
};
