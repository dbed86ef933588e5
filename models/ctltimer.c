/*
 * models/ctltimer.c - control-plane timers (struct lb_timer) on a simulation.
 *
 * The algorithms/ code (VRRP instances, health checkers, lblc's clock) arms
 * and moves its timers through struct lb_env; the directors of a world, its
 * HA segment and the replay all hand them here. There are hundreds of them
 * (a checker per real server, five per VRRP instance), re-armed all the
 * time: given one simulation event each, they would swell the event queue
 * every request goes through, and each re-arm would leave a cancelled event
 * behind. So they live in a heap of their own, ordered by (time, arm
 * sequence), and the simulation holds a single event at the earliest of
 * them. When a re-arm makes an earlier one the earliest, one more event is
 * scheduled and the later one, stale, does nothing when it comes.
 *
 * A timer's heap position + 1 is kept in env_priv[0] (0: not armed).
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/ctltimer.h"

#include <stdlib.h>

#include "sim/xalloc.h"

struct ctl_entry {
	int64_t at;
	uint64_t seq;
	struct lb_timer *t;
};

struct ctl_timers {
	struct sim *sim;
	struct ctl_entry *h;
	size_t n, cap;
	uint64_t seq;
	sim_time_t armed_at; /* time of the live kernel event, SIM_TIME_MAX: none */
};

static inline int ctl_before(const struct ctl_entry *a, const struct ctl_entry *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void ctl_place(struct ctl_timers *ct, size_t i, struct ctl_entry e)
{
	ct->h[i] = e;
	e.t->env_priv[0] = i + 1;
}

static void ctl_sift_up(struct ctl_timers *ct, size_t i)
{
	struct ctl_entry e = ct->h[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!ctl_before(&e, &ct->h[p]))
			break;
		ctl_place(ct, i, ct->h[p]);
		i = p;
	}
	ctl_place(ct, i, e);
}

static void ctl_sift_down(struct ctl_timers *ct, size_t i)
{
	struct ctl_entry e = ct->h[i];

	for (;;) {
		size_t l = 2 * i + 1, m;

		if (l >= ct->n)
			break;
		m = (l + 1 < ct->n && ctl_before(&ct->h[l + 1], &ct->h[l])) ? l + 1 : l;
		if (!ctl_before(&ct->h[m], &e))
			break;
		ctl_place(ct, i, ct->h[m]);
		i = m;
	}
	ctl_place(ct, i, e);
}

/* Take the entry at heap position <i> out; the timer becomes unarmed. */
static void ctl_remove(struct ctl_timers *ct, size_t i)
{
	struct lb_timer *t = ct->h[i].t;

	ct->n--;
	if (i != ct->n) {
		struct lb_timer *moved = ct->h[ct->n].t;

		ct->h[i] = ct->h[ct->n];
		moved->env_priv[0] = i + 1;
		ctl_sift_down(ct, i);
		ctl_sift_up(ct, (size_t)moved->env_priv[0] - 1);
	}
	t->env_priv[0] = 0;
}

static sim_time_t ctl_fire(struct sim *sim, void *ctx, uint64_t at);

/* Make sure a kernel event comes no later than the earliest timer. */
static void ctl_resched(struct ctl_timers *ct)
{
	if (!ct->n || ct->h[0].at >= ct->armed_at)
		return;
	ct->armed_at = ct->h[0].at;
	sim_schedule(ct->sim, ct->armed_at, ctl_fire, ct, (uint64_t)ct->armed_at);
}

/* The kernel event: run every timer due now, in (time, arm) order. */
static sim_time_t ctl_fire(struct sim *sim, void *ctx, uint64_t at)
{
	struct ctl_timers *ct = ctx;
	sim_time_t now = sim_now(sim);

	if ((sim_time_t)at != ct->armed_at)
		return SIM_NOMORE; /* stale: an earlier event took over */
	ct->armed_at = SIM_TIME_MAX;
	while (ct->n && ct->h[0].at <= now) {
		struct lb_timer *t = ct->h[0].t;
		uint64_t seq = ct->h[0].seq;

		/*
		 * It stays at the root through its callback (nothing can come
		 * before it), so the usual re-arm of a periodic timer is one
		 * sift in place; the callback may arm or cancel timers, this
		 * one included. Untouched by its callback, it is done.
		 */
		t->fn(t);
		if (t->env_priv[0] && ct->h[t->env_priv[0] - 1].seq == seq)
			ctl_remove(ct, (size_t)t->env_priv[0] - 1);
	}
	ctl_resched(ct);
	return SIM_NOMORE;
}

struct ctl_timers *ctl_timers_new(struct sim *sim)
{
	struct ctl_timers *ct = xcalloc(1, sizeof(*ct));

	ct->sim = sim;
	ct->armed_at = SIM_TIME_MAX;
	return ct;
}

/* Free the heap; armed timers are forgotten (their owners free them). NULL ok. */
void ctl_timers_free(struct ctl_timers *ct)
{
	if (!ct)
		return;
	free(ct->h);
	free(ct);
}

/* Arm or move <t> to <at_ns> (a time already past runs at <now_ns>). */
void ctl_timer_arm(struct ctl_timers *ct, struct lb_timer *t, int64_t at_ns, int64_t now_ns)
{
	struct ctl_entry e = { .at = at_ns < now_ns ? now_ns : at_ns, .seq = ct->seq++, .t = t };

	if (t->env_priv[0]) {
		/* Armed: the new (time, seq) where it stands, sifted into place
		 * (either way); pops come in the same order as after a remove
		 * and an insert, for a heap's order is the (time, seq) order. */
		size_t i = (size_t)t->env_priv[0] - 1;

		ct->h[i] = e;
		ctl_sift_down(ct, i);
		ctl_sift_up(ct, (size_t)t->env_priv[0] - 1);
		ctl_resched(ct);
		return;
	}
	if (ct->n == ct->cap) {
		ct->cap = ct->cap ? ct->cap * 2 : 64;
		ct->h = xrealloc(ct->h, ct->cap * sizeof(*ct->h));
	}
	ct->h[ct->n] = e;
	t->env_priv[0] = ++ct->n;
	ctl_sift_up(ct, ct->n - 1);
	ctl_resched(ct);
}

/* Disarm <t> if it is armed. */
void ctl_timer_cancel(struct ctl_timers *ct, struct lb_timer *t)
{
	if (t->env_priv[0])
		ctl_remove(ct, (size_t)t->env_priv[0] - 1);
}
