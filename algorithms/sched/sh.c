/*
 * algorithms/sched/sh.c - source hashing, reproducing Linux ip_vs_sh.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick (one
 * multiply and one table load; the sh-fallback probe is O(table) at worst),
 * no allocation. The add/del/upd hooks rebuild the table in O(table). The
 * state is one table of 2^bits dest pointers (256 by default, 8 MiB at the
 * 2^20 maximum) allocated at init.
 *
 * Table (spec/ipvs-schedulers.md 2.10). 2^bits buckets, bits =
 * svc->conf.sh_bits (the kernel's CONFIG_IP_VS_SH_TAB_BITS, 4..20; 0 means
 * the default 8). Filled on init and on every add, delete and edit: walk the
 * buckets from 0 up, handing them out to the dests in list order, each dest
 * taking max(weight, 1) consecutive buckets, the list wrapping until every
 * bucket is taken. A quiesced dest keeps one bucket per cycle; an edit
 * shifts the buckets of every later dest (heavy remapping, unlike mh). No
 * dests: every bucket empty.
 *
 * Key: the client source address (lb_sched_addr_key: IPv6 folded), plus the
 * client source port when the sh-port flag (LB_SVC_F_SH_PORT in
 * svc->conf.flags) is set and the protocol has ports (TCP, UDP, SCTP),
 * summed mod 2^32. bucket(off) = (off + H(key)) mod 2^bits, where H is
 *  - LB_PROFILE_CURRENT: hash_32(key, bits), the top bits of key * 0x61C88647
 *    (the 6.1 / 6.12 kernels);
 *  - LB_PROFILE_LEGACY: the low bits of key * 2654435761, the 3.x / 4.x
 *    multiplicative hash, in which only the low bits of the key matter.
 * The kernel switched between 4.x and 5.x; tying the hash to the profile
 * (whose other switch is the 2026 overhead change) is our choice: a legacy
 * profile stands for "an older director" and older directors had both.
 *
 * Lookup: d = table[bucket(0)]; empty: no dest; d usable (weight > 0 and not
 * OVERLOAD): d; otherwise no dest, unless sh-fallback (LB_SVC_F_SH_FALLBACK)
 * is set: then probe r = (off + ih) mod size, bucket(r), for off = 0..size-1
 * (a linear scan from 2*ih), stopping at an empty bucket, and return the first
 * usable dest.
 *
 * Deliberate difference: a NULL flow key (callers that do not model packets)
 * gets no dest, there being nothing to hash.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/sched.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/xalloc.h"

#define SH_BITS_DEFAULT 8
#define SH_BITS_MIN 4
#define SH_BITS_MAX 20

struct sh_state {
	unsigned bits;
	uint32_t mask;		/* 2^bits - 1 */
	struct lb_dest **table; /* 2^bits buckets, NULL = empty */
};

/* Hand out buckets in list order, max(weight, 1) consecutive ones per dest. */
static void sh_rebuild(struct lb_service *svc, struct lb_dest *changed)
{
	struct sh_state *st = svc->sched_priv;
	unsigned i = 0;
	int64_t taken = 0;

	for (uint32_t b = 0; b <= st->mask; b++) {
		struct lb_dest *d;

		if (!svc->ndests) {
			st->table[b] = NULL;
			continue;
		}
		d = svc->dests[i];
		st->table[b] = d;
		if (++taken >= d->weight) {
			taken = 0;
			if (++i == svc->ndests)
				i = 0;
		}
	}
}

/*
 * sh_init - allocate the table for 2^conf.sh_bits buckets and fill it.
 * Returns 0, or -EINVAL when sh_bits is outside 4..20 (0 = 8).
 */
static int sh_init(struct lb_service *svc)
{
	unsigned bits = svc->conf.sh_bits ? svc->conf.sh_bits : SH_BITS_DEFAULT;
	struct sh_state *st;

	if (bits < SH_BITS_MIN || bits > SH_BITS_MAX)
		return -EINVAL;
	st = xmalloc(sizeof(*st));
	st->bits = bits;
	st->mask = (1u << bits) - 1;
	st->table = xmalloc(((size_t)st->mask + 1) * sizeof(*st->table));
	svc->sched_priv = st;
	sh_rebuild(svc, NULL);
	return 0;
}

static void sh_done(struct lb_service *svc)
{
	struct sh_state *st = svc->sched_priv;

	if (st)
		free(st->table);
	free(st);
	svc->sched_priv = NULL;
}

static bool sh_usable(const struct lb_dest *d)
{
	return d->weight > 0 && !lb_dest_is_overloaded(d);
}

static bool sh_proto_has_ports(uint8_t proto)
{
	return proto == LB_PROTO_TCP || proto == LB_PROTO_UDP || proto == LB_PROTO_SCTP;
}

static struct lb_dest *sh_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	const struct sh_state *st = svc->sched_priv;
	unsigned flags = svc->conf.flags;
	uint32_t k, ih;
	struct lb_dest *d;

	if (!key)
		return NULL;
	k = lb_sched_addr_key(&key->saddr);
	if ((flags & LB_SVC_F_SH_PORT) && sh_proto_has_ports(key->proto))
		k += key->sport;
	ih = svc->profile == LB_PROFILE_LEGACY ? lb_sched_hash_legacy(k, st->bits)
					       : lb_sched_hash_32(k, st->bits);
	d = st->table[ih];
	if (!d)
		return NULL;
	if (sh_usable(d))
		return d;
	if (!(flags & LB_SVC_F_SH_FALLBACK))
		return NULL;
	/* bucket((off + ih) mod size) = (off + 2 ih) mod size */
	for (uint32_t off = 0; off <= st->mask; off++) {
		d = st->table[(off + 2 * ih) & st->mask];
		if (!d)
			return NULL;
		if (sh_usable(d))
			return d;
	}
	return NULL;
}

const struct lb_sched_ops sched_sh_ops = {
	.name = "sh",
	.summary = "source hashing: weighted static table of client addresses (kernel ip_vs_sh)",
	.flags = LB_SCHED_F_KERNEL | LB_SCHED_F_HASH,
	.init = sh_init,
	.done = sh_done,
	.add_dest = sh_rebuild,
	.del_dest = sh_rebuild,
	.upd_dest = sh_rebuild,
	.pick = sh_pick,
};
