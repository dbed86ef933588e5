/*
 * algorithms/sched/pod.c - power of d choices. NOT a kernel scheduler: IPVS has
 * no such thing (its twos is the d = 2 case with different rules); this is the
 * textbook policy, for comparing against what the kernel offers.
 *
 * Called through lb_service_pick once per new connection. O(d log n) per pick
 * with no allocation; after any add, delete or edit of a dest the eligible
 * list is rebuilt once, lazily, at the next pick (O(n), reusing its arrays).
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
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/xalloc.h"

#define POD_RETRIES 16

struct pod_state {
	struct lb_dest **el; /* dests with weight > 0, list order */
	uint64_t *cum;	     /* cum[i] = sum of el[0..i] weights */
	unsigned n;
	unsigned cap;
	uint64_t total;
	bool equal; /* all el weights equal: uniform sampling */
	bool dirty; /* the dest set or a weight changed since the last rebuild */
};

static int pod_init(struct lb_service *svc)
{
	struct pod_state *st;

	if (!svc->rng)
		return -EINVAL;
	st = xcalloc(1, sizeof(*st));
	st->dirty = true;
	svc->sched_priv = st;
	return 0;
}

static void pod_done(struct lb_service *svc)
{
	struct pod_state *st = svc->sched_priv;

	if (st) {
		free(st->el);
		free(st->cum);
		free(st);
	}
	svc->sched_priv = NULL;
}

static void pod_changed(struct lb_service *svc, struct lb_dest *d)
{
	struct pod_state *st = svc->sched_priv;

	st->dirty = true;
}

static void pod_rebuild(struct lb_service *svc, struct pod_state *st)
{
	if (st->cap < svc->ndests) {
		st->cap = svc->ndests;
		st->el = xrealloc(st->el, st->cap * sizeof(*st->el));
		st->cum = xrealloc(st->cum, st->cap * sizeof(*st->cum));
	}
	st->n = 0;
	st->total = 0;
	st->equal = true;
	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (d->weight <= 0)
			continue;
		if (st->n > 0 && d->weight != st->el[0]->weight)
			st->equal = false;
		st->total += (uint64_t)d->weight;
		st->el[st->n] = d;
		st->cum[st->n] = st->total;
		st->n++;
	}
	st->dirty = false;
}

/*
 * Uniform on [0, bound), bound >= 1. One gsl_rng_uniform_int draw when the
 * generator's range allows, else 64 bits from four 16-bit draws with
 * rejection (only for total weights beyond 2^32).
 */
static uint64_t pod_below(const gsl_rng *rng, uint64_t bound)
{
	uint64_t range = gsl_rng_max(rng) - gsl_rng_min(rng);
	uint64_t lim, x;

	if (bound <= range)
		return gsl_rng_uniform_int(rng, (unsigned long)bound);
	lim = UINT64_MAX - UINT64_MAX % bound; /* a multiple of bound */
	do {
		x = 0;
		for (int k = 0; k < 4; k++)
			x = (x << 16) | gsl_rng_uniform_int(rng, 65536);
	} while (x >= lim);
	return x % bound;
}

static struct lb_dest *pod_sample(const struct pod_state *st, const gsl_rng *rng)
{
	uint64_t r;
	unsigned lo = 0, hi;

	if (st->equal)
		return st->el[pod_below(rng, st->n)];
	/* First i with cum[i] > r. */
	r = pod_below(rng, st->total);
	hi = st->n - 1;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (st->cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return st->el[lo];
}

/* a loaded less than b: (active_a + 1) / w_a < (active_b + 1) / w_b. */
static bool pod_less(const struct lb_dest *a, const struct lb_dest *b)
{
	return ((int64_t)a->activeconns + 1) * b->weight <
	       ((int64_t)b->activeconns + 1) * a->weight;
}

/* The d = n fallback: least loaded usable dest, first in list order on ties. */
static struct lb_dest *pod_scan(const struct pod_state *st)
{
	struct lb_dest *best = NULL;

	for (unsigned i = 0; i < st->n; i++) {
		struct lb_dest *d = st->el[i];

		if (!lb_dest_is_overloaded(d) && (!best || pod_less(d, best)))
			best = d;
	}
	return best;
}

static struct lb_dest *pod_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct pod_state *st = svc->sched_priv;
	unsigned d = svc->conf.d ? svc->conf.d : 2;
	struct lb_dest *best = NULL;

	if (st->dirty)
		pod_rebuild(svc, st);
	if (st->n == 0)
		return NULL;
	for (unsigned s = 0; s < d; s++) {
		struct lb_dest *c;
		unsigned tries = 0;

		do {
			c = pod_sample(st, svc->rng);
		} while (lb_dest_is_overloaded(c) && ++tries <= POD_RETRIES);
		if (lb_dest_is_overloaded(c))
			return pod_scan(st);
		if (!best || pod_less(c, best))
			best = c;
	}
	return best;
}

const struct lb_sched_ops sched_pod_ops = {
	.name = "pod",
	.summary = "power of d random choices, fewest active/weight (not in IPVS; conf d)",
	.flags = LB_SCHED_F_RANDOM,
	.init = pod_init,
	.done = pod_done,
	.add_dest = pod_changed,
	.del_dest = pod_changed,
	.upd_dest = pod_changed,
	.pick = pod_pick,
};
