/*
 * tests/unit/test_packet.c - packet fidelity (models/packet.c), behaviour by behaviour.
 *
 * Small scenarios run through world_new/run with `fidelity packet`: link
 * serialization per segment against the analytic time, segment sizes from
 * the path's MTU, a NAT director saturating on its per-packet CPU, the M/M/1
 * oracle, and determinism. A few runs of a few seconds each.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "models/packet.h"
#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "tests/test.h"

/* Run <scn> with <seed>; *packets (when not NULL) gets the first director's packet count. */
static struct run_result *pt_run(const struct scenario *scn, uint64_t seed, uint64_t *packets)
{
	struct world_opts wo = { .seed = seed, .seed_set = true };
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
	if (packets)
		*packets = w->ndirs ? w->dirs[0].packets : 0;
	world_free(w);
	return r;
}

static const struct scn_set pt_packet[] = { { "simulation.fidelity", "packet" } };

/*
 * One connection every 5 s over a 1 Mbit/s client link, 100 KB responses:
 * 69 segments of at most 1460 bytes plus 40 bytes of headers each cross the
 * link one after the other, 822.08 ms; the handshake and request add a few
 * packets' worth (under 1 %).
 */
#define PT_SLOW_LINK                                                                       \
	"simulation { duration 60s seed 1 }\n"                                             \
	"link slow { latency 0 bandwidth 1Mbit }\n"                                        \
	"clients c { sources 192.0.2.0/24 arrival deterministic 0.2/s target 10.0.0.1:80\n" \
	"            service deterministic 0 request_size deterministic 100\n"            \
	"            response_size deterministic 100000 link slow }\n"                    \
	"server 10.0.1.1 { workers 4 }\n"                                                  \
	"director d { cpu_per_packet 0\n virtual_server 10.0.0.1 80 { lb_algo rr\n"         \
	" lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n"

static void test_link_bandwidth(void)
{
	struct scenario *pk = test_scenario_text(PT_SLOW_LINK, pt_packet, 1);
	struct scenario *rq = test_scenario_text(PT_SLOW_LINK, NULL, 0);
	double analytic = (100000.0 + 69 * PACKET_HDR_BYTES) * 8 / 1e6;
	struct run_result *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rq);
	a = pt_run(pk, 1, NULL);
	b = pt_run(rq, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT(a->completed >= 10);
	CU_ASSERT(a->resp_p50_s >= 0.8);
	CU_ASSERT(fabs(a->resp_p50_s - analytic) < 0.05 * analytic);
	/* The lumped request-level figure is close, not the same. */
	CU_ASSERT(fabs(b->resp_p50_s - analytic) < 0.05 * analytic);
	CU_ASSERT(a->resp_p50_s != b->resp_p50_s);
	run_result_free(a);
	run_result_free(b);
	scenario_free(pk);
	scenario_free(rq);
}

/*
 * NAT, a 1000-byte MTU on the server's link: MSS 960. Each connection
 * crosses the director as SYN, SYN-ACK, 1 request segment, ceil(10000/960)
 * = 11 response segments, 6 ACKs (every second one and the last), FIN,
 * FIN-ACK and the last ACK: 23 packets.
 */
static void test_mtu_segments(void)
{
	struct scenario *scn = test_scenario_text(
		"simulation { duration 10500ms seed 1 fidelity packet }\n"
		"link lan { latency 100us mtu 1000 }\n"
		"clients c { sources 192.0.2.0/24 arrival deterministic 1/s target 10.0.0.1:80\n"
		"            service deterministic 1ms request_size deterministic 300\n"
		"            response_size deterministic 10000 }\n"
		"server 10.0.1.1 { workers 4 link lan }\n"
		"director d { virtual_server 10.0.0.1 80 { lb_algo rr\n"
		" lb_kind NAT\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n",
		NULL, 0);
	uint64_t packets = 0;
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = pt_run(scn, 1, &packets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->completed, 10);
	CU_ASSERT_EQUAL(packets, 10 * (3 + 11 + 6 + 3));
	run_result_free(r);
	scenario_free(scn);
}

/*
 * 100 us per packet, 600 connections/s with 10-segment responses. DR sees
 * SYN, request, 5 ACKs, FIN and last ACK: 9 packets, 54 % busy. NAT sees the
 * SYN-ACK, 10 response segments and the FIN-ACK too: 21, 126 %.
 */
#define PT_DIRECTOR(KIND)                                                                 \
	"simulation { duration 20s warmup 5s seed 1 fidelity packet }\n"                  \
	"clients c { sources 192.0.2.0/24 arrival poisson 600/s target 10.0.0.1:80\n"     \
	"            service exponential 1ms response_size deterministic 14000 }\n"       \
	"server 10.0.1.1 { workers 8 }\n"                                                 \
	"director d { cpu_per_packet 100us\n virtual_server 10.0.0.1 80 { lb_algo rr\n"    \
	" lb_kind " KIND "\n protocol TCP\n real_server 10.0.1.1 80 { weight 1 } } }\n"

static void test_nat_saturates(void)
{
	struct scenario *nat = test_scenario_text(PT_DIRECTOR("NAT"), NULL, 0);
	struct scenario *dr = test_scenario_text(PT_DIRECTOR("DR"), NULL, 0);
	struct run_result *rn, *rd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nat);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dr);
	rn = pt_run(nat, 1, NULL);
	rd = pt_run(dr, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
	CU_ASSERT(rd->resp_mean_s < 0.01);
	CU_ASSERT(rn->resp_mean_s > 1.0);
	CU_ASSERT(rn->throughput_rps < 0.95 * rd->throughput_rps);
	run_result_free(rn);
	run_result_free(rd);
	scenario_free(nat);
	scenario_free(dr);
}

/* M/M/1 at rho 0.8 with ideal links: W = 5 s whatever the fidelity. */
static void test_mm1(void)
{
	static const struct scn_set sets[] = {
		{ "simulation.fidelity", "packet" },
		{ "simulation.duration", "100000s" },
	};
	struct scenario *scn = NULL;
	struct run_result *r;
	char err[512];

	if (scenario_load("scenarios/validation/mm1.conf", sets, 2, &scn, err, sizeof(err)))
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = pt_run(scn, 1, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(fabs(r->resp_mean_s - 5.0) < 0.25);
	run_result_free(r);
	scenario_free(scn);
}

static void test_determinism(void)
{
	struct scenario *scn = test_scenario_text(PT_DIRECTOR("NAT"), NULL, 0);
	struct run_result *a, *b;
	uint64_t pa = 0, pb = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	a = pt_run(scn, 7, &pa);
	b = pt_run(scn, 7, &pb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->completed, b->completed);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL(a->resp_mean_s, b->resp_mean_s);
	CU_ASSERT_EQUAL(pa, pb);
	run_result_free(a);
	run_result_free(b);
	scenario_free(scn);
}

int test_packet_register(void)
{
	CU_pSuite s = CU_add_suite("packet", NULL, NULL);

	if (!s || !CU_add_test(s, "link bandwidth acts per segment", test_link_bandwidth) ||
	    !CU_add_test(s, "MSS from the path's MTU", test_mtu_segments) ||
	    !CU_add_test(s, "NAT director saturates per packet", test_nat_saturates) ||
	    !CU_add_test(s, "M/M/1 at packet fidelity", test_mm1) ||
	    !CU_add_test(s, "determinism", test_determinism))
		return CU_get_error();
	return CUE_SUCCESS;
}
