/*
 * tests/unit/test_replay.c - the replay's server model (models/replay.c):
 * what a NAT director sends back to clients when the capture holds no
 * replies.
 *
 * Hand-made client frames (two connections, a request in two segments, a
 * retransmission, FINs) go through replay_packet with model replies on, and
 * a sink keeps the frames for the clients. Checked frame by frame: sources
 * VIP:port, checksums, TCP numbers against the client's, MSS, segment
 * sizes, times (round trip, service time over speed, FIFO wait for the one
 * worker, pacing on a link with bandwidth), PSH and FIN-ACK placement, the
 * backlog's RST, the defaults without a clients block, determinism by seed,
 * and nothing from a DR service. Milliseconds of simulated time each.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/wire/frame.h"
#include "models/replay.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "sim/xalloc.h"
#include "tests/test.h"

#define RT_T0 (INT64_C(1700000000) * SIM_SEC)
#define RT_VIP "192.0.2.1"

struct rt_frame {
	sim_time_t at;
	int port;
	size_t len;
	uint8_t *data;
};

struct rt {
	struct scenario *scn;
	struct replay *rp;
	struct run_result *res;
	struct rt_frame *f;
	size_t n, cap;
	uint8_t buf[2048];
};

static void rt_sink(void *ctx, int port, sim_time_t at, const uint8_t *frame, size_t len)
{
	struct rt *t = ctx;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->f = xrealloc(t->f, t->cap * sizeof(*t->f));
	}
	t->f[t->n].at = at;
	t->f[t->n].port = port;
	t->f[t->n].len = len;
	t->f[t->n].data = xmalloc(len);
	memcpy(t->f[t->n].data, frame, len);
	t->n++;
}

/* Load <text> and start a replay of it with model replies; false on error. */
static bool rt_open(struct rt *t, const char *text, uint64_t seed)
{
	struct replay_conf rc = { .seed = seed, .speed = 1.0, .model_replies = true,
				  .sink = rt_sink, .sink_ctx = t };
	char err[512];

	memset(t, 0, sizeof(*t));
	t->scn = test_scenario_text(text, NULL, 0);
	if (!t->scn)
		return false;
	rc.scn = t->scn;
	if (replay_new(&rc, &t->rp, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return false;
	}
	return true;
}

/* One client segment <src>:<sport> -> VIP:80 at <t_ns> of the capture. */
static void rt_send(struct rt *t, sim_time_t t_ns, const char *src, uint16_t sport, uint8_t flags,
		    uint32_t seq, size_t n)
{
	struct lb_eth_spec eth = { .dst = { 2, 0, 0x5e, 0x10, 0, 2 },
				   .src = { 2, 0, 0x5e, 0x10, 0, 1 } };
	struct lb_ip_spec ip = { .ttl = 64, .df = true };
	struct lb_tcp_spec tcp = { .sport = sport, .dport = 80, .seq = seq, .ack = 1, .flags = flags,
				   .win = 64240, .mss = 1460, .payload_len = n };
	int len;

	lb_addr_parse(src, &ip.saddr);
	lb_addr_parse(RT_VIP, &ip.daddr);
	len = lb_build_tcp(t->buf, sizeof(t->buf), &eth, &ip, &tcp);
	CU_ASSERT_FATAL(len > 0);
	replay_packet(t->rp, RT_T0 + t_ns, LB_LT_ETHER, t->buf, (size_t)len, (size_t)len);
}

static void rt_finish(struct rt *t)
{
	replay_finish(t->rp);
	t->res = run_result_new();
	replay_fill_result(t->rp, t->res);
}

static void rt_close(struct rt *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].data);
	free(t->f);
	run_result_free(t->res);
	replay_free(t->rp);
	scenario_free(t->scn);
}

static double rt_extra(const struct rt *t, const char *name)
{
	for (size_t i = 0; i < t->res->nextra; i++)
		if (!strcmp(t->res->extra[i].scope, "replay") && !strcmp(t->res->extra[i].name, name))
			return t->res->extra[i].value;
	return -1;
}

/* The client-side frames to <client>:<port>, parsed and checked; returns how many. */
static size_t rt_to(const struct rt *t, const char *client, uint16_t port, struct lb_pkt *out,
		    sim_time_t *at, size_t max)
{
	struct lb_addr c, vip;
	size_t k = 0;

	lb_addr_parse(client, &c);
	lb_addr_parse(RT_VIP, &vip);
	for (size_t i = 0; i < t->n; i++) {
		struct lb_pkt p;

		if (t->f[i].port != -1)
			continue;
		CU_ASSERT_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, t->f[i].data, t->f[i].len) ==
				LB_PKT_OK);
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, t->f[i].data), LB_PKT_OK);
		CU_ASSERT(lb_addr_eq(&p.saddr, &vip));
		CU_ASSERT_EQUAL(p.sport, 80);
		CU_ASSERT_EQUAL(p.ttl, 63); /* the server's 64, less the director's hop */
		if (!lb_addr_eq(&p.daddr, &c) || p.dport != port)
			continue;
		if (k < max) {
			out[k] = p;
			at[k] = t->f[i].at;
		}
		k++;
	}
	return k;
}

#define RT_NAT(kind, server, clients)                                                       \
	"simulation { duration 1s seed 1 }\n"                                               \
	"link lan { latency 100us mtu 1400 }\n" clients "server 10.0.0.1 { " server " }\n" \
	"director d { cpu_per_packet 1us\n virtual_server " RT_VIP " 80 { lb_algo rr\n"     \
	" lb_kind " kind "\n protocol TCP\n real_server 10.0.0.1 8080 { weight 1 } } }\n"
#define RT_CLIENTS                                                                     \
	"clients c { sources 203.0.113.0/24 arrival poisson 1/s target " RT_VIP ":80\n"  \
	"            service deterministic 2ms response_size deterministic 5000B }\n"

/*
 * Two connections, one worker at speed 2 behind a 100 us link (MTU 1400):
 * A's request (two segments, PSH on the second, then a retransmission of
 * it) and B's complete at 1 ms; A is served 1.1 .. 2.1 ms, B waits for the
 * worker and is served 2.1 .. 3.1 ms; each response is 5000 bytes in
 * segments of 1360 (the smaller MSS), half a round trip later at the
 * director.
 */
static void test_nat_frames(void)
{
	struct rt t;
	struct lb_pkt a[8], b[8];
	sim_time_t ta[8], tb[8];
	size_t na, nb, sizes[] = { 1360, 1360, 1360, 920 };
	uint32_t iss;
	double bytes = 0;
	size_t in = 0;

	CU_ASSERT_FATAL(rt_open(&t, RT_NAT("NAT", "workers 1 speed 2 link lan", RT_CLIENTS), 1));
	rt_send(&t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	rt_send(&t, 100000, "203.0.113.2", 40001, LB_TCP_SYN, 5000, 0);
	rt_send(&t, 900000, "203.0.113.1", 40000, LB_TCP_ACK, 1001, 0);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK, 1001, 200);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1201, 100);
	rt_send(&t, 1000000, "203.0.113.2", 40001, LB_TCP_ACK | LB_TCP_PSH, 5001, 300);
	rt_send(&t, 1500000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1201, 100);
	rt_send(&t, 50000000, "203.0.113.1", 40000, LB_TCP_FIN | LB_TCP_ACK, 1301, 0);
	rt_send(&t, 50000000, "203.0.113.2", 40001, LB_TCP_FIN | LB_TCP_ACK, 5301, 0);
	rt_finish(&t);

	na = rt_to(&t, "203.0.113.1", 40000, a, ta, 8);
	nb = rt_to(&t, "203.0.113.2", 40001, b, tb, 8);
	CU_ASSERT_EQUAL_FATAL(na, 6);
	CU_ASSERT_EQUAL_FATAL(nb, 6);
	/* SYN-ACK: one round trip later, our MSS 1400 - 40, the client's SYN acked */
	CU_ASSERT_EQUAL(a[0].tcp_flags, LB_TCP_SYN | LB_TCP_ACK);
	CU_ASSERT_EQUAL(a[0].tcp_mss, 1360);
	CU_ASSERT_EQUAL(a[0].ack, 1001);
	CU_ASSERT_EQUAL(ta[0], 200000);
	CU_ASSERT_EQUAL(tb[0], 300000);
	CU_ASSERT_EQUAL(b[0].ack, 5001);
	CU_ASSERT_NOT_EQUAL(a[0].seq, b[0].seq);
	/* the response: 5000 bytes, contiguous, PSH on the last, the request acked */
	iss = a[0].seq;
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(a[1 + i].payload_len, sizes[i]);
		CU_ASSERT_EQUAL(a[1 + i].seq, iss + 1 + 1360 * (uint32_t)i);
		CU_ASSERT_EQUAL(a[1 + i].ack, 1301);
		CU_ASSERT_EQUAL(a[1 + i].tcp_flags, LB_TCP_ACK | (i == 3 ? LB_TCP_PSH : 0));
		CU_ASSERT_EQUAL(ta[1 + i], 2200000);
		CU_ASSERT_EQUAL(b[1 + i].payload_len, sizes[i]);
		CU_ASSERT_EQUAL(b[1 + i].seq, b[0].seq + 1 + 1360 * (uint32_t)i);
		CU_ASSERT_EQUAL(b[1 + i].ack, 5301);
		CU_ASSERT_EQUAL(tb[1 + i], 3200000); /* waited 1 ms for the worker */
	}
	/* FIN-ACK: after the data, the FIN acked, one round trip later */
	CU_ASSERT_EQUAL(a[5].tcp_flags, LB_TCP_FIN | LB_TCP_ACK);
	CU_ASSERT_EQUAL(a[5].seq, iss + 1 + 5000);
	CU_ASSERT_EQUAL(a[5].ack, 1302);
	CU_ASSERT_EQUAL(ta[5], 50200000);
	CU_ASSERT_EQUAL(b[5].seq, b[0].seq + 1 + 5000);
	CU_ASSERT_EQUAL(b[5].ack, 5302);

	/* counted as the return path through the director */
	for (size_t i = 0; i < t.n; i++)
		if (t.f[i].port == -1)
			bytes += (double)t.f[i].len;
		else
			in++;
	CU_ASSERT_EQUAL(in, 9);
	CU_ASSERT_EQUAL(rt_extra(&t, "replies_model"), 12);
	CU_ASSERT_EQUAL(rt_extra(&t, "replies_capture"), 0);
	CU_ASSERT_EQUAL(rt_extra(&t, "replies_bytes"), bytes);
	CU_ASSERT_EQUAL(rt_extra(&t, "forwarded"), 9 + 12);
	CU_ASSERT_EQUAL(rt_extra(&t, "model_refused"), 0);
	/* the replay lasts until the last FIN-ACK; 21 packets of 1 us of CPU */
	CU_ASSERT_EQUAL(rt_extra(&t, "duration_s"), 0.0502);
	CU_ASSERT_DOUBLE_EQUAL(rt_extra(&t, "director_cpu_utilization"), 21e-6 / 0.0502, 1e-12);
	rt_close(&t);
}

/*
 * A 100 Mbit/s server link paces the segments ((1360 + 54) * 8 / 1e8 s
 * apart); the FIN, come early, is answered after the last segment.
 */
static void test_nat_pacing(void)
{
	struct rt t;
	struct lb_pkt a[8];
	sim_time_t ta[8], gap = 113120, last = 77920;

	CU_ASSERT_FATAL(rt_open(&t, "link fast { latency 100us mtu 1400 bandwidth 100Mbit }\n"
				    RT_NAT("NAT", "workers 1 speed 2 link fast", RT_CLIENTS), 1));
	rt_send(&t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1001, 300);
	rt_send(&t, 1100000, "203.0.113.1", 40000, LB_TCP_FIN | LB_TCP_ACK, 1301, 0);
	rt_finish(&t);
	CU_ASSERT_EQUAL_FATAL(rt_to(&t, "203.0.113.1", 40000, a, ta, 8), 6);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(ta[1 + i], 2200000 + (sim_time_t)i * gap);
	CU_ASSERT_EQUAL(a[4].tcp_flags, LB_TCP_ACK | LB_TCP_PSH);
	CU_ASSERT_EQUAL(a[5].tcp_flags, LB_TCP_FIN | LB_TCP_ACK);
	CU_ASSERT_EQUAL(ta[5], 2200000 + 3 * gap + last);
	CU_ASSERT_EQUAL(a[5].ack, 1302);
	/* the data sent after the FIN came still acks only the request */
	CU_ASSERT_EQUAL(a[4].ack, 1301);
	rt_close(&t);
}

/* One worker, backlog 0: the second request at once is refused with an RST. */
static void test_nat_backlog(void)
{
	struct rt t;
	struct lb_pkt b[8];
	sim_time_t tb[8];

	CU_ASSERT_FATAL(rt_open(&t, RT_NAT("NAT", "workers 1 speed 2 backlog 0 link lan",
					   RT_CLIENTS), 1));
	rt_send(&t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	rt_send(&t, 0, "203.0.113.2", 40001, LB_TCP_SYN, 5000, 0);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1001, 300);
	rt_send(&t, 1000000, "203.0.113.2", 40001, LB_TCP_ACK | LB_TCP_PSH, 5001, 300);
	rt_send(&t, 9000000, "203.0.113.2", 40001, LB_TCP_FIN | LB_TCP_ACK, 5301, 0);
	rt_finish(&t);
	CU_ASSERT_EQUAL(rt_to(&t, "203.0.113.1", 40000, b, tb, 8), 5); /* no FIN: no FIN-ACK */
	CU_ASSERT_EQUAL_FATAL(rt_to(&t, "203.0.113.2", 40001, b, tb, 8), 2);
	CU_ASSERT_EQUAL(b[1].tcp_flags, LB_TCP_RST | LB_TCP_ACK);
	CU_ASSERT_EQUAL(b[1].seq, b[0].seq + 1);
	CU_ASSERT_EQUAL(tb[1], 1200000);
	CU_ASSERT_EQUAL(rt_extra(&t, "model_refused"), 1);
	rt_close(&t);
}

/*
 * No clients block targets the service: the defaults, 10000-byte responses
 * (no link: MTU 1500, segments of 1460).
 */
static void test_nat_defaults(void)
{
	struct rt t;
	struct lb_pkt a[16];
	sim_time_t ta[16];
	size_t n;
	uint32_t sum = 0;

	CU_ASSERT_FATAL(rt_open(&t, RT_NAT("NAT", "workers 1", ""), 1));
	rt_send(&t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1001, 300);
	rt_finish(&t);
	n = rt_to(&t, "203.0.113.1", 40000, a, ta, 16);
	CU_ASSERT_EQUAL_FATAL(n, 1 + 7); /* 6 x 1460 + 1240 */
	CU_ASSERT_EQUAL(a[0].tcp_mss, 1460);
	for (size_t i = 1; i < n; i++)
		sum += a[i].payload_len;
	CU_ASSERT_EQUAL(a[1].payload_len, 1460);
	CU_ASSERT_EQUAL(a[7].payload_len, 1240);
	CU_ASSERT_EQUAL(sum, 10000);
	CU_ASSERT(ta[1] > 1200000); /* the exponential demand is not 0 */
	rt_close(&t);
}

/* Three requests on one connection, random demand and size, run by seed <seed>. */
static void rt_random(struct rt *t, uint64_t seed)
{
	CU_ASSERT_FATAL(rt_open(
		t, RT_NAT("NAT", "workers 2 link lan",
			  "clients c { sources 203.0.113.0/24 arrival poisson 1/s target " RT_VIP
			  ":80\n service exponential 1ms response_size exponential 4000B }\n"),
		seed));
	rt_send(t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	for (uint32_t i = 0; i < 3; i++)
		rt_send(t, 1000000 * (i + 1), "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH,
			1001 + 100 * i, 100);
	rt_send(t, 100000000, "203.0.113.1", 40000, LB_TCP_FIN | LB_TCP_ACK, 1301, 0);
	rt_finish(t);
}

/* The same seed gives the same frames at the same times; numbers stay consistent. */
static void test_nat_determinism(void)
{
	struct rt a, b, c;
	struct lb_pkt p[64];
	sim_time_t at[64];
	size_t n;
	uint32_t next, psh = 0;
	bool same_c;

	rt_random(&a, 11);
	rt_random(&b, 11);
	rt_random(&c, 12);
	CU_ASSERT_EQUAL_FATAL(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		CU_ASSERT_EQUAL(a.f[i].at, b.f[i].at);
		CU_ASSERT(a.f[i].len == b.f[i].len && !memcmp(a.f[i].data, b.f[i].data, a.f[i].len));
	}
	same_c = a.n == c.n;
	for (size_t i = 0; i < a.n && same_c; i++)
		same_c = a.f[i].at == c.f[i].at && a.f[i].len == c.f[i].len;
	CU_ASSERT(!same_c);
	n = rt_to(&a, "203.0.113.1", 40000, p, at, 64);
	CU_ASSERT_FATAL(n >= 3 && n <= 64);
	next = p[0].seq + 1;
	for (size_t i = 1; i < n; i++) {
		CU_ASSERT_EQUAL(p[i].seq, next);
		CU_ASSERT(at[i] >= at[i - 1]);
		next += p[i].payload_len;
		psh += !!(p[i].tcp_flags & LB_TCP_PSH);
	}
	CU_ASSERT_EQUAL(psh, 3); /* one response per request */
	CU_ASSERT_EQUAL(p[n - 1].tcp_flags, LB_TCP_FIN | LB_TCP_ACK);
	rt_close(&a);
	rt_close(&b);
	rt_close(&c);
}

/* DR: replies bypass the director; the model sends nothing. */
static void test_dr_silent(void)
{
	struct rt t;
	size_t client = 0;

	CU_ASSERT_FATAL(rt_open(&t, RT_NAT("DR", "workers 1 link lan", RT_CLIENTS), 1));
	rt_send(&t, 0, "203.0.113.1", 40000, LB_TCP_SYN, 1000, 0);
	rt_send(&t, 1000000, "203.0.113.1", 40000, LB_TCP_ACK | LB_TCP_PSH, 1001, 300);
	rt_send(&t, 2000000, "203.0.113.1", 40000, LB_TCP_FIN | LB_TCP_ACK, 1301, 0);
	rt_finish(&t);
	for (size_t i = 0; i < t.n; i++)
		client += t.f[i].port == -1;
	CU_ASSERT_EQUAL(client, 0);
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(rt_extra(&t, "replies_model"), 0);
	CU_ASSERT_EQUAL(rt_extra(&t, "duration_s"), 0.002);
	rt_close(&t);
}

int test_replay_register(void)
{
	CU_pSuite s = CU_add_suite("replay", NULL, NULL);

	if (!s || !CU_add_test(s, "NAT server model: frames, numbers, times", test_nat_frames) ||
	    !CU_add_test(s, "NAT server model: pacing, FIN after data", test_nat_pacing) ||
	    !CU_add_test(s, "NAT server model: backlog refuses", test_nat_backlog) ||
	    !CU_add_test(s, "NAT server model: defaults", test_nat_defaults) ||
	    !CU_add_test(s, "NAT server model: determinism", test_nat_determinism) ||
	    !CU_add_test(s, "DR: no model replies", test_dr_silent))
		return CU_get_error();
	return CUE_SUCCESS;
}
