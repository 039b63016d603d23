/* bm_clean.c: the bm-clean engine (see bm_clean.h and bm-clean(1)). */
#include "config.h"

#include "bm_clean_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bm_cli.h"
#include "bm_csv.h"
#include "bm_io.h"
#include "bm_pool.h"
#include "bm_strmap.h"
#include "bm_spool.h"
#include "bm_stream.h"
#include "bm_values.h"

const char *const bm_clean_fill_kind_name[] = {"none", "constant", "mean", "median", "mode"};

/* splitmix64: the split's random numbers. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double rng_double(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	/* rejection sampling: unbiased */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t r;
	do
		r = rng_next(s);
	while (r >= lim);
	return r % n;
}

/* ---- lists of columns ---- */

static int find_col(ctx_t *x, const char *item, const char *opt)
{
	for (size_t i = 0; i < x->nin; i++)
		if (strcmp(x->hnames[i], item) == 0)
			return (int)i;
	char *end;
	errno = 0;
	unsigned long long k = strtoull(item, &end, 10);
	if (item[0] >= '0' && item[0] <= '9' && *end == '\0' && errno == 0) {
		if (k >= 1 && k <= x->nin)
			return (int)(k - 1);
		bm_die("%s: %s: no column %llu (the input has %zu)", x->first_file, opt, k, x->nin);
	}
	bm_die("%s: %s: no column '%s'", x->first_file, opt, item);
}

/* Parse LIST into input column indices; returns the count. */
static size_t parse_cols(ctx_t *x, const char *list, const char *opt, size_t **out)
{
	char **items;
	int n = bm_csv_split_list(list, &items);
	if (n < 0)
		bm_usage_error("%s: malformed list '%s'", opt, list);
	size_t *v = bm_xmalloc((size_t)n * sizeof *v);
	for (int i = 0; i < n; i++)
		v[i] = (size_t)find_col(x, items[i], opt);
	bm_csv_free_list(items, n);
	*out = v;
	return (size_t)n;
}

/* The selected column whose input index is IN, or -1. */
static int sel_of(ctx_t *x, size_t in)
{
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].in == in)
			return (int)j;
	return -1;
}

/* ---- setup from the header ---- */

static void parse_fills(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (int a = 0; a < o->nfillna; a++) {
		const char *arg = o->fillna[a];
		int kind = strcmp(arg, "mean") == 0     ? FILL_MEAN
		           : strcmp(arg, "median") == 0 ? FILL_MEDIAN
		           : strcmp(arg, "mode") == 0   ? FILL_MODE
		                                        : FILL_CONST;
		if (kind != FILL_CONST || !strchr(arg, '=')) {
			for (size_t j = 0; j < x->nsel; j++) {
				col_t *c = &x->c[j];
				c->fill = kind;
				free(c->fillv);
				c->fillv = kind == FILL_CONST ? bm_xmemdup(arg, strlen(arg)) : NULL;
				c->filllen = kind == FILL_CONST ? strlen(arg) : 0;
			}
			continue;
		}
		char **items;
		int n = bm_csv_split_list(arg, &items);
		if (n < 0)
			bm_usage_error("--fillna: malformed list '%s'", arg);
		for (int i = 0; i < n; i++) {
			char *eq = strchr(items[i], '=');
			if (!eq)
				bm_usage_error("--fillna: '%s' is not COLUMN=VALUE", items[i]);
			*eq = '\0';
			const char *v = eq + 1;
			int in = find_col(x, items[i], "--fillna");
			int j = sel_of(x, (size_t)in);
			if (j < 0)
				bm_die("%s: --fillna: column '%s' is not selected", x->first_file, items[i]);
			col_t *c = &x->c[j];
			c->fill = strcmp(v, "mean") == 0     ? FILL_MEAN
			          : strcmp(v, "median") == 0 ? FILL_MEDIAN
			          : strcmp(v, "mode") == 0   ? FILL_MODE
			                                     : FILL_CONST;
			free(c->fillv);
			c->fillv = c->fill == FILL_CONST ? bm_xmemdup(v, strlen(v)) : NULL;
			c->filllen = c->fill == FILL_CONST ? strlen(v) : 0;
		}
		bm_csv_free_list(items, n);
	}
}

static void setup(ctx_t *x, const bm_csv_rec_t *rec)
{
	const bm_clean_opts_t *o = x->o;
	x->first_file = bm_xmemdup(x->fname, strlen(x->fname));
	x->nin = rec->n;
	x->hnames = bm_xcalloc(x->nin, sizeof *x->hnames);
	x->hraw = bm_xcalloc(x->nin, sizeof *x->hraw);
	x->hrawlen = bm_xcalloc(x->nin, sizeof *x->hrawlen);
	for (size_t i = 0; i < x->nin; i++) {
		char buf[48];
		const bm_csv_field_t *f = &rec->f[i];
		if (o->no_header) {
			snprintf(buf, sizeof buf, "%zu", i + 1);
			x->hnames[i] = bm_xmemdup(buf, strlen(buf));
			continue;
		}
		if (!bm_utf8_valid(f->val, f->len))
			bm_die("%s:%llu: the name of column %zu is not valid UTF-8", x->fname, LINE(x), i + 1);
		if (memchr(f->val, '\0', f->len))
			bm_die("%s:%llu: the name of column %zu holds a NUL byte", x->fname, LINE(x), i + 1);
		x->hraw[i] = bm_xmemdup(f->raw, f->rawlen);
		x->hrawlen[i] = f->rawlen;
		char *name;
		if (f->len == 0) {
			snprintf(buf, sizeof buf, "Unnamed: %zu", i);
			name = bm_xmemdup(buf, strlen(buf));
		} else
			name = bm_xmemdup(f->val, f->len);
		/* pandas mangles duplicate names: a, a.1, a.2 */
		for (int k = 1;; k++) {
			bool dup = false;
			for (size_t p = 0; p < i && !dup; p++)
				dup = strcmp(x->hnames[p], name) == 0;
			if (!dup)
				break;
			size_t base = f->len ? f->len : strlen(buf);
			char *m = bm_xmalloc(base + 24);
			snprintf(m, base + 24, "%.*s.%d", (int)base, f->len ? f->val : buf, k);
			free(name);
			name = m;
		}
		x->hnames[i] = name;
	}
	/* selection */
	size_t *sel, nsel;
	if (o->columns)
		nsel = parse_cols(x, o->columns, "--columns", &sel);
	else {
		nsel = x->nin;
		sel = bm_xmalloc(nsel * sizeof *sel);
		for (size_t i = 0; i < nsel; i++)
			sel[i] = i;
	}
	if (o->drop) {
		size_t *dr, nd = parse_cols(x, o->drop, "--drop", &dr);
		size_t k = 0;
		for (size_t j = 0; j < nsel; j++) {
			bool gone = false;
			for (size_t i = 0; i < nd; i++)
				gone |= dr[i] == sel[j];
			if (!gone)
				sel[k++] = sel[j];
		}
		nsel = k;
		free(dr);
	}
	x->label = -1;
	if (o->label) {
		int in = find_col(x, o->label, "--label");
		bool found = false;
		for (size_t j = 0; j < nsel; j++)
			found |= sel[j] == (size_t)in;
		if (!found) {
			if (!o->tensor)
				bm_die("%s: --label: column '%s' is not selected", x->first_file, o->label);
			sel = bm_xrealloc(sel, (nsel + 1) * sizeof *sel);
			sel[nsel++] = (size_t)in;
		}
	}
	if (nsel == 0)
		bm_die("%s: no columns left to write", x->first_file);
	x->nsel = nsel;
	x->c = bm_xcalloc(nsel, sizeof *x->c);
	x->cells = bm_xcalloc(nsel, sizeof *x->cells);
	x->identity = nsel == x->nin;
	for (size_t j = 0; j < nsel; j++) {
		col_t *c = &x->c[j];
		c->in = sel[j];
		c->name = x->hnames[sel[j]];
		c->all_num = true;
		c->subset = !o->subset;
		if (sel[j] != j)
			x->identity = false;
	}
	free(sel);
	if (o->label)
		x->label = sel_of(x, (size_t)find_col(x, o->label, "--label"));
	if (o->subset) {
		size_t *sub, ns = parse_cols(x, o->subset, "--subset", &sub);
		for (size_t i = 0; i < ns; i++) {
			int j = sel_of(x, sub[i]);
			if (j < 0)
				bm_die("%s: --subset: column '%s' is not selected", x->first_file, x->hnames[sub[i]]);
			x->c[j].subset = true;
		}
		free(sub);
	}
	parse_fills(x);
	/* the header line to write */
	if (!o->no_header && !o->tensor) {
		for (size_t j = 0; j < nsel; j++) {
			if (j)
				bm_buf_add(&x->hdr_line, &x->csv.delim, 1);
			size_t in = x->c[j].in;
			const char *raw = x->hraw[in];
			size_t rl = x->hrawlen[in];
			bool quoted = rl && raw[0] == x->csv.quote;
			if (quoted)
				bm_buf_add(&x->hdr_line, raw, rl); /* as it came */
			else
				bm_csv_append(&x->hdr_line, raw, rl, &x->csv, nsel == 1);
		}
		bm_buf_add(&x->hdr_line, "\n", 1);
	}
	/* tensor column types */
	if (o->tensor) {
		if (x->label >= 0)
			x->c[x->label].type = T_LABEL;
		if (o->onehot) {
			size_t *oh, n = parse_cols(x, o->onehot, "--onehot", &oh);
			for (size_t j = 0; j < nsel; j++)
				if (x->c[j].type != T_LABEL)
					x->c[j].type = T_NUMERIC;
			for (size_t i = 0; i < n; i++) {
				int j = sel_of(x, oh[i]);
				if (j < 0)
					bm_die("%s: --onehot: column '%s' is not selected", x->first_file, x->hnames[oh[i]]);
				if (j == x->label)
					bm_die("%s: --onehot: column '%s' is the label", x->first_file, x->hnames[oh[i]]);
				x->c[j].type = T_ONEHOT;
			}
			free(oh);
		}
	}
	if (o->load_stats)
		bm_clean_load_stats(x);
	if (o->tensor && x->label >= 0 && o->regression)
		x->c[x->label].type = T_LABEL;
	/* statistical fills come from the stats file when it has them */
	for (size_t j = 0; j < nsel; j++) {
		col_t *c = &x->c[j];
		if (c->fill >= FILL_MEAN && x->stats_loaded) {
			if (!c->statfill[c->fill])
				bm_die("%s: no %s of column '%s'", o->load_stats, fill_kind_name[c->fill], c->name);
			c->fillv = bm_xmemdup(c->statfill[c->fill], strlen(c->statfill[c->fill]));
			c->filllen = strlen(c->fillv);
		}
	}
	x->ready = true;
}

/* Header of a later file: must name the same columns. */
static void check_header(ctx_t *x, const bm_csv_rec_t *rec)
{
	bool same = rec->n == x->nin;
	for (size_t i = 0; same && i < x->nin; i++) {
		const char *want = x->hraw[i];
		same = rec->f[i].rawlen == x->hrawlen[i] && memcmp(rec->f[i].raw, want, x->hrawlen[i]) == 0;
	}
	if (!same)
		bm_die("%s:%llu: the header differs from that of %s", x->fname, LINE(x), x->first_file);
}

/* ---- per row ---- */

static _Noreturn void not_a_number(ctx_t *x, const col_t *c, const char *v, size_t len)
{
	ROW_DIE(x, "%s:%llu: column '%s': '%.*s' is not a number (see --coerce, --onehot)", FNAME(x), LINE(x),
	       c->name, SHOWLEN(len), v);
}

/* Fill cells[] from the record: selection, missing values, types. */
static void load_cells(ctx_t *x, const bm_csv_rec_t *rec)
{
	const bm_clean_opts_t *o = x->o;
	size_t n = rec->n;
	if (n != x->nin) {
		if (n > x->nin || !o->ragged_pad)
			ROW_DIE(x, "%s:%llu: expected %zu fields, found %zu", FNAME(x), LINE(x), x->nin, n);
	}
	for (size_t j = 0; j < x->nsel; j++) {
		cell_t *cl = &x->cells[j];
		col_t *c = &x->c[j];
		size_t in = c->in;
		cl->filled = false;
		cl->num_ok = false;
		if (in < n) {
			const bm_csv_field_t *f = &rec->f[in];
			cl->f = f;
			cl->v = f->val;
			cl->len = f->len;
			cl->na = bm_naset_has(&x->na, f->val, f->len);
		} else {
			cl->f = NULL;
			cl->v = "";
			cl->len = 0;
			cl->na = true;
		}
		if (cl->na || c->type == T_ONEHOT || c->type == T_LABEL || c->type > T_LABEL || !o->tensor)
			continue;
		if (x->skip_num && c->type == T_NUMERIC)
			continue; /* pass 1 needs no numbers; a bad one fails in pass 2 */
		bool ok = bm_values_parse_num(cl->v, cl->len, &cl->num, NULL);
		if (c->type == T_UNDECIDED)
			c->type = ok ? T_NUMERIC : T_ONEHOT;
		else if (!ok) {
			if (!o->coerce)
				not_a_number(x, c, cl->v, cl->len);
			cl->na = true;
		}
		cl->num_ok = ok;
	}
}

/* Whether --dropna or --thresh keeps a row with NNA of its NSUB --subset
 * values missing. */
static bool keep_counts(const bm_clean_opts_t *o, size_t nna, size_t nsub)
{
	if (o->thresh >= 0)
		return (long long)(nsub - nna) >= o->thresh;
	if (o->dropna == BM_DROPNA_ANY)
		return nna == 0;
	return o->dropna == BM_DROPNA_NONE || nna < nsub;
}

static bool keep_dropna(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->dropna == BM_DROPNA_NONE && o->thresh < 0)
		return true;
	size_t nna = 0, nsub = 0;
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].subset) {
			nsub++;
			nna += x->cells[j].na;
		}
	return keep_counts(o, nna, nsub);
}

/* Add W values V to the scaling statistics of C. */
static void scale_add(col_t *c, double v, double w)
{
	if (isnan(v))
		return;
	if (!c->kset) {
		c->k = isinf(v) ? 0 : v;
		c->kset = true;
		c->mn = c->mx = v;
	}
	double d = v - c->k;
	c->wn += w;
	c->s1 += w * d;
	c->s2 += w * d * d;
	if (v < c->mn)
		c->mn = v;
	if (v > c->mx)
		c->mx = v;
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

/* Whether column J is a numeric feature (or target) and whether its
 * categories are counted: one-hot, class labels, the --stratify label. */
static bool col_numeric(const ctx_t *x, size_t j)
{
	const col_t *c = &x->c[j];
	return c->type == T_NUMERIC || (c->type == T_LABEL && x->o->regression);
}

static bool col_cats(const ctx_t *x, size_t j)
{
	const col_t *c = &x->c[j];
	return c->type == T_ONEHOT || (c->type == T_LABEL && !x->o->regression) ||
	       (!x->o->tensor && (int)j == x->label);
}

/* Pass 1: gather what pass 2 needs from a row that dropna kept. */
static void gather(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		bool stats = x->num_stats, numeric = col_numeric(x, j), cats = col_cats(x, j);
		if (cl->na) {
			if (o->ffill && c->has_last) {
				if (stats && numeric)
					scale_add(c, c->last_num, 1);
				if (cats)
					cat_add(c, c->last.s, c->last.len, 1, !x->stats_loaded);
			} else if (o->bfill)
				c->pending++;
			else if (c->fill == FILL_CONST && c->fillv) {
				/* as the one-pass path adds it: in row order */
				double v;
				if (stats && numeric && bm_values_parse_num(c->fillv, c->filllen, &v, NULL))
					scale_add(c, v, 1);
				if (cats)
					cat_add(c, c->fillv, c->filllen, 1, !x->stats_loaded);
			} else
				c->unresolved++;
			continue;
		}
		/* statistics for mean/median/mode fills */
		if (c->fill >= FILL_MEAN && !x->stats_loaded) {
			double v;
			bool ok = cl->num_ok ? (v = cl->num, true) : bm_values_parse_num(cl->v, cl->len, &v, NULL);
			if (ok) {
				c->cnt++;
				double t = c->sum + v;
				c->comp += fabs(c->sum) >= fabs(v) ? (c->sum - t) + v : (v - t) + c->sum;
				c->sum = t;
				if (c->fill == FILL_MEDIAN) {
					if (c->nvals == c->capvals) {
						c->capvals = c->capvals ? 2 * c->capvals : 1024;
						c->vals = bm_xrealloc(c->vals, c->capvals * sizeof *c->vals);
					}
					c->vals[c->nvals++] = v;
				}
			} else
				c->all_num = false;
			if (c->fill == FILL_MODE)
				cat_count(&c->mode, cl->v, cl->len);
		}
		double v = cl->num;
		if (numeric && (stats || o->ffill) && !cl->num_ok && !bm_values_parse_num(cl->v, cl->len, &v, NULL)) {
			if (!o->coerce)
				not_a_number(x, c, cl->v, cl->len);
			v = NAN;
		}
		if (stats && numeric)
			scale_add(c, v, 1 + (double)c->pending);
		if (cats)
			cat_add(c, cl->v, cl->len, 1 + c->pending, !x->stats_loaded);
		if (o->bfill && c->pending) {
			if (c->bn == c->bcap) {
				c->bcap = c->bcap ? 2 * c->bcap : 64;
				c->brow = bm_xrealloc(c->brow, c->bcap * sizeof *c->brow);
				c->boff = bm_xrealloc(c->boff, c->bcap * sizeof *c->boff);
				c->blen = bm_xrealloc(c->blen, c->bcap * sizeof *c->blen);
			}
			c->brow[c->bn] = x->krow;
			c->boff[c->bn] = c->bvals.len;
			c->blen[c->bn] = cl->len;
			c->bn++;
			bm_buf_add(&c->bvals, cl->v, cl->len);
			c->pending = 0;
		}
		if (o->ffill) {
			bm_buf_set(&c->last, cl->v, cl->len);
			c->has_last = true;
			c->last_num = v;
		}
	}
}

static double cell_num(ctx_t *x, const col_t *c, cell_t *cl);

/* PASS_KEPT: the scaling statistics and categories of a row that --dedup
 * kept, after filling (reset_kept cleared those of pass 1). */
static void gather_kept(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		if (cl->na)
			continue;
		if (x->num_stats && col_numeric(x, j))
			scale_add(c, cell_num(x, c, cl), 1);
		if (col_cats(x, j))
			cat_add(c, cl->v, cl->len, 1, true);
	}
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

static bool sort_numeric; /* qsort has no context argument */

static int cmp_ent(const void *pa, const void *pb)
{
	const bm_strmap_ent_t *a = pa, *b = pb;
	if (sort_numeric) {
		double x, y;
		bm_values_parse_num(a->key, a->len, &x, NULL);
		bm_values_parse_num(b->key, b->len, &y, NULL);
		if (x != y)
			return (x > y) - (x < y);
	}
	return cmp_bytes(a->key, a->len, b->key, b->len);
}

/* Give the entries of M ids in sorted order (numeric when all are numbers,
 * bytewise otherwise). */
static void sort_ids(bm_strmap_t *m, bool *numeric)
{
	if (!m->n)
		return;
	bool num = m->n > 0;
	for (size_t i = 0; i < m->n && num; i++) {
		double v;
		num = bm_values_parse_num(m->e[i].key, m->e[i].len, &v, NULL) && !isnan(v);
	}
	bm_strmap_ent_t *s = bm_xmalloc(m->n * sizeof *s);
	memcpy(s, m->e, m->n * sizeof *s);
	sort_numeric = num;
	qsort(s, m->n, sizeof *s, cmp_ent);
	for (size_t i = 0; i < m->n; i++)
		m->e[s[i].id].id = (int64_t)i;
	free(s);
	if (numeric)
		*numeric = num;
}

/* The key of M with id ID. */
static const bm_strmap_ent_t *sm_by_id(const bm_strmap_t *m, int64_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].id == id)
			return &m->e[i];
	return NULL;
}

static char *fmt_dup(double v)
{
	char buf[48];
	bm_clean_fmt_double(buf, sizeof buf, v);
	return bm_xmemdup(buf, strlen(buf));
}

/* The value with the highest count; ties go to the smallest (as pandas'
 * mode()[0]). */
static char *mode_of(bm_strmap_t *m, bool numeric)
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
	bm_strmap_ent_t *s = bm_xmalloc(m->n * sizeof *s);
	memcpy(s, m->e, m->n * sizeof *s);
	sort_numeric = true;
	qsort(s, m->n, sizeof *s, cmp_ent);
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

/* End of pass 1: statistics, fill values, categories, the x layout. */
static void finish_stats(ctx_t *x);

static void finish_pass1(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		c->unresolved += c->pending;
		c->pending = 0;
		if (c->type == T_UNDECIDED)
			c->type = o->tensor ? T_NUMERIC : T_UNDECIDED;
		if (c->fill >= FILL_MEAN && !x->stats_loaded) {
			char *v = NULL;
			if (c->fill == FILL_MEAN && c->all_num && c->cnt)
				v = fmt_dup((c->sum + c->comp) / (double)c->cnt);
			else if (c->fill == FILL_MEDIAN && c->all_num && c->nvals) {
				qsort(c->vals, c->nvals, sizeof *c->vals, cmp_double);
				size_t n = c->nvals;
				v = fmt_dup(n % 2 ? c->vals[n / 2] : (c->vals[n / 2 - 1] + c->vals[n / 2]) / 2);
			} else if (c->fill == FILL_MODE)
				v = mode_of(&c->mode, c->all_num);
			c->statfill[c->fill] = v;
			c->fillv = v ? bm_xmemdup(v, strlen(v)) : NULL;
			c->filllen = v ? strlen(v) : 0;
			free(c->vals);
			c->vals = NULL;
			bm_strmap_free(&c->mode);
		}
		if (c->unresolved && c->fillv) {
			double v;
			if (col_numeric(x, j) && !x->stats_loaded && bm_values_parse_num(c->fillv, c->filllen, &v, NULL))
				scale_add(c, v, (double)c->unresolved);
			if (col_cats(x, j))
				cat_add(c, c->fillv, c->filllen, c->unresolved, !x->stats_loaded);
		}
	}
	finish_stats(x);
}

/* The scaling statistics from their sums, and the categories sorted. */
static void finish_stats(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		if (col_numeric(x, j) && !x->stats_loaded) {
			if (c->wn > 0) {
				double m1 = c->s1 / c->wn;
				c->mean = c->k + m1;
				double var = c->s2 / c->wn - m1 * m1;
				c->std = sqrt(var > 0 ? var : 0);
				c->min = c->mn;
				c->max = c->mx;
			} else {
				c->mean = c->min = c->max = NAN;
				c->std = NAN;
			}
		}
		if (col_cats(x, j) && !x->stats_loaded)
			sort_ids(&c->cats, &c->cats_numeric);
	}
}

/* Before reading the rows again: no value above to fill down from, the
 * first value below to fill up from, no rows seen by --dedup. */
static void rewind_rows(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		x->c[j].has_last = false;
		x->c[j].bptr = 0;
	}
	if (x->dset)
		memset(x->dset, 0, 2 * x->dcap * sizeof *x->dset);
	x->dn = 0;
}

/* Before PASS_KEPT: forget the scaling statistics and categories of pass
 * 1, which counted the rows --dedup drops. */
static void reset_kept(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		c->wn = c->k = c->s1 = c->s2 = c->mn = c->mx = 0;
		c->kset = false;
		if (col_cats(x, j))
			bm_strmap_free(&c->cats);
	}
}

/* Sort loaded categories by their order in the file (ids are insertion
 * order already) and lay out x: numeric features, then one-hot blocks
 * (as pandas.get_dummies). */
static void layout(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (!o->tensor)
		return;
	if (!x->stats_loaded) {
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

/* ---- pass 2: fill, dedup, output ---- */

static void fill(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		if (!cl->na) {
			if (o->ffill) {
				bm_buf_set(&c->last, cl->v, cl->len);
				c->has_last = true;
			}
			continue;
		}
		const char *v = NULL;
		size_t len = 0;
		if (o->ffill && c->has_last) {
			v = c->last.s;
			len = c->last.len;
		} else if (o->bfill) {
			while (c->bptr < c->bn && c->brow[c->bptr] < x->krow)
				c->bptr++;
			if (c->bptr < c->bn) {
				v = c->bvals.s + c->boff[c->bptr];
				len = c->blen[c->bptr];
			}
		}
		if (!v && c->fillv) {
			v = c->fillv;
			len = c->filllen;
		}
		if (v) {
			cl->v = v ? v : "";
			cl->len = len;
			cl->f = NULL;
			cl->na = false;
			cl->filled = true;
			cl->num_ok = false;
			c->filled++;
		}
	}
}

/* Whether the row was seen before (after filling): the hash of its values,
 * numbers compared as numbers, missing values equal. */
static bool duplicate(ctx_t *x)
{
	uint64_t h1 = 0x243F6A8885A308D3ULL, h2 = 0x13198A2E03707344ULL;
	for (size_t j = 0; j < x->nsel; j++) {
		if (!x->c[j].subset)
			continue;
		const cell_t *cl = &x->cells[j];
		double v;
		uint64_t w1, w2;
		if (cl->na)
			w1 = w2 = 0x5bd1e995;
		else if (cl->num_ok || bm_values_parse_num(cl->v, cl->len, &v, NULL)) {
			if (cl->num_ok)
				v = cl->num;
			if (v == 0)
				v = 0; /* -0.0 */
			uint64_t b;
			memcpy(&b, &v, 8);
			w1 = bm_mix64(b ^ 0x1111);
			w2 = bm_mix64(b ^ 0x2222);
		} else {
			w1 = bm_hash_bytes(cl->v, cl->len, 0x3333);
			w2 = bm_hash_bytes(cl->v, cl->len, 0x4444);
		}
		h1 = bm_mix64(h1 ^ w1) + j;
		h2 = bm_mix64(h2 ^ w2) + j;
	}
	if (h1 == 0 && h2 == 0)
		h1 = 1;
	if (2 * (x->dn + 1) > x->dcap) {
		size_t ncap = x->dcap ? 2 * x->dcap : 1024;
		uint64_t *t = bm_xcalloc(ncap * 2, sizeof *t);
		for (size_t i = 0; i < x->dcap; i++) {
			uint64_t a = x->dset[2 * i], b = x->dset[2 * i + 1];
			if (!a && !b)
				continue;
			size_t k = a & (ncap - 1);
			while (t[2 * k] || t[2 * k + 1])
				k = (k + 1) & (ncap - 1);
			t[2 * k] = a;
			t[2 * k + 1] = b;
		}
		free(x->dset);
		x->dset = t;
		x->dcap = ncap;
	}
	size_t k = h1 & (x->dcap - 1);
	while (x->dset[2 * k] || x->dset[2 * k + 1]) {
		if (x->dset[2 * k] == h1 && x->dset[2 * k + 1] == h2)
			return true;
		k = (k + 1) & (x->dcap - 1);
	}
	x->dset[2 * k] = h1;
	x->dset[2 * k + 1] = h2;
	x->dn++;
	return false;
}

static void out_write(dest_t *d, const void *p, size_t n)
{
	if (bm_out_write(d->out, p, n) < 0)
		bm_die("%s", bm_errmsg());
}

static void write_csv_row(ctx_t *x, dest_t *d, const bm_csv_rec_t *rec)
{
	bool changed = !x->identity;
	for (size_t j = 0; j < x->nsel && !changed; j++)
		changed = x->cells[j].filled || !x->cells[j].f;
	if (!changed) {
		if (rec->rawlen == 0 && x->nsel == 1) {
			out_write(d, "\"\"\n", 3);
			return;
		}
		bm_buf_t *b = &x->row;
		b->len = 0;
		bm_buf_add(b, rec->raw, rec->rawlen);
		bm_buf_add(b, "\n", 1);
		out_write(d, b->s, b->len);
		return;
	}
	bm_buf_t *b = &x->row;
	b->len = 0;
	bool alone = x->nsel == 1;
	for (size_t j = 0; j < x->nsel; j++) {
		const cell_t *cl = &x->cells[j];
		if (j)
			bm_buf_add(b, &x->csv.delim, 1);
		const char *s;
		size_t n;
		if (cl->f && (cl->f->quoted || !memchr(cl->f->raw, x->csv.quote, cl->f->rawlen)) &&
		    !(alone && cl->f->rawlen == 0)) {
			bm_buf_add(b, cl->f->raw, cl->f->rawlen);
			continue;
		}
		if (cl->f) {
			s = cl->f->val;
			n = cl->f->len;
		} else if (cl->filled) {
			s = cl->v;
			n = cl->len;
		} else {
			s = "";
			n = 0;
		}
		bm_csv_append(b, s, n, &x->csv, alone);
	}
	bm_buf_add(b, "\n", 1);
	out_write(d, b->s, b->len);
}

static void flush_tensor(ctx_t *x, dest_t *d, bool final)
{
	const bm_clean_opts_t *o = x->o;
	if (d->rows == 0 && !(final && d->written == 0))
		return;
	uint64_t dims[2] = {d->rows, x->d};
	if (bm_write_frame(d->out, "x", BM_F32, 2, dims, d->x) < 0)
		bm_die("%s", bm_errmsg());
	if (x->label >= 0) {
		uint64_t yd[1] = {d->rows};
		if (bm_write_frame(d->out, "y", o->regression ? BM_F32 : BM_I32, 1, yd, d->y) < 0)
			bm_die("%s", bm_errmsg());
	}
	d->written += d->rows;
	d->rows = 0;
}

static double cell_num(ctx_t *x, const col_t *c, cell_t *cl)
{
	if (cl->na)
		return NAN;
	if (cl->num_ok)
		return cl->num;
	double v;
	if (!bm_values_parse_num(cl->v, cl->len, &v, NULL)) {
		if (!x->o->coerce)
			not_a_number(x, c, cl->v, cl->len);
		return NAN;
	}
	return v;
}

static void write_tensor_row(ctx_t *x, dest_t *d)
{
	const bm_clean_opts_t *o = x->o;
	float *xr = d->x + d->rows * x->d;
	for (size_t i = 0; i < x->nnum; i++) {
		col_t *c = &x->c[x->num[i]];
		double v = cell_num(x, c, &x->cells[x->num[i]]);
		if (x->scale == BM_SCALE_STANDARDIZE) {
			double s = c->std > 0 ? c->std : 1;
			v = (v - c->mean) / s;
		} else if (x->scale == BM_SCALE_MINMAX) {
			double r = c->max - c->min;
			v = (v - c->min) / (r > 0 ? r : 1);
		}
		xr[c->xoff] = (float)v;
	}
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		const cell_t *cl = &x->cells[x->oh[i]];
		float *p = xr + c->xoff;
		memset(p, 0, c->cats.n * sizeof *p);
		if (!cl->na) {
			int64_t k = bm_strmap_get(&c->cats, cl->v, cl->len, false);
			if (k >= 0)
				p[c->cats.e[k].id] = 1;
		}
	}
	if (x->label >= 0) {
		col_t *c = &x->c[x->label];
		cell_t *cl = &x->cells[x->label];
		if (cl->na)
			bm_die("%s:%llu: missing label (column '%s'); see --dropna --subset", FNAME(x), LINE(x), c->name);
		if (o->regression) {
			((float *)d->y)[d->rows] = (float)cell_num(x, c, cl);
		} else {
			int64_t k = bm_strmap_get(&c->cats, cl->v, cl->len, false);
			if (k < 0)
				bm_die("%s:%llu: label '%.*s' is not one of the classes of %s", FNAME(x), LINE(x),
				       SHOWLEN(cl->len), cl->v, o->load_stats ? o->load_stats : "the input");
			((int32_t *)d->y)[d->rows] = (int32_t)c->cats.e[k].id;
		}
	}
	if (++d->rows == BM_FRAME_ROWS)
		flush_tensor(x, d, false);
}

/* Which output the row goes to: 0 train, 1 test. */
static int split_dest(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->split < 0)
		return 0;
	if (!o->stratify)
		return rng_double(&x->rng) < o->split;
	col_t *c = &x->c[x->label];
	const cell_t *cl = &x->cells[x->label];
	int64_t k = cl->na ? -1 : bm_strmap_get(&c->cats, cl->v, cl->len, false);
	if (k < 0)
		return rng_double(&x->rng) < o->split;
	int64_t id = c->cats.e[k].id;
	uint64_t left = x->cls_left[id], test = x->cls_test[id];
	if (!left)
		return rng_double(&x->rng) < o->split;
	bool t = rng_below(&x->rng, left) < test;
	x->cls_left[id]--;
	if (t)
		x->cls_test[id]--;
	return t;
}

static void report_cells(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		const cell_t *cl = &x->cells[j];
		if (cl->na) {
			c->missing++;
			continue;
		}
		if (c->rtype == R_STRING)
			continue;
		double v;
		bool integral;
		if (!bm_values_parse_num(cl->v, cl->len, &v, &integral))
			c->rtype = R_STRING;
		else if (!integral)
			c->rtype = R_FLOAT;
		else if (c->rtype == R_NONE)
			c->rtype = R_INT;
	}
}

static void fast_spool(ctx_t *x);
static bool fast_row(ctx_t *x, const bm_csv_rec_t *rec);
static bool fast_rows_ok(ctx_t *x);

/* The passes over the input: PASS_GATHER (the first of two or three),
 * PASS_KEPT (the second of three: --dedup with statistics of the rows it
 * keeps), PASS_WRITE (the last, or the only one). */
enum { PASS_GATHER = 1, PASS_WRITE, PASS_KEPT };

static void row(ctx_t *x, const bm_csv_rec_t *rec, int pass)
{
	const bm_clean_opts_t *o = x->o;
	x->line = rec->line;
	load_cells(x, rec);
	bool final = pass == PASS_WRITE;
	if (final) {
		x->nread++;
		if (o->report)
			report_cells(x);
	}
	if (!keep_dropna(x)) {
		if (final)
			x->ndropna++;
		return;
	}
	if (pass == PASS_GATHER) {
		gather(x);
		x->krow++;
		return;
	}
	fill(x);
	x->krow++;
	if (o->dedup && duplicate(x)) {
		if (final)
			x->ndedup++;
		return;
	}
	if (pass == PASS_KEPT) {
		gather_kept(x);
		return;
	}
	if (x->fast) {
		fast_spool(x); /* after --dedup: scaling and categories of the rows kept */
		return;
	}
	dest_t *d = &x->dest[split_dest(x)];
	if (o->tensor)
		write_tensor_row(x, d);
	else {
		write_csv_row(x, d, rec);
		d->written++;
	}
}

/* ---- the one-pass --tensor path ---- */

#define SLOT_MISSING8 0x7FF8DEAD0000BEEFULL /* a NaN, and no category */
#define SLOT_MISSING4 0x7FC0BEEFU
#define SPOOL_MEM (256u << 20) /* then a temporary file */

/* Column J's slot of the row at SROW, in slots of SW bytes: missing (KIND
 * 0), the number V (1) or the category id ID (2). */
static inline void put_slot(unsigned char *srow, size_t sw, size_t j, double v, uint32_t id, int kind)
{
	unsigned char *p = srow + (j + 1) * sw;
	if (sw == 8) {
		uint64_t u = kind == 0 ? SLOT_MISSING8 : kind == 1 ? 0 : id;
		if (kind == 1)
			memcpy(&u, &v, 8);
		memcpy(p, &u, 8);
	} else {
		uint32_t u = kind == 0 ? SLOT_MISSING4 : id;
		if (kind == 1) {
			float f = (float)v;
			memcpy(&u, &f, 4);
		}
		memcpy(p, &u, 4);
	}
}

static void slot_put(ctx_t *x, size_t j, double v, uint32_t id, int kind)
{
	put_slot(x->srow, x->sw, j, v, id, kind);
}

static double slot_num(const ctx_t *x, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * x->sw;
	if (x->sw == 8) {
		double v;
		memcpy(&v, p, 8);
		return v;
	}
	float f;
	memcpy(&f, p, 4);
	return f;
}

/* A category id, or -1 for missing. */
static int64_t slot_id(const ctx_t *x, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * x->sw;
	if (x->sw == 8) {
		uint64_t u;
		memcpy(&u, p, 8);
		return u == SLOT_MISSING8 ? -1 : (int64_t)u;
	}
	uint32_t u;
	memcpy(&u, p, 4);
	return u == SLOT_MISSING4 ? -1 : (int64_t)u;
}

/* Column J's category, its index I in the column's map, counted and put
 * in its slot. */
static void cat_slot(ctx_t *x, size_t j, int64_t i)
{
	col_t *c = &x->c[j];
	c->cats.e[i].count++;
	if (i >= (int64_t)SLOT_MISSING4)
		ROW_DIE(x, "%s:%llu: column '%s': too many categories", FNAME(x), LINE(x), c->name);
	slot_put(x, j, 0, (uint32_t)i, 2);
}

/* Statistics, categories and the spooled numbers of a filled row. */
static void fast_gather(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		if (c->type == T_LABEL && cl->na)
			ROW_DIE(x, "%s:%llu: missing label (column '%s'); see --dropna --subset", FNAME(x), LINE(x), c->name);
		if (cl->na) {
			slot_put(x, j, 0, 0, 0);
			continue;
		}
		if (c->type == T_NUMERIC || (c->type == T_LABEL && o->regression)) {
			double v = cell_num(x, c, cl);
			if (x->num_stats)
				scale_add(c, v, 1);
			slot_put(x, j, v, 0, 1);
		} else if (c->type == T_ONEHOT || c->type == T_LABEL)
			cat_slot(x, j, bm_strmap_get(&c->cats, cl->v, cl->len, true));
		else
			slot_put(x, j, 0, 0, 0);
	}
}

/* The row at x->srow is spooled; the next one is written after it. */
static inline void spool_add(ctx_t *x)
{
	bm_spool_add(&x->spool);
	x->srow = bm_spool_next(&x->spool);
}

/* A kept, filled row of the fast path: gathered, its output chosen, spooled. */
static void fast_spool(ctx_t *x)
{
	fast_gather(x);
	x->srow[0] = (unsigned char)split_dest(x);
	spool_add(x);
}

/* Per column of categories, the x column (one-hot) or the class id
 * (label) of each category index of the maps of W, a part or X itself
 * (after layout): what encode_row writes. */
static uint32_t **encode_maps(const ctx_t *x, const ctx_t *w)
{
	uint32_t **map = bm_xcalloc(x->nsel, sizeof *map);
	for (size_t j = 0; j < x->nsel; j++) {
		const col_t *c = &x->c[j];
		bool label = (int)j == x->label && !x->o->regression;
		if (c->type != T_ONEHOT && !label)
			continue;
		/* a part's indices are its own (remap), but the first part's */
		const int64_t *remap = w->remap ? w->remap[j] : NULL;
		size_t n = w->remap ? (remap ? w->c[j].cats.n : 0) : c->cats.n;
		map[j] = bm_xmalloc((n ? n : 1) * sizeof **map);
		for (size_t k = 0; k < n; k++)
			map[j][k] = (uint32_t)((label ? 0 : c->xoff) + (size_t)c->cats.e[remap ? remap[k] : (int64_t)k].id);
	}
	return map;
}

static void encode_maps_free(const ctx_t *x, uint32_t **map)
{
	if (map)
		for (size_t j = 0; j < x->nsel; j++)
			free(map[j]);
	free(map);
}

/* Spooled ROW as a row of x at XR and its label as y[YI]; MAP: the
 * encode_maps of the part it came from. Reads X only. */
static void encode_row(const ctx_t *x, const unsigned char *row, uint32_t *const *map, float *xr, void *y,
                       size_t yi)
{
	const bm_clean_opts_t *o = x->o;
	if (x->sw == 4 && x->scale == BM_SCALE_NONE) {
		/* the slots are the f32 values already (missing: a quiet NaN);
		 * numeric column i is x column i (layout) */
		if (x->num_run)
			memcpy(xr, row + (x->num[0] + 1) * 4, x->nnum * 4);
		else
			for (size_t i = 0; i < x->nnum; i++)
				memcpy(xr + i, row + (x->num[i] + 1) * 4, 4);
	} else {
		for (size_t i = 0; i < x->nnum; i++) {
			const col_t *c = &x->c[x->num[i]];
			double v = slot_num(x, row, x->num[i]);
			if (x->scale == BM_SCALE_STANDARDIZE)
				v = (v - c->mean) / (c->std > 0 ? c->std : 1);
			else if (x->scale == BM_SCALE_MINMAX)
				v = (v - c->min) / (c->max - c->min > 0 ? c->max - c->min : 1);
			xr[c->xoff] = (float)v;
		}
	}
	memset(xr + x->nnum, 0, (x->d - x->nnum) * sizeof *xr); /* the one-hot columns, after the numbers */
	for (size_t i = 0; i < x->noh; i++) {
		int64_t k = slot_id(x, row, x->oh[i]);
		if (k >= 0)
			xr[map[x->oh[i]][k]] = 1;
	}
	if (x->label >= 0) {
		if (o->regression)
			((float *)y)[yi] = (float)slot_num(x, row, (size_t)x->label);
		else
			((int32_t *)y)[yi] = (int32_t)map[x->label][slot_id(x, row, (size_t)x->label)];
	}
}

static void replay_row(ctx_t *x, const unsigned char *row)
{
	dest_t *d = &x->dest[row[0]];
	encode_row(x, row, x->xmap, d->x + d->rows * x->d, d->y, d->rows);
	if (++d->rows == BM_FRAME_ROWS)
		flush_tensor(x, d, false);
}

/* The fast path's rows: each field's value goes through fast_value, then
 * the row through fast_keep; fast_row takes a record from bm_csv_next,
 * fast_quick quick records (bm_csv.h) straight from the reader's bytes. */

/* Column J's value V, LEN (followed by padding) in a row of the fast path:
 * a number is parsed before it is looked up as a missing value (no
 * missing-value string is a number: see fast_rows_ok) and goes to its slot
 * (of SW bytes) at once (a dropped row's slots are overwritten by the
 * next); a category waits in its cell until --dropna has kept the row.
 * Counts a missing value of a --dropna column in *NNA. False, having
 * changed nothing but SROW and CELLS, for a value the row must leave to
 * row(): one that is not a number, a missing label. */
static inline bool fast_value(const ctx_t *x, const fast_col_t *fc, size_t j, const char *v, size_t len,
                              unsigned char *srow, size_t sw, cell_t *cells, size_t *nna)
{
	if (fc->numeric) {
		double d;
		if (bm_values_parse_num_padded(v, len, &d, NULL)) {
			put_slot(srow, sw, j, d, 0, 1);
			return true;
		}
		if (fc->label || !bm_naset_has(&x->na, v, len))
			return false;
		put_slot(srow, sw, j, 0, 0, 0);
		*nna += fc->subset;
		return true;
	}
	bool na = bm_naset_has(&x->na, v, len);
	if (na) {
		if (fc->label)
			return false;
		*nna += fc->subset;
	}
	/* what fast_keep and split_dest read */
	cells[j].v = v;
	cells[j].len = len;
	cells[j].na = na;
	return true;
}

/* The row at LINE whose values fast_value has taken, NNA of them missing
 * in --dropna columns: dropped, or its categories counted and put in
 * their slots, its output chosen, and spooled. */
static inline void fast_keep(ctx_t *x, uint64_t line, size_t nna)
{
	x->line = line;
	x->nread++;
	if (!keep_counts(x->o, nna, x->nfsub)) {
		x->ndropna++;
		return;
	}
	x->krow++;
	for (size_t i = 0; i < x->nfcat; i++) {
		size_t j = x->fcat[i];
		const cell_t *cl = &x->cells[j];
		if (cl->na)
			slot_put(x, j, 0, 0, 0);
		else /* a field's value: padded */
			cat_slot(x, j, bm_strmap_get_padded(&x->c[j].cats, cl->v, cl->len, true));
	}
	if (x->num_stats) /* slots of 8 bytes: the doubles */
		for (size_t j = 0; j < x->nsel; j++)
			if (x->fcol[j].numeric)
				scale_add(&x->c[j], slot_num(x, x->srow, j), 1);
	x->srow[0] = (unsigned char)split_dest(x);
	spool_add(x);
}

/* REC as a row of the fast path; false, having changed nothing but x->srow
 * and x->cells (which row() writes again), for a row it leaves to row():
 * a ragged row, or a value fast_value leaves. */
#ifdef __x86_64__
/* a copy for processors with SSSE3, where the numbers' parser is inline */
__attribute__((target_clones("default", "ssse3"), flatten))
#endif
static bool fast_row(ctx_t *x, const bm_csv_rec_t *rec)
{
	if (rec->n != x->nin)
		return false;
	size_t nna = 0;
	/* in locals: the slots' stores could change x for all the compiler knows */
	const fast_col_t *fcol = x->fcol;
	const bm_csv_field_t *fields = rec->f;
	cell_t *cells = x->cells;
	unsigned char *srow = x->srow;
	const size_t nsel = x->nsel, sw = x->sw;
	for (size_t j = 0; j < nsel; j++) {
		const bm_csv_field_t *f = &fields[fcol[j].in];
		if (!fast_value(x, &fcol[j], j, f->val, f->len, srow, sw, cells, &nna))
			return false;
	}
	fast_keep(x, rec->line, nna);
	return true;
}

/* Up to MAX quick records at Q (bm_csv.h) as rows of the fast path, their
 * fields read in input order (x->fin: each one's column, or none), until
 * one is not a quick record or is a row fast_row would leave to row(),
 * which is not accepted. Returns the rows taken. */
#ifdef __x86_64__
__attribute__((target_clones("default", "ssse3"), flatten))
#endif
static uint64_t fast_quick(ctx_t *x, bm_csv_quick_t *q, uint64_t max)
{
	const fast_col_t *fcol = x->fcol;
	const fast_in_t *fin = x->fin, *fend = x->fin + x->nin;
	cell_t *cells = x->cells;
	const size_t sw = x->sw;
	uint64_t n = 0;
	for (; n < max && bm_csv_quick_record(q); n++) {
		unsigned char *srow = x->srow; /* in the spool */
		size_t nna = 0;
		for (const fast_in_t *f = fin; f < fend; f++) {
#ifdef __x86_64__
			if (f->kind == FIN_NUMBER) { /* the usual number, found and parsed at once */
				double d;
				size_t len = bm_parse_prefix_ssse3(q->cur, &d);
				if (len) {
					int st = bm_csv_quick_after(q, q->cur + len);
					if (st == f->end) {
						put_slot(srow, sw, f->col, d, 0, 1);
						continue;
					}
					if (st != BM_CSV_QUICK_NO)
						return n;
				}
			}
#endif
			const char *v;
			size_t len;
			if (bm_csv_quick_field(q, &v, &len) != f->end)
				return n;
			if (f->kind != FIN_SKIP && !fast_value(x, &fcol[f->col], f->col, v, len, srow, sw, cells, &nna))
				return n;
		}
		uint64_t line = q->line;
		bm_csv_quick_accept(q);
		fast_keep(x, line, nna);
	}
	return n;
}

/* Whether fast_row can take the rows: the fast path with no filling,
 * --dedup or --report, every column's type known (after the first row),
 * and no missing-value string that reads as a number. If so, it sets
 * what fast_row needs of the columns: x->fcol, and x->fcat, the columns of
 * categories. */
static bool fast_rows_ok(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (!x->fast || o->report || o->dedup || o->nfillna || o->ffill || o->bfill)
		return false;
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].type == T_UNDECIDED)
			return false;
	for (size_t i = 0; i < x->na.n; i++) {
		double v;
		if (bm_values_parse_num(x->na.s[i], x->na.len[i], &v, NULL))
			return false;
	}
	if (!x->fcol) {
		x->fcol = bm_xcalloc(x->nsel, sizeof *x->fcol);
		x->fcat = bm_xcalloc(x->nsel, sizeof *x->fcat);
		x->fin = bm_xmalloc(x->nin * sizeof *x->fin);
		for (size_t i = 0; i < x->nin; i++)
			x->fin[i] = (fast_in_t){0, FIN_SKIP, i + 1 < x->nin ? BM_CSV_QUICK_DELIM : BM_CSV_QUICK_EOL};
		bool quick = true;
		for (size_t j = 0; j < x->nsel; j++) {
			x->nfsub += x->c[j].subset;
			x->fcol[j] = (fast_col_t){x->c[j].in, col_numeric(x, j), x->c[j].type == T_LABEL, x->c[j].subset};
			if (!x->fcol[j].numeric)
				x->fcat[x->nfcat++] = j;
			fast_in_t *f = &x->fin[x->c[j].in];
			quick &= f->kind == FIN_SKIP; /* else a field read twice */
			f->col = j;
			f->kind = x->fcol[j].numeric && bm_have_ssse3 ? FIN_NUMBER : FIN_VALUE;
		}
		if (!quick) {
			free(x->fin);
			x->fin = NULL;
		}
	}
	return true;
}

/* After the pass: the spooled rows as x/y frames, in order. */
static void fast_replay(ctx_t *x);

/* ---- inputs ---- */

static void spool_stdin(ctx_t *x)
{
	FILE *f = bm_tmpfile();
	int fd = dup(fileno(f));
	fclose(f);
	if (fd < 0)
		bm_die("dup: %s", strerror(errno));
	bm_in_t *in = bm_in_open("-");
	if (!in)
		bm_die("%s", bm_errmsg());
	char *buf = bm_xmalloc(1 << 20);
	ssize_t n;
	while ((n = bm_in_read(in, buf, 1 << 20)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				bm_die("spooling standard input to a temporary file: %s", strerror(errno));
			}
			off += w;
		}
	}
	if (n < 0)
		bm_die("%s", bm_errmsg());
	free(buf);
	bm_in_close(in);
	x->spool_fd = fd;
}

static bm_in_t *open_input(ctx_t *x, const char *path)
{
	bm_in_t *in;
	if ((!path || strcmp(path, "-") == 0) && x->spool_fd >= 0) {
		int fd = dup(x->spool_fd);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
			bm_die("rereading spooled standard input: %s", strerror(errno));
		in = bm_in_fdopen(fd, "-");
	} else
		in = bm_in_open(path);
	if (!in)
		bm_die("%s", bm_errmsg());
	return in;
}

static void layout(ctx_t *x);
static void open_outputs(ctx_t *x);

/* ---- progress: records read, on stderr (o->progress) ---- */

struct progress {
	uint64_t rows;    /* records read by all threads (atomic adds) */
	double t0, last;
	const char *what;
	pthread_t owner;  /* the thread that draws */
};

#define PROGRESS_EVERY 8192 /* records between looks at the clock */

static void progress_draw(struct progress *p, double t, const char *end)
{
	uint64_t rows = __atomic_load_n(&p->rows, __ATOMIC_RELAXED);
	double dt = t - p->t0;
	fprintf(stderr, "\rbm-clean: %s: %" PRIu64 " rows in %.1f s (%.0f rows/s)%s", p->what, rows, dt,
	        dt > 0 ? (double)rows / dt : 0.0, end);
}

static void progress_start(ctx_t *x, const char *what)
{
	struct progress *p = x->prog;
	if (!p)
		return;
	p->rows = 0;
	p->t0 = p->last = bm_seconds();
	p->what = what;
	p->owner = pthread_self();
}

/* N more records; redrawn at most 4 times a second, by the owner thread. */
static void progress_add(ctx_t *x, uint64_t n)
{
	struct progress *p = x->prog;
	if (!p)
		return;
	__atomic_fetch_add(&p->rows, n, __ATOMIC_RELAXED);
	if (!pthread_equal(pthread_self(), p->owner))
		return;
	double t = bm_seconds();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	progress_draw(p, t, "   ");
}

/* The pass's last line. */
static void progress_end(ctx_t *x)
{
	if (x->prog)
		progress_draw(x->prog, bm_seconds(), "\n");
}

#define QUICK_WAIT 32 /* records left to bm_csv_next after a try that took none */

/* Take what quick records R holds as rows of the fast path (when fast_row
 * takes the rows): the count in *NREC. Then bm_csv_next reads on from the
 * first record that is not taken. */
static void fast_quick_records(ctx_t *x, bm_csv_t *r, uint64_t *nrec)
{
	if (x->quick_wait) { /* the last try took none: the records may all be others */
		x->quick_wait--;
		return;
	}
	bm_csv_quick_t q;
	if (!x->fin || !bm_csv_quick_begin(r, &q))
		return;
	uint64_t taken, any = 0;
	while ((taken = fast_quick(x, &q, PROGRESS_EVERY - *nrec))) {
		any += taken;
		if ((*nrec += taken) == PROGRESS_EVERY) {
			progress_add(x, *nrec);
			*nrec = 0;
		}
	}
	if (!any)
		x->quick_wait = QUICK_WAIT;
	bm_csv_quick_end(r, &q);
}

static void run_pass(ctx_t *x, int pass)
{
	const bm_clean_opts_t *o = x->o;
	x->krow = 0;
	for (int i = 0; i < (x->nfiles ? x->nfiles : 1); i++) {
		const char *path = x->nfiles ? x->files[i] : "-";
		bm_in_t *in = open_input(x, path);
		x->fname = bm_in_name(in);
		/* A second thread pays for decompression; for plain input, splitting
		 * records in one thread and using them in another costs more (the
		 * records cross between cores) than it saves. */
		bm_csv_opts_t co = x->csv;
		co.threaded = o->threads > 1 && bm_in_is_gzip(in);
		bm_csv_t *r = bm_csv_open(in, &co);
		if (!r)
			bm_die("%s", bm_errmsg());
		bm_csv_rec_t *rec;
		int st;
		bool first = true, checked = false;
		uint64_t nrec = 0;
		for (;;) {
			if (x->fast_rows && pass == PASS_WRITE)
				fast_quick_records(x, r, &nrec);
			if ((st = bm_csv_next(r, &rec)) <= 0)
				break;
			if (first) {
				first = false;
				x->line = rec->line;
				if (!x->ready) {
					setup(x, rec);
					if (x->fast) {
						x->sw = x->scale > 0 || o->save_stats ? 8 : 4;
						bm_spool_init(&x->spool, (x->nsel + 1) * x->sw, SPOOL_MEM);
						x->srow = bm_spool_next(&x->spool);
					} else if (!x->twopass) {
						layout(x);
						open_outputs(x);
					}
					if (!o->no_header)
						continue;
				} else if (!o->no_header) {
					check_header(x, rec);
					continue;
				}
			}
			if (!(x->fast_rows && pass == PASS_WRITE && fast_row(x, rec))) {
				row(x, rec, pass);
				if (!checked && x->fast)
					x->fast_rows = fast_rows_ok(x); /* the types are known now */
				checked = true;
			}
			if (++nrec == PROGRESS_EVERY) {
				progress_add(x, nrec);
				nrec = 0;
			}
		}
		if (st < 0)
			bm_die("%s", bm_errmsg());
		if (first && !o->no_header)
			bm_die("%s: empty input, no header", x->fname);
		progress_add(x, nrec);
		bm_csv_close(r);
	}
}

/* ---- the one-pass --tensor path on several threads ----
 *
 * A plain file is cut into parts at line feeds, a few per thread; the
 * threads take the parts in turn (bm_pool), each read by its own copy of
 * the context, spooling its rows with its own category indices. A part is right only if the record before it ends
 * exactly at its start: the part before, read as an input that ends there,
 * then ends without an unterminated quoted field. If any part fails (that,
 * or a bad row), everything is read again in one thread, which gives the
 * error with its line. Then, in file order, the categories are merged (the
 * same first-seen order as one thread), the scaling statistics computed
 * from the spooled numbers, and the rows replayed: the same bytes for any
 * -j. */

#define PART_MIN (4u << 20) /* bytes per part at least */
/* Parts per thread: the threads take them in turn, so one slowed by other
 * work on the machine leaves the others more, not the end of its half. */
#define PARTS_PER_THREAD 4

struct part {
	ctx_t w;
	int fd;              /* bytes [off, off + len) of the file open as FD */
	uint64_t off, len;
	bm_csv_t *r;         /* their reader, while the part is read (the
	                      * first's from the start, for the header) */
	bm_csv_rec_t *first; /* a record to use before reading (--no-header) */
	jmp_buf jb;
	bool ok;
};

static void *part_run(void *arg)
{
	struct part *p = arg;
	ctx_t *w = &p->w;
	if (setjmp(p->jb)) {
		p->ok = false;
		return NULL;
	}
	w->jb = &p->jb;
	if (!p->r && !(p->r = bm_csv_open_range(p->fd, w->fname, p->off, p->len, &w->csv)))
		bm_die("%s", bm_errmsg());
	if (p->first)
		row(w, p->first, PASS_WRITE);
	bm_csv_rec_t *rec;
	int st;
	uint64_t nrec = 0;
	for (;;) {
		if (w->fast_rows)
			fast_quick_records(w, p->r, &nrec);
		if ((st = bm_csv_next(p->r, &rec)) <= 0)
			break;
		if (++nrec == PROGRESS_EVERY) {
			progress_add(w, nrec);
			nrec = 0;
		}
		if (!(w->fast_rows && fast_row(w, rec)))
			row(w, rec, PASS_WRITE);
	}
	progress_add(w, nrec);
	p->ok = st == 0;
	/* its buffers go back to the allocator now, for the next part: less
	 * memory touched for the first time */
	bm_csv_close(p->r);
	p->r = NULL;
	return NULL;
}

/* bm_pool task T: part T. */
static void part_task(void *arg, int t, int worker)
{
	(void)worker;
	part_run(&((struct part *)arg)[t]);
}

static void parts_free(ctx_t *x)
{
	for (int k = 0; k < x->nparts; k++) {
		struct part *p = &x->parts[k];
		ctx_t *w = &p->w;
		bm_csv_close(p->r);
		if (w->c) {
			for (size_t j = 0; j < w->nsel; j++)
				bm_strmap_free(&w->c[j].cats);
			free(w->c);
		}
		free(w->cells);
		bm_spool_free(&w->spool);
		if (w->remap) {
			for (size_t j = 0; j < w->nsel; j++)
				free(w->remap[j]);
			free(w->remap);
		}
		encode_maps_free(w, w->xmap);
	}
	free(x->parts);
	x->parts = NULL;
	x->nparts = 0;
}

/* The offset just after the first line feed at or after OFF, or 0. */
static uint64_t next_line(int fd, uint64_t off, uint64_t size)
{
	char buf[1 << 16];
	while (off < size) {
		ssize_t n = pread(fd, buf, sizeof buf, (off_t)off);
		if (n <= 0)
			return 0;
		char *nl = memchr(buf, '\n', (size_t)n);
		if (nl)
			return off + (uint64_t)(nl - buf) + 1;
		off += (uint64_t)n;
	}
	return 0;
}

static void scale_row(void *arg, const unsigned char *row)
{
	ctx_t *x = arg;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		if (c->type == T_NUMERIC || (c->type == T_LABEL && x->o->regression))
			scale_add(c, slot_num(x, row, j), 1);
	}
}

/* Read the input in parts on O->threads threads. False when it cannot (not
 * one plain regular file, too small, an option that needs the rows in
 * order) or a part failed: then nothing has changed but the header may
 * have been read (x->ready). */
static bool fast_parallel(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->threads < 2 || o->dedup || o->split >= 0 || o->ffill || x->nfiles > 1)
		return false;
	const char *path = x->nfiles ? x->files[0] : "-";
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* the one-thread read says why */
	struct stat st;
	unsigned char magic[2];
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= 2 * PART_MIN &&
	          pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b);
	int np = o->threads * PARTS_PER_THREAD;
	if (ok && (uint64_t)st.st_size / PART_MIN < (uint64_t)np)
		np = (int)((uint64_t)st.st_size / PART_MIN);
	uint64_t size = ok ? (uint64_t)st.st_size : 0;
	uint64_t *cut = NULL;
	if (ok) {
		cut = bm_xcalloc((size_t)np + 1, sizeof *cut);
		cut[np] = size;
		for (int k = 1; k < np && ok; k++) {
			cut[k] = next_line(fd, size / (uint64_t)np * (uint64_t)k, size);
			ok = cut[k] > cut[k - 1] && cut[k] < size;
		}
	}
	if (!ok) {
		free(cut);
		if (!is_stdin)
			close(fd);
		return false;
	}
	x->parts = bm_xcalloc((size_t)np, sizeof *x->parts);
	x->nparts = np;
	for (int k = 0; k < np; k++)
		x->parts[k] = (struct part){.fd = fd, .off = cut[k], .len = cut[k + 1] - cut[k]};
	free(cut);
	x->parts[0].r = bm_csv_open_range(fd, path, x->parts[0].off, x->parts[0].len, &x->csv);
	if (!x->parts[0].r)
		bm_die("%s", bm_errmsg());
	/* the header */
	bm_csv_rec_t *rec;
	int rst = bm_csv_next(x->parts[0].r, &rec);
	ok = rst > 0;
	if (ok && !x->ready) {
		x->fname = path;
		x->line = rec->line;
		setup(x, rec);
		x->sw = x->scale > 0 || o->save_stats ? 8 : 4;
		bm_spool_init(&x->spool, (x->nsel + 1) * x->sw, SPOOL_MEM);
		x->srow = bm_spool_next(&x->spool);
	}
	for (size_t j = 0; ok && j < x->nsel; j++)
		ok = x->c[j].type != T_UNDECIDED; /* decided by the first value */
	if (!ok) {
		parts_free(x);
		if (!is_stdin)
			close(fd);
		return false;
	}
	bool fast_rows = fast_rows_ok(x);
	for (int k = 0; k < np; k++) {
		struct part *p = &x->parts[k];
		ctx_t *w = &p->w;
		*w = *x;
		w->parts = NULL;
		w->nparts = 0;
		w->c = bm_xmalloc(x->nsel * sizeof *w->c);
		memcpy(w->c, x->c, x->nsel * sizeof *w->c);
		w->cells = bm_xcalloc(x->nsel, sizeof *w->cells);
		bm_spool_init(&w->spool, (x->nsel + 1) * x->sw, SPOOL_MEM / (size_t)np);
		w->srow = bm_spool_next(&w->spool);
		w->num_stats = false;
		w->nread = w->ndropna = w->ndedup = w->krow = 0;
		w->remap = NULL;
		w->xmap = NULL;
		w->fname = path;
		w->fast_rows = fast_rows;
		if (k == 0 && o->no_header)
			p->first = rec;
	}
	bm_pool_run(np, o->threads, part_task, x->parts);
	for (int k = 0; k < np; k++)
		ok &= x->parts[k].ok;
	if (!is_stdin)
		close(fd);
	if (!ok) {
		parts_free(x);
		return false;
	}
	if (is_stdin)
		lseek(fd, 0, SEEK_END); /* read, as by one thread */
	/* merge, in file order */
	for (int k = 0; k < np; k++) {
		ctx_t *w = &x->parts[k].w;
		x->nread += w->nread;
		x->ndropna += w->ndropna;
		x->krow += w->krow;
		if (k > 0)
			w->remap = bm_xcalloc(x->nsel, sizeof *w->remap);
		for (size_t j = 0; j < x->nsel; j++) {
			col_t *c = &x->c[j], *wc = &w->c[j];
			c->missing += wc->missing;
			c->filled += wc->filled;
			if (wc->rtype > c->rtype)
				c->rtype = wc->rtype;
			if (k == 0) {
				c->cats = wc->cats;
				memset(&wc->cats, 0, sizeof wc->cats);
				continue;
			}
			if (!wc->cats.n)
				continue;
			w->remap[j] = bm_xmalloc(wc->cats.n * sizeof *w->remap[j]);
			for (size_t i = 0; i < wc->cats.n; i++) {
				const bm_strmap_ent_t *e = &wc->cats.e[i];
				int64_t g = bm_strmap_get(&c->cats, e->key, e->len, true);
				if (g >= (int64_t)SLOT_MISSING4)
					bm_die("%s: column '%s': too many categories", path, c->name);
				c->cats.e[g].count += e->count;
				w->remap[j][i] = g;
			}
		}
	}
	if (x->num_stats)
		for (int k = 0; k < np; k++)
			bm_spool_each(&x->parts[k].w.spool, scale_row, x, false);
	return true;
}

static void replay_cb(void *arg, const unsigned char *row)
{
	replay_row(arg, row);
}

/* A frame of the parallel replay: its first row (of all the spooled
 * rows, in order), and where each part's rows begin. */
typedef struct {
	ctx_t *x;
	uint64_t g0;
	size_t rows, per; /* rows in the frame, and per task */
	const uint64_t *start; /* [nparts + 1] */
} replay_job_t;

/* Task T: rows [T * per, (T + 1) * per) of the frame, each from its part. */
static void replay_task(void *arg, int t, int worker)
{
	const replay_job_t *j = arg;
	const ctx_t *x = j->x;
	const dest_t *d = &x->dest[0];
	(void)worker;
	size_t end = (size_t)(t + 1) * j->per < j->rows ? (size_t)(t + 1) * j->per : j->rows;
	int k = 0;
	for (size_t r = (size_t)t * j->per; r < end; r++) {
		uint64_t g = j->g0 + r;
		while (g >= j->start[k + 1])
			k++;
		const ctx_t *w = &x->parts[k].w;
		encode_row(x, bm_spool_row(&w->spool, g - j->start[k]), w->xmap, d->x + r * x->d, d->y, r);
	}
}

/* The parts' rows, frame by frame, each frame's rows encoded by all the
 * threads (the encoding is a sixth of the time of --tensor, and the parts
 * are read in parallel already): the same bytes as one thread. Only for
 * one output and rows all in memory; false otherwise. */
static bool replay_parallel(ctx_t *x)
{
	if (x->o->threads < 2 || x->ndest != 1 || x->nparts < 1)
		return false;
	uint64_t *start = bm_xcalloc((size_t)x->nparts + 1, sizeof *start);
	for (int k = 0; k < x->nparts; k++) {
		if (!bm_spool_in_memory(&x->parts[k].w.spool)) {
			free(start);
			return false;
		}
		start[k + 1] = start[k] + bm_spool_rows(&x->parts[k].w.spool);
	}
	dest_t *d = &x->dest[0];
	for (uint64_t g0 = 0; g0 < start[x->nparts]; g0 += BM_FRAME_ROWS) {
		size_t rows = start[x->nparts] - g0 < BM_FRAME_ROWS ? (size_t)(start[x->nparts] - g0) : BM_FRAME_ROWS;
		int tasks = x->o->threads;
		replay_job_t j = {x, g0, rows, (rows + (size_t)tasks - 1) / (size_t)tasks, start};
		bm_pool_run(tasks, x->o->threads, replay_task, &j);
		d->rows = rows;
		flush_tensor(x, d, false);
	}
	free(start);
	return true;
}

static void fast_replay(ctx_t *x)
{
	if (!x->parts) {
		x->xmap = encode_maps(x, x);
		bm_spool_each(&x->spool, replay_cb, x, true);
		encode_maps_free(x, x->xmap);
		x->xmap = NULL;
		return;
	}
	for (int k = 0; k < x->nparts; k++)
		x->parts[k].w.xmap = encode_maps(x, &x->parts[k].w);
	if (!replay_parallel(x))
		for (int k = 0; k < x->nparts; k++) {
			x->xmap = x->parts[k].w.xmap;
			bm_spool_each(&x->parts[k].w.spool, replay_cb, x, true);
		}
	x->xmap = NULL;
	parts_free(x);
}

/* ---- the run ---- */

void bm_clean_opts_init(bm_clean_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->delim = ',';
	o->comment = -1;
	o->thresh = -1;
	o->scale = -1;
	o->split = -1;
	o->threads = 1;
}

void bm_clean_check_opts(const bm_clean_opts_t *o)
{
	if (o->subset && o->dropna == BM_DROPNA_NONE && o->thresh < 0 && !o->dedup)
		bm_usage_error("--subset needs --dropna, --thresh or --dedup");
	if (o->tensor) {
		if (o->regression && !o->label && !o->load_stats)
			bm_usage_error("--regression needs --label");
	} else {
		if (o->regression || o->onehot || o->coerce || o->scale > 0)
			bm_usage_error("--%s needs --tensor", o->regression ? "regression"
			                                      : o->onehot    ? "onehot"
			                                      : o->coerce    ? "coerce"
			                                      : o->scale == BM_SCALE_STANDARDIZE ? "standardize"
			                                                                         : "minmax");
	}
	if (o->save_stats && o->load_stats)
		bm_usage_error("--save-stats and --load-stats exclude each other");
	if (o->split >= 0 && !o->test_out)
		bm_usage_error("--split needs --test-out");
	if (o->test_out && o->split < 0)
		bm_usage_error("--test-out needs --split");
	if (o->stratify && o->split < 0)
		bm_usage_error("--stratify needs --split");
	if (o->stratify && (!o->label || o->regression))
		bm_usage_error("--stratify needs --label (and not --regression)");
	if (o->comment == o->delim || o->comment == '"')
		bm_usage_error("--comment: must differ from the delimiter and the quote");
}

static void open_outputs(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	int flags = (o->gzip ? BM_OUT_GZIP : 0) | (o->tensor ? BM_OUT_BINARY : 0);
	x->ndest = o->split >= 0 ? 2 : 1;
	const char *paths[2] = {o->output, o->test_out};
	for (int i = 0; i < x->ndest; i++) {
		dest_t *d = &x->dest[i];
		d->out = bm_out_open(paths[i], flags);
		if (!d->out)
			bm_die("%s", bm_errmsg());
		if (o->tensor) {
			d->x = bm_xmalloc((size_t)BM_FRAME_ROWS * (x->d ? x->d : 1) * sizeof *d->x);
			d->y = bm_xmalloc((size_t)BM_FRAME_ROWS * 4);
			/* metadata frames first */
			bm_buf_t b = {0};
			for (size_t k = 0; k < x->nnum; k++) {
				if (b.len)
					bm_buf_add(&b, "\n", 1);
				const char *nm = x->c[x->num[k]].name;
				bm_buf_add(&b, nm, strlen(nm));
			}
			for (size_t k = 0; k < x->noh; k++) {
				col_t *c = &x->c[x->oh[k]];
				for (size_t id = 0; id < c->cats.n; id++) {
					const bm_strmap_ent_t *e = sm_by_id(&c->cats, (int64_t)id);
					if (b.len)
						bm_buf_add(&b, "\n", 1);
					bm_buf_add(&b, c->name, strlen(c->name));
					bm_buf_add(&b, "_", 1);
					bm_buf_add(&b, e->key, e->len);
				}
			}
			uint64_t dims[1] = {b.len};
			if (bm_write_frame(d->out, "columns", BM_U8, 1, dims, b.s ? b.s : "") < 0)
				bm_die("%s", bm_errmsg());
			if (x->label >= 0 && !o->regression) {
				col_t *c = &x->c[x->label];
				b.len = 0;
				for (size_t id = 0; id < c->cats.n; id++) {
					const bm_strmap_ent_t *e = sm_by_id(&c->cats, (int64_t)id);
					if (id)
						bm_buf_add(&b, "\n", 1);
					bm_buf_add(&b, e->key, e->len);
				}
				dims[0] = b.len;
				if (bm_write_frame(d->out, "classes", BM_U8, 1, dims, b.s ? b.s : "") < 0)
					bm_die("%s", bm_errmsg());
			}
			free(b.s);
		} else if (x->hdr_line.len) {
			out_write(d, x->hdr_line.s, x->hdr_line.len);
		}
	}
}

static void print_report(ctx_t *x)
{
	static const char *const tname[] = {"empty", "int", "float", "string"};
	uint64_t written = x->dest[0].written + (x->ndest > 1 ? x->dest[1].written : 0);
	fprintf(stderr, "%s: %s: %llu rows read, %llu dropped by --dropna, %llu dropped by --dedup, %llu written",
	        bm_prog, x->first_file ? x->first_file : "-", (unsigned long long)x->nread,
	        (unsigned long long)x->ndropna, (unsigned long long)x->ndedup, (unsigned long long)written);
	if (x->ndest > 1)
		fprintf(stderr, " (%llu train, %llu test)", (unsigned long long)x->dest[0].written,
		        (unsigned long long)x->dest[1].written);
	fprintf(stderr, "\n");
	int w = 6;
	for (size_t j = 0; j < x->nsel; j++)
		if ((int)strlen(x->c[j].name) > w)
			w = (int)strlen(x->c[j].name);
	if (w > 40)
		w = 40;
	fprintf(stderr, "%-*s  %-6s  %10s  %10s\n", w, "column", "type", "missing", "filled");
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		fprintf(stderr, "%-*s  %-6s  %10llu  %10llu\n", w, c->name, tname[c->rtype],
		        (unsigned long long)c->missing, (unsigned long long)c->filled);
	}
}

static bool is_stat(const char *v)
{
	return strcmp(v, "mean") == 0 || strcmp(v, "median") == 0 || strcmp(v, "mode") == 0;
}

/* Whether a --fillna argument asks for a statistic (mean, median, mode). */
static bool fill_arg_has_stat(const char *arg)
{
	if (is_stat(arg))
		return true;
	if (!strchr(arg, '='))
		return false;
	char **items;
	int n = bm_csv_split_list(arg, &items);
	bool r = false;
	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		r |= eq && is_stat(eq + 1);
	}
	bm_csv_free_list(items, n);
	return r;
}

static void ctx_free(ctx_t *x)
{
	bm_naset_free(&x->na);
	bm_spool_free(&x->spool);
	for (size_t i = 0; i < x->nin; i++) {
		free(x->hnames[i]);
		free(x->hraw[i]);
	}
	free(x->hnames);
	free(x->hraw);
	free(x->hrawlen);
	free(x->hdr_line.s);
	free(x->first_file);
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		free(c->fillv);
		for (int k = 0; k < 5; k++)
			free(c->statfill[k]);
		free(c->last.s);
		free(c->brow);
		free(c->boff);
		free(c->blen);
		free(c->bvals.s);
		free(c->vals);
		bm_strmap_free(&c->mode);
		bm_strmap_free(&c->cats);
	}
	free(x->c);
	free(x->cells);
	free(x->fcol);
	free(x->fcat);
	free(x->fin);
	free(x->num);
	free(x->oh);
	free(x->dset);
	free(x->cls_left);
	free(x->cls_test);
	for (int i = 0; i < 2; i++) {
		free(x->dest[i].x);
		free(x->dest[i].y);
	}
	free(x->row.s);
	free(x);
}

int bm_clean_run(const bm_clean_opts_t *o, char **files, int nfiles)
{
	ctx_t *x = bm_xcalloc(1, sizeof *x);
	x->o = o;
	x->csv = (bm_csv_opts_t){o->delim, '"', o->comment, false, false};
	x->files = files;
	x->nfiles = nfiles;
	x->spool_fd = -1;
	x->scale = o->scale > 0 ? o->scale : BM_SCALE_NONE;
	x->rng = o->seed;
	struct progress prog;
	if (o->progress)
		x->prog = &prog;
	if (!o->no_default_na)
		bm_naset_add_defaults(&x->na);
	if (o->na_values) {
		char **items;
		int n = bm_csv_split_list(o->na_values, &items);
		if (n < 0)
			bm_usage_error("--na-values: malformed list '%s'", o->na_values);
		for (int i = 0; i < n; i++)
			bm_naset_add(&x->na, items[i]);
		bm_csv_free_list(items, n);
	}
	bool stat_fill = false;
	for (int i = 0; i < o->nfillna; i++)
		stat_fill |= fill_arg_has_stat(o->fillna[i]);
	x->fast = o->tensor && !o->load_stats && !o->bfill && !stat_fill && !o->stratify;
	x->twopass = !x->fast && (o->bfill || o->stratify || o->save_stats ||
	                          (!o->load_stats && (stat_fill || o->tensor)));
	bool uses_stdin = nfiles == 0;
	for (int i = 0; i < nfiles; i++)
		uses_stdin |= strcmp(files[i], "-") == 0;
	if (x->twopass && uses_stdin)
		spool_stdin(x);
	if (x->twopass) {
		x->num_stats = o->tensor && !o->load_stats && (x->scale > 0 || o->save_stats);
		x->skip_num = !o->coerce && !x->num_stats;
		/* --dedup drops rows only once they are filled, which needs pass
		 * 1's fill values: the statistics of the rows it keeps take a
		 * pass of their own */
		bool kept = o->dedup && !x->stats_loaded && (o->tensor || o->stratify);
		progress_start(x, kept ? "pass 1 of 3" : "pass 1 of 2");
		run_pass(x, PASS_GATHER);
		progress_end(x);
		x->skip_num = false;
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
		finish_pass1(x);
		if (kept) {
			reset_kept(x);
			progress_start(x, "pass 2 of 3");
			run_pass(x, PASS_KEPT);
			progress_end(x);
			finish_stats(x);
			rewind_rows(x);
		}
		layout(x);
		if (o->stratify) {
			col_t *c = &x->c[x->label];
			x->cls_left = bm_xcalloc(c->cats.n, sizeof *x->cls_left);
			x->cls_test = bm_xcalloc(c->cats.n, sizeof *x->cls_test);
			for (size_t i = 0; i < c->cats.n; i++) {
				uint64_t n = c->cats.e[i].count;
				x->cls_left[c->cats.e[i].id] = n;
				x->cls_test[c->cats.e[i].id] = (uint64_t)floor((double)n * o->split + 0.5);
			}
		}
		if (o->save_stats)
			bm_clean_save_stats(x);
		rewind_rows(x);
		open_outputs(x);
		progress_start(x, kept ? "pass 3 of 3" : "pass 2 of 2");
		run_pass(x, PASS_WRITE);
		progress_end(x);
	} else if (x->fast) {
		x->num_stats = x->scale > 0 || o->save_stats;
		progress_start(x, "reading");
		if (!fast_parallel(x)) {
			if (x->prog && x->prog->rows)
				progress_start(x, "reading again in one thread");
			run_pass(x, PASS_WRITE);
		}
		progress_end(x);
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
		finish_pass1(x);
		layout(x);
		if (o->save_stats)
			bm_clean_save_stats(x);
		open_outputs(x);
		fast_replay(x);
	} else {
		progress_start(x, "reading");
		run_pass(x, PASS_WRITE);
		progress_end(x);
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
	}
	for (int i = 0; i < x->ndest; i++) {
		dest_t *d = &x->dest[i];
		if (o->tensor)
			flush_tensor(x, d, true);
	}
	if (o->report)
		print_report(x);
	for (int i = 0; i < x->ndest; i++)
		if (bm_out_commit(x->dest[i].out) < 0)
			bm_die("%s", bm_errmsg());
	if (x->spool_fd >= 0)
		close(x->spool_fd);
	ctx_free(x);
	return BM_EXIT_OK;
}
