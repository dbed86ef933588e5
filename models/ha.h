/*
 * models/ha.h - keepalived's VRRP on the simulated directors: who owns each
 * VIP, and where the upstream router sends the clients' packets for it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_HA_H
#define LBSIM_MODELS_HA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/wire/addr.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"

struct world;
struct ha;

int ha_new(struct world *w, struct ha **out, char *err, size_t errlen);
void ha_free(struct ha *h);
void ha_start(struct ha *h);
void ha_fault(struct ha *h, const struct scn_fault *f);
int ha_route(const struct ha *h, const struct lb_addr *vip);
void ha_count_broken(struct ha *h, const struct lb_addr *vip);
void ha_conn_open(struct ha *h, size_t dir, uint64_t conn);
void ha_conn_close(struct ha *h, size_t dir, uint64_t conn);
bool ha_conn_known(const struct ha *h, size_t dir, uint64_t conn);
void ha_count_synced(struct ha *h, const struct lb_addr *vip);
void ha_count_lost(struct ha *h, const struct lb_addr *vip, uint64_t failed,
		   uint64_t timed_out, uint64_t refused);
void ha_fill_result(const struct ha *h, struct run_result *r);
int ha_script_counts(const struct ha *h, const char *dir, const char *script, uint64_t *runs,
		     uint64_t *failures);

#endif /* LBSIM_MODELS_HA_H */
