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

static void json_key(FILE *f, const char *key)
{
	result_json_string(f, key);
	fputs(": ", f);
}

static void json_u64(FILE *f, const char *key, uint64_t v)
{
	json_key(f, key);
	fprintf(f, "%" PRIu64, v);
}

static void json_dbl(FILE *f, const char *key, double v)
{
	json_key(f, key);
	json_num(f, v);
}

static void json_server(FILE *f, const struct run_server_result *s)
{
	fputc('{', f);
	json_key(f, "addr");
	result_json_string(f, s->addr);
	fputs(", ", f);
	json_key(f, "director");
	result_json_string(f, s->director);
	fputs(", ", f);
	json_key(f, "vs");
	result_json_string(f, s->vs);
	fputs(", ", f);
	json_u64(f, "requests", s->requests);
	fputs(", ", f);
	json_u64(f, "connections", s->connections);
	fputs(", ", f);
	json_u64(f, "refused", s->refused);
	fputs(", ", f);
	json_dbl(f, "utilization", s->utilization);
	fputs(", ", f);
	json_dbl(f, "weight", s->weight);
	fputc('}', f);
}

static void json_transition(FILE *f, const struct run_transition *t)
{
	fputc('{', f);
	json_dbl(f, "t_s", t->t_s);
	fputs(", ", f);
	json_key(f, "director");
	result_json_string(f, t->director);
	fputs(", ", f);
	json_key(f, "instance");
	result_json_string(f, t->instance);
	fputs(", ", f);
	json_key(f, "from");
	result_json_string(f, t->from);
	fputs(", ", f);
	json_key(f, "to");
	result_json_string(f, t->to);
	fputc('}', f);
}

/* A time that never came (-1) is null. */
static void json_when(FILE *f, const char *key, double v)
{
	json_dbl(f, key, v < 0 ? NAN : v);
}

/* Which failover comes first: instance, VIPs, from and to (null: nobody took over). */
static void json_failover(FILE *f, const struct run_failover *o)
{
	fputc('{', f);
	json_key(f, "instance");
	result_json_string(f, o->instance);
	fputs(", ", f);
	json_key(f, "vips");
	result_json_string(f, o->vips);
	fputs(", ", f);
	json_key(f, "from");
	result_json_string(f, o->from);
	fputs(", ", f);
	json_key(f, "to");
	result_json_string(f, o->to[0] ? o->to : NULL);
	fputs(", ", f);
	json_dbl(f, "fault_at_s", o->fault_at_s);
	fputs(", ", f);
	json_when(f, "detected_s", o->detected_s);
	fputs(", ", f);
	json_when(f, "master_at_s", o->master_at_s);
	fputs(", ", f);
	json_when(f, "takeover_s", o->takeover_s);
	fputs(", ", f);
	json_u64(f, "broken_connections", o->broken_connections);
	if (o->synced_connections >= 0) {
		fputs(", ", f);
		json_u64(f, "synced_connections", (uint64_t)o->synced_connections);
	}
	fputs(", ", f);
	json_u64(f, "failed_during", (uint64_t)o->failed_during);
	fputs(", ", f);
	json_u64(f, "timed_out_during", (uint64_t)o->timed_out_during);
	fputs(", ", f);
	json_u64(f, "refused_during", (uint64_t)o->refused_during);
	fputc('}', f);
}

/* HA worlds only: every VRRP transition, the failovers, the split-brain time. */
static void json_ha(FILE *f, const struct run_result *r)
{
	size_t i;

	if (!r->ha)
		return;
	json_key(f, "transitions");
	fputc('[', f);
	for (i = 0; i < r->ntransitions; i++) {
		if (i)
			fputs(", ", f);
		json_transition(f, &r->transitions[i]);
	}
	fputs("], ", f);
	json_key(f, "failovers");
	fputc('[', f);
	for (i = 0; i < r->nfailovers; i++) {
		if (i)
			fputs(", ", f);
		json_failover(f, &r->failovers[i]);
	}
	fputs("], ", f);
	json_dbl(f, "split_brain_s", r->split_brain_s);
	fputs(", ", f);
}

static void json_expect(FILE *f, const struct run_expect_result *e)
{
	fputc('{', f);
	json_key(f, "text");
	result_json_string(f, e->text);
	fputs(", ", f);
	json_key(f, "where");
	result_json_string(f, e->where);
	fputs(", ", f);
	json_key(f, "metric");
	result_json_string(f, e->metric);
	fputs(", ", f);
	json_key(f, "measured");
	if (e->known)
		json_num(f, e->measured);
	else
		fputs("null", f);
	fputs(", ", f);
	json_key(f, "pass");
	fputs(e->pass ? "true" : "false", f);
	fputc('}', f);
}

/* One result object, without a trailing newline. */
static void json_result(FILE *f, const struct run_result *r)
{
	size_t i;

	fputc('{', f);
	json_key(f, "scenario");
	result_json_string(f, r->scenario);
	fputs(", ", f);
	json_u64(f, "seed", r->seed);
	fputs(", ", f);
	json_key(f, "algo");
	result_json_string(f, r->algo);
	fputs(", ", f);
	json_u64(f, "requests", r->requests);
	fputs(", ", f);
	json_u64(f, "completed", r->completed);
	fputs(", ", f);
	json_u64(f, "refused", r->refused);
	fputs(", ", f);
	json_u64(f, "failed", r->failed);
	fputs(", ", f);
	json_u64(f, "timed_out", r->timed_out);
	fputs(", ", f);
	json_dbl(f, "throughput_rps", r->throughput_rps);
	fputs(", ", f);

	json_key(f, "response_s");
	fputc('{', f);
	json_dbl(f, "mean", r->resp_mean_s);
	fputs(", ", f);
	json_dbl(f, "p50", r->resp_p50_s);
	fputs(", ", f);
	json_dbl(f, "p90", r->resp_p90_s);
	fputs(", ", f);
	json_dbl(f, "p99", r->resp_p99_s);
	fputs(", ", f);
	json_dbl(f, "p999", r->resp_p999_s);
	fputs("}, ", f);

	json_key(f, "servers");
	fputc('[', f);
	for (i = 0; i < r->nservers; i++) {
		if (i)
			fputs(", ", f);
		json_server(f, &r->servers[i]);
	}
	fputs("], ", f);

	json_key(f, "imbalance");
	fputc('{', f);
	json_dbl(f, "max_over_mean", r->imb_max_over_mean);
	fputs(", ", f);
	json_dbl(f, "cov", r->imb_cov);
	fputs("}, ", f);

	json_key(f, "expect");
	fputc('[', f);
	for (i = 0; i < r->nexpects; i++) {
		if (i)
			fputs(", ", f);
		json_expect(f, &r->expects[i]);
	}
	fputs("], ", f);

	json_key(f, "remap");
	if (r->remap_known) {
		fputc('{', f);
		json_u64(f, "servers", r->remap_ndests);
		fputs(", ", f);
		json_dbl(f, "removed_own", r->remap_removed_own);
		fputs(", ", f);
		json_dbl(f, "removed_other", r->remap_removed_other);
		fputs(", ", f);
		json_dbl(f, "added", r->remap_added);
		fputs(", ", f);
		json_dbl(f, "added_new", r->remap_added_new);
		fputs("}, ", f);
	} else {
		fputs("null, ", f);
	}

	json_ha(f, r);
	json_key(f, "ipvs_log");
	fputc('{', f);
	json_u64(f, "count", r->log_count);
	fputs(", ", f);
	json_key(f, "first");
	result_json_string(f, r->log_count ? r->log_first : NULL);
	fputs("}, ", f);

	json_key(f, "sim");
	fputc('{', f);
	json_u64(f, "events", r->events);
	fputs(", ", f);
	json_dbl(f, "wall_s", r->wall_s);
	fputs(", ", f);
	json_dbl(f, "events_per_s", r->events_per_s);
	fputs("}}", f);
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
