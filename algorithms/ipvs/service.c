/*
 * algorithms/ipvs/service.c - an IPVS virtual service: its destination list,
 * the per-dest connection counters and overload flag, and the scheduler hooks.
 *
 * Called by the director model (and the live shim): add/edit/del from config
 * and health-check events (rare), bind/unbind/set_active per connection and
 * per TCP state change, lb_service_pick once per new connection. The counter
 * and pick paths allocate nothing and take O(1) beyond what the scheduler
 * costs; add/del are O(number of dests) because positions are renumbered.
 * A service holds tens to a few thousand dests.
 *
 * Behaviour follows spec/ipvs-schedulers.md section 1: new dests go to the
 * HEAD of the list (kernel order is the reverse of add order), an edit keeps
 * the position, a deleted dest goes to the trash and an add of the same
 * address:port revives it with its counters. Connection overhead and the
 * OVERLOAD threshold rules come in two profiles, legacy and current (1.3, 1.4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/ipvs/service.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#ifdef LBSIM_DEBUG
#define SERVICE_ASSERT_SANE(svc) assert(lb_service_sane(svc))
#else
#define SERVICE_ASSERT_SANE(svc) ((void)0)
#endif

/*
 * lb_service_init - a service with no dests and no scheduler under profile.
 * The caller fills addr/port/proto/fwmark/kind/conf/rng/env afterwards and then
 * calls lb_service_set_sched. conf defaults: d = 2, mh_size = 4093,
 * ewma_tau_ns = 10 s.
 */
void lb_service_init(struct lb_service *svc, enum lb_profile profile)
{
	memset(svc, 0, sizeof(*svc));
	svc->profile = profile;
	svc->conf.d = 2;
	svc->conf.mh_size = 4093;
	svc->conf.ewma_tau_ns = 10 * INT64_C(1000000000);
}

/*
 * lb_service_fini - run the scheduler's done hook and free every dest, linked
 * or in the trash. Pointers to dests are dangling afterwards. The rng and env
 * belong to the caller and are left alone. The service may be re-inited.
 */
void lb_service_fini(struct lb_service *svc)
{
	if (svc->sched && svc->sched->done)
		svc->sched->done(svc);
	svc->sched = NULL;
	svc->sched_priv = NULL;
	for (unsigned i = 0; i < svc->ndests; i++)
		free(svc->dests[i]);
	for (unsigned i = 0; i < svc->ntrash; i++)
		free(svc->trash[i]);
	free(svc->dests);
	free(svc->trash);
	svc->dests = NULL;
	svc->trash = NULL;
	svc->ndests = svc->cap = svc->ntrash = 0;
}

/*
 * lb_service_set_sched - replace the scheduler: the old one's state is
 * discarded (done), sched_priv reset, and the new one's init runs over the
 * current dest list (spec 1.5). Returns 0, -EINVAL for a NULL ops, or the
 * init's -errno, in which case the service is left with no scheduler and
 * every pick returns NULL.
 */
int lb_service_set_sched(struct lb_service *svc, const struct lb_sched_ops *ops)
{
	int rc;

	if (!ops)
		return -EINVAL;
	if (svc->sched && svc->sched->done)
		svc->sched->done(svc);
	svc->sched = ops;
	svc->sched_priv = NULL;
	if (ops->init) {
		rc = ops->init(svc);
		if (rc) {
			svc->sched = NULL;
			svc->sched_priv = NULL;
			return rc;
		}
	}
	return 0;
}

static void dest_load_changed(struct lb_dest *d);

/*
 * lb_service_set_profile - switch a running service to another kernel
 * profile (a tool's "what would the other kernel do"). The connection
 * overhead of every dest changes with it, so each linked dest goes through
 * the scheduler's load_changed hook. O(n log n) for the indexed schedulers.
 */
void lb_service_set_profile(struct lb_service *svc, enum lb_profile profile)
{
	svc->profile = profile;
	for (unsigned i = 0; i < svc->ndests; i++)
		dest_load_changed(svc->dests[i]);
}

static void service_renumber(struct lb_service *svc, unsigned from)
{
	for (unsigned i = from; i < svc->ndests; i++)
		svc->dests[i]->idx = i;
}

static struct lb_dest *service_find_in(struct lb_dest *const *v, unsigned n,
				       const struct lb_addr *addr, uint16_t port, unsigned *pos)
{
	for (unsigned i = 0; i < n; i++) {
		if (v[i]->port == port && lb_addr_eq(&v[i]->addr, addr)) {
			if (pos)
				*pos = i;
			return v[i];
		}
	}
	return NULL;
}

static bool service_thresholds_ok(int weight, uint32_t u_threshold, uint32_t l_threshold)
{
	/* The kernel rejects l > u outright, including l != 0 with u == 0. */
	return weight >= 0 && l_threshold <= u_threshold;
}

static uint32_t dest_total(const struct lb_dest *d)
{
	return (uint32_t)d->activeconns + (uint32_t)d->inactconns;
}

/* The current profile's clear point: l, or ceil(3u/4) when l is unset. */
static uint32_t dest_l_eff(const struct lb_dest *d)
{
	return d->l_threshold ? d->l_threshold : d->u_threshold - d->u_threshold / 4;
}

/*
 * Apply an edit's thresholds and the edit rules for the OVERLOAD flag
 * (spec 1.4). legacy: clear when the new u is 0 or above the old u; never set.
 * current: only when a threshold changed: u == 0 clears, total >= u sets,
 * total >= l_eff keeps, below clears.
 */
static void dest_set_thresholds(struct lb_service *svc, struct lb_dest *d, uint32_t u, uint32_t l)
{
	uint32_t old_u = d->u_threshold, old_l = d->l_threshold;
	uint32_t total;

	d->u_threshold = u;
	d->l_threshold = l;
	if (svc->profile == LB_PROFILE_LEGACY) {
		if (u == 0 || u > old_u)
			d->flags &= ~LB_DEST_F_OVERLOAD;
		return;
	}
	if (u == old_u && l == old_l)
		return;
	total = dest_total(d);
	if (u == 0)
		d->flags &= ~LB_DEST_F_OVERLOAD;
	else if (total >= u)
		d->flags |= LB_DEST_F_OVERLOAD;
	else if (total < dest_l_eff(d))
		d->flags &= ~LB_DEST_F_OVERLOAD;
}

/*
 * lb_service_add_dest - link addr:port at the head of the list (index 0) with
 * the given weight (>= 0) and thresholds (0 = unset, l <= u), and tell the
 * scheduler. A dest of the same address:port waiting in the trash is revived:
 * same object, counters and owner kept, thresholds applied with the edit rules.
 * last_weight is set to weight, even 0 (spec 1.1).
 * Returns 0 and, if out is not NULL, the dest in *out (owned by the service,
 * valid until lb_service_fini); -EINVAL for a bad weight, threshold pair or
 * unset address; -EEXIST if addr:port is already linked.
 */
int lb_service_add_dest(struct lb_service *svc, const struct lb_addr *addr, uint16_t port,
			int weight, uint32_t u_threshold, uint32_t l_threshold,
			struct lb_dest **out)
{
	struct lb_dest *d;
	unsigned pos;

	if (!addr || !addr->af || !service_thresholds_ok(weight, u_threshold, l_threshold))
		return -EINVAL;
	if (service_find_in(svc->dests, svc->ndests, addr, port, NULL))
		return -EEXIST;
	d = service_find_in(svc->trash, svc->ntrash, addr, port, &pos);
	if (d) {
		svc->trash[pos] = svc->trash[--svc->ntrash];
		dest_set_thresholds(svc, d, u_threshold, l_threshold);
	} else {
		d = xcalloc(1, sizeof(*d));
		d->addr = *addr;
		d->port = port;
		d->u_threshold = u_threshold;
		d->l_threshold = l_threshold;
		d->svc = svc;
	}
	d->weight = weight;
	d->last_weight = weight;
	d->flags |= LB_DEST_F_AVAILABLE;

	if (svc->ndests == svc->cap) {
		svc->cap = svc->cap ? svc->cap * 2 : 8;
		svc->dests = xrealloc(svc->dests, svc->cap * sizeof(*svc->dests));
	}
	memmove(svc->dests + 1, svc->dests, svc->ndests * sizeof(*svc->dests));
	svc->dests[0] = d;
	svc->ndests++;
	service_renumber(svc, 0);

	if (svc->sched && svc->sched->add_dest)
		svc->sched->add_dest(svc, d);
	SERVICE_ASSERT_SANE(svc);
	if (out)
		*out = d;
	return 0;
}

static bool service_owns(const struct lb_service *svc, const struct lb_dest *d)
{
	return d && d->svc == svc && (d->flags & LB_DEST_F_AVAILABLE) && d->idx < svc->ndests &&
	       svc->dests[d->idx] == d;
}

/*
 * lb_service_edit_dest - change a linked dest's weight and thresholds in
 * place (the list position does not change), then call the scheduler's
 * upd_dest. last_weight follows a non-zero weight. Returns 0, -EINVAL for a
 * bad weight or threshold pair, -ENOENT if d is not linked in svc.
 */
int lb_service_edit_dest(struct lb_service *svc, struct lb_dest *d, int weight,
			 uint32_t u_threshold, uint32_t l_threshold)
{
	if (!service_thresholds_ok(weight, u_threshold, l_threshold))
		return -EINVAL;
	if (!service_owns(svc, d))
		return -ENOENT;
	d->weight = weight;
	if (weight != 0)
		d->last_weight = weight;
	dest_set_thresholds(svc, d, u_threshold, l_threshold);
	if (svc->sched && svc->sched->upd_dest)
		svc->sched->upd_dest(svc, d);
	SERVICE_ASSERT_SANE(svc);
	return 0;
}

/*
 * lb_service_del_dest - unlink d, clear AVAILABLE and move it to the trash,
 * where it stays (counters alive for its connections) until a re-add revives
 * it or the service is finalised.
 *
 * The scheduler's del_dest hook runs AFTER d is unlinked, so a recompute sees
 * the remaining list, but while d->idx still holds d's former position: the
 * dests before it did not move, so svc->dests[d->idx - 1] is its former
 * predecessor (rr's cursor rule, spec 2.1). Returns 0 or -ENOENT.
 */
int lb_service_del_dest(struct lb_service *svc, struct lb_dest *d)
{
	unsigned pos;

	if (!service_owns(svc, d))
		return -ENOENT;
	pos = d->idx;
	memmove(svc->dests + pos, svc->dests + pos + 1,
		(svc->ndests - pos - 1) * sizeof(*svc->dests));
	svc->ndests--;
	service_renumber(svc, pos);
	d->flags &= ~LB_DEST_F_AVAILABLE;
	if (svc->sched && svc->sched->del_dest)
		svc->sched->del_dest(svc, d);

	svc->trash = xrealloc(svc->trash, (svc->ntrash + 1) * sizeof(*svc->trash));
	svc->trash[svc->ntrash++] = d;
	SERVICE_ASSERT_SANE(svc);
	return 0;
}

/* lb_service_find_dest - the linked dest addr:port, or NULL. O(ndests). */
struct lb_dest *lb_service_find_dest(const struct lb_service *svc, const struct lb_addr *addr,
				     uint16_t port)
{
	return service_find_in(svc->dests, svc->ndests, addr, port, NULL);
}

static void dest_load_changed(struct lb_dest *d)
{
	struct lb_service *svc = d->svc;

	/* Trashed dests are not in any scheduler index. */
	if ((d->flags & LB_DEST_F_AVAILABLE) && svc->sched && svc->sched->load_changed)
		svc->sched->load_changed(svc, d);
}

/*
 * lb_dest_load_changed - tell d's scheduler that code outside this file wrote
 * d's counters or OVERLOAD flag itself (tools, tests). Indexed schedulers (lc,
 * wlc, sed, nq) see such writes only through this call. O(log n) at most.
 */
void lb_dest_load_changed(struct lb_dest *d)
{
	dest_load_changed(d);
}

/*
 * lb_dest_set_conns - set d's connection counters outright (>= 0; a tool's
 * "this dest has N connections"), then tell the scheduler. The OVERLOAD flag
 * is left as it is: a caller that re-evaluates it does so before the call,
 * or calls lb_dest_load_changed after changing it.
 */
void lb_dest_set_conns(struct lb_dest *d, int32_t active, int32_t inactive)
{
	assert(active >= 0 && inactive >= 0);
	d->activeconns = active;
	d->inactconns = inactive;
	dest_load_changed(d);
}

/*
 * lb_dest_conn_bind - a non-template connection was created on d, flagged
 * active (TCP established, ...) or not. Sets OVERLOAD per profile: legacy
 * when total >= u, current when total == u (spec 1.4). Per connection.
 */
void lb_dest_conn_bind(struct lb_dest *d, bool active)
{
	uint32_t total;

	if (active)
		d->activeconns++;
	else
		d->inactconns++;
	total = dest_total(d);
	if (d->u_threshold) {
		if (d->svc->profile == LB_PROFILE_LEGACY ? total >= d->u_threshold
							  : total == d->u_threshold)
			d->flags |= LB_DEST_F_OVERLOAD;
	}
	dest_load_changed(d);
}

/*
 * lb_dest_conn_set_active - a bound connection moved between active and
 * inactive; the caller only calls this on a real change. The total is
 * unchanged, so the OVERLOAD flag is too.
 */
void lb_dest_conn_set_active(struct lb_dest *d, bool active)
{
	if (active) {
		d->inactconns--;
		d->activeconns++;
	} else {
		d->activeconns--;
		d->inactconns++;
	}
	dest_load_changed(d);
}

/*
 * lb_dest_conn_unbind - a non-template connection of d expired; was_active
 * says which counter held it. Clears OVERLOAD per profile (spec 1.4):
 * legacy: total < l if l is set, else 4*total < 3*u if u is set, else always;
 * current: when the total before the decrement equals l_eff.
 */
void lb_dest_conn_unbind(struct lb_dest *d, bool was_active)
{
	uint32_t before = dest_total(d), total;
	bool clear;

	if (was_active)
		d->activeconns--;
	else
		d->inactconns--;
	total = dest_total(d);
	if (d->svc->profile == LB_PROFILE_LEGACY) {
		if (d->l_threshold)
			clear = total < d->l_threshold;
		else if (d->u_threshold)
			clear = 4 * (uint64_t)total < 3 * (uint64_t)d->u_threshold;
		else
			clear = true;
	} else {
		clear = before == dest_l_eff(d);
	}
	if (clear)
		d->flags &= ~LB_DEST_F_OVERLOAD;
	dest_load_changed(d);
}

/*
 * lb_service_pick - run the scheduler for one new connection. Returns the
 * dest, or NULL (no scheduler, or none available: the kernel answers ICMP
 * port unreachable). The first NULL of an episode is reported through
 * lb_sched_err; the episode ends at the next successful pick.
 */
struct lb_dest *lb_service_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *d = svc->sched ? svc->sched->pick(svc, key) : NULL;

	if (d) {
		svc->no_dest_reported = false;
		return d;
	}
	if (!svc->no_dest_reported) {
		svc->no_dest_reported = true;
		lb_sched_err(svc, "no destination available");
	}
	return NULL;
}

/*
 * lb_sched_err - log a scheduler error for svc at LB_LOG_ERR, naming the
 * scheduler and the service, through svc->env->log. Silent when svc has no
 * env or the env no log function.
 */
void lb_sched_err(struct lb_service *svc, const char *msg)
{
	char buf[LB_ADDR_STRLEN];

	if (!svc->env || !svc->env->log)
		return;
	if (svc->fwmark)
		snprintf(buf, sizeof(buf), "FWM %u", (unsigned)svc->fwmark);
	else
		lb_addr_port_fmt(&svc->addr, svc->port, buf, sizeof(buf));
	svc->env->log(svc->env->ctx, LB_LOG_ERR, "IPVS: %s scheduler: %s: %s",
		      svc->sched ? svc->sched->name : "(none)", buf, msg);
}

/*
 * lb_service_sane - the invariants every mutation keeps: each linked dest
 * sits at its idx, belongs to svc, is AVAILABLE and appears once; trashed
 * dests are not AVAILABLE; counters are >= 0. O(n^2) for the duplicate check
 * on small services, O(n) otherwise. Called from assert() in LBSIM_DEBUG builds
 * and by tests; true when sane.
 */
bool lb_service_sane(const struct lb_service *svc)
{
	if (svc->ndests > svc->cap)
		return false;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct lb_dest *d = svc->dests[i];

		if (d->idx != i || d->svc != svc || !(d->flags & LB_DEST_F_AVAILABLE) ||
		    d->weight < 0 || d->activeconns < 0 || d->inactconns < 0 ||
		    d->persistconns < 0)
			return false;
		if (svc->ndests <= 64) {
			for (unsigned j = 0; j < i; j++)
				if (svc->dests[j]->port == d->port &&
				    lb_addr_eq(&svc->dests[j]->addr, &d->addr))
					return false;
		}
	}
	for (unsigned i = 0; i < svc->ntrash; i++) {
		const struct lb_dest *d = svc->trash[i];

		if (d->svc != svc || (d->flags & LB_DEST_F_AVAILABLE) || d->activeconns < 0 ||
		    d->inactconns < 0 || d->persistconns < 0)
			return false;
	}
	return true;
}

/*
 * A request started or ended on d: only schedulers that read outstanding or
 * the response-time estimate (jsq, lrt) need to hear of it; for the
 * connection-counting ones (the lc family's index) it would be a no-op per
 * request.
 */
static void dest_request_changed(struct lb_dest *d)
{
	if (d->svc->sched && (d->svc->sched->flags & LB_SCHED_F_REQUESTS))
		dest_load_changed(d);
}

/*
 * lb_dest_request_start - one request was sent to d: outstanding++, then the
 * scheduler's load_changed hook if it reads request counts. Called by the
 * director model or the shim per request (per connection when requests are
 * not modelled); only the beyond-IPVS schedulers (jsq, lrt) read the counter.
 */
void lb_dest_request_start(struct lb_dest *d)
{
	d->outstanding++;
	dest_request_changed(d);
}

/*
 * lb_dest_request_done - the answer to one of d's outstanding requests came
 * back at now_ns, rt_ns after it was sent: outstanding--, then the peak-EWMA
 * response time estimate (after Finagle's and Linkerd's "peak EWMA"):
 *  - no estimate yet (0), or rt >= the estimate: the estimate jumps to rt
 *    (a slow answer counts in full at once);
 *  - else it decays towards rt: est = est * w + rt * (1 - w) with
 *    w = exp(-dt / tau), dt = now - ewma_at_ns (0 if negative) and
 *    tau = svc->conf.ewma_tau_ns; tau <= 0 means no memory (est = rt).
 * rt is clamped to >= 1 ns so that an answered dest always has an estimate.
 * ewma_at_ns becomes now_ns. Then load_changed, which only runs for linked
 * dests and schedulers that read request counts (LB_SCHED_F_REQUESTS; the
 * others' order cannot change); answers still arrive for a trashed dest and
 * are counted the same.
 * Floating point is fine here: no kernel scheduler reads these fields.
 * Calling it with nothing outstanding is a caller bug (asserted).
 */
void lb_dest_request_done(struct lb_dest *d, int64_t now_ns, int64_t rt_ns)
{
	int64_t tau = d->svc->conf.ewma_tau_ns;

	assert(d->outstanding > 0);
	if (d->outstanding > 0)
		d->outstanding--;
	if (rt_ns < 1)
		rt_ns = 1;
	if (d->ewma_rt_ns <= 0 || rt_ns >= d->ewma_rt_ns || tau <= 0) {
		d->ewma_rt_ns = rt_ns;
	} else {
		int64_t dt = now_ns > d->ewma_at_ns ? now_ns - d->ewma_at_ns : 0;
		double w = exp(-(double)dt / (double)tau);

		d->ewma_rt_ns = llround((double)d->ewma_rt_ns * w + (double)rt_ns * (1.0 - w));
		if (d->ewma_rt_ns < 1)
			d->ewma_rt_ns = 1;
	}
	d->ewma_at_ns = now_ns;
	dest_request_changed(d);
}
