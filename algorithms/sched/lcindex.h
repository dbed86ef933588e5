/*
 * algorithms/sched/lcindex.h - the indexed "least cost" structure behind lc,
 * wlc, sed and nq: a tournament tree over list positions that gives the
 * kernel's linear-scan decision in O(1) per pick and O(log n) per load change.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_LCINDEX_H
#define LBSIM_ALGORITHMS_SCHED_LCINDEX_H

#include <stdbool.h>

#include "algorithms/ipvs/service.h"

/* Which scheduler's order the index keeps (see lcindex.c for each rule). */
enum lcindex_order {
	LCINDEX_LC = 0,	 /* min unsigned overhead */
	LCINDEX_WLC,	 /* min overhead / weight */
	LCINDEX_SED,	 /* min (active + 1) / weight */
	LCINDEX_NQ,	 /* first idle, else min (active + 1) / weight */
	/* count, keep last */
	LCINDEX_ORDER_COUNT
};

/*
 * The scheduler hooks, shared by lc.c, wlc.c, sed.c and nq.c; svc->sched_priv
 * holds the index between lcindex_attach and lcindex_detach.
 */
int lcindex_attach(struct lb_service *svc, enum lcindex_order order);
void lcindex_detach(struct lb_service *svc);
void lcindex_relist(struct lb_service *svc, struct lb_dest *d);
void lcindex_changed(struct lb_service *svc, struct lb_dest *d);
struct lb_dest *lcindex_pick(struct lb_service *svc, const struct lb_flow_key *key);

/* The index agrees with svc's list and counters; asserted in LBSIM_DEBUG. O(n). */
bool lcindex_sane(const struct lb_service *svc);

#endif /* LBSIM_ALGORITHMS_SCHED_LCINDEX_H */
