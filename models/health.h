/*
 * models/health.h - keepalived's health checkers acting on a simulated
 * director's virtual services (the algorithms/check module, with probes
 * answered by the server models).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_HEALTH_H
#define LBSIM_MODELS_HEALTH_H

#include <stddef.h>

struct mvs;
struct health;

int health_new(struct mvs *v, struct health **out, char *err, size_t errlen);
void health_start(struct health *h);
void health_free(struct health *h);

#endif /* LBSIM_MODELS_HEALTH_H */
