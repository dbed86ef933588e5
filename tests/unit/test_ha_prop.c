/*
 * tests/unit/test_ha_prop.c - suite "ha_prop": VRRP properties of the HA
 * world (models/ha.c) over random fault schedules.
 *
 * Each schedule is two directors with one VRRPv2 instance each (VRID 51,
 * lb1 priority 150 state MASTER, lb2 priority 100, advert 1 s), a trickle of
 * clients, 20..40 s of simulated time and 3..6 faults at random
 * millisecond times, each drawn from the ones that make sense in the state
 * the schedule has reached: crash, stop or recover a director, partition or
 * heal the pair, block or unblock vrrp on one. From the transitions of the
 * run and the schedule itself:
 *
 *   (a) while the segment connects the pair (no partition, no block), both
 *       are never MASTER together for longer than lb2's master-down
 *       interval (3.609375 s) plus the segment delay and one advert;
 *   (b) when the master crashes or stops, the other director is up, the
 *       segment connects them and nothing else happens for that bound, the
 *       other director is MASTER when the bound has passed;
 *   (c) a second run of the same scenario gives the same transitions,
 *       events and completions.
 *
 * A failure prints the schedule's seed and its fault block. 10^4 schedules
 * (300 with LBSIM_TEST_QUICK), a few seconds in all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/rng.h"
#include "tests/test.h"

#define PROP_SCHEDULES 10000
#define PROP_SCHEDULES_QUICK 300
#define PROP_MAX_FAULTS 6
#define PROP_MS 1000000LL /* ns */
/* lb2's master-down (3 x 1 s + 156/256 s) + segment delay (50 us) + 1 advert */
#define PROP_BOUND_NS (3609375LL * 1000 + 50000 + 1000 * PROP_MS)
#define PROP_REPORTS 5	  /* failing schedules printed in full */

enum prop_kind {
	PROP_CRASH,
	PROP_STOP,
	PROP_RECOVER,
	PROP_PARTITION,
	PROP_HEAL,
	PROP_BLOCK,
	PROP_UNBLOCK,
};

struct prop_fault {
	long long at_ns;
	enum prop_kind kind;
	int dir;		  /* 0 lb1, 1 lb2; unused by partition and heal */
};

struct prop_sched {
	uint64_t seed;
	long long duration_ns;
	size_t n;
	struct prop_fault f[PROP_MAX_FAULTS];
};

/* What the schedule has done by some time: the part a run cannot change. */
struct prop_seg {
	bool down[2];		  /* crashed or stopped */
	bool blocked[2];
	bool part;
};

static bool prop_connected(const struct prop_seg *s)
{
	return !s->part && !s->blocked[0] && !s->blocked[1];
}

static void prop_apply(struct prop_seg *s, const struct prop_fault *f)
{
	switch (f->kind) {
	case PROP_CRASH:
	case PROP_STOP:
		s->down[f->dir] = true;
		break;
	case PROP_RECOVER:
		s->down[f->dir] = false;
		break;
	case PROP_PARTITION:
	case PROP_HEAL:
		s->part = f->kind == PROP_PARTITION;
		break;
	case PROP_BLOCK:
	case PROP_UNBLOCK:
		s->blocked[f->dir] = f->kind == PROP_BLOCK;
		break;
	}
}

static int prop_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * Schedule <seed>: a duration of 20..40 s and 3..6 faults at distinct
 * millisecond times in [1 s, duration - 1 s), each chosen uniformly among
 * the faults valid in the state the earlier ones left (recover only a down
 * director, crash or stop only an up one, heal only a partition...).
 */
static void prop_sched_make(uint64_t seed, struct prop_sched *p)
{
	gsl_rng *rng = rng_stream_new(seed, "ha_prop.schedule");
	long long at[PROP_MAX_FAULTS];
	struct prop_seg s = { 0 };

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->duration_ns = (20 + (long long)rng_below(rng, 21)) * 1000 * PROP_MS;
	p->n = 3 + rng_below(rng, PROP_MAX_FAULTS - 2);
	for (size_t i = 0; i < p->n; i++)
		at[i] = (1000 + (long long)rng_below(rng, (uint32_t)(p->duration_ns / PROP_MS) - 2000)) *
			PROP_MS;
	qsort(at, p->n, sizeof(at[0]), prop_cmp_ll);
	for (size_t i = 1; i < p->n; i++)
		if (at[i] <= at[i - 1])
			at[i] = at[i - 1] + PROP_MS;
	for (size_t i = 0; i < p->n; i++) {
		struct prop_fault cand[8];
		size_t nc = 0;

		for (int d = 0; d < 2; d++) {
			if (s.down[d]) {
				cand[nc++] = (struct prop_fault){ at[i], PROP_RECOVER, d };
			} else {
				cand[nc++] = (struct prop_fault){ at[i], PROP_CRASH, d };
				cand[nc++] = (struct prop_fault){ at[i], PROP_STOP, d };
			}
			cand[nc++] = (struct prop_fault){ at[i], s.blocked[d] ? PROP_UNBLOCK : PROP_BLOCK,
							  d };
		}
		cand[nc++] = (struct prop_fault){ at[i], s.part ? PROP_HEAL : PROP_PARTITION, 0 };
		p->f[i] = cand[rng_below(rng, (uint32_t)nc)];
		prop_apply(&s, &p->f[i]);
	}
	rng_stream_free(rng);
}

/* The fault block's lines for <p> into <buf>. */
static void prop_faults_text(const struct prop_sched *p, char *buf, size_t cap)
{
	static const char *const dir[] = { "lb1", "lb2" };
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n && len < cap; i++) {
		const struct prop_fault *f = &p->f[i];
		long long ms = f->at_ns / PROP_MS;
		char what[64];

		switch (f->kind) {
		case PROP_CRASH:
		case PROP_STOP:
		case PROP_RECOVER:
			snprintf(what, sizeof(what), "%s director %s",
				 f->kind == PROP_CRASH  ? "crash"
				 : f->kind == PROP_STOP ? "stop"
							: "recover",
				 dir[f->dir]);
			break;
		case PROP_PARTITION:
			snprintf(what, sizeof(what), "partition lb1 lb2");
			break;
		case PROP_HEAL:
			snprintf(what, sizeof(what), "heal");
			break;
		case PROP_BLOCK:
		case PROP_UNBLOCK:
			snprintf(what, sizeof(what), "%s vrrp %s",
				 f->kind == PROP_BLOCK ? "block" : "unblock", dir[f->dir]);
			break;
		}
		len += (size_t)snprintf(buf + len, cap - len, "  at %lld.%03llds %s\n", ms / 1000,
					ms % 1000, what);
	}
}

/* One director's keepalived text: VRRPv2 instance VI and the DR service. */
static void prop_director(FILE *f, const char *name, const char *state, int prio)
{
	fprintf(f,
		"director %s {\n"
		"  vrrp_instance VI {\n"
		"    state %s\n    interface eth0\n    virtual_router_id 51\n"
		"    priority %d\n    advert_int 1\n"
		"    virtual_ipaddress {\n      10.10.0.100/24\n    }\n"
		"  }\n"
		"  virtual_server 10.10.0.100 80 {\n"
		"    lb_algo rr\n    lb_kind DR\n    protocol TCP\n"
		"    real_server 10.10.0.21 80 {\n      weight 1\n    }\n"
		"    real_server 10.10.0.22 80 {\n      weight 1\n    }\n"
		"  }\n"
		"}\n",
		name, state, prio);
}

/* The scenario of <p> with <faults>, loaded. NULL on error. */
static struct scenario *prop_load(const struct prop_sched *p, const char *faults)
{
	struct scenario *scn;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fprintf(f,
		"simulation { duration %llds seed %llu }\n"
		"clients web { sources 192.0.2.0/24 arrival poisson 20/s target 10.10.0.100:80\n"
		"  service exponential 5ms requests deterministic 2 think exponential 500ms }\n"
		"server 10.10.0.21 { workers 2 }\nserver 10.10.0.22 { workers 2 }\n",
		p->duration_ns / (1000 * PROP_MS), (unsigned long long)p->seed);
	prop_director(f, "lb1", "MASTER", 150);
	prop_director(f, "lb2", "BACKUP", 100);
	fprintf(f, "fault {\n%s}\n", faults);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	scn = test_scenario_text(text, NULL, 0);
	free(text);
	return scn;
}

static struct run_result *prop_run(const struct scenario *scn)
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

static long long prop_ns(double s)
{
	return llround(s * 1e9);
}

static int prop_dir(const struct run_transition *t)
{
	return !strcmp(t->director, "lb1") ? 0 : !strcmp(t->director, "lb2") ? 1 : -1;
}

/* Is director <d> MASTER after every transition at or before <ns>? */
static bool prop_master_at(const struct run_result *r, int d, long long ns)
{
	bool m = false;

	for (size_t i = 0; i < r->ntransitions && prop_ns(r->transitions[i].t_s) <= ns; i++)
		if (prop_dir(&r->transitions[i]) == d)
			m = !strcmp(r->transitions[i].to, "MASTER");
	return m;
}

/*
 * Property (a): the longest stretch of connected time in which both are
 * MASTER, in ns, and the time it ends at in <*end>. Transitions and faults
 * at one instant all apply before the stretch from that instant on.
 */
static long long prop_dual_master(const struct prop_sched *p, const struct run_result *r,
				  long long *end)
{
	size_t nb = 0, it = 0, ifl = 0;
	long long *b = malloc((r->ntransitions + p->n + 2) * sizeof(*b));
	long long run = 0, worst = 0;
	struct prop_seg s = { 0 };
	bool m[2] = { false, false };

	b[nb++] = 0;
	b[nb++] = p->duration_ns;
	for (size_t i = 0; i < r->ntransitions; i++)
		b[nb++] = prop_ns(r->transitions[i].t_s);
	for (size_t i = 0; i < p->n; i++)
		b[nb++] = p->f[i].at_ns;
	qsort(b, nb, sizeof(*b), prop_cmp_ll);
	*end = 0;
	for (size_t k = 0; k + 1 < nb; k++) {
		for (; it < r->ntransitions && prop_ns(r->transitions[it].t_s) <= b[k]; it++) {
			int d = prop_dir(&r->transitions[it]);

			if (d >= 0)
				m[d] = !strcmp(r->transitions[it].to, "MASTER");
		}
		for (; ifl < p->n && p->f[ifl].at_ns <= b[k]; ifl++)
			prop_apply(&s, &p->f[ifl]);
		if (m[0] && m[1] && prop_connected(&s)) {
			run += b[k + 1] - b[k];
			if (run > worst) {
				worst = run;
				*end = b[k + 1];
			}
		} else {
			run = 0;
		}
	}
	free(b);
	return worst;
}

/*
 * Property (b) for every crash or stop of the master that qualifies; returns
 * the number checked, and in <*bad_ns> the time of the first one after which
 * the other director was not MASTER in time (-1: none).
 */
static size_t prop_takeovers(const struct prop_sched *p, const struct run_result *r,
			     long long *bad_ns)
{
	struct prop_seg s = { 0 };
	size_t checked = 0;

	*bad_ns = -1;
	for (size_t i = 0; i < p->n; i++) {
		const struct prop_fault *f = &p->f[i];
		long long t = f->at_ns, until = t + PROP_BOUND_NS;
		int o = 1 - f->dir;
		bool quiet = i + 1 == p->n || p->f[i + 1].at_ns > until;

		if ((f->kind == PROP_CRASH || f->kind == PROP_STOP) && quiet && !s.down[o] &&
		    prop_connected(&s) && until < p->duration_ns &&
		    prop_master_at(r, f->dir, t - 1)) {
			checked++;
			if (!prop_master_at(r, o, until) && *bad_ns < 0)
				*bad_ns = t;
		}
		prop_apply(&s, f);
	}
	return checked;
}

static bool prop_same(const struct run_result *a, const struct run_result *b)
{
	return a->events == b->events && a->completed == b->completed &&
	       a->failed == b->failed && a->ntransitions == b->ntransitions &&
	       !memcmp(a->transitions, b->transitions, a->ntransitions * sizeof(*a->transitions));
}

static void test_schedules(void)
{
	size_t n = test_quick() ? PROP_SCHEDULES_QUICK : PROP_SCHEDULES;
	size_t failures = 0, takeovers = 0, dual = 0;
	char faults[1024];

	for (size_t i = 0; i < n; i++) {
		struct prop_sched p;
		struct scenario *scn;
		struct run_result *r, *r2;
		long long worst, worst_end, bad;
		const char *why = NULL;

		prop_sched_make(i + 1, &p);
		prop_faults_text(&p, faults, sizeof(faults));
		scn = prop_load(&p, faults);
		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		r = prop_run(scn);
		r2 = prop_run(scn);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r2);
		worst = prop_dual_master(&p, r, &worst_end);
		takeovers += prop_takeovers(&p, r, &bad);
		if (worst > 0)
			dual++;
		if (worst > PROP_BOUND_NS)
			why = "(a) two masters while connected";
		else if (bad >= 0)
			why = "(b) no master after the master's crash";
		else if (!prop_same(r, r2))
			why = "(c) a second run differs";
		if (why) {
			if (failures++ < PROP_REPORTS) {
				fprintf(stderr,
					"\nha_prop: schedule seed %llu: %s (dual %.6f s to %.6f s, "
					"fault %.3f s)\nfault {\n%s}\n",
					(unsigned long long)p.seed, why, (double)worst / 1e9,
					(double)worst_end / 1e9, (double)bad / 1e9, faults);
				for (size_t k = 0; k < r->ntransitions; k++)
					fprintf(stderr, "  %10.6f %s %s -> %s\n", r->transitions[k].t_s,
						r->transitions[k].director, r->transitions[k].from,
						r->transitions[k].to);
			}
		}
		run_result_free(r);
		run_result_free(r2);
		scenario_free(scn);
	}
	CU_ASSERT_EQUAL(failures, 0);
	/* the properties were exercised: takeovers checked, short dual masters seen */
	CU_ASSERT(takeovers > n / 20);
	CU_ASSERT(dual > 0);
}

int test_ha_prop_register(void)
{
	CU_pSuite s = CU_add_suite("ha_prop", NULL, NULL);

	if (!s || !CU_add_test(s, "random fault schedules", test_schedules))
		return CU_get_error();
	return CUE_SUCCESS;
}
