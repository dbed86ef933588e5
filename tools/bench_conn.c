/*
 * tools/bench_conn.c - memory and speed of the IPVS connection table at 10 M entries.
 *
 * Ten million TCP connections from distinct clients are scheduled (wlc over
 * 100 destinations, the default scheduler) into one algorithms/ipvs table
 * and moved to ESTABLISHED, then all of them expire. Goals (DESIGN 8):
 * <= 128 bytes per tracked connection and 10 M connections in < 2 GB, from
 * the table's own accounting (lb_conn_table_bytes: entry chunks, chunk
 * directory, hash buckets). The time per new connection is printed too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/bench.h"

#include <stdio.h>
#include <time.h>

#include "algorithms/ipvs/conn.h"
#include "algorithms/sched/sched.h"

#define BC_CONNS 10000000u
#define BC_DESTS 100u
#define BC_GOAL_BYTES 128.0
#define BC_GOAL_TOTAL (2.0 * 1024 * 1024 * 1024)

static double bc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_conn(void)
{
	struct lb_conn_table *tab;
	struct lb_service svc;
	struct lb_conn_conf cc;
	double t0, t_new, t_exp, per, total;
	size_t count;
	int missed = 0;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	svc.addr = (struct lb_addr){ .af = LB_AF_INET, .u.v4 = 0x0a000064 };
	svc.port = 80;
	svc.proto = LB_PROTO_TCP;
	svc.kind = LB_KIND_DR;
	lb_service_set_sched(&svc, &sched_wlc_ops);
	for (unsigned i = 0; i < BC_DESTS; i++) {
		struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0a010000 + i };

		lb_service_add_dest(&svc, &a, 80, 1 + (int)(i % 5), 0, 0, NULL);
	}
	lb_conn_conf_default(&cc);
	tab = lb_conn_table_new(&cc);

	t0 = bc_now();
	for (unsigned i = 0; i < BC_CONNS; i++) {
		struct lb_flow_key k = {
			.saddr = { .af = LB_AF_INET, .u.v4 = 0x64000000u + (i >> 4) },
			.daddr = svc.addr, .sport = (uint16_t)(40000 + (i & 15)),
			.dport = 80, .proto = LB_PROTO_TCP,
		};
		struct lb_conn *c;

		if (lb_conn_in(tab, &svc, &k, LB_TCP_SYN, 0, &c) == 0)
			lb_conn_packet(tab, c, LB_CONN_DIR_IN, LB_TCP_ACK, 0);
	}
	t_new = bc_now() - t0;
	count = lb_conn_table_count(tab);
	total = (double)lb_conn_table_bytes(tab);
	per = count ? total / (double)count : 0;
	t0 = bc_now();
	lb_conn_table_expire(tab, (int64_t)3600 * 1000000000);
	t_exp = bc_now() - t0;

	missed += per > BC_GOAL_BYTES;
	printf("%-34s %8.1f B   goal <= %.0f B   %s\n", "conn table bytes per connection", per,
	       BC_GOAL_BYTES, per > BC_GOAL_BYTES ? "MISSED" : "ok");
	missed += total >= BC_GOAL_TOTAL || count < BC_CONNS;
	printf("%-34s %8.0f MB  goal < 2048 MB for 10 M   %s\n", "conn table at 10 M connections",
	       total / (1024 * 1024), total >= BC_GOAL_TOTAL || count < BC_CONNS ? "MISSED" : "ok");
	printf("%-34s %8.0f ns per connection (SYN + ACK), expiry %.0f ns per entry (no goal)\n",
	       "  new connections", t_new / BC_CONNS * 1e9, t_exp / BC_CONNS * 1e9);
	fflush(stdout);
	lb_conn_table_flush(tab, NULL);
	lb_conn_table_free(tab);
	lb_service_fini(&svc);
	return missed;
}
