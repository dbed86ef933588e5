/*
 * models/client.c - client populations and the life of a connection.
 *
 * One population per `clients` block. Its arrival process gives birth to
 * connections; everything random about a connection (source address,
 * request count, each request's work and sizes) is drawn at birth from the
 * population's own streams, so every algorithm compared on the scenario sees
 * the very same workload (common random numbers).
 *
 * A connection's path: SYN to the director (scheduling), the handshake and
 * request to the server, the response back (through the director for NAT,
 * straight to the client for DR/TUN), think time, the next request, and the
 * FIN, after which the director's entry lingers inactive. The response time
 * of request 0 counts from the SYN (it includes connection set-up), later
 * ones from when the client sends them.
 *
 * Every arrival at the director is its own step at its true time, so the
 * director's FIFO queues see packets in time order; a step whose delay is 0
 * runs inline, any other is one event. This code runs a few times per
 * request, millions of times a second.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/model.h"

#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "models/ha.h"
#include "models/packet.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

enum conn_ev {
	CONN_EV_SYN = 0,     /* SYN reaches the director */
	CONN_EV_SEND,	     /* the client sends request k */
	CONN_EV_DIR_IN,	     /* request k reaches the director */
	CONN_EV_REQUEST,     /* request k reaches the server */
	CONN_EV_DIR_OUT,     /* NAT: response k reaches the director */
	CONN_EV_RESPONSE,    /* response k reaches the client */
	CONN_EV_FIN,	     /* the client's FIN reaches the director */
	CONN_EV_RETRY,	     /* the client tries again after a refusal */
	/* count, keep last */
	CONN_EV_COUNT
};

static void conn_syn(struct mconn *c);
static void conn_send(struct mconn *c);
static void conn_dir_in(struct mconn *c);
static void conn_dir_out(struct mconn *c);
static void conn_request_at_server(struct mconn *c);
static void conn_response(struct mconn *c);
static void conn_fin(struct mconn *c);
static void conn_start(struct mconn *c);

static sim_time_t conn_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct mconn *c = ctx;

	switch ((enum conn_ev)arg) {
	case CONN_EV_SYN:
		conn_syn(c);
		break;
	case CONN_EV_SEND:
		conn_send(c);
		break;
	case CONN_EV_DIR_IN:
		conn_dir_in(c);
		break;
	case CONN_EV_REQUEST:
		conn_request_at_server(c);
		break;
	case CONN_EV_DIR_OUT:
		conn_dir_out(c);
		break;
	case CONN_EV_RESPONSE:
		conn_response(c);
		break;
	case CONN_EV_FIN:
		conn_fin(c);
		break;
	case CONN_EV_RETRY:
		conn_start(c);
		break;
	case CONN_EV_COUNT:
		sim_panic(sim, SIM_LOC, "bad connection event %llu", (unsigned long long)arg);
	}
	return SIM_NOMORE;
}

/* Run <ev> for <c> after <delay>: inline when 0, else as an event. */
static void conn_after(struct mconn *c, sim_time_t delay, enum conn_ev ev)
{
	struct sim *sim = c->pop->w->sim;

	if (delay > 0) {
		sim_schedule_in(sim, delay, conn_event, c, ev);
		return;
	}
	conn_event(sim, c, ev);
}

static inline uint32_t conn_req_bytes(const struct mconn *c)
{
	return c->nreq == 1 ? c->req0 : c->req_bytes[c->k];
}

static inline uint32_t conn_resp_bytes(const struct mconn *c)
{
	return c->nreq == 1 ? c->resp0 : c->resp_bytes[c->k];
}

static void conn_release(struct mconn *c)
{
	struct world *w = c->pop->w;

	world_conn_free(w, c);
}

/* Requests k.. of <c> end without an answer; count them as <refused> or failed. */
static void conn_give_up(struct mconn *c, bool refused)
{
	world_count_lost(c->pop->w, c, refused);
	conn_release(c);
}

/* The connection was refused (no destination, or reset): retry or give up. */
static void conn_refused(struct mconn *c)
{
	const struct scn_clients *cfg = c->pop->cfg;

	if (c->attempts < cfg->retries) {
		c->attempts++;
		sim_schedule_in(c->pop->w->sim, cfg->retry_delay_ns, conn_event, c, CONN_EV_RETRY);
		return;
	}
	conn_give_up(c, true);
}

/*
 * The director went down in the middle of <c>: its packets are lost, the
 * client gives up on the rest, and the director's entry (still ESTABLISHED,
 * so active) would only leave its table by the idle timeout.
 */
static void conn_abandon(struct mconn *c)
{
	struct rs *r = c->rs;

	if (!r->vs->tabled && r->vs->cfg->proto == LB_PROTO_TCP)
		director_linger(r->vs->dir, LINGER_ESTABLISHED, r->dest, true);
	else if (!r->vs->tabled)
		director_linger(r->vs->dir, LINGER_UDP, r->dest, false);
	conn_give_up(c, false);
}

/*
 * HA worlds: does the router now send <c>'s packets elsewhere than to the
 * director that holds its entry? Always false without VRRP.
 */
static bool conn_moved(const struct mconn *c)
{
	struct world *w = c->pop->w;
	struct mvs *v = c->vs;

	if (!w->ha)
		return false;
	/* Asked on every packet; routes change only at VRRP transitions and GARPs. */
	if (v->route_epoch != w->route_epoch) {
		v->route_dir = ha_route(w->ha, &v->cfg->addr);
		v->route_epoch = w->route_epoch;
	}
	return v->route_dir < 0 || &w->dirs[v->route_dir] != v->dir;
}

/*
 * <c>'s packets now go to another director (a failover), which has no entry
 * for it: without connection sync the kernel there takes a non-SYN packet as
 * not its own (sloppy_tcp off) and the connection breaks; the client fails
 * its remaining requests. With no director holding the VIP they are lost.
 */
static void conn_break(struct mconn *c)
{
	struct world *w = c->pop->w;

	if (ha_route(w->ha, &c->vs->cfg->addr) >= 0)
		ha_count_broken(w->ha, &c->vs->cfg->addr);
	conn_abandon(c);
}

/*
 * <c>'s packets now reach another director (see conn_moved). With
 * lvs_sync_daemon that director may have heard of <c> from the old master
 * (models/ha.c): then <c> carries on through its virtual service, to the
 * same real server, and the old director's entry waits for its timeout.
 * Returns true when <c> has moved (c->vs and c->rs are the new director's),
 * false when the new director does not know it. <count>: it had requests
 * left, which the sync saved (a failover's synced_connections).
 */
static bool conn_follow(struct mconn *c, bool count)
{
	struct world *w = c->pop->w;
	int d = ha_route(w->ha, &c->vs->cfg->addr);
	struct rs *old = c->rs, *r = NULL;
	struct mvs *v;

	if (d < 0 || !c->pop->dvs || !c->pop->dvs[d] || !ha_conn_known(w->ha, (size_t)d, c->id))
		return false;
	v = c->pop->dvs[d];
	for (size_t i = 0; i < v->nrs && !r; i++)
		if (v->rs[i].srv == old->srv)
			r = &v->rs[i];
	if (!r)
		return false;
	if (!old->vs->tabled) {
		/* as conn_abandon leaves it */
		if (old->vs->cfg->proto == LB_PROTO_TCP)
			director_linger(old->vs->dir, LINGER_ESTABLISHED, old->dest, true);
		else
			director_linger(old->vs->dir, LINGER_UDP, old->dest, false);
		lb_dest_conn_bind(r->dest, v->cfg->proto == LB_PROTO_TCP);
		if (++v->dir->conns > v->dir->conns_max)
			v->dir->conns_max = v->dir->conns;
	}
	c->vs = v;
	c->rs = r;
	if (count)
		ha_count_synced(w->ha, &v->cfg->addr);
	/* the new master syncs it on in its turn */
	ha_conn_open(w->ha, (size_t)d, c->id);
	return true;
}

/* The client opens (or reopens) the connection now. */
static void conn_start(struct mconn *c)
{
	struct population *p = c->pop;
	sim_time_t now = sim_now(p->w->sim);

	c->sent_at = now;
	if (p->w->ha) {
		/* The router sends the SYN to the VIP's entry in its ARP cache. */
		int d = ha_route(p->w->ha, &p->cfg->target);

		if (d < 0 || !p->dvs[d]) {
			conn_give_up(c, false);
			return;
		}
		c->vs = p->dvs[d];
	}
	if ((p->link && !p->link->up) || c->vs->dir->down) {
		/* The SYN never arrives (or nobody is there): the client gives up. */
		conn_give_up(c, false);
		return;
	}
	conn_after(c, link_transit(p->link, LINK_INBOUND, now, 0, 1), CONN_EV_SYN);
}

/* The flow key IPVS sees for <c>'s client-to-service packets. */
static void conn_key(const struct mconn *c, struct lb_flow_key *k)
{
	const struct scn_vs *vs = c->vs->cfg;

	*k = (struct lb_flow_key){ .saddr = c->saddr, .daddr = vs->addr, .sport = c->sport,
				   .dport = vs->port, .proto = vs->proto };
}

/* A packet of <c> crosses its director now (entry state of persistent services). */
static void conn_packet(struct mconn *c, enum lb_conn_dir dir, unsigned tcp_flags)
{
	struct mvs *v = c->vs;
	struct lb_flow_key k;

	if (!v->tabled)
		return;
	conn_key(c, &k);
	director_packet(v->dir, v, &k, dir, tcp_flags);
}

/* Payload bytes of requests (resp: responses) 0..k-1 of <c>. */
static uint64_t conn_bytes_before(const struct mconn *c, uint32_t k, bool resp)
{
	uint64_t n = 0;

	if (c->nreq == 1)
		return k ? (resp ? c->resp0 : c->req0) : 0;
	for (uint32_t i = 0; i < k; i++)
		n += resp ? c->resp_bytes[i] : c->req_bytes[i];
	return n;
}

/*
 * Tell the world's tap (pcapgen) about a client packet at the director now:
 * the client has sent requests 0..sent_k-1 before it and received responses
 * 0..received_k-1.
 */
static void conn_tap(struct mconn *c, enum world_tap_ev ev, uint32_t bytes, uint32_t sent_k,
		     uint32_t received_k)
{
	struct world *w = c->pop->w;
	struct lb_flow_key key;
	struct world_tap_pkt pkt;

	if (!w->tap)
		return;
	conn_key(c, &key);
	pkt = (struct world_tap_pkt){
		.ev = ev, .conn = c->id, .key = &key, .k = c->k, .bytes = bytes,
		.sent = conn_bytes_before(c, sent_k, false),
		.received = conn_bytes_before(c, received_k, true),
	};
	w->tap(w->tap_ctx, sim_now(w->sim), &pkt);
}

/* The SYN reaches the director: IPVS schedules a new connection entry. */
static void conn_syn(struct mconn *c)
{
	struct population *p = c->pop;
	struct world *w = p->w;
	struct mvs *v = c->vs;
	struct director *d = v->dir;
	sim_time_t now = sim_now(w->sim);
	sim_time_t t = director_process(d, now, 1, 0);
	struct lb_flow_key key;
	struct lb_dest *dest;
	struct mlink *sl;

	if (d->down) {
		conn_give_up(c, false);
		return;
	}
	conn_key(c, &key);
	conn_tap(c, WORLD_TAP_SYN, 0, 0, 0);
	dest = director_schedule(d, v, &key);
	if (!dest) {
		/* ICMP port unreachable (or RST) back to the client. */
		conn_refused(c);
		return;
	}
	c->rs = dest->owner;
	if (c->counted)
		c->rs->connections++;
	if (w->ha_sync)
		ha_conn_open(w->ha, (size_t)(d - w->dirs), c->id);

	/*
	 * The SYN goes on to the server and the SYN-ACK comes back (through the
	 * director for NAT only, whose CPU is charged now: one packet, never
	 * on the critical path of anyone else); then the client sends request 0
	 * with its ACK.
	 */
	sl = c->rs->srv->link;
	t += link_transit(sl, LINK_INBOUND, now + t, 0, 1);
	t += link_transit(sl, LINK_OUTBOUND, now + t, 0, 1);
	if (v->cfg->kind == LB_KIND_NAT) {
		director_process(d, now, 1, 0);
		conn_packet(c, LB_CONN_DIR_OUT, LB_TCP_SYN | LB_TCP_ACK);
	}
	t += link_transit(p->link, LINK_OUTBOUND, now + t, 0, 1);
	conn_after(c, t, CONN_EV_SEND);
}

/* The client sends request k now: it crosses the client link to the director. */
static void conn_send(struct mconn *c)
{
	struct population *p = c->pop;
	sim_time_t now = sim_now(p->w->sim);
	uint32_t rq = conn_req_bytes(c);

	if (c->k > 0)
		c->sent_at = now;
	conn_after(c, link_transit(p->link, LINK_INBOUND, now, rq, link_segments(rq)),
		   CONN_EV_DIR_IN);
}

/* Request k reaches the director, which forwards it over the server's link. */
static void conn_dir_in(struct mconn *c)
{
	struct rs *r;

	if (conn_moved(c) && !conn_follow(c, true)) {
		conn_break(c);
		return;
	}
	r = c->rs;
	if (r->vs->dir->down) {
		conn_abandon(c);
		return;
	}
	sim_time_t now = sim_now(c->pop->w->sim);
	uint32_t rq = conn_req_bytes(c);
	unsigned segs = link_segments(rq);
	sim_time_t t = director_process(r->vs->dir, now, segs, rq);

	conn_packet(c, LB_CONN_DIR_IN, LB_TCP_ACK | LB_TCP_PSH);
	conn_tap(c, WORLD_TAP_REQUEST, rq, c->k, c->k);
	/* Outstanding requests and response times feed jsq and lrt. */
	lb_dest_request_start(r->dest);
	c->fwd_at = now;
	t += link_transit(r->srv->link, LINK_INBOUND, now + t, rq, segs);
	conn_after(c, t, CONN_EV_REQUEST);
}

/* Request k reaches the server. */
static void conn_request_at_server(struct mconn *c)
{
	struct rs *r = c->rs;
	struct director *d = r->vs->dir;
	bool first = c->k == 0;

	/* A server behind a cut link is as silent as a dead one. */
	switch (r->srv->link && !r->srv->link->up ? SERVER_DOWN : server_offer(r->srv, c, first)) {
	case SERVER_TAKEN:
		return;
	case SERVER_FULL:
		/* Reset by the server: NAT sees the RST (CLOSE), DR/TUN do not. */
		lb_dest_request_done(r->dest, sim_now(d->w->sim), sim_now(d->w->sim) - c->fwd_at);
		if (c->counted)
			r->refused++;
		if (r->vs->tabled) {
			if (r->vs->cfg->kind == LB_KIND_NAT)
				conn_packet(c, LB_CONN_DIR_OUT, LB_TCP_RST);
		} else {
			lb_dest_conn_set_active(r->dest, false);
			if (r->vs->cfg->kind == LB_KIND_NAT)
				director_linger(d, LINGER_CLOSE, r->dest, false);
			else
				director_linger(d, LINGER_SYNRECV, r->dest, false);
		}
		conn_refused(c);
		return;
	case SERVER_DOWN:
	case SERVER_VERDICT_COUNT:
		break;
	}
	/*
	 * Nothing answers: the entry stays in SYN_RECV (active) until it
	 * expires. The request leaves jsq's and lrt's books at once, as it
	 * would when a proxy's connect fails.
	 */
	lb_dest_request_done(r->dest, sim_now(d->w->sim), sim_now(d->w->sim) - c->fwd_at);
	if (!r->vs->tabled)
		director_linger(d, LINGER_SYNRECV, r->dest, true);
	conn_give_up(c, false);
}

/*
 * Called by the server model when request k is done: the response leaves over
 * the server's link, to the director for NAT, straight to the client for
 * DR/TUN.
 */
void conn_served(struct mconn *c)
{
	struct rs *r = c->rs;
	sim_time_t now = sim_now(c->pop->w->sim);

	if (c->pop->w->scn->sim.fidelity == SCN_FIDELITY_PACKET) {
		packet_served(c);
		return;
	}
	if (!r->srv->up) {
		/* The server failed while the request was in it: no answer comes. */
		lb_dest_request_done(r->dest, now, now - c->fwd_at);
		conn_abandon(c);
		return;
	}
	uint32_t bytes = conn_resp_bytes(c);
	sim_time_t t = link_transit(r->srv->link, LINK_OUTBOUND, now, bytes, link_segments(bytes));

	if (r->vs->cfg->kind == LB_KIND_NAT) {
		conn_after(c, t, CONN_EV_DIR_OUT);
		return;
	}
	t += link_transit(c->pop->link, LINK_OUTBOUND, now + t, bytes, link_segments(bytes));
	conn_after(c, t, CONN_EV_RESPONSE);
}

/* NAT: response k reaches the director, which rewrites it towards the client. */
static void conn_dir_out(struct mconn *c)
{
	if (c->rs->vs->dir->down) {
		conn_abandon(c);
		return;
	}
	sim_time_t now = sim_now(c->pop->w->sim);
	uint32_t bytes = conn_resp_bytes(c);
	unsigned segs = link_segments(bytes);
	sim_time_t t = director_process(c->rs->vs->dir, now, segs, bytes);

	conn_packet(c, LB_CONN_DIR_OUT, LB_TCP_ACK | LB_TCP_PSH);
	t += link_transit(c->pop->link, LINK_OUTBOUND, now + t, bytes, segs);
	conn_after(c, t, CONN_EV_RESPONSE);
}

/*
 * Response k reaches the client. Its ACKs (one per two segments) cost the
 * director CPU; they are charged now, as they delay no answer.
 */
static void conn_response(struct mconn *c)
{
	struct population *p = c->pop;
	struct world *w = p->w;
	sim_time_t now = sim_now(w->sim);
	sim_time_t rt = now - c->sent_at;

	lb_dest_request_done(c->rs->dest, now, now - c->fwd_at);
	director_process(c->rs->vs->dir, now, (link_segments(conn_resp_bytes(c)) + 1) / 2, 0);
	conn_packet(c, LB_CONN_DIR_IN, LB_TCP_ACK);
	conn_tap(c, WORLD_TAP_ACK, conn_resp_bytes(c), c->k + 1, c->k + 1);
	world_count_answer(w, c, rt);
	if (++c->k < c->nreq) {
		conn_after(c, population_think_ns(p), CONN_EV_SEND);
		return;
	}
	conn_after(c, link_transit(p->link, LINK_INBOUND, now, 0, 1), CONN_EV_FIN);
}

/* The client's FIN reaches the director: the entry goes inactive and lingers. */
static void conn_fin(struct mconn *c)
{
	struct rs *r;
	struct director *d;

	if (conn_moved(c))
		conn_follow(c, false);
	r = c->rs;
	d = r->vs->dir;
	if (d->down || conn_moved(c)) {
		/* The FIN is lost; every request was answered: nothing failed. */
		conn_abandon(c);
		return;
	}
	/* FIN and the last ACK; through NAT the server's FIN and ACK as well. */
	director_process(d, sim_now(d->w->sim), r->vs->cfg->kind == LB_KIND_NAT ? 4 : 2, 0);
	conn_tap(c, WORLD_TAP_FIN, 0, c->nreq, c->nreq);
	if (r->vs->tabled) {
		conn_packet(c, LB_CONN_DIR_IN, LB_TCP_FIN | LB_TCP_ACK);
		if (r->vs->cfg->kind == LB_KIND_NAT)
			conn_packet(c, LB_CONN_DIR_OUT, LB_TCP_FIN | LB_TCP_ACK);
		conn_packet(c, LB_CONN_DIR_IN, LB_TCP_ACK);
	} else if (r->vs->cfg->proto == LB_PROTO_TCP) {
		lb_dest_conn_set_active(r->dest, false);
		director_linger(d, LINGER_FIN, r->dest, false);
	} else {
		director_linger(d, LINGER_UDP, r->dest, false);
	}
	if (c->pop->w->ha_sync)
		ha_conn_close(c->pop->w->ha, (size_t)(d - c->pop->w->dirs), c->id);
	conn_release(c);
}

/* ---- the population ---- */

static double pop_draw(const struct dist *d, gsl_rng *r)
{
	return d->kind == DIST_DETERMINISTIC ? d->p[0] : dist_sample(d, r);
}

static uint32_t pop_bytes(const struct dist *d, gsl_rng *r)
{
	double v = pop_draw(d, r);

	if (v < 0)
		return 0;
	return v > 4e9 ? 4000000000u : (uint32_t)(v + 0.5);
}

/* The client's think time before its next request on a connection. */
sim_time_t population_think_ns(struct population *p)
{
	const struct dist *d = &p->cfg->think;

	return sim_time_from_sec(d->kind == DIST_DETERMINISTIC ? d->p[0]
							       : dist_sample(d, p->rng_think));
}

/* A connection is born now: draw everything about it. */
static void population_birth(struct population *p)
{
	struct world *w = p->w;
	struct mconn *c = world_conn_alloc(w);
	double n = pop_draw(&p->cfg->requests, p->rng_requests);

	*c = (struct mconn){ .pop = p, .vs = p->vs, .id = ++w->births };
	c->nreq = n < 1 ? 1 : (uint32_t)(n + 0.5);
	c->saddr = p->cfg->src_base;
	if (p->src_span > 1) {
		uint32_t off = rng_below(p->rng_source, p->src_span);

		if (c->saddr.af == LB_AF_INET)
			c->saddr.u.v4 += off;
		else
			lb_addr_add(&p->cfg->src_base, off, &c->saddr);
	}
	c->sport = p->next_port;
	p->next_port = p->next_port >= 60999 ? 32768 : p->next_port + 1;
	c->counted = sim_now(w->sim) >= w->warmup_ns;
	if (c->nreq == 1) {
		c->work0 = pop_draw(&p->cfg->service, p->rng_service);
		c->req0 = pop_bytes(&p->cfg->request_size, p->rng_reqsize);
		c->resp0 = pop_bytes(&p->cfg->response_size, p->rng_respsize);
	} else {
		world_conn_alloc_requests(w, c);
		for (uint32_t i = 0; i < c->nreq; i++) {
			c->work[i] = pop_draw(&p->cfg->service, p->rng_service);
			c->req_bytes[i] = pop_bytes(&p->cfg->request_size, p->rng_reqsize);
			c->resp_bytes[i] = pop_bytes(&p->cfg->response_size, p->rng_respsize);
		}
	}
	if (c->counted)
		w->requests += c->nreq;
	if (w->scn->sim.fidelity == SCN_FIDELITY_PACKET)
		packet_conn_start(c);
	else
		conn_start(c);
}

/* Time to the next arrival after <now>, following the arrival process. */
static sim_time_t population_gap(struct population *p, sim_time_t now)
{
	const struct scn_arrival *a = &p->cfg->arrival;
	sim_time_t gap;

	if (a->kind == SCN_ARRIVAL_DETERMINISTIC)
		return (sim_time_t)(p->mean_gap_ns + 0.5);
	gap = (sim_time_t)(gsl_ran_exponential(p->rng_arrival, p->mean_gap_ns) + 0.5);
	if (a->kind == SCN_ARRIVAL_ONOFF) {
		/* Memoryless: time left over at the end of an on period carries on. */
		sim_time_t at = now + gap;

		while (at > p->on_until) {
			at += a->off_ns;
			p->on_until += a->on_ns + a->off_ns;
		}
		gap = at - now;
	}
	return gap;
}

static sim_time_t population_arrival(struct sim *sim, void *ctx, uint64_t arg)
{
	struct population *p = ctx;

	population_birth(p);
	return population_gap(p, sim_now(sim));
}

static gsl_rng *population_stream(struct population *p, const char *what)
{
	char name[160];

	snprintf(name, sizeof(name), "clients.%s.%s", p->cfg->name, what);
	return rng_stream_new(p->w->seed, name);
}

void population_init(struct population *p, struct world *w, const struct scn_clients *cfg,
		     struct mvs *vs, struct mlink *link)
{
	*p = (struct population){ .cfg = cfg, .w = w, .vs = vs, .link = link };
	p->rng_arrival = population_stream(p, "arrivals");
	p->rng_source = population_stream(p, "sources");
	p->rng_requests = population_stream(p, "requests");
	p->rng_service = population_stream(p, "service");
	p->rng_reqsize = population_stream(p, "request_size");
	p->rng_respsize = population_stream(p, "response_size");
	p->rng_think = population_stream(p, "think");
	p->mean_gap_ns = 1e9 / cfg->arrival.rate_per_s;
	p->on_until = cfg->arrival.on_ns;
	unsigned bits = (cfg->src_base.af == LB_AF_INET ? 32 : 128) - cfg->src_prefix;
	p->src_span = bits >= 32 ? UINT32_MAX : (uint32_t)1 << bits;
	p->next_port = 32768;
}

void population_fini(struct population *p)
{
	free(p->dvs);
	rng_stream_free(p->rng_arrival);
	rng_stream_free(p->rng_source);
	rng_stream_free(p->rng_requests);
	rng_stream_free(p->rng_service);
	rng_stream_free(p->rng_reqsize);
	rng_stream_free(p->rng_respsize);
	rng_stream_free(p->rng_think);
}

/* Schedule the first arrival: a periodic event that gives birth each time. */
void population_start(struct population *p)
{
	sim_schedule(p->w->sim, population_gap(p, 0), population_arrival, p, 0);
}
