/*
 * algorithms/sched/dh.c - destination hashing, reproducing Linux ip_vs_dh.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick, no
 * allocation. The add/del hooks refill the table in O(256); edits do not
 * touch it (weights play no part). The state is a 256-pointer table
 * allocated at init.
 *
 * Table (spec/ipvs-schedulers.md 2.11): 256 buckets, bucket i holding the
 * dest at list position i mod n (weights ignored); every bucket empty with no
 * dests. Key: the packet's destination address (lb_sched_addr_key: IPv6
 * folded), no port; bucket = H(daddr) with H = hash_32(daddr, 8) under
 * LB_PROFILE_CURRENT and the low byte of daddr * 2654435761 under
 * LB_PROFILE_LEGACY (the same profile choice as sh.c, which explains it).
 * Lookup: the bucket's dest, or no dest when the bucket is empty or the
 * dest is not AVAILABLE, has weight <= 0 or is OVERLOAD. There is no
 * fallback. On a VIP service every connection has the same daddr and so goes
 * to one dest: dh is meant for fwmark / transparent cache clusters.
 *
 * Deliberate difference: a NULL flow key gets no dest.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stdlib.h>

#include "sim/xalloc.h"

#define DH_BITS 8
#define DH_SIZE (1u << DH_BITS)

/* Bucket i holds the dest at list position i mod n. */
static void dh_rebuild(struct lb_service *svc, struct lb_dest *changed)
{
	struct lb_dest **table = svc->sched_priv;

	for (unsigned b = 0; b < DH_SIZE; b++)
		table[b] = svc->ndests ? svc->dests[b % svc->ndests] : NULL;
}

/* dh_init - allocate and fill the table. Always 0. */
static int dh_init(struct lb_service *svc)
{
	svc->sched_priv = xmalloc(DH_SIZE * sizeof(struct lb_dest *));
	dh_rebuild(svc, NULL);
	return 0;
}

static void dh_done(struct lb_service *svc)
{
	free(svc->sched_priv);
	svc->sched_priv = NULL;
}

static struct lb_dest *dh_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct lb_dest *const *table = svc->sched_priv;
	struct lb_dest *d;
	uint32_t k;

	if (!key)
		return NULL;
	k = lb_sched_addr_key(&key->daddr);
	d = table[svc->profile == LB_PROFILE_LEGACY ? lb_sched_hash_legacy(k, DH_BITS)
						    : lb_sched_hash_32(k, DH_BITS)];
	if (!d || !(d->flags & LB_DEST_F_AVAILABLE) || d->weight <= 0 ||
	    lb_dest_is_overloaded(d))
		return NULL;
	return d;
}

const struct lb_sched_ops sched_dh_ops = {
	.name = "dh",
	.summary = "destination hashing: static table over the packet's daddr (kernel ip_vs_dh)",
	.flags = LB_SCHED_F_KERNEL | LB_SCHED_F_HASH,
	.init = dh_init,
	.done = dh_done,
	.add_dest = dh_rebuild,
	.del_dest = dh_rebuild,
	.pick = dh_pick,
};
