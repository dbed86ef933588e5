/*
 * tests/unit/test_lcindex.c - suite "lcindex": the indexed lc, wlc, sed and
 * nq (algorithms/sched/lcindex.c) against the kernel's linear scans kept in
 * lc.c, wlc.c, sed.c and nq.c (sched_*_scan), decision by decision.
 *
 *  - random: 1000 dests of varied weights (0 included) and thresholds, then
 *    random connection binds (on the picked dest), unbinds and flips, weight
 *    and threshold edits, deletes and re-adds (trash revival), counter and
 *    OVERLOAD writes announced through lb_dest_set_conns and
 *    lb_dest_load_changed, and profile switches; every pick is compared with
 *    the scan and the index is checked whole (lcindex_sane) every 1000 steps;
 *  - extremes: weights up to INT_MAX against overheads near 2^31, where the
 *    cross products approach 2^62 and ratios differ in the last unit;
 *  - switching: the same loaded service handed from one of the four to the
 *    next (init over existing counters) and to lblc/lblcr and back.
 * The first difference fails and prints the step, the operation and both
 * dests.
 *
 * Run by lbsim-test; 10^5 steps per scheduler (10^4 in quick mode), about
 * a second in all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/lcindex.h"
#include "algorithms/sched/sched.h"
#include "tests/test.h"

#define LX_DESTS 1000
#define LX_MAXCONN 8192

struct lx_case {
	const char *name;
	const struct lb_sched_ops *ops;
	struct lb_dest *(*scan)(struct lb_service *svc);
};

static const struct lx_case lx_cases[] = {
	{ "lc", &sched_lc_ops, sched_lc_scan },
	{ "wlc", &sched_wlc_ops, sched_wlc_scan },
	{ "sed", &sched_sed_ops, sched_sed_scan },
	{ "nq", &sched_nq_ops, sched_nq_scan },
};

#define LX_NCASES (sizeof(lx_cases) / sizeof(lx_cases[0]))

struct lx_conn {
	unsigned id;
	bool active;
};

struct lx {
	const struct lx_case *c;
	struct lb_service svc;
	struct lb_dest *d[LX_DESTS];	/* by id; address 10.1.(id / 250).(id % 250 + 1) */
	unsigned nids;			/* ids 0..nids-1 exist (linked or trashed) */
	bool linked[LX_DESTS];
	int32_t live_act[LX_DESTS];	/* this test's own connections per dest */
	int32_t live_inact[LX_DESTS];
	struct lx_conn conns[LX_MAXCONN];
	unsigned nconns;
	gsl_rng *r;
	long step;
	char op[96];
};

static unsigned lx_below(struct lx *x, unsigned long n)
{
	return (unsigned)gsl_rng_uniform_int(x->r, n);
}

static struct lb_addr lx_addr(unsigned id)
{
	return (struct lb_addr){ .af = LB_AF_INET,
				 .u.v4 = 0x0A010001u + ((id / 250) << 8) + id % 250 };
}

static int lx_weight(struct lx *x)
{
	static const int w[] = { 0, 1, 1, 1, 2, 2, 3, 4, 5, 7, 10, 10, 16, 100, 1000, 65536 };

	return w[lx_below(x, sizeof(w) / sizeof(w[0]))];
}

static void lx_thresholds(struct lx *x, uint32_t *u, uint32_t *l)
{
	*u = lx_below(x, 3) == 0 ? 1 + lx_below(x, 12) : 0;
	*l = *u && lx_below(x, 2) ? lx_below(x, *u + 1) : 0;
}

/* The id back from a dest's address (lx_addr's inverse). */
static unsigned lx_id(const struct lb_dest *d)
{
	return ((d->addr.u.v4 >> 8) & 0xff) * 250 + (d->addr.u.v4 & 0xff) - 1;
}

static void lx_print(const struct lx *x, const char *who, const struct lb_dest *d)
{
	if (!d) {
		fprintf(stderr, "  %s: none\n", who);
		return;
	}
	fprintf(stderr, "  %s: D%u pos %u w %d act %d inact %d%s\n", who, lx_id(d), d->idx,
		d->weight, d->activeconns, d->inactconns,
		lb_dest_is_overloaded(d) ? " OVERLOAD" : "");
}

/* The index and the scan agree on svc now; prints both on a difference. */
static bool lx_agree(struct lx *x)
{
	struct lb_dest *got = lb_service_pick(&x->svc, NULL);
	struct lb_dest *want = x->c->scan(&x->svc);

	if (got == want)
		return true;
	fprintf(stderr, "\nlcindex %s/%s step %ld after \"%s\": index and scan differ\n",
		x->c->name, x->svc.profile == LB_PROFILE_LEGACY ? "legacy" : "current", x->step,
		x->op);
	lx_print(x, "index", got);
	lx_print(x, "scan ", want);
	return false;
}

static void lx_add(struct lx *x, unsigned id, int w, uint32_t u, uint32_t l)
{
	struct lb_addr a = lx_addr(id);

	CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(&x->svc, &a, 80, w, u, l, &x->d[id]), 0);
	x->linked[id] = true;
}

static void lx_bind(struct lx *x, unsigned id, bool active)
{
	if (x->nconns == LX_MAXCONN)
		return;
	x->conns[x->nconns++] = (struct lx_conn){ .id = id, .active = active };
	if (active)
		x->live_act[id]++;
	else
		x->live_inact[id]++;
	lb_dest_conn_bind(x->d[id], active);
}

static void lx_unbind(struct lx *x)
{
	unsigned k = lx_below(x, x->nconns);
	struct lx_conn c = x->conns[k];

	snprintf(x->op, sizeof(x->op), "unbind D%u active %d", c.id, c.active);
	x->conns[k] = x->conns[--x->nconns];
	if (c.active)
		x->live_act[c.id]--;
	else
		x->live_inact[c.id]--;
	lb_dest_conn_unbind(x->d[c.id], c.active);
}

static void lx_flip(struct lx *x)
{
	struct lx_conn *c = &x->conns[lx_below(x, x->nconns)];

	snprintf(x->op, sizeof(x->op), "set_active D%u %d", c->id, !c->active);
	c->active = !c->active;
	x->live_act[c->id] += c->active ? 1 : -1;
	x->live_inact[c->id] += c->active ? -1 : 1;
	lb_dest_conn_set_active(x->d[c->id], c->active);
}

/* One random operation; the picks are compared here and after every step. */
static bool lx_op(struct lx *x, bool drain)
{
	unsigned r = lx_below(x, 1000), id = lx_below(x, x->nids);
	struct lb_dest *d = x->d[id];

	if (drain && x->nconns && r < 700) {
		lx_unbind(x);
	} else if (r < 400) {
		snprintf(x->op, sizeof(x->op), "pick");
		d = lb_service_pick(&x->svc, NULL);
		if (d != x->c->scan(&x->svc))
			return lx_agree(x);
		if (d && lx_below(x, 10) < 9)
			lx_bind(x, lx_id(d), lx_below(x, 10) < 7);
	} else if (r < 650) {
		if (x->nconns)
			lx_unbind(x);
	} else if (r < 750) {
		if (x->nconns)
			lx_flip(x);
	} else if (r < 850) {
		if (x->linked[id]) {
			snprintf(x->op, sizeof(x->op), "bind D%u", id);
			lx_bind(x, id, lx_below(x, 2));
		}
	} else if (r < 920) {
		uint32_t u = d->u_threshold, l = d->l_threshold;
		int w = d->weight;

		if (lx_below(x, 2))
			w = lx_weight(x);
		else
			lx_thresholds(x, &u, &l);
		snprintf(x->op, sizeof(x->op), "edit D%u w %d u %u l %u", id, w, u, l);
		if (x->linked[id])
			CU_ASSERT_EQUAL(lb_service_edit_dest(&x->svc, d, w, u, l), 0);
	} else if (r < 940) {
		/* a tool's "D has N more": counters written outright */
		int32_t a = x->live_act[id] + (int32_t)lx_below(x, 4);
		int32_t i = x->live_inact[id] + (int32_t)lx_below(x, 300);

		snprintf(x->op, sizeof(x->op), "set_conns D%u %d %d", id, a, i);
		lb_dest_set_conns(d, a, i);
	} else if (r < 955) {
		snprintf(x->op, sizeof(x->op), "toggle OVERLOAD D%u", id);
		d->flags ^= LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(d);
	} else if (r < 975) {
		if (x->linked[id]) {
			snprintf(x->op, sizeof(x->op), "del D%u", id);
			CU_ASSERT_EQUAL(lb_service_del_dest(&x->svc, d), 0);
			x->linked[id] = false;
		} else {
			snprintf(x->op, sizeof(x->op), "re-add D%u", id);
			lx_add(x, id, lx_weight(x), 0, 0);
		}
	} else if (r < 976) {
		snprintf(x->op, sizeof(x->op), "profile switch");
		lb_service_set_profile(&x->svc, x->svc.profile == LB_PROFILE_LEGACY
							? LB_PROFILE_CURRENT
							: LB_PROFILE_LEGACY);
	} else {
		snprintf(x->op, sizeof(x->op), "pick only");
	}
	return lx_agree(x);
}

static void lx_run(const struct lx_case *c, enum lb_profile profile, unsigned long seed,
		   long nsteps)
{
	struct lx *x = calloc(1, sizeof(*x));
	bool ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	x->c = c;
	x->nids = LX_DESTS;
	x->r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(x->r, seed);
	lb_service_init(&x->svc, profile);
	for (unsigned id = LX_DESTS; id-- > 0;) {
		uint32_t u, l;

		lx_thresholds(x, &u, &l);
		lx_add(x, id, lx_weight(x), u, l);
	}
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, c->ops), 0);
	CU_ASSERT_TRUE(lcindex_sane(&x->svc));
	snprintf(x->op, sizeof(x->op), "init");
	ok = lx_agree(x);
	for (x->step = 0; ok && x->step < nsteps; x->step++) {
		/* the connection count wanders: all idle, a few each, several each */
		static const unsigned limit[] = { 300, 2500, 7000 };
		bool drain = x->nconns > limit[x->step / 4000 % 3];

		ok = lx_op(x, drain);
		if (ok && x->step % 1000 == 0 && !lcindex_sane(&x->svc)) {
			fprintf(stderr, "\nlcindex %s step %ld: lcindex_sane failed\n", c->name,
				x->step);
			ok = false;
		}
	}
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_TRUE(lcindex_sane(&x->svc));
	CU_ASSERT_TRUE(lb_service_sane(&x->svc));
	lb_service_fini(&x->svc);
	gsl_rng_free(x->r);
	free(x);
}

static void test_random(void)
{
	long n = test_quick() ? 10000 : 100000;

	for (unsigned i = 0; i < LX_NCASES; i++) {
		lx_run(&lx_cases[i], LB_PROFILE_CURRENT, 100 + i, n);
		lx_run(&lx_cases[i], LB_PROFILE_LEGACY, 200 + i, n / 4);
	}
}

/*
 * Weights up to INT_MAX, overheads up to 257 * 8 000 000 + 2^20 (below
 * 2^31): products up to about 2^62, and pairs whose ratios differ in the
 * last unit or tie exactly.
 */
static void test_extremes(void)
{
	static const int wl[] = { INT_MAX, INT_MAX - 1, 1, 2, 1 << 30, 1000000007 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	long n = test_quick() ? 3000 : 30000;
	struct lx *x = calloc(1, sizeof(*x));
	bool ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	x->r = r;
	gsl_rng_set(r, 77);
	for (unsigned i = 0; i < LX_NCASES && ok; i++) {
		x->c = &lx_cases[i];
		lb_service_init(&x->svc, i % 2 ? LB_PROFILE_LEGACY : LB_PROFILE_CURRENT);
		for (unsigned id = 64; id-- > 0;)
			lx_add(x, id, wl[id % 6], 0, 0);
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, x->c->ops), 0);
		for (x->step = 0; ok && x->step < n; x->step++) {
			unsigned id = lx_below(x, 64);
			struct lb_dest *d = x->d[id];
			int32_t a = (int32_t)lx_below(x, 8000001), in = (int32_t)lx_below(x, 1u << 20);

			if (lx_below(x, 4) == 0) {
				/* a near-tie: the same ratio as another dest, or one unit off */
				const struct lb_dest *o = x->d[lx_below(x, 64)];

				a = o->activeconns + (int32_t)lx_below(x, 2);
				in = o->inactconns;
			}
			if (lx_below(x, 8) == 0)
				a = 0;
			snprintf(x->op, sizeof(x->op), "set_conns D%u %d %d", id, a, in);
			lb_dest_set_conns(d, a, in);
			if (lx_below(x, 16) == 0) {
				int w = lx_below(x, 3) ? wl[lx_below(x, 6)]
						      : 1 + (int)lx_below(x, INT_MAX - 1);

				snprintf(x->op, sizeof(x->op), "weight D%u %d", id, w);
				lb_service_edit_dest(&x->svc, d, w, 0, 0);
			}
			ok = lx_agree(x);
		}
		CU_ASSERT_TRUE(lcindex_sane(&x->svc));
		lb_service_fini(&x->svc);
		memset(x->d, 0, sizeof(x->d));
	}
	CU_ASSERT_TRUE(ok);
	gsl_rng_free(r);
	free(x);
}

/* Hand a loaded service along lc -> wlc -> sed -> nq -> lblc -> lc ...; empty lists. */
static void test_switching(void)
{
	const struct lb_sched_ops *other[] = { &sched_lblc_ops, &sched_lblcr_ops, &sched_rr_ops };
	struct lx *x = calloc(1, sizeof(*x));
	bool ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	x->r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(x->r, 5);
	lb_service_init(&x->svc, LB_PROFILE_CURRENT);
	/* an empty service: every one of the four says "none", then one dest */
	for (unsigned i = 0; i < LX_NCASES; i++) {
		x->c = &lx_cases[i];
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, x->c->ops), 0);
		CU_ASSERT_PTR_NULL(lb_service_pick(&x->svc, NULL));
		CU_ASSERT_TRUE(lcindex_sane(&x->svc));
	}
	lx_add(x, 0, 3, 0, 0);
	for (unsigned i = 0; i < LX_NCASES; i++) {
		x->c = &lx_cases[i];
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, x->c->ops), 0);
		CU_ASSERT_PTR_EQUAL(lb_service_pick(&x->svc, NULL), x->d[0]);
	}
	lb_service_del_dest(&x->svc, x->d[0]);
	CU_ASSERT_PTR_NULL(lb_service_pick(&x->svc, NULL));
	x->linked[0] = false;
	x->nids = 300;
	for (unsigned id = x->nids; id-- > 1;)
		lx_add(x, id, lx_weight(x), 0, 0);
	for (unsigned round = 0; round < 12 && ok; round++) {
		x->c = &lx_cases[round % LX_NCASES];
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, x->c->ops), 0);
		for (x->step = 0; ok && x->step < 2000; x->step++)
			ok = lx_op(x, x->nconns > 1500);
		/* through a scheduler that keeps no index, counters moving meanwhile */
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, other[round % 3]), 0);
		for (int k = 0; k < 200 && x->nconns; k++)
			lx_unbind(x);
	}
	CU_ASSERT_TRUE(ok);
	lb_service_fini(&x->svc);
	gsl_rng_free(x->r);
	free(x);
}

int test_lcindex_register(void)
{
	CU_pSuite s = CU_add_suite("lcindex", NULL, NULL);

	if (!s || !CU_add_test(s, "random 1000 dests", test_random) ||
	    !CU_add_test(s, "extremes", test_extremes) ||
	    !CU_add_test(s, "switching", test_switching))
		return CU_get_error();
	return CUE_SUCCESS;
}
