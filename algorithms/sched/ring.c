/*
 * algorithms/sched/ring.c - consistent hashing on a ring of virtual nodes.
 * NOT an IPVS scheduler: the idea is Karger et al., "Consistent hashing and
 * random trees", STOC 1997, in the shape of libketama (last.fm, 2007), which
 * memcached clients made the common form: each server owns points on a
 * 64-bit circle hashed from "address:port-i", and a key goes to the owner of
 * the first point at or after the key's hash. Written from that description;
 * the hashes are our own (flowhash.h), not ketama's MD5.
 *
 * Called through lb_service_pick once per new connection: O(log P) binary
 * search over P points, plus a walk past OVERLOAD dests' points, no
 * allocation. After any add, delete or edit the ring is rebuilt once,
 * lazily, at the next pick: O(P log P). P = 160 * total weight, capped at
 * RING_MAX_POINTS (2^18, 4 MiB of points); above the cap each dest gets
 * max(1, floor(w * 2^18 / total weight)) points instead, so a service of
 * up to 1638 weight units has the full 160 per unit.
 *
 * Rules:
 *  - A dest with weight w > 0 owns points hash("A:P-0") .. hash("A:P-(k-1)"),
 *    k = 160 w (A:P formatted as lb_addr_port_fmt does, "[v6]:P" for IPv6),
 *    so raising a weight only adds points and lowering one only removes
 *    them. A weight-0 dest owns none.
 *  - Points are sorted by hash; equal hashes (practically never) order by
 *    dest address and port, so the ring does not depend on list order.
 *  - The key is the client's source address, plus its source port with the
 *    sh-port / mh-port flag (flowhash_key). NULL key: the all-zero key.
 *  - The first point at or after the key's hash (wrapping to the first)
 *    whose dest is not OVERLOAD wins; when every point's dest is OVERLOAD,
 *    or there are no points, the pick is NULL.
 * Removing one of N equal dests moves only the keys that were on its
 * points, about 1/N of them; under the cap nothing else moves.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/flowhash.h"
#include "sim/xalloc.h"

#define RING_POINTS_PER_WEIGHT 160u
#define RING_MAX_POINTS (1u << 18)

struct ring_point {
	uint64_t h;
	struct lb_dest *d;
};

struct ring_state {
	struct ring_point *pt; /* sorted by (h, address, port) */
	size_t n;
	size_t cap;
	bool dirty;
};

static int ring_init(struct lb_service *svc)
{
	struct ring_state *st = xcalloc(1, sizeof(*st));

	st->dirty = true;
	svc->sched_priv = st;
	return 0;
}

static void ring_done(struct lb_service *svc)
{
	struct ring_state *st = svc->sched_priv;

	if (st) {
		free(st->pt);
		free(st);
	}
	svc->sched_priv = NULL;
}

static void ring_changed(struct lb_service *svc, struct lb_dest *d)
{
	struct ring_state *st = svc->sched_priv;

	st->dirty = true;
}

static int ring_point_cmp(const void *a, const void *b)
{
	const struct ring_point *x = a, *y = b;
	int c;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	c = lb_addr_cmp(&x->d->addr, &y->d->addr);
	if (c)
		return c;
	return (x->d->port > y->d->port) - (x->d->port < y->d->port);
}

/* Points of a dest of weight w > 0 out of total weight total. */
static uint64_t ring_npoints(int w, uint64_t total)
{
	uint64_t k;

	if (total * RING_POINTS_PER_WEIGHT <= RING_MAX_POINTS)
		return (uint64_t)w * RING_POINTS_PER_WEIGHT;
	k = (uint64_t)w * RING_MAX_POINTS / total;
	return k ? k : 1;
}

static void ring_rebuild(struct lb_service *svc, struct ring_state *st)
{
	uint64_t total = 0, np = 0;

	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i]->weight > 0)
			total += (uint64_t)svc->dests[i]->weight;
	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i]->weight > 0)
			np += ring_npoints(svc->dests[i]->weight, total);
	if (st->cap < np) {
		st->cap = np;
		st->pt = xrealloc(st->pt, st->cap * sizeof(*st->pt));
	}
	st->n = 0;
	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		char buf[LB_ADDR_STRLEN + 1];
		uint64_t h0, k, nk;

		if (d->weight <= 0)
			continue;
		lb_addr_port_fmt(&d->addr, d->port, buf, sizeof(buf) - 1);
		strcat(buf, "-");
		h0 = flowhash_bytes(FLOWHASH_INIT, buf, strlen(buf));
		nk = ring_npoints(d->weight, total);
		for (k = 0; k < nk; k++) {
			char num[24];
			int len = snprintf(num, sizeof(num), "%" PRIu64, k);

			st->pt[st->n].h = flowhash_mix(flowhash_bytes(h0, num, (size_t)len));
			st->pt[st->n].d = d;
			st->n++;
		}
	}
	if (st->n > 1)
		qsort(st->pt, st->n, sizeof(*st->pt), ring_point_cmp);
	st->dirty = false;
}

static struct lb_dest *ring_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	struct ring_state *st = svc->sched_priv;
	uint64_t h;
	size_t lo = 0, hi;

	if (st->dirty)
		ring_rebuild(svc, st);
	if (st->n == 0)
		return NULL;
	h = flowhash_key(svc, key);
	/* First point with hash >= h; n (past the end) wraps to 0. */
	hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->pt[mid].h >= h)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (size_t s = 0; s < st->n; s++) {
		struct lb_dest *d = st->pt[(lo + s) % st->n].d;

		if (!lb_dest_is_overloaded(d))
			return d;
	}
	return NULL;
}

const struct lb_sched_ops sched_ring_ops = {
	.name = "ring",
	.summary = "consistent hash ring, 160 points per weight unit, by source (not in IPVS)",
	.flags = LB_SCHED_F_HASH,
	.init = ring_init,
	.done = ring_done,
	.add_dest = ring_changed,
	.del_dest = ring_changed,
	.upd_dest = ring_changed,
	.pick = ring_pick,
};
