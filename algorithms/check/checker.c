/*
 * algorithms/check/checker.c - the health checkers of one keepalived 2.2.7
 * virtual_server: for every real server its checker blocks (TCP_CHECK,
 * HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK, SMTP_CHECK, UDP_CHECK,
 * PING_CHECK), their timer chains and failure counters, the real-server
 * state that follows from them, the IPVS action for each change (delete the
 * destination, or weight 0 with inhibit_on_failure), quorum with hysteresis
 * and the sorry server.
 *
 * Called by the keepalived-node model and the live shim: check_vs_new once
 * per virtual_server block, check_vs_start/stop on checker-process start and
 * exit, check_probe_done once per probe answer (check_probe_progress on each
 * HTTP read that re-arms the timeout), check_vs_set_weight when an operator
 * changes a weight. It calls back through struct lb_env (one timer per
 * checker: next attempt, or the attempt's timeout) and struct
 * check_callbacks (probe_start once per attempt, rs_up/rs_down/rs_weight
 * for IPVS, rs_state/quorum_state for notifications, changed after each
 * change has been carried through). Per event the work is O(1), plus
 * O(real servers) when quorum flips; a virtual server holds its config
 * copy and ~200 bytes per checker. No clock is read: "now" is env->now_ns.
 *
 * Reproduces (spec/vrrp-keepalived.md 4.7, 4.8, 5): inheritance checker <-
 * real server <- virtual server <- per-kind default (retry 1 / 1 s; HTTP
 * 3 s; MISC retry 0; DNS retry 3 spaced delay_loop); first attempt at 1 s +
 * uniform[0, warmup] (warmup defaults to delay_loop); next attempt
 * delay_loop after a success, delay_before_retry after a failure with retries
 * left, R+1 consecutive failures to go down with the counter pre-loaded at
 * start so the first failure decides; the per-kind cadence while down;
 * one success to come up (HTTP: one full URL cycle, fast_recovery skips the
 * spacing); MISC measured from the start of the run, exit codes with
 * misc_dynamic weights; HTTP status ranges (default 200-299) before the body
 * digest; alive iff every checker is up; alpha start; quorum lost below
 * quorum - hysteresis (or at 0), regained at quorum + hysteresis, quorum
 * reduced to the total weight and hysteresis forced below quorum; sorry
 * server added before the pool is cleared and removed after it is refilled.
 *
 * Deliberately different from / not modelled: attempts are atomic to this
 * module (the owner decides how long a probe lasts; HTTP read re-arms come
 * through check_probe_progress); reload (SIGHUP) and its counter
 * preservation, ha_suspend, omega, notify scripts, SMTP alerts, BFD and
 * FILE checkers, lthreshold/uthreshold are the owner's or absent.
 * Interpretations where the spec is silent are written at the code.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/check/checker.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/xalloc.h"

#define CHECK_WEIGHT_MAX INT64_C(2147483647)

struct check_rs;

struct check_checker {
	struct check_vs *vs;
	struct check_rs *rs;
	int idx;
	struct check_conf conf;
	int64_t loop_ns;	/* L */
	int64_t timeout_ns;	/* C (MISC: misc_timeout) */
	int64_t retry_ns;	/* B */
	int64_t warmup_ns;
	int retry;		/* R */
	bool alpha;

	bool up;
	int fails;		/* consecutive failures counted towards R+1 */
	int url;		/* HTTP: URL of the next / current attempt */
	int ok_run;		/* HTTP: consecutive URL successes while down */
	int64_t weight_adj;	/* misc_dynamic: new weight - configured weight */
	enum check_ck_state state;
	uint64_t attempt;	/* id of the current (or last) attempt */
	int64_t started_ns;	/* start of the current (or last) attempt */
	int64_t next_ns;
	struct lb_timer timer;	/* WAIT: next attempt; PROBE: timeout */
};

struct check_rs {
	int idx;
	char name[48];
	int64_t weight;		/* configured */
	bool inhibit;
	struct check_checker *ck;
	size_t n_ck;
	int failed;		/* checkers down (num_failed_checkers) */
	bool in_ipvs;
	int64_t ipvs_weight;
};

struct check_vs {
	char name[48];
	const struct lb_env *env;
	struct check_callbacks cb;
	struct check_rs *rs;
	size_t n_rs;
	int64_t quorum, hysteresis;
	bool sorry_server, sorry_inhibit;
	int64_t sorry_weight;

	bool running;
	bool quorum_up;
	bool sorry_active;
	bool sorry_in_ipvs;
	int64_t sorry_ipvs_weight;
	uint64_t attempts;
};

static const char *const kind_names[CHECK_KIND_COUNT] = {
	[CHECK_TCP] = "TCP_CHECK", [CHECK_HTTP] = "HTTP_GET", [CHECK_SSL] = "SSL_GET",
	[CHECK_MISC] = "MISC_CHECK", [CHECK_DNS] = "DNS_CHECK", [CHECK_SMTP] = "SMTP_CHECK",
	[CHECK_UDP] = "UDP_CHECK", [CHECK_PING] = "PING_CHECK",
};

const char *check_kind_name(enum check_kind k)
{
	return (unsigned)k < CHECK_KIND_COUNT ? kind_names[k] : "?";
}

/* The spec 4.8 table; CHECK_UNSET for an out-of-range kind. */
int check_kind_default_retry(enum check_kind k)
{
	switch (k) {
	case CHECK_MISC:
		return 0;
	case CHECK_DNS:
		return 3;
	case CHECK_TCP:
	case CHECK_HTTP:
	case CHECK_SSL:
	case CHECK_SMTP:
	case CHECK_UDP:
	case CHECK_PING:
		return 1;
	default:
		return CHECK_UNSET;
	}
}

/* delay_before_retry default: HTTP/SSL 3 s, DNS = its delay_loop, others 1 s. */
static int64_t kind_default_retry_ns(enum check_kind k, int64_t loop_ns)
{
	if (k == CHECK_HTTP || k == CHECK_SSL)
		return 3 * CHECK_NS_PER_S;
	if (k == CHECK_DNS)
		return loop_ns;
	return CHECK_NS_PER_S;
}

static bool is_http(const struct check_checker *ck)
{
	return ck->conf.kind == CHECK_HTTP || ck->conf.kind == CHECK_SSL;
}

static void lg(const struct check_vs *vs, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lg(const struct check_vs *vs, int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!vs->env->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vs->env->log(vs->env->ctx, level, "check %s: %s", vs->name, buf);
}

static int64_t now(const struct check_vs *vs)
{
	return vs->env->now_ns(vs->env->ctx);
}

/* ---- configuration ---- */

void check_conf_init(struct check_conf *c, enum check_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->delay_loop_ns = CHECK_UNSET;
	c->connect_timeout_ns = CHECK_UNSET;
	c->retry = CHECK_UNSET;
	c->delay_before_retry_ns = CHECK_UNSET;
	c->warmup_ns = CHECK_UNSET;
	c->alpha = CHECK_UNSET;
	c->misc_timeout_ns = CHECK_UNSET;
}

void check_rs_conf_init(struct check_rs_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->weight = CHECK_UNSET;
	c->inhibit_on_failure = CHECK_UNSET;
	c->alpha = CHECK_UNSET;
	c->delay_loop_ns = CHECK_UNSET;
	c->connect_timeout_ns = CHECK_UNSET;
	c->delay_before_retry_ns = CHECK_UNSET;
	c->warmup_ns = CHECK_UNSET;
	c->retry = CHECK_UNSET;
}

void check_vs_conf_init(struct check_vs_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_loop_ns = 60 * CHECK_NS_PER_S;
	c->connect_timeout_ns = 5 * CHECK_NS_PER_S;
	c->retry = CHECK_UNSET;
	c->delay_before_retry_ns = CHECK_UNSET;
	c->warmup_ns = CHECK_UNSET;
	c->quorum = 1;
	c->hysteresis = 0;
	c->weight = 1;
	c->sorry_weight = 1;
}

/*
 * check_url_parse_status - read a status_code list ("200", "200-299 304",
 * spaces or commas between items) into <u>. Returns 0, or -EINVAL for a
 * malformed item, a code outside 100..599, lo > hi, or more than
 * CHECK_STATUS_MAX items; <u> is unchanged on error.
 */
int check_url_parse_status(struct check_url_conf *u, const char *s)
{
	struct check_status_range r[CHECK_STATUS_MAX];
	int n = 0;

	while (*s) {
		char *end;
		long lo, hi;

		if (isspace((unsigned char)*s) || *s == ',') {
			s++;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		lo = strtol(s, &end, 10);
		hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			hi = strtol(s, &end, 10);
			s = end;
		}
		if (*s && !isspace((unsigned char)*s) && *s != ',')
			return -EINVAL;
		if (lo < 100 || hi > 599 || lo > hi || n == CHECK_STATUS_MAX)
			return -EINVAL;
		r[n].lo = (int)lo;
		r[n].hi = (int)hi;
		n++;
	}
	if (!n)
		return -EINVAL;
	memcpy(u->status, r, sizeof(r[0]) * (size_t)n);
	u->n_status = n;
	return 0;
}

static int64_t pick(int64_t a, int64_t b, int64_t c)
{
	if (a != CHECK_UNSET)
		return a;
	if (b != CHECK_UNSET)
		return b;
	return c;
}

static bool digest_ok(const char *d)
{
	size_t n = strlen(d);

	if (n != 0 && n != CHECK_DIGEST_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)d[i]))
			return false;
	return true;
}

/* Resolve one checker's settings; 0 or -EINVAL. */
static int checker_setup(struct check_checker *ck, const struct check_conf *c,
			 const struct check_rs_conf *rc, const struct check_vs_conf *vc)
{
	int64_t vs_retry = vc->retry;

	if ((unsigned)c->kind >= CHECK_KIND_COUNT)
		return -EINVAL;
	ck->conf = *c;
	ck->loop_ns = pick(c->delay_loop_ns, rc->delay_loop_ns, vc->delay_loop_ns);
	ck->timeout_ns = pick(c->connect_timeout_ns, rc->connect_timeout_ns, vc->connect_timeout_ns);
	if (c->kind == CHECK_MISC)
		ck->timeout_ns = c->misc_timeout_ns != CHECK_UNSET ? c->misc_timeout_ns
								   : vc->delay_loop_ns;
	ck->retry = (int)pick(c->retry, rc->retry,
			      vs_retry != CHECK_UNSET ? vs_retry : check_kind_default_retry(c->kind));
	ck->retry_ns = pick(c->delay_before_retry_ns, rc->delay_before_retry_ns,
			    pick(vc->delay_before_retry_ns, CHECK_UNSET,
				 kind_default_retry_ns(c->kind, ck->loop_ns)));
	ck->warmup_ns = pick(c->warmup_ns, rc->warmup_ns, pick(vc->warmup_ns, CHECK_UNSET, ck->loop_ns));
	ck->alpha = pick(c->alpha, rc->alpha, vc->alpha) > 0;
	if (ck->loop_ns <= 0 || ck->timeout_ns <= 0 || ck->retry < 0 || ck->retry_ns < 0 ||
	    ck->warmup_ns < 0)
		return -EINVAL;
	if (c->kind == CHECK_HTTP || c->kind == CHECK_SSL) {
		if (c->n_urls < 1 || c->n_urls > CHECK_URL_MAX)
			return -EINVAL;
		for (int u = 0; u < c->n_urls; u++) {
			const struct check_url_conf *uc = &c->urls[u];

			if (uc->n_status < 0 || uc->n_status > CHECK_STATUS_MAX ||
			    !digest_ok(uc->digest))
				return -EINVAL;
			for (int i = 0; i < uc->n_status; i++)
				if (uc->status[i].lo > uc->status[i].hi)
					return -EINVAL;
		}
	}
	return 0;
}

/*
 * check_vs_new - build the checkers of one virtual_server from <conf>
 * (copied, real servers and checkers included) with keepalived's
 * inheritance and corrections (quorum reduced to the total configured
 * weight, hysteresis forced below quorum; both logged). <env> and <cb> must
 * outlive the result (<cb> is copied; probe_start, rs_up, rs_down and
 * rs_weight are required). Nothing runs until check_vs_start. Returns 0 and
 * *out (free with check_vs_free), or -EINVAL: no real servers, a bad env or
 * callback set, VS retry < 1, quorum < 1, hysteresis < 0, a weight outside
 * 0..2^31-1, a time <= 0 (delay_loop, timeouts) or < 0, an HTTP checker
 * without URLs or with a malformed status range or digest, an unknown kind.
 */
int check_vs_new(const struct check_vs_conf *conf, const struct lb_env *env,
		 const struct check_callbacks *cb, struct check_vs **out)
{
	struct check_vs *vs;
	int64_t total = 0;
	int rc = -EINVAL;

	*out = NULL;
	if (!env || !env->now_ns || !env->timer_arm || !env->timer_cancel || !cb ||
	    !cb->probe_start || !cb->rs_up || !cb->rs_down || !cb->rs_weight)
		return -EINVAL;
	if (!conf->n_rs || !conf->rs || (conf->retry != CHECK_UNSET && conf->retry < 1) ||
	    conf->quorum < 1 || conf->hysteresis < 0 || conf->weight < 0 ||
	    conf->weight > CHECK_WEIGHT_MAX || conf->sorry_weight < 0 ||
	    conf->sorry_weight > CHECK_WEIGHT_MAX || conf->delay_loop_ns <= 0 ||
	    conf->connect_timeout_ns <= 0)
		return -EINVAL;

	vs = xcalloc(1, sizeof(*vs));
	snprintf(vs->name, sizeof(vs->name), "%s", conf->name);
	vs->env = env;
	vs->cb = *cb;
	vs->sorry_server = conf->sorry_server;
	vs->sorry_inhibit = conf->sorry_server_inhibit;
	vs->sorry_weight = conf->sorry_weight;
	vs->quorum_up = true;
	vs->rs = xcalloc(conf->n_rs, sizeof(*vs->rs));
	vs->n_rs = conf->n_rs;
	for (size_t i = 0; i < conf->n_rs; i++) {
		const struct check_rs_conf *rc_ = &conf->rs[i];
		struct check_rs *rs = &vs->rs[i];

		rs->idx = (int)i;
		snprintf(rs->name, sizeof(rs->name), "%s", rc_->name);
		rs->weight = rc_->weight != CHECK_UNSET ? rc_->weight : conf->weight;
		rs->inhibit = rc_->inhibit_on_failure != CHECK_UNSET ? rc_->inhibit_on_failure > 0
								     : conf->inhibit_on_failure;
		if (rs->weight < 0 || rs->weight > CHECK_WEIGHT_MAX ||
		    (rc_->n_checkers && !rc_->checkers))
			goto out_free_vs;
		total += rs->weight;
		rs->n_ck = rc_->n_checkers;
		rs->ck = rs->n_ck ? xcalloc(rs->n_ck, sizeof(*rs->ck)) : NULL;
		for (size_t j = 0; j < rs->n_ck; j++) {
			struct check_checker *ck = &rs->ck[j];

			ck->vs = vs;
			ck->rs = rs;
			ck->idx = (int)j;
			ck->timer.data = ck;
			rc = checker_setup(ck, &rc_->checkers[j], rc_, conf);
			if (rc)
				goto out_free_vs;
		}
	}
	vs->quorum = conf->quorum;
	vs->hysteresis = conf->hysteresis;
	if (vs->quorum > total && total > 0) {
		lg(vs, LB_LOG_WARN, "quorum %" PRId64 " > total weight %" PRId64 ", reduced",
		   vs->quorum, total);
		vs->quorum = total;
	}
	if (vs->hysteresis >= vs->quorum) {
		lg(vs, LB_LOG_WARN, "hysteresis %" PRId64 " >= quorum %" PRId64 ", set to %" PRId64,
		   vs->hysteresis, vs->quorum, vs->quorum - 1);
		vs->hysteresis = vs->quorum - 1;
	}
	*out = vs;
	return 0;

out_free_vs:
	check_vs_free(vs);
	return -EINVAL;
}

/*
 * check_vs_free - release <vs> (NULL accepted). Timers are cancelled, but no
 * callback runs: IPVS is left as it is (call check_vs_stop first to clear it).
 */
void check_vs_free(struct check_vs *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->n_rs; i++) {
		for (size_t j = 0; j < vs->rs[i].n_ck; j++) {
			struct check_checker *ck = &vs->rs[i].ck[j];

			if (ck->state != CHECK_CK_IDLE)
				vs->env->timer_cancel(vs->env->ctx, &ck->timer);
		}
		free(vs->rs[i].ck);
	}
	free(vs->rs);
	free(vs);
}

/* ---- IPVS and quorum ---- */

static bool rs_alive(const struct check_rs *rs)
{
	return rs->failed == 0;
}

/* Configured weight moved by misc_dynamic results; IPVS takes no negatives. */
static int64_t rs_eff_weight(const struct check_rs *rs)
{
	int64_t w = rs->weight;

	for (size_t j = 0; j < rs->n_ck; j++)
		w += rs->ck[j].weight_adj;
	if (w < 0)
		return 0;
	return w > CHECK_WEIGHT_MAX ? CHECK_WEIGHT_MAX : w;
}

/*
 * What IPVS should hold for <rs>: alive and not replaced by the sorry server
 * -> present at its weight; otherwise absent, or present at weight 0 with
 * inhibit_on_failure. Inhibited servers also stay at weight 0 while the sorry
 * server is in use (spec 5.3 says "all alive RSs are removed"; inhibit keeps
 * the destination, as it does for every other removal).
 */
static bool rs_desired(const struct check_vs *vs, const struct check_rs *rs, int64_t *w)
{
	if (rs_alive(rs) && !vs->sorry_active) {
		*w = rs_eff_weight(rs);
		return true;
	}
	*w = 0;
	return rs->inhibit;
}

static void rs_sync(struct check_vs *vs, struct check_rs *rs)
{
	int64_t w;
	bool want = vs->running && rs_desired(vs, rs, &w);

	if (want && !rs->in_ipvs) {
		rs->in_ipvs = true;
		rs->ipvs_weight = w;
		lg(vs, LB_LOG_INFO, "Adding service %s (weight %" PRId64 ")", rs->name, w);
		vs->cb.rs_up(vs->cb.ctx, rs->idx, w);
	} else if (!want && rs->in_ipvs) {
		rs->in_ipvs = false;
		rs->ipvs_weight = 0;
		lg(vs, LB_LOG_INFO, "Removing service %s", rs->name);
		vs->cb.rs_down(vs->cb.ctx, rs->idx);
	} else if (want && rs->ipvs_weight != w) {
		lg(vs, LB_LOG_INFO, "%s service %s (weight %" PRId64 ")", w ? "Enabling" : "Disabling",
		   rs->name, w);
		rs->ipvs_weight = w;
		vs->cb.rs_weight(vs->cb.ctx, rs->idx, w);
	}
}

/* The sorry server: present while active; sorry_server_inhibit keeps it at 0 after. */
static void sorry_sync(struct check_vs *vs)
{
	bool want = vs->running && vs->sorry_server && (vs->sorry_active || vs->sorry_inhibit);
	int64_t w = vs->sorry_active ? vs->sorry_weight : 0;

	if (want && !vs->sorry_in_ipvs) {
		if (!vs->sorry_active)
			return;	/* inhibit: not added before it was first needed */
		vs->sorry_in_ipvs = true;
		vs->sorry_ipvs_weight = w;
		lg(vs, LB_LOG_INFO, "Adding sorry server");
		vs->cb.rs_up(vs->cb.ctx, CHECK_RS_SORRY, w);
	} else if (!want && vs->sorry_in_ipvs) {
		vs->sorry_in_ipvs = false;
		vs->sorry_ipvs_weight = 0;
		lg(vs, LB_LOG_INFO, "Removing sorry server");
		vs->cb.rs_down(vs->cb.ctx, CHECK_RS_SORRY);
	} else if (want && vs->sorry_ipvs_weight != w) {
		vs->sorry_ipvs_weight = w;
		vs->cb.rs_weight(vs->cb.ctx, CHECK_RS_SORRY, w);
	}
}

static int64_t alive_weight(const struct check_vs *vs)
{
	int64_t w = 0;

	for (size_t i = 0; i < vs->n_rs; i++)
		if (rs_alive(&vs->rs[i]))
			w += rs_eff_weight(&vs->rs[i]);
	return w < 0 ? 0 : w;
}

static bool quorum_lost(const struct check_vs *vs, int64_t aw)
{
	return aw < vs->quorum - vs->hysteresis || aw == 0;
}

/*
 * Re-evaluate quorum after an alive-weight change. Loss: the sorry server
 * goes in first, then the pool is cleared, so the service is never empty;
 * regain: the pool is refilled first, then the sorry server leaves.
 */
static void quorum_update(struct check_vs *vs)
{
	int64_t aw = alive_weight(vs);

	if (vs->quorum_up && quorum_lost(vs, aw)) {
		vs->quorum_up = false;
		lg(vs, LB_LOG_INFO, "lost quorum %" PRId64 "-%" PRId64 "=%" PRId64 " > %" PRId64,
		   vs->quorum, vs->hysteresis, vs->quorum - vs->hysteresis, aw);
		if (vs->sorry_server) {
			vs->sorry_active = true;
			sorry_sync(vs);
			for (size_t i = 0; i < vs->n_rs; i++)
				rs_sync(vs, &vs->rs[i]);
		}
		if (vs->cb.quorum_state)
			vs->cb.quorum_state(vs->cb.ctx, false);
	} else if (!vs->quorum_up && aw >= vs->quorum + vs->hysteresis) {
		vs->quorum_up = true;
		lg(vs, LB_LOG_INFO, "gained quorum %" PRId64 "+%" PRId64 "=%" PRId64 " <= %" PRId64,
		   vs->quorum, vs->hysteresis, vs->quorum + vs->hysteresis, aw);
		if (vs->sorry_active) {
			vs->sorry_active = false;
			for (size_t i = 0; i < vs->n_rs; i++)
				rs_sync(vs, &vs->rs[i]);
			sorry_sync(vs);
		}
		if (vs->cb.quorum_state)
			vs->cb.quorum_state(vs->cb.ctx, true);
	}
}

/* A checker of <rs> changed state or weight: IPVS, notification, quorum. */
static void rs_changed(struct check_vs *vs, struct check_rs *rs, bool was_alive)
{
	bool alive = rs_alive(rs);

	rs_sync(vs, rs);
	if (alive != was_alive) {
		lg(vs, LB_LOG_INFO, "real server %s %s", rs->name, alive ? "up" : "down");
		if (vs->cb.rs_state)
			vs->cb.rs_state(vs->cb.ctx, rs->idx, alive);
	}
	quorum_update(vs);
	if (vs->cb.changed)
		vs->cb.changed(vs->cb.ctx);
}

/* ---- one checker ---- */

static void checker_fire(struct lb_timer *t);

static void schedule_at(struct check_checker *ck, int64_t at)
{
	ck->state = CHECK_CK_WAIT;
	ck->next_ns = at;
	ck->timer.fn = checker_fire;
	ck->vs->env->timer_arm(ck->vs->env->ctx, &ck->timer, at);
}

/* Next attempt <delay> after this one ended; MISC counts from its start. */
static void schedule_in(struct check_checker *ck, int64_t delay)
{
	int64_t t = now(ck->vs);
	int64_t at = t + delay;

	if (ck->conf.kind == CHECK_MISC) {
		at = ck->started_ns + delay;
		if (at < t)
			at = t;
	}
	schedule_at(ck, at);
}

static void attempt_start(struct check_checker *ck)
{
	struct check_vs *vs = ck->vs;

	ck->attempt = ++vs->attempts;
	ck->started_ns = now(vs);
	ck->state = CHECK_CK_PROBE;
	vs->env->timer_arm(vs->env->ctx, &ck->timer, ck->started_ns + ck->timeout_ns);
	/* last: the owner may answer from inside the callback */
	vs->cb.probe_start(vs->cb.ctx, ck, ck->rs->idx, ck->idx, is_http(ck) ? ck->url : 0,
			   ck->attempt, ck->timeout_ns);
}

static void set_up(struct check_checker *ck, bool up)
{
	struct check_rs *rs = ck->rs;
	bool was_alive = rs_alive(rs);

	if (ck->up == up)
		return;
	ck->up = up;
	rs->failed += up ? -1 : 1;
	lg(ck->vs, up ? LB_LOG_INFO : LB_LOG_WARN, "%s on %s %s", check_kind_name(ck->conf.kind),
	   rs->name, up ? "succeeded" : "failed");
	rs_changed(ck->vs, rs, was_alive);
}

/*
 * A successful attempt. The next one is delay_loop later; an HTTP checker
 * that is down needs one full URL cycle of successes (the URLs after the
 * failed one spaced delay_loop, or at once with fast_recovery) before it is
 * up: spec 5.5 "the failed URL must succeed, then every URL is re-checked",
 * read as N consecutive successful URL attempts.
 */
static void attempt_ok(struct check_checker *ck)
{
	ck->fails = 0;
	if (is_http(ck)) {
		ck->url = (ck->url + 1) % ck->conf.n_urls;
		if (!ck->up && ++ck->ok_run < ck->conf.n_urls) {
			schedule_in(ck, ck->conf.fast_recovery ? 0 : ck->loop_ns);
			return;
		}
		ck->ok_run = 0;
	}
	schedule_in(ck, ck->loop_ns);
	set_up(ck, true);
}

/*
 * A failed attempt (refused, error, bad status/digest/exit, timeout). Up:
 * the (R+1)th consecutive failure takes it down and restarts the cycle at
 * delay_loop, earlier ones retry after delay_before_retry. Down: the per-kind
 * cadence of spec 5.2.
 */
static void attempt_fail(struct check_checker *ck)
{
	ck->ok_run = 0;
	if (!ck->up) {
		switch (ck->conf.kind) {
		case CHECK_HTTP:
		case CHECK_SSL:
			ck->fails = 0;
			schedule_in(ck, ck->loop_ns > ck->retry_ns ? ck->loop_ns : ck->retry_ns);
			return;
		case CHECK_UDP:
		case CHECK_PING:
			ck->fails = 0;
			schedule_in(ck, ck->retry_ns);
			return;
		case CHECK_SMTP:
			ck->fails = 0;
			schedule_in(ck, ck->loop_ns);
			return;
		default:
			break;
		}
	}
	if (++ck->fails <= ck->retry) {
		schedule_in(ck, ck->retry_ns);
		return;
	}
	ck->fails = 0;
	if (ck->up && is_http(ck)) {
		schedule_in(ck, ck->loop_ns > ck->retry_ns ? ck->loop_ns : ck->retry_ns);
	} else if (ck->up && (ck->conf.kind == CHECK_UDP || ck->conf.kind == CHECK_PING)) {
		schedule_in(ck, ck->retry_ns);
	} else {
		schedule_in(ck, ck->loop_ns);
	}
	set_up(ck, false);
}

static void checker_fire(struct lb_timer *t)
{
	struct check_checker *ck = t->data;
	uint64_t a;

	if (ck->state == CHECK_CK_WAIT) {
		attempt_start(ck);
		return;
	}
	if (ck->state != CHECK_CK_PROBE)
		return;
	a = ck->attempt;
	ck->state = CHECK_CK_WAIT;	/* the attempt is over: late answers are stale */
	if (ck->vs->cb.probe_cancel)
		ck->vs->cb.probe_cancel(ck->vs->cb.ctx, ck, a);
	attempt_fail(ck);
}

static bool http_judge(const struct check_checker *ck, const struct check_result *r)
{
	const struct check_url_conf *u = &ck->conf.urls[ck->url];
	bool st = false;

	if (r->outcome != CHECK_RESULT_HTTP)
		return false;
	if (!u->n_status) {
		st = r->status >= 200 && r->status <= 299;
	} else {
		for (int i = 0; i < u->n_status && !st; i++)
			st = r->status >= u->status[i].lo && r->status <= u->status[i].hi;
	}
	if (!st)
		return false;
	return !u->digest[0] || !strncasecmp(u->digest, r->digest, CHECK_DIGEST_LEN + 1);
}

/* Does <r> pass checker <ck> (the judgement of check_probe_done)? */
static bool result_ok(const struct check_checker *ck, const struct check_result *r)
{
	switch (ck->conf.kind) {
	case CHECK_HTTP:
	case CHECK_SSL:
		return http_judge(ck, r);
	case CHECK_MISC:
		return r->outcome == CHECK_RESULT_EXIT &&
		       (r->exit_code == 0 ||
			(ck->conf.misc_dynamic && r->exit_code >= 2 && r->exit_code <= 255));
	default:
		return r->outcome == CHECK_RESULT_OK;
	}
}

/*
 * check_probe_done_at - the answer to attempt <attempt> of <ck>, known now
 * but arriving at <done_ns> (>= now), as a simulation knows it when the
 * probe starts. When it changes nothing anyone could see - a success, before
 * the attempt's timeout, of a checker that is up (and, for MISC, not a
 * misc_dynamic weight) - it is
 * taken now: the next attempt is armed from <done_ns> exactly as
 * check_probe_done at <done_ns> would arm it, and 0 is returned; the owner
 * then needs no event at <done_ns>. Otherwise nothing happens and -EAGAIN
 * says to deliver it with check_probe_done at <done_ns>. -ESTALE and
 * -EINVAL as check_probe_done.
 */
int check_probe_done_at(struct check_checker *ck, uint64_t attempt, const struct check_result *r,
			int64_t done_ns)
{
	int64_t at;

	if (!r)
		return -EINVAL;
	if (ck->state != CHECK_CK_PROBE || attempt != ck->attempt)
		return -ESTALE;
	if (!ck->up || done_ns >= ck->started_ns + ck->timeout_ns || !result_ok(ck, r) ||
	    (ck->conf.kind == CHECK_MISC && r->exit_code != 0))
		return -EAGAIN; /* a change, or the timeout comes first */
	/* attempt_ok of a checker that is up, at done_ns */
	ck->fails = 0;
	if (is_http(ck)) {
		ck->url = (ck->url + 1) % ck->conf.n_urls;
		ck->ok_run = 0;
	}
	at = done_ns + ck->loop_ns;
	if (ck->conf.kind == CHECK_MISC) {
		at = ck->started_ns + ck->loop_ns;
		if (at < done_ns)
			at = done_ns;
	}
	schedule_at(ck, at); /* re-arms the timer: the timeout goes */
	return 0;
}

/*
 * check_probe_done - the answer to attempt <attempt> of <ck>. Judged by kind:
 * TCP/DNS/SMTP/UDP/PING pass on CHECK_RESULT_OK; HTTP/SSL on a
 * CHECK_RESULT_HTTP whose status is in the current URL's ranges (default
 * 200-299) and, if the URL has one, whose digest matches (case-insensitive);
 * MISC on exit 0, or exit 2..255 with misc_dynamic, which also sets the
 * weight to (code - 2) relative to the configured one. Everything else
 * fails. Returns 0 when consumed, -ESTALE for an attempt that is no longer
 * current (timed out, superseded, checker stopped), -EINVAL for a NULL <r>.
 */
int check_probe_done(struct check_checker *ck, uint64_t attempt, const struct check_result *r)
{
	struct check_vs *vs = ck->vs;
	bool ok;

	if (!r)
		return -EINVAL;
	if (ck->state != CHECK_CK_PROBE || attempt != ck->attempt)
		return -ESTALE;
	vs->env->timer_cancel(vs->env->ctx, &ck->timer);
	ck->state = CHECK_CK_WAIT;
	ok = result_ok(ck, r);
	switch (ck->conf.kind) {
	case CHECK_MISC:
		if (ok && r->exit_code >= 2) {
			int64_t adj = (int64_t)(r->exit_code - 2) - ck->rs->weight;

			if (adj != ck->weight_adj) {
				bool alive = rs_alive(ck->rs);

				ck->weight_adj = adj;
				lg(vs, LB_LOG_INFO, "%s weight set to %" PRId64, ck->rs->name,
				   rs_eff_weight(ck->rs));
				rs_changed(vs, ck->rs, alive);
			}
		}
		break;
	default:
		break;
	}
	if (ok)
		attempt_ok(ck);
	else
		attempt_fail(ck);
	return 0;
}

/*
 * check_vs_set_weight - the weight keepalived holds for real server <rs>
 * (or CHECK_RS_SORRY) becomes <weight>, as after a reload with a new
 * `weight` or an SNMP set (keepalived's update_svr_wgt): it reaches IPVS at
 * once only where the server is in the pool at its weight (alive, quorum
 * up or no sorry server; the sorry server while in use), otherwise when it
 * next gets there; it counts towards quorum at once, which may flip. The
 * weight replaces what misc_dynamic results had made of it (until the next
 * such result moves it). Returns 0, -ENOENT for a bad index, -EINVAL for a
 * weight outside 0..2^31-1.
 */
int check_vs_set_weight(struct check_vs *vs, int rs, int64_t weight)
{
	struct check_rs *r;

	if (weight < 0 || weight > CHECK_WEIGHT_MAX)
		return -EINVAL;
	if (rs == CHECK_RS_SORRY) {
		if (!vs->sorry_server)
			return -ENOENT;
		vs->sorry_weight = weight;
		sorry_sync(vs);
		if (vs->running && vs->cb.changed)
			vs->cb.changed(vs->cb.ctx);
		return 0;
	}
	if (rs < 0 || (size_t)rs >= vs->n_rs)
		return -ENOENT;
	r = &vs->rs[rs];
	r->weight = weight;
	for (size_t j = 0; j < r->n_ck; j++)
		r->ck[j].weight_adj = 0;
	lg(vs, LB_LOG_INFO, "%s weight set to %" PRId64, r->name, weight);
	if (vs->running)
		rs_changed(vs, r, rs_alive(r));
	return 0;
}

/*
 * check_probe_progress - the attempt made progress (an HTTP write or read
 * completed): re-arm its timeout a full timeout from now, as keepalived does
 * for each read. Returns 0, or -ESTALE for an attempt no longer current.
 */
int check_probe_progress(struct check_checker *ck, uint64_t attempt)
{
	struct check_vs *vs = ck->vs;

	if (ck->state != CHECK_CK_PROBE || attempt != ck->attempt)
		return -ESTALE;
	vs->env->timer_arm(vs->env->ctx, &ck->timer, now(vs) + ck->timeout_ns);
	return 0;
}

/*
 * check_vs_start - the checker process starts: every checker up (alpha ones
 * down) with its failure counter pre-loaded to retry, quorum evaluated, IPVS
 * filled (sorry server first if quorum is already lost; inhibited alpha
 * servers at weight 0), first attempts at 1 s + uniform[0, warmup].
 * Returns 0, or -EALREADY when running.
 */
int check_vs_start(struct check_vs *vs)
{
	int64_t t0;

	if (vs->running)
		return -EALREADY;
	vs->running = true;
	for (size_t i = 0; i < vs->n_rs; i++) {
		struct check_rs *rs = &vs->rs[i];

		rs->failed = 0;
		for (size_t j = 0; j < rs->n_ck; j++) {
			struct check_checker *ck = &rs->ck[j];

			ck->up = !ck->alpha;
			ck->fails = ck->retry;
			ck->url = 0;
			ck->ok_run = 0;
			ck->weight_adj = 0;
			rs->failed += !ck->up;
		}
	}
	t0 = now(vs);
	for (size_t i = 0; i < vs->n_rs; i++) {
		for (size_t j = 0; j < vs->rs[i].n_ck; j++) {
			struct check_checker *ck = &vs->rs[i].ck[j];
			int64_t w = 0;

			if (ck->warmup_ns > 0 && vs->cb.rand_ns) {
				w = vs->cb.rand_ns(vs->cb.ctx, ck->warmup_ns);
				if (w < 0 || w > ck->warmup_ns)
					w = ck->warmup_ns;
			}
			schedule_at(ck, t0 + CHECK_NS_PER_S + w);
		}
	}

	vs->quorum_up = !quorum_lost(vs, alive_weight(vs));
	vs->sorry_active = !vs->quorum_up && vs->sorry_server;
	sorry_sync(vs);
	for (size_t i = 0; i < vs->n_rs; i++)
		rs_sync(vs, &vs->rs[i]);
	if (!vs->quorum_up && vs->cb.quorum_state)
		vs->cb.quorum_state(vs->cb.ctx, false);
	return 0;
}

/*
 * check_vs_stop - the checker process exits: timers cancelled, attempts in
 * flight cancelled (probe_cancel), every destination this module added
 * removed (keepalived clears its services on exit; real servers in index
 * order, then the sorry server). No-op when not running.
 */
void check_vs_stop(struct check_vs *vs)
{
	if (!vs->running)
		return;
	for (size_t i = 0; i < vs->n_rs; i++) {
		for (size_t j = 0; j < vs->rs[i].n_ck; j++) {
			struct check_checker *ck = &vs->rs[i].ck[j];
			enum check_ck_state st = ck->state;

			if (st == CHECK_CK_IDLE)
				continue;
			vs->env->timer_cancel(vs->env->ctx, &ck->timer);
			ck->state = CHECK_CK_IDLE;
			if (st == CHECK_CK_PROBE && vs->cb.probe_cancel)
				vs->cb.probe_cancel(vs->cb.ctx, ck, ck->attempt);
		}
	}
	vs->running = false;
	for (size_t i = 0; i < vs->n_rs; i++)
		rs_sync(vs, &vs->rs[i]);
	sorry_sync(vs);
	vs->sorry_active = false;
	vs->quorum_up = true;
}

/* ---- accessors ---- */

size_t check_vs_rs_count(const struct check_vs *vs)
{
	return vs->n_rs;
}

static const struct check_rs *rs_get(const struct check_vs *vs, int rs)
{
	return rs >= 0 && (size_t)rs < vs->n_rs ? &vs->rs[rs] : NULL;
}

size_t check_vs_checker_count(const struct check_vs *vs, int rs)
{
	const struct check_rs *r = rs_get(vs, rs);

	return r ? r->n_ck : 0;
}

/* The checker handle, or NULL for bad indices. Owned by <vs>. */
struct check_checker *check_vs_checker(struct check_vs *vs, int rs, int checker)
{
	const struct check_rs *r = rs_get(vs, rs);

	if (!r || checker < 0 || (size_t)checker >= r->n_ck)
		return NULL;
	return &vs->rs[rs].ck[checker];
}

bool check_vs_rs_alive(const struct check_vs *vs, int rs)
{
	const struct check_rs *r = rs_get(vs, rs);

	return r && rs_alive(r);
}

int64_t check_vs_rs_weight(const struct check_vs *vs, int rs)
{
	const struct check_rs *r = rs_get(vs, rs);

	return r ? rs_eff_weight(r) : 0;
}

bool check_vs_rs_inhibit(const struct check_vs *vs, int rs)
{
	const struct check_rs *r = rs_get(vs, rs);

	return r && r->inhibit;
}

bool check_vs_rs_in_ipvs(const struct check_vs *vs, int rs, int64_t *weight)
{
	const struct check_rs *r = rs_get(vs, rs);
	bool in = rs == CHECK_RS_SORRY ? vs->sorry_in_ipvs : r && r->in_ipvs;

	if (weight)
		*weight = !in ? 0 : rs == CHECK_RS_SORRY ? vs->sorry_ipvs_weight : r->ipvs_weight;
	return in;
}

bool check_vs_quorum_up(const struct check_vs *vs)
{
	return vs->quorum_up;
}

int64_t check_vs_alive_weight(const struct check_vs *vs)
{
	return alive_weight(vs);
}

int64_t check_vs_quorum(const struct check_vs *vs)
{
	return vs->quorum;
}

int64_t check_vs_hysteresis(const struct check_vs *vs)
{
	return vs->hysteresis;
}

bool check_vs_sorry_active(const struct check_vs *vs)
{
	return vs->sorry_active;
}

bool check_checker_up(const struct check_checker *ck)
{
	return ck->up;
}

int check_checker_failures(const struct check_checker *ck)
{
	return ck->fails;
}

enum check_ck_state check_checker_state(const struct check_checker *ck)
{
	return ck->state;
}

int check_checker_url(const struct check_checker *ck)
{
	return ck->url;
}

int64_t check_checker_next_ns(const struct check_checker *ck)
{
	return ck->next_ns;
}

int64_t check_checker_delay_loop_ns(const struct check_checker *ck)
{
	return ck->loop_ns;
}

int64_t check_checker_delay_before_retry_ns(const struct check_checker *ck)
{
	return ck->retry_ns;
}

int64_t check_checker_timeout_ns(const struct check_checker *ck)
{
	return ck->timeout_ns;
}

int64_t check_checker_warmup_ns(const struct check_checker *ck)
{
	return ck->warmup_ns;
}

int check_checker_retry(const struct check_checker *ck)
{
	return ck->retry;
}

/*
 * check_vs_sane - the invariants: failed counts match the checkers, counters
 * within 0..retry, URL indices in range, IPVS mirror equal to what the
 * state asks for, quorum state consistent with the thresholds, sorry server
 * in use only with quorum lost. Returns false on the first violation.
 */
bool check_vs_sane(const struct check_vs *vs)
{
	int64_t aw;

	if (!vs)
		return false;
	aw = alive_weight(vs);
	if (vs->hysteresis < 0 || vs->hysteresis >= vs->quorum)
		return false;
	for (size_t i = 0; i < vs->n_rs; i++) {
		const struct check_rs *rs = &vs->rs[i];
		int failed = 0;
		int64_t w;
		bool want;

		for (size_t j = 0; j < rs->n_ck; j++) {
			const struct check_checker *ck = &rs->ck[j];

			failed += !ck->up;
			if (ck->fails < 0 || ck->fails > ck->retry || ck->rs != rs)
				return false;
			if (is_http(ck) && (ck->url < 0 || ck->url >= ck->conf.n_urls))
				return false;
			if (vs->running != (ck->state != CHECK_CK_IDLE))
				return false;
		}
		if (failed != rs->failed)
			return false;
		want = vs->running && rs_desired(vs, rs, &w);
		if (want != rs->in_ipvs || (want && w != rs->ipvs_weight))
			return false;
	}
	if (vs->sorry_active && (vs->quorum_up || !vs->sorry_server))
		return false;
	if (vs->running) {
		if (vs->quorum_up && quorum_lost(vs, aw))
			return false;
		if (!vs->quorum_up && aw >= vs->quorum + vs->hysteresis)
			return false;
		if (vs->sorry_active && (!vs->sorry_in_ipvs || vs->sorry_ipvs_weight != vs->sorry_weight))
			return false;
		if (!vs->sorry_active && vs->sorry_in_ipvs &&
		    (!vs->sorry_inhibit || vs->sorry_ipvs_weight != 0))
			return false;
	} else if (vs->sorry_in_ipvs) {
		return false;
	}
	return true;
}
