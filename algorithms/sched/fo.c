/*
 * algorithms/sched/fo.c - weighted failover, reproducing Linux ip_vs_fo.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick, no allocation.
 *
 * Rule (spec/ipvs-schedulers.md 2.7): among the dests that are not OVERLOAD,
 * the one with the highest weight; the scan keeps a dest only when its
 * weight is strictly above the best so far (which starts at 0), so the first
 * of equal weights wins and weight-0 dests never do. Connection counts are
 * not looked at: all traffic goes to one dest until it is overloaded,
 * quiesced or removed. Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *fo_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *best = NULL;
	int hw = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (!lb_dest_is_overloaded(d) && d->weight > hw) {
			best = d;
			hw = d->weight;
		}
	}
	return best;
}

const struct lb_sched_ops sched_fo_ops = {
	.name = "fo",
	.summary = "weighted failover: the first dest of the highest weight (kernel ip_vs_fo)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = fo_pick,
};
