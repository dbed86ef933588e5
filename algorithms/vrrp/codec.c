/*
 * algorithms/vrrp/codec.c - VRRP on the wire: the VRRPv2 (RFC 3768, with
 * keepalived's PASS authentication) and VRRPv3 (RFC 5798) advertisement,
 * the IPv4/IPv6 and Ethernet envelope around it, the receive checks that
 * decide whether an advert counts, and the gratuitous ARP / unsolicited
 * neighbour advertisement that announce a VIP.
 *
 * Called by algorithms/vrrp/vrrp.c once per advert sent or received and per
 * GARP, by the director model and the live shim to classify frames, and by
 * the tests on captured frames. Nothing here allocates; the largest frame is
 * VRRP_FRAME_MAX bytes. Decoding checks every length before reading, so any
 * byte string is safe to hand in.
 *
 * Reproduces keepalived 2.2.7 (spec/vrrp-keepalived.md sections 1.1-1.7):
 * IPv4 header built by hand with TOS 0xc0, TTL 255, the caller's ID counter,
 * DF clear; Ethernet source = the interface MAC, destination 01:00:5e:00:00:12
 * or the unicast peer's MAC; the v2 checksum over the message alone, the v3
 * checksum with the pseudo-header of the packet's real destination; receive
 * checks in keepalived's order with one verdict per outcome; GARP as an ARP
 * request with target MAC ff:ff:ff:ff:ff:ff. Deliberately different or
 * missing: no AH ICV (AH headers are recognised and parsed, never built or
 * verified), no old-unicast-checksum auto-detection (keepalived <= 1.3.6
 * peers), no IP fragment reassembly (fragments are refused), IPv6 extension
 * headers are refused, and frames are not padded to the Ethernet minimum
 * (keepalived's frames, captured on the sending veth, are not either).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/vrrp/codec.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "algorithms/wire/bytes.h"

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define IPPROTO_ICMPV6_NUM 58

static const uint8_t mac_bcast[VRRP_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };


static inline size_t addr_len(uint8_t af)
{
	return af == LB_AF_INET6 ? 16 : 4;
}

static void addr_put(uint8_t *p, const struct lb_addr *a)
{
	if (a->af == LB_AF_INET6)
		memcpy(p, a->u.v6, 16);
	else
		lb_wr32(p, a->u.v4);
}

static void addr_get(const uint8_t *p, uint8_t af, struct lb_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = af;
	if (af == LB_AF_INET6)
		memcpy(a->u.v6, p, 16);
	else
		a->u.v4 = lb_rd32(p);
}

static bool addr_is_mcast(const struct lb_addr *a)
{
	if (a->af == LB_AF_INET)
		return (a->u.v4 & 0xf0000000u) == 0xe0000000u;
	return a->af == LB_AF_INET6 && a->u.v6[0] == 0xff;
}

static bool mac_is_zero(const uint8_t *m)
{
	for (int i = 0; i < VRRP_MAC_LEN; i++)
		if (m[i])
			return false;
	return true;
}

/* ---- verdicts ---- */

static const char *const verdict_names[VRRP_RX_VERDICT_COUNT] = {
	[VRRP_RX_OK] = "ok",
	[VRRP_RX_MALFORMED] = "malformed",
	[VRRP_RX_UNKNOWN_VRID] = "unknown-vrid",
	[VRRP_RX_NOT_READY] = "not-ready",
	[VRRP_RX_AH_MISMATCH] = "ah-mismatch",
	[VRRP_RX_BAD_LENGTH] = "bad-length",
	[VRRP_RX_BAD_TTL] = "bad-ttl",
	[VRRP_RX_BAD_VERSION] = "bad-version",
	[VRRP_RX_BAD_AUTH_TYPE] = "bad-auth-type",
	[VRRP_RX_BAD_PASSWORD] = "bad-password",
	[VRRP_RX_INTERVAL_MISMATCH] = "interval-mismatch",
	[VRRP_RX_BAD_TYPE] = "bad-type",
	[VRRP_RX_ADDR_COUNT] = "addr-count",
	[VRRP_RX_IP_LENGTH] = "ip-length",
	[VRRP_RX_BAD_CHECKSUM] = "bad-checksum",
	[VRRP_RX_MODE_MISMATCH] = "mode-mismatch",
	[VRRP_RX_ADDR_MISMATCH] = "addr-mismatch",
	[VRRP_RX_UNKNOWN_SOURCE] = "unknown-source",
};

/* vrrp_rx_verdict_name - a short lower-case name ("bad-password"); "?" if unknown. */
const char *vrrp_rx_verdict_name(enum vrrp_rx_verdict v)
{
	if ((unsigned)v >= VRRP_RX_VERDICT_COUNT)
		return "?";
	return verdict_names[v];
}

/*
 * vrrp_rx_verdict_is_ko - true for the outcomes keepalived counts as a bad
 * packet; false for an accepted advert and for the silent drops (unknown
 * VRID, instance not ready, v2 interval mismatch).
 */
bool vrrp_rx_verdict_is_ko(enum vrrp_rx_verdict v)
{
	return v != VRRP_RX_OK && v != VRRP_RX_UNKNOWN_VRID && v != VRRP_RX_NOT_READY &&
	       v != VRRP_RX_INTERVAL_MISMATCH;
}

static const struct vrrp_peer *peer_find(const struct vrrp_rx_expect *x,
					 const struct lb_addr *src)
{
	for (size_t i = 0; i < x->npeers; i++)
		if (lb_addr_eq(&x->peers[i].addr, src))
			return &x->peers[i];
	return NULL;
}

/* Constant-time compare, as keepalived does for the password. */
static bool pass_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (int i = 0; i < VRRP_AUTH_LEN; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * vrrp_advert_check - run keepalived's receive checks (spec 1.6, steps 1 and
 * 3-15; step 2, the instance's own state, is the caller's) on a decoded
 * advert <a> against what instance <x> expects. Returns VRRP_RX_OK when the
 * advert counts, else the first failing check. A bad IPv4 header checksum
 * gives VRRP_RX_MALFORMED (the kernel would have dropped the packet). The
 * expected message length (step 4) uses the instance's version, as the
 * receiving socket only knows its own instance. AH adverts are accepted
 * without verifying the ICV.
 */
enum vrrp_rx_verdict vrrp_advert_check(const struct vrrp_rx_expect *x,
				       const struct vrrp_advert *a)
{
	const struct vrrp_rx *rx = &a->rx;
	size_t alen = addr_len(x->af);
	bool want_ah = x->version == 2 && x->auth_type == VRRP_AUTH_AH;
	size_t want_len;

	if (!rx->ip_csum_ok)
		return VRRP_RX_MALFORMED;
	if (a->vrid != x->vrid || a->af != x->af)
		return VRRP_RX_UNKNOWN_VRID;
	if (rx->has_ah != want_ah)
		return VRRP_RX_AH_MISMATCH;
	want_len = 8 + alen * a->naddr + (x->version == 2 ? VRRP_AUTH_LEN : 0);
	if (rx->msg_len != want_len)
		return VRRP_RX_BAD_LENGTH;
	if (!x->unicast) {
		if (rx->ttl != VRRP_TTL)
			return VRRP_RX_BAD_TTL;
	} else {
		const struct vrrp_peer *p = peer_find(x, &rx->saddr);

		if (p && ((p->min_ttl && rx->ttl < p->min_ttl) ||
			  (p->max_ttl && rx->ttl > p->max_ttl)))
			return VRRP_RX_BAD_TTL;
	}
	if (a->version != x->version)
		return VRRP_RX_BAD_VERSION;
	if (x->version == 2) {
		if (a->auth_type > VRRP_AUTH_AH || a->auth_type != x->auth_type)
			return VRRP_RX_BAD_AUTH_TYPE;
		if (x->auth_type == VRRP_AUTH_PASS && !pass_equal(a->auth_data, x->auth_pass))
			return VRRP_RX_BAD_PASSWORD;
		if (a->adver_int != x->adver_int_s)
			return VRRP_RX_INTERVAL_MISMATCH;
	}
	if (a->type != VRRP_TYPE_ADVERT)
		return VRRP_RX_BAD_TYPE;
	if (a->naddr != x->nvips)
		return VRRP_RX_ADDR_COUNT;
	if (rx->ip_rcvd != rx->ip_tot_len)
		return VRRP_RX_IP_LENGTH;
	if (!rx->csum_ok)
		return VRRP_RX_BAD_CHECKSUM;
	if (x->unicast == addr_is_mcast(&rx->daddr))
		return VRRP_RX_MODE_MISMATCH;
	if (!(x->skip_check_adv_addr && x->last_src && lb_addr_eq(x->last_src, &rx->saddr))) {
		for (size_t i = 0; i < x->nvips; i++) {
			size_t j;

			for (j = 0; j < rx->naddr_present; j++)
				if (lb_addr_eq(&a->addrs[j], &x->vips[i]))
					break;
			if (j == rx->naddr_present)
				return VRRP_RX_ADDR_MISMATCH;
		}
	}
	if (x->unicast && x->check_unicast_src && !peer_find(x, &rx->saddr))
		return VRRP_RX_UNKNOWN_SOURCE;
	return VRRP_RX_OK;
}

/* ---- checksums ---- */

static uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += lb_rd16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

/*
 * vrrp_inet_csum - the Internet checksum (one's complement of the one's
 * complement sum) of <p>, <len> bytes, added to the partial sum <sum> (0 to
 * start). Returns the value to store big-endian; summing a block that
 * already holds a correct checksum returns 0.
 */
uint16_t vrrp_inet_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	sum = csum_add(p, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * vrrp_msg_csum - the VRRP checksum of spec 1.4 over the <len>-byte message
 * <msg> as it stands (zero its checksum field to compute one; leave it to
 * verify, then 0 means correct). Version 2: the message alone. Version 3:
 * with the IPv4 (src, dst, 0, 112, length) or IPv6 (src, dst, length, 0, 112)
 * pseudo-header; <daddr> must be the packet's real destination.
 */
uint16_t vrrp_msg_csum(const uint8_t *msg, size_t len, uint8_t version,
		       const struct lb_addr *saddr, const struct lb_addr *daddr)
{
	uint8_t ph[40];
	size_t phlen = 0;

	if (version == 3) {
		if (saddr->af == LB_AF_INET6) {
			memcpy(ph, saddr->u.v6, 16);
			memcpy(ph + 16, daddr->u.v6, 16);
			lb_wr32(ph + 32, (uint32_t)len);
			memset(ph + 36, 0, 3);
			ph[39] = VRRP_IPPROTO;
			phlen = 40;
		} else {
			lb_wr32(ph, saddr->u.v4);
			lb_wr32(ph + 4, daddr->u.v4);
			ph[8] = 0;
			ph[9] = VRRP_IPPROTO;
			lb_wr16(ph + 10, (uint16_t)len);
			phlen = 12;
		}
	}
	return vrrp_inet_csum(msg, len, csum_add(ph, phlen, 0));
}

/* ---- the VRRP message ---- */

/* vrrp_msg_length - bytes of <a>'s message on the wire, or -EINVAL. */
int vrrp_msg_length(const struct vrrp_advert *a)
{
	size_t alen;

	if ((a->version != 2 && a->version != 3) ||
	    (a->af != LB_AF_INET && a->af != LB_AF_INET6))
		return -EINVAL;
	alen = addr_len(a->af);
	return (int)(8 + alen * a->naddr + (a->version == 2 ? VRRP_AUTH_LEN : 0));
}

/*
 * vrrp_msg_encode - write <a>'s message into <buf> (<cap> bytes) with its
 * checksum (v3 needs <saddr>/<daddr> for the pseudo-header; v2 ignores
 * them) and store the checksum in a->checksum. Returns the length, -EINVAL
 * for a version, family, interval or address that cannot be encoded, or
 * -ENOSPC when <cap> is too small.
 */
int vrrp_msg_encode(struct vrrp_advert *a, const struct lb_addr *saddr,
		    const struct lb_addr *daddr, uint8_t *buf, size_t cap)
{
	int len = vrrp_msg_length(a);
	size_t alen, off = 8;
	uint16_t csum;

	if (len < 0)
		return len;
	if ((size_t)len > cap)
		return -ENOSPC;
	if ((a->version == 2 && a->adver_int > 0xff) || (a->version == 3 && a->adver_int > 0xfff))
		return -EINVAL;
	alen = addr_len(a->af);
	buf[0] = (uint8_t)(a->version << 4 | (a->type & 0xf));
	buf[1] = a->vrid;
	buf[2] = a->priority;
	buf[3] = a->naddr;
	if (a->version == 2) {
		buf[4] = a->auth_type;
		buf[5] = (uint8_t)a->adver_int;
	} else {
		buf[4] = (uint8_t)((a->rsvd & 0xf) << 4 | (a->adver_int >> 8));
		buf[5] = (uint8_t)a->adver_int;
	}
	buf[6] = buf[7] = 0;
	for (unsigned i = 0; i < a->naddr; i++, off += alen) {
		if (a->addrs[i].af != a->af)
			return -EINVAL;
		addr_put(buf + off, &a->addrs[i]);
	}
	if (a->version == 2)
		memcpy(buf + off, a->auth_data, VRRP_AUTH_LEN);
	csum = vrrp_msg_csum(buf, (size_t)len, a->version, saddr, daddr);
	lb_wr16(buf + 6, csum);
	a->checksum = csum;
	return len;
}

/* Clear everything but the address array (which is filled as far as needed). */
static void advert_clear(struct vrrp_advert *a)
{
	memset(a, 0, offsetof(struct vrrp_advert, addrs));
	memset(&a->rx, 0, sizeof(a->rx));
}

/*
 * vrrp_msg_decode - parse the <len>-byte message <msg> carried over family
 * <af> into <out> (header fields, as many addresses as are present, v2 auth
 * data when present; rx.msg_len and rx.naddr_present). Does not verify
 * anything and leaves the rest of out->rx alone. Returns 0, or -EMSGSIZE when
 * fewer than 8 bytes are present.
 */
int vrrp_msg_decode(const uint8_t *msg, size_t len, uint8_t af, struct vrrp_advert *out)
{
	size_t alen = addr_len(af), avail, n;

	if (len < 8)
		return -EMSGSIZE;
	out->version = msg[0] >> 4;
	out->type = msg[0] & 0xf;
	out->vrid = msg[1];
	out->priority = msg[2];
	out->naddr = msg[3];
	out->af = af;
	if (out->version == 2) {
		out->auth_type = msg[4];
		out->rsvd = 0;
		out->adver_int = msg[5];
	} else {
		out->auth_type = 0;
		out->rsvd = msg[4] >> 4;
		out->adver_int = (uint16_t)((msg[4] & 0xf) << 8 | msg[5]);
	}
	out->checksum = lb_rd16(msg + 6);
	avail = (len - 8) / alen;
	n = out->naddr < avail ? out->naddr : avail;
	for (size_t i = 0; i < n; i++)
		addr_get(msg + 8 + i * alen, af, &out->addrs[i]);
	memset(out->auth_data, 0, VRRP_AUTH_LEN);
	if (out->version == 2 && 8 + alen * out->naddr + VRRP_AUTH_LEN <= len)
		memcpy(out->auth_data, msg + 8 + alen * out->naddr, VRRP_AUTH_LEN);
	out->rx.msg_len = (uint32_t)len;
	out->rx.naddr_present = (uint16_t)n;
	return 0;
}

/*
 * vrrp_ip_decode - decode an IPv4 or IPv6 packet starting at its IP header
 * (<len> bytes, link padding allowed after the IP total length) carrying a
 * VRRP message, directly or behind an IPv4 AH header. Fills <out> and its
 * rx envelope, verifying the IPv4 header checksum and the VRRP checksum
 * (rx.ip_csum_ok, rx.csum_ok) but nothing else: vrrp_advert_check judges.
 * Returns 0; -EMSGSIZE when a header is cut short; -EINVAL for a malformed
 * IP header; -EPROTONOSUPPORT when it is not VRRP (or uses IPv6 extension
 * headers); -EOPNOTSUPP for an IPv4 fragment.
 */
int vrrp_ip_decode(const uint8_t *pkt, size_t len, struct vrrp_advert *out)
{
	struct vrrp_rx *rx = &out->rx;
	const uint8_t *p;
	size_t hlen, plen;
	uint8_t af;
	int rc;

	advert_clear(out);
	if (len < 1)
		return -EMSGSIZE;
	if (pkt[0] >> 4 == 4) {
		uint16_t frag;

		if (len < 20)
			return -EMSGSIZE;
		hlen = (size_t)(pkt[0] & 0xf) * 4;
		if (hlen < 20)
			return -EINVAL;
		if (hlen > len)
			return -EMSGSIZE;
		rx->ip_tot_len = lb_rd16(pkt + 2);
		if (rx->ip_tot_len < hlen)
			return -EINVAL;
		frag = lb_rd16(pkt + 6);
		if (frag & 0x3fff)
			return -EOPNOTSUPP;
		af = LB_AF_INET;
		rx->tos = pkt[1];
		rx->ip_id = lb_rd16(pkt + 4);
		rx->frag = frag;
		rx->ttl = pkt[8];
		rx->proto = pkt[9];
		rx->ip_csum_ok = vrrp_inet_csum(pkt, hlen, 0) == 0;
		addr_get(pkt + 12, af, &rx->saddr);
		addr_get(pkt + 16, af, &rx->daddr);
	} else if (pkt[0] >> 4 == 6) {
		if (len < 40)
			return -EMSGSIZE;
		hlen = 40;
		af = LB_AF_INET6;
		rx->ip_tot_len = 40u + lb_rd16(pkt + 4);
		rx->tos = (uint8_t)((pkt[0] & 0xf) << 4 | pkt[1] >> 4);
		rx->proto = pkt[6];
		rx->ttl = pkt[7];
		rx->ip_csum_ok = true;
		addr_get(pkt + 8, af, &rx->saddr);
		addr_get(pkt + 24, af, &rx->daddr);
	} else {
		return -EINVAL;
	}
	rx->ip_rcvd = (uint32_t)(len < rx->ip_tot_len ? len : rx->ip_tot_len);
	p = pkt + hlen;
	plen = rx->ip_rcvd - hlen;
	if (af == LB_AF_INET && rx->proto == VRRP_IPPROTO_AH) {
		size_t ahlen;

		if (plen < 12)
			return -EMSGSIZE;
		ahlen = ((size_t)p[1] + 2) * 4;
		if (ahlen > plen)
			return -EMSGSIZE;
		if (p[0] != VRRP_IPPROTO)
			return -EPROTONOSUPPORT;
		rx->has_ah = true;
		rx->ah_spi = lb_rd32(p + 4);
		rx->ah_seq = lb_rd32(p + 8);
		p += ahlen;
		plen -= ahlen;
	} else if (rx->proto != VRRP_IPPROTO) {
		return -EPROTONOSUPPORT;
	}
	rc = vrrp_msg_decode(p, plen, af, out);
	if (rc < 0)
		return rc;
	rx->csum_ok = vrrp_msg_csum(p, plen, out->version, &rx->saddr, &rx->daddr) == 0;
	return 0;
}

/*
 * vrrp_frame_decode - decode an Ethernet frame (optionally one 802.1Q tag)
 * carrying a VRRP advert over IPv4 or IPv6; as vrrp_ip_decode, plus the
 * MACs in out->rx. Returns 0 or the negative errno of vrrp_ip_decode;
 * -EPROTONOSUPPORT for other EtherTypes. For Linux cooked (SLL) or raw-IP
 * captures, skip the link header and call vrrp_ip_decode directly.
 */
int vrrp_frame_decode(const uint8_t *frame, size_t len, struct vrrp_advert *out)
{
	size_t off = VRRP_ETH_HLEN;
	uint16_t type, vlan = 0;
	int rc;

	if (len < VRRP_ETH_HLEN) {
		advert_clear(out);
		return -EMSGSIZE;
	}
	type = lb_rd16(frame + 12);
	if (type == ETH_P_8021Q) {
		if (len < VRRP_ETH_HLEN + 4) {
			advert_clear(out);
			return -EMSGSIZE;
		}
		vlan = (uint16_t)((lb_rd16(frame + 14) & 0xfff) + 1);
		type = lb_rd16(frame + 16);
		off += 4;
	}
	if (type != ETH_P_IP && type != ETH_P_IPV6) {
		advert_clear(out);
		return -EPROTONOSUPPORT;
	}
	rc = vrrp_ip_decode(frame + off, len - off, out);
	if (rc < 0)
		return rc;
	if ((type == ETH_P_IP) != (out->af == LB_AF_INET))
		return -EINVAL;
	memcpy(out->rx.dst_mac, frame, VRRP_MAC_LEN);
	memcpy(out->rx.src_mac, frame + 6, VRRP_MAC_LEN);
	out->rx.has_eth = true;
	out->rx.vlan = vlan;
	return 0;
}

/* vrrp_mcast_mac - the Ethernet multicast address of IPv4/IPv6 group <group>. */
void vrrp_mcast_mac(const struct lb_addr *group, uint8_t mac[VRRP_MAC_LEN])
{
	if (group->af == LB_AF_INET6) {
		mac[0] = mac[1] = 0x33;
		memcpy(mac + 2, group->u.v6 + 12, 4);
	} else {
		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = (uint8_t)((group->u.v4 >> 16) & 0x7f);
		mac[4] = (uint8_t)(group->u.v4 >> 8);
		mac[5] = (uint8_t)group->u.v4;
	}
}

/*
 * vrrp_frame_encode - build the whole Ethernet frame for advert <a> in
 * <buf>: Ethernet (env->dst_mac, or the group's MAC when that is all zero
 * and daddr is multicast; a zero MAC for a unicast daddr is left for the
 * environment to resolve), IPv4 as keepalived builds it (version 4, IHL 5,
 * TOS env->tos, ID env->ip_id, no DF, TTL env->ttl, protocol 112, header
 * checksum) or IPv6 (traffic class env->tos, next header 112, hop limit
 * env->ttl), then the message with its checksum (also stored in
 * a->checksum). Returns the frame length; -EINVAL for mixed families or an
 * unencodable advert; -EOPNOTSUPP for AH authentication; -ENOSPC when <cap>
 * is too small.
 */
int vrrp_frame_encode(struct vrrp_advert *a, const struct vrrp_envelope *env, uint8_t *buf,
		      size_t cap)
{
	uint8_t af = env->saddr.af;
	int mlen = vrrp_msg_length(a);
	size_t hlen, total;
	uint8_t *ip;
	int rc;

	if (mlen < 0)
		return mlen;
	if (af != env->daddr.af || af != a->af)
		return -EINVAL;
	if (a->version == 2 && a->auth_type == VRRP_AUTH_AH)
		return -EOPNOTSUPP;
	hlen = af == LB_AF_INET ? 20 : 40;
	total = VRRP_ETH_HLEN + hlen + (size_t)mlen;
	if (total > cap)
		return -ENOSPC;
	if (mac_is_zero(env->dst_mac) && addr_is_mcast(&env->daddr))
		vrrp_mcast_mac(&env->daddr, buf);
	else
		memcpy(buf, env->dst_mac, VRRP_MAC_LEN);
	memcpy(buf + 6, env->src_mac, VRRP_MAC_LEN);
	lb_wr16(buf + 12, af == LB_AF_INET ? ETH_P_IP : ETH_P_IPV6);
	ip = buf + VRRP_ETH_HLEN;
	if (af == LB_AF_INET) {
		ip[0] = 0x45;
		ip[1] = env->tos;
		lb_wr16(ip + 2, (uint16_t)(hlen + (size_t)mlen));
		lb_wr16(ip + 4, env->ip_id);
		lb_wr16(ip + 6, 0);
		ip[8] = env->ttl;
		ip[9] = VRRP_IPPROTO;
		lb_wr16(ip + 10, 0);
		addr_put(ip + 12, &env->saddr);
		addr_put(ip + 16, &env->daddr);
		lb_wr16(ip + 10, vrrp_inet_csum(ip, 20, 0));
	} else {
		lb_wr32(ip, 6u << 28 | (uint32_t)env->tos << 20);
		lb_wr16(ip + 4, (uint16_t)mlen);
		ip[6] = VRRP_IPPROTO;
		ip[7] = env->ttl;
		addr_put(ip + 8, &env->saddr);
		addr_put(ip + 24, &env->daddr);
	}
	rc = vrrp_msg_encode(a, &env->saddr, &env->daddr, ip + hlen, cap - VRRP_ETH_HLEN - hlen);
	if (rc < 0)
		return rc;
	return (int)total;
}

/* ---- gratuitous ARP / unsolicited NA ---- */

/*
 * vrrp_garp_encode - keepalived's gratuitous ARP for IPv4 address <ip> from
 * interface MAC <mac> (spec 1.7): broadcast ARP request, sender = target =
 * <ip>, target MAC ff:ff:ff:ff:ff:ff. Returns VRRP_GARP_LEN, -EINVAL for a
 * non-IPv4 address or -ENOSPC.
 */
int vrrp_garp_encode(const uint8_t mac[VRRP_MAC_LEN], const struct lb_addr *ip, uint8_t *buf,
		     size_t cap)
{
	if (ip->af != LB_AF_INET)
		return -EINVAL;
	if (cap < VRRP_GARP_LEN)
		return -ENOSPC;
	memcpy(buf, mac_bcast, VRRP_MAC_LEN);
	memcpy(buf + 6, mac, VRRP_MAC_LEN);
	lb_wr16(buf + 12, ETH_P_ARP);
	lb_wr16(buf + 14, 1);		/* Ethernet */
	lb_wr16(buf + 16, ETH_P_IP);
	buf[18] = VRRP_MAC_LEN;
	buf[19] = 4;
	lb_wr16(buf + 20, 1);		/* request */
	memcpy(buf + 22, mac, VRRP_MAC_LEN);
	lb_wr32(buf + 28, ip->u.v4);
	memcpy(buf + 32, mac_bcast, VRRP_MAC_LEN);
	lb_wr32(buf + 38, ip->u.v4);
	return VRRP_GARP_LEN;
}

/*
 * vrrp_na_encode - an unsolicited neighbour advertisement for IPv6 address
 * <target> from <src> (the interface's link-local address) and <mac>: to
 * ff02::1 (33:33:00:00:00:01), hop limit 255, Override flag, target
 * link-layer address option. Returns VRRP_NA_LEN, -EINVAL or -ENOSPC. Not
 * observed from keepalived on the wire (spec 9); the Router flag is clear.
 */
int vrrp_na_encode(const uint8_t mac[VRRP_MAC_LEN], const struct lb_addr *src,
		   const struct lb_addr *target, uint8_t *buf, size_t cap)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t *ip = buf + VRRP_ETH_HLEN, *icmp = ip + 40, ph[40];

	if (src->af != LB_AF_INET6 || target->af != LB_AF_INET6)
		return -EINVAL;
	if (cap < VRRP_NA_LEN)
		return -ENOSPC;
	memset(buf, 0, VRRP_NA_LEN);
	buf[0] = buf[1] = 0x33;
	buf[5] = 0x01;
	memcpy(buf + 6, mac, VRRP_MAC_LEN);
	lb_wr16(buf + 12, ETH_P_IPV6);
	lb_wr32(ip, 6u << 28);
	lb_wr16(ip + 4, 32);
	ip[6] = IPPROTO_ICMPV6_NUM;
	ip[7] = 255;
	memcpy(ip + 8, src->u.v6, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136;			/* neighbour advertisement */
	icmp[4] = 0x20;			/* Override */
	memcpy(icmp + 8, target->u.v6, 16);
	icmp[24] = 2;			/* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, VRRP_MAC_LEN);
	memcpy(ph, src->u.v6, 16);
	memcpy(ph + 16, all_nodes, 16);
	lb_wr32(ph + 32, 32);
	memset(ph + 36, 0, 3);
	ph[39] = IPPROTO_ICMPV6_NUM;
	lb_wr16(icmp + 2, vrrp_inet_csum(icmp, 32, csum_add(ph, sizeof(ph), 0)));
	return VRRP_NA_LEN;
}

/*
 * vrrp_arp_decode - parse an Ethernet (optionally 802.1Q-tagged) ARP frame
 * for IPv4 over Ethernet into <out>. Returns 0, -EMSGSIZE when short, or
 * -EPROTONOSUPPORT for anything else.
 */
int vrrp_arp_decode(const uint8_t *frame, size_t len, struct vrrp_arp *out)
{
	size_t off = VRRP_ETH_HLEN;
	const uint8_t *p;
	uint16_t type;

	memset(out, 0, sizeof(*out));
	if (len < VRRP_ETH_HLEN)
		return -EMSGSIZE;
	type = lb_rd16(frame + 12);
	if (type == ETH_P_8021Q) {
		if (len < VRRP_ETH_HLEN + 4)
			return -EMSGSIZE;
		type = lb_rd16(frame + 16);
		off += 4;
	}
	if (type != ETH_P_ARP)
		return -EPROTONOSUPPORT;
	if (len < off + 28)
		return -EMSGSIZE;
	p = frame + off;
	if (lb_rd16(p) != 1 || lb_rd16(p + 2) != ETH_P_IP || p[4] != VRRP_MAC_LEN || p[5] != 4)
		return -EPROTONOSUPPORT;
	memcpy(out->eth_dst, frame, VRRP_MAC_LEN);
	memcpy(out->eth_src, frame + 6, VRRP_MAC_LEN);
	out->op = lb_rd16(p + 6);
	memcpy(out->sha, p + 8, VRRP_MAC_LEN);
	addr_get(p + 14, LB_AF_INET, &out->spa);
	memcpy(out->tha, p + 18, VRRP_MAC_LEN);
	addr_get(p + 24, LB_AF_INET, &out->tpa);
	return 0;
}

/*
 * vrrp_arp_is_garp - true when <a> has the shape of keepalived's gratuitous
 * ARP: a broadcast request whose sender and target IP are the same, target
 * MAC all ones, sender MAC = Ethernet source.
 */
bool vrrp_arp_is_garp(const struct vrrp_arp *a)
{
	return a->op == 1 && !memcmp(a->eth_dst, mac_bcast, VRRP_MAC_LEN) &&
	       !memcmp(a->tha, mac_bcast, VRRP_MAC_LEN) &&
	       !memcmp(a->sha, a->eth_src, VRRP_MAC_LEN) && lb_addr_eq(&a->spa, &a->tpa);
}
