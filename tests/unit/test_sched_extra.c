/*
 * tests/unit/test_sched_extra.c - suite "sched_extra": the kernel's lblc and
 * lblcr (spec/ipvs-schedulers.md 2.13, 2.14: vectors V-LBLC-1 and
 * V-LBLCR-1, the cache rules, expiry, the partial GC, the growth bound, and
 * differential runs against naive references written here from the spec
 * text) and the beyond-IPVS schedulers podnr, jsq, lrt, ring, hrw, random
 * and wrandom (their rules, distributions, disruption on removal, and the
 * "no destination" cases), plus the request accounting in service.c.
 *
 * Run by lbsim-test; a few seconds (the lblc/lblcr differential runs, 10^5
 * operations each, dominate; quick mode runs a tenth). Statistical tests use
 * fixed seeds and fail at p < 0.001. The first difference in a differential
 * run prints the step, the operation and both sides, then fails.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/lbl.h"
#include "algorithms/sched/sched.h"
#include "algorithms/sched/wsample.h"
#include "tests/sched_fix.h"
#include "tests/test.h"

#define MAXD 16
#define SEC INT64_C(1000000000)
#define X_DADDR 0xC0000201u /* 192.0.2.1 */

/* ---- fixture: a service with dests 'A' + i = 10.0.0.(i+1):80 and a clock ---- */

struct fix {
	struct lb_service svc;
	struct lb_dest *d[MAXD];
	unsigned n;
	int64_t now;
	struct lb_env env;
};

static int64_t fix_clock(void *ctx)
{
	return ((const struct fix *)ctx)->now;
}

/* An empty service; with clock, svc->env reads f->now. f must not move. */
static void fix_init(struct fix *f, enum lb_profile profile, gsl_rng *rng, bool clock)
{
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->svc, profile);
	f->svc.rng = rng;
	f->env.ctx = f;
	f->env.now_ns = fix_clock;
	if (clock)
		f->svc.env = &f->env;
}

static struct lb_dest *fix_add(struct fix *f, unsigned i, int w)
{
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + i };
	int rc = lb_service_add_dest(&f->svc, &a, 80, w, 0, 0, &f->d[i]);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (i >= f->n)
		f->n = i + 1;
	return f->d[i];
}

/* List order A, B, C, ... with weights w[], then the scheduler's init. */
static void fix_build(struct fix *f, enum lb_profile profile, const struct lb_sched_ops *ops,
		      gsl_rng *rng, bool clock, const int *w, unsigned n)
{
	fix_init(f, profile, rng, clock);
	for (unsigned i = n; i-- > 0;)
		fix_add(f, i, w[i]);
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f->svc, ops), 0);
}

static char fix_name(const struct fix *f, const struct lb_dest *d)
{
	return sched_fix_name(f->d, f->n, d);
}

static void fix_conns(struct fix *f, unsigned i, int active, int inactive)
{
	for (int k = 0; k < active; k++)
		lb_dest_conn_bind(f->d[i], true);
	for (int k = 0; k < inactive; k++)
		lb_dest_conn_bind(f->d[i], false);
}

static struct lb_flow_key key_daddr(uint32_t daddr)
{
	struct lb_flow_key k = {
		.saddr = { .af = LB_AF_INET, .u.v4 = 0xC6336401u },
		.daddr = { .af = LB_AF_INET, .u.v4 = daddr },
		.sport = 40000,
		.dport = 80,
		.proto = LB_PROTO_TCP,
	};

	return k;
}

static struct lb_dest *pick_daddr(struct fix *f, uint32_t daddr)
{
	struct lb_flow_key k = key_daddr(daddr);

	return lb_service_pick(&f->svc, &k);
}

/* Picks along want ("A B -") with flow <key>; bump: one more active conn per pick. */
static void expect_seq(struct fix *f, const struct lb_flow_key *key, const char *label,
		       const char *want, bool bump)
{
	sched_fix_expect_seq(&f->svc, f->d, f->n, key, label, want, bump);
}

static struct lbl_table *fix_lbl(struct fix *f)
{
	return f->svc.sched_priv;
}

static struct lbl_entry *fix_entry(struct fix *f, uint32_t daddr)
{
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = daddr };

	return lbl_lookup(fix_lbl(f), &a);
}

/* Chi-square statistic of counts against expected shares p (summing to 1). */
static double chi2_of(const long *cnt, const double *p, unsigned n, long total)
{
	double chi2 = 0;

	for (unsigned i = 0; i < n; i++) {
		double e = (double)total * p[i];

		chi2 += ((double)cnt[i] - e) * ((double)cnt[i] - e) / e;
	}
	return chi2;
}

static void expect_chi2(const char *label, const long *cnt, const double *p, unsigned n,
			long total)
{
	double chi2 = chi2_of(cnt, p, n, total);
	double crit = gsl_cdf_chisq_Qinv(0.001, (double)(n - 1));

	if (chi2 > crit) {
		fprintf(stderr, "\n%s: chi2 %.2f > %.2f; counts", label, chi2, crit);
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, " %ld (want %.0f)", cnt[i], (double)total * p[i]);
		fprintf(stderr, "\n");
	}
	CU_ASSERT_TRUE(chi2 <= crit);
}

/* ---- registry ---- */

static void test_registry(void)
{
	static const struct {
		const char *name;
		unsigned flags;
	} v[] = {
		{ "lblc", LB_SCHED_F_KERNEL },	  { "lblcr", LB_SCHED_F_KERNEL },
		{ "podnr", LB_SCHED_F_RANDOM },	  { "jsq", LB_SCHED_F_REQUESTS },
		{ "lrt", LB_SCHED_F_REQUESTS },	  { "ring", LB_SCHED_F_HASH },
		{ "hrw", LB_SCHED_F_HASH },	  { "random", LB_SCHED_F_RANDOM },
		{ "wrandom", LB_SCHED_F_RANDOM },
	};
	unsigned pos_pod = ~0u, pos_lblcr = ~0u;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct lb_sched_ops *o = lb_sched_find(v[i].name);

		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL(o->flags, v[i].flags);
		CU_ASSERT_PTR_NOT_NULL(o->pick);
		CU_ASSERT_PTR_NOT_NULL(o->summary);
	}
	for (unsigned i = 0; lb_sched_at(i); i++) {
		if (lb_sched_at(i) == &sched_pod_ops)
			pos_pod = i;
		if (lb_sched_at(i) == &sched_lblcr_ops)
			pos_lblcr = i;
	}
	CU_ASSERT_TRUE(pos_lblcr < pos_pod && pos_pod != ~0u);
}

/* ---- lblc / lblcr: vectors and rules ---- */

/* V-LBLC-1, V-LBLCR-1, both profiles; and V-WLC-3 through the miss path. */
static void test_lbl_vectors(void)
{
	struct lb_flow_key k = key_daddr(X_DADDR);

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		struct fix f;
		struct lbl_entry *e;

		fix_build(&f, p, &sched_lblc_ops, NULL, true, (int[]){ 1, 1, 1 }, 3);
		expect_seq(&f, &k, "V-LBLC-1", "A A B B C C C C", true);
		CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 1);
		e = fix_entry(&f, X_DADDR);
		CU_ASSERT_TRUE(e && e->dest == f.d[2]);
		lb_service_fini(&f.svc);

		fix_build(&f, p, &sched_lblcr_ops, NULL, true, (int[]){ 1, 1, 1 }, 3);
		expect_seq(&f, &k, "V-LBLCR-1", "A A B B C C C B A C", true);
		e = fix_entry(&f, X_DADDR);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->size, 3);
		CU_ASSERT_TRUE(e->set[0] == f.d[2] && e->set[1] == f.d[1] && e->set[2] == f.d[0]);
		lb_service_fini(&f.svc);

		/* A(1 active), B(256 inactive): legacy ties (A), current B. */
		for (int s = 0; s < 2; s++) {
			const char *want = p == LB_PROFILE_LEGACY ? "A" : "B";

			fix_build(&f, p, s ? &sched_lblcr_ops : &sched_lblc_ops, NULL, true,
				  (int[]){ 1, 1 }, 2);
			fix_conns(&f, 0, 1, 0);
			fix_conns(&f, 1, 0, 256);
			expect_seq(&f, &k, "V-WLC-3 via lbl miss", want, false);
			lb_service_fini(&f.svc);
		}
	}
	/* The bucket hash per profile (spec 3): 192.0.2.1 and 203.0.113.5. */
	{
		struct lb_addr a = { .af = LB_AF_INET, .u.v4 = X_DADDR };
		struct lb_addr b = { .af = LB_AF_INET, .u.v4 = 0xCB007105u };

		CU_ASSERT_EQUAL(lbl_bucket(LB_PROFILE_CURRENT, &a), 203);
		CU_ASSERT_EQUAL(lbl_bucket(LB_PROFILE_LEGACY, &a), 945);
		CU_ASSERT_EQUAL(lbl_bucket(LB_PROFILE_CURRENT, &b), 740);
		CU_ASSERT_EQUAL(lbl_bucket(LB_PROFILE_LEGACY, &b), 373);
	}
}

static void test_lblc_rules(void)
{
	struct fix f;
	struct lbl_entry *e;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblc_ops, NULL, true, (int[]){ 1, 1 }, 2);
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[0]);
	/* OVERLOAD is not checked for the cached dest. */
	f.d[0]->flags |= LB_DEST_F_OVERLOAD;
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[0]);
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR + 1), f.d[1]); /* a miss runs wlc */
	f.d[0]->flags &= ~LB_DEST_F_OVERLOAD;
	/* Weight 0: rescheduled, the entry follows. */
	lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[1]);
	e = fix_entry(&f, X_DADDR);
	CU_ASSERT_TRUE(e && e->dest == f.d[1]);
	/* Deleted (not AVAILABLE) with nothing else usable: no dest, entry kept. */
	lb_service_del_dest(&f.svc, f.d[1]);
	CU_ASSERT_PTR_NULL(pick_daddr(&f, X_DADDR));
	CU_ASSERT_TRUE(e == fix_entry(&f, X_DADDR) && e->dest == f.d[1]);
	/* Revived from the trash: the entry is good again. */
	fix_add(&f, 1, 1);
	lb_service_edit_dest(&f.svc, f.d[0], 1, 0, 0);
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[1]);
	lb_service_fini(&f.svc);

	/* Locality overload needs a dest below half load somewhere. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblc_ops, NULL, true, (int[]){ 2, 2 }, 2);
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[0]);
	fix_conns(&f, 0, 3, 0);
	fix_conns(&f, 1, 1, 0); /* 2 * 1 < 2 is false: nobody below half */
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[0]);
	lb_dest_conn_unbind(f.d[1], true); /* B idle: A is locality-overloaded */
	CU_ASSERT_PTR_EQUAL(pick_daddr(&f, X_DADDR), f.d[1]);
	CU_ASSERT_PTR_EQUAL(fix_entry(&f, X_DADDR)->dest, f.d[1]);
	lb_service_fini(&f.svc);
}

static void test_lblcr_rules(void)
{
	struct fix f;

	/* set_min skips OVERLOAD and unavailable members. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblcr_ops, NULL, true, (int[]){ 1, 1, 1 }, 3);
	expect_seq(&f, NULL, "lblcr build [C, B, A]", "A A B B C", true); /* A 2, B 2, C 1 */
	expect_seq(&f, NULL, "set_min", "C", false);
	f.d[2]->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, NULL, "set_min skips OVERLOAD, first of a tie", "B", false);
	lb_service_del_dest(&f.svc, f.d[1]);
	expect_seq(&f, NULL, "set_min skips unavailable", "A", false);
	lb_service_fini(&f.svc);

	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblcr_ops, NULL, true, (int[]){ 1, 1, 1 }, 3);
	expect_seq(&f, NULL, "lblcr build [B, A]", "A A B", true); /* A 2, B 1 */
	lb_dest_conn_unbind(f.d[0], true);
	lb_dest_conn_unbind(f.d[0], true); /* A 0, B 1: A is the set's minimum */
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[0]);
	f.d[0]->flags |= LB_DEST_F_OVERLOAD;
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[1]);
	f.d[0]->flags &= ~LB_DEST_F_OVERLOAD;
	lb_service_del_dest(&f.svc, f.d[0]);
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[1]);
	lb_service_fini(&f.svc);
}

/*
 * Expiry: the GC timer runs every 60 s from init; full passes every 30 min
 * drop entries idle 24 h. An entry last used at 100 s goes at the first
 * full pass at or after 86500 s, i.e. at 88200 s. A probe pick on another
 * address runs the lazy GC without touching the entry. No env: no expiry.
 */
static void test_lbl_expiry(void)
{
	const struct lb_sched_ops *ops[2] = { &sched_lblc_ops, &sched_lblcr_ops };

	for (int s = 0; s < 2; s++) {
		for (int p = 0; p < LB_PROFILE_COUNT; p++) {
			struct fix f;

			fix_build(&f, p, ops[s], NULL, true, (int[]){ 1, 1 }, 2);
			f.now = 100 * SEC;
			CU_ASSERT_PTR_NOT_NULL(pick_daddr(&f, X_DADDR));
			f.now = 1800 * SEC; /* idle exactly 24 h at the 88200 s pass */
			CU_ASSERT_PTR_NOT_NULL(pick_daddr(&f, X_DADDR + 3));
			f.now = 86400 * SEC;
			pick_daddr(&f, X_DADDR + 1);
			CU_ASSERT_PTR_NOT_NULL(fix_entry(&f, X_DADDR));
			f.now = 88200 * SEC - 1;
			pick_daddr(&f, X_DADDR + 1);
			CU_ASSERT_PTR_NOT_NULL(fix_entry(&f, X_DADDR));
			CU_ASSERT_PTR_NOT_NULL(fix_entry(&f, X_DADDR + 3));
			CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 3);
			f.now = 88200 * SEC;
			pick_daddr(&f, X_DADDR + 1);
			CU_ASSERT_PTR_NULL(fix_entry(&f, X_DADDR));
			CU_ASSERT_PTR_NULL(fix_entry(&f, X_DADDR + 3));
			CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 1);
			/* A long idle gap: everything goes, the counter keeps its phase. */
			f.now = 400 * 86400 * SEC + 1800 * SEC;
			pick_daddr(&f, X_DADDR + 2);
			CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 1);
			CU_ASSERT_PTR_NULL(fix_entry(&f, X_DADDR + 1));
			CU_ASSERT_EQUAL(fix_lbl(&f)->counter, 1); /* a full pass just ran */
			lb_service_fini(&f.svc);

			fix_build(&f, p, ops[s], NULL, false, (int[]){ 1, 1 }, 2);
			f.now = 0;
			pick_daddr(&f, X_DADDR);
			f.now = 1000 * 86400 * SEC;
			pick_daddr(&f, X_DADDR + 1);
			CU_ASSERT_PTR_NOT_NULL(fix_entry(&f, X_DADDR));
			lb_service_fini(&f.svc);
		}
	}
}

/* lblcr drops its most loaded member once the set is 24 h unchanged. */
static void test_lblcr_prune(void)
{
	struct fix f;
	struct lbl_entry *e;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblcr_ops, NULL, true, (int[]){ 1, 1 }, 2);
	expect_seq(&f, NULL, "lblcr [B, A]", "A A B", true);
	e = lbl_lookup(fix_lbl(&f), &(struct lb_addr){ 0 }); /* NULL key: the unset address */
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->size, 2);
	lb_dest_conn_unbind(f.d[0], true); /* A 1, B 1 active */
	lb_dest_conn_unbind(f.d[1], true); /* B 0: set_min B, set_max A */
	for (int64_t t = 600; t <= 86400; t += 600) {
		f.now = t * SEC;
		CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[1]);
	}
	e = lbl_lookup(fix_lbl(&f), &(struct lb_addr){ 0 });
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->size, 2); /* now > lastmod + 24 h is strict */
	f.now = 87000 * SEC;
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[1]);
	CU_ASSERT_EQUAL(e->size, 1);
	CU_ASSERT_PTR_EQUAL(e->set[0], f.d[1]);
	CU_ASSERT_EQUAL(e->lastmod, 87000 * SEC);
	lb_service_fini(&f.svc);
}

static unsigned test_bucket(enum lb_profile profile, uint32_t k)
{
	/* spec 3, written out again: hash_32(k, 10) or (k * 2654435761) & 1023 */
	if (profile == LB_PROFILE_LEGACY)
		return (uint32_t)(k * 2654435761u) & 1023u;
	return (uint32_t)(k * 0x61C88647u) >> 22;
}

/*
 * Partial GC: 20000 entries made at 1 s. The runs at 60..360 s find nothing
 * idle 6 min (and walk the whole table back to rover 0); the run at 420 s
 * deletes whole buckets from bucket 1 on until (20000 - 16384) * 4 / 3 =
 * 4821 are gone. The next run only counts.
 */
static void test_lbl_partial_gc(void)
{
	static unsigned cnt[LBL_TAB_SIZE];
	struct fix f;
	unsigned long del = 0;
	unsigned j = 0;

	memset(cnt, 0, sizeof(cnt));
	fix_build(&f, LB_PROFILE_CURRENT, &sched_lblc_ops, NULL, true, (int[]){ 1, 1 }, 2);
	f.now = 1 * SEC;
	for (uint32_t i = 0; i < 20000; i++)
		pick_daddr(&f, 0xC6120000u + i);
	CU_ASSERT_EQUAL_FATAL(fix_lbl(&f)->entries, 20000);
	f.now = 420 * SEC - 1;
	pick_daddr(&f, 0xC6120000u); /* keeps entry 0 young */
	CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 20000);
	CU_ASSERT_EQUAL(fix_lbl(&f)->rover, 0);
	for (uint32_t i = 1; i < 20000; i++)
		cnt[test_bucket(LB_PROFILE_CURRENT, 0xC6120000u + i)]++;
	while (del < 4821) {
		j = (j + 1) & (LBL_TAB_SIZE - 1);
		del += cnt[j];
	}
	f.now = 420 * SEC;
	pick_daddr(&f, 0xC6120000u);
	CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 20000 - del);
	CU_ASSERT_EQUAL(fix_lbl(&f)->rover, j);
	CU_ASSERT_PTR_NOT_NULL(fix_entry(&f, 0xC6120000u));
	f.now = 480 * SEC;
	pick_daddr(&f, 0xC6120000u);
	CU_ASSERT_EQUAL(fix_lbl(&f)->entries, 20000 - del);
	lb_service_fini(&f.svc);
}

/* The current profile stops growing at 24576 entries; legacy does not. */
static void test_lbl_cap(void)
{
	const struct lb_sched_ops *ops[2] = { &sched_lblc_ops, &sched_lblcr_ops };

	for (int s = 0; s < 2; s++) {
		for (int p = 0; p < LB_PROFILE_COUNT; p++) {
			struct fix f;
			unsigned long nulls = 0;

			fix_build(&f, p, ops[s], NULL, true, (int[]){ 1, 1 }, 2);
			for (uint32_t i = 0; i < LBL_CAP + 10; i++)
				nulls += pick_daddr(&f, 0xC6120000u + i) == NULL;
			CU_ASSERT_EQUAL(nulls, 0);
			CU_ASSERT_EQUAL(fix_lbl(&f)->entries,
					p == LB_PROFILE_CURRENT ? LBL_CAP : LBL_CAP + 10);
			CU_ASSERT_EQUAL(fix_entry(&f, 0xC6120000u + LBL_CAP) == NULL,
					p == LB_PROFILE_CURRENT);
			lb_service_fini(&f.svc);
		}
	}
}

/* ---- lblc / lblcr against naive references ---- */

#define LD_DESTS 8
#define LD_MAXCONN 2048
#define LD_EXPIRE (86400 * SEC)

struct ld_entry {
	bool present;
	int64_t lastuse, lastmod;
	struct lb_dest *dest;
	struct lb_dest *set[LD_DESTS]; /* front = most recent */
	unsigned size;
};

struct ld_conn {
	struct lb_dest *d;
	bool active;
};

struct ldiff {
	bool lblcr;
	enum lb_profile profile;
	unsigned nu; /* destination address universe */
	struct ld_entry *ref;
	unsigned *bucket;
	unsigned entries, counter, rover;
	int64_t next_tick;
	long full_del, partial_del, capped, pruned, hits;
	struct fix f;
	struct ld_conn conns[LD_MAXCONN];
	unsigned nconns;
	gsl_rng *rng;
	long step;
	char op[96];
};

/* Address number u: 198.18.0.0 + u, or 2001:db8::u when u % 4 == 3. */
static void ld_addr(unsigned u, struct lb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (u % 4 == 3) {
		static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };

		a->af = LB_AF_INET6;
		memcpy(a->u.v6, pfx, 4);
		a->u.v6[12] = (uint8_t)(u >> 24);
		a->u.v6[13] = (uint8_t)(u >> 16);
		a->u.v6[14] = (uint8_t)(u >> 8);
		a->u.v6[15] = (uint8_t)u;
	} else {
		a->af = LB_AF_INET;
		a->u.v4 = 0xC6120000u + u;
	}
}

static unsigned ld_bucket_of(enum lb_profile profile, unsigned u)
{
	/* IPv6 fold: the XOR of the big-endian words 0x20010db8, 0, 0, u. */
	uint32_t k = u % 4 == 3 ? 0x20010db8u ^ u : 0xC6120000u + u;

	return test_bucket(profile, k);
}

/* spec 2.13 "Expiry": one timer run at now. */
static void ld_tick(struct ldiff *x, int64_t now)
{
	static unsigned cnt[LBL_TAB_SIZE];
	long goal, got = 0;
	unsigned j = x->rover, i;

	if (x->counter % 30 == 0) {
		for (unsigned u = 0; u < x->nu; u++) {
			if (x->ref[u].present && now >= x->ref[u].lastuse + LD_EXPIRE) {
				x->ref[u].present = false;
				x->entries--;
				x->full_del++;
			}
		}
		x->counter = 1;
		return;
	}
	if (x->entries <= 16384) {
		x->counter++;
		return;
	}
	goal = ((long)x->entries - 16384) * 4 / 3;
	if (goal > 8192)
		goal = 8192;
	memset(cnt, 0, sizeof(cnt));
	for (unsigned u = 0; u < x->nu; u++)
		if (x->ref[u].present && now >= x->ref[u].lastuse + 360 * SEC)
			cnt[x->bucket[u]]++;
	for (i = 0; i < 1024; i++) {
		j = (j + 1) & 1023;
		got += cnt[j];
		if (got >= goal)
			break;
	}
	for (unsigned u = 0; u < x->nu; u++) {
		unsigned dist = (x->bucket[u] - x->rover - 1) & 1023;

		if (x->ref[u].present && now >= x->ref[u].lastuse + 360 * SEC &&
		    (i == 1024 || dist <= i)) {
			x->ref[u].present = false;
			x->entries--;
			x->partial_del++;
		}
	}
	x->rover = j;
}

static void ld_advance(struct ldiff *x)
{
	while (x->next_tick <= x->f.now) {
		ld_tick(x, x->next_tick);
		x->next_tick += 60 * SEC;
	}
}

static int64_t ld_oh(const struct ldiff *x, const struct lb_dest *d)
{
	/* spec 1.3 */
	if (x->profile == LB_PROFILE_LEGACY)
		return (int64_t)d->activeconns * 256 + d->inactconns;
	return (int64_t)d->activeconns * 257 + d->inactconns;
}

/* a/b < c/d for b, d > 0 */
static bool ld_ratio_less(int64_t a, int64_t b, int64_t c, int64_t d)
{
	return a * d < c * b;
}

/*
 * wlc as "the smallest overhead/weight among dests neither OVERLOAD nor of
 * weight 0, the first in list order on ties" (spec 2.4 step 3), two passes.
 */
static struct lb_dest *ld_min(const struct ldiff *x, struct lb_dest *const *v, unsigned n,
			      bool need_available)
{
	struct lb_dest *m = NULL;

	for (unsigned i = 0; i < n; i++) {
		struct lb_dest *d = v[i];

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		if (need_available && !(d->flags & LB_DEST_F_AVAILABLE))
			continue;
		if (!m || ld_ratio_less(ld_oh(x, d), d->weight, ld_oh(x, m), m->weight))
			m = d;
	}
	if (!m)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		struct lb_dest *d = v[i];

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		if (need_available && !(d->flags & LB_DEST_F_AVAILABLE))
			continue;
		if (!ld_ratio_less(ld_oh(x, m), m->weight, ld_oh(x, d), d->weight))
			return d; /* the first dest as small as the minimum */
	}
	return m;
}

/* spec 2.14 set_max: the largest overhead/weight among weight > 0, first on ties. */
static struct lb_dest *ld_set_max(const struct ldiff *x, const struct ld_entry *e)
{
	struct lb_dest *m = NULL;

	for (unsigned i = 0; i < e->size; i++) {
		struct lb_dest *d = e->set[i];

		if (d->weight > 0 &&
		    (!m || ld_ratio_less(ld_oh(x, m), m->weight, ld_oh(x, d), d->weight)))
			m = d;
	}
	return m;
}

/* spec 2.13 lbl-overloaded */
static bool ld_lbl_over(const struct ldiff *x, const struct lb_dest *d)
{
	if (!(d->activeconns > d->weight))
		return false;
	for (unsigned i = 0; i < x->f.svc.ndests; i++)
		if (x->f.svc.dests[i]->activeconns * 2 < x->f.svc.dests[i]->weight)
			return true;
	return false;
}

static struct lb_dest *ld_ref_pick(struct ldiff *x, unsigned u)
{
	struct ld_entry *e = &x->ref[u];
	int64_t now = x->f.now;
	struct lb_dest *d;

	if (e->present) {
		x->hits++;
		e->lastuse = now;
		if (!x->lblcr) {
			d = e->dest;
			if ((d->flags & LB_DEST_F_AVAILABLE) && d->weight > 0 && !ld_lbl_over(x, d))
				return d;
		} else {
			d = ld_min(x, e->set, e->size, true);
			if (e->size > 1 && now > e->lastmod + LD_EXPIRE) {
				struct lb_dest *m = ld_set_max(x, e);

				if (m) {
					unsigned k = 0;

					while (e->set[k] != m)
						k++;
					memmove(e->set + k, e->set + k + 1,
						(e->size - k - 1) * sizeof(e->set[0]));
					e->size--;
					e->lastmod = now;
					x->pruned++;
				}
			}
			if (d && !ld_lbl_over(x, d))
				return d;
		}
	}
	d = ld_min(x, x->f.svc.dests, x->f.svc.ndests, false);
	if (!d)
		return NULL;
	if (e->present) {
		if (!x->lblcr) {
			e->dest = d;
		} else {
			bool member = false;

			for (unsigned k = 0; k < e->size; k++)
				member |= e->set[k] == d;
			if (!member) {
				memmove(e->set + 1, e->set, e->size * sizeof(e->set[0]));
				e->set[0] = d;
				e->size++;
				e->lastmod = now;
			}
		}
		return d;
	}
	if (x->profile == LB_PROFILE_CURRENT && x->entries >= 24576) {
		x->capped++;
		return d;
	}
	memset(e, 0, sizeof(*e));
	e->present = true;
	e->lastuse = e->lastmod = now;
	e->dest = d;
	e->set[0] = d;
	e->size = 1;
	x->entries++;
	return d;
}

/* The real entry of u against the reference's; false (printed) on a difference. */
static bool ld_same_entry(struct ldiff *x, unsigned u)
{
	struct lb_addr a;
	const struct lbl_entry *r;
	const struct ld_entry *e = &x->ref[u];
	bool ok;

	ld_addr(u, &a);
	r = lbl_lookup(x->f.svc.sched_priv, &a);
	ok = (r != NULL) == e->present;
	if (ok && r) {
		ok = r->lastuse == e->lastuse;
		if (!x->lblcr) {
			ok = ok && r->dest == e->dest;
		} else {
			ok = ok && r->size == e->size && r->lastmod == e->lastmod;
			for (unsigned k = 0; ok && k < e->size; k++)
				ok = r->set[k] == e->set[k];
		}
	}
	if (!ok)
		fprintf(stderr, "\n%s %s step %ld (%s): entry %u differs: real %s, ref %s\n",
			x->lblcr ? "lblcr" : "lblc",
			x->profile == LB_PROFILE_LEGACY ? "legacy" : "current", x->step, x->op, u,
			r ? "present" : "absent", e->present ? "present" : "absent");
	return ok;
}

static int ld_dest_no(const struct ldiff *x, const struct lb_dest *d)
{
	for (unsigned i = 0; i < x->f.n; i++)
		if (x->f.d[i] == d)
			return (int)i;
	return -1;
}

static bool ld_do_pick(struct ldiff *x, unsigned u)
{
	struct lb_flow_key k = key_daddr(0);
	struct lb_dest *got, *want;
	unsigned real_entries;

	ld_addr(u, &k.daddr);
	snprintf(x->op, sizeof(x->op), "pick u=%u t=%.3fs", u, (double)x->f.now / SEC);
	got = lb_service_pick(&x->f.svc, &k);
	want = ld_ref_pick(x, u);
	real_entries = ((const struct lbl_table *)x->f.svc.sched_priv)->entries;
	if (got != want || real_entries != x->entries) {
		fprintf(stderr,
			"\n%s %s step %ld (%s): real dest %d entries %u, ref dest %d entries %u\n",
			x->lblcr ? "lblcr" : "lblc",
			x->profile == LB_PROFILE_LEGACY ? "legacy" : "current", x->step, x->op,
			ld_dest_no(x, got), real_entries, ld_dest_no(x, want), x->entries);
		return false;
	}
	return ld_same_entry(x, u);
}

static int64_t ld_dt(struct ldiff *x, bool large)
{
	unsigned long r = gsl_rng_uniform_int(x->rng, 1000);

	if (large)
		return r < 995 ? (int64_t)gsl_rng_uniform_int(x->rng, 20000) * 100 * 1000 /* 2 s */
			       : (int64_t)gsl_rng_uniform_int(x->rng, 600000) * 1000 * 1000;
	if (r < 700)
		return (int64_t)gsl_rng_uniform_int(x->rng, 100000) * 1000; /* 100 ms */
	if (r < 950)
		return (int64_t)gsl_rng_uniform_int(x->rng, 60000) * 1000 * 1000; /* 60 s */
	if (r < 999)
		return (int64_t)gsl_rng_uniform_int(x->rng, 1800) * SEC;
	return (int64_t)gsl_rng_uniform_int(x->rng, 48 * 3600) * SEC;
}

/* One random non-pick operation on dests and connections. */
static void ld_mutate(struct ldiff *x)
{
	struct lb_service *svc = &x->f.svc;
	unsigned long r = gsl_rng_uniform_int(x->rng, 100);
	unsigned i = (unsigned)gsl_rng_uniform_int(x->rng, LD_DESTS);
	struct lb_dest *d = x->f.d[i];
	bool linked = d->flags & LB_DEST_F_AVAILABLE;

	if (r < 70 && (x->nconns == 0 || gsl_rng_uniform_int(x->rng, 48) >= x->nconns)) {
		/* bind, less likely the more there are: about 24 connections in all */
		bool active = gsl_rng_uniform_int(x->rng, 4) != 0;

		if (!linked) {
			snprintf(x->op, sizeof(x->op), "nothing");
			return;
		}
		snprintf(x->op, sizeof(x->op), "bind %c %s", 'A' + i, active ? "active" : "inact");
		lb_dest_conn_bind(d, active);
		x->conns[x->nconns++] = (struct ld_conn){ d, active };
	} else if (r < 70) {
		unsigned c = (unsigned)gsl_rng_uniform_int(x->rng, x->nconns);

		snprintf(x->op, sizeof(x->op), "unbind %c", 'A' + ld_dest_no(x, x->conns[c].d));
		lb_dest_conn_unbind(x->conns[c].d, x->conns[c].active);
		x->conns[c] = x->conns[--x->nconns];
	} else if (r < 78 && x->nconns) {
		unsigned c = (unsigned)gsl_rng_uniform_int(x->rng, x->nconns);

		snprintf(x->op, sizeof(x->op), "flip %c", 'A' + ld_dest_no(x, x->conns[c].d));
		x->conns[c].active = !x->conns[c].active;
		lb_dest_conn_set_active(x->conns[c].d, x->conns[c].active);
	} else if (r < 88 && linked) {
		int w = (int)gsl_rng_uniform_int(x->rng, 5);
		uint32_t ut = 0, lt;

		if (gsl_rng_uniform_int(x->rng, 2))
			ut = (uint32_t)gsl_rng_uniform_int(x->rng, 12);
		lt = ut ? (uint32_t)gsl_rng_uniform_int(x->rng, ut + 1) : 0;
		snprintf(x->op, sizeof(x->op), "edit %c w=%d u=%u l=%u", 'A' + i, w, ut, lt);
		CU_ASSERT_EQUAL(lb_service_edit_dest(svc, d, w, ut, lt), 0);
	} else if (r < 94 && linked) {
		snprintf(x->op, sizeof(x->op), "del %c", 'A' + i);
		CU_ASSERT_EQUAL(lb_service_del_dest(svc, d), 0);
	} else if (!linked) {
		int w = 1 + (int)gsl_rng_uniform_int(x->rng, 4);

		snprintf(x->op, sizeof(x->op), "add %c w=%d", 'A' + i, w);
		fix_add(&x->f, i, w);
	} else {
		snprintf(x->op, sizeof(x->op), "nothing");
	}
}

/*
 * One differential run. small: 48 addresses, a mix of picks, connection and
 * dest operations, time steps from 0..100 ms up to 0..48 h (full passes,
 * pruning). large: 40000 addresses drawn from a sliding window with bursts
 * of fresh ones, 0..2 s steps (partial GC, the growth bound).
 */
static void ld_run(bool lblcr, enum lb_profile profile, bool large, long nops,
		   unsigned long seed)
{
	struct ldiff *x = calloc(1, sizeof(*x));
	unsigned base = 0;
	bool ok = true;

	x->lblcr = lblcr;
	x->profile = profile;
	x->nu = large ? 40000 : 48;
	x->ref = calloc(x->nu, sizeof(*x->ref));
	x->bucket = calloc(x->nu, sizeof(*x->bucket));
	x->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(x->rng, seed);
	for (unsigned u = 0; u < x->nu; u++)
		x->bucket[u] = ld_bucket_of(profile, u);
	fix_init(&x->f, profile, NULL, true);
	x->f.now = 12345;
	for (unsigned i = LD_DESTS; i-- > 0;)
		fix_add(&x->f, i, 1 + (int)gsl_rng_uniform_int(x->rng, 4));
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->f.svc, lblcr ? &sched_lblcr_ops
								       : &sched_lblc_ops), 0);
	x->counter = 1;
	x->next_tick = x->f.now + 60 * SEC;

	for (x->step = 0; ok && x->step < nops; x->step++) {
		x->f.now += ld_dt(x, large);
		ld_advance(x);
		if (large && gsl_rng_uniform_int(x->rng, 20000) == 0) {
			/* a burst of 9000 fresh addresses within a few ms */
			for (unsigned k = 0; ok && k < 9000; k++) {
				x->f.now += 1000;
				ld_advance(x);
				ok = ld_do_pick(x, (base + 3000 + k) % x->nu);
			}
			base += 9000;
		} else if (gsl_rng_uniform_int(x->rng, 100) < (large ? 90u : 50u)) {
			unsigned u = large ? (base + (unsigned)gsl_rng_uniform_int(x->rng, 3000)) %
						     x->nu
					   : (unsigned)gsl_rng_uniform_int(x->rng, x->nu);

			ok = ld_do_pick(x, u);
			if (large && x->step % 2)
				base++;
		} else {
			ld_mutate(x);
		}
		if (ok && x->step % (large ? 20000 : 997) == 0) {
			/* catch the real table up to now, as the next pick would */
			lbl_expire(x->f.svc.sched_priv, x->f.now);
			for (unsigned u = 0; ok && u < x->nu; u++)
				ok = ld_same_entry(x, u);
		}
	}
	CU_ASSERT_TRUE(ok);
	if (ok && !test_quick()) {
		/* the run reached what it is for */
		CU_ASSERT_TRUE(x->hits > 0);
		if (large) {
			CU_ASSERT_TRUE(x->partial_del > 0);
			CU_ASSERT_TRUE(profile == LB_PROFILE_LEGACY || x->capped > 0);
		} else {
			CU_ASSERT_TRUE(x->full_del > 0);
			CU_ASSERT_TRUE(!lblcr || x->pruned > 0);
		}
	}
	if (getenv("LBSIM_TEST_VERBOSE"))
		fprintf(stderr,
			"\n%s %s %s: hits %ld full_del %ld partial_del %ld capped %ld pruned %ld "
			"entries %u t=%.0fs\n",
			lblcr ? "lblcr" : "lblc",
			profile == LB_PROFILE_LEGACY ? "legacy" : "current",
			large ? "large" : "small", x->hits, x->full_del, x->partial_del,
			x->capped, x->pruned, x->entries, (double)x->f.now / SEC);
	lb_service_fini(&x->f.svc);
	gsl_rng_free(x->rng);
	free(x->bucket);
	free(x->ref);
	free(x);
}

static void test_lbl_diff(void)
{
	long n = test_quick() ? 10000 : 100000;

	for (int s = 0; s < 2; s++) {
		for (int p = 0; p < LB_PROFILE_COUNT; p++) {
			ld_run(s, p, false, n, 1000 + 10 * s + p);
			ld_run(s, p, true, n, 2000 + 10 * s + p);
		}
	}
}

/* ---- request accounting (service.c) ---- */

static void count_load(struct lb_service *svc, struct lb_dest *d)
{
	(*(unsigned *)svc->sched_priv)++;
}

static struct lb_dest *head_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	return svc->ndests ? svc->dests[0] : NULL;
}

static const struct lb_sched_ops count_ops = {
	.name = "test-count",
	.summary = "counts load_changed calls",
	.flags = LB_SCHED_F_REQUESTS,
	.load_changed = count_load,
	.pick = head_pick,
};

/* The same without LB_SCHED_F_REQUESTS, as lc/wlc/sed/nq. */
static const struct lb_sched_ops count_conn_ops = {
	.name = "test-count-conn",
	.summary = "counts load_changed calls, reads no request counts",
	.load_changed = count_load,
	.pick = head_pick,
};

static void test_request_accounting(void)
{
	struct fix f;
	struct lb_dest *a, *b;
	unsigned calls = 0;

	fix_build(&f, LB_PROFILE_CURRENT, &count_ops, NULL, true, (int[]){ 1, 1 }, 2);
	f.svc.sched_priv = &calls;
	a = f.d[0];
	b = f.d[1];
	CU_ASSERT_EQUAL(f.svc.conf.ewma_tau_ns, 10 * SEC);
	CU_ASSERT_TRUE(a->outstanding == 0 && a->ewma_rt_ns == 0);
	lb_dest_request_start(a);
	lb_dest_request_start(a);
	CU_ASSERT_EQUAL(a->outstanding, 2);
	CU_ASSERT_EQUAL(calls, 2);
	lb_dest_request_done(a, 1 * SEC, 100000000); /* first answer: the estimate */
	CU_ASSERT_EQUAL(a->outstanding, 1);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 100000000);
	CU_ASSERT_EQUAL(a->ewma_at_ns, 1 * SEC);
	CU_ASSERT_EQUAL(calls, 3);
	/* 1 s later, 50 ms: 100 ms * e^-0.1 + 50 ms * (1 - e^-0.1) = 95241870.9 ns */
	lb_dest_request_done(a, 2 * SEC, 50000000);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 95241871);
	CU_ASSERT_EQUAL(a->outstanding, 0);
	/* slower: jump at once */
	lb_dest_request_start(a);
	lb_dest_request_done(a, 3 * SEC, 200000000);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 200000000);
	/* 10 s later, 100 ms: 100 + 100 e^-1 = 136.7879441 ms */
	lb_dest_request_start(a);
	lb_dest_request_done(a, 13 * SEC, 100000000);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 136787944);
	/* an answer stamped before the last one: no decay, no change */
	lb_dest_request_start(a);
	lb_dest_request_done(a, 12 * SEC, 1000000);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 136787944);
	CU_ASSERT_EQUAL(a->ewma_at_ns, 12 * SEC);
	/* tau 0: no memory */
	f.svc.conf.ewma_tau_ns = 0;
	lb_dest_request_start(a);
	lb_dest_request_done(a, 14 * SEC, 7000000);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 7000000);
	/* a zero response time still makes an estimate */
	lb_dest_request_start(b);
	lb_dest_request_done(b, 14 * SEC, 0);
	CU_ASSERT_EQUAL(b->ewma_rt_ns, 1);
	/* a trashed dest counts, without the scheduler hook */
	lb_dest_request_start(a);
	calls = 0;
	lb_service_del_dest(&f.svc, a);
	lb_dest_request_done(a, 15 * SEC, 9000000);
	lb_dest_request_start(a);
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(a->outstanding, 1);
	CU_ASSERT_EQUAL(a->ewma_rt_ns, 9000000);
	lb_dest_request_done(a, 16 * SEC, 9000000);
	/* a scheduler that does not read request counts is not told of them */
	f.svc.sched = &count_conn_ops;
	lb_dest_request_start(b);
	lb_dest_request_done(b, 17 * SEC, 5000000);
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(b->outstanding, 0);
	CU_ASSERT_EQUAL(b->ewma_rt_ns, 5000000);
	f.svc.sched = &count_ops;
	f.svc.sched_priv = NULL;
	lb_service_fini(&f.svc);
}

/* ---- jsq against a naive minimum ---- */

/* The first eligible dest whose outstanding/weight equals the minimum. */
static struct lb_dest *naive_jsq(const struct lb_service *svc)
{
	double best = INFINITY;

	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct lb_dest *d = svc->dests[i];

		if (d->weight > 0 && !lb_dest_is_overloaded(d) &&
		    (double)d->outstanding / d->weight < best)
			best = (double)d->outstanding / d->weight;
	}
	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (d->weight > 0 && !lb_dest_is_overloaded(d) &&
		    (double)d->outstanding / d->weight == best)
			return d;
	}
	return NULL;
}

static void test_jsq_diff(void)
{
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	long nops = test_quick() ? 10000 : 100000;
	struct fix f;
	bool ok = true;

	gsl_rng_set(mt, 77);
	fix_build(&f, LB_PROFILE_CURRENT, &sched_jsq_ops, NULL, true,
		  (int[]){ 1, 2, 3, 1, 2, 3, 1, 2, 3, 5 }, 10);
	for (long step = 0; ok && step < nops; step++) {
		unsigned i = (unsigned)gsl_rng_uniform_int(mt, 10);
		struct lb_dest *d = f.d[i], *got, *want;
		bool linked = d->flags & LB_DEST_F_AVAILABLE;
		unsigned long r = gsl_rng_uniform_int(mt, 100);
		char op[64];

		f.now += 1000000;
		if (r < 40 && linked && d->outstanding < 60) {
			snprintf(op, sizeof(op), "start %c", 'A' + i);
			lb_dest_request_start(d);
		} else if (r < 80 && d->outstanding > 0) {
			snprintf(op, sizeof(op), "done %c", 'A' + i);
			lb_dest_request_done(d, f.now, 1000000);
		} else if (r < 88 && linked) {
			int w = (int)gsl_rng_uniform_int(mt, 6);

			snprintf(op, sizeof(op), "weight %c %d", 'A' + i, w);
			lb_service_edit_dest(&f.svc, d, w, 0, 0);
		} else if (r < 94 && linked) {
			snprintf(op, sizeof(op), "overload %c", 'A' + i);
			d->flags ^= LB_DEST_F_OVERLOAD;
		} else if (linked) {
			snprintf(op, sizeof(op), "del %c", 'A' + i);
			lb_service_del_dest(&f.svc, d);
		} else {
			snprintf(op, sizeof(op), "add %c", 'A' + i);
			fix_add(&f, i, 1 + (int)gsl_rng_uniform_int(mt, 5));
		}
		got = f.svc.sched->pick(&f.svc, NULL);
		want = naive_jsq(&f.svc);
		if (got != want) {
			fprintf(stderr, "\njsq step %ld (%s): got %c, want %c\n", step, op,
				fix_name(&f, got), fix_name(&f, want));
			ok = false;
		}
	}
	CU_ASSERT_TRUE(ok);
	lb_service_fini(&f.svc);
	gsl_rng_free(mt);
}

/* ---- lrt: a scripted sequence ---- */

static void test_lrt(void)
{
	struct fix f;
	struct lb_dest *a, *b, *c;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_lrt_ops, NULL, true, (int[]){ 1, 1, 1 }, 3);
	a = f.d[0];
	b = f.d[1];
	c = f.d[2];
	expect_seq(&f, NULL, "lrt: no estimates, all idle: the head", "A A", false);
	lb_dest_request_start(a); /* A pending without an estimate: penalty */
	expect_seq(&f, NULL, "lrt: untried idle dests first", "B", false);
	lb_dest_request_start(b);
	expect_seq(&f, NULL, "lrt", "C", false);
	lb_dest_request_start(c);
	expect_seq(&f, NULL, "lrt: all pending: tie on penalty + 1", "A", false);
	lb_dest_request_start(c);
	expect_seq(&f, NULL, "lrt: fewer pending wins among unknowns", "A", false);
	f.now = 1 * SEC;
	lb_dest_request_done(a, f.now, 100000000); /* A 100 ms, idle */
	lb_dest_request_done(b, f.now, 30000000);  /* B 30 ms, idle */
	expect_seq(&f, NULL, "lrt: 30 < 100", "B", false);
	lb_dest_request_start(b);
	lb_dest_request_start(b); /* B 30 * 3 = 90 < 100 */
	expect_seq(&f, NULL, "lrt: 90 < 100", "B", false);
	lb_dest_request_start(b); /* 120 > 100 */
	expect_seq(&f, NULL, "lrt: 120 > 100", "A", false);
	/* Equal decay keeps the order: at 11 s, 36.8 against 44.1. */
	f.now = 11 * SEC;
	expect_seq(&f, NULL, "lrt: decayed alike", "A", false);
	/* C answers now, 50 ms: fresher but dearer than A's faded 36.8 ms. */
	lb_dest_request_done(c, f.now, 50000000);
	lb_dest_request_done(c, f.now, 50000000);
	expect_seq(&f, NULL, "lrt: faded estimate", "A", false);
	/* A three pending: 36.8 * 4 = 147; B 44.1 is now the cheapest, C 50 */
	lb_dest_request_start(a);
	lb_dest_request_start(a);
	lb_dest_request_start(a);
	expect_seq(&f, NULL, "lrt: pending multiply", "B", false);
	/* Weight: C 50 / 4 = 12.5 per unit */
	lb_service_edit_dest(&f.svc, c, 4, 0, 0);
	expect_seq(&f, NULL, "lrt: per weight", "C", false);
	lb_service_edit_dest(&f.svc, c, 1, 0, 0);
	expect_seq(&f, NULL, "lrt: decayed B 44.1 < C 50", "B", false);
	/* No decay with tau 0: A 100 * 4, B 30 * 4, C 50 */
	f.svc.conf.ewma_tau_ns = 0;
	expect_seq(&f, NULL, "lrt: tau 0", "C", false);
	c->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, NULL, "lrt: OVERLOAD skipped", "B", false);
	lb_service_edit_dest(&f.svc, b, 0, 0, 0);
	expect_seq(&f, NULL, "lrt: weight 0 skipped", "A", false);
	lb_service_fini(&f.svc);
}

/* ---- ring and hrw ---- */

#define HF_MAX 200000

struct flows {
	struct lb_flow_key k[HF_MAX];
	long n;
};

static struct flows *flows_new(long n, unsigned long seed)
{
	struct flows *fl = malloc(sizeof(*fl));
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(mt, seed);
	fl->n = n;
	for (long i = 0; i < n; i++) {
		fl->k[i] = key_daddr(0x0A0000FEu);
		fl->k[i].saddr.u.v4 = (uint32_t)gsl_rng_get(mt);
		fl->k[i].sport = (uint16_t)gsl_rng_uniform_int(mt, 65536);
	}
	gsl_rng_free(mt);
	return fl;
}

static void flows_map(struct fix *f, const struct flows *fl, struct lb_dest **map)
{
	for (long i = 0; i < fl->n; i++)
		map[i] = lb_service_pick(&f->svc, &fl->k[i]);
}

static void test_hash_spread(void)
{
	static const int w[4] = { 1, 2, 3, 4 };
	long nf = test_quick() ? 20000 : HF_MAX;
	struct flows *fl = flows_new(nf, 5);
	struct lb_dest **map = malloc(sizeof(*map) * (size_t)nf);
	double p[4];
	const struct lb_sched_ops *ops[2] = { &sched_hrw_ops, &sched_ring_ops };

	for (int i = 0; i < 4; i++)
		p[i] = w[i] / 10.0;
	for (int s = 0; s < 2; s++) {
		struct fix f;
		long cnt[4] = { 0 };

		fix_build(&f, LB_PROFILE_CURRENT, ops[s], NULL, false, w, 4);
		flows_map(&f, fl, map);
		for (long i = 0; i < nf; i++) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(map[i]);
			cnt[map[i]->idx]++;
		}
		if (s == 0) {
			expect_chi2("hrw weights 1:2:3:4", cnt, p, 4, nf);
		} else {
			/*
			 * A ring's shares are its arcs: with 160 points per weight
			 * unit they stray from w/W by about 1/sqrt(160 w).
			 */
			for (int i = 0; i < 4; i++) {
				double share = (double)cnt[i] / nf;

				if (fabs(share / p[i] - 1) > 0.15 || getenv("LBSIM_TEST_VERBOSE"))
					fprintf(stderr, "\nring share %c %.4f want %.4f\n", 'A' + i,
						share, p[i]);
				CU_ASSERT_TRUE(fabs(share / p[i] - 1) <= 0.15);
			}
		}
		lb_service_fini(&f.svc);
	}
	free(map);
	free(fl);
}

/*
 * Removing one of n dests: with hrw exactly the flows it had move; with the
 * ring (under its point cap) too, and they are about 1/n. Re-adding it (at
 * the list head) restores the old mapping; overloading one moves only its
 * own flows. Above the ring's cap every dest's point count changes with
 * the total weight, so a little more moves.
 */
static void disruption(const struct lb_sched_ops *ops, int weight, double lo, double hi,
		       bool exact)
{
	enum { N = 10, GONE = 3, HOT = 5 };
	long nf = test_quick() ? 20000 : 100000;
	struct flows *fl = flows_new(nf, 9);
	struct lb_dest **m0 = malloc(sizeof(*m0) * (size_t)nf);
	struct lb_dest **m1 = malloc(sizeof(*m1) * (size_t)nf);
	int w[N];
	long moved = 0, other_moved = 0, back = 0;
	struct fix f;

	for (int i = 0; i < N; i++)
		w[i] = weight;
	fix_build(&f, LB_PROFILE_CURRENT, ops, NULL, false, w, N);
	flows_map(&f, fl, m0);
	lb_service_del_dest(&f.svc, f.d[GONE]);
	flows_map(&f, fl, m1);
	for (long i = 0; i < nf; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(m1[i]);
		CU_ASSERT_PTR_NOT_EQUAL_FATAL(m1[i], f.d[GONE]);
		moved += m1[i] != m0[i];
		other_moved += m1[i] != m0[i] && m0[i] != f.d[GONE];
	}
	if ((double)moved / nf < lo || (double)moved / nf > hi || (exact && other_moved) ||
	    getenv("LBSIM_TEST_VERBOSE"))
		fprintf(stderr, "\n%s w=%d: removing 1 of %d moved %.4f (%ld of others)\n",
			ops->name, weight, N, (double)moved / nf, other_moved);
	CU_ASSERT_TRUE((double)moved / nf >= lo && (double)moved / nf <= hi);
	if (exact)
		CU_ASSERT_EQUAL(other_moved, 0);
	fix_add(&f, GONE, weight);
	flows_map(&f, fl, m1);
	for (long i = 0; i < nf; i++)
		back += m1[i] == m0[i];
	CU_ASSERT_EQUAL(back, nf);
	f.d[HOT]->flags |= LB_DEST_F_OVERLOAD;
	flows_map(&f, fl, m1);
	other_moved = 0;
	for (long i = 0; i < nf; i++) {
		CU_ASSERT_PTR_NOT_EQUAL_FATAL(m1[i], f.d[HOT]);
		other_moved += m1[i] != m0[i] && m0[i] != f.d[HOT];
	}
	CU_ASSERT_EQUAL(other_moved, 0);
	lb_service_fini(&f.svc);
	free(m0);
	free(m1);
	free(fl);
}

static void test_hash_disruption(void)
{
	disruption(&sched_hrw_ops, 1, 0.095, 0.105, true);
	disruption(&sched_ring_ops, 1, 0.08, 0.12, true);
	disruption(&sched_ring_ops, 10000, 0.08, 0.2, false);
}

static void test_hash_misc(void)
{
	const struct lb_sched_ops *ops[2] = { &sched_hrw_ops, &sched_ring_ops };

	for (int s = 0; s < 2; s++) {
		struct fix f;
		struct lb_flow_key k = key_daddr(X_DADDR);
		unsigned seen = 0;
		struct lb_dest *first;

		fix_build(&f, LB_PROFILE_CURRENT, ops[s], NULL, false,
			  (int[]){ 1, 1, 1, 1, 1, 1, 1, 1 }, 8);
		/* The source port counts only with the sh-port / mh-port flag. */
		first = lb_service_pick(&f.svc, &k);
		for (unsigned p = 0; p < 200; p++) {
			k.sport = (uint16_t)(1000 + p);
			CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, &k), first);
		}
		for (unsigned flag = 0; flag < 2; flag++) {
			f.svc.conf.flags = flag ? LB_SVC_F_MH_PORT : LB_SVC_F_SH_PORT;
			seen = 0;
			for (unsigned p = 0; p < 200; p++) {
				k.sport = (uint16_t)(1000 + p);
				seen |= 1u << lb_service_pick(&f.svc, &k)->idx;
			}
			CU_ASSERT_EQUAL(seen, 0xffu);
		}
		/* Weight 0: none of the flows. */
		lb_service_edit_dest(&f.svc, f.d[2], 0, 0, 0);
		for (unsigned p = 0; p < 2000; p++) {
			k.sport = (uint16_t)p;
			CU_ASSERT_PTR_NOT_EQUAL(lb_service_pick(&f.svc, &k), f.d[2]);
		}
		lb_service_fini(&f.svc);
	}
	/* hrw: a new dest takes flows only for itself. */
	{
		long nf = test_quick() ? 20000 : 100000, stolen = 0, wrong = 0;
		struct flows *fl = flows_new(nf, 11);
		struct lb_dest **m0 = malloc(sizeof(*m0) * (size_t)nf);
		struct lb_dest **m1 = malloc(sizeof(*m1) * (size_t)nf);
		struct fix f;

		fix_build(&f, LB_PROFILE_CURRENT, &sched_hrw_ops, NULL, false,
			  (int[]){ 2, 2, 2, 2 }, 4);
		flows_map(&f, fl, m0);
		fix_add(&f, 4, 2);
		flows_map(&f, fl, m1);
		for (long i = 0; i < nf; i++) {
			stolen += m1[i] == f.d[4];
			wrong += m1[i] != m0[i] && m1[i] != f.d[4];
		}
		CU_ASSERT_EQUAL(wrong, 0);
		CU_ASSERT_TRUE(fabs((double)stolen / nf - 0.2) < 0.01);
		lb_service_fini(&f.svc);
		free(m0);
		free(m1);
		free(fl);
	}
}

/* ---- random, wrandom ---- */

static void rand_spread(const struct lb_sched_ops *ops, const int *w, unsigned n,
			unsigned overloaded, const double *p, const char *label)
{
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	long picks = test_quick() ? 20000 : 200000;
	long cnt[MAXD] = { 0 }, c2[MAXD];
	double p2[MAXD];
	unsigned m = 0;
	struct fix f;

	gsl_rng_set(mt, 4242);
	fix_build(&f, LB_PROFILE_CURRENT, ops, mt, false, w, n);
	for (unsigned i = 0; i < n; i++)
		if (overloaded & (1u << i))
			f.d[i]->flags |= LB_DEST_F_OVERLOAD;
	for (long k = 0; k < picks; k++) {
		struct lb_dest *d = lb_service_pick(&f.svc, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		cnt[d->idx]++;
	}
	/* dests with share 0 must get nothing; the rest go to the chi-square */
	for (unsigned i = 0; i < n; i++) {
		if (p[i] == 0) {
			CU_ASSERT_EQUAL(cnt[i], 0);
			continue;
		}
		c2[m] = cnt[i];
		p2[m++] = p[i];
	}
	expect_chi2(label, c2, p2, m, picks);
	lb_service_fini(&f.svc);
	gsl_rng_free(mt);
}

static void test_random(void)
{
	static const int w[5] = { 1, 2, 3, 4, 0 };

	rand_spread(&sched_random_ops, w, 5, 0, (double[]){ .25, .25, .25, .25, 0 },
		    "random ignores weights");
	rand_spread(&sched_random_ops, w, 5, 0x2, (double[]){ 1 / 3., 0, 1 / 3., 1 / 3., 0 },
		    "random skips OVERLOAD");
	rand_spread(&sched_wrandom_ops, w, 5, 0, (double[]){ .1, .2, .3, .4, 0 },
		    "wrandom by weight");
	rand_spread(&sched_wrandom_ops, w, 5, 0x8, (double[]){ 1 / 6., 2 / 6., 3 / 6., 0, 0 },
		    "wrandom skips OVERLOAD");
	rand_spread(&sched_wrandom_ops, (int[]){ 1, 2, 3, 4, 2 }, 5, 0,
		    (double[]){ 1 / 12., 2 / 12., 3 / 12., 4 / 12., 2 / 12. },
		    "wrandom by weight, unequal");
	/* Nearly all weight overloaded: the exact fallback draw. */
	rand_spread(&sched_wrandom_ops, (int[]){ 100000, 1, 2 }, 3, 0x1,
		    (double[]){ 0, 1 / 3., 2 / 3. }, "wrandom fallback");
	rand_spread(&sched_wrandom_ops, (int[]){ 3, 3, 3 }, 3, 0,
		    (double[]){ 1 / 3., 1 / 3., 1 / 3. }, "wrandom equal weights");
}

/* ---- podnr ---- */

/* Draws without replacement never repeat, and follow the remaining weights. */
static void test_wsample_excl(void)
{
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	long draws = test_quick() ? 20000 : 200000;
	bool ok = true;

	gsl_rng_set(mt, 99);
	for (int eq = 0; eq < 2; eq++) {
		const int *w = eq ? (int[]){ 2, 2, 2, 2, 2, 2, 2 } : (int[]){ 1, 2, 3, 4, 5, 6, 7 };
		static const unsigned excl[2] = { 1, 3 };
		struct wsample ws = { .dirty = true };
		struct fix f;
		long cnt[7] = { 0 }, c2[5];
		double p2[5], rest = 0;
		unsigned m = 0;

		fix_build(&f, LB_PROFILE_CURRENT, &sched_jsq_ops, NULL, false, w, 7);
		wsample_refresh(&ws, &f.svc);
		CU_ASSERT_EQUAL_FATAL(ws.n, 7);
		for (long k = 0; k < draws; k++)
			cnt[wsample_draw_excluding(&ws, mt, excl, 2)]++;
		CU_ASSERT_TRUE(cnt[1] == 0 && cnt[3] == 0);
		for (unsigned i = 0; i < 7; i++)
			if (i != 1 && i != 3)
				rest += w[i];
		for (unsigned i = 0; i < 7; i++) {
			if (i == 1 || i == 3)
				continue;
			c2[m] = cnt[i];
			p2[m++] = w[i] / rest;
		}
		expect_chi2(eq ? "wsample excluding, equal" : "wsample excluding", c2, p2, 5,
			    draws);
		/* Random exclusion sets: never an excluded index. */
		for (long k = 0; ok && k < draws / 10; k++) {
			unsigned ex[6], ne = 0, got;

			for (unsigned i = 0; i < 7; i++)
				if (gsl_rng_uniform_int(mt, 2) && ne < 6)
					ex[ne++] = i;
			got = wsample_draw_excluding(&ws, mt, ex, ne);
			for (unsigned i = 0; i < ne; i++)
				ok = ok && got != ex[i];
			ok = ok && got < 7;
		}
		wsample_fini(&ws);
		lb_service_fini(&f.svc);
	}
	CU_ASSERT_TRUE(ok);
	gsl_rng_free(mt);
}

/* The least loaded by (active + 1) / weight, first on ties. */
static struct lb_dest *naive_pod_min(const struct lb_service *svc)
{
	struct lb_dest *m = NULL;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		if (!m || ((int64_t)d->activeconns + 1) * m->weight <
				  ((int64_t)m->activeconns + 1) * d->weight)
			m = d;
	}
	return m;
}

static void test_podnr(void)
{
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	long picks = test_quick() ? 4000 : 40000, cnt[4] = { 0 }, pod_worst = 0;
	struct fix f;
	bool ok = true;

	gsl_rng_set(mt, 31337);
	/* Loads A 3, B 0, C 1, D 2; d = 3 distinct: never A or D, B 3/4 of the time. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_podnr_ops, mt, false, (int[]){ 1, 1, 1, 1 }, 4);
	fix_conns(&f, 0, 3, 0);
	fix_conns(&f, 2, 1, 0);
	fix_conns(&f, 3, 2, 0);
	f.svc.conf.d = 3;
	for (long k = 0; k < picks; k++)
		cnt[lb_service_pick(&f.svc, NULL)->idx]++;
	CU_ASSERT_TRUE(cnt[0] == 0 && cnt[3] == 0);
	expect_chi2("podnr d=3 of 4", (long[]){ cnt[1], cnt[2] }, (double[]){ .75, .25 }, 2,
		    picks);
	/* pod, with replacement, does sometimes compare A with itself */
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f.svc, &sched_pod_ops), 0);
	for (long k = 0; k < picks; k++)
		pod_worst += lb_service_pick(&f.svc, NULL) == f.d[0];
	CU_ASSERT_TRUE(pod_worst > 0);
	lb_service_fini(&f.svc);

	/* d >= eligible: the exact minimum, on random loads and weights. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_podnr_ops, mt, false,
		  (int[]){ 1, 2, 3, 1, 0, 2 }, 6);
	f.svc.conf.d = 5;
	for (long k = 0; ok && k < picks; k++) {
		unsigned i = (unsigned)gsl_rng_uniform_int(mt, 6);
		struct lb_dest *got, *want;

		if (gsl_rng_uniform_int(mt, 2) || f.d[i]->activeconns == 0)
			lb_dest_conn_bind(f.d[i], true);
		else
			lb_dest_conn_unbind(f.d[i], true);
		if (gsl_rng_uniform_int(mt, 10) == 0)
			f.d[i]->flags ^= LB_DEST_F_OVERLOAD;
		got = lb_service_pick(&f.svc, NULL);
		want = naive_pod_min(&f.svc);
		if (got != want) {
			fprintf(stderr, "\npodnr d=n step %ld: got %c want %c\n", k,
				fix_name(&f, got), fix_name(&f, want));
			ok = false;
		}
	}
	CU_ASSERT_TRUE(ok);
	lb_service_fini(&f.svc);

	/* All but one OVERLOAD, d = 2 of 6: always that one, heavy weights too. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_podnr_ops, mt, false,
		  (int[]){ 1000, 1000, 1, 1000, 1000, 1000 }, 6);
	for (unsigned i = 0; i < 6; i++)
		if (i != 2)
			f.d[i]->flags |= LB_DEST_F_OVERLOAD;
	for (long k = 0; k < picks / 10; k++)
		CU_ASSERT_PTR_EQUAL(lb_service_pick(&f.svc, NULL), f.d[2]);
	f.d[2]->flags |= LB_DEST_F_OVERLOAD;
	CU_ASSERT_PTR_NULL(lb_service_pick(&f.svc, NULL));
	lb_service_fini(&f.svc);
	gsl_rng_free(mt);
}

/* ---- no destination, every scheduler of this suite ---- */

static void test_no_dest(void)
{
	const struct lb_sched_ops *ops[] = {
		&sched_lblc_ops, &sched_lblcr_ops, &sched_podnr_ops, &sched_jsq_ops,
		&sched_lrt_ops,	 &sched_ring_ops,  &sched_hrw_ops,   &sched_random_ops,
		&sched_wrandom_ops,
	};
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	struct lb_flow_key k = key_daddr(X_DADDR);

	for (size_t s = 0; s < sizeof(ops) / sizeof(ops[0]); s++) {
		struct fix f;

		fix_init(&f, LB_PROFILE_CURRENT, mt, true);
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f.svc, ops[s]), 0);
		expect_seq(&f, &k, "empty", "- -", false);
		fix_add(&f, 0, 0);
		fix_add(&f, 1, 0);
		expect_seq(&f, &k, "all weight 0", "- -", false);
		lb_service_edit_dest(&f.svc, f.d[0], 3, 0, 0);
		lb_service_edit_dest(&f.svc, f.d[1], 1, 0, 0);
		f.d[0]->flags |= LB_DEST_F_OVERLOAD;
		f.d[1]->flags |= LB_DEST_F_OVERLOAD;
		expect_seq(&f, &k, "all overloaded", "- -", false);
		f.d[0]->flags &= ~LB_DEST_F_OVERLOAD;
		expect_seq(&f, &k, "one usable", "A A A", false);
		lb_service_del_dest(&f.svc, f.d[0]);
		expect_seq(&f, &k, "usable one deleted", "- -", false);
		lb_service_fini(&f.svc);

		/* init without an rng: the random ones refuse, the rest do not care */
		fix_init(&f, LB_PROFILE_CURRENT, NULL, false);
		CU_ASSERT_EQUAL(lb_service_set_sched(&f.svc, ops[s]),
				ops[s]->flags & LB_SCHED_F_RANDOM ? -EINVAL : 0);
		lb_service_fini(&f.svc);
	}
	gsl_rng_free(mt);
}

int test_sched_extra_register(void)
{
	CU_pSuite s = CU_add_suite("sched_extra", NULL, NULL);

	if (!s || !CU_add_test(s, "registry", test_registry) ||
	    !CU_add_test(s, "lbl_vectors", test_lbl_vectors) ||
	    !CU_add_test(s, "lblc_rules", test_lblc_rules) ||
	    !CU_add_test(s, "lblcr_rules", test_lblcr_rules) ||
	    !CU_add_test(s, "lbl_expiry", test_lbl_expiry) ||
	    !CU_add_test(s, "lblcr_prune", test_lblcr_prune) ||
	    !CU_add_test(s, "lbl_partial_gc", test_lbl_partial_gc) ||
	    !CU_add_test(s, "lbl_cap", test_lbl_cap) ||
	    !CU_add_test(s, "lbl_diff", test_lbl_diff) ||
	    !CU_add_test(s, "request_accounting", test_request_accounting) ||
	    !CU_add_test(s, "jsq_diff", test_jsq_diff) ||
	    !CU_add_test(s, "lrt", test_lrt) ||
	    !CU_add_test(s, "hash_spread", test_hash_spread) ||
	    !CU_add_test(s, "hash_disruption", test_hash_disruption) ||
	    !CU_add_test(s, "hash_misc", test_hash_misc) ||
	    !CU_add_test(s, "random", test_random) ||
	    !CU_add_test(s, "wsample_excl", test_wsample_excl) ||
	    !CU_add_test(s, "podnr", test_podnr) ||
	    !CU_add_test(s, "no_dest", test_no_dest))
		return CU_get_error();
	return CUE_SUCCESS;
}
