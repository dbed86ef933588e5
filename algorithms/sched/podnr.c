/*
 * algorithms/sched/podnr.c - power of d choices WITHOUT replacement. NOT an
 * IPVS scheduler: the d samples of one pick are d distinct dests, the
 * variant analysed alongside the classic one (Mitzenmacher, "The Power of
 * Two Choices in Randomized Load Balancing", IEEE TPDS 12(10), 2001; the
 * supermarket model with distinct choices). "pod" (pod.c) is the same policy
 * with replacement, where a pick may compare a dest with itself.
 *
 * Called through lb_service_pick once per new connection. O(d log n + d^2)
 * per pick (each draw is one binary search plus a walk over the dests
 * already drawn, kept sorted), no allocation; the eligible list is rebuilt
 * lazily after an add, delete or edit (O(n), wsample.c). init fails with
 * -EINVAL when svc->rng is NULL.
 *
 * Rules (as pod's unless stated):
 *  - d = svc->conf.d, 0 meaning 2. The candidates are the dests with weight
 *    > 0; a draw lands on a candidate in proportion to its weight among
 *    those not yet drawn in this pick (successive sampling), uniformly when
 *    all weights are equal.
 *  - When d >= the number of candidates every candidate is compared: the
 *    pick is pod's full scan (least loaded usable dest).
 *  - A draw that lands on an OVERLOAD dest is discarded and that dest is
 *    not drawn again in this pick; after POD_RETRIES such draws the pick
 *    falls back to the full scan. If the candidates run out first, the
 *    winner of the usable samples so far is returned (NULL if none).
 *  - The winner has the smallest (activeconns + 1) / weight, the earliest
 *    sample winning ties (pod_less, pod.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stdlib.h>

#include "algorithms/sched/pod.h"
#include "sim/xalloc.h"

struct podnr_state {
	struct wsample ws; /* first: wsample_sched_dirty marks it */
	unsigned *drawn; /* this pick's drawn indexes into ws.el, ascending */
	unsigned cap;
};

static int podnr_init(struct lb_service *svc)
{
	struct podnr_state *st;

	if (!svc->rng)
		return -EINVAL;
	st = xcalloc(1, sizeof(*st));
	st->ws.dirty = true;
	svc->sched_priv = st;
	return 0;
}

static void podnr_done(struct lb_service *svc)
{
	struct podnr_state *st = svc->sched_priv;

	if (st) {
		wsample_fini(&st->ws);
		free(st->drawn);
		free(st);
	}
	svc->sched_priv = NULL;
}

/* Insert i into the ascending array a[0..n) (i is not in it). */
static void podnr_insert(unsigned *a, unsigned n, unsigned i)
{
	unsigned k = n;

	while (k > 0 && a[k - 1] > i) {
		a[k] = a[k - 1];
		k--;
	}
	a[k] = i;
}

static struct lb_dest *podnr_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct podnr_state *st = svc->sched_priv;
	struct wsample *ws = &st->ws;
	unsigned d = svc->conf.d ? svc->conf.d : 2;
	unsigned taken = 0, nd = 0, over = 0;
	struct lb_dest *best = NULL;

	wsample_refresh(ws, svc);
	if (ws->n == 0)
		return NULL;
	if (d >= ws->n)
		return pod_scan(ws);
	if (st->cap < ws->n) {
		st->cap = ws->n;
		st->drawn = xrealloc(st->drawn, st->cap * sizeof(*st->drawn));
	}
	while (taken < d && nd < ws->n) {
		unsigned i = wsample_draw_excluding(ws, svc->rng, st->drawn, nd);
		struct lb_dest *c = ws->el[i];

		podnr_insert(st->drawn, nd++, i);
		if (lb_dest_is_overloaded(c)) {
			if (++over > POD_RETRIES)
				return pod_scan(ws);
			continue;
		}
		taken++;
		if (!best || pod_less(c, best))
			best = c;
	}
	return best;
}

const struct lb_sched_ops sched_podnr_ops = {
	.name = "podnr",
	.summary = "power of d distinct random choices, fewest active/weight (not in IPVS; conf d)",
	.flags = LB_SCHED_F_RANDOM,
	.init = podnr_init,
	.done = podnr_done,
	.add_dest = wsample_sched_dirty,
	.del_dest = wsample_sched_dirty,
	.upd_dest = wsample_sched_dirty,
	.pick = podnr_pick,
};
