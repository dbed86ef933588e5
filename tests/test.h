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

/*
 * Hex text to bytes (frames written in tests): whitespace is skipped.
 * Returns the byte count, or 0 on a stray character, an odd digit count
 * or more than cap bytes.
 */
static inline size_t test_unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == '\n' || *s == '\t')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return 0;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? n : 0;
}

/* Directory of committed test data, relative to the repository root. */
#define TEST_DATA_DIR "tests/data"

struct scenario;
struct scn_set;

/*
 * Scenario <text> loaded with <nsets> --set overrides (tests/testlib.c).
 * Returns the scenario, freed by the caller with scenario_free, or NULL with
 * the error and the text printed on stderr.
 */
struct scenario *test_scenario_text(const char *text, const struct scn_set *sets, size_t nsets);

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
int test_wire_register(void);
int test_forward_register(void);
int test_vrrp_register(void);
int test_check_register(void);
int test_packet_register(void);
int test_pcapfeed_register(void);
int test_replay_register(void);
int test_ha_register(void);
int test_ha_prop_register(void);
int test_ha_spec_register(void);
int test_check_prop_register(void);

#endif /* LBSIM_TESTS_TEST_H */
