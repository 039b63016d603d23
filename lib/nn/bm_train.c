/* bm_train.c: data loading and the training loop of bm-train. */
#include "bm_train.h"

#include "bm_buf.h"
#include "bm_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bm_io.h"
#include "bm_stream.h"

/* ---- data ---- */

void bm_data_free(bm_data_t *d)
{
	free(d->name);
	free(d->x);
	free(d->labels);
	free(d->values);
	free(d->classes);
	memset(d, 0, sizeof *d);
}

typedef struct {
	size_t xcap, ycap; /* elements allocated */
	int ykind;         /* 0 unknown, 1 labels, 2 values */
} grow_t;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 4096;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np) {
		bm_seterr("out of memory");
		return -1;
	}
	*p = np;
	*cap = nc;
	return 0;
}

static int fail_frame(const char *name, uint64_t frame, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_frame(const char *name, uint64_t frame, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bm_seterr("%s: frame %" PRIu64 ": %s", name, frame, msg);
	return -1;
}

/* Check the header of an x frame and make room for its rows; returns the
 * place of its first value in d->x, or NULL. */
static float *x_room(bm_data_t *d, grow_t *g, const bm_tensor_t *t, uint64_t frame)
{
	char shape[64];
	bm_tensor_shape_str(t, shape, sizeof shape);
	if (t->ndim != 2 && t->ndim != 1) {
		fail_frame(d->name, frame, "x must be [n, d], not %s", shape);
		return NULL;
	}
	if (t->dtype != BM_F32 && t->dtype != BM_F64) {
		fail_frame(d->name, frame, "x must be f32 (or f64), not %s", bm_dtype_name(t->dtype));
		return NULL;
	}
	uint64_t rows = t->dims[0], cols = t->ndim == 2 ? t->dims[1] : 1;
	if (cols == 0 || cols > BM_MAX_UNITS) {
		fail_frame(d->name, frame, "x has %" PRIu64 " columns", cols);
		return NULL;
	}
	if (d->n == 0 && d->d == 0)
		d->d = (int)cols;
	else if (cols != (uint64_t)d->d) {
		fail_frame(d->name, frame, "x has %" PRIu64 " columns, earlier frames %d", cols, d->d);
		return NULL;
	}
	if (d->n + rows > UINT32_MAX) {
		fail_frame(d->name, frame, "more than 2^32 rows");
		return NULL;
	}
	if (grow((void **)&d->x, &g->xcap, (d->n + rows) * cols + 1, sizeof(float)) < 0)
		return NULL;
	return d->x + d->n * cols;
}

/* Store COUNT values of SRC (f32 or f64) at DST, the values from index
 * FIRST of the frame's rows on; NaN and Inf are errors. */
static int x_store(bm_data_t *d, const bm_tensor_t *t, uint64_t frame, float *dst, const void *src, uint64_t first,
                   uint64_t count)
{
	uint64_t cols = (uint64_t)d->d;
	for (uint64_t i = 0; i < count; i++) {
		double v = t->dtype == BM_F32 ? ((const float *)src)[i] : ((const double *)src)[i];
		if (!isfinite(v) || (t->dtype == BM_F64 && !isfinite((float)v))) {
			uint64_t at = first + i;
			return fail_frame(d->name, frame, "x[%" PRIu64 ", %" PRIu64 "] is %s", d->n + at / cols,
			                  at % cols, isnan(v) ? "NaN" : "infinite");
		}
		dst[i] = (float)v;
	}
	return 0;
}

/* Append the rows of the x frame whose header T was just read, its data
 * read straight into d->x (f32) or through a small buffer (f64): the
 * frame is never held twice, so loading takes the data's size and little
 * more. */
static int add_x_stream(bm_data_t *d, grow_t *g, bm_reader_t *r, const bm_tensor_t *t, uint64_t frame)
{
	float *dst = x_room(d, g, t, frame);
	if (!dst)
		return -1;
	uint64_t total = t->dims[0] * (uint64_t)d->d;
	if (t->dtype == BM_F32) {
		if (bm_reader_data_part(r, t, dst, total * sizeof(float)) < 0)
			return -1;
		return x_store(d, t, frame, dst, dst, 0, total);
	}
	enum { CHUNK = 8192 };
	double buf[CHUNK];
	for (uint64_t i = 0; i < total; i += CHUNK) {
		uint64_t n = total - i < CHUNK ? total - i : CHUNK;
		if (bm_reader_data_part(r, t, buf, n * sizeof(double)) < 0 || x_store(d, t, frame, dst + i, buf, i, n) < 0)
			return -1;
	}
	return 0;
}

static int add_y(bm_data_t *d, grow_t *g, const bm_tensor_t *t, uint64_t frame, uint64_t xrows)
{
	char shape[64];
	bm_tensor_shape_str(t, shape, sizeof shape);
	if (t->ndim != 1 && t->ndim != 2)
		return fail_frame(d->name, frame, "y must be [n] or [n, k], not %s", shape);
	uint64_t rows = t->dims[0], cols = t->ndim == 2 ? t->dims[1] : 1;
	if (rows != xrows)
		return fail_frame(d->name, frame, "y has %" PRIu64 " rows, its x frame %" PRIu64, rows, xrows);
	bool ints = t->dtype == BM_I32 || t->dtype == BM_I64 || t->dtype == BM_U8 || t->dtype == BM_I8;
	bool floats = t->dtype == BM_F32 || t->dtype == BM_F64;
	if (!ints && !floats)
		return fail_frame(d->name, frame, "y must be integer labels or f32 targets, not %s",
		                  bm_dtype_name(t->dtype));
	int kind = ints && cols == 1 ? 1 : 2;
	if (cols == 0 || cols > BM_MAX_UNITS)
		return fail_frame(d->name, frame, "y has %" PRIu64 " columns", cols);
	if (g->ykind == 0) {
		g->ykind = kind;
		d->k = (int)cols;
		d->y_ndim = t->ndim;
	} else if (g->ykind != kind || d->k != (int)cols) {
		return fail_frame(d->name, frame, "y is %s %s, earlier y frames differ", bm_dtype_name(t->dtype), shape);
	}
	uint64_t base = d->n;
	if (kind == 1) {
		if (grow((void **)&d->labels, &g->ycap, base + rows, sizeof(int32_t)) < 0)
			return -1;
		for (uint64_t i = 0; i < rows; i++) {
			int64_t v;
			switch (t->dtype) {
			case BM_I32: v = ((const int32_t *)t->data)[i]; break;
			case BM_I64: v = ((const int64_t *)t->data)[i]; break;
			case BM_U8: v = ((const uint8_t *)t->data)[i]; break;
			default: v = ((const int8_t *)t->data)[i]; break;
			}
			if (v < 0 || v > INT32_MAX)
				return fail_frame(d->name, frame, "y[%" PRIu64 "] = %" PRId64 " is not a class id (0 or more)",
				                  base + i, v);
			d->labels[base + i] = (int32_t)v;
			if (v > d->max_label)
				d->max_label = (int32_t)v;
		}
	} else {
		if (grow((void **)&d->values, &g->ycap, (base + rows) * cols, sizeof(float)) < 0)
			return -1;
		for (uint64_t i = 0; i < rows * cols; i++) {
			double v;
			switch (t->dtype) {
			case BM_F32: v = ((const float *)t->data)[i]; break;
			case BM_F64: v = ((const double *)t->data)[i]; break;
			case BM_I32: v = ((const int32_t *)t->data)[i]; break;
			case BM_I64: v = (double)((const int64_t *)t->data)[i]; break;
			case BM_U8: v = ((const uint8_t *)t->data)[i]; break;
			default: v = ((const int8_t *)t->data)[i]; break;
			}
			if (!isfinite(v) || !isfinite((float)v))
				return fail_frame(d->name, frame, "y[%" PRIu64 "] is %s", base + i / cols,
				                  isnan(v) ? "NaN" : "infinite");
			d->values[base * cols + i] = (float)v;
		}
	}
	d->n += rows;
	return 0;
}

static int set_classes(bm_data_t *d, const bm_tensor_t *t)
{
	uint64_t len = bm_tensor_bytes(t);
	free(d->classes);
	d->classes = malloc(len + 1);
	if (!d->classes) {
		bm_seterr("out of memory");
		return -1;
	}
	memcpy(d->classes, t->data, len);
	d->classes[len] = '\0';
	while (len > 0 && d->classes[len - 1] == '\n') /* a trailing newline ends the last name */
		d->classes[--len] = '\0';
	d->nclasses = len > 0;
	for (uint64_t i = 0; i < len; i++)
		d->nclasses += d->classes[i] == '\n';
	return 0;
}

int bm_data_load(bm_data_t *d, const char *path)
{
	memset(d, 0, sizeof *d);
	bm_reader_t *r = bm_reader_open(path);
	if (!r)
		return -1;
	d->name = strdup(bm_reader_name(r));
	if (!d->name) {
		bm_seterr("out of memory");
		bm_reader_close(r);
		return -1;
	}
	bm_tensor_t t = {0};
	grow_t g = {0};
	int rc = -1;
	bool expect_y = false;
	uint64_t xrows = 0, xframe = 0;
	for (;;) {
		int h = bm_reader_header(r, &t);
		if (h < 0)
			goto out;
		if (h == 0)
			break;
		uint64_t frame = bm_reader_frame_index(r);
		bool is_x = strcmp(t.name, "x") == 0, is_y = strcmp(t.name, "y") == 0,
		     is_c = strcmp(t.name, "classes") == 0;
		if (!is_x && !is_y && !is_c) {
			if (bm_reader_skip(r, &t) < 0)
				goto out;
			continue;
		}
		if (is_x && expect_y) {
			fail_frame(d->name, frame, "x frame after x frame %" PRIu64 " without its y frame", xframe);
			goto out;
		}
		if (is_y && !expect_y) {
			fail_frame(d->name, frame, "y frame without an x frame before it");
			goto out;
		}
		if (is_x) {
			if (add_x_stream(d, &g, r, &t, frame) < 0)
				goto out;
			xrows = t.dims[0];
			xframe = frame;
			expect_y = true;
			continue;
		}
		if (bm_reader_data(r, &t) < 0)
			goto out;
		if (is_c) {
			if (t.dtype != BM_U8 || t.ndim != 1) {
				fail_frame(d->name, frame, "classes must be u8 [bytes] (names joined by newlines)");
				goto out;
			}
			if (set_classes(d, &t) < 0)
				goto out;
		} else {
			if (add_y(d, &g, &t, frame, xrows) < 0)
				goto out;
			expect_y = false;
		}
	}
	if (expect_y) {
		fail_frame(d->name, xframe, "x frame without a y frame after it (bm-train needs targets)");
		goto out;
	}
	if (d->n == 0) {
		bm_seterr("%s: no rows (expected x and y frames)", d->name);
		goto out;
	}
	rc = 0;
out:
	bm_tensor_free(&t);
	bm_reader_close(r);
	return rc;
}

static int read_first(const char *path, const char *npy_name, bm_tensor_t *t)
{
	bm_reader_t *r = bm_reader_open(path);
	if (!r)
		return -1;
	bm_reader_set_npy_name(r, npy_name);
	int h;
	while ((h = bm_reader_next(r, t)) == 1 && strcmp(t->name, "classes") == 0)
		;
	if (h == 0)
		bm_seterr("%s: no tensor in it", bm_reader_name(r));
	bm_reader_close(r);
	return h == 1 ? 0 : -1;
}

int bm_data_load_pair(bm_data_t *d, const char *xpath, const char *ypath)
{
	memset(d, 0, sizeof *d);
	bm_tensor_t tx = {0}, ty = {0};
	grow_t g = {0};
	int rc = -1;
	if (!(d->name = strdup(xpath))) {
		bm_seterr("out of memory");
		goto out;
	}
	/* x: the first tensor but a classes frame, its data read straight into d->x */
	bm_reader_t *r = bm_reader_open(xpath);
	if (!r)
		goto out;
	bm_reader_set_npy_name(r, "x");
	int h;
	while ((h = bm_reader_header(r, &tx)) == 1 && strcmp(tx.name, "classes") == 0)
		if (bm_reader_skip(r, &tx) < 0) {
			h = -1;
			break;
		}
	if (h == 0)
		bm_seterr("%s: no tensor in it", bm_reader_name(r));
	if (h == 1 && add_x_stream(d, &g, r, &tx, 0) < 0)
		h = -1;
	bm_reader_close(r);
	if (h != 1)
		goto out;
	free(d->name);
	if (!(d->name = strdup(ypath))) {
		bm_seterr("out of memory");
		goto out;
	}
	if (read_first(ypath, "y", &ty) < 0 || add_y(d, &g, &ty, 0, tx.dims[0]) < 0)
		goto out;
	rc = 0;
out:
	bm_tensor_free(&tx);
	bm_tensor_free(&ty);
	return rc;
}

/* ---- spec and data together ---- */

int bm_spec_complete(bm_spec_t *spec, const bm_data_t *d)
{
	if (spec->input != 0 && spec->input != d->d) {
		bm_seterr("%s: x has %d columns, the spec's input is %d", d->name, d->d, spec->input);
		return -1;
	}
	spec->input = d->d;
	if (spec->nlayers == 0) {
		int out = d->labels ? (d->max_label + 1 > d->nclasses ? d->max_label + 1 : d->nclasses) : d->k;
		spec->layers[0] = (bm_layer_spec_t){BM_LAYER_DENSE, 64, BM_ACT_RELU, 0};
		spec->layers[1] = (bm_layer_spec_t){BM_LAYER_DENSE, 64, BM_ACT_RELU, 0};
		spec->layers[2] = (bm_layer_spec_t){BM_LAYER_DENSE, out, d->labels ? BM_ACT_SOFTMAX : BM_ACT_LINEAR, 0};
		spec->nlayers = 3;
	}
	if (spec->layers[spec->nlayers - 1].kind != BM_LAYER_DENSE) {
		bm_seterr("the last layer must be a dense layer, not dropout");
		return -1;
	}
	const bm_layer_spec_t *last = &spec->layers[spec->nlayers - 1];
	if (spec->loss == BM_LOSS_AUTO) {
		if (d->labels)
			spec->loss = last->act == BM_ACT_SIGMOID && last->units == 1 ? BM_LOSS_BCE : BM_LOSS_SPARSE_CE;
		else
			spec->loss = last->act == BM_ACT_SOFTMAX   ? BM_LOSS_CE
			             : last->act == BM_ACT_SIGMOID ? BM_LOSS_BCE
			                                           : BM_LOSS_MSE;
	}
	bm_spec_resolve(spec);
	return bm_data_check(d, spec);
}

int bm_data_check(const bm_data_t *d, const bm_spec_t *spec)
{
	const bm_layer_spec_t *last = &spec->layers[spec->nlayers - 1];
	int units = last->units;
	const char *loss = bm_loss_name(spec->loss);
	if (d->d != spec->input) {
		bm_seterr("%s: x has %d columns, the model takes %d", d->name, d->d, spec->input);
		return -1;
	}
	if (d->labels) {
		int32_t limit = units;
		if (spec->loss == BM_LOSS_BCE || spec->loss == BM_LOSS_MSE || spec->loss == BM_LOSS_MAE) {
			if (units != 1) {
				bm_seterr("%s: %s on class ids needs an output layer of 1 unit, not %d (or one-hot float "
				          "targets)", d->name, loss, units);
				return -1;
			}
			limit = spec->loss == BM_LOSS_BCE ? 2 : INT32_MAX;
		}
		if (d->max_label >= limit) {
			for (uint64_t i = 0; i < d->n; i++)
				if (d->labels[i] >= limit) {
					if (spec->loss == BM_LOSS_BCE)
						bm_seterr("%s: y[%" PRIu64 "] = %d: binary_crossentropy needs 0 or 1",
						          d->name, i, d->labels[i]);
					else
						bm_seterr("%s: y[%" PRIu64 "] = %d is out of range for an output layer of %d "
						          "units", d->name, i, d->labels[i], units);
					return -1;
				}
		}
	} else {
		if (spec->loss == BM_LOSS_SPARSE_CE) {
			bm_seterr("%s: sparse_categorical_crossentropy needs integer class ids in y, not floats",
			          d->name);
			return -1;
		}
		if (d->k != units) {
			bm_seterr("%s: y has %d column%s, the output layer %d unit%s", d->name, d->k, d->k == 1 ? "" : "s",
			          units, units == 1 ? "" : "s");
			return -1;
		}
	}
	return 0;
}

/* ---- checkpoints ---- */

typedef struct {
	int epoch;  /* epochs done */
	uint64_t step;
	bm_rng_t rng;
	double best;
	int best_epoch, wait;
	bool stopped;
	bm_buf_t history; /* TSV so far */
} state_t;

static char *expand_epoch(const char *pattern, int epoch)
{
	size_t len = strlen(pattern) + 1;
	const char *p = pattern;
	while ((p = strstr(p, "{epoch}")))
		len += 16, p += 7;
	char *out = malloc(len);
	if (!out)
		return NULL;
	char *o = out;
	for (p = pattern; *p;) {
		if (strncmp(p, "{epoch}", 7) == 0) {
			o += sprintf(o, "%d", epoch);
			p += 7;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int write_checkpoint(const char *pattern, const bm_mlp_t *m, const bm_spec_t *spec, const bm_data_t *d,
                            const bm_optim_t *opt, const float *best, const state_t *s)
{
	char *path = expand_epoch(pattern, s->epoch);
	if (!path) {
		bm_seterr("out of memory");
		return -1;
	}
	bm_st_tensor_t extra[3];
	int ne = 0;
	snprintf(extra[ne].name, sizeof extra[ne].name, "optimizer.m");
	extra[ne].ndim = 1;
	extra[ne].dims[0] = opt->n;
	extra[ne++].data = opt->m;
	snprintf(extra[ne].name, sizeof extra[ne].name, "optimizer.v");
	extra[ne].ndim = 1;
	extra[ne].dims[0] = opt->n;
	extra[ne++].data = opt->v;
	if (best) {
		snprintf(extra[ne].name, sizeof extra[ne].name, "best.params");
		extra[ne].ndim = 1;
		extra[ne].dims[0] = m->nparams;
		extra[ne++].data = best;
	}
	char epoch[32], step[32], rng[80], bestv[40], best_epoch[32], wait[32], t[32];
	snprintf(epoch, sizeof epoch, "%d", s->epoch);
	snprintf(step, sizeof step, "%" PRIu64, s->step);
	snprintf(t, sizeof t, "%" PRIu64, opt->t);
	snprintf(rng, sizeof rng, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, s->rng.s[0], s->rng.s[1],
	         s->rng.s[2], s->rng.s[3]);
	snprintf(bestv, sizeof bestv, "%.17g", s->best);
	snprintf(best_epoch, sizeof best_epoch, "%d", s->best_epoch);
	snprintf(wait, sizeof wait, "%d", s->wait);
	bm_st_meta_t meta[] = {
		{"checkpoint_epoch", epoch}, {"checkpoint_step", step},   {"checkpoint_optimizer_t", t},
		{"checkpoint_rng", rng},     {"checkpoint_best", bestv},  {"checkpoint_best_epoch", best_epoch},
		{"checkpoint_wait", wait},   {"checkpoint_stopped", s->stopped ? "1" : "0"},
		{"checkpoint_history", s->history.s ? s->history.s : ""},
	};
	bm_out_t *out = bm_out_open(path, BM_OUT_BINARY);
	int rc = -1;
	if (out) {
		if (bm_model_write(out, m, m->params, spec, d->classes, d->y_ndim, extra, ne, meta,
		                   (int)(sizeof meta / sizeof meta[0])) < 0)
			bm_out_abort(out);
		else
			rc = bm_out_commit(out);
	}
	free(path);
	return rc;
}

int bm_checkpoint_spec(const char *path, bm_spec_t *spec)
{
	bm_st_t *st = bm_st_open(path);
	if (!st)
		return -1;
	const char *yaml = bm_st_meta(st, "spec");
	int rc = -1;
	if (!yaml || !bm_st_meta(st, "checkpoint_epoch")) {
		bm_seterr("%s: not a bm-train checkpoint", path);
	} else {
		char name[300];
		snprintf(name, sizeof name, "%s: metadata spec", path);
		rc = bm_spec_load_yaml_text(spec, name, yaml, strlen(yaml));
	}
	bm_st_close(st);
	return rc;
}

static int meta_u64(const bm_st_t *st, const char *key, uint64_t *out)
{
	const char *v = bm_st_meta(st, key);
	char *end;
	if (!v) {
		bm_seterr("%s: not a bm-train checkpoint ('%s' missing)", bm_st_name(st), key);
		return -1;
	}
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno) {
		bm_seterr("%s: bad checkpoint value %s '%s'", bm_st_name(st), key, v);
		return -1;
	}
	return 0;
}

static int load_checkpoint(const char *path, bm_mlp_t *m, bm_optim_t *opt, float *best, state_t *s)
{
	bm_st_t *st = bm_st_open(path);
	if (!st)
		return -1;
	int rc = -1;
	uint64_t epoch, best_epoch, wait, stopped, t;
	const char *rng = bm_st_meta(st, "checkpoint_rng"), *bestv = bm_st_meta(st, "checkpoint_best"),
		   *hist = bm_st_meta(st, "checkpoint_history");
	if (meta_u64(st, "checkpoint_epoch", &epoch) < 0 || meta_u64(st, "checkpoint_step", &s->step) < 0 ||
	    meta_u64(st, "checkpoint_optimizer_t", &t) < 0 || meta_u64(st, "checkpoint_best_epoch", &best_epoch) < 0 ||
	    meta_u64(st, "checkpoint_wait", &wait) < 0 || meta_u64(st, "checkpoint_stopped", &stopped) < 0)
		goto out;
	if (!rng || strlen(rng) != 64 || !bestv || !hist) {
		bm_seterr("%s: not a bm-train checkpoint (bad rng, best or history)", path);
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		char part[17];
		memcpy(part, rng + 16 * i, 16);
		part[16] = '\0';
		s->rng.s[i] = strtoull(part, NULL, 16);
	}
	s->epoch = (int)epoch;
	s->best = strtod(bestv, NULL);
	s->best_epoch = (int)best_epoch;
	s->wait = (int)wait;
	s->stopped = stopped != 0;
	opt->t = t;
	uint64_t n = opt->n, np = m->nparams;
	if (bm_model_load_weights(st, m) < 0 || bm_st_read_f32(st, "optimizer.m", 1, &n, opt->m) < 0 ||
	    bm_st_read_f32(st, "optimizer.v", 1, &n, opt->v) < 0)
		goto out;
	if (best && bm_st_has(st, "best.params") && bm_st_read_f32(st, "best.params", 1, &np, best) < 0)
		goto out;
	bm_buf_set(&s->history, hist, strlen(hist));
	rc = 0;
out:
	bm_st_close(st);
	return rc;
}

/* ---- the loop ---- */

/* Loss and accuracy of M on rows [lo, hi) of D, without dropout. */
static void evaluate(bm_mlp_t *m, const bm_spec_t *spec, const bm_data_t *d, uint64_t lo, uint64_t hi, int bs,
                     double *loss, double *acc)
{
	double ls = 0, as = 0;
	for (uint64_t r = lo; r < hi; r += (uint64_t)bs) {
		int B = (int)(hi - r < (uint64_t)bs ? hi - r : (uint64_t)bs);
		bm_target_t t = {d->labels ? d->labels + r : NULL, d->values ? d->values + r * (uint64_t)d->k : NULL, d->k};
		double a = 0;
		bm_mlp_forward(m, d->x + r * (uint64_t)d->d, B, false, NULL);
		ls += bm_mlp_loss(m, spec->loss, &t, B, &a) * B;
		as += a;
	}
	double n = (double)(hi - lo);
	*loss = ls / n + bm_mlp_l2(m, spec->l2, false);
	*acc = as / n;
}

static void bar(int done, int total, double t0, double loss, double acc, bool has_acc)
{
	char b[31];
	int w = total ? (int)((int64_t)30 * done / total) : 30;
	for (int i = 0; i < 30; i++)
		b[i] = i < w ? '=' : i == w ? '>' : '.';
	b[30] = '\0';
	double el = bm_seconds() - t0, eta = done ? el / done * (total - done) : 0;
	fprintf(stderr, "\r%*d/%d [%s] - ETA: %.0fs - loss: %.4f", (int)snprintf(NULL, 0, "%d", total), done, total, b,
	        eta, loss);
	if (has_acc)
		fprintf(stderr, " - accuracy: %.4f", acc);
	fprintf(stderr, "\033[K");
}

bm_mlp_t *bm_fit(const bm_spec_t *spec, const bm_data_t *d, const bm_fit_opts_t *o)
{
	bm_mlp_t *m = bm_mlp_new(spec);
	if (!m)
		return NULL;
	bm_mlp_set_threads(m, o->threads);
	bm_optim_t *opt = NULL;
	uint32_t *perm = NULL;
	float *xb = NULL, *vb = NULL, *best = NULL;
	int32_t *lb = NULL;
	state_t s = {0};
	bool ok = false;
	const int bs = spec->batch_size, k = d->k;
	const bool has_acc = bm_loss_has_accuracy(spec->loss);

	/* The split: Keras takes the last fraction of the rows, before shuffling. */
	uint64_t ntrain = d->n;
	const bm_data_t *vd = o->validation;
	uint64_t vlo = 0, vhi = 0;
	if (spec->validation_split > 0 && !vd) {
		ntrain = (uint64_t)floor((double)d->n * (1.0 - spec->validation_split));
		vd = d;
		vlo = ntrain;
		vhi = d->n;
		if (ntrain == 0 || ntrain == d->n) {
			bm_seterr("--validation-split %g of %" PRIu64 " rows leaves %s", spec->validation_split, d->n,
			          ntrain == 0 ? "no rows to train on" : "no validation rows");
			goto out;
		}
	} else if (vd) {
		vhi = vd->n;
	}
	const bool has_val = vd != NULL;
	if (spec->patience > 0 && !has_val) {
		bm_seterr("--patience needs validation data (--validation-split or --validation)");
		goto out;
	}
	int evb = bs < 256 ? 256 : bs; /* evaluation batches */
	if (bm_mlp_reserve(m, bs > evb ? bs : evb) < 0)
		goto out;
	opt = bm_optim_new(spec, m->nparams);
	perm = malloc(ntrain * sizeof *perm);
	xb = malloc((size_t)bs * (size_t)d->d * sizeof *xb);
	if (d->labels)
		lb = malloc((size_t)bs * sizeof *lb);
	else
		vb = malloc((size_t)bs * (size_t)k * sizeof *vb);
	if (spec->patience > 0)
		best = malloc(m->nparams * sizeof *best);
	if (!opt || !perm || !xb || (!lb && !vb) || (spec->patience > 0 && !best)) {
		bm_seterr("out of memory");
		goto out;
	}

	s.best = INFINITY;
	s.best_epoch = -1;
	if (o->resume) {
		if (load_checkpoint(o->resume, m, opt, best, &s) < 0)
			goto out;
	} else {
		bm_rng_seed(&s.rng, spec->seed);
		bm_mlp_init_weights(m, spec->init, &s.rng);
		if (o->initial) {
			bm_st_t *st = bm_st_open(o->initial);
			int rc = st ? bm_model_load_weights(st, m) : -1;
			bm_st_close(st);
			if (rc < 0)
				goto out;
		}
		char h[128];
		snprintf(h, sizeof h, "epoch\tloss%s%s%s\tlr\tseconds\n", has_acc ? "\taccuracy" : "",
		         has_val ? "\tval_loss" : "", has_val && has_acc ? "\tval_accuracy" : "");
		bm_buf_addstr(&s.history, h);
	}

	const uint64_t nbatches = (ntrain + (uint64_t)bs - 1) / (uint64_t)bs;
	const uint64_t total_steps = nbatches * (uint64_t)spec->epochs;
	for (int epoch = s.epoch; epoch < spec->epochs && !s.stopped; epoch++) {
		double t0 = bm_seconds(), lsum = 0, asum = 0, last_draw = 0;
		for (uint64_t i = 0; i < ntrain; i++)
			perm[i] = (uint32_t)i;
		if (spec->shuffle)
			bm_rng_shuffle(&s.rng, perm, ntrain);
		double lr = 0;
		for (uint64_t b = 0; b < nbatches; b++) {
			uint64_t start = b * (uint64_t)bs;
			int B = (int)(ntrain - start < (uint64_t)bs ? ntrain - start : (uint64_t)bs);
			/* gather the batch into contiguous buffers */
			for (int r = 0; r < B; r++) {
				uint64_t row = perm[start + (uint64_t)r];
				memcpy(xb + (size_t)r * d->d, d->x + row * (uint64_t)d->d, (size_t)d->d * sizeof *xb);
				if (lb)
					lb[r] = d->labels[row];
				else
					memcpy(vb + (size_t)r * k, d->values + row * (uint64_t)k, (size_t)k * sizeof *vb);
			}
			bm_target_t t = {lb, vb, k};
			double acc = 0;
			bm_mlp_forward(m, xb, B, true, &s.rng);
			double loss = bm_mlp_loss(m, spec->loss, &t, B, &acc);
			bm_mlp_zero_grad(m);
			loss += bm_mlp_l2(m, spec->l2, true);
			if (!isfinite(loss)) {
				bm_seterr("the loss is %s at epoch %d, batch %" PRIu64 "; stopping (try a smaller "
				          "--learning-rate or scaled inputs)", isnan(loss) ? "NaN" : "infinite", epoch + 1,
				          b + 1);
				if (o->verbose >= 2)
					fputc('\n', stderr);
				goto out;
			}
			bm_mlp_backward(m, xb, B);
			if (spec->clip_norm > 0)
				bm_clip_norm(m->grads, m->nparams, spec->clip_norm);
			lr = bm_schedule_lr(spec, epoch, s.step, total_steps);
			bm_optim_step(opt, m->params, m->grads, lr);
			s.step++;
			lsum += loss * B;
			asum += acc;
			if (o->verbose >= 2) {
				double tn = bm_seconds();
				if (tn - last_draw > 0.1 || b + 1 == nbatches) {
					uint64_t seen = start + (uint64_t)B;
					bar((int)(b + 1), (int)nbatches, t0, lsum / (double)seen, asum / (double)seen, has_acc);
					last_draw = tn;
				}
			}
		}
		double loss = lsum / (double)ntrain, acc = asum / (double)ntrain, vloss = 0, vacc = 0;
		if (has_val)
			evaluate(m, spec, vd, vlo, vhi, evb, &vloss, &vacc);
		double secs = bm_seconds() - t0;
		s.epoch = epoch + 1;

		char line[512];
		size_t len = (size_t)snprintf(line, sizeof line, "%d\t%.9g", epoch + 1, loss);
		if (has_acc)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", acc);
		if (has_val)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", vloss);
		if (has_val && has_acc)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", vacc);
		snprintf(line + len, sizeof line - len, "\t%.9g\t%.3f\n", lr, secs);
		bm_buf_addstr(&s.history, line);
		if (o->verbose >= 1) {
			if (o->verbose >= 2)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "Epoch %d/%d - %.1fs - loss: %.4f", epoch + 1, spec->epochs, secs, loss);
			if (has_acc)
				fprintf(stderr, " - accuracy: %.4f", acc);
			if (has_val)
				fprintf(stderr, " - val_loss: %.4f", vloss);
			if (has_val && has_acc)
				fprintf(stderr, " - val_accuracy: %.4f", vacc);
			fprintf(stderr, "\n");
		}

		/* EarlyStopping(monitor="val_loss", patience, restore_best_weights=True) */
		if (spec->patience > 0) {
			s.wait++;
			if (vloss < s.best) {
				s.best = vloss;
				s.best_epoch = epoch;
				s.wait = 0;
				memcpy(best, m->params, m->nparams * sizeof *best);
			} else if (s.wait >= spec->patience && epoch > 0) {
				s.stopped = true;
				memcpy(m->params, best, m->nparams * sizeof *best);
				if (o->verbose >= 1)
					fprintf(stderr, "Early stopping after epoch %d: restoring the weights of epoch %d "
					                "(val_loss %.4f)\n", epoch + 1, s.best_epoch + 1, s.best);
			}
		}
		if (o->checkpoint && write_checkpoint(o->checkpoint, m, spec, d, opt, best, &s) < 0)
			goto out;
	}

	if (o->history) {
		bm_out_t *h = bm_out_open(o->history, 0);
		if (!h)
			goto out;
		if (bm_out_write(h, s.history.s, s.history.len) < 0) {
			bm_out_abort(h);
			goto out;
		}
		if (bm_out_commit(h) < 0)
			goto out;
	}
	ok = true;
out:
	bm_optim_free(opt);
	free(perm);
	free(xb);
	free(vb);
	free(lb);
	free(best);
	free(s.history.s);
	if (!ok) {
		bm_mlp_free(m);
		return NULL;
	}
	return m;
}
