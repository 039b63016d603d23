/* bm_clean_gather.c: what bm-clean gathers from the rows before it writes
 * them: the statistics of mean/median/mode fills, --bfill's values below,
 * the scaling statistics, the categories and classes, sorted; and the
 * layout of x that follows from them (see bm_clean_int.h). */
#include "config.h"

#include "bm_clean_int.h"

#include <math.h>

#include "bm_fmt.h"

void bm_clean_scale_add(col_t *c, double v, double w)
{
	col_stats_t *s = &c->st;
	if (isnan(v))
		return;
	if (!s->kset) {
		s->k = isinf(v) ? 0 : v;
		s->kset = true;
		s->mn = s->mx = v;
	}
	double d = v - s->k;
	s->wn += w;
	s->s1 += w * d;
	s->s2 += w * d * d;
	if (v < s->mn)
		s->mn = v;
	if (v > s->mx)
		s->mx = v;
}

static void cat_count(bm_strmap_t *m, const char *v, size_t len)
{
	int64_t i = bm_strmap_get(m, v, len, true);
	m->e[i].count++;
}

static void cat_add(col_t *c, const char *v, size_t len, uint64_t w, bool insert)
{
	int64_t i = bm_strmap_get(&c->cats, v, len, insert);
	if (i >= 0)
		c->cats.e[i].count += w;
}

bool bm_clean_col_numeric(const ctx_t *x, size_t j)
{
	const col_t *c = &x->c[j];
	return c->type == T_NUMERIC || (c->type == T_LABEL && x->o->regression);
}

bool bm_clean_col_cats(const ctx_t *x, size_t j)
{
	const col_t *c = &x->c[j];
	return c->type == T_ONEHOT || (c->type == T_LABEL && !x->o->regression) ||
	       (!x->o->tensor && (int)j == x->label);
}

/* A missing value of column C in pass 1: what fills it, counted. */
static void gather_missing(ctx_t *x, col_t *c, bool numeric, bool cats)
{
	const bm_clean_opts_t *o = x->o;
	col_fill_t *f = &c->fill;
	bool stats = x->num_stats;
	if (o->ffill && f->has_last) {
		if (stats && numeric)
			bm_clean_scale_add(c, f->last_num, 1);
		if (cats)
			cat_add(c, f->last.s, f->last.len, 1, !x->stats_loaded);
	} else if (o->bfill)
		f->pending++;
	else if (f->kind == FILL_CONST && f->v) {
		/* as the one-pass path adds it: in row order */
		double v;
		if (stats && numeric && bm_values_parse_num(f->v, f->len, &v, NULL))
			bm_clean_scale_add(c, v, 1);
		if (cats)
			cat_add(c, f->v, f->len, 1, !x->stats_loaded);
	} else
		f->unresolved++;
}

/* The value V, LEN of column C in the statistics of its mean/median/mode fill. */
static void gather_fill_stat(col_t *c, const cell_t *cl)
{
	col_stats_t *s = &c->st;
	double v;
	bool ok = cl->num_ok ? (v = cl->num, true) : bm_values_parse_num(cl->v, cl->len, &v, NULL);
	if (ok) {
		s->cnt++;
		double t = s->sum + v;
		s->comp += fabs(s->sum) >= fabs(v) ? (s->sum - t) + v : (v - t) + s->sum;
		s->sum = t;
		if (c->fill.kind == FILL_MEDIAN) {
			if (s->nvals == s->capvals) {
				s->capvals = s->capvals ? 2 * s->capvals : 1024;
				s->vals = bm_xrealloc(s->vals, s->capvals * sizeof *s->vals);
			}
			s->vals[s->nvals++] = v;
		}
	} else
		s->all_num = false;
	if (c->fill.kind == FILL_MODE)
		cat_count(&s->mode, cl->v, cl->len);
}

/* --bfill: the value V, LEN of row KROW fills the missing values above it. */
static void gather_below(col_fill_t *f, uint64_t krow, const char *v, size_t len)
{
	if (f->bn == f->bcap) {
		f->bcap = f->bcap ? 2 * f->bcap : 64;
		f->brow = bm_xrealloc(f->brow, f->bcap * sizeof *f->brow);
		f->boff = bm_xrealloc(f->boff, f->bcap * sizeof *f->boff);
		f->blen = bm_xrealloc(f->blen, f->bcap * sizeof *f->blen);
	}
	f->brow[f->bn] = krow;
	f->boff[f->bn] = f->bvals.len;
	f->blen[f->bn] = len;
	f->bn++;
	bm_buf_add(&f->bvals, v, len);
	f->pending = 0;
}

int bm_clean_gather(ctx_t *x, const rd_t *rd)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		col_fill_t *f = &c->fill;
		const cell_t *cl = &rd->cells[j];
		bool stats = x->num_stats, numeric = bm_clean_col_numeric(x, j), cats = bm_clean_col_cats(x, j);
		if (cl->na) {
			gather_missing(x, c, numeric, cats);
			continue;
		}
		if (f->kind >= FILL_MEAN && !x->stats_loaded)
			gather_fill_stat(c, cl);
		double v = cl->num;
		if (numeric && (stats || o->ffill) && !cl->num_ok && !bm_values_parse_num(cl->v, cl->len, &v, NULL)) {
			if (!o->coerce)
				return bm_clean_not_a_number(rd, c, cl->v, cl->len);
			v = NAN;
		}
		if (stats && numeric)
			bm_clean_scale_add(c, v, 1 + (double)f->pending);
		if (cats)
			cat_add(c, cl->v, cl->len, 1 + f->pending, !x->stats_loaded);
		if (o->bfill && f->pending)
			gather_below(f, rd->krow, cl->v, cl->len);
		if (o->ffill) {
			bm_buf_set(&f->last, cl->v, cl->len);
			f->has_last = true;
			f->last_num = v;
		}
	}
	return 0;
}

int bm_clean_gather_kept(ctx_t *x, const rd_t *rd)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		const cell_t *cl = &rd->cells[j];
		if (cl->na)
			continue;
		double v;
		if (x->num_stats && bm_clean_col_numeric(x, j)) {
			if (bm_clean_cell_num(x, rd, c, cl, &v) < 0)
				return -1;
			bm_clean_scale_add(c, v, 1);
		}
		if (bm_clean_col_cats(x, j))
			cat_add(c, cl->v, cl->len, 1, true);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);
	return r ? r : (la > lb) - (la < lb);
}

static int cmp_ent_bytes(const void *pa, const void *pb)
{
	const bm_strmap_ent_t *a = pa, *b = pb;
	return cmp_bytes(a->key, a->len, b->key, b->len);
}

/* By value (all keys are numbers), then bytewise. */
static int cmp_ent_numeric(const void *pa, const void *pb)
{
	const bm_strmap_ent_t *a = pa, *b = pb;
	double x, y;
	bm_values_parse_num(a->key, a->len, &x, NULL);
	bm_values_parse_num(b->key, b->len, &y, NULL);
	if (x != y)
		return (x > y) - (x < y);
	return cmp_ent_bytes(pa, pb);
}

/* M's entries, sorted (a copy to free). */
static bm_strmap_ent_t *sorted(const bm_strmap_t *m, bool numeric)
{
	bm_strmap_ent_t *s = bm_xmalloc(m->n * sizeof *s);
	memcpy(s, m->e, m->n * sizeof *s);
	qsort(s, m->n, sizeof *s, numeric ? cmp_ent_numeric : cmp_ent_bytes);
	return s;
}

/* Give the entries of M ids in sorted order (numeric when all are numbers,
 * bytewise otherwise). */
static void sort_ids(bm_strmap_t *m, bool *numeric)
{
	if (!m->n)
		return;
	bool num = true;
	for (size_t i = 0; i < m->n && num; i++) {
		double v;
		num = bm_values_parse_num(m->e[i].key, m->e[i].len, &v, NULL) && !isnan(v);
	}
	bm_strmap_ent_t *s = sorted(m, num);
	for (size_t i = 0; i < m->n; i++)
		m->e[s[i].id].id = (int64_t)i;
	free(s);
	*numeric = num;
}

const bm_strmap_ent_t **bm_clean_by_ids(const bm_strmap_t *m)
{
	const bm_strmap_ent_t **v = bm_xmalloc((m->n ? m->n : 1) * sizeof *v);
	for (size_t i = 0; i < m->n; i++)
		v[m->e[i].id] = &m->e[i];
	return v;
}

static char *fmt_dup(double v)
{
	char buf[48];
	bm_fmt_double(buf, sizeof buf, v + 0.0); /* + 0.0: a zero is written without its sign */
	return bm_xmemdup(buf, strlen(buf));
}

/* The value with the highest count; ties go to the smallest (as pandas'
 * mode()[0]). */
static char *mode_of(const bm_strmap_t *m, bool numeric)
{
	if (!m->n)
		return NULL;
	if (!numeric) {
		const bm_strmap_ent_t *best = &m->e[0];
		for (size_t i = 1; i < m->n; i++) {
			const bm_strmap_ent_t *e = &m->e[i];
			if (e->count > best->count ||
			    (e->count == best->count && cmp_bytes(e->key, e->len, best->key, best->len) < 0))
				best = e;
		}
		return bm_xmemdup(best->key, best->len);
	}
	/* group spellings of the same number */
	bm_strmap_ent_t *s = sorted(m, true);
	double bestv = 0;
	uint64_t bestc = 0;
	for (size_t i = 0; i < m->n;) {
		double v;
		bm_values_parse_num(s[i].key, s[i].len, &v, NULL);
		uint64_t cnt = 0;
		size_t k = i;
		for (; k < m->n; k++) {
			double w;
			bm_values_parse_num(s[k].key, s[k].len, &w, NULL);
			if (w != v)
				break;
			cnt += s[k].count;
		}
		if (cnt > bestc) {
			bestc = cnt;
			bestv = v;
		}
		i = k;
	}
	free(s);
	return fmt_dup(bestv);
}

/* Column C's mean, median or mode fill from its statistics. */
static void fill_stat(col_t *c)
{
	col_stats_t *s = &c->st;
	col_fill_t *f = &c->fill;
	char *v = NULL;
	if (f->kind == FILL_MEAN && s->all_num && s->cnt)
		v = fmt_dup((s->sum + s->comp) / (double)s->cnt);
	else if (f->kind == FILL_MEDIAN && s->all_num && s->nvals) {
		qsort(s->vals, s->nvals, sizeof *s->vals, cmp_double);
		size_t n = s->nvals;
		v = fmt_dup(n % 2 ? s->vals[n / 2] : (s->vals[n / 2 - 1] + s->vals[n / 2]) / 2);
	} else if (f->kind == FILL_MODE)
		v = mode_of(&s->mode, s->all_num);
	f->stat[f->kind] = v;
	f->v = v ? bm_xmemdup(v, strlen(v)) : NULL;
	f->len = v ? strlen(v) : 0;
	free(s->vals);
	s->vals = NULL;
	bm_strmap_free(&s->mode);
}

void bm_clean_finish_pass1(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		col_fill_t *f = &c->fill;
		f->unresolved += f->pending;
		f->pending = 0;
		if (c->type == T_UNDECIDED)
			c->type = o->tensor ? T_NUMERIC : T_UNDECIDED;
		if (f->kind >= FILL_MEAN && !x->stats_loaded)
			fill_stat(c);
		if (f->unresolved && f->v) {
			double v;
			if (bm_clean_col_numeric(x, j) && !x->stats_loaded && bm_values_parse_num(f->v, f->len, &v, NULL))
				bm_clean_scale_add(c, v, (double)f->unresolved);
			if (bm_clean_col_cats(x, j))
				cat_add(c, f->v, f->len, f->unresolved, !x->stats_loaded);
		}
	}
	bm_clean_finish_stats(x);
}

void bm_clean_finish_stats(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		col_stats_t *s = &c->st;
		if (bm_clean_col_numeric(x, j) && !x->stats_loaded) {
			if (s->wn > 0) {
				double m1 = s->s1 / s->wn;
				s->mean = s->k + m1;
				double var = s->s2 / s->wn - m1 * m1;
				s->std = sqrt(var > 0 ? var : 0);
				s->min = s->mn;
				s->max = s->mx;
			} else {
				s->mean = s->min = s->max = NAN;
				s->std = NAN;
			}
		}
		if (bm_clean_col_cats(x, j) && !x->stats_loaded)
			sort_ids(&c->cats, &c->cats_numeric);
	}
}

void bm_clean_rewind_rows(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		x->c[j].fill.has_last = false;
		x->c[j].fill.bptr = 0;
	}
	if (x->dset)
		memset(x->dset, 0, 2 * x->dcap * sizeof *x->dset);
	x->dn = 0;
}

void bm_clean_reset_kept(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_stats_t *s = &x->c[j].st;
		s->wn = s->k = s->s1 = s->s2 = s->mn = s->mx = 0;
		s->kset = false;
		if (bm_clean_col_cats(x, j))
			bm_strmap_free(&x->c[j].cats);
	}
}

void bm_clean_layout(ctx_t *x)
{
	if (!x->o->tensor)
		return;
	if (!x->stats_loaded) { /* loaded: in the stats file's order */
		x->num = bm_xmalloc(x->nsel * sizeof *x->num);
		x->oh = bm_xmalloc(x->nsel * sizeof *x->oh);
		x->nnum = x->noh = 0;
		for (size_t j = 0; j < x->nsel; j++) {
			if (x->c[j].type == T_NUMERIC)
				x->num[x->nnum++] = j;
			else if (x->c[j].type == T_ONEHOT)
				x->oh[x->noh++] = j;
		}
	}
	size_t d = 0;
	for (size_t i = 0; i < x->nnum; i++)
		x->c[x->num[i]].xoff = d++;
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		c->xoff = d;
		d += c->cats.n;
	}
	x->d = d;
	x->num_run = x->nnum > 0;
	for (size_t i = 0; i < x->nnum; i++)
		x->num_run &= x->num[i] == x->num[0] + i;
}
