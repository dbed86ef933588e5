/*
 * algorithms/sched/wrandom.c - weighted random choice. NOT an IPVS
 * scheduler: the stateless randomized counterpart of wrr (random selection
 * in proportion to weight, the baseline of the load-balancing literature),
 * choosing each dest in proportion to its weight and ignoring load.
 *
 * Called through lb_service_pick once per new connection: one draw and one
 * binary search in the cumulative weights (wsample.c), O(log n), no
 * allocation; the cumulative array is rebuilt lazily after an add, delete
 * or edit (O(n)). init fails with -EINVAL when svc->rng is NULL.
 *
 * Rules:
 *  - The candidates are the dests with weight > 0; dest i is drawn with
 *    probability w_i / (total weight) (uniform index when all weights are
 *    equal).
 *  - A draw that lands on an OVERLOAD dest is redrawn, up to
 *    WRANDOM_RETRIES times; then one exact weighted draw over the
 *    candidates that are not OVERLOAD (O(n)), or NULL when there is none.
 *    Either way the result has probability w_i / (weight of the non-OVERLOAD
 *    candidates), only the number of draws differs.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include "algorithms/sched/wsample.h"

#define WRANDOM_RETRIES 16

/* One exact weighted draw over the candidates that are not OVERLOAD. */
static struct lb_dest *wrandom_scan(const struct wsample *ws, const gsl_rng *rng)
{
	uint64_t total = 0, r;

	for (unsigned i = 0; i < ws->n; i++)
		if (!lb_dest_is_overloaded(ws->el[i]))
			total += (uint64_t)ws->el[i]->weight;
	if (total == 0)
		return NULL;
	r = wsample_below(rng, total);
	for (unsigned i = 0; i < ws->n; i++) {
		struct lb_dest *d = ws->el[i];

		if (lb_dest_is_overloaded(d))
			continue;
		if (r < (uint64_t)d->weight)
			return d;
		r -= (uint64_t)d->weight;
	}
	return NULL; /* not reached */
}

static struct lb_dest *wrandom_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct wsample *ws = svc->sched_priv;

	wsample_refresh(ws, svc);
	if (ws->n == 0)
		return NULL;
	for (unsigned t = 0; t <= WRANDOM_RETRIES; t++) {
		struct lb_dest *d = ws->el[wsample_draw(ws, svc->rng)];

		if (!lb_dest_is_overloaded(d))
			return d;
	}
	return wrandom_scan(ws, svc->rng);
}

const struct lb_sched_ops sched_wrandom_ops = {
	.name = "wrandom",
	.summary = "random in proportion to weight, load ignored (not in IPVS)",
	.flags = LB_SCHED_F_RANDOM,
	.init = wsample_sched_init,
	.done = wsample_sched_done,
	.add_dest = wsample_sched_dirty,
	.del_dest = wsample_sched_dirty,
	.upd_dest = wsample_sched_dirty,
	.pick = wrandom_pick,
};
