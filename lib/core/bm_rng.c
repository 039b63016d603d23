/* bm_rng.c: xoshiro256** (Blackman and Vigna) seeded by splitmix64, and
 * splitmix64 alone (see bm_rng.h). */
#include "bm_rng.h"

#include <math.h>

uint64_t bm_rng_sm_u64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void bm_rng_seed(bm_rng_t *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = bm_rng_sm_u64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t bm_rng_u64(bm_rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* 53 random bits in [0, 1). */
static inline double unit53(uint64_t u) { return (double)(u >> 11) * 0x1.0p-53; }

/* Uniform in [0, n) from NEXT(S): rejection on the top of the range keeps
 * it unbiased. */
static inline __attribute__((always_inline)) uint64_t below(uint64_t (*next)(void *), void *s, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = next(s);
	while (x >= limit);
	return x % n;
}

static uint64_t next_xo(void *s) { return bm_rng_u64(s); }
static uint64_t next_sm(void *s) { return bm_rng_sm_u64(s); }

float bm_rng_float(bm_rng_t *r) { return (float)(bm_rng_u64(r) >> 40) * 0x1.0p-24f; }

double bm_rng_double(bm_rng_t *r) { return unit53(bm_rng_u64(r)); }

uint64_t bm_rng_below(bm_rng_t *r, uint64_t n) { return below(next_xo, r, n); }

double bm_rng_sm_double(uint64_t *x) { return unit53(bm_rng_sm_u64(x)); }

uint64_t bm_rng_sm_below(uint64_t *x, uint64_t n) { return below(next_sm, x, n); }

double bm_rng_normal(bm_rng_t *r)
{
	double u1 = 1.0 - bm_rng_double(r); /* (0, 1]: log is finite */
	double u2 = bm_rng_double(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void bm_rng_shuffle(bm_rng_t *r, uint32_t *idx, uint64_t n)
{
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = bm_rng_below(r, i);
		uint32_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
