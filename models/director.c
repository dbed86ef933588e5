/*
 * models/director.c - an LVS director at request level.
 *
 * One per `director` of the scenario. It owns one algorithms/ipvs service per
 * virtual_server (the very code the shim runs), schedules each new
 * connection, and keeps the IPVS connection counters the way the kernel
 * would: a connection is active from its SYN while established, and once
 * closed lingers inactive for the FIN_WAIT/TIME_WAIT timeout before it leaves
 * the table. Each kind of linger has one fixed timeout and is entered at the
 * current time, so a FIFO per kind holds expiries in order; they are applied
 * lazily before every decision (and before every sample), which gives the
 * scheduler exactly the counters it would see without one event per expiry.
 *
 * CPU and NIC: every packet costs cpu_per_packet, every byte nic time; both
 * are FIFO queues computed with Lindley's recursion, so a NAT director (which
 * carries the replies) saturates while a DR/TUN one sees only the inbound half.
 *
 * In request fidelity a virtual service whose real servers have checker
 * blocks also runs keepalived's checkers (models/health.c), which delete,
 * quiesce and re-add its destinations; v->rs has one more slot, for the
 * sorry server.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "models/health.h"
#include "models/ctltimer.h"
#include "models/vsbuild.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define DIRECTOR_SYNRECV_NS (60 * SIM_SEC) /* IPVS SYN_RECV timeout */
#define DIRECTOR_CLOSE_NS (10 * SIM_SEC)   /* IPVS CLOSE timeout */
#define DIRECTOR_UDP_NS (300 * SIM_SEC)	   /* IPVS UDP timeout */
#define DIRECTOR_ESTABLISHED_NS (900 * SIM_SEC) /* IPVS ESTABLISHED timeout */

static void linger_push(struct linger *l, sim_time_t at, struct lb_dest *d, bool active)
{
	if (l->len == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		struct linger_ent *n = xmalloc(ncap * sizeof(*n));

		for (size_t i = 0; i < l->len; i++)
			n[i] = l->v[(l->head + i) % l->cap];
		free(l->v);
		l->v = n;
		l->cap = ncap;
		l->head = 0;
	}
	l->v[(l->head + l->len) % l->cap] = (struct linger_ent){ at, d, active };
	l->len++;
}

/* Put a connection entry to <dest> in linger <k>, from now. */
void director_linger(struct director *d, enum linger_kind k, struct lb_dest *dest, bool active)
{
	struct linger *l = &d->linger[k];

	linger_push(l, sim_now(d->w->sim) + l->timeout_ns, dest, active);
}

/* Unbind every lingering entry (and table entry) whose timeout has passed by <now>. */
void director_expire(struct director *d, sim_time_t now)
{
	if (d->tab)
		lb_conn_table_expire(d->tab, now);
	for (int k = 0; k < LINGER_KIND_COUNT; k++) {
		struct linger *l = &d->linger[k];

		while (l->len && l->v[l->head].at <= now) {
			struct linger_ent *e = &l->v[l->head];

			lb_dest_conn_unbind(e->d, e->active);
			d->conns--;
			l->head = (l->head + 1) == l->cap ? 0 : l->head + 1;
			l->len--;
		}
	}
}

/*
 * Schedule a new connection (its SYN is at the director now) on <v>:
 * persistent services go through the connection table (templates first,
 * then the scheduler, and the entry's TCP state from the SYN on); the others
 * through the scheduler, with the connection counted active at once. Returns
 * the destination, or NULL when none is available (the client is refused).
 */
struct lb_dest *director_schedule(struct director *d, struct mvs *v, const struct lb_flow_key *k)
{
	sim_time_t now = sim_now(d->w->sim);
	struct lb_dest *dest;
	struct lb_conn *c;

	if (v->tabled) {
		unsigned flags = k->proto == LB_PROTO_TCP ? LB_TCP_SYN : 0;

		director_expire(d, now);
		if (lb_conn_in(d->tab, &v->svc, k, flags, now, &c))
			return NULL;
		return c->dest;
	}
	director_expire(d, now);
	dest = lb_service_pick(&v->svc, k);
	if (!dest)
		return NULL;
	lb_dest_conn_bind(dest, k->proto == LB_PROTO_TCP);
	if (++d->conns > d->conns_max)
		d->conns_max = d->conns;
	return dest;
}

/*
 * A packet of connection <k> crosses the director now, in direction <dir>
 * with <tcp_flags>: for persistent services it moves the entry's TCP state
 * and timer as IPVS would. The other services' counters are kept by the
 * connection's life cycle in models/client.c, so nothing is done for them.
 */
void director_packet(struct director *d, struct mvs *v, const struct lb_flow_key *k,
		     enum lb_conn_dir dir, unsigned tcp_flags)
{
	struct lb_conn *c;

	if (!v->tabled)
		return;
	c = lb_conn_lookup(d->tab, k);
	if (c)
		lb_conn_packet(d->tab, c, dir, tcp_flags, sim_now(d->w->sim));
}

/* Connection entries now, lingering ones included (templates not counted). */
uint64_t director_entries(struct director *d)
{
	uint64_t n = d->conns;

	director_expire(d, sim_now(d->w->sim));
	if (d->tab)
		n = d->conns + lb_conn_table_count(d->tab) - lb_conn_table_templates(d->tab);
	return n;
}

/*
 * The director handles <npkts> packets carrying <bytes> at <now>: returns the
 * delay they see (queueing for the CPU, then for the NIC).
 */
sim_time_t director_process(struct director *d, sim_time_t now, unsigned npkts, uint64_t bytes)
{
	sim_time_t cpu = d->cfg->cpu_per_packet_ns * (sim_time_t)npkts;
	sim_time_t start = d->cpu_free_at > now ? d->cpu_free_at : now;
	sim_time_t done = start + cpu;

	d->cpu_free_at = done;
	d->packets += npkts;
	if (d->w->measuring)
		d->cpu_busy_ns += cpu;
	if (d->nic_ns_per_byte > 0) {
		double wire = (double)bytes + (double)npkts * LINK_HDR_BYTES;
		sim_time_t tx = (sim_time_t)(wire * d->nic_ns_per_byte + 0.5);
		sim_time_t nstart = d->nic_free_at > done ? d->nic_free_at : done;

		d->nic_free_at = nstart + tx;
		done = nstart + tx;
	}
	return done - now;
}

struct mvs *director_find_vs(struct director *d, const struct lb_addr *a, uint16_t port,
			     uint8_t proto)
{
	for (size_t i = 0; i < d->nvs; i++) {
		const struct scn_vs *c = d->vs[i].cfg;

		if (!c->fwmark && c->port == port && c->proto == proto && lb_addr_eq(&c->addr, a))
			return &d->vs[i];
	}
	return NULL;
}

/* ---- the environment the IPVS code runs in: simulated time, a counted log ---- */

static int64_t director_env_now(void *ctx)
{
	struct director *d = ctx;

	return sim_now(d->w->sim);
}

static void director_env_timer_cancel(void *ctx, struct lb_timer *t)
{
	struct director *d = ctx;

	ctl_timer_cancel(d->w->ctl, t);
}

/* Arm (or move) <t> to fire at <at_ns>, among the world's control-plane timers. */
static void director_env_timer_arm(void *ctx, struct lb_timer *t, int64_t at_ns)
{
	struct director *d = ctx;

	ctl_timer_arm(d->w->ctl, t, at_ns, sim_now(d->w->sim));
}

/* Count what the IPVS code logs and keep the first message for the report. */
static void director_env_log(void *ctx, int level, const char *fmt, ...)
{
	struct director *d = ctx;
	va_list ap;

	if (d->log_count++ == 0) {
		va_start(ap, fmt);
		vsnprintf(d->log_first, sizeof(d->log_first), fmt, ap);
		va_end(ap);
	}
}

static int director_vs_init(struct director *d, struct mvs *v, const struct scn_vs *cfg,
			    const char *algo, char *err, size_t errlen)
{
	struct world *w = d->w;
	char buf[LB_ADDR_STRLEN];
	int rc;

	v->cfg = cfg;
	v->dir = d;
	v->tabled = cfg->persistence_timeout_s > 0;
	rc = vsbuild_service(&v->svc, &v->rng, w->scn, d->cfg, cfg, algo, w->seed, &d->env, err,
			     errlen);
	if (rc)
		return rc;
	/* Packet fidelity: every service's packets go through the table. */
	if ((v->tabled || w->scn->sim.fidelity == SCN_FIDELITY_PACKET) && !d->tab) {
		struct lb_conn_conf cc;

		vsbuild_conn_conf(&d->lvs, &cc);
		d->tab = lb_conn_table_new(&cc);
	}
	v->rs = xcalloc(cfg->nrs + 1, sizeof(*v->rs)); /* + the sorry server */
	v->nrs = cfg->nrs;
	for (size_t i = 0; i < cfg->nrs; i++) {
		const struct scn_rs *r = &cfg->rs[i];
		struct rs *m = &v->rs[i];

		rc = vsbuild_add_dest(&v->svc, r, &m->dest, err, errlen);
		if (rc)
			return rc;
		m->dest->owner = m;
		m->cfg = r;
		m->vs = v;
		m->srv = world_find_server(w, &r->addr);
		if (!m->srv) {
			snprintf(err, errlen, "%s:%d:%d: error: real_server %s has no server model",
				 r->loc.file, r->loc.line, r->loc.col,
				 lb_addr_fmt(&r->addr, buf, sizeof(buf)));
			return -EINVAL;
		}
	}
	/* Request fidelity runs keepalived's checkers; packet fidelity keeps IPVS static. */
	if (w->scn->sim.fidelity != SCN_FIDELITY_REQUEST)
		return 0;
	if (cfg->sorry_server) {
		struct rs *m = &v->rs[cfg->nrs];

		m->vs = v;
		m->srv = world_find_server(w, &cfg->sorry_addr);
		if (!m->srv) {
			snprintf(err, errlen, "%s:%d:%d: error: sorry_server %s has no server model",
				 cfg->loc.file, cfg->loc.line, cfg->loc.col,
				 lb_addr_fmt(&cfg->sorry_addr, buf, sizeof(buf)));
			return -EINVAL;
		}
	}
	return health_new(v, &v->health, err, errlen);
}

/*
 * Build director <d> from <cfg>. <algo>, when not NULL, replaces every virtual
 * server's lb_algo. Returns 0, or -errno with a "file:line:col: error: ..."
 * message in <err>; director_fini() must be called in both cases.
 */
int director_init(struct director *d, struct world *w, const struct scn_director *cfg,
		  const char *algo, char *err, size_t errlen)
{
	*d = (struct director){ .cfg = cfg, .w = w };
	d->env = (struct lb_env){
		.ctx = d,
		.now_ns = director_env_now,
		.timer_arm = director_env_timer_arm,
		.timer_cancel = director_env_timer_cancel,
		.log = director_env_log,
	};
	/* The director's lvs_timeouts, else the top-level ones, else the defaults. */
	d->lvs = vsbuild_lvs(w->scn, cfg);
	d->linger[LINGER_FIN].timeout_ns =
		d->lvs.tcpfin_ns ? d->lvs.tcpfin_ns : w->scn->sim.fin_timeout_ns;
	d->linger[LINGER_SYNRECV].timeout_ns = DIRECTOR_SYNRECV_NS;
	d->linger[LINGER_CLOSE].timeout_ns = DIRECTOR_CLOSE_NS;
	d->linger[LINGER_UDP].timeout_ns = d->lvs.udp_ns ? d->lvs.udp_ns : DIRECTOR_UDP_NS;
	d->linger[LINGER_ESTABLISHED].timeout_ns =
		d->lvs.tcp_ns ? d->lvs.tcp_ns : DIRECTOR_ESTABLISHED_NS;
	if (cfg->nic_bps > 0)
		d->nic_ns_per_byte = 8e9 / cfg->nic_bps;
	d->vs = xcalloc(cfg->nvs ? cfg->nvs : 1, sizeof(*d->vs));
	for (size_t i = 0; i < cfg->nvs; i++) {
		int rc = director_vs_init(d, &d->vs[i], &cfg->vs[i], algo, err, errlen);

		d->nvs = i + 1;
		if (rc)
			return rc;
	}
	return 0;
}

void director_fini(struct director *d)
{
	for (size_t i = 0; d->tab && i < d->nvs; i++)
		lb_conn_table_flush(d->tab, &d->vs[i].svc);
	lb_conn_table_free(d->tab);
	for (size_t i = 0; i < d->nvs; i++) {
		health_free(d->vs[i].health);
		lb_service_fini(&d->vs[i].svc);
		rng_stream_free(d->vs[i].rng);
		free(d->vs[i].rs);
	}
	free(d->vs);
	for (int k = 0; k < LINGER_KIND_COUNT; k++)
		free(d->linger[k].v);
}
