/*
 * models/model.h - the simulated world's objects, shared by the model files.
 *
 * These structs are internal to models/: tools/ and results/ only see
 * models/world.h. They are defined here, not in each .c, because a request
 * crosses client, link, director and server code on its hot path and those
 * functions read each other's fields directly.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_MODEL_H
#define LBSIM_MODELS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "algorithms/env.h"
#include "algorithms/ipvs/conn.h"
#include "algorithms/ipvs/service.h"
#include "scenarios/lang/scenario.h"
#include "sim/sim.h"
#include "sim/stats.h"
#include "models/world.h"

struct world;
struct mconn;
struct health;
struct ha;

/* ---- links (models/link.c) ---- */
enum link_dir {
	LINK_INBOUND = 0, /* towards the servers */
	LINK_OUTBOUND,	  /* towards the clients */
	/* count, keep last */
	LINK_DIR_COUNT
};

struct mlink {
	const struct scn_link *cfg;
	sim_time_t free_at[LINK_DIR_COUNT]; /* serialization FIFO, per direction */
	double ns_per_byte;		    /* 0 = unlimited bandwidth */
	gsl_rng *loss_rng;		    /* NULL until the link loses packets */
	uint64_t lost_packets;
	double loss;			    /* now: the config's, or a fault's */
	bool up;			    /* now */
};

#define LINK_MSS 1448u	   /* TCP payload per segment */
#define LINK_HDR_BYTES 52u /* IPv4 + TCP with timestamps */

sim_time_t link_transit(struct mlink *l, enum link_dir dir, sim_time_t now, uint64_t bytes,
			unsigned npkts);
static inline unsigned link_segments(uint64_t bytes)
{
	return bytes ? (unsigned)((bytes + LINK_MSS - 1) / LINK_MSS) : 1;
}

/* ---- real servers (models/server.c) ---- */
struct ps_job {
	double finish; /* virtual-time finish tag */
	struct mconn *c;
};

struct server {
	const struct scn_server *cfg;
	struct world *w;
	struct mlink *link;
	bool up;
	unsigned busy;		 /* requests in service */
	struct mconn **fifo;	 /* waiting requests, ring */
	size_t fifo_head, fifo_len, fifo_cap;
	/* processor sharing: jobs ordered by finish tag in virtual time */
	struct ps_job *ps;
	size_t ps_len, ps_cap;
	double ps_v;		 /* virtual time: service each job has received */
	sim_time_t ps_v_at;	 /* when ps_v was last brought up to date */
	struct sim_handle ps_next;
	struct stat_tw busy_tw;	 /* busy workers over time */
	uint64_t completed;
};

void server_init(struct server *s, struct world *w, const struct scn_server *cfg,
		 struct mlink *link);
void server_fini(struct server *s);
enum server_verdict {
	SERVER_TAKEN = 0,
	SERVER_DOWN,	 /* no answer at all */
	SERVER_FULL,	 /* backlog full: the connection is reset */
	/* count, keep last */
	SERVER_VERDICT_COUNT
};

enum server_verdict server_offer(struct server *s, struct mconn *c, bool first);
size_t server_waiting(const struct server *s);

/* ---- director (models/director.c) ---- */
struct rs {
	struct lb_dest *dest;
	struct server *srv;
	struct mvs *vs;
	const struct scn_rs *cfg;
	uint64_t requests;	 /* completed after warm-up */
	uint64_t connections;	 /* scheduled after warm-up */
	uint64_t refused;	 /* refused by the server after warm-up */
};

struct mvs {
	struct lb_service svc;
	bool tabled;		 /* persistent: entries live in the director's conn table */
	const struct scn_vs *cfg;
	struct director *dir;
	struct rs *rs;		 /* nrs real servers, then room for the sorry server */
	size_t nrs;
	gsl_rng *rng;
	struct health *health;	 /* keepalived's checkers, NULL when none (models/health.c) */
	uint64_t route_epoch;	 /* HA: world.route_epoch when route_dir was read */
	int route_dir;		 /* HA: ha_route of its VIP then */
};

/* Connections that wait to expire, all with one timeout: a FIFO suffices. */
struct linger_ent {
	sim_time_t at;
	struct lb_dest *d;
	bool active;
};

struct linger {
	sim_time_t timeout_ns;
	struct linger_ent *v;
	size_t head, len, cap;
};

enum linger_kind {
	LINGER_FIN = 0,	 /* closed TCP: FIN_WAIT/TIME_WAIT, inactive */
	LINGER_SYNRECV,	 /* SYN seen, no answer through the director: active */
	LINGER_CLOSE,	 /* reset seen by the director: inactive */
	LINGER_UDP,	 /* UDP entry after its last datagram: inactive */
	LINGER_ESTABLISHED, /* open, but no packet will come (director was down): active */
	/* count, keep last */
	LINGER_KIND_COUNT
};

struct director {
	const struct scn_director *cfg;
	struct world *w;
	struct lb_env env;	 /* the services' clock and log: the simulation's */
	uint64_t log_count;	 /* messages the IPVS code logged */
	char log_first[192];	 /* the first of them */
	struct mvs *vs;
	size_t nvs;
	sim_time_t cpu_free_at;
	sim_time_t nic_free_at;
	double nic_ns_per_byte;
	sim_time_t cpu_busy_ns;	 /* after warm-up */
	bool down;		 /* crashed or stopped (a fault): every packet is lost */
	uint64_t conns;		 /* connection entries now */
	uint64_t conns_max;
	uint64_t packets;
	struct linger linger[LINGER_KIND_COUNT];
	struct lb_conn_table *tab; /* persistent services' entries and templates */
	struct scn_lvs_timeouts lvs; /* in force: the director's, the scenario's, or 0 */
};

int director_init(struct director *d, struct world *w, const struct scn_director *cfg,
		  const char *algo, char *err, size_t errlen);
void director_fini(struct director *d);
void director_expire(struct director *d, sim_time_t now);
sim_time_t director_process(struct director *d, sim_time_t now, unsigned npkts, uint64_t bytes);
void director_linger(struct director *d, enum linger_kind k, struct lb_dest *dest, bool active);
struct lb_dest *director_schedule(struct director *d, struct mvs *v, const struct lb_flow_key *k);
void director_packet(struct director *d, struct mvs *v, const struct lb_flow_key *k,
		     enum lb_conn_dir dir, unsigned tcp_flags);
uint64_t director_entries(struct director *d);
struct mvs *director_find_vs(struct director *d, const struct lb_addr *a, uint16_t port,
			     uint8_t proto);

/* ---- clients and connections (models/client.c) ---- */
struct population {
	const struct scn_clients *cfg;
	struct world *w;
	struct mvs *vs;
	struct mvs **dvs;	 /* HA worlds: per director, its service for the target (or NULL) */
	struct mlink *link;
	gsl_rng *rng_arrival, *rng_source, *rng_requests, *rng_service, *rng_reqsize,
		*rng_respsize, *rng_think;
	double mean_gap_ns;
	sim_time_t on_until;	 /* onoff: end of the current on period */
	uint32_t src_span;	 /* addresses in the source prefix */
	uint16_t next_port;
};

/* Packet fidelity: where a connection's TCP exchange stands (models/packet.c). */
struct mconn_pkt {
	uint64_t sent_base, recv_base; /* payload bytes of requests, responses 0..k-1 */
	uint32_t segs_in, segs_out;    /* of request k at the server, of response k at the client */
	uint16_t mss;		       /* payload bytes per segment, set by the handshake */
	uint8_t epoch;		       /* bumped when the connection restarts or ends */
	uint8_t syn_tries;	       /* SYN retransmissions so far */
	bool established;	       /* the client has the SYN-ACK */
};

/* One client connection and its requests, drawn at birth (common random numbers). */
struct mconn {
	struct population *pop;
	struct mvs *vs;		 /* the virtual service (director) it went to */
	struct rs *rs;
	struct lb_addr saddr;
	uint16_t sport;
	uint16_t attempts;
	uint64_t id;		 /* number, from 1 in order of birth */
	uint32_t nreq, k;	 /* requests, index of the current one */
	sim_time_t fwd_at;	 /* when the director forwarded request k */
	bool counted;		 /* born after warm-up */
	sim_time_t sent_at;	 /* when the client sent request k */
	double *work;		 /* seconds of work per request at speed 1 */
	uint32_t *req_bytes, *resp_bytes;
	double work0;		 /* inline storage when nreq == 1 */
	uint32_t req0, resp0;
	struct mconn_pkt pk;	 /* packet fidelity only (models/packet.c) */
	struct mconn *next_free;  /* pool free list */
	struct mconn *big_prev, *big_next; /* world's list of conns with arrays */
};

void population_init(struct population *p, struct world *w, const struct scn_clients *cfg,
		     struct mvs *vs, struct mlink *link);
void population_fini(struct population *p);
void population_start(struct population *p);

/* Called by the server when request k of <c> is done. */
void conn_served(struct mconn *c);

/* ---- the world (models/world.c) ---- */
struct world {
	struct sim *sim;
	struct ctl_timers *ctl;	 /* the IPVS/keepalived code's timers (models/ctltimer.c) */
	const struct scenario *scn;
	uint64_t seed;
	sim_time_t warmup_ns, end_ns;
	struct mlink *links;
	size_t nlinks;
	struct server *servers;
	size_t nservers;
	struct director *dirs;
	size_t ndirs;
	struct population *pops;
	size_t npops;
	/* connection pool */
	struct mconn *free_conns;
	struct mconn **slabs;
	size_t nslabs;
	struct mconn *big;	 /* live connections with per-request arrays */
	/* outcomes after warm-up; timed_out is the part of failed answered too late */
	uint64_t requests, completed, refused, failed, timed_out;
	uint64_t interval_completed, interval_errors;
	struct stat_hist *response;
	bool measuring;
	sim_time_t measure_start, measure_end;
	struct run_result *series_sink;	 /* series go straight into the result */
	uint64_t births;
	world_tap_fn *tap;
	void *tap_ctx;
	world_vrrp_tap_fn *vrrp_tap;
	void *vrrp_tap_ctx;
	world_tick_fn *tick;
	void *tick_ctx;
	sim_time_t tick_ns;
	struct ha *ha;		 /* VRRP, NULL when no director runs it (models/ha.c) */
	uint64_t route_epoch;	 /* HA: bumped whenever ha_route's answer may change */
	bool ha_sync;		 /* HA: some director runs lvs_sync_daemon (ha_conn_open/close) */
};

struct mconn *world_conn_alloc(struct world *w);
void world_conn_alloc_requests(struct world *w, struct mconn *c);
void world_conn_free(struct world *w, struct mconn *c);
struct server *world_find_server(struct world *w, const struct lb_addr *a);
void world_count_answer(struct world *w, struct mconn *c, sim_time_t rt);
void world_count_lost(struct world *w, const struct mconn *c, bool refused);
sim_time_t population_think_ns(struct population *p);
struct mlink *world_find_link(struct world *w, const char *name);

#endif /* LBSIM_MODELS_MODEL_H */
