/*
 * algorithms/sched/random.c - uniform random choice. NOT an IPVS scheduler:
 * the textbook baseline of the load-balancing literature (the d = 1 case of
 * Mitzenmacher's supermarket model, IEEE TPDS 12(10), 2001), which ignores
 * both load and weight; every other policy should beat it.
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick (count the eligible dests, then walk to the drawn one), one
 * gsl_rng_uniform_int draw, no allocation. init fails with -EINVAL when
 * svc->rng is NULL.
 *
 * Rules: eligible = weight > 0 and not OVERLOAD; each eligible dest is
 * returned with probability 1 / (number eligible), whatever its weight
 * (wrandom is the weighted one). None eligible: NULL, and no draw.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stddef.h>

static int random_init(struct lb_service *svc)
{
	return svc->rng ? 0 : -EINVAL;
}

static bool random_eligible(const struct lb_dest *d)
{
	return d->weight > 0 && !lb_dest_is_overloaded(d);
}

static struct lb_dest *random_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	unsigned long n = 0, k;

	for (unsigned i = 0; i < svc->ndests; i++)
		n += random_eligible(svc->dests[i]);
	if (n == 0)
		return NULL;
	k = gsl_rng_uniform_int(svc->rng, n);
	for (unsigned i = 0; i < svc->ndests; i++) {
		if (!random_eligible(svc->dests[i]))
			continue;
		if (k-- == 0)
			return svc->dests[i];
	}
	return NULL; /* not reached */
}

const struct lb_sched_ops sched_random_ops = {
	.name = "random",
	.summary = "uniform random among eligible dests, weights ignored (not in IPVS)",
	.flags = LB_SCHED_F_RANDOM,
	.init = random_init,
	.pick = random_pick,
};
