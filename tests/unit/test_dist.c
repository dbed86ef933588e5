/*
 * tests/unit/test_dist.c - distributions: names, validation, sample means
 * against the configured mean, empirical files.
 *
 * Run by lbsim-test (suite "dist"). Means are checked within 4 standard
 * errors computed from each kind's known variance, on a fixed stream, so
 * the test is deterministic.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "tests/test.h"

static void test_dist_names(void)
{
	static const struct {
		const char *name;
		enum dist_kind kind;
	} ok[] = {
		{ "deterministic", DIST_DETERMINISTIC }, { "constant", DIST_DETERMINISTIC },
		{ "fixed", DIST_DETERMINISTIC },	 { "exponential", DIST_EXPONENTIAL },
		{ "exp", DIST_EXPONENTIAL },		 { "uniform", DIST_UNIFORM },
		{ "normal", DIST_NORMAL },		 { "lognormal", DIST_LOGNORMAL },
		{ "pareto", DIST_PARETO },		 { "weibull", DIST_WEIBULL },
		{ "empirical", DIST_EMPIRICAL },
	};
	enum dist_kind k;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CU_ASSERT_EQUAL(dist_kind_from_name(ok[i].name, &k), 0);
		CU_ASSERT_EQUAL(k, ok[i].kind);
	}
	CU_ASSERT_EQUAL(dist_kind_from_name("gaussian", &k), -EINVAL);
	CU_ASSERT_EQUAL(dist_kind_from_name("", &k), -EINVAL);
	for (int i = 0; i < DIST_KIND_COUNT; i++) {
		CU_ASSERT_EQUAL(dist_kind_from_name(dist_kind_name(i), &k), 0);
		CU_ASSERT_EQUAL(k, (enum dist_kind)i);
	}
	CU_ASSERT_STRING_EQUAL(dist_kind_name(DIST_KIND_COUNT), "?");
	CU_ASSERT_EQUAL(dist_kind_nparams(DIST_EXPONENTIAL), 1);
	CU_ASSERT_EQUAL(dist_kind_nparams(DIST_DETERMINISTIC), 1);
	CU_ASSERT_EQUAL(dist_kind_nparams(DIST_UNIFORM), 2);
	CU_ASSERT_EQUAL(dist_kind_nparams(DIST_PARETO), 2);
	CU_ASSERT_EQUAL(dist_kind_nparams(DIST_EMPIRICAL), 1);
}

static void test_dist_invalid(void)
{
	static const struct {
		enum dist_kind kind;
		double p0, p1;
	} bad[] = {
		{ DIST_DETERMINISTIC, -1, 0 }, { DIST_EXPONENTIAL, 0, 0 },
		{ DIST_EXPONENTIAL, -2, 0 },   { DIST_EXPONENTIAL, NAN, 0 },
		{ DIST_UNIFORM, 3, 2 },	       { DIST_UNIFORM, -1, 2 },
		{ DIST_UNIFORM, 0, INFINITY }, { DIST_NORMAL, 1, -0.5 },
		{ DIST_NORMAL, -1, 1 },	       { DIST_LOGNORMAL, 0, 1 },
		{ DIST_LOGNORMAL, 1, -1 },     { DIST_PARETO, 1, 1 },
		{ DIST_PARETO, 1, 0.5 },       { DIST_PARETO, 0, 2 },
		{ DIST_WEIBULL, 1, 0 },	       { DIST_WEIBULL, -1, 2 },
		{ DIST_EMPIRICAL, 1, 0 },      { DIST_KIND_COUNT, 1, 1 },
	};
	struct dist d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		CU_ASSERT_EQUAL(dist_init(&d, bad[i].kind, bad[i].p0, bad[i].p1, &why), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(why);
		dist_fini(&d);
	}
	/* Edge cases that are valid. */
	CU_ASSERT_EQUAL(dist_init(&d, DIST_UNIFORM, 2, 2, NULL), 0);
	CU_ASSERT_EQUAL(dist_init(&d, DIST_DETERMINISTIC, 0, 0, NULL), 0);
	CU_ASSERT_EQUAL(dist_init(&d, DIST_NORMAL, 1, 0, NULL), 0);
	CU_ASSERT_EQUAL(dist_init(&d, DIST_EXPONENTIAL, 1, NAN, NULL), 0); /* p1 unused */
	{
		const char *why = NULL;
		double neg = -1;

		CU_ASSERT_EQUAL(dist_init_empirical(&d, NULL, 0, &why), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(why);
		CU_ASSERT_EQUAL(dist_init_empirical(&d, &neg, 1, &why), -EINVAL);
	}
}

/* Draw n values; check the sample mean is within 4 standard errors of <mean>. */
static void td_check_mean(const struct dist *d, double mean, double var, const char *what)
{
	gsl_rng *r = rng_stream_new(2024, what);
	size_t n = test_quick() ? 20000 : 200000;
	double sum = 0, se = sqrt(var / (double)n), m;
	int neg = 0;

	for (size_t i = 0; i < n; i++) {
		double x = dist_sample(d, r);

		neg += x < 0;
		sum += x;
	}
	m = sum / (double)n;
	CU_ASSERT_EQUAL(neg, 0);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(d), mean, 1e-9 * mean);
	if (fabs(m - mean) > 4 * se + 1e-12) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s: sample mean %g, configured %g, 4 SE %g", what, m,
			 mean, 4 * se);
		CU_FAIL(msg);
	}
	rng_stream_free(r);
}

static void test_dist_means(void)
{
	struct dist d;
	double m, k, scale, xm, a;

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_DETERMINISTIC, 2.5, 0, NULL), 0);
	td_check_mean(&d, 2.5, 0, "deterministic");

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_EXPONENTIAL, 0.01, 0, NULL), 0);
	td_check_mean(&d, 0.01, 0.01 * 0.01, "exponential");

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_UNIFORM, 2, 8, NULL), 0);
	td_check_mean(&d, 5, 36.0 / 12, "uniform");

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_NORMAL, 10, 2, NULL), 0);
	td_check_mean(&d, 10, 4, "normal");

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_LOGNORMAL, 3, 1.5, NULL), 0);
	td_check_mean(&d, 3, 1.5 * 1.5, "lognormal");

	a = 3.5;
	m = 2;
	xm = m * (a - 1) / a;
	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_PARETO, m, a, NULL), 0);
	td_check_mean(&d, m, xm * xm * a / ((a - 1) * (a - 1) * (a - 2)), "pareto");

	k = 1.5;
	m = 4;
	scale = m / tgamma(1 + 1 / k);
	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_WEIBULL, m, k, NULL), 0);
	td_check_mean(&d, m, scale * scale * (tgamma(1 + 2 / k) - pow(tgamma(1 + 1 / k), 2)),
		      "weibull");

	{
		static const double s[] = { 1, 2, 3, 10 };

		CU_ASSERT_EQUAL_FATAL(dist_init_empirical(&d, s, 4, NULL), 0);
		td_check_mean(&d, 4, 12.5, "empirical");
		dist_fini(&d);
	}
}

/* The lognormal is given by the variable's sd, not its log's. */
static void test_dist_lognormal_sd(void)
{
	struct dist d;
	gsl_rng *r = rng_stream_new(5, "lognormal sd");
	size_t n = test_quick() ? 20000 : 200000;
	double sum = 0, sum2 = 0, m, sd;

	CU_ASSERT_EQUAL_FATAL(dist_init(&d, DIST_LOGNORMAL, 1, 0.5, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		double x = dist_sample(&d, r);

		sum += x;
		sum2 += x * x;
	}
	m = sum / (double)n;
	sd = sqrt((sum2 - (double)n * m * m) / (double)(n - 1));
	CU_ASSERT_DOUBLE_EQUAL(sd, 0.5, 0.025);
	rng_stream_free(r);
}

static void test_dist_copy(void)
{
	static const double s[] = { 5, 6 };
	struct dist a, b;
	gsl_rng *r = rng_stream_new(1, "copy");

	CU_ASSERT_EQUAL_FATAL(dist_init_empirical(&a, s, 2, NULL), 0);
	CU_ASSERT_EQUAL(dist_copy(&b, &a), 0);
	CU_ASSERT_PTR_NOT_EQUAL(a.samples, b.samples);
	dist_fini(&a);
	CU_ASSERT_PTR_NULL(a.samples);
	CU_ASSERT_EQUAL(b.nsamples, 2);
	for (int i = 0; i < 100; i++) {
		double x = dist_sample(&b, r);

		CU_ASSERT(x == 5 || x == 6);
	}
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&b), 5.5, 1e-12);
	dist_fini(&b);
	dist_fini(NULL);
	rng_stream_free(r);
}

/* Write <text> to a new temporary file; returns its path in buf. */
static int td_temp_file(char *buf, size_t len, const char *text)
{
	int fd;
	FILE *f;

	snprintf(buf, len, "/tmp/lbsim-test-dist-XXXXXX");
	fd = mkstemp(buf);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	fputs(text, f);
	fclose(f);
	return 0;
}

static void test_dist_empirical_file(void)
{
	char path[64], err[256], want[128];
	struct dist d;
	gsl_rng *r = rng_stream_new(3, "empirical file");

	CU_ASSERT_EQUAL_FATAL(td_temp_file(path, sizeof(path),
					   "# service times in ms\n"
					   "\n"
					   "  2\n"
					   "4   # a comment after a value\n"
					   "\t6\t\n"
					   "# done\n"),
			      0);
	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 1e-3, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.kind, DIST_EMPIRICAL);
	CU_ASSERT_EQUAL_FATAL(d.nsamples, 3);
	CU_ASSERT_DOUBLE_EQUAL(d.samples[0], 0.002, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(d.samples[2], 0.006, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(dist_mean(&d), 0.004, 1e-15);
	for (int i = 0; i < 100; i++) {
		double x = dist_sample(&d, r);

		CU_ASSERT(x == d.samples[0] || x == d.samples[1] || x == d.samples[2]);
	}
	dist_fini(&d);
	unlink(path);

	CU_ASSERT_EQUAL_FATAL(td_temp_file(path, sizeof(path), "1\n2\n# x\n3x\n4\n"), 0);
	err[0] = '\0';
	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 1, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: not a number '3x'", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	dist_fini(&d);
	unlink(path);

	CU_ASSERT_EQUAL_FATAL(td_temp_file(path, sizeof(path), "# nothing\n\n"), 0);
	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 1, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: no samples", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	dist_fini(&d);

	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 0, err, sizeof(err)), -EINVAL);
	unlink(path);

	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 1, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));
	CU_ASSERT_EQUAL(dist_load_empirical(&d, path, 1, NULL, 0), -ENOENT);
	rng_stream_free(r);
}

int test_dist_register(void)
{
	CU_pSuite s = CU_add_suite("dist", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "names and aliases", test_dist_names) ||
	    !CU_add_test(s, "invalid parameters rejected", test_dist_invalid) ||
	    !CU_add_test(s, "sample means within 4 SE", test_dist_means) ||
	    !CU_add_test(s, "lognormal sd", test_dist_lognormal_sd) ||
	    !CU_add_test(s, "deep copy", test_dist_copy) ||
	    !CU_add_test(s, "empirical from a file", test_dist_empirical_file))
		return CU_get_error();
	return CUE_SUCCESS;
}
