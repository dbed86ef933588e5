/*
 * results/json.c - a run_result as one JSON object, for scripts.
 *
 * tools/ calls result_json_write() once at the end of `lbsim run --json`,
 * and result_json_write_array() once for `lbsim compare --json`. The key set
 * and order are the contract of DESIGN.md section 6; everything but the
 * "sim" wall-clock fields is byte-for-byte the same for the same run, so
 * outputs can be diffed across versions. Objects are small (one row per
 * real server and per expect), written straight to the stream.
 *
 * SPDX-License-Identifier: MIT
 */
#include "results/result.h"

#include <inttypes.h>
#include <stdbool.h>
#include <math.h>

/*
 * <s> as a JSON string: quotes and backslashes escaped, control characters
 * as \u00XX, other bytes (UTF-8 included) as they are. NULL becomes null.
 */
/* Write <s> as a JSON string (null for NULL), escaped. Also used for run params. */
void result_json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* A double with 9 significant digits; NaN and infinities, which JSON lacks, as null. */
static void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.9g", v);
}

/*
 * A writer that puts the ", " between members itself: one flag per open
 * object or array says whether the next member is its first. Keys and
 * values go out as "key": value, the layout every output of this file has.
 */
#define JW_DEPTH 8

struct jw {
	FILE *f;
	unsigned depth;
	bool first[JW_DEPTH];
};

/* Before a member (key or array element) at the current depth. */
static void jw_member(struct jw *w)
{
	if (w->depth && !w->first[w->depth - 1])
		fputs(", ", w->f);
	if (w->depth)
		w->first[w->depth - 1] = false;
}

static void jw_key(struct jw *w, const char *key)
{
	jw_member(w);
	result_json_string(w->f, key);
	fputs(": ", w->f);
}

/* Open an object ('{') or array ('['), as a value (after jw_key) or an element. */
static void jw_open(struct jw *w, char c, bool element)
{
	if (element)
		jw_member(w);
	fputc(c, w->f);
	w->first[w->depth++] = true;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	fputc(c, w->f);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	result_json_string(w->f, v);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

static void jw_dbl(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	json_num(w->f, v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

static void json_server(struct jw *w, const struct run_server_result *s)
{
	jw_open(w, '{', true);
	jw_str(w, "addr", s->addr);
	jw_str(w, "director", s->director);
	jw_str(w, "vs", s->vs);
	jw_u64(w, "requests", s->requests);
	jw_u64(w, "connections", s->connections);
	jw_u64(w, "refused", s->refused);
	jw_dbl(w, "utilization", s->utilization);
	jw_dbl(w, "weight", s->weight);
	jw_close(w, '}');
}

static void json_transition(struct jw *w, const struct run_transition *t)
{
	jw_open(w, '{', true);
	jw_dbl(w, "t_s", t->t_s);
	jw_str(w, "director", t->director);
	jw_str(w, "instance", t->instance);
	jw_str(w, "from", t->from);
	jw_str(w, "to", t->to);
	jw_close(w, '}');
}

/* A time that never came (-1) is null. */
static void jw_when(struct jw *w, const char *key, double v)
{
	jw_dbl(w, key, v < 0 ? NAN : v);
}

/* Which failover comes first: instance, VIPs, from and to (null: nobody took over). */
static void json_failover(struct jw *w, const struct run_failover *o)
{
	jw_open(w, '{', true);
	jw_str(w, "instance", o->instance);
	jw_str(w, "vips", o->vips);
	jw_str(w, "from", o->from);
	jw_str(w, "to", o->to[0] ? o->to : NULL);
	jw_dbl(w, "fault_at_s", o->fault_at_s);
	jw_when(w, "detected_s", o->detected_s);
	jw_when(w, "master_at_s", o->master_at_s);
	jw_when(w, "takeover_s", o->takeover_s);
	jw_u64(w, "broken_connections", o->broken_connections);
	if (o->synced_connections >= 0)
		jw_u64(w, "synced_connections", (uint64_t)o->synced_connections);
	jw_u64(w, "failed_during", (uint64_t)o->failed_during);
	jw_u64(w, "timed_out_during", (uint64_t)o->timed_out_during);
	jw_u64(w, "refused_during", (uint64_t)o->refused_during);
	jw_close(w, '}');
}

/* HA worlds only: every VRRP transition, the failovers, the split-brain time. */
static void json_ha(struct jw *w, const struct run_result *r)
{
	if (!r->ha)
		return;
	jw_key(w, "transitions");
	jw_open(w, '[', false);
	for (size_t i = 0; i < r->ntransitions; i++)
		json_transition(w, &r->transitions[i]);
	jw_close(w, ']');
	jw_key(w, "failovers");
	jw_open(w, '[', false);
	for (size_t i = 0; i < r->nfailovers; i++)
		json_failover(w, &r->failovers[i]);
	jw_close(w, ']');
	jw_dbl(w, "split_brain_s", r->split_brain_s);
}

static void json_expect(struct jw *w, const struct run_expect_result *e)
{
	jw_open(w, '{', true);
	jw_str(w, "text", e->text);
	jw_str(w, "where", e->where);
	jw_str(w, "metric", e->metric);
	jw_dbl(w, "measured", e->known ? e->measured : NAN);
	jw_bool(w, "pass", e->pass);
	jw_close(w, '}');
}

/* One result object, without a trailing newline. */
static void json_result(FILE *f, const struct run_result *r)
{
	struct jw w = { .f = f };

	jw_open(&w, '{', false);
	jw_str(&w, "scenario", r->scenario);
	jw_u64(&w, "seed", r->seed);
	jw_str(&w, "algo", r->algo);
	jw_u64(&w, "requests", r->requests);
	jw_u64(&w, "completed", r->completed);
	jw_u64(&w, "refused", r->refused);
	jw_u64(&w, "failed", r->failed);
	jw_u64(&w, "timed_out", r->timed_out);
	jw_dbl(&w, "throughput_rps", r->throughput_rps);

	jw_key(&w, "response_s");
	jw_open(&w, '{', false);
	jw_dbl(&w, "mean", r->resp_mean_s);
	jw_dbl(&w, "p50", r->resp_p50_s);
	jw_dbl(&w, "p90", r->resp_p90_s);
	jw_dbl(&w, "p99", r->resp_p99_s);
	jw_dbl(&w, "p999", r->resp_p999_s);
	jw_close(&w, '}');

	jw_key(&w, "servers");
	jw_open(&w, '[', false);
	for (size_t i = 0; i < r->nservers; i++)
		json_server(&w, &r->servers[i]);
	jw_close(&w, ']');

	jw_key(&w, "imbalance");
	jw_open(&w, '{', false);
	jw_dbl(&w, "max_over_mean", r->imb_max_over_mean);
	jw_dbl(&w, "cov", r->imb_cov);
	jw_close(&w, '}');

	jw_key(&w, "expect");
	jw_open(&w, '[', false);
	for (size_t i = 0; i < r->nexpects; i++)
		json_expect(&w, &r->expects[i]);
	jw_close(&w, ']');

	jw_key(&w, "remap");
	if (r->remap_known) {
		jw_open(&w, '{', false);
		jw_u64(&w, "servers", r->remap_ndests);
		jw_dbl(&w, "removed_own", r->remap_removed_own);
		jw_dbl(&w, "removed_other", r->remap_removed_other);
		jw_dbl(&w, "added", r->remap_added);
		jw_dbl(&w, "added_new", r->remap_added_new);
		jw_close(&w, '}');
	} else {
		fputs("null", f);
	}

	json_ha(&w, r);
	jw_key(&w, "ipvs_log");
	jw_open(&w, '{', false);
	jw_u64(&w, "count", r->log_count);
	jw_str(&w, "first", r->log_count ? r->log_first : NULL);
	jw_close(&w, '}');

	jw_key(&w, "sim");
	jw_open(&w, '{', false);
	jw_u64(&w, "events", r->events);
	jw_dbl(&w, "wall_s", r->wall_s);
	jw_dbl(&w, "events_per_s", r->events_per_s);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

/* Write <r> on <f> as one JSON object on one line, then a newline. */
void result_json_write(FILE *f, const struct run_result *r)
{
	json_result(f, r);
	fputc('\n', f);
}

/*
 * Write the <n> results <rs> on <f> as one JSON array, one object per line
 * in the order given, then a newline. n == 0 gives "[]".
 */
void result_json_write_array(FILE *f, struct run_result *const *rs, size_t n)
{
	size_t i;

	if (n == 0) {
		fputs("[]\n", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < n; i++) {
		json_result(f, rs[i]);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("]\n", f);
}
