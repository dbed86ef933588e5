/*
 * models/health.c - keepalived's health checkers in `lbsim run` and `lbsim replay`.
 *
 * One per virtual service that has at least one checker block: it builds
 * the algorithms/check module's configuration from the scenario, runs it on
 * the director's simulated clock, and answers its probes from the server
 * models. The director is a host (struct health_host): `lbsim run`'s model
 * here (health_new), or `lbsim replay`'s (models/replay.c, whose servers are
 * down only by faults). With the run's model, an answer comes one round
 * trip on the server's link later (twice the link latency, at least 100 us)
 * - OK when the server and its link are up, REFUSED when its backlog is
 * full, and nothing at all when the server is down or its link cut, so the
 * checker's connect_timeout decides, as with a blackholed real server.
 * HTTP_GET/SSL_GET get status 200 and the body the url expects; MISC_CHECK's
 * script is not run: it exits 0, or 1 when the server is down or, with
 * lbsim_fail_probability P, when a draw from the checker's own stream
 * (director.D.vs.VS.rs.RS.misc.K, K its place among the real server's
 * checkers) falls below P, drawn on every run whatever the server's state so
 * that faults shift no draw. The checker's verdicts act
 * on the IPVS service the traffic uses: a failed real server's destination
 * is deleted (IPVS keeps it in the trash, with its connections, so
 * models/client.c's pointers stay valid), or set to weight 0 with
 * inhibit_on_failure; a recovered one is added back; the sorry server is
 * added while quorum is lost. A `weight` fault on one of the service's
 * servers goes through keepalived too (health_set_weight), and health_sane
 * checks after every change, in debug builds, that IPVS holds what
 * keepalived's rules make of the checkers.
 *
 * Called at world start or the replay's first frame (health_start) and then
 * only by its own timer and probe events (and `weight` faults): a few
 * events per checker and delay_loop. Size: one probe slot per checker.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/health.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/check/checker.h"
#include "models/model.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define HEALTH_MIN_RTT_NS (100 * SIM_USEC)

#ifdef LBSIM_DEBUG
#define HEALTH_ASSERT_SANE(h) assert(health_sane(h))
#else
#define HEALTH_ASSERT_SANE(h) ((void)0)
#endif

/* One checker's attempt in flight: its answer is decided when it is sent. */
struct health_probe {
	struct check_checker *ck;
	uint64_t attempt;
	struct check_result res;
	struct sim_handle ev;
	bool pending;
	double fail_p;			/* MISC lbsim_fail_probability */
	gsl_rng *fail_rng;		/* its draws; NULL when fail_p is 0 */
	uint64_t runs, failures;	/* MISC script runs, and those that exited non-zero */
};

struct health {
	struct health_host host;
	struct lb_env env;		/* the director's clock, a quiet log */
	struct check_vs *cv;
	struct check_callbacks cb;
	struct check_conf *cks;		/* every checker, real server by real server */
	size_t ncks;
	size_t *ck_base;		/* per real server: its first checker in cks/probes */
	struct health_probe *probes;	/* parallel to cks */
	gsl_rng *rng;
	/*
	 * What keepalived's rules make of the checkers, kept here apart from
	 * the module for health_sane: each real server's weight (configured,
	 * or the last `weight` fault's), the sorry server's, quorum and
	 * hysteresis after keepalived's corrections, and the quorum state
	 * followed after every change.
	 */
	int64_t *weight;		/* per real server */
	int64_t sorry_weight;
	int64_t quorum, hysteresis;
	bool started;
	bool quorum_up;
	bool sorry_used;		/* the sorry server has been in use */
};

/* The model of real server <rs> of <v> (CHECK_RS_SORRY: the sorry server, kept last). */
static struct rs *health_rs(struct mvs *v, int rs)
{
	return &v->rs[rs == CHECK_RS_SORRY ? v->nrs : (size_t)rs];
}

/* ---- `lbsim run`'s director as a host: the server models answer ---- */

static enum health_answer health_mvs_answer(void *ctx, int rs, sim_time_t *rtt_ns)
{
	struct server *s = health_rs(ctx, rs)->srv;
	struct mlink *l = s->link;

	*rtt_ns = l ? 2 * l->cfg->latency_ns : 0;
	if (!s->up || (l && !l->up))
		return HEALTH_ANSWER_NONE;
	return server_waiting(s) >= s->cfg->backlog ? HEALTH_ANSWER_REFUSED : HEALTH_ANSWER_OK;
}

static struct lb_dest *health_mvs_dest(void *ctx, int rs)
{
	return health_rs(ctx, rs)->dest;
}

static void health_mvs_bind(void *ctx, int rs, struct lb_dest *d)
{
	struct rs *m = health_rs(ctx, rs);

	d->owner = m;
	m->dest = d;
}

static void health_mvs_deleted(void *ctx, int rs, struct lb_dest *d)
{
	struct mvs *v = ctx;

	(void)rs;
	if (v->tabled && v->dir->tab)
		lb_conn_table_dest_removed(v->dir->tab, d);
}

static void health_event(struct health *h, int rs, enum health_event ev, int weight)
{
	if (h->host.event)
		h->host.event(h->host.ctx, rs, ev, weight);
}

static sim_time_t health_probe_fire(struct sim *sim, void *ctx, uint64_t arg)
{
	struct health *h = ctx;
	struct health_probe *p = &h->probes[arg];

	if (p->pending) {
		p->pending = false;
		check_probe_done(p->ck, p->attempt, &p->res);
	}
	return SIM_NOMORE;
}

/*
 * One attempt of checker <ci> of real server <rs>: the answer is what the
 * server model would say now, delivered a round trip later; no answer at all
 * when the server or its link is down (the checker's timeout fires). A
 * success that changes nothing visible (check_probe_done_at) is taken at
 * once and costs no event: most probes of a healthy pool.
 */
static void health_probe_start(void *ctx, struct check_checker *ck, int rs, int ci, int url,
			       uint64_t attempt, int64_t timeout_ns)
{
	struct health *h = ctx;
	size_t idx = h->ck_base[rs] + (size_t)ci;
	const struct check_conf *c = &h->cks[idx];
	struct health_probe *p = &h->probes[idx];
	sim_time_t rtt = 0;
	enum health_answer ans = h->host.answer(h->host.ctx, rs, &rtt);
	bool up = ans != HEALTH_ANSWER_NONE;

	(void)timeout_ns;
	if (p->pending)
		sim_cancel(h->host.sim, p->ev);
	p->pending = false;
	memset(&p->res, 0, sizeof(p->res));
	if (c->kind == CHECK_MISC) {
		/* the script runs on the director: it always exits */
		bool fail = p->fail_rng && gsl_rng_uniform(p->fail_rng) < p->fail_p;

		p->res.outcome = CHECK_RESULT_EXIT;
		p->res.exit_code = up && !fail ? 0 : 1;
		p->runs++;
		p->failures += p->res.exit_code != 0;
	} else if (!up) {
		return;
	} else if (ans == HEALTH_ANSWER_REFUSED) {
		p->res.outcome = CHECK_RESULT_REFUSED;
	} else if (c->kind == CHECK_HTTP || c->kind == CHECK_SSL) {
		p->res.outcome = CHECK_RESULT_HTTP;
		p->res.status = 200;
		if (url >= 0 && url < c->n_urls)
			memcpy(p->res.digest, c->urls[url].digest, sizeof(p->res.digest));
	} else {
		p->res.outcome = CHECK_RESULT_OK;
	}
	if (rtt < HEALTH_MIN_RTT_NS)
		rtt = HEALTH_MIN_RTT_NS;
	/* A success that changes nothing visible is taken now: no event. */
	if (check_probe_done_at(ck, attempt, &p->res, sim_now(h->host.sim) + rtt) == 0)
		return;
	p->ck = ck;
	p->attempt = attempt;
	p->pending = true;
	p->ev = sim_schedule(h->host.sim, sim_now(h->host.sim) + rtt, health_probe_fire, h, idx);
}

/* The attempt timed out or the checker stopped: forget its answer. */
static void health_probe_cancel(void *ctx, struct check_checker *ck, uint64_t attempt)
{
	struct health *h = ctx;

	for (size_t i = 0; i < h->ncks; i++) {
		struct health_probe *p = &h->probes[i];

		if (p->pending && p->ck == ck && p->attempt == attempt) {
			sim_cancel(h->host.sim, p->ev);
			p->pending = false;
		}
	}
}

/* The destination's port: a real server's, or the sorry server's (VS port if none). */
static uint16_t health_port(const struct health *h, int rs)
{
	const struct scn_vs *vc = h->host.cfg;

	if (rs != CHECK_RS_SORRY)
		return vc->rs[rs].port;
	if (vc->kind != LB_KIND_NAT || !vc->sorry_port)
		return vc->port;
	return vc->sorry_port;
}

static int health_weight(int64_t w)
{
	return w > INT32_MAX ? INT32_MAX : w < 0 ? 0 : (int)w;
}

/*
 * Add the destination of <rs> with <weight>. At start the director already
 * holds it (built from the scenario): then only its weight is set. A
 * deleted one is revived from the trash by IPVS, the same object.
 */
static void health_rs_up(void *ctx, int rs, int64_t weight)
{
	struct health *h = ctx;
	const struct scn_vs *c = h->host.cfg;
	struct lb_service *svc = h->host.svc;
	const struct lb_addr *a = rs == CHECK_RS_SORRY ? &c->sorry_addr : &c->rs[rs].addr;
	uint16_t port = health_port(h, rs);
	uint32_t uth = rs == CHECK_RS_SORRY ? 0 : c->rs[rs].uthreshold;
	uint32_t lth = rs == CHECK_RS_SORRY ? 0 : c->rs[rs].lthreshold;
	struct lb_dest *d = lb_service_find_dest(svc, a, port);

	if (d) {
		lb_service_edit_dest(svc, d, health_weight(weight), uth, lth);
	} else if (lb_service_add_dest(svc, a, port, health_weight(weight), uth, lth, &d)) {
		return; /* the service logged why */
	}
	h->host.bind(h->host.ctx, rs, d);
	health_event(h, rs, HEALTH_EV_UP, health_weight(weight));
}

/* Delete the destination of <rs>; its connections stay, as in IPVS. */
static void health_rs_down(void *ctx, int rs)
{
	struct health *h = ctx;
	struct lb_dest *d = h->host.dest(h->host.ctx, rs);

	if (!d || lb_service_del_dest(h->host.svc, d))
		return;
	h->host.deleted(h->host.ctx, rs, d);
	health_event(h, rs, HEALTH_EV_DOWN, 0);
}

static void health_rs_weight(void *ctx, int rs, int64_t weight)
{
	struct health *h = ctx;
	struct lb_dest *d = h->host.dest(h->host.ctx, rs);

	if (!d)
		return;
	lb_service_edit_dest(h->host.svc, d, health_weight(weight), d->u_threshold,
			     d->l_threshold);
	health_event(h, rs, HEALTH_EV_WEIGHT, health_weight(weight));
}

/* Uniform in [0, max_ns], from the service's checker stream. */
static int64_t health_rand_ns(void *ctx, int64_t max_ns)
{
	struct health *h = ctx;
	int64_t r = (int64_t)(gsl_rng_uniform(h->rng) * ((double)max_ns + 1.0));

	return r > max_ns ? max_ns : r;
}

/* keepalived's rule: alive iff every checker is up (alpha: down until checked). */
static bool health_rs_alive(const struct health *h, size_t rs)
{
	for (size_t k = 0; k < h->host.cfg->rs[rs].ncheckers; k++)
		if (!check_checker_up(check_vs_checker(h->cv, (int)rs, (int)k)))
			return false;
	return true;
}

/* The weight <rs> has in the pool: ours, or what its misc_dynamic scripts made of it. */
static int64_t health_rs_pool_weight(const struct health *h, size_t rs)
{
	const struct scn_rs *r = &h->host.cfg->rs[rs];

	for (size_t k = 0; k < r->ncheckers; k++)
		if (r->checkers[k].conf.kind == CHECK_MISC && r->checkers[k].conf.misc_dynamic)
			return check_vs_rs_weight(h->cv, (int)rs);
	return h->weight[rs];
}

/* Sum of the alive real servers' weights (spec 5.3). */
static int64_t health_alive_weight(const struct health *h)
{
	int64_t w = 0;

	for (size_t i = 0; i < h->host.cfg->nrs; i++)
		if (health_rs_alive(h, i))
			w += health_rs_pool_weight(h, i);
	return w < 0 ? 0 : w;
}

static bool health_quorum_lost(const struct health *h, int64_t aw)
{
	return aw < h->quorum - h->hysteresis || aw == 0;
}

/*
 * The module carried a change through: follow the quorum state by
 * keepalived's rule (lost below quorum - hysteresis or at 0, regained at
 * quorum + hysteresis), and in debug builds check the service.
 */
static void health_changed(void *ctx)
{
	struct health *h = ctx;
	int64_t aw = health_alive_weight(h);

	if (h->quorum_up && health_quorum_lost(h, aw)) {
		h->quorum_up = false;
		h->sorry_used |= h->host.cfg->sorry_server;
	} else if (!h->quorum_up && aw >= h->quorum + h->hysteresis) {
		h->quorum_up = true;
	}
	HEALTH_ASSERT_SANE(h);
}

/* The checkers log through keepalived's syslog: not the IPVS log the report counts. */
static void health_env_log(void *ctx, int level, const char *fmt, ...)
{
	(void)ctx;
	(void)level;
	(void)fmt;
}

/*
 * Build the checkers of <v> (its real servers and director must be built;
 * v->rs must have room for the sorry server after the real servers), with
 * the server models answering. As health_new_host.
 */
int health_new(struct mvs *v, struct health **out, char *err, size_t errlen)
{
	struct director *d = v->dir;
	struct health_host host = {
		.sim = d->w->sim,
		.env = d->env,
		.svc = &v->svc,
		.cfg = v->cfg,
		.dir_name = d->cfg->name,
		.seed = d->w->seed,
		.ctx = v,
		.answer = health_mvs_answer,
		.dest = health_mvs_dest,
		.bind = health_mvs_bind,
		.deleted = health_mvs_deleted,
	};

	return health_new_host(&host, out, err, errlen);
}

/*
 * Build the checkers of virtual service <host->cfg> on <host>'s director
 * (a copy of <host> is kept; what it points to must outlive the checkers).
 * *out is NULL when no real server has a checker. Returns 0, or -EINVAL
 * with "file:line:col: error: ..." in <err> when the checker module refuses
 * the configuration. The caller frees *out with health_free.
 */
int health_new_host(const struct health_host *host, struct health **out, char *err,
		    size_t errlen)
{
	const struct scn_vs *c = host->cfg;
	struct check_vs_conf vc;
	struct check_rs_conf *rc;
	struct health *h;
	char name[LB_ADDR_STRLEN + 48];
	size_t n = 0;
	int ret;

	*out = NULL;
	for (size_t i = 0; i < c->nrs; i++)
		n += c->rs[i].ncheckers;
	if (!n)
		return 0;
	h = xcalloc(1, sizeof(*h));
	h->host = *host;
	h->env = host->env;
	h->env.log = health_env_log;
	h->ncks = n;
	h->cks = xcalloc(n, sizeof(*h->cks));
	h->probes = xcalloc(n, sizeof(*h->probes));
	h->ck_base = xcalloc(c->nrs, sizeof(*h->ck_base));
	h->weight = xcalloc(c->nrs, sizeof(*h->weight));
	h->sorry_weight = 1;
	h->quorum = c->quorum;
	h->hysteresis = c->hysteresis;
	rc = xcalloc(c->nrs, sizeof(*rc));
	n = 0;
	for (size_t i = 0; i < c->nrs; i++) {
		const struct scn_rs *r = &c->rs[i];

		h->weight[i] = r->weight;
		h->ck_base[i] = n;
		for (size_t k = 0; k < r->ncheckers; k++) {
			struct health_probe *p = &h->probes[n + k];

			h->cks[n + k] = r->checkers[k].conf;
			p->fail_p = r->checkers[k].fail_probability;
			if (r->checkers[k].conf.kind == CHECK_MISC && p->fail_p > 0) {
				char rs[LB_ADDR_STRLEN + 8], vs[LB_ADDR_STRLEN + 8], sn[200];

				lb_addr_port_fmt(&r->addr, r->port, rs, sizeof(rs));
				lb_addr_port_fmt(&c->addr, c->port, vs, sizeof(vs));
				snprintf(sn, sizeof(sn), "director.%s.vs.%s.rs.%s.misc.%zu",
					 host->dir_name, vs, rs, k);
				p->fail_rng = rng_stream_new(host->seed, sn);
			}
		}
		check_rs_conf_init(&rc[i]);
		lb_addr_port_fmt(&r->addr, r->port, rc[i].name, sizeof(rc[i].name));
		rc[i].weight = r->weight;
		rc[i].inhibit_on_failure = r->inhibit_on_failure;
		rc[i].alpha = r->alpha;
		rc[i].delay_loop_ns = r->delay_loop_ns;
		rc[i].connect_timeout_ns = r->connect_timeout_ns;
		rc[i].delay_before_retry_ns = r->delay_before_retry_ns;
		rc[i].warmup_ns = r->warmup_ns;
		rc[i].retry = r->retry;
		rc[i].checkers = &h->cks[n];
		rc[i].n_checkers = r->ncheckers;
		n += r->ncheckers;
	}
	/* keepalived's corrections: quorum at most the total weight, hysteresis below it */
	if (h->quorum > 0) {
		int64_t total = 0;

		for (size_t i = 0; i < c->nrs; i++)
			total += h->weight[i];
		if (h->quorum > total && total > 0)
			h->quorum = total;
		if (h->hysteresis >= h->quorum)
			h->hysteresis = h->quorum - 1;
	}
	check_vs_conf_init(&vc);
	lb_addr_port_fmt(&c->addr, c->port, vc.name, sizeof(vc.name));
	vc.delay_loop_ns = c->delay_loop_ns;
	vc.connect_timeout_ns = c->connect_timeout_ns;
	vc.retry = c->retry;
	vc.delay_before_retry_ns = c->delay_before_retry_ns;
	vc.warmup_ns = c->warmup_ns;
	vc.inhibit_on_failure = c->inhibit_on_failure;
	vc.alpha = c->alpha;
	vc.quorum = c->quorum;
	vc.hysteresis = c->hysteresis;
	vc.sorry_server = c->sorry_server;
	vc.sorry_server_inhibit = c->sorry_server_inhibit;
	vc.rs = rc;
	vc.n_rs = c->nrs;
	h->cb = (struct check_callbacks){
		.ctx = h,
		.probe_start = health_probe_start,
		.probe_cancel = health_probe_cancel,
		.rs_up = health_rs_up,
		.rs_down = health_rs_down,
		.rs_weight = health_rs_weight,
		.rand_ns = health_rand_ns,
		.changed = health_changed,
	};
	snprintf(name, sizeof(name), "director.%s.vs.%s.checks", host->dir_name, vc.name);
	h->rng = rng_stream_new(host->seed, name);
	ret = check_vs_new(&vc, &h->env, &h->cb, &h->cv);
	free(rc);
	if (ret) {
		snprintf(err, errlen,
			 "%s:%d:%d: error: virtual_server %s: health checkers refused (%s)",
			 c->loc.file, c->loc.line, c->loc.col, vc.name, strerror(-ret));
		health_free(h);
		return ret;
	}
	*out = h;
	return 0;
}

/*
 * Start the checkers now (time 0 of the run): keepalived's first attempts
 * come 1 s + warmup later. Real servers the checkers do not put in IPVS at
 * start (alpha) lose the destination the director was built with. NULL is
 * accepted.
 */
void health_start(struct health *h)
{
	if (!h)
		return;
	check_vs_start(h->cv);
	for (size_t i = 0; i < h->host.cfg->nrs; i++) {
		struct lb_dest *d = h->host.dest(h->host.ctx, (int)i);

		if (!check_vs_rs_in_ipvs(h->cv, (int)i, NULL) && d &&
		    lb_service_find_dest(h->host.svc, &d->addr, d->port) == d)
			lb_service_del_dest(h->host.svc, d);
	}
	h->started = true;
	h->quorum_up = !health_quorum_lost(h, health_alive_weight(h));
	h->sorry_used = !h->quorum_up && h->host.cfg->sorry_server;
	HEALTH_ASSERT_SANE(h);
}

/*
 * An operator sets the weight of <addr>:<port> to <weight> (a `weight`
 * fault). A real server of this service (or its sorry server) gets it the
 * keepalived way, as after a reload with that `weight` or an SNMP set: it
 * reaches IPVS now only where the server is in the pool at its weight,
 * otherwise when it gets back there (a failed server stays out or at 0, a
 * drained one comes back drained), and it counts towards quorum at once.
 * Editing IPVS behind keepalived's back instead would put a dead inhibited
 * server back in the schedule and be undone by the next check. Returns 0,
 * -ENOENT when no destination of this service is <addr>:<port> (the caller
 * may edit IPVS itself), -EINVAL for a weight outside 0..2^31-1.
 */
int health_set_weight(struct health *h, const struct lb_addr *addr, uint16_t port,
		      int64_t weight)
{
	const struct scn_vs *c = h->host.cfg;
	int rc = -ENOENT;

	if (weight < 0 || weight > INT32_MAX)
		return -EINVAL;
	for (size_t i = 0; i < c->nrs; i++) {
		if (c->rs[i].port != port || !lb_addr_eq(&c->rs[i].addr, addr))
			continue;
		h->weight[i] = weight;
		rc = check_vs_set_weight(h->cv, (int)i, weight);
	}
	if (c->sorry_server && port == health_port(h, CHECK_RS_SORRY) &&
	    lb_addr_eq(&c->sorry_addr, addr)) {
		h->sorry_weight = weight;
		rc = check_vs_set_weight(h->cv, CHECK_RS_SORRY, weight);
	}
	return rc;
}

/*
 * health_sane - the checkers' verdicts and the IPVS service the traffic
 * uses agree, by keepalived's rules (spec 5.3; ipwrapper.c and ipvs_cmd,
 * which turns a removal into weight 0 under inhibit_on_failure):
 *
 *  - a real server is alive iff every checker of it is up (alpha: down
 *    until its first success), as the module says;
 *  - quorum follows the alive weight (the alive servers' weights, each the
 *    configured one or the last `weight` fault's): lost below quorum -
 *    hysteresis or at 0, regained only at quorum + hysteresis, with quorum
 *    and hysteresis corrected as keepalived does; the module agrees;
 *  - with quorum up (or no sorry server) an alive real server is a
 *    destination at its weight; a dead one is absent, or at weight 0 with
 *    inhibit_on_failure;
 *  - with quorum lost and a sorry server, the sorry server is in at its
 *    weight and every real server is absent or, inhibited, at weight 0;
 *    otherwise the sorry server is absent (at weight 0 with
 *    sorry_server_inhibit once it has served);
 *  - the service holds nothing else, each destination once, and the host's
 *    handle for each real server is the destination the service holds.
 *
 * True before health_start (IPVS is still the scenario's). O(real servers
 * x destinations); called from assert() after every change in LBSIM_DEBUG
 * builds, and by tests.
 */
bool health_sane(const struct health *h)
{
	const struct scn_vs *c;
	const struct lb_service *svc;
	const struct lb_dest *d;
	unsigned held = 0;
	bool sorry_on;
	int64_t aw;

	if (!h)
		return false;
	if (!h->started)
		return true;
	c = h->host.cfg;
	svc = h->host.svc;
	aw = health_alive_weight(h);
	if (!check_vs_sane(h->cv) || check_vs_quorum(h->cv) != h->quorum ||
	    check_vs_hysteresis(h->cv) != h->hysteresis || check_vs_alive_weight(h->cv) != aw ||
	    check_vs_quorum_up(h->cv) != h->quorum_up)
		return false;
	if (h->quorum_up ? health_quorum_lost(h, aw) : aw >= h->quorum + h->hysteresis)
		return false;
	sorry_on = !h->quorum_up && c->sorry_server;
	for (size_t i = 0; i < c->nrs; i++) {
		bool alive = health_rs_alive(h, i);

		if (alive != check_vs_rs_alive(h->cv, (int)i))
			return false;
		d = lb_service_find_dest(svc, &c->rs[i].addr, c->rs[i].port);
		if (alive && !sorry_on) {
			if (!d || d->weight != health_weight(health_rs_pool_weight(h, i)))
				return false;
		} else if (c->rs[i].inhibit_on_failure) {
			if (!d || d->weight != 0)
				return false;
		} else if (d) {
			return false;
		}
		if (d && (held++, h->host.dest(h->host.ctx, (int)i) != d))
			return false;
	}
	if (c->sorry_server) {
		d = lb_service_find_dest(svc, &c->sorry_addr, health_port(h, CHECK_RS_SORRY));
		if (sorry_on) {
			if (!d || d->weight != health_weight(h->sorry_weight))
				return false;
		} else if (c->sorry_server_inhibit && h->sorry_used) {
			if (!d || d->weight != 0)
				return false;
		} else if (d) {
			return false;
		}
		held += d != NULL;
	}
	return svc->ndests == held;
}

/*
 * MISC_CHECK scripts of real server <rs> (checker <ci> of it) run so far
 * into *runs, and those that exited non-zero into *failures. Returns 0, or
 * -EINVAL when <h> is NULL or has no such checker.
 */
int health_misc_counts(const struct health *h, size_t rs, size_t ci, uint64_t *runs,
		       uint64_t *failures)
{
	const struct health_probe *p;

	if (!h || rs >= h->host.cfg->nrs || ci >= h->host.cfg->rs[rs].ncheckers)
		return -EINVAL;
	p = &h->probes[h->ck_base[rs] + ci];
	*runs = p->runs;
	*failures = p->failures;
	return 0;
}

/* Free <h> (NULL accepted): its timers and probes are cancelled, IPVS is left as is. */
void health_free(struct health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ncks; i++) {
		if (h->probes[i].pending)
			sim_cancel(h->host.sim, h->probes[i].ev);
		rng_stream_free(h->probes[i].fail_rng);
	}
	check_vs_free(h->cv);
	rng_stream_free(h->rng);
	free(h->cks);
	free(h->probes);
	free(h->ck_base);
	free(h->weight);
	free(h);
}
