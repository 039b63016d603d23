/* bm_strmap.h: a map of byte strings (distinct values with a count and an
 * id), and the 64-bit hash it uses.
 *
 * Entries stay in insertion order in e[0..n) (an entry's index never
 * changes); id starts as the index and is the caller's to renumber (e.g.
 * after sorting). Open addressing, linear probing, at most half full.
 * Out of memory ends the program (bm_die).
 */
#ifndef BM_STRMAP_H
#define BM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *key;      /* NUL-terminated copy */
	size_t len;
	uint64_t hash, count;
	int64_t id;
} bm_strmap_ent_t;

/* A recently found key of 1 to 16 bytes, by its bytes (see
 * bm_strmap_recent_place). */
typedef struct {
	uint64_t w0, w1, len; /* len 0: an empty place */
	int64_t i;            /* its index in e */
} bm_strmap_recent_t;

typedef struct {
	bm_strmap_ent_t *e;
	size_t n, cap;
	int64_t *slot;  /* -1 or an index into e */
	size_t nslot;
	bm_strmap_recent_t *recent; /* 64 places (bm_strmap.c), or NULL */
} bm_strmap_t;      /* zeroed: empty */

/* The index of S[0..len) in M, added with count 0 when INSERT; -1 when
 * absent. */
int64_t bm_strmap_get(bm_strmap_t *m, const char *s, size_t len, bool insert);

/* A key of 1 to 16 bytes in the table of recent keys: its bytes, zeroed
 * after the end, as two words (W0 the first 8). */
static inline size_t bm_strmap_recent_place(uint64_t w0, uint64_t w1, size_t len)
{
	return (size_t)(((w0 ^ (w1 * 0x9E3779B97F4A7C15ULL) ^ len) * 0xD6E8FEB86659FD93ULL) >> 58); /* 0..63 */
}

/* bm_strmap_get for S followed by at least 16 readable bytes (a bm_csv
 * field): a short key found recently is read in two loads and masked by
 * its length, without a branch on it, and found without a call. */
static inline int64_t bm_strmap_get_padded(bm_strmap_t *m, const char *s, size_t len, bool insert)
{
	/* bytes [8 - n, 16 - n): n bytes of ones, then zeros, in any byte order */
	static const unsigned char keep[16] = {255, 255, 255, 255, 255, 255, 255, 255};
	if (len - 1 < 16 && m->recent) {
		uint64_t w0, w1, m0, m1;
		size_t l0 = len < 8 ? len : 8, l1 = len - l0; /* 1..8, 0..8 bytes */
		__builtin_memcpy(&w0, s, 8);
		__builtin_memcpy(&w1, s + 8, 8);
		__builtin_memcpy(&m0, keep + 8 - l0, 8);
		__builtin_memcpy(&m1, keep + 8 - l1, 8);
		w0 &= m0;
		w1 &= m1;
		const bm_strmap_recent_t *r = &m->recent[bm_strmap_recent_place(w0, w1, len)];
		if (r->len == len && r->w0 == w0 && r->w1 == w1)
			return r->i;
	}
	return bm_strmap_get(m, s, len, insert);
}

void bm_strmap_free(bm_strmap_t *m); /* and zero it */

/* A 64-bit hash of P[0..n) with SEED, and the finalizer it uses. */
uint64_t bm_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t bm_mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}

#endif
