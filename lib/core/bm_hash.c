/* bm_hash.c: the hash of byte strings (see bm_hash.h). */
#include "config.h"

#include "bm_hash.h"

uint64_t bm_hash_long(const uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t h = BM_HASH_K0;
	size_t i = n;
	const uint8_t *q = p;
	while (i > 16) {
		h = bm_hash_mix(bm_hash_rd64(q) ^ BM_HASH_K1 ^ seed, bm_hash_rd64(q + 8) ^ h);
		q += 16;
		i -= 16;
	}
	uint64_t a = bm_hash_rd64(p + n - 16), b = bm_hash_rd64(p + n - 8);
	return bm_hash_mix(BM_HASH_K2 ^ n, bm_hash_mix(a ^ BM_HASH_K1 ^ seed, b ^ h));
}

uint64_t bm_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	if (n > 16)
		return bm_hash_long(p, n, seed);
	uint64_t k0 = 0, k1 = 0;
	if (n)
		bm_hash_pad16(p, n, &k0, &k1);
	return bm_hash_short(k0, k1, n, seed);
}
