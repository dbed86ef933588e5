/*
 * tests/unit/test_check_prop.c - suite "check_prop": keepalived's health
 * checkers in the world (models/health.c) over random fault schedules.
 *
 * Each schedule is one director with one DR service, 3..6 real servers
 * (each behind a link of its own, 0..3 ms) with 0..3 checkers drawn from
 * TCP_CHECK, HTTP_GET (one or two urls, digests, now and then a status
 * range the server never answers) and MISC_CHECK (lbsim_fail_probability
 * now and then), random delay_loop, connect_timeout, retry,
 * delay_before_retry and warmup at virtual server, real server or checker
 * level (or keepalived's defaults), alpha, inhibit_on_failure, weights
 * 0..5, quorum and hysteresis (sometimes beyond what keepalived accepts, so
 * its corrections run), a sorry server (with sorry_server_inhibit), a
 * trickle of clients, 20..60 s of simulated time and 3..8 faults at random
 * millisecond times, each drawn from the ones that make sense then: fail or
 * recover a server, cut or heal its link, set its weight. Checked:
 *
 *   (a) every 100 ms of simulated time and at the end, health_sane: the
 *       checkers' verdicts and the IPVS destinations agree by keepalived's
 *       rules (alive iff all checkers up, removed or weight 0 when not,
 *       quorum with hysteresis, the sorry server alone in the pool while
 *       quorum is lost, nothing twice); and before the first checks (1 s)
 *       no alpha server is in the pool;
 *   (b) a server that dies (fails or loses its link) and stays dead to the
 *       end is out of the pool (absent or weight 0) by the worst-case
 *       detection time of spec 5.5 after its death, the smallest over its
 *       checkers: max(L, 1 s + warmup - death) + one round trip (an answer
 *       on its way) + (R+1) C + R B, with C the checker's timeout;
 *   (c) a second run of the same scenario samples the same destinations
 *       at every tick and ends with the same counts.
 *
 * A failure prints the schedule's seed, the property, the time and the
 * whole scenario. 10^4 schedules (300 with LBSIM_TEST_QUICK), a few seconds
 * in all. A focused test checks how a `weight` fault on a checked server
 * acts (through keepalived: health_set_weight).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/check/checker.h"
#include "models/model.h"
#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/rng.h"
#include "tests/test.h"

#define CP_SCHEDULES 10000
#define CP_SCHEDULES_QUICK 300
#define CP_MAX_RS 6
#define CP_MAX_CK 3
#define CP_MAX_FAULTS 8
#define CP_MS 1000000LL /* ns */
#define CP_TICK_NS (100 * CP_MS)
#define CP_MIN_RTT_NS (100 * 1000LL) /* models/health.c's floor */
#define CP_UNSET (-1)
#define CP_REPORTS 3	  /* failing schedules printed in full */
#define CP_TEXT 16384

enum cp_kind {
	CP_FAIL,
	CP_RECOVER,
	CP_CUT,
	CP_HEAL,
	CP_WEIGHT,
};

/* One checker block; CP_UNSET fields are not written (inherited). */
struct cp_ck {
	enum check_kind kind;	  /* CHECK_TCP, CHECK_HTTP or CHECK_MISC */
	long long dl_ms, ct_ms, dbr_ms, wu_ms;
	int retry;
	int nurls;		  /* HTTP */
	bool bad_status;	  /* HTTP: status_code 301 only, which the server never sends */
	bool fast_recovery;	  /* HTTP */
	int fail_pct;		  /* MISC lbsim_fail_probability, % */
	long long misc_timeout_ms; /* MISC */
	bool dynamic;		  /* MISC misc_dynamic (inert: the model exits 0 or 1) */
};

struct cp_rs {
	int weight;
	int inhibit;		  /* CP_UNSET, 0 or 1 */
	int alpha;		  /* CP_UNSET or 1 */
	long long dl_ms, ct_ms, dbr_ms, wu_ms;
	int retry;
	int latency_us;		  /* its link's, one way */
	int nck;
	struct cp_ck ck[CP_MAX_CK];
};

struct cp_fault {
	long long at_ns;
	enum cp_kind kind;
	int rs;
	int value;		  /* CP_WEIGHT */
};

struct cp_sched {
	uint64_t seed;
	long long duration_ns;
	long long dl_ms, ct_ms, dbr_ms, wu_ms; /* dbr, wu may be CP_UNSET */
	int retry;			       /* CP_UNSET or >= 1 */
	bool alpha, inhibit;
	long long quorum, hysteresis;	       /* CP_UNSET: not written */
	bool sorry, sorry_inhibit;
	int nrs;
	struct cp_rs rs[CP_MAX_RS];
	size_t n;
	struct cp_fault f[CP_MAX_FAULTS];
};

/* ---- schedules ---- */

static long long cp_ms(gsl_rng *rng, long long lo, long long hi)
{
	return lo + (long long)rng_below(rng, (uint32_t)(hi - lo + 1));
}

static bool cp_chance(gsl_rng *rng, unsigned pct)
{
	return rng_below(rng, 100) < pct;
}

/* A time written at a level, or CP_UNSET (inherited) with probability 100 - pct. */
static long long cp_maybe(gsl_rng *rng, unsigned pct, long long lo, long long hi)
{
	return cp_chance(rng, pct) ? cp_ms(rng, lo, hi) : CP_UNSET;
}

static void cp_ck_make(gsl_rng *rng, struct cp_ck *k)
{
	static const enum check_kind kinds[] = { CHECK_TCP, CHECK_HTTP, CHECK_MISC };

	memset(k, 0, sizeof(*k));
	k->kind = kinds[rng_below(rng, 3)];
	k->dl_ms = cp_maybe(rng, 20, 300, 4000);
	k->ct_ms = k->kind == CHECK_MISC ? CP_UNSET : cp_maybe(rng, 20, 100, 3000);
	k->dbr_ms = cp_maybe(rng, 20, 0, 2000);
	k->wu_ms = cp_maybe(rng, 15, 0, 5000);
	k->retry = cp_chance(rng, 25) ? (int)rng_below(rng, 4) : CP_UNSET;
	k->misc_timeout_ms = CP_UNSET;
	switch (k->kind) {
	case CHECK_HTTP:
		k->nurls = 1 + (int)rng_below(rng, 2);
		k->bad_status = cp_chance(rng, 4);
		k->fast_recovery = cp_chance(rng, 20);
		break;
	case CHECK_MISC:
		k->fail_pct = cp_chance(rng, 40) ? 1 + (int)rng_below(rng, 30) : 0;
		k->misc_timeout_ms = cp_maybe(rng, 30, 100, 3000);
		k->dynamic = cp_chance(rng, 10);
		break;
	default:
		break;
	}
}

/* The faults that make sense after <f[0..i)>, one of them picked for time <at>. */
static void cp_fault_make(gsl_rng *rng, const struct cp_sched *p, bool *failed, bool *cut,
			  long long at, struct cp_fault *out)
{
	struct cp_fault cand[3 * CP_MAX_RS];
	size_t nc = 0;

	for (int i = 0; i < p->nrs; i++) {
		cand[nc++] = (struct cp_fault){ at, failed[i] ? CP_RECOVER : CP_FAIL, i, 0 };
		cand[nc++] = (struct cp_fault){ at, cut[i] ? CP_HEAL : CP_CUT, i, 0 };
		cand[nc++] = (struct cp_fault){ at, CP_WEIGHT, i, (int)rng_below(rng, 7) };
	}
	*out = cand[rng_below(rng, (uint32_t)nc)];
	if (out->kind == CP_FAIL || out->kind == CP_RECOVER)
		failed[out->rs] = out->kind == CP_FAIL;
	else if (out->kind == CP_CUT || out->kind == CP_HEAL)
		cut[out->rs] = out->kind == CP_CUT;
}

static int cp_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Schedule <seed>: everything drawn from the stream "check_prop.schedule". */
static void cp_sched_make(uint64_t seed, struct cp_sched *p)
{
	gsl_rng *rng = rng_stream_new(seed, "check_prop.schedule");
	bool failed[CP_MAX_RS] = { false }, cut[CP_MAX_RS] = { false };
	long long at[CP_MAX_FAULTS];
	int total = 0;

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->duration_ns = cp_ms(rng, 20, 60) * 1000 * CP_MS;
	p->dl_ms = cp_ms(rng, 300, 4000);
	p->ct_ms = cp_ms(rng, 100, 3000);
	p->retry = cp_chance(rng, 70) ? 1 + (int)rng_below(rng, 3) : CP_UNSET;
	p->dbr_ms = cp_maybe(rng, 70, 0, 2000);
	p->wu_ms = cp_maybe(rng, 50, 0, 5000);
	p->alpha = cp_chance(rng, 15);
	p->inhibit = cp_chance(rng, 30);
	p->sorry = cp_chance(rng, 50);
	p->sorry_inhibit = p->sorry && cp_chance(rng, 30);
	p->nrs = 3 + (int)rng_below(rng, CP_MAX_RS - 2);
	for (int i = 0; i < p->nrs; i++) {
		struct cp_rs *r = &p->rs[i];

		r->weight = cp_chance(rng, 8) ? 0 : 1 + (int)rng_below(rng, 5);
		total += r->weight;
		r->inhibit = cp_chance(rng, 25) ? (int)rng_below(rng, 2) : CP_UNSET;
		r->alpha = cp_chance(rng, 15) ? 1 : CP_UNSET;
		r->dl_ms = cp_maybe(rng, 20, 300, 4000);
		r->ct_ms = cp_maybe(rng, 20, 100, 3000);
		r->dbr_ms = cp_maybe(rng, 20, 0, 2000);
		r->wu_ms = cp_maybe(rng, 10, 0, 5000);
		r->retry = cp_chance(rng, 20) ? (int)rng_below(rng, 4) : CP_UNSET;
		r->latency_us = (int)rng_below(rng, 3001);
		/* the first real server always has a checker: the service is keepalived's */
		r->nck = i == 0 ? 1 + (int)rng_below(rng, CP_MAX_CK)
				: (int)rng_below(rng, CP_MAX_CK + 1);
		for (int k = 0; k < r->nck; k++)
			cp_ck_make(rng, &r->ck[k]);
	}
	p->quorum = cp_chance(rng, 50) ? 1 + cp_ms(rng, 0, total + 2) : CP_UNSET;
	p->hysteresis = p->quorum != CP_UNSET && cp_chance(rng, 60) ? cp_ms(rng, 0, 4) : CP_UNSET;
	p->n = 3 + rng_below(rng, CP_MAX_FAULTS - 2);
	for (size_t i = 0; i < p->n; i++)
		at[i] = cp_ms(rng, 1000, p->duration_ns / CP_MS - 1000) * CP_MS;
	qsort(at, p->n, sizeof(at[0]), cp_cmp_ll);
	for (size_t i = 1; i < p->n; i++)
		if (at[i] <= at[i - 1])
			at[i] = at[i - 1] + CP_MS;
	for (size_t i = 0; i < p->n; i++)
		cp_fault_make(rng, p, failed, cut, at[i], &p->f[i]);
	rng_stream_free(rng);
}

/* ---- scenario text ---- */

struct cp_buf {
	char *s;
	size_t len, cap;
};

static void cp_put(struct cp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cp_put(struct cp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len = k < 0 ? b->cap : b->len + (size_t)k;
}

/* The checker timings written at one level. */
static void cp_put_timing(struct cp_buf *b, const char *ind, long long dl, long long ct,
			  long long dbr, long long wu, int retry)
{
	if (dl != CP_UNSET)
		cp_put(b, "%sdelay_loop %lldms\n", ind, dl);
	if (ct != CP_UNSET)
		cp_put(b, "%sconnect_timeout %lldms\n", ind, ct);
	if (dbr != CP_UNSET)
		cp_put(b, "%sdelay_before_retry %lldms\n", ind, dbr);
	if (wu != CP_UNSET)
		cp_put(b, "%swarmup %lldms\n", ind, wu);
	if (retry != CP_UNSET)
		cp_put(b, "%sretry %d\n", ind, retry);
}

static void cp_put_ck(struct cp_buf *b, const struct cp_ck *k)
{
	const char *ind = "        ";

	cp_put(b, "      %s {\n", check_kind_name(k->kind));
	cp_put_timing(b, ind, k->dl_ms, k->ct_ms, k->dbr_ms, k->wu_ms, k->retry);
	if (k->kind == CHECK_HTTP) {
		for (int u = 0; u < k->nurls; u++) {
			cp_put(b, "%surl {\n%s  path /u%d\n", ind, ind, u);
			if (!u)
				cp_put(b, "%s  digest 5d41402abc4b2a76b9719d911017c592\n", ind);
			cp_put(b, "%s}\n", ind);
		}
		if (k->bad_status)
			cp_put(b, "%surl {\n%s  path /moved\n%s  status_code 301\n%s}\n", ind, ind,
			       ind, ind);
		if (k->fast_recovery)
			cp_put(b, "%sfast_recovery\n", ind);
	} else if (k->kind == CHECK_MISC) {
		cp_put(b, "%smisc_path /usr/local/bin/check\n", ind);
		if (k->misc_timeout_ms != CP_UNSET)
			cp_put(b, "%smisc_timeout %lldms\n", ind, k->misc_timeout_ms);
		if (k->fail_pct)
			cp_put(b, "%slbsim_fail_probability %d%%\n", ind, k->fail_pct);
		if (k->dynamic)
			cp_put(b, "%smisc_dynamic\n", ind);
	}
	cp_put(b, "      }\n");
}

static void cp_fault_line(struct cp_buf *b, const struct cp_fault *f)
{
	long long ms = f->at_ns / CP_MS;

	cp_put(b, "  at %lld.%03llds ", ms / 1000, ms % 1000);
	switch (f->kind) {
	case CP_FAIL:
	case CP_RECOVER:
		cp_put(b, "%s server 10.20.0.%d\n", f->kind == CP_FAIL ? "fail" : "recover",
		       11 + f->rs);
		break;
	case CP_CUT:
	case CP_HEAL:
		cp_put(b, "%s link s%d\n", f->kind == CP_CUT ? "cut" : "heal", f->rs);
		break;
	case CP_WEIGHT:
		cp_put(b, "weight 10.20.0.%d:80 %d\n", 11 + f->rs, f->value);
		break;
	}
}

/* The scenario of <p> into <text> (NUL-terminated, cut at <cap>). */
static void cp_text(const struct cp_sched *p, char *text, size_t cap)
{
	struct cp_buf b = { text, 0, cap };

	text[0] = '\0';
	cp_put(&b,
	       "simulation { duration %llds seed %llu }\n"
	       "clients web { sources 192.0.2.0/24 arrival poisson 5/s target 10.20.0.100:80\n"
	       "  service exponential 5ms }\n",
	       p->duration_ns / (1000 * CP_MS), (unsigned long long)p->seed);
	for (int i = 0; i < p->nrs; i++) {
		cp_put(&b, "link s%d { latency %dus }\n", i, p->rs[i].latency_us);
		cp_put(&b, "server 10.20.0.%d { workers 2 link s%d }\n", 11 + i, i);
	}
	if (p->sorry)
		cp_put(&b, "server 10.20.0.99 { workers 2 }\n");
	cp_put(&b, "director lb {\n  virtual_server 10.20.0.100 80 {\n"
		   "    lb_algo rr\n    lb_kind DR\n    protocol TCP\n");
	cp_put_timing(&b, "    ", p->dl_ms, p->ct_ms, p->dbr_ms, p->wu_ms, p->retry);
	if (p->alpha)
		cp_put(&b, "    alpha\n");
	if (p->inhibit)
		cp_put(&b, "    inhibit_on_failure\n");
	if (p->quorum != CP_UNSET)
		cp_put(&b, "    quorum %lld\n", p->quorum);
	if (p->hysteresis != CP_UNSET)
		cp_put(&b, "    hysteresis %lld\n", p->hysteresis);
	if (p->sorry)
		cp_put(&b, "    sorry_server 10.20.0.99 80\n");
	if (p->sorry_inhibit)
		cp_put(&b, "    sorry_server_inhibit\n");
	for (int i = 0; i < p->nrs; i++) {
		const struct cp_rs *r = &p->rs[i];

		cp_put(&b, "    real_server 10.20.0.%d 80 {\n      weight %d\n", 11 + i, r->weight);
		if (r->inhibit != CP_UNSET)
			cp_put(&b, "      inhibit_on_failure %s\n", r->inhibit ? "on" : "off");
		if (r->alpha != CP_UNSET)
			cp_put(&b, "      alpha\n");
		cp_put_timing(&b, "      ", r->dl_ms, r->ct_ms, r->dbr_ms, r->wu_ms, r->retry);
		for (int k = 0; k < r->nck; k++)
			cp_put_ck(&b, &r->ck[k]);
		cp_put(&b, "    }\n");
	}
	cp_put(&b, "  }\n}\nfault {\n");
	for (size_t i = 0; i < p->n; i++)
		cp_fault_line(&b, &p->f[i]);
	cp_put(&b, "}\n");
}

/* ---- property (b): detection bounds ---- */

static long long cp_pick(long long a, long long b, long long c)
{
	return a != CP_UNSET ? a : b != CP_UNSET ? b : c;
}

/*
 * Spec 5.5's worst case for checker <k> of real server <r> when the server
 * dies at <dead_ns>: wait for the next attempt (delay_loop, or the first one
 * at 1 s + warmup), a round trip for an answer already on its way, then
 * R+1 attempts of at most the timeout with R delays before retry. The
 * timings resolve checker <- real server <- virtual server <- kind default
 * (spec 4.8), written here apart from the module.
 */
static long long cp_bound_ns(const struct cp_sched *p, const struct cp_rs *r,
			     const struct cp_ck *k, long long dead_ns)
{
	bool misc = k->kind == CHECK_MISC, http = k->kind == CHECK_HTTP;
	long long l = cp_pick(k->dl_ms, r->dl_ms, p->dl_ms) * CP_MS;
	long long c = misc ? cp_pick(k->misc_timeout_ms, p->dl_ms, CP_UNSET) * CP_MS
			   : cp_pick(k->ct_ms, r->ct_ms, p->ct_ms) * CP_MS;
	long long rt = cp_pick(k->retry, r->retry, p->retry != CP_UNSET ? p->retry : misc ? 0 : 1);
	long long b = cp_pick(k->dbr_ms, r->dbr_ms,
			      p->dbr_ms != CP_UNSET ? p->dbr_ms : http ? 3000 : 1000) * CP_MS;
	long long wu = cp_pick(k->wu_ms, r->wu_ms, p->wu_ms); /* CP_UNSET: = delay_loop */
	long long first = 1000 * CP_MS + (wu == CP_UNSET ? l : wu * CP_MS) - dead_ns;
	long long rtt = 2LL * r->latency_us * 1000;

	if (rtt < CP_MIN_RTT_NS)
		rtt = CP_MIN_RTT_NS;
	return (first > l ? first : l) + rtt + (rt + 1) * c + rt * b;
}

/*
 * When real server <i> must be out of the pool for good: its last death
 * (failed or link cut) that lasts to the end, plus the smallest bound over
 * its checkers; -1 when it ends alive, has no checker or the time is past
 * the end.
 */
static long long cp_due_ns(const struct cp_sched *p, int i)
{
	bool failed = false, cut = false;
	long long dead = -1, due = -1;

	for (size_t k = 0; k < p->n; k++) {
		const struct cp_fault *f = &p->f[k];
		bool was = failed || cut;

		if (f->rs != i)
			continue;
		if (f->kind == CP_FAIL || f->kind == CP_RECOVER)
			failed = f->kind == CP_FAIL;
		else if (f->kind == CP_CUT || f->kind == CP_HEAL)
			cut = f->kind == CP_CUT;
		if (!was && (failed || cut))
			dead = f->at_ns;
		else if (!(failed || cut))
			dead = -1;
	}
	if (dead < 0)
		return -1;
	for (int k = 0; k < p->rs[i].nck; k++) {
		long long t = dead + cp_bound_ns(p, &p->rs[i], &p->rs[i].ck[k], dead);

		if (due < 0 || t < due)
			due = t;
	}
	return due >= 0 && due <= p->duration_ns ? due : -1;
}

/* ---- one run ---- */

struct cp_run {
	const struct cp_sched *p;
	long long due[CP_MAX_RS];
	uint64_t digest;
	const char *why;	  /* the first property broken, NULL: none */
	long long bad_ns;
	/* coverage: how often the interesting states were seen */
	uint64_t ticks, sorry_ticks, inhibited_ticks, out_ticks, lively;
};

static void cp_hash(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 0x9e3779b97f4a7c15ull;
	*h ^= *h >> 29;
}

static void cp_fail(struct cp_run *run, const char *why, long long at)
{
	if (!run->why) {
		run->why = why;
		run->bad_ns = at;
	}
}

/* Checks at one instant: (a), (b) for the servers due, the digest for (c). */
static void cp_look(struct cp_run *run, struct world *w, long long at)
{
	const struct mvs *v = &w->dirs[0].vs[0];
	const struct lb_service *svc = &v->svc;

	run->ticks++;
	cp_hash(&run->digest, (uint64_t)at);
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct lb_dest *d = svc->dests[i];
		const struct rs *m = d->owner;

		cp_hash(&run->digest, (uint64_t)(m - v->rs) << 32 | (uint32_t)d->weight);
		if (m == &v->rs[v->nrs] && d->weight > 0)
			run->sorry_ticks++;
		else if (m != &v->rs[v->nrs] && d->weight == 0 && m->cfg->inhibit_on_failure)
			run->inhibited_ticks++;
	}
	if (!world_checkers_sane(w))
		cp_fail(run, "(a) checkers and IPVS disagree", at);
	for (int i = 0; i < run->p->nrs && at < 1000 * CP_MS; i++) {
		const struct cp_rs *r = &run->p->rs[i];
		const struct lb_dest *d = lb_service_find_dest(svc, &v->cfg->rs[i].addr, 80);

		/* alpha: down until checked, and nothing is checked before 1 s */
		if (r->nck && (r->alpha == 1 || run->p->alpha) && d && d->weight > 0)
			cp_fail(run, "(a) an alpha server in the pool before its first check", at);
	}
	for (int i = 0; i < run->p->nrs; i++) {
		const struct lb_dest *d;

		if (run->due[i] < 0 || at < run->due[i])
			continue;
		d = lb_service_find_dest(svc, &v->cfg->rs[i].addr, 80);
		if (d && d->weight > 0)
			cp_fail(run, "(b) a dead server still in the pool", at);
		run->out_ticks++;
	}
}

static void cp_tick(void *ctx, struct world *w, sim_time_t at)
{
	cp_look(ctx, w, at);
}

/* Run <scn> with the checks of <run>; false when the world cannot be built. */
static bool cp_run(const struct scenario *scn, struct cp_run *run)
{
	struct world_opts wo = { .tick = cp_tick, .tick_ctx = run, .tick_ns = CP_TICK_NS };
	struct run_result *r;
	struct world *w;
	char err[512];

	run->digest = 0xcbf29ce484222325ull;
	for (int i = 0; i < run->p->nrs; i++) {
		run->due[i] = cp_due_ns(run->p, i);
		run->lively += run->due[i] >= 0;
	}
	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return false;
	}
	r = run_result_new();
	world_run(w);
	cp_look(run, w, sim_now(w->sim));
	world_fill_result(w, r);
	cp_hash(&run->digest, r->completed);
	cp_hash(&run->digest, r->failed);
	cp_hash(&run->digest, r->refused);
	run_result_free(r);
	world_free(w);
	return true;
}

static void test_schedules(void)
{
	size_t n = test_quick() ? CP_SCHEDULES_QUICK : CP_SCHEDULES;
	uint64_t ticks = 0, sorry = 0, inhibited = 0, out = 0, lively = 0;
	size_t failures = 0;
	char *text = malloc(CP_TEXT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (size_t i = 0; i < n; i++) {
		struct cp_sched p;
		struct cp_run a = { .p = &p }, b = { .p = &p };
		struct scenario *scn;

		cp_sched_make(i + 1, &p);
		cp_text(&p, text, CP_TEXT);
		scn = test_scenario_text(text, NULL, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		CU_ASSERT_FATAL(cp_run(scn, &a));
		CU_ASSERT_FATAL(cp_run(scn, &b));
		if (b.why)
			cp_fail(&a, b.why, b.bad_ns);
		if (a.digest != b.digest)
			cp_fail(&a, "(c) a second run differs", p.duration_ns);
		if (a.why && failures++ < CP_REPORTS)
			fprintf(stderr, "\ncheck_prop: schedule seed %llu: %s at %.3f s\n%s",
				(unsigned long long)p.seed, a.why, (double)a.bad_ns / 1e9, text);
		ticks += a.ticks;
		sorry += a.sorry_ticks;
		inhibited += a.inhibited_ticks;
		out += a.out_ticks;
		lively += a.lively;
		scenario_free(scn);
	}
	free(text);
	CU_ASSERT_EQUAL(failures, 0);
	/* the properties were exercised: sorry servers in use, servers inhibited, deaths timed */
	CU_ASSERT(ticks > n * 150);
	CU_ASSERT(sorry > ticks / 100);
	CU_ASSERT(inhibited > ticks / 100);
	CU_ASSERT(lively > n / 4);
	CU_ASSERT(out > lively);
}

/* ---- a `weight` fault on checked servers ---- */

#define CP_W_TICKS 160 /* 16 s */

struct cp_wrun {
	int w[CP_W_TICKS + 1][3]; /* per 100 ms tick, each real server's weight, -1: absent */
	bool sane;
};

static void cp_wtick(void *ctx, struct world *w, sim_time_t at)
{
	struct cp_wrun *run = ctx;
	const struct mvs *v = &w->dirs[0].vs[0];
	long long k = at / CP_TICK_NS;

	run->sane &= world_checkers_sane(w);
	if (k > CP_W_TICKS)
		return;
	for (int i = 0; i < 3; i++) {
		const struct lb_dest *d = lb_service_find_dest(&v->svc, &v->cfg->rs[i].addr, 80);

		run->w[k][i] = d ? d->weight : -1;
	}
}

/*
 * A `weight` fault goes through keepalived (models/health.c
 * health_set_weight), as a reload or an SNMP set would: a failed inhibited
 * server stays at weight 0 (an ipvsadm edit behind keepalived's back would
 * give a dead server traffic), comes back at the new weight, and a drained
 * server stays drained across its checker's down and up. TCP_CHECK with
 * delay_loop 1 s, connect_timeout 500 ms, retry 1, delay_before_retry 200
 * ms, warmup 0: a death is seen within 2.2 s, a recovery within 1 s.
 */
static void test_weight_fault(void)
{
	static const char text[] =
		"simulation { duration 16s seed 1 }\n"
		"clients web { sources 192.0.2.0/24 arrival poisson 20/s target 10.20.0.100:80\n"
		"  service exponential 5ms }\n"
		"server 10.20.0.11 { workers 2 }\nserver 10.20.0.12 { workers 2 }\n"
		"server 10.20.0.13 { workers 2 }\n"
		"director lb {\n  virtual_server 10.20.0.100 80 {\n"
		"    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    delay_loop 1\n"
		"    connect_timeout 500ms\n    retry 1\n    delay_before_retry 200ms\n"
		"    warmup 0\n"
		"    real_server 10.20.0.11 80 {\n      weight 1\n      TCP_CHECK {\n      }\n"
		"    }\n"
		"    real_server 10.20.0.12 80 {\n      weight 1\n      inhibit_on_failure\n"
		"      TCP_CHECK {\n      }\n    }\n"
		"    real_server 10.20.0.13 80 {\n      weight 1\n      TCP_CHECK {\n      }\n"
		"    }\n"
		"  }\n}\n"
		"fault {\n"
		"  at 2s fail server 10.20.0.12\n"
		"  at 5s weight 10.20.0.12:80 4\n"
		"  at 6s weight 10.20.0.11:80 0\n"
		"  at 7s recover server 10.20.0.12\n"
		"  at 9s fail server 10.20.0.11\n"
		"  at 12s recover server 10.20.0.11\n"
		"}\n";
	struct scenario *scn = test_scenario_text(text, NULL, 0);
	struct cp_wrun *run = calloc(1, sizeof(*run));
	struct world_opts wo = { .tick = cp_wtick, .tick_ctx = run, .tick_ns = CP_TICK_NS };
	struct world *w;
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(run);
	run->sane = true;
	CU_ASSERT_EQUAL_FATAL(world_new(scn, &wo, &w, err, sizeof(err)), 0);
	world_run(w);
	CU_ASSERT(run->sane);
	/* 1.9 s: all in at weight 1 */
	CU_ASSERT(run->w[19][0] == 1 && run->w[19][1] == 1 && run->w[19][2] == 1);
	/* 4.5 s: .12 failed, inhibited at 0; 5.5 s: the new weight does not revive it */
	CU_ASSERT_EQUAL(run->w[45][1], 0);
	CU_ASSERT_EQUAL(run->w[55][1], 0);
	/* 6.5 s: .11 drained at once */
	CU_ASSERT_EQUAL(run->w[65][0], 0);
	/* 8.5 s: .12 recovered, at the fault's weight */
	CU_ASSERT_EQUAL(run->w[85][1], 4);
	/* 11.5 s: the drained .11 failed: removed; 14 s: recovered, still drained */
	CU_ASSERT_EQUAL(run->w[115][0], -1);
	CU_ASSERT_EQUAL(run->w[140][0], 0);
	CU_ASSERT(run->w[140][1] == 4 && run->w[140][2] == 1);
	world_free(w);
	free(run);
	scenario_free(scn);
}

int test_check_prop_register(void)
{
	CU_pSuite s = CU_add_suite("check_prop", NULL, NULL);

	if (!s || !CU_add_test(s, "weight faults go through keepalived", test_weight_fault) ||
	    !CU_add_test(s, "random fault schedules", test_schedules))
		return CU_get_error();
	return CUE_SUCCESS;
}
