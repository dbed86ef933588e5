/*
 * tests/unit/test_service.c - suite "service": dest list order, trash,
 * overhead and OVERLOAD rules of both profiles, hooks, no-dest reporting.
 *
 * Run by lbsim-test; small hand-built services, well under a millisecond.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "tests/test.h"

static struct lb_addr ip4(uint32_t v)
{
	return (struct lb_addr){ .af = LB_AF_INET, .u.v4 = v };
}

/* Adds 10.0.0.<host>:80 and fails the test on error. */
static struct lb_dest *add(struct lb_service *svc, unsigned host, int w, uint32_t u, uint32_t l)
{
	struct lb_addr a = ip4(0x0A000000u + host);
	struct lb_dest *d = NULL;
	int rc = lb_service_add_dest(svc, &a, 80, w, u, l, &d);

	if (rc)
		fprintf(stderr, "\nadd_dest 10.0.0.%u: %d\n", host, rc);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return d;
}

static void check_order(const struct lb_service *svc, struct lb_dest *const *want, unsigned n)
{
	CU_ASSERT_EQUAL_FATAL(svc->ndests, n);
	for (unsigned i = 0; i < n; i++) {
		if (svc->dests[i] != want[i])
			fprintf(stderr, "\nlist position %u holds the wrong dest\n", i);
		CU_ASSERT_PTR_EQUAL(svc->dests[i], want[i]);
		CU_ASSERT_EQUAL(svc->dests[i]->idx, i);
	}
	CU_ASSERT_TRUE(lb_service_sane(svc));
}

static void test_order(void)
{
	struct lb_service svc;
	struct lb_dest *a, *b, *c, *a2;
	struct lb_addr x;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_wlc_ops), 0);
	a = add(&svc, 1, 1, 0, 0);
	b = add(&svc, 2, 1, 0, 0);
	c = add(&svc, 3, 1, 0, 0);
	check_order(&svc, (struct lb_dest *[]){ c, b, a }, 3);

	/* Edit keeps the position and tracks last_weight. */
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, 7, 0, 0), 0);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, 0, 0, 0), 0);
	CU_ASSERT_EQUAL(a->weight, 0);
	CU_ASSERT_EQUAL(a->last_weight, 7);
	check_order(&svc, (struct lb_dest *[]){ c, b, a }, 3);

	/* Delete then re-add: back at the head, same object. */
	CU_ASSERT_EQUAL(lb_service_del_dest(&svc, b), 0);
	CU_ASSERT_FALSE(b->flags & LB_DEST_F_AVAILABLE);
	check_order(&svc, (struct lb_dest *[]){ c, a }, 2);
	CU_ASSERT_EQUAL(svc.ntrash, 1);
	x = ip4(0x0A000002);
	CU_ASSERT_PTR_NULL(lb_service_find_dest(&svc, &x, 80));
	CU_ASSERT_EQUAL(lb_service_del_dest(&svc, b), -ENOENT);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, b, 1, 0, 0), -ENOENT);
	CU_ASSERT_PTR_EQUAL(add(&svc, 2, 3, 0, 0), b);
	CU_ASSERT_EQUAL(svc.ntrash, 0);
	CU_ASSERT_TRUE(b->flags & LB_DEST_F_AVAILABLE);
	CU_ASSERT_EQUAL(b->weight, 3);
	check_order(&svc, (struct lb_dest *[]){ b, c, a }, 3);

	/* Re-add of a linked dest, and bad arguments. */
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &x, 80, 1, 0, 0, NULL), -EEXIST);
	CU_ASSERT_PTR_EQUAL(lb_service_find_dest(&svc, &x, 80), b);
	CU_ASSERT_PTR_NULL(lb_service_find_dest(&svc, &x, 81));
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &x, 81, -1, 0, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &x, 81, 1, 5, 6, NULL), -EINVAL);
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &x, 81, 1, 0, 6, NULL), -EINVAL);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, -2, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, 1, 3, 4), -EINVAL);
	CU_ASSERT_EQUAL(a->weight, 0); /* a failed edit changes nothing */
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &(struct lb_addr){ 0 }, 80, 1, 0, 0, NULL),
			-EINVAL);
	/* Same address, other port: a different dest. */
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &x, 81, 1, 0, 0, &a2), 0);
	CU_ASSERT_PTR_EQUAL(svc.dests[0], a2);
	CU_ASSERT_EQUAL(a2->last_weight, 1);
	CU_ASSERT_TRUE(lb_service_sane(&svc));
	lb_service_fini(&svc);
}

static void test_trash_revive(void)
{
	struct lb_service svc;
	struct lb_dest *a, *b;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	a = add(&svc, 1, 2, 0, 0);
	b = add(&svc, 2, 2, 0, 0);
	for (int i = 0; i < 5; i++)
		lb_dest_conn_bind(b, true);
	for (int i = 0; i < 3; i++)
		lb_dest_conn_bind(b, false);
	b->persistconns = 2;
	CU_ASSERT_EQUAL(lb_service_del_dest(&svc, b), 0);
	/* Connections keep expiring while it sits in the trash. */
	lb_dest_conn_unbind(b, true);
	lb_dest_conn_set_active(b, false);
	CU_ASSERT_EQUAL(b->activeconns, 3);
	CU_ASSERT_EQUAL(b->inactconns, 4);
	CU_ASSERT_TRUE(lb_service_sane(&svc));
	CU_ASSERT_PTR_EQUAL(add(&svc, 2, 0, 0, 0), b);
	CU_ASSERT_EQUAL(b->activeconns, 3);
	CU_ASSERT_EQUAL(b->inactconns, 4);
	CU_ASSERT_EQUAL(b->persistconns, 2);
	CU_ASSERT_EQUAL(b->weight, 0);
	CU_ASSERT_EQUAL(b->last_weight, 0); /* set on add, even to 0 */
	check_order(&svc, (struct lb_dest *[]){ b, a }, 2);
	lb_service_fini(&svc);
}

static void test_overhead(void)
{
	struct lb_service leg, cur;
	struct lb_dest *la, *lb, *ca, *cb;

	lb_service_init(&leg, LB_PROFILE_LEGACY);
	lb_service_init(&cur, LB_PROFILE_CURRENT);
	/* V-WLC-3: A(1,0), B(0,256). */
	la = add(&leg, 1, 1, 0, 0);
	lb = add(&leg, 2, 1, 0, 0);
	ca = add(&cur, 1, 1, 0, 0);
	cb = add(&cur, 2, 1, 0, 0);
	lb_dest_conn_bind(la, true);
	lb_dest_conn_bind(ca, true);
	for (int i = 0; i < 256; i++) {
		lb_dest_conn_bind(lb, false);
		lb_dest_conn_bind(cb, false);
	}
	CU_ASSERT_EQUAL(lb_dest_overhead(&leg, la), 256);
	CU_ASSERT_EQUAL(lb_dest_overhead(&leg, lb), 256);
	CU_ASSERT_EQUAL(lb_dest_overhead(&cur, ca), 257);
	CU_ASSERT_EQUAL(lb_dest_overhead(&cur, cb), 256);
	/* V-LC-1 A(1,10): legacy 266, current 267. */
	for (int i = 0; i < 10; i++) {
		lb_dest_conn_bind(la, false);
		lb_dest_conn_bind(ca, false);
	}
	CU_ASSERT_EQUAL(lb_dest_overhead(&leg, la), 266);
	CU_ASSERT_EQUAL(lb_dest_overhead(&cur, ca), 267);
	/* An inactive connection becoming active. */
	lb_dest_conn_set_active(ca, true);
	CU_ASSERT_EQUAL(ca->activeconns, 2);
	CU_ASSERT_EQUAL(ca->inactconns, 9);
	CU_ASSERT_EQUAL(lb_dest_overhead(&cur, ca), 2 * 257 + 9);
	lb_service_fini(&leg);
	lb_service_fini(&cur);
}

static bool ovl(const struct lb_dest *d)
{
	return lb_dest_is_overloaded(d);
}

static void bind_n(struct lb_dest *d, int n)
{
	for (int i = 0; i < n; i++)
		lb_dest_conn_bind(d, i & 1);
}

/* Unbinds an inactive connection (falls back to an active one). */
static void unbind1(struct lb_dest *d)
{
	lb_dest_conn_unbind(d, d->inactconns == 0);
}

static void test_overload_legacy(void)
{
	struct lb_service svc;
	struct lb_dest *d, *e, *f;

	lb_service_init(&svc, LB_PROFILE_LEGACY);
	/* u = 4, no l: set at total >= 4, clear when 4*total < 12, i.e. total <= 2. */
	d = add(&svc, 1, 1, 4, 0);
	bind_n(d, 3);
	CU_ASSERT_FALSE(ovl(d));
	bind_n(d, 1);
	CU_ASSERT_TRUE(ovl(d));
	unbind1(d); /* 3: 12 < 12 is false */
	CU_ASSERT_TRUE(ovl(d));
	unbind1(d); /* 2: 8 < 12 */
	CU_ASSERT_FALSE(ovl(d));
	/* Binding past u (flag cleared meanwhile) sets it again: >=, not ==. */
	bind_n(d, 2);
	CU_ASSERT_TRUE(ovl(d));
	d->flags &= ~LB_DEST_F_OVERLOAD;
	bind_n(d, 1); /* total 5 */
	CU_ASSERT_TRUE(ovl(d));

	/* u = 10, l = 5: clear once total < 5. */
	e = add(&svc, 2, 1, 10, 5);
	bind_n(e, 10);
	CU_ASSERT_TRUE(ovl(e));
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_TRUE(ovl(e));
		unbind1(e);
	}
	CU_ASSERT_EQUAL(e->activeconns + e->inactconns, 5);
	CU_ASSERT_TRUE(ovl(e));
	unbind1(e);
	CU_ASSERT_FALSE(ovl(e));

	/* Edits: lowering u never sets; raising u or u = 0 clears. */
	f = add(&svc, 3, 1, 0, 0);
	bind_n(f, 6);
	CU_ASSERT_FALSE(ovl(f));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, f, 1, 3, 0), 0);
	CU_ASSERT_FALSE(ovl(f)); /* total 6 >= 3, but an edit never sets */
	bind_n(f, 1);
	CU_ASSERT_TRUE(ovl(f));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, f, 2, 3, 0), 0); /* same u */
	CU_ASSERT_TRUE(ovl(f));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, f, 2, 2, 0), 0); /* smaller u */
	CU_ASSERT_TRUE(ovl(f));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, f, 2, 5, 0), 0); /* larger u */
	CU_ASSERT_FALSE(ovl(f));
	bind_n(f, 1);
	CU_ASSERT_TRUE(ovl(f));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, f, 2, 0, 0), 0); /* u = 0 */
	CU_ASSERT_FALSE(ovl(f));
	/* No thresholds at all: any unbind clears. */
	f->flags |= LB_DEST_F_OVERLOAD;
	unbind1(f);
	CU_ASSERT_FALSE(ovl(f));
	lb_service_fini(&svc);
}

static void test_overload_current(void)
{
	struct lb_service svc;
	struct lb_dest *d, *e, *f, *g;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	/* u = 4: set when total == 4; l_eff = 4 - 1 = 3: clear on the unbind from 3. */
	d = add(&svc, 1, 1, 4, 0);
	bind_n(d, 4);
	CU_ASSERT_TRUE(ovl(d));
	unbind1(d); /* before 4 */
	CU_ASSERT_TRUE(ovl(d));
	unbind1(d); /* before 3 == l_eff */
	CU_ASSERT_FALSE(ovl(d));
	/* Passing over u without landing on it does not set (== not >=). */
	bind_n(d, 2); /* 2 -> 3 -> 4: set at 4 */
	CU_ASSERT_TRUE(ovl(d));
	d->flags &= ~LB_DEST_F_OVERLOAD;
	bind_n(d, 1); /* 5 */
	CU_ASSERT_FALSE(ovl(d));

	/* u = 5: l_eff = 5 - 1 = 4 = ceil(15/4). */
	e = add(&svc, 2, 1, 5, 0);
	bind_n(e, 5);
	CU_ASSERT_TRUE(ovl(e));
	unbind1(e); /* before 5 */
	CU_ASSERT_TRUE(ovl(e));
	unbind1(e); /* before 4 */
	CU_ASSERT_FALSE(ovl(e));
	/* u = 1: l_eff = 1. */
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, e, 1, 1, 0), 0); /* total 3 >= 1: set */
	CU_ASSERT_TRUE(ovl(e));
	while (e->activeconns + e->inactconns > 1)
		unbind1(e);
	CU_ASSERT_TRUE(ovl(e));
	unbind1(e); /* before 1 == l_eff */
	CU_ASSERT_FALSE(ovl(e));
	bind_n(e, 1);
	CU_ASSERT_TRUE(ovl(e));

	/* u = 10, l = 6: the explicit l wins over u - u/4 = 8. */
	f = add(&svc, 3, 1, 10, 6);
	bind_n(f, 10);
	while (f->activeconns + f->inactconns > 6) {
		unbind1(f);
		CU_ASSERT_TRUE(ovl(f));
	}
	unbind1(f);
	CU_ASSERT_FALSE(ovl(f));

	/* Edits (only when a threshold changes). */
	g = add(&svc, 4, 1, 0, 0);
	bind_n(g, 8);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 6, 0), 0); /* 8 >= 6: set */
	CU_ASSERT_TRUE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 10, 0), 0); /* 8 >= l_eff 8: keep */
	CU_ASSERT_TRUE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 12, 0), 0); /* 8 < l_eff 9: clear */
	CU_ASSERT_FALSE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 10, 0), 0); /* 8 >= 8 but clear: keep */
	CU_ASSERT_FALSE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 10, 9), 0); /* 8 < l 9: clear */
	CU_ASSERT_FALSE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 1, 8, 0), 0); /* 8 >= 8: set */
	CU_ASSERT_TRUE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 5, 8, 0), 0); /* weight only: no rule */
	CU_ASSERT_TRUE(ovl(g));
	g->flags &= ~LB_DEST_F_OVERLOAD;
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 3, 8, 0), 0);
	CU_ASSERT_FALSE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 3, 8, 2), 0); /* l changed: 8 >= u: set */
	CU_ASSERT_TRUE(ovl(g));
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, g, 3, 0, 0), 0); /* u = 0: clear */
	CU_ASSERT_FALSE(ovl(g));
	CU_ASSERT_TRUE(lb_service_sane(&svc));
	lb_service_fini(&svc);
}

/*
 * A recording scheduler and log: checks the hook contract of service.c. The
 * record lives in the env's ctx, since set_sched resets sched_priv.
 */
struct probe {
	int adds, dels, upds, loads, inits, dones, logs;
	unsigned del_idx, del_ndests;
	bool del_available;
	struct lb_dest *del_pred;
	struct lb_dest *added;
	char last_log[200];
};

static struct probe *probe_of(const struct lb_service *svc)
{
	return svc->env->ctx;
}

static int probe_init(struct lb_service *svc)
{
	probe_of(svc)->inits++;
	return 0;
}

static void probe_done(struct lb_service *svc)
{
	probe_of(svc)->dones++;
}

static void probe_add(struct lb_service *svc, struct lb_dest *d)
{
	probe_of(svc)->adds++;
	probe_of(svc)->added = svc->dests[0] == d && d->idx == 0 ? d : NULL;
}

static void probe_del(struct lb_service *svc, struct lb_dest *d)
{
	struct probe *p = probe_of(svc);

	p->dels++;
	p->del_idx = d->idx;
	p->del_ndests = svc->ndests;
	p->del_available = d->flags & LB_DEST_F_AVAILABLE;
	p->del_pred = d->idx > 0 ? svc->dests[d->idx - 1] : NULL;
}

static void probe_upd(struct lb_service *svc, struct lb_dest *d)
{
	probe_of(svc)->upds++;
}

static void probe_load(struct lb_service *svc, struct lb_dest *d)
{
	probe_of(svc)->loads++;
}

/* Picks the head if its weight is > 0. */
static struct lb_dest *probe_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	return svc->ndests && svc->dests[0]->weight > 0 ? svc->dests[0] : NULL;
}

static const struct lb_sched_ops probe_ops = {
	.name = "probe",
	.init = probe_init,
	.done = probe_done,
	.add_dest = probe_add,
	.del_dest = probe_del,
	.upd_dest = probe_upd,
	.load_changed = probe_load,
	.pick = probe_pick,
};

static void probe_log(void *ctx, int level, const char *fmt, ...)
{
	struct probe *p = ctx;
	va_list ap;

	p->logs++;
	va_start(ap, fmt);
	vsnprintf(p->last_log, sizeof(p->last_log), fmt, ap);
	va_end(ap);
}

static void test_hooks(void)
{
	struct probe p = { 0 };
	struct lb_env env = { .ctx = &p, .log = probe_log };
	struct lb_service svc;
	struct lb_dest *a, *b, *c;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	svc.env = &env;
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, NULL), -EINVAL);
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &probe_ops), 0);
	CU_ASSERT_EQUAL(p.inits, 1);
	a = add(&svc, 1, 1, 0, 0);
	CU_ASSERT_PTR_EQUAL(p.added, a);
	b = add(&svc, 2, 1, 0, 0);
	c = add(&svc, 3, 1, 0, 0);
	CU_ASSERT_PTR_EQUAL(p.added, c);
	CU_ASSERT_EQUAL(p.adds, 3);
	/* List c, b, a. del_dest runs after the unlink, idx still the old position. */
	CU_ASSERT_EQUAL(lb_service_del_dest(&svc, b), 0);
	CU_ASSERT_EQUAL(p.dels, 1);
	CU_ASSERT_EQUAL(p.del_idx, 1);
	CU_ASSERT_EQUAL(p.del_ndests, 2);
	CU_ASSERT_FALSE(p.del_available);
	CU_ASSERT_PTR_EQUAL(p.del_pred, c);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, 2, 0, 0), 0);
	CU_ASSERT_EQUAL(p.upds, 1);
	/* load_changed for linked dests only. */
	lb_dest_conn_bind(a, true);
	lb_dest_conn_set_active(a, false);
	lb_dest_conn_unbind(a, false);
	lb_dest_conn_bind(b, false); /* b is in the trash */
	lb_dest_conn_unbind(b, false);
	CU_ASSERT_EQUAL(p.loads, 3);
	/* Scheduler switch: done of the old, init of the new. */
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &probe_ops), 0);
	CU_ASSERT_EQUAL(p.dones, 1);
	CU_ASSERT_EQUAL(p.inits, 2);
	CU_ASSERT_EQUAL(p.logs, 0);
	lb_service_fini(&svc);
	CU_ASSERT_EQUAL(p.dones, 2);
}

static void test_no_dest_once(void)
{
	struct probe p = { 0 };
	struct lb_env env = { .ctx = &p, .log = probe_log };
	struct lb_service svc;
	struct lb_dest *a;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	svc.env = &env;
	svc.addr = ip4(0xC0A80001);
	svc.port = 80;
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &probe_ops), 0);
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_EQUAL(p.logs, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.last_log, "192.168.0.1:80"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p.last_log, "probe"));
	a = add(&svc, 1, 1, 0, 0);
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&svc, NULL), a);
	CU_ASSERT_PTR_EQUAL(lb_service_pick(&svc, NULL), a);
	CU_ASSERT_EQUAL(p.logs, 1);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&svc, a, 0, 0, 0), 0);
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_EQUAL(p.logs, 2);
	/* Without an env nothing is logged and nothing breaks. */
	svc.env = NULL;
	svc.no_dest_reported = false;
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, NULL));
	CU_ASSERT_TRUE(svc.no_dest_reported);
	svc.env = &env;
	lb_service_fini(&svc);
	CU_ASSERT_EQUAL(p.logs, 2);
}

int test_service_register(void)
{
	CU_pSuite s = CU_add_suite("service", NULL, NULL);

	if (!s || !CU_add_test(s, "order", test_order) ||
	    !CU_add_test(s, "trash_revive", test_trash_revive) ||
	    !CU_add_test(s, "overhead", test_overhead) ||
	    !CU_add_test(s, "overload_legacy", test_overload_legacy) ||
	    !CU_add_test(s, "overload_current", test_overload_current) ||
	    !CU_add_test(s, "hooks", test_hooks) ||
	    !CU_add_test(s, "no_dest_once", test_no_dest_once))
		return CU_get_error();
	return CUE_SUCCESS;
}
