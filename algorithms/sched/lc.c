/*
 * algorithms/sched/lc.c - least connection, reproducing Linux ip_vs_lc.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick (a linear scan, as in the kernel), no allocation.
 *
 * Rules (spec/ipvs-schedulers.md 2.3): skip dests that are OVERLOAD or have
 * weight 0; among the rest return the one with the smallest connection
 * overhead (spec 1.3, per the service's profile: legacy 256*active+inactive,
 * current 257*active+inactive). The overheads are compared as unsigned int,
 * as the kernel does, with a strict <, so the first dest in list order wins
 * ties. Weights are otherwise ignored.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *lc_pick(struct lb_service *svc, const struct lb_flow_key *key)
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

const struct lb_sched_ops sched_lc_ops = {
	.name = "lc",
	.summary = "least connection overhead, weights only as on/off (kernel ip_vs_lc)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = lc_pick,
};
