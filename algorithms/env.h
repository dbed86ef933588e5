/*
 * algorithms/env.h - how the real code meets the world.
 *
 * The simulator and the live shim each provide one of these; algorithms/
 * never reads a clock or sends a frame any other way.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_ENV_H
#define LBSIM_ALGORITHMS_ENV_H

#include <stddef.h>
#include <stdint.h>

struct lb_timer;
typedef void lb_timer_fn(struct lb_timer *t);

struct lb_timer {
	lb_timer_fn *fn;
	void *data;
	uint64_t env_priv[2]; /* the environment's handle */
};

enum lb_log_level {
	LB_LOG_ERR = 0,
	LB_LOG_WARN,
	LB_LOG_INFO,
	LB_LOG_DEBUG,
	/* count, keep last */
	LB_LOG_LEVEL_COUNT
};

struct lb_env {
	void *ctx;
	int64_t (*now_ns)(void *ctx);
	void (*timer_arm)(void *ctx, struct lb_timer *t, int64_t at_ns); /* re-arm = move */
	void (*timer_cancel)(void *ctx, struct lb_timer *t);
	void (*send)(void *ctx, int ifindex, const uint8_t *frame, size_t len);
	void (*log)(void *ctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
};

#endif /* LBSIM_ALGORITHMS_ENV_H */
