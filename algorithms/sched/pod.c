/*
 * algorithms/sched/pod.c - power of d choices. NOT a kernel scheduler: IPVS has
 * no such thing (its twos is the d = 2 case with different rules); this is the
 * textbook policy, for comparing against what the kernel offers.
 *
 * Called through lb_service_pick once per new connection. O(d log n) per pick
 * with no allocation; after any add, delete or edit of a dest the eligible
 * list is rebuilt once, lazily, at the next pick (O(n), reusing its arrays;
 * the sampler is wsample.c, shared with podnr and wrandom).
 * init fails with -EINVAL when svc->rng is NULL.
 *
 * Model: Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", IEEE TPDS 12(10), 2001 (the supermarket model): each arrival
 * samples d servers at random and joins the shortest queue; with d = 2 the
 * maximum queue drops from log n / log log n to log log n / log d.
 *
 * Rules:
 *  - d = svc->conf.d, 0 meaning 2. Samples are drawn WITH replacement.
 *  - The candidates are the dests with weight > 0, in list order. When all
 *    their weights are equal a sample is uniform over them (one
 *    gsl_rng_uniform_int draw); otherwise a sample lands on a dest with
 *    probability weight / total weight (one draw in [0, total), then binary
 *    search in the cumulative-weight array), so a dest twice as heavy is
 *    sampled, and so compared, twice as often.
 *  - A sample that lands on an OVERLOAD dest is redrawn, up to POD_RETRIES
 *    times. If a sample still cannot find a usable dest, the pick falls back
 *    to a full scan (the d = n limit of the same rule): the least loaded of
 *    all usable dests, or NULL when there is none. With few overloaded dests
 *    this never happens; with almost all overloaded it keeps picks finite.
 *  - Among the samples the winner has the smallest (activeconns + 1)/weight,
 *    compared as 64-bit cross products with a strict <, so the earliest
 *    sample wins ties. With equal weights this is exactly "join the sample
 *    with the fewest active connections". The +1 counts the arriving
 *    connection itself (expected delay, as sed does), so among idle dests the
 *    heavier (faster) one wins instead of a tie.
 *  - The load is activeconns only, not the IPVS overhead: inactive
 *    connections (FIN_WAIT, TIME_WAIT, unreplied UDP) linger for a protocol
 *    timeout but are no queued work at the server, and the supermarket
 *    model's queue length is the work in service. Counting them would make
 *    the policy chase timers instead of load.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/pod.h"

#include "algorithms/sched/sched.h"

/*
 * pod_less - a is less loaded than b: (active_a + 1) / w_a < (active_b + 1) / w_b
 * as 64-bit cross products; false on a tie. Both weights > 0.
 */
bool pod_less(const struct lb_dest *a, const struct lb_dest *b)
{
	return ((int64_t)a->activeconns + 1) * b->weight <
	       ((int64_t)b->activeconns + 1) * a->weight;
}

/*
 * pod_scan - the d = n limit: the least loaded (pod_less) of ws's dests that
 * are not OVERLOAD, the first in list order on ties; NULL when there is none.
 */
struct lb_dest *pod_scan(const struct wsample *ws)
{
	struct lb_dest *best = NULL;

	for (unsigned i = 0; i < ws->n; i++) {
		struct lb_dest *d = ws->el[i];

		if (!lb_dest_is_overloaded(d) && (!best || pod_less(d, best)))
			best = d;
	}
	return best;
}

static struct lb_dest *pod_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct wsample *ws = svc->sched_priv;
	unsigned d = svc->conf.d ? svc->conf.d : 2;
	struct lb_dest *best = NULL;

	wsample_refresh(ws, svc);
	if (ws->n == 0)
		return NULL;
	for (unsigned s = 0; s < d; s++) {
		struct lb_dest *c;
		unsigned tries = 0;

		do {
			c = ws->el[wsample_draw(ws, svc->rng)];
		} while (lb_dest_is_overloaded(c) && ++tries <= POD_RETRIES);
		if (lb_dest_is_overloaded(c))
			return pod_scan(ws);
		if (!best || pod_less(c, best))
			best = c;
	}
	return best;
}

const struct lb_sched_ops sched_pod_ops = {
	.name = "pod",
	.summary = "power of d random choices, fewest active/weight (not in IPVS; conf d)",
	.flags = LB_SCHED_F_RANDOM,
	.init = wsample_sched_init,
	.done = wsample_sched_done,
	.add_dest = wsample_sched_dirty,
	.del_dest = wsample_sched_dirty,
	.upd_dest = wsample_sched_dirty,
	.pick = pod_pick,
};
