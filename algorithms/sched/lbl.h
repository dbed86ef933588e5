/*
 * algorithms/sched/lbl.h - the locality cache shared by lblc and lblcr: a
 * 1024-bucket table from destination address to an entry, and the kernel's
 * periodic GC replayed lazily (spec 2.13, 2.14).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_LBL_H
#define LBSIM_ALGORITHMS_SCHED_LBL_H

#include <stdbool.h>
#include <stdint.h>

#include "algorithms/ipvs/service.h"

#define LBL_TAB_BITS 10
#define LBL_TAB_SIZE (1u << LBL_TAB_BITS)		     /* 1024 buckets */
#define LBL_MAX_SIZE (LBL_TAB_SIZE * 16u)		     /* 16384: partial GC above */
#define LBL_CAP (LBL_MAX_SIZE * 3u / 2u)		     /* 24576: no new entry (current) */
#define LBL_TICK_NS (60 * INT64_C(1000000000))		     /* GC timer period */
#define LBL_FULL_EVERY 30u				     /* ticks per full pass */
#define LBL_ENTRY_TIMEOUT_NS (6 * 60 * INT64_C(1000000000))  /* partial GC idle time */
#define LBL_EXPIRATION_NS (24 * 3600 * INT64_C(1000000000)) /* lbl{c,cr}_expiration */

/* One cached destination address. Only lblc uses dest; only lblcr the set. */
struct lbl_entry {
	struct lbl_entry *next; /* bucket chain */
	struct lb_addr daddr;
	int64_t lastuse;
	struct lb_dest *dest;  /* lblc: the cached dest */
	struct lb_dest **set;  /* lblcr: members, most recently added first */
	unsigned size;	       /* lblcr: members */
	unsigned cap;
	int64_t lastmod;       /* lblcr: last insert or erase */
};

struct lbl_table {
	struct lbl_entry *bucket[LBL_TAB_SIZE];
	unsigned entries;
	unsigned counter;	 /* GC tick counter, starts at 1 */
	unsigned rover;		 /* last bucket the partial GC visited */
	int64_t next_tick;	 /* time of the next GC timer run */
	int64_t expiration;	 /* full-pass idle time */
	enum lb_profile profile; /* hash and growth cap */
};

int64_t lbl_now(const struct lb_service *svc);
unsigned lbl_bucket(enum lb_profile profile, const struct lb_addr *daddr);
struct lbl_table *lbl_table_new(const struct lb_service *svc, int64_t expiration_ns);
void lbl_table_free(struct lbl_table *t);
void lbl_expire(struct lbl_table *t, int64_t now);
struct lbl_entry *lbl_lookup(const struct lbl_table *t, const struct lb_addr *daddr);
struct lbl_entry *lbl_add(struct lbl_table *t, const struct lb_addr *daddr, int64_t now);
bool lbl_overloaded(const struct lb_service *svc, const struct lb_dest *d);
struct lb_dest *lbl_wlc(struct lb_service *svc);

#endif /* LBSIM_ALGORITHMS_SCHED_LBL_H */
