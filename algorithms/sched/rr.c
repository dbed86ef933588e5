/*
 * algorithms/sched/rr.c - round robin, reproducing Linux ip_vs_rr.c decisions.
 *
 * Called through lb_service_pick once per new connection; the hooks run on
 * dest deletion only. O(1) per pick while the next dest is usable, O(n) worst
 * case (every dest quiesced or overloaded). No allocation at all: the cursor
 * is stored directly in svc->sched_priv.
 *
 * Rules (spec/ipvs-schedulers.md 2.1), same as the kernel:
 *  - the cursor is "head" (NULL) or the dest chosen last; it starts at head;
 *  - a pick walks circularly from the dest after the cursor, at most once
 *    around, the cursor dest itself being the last candidate; the first dest
 *    that is not OVERLOAD and has weight > 0 is returned and becomes the
 *    cursor; if none qualifies the cursor stays and NULL is returned;
 *  - adding a dest leaves the cursor alone (the new dest is at the head, so
 *    it comes up when the walk wraps);
 *  - deleting the cursor dest moves the cursor to its predecessor in the list
 *    (head if it was first), so the next pick is the dest that followed it;
 *  - weight values other than zero / non-zero do not matter.
 * Nothing is deliberately different from the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stddef.h>

static int rr_init(struct lb_service *svc)
{
	svc->sched_priv = NULL; /* cursor at head */
	return 0;
}

/*
 * Called after d is unlinked, with d->idx still its former position; the
 * dests before it kept their places, so dests[idx - 1] is its predecessor.
 */
static void rr_del_dest(struct lb_service *svc, struct lb_dest *d)
{
	if (svc->sched_priv == d)
		svc->sched_priv = d->idx > 0 ? svc->dests[d->idx - 1] : NULL;
}

/*
 * Walk n positions starting right after the cursor: from head that is
 * 0..n-1; from cursor c it is c+1..n-1, 0..c, ending on the cursor itself.
 */
static struct lb_dest *rr_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	const struct lb_dest *cur = svc->sched_priv;
	unsigned n = svc->ndests;
	unsigned i = cur ? cur->idx + 1 : 0;

	for (unsigned k = 0; k < n; k++, i++) {
		struct lb_dest *d;

		if (i >= n)
			i = 0;
		d = svc->dests[i];
		if (d->weight > 0 && !lb_dest_is_overloaded(d)) {
			svc->sched_priv = d;
			return d;
		}
	}
	return NULL;
}

const struct lb_sched_ops sched_rr_ops = {
	.name = "rr",
	.summary = "round robin over usable dests (kernel ip_vs_rr)",
	.flags = LB_SCHED_F_KERNEL,
	.init = rr_init,
	.del_dest = rr_del_dest,
	.pick = rr_pick,
};
