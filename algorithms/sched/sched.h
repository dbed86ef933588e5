/*
 * algorithms/sched/sched.h - the scheduler plug-in interface and registry.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_SCHED_H
#define LBSIM_ALGORITHMS_SCHED_SCHED_H

#include <stdbool.h>

#include "algorithms/ipvs/service.h"

#define LB_SCHED_F_KERNEL 0x1u	 /* reproduces an IPVS scheduler */
#define LB_SCHED_F_RANDOM 0x2u	 /* draws from svc->rng */
#define LB_SCHED_F_HASH 0x4u	 /* decides from the flow key and dest set alone */
#define LB_SCHED_F_REQUESTS 0x8u /* reads outstanding / ewma_rt_ns: told of each request */

struct lb_sched_ops {
	const char *name;
	const char *summary;	 /* one line for --help */
	unsigned flags;		 /* LB_SCHED_F_* */
	/* Allocate svc->sched_priv. 0 or -errno. May be NULL. */
	int (*init)(struct lb_service *svc);
	/* Release svc->sched_priv. May be NULL. */
	void (*done)(struct lb_service *svc);
	/*
	 * Dest list or weight changed. Any may be NULL (ignored). add_dest runs
	 * with d already at the head (idx 0); del_dest runs after d is unlinked,
	 * with d->idx still its former position (svc->dests[d->idx - 1] is its
	 * former predecessor when d->idx > 0).
	 */
	void (*add_dest)(struct lb_service *svc, struct lb_dest *d);
	void (*del_dest)(struct lb_service *svc, struct lb_dest *d);
	void (*upd_dest)(struct lb_service *svc, struct lb_dest *d);
	/* A dest's connection counters changed (indexed schedulers). May be NULL. */
	void (*load_changed)(struct lb_service *svc, struct lb_dest *d);
	/* Choose a dest, or NULL when none is available. Never NULL itself. */
	struct lb_dest *(*pick)(struct lb_service *svc, const struct lb_flow_key *key);
};

/*
 * IPVS's integer view of an address for hashing (spec 3): IPv4 in host
 * order; IPv6 the XOR of its four 32-bit words, read as a host-order integer.
 */
static inline uint32_t lb_sched_addr_key(const struct lb_addr *a)
{
	const uint8_t *b = a->u.v6;
	uint32_t k = 0;

	if (a->af != LB_AF_INET6)
		return a->u.v4;
	for (int i = 0; i < 16; i += 4)
		k ^= (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 |
		     b[i + 3];
	return k;
}

/* Kernel hash_32 since 4.7 (spec 3): the top bits (1..32) of v * 0x61C88647 mod 2^32. */
static inline uint32_t lb_sched_hash_32(uint32_t v, unsigned bits)
{
	return (uint32_t)(v * 0x61C88647u) >> (32 - bits);
}

/* The legacy sh/dh/lblc hash (spec 3): the low bits of v * 2654435761 (0x9E3779B1). */
static inline uint32_t lb_sched_hash_legacy(uint32_t v, unsigned bits)
{
	return (uint32_t)(v * 0x9E3779B1u) & (uint32_t)((1ull << bits) - 1);
}

const struct lb_sched_ops *lb_sched_find(const char *name);
/* Registry walk for help text and "compare every scheduler": NULL past the end. */
const struct lb_sched_ops *lb_sched_at(unsigned i);

extern const struct lb_sched_ops sched_rr_ops;
extern const struct lb_sched_ops sched_wrr_ops;
extern const struct lb_sched_ops sched_lc_ops;
extern const struct lb_sched_ops sched_wlc_ops;
extern const struct lb_sched_ops sched_twos_ops;
extern const struct lb_sched_ops sched_sed_ops;
extern const struct lb_sched_ops sched_nq_ops;
extern const struct lb_sched_ops sched_fo_ops;
extern const struct lb_sched_ops sched_ovf_ops;
extern const struct lb_sched_ops sched_sh_ops;
extern const struct lb_sched_ops sched_dh_ops;
extern const struct lb_sched_ops sched_mh_ops;
extern const struct lb_sched_ops sched_lblc_ops;
extern const struct lb_sched_ops sched_lblcr_ops;
extern const struct lb_sched_ops sched_pod_ops;
extern const struct lb_sched_ops sched_podnr_ops;
extern const struct lb_sched_ops sched_jsq_ops;
extern const struct lb_sched_ops sched_lrt_ops;
extern const struct lb_sched_ops sched_ring_ops;
extern const struct lb_sched_ops sched_hrw_ops;
extern const struct lb_sched_ops sched_random_ops;
extern const struct lb_sched_ops sched_wrandom_ops;

/*
 * The kernel's plain linear scans of lc, wlc, sed and nq (their ops pick
 * through an index instead): for callers whose svc->sched_priv is not that
 * index (lblc/lblcr's wlc fallback) and for tests. O(n), no state.
 */
struct lb_dest *sched_lc_scan(struct lb_service *svc);
struct lb_dest *sched_wlc_scan(struct lb_service *svc);
struct lb_dest *sched_sed_scan(struct lb_service *svc);
struct lb_dest *sched_nq_scan(struct lb_service *svc);

#endif /* LBSIM_ALGORITHMS_SCHED_SCHED_H */
