/*
 * tests/unit/test_ha_spec.c - suite "ha_spec": the "Expected behaviour"
 * bullets of spec/vrrp-keepalived.md section 6 that concern VRRP timing and
 * state, checked on the HA world (models/ha.c) running the fixture pairs of
 * scenarios/ha/ (tests/data/ha/X-pair.inc: the library scenario's clients,
 * servers and both directors' keepalived files, without its faults), with
 * the faults each bullet needs. Also vrrp_script and MISC_CHECK's
 * lbsim_fail_probability.
 *
 * Expected times are the spec's formulas in keepalived's integer
 * microseconds (spec 2.1, written out here rather than taken from
 * algorithms/vrrp, so that a wrong formula there cannot agree with itself),
 * plus HA_SEG_NS for every frame that crosses the segment, from the adverts
 * the directors sent (a world_vrrp_tap): "lb2 is master one master-down
 * interval after lb1's last advert" is checked to the nanosecond. Each spec
 * number (3.414 s, 0.305 s, ...) is also compared with the formula, so the
 * formulas are the spec's. The model has no start-up delay and no advert
 * drift (spec 2.3: 40-70 ms and 0.3-0.5 ms per advert in the lab): measured
 * lab figures are matched within those.
 *
 * A tenth of a second in all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "models/ha.h"
#include "models/health.h"
#include "models/model.h"
#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "tests/test.h"

#define SPEC_DIR "tests/data/ha"
#define SEC 1000000000LL
#define MSEC 1000000LL
#define HA_SEG_NS 50000LL /* models/ha.c: a frame crosses the segment in 50 us */
#define T_EPS 1e-9	  /* transition times are exact nanoseconds, as seconds */

/* ---- keepalived's arithmetic (spec 2.1), microseconds ---- */

static long long spec_skew_us(int version, int prio, long long adv_us)
{
	if (version == 3)
		return (256 - prio) * (adv_us / 10000) * 625 / 16;
	return (256 - prio) * 1000000LL / 256;
}

/* Master_Down_Interval in ns: 3 adverts + skew. */
static long long spec_mdi_ns(int version, int prio, long long adv_us)
{
	return (3 * adv_us + spec_skew_us(version, prio, adv_us)) * 1000;
}

static long long spec_skew_ns(int version, int prio, long long adv_us)
{
	return spec_skew_us(version, prio, adv_us) * 1000;
}

/* ---- running a pair with faults, recording every advert ---- */

struct spec_adv {
	long long t;
	char dir[16];
	char inst[16];
	int vrid;
	int prio;
};

struct spec_run {
	struct scenario *scn;
	struct run_result *r;
	struct world *w; /* kept alive until spec_run_free */
	struct spec_adv *adv;
	size_t nadv, cap;
};

static void spec_tap(void *ctx, sim_time_t at, const struct world_vrrp_pkt *p)
{
	struct spec_run *sr = ctx;
	struct spec_adv *a;

	if (sr->nadv == sr->cap) {
		sr->cap = sr->cap ? 2 * sr->cap : 1024;
		sr->adv = realloc(sr->adv, sr->cap * sizeof(*sr->adv));
		if (!sr->adv)
			abort();
	}
	a = &sr->adv[sr->nadv++];
	a->t = at;
	snprintf(a->dir, sizeof(a->dir), "%s", p->director);
	snprintf(a->inst, sizeof(a->inst), "%s", p->instance);
	a->vrid = p->vrid;
	a->prio = p->priority;
}

/*
 * Load a scenario of <text_head> then fault { <faults> } with <sets>
 * (test_scenario_text) and run it (<seed> > 0 replaces the
 * scenario's). Returns 0, or -1 with the reason on stderr.
 */
static int spec_run_text(struct spec_run *sr, const char *text_head, const char *faults,
			 const struct scn_set *sets, size_t nsets, uint64_t seed)
{
	struct world_opts wo = { .vrrp_tap = spec_tap, .vrrp_tap_ctx = sr };
	char err[1024], *text;

	memset(sr, 0, sizeof(*sr));
	if (asprintf(&text, "%s\nfault {\n%s\n}\n", text_head, faults) < 0)
		return -1;
	sr->scn = test_scenario_text(text, sets, nsets);
	free(text);
	if (!sr->scn)
		return -1;
	if (seed) {
		wo.seed = seed;
		wo.seed_set = true;
	}
	if (world_new(sr->scn, &wo, &sr->w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return -1;
	}
	world_run(sr->w);
	sr->r = run_result_new();
	world_fill_result(sr->w, sr->r);
	return 0;
}

/* The fixture pair <pair> (dr-http, nat-sync, dual-master) for <duration>, with <faults>. */
static int spec_run_pair(struct spec_run *sr, const char *pair, const char *duration,
			 const char *faults)
{
	char inc[PATH_MAX], rel[128], head[PATH_MAX + 32];
	struct scn_set set = { "simulation.duration", duration };

	snprintf(rel, sizeof(rel), SPEC_DIR "/%s-pair.inc", pair);
	if (!realpath(rel, inc))
		return -1;
	snprintf(head, sizeof(head), "include %s", inc);
	return spec_run_text(sr, head, faults, &set, 1, 0);
}

static void spec_run_free(struct spec_run *sr)
{
	run_result_free(sr->r);
	world_free(sr->w);
	scenario_free(sr->scn);
	free(sr->adv);
	memset(sr, 0, sizeof(*sr));
}

/* The time (s) of the first transition of <dir>/<inst> to <to> at or after <from_s>; -1. */
static double spec_at(const struct spec_run *sr, const char *dir, const char *inst,
		      const char *to, double from_s)
{
	for (size_t i = 0; i < sr->r->ntransitions; i++) {
		const struct run_transition *t = &sr->r->transitions[i];

		if (t->t_s >= from_s && !strcmp(t->director, dir) && !strcmp(t->instance, inst) &&
		    !strcmp(t->to, to))
			return t->t_s;
	}
	return -1;
}

/* Transitions of <dir>/<inst> (any if NULL) to <to> in [from_s, to_s]. */
static size_t spec_count(const struct spec_run *sr, const char *dir, const char *inst,
			 const char *to, double from_s, double to_s)
{
	size_t n = 0;

	for (size_t i = 0; i < sr->r->ntransitions; i++) {
		const struct run_transition *t = &sr->r->transitions[i];

		n += t->t_s >= from_s && t->t_s <= to_s && !strcmp(t->director, dir) &&
		     (!inst || !strcmp(t->instance, inst)) && !strcmp(t->to, to);
	}
	return n;
}

/* Last advert of <dir> for <vrid> sent before <before> (ns), of priority <prio> (-1 any). */
static long long spec_adv_last(const struct spec_run *sr, const char *dir, int vrid,
			       long long before, int prio)
{
	long long t = -1;

	for (size_t i = 0; i < sr->nadv; i++) {
		const struct spec_adv *a = &sr->adv[i];

		if (a->t < before && a->vrid == vrid && !strcmp(a->dir, dir) &&
		    (prio < 0 || a->prio == prio))
			t = a->t;
	}
	return t;
}

/* First advert of <dir> for <vrid> sent at or after <from> (ns), priority <prio> (-1 any). */
static long long spec_adv_first(const struct spec_run *sr, const char *dir, int vrid,
				long long from, int prio)
{
	for (size_t i = 0; i < sr->nadv; i++) {
		const struct spec_adv *a = &sr->adv[i];

		if (a->t >= from && a->vrid == vrid && !strcmp(a->dir, dir) &&
		    (prio < 0 || a->prio == prio))
			return a->t;
	}
	return -1;
}

/* Adverts of <dir> for <vrid> with priority <prio> (-1 any) sent in [from, to] (ns). */
static size_t spec_adv_count(const struct spec_run *sr, const char *dir, int vrid, int prio,
			     long long from, long long to)
{
	size_t n = 0;

	for (size_t i = 0; i < sr->nadv; i++) {
		const struct spec_adv *a = &sr->adv[i];

		n += a->t >= from && a->t <= to && a->vrid == vrid && !strcmp(a->dir, dir) &&
		     (prio < 0 || a->prio == prio);
	}
	return n;
}

static double ns2s(long long ns)
{
	return (double)ns / 1e9;
}

/* The scenario's instance <inst> of director <dir>. */
static const struct scn_vrrp_instance *spec_inst(const struct spec_run *sr, const char *dir,
						 const char *inst)
{
	for (size_t i = 0; i < sr->scn->ndirectors; i++) {
		const struct scn_director *d = &sr->scn->directors[i];

		for (size_t k = 0; strcmp(d->name, dir) == 0 && k < d->ninstances; k++)
			if (!strcmp(d->instances[k].name, inst))
				return &d->instances[k];
	}
	return NULL;
}

static const struct scn_vrrp_script *spec_script(const struct spec_run *sr, const char *dir,
						 const char *name)
{
	for (size_t i = 0; i < sr->scn->ndirectors; i++) {
		const struct scn_director *d = &sr->scn->directors[i];

		for (size_t k = 0; strcmp(d->name, dir) == 0 && k < d->nscripts; k++)
			if (!strcmp(d->scripts[k].name, name))
				return &d->scripts[k];
	}
	return NULL;
}

/*
 * When a script that runs every <interval> s from <start> (ns), failing
 * (or succeeding) from <fault> on, changes status: its <n>-th run after the
 * fault (fall failures, or rise successes). <fault> must not be a run time.
 */
static long long spec_script_flip(long long start, unsigned interval, long long fault, unsigned n)
{
	long long iv = (long long)interval * SEC;
	long long first = start + ((fault - start) / iv + 1) * iv;

	return first + (long long)(n - 1) * iv;
}

/* The spec's figures are its formulas (to its rounding). */
static void test_formulas(void)
{
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(2, 150, 1000000)), 3.414, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(2, 100, 1000000)), 3.609, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(2, 120, 1000000)), 3.531, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(2, 110, 1000000)), 3.570, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_skew_ns(2, 110, 1000000)), 0.570, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(3, 150, 500000)), 1.707, 0.0005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(3, 100, 500000)), 1.8047, 0.00005);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_skew_ns(3, 100, 500000)), 0.305, 0.0005);
	/* "lb1 wins by ~39 ms" (6.2) */
	CU_ASSERT_DOUBLE_EQUAL(ns2s(spec_mdi_ns(2, 110, 1000000) - spec_mdi_ns(2, 120, 1000000)),
			       0.039, 0.0005);
}

/*
 * dr-http, 6.1 bullet 1: both start; lb1 (state MASTER, 150) is BACKUP for
 * its master-down interval 3.414 s, then MASTER; lb2 (100) would need
 * 3.609 s, so it stays BACKUP. Then lb1 crashes (lb2 takes over one MDI of
 * its own after lb1's last advert, spec 7.3) and restarts while lb2 is
 * master: it discards lb2's priority-100 adverts and preempts at its start
 * + 3.414 s; lb2 steps down when it hears lb1.
 */
static void test_drhttp_start_preempt(void)
{
	struct spec_run sr;
	long long m150 = spec_mdi_ns(2, 150, 1000000), m100 = spec_mdi_ns(2, 100, 1000000);
	long long crash = 10 * SEC, back = 20250 * MSEC, last, first;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "dr-http", "30s",
				      "at 10s crash director lb1\n"
				      " at 20.25s recover director lb1") == 0);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "BACKUP", 0), 0, T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "MASTER", 0), ns2s(m150), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_WEB", "BACKUP", 0), 0, T_EPS);
	CU_ASSERT_EQUAL(spec_count(&sr, "lb2", "VI_WEB", "MASTER", 0, ns2s(crash)), 0);
	/* lb2's timer was reset by every advert of lb1: no advert of its own before the crash */
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb2", 51, -1, 0, crash), 0);
	/* the crash */
	last = spec_adv_last(&sr, "lb1", 51, crash, 150);
	CU_ASSERT_FATAL(last > crash - SEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_WEB", "MASTER", ns2s(crash)),
			       ns2s(last + HA_SEG_NS + m100), T_EPS);
	/* lb1 back: lb2's lower adverts do not hold it off */
	CU_ASSERT(spec_adv_count(&sr, "lb2", 51, 100, back, back + m150) >= 3);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "BACKUP", ns2s(back)), ns2s(back),
			       T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "MASTER", ns2s(back)),
			       ns2s(back + m150), T_EPS);
	first = spec_adv_first(&sr, "lb1", 51, back, 150);
	CU_ASSERT_EQUAL(first, back + m150);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_WEB", "BACKUP", ns2s(back)),
			       ns2s(first + HA_SEG_NS), T_EPS);
	/* two masters only while lb1's first advert crosses the segment */
	CU_ASSERT_DOUBLE_EQUAL(sr.r->split_brain_s, ns2s(HA_SEG_NS), T_EPS);
	spec_run_free(&sr);
}

/*
 * dr-http, 6.1 bullet 2: chk_director (interval 2, fall 2, weight -60)
 * fails twice, 4 s at interval 2 -> lb1's effective priority 90 < 100 ->
 * lb2 master one MDI (3.609 s) after lb1's last priority-150 advert; the new
 * priority shows in lb1's next periodic advert (3.4). The script succeeding
 * again (rise 2) puts lb1 back at 150 as a backup: master one MDI of 150
 * after the last priority-100 advert it accepted (7.3: 3.414 s, lab 3.422).
 */
static void test_drhttp_script(void)
{
	struct spec_run sr;
	const struct scn_vrrp_script *sc;
	const struct scn_vrrp_instance *vi;
	long long m150 = spec_mdi_ns(2, 150, 1000000), m100 = spec_mdi_ns(2, 100, 1000000);
	long long down, up, l150, f90, m2, l100;
	int low;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "dr-http", "55s",
				      "at 30.5s fail script chk_director on lb1\n"
				      " at 40.5s recover script chk_director on lb1") == 0);
	sc = spec_script(&sr, "lb1", "chk_director");
	vi = spec_inst(&sr, "lb1", "VI_WEB");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
	low = (int)vi->priority + sc->weight;
	CU_ASSERT_EQUAL(low, 90);
	/* runs at 0, 2, 4 ... s: failing from 32 s, down (fall 2) at 34 s */
	down = spec_script_flip(0, sc->interval_s, 30500 * MSEC, sc->fall);
	CU_ASSERT_EQUAL(down, 34 * SEC);
	l150 = spec_adv_last(&sr, "lb1", 51, down, (int)vi->priority);
	f90 = spec_adv_first(&sr, "lb1", 51, 0, low);
	CU_ASSERT_FATAL(l150 > 0 && f90 > 0);
	CU_ASSERT(l150 < down && f90 > down);
	CU_ASSERT_EQUAL(f90 - l150, SEC);
	/* lb2 discards the priority-90 adverts */
	m2 = l150 + HA_SEG_NS + m100;
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_WEB", "MASTER", 30), ns2s(m2), T_EPS);
	CU_ASSERT(spec_adv_count(&sr, "lb1", 51, low, f90, m2) >= 2);
	/* lb1 (90) hears lb2 (100): BACKUP without a priority-0 advert */
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "BACKUP", 30),
			       ns2s(spec_adv_first(&sr, "lb2", 51, m2, 100) + HA_SEG_NS), T_EPS);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 51, 0, 0, 55 * SEC), 0);
	/* recovered: rise 2 successes, at 42 and 44 s */
	up = spec_script_flip(0, sc->interval_s, 40500 * MSEC, sc->rise);
	CU_ASSERT_EQUAL(up, 44 * SEC);
	l100 = spec_adv_last(&sr, "lb2", 51, up, 100);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_WEB", "MASTER", 40),
			       ns2s(l100 + HA_SEG_NS + m150), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(l100 + HA_SEG_NS + m150 - l100), 3.422, 0.009);
	spec_run_free(&sr);
}

/*
 * After lb1 comes back (at <back> ns) in the nat-sync pair: it accepts lb2's
 * priority-110 adverts for preempt_delay (15 s), then discards them and
 * takes both VIPs over one MDI (3.531 s) after the last one it accepted:
 * 15 + 3.531 - 1 s after it first heard lb2 (the advert due exactly at the
 * deadline is no longer accepted: keepalived compares strictly, and the
 * model has no drift).
 */
static void spec_natsync_return(const struct spec_run *sr, long long back)
{
	const struct scn_vrrp_instance *vi = spec_inst(sr, "lb1", "VI_EXT");
	long long m120 = spec_mdi_ns(2, 120, 1000000), heard, master, pd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
	pd = vi->preempt_delay_ns;
	CU_ASSERT_EQUAL(pd, 15 * SEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb1", "VI_EXT", "BACKUP", ns2s(back)), ns2s(back),
			       T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb1", "VI_INT", "BACKUP", ns2s(back)), ns2s(back),
			       T_EPS);
	heard = spec_adv_first(sr, "lb2", 61, back, 110) + HA_SEG_NS;
	CU_ASSERT_FATAL(heard > back && heard <= back + SEC + HA_SEG_NS);
	CU_ASSERT_EQUAL(spec_adv_first(sr, "lb2", 62, back, 110) + HA_SEG_NS, heard);
	master = heard + pd - SEC + m120;
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb1", "VI_EXT", "MASTER", ns2s(back)), ns2s(master),
			       T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb1", "VI_INT", "MASTER", ns2s(back)), ns2s(master),
			       T_EPS);
	/* lb2 kept advertising all along (it is not lb1's silence that ends the wait) */
	CU_ASSERT_EQUAL(spec_adv_count(sr, "lb2", 61, 110, heard - HA_SEG_NS, master), 18);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb2", "VI_EXT", "BACKUP", ns2s(back)),
			       ns2s(master + HA_SEG_NS), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(sr, "lb2", "VI_INT", "BACKUP", ns2s(back)),
			       ns2s(master + HA_SEG_NS), T_EPS);
	/* the whole run had two masters of a VRID only then, while lb1's adverts crossed */
	CU_ASSERT_DOUBLE_EQUAL(sr->r->split_brain_s, ns2s(2 * HA_SEG_NS), T_EPS);
}

/*
 * nat-sync, 6.2 bullets 1-3. Cold start: lb1 (120) 3.531 s, lb2 (110)
 * 3.570 s; both lb1 instances time out together and the group goes MASTER.
 * Link down on lb1 eth1 at 20.3 s: VI_INT FAULT (own interface) and VI_EXT
 * FAULT (track_interface + group); VI_EXT sends priority 0 on eth0, VI_INT
 * nothing; lb2's VI_EXT wants MASTER after its skew (0.570 s) but the group
 * waits for lb2's VI_INT, which times out a full MDI (3.570 s) after lb1's
 * last VI_INT advert; then both VIPs move together. lb1's link back at
 * 30.3 s: the preempt_delay return above.
 */
static void test_natsync_link(void)
{
	struct spec_run sr;
	long long m120 = spec_mdi_ns(2, 120, 1000000), m110 = spec_mdi_ns(2, 110, 1000000);
	long long skew110 = spec_skew_ns(2, 110, 1000000);
	long long down = 20300 * MSEC, up = 30300 * MSEC, last_int, master;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "nat-sync", "55s",
				      "at 20.3s down interface eth1 on lb1\n"
				      " at 30.3s up interface eth1 on lb1") == 0);
	/* cold start */
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_EXT", "MASTER", 0), ns2s(m120), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_INT", "MASTER", 0), ns2s(m120), T_EPS);
	CU_ASSERT_EQUAL(spec_count(&sr, "lb2", NULL, "MASTER", 0, ns2s(down)), 0);
	/* the link fails: both lb1 instances FAULT at once */
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_INT", "FAULT", 0), ns2s(down), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_EXT", "FAULT", 0), ns2s(down), T_EPS);
	/* VI_EXT's priority-0 adverts leave on eth0 (two, as keepalived), VI_INT's cannot */
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 61, 0, down, down), 2);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 62, -1, down, up), 0);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 61, -1, down + 1, up), 0);
	last_int = spec_adv_last(&sr, "lb1", 62, down, 120);
	CU_ASSERT_FATAL(last_int > down - SEC);
	master = last_int + HA_SEG_NS + m110;
	/* the group held VI_EXT back: its skew alone would have ended much earlier */
	CU_ASSERT(down + HA_SEG_NS + skew110 < master - 100 * MSEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_INT", "MASTER", 0), ns2s(master), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_EXT", "MASTER", 0), ns2s(master), T_EPS);
	/* one failover per VRID, both over when the router hears lb2's GARP */
	CU_ASSERT_EQUAL_FATAL(sr.r->nfailovers, 2);
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_DOUBLE_EQUAL(sr.r->failovers[i].fault_at_s, ns2s(down), T_EPS);
		CU_ASSERT_DOUBLE_EQUAL(sr.r->failovers[i].detected_s, ns2s(master), T_EPS);
		CU_ASSERT_DOUBLE_EQUAL(sr.r->failovers[i].takeover_s,
				       ns2s(master + HA_SEG_NS - down), T_EPS);
	}
	/* the link is back */
	spec_natsync_return(&sr, up);
	spec_run_free(&sr);
}

/*
 * nat-sync, 6.2 bullet 3 the other way back: lb1 stopped (priority 0 on
 * both VRIDs: lb2's two instances both want MASTER after their skew, and go
 * together), then recovered: the same preempt_delay return.
 */
static void test_natsync_restart(void)
{
	struct spec_run sr;
	long long skew110 = spec_skew_ns(2, 110, 1000000);
	long long stop = 20300 * MSEC, back = 30300 * MSEC;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "nat-sync", "55s",
				      "at 20.3s stop director lb1\n"
				      " at 30.3s recover director lb1") == 0);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 61, 0, stop, stop), 1);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 62, 0, stop, stop), 1);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_EXT", "MASTER", 0),
			       ns2s(stop + HA_SEG_NS + skew110), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_INT", "MASTER", 0),
			       ns2s(stop + HA_SEG_NS + skew110), T_EPS);
	spec_natsync_return(&sr, back);
	spec_run_free(&sr);
}

/* Did <dir>/<inst> start with INIT -> FAULT then FAULT -> BACKUP, both at <at_s>? */
static bool spec_fault_then_backup(const struct spec_run *sr, const char *dir, const char *inst,
				   double at_s)
{
	const struct run_transition *t[2] = { NULL, NULL };
	size_t n = 0;

	for (size_t i = 0; i < sr->r->ntransitions && n < 2; i++) {
		const struct run_transition *x = &sr->r->transitions[i];

		if (x->t_s >= at_s && !strcmp(x->director, dir) && !strcmp(x->instance, inst))
			t[n++] = x;
	}
	return n == 2 && !strcmp(t[0]->from, "INIT") && !strcmp(t[0]->to, "FAULT") &&
	       !strcmp(t[1]->to, "BACKUP") && fabs(t[0]->t_s - at_s) < T_EPS &&
	       fabs(t[1]->t_s - at_s) < T_EPS;
}

/*
 * dual-master, 6.3 bullets 1-3. Start: the weight-0 chk_lvs keeps every
 * instance in FAULT until its first result, launched at start-up (it exits
 * at once in the model: FAULT for no time); VI_A master on lb1 and VI_B on
 * lb2 after the v3 MDI of 150 at 0.5 s, 1.707 s (lab 1.79-1.85 s with
 * start-up). kill -9 lb1: lb2 takes VI_A 1.8047 s (MDI of 100) after lb1's
 * last advert (lab 1.806). lb1 restarts: its VI_B (100) stays BACKUP; its
 * VI_A hears lb2's priority-100 adverts, waits preempt_delay 5 s and takes
 * over 1.707 s after the last advert it accepted: 6.207 s after first
 * hearing lb2 (lab 6.21).
 */
static void test_dualmaster_restart(void)
{
	struct spec_run sr;
	static const char *const dirs[] = { "lb1", "lb2" }, *const insts[] = { "VI_A", "VI_B" };
	long long m150 = spec_mdi_ns(3, 150, 500000), m100 = spec_mdi_ns(3, 100, 500000);
	long long crash = 10130 * MSEC, back = 20200 * MSEC, last, heard, master;
	const struct scn_vrrp_instance *vi;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "dual-master", "30s",
				      "at 10.13s crash director lb1\n"
				      " at 20.2s recover director lb1") == 0);
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < 2; i++)
			CU_ASSERT(spec_fault_then_backup(&sr, dirs[d], insts[i], 0));
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_A", "MASTER", 0), ns2s(m150), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_B", "MASTER", 0), ns2s(m150), T_EPS);
	CU_ASSERT_EQUAL(spec_count(&sr, "lb1", "VI_B", "MASTER", 0, 30), 0);
	CU_ASSERT_EQUAL(spec_count(&sr, "lb2", "VI_A", "MASTER", 0, ns2s(crash)), 0);
	/* kill -9 */
	last = spec_adv_last(&sr, "lb1", 71, crash, 150);
	CU_ASSERT_FATAL(last > crash - 500 * MSEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_A", "MASTER", 0),
			       ns2s(last + HA_SEG_NS + m100), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(HA_SEG_NS + m100), 1.806, 0.002);
	/* restart: FAULT until chk_lvs's first result, at once */
	CU_ASSERT(spec_fault_then_backup(&sr, "lb1", "VI_A", ns2s(back)));
	CU_ASSERT(spec_fault_then_backup(&sr, "lb1", "VI_B", ns2s(back)));
	vi = spec_inst(&sr, "lb1", "VI_A");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vi);
	CU_ASSERT_EQUAL(vi->preempt_delay_ns, 5 * SEC);
	heard = spec_adv_first(&sr, "lb2", 71, back, 100) + HA_SEG_NS;
	CU_ASSERT_FATAL(heard > back && heard <= back + 500 * MSEC + HA_SEG_NS);
	master = heard + vi->preempt_delay_ns - 500 * MSEC + m150;
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_A", "MASTER", ns2s(back)), ns2s(master),
			       T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(ns2s(master - heard), 6.21, 0.005);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_A", "BACKUP", ns2s(back)),
			       ns2s(master + HA_SEG_NS), T_EPS);
	/* lb2 keeps VI_B (150) */
	CU_ASSERT_EQUAL(spec_count(&sr, "lb2", "VI_B", "BACKUP", 1, 30), 0);
	spec_run_free(&sr);
}

/*
 * dual-master, 6.3 bullet 4: chk_lvs (interval 1, fall 3, weight 0) fails
 * 3 times on lb1 -> both lb1 instances FAULT; VI_A, MASTER, sends
 * priority-0 adverts, so lb2 (100) takes VIP-A after its skew, 0.305 s at
 * adv 0.5; VI_B on lb1 was BACKUP and just goes quiet.
 */
static void test_dualmaster_script(void)
{
	struct spec_run sr;
	const struct scn_vrrp_script *sc;
	long long skew100 = spec_skew_ns(3, 100, 500000), down;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "dual-master", "30s",
				      "at 20.3s fail script chk_lvs on lb1") == 0);
	sc = spec_script(&sr, "lb1", "chk_lvs");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->weight, 0);
	down = spec_script_flip(0, sc->interval_s, 20300 * MSEC, sc->fall);
	CU_ASSERT_EQUAL(down, 23 * SEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_A", "FAULT", 1), ns2s(down), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_B", "FAULT", 1), ns2s(down), T_EPS);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 71, 0, down, down), 2);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 71, -1, down + 1, 30 * SEC), 0);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 72, -1, 0, 30 * SEC), 0);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_A", "MASTER", 0),
			       ns2s(down + HA_SEG_NS + skew100), T_EPS);
	CU_ASSERT_EQUAL(spec_count(&sr, "lb2", "VI_B", "BACKUP", 1, 30), 0);
	/* the master's FAULT is a failover of VRID 71 */
	CU_ASSERT_EQUAL_FATAL(sr.r->nfailovers, 1);
	CU_ASSERT_DOUBLE_EQUAL(sr.r->failovers[0].fault_at_s, ns2s(down), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(sr.r->failovers[0].takeover_s, ns2s(2 * HA_SEG_NS + skew100),
			       T_EPS);
	spec_run_free(&sr);
}

/*
 * dual-master, 6.3 bullet 4's last sentence: the first result of chk_lvs
 * decides (spec 3.4). Failing from the start (the fault at 0 s comes before
 * the first run), lb1's instances stay in FAULT, so lb2 becomes master of
 * both VIPs after its own MDIs (100: 1.805 s, 150: 1.707 s). Succeeding
 * again from 5.5 s, rise 2 puts lb1 in BACKUP at the second success (7 s).
 */
static void test_dualmaster_first_result(void)
{
	struct spec_run sr;
	const struct scn_vrrp_script *sc;
	long long up;

	CU_ASSERT_FATAL(spec_run_pair(&sr, "dual-master", "20s",
				      "at 0s fail script chk_lvs on lb1\n"
				      " at 5.5s recover script chk_lvs on lb1") == 0);
	sc = spec_script(&sr, "lb1", "chk_lvs");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	up = spec_script_flip(0, sc->interval_s, 5500 * MSEC, sc->rise);
	CU_ASSERT_EQUAL(up, 7 * SEC);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_A", "FAULT", 0), 0, T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_A", "BACKUP", 0), ns2s(up), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb1", "VI_B", "BACKUP", 0), ns2s(up), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_A", "MASTER", 0),
			       ns2s(spec_mdi_ns(3, 100, 500000)), T_EPS);
	CU_ASSERT_DOUBLE_EQUAL(spec_at(&sr, "lb2", "VI_B", "MASTER", 0),
			       ns2s(spec_mdi_ns(3, 150, 500000)), T_EPS);
	CU_ASSERT_EQUAL(spec_adv_count(&sr, "lb1", 71, -1, 0, up - 1), 0);
	spec_run_free(&sr);
}

/* ---- lbsim_fail_probability ---- */

#define PROB_RUNS 2000 /* seconds of simulated time: one script run per second */

/*
 * One director, one instance tracking vrrp_script chk (interval 1, weight
 * 0, rise = fall = 1: the state after each run is that run's result) with
 * lbsim_fail_probability <ps>, and one real server with a MISC_CHECK every
 * second at <pm>; <faults> added, <seed> > 0 replacing the scenario's.
 * Returns 0 or -1.
 */
static int prob_run(struct spec_run *sr, const char *ps, const char *pm, const char *faults,
		    uint64_t seed)
{
	char head[2048];

	snprintf(head, sizeof(head),
		 "simulation { duration %ds seed 1 }\n"
		 "clients c { sources 192.0.2.0/24 arrival poisson 1/s target 10.9.0.100:80\n"
		 "  service exponential 1ms }\n"
		 "server 10.9.0.21 { workers 1 }\n"
		 "director lb1 {\n"
		 "  vrrp_script chk {\n    script \"/bin/true\"\n    interval 1\n"
		 "    lbsim_fail_probability %s\n  }\n"
		 "  vrrp_instance VI {\n    interface eth0\n    virtual_router_id 9\n"
		 "    priority 100\n    virtual_ipaddress {\n      10.9.0.100/24\n    }\n"
		 "    track_script {\n      chk\n    }\n  }\n"
		 "  virtual_server 10.9.0.100 80 {\n    delay_loop 1\n    lb_algo rr\n"
		 "    lb_kind DR\n    protocol TCP\n    real_server 10.9.0.21 80 {\n"
		 "      weight 1\n      MISC_CHECK {\n        misc_path \"/bin/true\"\n"
		 "        lbsim_fail_probability %s\n      }\n    }\n  }\n}\n",
		 PROB_RUNS, ps, pm);
	return spec_run_text(sr, head, faults, NULL, 0, seed);
}

/* Is <f> failures out of <n> runs within 5 standard deviations of n * p? */
static bool prob_binomial(uint64_t f, uint64_t n, double p)
{
	double sd = sqrt((double)n * p * (1 - p));

	return fabs((double)f - (double)n * p) <= 5 * sd;
}

/* Seconds instance VI spent in FAULT from <from_s> to the end. */
static double prob_fault_time(const struct spec_run *sr, double from_s)
{
	double since = -1, sum = 0;

	for (size_t i = 0; i < sr->r->ntransitions; i++) {
		const struct run_transition *t = &sr->r->transitions[i];
		double at = t->t_s < from_s ? from_s : t->t_s;

		if (!strcmp(t->to, "FAULT") && since < 0)
			since = at;
		else if (strcmp(t->to, "FAULT") && since >= 0) {
			sum += at - since;
			since = -1;
		}
	}
	if (since >= 0)
		sum += PROB_RUNS - since;
	return sum;
}

/*
 * Are the times <a> and <b> entered FAULT after <from_s> the same? With
 * rise = fall = 1 a run fails iff FAULT holds after it: from two runs past
 * a point, equal entries mean equal script results.
 */
static bool prob_same_faults_after(const struct spec_run *a, const struct spec_run *b,
				   double from_s)
{
	size_t i = 0, k = 0;

	for (;;) {
		while (i < a->r->ntransitions && (a->r->transitions[i].t_s <= from_s ||
						  strcmp(a->r->transitions[i].to, "FAULT")))
			i++;
		while (k < b->r->ntransitions && (b->r->transitions[k].t_s <= from_s ||
						  strcmp(b->r->transitions[k].to, "FAULT")))
			k++;
		if (i == a->r->ntransitions || k == b->r->ntransitions)
			return i == a->r->ntransitions && k == b->r->ntransitions;
		if (a->r->transitions[i++].t_s != b->r->transitions[k++].t_s)
			return false;
	}
}

static void prob_counts(const struct spec_run *sr, uint64_t *sruns, uint64_t *sfail,
			uint64_t *mruns, uint64_t *mfail)
{
	CU_ASSERT_EQUAL(ha_script_counts(sr->w->ha, "lb1", "chk", sruns, sfail), 0);
	CU_ASSERT_EQUAL(health_misc_counts(sr->w->dirs[0].vs[0].health, 0, 0, mruns, mfail), 0);
}

/*
 * Probability 0 never fails, 1 always does, 0.3 fails about 30 % of the
 * runs (within 5 binomial standard deviations); each failed script run
 * is one second of FAULT, each failed MISC run takes the server out.
 */
static void test_fail_probability(void)
{
	static const double ps[] = { 0, 1, 0.3 };
	static const char *const txt[] = { "0", "1", "30%" };

	for (size_t i = 0; i < 3; i++) {
		struct spec_run sr;
		uint64_t sr_n, sr_f, mr_n, mr_f;
		struct lb_addr a;
		struct mvs *v;

		CU_ASSERT_FATAL(prob_run(&sr, txt[i], txt[i], "", 0) == 0);
		CU_ASSERT_DOUBLE_EQUAL(sr.scn->directors[0].scripts[0].fail_probability, ps[i], 0);
		CU_ASSERT_DOUBLE_EQUAL(
			sr.scn->directors[0].vs[0].rs[0].checkers[0].fail_probability, ps[i], 0);
		prob_counts(&sr, &sr_n, &sr_f, &mr_n, &mr_f);
		/* a run at 0, 1, ... s, and maybe one at the very end */
		CU_ASSERT(sr_n >= PROB_RUNS && sr_n <= PROB_RUNS + 1);
		CU_ASSERT(mr_n > PROB_RUNS - 10 && mr_n <= PROB_RUNS + 1);
		CU_ASSERT(prob_binomial(sr_f, sr_n, ps[i]));
		CU_ASSERT(prob_binomial(mr_f, mr_n, ps[i]));
		if (ps[i] == 0) {
			CU_ASSERT_EQUAL(sr_f, 0);
			CU_ASSERT_EQUAL(mr_f, 0);
		} else if (ps[i] == 1) {
			CU_ASSERT_EQUAL(sr_f, sr_n);
			CU_ASSERT_EQUAL(mr_f, mr_n);
			CU_ASSERT_EQUAL(spec_count(&sr, "lb1", "VI", "BACKUP", 0, PROB_RUNS), 0);
		} else {
			CU_ASSERT(sr_f > 0 && sr_f < sr_n && mr_f > 0 && mr_f < mr_n);
		}
		/* the state machine saw every failed run: one second of FAULT each */
		CU_ASSERT_DOUBLE_EQUAL(prob_fault_time(&sr, 0), (double)sr_f, 1.0 + 1e-6);
		/* the last MISC result decides whether the server is in the service */
		CU_ASSERT_EQUAL_FATAL(lb_addr_parse("10.9.0.21", &a), 0);
		v = &sr.w->dirs[0].vs[0];
		if (ps[i] == 0)
			CU_ASSERT_PTR_NOT_NULL(lb_service_find_dest(&v->svc, &a, 80));
		if (ps[i] == 1)
			CU_ASSERT_PTR_NULL(lb_service_find_dest(&v->svc, &a, 80));
		spec_run_free(&sr);
	}
}

/*
 * Same seed, same failures; another seed, other ones. A `fail script`
 * fault overrides the draws while it holds (every run of 501..600 s
 * fails) without shifting them: the runs before it and the MISC_CHECK's
 * are the same as without the fault.
 */
static void test_fail_probability_seed(void)
{
	struct spec_run a, b, c, f;
	uint64_t n[4], fl[4], mn[4], mf[4];
	bool same;

	CU_ASSERT_FATAL(prob_run(&a, "0.3", "0.3", "", 0) == 0);
	CU_ASSERT_FATAL(prob_run(&b, "0.3", "0.3", "", 0) == 0);
	CU_ASSERT_FATAL(prob_run(&c, "0.3", "0.3", "", 2) == 0);
	CU_ASSERT_FATAL(prob_run(&f, "0.3", "0.3",
				 "at 500.5s fail script chk on lb1\n"
				 " at 600.5s recover script chk on lb1",
				 0) == 0);
	prob_counts(&a, &n[0], &fl[0], &mn[0], &mf[0]);
	prob_counts(&b, &n[1], &fl[1], &mn[1], &mf[1]);
	prob_counts(&c, &n[2], &fl[2], &mn[2], &mf[2]);
	prob_counts(&f, &n[3], &fl[3], &mn[3], &mf[3]);
	CU_ASSERT(fl[0] == fl[1] && mf[0] == mf[1]);
	CU_ASSERT_EQUAL_FATAL(a.r->ntransitions, b.r->ntransitions);
	CU_ASSERT(!memcmp(a.r->transitions, b.r->transitions,
			  a.r->ntransitions * sizeof(*a.r->transitions)));
	same = a.r->ntransitions == c.r->ntransitions &&
	       !memcmp(a.r->transitions, c.r->transitions,
		       a.r->ntransitions * sizeof(*a.r->transitions));
	CU_ASSERT(!same);
	/* the fault: FAULT through 501..601 s, the draws unshifted */
	CU_ASSERT_EQUAL(spec_count(&f, "lb1", "VI", "BACKUP", 501, 600.9), 0);
	CU_ASSERT_EQUAL(spec_count(&f, "lb1", "VI", "MASTER", 501, 600.9), 0);
	CU_ASSERT(prob_fault_time(&f, 501) - prob_fault_time(&f, 601) > 100 - 1e-6);
	CU_ASSERT(fl[3] > fl[0] && fl[3] <= fl[0] + 100);
	CU_ASSERT(mf[3] == mf[0] && mn[3] == mn[0]);
	CU_ASSERT(prob_same_faults_after(&a, &f, 601.5));
	CU_ASSERT(!prob_same_faults_after(&a, &c, 601.5));
	for (size_t i = 0; i < a.r->ntransitions && a.r->transitions[i].t_s < 500; i++) {
		CU_ASSERT_FATAL(i < f.r->ntransitions);
		CU_ASSERT(!memcmp(&a.r->transitions[i], &f.r->transitions[i],
				  sizeof(a.r->transitions[i])));
	}
	spec_run_free(&a);
	spec_run_free(&b);
	spec_run_free(&c);
	spec_run_free(&f);
}

int test_ha_spec_register(void)
{
	CU_pSuite s = CU_add_suite("ha_spec", NULL, NULL);

	if (!s || !CU_add_test(s, "spec figures are the formulas", test_formulas) ||
	    !CU_add_test(s, "dr-http: start, crash, preempt on return",
			 test_drhttp_start_preempt) ||
	    !CU_add_test(s, "dr-http: weighted chk_director", test_drhttp_script) ||
	    !CU_add_test(s, "nat-sync: start, link down, link up", test_natsync_link) ||
	    !CU_add_test(s, "nat-sync: stop and preempt_delay return", test_natsync_restart) ||
	    !CU_add_test(s, "dual-master: start, kill -9, restart", test_dualmaster_restart) ||
	    !CU_add_test(s, "dual-master: chk_lvs fails", test_dualmaster_script) ||
	    !CU_add_test(s, "dual-master: first script result", test_dualmaster_first_result) ||
	    !CU_add_test(s, "lbsim_fail_probability 0, 1, 0.3", test_fail_probability) ||
	    !CU_add_test(s, "lbsim_fail_probability: seeds and faults", test_fail_probability_seed))
		return CU_get_error();
	return CUE_SUCCESS;
}
