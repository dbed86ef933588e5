/*
 * algorithms/vrrp/vrrp.h - one keepalived 2.2.7 VRRP instance (and its sync
 * group), driven through struct lb_env: timers, frames out, logging.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_VRRP_VRRP_H
#define LBSIM_ALGORITHMS_VRRP_VRRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/env.h"
#include "algorithms/vrrp/codec.h"
#include "algorithms/wire/addr.h"

#define VRRP_US_PER_S INT64_C(1000000)

enum vrrp_state {
	VRRP_STATE_INIT = 0,	/* not started, or killed */
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
	VRRP_STATE_FAULT,
	VRRP_STATE_STOP,	/* stopped gracefully (notify's STOP) */
	/* count, keep last */
	VRRP_STATE_COUNT
};

/* The `state` keyword. */
enum vrrp_conf_state {
	VRRP_CONF_STATE_UNSET = 0,
	VRRP_CONF_STATE_MASTER,
	VRRP_CONF_STATE_BACKUP,
};

enum vrrp_track_kind {
	VRRP_TRACK_INTERFACE = 0,
	VRRP_TRACK_SCRIPT,
	VRRP_TRACK_FILE,
	VRRP_TRACK_PROCESS,
	VRRP_TRACK_BFD,
};

enum vrrp_track_status {
	VRRP_TRACK_UNKNOWN = 0, /* a vrrp_script before its first result */
	VRRP_TRACK_UP,
	VRRP_TRACK_DOWN,
};

/* One track_interface / track_script / ... reference of an instance. */
struct vrrp_track_conf {
	char name[32];			/* for log lines only */
	enum vrrp_track_kind kind;
	int weight;			/* 0 = failure means FAULT */
	bool reverse;
	enum vrrp_track_status init;	/* status at start */
};

/*
 * One vrrp_instance block, global defaults already applied by the caller
 * (vrrp_instance_conf_init gives keepalived's). Arrays are copied by
 * vrrp_instance_new. Times are microseconds, as keepalived keeps them.
 */
struct vrrp_instance_conf {
	char name[64];
	int ifindex;				/* passed to env->send */
	uint8_t mac[VRRP_MAC_LEN];		/* interface MAC: frames' source */
	struct lb_addr saddr;			/* primary / mcast_src_ip / unicast_src_ip;
						   unset = no usable source: FAULT */
	struct lb_addr mcast_dst;		/* unset = 224.0.0.18 / ff02::12 */
	uint8_t vrid;				/* 1..255, required */
	uint8_t version;			/* 2 or 3; 0 = 2 (IPv6: 3) */
	uint8_t priority;			/* 1..255; 0 = unset */
	enum vrrp_conf_state state;
	int64_t adver_int_us;			/* default 1 s; rounded per spec 3.7 */
	uint8_t auth_type;			/* VRRP_AUTH_* (v2 only) */
	char auth_pass[64];			/* truncated to 8 bytes */
	const struct lb_addr *vips;		/* virtual_ipaddress */
	size_t nvips;
	const struct lb_addr *evips;		/* virtual_ipaddress_excluded */
	size_t nevips;
	bool nopreempt;
	int64_t preempt_delay_us;		/* 0..1000 s */
	const struct vrrp_peer *peers;		/* unicast_peer; none = multicast */
	size_t npeers;
	uint8_t unicast_ttl;			/* default 255 */
	bool check_unicast_src;
	bool unicast_fault_no_peer;
	bool skip_check_adv_addr;
	bool dont_track_primary;
	bool strict_mode;
	int garp_master_repeat;			/* default 5 (0 is turned into 1) */
	int64_t garp_master_delay_us;		/* default 5 s; 0 = no second burst */
	int64_t garp_master_refresh_us;		/* default 0 = off */
	int garp_master_refresh_repeat;		/* default 1 */
	int garp_lower_prio_repeat;		/* -1 = garp_master_repeat */
	int64_t garp_lower_prio_delay_us;	/* -1 = garp_master_delay */
	int64_t garp_interval_us;		/* default 0 = back to back */
	bool lower_prio_no_advert;
	bool higher_prio_send_advert;
	int down_timer_adverts;			/* default 3, 1..100 */
	int64_t startup_delay_us;		/* global vrrp_startup_delay */
	int mtu;				/* default 1500: limits advertised VIPs */
	const struct vrrp_track_conf *track;
	size_t ntrack;
};

struct vrrp_instance;
struct vrrp_sync_group;

/* What the owner hears about (each may be NULL). */
struct vrrp_callbacks {
	void *arg;
	/* Every state change, after it happened (notify scripts, timelines). */
	void (*state)(void *arg, struct vrrp_instance *vi, enum vrrp_state from,
		      enum vrrp_state to);
	/* VIPs (and excluded VIPs) to be added (takeover) or removed. */
	void (*vips)(void *arg, struct vrrp_instance *vi, bool add);
	/* Effective priority changed (vrrp_notify_priority_changes). */
	void (*priority)(void *arg, struct vrrp_instance *vi, int from, int to);
	/* notify_master_rx_lower_pri: a master heard a lower priority advert. */
	void (*master_rx_lower)(void *arg, struct vrrp_instance *vi, const struct vrrp_advert *a);
};

struct vrrp_instance_stats {
	uint64_t adverts_sent;		/* frames, one per peer in unicast */
	uint64_t prio0_sent;
	uint64_t garps_sent;		/* GARP / NA frames */
	uint64_t rx;			/* adverts handed to vrrp_instance_receive */
	uint64_t rx_verdict[VRRP_RX_VERDICT_COUNT];
	uint64_t lower_prio_discarded;	/* BACKUP: valid but lower, preempting */
	uint64_t became_master;
	uint64_t released_master;	/* MASTER -> BACKUP on a higher advert */
	uint64_t fault_entries;
	uint64_t interval_learned;	/* v3 Master_Adver_Interval changes */
};

const char *vrrp_state_name(enum vrrp_state s);

/* ---- keepalived's timer arithmetic (spec 2.1, 3.7), integer microseconds ---- */
int64_t vrrp_adver_int_round(int version, int64_t us);
int64_t vrrp_skew_us(int version, int prio, int64_t master_adv_us);
int64_t vrrp_master_down_us(int version, int prio, int64_t master_adv_us, int down_adverts);

/* ---- one instance ---- */
void vrrp_instance_conf_init(struct vrrp_instance_conf *c);
int vrrp_instance_new(const struct vrrp_instance_conf *conf, const struct lb_env *env,
		      const struct vrrp_callbacks *cb, struct vrrp_instance **out);
void vrrp_instance_free(struct vrrp_instance *vi);

int vrrp_instance_start(struct vrrp_instance *vi);
void vrrp_instance_stop(struct vrrp_instance *vi);
void vrrp_instance_kill(struct vrrp_instance *vi);

enum vrrp_rx_verdict vrrp_instance_receive(struct vrrp_instance *vi,
					   const struct vrrp_advert *a);
enum vrrp_rx_verdict vrrp_instance_receive_frame(struct vrrp_instance *vi, const uint8_t *frame,
						 size_t len);
int vrrp_instance_set_track(struct vrrp_instance *vi, size_t idx, bool up);
int vrrp_instance_set_track_status(struct vrrp_instance *vi, size_t idx,
				   enum vrrp_track_status st);
void vrrp_instance_set_link(struct vrrp_instance *vi, bool up);

enum vrrp_state vrrp_instance_state(const struct vrrp_instance *vi);
int vrrp_instance_priority(const struct vrrp_instance *vi);
int64_t vrrp_instance_master_adv_us(const struct vrrp_instance *vi);
int64_t vrrp_instance_master_down_us(const struct vrrp_instance *vi);
int64_t vrrp_instance_skew_us(const struct vrrp_instance *vi);
const struct lb_addr *vrrp_instance_master_addr(const struct vrrp_instance *vi);
const struct vrrp_instance_conf *vrrp_instance_conf(const struct vrrp_instance *vi);
const struct vrrp_instance_stats *vrrp_instance_stats(const struct vrrp_instance *vi);
struct vrrp_sync_group *vrrp_instance_group(const struct vrrp_instance *vi);
bool vrrp_instance_sane(const struct vrrp_instance *vi);

/* ---- vrrp_sync_group ---- */
struct vrrp_sync_group_callbacks {
	void *arg;
	void (*state)(void *arg, struct vrrp_sync_group *g, enum vrrp_state from,
		      enum vrrp_state to);
};

struct vrrp_sync_group *vrrp_sync_group_new(const char *name, bool tracking_weight,
					    const struct vrrp_sync_group_callbacks *cb);
void vrrp_sync_group_free(struct vrrp_sync_group *g);
int vrrp_sync_group_add(struct vrrp_sync_group *g, struct vrrp_instance *vi);
enum vrrp_state vrrp_sync_group_state(const struct vrrp_sync_group *g);
const char *vrrp_sync_group_name(const struct vrrp_sync_group *g);

/* ---- vrrp_script result hysteresis (spec 3.4) ---- */
struct vrrp_script_status {
	int rise, fall;
	int count;	/* 0 .. rise + fall - 1; OK iff >= rise */
	bool known;	/* a result was seen (or init_fail) */
};

void vrrp_script_status_init(struct vrrp_script_status *s, int rise, int fall, bool init_fail);
enum vrrp_track_status vrrp_script_status_result(struct vrrp_script_status *s, bool success);
enum vrrp_track_status vrrp_script_status_get(const struct vrrp_script_status *s);

#endif /* LBSIM_ALGORITHMS_VRRP_VRRP_H */
