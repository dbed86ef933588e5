/*
 * sim/queue.h - the pending-event priority queue behind sim/sim.c.
 *
 * The implementation is chosen at build time (make QUEUE=heap|...), so the
 * kernel and the benchmark talk to every implementation through this API.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SIM_QUEUE_H
#define LBSIM_SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/* Ordered by (at, seq): equal times leave in push order when seq grows. */
struct queue_entry {
	sim_time_t at;
	uint64_t seq;
	void *item;
};

struct queue;

struct queue *queue_new(size_t capacity_hint);
void queue_free(struct queue *q);
void queue_push(struct queue *q, sim_time_t at, uint64_t seq, void *item);
bool queue_pop(struct queue *q, struct queue_entry *out);
bool queue_peek(const struct queue *q, struct queue_entry *out);
size_t queue_len(const struct queue *q);
const char *queue_impl_name(void);

#endif /* LBSIM_SIM_QUEUE_H */
