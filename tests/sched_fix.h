/*
 * tests/sched_fix.h - what the scheduler suites share: naming dests A, B, ...
 * and checking a sequence of picks.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_TESTS_SCHED_FIX_H
#define LBSIM_TESTS_SCHED_FIX_H

#include <stdbool.h>

#include "algorithms/ipvs/service.h"

char sched_fix_name(struct lb_dest *const *d, unsigned n, const struct lb_dest *x);
void sched_fix_expect_seq(struct lb_service *svc, struct lb_dest *const *d, unsigned n,
			  const struct lb_flow_key *key, const char *label, const char *want,
			  bool bump);

#endif /* LBSIM_TESTS_SCHED_FIX_H */
