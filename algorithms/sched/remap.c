/*
 * algorithms/sched/remap.c - measure the disruption of a key-hashing
 * scheduler (sh, dh, mh, and any later LB_SCHED_F_HASH one): the share of
 * flows that change destination when one dest is removed and when one is
 * added (spec/ipvs-schedulers.md section 7, "minimal disruption").
 *
 * Called by tests and by reports comparing hashing schedulers, a few times
 * per run: O(nflows) picks per stage, three stages, plus the scheduler's own
 * rebuilds; one array of nflows dest pointers is allocated for the call.
 *
 * The experiment, deterministic for given arguments:
 *  1. a service (current profile, conf as given) with ndests dests of weight
 *     1; dest i (list position i) is 10.1.(i / 250).(i mod 250 + 1):80, the
 *     addresses of spec section 7, so that mh reproduces its table;
 *  2. nflows flow keys drawn from seed by a local splitmix64 mixer: random
 *     IPv4 source address and port, random IPv4 destination address (dh
 *     hashes that), destination port 80, TCP; each is mapped once;
 *  3. the dest at list position ndests / 2 is deleted and every flow mapped
 *     again: flows that were on it had to move, any other change is extra
 *     disruption (a perfect consistent hash has none);
 *  4. a new dest 10.2.0.1:80, weight 1, is added (at the head, like any
 *     add) and every flow mapped again; the ideal is that only the flows now
 *     on the new dest changed.
 * A pick that finds no dest counts as the value "no dest" and is compared
 * like any other. Schedulers without LB_SCHED_F_HASH (load-based or
 * randomised ones) depend on more than the key, so they are refused.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/remap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#define REMAP_MAX_DESTS (250u * 256u) /* 10.1.x.y has room for this many */

/* splitmix64: a tiny, well-mixed generator; only determinism matters here. */
static uint64_t remap_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static struct lb_flow_key remap_flow(uint64_t seed, unsigned f)
{
	uint64_t s = seed ^ ((uint64_t)f * UINT64_C(0xD1B54A32D192ED03));
	uint64_t a = remap_next(&s), b = remap_next(&s);

	return (struct lb_flow_key){
		.saddr = { .af = LB_AF_INET, .u.v4 = (uint32_t)a },
		.daddr = { .af = LB_AF_INET, .u.v4 = (uint32_t)b },
		.sport = (uint16_t)(1024 + (a >> 32) % 64512),
		.dport = 80,
		.proto = LB_PROTO_TCP,
	};
}

static double remap_frac(unsigned long num, unsigned long den)
{
	return den ? (double)num / (double)den : 0.0;
}

/*
 * lb_remap_measure - run the experiment above for the scheduler named sched
 * with conf (NULL: lb_service_init's defaults), ndests (2..64000) dests and
 * nflows (>= 1) flows from seed, and fill *out. Returns 0; -ENOENT for an
 * unknown scheduler; -EOPNOTSUPP when it is not a pure key hash
 * (no LB_SCHED_F_HASH, or LB_SCHED_F_RANDOM); -EINVAL for a bad count; or the -errno of the
 * scheduler's init (mh with a bad table size, or more dests than slots).
 * *out is only written on 0.
 */
int lb_remap_measure(const char *sched, const struct lb_sched_conf *conf, unsigned ndests,
		     unsigned nflows, uint64_t seed, struct lb_remap *out)
{
	const struct lb_sched_ops *ops = lb_sched_find(sched);
	unsigned long own = 0, moved_other = 0, added = 0, on_new = 0;
	struct lb_dest *gone, *fresh, **map;
	struct lb_service svc;
	struct lb_addr a = { .af = LB_AF_INET };
	int rc;

	if (!ops)
		return -ENOENT;
	if (!(ops->flags & LB_SCHED_F_HASH) || (ops->flags & LB_SCHED_F_RANDOM))
		return -EOPNOTSUPP;
	if (ndests < 2 || ndests > REMAP_MAX_DESTS || nflows == 0)
		return -EINVAL;
	lb_service_init(&svc, LB_PROFILE_CURRENT);
	if (conf)
		svc.conf = *conf;
	svc.addr = (struct lb_addr){ .af = LB_AF_INET, .u.v4 = 0x0A000064u };
	svc.port = 80;
	svc.proto = LB_PROTO_TCP;
	for (unsigned i = ndests; i-- > 0;) {
		a.u.v4 = 0x0A010001u + ((i / 250) << 8) + i % 250;
		rc = lb_service_add_dest(&svc, &a, 80, 1, 0, 0, NULL);
		if (rc)
			goto out_fini;
	}
	rc = lb_service_set_sched(&svc, ops);
	if (rc)
		goto out_fini;

	map = xmalloc((size_t)nflows * sizeof(*map));
	for (unsigned f = 0; f < nflows; f++) {
		struct lb_flow_key k = remap_flow(seed, f);

		map[f] = lb_service_pick(&svc, &k);
	}
	gone = svc.dests[ndests / 2];
	lb_service_del_dest(&svc, gone);
	for (unsigned f = 0; f < nflows; f++) {
		struct lb_flow_key k = remap_flow(seed, f);
		struct lb_dest *d = lb_service_pick(&svc, &k);

		if (map[f] == gone)
			own++;
		else if (d != map[f])
			moved_other++;
		map[f] = d;
	}
	a.u.v4 = 0x0A020001u;
	lb_service_add_dest(&svc, &a, 80, 1, 0, 0, &fresh);
	for (unsigned f = 0; f < nflows; f++) {
		struct lb_flow_key k = remap_flow(seed, f);
		struct lb_dest *d = lb_service_pick(&svc, &k);

		if (d != map[f])
			added++;
		if (d == fresh)
			on_new++;
	}
	free(map);

	memset(out, 0, sizeof(*out));
	out->ndests = ndests;
	out->nflows = nflows;
	out->removed_frac = remap_frac(moved_other, nflows - own);
	out->removed_own_frac = remap_frac(own, nflows);
	out->removed_moved_frac = remap_frac(own + moved_other, nflows);
	out->added_frac = remap_frac(added, nflows);
	out->added_new_frac = remap_frac(on_new, nflows);
out_fini:
	lb_service_fini(&svc);
	return rc;
}
