/* bm_hashmap.h: the one hash table in bm: byte strings -> 64-bit values.
 *
 * The word counter keeps counts in it (one map per thread, merged); the
 * string map (bm_strmap) and the label table (bm_labels) keep an index into
 * their own arrays of entries (index + 1: a new key's value is 0). All keys
 * are byte strings, so one table serves all three, as one khash
 * instantiation would; what differs (counting, first positions, merging)
 * is in functions a user calls or not.
 *
 * Open addressing with linear probing over 32-byte slots (two per cache
 * line), each holding the key's hash, its value and the key itself when it
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
 * The hash is bm_hash_bytes with seed 0 (bm_hash.h): fixed, the same on
 * every platform, never reading outside the key; output order must not
 * depend on it.
 */
#ifndef BM_HASHMAP_H
#define BM_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bm_arena.h"
#include "bm_hash.h"

typedef struct bm_hm_slot {
	uint64_t tag;   /* 0: empty; else the hash, top 5 bits = min(length, 31 when > 16) */
	union {
		uint64_t count; /* the word counter's name for the value */
		uint64_t value; /* 0 when the key was just added */
	};
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

/* ---- keys ---- */

#define BM_HM_LONG 31u

/* The stored hash of a key of N (1..16) bytes given as its padded words. */
static inline __attribute__((always_inline)) uint64_t bm_hm_tag_short(uint64_t k0, uint64_t k1,
								      size_t n)
{
	return (bm_hash_short(k0, k1, n, 0) & (~0ull >> 5)) | (uint64_t)n << 59;
}

/* Prepare a key of N (1..16) bytes given as zero-padded little-endian words
 * K0, K1 (as bm_hash_pad16 makes them; the caller may have loaded them its
 * own way). */
static inline __attribute__((always_inline)) void bm_hm_key_short(bm_hm_key_t *k, uint64_t k0,
								  uint64_t k1, size_t n)
{
	k->k0 = k0;
	k->k1 = k1;
	k->p = NULL;
	k->len = n;
	k->tag = bm_hm_tag_short(k0, k1, n);
}

/* Prepare KEY (N >= 1 bytes). A key of more than 16 bytes must stay valid
 * while K is used; a shorter one is copied into K. */
static inline __attribute__((always_inline)) void bm_hm_key(bm_hm_key_t *k, const void *key, size_t n)
{
	const uint8_t *p = key;
	if (n <= 16) {
		uint64_t k0, k1;
		bm_hash_pad16(p, n, &k0, &k1);
		bm_hm_key_short(k, k0, k1, n);
		k->p = p;
		return;
	}
	k->p = p;
	k->len = n;
	k->k0 = k->k1 = 0;
	k->tag = (bm_hash_long(p, n, 0) & (~0ull >> 5)) | (uint64_t)BM_HM_LONG << 59;
}

/* ---- the map ---- */

/* Set up an empty map; -1 when out of memory. bm_hashmap_init keeps first
 * positions; bm_hashmap_init2 only with POSITIONS (20% less memory without);
 * both start with room for 640 keys, bm_hashmap_init_for with room for
 * KEYS (at least 10) without growing. */
int bm_hashmap_init(bm_hashmap_t *m);
int bm_hashmap_init2(bm_hashmap_t *m, bool positions);
int bm_hashmap_init_for(bm_hashmap_t *m, bool positions, size_t keys);
void bm_hashmap_free(bm_hashmap_t *m);
/* Make room for N keys without growing; -1 when out of memory. */
int bm_hashmap_reserve(bm_hashmap_t *m, size_t n);

/* Slow path of bm_hashmap_upsert: add K at empty slot S. */
bm_hm_slot_t *bm_hashmap_insert_at(bm_hashmap_t *m, bm_hm_slot_t *s, const bm_hm_key_t *k,
				   uint64_t first);

/* The slot of K, added with value 0 and FIRST when new; NULL when out of memory. */
static inline __attribute__((always_inline)) bm_hm_slot_t *bm_hashmap_upsert(bm_hashmap_t *m, const bm_hm_key_t *k,
					      uint64_t first)
{
	size_t i = k->tag & m->mask;
	for (;;) {
		bm_hm_slot_t *s = &m->slots[i];
		if (s->tag == k->tag) {
			if (k->len <= 16) {
				if (bm_hash_rd64(s->key.b) == k->k0 && bm_hash_rd64(s->key.b + 8) == k->k1)
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

/* The slot of the short key (K0, K1) with stored hash TAG (bm_hm_tag_short),
 * or NULL; M must be set up. */
static inline __attribute__((always_inline)) bm_hm_slot_t *bm_hashmap_find_short(const bm_hashmap_t *m,
										 uint64_t tag, uint64_t k0,
										 uint64_t k1)
{
	for (size_t i = tag & m->mask;; i = (i + 1) & m->mask) {
		bm_hm_slot_t *s = &m->slots[i];
		if (s->tag == tag && bm_hash_rd64(s->key.b) == k0 && bm_hash_rd64(s->key.b + 8) == k1)
			return s;
		if (s->tag == 0)
			return NULL;
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
