/*
 * tests/unit/test_sim.c - the event kernel: order, cancellation, handles,
 * periodic events, horizon, stop, progress, partial runs.
 *
 * Run by lbsim-test (suite "sim"). Each test builds its own struct sim and
 * records what its handlers saw in a small log.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "sim/sim.h"
#include "tests/test.h"

#define TS_LOG_MAX 64

/* What the handlers saw, in order. */
struct ts_log {
	size_t n;
	uint64_t arg[TS_LOG_MAX];
	sim_time_t at[TS_LOG_MAX];
	int fins;
	int periodic_left;	/* ts_periodic runs this many more times */
	sim_time_t period;
	struct sim_handle h;	/* for handlers that cancel something */
};

static void ts_record(struct ts_log *l, struct sim *sim, uint64_t arg)
{
	if (l->n < TS_LOG_MAX) {
		l->arg[l->n] = arg;
		l->at[l->n] = sim_now(sim);
	}
	l->n++;
}

static sim_time_t ts_once(struct sim *sim, void *ctx, uint64_t arg)
{
	ts_record(ctx, sim, arg);
	return SIM_NOMORE;
}

static void ts_fin(void *ctx, uint64_t arg)
{
	struct ts_log *l = ctx;

	(void)arg;
	l->fins++;
}

/* (time, seq) order: equal times run in scheduling order. */
static void test_sim_order(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };
	static const sim_time_t at[] = { 30, 10, 20, 10, 30, 0, 10 };
	static const uint64_t want[] = { 5, 1, 3, 6, 2, 0, 4 };

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		sim_schedule(sim, at[i], ts_once, &l, i);
	CU_ASSERT_EQUAL(sim_pending(sim), 7);
	CU_ASSERT_EQUAL(sim_run(sim, SIM_TIME_MAX), 7);
	CU_ASSERT_EQUAL_FATAL(l.n, 7);
	for (size_t i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(l.arg[i], want[i]);
	CU_ASSERT_EQUAL(l.at[0], 0);
	CU_ASSERT_EQUAL(l.at[6], 30);
	CU_ASSERT_EQUAL(sim_now(sim), 30); /* run until empty: now stays at the last event */
	CU_ASSERT_EQUAL(sim_events_run(sim), 7);
	CU_ASSERT_EQUAL(sim_pending(sim), 0);
	sim_free(sim);
}

/* A handler scheduling at its own time runs after what was already due. */
static sim_time_t ts_chain(struct sim *sim, void *ctx, uint64_t arg)
{
	ts_record(ctx, sim, arg);
	if (arg == 1)
		sim_schedule_in(sim, 0, ts_once, ctx, 3);
	return SIM_NOMORE;
}

static void test_sim_same_time_chain(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };

	sim_schedule(sim, 5, ts_chain, &l, 1);
	sim_schedule(sim, 5, ts_chain, &l, 2);
	sim_run(sim, SIM_TIME_MAX);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.arg[0], 1);
	CU_ASSERT_EQUAL(l.arg[1], 2);
	CU_ASSERT_EQUAL(l.arg[2], 3);
	CU_ASSERT_EQUAL(l.at[2], 5);
	sim_free(sim);
}

static void test_sim_cancel(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };
	struct sim_handle a, b, c, d, empty = { 0 };

	a = sim_schedule(sim, 10, ts_once, &l, 1);
	b = sim_schedule(sim, 20, ts_once, &l, 2);
	c = sim_schedule(sim, 30, ts_once, &l, 3);
	sim_set_fin(sim, b, ts_fin);
	CU_ASSERT_TRUE(sim_handle_is_pending(sim, b));
	CU_ASSERT_TRUE(sim_cancel(sim, b));
	CU_ASSERT_FALSE(sim_cancel(sim, b)); /* already cancelled */
	CU_ASSERT_FALSE(sim_handle_is_pending(sim, b));
	CU_ASSERT_FALSE(sim_cancel(sim, empty));
	CU_ASSERT_EQUAL(sim_pending(sim), 2);
	CU_ASSERT_EQUAL(l.fins, 0); /* lazy: fin runs when the event is reclaimed */

	CU_ASSERT_EQUAL(sim_run(sim, 15), 1);
	CU_ASSERT_EQUAL(sim_now(sim), 15);
	/* a ran: its handle is stale, and its pool slot gets reused by d. */
	CU_ASSERT_FALSE(sim_handle_is_pending(sim, a));
	d = sim_schedule(sim, 40, ts_once, &l, 4);
	CU_ASSERT_FALSE(sim_cancel(sim, a));
	CU_ASSERT_TRUE(sim_handle_is_pending(sim, d));

	CU_ASSERT_EQUAL(sim_run(sim, SIM_TIME_MAX), 2);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.arg[0], 1);
	CU_ASSERT_EQUAL(l.arg[1], 3);
	CU_ASSERT_EQUAL(l.arg[2], 4);
	CU_ASSERT_EQUAL(l.fins, 1);
	CU_ASSERT_FALSE(sim_cancel(sim, c));
	CU_ASSERT_EQUAL(sim_events_run(sim), 3);
	sim_free(sim);
}

/* A stale handle whose event slot was reused at once by the handler itself. */
static sim_time_t ts_resched(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ts_log *l = ctx;

	ts_record(l, sim, arg);
	if (arg == 1)
		l->h = sim_schedule_in(sim, 5, ts_once, l, 2);
	return SIM_NOMORE;
}

static void test_sim_stale_handle_reuse(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };
	struct sim_handle first, stale;

	first = sim_schedule(sim, 1, ts_resched, &l, 1);
	sim_run(sim, 2);
	stale = first;
	/* Different seq, same slot or not: the old handle must not reach it. */
	CU_ASSERT_NOT_EQUAL(stale.seq, l.h.seq);
	CU_ASSERT_FALSE(sim_cancel(sim, stale));
	CU_ASSERT_TRUE(sim_handle_is_pending(sim, l.h));
	/* Reuse the slot of a freed event deliberately. */
	{
		struct sim_handle x = sim_schedule(sim, 3, ts_once, &l, 7);
		struct sim_handle y;

		CU_ASSERT_TRUE(sim_cancel(sim, x));
		sim_run(sim, 4); /* reclaims x's slot */
		y = sim_schedule(sim, 4, ts_once, &l, 8);
		CU_ASSERT_PTR_EQUAL(y.ev, x.ev); /* LIFO pool: same slot */
		CU_ASSERT_FALSE(sim_cancel(sim, x));
		CU_ASSERT_TRUE(sim_handle_is_pending(sim, y));
	}
	sim_run(sim, SIM_TIME_MAX);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.arg[1], 8);
	CU_ASSERT_EQUAL(l.arg[2], 2);
	sim_free(sim);
}

/* Runs periodic_left times, every <period> ns, through its return value. */
static sim_time_t ts_periodic(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ts_log *l = ctx;

	ts_record(l, sim, arg);
	if (--l->periodic_left <= 0)
		return SIM_NOMORE;
	return l->period;
}

static void test_sim_periodic(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { .periodic_left = 5, .period = 100 };
	struct sim_handle h;

	h = sim_schedule(sim, 0, ts_periodic, &l, 9);
	CU_ASSERT_EQUAL(sim_run(sim, SIM_TIME_MAX), 5);
	CU_ASSERT_EQUAL_FATAL(l.n, 5);
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(l.at[i], (sim_time_t)i * 100);
	CU_ASSERT_FALSE(sim_handle_is_pending(sim, h));

	/* The first handle keeps naming a periodic event across its runs. */
	l = (struct ts_log){ .periodic_left = 1000, .period = 10 };
	h = sim_schedule(sim, 1000, ts_periodic, &l, 1);
	sim_set_fin(sim, h, ts_fin);
	sim_run(sim, 1035);
	CU_ASSERT_EQUAL(l.n, 4); /* 1000, 1010, 1020, 1030 */
	CU_ASSERT_TRUE(sim_handle_is_pending(sim, h));
	CU_ASSERT_TRUE(sim_cancel(sim, h));
	CU_ASSERT_EQUAL(sim_pending(sim), 0);
	sim_run(sim, SIM_TIME_MAX);
	CU_ASSERT_EQUAL(l.n, 4);
	CU_ASSERT_EQUAL(l.fins, 1);
	sim_free(sim);
}

/* A periodic event that cancels itself from its own handler stops. */
static sim_time_t ts_self_cancel(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ts_log *l = ctx;

	ts_record(l, sim, arg);
	if (l->n == 3)
		CU_ASSERT_TRUE(sim_cancel(sim, l->h));
	return 10;
}

static void test_sim_self_cancel(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };

	l.h = sim_schedule(sim, 0, ts_self_cancel, &l, 0);
	sim_set_fin(sim, l.h, ts_fin);
	sim_run(sim, SIM_TIME_MAX);
	CU_ASSERT_EQUAL(l.n, 3);
	CU_ASSERT_EQUAL(l.fins, 1); /* its return value was ignored: discarded */
	sim_free(sim);
}

static void test_sim_horizon(void)
{
	struct sim *sim = sim_new(1000);
	struct ts_log l = { .periodic_left = 1000, .period = 300 };
	struct sim_handle h;

	CU_ASSERT_EQUAL(sim_horizon(sim), 1000);
	h = sim_schedule(sim, 1001, ts_once, &l, 1);
	CU_ASSERT_PTR_NULL(h.ev);
	CU_ASSERT_FALSE(sim_cancel(sim, h));
	CU_ASSERT_FALSE(sim_handle_is_pending(sim, h));
	CU_ASSERT_EQUAL(sim_events_dropped(sim), 1);
	sim_schedule(sim, 1000, ts_once, &l, 2); /* exactly at the horizon: runs */
	h = sim_schedule(sim, 0, ts_periodic, &l, 3);
	sim_set_fin(sim, h, ts_fin);
	/* periodic at 0, 300, 600, 900; 1200 is dropped */
	CU_ASSERT_EQUAL(sim_run(sim, SIM_TIME_MAX), 5);
	CU_ASSERT_EQUAL(sim_events_dropped(sim), 2);
	CU_ASSERT_EQUAL(l.fins, 1);
	CU_ASSERT_EQUAL(sim_now(sim), 1000); /* advanced to the horizon */
	sim_free(sim);
}

static sim_time_t ts_stopper(struct sim *sim, void *ctx, uint64_t arg)
{
	ts_record(ctx, sim, arg);
	if (arg == 2)
		sim_stop(sim);
	return SIM_NOMORE;
}

static void test_sim_stop(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };

	for (uint64_t i = 1; i <= 4; i++)
		sim_schedule(sim, (sim_time_t)i * 10, ts_stopper, &l, i);
	CU_ASSERT_EQUAL(sim_run(sim, 1000), 2);
	CU_ASSERT_EQUAL(sim_now(sim), 20); /* stopped: now stays at the event */
	CU_ASSERT_EQUAL(sim_pending(sim), 2);
	CU_ASSERT_EQUAL(sim_run(sim, 1000), 2); /* the flag was cleared */
	CU_ASSERT_EQUAL(sim_now(sim), 1000);
	sim_stop(sim); /* outside a run: the next run returns at once */
	sim_schedule(sim, 1005, ts_once, &l, 5);
	CU_ASSERT_EQUAL(sim_run(sim, 2000), 0);
	CU_ASSERT_EQUAL(sim_run(sim, 2000), 1);
	sim_free(sim);
}

struct ts_progress {
	int calls;
	uint64_t last_events;
	sim_time_t last_now;
};

static void ts_progress_fn(void *ctx, sim_time_t now, uint64_t events)
{
	struct ts_progress *p = ctx;

	p->calls++;
	p->last_events = events;
	p->last_now = now;
}

static void test_sim_progress(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { .periodic_left = 1000, .period = 7 };
	struct ts_progress p = { 0 };

	sim_set_progress(sim, ts_progress_fn, &p, 100);
	sim_schedule(sim, 0, ts_periodic, &l, 0);
	sim_run(sim, 350 * 7 - 1); /* 350 events */
	CU_ASSERT_EQUAL(p.calls, 3);
	CU_ASSERT_EQUAL(p.last_events, 300);
	CU_ASSERT_EQUAL(p.last_now, 299 * 7);
	sim_run(sim, SIM_TIME_MAX); /* 1000 in all, counted across runs */
	CU_ASSERT_EQUAL(p.calls, 10);
	CU_ASSERT_EQUAL(p.last_events, 1000);
	sim_set_progress(sim, NULL, NULL, 0);
	sim_free(sim);
}

/* sim_run(until) leaves later events pending and moves now to until. */
static void test_sim_run_until(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };
	struct sim_handle late;

	sim_schedule(sim, 100, ts_once, &l, 1);
	late = sim_schedule(sim, 300, ts_once, &l, 2);
	CU_ASSERT_EQUAL(sim_run(sim, 100), 1); /* until is inclusive */
	CU_ASSERT_EQUAL(sim_now(sim), 100);
	CU_ASSERT_EQUAL(sim_run(sim, 200), 0);
	CU_ASSERT_EQUAL(sim_now(sim), 200);
	CU_ASSERT_EQUAL(sim_pending(sim), 1);
	CU_ASSERT_TRUE(sim_handle_is_pending(sim, late));
	CU_ASSERT_EQUAL(sim_run(sim, 150), 0); /* until in the past: nothing */
	CU_ASSERT_EQUAL(sim_now(sim), 200);
	sim_schedule_in(sim, 50, ts_once, &l, 3); /* counts from 200 */
	CU_ASSERT_EQUAL(sim_run(sim, SIM_TIME_MAX), 2);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.at[1], 250);
	CU_ASSERT_EQUAL(l.arg[2], 2);
	sim_free(sim);
}

/* sim_free discards pending events through their finalisers. */
static void test_sim_free_fin(void)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	struct ts_log l = { 0 };
	struct sim_handle h;
	size_t n = test_quick() ? 1000 : 20000;

	for (size_t i = 0; i < n; i++) {
		h = sim_schedule(sim, (sim_time_t)(i % 97), ts_once, &l, i);
		sim_set_fin(sim, h, ts_fin);
		if (i % 3 == 0)
			sim_cancel(sim, h);
	}
	CU_ASSERT_EQUAL(sim_pending(sim), n - (n + 2) / 3);
	sim_free(sim);
	CU_ASSERT_EQUAL(l.fins, (int)n);
	CU_ASSERT_EQUAL(l.n, 0);
	sim_free(NULL);
}

int test_sim_register(void)
{
	CU_pSuite s = CU_add_suite("sim", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "order by (time, seq)", test_sim_order) ||
	    !CU_add_test(s, "same-time event from a handler", test_sim_same_time_chain) ||
	    !CU_add_test(s, "cancel and stale handles", test_sim_cancel) ||
	    !CU_add_test(s, "stale handle after slot reuse", test_sim_stale_handle_reuse) ||
	    !CU_add_test(s, "periodic events", test_sim_periodic) ||
	    !CU_add_test(s, "periodic event cancels itself", test_sim_self_cancel) ||
	    !CU_add_test(s, "horizon drops", test_sim_horizon) ||
	    !CU_add_test(s, "sim_stop", test_sim_stop) ||
	    !CU_add_test(s, "progress callback", test_sim_progress) ||
	    !CU_add_test(s, "run until", test_sim_run_until) ||
	    !CU_add_test(s, "free runs finalisers", test_sim_free_fin))
		return CU_get_error();
	return CUE_SUCCESS;
}
