/*
 * tools/cmd_common.c - what several commands do the same way.
 *
 * Loading a scenario with its --set overrides (and printing its warnings),
 * checking a scheduler name, creating the results directory: called once
 * per command by run, compare, pcapgen and replay (and by lbbench).
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#define CMD_ERRLEN 1024

/*
 * Load the scenario with the --set overrides and print its warnings (unless
 * --quiet); with --algo, check the scheduler exists. 0, or exit status 2
 * after a message (nothing loaded).
 */
int cli_load_scenario(const struct cli_opts *o, struct scenario **scn)
{
	char err[CMD_ERRLEN];

	if (scenario_load(o->scenario, o->sets, o->nsets, scn, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return CLI_EXIT_INPUT;
	}
	if (!o->quiet)
		for (size_t i = 0; i < (*scn)->nwarnings; i++)
			fprintf(stderr, "%s\n", (*scn)->warnings[i]);
	if (o->algo && cli_check_algo(o->algo)) {
		scenario_free(*scn);
		*scn = NULL;
		return CLI_EXIT_INPUT;
	}
	return 0;
}

/* 0 when <name> is a scheduler, else exit status 2 after a message listing them. */
int cli_check_algo(const char *name)
{
	if (lb_sched_find(name))
		return 0;
	fprintf(stderr, "lbsim: unknown scheduler '%s'; known:", name);
	for (unsigned i = 0; lb_sched_at(i); i++)
		fprintf(stderr, " %s", lb_sched_at(i)->name);
	fprintf(stderr, "\n");
	return CLI_EXIT_INPUT;
}

/* mkdir -p <dir>: 0, or -errno after a message. */
int cli_mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) == -1 && errno != EEXIST) {
				rc = -errno;
				fprintf(stderr, "lbsim: cannot create %s: %s\n", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}
