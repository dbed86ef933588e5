/*
 * algorithms/sched/pod.h - the load order and full-scan fallback of the
 * power-of-d-choices schedulers (pod, podnr).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_POD_H
#define LBSIM_ALGORITHMS_SCHED_POD_H

#include <stdbool.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/wsample.h"

/* Redraws of a sample that lands on an OVERLOAD dest before the full scan. */
#define POD_RETRIES 16

bool pod_less(const struct lb_dest *a, const struct lb_dest *b);
struct lb_dest *pod_scan(const struct wsample *ws);

#endif /* LBSIM_ALGORITHMS_SCHED_POD_H */
