/*
 * sim/stats.c - time-weighted averages, a log-linear histogram, confidence
 * intervals.
 *
 * Models keep a stat_tw per queue length or connection count (updated on
 * every change) and a stat_hist per latency or size measure (one
 * stat_hist_add per request, so it must be a few instructions); reports read
 * them once at the end. stat_ci runs once per metric over replications.
 *
 * Histogram layout. A value v is filed in bucket
 *
 *	shift = floor(log2(v | SUB)) - SUB_BITS		(0 for v < 2 * SUB)
 *	b     = (shift << SUB_BITS) + (v >> shift)
 *
 * so values below 2 * SUB have a bucket each (exact), and every power of two
 * [2^e, 2^(e+1)) above splits into SUB buckets of width 2^shift. A bucket's
 * lower bound is at least SUB * 2^shift, so the midpoint is within
 * 1/(2 * SUB) of any value in it (0.39 % with SUB = 128). 64-bit values
 * need at most 58 * SUB buckets (58 KiB of counts); the count array grows
 * (by doubling) to the highest bucket used, so a histogram of nanosecond
 * latencies up to a millisecond takes 16 KiB.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sim/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/xalloc.h"

#define STAT_HIST_NBUCKETS ((size_t)(64 - STAT_HIST_SUB_BITS + 1) * STAT_HIST_SUB)

/* ---- time-weighted average ---- */

/* Start averaging at <start> with the value <v>. */
void stat_tw_init(struct stat_tw *s, sim_time_t start, double v)
{
	s->start = start;
	s->last_t = start;
	s->last_v = v;
	s->area = 0;
	s->max = v;
}

/*
 * The value becomes <v> at time <t>. A <t> earlier than the previous change
 * (a caller bug) adds no area rather than a negative one.
 */
void stat_tw_set(struct stat_tw *s, sim_time_t t, double v)
{
	if (t > s->last_t) {
		s->area += s->last_v * (double)(t - s->last_t);
		s->last_t = t;
	}
	s->last_v = v;
	if (v > s->max)
		s->max = v;
}

/* The value changes by <dv> at time <t> (queue length +1, -1). */
void stat_tw_add(struct stat_tw *s, sim_time_t t, double dv)
{
	stat_tw_set(s, t, s->last_v + dv);
}

/* Restart the average at <t> keeping the current value; max restarts too. */
void stat_tw_reset(struct stat_tw *s, sim_time_t t)
{
	stat_tw_init(s, t, s->last_v);
}

/*
 * The average over [start, end], the current value extending to <end>.
 * Returns the current value when the interval is empty (end <= start).
 */
double stat_tw_mean(const struct stat_tw *s, sim_time_t end)
{
	double area = s->area;

	if (end <= s->start)
		return s->last_v;
	if (end > s->last_t)
		area += s->last_v * (double)(end - s->last_t);
	return area / (double)(end - s->start);
}

/* ---- log-linear histogram ---- */

struct stat_hist {
	uint64_t *counts;	/* counts[b] for b < nb */
	size_t nb;
	uint64_t count;
	long double sum;	/* exact for integer sums below 2^64 on x86 */
	uint64_t min;		/* UINT64_MAX when empty */
	uint64_t max;
};

static inline size_t stat_hist_bucket(uint64_t v)
{
	unsigned shift = (unsigned)(63 - __builtin_clzll(v | STAT_HIST_SUB)) - STAT_HIST_SUB_BITS;

	return ((size_t)shift << STAT_HIST_SUB_BITS) + (size_t)(v >> shift);
}

/* Lowest value filed in bucket <b>, and the bucket's width. */
static void stat_hist_bucket_range(size_t b, uint64_t *lo, uint64_t *width)
{
	unsigned shift;

	if (b < 2 * STAT_HIST_SUB) {
		*lo = b;
		*width = 1;
		return;
	}
	shift = (unsigned)(b >> STAT_HIST_SUB_BITS) - 1;
	*lo = (uint64_t)(b - ((size_t)shift << STAT_HIST_SUB_BITS)) << shift;
	*width = (uint64_t)1 << shift;
}

/* The value reported for bucket <b>: its midpoint, clamped to [min, max]. */
static double stat_hist_rep(const struct stat_hist *h, size_t b)
{
	uint64_t lo, width;
	double v;

	stat_hist_bucket_range(b, &lo, &width);
	v = (double)lo + (double)(width - 1) / 2;
	if (v < (double)h->min)
		v = (double)h->min;
	if (v > (double)h->max)
		v = (double)h->max;
	return v;
}

/* An empty histogram; the caller owns it (stat_hist_free). */
struct stat_hist *stat_hist_new(void)
{
	struct stat_hist *h = xcalloc(1, sizeof(*h));

	h->nb = 4 * STAT_HIST_SUB;
	h->counts = xcalloc(h->nb, sizeof(*h->counts));
	h->min = UINT64_MAX;
	return h;
}

void stat_hist_free(struct stat_hist *h)
{
	if (!h)
		return;
	free(h->counts);
	free(h);
}

/* Grow the count array to hold bucket <b> (slow path of stat_hist_add). */
static void stat_hist_grow(struct stat_hist *h, size_t b)
{
	size_t nb = h->nb;

	while (nb <= b)
		nb *= 2;
	if (nb > STAT_HIST_NBUCKETS)
		nb = STAT_HIST_NBUCKETS;
	h->counts = xrealloc(h->counts, nb * sizeof(*h->counts));
	memset(h->counts + h->nb, 0, (nb - h->nb) * sizeof(*h->counts));
	h->nb = nb;
}

/* Record <v> <n> times (n = 0 records nothing). */
void stat_hist_add_n(struct stat_hist *h, uint64_t v, uint64_t n)
{
	size_t b = stat_hist_bucket(v);

	if (n == 0)
		return;
	if (__builtin_expect(b >= h->nb, 0))
		stat_hist_grow(h, b);
	h->counts[b] += n;
	h->count += n;
	h->sum += (long double)v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Record one value: O(1), no loop (count-leading-zeros picks the bucket). */
void stat_hist_add(struct stat_hist *h, uint64_t v)
{
	size_t b = stat_hist_bucket(v);

	if (__builtin_expect(b >= h->nb, 0))
		stat_hist_grow(h, b);
	h->counts[b]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Forget every value (end of warm-up); the allocation is kept. */
void stat_hist_reset(struct stat_hist *h)
{
	memset(h->counts, 0, h->nb * sizeof(*h->counts));
	h->count = 0;
	h->sum = 0;
	h->min = UINT64_MAX;
	h->max = 0;
}

/* Add every value of <from> to <into> (e.g. all servers into one). */
void stat_hist_merge(struct stat_hist *into, const struct stat_hist *from)
{
	if (from->count == 0)
		return;
	if (from->nb > into->nb)
		stat_hist_grow(into, from->nb - 1);
	for (size_t b = 0; b < from->nb; b++)
		into->counts[b] += from->counts[b];
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t stat_hist_count(const struct stat_hist *h)
{
	return h->count;
}

/* Exact mean of the recorded values; 0 when empty. */
double stat_hist_mean(const struct stat_hist *h)
{
	return h->count ? (double)(h->sum / h->count) : 0;
}

/* Smallest value recorded; 0 when empty. */
uint64_t stat_hist_min(const struct stat_hist *h)
{
	return h->count ? h->min : 0;
}

/* Largest value recorded; 0 when empty. */
uint64_t stat_hist_max(const struct stat_hist *h)
{
	return h->max;
}

/*
 * ceil(q * count) in [1, count], where a product within rounding error of
 * an integer counts as that integer: 0.9 * 200 is 180.00000000000003 in
 * binary floating point, and the 90th percentile of 200 values is the
 * 180th.
 */
static uint64_t stat_hist_rank(double q, uint64_t count)
{
	long double x = (long double)q * count;
	long double r = roundl(x);
	uint64_t rank;

	rank = (uint64_t)(fabsl(x - r) <= 1e-9L * x ? r : ceill(x));
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return rank;
}

/*
 * The nearest-rank quantile: the value of rank ceil(q * count) (at least 1)
 * in sorted order, given as its bucket's midpoint clamped to [min, max]
 * (exact below 2 * SUB and for ranks 1 and count, else within 1/(2 * SUB)
 * relative). <q> outside
 * [0, 1] is clamped; an empty histogram gives 0.
 */
double stat_hist_quantile(const struct stat_hist *h, double q)
{
	uint64_t rank, cum = 0;

	if (h->count == 0)
		return 0;
	if (!(q > 0))
		q = 0;
	if (q > 1)
		q = 1;
	rank = stat_hist_rank(q, h->count);
	/* The extremes are known exactly. */
	if (rank == 1)
		return (double)h->min;
	if (rank == h->count)
		return (double)h->max;
	for (size_t b = 0; b < h->nb; b++) {
		cum += h->counts[b];
		if (cum >= rank)
			return stat_hist_rep(h, b);
	}
	return (double)h->max;
}

/*
 * Call <fn>(ctx, value, cumulative fraction) for each non-empty bucket in
 * increasing order; the last call has fraction 1. For CDF plots.
 */
void stat_hist_walk(const struct stat_hist *h, stat_hist_walk_fn *fn, void *ctx)
{
	uint64_t cum = 0;

	for (size_t b = 0; b < h->nb && cum < h->count; b++) {
		if (!h->counts[b])
			continue;
		cum += h->counts[b];
		fn(ctx, stat_hist_rep(h, b), (double)cum / (double)h->count);
	}
}

/* ---- replications ---- */

/*
 * Mean and Student-t half width of <x>[0..n) at confidence <level> in
 * (0, 1): half = t_{(1+level)/2, n-1} * sd / sqrt(n), sd the sample
 * standard deviation (n - 1 divisor). Returns 0, or -EINVAL when n < 2 or
 * the level is out of range (outputs untouched).
 */
int stat_ci(const double *x, size_t n, double level, double *mean, double *half_width)
{
	double m = 0, ss = 0;

	if (n < 2 || !(level > 0 && level < 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = m;
	*half_width = gsl_cdf_tdist_Pinv((1 + level) / 2, (double)(n - 1)) *
		      sqrt(ss / (double)(n - 1)) / sqrt((double)n);
	return 0;
}
