/*
 * models/server.c - a real server: c workers, FIFO or processor sharing, a backlog.
 *
 * One per server address of the scenario; the director hands it every request
 * of the connections it scheduled there. FIFO: a request takes a free worker or
 * waits in order; PS: all requests in the server share speed * min(1, c/n) of
 * work per second each, tracked in virtual time (each job's finish tag is the
 * service received so far plus its work), so only the next completion is an
 * event. A new connection is refused (reset) when <backlog> requests wait
 * already; a down server answers nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/model.h"

#include <stdlib.h>

#include "sim/xalloc.h"

static inline double conn_work(const struct mconn *c)
{
	return c->nreq == 1 ? c->work0 : c->work[c->k];
}

static sim_time_t server_fifo_done(struct sim *sim, void *ctx, uint64_t arg);
static sim_time_t server_ps_done(struct sim *sim, void *ctx, uint64_t arg);

void server_init(struct server *s, struct world *w, const struct scn_server *cfg,
		 struct mlink *link)
{
	*s = (struct server){ .cfg = cfg, .w = w, .link = link, .up = cfg->up };
	stat_tw_init(&s->busy_tw, 0, 0);
}

void server_fini(struct server *s)
{
	free(s->fifo);
	free(s->ps);
}

size_t server_waiting(const struct server *s)
{
	if (s->cfg->discipline == SCN_DISC_PS)
		return s->ps_len > s->cfg->workers ? s->ps_len - s->cfg->workers : 0;
	return s->fifo_len;
}

static void server_fifo_start(struct server *s, struct mconn *c)
{
	struct sim *sim = s->w->sim;
	sim_time_t t = (sim_time_t)(conn_work(c) / s->cfg->speed * 1e9 + 0.5);

	s->busy++;
	stat_tw_set(&s->busy_tw, sim_now(sim), s->busy);
	sim_schedule_in(sim, t, server_fifo_done, c, 0);
}

static void server_fifo_push(struct server *s, struct mconn *c)
{
	if (s->fifo_len == s->fifo_cap) {
		size_t ncap = s->fifo_cap ? s->fifo_cap * 2 : 64;
		struct mconn **n = xmalloc(ncap * sizeof(*n));

		for (size_t i = 0; i < s->fifo_len; i++)
			n[i] = s->fifo[(s->fifo_head + i) % s->fifo_cap];
		free(s->fifo);
		s->fifo = n;
		s->fifo_cap = ncap;
		s->fifo_head = 0;
	}
	s->fifo[(s->fifo_head + s->fifo_len) % s->fifo_cap] = c;
	s->fifo_len++;
}

/* A FIFO request finished: start the next waiting one, then answer. */
static sim_time_t server_fifo_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct mconn *c = ctx;
	struct server *s = c->rs->srv;

	s->busy--;
	s->completed++;
	if (s->fifo_len) {
		struct mconn *next = s->fifo[s->fifo_head];

		s->fifo_head = (s->fifo_head + 1) % s->fifo_cap;
		s->fifo_len--;
		server_fifo_start(s, next);
	} else {
		stat_tw_set(&s->busy_tw, sim_now(sim), s->busy);
	}
	conn_served(c);
	return SIM_NOMORE;
}

/* ---- processor sharing ---- */

static double server_ps_rate(const struct server *s, size_t n)
{
	double share = n <= s->cfg->workers ? 1.0 : (double)s->cfg->workers / (double)n;

	return s->cfg->speed * share; /* seconds of work per second, per job */
}

static void server_ps_advance(struct server *s, sim_time_t now)
{
	if (s->ps_len)
		s->ps_v += sim_time_to_sec(now - s->ps_v_at) * server_ps_rate(s, s->ps_len);
	s->ps_v_at = now;
}

static void server_ps_sift_up(struct server *s, size_t i)
{
	struct ps_job j = s->ps[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (s->ps[p].finish <= j.finish)
			break;
		s->ps[i] = s->ps[p];
		i = p;
	}
	s->ps[i] = j;
}

static void server_ps_sift_down(struct server *s, size_t i)
{
	struct ps_job j = s->ps[i];

	for (;;) {
		size_t l = 2 * i + 1, m;

		if (l >= s->ps_len)
			break;
		m = (l + 1 < s->ps_len && s->ps[l + 1].finish < s->ps[l].finish) ? l + 1 : l;
		if (j.finish <= s->ps[m].finish)
			break;
		s->ps[i] = s->ps[m];
		i = m;
	}
	s->ps[i] = j;
}

/* Re-aim the single completion event at the job with the smallest finish tag. */
static void server_ps_reschedule(struct server *s, sim_time_t now)
{
	struct sim *sim = s->w->sim;
	unsigned busy = s->ps_len < s->cfg->workers ? (unsigned)s->ps_len : s->cfg->workers;

	sim_cancel(sim, s->ps_next);
	if (busy != s->busy) {
		s->busy = busy;
		stat_tw_set(&s->busy_tw, now, busy);
	}
	if (!s->ps_len)
		return;
	double left = s->ps[0].finish - s->ps_v;
	sim_time_t dt = left > 0 ? (sim_time_t)(left / server_ps_rate(s, s->ps_len) * 1e9 + 0.5) : 0;

	s->ps_next = sim_schedule_in(sim, dt, server_ps_done, s, 0);
}

static void server_ps_add(struct server *s, struct mconn *c)
{
	sim_time_t now = sim_now(s->w->sim);

	server_ps_advance(s, now);
	if (s->ps_len == s->ps_cap) {
		s->ps_cap = s->ps_cap ? s->ps_cap * 2 : 64;
		s->ps = xrealloc(s->ps, s->ps_cap * sizeof(*s->ps));
	}
	s->ps[s->ps_len] = (struct ps_job){ .finish = s->ps_v + conn_work(c), .c = c };
	server_ps_sift_up(s, s->ps_len++);
	server_ps_reschedule(s, now);
}

static sim_time_t server_ps_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct server *s = ctx;
	sim_time_t now = sim_now(sim);
	struct mconn *c = s->ps[0].c;

	server_ps_advance(s, now);
	s->ps_v = s->ps[0].finish; /* exact, whatever the rounding of the wait */
	s->ps[0] = s->ps[--s->ps_len];
	if (s->ps_len)
		server_ps_sift_down(s, 0);
	s->ps_next = (struct sim_handle){ 0 };
	server_ps_reschedule(s, now);
	s->completed++;
	conn_served(c);
	return SIM_NOMORE;
}

/*
 * Offer request k of <c> to <s> at the current time. <first> says it opens the
 * connection, which is when the backlog can refuse it. On SERVER_TAKEN the
 * server owns the request until it calls conn_served(); otherwise the caller
 * keeps it.
 */
enum server_verdict server_offer(struct server *s, struct mconn *c, bool first)
{
	if (!s->up)
		return SERVER_DOWN;
	if (first && server_waiting(s) >= s->cfg->backlog &&
	    (s->cfg->discipline == SCN_DISC_PS ? s->ps_len >= s->cfg->workers
					       : s->busy >= s->cfg->workers))
		return SERVER_FULL;
	if (s->cfg->discipline == SCN_DISC_PS)
		server_ps_add(s, c);
	else if (s->busy < s->cfg->workers)
		server_fifo_start(s, c);
	else
		server_fifo_push(s, c);
	return SERVER_TAKEN;
}
