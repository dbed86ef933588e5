/*
 * algorithms/sched/ovf.c - weighted overflow, reproducing Linux ip_vs_ovf.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick, no allocation.
 *
 * Rule (spec/ipvs-schedulers.md 2.8): skip a dest that is OVERLOAD, has
 * weight 0, or has more active connections than its weight (activeconns >
 * weight, strictly); among the rest return the highest weight, the first in
 * list order winning ties. The weight doubles as a connection budget: the
 * favourite takes weight + 1 active connections before traffic overflows to
 * the next one (vector V-OVF-1). Inactive connections are ignored.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *ovf_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *best = NULL;
	int hw = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		int w = d->weight;

		if (lb_dest_is_overloaded(d) || w == 0 || d->activeconns > w)
			continue;
		if (!best || w > hw) {
			best = d;
			hw = w;
		}
	}
	return best;
}

const struct lb_sched_ops sched_ovf_ops = {
	.name = "ovf",
	.summary = "weighted overflow: highest weight until active > weight (kernel ip_vs_ovf)",
	.flags = LB_SCHED_F_KERNEL,
	.pick = ovf_pick,
};
