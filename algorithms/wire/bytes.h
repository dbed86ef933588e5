/*
 * algorithms/wire/bytes.h - big-endian reads and writes of wire fields.
 *
 * Every frame parser and builder reads and writes network-order fields one
 * byte at a time (no alignment, no aliasing assumptions); these four are the
 * one definition the wire, forwarding and VRRP code share.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_WIRE_BYTES_H
#define LBSIM_ALGORITHMS_WIRE_BYTES_H

#include <stdint.h>

static inline uint16_t lb_rd16(const uint8_t *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t lb_rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void lb_wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void lb_wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif /* LBSIM_ALGORITHMS_WIRE_BYTES_H */
