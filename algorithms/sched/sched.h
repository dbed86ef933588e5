/*
 * algorithms/sched/sched.h - the scheduler plug-in interface and registry.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_SCHED_H
#define LBSIM_ALGORITHMS_SCHED_SCHED_H

#include <stdbool.h>

#include "algorithms/ipvs/service.h"

#define LB_SCHED_F_KERNEL 0x1u	 /* reproduces an IPVS scheduler */
#define LB_SCHED_F_RANDOM 0x2u	 /* draws from svc->rng */

struct lb_sched_ops {
	const char *name;
	const char *summary;	 /* one line for --help */
	unsigned flags;		 /* LB_SCHED_F_* */
	/* Allocate svc->sched_priv. 0 or -errno. May be NULL. */
	int (*init)(struct lb_service *svc);
	/* Release svc->sched_priv. May be NULL. */
	void (*done)(struct lb_service *svc);
	/*
	 * Dest list or weight changed. Any may be NULL (ignored). add_dest runs
	 * with d already at the head (idx 0); del_dest runs after d is unlinked,
	 * with d->idx still its former position (svc->dests[d->idx - 1] is its
	 * former predecessor when d->idx > 0).
	 */
	void (*add_dest)(struct lb_service *svc, struct lb_dest *d);
	void (*del_dest)(struct lb_service *svc, struct lb_dest *d);
	void (*upd_dest)(struct lb_service *svc, struct lb_dest *d);
	/* A dest's connection counters changed (indexed schedulers). May be NULL. */
	void (*load_changed)(struct lb_service *svc, struct lb_dest *d);
	/* Choose a dest, or NULL when none is available. Never NULL itself. */
	struct lb_dest *(*pick)(struct lb_service *svc, const struct lb_flow_key *key);
};

const struct lb_sched_ops *lb_sched_find(const char *name);
/* Registry walk for help text and "compare every scheduler": NULL past the end. */
const struct lb_sched_ops *lb_sched_at(unsigned i);

extern const struct lb_sched_ops sched_rr_ops;
extern const struct lb_sched_ops sched_wrr_ops;
extern const struct lb_sched_ops sched_lc_ops;
extern const struct lb_sched_ops sched_wlc_ops;
extern const struct lb_sched_ops sched_twos_ops;
extern const struct lb_sched_ops sched_pod_ops;

#endif /* LBSIM_ALGORITHMS_SCHED_SCHED_H */
