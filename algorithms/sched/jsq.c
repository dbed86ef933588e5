/*
 * algorithms/sched/jsq.c - join the shortest queue. NOT an IPVS scheduler:
 * IPVS sees connections, not requests, so it cannot count what a server
 * still owes. This is the classic JSQ policy (Winston, "Optimality of the
 * shortest line discipline", J. Appl. Prob. 14(1), 1977), exact, for
 * comparison with the kernel's connection-count proxies (lc, wlc, sed, nq).
 *
 * Called through lb_service_pick once per new connection (or request).
 * Stateless, O(n) per pick, no allocation. The load is d->outstanding, the
 * requests sent and not yet answered, which the director model or the shim
 * maintains with lb_dest_request_start / lb_dest_request_done (service.c).
 *
 * Rules:
 *  - Eligible: weight > 0 and not OVERLOAD. None: NULL.
 *  - The winner has the smallest outstanding / weight, compared as 64-bit
 *    cross products with a strict <, so the earliest eligible dest in list
 *    order wins ties (as wlc). With equal weights this is exactly "the
 *    fewest outstanding requests"; all idle dests tie, so the head of the
 *    list wins among them whatever their weights.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static struct lb_dest *jsq_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *best = NULL;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		if (!best || (int64_t)d->outstanding * best->weight <
				     (int64_t)best->outstanding * d->weight)
			best = d;
	}
	return best;
}

const struct lb_sched_ops sched_jsq_ops = {
	.name = "jsq",
	.summary = "join the shortest queue: fewest outstanding requests/weight (not in IPVS)",
	.flags = LB_SCHED_F_REQUESTS,
	.pick = jsq_pick,
};
