/*
 * tools/progress.c - the progress line on stderr during long runs.
 *
 * The kernel calls progress_update() every few hundred thousand events; a
 * line appears only when stderr is a terminal and the run has taken more
 * than a second, and is redrawn at most ten times a second, so short runs
 * and pipelines see nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double progress_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, const char *label, sim_time_t end)
{
	*p = (struct progress){ .start_wall = progress_wall(), .end = end, .label = label };
	p->enabled = isatty(STDERR_FILENO) == 1;
}

void progress_update(void *ctx, sim_time_t now, uint64_t events)
{
	struct progress *p = ctx;
	double wall, spent, frac, eta;

	if (!p->enabled)
		return;
	wall = progress_wall();
	spent = wall - p->start_wall;
	if (spent < 1.0 || wall - p->last_print < 0.1)
		return;
	p->last_print = wall;
	frac = p->end > 0 ? (double)now / (double)p->end : 0;
	eta = frac > 0 ? spent * (1 - frac) / frac : 0;
	fprintf(stderr, "\r\033[K%s  t=%.1f/%.1f s (%2.0f%%)  %.2f M events/s  ETA %.0f s",
		p->label, sim_time_to_sec(now), sim_time_to_sec(p->end), frac * 100,
		(double)events / spent / 1e6, eta);
	p->shown = true;
}

/* Remove the progress line, if one was drawn. */
void progress_done(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
