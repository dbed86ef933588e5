/*
 * models/replay.h - replay captured frames through the scenario's directors.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_REPLAY_H
#define LBSIM_MODELS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/wire/addr.h"
#include "algorithms/wire/frame.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/sim.h"

struct replay;

/* --map ORIG[:PORT]=VIP[:PORT]: packets to ORIG count as packets to VIP. */
struct replay_map {
	struct lb_addr from, to;
	uint16_t from_port, to_port; /* 0 = any / keep */
};

/*
 * Where the director's output goes (the --dump pcaps): <port> is the index
 * of a real server (0..nservers-1, as replay_server_name gives them) or -1
 * for the client side (NAT replies, ICMP errors). May be NULL.
 */
typedef void replay_sink_fn(void *ctx, int port, sim_time_t at, const uint8_t *frame, size_t len);

struct replay_conf {
	const struct scenario *scn;
	const char *algo;	     /* replaces every lb_algo when not NULL */
	uint64_t seed;
	double speed;		     /* capture seconds per simulated second, > 0 */
	bool topspeed;		     /* each packet when the director is free */
	const struct replay_map *maps;
	size_t nmaps;
	bool model_replies;	     /* NAT services: the server model answers (SYN, requests, FIN) */
	replay_sink_fn *sink;
	void *sink_ctx;
};

int replay_new(const struct replay_conf *conf, struct replay **out, char *err, size_t errlen);
int replay_packet(struct replay *rp, int64_t ts_ns, enum lb_linktype lt, const uint8_t *frame,
		  size_t caplen, size_t wirelen);
void replay_prefetch(struct replay *rp, enum lb_linktype lt, const uint8_t *frame, size_t caplen);
void replay_finish(struct replay *rp);
size_t replay_nservers(const struct replay *rp);
const char *replay_server_name(const struct replay *rp, size_t i);
bool replay_has_nat(const struct replay *rp);
bool replay_is_reply(const struct replay *rp, enum lb_linktype lt, const uint8_t *frame,
		     size_t caplen);
void replay_fill_result(const struct replay *rp, struct run_result *r);
uint64_t replay_packets(const struct replay *rp);
void replay_free(struct replay *rp);

#endif /* LBSIM_MODELS_REPLAY_H */
