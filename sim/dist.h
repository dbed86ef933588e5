/*
 * sim/dist.h - probability distributions for demands, sizes and times.
 *
 * Parameters are in the caller's unit (seconds, bytes, counts): the
 * distribution itself is unit-free. Every kind except the uniform and
 * the empirical one is given by its mean first, so a user can swap kinds
 * without recomputing parameters.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_DIST_H
#define LBSIM_SIM_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

enum dist_kind {
	DIST_DETERMINISTIC = 0, /* p0 = value */
	DIST_EXPONENTIAL,	/* p0 = mean */
	DIST_UNIFORM,		/* p0 = min, p1 = max */
	DIST_NORMAL,		/* p0 = mean, p1 = sd; draws below 0 are clamped to 0 */
	DIST_LOGNORMAL,		/* p0 = mean, p1 = sd (of the variable, not its log) */
	DIST_PARETO,		/* p0 = mean, p1 = shape alpha > 1 */
	DIST_WEIBULL,		/* p0 = mean, p1 = shape k > 0 */
	DIST_EMPIRICAL,		/* samples[] drawn uniformly */
	/* count, keep last */
	DIST_KIND_COUNT
};

struct dist {
	enum dist_kind kind;
	double p[2];	   /* as given (see the enum) */
	double a, b;	   /* derived: lognormal mu/sigma, pareto/weibull scale */
	double *samples;   /* DIST_EMPIRICAL only, owned */
	size_t nsamples;
};

/* Parameter count a kind takes after its name (empirical: 1, the file). */
int dist_kind_from_name(const char *name, enum dist_kind *out);
const char *dist_kind_name(enum dist_kind kind);
unsigned dist_kind_nparams(enum dist_kind kind);

int dist_init(struct dist *d, enum dist_kind kind, double p0, double p1, const char **why);
int dist_init_empirical(struct dist *d, const double *samples, size_t n, const char **why);
int dist_load_empirical(struct dist *d, const char *path, double scale, char *err, size_t errlen);
void dist_fini(struct dist *d);
int dist_copy(struct dist *dst, const struct dist *src);

double dist_sample(const struct dist *d, gsl_rng *r);
double dist_mean(const struct dist *d);

#endif /* LBSIM_SIM_DIST_H */
