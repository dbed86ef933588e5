/*
 * sim/sim.h - the discrete-event kernel: time, events, the run loop.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_SIM_H
#define LBSIM_SIM_SIM_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- time: integer nanoseconds since the start of the simulation ---- */
typedef int64_t sim_time_t;

#define SIM_NSEC ((sim_time_t)1)
#define SIM_USEC ((sim_time_t)1000)
#define SIM_MSEC ((sim_time_t)1000000)
#define SIM_SEC ((sim_time_t)1000000000)
#define SIM_TIME_MAX INT64_MAX
/* A handler returns this to say "do not run me again". */
#define SIM_NOMORE ((sim_time_t)-1)

static inline double sim_time_to_sec(sim_time_t t)
{
	return (double)t / 1e9;
}

static inline sim_time_t sim_time_from_sec(double s)
{
	return (sim_time_t)llround(s * 1e9);
}

/* ---- events ---- */
struct sim;
struct sim_event;

/*
 * An event handler. <ctx> and <arg> are what was given to sim_schedule().
 * Return SIM_NOMORE for a one-shot event, or a delay >= 0 after which the
 * same event runs again (periodic timers).
 */
typedef sim_time_t sim_handler_fn(struct sim *sim, void *ctx, uint64_t arg);

/* Called for a cancelled event's context when it is discarded. */
typedef void sim_event_fin_fn(void *ctx, uint64_t arg);

/* A handle stays safe to cancel after the event ran: seq tells stale ones. */
struct sim_handle {
	struct sim_event *ev;
	uint64_t seq;
};

/* ---- lifecycle ---- */
struct sim *sim_new(sim_time_t horizon);
void sim_free(struct sim *sim);

/* ---- scheduling ---- */
struct sim_handle sim_schedule(struct sim *sim, sim_time_t at, sim_handler_fn *fn, void *ctx,
			       uint64_t arg);
struct sim_handle sim_schedule_in(struct sim *sim, sim_time_t delay, sim_handler_fn *fn, void *ctx,
				  uint64_t arg);
bool sim_cancel(struct sim *sim, struct sim_handle h);
bool sim_handle_is_pending(const struct sim *sim, struct sim_handle h);
void sim_set_fin(struct sim *sim, struct sim_handle h, sim_event_fin_fn *fin);

/* ---- running ---- */
uint64_t sim_run(struct sim *sim, sim_time_t until);
void sim_stop(struct sim *sim);
typedef void sim_progress_fn(void *ctx, sim_time_t now, uint64_t events);
void sim_set_progress(struct sim *sim, sim_progress_fn *fn, void *ctx, uint64_t every_events);

/* ---- accessors ---- */
sim_time_t sim_now(const struct sim *sim);
sim_time_t sim_horizon(const struct sim *sim);
uint64_t sim_events_run(const struct sim *sim);
uint64_t sim_events_dropped(const struct sim *sim);
size_t sim_pending(const struct sim *sim);
/* The time of the earliest queued event (cancelled ones included), SIM_TIME_MAX if none. */
sim_time_t sim_next_time(const struct sim *sim);
/* Bytes per pooled event (benchmark and memory reports). */
size_t sim_event_size(void);

/* ---- fatal misuse ---- */
#define SIM_LOC __FILE__, __LINE__
_Noreturn void sim_panic(const struct sim *sim, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* LBSIM_SIM_SIM_H */
