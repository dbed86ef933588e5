/*
 * tests/validation/test_validation.c - the queueing oracles of spec/validation.md.
 *
 * Each scenario of scenarios/validation/ runs with several seeds through the
 * full model (clients, director, IPVS scheduler, servers); the oracle must
 * lie inside the 95 % confidence interval of the replications' means, and
 * the supermarket model within 2 % of the n = 100 value. Quick mode (the
 * sanitizer pass) runs shorter horizons: the interval widens, the assertion
 * stays the same.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/stats.h"
#include "tests/test.h"

#define VAL_SEEDS 5
#define VAL_SEEDS_QUICK 3

struct val_case {
	const char *path;
	const char *short_duration; /* quick mode */
	const char *metric;
	double oracle;
	double rel_tol;		     /* 0: the confidence interval decides */
};

/* Run <vc> with each seed; report mean, CI half width; 0 or -1 on load error. */
static int val_run(const struct val_case *vc, double *mean, double *half, unsigned *nseeds)
{
	struct scn_set sets[2] = { { "simulation.duration", vc->short_duration },
				   { "simulation.warmup", "200s" } };
	unsigned n = test_quick() ? VAL_SEEDS_QUICK : VAL_SEEDS;
	struct scenario *scn;
	double x[VAL_SEEDS];
	char err[512];

	if (scenario_load(vc->path, sets, test_quick() ? 2 : 0, &scn, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return -1;
	}
	for (unsigned k = 0; k < n; k++) {
		struct world_opts wo = { .seed = 1000 + k, .seed_set = true };
		struct run_result *r = run_result_new();
		struct world *w;

		if (world_new(scn, &wo, &w, err, sizeof(err))) {
			fprintf(stderr, "\n%s\n", err);
			run_result_free(r);
			scenario_free(scn);
			return -1;
		}
		world_run(w);
		world_fill_result(w, r);
		run_result_metric(r, vc->metric, &x[k]);
		world_free(w);
		run_result_free(r);
	}
	scenario_free(scn);
	*nseeds = n;
	return stat_ci(x, n, 0.95, mean, half);
}

static void val_check(const struct val_case *vc)
{
	double mean = 0, half = 0;
	unsigned n = 0;
	int rc = val_run(vc, &mean, &half, &n);
	bool ok;

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (vc->rel_tol > 0)
		ok = fabs(mean - vc->oracle) <= vc->rel_tol * vc->oracle;
	else
		ok = fabs(mean - vc->oracle) <= half;
	if (!ok)
		fprintf(stderr, "\n%s: %s = %.5f +- %.5f (95 %% CI, %u seeds), oracle %.5f\n",
			vc->path, vc->metric, mean, half, n, vc->oracle);
	CU_ASSERT(ok);
}

static void test_mm1_mean(void)
{
	static const struct val_case vc = { "scenarios/validation/mm1.conf", "40000s",
					    "mean_response", 5.0, 0 };
	val_check(&vc);
}

static void test_mm1_p99(void)
{
	static const struct val_case vc = { "scenarios/validation/mm1.conf", "40000s",
					    "p99_response", 23.0259, 0 };
	val_check(&vc);
}

static void test_mmc(void)
{
	static const struct val_case vc = { "scenarios/validation/mmc.conf", "20000s",
					    "mean_response", 1.745541, 0 };
	val_check(&vc);
}

static void test_md1(void)
{
	static const struct val_case vc = { "scenarios/validation/md1.conf", "40000s",
					    "mean_response", 3.0, 0 };
	val_check(&vc);
}

static void test_rr_ek(void)
{
	static const struct val_case vc = { "scenarios/validation/rr-ek.conf", "30000s",
					    "mean_response", 3.84398, 0 };
	val_check(&vc);
}

static void test_supermarket(void)
{
	static const struct val_case vc = { "scenarios/validation/supermarket.conf", "2500s",
					    "mean_response", 2.656, 0.02 };
	val_check(&vc);
}

int test_validation_register(void)
{
	CU_pSuite s = CU_add_suite("validation", NULL, NULL);

	if (!s || !CU_add_test(s, "M/M/1 mean sojourn", test_mm1_mean) ||
	    !CU_add_test(s, "M/M/1 p99 sojourn", test_mm1_p99) ||
	    !CU_add_test(s, "M/M/4 Erlang C", test_mmc) ||
	    !CU_add_test(s, "M/D/1 Pollaczek-Khinchine", test_md1) ||
	    !CU_add_test(s, "rr as E2/M/1", test_rr_ek) ||
	    !CU_add_test(s, "supermarket d=2 n=100 lambda=0.9", test_supermarket))
		return CU_get_error();
	return CUE_SUCCESS;
}
