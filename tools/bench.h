/*
 * tools/bench.h - benchmark sections of lbbench that live outside lbbench.c.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_TOOLS_BENCH_H
#define LBSIM_TOOLS_BENCH_H

#include <stdbool.h>

/* Print one line per figure beside its goal; false when a goal was missed. */
bool bench_e2e_supermarket(void);
/* Scheduler decision costs and the mh rebuild (bench_sched.c); returns goals missed. */
int bench_sched(void);

/* The connection table at 10 M entries: bytes per connection, total. Missed goals. */
int bench_conn(void);

/* Replay of a generated 5 M-frame capture against the raw libpcap read rate. */
int bench_replay(void);

/* HA pair with checkers vs the same traffic on one bare director (bench_ha.c). Missed. */
int bench_ha(void);

#endif /* LBSIM_TOOLS_BENCH_H */
