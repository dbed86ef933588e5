/*
 * algorithms/ipvs/conn.c - the IPVS connection table: one entry per client
 * connection (proto, caddr, cport, vaddr, vport) pointing at its dest, the
 * TCP state machine and idle timeouts, port reuse, dest deletion effects, and
 * the persistence templates that make a client stick to a dest.
 *
 * Called by the director model and the live shim: lb_conn_in once per packet
 * from a client, lb_conn_packet per reply packet (NAT), lb_conn_table_expire
 * before each decision (or from one timer armed at lb_conn_table_next_expiry),
 * lb_conn_table_dest_removed when a dest is deleted. Also by `lbsim sched`.
 * Lookups, packets, creation and expiry are O(1) (amortised, plus the number
 * of distinct timeouts, about 15, per expiry step); flush and the dest
 * removal sweep are O(table). The table holds up to tens of millions of
 * entries: 88-byte entries in 4096-entry chunks (no malloc per connection,
 * entries never move, so pointers stay valid) plus an open-addressing index
 * of 8-byte cells (the key's 32-bit hash and the slot), linear probing at a
 * load of at most 1/2: about 110 bytes per connection all told. A lookup
 * reads the entries only of cells whose hash matches, so a new connection's
 * miss costs one cache line of cells, however many closed connections linger
 * in the table (the replay's hot path: hundreds of thousands in FIN_WAIT).
 *
 * Behaviour follows spec/ipvs-schedulers.md sections 1.1, 1.4, 1.5, 5 and 6:
 * new entries start in NONE with a 3 s timeout and count as inactive; each
 * packet moves a TCP entry through the INPUT, OUTPUT or INPUT-ONLY table
 * (DR/TUN entries carry NOOUTPUT until a reply is seen) and re-arms its idle
 * timer to now + timeout(state); SYN_SENT, SYN_RECV, ESTABLISHED and SYNACK
 * count as active, everything else (and all of UDP) as inactive. Counters and
 * the OVERLOAD flag are kept through lb_dest_conn_bind/set_active/unbind.
 *
 * Expiry without one timer per entry: every state has a fixed timeout, so
 * entries armed with the same timeout expire in the order they were armed.
 * Each distinct (timeout, template or not) pair has a FIFO queue; re-arming
 * moves an entry to the tail of its queue, and expiry pops the earliest head
 * over all queues. Entries are processed in expiry-time order, connections
 * before templates at equal times, and a template's renewal is computed from
 * the time its timer was due, not from when the owner got round to calling
 * us, so the result does not depend on how often lb_conn_table_expire runs.
 *
 * Deliberate differences from the kernel:
 *  - protocols other than TCP are all handled like UDP (one state, the UDP
 *    timeout, always inactive); the SCTP state machine is not modelled;
 *  - no conntrack (the default conntrack = 0), FTP helpers, sync daemon or
 *    one-packet scheduling; invalidated templates are unhashed instead of
 *    rehashed under port 0xffff (the effect is the same: never found again);
 *  - binding a template runs no OVERLOAD check (templates carry no load);
 *  - the trash's 120 s grace period belongs to service.c, which keeps
 *    trashed dests until the service is finalised, so entries never point
 *    at a freed dest as long as the table is flushed before lb_service_fini.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/ipvs/conn.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/xalloc.h"

#ifdef LBSIM_DEBUG
#define CONN_ASSERT_SANE(tab) assert(lb_conn_table_sane(tab))
#else
#define CONN_ASSERT_SANE(tab) ((void)0)
#endif

#define CONN_CHUNK_BITS 12
#define CONN_CHUNK (1u << CONN_CHUNK_BITS)
#define CONN_CHUNK_MASK (CONN_CHUNK - 1)
#define CONN_MAX_QUEUES 255
#define CONN_MIN_CELLS_BITS 9
#define CONN_MIN_CELLS (1u << CONN_MIN_CELLS_BITS)
#define CONN_NS_PER_S INT64_C(1000000000)

/* An index cell: the key hash of the entry in slot (0 = empty). */
struct conn_cell {
	uint32_t hash;
	uint32_t slot;
};

static const struct lb_conn conn_zero;

/* A FIFO of entries that share one timeout; expiry order = arm order. */
struct conn_queue {
	int64_t timeout_ns;
	uint32_t head, tail; /* slot indices, 0 = empty */
	bool tmpl;
};

struct lb_conn_table {
	struct lb_conn_conf conf;
	struct lb_conn **chunks;	/* CONN_CHUNK entries each, never moved */
	uint32_t nchunks, chunks_cap;
	uint32_t nslots;		/* slots handed out; slot 0 is the NULL index */
	uint32_t free_head;		/* free slots chained through tnext */
	struct conn_cell *cells;	/* the index, linear probing */
	uint32_t ncells;		/* power of two, at least twice nhashed */
	unsigned shift;			/* 32 - log2(ncells): a hash's home is hash >> shift */
	size_t nhashed;
	int64_t next_due;		/* no timer is due before this (a lower bound) */
	size_t nconns, ntemplates;
	struct conn_queue queues[CONN_MAX_QUEUES];
	unsigned nqueues;
	uint8_t state_q[LB_CONN_S_COUNT]; /* queue of each state's timeout */
	uint8_t new_q;			/* fresh entries, before their first packet */
	uint8_t renew_q;		/* templates renewed at expiry */
	uint32_t mru;			/* slot of the last entry found: a lookup cache */
	uint64_t created;		/* connection entries ever created */
};

/* The packet classes of the state tables, in the spec's row order. */
enum { TCP_C_SYN, TCP_C_FIN, TCP_C_ACK, TCP_C_RST, TCP_C_COUNT };
/* The three tables of spec 5.2. */
enum { TCP_T_INPUT, TCP_T_OUTPUT, TCP_T_INPUT_ONLY, TCP_T_COUNT };

#define NO LB_CONN_S_NONE
#define ES LB_CONN_S_ESTABLISHED
#define SS LB_CONN_S_SYN_SENT
#define SR LB_CONN_S_SYN_RECV
#define FW LB_CONN_S_FIN_WAIT
#define TW LB_CONN_S_TIME_WAIT
#define CL LB_CONN_S_CLOSE
#define CW LB_CONN_S_CLOSE_WAIT
#define LA LB_CONN_S_LAST_ACK
#define LI LB_CONN_S_LISTEN
#define SA LB_CONN_S_SYNACK

/*
 * Next state by [table][packet class][current state], columns in the order
 * NO ES SS SR FW TW CL CW LA LI SA (the enum order), transcribed from the
 * three tables of spec 5.2 (secure_tcp = 0).
 */
static const uint8_t tcp_next[TCP_T_COUNT][TCP_C_COUNT][LB_TCP_S_COUNT] = {
	[TCP_T_INPUT] = {
		[TCP_C_SYN] = { SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR },
		[TCP_C_FIN] = { CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW },
		[TCP_C_ACK] = { ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES },
		[TCP_C_RST] = { CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR },
	},
	[TCP_T_OUTPUT] = {
		[TCP_C_SYN] = { SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR },
		[TCP_C_FIN] = { TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW },
		[TCP_C_ACK] = { ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES },
		[TCP_C_RST] = { CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL },
	},
	[TCP_T_INPUT_ONLY] = {
		[TCP_C_SYN] = { SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR },
		[TCP_C_FIN] = { CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW },
		[TCP_C_ACK] = { ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES },
		[TCP_C_RST] = { CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL },
	},
};

#undef NO
#undef ES
#undef SS
#undef SR
#undef FW
#undef TW
#undef CL
#undef CW
#undef LA
#undef LI
#undef SA

static const char *const conn_state_names[LB_CONN_S_COUNT] = {
	[LB_CONN_S_NONE] = "NONE",
	[LB_CONN_S_ESTABLISHED] = "ESTABLISHED",
	[LB_CONN_S_SYN_SENT] = "SYN_SENT",
	[LB_CONN_S_SYN_RECV] = "SYN_RECV",
	[LB_CONN_S_FIN_WAIT] = "FIN_WAIT",
	[LB_CONN_S_TIME_WAIT] = "TIME_WAIT",
	[LB_CONN_S_CLOSE] = "CLOSE",
	[LB_CONN_S_CLOSE_WAIT] = "CLOSE_WAIT",
	[LB_CONN_S_LAST_ACK] = "LAST_ACK",
	[LB_CONN_S_LISTEN] = "LISTEN",
	[LB_CONN_S_SYNACK] = "SYNACK",
	[LB_CONN_S_UDP] = "UDP",
};

/*
 * lb_conn_conf_default - the kernel defaults (spec 5.1, 5.3, 6.3): TCP NONE
 * 2 s, ESTABLISHED 900 s, SYN_SENT 120 s, SYN_RECV 60 s, FIN_WAIT 120 s,
 * TIME_WAIT 120 s, CLOSE 10 s, CLOSE_WAIT 60 s, LAST_ACK 30 s, LISTEN 120 s,
 * SYNACK 120 s; UDP 300 s; a fresh entry 3 s; template renewal 60 s;
 * conn_reuse_mode 1; expire_nodest_conn, expire_quiescent_template and
 * sloppy_tcp off.
 */
void lb_conn_conf_default(struct lb_conn_conf *conf)
{
	static const int64_t s[LB_CONN_S_COUNT] = {
		[LB_CONN_S_NONE] = 2,	     [LB_CONN_S_ESTABLISHED] = 900,
		[LB_CONN_S_SYN_SENT] = 120,  [LB_CONN_S_SYN_RECV] = 60,
		[LB_CONN_S_FIN_WAIT] = 120,  [LB_CONN_S_TIME_WAIT] = 120,
		[LB_CONN_S_CLOSE] = 10,	     [LB_CONN_S_CLOSE_WAIT] = 60,
		[LB_CONN_S_LAST_ACK] = 30,   [LB_CONN_S_LISTEN] = 120,
		[LB_CONN_S_SYNACK] = 120,    [LB_CONN_S_UDP] = 300,
	};

	memset(conf, 0, sizeof(*conf));
	for (unsigned i = 0; i < LB_CONN_S_COUNT; i++)
		conf->timeout_ns[i] = s[i] * CONN_NS_PER_S;
	conf->new_timeout_ns = 3 * CONN_NS_PER_S;
	conf->template_renew_ns = 60 * CONN_NS_PER_S;
	conf->conn_reuse_mode = LB_CONN_REUSE_ON;
}

/* lb_conn_state_name - "ESTABLISHED" etc.; "?" for an out-of-range value. */
const char *lb_conn_state_name(enum lb_conn_state s)
{
	return (unsigned)s < LB_CONN_S_COUNT ? conn_state_names[s] : "?";
}

/* lb_conn_state_active - whether entries in state s count in activeconns (spec 5.1). */
bool lb_conn_state_active(enum lb_conn_state s)
{
	return s == LB_CONN_S_SYN_SENT || s == LB_CONN_S_SYN_RECV ||
	       s == LB_CONN_S_ESTABLISHED || s == LB_CONN_S_SYNACK;
}

/* ---- slots ---- */

static inline struct lb_conn *conn_at(const struct lb_conn_table *tab, uint32_t i)
{
	return &tab->chunks[i >> CONN_CHUNK_BITS][i & CONN_CHUNK_MASK];
}

/*
 * Start loading the slot the next allocation will take: a new entry is
 * written and then read back at once (its hash, its state), and a slot that
 * has gone cold (fresh memory, or freed long ago) would stall those reads
 * for a whole memory latency. Slots come in order, so this one is known now.
 */
static inline void conn_prefetch_next(const struct lb_conn_table *tab)
{
	const struct lb_conn *n;

	if (tab->free_head)
		n = conn_at(tab, tab->free_head);
	else if (tab->nslots < tab->nchunks * CONN_CHUNK)
		n = conn_at(tab, tab->nslots);
	else
		return;
	__builtin_prefetch(n, 1);
	__builtin_prefetch((const char *)n + sizeof(*n) - 1, 1);
}

/* A zeroed, USED slot with its self index set. Never fails (xmalloc aborts). */
static struct lb_conn *conn_alloc(struct lb_conn_table *tab)
{
	struct lb_conn *c;
	uint32_t i;

	if (tab->free_head) {
		i = tab->free_head;
		c = conn_at(tab, i);
		tab->free_head = c->tnext;
	} else {
		if (tab->nslots >= tab->nchunks * CONN_CHUNK) {
			if (tab->nchunks == tab->chunks_cap) {
				tab->chunks_cap = tab->chunks_cap ? tab->chunks_cap * 2 : 16;
				tab->chunks = xrealloc(tab->chunks,
						       tab->chunks_cap * sizeof(*tab->chunks));
			}
			tab->chunks[tab->nchunks++] = xmalloc(CONN_CHUNK * sizeof(struct lb_conn));
			if (tab->nchunks == 1)
				memset(tab->chunks[0], 0, sizeof(struct lb_conn)); /* slot 0 */
		}
		i = tab->nslots++;
		c = conn_at(tab, i);
	}
	memcpy(c, &conn_zero, sizeof(*c)); /* vector moves, not rep stos (see frame.c) */
	c->self = i;
	c->flags = LB_CONN_F_USED;
	conn_prefetch_next(tab);
	return c;
}

static void conn_slot_free(struct lb_conn_table *tab, struct lb_conn *c)
{
	uint32_t i = c->self;

	memcpy(c, &conn_zero, sizeof(*c));
	c->self = i;
	c->tnext = tab->free_head;
	tab->free_head = i;
}

/* ---- hashing ---- */

static inline uint64_t conn_mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= UINT64_C(0x9E3779B97F4A7C15);
	return h ^ (h >> 31);
}

static uint64_t conn_mix_addr(uint64_t h, const struct lb_addr *a)
{
	uint64_t w[2];

	memcpy(w, a->u.v6, 16);
	h = conn_mix(h, w[0]);
	return conn_mix(h, w[1]);
}

/*
 * The key's hash: 64-bit multiply-xorshift rounds over 64-bit words (two
 * rounds for IPv4), folded to 32 bits. Only the bytes of the address
 * family count, so a key need not be normalised to be looked up.
 */
static uint32_t conn_hash(uint8_t proto, bool tmpl, const struct lb_addr *caddr, uint16_t cport,
			  const struct lb_addr *vaddr, uint16_t vport)
{
	uint64_t h = (uint64_t)cport << 16 | vport | (uint64_t)proto << 32 |
		     (uint64_t)(tmpl ? 1 : 0) << 40 | (uint64_t)caddr->af << 48;

	if (caddr->af != LB_AF_INET6) {
		h = conn_mix(UINT64_C(0x243F6A8885A308D3), h);
		h = conn_mix(h, (uint64_t)caddr->u.v4 << 32 | vaddr->u.v4);
	} else {
		h = conn_mix(UINT64_C(0x13198A2E03707344), h);
		h = conn_mix_addr(h, caddr);
		h = conn_mix_addr(h, vaddr);
	}
	h *= UINT64_C(0xD6E8FEB86659FD93);
	return (uint32_t)(h >> 32);
}

static inline uint32_t conn_hash_of(const struct lb_conn *c)
{
	return conn_hash(c->proto, c->flags & LB_CONN_F_TEMPLATE, &c->caddr, c->cport, &c->vaddr,
			 c->vport);
}

static inline bool conn_addr_eq(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == LB_AF_INET6)
		return !memcmp(a->u.v6, b->u.v6, 16);
	return a->u.v4 == b->u.v4;
}

/* An address with only the bytes of its family set, so entries compare cleanly. */
static struct lb_addr conn_addr_norm(const struct lb_addr *a)
{
	struct lb_addr r;

	memset(&r, 0, sizeof(r));
	r.af = a->af;
	if (a->af == LB_AF_INET6)
		memcpy(r.u.v6, a->u.v6, 16);
	else
		r.u.v4 = a->u.v4;
	return r;
}

static inline bool conn_matches(const struct lb_conn *c, uint8_t proto, bool tmpl,
				const struct lb_addr *caddr, uint16_t cport,
				const struct lb_addr *vaddr, uint16_t vport)
{
	return c->proto == proto && c->cport == cport && c->vport == vport &&
	       !(c->flags & LB_CONN_F_TEMPLATE) == !tmpl && conn_addr_eq(&c->caddr, caddr) &&
	       conn_addr_eq(&c->vaddr, vaddr);
}

/*
 * The hashed entry with this key (hash h), or NULL. The last entry found is
 * tried first: a connection's packets come in bursts (a request's segments,
 * the ACKs of a response), so most lookups skip the probe. The cache is
 * checked like any candidate (still hashed, same key), so it never changes
 * an answer; a slot is never unmapped, so reading a freed one is safe.
 */
static struct lb_conn *conn_find_h(const struct lb_conn_table *tab, uint32_t h, uint8_t proto,
				   bool tmpl, const struct lb_addr *caddr, uint16_t cport,
				   const struct lb_addr *vaddr, uint16_t vport)
{
	uint32_t mask = tab->ncells - 1;

	if (tab->mru) {
		struct lb_conn *c = conn_at(tab, tab->mru);

		if ((c->flags & LB_CONN_F_HASHED) && c->hash == h &&
		    conn_matches(c, proto, tmpl, caddr, cport, vaddr, vport))
			return c;
	}
	for (uint32_t i = h >> tab->shift;; i = (i + 1) & mask) {
		const struct conn_cell *cell = &tab->cells[i];
		struct lb_conn *c;

		if (!cell->slot)
			return NULL;
		if (cell->hash != h)
			continue;
		c = conn_at(tab, cell->slot);
		if (conn_matches(c, proto, tmpl, caddr, cport, vaddr, vport)) {
			/* A cache, not state: lookups through a const table may update it. */
			((struct lb_conn_table *)tab)->mru = cell->slot;
			return c;
		}
	}
}

static struct lb_conn *conn_find(const struct lb_conn_table *tab, uint8_t proto, bool tmpl,
				 const struct lb_addr *caddr, uint16_t cport,
				 const struct lb_addr *vaddr, uint16_t vport)
{
	return conn_find_h(tab, conn_hash(proto, tmpl, caddr, cport, vaddr, vport), proto, tmpl,
			   caddr, cport, vaddr, vport);
}

/* Put (h, slot) into the first empty cell of its probe sequence. */
static void conn_cell_put(struct conn_cell *cells, uint32_t mask, unsigned shift, uint32_t h,
			  uint32_t slot)
{
	uint32_t i = h >> shift;

	while (cells[i].slot)
		i = (i + 1) & mask;
	cells[i].hash = h;
	cells[i].slot = slot;
}

/*
 * Double the index. Homes are the hash's top bits, so walking the old cells
 * in order writes the new ones nearly in order too (a cell's home i becomes
 * 2i or 2i + 1): the copy streams instead of missing the cache per entry.
 */
static void conn_rehash(struct lb_conn_table *tab)
{
	uint32_t ncells = tab->ncells * 2;
	struct conn_cell *nc = xcalloc(ncells, sizeof(*nc));

	for (uint32_t i = 0; i < tab->ncells; i++)
		if (tab->cells[i].slot)
			conn_cell_put(nc, ncells - 1, tab->shift - 1, tab->cells[i].hash,
				      tab->cells[i].slot);
	free(tab->cells);
	tab->cells = nc;
	tab->ncells = ncells;
	tab->shift--;
}

/* Index c under the hash of its key; the index doubles to stay at most half full. */
static void conn_hash_insert(struct lb_conn_table *tab, struct lb_conn *c)
{
	if (2 * (tab->nhashed + 1) > tab->ncells)
		conn_rehash(tab);
	c->hash = conn_hash_of(c);
	conn_cell_put(tab->cells, tab->ncells - 1, tab->shift, c->hash, c->self);
	c->flags |= LB_CONN_F_HASHED;
	tab->nhashed++;
}

/*
 * Take c out of the index: its cell is emptied and the cells after it in the
 * same run move back when the hole lies between their home and themselves
 * (backward-shift deletion, no tombstones).
 */
static void conn_hash_remove(struct lb_conn_table *tab, struct lb_conn *c)
{
	uint32_t mask = tab->ncells - 1, i = c->hash >> tab->shift, j;

	while (tab->cells[i].slot != c->self) {
		assert(tab->cells[i].slot != 0);
		i = (i + 1) & mask;
	}
	for (j = (i + 1) & mask; tab->cells[j].slot; j = (j + 1) & mask) {
		uint32_t home = tab->cells[j].hash >> tab->shift;

		/* The cell at j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		tab->cells[i] = tab->cells[j];
		i = j;
	}
	tab->cells[i].slot = 0;
	tab->cells[i].hash = 0;
	c->flags &= ~LB_CONN_F_HASHED;
	tab->nhashed--;
}

/* ---- timeout queues ---- */

/* The queue for (timeout, tmpl), created on first use; -E2BIG when all are taken. */
static int conn_queue_get(struct lb_conn_table *tab, int64_t timeout_ns, bool tmpl)
{
	struct conn_queue *q;

	for (unsigned i = 0; i < tab->nqueues; i++)
		if (tab->queues[i].timeout_ns == timeout_ns && tab->queues[i].tmpl == tmpl)
			return (int)i;
	if (tab->nqueues == CONN_MAX_QUEUES)
		return -E2BIG;
	q = &tab->queues[tab->nqueues];
	q->timeout_ns = timeout_ns;
	q->tmpl = tmpl;
	q->head = q->tail = 0;
	return (int)tab->nqueues++;
}

/*
 * Put c into queue qid with the given expiry. Entries are armed at
 * non-decreasing times, so c almost always goes at the tail; the backward
 * walk keeps the queue sorted anyway (equal times stay in arm order).
 */
static void conn_queue_insert(struct lb_conn_table *tab, struct lb_conn *c, unsigned qid,
			      int64_t expires)
{
	struct conn_queue *q = &tab->queues[qid];
	uint32_t after = q->tail;

	c->queue = (uint8_t)qid;
	c->expires = expires;
	if (expires < tab->next_due)
		tab->next_due = expires;
	while (after && conn_at(tab, after)->expires > expires)
		after = conn_at(tab, after)->tprev;
	c->tprev = after;
	c->tnext = after ? conn_at(tab, after)->tnext : q->head;
	if (c->tnext)
		conn_at(tab, c->tnext)->tprev = c->self;
	else
		q->tail = c->self;
	if (after)
		conn_at(tab, after)->tnext = c->self;
	else
		q->head = c->self;
}

static void conn_queue_remove(struct lb_conn_table *tab, struct lb_conn *c)
{
	struct conn_queue *q = &tab->queues[c->queue];

	if (c->tprev)
		conn_at(tab, c->tprev)->tnext = c->tnext;
	else
		q->head = c->tnext;
	if (c->tnext)
		conn_at(tab, c->tnext)->tprev = c->tprev;
	else
		q->tail = c->tprev;
	c->tprev = c->tnext = 0;
}

/* Re-arm c's idle timer to now + the timeout of queue qid. */
static void conn_arm(struct lb_conn_table *tab, struct lb_conn *c, unsigned qid, int64_t now_ns)
{
	conn_queue_remove(tab, c);
	conn_queue_insert(tab, c, qid, now_ns + tab->queues[qid].timeout_ns);
}

/* ---- table lifecycle ---- */

static int64_t conn_clamp(int64_t v, int64_t lo)
{
	return v < lo ? lo : v;
}

/*
 * lb_conn_table_set_conf - replace the settings (sysctl changes). Entries
 * keep the expiry they were armed with; the new timeouts apply from each
 * entry's next packet (or a template's next use), as in the kernel. Negative
 * timeouts are taken as 0 (the entry is due at once); the template renewal
 * is at least 1 ns. Returns 0, or -E2BIG when the table would need more than
 * 255 distinct timeouts over its life (nothing is changed then).
 */
int lb_conn_table_set_conf(struct lb_conn_table *tab, const struct lb_conn_conf *conf)
{
	struct lb_conn_conf c = *conf;
	int q[LB_CONN_S_COUNT], nq, rq;

	for (unsigned s = 0; s < LB_CONN_S_COUNT; s++) {
		c.timeout_ns[s] = conn_clamp(c.timeout_ns[s], 0);
		q[s] = conn_queue_get(tab, c.timeout_ns[s], false);
		if (q[s] < 0)
			return q[s];
	}
	c.new_timeout_ns = conn_clamp(c.new_timeout_ns, 0);
	c.template_renew_ns = conn_clamp(c.template_renew_ns, 1);
	nq = conn_queue_get(tab, c.new_timeout_ns, false);
	rq = conn_queue_get(tab, c.template_renew_ns, true);
	if (nq < 0 || rq < 0)
		return -E2BIG;
	for (unsigned s = 0; s < LB_CONN_S_COUNT; s++)
		tab->state_q[s] = (uint8_t)q[s];
	tab->new_q = (uint8_t)nq;
	tab->renew_q = (uint8_t)rq;
	tab->conf = c;
	tab->next_due = INT64_MIN; /* look again at the next expiry call */
	return 0;
}

/*
 * lb_conn_table_new - an empty table with a copy of conf (NULL: the defaults
 * of lb_conn_conf_default), clamped as lb_conn_table_set_conf does. The
 * caller owns the table and frees it with lb_conn_table_free. Never NULL.
 */
struct lb_conn_table *lb_conn_table_new(const struct lb_conn_conf *conf)
{
	struct lb_conn_table *tab = xcalloc(1, sizeof(*tab));
	struct lb_conn_conf def;

	if (!conf) {
		lb_conn_conf_default(&def);
		conf = &def;
	}
	lb_conn_table_set_conf(tab, conf); /* at most 15 queues: cannot fail */
	tab->nslots = 1; /* slot 0 means "none" in every link */
	tab->ncells = CONN_MIN_CELLS;
	tab->shift = 32 - CONN_MIN_CELLS_BITS;
	tab->cells = xcalloc(tab->ncells, sizeof(*tab->cells));
	return tab;
}

/*
 * lb_conn_table_free - release the table's memory. Dest counters are NOT
 * touched (the dests may already be gone); call lb_conn_table_flush first
 * when they must come back down. Accepts NULL.
 */
void lb_conn_table_free(struct lb_conn_table *tab)
{
	if (!tab)
		return;
	for (uint32_t i = 0; i < tab->nchunks; i++)
		free(tab->chunks[i]);
	free(tab->chunks);
	free(tab->cells);
	free(tab);
}

/* lb_conn_table_conf - the settings in force (after clamping). */
const struct lb_conn_conf *lb_conn_table_conf(const struct lb_conn_table *tab)
{
	return &tab->conf;
}

/*
 * Unlink c from everything, give its dest back its counters (unbind runs
 * the OVERLOAD rules) and free the slot. A controlled connection drops its
 * template's count. The caller makes sure a template controls nothing.
 */
static void conn_release(struct lb_conn_table *tab, struct lb_conn *c)
{
	assert(!(c->flags & LB_CONN_F_TEMPLATE) || c->nctl == 0);
	if (c->flags & LB_CONN_F_HASHED)
		conn_hash_remove(tab, c);
	conn_queue_remove(tab, c);
	if (c->flags & LB_CONN_F_TEMPLATE) {
		c->dest->persistconns--;
		tab->ntemplates--;
	} else {
		lb_dest_conn_unbind(c->dest, !(c->flags & LB_CONN_F_INACTIVE));
		if (c->ctl)
			conn_at(tab, c->ctl)->nctl--;
		tab->nconns--;
	}
	conn_slot_free(tab, c);
}

static bool conn_of_svc(const struct lb_conn *c, const struct lb_service *svc)
{
	return !svc || c->dest->svc == svc;
}

/*
 * lb_conn_table_flush - expire at once every entry whose dest belongs to svc
 * (NULL: every entry), connections first, then templates: the counters of
 * the dests come back down. For deleting a service or ipvsadm -C. O(table).
 * Every pointer to a flushed entry is dangling afterwards.
 */
void lb_conn_table_flush(struct lb_conn_table *tab, const struct lb_service *svc)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 1; i < tab->nslots; i++) {
			struct lb_conn *c = conn_at(tab, i);

			if (!(c->flags & LB_CONN_F_USED) || !conn_of_svc(c, svc))
				continue;
			if (!(c->flags & LB_CONN_F_TEMPLATE) == (pass == 0))
				conn_release(tab, c);
		}
	}
	CONN_ASSERT_SANE(tab);
}

/* ---- time ---- */

/* The queue whose head is due first at or before now: connections win ties. */
static int conn_due_queue(const struct lb_conn_table *tab, int64_t now_ns)
{
	int best = -1;
	int64_t when = 0;

	for (unsigned i = 0; i < tab->nqueues; i++) {
		const struct conn_queue *q = &tab->queues[i];
		int64_t e;

		if (!q->head)
			continue;
		e = conn_at(tab, q->head)->expires;
		if (e > now_ns)
			continue;
		if (best < 0 || e < when || (e == when && tab->queues[best].tmpl && !q->tmpl)) {
			best = (int)i;
			when = e;
		}
	}
	return best;
}

/*
 * lb_conn_table_expire - run every idle timer due at or before now_ns, in
 * time order (connections before templates at equal times). A connection is
 * unbound from its dest (counters, OVERLOAD rules of spec 1.4) and freed. A
 * template that still controls connections is renewed for
 * template_renew_ns from the moment it was due, and keeps that shorter
 * timeout from then on (spec 6.3 step 5); otherwise it is freed and its
 * dest's persistconns drops. Returns the number of entries freed. Pointers
 * to freed entries are dangling afterwards.
 */
unsigned lb_conn_table_expire(struct lb_conn_table *tab, int64_t now_ns)
{
	unsigned n = 0;
	int qid;

	if (now_ns < tab->next_due)
		return 0;
	while ((qid = conn_due_queue(tab, now_ns)) >= 0) {
		struct lb_conn *c = conn_at(tab, tab->queues[qid].head);

		if ((c->flags & LB_CONN_F_TEMPLATE) && c->nctl > 0) {
			int64_t due = c->expires;

			conn_queue_remove(tab, c);
			conn_queue_insert(tab, c, tab->renew_q,
					  due + tab->queues[tab->renew_q].timeout_ns);
			continue;
		}
		conn_release(tab, c);
		n++;
	}
	tab->next_due = lb_conn_table_next_expiry(tab);
	return n;
}

/*
 * lb_conn_table_next_expiry - when the earliest idle timer is due, for an
 * owner that arms one timer; INT64_MAX for an empty table. O(queues).
 */
int64_t lb_conn_table_next_expiry(const struct lb_conn_table *tab)
{
	int64_t best = INT64_MAX;

	for (unsigned i = 0; i < tab->nqueues; i++) {
		const struct conn_queue *q = &tab->queues[i];

		if (q->head && conn_at(tab, q->head)->expires < best)
			best = conn_at(tab, q->head)->expires;
	}
	return best;
}

/* ---- packets ---- */

/*
 * lb_conn_lookup - the connection entry (never a template) for a packet from
 * the client: k->saddr:sport -> k->daddr:dport, protocol k->proto. NULL when
 * there is none. Entries past their expiry that lb_conn_table_expire has not
 * yet run are still found. O(1).
 */
struct lb_conn *lb_conn_lookup(const struct lb_conn_table *tab, const struct lb_flow_key *k)
{
	/* The hash and the comparison read only the family's bytes: no copy needed. */
	return conn_find(tab, k->proto, false, &k->saddr, k->sport, &k->daddr, k->dport);
}

/*
 * lb_conn_prefetch - start loading the index cells where k's connection
 * entry is, or would go: a hint for a packet that comes soon (a reader that
 * sees frames ahead). A new connection's lookup otherwise waits a whole
 * memory latency on them. Changes nothing; any k is accepted.
 */
void lb_conn_prefetch(const struct lb_conn_table *tab, const struct lb_flow_key *k)
{
	uint32_t h = conn_hash(k->proto, false, &k->saddr, k->sport, &k->daddr, k->dport);

	__builtin_prefetch(&tab->cells[h >> tab->shift]);
}

/* The template key of spec 6.2 for a packet k to svc. */
static void conn_template_key(const struct lb_service *svc, const struct lb_flow_key *k,
			      uint8_t *proto, struct lb_addr *caddr, struct lb_addr *vaddr,
			      uint16_t *vport)
{
	const struct lb_addr *m = &svc->persistence_mask;

	*caddr = conn_addr_norm(&k->saddr);
	if (caddr->af == LB_AF_INET && m->af == LB_AF_INET) {
		caddr->u.v4 &= m->u.v4;
	} else if (caddr->af == LB_AF_INET6 && m->af == LB_AF_INET6) {
		for (unsigned i = 0; i < 16; i++)
			caddr->u.v6[i] &= m->u.v6[i];
	}
	memset(vaddr, 0, sizeof(*vaddr));
	if (svc->fwmark) {
		*proto = 0;
		vaddr->af = LB_AF_INET;
		vaddr->u.v4 = svc->fwmark;
		*vport = 0;
		return;
	}
	*proto = k->proto;
	*vaddr = conn_addr_norm(&k->daddr);
	*vport = (svc->port == 0 || svc->port == 21) ? 0 : k->dport;
}

/*
 * lb_conn_template_lookup - the hashed (usable or not yet checked) template
 * that a packet k to svc would use, or NULL. For inspection and tests.
 */
struct lb_conn *lb_conn_template_lookup(const struct lb_conn_table *tab,
					const struct lb_service *svc,
					const struct lb_flow_key *k)
{
	struct lb_addr ca, va;
	uint16_t vport;
	uint8_t proto;

	conn_template_key(svc, k, &proto, &ca, &va, &vport);
	return conn_find(tab, proto, true, &ca, 0, &va, vport);
}

/* Spec 6.3 step 1: usable if its dest is AVAILABLE and not a quiesced one we must drop. */
static bool conn_template_usable(const struct lb_conn_table *tab, const struct lb_conn *t)
{
	if (!(t->dest->flags & LB_DEST_F_AVAILABLE))
		return false;
	return !(tab->conf.expire_quiescent_template && t->dest->weight == 0);
}

/*
 * The template for k under svc's persistence (spec 6.3 steps 1-2): an
 * existing usable one, or a new one to the scheduler's pick, armed for the
 * persistence timeout and counted in the dest's persistconns. An unusable
 * template is unhashed and left to expire. Not re-armed here.
 * 0, -ENOENT (no dest), -E2BIG (too many distinct timeouts).
 */
static int conn_persist(struct lb_conn_table *tab, struct lb_service *svc,
			const struct lb_flow_key *k, int64_t now_ns, struct lb_conn **out)
{
	struct lb_addr ca, va;
	struct lb_conn *t;
	struct lb_dest *d;
	uint16_t vport;
	uint8_t proto;
	int qid;

	conn_template_key(svc, k, &proto, &ca, &va, &vport);
	t = conn_find(tab, proto, true, &ca, 0, &va, vport);
	if (t && conn_template_usable(tab, t)) {
		*out = t;
		return 0;
	}
	if (t)
		conn_hash_remove(tab, t);
	qid = conn_queue_get(tab, (int64_t)svc->persistence_timeout_s * CONN_NS_PER_S, true);
	if (qid < 0)
		return qid;
	d = lb_service_pick(svc, k);
	if (!d)
		return -ENOENT;
	t = conn_alloc(tab);
	t->flags |= LB_CONN_F_TEMPLATE;
	t->dest = d;
	t->proto = proto;
	t->caddr = ca;
	t->vaddr = va;
	t->vport = vport;
	t->state = LB_CONN_S_NONE;
	conn_hash_insert(tab, t);
	conn_queue_insert(tab, t, (unsigned)qid, now_ns + tab->queues[qid].timeout_ns);
	d->persistconns++;
	tab->ntemplates++;
	*out = t;
	return 0;
}

static bool conn_key_ok(const struct lb_flow_key *k)
{
	return k->saddr.af && k->daddr.af == k->saddr.af;
}

/*
 * lb_conn_persist_pick - the decision a new connection from k would get
 * under svc's persistence, without creating the connection: the template is
 * found or created (spec 6.3 steps 1-2) and re-armed (step 4), and its dest
 * returned in *out. A service without persistence just runs the scheduler.
 * Runs the timers due by now first, like lb_conn_in (entry pointers held
 * by the caller may be dangling afterwards). 0, -ENOENT (no dest: refused),
 * -EINVAL (bad key), -E2BIG (too many distinct persistence timeouts).
 */
int lb_conn_persist_pick(struct lb_conn_table *tab, struct lb_service *svc,
			 const struct lb_flow_key *k, int64_t now_ns, struct lb_dest **out)
{
	struct lb_conn *t;
	int rc;

	*out = NULL;
	if (!conn_key_ok(k))
		return -EINVAL;
	lb_conn_table_expire(tab, now_ns);
	if (!svc->persistence_timeout_s) {
		*out = lb_service_pick(svc, k);
		return *out ? 0 : -ENOENT;
	}
	rc = conn_persist(tab, svc, k, now_ns, &t);
	if (rc)
		return rc;
	conn_arm(tab, t, t->queue, now_ns);
	*out = t->dest;
	return 0;
}

static int conn_schedule(struct lb_conn_table *tab, struct lb_service *svc,
			 const struct lb_flow_key *k, int64_t now_ns, struct lb_conn **out);

/*
 * lb_conn_schedule - the new-connection path for a packet k to svc that has
 * no entry: persistence (template lookup or creation, spec 6.3) or the
 * scheduler, then a new entry in state NONE, armed for new_timeout_ns,
 * flagged INACTIVE (and NOOUTPUT unless svc is NAT), bound to its dest as
 * inactive (which may set OVERLOAD), controlled by the template whose timer
 * is re-armed. The caller then applies the packet with lb_conn_packet.
 * Returns 0 and the entry in *out (owned by the table); -ENOENT when no dest
 * is available (the kernel answers ICMP port unreachable: refused); -EEXIST
 * when k already has an entry; -EINVAL for a key without addresses;
 * -E2BIG for too many distinct persistence timeouts.
 */
int lb_conn_schedule(struct lb_conn_table *tab, struct lb_service *svc,
		     const struct lb_flow_key *k, int64_t now_ns, struct lb_conn **out)
{
	*out = NULL;
	if (!conn_key_ok(k))
		return -EINVAL;
	if (lb_conn_lookup(tab, k))
		return -EEXIST;
	return conn_schedule(tab, svc, k, now_ns, out);
}

/* lb_conn_schedule for a valid key known to have no entry. */
static int conn_schedule(struct lb_conn_table *tab, struct lb_service *svc,
			 const struct lb_flow_key *k, int64_t now_ns, struct lb_conn **out)
{
	struct lb_conn *c, *t = NULL;
	struct lb_dest *d;
	int rc;

	if (svc->persistence_timeout_s) {
		rc = conn_persist(tab, svc, k, now_ns, &t);
		if (rc)
			return rc;
		d = t->dest;
	} else {
		d = lb_service_pick(svc, k);
		if (!d)
			return -ENOENT;
	}
	c = conn_alloc(tab);
	c->dest = d;
	c->proto = k->proto;
	c->caddr = conn_addr_norm(&k->saddr);
	c->vaddr = conn_addr_norm(&k->daddr);
	c->cport = k->sport;
	c->vport = k->dport;
	c->state = LB_CONN_S_NONE;
	c->flags |= LB_CONN_F_INACTIVE;
	if (svc->kind != LB_KIND_NAT)
		c->flags |= LB_CONN_F_NOOUTPUT;
	conn_hash_insert(tab, c);
	conn_queue_insert(tab, c, tab->new_q, now_ns + tab->queues[tab->new_q].timeout_ns);
	tab->nconns++;
	tab->created++;
	lb_dest_conn_bind(d, false);
	if (t) {
		c->ctl = t->self;
		t->nctl++;
		conn_arm(tab, t, t->queue, now_ns);
	}
	*out = c;
	return 0;
}

/* The state table row for the packet's flags: RST > SYN > FIN > ACK, none: -1. */
static int tcp_class(unsigned flags)
{
	if (flags & LB_TCP_RST)
		return TCP_C_RST;
	if (flags & LB_TCP_SYN)
		return TCP_C_SYN;
	if (flags & LB_TCP_FIN)
		return TCP_C_FIN;
	if (flags & LB_TCP_ACK)
		return TCP_C_ACK;
	return -1;
}

/*
 * lb_conn_packet - one packet of connection c in direction dir at now_ns:
 * TCP entries move through the state table (IN uses INPUT-ONLY while the
 * entry carries NOOUTPUT, else INPUT; OUT clears NOOUTPUT and uses OUTPUT;
 * a packet with none of RST/SYN/FIN/ACK forces CLOSE), other protocols go to
 * the UDP state. The dest's active/inactive counters follow the state, and
 * the idle timer is re-armed to now + timeout(new state). Does not check the
 * dest's availability (lb_conn_in does). Returns 0, or -EINVAL for a
 * template. The caller runs lb_conn_table_expire(now) first.
 */
int lb_conn_packet(struct lb_conn_table *tab, struct lb_conn *c, enum lb_conn_dir dir,
		   unsigned tcp_flags, int64_t now_ns)
{
	enum lb_conn_state next;
	bool was_active, active;

	if (c->flags & LB_CONN_F_TEMPLATE)
		return -EINVAL;
	if (c->proto == LB_PROTO_TCP) {
		int cls = tcp_class(tcp_flags), t;

		if (dir == LB_CONN_DIR_OUT) {
			c->flags &= ~LB_CONN_F_NOOUTPUT;
			t = TCP_T_OUTPUT;
		} else {
			t = (c->flags & LB_CONN_F_NOOUTPUT) ? TCP_T_INPUT_ONLY : TCP_T_INPUT;
		}
		next = cls < 0 ? LB_CONN_S_CLOSE : (enum lb_conn_state)tcp_next[t][cls][c->state];
	} else {
		next = LB_CONN_S_UDP;
	}
	was_active = !(c->flags & LB_CONN_F_INACTIVE);
	active = lb_conn_state_active(next);
	c->state = (uint8_t)next;
	if (active != was_active) {
		if (active)
			c->flags &= ~LB_CONN_F_INACTIVE;
		else
			c->flags |= LB_CONN_F_INACTIVE;
		lb_dest_conn_set_active(c->dest, active);
	}
	conn_arm(tab, c, tab->state_q[next], now_ns);
	return 0;
}

/*
 * lb_conn_expire_now - expire connection c at once (unbind, free). A
 * template is freed only when it controls nothing; otherwise nothing
 * happens. c is dangling afterwards if it was freed.
 */
void lb_conn_expire_now(struct lb_conn_table *tab, struct lb_conn *c)
{
	if ((c->flags & LB_CONN_F_TEMPLATE) && c->nctl > 0)
		return;
	conn_release(tab, c);
}

/* Spec 5.3: a TIME_WAIT or CLOSE entry (FIN_WAIT too on DR/TUN under bit 2) may be reused. */
static bool conn_reusable(const struct lb_conn_table *tab, const struct lb_conn *c)
{
	unsigned mode = tab->conf.conn_reuse_mode;

	if (!(mode & LB_CONN_REUSE_ON) || c->ctl || c->proto != LB_PROTO_TCP)
		return false;
	if (c->state == LB_CONN_S_TIME_WAIT || c->state == LB_CONN_S_CLOSE)
		return true;
	return (mode & LB_CONN_REUSE_FIN_WAIT) && c->state == LB_CONN_S_FIN_WAIT &&
	       (c->flags & LB_CONN_F_NOOUTPUT);
}

/*
 * lb_conn_in - the whole input path for one client packet k (TCP flags in
 * tcp_flags, ignored for other protocols) to svc at now_ns, as ip_vs_in
 * does it:
 *  1. run the timers due by now (lb_conn_table_expire);
 *  2. a new-connection packet (TCP SYN without RST) that matches an entry:
 *     with expire_nodest_conn and the entry's dest at weight 0, or with
 *     conn_reuse_mode and an uncontrolled TIME_WAIT/CLOSE entry (FIN_WAIT on
 *     NOOUTPUT entries with bit 2), the old entry is expired and the packet
 *     scheduled afresh (spec 5.3);
 *  3. an entry whose dest was deleted: the packet is dropped and the entry
 *     not refreshed, or with expire_nodest_conn the entry is expired and the
 *     packet treated as new (spec 5.4);
 *  4. no entry: TCP needs SYN without RST (sloppy_tcp: any packet without
 *     RST); then lb_conn_schedule;
 *  5. the packet's state transition (lb_conn_packet, direction IN).
 * Returns 0 with the entry in *out; -ENOENT: no dest available (refused);
 * -ENOTCONN: no entry and the packet may not create one; -EHOSTDOWN: dropped
 * because the entry's dest was deleted (*out is the entry); -EINVAL, -E2BIG
 * as lb_conn_schedule. Pointers to other entries may be dangling afterwards
 * (step 1).
 */
int lb_conn_in(struct lb_conn_table *tab, struct lb_service *svc, const struct lb_flow_key *k,
	       unsigned tcp_flags, int64_t now_ns, struct lb_conn **out)
{
	bool tcp = k->proto == LB_PROTO_TCP;
	bool syn = tcp && (tcp_flags & LB_TCP_SYN) && !(tcp_flags & LB_TCP_RST);
	struct lb_conn *c;
	int rc;

	*out = NULL;
	lb_conn_table_expire(tab, now_ns);
	c = lb_conn_lookup(tab, k);
	if (c && syn) {
		if ((tab->conf.expire_nodest_conn && c->dest->weight == 0) ||
		    conn_reusable(tab, c)) {
			conn_release(tab, c);
			c = NULL;
		}
	}
	if (c && !(c->dest->flags & LB_DEST_F_AVAILABLE)) {
		if (!tab->conf.expire_nodest_conn) {
			*out = c;
			return -EHOSTDOWN;
		}
		conn_release(tab, c);
		c = NULL;
	}
	if (!c) {
		if (tcp && !syn && !(tab->conf.sloppy_tcp && !(tcp_flags & LB_TCP_RST)))
			return -ENOTCONN;
		if (!conn_key_ok(k))
			return -EINVAL;
		rc = conn_schedule(tab, svc, k, now_ns, &c);
		if (rc)
			return rc;
	}
	lb_conn_packet(tab, c, LB_CONN_DIR_IN, tcp_flags, now_ns);
	*out = c;
	return 0;
}

/* ---- destination changes ---- */

/*
 * lb_conn_table_dest_removed - the owner deleted dest d (lb_service_del_dest).
 * Without expire_nodest_conn nothing happens now: packets of d's entries are
 * dropped by lb_conn_in until the entries expire, and a re-add of d revives
 * them. With expire_nodest_conn, the background sweep of newer kernels runs
 * at once: every connection to d is expired, then every template to d that
 * no longer controls a connection (spec 5.4). Returns the number freed.
 * O(table). Quiescing (weight 0) needs no call: templates are checked when
 * next used (spec 5.5).
 */
unsigned lb_conn_table_dest_removed(struct lb_conn_table *tab, const struct lb_dest *d)
{
	unsigned n = 0;

	if (!tab->conf.expire_nodest_conn)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 1; i < tab->nslots; i++) {
			struct lb_conn *c = conn_at(tab, i);

			if (!(c->flags & LB_CONN_F_USED) || c->dest != d)
				continue;
			if (pass == 0 && !(c->flags & LB_CONN_F_TEMPLATE)) {
				conn_release(tab, c);
				n++;
			} else if (pass == 1 && (c->flags & LB_CONN_F_TEMPLATE) && c->nctl == 0) {
				conn_release(tab, c);
				n++;
			}
		}
	}
	CONN_ASSERT_SANE(tab);
	return n;
}

/* ---- inspection ---- */

/* lb_conn_table_count - connection entries (templates not included). */
size_t lb_conn_table_count(const struct lb_conn_table *tab)
{
	return tab->nconns;
}

/*
 * lb_conn_table_created - connection entries (not templates) created since
 * the table was made: a caller tells a new connection from an existing one
 * by the difference around lb_conn_in, without a lookup of its own.
 */
uint64_t lb_conn_table_created(const struct lb_conn_table *tab)
{
	return tab->created;
}

/* lb_conn_table_templates - persistence templates, invalidated ones included. */
size_t lb_conn_table_templates(const struct lb_conn_table *tab)
{
	return tab->ntemplates;
}

/*
 * lb_conn_table_bytes - the memory the table holds: entry chunks (allocated
 * whole), the chunk directory, the buckets and the table itself. Entries are
 * never given back before lb_conn_table_free, so this is the high-water mark.
 */
size_t lb_conn_table_bytes(const struct lb_conn_table *tab)
{
	return sizeof(*tab) + (size_t)tab->nchunks * CONN_CHUNK * sizeof(struct lb_conn) +
	       (size_t)tab->chunks_cap * sizeof(*tab->chunks) +
	       (size_t)tab->ncells * sizeof(*tab->cells);
}

/* lb_conn_timeout - the idle timeout c is armed with (its state's, or a template's). */
int64_t lb_conn_timeout(const struct lb_conn_table *tab, const struct lb_conn *c)
{
	return tab->queues[c->queue].timeout_ns;
}

/*
 * lb_conn_table_next - walk the entries (connections and templates) in slot
 * order: NULL gives the first, NULL after the last. The table must not be
 * changed during a walk.
 */
struct lb_conn *lb_conn_table_next(const struct lb_conn_table *tab, const struct lb_conn *prev)
{
	for (uint32_t i = prev ? prev->self + 1 : 1; i < tab->nslots; i++) {
		struct lb_conn *c = conn_at(tab, i);

		if (c->flags & LB_CONN_F_USED)
			return c;
	}
	return NULL;
}

/* lb_conn_template_of - the template controlling c, or NULL. */
struct lb_conn *lb_conn_template_of(const struct lb_conn_table *tab, const struct lb_conn *c)
{
	return c->ctl ? conn_at(tab, c->ctl) : NULL;
}

/*
 * lb_conn_table_sane - every used slot is in exactly one timeout queue whose
 * timeout and kind match and which is sorted by expiry; hashed entries sit in
 * the right chain and nothing else does; counts, the free list and every
 * template's nctl agree; a connection's INACTIVE flag matches its state.
 * O(table) time and a temporary array of one counter per slot. For tests and
 * LBSIM_DEBUG asserts; true when sane.
 */
bool lb_conn_table_sane(const struct lb_conn_table *tab)
{
	size_t used = 0, conns = 0, tmpls = 0, queued = 0, hashed = 0, nfree = 0;
	uint32_t *nctl = xcalloc(tab->nslots, sizeof(*nctl));
	bool ok = false;

	for (uint32_t i = 1; i < tab->nslots; i++) {
		const struct lb_conn *c = conn_at(tab, i);

		if (c->self != i)
			goto out_free;
		if (!(c->flags & LB_CONN_F_USED))
			continue;
		used++;
		if (!c->dest || c->queue >= tab->nqueues ||
		    tab->queues[c->queue].tmpl != !!(c->flags & LB_CONN_F_TEMPLATE))
			goto out_free;
		if (c->flags & LB_CONN_F_TEMPLATE) {
			tmpls++;
			if (c->ctl)
				goto out_free;
			continue;
		}
		conns++;
		if (c->state >= LB_CONN_S_COUNT ||
		    lb_conn_state_active(c->state) == !!(c->flags & LB_CONN_F_INACTIVE))
			goto out_free;
		if (c->ctl) {
			const struct lb_conn *t;

			if (c->ctl >= tab->nslots)
				goto out_free;
			t = conn_at(tab, c->ctl);
			if (!(t->flags & LB_CONN_F_USED) || !(t->flags & LB_CONN_F_TEMPLATE) ||
			    t->dest != c->dest)
				goto out_free;
			nctl[c->ctl]++;
		}
	}
	if (used != tab->nconns + tab->ntemplates || conns != tab->nconns ||
	    tmpls != tab->ntemplates)
		goto out_free;
	for (uint32_t i = 1; i < tab->nslots; i++) {
		const struct lb_conn *c = conn_at(tab, i);

		if ((c->flags & LB_CONN_F_TEMPLATE) && (c->flags & LB_CONN_F_USED) &&
		    c->nctl != nctl[i])
			goto out_free;
	}
	for (unsigned qi = 0; qi < tab->nqueues; qi++) {
		const struct conn_queue *q = &tab->queues[qi];
		uint32_t prev = 0;

		for (uint32_t i = q->head; i; i = conn_at(tab, i)->tnext) {
			const struct lb_conn *c = conn_at(tab, i);

			if (!(c->flags & LB_CONN_F_USED) || c->queue != qi || c->tprev != prev ||
			    (prev && conn_at(tab, prev)->expires > c->expires) || ++queued > used)
				goto out_free;
			prev = i;
		}
		if (q->tail != prev)
			goto out_free;
	}
	if (queued != used)
		goto out_free;
	for (uint32_t b = 0; b < tab->ncells; b++) {
		const struct conn_cell *cell = &tab->cells[b];
		const struct lb_conn *c;
		uint32_t mask = tab->ncells - 1;

		if (!cell->slot)
			continue;
		if (cell->slot >= tab->nslots)
			goto out_free;
		c = conn_at(tab, cell->slot);
		if (!(c->flags & LB_CONN_F_USED) || !(c->flags & LB_CONN_F_HASHED) ||
		    c->hash != cell->hash || conn_hash_of(c) != cell->hash || ++hashed > used)
			goto out_free;
		/* No empty cell between its home and where it sits: findable. */
		for (uint32_t k = cell->hash >> tab->shift; k != b; k = (k + 1) & mask)
			if (!tab->cells[k].slot)
				goto out_free;
	}
	if (2 * tab->nhashed > tab->ncells)
		goto out_free;
	if (hashed != tab->nhashed)
		goto out_free;
	for (uint32_t i = 1; i < tab->nslots; i++) {
		const struct lb_conn *c = conn_at(tab, i);

		if ((c->flags & LB_CONN_F_USED) && !(c->flags & LB_CONN_F_HASHED))
			hashed++;
	}
	if (hashed != used)
		goto out_free;
	for (uint32_t i = tab->free_head; i; i = conn_at(tab, i)->tnext) {
		if (conn_at(tab, i)->flags || ++nfree > tab->nslots)
			goto out_free;
	}
	ok = used + nfree == tab->nslots - 1;
out_free:
	free(nctl);
	return ok;
}
