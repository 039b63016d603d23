/* bm_rng.h: bm's seeded random number generators.
 *
 * bm_rng_t (bm-train) is xoshiro256** seeded through splitmix64: fast, 256
 * bits of state that a checkpoint saves and restores exactly, and the same
 * sequence on every machine for the same seed. Floats are made from the top
 * bits, normals by Box-Muller without a cached second value (so the state
 * is just s[4]).
 *
 * bm_rng_sm_* is splitmix64 itself, one word of state: the generator of
 * bm-clean --split (kept so that a split with a given --seed stays the
 * same). The two give different sequences for the same seed. Nothing here
 * fails or allocates.
 */
#ifndef BM_RNG_H
#define BM_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} bm_rng_t;

/* Seed from a 64-bit number; every seed (0 included) gives a good state. */
void bm_rng_seed(bm_rng_t *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t bm_rng_u64(bm_rng_t *r);
/* Uniform in [0, 1) with 24 (float) or 53 (double) random bits. */
float bm_rng_float(bm_rng_t *r);
double bm_rng_double(bm_rng_t *r);
/* Uniform integer in [0, n), unbiased; n >= 1. */
uint64_t bm_rng_below(bm_rng_t *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call). */
double bm_rng_normal(bm_rng_t *r);
/* Fisher-Yates shuffle of IDX[0..n). */
void bm_rng_shuffle(bm_rng_t *r, uint32_t *idx, uint64_t n);

/* splitmix64 from the state *X (any value, the seed): the next 64 bits;
 * uniform in [0, 1) with 53 bits; uniform in [0, n), unbiased, n >= 1. */
uint64_t bm_rng_sm_u64(uint64_t *x);
double bm_rng_sm_double(uint64_t *x);
uint64_t bm_rng_sm_below(uint64_t *x, uint64_t n);

#endif
