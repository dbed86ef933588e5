/*
 * algorithms/sched/wsample.c - weighted random sampling of the dests with
 * weight > 0, for the beyond-IPVS randomized schedulers (pod, podnr,
 * wrandom). Not a scheduler; no IPVS counterpart (only twos draws randomly
 * in the kernel, by its own rule).
 *
 * Called once or a few times per pick. A draw is O(log n) (one binary
 * search in the cumulative weights) plus O(k) for k excluded dests, with
 * no allocation; after a dest is added, deleted or edited the caller marks
 * the set dirty and the next wsample_refresh rebuilds it once, O(n),
 * reusing its arrays.
 *
 * When every weight is equal a draw is one uniform index (one
 * gsl_rng_uniform_int call); otherwise one draw in [0, total weight) and
 * the first cumulative weight above it, so dest i is drawn with probability
 * w_i / total. Drawing without replacement excludes dests already drawn:
 * one draw over the remaining weight, then the excluded weight intervals
 * that lie at or before the drawn point are skipped (a sorted walk), which
 * is exactly "draw from the rest in proportion to weight", in one draw.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/wsample.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/xalloc.h"

/* wsample_fini - free ws's arrays; ws is empty (and clean) afterwards. */
void wsample_fini(struct wsample *ws)
{
	free(ws->el);
	free(ws->cum);
	ws->el = NULL;
	ws->cum = NULL;
	ws->n = ws->cap = 0;
	ws->total = 0;
}

/*
 * wsample_refresh - if ws is dirty, rebuild it from svc's dests with weight
 * > 0, in list order. O(n) then, O(1) otherwise.
 */
void wsample_refresh(struct wsample *ws, const struct lb_service *svc)
{
	if (!ws->dirty)
		return;
	if (ws->cap < svc->ndests) {
		ws->cap = svc->ndests;
		ws->el = xrealloc(ws->el, ws->cap * sizeof(*ws->el));
		ws->cum = xrealloc(ws->cum, ws->cap * sizeof(*ws->cum));
	}
	ws->n = 0;
	ws->total = 0;
	ws->equal = true;
	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (d->weight <= 0)
			continue;
		if (ws->n > 0 && d->weight != ws->el[0]->weight)
			ws->equal = false;
		ws->total += (uint64_t)d->weight;
		ws->el[ws->n] = d;
		ws->cum[ws->n] = ws->total;
		ws->n++;
	}
	ws->dirty = false;
}

/*
 * wsample_below - uniform on [0, bound), bound >= 1. One gsl_rng_uniform_int
 * draw when the generator's range allows, else 64 bits from four 16-bit
 * draws with rejection (only for total weights beyond 2^32).
 */
uint64_t wsample_below(const gsl_rng *rng, uint64_t bound)
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

static uint64_t wsample_width(const struct wsample *ws, unsigned i)
{
	return ws->cum[i] - (i ? ws->cum[i - 1] : 0);
}

/*
 * wsample_draw_excluding - an index into ws->el drawn in proportion to weight
 * among the indexes NOT in excl[0..nexcl), which must be distinct, sorted
 * ascending and fewer than ws->n (so something remains). ws must be
 * refreshed and non-empty. With nexcl = 0 this is wsample_draw.
 */
unsigned wsample_draw_excluding(const struct wsample *ws, const gsl_rng *rng,
				const unsigned *excl, unsigned nexcl)
{
	uint64_t r, left = ws->total;
	unsigned lo = 0, hi;

	if (ws->equal) {
		r = wsample_below(rng, ws->n - nexcl);
		for (unsigned k = 0; k < nexcl && excl[k] <= r; k++)
			r++;
		return (unsigned)r;
	}
	for (unsigned k = 0; k < nexcl; k++)
		left -= wsample_width(ws, excl[k]);
	r = wsample_below(rng, left);
	for (unsigned k = 0; k < nexcl; k++) {
		uint64_t w = wsample_width(ws, excl[k]);

		if (ws->cum[excl[k]] - w > r)
			break;
		r += w;
	}
	/* First i with cum[i] > r. */
	hi = ws->n - 1;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (ws->cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* wsample_draw - an index into ws->el drawn in proportion to weight. */
unsigned wsample_draw(const struct wsample *ws, const gsl_rng *rng)
{
	return wsample_draw_excluding(ws, rng, NULL, 0);
}

/*
 * The scheduler hooks of a state that is one wsample (pod, wrandom) or
 * starts with one (podnr): init allocates a bare one, dirty, and needs the
 * service's rng (-EINVAL without); done frees it; dirty marks the set for a
 * rebuild at the next pick, on every dest add, delete or weight edit.
 */
int wsample_sched_init(struct lb_service *svc)
{
	struct wsample *ws;

	if (!svc->rng)
		return -EINVAL;
	ws = xcalloc(1, sizeof(*ws));
	ws->dirty = true;
	svc->sched_priv = ws;
	return 0;
}

void wsample_sched_done(struct lb_service *svc)
{
	struct wsample *ws = svc->sched_priv;

	if (ws) {
		wsample_fini(ws);
		free(ws);
	}
	svc->sched_priv = NULL;
}

void wsample_sched_dirty(struct lb_service *svc, struct lb_dest *d)
{
	struct wsample *ws = svc->sched_priv; /* the state's first member */

	(void)d;
	ws->dirty = true;
}
