/*
 * algorithms/wire/addr.h - IPv4/IPv6 addresses and flow keys.
 *
 * IPv4 addresses are kept in host byte order (0xC0A8010A is 192.168.1.10),
 * because IPVS's hash functions are defined on that integer.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_WIRE_ADDR_H
#define LBSIM_ALGORITHMS_WIRE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_AF_INET 4
#define LB_AF_INET6 6

#define LB_PROTO_TCP 6
#define LB_PROTO_UDP 17
#define LB_PROTO_SCTP 132

/* Big enough for "[ffff:...:ffff]:65535". */
#define LB_ADDR_STRLEN 56

struct lb_addr {
	uint8_t af; /* LB_AF_INET or LB_AF_INET6, 0 = unset */
	union {
		uint32_t v4;	/* host byte order */
		uint8_t v6[16]; /* network byte order */
	} u;
};

struct lb_flow_key {
	struct lb_addr saddr;
	struct lb_addr daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
};

int lb_addr_parse(const char *s, struct lb_addr *out);
/* "A", "A:PORT", "[A6]:PORT" or "A6" (no port); *port = 0 when absent. */
int lb_addr_parse_port(const char *s, struct lb_addr *out, uint16_t *port);
const char *lb_addr_fmt(const struct lb_addr *a, char *buf, size_t len);
const char *lb_addr_port_fmt(const struct lb_addr *a, uint16_t port, char *buf, size_t len);
bool lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b);
int lb_addr_cmp(const struct lb_addr *a, const struct lb_addr *b);
/* a + n (IPv4: wraps never; returns -ERANGE past the end of the family). */
int lb_addr_add(const struct lb_addr *a, uint32_t n, struct lb_addr *out);

#endif /* LBSIM_ALGORITHMS_WIRE_ADDR_H */
