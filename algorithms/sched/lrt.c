/*
 * algorithms/sched/lrt.c - least response time by peak EWMA. NOT an IPVS
 * scheduler: the kernel never sees response times. This is the "peak EWMA"
 * balancer of Twitter's Finagle (PeakEwma load metric) and Linkerd
 * (tower's PeakEwma): cost = response time estimate * (outstanding + 1).
 *
 * Called through lb_service_pick once per new connection (or request).
 * Stateless, O(n) per pick (one exp() per eligible dest), no allocation.
 * The inputs are per dest: outstanding, ewma_rt_ns and ewma_at_ns, kept by
 * lb_dest_request_start / lb_dest_request_done (service.c; the estimate
 * jumps up to a slower answer at once and decays towards faster ones with
 * time constant svc->conf.ewma_tau_ns). Time is svc->env's clock; with no
 * env it is 0 (no decay since the last answer at time >= 0).
 *
 * Rules:
 *  - Eligible: weight > 0 and not OVERLOAD. None: NULL.
 *  - est = ewma_rt_ns decayed to the present: est * exp(-(now - at) / tau)
 *    (no decay when tau <= 0 or now <= at). Idle knowledge fades, so a dest
 *    that was slow long ago is tried again.
 *  - cost = est * (outstanding + 1). A dest with no estimate yet costs 0 while
 *    nothing is outstanding on it, so it gets tried; while its first answers
 *    are pending it costs LRT_PENALTY_NS + outstanding (Finagle's rule), so
 *    new dests are probed one request at a time instead of flooded.
 *  - The winner has the smallest cost / weight (cross products in double, a
 *    strict <), the earliest eligible dest in list order on ties.
 *
 * Deliberately different from Finagle and tower: reading the load does not
 * write the decayed value back, so the estimate changes only with answers
 * and does not depend on how often picks happen.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <math.h>
#include <stddef.h>

/* Cost of a dest whose first answer is still pending: 2^47 ns, about 39 h. */
#define LRT_PENALTY_NS 140737488355328.0

static int64_t lrt_now(const struct lb_service *svc)
{
	if (!svc->env || !svc->env->now_ns)
		return 0;
	return svc->env->now_ns(svc->env->ctx);
}

static double lrt_cost(const struct lb_dest *d, int64_t now, int64_t tau)
{
	double est = (double)d->ewma_rt_ns;

	if (d->ewma_rt_ns <= 0)
		return d->outstanding > 0 ? LRT_PENALTY_NS + d->outstanding : 0.0;
	if (tau > 0 && now > d->ewma_at_ns)
		est *= exp(-(double)(now - d->ewma_at_ns) / (double)tau);
	return est * ((double)d->outstanding + 1.0);
}

static struct lb_dest *lrt_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	int64_t now = lrt_now(svc), tau = svc->conf.ewma_tau_ns;
	struct lb_dest *best = NULL;
	double bcost = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		double c;

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		c = lrt_cost(d, now, tau);
		if (!best || c * best->weight < bcost * d->weight) {
			best = d;
			bcost = c;
		}
	}
	return best;
}

const struct lb_sched_ops sched_lrt_ops = {
	.name = "lrt",
	.summary = "least response time: peak-EWMA rt * (outstanding+1) / weight (not in IPVS)",
	.flags = LB_SCHED_F_REQUESTS,
	.pick = lrt_pick,
};
