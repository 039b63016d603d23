/* bm_clean_read.c: bm-clean's read loop and its one path for a record:
 * decode (the selected fields into cells: missing values, numbers, types),
 * then keep or drop (--dropna, --thresh), fill (--ffill, --bfill,
 * --fillna) and --dedup, then encode (what the pass does with the row:
 * gather its statistics, write it as CSV or as a row of x, or spool it as
 * slots for the one-pass --tensor path).
 *
 * A record comes from bm_csv_next, or, on the lean one-pass path (no
 * filling, --dedup or --report, every type known), straight from the
 * reader's bytes as a quick record (bm_csv_int.h), which leaves anything
 * unusual to bm_csv_next. On the lean path a number goes to its slot as
 * soon as it is parsed and a category waits in its cell until the row is
 * kept. The loop and the record path are written once and compiled for
 * each CPU level (bm_cpu.h): plain C, SSE2 (the CSV scanner), and the AVX2
 * level, which has SSSE3 for the short decimals; the output is the same.
 */
#include "config.h"

#include "bm_clean_int.h"

#include <math.h>

#include "bm_cpu.h"
#include "bm_csv_int.h"
#include "bm_rng.h"
#include "bm_stream.h"

#define INLINE static inline __attribute__((always_inline))

/* ---- readers ---- */

void bm_clean_rd_init(const ctx_t *x, rd_t *rd)
{
	rd->cells = bm_xcalloc(x->nsel, sizeof *rd->cells);
	rd->seen = bm_xcalloc(x->nsel, sizeof *rd->seen);
	rd->late = bm_xcalloc(x->nsel, sizeof *rd->late);
}

void bm_clean_rd_free(const ctx_t *x, rd_t *rd)
{
	if (rd->seen)
		for (size_t j = 0; j < x->nsel; j++)
			bm_strmap_free(&rd->seen[j].cats);
	free(rd->cells);
	free(rd->seen);
	free(rd->late);
	bm_spool_free(&rd->spool);
	memset(rd, 0, sizeof *rd);
}

void bm_clean_rd_merge_counts(ctx_t *x, rd_t *rd)
{
	if (rd != &x->rd) {
		x->rd.nread += rd->nread;
		x->rd.ndropna += rd->ndropna;
		x->rd.ndedup += rd->ndedup;
		x->rd.krow += rd->krow;
		rd->nread = rd->ndropna = rd->ndedup = rd->krow = 0;
	}
	for (size_t j = 0; j < x->nsel && rd->seen; j++) {
		col_t *c = &x->c[j];
		col_seen_t *s = &rd->seen[j];
		c->missing += s->missing;
		c->filled += s->filled;
		if (s->rtype > c->rtype)
			c->rtype = s->rtype;
		s->missing = s->filled = 0;
	}
}

/* ---- values ---- */

int bm_clean_not_a_number(const rd_t *rd, const col_t *c, const char *v, size_t len)
{
	bm_seterr("%s:%llu: column '%s': '%.*s' is not a number (see --coerce, --onehot)", rd->fname, LINE(rd),
	          c->name, SHOWLEN(len), v);
	return -1;
}

static int missing_label(const rd_t *rd, const col_t *c)
{
	bm_seterr("%s:%llu: missing label (column '%s'); see --dropna --subset", rd->fname, LINE(rd), c->name);
	return -1;
}

int bm_clean_cell_num(const ctx_t *x, const rd_t *rd, const col_t *c, const cell_t *cl, double *v)
{
	if (cl->na)
		*v = NAN;
	else if (cl->num_ok)
		*v = cl->num;
	else if (!bm_values_parse_num(cl->v, cl->len, v, NULL)) {
		if (!x->o->coerce)
			return bm_clean_not_a_number(rd, c, cl->v, cl->len);
		*v = NAN;
	}
	return 0;
}

/* --report: the types and missing values of the row's cells. */
static void report_cells(const ctx_t *x, rd_t *rd)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_seen_t *s = &rd->seen[j];
		const cell_t *cl = &rd->cells[j];
		if (cl->na) {
			s->missing++;
			continue;
		}
		if (s->rtype == R_STRING)
			continue;
		double v;
		bool integral;
		if (!bm_values_parse_num(cl->v, cl->len, &v, &integral))
			s->rtype = R_STRING;
		else if (!integral)
			s->rtype = R_FLOAT;
		else if (s->rtype == R_NONE)
			s->rtype = R_INT;
	}
}

/* ---- keep, fill, dedup ---- */

/* Whether --dropna or --thresh keeps a row with NNA of its NSUB --subset
 * values missing. */
INLINE bool keep_counts(const bm_clean_opts_t *o, size_t nna, size_t nsub)
{
	if (o->thresh >= 0)
		return (long long)(nsub - nna) >= o->thresh;
	if (o->dropna == BM_DROPNA_ANY)
		return nna == 0;
	return o->dropna == BM_DROPNA_NONE || nna < nsub;
}

static void fill(ctx_t *x, rd_t *rd)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_fill_t *f = &x->c[j].fill;
		cell_t *cl = &rd->cells[j];
		if (!cl->na) {
			if (o->ffill) {
				bm_buf_set(&f->last, cl->v, cl->len);
				f->has_last = true;
			}
			continue;
		}
		const char *v = NULL;
		size_t len = 0;
		if (o->ffill && f->has_last) {
			v = f->last.s;
			len = f->last.len;
		} else if (o->bfill) {
			while (f->bptr < f->bn && f->brow[f->bptr] < rd->krow)
				f->bptr++;
			if (f->bptr < f->bn) {
				v = f->bvals.s + f->boff[f->bptr];
				len = f->blen[f->bptr];
			}
		}
		if (!v && f->v) {
			v = f->v;
			len = f->len;
		}
		if (v) {
			cl->v = v;
			cl->len = len;
			cl->f = NULL;
			cl->na = false;
			cl->filled = true;
			cl->num_ok = false;
			rd->seen[j].filled++;
		}
	}
}

/* Whether the row was seen before (after filling): the hash of its values,
 * numbers compared as numbers, missing values equal. */
static bool duplicate(ctx_t *x, const rd_t *rd)
{
	uint64_t h1 = 0x243F6A8885A308D3ULL, h2 = 0x13198A2E03707344ULL;
	for (size_t j = 0; j < x->nsel; j++) {
		if (!x->c[j].subset)
			continue;
		const cell_t *cl = &rd->cells[j];
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

/* ---- encode: the outputs ---- */

/* Which output the row goes to: 0 train, 1 test. */
static int split_dest(ctx_t *x, const rd_t *rd)
{
	const bm_clean_opts_t *o = x->o;
	if (o->split < 0)
		return 0;
	if (!o->stratify)
		return bm_rng_sm_double(&x->rng) < o->split;
	col_t *c = &x->c[x->label];
	const cell_t *cl = &rd->cells[x->label];
	int64_t k = cl->na ? -1 : bm_strmap_get(&c->cats, cl->v, cl->len, false);
	if (k < 0)
		return bm_rng_sm_double(&x->rng) < o->split;
	int64_t id = c->cats.e[k].id;
	uint64_t left = x->cls_left[id], test = x->cls_test[id];
	if (!left)
		return bm_rng_sm_double(&x->rng) < o->split;
	bool t = bm_rng_sm_below(&x->rng, left) < test;
	x->cls_left[id]--;
	if (t)
		x->cls_test[id]--;
	return t;
}

static int out_write(dest_t *d, const void *p, size_t n)
{
	return bm_out_write(d->out, p, n);
}

static int write_csv_row(ctx_t *x, const rd_t *rd, dest_t *d, const bm_csv_rec_t *rec)
{
	bool changed = !x->identity;
	for (size_t j = 0; j < x->nsel && !changed; j++)
		changed = rd->cells[j].filled || !rd->cells[j].f;
	bm_buf_t *b = &x->row;
	b->len = 0;
	if (!changed) {
		if (rec->rawlen == 0 && x->nsel == 1)
			return out_write(d, "\"\"\n", 3);
		bm_buf_add(b, rec->raw, rec->rawlen);
		bm_buf_add(b, "\n", 1);
		return out_write(d, b->s, b->len);
	}
	bool alone = x->nsel == 1;
	for (size_t j = 0; j < x->nsel; j++) {
		const cell_t *cl = &rd->cells[j];
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
	return out_write(d, b->s, b->len);
}

int bm_clean_flush_tensor(const ctx_t *x, dest_t *d, bool final)
{
	if (d->rows == 0 && !(final && d->written == 0))
		return 0;
	uint64_t dims[2] = {d->rows, x->d};
	if (bm_write_frame(d->out, "x", BM_F32, 2, dims, d->x) < 0)
		return -1;
	if (x->label >= 0) {
		uint64_t yd[1] = {d->rows};
		if (bm_write_frame(d->out, "y", x->o->regression ? BM_F32 : BM_I32, 1, yd, d->y) < 0)
			return -1;
	}
	d->written += d->rows;
	d->rows = 0;
	return 0;
}

/* The two-pass --tensor path: the row as a row of x, scaled, one-hot
 * encoded, its label as y. */
static int write_tensor_row(ctx_t *x, const rd_t *rd, dest_t *d)
{
	const bm_clean_opts_t *o = x->o;
	float *xr = d->x + d->rows * x->d;
	for (size_t i = 0; i < x->nnum; i++) {
		const col_t *c = &x->c[x->num[i]];
		double v;
		if (bm_clean_cell_num(x, rd, c, &rd->cells[x->num[i]], &v) < 0)
			return -1;
		if (x->scale == BM_SCALE_STANDARDIZE) {
			double s = c->st.std > 0 ? c->st.std : 1;
			v = (v - c->st.mean) / s;
		} else if (x->scale == BM_SCALE_MINMAX) {
			double r = c->st.max - c->st.min;
			v = (v - c->st.min) / (r > 0 ? r : 1);
		}
		xr[c->xoff] = (float)v;
	}
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		const cell_t *cl = &rd->cells[x->oh[i]];
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
		const cell_t *cl = &rd->cells[x->label];
		if (cl->na)
			return missing_label(rd, c);
		if (o->regression) {
			double v;
			if (bm_clean_cell_num(x, rd, c, cl, &v) < 0)
				return -1;
			((float *)d->y)[d->rows] = (float)v;
		} else {
			int64_t k = bm_strmap_get(&c->cats, cl->v, cl->len, false);
			if (k < 0) {
				bm_seterr("%s:%llu: label '%.*s' is not one of the classes of %s", rd->fname, LINE(rd),
				          SHOWLEN(cl->len), cl->v, o->load_stats ? o->load_stats : "the input");
				return -1;
			}
			((int32_t *)d->y)[d->rows] = (int32_t)c->cats.e[k].id;
		}
	}
	if (++d->rows == x->frame_rows)
		return bm_clean_flush_tensor(x, d, false);
	return 0;
}

/* ---- encode: the one-pass rows ---- */

/* Column J's category, its index I in RD's map, counted and put in its slot. */
INLINE int cat_slot(const ctx_t *x, rd_t *rd, size_t j, int64_t i)
{
	rd->seen[j].cats.e[i].count++;
	if (__builtin_expect(i >= (int64_t)SLOT_MISSING4, 0)) {
		bm_seterr("%s:%llu: column '%s': too many categories", rd->fname, LINE(rd), x->c[j].name);
		return -1;
	}
	bm_clean_put_slot(rd->srow, x->sw, j, 0, (uint32_t)i, 2);
	return 0;
}

/* Column J's slot from its cell: missing, a number, a category. CAT: the
 * column is one of categories, and (the lean path) its value is a field's,
 * padded. */
INLINE int slot_from_cell(const ctx_t *x, rd_t *rd, size_t j, const bool cat)
{
	const cell_t *cl = &rd->cells[j];
	const dec_t *dc = &x->dec[j];
	if (cl->na) {
		if (dc->label)
			return missing_label(rd, &x->c[j]);
		bm_clean_put_slot(rd->srow, x->sw, j, 0, 0, 0);
	} else if (cat) {
		return cat_slot(x, rd, j, bm_strmap_get_padded(&rd->seen[j].cats, cl->v, cl->len, true));
	} else if (dc->slot_num) {
		double v;
		if (bm_clean_cell_num(x, rd, &x->c[j], cl, &v) < 0)
			return -1;
		bm_clean_put_slot(rd->srow, x->sw, j, v, 0, 1);
	} else if (x->c[j].type == T_ONEHOT || x->c[j].type == T_LABEL) {
		return cat_slot(x, rd, j, bm_strmap_get(&rd->seen[j].cats, cl->v, cl->len, true));
	} else
		bm_clean_put_slot(rd->srow, x->sw, j, 0, 0, 0);
	return 0;
}

/* A kept, filled row of the one-pass path: its slots from the cells (LEAN:
 * those the numbers did not fill already), the scaling statistics, its
 * output chosen; spooled. */
INLINE int spool_row(ctx_t *x, rd_t *rd, const bool lean)
{
	const size_t *cols = lean ? rd->late : x->scol;
	size_t n = lean ? rd->nlate : x->nscol;
	for (size_t i = 0; i < n; i++)
		if (slot_from_cell(x, rd, cols[i], false) < 0)
			return -1;
	if (lean)
		for (size_t i = 0; i < x->nfcat; i++)
			if (slot_from_cell(x, rd, x->fcat[i], true) < 0)
				return -1;
	if (x->num_stats && rd == &x->rd) /* slots of 8 bytes: the doubles (the parts': later) */
		for (size_t j = 0; j < x->nsel; j++)
			if (x->dec[j].slot_num)
				bm_clean_scale_add(&x->c[j], bm_clean_slot_num(x->sw, rd->srow, j), 1);
	rd->srow[0] = (unsigned char)split_dest(x, rd);
	bm_spool_add(&rd->spool);
	return (rd->srow = bm_spool_next(&rd->spool)) ? 0 : -1;
}

/* ---- decode ---- */

/* What decoding a record needs of the plan and the reader, in locals: the
 * slots' byte stores could change x and rd for all the compiler knows, and
 * it would load them again at each field. */
typedef struct {
	const dec_t *dec;
	cell_t *cells;
	unsigned char *srow;
	size_t sw;
	size_t *late;
} dview_t;

INLINE dview_t dview(const ctx_t *x, const rd_t *rd)
{
	return (dview_t){x->dec, rd->cells, rd->srow, x->sw, rd->late};
}

/* Column J's value V, LEN (of field F, or NULL) into its cell; on the lean
 * path a number goes to its slot at once (a dropped row's slots are written
 * again by the next), and a column whose slot its cell must fill is listed
 * in late[*NLATE]. NNA counts a missing value of a --dropna column. 0; -1
 * on error; 1 (QUICK) for a value a quick record leaves to bm_csv_next, so
 * that its error comes as the record's first, in column order. */
INLINE int decode_value(ctx_t *x, const rd_t *rd, dview_t w, size_t j, const char *v, size_t len,
                        const bm_csv_field_t *f, size_t *nna, size_t *nlate, const bool lean, const bool quick,
                        const int level)
{
	const dec_t *dc = &w.dec[j];
	cell_t *cl = &w.cells[j];
	if (lean && dc->slot_num) {
		/* no missing-value string is a number (bm_clean_lean_ok): parse first */
		double d;
		if (bm_values_parse_padded(v, len, &d, NULL, level)) {
			bm_clean_put_slot(w.srow, w.sw, j, d, 0, 1);
			return 0;
		}
		w.late[(*nlate)++] = j;
		cl->num_ok = false;
	}
	bool na = bm_values_naset_has(&x->na, v, len);
	cl->v = v;
	cl->len = len;
	cl->na = na;
	if (!lean) { /* what only the other paths read */
		cl->f = f;
		cl->filled = false;
		cl->num_ok = false;
	}
	if (na) {
		*nna += dc->subset;
		return 0;
	}
	if (dc->how == DEC_TEXT)
		return 0;
	bool ok = bm_values_parse_padded(v, len, &cl->num, NULL, level);
	if (dc->how == DEC_DECIDE) {
		if (quick)
			return 1;
		x->c[j].type = ok ? T_NUMERIC : T_ONEHOT;
		bm_clean_plan_decode_col(x, j);
	} else if (!ok) {
		if (!x->o->coerce)
			return quick ? 1 : bm_clean_not_a_number(rd, &x->c[j], v, len);
		cl->na = true;
		*nna += dc->subset;
	}
	cl->num_ok = ok;
	return 0;
}

/* REC's selected fields (a short one padded with missing values, with
 * --ragged=pad). */
INLINE int decode_rec(ctx_t *x, rd_t *rd, const bm_csv_rec_t *rec, size_t *nna, const bool lean, const int level)
{
	size_t n = rec->n, nlate = 0;
	if (n != x->nin && (n > x->nin || !x->o->ragged_pad)) {
		bm_seterr("%s:%llu: expected %zu fields, found %zu", rd->fname, LINE(rd), x->nin, n);
		return -1;
	}
	const dview_t w = dview(x, rd);
	const bm_csv_field_t *fields = rec->f;
	const size_t nsel = x->nsel;
	for (size_t j = 0; j < nsel; j++) {
		size_t in = w.dec[j].in;
		if (in < n) {
			const bm_csv_field_t *f = &fields[in];
			if (decode_value(x, rd, w, j, f->val, f->len, f, nna, &nlate, lean, false, level) < 0)
				return -1;
			continue;
		}
		w.cells[j] = (cell_t){"", 0, NULL, true, false, false, 0};
		*nna += w.dec[j].subset;
		if (lean && w.dec[j].slot_num)
			w.late[nlate++] = j;
	}
	rd->nlate = nlate;
	return 0;
}

/* The quick record at Q, its fields in input order (x->fin); 1 when it is
 * left to bm_csv_next. At the AVX2 level, a number column's field is first
 * read as the usual short decimal, found and parsed in one look. */
INLINE int decode_quick(ctx_t *x, rd_t *rd, bm_csv_quick_t *q, size_t *nna, const int level)
{
	const dview_t w = dview(x, rd);
	const fin_t *fin = x->fin, *fend = x->fin + x->nin;
	size_t nlate = 0;
	for (const fin_t *f = fin; f < fend; f++) {
#ifdef __x86_64__
		if (level >= BM_CPU_AVX2 && f->number) {
			double d;
			size_t len = bm_values_prefix_ssse3(q->cur, &d);
			if (len) {
				int st = bm_csv_quick_after(q, q->cur + len);
				if (st == f->end) {
					bm_clean_put_slot(w.srow, w.sw, f->col, d, 0, 1);
					continue;
				}
				if (st != BM_CSV_QUICK_NO)
					return 1;
			}
		}
#endif
		const char *v;
		size_t len;
		if (bm_csv_quick_field(q, &v, &len, level) != f->end)
			return 1;
		if (!f->skip) {
			int rc = decode_value(x, rd, w, f->col, v, len, NULL, nna, &nlate, true, true, level);
			if (rc)
				return rc;
		}
	}
	rd->nlate = nlate;
	return 0;
}

/* ---- the record ---- */

/* One record, REC or the quick record at Q, through the pass PASS: decode,
 * keep, fill, dedup, encode. LEAN: the lean one-pass path. 0: taken; 1: a
 * quick record left to bm_csv_next; -1: an error. */
INLINE int take(ctx_t *x, rd_t *rd, const bm_csv_rec_t *rec, bm_csv_quick_t *q, int pass, const bool lean,
                const int level)
{
	const bm_clean_opts_t *o = x->o;
	size_t nna = 0;
	if (q) {
		int rc = decode_quick(x, rd, q, &nna, level);
		if (rc)
			return rc;
		rd->line = q->line;
		bm_csv_quick_accept(q);
	} else {
		rd->line = rec->line;
		if (decode_rec(x, rd, rec, &nna, lean, level) < 0)
			return -1;
	}
	bool final = pass == PASS_WRITE;
	if (final) {
		rd->nread++;
		if (!lean && o->report)
			report_cells(x, rd);
	}
	if (!keep_counts(o, nna, x->nsub)) {
		if (final)
			rd->ndropna++;
		return 0;
	}
	if (pass == PASS_GATHER) {
		int rc = bm_clean_gather(x, rd);
		rd->krow++;
		return rc;
	}
	if (!lean && x->fills)
		fill(x, rd);
	rd->krow++;
	if (!lean && o->dedup && duplicate(x, rd)) {
		if (final)
			rd->ndedup++;
		return 0;
	}
	if (pass == PASS_KEPT)
		return bm_clean_gather_kept(x, rd);
	if (x->fast)
		return spool_row(x, rd, lean);
	dest_t *d = &x->dest[split_dest(x, rd)];
	if (o->tensor)
		return write_tensor_row(x, rd, d);
	if (write_csv_row(x, rd, d, rec) < 0)
		return -1;
	d->written++;
	return 0;
}

/* ---- the read loop ---- */

#define QUICK_WAIT 32 /* records left to bm_csv_next after a try that took none */

/* Up to MAX quick records at Q: the count taken, until one is left to
 * bm_csv_next; *ERR on an error. */
INLINE uint64_t quick_some(ctx_t *x, rd_t *rd, bm_csv_quick_t *q, uint64_t max, bool *err, const int level)
{
	uint64_t n = 0;
	for (; n < max && bm_csv_quick_record(q); n++) {
		int rc = take(x, rd, NULL, q, PASS_WRITE, true, level);
		if (rc) {
			*err = rc < 0;
			break;
		}
	}
	return n;
}

/* Take what quick records R holds, on the lean path; then bm_csv_next reads
 * on from the first record not taken. 0, or -1. */
INLINE int quick_records(ctx_t *x, rd_t *rd, bm_csv_t *r, const int level)
{
	if (rd->quick_wait) { /* the last try took none: the records may all be others */
		rd->quick_wait--;
		return 0;
	}
	bm_csv_quick_t q;
	if (!x->fin || !bm_csv_quick_begin(r, &q))
		return 0;
	uint64_t taken, any = 0;
	bool err = false;
	while (!err && (taken = quick_some(x, rd, &q, PROGRESS_EVERY - rd->nrec, &err, level))) {
		any += taken;
		if ((rd->nrec += taken) == PROGRESS_EVERY) {
			bm_clean_progress_add(x, rd->nrec);
			rd->nrec = 0;
		}
	}
	if (!any)
		rd->quick_wait = QUICK_WAIT;
	bm_csv_quick_end(r, &q);
	return err ? -1 : 0;
}

int bm_clean_begin(ctx_t *x, rd_t *rd, const bm_csv_rec_t *rec)
{
	if (bm_clean_setup(x, rd, rec) < 0)
		return -1;
	bm_clean_rd_init(x, rd);
	if (x->fast) {
		x->sw = x->scale > 0 || x->o->save_stats ? 8 : 4;
		x->scol = bm_xmalloc(x->nsel * sizeof *x->scol);
		for (size_t j = 0; j < x->nsel; j++)
			x->scol[x->nscol++] = j;
		return bm_clean_spool_open(x, rd, SPOOL_MEM);
	}
	if (!x->twopass) {
		bm_clean_layout(x);
		return bm_clean_open_outputs(x);
	}
	return 0;
}

INLINE int read_at(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass, bool first_is_header, const int level)
{
	const bm_clean_opts_t *o = x->o;
	bool first = true, checked = false, plan = rd == &x->rd; /* the run's reader may change the plan */
	bm_csv_rec_t *rec;
	int st;
	for (;;) {
		bool lean = x->lean && pass == PASS_WRITE;
		if (lean && quick_records(x, rd, r, level) < 0)
			return -1;
		if ((st = bm_csv_next(r, &rec)) <= 0)
			break;
		if (first && first_is_header) {
			first = false;
			rd->line = rec->line;
			if (!x->ready) {
				if (bm_clean_begin(x, rd, rec) < 0)
					return -1;
			} else if (!o->no_header && bm_clean_check_header(x, rd, rec) < 0)
				return -1;
			if (!o->no_header)
				continue;
		}
		first = false;
		if ((lean ? take(x, rd, rec, NULL, pass, true, level) : take(x, rd, rec, NULL, pass, false, level)) < 0)
			return -1;
		if (plan && !checked && x->fast && !lean)
			x->lean = bm_clean_lean_ok(x); /* the types are known now */
		checked = true;
		if (++rd->nrec == PROGRESS_EVERY) {
			bm_clean_progress_add(x, rd->nrec);
			rd->nrec = 0;
		}
	}
	if (st < 0)
		return -1;
	if (first && first_is_header && !o->no_header) {
		bm_seterr("%s: empty input, no header", rd->fname);
		return -1;
	}
	bm_clean_progress_add(x, rd->nrec);
	rd->nrec = 0;
	return 0;
}

/* read_at at each level: the record path compiled for it. */
__attribute__((flatten)) static int read_generic(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass, bool header)
{
	return read_at(x, rd, r, pass, header, BM_CPU_GENERIC);
}

#ifdef __SSE2__
__attribute__((flatten)) static int read_sse2(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass, bool header)
{
	return read_at(x, rd, r, pass, header, BM_CPU_SSE2);
}
#endif

#ifdef __x86_64__
__attribute__((flatten, target("arch=x86-64-v3"))) static int read_avx2(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass,
                                                                        bool header)
{
	return read_at(x, rd, r, pass, header, BM_CPU_AVX2);
}
#endif

int bm_clean_read(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass, bool header)
{
	bm_cpu_level_t level = bm_cpu();
#ifdef __x86_64__
	if (level >= BM_CPU_AVX2)
		return read_avx2(x, rd, r, pass, header);
#endif
#ifdef __SSE2__
	if (level >= BM_CPU_SSE2)
		return read_sse2(x, rd, r, pass, header);
#endif
	(void)level;
	return read_generic(x, rd, r, pass, header);
}
