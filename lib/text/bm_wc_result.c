/* bm_wc_result.c: the result of a count (see bm_wc_int.h).
 *
 * Combining, in parallel: each map lists its keys by part (a function of
 * the hash), each part gathers its keys from every list into a map of its
 * own. Sorting, in parallel too: each part is sorted into a run (a top-N
 * selected first); the runs are merged (a heap of runs) as the result is
 * read or the lines are written. Every step gives the same result for any
 * number of threads, and the order of the output depends on counts and
 * words only (or on positions in the input, for --sort=none), never on the
 * hash. The parallel steps are bm_pool jobs of one task per part.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bm_pool.h"
#include "bm_wc_int.h"

/* The used slots of one map that belong to another part (their indices),
 * and a part's keys that its map lacks (copies). */
typedef struct wc_list {
	size_t *idx;
	size_t n;
} wc_list_t;

typedef struct wc_copy {
	bm_hm_slot_t s;
	uint64_t first;
} wc_copy_t;

/* The state of bm_wc_combine, shared by its tasks. */
typedef struct wc_combine {
	bm_wc_t *wc;
	unsigned n;       /* maps and parts */
	wc_list_t *lists; /* lists[map * n + part] */
	wc_list_t *news;  /* per part: the number of copies */
	wc_copy_t **copies;
	int *rc;          /* per task: 0, -1 out of memory, -2 overflow */
} wc_combine_t;

/* bm_pool task T: list the slots of map T that other parts own. */
static void scatter_task(void *arg, int t, int worker)
{
	(void)worker;
	wc_combine_t *x = arg;
	const bm_hashmap_t *m = &x->wc->ctx[t].map;
	unsigned np = x->n;
	wc_list_t *l = &x->lists[(size_t)t * np];
	if (m->n == 0)
		return;
	for (size_t j = 0; j <= m->mask; j++)
		if (m->slots[j].tag)
			l[bm_hm_part(m->slots[j].tag, np)].n++;
	l[t].n = 0;
	for (unsigned p = 0; p < np; p++) {
		if (l[p].n && !(l[p].idx = malloc(l[p].n * sizeof *l[p].idx))) {
			x->rc[t] = -1;
			return;
		}
		l[p].n = 0;
	}
	for (size_t j = 0; j <= m->mask; j++) {
		unsigned p;
		if (m->slots[j].tag && (p = bm_hm_part(m->slots[j].tag, np)) != (unsigned)t)
			l[p].idx[l[p].n++] = j;
	}
}

/* bm_pool task T: add into map T the other maps' counts of the keys it
 * has; copy those it lacks. Nothing grows here, so every map can be read
 * by all. */
static void gather_task(void *arg, int t, int worker)
{
	(void)worker;
	wc_combine_t *x = arg;
	bm_wc_t *wc = x->wc;
	bm_hashmap_t *dst = &wc->ctx[t].map;
	wc_list_t *news = &x->news[t];
	size_t cap = 0;
	for (unsigned c = 0; c < x->n && x->rc[t] == 0; c++) {
		const wc_list_t *l = &x->lists[(size_t)c * x->n + (unsigned)t];
		const bm_hashmap_t *src = &wc->ctx[c].map;
		for (size_t i = 0; i < l->n; i++) {
			if (i + 8 < l->n)
				__builtin_prefetch(&src->slots[l->idx[i + 8]]);
			const bm_hm_slot_t *s = &src->slots[l->idx[i]];
			uint64_t first = bm_hm_slot_first(src, s);
			bm_hm_slot_t *d = bm_hashmap_find(dst, s);
			if (d) {
				if (d->count > UINT64_MAX - s->count) {
					x->rc[t] = -2;
					break;
				}
				d->count += s->count;
				if (dst->first && first < dst->first[d - dst->slots])
					dst->first[d - dst->slots] = first;
				continue;
			}
			if (news->n == cap) {
				cap = cap ? 2 * cap : 1024;
				wc_copy_t *v = realloc(x->copies[t], cap * sizeof *v);
				if (!v) {
					x->rc[t] = -1;
					break;
				}
				x->copies[t] = v;
			}
			x->copies[t][news->n++] = (wc_copy_t){*s, first};
		}
	}
}

/* bm_pool task T: add the copied keys map T lacked (it may grow now). */
static void insert_task(void *arg, int t, int worker)
{
	(void)worker;
	wc_combine_t *x = arg;
	const wc_copy_t *v = x->copies[t];
	for (size_t i = 0; i < x->news[t].n && x->rc[t] == 0; i++)
		x->rc[t] = bm_hashmap_add(&x->wc->ctx[t].map, &v[i].s, v[i].first);
}

static void free_lists(wc_combine_t *x)
{
	if (x->lists)
		for (size_t i = 0; i < (size_t)x->n * x->n; i++)
			free(x->lists[i].idx);
	free(x->lists);
	x->lists = NULL;
}

int bm_wc_combine(bm_wc_t *wc)
{
	unsigned n = (unsigned)wc->nctx;
	wc->nparts = n;
	if (n == 1)
		return 0;
	/* Three steps, each a job of one task per map: every map lists its
	 * slots of other parts; adds the others' counts of its part into
	 * itself, copying the keys it lacks (no map grows meanwhile, so all
	 * can be read); inserts those. */
	wc_combine_t x = {wc, n, calloc((size_t)n * n, sizeof *x.lists), calloc(n, sizeof *x.news),
			  calloc(n, sizeof *x.copies), calloc(n, sizeof *x.rc)};
	int rc = x.lists && x.news && x.copies && x.rc ? 0 : -1;
	bm_pool_fn *steps[] = {scatter_task, gather_task, insert_task};
	for (size_t step = 0; step < 3 && rc == 0; step++) {
		bm_pool_run((int)n, (int)n, steps[step], &x);
		for (unsigned t = 0; t < n; t++)
			rc = rc ? rc : x.rc[t];
		if (step == 1)
			free_lists(&x);
	}
	free_lists(&x);
	if (x.copies)
		for (unsigned t = 0; t < n; t++)
			free(x.copies[t]);
	free(x.copies);
	free(x.news);
	free(x.rc);
	if (rc < 0) {
		bm_seterr("%s", rc == -2 ? "a count passes 18446744073709551615" : "out of memory");
		return -1;
	}
	return 0;
}

/* ---- sorting ---- */

/* First 8 bytes, big-endian, zero-padded: compares like the bytes. */
static inline uint64_t prefix8(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t k = n < 8 ? n : 8;
	for (size_t i = 0; i < k; i++)
		v |= (uint64_t)p[i] << (56 - 8 * i);
	return v;
}

static inline int item_cmp(const bm_wc_item_t *a, const bm_wc_item_t *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	size_t la, lb;
	const uint8_t *x = bm_hm_slot_key(a->s, &la), *y = bm_hm_slot_key(b->s, &lb);
	int c = memcmp(x, y, la < lb ? la : lb);
	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

static int item_qcmp(const void *a, const void *b)
{
	return item_cmp(a, b);
}

static inline void swap_items(bm_wc_item_t *a, bm_wc_item_t *b)
{
	bm_wc_item_t t = *a;
	*a = *b;
	*b = t;
}

static void insertion_sort(bm_wc_item_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		bm_wc_item_t x = v[i];
		size_t j = i;
		for (; j > 0 && item_cmp(&x, &v[j - 1]) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Hoare partition of V[0..N) (N > 16) around a median of three; returns J
 * with V[0..J] <= pivot <= V[J+1..N), both parts non-empty (keys are
 * distinct). */
static size_t partition(bm_wc_item_t *v, size_t n)
{
	size_t mid = n / 2;
	if (item_cmp(&v[mid], &v[0]) < 0)
		swap_items(&v[mid], &v[0]);
	if (item_cmp(&v[n - 1], &v[0]) < 0)
		swap_items(&v[n - 1], &v[0]);
	if (item_cmp(&v[n - 1], &v[mid]) < 0)
		swap_items(&v[n - 1], &v[mid]);
	bm_wc_item_t pivot = v[mid];
	size_t i = 0, j = n - 1;
	for (;;) {
		while (item_cmp(&v[i], &pivot) < 0)
			i++;
		while (item_cmp(&pivot, &v[j]) < 0)
			j--;
		if (i >= j)
			return j;
		swap_items(&v[i], &v[j]);
		i++;
		j--;
	}
}

/* Quicksort with the comparison inlined; qsort() past a depth limit. */
static void sort_items(bm_wc_item_t *v, size_t n, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			qsort(v, n, sizeof *v, item_qcmp);
			return;
		}
		size_t j = partition(v, n) + 1;
		if (j < n - j) {
			sort_items(v, j, depth);
			v += j;
			n -= j;
		} else {
			sort_items(v + j, n - j, depth);
			n = j;
		}
	}
	insertion_sort(v, n);
}

/* Rearrange V so that its K smallest come first (in any order). */
static void select_k(bm_wc_item_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* the boundary K lies in [lo, hi] */
	while (hi - lo > 16) {
		size_t j = lo + partition(v + lo, hi - lo);
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	insertion_sort(v + lo, hi - lo);
}

/* The parameters of a sort, shared by its tasks. */
typedef struct wc_sort {
	bm_wc_t *wc;
	bm_wc_sort_t order;
	uint64_t min_count, top;
	int *rc; /* per task: 0, or -1 out of memory */
} wc_sort_t;

/* bm_pool task T: sort part T of the result into run T. */
static void sort_task(void *arg, int t, int worker)
{
	(void)worker;
	const wc_sort_t *k = arg;
	bm_wc_t *wc = k->wc;
	const bm_hashmap_t *m = &wc->ctx[t].map;
	bm_wc_run_t *r = &wc->runs[t];
	free(r->v);
	r->n = 0;
	r->v = malloc((m->n ? m->n : 1) * sizeof *r->v);
	if (!r->v) {
		k->rc[t] = -1;
		return;
	}
	size_t n = 0;
	for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s)) {
		if (s->count < k->min_count || !bm_wc_owned(wc, (unsigned)t, s))
			continue;
		bm_wc_item_t *it = &r->v[n++];
		it->s = s;
		size_t len;
		const uint8_t *w = bm_hm_slot_key(s, &len);
		switch (k->order) {
		case BM_WC_SORT_COUNT:
			it->k1 = ~s->count;
			it->k2 = prefix8(w, len);
			break;
		case BM_WC_SORT_WORD:
			it->k1 = prefix8(w, len);
			it->k2 = len > 8 ? prefix8(w + 8, len - 8) : 0;
			break;
		default:
			it->k1 = bm_hm_slot_first(m, s);
			it->k2 = 0;
			break;
		}
	}
	if (k->top < n) {
		select_k(r->v, n, (size_t)k->top);
		n = (size_t)k->top;
	}
	sort_items(r->v, n, 64);
	r->n = n;
}

/* Sort every part (in parallel), for merging the runs. */
static int sort_runs(bm_wc_t *wc, bm_wc_sort_t order, uint64_t min_count, uint64_t top)
{
	if (order == BM_WC_SORT_NONE && !wc->o.positions) {
		bm_seterr("the order of first appearance needs positions (bm_wc_opts_t.positions)");
		return -1;
	}
	unsigned np = wc->nparts ? wc->nparts : 1;
	if (!wc->runs && !(wc->runs = calloc(np, sizeof *wc->runs))) {
		bm_seterr("out of memory");
		return -1;
	}
	wc_sort_t k = {wc, order, min_count < 1 ? 1 : min_count, top, calloc(np, sizeof *k.rc)};
	if (!k.rc) {
		bm_seterr("out of memory");
		return -1;
	}
	bm_pool_run((int)wc->nparts, (int)wc->nparts, sort_task, &k);
	int rc = 0;
	for (unsigned t = 0; t < wc->nparts; t++)
		rc |= k.rc[t];
	free(k.rc);
	if (rc) {
		bm_seterr("out of memory");
		return -1;
	}
	return 0;
}

/* A k-way merge of the sorted runs: a binary heap of run numbers. */
typedef struct wc_merge {
	bm_wc_run_t *runs;
	unsigned *heap, n;
	size_t *pos;
} wc_merge_t;

static inline bool run_less(const wc_merge_t *g, unsigned a, unsigned b)
{
	return item_cmp(&g->runs[a].v[g->pos[a]], &g->runs[b].v[g->pos[b]]) < 0;
}

static void sift_down(wc_merge_t *g, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		if (l < g->n && run_less(g, g->heap[l], g->heap[m]))
			m = l;
		if (l + 1 < g->n && run_less(g, g->heap[l + 1], g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		unsigned t = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = t;
		i = m;
	}
}

static int merge_start(bm_wc_t *wc, wc_merge_t *g)
{
	g->runs = wc->runs;
	g->n = 0;
	g->heap = calloc(wc->nparts + 1, sizeof *g->heap);
	g->pos = calloc(wc->nparts + 1, sizeof *g->pos);
	if (!g->heap || !g->pos) {
		free(g->heap);
		free(g->pos);
		bm_seterr("out of memory");
		return -1;
	}
	for (unsigned t = 0; t < wc->nparts; t++)
		if (wc->runs[t].n)
			g->heap[g->n++] = t;
	for (unsigned i = g->n / 2; i-- > 0;)
		sift_down(g, i);
	return 0;
}

/* The next item in order, or NULL at the end. */
static const bm_hm_slot_t *merge_next(wc_merge_t *g)
{
	if (g->n == 0)
		return NULL;
	unsigned r = g->heap[0];
	const bm_hm_slot_t *s = g->runs[r].v[g->pos[r]].s;
	if (g->pos[r] + 16 < g->runs[r].n) /* the slots are all over memory */
		__builtin_prefetch(g->runs[r].v[g->pos[r] + 16].s);
	if (++g->pos[r] == g->runs[r].n)
		g->heap[0] = g->heap[--g->n];
	if (g->n > 1)
		sift_down(g, 0);
	return s;
}

static void merge_end(wc_merge_t *g)
{
	free(g->heap);
	free(g->pos);
}

ptrdiff_t bm_wc_result(bm_wc_t *wc, bm_wc_sort_t order, uint64_t min_count, uint64_t top,
		       const bm_wc_word_t **out)
{
	if (sort_runs(wc, order, min_count, top) < 0)
		return -1;
	size_t total = 0;
	for (unsigned t = 0; t < wc->nparts; t++)
		total += wc->runs[t].n;
	if (top < total)
		total = (size_t)top;
	free(wc->view);
	wc->view = malloc((total ? total : 1) * sizeof *wc->view);
	wc_merge_t g;
	if (!wc->view) {
		bm_seterr("out of memory");
		return -1;
	}
	if (merge_start(wc, &g) < 0)
		return -1;
	for (size_t k = 0; k < total; k++) {
		const bm_hm_slot_t *s = merge_next(&g);
		wc->view[k].word = bm_hm_slot_key(s, &wc->view[k].len);
		wc->view[k].count = s->count;
	}
	merge_end(&g);
	*out = wc->view;
	return (ptrdiff_t)total;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*p++ = tmp[--k];
	return p;
}

int bm_wc_write(bm_wc_t *wc, bm_out_t *out, bm_wc_sort_t order, uint64_t min_count,
		uint64_t top, bm_wc_format_t format)
{
	if (sort_runs(wc, order, min_count, top) < 0)
		return -1;
	enum { BUF = 1 << 16 };
	char *buf = malloc(BUF);
	wc_merge_t g;
	if (!buf) {
		bm_seterr("out of memory");
		return -1;
	}
	if (merge_start(wc, &g) < 0) {
		free(buf);
		return -1;
	}
	char sep = format == BM_WC_SPACE ? ' ' : '\t';
	size_t used = 0;
	int rc = 0;
	const bm_hm_slot_t *s;
	for (uint64_t k = 0; k < top && rc == 0 && (s = merge_next(&g)); k++) {
		size_t len;
		const uint8_t *w = bm_hm_slot_key(s, &len);
		if (used + len + 22 > BUF) {
			rc = bm_out_write(out, buf, used);
			used = 0;
			if (rc < 0)
				break;
		}
		if (len + 22 > BUF) {
			rc = bm_out_write(out, w, len);
			if (rc < 0)
				break;
		} else {
			memcpy(buf + used, w, len);
			used += len;
		}
		char *p = buf + used;
		*p++ = sep;
		p = put_u64(p, s->count);
		*p++ = '\n';
		used = (size_t)(p - buf);
	}
	if (rc == 0 && used)
		rc = bm_out_write(out, buf, used);
	merge_end(&g);
	free(buf);
	return rc < 0 ? -1 : 0;
}
