/*
 * tools/bench_replay.c - replay speed against the raw libpcap read rate.
 *
 * Generates a capture of the default scenario (`lbsim pcapgen`, DR, wlc) with
 * at least 5 M frames into a temporary file, then, on the same file in the
 * same run: reads it with libpcap alone (pcap_next_ex, nothing else), and
 * replays it without dumps (read, parse, connection lookup, scheduling of
 * new connections, DR rewrite) as `lbsim replay` does: with more than one
 * CPU, libpcap reads on a thread of its own beside the replay (pcapfeed.c).
 * The replay with the reading inline on one thread is timed and shown too.
 * Each is timed as the best of five passes (the first read also warms the
 * page cache; the machines are shared and noisy). Goals (DESIGN 8): >= 3 M packets/s, and >= 50 % of the raw
 * read rate.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "algorithms/wire/frame.h"
#include "models/replay.h"
#include "scenarios/lang/scenario.h"
#include "tools/cli.h"
#include "tools/pcapfeed.h"

#define BR_MIN_PACKETS 5000000ULL
#define BR_GOAL_PPS 3e6
#define BR_GOAL_RATIO 0.5
#define BR_PASSES 5
#define BR_AHEAD 8 /* frames looked ahead, as lbsim replay */

static double br_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read every frame of <path> with libpcap only; packets in *n. Seconds, < 0 on error. */
static double br_read(const char *path, unsigned long long *n)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long sum = 0;
	double t0 = br_now();
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);

	if (!p)
		return -1;
	*n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		sum += d[h->caplen - 1]; /* touch the frame, as any reader would */
		(*n)++;
	}
	pcap_close(p);
	if (sum == 1)
		fputs("", stderr);
	return br_now() - t0;
}

/*
 * Replay <path> through <scn> (no dumps), reading on a thread of its own
 * (as `lbsim replay` does on more than one CPU) or inline. Seconds, < 0 on
 * error.
 */
static double br_replay(const char *path, const struct scenario *scn, bool threaded,
			unsigned long long *n)
{
	struct pcap_feed *feed;
	struct replay_conf rc = { .scn = scn, .seed = 1, .speed = 1.0 };
	char ebuf[PCAP_ERRBUF_SIZE], err[512];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct replay *rp;
	enum lb_linktype lt;
	double t0;
	pcap_t *p;

	if (replay_new(&rc, &rp, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	t0 = br_now();
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p || lb_linktype_from_dlt(pcap_datalink(p), &lt)) {
		replay_free(rp);
		return -1;
	}
	feed = pcap_feed_new(p, threaded);
	while (pcap_feed_next(feed, &h, &d) == 1) {
		const struct pcap_pkthdr *ah;
		const u_char *ad;

		if (pcap_feed_peek(feed, BR_AHEAD, &ah, &ad))
			replay_prefetch(rp, lt, ad, ah->caplen);
		replay_packet(rp, (int64_t)h->ts.tv_sec * SIM_SEC + h->ts.tv_usec, lt, d, h->caplen,
			      h->len);
	}
	replay_finish(rp);
	t0 = br_now() - t0;
	*n = replay_packets(rp);
	pcap_feed_free(feed);
	pcap_close(p);
	replay_free(rp);
	return t0;
}

int bench_replay(void)
{
	struct scn_set sets[] = { { "simulation.duration", "115s" }, { "simulation.warmup", "0" } };
	struct cli_opts o = { .scenario = "scenarios/default.conf", .sets = sets, .nsets = 2,
			      .quiet = true };
	char path[] = "/tmp/lbbench-replay-XXXXXX";
	double best_read = 1e30, best[2] = { 1e30, 1e30 }, pps, pps1, raw, ratio;
	bool threads = pcap_feed_threads_useful();
	unsigned long long nr = 0, np = 0;
	struct scenario *scn;
	char err[512], *pcap;
	int missed = 0, fd = mkstemp(path);

	if (fd == -1)
		return 1;
	close(fd);
	pcap = malloc(strlen(path) + 6);
	sprintf(pcap, "%s.pcap", path);
	o.output = pcap;
	if (cmd_pcapgen(&o) != 0 || scenario_load(o.scenario, sets, 2, &scn, err, sizeof(err))) {
		fprintf(stderr, "bench replay: cannot make the capture\n");
		unlink(path);
		free(pcap);
		return 1;
	}
	for (int i = 0; i < BR_PASSES; i++) {
		double t = br_read(pcap, &nr);

		if (t > 0 && t < best_read)
			best_read = t;
		for (int th = 0; th < 2; th++) {
			double u = br_replay(pcap, scn, th == 1 && threads, &np);

			if (u > 0 && u < best[th])
				best[th] = u;
		}
	}
	raw = (double)nr / best_read;
	pps = (double)np / best[1];
	pps1 = (double)np / best[0];
	ratio = pps / raw;
	missed += pps < BR_GOAL_PPS || np < BR_MIN_PACKETS;
	printf("%-34s %8.2f M packets/s   goal >= %.0f M packets/s   %s\n",
	       threads ? "replay DR, no dump" : "replay DR, no dump (1 CPU)", pps / 1e6,
	       BR_GOAL_PPS / 1e6, pps < BR_GOAL_PPS || np < BR_MIN_PACKETS ? "MISSED" : "ok");
	missed += ratio < BR_GOAL_RATIO;
	printf("%-34s %8.2f M packets/s   replay/raw = %.2f   goal >= %.2f   %s\n",
	       "  raw libpcap read, same file", raw / 1e6, ratio, BR_GOAL_RATIO,
	       ratio < BR_GOAL_RATIO ? "MISSED" : "ok");
	printf("%-34s %8.2f M packets/s   replay/raw = %.2f   (for information)\n",
	       "  reading inline, one thread", pps1 / 1e6, pps1 / raw);
	printf("%-34s %llu packets (best of %d passes)\n", "  capture", np, BR_PASSES);
	fflush(stdout);
	scenario_free(scn);
	unlink(pcap);
	unlink(path);
	free(pcap);
	return missed;
}
