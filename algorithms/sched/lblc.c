/*
 * algorithms/sched/lblc.c - locality-based least connection, reproducing
 * Linux ip_vs_lblc.c: a cache from the packet's destination address to the
 * dest that served it, for fwmark or transparent cache clusters.
 *
 * Called through lb_service_pick once per new connection. O(n) per pick
 * (the overload test and the wlc fallback scan the dests, as in the kernel)
 * plus the cache lookup; one allocation per new destination address. The
 * cache (lbl.c) holds up to 24576 addresses under the current profile.
 *
 * Rules (spec/ipvs-schedulers.md 2.13):
 *  1. The key is key->daddr (NULL key: the unset address, one entry). If the
 *     cache has it: lastuse = now, and the cached dest is returned when it is
 *     AVAILABLE, has weight > 0 and is not locality-overloaded (more active
 *     connections than its weight while some dest is below half load).
 *     OVERLOAD is NOT checked for the cached dest.
 *  2. Otherwise wlc over the whole service (spec 2.4); nothing: NULL, and
 *     the cache is left as it is.
 *  3. The pick is stored: a cached entry for another dest now points at the
 *     pick with lastuse = now; a missing entry is created unless the cache
 *     is full (current profile: 24576 entries), in which case the pick is
 *     returned uncached.
 * Expiry: the kernel's 60 s GC timer (full pass every 30 min dropping
 * entries idle 24 h, partial GC of entries idle 6 min above 16384 entries)
 * is replayed lazily at each pick, from svc->env's clock; see lbl.c. With no
 * env the time is 0 and nothing expires.
 *
 * Deliberately different: the kernel replaces an entry whose dest changes by
 * a new entry at the head of its chain; here the entry is updated in place.
 * Nothing can tell: lookups are by exact key and the GC sweeps whole
 * buckets. At the cache bound a replacement still happens (it does not grow
 * the cache); the spec does not say whether the kernel also refuses it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include "algorithms/sched/lbl.h"

static int lblc_init(struct lb_service *svc)
{
	svc->sched_priv = lbl_table_new(svc, LBL_EXPIRATION_NS);
	return 0;
}

static void lblc_done(struct lb_service *svc)
{
	lbl_table_free(svc->sched_priv);
	svc->sched_priv = NULL;
}

static bool lblc_usable(const struct lb_service *svc, const struct lb_dest *d)
{
	return (d->flags & LB_DEST_F_AVAILABLE) && d->weight > 0 && !lbl_overloaded(svc, d);
}

static struct lb_dest *lblc_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	static const struct lb_addr none;
	struct lbl_table *t = svc->sched_priv;
	const struct lb_addr *daddr = key ? &key->daddr : &none;
	int64_t now = lbl_now(svc);
	struct lbl_entry *e;
	struct lb_dest *d;

	lbl_expire(t, now);
	e = lbl_lookup(t, daddr);
	if (e) {
		e->lastuse = now;
		if (lblc_usable(svc, e->dest))
			return e->dest;
	}
	d = lbl_wlc(svc);
	if (!d)
		return NULL;
	if (!e)
		e = lbl_add(t, daddr, now);
	if (e)
		e->dest = d;
	return d;
}

const struct lb_sched_ops sched_lblc_ops = {
	.name = "lblc",
	.summary = "locality-based least connection: daddr cache, wlc on a miss "
		   "(kernel ip_vs_lblc)",
	.flags = LB_SCHED_F_KERNEL,
	.init = lblc_init,
	.done = lblc_done,
	.pick = lblc_pick,
};
