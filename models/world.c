/*
 * models/world.c - the simulated world: build it from a scenario, run it, report.
 *
 * One world per run (a compare makes one per algorithm and replication, one
 * after the other or side by side: nothing here is global). It owns the
 * kernel, the links, servers, directors and client populations, a pool of
 * connection objects, and the outcome counters.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/world.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "models/ha.h"
#include "models/health.h"
#include "models/ctltimer.h"
#include "models/model.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define WORLD_SLAB 4096 /* connections per pool slab */
#define WORLD_SAMPLES 120

struct mconn *world_conn_alloc(struct world *w)
{
	struct mconn *c = w->free_conns;

	if (!c) {
		struct mconn *slab = xmalloc(WORLD_SLAB * sizeof(*slab));

		w->slabs = xrealloc(w->slabs, (w->nslabs + 1) * sizeof(*w->slabs));
		w->slabs[w->nslabs++] = slab;
		for (size_t i = 0; i < WORLD_SLAB - 1; i++)
			slab[i].next_free = &slab[i + 1];
		slab[WORLD_SLAB - 1].next_free = NULL;
		c = slab;
	}
	w->free_conns = c->next_free;
	return c;
}

/*
 * Give <c> (c->nreq > 1) its per-request arrays, in one block that the world
 * frees if the run ends while the connection is still open.
 */
void world_conn_alloc_requests(struct world *w, struct mconn *c)
{
	size_t n = c->nreq;
	char *blk = xmalloc(n * (sizeof(double) + 2 * sizeof(uint32_t)));

	c->work = (double *)blk;
	c->req_bytes = (uint32_t *)(blk + n * sizeof(double));
	c->resp_bytes = c->req_bytes + n;
	c->big_prev = NULL;
	c->big_next = w->big;
	if (w->big)
		w->big->big_prev = c;
	w->big = c;
}

void world_conn_free(struct world *w, struct mconn *c)
{
	if (c->nreq > 1) {
		if (c->big_prev)
			c->big_prev->big_next = c->big_next;
		else
			w->big = c->big_next;
		if (c->big_next)
			c->big_next->big_prev = c->big_prev;
		free(c->work);
	}
	c->next_free = w->free_conns;
	w->free_conns = c;
}

/*
 * Request k of <c> was answered now, <rt> after the client sent it: it
 * completed, or failed if the client had given up on it (its timeout), and
 * then is also counted as timed out. Request and packet fidelity count the
 * same way. In HA worlds the failovers of the clients' target VIP count the
 * failure too (ha_count_lost).
 */
void world_count_answer(struct world *w, struct mconn *c, sim_time_t rt)
{
	const struct scn_clients *cfg = c->pop->cfg;

	if (cfg->timeout_ns && rt > cfg->timeout_ns) {
		w->interval_errors++;
		if (c->counted) {
			w->failed++;
			w->timed_out++;
			if (w->ha)
				ha_count_lost(w->ha, &c->pop->cfg->target, 1, 1, 0);
		}
		return;
	}
	w->interval_completed++;
	if (!c->counted)
		return;
	w->completed++;
	c->rs->requests++;
	stat_hist_add(w->response, (uint64_t)rt);
	if (w->scn->sim.max_requests && w->completed >= w->scn->sim.max_requests)
		sim_stop(w->sim);
}

/*
 * Requests k.. of <c> end without an answer: counted as <refused> or failed,
 * in HA worlds also by the failovers of the clients' target VIP.
 */
void world_count_lost(struct world *w, const struct mconn *c, bool refused)
{
	uint64_t n = c->nreq - c->k;

	w->interval_errors += n;
	if (!c->counted)
		return;
	if (refused)
		w->refused += n;
	else
		w->failed += n;
	if (w->ha)
		ha_count_lost(w->ha, &c->pop->cfg->target, refused ? 0 : n, 0, refused ? n : 0);
}

struct server *world_find_server(struct world *w, const struct lb_addr *a)
{
	for (size_t i = 0; i < w->nservers; i++)
		if (lb_addr_eq(&w->servers[i].cfg->addr, a))
			return &w->servers[i];
	return NULL;
}

struct mlink *world_find_link(struct world *w, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < w->nlinks; i++)
		if (!strcmp(w->links[i].cfg->name, name))
			return &w->links[i];
	return NULL;
}

/* Connection entries over all directors right now (lingering ones expired). */
static uint64_t world_conn_entries(struct world *w)
{
	uint64_t n = 0;

	for (size_t i = 0; i < w->ndirs; i++)
		n += director_entries(&w->dirs[i]);
	return n;
}

static sim_time_t world_sample(struct sim *sim, void *ctx, uint64_t interval)
{
	struct world *w = ctx;
	struct run_result *r = w->series_sink;
	double t = sim_time_to_sec(sim_now(sim));
	double dt = sim_time_to_sec((sim_time_t)interval);

	run_series_add(run_result_series(r, "throughput"), t, (double)w->interval_completed / dt);
	run_series_add(run_result_series(r, "errors"), t, (double)w->interval_errors / dt);
	run_series_add(run_result_series(r, "connections"), t, (double)world_conn_entries(w));
	w->interval_completed = 0;
	w->interval_errors = 0;
	return (sim_time_t)interval;
}

/* End of warm-up: time averages start again from here. */
static sim_time_t world_warmup_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct world *w = ctx;
	sim_time_t now = sim_now(sim);

	w->measuring = true;
	w->measure_start = now;
	for (size_t i = 0; i < w->nservers; i++)
		stat_tw_reset(&w->servers[i].busy_tw, now);
	return SIM_NOMORE;
}

static struct mvs *world_find_vs(struct world *w, const struct scn_clients *c)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		struct mvs *v = director_find_vs(&w->dirs[i], &c->target, c->target_port, c->proto);

		if (v)
			return v;
	}
	return NULL;
}

/*
 * Build the world of <scn>. The scenario must outlive the world. Returns 0
 * and *out, or -errno with a message in <err> (the world is then freed).
 */
int world_new(const struct scenario *scn, const struct world_opts *opts, struct world **out,
	      char *err, size_t errlen)
{
	struct world *w = xcalloc(1, sizeof(*w));
	char buf[LB_ADDR_STRLEN];
	int rc = 0;

	w->scn = scn;
	w->seed = opts && opts->seed_set ? opts->seed : scn->sim.seed;
	w->warmup_ns = scn->sim.warmup_ns;
	w->end_ns = scn->sim.duration_ns;
	w->measure_end = w->end_ns;
	w->sim = sim_new(w->end_ns);
	w->ctl = ctl_timers_new(w->sim);
	w->response = stat_hist_new();
	if (opts && opts->progress)
		sim_set_progress(w->sim, opts->progress, opts->progress_ctx, 1u << 18);
	if (opts) {
		w->tap = opts->tap;
		w->tap_ctx = opts->tap_ctx;
		w->vrrp_tap = opts->vrrp_tap;
		w->vrrp_tap_ctx = opts->vrrp_tap_ctx;
		if (opts->tick && opts->tick_ns > 0) {
			w->tick = opts->tick;
			w->tick_ctx = opts->tick_ctx;
			w->tick_ns = opts->tick_ns;
		}
	}

	w->links = xcalloc(scn->nlinks ? scn->nlinks : 1, sizeof(*w->links));
	for (size_t i = 0; i < scn->nlinks; i++) {
		struct mlink *l = &w->links[i];
		char name[160];

		l->cfg = &scn->links[i];
		l->up = l->cfg->up;
		l->loss = l->cfg->loss;
		if (l->cfg->bandwidth_bps > 0)
			l->ns_per_byte = 8e9 / l->cfg->bandwidth_bps;
		/* A stream for every link: a loss fault may start it later. */
		snprintf(name, sizeof(name), "link.%s.loss", l->cfg->name);
		l->loss_rng = rng_stream_new(w->seed, name);
		w->nlinks = i + 1;
	}
	w->servers = xcalloc(scn->nservers ? scn->nservers : 1, sizeof(*w->servers));
	for (size_t i = 0; i < scn->nservers; i++) {
		server_init(&w->servers[i], w, &scn->servers[i],
			    world_find_link(w, scn->servers[i].link));
		w->nservers = i + 1;
	}
	w->dirs = xcalloc(scn->ndirectors ? scn->ndirectors : 1, sizeof(*w->dirs));
	for (size_t i = 0; i < scn->ndirectors; i++) {
		rc = director_init(&w->dirs[i], w, &scn->directors[i], opts ? opts->algo : NULL,
				   err, errlen);
		w->ndirs = i + 1;
		if (rc)
			goto out_free_world;
	}
	rc = ha_new(w, &w->ha, err, errlen);
	if (rc)
		goto out_free_world;
	w->pops = xcalloc(scn->nclients ? scn->nclients : 1, sizeof(*w->pops));
	for (size_t i = 0; i < scn->nclients; i++) {
		const struct scn_clients *c = &scn->clients[i];
		struct mvs *v = world_find_vs(w, c);

		if (!v) {
			snprintf(err, errlen, "%s:%d:%d: error: clients %s: target %s is not a virtual_server",
				 c->loc.file, c->loc.line, c->loc.col, c->name,
				 lb_addr_port_fmt(&c->target, c->target_port, buf, sizeof(buf)));
			rc = -EINVAL;
			goto out_free_world;
		}
		population_init(&w->pops[i], w, c, v, world_find_link(w, c->link));
		w->npops = i + 1;
		if (w->ha) {
			/* every director may own the VIP: each one's service for it */
			struct population *p = &w->pops[i];

			p->dvs = xcalloc(w->ndirs, sizeof(*p->dvs));
			for (size_t d = 0; d < w->ndirs; d++)
				p->dvs[d] = director_find_vs(&w->dirs[d], &c->target,
							     c->target_port, c->proto);
		}
	}
	*out = w;
	return 0;

out_free_world:
	world_free(w);
	return rc;
}

/*
 * A fault of the scenario happens now. Director, server and link faults
 * act on the model; director and VRRP faults (partition, block vrrp,
 * scripts) act on the directors' VRRP instances too, when there are any.
 */
static sim_time_t world_fault(struct sim *sim, void *ctx, uint64_t arg)
{
	struct world *w = ctx;
	const struct scn_fault *f = &w->scn->faults[arg];
	struct mlink *l;

	switch (f->kind) {
	case SCN_FAULT_CRASH_DIRECTOR:
	case SCN_FAULT_STOP_DIRECTOR:
	case SCN_FAULT_RECOVER_DIRECTOR:
		for (size_t i = 0; i < w->ndirs; i++)
			if (!strcmp(w->dirs[i].cfg->name, f->name))
				w->dirs[i].down = f->kind != SCN_FAULT_RECOVER_DIRECTOR;
		break;
	case SCN_FAULT_FAIL_SERVER:
	case SCN_FAULT_RECOVER_SERVER: {
		struct server *s = world_find_server(w, &f->addr);

		if (s)
			s->up = f->kind == SCN_FAULT_RECOVER_SERVER;
		break;
	}
	case SCN_FAULT_WEIGHT:
		/* through keepalived where its checkers own the service (models/health.c) */
		for (size_t i = 0; i < w->ndirs; i++)
			for (size_t j = 0; j < w->dirs[i].nvs; j++) {
				struct mvs *v = &w->dirs[i].vs[j];
				struct lb_dest *d;

				if (v->health && health_set_weight(v->health, &f->addr, f->port,
								   (int64_t)f->value) != -ENOENT)
					continue;
				d = lb_service_find_dest(&v->svc, &f->addr, f->port);
				if (d)
					lb_service_edit_dest(&v->svc, d, (int)f->value, d->u_threshold,
							     d->l_threshold);
			}
		break;
	case SCN_FAULT_LOSS:
		if ((l = world_find_link(w, f->name)))
			l->loss = f->value;
		break;
	case SCN_FAULT_CUT_LINK:
	case SCN_FAULT_HEAL_LINK:
		if ((l = world_find_link(w, f->name)))
			l->up = f->kind == SCN_FAULT_HEAL_LINK;
		break;
	default:
		break;
	}
	if (w->ha)
		ha_fault(w->ha, f);
	return SIM_NOMORE;
}

static sim_time_t world_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	struct world *w = ctx;

	w->tick(w->tick_ctx, w, sim_now(sim));
	return w->tick_ns;
}

/*
 * Every virtual service's checkers agree with its IPVS service
 * (health_sane); true where there are none. For tests, at any time.
 */
bool world_checkers_sane(const struct world *w)
{
	for (size_t i = 0; i < w->ndirs; i++)
		for (size_t j = 0; j < w->dirs[i].nvs; j++)
			if (w->dirs[i].vs[j].health && !health_sane(w->dirs[i].vs[j].health))
				return false;
	return true;
}

/* Run the world to its duration (or its max_requests). */
void world_run(struct world *w)
{
	sim_time_t interval = w->end_ns / WORLD_SAMPLES;

	if (interval < SIM_MSEC)
		interval = SIM_MSEC;
	w->series_sink = run_result_new();
	if (w->warmup_ns > 0)
		sim_schedule(w->sim, w->warmup_ns, world_warmup_done, w, 0);
	else
		world_warmup_done(w->sim, w, 0);
	for (size_t i = 0; i < w->scn->nfaults; i++)
		sim_schedule(w->sim, w->scn->faults[i].at_ns, world_fault, w, i);
	for (size_t i = 0; i < w->ndirs; i++)
		for (size_t j = 0; j < w->dirs[i].nvs; j++)
			health_start(w->dirs[i].vs[j].health);
	if (w->ha)
		ha_start(w->ha);
	for (size_t i = 0; i < w->npops; i++)
		population_start(&w->pops[i]);
	sim_schedule(w->sim, interval, world_sample, w, (uint64_t)interval);
	if (w->tick)
		sim_schedule(w->sim, w->tick_ns, world_tick, w, 0);
	sim_run(w->sim, w->end_ns);
	w->measure_end = sim_now(w->sim);
	world_conn_entries(w);
}

/* Is <name> one of the comma-separated names in <list>? */
static bool world_algo_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* The schedulers the run used, each once, in director and service order. */
static void world_algos(const struct world *w, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < w->ndirs; i++)
		for (size_t j = 0; j < w->dirs[i].nvs; j++) {
			const char *name = w->dirs[i].vs[j].svc.sched->name;
			int k;

			if (world_algo_listed(buf, name))
				continue;
			k = snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
			if (k < 0 || (size_t)k >= len - used)
				return;
			used += (size_t)k;
		}
}

/*
 * Copy the outcome of a finished run into <r>: counters, the response
 * histogram (merged), per-server figures and the sampled series. The
 * caller owns <r>; fields about inputs and wall time are the caller's to set.
 */
void world_fill_result(const struct world *w, struct run_result *r)
{
	sim_time_t end = w->measure_end;
	size_t n = 0;

	r->seed = w->seed;
	world_algos(w, r->algo, sizeof(r->algo));
	r->requests = w->requests;
	r->completed = w->completed;
	r->refused = w->refused;
	r->failed = w->failed;
	r->timed_out = w->timed_out;
	r->measured_s = sim_time_to_sec(end - w->measure_start);
	r->throughput_rps = r->measured_s > 0 ? (double)w->completed / r->measured_s : 0;
	if (!r->response)
		r->response = stat_hist_new();
	stat_hist_merge(r->response, w->response);
	/* a sorry server the checkers ever used gets its row after the real servers */
	for (size_t i = 0; i < w->ndirs; i++)
		for (size_t j = 0; j < w->dirs[i].nvs; j++) {
			const struct mvs *v = &w->dirs[i].vs[j];

			n += v->nrs + (v->rs[v->nrs].dest != NULL);
		}
	r->servers = xcalloc(n ? n : 1, sizeof(*r->servers));
	r->nservers = 0;
	for (size_t i = 0; i < w->ndirs; i++)
		for (size_t j = 0; j < w->dirs[i].nvs; j++) {
			const struct mvs *v = &w->dirs[i].vs[j];

			for (size_t k = 0; k < v->nrs + (v->rs[v->nrs].dest != NULL); k++) {
				const struct rs *m = &v->rs[k];
				struct run_server_result *o = &r->servers[r->nservers++];

				snprintf(o->director, sizeof(o->director), "%s",
					 w->dirs[i].cfg->name);
				scenario_vs_name(v->cfg, o->vs, sizeof(o->vs));
				if (m->cfg)
					lb_addr_port_fmt(&m->cfg->addr, m->cfg->port, o->addr,
							 sizeof(o->addr));
				else
					lb_addr_port_fmt(&m->dest->addr, m->dest->port, o->addr,
							 sizeof(o->addr));
				o->requests = m->requests;
				o->connections = m->connections;
				o->refused = m->refused;
				o->weight = m->cfg ? m->cfg->weight : 1;
				o->utilization = stat_tw_mean(&m->srv->busy_tw, end) /
						 m->srv->cfg->workers;
			}
		}
	r->events = sim_events_run(w->sim);
	for (size_t i = 0; i < w->ndirs; i++) {
		const struct director *d = &w->dirs[i];
		char name[160];
		double busy = r->measured_s > 0 ? sim_time_to_sec(d->cpu_busy_ns) / r->measured_s : 0;

		snprintf(name, sizeof(name), "%s.cpu_utilization", d->cfg->name);
		run_result_extra(r, "director", name, busy);
		snprintf(name, sizeof(name), "%s.conn_table_max", d->cfg->name);
		run_result_extra(r, "director", name, (double)d->conns_max);
	}
	for (size_t i = 0; i < w->scn->nfaults; i++) {
		const struct scn_fault *f = &w->scn->faults[i];

		if (f->at_ns < w->end_ns)
			run_result_extra(r, "fault", f->text + (strncmp(f->text, "at ", 3) ? 0 : 3),
					 sim_time_to_sec(f->at_ns));
	}
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].log_count && !r->log_count)
			snprintf(r->log_first, sizeof(r->log_first), "%s: %s", w->dirs[i].cfg->name,
				 w->dirs[i].log_first);
		r->log_count += w->dirs[i].log_count;
	}
	if (w->ha)
		ha_fill_result(w->ha, r);
	/* The sampled series move from the world's sink into the result. */
	for (size_t i = 0; i < w->series_sink->nseries; i++) {
		const struct run_series *s = &w->series_sink->series[i];
		struct run_series *d = run_result_series(r, s->name);

		for (size_t k = 0; k < s->n; k++)
			run_series_add(d, s->t[k], s->v[k]);
	}
	run_result_finish(r);
}

void world_free(struct world *w)
{
	if (!w)
		return;
	ha_free(w->ha);
	for (size_t i = 0; i < w->npops; i++)
		population_fini(&w->pops[i]);
	free(w->pops);
	for (size_t i = 0; i < w->ndirs; i++)
		director_fini(&w->dirs[i]);
	free(w->dirs);
	for (size_t i = 0; i < w->nservers; i++)
		server_fini(&w->servers[i]);
	free(w->servers);
	for (size_t i = 0; i < w->nlinks; i++)
		rng_stream_free(w->links[i].loss_rng);
	free(w->links);
	while (w->big) {
		struct mconn *c = w->big;

		w->big = c->big_next;
		free(c->work);
	}
	for (size_t i = 0; i < w->nslabs; i++)
		free(w->slabs[i]);
	free(w->slabs);
	stat_hist_free(w->response);
	run_result_free(w->series_sink);
	sim_free(w->sim);
	ctl_timers_free(w->ctl);
	free(w);
}
