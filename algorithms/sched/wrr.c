/*
 * algorithms/sched/wrr.c - weighted round robin, reproducing Linux ip_vs_wrr.c
 * (the loop of 6.1 / 6.12, not the older 2.6-era one).
 *
 * Called through lb_service_pick once per new connection; the add/del/upd
 * hooks run on config changes and recompute in O(n). A pick is O(n) per pass
 * and makes at most about mw/di passes, in practice O(n) amortised. The state
 * is one small struct allocated at init.
 *
 * State (spec/ipvs-schedulers.md 2.2):
 *   cl  - "head" (NULL) or the dest chosen last;
 *   cw  - the current weight threshold;
 *   di  - gcd of the positive weights (1 if none);
 *   mw  - max weight - (di - 1), so that stepping cw down by di from mw
 *         reaches every multiple of di and then a value <= 0.
 *
 * Algorithm. The scan runs over the list from the dest after cl and returns
 * the first dest with !OVERLOAD && weight >= cw (cw unchanged, cl = it). At
 * the end of the list cw steps down by di; when it falls to <= 0 it wraps to
 * mw and, if this is already the last pass or the scan started from head,
 * the pick fails with cl = head. Otherwise the scan restarts from the head.
 * The stop logic makes a pick that started at cl give up after one full
 * cycle: once cw wrapped (restarted) and is on its last pass (cw <= di), the
 * scan fails when it reaches and rejects the old cl ("stop"), leaving cl there.
 * Each cycle of mw/di passes therefore picks a dest of weight w w/di times,
 * interleaved by descending threshold.
 *
 * Any add, delete or edit resets cl to head and recomputes di and mw; cw is
 * then clamped to mw (also when 0), or, when di > 1, rounded to
 * floor(cw/di)*di + 1 so it stays on the di lattice shifted by one.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/xalloc.h"

struct wrr_state {
	struct lb_dest *cl; /* NULL = head */
	int cw;
	int mw;
	int di;
};

static int wrr_gcd(int a, int b)
{
	while (b) {
		int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* di = gcd of positive weights (1 if none); mw = max weight - (di - 1). */
static void wrr_compute(const struct lb_service *svc, struct wrr_state *st)
{
	int g = 0, max = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		int w = svc->dests[i]->weight;

		if (w > 0)
			g = g ? wrr_gcd(g, w) : w;
		if (w > max)
			max = w;
	}
	st->di = g ? g : 1;
	st->mw = max - (st->di - 1);
}

static int wrr_init(struct lb_service *svc)
{
	struct wrr_state *st = xcalloc(1, sizeof(*st));

	wrr_compute(svc, st);
	st->cw = st->mw;
	st->cl = NULL;
	svc->sched_priv = st;
	return 0;
}

static void wrr_done(struct lb_service *svc)
{
	free(svc->sched_priv);
	svc->sched_priv = NULL;
}

/* Any add, delete or edit: restart at head, recompute, re-fit cw (spec 2.2). */
static void wrr_changed(struct lb_service *svc, struct lb_dest *d)
{
	struct wrr_state *st = svc->sched_priv;

	st->cl = NULL;
	wrr_compute(svc, st);
	if (st->cw > st->mw || st->cw == 0)
		st->cw = st->mw;
	else if (st->di > 1)
		st->cw = (st->cw / st->di) * st->di + 1;
}

static struct lb_dest *wrr_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct wrr_state *st = svc->sched_priv;
	struct lb_dest *last = st->cl, *stop = NULL;
	bool last_pass = false, restarted = false;
	unsigned i;

	if (st->mw == 0)
		return NULL;
	i = last ? last->idx + 1 : 0;
	for (;;) {
		for (; i < svc->ndests; i++) {
			struct lb_dest *d = svc->dests[i];

			if (!lb_dest_is_overloaded(d) && d->weight >= st->cw) {
				st->cl = d;
				return d;
			}
			if (d == stop) {
				st->cl = stop;
				return NULL;
			}
		}
		/* End of the list: next pass with a lower threshold. */
		i = 0;
		st->cw -= st->di;
		if (st->cw <= 0) {
			st->cw = st->mw;
			if (last_pass || !last) {
				st->cl = NULL;
				return NULL;
			}
			restarted = true;
		}
		last_pass = st->cw <= st->di;
		if (last_pass && restarted && last)
			stop = last;
	}
}

const struct lb_sched_ops sched_wrr_ops = {
	.name = "wrr",
	.summary = "weighted round robin, interleaved by weight (kernel ip_vs_wrr)",
	.flags = LB_SCHED_F_KERNEL,
	.init = wrr_init,
	.done = wrr_done,
	.add_dest = wrr_changed,
	.del_dest = wrr_changed,
	.upd_dest = wrr_changed,
	.pick = wrr_pick,
};
