/*
 * algorithms/sched/wlc.c - weighted least connection, reproducing Linux
 * ip_vs_wlc.c; the default scheduler of ipvsadm and keepalived.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick (a linear scan, as in the kernel), no allocation.
 *
 * Rules (spec/ipvs-schedulers.md 2.4):
 *  1. least = the first dest in list order that is not OVERLOAD and has
 *     weight > 0; loh = its overhead (spec 1.3, per profile). None: NULL.
 *  2. Every later dest d that is not OVERLOAD (its weight is NOT checked
 *     again) replaces least when loh * w(d) > overhead(d) * w(least), both
 *     products in 64 bits.
 * This minimises overhead/weight with the earliest dest winning ties. A later
 * weight-0 dest cannot win: loh * 0 > x is false for any x >= 0.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *wlc_pick(struct lb_service *svc, const struct lb_flow_key *key)
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

const struct lb_sched_ops sched_wlc_ops = {
	.name = "wlc",
	.summary = "weighted least connection: min overhead/weight (kernel ip_vs_wlc, default)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = wlc_pick,
};
