/*
 * algorithms/vrrp/codec.h - VRRPv2/v3 messages, their IPv4/IPv6 and Ethernet
 * envelope as keepalived 2.2.7 builds it, the receive checks of spec 1.6,
 * and keepalived's gratuitous ARP / unsolicited NA frames.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_VRRP_CODEC_H
#define LBSIM_ALGORITHMS_VRRP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/wire/addr.h"

#define VRRP_IPPROTO 112
#define VRRP_IPPROTO_AH 51
#define VRRP_TYPE_ADVERT 1
#define VRRP_TOS 0xc0
#define VRRP_TTL 255
#define VRRP_MCAST4 0xE0000012u /* 224.0.0.18, host byte order */
#define VRRP_PRIO_STOP 0
#define VRRP_PRIO_OWNER 255

#define VRRP_AUTH_NONE 0
#define VRRP_AUTH_PASS 1
#define VRRP_AUTH_AH 2
#define VRRP_AUTH_LEN 8
#define VRRP_AH_LEN 24 /* next hdr, len, rsvd, SPI, seq, 12-byte HMAC-MD5-96 ICV */

#define VRRP_MAX_ADDRS 255
#define VRRP_MAC_LEN 6
#define VRRP_ETH_HLEN 14
/* Largest frame vrrp_frame_encode can build: Ethernet + IPv6 + 8 + 255 x 16. */
#define VRRP_FRAME_MAX (VRRP_ETH_HLEN + 40 + 8 + VRRP_MAX_ADDRS * 16)
#define VRRP_GARP_LEN 42
#define VRRP_NA_LEN 86

/*
 * What the decoder learnt from the envelope of a received advert; filled by
 * vrrp_frame_decode / vrrp_ip_decode, ignored by the encoders.
 */
struct vrrp_rx {
	uint8_t src_mac[VRRP_MAC_LEN];
	uint8_t dst_mac[VRRP_MAC_LEN];
	bool has_eth;		/* decoded from an Ethernet frame (MACs valid) */
	uint16_t vlan;		/* 802.1Q VLAN id + 1, 0 = untagged */
	struct lb_addr saddr;
	struct lb_addr daddr;
	uint16_t ip_id;		/* IPv4 only */
	uint16_t frag;		/* IPv4 flags + fragment offset field */
	uint8_t tos;		/* IPv4 TOS / IPv6 traffic class */
	uint8_t ttl;		/* TTL / hop limit */
	uint8_t proto;		/* VRRP_IPPROTO or VRRP_IPPROTO_AH */
	bool has_ah;
	uint32_t ah_spi;
	uint32_t ah_seq;
	uint32_t ip_tot_len;	/* IP header + payload, from the header */
	uint32_t ip_rcvd;	/* IP bytes received (link padding trimmed) */
	uint32_t msg_len;	/* VRRP message bytes received */
	uint16_t naddr_present; /* addresses actually present and decoded */
	bool ip_csum_ok;	/* IPv4 header checksum (true for IPv6) */
	bool csum_ok;		/* VRRP checksum, spec 1.4 */
};

/* One VRRP message (the "Adver Int" field keeps its wire unit). */
struct vrrp_advert {
	uint8_t version;	/* 2 or 3 */
	uint8_t type;		/* VRRP_TYPE_ADVERT */
	uint8_t vrid;
	uint8_t priority;
	uint8_t naddr;		/* the count field */
	uint8_t af;		/* family of addrs: LB_AF_INET or LB_AF_INET6 */
	uint8_t auth_type;	/* v2 only */
	uint8_t rsvd;		/* v3: high nibble of byte 4 (0 on send) */
	uint16_t adver_int;	/* v2: seconds (8 bits); v3: centiseconds (12 bits) */
	uint16_t checksum;	/* as received; set by the encoder */
	uint8_t auth_data[VRRP_AUTH_LEN]; /* v2 */
	struct lb_addr addrs[VRRP_MAX_ADDRS];
	struct vrrp_rx rx;
};

/* Where an advert goes and how the IP/Ethernet headers are filled. */
struct vrrp_envelope {
	uint8_t src_mac[VRRP_MAC_LEN];	/* the interface's own MAC */
	uint8_t dst_mac[VRRP_MAC_LEN];	/* all zero: derived from a multicast daddr */
	struct lb_addr saddr;
	struct lb_addr daddr;		/* 224.0.0.18, ff02::12 or a unicast peer */
	uint16_t ip_id;			/* IPv4 identification */
	uint8_t ttl;			/* 255 (or unicast_ttl) */
	uint8_t tos;			/* VRRP_TOS */
};

/* A unicast_peer entry. */
struct vrrp_peer {
	struct lb_addr addr;
	uint8_t mac[VRRP_MAC_LEN];	/* all zero: the environment resolves it */
	uint8_t min_ttl;		/* 0 = unchecked */
	uint8_t max_ttl;		/* 0 = unchecked */
};

/*
 * Receive verdicts, in keepalived's checking order (spec 1.6). Only
 * VRRP_RX_OK makes an advert count. vrrp_rx_verdict_is_ko tells the "bad
 * packet" outcomes from the silently dropped ones.
 */
enum vrrp_rx_verdict {
	VRRP_RX_OK = 0,
	VRRP_RX_MALFORMED,	  /* not a decodable VRRP frame at all */
	VRRP_RX_UNKNOWN_VRID,	  /* 1: not this instance's VRID/family */
	VRRP_RX_NOT_READY,	  /* 2: instance in INIT/FAULT/STOP */
	VRRP_RX_AH_MISMATCH,	  /* 3 */
	VRRP_RX_BAD_LENGTH,	  /* 4 */
	VRRP_RX_BAD_TTL,	  /* 5 */
	VRRP_RX_BAD_VERSION,	  /* 6 */
	VRRP_RX_BAD_AUTH_TYPE,	  /* 7 */
	VRRP_RX_BAD_PASSWORD,	  /* 7 */
	VRRP_RX_INTERVAL_MISMATCH, /* 8: dropped, not counted as bad */
	VRRP_RX_BAD_TYPE,	  /* 9 */
	VRRP_RX_ADDR_COUNT,	  /* 10 */
	VRRP_RX_IP_LENGTH,	  /* 11 */
	VRRP_RX_BAD_CHECKSUM,	  /* 12 */
	VRRP_RX_MODE_MISMATCH,	  /* 13: multicast vs unicast */
	VRRP_RX_ADDR_MISMATCH,	  /* 14 */
	VRRP_RX_UNKNOWN_SOURCE,	  /* 15: check_unicast_src */
	/* count, keep last */
	VRRP_RX_VERDICT_COUNT
};

/* What one instance expects of a received advert (built by vrrp.c). */
struct vrrp_rx_expect {
	uint8_t version;
	uint8_t vrid;
	uint8_t af;
	uint8_t auth_type;
	uint8_t auth_pass[VRRP_AUTH_LEN];
	uint16_t adver_int_s;		/* v2: own interval in seconds */
	const struct lb_addr *vips;
	size_t nvips;
	bool unicast;
	const struct vrrp_peer *peers;
	size_t npeers;
	bool check_unicast_src;
	bool skip_check_adv_addr;
	const struct lb_addr *last_src; /* source of the previous valid advert, or NULL */
};

const char *vrrp_rx_verdict_name(enum vrrp_rx_verdict v);
bool vrrp_rx_verdict_is_ko(enum vrrp_rx_verdict v);
enum vrrp_rx_verdict vrrp_advert_check(const struct vrrp_rx_expect *x,
				       const struct vrrp_advert *a);

/* Internet checksum of <len> bytes, continuing a partial 32-bit <sum>. */
uint16_t vrrp_inet_csum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t vrrp_msg_csum(const uint8_t *msg, size_t len, uint8_t version,
		       const struct lb_addr *saddr, const struct lb_addr *daddr);

int vrrp_msg_length(const struct vrrp_advert *a);
int vrrp_msg_encode(struct vrrp_advert *a, const struct lb_addr *saddr,
		    const struct lb_addr *daddr, uint8_t *buf, size_t cap);
int vrrp_msg_decode(const uint8_t *msg, size_t len, uint8_t af, struct vrrp_advert *out);

int vrrp_ip_decode(const uint8_t *pkt, size_t len, struct vrrp_advert *out);
int vrrp_frame_decode(const uint8_t *frame, size_t len, struct vrrp_advert *out);
int vrrp_frame_encode(struct vrrp_advert *a, const struct vrrp_envelope *env, uint8_t *buf,
		      size_t cap);
void vrrp_mcast_mac(const struct lb_addr *group, uint8_t mac[VRRP_MAC_LEN]);

/* ---- gratuitous ARP (IPv4) and unsolicited neighbour advertisement (IPv6) ---- */

struct vrrp_arp {
	uint8_t eth_dst[VRRP_MAC_LEN];
	uint8_t eth_src[VRRP_MAC_LEN];
	uint16_t op;			/* 1 request, 2 reply */
	uint8_t sha[VRRP_MAC_LEN];
	uint8_t tha[VRRP_MAC_LEN];
	struct lb_addr spa;
	struct lb_addr tpa;
};

int vrrp_garp_encode(const uint8_t mac[VRRP_MAC_LEN], const struct lb_addr *ip, uint8_t *buf,
		     size_t cap);
int vrrp_na_encode(const uint8_t mac[VRRP_MAC_LEN], const struct lb_addr *src,
		   const struct lb_addr *target, uint8_t *buf, size_t cap);
int vrrp_arp_decode(const uint8_t *frame, size_t len, struct vrrp_arp *out);
bool vrrp_arp_is_garp(const struct vrrp_arp *a);

#endif /* LBSIM_ALGORITHMS_VRRP_CODEC_H */
