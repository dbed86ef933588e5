/*
 * algorithms/check/checker.h - keepalived 2.2.7's health checkers for one
 * virtual_server: per-checker timers and failure counting, real-server
 * state, the IPVS actions (remove / weight 0), quorum, hysteresis and the
 * sorry server. The probe itself is the owner's (simulated connect, real
 * socket); IPVS changes go out through callbacks.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_CHECK_CHECKER_H
#define LBSIM_ALGORITHMS_CHECK_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/env.h"

#define CHECK_NS_PER_S INT64_C(1000000000)

/* "Not configured here, inherit" for the time, count and flag fields. */
#define CHECK_UNSET (-1)

/* The real-server index the callbacks use for the sorry server. */
#define CHECK_RS_SORRY (-1)

#define CHECK_URL_MAX 8
#define CHECK_STATUS_MAX 8
#define CHECK_DIGEST_LEN 32

enum check_kind {
	CHECK_TCP = 0,
	CHECK_HTTP,	/* HTTP_GET */
	CHECK_SSL,	/* SSL_GET: same logic as HTTP_GET */
	CHECK_MISC,
	CHECK_DNS,
	CHECK_SMTP,
	CHECK_UDP,
	CHECK_PING,
	/* count, keep last */
	CHECK_KIND_COUNT
};

struct check_status_range {
	int lo, hi;	/* inclusive */
};

/* One `url { }` block of HTTP_GET / SSL_GET. */
struct check_url_conf {
	char path[128];				/* informational (the owner builds the request) */
	char digest[CHECK_DIGEST_LEN + 1];	/* "" = not checked; hex, any case */
	struct check_status_range status[CHECK_STATUS_MAX];
	int n_status;				/* 0 = the default 200-299 */
};

/* One checker block. Time fields in ns; CHECK_UNSET inherits rs <- vs <- kind default. */
struct check_conf {
	enum check_kind kind;
	int64_t delay_loop_ns;
	int64_t connect_timeout_ns;
	int retry;
	int64_t delay_before_retry_ns;
	int64_t warmup_ns;
	int alpha;				/* CHECK_UNSET, 0 or 1 */
	struct check_url_conf urls[CHECK_URL_MAX];	/* HTTP/SSL: >= 1 needed */
	int n_urls;
	bool fast_recovery;			/* HTTP/SSL */
	int64_t misc_timeout_ns;		/* MISC: CHECK_UNSET = the VS delay_loop */
	bool misc_dynamic;			/* MISC */
};

/* One real_server block; <checkers> is copied by check_vs_new. */
struct check_rs_conf {
	char name[48];				/* "ip:port", for log lines */
	int64_t weight;				/* CHECK_UNSET = the VS `weight` */
	int inhibit_on_failure;			/* CHECK_UNSET, 0 or 1 */
	int alpha;				/* CHECK_UNSET, 0 or 1 */
	int64_t delay_loop_ns, connect_timeout_ns, delay_before_retry_ns, warmup_ns;
	int retry;
	const struct check_conf *checkers;
	size_t n_checkers;
};

/* One virtual_server block; <rs> (and their checkers) are copied by check_vs_new. */
struct check_vs_conf {
	char name[48];
	int64_t delay_loop_ns;			/* 60 s */
	int64_t connect_timeout_ns;		/* 5 s */
	int retry;				/* CHECK_UNSET; >= 1 when set */
	int64_t delay_before_retry_ns;		/* CHECK_UNSET */
	int64_t warmup_ns;			/* CHECK_UNSET = each checker's delay_loop */
	bool inhibit_on_failure;
	bool alpha;
	int64_t quorum;				/* 1 */
	int64_t hysteresis;			/* 0 */
	int64_t weight;				/* 1: default RS weight */
	bool sorry_server;			/* a sorry_server is configured */
	bool sorry_server_inhibit;
	int64_t sorry_weight;			/* 1 */
	const struct check_rs_conf *rs;
	size_t n_rs;
};

enum check_outcome {
	CHECK_RESULT_OK = 0,	/* connect / reply / ping OK (not for HTTP or MISC) */
	CHECK_RESULT_REFUSED,	/* RST, ICMP unreachable: fails at once */
	CHECK_RESULT_ERROR,	/* any other failure the owner detected */
	CHECK_RESULT_HTTP,	/* HTTP/SSL response: status and body digest */
	CHECK_RESULT_EXIT,	/* MISC: the script's exit code */
};

struct check_result {
	enum check_outcome outcome;
	int status;				/* CHECK_RESULT_HTTP */
	char digest[CHECK_DIGEST_LEN + 1];	/* CHECK_RESULT_HTTP: MD5 hex of the body */
	int exit_code;				/* CHECK_RESULT_EXIT: 0..255 */
};

enum check_ck_state {
	CHECK_CK_IDLE = 0,	/* not started */
	CHECK_CK_WAIT,		/* next attempt scheduled */
	CHECK_CK_PROBE,		/* attempt in flight, timeout armed */
};

struct check_vs;
struct check_checker;

/*
 * What the owner implements. rs is the real-server index in the conf, or
 * CHECK_RS_SORRY. rs_up adds the destination with <weight>, rs_down deletes
 * it, rs_weight edits the weight of a present destination; the module never
 * adds a present destination nor touches an absent one. probe_start asks
 * for one attempt (answer with check_probe_done(ck, attempt, ...) any time
 * later, or never; an owner that knows the answer and its arrival time at
 * once may offer it from inside probe_start with check_probe_done_at);
 * probe_cancel (may be NULL) says the attempt timed out
 * or the checker stopped, so the owner may drop it. rs_state and
 * quorum_state (may be NULL) report transitions (notify_up/down,
 * quorum_up/down scripts), also while IPVS is not touched. rand_ns (may be
 * NULL = always 0) returns a uniform integer in [0, max_ns] (warmup).
 * changed (may be NULL) comes once a real server's state or weight change
 * has been carried through (IPVS, notifications, quorum and sorry server):
 * the owner's service must then agree with the module (its sanity checks).
 */
struct check_callbacks {
	void *ctx;
	void (*probe_start)(void *ctx, struct check_checker *ck, int rs, int checker, int url,
			    uint64_t attempt, int64_t timeout_ns);
	void (*probe_cancel)(void *ctx, struct check_checker *ck, uint64_t attempt);
	void (*rs_up)(void *ctx, int rs, int64_t weight);
	void (*rs_down)(void *ctx, int rs);
	void (*rs_weight)(void *ctx, int rs, int64_t weight);
	void (*rs_state)(void *ctx, int rs, bool alive);
	void (*quorum_state)(void *ctx, bool up);
	int64_t (*rand_ns)(void *ctx, int64_t max_ns);
	void (*changed)(void *ctx);
};

/* Configuration with keepalived's defaults. */
void check_conf_init(struct check_conf *c, enum check_kind kind);
void check_rs_conf_init(struct check_rs_conf *c);
void check_vs_conf_init(struct check_vs_conf *c);
/* Parse "200-299 304" into <u>; 0 or -EINVAL (nothing changed). */
int check_url_parse_status(struct check_url_conf *u, const char *s);
const char *check_kind_name(enum check_kind k);
int check_kind_default_retry(enum check_kind k);

int check_vs_new(const struct check_vs_conf *conf, const struct lb_env *env,
		 const struct check_callbacks *cb, struct check_vs **out);
void check_vs_free(struct check_vs *vs);
int check_vs_start(struct check_vs *vs);
void check_vs_stop(struct check_vs *vs);

int check_probe_done(struct check_checker *ck, uint64_t attempt, const struct check_result *r);
int check_probe_done_at(struct check_checker *ck, uint64_t attempt, const struct check_result *r,
			int64_t done_ns);
int check_vs_set_weight(struct check_vs *vs, int rs, int64_t weight);
int check_probe_progress(struct check_checker *ck, uint64_t attempt);

/* Accessors. rs and checker indices follow the conf. */
size_t check_vs_rs_count(const struct check_vs *vs);
size_t check_vs_checker_count(const struct check_vs *vs, int rs);
struct check_checker *check_vs_checker(struct check_vs *vs, int rs, int checker);
bool check_vs_rs_alive(const struct check_vs *vs, int rs);
int64_t check_vs_rs_weight(const struct check_vs *vs, int rs);	/* effective (misc_dynamic) */
bool check_vs_rs_inhibit(const struct check_vs *vs, int rs);
/* What the module believes IPVS holds for <rs> (or CHECK_RS_SORRY). */
bool check_vs_rs_in_ipvs(const struct check_vs *vs, int rs, int64_t *weight);
bool check_vs_quorum_up(const struct check_vs *vs);
int64_t check_vs_alive_weight(const struct check_vs *vs);
int64_t check_vs_quorum(const struct check_vs *vs);	/* after keepalived's corrections */
int64_t check_vs_hysteresis(const struct check_vs *vs);
bool check_vs_sorry_active(const struct check_vs *vs);

bool check_checker_up(const struct check_checker *ck);
int check_checker_failures(const struct check_checker *ck);
enum check_ck_state check_checker_state(const struct check_checker *ck);
int check_checker_url(const struct check_checker *ck);
int64_t check_checker_next_ns(const struct check_checker *ck);	/* WAIT: next attempt */
/* The resolved timings (inheritance and kind defaults applied). */
int64_t check_checker_delay_loop_ns(const struct check_checker *ck);
int64_t check_checker_delay_before_retry_ns(const struct check_checker *ck);
int64_t check_checker_timeout_ns(const struct check_checker *ck);
int64_t check_checker_warmup_ns(const struct check_checker *ck);
int check_checker_retry(const struct check_checker *ck);

bool check_vs_sane(const struct check_vs *vs);

#endif /* LBSIM_ALGORITHMS_CHECK_CHECKER_H */
