/*
 * algorithms/wire/frame.h - frame parsing, checksums and frame building:
 * Ethernet (with up to two VLAN tags), Linux cooked captures (SLL, SLL2),
 * raw IP, ARP, IPv4 (options, fragments), IPv6 (extension headers), TCP,
 * UDP, SCTP ports, ICMP, ICMPv6 and IPIP / IPv6-in-IP tunnels.
 *
 * Byte order: multi-byte fields of struct lb_pkt and of the builder specs
 * are host-order numbers; IPv4 addresses are host order (addr.h), IPv6
 * addresses and MACs are bytes in wire order.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_WIRE_FRAME_H
#define LBSIM_ALGORITHMS_WIRE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/wire/addr.h"

/* ---- link types ---- */

enum lb_linktype {
	LB_LT_ETHER = 0, /* DLT_EN10MB: Ethernet II, 802.1Q / 802.1ad tags */
	LB_LT_SLL,	 /* DLT_LINUX_SLL: 16-byte Linux cooked header */
	LB_LT_SLL2,	 /* DLT_LINUX_SLL2: 20-byte Linux cooked header v2 */
	LB_LT_RAW,	 /* DLT_RAW / LINKTYPE_RAW: IPv4 or IPv6 by the first nibble */
	LB_LT_IPV4,	 /* LINKTYPE_IPV4: IPv4 only */
	LB_LT_IPV6,	 /* LINKTYPE_IPV6: IPv6 only */
	/* count, keep last */
	LB_LT_COUNT
};

/* DLT / LINKTYPE numbers as libpcap and the pcap file format define them. */
#define LB_DLT_EN10MB 1
#define LB_DLT_RAW 12 /* DLT_RAW on most systems (14 on OpenBSD, also accepted) */
#define LB_DLT_RAW_OPENBSD 14
#define LB_LINKTYPE_RAW 101
#define LB_DLT_LINUX_SLL 113
#define LB_LINKTYPE_IPV4 228
#define LB_LINKTYPE_IPV6 229
#define LB_DLT_LINUX_SLL2 276

int lb_linktype_from_dlt(int dlt, enum lb_linktype *out);
const char *lb_linktype_name(enum lb_linktype lt);

/* ---- parse outcomes (one counter each) ---- */

enum lb_pkt_err {
	LB_PKT_OK = 0,		 /* IP (kind LB_PKT_IP) or ARP (kind LB_PKT_ARP) parsed */
	LB_PKT_E_LINKTYPE,	 /* unknown link type */
	LB_PKT_E_TRUNC_L2,	 /* shorter than the link header */
	LB_PKT_E_TRUNC_VLAN,	 /* VLAN tag cut short */
	LB_PKT_E_VLAN_DEPTH,	 /* more than two VLAN tags */
	LB_PKT_E_NOT_IP,	 /* neither IPv4, IPv6 nor ARP (L2 fields valid) */
	LB_PKT_E_TRUNC_ARP,	 /* ARP shorter than 28 bytes */
	LB_PKT_E_BAD_ARP,	 /* ARP not Ethernet/IPv4 */
	LB_PKT_E_TRUNC_IP,	 /* IP header cut short (IPv4: 20 or IHL*4 bytes; IPv6: 40) */
	LB_PKT_E_BAD_IP_VERSION, /* version nibble does not match the link's protocol */
	LB_PKT_E_BAD_IHL,	 /* IPv4 IHL < 5 */
	LB_PKT_E_BAD_IP_LEN,	 /* total length < header or > the bytes on the wire */
	LB_PKT_E_BAD_IP_CSUM,	 /* IPv4 header checksum wrong (lb_pkt_verify only) */
	LB_PKT_E_TRUNC_EXTHDR,	 /* IPv6 extension header past the end of the packet */
	LB_PKT_E_BAD_EXTHDR,	 /* more than LB_PKT_MAX_EXTHDR extension headers */
	LB_PKT_E_FRAGMENT,	 /* non-first fragment: L3 fields valid, no L4 */
	LB_PKT_E_TRUNC_L4,	 /* L4 header past the end of the packet or the capture */
	LB_PKT_E_BAD_TCP_DOFF,	 /* TCP data offset < 5 or past the end of the packet */
	LB_PKT_E_BAD_UDP_LEN,	 /* UDP length < 8 or > the IP payload */
	LB_PKT_E_BAD_L4_CSUM,	 /* TCP/UDP/ICMP/ICMPv6 checksum wrong (lb_pkt_verify only) */
	/* count, keep last */
	LB_PKT_E_COUNT
};

const char *lb_pkt_err_name(int err);

enum lb_pkt_kind {
	LB_PKT_NONE = 0, /* not parsed far enough to know */
	LB_PKT_IP,
	LB_PKT_ARP,
	LB_PKT_OTHER, /* an ethertype we do not parse (LB_PKT_E_NOT_IP) */
};

/* lb_pkt.flags */
#define LB_PKT_F_DF 0x01u     /* IPv4 don't-fragment */
#define LB_PKT_F_MF 0x02u     /* more fragments (IPv4 flag or IPv6 fragment header M bit) */
#define LB_PKT_F_FRAG 0x04u   /* a fragment (MF or offset != 0, or an IPv6 fragment header) */
#define LB_PKT_F_SNAP 0x08u   /* the capture stops before the end of the IP packet */
#define LB_PKT_F_ENCAP 0x10u  /* IPIP / IPv6-in-IP: outer holds the tunnel header */
#define LB_PKT_F_IPOPTS 0x20u /* IPv4 header with options, or IPv6 extension headers */

#define LB_PKT_MAX_VLAN 2
#define LB_PKT_MAX_EXTHDR 8

#define LB_ETH_P_IP 0x0800
#define LB_ETH_P_ARP 0x0806
#define LB_ETH_P_8021Q 0x8100
#define LB_ETH_P_8021AD 0x88a8
#define LB_ETH_P_QINQ_OLD 0x9100
#define LB_ETH_P_IPV6 0x86dd

/* TCP flag bits as on the wire (conn.h defines the same five). */
#ifndef LB_TCP_FIN
#define LB_TCP_FIN 0x01u
#define LB_TCP_SYN 0x02u
#define LB_TCP_RST 0x04u
#define LB_TCP_PSH 0x08u
#define LB_TCP_ACK 0x10u
#endif
#define LB_TCP_URG 0x20u
#define LB_TCP_ECE 0x40u
#define LB_TCP_CWR 0x80u

#define LB_PROTO_ICMP 1
#define LB_PROTO_IPIP 4
#define LB_PROTO_IPV6 41
#define LB_PROTO_ICMPV6 58

/* The tunnel header of an IPIP / IPv6-in-IP packet (lb_pkt.flags & LB_PKT_F_ENCAP). */
struct lb_pkt_outer {
	struct lb_addr saddr, daddr;
	uint32_t l3_off;
	uint32_t ip_len;
	uint16_t ip_id;
	uint8_t ip_ver, ttl, tos, flags; /* flags: LB_PKT_F_DF/MF/FRAG/IPOPTS */
};

/*
 * One parsed frame. Offsets count from the first byte of the frame. The
 * main L3/L4 fields describe the innermost packet: for a tunnelled packet,
 * outer holds the tunnel's IP header and saddr..payload describe the
 * packet inside. On an error the fields of the layers before the failing
 * one are valid and the rest are zero (when the packet inside a tunnel is
 * bad, outer is filled and the main L3 fields still hold the tunnel's).
 */
struct lb_pkt {
	/* link layer */
	uint8_t linktype; /* enum lb_linktype */
	uint8_t kind;	  /* enum lb_pkt_kind */
	uint8_t nvlan;
	uint8_t sll_pkttype;			/* SLL/SLL2 packet type (0 host, 4 outgoing) */
	uint16_t vlan_tpid[LB_PKT_MAX_VLAN];	/* [0] outermost */
	uint16_t vlan_tci[LB_PKT_MAX_VLAN];
	uint16_t ethertype;			/* after the tags (SLL: protocol field) */
	uint16_t sll_hatype;			/* SLL/SLL2 ARPHRD type */
	uint8_t dst_mac[6], src_mac[6];		/* SLL: src = link address if 6 bytes long */
	uint32_t sll_ifindex;			/* SLL2 */
	uint32_t l3_off, l4_off, payload_off;	/* 0 = absent (l3 at 0 for raw IP) */
	uint32_t caplen;			/* bytes of the frame present */
	/* network layer */
	uint8_t ip_ver; /* 4 or 6, 0 = not IP */
	uint8_t ttl;	/* or hop limit */
	uint8_t tos;	/* or traffic class */
	uint8_t proto;	/* L4 protocol, after IPv6 extension headers */
	uint8_t flags;	/* LB_PKT_F_* */
	uint16_t ip_id;
	uint32_t ip_hlen; /* IPv4 IHL*4; IPv6 40 + extension headers up to L4 */
	uint32_t ip_len;  /* IPv4 total length; IPv6 40 + payload length */
	uint16_t frag_off; /* bytes (a multiple of 8) */
	uint32_t frag_id;  /* IPv6 fragment header identification */
	uint32_t flowlabel;
	struct lb_addr saddr, daddr; /* ARP: sender and target protocol address */
	/* transport */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t tcp_win;
	uint16_t tcp_mss; /* MSS option of a SYN, 0 = none */
	uint32_t seq, ack;
	uint32_t payload_len; /* L4 payload bytes according to the headers */
	/* ARP */
	uint16_t arp_op;
	uint8_t arp_sha[6], arp_tha[6];
	/* tunnel */
	struct lb_pkt_outer outer;
};

/*
 * Parse one frame. Returns LB_PKT_OK (0) or an LB_PKT_E_* reason (> 0).
 * Never reads outside frame[0..caplen) and never allocates.
 * lb_pkt_parse_snap takes the frame's length on the wire too: an IP packet
 * cut by the capture's snap length parses (flag LB_PKT_F_SNAP) as long as
 * the headers are captured; lb_pkt_parse is the same with wirelen = len.
 */
int lb_pkt_parse(struct lb_pkt *p, enum lb_linktype lt, const uint8_t *frame, size_t len);
int lb_pkt_parse_snap(struct lb_pkt *p, enum lb_linktype lt, const uint8_t *frame,
		      size_t caplen, size_t wirelen);

/* The 5-tuple of an IP packet (ports 0 for protocols without). 0 or -EINVAL. */
int lb_pkt_flow_key(const struct lb_pkt *p, struct lb_flow_key *key);

/*
 * The 5-tuple of a plain untagged Ethernet / IPv4 / TCP or UDP first
 * fragment, read at fixed offsets without a full parse, and its TCP flags
 * (0 for UDP, or a TCP header cut before them); -1 for any other frame
 * (which may still be valid). A hint for looking ahead, never a verdict:
 * lb_pkt_parse* decides.
 */
int lb_pkt_peek_flow(enum lb_linktype lt, const uint8_t *frame, size_t caplen,
		     struct lb_flow_key *key, unsigned *tcp_flags);

/*
 * Check the checksums of a parsed IP packet: IPv4 header, then TCP, UDP
 * (0 = none over IPv4), ICMP or ICMPv6. Returns LB_PKT_OK, LB_PKT_E_BAD_IP_CSUM
 * or LB_PKT_E_BAD_L4_CSUM; LB_PKT_OK for what cannot be checked (other
 * protocols, fragments, snapped captures).
 */
int lb_pkt_verify(const struct lb_pkt *p, const uint8_t *frame);

/* ---- checksums (RFC 1071, RFC 1624) ---- */

/*
 * Values are host-order numbers; store them with a big-endian write.
 * lb_csum_partial adds the big-endian 16-bit words of buf (an odd last
 * byte padded with zero) to sum and returns a 32-bit partial sum.
 * lb_csum_fold folds a partial sum to 16 bits and complements it: the value
 * of the checksum field. Data with a right checksum folds to 0.
 */
uint32_t lb_csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t lb_csum_fold(uint32_t sum);
/* Partial sum of the TCP/UDP/ICMPv6 pseudo-header (IPv4 or IPv6 by saddr). */
uint32_t lb_csum_pseudo(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
			uint32_t len);

/* RFC 1624 eqn. 3: the checksum after a 16-, 32- or 128-bit field changes. */
uint16_t lb_csum_replace2(uint16_t check, uint16_t old, uint16_t new);
uint16_t lb_csum_replace4(uint16_t check, uint32_t old, uint32_t new);
uint16_t lb_csum_replace16(uint16_t check, const uint8_t old[16], const uint8_t new[16]);

/* IPv4 header checksum: compute (field taken as zero), verify, set in place. */
uint16_t lb_ip4_csum(const uint8_t *hdr, size_t hlen);
bool lb_ip4_csum_ok(const uint8_t *hdr, size_t hlen);
void lb_ip4_csum_set(uint8_t *hdr, size_t hlen);

/*
 * TCP, UDP, ICMP (IPv4, no pseudo-header) and ICMPv6 checksums over the L4
 * segment l4[0..len), the checksum field taken as zero. UDP: a computed 0 is
 * sent as 0xffff. lb_l4_csum_ok accepts a UDP-over-IPv4 checksum of 0 (none).
 * Other protocols: compute returns 0 and ok returns true.
 */
uint16_t lb_l4_csum(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		    const uint8_t *l4, size_t len);
bool lb_l4_csum_ok(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		   const uint8_t *l4, size_t len);
int lb_l4_csum_set(const struct lb_addr *saddr, const struct lb_addr *daddr, uint8_t proto,
		   uint8_t *l4, size_t len);

/* ---- builders ---- */

/*
 * Every builder writes one whole frame into buf (cap bytes) and returns its
 * length, or -ENOSPC when it does not fit (buf contents then undefined), or
 * -EINVAL for an impossible spec. eth == NULL builds a raw IP packet (no
 * link header). No Ethernet padding is added: frames are as a sender's
 * capture shows them.
 */
struct lb_eth_spec {
	uint8_t dst[6], src[6];
	uint8_t nvlan;				/* 0..2 */
	uint16_t vlan_tpid[LB_PKT_MAX_VLAN];	/* [0] outermost; 0 = 0x8100 */
	uint16_t vlan_tci[LB_PKT_MAX_VLAN];
};

struct lb_ip_spec {
	struct lb_addr saddr, daddr; /* the family picks IPv4 or IPv6 */
	uint8_t ttl;		     /* or hop limit */
	uint8_t tos;		     /* or traffic class */
	uint16_t id;		     /* IPv4 */
	bool df, mf;		     /* IPv4 */
	uint16_t frag_off;	     /* IPv4, bytes, a multiple of 8 */
	uint32_t flowlabel;	     /* IPv6, 20 bits */
	const uint8_t *opts;	     /* IPv4 options, optlen a multiple of 4, <= 40 */
	size_t optlen;
};

struct lb_tcp_spec {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;	 /* LB_TCP_* bits as on the wire */
	uint16_t win;
	uint16_t mss;	 /* MSS option when SYN is set and mss != 0 */
	const uint8_t *opts; /* further options, optlen a multiple of 4 */
	size_t optlen;
	const uint8_t *payload; /* NULL: lb_payload_pattern bytes */
	size_t payload_len;
};

struct lb_udp_spec {
	uint16_t sport, dport;
	bool no_csum; /* IPv4 only: checksum field 0 */
	const uint8_t *payload; /* NULL: lb_payload_pattern bytes */
	size_t payload_len;
};

struct lb_arp_spec {
	uint16_t op; /* 1 request, 2 reply */
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa; /* host order */
};

#define LB_ARP_REQUEST 1
#define LB_ARP_REPLY 2

/* Deterministic payload: byte i of a payload is 'a' + (start + i) % 26. */
void lb_payload_pattern(uint8_t *dst, size_t n, size_t start);

int lb_build_eth(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth, uint16_t ethertype);
/* Only the IP header (with checksum) for l4len bytes of proto: returns its length. */
int lb_build_ip_hdr(uint8_t *buf, size_t cap, const struct lb_ip_spec *ip, uint8_t proto,
		    size_t l4len);
/* IP header + payload bytes given as they are (any protocol, e.g. IPIP). */
int lb_build_ip(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		const struct lb_ip_spec *ip, uint8_t proto, const uint8_t *payload, size_t len);
int lb_build_tcp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_ip_spec *ip, const struct lb_tcp_spec *tcp);
int lb_build_udp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_ip_spec *ip, const struct lb_udp_spec *udp);

/*
 * ICMP errors about the IP packet orig[0..orig_len) (starting at its IP
 * header). ip gives the error's own addresses, TTL, TOS and ID.
 * ICMPv4 type 3 code 4 with the next-hop MTU (RFC 1191): quote_max 0 quotes
 * the IP header and 8 bytes (RFC 792), otherwise min(orig_len, quote_max)
 * bytes (Linux quotes up to LB_ICMP4_QUOTE_LINUX).
 * ICMPv6 Packet Too Big (RFC 4443): as much of orig as keeps the message
 * within 1280 bytes.
 */
#define LB_ICMP4_QUOTE_RFC792 0
#define LB_ICMP4_QUOTE_LINUX 548 /* 576 - 20 (IP) - 8 (ICMP) */
int lb_build_icmp4_frag_needed(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
			       const struct lb_ip_spec *ip, uint16_t mtu, const uint8_t *orig,
			       size_t orig_len, size_t quote_max);
int lb_build_icmp6_too_big(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
			   const struct lb_ip_spec *ip, uint32_t mtu, const uint8_t *orig,
			   size_t orig_len);

/* ARP over Ethernet (eth required; 42 bytes plus tags). */
int lb_build_arp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth,
		 const struct lb_arp_spec *arp);
/*
 * Gratuitous ARP for vip from eth->src (eth->dst is ignored: broadcast).
 * reply == false: the request keepalived sends (spec/vrrp-keepalived.md
 * 1.7): sender = target IP = vip, target MAC ff:ff:ff:ff:ff:ff.
 * reply == true: an unsolicited reply, target MAC = eth->src.
 */
int lb_build_garp(uint8_t *buf, size_t cap, const struct lb_eth_spec *eth, uint32_t vip,
		  bool reply);

/* One output frame: data[0..len) present, wire_len on the wire (>= len). */
struct lb_frame {
	uint8_t *data;
	size_t len;
	size_t wire_len;
};

/*
 * Split the IPv4 datagram pkt[0..len) into fragments of at most mtu bytes
 * (RFC 791, the Linux way): payload offsets in 8-byte units, MF on all but
 * the last (and on the last if pkt was itself a non-last fragment), DF
 * cleared, options without the copy bit turned into NOPs after the first
 * fragment, each header checksummed. Each fragment gets eth's header (NULL:
 * none). Frames are laid out one after another in buf[0..cap).
 * Returns the number of frames (1 when pkt already fits: a copy), -EINVAL
 * (not IPv4, inconsistent lengths, mtu < header + 8), -ENOSPC (buf) or
 * -E2BIG (more than maxframes fragments).
 */
int lb_ip4_fragment(const uint8_t *pkt, size_t len, unsigned mtu, const struct lb_eth_spec *eth,
		    uint8_t *buf, size_t cap, struct lb_frame *frames, unsigned maxframes);
/* The same for a datagram given as its IPv4 header and its payload apart. */
int lb_ip4_fragment_hdr(const uint8_t *hdr, const uint8_t *payload, size_t plen, unsigned mtu,
			const struct lb_eth_spec *eth, uint8_t *buf, size_t cap,
			struct lb_frame *frames, unsigned maxframes);

#endif /* LBSIM_ALGORITHMS_WIRE_FRAME_H */
