/* bm_rinput.c: the history TSV and bm-eval json readers of bm-report. */
#include "bm_rinput.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_err.h"
#include "bm_json.h"

void bm_hist_free(bm_hist_t *h)
{
	for (size_t i = 0; h->names && i < h->ncols; i++)
		free(h->names[i]);
	free(h->names);
	free(h->v);
	memset(h, 0, sizeof *h);
}

int bm_hist_col(const bm_hist_t *h, const char *col)
{
	for (size_t i = 0; i < h->ncols; i++)
		if (strcmp(h->names[i], col) == 0)
			return (int)i;
	return -1;
}

/* The fields of line L (N bytes) split at tabs into F (at most MAX); the
 * count, or MAX + 1 when there are more. */
static size_t split(const char *l, size_t n, const char **f, size_t *flen, size_t max)
{
	size_t k = 0;
	const char *e = l + n;
	for (const char *p = l;; ) {
		const char *t = memchr(p, '\t', (size_t)(e - p));
		if (k == max)
			return max + 1;
		f[k] = p;
		flen[k++] = (size_t)((t ? t : e) - p);
		if (!t)
			return k;
		p = t + 1;
	}
}

int bm_hist_parse(const char *text, size_t len, const char *name, bm_hist_t *h)
{
	memset(h, 0, sizeof *h);
	const char *f[BM_HIST_MAX_COLS];
	size_t fl[BM_HIST_MAX_COLS], cap = 0;
	const char *p = text, *end = text + len;
	for (size_t line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		size_t k = split(p, n, f, fl, BM_HIST_MAX_COLS);
		p = nl ? nl + 1 : end;
		if (k > BM_HIST_MAX_COLS) {
			bm_seterr("%s:%zu: more than %d columns", name, line, BM_HIST_MAX_COLS);
			goto fail;
		}
		if (line == 1) {
			if (fl[0] != 5 || memcmp(f[0], "epoch", 5) || k < 2) {
				bm_seterr("%s:1: not a bm-train history: the header must start with 'epoch' and a column", name);
				goto fail;
			}
			h->ncols = k;
			h->names = bm_xcalloc(k, sizeof *h->names);
			for (size_t i = 0; i < k; i++) {
				if (fl[i] == 0 || memchr(f[i], 0, fl[i])) {
					bm_seterr("%s:1: column %zu has no name", name, i + 1);
					goto fail;
				}
				h->names[i] = bm_xmemdup(f[i], fl[i]);
			}
			continue;
		}
		if (n == 0 && !nl)
			break;
		if (k != h->ncols) {
			bm_seterr("%s:%zu: expected %zu fields, found %zu", name, line, h->ncols, k);
			goto fail;
		}
		if (h->nrows == BM_HIST_MAX_ROWS) {
			bm_seterr("%s:%zu: more than %d epochs", name, line, BM_HIST_MAX_ROWS);
			goto fail;
		}
		if (h->nrows == cap) {
			cap = cap ? cap * 2 : 64;
			h->v = bm_xrealloc(h->v, cap * h->ncols * sizeof *h->v);
		}
		for (size_t i = 0; i < k; i++) {
			char num[64], *q;
			if (fl[i] == 0 || fl[i] >= sizeof num) {
				bm_seterr("%s:%zu: column '%s': not a number", name, line, h->names[i]);
				goto fail;
			}
			memcpy(num, f[i], fl[i]);
			num[fl[i]] = 0;
			errno = 0;
			double v = strtod(num, &q);
			if (*q || q == num || (i == 0 && !isfinite(v))) {
				bm_seterr("%s:%zu: column '%s': '%s' is not a number", name, line, h->names[i], num);
				goto fail;
			}
			h->v[h->nrows * h->ncols + i] = v;
		}
		h->nrows++;
	}
	if (h->ncols == 0) {
		bm_seterr("%s: empty history: no header", name);
		goto fail;
	}
	if (h->nrows == 0) {
		bm_seterr("%s: the history has no epochs", name);
		goto fail;
	}
	return 0;
fail:
	bm_hist_free(h);
	return -1;
}

void bm_cls_free(bm_cls_t *c)
{
	for (size_t i = 0; c->names && i < c->k; i++)
		free(c->names[i]);
	free(c->names);
	free(c->cm);
	free(c->precision);
	free(c->recall);
	free(c->f1);
	free(c->support);
	memset(c, 0, sizeof *c);
}

static void cls_alloc(bm_cls_t *c, size_t k)
{
	c->k = k;
	c->names = bm_xcalloc(k, sizeof *c->names);
	c->cm = bm_xcalloc(k * k, sizeof *c->cm);
	c->precision = bm_xcalloc(k, sizeof(double));
	c->recall = bm_xcalloc(k, sizeof(double));
	c->f1 = bm_xcalloc(k, sizeof(double));
	c->support = bm_xcalloc(k, sizeof(uint64_t));
}

int bm_cls_from_eval(const bm_eval_t *ev, const char *name, bm_cls_t *c)
{
	memset(c, 0, sizeof *c);
	if (ev->regression) {
		bm_seterr("%s: a regression has no classes to chart", name);
		return -1;
	}
	size_t k = ev->nlabels;
	cls_alloc(c, k);
	c->rows = ev->n;
	c->accuracy = ev->state[BM_M_ACCURACY] == BM_DEFINED ? ev->value[BM_M_ACCURACY] : NAN;
	for (size_t i = 0; i < k; i++) {
		c->names[i] = bm_xmemdup(ev->names[i], strlen(ev->names[i]));
		c->precision[i] = ev->precision[i];
		c->recall[i] = ev->recall[i];
		c->f1[i] = ev->f1[i];
		c->support[i] = ev->support[i];
	}
	memcpy(c->cm, ev->cm, k * k * sizeof *c->cm);
	return 0;
}

/* A number or null (NaN) of json value V; -1 when it is neither. */
static int json_double(const bm_json_t *v, double *d)
{
	if (v && v->type == BM_JSON_NUMBER)
		return *d = v->num, 0;
	if (v && v->type == BM_JSON_NULL)
		return *d = NAN, 0;
	return -1;
}

int bm_cls_parse_json(const char *text, size_t len, const char *name, bm_cls_t *c)
{
	memset(c, 0, sizeof *c);
	bm_json_t *root = bm_json_parse(text, len);
	if (!root) {
		char why[256]; /* bm_errmsg() is the buffer bm_seterr writes */
		snprintf(why, sizeof why, "%s", bm_errmsg());
		bm_seterr("%s: %s", name, why);
		return -1;
	}
	const char *why = NULL;
	const bm_json_t *labels = bm_json_get(root, "labels"), *pc = bm_json_get(root, "per_class"),
			*cm = bm_json_get(root, "confusion_matrix"), *rows = bm_json_get(root, "rows");
	if (root->type != BM_JSON_OBJECT)
		why = "not a bm-eval -f json object";
	else if (!labels || labels->type != BM_JSON_ARRAY || !pc || pc->type != BM_JSON_OBJECT || !cm ||
		 cm->type != BM_JSON_ARRAY)
		why = "no labels, per_class and confusion_matrix: not bm-eval -f json of a classification";
	else if (labels->n == 0 || labels->n > BM_MAX_CLASSES)
		why = "labels: between 1 and 4096 classes expected";
	else if (pc->n != labels->n || cm->n != labels->n)
		why = "per_class and confusion_matrix must have one entry per label";
	if (why)
		goto bad;
	size_t k = labels->n;
	cls_alloc(c, k);
	c->rows = rows && rows->is_uint ? rows->u : 0;
	if (json_double(bm_json_get(root, "accuracy"), &c->accuracy) < 0)
		c->accuracy = NAN;
	for (size_t i = 0; i < k; i++) {
		const bm_json_t *l = &labels->items[i], *e = &pc->items[i], *r = &cm->items[i];
		if (l->type != BM_JSON_STRING || strlen(l->str) != l->len) {
			why = "labels: each label must be a string";
			goto bad;
		}
		c->names[i] = bm_xmemdup(l->str, l->len);
		const bm_json_t *sup = bm_json_get(e, "support");
		if (json_double(bm_json_get(e, "precision"), &c->precision[i]) < 0 ||
		    json_double(bm_json_get(e, "recall"), &c->recall[i]) < 0 ||
		    json_double(bm_json_get(e, "f1"), &c->f1[i]) < 0 || !sup || !sup->is_uint) {
			why = "per_class: each class needs precision, recall, f1 and support";
			goto bad;
		}
		c->support[i] = sup->u;
		if (r->type != BM_JSON_ARRAY || r->n != k) {
			why = "confusion_matrix: each row must hold one count per label";
			goto bad;
		}
		for (size_t j = 0; j < k; j++) {
			if (!r->items[j].is_uint) {
				why = "confusion_matrix: counts must be non-negative integers";
				goto bad;
			}
			c->cm[i * k + j] = r->items[j].u;
		}
	}
	bm_json_free(root);
	return 0;
bad:
	bm_seterr("%s: %s", name, why);
	bm_json_free(root);
	bm_cls_free(c);
	return -1;
}
