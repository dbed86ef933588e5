/*
 * models/ha.c - keepalived's VRRP on the simulated directors (HA worlds).
 *
 * Every vrrp_instance block of every director becomes one VRRP state
 * machine (algorithms/vrrp/vrrp.h) on the simulation's clock. All directors
 * share one L2 segment: a frame sent by an instance reaches the instances
 * with the same VRID on the other directors HA_SEGMENT_DELAY later, unless a
 * partition separates the two directors or vrrp is blocked on either when it
 * arrives. The gratuitous ARPs a new master sends reach the upstream router
 * (the same delay) and move its ARP cache entry for the VIP: the clients'
 * packets for a VIP go to the director in that entry (at first, the director
 * that first added the VIP). Only IPv4 VIPs have ARP entries.
 *
 * A director has no address of its own in a scenario: its instances use
 * unicast_src_ip or mcast_src_ip when written, else 192.0.2.N (N = the
 * director's position, from 1), and the MAC 02:00:00:00:00:N. A director's
 * interfaces are the names its keepalived configuration uses (instance
 * `interface`, track_interface, lvs_sync_daemon); each is one
 * port on the shared segment, up until a `down interface` fault. Nothing
 * leaves or arrives on a port that is down (adverts, GARPs, sync batches);
 * the instance whose `interface` it is gets vrrp_instance_set_link (FAULT,
 * without priority-0 adverts: they could not leave), those that track it
 * lose their tracker (weight 0: FAULT, and a master in FAULT sends
 * priority 0 on its own interface if that is still up; weighted: the
 * priority moves). The clients' traffic does not see interfaces: it
 * follows the VIPs, which a master in FAULT gives up.
 *
 * vrrp_scripts are not executed: each one tracked by an instance of a
 * director "runs" every `interval` from the director's start (first run at
 * once, as keepalived launches it at start-up) and exits at once, with
 * success unless a `fail script` fault holds or, with lbsim_fail_probability
 * P, a draw from its own random stream (director.NAME.vrrp_script.SCRIPT)
 * says failure; the result goes through keepalived's rise/fall hysteresis
 * (vrrp_script_status). Until the first result an instance tracking it
 * with weight 0 is in FAULT (for no simulated time, unless that result is a
 * failure). A crash or stop ends the runs; recover starts them afresh.
 * A director's vrrp_sync_groups join its instances before
 * they start, without sync_group_tracking_weight (not modelled): a member's
 * FAULT takes the whole group out of MASTER, as in keepalived.
 *
 * A crash or a stop of a director that is master of a VRID, or a master
 * entering FAULT (a tracked script or interface failed, its own interface
 * went down), opens a failover for that VRID, one per instance that was
 * master (a sync group moved by one fault gives one per member), named by
 * the instance, its VIPs, its director and the director that takes over;
 * it ends when another director becomes master and the router has heard
 * its GARP.
 * Each failover also counts the requests the clients lost while it lasted:
 * those failed (and, of them, answered after the client's timeout) or
 * refused from the fault until one second after the router learnt the new
 * master (the end of the run if none ever took over), of the clients whose
 * target is one of its instance's VIPs (virtual_ipaddress or _excluded):
 * the failovers of one fault do not share their counts, and an instance
 * whose VIPs carry no client traffic counts none. Its broken and synced
 * connections are likewise those to its instance's VIPs.
 *
 * IPVS connection sync (global_defs lvs_sync_daemon, spec 3.10): while a
 * director's sync instance is MASTER (always, without `inst`), every
 * connection it schedules and every close it sees is one entry of its sync
 * buffer. lbsim's simplification of the kernel's buffer (sized by the
 * interface MTU, sent when full or after a flush timeout): a batch leaves
 * when HA_SYNC_BATCH entries are pending or HA_SYNC_FLUSH after the first
 * of them, and reaches, HA_SEGMENT_DELAY later, the directors with the same
 * sync id whose sync instance is not MASTER, unless a partition or a vrrp
 * block cuts them off then (the batch is lost, as a multicast datagram
 * would be). A sender leaving MASTER, crashing or stopping drops what is
 * pending, as the kernel's master thread frees its buffers when stopped. A
 * receiver keeps the connection ids it has heard of (a bitmap: ids are
 * dense, from 1); a connection whose packets reach it after a failover
 * carries on there instead of breaking (models/client.c asks ha_conn_known).
 *
 * Built by world_new when a director has instances; driven by world_fault
 * and the clients' connection starts. Sizes: instances and VIPs are tens;
 * frames are a few per advert interval per instance.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/ha.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/vrrp/vrrp.h"
#include "models/model.h"
#include "models/ctltimer.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define HA_SEGMENT_DELAY (50 * SIM_USEC)
#define HA_MAX_DIRS 64 /* directors per VIP ownership mask */
#define HA_SYNC_BATCH 50 /* entries per sync message */
#define HA_SYNC_FLUSH SIM_SEC /* the oldest pending entry waits no longer */

struct ha;
struct ha_inst;

/* One connection update in a sync buffer. */
struct ha_sync_ent {
	uint64_t conn;		 /* mconn id */
	bool close;
};

/* A batch of sync entries on its way over the segment. */
struct ha_sync_msg {
	struct ha *ha;
	size_t from;
	size_t n;
	struct ha_sync_ent e[HA_SYNC_BATCH];
};

/* A director's interface: a port on the shared segment. */
struct ha_if {
	const char *name;	 /* the scenario's */
	bool up;
};

/* One director of the HA world. */
struct ha_dir {
	struct ha *ha;
	size_t idx;
	bool running;		 /* its keepalived: started and neither crashed nor stopped */
	bool blocked;		 /* block vrrp: no VRRP frame in or out */
	struct ha_if ifs[SCN_DIRECTOR_MAX_IFS];
	size_t nifs;
	/* lvs_sync_daemon: sync false = none */
	bool sync;
	int sync_id;
	int sync_ifx;		 /* its interface in ifs */
	struct ha_inst *sync_inst; /* NULL: master and backup the whole time */
	struct ha_sync_ent pend[HA_SYNC_BATCH];
	size_t npend;
	struct sim_handle flush; /* HA_SYNC_FLUSH after pend[0] */
	uint64_t *known;	 /* bitmap of connection ids received by sync */
	size_t nknown;		 /* words */
};

/* One vrrp_instance of a director; its env's context. */
struct ha_inst {
	struct ha *ha;
	size_t dir;
	int ifx;		 /* its `interface` in the director's ifs, -1: none */
	struct lb_env env;
	const struct scn_vrrp_instance *cfg;
	struct vrrp_instance *vi;
	enum vrrp_state st;	 /* as last reported */
	struct lb_addr *vips, *evips;
	struct vrrp_peer *peers;
	struct vrrp_track_conf *track;
};

/* A vrrp_script some instance of director <dir> tracks. */
struct ha_script {
	struct ha *ha;
	size_t dir;
	const struct scn_vrrp_script *cfg;
	struct vrrp_script_status st;
	bool running;		 /* its director's keepalived runs */
	bool failing;		 /* a `fail script` fault holds */
	gsl_rng *rng;		 /* lbsim_fail_probability's draws, NULL when 0 */
	struct lb_timer timer;	 /* the next run */
	uint64_t runs, failures;
};

struct ha_vip {
	struct lb_addr addr;
	int arp_dir;		 /* the router's ARP cache: -1 none */
	uint64_t owned;		 /* directors that hold it, one bit each */
};

/* A frame on the segment (or a GARP on its way to the router). */
struct ha_frame {
	struct ha *ha;
	size_t from;
	bool garp;
	uint8_t vrid;
	struct lb_addr tpa;
	size_t len;
	uint8_t b[];
};

struct ha_failover {
	struct run_failover r;
	size_t dir;		 /* the director that failed */
	size_t inst;		 /* its instance, in h->inst (which never moves) */
	uint8_t vrid;
	int new_dir;		 /* became master: -1 not yet */
	bool counted;		 /* the *_during counts are final */
};

/* The requests lost one second after the takeover still belong to the outage. */
#define HA_OUTAGE_TAIL SIM_SEC

struct ha {
	struct world *w;
	struct ha_dir *dirs;
	size_t ndirs;
	struct ha_inst *inst;
	size_t ninst;
	struct vrrp_sync_group **groups;
	size_t ngroups;
	struct ha_script *scripts;
	size_t nscripts;
	struct ha_vip *vips;
	size_t nvips;
	size_t route_hint;		 /* ha_route: the VIP it found last */
	bool *part;		 /* ndirs x ndirs: partitioned pairs */
	struct vrrp_advert *rx;	 /* scratch */
	struct run_transition *tr;
	size_t ntr;
	struct ha_failover *fo;
	size_t nfo;
	unsigned masters[256];	 /* instances in MASTER per VRID */
	sim_time_t split_since[256];
	sim_time_t split_ns;
	bool sync;		 /* some director runs lvs_sync_daemon */
};

/* ---- the env: the simulation's clock, timers and segment ---- */

static int64_t ha_now(void *ctx)
{
	struct ha_inst *in = ctx;

	return sim_now(in->ha->w->sim);
}

static void ha_timer_cancel(void *ctx, struct lb_timer *t)
{
	struct ha_inst *in = ctx;

	ctl_timer_cancel(in->ha->w->ctl, t);
}

/* VRRP timers go with the world's other control-plane timers. */
static void ha_timer_arm(void *ctx, struct lb_timer *t, int64_t at)
{
	struct ha_inst *in = ctx;

	ctl_timer_arm(in->ha->w->ctl, t, at, sim_now(in->ha->w->sim));
}

static void ha_log(void *ctx, int level, const char *fmt, ...)
{
	(void)ctx;
	(void)level;
	(void)fmt;
}

static struct ha_vip *ha_vip_find(struct ha *h, const struct lb_addr *a, bool create)
{
	for (size_t i = 0; i < h->nvips; i++)
		if (lb_addr_eq(&h->vips[i].addr, a))
			return &h->vips[i];
	if (!create)
		return NULL;
	h->vips = xrealloc(h->vips, (h->nvips + 1) * sizeof(*h->vips));
	h->vips[h->nvips] = (struct ha_vip){ .addr = *a, .arp_dir = -1 };
	return &h->vips[h->nvips++];
}

/* Is <vip> one of <in>'s virtual_ipaddress or virtual_ipaddress_excluded? */
static bool ha_inst_owns(const struct ha_inst *in, const struct lb_addr *vip)
{
	for (size_t i = 0; i < in->cfg->nvips; i++)
		if (lb_addr_eq(&in->vips[i], vip))
			return true;
	for (size_t i = 0; i < in->cfg->nvips_excluded; i++)
		if (lb_addr_eq(&in->evips[i], vip))
			return true;
	return false;
}

/* HA_OUTAGE_TAIL after the takeover of failover <arg> (an index: h->fo moves). */
static sim_time_t ha_outage_end(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ha *h = ctx;

	(void)sim;
	h->fo[arg].counted = true;
	return SIM_NOMORE;
}

/*
 * The router heard a GARP for <vip> from director <dir>: the failovers
 * that <dir> took over, of an instance that holds <vip>, complete (a GARP
 * of another instance of <dir> says nothing of theirs).
 */
static void ha_arp_learn(struct ha *h, const struct lb_addr *vip, size_t dir)
{
	struct ha_vip *v = ha_vip_find(h, vip, false);
	sim_time_t now = sim_now(h->w->sim);

	if (!v)
		return;
	v->arp_dir = (int)dir;
	h->w->route_epoch++;
	for (size_t i = 0; i < h->nfo; i++) {
		struct ha_failover *f = &h->fo[i];

		if (f->new_dir == (int)dir && f->r.master_at_s < 0 &&
		    ha_inst_owns(&h->inst[f->inst], vip)) {
			f->r.master_at_s = sim_time_to_sec(now);
			f->r.takeover_s = f->r.master_at_s - f->r.fault_at_s;
			sim_schedule_in(h->w->sim, HA_OUTAGE_TAIL, ha_outage_end, h, i);
		}
	}
}

/* Is interface <ifx> of <d> up? -1 (no interface named) always is. */
static bool ha_if_up(const struct ha_dir *d, int ifx)
{
	return ifx < 0 || d->ifs[ifx].up;
}

/* The index of interface <name> in <d>, added if <add>; -1 if absent (or full). */
static int ha_if_find(struct ha_dir *d, const char *name, bool add)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < d->nifs; i++)
		if (!strcmp(d->ifs[i].name, name))
			return (int)i;
	if (!add || d->nifs == SCN_DIRECTOR_MAX_IFS)
		return -1;
	d->ifs[d->nifs] = (struct ha_if){ .name = name, .up = true };
	return (int)d->nifs++;
}

static bool ha_cut(const struct ha *h, size_t a, size_t b)
{
	return h->part[a * h->ndirs + b] || h->dirs[a].blocked || h->dirs[b].blocked;
}

static sim_time_t ha_frame_arrive(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ha_frame *fr = ctx;
	struct ha *h = fr->ha;

	if (fr->garp) {
		ha_arp_learn(h, &fr->tpa, fr->from);
	} else {
		for (size_t i = 0; i < h->ninst; i++) {
			struct ha_inst *in = &h->inst[i];

			if (in->dir == fr->from || in->cfg->vrid != fr->vrid ||
			    ha_cut(h, fr->from, in->dir) || !ha_if_up(&h->dirs[in->dir], in->ifx))
				continue;
			vrrp_instance_receive_frame(in->vi, fr->b, fr->len);
		}
	}
	free(fr);
	return SIM_NOMORE;
}

static void ha_frame_fin(void *ctx, uint64_t arg)
{
	free(ctx);
}

/*
 * env->send: never delivered synchronously (the state machine may be in the
 * middle of a change); adverts go to the segment, GARPs to the router,
 * neither out of an interface that is down.
 */
static void ha_send(void *ctx, int ifindex, const uint8_t *frame, size_t len)
{
	struct ha_inst *in = ctx;
	struct ha *h = in->ha;
	struct ha_dir *d = &h->dirs[in->dir];
	struct ha_frame *fr;
	struct vrrp_arp arp;
	struct sim_handle sh;
	bool garp = false;

	if (!ha_if_up(d, ifindex))
		return;
	if (len >= VRRP_ETH_HLEN && frame[12] == 0x08 && frame[13] == 0x06) {
		if (vrrp_arp_decode(frame, len, &arp) || !vrrp_arp_is_garp(&arp))
			return;
		garp = true;
	} else if (d->blocked || vrrp_frame_decode(frame, len, h->rx)) {
		return; /* blocked, or an IPv6 neighbour advertisement: no ARP entry */
	} else if (h->w->vrrp_tap) {
		struct world_vrrp_pkt pkt = {
			.director = h->w->dirs[d->idx].cfg->name,
			.instance = in->cfg->name,
			.ifname = in->ifx >= 0 ? d->ifs[in->ifx].name : NULL,
			.vrid = h->rx->vrid,
			.priority = h->rx->priority,
		};

		h->w->vrrp_tap(h->w->vrrp_tap_ctx, sim_now(h->w->sim), &pkt);
	}
	fr = xmalloc(sizeof(*fr) + len);
	*fr = (struct ha_frame){ .ha = h, .from = d->idx, .garp = garp, .len = len };
	if (garp)
		fr->tpa = arp.tpa;
	else
		fr->vrid = h->rx->vrid;
	memcpy(fr->b, frame, len);
	sh = sim_schedule_in(h->w->sim, HA_SEGMENT_DELAY, ha_frame_arrive, fr, 0);
	sim_set_fin(h->w->sim, sh, ha_frame_fin);
}

/* ---- connection sync ---- */

/* Does director <d> run the sync master thread now (its instance is MASTER)? */
static bool ha_sync_master(const struct ha_dir *d)
{
	return d->sync && (!d->sync_inst || d->sync_inst->st == VRRP_STATE_MASTER);
}

/* Does director <d> run the sync backup thread now? */
static bool ha_sync_backup(const struct ha_dir *d)
{
	return d->sync && (!d->sync_inst || d->sync_inst->st != VRRP_STATE_MASTER);
}

/* Director <d> now knows connection <conn> (on), or no longer (off). */
static void ha_known_set(struct ha_dir *d, uint64_t conn, bool on)
{
	size_t w = (size_t)(conn / 64);
	uint64_t bit = (uint64_t)1 << (conn % 64);

	if (w >= d->nknown) {
		size_t n = d->nknown ? d->nknown : 64;

		if (!on)
			return;
		while (n <= w)
			n *= 2;
		d->known = xrealloc(d->known, n * sizeof(*d->known));
		memset(d->known + d->nknown, 0, (n - d->nknown) * sizeof(*d->known));
		d->nknown = n;
	}
	if (on)
		d->known[w] |= bit;
	else
		d->known[w] &= ~bit;
}

/* A sync batch reaches the segment: the backups with its sync id take it in. */
static sim_time_t ha_sync_arrive(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ha_sync_msg *m = ctx;
	struct ha *h = m->ha;
	int id = h->dirs[m->from].sync_id;

	for (size_t i = 0; i < h->ndirs; i++) {
		struct ha_dir *d = &h->dirs[i];

		if (i == m->from || !ha_sync_backup(d) || d->sync_id != id || h->w->dirs[i].down ||
		    ha_cut(h, m->from, i) || !ha_if_up(d, d->sync_ifx))
			continue;
		for (size_t k = 0; k < m->n; k++)
			ha_known_set(d, m->e[k].conn, !m->e[k].close);
	}
	free(m);
	return SIM_NOMORE;
}

/* Forget <d>'s pending entries and its flush timer. */
static void ha_sync_drop(struct ha_dir *d)
{
	if (d->flush.ev)
		sim_cancel(d->ha->w->sim, d->flush);
	d->flush = (struct sim_handle){ 0 };
	d->npend = 0;
}

/* Send <d>'s pending entries as one batch (the message owns a copy). */
static void ha_sync_send(struct ha_dir *d)
{
	struct ha *h = d->ha;
	struct ha_sync_msg *m;
	struct sim_handle sh;

	if (!d->npend)
		return;
	if (!ha_if_up(d, d->sync_ifx)) {
		ha_sync_drop(d); /* the datagram cannot leave */
		return;
	}
	m = xmalloc(sizeof(*m));
	m->ha = h;
	m->from = d->idx;
	m->n = d->npend;
	memcpy(m->e, d->pend, d->npend * sizeof(*d->pend));
	ha_sync_drop(d);
	sh = sim_schedule_in(h->w->sim, HA_SEGMENT_DELAY, ha_sync_arrive, m, 0);
	sim_set_fin(h->w->sim, sh, ha_frame_fin);
}

static sim_time_t ha_sync_flush(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ha_dir *d = ctx;

	d->flush = (struct sim_handle){ 0 };
	ha_sync_send(d);
	return SIM_NOMORE;
}

/* Director <dir> saw connection <conn> open (or close): one entry if it syncs now. */
static void ha_sync_push(struct ha *h, size_t dir, uint64_t conn, bool close)
{
	struct ha_dir *d = &h->dirs[dir];

	if (!ha_sync_master(d))
		return;
	d->pend[d->npend++] = (struct ha_sync_ent){ .conn = conn, .close = close };
	if (d->npend == HA_SYNC_BATCH)
		ha_sync_send(d);
	else if (d->npend == 1)
		d->flush = sim_schedule_in(h->w->sim, HA_SYNC_FLUSH, ha_sync_flush, d, 0);
}

/* Director <dir> scheduled connection <conn> now (or took it over by sync). */
void ha_conn_open(struct ha *h, size_t dir, uint64_t conn)
{
	ha_sync_push(h, dir, conn, false);
}

/* Connection <conn> closed through director <dir> now. */
void ha_conn_close(struct ha *h, size_t dir, uint64_t conn)
{
	ha_sync_push(h, dir, conn, true);
}

/* Has director <dir> heard of connection <conn> by sync (and not of its close)? */
bool ha_conn_known(const struct ha *h, size_t dir, uint64_t conn)
{
	const struct ha_dir *d = &h->dirs[dir];
	size_t w = (size_t)(conn / 64);

	return w < d->nknown && (d->known[w] >> (conn % 64) & 1);
}

/* ---- callbacks ---- */

/*
 * Into <buf> (<len> bytes, at least 4): addresses <a>[0..<n>) as "a,b,c".
 * When the next one would not fit with room left for ",...", that ends the
 * text: a reader sees the list was cut, never half an address.
 */
static void ha_vips_text(char *buf, size_t len, const struct lb_addr *a, size_t n)
{
	char one[LB_ADDR_STRLEN];
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(lb_addr_fmt(&a[i], one, sizeof(one))) + (i > 0);

		/* the last one needs no room for ",..." after it */
		if (pos + k + (i + 1 < n ? 4 : 0) >= len) {
			snprintf(buf + pos, len - pos, "%s...", i ? "," : "");
			return;
		}
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", i ? "," : "", one);
	}
}

/*
 * Instance <in>, MASTER until now, leaves by a fault: its VRID fails over.
 * The failover is the instance's (one per instance, even when a fault moves
 * several): it is named by the instance, its VIPs and its director.
 */
static void ha_failover_open(struct ha *h, const struct ha_inst *in)
{
	struct ha_failover *f;

	h->fo = xrealloc(h->fo, (h->nfo + 1) * sizeof(*h->fo));
	f = &h->fo[h->nfo++];
	*f = (struct ha_failover){ .dir = in->dir, .inst = (size_t)(in - h->inst),
				   .vrid = (uint8_t)in->cfg->vrid, .new_dir = -1 };
	snprintf(f->r.instance, sizeof(f->r.instance), "%s", in->cfg->name);
	ha_vips_text(f->r.vips, sizeof(f->r.vips), in->vips, in->cfg->nvips);
	snprintf(f->r.from, sizeof(f->r.from), "%s", h->w->dirs[in->dir].cfg->name);
	f->r.fault_at_s = sim_time_to_sec(sim_now(h->w->sim));
	f->r.detected_s = f->r.master_at_s = f->r.takeover_s = -1;
	f->r.synced_connections = h->sync ? 0 : -1;
}

static void ha_note_state(struct ha_inst *in, enum vrrp_state from, enum vrrp_state to)
{
	struct ha *h = in->ha;
	sim_time_t now = sim_now(h->w->sim);
	uint8_t vrid = (uint8_t)in->cfg->vrid;
	struct run_transition *t;

	if (from == to)
		return;
	in->st = to;
	h->tr = xrealloc(h->tr, (h->ntr + 1) * sizeof(*h->tr));
	t = &h->tr[h->ntr++];
	memset(t, 0, sizeof(*t));
	t->t_s = sim_time_to_sec(now);
	snprintf(t->director, sizeof(t->director), "%s", h->w->dirs[in->dir].cfg->name);
	snprintf(t->instance, sizeof(t->instance), "%s", in->cfg->name);
	snprintf(t->from, sizeof(t->from), "%s", vrrp_state_name(from));
	snprintf(t->to, sizeof(t->to), "%s", vrrp_state_name(to));
	if (to == VRRP_STATE_MASTER) {
		if (++h->masters[vrid] == 2)
			h->split_since[vrid] = now;
		for (size_t i = 0; i < h->nfo; i++) {
			struct ha_failover *f = &h->fo[i];

			if (f->vrid == vrid && f->dir != in->dir && f->new_dir < 0) {
				f->new_dir = (int)in->dir;
				f->r.detected_s = t->t_s;
				snprintf(f->r.to, sizeof(f->r.to), "%s", t->director);
			}
		}
	} else if (from == VRRP_STATE_MASTER) {
		if (h->masters[vrid]-- == 2)
			h->split_ns += now - h->split_since[vrid];
		/* keepalived stops the sync master thread: its buffer is freed */
		if (h->dirs[in->dir].sync_inst == in)
			ha_sync_drop(&h->dirs[in->dir]);
		/* a tracked script or interface failed: the VIPs must move */
		if (to == VRRP_STATE_FAULT)
			ha_failover_open(h, in);
	}
}

static void ha_state_cb(void *arg, struct vrrp_instance *vi, enum vrrp_state from,
			enum vrrp_state to)
{
	(void)vi;
	ha_note_state(arg, from, to);
}

static void ha_vips_cb(void *arg, struct vrrp_instance *vi, bool add)
{
	struct ha_inst *in = arg;
	const struct vrrp_instance_conf *c = vrrp_instance_conf(vi);
	uint64_t bit = (uint64_t)1 << in->dir;

	for (size_t i = 0; i < c->nvips; i++) {
		struct ha_vip *v = ha_vip_find(in->ha, &c->vips[i], add);

		if (!v)
			continue;
		if (add) {
			v->owned |= bit;
			if (v->arp_dir < 0)
				v->arp_dir = (int)in->dir;
		} else {
			v->owned &= ~bit;
		}
	}
	in->ha->w->route_epoch++;
}

/* ---- building ---- */

static uint8_t ha_auth(enum scn_vrrp_auth a)
{
	switch (a) {
	case SCN_VRRP_AUTH_PASS:
		return VRRP_AUTH_PASS;
	case SCN_VRRP_AUTH_AH:
		return VRRP_AUTH_AH;
	default:
		return VRRP_AUTH_NONE;
	}
}

/* The status vrrp_script <name> of <d> starts with: init_fail says DOWN. */
static enum vrrp_track_status ha_script_init(const struct scn_director *d, const char *name)
{
	for (size_t i = 0; i < d->nscripts; i++)
		if (!strcmp(d->scripts[i].name, name))
			return d->scripts[i].init_fail ? VRRP_TRACK_DOWN : VRRP_TRACK_UNKNOWN;
	return VRRP_TRACK_UNKNOWN;
}

/* scn_vrrp_instance -> vrrp_instance_conf of director <dir>; arrays go into <in>. */
static void ha_conf(struct ha_inst *in, const struct scn_director *d, size_t dir,
		    struct vrrp_instance_conf *c)
{
	const struct scn_vrrp_instance *s = in->cfg;
	size_t nt = s->ntrack_if + s->ntrack_script;

	vrrp_instance_conf_init(c);
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->ifindex = in->ifx;
	c->mac[0] = 0x02;
	c->mac[5] = (uint8_t)(dir + 1);
	if (s->unicast_src.af)
		c->saddr = s->unicast_src;
	else if (s->mcast_src.af)
		c->saddr = s->mcast_src;
	else
		c->saddr = (struct lb_addr){ .af = LB_AF_INET,
					     .u.v4 = 0xc0000200u + (uint32_t)(dir + 1) };
	/* vrrp_mcast_group4 (224.0.0.18 unless set) is IPv4's: IPv6 keeps ff02::12 */
	if (d->vrrp.mcast_group4.af && c->saddr.af == LB_AF_INET)
		c->mcast_dst = d->vrrp.mcast_group4;
	c->vrid = (uint8_t)s->vrid;
	c->version = (uint8_t)s->version;
	c->priority = (uint8_t)s->priority;
	c->state = s->state_master ? VRRP_CONF_STATE_MASTER : VRRP_CONF_STATE_BACKUP;
	c->adver_int_us = s->advert_int_us;
	c->auth_type = ha_auth(s->auth_type);
	snprintf(c->auth_pass, sizeof(c->auth_pass), "%s", s->auth_pass);
	in->vips = xcalloc(s->nvips + 1, sizeof(*in->vips));
	for (size_t i = 0; i < s->nvips; i++)
		in->vips[i] = s->vips[i].addr;
	c->vips = in->vips;
	c->nvips = s->nvips;
	in->evips = xcalloc(s->nvips_excluded + 1, sizeof(*in->evips));
	for (size_t i = 0; i < s->nvips_excluded; i++)
		in->evips[i] = s->vips_excluded[i].addr;
	c->evips = in->evips;
	c->nevips = s->nvips_excluded;
	c->nopreempt = s->nopreempt;
	c->preempt_delay_us = s->preempt_delay_ns / SIM_USEC;
	in->peers = xcalloc(s->nunicast_peers + 1, sizeof(*in->peers));
	for (size_t i = 0; i < s->nunicast_peers; i++)
		in->peers[i].addr = s->unicast_peers[i];
	c->peers = in->peers;
	c->npeers = s->nunicast_peers;
	c->garp_master_delay_us = (int64_t)s->garp_master_delay_s * VRRP_US_PER_S;
	c->garp_master_repeat = s->garp_master_repeat;
	c->garp_master_refresh_us = (int64_t)s->garp_master_refresh_s * VRRP_US_PER_S;
	c->garp_master_refresh_repeat = s->garp_master_refresh_repeat;
	c->garp_lower_prio_delay_us = (int64_t)s->garp_lower_prio_delay_s * VRRP_US_PER_S;
	c->garp_lower_prio_repeat = s->garp_lower_prio_repeat;
	c->lower_prio_no_advert = s->lower_prio_no_advert > 0;
	c->higher_prio_send_advert = s->higher_prio_send_advert > 0;
	c->down_timer_adverts = s->down_timer_adverts;
	c->strict_mode = s->strict > 0;
	c->startup_delay_us = d->vrrp.startup_delay_ns / SIM_USEC;
	/* interfaces first, then scripts: ha_fault finds a script at ntrack_if + k */
	in->track = xcalloc(nt + 1, sizeof(*in->track));
	for (size_t i = 0; i < nt; i++) {
		bool script = i >= s->ntrack_if;
		const struct scn_vrrp_track *t =
			script ? &s->track_script[i - s->ntrack_if] : &s->track_if[i];
		struct vrrp_track_conf *o = &in->track[i];

		snprintf(o->name, sizeof(o->name), "%s", t->name);
		o->kind = script ? VRRP_TRACK_SCRIPT : VRRP_TRACK_INTERFACE;
		o->weight = t->weight;
		o->reverse = t->reverse;
		/* interfaces start up; a script is unknown until its first run */
		o->init = script ? ha_script_init(d, t->name) : VRRP_TRACK_UP;
	}
	c->track = in->track;
	c->ntrack = nt;
}

/*
 * Join director <dir>'s instances into its vrrp_sync_groups (the instances
 * exist, not started). Returns 0, or -EINVAL with a message in <err> when a
 * group names an instance the director lacks or one already in a group.
 */
static int ha_groups_new(struct ha *h, size_t dir, char *err, size_t errlen)
{
	const struct scn_director *sd = h->w->dirs[dir].cfg;

	for (size_t g = 0; g < sd->nsync_groups; g++) {
		const struct scn_vrrp_sync_group *sg = &sd->sync_groups[g];
		struct vrrp_sync_group *grp = vrrp_sync_group_new(sg->name, false, NULL);

		h->groups = xrealloc(h->groups, (h->ngroups + 1) * sizeof(*h->groups));
		h->groups[h->ngroups++] = grp;
		for (size_t k = 0; k < sg->ninstances; k++) {
			const struct scn_loc *loc =
				sg->instance_locs ? &sg->instance_locs[k] : &sg->loc;
			struct ha_inst *in = NULL;

			for (size_t i = 0; i < h->ninst && !in; i++)
				if (h->inst[i].dir == dir &&
				    !strcmp(h->inst[i].cfg->name, sg->instances[k]))
					in = &h->inst[i];
			if (!in || vrrp_sync_group_add(grp, in->vi)) {
				snprintf(err, errlen,
					 "%s:%d:%d: error: vrrp_sync_group %s: instance %s %s",
					 loc->file, loc->line, loc->col, sg->name, sg->instances[k],
					 in ? "is already in a group" : "does not exist");
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * The interfaces director <sd>'s keepalived configuration names, all up:
 * the same list `fault { down interface }` accepts (scenarios/lang).
 */
static void ha_ifs_new(struct ha_dir *d, const struct scn_director *sd)
{
	for (size_t i = 0; i < sd->ninstances; i++) {
		const struct scn_vrrp_instance *v = &sd->instances[i];

		ha_if_find(d, v->interface, true);
		for (size_t k = 0; k < v->ntrack_if; k++)
			ha_if_find(d, v->track_if[k].name, true);
	}
	ha_if_find(d, sd->vrrp.sync_if, true);
}

static void ha_script_fire(struct lb_timer *t);

/* Director <dir>'s vrrp_scripts that some instance of it tracks (keepalived runs no other). */
static void ha_scripts_new(struct ha *h, size_t dir)
{
	const struct scn_director *sd = h->w->dirs[dir].cfg;

	for (size_t i = 0; i < sd->nscripts; i++) {
		const struct scn_vrrp_script *sc = &sd->scripts[i];
		struct ha_script *s;
		bool tracked = false;

		for (size_t k = 0; k < sd->ninstances && !tracked; k++)
			for (size_t j = 0; j < sd->instances[k].ntrack_script && !tracked; j++)
				tracked = !strcmp(sd->instances[k].track_script[j].name, sc->name);
		if (!tracked)
			continue;
		h->scripts = xrealloc(h->scripts, (h->nscripts + 1) * sizeof(*h->scripts));
		s = &h->scripts[h->nscripts++];
		*s = (struct ha_script){ .ha = h, .dir = dir, .cfg = sc };
		vrrp_script_status_init(&s->st, (int)sc->rise, (int)sc->fall, sc->init_fail);
		if (sc->fail_probability > 0) {
			char name[160];

			snprintf(name, sizeof(name), "director.%s.vrrp_script.%s", sd->name,
				 sc->name);
			s->rng = rng_stream_new(h->w->seed, name);
		}
	}
}

/*
 * Build the VRRP instances of every director of <w> (not started). Returns
 * 0 and *out (NULL when no director has an instance; else owned by the
 * caller, freed with ha_free), or -EINVAL with a message in <err>.
 */
int ha_new(struct world *w, struct ha **out, char *err, size_t errlen)
{
	struct ha *h;
	size_t n = 0;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < w->ndirs; i++)
		n += w->dirs[i].cfg->ninstances;
	if (!n)
		return 0;
	if (w->ndirs > HA_MAX_DIRS) {
		snprintf(err, errlen, "%s: VRRP with more than %d directors is not modelled",
			 w->scn->path, HA_MAX_DIRS);
		return -EINVAL;
	}
	h = xcalloc(1, sizeof(*h));
	h->w = w;
	w->route_epoch = 1; /* vs route_epoch 0: every cache starts stale */
	h->ndirs = w->ndirs;
	h->dirs = xcalloc(h->ndirs, sizeof(*h->dirs));
	h->part = xcalloc(h->ndirs * h->ndirs, sizeof(*h->part));
	h->inst = xcalloc(n, sizeof(*h->inst));
	h->rx = xmalloc(sizeof(*h->rx));
	for (size_t i = 0; i < h->ndirs; i++) {
		struct ha_dir *d = &h->dirs[i];
		const struct scn_director *sd = w->dirs[i].cfg;

		d->ha = h;
		d->idx = i;
		d->sync_ifx = -1;
		ha_ifs_new(d, sd);
		ha_scripts_new(h, i);
		for (size_t k = 0; k < sd->ninstances; k++) {
			struct ha_inst *in = &h->inst[h->ninst];
			struct vrrp_callbacks cb = { .arg = in, .state = ha_state_cb,
						     .vips = ha_vips_cb };
			struct vrrp_instance_conf c;

			*in = (struct ha_inst){ .ha = h, .dir = i, .cfg = &sd->instances[k] };
			in->ifx = ha_if_find(d, in->cfg->interface, false);
			in->env = (struct lb_env){ .ctx = in, .now_ns = ha_now,
						   .timer_arm = ha_timer_arm,
						   .timer_cancel = ha_timer_cancel, .send = ha_send,
						   .log = ha_log };
			ha_conf(in, sd, i, &c);
			h->ninst++;
			rc = vrrp_instance_new(&c, &in->env, &cb, &in->vi);
			if (rc) {
				snprintf(err, errlen, "%s:%d:%d: error: vrrp_instance %s: %s",
					 in->cfg->loc.file, in->cfg->loc.line, in->cfg->loc.col,
					 in->cfg->name, strerror(-rc));
				ha_free(h);
				return rc;
			}
		}
		rc = ha_groups_new(h, i, err, errlen);
		if (rc) {
			ha_free(h);
			return rc;
		}
	}
	for (size_t i = 0; i < h->ndirs; i++) {
		const struct scn_vrrp_globals *g = &w->dirs[i].cfg->vrrp;
		struct ha_dir *d = &h->dirs[i];

		if (!g->sync_if)
			continue;
		d->sync = h->sync = w->ha_sync = true;
		d->sync_id = g->sync_id;
		d->sync_ifx = ha_if_find(d, g->sync_if, false);
		for (size_t k = 0; g->sync_inst && k < h->ninst; k++)
			if (h->inst[k].dir == i && !strcmp(h->inst[k].cfg->name, g->sync_inst))
				d->sync_inst = &h->inst[k];
	}
	/* h->scripts moves no more: the timers may point into it */
	for (size_t i = 0; i < h->nscripts; i++)
		h->scripts[i].timer = (struct lb_timer){ .fn = ha_script_fire,
							 .data = &h->scripts[i] };
	*out = h;
	return 0;
}

void ha_free(struct ha *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ninst; i++) {
		vrrp_instance_free(h->inst[i].vi);
		free(h->inst[i].vips);
		free(h->inst[i].evips);
		free(h->inst[i].peers);
		free(h->inst[i].track);
	}
	for (size_t i = 0; i < h->nscripts; i++) {
		if (h->scripts[i].running)
			ctl_timer_cancel(h->w->ctl, &h->scripts[i].timer);
		rng_stream_free(h->scripts[i].rng);
	}
	free(h->scripts);
	for (size_t i = 0; i < h->ngroups; i++)
		vrrp_sync_group_free(h->groups[i]);
	free(h->groups);
	free(h->inst);
	for (size_t i = 0; i < h->ndirs; i++)
		free(h->dirs[i].known);
	free(h->dirs);
	free(h->part);
	free(h->vips);
	free(h->rx);
	free(h->tr);
	free(h->fo);
	free(h);
}

/* The instances of director <dir> that track script <s>: set their tracker to <st>. */
static void ha_script_push(struct ha *h, const struct ha_script *s, enum vrrp_track_status st)
{
	for (size_t i = 0; i < h->ninst; i++) {
		struct ha_inst *in = &h->inst[i];

		if (in->dir != s->dir)
			continue;
		for (size_t k = 0; k < in->cfg->ntrack_script; k++)
			if (!strcmp(in->cfg->track_script[k].name, s->cfg->name))
				vrrp_instance_set_track_status(in->vi, in->cfg->ntrack_if + k, st);
	}
}

/*
 * One run of script <t->data>: it exits at once, failed while a `fail
 * script` fault holds or when its lbsim_fail_probability draw says so (the
 * draw is made on every run, so a fault does not shift the stream). The
 * result goes through rise/fall; a change of status reaches the instances.
 * The next run is `interval` later.
 */
static void ha_script_fire(struct lb_timer *t)
{
	struct ha_script *s = t->data;
	struct ha *h = s->ha;
	sim_time_t now = sim_now(h->w->sim);
	enum vrrp_track_status before = vrrp_script_status_get(&s->st), after;
	bool ok = true;

	if (s->rng && gsl_rng_uniform(s->rng) < s->cfg->fail_probability)
		ok = false;
	if (s->failing)
		ok = false;
	s->runs++;
	s->failures += !ok;
	after = vrrp_script_status_result(&s->st, ok);
	if (after != before)
		ha_script_push(h, s, after);
	ctl_timer_arm(h->w->ctl, &s->timer, now + (sim_time_t)s->cfg->interval_s * SIM_SEC, now);
}

/*
 * Director <dir>'s keepalived starts (boot or recover): its scripts forget
 * their results (init_fail: failed) and the instances tracking them hear
 * so; the instances then start (FAULT for a weight-0 script still
 * unknown); each script's first run is launched now, as an event after
 * this one (and after faults due at this very time).
 */
static void ha_dir_start(struct ha *h, size_t dir)
{
	sim_time_t now = sim_now(h->w->sim);

	h->dirs[dir].running = true;
	for (size_t i = 0; i < h->nscripts; i++) {
		struct ha_script *s = &h->scripts[i];

		if (s->dir != dir)
			continue;
		vrrp_script_status_init(&s->st, (int)s->cfg->rise, (int)s->cfg->fall,
					s->cfg->init_fail);
		ha_script_push(h, s, vrrp_script_status_get(&s->st));
	}
	for (size_t i = 0; i < h->ninst; i++)
		if (h->inst[i].dir == dir)
			vrrp_instance_start(h->inst[i].vi);
	for (size_t i = 0; i < h->nscripts; i++) {
		struct ha_script *s = &h->scripts[i];

		if (s->dir != dir)
			continue;
		s->running = true;
		ctl_timer_arm(h->w->ctl, &s->timer, now, now);
	}
}

/* Director <dir>'s keepalived dies or stops: its scripts run no more. */
static void ha_dir_scripts_stop(struct ha *h, size_t dir)
{
	h->dirs[dir].running = false;
	for (size_t i = 0; i < h->nscripts; i++) {
		struct ha_script *s = &h->scripts[i];

		if (s->dir != dir || !s->running)
			continue;
		ctl_timer_cancel(h->w->ctl, &s->timer);
		s->running = false;
	}
}

/*
 * Runs of vrrp_script <script> of director <dir> so far into *runs, and the
 * failed ones into *failures. Returns 0, or -ENOENT when no instance of
 * that director tracks such a script (it never runs).
 */
int ha_script_counts(const struct ha *h, const char *dir, const char *script, uint64_t *runs,
		     uint64_t *failures)
{
	for (size_t i = 0; i < h->nscripts; i++) {
		const struct ha_script *s = &h->scripts[i];

		if (!strcmp(h->w->dirs[s->dir].cfg->name, dir) && !strcmp(s->cfg->name, script)) {
			*runs = s->runs;
			*failures = s->failures;
			return 0;
		}
	}
	return -ENOENT;
}

/* Start every director's keepalived, as when the directors boot at time 0. */
void ha_start(struct ha *h)
{
	for (size_t i = 0; i < h->ndirs; i++)
		ha_dir_start(h, i);
}

static int ha_dir_find(const struct ha *h, const char *name)
{
	for (size_t i = 0; name && i < h->ndirs; i++)
		if (!strcmp(h->w->dirs[i].cfg->name, name))
			return (int)i;
	return -1;
}

/* Director <dir> crashes or stops now: each VRID it is master of fails over. */
static void ha_failover_open_dir(struct ha *h, size_t dir)
{
	for (size_t i = 0; i < h->ninst; i++)
		if (h->inst[i].dir == dir && h->inst[i].st == VRRP_STATE_MASTER)
			ha_failover_open(h, &h->inst[i]);
}

/* Script <name> of director <dir> fails from its next run on (or succeeds again). */
static void ha_script(struct ha *h, int dir, const char *name, bool failing)
{
	for (size_t i = 0; i < h->nscripts; i++)
		if ((int)h->scripts[i].dir == dir && !strcmp(h->scripts[i].cfg->name, name))
			h->scripts[i].failing = failing;
}

/*
 * Interface <name> of director <dir> goes down or up now. First the
 * instances on it (their link), then those tracking it, so that a master
 * dragged into FAULT by its sync group sends its priority-0 advert only on
 * an interface that still works.
 */
static void ha_iface(struct ha *h, int dir, const char *name, bool up)
{
	struct ha_dir *d = &h->dirs[dir];
	int ifx = ha_if_find(d, name, false);

	if (ifx < 0 || d->ifs[ifx].up == up)
		return;
	d->ifs[ifx].up = up;
	if (!up && d->sync_ifx == ifx)
		ha_sync_drop(d);
	for (size_t i = 0; i < h->ninst; i++)
		if ((int)h->inst[i].dir == dir && h->inst[i].ifx == ifx)
			vrrp_instance_set_link(h->inst[i].vi, up);
	for (size_t i = 0; i < h->ninst; i++) {
		struct ha_inst *in = &h->inst[i];

		if ((int)in->dir != dir)
			continue;
		for (size_t k = 0; k < in->cfg->ntrack_if; k++)
			if (!strcmp(in->cfg->track_if[k].name, name))
				vrrp_instance_set_track(in->vi, k, up);
	}
}

/*
 * A fault of the scenario happens now (world_fault has already marked a
 * crashed or stopped director down): crash kills its instances (no advert,
 * the VIPs stay where they were), stop sends the priority-0 advert, recover
 * restarts them; the VRRP faults act on the segment, the scripts and the
 * directors' interfaces.
 */
void ha_fault(struct ha *h, const struct scn_fault *f)
{
	int a = ha_dir_find(h, f->name), b;

	switch (f->kind) {
	case SCN_FAULT_CRASH_DIRECTOR:
	case SCN_FAULT_STOP_DIRECTOR:
		if (a < 0)
			break;
		ha_failover_open_dir(h, (size_t)a);
		/* the sync threads stop: what is pending is lost (the table survives) */
		ha_sync_drop(&h->dirs[a]);
		ha_dir_scripts_stop(h, (size_t)a);
		for (size_t i = 0; i < h->ninst; i++) {
			struct ha_inst *in = &h->inst[i];

			if ((int)in->dir != a)
				continue;
			if (f->kind == SCN_FAULT_STOP_DIRECTOR) {
				vrrp_instance_stop(in->vi);
			} else {
				/* kill reports nothing: the transition is ours to note */
				vrrp_instance_kill(in->vi);
				ha_note_state(in, in->st, VRRP_STATE_INIT);
			}
		}
		break;
	case SCN_FAULT_RECOVER_DIRECTOR:
		/* a keepalived that runs is left alone */
		if (a >= 0 && !h->dirs[a].running)
			ha_dir_start(h, (size_t)a);
		break;
	case SCN_FAULT_PARTITION:
		b = ha_dir_find(h, f->name2);
		if (a >= 0 && b >= 0) {
			h->part[(size_t)a * h->ndirs + (size_t)b] = true;
			h->part[(size_t)b * h->ndirs + (size_t)a] = true;
		}
		break;
	case SCN_FAULT_HEAL:
		memset(h->part, 0, h->ndirs * h->ndirs * sizeof(*h->part));
		break;
	case SCN_FAULT_BLOCK_VRRP:
	case SCN_FAULT_UNBLOCK_VRRP:
		if (a >= 0)
			h->dirs[a].blocked = f->kind == SCN_FAULT_BLOCK_VRRP;
		break;
	case SCN_FAULT_FAIL_SCRIPT:
	case SCN_FAULT_RECOVER_SCRIPT:
		b = ha_dir_find(h, f->name2);
		if (b >= 0)
			ha_script(h, b, f->name, f->kind == SCN_FAULT_FAIL_SCRIPT);
		break;
	case SCN_FAULT_DOWN_INTERFACE:
	case SCN_FAULT_UP_INTERFACE:
		b = ha_dir_find(h, f->name2);
		if (b >= 0)
			ha_iface(h, b, f->name, f->kind == SCN_FAULT_UP_INTERFACE);
		break;
	default:
		break;
	}
}

/*
 * The director the router sends packets for <vip> to now: its ARP cache
 * entry, or -1 when it has none or that director does not hold the VIP
 * (then the packets are lost).
 */
static inline bool ha_addr_is(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->af != b->af)
		return false;
	return a->af == LB_AF_INET ? a->u.v4 == b->u.v4 : !memcmp(a->u.v6, b->u.v6, 16);
}

int ha_route(const struct ha *h, const struct lb_addr *vip)
{
	/* Once per packet: the VIP found last time is tried first (a hint, never state). */
	size_t i = h->route_hint;
	const struct ha_vip *v;

	if (i >= h->nvips || !ha_addr_is(&h->vips[i].addr, vip)) {
		for (i = 0; i < h->nvips && !ha_addr_is(&h->vips[i].addr, vip); i++)
			;
		if (i == h->nvips)
			return -1;
		((struct ha *)h)->route_hint = i;
	}
	v = &h->vips[i];
	if (v->arp_dir < 0 || !(v->owned & ((uint64_t)1 << v->arp_dir)))
		return -1;
	return v->arp_dir;
}

/*
 * The failover a connection to <vip> that moved now belongs to: the latest
 * of an instance that holds <vip>. NULL when there is none: the VIP moved
 * without a fault of its instance (a split brain, a preemption), and
 * counting it on another instance's failover would be wrong.
 */
static struct ha_failover *ha_failover_owning(struct ha *h, const struct lb_addr *vip)
{
	for (size_t i = h->nfo; i-- > 0;)
		if (ha_inst_owns(&h->inst[h->fo[i].inst], vip))
			return &h->fo[i];
	return NULL;
}

/* An established connection to <vip> broke on a new master (see ha_failover_owning). */
void ha_count_broken(struct ha *h, const struct lb_addr *vip)
{
	struct ha_failover *f = ha_failover_owning(h, vip);

	if (f)
		f->r.broken_connections++;
}

/* An established connection to <vip> carried on on a new master thanks to sync. */
void ha_count_synced(struct ha *h, const struct lb_addr *vip)
{
	struct ha_failover *f = ha_failover_owning(h, vip);

	if (f)
		f->r.synced_connections++;
}

/*
 * Requests of a client whose target is <vip> ended now, counted in the
 * run's results (after warm-up): <failed> failed, <timed_out> of them
 * answered too late, <refused> refused. Each failover of an instance that
 * holds <vip> and is still in its outage (ha_outage_end) counts them too.
 * Called by world_count_answer and world_count_lost.
 */
void ha_count_lost(struct ha *h, const struct lb_addr *vip, uint64_t failed,
		   uint64_t timed_out, uint64_t refused)
{
	for (size_t i = 0; i < h->nfo; i++) {
		struct ha_failover *f = &h->fo[i];

		if (f->counted || !ha_inst_owns(&h->inst[f->inst], vip))
			continue;
		f->r.failed_during += (int64_t)failed;
		f->r.timed_out_during += (int64_t)timed_out;
		f->r.refused_during += (int64_t)refused;
	}
}

/* Copy transitions, failovers and the split-brain time into <r>. */
void ha_fill_result(const struct ha *h, struct run_result *r)
{
	sim_time_t now = sim_now(h->w->sim), split = h->split_ns;

	r->ha = true;
	r->transitions = xcalloc(h->ntr + 1, sizeof(*r->transitions));
	memcpy(r->transitions, h->tr, h->ntr * sizeof(*h->tr));
	r->ntransitions = h->ntr;
	r->failovers = xcalloc(h->nfo + 1, sizeof(*r->failovers));
	/* no takeover, or its tail went past the end: counted up to now */
	for (size_t i = 0; i < h->nfo; i++)
		r->failovers[i] = h->fo[i].r;
	r->nfailovers = h->nfo;
	for (size_t v = 0; v < 256; v++)
		if (h->masters[v] >= 2)
			split += now - h->split_since[v];
	r->split_brain_s = sim_time_to_sec(split);
}
