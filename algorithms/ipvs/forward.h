/*
 * algorithms/ipvs/forward.h - IPVS packet forwarding (NAT, DR, TUN) on a
 * parsed frame: the frames a director sends for one packet it received.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_IPVS_FORWARD_H
#define LBSIM_ALGORITHMS_IPVS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/wire/addr.h"
#include "algorithms/wire/frame.h"

/* Most frames one packet can turn into (fragments). */
#define LB_FWD_MAX_FRAMES 64
/* Scratch bytes that always suffice for a received frame of inlen bytes. */
#define LB_FWD_SCRATCH(inlen) (2 * (size_t)(inlen) + 8192)

/* Direction: IN = client to real server; OUT = real server's reply (NAT only). */
enum lb_fwd_dir {
	LB_FWD_IN = 0,
	LB_FWD_OUT,
};

/* Where the output goes: everything the director's routing would decide. */
struct lb_fwd_target {
	struct lb_eth_spec eth; /* output link header: next hop MAC, our MAC, tags */
	struct lb_addr laddr;	/* our address: TUN outer source, NAT-out ICMP source */
	struct lb_addr vaddr;	/* NAT out: the virtual address; af 0 = d->svc->addr */
	uint16_t vport;		/* NAT out: the virtual port (with vaddr) */
	unsigned mtu;		/* egress L3 MTU, 0 = unlimited */
	uint8_t dir;		/* enum lb_fwd_dir */
};

/* Per director (or per replay): IDs for headers we originate, counters. */
struct lb_fwd_ctx {
	uint16_t ip_id;	      /* next IPv4 ID where Linux would draw a hashed one */
	uint16_t icmp4_quote; /* LB_ICMP4_QUOTE_LINUX (default) or LB_ICMP4_QUOTE_RFC792 */
	bool dec_ttl;	      /* TTL - 1 on the way to a real server (Linux >= 4.3; default) */
	uint64_t nfwd[LB_KIND_COUNT]; /* packets forwarded per method */
	uint64_t nicmp;		      /* ICMP "too big" errors built */
	uint64_t nfrag;		      /* packets sent as fragments */
	uint64_t ndrop;		      /* packets refused (every -errno return) */
};

/* lb_fwd_out.flags */
#define LB_FWD_F_ICMP 0x1u /* frames[0] is an ICMP error to the sender; the packet is dropped */
#define LB_FWD_F_FRAG 0x2u /* the packet leaves as fragments */

struct lb_fwd_out {
	uint8_t *buf; /* the caller's scratch: frames point into it */
	size_t cap;
	unsigned nframes;
	unsigned flags;
	struct lb_frame frames[LB_FWD_MAX_FRAMES];
};

void lb_fwd_ctx_init(struct lb_fwd_ctx *ctx, uint16_t first_id);

int lb_fwd(struct lb_fwd_ctx *ctx, const struct lb_pkt *p, const uint8_t *in, size_t inlen,
	   enum lb_kind kind, const struct lb_dest *d, const struct lb_fwd_target *t,
	   struct lb_fwd_out *out);

/* DR fast path: the same output made in the received Ethernet frame (same VLAN tags only). */
int lb_fwd_dr_inplace(struct lb_fwd_ctx *ctx, uint8_t *frame, size_t len, const struct lb_pkt *p,
		      const struct lb_fwd_target *t);

#endif /* LBSIM_ALGORITHMS_IPVS_FORWARD_H */
