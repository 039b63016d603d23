/* bm_labels.c: the label table: ids and bytes in arrays of their own,
 * the index from bytes to id the project's hash table (bm_hashmap). See
 * bm_labels.h. */
#include "config.h"

#include "bm_labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bm_hashmap.h"

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
	bm_hashmap_t index; /* label bytes -> id + 1 */
	int32_t empty;      /* the empty label's id + 1, or 0 */
	size_t nonint;      /* labels that are not integers */
};

bm_labels_t *bm_labels_new(void)
{
	bm_labels_t *t = calloc(1, sizeof *t);
	if (!t || bm_hashmap_init_for(&t->index, false, 64) < 0) {
		free(t);
		bm_seterr("out of memory");
		return NULL;
	}
	return t;
}

void bm_labels_free(bm_labels_t *t)
{
	if (!t)
		return;
	free(t->lab);
	free(t->arena);
	bm_hashmap_free(&t->index);
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

/* Add label S as a new id; the id, or -1 with bm_errmsg(). */
static int32_t add(bm_labels_t *t, const char *s, size_t len)
{
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
	if (len)
		memcpy(t->arena + t->used, s, len);
	t->arena[t->used + len] = '\0';
	t->used += len + 1;
	l->is_int = bm_labels_parse_int(s, len, &l->value);
	if (!l->is_int) {
		l->value = 0;
		t->nonint++;
	}
	return (int32_t)t->n++;
oom:
	bm_seterr("out of memory (%zu labels)", t->n);
	return -1;
}

int32_t bm_labels_intern(bm_labels_t *t, const char *s, size_t len)
{
	if (len == 0) {
		if (!t->empty) {
			int32_t id = add(t, s, 0);
			if (id < 0)
				return -1;
			t->empty = id + 1;
		}
		return t->empty - 1;
	}
	bm_hm_key_t k;
	bm_hm_key(&k, s, len);
	bm_hm_slot_t *sl = bm_hashmap_upsert(&t->index, &k, 0);
	if (!sl) {
		bm_seterr("out of memory (%zu labels)", t->n);
		return -1;
	}
	if (sl->value == 0) {
		int32_t id = add(t, s, len);
		if (id < 0) {
			/* the key stays in the index with value 0: a
			 * later intern of it tries to add it again */
			return -1;
		}
		sl->value = (uint64_t)id + 1;
	}
	return (int32_t)(sl->value - 1);
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
