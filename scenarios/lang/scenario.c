/*
 * scenarios/lang/scenario.c - binds the statement tree of a scenario file
 * into struct scenario: lbsim's own blocks through parameter tables,
 * keepalived's LVS blocks through their keywords (spec/vrrp-keepalived.md
 * 4.7, 4.8), its VRRP blocks (vrrp_instance, vrrp_script, vrrp_sync_group
 * and global_defs' VRRP keywords, spec 3, 4.3-4.6) into plain per-director
 * config, everything else of keepalived accepted with one warning.
 *
 * Called by `lbsim run|check|compare|...`, the shim and the tests, once per
 * scenario (per replication at most); everything is built fresh and freed
 * by scenario_free(). Scenarios hold tens of blocks and up to thousands of
 * real servers (address ranges), so lookups are linear.
 *
 * lbsim blocks (simulation, clients, server, link, director's own keys,
 * expect) allow several "key value..." pairs on one line: a line is split
 * into items using each key's arity from the tables below (a distribution
 * or arrival value takes as many words as its kind needs). --set overrides
 * work on those items before any value is converted, so an override is
 * checked exactly like the file's text.
 *
 * SPDX-License-Identifier: MIT
 */
#include "scenarios/lang/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenarios/lang/lexer.h"
#include "scenarios/lang/units.h"
#include "sim/xalloc.h"

/* ---- parameter tables (STYLE 13) ---- */

enum scn_ptype {
	SCN_PT_DURATION,   /* sim_time_t ns */
	SCN_PT_UINT,	   /* unsigned within min..max */
	SCN_PT_U64,	   /* uint64_t within min..max */
	SCN_PT_POSREAL,	   /* double > 0 */
	SCN_PT_BANDWIDTH,  /* double, bits per second */
	SCN_PT_FRACTION,   /* double 0..1 */
	SCN_PT_UPDOWN,	   /* bool: up | down */
	SCN_PT_ENUM,	   /* int: index in names[] */
	SCN_PT_NAME,	   /* char *, owned */
	SCN_PT_DIST_TIME,  /* struct dist in seconds */
	SCN_PT_DIST_SIZE,  /* struct dist in bytes */
	SCN_PT_DIST_COUNT, /* struct dist, plain numbers */
	SCN_PT_ARRIVAL,	   /* struct scn_arrival */
	SCN_PT_TARGET,	   /* clients: target and target_port */
	SCN_PT_SOURCES,	   /* clients: src_base and src_prefix */
	SCN_PT_PROTO,	   /* uint8_t: TCP | UDP */
};

struct scn_param {
	const char *name;
	enum scn_ptype type;
	unsigned arity;	 /* words after the key; 0 = decided by the value's kind */
	const char *def; /* default, as it would be written; NULL = none */
	const char *help;
	size_t off;
	long long min, max;	  /* SCN_PT_UINT, SCN_PT_U64 */
	const char *const *names; /* SCN_PT_ENUM */
};

static const char *const fidelity_names[] = { "request", "packet", NULL };
static const char *const kernel_names[] = { "current", "legacy", NULL };
static const char *const discipline_names[] = { "fifo", "ps", NULL };

/* clang-format off */
/* Table rows: plain, ranged integer, enumeration. */
#define SCN_P(n, t, a, d, h, o) { .name = n, .type = t, .arity = a, .def = d, .help = h, .off = o }
#define SCN_PI(n, t, d, h, o, lo, hi) \
	{ .name = n, .type = t, .arity = 1, .def = d, .help = h, .off = o, .min = lo, .max = hi }
#define SCN_PE(n, d, h, o, nm) \
	{ .name = n, .type = SCN_PT_ENUM, .arity = 1, .def = d, .help = h, .off = o, .names = nm }
#define SCN_PEND { .name = NULL }

/* Keys per block at most: the size of every block's given[] location array. */
#define SCN_PARAMS_MAX 16

static const struct scn_param sim_params[] = {
	SCN_P("duration", SCN_PT_DURATION, 1, "60s", "simulated time",
	      offsetof(struct scn_sim, duration_ns)),
	SCN_P("warmup", SCN_PT_DURATION, 1, "0s", "time before statistics are kept",
	      offsetof(struct scn_sim, warmup_ns)),
	SCN_PI("seed", SCN_PT_U64, "1", "root of every random stream",
	       offsetof(struct scn_sim, seed), 0, LLONG_MAX),
	SCN_PE("fidelity", "request", "request or packet", offsetof(struct scn_sim, fidelity),
	       fidelity_names),
	SCN_PE("kernel", "current", "current or legacy (IPVS profile)",
	       offsetof(struct scn_sim, kernel), kernel_names),
	SCN_P("fin_timeout", SCN_PT_DURATION, 1, "120s", "linger of a closed connection",
	      offsetof(struct scn_sim, fin_timeout_ns)),
	SCN_PI("max_requests", SCN_PT_U64, "0", "stop after this many completed (0 = no limit)",
	       offsetof(struct scn_sim, max_requests), 0, LLONG_MAX),
	SCN_PEND,
};

/* Indexes 1 and 2 (arrival, target) are checked as required by scn_bind_clients. */
static const struct scn_param clients_params[] = {
	SCN_P("sources", SCN_PT_SOURCES, 1, "198.51.100.0/24", "client addresses A/N", 0),
	SCN_P("arrival", SCN_PT_ARRIVAL, 0, NULL,
	      "poisson RATE | deterministic RATE | onoff RATE ON OFF (required)", 0),
	SCN_P("target", SCN_PT_TARGET, 1, NULL, "virtual service IP:PORT (required)", 0),
	SCN_P("protocol", SCN_PT_PROTO, 1, "TCP", "TCP | UDP", offsetof(struct scn_clients, proto)),
	SCN_P("service", SCN_PT_DIST_TIME, 0, "exponential 10ms", "work per request at speed 1",
	      offsetof(struct scn_clients, service)),
	SCN_P("request_size", SCN_PT_DIST_SIZE, 0, "deterministic 300", "request bytes",
	      offsetof(struct scn_clients, request_size)),
	SCN_P("response_size", SCN_PT_DIST_SIZE, 0, "deterministic 10000", "response bytes",
	      offsetof(struct scn_clients, response_size)),
	SCN_P("requests", SCN_PT_DIST_COUNT, 0, "deterministic 1", "requests per connection",
	      offsetof(struct scn_clients, requests)),
	SCN_P("think", SCN_PT_DIST_TIME, 0, "deterministic 0", "time between requests",
	      offsetof(struct scn_clients, think)),
	SCN_P("timeout", SCN_PT_DURATION, 1, "0s", "response timeout (0 = none)",
	      offsetof(struct scn_clients, timeout_ns)),
	SCN_PI("retries", SCN_PT_UINT, "0", "reconnects after a refusal",
	       offsetof(struct scn_clients, retries), 0, 1000000),
	SCN_P("retry_delay", SCN_PT_DURATION, 1, "1s", "wait before a retry",
	      offsetof(struct scn_clients, retry_delay_ns)),
	SCN_P("link", SCN_PT_NAME, 1, NULL, "clients <-> director link",
	      offsetof(struct scn_clients, link)),
	SCN_PEND,
};

static const struct scn_param server_params[] = {
	SCN_PI("workers", SCN_PT_UINT, "1", "requests served at once",
	       offsetof(struct scn_server, workers), 1, 1000000),
	SCN_P("speed", SCN_PT_POSREAL, 1, "1.0", "work done per second",
	      offsetof(struct scn_server, speed)),
	SCN_PI("backlog", SCN_PT_UINT, "1024", "waiting requests before refusing",
	       offsetof(struct scn_server, backlog), 0, UINT_MAX),
	SCN_PE("discipline", "fifo", "fifo or ps", offsetof(struct scn_server, discipline),
	       discipline_names),
	SCN_P("state", SCN_PT_UPDOWN, 1, "up", "up | down", offsetof(struct scn_server, up)),
	SCN_P("link", SCN_PT_NAME, 1, NULL, "director <-> server link",
	      offsetof(struct scn_server, link)),
	SCN_PEND,
};

static const struct scn_param link_params[] = {
	SCN_P("latency", SCN_PT_DURATION, 1, "0s", "one-way delay",
	      offsetof(struct scn_link, latency_ns)),
	SCN_P("bandwidth", SCN_PT_BANDWIDTH, 1, "0", "bits per second (0 = unlimited)",
	      offsetof(struct scn_link, bandwidth_bps)),
	SCN_P("loss", SCN_PT_FRACTION, 1, "0", "loss probability per packet",
	      offsetof(struct scn_link, loss)),
	SCN_PI("mtu", SCN_PT_UINT, "1500", "bytes", offsetof(struct scn_link, mtu), 68, 65535),
	SCN_P("state", SCN_PT_UPDOWN, 1, "up", "up | down", offsetof(struct scn_link, up)),
	SCN_PEND,
};

static const struct scn_param director_params[] = {
	SCN_P("cpu_per_packet", SCN_PT_DURATION, 1, "1us", "director CPU per packet",
	      offsetof(struct scn_director, cpu_per_packet_ns)),
	SCN_P("nic", SCN_PT_BANDWIDTH, 1, "10Gbit", "director NIC",
	      offsetof(struct scn_director, nic_bps)),
	SCN_PI("sched_d", SCN_PT_UINT, "2", "samples of pod and podnr",
	       offsetof(struct scn_director, sched_d), 1, 64),
	SCN_PI("mh_table", SCN_PT_UINT, "4093", "mh table size (a kernel prime)",
	       offsetof(struct scn_director, mh_table), 251, 131071),
	SCN_PI("sh_bits", SCN_PT_UINT, "8", "sh table size as bits (4..20)",
	       offsetof(struct scn_director, sh_bits), 4, 20),
	SCN_PEND,
};

#define SCN_PARAMS_FIT(a) \
	_Static_assert(sizeof(a) / sizeof(a[0]) <= SCN_PARAMS_MAX + 1, #a " has too many keys")
SCN_PARAMS_FIT(sim_params);
SCN_PARAMS_FIT(clients_params);
SCN_PARAMS_FIT(server_params);
SCN_PARAMS_FIT(link_params);
SCN_PARAMS_FIT(director_params);

struct scn_block {
	const char *name;
	bool named;			/* "clients NAME {", not "simulation {" */
	const struct scn_param *params; /* NULL: expect (keys are metrics) */
};

enum { BLK_SIM, BLK_CLIENTS, BLK_SERVER, BLK_LINK, BLK_DIRECTOR, BLK_EXPECT, BLK_COUNT };

static const struct scn_block scn_blocks[BLK_COUNT] = {
	[BLK_SIM] = { "simulation", false, sim_params },
	[BLK_CLIENTS] = { "clients", true, clients_params },
	[BLK_SERVER] = { "server", true, server_params },
	[BLK_LINK] = { "link", true, link_params },
	[BLK_DIRECTOR] = { "director", true, director_params },
	[BLK_EXPECT] = { "expect", false, NULL },
};

enum scn_metric_unit { MU_COUNT, MU_RATE, MU_TIME, MU_RATIO, MU_FRACTION };

const char *const scn_expect_metrics[] = {
	"requests",	 "completed",	 "refused",	 "failed",
	"timed_out",	 "throughput",	 "mean_response", "p50_response",
	"p90_response", "p99_response", "p999_response", "imbalance",
	"cov",		 "utilization_max", "takeover_max", NULL,
};

static const enum scn_metric_unit scn_metric_units[] = {
	MU_COUNT, MU_COUNT, MU_COUNT, MU_COUNT, MU_COUNT, MU_RATE, MU_TIME, MU_TIME,
	MU_TIME,  MU_TIME,  MU_TIME,  MU_RATIO, MU_RATIO, MU_FRACTION, MU_TIME,
};

/* clang-format on */

static const char *const scn_cmp_names[SCN_CMP_COUNT] = { "<", "<=", ">", ">=", "==", "!=" };

/* The operator as written ("<=" ...), "?" out of range. */
const char *scn_cmp_str(enum scn_cmp op)
{
	if ((unsigned)op >= SCN_CMP_COUNT)
		return "?";
	return scn_cmp_names[op];
}

/* ---- keepalived keywords (spec/vrrp-keepalived.md 4.2, 4.7, 4.8) ---- */

/* clang-format off */
static const char *const kad_top_keywords[] = {
	"global_defs", "linkbeat_interfaces", "interface_up_down_delays", "track_group",
	"static_ipaddress", "static_routes", "static_rules", "track_file", "vrrp_track_file",
	"vrrp_track_process", "bfd_instance", "vrrp_script", "vrrp_sync_group", "garp_group",
	"vrrp_instance", "virtual_server_group", "virtual_server", "SSL", "net_namespace",
	"net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir",
	"linkbeat_use_polling", "child_wait_time", NULL,
};

static const char *const kad_vs_keywords[] = {
	"lb_algo", "lvs_sched", "lb_kind", "lvs_method", "protocol", "persistence_timeout",
	"persistence_granularity", "persistence_engine", "ops", "flag-1", "flag-2", "flag-3",
	"sh-port", "sh-fallback", "mh-port", "mh-fallback", "hashed", "delay_loop",
	"connect_timeout", "retry", "delay_before_retry", "warmup", "inhibit_on_failure", "alpha",
	"omega", "quorum", "hysteresis", "quorum_up", "quorum_down", "sorry_server",
	"sorry_server_inhibit", "sorry_server_lvs_method", "weight", "virtualhost", "ha_suspend",
	"ip_family", "smtp_alert", "snmp_name", "real_server", NULL,
};

static const char *const kad_rs_keywords[] = {
	"weight", "lvs_method", "inhibit_on_failure", "alpha", "notify_up", "notify_down",
	"uthreshold", "lthreshold", "retry", "delay_before_retry", "connect_timeout", "delay_loop",
	"warmup", "smtp_alert", "virtualhost", "snmp_name", "TCP_CHECK", "HTTP_GET", "SSL_GET",
	"MISC_CHECK", "DNS_CHECK", "SMTP_CHECK", "UDP_CHECK", "PING_CHECK", "BFD_CHECK",
	"FILE_CHECK", NULL,
};

/* clang-format on */

/* ---- the binder's state ---- */

struct scn_item {
	const struct scn_param *p; /* NULL in expect */
	const struct lex_token *key;
	const struct lex_token *args;
	size_t nargs;
};

struct scn_items {
	struct scn_item *v;
	size_t n, cap;
};

/* One --set, parsed and tokenized up front. */
struct scn_pset {
	const char *path;
	int blk;
	char *name;		   /* NULL for simulation and expect */
	const struct scn_param *p; /* NULL for expect */
	struct lex_token key;	   /* the key, located at --set:1:1 */
	struct lex_node val;	   /* the value's tokens: val.kids[0] */
	bool used;
};

struct scn_ctx {
	struct scenario *scn;
	struct lexer *lx;
	struct scn_pset *sets;
	size_t nsets;
	char *err;
	size_t errlen;
	const char **warned; /* keepalived keywords already warned about */
	size_t nwarned;
	const struct lex_node **groups; /* virtual_server_group nodes */
	const char **group_dirs;	/* the director each is in; NULL: top level */
	size_t ngroups;
	const char *set_file; /* interned "--set" */
	char *top_dir;	      /* directory of the scenario file, with '/' or "" */
	size_t implicit_dir;  /* index + 1 of the director of top-level blocks, 0 = none */
	const struct lex_node **faults; /* fault {} blocks, bound after the rest */
	size_t nfaults;
	char ubuf[256];	      /* units' messages */
};

/* Write "file:line:col: error: MSG" into ctx->err; returns -EINVAL for chaining. */
__attribute__((format(printf, 3, 4))) static int
scn_error(struct scn_ctx *ctx, const struct scn_loc *loc, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s:%d:%d: error: %s", loc->file, loc->line,
			 loc->col, msg);
	return -EINVAL;
}

/* Append the formatted warning <w> (ownership moves to the scenario). */
static void scn_add_warning(struct scenario *scn, char *w)
{
	scn->warnings = xrealloc(scn->warnings, (scn->nwarnings + 1) * sizeof(*scn->warnings));
	scn->warnings[scn->nwarnings++] = w;
}

/* Append "file:line:col: warning: MSG" to the scenario's warnings. */
__attribute__((format(printf, 3, 4))) static void
scn_warn(struct scn_ctx *ctx, const struct scn_loc *loc, const char *fmt, ...)
{
	char msg[768], *w;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s:%d:%d: warning: %s", loc->file, loc->line, loc->col, msg);
	w = xmalloc((size_t)n + 1);
	snprintf(w, (size_t)n + 1, "%s:%d:%d: warning: %s", loc->file, loc->line, loc->col, msg);
	scn_add_warning(ctx->scn, w);
}

/* Warn once per keyword that keepalived accepts and lbsim does not model. */
static void scn_warn_unmodelled(struct scn_ctx *ctx, const struct lex_token *kw)
{
	for (size_t i = 0; i < ctx->nwarned; i++)
		if (!strcmp(ctx->warned[i], kw->text))
			return;
	ctx->warned = xrealloc(ctx->warned, (ctx->nwarned + 1) * sizeof(*ctx->warned));
	ctx->warned[ctx->nwarned++] = kw->text;
	scn_warn(ctx, &kw->loc, "keepalived keyword '%s' is not modelled yet (ignored)", kw->text);
}

/* Is <s> in the NULL-terminated <list>? */
static bool scn_in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* "a, b, c" of a NULL-terminated list or a parameter table, into buf. */
static const char *scn_join(char *buf, size_t len, const char *const *list,
			    const struct scn_param *params)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; list ? list[i] != NULL : params[i].name != NULL; i++) {
		const char *s = list ? list[i] : params[i].name;

		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", s);
	}
	return buf;
}

/* The parameter named <name> in <params>, NULL when none. */
static const struct scn_param *scn_param_find(const struct scn_param *params, const char *name)
{
	for (const struct scn_param *p = params; p && p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* Index of metric <name> in scn_expect_metrics, -1 when unknown. */
static int scn_metric_find(const char *name)
{
	for (int i = 0; scn_expect_metrics[i]; i++)
		if (!strcmp(scn_expect_metrics[i], name))
			return i;
	return -1;
}

/* ---- splitting lines into (key, args) items ---- */

static const char *const arrival_names[] = { "poisson", "deterministic", "onoff", NULL };
static const unsigned arrival_nparams[] = { 1, 1, 3 };

/*
 * How many words follow <key> for parameter <p> (NULL: an expect metric),
 * given the <avail> words after it in <args>. Returns 0 and *n, or
 * -EINVAL naming what was expected.
 */
static int scn_arity(struct scn_ctx *ctx, const struct scn_param *p, const struct lex_token *key,
		     const struct lex_token *args, size_t avail, size_t *n)
{
	char list[256];
	enum dist_kind kind;

	if (!p) {
		*n = 2;
		return 0;
	}
	if (p->arity) {
		*n = p->arity;
		return 0;
	}
	if (p->type == SCN_PT_ARRIVAL) {
		if (!avail)
			return scn_error(ctx, &key->loc, "arrival: expected %s", p->help);
		for (size_t i = 0; arrival_names[i]; i++) {
			if (!strcmp(args[0].text, arrival_names[i])) {
				*n = 1 + arrival_nparams[i];
				return 0;
			}
		}
		return scn_error(ctx, &args[0].loc,
				 "arrival: unknown arrival process '%s'; expected one of %s",
				 args[0].text, scn_join(list, sizeof(list), arrival_names, NULL));
	}
	/* distributions */
	{
		const char *kinds[DIST_KIND_COUNT + 1];

		for (int k = 0; k < DIST_KIND_COUNT; k++)
			kinds[k] = dist_kind_name((enum dist_kind)k);
		kinds[DIST_KIND_COUNT] = NULL;
		if (!avail)
			return scn_error(ctx, &key->loc, "%s: expected a distribution: one of %s",
					 p->name, scn_join(list, sizeof(list), kinds, NULL));
		if (dist_kind_from_name(args[0].text, &kind))
			return scn_error(ctx, &args[0].loc,
					 "%s: unknown distribution '%s'; expected one of %s",
					 p->name, args[0].text,
					 scn_join(list, sizeof(list), kinds, NULL));
		*n = 1 + dist_kind_nparams(kind);
	}
	return 0;
}

/* Append an item; <key> and <args> stay owned by the tree or the --set. */
static void scn_items_add(struct scn_items *it, const struct scn_param *p,
			  const struct lex_token *key, const struct lex_token *args, size_t nargs)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? 2 * it->cap : 16;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	it->v[it->n].p = p;
	it->v[it->n].key = key;
	it->v[it->n].args = args;
	it->v[it->n].nargs = nargs;
	it->n++;
}

/* Is <t> a key of block <blk> (so not a value)? */
static bool scn_is_key(int blk, const struct lex_token *t)
{
	if (t->quoted)
		return false;
	if (scn_blocks[blk].params)
		return scn_param_find(scn_blocks[blk].params, t->text) != NULL;
	return scn_metric_find(t->text) >= 0;
}

/*
 * Look up the key <t> in block <blk>: *p is its parameter (NULL for an
 * expect metric). Returns 0 or -EINVAL naming the valid keys.
 */
static int scn_key(struct scn_ctx *ctx, int blk, const struct lex_token *t,
		   const struct scn_param **p)
{
	char list[512];

	if (scn_blocks[blk].params) {
		*p = t->quoted ? NULL : scn_param_find(scn_blocks[blk].params, t->text);
		if (!*p)
			return scn_error(
				ctx, &t->loc, "unknown key '%s' in %s; expected one of %s", t->text,
				scn_blocks[blk].name,
				scn_join(list, sizeof(list), NULL, scn_blocks[blk].params));
		return 0;
	}
	*p = NULL;
	if (t->quoted || scn_metric_find(t->text) < 0)
		return scn_error(ctx, &t->loc, "unknown expect metric '%s'; expected one of %s",
				 t->text, scn_join(list, sizeof(list), scn_expect_metrics, NULL));
	return 0;
}

/*
 * Check that <key> has its <need> values among the <avail> words at
 * <args>: a word that is itself a key of the block means values are
 * missing. Returns 0 or -EINVAL.
 */
static int scn_check_args(struct scn_ctx *ctx, int blk, const struct scn_param *p,
			  const struct lex_token *key, const struct lex_token *args, size_t avail,
			  size_t need, bool exact)
{
	size_t got = 0;

	while (got < avail && got < need && !scn_is_key(blk, &args[got]))
		got++;
	if (got == need && (!exact || avail == need))
		return 0;
	if (exact && avail > need)
		return scn_error(ctx, &args[need].loc, "%s: expected %zu value(s), got %zu",
				 key->text, need, avail);
	if (p && !p->arity && got >= 1)
		return scn_error(ctx, got < avail ? &args[got].loc : &args[got - 1].loc,
				 "%s: %s takes %zu parameter(s), got %zu", key->text, args[0].text,
				 need - 1, got - 1);
	return scn_error(ctx, got < avail ? &args[got].loc : &key->loc,
			 "%s: expected %zu value(s) after '%s', got %zu%s%s", key->text, need,
			 key->text, got, p && p->help ? " - " : "", p && p->help ? p->help : "");
}

/* Split statement <n> of block <blk> into items. Returns 0 or -EINVAL. */
static int scn_split(struct scn_ctx *ctx, int blk, const struct lex_node *n, struct scn_items *it)
{
	size_t i = 0;

	if (n->block)
		return scn_error(ctx, &n->open, "'%s' in %s takes no { } block", n->tok[0].text,
				 scn_blocks[blk].name);
	while (i < n->ntok) {
		const struct lex_token *key = &n->tok[i];
		const struct scn_param *p;
		size_t need;

		if (scn_key(ctx, blk, key, &p) ||
		    scn_arity(ctx, p, key, key + 1, n->ntok - i - 1, &need) ||
		    scn_check_args(ctx, blk, p, key, key + 1, n->ntok - i - 1, need, false))
			return -EINVAL;
		scn_items_add(it, p, key, key + 1, need);
		i += 1 + need;
	}
	return 0;
}

/* Replace <it>'s items for the sets of block <blk> named <name>, or add them. */
static void scn_apply_sets(struct scn_ctx *ctx, int blk, const char *name, struct scn_items *it)
{
	for (size_t s = 0; s < ctx->nsets; s++) {
		struct scn_pset *ps = &ctx->sets[s];
		size_t j = 0;

		if (ps->blk != blk)
			continue;
		if (scn_blocks[blk].named && strcmp(ps->name, name))
			continue;
		ps->used = true;
		for (size_t i = 0; i < it->n; i++)
			if (strcmp(it->v[i].key->text, ps->key.text))
				it->v[j++] = it->v[i];
		it->n = j;
		scn_items_add(it, ps->p, &ps->key, ps->val.kids[0].tok, ps->val.kids[0].ntok);
	}
}

/* ---- typed conversion ---- */

static char *scn_dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? xstrndup(file, (size_t)(slash - file) + 1) : xstrdup("");
}

/* Parse token <t> as an address for <what>. Returns 0 or -EINVAL. */
static int scn_addr(struct scn_ctx *ctx, const struct lex_token *t, const char *what,
		    struct lb_addr *out)
{
	if (lb_addr_parse(t->text, out))
		return scn_error(ctx, &t->loc, "%s: expected an IPv4 or IPv6 address, got '%s'",
				 what, t->text);
	return 0;
}

/* All-ones in the first <prefix> bits of family <af>. */
static void scn_mask(uint8_t af, unsigned prefix, struct lb_addr *m)
{
	memset(m, 0, sizeof(*m));
	m->af = af;
	if (af == LB_AF_INET) {
		m->u.v4 = prefix ? (uint32_t)(0xffffffffull << (32 - prefix)) : 0;
		return;
	}
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefix > 8 * i ? prefix - 8 * i : 0;

		m->u.v6[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
	}
}

/* Does <a> have bits outside mask <m> (same family)? */
static bool scn_has_host_bits(const struct lb_addr *a, const struct lb_addr *m)
{
	if (a->af == LB_AF_INET)
		return (a->u.v4 & ~m->u.v4) != 0;
	for (int i = 0; i < 16; i++)
		if (a->u.v6[i] & ~m->u.v6[i])
			return true;
	return false;
}

/* A distribution value; unit by <type>. Returns 0 or -EINVAL. */
static int scn_conv_dist(struct scn_ctx *ctx, const struct scn_item *it, struct dist *field)
{
	const struct lex_token *a = it->args;
	const char *key = it->key->text;
	double p[2] = { 0, 0 };
	const char *why = NULL;
	enum dist_kind kind;
	struct dist tmp;

	dist_kind_from_name(a[0].text, &kind); /* checked by scn_arity */
	if (kind == DIST_EMPIRICAL) {
		char *dir, *path, msg[512];

		dir = (a[1].loc.file == ctx->set_file || a[1].text[0] == '/')
			      ? xstrdup(a[1].text[0] == '/' ? "" : ctx->top_dir)
			      : scn_dir_of(a[1].loc.file);
		path = xmalloc(strlen(dir) + strlen(a[1].text) + 1);
		strcpy(path, dir);
		strcat(path, a[1].text);
		free(dir);
		if (dist_load_empirical(&tmp, path, 1.0, msg, sizeof(msg))) {
			dist_fini(&tmp);
			free(path);
			return scn_error(ctx, &a[1].loc, "%s: empirical: %s", key, msg);
		}
		if (lexer_account_file(ctx->lx, path, msg, sizeof(msg))) {
			dist_fini(&tmp);
			free(path);
			return scn_error(ctx, &a[1].loc, "%s: empirical: %s", key, msg);
		}
		free(path);
		dist_fini(field);
		*field = tmp;
		return 0;
	}
	for (size_t i = 1; i < it->nargs; i++) {
		bool shape = i == 2 && (kind == DIST_PARETO || kind == DIST_WEIBULL);
		int r;

		if (shape || it->p->type == SCN_PT_DIST_COUNT)
			r = units_number(a[i].text, &p[i - 1], ctx->ubuf, sizeof(ctx->ubuf));
		else if (it->p->type == SCN_PT_DIST_TIME)
			r = units_duration_sec(a[i].text, &p[i - 1], ctx->ubuf, sizeof(ctx->ubuf));
		else
			r = units_size(a[i].text, &p[i - 1], ctx->ubuf, sizeof(ctx->ubuf));
		if (r)
			return scn_error(ctx, &a[i].loc, "%s: %s", key, ctx->ubuf);
	}
	if (dist_init(&tmp, kind, p[0], p[1], &why)) {
		dist_fini(&tmp);
		return scn_error(ctx, &a[0].loc, "%s: %s: %s", key, a[0].text,
				 why ? why : "bad parameters");
	}
	dist_fini(field);
	*field = tmp;
	return 0;
}

/* "KIND RATE [ON OFF]" into *ar; RATE > 0, ON > 0. Returns 0 or -EINVAL. */
static int scn_conv_arrival(struct scn_ctx *ctx, const struct scn_item *it, struct scn_arrival *ar)
{
	const struct lex_token *a = it->args;
	struct scn_arrival v = { 0 };

	for (int k = 0; arrival_names[k]; k++)
		if (!strcmp(a[0].text, arrival_names[k]))
			v.kind = (enum scn_arrival_kind)k;
	if (units_rate(a[1].text, &v.rate_per_s, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &a[1].loc, "arrival: %s", ctx->ubuf);
	if (v.rate_per_s <= 0)
		return scn_error(ctx, &a[1].loc, "arrival: the rate must be > 0, got '%s'",
				 a[1].text);
	if (v.kind == SCN_ARRIVAL_ONOFF) {
		if (units_duration(a[2].text, &v.on_ns, ctx->ubuf, sizeof(ctx->ubuf)))
			return scn_error(ctx, &a[2].loc, "arrival: onoff ON: %s", ctx->ubuf);
		if (units_duration(a[3].text, &v.off_ns, ctx->ubuf, sizeof(ctx->ubuf)))
			return scn_error(ctx, &a[3].loc, "arrival: onoff OFF: %s", ctx->ubuf);
		if (v.on_ns <= 0)
			return scn_error(ctx, &a[2].loc, "arrival: onoff ON must be > 0");
	}
	*ar = v;
	return 0;
}

/* "A/N" or "A" into src_base/src_prefix; no host bits. Returns 0 or -EINVAL. */
static int scn_conv_sources(struct scn_ctx *ctx, const struct scn_item *it, struct scn_clients *c)
{
	const struct lex_token *t = &it->args[0];
	const char *slash = strchr(t->text, '/');
	char *a = slash ? xstrndup(t->text, (size_t)(slash - t->text)) : xstrdup(t->text);
	struct lb_addr base, mask;
	long long prefix;
	int bad = lb_addr_parse(a, &base);

	free(a);
	if (bad)
		return scn_error(ctx, &t->loc,
				 "sources: expected an address or prefix A/N, got '%s'", t->text);
	prefix = base.af == LB_AF_INET ? 32 : 128;
	if (slash && units_int(slash + 1, 0, prefix, &prefix, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &t->loc, "sources: prefix length: %s", ctx->ubuf);
	scn_mask(base.af, (unsigned)prefix, &mask);
	if (scn_has_host_bits(&base, &mask))
		return scn_error(ctx, &t->loc, "sources: '%s' has host bits set past /%lld",
				 t->text, prefix);
	c->src_base = base;
	c->src_prefix = (unsigned)prefix;
	return 0;
}

/* Convert item <it> into <base> (the block's struct). Returns 0 or -EINVAL. */
static int scn_convert(struct scn_ctx *ctx, const struct scn_item *it, void *base)
{
	const struct scn_param *p = it->p;
	const struct lex_token *a = it->args;
	void *field = (char *)base + p->off;
	char *ub = ctx->ubuf;
	size_t ul = sizeof(ctx->ubuf);
	long long ll;
	double d;

	switch (p->type) {
	case SCN_PT_DURATION:
		if (units_duration(a[0].text, field, ub, ul))
			goto out_units;
		return 0;
	case SCN_PT_UINT:
		if (units_int(a[0].text, p->min, p->max, &ll, ub, ul))
			goto out_units;
		*(unsigned *)field = (unsigned)ll;
		return 0;
	case SCN_PT_U64:
		if (units_int(a[0].text, p->min, p->max, &ll, ub, ul))
			goto out_units;
		*(uint64_t *)field = (uint64_t)ll;
		return 0;
	case SCN_PT_POSREAL:
		if (units_number(a[0].text, &d, ub, ul))
			goto out_units;
		if (d <= 0)
			return scn_error(ctx, &a[0].loc, "%s: expected a number > 0, got '%s'",
					 p->name, a[0].text);
		*(double *)field = d;
		return 0;
	case SCN_PT_BANDWIDTH:
		if (units_bandwidth(a[0].text, field, ub, ul))
			goto out_units;
		return 0;
	case SCN_PT_FRACTION:
		if (units_fraction(a[0].text, field, ub, ul))
			goto out_units;
		return 0;
	case SCN_PT_UPDOWN:
		if (strcmp(a[0].text, "up") && strcmp(a[0].text, "down"))
			return scn_error(ctx, &a[0].loc, "%s: expected up or down, got '%s'",
					 p->name, a[0].text);
		*(bool *)field = !strcmp(a[0].text, "up");
		return 0;
	case SCN_PT_ENUM:
		for (int i = 0; p->names[i]; i++) {
			if (!strcmp(a[0].text, p->names[i])) {
				*(int *)field = i;
				return 0;
			}
		}
		return scn_error(ctx, &a[0].loc, "%s: expected %s, got '%s'", p->name, p->help,
				 a[0].text);
	case SCN_PT_NAME:
		free(*(char **)field);
		*(char **)field = xstrdup(a[0].text);
		return 0;
	case SCN_PT_DIST_TIME:
	case SCN_PT_DIST_SIZE:
	case SCN_PT_DIST_COUNT:
		return scn_conv_dist(ctx, it, field);
	case SCN_PT_ARRIVAL:
		return scn_conv_arrival(ctx, it, &((struct scn_clients *)base)->arrival);
	case SCN_PT_TARGET: {
		struct scn_clients *c = base;
		uint16_t port = 0;

		if (lb_addr_parse_port(a[0].text, &c->target, &port) || !port)
			return scn_error(
				ctx, &a[0].loc,
				"target: expected IP:PORT ([IPv6]:PORT) with port 1..65535, "
				"got '%s'",
				a[0].text);
		c->target_port = port;
		return 0;
	}
	case SCN_PT_SOURCES:
		return scn_conv_sources(ctx, it, base);
	case SCN_PT_PROTO:
		if (!strcasecmp(a[0].text, "TCP"))
			*(uint8_t *)field = LB_PROTO_TCP;
		else if (!strcasecmp(a[0].text, "UDP"))
			*(uint8_t *)field = LB_PROTO_UDP;
		else
			return scn_error(ctx, &a[0].loc, "protocol: expected TCP or UDP, got '%s'",
					 a[0].text);
		return 0;
	}
	return scn_error(ctx, &it->key->loc, "%s: unhandled parameter type", p->name);
out_units:
	return scn_error(ctx, &a[0].loc, "%s: %s", p->name, ub);
}

/*
 * Bind one lbsim block (<node>, NULL when the block is absent but its
 * defaults and --set values still count) of kind <blk> named <name> into
 * <base>: defaults first, then the file's items and --set overrides in
 * order. Statements whose keyword is no key are errors unless <others>
 * (director blocks hold keepalived statements too). given[i] gets the
 * location of parameter i when it was written. Returns 0 or -EINVAL.
 */
static int scn_bind(struct scn_ctx *ctx, int blk, const struct lex_node *node, const char *name,
		    const struct scn_loc *loc, void *base, bool others, struct scn_loc *given)
{
	const struct scn_param *params = scn_blocks[blk].params;
	struct scn_items items = { 0 };
	int ret = 0;

	for (size_t k = 0; node && k < node->nkids && !ret; k++) {
		const struct lex_node *s = &node->kids[k];

		if (others && !scn_is_key(blk, &s->tok[0]))
			continue;
		ret = scn_split(ctx, blk, s, &items);
	}
	if (ret)
		goto out_free_items;
	scn_apply_sets(ctx, blk, name, &items);
	for (size_t i = 0; params[i].name && !ret; i++) {
		struct lex_token tok[4];
		char buf[64], *save = NULL, *w;
		size_t n = 0;
		struct scn_item it = { &params[i], NULL, tok, 0 };

		given[i].file = NULL;
		if (!params[i].def)
			continue;
		snprintf(buf, sizeof(buf), "%s", params[i].def);
		for (w = strtok_r(buf, " ", &save); w && n < 4; w = strtok_r(NULL, " ", &save)) {
			tok[n].text = w;
			tok[n].quoted = false;
			tok[n].loc = *loc;
			n++;
		}
		it.key = &tok[0]; /* only its location is used */
		it.nargs = n;
		ret = scn_convert(ctx, &it, base);
	}
	for (size_t i = 0; i < items.n && !ret; i++) {
		ret = scn_convert(ctx, &items.v[i], base);
		given[items.v[i].p - params] = items.v[i].key->loc;
	}
out_free_items:
	free(items.v);
	return ret;
}

/* ---- lbsim blocks ---- */

static int scn_header(struct scn_ctx *ctx, const struct lex_node *n, bool named)
{
	size_t want = named ? 2 : 1;

	if (n->ntok != want || !n->block)
		return scn_error(ctx, &n->tok[0].loc, "%s: expected '%s%s { ... }'", n->tok[0].text,
				 n->tok[0].text, named ? " NAME" : "");
	return 0;
}

/*
 * A clients block: unique name, arrival and target required (the target is
 * checked against the virtual services later). Returns 0 or -EINVAL.
 */
static int scn_bind_clients(struct scn_ctx *ctx, const struct lex_node *n)
{
	struct scenario *scn = ctx->scn;
	struct scn_loc given[SCN_PARAMS_MAX];
	struct scn_clients *c;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	for (size_t i = 0; i < scn->nclients; i++)
		if (!strcmp(scn->clients[i].name, n->tok[1].text))
			return scn_error(ctx, &n->tok[1].loc,
					 "clients '%s' already defined at %s:%d:%d", n->tok[1].text,
					 scn->clients[i].loc.file, scn->clients[i].loc.line,
					 scn->clients[i].loc.col);
	scn->clients = xrealloc(scn->clients, (scn->nclients + 1) * sizeof(*scn->clients));
	c = &scn->clients[scn->nclients++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(n->tok[1].text);
	c->loc = n->tok[0].loc;
	if (scn_bind(ctx, BLK_CLIENTS, n, c->name, &c->loc, c, false, given))
		return -EINVAL;
	if (!given[1].file)
		return scn_error(ctx, &c->loc,
				 "clients %s: arrival is required (e.g. arrival poisson 1000/s)",
				 c->name);
	if (!given[2].file)
		return scn_error(ctx, &c->loc,
				 "clients %s: target is required (a virtual_server IP:PORT)",
				 c->name);
	return 0;
}

/*
 * Parse an address or an address range "A-E" (IPv4: E is the last byte
 * in decimal, IPv6: the last 16-bit group in hex) into its first address
 * and the count. Returns 0 or -EINVAL.
 */
static int scn_range(struct scn_ctx *ctx, const struct lex_token *t, const char *what,
		     struct lb_addr *first, uint32_t *count)
{
	const char *dash = strrchr(t->text, '-');
	char *a, *end;
	unsigned long last, hi;
	int bad;

	if (!dash) {
		*count = 1;
		return scn_addr(ctx, t, what, first);
	}
	a = xstrndup(t->text, (size_t)(dash - t->text));
	bad = lb_addr_parse(a, first);
	free(a);
	if (bad)
		goto out_bad;
	errno = 0;
	hi = strtoul(dash + 1, &end, first->af == LB_AF_INET ? 10 : 16);
	if (!dash[1] || *end || errno)
		goto out_bad;
	if (first->af == LB_AF_INET)
		last = first->u.v4 & 0xff;
	else
		last = ((unsigned long)first->u.v6[14] << 8) | first->u.v6[15];
	if (hi > (first->af == LB_AF_INET ? 255ul : 0xfffful) || hi < last)
		goto out_bad;
	*count = (uint32_t)(hi - last + 1);
	return 0;
out_bad:
	return scn_error(ctx, &t->loc,
			 "%s: expected an address or a range like 10.0.1.1-100, got '%s'", what,
			 t->text);
}

/*
 * A server block, for one address or a range: the items are bound once into
 * a template, copied to each address. Duplicate addresses are errors.
 * Returns 0 or -EINVAL.
 */
static int scn_bind_servers(struct scn_ctx *ctx, const struct lex_node *n)
{
	struct scenario *scn = ctx->scn;
	struct scn_server tmpl = { 0 };
	struct scn_loc given[SCN_PARAMS_MAX];
	struct lb_addr first;
	uint32_t count;
	int ret;

	if (scn_header(ctx, n, true) || scn_range(ctx, &n->tok[1], "server", &first, &count))
		return -EINVAL;
	tmpl.loc = n->tok[0].loc;
	ret = scn_bind(ctx, BLK_SERVER, n, n->tok[1].text, &tmpl.loc, &tmpl, false, given);
	for (uint32_t k = 0; k < count && !ret; k++) {
		struct scn_server *s;
		struct lb_addr a;

		lb_addr_add(&first, k, &a);
		s = scenario_find_server(scn, &a);
		if (s) {
			char buf[LB_ADDR_STRLEN];

			ret = scn_error(ctx, &n->tok[1].loc,
					"server %s already defined at %s:%d:%d",
					lb_addr_fmt(&a, buf, sizeof(buf)), s->loc.file, s->loc.line,
					s->loc.col);
			break;
		}
		scn->servers = xrealloc(scn->servers, (scn->nservers + 1) * sizeof(*scn->servers));
		s = &scn->servers[scn->nservers++];
		*s = tmpl;
		s->addr = a;
		s->link = tmpl.link ? xstrdup(tmpl.link) : NULL;
	}
	free(tmpl.link);
	return ret;
}

/* A link block with a unique name. Returns 0 or -EINVAL. */
static int scn_bind_link(struct scn_ctx *ctx, const struct lex_node *n)
{
	struct scenario *scn = ctx->scn;
	struct scn_loc given[SCN_PARAMS_MAX];
	struct scn_link *l;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	l = scenario_find_link(scn, n->tok[1].text);
	if (l)
		return scn_error(ctx, &n->tok[1].loc, "link '%s' already defined at %s:%d:%d",
				 n->tok[1].text, l->loc.file, l->loc.line, l->loc.col);
	scn->links = xrealloc(scn->links, (scn->nlinks + 1) * sizeof(*scn->links));
	l = &scn->links[scn->nlinks++];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(n->tok[1].text);
	l->loc = n->tok[0].loc;
	return scn_bind(ctx, BLK_LINK, n, l->name, &l->loc, l, false, given);
}

/* Bind every expect block's items (and --set expect.*) at once. */
static int scn_bind_expects(struct scn_ctx *ctx, const struct lex_node **nodes, size_t nnodes)
{
	struct scenario *scn = ctx->scn;
	struct scn_items items = { 0 };
	int ret = 0;

	for (size_t b = 0; b < nnodes && !ret; b++)
		for (size_t k = 0; k < nodes[b]->nkids && !ret; k++)
			ret = scn_split(ctx, BLK_EXPECT, &nodes[b]->kids[k], &items);
	if (!ret)
		scn_apply_sets(ctx, BLK_EXPECT, NULL, &items);
	for (size_t i = 0; i < items.n && !ret; i++) {
		const struct scn_item *it = &items.v[i];
		const struct lex_token *op = &it->args[0], *val = &it->args[1];
		int m = scn_metric_find(it->key->text), cmp = -1;
		struct scn_expect *e;
		double v = 0;
		int r = 0;

		for (int c = 0; c < SCN_CMP_COUNT; c++)
			if (!strcmp(op->text, scn_cmp_names[c]))
				cmp = c;
		if (cmp < 0) {
			ret = scn_error(ctx, &op->loc,
					"expect %s: expected an operator < <= > >= == !=, got '%s'",
					it->key->text, op->text);
			break;
		}
		switch (scn_metric_units[m]) {
		case MU_COUNT:
		case MU_RATIO:
			r = units_number(val->text, &v, ctx->ubuf, sizeof(ctx->ubuf));
			break;
		case MU_RATE:
			r = units_rate(val->text, &v, ctx->ubuf, sizeof(ctx->ubuf));
			break;
		case MU_TIME:
			r = units_duration_sec(val->text, &v, ctx->ubuf, sizeof(ctx->ubuf));
			break;
		case MU_FRACTION:
			r = units_fraction(val->text, &v, ctx->ubuf, sizeof(ctx->ubuf));
			break;
		}
		if (r) {
			ret = scn_error(ctx, &val->loc, "expect %s: %s", it->key->text, ctx->ubuf);
			break;
		}
		scn->expects = xrealloc(scn->expects, (scn->nexpects + 1) * sizeof(*scn->expects));
		e = &scn->expects[scn->nexpects++];
		e->metric = xstrdup(it->key->text);
		e->op = (enum scn_cmp)cmp;
		e->value = v;
		e->loc = it->key->loc;
		e->text = xmalloc(strlen(e->metric) + strlen(op->text) + strlen(val->text) + 3);
		sprintf(e->text, "%s %s %s", e->metric, op->text, val->text);
	}
	free(items.v);
	return ret;
}

/* ---- keepalived LVS blocks ---- */

/* A real_server as written, before it is resolved against each VS it serves. */
struct scn_rs_spec {
	struct lb_addr first;
	uint32_t count;
	uint16_t port;	  /* 0 = not written */
	struct scn_rs rs; /* weight, thresholds, inhibit, loc */
};

/* The settings of one virtual_server block, shared by its group members. */
struct scn_vs_spec {
	struct scn_vs vs; /* template: everything but addr/port/fwmark/rs */
	bool proto_set;
	bool persist_set;
	bool gran_set;
	int gran_prefix; /* persistence_granularity as a prefix length, -1: a mask */
	int weight;	 /* default real_server weight */
	bool inhibit;	 /* default real_server inhibit_on_failure */
	struct scn_rs_spec *rs;
	size_t nrs;
};

/* <n> must have lo..hi arguments after its keyword. Returns 0 or -EINVAL. */
static int scn_need_args(struct scn_ctx *ctx, const struct lex_node *n, size_t lo, size_t hi,
			 const char *what)
{
	if (n->ntok - 1 < lo || n->ntok - 1 > hi)
		return scn_error(ctx, &n->tok[0].loc, "%s: expected %s", n->tok[0].text, what);
	return 0;
}

/* Token <t> as an integer lo..hi for keyword <what>. Returns 0 or -EINVAL. */
static int scn_kad_int(struct scn_ctx *ctx, const char *what, const struct lex_token *t,
		       long long lo, long long hi, long long *out)
{
	if (units_int(t->text, lo, hi, out, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &t->loc, "%s: %s", what, ctx->ubuf);
	return 0;
}

/* "inhibit_on_failure [BOOL]": a bare keyword is true. */
static int scn_kad_flag(struct scn_ctx *ctx, const struct lex_node *n, bool *out)
{
	if (scn_need_args(ctx, n, 0, 1, "at most one boolean (on, off, true, false, yes, no)"))
		return -EINVAL;
	*out = true;
	if (n->ntok == 2 && units_bool(n->tok[1].text, out, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &n->tok[1].loc, "%s: %s", n->tok[0].text, ctx->ubuf);
	return 0;
}

/*
 * "lbsim_fail_probability P" (lbsim's own keyword, in vrrp_script and
 * MISC_CHECK: their commands are not run, each run fails with probability
 * P, 0..1 or a percentage). Returns 0 or -EINVAL.
 */
static int scn_fail_probability(struct scn_ctx *ctx, const struct lex_node *n, double *out)
{
	if (scn_need_args(ctx, n, 1, 1, "a probability 0..1 (or a percentage like 5%)"))
		return -EINVAL;
	if (units_fraction(n->tok[1].text, out, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &n->tok[1].loc, "%s: %s", n->tok[0].text, ctx->ubuf);
	return 0;
}

/* ---- health checkers (spec/vrrp-keepalived.md 4.7, 4.8) ---- */

static const char *const kad_checker_names[CHECK_KIND_COUNT] = {
	[CHECK_TCP] = "TCP_CHECK",   [CHECK_HTTP] = "HTTP_GET",	  [CHECK_SSL] = "SSL_GET",
	[CHECK_MISC] = "MISC_CHECK", [CHECK_DNS] = "DNS_CHECK",	  [CHECK_SMTP] = "SMTP_CHECK",
	[CHECK_UDP] = "UDP_CHECK",   [CHECK_PING] = "PING_CHECK",
};

/* clang-format off */
/* Accepted in a checker block without effect on the simulated probe. */
static const char *const kad_checker_keywords[] = {
	"connect_ip", "connect_port", "bindto", "bind_port", "bind_if", "fwmark",
	"log_all_failures", "http_protocol", "virtualhost", "enable_sni", "user", "type", "name",
	"helo_name", "host", "payload", "require_reply", "min_reply_length", "max_reply_length",
	NULL,
};
/* clang-format on */

/* The checker kind keyword <kw> names; -1 when none. */
static int scn_checker_kind(const char *kw)
{
	for (int k = 0; k < CHECK_KIND_COUNT; k++)
		if (!strcmp(kad_checker_names[k], kw))
			return k;
	return -1;
}

/* "KEYWORD TIME" (keepalived timers: seconds, units allowed) into *out in ns. */
static int scn_kad_time(struct scn_ctx *ctx, const struct lex_node *n, int64_t *out)
{
	sim_time_t t;

	if (scn_need_args(ctx, n, 1, 1, "a time in seconds"))
		return -EINVAL;
	if (units_duration(n->tok[1].text, &t, ctx->ubuf, sizeof(ctx->ubuf)))
		return scn_error(ctx, &n->tok[1].loc, "%s: %s", n->tok[0].text, ctx->ubuf);
	*out = t;
	return 0;
}

/* The checker timings a real_server or a checker block may set. */
struct scn_timing {
	int64_t *delay_loop, *connect_timeout, *delay_before_retry, *warmup;
	int *retry;
};

/*
 * If <n> is one of the timing keywords (delay_loop, connect_timeout, retry,
 * nb_get_retry, delay_before_retry, warmup), store it through <t>: returns 1,
 * or -EINVAL for a bad value. Returns 0 for any other keyword. <retry_min> is
 * 1 at virtual_server level (keepalived's rule), 0 below.
 */
static int scn_kad_timing(struct scn_ctx *ctx, const struct lex_node *n, const struct scn_timing *t,
			  long long retry_min)
{
	const char *kw = n->tok[0].text;
	long long v;

	if (!strcmp(kw, "delay_loop"))
		return scn_kad_time(ctx, n, t->delay_loop) ? -EINVAL : 1;
	if (!strcmp(kw, "connect_timeout"))
		return scn_kad_time(ctx, n, t->connect_timeout) ? -EINVAL : 1;
	if (!strcmp(kw, "delay_before_retry"))
		return scn_kad_time(ctx, n, t->delay_before_retry) ? -EINVAL : 1;
	if (!strcmp(kw, "warmup"))
		return scn_kad_time(ctx, n, t->warmup) ? -EINVAL : 1;
	if (!strcmp(kw, "retry") || !strcmp(kw, "nb_get_retry")) {
		if (scn_need_args(ctx, n, 1, 1, "a retry count") ||
		    scn_kad_int(ctx, kw, &n->tok[1], retry_min, INT_MAX, &v))
			return -EINVAL;
		*t->retry = (int)v;
		return 1;
	}
	return 0;
}

/* `url { path P; digest HEX; status_code N|N-M ...; ... }` of HTTP_GET/SSL_GET. */
static int scn_bind_url(struct scn_ctx *ctx, const struct lex_node *n, struct check_conf *c)
{
	struct check_url_conf *u;
	bool have_path = false;

	if (!n->block)
		return scn_error(ctx, &n->tok[0].loc, "url needs a { } block");
	if (c->n_urls == CHECK_URL_MAX)
		return scn_error(ctx, &n->tok[0].loc, "url: at most %d urls per checker",
				 CHECK_URL_MAX);
	u = &c->urls[c->n_urls];
	memset(u, 0, sizeof(*u));
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;

		if (!strcmp(kw, "path")) {
			if (scn_need_args(ctx, s, 1, 1, "a path"))
				return -EINVAL;
			snprintf(u->path, sizeof(u->path), "%s", s->tok[1].text);
			have_path = true;
		} else if (!strcmp(kw, "digest")) {
			const char *d = s->ntok == 2 ? s->tok[1].text : "";
			size_t i = 0;

			while (isxdigit((unsigned char)d[i]))
				i++;
			if (s->ntok != 2 || i != CHECK_DIGEST_LEN || d[i])
				return scn_error(ctx, s->ntok > 1 ? &s->tok[1].loc : &s->tok[0].loc,
						 "digest: expected an MD5 of 32 hex digits, "
						 "got '%s'",
						 d);
			memcpy(u->digest, d, CHECK_DIGEST_LEN + 1);
		} else if (!strcmp(kw, "status_code")) {
			char buf[256];
			size_t len = 0;

			if (scn_need_args(ctx, s, 1, CHECK_STATUS_MAX, "status codes N or N-M"))
				return -EINVAL;
			buf[0] = '\0';
			for (size_t i = 1; i < s->ntok && len < sizeof(buf); i++)
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
							i > 1 ? " " : "", s->tok[i].text);
			if (check_url_parse_status(u, buf))
				return scn_error(ctx, &s->tok[1].loc,
						 "status_code: expected codes 100..599 or ranges "
						 "N-M with N <= M, got '%s'",
						 buf);
		} else if (!strcmp(kw, "virtualhost") || !strcmp(kw, "regex") ||
			   !strcmp(kw, "regex_no_match") || !strcmp(kw, "regex_options") ||
			   !strcmp(kw, "regex_max_offset") || !strcmp(kw, "regex_min_offset") ||
			   !strcmp(kw, "regex_stack")) {
			scn_warn_unmodelled(ctx, &s->tok[0]);
		} else {
			return scn_error(ctx, &s->tok[0].loc,
					 "unknown keyword '%s' in url; keepalived accepts path, "
					 "digest, status_code, virtualhost, regex",
					 kw);
		}
	}
	if (!have_path)
		return scn_error(ctx, &n->tok[0].loc, "url: path is required");
	c->n_urls++;
	return 0;
}

/* One checker block <n> of kind <kind> appended to real server <r>. */
static int scn_bind_checker(struct scn_ctx *ctx, const struct lex_node *n, int kind,
			    struct scn_rs *r)
{
	struct scn_checker *ck;
	struct check_conf *c;
	struct scn_timing t;
	bool b;
	int rc;

	if (!n->block)
		return scn_error(ctx, &n->tok[0].loc, "%s needs a { } block", n->tok[0].text);
	r->checkers = xrealloc(r->checkers, (r->ncheckers + 1) * sizeof(*r->checkers));
	ck = &r->checkers[r->ncheckers++];
	memset(ck, 0, sizeof(*ck));
	ck->loc = n->tok[0].loc;
	c = &ck->conf;
	check_conf_init(c, (enum check_kind)kind);
	t = (struct scn_timing){ &c->delay_loop_ns, &c->connect_timeout_ns,
				 &c->delay_before_retry_ns, &c->warmup_ns, &c->retry };
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;
		bool http = kind == CHECK_HTTP || kind == CHECK_SSL;

		rc = scn_kad_timing(ctx, s, &t, 0);
		if (rc < 0)
			return rc;
		if (rc)
			continue;
		if (!strcmp(kw, "alpha")) {
			if (scn_kad_flag(ctx, s, &b))
				return -EINVAL;
			c->alpha = b;
		} else if (http && !strcmp(kw, "url")) {
			if (scn_bind_url(ctx, s, c))
				return -EINVAL;
		} else if (http && !strcmp(kw, "fast_recovery")) {
			if (scn_kad_flag(ctx, s, &c->fast_recovery))
				return -EINVAL;
		} else if (kind == CHECK_MISC && !strcmp(kw, "misc_path")) {
			if (scn_need_args(ctx, s, 1, 1, "a command"))
				return -EINVAL;
			snprintf(ck->misc_path, sizeof(ck->misc_path), "%s", s->tok[1].text);
		} else if (kind == CHECK_MISC && !strcmp(kw, "misc_timeout")) {
			if (scn_kad_time(ctx, s, &c->misc_timeout_ns))
				return -EINVAL;
		} else if (kind == CHECK_MISC && !strcmp(kw, "misc_dynamic")) {
			if (scn_kad_flag(ctx, s, &c->misc_dynamic))
				return -EINVAL;
		} else if (kind == CHECK_MISC && !strcmp(kw, "lbsim_fail_probability")) {
			if (scn_fail_probability(ctx, s, &ck->fail_probability))
				return -EINVAL;
		} else if (scn_in_list(kad_checker_keywords, kw)) {
			scn_warn_unmodelled(ctx, &s->tok[0]);
		} else {
			return scn_error(ctx, &s->tok[0].loc, "unknown keyword '%s' in %s", kw,
					 n->tok[0].text);
		}
	}
	if ((kind == CHECK_HTTP || kind == CHECK_SSL) && !c->n_urls)
		return scn_error(ctx, &n->tok[0].loc, "%s needs at least one url { path ... }",
				 n->tok[0].text);
	if (kind == CHECK_MISC && !ck->misc_path[0])
		return scn_error(ctx, &n->tok[0].loc, "MISC_CHECK needs misc_path");
	return 0;
}

/* Deep copy of <r>'s checkers into <dst> (a by-value copy of r). */
static void scn_rs_copy_checkers(struct scn_rs *dst, const struct scn_rs *r)
{
	dst->checkers = NULL;
	if (!r->ncheckers)
		return;
	dst->checkers = xmalloc(r->ncheckers * sizeof(*dst->checkers));
	memcpy(dst->checkers, r->checkers, r->ncheckers * sizeof(*dst->checkers));
}

/*
 * One real_server block into <sp>: address or range, optional port, the
 * modelled keywords (weight, uthreshold, lthreshold, inhibit_on_failure,
 * alpha, the checker timings and the checker blocks), one warning per other
 * keepalived keyword, an error for anything else. Returns 0 or -EINVAL.
 */
static int scn_bind_rs_spec(struct scn_ctx *ctx, const struct lex_node *n, struct scn_vs_spec *sp)
{
	struct scn_rs_spec *r;
	struct scn_timing t;
	long long v;
	bool b;
	int rc;

	if (n->ntok < 2 || n->ntok > 3)
		return scn_error(ctx, &n->tok[0].loc,
				 "real_server: expected 'real_server IP [PORT]'");
	sp->rs = xrealloc(sp->rs, (sp->nrs + 1) * sizeof(*sp->rs));
	r = &sp->rs[sp->nrs++];
	memset(r, 0, sizeof(*r));
	r->rs.weight = sp->weight;
	r->rs.inhibit_on_failure = sp->inhibit;
	r->rs.alpha = CHECK_UNSET;
	r->rs.delay_loop_ns = CHECK_UNSET;
	r->rs.connect_timeout_ns = CHECK_UNSET;
	r->rs.delay_before_retry_ns = CHECK_UNSET;
	r->rs.warmup_ns = CHECK_UNSET;
	r->rs.retry = CHECK_UNSET;
	r->rs.loc = n->tok[0].loc;
	t = (struct scn_timing){ &r->rs.delay_loop_ns, &r->rs.connect_timeout_ns,
				 &r->rs.delay_before_retry_ns, &r->rs.warmup_ns, &r->rs.retry };
	if (scn_range(ctx, &n->tok[1], "real_server", &r->first, &r->count))
		return -EINVAL;
	if (n->ntok == 3) {
		if (scn_kad_int(ctx, "real_server port", &n->tok[2], 1, 65535, &v))
			return -EINVAL;
		r->port = (uint16_t)v;
	}
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;
		int kind = s->tok[0].quoted ? -1 : scn_checker_kind(kw);

		rc = s->tok[0].quoted ? 0 : scn_kad_timing(ctx, s, &t, 0);
		if (rc < 0)
			return rc;
		if (rc)
			continue;
		if (kind >= 0) {
			if (scn_bind_checker(ctx, s, kind, &r->rs))
				return -EINVAL;
		} else if (!strcmp(kw, "alpha")) {
			if (scn_kad_flag(ctx, s, &b))
				return -EINVAL;
			r->rs.alpha = b;
		} else if (!strcmp(kw, "weight")) {
			if (scn_need_args(ctx, s, 1, 1, "a weight 0..2147483647") ||
			    scn_kad_int(ctx, "weight", &s->tok[1], 0, INT_MAX, &v))
				return -EINVAL;
			r->rs.weight = (int)v;
		} else if (!strcmp(kw, "uthreshold") || !strcmp(kw, "lthreshold")) {
			if (scn_need_args(ctx, s, 1, 1, "a connection count") ||
			    scn_kad_int(ctx, kw, &s->tok[1], 0, UINT32_MAX, &v))
				return -EINVAL;
			if (kw[0] == 'u')
				r->rs.uthreshold = (uint32_t)v;
			else
				r->rs.lthreshold = (uint32_t)v;
		} else if (!strcmp(kw, "inhibit_on_failure")) {
			if (scn_kad_flag(ctx, s, &r->rs.inhibit_on_failure))
				return -EINVAL;
		} else if (!s->tok[0].quoted && scn_in_list(kad_rs_keywords, kw)) {
			scn_warn_unmodelled(ctx, &s->tok[0]);
		} else if (!strcmp(kw, "lb_kind")) {
			return scn_error(ctx, &s->tok[0].loc,
					 "lb_kind is not accepted in real_server (keepalived takes "
					 "lvs_method there)");
		} else {
			char list[768];

			return scn_error(
				ctx, &s->tok[0].loc,
				"unknown keyword '%s' in real_server; keepalived accepts %s", kw,
				scn_join(list, sizeof(list), kad_rs_keywords, NULL));
		}
	}
	return 0;
}

/*
 * The body of one virtual_server block into <sp>: keepalived defaults (wlc,
 * NAT, UDP, weight 1), the modelled keywords, then its real servers (which
 * take the VS-wide weight and inhibit_on_failure wherever these are
 * written). Returns 0 or -EINVAL.
 */
static int scn_bind_vs_spec(struct scn_ctx *ctx, const struct lex_node *n, struct scn_vs_spec *sp)
{
	struct scn_vs *vs = &sp->vs;
	struct scn_timing t;
	long long v;
	int rc;

	snprintf(vs->sched, sizeof(vs->sched), "wlc");
	vs->kind = LB_KIND_NAT;
	vs->proto = LB_PROTO_UDP;
	vs->sched_conf.d = 2;
	vs->sched_conf.mh_size = 4093;
	vs->loc = n->tok[0].loc;
	vs->delay_loop_ns = 60 * CHECK_NS_PER_S;
	vs->connect_timeout_ns = 5 * CHECK_NS_PER_S;
	vs->retry = CHECK_UNSET;
	vs->delay_before_retry_ns = CHECK_UNSET;
	vs->warmup_ns = CHECK_UNSET;
	vs->quorum = 1;
	t = (struct scn_timing){ &vs->delay_loop_ns, &vs->connect_timeout_ns,
				 &vs->delay_before_retry_ns, &vs->warmup_ns, &vs->retry };
	sp->weight = 1;
	/* real servers take the VS-wide defaults wherever these are written */
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;

		if (s->tok[0].quoted) {
			return scn_error(ctx, &s->tok[0].loc,
					 "unknown keyword \"%s\" in virtual_server", kw);
		} else if (!strcmp(kw, "real_server")) {
			continue;
		} else if ((rc = scn_kad_timing(ctx, s, &t, 1)) != 0) {
			if (rc < 0)
				return rc;
		} else if (!strcmp(kw, "alpha")) {
			if (scn_kad_flag(ctx, s, &vs->alpha))
				return -EINVAL;
		} else if (!strcmp(kw, "sorry_server_inhibit")) {
			if (scn_kad_flag(ctx, s, &vs->sorry_server_inhibit))
				return -EINVAL;
		} else if (!strcmp(kw, "quorum") || !strcmp(kw, "hysteresis")) {
			bool q = kw[0] == 'q';

			if (scn_need_args(ctx, s, 1, 1, q ? "a weight >= 1" : "a weight >= 0") ||
			    scn_kad_int(ctx, kw, &s->tok[1], q ? 1 : 0, UINT32_MAX, &v))
				return -EINVAL;
			if (q)
				vs->quorum = v;
			else
				vs->hysteresis = v;
		} else if (!strcmp(kw, "sorry_server")) {
			if (scn_need_args(ctx, s, 1, 2, "'sorry_server IP [PORT]'") ||
			    scn_addr(ctx, &s->tok[1], kw, &vs->sorry_addr))
				return -EINVAL;
			vs->sorry_port = 0;
			if (s->ntok == 3) {
				if (scn_kad_int(ctx, "sorry_server port", &s->tok[2], 1, 65535, &v))
					return -EINVAL;
				vs->sorry_port = (uint16_t)v;
			}
			vs->sorry_server = true;
		} else if (!strcmp(kw, "lb_algo") || !strcmp(kw, "lvs_sched")) {
			if (scn_need_args(ctx, s, 1, 1, "a scheduler name"))
				return -EINVAL;
			if (strlen(s->tok[1].text) >= sizeof(vs->sched))
				return scn_error(ctx, &s->tok[1].loc,
						 "%s: scheduler name longer than %zu characters",
						 kw, sizeof(vs->sched) - 1);
			strcpy(vs->sched, s->tok[1].text);
		} else if (!strcmp(kw, "lb_kind") || !strcmp(kw, "lvs_method")) {
			const char *m = s->ntok > 1 ? s->tok[1].text : "";

			if (!strcasecmp(m, "NAT") && s->ntok == 2)
				vs->kind = LB_KIND_NAT;
			else if (!strcasecmp(m, "DR") && s->ntok == 2)
				vs->kind = LB_KIND_DR;
			else if (!strcasecmp(m, "TUN"))
				vs->kind = LB_KIND_TUN; /* TUN options: encapsulation details */
			else
				return scn_error(ctx, s->ntok > 1 ? &s->tok[1].loc : &s->tok[0].loc,
						 "%s: expected NAT, DR or TUN [options], got '%s'",
						 kw, m);
		} else if (!strcmp(kw, "protocol")) {
			const char *m = s->ntok == 2 ? s->tok[1].text : "";

			if (!strcasecmp(m, "TCP"))
				vs->proto = LB_PROTO_TCP;
			else if (!strcasecmp(m, "UDP"))
				vs->proto = LB_PROTO_UDP;
			else if (!strcasecmp(m, "SCTP"))
				vs->proto = LB_PROTO_SCTP;
			else
				return scn_error(ctx, s->ntok > 1 ? &s->tok[1].loc : &s->tok[0].loc,
						 "protocol: expected TCP, UDP or SCTP, got '%s'",
						 m);
			sp->proto_set = true;
		} else if (!strcmp(kw, "persistence_timeout")) {
			if (scn_need_args(ctx, s, 0, 1, "at most one timeout in seconds"))
				return -EINVAL;
			v = 360;
			if (s->ntok == 2 && scn_kad_int(ctx, kw, &s->tok[1], 0, 2678400, &v))
				return -EINVAL;
			vs->persistence_timeout_s = (uint32_t)v;
			sp->persist_set = true;
		} else if (!strcmp(kw, "persistence_granularity")) {
			if (scn_need_args(ctx, s, 1, 1, "a netmask (IPv4) or a prefix length"))
				return -EINVAL;
			sp->gran_prefix = -1;
			if (strchr(s->tok[1].text, '.') || strchr(s->tok[1].text, ':')) {
				if (scn_addr(ctx, &s->tok[1], kw, &vs->persistence_mask))
					return -EINVAL;
			} else {
				if (scn_kad_int(ctx, kw, &s->tok[1], 0, 128, &v))
					return -EINVAL;
				sp->gran_prefix = (int)v;
			}
			sp->gran_set = true;
		} else if (!strcmp(kw, "sh-port")) {
			vs->sched_conf.flags |= LB_SVC_F_SH_PORT;
		} else if (!strcmp(kw, "sh-fallback")) {
			vs->sched_conf.flags |= LB_SVC_F_SH_FALLBACK;
		} else if (!strcmp(kw, "mh-port")) {
			vs->sched_conf.flags |= LB_SVC_F_MH_PORT;
		} else if (!strcmp(kw, "mh-fallback")) {
			vs->sched_conf.flags |= LB_SVC_F_MH_FALLBACK;
		} else if (!strcmp(kw, "weight")) {
			if (scn_need_args(ctx, s, 1, 1, "a weight 0..2147483647") ||
			    scn_kad_int(ctx, "weight", &s->tok[1], 0, INT_MAX, &v))
				return -EINVAL;
			sp->weight = (int)v;
		} else if (!strcmp(kw, "inhibit_on_failure")) {
			if (scn_kad_flag(ctx, s, &sp->inhibit))
				return -EINVAL;
			vs->inhibit_on_failure = sp->inhibit;
		} else if (scn_in_list(kad_vs_keywords, kw)) {
			scn_warn_unmodelled(ctx, &s->tok[0]);
		} else {
			char list[1024];

			return scn_error(
				ctx, &s->tok[0].loc,
				"unknown keyword '%s' in virtual_server; keepalived accepts %s", kw,
				scn_join(list, sizeof(list), kad_vs_keywords, NULL));
		}
	}
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];

		if (!s->tok[0].quoted && !strcmp(s->tok[0].text, "real_server") &&
		    scn_bind_rs_spec(ctx, s, sp))
			return -EINVAL;
	}
	return 0;
}

/* Every integer of <g> unset: see SCN_VRRP_UNSET. */
static void scn_vrrp_globals_init(struct scn_vrrp_globals *g)
{
	memset(g, 0, sizeof(*g));
	g->version = g->garp_master_delay_s = g->garp_master_repeat = SCN_VRRP_UNSET;
	g->garp_master_refresh_s = g->garp_master_refresh_repeat = SCN_VRRP_UNSET;
	g->garp_lower_prio_delay_s = g->garp_lower_prio_repeat = SCN_VRRP_UNSET;
	g->min_garp = g->lower_prio_no_advert = g->higher_prio_send_advert = SCN_VRRP_UNSET;
	g->down_timer_adverts = g->strict = g->sync_id = SCN_VRRP_UNSET;
	g->startup_delay_ns = SCN_VRRP_UNSET;
}

/* Append an empty director (fields zero, VRRP globals unset) named <name>; valid until the next add. */
static struct scn_director *scn_director_add(struct scn_ctx *ctx, const char *name,
					     const struct scn_loc *loc)
{
	struct scenario *scn = ctx->scn;
	struct scn_director *d;

	scn->directors = xrealloc(scn->directors, (scn->ndirectors + 1) * sizeof(*scn->directors));
	d = &scn->directors[scn->ndirectors++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->loc = *loc;
	scn_vrrp_globals_init(&d->vrrp);
	return d;
}

/* "IP:PORT" or "fwmark N", for messages and the results' rows, into <buf>[len]. */
void scenario_vs_name(const struct scn_vs *vs, char *buf, size_t len)
{
	if (vs->fwmark)
		snprintf(buf, len, "fwmark %u", vs->fwmark);
	else
		lb_addr_port_fmt(&vs->addr, vs->port, buf, len);
}

/*
 * Add one virtual service (addr/port or fwmark) of spec <sp> to director
 * <didx>, resolving real-server ports and ranges as keepalived does.
 */
static int scn_vs_add(struct scn_ctx *ctx, size_t didx, const struct scn_vs_spec *sp,
		      const struct lb_addr *addr, uint16_t port, uint32_t fwmark)
{
	struct scn_director *d = &ctx->scn->directors[didx];
	struct scn_vs vs = sp->vs, *dup;
	char name[LB_ADDR_STRLEN + 16];

	vs.addr = addr ? *addr : (struct lb_addr){ 0 };
	vs.port = port;
	vs.fwmark = fwmark;
	vs.rs = NULL;
	vs.nrs = 0;
	scenario_vs_name(&vs, name, sizeof(name));
	/* persistence: a port-less address service or a granularity alone turn it on */
	if (!sp->persist_set && (sp->gran_set || (!fwmark && !port)))
		vs.persistence_timeout_s = 360;
	{
		uint8_t af = addr ? addr->af : LB_AF_INET;

		if (!sp->gran_set) {
			scn_mask(af, af == LB_AF_INET ? 32 : 128, &vs.persistence_mask);
		} else if (sp->gran_prefix >= 0) {
			unsigned plen = (unsigned)sp->gran_prefix;

			if (af == LB_AF_INET && plen > 32)
				return scn_error(
					ctx, &vs.loc,
					"virtual_server %s: persistence_granularity /%u is "
					"longer than an IPv4 address",
					name, plen);
			scn_mask(af, plen, &vs.persistence_mask);
		} else if (vs.persistence_mask.af != af) {
			return scn_error(ctx, &vs.loc,
					 "virtual_server %s: persistence_granularity is not of the "
					 "service's address family",
					 name);
		}
	}
	for (size_t i = 0; i < d->nvs; i++) {
		dup = &d->vs[i];
		if (dup->fwmark == vs.fwmark && dup->port == vs.port && dup->proto == vs.proto &&
		    lb_addr_eq(&dup->addr, &vs.addr))
			return scn_error(ctx, &vs.loc,
					 "virtual_server %s already defined at %s:%d:%d", name,
					 dup->loc.file, dup->loc.line, dup->loc.col);
	}
	for (size_t r = 0; r < sp->nrs; r++) {
		const struct scn_rs_spec *rp = &sp->rs[r];
		uint16_t rport = rp->port;

		if (vs.kind != LB_KIND_NAT)
			rport = port; /* DR/TUN: the VS port (0 for fwmark) */
		else if (!rport)
			rport = port;
		for (uint32_t k = 0; k < rp->count; k++) {
			struct scn_rs rs = rp->rs;
			bool seen = false;

			lb_addr_add(&rp->first, k, &rs.addr);
			rs.port = rport;
			for (size_t j = 0; j < vs.nrs && !seen; j++)
				seen = vs.rs[j].port == rs.port &&
				       lb_addr_eq(&vs.rs[j].addr, &rs.addr);
			if (seen) {
				char b[LB_ADDR_STRLEN];

				scn_warn(ctx, &rs.loc,
					 "virtual_server %s: duplicate real_server %s dropped (as "
					 "keepalived does)",
					 name, lb_addr_port_fmt(&rs.addr, rs.port, b, sizeof(b)));
				continue;
			}
			scn_rs_copy_checkers(&rs, &rp->rs);
			vs.rs = xrealloc(vs.rs, (vs.nrs + 1) * sizeof(*vs.rs));
			vs.rs[vs.nrs++] = rs;
		}
	}
	if (!vs.nrs) {
		scn_warn(ctx, &vs.loc,
			 "virtual_server %s has no real_server: dropped (as keepalived does)",
			 name);
		return 0;
	}
	d->vs = xrealloc(d->vs, (d->nvs + 1) * sizeof(*d->vs));
	d->vs[d->nvs++] = vs;
	return 0;
}

/*
 * The virtual_server_group node named <name> that director <dir> sees: one
 * defined inside that director's block, else a top-level one (<dir> NULL:
 * top-level ones only). Each keepalived configuration has its own groups,
 * so two directors may define the same name. NULL when none.
 */
static const struct lex_node *scn_group_find(struct scn_ctx *ctx, const char *name,
					     const char *dir)
{
	const struct lex_node *top = NULL;

	for (size_t i = 0; i < ctx->ngroups; i++) {
		if (strcmp(ctx->groups[i]->tok[1].text, name))
			continue;
		if (!ctx->group_dirs[i])
			top = top ? top : ctx->groups[i];
		else if (dir && !strcmp(ctx->group_dirs[i], dir))
			return ctx->groups[i];
	}
	return top;
}

/* Add every member of virtual_server_group <g> with the settings <sp>. */
static int scn_vs_group(struct scn_ctx *ctx, size_t didx, const struct scn_vs_spec *sp,
			const struct lex_node *g)
{
	long long v;

	if (!g->nkids)
		return scn_error(ctx, &g->tok[0].loc, "virtual_server_group %s is empty",
				 g->tok[1].text);
	for (size_t k = 0; k < g->nkids; k++) {
		const struct lex_node *e = &g->kids[k];
		struct lb_addr first;
		uint32_t count;
		uint16_t port = 0;

		if (!strcmp(e->tok[0].text, "fwmark")) {
			if (scn_need_args(ctx, e, 1, 2, "fwmark N [inet|inet6]") ||
			    scn_kad_int(ctx, "fwmark", &e->tok[1], 1, UINT32_MAX, &v) ||
			    scn_vs_add(ctx, didx, sp, NULL, 0, (uint32_t)v))
				return -EINVAL;
			continue;
		}
		if (e->ntok > 2 || e->block)
			return scn_error(
				ctx, &e->tok[0].loc,
				"virtual_server_group: expected 'IP [PORT]', 'IP-RANGE [PORT]' "
				"or 'fwmark N'");
		if (scn_range(ctx, &e->tok[0], "virtual_server_group", &first, &count))
			return -EINVAL;
		if (e->ntok == 2) {
			if (scn_kad_int(ctx, "virtual_server_group port", &e->tok[1], 0, 65535, &v))
				return -EINVAL;
			port = (uint16_t)v;
		}
		for (uint32_t i = 0; i < count; i++) {
			struct lb_addr a;

			lb_addr_add(&first, i, &a);
			if (scn_vs_add(ctx, didx, sp, &a, port, 0))
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * A virtual_server block ("IP [PORT]", "fwmark N" or "group NAME") into
 * director <didx>: one service per address of the group. Returns 0 or -EINVAL.
 */
static int scn_bind_vs(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	struct scn_vs_spec sp = { 0 };
	const char *form = n->ntok > 1 ? n->tok[1].text : "";
	long long v;
	int ret;

	if (!n->block)
		return scn_error(ctx, &n->tok[0].loc, "virtual_server needs a { } block");
	if (n->ntok < 2 || n->ntok > 3)
		return scn_error(
			ctx, &n->tok[0].loc,
			"virtual_server: expected 'IP [PORT]', 'fwmark N' or 'group NAME'");
	ret = scn_bind_vs_spec(ctx, n, &sp);
	if (ret)
		goto out_free;
	if (!sp.proto_set && strcmp(form, "fwmark"))
		scn_warn(ctx, &n->tok[0].loc,
			 "virtual_server %s%s%s: no protocol given, UDP assumed (as keepalived "
			 "does)",
			 form, n->ntok > 2 ? " " : "", n->ntok > 2 ? n->tok[2].text : "");
	if (!strcmp(form, "fwmark") && n->ntok == 3) {
		ret = scn_kad_int(ctx, "fwmark", &n->tok[2], 1, UINT32_MAX, &v);
		if (!ret)
			ret = scn_vs_add(ctx, didx, &sp, NULL, 0, (uint32_t)v);
	} else if (!strcmp(form, "group") && n->ntok == 3) {
		const struct lex_node *g =
			scn_group_find(ctx, n->tok[2].text, ctx->scn->directors[didx].name);

		if (!g)
			ret = scn_error(ctx, &n->tok[2].loc,
					"virtual_server group: no virtual_server_group named '%s'",
					n->tok[2].text);
		else
			ret = scn_vs_group(ctx, didx, &sp, g);
	} else {
		struct lb_addr a;
		uint16_t port = 0;

		ret = scn_addr(ctx, &n->tok[1], "virtual_server", &a);
		if (!ret && n->ntok == 3) {
			ret = scn_kad_int(ctx, "virtual_server port", &n->tok[2], 0, 65535, &v);
			port = (uint16_t)v;
		}
		if (!ret)
			ret = scn_vs_add(ctx, didx, &sp, &a, port, 0);
	}
out_free:
	for (size_t i = 0; i < sp.nrs; i++)
		free(sp.rs[i].rs.checkers);
	free(sp.rs);
	return ret;
}

/*
 * One keepalived statement at top level or in a director block:
 * virtual_server is bound into director <didx> (made on first use when
 * <didx> is 0: the implicit director), the other known keepalived blocks
 * warn once. Returns 0 or -EINVAL.
 */
/*
 * `lvs_timeouts [tcp S] [tcpfin S] [udp S]` (keepalived timers: seconds) into
 * <t>. Returns 0 or -EINVAL.
 */
static int scn_bind_lvs_timeouts(struct scn_ctx *ctx, const struct lex_node *s,
				 struct scn_lvs_timeouts *t)
{
	if (s->ntok < 3 || s->ntok % 2 == 0)
		return scn_error(ctx, &s->tok[0].loc,
				 "lvs_timeouts: expected pairs of tcp|tcpfin|udp SECONDS");
	for (size_t i = 1; i + 1 < s->ntok; i += 2) {
		const struct lex_token *k = &s->tok[i], *v = &s->tok[i + 1];
		sim_time_t *dst = !strcmp(k->text, "tcp")      ? &t->tcp_ns
				  : !strcmp(k->text, "tcpfin") ? &t->tcpfin_ns
				  : !strcmp(k->text, "udp")    ? &t->udp_ns
							       : NULL;
		char why[256];

		if (!dst)
			return scn_error(ctx, &k->loc,
					 "lvs_timeouts: expected tcp, tcpfin or udp, got '%s'", k->text);
		if (units_duration(v->text, dst, why, sizeof(why)) || *dst <= 0)
			return scn_error(ctx, &v->loc, "lvs_timeouts %s: %s", k->text,
					 *dst <= 0 ? "expected a timeout > 0" : why);
	}
	return 0;
}

/* ---- VRRP: vrrp_instance, vrrp_script, vrrp_sync_group (spec/vrrp-keepalived.md 3, 4.3-4.6) ---- */

/* clang-format off */
/* Accepted in vrrp_instance, not modelled: warned once each. */
static const char *const kad_vrrp_inst_unmodelled[] = {
	"dont_track_primary", "track_src_ip", "skip_check_adv_addr", "mcast_dst_ip",
	"virtual_routes", "virtual_rules", "track_file", "track_process", "track_bfd",
	"unicast_ttl", "check_unicast_src", "unicast_fault_no_peer", "old_unicast_checksum",
	"garp_extra_if", "vmac_garp_intvl", "notify_priority_changes", "smtp_alert",
	"lvs_sync_daemon_interface", "use_vmac", "use_vmac_addr", "vmac_xmit_base", "use_ipvlan",
	"promote_secondaries", "native_ipv6", "vrf", "debug", "kernel_rx_buf_size",
	"linkbeat_use_polling", NULL,
};

/* Accepted in vrrp_sync_group, not modelled. */
static const char *const kad_vrrp_sg_unmodelled[] = {
	"track_interface", "track_script", "track_file", "track_process", "track_bfd",
	"smtp_alert", "notify_priority_changes", "sync_group_tracking_weight", "global_tracking",
	NULL,
};
/* clang-format on */

/* A track_script entry without its own weight, until the script is known. */
#define SCN_TRACK_WEIGHT_UNSET INT_MIN

static void scn_vrrp_globals_fini(struct scn_vrrp_globals *g)
{
	free(g->router_id);
	free(g->sync_if);
	free(g->sync_inst);
}

static void scn_vrrp_notify_fini(struct scn_vrrp_notify *nt)
{
	free(nt->master);
	free(nt->backup);
	free(nt->fault);
	free(nt->stop);
	free(nt->deleted);
	free(nt->notify);
	free(nt->master_rx_lower_pri);
}

/* Free what the VRRP arrays of director <d> own. */
static void scn_vrrp_director_fini(struct scn_director *d)
{
	for (size_t i = 0; i < d->ninstances; i++) {
		struct scn_vrrp_instance *v = &d->instances[i];

		free(v->name);
		free(v->interface);
		for (size_t k = 0; k < v->nvips; k++) {
			free(v->vips[k].dev);
			free(v->vips[k].label);
		}
		free(v->vips);
		for (size_t k = 0; k < v->nvips_excluded; k++) {
			free(v->vips_excluded[k].dev);
			free(v->vips_excluded[k].label);
		}
		free(v->vips_excluded);
		for (size_t k = 0; k < v->ntrack_if; k++)
			free(v->track_if[k].name);
		free(v->track_if);
		for (size_t k = 0; k < v->ntrack_script; k++)
			free(v->track_script[k].name);
		free(v->track_script);
		free(v->unicast_peers);
		scn_vrrp_notify_fini(&v->notify);
		free(v->sync_group);
	}
	free(d->instances);
	for (size_t i = 0; i < d->nscripts; i++) {
		free(d->scripts[i].name);
		free(d->scripts[i].script);
		free(d->scripts[i].user);
	}
	free(d->scripts);
	for (size_t i = 0; i < d->nsync_groups; i++) {
		struct scn_vrrp_sync_group *g = &d->sync_groups[i];

		for (size_t k = 0; k < g->ninstances; k++)
			free(g->instances[k]);
		free(g->instances);
		free(g->instance_locs);
		free(g->name);
		scn_vrrp_notify_fini(&g->notify);
	}
	free(d->sync_groups);
	scn_vrrp_globals_fini(&d->vrrp);
}

/* Tokens <from>.. of <n> joined by single spaces (owned by the caller). */
static char *scn_toks_join(const struct lex_node *n, size_t from)
{
	size_t len = 1;
	char *s;

	for (size_t i = from; i < n->ntok; i++)
		len += strlen(n->tok[i].text) + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = from; i < n->ntok; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, n->tok[i].text);
	}
	return s;
}

/* Replace *dst by the one argument of <n> (a name). Returns 0 or -EINVAL. */
static int scn_vrrp_str(struct scn_ctx *ctx, const struct lex_node *n, char **dst)
{
	if (scn_need_args(ctx, n, 1, 1, "one name"))
		return -EINVAL;
	free(*dst);
	*dst = xstrdup(n->tok[1].text);
	return 0;
}

/* "KEYWORD N", N in lo..hi, into *out. Returns 0 or -EINVAL. */
static int scn_vrrp_int(struct scn_ctx *ctx, const struct lex_node *n, long long lo, long long hi,
			int *out)
{
	long long v;

	if (scn_need_args(ctx, n, 1, 1, "one integer") ||
	    scn_kad_int(ctx, n->tok[0].text, &n->tok[1], lo, hi, &v))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* "KEYWORD [BOOL]" into *out (0 or 1). Returns 0 or -EINVAL. */
static int scn_vrrp_bool(struct scn_ctx *ctx, const struct lex_node *n, int *out)
{
	bool b;

	if (scn_kad_flag(ctx, n, &b))
		return -EINVAL;
	*out = b;
	return 0;
}

/*
 * A keepalived <TIMER>: seconds with up to 6 decimals (spec 4.1), no unit,
 * into *us. Returns 0 or -EINVAL naming <t> (negative, "abc", 7 decimals and
 * values over 4000 s are errors, as keepalived reports them invalid).
 */
static int scn_vrrp_secs(struct scn_ctx *ctx, const char *what, const struct lex_token *t,
			 uint64_t *us)
{
	const char *s = t->text;
	uint64_t whole = 0, frac = 0;
	int ndec = 0;

	if (!isdigit((unsigned char)*s))
		goto out_bad;
	for (; isdigit((unsigned char)*s); s++) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > 4000)
			goto out_bad;
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, ndec++)
			if (ndec < 6)
				frac = frac * 10 + (uint64_t)(*s - '0');
			else
				goto out_bad;
	}
	if (*s)
		goto out_bad;
	for (; ndec < 6; ndec++)
		frac *= 10;
	*us = whole * 1000000 + frac;
	return 0;
out_bad:
	return scn_error(ctx, &t->loc,
			 "%s: expected seconds 0..4000 with up to 6 decimals, got '%s'", what,
			 t->text);
}

/*
 * A tracker weight token: -253..253; +-254 is clamped to +-253 with a
 * warning as keepalived does (spec 3.4); anything else is an error.
 */
static int scn_vrrp_weight(struct scn_ctx *ctx, const struct lex_token *t, int *out)
{
	long long w;

	if (scn_kad_int(ctx, "weight", t, -254, 254, &w))
		return -EINVAL;
	if (w == 254 || w == -254) {
		scn_warn(ctx, &t->loc, "weight %lld clamped to %d as keepalived does", w,
			 w > 0 ? 253 : -253);
		w = w > 0 ? 253 : -253;
	}
	*out = (int)w;
	return 0;
}

/* notify* keywords into <nt>; returns 1 when <n> is one, 0 when not. */
static int scn_vrrp_notify(const struct lex_node *n, struct scn_vrrp_notify *nt)
{
	static const char *const names[] = { "notify_master", "notify_backup", "notify_fault",
					     "notify_stop",   "notify_deleted", "notify",
					     "notify_master_rx_lower_pri" };
	char **dst[] = { &nt->master, &nt->backup,  &nt->fault,	       &nt->stop,
			 &nt->deleted, &nt->notify, &nt->master_rx_lower_pri };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(n->tok[0].text, names[i])) {
			free(*dst[i]);
			*dst[i] = scn_toks_join(n, 1);
			return 1;
		}
	return 0;
}

/*
 * One virtual_ipaddress line "ADDR[/LEN] [dev IF] [label L] [OPTION...]"
 * into <vip>. Options taking a value (brd, scope, peer, preferred_lft,
 * dev, label) need it; the others are accepted. Returns 0 or -EINVAL.
 */
static int scn_vrrp_vip(struct scn_ctx *ctx, const struct lex_node *n, struct scn_vip *vip)
{
	static const char *const valued[] = { "brd", "broadcast", "scope", "peer",
					      "preferred_lft", NULL };
	const struct lex_token *t = &n->tok[0];
	char buf[LB_ADDR_STRLEN + 8];
	char *slash;

	memset(vip, 0, sizeof(*vip));
	vip->loc = t->loc;
	snprintf(buf, sizeof(buf), "%s", t->text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (strlen(t->text) >= sizeof(buf) || lb_addr_parse(buf, &vip->addr))
		return scn_error(ctx, &t->loc, "virtual_ipaddress: expected ADDR[/LEN], got '%s'",
				 t->text);
	vip->prefix = vip->addr.af == LB_AF_INET6 ? 128 : 32;
	if (slash) {
		long long len;

		if (units_int(slash + 1, 0, vip->prefix, &len, ctx->ubuf, sizeof(ctx->ubuf)))
			return scn_error(ctx, &t->loc, "virtual_ipaddress %s: prefix %s", t->text,
					 ctx->ubuf);
		vip->prefix = (unsigned)len;
	}
	for (size_t i = 1; i < n->ntok; i++) {
		const char *o = n->tok[i].text;
		bool takes = !strcmp(o, "dev") || !strcmp(o, "label") || scn_in_list(valued, o);

		if (!takes)
			continue;
		if (i + 1 >= n->ntok)
			return scn_error(ctx, &n->tok[i].loc, "virtual_ipaddress: %s needs a value",
					 o);
		if (!strcmp(o, "dev")) {
			free(vip->dev);
			vip->dev = xstrdup(n->tok[i + 1].text);
		} else if (!strcmp(o, "label")) {
			free(vip->label);
			vip->label = xstrdup(n->tok[i + 1].text);
		}
		i++;
	}
	return 0;
}

/* A virtual_ipaddress[_excluded] block appended to *v, *nv. */
static int scn_vrrp_vips(struct scn_ctx *ctx, const struct lex_node *n, struct scn_vip **v,
			 size_t *nv)
{
	for (size_t k = 0; k < n->nkids; k++) {
		*v = xrealloc(*v, (*nv + 1) * sizeof(**v));
		if (scn_vrrp_vip(ctx, &n->kids[k], &(*v)[*nv])) {
			free((*v)[*nv].dev);
			free((*v)[*nv].label);
			return -EINVAL;
		}
		(*nv)++;
	}
	return 0;
}

/*
 * track_interface { IF [weight W [reverse]] } or track_script { NAME
 * [weight W [reverse|noreverse]] } appended to *tr, *ntr. A script entry
 * without weight keeps SCN_TRACK_WEIGHT_UNSET until its script is known.
 */
static int scn_vrrp_tracks(struct scn_ctx *ctx, const struct lex_node *n, bool script,
			   struct scn_vrrp_track **tr, size_t *ntr)
{
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *e = &n->kids[k];
		struct scn_vrrp_track t = { .weight = script ? SCN_TRACK_WEIGHT_UNSET : 0,
					    .loc = e->tok[0].loc };
		size_t i = 1;

		if (e->ntok > 1) {
			if (strcmp(e->tok[1].text, "weight") || e->ntok < 3)
				return scn_error(ctx, &e->tok[1].loc,
						 "%s: expected NAME [weight W [reverse]]",
						 n->tok[0].text);
			if (scn_vrrp_weight(ctx, &e->tok[2], &t.weight))
				return -EINVAL;
			i = 3;
		}
		for (; i < e->ntok; i++) {
			if (!strcmp(e->tok[i].text, "reverse"))
				t.reverse = true;
			else if (!(script && !strcmp(e->tok[i].text, "noreverse")))
				return scn_error(ctx, &e->tok[i].loc,
						 "%s: unexpected '%s' after the weight",
						 n->tok[0].text, e->tok[i].text);
		}
		t.name = xstrdup(e->tok[0].text);
		*tr = xrealloc(*tr, (*ntr + 1) * sizeof(**tr));
		(*tr)[(*ntr)++] = t;
	}
	return 0;
}

/* The instance named <name> of director <d>, NULL when none. */
static struct scn_vrrp_instance *scn_vrrp_inst_find(struct scn_director *d, const char *name)
{
	for (size_t i = 0; i < d->ninstances; i++)
		if (!strcmp(d->instances[i].name, name))
			return &d->instances[i];
	return NULL;
}

/* One statement of a vrrp_instance block into <v>. Returns 0 or -EINVAL. */
static int scn_vrrp_inst_kw(struct scn_ctx *ctx, const struct lex_node *s,
			    struct scn_vrrp_instance *v, int *prio)
{
	const char *kw = s->tok[0].text;
	uint64_t us;
	int x;

	if (scn_vrrp_notify(s, &v->notify))
		return scn_need_args(ctx, s, 1, 3, "PATH|\"PATH ARGS\" [USER [GROUP]]");
	if (!strcmp(kw, "state")) {
		if (scn_need_args(ctx, s, 1, 1, "MASTER or BACKUP"))
			return -EINVAL;
		if (strcmp(s->tok[1].text, "MASTER") && strcmp(s->tok[1].text, "BACKUP"))
			return scn_error(ctx, &s->tok[1].loc,
					 "state: expected MASTER or BACKUP, got '%s'", s->tok[1].text);
		v->state_master = !strcmp(s->tok[1].text, "MASTER");
		return 0;
	}
	if (!strcmp(kw, "interface"))
		return scn_vrrp_str(ctx, s, &v->interface);
	if (!strcmp(kw, "virtual_router_id")) {
		/* keepalived drops the instance; lbsim refuses the file */
		if (scn_vrrp_int(ctx, s, 1, 255, &x))
			return -EINVAL;
		v->vrid = (unsigned)x;
		return 0;
	}
	if (!strcmp(kw, "priority")) {
		long long p;

		if (scn_need_args(ctx, s, 1, 1, "one integer 1..255"))
			return -EINVAL;
		/* keepalived: out of range or not a number -> config error, 100 (spec 4.6) */
		if (units_int(s->tok[1].text, 1, 255, &p, ctx->ubuf, sizeof(ctx->ubuf))) {
			scn_warn(ctx, &s->tok[1].loc,
				 "priority '%s' is invalid (1..255); keepalived uses 100",
				 s->tok[1].text);
			*prio = 100;
		} else {
			*prio = (int)p;
		}
		return 0;
	}
	if (!strcmp(kw, "advert_int")) {
		if (scn_need_args(ctx, s, 1, 1, "seconds") ||
		    scn_vrrp_secs(ctx, kw, &s->tok[1], &us))
			return -EINVAL;
		v->advert_int_us = (uint32_t)us; /* rounded for the version when loading ends */
		v->advert_loc = s->tok[1].loc;
		return 0;
	}
	if (!strcmp(kw, "version"))
		return scn_vrrp_int(ctx, s, 2, 3, &v->version);
	if (!strcmp(kw, "authentication")) {
		for (size_t k = 0; k < s->nkids; k++) {
			const struct lex_node *a = &s->kids[k];

			if (scn_need_args(ctx, a, 1, 1, "one value"))
				return -EINVAL;
			if (!strcmp(a->tok[0].text, "auth_type")) {
				if (!strcmp(a->tok[1].text, "PASS"))
					v->auth_type = SCN_VRRP_AUTH_PASS;
				else if (!strcmp(a->tok[1].text, "AH"))
					v->auth_type = SCN_VRRP_AUTH_AH;
				else
					return scn_error(ctx, &a->tok[1].loc,
							 "auth_type: expected PASS or AH, got '%s'",
							 a->tok[1].text);
			} else if (!strcmp(a->tok[0].text, "auth_pass")) {
				/* only 8 characters go on the wire (spec 1.5) */
				if (strlen(a->tok[1].text) > 8)
					scn_warn(ctx, &a->tok[1].loc,
						 "auth_pass is truncated to 8 characters");
				snprintf(v->auth_pass, sizeof(v->auth_pass), "%.8s",
					 a->tok[1].text);
			} else {
				return scn_error(ctx, &a->tok[0].loc,
						 "unknown keyword '%s' in authentication",
						 a->tok[0].text);
			}
		}
		return 0;
	}
	if (!strcmp(kw, "virtual_ipaddress"))
		return scn_vrrp_vips(ctx, s, &v->vips, &v->nvips);
	if (!strcmp(kw, "virtual_ipaddress_excluded"))
		return scn_vrrp_vips(ctx, s, &v->vips_excluded, &v->nvips_excluded);
	if (!strcmp(kw, "track_interface"))
		return scn_vrrp_tracks(ctx, s, false, &v->track_if, &v->ntrack_if);
	if (!strcmp(kw, "track_script"))
		return scn_vrrp_tracks(ctx, s, true, &v->track_script, &v->ntrack_script);
	if (!strcmp(kw, "nopreempt") || !strcmp(kw, "preempt")) {
		if (scn_need_args(ctx, s, 0, 0, "no value"))
			return -EINVAL;
		v->nopreempt = kw[0] == 'n';
		return 0;
	}
	if (!strcmp(kw, "preempt_delay")) {
		/* 0..1000 s; keepalived reports others invalid: an error here */
		if (scn_need_args(ctx, s, 1, 1, "seconds 0..1000") ||
		    scn_vrrp_secs(ctx, kw, &s->tok[1], &us))
			return -EINVAL;
		if (us > 1000 * 1000000ULL)
			return scn_error(ctx, &s->tok[1].loc,
					 "preempt_delay: expected seconds 0..1000, got '%s'",
					 s->tok[1].text);
		v->preempt_delay_ns = (sim_time_t)us * 1000;
		return 0;
	}
	if (!strcmp(kw, "unicast_src_ip") || !strcmp(kw, "mcast_src_ip")) {
		if (scn_need_args(ctx, s, 1, 1, "one address"))
			return -EINVAL;
		return scn_addr(ctx, &s->tok[1], kw, kw[0] == 'u' ? &v->unicast_src : &v->mcast_src);
	}
	if (!strcmp(kw, "unicast_peer")) {
		/* "ADDR [min_ttl N] [max_ttl N]": the options are accepted */
		for (size_t k = 0; k < s->nkids; k++) {
			v->unicast_peers = xrealloc(v->unicast_peers, (v->nunicast_peers + 1) *
									      sizeof(*v->unicast_peers));
			if (scn_addr(ctx, &s->kids[k].tok[0], "unicast_peer",
				     &v->unicast_peers[v->nunicast_peers]))
				return -EINVAL;
			v->nunicast_peers++;
		}
		return 0;
	}
	if (!strcmp(kw, "garp_master_delay"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_master_delay_s);
	if (!strcmp(kw, "garp_master_repeat"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_master_repeat);
	if (!strcmp(kw, "garp_master_refresh"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_master_refresh_s);
	if (!strcmp(kw, "garp_master_refresh_repeat"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_master_refresh_repeat);
	if (!strcmp(kw, "garp_lower_prio_delay"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_lower_prio_delay_s);
	if (!strcmp(kw, "garp_lower_prio_repeat"))
		return scn_vrrp_int(ctx, s, 0, INT_MAX, &v->garp_lower_prio_repeat);
	if (!strcmp(kw, "lower_prio_no_advert"))
		return scn_vrrp_bool(ctx, s, &v->lower_prio_no_advert);
	if (!strcmp(kw, "higher_prio_send_advert"))
		return scn_vrrp_bool(ctx, s, &v->higher_prio_send_advert);
	if (!strcmp(kw, "down_timer_adverts"))
		return scn_vrrp_int(ctx, s, 1, 100, &v->down_timer_adverts);
	if (!strcmp(kw, "strict_mode"))
		return scn_vrrp_bool(ctx, s, &v->strict);
	if (!strcmp(kw, "accept") || !strcmp(kw, "no_accept")) {
		if (scn_need_args(ctx, s, 0, 0, "no value"))
			return -EINVAL;
		v->accept = kw[0] == 'a';
		return 0;
	}
	if (scn_in_list(kad_vrrp_inst_unmodelled, kw)) {
		scn_warn_unmodelled(ctx, &s->tok[0]);
		return 0;
	}
	return scn_error(ctx, &s->tok[0].loc, "unknown keyword '%s' in vrrp_instance", kw);
}

/*
 * vrrp_instance NAME { ... } into director <didx> (1-based). Priority is
 * settled here (it needs only state); what inherits global_defs is settled
 * by scn_vrrp_finish. Returns 0 or -EINVAL.
 */
static int scn_bind_vrrp_instance(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	struct scn_director *d = &ctx->scn->directors[didx - 1];
	struct scn_vrrp_instance *v, *old;
	int prio = SCN_VRRP_UNSET;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	old = scn_vrrp_inst_find(d, n->tok[1].text);
	if (old)
		return scn_error(ctx, &n->tok[1].loc, "vrrp_instance '%s' already defined at %s:%d:%d",
				 n->tok[1].text, old->loc.file, old->loc.line, old->loc.col);
	d->instances = xrealloc(d->instances, (d->ninstances + 1) * sizeof(*d->instances));
	v = &d->instances[d->ninstances++];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(n->tok[1].text);
	v->loc = n->tok[0].loc;
	v->advert_loc = v->loc;
	v->advert_int_us = 1000000;
	v->version = v->garp_master_delay_s = v->garp_master_repeat = SCN_VRRP_UNSET;
	v->garp_master_refresh_s = v->garp_master_refresh_repeat = SCN_VRRP_UNSET;
	v->garp_lower_prio_delay_s = v->garp_lower_prio_repeat = SCN_VRRP_UNSET;
	v->lower_prio_no_advert = v->higher_prio_send_advert = SCN_VRRP_UNSET;
	v->down_timer_adverts = v->strict = v->accept = SCN_VRRP_UNSET;
	for (size_t k = 0; k < n->nkids; k++)
		if (scn_vrrp_inst_kw(ctx, &n->kids[k], v, &prio))
			return -EINVAL;
	if (!v->vrid)
		return scn_error(ctx, &n->tok[1].loc,
				 "vrrp_instance %s: virtual_router_id (1..255) is required", v->name);
	/* 100, or 255 for state MASTER without a (valid) priority (spec 4.6) */
	v->priority = prio != SCN_VRRP_UNSET ? (unsigned)prio : v->state_master ? 255 : 100;
	for (size_t k = 1; k < v->nvips; k++)
		if (v->vips[k].addr.af != v->vips[0].addr.af)
			return scn_error(ctx, &v->vips[k].loc,
					 "vrrp_instance %s: VIP is IPv%d but the instance is IPv%d "
					 "(first VIP at %d:%d); keepalived needs one family",
					 v->name, v->vips[k].addr.af, v->vips[0].addr.af,
					 v->vips[0].loc.line, v->vips[0].loc.col);
	return 0;
}

/*
 * vrrp_script NAME { ... } into director <didx> (spec 4.4). A block without
 * `script` is dropped with a warning, as keepalived does. Returns 0 or -EINVAL.
 */
static int scn_bind_vrrp_script(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	struct scn_director *d = &ctx->scn->directors[didx - 1];
	struct scn_vrrp_script sc = { .interval_s = 1, .rise = 1, .fall = 1, .loc = n->tok[0].loc };
	int x, timeout = SCN_VRRP_UNSET, ret = 0;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	for (size_t i = 0; i < d->nscripts; i++)
		if (!strcmp(d->scripts[i].name, n->tok[1].text))
			return scn_error(ctx, &n->tok[1].loc,
					 "vrrp_script '%s' already defined at %s:%d:%d",
					 n->tok[1].text, d->scripts[i].loc.file,
					 d->scripts[i].loc.line, d->scripts[i].loc.col);
	for (size_t k = 0; k < n->nkids && !ret; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;

		if (!strcmp(kw, "script")) {
			if (!(ret = scn_need_args(ctx, s, 1, SIZE_MAX, "a command"))) {
				free(sc.script);
				sc.script = scn_toks_join(s, 1);
			}
		} else if (!strcmp(kw, "interval")) {
			/* integer seconds; 0 becomes 1 as in keepalived */
			if (!(ret = scn_vrrp_int(ctx, s, 0, INT_MAX, &x)))
				sc.interval_s = x ? (unsigned)x : 1;
		} else if (!strcmp(kw, "timeout")) {
			ret = scn_vrrp_int(ctx, s, 0, INT_MAX, &timeout);
		} else if (!strcmp(kw, "weight")) {
			if (!(ret = scn_need_args(ctx, s, 1, 2, "W [reverse]")))
				ret = scn_vrrp_weight(ctx, &s->tok[1], &sc.weight);
			if (!ret && s->ntok == 3) {
				if (strcmp(s->tok[2].text, "reverse"))
					ret = scn_error(ctx, &s->tok[2].loc,
							"weight: expected 'reverse', got '%s'",
							s->tok[2].text);
				sc.reverse = true;
			}
		} else if (!strcmp(kw, "rise") || !strcmp(kw, "fall")) {
			/* >= 1: keepalived reports 0 as invalid; an error here */
			if (!(ret = scn_vrrp_int(ctx, s, 1, INT_MAX, &x)))
				*(kw[0] == 'r' ? &sc.rise : &sc.fall) = (unsigned)x;
		} else if (!strcmp(kw, "user")) {
			if (!(ret = scn_need_args(ctx, s, 1, 2, "USER [GROUP]"))) {
				free(sc.user);
				sc.user = scn_toks_join(s, 1);
			}
		} else if (!strcmp(kw, "init_fail")) {
			ret = scn_need_args(ctx, s, 0, 0, "no value");
			sc.init_fail = true;
		} else if (!strcmp(kw, "lbsim_fail_probability")) {
			ret = scn_fail_probability(ctx, s, &sc.fail_probability);
		} else {
			ret = scn_error(ctx, &s->tok[0].loc, "unknown keyword '%s' in vrrp_script", kw);
		}
	}
	if (!ret && !sc.script) {
		scn_warn(ctx, &n->tok[1].loc,
			 "vrrp_script %s has no script; dropped as keepalived does", n->tok[1].text);
		goto out_free;
	}
	if (ret)
		goto out_free;
	sc.timeout_s = timeout == SCN_VRRP_UNSET ? sc.interval_s : (unsigned)timeout;
	sc.name = xstrdup(n->tok[1].text);
	d->scripts = xrealloc(d->scripts, (d->nscripts + 1) * sizeof(*d->scripts));
	d->scripts[d->nscripts++] = sc;
	return 0;
out_free:
	free(sc.script);
	free(sc.user);
	return ret;
}

/*
 * vrrp_sync_group NAME { group { INSTANCE ... } notify... } into director
 * <didx> (spec 4.5). Members are checked by scn_vrrp_finish (instances may
 * come later in the file). Returns 0 or -EINVAL.
 */
static int scn_bind_vrrp_sync_group(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	struct scn_director *d = &ctx->scn->directors[didx - 1];
	struct scn_vrrp_sync_group *g;
	bool have_group = false;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	for (size_t i = 0; i < d->nsync_groups; i++)
		if (!strcmp(d->sync_groups[i].name, n->tok[1].text))
			return scn_error(ctx, &n->tok[1].loc,
					 "vrrp_sync_group '%s' already defined at %s:%d:%d",
					 n->tok[1].text, d->sync_groups[i].loc.file,
					 d->sync_groups[i].loc.line, d->sync_groups[i].loc.col);
	d->sync_groups = xrealloc(d->sync_groups, (d->nsync_groups + 1) * sizeof(*d->sync_groups));
	g = &d->sync_groups[d->nsync_groups++];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(n->tok[1].text);
	g->loc = n->tok[0].loc;
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];
		const char *kw = s->tok[0].text;

		if (!strcmp(kw, "group")) {
			have_group = true;
			for (size_t i = 0; i < s->nkids; i++) {
				const struct lex_node *m = &s->kids[i];

				for (size_t j = 0; j < m->ntok; j++) {
					g->instances = xrealloc(g->instances, (g->ninstances + 1) *
										      sizeof(*g->instances));
					g->instance_locs =
						xrealloc(g->instance_locs, (g->ninstances + 1) *
										   sizeof(*g->instance_locs));
					g->instances[g->ninstances] = xstrdup(m->tok[j].text);
					g->instance_locs[g->ninstances++] = m->tok[j].loc;
				}
			}
		} else if (scn_vrrp_notify(s, &g->notify)) {
			if (scn_need_args(ctx, s, 1, 3, "PATH|\"PATH ARGS\" [USER [GROUP]]"))
				return -EINVAL;
		} else if (scn_in_list(kad_vrrp_sg_unmodelled, kw)) {
			scn_warn_unmodelled(ctx, &s->tok[0]);
		} else {
			/* instance names written directly: pre-2.x syntax, refused by 2.2.7 */
			return scn_error(ctx, &s->tok[0].loc,
					 "unknown keyword '%s' in vrrp_sync_group %s; list the "
					 "instances in group { } (keepalived 2.2.7 refuses the old "
					 "syntax)",
					 kw, g->name);
		}
	}
	if (!have_group || !g->ninstances)
		return scn_error(ctx, &n->tok[1].loc,
				 "vrrp_sync_group %s: group { INSTANCE ... } is required", g->name);
	return 0;
}

/*
 * The VRRP keywords of global_defs into <g>; returns 1 when <s> is one
 * (0 or -EINVAL in *ret), 0 when it is not.
 */
static int scn_vrrp_global_kw(struct scn_ctx *ctx, const struct lex_node *s,
			      struct scn_vrrp_globals *g, int *ret)
{
#define SCN_VG(n, f, lo, hi) { n, offsetof(struct scn_vrrp_globals, f), lo, hi }
	static const struct {
		const char *name;
		size_t off;
		int lo, hi; /* lo > hi: a boolean */
	} ints[] = {
		SCN_VG("vrrp_version", version, 2, 3),
		SCN_VG("vrrp_garp_master_delay", garp_master_delay_s, 0, INT_MAX),
		SCN_VG("vrrp_garp_master_repeat", garp_master_repeat, 0, INT_MAX),
		SCN_VG("vrrp_garp_master_refresh", garp_master_refresh_s, 0, INT_MAX),
		SCN_VG("vrrp_garp_master_refresh_repeat", garp_master_refresh_repeat, 0, INT_MAX),
		SCN_VG("vrrp_garp_lower_prio_delay", garp_lower_prio_delay_s, 0, INT_MAX),
		SCN_VG("vrrp_garp_lower_prio_repeat", garp_lower_prio_repeat, 0, INT_MAX),
		SCN_VG("vrrp_down_timer_adverts", down_timer_adverts, 1, 100),
		SCN_VG("vrrp_min_garp", min_garp, 1, 0),
		SCN_VG("vrrp_lower_prio_no_advert", lower_prio_no_advert, 1, 0),
		SCN_VG("vrrp_higher_prio_send_advert", higher_prio_send_advert, 1, 0),
		SCN_VG("vrrp_strict", strict, 1, 0),
	};
#undef SCN_VG
	const char *kw = s->tok[0].text;
	uint64_t us;

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int *dst = (int *)(void *)((char *)g + ints[i].off);

		if (strcmp(kw, ints[i].name))
			continue;
		*ret = ints[i].lo > ints[i].hi ? scn_vrrp_bool(ctx, s, dst)
					       : scn_vrrp_int(ctx, s, ints[i].lo, ints[i].hi, dst);
		return 1;
	}
	if (!strcmp(kw, "router_id")) {
		*ret = scn_vrrp_str(ctx, s, &g->router_id);
		return 1;
	}
	if (!strcmp(kw, "vrrp_startup_delay")) {
		*ret = scn_need_args(ctx, s, 1, 1, "seconds");
		if (!*ret && !(*ret = scn_vrrp_secs(ctx, kw, &s->tok[1], &us)))
			g->startup_delay_ns = (sim_time_t)us * 1000;
		return 1;
	}
	if (!strcmp(kw, "vrrp_mcast_group4")) {
		*ret = scn_need_args(ctx, s, 1, 1, "an IPv4 address");
		if (!*ret && !(*ret = scn_addr(ctx, &s->tok[1], kw, &g->mcast_group4)) &&
		    g->mcast_group4.af != LB_AF_INET)
			*ret = scn_error(ctx, &s->tok[1].loc, "%s: expected an IPv4 address", kw);
		return 1;
	}
	if (!strcmp(kw, "lvs_sync_daemon")) {
		/* IF [inst NAME] [id 0..255] [maxlen N] [port N] [ttl N] [group A] */
		*ret = scn_need_args(ctx, s, 1, 13, "IF [inst NAME] [id N] ...");
		if (*ret)
			return 1;
		if ((s->ntok - 2) % 2) {
			*ret = scn_error(ctx, &s->tok[s->ntok - 1].loc,
					 "lvs_sync_daemon: '%s' needs a value", s->tok[s->ntok - 1].text);
			return 1;
		}
		free(g->sync_if);
		free(g->sync_inst);
		g->sync_inst = NULL;
		g->sync_if = xstrdup(s->tok[1].text);
		g->sync_loc = s->tok[0].loc;
		for (size_t i = 2; i + 1 < s->ntok && !*ret; i += 2) {
			const char *o = s->tok[i].text;

			if (!strcmp(o, "inst")) {
				free(g->sync_inst);
				g->sync_inst = xstrdup(s->tok[i + 1].text);
			} else if (!strcmp(o, "id")) {
				long long id;

				*ret = scn_kad_int(ctx, "lvs_sync_daemon id", &s->tok[i + 1], 0,
						   255, &id);
				g->sync_id = (int)id;
			} else if (strcmp(o, "maxlen") && strcmp(o, "port") && strcmp(o, "ttl") &&
				   strcmp(o, "group")) {
				*ret = scn_error(ctx, &s->tok[i].loc,
						 "lvs_sync_daemon: unknown option '%s'", o);
			}
		}
		return 1;
	}
	return 0;
}

/* Unset fields of <g> taken from <top>, then keepalived's defaults (4.3, 3.2). */
static void scn_vrrp_globals_resolve(struct scn_vrrp_globals *g, const struct scn_vrrp_globals *top)
{
	int *gi[] = { &g->version, &g->garp_master_delay_s, &g->garp_master_repeat,
		      &g->garp_master_refresh_s, &g->garp_master_refresh_repeat,
		      &g->garp_lower_prio_delay_s, &g->garp_lower_prio_repeat, &g->min_garp,
		      &g->lower_prio_no_advert, &g->higher_prio_send_advert,
		      &g->down_timer_adverts, &g->strict, &g->sync_id };
	const int ti[] = { top->version, top->garp_master_delay_s, top->garp_master_repeat,
			   top->garp_master_refresh_s, top->garp_master_refresh_repeat,
			   top->garp_lower_prio_delay_s, top->garp_lower_prio_repeat, top->min_garp,
			   top->lower_prio_no_advert, top->higher_prio_send_advert,
			   top->down_timer_adverts, top->strict, top->sync_id };
	bool min;

	for (size_t i = 0; i < sizeof(ti) / sizeof(ti[0]); i++)
		if (*gi[i] == SCN_VRRP_UNSET)
			*gi[i] = ti[i];
	if (g->startup_delay_ns == SCN_VRRP_UNSET)
		g->startup_delay_ns = top->startup_delay_ns;
	if (!g->mcast_group4.af)
		g->mcast_group4 = top->mcast_group4;
	if (!g->router_id && top->router_id)
		g->router_id = xstrdup(top->router_id);
	if (!g->sync_if && top->sync_if) {
		g->sync_if = xstrdup(top->sync_if);
		g->sync_inst = top->sync_inst ? xstrdup(top->sync_inst) : NULL;
		g->sync_loc = top->sync_loc;
	}
	/* defaults; vrrp_min_garp only overrides values still at default */
	g->min_garp = g->min_garp == 1;
	g->strict = g->strict == 1;
	min = g->min_garp;
	if (g->version == SCN_VRRP_UNSET)
		g->version = 2;
	if (g->garp_master_repeat == SCN_VRRP_UNSET)
		g->garp_master_repeat = min ? 1 : 5;
	if (!g->garp_master_repeat)
		g->garp_master_repeat = 1; /* 0 is turned into 1 (3.2) */
	if (g->garp_master_delay_s == SCN_VRRP_UNSET)
		g->garp_master_delay_s = min ? 0 : 5;
	if (g->garp_master_refresh_s == SCN_VRRP_UNSET)
		g->garp_master_refresh_s = 0;
	if (g->garp_master_refresh_repeat == SCN_VRRP_UNSET)
		g->garp_master_refresh_repeat = 1;
	if (g->garp_lower_prio_repeat == SCN_VRRP_UNSET)
		g->garp_lower_prio_repeat = g->strict ? 0 : g->garp_master_repeat;
	if (g->garp_lower_prio_delay_s == SCN_VRRP_UNSET)
		g->garp_lower_prio_delay_s = g->strict ? 0 : g->garp_master_delay_s;
	if (g->lower_prio_no_advert == SCN_VRRP_UNSET)
		g->lower_prio_no_advert = g->strict;
	if (g->higher_prio_send_advert == SCN_VRRP_UNSET)
		g->higher_prio_send_advert = 0;
	if (g->down_timer_adverts == SCN_VRRP_UNSET)
		g->down_timer_adverts = 3;
	if (g->startup_delay_ns == SCN_VRRP_UNSET)
		g->startup_delay_ns = 0;
	if (!g->mcast_group4.af) {
		g->mcast_group4.af = LB_AF_INET;
		g->mcast_group4.u.v4 = 0xe0000012; /* 224.0.0.18 */
	}
}

/*
 * Round instance <v>'s advert_int for its version as keepalived does
 * (spec 3.7), warning where keepalived reports a config error.
 */
static void scn_vrrp_advert_round(struct scn_ctx *ctx, struct scn_vrrp_instance *v)
{
	uint32_t us = v->advert_int_us;

	if (v->version == 2) {
		if (us >= 256 * 1000000U) {
			scn_warn(ctx, &v->advert_loc, "advert_int too large for VRRPv2; 255 s used");
			us = 255 * 1000000U;
		} else if (us % 1000000U) {
			us = (us + 500000U) / 1000000U * 1000000U;
			if (!us)
				us = 1000000U;
			scn_warn(ctx, &v->advert_loc,
				 "VRRPv2 advert_int is whole seconds; %u s used as keepalived does",
				 us / 1000000U);
		} else if (!us) {
			scn_warn(ctx, &v->advert_loc, "advert_int 0 is invalid; 1 s used");
			us = 1000000U;
		}
	} else {
		if (us >= 4096 * 10000U) {
			scn_warn(ctx, &v->advert_loc, "advert_int too large for VRRPv3; 40.95 s used");
			us = 4095 * 10000U;
		} else {
			us = (us + 5000U) / 10000U * 10000U;
			if (!us) {
				scn_warn(ctx, &v->advert_loc, "advert_int 0 is invalid; 10 ms used");
				us = 10000U;
			}
		}
	}
	v->advert_int_us = us;
}

/* Instance <v> of director <d>: inherited values, corrections, track_script. */
static void scn_vrrp_inst_resolve(struct scn_ctx *ctx, struct scn_director *d,
				  struct scn_vrrp_instance *v)
{
	const struct scn_vrrp_globals *g = &d->vrrp;
	int *vi[] = { &v->garp_master_delay_s, &v->garp_master_repeat, &v->garp_master_refresh_s,
		      &v->garp_master_refresh_repeat, &v->garp_lower_prio_delay_s,
		      &v->garp_lower_prio_repeat, &v->down_timer_adverts };
	const int gv[] = { g->garp_master_delay_s, g->garp_master_repeat, g->garp_master_refresh_s,
			   g->garp_master_refresh_repeat, g->garp_lower_prio_delay_s,
			   g->garp_lower_prio_repeat, g->down_timer_adverts };
	size_t kept = 0;

	for (size_t i = 0; i < sizeof(gv) / sizeof(gv[0]); i++)
		if (*vi[i] == SCN_VRRP_UNSET)
			*vi[i] = gv[i];
	if (!v->garp_master_repeat)
		v->garp_master_repeat = 1;
	if (v->strict == SCN_VRRP_UNSET)
		v->strict = g->strict;
	if (v->version == SCN_VRRP_UNSET) /* IPv6 instances are VRRPv3 */
		v->version = v->nvips && v->vips[0].addr.af == LB_AF_INET6 ? 3 : g->version;
	if (v->lower_prio_no_advert == SCN_VRRP_UNSET)
		v->lower_prio_no_advert = v->strict ? 1 : g->lower_prio_no_advert;
	if (v->higher_prio_send_advert == SCN_VRRP_UNSET)
		v->higher_prio_send_advert = v->strict ? 0 : g->higher_prio_send_advert;
	if (v->accept == SCN_VRRP_UNSET)
		v->accept = !(v->strict && v->priority != 255);
	scn_vrrp_advert_round(ctx, v);
	/* keepalived clears these with a warning (spec 3.1, 3.3) */
	if (v->nopreempt && (v->state_master || v->priority == 255)) {
		scn_warn(ctx, &v->loc, "vrrp_instance %s: nopreempt does not work with %s; cleared",
			 v->name, v->state_master ? "state MASTER" : "priority 255");
		v->nopreempt = false;
	}
	if (v->preempt_delay_ns && (v->state_master || v->nopreempt || v->strict)) {
		scn_warn(ctx, &v->loc, "vrrp_instance %s: preempt_delay does not work with %s; cleared",
			 v->name,
			 v->state_master ? "state MASTER" : v->nopreempt ? "nopreempt" : "strict mode");
		v->preempt_delay_ns = 0;
	}
	/* track_script: the script's weight when none; unknown scripts dropped */
	for (size_t i = 0; i < v->ntrack_script; i++) {
		struct scn_vrrp_track *t = &v->track_script[i];
		const struct scn_vrrp_script *sc = NULL;

		for (size_t k = 0; k < d->nscripts && !sc; k++)
			if (!strcmp(d->scripts[k].name, t->name))
				sc = &d->scripts[k];
		if (!sc) {
			scn_warn(ctx, &t->loc,
				 "vrrp_instance %s: track_script '%s' names no vrrp_script; "
				 "dropped as keepalived does",
				 v->name, t->name);
			free(t->name);
			continue;
		}
		if (t->weight == SCN_TRACK_WEIGHT_UNSET) {
			t->weight = sc->weight;
			t->reverse = sc->reverse;
		}
		v->track_script[kept++] = *t;
	}
	v->ntrack_script = kept;
}

/*
 * When every block is bound: global_defs resolved per director, instance
 * defaults, sync group members and lvs_sync_daemon's instance checked.
 * Returns 0 or -EINVAL.
 */
static int scn_vrrp_finish(struct scn_ctx *ctx)
{
	struct scenario *scn = ctx->scn;

	for (size_t di = 0; di < scn->ndirectors; di++) {
		struct scn_director *d = &scn->directors[di];
		struct scn_vrrp_globals *g = &d->vrrp;

		scn_vrrp_globals_resolve(g, &scn->vrrp);
		for (size_t i = 0; i < d->ninstances; i++)
			scn_vrrp_inst_resolve(ctx, d, &d->instances[i]);
		for (size_t i = 0; i < d->nsync_groups; i++) {
			struct scn_vrrp_sync_group *sg = &d->sync_groups[i];

			for (size_t k = 0; k < sg->ninstances; k++) {
				struct scn_vrrp_instance *v = scn_vrrp_inst_find(d, sg->instances[k]);

				if (!v)
					return scn_error(ctx, &sg->instance_locs[k],
							 "vrrp_sync_group %s: no vrrp_instance named "
							 "'%s' in director %s",
							 sg->name, sg->instances[k], d->name);
				if (v->sync_group)
					return scn_error(ctx, &sg->instance_locs[k],
							 "vrrp_sync_group %s: vrrp_instance %s is "
							 "already in vrrp_sync_group %s",
							 sg->name, v->name, v->sync_group);
				v->sync_group = xstrdup(sg->name);
			}
		}
		if (g->sync_if && g->sync_inst) {
			const struct scn_vrrp_instance *v = scn_vrrp_inst_find(d, g->sync_inst);

			if (!v)
				return scn_error(ctx, &g->sync_loc,
						 "lvs_sync_daemon: no vrrp_instance named '%s' in "
						 "director %s",
						 g->sync_inst, d->name);
			if (g->sync_id == SCN_VRRP_UNSET)
				g->sync_id = (int)v->vrid;
		}
		if (g->sync_id == SCN_VRRP_UNSET)
			g->sync_id = 0;
	}
	return 0;
}

/*
 * global_defs: lvs_timeouts and the VRRP keywords are modelled (for
 * director <didx>, or for every director without its own when at top
 * level, didx 0); every other keyword is accepted with the one "not
 * modelled yet" warning. Returns 0 or -EINVAL.
 */
static int scn_bind_global_defs(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	struct scn_lvs_timeouts *t = didx ? &ctx->scn->directors[didx - 1].lvs : &ctx->scn->lvs;
	struct scn_vrrp_globals *g = didx ? &ctx->scn->directors[didx - 1].vrrp : &ctx->scn->vrrp;

	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *s = &n->kids[k];

		int ret = 0;

		if (!strcmp(s->tok[0].text, "lvs_timeouts")) {
			if (scn_bind_lvs_timeouts(ctx, s, t))
				return -EINVAL;
			continue;
		}
		if (scn_vrrp_global_kw(ctx, s, g, &ret)) {
			if (ret)
				return ret;
			continue;
		}
		scn_warn_unmodelled(ctx, &s->tok[0]);
	}
	return 0;
}

static int scn_bind_kad(struct scn_ctx *ctx, size_t didx, const struct lex_node *n)
{
	const struct lex_token *kw = &n->tok[0];
	bool owned = !kw->quoted && (!strcmp(kw->text, "virtual_server") ||
				     !strcmp(kw->text, "vrrp_instance") ||
				     !strcmp(kw->text, "vrrp_script") ||
				     !strcmp(kw->text, "vrrp_sync_group"));

	if (owned && !didx) {
		if (!ctx->implicit_dir) {
			struct scn_loc given[SCN_PARAMS_MAX];
			struct scn_director *d;

			for (size_t i = 0; i < ctx->scn->ndirectors; i++)
				if (!strcmp(ctx->scn->directors[i].name, "director"))
					return scn_error(ctx, &kw->loc,
							 "%s outside a director block belongs to "
							 "the implicit director 'director', which "
							 "is also defined at %s:%d:%d",
							 kw->text, ctx->scn->directors[i].loc.file,
							 ctx->scn->directors[i].loc.line,
							 ctx->scn->directors[i].loc.col);
			d = scn_director_add(ctx, "director", &kw->loc);
			ctx->implicit_dir = ctx->scn->ndirectors;
			if (scn_bind(ctx, BLK_DIRECTOR, NULL, "director", &kw->loc, d, false,
				     given))
				return -EINVAL;
		}
		didx = ctx->implicit_dir;
	}
	if (owned && !strcmp(kw->text, "virtual_server"))
		return scn_bind_vs(ctx, didx - 1, n);
	if (owned && !strcmp(kw->text, "vrrp_instance"))
		return scn_bind_vrrp_instance(ctx, didx, n);
	if (owned && !strcmp(kw->text, "vrrp_script"))
		return scn_bind_vrrp_script(ctx, didx, n);
	if (owned)
		return scn_bind_vrrp_sync_group(ctx, didx, n);
	if (!kw->quoted && !strcmp(kw->text, "virtual_server_group"))
		return 0; /* collected beforehand; bound where used */
	if (!kw->quoted && !strcmp(kw->text, "global_defs"))
		return scn_bind_global_defs(ctx, didx, n);
	if (!kw->quoted && scn_in_list(kad_top_keywords, kw->text)) {
		scn_warn_unmodelled(ctx, kw);
		return 0;
	}
	{
		char list[1024];

		return scn_error(
			ctx, &kw->loc,
			"unknown keyword '%s'; expected an lbsim block (simulation, clients, "
			"server, link, director, expect) or a keepalived one (%s)",
			kw->text, scn_join(list, sizeof(list), kad_top_keywords, NULL));
	}
}

/*
 * A director block: its own keys (cpu_per_packet, nic) and keepalived
 * statements, written inline or included. Returns 0 or -EINVAL.
 */
static int scn_bind_director(struct scn_ctx *ctx, const struct lex_node *n)
{
	struct scenario *scn = ctx->scn;
	struct scn_loc given[SCN_PARAMS_MAX];
	size_t didx;

	if (scn_header(ctx, n, true))
		return -EINVAL;
	for (size_t i = 0; i < scn->ndirectors; i++)
		if (!strcmp(scn->directors[i].name, n->tok[1].text))
			return scn_error(ctx, &n->tok[1].loc,
					 "director '%s' already defined at %s:%d:%d",
					 n->tok[1].text, scn->directors[i].loc.file,
					 scn->directors[i].loc.line, scn->directors[i].loc.col);
	scn_director_add(ctx, n->tok[1].text, &n->tok[0].loc);
	didx = scn->ndirectors;
	if (scn_bind(ctx, BLK_DIRECTOR, n, n->tok[1].text, &n->tok[0].loc,
		     &scn->directors[didx - 1], true, given))
		return -EINVAL;
	for (size_t k = 0; k < n->nkids; k++)
		if (!scn_is_key(BLK_DIRECTOR, &n->kids[k].tok[0]) &&
		    scn_bind_kad(ctx, didx, &n->kids[k]))
			return -EINVAL;
	return 0;
}

/* ---- --set ---- */

/*
 * Parse and tokenize every --set up front so a bad path fails before
 * anything is bound. Returns 0 or -EINVAL ("--set:1:COL: error: ...").
 */
static int scn_sets_parse(struct scn_ctx *ctx, const struct scn_set *sets, size_t nsets)
{
	if (nsets)
		ctx->set_file = lexer_intern(ctx->lx, "--set");
	ctx->sets = xcalloc(nsets ? nsets : 1, sizeof(*ctx->sets));
	ctx->nsets = nsets;
	for (size_t i = 0; i < nsets; i++) {
		struct scn_pset *ps = &ctx->sets[i];
		const char *path = sets[i].path ? sets[i].path : "";
		const char *dot = strchr(path, '.'), *last = strrchr(path, '.');
		struct scn_loc loc = { ctx->set_file, 1, 1 };
		char list[512];
		size_t bl = dot ? (size_t)(dot - path) : strlen(path);
		const struct lex_node *v;

		ps->path = path;
		ps->blk = -1;
		for (int b = 0; b < BLK_COUNT; b++)
			if (strlen(scn_blocks[b].name) == bl &&
			    !strncmp(scn_blocks[b].name, path, bl))
				ps->blk = b;
		if (ps->blk < 0 || !dot)
			return scn_error(ctx, &loc,
					 "--set %s: expected BLOCK[.NAME].KEY with BLOCK one of "
					 "simulation, clients, server, link, director, expect",
					 path);
		if (scn_blocks[ps->blk].named) {
			if (last == dot || last == dot + 1)
				return scn_error(ctx, &loc, "--set %s: expected %s.NAME.KEY", path,
						 scn_blocks[ps->blk].name);
			ps->name = xstrndup(dot + 1, (size_t)(last - dot - 1));
		}
		ps->key.text = xstrdup(scn_blocks[ps->blk].named ? last + 1 : dot + 1);
		ps->key.loc = loc;
		if (scn_blocks[ps->blk].params) {
			ps->p = scn_param_find(scn_blocks[ps->blk].params, ps->key.text);
			if (!ps->p)
				return scn_error(
					ctx, &loc,
					"--set %s: unknown key '%s' for %s; expected one of %s",
					path, ps->key.text, scn_blocks[ps->blk].name,
					scn_join(list, sizeof(list), NULL,
						 scn_blocks[ps->blk].params));
		} else if (scn_metric_find(ps->key.text) < 0) {
			return scn_error(ctx, &loc,
					 "--set %s: unknown expect metric '%s'; expected one of %s",
					 path, ps->key.text,
					 scn_join(list, sizeof(list), scn_expect_metrics, NULL));
		}
		if (lexer_read_string(ctx->lx, "--set", (int)strlen(path) + 2,
				      sets[i].value ? sets[i].value : "", &ps->val, ctx->err,
				      ctx->errlen))
			return -EINVAL;
		v = ps->val.nkids == 1 ? &ps->val.kids[0] : NULL;
		if (!v || v->block)
			return scn_error(ctx, &loc,
					 "--set %s: expected one value (no braces) after '='",
					 path);
		{
			size_t need;

			if (scn_arity(ctx, ps->p, &ps->key, v->tok, v->ntok, &need) ||
			    scn_check_args(ctx, ps->blk, ps->p, &ps->key, v->tok, v->ntok, need,
					   true))
				return -EINVAL;
		}
	}
	return 0;
}

/* Every --set must have matched a block. Returns 0 or -EINVAL. */
static int scn_sets_check_used(struct scn_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nsets; i++) {
		const struct scn_pset *ps = &ctx->sets[i];
		struct scn_loc loc = { ctx->set_file, 1, 1 };

		if (!ps->used)
			return scn_error(
				ctx, &loc, "--set %s: no %s block named '%s' in the scenario",
				ps->path, scn_blocks[ps->blk].name, ps->name ? ps->name : "");
	}
	return 0;
}

/* Free the parsed --set values (NULL-safe on a partial parse). */
static void scn_sets_free(struct scn_ctx *ctx)
{
	for (size_t i = 0; ctx->sets && i < ctx->nsets; i++) {
		free(ctx->sets[i].name);
		free(ctx->sets[i].key.text);
		lex_node_fini(&ctx->sets[i].val);
	}
	free(ctx->sets);
}

/* ---- the whole file ---- */

/*
 * Remember every virtual_server_group node, at the top level (<dir> NULL) or
 * inside the block of director <dir>. A name may appear once per director.
 */
static int scn_collect_groups(struct scn_ctx *ctx, const struct lex_node *root, int depth,
			      const char *dir)
{
	for (size_t k = 0; k < root->nkids; k++) {
		const struct lex_node *n = &root->kids[k];
		const char *kw = n->tok[0].text;

		if (depth == 0 && !strcmp(kw, "director") && n->block) {
			if (scn_collect_groups(ctx, n, 1, n->ntok > 1 ? n->tok[1].text : NULL))
				return -EINVAL;
			continue;
		}
		if (strcmp(kw, "virtual_server_group"))
			continue;
		if (n->ntok != 2 || !n->block)
			return scn_error(ctx, &n->tok[0].loc,
					 "virtual_server_group: expected 'virtual_server_group "
					 "NAME { ... }'");
		for (size_t i = 0; i < ctx->ngroups; i++) {
			const char *gd = ctx->group_dirs[i];

			if (strcmp(ctx->groups[i]->tok[1].text, n->tok[1].text) ||
			    (gd != dir && (!gd || !dir || strcmp(gd, dir))))
				continue;
			return scn_error(ctx, &n->tok[1].loc,
					 "virtual_server_group '%s' defined twice", n->tok[1].text);
		}
		ctx->groups = xrealloc(ctx->groups, (ctx->ngroups + 1) * sizeof(*ctx->groups));
		ctx->group_dirs =
			xrealloc(ctx->group_dirs, (ctx->ngroups + 1) * sizeof(*ctx->group_dirs));
		ctx->group_dirs[ctx->ngroups] = dir;
		ctx->groups[ctx->ngroups++] = n;
	}
	return 0;
}

/*
 * Bind the top-level statements in order; the simulation block and the
 * expect blocks are bound after the walk so --set applies to them even when
 * the file has none. Returns 0 or -EINVAL.
 */
static int scn_bind_root(struct scn_ctx *ctx, const struct lex_node *root)
{
	struct scenario *scn = ctx->scn;
	const struct lex_node *sim = NULL, **expects = NULL;
	struct scn_loc given[16], top = { lexer_intern(ctx->lx, scn->path), 1, 1 };
	size_t nexpects = 0;
	int ret = scn_collect_groups(ctx, root, 0, NULL);

	for (size_t k = 0; k < root->nkids && !ret; k++) {
		const struct lex_node *n = &root->kids[k];
		const struct lex_token *kw = &n->tok[0];

		if (kw->quoted) {
			ret = scn_bind_kad(ctx, 0, n);
		} else if (!strcmp(kw->text, "simulation")) {
			if (sim)
				ret = scn_error(ctx, &kw->loc,
						"simulation already given at %s:%d:%d",
						sim->tok[0].loc.file, sim->tok[0].loc.line,
						sim->tok[0].loc.col);
			else if (!scn_header(ctx, n, false))
				sim = n;
			else
				ret = -EINVAL;
		} else if (!strcmp(kw->text, "clients")) {
			ret = scn_bind_clients(ctx, n);
		} else if (!strcmp(kw->text, "server")) {
			ret = scn_bind_servers(ctx, n);
		} else if (!strcmp(kw->text, "link")) {
			ret = scn_bind_link(ctx, n);
		} else if (!strcmp(kw->text, "director")) {
			ret = scn_bind_director(ctx, n);
		} else if (!strcmp(kw->text, "expect")) {
			ret = scn_header(ctx, n, false);
			expects = xrealloc(expects, (nexpects + 1) * sizeof(*expects));
			expects[nexpects++] = n;
		} else if (!strcmp(kw->text, "fault")) {
			ret = scn_header(ctx, n, false);
			ctx->faults = xrealloc(ctx->faults, (ctx->nfaults + 1) * sizeof(*ctx->faults));
			ctx->faults[ctx->nfaults++] = n;
		} else {
			ret = scn_bind_kad(ctx, 0, n);
		}
	}
	if (!ret) {
		scn->sim.loc = sim ? sim->tok[0].loc : top;
		ret = scn_bind(ctx, BLK_SIM, sim, NULL, &scn->sim.loc, &scn->sim, false, given);
		if (!ret && scn->sim.duration_ns <= scn->sim.warmup_ns)
			ret = scn_error(ctx, given[1].file ? &given[1] : &scn->sim.loc,
					"warmup (%.9gs) must be shorter than duration (%.9gs)",
					sim_time_to_sec(scn->sim.warmup_ns),
					sim_time_to_sec(scn->sim.duration_ns));
	}
	if (!ret)
		ret = scn_bind_expects(ctx, expects, nexpects);
	free(expects);
	return ret;
}

/* ---- fault {} ---- */

static bool scn_has_director(const struct scenario *scn, const char *name)
{
	for (size_t i = 0; i < scn->ndirectors; i++)
		if (!strcmp(scn->directors[i].name, name))
			return true;
	return false;
}

/* The token <i> of line <n>, or an error naming what was expected there. */
static const struct lex_token *scn_fault_tok(struct scn_ctx *ctx, const struct lex_node *n,
					     size_t i, const char *what)
{
	if (i < n->ntok)
		return &n->tok[i];
	scn_error(ctx, &n->tok[n->ntok - 1].loc, "fault: expected %s after '%s'", what,
		  n->tok[n->ntok - 1].text);
	return NULL;
}

static int scn_fault_director(struct scn_ctx *ctx, const struct lex_token *t, char **out)
{
	if (!scn_has_director(ctx->scn, t->text))
		return scn_error(ctx, &t->loc, "fault: no director '%s'", t->text);
	*out = xstrdup(t->text);
	return 0;
}

/*
 * Add <name> (NULL is skipped) to the <n> interface names in <v> unless it
 * is there; at most <cap>. Returns the new count.
 */
static size_t scn_if_add(const char **v, size_t n, size_t cap, const char *name)
{
	if (!name)
		return n;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return n;
	if (n < cap)
		v[n++] = name;
	return n;
}

/*
 * Interface <t> of director <dir> (already checked) into <out>. A
 * director's interfaces are those its keepalived configuration names:
 * vrrp_instance `interface`, track_interface and lvs_sync_daemon (a VIP's
 * `dev` alone does not count: nothing would follow its state). Returns 0,
 * or -EINVAL listing them.
 */
static int scn_fault_interface(struct scn_ctx *ctx, const struct lex_token *t, const char *dir,
			       char **out)
{
	const struct scn_director *d = NULL;
	const char *names[SCN_DIRECTOR_MAX_IFS];
	char list[256];
	size_t n = 0, used = 0;

	for (size_t i = 0; i < ctx->scn->ndirectors && !d; i++)
		if (!strcmp(ctx->scn->directors[i].name, dir))
			d = &ctx->scn->directors[i];
	for (size_t i = 0; i < d->ninstances; i++) {
		const struct scn_vrrp_instance *v = &d->instances[i];

		n = scn_if_add(names, n, SCN_DIRECTOR_MAX_IFS, v->interface);
		for (size_t k = 0; k < v->ntrack_if; k++)
			n = scn_if_add(names, n, SCN_DIRECTOR_MAX_IFS, v->track_if[k].name);
	}
	n = scn_if_add(names, n, SCN_DIRECTOR_MAX_IFS, d->vrrp.sync_if);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], t->text)) {
			*out = xstrdup(t->text);
			return 0;
		}
	list[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 names[i]);
	return scn_error(ctx, &t->loc,
			 "fault: director '%s' has no interface '%s' (its keepalived configuration "
			 "names %s)",
			 dir, t->text, n ? list : "none");
}

/*
 * One line of a fault block into <f>: `at TIME VERB ARGS` (see enum
 * scn_fault_kind). Returns 0, or -EINVAL with the line's position.
 */
static int scn_bind_fault(struct scn_ctx *ctx, const struct lex_node *n, struct scn_fault *f)
{
	const struct lex_token *t, *v, *a;
	char why[256];

	f->loc = n->tok[0].loc;
	if (strcmp(n->tok[0].text, "at") || n->block)
		return scn_error(ctx, &n->tok[0].loc, "fault: expected 'at TIME WHAT ...', got '%s'",
				 n->tok[0].text);
	if (!(t = scn_fault_tok(ctx, n, 1, "a time")))
		return -EINVAL;
	if (units_duration(t->text, &f->at_ns, why, sizeof(why)))
		return scn_error(ctx, &t->loc, "fault: %s", why);
	if (!(v = scn_fault_tok(ctx, n, 2, "what happens (crash, stop, recover, fail, weight, "
					    "loss, cut, heal, partition, block, unblock, down, up)")))
		return -EINVAL;
	if ((!strcmp(v->text, "crash") || !strcmp(v->text, "stop") || !strcmp(v->text, "recover")) &&
	    n->ntok > 3 && !strcmp(n->tok[3].text, "director")) {
		f->kind = v->text[0] == 'c' ? SCN_FAULT_CRASH_DIRECTOR
			  : v->text[0] == 's' ? SCN_FAULT_STOP_DIRECTOR
					      : SCN_FAULT_RECOVER_DIRECTOR;
		if (!(a = scn_fault_tok(ctx, n, 4, "a director name")))
			return -EINVAL;
		return scn_fault_director(ctx, a, &f->name);
	}
	if ((!strcmp(v->text, "fail") || !strcmp(v->text, "recover")) && n->ntok > 3 &&
	    !strcmp(n->tok[3].text, "server")) {
		f->kind = v->text[0] == 'f' ? SCN_FAULT_FAIL_SERVER : SCN_FAULT_RECOVER_SERVER;
		if (!(a = scn_fault_tok(ctx, n, 4, "a server address")))
			return -EINVAL;
		if (lb_addr_parse(a->text, &f->addr))
			return scn_error(ctx, &a->loc, "fault: expected a server address, got '%s'",
					 a->text);
		if (!scenario_find_server(ctx->scn, &f->addr))
			return scn_error(ctx, &a->loc, "fault: no server %s", a->text);
		return 0;
	}
	if ((!strcmp(v->text, "fail") || !strcmp(v->text, "recover")) && n->ntok > 3 &&
	    !strcmp(n->tok[3].text, "script")) {
		f->kind = v->text[0] == 'f' ? SCN_FAULT_FAIL_SCRIPT : SCN_FAULT_RECOVER_SCRIPT;
		if (!(a = scn_fault_tok(ctx, n, 4, "a vrrp_script name")))
			return -EINVAL;
		f->name = xstrdup(a->text);
		if (n->ntok != 7 || strcmp(n->tok[5].text, "on"))
			return scn_error(ctx, &a->loc, "fault: expected 'script NAME on DIRECTOR'");
		return scn_fault_director(ctx, &n->tok[6], &f->name2);
	}
	if ((!strcmp(v->text, "down") || !strcmp(v->text, "up")) && n->ntok > 3 &&
	    !strcmp(n->tok[3].text, "interface")) {
		f->kind = v->text[0] == 'd' ? SCN_FAULT_DOWN_INTERFACE : SCN_FAULT_UP_INTERFACE;
		if (!(a = scn_fault_tok(ctx, n, 4, "an interface name")))
			return -EINVAL;
		if (n->ntok != 7 || strcmp(n->tok[5].text, "on"))
			return scn_error(ctx, &a->loc, "fault: expected '%s interface NAME on DIRECTOR'",
					 v->text);
		if (scn_fault_director(ctx, &n->tok[6], &f->name2))
			return -EINVAL;
		return scn_fault_interface(ctx, a, f->name2, &f->name);
	}
	if (!strcmp(v->text, "weight")) {
		f->kind = SCN_FAULT_WEIGHT;
		if (!(a = scn_fault_tok(ctx, n, 3, "a real server IP:PORT")))
			return -EINVAL;
		if (lb_addr_parse_port(a->text, &f->addr, &f->port) || !f->port)
			return scn_error(ctx, &a->loc, "fault: expected a real server IP:PORT, got '%s'",
					 a->text);
		if (!(a = scn_fault_tok(ctx, n, 4, "a weight")))
			return -EINVAL;
		if (units_number(a->text, &f->value, why, sizeof(why)) || f->value > 2147483647.0 ||
		    f->value != (double)(long long)f->value)
			return scn_error(ctx, &a->loc, "fault: expected a weight 0..2147483647, got '%s'",
					 a->text);
		return 0;
	}
	if (!strcmp(v->text, "loss") || !strcmp(v->text, "cut") ||
	    (!strcmp(v->text, "heal") && n->ntok > 3 && !strcmp(n->tok[3].text, "link"))) {
		size_t i = v->text[0] == 'l' ? 3 : 4;

		f->kind = v->text[0] == 'l' ? SCN_FAULT_LOSS
			  : v->text[0] == 'c' ? SCN_FAULT_CUT_LINK
					      : SCN_FAULT_HEAL_LINK;
		if (f->kind == SCN_FAULT_CUT_LINK && (n->ntok < 4 || strcmp(n->tok[3].text, "link")))
			return scn_error(ctx, &v->loc, "fault: expected 'cut link NAME'");
		if (!(a = scn_fault_tok(ctx, n, i, "a link name")))
			return -EINVAL;
		if (!scenario_find_link(ctx->scn, a->text))
			return scn_error(ctx, &a->loc, "fault: no link '%s'", a->text);
		f->name = xstrdup(a->text);
		if (f->kind != SCN_FAULT_LOSS)
			return 0;
		if (!(a = scn_fault_tok(ctx, n, 4, "a loss like 5%")))
			return -EINVAL;
		if (units_fraction(a->text, &f->value, why, sizeof(why)) || f->value >= 1)
			return scn_error(ctx, &a->loc, "fault: loss: expected a fraction below 100%%, "
						       "got '%s'", a->text);
		return 0;
	}
	if (!strcmp(v->text, "partition")) {
		f->kind = SCN_FAULT_PARTITION;
		if (n->ntok != 5)
			return scn_error(ctx, &v->loc, "fault: expected 'partition DIRECTOR DIRECTOR'");
		if (scn_fault_director(ctx, &n->tok[3], &f->name) ||
		    scn_fault_director(ctx, &n->tok[4], &f->name2))
			return -EINVAL;
		return 0;
	}
	if (!strcmp(v->text, "heal")) {
		f->kind = SCN_FAULT_HEAL;
		return 0;
	}
	if (!strcmp(v->text, "block") || !strcmp(v->text, "unblock")) {
		f->kind = v->text[0] == 'b' ? SCN_FAULT_BLOCK_VRRP : SCN_FAULT_UNBLOCK_VRRP;
		if (n->ntok != 5 || strcmp(n->tok[3].text, "vrrp"))
			return scn_error(ctx, &v->loc, "fault: expected '%s vrrp DIRECTOR'", v->text);
		return scn_fault_director(ctx, &n->tok[4], &f->name);
	}
	return scn_error(ctx, &v->loc,
			 "fault: unknown '%s'; expected crash|stop|recover director NAME, "
			 "fail|recover server ADDR, weight IP:PORT W, loss LINK PCT, cut|heal link "
			 "NAME, partition DIR DIR, heal, block|unblock vrrp DIR, fail|recover script "
			 "NAME on DIR, down|up interface IF on DIR",
			 v->text);
}

/* The tokens of a whole fault line of <kind>, "at TIME" included. */
static size_t scn_fault_ntok(enum scn_fault_kind kind)
{
	switch (kind) {
	case SCN_FAULT_HEAL:
		return 3; /* at T heal */
	case SCN_FAULT_FAIL_SCRIPT:
	case SCN_FAULT_RECOVER_SCRIPT:
	case SCN_FAULT_DOWN_INTERFACE:
	case SCN_FAULT_UP_INTERFACE:
		return 7; /* at T fail script NAME on DIR */
	default:
		return 5; /* at T crash director NAME, weight IP:PORT W, loss LINK PCT... */
	}
}

/* Every line of one fault {} block into scn->faults. 0 or -EINVAL. */
static int scn_bind_faults(struct scn_ctx *ctx, const struct lex_node *n)
{
	struct scenario *scn = ctx->scn;
	size_t ninst = 0;

	for (size_t d = 0; d < scn->ndirectors; d++)
		ninst += scn->directors[d].ninstances;
	for (size_t k = 0; k < n->nkids; k++) {
		const struct lex_node *l = &n->kids[k];
		struct scn_fault *f;
		char text[512];
		size_t used = 0;

		scn->faults = xrealloc(scn->faults, (scn->nfaults + 1) * sizeof(*scn->faults));
		f = &scn->faults[scn->nfaults++];
		memset(f, 0, sizeof(*f));
		for (size_t i = 0; i < l->ntok && used < sizeof(text); i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
						 i ? " " : "", l->tok[i].text);
		f->text = xstrdup(text);
		if (scn_bind_fault(ctx, l, f))
			return -EINVAL;
		/* One fault a line: "at 8s fail server A  at 10s recover server A" is a mistake. */
		if (l->ntok > scn_fault_ntok(f->kind))
			return scn_error(ctx, &l->tok[scn_fault_ntok(f->kind)].loc,
					 "fault: unexpected '%s' after '%s' (one fault a line)",
					 l->tok[scn_fault_ntok(f->kind)].text,
					 l->tok[scn_fault_ntok(f->kind) - 1].text);
		/* the kinds from PARTITION on act on VRRP adverts and scripts (models/ha.c) */
		if (f->kind >= SCN_FAULT_PARTITION && !ninst)
			scn_warn(ctx, &f->loc,
				 "fault '%s' acts on VRRP, but no director runs a vrrp_instance "
				 "(ignored)",
				 f->text);
		if (f->at_ns >= scn->sim.duration_ns)
			scn_warn(ctx, &f->loc, "fault '%s' is at or after the end of the simulation",
				 f->text);
	}
	return 0;
}

/* References between blocks, implicit servers, what must exist. */
static int scn_check(struct scn_ctx *ctx)
{
	struct scenario *scn = ctx->scn;
	struct scn_server tmpl = { 0 };
	struct scn_loc given[16], first = { 0 };
	size_t nvs = 0, nimplicit = 0;
	char list[512];
	size_t ll = 0;

	for (size_t d = 0; d < scn->ndirectors; d++)
		nvs += scn->directors[d].nvs;
	if (!nvs) {
		struct scn_loc top = { lexer_intern(ctx->lx, scn->path), 1, 1 };

		return scn_error(ctx, &top,
				 "no virtual_server: a scenario needs at least one (keepalived "
				 "syntax: virtual_server IP PORT { real_server IP PORT { } })");
	}
	list[0] = '\0';
	for (size_t i = 0; i < scn->nlinks && ll < sizeof(list); i++)
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s%s", i ? ", " : "",
				       scn->links[i].name);
	if (!scn->nlinks)
		snprintf(list, sizeof(list), "none");
	for (size_t i = 0; i < scn->nclients; i++) {
		const struct scn_clients *c = &scn->clients[i];
		const struct scn_vs *hit = NULL;
		char buf[LB_ADDR_STRLEN];

		if (c->link && !scenario_find_link(scn, c->link))
			return scn_error(ctx, &c->loc,
					 "clients %s: link '%s' is not defined (links: %s)",
					 c->name, c->link, list);
		for (size_t d = 0; d < scn->ndirectors && !hit; d++)
			for (size_t v = 0; v < scn->directors[d].nvs && !hit; v++) {
				const struct scn_vs *vs = &scn->directors[d].vs[v];

				if (!vs->fwmark && lb_addr_eq(&vs->addr, &c->target) &&
				    (vs->port == c->target_port || !vs->port))
					hit = vs;
			}
		lb_addr_port_fmt(&c->target, c->target_port, buf, sizeof(buf));
		if (!hit)
			return scn_error(ctx, &c->loc,
					 "clients %s: target %s is not a virtual_server", c->name,
					 buf);
		if (hit->proto != c->proto)
			return scn_error(
				ctx, &c->loc,
				"clients %s: target %s is a %s virtual_server but the clients "
				"use %s (protocol)",
				c->name, buf,
				hit->proto == LB_PROTO_UDP   ? "UDP"
				: hit->proto == LB_PROTO_TCP ? "TCP"
							     : "SCTP",
				c->proto == LB_PROTO_UDP ? "UDP" : "TCP");
	}
	for (size_t i = 0; i < scn->nservers; i++) {
		const struct scn_server *s = &scn->servers[i];

		if (s->link && !scenario_find_link(scn, s->link))
			return scn_error(ctx, &s->loc,
					 "server: link '%s' is not defined (links: %s)", s->link,
					 list);
	}
	/* every real server needs a server model; unused server blocks are suspicious */
	{
		struct scn_loc tl = { lexer_intern(ctx->lx, scn->path), 1, 1 };

		if (scn_bind(ctx, BLK_SERVER, NULL, "", &tl, &tmpl, false, given))
			return -EINVAL;
	}
	for (size_t d = 0; d < scn->ndirectors; d++)
		for (size_t v = 0; v < scn->directors[d].nvs; v++)
			for (size_t r = 0; r < scn->directors[d].vs[v].nrs; r++) {
				const struct scn_rs *rs = &scn->directors[d].vs[v].rs[r];
				struct scn_server *s;

				if (scenario_find_server(scn, &rs->addr))
					continue;
				scn->servers = xrealloc(
					scn->servers, (scn->nservers + 1) * sizeof(*scn->servers));
				s = &scn->servers[scn->nservers++];
				*s = tmpl;
				s->addr = rs->addr;
				s->implicit = true;
				s->loc = rs->loc;
				if (!nimplicit++)
					first = rs->loc;
			}
	/* a sorry server is a server too: the same default model when not written */
	for (size_t d = 0; d < scn->ndirectors; d++)
		for (size_t v = 0; v < scn->directors[d].nvs; v++) {
			const struct scn_vs *vs = &scn->directors[d].vs[v];
			struct scn_server *s;

			if (!vs->sorry_server || scenario_find_server(scn, &vs->sorry_addr))
				continue;
			scn->servers =
				xrealloc(scn->servers, (scn->nservers + 1) * sizeof(*scn->servers));
			s = &scn->servers[scn->nservers++];
			*s = tmpl;
			s->addr = vs->sorry_addr;
			s->implicit = true;
			s->loc = vs->loc;
			if (!nimplicit++)
				first = vs->loc;
		}
	if (nimplicit)
		scn_warn(ctx, &first,
			 "%zu real server(s) have no server block: default servers used (workers "
			 "%u, "
			 "speed %g, backlog %u, fifo)",
			 nimplicit, tmpl.workers, tmpl.speed, tmpl.backlog);
	for (size_t i = 0; i < scn->nservers; i++) {
		const struct scn_server *s = &scn->servers[i];
		bool used = false;

		for (size_t d = 0; d < scn->ndirectors && !used; d++)
			for (size_t v = 0; v < scn->directors[d].nvs && !used; v++)
				for (size_t r = 0; r < scn->directors[d].vs[v].nrs && !used; r++)
					used = lb_addr_eq(&scn->directors[d].vs[v].rs[r].addr,
							  &s->addr) ||
					       (scn->directors[d].vs[v].sorry_server &&
						lb_addr_eq(&scn->directors[d].vs[v].sorry_addr,
							   &s->addr));
		if (!used) {
			char buf[LB_ADDR_STRLEN];

			scn_warn(ctx, &s->loc,
				 "server %s is no real_server of any virtual_server (unused)",
				 lb_addr_fmt(&s->addr, buf, sizeof(buf)));
		}
	}
	return 0;
}

/*
 * Load the scenario <path> with the overrides <sets>. On success returns 0
 * and *out (the caller's; scenario_free). On bad input returns -EINVAL with
 * one message "file:line:col: error: ..." in err and *out untouched;
 * everything built so far is freed.
 */
int scenario_load(const char *path, const struct scn_set *sets, size_t nsets, struct scenario **out,
		  char *err, size_t errlen)
{
	struct scn_ctx ctx = { 0 };
	struct lex_node root = { 0 };
	struct scenario *scn = xcalloc(1, sizeof(*scn));
	char **w;
	size_t nw;
	int ret;

	scn->path = xstrdup(path);
	scn_vrrp_globals_init(&scn->vrrp);
	ctx.scn = scn;
	ctx.lx = lexer_new();
	ctx.err = err;
	ctx.errlen = errlen;
	ctx.top_dir = scn_dir_of(path);
	ret = scn_sets_parse(&ctx, sets, nsets);
	if (!ret)
		ret = lexer_read_file(ctx.lx, path, &root, err, errlen);
	w = lexer_take_warnings(ctx.lx, &nw);
	for (size_t i = 0; i < nw; i++)
		scn_add_warning(scn, w[i]);
	free(w);
	if (!ret)
		ret = scn_bind_root(&ctx, &root);
	if (!ret)
		ret = scn_vrrp_finish(&ctx);
	if (!ret)
		ret = scn_sets_check_used(&ctx);
	if (!ret)
		ret = scn_check(&ctx);
	for (size_t i = 0; !ret && i < ctx.nfaults; i++)
		ret = scn_bind_faults(&ctx, ctx.faults[i]);
	free(ctx.faults);
	lexer_sha256(ctx.lx, scn->sha256);
	scn->files = lexer_take_files(ctx.lx, &scn->nfiles);
	lex_node_fini(&root);
	scn_sets_free(&ctx);
	lexer_free(ctx.lx);
	free(ctx.warned);
	free(ctx.groups);
	free(ctx.group_dirs);
	free(ctx.top_dir);
	if (ret) {
		scenario_free(scn);
		return ret;
	}
	*out = scn;
	return 0;
}

/* Free <scn> and everything it owns; NULL is accepted. */
void scenario_free(struct scenario *scn)
{
	if (!scn)
		return;
	for (size_t i = 0; i < scn->nclients; i++) {
		struct scn_clients *c = &scn->clients[i];

		free(c->name);
		free(c->link);
		dist_fini(&c->service);
		dist_fini(&c->request_size);
		dist_fini(&c->response_size);
		dist_fini(&c->requests);
		dist_fini(&c->think);
	}
	free(scn->clients);
	for (size_t i = 0; i < scn->nservers; i++)
		free(scn->servers[i].link);
	free(scn->servers);
	for (size_t i = 0; i < scn->nlinks; i++)
		free(scn->links[i].name);
	free(scn->links);
	for (size_t i = 0; i < scn->ndirectors; i++) {
		for (size_t v = 0; v < scn->directors[i].nvs; v++) {
			struct scn_vs *vs = &scn->directors[i].vs[v];

			for (size_t r = 0; r < vs->nrs; r++)
				free(vs->rs[r].checkers);
			free(vs->rs);
		}
		free(scn->directors[i].vs);
		free(scn->directors[i].name);
		scn_vrrp_director_fini(&scn->directors[i]);
	}
	free(scn->directors);
	for (size_t i = 0; i < scn->nexpects; i++) {
		free(scn->expects[i].metric);
		free(scn->expects[i].text);
	}
	free(scn->expects);
	for (size_t i = 0; i < scn->nfaults; i++) {
		free(scn->faults[i].name);
		free(scn->faults[i].name2);
		free(scn->faults[i].text);
	}
	free(scn->faults);
	scn_vrrp_globals_fini(&scn->vrrp);
	for (size_t i = 0; i < scn->nwarnings; i++)
		free(scn->warnings[i]);
	free(scn->warnings);
	for (size_t i = 0; i < scn->nfiles; i++)
		free(scn->files[i]);
	free(scn->files);
	free(scn->path);
	free(scn);
}

/* The server model for address <addr>, NULL when none. */
struct scn_server *scenario_find_server(const struct scenario *scn, const struct lb_addr *addr)
{
	for (size_t i = 0; i < scn->nservers; i++)
		if (lb_addr_eq(&scn->servers[i].addr, addr))
			return &scn->servers[i];
	return NULL;
}

/* The link named <name>, NULL when none. */
struct scn_link *scenario_find_link(const struct scenario *scn, const char *name)
{
	for (size_t i = 0; i < scn->nlinks; i++)
		if (!strcmp(scn->links[i].name, name))
			return &scn->links[i];
	return NULL;
}
