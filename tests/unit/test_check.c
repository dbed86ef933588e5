/*
 * tests/unit/test_check.c - suite "check": keepalived's health checkers for
 * one virtual server (algorithms/check/checker.c).
 *
 * A tiny environment (a time-ordered timer list, no sim/) and a scripted
 * owner: per real server a behaviour (answer after a delay, refuse, go
 * silent, HTTP status/digest per URL, MISC exit code) and a mirror of IPVS
 * built only from the callbacks, which must never add a present destination
 * or touch an absent one. Checked: inheritance and per-kind defaults, the
 * detection times of spec 5.5 to the nanosecond, recovery after one success,
 * inhibit_on_failure vs removal, alpha, warmup bounds, HTTP status ranges,
 * digests and URL cycles, MISC exit codes and misc_dynamic, the dr-http
 * quorum numbers and the exact thresholds, late answers, read re-arms, stop;
 * and a randomized run (>= 10^4 probe outcomes; fewer in quick mode) that
 * checks after every event that the owner's destinations are exactly the
 * real servers whose checkers are all up (or inhibited at weight 0).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/check/checker.h"
#include "tests/test.h"

#define S CHECK_NS_PER_S
#define MS INT64_C(1000000)
#define US INT64_C(1000)
#define NRS 8
#define NCK 4
#define NEV 4096

#define DIGEST_HELLO "5d41402abc4b2a76b9719d911017c592"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(splitmix(s) % n);
}

/* ---- environment: a time-ordered list of armed timers ---- */

struct tenv {
	int64_t now;
	uint64_t seq;
	struct lb_timer **armed;
	size_t n, cap;
};

static int64_t tenv_now(void *ctx)
{
	return ((struct tenv *)ctx)->now;
}

static void tenv_cancel(void *ctx, struct lb_timer *t)
{
	struct tenv *e = ctx;

	if (!t->env_priv[1])
		return;
	for (size_t i = 0; i < e->n; i++) {
		if (e->armed[i] == t) {
			e->armed[i] = e->armed[--e->n];
			break;
		}
	}
	t->env_priv[1] = 0;
}

static void tenv_arm(void *ctx, struct lb_timer *t, int64_t at)
{
	struct tenv *e = ctx;

	CU_ASSERT(at >= e->now);
	tenv_cancel(ctx, t);
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 16;
		e->armed = realloc(e->armed, e->cap * sizeof(*e->armed));
	}
	e->armed[e->n++] = t;
	t->env_priv[0] = (uint64_t)at;
	t->env_priv[1] = ++e->seq;
}

/* Fire the earliest timer at or before <until>; false when none. */
static bool tenv_step(struct tenv *e, int64_t until)
{
	struct lb_timer *t;
	size_t best = 0;

	if (!e->n)
		return false;
	for (size_t i = 1; i < e->n; i++) {
		struct lb_timer *a = e->armed[i], *b = e->armed[best];

		if ((int64_t)a->env_priv[0] < (int64_t)b->env_priv[0] ||
		    (a->env_priv[0] == b->env_priv[0] && a->env_priv[1] < b->env_priv[1]))
			best = i;
	}
	t = e->armed[best];
	if ((int64_t)t->env_priv[0] > until)
		return false;
	e->now = (int64_t)t->env_priv[0];
	tenv_cancel(e, t);
	t->fn(t);
	return true;
}

/* ---- the scripted owner ---- */

enum srv_mode { SRV_OK = 0, SRV_REFUSE, SRV_SILENT };

struct server {
	enum srv_mode mode;
	int64_t delay;		/* answer delay */
	int status[CHECK_URL_MAX];
	char digest[CHECK_URL_MAX][CHECK_DIGEST_LEN + 1];
	int exit_code;
};

struct ev {
	int64_t t;
	char op;		/* U add, D delete, W weight, S rs state, Q quorum */
	int rs;
	int64_t w;
};

struct answer {
	struct lb_timer t;
	struct harness *h;
	struct check_checker *ck;
	uint64_t attempt;
	struct check_result r;
	struct answer *next;
};

struct harness {
	struct tenv te;
	struct lb_env env;
	struct check_callbacks cb;
	struct check_vs_conf vc;
	struct check_rs_conf rc[NRS];
	struct check_conf cc[NRS][NCK];
	struct check_vs *vs;
	struct server srv[NRS];
	bool present[NRS + 1];	/* [0] = sorry server */
	int64_t weight[NRS + 1];
	int bad_ops;
	struct ev ev[NEV];
	int nev;
	int probes, stale, cancels;
	int64_t warmup_seen;
	int64_t warmup_pick;	/* -1: max, else the value returned */
	struct answer *answers;	/* every answer allocated, freed at the end */
	uint64_t rng;
	bool random;		/* random answers (property test) */
	bool early;		/* offer answers at once (check_probe_done_at) */
	int early_taken;
	int silent_pct;
	bool check_each;
};

static void h_log(void *ctx, int level, const char *fmt, ...)
{
	(void)ctx;
	(void)level;
	(void)fmt;
}

static void h_ev(struct harness *h, char op, int rs, int64_t w)
{
	if (h->nev < NEV)
		h->ev[h->nev++] = (struct ev){ h->te.now, op, rs, w };
}

static void answer_fire(struct lb_timer *t)
{
	struct answer *a = t->data;
	int rc = check_probe_done(a->ck, a->attempt, &a->r);

	if (rc == -ESTALE)
		a->h->stale++;
	else
		CU_ASSERT_EQUAL(rc, 0);
}

static enum check_kind h_kind(struct harness *h, int rs, int ck)
{
	return h->cc[rs][ck].kind;
}

static void h_probe_start(void *ctx, struct check_checker *ck, int rs, int ci, int url,
			  uint64_t attempt, int64_t timeout_ns)
{
	struct harness *h = ctx;
	struct server *s = &h->srv[rs];
	enum check_kind k = h_kind(h, rs, ci);
	struct answer *a;
	enum srv_mode mode = s->mode;
	int64_t delay = s->delay;

	h->probes++;
	CU_ASSERT(timeout_ns > 0);
	a = calloc(1, sizeof(*a));
	a->h = h;
	a->ck = ck;
	a->attempt = attempt;
	a->t.fn = answer_fire;
	a->t.data = a;
	a->next = h->answers;
	h->answers = a;
	if (h->random) {
		uint32_t x = rnd(&h->rng, 100);

		mode = x < (uint32_t)h->silent_pct ? SRV_SILENT : x < 45 ? SRV_REFUSE : SRV_OK;
		delay = (int64_t)rnd(&h->rng, 4000) * MS;	/* some beyond the timeout */
		s->status[url] = rnd(&h->rng, 4) ? 200 : 503;
		snprintf(s->digest[url], sizeof(s->digest[url]), "%s",
			 rnd(&h->rng, 5) ? DIGEST_HELLO : "00000000000000000000000000000000");
		s->exit_code = rnd(&h->rng, 3) ? (int)rnd(&h->rng, 2) * (int)rnd(&h->rng, 80) : 1;
	}
	if (mode == SRV_SILENT)
		return;
	if (k == CHECK_HTTP || k == CHECK_SSL) {
		a->r.outcome = mode == SRV_REFUSE ? CHECK_RESULT_REFUSED : CHECK_RESULT_HTTP;
		a->r.status = s->status[url];
		snprintf(a->r.digest, sizeof(a->r.digest), "%s", s->digest[url]);
	} else if (k == CHECK_MISC) {
		a->r.outcome = CHECK_RESULT_EXIT;
		a->r.exit_code = mode == SRV_REFUSE ? 1 : s->exit_code;
	} else {
		a->r.outcome = mode == SRV_REFUSE ? CHECK_RESULT_REFUSED : CHECK_RESULT_OK;
	}
	if (mode == SRV_REFUSE)
		delay = 0;
	if (h->early) {
		int rc = check_probe_done_at(ck, attempt, &a->r, h->te.now + delay);

		if (rc == 0) {
			h->early_taken++;
			return;
		}
		CU_ASSERT_EQUAL(rc, -EAGAIN);
	}
	tenv_arm(&h->te, &a->t, h->te.now + delay);
}

static void h_probe_cancel(void *ctx, struct check_checker *ck, uint64_t attempt)
{
	struct harness *h = ctx;

	(void)ck;
	(void)attempt;
	h->cancels++;
}

static void h_rs_up(void *ctx, int rs, int64_t w)
{
	struct harness *h = ctx;

	if (h->present[rs + 1])
		h->bad_ops++;
	h->present[rs + 1] = true;
	h->weight[rs + 1] = w;
	h_ev(h, 'U', rs, w);
}

static void h_rs_down(void *ctx, int rs)
{
	struct harness *h = ctx;

	if (!h->present[rs + 1])
		h->bad_ops++;
	h->present[rs + 1] = false;
	h->weight[rs + 1] = 0;
	h_ev(h, 'D', rs, 0);
}

static void h_rs_weight(void *ctx, int rs, int64_t w)
{
	struct harness *h = ctx;

	if (!h->present[rs + 1])
		h->bad_ops++;
	h->weight[rs + 1] = w;
	h_ev(h, 'W', rs, w);
}

static void h_rs_state(void *ctx, int rs, bool alive)
{
	h_ev(ctx, 'S', rs, alive);
}

static void h_quorum(void *ctx, bool up)
{
	h_ev(ctx, 'Q', -1, up);
}

static int64_t h_rand(void *ctx, int64_t max)
{
	struct harness *h = ctx;

	h->warmup_seen = max;
	if (h->random)
		return (int64_t)(splitmix(&h->rng) % (uint64_t)(max + 1));
	return h->warmup_pick < 0 ? max : h->warmup_pick;
}

/* A VS with n real servers, one checker of <kind> each, defaults otherwise. */
static struct harness *h_new(int n, enum check_kind kind)
{
	struct harness *h = calloc(1, sizeof(*h));

	h->env = (struct lb_env){ .ctx = &h->te, .now_ns = tenv_now, .timer_arm = tenv_arm,
				  .timer_cancel = tenv_cancel, .log = h_log };
	h->cb = (struct check_callbacks){ .ctx = h, .probe_start = h_probe_start,
					  .probe_cancel = h_probe_cancel, .rs_up = h_rs_up,
					  .rs_down = h_rs_down, .rs_weight = h_rs_weight,
					  .rs_state = h_rs_state, .quorum_state = h_quorum,
					  .rand_ns = h_rand };
	h->warmup_pick = 0;
	check_vs_conf_init(&h->vc);
	snprintf(h->vc.name, sizeof(h->vc.name), "10.10.0.100:80");
	h->vc.rs = h->rc;
	h->vc.n_rs = (size_t)n;
	for (int i = 0; i < NRS; i++) {
		check_rs_conf_init(&h->rc[i]);
		snprintf(h->rc[i].name, sizeof(h->rc[i].name), "10.10.0.%d:80", 21 + i);
		h->rc[i].checkers = h->cc[i];
		h->rc[i].n_checkers = 1;
		for (int j = 0; j < NCK; j++) {
			check_conf_init(&h->cc[i][j], kind);
			h->cc[i][j].n_urls = 1;
			snprintf(h->cc[i][j].urls[0].path, sizeof(h->cc[i][j].urls[0].path), "/healthz");
		}
		for (int u = 0; u < CHECK_URL_MAX; u++) {
			h->srv[i].status[u] = 200;
			snprintf(h->srv[i].digest[u], sizeof(h->srv[i].digest[u]), DIGEST_HELLO);
		}
	}
	return h;
}

static int h_build(struct harness *h)
{
	return check_vs_new(&h->vc, &h->env, &h->cb, &h->vs);
}

static void h_free(struct harness *h)
{
	check_vs_free(h->vs);
	while (h->answers) {
		struct answer *a = h->answers;

		h->answers = a->next;
		free(a);
	}
	free(h->te.armed);
	free(h);
}

/* The owner's view equals what the checker states ask for. */
static bool h_consistent(struct harness *h)
{
	struct check_vs *vs = h->vs;
	bool sorry = check_vs_sorry_active(vs);

	if (h->bad_ops || !check_vs_sane(vs))
		return false;
	for (int i = 0; i < (int)check_vs_rs_count(vs); i++) {
		bool all_up = true;

		for (int j = 0; j < (int)check_vs_checker_count(vs, i); j++)
			all_up &= check_checker_up(check_vs_checker(vs, i, j));
		if (all_up != check_vs_rs_alive(vs, i))
			return false;
		if (all_up && !sorry) {
			if (!h->present[i + 1] || h->weight[i + 1] != check_vs_rs_weight(vs, i))
				return false;
		} else if (check_vs_rs_inhibit(vs, i)) {
			if (!h->present[i + 1] || h->weight[i + 1] != 0)
				return false;
		} else if (h->present[i + 1]) {
			return false;
		}
	}
	if (sorry != (h->present[0] && h->weight[0] > 0))
		return false;
	return true;
}

static void h_run(struct harness *h, int64_t until)
{
	while (tenv_step(&h->te, until))
		if (h->check_each && !h_consistent(h))
			break;
	if (h->te.now < until)
		h->te.now = until;
}

/* Time of the first event <op> for <rs> at or after <from>, or -1. */
static int64_t h_find(const struct harness *h, char op, int rs, int64_t from)
{
	for (int i = 0; i < h->nev; i++)
		if (h->ev[i].op == op && h->ev[i].rs == rs && h->ev[i].t >= from)
			return h->ev[i].t;
	return -1;
}

/* ---- tests ---- */

static void test_defaults(void)
{
	static const struct {
		enum check_kind k;
		int retry;
		int64_t b;
	} tab[] = {
		{ CHECK_TCP, 1, 1 * S },  { CHECK_HTTP, 1, 3 * S }, { CHECK_SSL, 1, 3 * S },
		{ CHECK_MISC, 0, 1 * S }, { CHECK_DNS, 3, 60 * S }, { CHECK_SMTP, 1, 1 * S },
		{ CHECK_UDP, 1, 1 * S },  { CHECK_PING, 1, 1 * S },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct harness *h = h_new(1, tab[i].k);
		struct check_checker *ck;

		CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
		ck = check_vs_checker(h->vs, 0, 0);
		CU_ASSERT_EQUAL(check_checker_retry(ck), tab[i].retry);
		CU_ASSERT_EQUAL(check_checker_delay_before_retry_ns(ck), tab[i].b);
		CU_ASSERT_EQUAL(check_checker_delay_loop_ns(ck), 60 * S);
		CU_ASSERT_EQUAL(check_checker_warmup_ns(ck), 60 * S);
		CU_ASSERT_EQUAL(check_checker_timeout_ns(ck), tab[i].k == CHECK_MISC ? 60 * S : 5 * S);
		CU_ASSERT_EQUAL(check_vs_rs_weight(h->vs, 0), 1);
		h_free(h);
	}

	/* inheritance checker <- rs <- vs */
	struct harness *h = h_new(2, CHECK_TCP);

	h->vc.delay_loop_ns = 10 * S;
	h->vc.retry = 3;
	h->vc.weight = 7;
	h->rc[0].delay_before_retry_ns = 2 * S;
	h->rc[0].weight = 100;
	h->rc[1].warmup_ns = 0;
	h->cc[1][0].retry = 0;
	h->cc[1][0].connect_timeout_ns = 2 * S;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	CU_ASSERT_EQUAL(check_checker_retry(check_vs_checker(h->vs, 0, 0)), 3);
	CU_ASSERT_EQUAL(check_checker_retry(check_vs_checker(h->vs, 1, 0)), 0);
	CU_ASSERT_EQUAL(check_checker_delay_before_retry_ns(check_vs_checker(h->vs, 0, 0)), 2 * S);
	CU_ASSERT_EQUAL(check_checker_delay_before_retry_ns(check_vs_checker(h->vs, 1, 0)), 1 * S);
	CU_ASSERT_EQUAL(check_checker_warmup_ns(check_vs_checker(h->vs, 0, 0)), 10 * S);
	CU_ASSERT_EQUAL(check_checker_warmup_ns(check_vs_checker(h->vs, 1, 0)), 0);
	CU_ASSERT_EQUAL(check_checker_timeout_ns(check_vs_checker(h->vs, 1, 0)), 2 * S);
	CU_ASSERT_EQUAL(check_vs_rs_weight(h->vs, 0), 100);
	CU_ASSERT_EQUAL(check_vs_rs_weight(h->vs, 1), 7);
	/* quorum reduced to the total weight, hysteresis forced below it */
	h_free(h);
	h = h_new(2, CHECK_TCP);
	h->vc.quorum = 500;
	h->vc.hysteresis = 900;
	h->rc[0].weight = 100;
	h->rc[1].weight = 50;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	CU_ASSERT_EQUAL(check_vs_quorum(h->vs), 150);
	CU_ASSERT_EQUAL(check_vs_hysteresis(h->vs), 149);
	h_free(h);

	/* refusals */
	h = h_new(1, CHECK_HTTP);
	h->cc[0][0].n_urls = 0;
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	h->cc[0][0].n_urls = 1;
	snprintf(h->cc[0][0].urls[0].digest, sizeof(h->cc[0][0].urls[0].digest), "xyz");
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	h->cc[0][0].urls[0].digest[0] = '\0';
	h->vc.retry = 0;
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	h->vc.retry = CHECK_UNSET;
	h->vc.n_rs = 0;
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	h->vc.n_rs = 1;
	h->vc.quorum = 0;
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	h->vc.quorum = 1;
	h->cb.rs_down = NULL;
	CU_ASSERT_EQUAL(h_build(h), -EINVAL);
	CU_ASSERT_PTR_NULL(h->vs);
	h_free(h);
}

/* dr-http timings on one TCP_CHECK: L 3, C 2, R 2, B 1, warmup 0. */
static struct harness *h_tcp_fixture(int n)
{
	struct harness *h = h_new(n, CHECK_TCP);

	h->vc.delay_loop_ns = 3 * S;
	h->vc.connect_timeout_ns = 2 * S;
	h->vc.retry = 2;
	h->vc.delay_before_retry_ns = 1 * S;
	h->vc.warmup_ns = 0;
	return h;
}

/* T_down = t_die + a + (R+1) f + R B, a = wait to the next attempt. */
static void detect_case(int64_t t_die, enum srv_mode mode)
{
	struct harness *h = h_tcp_fixture(1);
	struct check_checker *ck;
	int64_t next, f = mode == SRV_SILENT ? 2 * S : 0, expect;

	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	CU_ASSERT_EQUAL(check_vs_start(h->vs), 0);
	CU_ASSERT(h->present[1]);
	ck = check_vs_checker(h->vs, 0, 0);
	CU_ASSERT_EQUAL(check_checker_next_ns(ck), 1 * S);
	h_run(h, t_die);
	CU_ASSERT_EQUAL(check_checker_state(ck), CHECK_CK_WAIT);
	CU_ASSERT_EQUAL(check_checker_failures(ck), 0);
	next = check_checker_next_ns(ck);
	CU_ASSERT(next > t_die - 1 && next <= t_die + 3 * S);
	h->srv[0].mode = mode;
	h_run(h, t_die + 60 * S);
	expect = t_die + (next - t_die) + 3 * f + 2 * 1 * S;
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), expect);
	CU_ASSERT_EQUAL(h_find(h, 'S', 0, 0), expect);
	CU_ASSERT(!check_vs_rs_alive(h->vs, 0));
	CU_ASSERT(!h->present[1]);
	/* worst case bound of spec 5.5: L + (R+1) C + R B = 11 s */
	CU_ASSERT(expect - t_die <= 11 * S);
	CU_ASSERT(expect - t_die >= 2 * S);
	CU_ASSERT(h_consistent(h));
	h_free(h);
}

static void test_detect_times(void)
{
	/* attempts at 1, 4, 7, ... s (instant answers) */
	detect_case(5 * S, SRV_SILENT);		/* 7 + 2+1+2+1+2 = 15 s */
	detect_case(4 * S + 1 * US, SRV_SILENT);	/* worst case: a = L - 1 us */
	detect_case(7 * S - 1 * US, SRV_SILENT);
	detect_case(5 * S, SRV_REFUSE);		/* 7 + 1 + 1 = 9 s */
	detect_case(7 * S - 1 * US, SRV_REFUSE);	/* best case R B (+1 us) */
	detect_case(123456789 * US, SRV_SILENT);

	/* spot value: death at 5 s, silent -> down at exactly 15 s */
	struct harness *h = h_tcp_fixture(1);

	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	h_run(h, 5 * S);
	h->srv[0].mode = SRV_SILENT;
	h_run(h, 14999999 * US);
	CU_ASSERT(h->present[1]);
	CU_ASSERT_EQUAL(check_checker_failures(check_vs_checker(h->vs, 0, 0)), 2);
	h_run(h, 15 * S);
	CU_ASSERT(!h->present[1]);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 15 * S);
	CU_ASSERT_EQUAL(h->cancels, 3);
	h_free(h);

	/* TCP default worst case 60 + 2*5 + 1 = 71 s */
	h = h_new(1, CHECK_TCP);
	h->vc.warmup_ns = 0;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	h_run(h, 1 * S + 1);
	h->srv[0].mode = SRV_SILENT;
	h_run(h, 200 * S);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 1 * S + 71 * S);
	h_free(h);
}

static void test_recovery(void)
{
	struct harness *h = h_tcp_fixture(1);
	struct check_checker *ck;
	int64_t next;

	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	h_run(h, 5 * S);
	h->srv[0].mode = SRV_REFUSE;
	h_run(h, 30 * S);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 9 * S);
	/* while down TCP keeps cycling: 12 (L), 13, 14 (B), 17 (L) ... */
	CU_ASSERT(!check_checker_up(ck));
	h->srv[0].mode = SRV_OK;
	h->srv[0].delay = 10 * MS;
	next = check_checker_next_ns(ck);
	h_run(h, 60 * S);
	CU_ASSERT_EQUAL(h_find(h, 'U', 0, 30 * S), next + 10 * MS);
	CU_ASSERT_EQUAL(h->weight[1], 1);
	CU_ASSERT(check_checker_up(ck));
	CU_ASSERT_EQUAL(check_checker_failures(ck), 0);
	CU_ASSERT(h_consistent(h));
	h_free(h);
}

static void test_inhibit(void)
{
	struct harness *h = h_tcp_fixture(2);

	h->rc[0].weight = 100;
	h->rc[1].weight = 50;
	h->rc[1].inhibit_on_failure = 1;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(h->present[1] && h->weight[1] == 100);
	CU_ASSERT(h->present[2] && h->weight[2] == 50);
	h_run(h, 5 * S);
	h->srv[0].mode = h->srv[1].mode = SRV_REFUSE;
	h_run(h, 10 * S);
	CU_ASSERT(!h->present[1]);
	CU_ASSERT(h->present[2]);
	CU_ASSERT_EQUAL(h->weight[2], 0);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 9 * S);
	CU_ASSERT_EQUAL(h_find(h, 'W', 1, 0), 9 * S);
	CU_ASSERT_EQUAL(h_find(h, 'D', 1, 0), -1);
	h->srv[0].mode = h->srv[1].mode = SRV_OK;
	h_run(h, 30 * S);
	CU_ASSERT(h->present[1] && h->weight[1] == 100);
	CU_ASSERT(h->present[2] && h->weight[2] == 50);
	CU_ASSERT(h_find(h, 'W', 1, 10 * S) > 0);
	CU_ASSERT(h_consistent(h));
	/* stop clears every destination */
	check_vs_stop(h->vs);
	CU_ASSERT(!h->present[1] && !h->present[2]);
	CU_ASSERT_EQUAL(h->bad_ops, 0);
	CU_ASSERT(check_vs_sane(h->vs));
	h_free(h);
}

static void test_alpha(void)
{
	struct harness *h = h_tcp_fixture(3);

	h->vc.alpha = true;
	h->rc[1].inhibit_on_failure = 1;
	h->rc[1].weight = 5;
	h->rc[2].alpha = 0;
	h->srv[0].mode = SRV_REFUSE;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(!h->present[1]);
	CU_ASSERT(h->present[2] && h->weight[2] == 0);	/* alpha + inhibit: weight 0 */
	CU_ASSERT(h->present[3] && h->weight[3] == 1);	/* not alpha */
	CU_ASSERT(!check_vs_rs_alive(h->vs, 0));
	CU_ASSERT_EQUAL(check_checker_failures(check_vs_checker(h->vs, 0, 0)), 2);
	h_run(h, 1 * S);
	/* first failure confirms down: counter reset, next after delay_loop */
	CU_ASSERT_EQUAL(check_checker_failures(check_vs_checker(h->vs, 0, 0)), 0);
	CU_ASSERT_EQUAL(check_checker_next_ns(check_vs_checker(h->vs, 0, 0)), 4 * S);
	CU_ASSERT_EQUAL(h_find(h, 'W', 1, 0), 1 * S);
	CU_ASSERT(h->present[2] && h->weight[2] == 5);
	CU_ASSERT(!h->present[1]);
	h->srv[0].mode = SRV_OK;
	h_run(h, 4 * S);
	CU_ASSERT(h->present[1]);
	CU_ASSERT_EQUAL(h_find(h, 'U', 0, 0), 4 * S);
	CU_ASSERT(h_consistent(h));
	h_free(h);

	/* non-alpha: the first failure takes it down at once (pre-loaded counter) */
	h = h_tcp_fixture(1);
	h->srv[0].mode = SRV_REFUSE;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(h->present[1]);
	h_run(h, 2 * S);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 1 * S);
	h_free(h);
}

static void test_warmup(void)
{
	int64_t picks[] = { 0, -1, 1234567 };

	for (size_t i = 0; i < 3; i++) {
		struct harness *h = h_new(2, CHECK_TCP);

		h->vc.delay_loop_ns = 10 * S;
		h->warmup_pick = picks[i];
		h->rc[1].warmup_ns = 0;
		CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
		h->te.now = 100 * S;
		check_vs_start(h->vs);
		CU_ASSERT_EQUAL(h->warmup_seen, 10 * S);
		CU_ASSERT_EQUAL(check_checker_next_ns(check_vs_checker(h->vs, 0, 0)),
				101 * S + (picks[i] < 0 ? 10 * S : picks[i]));
		CU_ASSERT_EQUAL(check_checker_next_ns(check_vs_checker(h->vs, 1, 0)), 101 * S);
		h_free(h);
	}
	/* random picks stay within [1 s, 1 s + warmup] */
	struct harness *h = h_new(8, CHECK_TCP);

	h->random = true;
	h->rng = 7;
	h->vc.warmup_ns = 5 * S;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	for (int rep = 0; rep < 200; rep++) {
		check_vs_start(h->vs);
		for (int i = 0; i < 8; i++) {
			int64_t n = check_checker_next_ns(check_vs_checker(h->vs, i, 0)) - h->te.now;

			CU_ASSERT(n >= 1 * S && n <= 6 * S);
		}
		check_vs_stop(h->vs);
	}
	CU_ASSERT_EQUAL(h->bad_ops, 0);
	h_free(h);
}

/* One HTTP checker, retry 0: each result decides up / down at once. */
static void test_http_status(void)
{
	struct harness *h = h_new(1, CHECK_HTTP);
	struct check_checker *ck;
	struct check_url_conf u;
	static const struct {
		int status;
		const char *digest;
		bool up;
	} seq[] = {
		{ 200, DIGEST_HELLO, true },  { 304, DIGEST_HELLO, true },
		{ 301, DIGEST_HELLO, false }, { 250, DIGEST_HELLO, true },
		{ 404, DIGEST_HELLO, false }, { 200, "5D41402ABC4B2A76B9719D911017C592", true },
		{ 200, "5d41402abc4b2a76b9719d911017c593", false }, { 200, "", false },
		{ 299, DIGEST_HELLO, true },  { 300, DIGEST_HELLO, false },
	};

	memset(&u, 0, sizeof(u));
	CU_ASSERT_EQUAL(check_url_parse_status(&u, "200-299 304"), 0);
	CU_ASSERT_EQUAL(u.n_status, 2);
	CU_ASSERT(u.status[0].lo == 200 && u.status[0].hi == 299);
	CU_ASSERT(u.status[1].lo == 304 && u.status[1].hi == 304);
	CU_ASSERT_EQUAL(check_url_parse_status(&u, "200-"), -EINVAL);
	CU_ASSERT_EQUAL(check_url_parse_status(&u, "300-200"), -EINVAL);
	CU_ASSERT_EQUAL(check_url_parse_status(&u, "20x"), -EINVAL);
	CU_ASSERT_EQUAL(check_url_parse_status(&u, ""), -EINVAL);
	CU_ASSERT_EQUAL(u.n_status, 2);

	h->cc[0][0].retry = 0;
	h->cc[0][0].urls[0] = u;
	snprintf(h->cc[0][0].urls[0].digest, sizeof(u.digest), DIGEST_HELLO);
	h->vc.delay_loop_ns = 3 * S;
	h->vc.warmup_ns = 0;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		h->srv[0].status[0] = seq[i].status;
		snprintf(h->srv[0].digest[0], sizeof(h->srv[0].digest[0]), "%s", seq[i].digest);
		h_run(h, check_checker_next_ns(ck));
		CU_ASSERT_EQUAL(check_checker_up(ck), seq[i].up);
		CU_ASSERT_EQUAL(h->present[1], seq[i].up);
	}
	h_free(h);

	/* default status range 200-299, no digest */
	h = h_new(1, CHECK_HTTP);
	h->cc[0][0].retry = 0;
	h->vc.warmup_ns = 0;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	h->srv[0].status[0] = 204;
	snprintf(h->srv[0].digest[0], sizeof(h->srv[0].digest[0]), "ffff");
	h_run(h, check_checker_next_ns(ck));
	CU_ASSERT(check_checker_up(ck));
	h->srv[0].status[0] = 304;
	h_run(h, check_checker_next_ns(ck));
	CU_ASSERT(!check_checker_up(ck));
	h_free(h);
}

/* The dr-http real server .21: two URLs, L 3, C 2, R 2, B 1. */
static void test_http_urls(void)
{
	struct harness *h = h_new(1, CHECK_HTTP);
	struct check_conf *c = &h->cc[0][0];
	struct check_checker *ck;
	int64_t t;

	h->vc.delay_loop_ns = 3 * S;
	h->vc.warmup_ns = 0;
	c->connect_timeout_ns = 2 * S;
	c->retry = 2;
	c->delay_before_retry_ns = 1 * S;
	c->n_urls = 2;
	CU_ASSERT_EQUAL(check_url_parse_status(&c->urls[0], "200"), 0);
	snprintf(c->urls[1].path, sizeof(c->urls[1].path), "/static/probe.txt");
	snprintf(c->urls[1].digest, sizeof(c->urls[1].digest), DIGEST_HELLO);
	h->srv[0].delay = 1 * MS;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	/* alternation: url 0 at 1 s, url 1 at 4.001 s, url 0 at 7.002 s */
	h_run(h, 1 * S + 1 * MS);
	CU_ASSERT_EQUAL(check_checker_url(ck), 1);
	CU_ASSERT_EQUAL(check_checker_next_ns(ck), 4 * S + 1 * MS);
	h_run(h, 4 * S + 2 * MS);
	CU_ASSERT_EQUAL(check_checker_url(ck), 0);
	CU_ASSERT_EQUAL(check_checker_next_ns(ck), 7 * S + 2 * MS);
	/* body digest goes wrong on url 1: fails at 10.004, 11.005, 12.006 -> down */
	h_run(h, 8 * S);
	snprintf(h->srv[0].digest[1], sizeof(h->srv[0].digest[1]), "%032d", 0);
	h_run(h, 30 * S);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 12 * S + 6 * MS);
	/* while down the failed URL is retried every max(L, B) = 3 s */
	CU_ASSERT_EQUAL(check_checker_url(ck), 1);
	t = check_checker_next_ns(ck);
	CU_ASSERT(t > 30 * S && t <= 33 * S + 1 * MS);
	CU_ASSERT_EQUAL(h->probes, 11);
	/* fixed: url 1 succeeds at t + 1 ms, url 0 one L later -> up */
	snprintf(h->srv[0].digest[1], sizeof(h->srv[0].digest[1]), DIGEST_HELLO);
	h_run(h, t + 1 * MS);
	CU_ASSERT(!check_checker_up(ck));
	CU_ASSERT_EQUAL(check_checker_url(ck), 0);
	h_run(h, t + 10 * S);
	CU_ASSERT_EQUAL(h_find(h, 'U', 0, t), t + 1 * MS + 3 * S + 1 * MS);
	h_free(h);

	/* fast_recovery: the rest of the cycle runs at once */
	h = h_new(1, CHECK_HTTP);
	c = &h->cc[0][0];
	h->vc.alpha = true;
	h->vc.delay_loop_ns = 3 * S;
	h->vc.warmup_ns = 0;
	c->n_urls = 3;
	c->fast_recovery = true;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	h_run(h, 2 * S);
	CU_ASSERT_EQUAL(h_find(h, 'U', 0, 0), 1 * S);
	CU_ASSERT_EQUAL(h->probes, 3);
	h_free(h);
}

static void test_misc(void)
{
	struct harness *h = h_new(2, CHECK_MISC);
	struct check_checker *ck;

	h->vc.delay_loop_ns = 3 * S;
	h->vc.warmup_ns = 0;
	h->rc[0].weight = 100;
	h->rc[1].weight = 10;
	h->cc[0][0].misc_dynamic = true;
	h->srv[0].delay = 500 * MS;
	h->srv[1].delay = 500 * MS;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	/* measured from the start of the run: 1, 4, 7 s despite 0.5 s runs */
	h_run(h, 1 * S + 500 * MS);
	CU_ASSERT_EQUAL(check_checker_next_ns(ck), 4 * S);
	/* misc_dynamic: exit 52 -> weight 50; exit 2 -> weight 0 */
	h->srv[0].exit_code = 52;
	h_run(h, 4 * S + 500 * MS);
	CU_ASSERT_EQUAL(h_find(h, 'W', 0, 0), 4 * S + 500 * MS);
	CU_ASSERT_EQUAL(h->weight[1], 50);
	CU_ASSERT_EQUAL(check_vs_rs_weight(h->vs, 0), 50);
	h->srv[0].exit_code = 2;
	h_run(h, 7 * S + 500 * MS);
	CU_ASSERT(h->present[1] && h->weight[1] == 0);
	CU_ASSERT(check_vs_rs_alive(h->vs, 0));
	/* exit 0: ok, weight unchanged; exit 1: fail -> down at once (retry 0) */
	h->srv[0].exit_code = 0;
	h_run(h, 10 * S + 500 * MS);
	CU_ASSERT(h->present[1] && h->weight[1] == 0);
	h->srv[0].exit_code = 1;
	h_run(h, 13 * S + 500 * MS);
	CU_ASSERT(!h->present[1]);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 13 * S + 500 * MS);
	/* recovery with a new weight */
	h->srv[0].exit_code = 77;
	h_run(h, 16 * S + 500 * MS);
	CU_ASSERT(h->present[1] && h->weight[1] == 75);
	/* without misc_dynamic any non-zero exit fails */
	h->srv[1].exit_code = 5;
	h_run(h, 19 * S + 500 * MS);
	CU_ASSERT(!h->present[2]);
	CU_ASSERT(h_consistent(h));
	/* timeout kills the script: failure */
	h->srv[0].exit_code = 0;
	h->srv[0].delay = 61 * S;
	h_run(h, 200 * S);
	CU_ASSERT(!check_vs_rs_alive(h->vs, 0));
	CU_ASSERT(h->stale > 0);
	h_free(h);
}

/* dr-http: weights 100/100/50, .23 inhibit, quorum 150, hysteresis 20, sorry. */
static struct harness *h_drhttp(bool alpha, int64_t w0, int64_t w1, int64_t w2)
{
	struct harness *h = h_tcp_fixture(3);

	h->vc.quorum = 150;
	h->vc.hysteresis = 20;
	h->vc.sorry_server = true;
	h->vc.alpha = alpha;
	h->rc[0].weight = w0;
	h->rc[1].weight = w1;
	h->rc[2].weight = w2;
	h->rc[2].inhibit_on_failure = 1;
	h->srv[0].delay = h->srv[1].delay = h->srv[2].delay = 1 * MS;
	h->check_each = true;
	return h;
}

static int ev_index(const struct harness *h, char op, int rs, int64_t from)
{
	for (int i = 0; i < h->nev; i++)
		if (h->ev[i].op == op && h->ev[i].rs == rs && h->ev[i].t >= from)
			return i;
	return -1;
}

static void test_quorum(void)
{
	struct harness *h = h_drhttp(false, 100, 100, 50);
	int a, b;

	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT_EQUAL(check_vs_alive_weight(h->vs), 250);
	h_run(h, 5 * S);
	h->srv[0].mode = SRV_REFUSE;		/* 150 >= 130: keep */
	h_run(h, 20 * S);
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[0]);
	CU_ASSERT(!h->present[1] && h->present[2] && h->weight[3] == 50);
	h->srv[1].mode = SRV_REFUSE;		/* 50 < 130: sorry server */
	h_run(h, 40 * S);
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(h->present[0] && h->weight[0] == 1);
	CU_ASSERT(!h->present[1] && !h->present[2]);
	CU_ASSERT(h->present[3] && h->weight[3] == 0);
	a = ev_index(h, 'U', CHECK_RS_SORRY, 0);
	b = ev_index(h, 'W', 2, 0);
	CU_ASSERT(a >= 0 && b > a);		/* sorry in before the pool is cleared */
	CU_ASSERT(ev_index(h, 'Q', -1, 0) > b);
	h->srv[0].mode = SRV_OK;		/* 150 < 170: still sorry */
	h_run(h, 60 * S);
	CU_ASSERT(check_vs_rs_alive(h->vs, 0));
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[1] && h->present[0]);
	h->srv[1].mode = SRV_OK;		/* 250: regained */
	h_run(h, 80 * S);
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[0]);
	CU_ASSERT(h->present[1] && h->present[2] && h->weight[3] == 50);
	a = ev_index(h, 'D', CHECK_RS_SORRY, 0);
	b = ev_index(h, 'U', 1, 40 * S);
	CU_ASSERT(b >= 0 && a > b);		/* pool refilled before the sorry server leaves */
	CU_ASSERT(h_consistent(h));
	CU_ASSERT_EQUAL(h->bad_ops, 0);
	h_free(h);

	/* alpha: quorum starts lost, sorry server at start, .23 at weight 0 */
	h = h_drhttp(true, 100, 100, 50);
	h->srv[1].mode = SRV_REFUSE;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(h->present[0]);
	CU_ASSERT(!h->present[1] && !h->present[2] && h->present[3] && h->weight[3] == 0);
	CU_ASSERT(h_consistent(h));
	h_run(h, 10 * S);	/* .21 + .23 = 150 < 170 */
	CU_ASSERT(check_vs_rs_alive(h->vs, 0) && check_vs_rs_alive(h->vs, 2));
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[1] && h->weight[3] == 0 && h->present[0]);
	h->srv[1].mode = SRV_OK;
	h_run(h, 20 * S);
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[0] && h->present[1] && h->present[2] && h->weight[3] == 50);
	h_free(h);

	/* exact thresholds: 130 = q - h keeps, 129 loses, 170 = q + h regains, 169 not */
	static const struct {
		int64_t w[3];
		int kill; /* bitmask killed */
		bool up;
	} cases[] = {
		{ { 100, 30, 40 }, 4, true },	/* 130 */
		{ { 100, 29, 41 }, 4, false },	/* 129 */
	};
	for (size_t i = 0; i < 2; i++) {
		h = h_drhttp(false, cases[i].w[0], cases[i].w[1], cases[i].w[2]);
		CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
		check_vs_start(h->vs);
		h_run(h, 5 * S);
		h->srv[2].mode = SRV_REFUSE;
		h_run(h, 20 * S);
		CU_ASSERT_EQUAL(check_vs_quorum_up(h->vs), cases[i].up);
		CU_ASSERT_EQUAL(h->present[0], !cases[i].up);
		if (!cases[i].up) {
			/* regain needs 170: 129 + 41 = 170 exactly */
			h->srv[2].mode = SRV_OK;
			h_run(h, 40 * S);
			CU_ASSERT(check_vs_quorum_up(h->vs));
			CU_ASSERT(!h->present[0]);
		}
		CU_ASSERT(h_consistent(h));
		h_free(h);
	}
	/* 169 does not regain: weights 100, 69, 61 (230; kill 69 and 61 -> 100 lost) */
	h = h_drhttp(false, 100, 69, 61);
	h->rc[2].inhibit_on_failure = 0;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	h_run(h, 5 * S);
	h->srv[1].mode = h->srv[2].mode = SRV_REFUSE;
	h_run(h, 20 * S);
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	h->srv[1].mode = SRV_OK;		/* 169 */
	h_run(h, 40 * S);
	CU_ASSERT_EQUAL(check_vs_alive_weight(h->vs), 169);
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(h->present[0] && !h->present[2]);
	h->srv[2].mode = SRV_OK;
	h_run(h, 60 * S);
	CU_ASSERT(check_vs_quorum_up(h->vs) && !h->present[0]);
	h_free(h);

	/* sorry_server_inhibit: weight 0 on regain instead of removal */
	h = h_drhttp(false, 100, 100, 50);
	h->vc.sorry_server_inhibit = true;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	CU_ASSERT(!h->present[0]);
	h_run(h, 5 * S);
	h->srv[0].mode = h->srv[1].mode = SRV_REFUSE;
	h_run(h, 20 * S);
	CU_ASSERT(h->present[0] && h->weight[0] == 1);
	h->srv[0].mode = h->srv[1].mode = SRV_OK;
	h_run(h, 40 * S);
	CU_ASSERT(h->present[0] && h->weight[0] == 0);
	CU_ASSERT(h_consistent(h));
	h_free(h);
}

static void test_late_answer(void)
{
	struct harness *h = h_tcp_fixture(1);
	struct check_checker *ck;

	h->cc[0][0].retry = 0;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	h_run(h, 2 * S);
	h->srv[0].delay = 2500 * MS;	/* timeout is 2 s */
	h_run(h, 6 * S);		/* attempt at 4 s times out at 6 s */
	CU_ASSERT(!check_checker_up(ck));
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), 6 * S);
	CU_ASSERT_EQUAL(h->cancels, 1);
	h->srv[0].delay = 0;
	h_run(h, 6 * S + 600 * MS);	/* the 6.5 s answer is ignored */
	CU_ASSERT_EQUAL(h->stale, 1);
	CU_ASSERT(!check_checker_up(ck));
	CU_ASSERT_EQUAL(check_checker_next_ns(ck), 9 * S);
	h_run(h, 9 * S);
	CU_ASSERT(check_checker_up(ck));
	CU_ASSERT_EQUAL(check_probe_done(ck, 1, &(struct check_result){ 0 }), -ESTALE);
	h_free(h);
}

/* A slow-drip HTTP server keeps one attempt alive past connect_timeout. */
static int64_t drip_until;

static void drip_fire(struct lb_timer *t)
{
	struct answer *a = t->data;
	struct tenv *e = &a->h->te;

	if (e->now < drip_until) {
		CU_ASSERT_EQUAL(check_probe_progress(a->ck, a->attempt), 0);
		tenv_arm(e, t, e->now + 1500 * MS);
		return;
	}
	a->r.outcome = CHECK_RESULT_HTTP;
	a->r.status = 200;
	CU_ASSERT_EQUAL(check_probe_done(a->ck, a->attempt, &a->r), 0);
}

static void test_progress(void)
{
	struct harness *h = h_new(1, CHECK_HTTP);
	struct check_checker *ck;
	struct answer *a;

	h->cc[0][0].retry = 0;
	h->vc.connect_timeout_ns = 2 * S;
	h->vc.warmup_ns = 0;
	h->srv[0].mode = SRV_SILENT;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	check_vs_start(h->vs);
	ck = check_vs_checker(h->vs, 0, 0);
	h_run(h, 1 * S);
	CU_ASSERT_EQUAL(check_checker_state(ck), CHECK_CK_PROBE);
	a = h->answers;
	a->t.fn = drip_fire;
	drip_until = 10 * S;
	tenv_arm(&h->te, &a->t, h->te.now + 1500 * MS);
	h_run(h, 20 * S);
	CU_ASSERT(check_checker_up(ck));
	CU_ASSERT_EQUAL(h->cancels, 0);
	CU_ASSERT_EQUAL(h_find(h, 'D', 0, 0), -1);
	CU_ASSERT_EQUAL(check_probe_progress(ck, 12345), -ESTALE);
	h_free(h);
}

/*
 * A random harness for test_random and test_done_at: 1..NRS real servers
 * with random checkers, settings, quorum and answers, drawn from <seed>;
 * built, not started.
 */
static struct harness *h_random(uint64_t *seedp)
{
	uint64_t seed = *seedp;
	int nrs = 1 + (int)rnd(&seed, NRS);
	struct harness *h = h_new(nrs, CHECK_TCP);
	int64_t total = 0;

	h->random = true;
	h->rng = splitmix(&seed);
	h->silent_pct = (int)rnd(&seed, 30);
	h->check_each = true;
	h->vc.delay_loop_ns = (1 + rnd(&seed, 5)) * S;
	h->vc.connect_timeout_ns = (1 + rnd(&seed, 3)) * S;
	h->vc.alpha = rnd(&seed, 2);
	h->vc.inhibit_on_failure = rnd(&seed, 3) == 0;
	h->vc.sorry_server = rnd(&seed, 2);
	h->vc.sorry_server_inhibit = rnd(&seed, 2);
	for (int i = 0; i < nrs; i++) {
		h->rc[i].weight = rnd(&seed, 4) ? rnd(&seed, 200) : 0;
		total += h->rc[i].weight;
		if (rnd(&seed, 3) == 0)
			h->rc[i].inhibit_on_failure = (int)rnd(&seed, 2);
		h->rc[i].n_checkers = rnd(&seed, 6) ? 1 + rnd(&seed, NCK) : 0;
		for (int j = 0; j < NCK; j++) {
			struct check_conf *c = &h->cc[i][j];

			check_conf_init(c, (enum check_kind)rnd(&seed, CHECK_KIND_COUNT));
			c->n_urls = 1 + (int)rnd(&seed, 3);
			c->fast_recovery = rnd(&seed, 2);
			c->misc_dynamic = rnd(&seed, 2);
			if (rnd(&seed, 2))
				c->retry = (int)rnd(&seed, 4);
			if (rnd(&seed, 2))
				c->delay_before_retry_ns = rnd(&seed, 3000) * MS;
			if (c->kind == CHECK_MISC)
				c->misc_timeout_ns = (1 + rnd(&seed, 3)) * S;
			if (rnd(&seed, 4) == 0)
				check_url_parse_status(&c->urls[0], "200-299 304");
			if (rnd(&seed, 3) == 0)
				snprintf(c->urls[c->n_urls - 1].digest, sizeof(c->urls[0].digest),
					 DIGEST_HELLO);
		}
	}
	h->vc.quorum = 1 + rnd(&seed, (uint32_t)total + 50);
	h->vc.hysteresis = rnd(&seed, 60);
	CU_ASSERT_FATAL(h_build(h) == 0);
	*seedp = seed;
	return h;
}

/*
 * check_probe_done_at changes nothing: the same random harnesses, answered
 * at once where the checker takes it and by a timer otherwise, give the
 * same IPVS operations, states and quorum changes at the same times as when
 * every answer waits for its timer.
 */
static void test_done_at(void)
{
	int rounds = test_quick() ? 20 : 100;
	uint64_t seed = 0xda7e;
	long taken = 0, probes = 0;

	for (int r = 0; r < rounds; r++) {
		uint64_t s0 = seed, s1 = seed;
		struct harness *a = h_random(&s0), *b = h_random(&s1);

		seed = s0;
		b->early = true;
		check_vs_start(a->vs);
		check_vs_start(b->vs);
		while (tenv_step(&a->te, 300 * S))
			;
		while (tenv_step(&b->te, 300 * S))
			;
		CU_ASSERT_EQUAL(b->probes, a->probes);
		CU_ASSERT_EQUAL(b->stale, a->stale);
		probes += a->probes;
		CU_ASSERT_EQUAL(b->nev, a->nev);
		CU_ASSERT(memcmp(a->ev, b->ev, (size_t)(a->nev < b->nev ? a->nev : b->nev) *
						sizeof(a->ev[0])) == 0);
		CU_ASSERT(h_consistent(a) && h_consistent(b));
		taken += b->early_taken;
		h_free(a);
		h_free(b);
	}
	CU_ASSERT(taken > 1000 && taken < probes); /* the fast path was taken, not always */
}

static void test_random(void)
{
	int rounds = test_quick() ? 20 : 100;
	uint64_t seed = 0x5eed;
	long outcomes = 0, downs = 0, quorum_flips = 0, stale = 0;

	for (int r = 0; r < rounds; r++) {
		struct harness *h = h_random(&seed);
		int nrs = (int)h->vc.n_rs;

		check_vs_start(h->vs);
		CU_ASSERT(h_consistent(h));
		while (h->probes < 600) {
			if (!tenv_step(&h->te, INT64_MAX))
				break;
			if (!h_consistent(h)) {
				CU_FAIL("owner view differs from checker state");
				break;
			}
			if (rnd(&seed, 5000) == 0) {	/* process restart */
				check_vs_stop(h->vs);
				CU_ASSERT(!h->present[0]);
				for (int i = 0; i < nrs; i++)
					CU_ASSERT(!h->present[i + 1]);
				check_vs_start(h->vs);
			}
		}
		outcomes += h->probes;
		stale += h->stale;
		for (int i = 0; i < h->nev; i++) {
			downs += h->ev[i].op == 'S' && !h->ev[i].w;
			quorum_flips += h->ev[i].op == 'Q';
		}
		CU_ASSERT_EQUAL(h->bad_ops, 0);
		h_free(h);
	}
	CU_ASSERT(outcomes >= (test_quick() ? 10000 : 50000));
	/* the run is not vacuous: transitions of every sort happened */
	CU_ASSERT(downs > rounds);
	CU_ASSERT(quorum_flips > rounds / 4);
	CU_ASSERT(stale > 0);
	if (getenv("LBSIM_TEST_VERBOSE"))
		fprintf(stderr, "check random: %ld probes, %ld downs, %ld quorum, %ld stale\n",
			outcomes, downs, quorum_flips, stale);
}

/*
 * An operator's weight (check_vs_set_weight, keepalived's update_svr_wgt):
 * reaches IPVS at once only for a server in the pool, is kept for a failed
 * one until it comes back, counts towards quorum at once.
 */
static void test_set_weight(void)
{
	struct harness *h = h_tcp_fixture(3);

	h->rc[1].inhibit_on_failure = 1;
	h->vc.sorry_server = true;
	h->vc.quorum = 3;
	CU_ASSERT_EQUAL_FATAL(h_build(h), 0);
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 3, 1), -ENOENT);
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 0, -1), -EINVAL);
	check_vs_start(h->vs);
	h->check_each = true;
	h_run(h, 5 * S);
	/* in the pool: edited now */
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 0, 4), 0);
	CU_ASSERT(h->present[1] && h->weight[1] == 4);
	CU_ASSERT_EQUAL(check_vs_alive_weight(h->vs), 6);
	/* failed and inhibited: stays at 0, comes back at the new weight */
	h->srv[1].mode = SRV_REFUSE;
	h_run(h, 15 * S);
	CU_ASSERT(!check_vs_rs_alive(h->vs, 1) && h->present[2] && h->weight[2] == 0);
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 1, 7), 0);
	CU_ASSERT(h->present[2] && h->weight[2] == 0);
	h->srv[1].mode = SRV_OK;
	h_run(h, 25 * S);
	CU_ASSERT(check_vs_rs_alive(h->vs, 1) && h->weight[2] == 7);
	/* quorum 3: draining .21 and .22 leaves 1 < 3, the sorry server takes over */
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 0, 0), 0);
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 1, 0), 0);
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT(h->present[0] && h->weight[0] == 1 && !h->present[1] && !h->present[3]);
	CU_ASSERT(h->present[2] && h->weight[2] == 0);
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, CHECK_RS_SORRY, 3), 0);
	CU_ASSERT_EQUAL(h->weight[0], 3);
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 2, 2), 0);	/* 2 < 3 */
	CU_ASSERT(!check_vs_quorum_up(h->vs));
	CU_ASSERT_EQUAL(check_vs_set_weight(h->vs, 2, 3), 0);	/* 3: regained */
	CU_ASSERT(check_vs_quorum_up(h->vs));
	CU_ASSERT(!h->present[0] && h->present[1] && h->weight[1] == 0 && h->weight[3] == 3);
	CU_ASSERT(h_consistent(h));
	CU_ASSERT_EQUAL(h->bad_ops, 0);
	h_free(h);
}

int test_check_register(void)
{
	CU_pSuite s = CU_add_suite("check", NULL, NULL);

	if (!s)
		return -1;
	if (!CU_add_test(s, "defaults and inheritance", test_defaults) ||
	    !CU_add_test(s, "detection times (spec 5.5)", test_detect_times) ||
	    !CU_add_test(s, "recovery after one success", test_recovery) ||
	    !CU_add_test(s, "inhibit_on_failure vs removal", test_inhibit) ||
	    !CU_add_test(s, "alpha and start-up counter", test_alpha) ||
	    !CU_add_test(s, "warmup bounds", test_warmup) ||
	    !CU_add_test(s, "HTTP status ranges and digest", test_http_status) ||
	    !CU_add_test(s, "HTTP URL cycle and recovery", test_http_urls) ||
	    !CU_add_test(s, "MISC exit codes and misc_dynamic", test_misc) ||
	    !CU_add_test(s, "quorum, hysteresis, sorry server", test_quorum) ||
	    !CU_add_test(s, "late answer ignored", test_late_answer) ||
	    !CU_add_test(s, "read progress re-arms the timeout", test_progress) ||
	    !CU_add_test(s, "random outcomes keep IPVS consistent", test_random) ||
	    !CU_add_test(s, "answers taken at once change nothing", test_done_at) ||
	    !CU_add_test(s, "operator weight", test_set_weight))
		return -1;
	return 0;
}
