/*
 * results/plot.c - figures of a run or a comparison, drawn by gnuplot.
 *
 * tools/ calls plot_run() once after `lbsim run` and plot_compare() once
 * after `lbsim compare`, with the --out directory. Each figure is a data file
 * (<stem>.dat) and a script (<stem>.gp) written into that directory, then
 * drawn by running `gnuplot <stem>.gp` there, which writes <stem>.png and
 * <stem>.svg. The scripts name their files relative to the directory, so a
 * user can restyle a figure and rerun gnuplot in place. gnuplot is an
 * external program: when it is not on PATH the data and scripts are still
 * written and the caller gets a warning (1), not an error. A figure holds
 * a few hundred histogram buckets or one row per server, so files are small.
 *
 * Figures: run-cdf, run-servers, run-throughput (when the "throughput"
 * series exists), run-timeline (HA runs); compare-cdf, compare-servers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "results/result.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/xalloc.h"

#define PLOT_MAX_FIGS 8
#define PLOT_SIZE "900,560"
#define PLOT_SIZE_TALL "900,720"

/* One plot_run() or plot_compare() call: where it writes, and the figures to draw. */
struct plot_job {
	const char *dir;
	char *err;
	size_t errlen;
	const char *stems[PLOT_MAX_FIGS];
	size_t nstems;
};

static void plot_err(struct plot_job *job, const char *fmt, ...)
{
	va_list ap;

	if (!job->err || !job->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(job->err, job->errlen, fmt, ap);
	va_end(ap);
}

/* <dir>/<name>, malloc'd; the caller frees it. */
static char *plot_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(len);

	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

/* Open <dir>/<stem><ext> for writing: 0, or -errno with a message. */
static int plot_open(struct plot_job *job, const char *stem, const char *ext, FILE **out)
{
	char name[64];
	char *path;
	int rc = 0;

	snprintf(name, sizeof(name), "%s%s", stem, ext);
	path = plot_path(job->dir, name);
	*out = fopen(path, "w");
	if (!*out) {
		rc = -errno;
		plot_err(job, "%s: %s", path, strerror(errno));
	}
	free(path);
	return rc;
}

/* Close a file written by plot_open(), reporting a failed write: 0 or -errno. */
static int plot_close(struct plot_job *job, FILE *f, const char *stem, const char *ext)
{
	int bad = ferror(f);

	errno = 0;
	if (fclose(f) != 0 || bad) {
		int e = errno ? errno : EIO;

		plot_err(job, "%s/%s%s: %s", job->dir, stem, ext, strerror(e));
		return -e;
	}
	return 0;
}

/*
 * <s> as a gnuplot single-quoted string, where nothing is an escape and a
 * quote is written twice; terminals are "noenhanced", so _ and ^ stay as is.
 */
static void gp_str(FILE *gp, const char *s)
{
	fputc('\'', gp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', gp);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, gp);
	}
	fputc('\'', gp);
}

/* set title '<printf of fmt>' and a newline, quoted for gnuplot (gp_str). */
static void gp_title(FILE *gp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gp_title(FILE *gp, const char *fmt, ...)
{
	char title[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	fputs("set title ", gp);
	gp_str(gp, title);
	fputc('\n', gp);
}

/*
 * <s> as a quoted string field of a gnuplot data file. Such fields have no
 * escapes, so a double quote becomes a single one and whitespace controls
 * become spaces.
 */
static void dat_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('\'', f);
		else if ((unsigned char)*s < 0x20)
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *plot_algo(const struct run_result *r)
{
	return r->algo[0] ? r->algo : "-";
}

static const char *plot_basename(const char *path)
{
	const char *slash;

	if (!path)
		return "-";
	slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* The opening of every script: what it draws and how to redraw it. */
static void gp_begin(FILE *gp, const char *stem, const char *what)
{
	fprintf(gp, "# %s.gp - %s, written by lbsim.\n", stem, what);
	fprintf(gp, "# Data in %s.dat; redraw %s.png and %s.svg with: gnuplot %s.gp\n\n", stem,
		stem, stem, stem);
	fputs("set encoding utf8\nset grid\nset border 3\nset tics nomirror\n", gp);
}

/*
 * Open the loop that draws the figure once per output format. pngcairo is
 * preferred; a gnuplot built without cairo falls back to the gd png terminal.
 */
static void gp_outputs_begin_size(FILE *gp, const char *stem, const char *size)
{
	fprintf(gp,
		"\ndo for [fmt in \"png svg\"] {\n"
		"\tif (fmt eq \"svg\") {\n"
		"\t\tset terminal svg size %s dynamic noenhanced font \"sans,12\" "
		"background \"white\"\n"
		"\t} else {\n"
		"\t\tif (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		"\t\t\tset terminal pngcairo size %s noenhanced font \"sans,11\"\n"
		"\t\t} else {\n"
		"\t\t\tset terminal png size %s noenhanced\n"
		"\t\t}\n"
		"\t}\n",
		size, size, size);
	fprintf(gp, "\tset output \"%s.\" . fmt\n", stem);
}

static void gp_outputs_begin(FILE *gp, const char *stem)
{
	gp_outputs_begin_size(gp, stem, PLOT_SIZE);
}

static void gp_outputs_end(FILE *gp)
{
	fputs("\tunset output\n}\n", gp);
}

/* Remember <stem> (a string literal) as a figure to draw. */
static void plot_add(struct plot_job *job, const char *stem)
{
	if (job->nstems < PLOT_MAX_FIGS)
		job->stems[job->nstems++] = stem;
}

/* ---- response-time CDFs ---- */

struct cdf_walk {
	FILE *f;
	size_t n;
};

/* One histogram bucket as "ms fraction"; zero times have no place on a log axis. */
static void cdf_point(void *ctx, double value, double cum_fraction)
{
	struct cdf_walk *w = ctx;

	if (value <= 0)
		return;
	fprintf(w->f, "%.9g %.9g\n", value / 1e6, cum_fraction);
	w->n++;
}

static bool has_responses(const struct run_result *r)
{
	return r->response && stat_hist_count(r->response) > 0;
}

/* The axes shared by both CDF figures. */
static void gp_cdf_axes(FILE *gp)
{
	fputs("set logscale x 10\n"
	      "set format x \"%g\"\n"
	      "set xlabel \"response time (ms, log scale)\"\n"
	      "set ylabel \"fraction of requests completed within\"\n"
	      "set yrange [0:1]\n"
	      "set ytics 0.1\n"
	      "set key bottom right\n",
	      gp);
}

/* A dashed vertical line and label at <ms>, when it is on the axis. */
static void gp_marker(FILE *gp, const char *label, double ms)
{
	if (!(ms > 0))
		return;
	fprintf(gp, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lc rgb \"gray50\"\n",
		ms, ms);
	fprintf(gp, "set label \"%s\" at %.9g, graph 1.02 center textcolor rgb \"gray30\"\n", label,
		ms);
}

static int plot_run_cdf(struct plot_job *job, const struct run_result *r)
{
	static const char stem[] = "run-cdf";
	struct cdf_walk w = { 0 };
	FILE *gp;
	int rc;

	if (!has_responses(r))
		return 0;
	rc = plot_open(job, stem, ".dat", &w.f);
	if (rc)
		return rc;
	fputs("# response time (ms)  cumulative fraction of completed requests\n", w.f);
	stat_hist_walk(r->response, cdf_point, &w);
	rc = plot_close(job, w.f, stem, ".dat");
	if (rc || w.n == 0)
		return rc;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		return rc;
	gp_begin(gp, stem, "response-time CDF of one run");
	gp_title(gp, "Response time CDF: %s, %s (%" PRIu64 " requests)",
		 plot_basename(r->scenario), plot_algo(r), stat_hist_count(r->response));
	gp_cdf_axes(gp);
	fputs("set key off\n", gp);
	gp_marker(gp, "p50", r->resp_p50_s * 1e3);
	gp_marker(gp, "p99", r->resp_p99_s * 1e3);
	gp_marker(gp, "p99.9", r->resp_p999_s * 1e3);
	gp_outputs_begin(gp, stem);
	fprintf(gp, "\tplot \"%s.dat\" using 1:2 with steps lw 2 lc rgb \"#1f77b4\"\n", stem);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
	return rc;
}

static int plot_compare_cdf(struct plot_job *job, struct run_result *const *rs, size_t n)
{
	static const char stem[] = "compare-cdf";
	struct cdf_walk w = { 0 };
	size_t i, block = 0;
	bool *drawn;
	FILE *gp;
	int rc;

	for (i = 0; i < n && !has_responses(rs[i]); i++)
		;
	if (i == n)
		return 0;
	rc = plot_open(job, stem, ".dat", &w.f);
	if (rc)
		return rc;
	drawn = xcalloc(n ? n : 1, sizeof(*drawn));
	fputs("# response time (ms)  cumulative fraction; one block per algorithm\n", w.f);
	for (i = 0; i < n; i++) {
		size_t before = w.n;

		if (!has_responses(rs[i]))
			continue;
		if (block)
			fputs("\n\n", w.f);
		fprintf(w.f, "# %s\n", plot_algo(rs[i]));
		stat_hist_walk(rs[i]->response, cdf_point, &w);
		/* an empty block would shift the index of every later one */
		if (w.n == before)
			fputs("NaN NaN\n", w.f);
		drawn[i] = true;
		block++;
	}
	rc = plot_close(job, w.f, stem, ".dat");
	if (rc || block == 0 || w.n == 0)
		goto out_free;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		goto out_free;
	gp_begin(gp, stem, "response-time CDF of each algorithm");
	gp_title(gp, "Response time CDF by algorithm: %s", plot_basename(rs[0]->scenario));
	gp_cdf_axes(gp);
	gp_outputs_begin(gp, stem);
	fputs("\tplot", gp);
	block = 0;
	for (i = 0; i < n; i++) {
		if (!drawn[i])
			continue;
		fprintf(gp, "%s \\\n\t\t\"%s.dat\" index %zu using 1:2 with steps lw 2 title ",
			block ? "," : "", stem, block);
		gp_str(gp, plot_algo(rs[i]));
		block++;
	}
	fputc('\n', gp);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
out_free:
	free(drawn);
	return rc;
}

/* ---- requests per server ---- */

/*
 * What a server's bar is labelled with: its address alone while that names
 * one row; with its director when two directors share a real server (HA
 * pairs), and with its virtual service too when one director reaches the
 * same server through two services.
 */
enum plot_label { PLOT_LABEL_ADDR, PLOT_LABEL_DIRECTOR, PLOT_LABEL_VS };

#define PLOT_LABEL_LEN 200 /* director, vs and addr, two spaces */

static void plot_server_label(const struct run_server_result *s, enum plot_label how,
			      char *buf, size_t len)
{
	if (how == PLOT_LABEL_ADDR)
		snprintf(buf, len, "%s", s->addr);
	else if (how == PLOT_LABEL_DIRECTOR)
		snprintf(buf, len, "%s %s", s->director, s->addr);
	else
		snprintf(buf, len, "%s %s %s", s->director, s->vs, s->addr);
}

/* The shortest labelling under which r's rows have distinct labels (tens of rows: n^2). */
static enum plot_label plot_label_how(const struct run_result *r)
{
	enum plot_label how;

	for (how = PLOT_LABEL_ADDR; how < PLOT_LABEL_VS; how++) {
		bool repeats = false;

		for (size_t i = 0; i < r->nservers && !repeats; i++)
			for (size_t j = i + 1; j < r->nservers && !repeats; j++) {
				const struct run_server_result *a = &r->servers[i];
				const struct run_server_result *b = &r->servers[j];

				repeats = strcmp(a->addr, b->addr) == 0 &&
					  (how == PLOT_LABEL_ADDR ||
					   strcmp(a->director, b->director) == 0);
			}
		if (!repeats)
			break;
	}
	return how;
}

static int plot_run_servers(struct plot_job *job, const struct run_result *r)
{
	static const char stem[] = "run-servers";
	double total = 0, wsum = 0;
	enum plot_label how;
	char label[PLOT_LABEL_LEN];
	FILE *f, *gp;
	size_t i;
	int rc;

	if (r->nservers == 0)
		return 0;
	how = plot_label_how(r);
	for (i = 0; i < r->nservers; i++) {
		total += (double)r->servers[i].requests;
		wsum += r->servers[i].weight > 0 ? r->servers[i].weight : 0;
	}
	rc = plot_open(job, stem, ".dat", &f);
	if (rc)
		return rc;
	fputs("# index  server  requests  connections  weight  requests-if-split-by-weight\n", f);
	for (i = 0; i < r->nservers; i++) {
		const struct run_server_result *s = &r->servers[i];
		double ideal = wsum > 0 && s->weight > 0 ? total * s->weight / wsum : 0;

		fprintf(f, "%zu ", i);
		plot_server_label(s, how, label, sizeof(label));
		dat_str(f, label);
		fprintf(f, " %" PRIu64 " %" PRIu64 " %.9g %.9g\n", s->requests, s->connections,
			s->weight, ideal);
	}
	rc = plot_close(job, f, stem, ".dat");
	if (rc)
		return rc;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		return rc;
	gp_begin(gp, stem, "requests completed by each real server");
	gp_title(gp, "Requests per real server: %s, %s", plot_basename(r->scenario),
		 plot_algo(r));
	fprintf(gp,
		"set xlabel \"real server\"\n"
		"set ylabel \"requests completed\"\n"
		"set xrange [-0.6:%zu.4]\n"
		"set yrange [0:*]\n"
		"set xtics %s\n"
		"set style fill solid 0.8 border -1\n"
		"set boxwidth 0.7\n"
		"set key above\n",
		r->nservers - 1, r->nservers > 6 ? "rotate by -35 left" : "norotate");
	gp_outputs_begin(gp, stem);
	fprintf(gp,
		"\tplot \"%s.dat\" using 1:3:xticlabels(2) with boxes lc rgb \"#1f77b4\" "
		"title \"requests\", \\\n"
		"\t\t\"\" using 1:6 with points pt 7 ps 1.5 lc rgb \"#d62728\" "
		"title \"share by weight\"\n",
		stem);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
	return rc;
}

/* The index of <label> in <labels>[n], or n. */
static size_t label_find(char (*labels)[PLOT_LABEL_LEN], size_t n, const char *label)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(labels[i], label) == 0)
			break;
	return i;
}

/*
 * Clustered bars: one cluster per server (the union of the runs' servers, in
 * order of first appearance, labelled as the run that needs most to tell
 * its rows apart), one bar per algorithm.
 */
static int plot_compare_servers(struct plot_job *job, struct run_result *const *rs, size_t n)
{
	static const char stem[] = "compare-servers";
	char (*addrs)[PLOT_LABEL_LEN] = NULL, label[PLOT_LABEL_LEN];
	enum plot_label how = PLOT_LABEL_ADDR;
	size_t naddrs = 0, cap = 0, i, j, k;
	FILE *f, *gp;
	int rc;

	for (i = 0; i < n; i++) {
		enum plot_label h = plot_label_how(rs[i]);

		if (h > how)
			how = h;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < rs[i]->nservers; j++) {
			plot_server_label(&rs[i]->servers[j], how, label, sizeof(label));
			if (label_find(addrs, naddrs, label) < naddrs)
				continue;
			if (naddrs == cap) {
				cap = cap ? 2 * cap : 16;
				addrs = xrealloc(addrs, cap * sizeof(*addrs));
			}
			memcpy(addrs[naddrs++], label, sizeof(label));
		}
	}
	if (naddrs == 0 || n == 0)
		return 0;

	rc = plot_open(job, stem, ".dat", &f);
	if (rc)
		goto out_free;
	fputs("# requests completed per server (rows) and algorithm (columns)\n", f);
	dat_str(f, "server");
	for (i = 0; i < n; i++) {
		fputc(' ', f);
		dat_str(f, plot_algo(rs[i]));
	}
	fputc('\n', f);
	for (k = 0; k < naddrs; k++) {
		dat_str(f, addrs[k]);
		for (i = 0; i < n; i++) {
			const struct run_result *r = rs[i];

			for (j = 0; j < r->nservers; j++) {
				plot_server_label(&r->servers[j], how, label, sizeof(label));
				if (strcmp(label, addrs[k]) == 0)
					break;
			}
			if (j < r->nservers)
				fprintf(f, " %" PRIu64, r->servers[j].requests);
			else
				fputs(" NaN", f);
		}
		fputc('\n', f);
	}
	rc = plot_close(job, f, stem, ".dat");
	if (rc)
		goto out_free;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		goto out_free;
	gp_begin(gp, stem, "requests per real server, one bar per algorithm");
	gp_title(gp, "Requests per real server by algorithm: %s",
		 plot_basename(rs[0]->scenario));
	fprintf(gp,
		"set xlabel \"real server\"\n"
		"set ylabel \"requests completed\"\n"
		"set yrange [0:*]\n"
		"set xtics %s\n"
		"set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\n"
		"set key above\n",
		naddrs > 6 ? "rotate by -35 left" : "norotate");
	gp_outputs_begin(gp, stem);
	fprintf(gp,
		"\tplot for [i=2:%zu] \"%s.dat\" using i:xticlabels(1) title columnheader(i)\n",
		n + 1, stem);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
out_free:
	free(addrs);
	return rc;
}

/* ---- throughput over time ---- */

static int plot_run_throughput(struct plot_job *job, const struct run_result *r)
{
	static const char stem[] = "run-throughput";
	const struct run_series *s = NULL, *e = NULL;
	FILE *f, *gp;
	size_t i;
	int rc;

	for (i = 0; i < r->nseries; i++) {
		if (strcmp(r->series[i].name, "throughput") == 0)
			s = &r->series[i];
		if (strcmp(r->series[i].name, "errors") == 0)
			e = &r->series[i];
	}
	if (!s || s->n == 0)
		return 0;
	if (e && e->n != s->n)
		e = NULL;
	rc = plot_open(job, stem, ".dat", &f);
	if (rc)
		return rc;
	fputs("# simulated time (s)  completed per second  failed or refused per second\n", f);
	for (i = 0; i < s->n; i++)
		fprintf(f, "%.9g %.9g %.9g\n", s->t[i], s->v[i], e ? e->v[i] : 0.0);
	rc = plot_close(job, f, stem, ".dat");
	if (rc)
		return rc;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		return rc;
	gp_begin(gp, stem, "throughput over simulated time");
	gp_title(gp, "Throughput: %s, %s", plot_basename(r->scenario), plot_algo(r));
	fputs("set xlabel \"simulated time (s)\"\n"
	      "set ylabel \"requests/s\"\n"
	      "set yrange [0:*]\n"
	      "set key top right\n",
	      gp);
	/* The scenario's faults: a dashed line and a label at each. */
	for (i = 0; i < r->nextra; i++) {
		if (strcmp(r->extra[i].scope, "fault"))
			continue;
		fprintf(gp, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lc rgb \"#888888\"\n",
			r->extra[i].value, r->extra[i].value);
		fprintf(gp, "set label ");
		gp_str(gp, r->extra[i].name);
		fprintf(gp, " at %.9g, graph 0.98 rotate by 90 right font \",8\" tc rgb \"#555555\"\n",
			r->extra[i].value);
	}
	gp_outputs_begin(gp, stem);
	fprintf(gp, "\tplot \"%s.dat\" using 1:2 title \"completed\" with lines lw 2 lc rgb \"#2ca02c\", \\\n"
		    "\t     \"%s.dat\" using 1:3 title \"failed or refused\" with lines lw 2 lc rgb \"#d62728\"\n",
		stem, stem);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
	return rc;
}

/* ---- HA runs: VRRP states above, throughput below ---- */

/* The VRRP states as the legend lists them, and the color of each. */
static const struct {
	const char *name;
	unsigned rgb;
} timeline_states[] = {
	{ "INIT", 0xbbbbbb },
	{ "BACKUP", 0x1f77b4 },
	{ "MASTER", 0x2ca02c },
	{ "FAULT", 0xd62728 },
	{ "STOP", 0x555555 },
};

static unsigned timeline_rgb(const char *state)
{
	size_t i;

	for (i = 0; i < sizeof(timeline_states) / sizeof(timeline_states[0]); i++)
		if (strcmp(timeline_states[i].name, state) == 0)
			return timeline_states[i].rgb;
	return 0x9467bd;
}

static bool timeline_same_row(const struct run_transition *a, const struct run_transition *b)
{
	return strcmp(a->director, b->director) == 0 && strcmp(a->instance, b->instance) == 0;
}

/* The row of <t>'s (director, instance) among rows[n], or n. */
static size_t timeline_row(const struct run_transition *const *rows, size_t n,
			   const struct run_transition *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (timeline_same_row(rows[i], t))
			break;
	return i;
}

/*
 * run-timeline: one row per (director, VRRP instance) in order of first
 * appearance, colored by its state from each transition to the next (the
 * last lasts to the end of the run); below it the "throughput" and "errors"
 * series. Both panels share the time axis and the dashed fault lines, so a
 * takeover can be read against the requests it cost. The transitions come
 * in time order from the model, so each interval ends at the next one of
 * its row.
 */
static int plot_run_timeline(struct plot_job *job, const struct run_result *r)
{
	static const char stem[] = "run-timeline";
	const struct run_series *s = NULL, *e = NULL;
	const struct run_transition **rows;
	size_t nrows = 0, i, j;
	double end = 0;
	FILE *f, *gp;
	int rc;

	if (!r->ha || r->ntransitions == 0)
		return 0;
	for (i = 0; i < r->nseries; i++) {
		if (strcmp(r->series[i].name, "throughput") == 0)
			s = &r->series[i];
		if (strcmp(r->series[i].name, "errors") == 0)
			e = &r->series[i];
	}
	if (s && e && e->n != s->n)
		e = NULL;
	if (s && s->n)
		end = s->t[s->n - 1];
	for (i = 0; i < r->ntransitions; i++)
		if (r->transitions[i].t_s > end)
			end = r->transitions[i].t_s;
	rows = xcalloc(r->ntransitions, sizeof(*rows));
	for (i = 0; i < r->ntransitions; i++)
		if (timeline_row(rows, nrows, &r->transitions[i]) == nrows)
			rows[nrows++] = &r->transitions[i];

	rc = plot_open(job, stem, ".dat", &f);
	if (rc)
		goto out_free;
	fputs("# index 0: one state interval per line: from (s)  to (s)  row  color  state\n"
	      "# index 1: simulated time (s)  completed per second  failed or refused per second\n",
	      f);
	for (i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];
		double hi = end;

		for (j = i + 1; j < r->ntransitions; j++) {
			if (timeline_same_row(&r->transitions[j], t)) {
				hi = r->transitions[j].t_s;
				break;
			}
		}
		fprintf(f, "%.9g %.9g %zu %u ", t->t_s, hi > t->t_s ? hi : t->t_s,
			timeline_row(rows, nrows, t), timeline_rgb(t->to));
		dat_str(f, t->to);
		fputc('\n', f);
	}
	fputs("\n\n", f);
	if (s && s->n) {
		for (i = 0; i < s->n; i++)
			fprintf(f, "%.9g %.9g %.9g\n", s->t[i], s->v[i], e ? e->v[i] : 0.0);
	} else {
		fputs("NaN NaN NaN\n", f);
	}
	rc = plot_close(job, f, stem, ".dat");
	if (rc)
		goto out_free;

	rc = plot_open(job, stem, ".gp", &gp);
	if (rc)
		goto out_free;
	gp_begin(gp, stem, "VRRP states and throughput of an HA run");
	fprintf(gp, "set xrange [0:%.9g]\n", end > 0 ? end : 1.0);
	fputs("set lmargin 18\nset rmargin 4\n", gp);
	for (i = 0; i < r->nextra; i++) {
		if (strcmp(r->extra[i].scope, "fault"))
			continue;
		fprintf(gp, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lc rgb \"#888888\"\n",
			r->extra[i].value, r->extra[i].value);
	}
	gp_outputs_begin_size(gp, stem, PLOT_SIZE_TALL);
	fputs("\tset multiplot layout 2,1 title ", gp);
	{
		char title[512];

		snprintf(title, sizeof(title), "VRRP states and throughput: %s, %s",
			 plot_basename(r->scenario), plot_algo(r));
		gp_str(gp, title);
	}
	fputc('\n', gp);

	/* top: the states, first row at the top, a legend entry per state */
	fprintf(gp,
		"\tunset label\n"
		"\tunset xlabel\n"
		"\tset ylabel \"VRRP state\"\n"
		"\tset yrange [%zu.6:-0.6]\n"
		"\tset grid noytics\n"
		"\tset key outside top center horizontal reverse Left\n"
		"\tset ytics (",
		nrows - 1);
	for (i = 0; i < nrows; i++) {
		char label[160];

		snprintf(label, sizeof(label), "%s %s", rows[i]->director, rows[i]->instance);
		fputs(i ? ", " : "", gp);
		gp_str(gp, label);
		fprintf(gp, " %zu", i);
	}
	fputs(")\n", gp);
	fprintf(gp,
		"\tplot \"%s.dat\" index 0 using (($1+$2)/2):3:(($2-$1)/2):(0.3):4 "
		"with boxxyerror fs solid 0.9 noborder lc rgb variable notitle",
		stem);
	for (i = 0; i < sizeof(timeline_states) / sizeof(timeline_states[0]); i++)
		fprintf(gp, ", \\\n\t\tNaN with boxes fs solid 0.9 noborder lc rgb \"#%06x\" title \"%s\"",
			timeline_states[i].rgb, timeline_states[i].name);
	fputc('\n', gp);

	/* bottom: completed and failed requests per second, the faults labelled */
	fputs("\tset xlabel \"simulated time (s)\"\n"
	      "\tset ylabel \"requests/s\"\n"
	      "\tset yrange [0:*]\n"
	      "\tset ytics autofreq\n"
	      "\tset grid ytics\n"
	      "\tset key inside top right vertical noreverse Right\n",
	      gp);
	for (i = 0; i < r->nextra; i++) {
		if (strcmp(r->extra[i].scope, "fault"))
			continue;
		fprintf(gp, "\tset label ");
		gp_str(gp, r->extra[i].name);
		fprintf(gp, " at %.9g, graph 0.98 rotate by 90 right font \",8\" tc rgb \"#555555\"\n",
			r->extra[i].value);
	}
	fprintf(gp, "\tplot \"%s.dat\" index 1 using 1:2 title \"completed\" with lines lw 2 lc rgb \"#2ca02c\", \\\n"
		    "\t     \"%s.dat\" index 1 using 1:3 title \"failed or refused\" with lines lw 2 lc rgb \"#d62728\"\n"
		    "\tunset multiplot\n",
		stem, stem);
	gp_outputs_end(gp);
	rc = plot_close(job, gp, stem, ".gp");
	if (!rc)
		plot_add(job, stem);
out_free:
	free(rows);
	return rc;
}

/* ---- running gnuplot ---- */

/*
 * The full path of gnuplot found on PATH, malloc'd, or NULL. Searched before
 * running so that a missing gnuplot is told apart from a failing one.
 */
static char *gnuplot_find(void)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		size_t len;
		char *cand;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		/* an empty PATH entry means the current directory */
		cand = xmalloc(len + sizeof("./gnuplot"));
		if (len)
			snprintf(cand, len + sizeof("./gnuplot"), "%.*s/gnuplot", (int)len, p);
		else
			snprintf(cand, len + sizeof("./gnuplot"), "./gnuplot");
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (!*end)
			return NULL;
	}
}

/*
 * Run `<gnuplot> <stem>.gp` in job->dir and wait for it. Returns 0 when it
 * exited with status 0; otherwise -EIO (or -errno from fork/pipe) with the
 * start of gnuplot's error output in job->err.
 */
static int gnuplot_run(struct plot_job *job, const char *gnuplot, const char *stem)
{
	char script[64], out[1024];
	size_t nout = 0, i;
	int fds[2], status, e;
	pid_t pid;

	snprintf(script, sizeof(script), "%s.gp", stem);
	if (pipe(fds) != 0) {
		e = errno;
		plot_err(job, "gnuplot: pipe: %s", strerror(e));
		return -e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		plot_err(job, "gnuplot: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec */
		int devnull = open("/dev/null", O_RDWR);

		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		if (chdir(job->dir) != 0)
			_exit(126);
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		_exit(127);
	}

	close(fds[1]);
	for (;;) {
		char buf[512];
		ssize_t got = read(fds[0], buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (nout < sizeof(out) - 1) {
			size_t take = (size_t)got < sizeof(out) - 1 - nout ? (size_t)got :
									    sizeof(out) - 1 - nout;

			memcpy(out + nout, buf, take);
			nout += take;
		}
	}
	close(fds[0]);
	out[nout] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			e = errno;
			plot_err(job, "gnuplot: waitpid: %s", strerror(e));
			return -e;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;

	/* keep the message on one line: newlines become " | " */
	while (nout > 0 && (out[nout - 1] == '\n' || out[nout - 1] == ' '))
		out[--nout] = '\0';
	for (i = 0; i < nout; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		plot_err(job, "gnuplot: cannot enter %s", job->dir);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		plot_err(job, "gnuplot: cannot execute %s", gnuplot);
	else if (WIFSIGNALED(status))
		plot_err(job, "gnuplot %s/%s killed by signal %d", job->dir, script,
			 WTERMSIG(status));
	else
		plot_err(job, "gnuplot %s/%s failed (exit %d): %s", job->dir, script,
			 WEXITSTATUS(status), nout ? out : "no message");
	return -EIO;
}

/* Draw every figure the job wrote scripts for: 0, 1 without gnuplot, or -errno. */
static int plot_draw(struct plot_job *job)
{
	char *gnuplot;
	size_t i;
	int rc = 0;

	if (job->nstems == 0)
		return 0;
	gnuplot = gnuplot_find();
	if (!gnuplot) {
		plot_err(job,
			 "gnuplot not found on PATH: figures not drawn (their data and .gp "
			 "scripts are in %s)",
			 job->dir);
		return 1;
	}
	for (i = 0; i < job->nstems && !rc; i++)
		rc = gnuplot_run(job, gnuplot, job->stems[i]);
	free(gnuplot);
	return rc;
}

/*
 * Draw the figures of one run into the existing directory <dir>: run-cdf
 * (when responses were recorded), run-servers (when there are servers),
 * run-throughput (when the "throughput" series has samples), run-timeline
 * (HA runs with VRRP transitions), each as .dat, .gp, .png and .svg. Returns 0 when drawn; 1 with a warning in <err> when
 * gnuplot is not on PATH (data and scripts are still written); -errno with a
 * message in <err> when a file cannot be written or gnuplot fails.
 */
int plot_run(const struct run_result *r, const char *dir, char *err, size_t errlen)
{
	struct plot_job job = { .dir = dir, .err = err, .errlen = errlen };
	int rc;

	rc = plot_run_cdf(&job, r);
	if (!rc)
		rc = plot_run_servers(&job, r);
	if (!rc)
		rc = plot_run_throughput(&job, r);
	if (!rc)
		rc = plot_run_timeline(&job, r);
	if (rc)
		return rc;
	return plot_draw(&job);
}

/*
 * Draw the comparison of the <n> results <rs> (one per algorithm, in the
 * order given) into the existing directory <dir>: compare-cdf and
 * compare-servers, as .dat, .gp, .png and .svg. Return values as plot_run().
 */
int plot_compare(struct run_result *const *rs, size_t n, const char *dir, char *err,
		 size_t errlen)
{
	struct plot_job job = { .dir = dir, .err = err, .errlen = errlen };
	int rc;

	if (n == 0)
		return 0;
	rc = plot_compare_cdf(&job, rs, n);
	if (!rc)
		rc = plot_compare_servers(&job, rs, n);
	if (rc)
		return rc;
	return plot_draw(&job);
}
