/* bm_strmap.c: a map of byte strings, and its hash (see bm_strmap.h). */
#include "config.h"

#include "bm_strmap.h"

#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"

uint64_t bm_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = bm_mix64(h ^ w) + 0x9E3779B97F4A7C15ULL;
		s += 8;
		n -= 8;
	}
	/* the last 0..7 bytes: two overlapping loads cover them all */
	uint64_t w = 0;
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = a | (uint64_t)b << 32;
	} else if (n)
		w = s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16;
	return bm_mix64(h ^ w ^ ((uint64_t)n << 59));
}

static void sm_rehash(bm_strmap_t *m, size_t nslot)
{
	free(m->slot);
	m->slot = bm_xmalloc(nslot * sizeof *m->slot);
	for (size_t i = 0; i < nslot; i++)
		m->slot[i] = -1;
	m->nslot = nslot;
	for (size_t i = 0; i < m->n; i++) {
		size_t k = m->e[i].hash & (nslot - 1);
		while (m->slot[k] >= 0)
			k = (k + 1) & (nslot - 1);
		m->slot[k] = (int64_t)i;
	}
}

/* Short keys found before are looked up in a small direct-mapped table by
 * their bytes, without hashing them or calling memcmp: a key of 1 to 16
 * bytes is its bytes, zero-padded, in two words, and its length. The keys
 * of one-hot columns and class labels are mostly such, and few. */
#define RECENT 64

static int64_t lookup(bm_strmap_t *m, const char *s, size_t len, bool insert);

static void recent_key(const char *s, size_t len, uint64_t *w0, uint64_t *w1)
{
	char b[16] = {0};
	memcpy(b, s, len);
	memcpy(w0, b, 8);
	memcpy(w1, b + 8, 8);
}

/* The entry for S, added with count 0 when INSERT; -1 when absent. */
int64_t bm_strmap_get(bm_strmap_t *m, const char *s, size_t len, bool insert)
{
	uint64_t w0 = 0, w1 = 0;
	bm_strmap_recent_t *r = NULL;
	if (len >= 1 && len <= 16 && m->recent) {
		recent_key(s, len, &w0, &w1);
		r = &m->recent[bm_strmap_recent_place(w0, w1, len)];
		if (r->len == len && r->w0 == w0 && r->w1 == w1)
			return r->i;
	}
	int64_t i = lookup(m, s, len, insert);
	if (len >= 1 && len <= 16 && i >= 0) {
		if (!m->recent) {
			m->recent = bm_xcalloc(RECENT, sizeof *m->recent);
			recent_key(s, len, &w0, &w1);
			r = &m->recent[bm_strmap_recent_place(w0, w1, len)];
		}
		*r = (bm_strmap_recent_t){w0, w1, len, i};
	}
	return i;
}

/* bm_strmap_get without the table of recent keys. */
static int64_t lookup(bm_strmap_t *m, const char *s, size_t len, bool insert)
{
	if (!m->nslot) {
		if (!insert)
			return -1;
		sm_rehash(m, 16);
	}
	uint64_t h = bm_hash_bytes(s, len, 7);
	size_t k = h & (m->nslot - 1);
	for (;;) {
		int64_t i = m->slot[k];
		if (i < 0)
			break;
		bm_strmap_ent_t *e = &m->e[i];
		if (e->hash == h && e->len == len && memcmp(e->key, s, len) == 0)
			return i;
		k = (k + 1) & (m->nslot - 1);
	}
	if (!insert)
		return -1;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->e = bm_xrealloc(m->e, m->cap * sizeof *m->e);
	}
	int64_t i = (int64_t)m->n++;
	m->e[i] = (bm_strmap_ent_t){bm_xmemdup(s, len), len, h, 0, i};
	m->slot[k] = i;
	if (2 * m->n > m->nslot)
		sm_rehash(m, 2 * m->nslot);
	return i;
}

void bm_strmap_free(bm_strmap_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].key);
	free(m->e);
	free(m->slot);
	free(m->recent);
	memset(m, 0, sizeof *m);
}
