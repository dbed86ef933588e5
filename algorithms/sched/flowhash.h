/*
 * algorithms/sched/flowhash.h - the 64-bit hashes of the beyond-IPVS hashing
 * schedulers (ring, hrw): FNV-1a over bytes (Fowler, Noll, Vo; the public
 * domain FNV-1a 64 parameters) followed by the SplitMix64 finaliser (Steele,
 * Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014)
 * so that nearby inputs ("10.0.0.1:80-7", "-8") land far apart in all bits.
 * Not the kernel's hashes: sh, dh and mh use hash_32 and hsiphash (spec 3).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_ALGORITHMS_SCHED_FLOWHASH_H
#define LBSIM_ALGORITHMS_SCHED_FLOWHASH_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/ipvs/service.h"

#define FLOWHASH_INIT UINT64_C(0xcbf29ce484222325) /* FNV-1a 64 offset basis */

/* Continue FNV-1a 64 state h over len bytes at p. */
static inline uint64_t flowhash_bytes(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* SplitMix64's output function: a bijection with full avalanche. */
static inline uint64_t flowhash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Continue h over an address: the family byte, then 4 (big-endian) or 16 bytes. */
static inline uint64_t flowhash_addr(uint64_t h, const struct lb_addr *a)
{
	uint8_t v4[4] = { (uint8_t)(a->u.v4 >> 24), (uint8_t)(a->u.v4 >> 16),
			  (uint8_t)(a->u.v4 >> 8), (uint8_t)a->u.v4 };

	h = flowhash_bytes(h, &a->af, 1);
	if (a->af == LB_AF_INET6)
		return flowhash_bytes(h, a->u.v6, 16);
	return flowhash_bytes(h, v4, 4);
}

/* Continue h over a port, big-endian. */
static inline uint64_t flowhash_port(uint64_t h, uint16_t port)
{
	uint8_t b[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	return flowhash_bytes(h, b, 2);
}

/*
 * The flow's hash: the client's source address, plus its source port when
 * svc->conf.flags has the sh-port or mh-port bit (as IPVS's sh and mh do,
 * spec 4). A NULL key hashes like an all-zero one.
 */
static inline uint64_t flowhash_key(const struct lb_service *svc, const struct lb_flow_key *key)
{
	static const struct lb_flow_key zero;
	uint64_t h;

	if (!key)
		key = &zero;
	h = flowhash_addr(FLOWHASH_INIT, &key->saddr);
	if (svc->conf.flags & (LB_SVC_F_SH_PORT | LB_SVC_F_MH_PORT))
		h = flowhash_port(h, key->sport);
	return flowhash_mix(h);
}

#endif /* LBSIM_ALGORITHMS_SCHED_FLOWHASH_H */
