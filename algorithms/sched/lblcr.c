/*
 * algorithms/sched/lblcr.c - locality-based least connection with
 * replication, reproducing Linux ip_vs_lblcr.c: a cache from the packet's
 * destination address to a SET of dests, grown when all members are busy
 * and pruned by one member per expiration period.
 *
 * Called through lb_service_pick once per new connection. O(n + set size)
 * per pick, plus the cache lookup; allocation only when an address is new or
 * its set outgrows its array. The cache (lbl.c) holds up to 24576 addresses
 * under the current profile; a set holds at most every dest ever added.
 *
 * Rules (spec/ipvs-schedulers.md 2.14):
 *  - Set order: a new member goes to the front; inserting a member already
 *    there does nothing; an insert or an erase sets lastmod = now.
 *  - set_min: members that are OVERLOAD are skipped; the first member with
 *    weight > 0 and AVAILABLE is least; a later member that is AVAILABLE
 *    (weight not re-checked) replaces it when loh * w(m) > oh(m) * w(least)
 *    in 64 bits, oh = the profile's overhead (spec 1.3).
 *  - set_max: the first member with weight > 0 is most; a later member with
 *    weight > 0 replaces it when oh(m) * w(most) > moh * w(m). Neither
 *    OVERLOAD nor AVAILABLE is looked at.
 *  - pick, key = key->daddr (NULL key: the unset address):
 *    cached: lastuse = now; d = set_min; then, if the set has more than one
 *    member and now > lastmod + 24 h, set_max is erased (one per call; d is
 *    kept even if it was the one erased). d present and not
 *    locality-overloaded (lbl.c): return d. Else wlc over the whole service
 *    (NULL: return NULL), insert it at the front and return it.
 *    not cached: wlc (NULL: return NULL); a new entry holding only the pick,
 *    unless the cache is full (current profile), then return the pick.
 * Expiry of whole entries is the kernel's GC timer replayed lazily at each
 * pick from svc->env's clock (lbl.c); with no env the time is always 0, so
 * neither entries nor members ever expire.
 *
 * Deliberately different: nothing in the decisions. Members are references
 * to dests, which outlive their deletion in svc->trash as in the kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/lbl.h"
#include "sim/xalloc.h"

static int lblcr_init(struct lb_service *svc)
{
	svc->sched_priv = lbl_table_new(svc, LBL_EXPIRATION_NS);
	return 0;
}

static void lblcr_done(struct lb_service *svc)
{
	lbl_table_free(svc->sched_priv);
	svc->sched_priv = NULL;
}

/* Insert d at the front of e's set unless it is a member already. */
static void lblcr_set_insert(struct lbl_entry *e, struct lb_dest *d, int64_t now)
{
	for (unsigned i = 0; i < e->size; i++)
		if (e->set[i] == d)
			return;
	if (e->size == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 4;
		e->set = xrealloc(e->set, e->cap * sizeof(*e->set));
	}
	memmove(e->set + 1, e->set, e->size * sizeof(*e->set));
	e->set[0] = d;
	e->size++;
	e->lastmod = now;
}

static void lblcr_set_erase(struct lbl_entry *e, const struct lb_dest *d, int64_t now)
{
	for (unsigned i = 0; i < e->size; i++) {
		if (e->set[i] == d) {
			memmove(e->set + i, e->set + i + 1, (e->size - i - 1) * sizeof(*e->set));
			e->size--;
			e->lastmod = now;
			return;
		}
	}
}

static bool lblcr_available(const struct lb_dest *d)
{
	return (d->flags & LB_DEST_F_AVAILABLE) != 0;
}

static struct lb_dest *lblcr_set_min(const struct lb_service *svc, const struct lbl_entry *e)
{
	struct lb_dest *least = NULL;
	int64_t loh = 0;
	unsigned i;

	for (i = 0; i < e->size; i++) {
		struct lb_dest *d = e->set[i];

		if (!lb_dest_is_overloaded(d) && d->weight > 0 && lblcr_available(d)) {
			least = d;
			loh = lb_dest_overhead(svc, d);
			break;
		}
	}
	if (!least)
		return NULL;
	for (i++; i < e->size; i++) {
		struct lb_dest *d = e->set[i];
		int64_t doh;

		if (lb_dest_is_overloaded(d) || !lblcr_available(d))
			continue;
		doh = lb_dest_overhead(svc, d);
		if (loh * d->weight > doh * least->weight) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

static struct lb_dest *lblcr_set_max(const struct lb_service *svc, const struct lbl_entry *e)
{
	struct lb_dest *most = NULL;
	int64_t moh = 0;
	unsigned i;

	for (i = 0; i < e->size; i++) {
		if (e->set[i]->weight > 0) {
			most = e->set[i];
			moh = lb_dest_overhead(svc, most);
			break;
		}
	}
	if (!most)
		return NULL;
	for (i++; i < e->size; i++) {
		struct lb_dest *d = e->set[i];
		int64_t doh;

		if (d->weight <= 0)
			continue;
		doh = lb_dest_overhead(svc, d);
		if (doh * most->weight > moh * d->weight) {
			most = d;
			moh = doh;
		}
	}
	return most;
}

static struct lb_dest *lblcr_pick(struct lb_service *svc, const struct lb_flow_key *key)
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
		d = lblcr_set_min(svc, e);
		if (e->size > 1 && now > e->lastmod + t->expiration) {
			struct lb_dest *m = lblcr_set_max(svc, e);

			if (m)
				lblcr_set_erase(e, m, now);
		}
		if (d && !lbl_overloaded(svc, d))
			return d;
		d = lbl_wlc(svc);
		if (d)
			lblcr_set_insert(e, d, now);
		return d;
	}
	d = lbl_wlc(svc);
	if (!d)
		return NULL;
	e = lbl_add(t, daddr, now);
	if (e)
		lblcr_set_insert(e, d, now);
	return d;
}

const struct lb_sched_ops sched_lblcr_ops = {
	.name = "lblcr",
	.summary = "locality-based least connection with replication: daddr -> dest set "
		   "(kernel ip_vs_lblcr)",
	.flags = LB_SCHED_F_KERNEL,
	.init = lblcr_init,
	.done = lblcr_done,
	.pick = lblcr_pick,
};
