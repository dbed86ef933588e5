/*
 * models/link.c - a point-to-point link at request level: latency, bandwidth, loss.
 *
 * Called for every packet group a request moves (a handshake, a request, a
 * response), so it must not schedule events: serialization is a FIFO queue per
 * direction computed with Lindley's recursion (start = max(now, free_at)),
 * which is exact while groups are offered in time order, as the event loop
 * does. A lost packet is retransmitted after an RTO that doubles on each loss
 * (1 s for a SYN, 200 ms otherwise, as Linux's initial and minimum RTO).
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/model.h"

#include <gsl/gsl_rng.h>

#define LINK_RTO_SYN_NS (1000 * SIM_MSEC)
#define LINK_RTO_DATA_NS (200 * SIM_MSEC)
#define LINK_RTO_MAX_NS (120 * SIM_SEC)

/*
 * Delay for <npkts> packets carrying <bytes> of payload crossing <l> in
 * direction <dir>, offered at <now>: queueing behind earlier groups,
 * serialization, one-way latency and retransmission penalties. A NULL link
 * is ideal (0). A single-packet group of 0 bytes is taken as a SYN.
 */
sim_time_t link_transit(struct mlink *l, enum link_dir dir, sim_time_t now, uint64_t bytes,
			unsigned npkts)
{
	sim_time_t delay = 0;

	if (!l)
		return 0;
	if (l->ns_per_byte > 0) {
		double wire = (double)bytes + (double)npkts * LINK_HDR_BYTES;
		sim_time_t tx = (sim_time_t)(wire * l->ns_per_byte + 0.5);
		sim_time_t start = l->free_at[dir] > now ? l->free_at[dir] : now;

		l->free_at[dir] = start + tx;
		delay = start + tx - now;
	}
	delay += l->cfg->latency_ns;
	if (l->loss > 0) {
		double p = l->loss;
		sim_time_t rto0 = (bytes == 0 && npkts == 1) ? LINK_RTO_SYN_NS : LINK_RTO_DATA_NS;

		for (unsigned i = 0; i < npkts; i++) {
			sim_time_t rto = rto0;
			unsigned tries = 0;

			/* At most 15 retransmissions (tcp_retries2), so loss 100 % ends. */
			while (tries++ < 15 && gsl_rng_uniform(l->loss_rng) < p) {
				l->lost_packets++;
				delay += rto;
				if (rto < LINK_RTO_MAX_NS)
					rto *= 2;
			}
		}
	}
	return delay;
}
