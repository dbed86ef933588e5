/*
 * models/replay.c - replay captured frames through the scenario's directors.
 *
 * `lbsim replay` feeds every frame of a capture here, in capture order, at
 * its capture time (scaled by --speed, or back to back with --topspeed). A
 * frame addressed to a virtual service goes through the same code the shim
 * runs: the IPVS connection table (lb_conn_in: port reuse, persistence
 * templates, the scheduler, the TCP state tables) and the forwarding method
 * of the service (lb_fwd: NAT rewrite, DR MAC rewrite, TUN encapsulation
 * with its "fragmentation needed" answer). What the director sends is
 * handed to a sink (the --dump pcaps) and counted per real server.
 *
 * Replies: a frame from a virtual service back to a client is the server's
 * answer as the director forwards it (NAT: the director sees it, OUT
 * direction; DR/TUN: it bypasses the director and is only counted). When a
 * capture holds no replies, the server model answers NAT connections
 * instead, with frames a real server would send, through the director's
 * NAT OUT rewrite like captured replies: a SYN-ACK one round trip of the
 * server's link after the SYN, for each request (client payload ending in
 * PSH) a response of the size the service's clients block draws, in
 * MSS-sized segments, after the request's wait for a worker and its service
 * time, and a FIN-ACK for the FIN. Simplifications: FIFO whatever the
 * server's discipline (no processor sharing), no congestion or receive
 * window (a response leaves at once, paced only by the server link's
 * bandwidth), no retransmission, no UDP answers.
 *
 * Health checkers: the scenario's keepalived checkers run on the replay's
 * clock (models/health.c, with this file as their host): a probe gets no
 * answer from a server a fault failed or whose link a fault cut, so the
 * checker removes it after its detection time, as keepalived would. What
 * that did to the traffic is counted: connections broken (packets of an
 * established connection arriving after its destination was deleted,
 * counted once per connection) and flows moved (a client whose previous
 * connection went to a server since removed or drained, now scheduled to
 * another one).
 *
 * Per frame this is one parse, one or two hash lookups, one scheduling
 * decision for new connections and one rewrite: it runs millions of times a
 * second and allocates nothing (but the server model: a connection and one
 * small event per output).
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "algorithms/check/checker.h"
#include "algorithms/env.h"
#include "algorithms/ipvs/conn.h"
#include "algorithms/ipvs/forward.h"
#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "models/health.h"
#include "models/vsbuild.h"
#include "models/ctltimer.h"
#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define RP_SCRATCH (LB_FWD_MAX_FRAMES * 2048 + 70000)
#define RP_SAMPLE_NS SIM_SEC
/* The largest frame the server model builds: Ethernet + a 64 KiB IP packet. */
#define RP_MFRAME (14 + 65535)

/* Reasons a frame is not forwarded, after the parser's own. */
enum rp_drop {
	RP_DROP_NOT_OURS = 0, /* not addressed to a virtual service, nor a reply from one */
	RP_DROP_NO_DEST,      /* the scheduler found no destination: ICMP port unreachable */
	RP_DROP_NO_CONN,      /* no entry and the packet may not create one (non-SYN) */
	RP_DROP_DEST_DELETED, /* the entry's destination was deleted */
	RP_DROP_REPLY_UNKNOWN, /* a reply for which the director has no entry */
	RP_DROP_FWD,	      /* the forwarding method refused it (too big, ...) */
	RP_DROP_DIRECTOR_DOWN, /* a fault crashed or stopped the director */
	RP_DROP_LINK_DOWN,    /* a fault cut the real server's link */
	/* count, keep last */
	RP_DROP_COUNT
};

static const char *const rp_drop_names[RP_DROP_COUNT] = {
	"not_ours", "no_dest", "no_conn", "dest_deleted", "reply_unknown", "fwd_error",
	"director_down", "link_down",
};

static const uint8_t rp_router_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t rp_director_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

struct rp_dir;
struct rp_vs;

/*
 * The server model of one real server host (one scenario server block,
 * shared by every service it serves): its workers' next free times as a
 * min-heap, and the start times of the requests waiting for a worker, in
 * order (FIFO, so they are sorted), for the backlog.
 */
struct rp_srv {
	const struct scn_server *cfg;
	sim_time_t *free;	 /* [cfg->workers], min-heap */
	sim_time_t *wait;	 /* ring of start times, grown as needed (<= cfg->backlog) */
	size_t whead, wlen, wcap;
	uint16_t ip_id;
};

struct rp_rs {
	struct lb_dest *dest;
	struct rp_vs *vs;
	char name[64];
	uint8_t mac[6];
	unsigned mtu;
	sim_time_t rtt_ns;	 /* director <-> server round trip */
	double bw_bps;		 /* the server's link, 0 = unlimited */
	const char *link;	 /* the server's link, for faults; NULL = none */
	bool link_down;		 /* a fault cut it */
	bool failed;		 /* a fault failed the server (it still receives) */
	bool removed;		 /* a checker deleted its destination */
	bool out;		 /* removed, or drained (weight 0): clients move away */
	uint64_t packets, bytes, conns;
	int idx;		 /* in replay->rs; -1: a sorry server */
	struct rp_srv *srv;	 /* its host's server model (model replies only) */
};

struct rp_vs {
	struct lb_service svc;
	const struct scn_vs *cfg;
	struct rp_dir *dir;
	gsl_rng *rng;
	struct rp_rs *rs;	 /* its cfg->nrs real servers in replay->rs */
	struct rp_rs sorry;	 /* the sorry server, when the checkers add it */
	struct health *health;	 /* keepalived's checkers, NULL when none */
	/* The server model (NAT, model replies): the first clients block
	 * targeting the service, or the defaults, gives demand and size. */
	const struct dist *demand, *resp_size;
	struct dist demand_def, resp_size_def;
	gsl_rng *rng_demand, *rng_resp_size;
};

/* Flows whose packets met a deleted destination: open addressing, linear probing. */
struct rp_flowset {
	struct lb_flow_key *keys;
	bool *used;
	size_t cap, n;
};

/* The real server each client address was last scheduled to. */
struct rp_client {
	struct lb_addr addr;
	int rs;			 /* index in replay->rs, -1 = none (slot free: addr.af 0) */
};

struct rp_clientmap {
	struct rp_client *v;
	size_t cap, n;
};

/*
 * A NAT connection the server model answers: the TCP numbers of both sides
 * as the server sees them, and when its last scheduled frame reaches the
 * director (frames of one connection leave in order). Held by the open map
 * (until the client's FIN or RST, or a new connection with the same key)
 * and by each pending output; freed at the last reference.
 */
struct rp_mconn {
	struct lb_flow_key key;	 /* client side, as the director's entry */
	struct rp_vs *vs;
	struct rp_rs *rs;
	uint64_t hash;		 /* rp_key_hash(&key) */
	uint32_t irs;		 /* the client's initial sequence number */
	uint32_t rcv_nxt;	 /* the client's next sequence number: our ack */
	uint32_t iss, snd_nxt;	 /* ours */
	uint32_t mss;		 /* payload bytes per segment we send */
	sim_time_t out_end;	 /* director time after our last scheduled frame */
	unsigned refs;
	bool dead;		 /* reset or replaced: send nothing more */
};

/* The open model connections by key: open addressing, linear probing. */
struct rp_mmap {
	struct rp_mconn **v;
	size_t cap, n;
};

/*
 * One scheduled output of the server model: a SYN-ACK, FIN-ACK or RST, or
 * a response of <left> bytes sent MSS by MSS, <gap> apart when the
 * server's link has a bandwidth (one event re-run per segment).
 */
struct rp_mout {
	struct rp_mconn *m;
	uint32_t seq, ack, left;
	uint8_t flags;		 /* 0: response data (ACK, PSH on the last) */
};

struct rp_dir {
	const struct scn_director *cfg;
	struct replay *rp;
	struct lb_conn_table *tab;
	struct lb_env env;
	struct lb_fwd_ctx fwd;
	sim_time_t cpu_free;
	sim_time_t cpu_busy;
	size_t entries_max;
	bool down;		 /* a fault crashed or stopped it */
};

struct replay {
	struct replay_conf conf;
	struct sim *sim;
	struct ctl_timers *ctl;	 /* checkers' timers */
	struct rp_dir *dirs;
	size_t ndirs;
	struct rp_vs *vs;
	size_t nvs;
	struct rp_rs *rs;
	size_t nrs;
	bool started;
	int64_t ts0;
	sim_time_t now;
	uint64_t packets, bytes, forwarded, icmp_sent, persist_hits;
	uint64_t replies_capture, replies_model, bypass, conns, to_failed;
	uint64_t reply_bytes, model_refused;
	uint64_t flows_broken, flows_moved, removals, readds;
	struct rp_flowset broken;
	struct rp_clientmap clients;
	struct run_result *events;	 /* checker actions: extras of scope "event" */
	sim_time_t next_sample;
	uint64_t parse_err[LB_PKT_E_COUNT];
	uint64_t drop[RP_DROP_COUNT];
	struct run_result *series;
	struct rp_srv *srv;	 /* [scn->nservers], model replies only */
	struct rp_mmap mconns;
	sim_time_t model_until;	 /* the last scheduled model frame */
	uint8_t *mframe;	 /* RP_MFRAME bytes: a frame the server model sends */
	uint8_t scratch[RP_SCRATCH];
	uint8_t icmp[1600];
};

/* The replay's clock: in an event, the event's time; between frames, the frame's. */
static sim_time_t rp_clock(const struct replay *rp)
{
	sim_time_t t = sim_now(rp->sim);

	return t > rp->now ? t : rp->now;
}

static int64_t rp_env_now(void *ctx)
{
	struct rp_dir *d = ctx;

	return rp_clock(d->rp);
}

static void rp_env_timer_cancel(void *ctx, struct lb_timer *t)
{
	struct rp_dir *d = ctx;

	ctl_timer_cancel(d->rp->ctl, t);
}

/* Arm (or move) <t> to fire at <at_ns> of the replay's clock. */
static void rp_env_timer_arm(void *ctx, struct lb_timer *t, int64_t at_ns)
{
	struct rp_dir *d = ctx;

	ctl_timer_arm(d->rp->ctl, t, at_ns, rp_clock(d->rp));
}

static uint64_t rp_addr_hash(const struct lb_addr *a, uint64_t h)
{
	const uint8_t *b = a->af == LB_AF_INET ? (const uint8_t *)&a->u.v4 : a->u.v6;
	size_t n = a->af == LB_AF_INET ? sizeof(a->u.v4) : sizeof(a->u.v6);

	h = (h ^ (uint64_t)a->af) * 0x100000001b3ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t rp_key_hash(const struct lb_flow_key *k)
{
	uint64_t h = rp_addr_hash(&k->saddr, 0xcbf29ce484222325ULL);

	h = rp_addr_hash(&k->daddr, h);
	h = (h ^ k->sport) * 0x100000001b3ULL;
	h = (h ^ k->dport) * 0x100000001b3ULL;
	return (h ^ k->proto) * 0x100000001b3ULL;
}

static bool rp_key_eq(const struct lb_flow_key *a, const struct lb_flow_key *b)
{
	return a->sport == b->sport && a->dport == b->dport && a->proto == b->proto &&
	       lb_addr_eq(&a->saddr, &b->saddr) && lb_addr_eq(&a->daddr, &b->daddr);
}

/* Add <k> to <s>; true when it was not there yet. Doubles at half full. */
static bool rp_flowset_add(struct rp_flowset *s, const struct lb_flow_key *k)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct rp_flowset g = { .cap = s->cap ? 2 * s->cap : 64 };

		g.keys = xcalloc(g.cap, sizeof(*g.keys));
		g.used = xcalloc(g.cap, sizeof(*g.used));
		for (size_t j = 0; j < s->cap; j++)
			if (s->used[j])
				rp_flowset_add(&g, &s->keys[j]);
		free(s->keys);
		free(s->used);
		*s = g;
	}
	for (i = rp_key_hash(k) & (s->cap - 1); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (rp_key_eq(&s->keys[i], k))
			return false;
	s->used[i] = true;
	s->keys[i] = *k;
	s->n++;
	return true;
}

/* The slot of client <a> in <m>, created (rs -1) when absent. Doubles at half full. */
static struct rp_client *rp_clientmap_get(struct rp_clientmap *m, const struct lb_addr *a)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct rp_clientmap g = { .cap = m->cap ? 2 * m->cap : 64 };

		g.v = xcalloc(g.cap, sizeof(*g.v));
		for (size_t j = 0; j < m->cap; j++)
			if (m->v[j].addr.af)
				rp_clientmap_get(&g, &m->v[j].addr)->rs = m->v[j].rs;
		free(m->v);
		*m = g;
	}
	for (i = rp_addr_hash(a, 0xcbf29ce484222325ULL) & (m->cap - 1); m->v[i].addr.af;
	     i = (i + 1) & (m->cap - 1))
		if (lb_addr_eq(&m->v[i].addr, a))
			return &m->v[i];
	m->v[i].addr = *a;
	m->v[i].rs = -1;
	m->n++;
	return &m->v[i];
}

static void rp_env_log(void *ctx, int level, const char *fmt, ...)
{
}

static void rp_mac_of(const struct lb_addr *a, uint8_t mac[6])
{
	uint32_t v = a->af == LB_AF_INET ? a->u.v4
					 : (uint32_t)a->u.v6[12] << 24 | (uint32_t)a->u.v6[13] << 16 |
						   (uint32_t)a->u.v6[14] << 8 | a->u.v6[15];

	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(v >> 24);
	mac[3] = (uint8_t)(v >> 16);
	mac[4] = (uint8_t)(v >> 8);
	mac[5] = (uint8_t)v;
}

/* ---- the server model's set-up ---- */

static void rp_srv_init(struct rp_srv *s, const struct scn_server *cfg)
{
	s->cfg = cfg;
	s->free = xcalloc(cfg->workers ? cfg->workers : 1, sizeof(*s->free));
}

/* The server model of host <a> (every real and sorry server has a block); NULL without model. */
static struct rp_srv *rp_srv_of(struct replay *rp, const struct lb_addr *a)
{
	const struct scn_server *s = scenario_find_server(rp->conf.scn, a);

	return rp->srv && s ? &rp->srv[s - rp->conf.scn->servers] : NULL;
}

/*
 * What the server model of NAT service <v> draws per request: demand and
 * response size of the first clients block that targets the service (the
 * scenario's defaults when none does), each on a stream of its own named
 * after the director and the service.
 */
static void rp_vs_model_init(struct replay *rp, struct rp_vs *v)
{
	const struct scenario *scn = rp->conf.scn;
	const struct scn_clients *c = NULL;
	char name[160], buf[LB_ADDR_STRLEN + 8];
	const char *why;

	for (size_t i = 0; i < scn->nclients && !c; i++)
		if (scn->clients[i].target_port == v->cfg->port &&
		    scn->clients[i].proto == v->cfg->proto &&
		    lb_addr_eq(&scn->clients[i].target, &v->cfg->addr))
			c = &scn->clients[i];
	dist_init(&v->demand_def, DIST_EXPONENTIAL, 0.010, 0, &why);
	dist_init(&v->resp_size_def, DIST_DETERMINISTIC, 10000, 0, &why);
	v->demand = c ? &c->service : &v->demand_def;
	v->resp_size = c ? &c->response_size : &v->resp_size_def;
	lb_addr_port_fmt(&v->cfg->addr, v->cfg->port, buf, sizeof(buf));
	snprintf(name, sizeof(name), "replay.%s.%s.service", v->dir->cfg->name, buf);
	v->rng_demand = rng_stream_new(rp->conf.seed, name);
	snprintf(name, sizeof(name), "replay.%s.%s.response_size", v->dir->cfg->name, buf);
	v->rng_resp_size = rng_stream_new(rp->conf.seed, name);
}

/* ---- the replay's director as the checkers' host (models/health.h) ---- */

static struct rp_rs *rp_vs_rs(struct rp_vs *v, int rs)
{
	return rs == CHECK_RS_SORRY ? &v->sorry : &v->rs[rs];
}

/* A probe: no answer from a failed server or over a cut link, else OK. */
static enum health_answer rp_health_answer(void *ctx, int rs, sim_time_t *rtt_ns)
{
	const struct rp_rs *r = rp_vs_rs(ctx, rs);

	*rtt_ns = r->rtt_ns;
	return r->failed || r->link_down ? HEALTH_ANSWER_NONE : HEALTH_ANSWER_OK;
}

static struct lb_dest *rp_health_dest(void *ctx, int rs)
{
	return rp_vs_rs(ctx, rs)->dest;
}

static void rp_health_bind(void *ctx, int rs, struct lb_dest *d)
{
	struct rp_rs *r = rp_vs_rs(ctx, rs);

	r->dest = d;
	d->owner = r;
}

static void rp_health_deleted(void *ctx, int rs, struct lb_dest *d)
{
	struct rp_vs *v = ctx;

	(void)rs;
	lb_conn_table_dest_removed(v->dir->tab, d);
}

/* Count removals and re-additions, with their times, for the report. */
static void rp_health_event(void *ctx, int rs, enum health_event ev, int weight)
{
	struct rp_vs *v = ctx;
	struct replay *rp = v->dir->rp;
	struct rp_rs *r = rp_vs_rs(v, rs);
	char what[96];

	if (ev == HEALTH_EV_DOWN) {
		r->removed = true;
		r->out = true;
		rp->removals++;
		snprintf(what, sizeof(what), "rs_down %s", r->name);
	} else {
		r->out = weight == 0;
		if (ev != HEALTH_EV_UP || !r->removed)
			return;
		r->removed = false;
		rp->readds++;
		snprintf(what, sizeof(what), "rs_up %s", r->name);
	}
	run_result_extra(rp->events, "event", what, sim_time_to_sec(rp_clock(rp)));
}

static int rp_vs_health(struct replay *rp, struct rp_vs *v, char *err, size_t errlen)
{
	const struct scn_vs *cfg = v->cfg;
	struct health_host host = {
		.sim = rp->sim,
		.env = v->dir->env,
		.svc = &v->svc,
		.cfg = cfg,
		.dir_name = v->dir->cfg->name,
		.seed = rp->conf.seed,
		.ctx = v,
		.answer = rp_health_answer,
		.dest = rp_health_dest,
		.bind = rp_health_bind,
		.deleted = rp_health_deleted,
		.event = rp_health_event,
	};
	struct rp_rs *s = &v->sorry;

	s->vs = v;
	s->idx = -1;
	s->mtu = 1500;
	if (cfg->sorry_server) {
		s->srv = rp_srv_of(rp, &cfg->sorry_addr);
		rp_mac_of(&cfg->sorry_addr, s->mac);
		lb_addr_port_fmt(&cfg->sorry_addr, cfg->sorry_port ? cfg->sorry_port : cfg->port,
				 s->name, sizeof(s->name));
	}
	return health_new_host(&host, &v->health, err, errlen);
}

static int rp_vs_init(struct replay *rp, struct rp_dir *d, struct rp_vs *v,
		      const struct scn_vs *cfg, char *err, size_t errlen)
{
	int rc;

	v->cfg = cfg;
	v->dir = d;
	rc = vsbuild_service(&v->svc, &v->rng, rp->conf.scn, d->cfg, cfg, rp->conf.algo,
			     rp->conf.seed, &d->env, err, errlen);
	if (rc)
		return rc;
	if (rp->conf.model_replies && cfg->kind == LB_KIND_NAT)
		rp_vs_model_init(rp, v);
	v->rs = &rp->rs[rp->nrs];
	for (size_t i = 0; i < cfg->nrs; i++) {
		const struct scn_rs *r = &cfg->rs[i];
		struct rp_rs *m = &rp->rs[rp->nrs];
		const struct scn_server *srv = scenario_find_server(rp->conf.scn, &r->addr);
		const struct scn_link *l = srv && srv->link ? scenario_find_link(rp->conf.scn, srv->link)
							    : NULL;

		rc = vsbuild_add_dest(&v->svc, r, &m->dest, err, errlen);
		if (rc)
			return rc;
		m->dest->owner = m;
		m->vs = v;
		m->idx = (int)rp->nrs;
		m->mtu = l ? l->mtu : 1500;
		m->rtt_ns = l ? 2 * l->latency_ns : 0;
		m->bw_bps = l ? l->bandwidth_bps : 0;
		m->link = l ? l->name : NULL;
		m->srv = rp_srv_of(rp, &r->addr);
		rp_mac_of(&r->addr, m->mac);
		lb_addr_port_fmt(&r->addr, r->port, m->name, sizeof(m->name));
		rp->nrs++;
	}
	return rp_vs_health(rp, v, err, errlen);
}

/*
 * Build a replay of <conf->scn> (which must outlive it). Returns 0 and *out,
 * or -errno with "file:line:col: error: ..." in <err>.
 */
int replay_new(const struct replay_conf *conf, struct replay **out, char *err, size_t errlen)
{
	const struct scenario *scn = conf->scn;
	struct replay *rp = xcalloc(1, sizeof(*rp));
	size_t nvs = 0, nrs = 0;
	int rc = 0;

	rp->conf = *conf;
	if (!(rp->conf.speed > 0))
		rp->conf.speed = 1.0;
	rp->sim = sim_new(SIM_TIME_MAX);
	rp->ctl = ctl_timers_new(rp->sim);
	rp->series = run_result_new();
	rp->events = run_result_new();
	for (size_t i = 0; i < scn->ndirectors; i++) {
		nvs += scn->directors[i].nvs;
		for (size_t j = 0; j < scn->directors[i].nvs; j++)
			nrs += scn->directors[i].vs[j].nrs;
	}
	if (rp->conf.model_replies) {
		rp->srv = xcalloc(scn->nservers ? scn->nservers : 1, sizeof(*rp->srv));
		for (size_t i = 0; i < scn->nservers; i++)
			rp_srv_init(&rp->srv[i], &scn->servers[i]);
		rp->mframe = xmalloc(RP_MFRAME);
	}
	rp->dirs = xcalloc(scn->ndirectors ? scn->ndirectors : 1, sizeof(*rp->dirs));
	rp->vs = xcalloc(nvs ? nvs : 1, sizeof(*rp->vs));
	rp->rs = xcalloc(nrs ? nrs : 1, sizeof(*rp->rs));
	for (size_t i = 0; i < scn->ndirectors; i++) {
		struct rp_dir *d = &rp->dirs[i];
		struct scn_lvs_timeouts lvs;
		struct lb_conn_conf cc;

		d->cfg = &scn->directors[i];
		d->rp = rp;
		d->env = (struct lb_env){ .ctx = d, .now_ns = rp_env_now,
					  .timer_arm = rp_env_timer_arm,
					  .timer_cancel = rp_env_timer_cancel, .log = rp_env_log };
		lvs = vsbuild_lvs(scn, d->cfg);
		vsbuild_conn_conf(&lvs, &cc);
		d->tab = lb_conn_table_new(&cc);
		lb_fwd_ctx_init(&d->fwd, 1);
		rp->ndirs = i + 1;
		for (size_t j = 0; j < d->cfg->nvs; j++) {
			rc = rp_vs_init(rp, d, &rp->vs[rp->nvs], &d->cfg->vs[j], err, errlen);
			rp->nvs++;
			if (rc)
				goto out_free_replay;
		}
	}
	*out = rp;
	return 0;

out_free_replay:
	replay_free(rp);
	return rc;
}

size_t replay_nservers(const struct replay *rp)
{
	return rp->nrs;
}

const char *replay_server_name(const struct replay *rp, size_t i)
{
	return i < rp->nrs ? rp->rs[i].name : NULL;
}

uint64_t replay_packets(const struct replay *rp)
{
	return rp->packets;
}

/* Does any virtual service forward by NAT (the server model may answer)? */
bool replay_has_nat(const struct replay *rp)
{
	for (size_t i = 0; i < rp->nvs; i++)
		if (rp->vs[i].cfg->kind == LB_KIND_NAT)
			return true;
	return false;
}

/* Apply the --map rules to one address and port (daddr side or saddr side). */
static void rp_map(const struct replay *rp, struct lb_addr *a, uint16_t *port)
{
	for (size_t i = 0; i < rp->conf.nmaps; i++) {
		const struct replay_map *m = &rp->conf.maps[i];

		if (!lb_addr_eq(&m->from, a) || (m->from_port && m->from_port != *port))
			continue;
		*a = m->to;
		if (m->to_port)
			*port = m->to_port;
		return;
	}
}

static struct rp_vs *rp_find_vs(struct replay *rp, const struct lb_addr *a, uint16_t port,
				uint8_t proto)
{
	for (size_t i = 0; i < rp->nvs; i++) {
		const struct scn_vs *c = rp->vs[i].cfg;

		if (!c->fwmark && c->port == port && c->proto == proto && lb_addr_eq(&c->addr, a))
			return &rp->vs[i];
	}
	return NULL;
}

/* Is this frame a reply from a virtual service (for the replies pre-scan)? */
bool replay_is_reply(const struct replay *rp, enum lb_linktype lt, const uint8_t *frame,
		     size_t caplen)
{
	struct lb_pkt p;
	struct lb_addr a;
	uint16_t port;

	if (lb_pkt_parse(&p, lt, frame, caplen) != LB_PKT_OK || p.kind != LB_PKT_IP)
		return false;
	a = p.saddr;
	port = p.sport;
	rp_map(rp, &a, &port);
	return rp_find_vs((struct replay *)rp, &a, port, p.proto) != NULL;
}

/* The director's CPU takes one packet at <t>: Lindley's recursion, busy time kept. */
static sim_time_t rp_cpu(struct rp_dir *d, sim_time_t t)
{
	sim_time_t start = d->cpu_free > t ? d->cpu_free : t;

	d->cpu_free = start + d->cfg->cpu_per_packet_ns;
	d->cpu_busy += d->cfg->cpu_per_packet_ns;
	return d->cpu_free;
}

static void rp_sink(struct replay *rp, int port, const uint8_t *frame, size_t len)
{
	if (rp->conf.sink)
		rp->conf.sink(rp->conf.sink_ctx, port, rp->now, frame, len);
}

/*
 * The director's entry for a reply of virtual service <v> to the client of
 * <k> (the client side key), when the reply goes through the director.
 * NULL, counted, for a connection the director does not know, a DR/TUN
 * service (the reply bypasses the director) or a director a fault took down.
 */
static struct lb_conn *rp_reply_entry(struct replay *rp, struct rp_vs *v,
				      const struct lb_flow_key *k)
{
	struct lb_conn *c = lb_conn_lookup(v->dir->tab, k);

	if (!c) {
		rp->drop[RP_DROP_REPLY_UNKNOWN]++;
		return NULL;
	}
	if (v->cfg->kind != LB_KIND_NAT) {
		rp->bypass++;
		return NULL;
	}
	if (v->dir->down) {
		rp->drop[RP_DROP_DIRECTOR_DOWN]++;
		return NULL;
	}
	return c;
}

/*
 * A reply of entry <c> leaves NAT director <d> for the client: <frame> is
 * what the client gets (len bytes present, wirelen on the wire). The
 * director's CPU, the entry's OUT transition, the counts and client.pcap:
 * the same for a captured reply and for one of the server model.
 */
static void rp_reply_send(struct replay *rp, struct rp_dir *d, struct lb_conn *c, unsigned flags,
			  const uint8_t *frame, size_t len, size_t wirelen)
{
	rp_cpu(d, rp->now);
	lb_conn_packet(d->tab, c, LB_CONN_DIR_OUT, flags, rp->now);
	rp->forwarded++;
	rp->reply_bytes += wirelen;
	rp_sink(rp, -1, frame, len);
}

/*
 * The ICMP port unreachable IPVS sends when no destination is available,
 * quoting the client's IP header and 8 bytes (IPv4; IPv6 gets none here).
 */
static void rp_port_unreachable(struct replay *rp, const struct lb_pkt *p, const uint8_t *frame)
{
	struct lb_eth_spec eth = { .nvlan = 0 };
	struct lb_ip_spec ip = { .saddr = p->daddr, .daddr = p->saddr, .ttl = 64 };
	uint8_t body[8 + 60 + 8];
	size_t quote = p->ip_hlen + 8, ip_left = p->caplen - p->l3_off;
	uint16_t csum;
	int n;

	rp->icmp_sent++;
	if (p->ip_ver != 4 || !rp->conf.sink)
		return;
	if (quote > ip_left)
		quote = ip_left;
	if (quote > sizeof(body) - 8)
		quote = sizeof(body) - 8;
	memset(body, 0, 8);
	body[0] = 3; /* destination unreachable */
	body[1] = 3; /* port unreachable */
	memcpy(body + 8, frame + p->l3_off, quote);
	csum = lb_csum_fold(lb_csum_partial(body, 8 + quote, 0));
	body[2] = (uint8_t)(csum >> 8);
	body[3] = (uint8_t)csum;
	memcpy(eth.dst, rp_router_mac, 6);
	memcpy(eth.src, rp_director_mac, 6);
	n = lb_build_ip(rp->icmp, sizeof(rp->icmp), &eth, &ip, LB_PROTO_ICMP, body, 8 + quote);
	if (n > 0)
		rp_sink(rp, -1, rp->icmp, (size_t)n);
}

/* ---- the server model: NAT connections answered as a real server would ---- */

static void rp_mconn_put(struct rp_mconn *m)
{
	if (--m->refs == 0)
		free(m);
}

static struct rp_mconn *rp_mmap_get(const struct rp_mmap *mm, const struct lb_flow_key *k)
{
	if (!mm->n)
		return NULL;
	for (size_t i = rp_key_hash(k) & (mm->cap - 1); mm->v[i]; i = (i + 1) & (mm->cap - 1))
		if (rp_key_eq(&mm->v[i]->key, k))
			return mm->v[i];
	return NULL;
}

/* Add <m> (its key absent); the map takes a reference. Doubles at half full. */
static void rp_mmap_add(struct rp_mmap *mm, struct rp_mconn *m)
{
	size_t i;

	if (2 * (mm->n + 1) > mm->cap) {
		struct rp_mconn **old = mm->v;
		size_t ocap = mm->cap;

		mm->cap = ocap ? 2 * ocap : 64;
		mm->v = xcalloc(mm->cap, sizeof(*mm->v));
		for (size_t j = 0; j < ocap; j++) {
			if (!old[j])
				continue;
			for (i = old[j]->hash & (mm->cap - 1); mm->v[i]; i = (i + 1) & (mm->cap - 1))
				;
			mm->v[i] = old[j];
		}
		free(old);
	}
	for (i = m->hash & (mm->cap - 1); mm->v[i]; i = (i + 1) & (mm->cap - 1))
		;
	mm->v[i] = m;
	mm->n++;
	m->refs++;
}

/*
 * Remove <m> (present) and drop the map's reference. Backward shift: each
 * later entry of the run moves into the hole unless its home slot lies
 * after the hole, so no tombstones pile up over a long capture.
 */
static void rp_mmap_del(struct rp_mmap *mm, struct rp_mconn *m)
{
	size_t mask = mm->cap - 1, i = m->hash & mask, j;

	while (mm->v[i] != m)
		i = (i + 1) & mask;
	for (j = i;;) {
		j = (j + 1) & mask;
		if (!mm->v[j])
			break;
		if (((j - mm->v[j]->hash) & mask) >= ((j - i) & mask)) {
			mm->v[i] = mm->v[j];
			i = j;
		}
	}
	mm->v[i] = NULL;
	mm->n--;
	rp_mconn_put(m);
}

/* Time <n> payload bytes and their headers take on the server's link; 0 = no bandwidth set. */
static sim_time_t rp_model_gap(const struct rp_mconn *m, uint32_t n)
{
	double bytes = (double)n + 14 + (m->key.saddr.af == LB_AF_INET ? 40 : 60);

	return m->rs->bw_bps > 0 ? (sim_time_t)(bytes * 8e9 / m->rs->bw_bps + 0.5) : 0;
}

/*
 * One frame from the real server of <m> to its client: built as the server
 * sends it (its address and port, TTL 64, DF), rewritten by lb_fwd's NAT
 * OUT direction (source VIP:port, checksums, TTL - 1) and sent on like a
 * captured reply (rp_reply_entry, rp_reply_send). A failed server sends
 * nothing; a cut link loses the frame.
 */
static void rp_model_send(struct replay *rp, struct rp_mconn *m, uint8_t flags, uint32_t seq,
			  uint32_t ack, uint32_t n)
{
	struct rp_vs *v = m->vs;
	struct rp_rs *r = m->rs;
	struct lb_eth_spec eth = { .nvlan = 0 };
	struct lb_ip_spec ip = { .daddr = m->key.saddr, .ttl = 64, .df = true };
	struct lb_tcp_spec tcp = { .dport = m->key.sport, .seq = seq, .ack = ack, .flags = flags,
				   .win = 64240, .payload_len = n };
	struct lb_fwd_target t;
	struct lb_fwd_out out;
	struct lb_conn *c;
	struct lb_pkt p;
	int len;

	if (r->failed)
		return;
	if (r->link_down) {
		rp->drop[RP_DROP_LINK_DOWN]++;
		return;
	}
	c = rp_reply_entry(rp, v, &m->key);
	if (!c)
		return;
	ip.saddr = c->dest->addr;
	ip.id = r->srv->ip_id++;
	tcp.sport = c->dest->port ? c->dest->port : v->cfg->port;
	if (flags & LB_TCP_SYN)
		tcp.mss = (uint16_t)(r->mtu - (m->key.saddr.af == LB_AF_INET ? 40 : 60));
	memcpy(eth.dst, rp_director_mac, 6);
	memcpy(eth.src, r->mac, 6);
	len = lb_build_tcp(rp->mframe, RP_MFRAME, &eth, &ip, &tcp);
	memset(&t, 0, sizeof(t));
	memcpy(t.eth.dst, rp_router_mac, 6);
	memcpy(t.eth.src, rp_director_mac, 6);
	t.laddr = v->cfg->addr;
	t.vaddr = v->cfg->addr;
	t.vport = v->cfg->port;
	t.dir = LB_FWD_OUT;
	out.buf = rp->scratch;
	out.cap = sizeof(rp->scratch);
	if (len < 0 || lb_pkt_parse(&p, LB_LT_ETHER, rp->mframe, (size_t)len) != LB_PKT_OK ||
	    lb_fwd(&v->dir->fwd, &p, rp->mframe, (size_t)len, LB_KIND_NAT, c->dest, &t, &out) ||
	    out.nframes != 1) {
		rp->drop[RP_DROP_FWD]++;
		return;
	}
	rp->replies_model++;
	rp_reply_send(rp, v->dir, c, flags, out.frames[0].data, out.frames[0].len,
		      out.frames[0].wire_len);
}

/* An output of the server model at its time: one frame, or the next segments of a response. */
static sim_time_t rp_mout_run(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rp_mout *o = ctx;
	struct rp_mconn *m = o->m;
	struct replay *rp = m->vs->dir->rp;
	sim_time_t gap = 0;

	rp->now = sim_now(sim);
	if (!m->dead && o->flags) {
		rp_model_send(rp, m, o->flags, o->seq, o->ack, 0);
	} else if (!m->dead) {
		do {
			uint32_t n = o->left < m->mss ? o->left : m->mss;

			rp_model_send(rp, m, LB_TCP_ACK | (n == o->left ? LB_TCP_PSH : 0), o->seq,
				      o->ack, n);
			o->seq += n;
			o->left -= n;
			gap = rp_model_gap(m, n);
		} while (o->left && !gap);
		if (o->left)
			return gap;
	}
	rp_mconn_put(m);
	free(o);
	return SIM_NOMORE;
}

static void rp_mout_drop(void *ctx, uint64_t arg)
{
	struct rp_mout *o = ctx;

	rp_mconn_put(o->m);
	free(o);
}

/*
 * Schedule an output of <m>: <flags> (0: <left> response bytes) from
 * sequence number <seq>, acknowledging what the client sent so far, at
 * director time <at> but not before the connection's previous output ends;
 * it lasts <span> (the response's segments on the server's link).
 */
static void rp_mout_add(struct replay *rp, struct rp_mconn *m, sim_time_t at, sim_time_t span,
			uint8_t flags, uint32_t seq, uint32_t left)
{
	struct rp_mout *o = xmalloc(sizeof(*o));
	struct sim_handle h;

	if (at < m->out_end)
		at = m->out_end;
	*o = (struct rp_mout){ .m = m, .seq = seq, .ack = m->rcv_nxt, .left = left, .flags = flags };
	m->refs++;
	h = sim_schedule(rp->sim, at, rp_mout_run, o, 0);
	sim_set_fin(rp->sim, h, rp_mout_drop);
	m->out_end = at + span;
	if (m->out_end > rp->model_until)
		rp->model_until = m->out_end;
}

/* Replace the root of the min-heap h[0..n) by <x>. */
static void rp_heap_replace_top(sim_time_t *h, size_t n, sim_time_t x)
{
	size_t i = 0, c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (h[c] >= x)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/*
 * A request of <m> is complete (new payload ending in PSH) at the director
 * now. It reaches the server half a round trip later and waits for the
 * first free worker (FIFO over all the host's requests: Lindley's
 * recursion on the workers' free times), which serves it for demand /
 * speed; the response leaves then and reaches the director half a round
 * trip later, after the connection's earlier output. When the request
 * would wait and cfg->backlog requests are waiting already, the server
 * refuses it: an RST instead, and the connection is no longer open (false).
 */
static bool rp_model_request(struct replay *rp, struct rp_mconn *m)
{
	struct rp_vs *v = m->vs;
	struct rp_rs *r = m->rs;
	struct rp_srv *s = r->srv;
	size_t nw = s->cfg->workers ? s->cfg->workers : 1;
	sim_time_t lat = r->rtt_ns / 2, arrive = rp->now + lat, start, svc, span = 0;
	double demand = dist_sample(v->demand, v->rng_demand);
	double bytes = dist_sample(v->resp_size, v->rng_resp_size);
	uint32_t size = bytes < 0 ? 0 : bytes > 4e9 ? 4000000000u : (uint32_t)(bytes + 0.5);

	svc = demand > 0 ? (sim_time_t)(demand / s->cfg->speed * 1e9 + 0.5) : 0;
	while (s->wlen && s->wait[s->whead] <= arrive) {
		s->whead = (s->whead + 1) % s->wcap;
		s->wlen--;
	}
	start = s->free[0] > arrive ? s->free[0] : arrive;
	if (start > arrive) {
		if (s->wlen >= s->cfg->backlog) {
			rp->model_refused++;
			rp_mout_add(rp, m, arrive + lat, 0, LB_TCP_RST | LB_TCP_ACK, m->snd_nxt, 0);
			rp_mmap_del(&rp->mconns, m);
			return false;
		}
		if (s->wlen == s->wcap) {
			size_t ncap = s->wcap ? 2 * s->wcap : 16;
			sim_time_t *w = xmalloc(ncap * sizeof(*w));

			for (size_t i = 0; i < s->wlen; i++)
				w[i] = s->wait[(s->whead + i) % s->wcap];
			free(s->wait);
			s->wait = w;
			s->wcap = ncap;
			s->whead = 0;
		}
		s->wait[(s->whead + s->wlen) % s->wcap] = start;
		s->wlen++;
	}
	rp_heap_replace_top(s->free, nw, start + svc);
	if (!size)
		return true;
	if (r->bw_bps > 0)
		span = (sim_time_t)(size / m->mss) * rp_model_gap(m, m->mss) +
		       (size % m->mss ? rp_model_gap(m, size % m->mss) : 0);
	rp_mout_add(rp, m, start + svc + lat, span, 0, m->snd_nxt, size);
	m->snd_nxt += size;
	return true;
}

/* A deterministic initial sequence number for the connection of key hash <h>. */
static uint32_t rp_model_isn(const struct replay *rp, uint64_t h)
{
	uint64_t z = h + rp->conf.seed * 0x9e3779b97f4a7c15ULL + rp->conns;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(z ^ (z >> 31));
}

/*
 * A client's SYN to NAT service <v> reached real server <r>: a new model
 * connection (it replaces one of the same key), answered by a SYN-ACK one
 * round trip of the server's link later. Our MSS option is the server
 * link's MTU minus the IP and TCP headers; we send segments of the smaller
 * of that and the client's MSS (536, or 1220 over IPv6, when it gave none).
 */
static void rp_model_open(struct replay *rp, struct rp_vs *v, struct rp_rs *r,
			  const struct lb_pkt *p, const struct lb_flow_key *k)
{
	struct rp_mconn *m = xcalloc(1, sizeof(*m));
	uint32_t hdr = k->saddr.af == LB_AF_INET ? 40 : 60;
	uint32_t own = r->mtu > hdr ? r->mtu - hdr : 1;
	uint32_t peer = p->tcp_mss ? p->tcp_mss : k->saddr.af == LB_AF_INET ? 536 : 1220;

	m->key = *k;
	m->vs = v;
	m->rs = r;
	m->hash = rp_key_hash(k);
	m->irs = p->seq;
	m->rcv_nxt = p->seq + 1;
	m->iss = rp_model_isn(rp, m->hash);
	m->snd_nxt = m->iss + 1;
	m->mss = own < peer ? own : peer;
	if (m->mss > RP_MFRAME - 14 - 60 - 60)
		m->mss = RP_MFRAME - 14 - 60 - 60;
	rp_mmap_add(&rp->mconns, m);
	rp_mout_add(rp, m, rp->now + r->rtt_ns, 0, LB_TCP_SYN | LB_TCP_ACK, m->iss, 0);
}

/*
 * The server model's view of client segment <p> of NAT connection <k>,
 * forwarded to real server <r>. What the server sends back:
 *  - a SYN: a SYN-ACK (rp_model_open), again for a retransmitted SYN while
 *    no data has been answered;
 *  - new payload that ends in PSH (the end of a request): the response
 *    (rp_model_request);
 *  - the FIN, in order: a FIN-ACK one round trip later, after the
 *    responses still being sent; the connection is then no longer open;
 *  - an RST: nothing more, pending responses included.
 * The acknowledgement of each output is the client's next sequence number
 * when it was scheduled. Segments of a failed server go unanswered.
 */
static void rp_model_in(struct replay *rp, struct rp_vs *v, struct rp_rs *r,
			const struct lb_pkt *p, const struct lb_flow_key *k)
{
	struct rp_mconn *m = rp_mmap_get(&rp->mconns, k);
	uint32_t dend;

	if ((p->tcp_flags & (LB_TCP_SYN | LB_TCP_ACK | LB_TCP_RST)) == LB_TCP_SYN) {
		if (m && p->seq == m->irs) {
			if (m->snd_nxt == m->iss + 1 && !r->failed)
				rp_mout_add(rp, m, rp->now + r->rtt_ns, 0, LB_TCP_SYN | LB_TCP_ACK,
					    m->iss, 0);
			return;
		}
		if (m) {
			m->dead = true;
			rp_mmap_del(&rp->mconns, m);
		}
		if (!r->failed && r->srv)
			rp_model_open(rp, v, r, p, k);
		return;
	}
	if (!m)
		return;
	if (p->tcp_flags & LB_TCP_RST) {
		m->dead = true;
		rp_mmap_del(&rp->mconns, m);
		return;
	}
	if (r->failed)
		return;
	dend = p->seq + p->payload_len;
	if ((int32_t)(dend - m->rcv_nxt) > 0) {
		m->rcv_nxt = dend;
		if ((p->tcp_flags & LB_TCP_PSH) && !rp_model_request(rp, m))
			return;
	}
	if ((p->tcp_flags & LB_TCP_FIN) && dend == m->rcv_nxt) {
		m->rcv_nxt++;
		rp_mout_add(rp, m, rp->now + r->rtt_ns, 0, LB_TCP_FIN | LB_TCP_ACK, m->snd_nxt++, 0);
		rp_mmap_del(&rp->mconns, m);
	}
}

/*
 * Sample the connection table now. Called from the frames themselves (at
 * most once per RP_SAMPLE_NS of capture time), not from a periodic event: a
 * capture with a gap of years between two timestamps must not make the
 * replay sample every second of the gap.
 */
static void rp_sample(struct replay *rp)
{
	size_t n = 0;

	for (size_t i = 0; i < rp->ndirs; i++) {
		lb_conn_table_expire(rp->dirs[i].tab, rp->now);
		n += lb_conn_table_count(rp->dirs[i].tab) - lb_conn_table_templates(rp->dirs[i].tab);
	}
	run_series_add(run_result_series(rp->series, "connections"), sim_time_to_sec(rp->now),
		       (double)n);
	rp->next_sample = rp->now + RP_SAMPLE_NS;
}

/*
 * A fault of the scenario, at its time of the replay: a crashed director
 * drops everything, a weight change moves new connections (IPVS keeps the
 * established ones), a cut server link drops the frames to it; a failed
 * server still gets its frames, counted, until a health checker (if the
 * service has one) removes it. VRRP faults wait for the HA model.
 */
static sim_time_t rp_fault(struct sim *sim, void *ctx, uint64_t arg)
{
	struct replay *rp = ctx;
	const struct scn_fault *f = &rp->conf.scn->faults[arg];

	rp->now = sim_now(sim);
	switch (f->kind) {
	case SCN_FAULT_CRASH_DIRECTOR:
	case SCN_FAULT_STOP_DIRECTOR:
	case SCN_FAULT_RECOVER_DIRECTOR:
		for (size_t i = 0; i < rp->ndirs; i++)
			if (!strcmp(rp->dirs[i].cfg->name, f->name))
				rp->dirs[i].down = f->kind != SCN_FAULT_RECOVER_DIRECTOR;
		break;
	case SCN_FAULT_WEIGHT:
		for (size_t i = 0; i < rp->nrs; i++) {
			struct rp_rs *r = &rp->rs[i];
			struct lb_dest *d = r->dest;

			if (d->port != f->port || !lb_addr_eq(&d->addr, &f->addr))
				continue;
			/* Through keepalived where its checkers own the service, as
			 * in run (models/world.c): a failed server stays out. */
			if (!r->vs->health || health_set_weight(r->vs->health, &f->addr, f->port,
								(int64_t)f->value) == -ENOENT)
				lb_service_edit_dest(d->svc, d, (int)f->value, d->u_threshold,
						     d->l_threshold);
			r->out = r->removed || f->value == 0;
		}
		break;
	case SCN_FAULT_FAIL_SERVER:
	case SCN_FAULT_RECOVER_SERVER:
		for (size_t i = 0; i < rp->nrs; i++)
			if (lb_addr_eq(&rp->rs[i].dest->addr, &f->addr))
				rp->rs[i].failed = f->kind == SCN_FAULT_FAIL_SERVER;
		break;
	case SCN_FAULT_CUT_LINK:
	case SCN_FAULT_HEAL_LINK:
		for (size_t i = 0; i < rp->nrs; i++)
			if (rp->rs[i].link && !strcmp(rp->rs[i].link, f->name))
				rp->rs[i].link_down = f->kind == SCN_FAULT_CUT_LINK;
		break;
	default:
		break;
	}
	return SIM_NOMORE;
}

/* A reply from virtual service <v> to a client, as captured. */
static void rp_reply(struct replay *rp, struct rp_vs *v, const struct lb_pkt *p,
		     const uint8_t *frame, size_t caplen, size_t wirelen)
{
	struct lb_flow_key k = { .saddr = p->daddr, .daddr = v->cfg->addr, .sport = p->dport,
				 .dport = v->cfg->port, .proto = p->proto };
	struct lb_conn *c = rp_reply_entry(rp, v, &k);

	if (!c)
		return;
	rp->replies_capture++;
	rp_reply_send(rp, v->dir, c, p->tcp_flags, frame, caplen, wirelen);
}

/* A packet from a client to virtual service <v>. */
static void rp_request(struct replay *rp, struct rp_vs *v, struct lb_pkt *p, const uint8_t *frame,
		       size_t caplen, const struct lb_flow_key *k)
{
	struct rp_dir *d = v->dir;
	struct lb_conn *c;
	uint64_t created = lb_conn_table_created(d->tab);
	struct lb_fwd_target t;
	struct lb_fwd_out out;
	struct rp_rs *r;
	int rc;

	if (d->down) {
		rp->drop[RP_DROP_DIRECTOR_DOWN]++;
		return;
	}
	rp_cpu(d, rp->now);
	/* A persistence hit: a new connection that a template will place. */
	if (v->svc.persistence_timeout_s && (p->proto != LB_PROTO_TCP ||
					     ((p->tcp_flags & LB_TCP_SYN) &&
					      !(p->tcp_flags & LB_TCP_RST))) &&
	    !lb_conn_lookup(d->tab, k) && lb_conn_template_lookup(d->tab, &v->svc, k))
		rp->persist_hits++;
	rc = lb_conn_in(d->tab, &v->svc, k, p->proto == LB_PROTO_TCP ? p->tcp_flags : 0, rp->now,
			&c);
	switch (rc) {
	case 0:
		break;
	case -ENOENT:
		rp->drop[RP_DROP_NO_DEST]++;
		rp_port_unreachable(rp, p, frame);
		return;
	case -EHOSTDOWN:
		rp->drop[RP_DROP_DEST_DELETED]++;
		if (rp_flowset_add(&rp->broken, k))
			rp->flows_broken++;
		return;
	default:
		rp->drop[RP_DROP_NO_CONN]++;
		return;
	}
	r = c->dest->owner;
	if (r->link_down) {
		rp->drop[RP_DROP_LINK_DOWN]++;
		return;
	}
	if (r->failed)
		rp->to_failed++;
	if (lb_conn_table_created(d->tab) != created) {
		r->conns++;
		rp->conns++;
		if (r->idx >= 0) {
			struct rp_client *cl = rp_clientmap_get(&rp->clients, &k->saddr);

			if (cl->rs >= 0 && cl->rs != r->idx && rp->rs[cl->rs].out)
				rp->flows_moved++;
			cl->rs = r->idx;
		}
		if (lb_conn_table_count(d->tab) > d->entries_max)
			d->entries_max = lb_conn_table_count(d->tab);
	}

	memset(&t.eth, 0, sizeof(t.eth));
	memcpy(t.eth.dst, r->mac, 6);
	memcpy(t.eth.src, rp_director_mac, 6);
	t.laddr = v->cfg->addr;
	t.vaddr = v->cfg->addr;
	t.vport = v->cfg->port;
	t.mtu = r->mtu;
	t.dir = LB_FWD_IN;
	out.buf = rp->scratch;
	out.cap = sizeof(rp->scratch);
	if (lb_fwd(&d->fwd, p, frame, caplen, v->cfg->kind, c->dest, &t, &out) < 0) {
		rp->drop[RP_DROP_FWD]++;
		return;
	}
	if (out.flags & LB_FWD_F_ICMP) {
		/* Too big with DF: the client gets "fragmentation needed". */
		rp->icmp_sent++;
		rp_sink(rp, -1, out.frames[0].data, out.frames[0].len);
		return;
	}
	rp->forwarded++;
	for (unsigned i = 0; i < out.nframes; i++) {
		r->packets++;
		r->bytes += out.frames[i].wire_len;
		if (r->idx >= 0)
			rp_sink(rp, r->idx, out.frames[i].data, out.frames[i].len);
	}
	/* What the real server got, the server model answers (NAT, no captured replies). */
	if (rp->conf.model_replies && v->cfg->kind == LB_KIND_NAT && p->proto == LB_PROTO_TCP)
		rp_model_in(rp, v, r, p, k);
}

/*
 * replay_prefetch - a frame that replay_packet will get soon (a few frames
 * ahead): start loading the connection-table cells its lookup will read.
 * Only a TCP SYN (or UDP) to a virtual service, plain Ethernet/IPv4, before
 * any --map: the other packets of a connection find their cells where its
 * SYN left them, in the cache; a new connection's would cost a memory
 * latency. A hint that changes no result.
 */
void replay_prefetch(struct replay *rp, enum lb_linktype lt, const uint8_t *frame, size_t caplen)
{
	struct lb_flow_key k;
	unsigned flags;
	struct rp_vs *v;

	if (lb_pkt_peek_flow(lt, frame, caplen, &k, &flags) != 0 ||
	    (k.proto == LB_PROTO_TCP && (flags & (LB_TCP_SYN | LB_TCP_ACK)) != LB_TCP_SYN))
		return;
	v = rp_find_vs(rp, &k.daddr, k.dport, k.proto);
	if (v)
		lb_conn_prefetch(v->dir->tab, &k);
}

/*
 * The simulated time of a frame captured at ts_ns: capture time since the
 * first frame over the speed. At speed 1 that is the difference itself
 * (what the division gives, exactly, below 2^53 ns) without a division per
 * frame.
 */
static inline sim_time_t rp_capture_time(const struct replay *rp, int64_t ts_ns)
{
	int64_t d = ts_ns - rp->ts0;

	if (rp->conf.speed == 1.0 && d < (INT64_C(1) << 53) && d > -(INT64_C(1) << 53))
		return d;
	return (sim_time_t)((double)d / rp->conf.speed);
}

/*
 * Replay one frame captured at <ts_ns> (capture clock). Frames must come in
 * capture order; a timestamp that goes back is taken as the previous one.
 * Returns 0 (the frame was counted, whatever became of it).
 */
int replay_packet(struct replay *rp, int64_t ts_ns, enum lb_linktype lt, const uint8_t *frame,
		  size_t caplen, size_t wirelen)
{
	struct lb_pkt p;
	struct lb_flow_key k;
	struct rp_vs *v;
	sim_time_t t;
	int err;

	if (!rp->started) {
		rp->started = true;
		rp->ts0 = ts_ns;
		for (size_t i = 0; i < rp->conf.scn->nfaults; i++)
			sim_schedule(rp->sim, rp->conf.scn->faults[i].at_ns, rp_fault, rp, i);
		for (size_t i = 0; i < rp->nvs; i++)
			health_start(rp->vs[i].health);
	}
	if (rp->conf.topspeed)
		t = rp->dirs ? rp->dirs[0].cpu_free : rp->now;
	else
		t = rp_capture_time(rp, ts_ns);
	if (t < rp->now)
		t = rp->now;
	if (sim_next_time(rp->sim) <= t)
		sim_run(rp->sim, t);
	rp->now = t;
	if (t >= rp->next_sample)
		rp_sample(rp);
	rp->packets++;
	rp->bytes += wirelen;

	err = lb_pkt_parse_snap(&p, lt, frame, caplen, wirelen);
	if (err != LB_PKT_OK) {
		rp->parse_err[err < LB_PKT_E_COUNT ? err : LB_PKT_E_LINKTYPE]++;
		return 0;
	}
	if (p.kind != LB_PKT_IP || lb_pkt_flow_key(&p, &k)) {
		rp->drop[RP_DROP_NOT_OURS]++;
		return 0;
	}
	rp_map(rp, &k.daddr, &k.dport);
	v = rp_find_vs(rp, &k.daddr, k.dport, k.proto);
	if (v) {
		rp_request(rp, v, &p, frame, caplen, &k);
		return 0;
	}
	rp_map(rp, &k.saddr, &k.sport);
	v = rp_find_vs(rp, &k.saddr, k.sport, k.proto);
	if (v) {
		rp_reply(rp, v, &p, frame, caplen, wirelen);
		return 0;
	}
	rp->drop[RP_DROP_NOT_OURS]++;
	return 0;
}

/*
 * After the last frame: what is due runs out, the server model's answers
 * to the last frames included (the replay then ends with its last one).
 */
void replay_finish(struct replay *rp)
{
	sim_time_t end = rp->model_until > rp->now ? rp->model_until : rp->now;

	sim_run(rp->sim, end);
	rp->now = end;
	rp_sample(rp);
}

/*
 * The replay's outcome in <r>: servers with packets, bytes and connections;
 * named figures (scope "replay") and drop counts (scope "dropped", by reason,
 * parser reasons included); the connection-table series.
 */
void replay_fill_result(const struct replay *rp, struct run_result *r)
{
	double elapsed = sim_time_to_sec(rp->now);
	sim_time_t busy = 0;
	size_t emax = 0;

	r->replay = true;
	r->seed = rp->conf.seed;
	r->servers = xcalloc(rp->nrs ? rp->nrs : 1, sizeof(*r->servers));
	r->nservers = rp->nrs;
	for (size_t i = 0; i < rp->nrs; i++) {
		const struct rp_rs *m = &rp->rs[i];
		struct run_server_result *o = &r->servers[i];

		snprintf(o->addr, sizeof(o->addr), "%s", m->name);
		snprintf(o->director, sizeof(o->director), "%s", m->vs->dir->cfg->name);
		scenario_vs_name(m->vs->cfg, o->vs, sizeof(o->vs));
		o->packets = m->packets;
		o->bytes = m->bytes;
		o->connections = m->conns;
		o->weight = m->dest->weight;
	}
	for (size_t i = 0; i < rp->nvs; i++) {
		const char *name = rp->vs[i].svc.sched->name;

		if (!strstr(r->algo, name) && strlen(r->algo) + strlen(name) + 2 < sizeof(r->algo)) {
			if (r->algo[0])
				strcat(r->algo, ",");
			strcat(r->algo, name);
		}
	}
	for (size_t i = 0; i < rp->ndirs; i++) {
		busy += rp->dirs[i].cpu_busy;
		if (rp->dirs[i].entries_max > emax)
			emax = rp->dirs[i].entries_max;
	}
	run_result_extra(r, "replay", "packets", (double)rp->packets);
	run_result_extra(r, "replay", "bytes", (double)rp->bytes);
	run_result_extra(r, "replay", "forwarded", (double)rp->forwarded);
	run_result_extra(r, "replay", "connections", (double)rp->conns);
	run_result_extra(r, "replay", "icmp_sent", (double)rp->icmp_sent);
	run_result_extra(r, "replay", "conn_table_max", (double)emax);
	run_result_extra(r, "replay", "persistence_hits", (double)rp->persist_hits);
	run_result_extra(r, "replay", "replies_capture", (double)rp->replies_capture);
	run_result_extra(r, "replay", "replies_model", (double)rp->replies_model);
	run_result_extra(r, "replay", "replies_bytes", (double)rp->reply_bytes);
	run_result_extra(r, "replay", "model_refused", (double)rp->model_refused);
	run_result_extra(r, "replay", "replies_bypass", (double)rp->bypass);
	run_result_extra(r, "replay", "to_failed_servers", (double)rp->to_failed);
	run_result_extra(r, "replay", "duration_s", elapsed);
	run_result_extra(r, "replay", "flows_broken", (double)rp->flows_broken);
	run_result_extra(r, "replay", "flows_moved", (double)rp->flows_moved);
	run_result_extra(r, "replay", "removals", (double)rp->removals);
	run_result_extra(r, "replay", "readds", (double)rp->readds);
	for (size_t i = 0; i < rp->events->nextra; i++)
		run_result_extra(r, rp->events->extra[i].scope, rp->events->extra[i].name,
				 rp->events->extra[i].value);
	run_result_extra(r, "replay", "director_cpu_utilization",
			 elapsed > 0 ? sim_time_to_sec(busy) / elapsed / (double)(rp->ndirs ? rp->ndirs : 1)
				     : 0);
	for (int i = 1; i < LB_PKT_E_COUNT; i++)
		if (rp->parse_err[i])
			run_result_extra(r, "dropped", lb_pkt_err_name(i), (double)rp->parse_err[i]);
	for (int i = 0; i < RP_DROP_COUNT; i++)
		if (rp->drop[i])
			run_result_extra(r, "dropped", rp_drop_names[i], (double)rp->drop[i]);
	r->measured_s = elapsed;
	for (size_t i = 0; i < rp->series->nseries; i++) {
		const struct run_series *s = &rp->series->series[i];
		struct run_series *dst = run_result_series(r, s->name);

		for (size_t k = 0; k < s->n; k++)
			run_series_add(dst, s->t[k], s->v[k]);
	}
	if (!r->response)
		r->response = stat_hist_new();
	r->events = rp->packets;
	run_result_finish(r);
}

void replay_free(struct replay *rp)
{
	if (!rp)
		return;
	for (size_t i = 0; i < rp->nvs; i++)
		health_free(rp->vs[i].health);
	sim_free(rp->sim); /* pending model outputs drop their connections */
	ctl_timers_free(rp->ctl);
	for (size_t i = 0; i < rp->mconns.cap; i++)
		if (rp->mconns.v[i])
			rp_mconn_put(rp->mconns.v[i]);
	free(rp->mconns.v);
	if (rp->srv)
		for (size_t i = 0; i < rp->conf.scn->nservers; i++) {
			free(rp->srv[i].free);
			free(rp->srv[i].wait);
		}
	free(rp->srv);
	free(rp->mframe);
	/* Tables go first and whole: no entry is left to point at a dest, and
	 * no per-entry release (counters) is needed for dests about to go. */
	for (size_t i = 0; i < rp->ndirs; i++)
		lb_conn_table_free(rp->dirs[i].tab);
	for (size_t i = 0; i < rp->nvs; i++) {
		lb_service_fini(&rp->vs[i].svc);
		rng_stream_free(rp->vs[i].rng);
		rng_stream_free(rp->vs[i].rng_demand);
		rng_stream_free(rp->vs[i].rng_resp_size);
		dist_fini(&rp->vs[i].demand_def);
		dist_fini(&rp->vs[i].resp_size_def);
	}
	free(rp->dirs);
	free(rp->vs);
	free(rp->rs);
	run_result_free(rp->series);
	run_result_free(rp->events);
	free(rp->broken.keys);
	free(rp->broken.used);
	free(rp->clients.v);
	free(rp);
}
