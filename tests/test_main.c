/*
 * tests/test_main.c - the one registry of CUnit suites.
 *
 * `lbsim-test` runs every suite; `lbsim-test NAME...` runs the named groups.
 * Prints little on success, every failure in full.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "tests/test.h"

static const struct {
	const char *name;
	int (*reg)(void);
} test_table[] = {
	{ "queue", test_queue_register },
	{ "sim", test_sim_register },
	{ "rng", test_rng_register },
	{ "dist", test_dist_register },
	{ "stats", test_stats_register },
	{ "addr", test_addr_register },
	{ "service", test_service_register },
	{ "conn", test_conn_register },
	{ "sched_vectors", test_sched_vectors_register },
	{ "sched_diff", test_sched_diff_register },
	{ "sched_extra", test_sched_extra_register },
	{ "sched_kernel", test_sched_kernel_register },
	{ "lcindex", test_lcindex_register },
	{ "lexer", test_lexer_register },
	{ "scenario", test_scenario_register },
	{ "models", test_models_register },
	{ "validation", test_validation_register },
	{ "wire", test_wire_register },
	{ "forward", test_forward_register },
	{ "vrrp", test_vrrp_register },
	{ "ha", test_ha_register },
	{ "ha_prop", test_ha_prop_register },
	{ "ha_spec", test_ha_spec_register },
	{ "check", test_check_register },
	{ "check_prop", test_check_prop_register },
	{ "packet", test_packet_register },
	{ "pcapfeed", test_pcapfeed_register },
	{ "replay", test_replay_register },
};

static bool wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; i < sizeof(test_table) / sizeof(test_table[0]); i++) {
		if (!wanted(test_table[i].name, argc, argv))
			continue;
		if (test_table[i].reg() != CUE_SUCCESS) {
			fprintf(stderr, "cannot register suite %s: %s\n", test_table[i].name,
				CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
