/*
 * models/world.h - build a simulated world from a scenario, run it, read results.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_WORLD_H
#define LBSIM_MODELS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/sim.h"

struct world;

/*
 * A tap on the client packets that reach the director (a capture taken in
 * front of it): `lbsim pcapgen` turns them into frames. <sent> and <received>
 * are the payload bytes the client sent before this packet and received so
 * far, so a tap needs no state of its own to number TCP sequences.
 */
enum world_tap_ev {
	WORLD_TAP_SYN = 0,   /* the connection's SYN (again on a retry) */
	WORLD_TAP_REQUEST,   /* request k: the ACK that carries it, <bytes> of payload */
	WORLD_TAP_ACK,	     /* the client acknowledges response k, <bytes> long */
	WORLD_TAP_FIN,	     /* the client closes: FIN, then the last ACK */
	/* count, keep last */
	WORLD_TAP_EV_COUNT
};

struct world_tap_pkt {
	enum world_tap_ev ev;
	uint64_t conn;		      /* connection number, from 1 in order of birth */
	const struct lb_flow_key *key; /* client -> virtual service */
	uint32_t k;		      /* request index */
	uint32_t bytes;		      /* REQUEST: payload bytes */
	uint64_t sent, received;      /* payload bytes so far, each way */
};

typedef void world_tap_fn(void *ctx, sim_time_t at, const struct world_tap_pkt *pkt);

/*
 * A VRRP advert a director's instance puts on the HA segment (models/ha.c),
 * at the time it is sent: not those an interface that is down, a `block
 * vrrp` or a stopped process keep in. For tests and traces.
 */
struct world_vrrp_pkt {
	const char *director;
	const char *instance;
	const char *ifname;	      /* the instance's interface, NULL when it names none */
	uint8_t vrid;
	uint8_t priority;	      /* 0: the master leaves (stop, FAULT) */
};

typedef void world_vrrp_tap_fn(void *ctx, sim_time_t at, const struct world_vrrp_pkt *pkt);

/*
 * Called every tick_ns of simulated time from tick_ns on, between two
 * events (tests: invariants along a run). It may read the world, not
 * change it; the run's outcome is the same with or without it (only the
 * event count grows).
 */
typedef void world_tick_fn(void *ctx, struct world *w, sim_time_t at);

struct world_opts {
	const char *algo;	      /* replaces every lb_algo when not NULL */
	uint64_t seed;		      /* used when seed_set, else the scenario's */
	bool seed_set;
	sim_progress_fn *progress;    /* may be NULL */
	void *progress_ctx;
	world_tap_fn *tap;	      /* may be NULL */
	void *tap_ctx;
	world_vrrp_tap_fn *vrrp_tap;  /* may be NULL */
	void *vrrp_tap_ctx;
	world_tick_fn *tick;	      /* may be NULL */
	void *tick_ctx;
	sim_time_t tick_ns;	      /* > 0 with a tick */
};

int world_new(const struct scenario *scn, const struct world_opts *opts, struct world **out,
	      char *err, size_t errlen);
void world_run(struct world *w);
void world_fill_result(const struct world *w, struct run_result *r);
bool world_checkers_sane(const struct world *w);
void world_free(struct world *w);

#endif /* LBSIM_MODELS_WORLD_H */
