/*
 * sim/dist.c - probability distributions for demands, sizes and times.
 *
 * The scenario loader builds one struct dist per configured quantity (think
 * times, request sizes, service demands, failure times) at set-up; models
 * call dist_sample() once per drawn value, so per request. Kinds are given
 * by their mean first (see sim/dist.h), and the natural parameters of GSL's
 * samplers are derived here once, in dist_init(), not per draw.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sim/dist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include "sim/xalloc.h"

static const struct {
	const char *name;
	enum dist_kind kind;
} dist_names[] = {
	{ "deterministic", DIST_DETERMINISTIC },
	{ "constant", DIST_DETERMINISTIC },
	{ "fixed", DIST_DETERMINISTIC },
	{ "exponential", DIST_EXPONENTIAL },
	{ "exp", DIST_EXPONENTIAL },
	{ "uniform", DIST_UNIFORM },
	{ "normal", DIST_NORMAL },
	{ "lognormal", DIST_LOGNORMAL },
	{ "pareto", DIST_PARETO },
	{ "weibull", DIST_WEIBULL },
	{ "empirical", DIST_EMPIRICAL },
};

/* Canonical names, indexed by kind. */
static const char *const dist_kind_names[DIST_KIND_COUNT] = {
	[DIST_DETERMINISTIC] = "deterministic",
	[DIST_EXPONENTIAL] = "exponential",
	[DIST_UNIFORM] = "uniform",
	[DIST_NORMAL] = "normal",
	[DIST_LOGNORMAL] = "lognormal",
	[DIST_PARETO] = "pareto",
	[DIST_WEIBULL] = "weibull",
	[DIST_EMPIRICAL] = "empirical",
};

static const unsigned dist_kind_params[DIST_KIND_COUNT] = {
	[DIST_DETERMINISTIC] = 1, [DIST_EXPONENTIAL] = 1, [DIST_UNIFORM] = 2,
	[DIST_NORMAL] = 2,	  [DIST_LOGNORMAL] = 2,	  [DIST_PARETO] = 2,
	[DIST_WEIBULL] = 2,	  [DIST_EMPIRICAL] = 1,
};

/*
 * Look up a kind by the name a scenario uses (case-sensitive; aliases
 * "constant" and "fixed" for deterministic, "exp" for exponential).
 * Returns 0 and sets *out, or -EINVAL for an unknown name.
 */
int dist_kind_from_name(const char *name, enum dist_kind *out)
{
	for (size_t i = 0; i < sizeof(dist_names) / sizeof(dist_names[0]); i++) {
		if (!strcmp(name, dist_names[i].name)) {
			*out = dist_names[i].kind;
			return 0;
		}
	}
	return -EINVAL;
}

/* The canonical name of <kind>, "?" for a value out of range. */
const char *dist_kind_name(enum dist_kind kind)
{
	if ((unsigned)kind >= DIST_KIND_COUNT)
		return "?";
	return dist_kind_names[kind];
}

/* Parameters a kind takes after its name (empirical: 1, the file); 0 if unknown. */
unsigned dist_kind_nparams(enum dist_kind kind)
{
	if ((unsigned)kind >= DIST_KIND_COUNT)
		return 0;
	return dist_kind_params[kind];
}

/*
 * Set up *d (uninitialised, or finished with dist_fini) as <kind> with the
 * parameters of sim/dist.h; a kind of one parameter ignores <p1>.
 *
 * Returns 0, or -EINVAL with *why (if why is not NULL) pointing to a static
 * English reason: a parameter not finite, a mean that must be > 0 (>= 0 for
 * deterministic and normal), sd < 0, uniform min < 0 or min > max, pareto
 * shape <= 1 (infinite mean), weibull shape <= 0, or DIST_EMPIRICAL, which
 * takes its samples from dist_init_empirical/dist_load_empirical. On error
 * *d is left empty but safe to dist_fini().
 */
int dist_init(struct dist *d, enum dist_kind kind, double p0, double p1, const char **why)
{
	const char *reason = NULL;

	memset(d, 0, sizeof(*d));
	d->kind = kind;
	if ((unsigned)kind >= DIST_KIND_COUNT) {
		reason = "unknown distribution kind";
		goto out_invalid;
	}
	if (dist_kind_params[kind] < 2)
		p1 = 0;
	d->p[0] = p0;
	d->p[1] = p1;
	if (!isfinite(p0) || !isfinite(p1)) {
		reason = "distribution parameters must be finite numbers";
		goto out_invalid;
	}

	switch (kind) {
	case DIST_DETERMINISTIC:
		if (p0 < 0)
			reason = "deterministic value must be >= 0";
		break;
	case DIST_EXPONENTIAL:
		if (p0 <= 0)
			reason = "exponential mean must be > 0";
		break;
	case DIST_UNIFORM:
		if (p0 < 0)
			reason = "uniform min must be >= 0";
		else if (p0 > p1)
			reason = "uniform min must be <= max";
		break;
	case DIST_NORMAL:
		if (p0 < 0)
			reason = "normal mean must be >= 0";
		else if (p1 < 0)
			reason = "normal sd must be >= 0";
		break;
	case DIST_LOGNORMAL:
		if (p0 <= 0) {
			reason = "lognormal mean must be > 0";
		} else if (p1 < 0) {
			reason = "lognormal sd must be >= 0";
		} else {
			/* sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2/2 */
			double s2 = log1p((p1 / p0) * (p1 / p0));

			d->a = log(p0) - s2 / 2;
			d->b = sqrt(s2);
		}
		break;
	case DIST_PARETO:
		if (p0 <= 0)
			reason = "pareto mean must be > 0";
		else if (!(p1 > 1))
			reason = "pareto shape must be > 1 (the mean is infinite otherwise)";
		else
			d->a = p0 * (p1 - 1) / p1; /* scale xm: mean = a xm / (a - 1) */
		break;
	case DIST_WEIBULL:
		if (p0 <= 0)
			reason = "weibull mean must be > 0";
		else if (!(p1 > 0))
			reason = "weibull shape must be > 0";
		else
			d->a = p0 / tgamma(1 + 1 / p1); /* mean = scale * Gamma(1 + 1/k) */
		if (!reason && !(isfinite(d->a) && d->a > 0))
			reason = "weibull shape too small for its mean";
		break;
	case DIST_EMPIRICAL:
		reason = "empirical distribution needs samples (a file)";
		break;
	case DIST_KIND_COUNT:
		reason = "unknown distribution kind";
		break;
	}
	if (reason)
		goto out_invalid;
	return 0;

out_invalid:
	if (why)
		*why = reason;
	return -EINVAL;
}

/*
 * Set up *d as an empirical distribution over a copy of <samples>[0..n)
 * (each drawn with probability 1/n). Returns 0, or -EINVAL with *why set
 * when n is 0 or above 2^32 - 1, or a sample is negative or not finite.
 * *d owns its copy; free it with dist_fini().
 */
int dist_init_empirical(struct dist *d, const double *samples, size_t n, const char **why)
{
	const char *reason = NULL;
	long double sum = 0;

	memset(d, 0, sizeof(*d));
	d->kind = DIST_EMPIRICAL;
	if (n == 0)
		reason = "empirical distribution has no samples";
	else if (n > UINT32_MAX)
		reason = "empirical distribution has too many samples";
	for (size_t i = 0; !reason && i < n; i++) {
		if (!isfinite(samples[i]))
			reason = "empirical samples must be finite numbers";
		else if (samples[i] < 0)
			reason = "empirical samples must be >= 0";
		sum += samples[i];
	}
	if (reason) {
		if (why)
			*why = reason;
		return -EINVAL;
	}
	d->samples = xmalloc(n * sizeof(*d->samples));
	memcpy(d->samples, samples, n * sizeof(*d->samples));
	d->nsamples = n;
	d->a = (double)(sum / n); /* the mean, for dist_mean() */
	return 0;
}

/*
 * Load an empirical distribution from the text file <path>: one number per
 * line, each multiplied by <scale> (> 0, e.g. 1e-3 for a file in ms when
 * the caller wants seconds). '#' starts a comment to the end of the line;
 * blank lines are skipped.
 *
 * Returns 0 with *d set up (owning its samples), or an error with a message
 * in err[errlen] (may be NULL/0): -errno when the file cannot be opened or
 * read ("PATH: reason"), -EINVAL for "PATH:LINE: not a number 'x'",
 * "PATH:LINE: negative value 'x'", "PATH: no samples" or a bad scale.
 */
int dist_load_empirical(struct dist *d, const char *path, double scale, char *err, size_t errlen)
{
	char *line = NULL;
	size_t linecap = 0;
	double *v = NULL;
	size_t n = 0, cap = 0, lineno = 0;
	const char *why = NULL;
	FILE *f;
	int ret;

	memset(d, 0, sizeof(*d));
	d->kind = DIST_EMPIRICAL;
	if (!isfinite(scale) || scale <= 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: scale must be a number > 0", path);
		return -EINVAL;
	}
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (getline(&line, &linecap, f) != -1) {
		char *s = line, *end, *hash;
		double x;

		lineno++;
		hash = strchr(s, '#');
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*s))
			s++;
		end = s + strlen(s);
		while (end > s && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*s)
			continue;
		errno = 0;
		x = strtod(s, &end);
		if (end == s || *end || !isfinite(x) || errno == ERANGE) {
			if (err && errlen)
				snprintf(err, errlen, "%s:%zu: not a number '%s'", path, lineno, s);
			ret = -EINVAL;
			goto out_free_line;
		}
		if (x < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s:%zu: negative value '%s'", path, lineno, s);
			ret = -EINVAL;
			goto out_free_line;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = x * scale;
	}
	if (ferror(f)) {
		ret = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		goto out_free_line;
	}
	if (n == 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no samples", path);
		ret = -EINVAL;
		goto out_free_line;
	}
	ret = dist_init_empirical(d, v, n, &why);
	if (ret && err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);

out_free_line:
	free(line);
	free(v);
	fclose(f);
	return ret;
}

/* Free what *d owns (its samples) and leave it empty; NULL is accepted. */
void dist_fini(struct dist *d)
{
	if (!d)
		return;
	free(d->samples);
	d->samples = NULL;
	d->nsamples = 0;
}

/*
 * Make *dst (uninitialised, or finished) a deep copy of *src: samples are
 * duplicated, so each is finished on its own. Returns 0.
 */
int dist_copy(struct dist *dst, const struct dist *src)
{
	*dst = *src;
	if (src->samples) {
		dst->samples = xmalloc(src->nsamples * sizeof(*dst->samples));
		memcpy(dst->samples, src->samples, src->nsamples * sizeof(*dst->samples));
	}
	return 0;
}

/*
 * Draw one value from <d> with stream <r>; always >= 0. A normal draw below
 * 0 is clamped to 0, which moves the actual mean slightly above the
 * configured one when sd is not small against the mean (by about
 * sd * phi(m/sd) - m * Phi(-m/sd); negligible for sd <= m/3).
 */
double dist_sample(const struct dist *d, gsl_rng *r)
{
	double x;

	switch (d->kind) {
	case DIST_DETERMINISTIC:
		return d->p[0];
	case DIST_EXPONENTIAL:
		return gsl_ran_exponential(r, d->p[0]);
	case DIST_UNIFORM:
		return gsl_ran_flat(r, d->p[0], d->p[1]);
	case DIST_NORMAL:
		x = d->p[0] + gsl_ran_gaussian_ziggurat(r, d->p[1]);
		return x > 0 ? x : 0;
	case DIST_LOGNORMAL:
		return gsl_ran_lognormal(r, d->a, d->b);
	case DIST_PARETO:
		return gsl_ran_pareto(r, d->p[1], d->a);
	case DIST_WEIBULL:
		return gsl_ran_weibull(r, d->a, d->p[1]);
	case DIST_EMPIRICAL:
		return d->samples[rng_below(r, (uint32_t)d->nsamples)];
	case DIST_KIND_COUNT:
		break;
	}
	return 0;
}

/*
 * The configured mean: the value (deterministic), (min + max) / 2
 * (uniform), the mean of the samples (empirical), p0 otherwise. For normal
 * it ignores the clamping at 0 (see dist_sample).
 */
double dist_mean(const struct dist *d)
{
	switch (d->kind) {
	case DIST_UNIFORM:
		return (d->p[0] + d->p[1]) / 2;
	case DIST_EMPIRICAL:
		return d->a;
	case DIST_KIND_COUNT:
		return 0;
	default:
		return d->p[0];
	}
}
