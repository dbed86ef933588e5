/*
 * tests/unit/test_sched_vectors.c - suite "sched_vectors": the decision
 * vectors of spec/ipvs-schedulers.md section 9 for rr, wrr, lc, wlc and
 * twos, "no destination" cases, the pod scheduler's sampling rule and
 * spread, and replays of the reference-model sequences in tests/data.
 *
 * Run by lbsim-test from the repository root; about 0.1 s (pod's
 * statistical tests dominate; they shrink in quick mode).
 *
 * twos draws are scripted with a custom gsl_rng type (test_rng_type below):
 * its get() returns queued raw values, and since gsl_rng_uniform_int(r, n)
 * returns raw / (range / n) for a generator with min 0, queuing
 * r * (range / n) makes the scheduler draw exactly r.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "tests/sched_fix.h"
#include "tests/test.h"

#define MAXD 16

/* A service whose dests are named 'A', 'B', ... by list position at build time. */
struct fix {
	struct lb_service svc;
	struct lb_dest *d[MAXD];
	unsigned n;
};

static void fix_init(struct fix *f, enum lb_profile profile, const struct lb_sched_ops *ops,
		     gsl_rng *rng)
{
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->svc, profile);
	f->svc.rng = rng;
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f->svc, ops), 0);
}

/* Adds dest name ('A' + i) as 10.0.0.(i+1):80 at the list head. */
static struct lb_dest *fix_add(struct fix *f, unsigned i, int w)
{
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + i };
	int rc = lb_service_add_dest(&f->svc, &a, 80, w, 0, 0, &f->d[i]);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (i >= f->n)
		f->n = i + 1;
	return f->d[i];
}

/*
 * Builds list order A, B, C, ... with the given weights (adds in reverse),
 * then sets the scheduler, so that its init sees the whole list: the spec's
 * "fresh service" (for wrr, cw starts at mw; adding dests one by one to a
 * running wrr starts from the first dest's weight instead, see V-WRR-2).
 */
static void fix_build(struct fix *f, enum lb_profile profile, const struct lb_sched_ops *ops,
		      gsl_rng *rng, const int *w, unsigned n)
{
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->svc, profile);
	f->svc.rng = rng;
	for (unsigned i = n; i-- > 0;)
		fix_add(f, i, w[i]);
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f->svc, ops), 0);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_PTR_EQUAL_FATAL(f->svc.dests[i], f->d[i]);
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

/* Picks along want ("A B -"); bump: each picked dest gets one more active conn. */
static void expect_seq(struct fix *f, const char *label, const char *want, bool bump)
{
	sched_fix_expect_seq(&f->svc, f->d, f->n, NULL, label, want, bump);
}

static void test_registry(void)
{
	unsigned n = 0;
	static const char *const names[] = { "rr", "wrr", "lc", "wlc", "twos", "pod" };

	for (const struct lb_sched_ops *o; (o = lb_sched_at(n)); n++) {
		CU_ASSERT_PTR_NOT_NULL(o->pick);
		CU_ASSERT_PTR_NOT_NULL(o->summary);
		CU_ASSERT_PTR_EQUAL(lb_sched_find(o->name), o);
	}
	CU_ASSERT_TRUE(n >= 6); /* other suites check the schedulers added since */
	for (unsigned i = 0; i < 6; i++)
		CU_ASSERT_PTR_NOT_NULL(lb_sched_find(names[i]));
	CU_ASSERT_PTR_EQUAL(lb_sched_find("wlc"), &sched_wlc_ops);
	CU_ASSERT_PTR_NULL(lb_sched_find("WLC"));
	CU_ASSERT_PTR_NULL(lb_sched_find("wl"));
	CU_ASSERT_PTR_NULL(lb_sched_find(""));
	CU_ASSERT_PTR_NULL(lb_sched_find(NULL));
	CU_ASSERT_TRUE(sched_twos_ops.flags & LB_SCHED_F_KERNEL);
	CU_ASSERT_TRUE(sched_twos_ops.flags & LB_SCHED_F_RANDOM);
	CU_ASSERT_FALSE(sched_pod_ops.flags & LB_SCHED_F_KERNEL);
	CU_ASSERT_TRUE(sched_pod_ops.flags & LB_SCHED_F_RANDOM);
}

/* V-RR-1 */
static void test_rr(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_rr_ops, NULL, (int[]){ 1, 1, 1 }, 3);
	expect_seq(&f, "V-RR-1 start", "A B C A B C A", false);
	lb_service_edit_dest(&f.svc, f.d[1], 0, 0, 0);
	expect_seq(&f, "V-RR-1 B quiesced", "C A C A", false);
	lb_service_edit_dest(&f.svc, f.d[1], 1, 0, 0);
	fix_add(&f, 3, 1); /* D at the head: D, A, B, C */
	expect_seq(&f, "V-RR-1 D added", "B C D A B C", false);
	lb_service_del_dest(&f.svc, f.d[2]); /* C, the cursor */
	expect_seq(&f, "V-RR-1 cursor C deleted", "D A B D", false);
	/* Deleting the head while it is the cursor: the cursor goes to head. */
	lb_service_del_dest(&f.svc, f.d[3]); /* D: list A, B */
	expect_seq(&f, "rr head cursor deleted", "A B A", false);
	/* Overloaded dests are skipped; all unusable: none, cursor kept. */
	f.d[1]->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, "rr B overloaded", "A A", false);
	lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
	expect_seq(&f, "rr none usable", "- -", false);
	f.d[1]->flags &= ~LB_DEST_F_OVERLOAD;
	expect_seq(&f, "rr B back", "B B", false);
	lb_service_fini(&f.svc);
}

/* V-WRR-1 .. V-WRR-5 */
static void test_wrr(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL, (int[]){ 4, 3, 2 }, 3);
	expect_seq(&f, "V-WRR-1", "A A B A B C A B C A A B A B C A B C", false);
	lb_service_fini(&f.svc);

	/*
	 * V-WRR-2: added A, B, C, so the list is C, B, A; the spec's sequence
	 * is wrr initialised over that list. Adding the same dests one by one
	 * to a running wrr differs: the first add (A, 4) makes di = 4, mw = 1,
	 * cw = 1, and later adds keep cw = 1 (the reference model agrees).
	 */
	memset(&f, 0, sizeof(f));
	lb_service_init(&f.svc, LB_PROFILE_CURRENT);
	fix_add(&f, 0, 4);
	fix_add(&f, 1, 3);
	fix_add(&f, 2, 2);
	CU_ASSERT_EQUAL(lb_service_set_sched(&f.svc, &sched_wrr_ops), 0);
	expect_seq(&f, "V-WRR-2", "A B A C B A C B A", false);
	lb_service_fini(&f.svc);
	fix_init(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL);
	fix_add(&f, 0, 4);
	fix_add(&f, 1, 3);
	fix_add(&f, 2, 2);
	expect_seq(&f, "wrr incremental adds", "C B A A B A C B A", false);
	lb_service_fini(&f.svc);

	fix_build(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL, (int[]){ 4, 2, 2 }, 3);
	expect_seq(&f, "V-WRR-3", "A A B C A A B C A A B C", false);
	lb_service_fini(&f.svc);

	fix_build(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL, (int[]){ 4, 3, 2 }, 3);
	expect_seq(&f, "V-WRR-4 first", "A A B A", false);
	lb_service_edit_dest(&f.svc, f.d[2], 0, 0, 0);
	expect_seq(&f, "V-WRR-4 C quiesced", "A B A B A A B A B A", false);
	lb_service_fini(&f.svc);

	fix_build(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL, (int[]){ 2, 1 }, 2);
	expect_seq(&f, "V-WRR-5", "A A B A A B", false);
	f.d[0]->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, "V-WRR-5 A overloaded", "B B B B", false);
	f.d[1]->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, "V-WRR-5 all overloaded", "- -", false);
	lb_service_fini(&f.svc);

	/* All weights 0: mw == 0, no dest. */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL, (int[]){ 0, 0 }, 2);
	expect_seq(&f, "wrr all quiesced", "- -", false);
	lb_service_edit_dest(&f.svc, f.d[1], 1, 0, 0);
	expect_seq(&f, "wrr B back", "B B", false);
	lb_service_fini(&f.svc);
}

/* V-LC-1 and V-WLC-3 under lc. */
static void test_lc(void)
{
	struct fix f;

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		fix_build(&f, p, &sched_lc_ops, NULL, (int[]){ 1, 1, 1 }, 3);
		fix_conns(&f, 0, 1, 10);
		fix_conns(&f, 1, 0, 300);
		fix_conns(&f, 2, 1, 5);
		expect_seq(&f, p ? "V-LC-1 legacy" : "V-LC-1 current", "C", false);
		/* weight 0 and OVERLOAD are skipped; the weight value is not used */
		lb_service_edit_dest(&f.svc, f.d[2], 0, 0, 0);
		lb_service_edit_dest(&f.svc, f.d[0], 100, 0, 0);
		expect_seq(&f, "lc C quiesced", "A", false);
		f.d[0]->flags |= LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(f.d[0]); /* lc is indexed: announce direct writes */
		expect_seq(&f, "lc A overloaded", "B", false);
		f.d[1]->flags |= LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(f.d[1]);
		expect_seq(&f, "lc none", "-", false);
		lb_service_fini(&f.svc);

		fix_build(&f, p, &sched_lc_ops, NULL, (int[]){ 1, 1 }, 2);
		fix_conns(&f, 0, 1, 0);
		fix_conns(&f, 1, 0, 256);
		expect_seq(&f, "V-WLC-3 under lc", p == LB_PROFILE_LEGACY ? "A" : "B", false);
		lb_service_fini(&f.svc);
	}
}

/* V-WLC-1 .. V-WLC-4 */
static void test_wlc(void)
{
	struct fix f;

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		fix_build(&f, p, &sched_wlc_ops, NULL, (int[]){ 1, 2, 3 }, 3);
		fix_conns(&f, 0, 2, 0);
		fix_conns(&f, 1, 4, 0);
		fix_conns(&f, 2, 6, 3);
		expect_seq(&f, "V-WLC-1", "A", false);
		lb_service_fini(&f.svc);

		/* V-WLC-2: Z(w0), O(w5, OVERLOAD), A(w2, 3 active), B(w1, 1 active). */
		fix_build(&f, p, &sched_wlc_ops, NULL, (int[]){ 0, 5, 2, 1 }, 4);
		f.d[1]->flags |= LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(f.d[1]);
		fix_conns(&f, 2, 3, 0);
		fix_conns(&f, 3, 1, 0);
		expect_seq(&f, "V-WLC-2", "D", false);
		lb_service_fini(&f.svc);

		fix_build(&f, p, &sched_wlc_ops, NULL, (int[]){ 1, 1 }, 2);
		fix_conns(&f, 0, 1, 0);
		fix_conns(&f, 1, 0, 256);
		expect_seq(&f, "V-WLC-3", p == LB_PROFILE_LEGACY ? "A" : "B", false);
		lb_service_fini(&f.svc);

		fix_build(&f, p, &sched_wlc_ops, NULL, (int[]){ 4, 3, 2 }, 3);
		expect_seq(&f, "V-WLC-4", "A B C A B A C B A", true);
		lb_service_fini(&f.svc);

		/* A later weight-0 dest is not re-checked but can never win. */
		fix_build(&f, p, &sched_wlc_ops, NULL, (int[]){ 1, 0 }, 2);
		fix_conns(&f, 0, 50, 0);
		expect_seq(&f, "wlc weight 0 later", "A", false);
		lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
		expect_seq(&f, "wlc all quiesced", "-", false);
		lb_service_fini(&f.svc);
	}
}

/* ---- scripted gsl_rng ---- */

struct script_state {
	unsigned long v[64];
	unsigned n, pos;
};

static void script_set(void *state, unsigned long seed)
{
	memset(state, 0, sizeof(struct script_state));
}

static unsigned long script_get(void *state)
{
	struct script_state *s = state;

	CU_ASSERT_FATAL(s->pos < s->n);
	return s->v[s->pos++];
}

static double script_get_double(void *state)
{
	return (double)script_get(state) / 4294967296.0;
}

static const gsl_rng_type test_rng_type = {
	.name = "lbsim-test-script",
	.max = 0xffffffffUL,
	.min = 0,
	.size = sizeof(struct script_state),
	.set = script_set,
	.get = script_get,
	.get_double = script_get_double,
};

/* Queue a draw of r from [0, n). */
static void script_push(gsl_rng *rng, unsigned long r, unsigned long n)
{
	struct script_state *s = rng->state;

	s->v[s->n++] = r * (0xffffffffUL / n);
}

static bool script_drained(const gsl_rng *rng)
{
	const struct script_state *s = rng->state;

	return s->pos == s->n;
}

/* V-TWOS-1 */
static void test_twos(void)
{
	static const struct {
		unsigned r1, r2;
		char want;
	} v[] = { { 0, 4, 'A' }, { 1, 2, 'A' }, { 3, 4, 'C' }, { 2, 2, 'B' } };
	gsl_rng *rng = gsl_rng_alloc(&test_rng_type);
	struct fix f;

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		fix_build(&f, p, &sched_twos_ops, rng, (int[]){ 1, 2, 1 }, 3);
		fix_conns(&f, 1, 1, 0);
		fix_conns(&f, 2, 0, 3);
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			char want[2] = { v[i].want, 0 };

			script_push(rng, v[i].r1, 5);
			script_push(rng, v[i].r2, 5);
			expect_seq(&f, "V-TWOS-1", want, false);
			CU_ASSERT_TRUE(script_drained(rng));
		}
		/* Ineligible dests are not part of W nor of the walk: A quiesced,
		 * W = 3, r1 = 0 lands on B (r <= 0 at the first eligible). */
		lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
		script_push(rng, 0, 4);
		script_push(rng, 0, 4);
		expect_seq(&f, "twos A quiesced", "B", false);
		script_push(rng, 3, 4);
		script_push(rng, 2, 4);
		expect_seq(&f, "twos A quiesced 2", "C", false);
		/* None eligible: no draw at all. */
		lb_service_edit_dest(&f.svc, f.d[1], 0, 0, 0);
		f.d[2]->flags |= LB_DEST_F_OVERLOAD;
		expect_seq(&f, "twos none", "-", false);
		CU_ASSERT_TRUE(script_drained(rng));
		lb_service_fini(&f.svc);
	}

	/*
	 * The kernel's 32-bit products wrap: A (w 1, 1 active: legacy overhead
	 * 256) and B (w 2^24, idle). r1 = 0 gives c1 = A, r2 = 2 gives c2 = B;
	 * w2*o1 = 2^24 * 256 = 2^32 wraps to 0, which is not > w1*o2 = 0, so
	 * the busy A is returned where exact arithmetic would return B.
	 */
	fix_build(&f, LB_PROFILE_LEGACY, &sched_twos_ops, rng, (int[]){ 1, 1 << 24 }, 2);
	fix_conns(&f, 0, 1, 0);
	script_push(rng, 0, (1u << 24) + 2);
	script_push(rng, 2, (1u << 24) + 2);
	expect_seq(&f, "twos 32-bit wrap", "A", false);
	lb_service_fini(&f.svc);

	fix_init(&f, LB_PROFILE_CURRENT, &sched_wrr_ops, NULL);
	CU_ASSERT_EQUAL(lb_service_set_sched(&f.svc, &sched_twos_ops), -EINVAL); /* no rng */
	CU_ASSERT_EQUAL(lb_service_set_sched(&f.svc, &sched_pod_ops), -EINVAL);
	CU_ASSERT_PTR_NULL(f.svc.sched);
	CU_ASSERT_PTR_NULL(lb_service_pick(&f.svc, NULL));
	lb_service_fini(&f.svc);
	gsl_rng_free(rng);
}

/* Every scheduler: empty service, all quiesced, all overloaded. */
static void test_no_dest(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	const struct lb_sched_ops *o;
	struct fix f;

	for (unsigned i = 0; (o = lb_sched_at(i)); i++) {
		fix_init(&f, LB_PROFILE_CURRENT, o, rng);
		expect_seq(&f, "empty", "- -", false);
		fix_add(&f, 0, 0);
		fix_add(&f, 1, 0);
		expect_seq(&f, "all weight 0", "- -", false);
		lb_service_edit_dest(&f.svc, f.d[0], 3, 0, 0);
		lb_service_edit_dest(&f.svc, f.d[1], 1, 0, 0);
		f.d[0]->flags |= LB_DEST_F_OVERLOAD;
		f.d[1]->flags |= LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(f.d[0]); /* indexed schedulers see direct writes so */
		lb_dest_load_changed(f.d[1]);
		expect_seq(&f, "all overloaded", "- -", false);
		f.d[0]->flags &= ~LB_DEST_F_OVERLOAD;
		lb_dest_load_changed(f.d[0]);
		/* a key hash may land on the unusable dest (and needs a key): sched_kernel */
		if (!(o->flags & LB_SCHED_F_HASH))
			expect_seq(&f, "one usable", "A A A", false);
		lb_service_del_dest(&f.svc, f.d[0]);
		expect_seq(&f, "usable one deleted", "- -", false);
		lb_service_fini(&f.svc);
	}
	gsl_rng_free(rng);
}

/* pod, d = 2, equal weights: scripted samples, then random ones checked by a clone. */
static void test_pod_choice(void)
{
	gsl_rng *rng = gsl_rng_alloc(&test_rng_type);
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	struct fix f;
	int rounds = test_quick() ? 2000 : 20000;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_pod_ops, rng, (int[]){ 1, 1, 1, 1, 1 }, 5);
	CU_ASSERT_EQUAL(f.svc.conf.d, 2);
	fix_conns(&f, 0, 3, 0);
	fix_conns(&f, 1, 1, 100); /* inactive connections do not count */
	fix_conns(&f, 2, 2, 0);
	fix_conns(&f, 4, 1, 0);
	script_push(rng, 0, 5);
	script_push(rng, 2, 5);
	expect_seq(&f, "pod A vs C", "C", false);
	script_push(rng, 1, 5);
	script_push(rng, 4, 5);
	expect_seq(&f, "pod tie B vs E: first sample", "B", false);
	script_push(rng, 4, 5);
	script_push(rng, 1, 5);
	expect_seq(&f, "pod tie E vs B: first sample", "E", false);
	script_push(rng, 3, 5);
	script_push(rng, 3, 5);
	expect_seq(&f, "pod same sample twice", "D", false);
	/* An overloaded sample is redrawn. */
	f.d[3]->flags |= LB_DEST_F_OVERLOAD;
	script_push(rng, 3, 5);
	script_push(rng, 0, 5);
	script_push(rng, 3, 5);
	script_push(rng, 3, 5);
	script_push(rng, 2, 5);
	expect_seq(&f, "pod redraw", "C", false);
	CU_ASSERT_TRUE(script_drained(rng));
	/* d = 3 */
	f.svc.conf.d = 3;
	script_push(rng, 0, 5);
	script_push(rng, 2, 5);
	script_push(rng, 4, 5);
	expect_seq(&f, "pod d=3", "E", false);
	/* weight 0 is not a candidate: 4 candidates A B C E */
	f.svc.conf.d = 0; /* means 2 */
	lb_service_edit_dest(&f.svc, f.d[3], 0, 0, 0);
	script_push(rng, 3, 4);
	script_push(rng, 0, 4);
	expect_seq(&f, "pod weight 0 skipped", "E", false);
	CU_ASSERT_TRUE(script_drained(rng));
	lb_service_fini(&f.svc);

	/* Random loads: the pick is always the less loaded of the two samples. */
	gsl_rng_set(mt, 7);
	fix_build(&f, LB_PROFILE_CURRENT, &sched_pod_ops, mt, (int[]){ 1, 1, 1, 1, 1, 1, 1 }, 7);
	for (int k = 0; k < rounds; k++) {
		gsl_rng *c = gsl_rng_clone(mt);
		struct lb_dest *s1 = f.svc.dests[gsl_rng_uniform_int(c, 7)];
		struct lb_dest *s2 = f.svc.dests[gsl_rng_uniform_int(c, 7)];
		struct lb_dest *want = s2->activeconns < s1->activeconns ? s2 : s1;
		struct lb_dest *got = lb_service_pick(&f.svc, NULL);

		gsl_rng_free(c);
		if (got != want) {
			fprintf(stderr, "\npod round %d: samples %c(%d) %c(%d), got %c\n", k,
				fix_name(&f, s1), s1->activeconns, fix_name(&f, s2),
				s2->activeconns, fix_name(&f, got));
			CU_FAIL("pod did not join the shorter sampled queue");
			break;
		}
		lb_dest_conn_bind(got, true);
		/* random departures keep the loads moving */
		for (unsigned i = 0; i < 7; i++)
			if (f.d[i]->activeconns > 0 && gsl_rng_uniform(mt) < 0.1)
				lb_dest_conn_unbind(f.d[i], true);
	}
	lb_service_fini(&f.svc);
	gsl_rng_free(mt);
	gsl_rng_free(rng);
}

/* Chi-square of pick counts against expected shares; p < 0.001 fails. */
static void pod_spread(const int *w, unsigned n, double crit, const char *label)
{
	gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
	struct fix f;
	long cnt[MAXD] = { 0 }, picks = test_quick() ? 20000 : 200000;
	double total_w = 0, chi2 = 0;

	gsl_rng_set(mt, 12345);
	fix_build(&f, LB_PROFILE_CURRENT, &sched_pod_ops, mt, w, n);
	f.svc.conf.d = 1;
	for (long k = 0; k < picks; k++) {
		struct lb_dest *d = lb_service_pick(&f.svc, NULL);

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		cnt[d->idx]++;
	}
	for (unsigned i = 0; i < n; i++)
		total_w += w[i];
	for (unsigned i = 0; i < n; i++) {
		double e = picks * w[i] / total_w;

		chi2 += (cnt[i] - e) * (cnt[i] - e) / e;
	}
	if (chi2 > crit) {
		fprintf(stderr, "\n%s: chi2 %.2f > %.2f; counts", label, chi2, crit);
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, " %ld", cnt[i]);
		fprintf(stderr, "\n");
	}
	CU_ASSERT_TRUE(chi2 <= crit);
	lb_service_fini(&f.svc);
	gsl_rng_free(mt);
}

static void test_pod_spread(void)
{
	/* 99.9 % quantiles of chi-square with 9 and 3 degrees of freedom. */
	pod_spread((int[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 10, 27.88, "pod d=1 uniform");
	pod_spread((int[]){ 1, 2, 3, 4 }, 4, 16.27, "pod d=1 weighted");
}

/* ---- reference-model replays (tests/data/refmodel_*.txt) ---- */

/* One "pick" token: the real pick must be want ("Dn" or "-"). */
static bool replay_pick(struct fix *f, const char *want, const char *path, unsigned lineno,
			long nth)
{
	struct lb_dest *d = lb_service_pick(&f->svc, NULL);
	char got[16] = "-";

	if (d)
		snprintf(got, sizeof(got), "D%u", (unsigned)(d->addr.u.v4 - 0x0A000001u));
	if (!strcmp(got, want))
		return true;
	fprintf(stderr, "\n%s:%u: %s pick %ld: want %s, got %s\n", path, lineno,
		f->svc.sched->name, nth, want, got);
	return false;
}

static void replay_file(const char *name)
{
	char path[256], line[4096], sched[32] = "";
	struct fix f;
	FILE *fp;
	unsigned lineno = 0;
	long picks = 0;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "\ncannot open %s (run tests from the repository root)\n", path);
		CU_FAIL_FATAL("missing test data");
	}
	memset(&f, 0, sizeof(f));
	while (ok && fgets(line, sizeof(line), fp)) {
		char *save = NULL, *op, *arg;
		unsigned idx = 0;
		int w;

		lineno++;
		op = strtok_r(line, " \t\n", &save);
		if (!op || op[0] == '#')
			continue;
		if (!strcmp(op, "sched")) {
			arg = strtok_r(NULL, " \t\n", &save);
			snprintf(sched, sizeof(sched), "%s", arg ? arg : "");
			fix_init(&f, LB_PROFILE_CURRENT, lb_sched_find(sched), NULL);
			f.n = MAXD;
			continue;
		}
		if (!strcmp(op, "pick")) {
			while (ok && (arg = strtok_r(NULL, " \t\n", &save)))
				ok = replay_pick(&f, arg, path, lineno, ++picks);
			continue;
		}
		arg = strtok_r(NULL, " \t\n", &save);
		if (!arg || sscanf(arg, "D%u", &idx) != 1 || idx >= MAXD || !f.svc.sched ||
		    (strcmp(op, "add") && !f.d[idx])) {
			fprintf(stderr, "\n%s:%u: bad line\n", path, lineno);
			ok = false;
			break;
		}
		arg = strtok_r(NULL, " \t\n", &save);
		w = arg ? atoi(arg) : 0;
		if (!strcmp(op, "add")) {
			struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + idx };

			ok = lb_service_add_dest(&f.svc, &a, 80, w, 0, 0, &f.d[idx]) == 0;
			/* The model re-adds a fresh dest; a revived one may still carry
			 * the flag the test set by hand before deleting it. */
			f.d[idx]->flags &= ~LB_DEST_F_OVERLOAD;
		} else if (!strcmp(op, "edit")) {
			ok = lb_service_edit_dest(&f.svc, f.d[idx], w, 0, 0) == 0;
		} else if (!strcmp(op, "del")) {
			ok = lb_service_del_dest(&f.svc, f.d[idx]) == 0;
		} else if (!strcmp(op, "overload")) {
			if (w)
				f.d[idx]->flags |= LB_DEST_F_OVERLOAD;
			else
				f.d[idx]->flags &= ~LB_DEST_F_OVERLOAD;
		} else {
			ok = false;
		}
		if (!ok)
			fprintf(stderr, "\n%s:%u: operation %s failed\n", path, lineno, op);
	}
	fclose(fp);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_TRUE(picks > 1000);
	if (sched[0])
		lb_service_fini(&f.svc);
}

static void test_refmodel(void)
{
	replay_file("refmodel_rr.txt");
	replay_file("refmodel_wrr.txt");
	replay_file("refmodel_wrr_gcd.txt");
	replay_file("refmodel_wrr_wide.txt");
}

int test_sched_vectors_register(void)
{
	CU_pSuite s = CU_add_suite("sched_vectors", NULL, NULL);

	if (!s || !CU_add_test(s, "registry", test_registry) || !CU_add_test(s, "rr", test_rr) ||
	    !CU_add_test(s, "wrr", test_wrr) || !CU_add_test(s, "lc", test_lc) ||
	    !CU_add_test(s, "wlc", test_wlc) || !CU_add_test(s, "twos", test_twos) ||
	    !CU_add_test(s, "no_dest", test_no_dest) ||
	    !CU_add_test(s, "pod_choice", test_pod_choice) ||
	    !CU_add_test(s, "pod_spread", test_pod_spread) ||
	    !CU_add_test(s, "refmodel", test_refmodel))
		return CU_get_error();
	return CUE_SUCCESS;
}
