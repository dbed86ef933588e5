/*
 * models/packet.c - packet fidelity: a connection's TCP exchange, segment by segment.
 *
 * Used instead of the request-level flow of models/client.c when the
 * scenario says `simulation { fidelity packet }`: population_birth() hands
 * each new connection to packet_conn_start() and the server model's
 * conn_served() to packet_served(). Every packet is its own step at every
 * hop (client link, director, server link, and back), so link bandwidth is
 * an exact FIFO per direction (each packet enters a link at its true time),
 * loss is drawn per packet (a lost one arrives an RTO later: 1 s for a SYN,
 * 200 ms otherwise, doubling), segments carry MSS = min MTU on the path - 40
 * bytes, and the director's CPU and NIC queues see every packet.
 *
 * The exchange: SYN, SYN-ACK, the request in ceil(bytes/MSS) segments (the
 * first carries the handshake's ACK), the response in segments, an ACK from
 * the client for every second segment and the last, think time and the next
 * request, then FIN, the server's FIN-ACK and the client's last ACK. Every
 * client packet goes through the director's connection table (lb_conn_in
 * with its TCP flags, so the entry follows the IPVS state tables and the
 * destinations' active/inactive counters are the kernel's); server packets
 * cross it (lb_conn_packet, OUT) for NAT only. The world's tap sees every
 * client packet as it reaches the director, which is what makes a capture
 * of this run replay to the same decisions. An unanswered SYN is sent again
 * after 1, 2 and 4 s; the client gives up 8 s after the third (or at its
 * timeout). UDP sends each request as one datagram and each response as
 * one, without handshake, ACKs or FIN.
 *
 * A packet is (connection, kind, hop, segment index) in an event's ctx and
 * arg; the arg also holds the connection's birth number and epoch, so a
 * packet of a connection that has ended or restarted since is ignored.
 * Nothing is allocated per packet. A step whose delay is 0 runs inline.
 * This code runs some tens of times per request.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/packet.h"

#include <errno.h>

#include <gsl/gsl_rng.h>

#define PK_RTO_SYN_NS (1000 * SIM_MSEC)
#define PK_RTO_DATA_NS (200 * SIM_MSEC)
#define PK_RTO_MAX_NS (120 * SIM_SEC)
#define PK_SYN_RETRIES 3
#define PK_UDP_MSS 65507u
#define PK_DEFAULT_MTU 1500u
#define PK_IDX_MASK ((1u << 26) - 1)
#define PK_ACK_PARITY (1u << 25) /* in an ACK's index: parity of the request it acks */

enum pk_kind {
	/* client to server */
	PK_SYN = 0,
	PK_DATA,    /* segment idx of request k */
	PK_ACK,	    /* acks idx segments of a response (and parity bit) */
	PK_FIN,
	PK_LASTACK, /* acks the server's FIN */
	/* server to client */
	PK_SYNACK,
	PK_RESP,    /* segment idx of response k */
	PK_FINACK,
	PK_RST,
	/* client timers */
	PK_SYN_TIMER,
	PK_THINK,   /* think time over: send request k */
	PK_RETRY,   /* reconnect after a refusal */
	/* count, keep last */
	PK_KIND_COUNT
};

/* Hops: 0 enters the sender's link, 1 is at the director, 2 enters the far link, 3 arrives. */
enum pk_hop { PK_HOP_SEND = 0, PK_HOP_DIRECTOR, PK_HOP_ONWARD, PK_HOP_ARRIVE };

static void pk_hop(struct mconn *c, enum pk_kind kind, enum pk_hop hop, uint32_t idx);
static void pk_open(struct mconn *c);
static void pk_send_request(struct mconn *c);
static void pk_syn_timer(struct mconn *c);

static inline uint32_t pk_tag(const struct mconn *c)
{
	return (uint32_t)(c->id << 8) | c->pk.epoch;
}

static inline bool pk_tcp(const struct mconn *c)
{
	return c->pop->vs->cfg->proto == LB_PROTO_TCP;
}

static inline bool pk_c2s(enum pk_kind kind)
{
	return kind <= PK_LASTACK;
}

static inline uint32_t pk_req_bytes(const struct mconn *c, uint32_t k)
{
	return c->nreq == 1 ? c->req0 : c->req_bytes[k];
}

static inline uint32_t pk_resp_bytes(const struct mconn *c, uint32_t k)
{
	return c->nreq == 1 ? c->resp0 : c->resp_bytes[k];
}

/* Segments of <bytes> at the connection's MSS (one, empty, for 0 bytes). */
static inline uint32_t pk_nsegs(const struct mconn *c, uint32_t bytes)
{
	return bytes ? (uint32_t)((bytes + c->pk.mss - 1) / c->pk.mss) : 1;
}

/* Payload of segment <idx> of a message of <bytes>. */
static inline uint32_t pk_seg_bytes(const struct mconn *c, uint32_t bytes, uint32_t idx)
{
	uint64_t off = (uint64_t)idx * c->pk.mss;
	uint64_t rest = bytes > off ? bytes - off : 0;

	return rest < c->pk.mss ? (uint32_t)rest : c->pk.mss;
}

static uint32_t pk_payload(const struct mconn *c, enum pk_kind kind, uint32_t idx)
{
	if (kind == PK_DATA)
		return pk_seg_bytes(c, pk_req_bytes(c, c->k), idx);
	if (kind == PK_RESP)
		return pk_seg_bytes(c, pk_resp_bytes(c, c->k), idx);
	return 0;
}

static sim_time_t pk_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct mconn *c = ctx;
	enum pk_kind kind = (enum pk_kind)(arg & 0xf);

	if ((uint32_t)(arg >> 32) != pk_tag(c))
		return SIM_NOMORE; /* the connection ended or restarted since */
	switch (kind) {
	case PK_SYN_TIMER:
		pk_syn_timer(c);
		break;
	case PK_THINK:
		pk_send_request(c);
		break;
	case PK_RETRY:
		pk_open(c);
		break;
	case PK_KIND_COUNT:
		sim_panic(sim, SIM_LOC, "bad packet event %llu", (unsigned long long)arg);
	default:
		pk_hop(c, kind, (enum pk_hop)((arg >> 4) & 3), (uint32_t)(arg >> 6) & PK_IDX_MASK);
	}
	return SIM_NOMORE;
}

/* Run <kind> at <hop> for <c> after <delay>: inline when 0, else as an event. */
static void pk_after(struct mconn *c, sim_time_t delay, enum pk_kind kind, enum pk_hop hop,
		     uint32_t idx)
{
	uint64_t arg = (uint64_t)pk_tag(c) << 32 | (uint64_t)(idx & PK_IDX_MASK) << 6 |
		       (uint64_t)hop << 4 | (uint64_t)kind;

	if (delay > 0)
		sim_schedule_in(c->pop->w->sim, delay, pk_event, c, arg);
	else if (kind <= PK_RST)
		pk_hop(c, kind, hop, idx);
	else
		pk_event(c->pop->w->sim, c, arg);
}

/*
 * One packet of <payload> bytes enters <l> in direction <dir> at <now>.
 * Returns false when the link is down (the packet is gone), else true with
 * the delay to the far end in *delay: queueing behind earlier packets,
 * serialization, latency, and an RTO per loss. A NULL link is ideal.
 */
static bool pk_link(struct mlink *l, enum link_dir dir, sim_time_t now, uint32_t payload,
		    sim_time_t rto, sim_time_t *delay)
{
	sim_time_t d = 0;
	unsigned tries = 0;

	*delay = 0;
	if (!l)
		return true;
	if (!l->up)
		return false;
	if (l->ns_per_byte > 0) {
		double wire = (double)payload + PACKET_HDR_BYTES;
		sim_time_t tx = (sim_time_t)(wire * l->ns_per_byte + 0.5);
		sim_time_t start = l->free_at[dir] > now ? l->free_at[dir] : now;

		l->free_at[dir] = start + tx;
		d = start + tx - now;
	}
	d += l->cfg->latency_ns;
	/* At most 15 retransmissions (tcp_retries2), so loss 100 % ends. */
	while (l->loss > 0 && tries++ < 15 && gsl_rng_uniform(l->loss_rng) < l->loss) {
		l->lost_packets++;
		d += rto;
		if (rto < PK_RTO_MAX_NS)
			rto *= 2;
	}
	*delay = d;
	return true;
}

static unsigned pk_mtu(const struct mlink *l)
{
	return l ? l->cfg->mtu : PK_DEFAULT_MTU;
}

/* The connection is over: its pending packets go stale, the object returns to the pool. */
static void pk_end(struct mconn *c)
{
	c->pk.epoch++;
	world_conn_free(c->pop->w, c);
}

/* Requests k.. of <c> end without an answer; count them as <refused> or failed. */
static void pk_give_up(struct mconn *c, bool refused)
{
	world_count_lost(c->pop->w, c, refused);
	pk_end(c);
}

/* Refused (no destination, or reset): reconnect after the retry delay, or give up. */
static void pk_refused(struct mconn *c)
{
	const struct scn_clients *cfg = c->pop->cfg;

	if (c->attempts < cfg->retries) {
		c->attempts++;
		c->pk.epoch++;
		pk_after(c, cfg->retry_delay_ns ? cfg->retry_delay_ns : 1, PK_RETRY, 0, 0);
		return;
	}
	pk_give_up(c, true);
}

/*
 * A packet of <c> is gone (a link or the director is down, or the director
 * has no entry for it). ACKs do not matter; a SYN or SYN-ACK is the SYN
 * timer's business; anything else leaves the client without an answer.
 */
static void pk_lost(struct mconn *c, enum pk_kind kind)
{
	if (kind == PK_ACK || kind == PK_SYN || kind == PK_SYNACK)
		return;
	pk_give_up(c, false);
}

static void pk_key(const struct mconn *c, struct lb_flow_key *k)
{
	const struct scn_vs *vs = c->pop->vs->cfg;

	*k = (struct lb_flow_key){ .saddr = c->saddr, .daddr = vs->addr, .sport = c->sport,
				   .dport = vs->port, .proto = vs->proto };
}

/* Tell the world's tap about client packet <kind>/<idx> of <c> at the director now. */
static void pk_tap(struct mconn *c, const struct lb_flow_key *key, enum pk_kind kind,
		   uint32_t idx)
{
	struct world *w = c->pop->w;
	struct world_tap_pkt pkt = { .conn = c->id, .key = key, .k = c->k,
				     .sent = c->pk.sent_base, .received = c->pk.recv_base };

	switch (kind) {
	case PK_SYN:
		pkt.ev = WORLD_TAP_SYN;
		break;
	case PK_DATA:
		pkt.ev = WORLD_TAP_REQUEST;
		pkt.bytes = pk_payload(c, kind, idx);
		pkt.sent += (uint64_t)idx * c->pk.mss;
		break;
	case PK_ACK: {
		/* An ACK of response k-1 may arrive after the client moved on to k. */
		bool prev = !!(idx & PK_ACK_PARITY) != (c->k & 1);
		uint32_t kk = prev ? c->k - 1 : c->k;
		uint32_t resp = pk_resp_bytes(c, kk);
		uint64_t acked = (uint64_t)(idx & (PK_ACK_PARITY - 1)) * c->pk.mss;

		pkt.ev = WORLD_TAP_ACK;
		pkt.k = kk;
		if (prev)
			pkt.received -= resp;
		else
			pkt.sent += pk_req_bytes(c, kk);
		pkt.received += acked < resp ? acked : resp;
		break;
	}
	case PK_FIN:
		pkt.ev = WORLD_TAP_FIN;
		break;
	default:
		/* The last ACK: the tap writes it with the FIN. */
		return;
	}
	w->tap(w->tap_ctx, sim_now(w->sim), &pkt);
}

/*
 * Client packet <kind>/<idx> of <c> reaches the director now: the
 * connection table looks it up (a SYN may create the entry and schedule it).
 * Returns true when the director forwards it.
 */
static bool pk_dir_in(struct mconn *c, enum pk_kind kind, uint32_t idx)
{
	static const unsigned flags[] = {
		[PK_SYN] = LB_TCP_SYN, [PK_DATA] = LB_TCP_ACK | LB_TCP_PSH, [PK_ACK] = LB_TCP_ACK,
		[PK_FIN] = LB_TCP_FIN | LB_TCP_ACK, [PK_LASTACK] = LB_TCP_ACK,
	};
	struct mvs *v = c->pop->vs;
	struct director *d = v->dir;
	sim_time_t now = sim_now(d->w->sim);
	uint64_t created = lb_conn_table_created(d->tab);
	struct lb_flow_key key;
	struct lb_conn *lc;
	int rc;

	pk_key(c, &key);
	if (d->w->tap)
		pk_tap(c, &key, kind, idx);
	rc = lb_conn_in(d->tab, &v->svc, &key, pk_tcp(c) ? flags[kind] : 0, now, &lc);
	if (rc) {
		if (rc == -ENOENT && (kind == PK_SYN || (!pk_tcp(c) && !c->rs)))
			pk_refused(c); /* ICMP port unreachable */
		else
			pk_lost(c, kind);
		return false;
	}
	if (kind == PK_SYN || !c->rs)
		c->rs = lc->dest->owner;
	if (lb_conn_table_created(d->tab) != created) {
		if (c->counted)
			c->rs->connections++;
		if (lb_conn_table_count(d->tab) > d->conns_max)
			d->conns_max = lb_conn_table_count(d->tab);
	}
	if (kind == PK_DATA && idx == 0) {
		/* Outstanding requests and response times feed jsq and lrt. */
		lb_dest_request_start(c->rs->dest);
		c->fwd_at = now;
	}
	return true;
}

/* NAT: server packet <kind> of <c> crosses the director now, towards the client. */
static void pk_dir_out(struct mconn *c, enum pk_kind kind)
{
	static const unsigned flags[] = {
		[PK_SYNACK] = LB_TCP_SYN | LB_TCP_ACK, [PK_RESP] = LB_TCP_ACK | LB_TCP_PSH,
		[PK_FINACK] = LB_TCP_FIN | LB_TCP_ACK, [PK_RST] = LB_TCP_RST,
	};
	struct director *d = c->rs->vs->dir;
	struct lb_flow_key key;
	struct lb_conn *lc;

	pk_key(c, &key);
	lc = lb_conn_lookup(d->tab, &key);
	if (lc)
		lb_conn_packet(d->tab, lc, LB_CONN_DIR_OUT, pk_tcp(c) ? flags[kind] : 0,
			       sim_now(d->w->sim));
}

/* Response k of <c> is complete at the client: count it, then think, or close. */
static void pk_response_done(struct mconn *c)
{
	struct population *p = c->pop;
	struct world *w = p->w;
	sim_time_t now = sim_now(w->sim);
	sim_time_t rt = now - c->sent_at;

	lb_dest_request_done(c->rs->dest, now, now - c->fwd_at);
	world_count_answer(w, c, rt);
	c->pk.sent_base += pk_req_bytes(c, c->k);
	c->pk.recv_base += pk_resp_bytes(c, c->k);
	if (++c->k < c->nreq) {
		pk_after(c, population_think_ns(p), PK_THINK, 0, 0);
		return;
	}
	if (pk_tcp(c))
		pk_hop(c, PK_FIN, PK_HOP_SEND, 0);
	else
		pk_end(c);
}

/* Client to server packet <kind>/<idx> of <c> reaches the server now. */
static void pk_at_server(struct mconn *c, enum pk_kind kind, uint32_t idx)
{
	struct rs *r = c->rs;
	struct server *s = r->srv;
	sim_time_t now = sim_now(c->pop->w->sim);

	switch (kind) {
	case PK_SYN:
		if (s->up)
			pk_hop(c, PK_SYNACK, PK_HOP_SEND, 0);
		return; /* a down server is silent: the SYN timer decides */
	case PK_DATA:
		if (++c->pk.segs_in < pk_nsegs(c, pk_req_bytes(c, c->k)))
			return;
		c->pk.segs_in = 0;
		switch (server_offer(s, c, c->k == 0)) {
		case SERVER_TAKEN:
			return;
		case SERVER_FULL:
			lb_dest_request_done(r->dest, now, now - c->fwd_at);
			if (c->counted)
				r->refused++;
			pk_hop(c, PK_RST, PK_HOP_SEND, 0);
			return;
		case SERVER_DOWN:
		case SERVER_VERDICT_COUNT:
			break;
		}
		lb_dest_request_done(r->dest, now, now - c->fwd_at);
		pk_give_up(c, false);
		return;
	case PK_FIN:
		if (s->up)
			pk_hop(c, PK_FINACK, PK_HOP_SEND, 0);
		else
			pk_give_up(c, false);
		return;
	case PK_LASTACK:
		pk_end(c);
		return;
	default:
		return; /* ACKs: the server has nothing to do with them */
	}
}

/* Server to client packet <kind> of <c> reaches the client now. */
static void pk_at_client(struct mconn *c, enum pk_kind kind)
{
	switch (kind) {
	case PK_SYNACK:
		if (c->pk.established)
			return; /* the answer to a retransmitted SYN */
		c->pk.established = true;
		unsigned mtu = pk_mtu(c->pop->link);
		unsigned smtu = pk_mtu(c->rs->srv->link);

		c->pk.mss = (uint16_t)((smtu < mtu ? smtu : mtu) - PACKET_HDR_BYTES);
		pk_send_request(c);
		return;
	case PK_RESP: {
		uint32_t n = pk_nsegs(c, pk_resp_bytes(c, c->k));
		uint32_t got = ++c->pk.segs_out;

		if (pk_tcp(c) && (got % 2 == 0 || got == n))
			pk_hop(c, PK_ACK, PK_HOP_SEND, got | ((c->k & 1) ? PK_ACK_PARITY : 0));
		if (got == n)
			pk_response_done(c);
		return;
	}
	case PK_FINACK:
		pk_hop(c, PK_LASTACK, PK_HOP_SEND, 0);
		return;
	case PK_RST:
		pk_refused(c);
		return;
	default:
		return;
	}
}

/* Packet <kind>/<idx> of <c> is at <hop> now: cross it, or deliver it. */
static void pk_hop(struct mconn *c, enum pk_kind kind, enum pk_hop hop, uint32_t idx)
{
	struct population *p = c->pop;
	sim_time_t now = sim_now(p->w->sim);
	bool c2s = pk_c2s(kind);
	sim_time_t rto = kind == PK_SYN || kind == PK_SYNACK ? PK_RTO_SYN_NS : PK_RTO_DATA_NS;
	struct director *d;
	struct mlink *l;
	sim_time_t t;

	switch (hop) {
	case PK_HOP_SEND:
		l = c2s ? p->link : c->rs->srv->link;
		if (!pk_link(l, c2s ? LINK_INBOUND : LINK_OUTBOUND, now, pk_payload(c, kind, idx),
			     rto, &t)) {
			pk_lost(c, kind);
			return;
		}
		pk_after(c, t, kind, PK_HOP_DIRECTOR, idx);
		return;
	case PK_HOP_DIRECTOR:
		d = p->vs->dir;
		if (!c2s && c->rs->vs->cfg->kind != LB_KIND_NAT) {
			/* DR and TUN answers go around the director. */
			pk_hop(c, kind, PK_HOP_ONWARD, idx);
			return;
		}
		if (d->down) {
			pk_lost(c, kind);
			return;
		}
		if (c2s) {
			if (!pk_dir_in(c, kind, idx))
				return;
		} else {
			pk_dir_out(c, kind);
		}
		t = director_process(d, now, 1, pk_payload(c, kind, idx));
		pk_after(c, t, kind, PK_HOP_ONWARD, idx);
		return;
	case PK_HOP_ONWARD:
		l = c2s ? c->rs->srv->link : p->link;
		if (!pk_link(l, c2s ? LINK_INBOUND : LINK_OUTBOUND, now, pk_payload(c, kind, idx),
			     rto, &t)) {
			pk_lost(c, kind);
			return;
		}
		pk_after(c, t, kind, PK_HOP_ARRIVE, idx);
		return;
	case PK_HOP_ARRIVE:
		if (c2s)
			pk_at_server(c, kind, idx);
		else
			pk_at_client(c, kind);
		return;
	}
}

/* The client sends request k of <c> now, as segments. */
static void pk_send_request(struct mconn *c)
{
	uint32_t n = pk_nsegs(c, pk_req_bytes(c, c->k));
	uint32_t tag = pk_tag(c);

	if (c->k > 0)
		c->sent_at = sim_now(c->pop->w->sim);
	c->pk.segs_in = 0;
	c->pk.segs_out = 0;
	for (uint32_t i = 0; i < n && pk_tag(c) == tag; i++)
		pk_hop(c, PK_DATA, PK_HOP_SEND, i);
}

/* No SYN-ACK yet: send the SYN again (1, 2, 4 s), or give up. */
static void pk_syn_timer(struct mconn *c)
{
	sim_time_t timeout = c->pop->cfg->timeout_ns;
	sim_time_t elapsed = sim_now(c->pop->w->sim) - c->sent_at;
	sim_time_t next;
	uint32_t tag = pk_tag(c);

	if (c->pk.established)
		return;
	if (c->pk.syn_tries >= PK_SYN_RETRIES || (timeout && elapsed >= timeout)) {
		pk_give_up(c, false);
		return;
	}
	next = PK_RTO_SYN_NS << ++c->pk.syn_tries;
	pk_hop(c, PK_SYN, PK_HOP_SEND, 0);
	if (pk_tag(c) != tag || c->pk.established)
		return;
	if (timeout && elapsed + next > timeout)
		next = timeout - elapsed;
	pk_after(c, next, PK_SYN_TIMER, 0, 0);
}

/* The client opens (or reopens) the connection now. */
static void pk_open(struct mconn *c)
{
	struct population *p = c->pop;
	sim_time_t timeout = p->cfg->timeout_ns;
	uint32_t tag;

	c->sent_at = sim_now(p->w->sim);
	c->pk.established = false;
	c->pk.syn_tries = 0;
	if ((p->link && !p->link->up) || p->vs->dir->down) {
		/* The SYN never arrives (or nobody is there): the client gives up. */
		pk_give_up(c, false);
		return;
	}
	if (!pk_tcp(c)) {
		c->pk.established = true;
		c->pk.mss = PK_UDP_MSS;
		pk_send_request(c);
		return;
	}
	tag = pk_tag(c);
	pk_hop(c, PK_SYN, PK_HOP_SEND, 0);
	if (pk_tag(c) == tag && !c->pk.established)
		pk_after(c, timeout && timeout < PK_RTO_SYN_NS ? timeout : PK_RTO_SYN_NS,
			 PK_SYN_TIMER, 0, 0);
}

/*
 * Start connection <c>, just born with everything drawn (and counted in
 * w->requests). From here on the flow above owns it until it ends.
 */
void packet_conn_start(struct mconn *c)
{
	c->pk = (struct mconn_pkt){ 0 };
	pk_open(c);
}

/*
 * Called from conn_served() when the server is done with request k of <c>:
 * the response leaves over the server's link, one event per segment.
 */
void packet_served(struct mconn *c)
{
	struct rs *r = c->rs;
	sim_time_t now = sim_now(c->pop->w->sim);
	uint32_t n, tag = pk_tag(c);

	if (!r->srv->up) {
		/* The server failed while the request was in it: no answer comes. */
		lb_dest_request_done(r->dest, now, now - c->fwd_at);
		pk_give_up(c, false);
		return;
	}
	n = pk_nsegs(c, pk_resp_bytes(c, c->k));
	for (uint32_t i = 0; i < n && pk_tag(c) == tag; i++)
		pk_hop(c, PK_RESP, PK_HOP_SEND, i);
}
