/* bm_hashmap.h: byte strings -> 64-bit counters, for word counting.
 *
 * Open addressing with linear probing over 32-byte slots (two per cache
 * line), each holding the key's hash, its count and the key itself when it
 * is at most 16 bytes (zero-padded; longer keys are copied into an arena and
 * the slot holds a pointer and the length). A lookup of a short key is then
 * one cache line: no pointer to follow, no memcmp call. The stored hash has
 * its top 5 bits replaced by the key length (31 for long keys), so equal
 * stored hashes of short keys mean equal lengths, and growing never
 * rehashes a key. The map doubles when 5/8 full; big arrays double in
 * place (mremap), so memory never holds the old and the new slots at once.
 *
 * Beside the slots, an optional parallel array keeps for each key the
 * caller's position of its first insertion ("first"), written only when a
 * key is added. Keys are never empty. A map is not thread-safe: use one per
 * thread and merge them (bm_hashmap_merge, or bm_hashmap_find and
 * bm_hashmap_add). Iterate with bm_hashmap_next().
 *
 * The hash (bm_hash_bytes) is fixed, unseeded, the same on every platform,
 * and never reads outside the key; output order must not depend on it.
 */
#ifndef BM_HASHMAP_H
#define BM_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bm_arena.h"

typedef struct bm_hm_slot {
	uint64_t tag;   /* 0: empty; else the hash, top 5 bits = min(length, 31 when > 16) */
	uint64_t count;
	union {
		uint8_t b[16]; /* a key of at most 16 bytes, zero-padded */
		struct {
			const uint8_t *p; /* a longer key, in the arena */
			uint64_t len;
		} l;
	} key;
} bm_hm_slot_t;

typedef struct bm_hashmap {
	bm_hm_slot_t *slots;
	uint64_t *first;   /* per slot: position of the key's first insertion, or NULL */
	size_t first_cap;  /* elements allocated for FIRST */
	bool positions;    /* whether FIRST is kept */
	size_t mask;       /* number of slots - 1 (a power of two) */
	size_t n;          /* keys */
	size_t grow_at;    /* double the slots when n reaches this */
	bm_arena_t arena;  /* keys longer than 16 bytes */
} bm_hashmap_t;

/* A key prepared for lookups: hash and, for short keys, its padded bytes. */
typedef struct bm_hm_key {
	uint64_t tag, k0, k1;
	const uint8_t *p;
	size_t len;
} bm_hm_key_t;

/* ---- hashing ---- */

/* Little-endian loads on every platform. */
static inline uint64_t bm_hm_rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void bm_hm_wr64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

static inline uint64_t bm_hm_rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/* Multiply and fold: the 128-bit product's halves xor-ed. */
static inline uint64_t bm_hm_mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t h = (a ^ (b >> 29)) * 0x9e3779b97f4a7c15u;
	return h ^ (h >> 31) ^ (b * 0xd6e8feb86659fd93u);
#endif
}

#define BM_HM_K0 0xa0761d6478bd642full
#define BM_HM_K1 0xe7037ed1a0b428dbull
#define BM_HM_K2 0x8ebc6af09c88c6e3ull
#define BM_HM_LONG 31u

/* The bytes of a key of 1..16 bytes as two zero-padded little-endian words,
 * with overlapping loads only inside the key. */
static inline __attribute__((always_inline)) void bm_hm_pad16(const uint8_t *p, size_t n, uint64_t *k0, uint64_t *k1)
{
	if (n >= 8) {
		*k0 = bm_hm_rd64(p);
		*k1 = n > 8 ? bm_hm_rd64(p + n - 8) >> (8 * (16 - n)) : 0;
	} else if (n >= 4) {
		*k0 = bm_hm_rd32(p) | bm_hm_rd32(p + n - 4) << (8 * (n - 4));
		*k1 = 0;
	} else {
		*k0 = (uint64_t)p[0] | (uint64_t)p[n >> 1] << (8 * (n >> 1)) |
		      (uint64_t)p[n - 1] << (8 * (n - 1));
		*k1 = 0;
	}
}

static inline uint64_t bm_hm_hash_long(const uint8_t *p, size_t n)
{
	uint64_t seed = BM_HM_K0;
	size_t i = n;
	const uint8_t *q = p;
	while (i > 16) {
		seed = bm_hm_mix(bm_hm_rd64(q) ^ BM_HM_K1, bm_hm_rd64(q + 8) ^ seed);
		q += 16;
		i -= 16;
	}
	uint64_t a = bm_hm_rd64(p + n - 16), b = bm_hm_rd64(p + n - 8);
	return bm_hm_mix(BM_HM_K2 ^ n, bm_hm_mix(a ^ BM_HM_K1, b ^ seed));
}

/* Prepare a key of N (1..16) bytes given as zero-padded little-endian words
 * K0, K1 (as bm_hm_pad16 makes them; the caller may have loaded them its
 * own way). */
static inline __attribute__((always_inline)) void bm_hm_key_short(bm_hm_key_t *k, uint64_t k0,
								  uint64_t k1, size_t n)
{
	k->k0 = k0;
	k->k1 = k1;
	k->p = NULL;
	k->len = n;
	uint64_t h = bm_hm_mix(BM_HM_K2 ^ n, bm_hm_mix(k0 ^ BM_HM_K1, k1 ^ BM_HM_K0));
	k->tag = (h & (~0ull >> 5)) | (uint64_t)n << 59;
}

/* Prepare KEY (N >= 1 bytes). A key of more than 16 bytes must stay valid
 * while K is used; a shorter one is copied into K. */
static inline __attribute__((always_inline)) void bm_hm_key(bm_hm_key_t *k, const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h;
	k->p = p;
	k->len = n;
	if (n <= 16) {
		uint64_t k0, k1;
		bm_hm_pad16(p, n, &k0, &k1);
		bm_hm_key_short(k, k0, k1, n);
		k->p = p;
		return;
	} else {
		k->k0 = k->k1 = 0;
		h = bm_hm_hash_long(p, n);
	}
	k->tag = (h & (~0ull >> 5)) | (uint64_t)(n > 16 ? BM_HM_LONG : n) << 59;
}

/* The hash of N >= 1 bytes (as bm_hm_key computes it, without the length bits). */
static inline uint64_t bm_hash_bytes(const void *key, size_t n)
{
	bm_hm_key_t k;
	bm_hm_key(&k, key, n);
	return k.tag & (~0ull >> 5);
}

/* ---- the map ---- */

/* Set up an empty map; -1 when out of memory. bm_hashmap_init keeps first
 * positions; bm_hashmap_init2 only with POSITIONS (20% less memory without). */
int bm_hashmap_init(bm_hashmap_t *m);
int bm_hashmap_init2(bm_hashmap_t *m, bool positions);
void bm_hashmap_free(bm_hashmap_t *m);
/* Make room for N keys without growing; -1 when out of memory. */
int bm_hashmap_reserve(bm_hashmap_t *m, size_t n);

/* Slow path of bm_hashmap_upsert: add K at empty slot S. */
bm_hm_slot_t *bm_hashmap_insert_at(bm_hashmap_t *m, bm_hm_slot_t *s, const bm_hm_key_t *k,
				   uint64_t first);

/* The slot of K, added with count 0 and FIRST when new; NULL when out of memory. */
static inline __attribute__((always_inline)) bm_hm_slot_t *bm_hashmap_upsert(bm_hashmap_t *m, const bm_hm_key_t *k,
					      uint64_t first)
{
	size_t i = k->tag & m->mask;
	for (;;) {
		bm_hm_slot_t *s = &m->slots[i];
		if (s->tag == k->tag) {
			if (k->len <= 16) {
				if (bm_hm_rd64(s->key.b) == k->k0 && bm_hm_rd64(s->key.b + 8) == k->k1)
					return s;
			} else if (s->key.l.len == k->len && memcmp(s->key.l.p, k->p, k->len) == 0) {
				return s;
			}
		} else if (s->tag == 0) {
			return bm_hashmap_insert_at(m, s, k, first);
		}
		i = (i + 1) & m->mask;
	}
}

/* Hint the cache to fetch K's first slot (before a later upsert). */
static inline void bm_hashmap_prefetch(const bm_hashmap_t *m, const bm_hm_key_t *k)
{
	__builtin_prefetch(&m->slots[k->tag & m->mask]);
}

/* The slot of KEY (N >= 1 bytes), or NULL. */
bm_hm_slot_t *bm_hashmap_get(const bm_hashmap_t *m, const void *key, size_t n);

/* The key of a used slot and its length. */
static inline const uint8_t *bm_hm_slot_key(const bm_hm_slot_t *s, size_t *len)
{
	unsigned c = (unsigned)(s->tag >> 59);
	if (c == BM_HM_LONG) {
		*len = (size_t)s->key.l.len;
		return s->key.l.p;
	}
	*len = c;
	return s->key.b;
}

/* The position of the first insertion of a used slot's key (0 when the
 * map keeps no positions). */
static inline uint64_t bm_hm_slot_first(const bm_hashmap_t *m, const bm_hm_slot_t *s)
{
	return m->first ? m->first[s - m->slots] : 0;
}

/* The next used slot after PREV (NULL: the first), NULL at the end. */
static inline bm_hm_slot_t *bm_hashmap_next(const bm_hashmap_t *m, bm_hm_slot_t *prev)
{
	size_t i = prev ? (size_t)(prev - m->slots) + 1 : 0;
	for (; i <= m->mask; i++)
		if (m->slots[i].tag)
			return &m->slots[i];
	return NULL;
}

/* Add every key of SRC into DST: counts summed, FIRST the smaller. SRC's
 * long keys move to DST's arena without copying; SRC is freed
 * (bm_hashmap_init it again to reuse it). Returns 0, -1 when out of memory,
 * -2 when a sum passes UINT64_MAX. */
int bm_hashmap_merge(bm_hashmap_t *dst, bm_hashmap_t *src);

/* Which of NPARTS parts a key belongs to (from hash bits the slot index
 * does not use, so each part spreads over its own map evenly). */
static inline unsigned bm_hm_part(uint64_t tag, unsigned nparts)
{
	return (unsigned)(((tag >> 27) & 0xffffffffu) % nparts);
}

/* The slot of M with the key of LIKE (a used slot of another map), or NULL. */
bm_hm_slot_t *bm_hashmap_find(const bm_hashmap_t *m, const bm_hm_slot_t *like);

/* Add the key and count of used slot S (of another map, or a copy of one)
 * with first position FIRST into DST, as bm_hashmap_merge does for each; a
 * long key must outlive DST. Returns 0, -1 out of memory, -2 overflow. */
int bm_hashmap_add(bm_hashmap_t *dst, const bm_hm_slot_t *s, uint64_t first);

#endif
