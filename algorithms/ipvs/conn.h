/*
 * algorithms/ipvs/conn.h - the IPVS connection table: entries, TCP/UDP state,
 * idle timeouts, port reuse and persistence templates.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_IPVS_CONN_H
#define LBSIM_ALGORITHMS_IPVS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/wire/addr.h"

/* TCP flag bits as they sit in the TCP header's flags byte. */
#define LB_TCP_FIN 0x01u
#define LB_TCP_SYN 0x02u
#define LB_TCP_RST 0x04u
#define LB_TCP_PSH 0x08u
#define LB_TCP_ACK 0x10u

/*
 * Entry states (spec 5.1, 5.2). Every entry starts in NONE; TCP entries then
 * follow the state tables, UDP (and every other protocol) entries move to UDP.
 */
enum lb_conn_state {
	LB_CONN_S_NONE = 0,
	LB_CONN_S_ESTABLISHED,
	LB_CONN_S_SYN_SENT,
	LB_CONN_S_SYN_RECV,
	LB_CONN_S_FIN_WAIT,
	LB_CONN_S_TIME_WAIT,
	LB_CONN_S_CLOSE,
	LB_CONN_S_CLOSE_WAIT,
	LB_CONN_S_LAST_ACK,
	LB_CONN_S_LISTEN,
	LB_CONN_S_SYNACK,
	LB_CONN_S_UDP,	/* the single UDP state ("NORMAL" in ipvsadm -c) */
	/* count, keep last */
	LB_CONN_S_COUNT
};

#define LB_TCP_S_COUNT LB_CONN_S_UDP /* the TCP states are 0 .. LB_TCP_S_COUNT - 1 */

/* Packet direction (spec 5.2): IN = client to server, OUT = server to client (NAT). */
enum lb_conn_dir {
	LB_CONN_DIR_IN = 0,
	LB_CONN_DIR_OUT,
	/* count, keep last */
	LB_CONN_DIR_COUNT
};

/* Entry flags. */
#define LB_CONN_F_TEMPLATE 0x01u /* persistence template */
#define LB_CONN_F_INACTIVE 0x02u /* counted in inactconns (or not yet active) */
#define LB_CONN_F_NOOUTPUT 0x04u /* DR/TUN: no server-to-client packet seen yet */
#define LB_CONN_F_HASHED 0x08u	 /* findable; an invalidated template is not */
#define LB_CONN_F_USED 0x10u	 /* slot in use (for table walks) */

/* conn_reuse_mode bits (spec 5.3). */
#define LB_CONN_REUSE_ON 0x1u
#define LB_CONN_REUSE_FIN_WAIT 0x2u

/* Per-table settings: the sysctls of net.ipv4.vs and the protocol timeouts. */
struct lb_conn_conf {
	int64_t timeout_ns[LB_CONN_S_COUNT]; /* per state; [UDP] = the UDP timeout */
	int64_t new_timeout_ns;		     /* a fresh entry before its first packet: 3 s */
	int64_t template_renew_ns;	     /* template still in use at expiry: 60 s */
	unsigned conn_reuse_mode;	     /* LB_CONN_REUSE_* bits, default 1 */
	bool expire_nodest_conn;	     /* default false */
	bool expire_quiescent_template;	     /* default false */
	bool sloppy_tcp;		     /* default false */
};

/*
 * One connection or template. Callers may read the fields; only conn.c
 * writes them. The pointer stays valid until the entry expires or is
 * flushed (entries live in fixed chunks that never move).
 */
struct lb_conn {
	uint32_t hash;		/* the key's hash, as in the index */
	uint32_t tprev, tnext;	/* timeout queue, slot indices, 0 = end */
	uint32_t ctl;		/* controlling template's slot, 0 = none */
	uint32_t self;		/* this entry's slot */
	uint32_t nctl;		/* template: connections it controls */
	struct lb_dest *dest;	/* never NULL while in use */
	int64_t expires;	/* ns */
	struct lb_addr caddr;	/* template: client address AND granularity mask */
	struct lb_addr vaddr;	/* fwmark template: the mark as an IPv4 value */
	uint16_t cport;		/* template: 0 */
	uint16_t vport;
	uint8_t proto;		/* fwmark template: 0 (IPPROTO_IP) */
	uint8_t state;		/* enum lb_conn_state */
	uint8_t flags;		/* LB_CONN_F_* */
	uint8_t queue;		/* timeout queue id: the entry's current timeout */
};

struct lb_conn_table;

/* ---- settings ---- */
void lb_conn_conf_default(struct lb_conn_conf *conf);
const char *lb_conn_state_name(enum lb_conn_state s);
/* True for the states counted in activeconns: SYN_SENT, SYN_RECV, ESTABLISHED, SYNACK. */
bool lb_conn_state_active(enum lb_conn_state s);

/* ---- table lifecycle ---- */
struct lb_conn_table *lb_conn_table_new(const struct lb_conn_conf *conf);
void lb_conn_table_free(struct lb_conn_table *tab);
const struct lb_conn_conf *lb_conn_table_conf(const struct lb_conn_table *tab);
int lb_conn_table_set_conf(struct lb_conn_table *tab, const struct lb_conn_conf *conf);
void lb_conn_table_flush(struct lb_conn_table *tab, const struct lb_service *svc);

/* ---- time ---- */
unsigned lb_conn_table_expire(struct lb_conn_table *tab, int64_t now_ns);
int64_t lb_conn_table_next_expiry(const struct lb_conn_table *tab);

/* ---- packets ---- */
struct lb_conn *lb_conn_lookup(const struct lb_conn_table *tab, const struct lb_flow_key *k);
void lb_conn_prefetch(const struct lb_conn_table *tab, const struct lb_flow_key *k);
int lb_conn_in(struct lb_conn_table *tab, struct lb_service *svc, const struct lb_flow_key *k,
	       unsigned tcp_flags, int64_t now_ns, struct lb_conn **out);
int lb_conn_schedule(struct lb_conn_table *tab, struct lb_service *svc,
		     const struct lb_flow_key *k, int64_t now_ns, struct lb_conn **out);
int lb_conn_persist_pick(struct lb_conn_table *tab, struct lb_service *svc,
			 const struct lb_flow_key *k, int64_t now_ns, struct lb_dest **out);
int lb_conn_packet(struct lb_conn_table *tab, struct lb_conn *c, enum lb_conn_dir dir,
		   unsigned tcp_flags, int64_t now_ns);
void lb_conn_expire_now(struct lb_conn_table *tab, struct lb_conn *c);

/* ---- destination changes ---- */
unsigned lb_conn_table_dest_removed(struct lb_conn_table *tab, const struct lb_dest *d);

/* ---- inspection ---- */
size_t lb_conn_table_count(const struct lb_conn_table *tab);
uint64_t lb_conn_table_created(const struct lb_conn_table *tab);
size_t lb_conn_table_templates(const struct lb_conn_table *tab);
size_t lb_conn_table_bytes(const struct lb_conn_table *tab);
int64_t lb_conn_timeout(const struct lb_conn_table *tab, const struct lb_conn *c);
struct lb_conn *lb_conn_table_next(const struct lb_conn_table *tab, const struct lb_conn *prev);
struct lb_conn *lb_conn_template_of(const struct lb_conn_table *tab, const struct lb_conn *c);
struct lb_conn *lb_conn_template_lookup(const struct lb_conn_table *tab,
					const struct lb_service *svc,
					const struct lb_flow_key *k);
/* Invariant check: hash chains, timeout queues in expiry order, counts, nctl. O(n). */
bool lb_conn_table_sane(const struct lb_conn_table *tab);

#endif /* LBSIM_ALGORITHMS_IPVS_CONN_H */
