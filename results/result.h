/*
 * results/result.h - what one run produced, in the units users read.
 *
 * The models fill a struct run_result at the end of a run; the report, JSON,
 * SQLite and plot writers only read it. Times are seconds (double) here:
 * the integer-nanosecond world ends at this edge.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_RESULTS_RESULT_H
#define LBSIM_RESULTS_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/stats.h"

struct run_server_result {
	char addr[64];		  /* "ip:port" of the real server */
	char director[64];	  /* the director whose virtual service ... */
	char vs[64];		  /* ... scheduled to it: "vip:port" or "fwmark N" */
	uint64_t requests;	  /* requests it completed */
	uint64_t connections;	  /* connections scheduled to it */
	uint64_t refused;	  /* connections it refused (backlog full or down) */
	double utilization;	  /* busy workers / workers, time average, 0..1 */
	double weight;		  /* configured weight */
	uint64_t packets;	  /* replay: frames forwarded to it */
	uint64_t bytes;		  /* replay: their bytes */
};

/* A named figure beyond the fixed ones (replay counters, drop reasons...). */
struct run_extra {
	char *scope;		  /* "replay", "dropped", ... */
	char *name;
	double value;
};

/* A time series sampled once per interval (throughput, conn table size...). */
struct run_series {
	char *name;
	double *t;		  /* seconds */
	double *v;
	size_t n;
	size_t cap;
};

/* One VRRP state change of an instance (HA worlds). */
struct run_transition {
	double t_s;
	char director[64];
	char instance[64];
	char from[8], to[8];	  /* vrrp_state_name() */
};

/*
 * A master's director crashed or stopped (or the master entered FAULT), and
 * who took over when: one per VRRP instance that was master then, so one
 * fault that moves a sync group gives one failover per member.
 */
struct run_failover {
	char instance[64];	  /* the instance that was master (its name on <from>) */
	char vips[256];		  /* its virtual_ipaddress list, "a,b"; ",..." when cut short */
	char from[64];		  /* the director that was master */
	char to[64];		  /* the director that became master; "": none */
	double fault_at_s;
	double detected_s;	  /* a backup became MASTER; -1: never */
	double master_at_s;	  /* the router's ARP cache points at it; -1: never */
	double takeover_s;	  /* master_at_s - fault_at_s; -1: never */
	/* connections to its VIPs: */
	uint64_t broken_connections; /* established ones the new master could not carry */
	int64_t synced_connections; /* ones it carried, known by lvs_sync_daemon; -1: no sync */
	/*
	 * requests of the clients aiming at its VIPs failed / refused from the
	 * fault to 1 s after master_at (else the end)
	 */
	int64_t failed_during;
	int64_t timed_out_during; /* of failed_during: answered after the client's timeout */
	int64_t refused_during;
};

struct run_expect_result {
	char *text;		  /* "p99_response < 50ms" as written */
	char *where;		  /* "file:line:col" */
	char *metric;
	double measured;
	bool known;		  /* metric exists */
	bool pass;
};

struct run_result {
	/* inputs */
	char *scenario;		  /* path as given */
	char scenario_sha256[65]; /* hex */
	uint64_t seed;
	char algo[32];		  /* the scheduler(s) used, "wlc" or "wlc,rr" */
	char *params_json;	  /* the --set and --algo overrides as a JSON object */
	const char *version;
	double started_unix;	  /* wall-clock start, for the database only */

	/* outcomes, counted after warm-up */
	uint64_t requests;	  /* requests born */
	uint64_t completed;
	uint64_t refused;	  /* no destination, or backlog full, after all retries */
	uint64_t failed;	  /* timed out, lost, server down */
	uint64_t timed_out;	  /* of failed: answered after the client's timeout */
	double measured_s;	  /* simulated seconds measured (duration - warmup) */
	double throughput_rps;	  /* completed / measured_s */
	struct stat_hist *response; /* response times in ns, owned */
	double resp_mean_s, resp_p50_s, resp_p90_s, resp_p99_s, resp_p999_s;

	struct run_server_result *servers;
	size_t nservers;
	double imb_max_over_mean; /* of requests per server */
	double imb_cov;		  /* coefficient of variation of requests per server */

	struct run_series *series;
	size_t nseries;

	struct run_extra *extra;  /* stored in metric(scope, name, value) */
	size_t nextra;
	bool replay;		  /* a replay: servers carry packets and bytes */

	struct run_expect_result *expects;
	size_t nexpects;
	bool expect_failed;

	/* hash schedulers: flows remapped when 1 of remap_ndests leaves / one joins */
	bool remap_known;
	unsigned remap_ndests;
	double remap_removed_own;   /* had to move: they were on the removed dest */
	double remap_removed_other; /* of the flows on other dests, moved anyway */
	double remap_added;	    /* moved when a dest was added */
	double remap_added_new;	    /* now on the new dest (the ideal for added) */

	/* what the directors' IPVS code logged (e.g. "no destination available") */
	uint64_t log_count;
	char log_first[256];

	/* HA worlds (directors running vrrp_instance blocks) */
	bool ha;
	struct run_transition *transitions;
	size_t ntransitions;
	struct run_failover *failovers;
	size_t nfailovers;
	double split_brain_s;	  /* two or more MASTERs for one VRID at once */

	/* the simulator */
	uint64_t events;
	double wall_s;
	double events_per_s;
};

struct run_result *run_result_new(void);
void run_result_free(struct run_result *r);
struct run_series *run_result_series(struct run_result *r, const char *name);
void run_series_add(struct run_series *s, double t, double v);
void run_result_extra(struct run_result *r, const char *scope, const char *name, double value);
/* Fill resp_* from the histogram and imb_* from servers[]. */
void run_result_finish(struct run_result *r);
/* Look up a metric by its expect {} name; 0, or -ENOENT. */
int run_result_metric(const struct run_result *r, const char *name, double *out);

/* ---- writers (results/json.c, report.c, store.c, plot.c) ---- */
#include <stdio.h>
void result_json_string(FILE *f, const char *s);
void result_json_write(FILE *f, const struct run_result *r);
void result_json_write_array(FILE *f, struct run_result *const *rs, size_t n);
void result_report_run(FILE *f, const struct run_result *r);
void result_report_compare(FILE *f, struct run_result *const *rs, size_t n);
/* servers[] span more than one (director, vs): reports head each group's rows. */
bool result_servers_grouped(const struct run_result *r);
/* servers[i] starts a new (director, vs) group (servers[0] does). */
bool result_server_group_starts(const struct run_result *r, size_t i);

struct store;
int store_open(const char *path, struct store **out, char *err, size_t errlen);
int store_write_run(struct store *st, const struct run_result *r, int64_t *run_id, char *err,
		    size_t errlen);
void store_close(struct store *st);

/* Draw figures into <dir> with gnuplot; a missing gnuplot is a warning (returns 1). */
int plot_run(const struct run_result *r, const char *dir, char *err, size_t errlen);
int plot_compare(struct run_result *const *rs, size_t n, const char *dir, char *err,
		 size_t errlen);

#endif /* LBSIM_RESULTS_RESULT_H */
