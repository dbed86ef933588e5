/*
 * algorithms/sched/mh.c - Maglev hashing, reproducing Linux ip_vs_mh.c.
 *
 * Called through lb_service_pick once per new connection: O(1) per pick (one
 * SipHash-1-3 of 4 bytes and one table load; the mh-fallback probe rehashes
 * up to M times), no allocation. The add/del/upd hooks rebuild the table:
 * O(M log M) on average for M slots (O(M^2) worst case, as the paper says):
 * measured 0.05 ms at M = 4093 and 1.3 ms at 65521 (100 dests, -O2). A pick
 * costs about 5 ns. The state is the table (M 32-bit dest indexes) plus one
 * small record per dest.
 *
 * Table (spec/ipvs-schedulers.md 2.12). M = svc->conf.mh_size, one of the
 * primes the kernel's CONFIG_IP_VS_MH_TAB_INDEX 8..17 selects (251, 509,
 * 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071); 0 means the kernel
 * default 4093; anything else makes init fail with -EINVAL. TAB_BITS =
 * INDEX / 2 caps the weight ratio. For each dest, from its own address
 * (IPv6 folded) and port:
 *   offset = h(addr + port, KEY1) mod M, skip = h(addr + port, KEY2) mod (M-1) + 1
 * where h is the kernel's hsiphash on 64-bit hosts, SipHash-1-3 with a 128-bit
 * key of two equal 64-bit words, returning the low 32 bits, over the 4
 * little-endian bytes of the u32 sum (spec 3). Weights come from last_weight
 * (the latest non-zero weight), so quiescing a dest leaves the table alone:
 *   g = gcd of the positive last_weights (none: every slot empty);
 *   rshift = max(0, bitlen(max last_weight / g) - TAB_BITS);
 *   turns = (last_weight / g) >> rshift, raised to 1 when that is 0 but
 *   last_weight is not.
 * Populate (mh_populate) is the paper's Pseudocode 1 with turns: rounds over
 * the dests in list order, each taking `turns` slots per round, each slot
 * being the first free one along its permutation offset, offset + skip, ...
 * mod M, until all M slots are taken. The table is rebuilt on every add,
 * delete and edit.
 *
 * Lookup: ih = h(caddr + cport, KEY1) mod M, cport being the client source
 * port when the mh-port flag (LB_SVC_F_MH_PORT) is set and the protocol
 * has ports, else 0. An empty slot: no dest. A usable dest (weight > 0, not
 * OVERLOAD): it. Otherwise no dest, unless mh-fallback (LB_SVC_F_MH_FALLBACK):
 * then for off = 0..M-1 the slot h(caddr + cport + ((off + ih) mod M), KEY1)
 * mod M is tried (a rehash per probe, not a linear scan), an empty slot
 * ending the search, the first usable dest winning.
 *
 * With more dests than M the kernel refuses to rebuild: init fails with
 * -EINVAL and a later add keeps the old table. Deliberate differences: a dest
 * must also be AVAILABLE to be returned, so that after such a refused rebuild
 * on delete a removed dest cannot be chosen (the kernel would return it); and
 * a NULL flow key gets no dest.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/sched/mh.h"

#include <errno.h>
#include <stdlib.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"

#define MH_SIZE_DEFAULT 4093

/* primes[i] is the table size of CONFIG_IP_VS_MH_TAB_INDEX = i + 8. */
static const uint32_t mh_primes[] = { 251,   509,   1021,  2039,  4093,
				      8191,  16381, 32749, 65521, 131071 };

struct mh_state {
	uint32_t m;
	unsigned tab_bits;	/* TAB_INDEX / 2 */
	int32_t *table;		/* m slots: index into dests[], -1 = empty */
	struct lb_dest **dests; /* the list the table was built from */
	struct mh_perm *perm;	/* per dest in dests[] */
	unsigned cap;		/* of dests[] and perm[] */
};

/* ---- SipHash-1-3, 64-bit words, 32-bit result (the kernel's hsiphash) ---- */

struct mh_sip {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t mh_rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void mh_sipround(struct mh_sip *s)
{
	s->v0 += s->v1;
	s->v1 = mh_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = mh_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = mh_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = mh_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = mh_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = mh_rotl(s->v2, 32);
}

/* The initial state: "somepseudorandomlygeneratedbytes" XOR the key. */
static inline void mh_sip_init(struct mh_sip *s, uint64_t k0, uint64_t k1)
{
	s->v0 = UINT64_C(0x736f6d6570736575) ^ k0;
	s->v1 = UINT64_C(0x646f72616e646f6d) ^ k1;
	s->v2 = UINT64_C(0x6c7967656e657261) ^ k0;
	s->v3 = UINT64_C(0x7465646279746573) ^ k1;
}

/* One compression round (the "1" of 1-3). */
static inline void mh_sip_block(struct mh_sip *s, uint64_t m)
{
	s->v3 ^= m;
	mh_sipround(s);
	s->v0 ^= m;
}

/* Three finalisation rounds, truncated to 32 bits. */
static inline uint32_t mh_sip_final(struct mh_sip *s)
{
	s->v2 ^= 0xff;
	mh_sipround(s);
	mh_sipround(s);
	mh_sipround(s);
	return (uint32_t)(s->v0 ^ s->v1 ^ s->v2 ^ s->v3);
}

/*
 * mh_hsiphash - SipHash-1-3 of len bytes at data under the key (k0, k1),
 * low 32 bits: the kernel's hsiphash on 64-bit hosts. Any len, data may be
 * NULL when len is 0. Pure function; used by tests for the published vectors.
 */
uint32_t mh_hsiphash(const void *data, size_t len, uint64_t k0, uint64_t k1)
{
	const uint8_t *p = data;
	struct mh_sip s;
	uint64_t b = (uint64_t)(len & 0xff) << 56;
	size_t i;

	mh_sip_init(&s, k0, k1);
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = 0;

		for (unsigned j = 0; j < 8; j++)
			m |= (uint64_t)p[i + j] << (8 * j);
		mh_sip_block(&s, m);
	}
	for (unsigned j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	mh_sip_block(&s, b);
	return mh_sip_final(&s);
}

/* hsiphash of the u32 v as 4 little-endian bytes, with both key words = key. */
static inline uint32_t mh_hash_u32(uint32_t v, uint64_t key)
{
	struct mh_sip s;

	mh_sip_init(&s, key, key);
	mh_sip_block(&s, UINT64_C(4) << 56 | v);
	return mh_sip_final(&s);
}

/* h(addr, port, key, offset) of spec 2.12; the sum wraps at 2^32. */
static inline uint32_t mh_hashkey(uint32_t addr, uint16_t port, uint64_t key, uint32_t offset)
{
	return mh_hash_u32(offset + port + addr, key);
}

/* ---- table ---- */

/*
 * mh_populate - fill table[0..m-1] from n permutations, the paper's
 * Pseudocode 1 with turns: rounds over perm[0..n-1] in order; in each round
 * perm[i] takes perm[i].turns slots, each the first free slot on its
 * sequence next, next + skip, ... mod m (next starts at offset and is not
 * advanced past a claimed slot); stops when every slot is taken.
 * Requires m prime, offset < m and 1 <= skip < m for every perm (so each
 * sequence visits every slot). table[s] becomes the index of the owning
 * perm, or -1 everywhere when no perm has turns > 0. Rewrites perm[].next;
 * allocates nothing.
 */
void mh_populate(uint32_t m, struct mh_perm *perm, unsigned n, int32_t *table)
{
	uint32_t filled = 0;
	bool any = false;

	for (uint32_t s = 0; s < m; s++)
		table[s] = -1;
	for (unsigned i = 0; i < n; i++) {
		perm[i].next = perm[i].offset;
		any |= perm[i].turns > 0;
	}
	if (!any)
		return;
	for (;;) {
		for (unsigned i = 0; i < n; i++) {
			struct mh_perm *p = &perm[i];

			for (uint32_t t = 0; t < p->turns; t++) {
				while (table[p->next] >= 0) {
					p->next += p->skip;
					if (p->next >= m)
						p->next -= m;
				}
				table[p->next] = (int32_t)i;
				if (++filled == m)
					return;
			}
		}
	}
}

static unsigned mh_gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static unsigned mh_bitlen(unsigned v)
{
	unsigned n = 0;

	for (; v; v >>= 1)
		n++;
	return n;
}

/*
 * Rebuild the table from the current list (spec 2.12). Returns 0, or
 * -EINVAL with the old table left in place when there are more dests than
 * slots.
 */
static int mh_reassign(struct lb_service *svc)
{
	struct mh_state *st = svc->sched_priv;
	unsigned n = svc->ndests, g = 0, maxw = 0, rshift;
	int bits_over;

	if (n > st->m)
		return -EINVAL;
	if (n > st->cap) {
		st->cap = n > 2 * st->cap ? n : 2 * st->cap;
		st->dests = xrealloc(st->dests, st->cap * sizeof(*st->dests));
		st->perm = xrealloc(st->perm, st->cap * sizeof(*st->perm));
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned lw = (unsigned)svc->dests[i]->last_weight;

		st->dests[i] = svc->dests[i];
		if (lw > 0)
			g = g ? mh_gcd(g, lw) : lw;
		if (lw > maxw)
			maxw = lw;
	}
	if (g == 0) {
		mh_populate(st->m, st->perm, 0, st->table);
		return 0;
	}
	bits_over = (int)mh_bitlen(maxw / g) - (int)st->tab_bits;
	rshift = bits_over > 0 ? (unsigned)bits_over : 0;
	for (unsigned i = 0; i < n; i++) {
		const struct lb_dest *d = svc->dests[i];
		uint32_t a = lb_sched_addr_key(&d->addr);
		unsigned lw = (unsigned)d->last_weight;
		struct mh_perm *p = &st->perm[i];

		p->offset = mh_hashkey(a, d->port, MH_KEY1, 0) % st->m;
		p->skip = mh_hashkey(a, d->port, MH_KEY2, 0) % (st->m - 1) + 1;
		p->turns = (lw / g) >> rshift;
		if (p->turns == 0 && lw != 0)
			p->turns = 1;
	}
	mh_populate(st->m, st->perm, n, st->table);
	return 0;
}

/* add/del/upd hook: a refused rebuild keeps the old table (see the header). */
static void mh_changed(struct lb_service *svc, struct lb_dest *d)
{
	(void)mh_reassign(svc);
}

static void mh_done(struct lb_service *svc)
{
	struct mh_state *st = svc->sched_priv;

	if (st) {
		free(st->table);
		free(st->dests);
		free(st->perm);
	}
	free(st);
	svc->sched_priv = NULL;
}

/*
 * mh_init - allocate and build the table of conf.mh_size slots. Returns 0;
 * -EINVAL when mh_size is not one of the kernel's primes (0 = 4093) or when
 * there are more dests than slots, leaving sched_priv NULL.
 */
static int mh_init(struct lb_service *svc)
{
	uint32_t m = svc->conf.mh_size ? svc->conf.mh_size : MH_SIZE_DEFAULT;
	struct mh_state *st;
	unsigned idx;
	int rc;

	for (idx = 0; idx < sizeof(mh_primes) / sizeof(mh_primes[0]); idx++)
		if (mh_primes[idx] == m)
			break;
	if (idx == sizeof(mh_primes) / sizeof(mh_primes[0]) || svc->ndests > m)
		return -EINVAL;
	st = xcalloc(1, sizeof(*st));
	st->m = m;
	st->tab_bits = (idx + 8) / 2;
	st->table = xmalloc(m * sizeof(*st->table));
	svc->sched_priv = st;
	rc = mh_reassign(svc);
	if (rc)
		mh_done(svc);
	return rc;
}

static bool mh_usable(const struct lb_dest *d)
{
	return d->weight > 0 && !lb_dest_is_overloaded(d) && (d->flags & LB_DEST_F_AVAILABLE);
}

static struct lb_dest *mh_pick(struct lb_service *svc, const struct lb_flow_key *key)
{
	const struct mh_state *st = svc->sched_priv;
	unsigned flags = svc->conf.flags;
	uint32_t a, ih, r;
	uint16_t port = 0;
	struct lb_dest *d;
	int32_t i;

	if (!key)
		return NULL;
	a = lb_sched_addr_key(&key->saddr);
	if ((flags & LB_SVC_F_MH_PORT) && (key->proto == LB_PROTO_TCP ||
					     key->proto == LB_PROTO_UDP ||
					     key->proto == LB_PROTO_SCTP))
		port = key->sport;
	ih = mh_hashkey(a, port, MH_KEY1, 0) % st->m;
	i = st->table[ih];
	if (i < 0)
		return NULL;
	d = st->dests[i];
	if (mh_usable(d))
		return d;
	if (!(flags & LB_SVC_F_MH_FALLBACK))
		return NULL;
	r = ih; /* (off + ih) mod M for off = 0, 1, ... */
	for (uint32_t off = 0; off < st->m; off++) {
		i = st->table[mh_hashkey(a, port, MH_KEY1, r) % st->m];
		if (i < 0)
			return NULL;
		d = st->dests[i];
		if (mh_usable(d))
			return d;
		if (++r == st->m)
			r = 0;
	}
	return NULL;
}

/* mh_table_size - M of svc's running mh table, 0 when svc does not run mh. */
uint32_t mh_table_size(const struct lb_service *svc)
{
	const struct mh_state *st = svc->sched_priv;

	return svc->sched == &sched_mh_ops && st ? st->m : 0;
}

/*
 * mh_table_dest - the dest owning slot of svc's mh table (whatever its weight
 * or flags), NULL for an empty slot, a slot >= M or a service not running mh.
 */
struct lb_dest *mh_table_dest(const struct lb_service *svc, uint32_t slot)
{
	const struct mh_state *st = svc->sched_priv;

	if (slot >= mh_table_size(svc) || st->table[slot] < 0)
		return NULL;
	return st->dests[st->table[slot]];
}

const struct lb_sched_ops sched_mh_ops = {
	.name = "mh",
	.summary = "Maglev hashing: consistent table over the client address (kernel ip_vs_mh)",
	.flags = LB_SCHED_F_KERNEL | LB_SCHED_F_HASH,
	.init = mh_init,
	.done = mh_done,
	.add_dest = mh_changed,
	.del_dest = mh_changed,
	.upd_dest = mh_changed,
	.pick = mh_pick,
};
