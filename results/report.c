/*
 * results/report.c - the run_result object and its human-readable reports.
 *
 * The models build one struct run_result at the end of each run (once per
 * run, once per algorithm and replication under `lbsim compare`) and call
 * run_result_finish() to derive the summary numbers; tools/ then prints it
 * with result_report_run() or, for compare, result_report_compare(). The
 * expect {} checker reads metrics through run_result_metric(). A result holds
 * one histogram, a row per real server (tens) and a few series of one point
 * per sampling interval, so it stays small; nothing here is on a hot path.
 *
 * SPDX-License-Identifier: MIT
 */
#include "results/result.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/xalloc.h"

#define REPORT_MAX_TRANSITIONS 20 /* the JSON has them all */

/*
 * A zeroed result: every count 0, every pointer NULL. The caller owns it and
 * releases it with run_result_free().
 */
/* Append a named figure to <r> (copies the strings). */
void run_result_extra(struct run_result *r, const char *scope, const char *name, double value)
{
	r->extra = xrealloc(r->extra, (r->nextra + 1) * sizeof(*r->extra));
	r->extra[r->nextra].scope = xstrdup(scope);
	r->extra[r->nextra].name = xstrdup(name);
	r->extra[r->nextra].value = value;
	r->nextra++;
}

struct run_result *run_result_new(void)
{
	return xcalloc(1, sizeof(struct run_result));
}

/*
 * Free <r> and everything it owns: scenario, params_json, the response
 * histogram, servers, series (names and samples) and expects (strings).
 * <version> points at a static string and is not freed. NULL is accepted.
 */
void run_result_free(struct run_result *r)
{
	size_t i;

	if (!r)
		return;
	free(r->scenario);
	free(r->params_json);
	stat_hist_free(r->response);
	free(r->servers);
	for (i = 0; i < r->nseries; i++) {
		free(r->series[i].name);
		free(r->series[i].t);
		free(r->series[i].v);
	}
	free(r->series);
	for (i = 0; i < r->nextra; i++) {
		free(r->extra[i].scope);
		free(r->extra[i].name);
	}
	free(r->extra);
	for (i = 0; i < r->nexpects; i++) {
		free(r->expects[i].text);
		free(r->expects[i].where);
		free(r->expects[i].metric);
	}
	free(r->expects);
	free(r->transitions);
	free(r->failovers);
	free(r);
}

/*
 * The series called <name>, created empty (and owned by <r>) when it does not
 * exist yet. The pointer is valid until the next call that creates a series,
 * since the series array may move then; look it up again after that.
 */
struct run_series *run_result_series(struct run_result *r, const char *name)
{
	struct run_series *s;
	size_t i;

	for (i = 0; i < r->nseries; i++)
		if (strcmp(r->series[i].name, name) == 0)
			return &r->series[i];
	r->series = xrealloc(r->series, (r->nseries + 1) * sizeof(*r->series));
	s = &r->series[r->nseries++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	return s;
}

/* Append the sample (<t> seconds, <v>) to <s>, growing it by doubling. */
void run_series_add(struct run_series *s, double t, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->t = xrealloc(s->t, s->cap * sizeof(*s->t));
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
}

/*
 * Derive the summary numbers: resp_* in seconds from the nanosecond
 * histogram (all 0 when there is none or it is empty), throughput when the
 * caller left it 0 but measured_s is known, and the imbalance of requests
 * over servers (max/mean, and population sd/mean; both 0 when the mean is 0).
 * Safe to call more than once.
 */
void run_result_finish(struct run_result *r)
{
	double sum = 0, max = 0, mean, var = 0;
	size_t i;

	r->resp_mean_s = r->resp_p50_s = r->resp_p90_s = 0;
	r->resp_p99_s = r->resp_p999_s = 0;
	if (r->response && stat_hist_count(r->response) > 0) {
		r->resp_mean_s = stat_hist_mean(r->response) / 1e9;
		r->resp_p50_s = stat_hist_quantile(r->response, 0.5) / 1e9;
		r->resp_p90_s = stat_hist_quantile(r->response, 0.9) / 1e9;
		r->resp_p99_s = stat_hist_quantile(r->response, 0.99) / 1e9;
		r->resp_p999_s = stat_hist_quantile(r->response, 0.999) / 1e9;
	}
	if (r->throughput_rps == 0 && r->measured_s > 0)
		r->throughput_rps = (double)r->completed / r->measured_s;

	r->imb_max_over_mean = 0;
	r->imb_cov = 0;
	if (r->nservers == 0)
		return;
	for (i = 0; i < r->nservers; i++) {
		double x = (double)r->servers[i].requests;

		sum += x;
		if (x > max)
			max = x;
	}
	mean = sum / (double)r->nservers;
	if (mean <= 0)
		return;
	for (i = 0; i < r->nservers; i++) {
		double d = (double)r->servers[i].requests - mean;

		var += d * d;
	}
	var /= (double)r->nservers;
	r->imb_max_over_mean = max / mean;
	r->imb_cov = sqrt(var) / mean;
}

/*
 * True when servers[i] opens a (director, vs) group: the first row, or one
 * whose director or virtual service differs from the row before. The models
 * write each virtual service's rows together, so a group is contiguous.
 */
bool result_server_group_starts(const struct run_result *r, size_t i)
{
	const struct run_server_result *a, *b;

	if (i == 0)
		return true;
	a = &r->servers[i - 1];
	b = &r->servers[i];
	return strcmp(a->director, b->director) != 0 || strcmp(a->vs, b->vs) != 0;
}

/* True when the rows of servers[] belong to more than one (director, vs). */
bool result_servers_grouped(const struct run_result *r)
{
	for (size_t i = 1; i < r->nservers; i++)
		if (result_server_group_starts(r, i))
			return true;
	return false;
}

/*
 * The value of metric <name> as expect {} sees it: counts as counts,
 * throughput in requests per second, response times in seconds, imbalance
 * and utilization as ratios. Returns 0 and sets *out, or -ENOENT for a name
 * that is not a metric (then *out is untouched).
 */
int run_result_metric(const struct run_result *r, const char *name, double *out)
{
	double v;
	size_t i;

	if (strcmp(name, "requests") == 0) {
		v = (double)r->requests;
	} else if (strcmp(name, "completed") == 0) {
		v = (double)r->completed;
	} else if (strcmp(name, "refused") == 0) {
		v = (double)r->refused;
	} else if (strcmp(name, "failed") == 0) {
		v = (double)r->failed;
	} else if (strcmp(name, "timed_out") == 0) {
		v = (double)r->timed_out;
	} else if (strcmp(name, "throughput") == 0) {
		v = r->throughput_rps;
	} else if (strcmp(name, "mean_response") == 0) {
		v = r->resp_mean_s;
	} else if (strcmp(name, "p50_response") == 0) {
		v = r->resp_p50_s;
	} else if (strcmp(name, "p90_response") == 0) {
		v = r->resp_p90_s;
	} else if (strcmp(name, "p99_response") == 0) {
		v = r->resp_p99_s;
	} else if (strcmp(name, "p999_response") == 0) {
		v = r->resp_p999_s;
	} else if (strcmp(name, "imbalance") == 0) {
		v = r->imb_max_over_mean;
	} else if (strcmp(name, "cov") == 0) {
		v = r->imb_cov;
	} else if (strcmp(name, "takeover_max") == 0) {
		/* unknown without a failover, or when one never completed */
		if (!r->nfailovers)
			return -ENOENT;
		v = 0;
		for (i = 0; i < r->nfailovers; i++) {
			if (r->failovers[i].takeover_s < 0)
				return -ENOENT;
			if (r->failovers[i].takeover_s > v)
				v = r->failovers[i].takeover_s;
		}
	} else if (strcmp(name, "utilization_max") == 0) {
		v = 0;
		for (i = 0; i < r->nservers; i++)
			if (r->servers[i].utilization > v)
				v = r->servers[i].utilization;
	} else {
		return -ENOENT;
	}
	*out = v;
	return 0;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* The measured value of an expect line, in the unit a reader expects. */
static void report_measured(FILE *f, const struct run_expect_result *e)
{
	size_t len = e->metric ? strlen(e->metric) : 0;

	if (!e->known) {
		fprintf(f, "unknown metric '%s'", str_or(e->metric, "?"));
		return;
	}
	if (len > 9 && strcmp(e->metric + len - 9, "_response") == 0)
		fprintf(f, "%s = %.3f ms", e->metric, e->measured * 1e3);
	else
		fprintf(f, "%s = %.6g", e->metric, e->measured);
}

/*
 * Print <r> on <f> as a readable report: the run, its counts, the response
 * times in milliseconds, one row per real server, the imbalance, each expect
 * with PASS or FAIL, and the simulator's event rate. Expects run_result_finish()
 * to have been called.
 */
void result_report_run(FILE *f, const struct run_result *r)
{
	uint64_t total = 0;
	bool grouped;
	size_t i;

	fprintf(f, "scenario   %s\n", str_or(r->scenario, "-"));
	fprintf(f, "algorithm  %s\n", str_or(r->algo, "-"));
	fprintf(f, "seed       %" PRIu64 "\n", r->seed);
	fprintf(f, "measured   %.3f s\n\n", r->measured_s);

	fprintf(f, "requests   %12" PRIu64 "\n", r->requests);
	fprintf(f, "completed  %12" PRIu64 "\n", r->completed);
	fprintf(f, "refused    %12" PRIu64 "\n", r->refused);
	fprintf(f, "failed     %12" PRIu64 "\n", r->failed);
	fprintf(f, "  timed out%12" PRIu64 "\n", r->timed_out);
	fprintf(f, "throughput %12.1f req/s\n\n", r->throughput_rps);

	fprintf(f, "response time (ms)  %10s %10s %10s %10s %10s\n", "mean", "p50", "p90",
		"p99", "p99.9");
	fprintf(f, "                    %10.3f %10.3f %10.3f %10.3f %10.3f\n\n",
		r->resp_mean_s * 1e3, r->resp_p50_s * 1e3, r->resp_p90_s * 1e3,
		r->resp_p99_s * 1e3, r->resp_p999_s * 1e3);

	if (r->nservers > 0) {
		for (i = 0; i < r->nservers; i++)
			total += r->servers[i].requests;
		fprintf(f, "%-24s %8s %12s %12s %8s %8s\n", "server", "weight", "connections",
			"requests", "share %", "util %");
		/* several directors or services: a header per group, its rows indented */
		grouped = result_servers_grouped(r);
		for (i = 0; i < r->nservers; i++) {
			const struct run_server_result *s = &r->servers[i];
			double share = total ? 100.0 * (double)s->requests / (double)total : 0;

			if (grouped && result_server_group_starts(r, i))
				fprintf(f, "%s  %s\n", s->director, s->vs);
			fprintf(f, "%s%-*s %8g %12" PRIu64 " %12" PRIu64 " %8.2f %8.2f\n",
				grouped ? "  " : "", grouped ? 22 : 24, s->addr, s->weight,
				s->connections, s->requests, share, 100.0 * s->utilization);
		}
		fprintf(f, "\nimbalance  max/mean %.4f   cov %.4f\n", r->imb_max_over_mean,
			r->imb_cov);
	}

	if (r->ha) {
		fprintf(f, "\nvrrp       %zu transition%s, split brain %.3f s\n", r->ntransitions,
			r->ntransitions == 1 ? "" : "s", r->split_brain_s);
		for (i = 0; i < r->ntransitions && i < REPORT_MAX_TRANSITIONS; i++) {
			const struct run_transition *t = &r->transitions[i];

			fprintf(f, "  %10.6f s  %-12s %-16s %s -> %s\n", t->t_s, t->director,
				t->instance, t->from, t->to);
		}
		if (r->ntransitions > REPORT_MAX_TRANSITIONS)
			fprintf(f, "  ... %zu more\n", r->ntransitions - REPORT_MAX_TRANSITIONS);
		for (i = 0; i < r->nfailovers; i++) {
			const struct run_failover *o = &r->failovers[i];

			/* detected: a backup became MASTER; master_at: its GARP moved the VIP */
			fprintf(f, "failover   %s %s %s -> %s at %.3f s: ", o->instance, o->vips,
				o->from, o->to[0] ? o->to : "(none)", o->fault_at_s);
			if (o->detected_s < 0)
				fputs("no takeover\n", f);
			else if (o->master_at_s < 0)
				fprintf(f, "detected %.6f s (new MASTER), VIP never moved\n",
					o->detected_s);
			else
				fprintf(f,
					"detected %.6f s (new MASTER), VIP moved %.6f s "
					"(GARP reached the router), takeover %.6f s\n",
					o->detected_s, o->master_at_s, o->takeover_s);
			fprintf(f,
				"           %" PRId64 " failed (%" PRId64 " of them timed out), %" PRId64
				" refused meanwhile; %" PRIu64 " broken connection%s",
				o->failed_during, o->timed_out_during, o->refused_during,
				o->broken_connections, o->broken_connections == 1 ? "" : "s");
			if (o->synced_connections >= 0)
				fprintf(f, ", %" PRId64 " carried on by sync", o->synced_connections);
			fputc('\n', f);
		}
	}

	if (r->nexpects > 0) {
		fputc('\n', f);
		for (i = 0; i < r->nexpects; i++) {
			const struct run_expect_result *e = &r->expects[i];

			fprintf(f, "%s  %s  (", e->pass ? "PASS" : "FAIL", str_or(e->text, "?"));
			report_measured(f, e);
			fprintf(f, ")  %s\n", str_or(e->where, ""));
		}
	}

	for (i = 0; i < r->nextra; i++)
		if (!strcmp(r->extra[i].scope, "director"))
			fprintf(f, "%sdirector   %-34s %.6g\n", i && !strcmp(r->extra[i - 1].scope,
									 "director") ? "" : "\n",
				r->extra[i].name, r->extra[i].value);
	if (r->log_count)
		fprintf(f, "\nipvs log   %" PRIu64 " message%s, the first: %s\n", r->log_count,
			r->log_count == 1 ? "" : "s", r->log_first);
	fprintf(f, "\nevents     %" PRIu64 " in %.3f s wall (%.0f events/s)\n", r->events,
		r->wall_s, r->events_per_s);
}

/*
 * Print one aligned table on <f> comparing the <n> results <rs> (one row per
 * algorithm, in the order given): response times in ms, throughput,
 * refused, failed and the max/mean imbalance of requests.
 */
void result_report_compare(FILE *f, struct run_result *const *rs, size_t n)
{
	int w = 9;
	size_t i;

	for (i = 0; i < n; i++) {
		int len = (int)strlen(rs[i]->algo);

		if (len > w)
			w = len;
	}
	fprintf(f, "%-*s %10s %10s %10s %10s %12s %10s %10s %10s\n", w, "algorithm", "mean ms",
		"p50 ms", "p99 ms", "p99.9 ms", "thru rps", "refused", "failed", "max/mean");
	for (i = 0; i < n; i++) {
		const struct run_result *r = rs[i];

		fprintf(f,
			"%-*s %10.3f %10.3f %10.3f %10.3f %12.1f %10" PRIu64 " %10" PRIu64
			" %10.4f\n",
			w, str_or(r->algo, "-"), r->resp_mean_s * 1e3, r->resp_p50_s * 1e3,
			r->resp_p99_s * 1e3, r->resp_p999_s * 1e3, r->throughput_rps, r->refused,
			r->failed, r->imb_max_over_mean);
	}
}
