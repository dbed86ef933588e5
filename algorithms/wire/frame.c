/*
 * algorithms/wire/frame.c - parse, checksum and build link/IP/transport
 * frames: Ethernet with 802.1Q/802.1ad tags, Linux cooked captures v1 and
 * v2, raw IP, ARP, IPv4 (options, fragments), IPv6 (hop-by-hop, routing,
 * destination options, fragment and AH headers), TCP, UDP, SCTP ports,
 * ICMP, ICMPv6, and one level of IPIP / IPv6-in-IP tunnelling.
 *
 * Called once per frame by the pcap replay, the packet-level director
 * model and the live shim (lb_pkt_parse), by algorithms/ipvs/forward.c for
 * every frame it rewrites (checksums, ICMP errors, fragments), and by the
 * pcap synthesis (builders). The parser is one straight pass over the
 * headers: no allocation, no loops but the VLAN tags (at most two), the
 * IPv6 extension headers (at most LB_PKT_MAX_EXTHDR) and the TCP options of
 * a SYN; every length is checked before the bytes it covers are read, so a
 * bad frame is an error code the caller counts, never a read past the end.
 * Frames are up to 64 KiB plus headers; struct lb_pkt is about 200 bytes.
 *
 * Formats are written from the RFCs (791, 792, 793, 768, 826, 1071, 1191,
 * 1624, 2003, 4443, 8200, IEEE 802.1Q) and libpcap's published link-type
 * layouts. Where this differs from what a kernel stack would do:
 *  - nothing is reassembled: a non-first fragment parses to its IP header
 *    and returns LB_PKT_E_FRAGMENT;
 *  - the IPv6 pseudo-header uses the packet's destination even when a
 *    routing header names a later one;
 *  - only one tunnel level is opened; an IPIP packet inside an IPIP packet
 *    is an IP packet of protocol 4 with no ports;
 *  - Ethernet frames are built without the padding to 60 bytes (a NIC adds
 *    it; a capture on the sending host does not show it).
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/wire/frame.h"

#include <errno.h>
#include <string.h>

#include "algorithms/wire/bytes.h"

static const struct lb_pkt pkt_zero;

static inline void addr_v4(struct lb_addr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->af = LB_AF_INET;
	a->u.v4 = v;
}

static inline void addr_v6(struct lb_addr *a, const uint8_t *b)
{
	a->af = LB_AF_INET6;
	memcpy(a->u.v6, b, 16);
}

/* ---- names ---- */

static const char *const pkt_err_names[LB_PKT_E_COUNT] = {
	[LB_PKT_OK] = "ok",
	[LB_PKT_E_LINKTYPE] = "linktype",
	[LB_PKT_E_TRUNC_L2] = "trunc_l2",
	[LB_PKT_E_TRUNC_VLAN] = "trunc_vlan",
	[LB_PKT_E_VLAN_DEPTH] = "vlan_depth",
	[LB_PKT_E_NOT_IP] = "not_ip",
	[LB_PKT_E_TRUNC_ARP] = "trunc_arp",
	[LB_PKT_E_BAD_ARP] = "bad_arp",
	[LB_PKT_E_TRUNC_IP] = "trunc_ip",
	[LB_PKT_E_BAD_IP_VERSION] = "bad_ip_version",
	[LB_PKT_E_BAD_IHL] = "bad_ihl",
	[LB_PKT_E_BAD_IP_LEN] = "bad_ip_len",
	[LB_PKT_E_BAD_IP_CSUM] = "bad_ip_csum",
	[LB_PKT_E_TRUNC_EXTHDR] = "trunc_exthdr",
	[LB_PKT_E_BAD_EXTHDR] = "bad_exthdr",
	[LB_PKT_E_FRAGMENT] = "fragment",
	[LB_PKT_E_TRUNC_L4] = "trunc_l4",
	[LB_PKT_E_BAD_TCP_DOFF] = "bad_tcp_doff",
	[LB_PKT_E_BAD_UDP_LEN] = "bad_udp_len",
	[LB_PKT_E_BAD_L4_CSUM] = "bad_l4_csum",
};

/* Counter name of a parse outcome ("ok", "trunc_l4", ...); "?" if out of range. */
const char *lb_pkt_err_name(int err)
{
	if (err < 0 || err >= LB_PKT_E_COUNT)
		return "?";
	return pkt_err_names[err];
}

static const char *const linktype_names[LB_LT_COUNT] = {
	[LB_LT_ETHER] = "ether", [LB_LT_SLL] = "sll",	[LB_LT_SLL2] = "sll2",
	[LB_LT_RAW] = "raw",	 [LB_LT_IPV4] = "ipv4", [LB_LT_IPV6] = "ipv6",
};

const char *lb_linktype_name(enum lb_linktype lt)
{
	if ((unsigned)lt >= LB_LT_COUNT)
		return "?";
	return linktype_names[lt];
}

/*
 * lb_linktype_from_dlt - map a pcap link-layer header type (the DLT_ value
 * libpcap returns, or the LINKTYPE_ value stored in a file header) to ours.
 * Returns 0, or -EPROTONOSUPPORT for a link type we do not parse.
 */
int lb_linktype_from_dlt(int dlt, enum lb_linktype *out)
{
	switch (dlt) {
	case LB_DLT_EN10MB:
		*out = LB_LT_ETHER;
		return 0;
	case LB_DLT_RAW:
	case LB_DLT_RAW_OPENBSD:
	case LB_LINKTYPE_RAW:
		*out = LB_LT_RAW;
		return 0;
	case LB_DLT_LINUX_SLL:
		*out = LB_LT_SLL;
		return 0;
	case LB_DLT_LINUX_SLL2:
		*out = LB_LT_SLL2;
		return 0;
	case LB_LINKTYPE_IPV4:
		*out = LB_LT_IPV4;
		return 0;
	case LB_LINKTYPE_IPV6:
		*out = LB_LT_IPV6;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

/* ---- parsing ---- */

/*
 * The bounds every layer is checked against: the frame's captured bytes
 * (cap) and the bytes the frame had on the wire (wire, >= cap). Header
 * bytes must be captured; an IP total length may reach to wire.
 */
struct parse_lim {
	const uint8_t *f;
	size_t cap;
	size_t wire;
};

static int parse_l3(struct lb_pkt *p, const struct parse_lim *lim, size_t off, size_t wire_end,
		    unsigned ver, bool inner);

/* The MSS option of a SYN (options = b[20..doff)); malformed options end the walk. */
static uint16_t parse_tcp_mss(const uint8_t *b, size_t doff)
{
	size_t i = 20;

	while (i < doff) {
		uint8_t kind = b[i];
		uint8_t olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (doff - i < 2)
			break;
		olen = b[i + 1];
		if (olen < 2 || olen > doff - i)
			break;
		if (kind == 2 && olen == 4)
			return lb_rd16(b + i + 2);
		i += olen;
	}
	return 0;
}

/*
 * L4 at off, the IP packet ending at ip_end (wire bytes). Fills ports,
 * flags and payload; opens an IPIP tunnel once. Returns an LB_PKT_* code.
 */
static int parse_l4(struct lb_pkt *p, const struct parse_lim *lim, size_t off, size_t ip_end,
		    bool inner)
{
	const uint8_t *b = lim->f + off;
	size_t plen = ip_end - off;			 /* L4 bytes per the IP header */
	size_t avail = lim->cap > off ? lim->cap - off : 0; /* L4 bytes captured */
	size_t doff, ulen;

	if (avail > plen)
		avail = plen;
	p->l4_off = (uint32_t)off;
	switch (p->proto) {
	case LB_PROTO_TCP:
		if (avail < 20)
			return LB_PKT_E_TRUNC_L4;
		doff = (size_t)(b[12] >> 4) * 4;
		if (doff < 20 || doff > plen)
			return LB_PKT_E_BAD_TCP_DOFF;
		if (doff > avail)
			return LB_PKT_E_TRUNC_L4;
		p->sport = lb_rd16(b);
		p->dport = lb_rd16(b + 2);
		p->seq = lb_rd32(b + 4);
		p->ack = lb_rd32(b + 8);
		p->tcp_flags = b[13];
		p->tcp_win = lb_rd16(b + 14);
		if ((b[13] & LB_TCP_SYN) && doff > 20)
			p->tcp_mss = parse_tcp_mss(b, doff);
		p->payload_off = (uint32_t)(off + doff);
		p->payload_len = (uint32_t)(plen - doff);
		return LB_PKT_OK;
	case LB_PROTO_UDP:
		if (avail < 8)
			return LB_PKT_E_TRUNC_L4;
		/* a first fragment's UDP length covers the whole datagram */
		ulen = lb_rd16(b + 4);
		if (ulen < 8 || (ulen > plen && !(p->flags & LB_PKT_F_MF)))
			return LB_PKT_E_BAD_UDP_LEN;
		p->sport = lb_rd16(b);
		p->dport = lb_rd16(b + 2);
		p->payload_off = (uint32_t)(off + 8);
		p->payload_len = (uint32_t)((ulen < plen ? ulen : plen) - 8);
		return LB_PKT_OK;
	case LB_PROTO_SCTP:
		if (avail < 12)
			return LB_PKT_E_TRUNC_L4;
		p->sport = lb_rd16(b);
		p->dport = lb_rd16(b + 2);
		p->payload_off = (uint32_t)(off + 12);
		p->payload_len = (uint32_t)(plen - 12);
		return LB_PKT_OK;
	case LB_PROTO_ICMP:
	case LB_PROTO_ICMPV6:
		if (avail < 8)
			return LB_PKT_E_TRUNC_L4;
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		p->payload_off = (uint32_t)(off + 8);
		p->payload_len = (uint32_t)(plen - 8);
		return LB_PKT_OK;
	case LB_PROTO_IPIP:
	case LB_PROTO_IPV6:
		if (inner)
			break;
		p->outer.saddr = p->saddr;
		p->outer.daddr = p->daddr;
		p->outer.l3_off = p->l3_off;
		p->outer.ip_len = p->ip_len;
		p->outer.ip_id = p->ip_id;
		p->outer.ip_ver = p->ip_ver;
		p->outer.ttl = p->ttl;
		p->outer.tos = p->tos;
		p->outer.flags = p->flags;
		p->flags = LB_PKT_F_ENCAP;
		p->l4_off = 0;
		return parse_l3(p, lim, off, ip_end, p->proto == LB_PROTO_IPIP ? 4 : 6, true);
	default:
		break;
	}
	p->payload_off = (uint32_t)off;
	p->payload_len = (uint32_t)plen;
	return LB_PKT_OK;
}

static int parse_ip4(struct lb_pkt *p, const struct parse_lim *lim, size_t off, size_t wire_end,
		     bool inner)
{
	const uint8_t *b = lim->f + off;
	size_t hlen, tot;
	uint16_t fo;

	if (lim->cap - off < 20)
		return LB_PKT_E_TRUNC_IP;
	if ((b[0] >> 4) != 4)
		return LB_PKT_E_BAD_IP_VERSION;
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (hlen < 20)
		return LB_PKT_E_BAD_IHL;
	if (lim->cap - off < hlen)
		return LB_PKT_E_TRUNC_IP;
	tot = lb_rd16(b + 2);
	if (tot < hlen || tot > wire_end - off)
		return LB_PKT_E_BAD_IP_LEN;
	fo = lb_rd16(b + 6);
	p->kind = LB_PKT_IP;
	p->ip_ver = 4;
	p->l3_off = (uint32_t)off;
	p->tos = b[1];
	p->ip_len = (uint32_t)tot;
	p->ip_hlen = (uint32_t)hlen;
	p->ip_id = lb_rd16(b + 4);
	p->frag_off = (uint16_t)((fo & 0x1fff) << 3);
	p->frag_id = 0;
	p->flowlabel = 0;
	p->ttl = b[8];
	p->proto = b[9];
	addr_v4(&p->saddr, lb_rd32(b + 12));
	addr_v4(&p->daddr, lb_rd32(b + 16));
	if (fo & 0x4000)
		p->flags |= LB_PKT_F_DF;
	if (fo & 0x2000)
		p->flags |= LB_PKT_F_MF | LB_PKT_F_FRAG;
	if (hlen > 20)
		p->flags |= LB_PKT_F_IPOPTS;
	if (tot > lim->cap - off)
		p->flags |= LB_PKT_F_SNAP;
	if (p->frag_off) {
		p->flags |= LB_PKT_F_FRAG;
		return LB_PKT_E_FRAGMENT;
	}
	return parse_l4(p, lim, off + hlen, off + tot, inner);
}

static int parse_ip6(struct lb_pkt *p, const struct parse_lim *lim, size_t off, size_t wire_end,
		     bool inner)
{
	const uint8_t *b = lim->f + off;
	size_t tot, l4, cend;
	uint32_t w0;
	uint8_t nh;

	if (lim->cap - off < 40)
		return LB_PKT_E_TRUNC_IP;
	if ((b[0] >> 4) != 6)
		return LB_PKT_E_BAD_IP_VERSION;
	tot = 40 + (size_t)lb_rd16(b + 4);
	if (tot > wire_end - off)
		return LB_PKT_E_BAD_IP_LEN;
	w0 = lb_rd32(b);
	p->kind = LB_PKT_IP;
	p->ip_ver = 6;
	p->l3_off = (uint32_t)off;
	p->tos = (uint8_t)(w0 >> 20);
	p->flowlabel = w0 & 0xfffff;
	p->ip_len = (uint32_t)tot;
	p->ip_id = 0;
	p->frag_off = 0;
	p->frag_id = 0;
	p->ttl = b[7];
	addr_v6(&p->saddr, b + 8);
	addr_v6(&p->daddr, b + 24);
	if (tot > lim->cap - off)
		p->flags |= LB_PKT_F_SNAP;
	nh = b[6];
	l4 = off + 40;
	cend = lim->cap < off + tot ? lim->cap : off + tot;
	for (unsigned n = 0;; n++) {
		size_t hl;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		if (n == LB_PKT_MAX_EXTHDR)
			return LB_PKT_E_BAD_EXTHDR;
		p->flags |= LB_PKT_F_IPOPTS;
		if (nh == 44) {
			uint16_t fo;

			if (cend < l4 || cend - l4 < 8)
				return LB_PKT_E_TRUNC_EXTHDR;
			fo = lb_rd16(lim->f + l4 + 2);
			p->frag_off = fo & 0xfff8;
			p->frag_id = lb_rd32(lim->f + l4 + 4);
			p->flags |= LB_PKT_F_FRAG | (fo & 1 ? LB_PKT_F_MF : 0);
			nh = lim->f[l4];
			l4 += 8;
			if (p->frag_off) {
				p->proto = nh;
				p->ip_hlen = (uint32_t)(l4 - off);
				return LB_PKT_E_FRAGMENT;
			}
			continue;
		}
		if (cend < l4 || cend - l4 < 2)
			return LB_PKT_E_TRUNC_EXTHDR;
		if (nh == 51)
			hl = ((size_t)lim->f[l4 + 1] + 2) * 4;
		else
			hl = ((size_t)lim->f[l4 + 1] + 1) * 8;
		if (hl > off + tot - l4)
			return LB_PKT_E_TRUNC_EXTHDR;
		nh = lim->f[l4];
		l4 += hl;
	}
	p->proto = nh;
	p->ip_hlen = (uint32_t)(l4 - off);
	return parse_l4(p, lim, l4, off + tot, inner);
}

/* The IP packet at off, whose bytes on the wire end at wire_end. */
static int parse_l3(struct lb_pkt *p, const struct parse_lim *lim, size_t off, size_t wire_end,
		    unsigned ver, bool inner)
{
	if (lim->cap <= off)
		return LB_PKT_E_TRUNC_IP;
	if (ver == 0)
		ver = lim->f[off] >> 4;
	if (ver == 4)
		return parse_ip4(p, lim, off, wire_end, inner);
	if (ver == 6)
		return parse_ip6(p, lim, off, wire_end, inner);
	return LB_PKT_E_BAD_IP_VERSION;
}

static int parse_arp(struct lb_pkt *p, const struct parse_lim *lim, size_t off)
{
	const uint8_t *b = lim->f + off;

	p->kind = LB_PKT_ARP;
	p->l3_off = (uint32_t)off;
	if (lim->cap - off < 8)
		return LB_PKT_E_TRUNC_ARP;
	if (lb_rd16(b) != 1 || lb_rd16(b + 2) != LB_ETH_P_IP || b[4] != 6 || b[5] != 4)
		return LB_PKT_E_BAD_ARP;
	if (lim->cap - off < 28)
		return LB_PKT_E_TRUNC_ARP;
	p->arp_op = lb_rd16(b + 6);
	memcpy(p->arp_sha, b + 8, 6);
	addr_v4(&p->saddr, lb_rd32(b + 14));
	memcpy(p->arp_tha, b + 18, 6);
	addr_v4(&p->daddr, lb_rd32(b + 24));
	return LB_PKT_OK;
}

/*
 * lb_pkt_parse_snap - parse frame[0..caplen) of link type lt into *p (all
 * of *p is overwritten). wirelen is the frame's length on the wire (a value
 * below caplen counts as caplen). Returns LB_PKT_OK (kind LB_PKT_IP or
 * LB_PKT_ARP) or an LB_PKT_E_* reason with the layers before the failing
 * one filled in. LB_PKT_E_FRAGMENT leaves every L3 field valid.
 */
int lb_pkt_parse_snap(struct lb_pkt *p, enum lb_linktype lt, const uint8_t *frame,
		      size_t caplen, size_t wirelen)
{
	struct parse_lim lim = { frame, caplen, wirelen > caplen ? wirelen : caplen };
	size_t off;
	uint16_t et;
	size_t alen;

	/*
	 * A copy of a zero struct rather than memset: compilers turn a
	 * 212-byte memset into `rep stos`, whose start-up costs more than
	 * the rest of a TCP frame's parse on some x86 cores; a fixed-size
	 * copy becomes a few vector moves. Once per replayed frame.
	 */
	memcpy(p, &pkt_zero, sizeof(*p));
	p->linktype = (uint8_t)lt;
	p->caplen = caplen > UINT32_MAX ? UINT32_MAX : (uint32_t)caplen;
	switch (lt) {
	case LB_LT_ETHER:
		if (caplen < 14)
			return LB_PKT_E_TRUNC_L2;
		memcpy(p->dst_mac, frame, 6);
		memcpy(p->src_mac, frame + 6, 6);
		et = lb_rd16(frame + 12);
		off = 14;
		break;
	case LB_LT_SLL:
		if (caplen < 16)
			return LB_PKT_E_TRUNC_L2;
		p->sll_pkttype = frame[1];
		p->sll_hatype = lb_rd16(frame + 2);
		alen = lb_rd16(frame + 4);
		if (alen == 6)
			memcpy(p->src_mac, frame + 6, 6);
		et = lb_rd16(frame + 14);
		off = 16;
		break;
	case LB_LT_SLL2:
		if (caplen < 20)
			return LB_PKT_E_TRUNC_L2;
		et = lb_rd16(frame);
		p->sll_ifindex = lb_rd32(frame + 4);
		p->sll_hatype = lb_rd16(frame + 8);
		p->sll_pkttype = frame[10];
		if (frame[11] == 6)
			memcpy(p->src_mac, frame + 12, 6);
		off = 20;
		break;
	case LB_LT_RAW:
		return parse_l3(p, &lim, 0, lim.wire, 0, false);
	case LB_LT_IPV4:
		return parse_l3(p, &lim, 0, lim.wire, 4, false);
	case LB_LT_IPV6:
		return parse_l3(p, &lim, 0, lim.wire, 6, false);
	default:
		return LB_PKT_E_LINKTYPE;
	}
	while (et == LB_ETH_P_8021Q || et == LB_ETH_P_8021AD || et == LB_ETH_P_QINQ_OLD) {
		if (p->nvlan == LB_PKT_MAX_VLAN)
			return LB_PKT_E_VLAN_DEPTH;
		if (caplen - off < 4)
			return LB_PKT_E_TRUNC_VLAN;
		p->vlan_tpid[p->nvlan] = et;
		p->vlan_tci[p->nvlan] = lb_rd16(frame + off);
		p->nvlan++;
		et = lb_rd16(frame + off + 2);
		off += 4;
	}
	p->ethertype = et;
	if (et == LB_ETH_P_IP)
		return parse_l3(p, &lim, off, lim.wire, 4, false);
	if (et == LB_ETH_P_IPV6)
		return parse_l3(p, &lim, off, lim.wire, 6, false);
	if (et == LB_ETH_P_ARP)
		return parse_arp(p, &lim, off);
	p->kind = LB_PKT_OTHER;
	return LB_PKT_E_NOT_IP;
}

/* lb_pkt_parse - lb_pkt_parse_snap of a whole frame (wire length = len). */
int lb_pkt_parse(struct lb_pkt *p, enum lb_linktype lt, const uint8_t *frame, size_t len)
{
	return lb_pkt_parse_snap(p, lt, frame, len, len);
}

/*
 * lb_pkt_flow_key - the (saddr, daddr, sport, dport, proto) of an IP packet
 * parsed with LB_PKT_OK or LB_PKT_E_FRAGMENT (ports 0 then). Returns 0, or
 * -EINVAL for ARP and other non-IP frames (key untouched).
 */
int lb_pkt_flow_key(const struct lb_pkt *p, struct lb_flow_key *key)
{
	if (p->kind != LB_PKT_IP)
		return -EINVAL;
	/*
	 * Field by field, at the widths the parser wrote them: a whole-struct
	 * copy of an address just written reads it back wider than it was
	 * stored, which stalls store forwarding, once per replayed frame.
	 */
	memset(key, 0, sizeof(*key));
	key->saddr.af = p->saddr.af;
	key->daddr.af = p->daddr.af;
	if (p->saddr.af == LB_AF_INET6) {
		memcpy(key->saddr.u.v6, p->saddr.u.v6, 16);
		memcpy(key->daddr.u.v6, p->daddr.u.v6, 16);
	} else {
		key->saddr.u.v4 = p->saddr.u.v4;
		key->daddr.u.v4 = p->daddr.u.v4;
	}
	key->sport = p->sport;
	key->dport = p->dport;
	key->proto = p->proto;
	return 0;
}

/*
 * lb_pkt_peek_flow - see frame.h. Checks the lengths it reads; accepts what
 * lb_pkt_parse might reject (bad checksums, lengths past the capture).
 */
int lb_pkt_peek_flow(enum lb_linktype lt, const uint8_t *frame, size_t caplen,
		     struct lb_flow_key *key, unsigned *tcp_flags)
{
	const uint8_t *ip = frame + 14;
	size_t ihl;

	if (lt != LB_LT_ETHER || caplen < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00 ||
	    (ip[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || caplen < 14 + ihl + 4 || (ip[9] != LB_PROTO_TCP && ip[9] != LB_PROTO_UDP) ||
	    ((ip[6] & 0x1f) | ip[7]) != 0)
		return -1;
	memset(key, 0, sizeof(*key));
	key->saddr.af = key->daddr.af = LB_AF_INET;
	key->saddr.u.v4 = lb_rd32(ip + 12);
	key->daddr.u.v4 = lb_rd32(ip + 16);
	key->sport = lb_rd16(ip + ihl);
	key->dport = lb_rd16(ip + ihl + 2);
	key->proto = ip[9];
	*tcp_flags = ip[9] == LB_PROTO_TCP && caplen >= 14 + ihl + 14 ? ip[ihl + 13] : 0;
	return 0;
}

/*
 * lb_pkt_verify - check the checksums of a packet that lb_pkt_parse*
 * accepted (LB_PKT_OK or LB_PKT_E_FRAGMENT) from the same frame bytes: the
 * outer IPv4 header of a tunnel, the IPv4 header, then the L4 checksum of
 * an unfragmented, fully captured TCP, UDP, ICMP or ICMPv6 packet.
 * Returns LB_PKT_OK, LB_PKT_E_BAD_IP_CSUM or LB_PKT_E_BAD_L4_CSUM.
 */
int lb_pkt_verify(const struct lb_pkt *p, const uint8_t *frame)
{
	size_t l4len;

	if (p->kind != LB_PKT_IP)
		return LB_PKT_OK;
	if ((p->flags & LB_PKT_F_ENCAP) && p->outer.ip_ver == 4 &&
	    !lb_ip4_csum_ok(frame + p->outer.l3_off, (size_t)(frame[p->outer.l3_off] & 0x0f) * 4))
		return LB_PKT_E_BAD_IP_CSUM;
	if (p->ip_ver == 4 && !lb_ip4_csum_ok(frame + p->l3_off, p->ip_hlen))
		return LB_PKT_E_BAD_IP_CSUM;
	if (p->l4_off == 0 || (p->flags & (LB_PKT_F_FRAG | LB_PKT_F_SNAP)))
		return LB_PKT_OK;
	l4len = p->l3_off + p->ip_len - p->l4_off;
	if (p->proto == LB_PROTO_UDP)
		l4len = p->payload_len + 8;
	if (!lb_l4_csum_ok(&p->saddr, &p->daddr, p->proto, frame + p->l4_off, l4len))
		return LB_PKT_E_BAD_L4_CSUM;
	return LB_PKT_OK;
}

/* ---- checksums ---- */

/*
 * lb_csum_partial - RFC 1071 sum. The bulk is added as native-order 32-bit
 * words into a 64-bit accumulator (byte order does not matter to a ones'
 * complement sum until the end, RFC 1071 section 2(B)); the folded result
 * is swapped to big-endian meaning on little-endian hosts and the odd tail
 * is added as big-endian words. The return value fits 32 bits and may be
 * fed back as sum for the next piece, provided each piece but the last has
 * an even length.
 */
uint32_t lb_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;
	uint64_t acc = 0, s;
	uint64_t w64;
	uint32_t w32;

	while (len >= 8) {
		memcpy(&w64, b, 8);
		acc += (uint32_t)w64;
		acc += w64 >> 32;
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, b, 4);
		acc += w32;
		b += 4;
		len -= 4;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = ((acc & 0xff) << 8) | (acc >> 8);
#endif
	s = (uint64_t)sum + acc;
	if (len >= 2) {
		s += lb_rd16(b);
		b += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)b[0] << 8;
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}

/* lb_csum_fold - fold a partial sum to 16 bits and complement it. */
uint16_t lb_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t csum_add16(uint32_t s, uint32_t v)
{
	return s + (v >> 16) + (v & 0xffff);
}

/*
 * lb_csum_pseudo - partial sum of the pseudo-header: RFC 793/768 for IPv4
 * (addresses, protocol, L4 length), RFC 8200 section 8.1 for IPv6
 * (addresses, 32-bit length, next header). saddr's family decides.
 */
uint32_t lb_csum_pseudo(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
			uint32_t len)
{
	uint32_t s = proto;

	s = csum_add16(s, len);
	if (saddr->af == LB_AF_INET6) {
		for (unsigned i = 0; i < 16; i += 2)
			s += lb_rd16(saddr->u.v6 + i) + lb_rd16(daddr->u.v6 + i);
		return s;
	}
	s = csum_add16(s, saddr->u.v4);
	return csum_add16(s, daddr->u.v4);
}

/*
 * lb_csum_replace2 - RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for a 16-bit
 * field changing from old to new under checksum check (host-order values).
 * Never yields 0x0000 from a checksum of non-zero data (RFC 1624 section 3).
 */
uint16_t lb_csum_replace2(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~old;
	s += new;
	return lb_csum_fold(s);
}

/* lb_csum_replace4 - RFC 1624 for a 32-bit field (an IPv4 address, a sequence number). */
uint16_t lb_csum_replace4(uint16_t check, uint32_t old, uint32_t new)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~(old >> 16);
	s += (uint16_t)~old;
	s += new >> 16;
	s += new & 0xffff;
	return lb_csum_fold(s);
}

/* lb_csum_replace16 - RFC 1624 for a 128-bit field (an IPv6 address, wire order). */
uint16_t lb_csum_replace16(uint16_t check, const uint8_t old[16], const uint8_t new[16])
{
	uint32_t s = (uint16_t)~check;

	for (unsigned i = 0; i < 16; i += 2) {
		s += (uint16_t)~lb_rd16(old + i);
		s += lb_rd16(new + i);
	}
	return lb_csum_fold(s);
}

/* lb_ip4_csum - checksum of the IPv4 header hdr[0..hlen), its field taken as zero. */
uint16_t lb_ip4_csum(const uint8_t *hdr, size_t hlen)
{
	if (hlen < 20)
		return 0;
	return lb_csum_fold(lb_csum_partial(hdr + 12, hlen - 12, lb_csum_partial(hdr, 10, 0)));
}

/* lb_ip4_csum_ok - true when hdr[0..hlen) sums to zero (the checksum is right). */
bool lb_ip4_csum_ok(const uint8_t *hdr, size_t hlen)
{
	return hlen >= 20 && lb_csum_fold(lb_csum_partial(hdr, hlen, 0)) == 0;
}

/* lb_ip4_csum_set - compute and store the checksum of the header hdr[0..hlen). */
void lb_ip4_csum_set(uint8_t *hdr, size_t hlen)
{
	lb_wr16(hdr + 10, lb_ip4_csum(hdr, hlen));
}

/* Where the checksum sits in an L4 header, or 0 for protocols we do not sum. */
static size_t l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case LB_PROTO_TCP:
		return 16;
	case LB_PROTO_UDP:
		return 6;
	case LB_PROTO_ICMP:
	case LB_PROTO_ICMPV6:
		return 2;
	default:
		return 0;
	}
}

/*
 * lb_l4_csum - the checksum l4[0..len) should carry (its own field taken as
 * zero): pseudo-header (except ICMPv4) plus the segment. A UDP result of 0
 * is returned as 0xffff (RFC 768). Returns 0 for other protocols and for
 * segments too short to hold the field.
 */
uint16_t lb_l4_csum(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		    const uint8_t *l4, size_t len)
{
	size_t co = l4_csum_off(proto);
	uint32_t s = 0;
	uint16_t c;

	if (co == 0 || len < co + 2)
		return 0;
	if (proto != LB_PROTO_ICMP)
		s = lb_csum_pseudo(saddr, daddr, proto, (uint32_t)len);
	s = lb_csum_partial(l4, co, s);
	c = lb_csum_fold(lb_csum_partial(l4 + co + 2, len - co - 2, s));
	if (proto == LB_PROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

/*
 * lb_l4_csum_ok - true when the segment's checksum is right, when it is a
 * UDP-over-IPv4 checksum of 0 (none sent), or when the protocol carries
 * none we know. False for a segment too short to hold the field.
 */
bool lb_l4_csum_ok(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		   const uint8_t *l4, size_t len)
{
	size_t co = l4_csum_off(proto);
	uint32_t s = 0;

	if (co == 0)
		return true;
	if (len < co + 2)
		return false;
	if (proto == LB_PROTO_UDP && saddr->af == LB_AF_INET && lb_rd16(l4 + 6) == 0)
		return true;
	if (proto != LB_PROTO_ICMP)
		s = lb_csum_pseudo(saddr, daddr, proto, (uint32_t)len);
	return lb_csum_fold(lb_csum_partial(l4, len, s)) == 0;
}

/* lb_l4_csum_set - store lb_l4_csum in the segment. 0, or -EINVAL (no field). */
int lb_l4_csum_set(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		   uint8_t *l4, size_t len)
{
	size_t co = l4_csum_off(proto);

	if (co == 0 || len < co + 2)
		return -EINVAL;
	lb_wr16(l4 + co, lb_l4_csum(saddr, daddr, proto, l4, len));
	return 0;
}

/* ---- builders ---- */

void lb_payload_pattern(uint8_t *dst, size_t n, size_t start)
{
	unsigned c = (unsigned)(start % 26);

	for (size_t i = 0; i < n; i++) {
		dst[i] = (uint8_t)('a' + c);
		if (++c == 26)
			c = 0;
	}
}

/*
 * lb_build_eth - Ethernet II header with eth->nvlan tags (outermost first;
 * a zero TPID means 0x8100) and the given ethertype. Returns 14 + 4 * nvlan,
 * -EINVAL for more than two tags, -ENOSPC.
 */
int lb_build_eth(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth, uint16_t ethertype)
{
	size_t len, off = 12;

	if (eth->nvlan > LB_PKT_MAX_VLAN)
		return -EINVAL;
	len = 14 + 4 * (size_t)eth->nvlan;
	if (cap < len)
		return -ENOSPC;
	memcpy(buf, eth->dst, 6);
	memcpy(buf + 6, eth->src, 6);
	for (unsigned i = 0; i < eth->nvlan; i++) {
		lb_wr16(buf + off, eth->vlan_tpid[i] ? eth->vlan_tpid[i] : LB_ETH_P_8021Q);
		lb_wr16(buf + off + 2, eth->vlan_tci[i]);
		off += 4;
	}
	lb_wr16(buf + off, ethertype);
	return (int)len;
}

/* Link header (if any) for an IP packet of the spec's family; returns its length. */
static int build_l2_ip(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		       const struct lb_ip_spec *ip)
{
	if (!eth)
		return 0;
	return lb_build_eth(buf, cap, eth,
			    ip->saddr.af == LB_AF_INET6 ? LB_ETH_P_IPV6 : LB_ETH_P_IP);
}

/*
 * lb_build_ip_hdr - the IPv4 (checksummed) or IPv6 header for l4len bytes
 * of protocol proto at buf; the payload is the caller's. Returns the header
 * length, -EINVAL (families differ, options, lengths over 64 KiB), -ENOSPC.
 */
int lb_build_ip_hdr(uint8_t *buf, size_t cap, const struct lb_ip_spec *ip, uint8_t proto,
		    size_t l4len)
{
	size_t hlen;

	if (ip->saddr.af != ip->daddr.af)
		return -EINVAL;
	if (ip->saddr.af == LB_AF_INET6) {
		if (l4len > 0xffff)
			return -EINVAL;
		if (cap < 40)
			return -ENOSPC;
		lb_wr32(buf, 6u << 28 | (uint32_t)ip->tos << 20 | (ip->flowlabel & 0xfffff));
		lb_wr16(buf + 4, (uint16_t)l4len);
		buf[6] = proto;
		buf[7] = ip->ttl;
		memcpy(buf + 8, ip->saddr.u.v6, 16);
		memcpy(buf + 24, ip->daddr.u.v6, 16);
		return 40;
	}
	if (ip->saddr.af != LB_AF_INET || ip->optlen % 4 || ip->optlen > 40 ||
	    (ip->optlen && !ip->opts) || ip->frag_off % 8)
		return -EINVAL;
	hlen = 20 + ip->optlen;
	if (hlen + l4len > 0xffff)
		return -EINVAL;
	if (cap < hlen)
		return -ENOSPC;
	buf[0] = (uint8_t)(0x40 | hlen / 4);
	buf[1] = ip->tos;
	lb_wr16(buf + 2, (uint16_t)(hlen + l4len));
	lb_wr16(buf + 4, ip->id);
	lb_wr16(buf + 6,
	     (uint16_t)((ip->df ? 0x4000 : 0) | (ip->mf ? 0x2000 : 0) | ip->frag_off >> 3));
	buf[8] = ip->ttl;
	buf[9] = proto;
	lb_wr16(buf + 10, 0);
	lb_wr32(buf + 12, ip->saddr.u.v4);
	lb_wr32(buf + 16, ip->daddr.u.v4);
	if (ip->optlen)
		memcpy(buf + 20, ip->opts, ip->optlen);
	lb_ip4_csum_set(buf, hlen);
	return (int)hlen;
}

/*
 * Link header + IP header for l4len bytes of proto; *l4 receives the L4
 * offset. Returns the whole frame's length or a -errno.
 */
static int build_l2_l3(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		       const struct lb_ip_spec *ip, uint8_t proto, size_t l4len, size_t *l4)
{
	int l2 = build_l2_ip(buf, cap, eth, ip);
	int l3;

	if (l2 < 0)
		return l2;
	l3 = lb_build_ip_hdr(buf + l2, cap - (size_t)l2, ip, proto, l4len);
	if (l3 < 0)
		return l3;
	*l4 = (size_t)l2 + (size_t)l3;
	if (cap - *l4 < l4len)
		return -ENOSPC;
	return (int)(*l4 + l4len);
}

/*
 * lb_build_ip - link header (eth, or none), IP header and the payload bytes
 * unchanged: for protocols without a builder (IPIP encapsulation, ESP, ...).
 * Returns the frame length or -EINVAL / -ENOSPC.
 */
int lb_build_ip(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		const struct lb_ip_spec *ip, uint8_t proto, const uint8_t *payload, size_t len)
{
	size_t l4;
	int n = build_l2_l3(buf, cap, eth, ip, proto, len, &l4);

	if (n >= 0 && len)
		memcpy(buf + l4, payload, len);
	return n;
}

static void put_payload(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (src)
		memcpy(dst, src, n);
	else
		lb_payload_pattern(dst, n, 0);
}

/*
 * lb_build_tcp - a TCP segment: header with the MSS option first on a SYN
 * (when tcp->mss != 0), then tcp->opts, then the payload (given bytes or
 * the lb_payload_pattern), checksum over the pseudo-header. Returns the
 * frame length, -EINVAL (options not a multiple of 4 or over 40 bytes),
 * -ENOSPC.
 */
int lb_build_tcp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_ip_spec *ip, const struct lb_tcp_spec *tcp)
{
	size_t mss = (tcp->flags & LB_TCP_SYN) && tcp->mss ? 4 : 0;
	size_t thl = 20 + mss + tcp->optlen;
	size_t l4;
	uint8_t *t;
	int n;

	if (tcp->optlen % 4 || thl > 60 || (tcp->optlen && !tcp->opts))
		return -EINVAL;
	n = build_l2_l3(buf, cap, eth, ip, LB_PROTO_TCP, thl + tcp->payload_len, &l4);
	if (n < 0)
		return n;
	t = buf + l4;
	lb_wr16(t, tcp->sport);
	lb_wr16(t + 2, tcp->dport);
	lb_wr32(t + 4, tcp->seq);
	lb_wr32(t + 8, tcp->ack);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = tcp->flags;
	lb_wr16(t + 14, tcp->win);
	lb_wr16(t + 16, 0);
	lb_wr16(t + 18, 0);
	if (mss) {
		t[20] = 2;
		t[21] = 4;
		lb_wr16(t + 22, tcp->mss);
	}
	if (tcp->optlen)
		memcpy(t + 20 + mss, tcp->opts, tcp->optlen);
	put_payload(t + thl, tcp->payload, tcp->payload_len);
	lb_l4_csum_set(&ip->saddr, &ip->daddr, LB_PROTO_TCP, t, thl + tcp->payload_len);
	return n;
}

/*
 * lb_build_udp - a UDP datagram with its checksum (0 when udp->no_csum over
 * IPv4; IPv6 always sums). Returns the frame length, -EINVAL, -ENOSPC.
 */
int lb_build_udp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_ip_spec *ip, const struct lb_udp_spec *udp)
{
	size_t ulen = 8 + udp->payload_len;
	size_t l4;
	uint8_t *u;
	int n;

	if (ulen > 0xffff)
		return -EINVAL;
	n = build_l2_l3(buf, cap, eth, ip, LB_PROTO_UDP, ulen, &l4);
	if (n < 0)
		return n;
	u = buf + l4;
	lb_wr16(u, udp->sport);
	lb_wr16(u + 2, udp->dport);
	lb_wr16(u + 4, (uint16_t)ulen);
	lb_wr16(u + 6, 0);
	put_payload(u + 8, udp->payload, udp->payload_len);
	if (!(udp->no_csum && ip->saddr.af == LB_AF_INET))
		lb_l4_csum_set(&ip->saddr, &ip->daddr, LB_PROTO_UDP, u, ulen);
	return n;
}

/*
 * lb_build_icmp4_frag_needed - ICMP destination unreachable, fragmentation
 * needed (type 3 code 4) with the next-hop MTU in the second half of the
 * "unused" word (RFC 1191 section 4), quoting orig (see frame.h for
 * quote_max). ip->saddr/daddr must be IPv4. Returns the frame length,
 * -EINVAL (not IPv4, orig shorter than its IPv4 header), -ENOSPC.
 */
int lb_build_icmp4_frag_needed(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
			       const struct lb_ip_spec *ip, uint16_t mtu, const uint8_t *orig,
			       size_t orig_len, size_t quote_max)
{
	size_t q, l4;
	uint8_t *c;
	int n;

	if (ip->saddr.af != LB_AF_INET || orig_len < 20 || (size_t)(orig[0] & 0x0f) * 4 > orig_len)
		return -EINVAL;
	if (quote_max == LB_ICMP4_QUOTE_RFC792)
		q = (size_t)(orig[0] & 0x0f) * 4 + 8;
	else
		q = quote_max;
	if (q > orig_len)
		q = orig_len;
	n = build_l2_l3(buf, cap, eth, ip, LB_PROTO_ICMP, 8 + q, &l4);
	if (n < 0)
		return n;
	c = buf + l4;
	c[0] = 3;
	c[1] = 4;
	lb_wr16(c + 2, 0);
	lb_wr16(c + 4, 0);
	lb_wr16(c + 6, mtu);
	memcpy(c + 8, orig, q);
	lb_l4_csum_set(&ip->saddr, &ip->daddr, LB_PROTO_ICMP, c, 8 + q);
	return n;
}

/*
 * lb_build_icmp6_too_big - ICMPv6 Packet Too Big (type 2 code 0, RFC 4443
 * section 3.2) quoting as much of orig as keeps the IPv6 packet within the
 * minimum MTU of 1280 bytes. Returns the frame length, -EINVAL (not IPv6),
 * -ENOSPC.
 */
int lb_build_icmp6_too_big(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
			   const struct lb_ip_spec *ip, uint32_t mtu, const uint8_t *orig,
			   size_t orig_len)
{
	size_t q = orig_len < 1280 - 40 - 8 ? orig_len : 1280 - 40 - 8;
	size_t l4;
	uint8_t *c;
	int n;

	if (ip->saddr.af != LB_AF_INET6)
		return -EINVAL;
	n = build_l2_l3(buf, cap, eth, ip, LB_PROTO_ICMPV6, 8 + q, &l4);
	if (n < 0)
		return n;
	c = buf + l4;
	c[0] = 2;
	c[1] = 0;
	lb_wr16(c + 2, 0);
	lb_wr32(c + 4, mtu);
	memcpy(c + 8, orig, q);
	lb_l4_csum_set(&ip->saddr, &ip->daddr, LB_PROTO_ICMPV6, c, 8 + q);
	return n;
}

/*
 * lb_build_arp - an Ethernet/IPv4 ARP packet (RFC 826) after eth's header.
 * Returns the frame length (42 + 4 per tag), -EINVAL (eth NULL), -ENOSPC.
 */
int lb_build_arp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_arp_spec *arp)
{
	int l2;
	uint8_t *a;

	if (!eth)
		return -EINVAL;
	l2 = lb_build_eth(buf, cap, eth, LB_ETH_P_ARP);
	if (l2 < 0)
		return l2;
	if (cap - (size_t)l2 < 28)
		return -ENOSPC;
	a = buf + l2;
	lb_wr16(a, 1);
	lb_wr16(a + 2, LB_ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	lb_wr16(a + 6, arp->op);
	memcpy(a + 8, arp->sha, 6);
	lb_wr32(a + 14, arp->spa);
	memcpy(a + 18, arp->tha, 6);
	lb_wr32(a + 24, arp->tpa);
	return l2 + 28;
}

/*
 * lb_build_garp - gratuitous ARP for vip, broadcast, from eth->src with
 * eth's tags (see frame.h for the two forms). Returns as lb_build_arp.
 */
int lb_build_garp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth, uint32_t vip,
		  bool reply)
{
	struct lb_eth_spec e;
	struct lb_arp_spec a;

	if (!eth)
		return -EINVAL;
	e = *eth;
	memset(e.dst, 0xff, 6);
	a.op = reply ? LB_ARP_REPLY : LB_ARP_REQUEST;
	memcpy(a.sha, eth->src, 6);
	if (reply)
		memcpy(a.tha, eth->src, 6);
	else
		memset(a.tha, 0xff, 6);
	a.spa = vip;
	a.tpa = vip;
	return lb_build_arp(buf, cap, &e, &a);
}

/*
 * Options of a non-first fragment (RFC 791 "copied" flag): Linux keeps the
 * header length and overwrites every option without the copy bit (0x80)
 * with NOPs; END stops the walk, so does a malformed length.
 */
static void frag_strip_opts(uint8_t *hdr, size_t hlen)
{
	size_t i = 20;

	while (i < hlen) {
		uint8_t type = hdr[i];
		size_t olen;

		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (hlen - i < 2)
			break;
		olen = hdr[i + 1];
		if (olen < 2 || olen > hlen - i)
			break;
		if (!(type & 0x80))
			memset(hdr + i, 1, olen);
		i += olen;
	}
}

/*
 * lb_ip4_fragment_hdr - lb_ip4_fragment of the datagram whose IPv4 header
 * is hdr (its total length and checksum are ignored and rewritten) and
 * whose payload is payload[0..plen). Same results as lb_ip4_fragment.
 */
int lb_ip4_fragment_hdr(const uint8_t *hdr, const uint8_t *payload, size_t plen, unsigned mtu,
			const struct lb_eth_spec *eth, uint8_t *buf, size_t cap,
			struct lb_frame *frames, unsigned maxframes)
{
	uint8_t first[60], rest[60];
	size_t hlen, maxdata, off = 0, pos = 0;
	unsigned n = 0;
	unsigned base;
	bool more;

	if ((hdr[0] >> 4) != 4 || (hdr[0] & 0x0f) < 5)
		return -EINVAL;
	hlen = (size_t)(hdr[0] & 0x0f) * 4;
	base = (unsigned)(lb_rd16(hdr + 6) & 0x1fff) * 8;
	more = (hdr[6] & 0x20) != 0;
	if (hlen + plen > 0xffff || base + plen > 0xffff)
		return -EINVAL;
	memcpy(first, hdr, hlen);
	memcpy(rest, hdr, hlen);
	frag_strip_opts(rest, hlen);
	if (hlen + plen <= mtu)
		maxdata = plen;
	else if (mtu < hlen + 8)
		return -EINVAL;
	else
		maxdata = (mtu - hlen) & ~(size_t)7;
	do {
		size_t dlen = plen - off < maxdata ? plen - off : maxdata;
		bool last = off + dlen == plen;
		uint8_t *h = off ? rest : first;
		int l2 = 0;

		if (n == maxframes)
			return -E2BIG;
		if (eth) {
			l2 = lb_build_eth(buf + pos, cap - pos, eth, LB_ETH_P_IP);
			if (l2 < 0)
				return l2;
		}
		if (cap - pos - (size_t)l2 < hlen + dlen)
			return -ENOSPC;
		lb_wr16(h + 2, (uint16_t)(hlen + dlen));
		if (hlen + plen <= mtu)
			lb_wr16(h + 6, lb_rd16(hdr + 6));
		else
			lb_wr16(h + 6, (uint16_t)((base + off) >> 3 | (!last || more ? 0x2000 : 0)));
		lb_ip4_csum_set(h, hlen);
		memcpy(buf + pos + l2, h, hlen);
		memcpy(buf + pos + l2 + hlen, payload + off, dlen);
		frames[n].data = buf + pos;
		frames[n].len = (size_t)l2 + hlen + dlen;
		frames[n].wire_len = frames[n].len;
		pos += frames[n].len;
		off += dlen;
		n++;
	} while (off < plen);
	return (int)n;
}

/* lb_ip4_fragment - see frame.h. */
int lb_ip4_fragment(const uint8_t *pkt, size_t len, unsigned mtu, const struct lb_eth_spec *eth,
		    uint8_t *buf, size_t cap, struct lb_frame *frames, unsigned maxframes)
{
	size_t hlen;

	if (len < 20 || (pkt[0] >> 4) != 4)
		return -EINVAL;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len || lb_rd16(pkt + 2) != len)
		return -EINVAL;
	return lb_ip4_fragment_hdr(pkt, pkt + hlen, len - hlen, mtu, eth, buf, cap, frames,
				   maxframes);
}
