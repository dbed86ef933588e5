/*
 * algorithms/sched/lbl.c - the locality cache shared by lblc and lblcr,
 * reproducing the table and garbage collection of Linux ip_vs_lblc.c and
 * ip_vs_lblcr.c (spec/ipvs-schedulers.md 2.13, 2.14, 3).
 *
 * Called by lblc.c and lblcr.c: lbl_expire and lbl_lookup once per pick,
 * lbl_add when a destination address is scheduled for the first time. The
 * table has 1024 buckets with chains; it holds up to 24576 entries under the
 * current profile and is unbounded (between GC passes) under legacy.
 *
 * Table: bucket = hash_32(daddr, 10) under the current profile, the legacy
 * multiplicative hash (low 10 bits of daddr * 2654435761) under legacy; IPv6
 * addresses are folded first (spec 3). The bucket matters only to the
 * partial GC, whose rover walks the buckets in order.
 *
 * GC: the kernel runs a timer every 60 s from init. Each run, with counter
 * starting at 1: if counter % 30 == 0, a full pass deletes every entry with
 * now >= lastuse + expiration (24 h) and sets counter = 1; else, if entries
 * <= 16384, counter++; else a partial pass deletes entries idle >= 6 min,
 * bucket by bucket from the one after the rover, until
 * goal = min((entries - 16384) * 4 / 3, 8192) deletions are done.
 *
 * Deliberately different: there is no timer. Only picks look at the table,
 * so lbl_expire, called at the start of each pick, replays every timer run
 * due at or before now, in order and each at its own time, which leaves the
 * table exactly as the timer would have. A run due at the same instant as a
 * pick counts as earlier. Runs over an empty table are skipped in O(1)
 * (only the counter moves), so a long idle gap costs O(full passes with
 * entries left) <= O(entries + 1024 * passes), and in steady traffic a pick
 * pays for at most one run. Time is svc->env->now_ns; with no env the time
 * is always 0, the timer never runs and nothing expires.
 *
 * Interpretations where the spec is silent: the partial GC checks its goal
 * after each whole bucket (so it may delete a few more than goal); the entry
 * count is exact.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/lbl.h"

#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

/* lbl_now - svc's simulated (or shim) time in ns; 0 when svc has no env. */
int64_t lbl_now(const struct lb_service *svc)
{
	if (!svc->env || !svc->env->now_ns)
		return 0;
	return svc->env->now_ns(svc->env->ctx);
}

/* lbl_bucket - the bucket of daddr under profile's hash, 0..1023. */
unsigned lbl_bucket(enum lb_profile profile, const struct lb_addr *daddr)
{
	uint32_t k = lb_sched_addr_key(daddr);

	if (profile == LB_PROFILE_LEGACY)
		return lb_sched_hash_legacy(k, LBL_TAB_BITS);
	return lb_sched_hash_32(k, LBL_TAB_BITS);
}

/*
 * lbl_table_new - an empty table for svc (its profile), with the first GC run
 * due 60 s from now and full passes deleting entries idle for expiration_ns.
 * Owned by the caller; free with lbl_table_free.
 */
struct lbl_table *lbl_table_new(const struct lb_service *svc, int64_t expiration_ns)
{
	struct lbl_table *t = xcalloc(1, sizeof(*t));

	t->counter = 1;
	t->next_tick = lbl_now(svc) + LBL_TICK_NS;
	t->expiration = expiration_ns;
	t->profile = svc->profile;
	return t;
}

static void lbl_entry_free(struct lbl_entry *e)
{
	free(e->set);
	free(e);
}

/* lbl_table_free - free t and every entry. Accepts NULL. */
void lbl_table_free(struct lbl_table *t)
{
	if (!t)
		return;
	for (unsigned b = 0; b < LBL_TAB_SIZE; b++) {
		struct lbl_entry *e = t->bucket[b], *next;

		for (; e; e = next) {
			next = e->next;
			lbl_entry_free(e);
		}
	}
	free(t);
}

/* Delete bucket b's entries with now >= lastuse + idle; returns how many. */
static unsigned lbl_sweep_bucket(struct lbl_table *t, unsigned b, int64_t now, int64_t idle)
{
	struct lbl_entry **pp = &t->bucket[b], *e;
	unsigned n = 0;

	while ((e = *pp)) {
		if (now >= e->lastuse + idle) {
			*pp = e->next;
			lbl_entry_free(e);
			n++;
		} else {
			pp = &e->next;
		}
	}
	t->entries -= n;
	return n;
}

/* One timer run at time now (spec 2.13 "Expiry"). */
static void lbl_tick(struct lbl_table *t, int64_t now)
{
	long goal;
	unsigned j = t->rover;

	if (t->counter % LBL_FULL_EVERY == 0) {
		for (unsigned b = 0; b < LBL_TAB_SIZE; b++)
			lbl_sweep_bucket(t, b, now, t->expiration);
		t->counter = 1;
		return;
	}
	if (t->entries <= LBL_MAX_SIZE) {
		t->counter++;
		return;
	}
	goal = (long)(t->entries - LBL_MAX_SIZE) * 4 / 3;
	if (goal > (long)(LBL_MAX_SIZE / 2))
		goal = LBL_MAX_SIZE / 2;
	for (unsigned i = 0; i < LBL_TAB_SIZE; i++) {
		j = (j + 1) & (LBL_TAB_SIZE - 1);
		goal -= (long)lbl_sweep_bucket(t, j, now, LBL_ENTRY_TIMEOUT_NS);
		if (goal <= 0)
			break;
	}
	t->rover = j;
}

/*
 * lbl_expire - run every GC timer run due at or before now, in order, at its
 * own time. Over an empty table a run only moves the counter (1..30 cyclic),
 * so a stretch of such runs is skipped arithmetically. Never allocates.
 */
void lbl_expire(struct lbl_table *t, int64_t now)
{
	while (t->next_tick <= now) {
		if (t->entries == 0) {
			int64_t n = (now - t->next_tick) / LBL_TICK_NS + 1;

			t->counter = (unsigned)((t->counter - 1 + n % LBL_FULL_EVERY) %
						LBL_FULL_EVERY) + 1;
			t->next_tick += n * LBL_TICK_NS;
			return;
		}
		lbl_tick(t, t->next_tick);
		t->next_tick += LBL_TICK_NS;
	}
}

/* lbl_lookup - the entry for daddr, or NULL. O(chain length). */
struct lbl_entry *lbl_lookup(const struct lbl_table *t, const struct lb_addr *daddr)
{
	struct lbl_entry *e = t->bucket[lbl_bucket(t->profile, daddr)];

	for (; e; e = e->next)
		if (lb_addr_eq(&e->daddr, daddr))
			return e;
	return NULL;
}

/*
 * lbl_add - a new entry for daddr (which must not be in t) at the head of its
 * chain, with lastuse = lastmod = now and no dest or members. Returns NULL
 * without adding under the current profile when t already holds LBL_CAP
 * entries (the kernel's bound on cache growth, spec 2.13 step 3). The entry
 * belongs to t.
 */
struct lbl_entry *lbl_add(struct lbl_table *t, const struct lb_addr *daddr, int64_t now)
{
	unsigned b = lbl_bucket(t->profile, daddr);
	struct lbl_entry *e;

	if (t->profile == LB_PROFILE_CURRENT && t->entries >= LBL_CAP)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->daddr = *daddr;
	e->lastuse = now;
	e->lastmod = now;
	e->next = t->bucket[b];
	t->bucket[b] = e;
	t->entries++;
	return e;
}

/*
 * lbl_overloaded - the kernel's locality overload test (spec 2.13): d has
 * more active connections than its weight AND some dest of the service,
 * quiesced ones included, is below half load (2 * active < weight). O(n).
 */
bool lbl_overloaded(const struct lb_service *svc, const struct lb_dest *d)
{
	if (d->activeconns <= d->weight)
		return false;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct lb_dest *m = svc->dests[i];

		if ((int64_t)m->activeconns * 2 < m->weight)
			return true;
	}
	return false;
}

/* lbl_wlc - the wlc procedure over the whole service (spec 2.4), or NULL. */
struct lb_dest *lbl_wlc(struct lb_service *svc)
{
	return sched_wlc_scan(svc);
}
