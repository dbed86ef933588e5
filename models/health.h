/*
 * models/health.h - keepalived's health checkers acting on a simulated
 * director's virtual services (the algorithms/check module, with probes
 * answered by the server models).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_HEALTH_H
#define LBSIM_MODELS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/env.h"
#include "algorithms/ipvs/service.h"
#include "scenarios/lang/scenario.h"
#include "sim/sim.h"

struct mvs;
struct health;

/* What a probe finds at a real server, as the host's server model says now. */
enum health_answer {
	HEALTH_ANSWER_NONE = 0, /* down or unreachable: the checker's timeout decides */
	HEALTH_ANSWER_OK,
	HEALTH_ANSWER_REFUSED,	/* up, but its backlog is full */
};

/* What the checkers did to a real server's destination (for the host's report). */
enum health_event {
	HEALTH_EV_UP = 0, /* added back (or confirmed at start) with a weight */
	HEALTH_EV_DOWN,	  /* deleted from the service */
	HEALTH_EV_WEIGHT, /* weight changed in place (inhibit_on_failure, dynamic weight) */
};

/*
 * The director a set of checkers runs in: `lbsim run`'s model (health_new)
 * or `lbsim replay`'s (models/replay.c). <rs> is a real server's index in
 * cfg->rs, or CHECK_RS_SORRY for the sorry server. The host owns everything
 * here; the checkers keep a copy of the struct.
 */
struct health_host {
	struct sim *sim;		/* probe answers are events here */
	struct lb_env env;		/* the director's clock and timers */
	struct lb_service *svc;		/* the service the traffic uses */
	const struct scn_vs *cfg;
	const char *dir_name;		/* names the random stream */
	uint64_t seed;
	void *ctx;
	/* the probe's answer now, and the round trip it takes (<rtt_ns>) */
	enum health_answer (*answer)(void *ctx, int rs, sim_time_t *rtt_ns);
	/* the destination the host holds for <rs>, NULL if none yet */
	struct lb_dest *(*dest)(void *ctx, int rs);
	/* <d> is now <rs>'s destination: keep it and set its owner */
	void (*bind)(void *ctx, int rs, struct lb_dest *d);
	/* <d> was deleted from svc (its connections stay): tell the conn table */
	void (*deleted)(void *ctx, int rs, struct lb_dest *d);
	/* after each change, with the new weight; may be NULL */
	void (*event)(void *ctx, int rs, enum health_event ev, int weight);
};

int health_new(struct mvs *v, struct health **out, char *err, size_t errlen);
int health_new_host(const struct health_host *host, struct health **out, char *err,
		    size_t errlen);
void health_start(struct health *h);
int health_set_weight(struct health *h, const struct lb_addr *addr, uint16_t port,
		      int64_t weight);
/* The checkers' verdicts agree with the service (spec 5.3); asserted in LBSIM_DEBUG. */
bool health_sane(const struct health *h);
int health_misc_counts(const struct health *h, size_t rs, size_t ci, uint64_t *runs,
		       uint64_t *failures);
void health_free(struct health *h);

#endif /* LBSIM_MODELS_HEALTH_H */
