/*
 * sim/rng.c - named random streams over GSL's Mersenne Twister.
 *
 * Every source of randomness in a scenario (a client population's arrivals,
 * its request sizes, a randomized scheduler, a fault process) asks for its
 * own stream once, at set-up, by a stable name. The stream's seed depends on
 * the scenario seed and that name only, so adding a server or a population
 * never shifts the numbers any other source sees (common random numbers).
 * rng_below() runs per random decision (per request for randomized
 * schedulers), the rest once per stream.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sim/rng.h"

#include <stdio.h>
#include <stdlib.h>

#define RNG_FNV_OFFSET 0xcbf29ce484222325ULL
#define RNG_FNV_PRIME 0x100000001b3ULL
#define RNG_GOLDEN 0x9e3779b97f4a7c15ULL

/* The splitmix64 finaliser: a bijection on 64 bits with full avalanche. */
static uint64_t rng_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Derive a stream seed from the scenario <seed> and the stream <name> (NULL
 * counts as ""). The name is hashed with 64-bit FNV-1a over its bytes and
 * both are mixed through the splitmix64 finaliser, in fixed-width unsigned
 * arithmetic only, so the result is the same on every platform.
 */
uint64_t rng_seed_derive(uint64_t seed, const char *name)
{
	uint64_t h = RNG_FNV_OFFSET;

	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
		h ^= *p;
		h *= RNG_FNV_PRIME;
	}
	return rng_mix64(rng_mix64(seed + RNG_GOLDEN) ^ h);
}

/*
 * Make the stream <name> of scenario <seed>: a gsl_rng of type mt19937. The
 * caller owns it (rng_stream_free). GSL's mt19937 keeps only 32 bits of its
 * seed and treats 0 as "use the default seed 4357", so the derived 64 bits
 * are folded to 32 and a fold of 0 is replaced by a fixed non-zero value;
 * two names thus share a stream only on a 32-bit collision (about 1 in 4e9
 * per pair).
 */
gsl_rng *rng_stream_new(uint64_t seed, const char *name)
{
	uint64_t x = rng_seed_derive(seed, name);
	unsigned long s = (unsigned long)(uint32_t)(x ^ (x >> 32));
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (!r) {
		fprintf(stderr, "lbsim: cannot allocate random stream '%s'\n", name ? name : "");
		abort();
	}
	if (s == 0)
		s = 0x9e3779b9UL;
	gsl_rng_set(r, s);
	return r;
}

/* Free a stream (NULL is accepted). */
void rng_stream_free(gsl_rng *r)
{
	if (r)
		gsl_rng_free(r);
}

/*
 * A uniform integer in [0, n). gsl_rng_uniform_int() rejects the top partial
 * range of the generator's output, so every value is exactly equally likely
 * (no modulo bias); mt19937's 32-bit output covers every n up to 2^32 - 1.
 * n == 0 is a caller bug; it returns 0 rather than invoking GSL's error
 * handler (which aborts).
 */
uint32_t rng_below(gsl_rng *r, uint32_t n)
{
	if (n <= 1)
		return 0;
	return (uint32_t)gsl_rng_uniform_int(r, n);
}
