/* bm_strmap.h: a map of byte strings to entries (distinct values with a
 * count and an id), for bm-clean's categories, classes and modes.
 *
 * Entries stay in insertion order in e[0..n) (an entry's index never
 * changes); id starts as the index and is the caller's to renumber (e.g.
 * after sorting). The index from key to entry is the project's hash table
 * (bm_hashmap, hashing with bm_hash.h, which this header also gives its
 * users). Out of memory ends the program through bm_xmalloc's handler
 * (bm_cli.h), the one documented exception to lib/ never exiting.
 */
#ifndef BM_STRMAP_H
#define BM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_hash.h"
#include "bm_hashmap.h"

typedef struct {
	char *key;      /* NUL-terminated copy */
	size_t len;
	uint64_t count;
	int64_t id;
} bm_strmap_ent_t;

typedef struct {
	bm_strmap_ent_t *e;
	size_t n, cap;
	bm_hashmap_t *index; /* key -> entry index + 1; made at the first insert */
	int64_t empty;       /* the empty key's entry index + 1, or 0 */
} bm_strmap_t;          /* zeroed: empty */

/* The index of S[0..len) in M, added with count 0 when INSERT; -1 when
 * absent. */
int64_t bm_strmap_get(bm_strmap_t *m, const char *s, size_t len, bool insert);

/* bm_strmap_get for S followed by at least 16 readable bytes (a bm_csv
 * field): a short key present in M is read in two loads masked by its
 * length, without a branch on it, and found without a call. */
static inline int64_t bm_strmap_get_padded(bm_strmap_t *m, const char *s, size_t len, bool insert)
{
	if (len - 1 < 16 && m->index) {
		uint64_t k0, k1;
		bm_hash_load16((const uint8_t *)s, len, &k0, &k1);
		const bm_hm_slot_t *sl =
			bm_hashmap_find_short(m->index, bm_hm_tag_short(k0, k1, len), k0, k1);
		if (sl)
			return (int64_t)sl->value - 1;
	}
	return bm_strmap_get(m, s, len, insert);
}

void bm_strmap_free(bm_strmap_t *m); /* and zero it */

#endif
