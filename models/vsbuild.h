/*
 * models/vsbuild.h - IPVS services and connection tables built from a scenario.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_VSBUILD_H
#define LBSIM_MODELS_VSBUILD_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "algorithms/env.h"
#include "algorithms/ipvs/conn.h"
#include "algorithms/ipvs/service.h"
#include "scenarios/lang/scenario.h"

int vsbuild_service(struct lb_service *svc, gsl_rng **rng, const struct scenario *scn,
		    const struct scn_director *dir, const struct scn_vs *cfg, const char *algo,
		    uint64_t seed, const struct lb_env *env, char *err, size_t errlen);
int vsbuild_add_dest(struct lb_service *svc, const struct scn_rs *r, struct lb_dest **out,
		     char *err, size_t errlen);
struct scn_lvs_timeouts vsbuild_lvs(const struct scenario *scn, const struct scn_director *dir);
void vsbuild_conn_conf(const struct scn_lvs_timeouts *lvs, struct lb_conn_conf *cc);

#endif /* LBSIM_MODELS_VSBUILD_H */
