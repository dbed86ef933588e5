/*
 * tools/lbbench.c - the benchmark behind `make bench`: each figure beside its
 * performance goal (DESIGN.md section 8).
 *
 * `lbbench` runs every section; `lbbench NAME...` runs the named ones
 * (`lbbench -l` lists them). Each section is one function in bench_table;
 * it prints one line per figure:
 *
 *	kernel hold N=1000        12.3 M events/s   goal >= 10 M events/s   ok
 *
 * and returns the number of goals it missed. The exit status is 1 when any
 * goal was missed, 2 for an unknown section name. Benchmarks are kept out of
 * the test suites (timing on a shared machine is not a pass/fail test).
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/queue.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/xalloc.h"
#include "tools/bench.h"

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print one figure against its goal (higher is better); returns 1 if missed. */
static int bench_report(const char *label, double value, double goal, const char *unit)
{
	int missed = value < goal;

	printf("%-24s%6.1f M %s   goal >= %g M %s   %s\n", label, value / 1e6, unit, goal / 1e6,
	       unit, missed ? "MISSED" : "ok");
	fflush(stdout);
	return missed;
}

/* ---- kernel hold model ---- */

/*
 * The classic hold model (the shape of ns-3's bench-scheduler): N events
 * are pending; each handler schedules one new event at now + an
 * exponential increment of mean 100 ns, so the queue size stays N. The
 * increments are drawn beforehand into a ring of BENCH_HOLD_INCS values,
 * so the figure measures the kernel (schedule, queue, pool, dispatch) and
 * not the random number generator.
 */
#define BENCH_HOLD_INCS (1u << 20)
#define BENCH_HOLD_MEAN_NS 100.0

struct bench_hold {
	sim_time_t *inc;	/* BENCH_HOLD_INCS increments, ns */
	uint32_t next;		/* next increment to use */
	uint64_t left;		/* handlers still to run before stopping */
};

static sim_time_t bench_hold_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct bench_hold *h = ctx;

	if (--h->left == 0) {
		sim_stop(sim);
		return SIM_NOMORE;
	}
	sim_schedule_in(sim, h->inc[h->next++ & (BENCH_HOLD_INCS - 1)], bench_hold_event, h, arg);
	return SIM_NOMORE;
}

/* Events per second of wall time with <pending> events in the queue. */
static double bench_hold_rate(struct bench_hold *h, size_t pending, uint64_t events)
{
	struct sim *sim = sim_new(SIM_TIME_MAX);
	double t0, t1;

	h->next = 0;
	for (size_t i = 0; i < pending; i++)
		sim_schedule(sim, h->inc[h->next++ & (BENCH_HOLD_INCS - 1)], bench_hold_event, h, 0);
	/* Warm up: let the queue reach its steady shape, the pool its size. */
	h->left = pending > 1000000 ? pending : 1000000;
	sim_run(sim, SIM_TIME_MAX);
	h->left = events;
	t0 = bench_now();
	sim_run(sim, SIM_TIME_MAX);
	t1 = bench_now();
	sim_free(sim);
	return (double)events / (t1 - t0);
}

static int bench_kernel(void)
{
	static const struct {
		size_t pending;
		uint64_t events;
		double goal;
	} runs[] = {
		{ 1000, 20000000, 10e6 },
		{ 100000, 10000000, 5e6 },
		{ 1000000, 10000000, 2.5e6 },
	};
	struct bench_hold h = { 0 };
	gsl_rng *r = rng_stream_new(1, "lbbench/hold");
	int missed = 0;

	h.inc = xmalloc(BENCH_HOLD_INCS * sizeof(*h.inc));
	for (size_t i = 0; i < BENCH_HOLD_INCS; i++)
		h.inc[i] = (sim_time_t)llround(gsl_ran_exponential(r, BENCH_HOLD_MEAN_NS));
	rng_stream_free(r);

	printf("kernel: queue %s, struct sim_event %zu bytes, hold model with exponential "
	       "increments (mean %.0f ns) drawn beforehand (rng cost not measured)\n",
	       queue_impl_name(), sim_event_size(), BENCH_HOLD_MEAN_NS);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char label[64];
		double rate = bench_hold_rate(&h, runs[i].pending, runs[i].events);

		snprintf(label, sizeof(label), "kernel hold N=%zu", runs[i].pending);
		missed += bench_report(label, rate, runs[i].goal, "events/s");
	}
	free(h.inc);
	return missed;
}

/* ---- sections living in other files (tools/bench.h) ---- */

static int bench_e2e(void)
{
	return bench_e2e_supermarket() ? 0 : 1;
}

/* ---- the table of sections ---- */

static const struct {
	const char *name;
	const char *help;
	int (*run)(void);	/* returns goals missed */
} bench_table[] = {
	{ "kernel", "event kernel hold model at 10^3, 10^5, 10^6 pending", bench_kernel },
	{ "e2e", "supermarket model n=100 d=2 through the director", bench_e2e },
	{ "sched", "ns per decision, every scheduler at 10/100/1000 dests; mh rebuild",
	  bench_sched },
	{ "conn", "IPVS connection table: bytes per connection at 10 M connections", bench_conn },
	{ "replay", "pcap replay of a 5 M-frame capture vs the raw libpcap read", bench_replay },
	{ "ha", "HA pair with 100 TCP_CHECKs for 1 h vs the same traffic alone", bench_ha },
};

#define BENCH_COUNT (sizeof(bench_table) / sizeof(bench_table[0]))

int main(int argc, char **argv)
{
	int missed = 0;

	if (argc == 2 && (!strcmp(argv[1], "-l") || !strcmp(argv[1], "--list"))) {
		for (size_t i = 0; i < BENCH_COUNT; i++)
			printf("%-12s %s\n", bench_table[i].name, bench_table[i].help);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i;

		for (i = 0; i < BENCH_COUNT; i++)
			if (!strcmp(argv[a], bench_table[i].name))
				break;
		if (i == BENCH_COUNT) {
			fprintf(stderr, "lbbench: unknown section '%s' (try -l)\n", argv[a]);
			return 2;
		}
	}
	for (size_t i = 0; i < BENCH_COUNT; i++) {
		int wanted = argc < 2;

		for (int a = 1; a < argc && !wanted; a++)
			wanted = !strcmp(argv[a], bench_table[i].name);
		if (wanted)
			missed += bench_table[i].run();
	}
	return missed ? 1 : 0;
}
