/*
 * tests/unit/test_models.c - the request-level world, behaviour by behaviour.
 *
 * Small scenarios written to a temporary file, run through world_new/run,
 * and checked against what the model promises: weights split traffic,
 * link latency adds round trips, a NAT director saturates where DR does
 * not, a full backlog refuses, a down server fails, processor sharing is
 * insensitive to the service distribution, every algorithm sees the
 * same workload, and keepalived's checkers remove (or quiesce) a failed
 * server after their detection time and fall back to the sorry server.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "tests/test.h"

/* Run <scn> with scheduler <algo> (NULL: the scenario's) and <seed>. */
static struct run_result *models_run(const struct scenario *scn, const char *algo, uint64_t seed)
{
	struct world_opts wo = { .algo = algo, .seed = seed, .seed_set = true };
	struct run_result *r;
	struct world *w;
	char err[512];

	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return NULL;
	}
	r = run_result_new();
	world_run(w);
	world_fill_result(w, r);
	world_free(w);
	return r;
}

#define MODELS_TWO_SERVERS(ALGO, KIND, EXTRA)                                            \
	"simulation { duration 200s warmup 10s seed 1 }\n"                                \
	"clients c { sources 192.0.2.0/24 arrival poisson 50/s target 10.0.0.1:80\n"      \
	"            service exponential 10ms }\n"                                        \
	"server 10.0.1.1 { workers 1 }\n"                                                 \
	"server 10.0.1.2 { workers 1 }\n" EXTRA                                            \
	"director d {\n virtual_server 10.0.0.1 80 {\n lb_algo " ALGO "\n lb_kind " KIND    \
	"\n protocol TCP\n"                                                               \
	" real_server 10.0.1.1 80 { weight 2 }\n real_server 10.0.1.2 80 { weight 1 }\n}\n}\n"

static void test_weights_split(void)
{
	struct scenario *scn = test_scenario_text(MODELS_TWO_SERVERS("wrr", "DR", ""), NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->nservers, 2);
	/* wrr 2:1 is exact per cycle: the first server takes two thirds. */
	double share = (double)r->servers[0].connections /
		       (double)(r->servers[0].connections + r->servers[1].connections);
	CU_ASSERT_DOUBLE_EQUAL(share, 2.0 / 3.0, 0.01);
	CU_ASSERT(r->completed > 9000);
	CU_ASSERT_EQUAL(r->refused, 0);
	CU_ASSERT_EQUAL(r->failed, 0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_common_random_numbers(void)
{
	struct scenario *scn = test_scenario_text(MODELS_TWO_SERVERS("wlc", "DR", ""), NULL, 0);
	const char *algos[] = { "rr", "wrr", "lc", "wlc", "twos", "pod" };
	uint64_t requests = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		struct run_result *r = models_run(scn, algos[i], 5);

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		if (i == 0)
			requests = r->requests;
		/* Same seed, same births, whatever the algorithm. */
		CU_ASSERT_EQUAL(r->requests, requests);
		run_result_free(r);
	}
	scenario_free(scn);
}

static void test_determinism(void)
{
	struct scenario *scn = test_scenario_text(MODELS_TWO_SERVERS("twos", "NAT", ""), NULL, 0);
	struct run_result *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	a = models_run(scn, NULL, 9);
	b = models_run(scn, NULL, 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->completed, b->completed);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL(a->resp_mean_s, b->resp_mean_s);
	CU_ASSERT_EQUAL(a->servers[0].requests, b->servers[0].requests);
	run_result_free(a);
	run_result_free(b);
	scenario_free(scn);
}

/* 10 ms each way, no work: handshake + request + response = 4 one-way trips. */
static void test_link_latency(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 20s seed 1 }\n"
		"link wan { latency 10ms }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 20/s target 10.0.0.1:80\n"
		"            service deterministic 0 link wan }\n"
		"server 10.0.1.1 { workers 4 }\n"
		"director d { cpu_per_packet 0\n virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_DOUBLE_EQUAL(r->resp_p50_s, 0.040, 0.0004);
	CU_ASSERT_DOUBLE_EQUAL(r->resp_p99_s, 0.040, 0.0004);
	run_result_free(r);
	scenario_free(scn);
}

/*
 * A director that spends 100 us per packet. A request with a 10-segment
 * response crosses a DR director as 9 packets (SYN, request, 5 ACKs, FIN,
 * ACK): 54 % busy at 600/s. Through NAT the SYN-ACK, the 10 response
 * segments and the server's FIN and ACK come back too: 22 packets, 132 %.
 */
#define MODELS_DIRECTOR(KIND)                                                             \
	"simulation { duration 30s warmup 5s seed 1 }\n"                                  \
	"clients c { sources 192.0.2.0/24 arrival poisson 600/s target 10.0.0.1:80\n"     \
	"            service exponential 1ms response_size deterministic 14000 }\n"       \
	"server 10.0.1.1 { workers 8 }\n"                                                 \
	"director d { cpu_per_packet 100us\n virtual_server 10.0.0.1 80 { lb_algo rr\n"    \
	" lb_kind " KIND "\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n"

static void test_nat_saturates(void)
{
	struct scenario *nat = test_scenario_text(MODELS_DIRECTOR("NAT"), NULL, 0);
	struct scenario *dr = test_scenario_text(MODELS_DIRECTOR("DR"), NULL, 0);
	struct run_result *rn, *rd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nat);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dr);
	rn = models_run(nat, NULL, 1);
	rd = models_run(dr, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
	/* DR: 54 % busy, responses in a few ms. */
	CU_ASSERT(rd->resp_mean_s < 0.01);
	/* NAT: 132 % busy: the queue grows without bound. */
	CU_ASSERT(rn->resp_mean_s > 1.0);
	CU_ASSERT(rn->throughput_rps < 0.95 * rd->throughput_rps);
	run_result_free(rn);
	run_result_free(rd);
	scenario_free(nat);
	scenario_free(dr);
}

static void test_backlog_refuses(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 50s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 20/s target 10.0.0.1:80\n"
		"            service exponential 100ms }\n"
		"server 10.0.1.1 { workers 1 backlog 2 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind NAT\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n",
		NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* rho = 2: at least half the connections find the backlog full. */
	CU_ASSERT(r->refused > r->requests / 3);
	CU_ASSERT(r->completed > 0);
	CU_ASSERT_EQUAL(r->servers[0].refused, r->refused);
	/* A waiting request never waits behind more than 2 others plus 1 in service. */
	CU_ASSERT(r->resp_p999_s < 3.0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_down_server_fails(void)
{
	struct run_result *r;
	struct scenario *scn = test_scenario_text("simulation { duration 20s seed 1 }\n"
			  "clients c { sources 192.0.2.0/24 arrival poisson 50/s\n"
			  "  target 10.0.0.1:80 service exponential 1ms }\n"
			  "server 10.0.1.1 { workers 1 }\n"
			  "server 10.0.1.2 { workers 1 state down }\n"
			  "director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
			  " lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 }\n"
			  " real_server 10.0.1.2 80 { weight 1 } } }\n", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* rr alternates: half the connections go to the dead server and fail. */
	CU_ASSERT_DOUBLE_EQUAL((double)r->failed / (double)r->requests, 0.5, 0.02);
	CU_ASSERT_EQUAL(r->servers[1].requests, 0);
	run_result_free(r);
	scenario_free(scn);
}

/* M/D/1-PS at rho 0.8: W = S/(1-rho) = 5 s, insensitive to the distribution. */
static void test_processor_sharing(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 60000s warmup 1000s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 0.8/s target 10.0.0.1:80\n"
		"            service deterministic 1s }\n"
		"server 10.0.1.1 { workers 1 discipline ps backlog 100000 }\n"
		"director d { cpu_per_packet 0\n virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_DOUBLE_EQUAL(r->resp_mean_s, 5.0, 0.5);
	/* FIFO would give 3.0 (Pollaczek-Khinchine): PS must be well above. */
	CU_ASSERT(r->resp_mean_s > 4.0);
	CU_ASSERT_DOUBLE_EQUAL(r->servers[0].utilization, 0.8, 0.03);
	run_result_free(r);
	scenario_free(scn);
}

/* Keep-alive: 4 requests per connection with think time, all answered. */
static void test_keepalive_requests(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 30s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 10/s target 10.0.0.1:80\n"
		"  service exponential 1ms requests deterministic 4 think exponential 50ms }\n"
		"server 10.0.1.1 { workers 2 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo wlc\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->requests % 4, 0);
	CU_ASSERT_EQUAL(r->servers[0].connections * 4, r->requests);
	/* All but the connections still open at the end are answered. */
	CU_ASSERT(r->completed + 40 >= r->requests);
	run_result_free(r);
	scenario_free(scn);
}

/* On/off arrivals: the mean rate is rate * on / (on + off). */
static void test_onoff_rate(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 1000s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival onoff 100/s 2s 8s\n"
		"  target 10.0.0.1:80 service exponential 1ms }\n"
		"server 10.0.1.1 { workers 4 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_DOUBLE_EQUAL((double)r->requests / 1000.0, 20.0, 1.0);
	run_result_free(r);
	scenario_free(scn);
}

/* Refused then retried: with retries, fewer refusals reach the client. */
static void test_retries(void)
{
	static const char *fmt =
		"simulation { duration 100s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 3/s target 10.0.0.1:80\n"
		"  service exponential 100ms retries %d retry_delay 300ms }\n"
		"server 10.0.1.1 { workers 1 backlog 0 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind NAT\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n";
	char text[1024];
	struct scenario *s0, *s3;
	struct run_result *r0, *r3;

	snprintf(text, sizeof(text), fmt, 0);
	s0 = test_scenario_text(text, NULL, 0);
	snprintf(text, sizeof(text), fmt, 3);
	s3 = test_scenario_text(text, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
	r0 = models_run(s0, NULL, 1);
	r3 = models_run(s3, NULL, 1);
	CU_ASSERT(r0->refused > 0);
	CU_ASSERT(r3->refused < r0->refused / 2);
	CU_ASSERT_EQUAL(r0->requests, r3->requests);
	run_result_free(r0);
	run_result_free(r3);
	scenario_free(s0);
	scenario_free(s3);
}

/* 5 % loss each way: lost packets cost retransmission timeouts, never answers. */
static void test_link_loss(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 100s seed 1 }\n"
		"link wan { latency 1ms loss 5% }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 50/s target 10.0.0.1:80\n"
		"            service deterministic 0 link wan }\n"
		"server 10.0.1.1 { workers 8 }\n"
		"director d { cpu_per_packet 0\n virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* Lossless: 4 ms. About a quarter of the requests lose a packet (0.95^5). */
	CU_ASSERT_DOUBLE_EQUAL(r->resp_p50_s, 0.004, 0.0002);
	CU_ASSERT(r->resp_p90_s >= 0.2);
	CU_ASSERT(r->resp_mean_s > 0.05);
	CU_ASSERT_EQUAL(r->failed, 0);
	run_result_free(r);
	scenario_free(scn);
}

/* A client link that is down: nothing reaches the director, everything fails. */
static void test_link_down(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 10s seed 1 }\n"
		"link wan { latency 1ms state down }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 50/s target 10.0.0.1:80\n"
		"            link wan }\n"
		"server 10.0.1.1 { workers 8 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->requests > 0);
	CU_ASSERT_EQUAL(r->failed, r->requests);
	CU_ASSERT_EQUAL(r->servers[0].connections, 0);
	run_result_free(r);
	scenario_free(scn);
}

#define MODELS_PERSIST(SOURCES, PERSIST, KIND)                                            \
	"simulation { duration 60s seed 1 }\n"                                             \
	"clients c { sources " SOURCES " arrival poisson 50/s target 10.0.0.1:80\n"         \
	"            service exponential 5ms }\n"                                          \
	"server 10.0.1.1 { workers 2 }\nserver 10.0.1.2 { workers 2 }\n"                  \
	"server 10.0.1.3 { workers 2 }\n"                                                  \
	"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n lb_kind " KIND "\n"        \
	" protocol TCP\n" PERSIST "\n real_server 10.0.1.1 80 { weight 1 }\n"              \
	" real_server 10.0.1.2 80 { weight 1 }\n real_server 10.0.1.3 80 { weight 1 } } }\n"

/* How many servers got any connection. */
static unsigned models_servers_used(const struct run_result *r)
{
	unsigned n = 0;

	for (size_t i = 0; i < r->nservers; i++)
		n += r->servers[i].connections > 0;
	return n;
}

/*
 * Persistence through the director's connection table: one client (or one
 * /24 with that granularity) stays on one server; rr alone spreads it.
 */
static void test_persistence_kind(const char *kind)
{
	char plain_text[2048], one_text[2048], net_text[2048];
	struct scenario *plain, *one, *net;
	struct run_result *rp, *ro, *rn;

#define MODELS_PERSIST_FMT(SOURCES, PERSIST) MODELS_PERSIST(SOURCES, PERSIST, "%s")
	snprintf(plain_text, sizeof(plain_text), MODELS_PERSIST_FMT("192.0.2.7/32", ""), kind);
	snprintf(one_text, sizeof(one_text),
		 MODELS_PERSIST_FMT("192.0.2.7/32", "persistence_timeout 300"), kind);
	snprintf(net_text, sizeof(net_text),
		 MODELS_PERSIST_FMT("192.0.2.0/24", "persistence_timeout 300\n"
						    "persistence_granularity 255.255.255.0"),
		 kind);
#undef MODELS_PERSIST_FMT
	plain = test_scenario_text(plain_text, NULL, 0);
	one = test_scenario_text(one_text, NULL, 0);
	net = test_scenario_text(net_text, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	rp = models_run(plain, NULL, 1);
	ro = models_run(one, NULL, 1);
	rn = models_run(net, NULL, 1);
	CU_ASSERT_EQUAL(models_servers_used(rp), 3);
	CU_ASSERT_EQUAL(models_servers_used(ro), 1);
	CU_ASSERT_EQUAL(models_servers_used(rn), 1);
	CU_ASSERT(ro->completed + 5 >= ro->requests);
	CU_ASSERT_EQUAL(rn->failed, 0);
	if (models_servers_used(ro) != 1 || models_servers_used(rn) != 1)
		fprintf(stderr, "\n%s: persistence did not hold\n", kind);
	run_result_free(rp);
	run_result_free(ro);
	run_result_free(rn);
	scenario_free(plain);
	scenario_free(one);
	scenario_free(net);
}

static void test_persistence(void)
{
	test_persistence_kind("DR");
	test_persistence_kind("NAT");
}

/* keepalived's lvs_timeouts reach the director: top level, then per director. */
static void test_lvs_timeouts(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 1s }\n"
		"global_defs { lvs_timeouts tcp 600 tcpfin 30 udp 45 }\n"
		"director a { virtual_server 10.0.0.1 80 { lb_kind DR\n protocol TCP\n"
		"  persistence_timeout 60\n real_server 10.0.1.1 80 { weight 1 } } }\n"
		"director b { global_defs { lvs_timeouts tcpfin 5 }\n"
		"  virtual_server 10.0.0.2 80 { lb_kind DR\n protocol TCP\n"
		"  real_server 10.0.1.2 80 { weight 1 } } }\n", NULL, 0);
	struct world_opts wo = { 0 };
	struct world *w;
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL_FATAL(world_new(scn, &wo, &w, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(w->dirs[0].linger[LINGER_FIN].timeout_ns, 30 * SIM_SEC);
	CU_ASSERT_EQUAL(w->dirs[0].linger[LINGER_UDP].timeout_ns, 45 * SIM_SEC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->dirs[0].tab);
	CU_ASSERT_EQUAL(lb_conn_table_conf(w->dirs[0].tab)->timeout_ns[LB_CONN_S_ESTABLISHED],
			600 * SIM_SEC);
	CU_ASSERT_EQUAL(lb_conn_table_conf(w->dirs[0].tab)->timeout_ns[LB_CONN_S_FIN_WAIT],
			30 * SIM_SEC);
	/* b has its own tcpfin and inherits udp; no persistence, no table. */
	CU_ASSERT_EQUAL(w->dirs[1].linger[LINGER_FIN].timeout_ns, 5 * SIM_SEC);
	CU_ASSERT_EQUAL(w->dirs[1].linger[LINGER_UDP].timeout_ns, 45 * SIM_SEC);
	CU_ASSERT_PTR_NULL(w->dirs[1].tab);
	world_free(w);
	scenario_free(scn);
}

/*
 * Faults at their times: server 2 fails for 10 s (its connections fail),
 * is drained by weight 0 at 30 s (gets nothing more), the director is down
 * for 5 s (everything fails); rr splits the rest evenly.
 */
static void test_faults(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 60s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 200/s target 10.0.0.1:80\n"
		"            service exponential 5ms }\n"
		"server 10.0.1.1 { workers 2 }\nserver 10.0.1.2 { workers 2 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n lb_kind DR\n"
		" protocol TCP\n real_server 10.0.1.1 80 { weight 1 }\n"
		" real_server 10.0.1.2 80 { weight 1 } } }\n"
		"fault {\n at 10s fail server 10.0.1.2\n at 20s recover server 10.0.1.2\n"
		" at 30s weight 10.0.1.2:80 0\n at 40s crash director d\n"
		" at 45s recover director d\n}\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->nfaults, 5);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* 10 s x 100/s to the failed server, 5 s x 200/s to the crashed director. */
	CU_ASSERT(r->failed > 1800 && r->failed < 2200);
	/* Server 2: 0-30 s half the connections, 0-10 and 20-30 s answered. */
	CU_ASSERT(r->servers[1].connections > 2700 && r->servers[1].connections < 3300);
	CU_ASSERT(r->servers[1].requests > 1800 && r->servers[1].requests < 2200);
	CU_ASSERT(r->completed + r->failed + 10 >= r->requests);
	run_result_free(r);
	scenario_free(scn);
}

/* A link cut for 2 s of 10: the clients behind it fail for that time only. */
static void test_fault_link(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 10s seed 1 }\nlink wan { latency 1ms }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 100/s target 10.0.0.1:80\n"
		"            service exponential 1ms link wan }\nserver 10.0.1.1 { workers 2 }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_kind DR\n protocol TCP\n"
		" real_server 10.0.1.1 80 { weight 1 } } }\n"
		"fault { at 4s cut link wan\n at 6s heal link wan }\n", NULL, 0);
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->failed > 150 && r->failed < 250);
	run_result_free(r);
	scenario_free(scn);
}

/* ---- keepalived's health checkers (models/health.c) ---- */

#define MODELS_CHECK_RS(ADDR, EXTRA)                                                        \
	" real_server " ADDR " 80 {\n weight 1\n" EXTRA " TCP_CHECK {\n connect_timeout 2\n"  \
	" retry 2\n delay_before_retry 1\n }\n }\n"

/* Two checked servers, DR rr, 200/s; <extra_rs2> goes into the second one's block. */
#define MODELS_CHECKED(DURATION, EXTRA_RS2, FAULTS)                                          \
	"simulation { duration " DURATION " seed 1 }\n"                                      \
	"clients c { sources 192.0.2.0/24 arrival poisson 200/s target 10.0.0.1:80\n"        \
	"            service exponential 5ms }\n"                                            \
	"server 10.0.1.1 { workers 2 }\nserver 10.0.1.2 { workers 2 }\n"                     \
	"director d { virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n" \
	" delay_loop 3\n warmup 0\n" MODELS_CHECK_RS("10.0.1.1", "")                          \
		MODELS_CHECK_RS("10.0.1.2", EXTRA_RS2) "} }\nfault {\n" FAULTS "}\n"

/*
 * keepalived's detection time for a TCP_CHECK (L 3 s, C 2 s, R 2, B 1 s,
 * warmup 0) whose server dies silently at <fail_s>: attempts run at 1 s,
 * then every L plus the 100 us probe round trip; the first one after the
 * death times out, R retries follow B after each timeout (spec 5.5).
 */
static double models_detection_s(double fail_s)
{
	double t = 1.0, l = 3.0, c = 2.0, b = 1.0, rtt = 100e-6;
	int retry = 2;

	while (t < fail_s)
		t += l + rtt;
	return t - fail_s + (retry + 1) * c + retry * b;
}

/* A failed server is removed after the detection time, and re-added after recovery. */
static void test_check_removes(void)
{
	struct scenario *scn = test_scenario_text(
		MODELS_CHECKED("60s", "",
			       " at 10s fail server 10.0.1.2\n at 40s recover server 10.0.1.2\n"),
		NULL, 0);
	double expect = models_detection_s(10.0) * 200 * 0.5;
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->directors[0].vs[0].rs[1].ncheckers, 1);
	r = models_run(scn, NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* about 8 s of half the traffic fails, not the 30 s without checkers */
	CU_ASSERT(r->failed > 0.8 * expect && r->failed < 1.2 * expect);
	/* before: 10 s x 100/s; after recovery (re-added within one delay_loop): ~17 s x 100/s */
	CU_ASSERT(r->servers[1].requests > 2200);
	CU_ASSERT(r->servers[1].connections < 1000 + 1.2 * expect + 2100);
	run_result_free(r);
	scenario_free(scn);
}

/* Run <scn> and hand back the world, not freed (for IPVS state checks). */
static struct world *models_world(const struct scenario *scn)
{
	struct world_opts wo = { .seed = 1, .seed_set = true };
	struct world *w;
	char err[512];

	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return NULL;
	}
	world_run(w);
	return w;
}

/* Without inhibit_on_failure the dest leaves the service; with it, it stays at weight 0. */
static void test_check_inhibit(void)
{
	struct scenario *plain = test_scenario_text(
		MODELS_CHECKED("30s", "", " at 10s fail server 10.0.1.2\n"), NULL, 0);
	struct scenario *inh = test_scenario_text(
		MODELS_CHECKED("30s", " inhibit_on_failure\n", " at 10s fail server 10.0.1.2\n"),
		NULL, 0);
	struct lb_addr a;
	struct world *w;
	struct mvs *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inh);
	CU_ASSERT_EQUAL_FATAL(lb_addr_parse("10.0.1.2", &a), 0);
	w = models_world(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	v = &w->dirs[0].vs[0];
	CU_ASSERT_PTR_NULL(lb_service_find_dest(&v->svc, &a, 80));
	CU_ASSERT_PTR_NOT_NULL(lb_service_find_dest(&v->svc, &v->rs[0].dest->addr, 80));
	world_free(w);
	w = models_world(inh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	v = &w->dirs[0].vs[0];
	CU_ASSERT_PTR_EQUAL(lb_service_find_dest(&v->svc, &a, 80), v->rs[1].dest);
	CU_ASSERT_EQUAL(v->rs[1].dest->weight, 0);
	CU_ASSERT_EQUAL(v->rs[0].dest->weight, 1);
	CU_ASSERT(w->failed > 600 && w->failed < 1000);
	world_free(w);
	scenario_free(plain);
	scenario_free(inh);
}

/*
 * dr-http's service (alpha, quorum 150, hysteresis 20, sorry_server .29,
 * HTTP_GET with a digest): once both weight-100 servers fail, the alive
 * weight 50 is below quorum - hysteresis and traffic goes to the sorry server.
 */
static void test_check_sorry(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 40s seed 1 }\n"
		"clients c { sources 192.0.2.0/24 arrival poisson 100/s target 10.10.0.100:80\n"
		"            service exponential 5ms }\n"
		"director d { virtual_server 10.10.0.100 80 {\n delay_loop 3\n lb_algo wlc\n"
		" lb_kind DR\n protocol TCP\n alpha\n quorum 150\n hysteresis 20\n"
		" sorry_server 10.10.0.29 80\n"
		" real_server 10.10.0.21 80 {\n weight 100\n HTTP_GET {\n url {\n path /\n"
		" digest 5d41402abc4b2a76b9719d911017c592\n }\n connect_timeout 2\n retry 2\n"
		" delay_before_retry 1\n }\n }\n"
		" real_server 10.10.0.22 80 {\n weight 100\n TCP_CHECK {\n connect_timeout 2\n }\n }\n"
		" real_server 10.10.0.23 80 {\n weight 50\n inhibit_on_failure\n HTTP_GET {\n"
		" url {\n path /healthz\n status_code 200-299 304\n }\n }\n }\n} }\n"
		"fault {\n at 10s fail server 10.10.0.21\n at 10s fail server 10.10.0.22\n}\n",
		NULL, 0);
	struct world *w;
	struct lb_addr a;
	struct server *sorry;
	struct mvs *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL_FATAL(lb_addr_parse("10.10.0.29", &a), 0);
	w = models_world(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	v = &w->dirs[0].vs[0];
	sorry = world_find_server(w, &a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sorry);
	/* alpha: the sorry server serves until the first checks pass (1..4 s), then from
	 * about 20 s (at most 10 + 11 s) to the end */
	CU_ASSERT(sorry->completed > 1500 && sorry->completed < 2400);
	CU_ASSERT_PTR_EQUAL(lb_service_find_dest(&v->svc, &a, 80), v->rs[v->nrs].dest);
	/* the alive .23 leaves the schedule too: inhibit_on_failure keeps it at weight 0 */
	CU_ASSERT_PTR_EQUAL(lb_service_find_dest(&v->svc, &v->cfg->rs[2].addr, 80), v->rs[2].dest);
	CU_ASSERT_EQUAL(v->rs[2].dest->weight, 0);
	CU_ASSERT_PTR_NULL(lb_service_find_dest(&v->svc, &v->cfg->rs[0].addr, 80));
	world_free(w);
	scenario_free(scn);
}

int test_models_register(void)
{
	CU_pSuite s = CU_add_suite("models", NULL, NULL);

	if (!s || !CU_add_test(s, "weights split traffic", test_weights_split) ||
	    !CU_add_test(s, "common random numbers", test_common_random_numbers) ||
	    !CU_add_test(s, "determinism", test_determinism) ||
	    !CU_add_test(s, "link latency round trips", test_link_latency) ||
	    !CU_add_test(s, "NAT director saturates, DR does not", test_nat_saturates) ||
	    !CU_add_test(s, "backlog full refuses", test_backlog_refuses) ||
	    !CU_add_test(s, "down server fails", test_down_server_fails) ||
	    !CU_add_test(s, "processor sharing", test_processor_sharing) ||
	    !CU_add_test(s, "keep-alive requests", test_keepalive_requests) ||
	    !CU_add_test(s, "on/off arrivals", test_onoff_rate) ||
	    !CU_add_test(s, "retries after refusal", test_retries) ||
	    !CU_add_test(s, "link loss", test_link_loss) ||
	    !CU_add_test(s, "link down", test_link_down) ||
	    !CU_add_test(s, "persistence", test_persistence) ||
	    !CU_add_test(s, "lvs_timeouts", test_lvs_timeouts) ||
	    !CU_add_test(s, "faults", test_faults) ||
	    !CU_add_test(s, "fault on a link", test_fault_link) ||
	    !CU_add_test(s, "checkers remove a failed server", test_check_removes) ||
	    !CU_add_test(s, "checkers with inhibit_on_failure", test_check_inhibit) ||
	    !CU_add_test(s, "checkers: quorum and sorry server", test_check_sorry))
		return CU_get_error();
	return CUE_SUCCESS;
}
