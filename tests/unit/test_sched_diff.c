/*
 * tests/unit/test_sched_diff.c - suite "sched_diff": rr, wrr, lc, wlc and twos
 * against naive reference schedulers written here from the spec text, on
 * long random sequences of dest and connection operations, both profiles.
 *
 * Run by lbsim-test; 10^5 operations per scheduler and profile (10^4 in
 * quick mode), about a second in all; over 12 addresses, then over 96 with
 * deletes held off below 72 linked dests, so that the list grows from empty
 * to past 64 (the indexed lc/wlc at tree depths beyond a handful). The
 * reference side keeps its own copy
 * of the state (list order, counters, thresholds, OVERLOAD flag per spec 1.4)
 * so service.c's bookkeeping is checked after every operation, not only the
 * picks. The first difference fails the test and prints the step, the
 * operation and both states.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "tests/test.h"

#define NADDR 96	/* distinct address:port values, at most */
#define MAXCONN 4096

enum ref_sched { REF_RR, REF_WRR, REF_LC, REF_WLC, REF_TWOS, REF_COUNT };

static const char *const ref_names[REF_COUNT] = { "rr", "wrr", "lc", "wlc", "twos" };

/* The reference's own idea of a dest, by address number 0..NADDR-1. */
struct ref_dest {
	bool exists;	/* ever added (then linked or in the trash) */
	bool linked;
	int weight, last_weight;
	uint32_t u, l;
	long active, inact;
	bool overload;
};

struct conn {
	int id;
	bool active;
};

struct diff {
	enum ref_sched which;
	enum lb_profile profile;
	int naddr;   /* address numbers in use, <= NADDR */
	int minlist; /* deletes leave at least this many dests linked */
	struct ref_dest rd[NADDR];
	int list[NADDR]; /* kernel order, ids */
	int n;
	/* rr */
	int rr_cur; /* -1 = head */
	/* wrr */
	int cl, cw, mw, di; /* cl: id or -1 */
	gsl_rng *ref_rng;   /* twos: the same stream as the real one */

	struct lb_service svc;
	struct lb_dest *real[NADDR];
	struct conn conns[MAXCONN];
	int nconns;
	long step;
	char op[96];
};

/* ---- the reference schedulers, straight from the spec text ---- */

static long ref_total(const struct ref_dest *d)
{
	return d->active + d->inact;
}

static long ref_overhead(const struct diff *x, const struct ref_dest *d)
{
	/* spec 1.3: legacy 256*active + inactive; current 256*active + total */
	if (x->profile == LB_PROFILE_LEGACY)
		return d->active * 256 + d->inact;
	return d->active * 256 + ref_total(d);
}

static bool ref_usable(const struct ref_dest *d)
{
	return !d->overload && d->weight > 0;
}

static int ref_pos(const struct diff *x, int id)
{
	for (int i = 0; i < x->n; i++)
		if (x->list[i] == id)
			return i;
	return -1;
}

/* 2.1: walk after the cursor, once around, the cursor itself last. */
static int ref_rr(struct diff *x)
{
	int start = x->rr_cur < 0 ? 0 : ref_pos(x, x->rr_cur) + 1;

	for (int k = 0; k < x->n; k++) {
		int id = x->list[(start + k) % x->n];

		if (ref_usable(&x->rd[id])) {
			x->rr_cur = id;
			return id;
		}
	}
	return -1;
}

static int gcd(int a, int b)
{
	return b ? gcd(b, a % b) : a;
}

/* 2.2: di = gcd of positive weights (1 if none), mw = max - (di - 1). */
static void ref_wrr_recompute(struct diff *x)
{
	int g = 0, m = 0;

	for (int i = 0; i < x->n; i++) {
		int w = x->rd[x->list[i]].weight;

		if (w > 0)
			g = g == 0 ? w : gcd(g, w);
		m = w > m ? w : m;
	}
	x->di = g == 0 ? 1 : g;
	x->mw = m - (x->di - 1);
}

/* 2.2, "on any add, delete or edit". */
static void ref_wrr_changed(struct diff *x)
{
	x->cl = -1;
	ref_wrr_recompute(x);
	if (x->cw > x->mw || x->cw == 0)
		x->cw = x->mw;
	else if (x->di > 1)
		x->cw = x->cw / x->di * x->di + 1;
}

/* 2.2 pick, steps 1-5 as written. */
static int ref_wrr(struct diff *x)
{
	int last, stop = -1, pos;
	bool last_pass = false, restarted = false;

	if (x->mw == 0) /* step 1 */
		return -1;
	last = x->cl; /* step 2 */
	pos = x->cl < 0 ? 0 : ref_pos(x, x->cl) + 1;
	for (;;) {
		/* step 3 */
		while (pos < x->n) {
			int id = x->list[pos++];

			if (!x->rd[id].overload && x->rd[id].weight >= x->cw) {
				x->cl = id;
				return id;
			}
			if (id == stop) {
				x->cl = stop;
				return -1;
			}
		}
		/* step 4 */
		x->cw -= x->di;
		if (x->cw <= 0) {
			x->cw = x->mw;
			if (last_pass || last < 0) {
				x->cl = -1;
				return -1;
			}
			restarted = true;
		}
		/* step 5 */
		last_pass = x->cw <= x->di;
		if (last_pass && restarted && last >= 0)
			stop = last;
		pos = 0;
	}
}

/* 2.3 */
static int ref_lc(struct diff *x)
{
	int best = -1;

	for (int i = 0; i < x->n; i++) {
		int id = x->list[i];
		const struct ref_dest *d = &x->rd[id];

		if (d->overload || d->weight == 0)
			continue;
		if (best < 0 ||
		    (unsigned)ref_overhead(x, d) < (unsigned)ref_overhead(x, &x->rd[best]))
			best = id;
	}
	return best;
}

/* 2.4 */
static int ref_wlc(struct diff *x)
{
	int i, least = -1;

	for (i = 0; i < x->n; i++)
		if (ref_usable(&x->rd[x->list[i]])) {
			least = x->list[i];
			break;
		}
	if (least < 0)
		return -1;
	for (i++; i < x->n; i++) {
		int id = x->list[i];

		if (x->rd[id].overload)
			continue;
		if ((long long)ref_overhead(x, &x->rd[least]) * x->rd[id].weight >
		    (long long)ref_overhead(x, &x->rd[id]) * x->rd[least].weight)
			least = id;
	}
	return least;
}

/* 2.9; weights here stay small, so plain long arithmetic equals the kernel's. */
static int ref_twos(struct diff *x)
{
	long w = 0, r1, r2;
	int c1 = -1, c2 = -1;

	for (int i = 0; i < x->n; i++)
		if (ref_usable(&x->rd[x->list[i]]))
			w += x->rd[x->list[i]].weight;
	if (w == 0)
		return -1;
	r1 = (long)gsl_rng_uniform_int(x->ref_rng, (unsigned long)w + 1);
	r2 = (long)gsl_rng_uniform_int(x->ref_rng, (unsigned long)w + 1);
	for (int i = 0; i < x->n; i++) {
		int id = x->list[i];

		if (!ref_usable(&x->rd[id]))
			continue;
		r1 -= x->rd[id].weight;
		r2 -= x->rd[id].weight;
		if (c1 < 0 && r1 <= 0)
			c1 = id;
		if (c2 < 0 && r2 <= 0)
			c2 = id;
	}
	if (x->rd[c2].weight * ref_overhead(x, &x->rd[c1]) >
	    x->rd[c1].weight * ref_overhead(x, &x->rd[c2]))
		return c2;
	return c1;
}

static int ref_pick(struct diff *x)
{
	switch (x->which) {
	case REF_RR:
		return ref_rr(x);
	case REF_WRR:
		return ref_wrr(x);
	case REF_LC:
		return ref_lc(x);
	case REF_WLC:
		return ref_wlc(x);
	default:
		return ref_twos(x);
	}
}

/* ---- reference bookkeeping (spec 1.2, 1.4) ---- */

static uint32_t ref_l_eff(const struct ref_dest *d)
{
	/* ceil(3u/4), the spec's other spelling of u - floor(u/4) */
	return d->l ? d->l : (uint32_t)((3ull * d->u + 3) / 4);
}

static void ref_thresholds(struct diff *x, struct ref_dest *d, uint32_t u, uint32_t l)
{
	bool changed = u != d->u || l != d->l;
	uint32_t old_u = d->u;
	long t = ref_total(d);

	d->u = u;
	d->l = l;
	if (x->profile == LB_PROFILE_LEGACY) {
		if (u == 0 || u > old_u)
			d->overload = false;
	} else if (changed) {
		if (u == 0)
			d->overload = false;
		else if (t >= (long)u)
			d->overload = true;
		else if (t < (long)ref_l_eff(d))
			d->overload = false;
	}
}

static void ref_bind(struct diff *x, int id, bool active)
{
	struct ref_dest *d = &x->rd[id];

	if (active)
		d->active++;
	else
		d->inact++;
	if (d->u == 0)
		return;
	if (x->profile == LB_PROFILE_LEGACY ? ref_total(d) >= (long)d->u
					    : ref_total(d) == (long)d->u)
		d->overload = true;
}

static void ref_unbind(struct diff *x, int id, bool active)
{
	struct ref_dest *d = &x->rd[id];
	long before = ref_total(d), t;

	if (active)
		d->active--;
	else
		d->inact--;
	t = ref_total(d);
	if (x->profile == LB_PROFILE_CURRENT) {
		if (before == (long)ref_l_eff(d))
			d->overload = false;
	} else if (d->l) {
		if (t < (long)d->l)
			d->overload = false;
	} else if (d->u) {
		if (4 * t < 3 * (long)d->u)
			d->overload = false;
	} else {
		d->overload = false;
	}
}

/* ---- driver ---- */

static void dump(const struct diff *x)
{
	fprintf(stderr, "  reference list (head first):\n");
	for (int i = 0; i < x->n; i++) {
		const struct ref_dest *d = &x->rd[x->list[i]];

		fprintf(stderr, "    D%-2d w %3d u %3u l %3u act %4ld inact %4ld%s\n", x->list[i],
			d->weight, d->u, d->l, d->active, d->inact, d->overload ? " OVERLOAD" : "");
	}
	fprintf(stderr, "  real list:\n");
	for (unsigned i = 0; i < x->svc.ndests; i++) {
		const struct lb_dest *d = x->svc.dests[i];

		fprintf(stderr, "    D%-2u w %3d u %3u l %3u act %4d inact %4d%s\n",
			(unsigned)(d->addr.u.v4 - 0x0A000001u), d->weight, d->u_threshold,
			d->l_threshold, d->activeconns, d->inactconns,
			lb_dest_is_overloaded(d) ? " OVERLOAD" : "");
	}
	if (x->which == REF_RR)
		fprintf(stderr, "  ref rr cursor D%d\n", x->rr_cur);
	if (x->which == REF_WRR)
		fprintf(stderr, "  ref wrr cl D%d cw %d mw %d di %d\n", x->cl, x->cw, x->mw, x->di);
}

static bool fail(const struct diff *x, const char *what)
{
	fprintf(stderr, "\n%s/%s step %ld after \"%s\": %s\n", ref_names[x->which],
		x->profile == LB_PROFILE_LEGACY ? "legacy" : "current", x->step, x->op, what);
	dump(x);
	return false;
}

static int real_id(const struct lb_dest *d)
{
	return d ? (int)(d->addr.u.v4 - 0x0A000001u) : -1;
}

/* Both states agree: list order, weights, thresholds, counters, flags. */
static bool same_state(const struct diff *x)
{
	if ((int)x->svc.ndests != x->n)
		return fail(x, "dest count differs");
	for (int i = 0; i < x->n; i++) {
		const struct lb_dest *d = x->svc.dests[i];
		const struct ref_dest *r = &x->rd[x->list[i]];

		if (real_id(d) != x->list[i])
			return fail(x, "list order differs");
		if (d->weight != r->weight || d->last_weight != r->last_weight ||
		    d->u_threshold != r->u || d->l_threshold != r->l)
			return fail(x, "weight or thresholds differ");
	}
	for (int id = 0; id < NADDR; id++) {
		const struct ref_dest *r = &x->rd[id];
		const struct lb_dest *d = x->real[id];

		if (!r->exists)
			continue;
		if (d->activeconns != r->active || d->inactconns != r->inact)
			return fail(x, "counters differ");
		if (lb_dest_is_overloaded(d) != r->overload)
			return fail(x, "OVERLOAD flag differs");
		if (!!(d->flags & LB_DEST_F_AVAILABLE) != r->linked)
			return fail(x, "AVAILABLE differs");
	}
	return true;
}

static uint32_t rand_below(gsl_rng *r, unsigned long n)
{
	return (uint32_t)gsl_rng_uniform_int(r, n);
}

static int rand_weight(gsl_rng *ops)
{
	static const int w[] = { 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 30, 100 };

	return w[rand_below(ops, sizeof(w) / sizeof(w[0]))];
}

static void rand_thresholds(gsl_rng *ops, uint32_t *u, uint32_t *l)
{
	*u = rand_below(ops, 3) == 0 ? 0 : 1 + rand_below(ops, 40);
	*l = rand_below(ops, 2) == 0 ? 0 : rand_below(ops, *u + 1);
}

static bool op_add(struct diff *x, gsl_rng *ops)
{
	int id = (int)rand_below(ops, (unsigned long)x->naddr), w = rand_weight(ops);
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + (uint32_t)id };
	struct ref_dest *r = &x->rd[id];
	uint32_t u = 0, l = 0;
	struct lb_dest *d = NULL;
	int rc;

	if (rand_below(ops, 4) == 0)
		rand_thresholds(ops, &u, &l);
	snprintf(x->op, sizeof(x->op), "add D%d w %d u %u l %u", id, w, u, l);
	rc = lb_service_add_dest(&x->svc, &a, 80, w, u, l, &d);
	if (r->linked)
		return rc == -EEXIST ? true : fail(x, "re-add of a linked dest not -EEXIST");
	if (rc)
		return fail(x, "add failed");
	if (r->exists && d != x->real[id])
		return fail(x, "trashed dest not revived");
	x->real[id] = d;
	if (r->exists) {
		ref_thresholds(x, r, u, l);
	} else {
		*r = (struct ref_dest){ .exists = true, .u = u, .l = l };
	}
	r->linked = true;
	r->weight = w;
	r->last_weight = w;
	memmove(x->list + 1, x->list, (size_t)x->n * sizeof(x->list[0]));
	x->list[0] = id;
	x->n++;
	if (x->which == REF_WRR)
		ref_wrr_changed(x);
	return true;
}

static bool op_del(struct diff *x, gsl_rng *ops)
{
	int pos, id;

	if (x->n == 0 || x->n <= x->minlist)
		return true;
	pos = (int)rand_below(ops, (unsigned long)x->n);
	/* rr and wrr: often delete the cursor dest itself */
	if (x->which == REF_RR && x->rr_cur >= 0 && rand_below(ops, 2))
		pos = ref_pos(x, x->rr_cur);
	if (x->which == REF_WRR && x->cl >= 0 && rand_below(ops, 2))
		pos = ref_pos(x, x->cl);
	id = x->list[pos];
	snprintf(x->op, sizeof(x->op), "del D%d", id);
	if (lb_service_del_dest(&x->svc, x->real[id]))
		return fail(x, "del failed");
	/* 2.1: the cursor moves to the dest before the deleted one */
	if (x->which == REF_RR && x->rr_cur == id)
		x->rr_cur = pos > 0 ? x->list[pos - 1] : -1;
	memmove(x->list + pos, x->list + pos + 1, (size_t)(x->n - pos - 1) * sizeof(x->list[0]));
	x->n--;
	x->rd[id].linked = false;
	if (x->which == REF_WRR)
		ref_wrr_changed(x);
	if (lb_service_del_dest(&x->svc, x->real[id]) != -ENOENT)
		return fail(x, "second delete not -ENOENT");
	return true;
}

static bool op_edit(struct diff *x, gsl_rng *ops, bool thresholds)
{
	struct ref_dest *r;
	int id, w, rc;
	uint32_t u, l;

	if (x->n == 0)
		return true;
	id = x->list[rand_below(ops, (unsigned long)x->n)];
	r = &x->rd[id];
	w = thresholds ? r->weight : rand_weight(ops);
	u = r->u;
	l = r->l;
	if (thresholds) {
		rand_thresholds(ops, &u, &l);
		if (rand_below(ops, 10) == 0)
			l = u + 1; /* invalid */
	}
	snprintf(x->op, sizeof(x->op), "edit D%d w %d u %u l %u", id, w, u, l);
	rc = lb_service_edit_dest(&x->svc, x->real[id], w, u, l);
	if (l > u)
		return rc == -EINVAL ? true : fail(x, "l > u accepted");
	if (rc)
		return fail(x, "edit failed");
	r->weight = w;
	if (w)
		r->last_weight = w;
	ref_thresholds(x, r, u, l);
	if (x->which == REF_WRR)
		ref_wrr_changed(x);
	return true;
}

static void conn_add(struct diff *x, int id, bool active)
{
	if (x->nconns == MAXCONN)
		return;
	x->conns[x->nconns++] = (struct conn){ .id = id, .active = active };
	lb_dest_conn_bind(x->real[id], active);
	ref_bind(x, id, active);
}

static bool op_pick(struct diff *x, gsl_rng *ops)
{
	struct lb_dest *d;
	int want;

	snprintf(x->op, sizeof(x->op), "pick");
	want = ref_pick(x);
	d = lb_service_pick(&x->svc, NULL);
	if (real_id(d) != want) {
		fprintf(stderr, "\nreference picked D%d, real picked D%d\n", want, real_id(d));
		return fail(x, "picks differ");
	}
	if (d && rand_below(ops, 10) < 8)
		conn_add(x, want, rand_below(ops, 10) < 7);
	return true;
}

/* Bind, flip or unbind one connection; drain: always unbind. */
static bool op_conn(struct diff *x, gsl_rng *ops, bool drain)
{
	unsigned k = drain ? 2 : rand_below(ops, 3);
	struct conn *c;

	if (k == 0 || x->nconns == 0) {
		if (x->n == 0)
			return true;
		k = (unsigned)x->list[rand_below(ops, (unsigned long)x->n)];
		snprintf(x->op, sizeof(x->op), "bind D%u", k);
		conn_add(x, (int)k, rand_below(ops, 2));
		return true;
	}
	c = &x->conns[rand_below(ops, (unsigned long)x->nconns)];
	if (k == 1) {
		snprintf(x->op, sizeof(x->op), "set_active D%d %d", c->id, !c->active);
		c->active = !c->active;
		lb_dest_conn_set_active(x->real[c->id], c->active);
		if (c->active) {
			x->rd[c->id].inact--;
			x->rd[c->id].active++;
		} else {
			x->rd[c->id].active--;
			x->rd[c->id].inact++;
		}
		return true;
	}
	snprintf(x->op, sizeof(x->op), "unbind D%d active %d", c->id, c->active);
	lb_dest_conn_unbind(x->real[c->id], c->active);
	ref_unbind(x, c->id, c->active);
	*c = x->conns[--x->nconns];
	return true;
}

static void run_diff(enum ref_sched which, enum lb_profile profile, unsigned long seed,
		     long nops, int naddr, int minlist)
{
	struct diff *x = calloc(1, sizeof(*x)); /* about 40 KiB */
	gsl_rng *ops = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *real_rng = gsl_rng_alloc(gsl_rng_mt19937);
	bool ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	x->which = which;
	x->profile = profile;
	x->naddr = naddr;
	x->minlist = minlist;
	x->rr_cur = -1;
	x->cl = -1;
	gsl_rng_set(ops, seed);
	gsl_rng_set(real_rng, seed ^ 0x5eed);
	x->ref_rng = gsl_rng_clone(real_rng);
	lb_service_init(&x->svc, profile);
	x->svc.rng = real_rng;
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, lb_sched_find(ref_names[which])), 0);
	if (which == REF_WRR) {
		ref_wrr_recompute(x);
		x->cw = x->mw;
	}

	for (x->step = 0; ok && x->step < nops; x->step++) {
		static const int limit[] = { 30, 150, 400, 800 };
		unsigned r = rand_below(ops, 100);
		/* The connection count wanders between phases of different load. */
		bool drain = x->nconns > limit[x->step / 1500 % 4];

		if (drain && r >= 15)
			ok = op_conn(x, ops, true);
		else if (r < 4)
			ok = op_add(x, ops);
		else if (r < 7)
			ok = op_del(x, ops);
		else if (r < 12)
			ok = op_edit(x, ops, false);
		else if (r < 15)
			ok = op_edit(x, ops, true);
		else if (r < 60)
			ok = op_pick(x, ops);
		else
			ok = op_conn(x, ops, false);
		if (ok)
			ok = same_state(x);
		if (ok && !lb_service_sane(&x->svc))
			ok = fail(x, "lb_service_sane");
	}
	CU_ASSERT_TRUE(ok);
	lb_service_fini(&x->svc);
	gsl_rng_free(x->ref_rng);
	gsl_rng_free(real_rng);
	gsl_rng_free(ops);
	free(x);
}

static void run_all(enum ref_sched which)
{
	long nops = test_quick() ? 10000 : 100000;

	run_diff(which, LB_PROFILE_CURRENT, 1000 + which, nops, 12, 0);
	run_diff(which, LB_PROFILE_LEGACY, 2000 + which, nops, 12, 0);
	/* long lists: grows from empty to about 72 dests and stays there */
	run_diff(which, LB_PROFILE_CURRENT, 7000 + which, nops, NADDR, 72);
	run_diff(which, LB_PROFILE_LEGACY, 8000 + which, nops, NADDR, 72);
}

static void test_rr(void)
{
	run_all(REF_RR);
}

static void test_wrr(void)
{
	run_all(REF_WRR);
}

static void test_lc(void)
{
	run_all(REF_LC);
}

static void test_wlc(void)
{
	run_all(REF_WLC);
}

static void test_twos(void)
{
	run_all(REF_TWOS);
}

int test_sched_diff_register(void)
{
	CU_pSuite s = CU_add_suite("sched_diff", NULL, NULL);

	if (!s || !CU_add_test(s, "rr", test_rr) || !CU_add_test(s, "wrr", test_wrr) ||
	    !CU_add_test(s, "lc", test_lc) || !CU_add_test(s, "wlc", test_wlc) ||
	    !CU_add_test(s, "twos", test_twos))
		return CU_get_error();
	return CUE_SUCCESS;
}
