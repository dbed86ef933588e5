/*
 * algorithms/sched/wsample.h - weighted random sampling of a service's
 * dests with weight > 0, with or without replacement (pod, podnr, wrandom).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_WSAMPLE_H
#define LBSIM_ALGORITHMS_SCHED_WSAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"

/* Embedded by the schedulers' state; all zero is an empty, dirty-free set. */
struct wsample {
	struct lb_dest **el; /* dests with weight > 0, list order */
	uint64_t *cum;	     /* cum[i] = sum of el[0..i] weights */
	unsigned n;
	unsigned cap;
	uint64_t total;
	bool equal; /* all el weights equal: uniform sampling */
	bool dirty; /* the dest set or a weight changed since the last rebuild */
};

void wsample_fini(struct wsample *ws);
void wsample_refresh(struct wsample *ws, const struct lb_service *svc);
uint64_t wsample_below(const gsl_rng *rng, uint64_t bound);
unsigned wsample_draw(const struct wsample *ws, const gsl_rng *rng);
unsigned wsample_draw_excluding(const struct wsample *ws, const gsl_rng *rng,
				const unsigned *excl, unsigned nexcl);

/* Hooks for a scheduler state that is, or starts with, one wsample. */
int wsample_sched_init(struct lb_service *svc);
void wsample_sched_done(struct lb_service *svc);
void wsample_sched_dirty(struct lb_service *svc, struct lb_dest *d);

#endif /* LBSIM_ALGORITHMS_SCHED_WSAMPLE_H */
