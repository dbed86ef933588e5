/*
 * scenarios/lang/scenario.h - a scenario file, parsed into plain config structs.
 *
 * The loader reads keepalived.conf syntax plus lbsim's own blocks and fills
 * these structs; it builds no model, so `lbsim check`, the simulator and the
 * shim share it. Everything a scenario owns is freed by scenario_free().
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SCENARIOS_LANG_SCENARIO_H
#define LBSIM_SCENARIOS_LANG_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/check/checker.h"
#include "algorithms/ipvs/service.h"
#include "algorithms/wire/addr.h"
#include "sim/dist.h"
#include "sim/sim.h"

/* Where something was written: file:line:col (1-based). file is interned. */
struct scn_loc {
	const char *file;
	int line;
	int col;
};

enum scn_fidelity {
	SCN_FIDELITY_REQUEST = 0,
	SCN_FIDELITY_PACKET,
	/* count, keep last */
	SCN_FIDELITY_COUNT
};

struct scn_sim {
	sim_time_t duration_ns;	    /* default 60 s */
	sim_time_t warmup_ns;	    /* default 0 */
	uint64_t seed;		    /* default 1 */
	enum scn_fidelity fidelity; /* default request */
	enum lb_profile kernel;	    /* default current */
	sim_time_t fin_timeout_ns;  /* inactive linger after close, default 120 s (FIN_WAIT) */
	uint64_t max_requests;	    /* stop after this many completed, 0 = no limit */
	struct scn_loc loc;
};

enum scn_arrival_kind {
	SCN_ARRIVAL_POISSON = 0,  /* arrival poisson RATE */
	SCN_ARRIVAL_DETERMINISTIC, /* arrival deterministic RATE */
	SCN_ARRIVAL_ONOFF,	   /* arrival onoff RATE ON OFF: Poisson RATE during ON, silent OFF */
	/* count, keep last */
	SCN_ARRIVAL_KIND_COUNT
};

struct scn_arrival {
	enum scn_arrival_kind kind;
	double rate_per_s;
	sim_time_t on_ns;
	sim_time_t off_ns;
};

struct scn_clients {
	char *name;
	struct scn_arrival arrival;
	struct lb_addr src_base;     /* sources A/N: base address */
	unsigned src_prefix;	     /* prefix length; 32 (or 128) = one address */
	struct lb_addr target;	     /* a virtual service address */
	uint16_t target_port;
	uint8_t proto;		     /* LB_PROTO_TCP (default) or LB_PROTO_UDP */
	struct dist service;	     /* request demand, seconds of work at speed 1 (default exp 10ms) */
	struct dist request_size;    /* bytes, default deterministic 300 */
	struct dist response_size;   /* bytes, default deterministic 10000 */
	struct dist requests;	     /* requests per connection, default deterministic 1 */
	struct dist think;	     /* seconds between requests on one connection, default 0 */
	sim_time_t timeout_ns;	     /* response timeout, 0 = none */
	unsigned retries;	     /* reconnects after a refusal, default 0 */
	sim_time_t retry_delay_ns;   /* default 1 s */
	char *link;		     /* clients <-> director link name, NULL = ideal */
	struct scn_loc loc;
};

enum scn_discipline {
	SCN_DISC_FIFO = 0,
	SCN_DISC_PS,
	/* count, keep last */
	SCN_DISC_COUNT
};

struct scn_server {
	struct lb_addr addr;
	unsigned workers;	   /* default 1 */
	double speed;		   /* default 1.0 */
	unsigned backlog;	   /* waiting requests before refusing, default 1024 */
	enum scn_discipline discipline;
	bool up;		   /* default true */
	char *link;		   /* director <-> server link name, NULL = ideal */
	bool implicit;		   /* made for a real_server without a server block */
	struct scn_loc loc;
};

struct scn_link {
	char *name;
	sim_time_t latency_ns;	   /* one way, default 0 */
	double bandwidth_bps;	   /* bits per second, 0 = unlimited */
	double loss;		   /* probability per packet, default 0 */
	unsigned mtu;		   /* bytes, default 1500 */
	bool up;
	struct scn_loc loc;
};

/*
 * One checker block of a real_server (TCP_CHECK, HTTP_GET, ...): keepalived's
 * settings as the checker module takes them (times in ns, CHECK_UNSET =
 * inherit from the real server, then the virtual server, then the kind's
 * default; HTTP urls with digest and status ranges; MISC timeout/dynamic).
 */
struct scn_checker {
	struct check_conf conf;
	char misc_path[128];	   /* MISC_CHECK: informational, the script is simulated */
	double fail_probability;   /* MISC_CHECK lbsim_fail_probability: a run fails, 0..1 */
	struct scn_loc loc;
};

struct scn_rs {
	struct lb_addr addr;
	uint16_t port;
	int weight;
	uint32_t uthreshold;
	uint32_t lthreshold;
	bool inhibit_on_failure;
	int alpha;		   /* CHECK_UNSET, 0 or 1 */
	/* checker timings written in the real_server block; CHECK_UNSET = the VS's */
	int64_t delay_loop_ns, connect_timeout_ns, delay_before_retry_ns, warmup_ns;
	int retry;
	struct scn_checker *checkers; /* owned */
	size_t ncheckers;
	struct scn_loc loc;
};

struct scn_vs {
	struct lb_addr addr;
	uint16_t port;
	uint32_t fwmark;	   /* 0 unless "virtual_server fwmark N" */
	uint8_t proto;		   /* default UDP, as keepalived */
	char sched[32];		   /* lb_algo, default "wlc" */
	struct lb_sched_conf sched_conf;
	enum lb_kind kind;	   /* default NAT, as keepalived */
	uint32_t persistence_timeout_s;
	struct lb_addr persistence_mask;
	/* health checking (keepalived's virtual_server keywords, spec 4.7) */
	int64_t delay_loop_ns;	   /* default 60 s */
	int64_t connect_timeout_ns; /* default 5 s */
	int retry;		   /* CHECK_UNSET, else >= 1 */
	int64_t delay_before_retry_ns; /* CHECK_UNSET */
	int64_t warmup_ns;	   /* CHECK_UNSET = each checker's delay_loop */
	bool alpha;
	bool inhibit_on_failure;
	int64_t quorum;		   /* default 1 */
	int64_t hysteresis;	   /* default 0 */
	bool sorry_server;	   /* sorry_server IP [PORT] given */
	struct lb_addr sorry_addr;
	uint16_t sorry_port;	   /* 0 = the VS port */
	bool sorry_server_inhibit;
	struct scn_rs *rs;
	size_t nrs;
	struct scn_loc loc;
};

/* keepalived's global_defs `lvs_timeouts tcp S tcpfin S udp S`; 0 = kernel default. */
struct scn_lvs_timeouts {
	sim_time_t tcp_ns;	      /* ESTABLISHED */
	sim_time_t tcpfin_ns;	      /* FIN_WAIT */
	sim_time_t udp_ns;	      /* UDP */
};

/*
 * keepalived's VRRP configuration (spec/vrrp-keepalived.md 3, 4.3-4.6),
 * parsed and checked; the HA model that runs it comes later. Integers
 * written SCN_VRRP_UNSET while parsing are resolved when loading ends:
 * instance -> the director's global_defs -> the top-level global_defs ->
 * keepalived's default, so a loaded scenario holds no SCN_VRRP_UNSET.
 */
#define SCN_VRRP_UNSET (-1)

/* The VRRP keywords of global_defs (spec 4.3, 3.2, 3.10). */
struct scn_vrrp_globals {
	char *router_id;		/* NULL: the director's name */
	int version;			/* vrrp_version 2|3, default 2 */
	int garp_master_delay_s;	/* default 5; 0 = no second burst */
	int garp_master_repeat;		/* default 5 (0 -> 1) */
	int garp_master_refresh_s;	/* default 0 = off */
	int garp_master_refresh_repeat; /* default 1 */
	int garp_lower_prio_delay_s;	/* default = master delay (0 in strict) */
	int garp_lower_prio_repeat;	/* default = master repeat (0 in strict) */
	int min_garp;			/* bool: repeat 1, no second burst, no refresh */
	int lower_prio_no_advert;	/* bool, default off (on in strict) */
	int higher_prio_send_advert;	/* bool, default off */
	int down_timer_adverts;		/* default 3 */
	int strict;			/* bool vrrp_strict, default off */
	sim_time_t startup_delay_ns;	/* default 0 */
	struct lb_addr mcast_group4;	/* default 224.0.0.18 */
	/* lvs_sync_daemon IF [inst NAME] [id N]: sync_if NULL = none */
	char *sync_if;
	char *sync_inst;		/* NULL: none */
	int sync_id;			/* default the instance's VRID, 0 without one */
	struct scn_loc sync_loc;
};

/* What runs on a state change (3.9): kept as written, not run. */
struct scn_vrrp_notify {
	char *master, *backup, *fault, *stop, *deleted, *notify, *master_rx_lower_pri;
};

/* One virtual_ipaddress / virtual_ipaddress_excluded line. */
struct scn_vip {
	struct lb_addr addr;
	unsigned prefix;		/* no /LEN: 32 (128 for IPv6) */
	char *dev;			/* NULL: the instance's interface */
	char *label;			/* NULL: none */
	struct scn_loc loc;
};

/* track_interface / track_script entry (3.4); weight -253..253. */
struct scn_vrrp_track {
	char *name;
	int weight;			/* track_script without weight: the script's */
	bool reverse;
	struct scn_loc loc;
};

enum scn_vrrp_auth {
	SCN_VRRP_AUTH_NONE = 0,
	SCN_VRRP_AUTH_PASS,
	SCN_VRRP_AUTH_AH,
	/* count, keep last */
	SCN_VRRP_AUTH_COUNT
};

struct scn_vrrp_instance {
	char *name;
	bool state_master;		/* state MASTER (default BACKUP) */
	char *interface;		/* NULL: none */
	unsigned vrid;			/* 1..255, required */
	unsigned priority;		/* 1..255; 100 (255 when state MASTER and unset) */
	uint32_t advert_int_us;		/* rounded as keepalived does for the version */
	int version;			/* 2 or 3 */
	enum scn_vrrp_auth auth_type;
	char auth_pass[9];		/* PASS: the first 8 characters */
	struct scn_vip *vips;		/* virtual_ipaddress */
	size_t nvips;
	struct scn_vip *vips_excluded;	/* virtual_ipaddress_excluded */
	size_t nvips_excluded;
	struct scn_vrrp_track *track_if;
	size_t ntrack_if;
	struct scn_vrrp_track *track_script; /* only scripts that exist */
	size_t ntrack_script;
	bool nopreempt;
	sim_time_t preempt_delay_ns;	/* 0..1000 s */
	struct lb_addr unicast_src;	/* af 0: none */
	struct lb_addr *unicast_peers;
	size_t nunicast_peers;
	struct lb_addr mcast_src;	/* af 0: none */
	int garp_master_delay_s;	/* the global_defs values unless written here */
	int garp_master_repeat;
	int garp_master_refresh_s;
	int garp_master_refresh_repeat;
	int garp_lower_prio_delay_s;
	int garp_lower_prio_repeat;
	int lower_prio_no_advert;	/* bool */
	int higher_prio_send_advert;	/* bool */
	int down_timer_adverts;		/* 1..100, default 3 */
	int strict;			/* bool strict_mode, default vrrp_strict */
	int accept;			/* bool, default on (off in strict unless 255) */
	struct scn_vrrp_notify notify;
	char *sync_group;		/* the vrrp_sync_group holding it, NULL: none */
	struct scn_loc loc;
	struct scn_loc advert_loc;	/* where advert_int was written (or loc) */
};

/* vrrp_script NAME { ... } (spec 4.4). */
struct scn_vrrp_script {
	char *name;
	char *script;			/* required: the block is dropped without it */
	unsigned interval_s;		/* default 1 (0 -> 1) */
	unsigned timeout_s;		/* default = interval */
	int weight;			/* -253..253, default 0 */
	bool reverse;
	unsigned rise, fall;		/* >= 1, default 1 */
	char *user;			/* NULL: script_user */
	bool init_fail;
	double fail_probability;	/* lbsim_fail_probability: a run fails, 0..1 */
	struct scn_loc loc;
};

/* vrrp_sync_group NAME { group { INSTANCE ... } notify... } (spec 4.5). */
struct scn_vrrp_sync_group {
	char *name;
	char **instances;		/* names of instances of the same director */
	struct scn_loc *instance_locs;	/* where each name was written */
	size_t ninstances;
	struct scn_vrrp_notify notify;
	struct scn_loc loc;
};

/*
 * The interfaces a director has are the names its keepalived configuration
 * uses (instance interface, track_interface, lvs_sync_daemon), the
 * first this many of them (`fault { down|up interface }`, models/ha.c).
 */
#define SCN_DIRECTOR_MAX_IFS 32

struct scn_director {
	char *name;
	struct scn_vs *vs;
	size_t nvs;
	sim_time_t cpu_per_packet_ns; /* director CPU per packet, default 1 us */
	double nic_bps;		      /* director NIC, bits per second, default 10 Gbit */
	unsigned sched_d;	      /* samples of pod/podnr, default 2 */
	unsigned mh_table;	      /* mh table size (a kernel prime), default 4093 */
	unsigned sh_bits;	      /* sh table bits (CONFIG_IP_VS_SH_TAB_BITS), default 8 */
	struct scn_lvs_timeouts lvs;  /* its global_defs lvs_timeouts */
	struct scn_vrrp_globals vrrp; /* its global_defs, resolved (see SCN_VRRP_UNSET) */
	struct scn_vrrp_instance *instances;
	size_t ninstances;
	struct scn_vrrp_script *scripts;
	size_t nscripts;
	struct scn_vrrp_sync_group *sync_groups;
	size_t nsync_groups;
	struct scn_loc loc;
};

enum scn_cmp {
	SCN_CMP_LT = 0,
	SCN_CMP_LE,
	SCN_CMP_GT,
	SCN_CMP_GE,
	SCN_CMP_EQ,
	SCN_CMP_NE,
	/* count, keep last */
	SCN_CMP_COUNT
};

/* "p99_response < 50ms": value in the metric's base unit (seconds, count, rps). */
struct scn_expect {
	char *metric;
	enum scn_cmp op;
	double value;
	char *text;		   /* as written, for messages */
	struct scn_loc loc;
};

/* A timed fault of the fault {} block: `at TIME VERB ARGS`. */
enum scn_fault_kind {
	SCN_FAULT_CRASH_DIRECTOR = 0, /* crash director NAME: silent death */
	SCN_FAULT_STOP_DIRECTOR,      /* stop director NAME: graceful keepalived stop */
	SCN_FAULT_RECOVER_DIRECTOR,   /* recover director NAME */
	SCN_FAULT_FAIL_SERVER,	      /* fail server ADDR: stops answering */
	SCN_FAULT_RECOVER_SERVER,     /* recover server ADDR */
	SCN_FAULT_WEIGHT,	      /* weight ADDR:PORT W: every real server entry of it */
	SCN_FAULT_LOSS,		      /* loss LINK PCT */
	SCN_FAULT_CUT_LINK,	      /* cut link NAME */
	SCN_FAULT_HEAL_LINK,	      /* heal link NAME */
	SCN_FAULT_PARTITION,	      /* partition DIR DIR (VRRP) */
	SCN_FAULT_HEAL,		      /* heal: every partition (VRRP) */
	SCN_FAULT_BLOCK_VRRP,	      /* block vrrp DIR */
	SCN_FAULT_UNBLOCK_VRRP,	      /* unblock vrrp DIR */
	SCN_FAULT_FAIL_SCRIPT,	      /* fail script NAME on DIR */
	SCN_FAULT_RECOVER_SCRIPT,     /* recover script NAME on DIR */
	SCN_FAULT_DOWN_INTERFACE,     /* down interface IF on DIR (VRRP, GARP, sync frames) */
	SCN_FAULT_UP_INTERFACE,	      /* up interface IF on DIR */
	/* count, keep last */
	SCN_FAULT_KIND_COUNT
};

struct scn_fault {
	sim_time_t at_ns;
	enum scn_fault_kind kind;
	char *name;		      /* director, link, script or interface */
	char *name2;		      /* partition's second director; the script's or
					 interface's director */
	struct lb_addr addr;	      /* server */
	uint16_t port;		      /* weight: the real server's port */
	double value;		      /* weight, or loss as a fraction */
	char *text;		      /* as written, for reports */
	struct scn_loc loc;
};

struct scenario {
	char *path;
	unsigned char sha256[32];  /* of every file read, in reading order */
	struct scn_sim sim;
	struct scn_clients *clients;
	size_t nclients;
	struct scn_server *servers;
	size_t nservers;
	struct scn_link *links;
	size_t nlinks;
	struct scn_director *directors;
	size_t ndirectors;
	struct scn_expect *expects;
	size_t nexpects;
	struct scn_lvs_timeouts lvs;  /* top-level global_defs: directors without their own */
	struct scn_vrrp_globals vrrp; /* top-level global_defs as written (SCN_VRRP_UNSET) */
	struct scn_fault *faults;     /* in file order */
	size_t nfaults;
	char **warnings;	   /* "file:line:col: warning: ..." */
	size_t nwarnings;
	char **files;		   /* interned file names (scn_loc.file points here) */
	size_t nfiles;
};

/* One --set PATH=VALUE from the command line. */
struct scn_set {
	const char *path;	   /* block[.name].key */
	const char *value;
};

/*
 * Load <path> with <nsets> overrides. On success returns 0 and *out (owned by
 * the caller, free with scenario_free). On bad input returns -EINVAL and
 * writes one message "file:line:col: error: ..." into err.
 */
int scenario_load(const char *path, const struct scn_set *sets, size_t nsets,
		  struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *scn);

/* Lookups (NULL when absent). */
struct scn_server *scenario_find_server(const struct scenario *scn, const struct lb_addr *addr);
struct scn_link *scenario_find_link(const struct scenario *scn, const char *name);
/* A virtual service's name, "IP:PORT" or "fwmark N", into <buf>[len]. */
void scenario_vs_name(const struct scn_vs *vs, char *buf, size_t len);

/* Metric names accepted by expect {} (NULL-terminated), for help and checks. */
extern const char *const scn_expect_metrics[];
const char *scn_cmp_str(enum scn_cmp op);

#endif /* LBSIM_SCENARIOS_LANG_SCENARIO_H */
