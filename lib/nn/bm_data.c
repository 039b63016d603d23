/* bm_data.c: reading bm-train's data sets (see bm_data.h). */
#include "config.h"

#include "bm_data.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_err.h"
#include "bm_stream.h"

void bm_data_free(bm_data_t *d)
{
	free(d->name);
	free(d->x);
	free(d->labels);
	free(d->values);
	bm_names_free(&d->classes);
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

/* Check the header of an x frame: 0, or -1 with the error. */
static int x_check(bm_data_t *d, const bm_tensor_t *t, uint64_t frame)
{
	char shape[64];
	bm_tensor_shape_str(t, shape, sizeof shape);
	if (t->ndim != 2 && t->ndim != 1) {
		fail_frame(d->name, frame, "x must be [n, d], not %s", shape);
		return -1;
	}
	if (t->dtype != BM_F32 && t->dtype != BM_F64) {
		fail_frame(d->name, frame, "x must be f32 (or f64), not %s", bm_dtype_name(t->dtype));
		return -1;
	}
	uint64_t rows = t->dims[0], cols = t->ndim == 2 ? t->dims[1] : 1;
	if (cols == 0 || cols > BM_MAX_UNITS) {
		fail_frame(d->name, frame, "x has %" PRIu64 " columns", cols);
		return -1;
	}
	if (d->n == 0 && d->d == 0)
		d->d = (int)cols;
	else if (cols != (uint64_t)d->d) {
		fail_frame(d->name, frame, "x has %" PRIu64 " columns, earlier frames %d", cols, d->d);
		return -1;
	}
	if (d->n + rows > UINT32_MAX) {
		fail_frame(d->name, frame, "more than 2^32 rows");
		return -1;
	}
	return 0;
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
 * more. d->x grows a part at a time with the data that arrives, so a
 * header claiming more rows than the input holds ends in "truncated
 * data", not in an allocation of its size. */
static int add_x_stream(bm_data_t *d, grow_t *g, bm_reader_t *r, const bm_tensor_t *t, uint64_t frame)
{
	if (x_check(d, t, frame) < 0)
		return -1;
	enum { PART = 1 << 20, CHUNK = 8192 };
	uint64_t total = t->dims[0] * (uint64_t)d->d, at = d->n * (uint64_t)d->d;
	double buf[CHUNK];
	for (uint64_t i = 0; i < total; i += PART) {
		uint64_t part = total - i < PART ? total - i : PART;
		if (grow((void **)&d->x, &g->xcap, at + i + part + 1, sizeof(float)) < 0)
			return -1;
		float *dst = d->x + at + i;
		if (t->dtype == BM_F32) {
			if (bm_reader_data_part(r, t, dst, part * sizeof(float)) < 0 ||
			    x_store(d, t, frame, dst, dst, i, part) < 0)
				return -1;
			continue;
		}
		for (uint64_t j = 0; j < part; j += CHUNK) {
			uint64_t n = part - j < CHUNK ? part - j : CHUNK;
			if (bm_reader_data_part(r, t, buf, n * sizeof(double)) < 0 ||
			    x_store(d, t, frame, dst + j, buf, i + j, n) < 0)
				return -1;
		}
	}
	if (total == 0 && grow((void **)&d->x, &g->xcap, at + 1, sizeof(float)) < 0)
		return -1;
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

/* The names of the classes frame T (FRAME) replace D's. */
static int set_classes(bm_data_t *d, const bm_tensor_t *t, uint64_t frame)
{
	bm_names_free(&d->classes);
	if (bm_names_parse(&d->classes, t->data, bm_tensor_bytes(t), "class") < 0) {
		char msg[300];
		snprintf(msg, sizeof msg, "%s", bm_errmsg());
		return fail_frame(d->name, frame, "%s", msg);
	}
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
			if (set_classes(d, &t, frame) < 0)
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
