/*
 * models/world.h - build a simulated world from a scenario, run it, read results.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_WORLD_H
#define LBSIM_MODELS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/sim.h"

struct world;

struct world_opts {
	const char *algo;	      /* replaces every lb_algo when not NULL */
	uint64_t seed;		      /* used when seed_set, else the scenario's */
	bool seed_set;
	sim_progress_fn *progress;    /* may be NULL */
	void *progress_ctx;
};

int world_new(const struct scenario *scn, const struct world_opts *opts, struct world **out,
	      char *err, size_t errlen);
void world_run(struct world *w);
void world_fill_result(const struct world *w, struct run_result *r);
void world_free(struct world *w);

#endif /* LBSIM_MODELS_WORLD_H */
