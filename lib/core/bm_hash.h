/* bm_hash.h: the one hash of byte strings in bm, and its 64-bit mixer.
 *
 * bm_hash_bytes(P, N, SEED) is a 64-bit hash in the style of wyhash: a key
 * of up to 16 bytes is two zero-padded little-endian words mixed by one
 * 64x64->128-bit multiplication (the halves of the product xor-ed); a
 * longer key is folded 16 bytes at a time.
 * It is fixed and the same on every platform for a given SEED (different
 * seeds give unrelated hashes, for a 128-bit fingerprint from two of them),
 * never reads outside the key, and is not meant to resist an attacker: no
 * output order in bm may depend on it. The hash table (bm_hashmap) and
 * through it the string map (bm_strmap), the label table (bm_labels) and
 * the word counter use it with seed 0, entering through bm_hash_short when
 * they have already loaded a short key's words.
 *
 * The pieces a hot loop needs are inline here; bm_hash.c has the rest.
 */
#ifndef BM_HASH_H
#define BM_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Little-endian loads and stores on every platform. */
static inline uint64_t bm_hash_rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t bm_hash_rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline void bm_hash_wr64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/* Multiply and fold: the 128-bit product's halves xor-ed. */
static inline uint64_t bm_hash_mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t h = (a ^ (b >> 29)) * 0x9e3779b97f4a7c15u;
	return h ^ (h >> 31) ^ (b * 0xd6e8feb86659fd93u);
#endif
}

#define BM_HASH_K0 0xa0761d6478bd642full
#define BM_HASH_K1 0xe7037ed1a0b428dbull
#define BM_HASH_K2 0x8ebc6af09c88c6e3ull

/* A 64-bit value mixed into a 64-bit hash (for numbers, and for chaining
 * the hashes of several fields). */
static inline uint64_t bm_mix64(uint64_t x)
{
	return bm_hash_mix(x ^ BM_HASH_K0, BM_HASH_K1);
}

/* The bytes of a key of 1..16 bytes as two zero-padded little-endian words
 * (K0 the first 8), with overlapping loads only inside the key. */
static inline __attribute__((always_inline)) void bm_hash_pad16(const uint8_t *p, size_t n,
								uint64_t *k0, uint64_t *k1)
{
	if (n >= 8) {
		*k0 = bm_hash_rd64(p);
		*k1 = n > 8 ? bm_hash_rd64(p + n - 8) >> (8 * (16 - n)) : 0;
	} else if (n >= 4) {
		*k0 = bm_hash_rd32(p) | bm_hash_rd32(p + n - 4) << (8 * (n - 4));
		*k1 = 0;
	} else {
		*k0 = (uint64_t)p[0] | (uint64_t)p[n >> 1] << (8 * (n >> 1)) |
		      (uint64_t)p[n - 1] << (8 * (n - 1));
		*k1 = 0;
	}
}

/* The words bm_hash_pad16 makes, without a branch on N (0..16): 16 bytes
 * loaded and masked, so P must be followed by at least 16 - N readable
 * bytes (a buffer with slack, such as a bm_csv field). */
static inline __attribute__((always_inline)) void bm_hash_load16(const uint8_t *p, size_t n,
								 uint64_t *k0, uint64_t *k1)
{
	static const uint64_t lo[17] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff,
		0xffffffffffffff, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
	static const uint64_t hi[17] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff,
		0xffffffffffff, 0xffffffffffffff, ~0ull};
	*k0 = bm_hash_rd64(p) & lo[n];
	*k1 = bm_hash_rd64(p + 8) & hi[n];
}

/* bm_hash_bytes of a key of N (0..16) bytes given as its padded words: one
 * multiplication (the length enters beside the second word, so keys that
 * differ only in trailing NULs differ). */
static inline __attribute__((always_inline)) uint64_t bm_hash_short(uint64_t k0, uint64_t k1,
								    size_t n, uint64_t seed)
{
	return bm_hash_mix(k0 ^ BM_HASH_K1 ^ seed, k1 ^ (BM_HASH_K0 + n));
}

/* The hash of the N bytes at P (any N; P may be NULL when N is 0) with SEED. */
uint64_t bm_hash_bytes(const void *p, size_t n, uint64_t seed);

/* bm_hash_bytes of a key of N > 16 bytes. */
uint64_t bm_hash_long(const uint8_t *p, size_t n, uint64_t seed);

#endif
