/*
 * models/packet.h - packet fidelity: every TCP segment of a connection is an event.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_MODELS_PACKET_H
#define LBSIM_MODELS_PACKET_H

#include "models/model.h"

#define PACKET_HDR_BYTES 40u /* IPv4 + TCP without options: MSS = MTU - 40 */

/* The client of <c> (just born, everything drawn) opens its connection now. */
void packet_conn_start(struct mconn *c);
/* The server is done with request k of <c>: the response leaves as segments. */
void packet_served(struct mconn *c);

#endif /* LBSIM_MODELS_PACKET_H */
