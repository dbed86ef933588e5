/*
 * tests/unit/test_stats.c - histogram quantiles against exact order
 * statistics, time-weighted means, confidence intervals.
 *
 * Run by lbsim-test (suite "stats").
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/xalloc.h"
#include "tests/test.h"

static int tst_cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

/* The nearest-rank quantile of a sorted array, the histogram's definition. */
static uint64_t tst_exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	double x = q * (double)n;
	size_t rank = (size_t)(fabs(x - round(x)) <= 1e-9 * x ? round(x) : ceil(x));

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void test_stats_hist_quantiles(void)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	size_t n = test_quick() ? 100000 : 1000000;
	uint64_t *v = xmalloc(n * sizeof(*v));
	struct stat_hist *h = stat_hist_new();
	gsl_rng *r = rng_stream_new(11, "hist");
	long double sum = 0;

	for (size_t i = 0; i < n; i++) {
		v[i] = (uint64_t)llround(gsl_ran_exponential(r, 250e3)); /* 250 us in ns */
		sum += v[i];
		stat_hist_add(h, v[i]);
	}
	qsort(v, n, sizeof(*v), tst_cmp_u64);
	CU_ASSERT_EQUAL(stat_hist_count(h), n);
	CU_ASSERT_EQUAL(stat_hist_min(h), v[0]);
	CU_ASSERT_EQUAL(stat_hist_max(h), v[n - 1]);
	CU_ASSERT_DOUBLE_EQUAL(stat_hist_mean(h), (double)(sum / n), 1e-6);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = (double)tst_exact_quantile(v, n, qs[i]);
		double got = stat_hist_quantile(h, qs[i]);

		if (fabs(got - exact) > 0.01 * exact) {
			char msg[128];

			snprintf(msg, sizeof(msg), "p%g: histogram %.0f, exact %.0f", qs[i] * 100,
				 got, exact);
			CU_FAIL(msg);
		}
	}
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0), (double)v[0]);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 1), (double)v[n - 1]);
	free(v);
	stat_hist_free(h);
	rng_stream_free(r);
}

/* Values below 2 * STAT_HIST_SUB are kept exactly; huge ones do not break. */
static void test_stats_hist_small_exact(void)
{
	struct stat_hist *h = stat_hist_new();

	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.5), 0);
	CU_ASSERT_EQUAL(stat_hist_mean(h), 0);
	CU_ASSERT_EQUAL(stat_hist_min(h), 0);
	CU_ASSERT_EQUAL(stat_hist_max(h), 0);
	for (uint64_t x = 1; x <= 200; x++)
		stat_hist_add(h, x);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.5), 100);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.9), 180);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.001), 1);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.999), 200);
	CU_ASSERT_DOUBLE_EQUAL(stat_hist_mean(h), 100.5, 1e-12);
	stat_hist_add_n(h, 0, 200);
	CU_ASSERT_EQUAL(stat_hist_count(h), 400);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 0.5), 0);
	CU_ASSERT_EQUAL(stat_hist_min(h), 0);
	stat_hist_add_n(h, 5, 0); /* nothing */
	CU_ASSERT_EQUAL(stat_hist_count(h), 400);

	stat_hist_add(h, UINT64_MAX);
	CU_ASSERT_EQUAL(stat_hist_max(h), UINT64_MAX);
	CU_ASSERT_EQUAL(stat_hist_quantile(h, 1), (double)UINT64_MAX);
	stat_hist_add(h, UINT64_MAX - 5);
	CU_ASSERT_DOUBLE_EQUAL(stat_hist_quantile(h, 401.0 / 402), (double)UINT64_MAX,
			       (double)UINT64_MAX / (2.0 * STAT_HIST_SUB));
	stat_hist_free(h);
	stat_hist_free(NULL);
}

/* Every value in [0, 2^40): the bucket midpoint is within 1/(2 SUB). */
static void test_stats_hist_bucket_error(void)
{
	struct stat_hist *h = stat_hist_new();
	uint64_t x = 1, bad = 0;

	while (x < ((uint64_t)1 << 40)) {
		double got;

		stat_hist_reset(h);
		stat_hist_add(h, x);
		stat_hist_add(h, 0);
		stat_hist_add(h, UINT64_MAX >> 1);
		got = stat_hist_quantile(h, 0.5); /* the middle value, x */
		if (fabs(got - (double)x) > (double)x / (2.0 * STAT_HIST_SUB))
			bad++;
		x = x * 1.07 + 1;
	}
	CU_ASSERT_EQUAL(bad, 0);
	stat_hist_free(h);
}

struct tst_walk {
	int calls;
	double last_value, last_cum;
	int monotone;
};

static void tst_walk_fn(void *ctx, double value, double cum)
{
	struct tst_walk *w = ctx;

	if (w->calls && (value <= w->last_value || cum < w->last_cum))
		w->monotone = 0;
	w->calls++;
	w->last_value = value;
	w->last_cum = cum;
}

static void test_stats_hist_merge_reset(void)
{
	struct stat_hist *a = stat_hist_new(), *b = stat_hist_new(), *all = stat_hist_new();
	gsl_rng *r = rng_stream_new(12, "merge");
	struct tst_walk w = { .monotone = 1 };

	for (int i = 0; i < 20000; i++) {
		uint64_t x = (uint64_t)gsl_ran_exponential(r, i % 2 ? 1e3 : 1e7);

		stat_hist_add(i % 2 ? a : b, x);
		stat_hist_add(all, x);
	}
	stat_hist_merge(a, b);
	CU_ASSERT_EQUAL(stat_hist_count(a), 20000);
	CU_ASSERT_EQUAL(stat_hist_min(a), stat_hist_min(all));
	CU_ASSERT_EQUAL(stat_hist_max(a), stat_hist_max(all));
	CU_ASSERT_DOUBLE_EQUAL(stat_hist_mean(a), stat_hist_mean(all), 1e-6);
	for (double q = 0.05; q < 1; q += 0.05)
		CU_ASSERT_EQUAL(stat_hist_quantile(a, q), stat_hist_quantile(all, q));

	stat_hist_walk(a, tst_walk_fn, &w);
	CU_ASSERT(w.calls > 10);
	CU_ASSERT_TRUE(w.monotone);
	CU_ASSERT_DOUBLE_EQUAL(w.last_cum, 1.0, 1e-12);

	stat_hist_reset(a);
	CU_ASSERT_EQUAL(stat_hist_count(a), 0);
	CU_ASSERT_EQUAL(stat_hist_quantile(a, 0.5), 0);
	w.calls = 0;
	stat_hist_walk(a, tst_walk_fn, &w);
	CU_ASSERT_EQUAL(w.calls, 0);
	stat_hist_add(a, 7);
	CU_ASSERT_EQUAL(stat_hist_quantile(a, 0.5), 7);
	CU_ASSERT_EQUAL(stat_hist_min(a), 7);
	/* Merging into a smaller histogram grows it; merging an empty one is a no-op. */
	stat_hist_reset(b);
	stat_hist_merge(b, all);
	stat_hist_merge(b, a);
	stat_hist_merge(all, b);
	CU_ASSERT_EQUAL(stat_hist_count(b), 20001);
	CU_ASSERT_EQUAL(stat_hist_count(all), 40001);
	stat_hist_free(a);
	stat_hist_free(b);
	stat_hist_free(all);
	rng_stream_free(r);
}

/* A step function: 0 on [0,10), 2 on [10,30), 4 on [30,40), 3 after. */
static void test_stats_tw(void)
{
	struct stat_tw s;

	stat_tw_init(&s, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 0), 0, 1e-12);
	stat_tw_set(&s, 10, 2);
	stat_tw_set(&s, 30, 4);
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 40), 80.0 / 40, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 4, 0);
	stat_tw_add(&s, 40, -1);
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 50), 110.0 / 50, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 4, 0);
	stat_tw_reset(&s, 50);
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 60), 3, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 3, 0);
	stat_tw_add(&s, 55, 1); /* 3 on [50,55), 4 on [55,60) */
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 60), 3.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(stat_tw_mean(&s, 50), 4, 1e-12); /* empty: current value */
}

static void test_stats_ci(void)
{
	static const double x[] = { 1, 2, 3, 4, 5 };
	double mean = -1, half = -1;

	CU_ASSERT_EQUAL(stat_ci(x, 5, 0.95, &mean, &half), 0);
	CU_ASSERT_DOUBLE_EQUAL(mean, 3, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(half, 2.776445 * sqrt(2.5) / sqrt(5), 1e-5);
	CU_ASSERT_EQUAL(stat_ci(x, 2, 0.95, &mean, &half), 0);
	CU_ASSERT_DOUBLE_EQUAL(mean, 1.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(half, 12.706205 * sqrt(0.5) / sqrt(2), 1e-5);
	CU_ASSERT_EQUAL(stat_ci(x, 1, 0.95, &mean, &half), -EINVAL);
	CU_ASSERT_EQUAL(stat_ci(x, 5, 1.0, &mean, &half), -EINVAL);
	CU_ASSERT_EQUAL(stat_ci(x, 5, 0, &mean, &half), -EINVAL);
}

int test_stats_register(void)
{
	CU_pSuite s = CU_add_suite("stats", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "histogram quantiles within 1 %", test_stats_hist_quantiles) ||
	    !CU_add_test(s, "histogram small values exact", test_stats_hist_small_exact) ||
	    !CU_add_test(s, "histogram bucket error bound", test_stats_hist_bucket_error) ||
	    !CU_add_test(s, "histogram merge, walk, reset", test_stats_hist_merge_reset) ||
	    !CU_add_test(s, "time-weighted mean", test_stats_tw) ||
	    !CU_add_test(s, "confidence interval", test_stats_ci))
		return CU_get_error();
	return CUE_SUCCESS;
}
