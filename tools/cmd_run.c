/*
 * tools/cmd_run.c - the `run`, `compare` and `check` commands.
 *
 * Each loads the scenario (nothing runs if it has an error), builds one world
 * per run, and hands the results to results/: a table or JSON on stdout, one
 * SQLite transaction per run in DIR/lbsim.db, and gnuplot figures in DIR.
 * Results are written only after every run of the command has finished, so
 * a bad input or a crash never leaves half a result behind.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "algorithms/sched/remap.h"
#include "algorithms/sched/sched.h"
#include "models/world.h"
#include "results/result.h"
#include "sim/stats.h"
#include "sim/xalloc.h"

#define CMD_ERRLEN 1024


/* The overrides of this run, as the JSON stored in run.params (owned by the caller). */
static char *cmd_params_json(const struct cli_opts *o, const char *algo, uint64_t seed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		fprintf(stderr, "lbsim: out of memory\n");
		abort();
	}
	fputs("{\"algo\":", m);
	result_json_string(m, algo);
	fprintf(m, ",\"seed\":%" PRIu64 ",\"set\":{", seed);
	for (size_t i = 0; i < o->nsets; i++) {
		fputs(i ? "," : "", m);
		result_json_string(m, o->sets[i].path);
		fputc(':', m);
		result_json_string(m, o->sets[i].value);
	}
	fputs("}}", m);
	fclose(m);
	return buf;
}

static bool cmd_compare_values(double v, enum scn_cmp op, double want)
{
	switch (op) {
	case SCN_CMP_LT:
		return v < want;
	case SCN_CMP_LE:
		return v <= want;
	case SCN_CMP_GT:
		return v > want;
	case SCN_CMP_GE:
		return v >= want;
	case SCN_CMP_EQ:
		return v == want;
	case SCN_CMP_NE:
		return v != want;
	case SCN_CMP_COUNT:
		break;
	}
	return false;
}

/* Check every expect {} line of <scn> against <r>. */
static void cmd_eval_expects(const struct scenario *scn, struct run_result *r)
{
	r->expects = xcalloc(scn->nexpects ? scn->nexpects : 1, sizeof(*r->expects));
	r->nexpects = scn->nexpects;
	for (size_t i = 0; i < scn->nexpects; i++) {
		const struct scn_expect *e = &scn->expects[i];
		struct run_expect_result *x = &r->expects[i];
		char where[512];

		snprintf(where, sizeof(where), "%s:%d:%d", e->loc.file, e->loc.line, e->loc.col);
		x->text = xstrdup(e->text);
		x->where = xstrdup(where);
		x->metric = xstrdup(e->metric);
		x->known = run_result_metric(r, e->metric, &x->measured) == 0;
		x->pass = x->known && cmd_compare_values(x->measured, e->op, e->value);
		if (!x->pass)
			r->expect_failed = true;
	}
}

/*
 * Simulate <scn> once with scheduler <algo> (NULL: the scenario's) and
 * <seed>. Returns the result (owned by the caller) or NULL after printing an
 * error.
 */
static struct run_result *cmd_run_one(const struct cli_opts *o, const struct scenario *scn,
				      const char *algo, uint64_t seed)
{
	struct world_opts wo = { .algo = algo, .seed = seed, .seed_set = true };
	struct progress prog;
	struct run_result *r;
	struct world *w;
	char err[CMD_ERRLEN], label[64];
	struct timespec now;
	double t0;

	snprintf(label, sizeof(label), "lbsim %s%s%s", o->cmd, algo ? " " : "", algo ? algo : "");
	progress_init(&prog, label, scn->sim.duration_ns);
	wo.progress = progress_update;
	wo.progress_ctx = &prog;
	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	r = run_result_new();
	clock_gettime(CLOCK_REALTIME, &now);
	r->started_unix = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	t0 = progress_wall();
	world_run(w);
	r->wall_s = progress_wall() - t0;
	progress_done(&prog);
	world_fill_result(w, r);
	world_free(w);

	r->scenario = xstrdup(scn->path);
	for (int i = 0; i < 32; i++)
		sprintf(r->scenario_sha256 + 2 * i, "%02x", scn->sha256[i]);
	r->params_json = cmd_params_json(o, algo, seed);
	r->version = cli_version();
	r->events_per_s = r->wall_s > 0 ? (double)r->events / r->wall_s : 0;
	cmd_eval_expects(scn, r);
	return r;
}

/* Store every run in DIR/lbsim.db, in one transaction each. 0 or exit status 2. */
static int cmd_save(const struct cli_opts *o, struct run_result *const *rs, size_t n)
{
	char path[4096], err[CMD_ERRLEN];
	struct store *st;

	if (cli_mkdir_p(o->out))
		return CLI_EXIT_INPUT;
	snprintf(path, sizeof(path), "%s/lbsim.db", o->out);
	if (store_open(path, &st, err, sizeof(err))) {
		fprintf(stderr, "lbsim: %s: %s\n", path, err);
		return CLI_EXIT_INPUT;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t id;

		if (store_write_run(st, rs[i], &id, err, sizeof(err))) {
			fprintf(stderr, "lbsim: %s: %s\n", path, err);
			store_close(st);
			return CLI_EXIT_INPUT;
		}
	}
	store_close(st);
	return 0;
}

/* Draw the figures of a run (n == 1, !compare) or of a comparison. */
static void cmd_plot(const struct cli_opts *o, struct run_result *const *rs, size_t n,
		     bool compare)
{
	char err[CMD_ERRLEN];
	int rc;

	if (o->no_plots)
		return;
	rc = compare ? plot_compare(rs, n, o->out, err, sizeof(err))
		     : plot_run(rs[0], o->out, err, sizeof(err));
	if (rc && !o->quiet)
		fprintf(stderr, "lbsim: warning: figures: %s\n", err);
}

int cmd_run(const struct cli_opts *o)
{
	struct scenario *scn;
	struct run_result *r;
	int rc = cli_load_scenario(o, &scn);

	if (rc)
		return rc;
	r = cmd_run_one(o, scn, o->algo, o->seed_set ? o->seed : scn->sim.seed);
	if (!r) {
		rc = CLI_EXIT_INPUT;
		goto out_free_scn;
	}
	rc = cmd_save(o, &r, 1);
	if (!rc) {
		cmd_plot(o, &r, 1, false);
		if (o->json)
			result_json_write(stdout, r);
		else
			result_report_run(stdout, r);
		rc = r->expect_failed ? CLI_EXIT_EXPECT : CLI_EXIT_OK;
	}
	run_result_free(r);
out_free_scn:
	scenario_free(scn);
	return rc;
}

/* Split "a,b,c" (or "all") into scheduler names; NULL after a message. */
static char **cmd_split_algos(const char *list, size_t *n)
{
	char **v = NULL;
	char *dup, *tok, *save;

	*n = 0;
	if (!strcmp(list, "all")) {
		for (unsigned i = 0; lb_sched_at(i); i++) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = xstrdup(lb_sched_at(i)->name);
		}
		return v;
	}
	dup = xstrdup(list);
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (cli_check_algo(tok)) {
			for (size_t i = 0; i < *n; i++)
				free(v[i]);
			free(v);
			free(dup);
			return NULL;
		}
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrdup(tok);
	}
	free(dup);
	if (!*n) {
		fprintf(stderr, "lbsim compare: --algos: no scheduler named\n");
		return NULL;
	}
	return v;
}

/* With several replications, the mean response of each algorithm with its 95 % CI. */
static void cmd_report_reps(FILE *f, struct run_result *const *rs, char **algos, size_t nalgos,
			    unsigned reps)
{
	double *x = xcalloc(reps, sizeof(*x));

	fprintf(f, "\nmean response over %u replications (95 %% confidence interval):\n", reps);
	for (size_t a = 0; a < nalgos; a++) {
		double mean, half;

		for (unsigned k = 0; k < reps; k++)
			x[k] = rs[a * reps + k]->resp_mean_s;
		if (stat_ci(x, reps, 0.95, &mean, &half) == 0)
			fprintf(f, "  %-10s %10.4f ms  +- %.4f ms\n", algos[a], mean * 1e3,
				half * 1e3);
	}
	free(x);
}

#define CMD_REMAP_FLOWS 100000

/*
 * For a hashing scheduler, measure on the first virtual service of the
 * scenario how many flows move when one of its real servers leaves and when
 * one joins (algorithms/sched/remap.c); other schedulers are left unknown.
 */
static void cmd_remap(const struct scenario *scn, const char *algo, struct run_result *r)
{
	const struct lb_sched_ops *ops = lb_sched_find(algo);
	const struct scn_director *dir = NULL;
	struct lb_sched_conf conf;
	struct lb_remap m;

	if (!ops || !(ops->flags & LB_SCHED_F_HASH))
		return;
	for (size_t d = 0; d < scn->ndirectors && !dir; d++)
		if (scn->directors[d].nvs)
			dir = &scn->directors[d];
	if (!dir || dir->vs[0].nrs < 2)
		return;
	/* The service's flags with the director's table sizes, as the run used. */
	conf = dir->vs[0].sched_conf;
	conf.d = dir->sched_d;
	conf.mh_size = dir->mh_table;
	conf.sh_bits = dir->sh_bits;
	if (lb_remap_measure(algo, &conf, (unsigned)dir->vs[0].nrs, CMD_REMAP_FLOWS, r->seed, &m))
		return;
	r->remap_known = true;
	r->remap_ndests = m.ndests;
	r->remap_removed_own = m.removed_own_frac;
	r->remap_removed_other = m.removed_frac;
	r->remap_added = m.added_frac;
	r->remap_added_new = m.added_new_frac;
}

/* The remap figures of the hashing schedulers compared, as a short table. */
static void cmd_report_remap(FILE *f, struct run_result *const *rs, size_t n)
{
	bool header = false;

	for (size_t i = 0; i < n; i++) {
		const struct run_result *r = rs[i];

		if (!r->remap_known)
			continue;
		if (!header) {
			fprintf(f, "\nflows remapped (%u flows, %u equal-weight real servers): remove one, then add one\n"
				   "algorithm  had to move  others moved  moved on add  ideal on add\n",
				CMD_REMAP_FLOWS, r->remap_ndests);
			header = true;
		}
		fprintf(f, "%-10s %10.2f %% %11.2f %% %11.2f %% %11.2f %%\n", r->algo,
			100 * r->remap_removed_own, 100 * r->remap_removed_other,
			100 * r->remap_added, 100 * r->remap_added_new);
	}
}

/* Name every expect {} line that failed, per run (compare prints no PASS/FAIL table). */
static void cmd_report_failed_expects(FILE *f, struct run_result *const *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < rs[i]->nexpects; k++) {
			const struct run_expect_result *x = &rs[i]->expects[k];

			if (x->pass)
				continue;
			fprintf(f, "lbsim: %s: %s (seed %" PRIu64 "): expect %s failed (measured %g)\n",
				x->where, rs[i]->algo, rs[i]->seed, x->text, x->measured);
		}
}

int cmd_compare(const struct cli_opts *o)
{
	struct scenario *scn;
	struct run_result **rs = NULL, **firsts = NULL;
	char **algos = NULL;
	size_t nalgos = 0, nruns = 0;
	uint64_t seed0;
	bool failed = false;
	int rc = cli_load_scenario(o, &scn);

	if (rc)
		return rc;
	algos = cmd_split_algos(o->algos, &nalgos);
	if (!algos) {
		rc = CLI_EXIT_INPUT;
		goto out_free_scn;
	}
	seed0 = o->seed_set ? o->seed : scn->sim.seed;
	rs = xcalloc(nalgos * o->reps, sizeof(*rs));
	firsts = xcalloc(nalgos, sizeof(*firsts));
	for (size_t a = 0; a < nalgos; a++)
		for (unsigned k = 0; k < o->reps; k++) {
			struct run_result *r = cmd_run_one(o, scn, algos[a], seed0 + k);

			if (!r) {
				rc = CLI_EXIT_INPUT;
				goto out_free_runs;
			}
			cmd_remap(scn, algos[a], r);
			rs[nruns++] = r;
			failed |= r->expect_failed;
		}
	for (size_t a = 0; a < nalgos; a++)
		firsts[a] = rs[a * o->reps];
	rc = cmd_save(o, rs, nruns);
	if (!rc) {
		cmd_plot(o, firsts, nalgos, true);
		if (o->json) {
			result_json_write_array(stdout, rs, nruns);
		} else {
			result_report_compare(stdout, firsts, nalgos);
			cmd_report_remap(stdout, firsts, nalgos);
			if (o->reps > 1)
				cmd_report_reps(stdout, rs, algos, nalgos, o->reps);
		}
		cmd_report_failed_expects(stderr, rs, nruns);
		rc = failed ? CLI_EXIT_EXPECT : CLI_EXIT_OK;
	}
out_free_runs:
	for (size_t i = 0; i < nruns; i++)
		run_result_free(rs[i]);
	free(rs);
	free(firsts);
	for (size_t i = 0; i < nalgos; i++)
		free(algos[i]);
	free(algos);
out_free_scn:
	scenario_free(scn);
	return rc;
}
