/*
 * tests/test.h - shared bits of the CUnit suites.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_TESTS_TEST_H
#define LBSIM_TESTS_TEST_H

#include <stdbool.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

/* LBSIM_TEST_QUICK=1 (sanitizer pass): fewer iterations, same assertions. */
static inline bool test_quick(void)
{
	const char *q = getenv("LBSIM_TEST_QUICK");

	return q && *q && *q != '0';
}

/* Directory of committed test data, relative to the repository root. */
#define TEST_DATA_DIR "tests/data"

int test_queue_register(void);
int test_sim_register(void);
int test_rng_register(void);
int test_dist_register(void);
int test_stats_register(void);
int test_addr_register(void);
int test_service_register(void);
int test_conn_register(void);
int test_sched_vectors_register(void);
int test_sched_diff_register(void);
int test_sched_extra_register(void);
int test_sched_kernel_register(void);
int test_lcindex_register(void);
int test_lexer_register(void);
int test_scenario_register(void);
int test_models_register(void);
int test_validation_register(void);

#endif /* LBSIM_TESTS_TEST_H */
