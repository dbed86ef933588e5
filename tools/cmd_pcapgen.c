/*
 * tools/cmd_pcapgen.c - `lbsim pcapgen`: the scenario's client traffic as a capture.
 *
 * Runs the scenario's request-level world (the very run `lbsim run` does, same
 * seed, same arrivals) with a tap on every client packet that reaches the
 * director, and writes each as a real frame: Ethernet (router -> director),
 * IPv4 or IPv6, TCP with the handshake, requests in MSS-sized segments, the
 * client's ACKs of the responses and the FIN; UDP requests as datagrams. It
 * is a capture taken in front of the director: replaying it with `lbsim
 * replay` on the same scenario and seed gives the same connections per real
 * server as the run. Checksums are valid; timestamps are nanoseconds from
 * 2023-11-14 22:13:20 UTC (1700000000 s) plus the simulated time. The file is
 * written to OUT.pcap.tmp and renamed at the end, so a failure leaves none.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "algorithms/sched/sched.h"
#include "algorithms/wire/frame.h"
#include "models/world.h"
#include "results/result.h"
#include "sim/xalloc.h"

#define PG_EPOCH_S 1700000000LL
#define PG_MSS 1448u
#define PG_FRAME_MAX 65600u

/* The two MACs of the capture point: the upstream router and the director. */
static const uint8_t pg_router_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t pg_director_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

struct pcapgen {
	pcap_t *pd;
	pcap_dumper_t *dumper;
	uint8_t frame[PG_FRAME_MAX];
	uint64_t frames, bytes, conns;
	sim_time_t last;
	int err;	/* first write error, -errno */
};

/* A connection's initial sequence numbers, from its number (client 0, server 1). */
static uint32_t pg_isn(uint64_t conn, unsigned side)
{
	uint64_t z = conn * 2 + side + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(z ^ (z >> 31));
}

static void pg_write(struct pcapgen *g, sim_time_t at, int len)
{
	struct pcap_pkthdr h;

	if (len < 0) {
		if (!g->err)
			g->err = len;
		return;
	}
	h.ts.tv_sec = PG_EPOCH_S + at / SIM_SEC;
	h.ts.tv_usec = at % SIM_SEC; /* nanoseconds: the file is nanosecond-stamped */
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->dumper, &h, g->frame);
	g->frames++;
	g->bytes += (uint64_t)len;
	g->last = at;
}

/* One TCP segment client -> service, with <n> payload bytes from stream offset <off>. */
static void pg_tcp(struct pcapgen *g, sim_time_t at, const struct world_tap_pkt *p,
		   uint8_t flags, uint32_t seq, uint32_t ack, size_t n, uint16_t mss)
{
	struct lb_eth_spec eth = { .nvlan = 0 };
	struct lb_ip_spec ip = { .saddr = p->key->saddr, .daddr = p->key->daddr, .ttl = 64,
				 .df = true, .id = (uint16_t)g->frames };
	struct lb_tcp_spec tcp = { .sport = p->key->sport, .dport = p->key->dport, .seq = seq,
				   .ack = ack, .flags = flags, .win = 64240, .mss = mss,
				   .payload_len = n };

	memcpy(eth.dst, pg_director_mac, 6);
	memcpy(eth.src, pg_router_mac, 6);
	pg_write(g, at, lb_build_tcp(g->frame, sizeof(g->frame), &eth, &ip, &tcp));
}

static void pg_udp(struct pcapgen *g, sim_time_t at, const struct world_tap_pkt *p, size_t n)
{
	struct lb_eth_spec eth = { .nvlan = 0 };
	struct lb_ip_spec ip = { .saddr = p->key->saddr, .daddr = p->key->daddr, .ttl = 64,
				 .id = (uint16_t)g->frames };
	struct lb_udp_spec udp = { .sport = p->key->sport, .dport = p->key->dport,
				   .payload_len = n > 65507 ? 65507 : n };

	memcpy(eth.dst, pg_director_mac, 6);
	memcpy(eth.src, pg_router_mac, 6);
	pg_write(g, at, lb_build_udp(g->frame, sizeof(g->frame), &eth, &ip, &udp));
}

/* The world's tap: one client packet at the director, written as frames. */
static void pg_tap(void *ctx, sim_time_t at, const struct world_tap_pkt *p)
{
	struct pcapgen *g = ctx;
	uint32_t cseq = pg_isn(p->conn, 0) + 1 + (uint32_t)p->sent;
	uint32_t sack = pg_isn(p->conn, 1) + 1 + (uint32_t)p->received;

	if (p->key->proto != LB_PROTO_TCP) {
		if (p->ev == WORLD_TAP_REQUEST)
			pg_udp(g, at, p, p->bytes);
		return;
	}
	switch (p->ev) {
	case WORLD_TAP_SYN:
		g->conns++;
		pg_tcp(g, at, p, LB_TCP_SYN, pg_isn(p->conn, 0), 0, 0, 1460);
		break;
	case WORLD_TAP_REQUEST:
		if (!p->bytes) {
			pg_tcp(g, at, p, LB_TCP_ACK, cseq, sack, 0, 0);
			break;
		}
		for (uint32_t off = 0; off < p->bytes; off += PG_MSS) {
			uint32_t n = p->bytes - off < PG_MSS ? p->bytes - off : PG_MSS;
			uint8_t fl = LB_TCP_ACK | (off + n == p->bytes ? LB_TCP_PSH : 0);

			pg_tcp(g, at, p, fl, cseq + off, sack, n, 0);
		}
		break;
	case WORLD_TAP_ACK: {
		/* One ACK per two segments of the response, the last acking all of it. */
		uint32_t segs = p->bytes ? (p->bytes + PG_MSS - 1) / PG_MSS : 1;
		uint32_t start = sack - p->bytes;

		for (uint32_t i = 2; i < segs; i += 2)
			pg_tcp(g, at, p, LB_TCP_ACK, cseq, start + i * PG_MSS, 0, 0);
		pg_tcp(g, at, p, LB_TCP_ACK, cseq, sack, 0, 0);
		break;
	}
	case WORLD_TAP_FIN:
		pg_tcp(g, at, p, LB_TCP_FIN | LB_TCP_ACK, cseq, sack, 0, 0);
		/* ... and the ACK of the server's FIN. */
		pg_tcp(g, at, p, LB_TCP_ACK, cseq + 1, sack + 1, 0, 0);
		break;
	case WORLD_TAP_EV_COUNT:
		break;
	}
}

int cmd_pcapgen(const struct cli_opts *o)
{
	struct world_opts wo = { .algo = o->algo, .seed = o->seed, .seed_set = o->seed_set };
	struct scenario *scn;
	struct world *w;
	struct pcapgen *g;
	char err[1024], *tmp;
	int rc = CLI_EXIT_INPUT;

	if (cli_load_scenario(o, &scn))
		return CLI_EXIT_INPUT;
	g = xcalloc(1, sizeof(*g));
	wo.tap = pg_tap;
	wo.tap_ctx = g;
	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out_free_gen;
	}
	tmp = xmalloc(strlen(o->output) + 8);
	sprintf(tmp, "%s.tmp", o->output);
	g->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, PG_FRAME_MAX,
						     PCAP_TSTAMP_PRECISION_NANO);
	g->dumper = g->pd ? pcap_dump_open(g->pd, tmp) : NULL;
	if (!g->dumper) {
		fprintf(stderr, "lbsim pcapgen: %s: %s\n", tmp,
			g->pd ? pcap_geterr(g->pd) : "cannot open a pcap writer");
		goto out_free_tmp;
	}
	world_run(w);
	if (pcap_dump_flush(g->dumper) == -1 && !g->err)
		g->err = -EIO;
	pcap_dump_close(g->dumper);
	g->dumper = NULL;
	if (g->err) {
		fprintf(stderr, "lbsim pcapgen: %s: cannot write a frame (%s)\n", tmp,
			strerror(-g->err));
		remove(tmp);
		goto out_free_tmp;
	}
	if (rename(tmp, o->output) == -1) {
		fprintf(stderr, "lbsim pcapgen: %s: %s\n", o->output, strerror(errno));
		remove(tmp);
		goto out_free_tmp;
	}
	if (!o->quiet)
		fprintf(stderr, "lbsim pcapgen: %s: %" PRIu64 " frames, %" PRIu64
				" bytes, %" PRIu64 " connection attempts, %.3f s\n",
			o->output, g->frames, g->bytes, g->conns, sim_time_to_sec(g->last));
	rc = CLI_EXIT_OK;
out_free_tmp:
	if (g->pd)
		pcap_close(g->pd);
	free(tmp);
	world_free(w);
out_free_gen:
	free(g);
	scenario_free(scn);
	return rc;
}
