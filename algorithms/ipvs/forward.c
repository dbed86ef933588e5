/*
 * algorithms/ipvs/forward.c - what an IPVS director puts on the wire for one
 * packet of a connection whose real server is chosen: the NAT rewrite (both
 * directions), the DR MAC rewrite, the TUN (IPIP) encapsulation, and what
 * happens when the result exceeds the egress MTU (ICMP "too big" back to the
 * sender, or IPv4 fragments).
 *
 * Called once per forwarded packet by the pcap replay, the packet-level
 * director model and the live shim, after lb_pkt_parse and the connection
 * lookup or scheduling. No allocation: output frames are written one after
 * another into the caller's scratch buffer (one frame or an ICMP error needs
 * inlen + 64 bytes; fragments are cut from a staged copy, so they need about
 * twice that plus a header per fragment: LB_FWD_SCRATCH(inlen) always
 * suffices). The common case costs one link header and one copy of the IP
 * packet, 10-25 ns; lb_fwd_dr_inplace rewrites the received frame instead.
 *
 * Kernel behaviours reproduced (net/netfilter/ipvs of Linux >= 4.3, read
 * as behaviour, not copied):
 *  - TTL: every packet IPVS sends to a real server (NAT in, DR, TUN) has
 *    its TTL / hop limit decremented on the way out (__ip_vs_get_out_rt ->
 *    decrement_ttl), the IPv4 header checksum adjusted; TTL <= 1 is dropped
 *    (-ETIMEDOUT; the kernel's ICMP time exceeded is not built). Kernels
 *    before 4.3, and the classic LVS-DR description ("IP untouched"), do
 *    not: ctx->dec_ttl = false. Replies through a NAT director lose one in
 *    ip_forward in every kernel.
 *  - NAT in (ip_vs_nat_xmit): daddr := dest address, dport := dest port (the
 *    packet's port when the dest port is 0, as for fwmark services); the
 *    IPv4 header checksum and the TCP/UDP checksum are updated for the
 *    changed fields (RFC 1624, the kernel's fast csum update); a UDP result
 *    of 0 is sent as 0xffff; a UDP datagram that carried no checksum (0)
 *    gets a full one computed, as udp_dnat_handler does.
 *  - NAT out (the reply through ip_forward, then IPVS at FORWARD): TTL <= 1
 *    refused as above, then the MTU check (quoting the reply as received),
 *    then the decrement; saddr := virtual address, sport := virtual port;
 *    checksums as for NAT in (udp_snat_handler).
 *  - DR (ip_vs_dr_xmit): the IP packet, TTL aside, leaves unchanged in a new
 *    link header (next hop = the real server's MAC, source = ours).
 *  - TUN (ip_vs_tunnel_xmit, IPIP): outer header from t->laddr to the real
 *    server, protocol 4 (IPv4 inside) or 41 (IPv6 inside, in IPv4 or IPv6);
 *    TOS / traffic class and TTL / hop limit copied from the inner packet
 *    after its decrement; DF copied from an inner IPv4 packet (clear for
 *    IPv6 inside); the outer IPv4 ID is 0 when DF is set (ip_select_ident
 *    runs before ignore_df is set, and a DF packet without a socket gets
 *    ID 0), otherwise the next ctx->ip_id (Linux hashes a per-destination
 *    counter with a boot-time secret: not reproducible); an IPv6 outer
 *    header has flow label 0.
 *  - MTU (__ip_vs_get_out_rt, ensure_mtu_is_adequate, pmtu_disc = 1): the
 *    check comes after the TTL decrement; mtu = t->mtu minus the tunnel
 *    header (20 or 40 bytes) for TUN. IPv4: mtu < 68 drops (-EMSGSIZE); a
 *    packet longer than mtu with DF is dropped and answered with ICMP
 *    fragmentation needed carrying mtu; without DF the packet leaves in
 *    fragments -- for TUN the outer datagram (DF clear), which the output
 *    path's ip_fragment splits after encapsulation (ignore_df is set), so
 *    the real server reassembles before decapsulating; the inner packet is
 *    never fragmented. IPv6 (inner): mtu < 1280 drops; a longer packet is
 *    dropped and answered with Packet Too Big.
 *  - The ICMP error (icmp_send / icmp6_send): from the virtual address the
 *    packet was sent to (the route is local; NAT out: from t->laddr, the
 *    address facing the real server) to the packet's source, TTL / hop
 *    limit 64, IPv4 TOS (tos & 0x1e) | 0xc0, DF clear, ID from ctx->ip_id;
 *    IPv6 traffic class 0 and flow label 0 (Linux may set an automatic flow
 *    label); no IP options echoed. ICMPv4 quotes ctx->icmp4_quote bytes
 *    (Linux: up to 576 bytes in all), ICMPv6 as much as fits in 1280 bytes,
 *    of the packet as it was when the check failed (TTL already decremented
 *    on the way in). No error about a non-first fragment, an ICMP error, a
 *    packet from an unspecified, multicast or broadcast source, or (IPv4) to
 *    a multicast or broadcast address: the packet is only dropped
 *    (-EMSGSIZE). PMTU errors are exempt from Linux's ICMP rate limits, so
 *    none is applied. The error goes back to the link address the packet
 *    came from (p->src_mac), with the packet's VLAN tags.
 *  - The kernel also rewrites the inner IPv4 header checksum before
 *    tunnelling (ip_send_check); lbsim keeps it, which is the same for every
 *    packet whose checksum was right (the kernel drops the others on input).
 *
 * Not done: ICMP errors relating to a NAT connection (the kernel rewrites
 * the quoted header too), ICMP time exceeded, SCTP and other protocols
 * under NAT (-EPROTONOSUPPORT), NAT of fragments (the kernel reassembles
 * first: -EPROTO), GUE/GRE tunnels, IPv6 fragmentation (an IPv4 packet
 * without DF too big for an IPv6 tunnel is refused with -EMSGSIZE),
 * tunnelled input (-EINVAL).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/ipvs/forward.h"

#include <errno.h>
#include <string.h>

#include "algorithms/wire/bytes.h"


/*
 * lb_fwd_ctx_init - zero counters, first originated IPv4 ID, the current
 * kernel's behaviour (TTL decrement, Linux ICMP quoting).
 */
void lb_fwd_ctx_init(struct lb_fwd_ctx *ctx, uint16_t first_id)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ip_id = first_id;
	ctx->icmp4_quote = LB_ICMP4_QUOTE_LINUX;
	ctx->dec_ttl = true;
}

/* TTL - 1 with the IPv4 header checksum updated (ip_decrease_ttl), or hop limit - 1. */
static void fwd_ttl_dec(uint8_t *iph)
{
	if ((iph[0] >> 4) == 4) {
		uint16_t ow = lb_rd16(iph + 8);

		iph[8]--;
		lb_wr16(iph + 10, lb_csum_replace2(lb_rd16(iph + 10), ow, lb_rd16(iph + 8)));
	} else {
		iph[7]--;
	}
}

/* Bytes of the scratch buffer already holding frames. */
static size_t fwd_used(const struct lb_fwd_out *out)
{
	const struct lb_frame *f;

	if (out->nframes == 0)
		return 0;
	f = &out->frames[out->nframes - 1];
	return (size_t)(f->data - out->buf) + f->len;
}

/*
 * icmp_send's and icmp6_send's refusals: no error about a non-first
 * fragment, about an ICMP error (ICMPv4 types 3, 4, 5, 11, 12 and unknown
 * types above 18; ICMPv6 types below 128 and redirects), from an
 * unspecified, multicast or broadcast source, or (IPv4) to a multicast or
 * broadcast destination.
 */
static bool fwd_icmp_allowed(const struct lb_pkt *p)
{
	if (p->frag_off)
		return false;
	if (p->ip_ver == 4) {
		uint32_t s = p->saddr.u.v4, d = p->daddr.u.v4;

		if (s == 0 || s == 0xffffffffu || (s >> 28) == 0xe || d == 0xffffffffu ||
		    (d >> 28) == 0xe)
			return false;
		if (p->proto == LB_PROTO_ICMP && p->l4_off &&
		    (p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 ||
		     p->icmp_type == 11 || p->icmp_type == 12 || p->icmp_type > 18))
			return false;
		return true;
	}
	if (p->saddr.u.v6[0] == 0xff)
		return false;
	{
		static const uint8_t zero[16];

		if (!memcmp(p->saddr.u.v6, zero, 16))
			return false;
	}
	if (p->proto == LB_PROTO_ICMPV6 && p->l4_off && (p->icmp_type < 128 || p->icmp_type == 137))
		return false;
	return true;
}

/*
 * The packet does not fit: build the ICMP error (src = from) quoting the
 * packet as received, or refuse. mtu is the value to report.
 */
static int fwd_icmp(struct lb_fwd_ctx *ctx, const struct lb_pkt *p, const uint8_t *ip,
		    size_t have, const struct lb_addr *from, unsigned mtu, bool dec,
		    const struct lb_fwd_target *t, struct lb_fwd_out *out)
{
	struct lb_eth_spec eth;
	struct lb_ip_spec is;
	size_t need;
	uint8_t *msg;
	int n;

	if (!fwd_icmp_allowed(p))
		return -EMSGSIZE;
	if (from->af != p->saddr.af)
		return -EINVAL;
	memset(&eth, 0, sizeof(eth));
	memcpy(eth.dst, p->src_mac, 6);
	memcpy(eth.src, t->eth.src, 6);
	eth.nvlan = p->nvlan;
	for (unsigned i = 0; i < p->nvlan; i++) {
		eth.vlan_tpid[i] = p->vlan_tpid[i];
		eth.vlan_tci[i] = p->vlan_tci[i];
	}
	memset(&is, 0, sizeof(is));
	is.saddr = *from;
	is.daddr = p->saddr;
	is.ttl = 64;
	if (p->ip_ver == 4) {
		need = ctx->icmp4_quote;
		if (need == LB_ICMP4_QUOTE_RFC792)
			need = p->ip_hlen + 8;
		if (need > p->ip_len)
			need = p->ip_len;
		if (need > have)
			return -ENODATA;
		is.tos = (uint8_t)((p->tos & 0x1e) | 0xc0);
		is.id = ctx->ip_id++;
		n = lb_build_icmp4_frag_needed(out->buf, out->cap, &eth, &is, (uint16_t)mtu, ip,
					       need, need);
	} else {
		need = p->ip_len < 1232 ? p->ip_len : 1232;
		if (need > have)
			return -ENODATA;
		n = lb_build_icmp6_too_big(out->buf, out->cap, &eth, &is, mtu, ip, need);
	}
	if (n < 0)
		return n;
	if (dec) {
		/* the quote shows the packet after its TTL was decremented */
		msg = out->buf + (size_t)n - need - 8;
		fwd_ttl_dec(msg + 8);
		lb_l4_csum_set(&is.saddr, &is.daddr,
			       p->ip_ver == 4 ? LB_PROTO_ICMP : LB_PROTO_ICMPV6, msg, 8 + need);
	}
	out->frames[0].data = out->buf;
	out->frames[0].len = (size_t)n;
	out->frames[0].wire_len = (size_t)n;
	out->nframes = 1;
	out->flags |= LB_FWD_F_ICMP;
	ctx->nicmp++;
	return 0;
}

/*
 * Start the one output frame: our link header for ethertype et, room for
 * len L3 bytes. Returns the L3 pointer (frame recorded with wire length
 * l2 + wire) or NULL with *err set.
 */
static uint8_t *fwd_frame(struct lb_fwd_out *out, const struct lb_fwd_target *t, uint16_t et,
			  size_t len, size_t wire, int *err)
{
	int l2 = lb_build_eth(out->buf, out->cap, &t->eth, et);

	if (l2 < 0) {
		*err = l2;
		return NULL;
	}
	if (out->cap - (size_t)l2 < len) {
		*err = -ENOSPC;
		return NULL;
	}
	out->frames[0].data = out->buf;
	out->frames[0].len = (size_t)l2 + len;
	out->frames[0].wire_len = (size_t)l2 + wire;
	out->nframes = 1;
	return out->buf + l2;
}

/*
 * Replace the staged frame (frames[0], an IPv4 datagram at l3) by its
 * fragments for mtu, written after it in the scratch buffer.
 */
static int fwd_fragment(struct lb_fwd_out *out, const struct lb_fwd_target *t, uint8_t *l3,
			unsigned mtu)
{
	size_t hlen = (size_t)(l3[0] & 0x0f) * 4;
	size_t tot = lb_rd16(l3 + 2);
	size_t pos = fwd_used(out);
	int n;

	if (out->frames[0].len != out->frames[0].wire_len)
		return -ENODATA;
	n = lb_ip4_fragment_hdr(l3, l3 + hlen, tot - hlen, mtu, &t->eth, out->buf + pos,
				out->cap - pos, out->frames, LB_FWD_MAX_FRAMES);
	if (n < 0) {
		out->nframes = 0;
		return n;
	}
	out->nframes = (unsigned)n;
	out->flags |= LB_FWD_F_FRAG;
	return 0;
}

/*
 * NAT: copy the packet into the frame at l3 and rewrite it (see the
 * header); dec: decrement the TTL too. -ENODATA when a UDP datagram without
 * checksum is not wholly captured (the kernel then computes one).
 */
static int fwd_nat(const struct lb_pkt *p, const uint8_t *ip, size_t have, const struct lb_dest *d,
		   const struct lb_fwd_target *t, bool dec, uint8_t *l3)
{
	bool in = t->dir == LB_FWD_IN;
	const struct lb_addr *na;
	uint8_t *l4 = l3 + (p->l4_off - p->l3_off);
	size_t aoff, poff, coff = p->proto == LB_PROTO_TCP ? 16 : 6;
	uint16_t oport, nport, c;
	bool sum;

	memcpy(l3, ip, have);
	if (in) {
		na = &d->addr;
		nport = d->port ? d->port : p->dport;
		poff = 2;
	} else {
		na = t->vaddr.af ? &t->vaddr : &d->svc->addr;
		nport = t->vaddr.af ? t->vport : d->svc->port;
		poff = 0;
	}
	oport = lb_rd16(l4 + poff);
	c = lb_rd16(l4 + coff);
	sum = !(p->proto == LB_PROTO_UDP && c == 0);
	if (!sum && have < p->ip_len)
		return -ENODATA;
	if (p->ip_ver == 4) {
		uint16_t ic = lb_rd16(l3 + 10);
		uint32_t oa;

		aoff = in ? 16 : 12;
		oa = lb_rd32(l3 + aoff);
		lb_wr32(l3 + aoff, na->u.v4);
		lb_wr16(l3 + 10, lb_csum_replace4(ic, oa, na->u.v4));
		if (sum)
			c = lb_csum_replace4(c, oa, na->u.v4);
	} else {
		uint8_t oa[16];

		aoff = in ? 24 : 8;
		memcpy(oa, l3 + aoff, 16);
		memcpy(l3 + aoff, na->u.v6, 16);
		if (sum)
			c = lb_csum_replace16(c, oa, na->u.v6);
	}
	if (dec)
		fwd_ttl_dec(l3);
	lb_wr16(l4 + poff, nport);
	if (sum) {
		c = lb_csum_replace2(c, oport, nport);
		if (p->proto == LB_PROTO_UDP && c == 0)
			c = 0xffff;
		lb_wr16(l4 + coff, c);
	} else {
		struct lb_addr s, dd;

		memset(&s, 0, sizeof(s));
		memset(&dd, 0, sizeof(dd));
		if (p->ip_ver == 4) {
			s.af = dd.af = LB_AF_INET;
			s.u.v4 = lb_rd32(l3 + 12);
			dd.u.v4 = lb_rd32(l3 + 16);
		} else {
			s.af = dd.af = LB_AF_INET6;
			memcpy(s.u.v6, l3 + 8, 16);
			memcpy(dd.u.v6, l3 + 24, 16);
		}
		lb_l4_csum_set(&s, &dd, LB_PROTO_UDP, l4, p->ip_len - (p->l4_off - p->l3_off));
	}
	return 0;
}

/* TUN: outer header for the dest, then the inner packet as received. */
static int fwd_tun(struct lb_fwd_ctx *ctx, const struct lb_pkt *p, const uint8_t *ip,
		   size_t have, const struct lb_dest *d, const struct lb_fwd_target *t,
		   uint8_t *l3, size_t room)
{
	struct lb_ip_spec os;
	int hl;

	memset(&os, 0, sizeof(os));
	os.saddr = t->laddr;
	os.daddr = d->addr;
	os.ttl = (uint8_t)(p->ttl - (ctx->dec_ttl ? 1 : 0));
	os.tos = p->tos;
	if (p->ip_ver == 4 && (p->flags & LB_PKT_F_DF))
		os.df = true;
	else if (d->addr.af == LB_AF_INET)
		os.id = ctx->ip_id++;
	hl = lb_build_ip_hdr(l3, room, &os, p->ip_ver == 4 ? LB_PROTO_IPIP : LB_PROTO_IPV6,
			     p->ip_len);
	if (hl < 0)
		return hl;
	memcpy(l3 + hl, ip, have);
	if (ctx->dec_ttl)
		fwd_ttl_dec(l3 + hl);
	return 0;
}

/* Whether p, in, d and t describe something kind can forward; 0 or -errno. */
static int fwd_check(const struct lb_pkt *p, size_t inlen, enum lb_kind kind,
		     const struct lb_dest *d, const struct lb_fwd_target *t)
{
	const struct lb_addr *va;
	uint8_t af;

	if (p->kind != LB_PKT_IP || (p->flags & LB_PKT_F_ENCAP) || p->ip_len == 0 ||
	    p->l3_off > inlen || inlen - p->l3_off < p->ip_hlen || (unsigned)kind >= LB_KIND_COUNT)
		return -EINVAL;
	af = p->ip_ver == 4 ? LB_AF_INET : LB_AF_INET6;
	if (t->dir != LB_FWD_IN && (t->dir != LB_FWD_OUT || kind != LB_KIND_NAT))
		return -EINVAL;
	switch (kind) {
	case LB_KIND_NAT:
		if (!d)
			return -EINVAL;
		va = t->vaddr.af || !d->svc ? &t->vaddr : &d->svc->addr;
		if ((t->dir == LB_FWD_IN ? d->addr.af : va->af) != af)
			return -EINVAL;
		if (p->flags & LB_PKT_F_FRAG)
			return -EPROTO;
		if (p->proto != LB_PROTO_TCP && p->proto != LB_PROTO_UDP)
			return -EPROTONOSUPPORT;
		if (p->l4_off == 0 || p->payload_off > inlen)
			return -EINVAL;
		return 0;
	case LB_KIND_DR:
		return 0;
	case LB_KIND_TUN:
		if (!d || (d->addr.af != LB_AF_INET && d->addr.af != LB_AF_INET6) ||
		    t->laddr.af != d->addr.af)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * lb_fwd - the frames the director sends for packet p (parsed from
 * in[0..inlen) with LB_PKT_OK, or LB_PKT_E_FRAGMENT for DR and TUN),
 * forwarded by method kind to dest d (may be NULL for DR) along t.
 * out->buf and out->cap must be set; the rest of out is filled in.
 * Returns 0 with out->nframes >= 1: the packet rewritten (one frame), in
 * fragments (LB_FWD_F_FRAG), or dropped and answered with an ICMP error
 * (LB_FWD_F_ICMP, one frame). Otherwise out->nframes = 0 and:
 *  -EINVAL	  p not an IP packet parsed from in, tunnelled input, families
 *		  that do not match, dir OUT with DR/TUN, d or t->laddr missing;
 *  -EPROTONOSUPPORT NAT of a protocol other than TCP/UDP;
 *  -EPROTO	  NAT of a fragment;
 *  -ETIMEDOUT	  TTL / hop limit <= 1 (NAT out, or any method with ctx->dec_ttl);
 *  -EMSGSIZE	  too big and dropped without an ICMP error (see the header);
 *  -ENODATA	  the capture lacks bytes that the ICMP quote, the fragments or a
 *		  new UDP checksum need;
 *  -ENOSPC	  out->cap too small; -E2BIG more than LB_FWD_MAX_FRAMES fragments.
 * Output frames are Ethernet with t->eth's addresses and tags; a snapped
 * capture gives frames with len < wire_len.
 */
int lb_fwd(struct lb_fwd_ctx *ctx, const struct lb_pkt *p, const uint8_t *in, size_t inlen,
	   enum lb_kind kind, const struct lb_dest *d, const struct lb_fwd_target *t,
	   struct lb_fwd_out *out)
{
	const uint8_t *ip = in + p->l3_off;
	size_t have, ohl = 0;
	uint8_t *l3;
	uint8_t oaf;
	unsigned mtu;
	bool dec;
	int rc;

	out->nframes = 0;
	out->flags = 0;
	rc = fwd_check(p, inlen, kind, d, t);
	if (rc)
		goto out_drop;
	/* forwarded replies always lose one (ip_forward), IPVS output one if dec_ttl */
	dec = t->dir == LB_FWD_OUT || ctx->dec_ttl;
	if (dec && p->ttl <= 1) {
		rc = -ETIMEDOUT;
		goto out_drop;
	}
	have = inlen - p->l3_off < p->ip_len ? inlen - p->l3_off : p->ip_len;
	oaf = p->ip_ver == 4 ? LB_AF_INET : LB_AF_INET6;
	if (kind == LB_KIND_TUN) {
		oaf = d->addr.af;
		ohl = oaf == LB_AF_INET ? 20 : 40;
	}

	if (t->mtu && p->ip_len + ohl > t->mtu) {
		mtu = t->mtu - (unsigned)(ohl < t->mtu ? ohl : t->mtu);
		if (p->ip_ver == 6 ? mtu < 1280 : mtu < 68) {
			rc = -EMSGSIZE;
			goto out_drop;
		}
		if (p->ip_ver == 6 || (p->flags & LB_PKT_F_DF)) {
			const struct lb_addr *from = &p->daddr;

			if (t->dir == LB_FWD_OUT)
				from = &t->laddr;
			rc = fwd_icmp(ctx, p, ip, have, from, mtu, dec && t->dir == LB_FWD_IN, t,
				      out);
			if (rc)
				goto out_drop;
			return 0;
		}
		if (oaf != LB_AF_INET) {
			rc = -EMSGSIZE;
			goto out_drop;
		}
	}

	l3 = fwd_frame(out, t, oaf == LB_AF_INET ? LB_ETH_P_IP : LB_ETH_P_IPV6, ohl + have,
		       ohl + p->ip_len, &rc);
	if (!l3)
		goto out_drop;
	switch (kind) {
	case LB_KIND_NAT:
		rc = fwd_nat(p, ip, have, d, t, dec, l3);
		break;
	case LB_KIND_DR:
		memcpy(l3, ip, have);
		if (dec)
			fwd_ttl_dec(l3);
		break;
	case LB_KIND_TUN:
		rc = fwd_tun(ctx, p, ip, have, d, t, l3, ohl + have);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (!rc && t->mtu && p->ip_len + ohl > t->mtu) {
		rc = fwd_fragment(out, t, l3, t->mtu);
		if (!rc)
			ctx->nfrag++;
	}
	if (rc)
		goto out_drop;
	ctx->nfwd[kind]++;
	return 0;

out_drop:
	out->nframes = 0;
	out->flags = 0;
	ctx->ndrop++;
	return rc;
}

/*
 * lb_fwd_dr_inplace - the DR output of lb_fwd made in the received Ethernet
 * frame itself, for the replay's hot path: destination MAC := t->eth.dst,
 * source MAC := t->eth.src, TTL decremented if ctx->dec_ttl, nothing else.
 * Returns 0, -EINVAL when the frame is not Ethernet IP or its VLAN tags
 * differ from t->eth's, -ETIMEDOUT (TTL <= 1), or -EMSGSIZE when the packet
 * exceeds t->mtu (lb_fwd then builds the ICMP error or the fragments).
 * Only a success is counted.
 */
int lb_fwd_dr_inplace(struct lb_fwd_ctx *ctx, uint8_t *frame, size_t len, const struct lb_pkt *p,
		      const struct lb_fwd_target *t)
{
	if (p->linktype != LB_LT_ETHER || p->kind != LB_PKT_IP || (p->flags & LB_PKT_F_ENCAP) ||
	    p->nvlan != t->eth.nvlan || p->l3_off > len || len - p->l3_off < p->ip_hlen)
		return -EINVAL;
	for (unsigned i = 0; i < p->nvlan; i++)
		if (p->vlan_tci[i] != t->eth.vlan_tci[i] ||
		    p->vlan_tpid[i] != (t->eth.vlan_tpid[i] ? t->eth.vlan_tpid[i] : LB_ETH_P_8021Q))
			return -EINVAL;
	if (ctx->dec_ttl && p->ttl <= 1)
		return -ETIMEDOUT;
	if (t->mtu && p->ip_len > t->mtu)
		return -EMSGSIZE;
	memcpy(frame, t->eth.dst, 6);
	memcpy(frame + 6, t->eth.src, 6);
	if (ctx->dec_ttl)
		fwd_ttl_dec(frame + p->l3_off);
	ctx->nfwd[LB_KIND_DR]++;
	return 0;
}
