/*
 * sim/sim.c - the discrete-event kernel: events, their pool, the run loop.
 *
 * One struct sim per simulation; models schedule events on it and the tool
 * calls sim_run() once or a few times (warm-up, then measurement). Every
 * event goes through sim_schedule() and the loop in sim_run(), so this file
 * is the hottest code in lbsim: the goal is about 10 M events/s on one core.
 *
 * Events are ordered by (time, seq); seq is a per-simulation counter, so
 * equal times run in scheduling order and runs are reproducible.
 *
 * Memory: events come from slabs of SIM_SLAB_EVENTS and go back to a LIFO
 * free list, so a simulation allocates nothing per event once warm, and the
 * event just freed (hot in cache) is the next one handed out. Slabs are only
 * returned by sim_free(), which keeps every struct sim_event address valid
 * for the simulation's lifetime: that is what makes stale handles safe.
 *
 * Handles and generations: each event records its generation, the seq it
 * was given by sim_schedule(). A handle {ev, seq} matches only while the
 * event still carries that generation; once the event is freed and reused,
 * the generation changes and old handles stop matching. A periodic event
 * (its handler returned a delay >= 0) is queued again under a fresh queue
 * seq, but keeps its generation, so the handle returned by the original
 * sim_schedule() keeps cancelling it for as long as it recurs.
 *
 * Cancellation is lazy and O(1): the event is flagged; sim_run() frees it
 * when it reaches the front of the queue.
 *
 * Finalisers: an event's fin (sim_set_fin) is called exactly once if the
 * event is discarded without its handler having had the last word: when it
 * was cancelled, when its periodic re-run falls beyond the horizon, or when
 * sim_free() finds it still pending. A handler that returns SIM_NOMORE owns
 * its context's cleanup, and fin is not called.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/queue.h"
#include "sim/xalloc.h"

#define SIM_SLAB_EVENTS 4096

enum sim_event_state {
	SIM_EV_FREE = 0,
	SIM_EV_PENDING,		/* in the queue */
	SIM_EV_RUNNING,		/* its handler is on the stack */
};

struct sim_event {
	sim_handler_fn *fn;
	void *ctx;
	uint64_t arg;
	uint64_t gen;		/* seq given by sim_schedule(); handles match on it */
	union {
		sim_event_fin_fn *fin;		/* while in use */
		struct sim_event *next_free;	/* while on the free list */
	};
	uint8_t state;		/* enum sim_event_state */
	bool cancelled;
};

struct sim_slab {
	struct sim_slab *next;
	struct sim_event ev[SIM_SLAB_EVENTS];
};

struct sim {
	struct queue *q;
	struct sim_event *free_list;
	struct sim_slab *slabs;
	sim_time_t now;
	sim_time_t horizon;
	uint64_t seq;		/* next seq to hand out; 0 is never used */
	uint64_t cur_seq;	/* seq of the event being run, for panics */
	uint64_t run;		/* handlers called, all sim_run() calls */
	uint64_t dropped;	/* schedules beyond the horizon */
	size_t ncancelled;	/* cancelled events still in the queue */
	bool stop;

	sim_progress_fn *progress;
	void *progress_ctx;
	uint64_t progress_every;	/* 0: no progress calls */
	uint64_t progress_left;		/* events until the next call */
};

/*
 * Make a simulation at time 0 whose events beyond <horizon> are dropped
 * (SIM_TIME_MAX: none). The caller owns it and frees it with sim_free().
 */
struct sim *sim_new(sim_time_t horizon)
{
	struct sim *sim = xcalloc(1, sizeof(*sim));

	sim->q = queue_new(1024);
	sim->horizon = horizon;
	sim->seq = 1;
	return sim;
}

/* Slow path of event allocation: carve a new slab into the free list. */
static void sim_slab_add(struct sim *sim)
{
	struct sim_slab *s = xmalloc(sizeof(*s));

	s->next = sim->slabs;
	sim->slabs = s;
	for (size_t i = 0; i < SIM_SLAB_EVENTS; i++) {
		s->ev[i].state = SIM_EV_FREE;
		s->ev[i].gen = 0;
		s->ev[i].next_free = i + 1 < SIM_SLAB_EVENTS ? &s->ev[i + 1] : sim->free_list;
	}
	sim->free_list = &s->ev[0];
}

static inline struct sim_event *sim_event_alloc(struct sim *sim)
{
	struct sim_event *ev;

	if (__builtin_expect(!sim->free_list, 0))
		sim_slab_add(sim);
	ev = sim->free_list;
	sim->free_list = ev->next_free;
	return ev;
}

static inline void sim_event_release(struct sim *sim, struct sim_event *ev)
{
	ev->state = SIM_EV_FREE;
	ev->next_free = sim->free_list;
	sim->free_list = ev;
}

/* Free an event that will not run again, calling its finaliser first. */
static void sim_event_discard(struct sim *sim, struct sim_event *ev)
{
	sim_event_fin_fn *fin = ev->fin;

	sim_event_release(sim, ev);
	if (fin)
		fin(ev->ctx, ev->arg);
}

/*
 * Free the simulation (NULL is accepted). Events still pending are
 * discarded: their finalisers run, in queue order. Must not be called from
 * a handler.
 */
void sim_free(struct sim *sim)
{
	struct queue_entry e;

	if (!sim)
		return;
	while (queue_pop(sim->q, &e))
		sim_event_discard(sim, e.item);
	queue_free(sim->q);
	while (sim->slabs) {
		struct sim_slab *s = sim->slabs;

		sim->slabs = s->next;
		free(s);
	}
	free(sim);
}

/*
 * Schedule <fn>(sim, ctx, arg) at absolute time <at>.
 *
 * at < now is a bug in the caller: panic. at > horizon: the event is
 * dropped and counted (sim_events_dropped) and the returned handle has a
 * NULL ev, which every handle function accepts. Otherwise returns a handle
 * that stays safe to use after the event ran (see the file comment).
 */
struct sim_handle sim_schedule(struct sim *sim, sim_time_t at, sim_handler_fn *fn, void *ctx,
			       uint64_t arg)
{
	struct sim_event *ev;
	uint64_t seq;

	if (__builtin_expect(at < sim->now, 0))
		sim_panic(sim, SIM_LOC, "event scheduled in the past (at %lld ns, now %lld ns)",
			  (long long)at, (long long)sim->now);
	if (__builtin_expect(at > sim->horizon, 0)) {
		sim->dropped++;
		return (struct sim_handle){ .ev = NULL, .seq = 0 };
	}
	ev = sim_event_alloc(sim);
	seq = sim->seq++;
	ev->fn = fn;
	ev->ctx = ctx;
	ev->arg = arg;
	ev->gen = seq;
	ev->fin = NULL;
	ev->state = SIM_EV_PENDING;
	ev->cancelled = false;
	queue_push(sim->q, at, seq, ev);
	return (struct sim_handle){ .ev = ev, .seq = seq };
}

/*
 * Schedule <fn> <delay> ns from now (delay >= 0; a negative one panics as
 * a past time). A sum beyond SIM_TIME_MAX saturates, so it is dropped
 * unless the horizon is SIM_TIME_MAX.
 */
struct sim_handle sim_schedule_in(struct sim *sim, sim_time_t delay, sim_handler_fn *fn, void *ctx,
				  uint64_t arg)
{
	sim_time_t at;

	if (__builtin_add_overflow(sim->now, delay, &at))
		at = delay < 0 ? INT64_MIN : SIM_TIME_MAX;
	return sim_schedule(sim, at, fn, ctx, arg);
}

/* The event <h> names, or NULL when the handle is empty or stale. */
static inline struct sim_event *sim_handle_event(struct sim_handle h)
{
	if (!h.ev || h.ev->state == SIM_EV_FREE || h.ev->gen != h.seq)
		return NULL;
	return h.ev;
}

/*
 * Cancel the event <h> names. Returns true when this call stopped a future
 * run: the event was pending, or is running now and would otherwise have
 * been re-scheduled by its return value (which is then ignored). Returns
 * false for an empty or stale handle (the event ran and its slot may have
 * been reused) and for an event already cancelled. O(1): the slot is
 * reclaimed when the event reaches the front of the queue.
 */
bool sim_cancel(struct sim *sim, struct sim_handle h)
{
	struct sim_event *ev = sim_handle_event(h);

	if (!ev || ev->cancelled)
		return false;
	ev->cancelled = true;
	if (ev->state == SIM_EV_PENDING)
		sim->ncancelled++;
	return true;
}

/* True when the event <h> names is in the queue and not cancelled. */
bool sim_handle_is_pending(const struct sim *sim, struct sim_handle h)
{
	const struct sim_event *ev = sim_handle_event(h);

	(void)sim;
	return ev && ev->state == SIM_EV_PENDING && !ev->cancelled;
}

/*
 * Set the finaliser of the event <h> names (NULL clears it); ignored for an
 * empty or stale handle. See the file comment for when it is called.
 */
void sim_set_fin(struct sim *sim, struct sim_handle h, sim_event_fin_fn *fin)
{
	struct sim_event *ev = sim_handle_event(h);

	(void)sim;
	if (ev)
		ev->fin = fin;
}

/*
 * Run every event due at or before min(<until>, horizon), in (time, seq)
 * order, setting now to each event's time before its handler runs.
 *
 * Stops early, after the current handler, once sim_stop() was called; now
 * then stays at that event's time. Otherwise the queue holds nothing due by
 * the limit and now advances to the limit (so a later sim_schedule_in()
 * counts from there) unless the limit is SIM_TIME_MAX ("run until empty"),
 * in which case now stays at the last event's time. An <until> earlier
 * than now runs nothing. The stop flag is cleared on return.
 *
 * Returns the number of handlers called by this call (cancelled events
 * skipped are not counted).
 */
uint64_t sim_run(struct sim *sim, sim_time_t until)
{
	const sim_time_t limit = until < sim->horizon ? until : sim->horizon;
	struct queue *q = sim->q;
	uint64_t ran = 0;
	struct queue_entry e, next;

	if (limit < sim->now) {
		sim->stop = false;
		return 0;
	}
	while (!sim->stop && queue_peek(q, &e) && e.at <= limit) {
		struct sim_event *ev = e.item;
		sim_time_t d;

		queue_pop(q, &e);
		/*
		 * The next event was likely scheduled long ago and is cold:
		 * start loading it while this one runs.
		 */
		if (queue_peek(q, &next))
			__builtin_prefetch(next.item);
		if (__builtin_expect(ev->cancelled, 0)) {
			sim->ncancelled--;
			sim_event_discard(sim, ev);
			continue;
		}
		sim->now = e.at;
		sim->cur_seq = e.seq;
		ev->state = SIM_EV_RUNNING;
		d = ev->fn(sim, ev->ctx, ev->arg);
		ran++;
		sim->run++;
		if (d == SIM_NOMORE) {
			sim_event_release(sim, ev);
		} else if (__builtin_expect(d < 0, 0)) {
			sim_panic(sim, SIM_LOC, "handler returned a negative delay %lld",
				  (long long)d);
		} else if (ev->cancelled) {
			sim_event_discard(sim, ev);
		} else {
			sim_time_t at;

			if (__builtin_add_overflow(e.at, d, &at) || at > sim->horizon) {
				sim->dropped++;
				sim_event_discard(sim, ev);
			} else {
				ev->state = SIM_EV_PENDING;
				queue_push(q, at, sim->seq++, ev);
			}
		}
		if (__builtin_expect(sim->progress_every != 0, 0) && --sim->progress_left == 0) {
			sim->progress_left = sim->progress_every;
			sim->progress(sim->progress_ctx, sim->now, sim->run);
		}
	}
	if (!sim->stop && limit != SIM_TIME_MAX)
		sim->now = limit;
	sim->stop = false;
	return ran;
}

/*
 * Make sim_run() return after the current handler. Outside a run, the next
 * sim_run() returns at once (having run nothing).
 */
void sim_stop(struct sim *sim)
{
	sim->stop = true;
}

/*
 * Call <fn>(ctx, now, events run so far) after every <every_events> handlers
 * (counted across sim_run() calls from now on); every_events 0 or a NULL fn
 * turns progress calls off.
 */
void sim_set_progress(struct sim *sim, sim_progress_fn *fn, void *ctx, uint64_t every_events)
{
	if (!fn)
		every_events = 0;
	sim->progress = fn;
	sim->progress_ctx = ctx;
	sim->progress_every = every_events;
	sim->progress_left = every_events;
}

sim_time_t sim_now(const struct sim *sim)
{
	return sim->now;
}

sim_time_t sim_horizon(const struct sim *sim)
{
	return sim->horizon;
}

/* Handlers called so far, over all sim_run() calls. */
uint64_t sim_events_run(const struct sim *sim)
{
	return sim->run;
}

/* Events not scheduled because they fell beyond the horizon. */
uint64_t sim_events_dropped(const struct sim *sim)
{
	return sim->dropped;
}

/* Events in the queue that will run, cancelled ones excluded. */
size_t sim_pending(const struct sim *sim)
{
	return queue_len(sim->q) - sim->ncancelled;
}

/*
 * The time of the earliest event in the queue, or SIM_TIME_MAX when it is
 * empty. A cancelled event still counts until it is popped, so this is a
 * lower bound: enough for a driver that feeds outside input (a capture) in
 * time order and runs the kernel only when something may be due.
 */
sim_time_t sim_next_time(const struct sim *sim)
{
	struct queue_entry e;

	return queue_peek(sim->q, &e) ? e.at : SIM_TIME_MAX;
}

/* Size of one pooled event, for lbbench's memory report. */
size_t sim_event_size(void)
{
	return sizeof(struct sim_event);
}

/*
 * Report a broken invariant and abort: "lbsim: panic at FILE:LINE (t=S s,
 * seq N): message" on stderr. <sim> may be NULL when there is none yet.
 */
_Noreturn void sim_panic(const struct sim *sim, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (sim)
		fprintf(stderr, "lbsim: panic at %s:%d (t=%.9f s, seq %llu): ", file, line,
			sim_time_to_sec(sim->now), (unsigned long long)sim->cur_seq);
	else
		fprintf(stderr, "lbsim: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}
