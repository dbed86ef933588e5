/*
 * algorithms/sched/mh.h - the parts of the Maglev scheduler (mh.c) that tests
 * and measurements call directly: the hash, the populate step with injected
 * permutations, and read access to a running service's table.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_MH_H
#define LBSIM_ALGORITHMS_SCHED_MH_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/ipvs/service.h"

/* The kernel's fixed hsiphash keys (spec 2.12): both words equal. */
#define MH_KEY1 UINT64_C(2654435761) /* 0x9E3779B1: slot lookup and offset */
#define MH_KEY2 UINT64_C(2654446892) /* 0x9E37A52C: skip */

/* One dest's permutation in the populate step. */
struct mh_perm {
	uint32_t offset; /* first preferred slot, < m */
	uint32_t skip;	 /* 1..m-1 */
	uint32_t next;	 /* populate's cursor: the next slot to try */
	uint32_t turns;	 /* slots claimed per round; 0 = takes no slot */
};

uint32_t mh_hsiphash(const void *data, size_t len, uint64_t k0, uint64_t k1);
void mh_populate(uint32_t m, struct mh_perm *perm, unsigned n, int32_t *table);
uint32_t mh_table_size(const struct lb_service *svc);
struct lb_dest *mh_table_dest(const struct lb_service *svc, uint32_t slot);

#endif /* LBSIM_ALGORITHMS_SCHED_MH_H */
