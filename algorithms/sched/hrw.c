/*
 * algorithms/sched/hrw.c - rendezvous (highest random weight) hashing. NOT
 * an IPVS scheduler: Thaler and Ravishankar, "Using name-based mappings to
 * increase hit rates", IEEE/ACM ToN 6(1), 1998. Every dest scores the flow
 * with a hash of (flow, dest) and the highest score wins; weighted by the
 * logarithmic method (Schindelhauer and Schomaker, "Weighted distributed
 * hash tables", SPAA 2005): score = -w / ln(u), u uniform in (0, 1) from
 * the hash, which gives dest i the flow with probability w_i / (total
 * weight) exactly (-ln(u) / w is exponential with rate w; the least wins).
 *
 * Called through lb_service_pick once per new connection. Stateless, O(n)
 * per pick (one hash and one log per eligible dest), no allocation.
 *
 * Rules:
 *  - Eligible: weight > 0 and not OVERLOAD. None: NULL.
 *  - The flow hash is the client's source address, plus its source port
 *    with the sh-port / mh-port flag (flowhash_key); the dest's hash is its
 *    address and port; u comes from the top 53 bits of
 *    mix(flow hash ^ dest hash), offset by half a step so u is never 0 or 1.
 *  - The highest score wins, the earliest in list order on an exact tie.
 * A dest's score does not depend on the other dests, so removing (or
 * overloading) one moves exactly the flows it had, spread over the rest in
 * proportion to weight, and adding one takes flows only from the others.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <math.h>
#include <stddef.h>

#include "algorithms/sched/flowhash.h"

static struct lb_dest *hrw_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	uint64_t flow = flowhash_key(svc, key);
	struct lb_dest *best = NULL;
	double bscore = 0;

	for (unsigned i = 0; i < svc->ndests; i++) {
		struct lb_dest *d = svc->dests[i];
		uint64_t dh, x;
		double u, score;

		if (d->weight <= 0 || lb_dest_is_overloaded(d))
			continue;
		dh = flowhash_mix(flowhash_port(flowhash_addr(FLOWHASH_INIT, &d->addr), d->port));
		x = flowhash_mix(flow ^ dh);
		u = ((double)(x >> 11) + 0.5) * 0x1p-53;
		score = -(double)d->weight / log(u);
		if (!best || score > bscore) {
			best = d;
			bscore = score;
		}
	}
	return best;
}

const struct lb_sched_ops sched_hrw_ops = {
	.name = "hrw",
	.summary = "rendezvous hashing, weighted -w/ln(u) score, by source (not in IPVS)",
	.flags = LB_SCHED_F_HASH,
	.pick = hrw_pick,
};
