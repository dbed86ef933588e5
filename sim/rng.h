/*
 * sim/rng.h - one GSL random stream per source of randomness.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_RNG_H
#define LBSIM_SIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

uint64_t rng_seed_derive(uint64_t seed, const char *name);
gsl_rng *rng_stream_new(uint64_t seed, const char *name);
void rng_stream_free(gsl_rng *r);
/* Uniform integer in [0, n), n >= 1; exact for n up to 2^32. */
uint32_t rng_below(gsl_rng *r, uint32_t n);

#endif /* LBSIM_SIM_RNG_H */
