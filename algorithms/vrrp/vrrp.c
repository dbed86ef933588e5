/*
 * algorithms/vrrp/vrrp.c - one VRRP instance as keepalived 2.2.7 runs it:
 * INIT/BACKUP/MASTER/FAULT/STOP, the skew and master-down timers in integer
 * microseconds, preemption (preempt, nopreempt, preempt_delay), the v3
 * learned advertisement interval, tracked objects and the effective
 * priority, vrrp_sync_group, unicast peers, and the GARP bursts that follow
 * a takeover. Also the vrrp_script result hysteresis (spec 3.4).
 *
 * Called by the keepalived-node model and the live shim: vrrp_instance_new
 * once per vrrp_instance block, vrrp_instance_receive once per advert
 * received for the instance's VRID, vrrp_instance_set_track/set_link on each
 * tracked-object change, start/stop/kill on process events. It calls back
 * through struct lb_env: five timers per instance (main = master-down in
 * BACKUP / advert in MASTER, startup delay, two delayed GARP bursts, GARP
 * pacing), env->send for every advert and GARP frame, env->log. Per event the
 * work is O(VIPs + peers + tracked objects); an instance holds its config,
 * one scratch advert (~5 KB) and one frame buffer (~4 KB). No clock is read:
 * "now" is env->now_ns.
 *
 * Reproduces (spec/vrrp-keepalived.md 2.1-2.3, 3.1-3.7, 7): skew
 * (256-P)*10^6/256 us (v2) or (256-P)*(adv/10^4)*625/16 us (v3) with the
 * current effective priority; master-down = down_timer_adverts * adv + skew;
 * `state MASTER` + priority 255 is master 1 us after start, everything else
 * starts BACKUP with a full master-down; BACKUP resets its timer only on
 * valid adverts, priority 0 -> skew; MASTER steps down on higher priority or
 * equal priority from a higher address without a priority-0 advert (one
 * advert first with higher_prio_send_advert), answers lower priority with an
 * immediate advert and garp_lower_prio_* GARPs, re-arms its advert timer on
 * every packet for its VRID (the 2.2.7 dispatcher quirk) unless
 * lower_prio_no_advert; FAULT from MASTER sends priority 0 (twice) unless
 * the instance's own interface is down; graceful stop sends priority 0 once;
 * effective priority changes shift a running master-down timer by the MDI
 * difference and show in the next periodic advert; sync groups go MASTER
 * only when every member wants to and drag each other to BACKUP and FAULT.
 *
 * Deliberately different from keepalived: time is exact (no start-up or
 * per-advert processing drift, ~0.3-0.5 ms per advert in the lab); notify
 * scripts, SMTP, SNMP, the IPVS sync daemon, virtual routes/rules, VMACs and
 * firewall rules are the owner's business (callbacks tell it when); GARP
 * pacing (garp_interval) is per instance, not per interface; vrrp_startup_delay
 * keeps the instance in INIT (deaf) until it expires; AH authentication is
 * refused at configuration; reload (SIGHUP) is not modelled.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/vrrp/vrrp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/xalloc.h"

#define NS_PER_US INT64_C(1000)

enum vi_timer {
	VT_MAIN = 0,	/* master-down (BACKUP), advert (MASTER), owner start (INIT) */
	VT_START,	/* vrrp_startup_delay */
	VT_GARP_MASTER, /* second GARP burst after becoming master */
	VT_GARP_LOWER,	/* second GARP burst after a lower-priority advert */
	VT_GARP_PACE,	/* garp_interval spacing */
	VT_COUNT
};

struct vrrp_instance {
	struct vrrp_instance_conf conf; /* normalised; arrays point at the copies below */
	const struct lb_env *env;
	struct vrrp_callbacks cb;
	struct vrrp_sync_group *group;
	struct vrrp_instance *group_next;

	struct lb_addr *vips, *evips;
	struct vrrp_peer *peers;
	struct vrrp_track_conf *track;
	enum vrrp_track_status *track_status;
	struct vrrp_rx_expect expect;

	bool running;			/* started and neither stopped nor killed */
	enum vrrp_state state;
	int base_prio;
	int eff_prio;
	bool owner_conflict;		/* both sides 255: we run at 254 */
	int64_t adv_us;			/* own advert interval (rounded) */
	int64_t master_adv_us;		/* Master_Adver_Interval (v3 learns it) */
	int64_t down_at_ns;		/* when VT_MAIN fires in BACKUP */
	bool preempt_armed;
	int64_t preempt_at_ns;
	bool want_master;		/* down timer expired, sync group said wait */
	bool link_up;
	bool own_fault;
	struct lb_addr master_addr;
	struct lb_addr last_src;
	uint16_t ip_id;			/* last IPv4 ID used */
	int64_t garp_refresh_at_ns;
	uint32_t garp_pending;		/* paced GARP frames still to send */
	uint32_t garp_pos;
	int64_t garp_last_ns;
	bool garp_sent;

	struct lb_timer timers[VT_COUNT];
	unsigned armed;			/* bit per enum vi_timer */
	struct vrrp_advert *tx;		/* the advert we send, static fields preset */
	struct vrrp_advert *rxbuf;	/* for vrrp_instance_receive_frame */
	uint8_t *frame;			/* VRRP_FRAME_MAX bytes */
	struct vrrp_instance_stats stats;
};

struct vrrp_sync_group {
	char name[64];
	bool tracking_weight;
	struct vrrp_sync_group_callbacks cb;
	struct vrrp_instance *members;
	enum vrrp_state state;		/* last state reported through cb */
};

static const char *const state_names[VRRP_STATE_COUNT] = {
	[VRRP_STATE_INIT] = "INIT",
	[VRRP_STATE_BACKUP] = "BACKUP",
	[VRRP_STATE_MASTER] = "MASTER",
	[VRRP_STATE_FAULT] = "FAULT",
	[VRRP_STATE_STOP] = "STOP",
};

/* vrrp_state_name - "INIT", "BACKUP", "MASTER", "FAULT", "STOP" (notify's words). */
const char *vrrp_state_name(enum vrrp_state s)
{
	if ((unsigned)s >= VRRP_STATE_COUNT)
		return "?";
	return state_names[s];
}

/* ---- timer arithmetic ---- */

/*
 * vrrp_adver_int_round - the advert interval keepalived uses for a
 * configured <us> (spec 3.7): v2 whole seconds (x.5 up, 0 -> 1, at most
 * 255 s); v3 10 ms steps (0 -> 10 ms, at most 40.95 s). Returns microseconds.
 */
int64_t vrrp_adver_int_round(int version, int64_t us)
{
	int64_t n;

	if (us < 0)
		us = 0;
	if (version == 3) {
		n = (us + 5000) / 10000;
		n = n < 1 ? 1 : n > 4095 ? 4095 : n;
		return n * 10000;
	}
	n = (us + VRRP_US_PER_S / 2) / VRRP_US_PER_S;
	n = n < 1 ? 1 : n > 255 ? 255 : n;
	return n * VRRP_US_PER_S;
}

/*
 * vrrp_skew_us - Skew_Time in microseconds with keepalived's integer
 * arithmetic: v2 ((256 - prio) * 10^6) / 256, independent of the interval;
 * v3 ((256 - prio) * (master_adv_us / 10^4) * 625) / 16.
 */
int64_t vrrp_skew_us(int version, int prio, int64_t master_adv_us)
{
	if (version == 3)
		return ((int64_t)(256 - prio) * (master_adv_us / 10000) * 625) / 16;
	return ((int64_t)(256 - prio) * VRRP_US_PER_S) / 256;
}

/* vrrp_master_down_us - down_adverts * master_adv_us + skew (Master_Down_Interval). */
int64_t vrrp_master_down_us(int version, int prio, int64_t master_adv_us, int down_adverts)
{
	return down_adverts * master_adv_us + vrrp_skew_us(version, prio, master_adv_us);
}

/* ---- small helpers ---- */

static void vi_log(const struct vrrp_instance *vi, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void vi_log(const struct vrrp_instance *vi, int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!vi->env->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vi->env->log(vi->env->ctx, level, "(%s) %s", vi->conf.name, buf);
}

static inline int64_t vi_now(const struct vrrp_instance *vi)
{
	return vi->env->now_ns(vi->env->ctx);
}

static void vi_arm(struct vrrp_instance *vi, enum vi_timer t, int64_t at_ns)
{
	int64_t now = vi_now(vi);

	if (at_ns < now)
		at_ns = now;
	vi->env->timer_arm(vi->env->ctx, &vi->timers[t], at_ns);
	vi->armed |= 1u << t;
	if (t == VT_MAIN)
		vi->down_at_ns = at_ns;
}

static void vi_cancel(struct vrrp_instance *vi, enum vi_timer t)
{
	if (!(vi->armed & (1u << t)))
		return;
	vi->env->timer_cancel(vi->env->ctx, &vi->timers[t]);
	vi->armed &= ~(1u << t);
}

static void vi_cancel_all(struct vrrp_instance *vi)
{
	for (int t = 0; t < VT_COUNT; t++)
		vi_cancel(vi, (enum vi_timer)t);
}

static int64_t vi_skew(const struct vrrp_instance *vi)
{
	return vrrp_skew_us(vi->conf.version, vi->eff_prio, vi->master_adv_us);
}

static int64_t vi_mdi(const struct vrrp_instance *vi)
{
	return vrrp_master_down_us(vi->conf.version, vi->eff_prio, vi->master_adv_us,
				   vi->conf.down_timer_adverts);
}

static bool vi_active(const struct vrrp_instance *vi)
{
	return vi->state == VRRP_STATE_BACKUP || vi->state == VRRP_STATE_MASTER ||
	       vi->state == VRRP_STATE_FAULT;
}

/* ---- sync group state, as the group's notify sees it ---- */

static enum vrrp_state group_compute(const struct vrrp_sync_group *g)
{
	bool any = false, all_master = true, any_backup = false, any_stop = false;

	for (const struct vrrp_instance *m = g->members; m; m = m->group_next) {
		if (m->state == VRRP_STATE_FAULT)
			return VRRP_STATE_FAULT;
		if (m->state == VRRP_STATE_STOP)
			any_stop = true;
		if (!vi_active(m))
			continue;
		any = true;
		if (m->state != VRRP_STATE_MASTER)
			all_master = false;
		if (m->state == VRRP_STATE_BACKUP)
			any_backup = true;
	}
	if (!any)
		return any_stop ? VRRP_STATE_STOP : VRRP_STATE_INIT;
	if (all_master)
		return VRRP_STATE_MASTER;
	return any_backup ? VRRP_STATE_BACKUP : VRRP_STATE_INIT;
}

static void group_refresh(struct vrrp_sync_group *g, bool notify)
{
	enum vrrp_state s = group_compute(g), from = g->state;

	if (s == from)
		return;
	g->state = s;
	if (notify && g->cb.state)
		g->cb.state(g->cb.arg, g, from, s);
}

static void vi_notify_state(struct vrrp_instance *vi, enum vrrp_state from)
{
	if (from != vi->state) {
		vi_log(vi, LB_LOG_INFO, "Entering %s STATE", vrrp_state_name(vi->state));
		if (vi->cb.state)
			vi->cb.state(vi->cb.arg, vi, from, vi->state);
	}
	if (vi->group)
		group_refresh(vi->group, true);
}

/* ---- tracking and effective priority ---- */

static int track_weight(const struct vrrp_instance *vi, size_t i)
{
	if (vi->group && !vi->group->tracking_weight)
		return 0;
	return vi->track[i].weight;
}

static int vi_calc_prio(const struct vrrp_instance *vi)
{
	int p = vi->base_prio;

	if (p == VRRP_PRIO_OWNER)
		return vi->owner_conflict ? VRRP_PRIO_OWNER - 1 : p;
	for (size_t i = 0; i < vi->conf.ntrack; i++) {
		int w = track_weight(vi, i);
		enum vrrp_track_status st = vi->track_status[i];

		if (!w || st == VRRP_TRACK_UNKNOWN)
			continue;
		if ((w > 0 && st == VRRP_TRACK_UP) || (w < 0 && st == VRRP_TRACK_DOWN))
			p += vi->track[i].reverse ? -w : w;
	}
	return p < 1 ? 1 : p > 254 ? 254 : p;
}

static bool vi_fault_cond(const struct vrrp_instance *vi)
{
	if (!vi->conf.saddr.af)
		return true;
	if (vi->conf.unicast_fault_no_peer && !vi->conf.npeers)
		return true;
	if (!vi->link_up && !vi->conf.dont_track_primary)
		return true;
	for (size_t i = 0; i < vi->conf.ntrack; i++) {
		enum vrrp_track_status st = vi->track_status[i];

		if (track_weight(vi, i))
			continue;
		if (st == VRRP_TRACK_UNKNOWN)
			return true;
		if ((st == VRRP_TRACK_UP) == vi->track[i].reverse)
			return true;
	}
	return false;
}

/* ---- sending ---- */

static uint16_t vi_next_id(struct vrrp_instance *vi)
{
	vi->ip_id = vi->ip_id == 0xffff ? 1 : (uint16_t)(vi->ip_id + 1);
	return vi->ip_id;
}

static void vi_xmit(struct vrrp_instance *vi, const struct lb_addr *daddr, const uint8_t *dmac,
		    uint8_t ttl)
{
	struct vrrp_envelope e;
	int len;

	memset(&e, 0, sizeof(e));
	memcpy(e.src_mac, vi->conf.mac, VRRP_MAC_LEN);
	if (dmac)
		memcpy(e.dst_mac, dmac, VRRP_MAC_LEN);
	e.saddr = vi->conf.saddr;
	e.daddr = *daddr;
	e.ip_id = vi_next_id(vi);
	e.ttl = ttl;
	e.tos = VRRP_TOS;
	len = vrrp_frame_encode(vi->tx, &e, vi->frame, VRRP_FRAME_MAX);
	if (len < 0) {
		vi_log(vi, LB_LOG_ERR, "cannot build advert: %s", strerror(-len));
		return;
	}
	vi->env->send(vi->env->ctx, vi->conf.ifindex, vi->frame, (size_t)len);
	vi->stats.adverts_sent++;
	if (!vi->tx->priority)
		vi->stats.prio0_sent++;
}

/* One advert with priority <prio>: to the group, or one copy per unicast peer. */
static void vi_send_advert(struct vrrp_instance *vi, int prio)
{
	if (!vi->link_up || !vi->conf.saddr.af)
		return;
	vi->tx->priority = (uint8_t)prio;
	if (!vi->conf.npeers) {
		vi_xmit(vi, &vi->conf.mcast_dst, NULL, VRRP_TTL);
		return;
	}
	for (size_t i = 0; i < vi->conf.npeers; i++)
		vi_xmit(vi, &vi->peers[i].addr, vi->peers[i].mac, vi->conf.unicast_ttl);
}

static void vi_send_garp_for(struct vrrp_instance *vi, const struct lb_addr *a)
{
	int len;

	if (!vi->link_up)
		return;
	if (a->af == LB_AF_INET)
		len = vrrp_garp_encode(vi->conf.mac, a, vi->frame, VRRP_FRAME_MAX);
	else
		len = vrrp_na_encode(vi->conf.mac, &vi->conf.saddr, a, vi->frame, VRRP_FRAME_MAX);
	if (len < 0)
		return;
	vi->env->send(vi->env->ctx, vi->conf.ifindex, vi->frame, (size_t)len);
	vi->stats.garps_sent++;
}

static const struct lb_addr *vi_garp_addr(const struct vrrp_instance *vi, size_t k)
{
	return k < vi->conf.nvips ? &vi->vips[k] : &vi->evips[k - vi->conf.nvips];
}

/* Send queued GARPs no closer than garp_interval; re-arm for the rest. */
static void vi_garp_pace(struct vrrp_instance *vi)
{
	size_t n = vi->conf.nvips + vi->conf.nevips;
	int64_t now = vi_now(vi), gap = vi->conf.garp_interval_us * NS_PER_US;

	while (vi->garp_pending) {
		if (vi->garp_sent && now < vi->garp_last_ns + gap) {
			vi_arm(vi, VT_GARP_PACE, vi->garp_last_ns + gap);
			return;
		}
		vi_send_garp_for(vi, vi_garp_addr(vi, vi->garp_pos++ % n));
		vi->garp_pending--;
		vi->garp_last_ns = now;
		vi->garp_sent = true;
	}
}

/* <repeat> GARPs (NAs) for every VIP and excluded VIP, repetition by repetition. */
static void vi_garp_burst(struct vrrp_instance *vi, int repeat)
{
	size_t n = vi->conf.nvips + vi->conf.nevips;

	if (!n || repeat <= 0)
		return;
	if (vi->conf.garp_interval_us <= 0) {
		for (int r = 0; r < repeat; r++)
			for (size_t k = 0; k < n; k++)
				vi_send_garp_for(vi, vi_garp_addr(vi, k));
		return;
	}
	vi->garp_pending += (uint32_t)((size_t)repeat * n);
	if (!(vi->armed & (1u << VT_GARP_PACE)))
		vi_garp_pace(vi);
}

static void vi_stop_garps(struct vrrp_instance *vi)
{
	vi_cancel(vi, VT_GARP_MASTER);
	vi_cancel(vi, VT_GARP_LOWER);
	vi_cancel(vi, VT_GARP_PACE);
	vi->garp_pending = 0;
}

/* ---- transitions ---- */

static void vi_remove_vips(struct vrrp_instance *vi)
{
	vi_stop_garps(vi);
	if (vi->cb.vips)
		vi->cb.vips(vi->cb.arg, vi, false);
}

/*
 * Enter BACKUP with the master-down timer at now + <down_us>. From INIT or
 * FAULT, Master_Adver_Interval restarts at our own interval (RFC startup);
 * from MASTER the caller has already adopted the new master's interval.
 */
static void vi_enter_backup(struct vrrp_instance *vi, int64_t down_us)
{
	enum vrrp_state from = vi->state;

	if (from == VRRP_STATE_MASTER) {
		vi->state = VRRP_STATE_BACKUP;
		vi_remove_vips(vi);
	} else {
		vi->master_adv_us = vi->adv_us;
	}
	vi->state = VRRP_STATE_BACKUP;
	vi->preempt_armed = false;
	vi->want_master = false;
	vi_arm(vi, VT_MAIN, vi_now(vi) + down_us * NS_PER_US);
	vi_notify_state(vi, from);
}

/* Takeover, in keepalived's order (spec 2.3 "Entering MASTER"). */
static void vi_become_master(struct vrrp_instance *vi)
{
	enum vrrp_state from = vi->state;
	int64_t now = vi_now(vi);

	vi->state = VRRP_STATE_MASTER;
	vi->want_master = false;
	vi->preempt_armed = false;
	vi->master_adv_us = vi->adv_us;
	vi->master_addr = vi->conf.saddr;
	vi->stats.became_master++;
	vi_send_advert(vi, vi->eff_prio);
	vi_arm(vi, VT_MAIN, now + vi->adv_us * NS_PER_US);
	if (vi->cb.vips)
		vi->cb.vips(vi->cb.arg, vi, true);
	vi_garp_burst(vi, vi->conf.garp_master_repeat);
	vi->garp_refresh_at_ns = now + vi->conf.garp_master_refresh_us * NS_PER_US;
	vi_notify_state(vi, from);
	if (vi->conf.garp_master_delay_us > 0)
		vi_arm(vi, VT_GARP_MASTER, now + vi->conf.garp_master_delay_us * NS_PER_US);
}

static void vi_enter_fault(struct vrrp_instance *vi)
{
	enum vrrp_state from = vi->state;

	if (from == VRRP_STATE_FAULT)
		return;
	vi->state = VRRP_STATE_FAULT;
	if (from == VRRP_STATE_MASTER) {
		/* keepalived sends two of them in practice (spec 2.3) */
		vi_send_advert(vi, VRRP_PRIO_STOP);
		vi_send_advert(vi, VRRP_PRIO_STOP);
		vi_remove_vips(vi);
	}
	vi_cancel(vi, VT_MAIN);
	vi->want_master = false;
	vi->stats.fault_entries++;
	vi_notify_state(vi, from);
}

static void vi_leave_fault(struct vrrp_instance *vi)
{
	int64_t down;

	if (vi->state != VRRP_STATE_FAULT)
		return;
	vi->master_adv_us = vi->adv_us;
	down = vi_mdi(vi);
	if (vi->conf.state == VRRP_CONF_STATE_MASTER && vi->base_prio == VRRP_PRIO_OWNER)
		down = vi->adv_us + vi_skew(vi);
	/* unicast: refresh the peers' ARP entry for our own address */
	if (vi->conf.npeers)
		vi_send_garp_for(vi, &vi->conf.saddr);
	vi_enter_backup(vi, down);
}

static bool vi_group_faulted(const struct vrrp_instance *vi)
{
	if (!vi->group)
		return vi->own_fault;
	for (const struct vrrp_instance *m = vi->group->members; m; m = m->group_next)
		if (m->running && m->state != VRRP_STATE_INIT && m->own_fault)
			return true;
	return false;
}

/* Bring vi (and its sync group) into or out of FAULT as the fault conditions say. */
static void vi_fault_sync(struct vrrp_instance *vi)
{
	bool faulted = vi_group_faulted(vi);
	struct vrrp_instance *m;

	if (faulted) {
		if (vi_active(vi))
			vi_enter_fault(vi);
		for (m = vi->group ? vi->group->members : NULL; m; m = m->group_next)
			if (m != vi && m->running && vi_active(m))
				vi_enter_fault(m);
		return;
	}
	vi_leave_fault(vi);
	for (m = vi->group ? vi->group->members : NULL; m; m = m->group_next)
		if (m != vi)
			vi_leave_fault(m);
}

/* Recompute effective priority and fault after a tracker, link or group change. */
static void vi_update(struct vrrp_instance *vi)
{
	int old = vi->eff_prio, prio = vi_calc_prio(vi);
	bool fault = vi_fault_cond(vi);

	if (prio != old) {
		int64_t old_mdi = vi_mdi(vi);

		vi->eff_prio = prio;
		vi_log(vi, LB_LOG_INFO, "Changing effective priority from %d to %d", old, prio);
		if (vi->cb.priority)
			vi->cb.priority(vi->cb.arg, vi, old, prio);
		if (vi->state == VRRP_STATE_BACKUP && (vi->armed & (1u << VT_MAIN)))
			vi_arm(vi, VT_MAIN,
			       vi->down_at_ns + (vi_mdi(vi) - old_mdi) * NS_PER_US);
	}
	if (fault != vi->own_fault) {
		vi->own_fault = fault;
		if (vi->running && vi_active(vi))
			vi_fault_sync(vi);
	}
}

static bool group_others_want_master(const struct vrrp_instance *vi)
{
	for (const struct vrrp_instance *m = vi->group->members; m; m = m->group_next) {
		if (m == vi || !m->running || !vi_active(m))
			continue;
		if (m->state == VRRP_STATE_MASTER)
			continue;
		if (m->state == VRRP_STATE_BACKUP && m->want_master)
			continue;
		return false;
	}
	return true;
}

/* The master-down timer (or the owner's 1 us start timer) expired. */
static void vi_down_expired(struct vrrp_instance *vi)
{
	if (vi->group && !group_others_want_master(vi)) {
		if (vi->state != VRRP_STATE_BACKUP)
			vi_enter_backup(vi, vi_mdi(vi));
		else
			vi_arm(vi, VT_MAIN, vi_now(vi) + vi_mdi(vi) * NS_PER_US);
		vi->want_master = true;
		vi_log(vi, LB_LOG_DEBUG, "sync group %s not ready: waiting", vi->group->name);
		return;
	}
	vi_become_master(vi);
	for (struct vrrp_instance *m = vi->group ? vi->group->members : NULL; m;
	     m = m->group_next)
		if (m != vi && m->running && m->state == VRRP_STATE_BACKUP)
			vi_become_master(m);
}

static void vi_advert_timer(struct vrrp_instance *vi)
{
	int64_t now = vi_now(vi);

	vi_send_advert(vi, vi->eff_prio);
	if (vi->conf.garp_master_refresh_us > 0 && now >= vi->garp_refresh_at_ns) {
		vi_garp_burst(vi, vi->conf.garp_master_refresh_repeat);
		vi->garp_refresh_at_ns = now + vi->conf.garp_master_refresh_us * NS_PER_US;
	}
	vi_arm(vi, VT_MAIN, now + vi->adv_us * NS_PER_US);
}

/* Start-up finds a fault condition (own or the sync group's): INIT -> FAULT. */
static bool vi_start_fault(struct vrrp_instance *vi)
{
	enum vrrp_state from = vi->state;

	vi->own_fault = vi_fault_cond(vi);
	if (!vi->own_fault && !vi_group_faulted(vi))
		return false;
	vi_cancel(vi, VT_MAIN);
	vi->state = VRRP_STATE_FAULT;
	vi->stats.fault_entries++;
	vi_notify_state(vi, from);
	vi_fault_sync(vi);
	return true;
}

static void vi_do_start(struct vrrp_instance *vi)
{
	vi->eff_prio = vi_calc_prio(vi);
	if (vi_start_fault(vi))
		return;
	if (vi->conf.state == VRRP_CONF_STATE_MASTER && vi->base_prio == VRRP_PRIO_OWNER) {
		vi_arm(vi, VT_MAIN, vi_now(vi) + NS_PER_US);
		return;
	}
	vi_enter_backup(vi, vi_mdi(vi));
}

static void vi_timer_fire(struct lb_timer *t)
{
	struct vrrp_instance *vi = t->data;
	enum vi_timer which = (enum vi_timer)(t - vi->timers);

	vi->armed &= ~(1u << which);
	switch (which) {
	case VT_MAIN:
		if (vi->state == VRRP_STATE_MASTER) {
			vi_advert_timer(vi);
		} else if (vi->state == VRRP_STATE_BACKUP) {
			vi_down_expired(vi);
		} else if (vi->state == VRRP_STATE_INIT && vi->running) {
			if (!vi_start_fault(vi))
				vi_down_expired(vi);
		}
		break;
	case VT_START:
		if (vi->running && vi->state == VRRP_STATE_INIT)
			vi_do_start(vi);
		break;
	case VT_GARP_MASTER:
		if (vi->state == VRRP_STATE_MASTER)
			vi_garp_burst(vi, vi->conf.garp_master_repeat);
		break;
	case VT_GARP_LOWER:
		if (vi->state == VRRP_STATE_MASTER)
			vi_garp_burst(vi, vi->conf.garp_lower_prio_repeat);
		break;
	case VT_GARP_PACE:
		vi_garp_pace(vi);
		break;
	default:
		break;
	}
}

/* ---- receiving ---- */

static void vi_adopt_interval(struct vrrp_instance *vi, const struct vrrp_advert *a)
{
	int64_t us = (int64_t)a->adver_int * 10000;

	if (vi->conf.version != 3 || !us || us == vi->master_adv_us)
		return;
	vi_log(vi, LB_LOG_INFO, "advertisement interval updated from %lldms to %lldms by master",
	       (long long)(vi->master_adv_us / 1000), (long long)(us / 1000));
	vi->master_adv_us = us;
	vi->stats.interval_learned++;
}

static void vi_backup_rx(struct vrrp_instance *vi, const struct vrrp_advert *a)
{
	int64_t now = vi_now(vi), pd = vi->conf.preempt_delay_us * NS_PER_US;

	if (a->priority == VRRP_PRIO_STOP) {
		vi_arm(vi, VT_MAIN, now + vi_skew(vi) * NS_PER_US);
		vi->want_master = false;
		return;
	}
	if (vi->conf.nopreempt || a->priority >= vi->eff_prio ||
	    (pd > 0 && (!vi->preempt_armed || now < vi->preempt_at_ns))) {
		if (pd > 0) {
			if (a->priority >= vi->eff_prio) {
				vi->preempt_armed = false;
			} else if (!vi->preempt_armed) {
				vi->preempt_armed = true;
				vi->preempt_at_ns = now + pd;
				vi_log(vi, LB_LOG_INFO,
				       "lower priority (%u) advert: preempting after the delay",
				       a->priority);
			}
		}
		vi_adopt_interval(vi, a);
		vi->master_addr = a->rx.saddr;
		vi->want_master = false;
		vi_arm(vi, VT_MAIN, now + vi_mdi(vi) * NS_PER_US);
		return;
	}
	vi->stats.lower_prio_discarded++;
	vi_log(vi, LB_LOG_DEBUG, "received lower priority (%u) advert - discarding", a->priority);
}

/* A master heard a lower priority: advertise now and re-announce the VIPs. */
static void vi_assert_master(struct vrrp_instance *vi)
{
	if (!vi->conf.lower_prio_no_advert) {
		vi_send_advert(vi, vi->eff_prio);
		vi_arm(vi, VT_MAIN, vi_now(vi) + vi->adv_us * NS_PER_US);
	}
	if (vi->conf.garp_lower_prio_repeat > 0) {
		vi_garp_burst(vi, vi->conf.garp_lower_prio_repeat);
		if (vi->conf.garp_lower_prio_delay_us > 0)
			vi_arm(vi, VT_GARP_LOWER,
			       vi_now(vi) + vi->conf.garp_lower_prio_delay_us * NS_PER_US);
	}
}

static void vi_master_rx(struct vrrp_instance *vi, const struct vrrp_advert *a)
{
	const struct lb_addr *src = &a->rx.saddr;
	struct vrrp_instance *m;
	bool higher;

	if (a->priority == VRRP_PRIO_STOP) {
		vi_send_advert(vi, vi->eff_prio);
		vi_arm(vi, VT_MAIN, vi_now(vi) + vi->adv_us * NS_PER_US);
		return;
	}
	if (a->priority == vi->eff_prio && lb_addr_eq(src, &vi->conf.saddr)) {
		vi_log(vi, LB_LOG_WARN, "received advert with our own address and priority");
		return;
	}
	if (a->priority == VRRP_PRIO_OWNER && vi->eff_prio == VRRP_PRIO_OWNER) {
		vi_log(vi, LB_LOG_ERR, "both sides claim priority 255: lowering ours to 254");
		vi->owner_conflict = true;
		vi_update(vi);
	}
	higher = a->priority > vi->eff_prio ||
		 (a->priority == vi->eff_prio && lb_addr_cmp(src, &vi->conf.saddr) > 0);
	if (!higher) {
		vi_log(vi, LB_LOG_INFO,
		       "received lower priority (%u) advert: forcing a new election", a->priority);
		vi_assert_master(vi);
		for (m = vi->group ? vi->group->members : NULL; m; m = m->group_next)
			if (m != vi && m->state == VRRP_STATE_MASTER)
				vi_assert_master(m);
		if (vi->cb.master_rx_lower)
			vi->cb.master_rx_lower(vi->cb.arg, vi, a);
		return;
	}
	if (vi->conf.higher_prio_send_advert)
		vi_send_advert(vi, vi->eff_prio);
	vi_adopt_interval(vi, a);
	vi->master_addr = *src;
	vi->stats.released_master++;
	vi_enter_backup(vi, vi_mdi(vi));
	for (m = vi->group ? vi->group->members : NULL; m; m = m->group_next)
		if (m != vi && m->state == VRRP_STATE_MASTER)
			vi_enter_backup(m, vi_mdi(m));
}

/*
 * vrrp_instance_receive - hand the instance a decoded advert <a> (from
 * vrrp_frame_decode, with its rx envelope) that arrived on its interface.
 * Returns the verdict: VRRP_RX_OK when the advert counted and was acted on;
 * VRRP_RX_UNKNOWN_VRID when it belongs to another instance; VRRP_RX_NOT_READY
 * in INIT, FAULT or STOP; otherwise the failed check (the advert is ignored,
 * a running master-down timer is not reset). <a> is not kept.
 */
enum vrrp_rx_verdict vrrp_instance_receive(struct vrrp_instance *vi,
					   const struct vrrp_advert *a)
{
	enum vrrp_rx_verdict v;
	bool was_master;

	vi->stats.rx++;
	vi->expect.last_src = vi->last_src.af ? &vi->last_src : NULL;
	v = vrrp_advert_check(&vi->expect, a);
	if (v != VRRP_RX_MALFORMED && v != VRRP_RX_UNKNOWN_VRID &&
	    vi->state != VRRP_STATE_BACKUP && vi->state != VRRP_STATE_MASTER)
		v = VRRP_RX_NOT_READY;
	vi->stats.rx_verdict[v]++;
	if (v == VRRP_RX_MALFORMED || v == VRRP_RX_UNKNOWN_VRID || v == VRRP_RX_NOT_READY)
		return v;
	was_master = vi->state == VRRP_STATE_MASTER;
	if (v == VRRP_RX_OK) {
		vi->last_src = a->rx.saddr;
		if (was_master)
			vi_master_rx(vi, a);
		else
			vi_backup_rx(vi, a);
	} else {
		char buf[LB_ADDR_STRLEN];

		vi_log(vi, LB_LOG_DEBUG, "advert from %s ignored: %s",
		       lb_addr_fmt(&a->rx.saddr, buf, sizeof(buf)), vrrp_rx_verdict_name(v));
	}
	/* keepalived 2.2.7's dispatcher re-arms a master's advert timer per packet */
	if (was_master && vi->state == VRRP_STATE_MASTER && !vi->conf.lower_prio_no_advert)
		vi_arm(vi, VT_MAIN, vi_now(vi) + vi->adv_us * NS_PER_US);
	return v;
}

/*
 * vrrp_instance_receive_frame - decode an Ethernet <frame> and hand it to
 * vrrp_instance_receive. Returns VRRP_RX_MALFORMED when it is not a VRRP
 * frame, else the receive verdict.
 */
enum vrrp_rx_verdict vrrp_instance_receive_frame(struct vrrp_instance *vi, const uint8_t *frame,
						 size_t len)
{
	if (vrrp_frame_decode(frame, len, vi->rxbuf) < 0) {
		vi->stats.rx++;
		vi->stats.rx_verdict[VRRP_RX_MALFORMED]++;
		return VRRP_RX_MALFORMED;
	}
	return vrrp_instance_receive(vi, vi->rxbuf);
}

/* ---- configuration ---- */

/*
 * vrrp_instance_conf_init - keepalived 2.2.7's defaults for an instance
 * (spec 4.3, 4.6): priority and state unset, version 2 (3 for IPv6),
 * advert_int 1 s, garp_master_repeat 5, garp_master_delay 5 s, refresh off
 * (repeat 1), lower-priority GARPs as the master ones, down_timer_adverts 3,
 * unicast_ttl 255, MTU 1500, everything else off.
 */
void vrrp_instance_conf_init(struct vrrp_instance_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->adver_int_us = VRRP_US_PER_S;
	c->unicast_ttl = VRRP_TTL;
	c->garp_master_repeat = 5;
	c->garp_master_delay_us = 5 * VRRP_US_PER_S;
	c->garp_master_refresh_repeat = 1;
	c->garp_lower_prio_repeat = -1;
	c->garp_lower_prio_delay_us = -1;
	c->down_timer_adverts = 3;
	c->mtu = 1500;
}

static int conf_weight_limit(enum vrrp_track_kind k)
{
	return k == VRRP_TRACK_FILE || k == VRRP_TRACK_PROCESS ? 254 : 253;
}

/* Apply keepalived's corrections to vi->conf (warnings), or fail with -errno. */
static int conf_fix(struct vrrp_instance *vi)
{
	struct vrrp_instance_conf *c = &vi->conf;
	uint8_t af = c->saddr.af ? c->saddr.af : c->nvips ? c->vips[0].af : LB_AF_INET;
	size_t alen = af == LB_AF_INET6 ? 16 : 4, max;
	int64_t adv;

	if (!c->vrid) {
		vi_log(vi, LB_LOG_ERR, "virtual_router_id missing or 0");
		return -EINVAL;
	}
	if (!c->version)
		c->version = af == LB_AF_INET6 ? 3 : 2;
	if (c->version != 2 && c->version != 3) {
		vi_log(vi, LB_LOG_ERR, "version %u not supported", c->version);
		return -EINVAL;
	}
	if (c->version == 2 && af == LB_AF_INET6 && c->strict_mode) {
		vi_log(vi, LB_LOG_ERR, "VRRPv2 over IPv6 is not allowed in strict mode");
		return -EINVAL;
	}
	for (size_t i = 0; i < c->nvips + c->nevips; i++) {
		const struct lb_addr *a = i < c->nvips ? &c->vips[i] : &c->evips[i - c->nvips];

		if (a->af != af) {
			vi_log(vi, LB_LOG_ERR, "virtual addresses of mixed families");
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < c->npeers; i++)
		if (c->peers[i].addr.af != af) {
			vi_log(vi, LB_LOG_ERR, "unicast peer of another family");
			return -EINVAL;
		}
	if (!c->nvips) {
		if (c->version == 3 || c->strict_mode) {
			vi_log(vi, LB_LOG_ERR, "virtual_ipaddress required");
			return -EINVAL;
		}
		vi_log(vi, LB_LOG_WARN, "no virtual_ipaddress");
	}
	if (c->strict_mode && c->npeers) {
		vi_log(vi, LB_LOG_ERR, "unicast_peer not allowed in strict mode");
		return -EINVAL;
	}
	if (!c->priority)
		c->priority = c->state == VRRP_CONF_STATE_MASTER ? VRRP_PRIO_OWNER : 100;
	if (c->state == VRRP_CONF_STATE_UNSET)
		c->state = c->priority == VRRP_PRIO_OWNER ? VRRP_CONF_STATE_MASTER :
							     VRRP_CONF_STATE_BACKUP;
	if (c->auth_type != VRRP_AUTH_NONE &&
	    (c->version == 3 || c->strict_mode || !c->auth_pass[0] || c->auth_type > VRRP_AUTH_AH ||
	     (af == LB_AF_INET6 && c->auth_type == VRRP_AUTH_AH))) {
		vi_log(vi, LB_LOG_WARN, "authentication ignored");
		c->auth_type = VRRP_AUTH_NONE;
	}
	if (c->auth_type == VRRP_AUTH_AH) {
		vi_log(vi, LB_LOG_ERR, "auth_type AH is not supported");
		return -EOPNOTSUPP;
	}
	if (c->auth_type == VRRP_AUTH_PASS) {
		if (strlen(c->auth_pass) > VRRP_AUTH_LEN)
			vi_log(vi, LB_LOG_WARN, "auth_pass truncated to %d characters",
			       VRRP_AUTH_LEN);
		memcpy(vi->expect.auth_pass, c->auth_pass, strnlen(c->auth_pass, VRRP_AUTH_LEN));
	}
	if (c->strict_mode && c->state == VRRP_CONF_STATE_MASTER &&
	    c->priority != VRRP_PRIO_OWNER) {
		vi_log(vi, LB_LOG_WARN,
		       "strict mode: state MASTER needs priority 255, using BACKUP");
		c->state = VRRP_CONF_STATE_BACKUP;
	}
	adv = vrrp_adver_int_round(c->version, c->adver_int_us);
	if (adv != c->adver_int_us)
		vi_log(vi, LB_LOG_WARN, "advert_int %lld us rounded to %lld us",
		       (long long)c->adver_int_us, (long long)adv);
	c->adver_int_us = adv;
	if (c->preempt_delay_us < 0 || c->preempt_delay_us > 1000 * VRRP_US_PER_S) {
		vi_log(vi, LB_LOG_WARN, "preempt_delay out of range, ignored");
		c->preempt_delay_us = 0;
	}
	if (c->state == VRRP_CONF_STATE_MASTER && (c->nopreempt || c->preempt_delay_us)) {
		vi_log(vi, LB_LOG_WARN, "nopreempt/preempt_delay ignored with state MASTER");
		c->nopreempt = false;
		c->preempt_delay_us = 0;
	}
	if (c->priority == VRRP_PRIO_OWNER)
		c->nopreempt = false;
	if (c->preempt_delay_us && (c->nopreempt || c->strict_mode)) {
		vi_log(vi, LB_LOG_WARN, "preempt_delay ignored with nopreempt or strict mode");
		c->preempt_delay_us = 0;
	}
	if (c->down_timer_adverts < 1 || c->down_timer_adverts > 100 ||
	    (c->strict_mode && c->down_timer_adverts != 3)) {
		vi_log(vi, LB_LOG_WARN, "down_timer_adverts %d invalid, using 3",
		       c->down_timer_adverts);
		c->down_timer_adverts = 3;
	}
	if (c->garp_master_repeat < 1)
		c->garp_master_repeat = 1;
	if (c->garp_master_delay_us < 0)
		c->garp_master_delay_us = 0;
	if (c->garp_master_refresh_repeat < 1)
		c->garp_master_refresh_repeat = 1;
	if (c->strict_mode) {
		c->lower_prio_no_advert = true;
		c->higher_prio_send_advert = false;
		c->garp_lower_prio_repeat = 0;
		c->garp_lower_prio_delay_us = 0;
	}
	if (c->garp_lower_prio_repeat < 0)
		c->garp_lower_prio_repeat = c->garp_master_repeat;
	if (c->garp_lower_prio_delay_us < 0)
		c->garp_lower_prio_delay_us = c->garp_master_delay_us;
	if (!c->unicast_ttl)
		c->unicast_ttl = VRRP_TTL;
	if (!c->mcast_dst.af) {
		memset(&c->mcast_dst, 0, sizeof(c->mcast_dst));
		c->mcast_dst.af = af;
		if (af == LB_AF_INET6) {
			c->mcast_dst.u.v6[0] = 0xff;
			c->mcast_dst.u.v6[1] = 0x02;
			c->mcast_dst.u.v6[15] = 0x12;
		} else {
			c->mcast_dst.u.v4 = VRRP_MCAST4;
		}
	}
	if (c->mtu <= 0)
		c->mtu = 1500;
	/* spec 1.8: what does not fit is moved to the excluded addresses */
	{
		long room = (long)c->mtu - VRRP_ETH_HLEN - (af == LB_AF_INET6 ? 40 : 20) - 8 -
			    (c->version == 2 ? VRRP_AUTH_LEN : 0);

		max = room > 0 ? (size_t)room / alen : 0;
		if (max > VRRP_MAX_ADDRS)
			max = VRRP_MAX_ADDRS;
		if (c->nvips > max) {
			vi_log(vi, LB_LOG_WARN, "%zu VIPs do not fit an advert: %zu excluded",
			       c->nvips, c->nvips - max);
			c->nevips += c->nvips - max;
			c->nvips = max;
		}
	}
	for (size_t i = 0; i < c->ntrack; i++) {
		struct vrrp_track_conf *t = &vi->track[i];
		int lim = conf_weight_limit(t->kind);

		if (t->weight > lim || t->weight < -lim) {
			vi_log(vi, LB_LOG_WARN, "track weight %d clamped to +-%d", t->weight, lim);
			t->weight = t->weight > 0 ? lim : -lim;
		}
	}
	return 0;
}

/*
 * vrrp_instance_new - build an instance from <conf> (copied, with keepalived's
 * corrections applied and logged through <env>: priority/state defaults,
 * advert_int rounding, nopreempt/preempt_delay rules, auth rules, strict
 * mode, excess VIPs moved to the excluded list, weight clamps). <env> and
 * <cb> must outlive the instance (<cb> is copied, may be NULL). The instance
 * stays in INIT until vrrp_instance_start. Returns 0 and *out, or -EINVAL
 * for a configuration keepalived refuses (VRID 0, missing VIPs for v3 or
 * strict, mixed families, unicast in strict mode) and -EOPNOTSUPP for AH.
 */
int vrrp_instance_new(const struct vrrp_instance_conf *conf, const struct lb_env *env,
		      const struct vrrp_callbacks *cb, struct vrrp_instance **out)
{
	struct vrrp_instance *vi;
	struct vrrp_instance_conf *c;
	size_t nall;
	int rc;

	*out = NULL;
	if (!env || !env->now_ns || !env->timer_arm || !env->timer_cancel || !env->send)
		return -EINVAL;
	vi = xcalloc(1, sizeof(*vi));
	vi->conf = *conf;
	vi->conf.name[sizeof(vi->conf.name) - 1] = '\0';
	vi->conf.auth_pass[sizeof(vi->conf.auth_pass) - 1] = '\0';
	vi->env = env;
	if (cb)
		vi->cb = *cb;
	c = &vi->conf;
	/* private copies first: conf_fix may move VIPs to the excluded list */
	nall = c->nvips + c->nevips;
	vi->vips = xcalloc(nall ? nall : 1, sizeof(*vi->vips));
	if (c->nvips)
		memcpy(vi->vips, c->vips, c->nvips * sizeof(*vi->vips));
	if (c->nevips)
		memcpy(vi->vips + c->nvips, c->evips, c->nevips * sizeof(*vi->vips));
	c->vips = vi->vips;
	c->evips = vi->vips + c->nvips;
	vi->peers = xcalloc(c->npeers ? c->npeers : 1, sizeof(*vi->peers));
	if (c->npeers)
		memcpy(vi->peers, conf->peers, c->npeers * sizeof(*vi->peers));
	c->peers = vi->peers;
	vi->track = xcalloc(c->ntrack ? c->ntrack : 1, sizeof(*vi->track));
	if (c->ntrack)
		memcpy(vi->track, conf->track, c->ntrack * sizeof(*vi->track));
	c->track = vi->track;
	vi->track_status = xcalloc(c->ntrack ? c->ntrack : 1, sizeof(*vi->track_status));
	vi->tx = xcalloc(1, sizeof(*vi->tx));
	vi->rxbuf = xcalloc(1, sizeof(*vi->rxbuf));
	vi->frame = xmalloc(VRRP_FRAME_MAX);
	rc = conf_fix(vi);
	if (rc < 0) {
		vrrp_instance_free(vi);
		return rc;
	}
	vi->evips = vi->vips + c->nvips;
	c->evips = vi->evips;
	for (size_t i = 0; i < c->ntrack; i++)
		vi->track_status[i] = vi->track[i].init;
	for (int t = 0; t < VT_COUNT; t++) {
		vi->timers[t].fn = vi_timer_fire;
		vi->timers[t].data = vi;
	}
	vi->state = VRRP_STATE_INIT;
	vi->link_up = true;
	vi->base_prio = c->priority;
	vi->adv_us = c->adver_int_us;
	vi->master_adv_us = vi->adv_us;
	vi->eff_prio = vi_calc_prio(vi);

	vi->expect.version = c->version;
	vi->expect.vrid = c->vrid;
	vi->expect.af = c->mcast_dst.af;
	vi->expect.auth_type = c->version == 2 ? c->auth_type : VRRP_AUTH_NONE;
	vi->expect.adver_int_s = (uint16_t)(vi->adv_us / VRRP_US_PER_S);
	vi->expect.vips = vi->vips;
	vi->expect.nvips = c->nvips;
	vi->expect.unicast = c->npeers > 0;
	vi->expect.peers = vi->peers;
	vi->expect.npeers = c->npeers;
	vi->expect.check_unicast_src = c->check_unicast_src;
	vi->expect.skip_check_adv_addr = c->skip_check_adv_addr;

	vi->tx->version = c->version;
	vi->tx->type = VRRP_TYPE_ADVERT;
	vi->tx->vrid = c->vrid;
	vi->tx->naddr = (uint8_t)c->nvips;
	vi->tx->af = c->mcast_dst.af;
	vi->tx->auth_type = vi->expect.auth_type;
	memcpy(vi->tx->auth_data, vi->expect.auth_pass, VRRP_AUTH_LEN);
	vi->tx->adver_int = (uint16_t)(c->version == 3 ? vi->adv_us / 10000 :
							  vi->adv_us / VRRP_US_PER_S);
	memcpy(vi->tx->addrs, vi->vips, c->nvips * sizeof(*vi->vips));
	*out = vi;
	return 0;
}

/* vrrp_instance_free - cancel the instance's timers, leave its group, free it. NULL is fine. */
void vrrp_instance_free(struct vrrp_instance *vi)
{
	if (!vi)
		return;
	vi_cancel_all(vi);
	if (vi->group) {
		struct vrrp_instance **pp = &vi->group->members;

		while (*pp && *pp != vi)
			pp = &(*pp)->group_next;
		if (*pp)
			*pp = vi->group_next;
	}
	free(vi->vips);
	free(vi->peers);
	free(vi->track);
	free(vi->track_status);
	free(vi->tx);
	free(vi->rxbuf);
	free(vi->frame);
	free(vi);
}

/* ---- life cycle ---- */

/*
 * vrrp_instance_start - the keepalived process starts the instance (spec 2.3
 * "Startup"): after vrrp_startup_delay (INIT, deaf, meanwhile), FAULT when a
 * fault condition holds (weight-0 tracker down or unknown, no source address,
 * unicast_fault_no_peer without peers, own interface down), MASTER 1 us
 * later for `state MASTER` with priority 255, else BACKUP with a full
 * master-down timer. IP IDs restart at 1. Returns 0, or -EALREADY when it
 * is already running.
 */
int vrrp_instance_start(struct vrrp_instance *vi)
{
	if (vi->running)
		return -EALREADY;
	vi_cancel_all(vi);
	vi->running = true;
	vi->state = VRRP_STATE_INIT;
	vi->ip_id = 0;
	vi->owner_conflict = false;
	vi->preempt_armed = false;
	vi->want_master = false;
	vi->garp_pending = 0;
	vi->garp_sent = false;
	memset(&vi->last_src, 0, sizeof(vi->last_src));
	memset(&vi->master_addr, 0, sizeof(vi->master_addr));
	vi->master_adv_us = vi->adv_us;
	if (vi->conf.startup_delay_us > 0) {
		vi_arm(vi, VT_START, vi_now(vi) + vi->conf.startup_delay_us * NS_PER_US);
		return 0;
	}
	vi_do_start(vi);
	return 0;
}

/*
 * vrrp_instance_stop - graceful shutdown (SIGTERM): a master sends one
 * priority-0 advert and gives up its VIPs; every timer stops; the state
 * becomes STOP. A stopped or never started instance is left alone.
 */
void vrrp_instance_stop(struct vrrp_instance *vi)
{
	enum vrrp_state from = vi->state;

	if (!vi->running)
		return;
	if (from == VRRP_STATE_MASTER) {
		vi_send_advert(vi, VRRP_PRIO_STOP);
		vi->state = VRRP_STATE_STOP;
		vi_remove_vips(vi);
	}
	vi_cancel_all(vi);
	vi->running = false;
	vi->state = VRRP_STATE_STOP;
	vi_notify_state(vi, from);
}

/*
 * vrrp_instance_kill - the process dies (kill -9): nothing is sent, no
 * callback runs (the VIPs stay wherever the owner put them), timers stop,
 * the state drops to INIT. vrrp_instance_start restarts it.
 */
void vrrp_instance_kill(struct vrrp_instance *vi)
{
	vi_cancel_all(vi);
	vi->running = false;
	vi->state = VRRP_STATE_INIT;
	vi->garp_pending = 0;
	if (vi->group)
		group_refresh(vi->group, false);
}

/*
 * vrrp_instance_set_track - tracked object <idx> (index into conf.track) is
 * now up or down (for a vrrp_script: the status after its hysteresis).
 * Recomputes the effective priority (a running master-down timer moves by
 * the change in master-down; masters show it in their next advert) and
 * enters or leaves FAULT for weight-0 objects. Returns 0, or -EINVAL for a
 * bad index.
 */
int vrrp_instance_set_track(struct vrrp_instance *vi, size_t idx, bool up)
{
	return vrrp_instance_set_track_status(vi, idx, up ? VRRP_TRACK_UP : VRRP_TRACK_DOWN);
}

/*
 * vrrp_instance_set_track_status - as vrrp_instance_set_track, with UNKNOWN
 * allowed too: a keepalived process that restarts knows none of its
 * vrrp_scripts' results until their first run (weight 0: FAULT meanwhile;
 * weighted: no contribution). Returns 0, or -EINVAL for a bad index or status.
 */
int vrrp_instance_set_track_status(struct vrrp_instance *vi, size_t idx,
				   enum vrrp_track_status st)
{
	if (idx >= vi->conf.ntrack || (st != VRRP_TRACK_UNKNOWN && st != VRRP_TRACK_UP &&
				       st != VRRP_TRACK_DOWN))
		return -EINVAL;
	vi->track_status[idx] = st;
	vi_update(vi);
	return 0;
}

/*
 * vrrp_instance_set_link - the instance's own interface went up or down.
 * Down: nothing can be sent any more, and unless dont_track_primary the
 * instance enters FAULT (without priority-0 adverts: they cannot leave).
 */
void vrrp_instance_set_link(struct vrrp_instance *vi, bool up)
{
	vi->link_up = up;
	vi_update(vi);
}

/* ---- accessors ---- */

enum vrrp_state vrrp_instance_state(const struct vrrp_instance *vi)
{
	return vi->state;
}

/* vrrp_instance_priority - the effective priority (base + tracker weights, clamped). */
int vrrp_instance_priority(const struct vrrp_instance *vi)
{
	return vi->eff_prio;
}

/* vrrp_instance_master_adv_us - Master_Adver_Interval now (v3: learnt from the master). */
int64_t vrrp_instance_master_adv_us(const struct vrrp_instance *vi)
{
	return vi->master_adv_us;
}

int64_t vrrp_instance_master_down_us(const struct vrrp_instance *vi)
{
	return vi_mdi(vi);
}

int64_t vrrp_instance_skew_us(const struct vrrp_instance *vi)
{
	return vi_skew(vi);
}

/* vrrp_instance_master_addr - the current master's address (ours in MASTER); af 0 if none. */
const struct lb_addr *vrrp_instance_master_addr(const struct vrrp_instance *vi)
{
	return &vi->master_addr;
}

/* vrrp_instance_conf - the configuration in force (after keepalived's corrections). */
const struct vrrp_instance_conf *vrrp_instance_conf(const struct vrrp_instance *vi)
{
	return &vi->conf;
}

const struct vrrp_instance_stats *vrrp_instance_stats(const struct vrrp_instance *vi)
{
	return &vi->stats;
}

struct vrrp_sync_group *vrrp_instance_group(const struct vrrp_instance *vi)
{
	return vi->group;
}

/* vrrp_instance_sane - internal consistency (for assert in debug builds and tests). */
bool vrrp_instance_sane(const struct vrrp_instance *vi)
{
	bool main_armed = vi->armed & (1u << VT_MAIN);

	if ((unsigned)vi->state >= VRRP_STATE_COUNT)
		return false;
	if (vi->eff_prio < 1 || vi->eff_prio > VRRP_PRIO_OWNER)
		return false;
	if (vi->eff_prio == VRRP_PRIO_OWNER && vi->base_prio != VRRP_PRIO_OWNER)
		return false;
	if ((vi->state == VRRP_STATE_BACKUP || vi->state == VRRP_STATE_MASTER) && !main_armed)
		return false;
	if ((vi->state == VRRP_STATE_FAULT || vi->state == VRRP_STATE_STOP) && main_armed)
		return false;
	if (vi->state != VRRP_STATE_MASTER && (vi->armed & (1u << VT_GARP_MASTER)))
		return false;
	if (!vi->running && vi_active(vi))
		return false;
	if (vi->running && vi->state == VRRP_STATE_STOP)
		return false;
	return vi->master_adv_us > 0 && vi->adv_us > 0;
}

/* ---- sync groups ---- */

/*
 * vrrp_sync_group_new - an empty vrrp_sync_group. Without <tracking_weight>
 * (sync_group_tracking_weight) the members' weighted trackers act as weight
 * 0, i.e. they cause FAULT. Group-level trackers are the caller's to copy
 * into every member's conf.track. <cb> is copied (may be NULL).
 */
struct vrrp_sync_group *vrrp_sync_group_new(const char *name, bool tracking_weight,
					    const struct vrrp_sync_group_callbacks *cb)
{
	struct vrrp_sync_group *g = xcalloc(1, sizeof(*g));

	snprintf(g->name, sizeof(g->name), "%s", name ? name : "");
	g->tracking_weight = tracking_weight;
	if (cb)
		g->cb = *cb;
	g->state = VRRP_STATE_INIT;
	return g;
}

/* vrrp_sync_group_free - detach the members (they stay, ungrouped) and free <g>. NULL is fine. */
void vrrp_sync_group_free(struct vrrp_sync_group *g)
{
	struct vrrp_instance *m, *next;

	if (!g)
		return;
	for (m = g->members; m; m = next) {
		next = m->group_next;
		m->group = NULL;
		m->group_next = NULL;
	}
	free(g);
}

/*
 * vrrp_sync_group_add - make <vi> (not running) a member of <g>, after the
 * members already there. Returns 0, -EBUSY when <vi> is running, -EEXIST
 * when it already belongs to a group.
 */
int vrrp_sync_group_add(struct vrrp_sync_group *g, struct vrrp_instance *vi)
{
	struct vrrp_instance **pp = &g->members;

	if (vi->running)
		return -EBUSY;
	if (vi->group)
		return -EEXIST;
	while (*pp)
		pp = &(*pp)->group_next;
	*pp = vi;
	vi->group = g;
	vi->group_next = NULL;
	vi->eff_prio = vi_calc_prio(vi);
	return 0;
}

/* vrrp_sync_group_state - FAULT if any member is, MASTER if all running members are, ... */
enum vrrp_state vrrp_sync_group_state(const struct vrrp_sync_group *g)
{
	return group_compute(g);
}

const char *vrrp_sync_group_name(const struct vrrp_sync_group *g)
{
	return g->name;
}

/* ---- vrrp_script hysteresis ---- */

/*
 * vrrp_script_status_init - a script's result counter (spec 3.4) with
 * <rise>/<fall> (values < 1 are taken as 1): unknown until the first
 * result, which decides at once; <init_fail> starts it known and failed.
 */
void vrrp_script_status_init(struct vrrp_script_status *s, int rise, int fall, bool init_fail)
{
	s->rise = rise < 1 ? 1 : rise;
	s->fall = fall < 1 ? 1 : fall;
	s->count = init_fail ? 0 : s->rise - 1;
	s->known = init_fail;
}

/*
 * vrrp_script_status_result - feed one run's outcome (exit 0 = success;
 * failure, signal or timeout = failure). Success below rise-1 counts up,
 * otherwise jumps to rise+fall-1 (OK); failure above rise counts down,
 * otherwise drops to 0 (KO). Returns the resulting status.
 */
enum vrrp_track_status vrrp_script_status_result(struct vrrp_script_status *s, bool success)
{
	if (success) {
		if (s->count < s->rise - 1)
			s->count++;
		else
			s->count = s->rise + s->fall - 1;
	} else {
		if (s->count > s->rise)
			s->count--;
		else
			s->count = 0;
	}
	s->known = true;
	return vrrp_script_status_get(s);
}

enum vrrp_track_status vrrp_script_status_get(const struct vrrp_script_status *s)
{
	if (!s->known)
		return VRRP_TRACK_UNKNOWN;
	return s->count >= s->rise ? VRRP_TRACK_UP : VRRP_TRACK_DOWN;
}
