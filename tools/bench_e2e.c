/*
 * tools/bench_e2e.c - end-to-end speed: the supermarket model through the director.
 *
 * scenarios/validation/supermarket.conf (n = 100, d = 2, lambda = 0.9) runs
 * until 2 M requests have completed, through everything a real run uses:
 * client population, director with its IPVS service and the pod scheduler,
 * connection accounting with lingering entries, FIFO servers, statistics.
 * Goal (DESIGN 8): >= 2 M simulated requests per second of wall time.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/bench.h"

#include <stdio.h>
#include <time.h>

#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"

#define BENCH_E2E_REQUESTS 2000000
#define BENCH_E2E_GOAL 2e6

static double bench_e2e_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool bench_e2e_supermarket(void)
{
	static const char *path = "scenarios/validation/supermarket.conf";
	struct scn_set sets[] = { { "simulation.duration", "100000s" },
				  { "simulation.warmup", "0" },
				  { "simulation.max_requests", "2000000" } };
	struct world_opts wo = { .seed = 1, .seed_set = true };
	struct scenario *scn;
	struct run_result *r;
	struct world *w;
	char err[512];
	double t0, wall, rate;
	bool ok;

	if (scenario_load(path, sets, 3, &scn, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return false;
	}
	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		scenario_free(scn);
		return false;
	}
	t0 = bench_e2e_wall();
	world_run(w);
	wall = bench_e2e_wall() - t0;
	r = run_result_new();
	world_fill_result(w, r);
	rate = (double)r->completed / wall;
	ok = rate >= BENCH_E2E_GOAL && r->completed >= BENCH_E2E_REQUESTS;
	printf("%-34s %8.2f M requests/s   goal >= %.0f M requests/s   %s\n",
	       "supermarket n=100 d=2 lambda=0.9", rate / 1e6, BENCH_E2E_GOAL / 1e6,
	       ok ? "ok" : "MISSED");
	printf("%-34s %8.3f s   (%llu requests, %llu events, %.2f M events/s, mean T %.4f s)\n",
	       "  wall time", wall, (unsigned long long)r->completed,
	       (unsigned long long)r->events, (double)r->events / wall / 1e6, r->resp_mean_s);
	run_result_free(r);
	world_free(w);
	scenario_free(scn);
	return ok;
}
