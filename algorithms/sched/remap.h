/*
 * algorithms/sched/remap.h - how many flows a hashing scheduler moves when
 * one destination leaves and one joins.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_REMAP_H
#define LBSIM_ALGORITHMS_SCHED_REMAP_H

#include <stdint.h>

#include "algorithms/ipvs/service.h"

struct lb_remap {
	unsigned ndests;	   /* dests at the start */
	unsigned nflows;	   /* flows mapped at each stage */
	/* removing the middle dest (list position ndests / 2): */
	double removed_frac;	   /* flows NOT on it whose dest changed / such flows (ideal 0) */
	double removed_own_frac;   /* flows that were on it / all flows: had to move (~1/N) */
	double removed_moved_frac; /* flows whose dest changed / all flows */
	/* then adding a new dest at the head of the list: */
	double added_frac;	   /* flows whose dest changed / all flows */
	double added_new_frac;	   /* flows now on the new dest / all flows (the ideal) */
};

int lb_remap_measure(const char *sched, const struct lb_sched_conf *conf, unsigned ndests,
		     unsigned nflows, uint64_t seed, struct lb_remap *out);

#endif /* LBSIM_ALGORITHMS_SCHED_REMAP_H */
