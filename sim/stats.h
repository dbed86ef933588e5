/*
 * sim/stats.h - counters, time-weighted averages, a log-linear histogram,
 * confidence intervals over replications.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_STATS_H
#define LBSIM_SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/* ---- time-weighted average of a piecewise-constant value ---- */
struct stat_tw {
	sim_time_t start;
	sim_time_t last_t;
	double last_v;
	double area;	/* integral of v dt, in value * ns */
	double max;
};

void stat_tw_init(struct stat_tw *s, sim_time_t start, double v);
void stat_tw_set(struct stat_tw *s, sim_time_t t, double v);
void stat_tw_add(struct stat_tw *s, sim_time_t t, double dv);
/* Restart the average at <t>, keeping the current value (end of warm-up). */
void stat_tw_reset(struct stat_tw *s, sim_time_t t);
double stat_tw_mean(const struct stat_tw *s, sim_time_t end);

/* ---- log-linear histogram of non-negative integers (ns, bytes) ---- */
/*
 * Values below STAT_HIST_SUB are exact; above, each power of two is split in
 * STAT_HIST_SUB linear buckets, so a quantile is off by at most 1/(2*SUB).
 */
#define STAT_HIST_SUB_BITS 7
#define STAT_HIST_SUB (1u << STAT_HIST_SUB_BITS)

struct stat_hist;

struct stat_hist *stat_hist_new(void);
void stat_hist_free(struct stat_hist *h);
void stat_hist_add(struct stat_hist *h, uint64_t v);
void stat_hist_add_n(struct stat_hist *h, uint64_t v, uint64_t n);
void stat_hist_reset(struct stat_hist *h);
void stat_hist_merge(struct stat_hist *into, const struct stat_hist *from);
uint64_t stat_hist_count(const struct stat_hist *h);
double stat_hist_mean(const struct stat_hist *h);
uint64_t stat_hist_min(const struct stat_hist *h);
uint64_t stat_hist_max(const struct stat_hist *h);
/* The value at quantile <q> in [0,1] (nearest rank); 0 when empty. */
double stat_hist_quantile(const struct stat_hist *h, double q);
/*
 * Walk non-empty buckets in increasing order: <fn> gets the bucket's
 * representative value and the cumulative fraction at its top.
 */
typedef void stat_hist_walk_fn(void *ctx, double value, double cum_fraction);
void stat_hist_walk(const struct stat_hist *h, stat_hist_walk_fn *fn, void *ctx);

/* ---- replications ---- */
/*
 * Student-t confidence interval of the mean of <n> values at <level> (e.g.
 * 0.95): returns 0 and sets *mean and *half_width, or -EINVAL when n < 2.
 */
int stat_ci(const double *x, size_t n, double level, double *mean, double *half_width);

#endif /* LBSIM_SIM_STATS_H */
