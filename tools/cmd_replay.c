/*
 * tools/cmd_replay.c - `lbsim replay SCENARIO TRACE`: a capture through the directors.
 *
 * Reads a pcap or pcapng file with libpcap (offline, nanosecond timestamps,
 * an optional BPF --filter), hands every frame to models/replay.c at its
 * capture time, and reports what the director did: packets, bytes and
 * connections per real server, drops by reason, ICMP sent, the connection
 * table's size, persistence hits. With --dump DIR each real server gets a
 * pcap of exactly the frames it would receive, and client.pcap what goes
 * back to the clients (NAT replies, captured or the server model's, ICMP
 * errors). Dumps go to temporary names
 * first and the database is written last: a bad capture (exit 2) leaves no
 * result behind.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "algorithms/sched/sched.h"
#include "algorithms/wire/frame.h"
#include "models/replay.h"
#include "results/result.h"
#include "sim/xalloc.h"
#include "tools/pcapfeed.h"

#define RPL_SNAPLEN 262144
/* Frames looked ahead to start loading their connection-table cells. */
#define RPL_AHEAD 8

struct rpl_dump {
	pcap_t *pd;
	pcap_dumper_t **d;  /* [0] client side, [1 + i] real server i */
	char **tmp, **final;
	size_t n;
	int err;
};

/* Parse one --map ORIG[:PORT]=VIP[:PORT]. 0 or -EINVAL after a message. */
static int rpl_parse_map(const char *s, struct replay_map *m)
{
	const char *eq = strchr(s, '=');
	char *left;
	int rc;

	if (!eq)
		goto out_bad;
	left = xstrndup(s, (size_t)(eq - s));
	rc = lb_addr_parse_port(left, &m->from, &m->from_port);
	free(left);
	if (rc || lb_addr_parse_port(eq + 1, &m->to, &m->to_port))
		goto out_bad;
	if (m->from.af != m->to.af)
		goto out_bad;
	return 0;
out_bad:
	fprintf(stderr, "lbsim replay: --map: expected ORIG[:PORT]=VIP[:PORT] of one address "
			"family, got '%s'\n", s);
	return -EINVAL;
}

static void rpl_sink(void *ctx, int port, sim_time_t at, const uint8_t *frame, size_t len)
{
	struct rpl_dump *dp = ctx;
	struct pcap_pkthdr h;

	h.ts.tv_sec = at / SIM_SEC;
	h.ts.tv_usec = at % SIM_SEC; /* nanoseconds: the dumps are nanosecond-stamped */
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)dp->d[port + 1], &h, frame);
}

/* Open client.pcap and one pcap per real server under <dir> (as temporaries). */
static int rpl_dump_open(struct rpl_dump *dp, const char *dir, const struct replay *rp)
{
	dp->n = replay_nservers(rp) + 1;
	dp->d = xcalloc(dp->n, sizeof(*dp->d));
	dp->tmp = xcalloc(dp->n, sizeof(*dp->tmp));
	dp->final = xcalloc(dp->n, sizeof(*dp->final));
	dp->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, RPL_SNAPLEN,
						      PCAP_TSTAMP_PRECISION_NANO);
	if (!dp->pd || cli_mkdir_p(dir))
		return -EIO;
	for (size_t i = 0; i < dp->n; i++) {
		char name[128];

		if (i == 0) {
			snprintf(name, sizeof(name), "client.pcap");
		} else {
			snprintf(name, sizeof(name), "rs-%s.pcap", replay_server_name(rp, i - 1));
			for (char *c = name; *c; c++)
				if (*c == ':' || *c == '[' || *c == ']')
					*c = *c == ':' ? '-' : '_';
		}
		dp->final[i] = xmalloc(strlen(dir) + strlen(name) + 2);
		sprintf(dp->final[i], "%s/%s", dir, name);
		dp->tmp[i] = xmalloc(strlen(dp->final[i]) + 8);
		sprintf(dp->tmp[i], "%s/.%s.tmp", dir, name);
		dp->d[i] = pcap_dump_open(dp->pd, dp->tmp[i]);
		if (!dp->d[i]) {
			fprintf(stderr, "lbsim replay: %s: %s\n", dp->tmp[i], pcap_geterr(dp->pd));
			return -EIO;
		}
	}
	return 0;
}

/* Close the dumps; on <ok> give them their final names, else remove them. */
static int rpl_dump_close(struct rpl_dump *dp, bool ok)
{
	int rc = 0;

	for (size_t i = 0; i < dp->n; i++) {
		if (dp->d[i]) {
			if (pcap_dump_flush(dp->d[i]) == -1)
				ok = false, rc = -EIO;
			pcap_dump_close(dp->d[i]);
		}
	}
	for (size_t i = 0; i < dp->n; i++) {
		if (dp->tmp[i] && (!ok || rename(dp->tmp[i], dp->final[i]) == -1)) {
			if (ok) {
				fprintf(stderr, "lbsim replay: %s: %s\n", dp->final[i], strerror(errno));
				rc = -EIO;
			}
			remove(dp->tmp[i]);
		}
		free(dp->tmp[i]);
		free(dp->final[i]);
	}
	free(dp->d);
	free(dp->tmp);
	free(dp->final);
	if (dp->pd)
		pcap_close(dp->pd);
	return rc;
}

/* Open TRACE with the filter; the link type in *lt. NULL after a message. */
static pcap_t *rpl_open(const struct cli_opts *o, enum lb_linktype *lt)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(o->trace, PCAP_TSTAMP_PRECISION_NANO,
							    ebuf);

	if (!p) {
		fprintf(stderr, "lbsim replay: %s: %s\n", o->trace, ebuf);
		return NULL;
	}
	if (lb_linktype_from_dlt(pcap_datalink(p), lt)) {
		fprintf(stderr, "lbsim replay: %s: link type %d (%s) is not supported; "
				"expected Ethernet, Linux cooked (SLL, SLL2) or raw IP\n",
			o->trace, pcap_datalink(p),
			pcap_datalink_val_to_name(pcap_datalink(p))
				? pcap_datalink_val_to_name(pcap_datalink(p))
				: "?");
		pcap_close(p);
		return NULL;
	}
	if (o->filter) {
		if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
			fprintf(stderr, "lbsim replay: --filter '%s': %s\n", o->filter, pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
		if (pcap_setfilter(p, &prog) == -1) {
			fprintf(stderr, "lbsim replay: --filter: %s\n", pcap_geterr(p));
			pcap_freecode(&prog);
			pcap_close(p);
			return NULL;
		}
		pcap_freecode(&prog);
	}
	return p;
}

/* Does the capture hold any reply from a virtual service? -1 on a read error. */
static int rpl_has_replies(const struct cli_opts *o, const struct replay *rp)
{
	enum lb_linktype lt;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = rpl_open(o, &lt);
	int rc, found = 0;

	if (!p)
		return -1;
	while (!found && (rc = pcap_next_ex(p, &h, &data)) == 1)
		found = replay_is_reply(rp, lt, data, h->caplen);
	pcap_close(p);
	return found;
}

static double rpl_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rpl_extra(const struct run_result *r, const char *scope, const char *name)
{
	for (size_t i = 0; i < r->nextra; i++)
		if (!strcmp(r->extra[i].scope, scope) && !strcmp(r->extra[i].name, name))
			return r->extra[i].value;
	return 0;
}

static void rpl_json(FILE *f, const struct run_result *r, const char *trace)
{
	static const char *const fig[] = { "packets", "bytes", "forwarded", "connections",
					   "icmp_sent", "conn_table_max", "persistence_hits",
					   "to_failed_servers" };
	bool first = true;

	fputs("{\"scenario\": ", f);
	result_json_string(f, r->scenario);
	fputs(", \"trace\": ", f);
	result_json_string(f, trace);
	fprintf(f, ", \"seed\": %" PRIu64 ", \"algo\": ", r->seed);
	result_json_string(f, r->algo);
	for (size_t i = 0; i < sizeof(fig) / sizeof(fig[0]); i++)
		fprintf(f, ", \"%s\": %.0f", fig[i], rpl_extra(r, "replay", fig[i]));
	fputs(", \"dropped\": {", f);
	for (size_t i = 0; i < r->nextra; i++) {
		if (strcmp(r->extra[i].scope, "dropped"))
			continue;
		fputs(first ? "" : ", ", f);
		result_json_string(f, r->extra[i].name);
		fprintf(f, ": %.0f", r->extra[i].value);
		first = false;
	}
	fprintf(f, "}, \"replies\": {\"capture\": %.0f, \"model\": %.0f, \"bypass\": %.0f, "
		   "\"bytes\": %.0f, \"refused\": %.0f}",
		rpl_extra(r, "replay", "replies_capture"), rpl_extra(r, "replay", "replies_model"),
		rpl_extra(r, "replay", "replies_bypass"), rpl_extra(r, "replay", "replies_bytes"),
		rpl_extra(r, "replay", "model_refused"));
	fprintf(f, ", \"faults\": {\"flows_broken\": %.0f, \"flows_moved\": %.0f, "
		   "\"removals\": %.0f, \"readds\": %.0f, \"events\": [",
		rpl_extra(r, "replay", "flows_broken"), rpl_extra(r, "replay", "flows_moved"),
		rpl_extra(r, "replay", "removals"), rpl_extra(r, "replay", "readds"));
	first = true;
	for (size_t i = 0; i < r->nextra; i++) {
		if (strcmp(r->extra[i].scope, "event"))
			continue;
		fprintf(f, "%s{\"t_s\": %.9g, \"what\": ", first ? "" : ", ", r->extra[i].value);
		result_json_string(f, r->extra[i].name);
		fputs("}", f);
		first = false;
	}
	fputs("]}", f);
	fprintf(f, ", \"director_cpu_utilization\": %.9g, \"duration_s\": %.9g",
		rpl_extra(r, "replay", "director_cpu_utilization"),
		rpl_extra(r, "replay", "duration_s"));
	fputs(", \"servers\": [", f);
	for (size_t i = 0; i < r->nservers; i++) {
		const struct run_server_result *s = &r->servers[i];

		fputs(i ? ", {\"addr\": " : "{\"addr\": ", f);
		result_json_string(f, s->addr);
		fputs(", \"director\": ", f);
		result_json_string(f, s->director);
		fputs(", \"vs\": ", f);
		result_json_string(f, s->vs);
		fprintf(f, ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
			   ", \"connections\": %" PRIu64 "}",
			s->packets, s->bytes, s->connections);
	}
	fprintf(f, "], \"sim\": {\"wall_s\": %.9g, \"packets_per_s\": %.9g}}\n", r->wall_s,
		r->events_per_s);
}

static void rpl_report(FILE *f, const struct run_result *r, const struct cli_opts *o)
{
	uint64_t total = 0;
	bool grouped;

	/* duration_s is simulated time: the capture's span over --speed, or
	 * the director's busy time back to back with --topspeed. */
	fprintf(f, "trace      %s (%.0f packets, %.0f bytes, %.3f s%s)\n", o->trace,
		rpl_extra(r, "replay", "packets"), rpl_extra(r, "replay", "bytes"),
		rpl_extra(r, "replay", "duration_s"),
		o->topspeed ? " back to back" : o->speed != 1.0 ? " at --speed" : "");
	fprintf(f, "scenario   %s\nalgorithm  %s\nseed       %" PRIu64 "\n\n", r->scenario, r->algo,
		r->seed);
	fprintf(f, "forwarded         %12.0f\nconnections       %12.0f\n"
		   "conn table max    %12.0f\npersistence hits  %12.0f\nicmp sent         %12.0f\n",
		rpl_extra(r, "replay", "forwarded"), rpl_extra(r, "replay", "connections"),
		rpl_extra(r, "replay", "conn_table_max"),
		rpl_extra(r, "replay", "persistence_hits"), rpl_extra(r, "replay", "icmp_sent"));
	fprintf(f, "replies           %12.0f through the director, %.0f by the server model, "
		   "%.0f bypassing it (DR/TUN)\n"
		   "reply bytes       %12.0f through the director\n",
		rpl_extra(r, "replay", "replies_capture"), rpl_extra(r, "replay", "replies_model"),
		rpl_extra(r, "replay", "replies_bypass"), rpl_extra(r, "replay", "replies_bytes"));
	if (rpl_extra(r, "replay", "model_refused") > 0)
		fprintf(f, "refused requests  %12.0f (server model, backlog full: RST)\n",
			rpl_extra(r, "replay", "model_refused"));
	if (rpl_extra(r, "replay", "to_failed_servers") > 0)
		fprintf(f, "to failed servers %12.0f (a fault failed them, before a checker removed "
			   "them if any)\n",
			rpl_extra(r, "replay", "to_failed_servers"));
	if (rpl_extra(r, "replay", "removals") > 0 || rpl_extra(r, "replay", "flows_moved") > 0) {
		fprintf(f, "flows broken      %12.0f (established, their server removed)\n"
			   "flows moved       %12.0f (clients sent to another server)\n"
			   "removals          %12.0f\nre-additions      %12.0f\n",
			rpl_extra(r, "replay", "flows_broken"), rpl_extra(r, "replay", "flows_moved"),
			rpl_extra(r, "replay", "removals"), rpl_extra(r, "replay", "readds"));
		for (size_t i = 0; i < r->nextra; i++)
			if (!strcmp(r->extra[i].scope, "event"))
				fprintf(f, "  at %10.3f s  %s\n", r->extra[i].value, r->extra[i].name);
	}
	fprintf(f, "director cpu      %11.2f %%\n",
		100 * rpl_extra(r, "replay", "director_cpu_utilization"));
	for (size_t i = 0; i < r->nextra; i++)
		if (!strcmp(r->extra[i].scope, "dropped"))
			fprintf(f, "dropped %-20s %8.0f\n", r->extra[i].name, r->extra[i].value);
	for (size_t i = 0; i < r->nservers; i++)
		total += r->servers[i].packets;
	fprintf(f, "\n%-26s %12s %14s %12s %8s\n", "real server", "packets", "bytes",
		"connections", "share %");
	/* several directors or services: a header per group, its rows indented */
	grouped = result_servers_grouped(r);
	for (size_t i = 0; i < r->nservers; i++) {
		const struct run_server_result *s = &r->servers[i];

		if (grouped && result_server_group_starts(r, i))
			fprintf(f, "%s  %s\n", s->director, s->vs);
		fprintf(f, "%s%-*s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %8.2f\n",
			grouped ? "  " : "", grouped ? 24 : 26, s->addr, s->packets, s->bytes,
			s->connections, total ? 100.0 * (double)s->packets / (double)total : 0);
	}
	fprintf(f, "\nreplayed in %.3f s wall (%.0f packets/s)\n", r->wall_s, r->events_per_s);
}

int cmd_replay(const struct cli_opts *o)
{
	struct replay_conf rc = { .speed = o->speed, .topspeed = o->topspeed };
	struct replay_map *maps = NULL;
	struct rpl_dump dump = { 0 };
	struct scenario *scn;
	struct replay *rp = NULL;
	struct run_result *r = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	enum lb_linktype lt;
	char err[1024], path[4096];
	struct store *st;
	pcap_t *p = NULL;
	struct pcap_feed *feed = NULL;
	double t0;
	int64_t id;
	int status = CLI_EXIT_INPUT, n;

	if (!o->trace) {
		fprintf(stderr, "lbsim replay: no TRACE given\nusage: lbsim replay SCENARIO TRACE "
				"[options]\n");
		return CLI_EXIT_INPUT;
	}
	if (cli_load_scenario(o, &scn))
		return CLI_EXIT_INPUT;
	maps = xcalloc(o->nmaps ? o->nmaps : 1, sizeof(*maps));
	for (size_t i = 0; i < o->nmaps; i++)
		if (rpl_parse_map(o->maps[i], &maps[i]))
			goto out_free_scn;
	rc.scn = scn;
	rc.algo = o->algo;
	rc.seed = o->seed_set ? o->seed : scn->sim.seed;
	rc.maps = maps;
	rc.nmaps = o->nmaps;
	if (replay_new(&rc, &rp, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out_free_scn;
	}
	p = rpl_open(o, &lt);
	if (!p)
		goto out_free_replay;
	if (replay_has_nat(rp)) {
		/* No reply in the capture: the server model answers NAT connections. */
		n = rpl_has_replies(o, rp);
		if (n < 0)
			goto out_close;
		replay_free(rp);
		rc.model_replies = n == 0;
		if (replay_new(&rc, &rp, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rp = NULL;
			goto out_close;
		}
	}
	if (o->dump) {
		rc.sink = rpl_sink;
		rc.sink_ctx = &dump;
		replay_free(rp);
		if (replay_new(&rc, &rp, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rp = NULL;
			goto out_close;
		}
		if (rpl_dump_open(&dump, o->dump, rp))
			goto out_close_dump;
	}

	t0 = rpl_wall();
	feed = pcap_feed_new(p, pcap_feed_threads_useful());
	while ((n = pcap_feed_next(feed, &h, &data)) == 1) {
		const struct pcap_pkthdr *ah;
		const u_char *ad;

		if (pcap_feed_peek(feed, RPL_AHEAD, &ah, &ad))
			replay_prefetch(rp, lt, ad, ah->caplen);
		replay_packet(rp, (int64_t)h->ts.tv_sec * SIM_SEC + h->ts.tv_usec, lt, data,
			      h->caplen, h->len);
	}
	if (n == -1) {
		fprintf(stderr, "lbsim replay: %s: %s (after %" PRIu64 " packets); nothing written\n",
			o->trace, pcap_feed_error(feed), replay_packets(rp));
		goto out_close_dump;
	}
	pcap_feed_free(feed);
	feed = NULL;
	replay_finish(rp);
	r = run_result_new();
	r->wall_s = rpl_wall() - t0;
	replay_fill_result(rp, r);
	r->events_per_s = r->wall_s > 0 ? (double)replay_packets(rp) / r->wall_s : 0;
	r->scenario = xstrdup(scn->path);
	for (int i = 0; i < 32; i++)
		sprintf(r->scenario_sha256 + 2 * i, "%02x", scn->sha256[i]);
	r->version = cli_version();
	r->started_unix = (double)time(NULL);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		fputs("{\"command\":\"replay\",\"trace\":", m);
		result_json_string(m, o->trace);
		fputs(",\"algo\":", m);
		result_json_string(m, o->algo);
		fputs(",\"filter\":", m);
		result_json_string(m, o->filter);
		fprintf(m, ",\"speed\":%g,\"topspeed\":%s}", o->speed, o->topspeed ? "true" : "false");
		fclose(m);
		r->params_json = buf;
	}
	if (o->dump && rpl_dump_close(&dump, true)) {
		dump.n = 0;
		goto out_free_result;
	}
	dump.n = 0;
	if (cli_mkdir_p(o->out))
		goto out_free_result;
	snprintf(path, sizeof(path), "%s/lbsim.db", o->out);
	if (store_open(path, &st, err, sizeof(err))) {
		fprintf(stderr, "lbsim: %s: %s\n", path, err);
		goto out_free_result;
	}
	if (store_write_run(st, r, &id, err, sizeof(err))) {
		fprintf(stderr, "lbsim: %s: %s\n", path, err);
		store_close(st);
		goto out_free_result;
	}
	store_close(st);
	if (o->json)
		rpl_json(stdout, r, o->trace);
	else
		rpl_report(stdout, r, o);
	status = CLI_EXIT_OK;
out_free_result:
	run_result_free(r);
out_close_dump:
	if (dump.n)
		rpl_dump_close(&dump, false);
out_close:
	pcap_feed_free(feed);
	pcap_close(p);
out_free_replay:
	replay_free(rp);
out_free_scn:
	free(maps);
	scenario_free(scn);
	return status;
}
