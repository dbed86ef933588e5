/*
 * tools/bench_sched.c - section "sched" of lbbench: the cost of one
 * scheduling decision for every registered scheduler at 10, 100 and 1000
 * destinations, and the Maglev table rebuild.
 *
 * Run by `make bench` / `lbbench sched`, about 11 s. Each figure is the
 * median of 5 timed runs after a warm-up, in ns per decision, where one
 * decision is what a director does per new connection in steady state: one
 * lb_service_pick on a flow key from a precomputed array (random client
 * address and port, destination address from a pool of 1024, so dh, lblc and
 * lblcr see realistic spread), the bind of the new connection on the dest
 * picked, and the unbind of the oldest live connection, taken from a ring of
 * 10 per dest, so every dest keeps about 10 active connections. jsq and lrt,
 * which read request counters, also get one request started per pick and
 * finished per unbind (fake clock, 1 ms answers). The figure therefore
 * includes the scheduler's load_changed hooks (the indexed lc, wlc, sed, nq
 * pay two O(log n) updates per decision) and the connection accounting.
 * Weights are 1..10, varied over the dests; no thresholds; svc->rng is an
 * mt19937 stream (the randomized schedulers draw from it).
 *
 * Goals (DESIGN section 8), by each scheduler's cost by design:
 *  - O(1) per pick: rr, sh, dh, mh (a table lookup); wrr (O(1) amortised
 *    for bounded weight ratios: a pick examines about max/mean weight dests):
 *    <= 20 ns at every size (the goal for O(1) schedulers);
 *  - O(log n) per pick, not in IPVS: ring (O(log P) search), wrandom (one
 *    O(log n) draw), pod and podnr (d O(log n) weighted draws): the figure
 *    with "(no goal)"; the issue sets none for them;
 *  - lc, wlc, sed, nq, linear scans in the kernel but indexed here
 *    (lcindex.c): <= 100 ns at every size (the goal is stated for 1000);
 *  - O(n) per pick by definition (twos, fo, ovf, jsq, lrt, hrw, random,
 *    lblc and lblcr whose miss path runs a wlc scan): the figure with
 *    "(no goal)".
 * Plus the mh table rebuild (an upd_dest: one weight edit) with N = 1000
 * dests and M = 65521 slots: <= 5 ms.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/mh.h"
#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#define BS_KEYS (1u << 16)	   /* flow keys, cycled */
#define BS_DADDRS 1024		   /* distinct destination addresses in the keys */
#define BS_CONNS_PER_DEST 10	   /* live connections per dest in steady state */
#define BS_RUNS 5		   /* timed runs; the median is reported */
#define BS_RUN_NS 25e6		   /* aim per timed run */
#define BS_MIN_STEPS 20000
#define BS_MAX_STEPS 4000000
#define BS_MH_SIZE 65521
#define BS_MH_DESTS 1000
#define BS_MH_GOAL_MS 5.0

/* Goal in ns per decision by scheduler name; absent: no goal. */
static const struct {
	const char *name;
	double goal_ns;
} bs_goals[] = {
	/* O(1) by design */
	{ "rr", 20 }, { "wrr", 20 }, { "sh", 20 }, { "dh", 20 }, { "mh", 20 },
	/* linear in the kernel, indexed here (lcindex.c) */
	{ "lc", 100 }, { "wlc", 100 }, { "sed", 100 }, { "nq", 100 },
};

struct bs_run {
	struct lb_service svc;
	gsl_rng *rng;
	const struct lb_flow_key *keys; /* BS_KEYS */
	unsigned nextkey;
	struct lb_dest **ring;		/* live connections, ring[head] the oldest */
	unsigned nring;
	unsigned head;
	bool requests;			/* jsq, lrt: request accounting as well */
	int64_t now_ns;			/* fake clock for request_done */
};

static double bs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double bs_goal(const char *name)
{
	for (size_t i = 0; i < sizeof(bs_goals) / sizeof(bs_goals[0]); i++)
		if (!strcmp(bs_goals[i].name, name))
			return bs_goals[i].goal_ns;
	return 0;
}

static int bs_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double bs_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bs_cmp_double);
	return v[n / 2];
}

/* nsteps decisions: pick, bind the new connection, unbind the oldest. */
static void bs_steps(struct bs_run *b, unsigned long nsteps)
{
	for (unsigned long k = 0; k < nsteps; k++) {
		const struct lb_flow_key *key = &b->keys[b->nextkey++ & (BS_KEYS - 1)];
		struct lb_dest *d = lb_service_pick(&b->svc, key);
		struct lb_dest *old = b->ring[b->head];

		if (d) {
			lb_dest_conn_bind(d, true);
			if (b->requests)
				lb_dest_request_start(d);
		}
		if (old) {
			lb_dest_conn_unbind(old, true);
			if (b->requests) {
				b->now_ns += 1000;
				lb_dest_request_done(old, b->now_ns, 1000000);
			}
		}
		b->ring[b->head] = d;
		if (++b->head == b->nring)
			b->head = 0;
	}
}

/* Random clients to BS_DADDRS origin addresses, TCP port 80. Owned by the caller. */
static struct lb_flow_key *bs_keys_new(gsl_rng *r)
{
	struct lb_flow_key *k = xcalloc(BS_KEYS, sizeof(*k));

	for (unsigned i = 0; i < BS_KEYS; i++) {
		k[i].saddr.af = LB_AF_INET;
		k[i].saddr.u.v4 = (uint32_t)gsl_rng_get(r);
		k[i].daddr.af = LB_AF_INET;
		k[i].daddr.u.v4 = 0xCB000000u + (uint32_t)gsl_rng_uniform_int(r, BS_DADDRS);
		k[i].sport = (uint16_t)(1024 + gsl_rng_uniform_int(r, 64512));
		k[i].dport = 80;
		k[i].proto = LB_PROTO_TCP;
	}
	return k;
}

/* n dests 10.0.(i / 250).(i % 250 + 1):80 of weight 1 + (7 i mod 10), in list order i. */
static void bs_add_dests(struct lb_service *svc, unsigned n)
{
	for (unsigned i = n; i-- > 0;) {
		struct lb_addr a = { .af = LB_AF_INET,
				     .u.v4 = 0x0A000001u + ((i / 250) << 8) + i % 250 };

		lb_service_add_dest(svc, &a, 80, 1 + (int)(7 * i % 10), 0, 0, NULL);
	}
}

/*
 * ns per decision of ops over n dests (median of BS_RUNS runs), or a negative
 * value when the scheduler refused the service.
 */
static double bs_measure(const struct lb_sched_ops *ops, unsigned n,
			 const struct lb_flow_key *keys)
{
	struct bs_run b;
	double t[BS_RUNS], t0, est;
	unsigned long steps;

	memset(&b, 0, sizeof(b));
	b.rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(b.rng, 1);
	lb_service_init(&b.svc, LB_PROFILE_CURRENT);
	b.svc.rng = b.rng;
	b.svc.proto = LB_PROTO_TCP;
	b.svc.port = 80;
	b.svc.addr.af = LB_AF_INET;
	b.svc.addr.u.v4 = 0x0A00FF01u;
	bs_add_dests(&b.svc, n);
	if (lb_service_set_sched(&b.svc, ops)) {
		lb_service_fini(&b.svc);
		gsl_rng_free(b.rng);
		return -1;
	}
	b.keys = keys;
	b.requests = !strcmp(ops->name, "jsq") || !strcmp(ops->name, "lrt");
	b.nring = BS_CONNS_PER_DEST * n;
	b.ring = xcalloc(b.nring, sizeof(*b.ring));

	/* warm up: fill the ring (steady state), then run it round twice more */
	bs_steps(&b, 3ul * b.nring);
	t0 = bs_now_ns();
	bs_steps(&b, BS_MIN_STEPS);
	est = (bs_now_ns() - t0) / BS_MIN_STEPS;
	steps = (unsigned long)(BS_RUN_NS / (est > 0.5 ? est : 0.5));
	if (steps < BS_MIN_STEPS)
		steps = BS_MIN_STEPS;
	if (steps > BS_MAX_STEPS)
		steps = BS_MAX_STEPS;
	for (unsigned r = 0; r < BS_RUNS; r++) {
		t0 = bs_now_ns();
		bs_steps(&b, steps);
		t[r] = (bs_now_ns() - t0) / (double)steps;
	}
	free(b.ring);
	lb_service_fini(&b.svc);
	gsl_rng_free(b.rng);
	return bs_median(t, BS_RUNS);
}

/* Milliseconds per mh rebuild at N = 1000, M = 65521 (median of BS_RUNS). */
static double bs_mh_rebuild_ms(void)
{
	struct lb_service svc;
	double t[BS_RUNS];
	struct lb_dest *d;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	svc.conf.mh_size = BS_MH_SIZE;
	bs_add_dests(&svc, BS_MH_DESTS);
	if (lb_service_set_sched(&svc, &sched_mh_ops) || mh_table_size(&svc) != BS_MH_SIZE) {
		lb_service_fini(&svc);
		return -1;
	}
	d = svc.dests[BS_MH_DESTS / 2];
	/* a weight edit (keepalived's typical change) rebuilds the whole table */
	lb_service_edit_dest(&svc, d, d->weight + 1, 0, 0);
	for (unsigned r = 0; r < BS_RUNS; r++) {
		double t0 = bs_now_ns();

		lb_service_edit_dest(&svc, d, r % 2 ? d->weight + 1 : d->weight - 1, 0, 0);
		t[r] = (bs_now_ns() - t0) / 1e6;
	}
	lb_service_fini(&svc);
	return bs_median(t, BS_RUNS);
}

/* One figure beside its goal (lower is better); goal 0 = none. Returns 1 if missed. */
static int bs_report(const char *label, double value, double goal, const char *unit)
{
	int missed = goal > 0 && value > goal;

	if (value < 0) {
		printf("%-28s %9s   (scheduler refused the service)\n", label, "-");
		return 0;
	}
	if (goal > 0)
		printf("%-28s %9.1f %-3s goal <= %g %-3s %s\n", label, value, unit, goal, unit,
		       missed ? "MISSED" : "ok");
	else
		printf("%-28s %9.1f %-3s (no goal)\n", label, value, unit);
	fflush(stdout);
	return missed;
}

/* bench_sched - the "sched" section; returns the number of goals missed. */
int bench_sched(void)
{
	static const unsigned sizes[] = { 10, 100, 1000 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct lb_flow_key *keys;
	const struct lb_sched_ops *ops;
	int missed = 0;
	char label[64];

	gsl_rng_set(r, 42);
	keys = bs_keys_new(r);
	gsl_rng_free(r);
	printf("sched: ns per decision = one pick + the bind of its connection + the unbind of "
	       "the oldest (%u live connections per dest), median of %u runs; jsq and lrt also "
	       "count requests\n",
	       BS_CONNS_PER_DEST, BS_RUNS);
	for (unsigned i = 0; (ops = lb_sched_at(i)); i++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			snprintf(label, sizeof(label), "sched %s N=%u", ops->name, sizes[s]);
			missed += bs_report(label, bs_measure(ops, sizes[s], keys),
					    bs_goal(ops->name), "ns");
		}
	}
	snprintf(label, sizeof(label), "mh table build N=%u M=%u", BS_MH_DESTS, BS_MH_SIZE);
	missed += bs_report(label, bs_mh_rebuild_ms(), BS_MH_GOAL_MS, "ms");
	free(keys);
	return missed;
}
