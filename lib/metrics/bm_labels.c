/* bm_labels.c: the label table (open addressing over an arena of label
 * bytes). See bm_labels.h. */
#include "config.h"

#include "bm_labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	size_t off; /* in arena */
	size_t len;
	int64_t value;
	bool is_int;
} bm_label_t;

struct bm_labels {
	bm_label_t *lab;
	size_t n, cap;
	char *arena;
	size_t used, acap;
	int32_t *slot; /* hash slots: id or -1 */
	uint64_t *hash; /* hash of each id, so growing needs no rehash of bytes */
	size_t nslot;  /* power of two */
	size_t nonint; /* labels that are not integers */
	/* a direct-mapped cache of short labels (up to 7 bytes, packed with
	 * their length into one word): most label files hold a few short
	 * labels, and this skips hashing them */
	uint64_t ckey[256];
	int32_t cid[256];
};

static inline bool short_key(const char *s, size_t len, uint64_t *key)
{
	if (len > 7)
		return false;
	uint64_t w = 0; /* a byte loop: memcpy of a variable length stalls the load after it */
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	*key = w | (uint64_t)(len + 1) << 56; /* never 0: an empty slot is 0 */
	return true;
}

static inline size_t short_slot(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 56);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	/* FNV-1a, then a final mix so low bits are usable. */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

bm_labels_t *bm_labels_new(void)
{
	bm_labels_t *t = calloc(1, sizeof *t);
	if (!t) {
		bm_seterr("out of memory");
		return NULL;
	}
	t->nslot = 64;
	t->slot = malloc(t->nslot * sizeof *t->slot);
	if (!t->slot) {
		free(t);
		bm_seterr("out of memory");
		return NULL;
	}
	memset(t->slot, 0xff, t->nslot * sizeof *t->slot);
	return t;
}

void bm_labels_free(bm_labels_t *t)
{
	if (!t)
		return;
	free(t->lab);
	free(t->arena);
	free(t->slot);
	free(t->hash);
	free(t);
}

bool bm_labels_parse_int(const char *s, size_t len, int64_t *v)
{
	size_t i = 0;
	bool neg = false;
	if (len && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return false;
	uint64_t x = 0;
	const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return false;
		if (x > (lim - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return true;
}

static int grow_slots(bm_labels_t *t)
{
	size_t ns = t->nslot * 2;
	int32_t *slot = malloc(ns * sizeof *slot);
	if (!slot)
		return -1;
	memset(slot, 0xff, ns * sizeof *slot);
	for (size_t id = 0; id < t->n; id++) {
		size_t j = t->hash[id] & (ns - 1);
		while (slot[j] >= 0)
			j = (j + 1) & (ns - 1);
		slot[j] = (int32_t)id;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = ns;
	return 0;
}

static int32_t intern_slow(bm_labels_t *t, const char *s, size_t len);

int32_t bm_labels_intern(bm_labels_t *t, const char *s, size_t len)
{
	uint64_t key;
	if (!short_key(s, len, &key))
		return intern_slow(t, s, len);
	size_t c = short_slot(key);
	if (t->ckey[c] == key)
		return t->cid[c];
	int32_t id = intern_slow(t, s, len);
	if (id >= 0) {
		t->ckey[c] = key;
		t->cid[c] = id;
	}
	return id;
}

static int32_t intern_slow(bm_labels_t *t, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len);
	size_t mask = t->nslot - 1, j = h & mask;
	for (int32_t id; (id = t->slot[j]) >= 0; j = (j + 1) & mask) {
		const bm_label_t *l = &t->lab[id];
		if (t->hash[id] == h && l->len == len && memcmp(t->arena + l->off, s, len) == 0)
			return id;
	}
	/* a new label */
	if (t->n >= INT32_MAX) {
		bm_seterr("more than %d distinct labels", INT32_MAX);
		return -1;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		bm_label_t *lab = realloc(t->lab, nc * sizeof *lab);
		if (!lab)
			goto oom;
		t->lab = lab;
		uint64_t *hash = realloc(t->hash, nc * sizeof *hash);
		if (!hash)
			goto oom;
		t->hash = hash;
		t->cap = nc;
	}
	if (t->acap - t->used < len + 1) {
		size_t nc = t->acap ? t->acap : 4096;
		while (nc - t->used < len + 1)
			nc *= 2;
		char *a = realloc(t->arena, nc);
		if (!a)
			goto oom;
		t->arena = a;
		t->acap = nc;
	}
	bm_label_t *l = &t->lab[t->n];
	l->off = t->used;
	l->len = len;
	memcpy(t->arena + t->used, s, len);
	t->arena[t->used + len] = '\0';
	t->used += len + 1;
	l->is_int = bm_labels_parse_int(s, len, &l->value);
	if (!l->is_int) {
		l->value = 0;
		t->nonint++;
	}
	t->hash[t->n] = h;
	t->slot[j] = (int32_t)t->n;
	int32_t id = (int32_t)t->n++;
	if (t->n * 2 > t->nslot && grow_slots(t) < 0)
		goto oom;
	return id;
oom:
	bm_seterr("out of memory (%zu labels)", t->n);
	return -1;
}

size_t bm_labels_count(const bm_labels_t *t) { return t->n; }
bool bm_labels_all_int(const bm_labels_t *t) { return t->nonint == 0; }

const char *bm_labels_str(const bm_labels_t *t, int32_t id, size_t *len)
{
	*len = t->lab[id].len;
	return t->arena + t->lab[id].off;
}

int64_t bm_labels_int(const bm_labels_t *t, int32_t id) { return t->lab[id].value; }

/* qsort has no context argument in C11: the table being sorted. */
static const bm_labels_t *sort_tab;

static int cmp_int(const void *a, const void *b)
{
	int64_t x = sort_tab->lab[*(const int32_t *)a].value;
	int64_t y = sort_tab->lab[*(const int32_t *)b].value;
	return (x > y) - (x < y);
}

static int cmp_bytes(const void *a, const void *b)
{
	const bm_label_t *x = &sort_tab->lab[*(const int32_t *)a];
	const bm_label_t *y = &sort_tab->lab[*(const int32_t *)b];
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(sort_tab->arena + x->off, sort_tab->arena + y->off, m);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

size_t bm_labels_order(const bm_labels_t *t, int32_t *map, int32_t *rep)
{
	if (t->n == 0)
		return 0;
	/* rep doubles as the sort buffer, compacted in place afterwards */
	for (size_t i = 0; i < t->n; i++)
		rep[i] = (int32_t)i;
	bool num = bm_labels_all_int(t);
	int (*cmp)(const void *, const void *) = num ? cmp_int : cmp_bytes;
	sort_tab = t;
	qsort(rep, t->n, sizeof *rep, cmp);
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (i > 0 && cmp(&rep[i - 1], &rep[i]) == 0) {
			map[rep[i]] = (int32_t)(k - 1);
			continue;
		}
		map[rep[i]] = (int32_t)k;
		rep[k++] = rep[i];
	}
	sort_tab = NULL;
	return k;
}
