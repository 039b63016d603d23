/* bm_eval.c: bm-eval's three inputs (tensor stream, two text files, two CSV
 * columns) fed to the bm_metrics accumulators. See bm_eval.h. */
#include "config.h"

#include "bm_eval.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bm_csv.h"
#include "bm_labels.h"
#include "bm_names.h"
#include "bm_proba.h"
#include "bm_stream.h"
#include "bm_values.h"

#define CHUNK 65536 /* rows per batch handed to the accumulators */

typedef struct {
	const bm_eval_opts_t *o;
	int mode;      /* 0 not known yet, 1 classification, 2 regression */
	size_t k;      /* columns of p (classification) or outputs (regression) */
	bm_confusion_t cm;
	bm_proba_t *pr;
	bm_reg_t *rg;
	int32_t *ybuf, *pbuf; /* class ids of a batch */
	double *dy, *dp;      /* values of a batch */
	size_t ycap, dcap;
	size_t nbuf;          /* rows buffered (text input) */
	uint64_t rows;        /* rows read (text input) */
} acc_t;

static void acc_free(acc_t *a)
{
	bm_confusion_free(&a->cm);
	bm_proba_free(a->pr);
	bm_reg_free(a->rg);
	free(a->ybuf);
	free(a->pbuf);
	free(a->dy);
	free(a->dp);
}

static int grow_ids(acc_t *a, size_t n)
{
	if (n <= a->ycap)
		return 0;
	int32_t *y = realloc(a->ybuf, n * sizeof *y), *p = y ? realloc(a->pbuf, n * sizeof *p) : NULL;
	if (y)
		a->ybuf = y;
	if (!y || !p) {
		bm_seterr("out of memory");
		return -1;
	}
	a->pbuf = p;
	a->ycap = n;
	return 0;
}

static int grow_vals(acc_t *a, size_t n)
{
	if (n <= a->dcap)
		return 0;
	double *y = realloc(a->dy, n * sizeof *y), *p = y ? realloc(a->dp, n * sizeof *p) : NULL;
	if (y)
		a->dy = y;
	if (!y || !p) {
		bm_seterr("out of memory");
		return -1;
	}
	a->dp = p;
	a->dcap = n;
	return 0;
}

/* ---------------- tensor stream ---------------- */

typedef struct {
	acc_t a;
	bm_reader_t *r;
	const char *file;
	char *raw;        /* the classes frame as read, to compare a repeated one */
	size_t rawlen;
	bm_names_t nm;    /* its names (none before it) */
	bool data_seen;
	int predkind;     /* 0, 'p' or 'd' (pred) */
	uint64_t pairs;
} st_t;

static int ferr(const st_t *st, uint64_t frame, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int ferr(const st_t *st, uint64_t frame, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bm_seterr("%s: frame %" PRIu64 " (%s): %s", st->file, frame, name, msg);
	return -1;
}

static bool is_int_dtype(int dt) { return dt == BM_I32 || dt == BM_I64 || dt == BM_U8 || dt == BM_I8; }
static bool is_float_dtype(int dt) { return dt == BM_F32 || dt == BM_F64; }

static int64_t int_at(const bm_tensor_t *t, size_t i)
{
	switch (t->dtype) {
	case BM_I32: return ((const int32_t *)t->data)[i];
	case BM_I64: return ((const int64_t *)t->data)[i];
	case BM_U8: return ((const uint8_t *)t->data)[i];
	case BM_I8: return ((const int8_t *)t->data)[i];
	case BM_F32: return (int64_t)((const float *)t->data)[i];
	default: return (int64_t)((const double *)t->data)[i];
	}
}

static double num_at(const bm_tensor_t *t, size_t i)
{
	switch (t->dtype) {
	case BM_F32: return ((const float *)t->data)[i];
	case BM_F64: return ((const double *)t->data)[i];
	default: return (double)int_at(t, i);
	}
}

/* The classes frame T (frame FI): names for the class ids, read by
 * bm_names; a repeated frame must be the same bytes. */
static int set_names(st_t *st, const bm_tensor_t *t, uint64_t fi)
{
	size_t len = (size_t)bm_tensor_bytes(t);
	if (t->dtype != BM_U8 || t->ndim != 1) {
		char shape[64];
		bm_tensor_shape_str(t, shape, sizeof shape);
		return ferr(st, fi, "classes", "expected u8 [bytes] of names, found %s %s",
			    bm_dtype_name(t->dtype), shape);
	}
	if (st->raw) {
		if (len == st->rawlen && memcmp(t->data, st->raw, len) == 0)
			return 0;
		return ferr(st, fi, "classes", "differs from the classes frame before it");
	}
	if (st->data_seen)
		return ferr(st, fi, "classes", "comes after data frames (metadata frames come first)");
	if (bm_names_parse(&st->nm, t->data, len, "class") < 0)
		return ferr(st, fi, "classes", "%s", bm_errmsg());
	if (!(st->raw = malloc(len))) {
		bm_seterr("out of memory");
		return -1;
	}
	memcpy(st->raw, t->data, st->rawlen = len);
	return 0;
}

/* Rows of a y/p/pred frame: [n] or [n, k]; K gets the columns (1 for [n]). */
static int frame_rows(const st_t *st, const bm_tensor_t *t, uint64_t fi, uint64_t *n, size_t *k)
{
	if (t->ndim != 1 && t->ndim != 2)
		return ferr(st, fi, t->name, "expected [rows] or [rows, columns], found %d dimensions", t->ndim);
	*n = t->dims[0];
	*k = t->ndim == 2 ? (size_t)t->dims[1] : 1;
	if (*k == 0)
		return ferr(st, fi, t->name, "0 columns");
	return 0;
}

/* The class ids of frame T (y or pred), checked against the limit: *IDS is
 * the frame's own data when it is i32, else BUF filled with them. */
static int class_ids(const st_t *st, const bm_tensor_t *t, uint64_t fi, int32_t *buf, size_t n,
		     const int32_t **ids)
{
	int64_t limit = st->nm.n ? (int64_t)st->nm.n
		: st->predkind == 'p' ? (st->a.k < 2 ? 2 : (int64_t)st->a.k)
		: (int64_t)BM_CLASS_ID_MAX + 1;
	*ids = buf;
	if (t->dtype == BM_I32) {
		/* the common case: check in place, no copy */
		const int32_t *v = t->data;
		const uint32_t lim = (uint32_t)limit; /* at most 2^24 */
		uint32_t bad = 0;
		for (size_t i = 0; i < n; i++)
			bad |= (uint32_t)v[i] >= lim;
		if (!bad) {
			*ids = v;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int64_t v = int_at(t, i);
		if (v < 0)
			return ferr(st, fi, t->name, "row %zu: class id %" PRId64 " is negative", i, v);
		if (v >= limit) {
			char what[80];
			if (st->nm.n)
				snprintf(what, sizeof what, "%zu classes in the classes frame", st->nm.n);
			else if (st->predkind == 'p' && st->a.k < 2)
				snprintf(what, sizeof what, "p frames of one column are binary: 0 or 1");
			else if (st->predkind == 'p')
				snprintf(what, sizeof what, "p frames have %" PRId64 " columns", limit);
			else
				snprintf(what, sizeof what, "at most %d without a classes frame", BM_CLASS_ID_MAX);
			return ferr(st, fi, t->name, "row %zu: class id %" PRId64 " out of range (%s)", i, v, what);
		}
		buf[i] = (int32_t)v;
	}
	return 0;
}

/* Values of frame T (regression) into OUT, finite. */
static int values(const st_t *st, const bm_tensor_t *t, uint64_t fi, double *out, size_t count, size_t m)
{
	for (size_t i = 0; i < count; i++) {
		double v = num_at(t, i);
		if (!isfinite(v))
			return ferr(st, fi, t->name, "row %zu: %s value", i / m, isnan(v) ? "NaN" : "infinite");
		out[i] = v;
	}
	return 0;
}

static int pair(st_t *st, const bm_tensor_t *y, uint64_t yi, const bm_tensor_t *p, uint64_t pi)
{
	acc_t *a = &st->a;
	uint64_t ny, np;
	size_t ky, kp;
	if (frame_rows(st, y, yi, &ny, &ky) < 0 || frame_rows(st, p, pi, &np, &kp) < 0)
		return -1;
	if (ny != np)
		return ferr(st, yi > pi ? yi : pi, yi > pi ? "y" : p->name,
			    "%" PRIu64 " rows, but frame %" PRIu64 " (%s) has %" PRIu64,
			    yi > pi ? ny : np, yi > pi ? pi : yi, yi > pi ? p->name : "y", yi > pi ? np : ny);
	if (a->mode == 0)
		a->mode = st->a.o->regression || is_float_dtype(y->dtype) ? 2 : 1;
	size_t n = (size_t)ny;
	if (a->mode == 2) {
		if (ky != kp)
			return ferr(st, pi, p->name, "%zu output%s, but frame %" PRIu64 " (y) has %zu", kp,
				    kp == 1 ? "" : "s", yi, ky);
		if (!a->rg) {
			a->k = ky;
			if (!(a->rg = bm_reg_new(ky)))
				return -1;
		} else if (ky != a->k) {
			return ferr(st, yi, "y", "%zu output%s, but earlier frames have %zu", ky, ky == 1 ? "" : "s",
				    a->k);
		}
		size_t m = ky, step = CHUNK;
		if (grow_vals(a, step * m) < 0)
			return -1;
		for (size_t i0 = 0; i0 < n; i0 += step) {
			size_t nb = n - i0 < step ? n - i0 : step;
			/* the checks name rows within the frame */
			bm_tensor_t ys = *y, ps = *p;
			ys.data = (char *)y->data + i0 * m * bm_dtype_size(y->dtype);
			ps.data = (char *)p->data + i0 * m * bm_dtype_size(p->dtype);
			if (values(st, &ys, yi, a->dy, nb * m, m) < 0 || values(st, &ps, pi, a->dp, nb * m, m) < 0)
				return -1;
			bm_reg_add(a->rg, a->dy, a->dp, nb);
		}
		return 0;
	}
	/* classification */
	if (!is_int_dtype(y->dtype))
		return ferr(st, yi, "y", "class ids must be integers, found %s", bm_dtype_name(y->dtype));
	if (ky != 1)
		return ferr(st, yi, "y", "class ids must be [rows], found %zu columns", ky);
	if (grow_ids(a, n ? n : 1) < 0)
		return -1;
	const int32_t *yids, *pids;
	if (st->predkind == 'p') {
		if (!is_float_dtype(p->dtype))
			return ferr(st, pi, "p", "probabilities must be f32 or f64, found %s", bm_dtype_name(p->dtype));
		if (!a->pr) {
			if (kp > BM_MAX_CLASSES)
				return ferr(st, pi, "p", "%zu columns: more than %d classes", kp, BM_MAX_CLASSES);
			if (st->nm.n && (kp == 1 ? st->nm.n != 2 : kp != st->nm.n))
				return ferr(st, pi, "p", "%zu columns, but the classes frame names %zu classes",
					    kp, st->nm.n);
			a->k = kp;
			if (!(a->pr = bm_proba_new(kp, a->o->topk, a->o->keep_scores)))
				return -1;
		} else if (kp != a->k) {
			return ferr(st, pi, "p", "%zu columns, but earlier p frames have %zu", kp, a->k);
		}
		if (class_ids(st, y, yi, a->ybuf, n, &yids) < 0)
			return -1;
		size_t bad;
		pids = a->pbuf;
		if (bm_proba_add(a->pr, p->data, p->dtype == BM_F64, yids, n, a->pbuf, &bad) < 0) {
			char msg[256];
			snprintf(msg, sizeof msg, "%s", bm_errmsg());
			if (bad == SIZE_MAX)
				return ferr(st, pi, "p", "%s", msg);
			return ferr(st, pi, "p", "row %zu: %s", bad, msg);
		}
	} else {
		if (!is_int_dtype(p->dtype))
			return ferr(st, pi, "pred", "class ids must be integers, found %s", bm_dtype_name(p->dtype));
		if (kp != 1)
			return ferr(st, pi, "pred", "class ids must be [rows], found %zu columns", kp);
		if (class_ids(st, y, yi, a->ybuf, n, &yids) < 0 || class_ids(st, p, pi, a->pbuf, n, &pids) < 0)
			return -1;
	}
	if (bm_confusion_add(&a->cm, yids, pids, n) < 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s", bm_errmsg());
		return ferr(st, yi, "y", "%s", msg);
	}
	return 0;
}

static int run_stream(const bm_eval_opts_t *o, bm_eval_t *ev)
{
	st_t st = {.a = {.o = o}};
	bm_tensor_t t[2] = {{0}};
	int cur = 0, pend = -1; /* index into t of the frame waiting for its partner */
	uint64_t pend_fi = 0, fi = 0;
	int rc = -1, got;
	st.r = bm_reader_open(o->stream);
	if (!st.r)
		return -1;
	st.file = bm_reader_name(st.r);
	uint64_t nframes = 0;
	while ((got = bm_reader_header(st.r, &t[cur])) > 0) {
		fi = bm_reader_frame_index(st.r);
		nframes++;
		const char *name = t[cur].name;
		bool is_y = strcmp(name, "y") == 0, is_p = strcmp(name, "p") == 0,
		     is_pred = strcmp(name, "pred") == 0;
		if (!is_y && !is_p && !is_pred && strcmp(name, "classes") != 0) {
			if (bm_reader_skip(st.r, &t[cur]) < 0)
				goto out;
			continue;
		}
		if (bm_reader_data(st.r, &t[cur]) < 0)
			goto out;
		if (!is_y && !is_p && !is_pred) {
			if (set_names(&st, &t[cur], fi) < 0)
				goto out;
			continue;
		}
		st.data_seen = true;
		if (is_p || is_pred) {
			int kind = is_p ? 'p' : 'd';
			if (st.predkind && st.predkind != kind) {
				ferr(&st, fi, name, "the stream mixes p and pred frames");
				goto out;
			}
			st.predkind = kind;
		}
		if (pend < 0) {
			pend = cur;
			pend_fi = fi;
			cur ^= 1;
			continue;
		}
		const bm_tensor_t *f = &t[pend];
		bool pend_y = strcmp(f->name, "y") == 0;
		if (pend_y == is_y) {
			ferr(&st, fi, name, "expected %s frame to pair with frame %" PRIu64 " (%s)",
			     pend_y ? "a p or pred" : "a y", pend_fi, f->name);
			goto out;
		}
		if ((is_y ? pair(&st, &t[cur], fi, f, pend_fi) : pair(&st, f, pend_fi, &t[cur], fi)) < 0)
			goto out;
		st.pairs++;
		pend = -1;
	}
	if (got < 0)
		goto out;
	if (pend >= 0) {
		ferr(&st, pend_fi, t[pend].name, "no %s frame pairs with it",
		     strcmp(t[pend].name, "y") == 0 ? "p or pred" : "y");
		goto out;
	}
	if (nframes == 0) {
		bm_seterr("%s: empty input (no frames)", st.file);
		goto out;
	}
	if (st.pairs == 0) {
		bm_seterr("%s: no y frame with p or pred frames to evaluate", st.file);
		goto out;
	}
	if (st.a.mode == 2) {
		if (bm_eval_regression(ev, st.a.rg) < 0)
			goto fail_prefix;
	} else {
		bm_classnames_t cn = {(const char *const *)st.nm.names, st.nm.n};
		if (bm_eval_classification(ev, &st.a.cm, NULL, 0, NULL, &cn, st.a.pr) < 0)
			goto fail_prefix;
	}
	rc = 0;
	goto out;
fail_prefix: {
	char msg[512];
	snprintf(msg, sizeof msg, "%s", bm_errmsg());
	bm_seterr("%s: %s", st.file, msg);
}
out:
	bm_reader_close(st.r);
	bm_tensor_free(&t[0]);
	bm_tensor_free(&t[1]);
	acc_free(&st.a);
	bm_names_free(&st.nm);
	free(st.raw);
	return rc;
}

/* ---------------- text and CSV ---------------- */

typedef struct {
	acc_t a;
	bm_labels_t *lab;
} tx_t;

static int flush_text(tx_t *x)
{
	acc_t *a = &x->a;
	int rc = 0;
	if (a->nbuf == 0)
		return 0;
	if (a->mode == 2)
		bm_reg_add(a->rg, a->dy, a->dp, a->nbuf);
	else
		rc = bm_confusion_add(&a->cm, a->ybuf, a->pbuf, a->nbuf);
	a->nbuf = 0;
	return rc;
}

/* Whether S[0..len) is a NaN as strtod spells one ("nan", "-NaN",
 * "nan(123)"), blanks around it: not finite rather than not a number. */
static bool is_nan_text(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	if (len && (*s == '+' || *s == '-'))
		s++, len--;
	if (len < 3 || strncasecmp(s, "nan", 3) != 0)
		return false;
	if (len == 3)
		return true;
	if (s[3] != '(' || s[len - 1] != ')')
		return false;
	for (size_t i = 4; i < len - 1; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* The number S[0..len) of FILE:LINE, by bm_values_parse_num (blanks around
 * it allowed), into *V: 0, or -1 with bm_errmsg() "not a number" or "not a
 * finite number" (inf, nan, or too large for a double). */
static int parse_value(const char *s, size_t len, const char *file, uint64_t line, double *v)
{
	bool num = bm_values_parse_num(s, len, v, NULL);
	if (num && isfinite(*v))
		return 0;
	const char *what = num || is_nan_text(s, len) ? "not a finite number" : "not a number";
	if (len >= 128)
		bm_seterr("%s:%" PRIu64 ": %s: '%.40s...'", file, line, what, s);
	else
		bm_seterr("%s:%" PRIu64 ": %s: '%.*s'", file, line, what, (int)len, s);
	return -1;
}

/* One row of text input: the truth TS (file TF, line TL) and prediction PS. */
static int add_text(tx_t *x, const char *ts, size_t tl, const char *tf, uint64_t tln,
		    const char *ps, size_t pl, const char *pf, uint64_t pln, const char *what)
{
	acc_t *a = &x->a;
	size_t i = a->nbuf;
	if (tl > BM_EVAL_LINE_MAX || pl > BM_EVAL_LINE_MAX) {
		bm_seterr("%s:%" PRIu64 ": %s longer than %d bytes%s", tl > BM_EVAL_LINE_MAX ? tf : pf,
			  tl > BM_EVAL_LINE_MAX ? tln : pln, a->mode == 2 ? "value" : "label", BM_EVAL_LINE_MAX,
			  what);
		return -1;
	}
	if (a->mode == 2) {
		if (parse_value(ts, tl, tf, tln, &a->dy[i]) < 0 || parse_value(ps, pl, pf, pln, &a->dp[i]) < 0)
			return -1;
	} else {
		if (tl == 0 || pl == 0) {
			bm_seterr("%s:%" PRIu64 ": empty label%s", tl ? pf : tf, tl ? pln : tln, what);
			return -1;
		}
		int32_t t = bm_labels_intern(x->lab, ts, tl), p = t < 0 ? -1 : bm_labels_intern(x->lab, ps, pl);
		if (p < 0)
			return -1;
		if (p >= BM_MAX_CLASSES || t >= BM_MAX_CLASSES) {
			bm_seterr("%s:%" PRIu64 ": more than %d distinct labels", t >= BM_MAX_CLASSES ? tf : pf,
				  t >= BM_MAX_CLASSES ? tln : pln, BM_MAX_CLASSES);
			return -1;
		}
		a->ybuf[i] = t;
		a->pbuf[i] = p;
	}
	a->rows++;
	if (++a->nbuf == CHUNK)
		return flush_text(x);
	return 0;
}

static int text_finish(tx_t *x, bm_eval_t *ev)
{
	acc_t *a = &x->a;
	if (flush_text(x) < 0)
		return -1;
	if (a->mode == 2)
		return bm_eval_regression(ev, a->rg);
	size_t nl = bm_labels_count(x->lab);
	int32_t *map = malloc((nl ? nl : 1) * sizeof *map), *rep = malloc((nl ? nl : 1) * sizeof *rep);
	char **names = NULL;
	size_t nf = 0;
	int rc = -1;
	if (!map || !rep)
		goto oom;
	nf = bm_labels_order(x->lab, map, rep);
	names = calloc(nf ? nf : 1, sizeof *names);
	if (!names)
		goto oom;
	bool num = bm_labels_all_int(x->lab);
	for (size_t f = 0; f < nf; f++) {
		size_t len;
		const char *s = bm_labels_str(x->lab, rep[f], &len);
		if (num) {
			char buf[24];
			snprintf(buf, sizeof buf, "%" PRId64, bm_labels_int(x->lab, rep[f]));
			names[f] = strdup(buf);
		} else {
			names[f] = strndup(s, len);
		}
		if (!names[f])
			goto oom;
	}
	rc = bm_eval_classification(ev, &a->cm, map, nf, names, NULL, NULL);
	goto out;
oom:
	bm_seterr("out of memory");
out:
	if (names)
		for (size_t f = 0; f < nf; f++)
			free(names[f]);
	free(names);
	free(map);
	free(rep);
	return rc;
}

static int tx_init(tx_t *x, const bm_eval_opts_t *o)
{
	memset(x, 0, sizeof *x);
	x->a.o = o;
	x->a.mode = o->regression ? 2 : 1;
	if (o->regression) {
		x->a.k = 1;
		if (!(x->a.rg = bm_reg_new(1)) || grow_vals(&x->a, CHUNK) < 0)
			return -1;
	} else if (!(x->lab = bm_labels_new()) || grow_ids(&x->a, CHUNK) < 0) {
		return -1;
	}
	return 0;
}

static void tx_free(tx_t *x)
{
	acc_free(&x->a);
	bm_labels_free(x->lab);
}

/* Lines read in place from bm_in's buffer (peek, then skip what was used):
 * no copy for lines that fit in a peek window, bm_in_getline for longer
 * ones, up to BM_EVAL_LINE_MAX bytes. A line is valid until the next call. */
typedef struct {
	bm_in_t *in;
	const char *p, *end; /* unread part of the peeked window */
	size_t used;         /* bytes of the window consumed, not yet skipped */
	char *line;          /* bm_in_getline's buffer, for long lines */
	size_t cap;
} lr_t;

#define LR_WINDOW 65536

/* The next line at *S and its length; 0 with *EOF at the end; -1 on a read
 * error, -2 for a line longer than BM_EVAL_LINE_MAX. */
static ssize_t lr_next(lr_t *r, const char **s, bool *eof)
{
	*eof = false;
	for (int attempt = 0;; attempt++) {
		const char *nl = r->p < r->end ? memchr(r->p, '\n', (size_t)(r->end - r->p)) : NULL;
		if (nl) {
			size_t len = (size_t)(nl - r->p);
			*s = r->p;
			r->used += len + 1;
			r->p = nl + 1;
			return (ssize_t)len;
		}
		/* move the window to the start of the partial line */
		if (r->used && bm_in_skip(r->in, r->used) < 0)
			return -1;
		r->used = 0;
		const void *w;
		ssize_t n = bm_in_peek(r->in, &w, LR_WINDOW);
		if (n < 0)
			return -1;
		r->p = w;
		r->end = r->p + n;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		if (attempt == 0)
			continue;
		if ((size_t)n < LR_WINDOW) {
			/* the last line, without a newline */
			*s = r->p;
			r->used = (size_t)n;
			r->p = r->end;
			return n;
		}
		/* a line longer than the window */
		r->p = r->end = NULL;
		ssize_t len = bm_in_getline(r->in, &r->line, &r->cap, eof, BM_EVAL_LINE_MAX);
		*s = r->line;
		return len;
	}
}

static int run_text(const bm_eval_opts_t *o, bm_eval_t *ev)
{
	tx_t x;
	lr_t lr[2];
	memset(lr, 0, sizeof lr);
	int rc = -1;
	if (tx_init(&x, o) < 0)
		goto out;
	lr[0].in = bm_in_open(o->truth);
	if (!lr[0].in)
		goto out;
	lr[1].in = bm_in_open(o->pred);
	if (!lr[1].in)
		goto out;
	const char *name[2] = {bm_in_name(lr[0].in), bm_in_name(lr[1].in)};
	for (uint64_t ln = 1;; ln++) {
		ssize_t len[2];
		const char *line[2];
		bool eof[2];
		for (int i = 0; i < 2; i++) {
			len[i] = lr_next(&lr[i], &line[i], &eof[i]);
			if (len[i] == -2)
				bm_seterr("%s:%" PRIu64 ": line longer than %d bytes", bm_in_name(lr[i].in), ln,
					  BM_EVAL_LINE_MAX);
			if (len[i] < 0)
				goto out;
			if (len[i] > 0 && line[i][len[i] - 1] == '\r')
				len[i]--;
		}
		if (eof[0] && eof[1])
			break;
		if (eof[0] || eof[1]) {
			int s = eof[0] ? 0 : 1;
			bm_seterr("%s:%" PRIu64 ": missing line: %s has more lines", name[s], ln, name[1 - s]);
			goto out;
		}
		if (add_text(&x, line[0], (size_t)len[0], name[0], ln, line[1], (size_t)len[1], name[1], ln, "") < 0)
			goto out;
	}
	if (x.a.rows == 0) {
		bm_seterr("%s: empty input (no lines)", name[0]);
		goto out;
	}
	rc = text_finish(&x, ev);
out:
	for (int i = 0; i < 2; i++) {
		bm_in_close(lr[i].in);
		free(lr[i].line);
	}
	tx_free(&x);
	return rc;
}

/* Column SPEC among the header's fields (or by 1-based number). */
static int find_col(const char *file, const bm_csv_rec_t *r, bool header, const char *spec, size_t *col)
{
	size_t nf = r->n;
	if (header)
		for (size_t i = 0; i < nf; i++)
			if (r->f[i].len == strlen(spec) && memcmp(r->f[i].val, spec, r->f[i].len) == 0) {
				*col = i;
				return 0;
			}
	int64_t v;
	if (bm_labels_parse_int(spec, strlen(spec), &v) && spec[0] != '+' && spec[0] != '-') {
		if (v < 1 || (uint64_t)v > nf) {
			bm_seterr("%s:%" PRIu64 ": column %s out of range (%zu fields)", file, r->line, spec, nf);
			return -1;
		}
		*col = (size_t)v - 1;
		return 0;
	}
	if (!header)
		bm_seterr("%s:%" PRIu64 ": column '%s' is not a number (there is no header)", file, r->line, spec);
	else
		bm_seterr("%s:%" PRIu64 ": no column named '%s'", file, r->line, spec);
	return -1;
}

/* --csv: the project's CSV reader (bm_csv), strict about text after a
 * closing quote; blank lines skipped, a byte order mark ignored. */
static int run_csv(const bm_eval_opts_t *o, bm_eval_t *ev)
{
	tx_t x;
	bm_csv_t *r = NULL;
	int rc = -1;
	if (tx_init(&x, o) < 0)
		goto out;
	bm_in_t *in = bm_in_open(o->csv);
	if (!in)
		goto out;
	const bm_csv_opts_t co = {.delim = ',', .quote = '"', .comment = -1, .strict = true};
	if (!(r = bm_csv_open(in, &co))) {
		bm_in_close(in);
		goto out;
	}
	const char *file = bm_csv_name(r);
	bm_csv_rec_t *rec;
	int st = bm_csv_next(r, &rec);
	if (st < 0)
		goto out;
	if (st == 0) {
		bm_seterr("%s: empty input (no lines)", file);
		goto out;
	}
	size_t ct, cp;
	bool header = !o->no_header;
	if (find_col(file, rec, header, o->truth_col, &ct) < 0 || find_col(file, rec, header, o->pred_col, &cp) < 0)
		goto out;
	char tcol[80], pcol[80];
	snprintf(tcol, sizeof tcol, " in column '%s'", o->truth_col);
	snprintf(pcol, sizeof pcol, " in column '%s'", o->pred_col);
	size_t want = rec->n;
	bool first = true;
	for (;;) {
		if (!first || header) {
			st = bm_csv_next(r, &rec);
			if (st < 0)
				goto out;
			if (st == 0)
				break;
			if (rec->n != want) {
				bm_seterr("%s:%" PRIu64 ": expected %zu fields, found %zu", file, rec->line, want, rec->n);
				goto out;
			}
		}
		first = false;
		const bm_csv_field_t *t = &rec->f[ct], *p = &rec->f[cp];
		if (x.a.mode == 1 && (t->len == 0 || p->len == 0)) {
			bm_seterr("%s:%" PRIu64 ": empty label%s", file, rec->line, t->len == 0 ? tcol : pcol);
			goto out;
		}
		if (add_text(&x, t->val, t->len, file, rec->line, p->val, p->len, file, rec->line, "") < 0)
			goto out;
	}
	if (x.a.rows == 0) {
		bm_seterr("%s: no data rows", file);
		goto out;
	}
	rc = text_finish(&x, ev);
out:
	bm_csv_close(r);
	tx_free(&x);
	return rc;
}

int bm_eval_run(const bm_eval_opts_t *o, bm_eval_t *ev)
{
	memset(ev, 0, sizeof *ev);
	if (o->csv)
		return run_csv(o, ev);
	if (o->truth || o->pred)
		return run_text(o, ev);
	return run_stream(o, ev);
}
