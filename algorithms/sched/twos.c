/*
 * algorithms/sched/twos.c - power of two choices, reproducing Linux ip_vs_twos.c.
 *
 * Called through lb_service_pick once per new connection. Stateless, two
 * O(n) scans per pick (sum, then walk, as in the kernel), two draws from
 * svc->rng, no allocation. init fails with -EINVAL when svc->rng is NULL.
 *
 * Rules (spec/ipvs-schedulers.md 2.9):
 *  1. W = sum of the weights of the eligible dests (not OVERLOAD, weight > 0).
 *     None eligible: NULL, and no draw is made.
 *  2. r1 then r2, independent and uniform on [0, W] (W + 1 values), the
 *     kernel's get_random_u32_below(W + 1). Here each is one
 *     gsl_rng_uniform_int(svc->rng, W + 1) call, r1 first; tests script the
 *     draws with a custom gsl_rng type.
 *  3. Walk the eligible dests in list order subtracting each weight from r1
 *     and r2; choice1 is the first dest where r1 <= 0, choice2 the first
 *     where r2 <= 0 (r = 0 selects the first dest, which is why the head has
 *     probability (w+1)/(W+1)).
 *  4. Return choice2 when w2 * overhead1 > w1 * overhead2, else choice1. The
 *     kernel multiplies in 32-bit int and is built so that signed overflow
 *     wraps; we multiply in uint32_t and convert to int32_t, which gives the
 *     same bits without undefined behaviour.
 *
 * Deliberate difference: the kernel sums W in an int, which wraps when the
 * eligible weights add up to 2^31 or more. We sum in 64 bits and clamp W to
 * what the generator can draw (gsl_rng_uniform_int needs W + 1 <= its range;
 * 2^32 - 1 for the default mt19937). Configurations that reach this are
 * outside anything the kernel handles sensibly anyway.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stddef.h>

static bool twos_eligible(const struct lb_dest *d)
{
	return d->weight > 0 && !lb_dest_is_overloaded(d);
}

static int twos_init(struct lb_service *svc)
{
	return svc->rng ? 0 : -EINVAL;
}

static struct lb_dest *twos_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *c1 = NULL, *c2 = NULL;
	uint64_t total = 0, range;
	int64_t r1, r2;
	int32_t o1 = 0, o2 = 0, lhs, rhs;

	for (unsigned i = 0; i < svc->ndests; i++)
		if (twos_eligible(svc->dests[i]))
			total += (uint64_t)svc->dests[i]->weight;
	if (total == 0)
		return NULL;
	range = gsl_rng_max(svc->rng) - gsl_rng_min(svc->rng);
	if (total > range - 1)
		total = range - 1;
	r1 = (int64_t)gsl_rng_uniform_int(svc->rng, (unsigned long)total + 1);
	r2 = (int64_t)gsl_rng_uniform_int(svc->rng, (unsigned long)total + 1);

	for (unsigned i = 0; i < svc->ndests && (!c1 || !c2); i++) {
		struct lb_dest *d = svc->dests[i];

		if (!twos_eligible(d))
			continue;
		r1 -= d->weight;
		r2 -= d->weight;
		if (!c1 && r1 <= 0) {
			c1 = d;
			o1 = lb_dest_overhead(svc, d);
		}
		if (!c2 && r2 <= 0) {
			c2 = d;
			o2 = lb_dest_overhead(svc, d);
		}
	}
	/* r1, r2 <= W = the last cumulative sum, so both walks ended on a dest. */
	lhs = (int32_t)((uint32_t)c2->weight * (uint32_t)o1);
	rhs = (int32_t)((uint32_t)c1->weight * (uint32_t)o2);
	return lhs > rhs ? c2 : c1;
}

const struct lb_sched_ops sched_twos_ops = {
	.name = "twos",
	.summary = "two weighted random choices, lower overhead/weight (kernel ip_vs_twos)",
	.flags = LB_SCHED_F_KERNEL | LB_SCHED_F_RANDOM,
	.init = twos_init,
	.pick = twos_pick,
};
