/*
 * algorithms/ipvs/service.h - an IPVS virtual service and its destinations.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_IPVS_SERVICE_H
#define LBSIM_ALGORITHMS_IPVS_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "algorithms/env.h"
#include "algorithms/wire/addr.h"

struct lb_sched_ops;

/* Which kernel's connection-overhead and overload rules (spec 1.3, 1.4). */
enum lb_profile {
	LB_PROFILE_CURRENT = 0,
	LB_PROFILE_LEGACY,
	/* count, keep last */
	LB_PROFILE_COUNT
};

enum lb_kind {
	LB_KIND_NAT = 0,
	LB_KIND_DR,
	LB_KIND_TUN,
	/* count, keep last */
	LB_KIND_COUNT
};

#define LB_DEST_F_AVAILABLE 0x1u
#define LB_DEST_F_OVERLOAD 0x2u

/* A service's scheduler flags (ipvsadm -b / keepalived keywords), svc->conf.flags;
 * not the schedulers' own LB_SCHED_F_* properties (algorithms/sched/sched.h). */
#define LB_SVC_F_SH_FALLBACK 0x1u
#define LB_SVC_F_SH_PORT 0x2u
#define LB_SVC_F_MH_FALLBACK 0x4u
#define LB_SVC_F_MH_PORT 0x8u

struct lb_dest {
	struct lb_addr addr;
	uint16_t port;
	int weight;	       /* >= 0; 0 = quiesced */
	int last_weight;       /* latest non-zero weight (mh) */
	uint32_t u_threshold;  /* connections, 0 = unset */
	uint32_t l_threshold;  /* connections, 0 = unset */
	unsigned flags;	       /* LB_DEST_F_* */
	int32_t activeconns;   /* non-template connections flagged active */
	int32_t inactconns;    /* non-template connections not active */
	int32_t persistconns;  /* templates pointing here */
	int32_t outstanding;   /* requests sent, not yet answered (beyond-IPVS schedulers) */
	int64_t ewma_rt_ns;    /* peak-EWMA response time estimate, 0 = none */
	int64_t ewma_at_ns;    /* when ewma_rt_ns was last updated */
	unsigned idx;	       /* position in svc->dests, 0 = head */
	struct lb_service *svc;
	void *owner;	       /* the model's or shim's object for this dest */
};

/* Parameters for the schedulers that take any (beyond-IPVS ones mostly). */
struct lb_sched_conf {
	unsigned flags;	       /* LB_SVC_F_* */
	unsigned d;	       /* power of d choices: samples, default 2 */
	unsigned mh_size;      /* mh table size (prime), default 4093 */
	unsigned sh_bits;      /* sh table 2^sh_bits buckets, 4..20; 0 = 8 (Kconfig default) */
	int64_t ewma_tau_ns;   /* lrt peak-EWMA time constant, default 10 s */
};

struct lb_service {
	struct lb_addr addr;
	uint16_t port;
	uint8_t proto;
	uint32_t fwmark;
	uint32_t persistence_timeout_s;	 /* 0 = not persistent (spec 6.1) */
	struct lb_addr persistence_mask; /* granularity; af 0 = /32 or /128 */
	enum lb_profile profile;
	enum lb_kind kind;
	struct lb_sched_conf conf;
	const struct lb_sched_ops *sched;
	void *sched_priv;
	struct lb_dest **dests; /* kernel list order: [0] is the head */
	unsigned ndests;
	unsigned cap;
	struct lb_dest **trash; /* deleted dests, freed with the service */
	unsigned ntrash;
	gsl_rng *rng;		 /* randomized schedulers; owned by the caller */
	const struct lb_env *env; /* for sched_err logging; may be NULL */
	bool no_dest_reported;	 /* sched_err once per episode */
};

/* ---- service lifecycle ---- */
void lb_service_init(struct lb_service *svc, enum lb_profile profile);
void lb_service_fini(struct lb_service *svc);
int lb_service_set_sched(struct lb_service *svc, const struct lb_sched_ops *ops);
void lb_service_set_profile(struct lb_service *svc, enum lb_profile profile);

/* ---- destinations ---- */
int lb_service_add_dest(struct lb_service *svc, const struct lb_addr *addr, uint16_t port,
			int weight, uint32_t u_threshold, uint32_t l_threshold,
			struct lb_dest **out);
int lb_service_edit_dest(struct lb_service *svc, struct lb_dest *d, int weight,
			 uint32_t u_threshold, uint32_t l_threshold);
int lb_service_del_dest(struct lb_service *svc, struct lb_dest *d);
struct lb_dest *lb_service_find_dest(const struct lb_service *svc, const struct lb_addr *addr,
				     uint16_t port);

/* ---- connection accounting (bind = created, unbind = expired) ---- */
void lb_dest_conn_bind(struct lb_dest *d, bool active);
void lb_dest_conn_set_active(struct lb_dest *d, bool active);
void lb_dest_conn_unbind(struct lb_dest *d, bool was_active);
/* Direct writes of counters or OVERLOAD (tools, tests) must be announced. */
void lb_dest_set_conns(struct lb_dest *d, int32_t active, int32_t inactive);
void lb_dest_load_changed(struct lb_dest *d);

/* ---- request accounting (jsq, lrt): per request sent / answered ---- */
void lb_dest_request_start(struct lb_dest *d);
void lb_dest_request_done(struct lb_dest *d, int64_t now_ns, int64_t rt_ns);

/* ---- scheduling ---- */
struct lb_dest *lb_service_pick(struct lb_service *svc, const struct lb_flow_key *key);
void lb_sched_err(struct lb_service *svc, const char *msg);

/* Invariant check (idx, membership, AVAILABLE, counters >= 0); asserted in LBSIM_DEBUG. */
bool lb_service_sane(const struct lb_service *svc);

/* IPVS connection overhead under the service's profile (spec 1.3). */
static inline int lb_dest_overhead(const struct lb_service *svc, const struct lb_dest *d)
{
	if (svc->profile == LB_PROFILE_LEGACY)
		return (d->activeconns << 8) + d->inactconns;
	return (d->activeconns << 8) + d->activeconns + d->inactconns;
}

static inline bool lb_dest_is_overloaded(const struct lb_dest *d)
{
	return (d->flags & LB_DEST_F_OVERLOAD) != 0;
}

#endif /* LBSIM_ALGORITHMS_IPVS_SERVICE_H */
