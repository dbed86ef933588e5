/*
 * algorithms/wire/addr.c - parsing, printing and arithmetic on IPv4/IPv6 addresses.
 *
 * Called by the scenario parser (every "addr", "vip" and "rip" value), by the
 * address-range expansion of dest pools, and by log and result formatting.
 * Not on any per-packet path: parsing and printing cost a few hundred ns.
 *
 * IPv4 is parsed by hand so that only the strict dotted quad "a.b.c.d" is
 * accepted (inet_aton would also take "10.1", "0x0a.0.0.1" and "010.0.0.1",
 * which in a scenario file are almost always typos). IPv6 goes through
 * inet_pton, which is already strict.
 *
 * SPDX-License-Identifier: MIT
 */
#include "algorithms/wire/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Parse a decimal number of 1..maxdigits digits, no sign, no leading zero
 * (except "0" itself), value <= max. Advances *sp past the digits.
 * Returns 0 or -EINVAL.
 */
static int addr_parse_dec(const char **sp, unsigned maxdigits, unsigned long max,
			  unsigned long *out)
{
	const char *s = *sp;
	unsigned long v = 0;
	unsigned n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == maxdigits)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > max)
		return -EINVAL;
	*sp = s + n;
	*out = v;
	return 0;
}

/* Strict dotted quad: exactly four decimal octets 0..255, nothing after. */
static int addr_parse_v4(const char *s, struct lb_addr *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned long octet;

		if (i > 0 && *s++ != '.')
			return -EINVAL;
		if (addr_parse_dec(&s, 3, 255, &octet))
			return -EINVAL;
		v = (v << 8) | (uint32_t)octet;
	}
	if (*s != '\0')
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->af = LB_AF_INET;
	out->u.v4 = v;
	return 0;
}

static int addr_parse_v6(const char *s, size_t len, struct lb_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a6;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->af = LB_AF_INET6;
	memcpy(out->u.v6, &a6, 16);
	return 0;
}

/*
 * lb_addr_parse - parse a bare address: "a.b.c.d" or an IPv6 literal (no
 * brackets, no port). Returns 0 and fills *out, or -EINVAL (out untouched).
 */
int lb_addr_parse(const char *s, struct lb_addr *out)
{
	if (!s || !out)
		return -EINVAL;
	if (strchr(s, ':'))
		return addr_parse_v6(s, strlen(s), out);
	return addr_parse_v4(s, out);
}

static int addr_parse_port_num(const char *s, uint16_t *port)
{
	unsigned long v;

	if (addr_parse_dec(&s, 5, 65535, &v) || *s != '\0')
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/*
 * lb_addr_parse_port - parse "A", "A:PORT", "[A6]", "[A6]:PORT" or a bare "A6".
 * A string with two or more colons and no brackets is a bare IPv6 address.
 * PORT is decimal 0..65535 without leading zeros. *port is 0 when absent.
 * Returns 0, or -EINVAL with *out and *port untouched.
 */
int lb_addr_parse_port(const char *s, struct lb_addr *out, uint16_t *port)
{
	struct lb_addr a;
	uint16_t p = 0;
	const char *colon;

	if (!s || !out || !port)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || addr_parse_v6(s + 1, (size_t)(close - s - 1), &a))
			return -EINVAL;
		if (close[1] == ':') {
			if (addr_parse_port_num(close + 2, &p))
				return -EINVAL;
		} else if (close[1] != '\0') {
			return -EINVAL;
		}
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			if (addr_parse_v6(s, strlen(s), &a))
				return -EINVAL;
		} else if (colon) {
			char buf[16];
			size_t len = (size_t)(colon - s);

			if (len >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, s, len);
			buf[len] = '\0';
			if (addr_parse_v4(buf, &a) || addr_parse_port_num(colon + 1, &p))
				return -EINVAL;
		} else if (addr_parse_v4(s, &a)) {
			return -EINVAL;
		}
	}
	*out = a;
	*port = p;
	return 0;
}

/*
 * lb_addr_fmt - print "a.b.c.d" or the canonical IPv6 text into buf (len
 * bytes, LB_ADDR_STRLEN is always enough) and return buf. An unset address
 * prints as "?". Output is truncated, never overrun, when len is too small.
 */
const char *lb_addr_fmt(const struct lb_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!buf || len == 0)
		return buf;
	if (a && a->af == LB_AF_INET) {
		uint32_t v = a->u.v4;

		snprintf(buf, len, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
			 v & 0xff);
	} else if (a && a->af == LB_AF_INET6 && inet_ntop(AF_INET6, a->u.v6, tmp, sizeof(tmp))) {
		snprintf(buf, len, "%s", tmp);
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

/*
 * lb_addr_port_fmt - "a.b.c.d:PORT" or "[v6]:PORT" into buf; returns buf.
 * The result parses back with lb_addr_parse_port.
 */
const char *lb_addr_port_fmt(const struct lb_addr *a, uint16_t port, char *buf, size_t len)
{
	char tmp[LB_ADDR_STRLEN];

	if (!buf || len == 0)
		return buf;
	lb_addr_fmt(a, tmp, sizeof(tmp));
	if (a && a->af == LB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", tmp, (unsigned)port);
	else
		snprintf(buf, len, "%s:%u", tmp, (unsigned)port);
	return buf;
}

/* Same family and same address. Two unset addresses are equal. */
bool lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b)
{
	return lb_addr_cmp(a, b) == 0;
}

/*
 * lb_addr_cmp - total order: unset < IPv4 < IPv6, then numeric address
 * order within a family. Returns <0, 0 or >0.
 */
int lb_addr_cmp(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->af == LB_AF_INET) {
		if (a->u.v4 != b->u.v4)
			return a->u.v4 < b->u.v4 ? -1 : 1;
		return 0;
	}
	if (a->af == LB_AF_INET6)
		return memcmp(a->u.v6, b->u.v6, 16);
	return 0;
}

/*
 * lb_addr_add - *out = a + n, used to expand "10.0.0.1 x 50" style pools.
 * Returns 0, -ERANGE when the sum passes the last address of the family
 * (255.255.255.255 or ffff:...:ffff; *out untouched), -EINVAL when a is unset.
 * out may alias a.
 */
int lb_addr_add(const struct lb_addr *a, uint32_t n, struct lb_addr *out)
{
	struct lb_addr r = *a;

	if (a->af == LB_AF_INET) {
		if ((uint64_t)a->u.v4 + n > UINT32_MAX)
			return -ERANGE;
		r.u.v4 = a->u.v4 + n;
	} else if (a->af == LB_AF_INET6) {
		uint64_t carry = n;

		for (int i = 15; i >= 0 && carry; i--) {
			uint64_t s = r.u.v6[i] + (carry & 0xff);

			r.u.v6[i] = (uint8_t)s;
			carry = (carry >> 8) + (s >> 8);
		}
		if (carry)
			return -ERANGE;
	} else {
		return -EINVAL;
	}
	*out = r;
	return 0;
}
