/*
 * tests/unit/test_ha.c - suite "ha": directors running keepalived's VRRP
 * (models/ha.c) for the VIP, the clients following the VIP's owner.
 *
 * The dr-http pair of scenarios/ha/ (lb1 priority 150, lb2 priority 100,
 * advert 1 s) with one fault each: a crash hands the VIP to lb2 one
 * master-down interval (3.609375 s) after lb1's last advert, a graceful stop
 * one skew time (0.609375 s) after its priority-0 advert, a partition makes
 * both masters until the heal. Runs are deterministic. A few tenths of a
 * second in all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "tests/test.h"

#define HA_DIR "scenarios/ha"
#define HA_DOWN 3.609375  /* 3 adverts + skew (256 - 100) / 256 */
#define HA_SKEW 0.609375
#define HA_SLACK 0.0002	  /* frames cross the segment in 50 us */

/* The dr-http pair with <faults> (the body of a fault {} block). NULL on error. */
static struct scenario *ha_load(const char *faults)
{
	char path[] = "/tmp/lbsim-test-XXXXXX", lb1[PATH_MAX], lb2[PATH_MAX], err[512];
	struct scenario *scn = NULL;
	FILE *f;
	int fd;

	if (!realpath(HA_DIR "/dr-http.lb1.conf", lb1) || !realpath(HA_DIR "/dr-http.lb2.conf", lb2))
		return NULL;
	fd = mkstemp(path);
	if (fd == -1)
		return NULL;
	f = fdopen(fd, "w");
	fprintf(f,
		"simulation { duration 50s warmup 5s seed 1 }\n"
		"clients web { sources 192.0.2.0/24 arrival poisson 200/s target 10.10.0.100:80\n"
		"  service exponential 5ms requests deterministic 3 think exponential 1s }\n"
		"server 10.10.0.21 { workers 4 }\nserver 10.10.0.22 { workers 4 }\n"
		"server 10.10.0.23 { workers 2 }\nserver 10.10.0.29 { workers 1 }\n"
		"director lb1 { include %s }\ndirector lb2 { include %s }\n"
		"fault { %s }\n",
		lb1, lb2, faults);
	fclose(f);
	if (scenario_load(path, NULL, 0, &scn, err, sizeof(err)))
		fprintf(stderr, "\n%s\n", err);
	unlink(path);
	return scn;
}

static struct run_result *ha_run(const struct scenario *scn)
{
	struct world_opts wo = { 0 };
	struct run_result *r;
	struct world *w;
	char err[512];

	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return NULL;
	}
	r = run_result_new();
	world_run(w);
	world_fill_result(w, r);
	world_free(w);
	return r;
}

/* The time of the first transition of <dir> to <to> at or after <from_s>; -1 if none. */
static double ha_when(const struct run_result *r, const char *dir, const char *to, double from_s)
{
	for (size_t i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];

		if (t->t_s >= from_s && !strcmp(t->director, dir) && !strcmp(t->to, to))
			return t->t_s;
	}
	return -1;
}

/* Who is MASTER at the end: a bit per director (lb1 1, lb2 2). */
static unsigned ha_masters(const struct run_result *r)
{
	unsigned m = 0;

	for (size_t i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];
		unsigned bit = !strcmp(t->director, "lb1") ? 1 : 2;

		if (!strcmp(t->to, "MASTER"))
			m |= bit;
		else if (!strcmp(t->from, "MASTER"))
			m &= ~bit;
	}
	return m;
}

/* Completions per second summed over the throughput samples after <from_s>. */
static double ha_completed_after(const struct run_result *r, double from_s)
{
	double n = 0;

	for (size_t i = 0; i < r->nseries; i++) {
		const struct run_series *s = &r->series[i];

		if (strcmp(s->name, "throughput"))
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (s->t[k] > from_s)
				n += s->v[k];
	}
	return n;
}

static void test_crash(void)
{
	struct scenario *scn = ha_load("at 30s crash director lb1");
	struct run_result *r;
	double m1, m2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* lb1 starts as BACKUP and wins after its own master-down interval */
	m1 = ha_when(r, "lb1", "MASTER", 0);
	CU_ASSERT(m1 > 3.41 && m1 < 3.42);
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 0) >= 30);
	/* lb1's last advert is in the second before the crash */
	m2 = ha_when(r, "lb2", "MASTER", 30);
	CU_ASSERT(m2 >= 30 + HA_DOWN - 1 && m2 <= 30 + HA_DOWN + HA_SLACK);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	CU_ASSERT_DOUBLE_EQUAL(r->failovers[0].fault_at_s, 30, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->failovers[0].detected_s, m2, 1e-9);
	CU_ASSERT(r->failovers[0].takeover_s >= HA_DOWN - 1 &&
		  r->failovers[0].takeover_s <= HA_DOWN + HA_SLACK);
	CU_ASSERT(r->failovers[0].master_at_s >= m2);
	CU_ASSERT(r->failed > 0);
	CU_ASSERT_EQUAL(r->split_brain_s, 0);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	/* traffic goes to lb2 after the takeover: requests complete again */
	CU_ASSERT(ha_completed_after(r, m2 + 1) > 0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_stop(void)
{
	struct scenario *scn = ha_load("at 30.2s stop director lb1");
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	CU_ASSERT(r->failovers[0].takeover_s >= HA_SKEW &&
		  r->failovers[0].takeover_s <= HA_SKEW + HA_SLACK);
	CU_ASSERT(ha_when(r, "lb1", "STOP", 30) > 30.19);
	/* connections open through lb1 that send again after the takeover break */
	CU_ASSERT(r->failovers[0].broken_connections > 0);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	run_result_free(r);
	scenario_free(scn);
}

static void test_partition(void)
{
	struct scenario *scn = ha_load("at 20s partition lb1 lb2\n at 30s heal");
	struct run_result *r;
	double m2, back;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	m2 = ha_when(r, "lb2", "MASTER", 20);
	CU_ASSERT(m2 >= 20 + HA_DOWN - 1 && m2 <= 20 + HA_DOWN + HA_SLACK);
	back = ha_when(r, "lb2", "BACKUP", 20);
	CU_ASSERT(back >= 30 && back < 31.1);
	/* two masters from lb2's takeover to lb1's first advert after the heal */
	CU_ASSERT_DOUBLE_EQUAL(r->split_brain_s, back - m2, 1e-6);
	CU_ASSERT(r->split_brain_s > 30 - 20 - HA_DOWN);
	CU_ASSERT_EQUAL(ha_masters(r), 1);
	CU_ASSERT_EQUAL(r->nfailovers, 0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_block_and_script(void)
{
	struct scenario *scn = ha_load("at 10s block vrrp lb2\n at 20s unblock vrrp lb2\n"
				       " at 30s fail script chk_director on lb1");
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->nwarnings, 2); /* script_user, enable_script_security */
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 10) < 15);
	CU_ASSERT(r->split_brain_s > 5);
	/*
	 * 150 - 60 < 100: lb2 discards lb1's adverts of priority 90 and takes
	 * over when the last advert of 150 (before 30 s) is a master-down old
	 */
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 30) >= 30 + HA_DOWN - 1 &&
		  ha_when(r, "lb2", "MASTER", 30) <= 30 + HA_DOWN + HA_SLACK);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	run_result_free(r);
	scenario_free(scn);
}

static void test_determinism(void)
{
	struct scenario *scn = ha_load("at 30s crash director lb1");
	struct run_result *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	a = ha_run(scn);
	b = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->completed, b->completed);
	CU_ASSERT_EQUAL(a->failed, b->failed);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL_FATAL(a->ntransitions, b->ntransitions);
	CU_ASSERT(!memcmp(a->transitions, b->transitions, a->ntransitions * sizeof(*a->transitions)));
	CU_ASSERT_EQUAL_FATAL(a->nfailovers, b->nfailovers);
	CU_ASSERT(!memcmp(a->failovers, b->failovers, a->nfailovers * sizeof(*a->failovers)));
	run_result_free(a);
	run_result_free(b);
	scenario_free(scn);
}

int test_ha_register(void)
{
	CU_pSuite s = CU_add_suite("ha", NULL, NULL);

	if (!s || !CU_add_test(s, "crash: lb2 takes over", test_crash) ||
	    !CU_add_test(s, "graceful stop", test_stop) ||
	    !CU_add_test(s, "partition and heal", test_partition) ||
	    !CU_add_test(s, "block vrrp, failing script", test_block_and_script) ||
	    !CU_add_test(s, "determinism", test_determinism))
		return CU_get_error();
	return CUE_SUCCESS;
}
