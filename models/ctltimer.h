/*
 * models/ctltimer.h - control-plane timers (struct lb_timer) on a simulation.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_CTLTIMER_H
#define LBSIM_MODELS_CTLTIMER_H

#include <stdint.h>

#include "algorithms/env.h"
#include "sim/sim.h"

struct ctl_timers;

struct ctl_timers *ctl_timers_new(struct sim *sim);
void ctl_timers_free(struct ctl_timers *ct);
void ctl_timer_arm(struct ctl_timers *ct, struct lb_timer *t, int64_t at_ns, int64_t now_ns);
void ctl_timer_cancel(struct ctl_timers *ct, struct lb_timer *t);

#endif /* LBSIM_MODELS_CTLTIMER_H */
