/*
 * tools/cli.h - the lbsim command line: parsed options and the commands.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_TOOLS_CLI_H
#define LBSIM_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang/scenario.h"
#include "sim/sim.h"

/* Exit statuses (DESIGN 6). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_EXPECT 1
#define CLI_EXIT_INPUT 2

struct cli_opts {
	const char *cmd;
	const char *scenario;
	const char *algo;
	const char *algos;
	const char *out;	 /* default "out" */
	uint64_t seed;
	bool seed_set;
	unsigned reps;		 /* compare: replications, default 1 */
	bool json;
	bool no_plots;
	bool quiet;
	struct scn_set *sets;
	size_t nsets;
	const char *output;	 /* pcapgen -o */
	const char *trace;	 /* replay: the capture */
	const char *filter;	 /* replay --filter */
	const char *dump;	 /* replay --dump DIR */
	double speed;		 /* replay --speed, default 1 */
	bool topspeed;
	const char **maps;	 /* replay --map ORIG=VIP */
	size_t nmaps;
};

const char *cli_version(void);
int cli_load_scenario(const struct cli_opts *o, struct scenario **scn);
int cli_mkdir_p(const char *dir);
int cli_check_algo(const char *name);
int cmd_run(const struct cli_opts *o);
int cmd_compare(const struct cli_opts *o);
int cmd_check(const struct cli_opts *o);
int cmd_pcapgen(const struct cli_opts *o);
int cmd_replay(const struct cli_opts *o);
int cmd_sched(const struct cli_opts *o);
/* The script syntax of `lbsim sched`, for its --help. */
void cmd_sched_help(FILE *f);

/* ---- progress line (tools/progress.c) ---- */
struct progress {
	double start_wall;
	double last_print;
	sim_time_t end;
	const char *label;
	bool enabled;
	bool shown;
};

double progress_wall(void);
void progress_init(struct progress *p, const char *label, sim_time_t end);
void progress_update(void *ctx, sim_time_t now, uint64_t events);
void progress_done(struct progress *p);

#endif /* LBSIM_TOOLS_CLI_H */
