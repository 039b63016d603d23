/* bm_strmap.c: a map of byte strings to entries (see bm_strmap.h). */
#include "config.h"

#include "bm_strmap.h"

#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"

/* Entries for a few categories at first; the index grows as needed. */
#define FIRST_KEYS 10

/* The index could not grow: end as bm_xmalloc does when memory runs out. */
static void index_oom(void)
{
	bm_xmalloc(SIZE_MAX);
}

/* Add S[0..len) as a new entry; its index. */
static int64_t add(bm_strmap_t *m, const char *s, size_t len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->e = bm_xrealloc(m->e, m->cap * sizeof *m->e);
	}
	int64_t i = (int64_t)m->n++;
	m->e[i] = (bm_strmap_ent_t){bm_xmemdup(s, len), len, 0, i};
	return i;
}

int64_t bm_strmap_get(bm_strmap_t *m, const char *s, size_t len, bool insert)
{
	if (len == 0) {
		if (!m->empty && insert)
			m->empty = add(m, s, 0) + 1;
		return m->empty - 1;
	}
	if (!m->index) {
		if (!insert)
			return -1;
		m->index = bm_xmalloc(sizeof *m->index);
		if (bm_hashmap_init_for(m->index, false, FIRST_KEYS) < 0)
			index_oom();
	}
	if (!insert) {
		const bm_hm_slot_t *sl = bm_hashmap_get(m->index, s, len);
		return sl ? (int64_t)sl->value - 1 : -1;
	}
	bm_hm_key_t k;
	bm_hm_key(&k, s, len);
	bm_hm_slot_t *sl = bm_hashmap_upsert(m->index, &k, 0);
	if (!sl)
		index_oom();
	if (sl->value == 0)
		sl->value = (uint64_t)add(m, s, len) + 1;
	return (int64_t)sl->value - 1;
}

void bm_strmap_free(bm_strmap_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].key);
	free(m->e);
	if (m->index)
		bm_hashmap_free(m->index);
	free(m->index);
	memset(m, 0, sizeof *m);
}
