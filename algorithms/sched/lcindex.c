/*
 * algorithms/sched/lcindex.c - an indexed form of the "least cost" linear
 * scans of Linux ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c and ip_vs_nq.c: the
 * same decision as the kernel's scan, found in O(1) instead of O(n).
 *
 * Called by lc.c, wlc.c, sed.c and nq.c, whose ops point at the hooks below:
 * lcindex_pick once per new connection (O(1)), lcindex_changed once per
 * connection bind, unbind or active/inactive flip, per OVERLOAD flag change
 * and per weight edit (O(log n), early exit), lcindex_relist per dest add or
 * delete (O(n) rebuild: list positions shift). Neither pick nor changed
 * allocates. Memory: 2 * 16 bytes per dest, rounded up to a power of two;
 * a service holds up to a few thousand dests, so the tree fits in L1/L2.
 *
 * Orders (spec/ipvs-schedulers.md 2.3-2.6). Eligible: not OVERLOAD and
 * weight > 0; only eligible dests compete. Each eligible dest gets a cost
 * num / w (w > 0) and the decision is the minimum cost, the earliest list
 * position winning ties:
 *   lc:  num = the overhead (spec 1.3) as unsigned int, w = 1;
 *   wlc: num = the overhead (int), w = weight;
 *   sed: num = activeconns + 1, w = weight;
 *   nq:  an idle dest (activeconns == 0) has num = 0, w = 1, any other
 *        num = activeconns + 1, w = weight.
 * Costs compare exactly as 64-bit cross products: a before b iff
 * num(a) * w(b) < num(b) * w(a). |num| < 2^32 and 0 < w < 2^31, so no product
 * reaches 2^63 and the comparison is the exact order of the rationals.
 *
 * Why this equals the kernel's scan. wlc's scan (2.4) takes least = the first
 * eligible dest, then replaces it by a later non-OVERLOAD dest d when
 * loh * w(d) > oh(d) * w(least) in 64 bits.
 *  (a) A later dest of weight 0 never replaces least: the test reads
 *      0 > oh(d) * w(least), false because oh(d) >= 0 and w(least) > 0. So the
 *      scan only ever compares eligible dests, and its first least is the
 *      first eligible dest.
 *  (b) Between eligible dests both weights are positive and the products are
 *      exact, so the test holds iff oh(d)/w(d) < oh(least)/w(least): a strict
 *      comparison of rationals, which is a total preorder.
 *  (c) "Keep the first element, replace it only by a strictly smaller one"
 *      over a total preorder leaves, by induction over the prefix scanned,
 *      the EARLIEST element among those of minimum cost.
 * Hence the scan returns the minimum of the strict total order (cost, list
 * position), which any priority structure can hold. sed (2.5) is the same
 * scan with cost activeconns + 1 >= 1, so (a)-(c) apply unchanged. lc (2.3)
 * skips ineligible dests itself and keeps the first of the smallest unsigned
 * int overheads with a strict <: the same with w = 1 (an overhead that
 * overflowed int is compared as the kernel's unsigned value). nq (2.6) returns
 * the first idle eligible dest at once, else runs the sed scan over the
 * eligible dests (the kernel's !least || ... test); giving idle dests cost
 * 0/1, below any (active + 1)/w > 0, yields exactly that.
 *
 * Structure: a tournament tree (a segment tree of minima) over list
 * positions. Leaf i holds the key of svc->dests[i] (w = 0 when ineligible,
 * and for the padding leaves past ndests); an inner node holds the better of
 * its two children, the left one on a tie, and every position under a left
 * child precedes every position under its right sibling, so ties go to the
 * earliest position and the root is the decision. A change rewrites one leaf
 * and recomputes the path to the root, stopping at the first node whose value
 * did not change (nothing above depends on anything else). A binary heap
 * would need the position in its key and a rebuild on every add anyway; the
 * tree needs no key for position at all.
 *
 * Deliberately different from the kernel: only the cost. The decisions are
 * the kernel's as long as the counters are >= 0 and the wlc overhead does not
 * overflow int (257 * activeconns + inactconns < 2^31, about 8 million
 * connections on one dest), which lb_service_sane and any simulation keep.
 * Every counter, weight or OVERLOAD change must reach lcindex_changed: the
 * service's bind/unbind/set_active/edit paths call the hooks after updating
 * the fields; code that writes the fields itself calls lb_dest_load_changed.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/lcindex.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#ifdef LBSIM_DEBUG
#define LCINDEX_ASSERT_SANE(svc) assert(lcindex_sane(svc))
#else
#define LCINDEX_ASSERT_SANE(svc) ((void)0)
#endif

/* A dest's cost num / w at list position pos; w == 0: not competing. */
struct lcindex_node {
	int64_t num;
	int32_t w;
	uint32_t pos;
};

struct lcindex {
	enum lcindex_order order;
	unsigned n;		   /* svc->ndests at the last relist */
	unsigned cap;		   /* leaves: a power of two >= max(n, 1) */
	struct lcindex_node *node; /* 2 * cap: [1] the root, [cap + i] position i */
};

/* The key of d (at its list position) under order x->order. */
static struct lcindex_node lcindex_key(const struct lcindex *x, const struct lb_service *svc,
				       const struct lb_dest *d)
{
	struct lcindex_node k = { .num = 0, .w = 0, .pos = d->idx };

	if (lb_dest_is_overloaded(d) || d->weight <= 0)
		return k;
	switch (x->order) {
	case LCINDEX_LC:
		k.num = (unsigned int)lb_dest_overhead(svc, d);
		k.w = 1;
		break;
	case LCINDEX_WLC:
		k.num = lb_dest_overhead(svc, d);
		k.w = d->weight;
		break;
	case LCINDEX_NQ:
		/* idle: 0/1, below every busy cost; busy: as under sed */
		k.num = d->activeconns == 0 ? 0 : (int64_t)d->activeconns + 1;
		k.w = d->activeconns == 0 ? 1 : d->weight;
		break;
	default:
		k.num = (int64_t)d->activeconns + 1;
		k.w = d->weight;
		break;
	}
	return k;
}

/*
 * The better of two siblings; a covers earlier positions than b, so a wins
 * unless b competes and costs strictly less.
 */
static inline const struct lcindex_node *lcindex_better(const struct lcindex_node *a,
							const struct lcindex_node *b)
{
	if (b->w == 0)
		return a;
	if (a->w == 0 || b->num * a->w < a->num * b->w)
		return b;
	return a;
}

static inline bool lcindex_same(const struct lcindex_node *a, const struct lcindex_node *b)
{
	return a->num == b->num && a->w == b->w && a->pos == b->pos;
}

/* Recompute every inner node from the leaves. O(cap). */
static void lcindex_fill(struct lcindex *x)
{
	for (unsigned i = x->cap; i-- > 1;)
		x->node[i] = *lcindex_better(&x->node[2 * i], &x->node[2 * i + 1]);
}

/* Reload every leaf from svc's list (positions may all have moved), then fill. */
static void lcindex_build(struct lcindex *x, const struct lb_service *svc)
{
	unsigned cap = x->cap;

	while (cap < svc->ndests)
		cap *= 2;
	if (cap != x->cap) {
		x->node = xrealloc(x->node, 2 * (size_t)cap * sizeof(*x->node));
		x->cap = cap;
	}
	x->n = svc->ndests;
	for (unsigned i = 0; i < cap; i++) {
		struct lcindex_node pad = { .num = 0, .w = 0, .pos = i };

		x->node[cap + i] = i < x->n ? lcindex_key(x, svc, svc->dests[i]) : pad;
	}
	lcindex_fill(x);
}

/*
 * lcindex_attach - the init hook: a new index in svc->sched_priv over svc's
 * current list, kept in order. Returns 0, or -EINVAL for an unknown order
 * (svc->sched_priv untouched). The index belongs to the service until
 * lcindex_detach. O(n).
 */
int lcindex_attach(struct lb_service *svc, enum lcindex_order order)
{
	struct lcindex *x;

	if ((unsigned)order >= LCINDEX_ORDER_COUNT)
		return -EINVAL;
	x = xcalloc(1, sizeof(*x));
	x->order = order;
	x->cap = 1;
	x->node = xmalloc(2 * sizeof(*x->node));
	lcindex_build(x, svc);
	svc->sched_priv = x;
	LCINDEX_ASSERT_SANE(svc);
	return 0;
}

/* lcindex_detach - the done hook: free svc's index; sched_priv becomes NULL. */
void lcindex_detach(struct lb_service *svc)
{
	struct lcindex *x = svc->sched_priv;

	if (x)
		free(x->node);
	free(x);
	svc->sched_priv = NULL;
}

/*
 * lcindex_relist - the add_dest and del_dest hook: positions shifted, so the
 * index is rebuilt from the list. O(n); may grow the tree (the only
 * allocation after attach).
 */
void lcindex_relist(struct lb_service *svc, struct lb_dest *d)
{
	lcindex_build(svc->sched_priv, svc);
	LCINDEX_ASSERT_SANE(svc);
}

/*
 * lcindex_changed - the load_changed and upd_dest hook: d (linked, at d->idx)
 * got new counters, weight or OVERLOAD flag. Rewrites its leaf and the path
 * above it up to the first unchanged node. O(log n), no allocation; O(1)
 * when d's key did not change (request accounting, say).
 */
void lcindex_changed(struct lb_service *svc, struct lb_dest *d)
{
	struct lcindex *x = svc->sched_priv;
	struct lcindex_node *t = x->node, k;
	unsigned i;

	assert(d->idx < x->n && svc->dests[d->idx] == d);
	k = lcindex_key(x, svc, d);
	i = x->cap + d->idx;
	if (lcindex_same(&t[i], &k))
		return;
	t[i] = k;
	for (i >>= 1; i >= 1; i >>= 1) {
		const struct lcindex_node *v = lcindex_better(&t[2 * i], &t[2 * i + 1]);

		if (lcindex_same(&t[i], v))
			break;
		t[i] = *v;
	}
}

/* lcindex_pick - the pick hook: the root's dest, or NULL when none competes. O(1). */
struct lb_dest *lcindex_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	const struct lcindex *x = svc->sched_priv;

	LCINDEX_ASSERT_SANE(svc);
	return x->node[1].w ? svc->dests[x->node[1].pos] : NULL;
}

/*
 * lcindex_sane - svc's index covers its whole list, each leaf holds the
 * current key of the dest at its position (padding leaves compete with
 * nobody), and each inner node the better of its children. True when sane.
 * O(n); called from assert() in LBSIM_DEBUG builds and by tests.
 */
bool lcindex_sane(const struct lb_service *svc)
{
	const struct lcindex *x = svc->sched_priv;

	if (!x || !x->node || x->cap == 0 || (x->cap & (x->cap - 1)) || x->n != svc->ndests ||
	    x->n > x->cap || (unsigned)x->order >= LCINDEX_ORDER_COUNT)
		return false;
	for (unsigned i = 0; i < x->cap; i++) {
		const struct lcindex_node *leaf = &x->node[x->cap + i];

		if (i < x->n) {
			struct lcindex_node k = lcindex_key(x, svc, svc->dests[i]);

			if (svc->dests[i]->idx != i || !lcindex_same(leaf, &k))
				return false;
		} else if (leaf->w != 0) {
			return false;
		}
	}
	for (unsigned i = 1; i < x->cap; i++)
		if (!lcindex_same(&x->node[i],
				  lcindex_better(&x->node[2 * i], &x->node[2 * i + 1])))
			return false;
	return x->node[1].w == 0 || x->node[1].pos < x->n;
}
