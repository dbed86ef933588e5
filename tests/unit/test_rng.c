/*
 * tests/unit/test_rng.c - named random streams: determinism, independence
 * of names, rng_below's range and uniformity.
 *
 * Run by lbsim-test (suite "rng").
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>

#include "sim/rng.h"
#include "tests/test.h"

static void test_rng_same_seed_same_stream(void)
{
	gsl_rng *a = rng_stream_new(42, "clients/web/arrivals");
	gsl_rng *b = rng_stream_new(42, "clients/web/arrivals");
	int same = 1;

	CU_ASSERT_EQUAL(rng_seed_derive(42, "x"), rng_seed_derive(42, "x"));
	for (int i = 0; i < 10000; i++)
		same &= gsl_rng_get(a) == gsl_rng_get(b);
	CU_ASSERT_TRUE(same);
	rng_stream_free(a);
	rng_stream_free(b);
	rng_stream_free(NULL);
}

/* Count equal outputs at equal positions: about n / 2^32 for independent streams. */
static int tr_matches(uint64_t sa, const char *na, uint64_t sb, const char *nb)
{
	gsl_rng *a = rng_stream_new(sa, na);
	gsl_rng *b = rng_stream_new(sb, nb);
	int eq = 0;

	for (int i = 0; i < 1000; i++)
		eq += gsl_rng_get(a) == gsl_rng_get(b);
	rng_stream_free(a);
	rng_stream_free(b);
	return eq;
}

static void test_rng_names_differ(void)
{
	CU_ASSERT(tr_matches(42, "a", 42, "b") < 3);
	CU_ASSERT(tr_matches(42, "server1", 42, "server2") < 3);
	CU_ASSERT(tr_matches(42, "x", 43, "x") < 3);
	CU_ASSERT(tr_matches(0, "", 0, "a") < 3);
	CU_ASSERT_NOT_EQUAL(rng_seed_derive(1, "ab"), rng_seed_derive(1, "ba"));
	CU_ASSERT_NOT_EQUAL(rng_seed_derive(0, NULL), rng_seed_derive(1, NULL));
	CU_ASSERT_EQUAL(rng_seed_derive(0, ""), rng_seed_derive(0, NULL));
	/* Fixed values: seeds must not change across platforms or releases. */
	CU_ASSERT_EQUAL(rng_seed_derive(0, ""), 0xaebe53f85cdc3c4cULL);
	CU_ASSERT_EQUAL(rng_seed_derive(42, "clients/web/arrivals"), 0x657c6e3dc299a5eeULL);
}

/* Every value in range; counts pass a chi-square test of uniformity. */
static void test_rng_below(void)
{
	enum { K = 10 };
	gsl_rng *r = rng_stream_new(7, "rng_below");
	unsigned long counts[K] = { 0 };
	int n = test_quick() ? 20000 : 200000;
	int out_of_range = 0;
	double chi2 = 0, expect = (double)n / K;

	for (int i = 0; i < n; i++) {
		uint32_t v = rng_below(r, K);

		if (v >= K)
			out_of_range++;
		else
			counts[v]++;
	}
	CU_ASSERT_EQUAL(out_of_range, 0);
	for (int k = 0; k < K; k++)
		chi2 += (counts[k] - expect) * (counts[k] - expect) / expect;
	CU_ASSERT(gsl_cdf_chisq_Q(chi2, K - 1) > 1e-6);

	CU_ASSERT_EQUAL(rng_below(r, 1), 0);
	CU_ASSERT_EQUAL(rng_below(r, 0), 0);
	for (int i = 0; i < 1000; i++) {
		if (rng_below(r, UINT32_MAX) >= UINT32_MAX || rng_below(r, 3) >= 3)
			out_of_range++;
	}
	CU_ASSERT_EQUAL(out_of_range, 0);
	rng_stream_free(r);
}

int test_rng_register(void)
{
	CU_pSuite s = CU_add_suite("rng", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "same seed and name, same stream", test_rng_same_seed_same_stream) ||
	    !CU_add_test(s, "different names, different streams", test_rng_names_differ) ||
	    !CU_add_test(s, "rng_below range and uniformity", test_rng_below))
		return CU_get_error();
	return CUE_SUCCESS;
}
