/* bm_tensor_cmd.c: the commands of bm-tensor(1) (see bm_tensor_cmd.h).
 * A command that fails discards its output (a half-written -o file is
 * removed), frees what it holds and returns -1 with bm_errmsg() set. */
#include "config.h"

#include "bm_tensor_cmd.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bm_csv.h"
#include "bm_err.h"
#include "bm_fmt.h"
#include "bm_idx.h"
#include "bm_io.h"
#include "bm_npy.h"
#include "bm_stream.h"
#include "bm_tmp.h"
#include "bm_values.h"

/* Go to fail when X, a library call, returns a negative status. */
#define TRY(x)                     \
	do {                       \
		if ((x) < 0)       \
			goto fail; \
	} while (0)

/* ---- frames of several inputs, one after another ---- */

typedef struct {
	char **files;
	int nfiles, next;
	bm_reader_t *r;
	const char *npy_name;
} inputs_t;

static inputs_t inputs(char **files, int nfiles, const char *npy_name)
{
	static char *stdin_only[] = {"-"};
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	return (inputs_t){.files = files, .nfiles = nfiles, .npy_name = npy_name};
}

/* The next frame's header: 1, 0 when every input is done, -1 on error. */
static int next_header(inputs_t *in, bm_tensor_t *t)
{
	for (;;) {
		if (!in->r) {
			if (in->next == in->nfiles)
				return 0;
			if (!(in->r = bm_reader_open(in->files[in->next++])))
				return -1;
			if (in->npy_name)
				bm_reader_set_npy_name(in->r, in->npy_name);
		}
		int h = bm_reader_header(in->r, t);
		if (h != 0)
			return h;
		bm_reader_close(in->r);
		in->r = NULL;
	}
}

static void inputs_close(inputs_t *in)
{
	bm_reader_close(in->r);
	in->r = NULL;
}

static bm_out_t *open_output(const bm_tensor_opts_t *o, int binary)
{
	return bm_out_open(o->output, (binary ? BM_OUT_BINARY : 0) | (o->gzip ? BM_OUT_GZIP : 0));
}

/* Commit OUT when RC is 0, else discard it; 0, or -1 with the message. */
static int finish(bm_out_t *out, int rc)
{
	if (!out)
		return -1;
	if (rc < 0) {
		bm_out_abort(out);
		return -1;
	}
	return bm_out_commit(out);
}

/* ---- info ---- */

typedef struct {
	char name[BM_NAME_MAX + 1];
	int dtype, ndim, stackable;
	uint64_t dims[BM_MAX_NDIM], bytes, frames;
} total_t;

/* Frames of one name stack along axis 0 when dtype and trailing dims agree. */
static void add_total(total_t *tot, const bm_tensor_t *t)
{
	if (tot->frames == 0) {
		tot->dtype = t->dtype;
		tot->ndim = t->ndim;
		memcpy(tot->dims, t->dims, sizeof tot->dims);
		tot->stackable = t->ndim > 0;
	} else {
		int same = tot->stackable && (int)t->dtype == tot->dtype && t->ndim == tot->ndim;
		for (int i = 1; same && i < t->ndim; i++)
			same = t->dims[i] == tot->dims[i];
		if (same)
			tot->dims[0] += t->dims[0];
		tot->stackable = same;
		if ((int)t->dtype != tot->dtype)
			tot->dtype = 0;
	}
	tot->bytes += bm_tensor_bytes(t);
	tot->frames++;
}

/* The total of NAME in *TOTALS (N of them), added when new; NULL when out of memory. */
static total_t *total_of(total_t **totals, size_t *n, const char *name)
{
	for (size_t k = 0; k < *n; k++)
		if (strcmp((*totals)[k].name, name) == 0)
			return &(*totals)[k];
	total_t *p = realloc(*totals, (*n + 1) * sizeof *p);
	if (!p) {
		bm_seterr("out of memory");
		return NULL;
	}
	*totals = p;
	memset(&p[*n], 0, sizeof *p);
	strcpy(p[*n].name, name);
	return &p[(*n)++];
}

int bm_tensor_cmd_info(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_tensor_t t = {0};
	total_t *totals = NULL;
	size_t ntotals = 0;
	char shape[128];
	int rc = -1, h;
	bm_out_t *out = open_output(o, 0);
	if (!out)
		goto fail;
	for (uint64_t index = 0; (h = next_header(&in, &t)) > 0; index++) {
		TRY(bm_reader_skip(in.r, &t));
		if (o->name && strcmp(t.name, o->name) != 0)
			continue;
		bm_tensor_shape_str(&t, shape, sizeof shape);
		TRY(bm_out_printf(out, "%llu\t%s\t%s\t%s\t%llu\n", (unsigned long long)index, t.name,
				  bm_dtype_name(t.dtype), shape, (unsigned long long)bm_tensor_bytes(&t)));
		total_t *tot = total_of(&totals, &ntotals, t.name);
		if (!tot)
			goto fail;
		add_total(tot, &t);
	}
	TRY(h);
	for (size_t k = 0; k < ntotals; k++) {
		total_t *tot = &totals[k];
		if (tot->stackable) {
			bm_tensor_t s = {.ndim = tot->ndim};
			memcpy(s.dims, tot->dims, sizeof s.dims);
			bm_tensor_shape_str(&s, shape, sizeof shape);
		} else {
			strcpy(shape, "-");
		}
		TRY(bm_out_printf(out, "total\t%s\t%s\t%s\t%llu\t%llu frame%s\n", tot->name,
				  tot->dtype ? bm_dtype_name(tot->dtype) : "mixed", shape,
				  (unsigned long long)tot->bytes, (unsigned long long)tot->frames,
				  tot->frames == 1 ? "" : "s"));
	}
	rc = 0;
fail:
	free(totals);
	bm_tensor_free(&t);
	inputs_close(&in);
	return finish(out, rc);
}

/* ---- dump ---- */

static int format_value(char *buf, size_t size, const bm_tensor_t *t, uint64_t i)
{
	const void *d = t->data;
	switch (t->dtype) {
	case BM_F32: return bm_fmt_float(buf, size, ((const float *)d)[i]);
	case BM_F64: return bm_fmt_double(buf, size, ((const double *)d)[i]);
	case BM_I32: return snprintf(buf, size, "%d", ((const int32_t *)d)[i]);
	case BM_I64: return snprintf(buf, size, "%lld", (long long)((const int64_t *)d)[i]);
	case BM_U8: return snprintf(buf, size, "%u", ((const uint8_t *)d)[i]);
	case BM_I8: return snprintf(buf, size, "%d", ((const int8_t *)d)[i]);
	}
	return 0;
}

int bm_tensor_cmd_dump(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_tensor_t t = {0};
	char shape[128], num[64];
	int rc = -1, h;
	bm_out_t *out = open_output(o, 0);
	if (!out)
		goto fail;
	for (uint64_t index = 0; (h = next_header(&in, &t)) > 0; index++) {
		if (o->name && strcmp(t.name, o->name) != 0) {
			TRY(bm_reader_skip(in.r, &t));
			continue;
		}
		TRY(bm_reader_data(in.r, &t));
		/* Without --name, a comment line tells the frames apart. */
		if (!o->name) {
			bm_tensor_shape_str(&t, shape, sizeof shape);
			TRY(bm_out_printf(out, "# %llu %s %s %s\n", (unsigned long long)index, t.name,
					  bm_dtype_name(t.dtype), shape));
		}
		uint64_t rows = t.ndim == 0 ? 1 : t.dims[0], cols = bm_tensor_row_count(&t);
		for (uint64_t r = 0; r < rows; r++) {
			for (uint64_t c = 0; c < cols; c++) {
				int n = format_value(num + 1, sizeof num - 1, &t, r * cols + c);
				num[0] = o->delimiter;
				TRY(bm_out_write(out, c ? num : num + 1, (size_t)n + (c ? 1 : 0)));
			}
			TRY(bm_out_write(out, "\n", 1));
		}
	}
	TRY(h);
	rc = 0;
fail:
	bm_tensor_free(&t);
	inputs_close(&in);
	return finish(out, rc);
}

/* ---- cat, from-npy ---- */

int bm_tensor_cmd_cat(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_tensor_t t = {0};
	int rc = -1, h;
	bm_out_t *out = open_output(o, 1);
	if (!out)
		goto fail;
	while ((h = next_header(&in, &t)) > 0) {
		TRY(bm_reader_data(in.r, &t));
		TRY(bm_write_tensor(out, &t));
	}
	TRY(h);
	rc = 0;
fail:
	bm_tensor_free(&t);
	inputs_close(&in);
	return finish(out, rc);
}

int bm_tensor_cmd_from_npy(const bm_tensor_opts_t *o, const char *file)
{
	bm_tensor_t t = {0};
	bm_out_t *out = NULL;
	int rc = -1;
	bm_reader_t *r = bm_reader_open(file);
	if (!r)
		return -1;
	if (!bm_reader_is_npy(r)) {
		bm_seterr("%s: not a .npy file", bm_reader_name(r));
		goto fail;
	}
	bm_reader_set_npy_name(r, o->name ? o->name : "x");
	if (bm_reader_next(r, &t) <= 0)
		goto fail;
	if (!(out = open_output(o, 1)))
		goto fail;
	TRY(bm_write_tensor(out, &t));
	rc = 0;
fail:
	bm_tensor_free(&t);
	bm_reader_close(r);
	return finish(out, rc);
}

/* ---- npy: frames of one name joined along axis 0 ---- */

/* Whether frame T can follow JOINED along axis 0 (same dtype and trailing
 * dims); else -1 with the message. */
static int joinable(const bm_tensor_t *joined, const bm_tensor_t *t, const bm_reader_t *r)
{
	int same = t->dtype == joined->dtype && t->ndim == joined->ndim && t->ndim > 0;
	for (int i = 1; same && i < t->ndim; i++)
		same = t->dims[i] == joined->dims[i];
	if (same)
		return 0;
	char a[128], b[128];
	bm_tensor_shape_str(joined, a, sizeof a);
	bm_tensor_shape_str(t, b, sizeof b);
	bm_seterr("%s: frame %llu: cannot join %s %s to the %s %s before it along axis 0", bm_reader_name(r),
		  (unsigned long long)bm_reader_frame_index(r), bm_dtype_name(t->dtype), b,
		  bm_dtype_name(joined->dtype), a);
	return -1;
}

int bm_tensor_cmd_npy(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_tensor_t t = {0}, joined = {0};
	bm_out_t *out = NULL;
	uint64_t frames = 0;
	int rc = -1, h;
	/* The .npy header holds the final shape, so the data waits in a
	 * temporary file: memory stays one frame whatever the total. */
	FILE *spool = bm_tmp_anon_file("bm-tensor");
	if (!spool)
		return -1;
	while ((h = next_header(&in, &t)) > 0) {
		if (strcmp(t.name, o->name) != 0) {
			TRY(bm_reader_skip(in.r, &t));
			continue;
		}
		if (frames == 0) {
			joined = t;
			joined.data = NULL;
			joined.cap = 0;
		} else {
			TRY(joinable(&joined, &t, in.r));
			joined.dims[0] += t.dims[0];
		}
		frames++;
		TRY(bm_reader_data(in.r, &t));
		size_t bytes = (size_t)bm_tensor_bytes(&t);
		if (fwrite(t.data, 1, bytes, spool) != bytes) {
			bm_seterr("temporary file: write error: %s", strerror(errno));
			goto fail;
		}
	}
	TRY(h);
	if (frames == 0) {
		bm_seterr("no frame named '%s'", o->name);
		goto fail;
	}
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) {
		bm_seterr("temporary file: %s", strerror(errno));
		goto fail;
	}
	char header[256];
	int hlen = bm_npy_header(header, sizeof header, joined.dtype, joined.ndim, joined.dims);
	if (hlen < 0) {
		bm_seterr("cannot write a .npy header for this shape");
		goto fail;
	}
	if (!(out = open_output(o, 1)))
		goto fail;
	TRY(bm_out_write(out, header, (size_t)hlen));
	/* The spool holds little-endian bytes already (bm_reader_data swapped
	 * to host order on a big-endian host, and .npy is '<'), so copy back
	 * through bm_write_data to restore it. */
	size_t size = bm_dtype_size(joined.dtype);
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf - sizeof buf % size, spool)) > 0)
		TRY(bm_write_data(out, joined.dtype, buf, n / size));
	if (ferror(spool)) {
		bm_seterr("temporary file: read error: %s", strerror(errno));
		goto fail;
	}
	rc = 0;
fail:
	fclose(spool);
	bm_tensor_free(&t);
	inputs_close(&in);
	return finish(out, rc);
}

/* ---- from-csv ---- */

typedef struct {
	const bm_tensor_opts_t *o;
	bm_out_t *out;
	float *rows;          /* the frame being filled */
	size_t cap;           /* floats allocated at rows */
	uint64_t nrows, cols; /* cols is 0 until the first line */
	uint64_t written;     /* rows written so far */
} csv_state_t;

static int flush_rows(csv_state_t *s)
{
	uint64_t dims[2] = {s->nrows, s->cols};
	if (bm_write_frame(s->out, s->o->name ? s->o->name : "x", BM_F32, 2, dims, s->rows) < 0)
		return -1;
	s->written += s->nrows;
	s->nrows = 0;
	return 0;
}

/* V, the double read from the decimal text S[0..len), as the float nearest
 * that decimal. Narrowing V rounds a second time, which is wrong only when
 * V lies exactly halfway between two floats while the text was not (a
 * decimal a little above 1 + 2^-24 reads as that double, then narrows to
 * 1 by ties-to-even): then strtof, correctly rounded, reads the text. */
static float nearest_f32(double v, const char *s, size_t len)
{
	float f = (float)v;
	if ((double)f == v || !isfinite(v))
		return f;
	int e;
	frexp(v, &e);
	if (e < FLT_MIN_EXP)
		e = FLT_MIN_EXP; /* subnormal floats: steps of 2^-149 */
	double q = ldexp(fabs(v), FLT_MANT_DIG - e); /* V in steps of the float's last bit */
	if (q - floor(q) != 0.5)
		return f;
	char tmp[128], *b = len < sizeof tmp ? tmp : malloc(len + 1);
	if (!b)
		return f; /* out of memory: the twice-rounded value, off by one bit at most */
	memcpy(b, s, len);
	b[len] = '\0';
	f = strtof(b, NULL);
	if (b != tmp)
		free(b);
	return f;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse one numeric field S[0..len) into *V: blanks around it and double
 * quotes around a number are allowed, an empty field and "nan" (any case,
 * any sign) are NaN. 0, -1 when it is not a number, -2 when it is out of
 * the range of f32. */
static int parse_number(const char *s, size_t len, float *v)
{
	while (len > 0 && is_blank(*s))
		s++, len--;
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		s++, len -= 2;
	if (len == 0) {
		*v = NAN;
		return 0;
	}
	double d;
	if (!bm_values_parse_num(s, len, &d, NULL)) {
		size_t sign = *s == '-' || *s == '+';
		if (len - sign == 3 && strncasecmp(s + sign, "nan", 3) == 0) {
			*v = NAN;
			return 0;
		}
		return -1;
	}
	/* "1e999" is infinite but was not written as "inf": out of range. */
	size_t sign = *s == '-' || *s == '+';
	if (isinf(d) && s[sign] != 'i' && s[sign] != 'I')
		return -2;
	*v = nearest_f32(d, s, len);
	return isinf(*v) && !isinf(d) ? -2 : 0;
}

int bm_tensor_cmd_from_csv(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	csv_state_t s = {.o = o, .out = open_output(o, 1)};
	const bm_csv_opts_t copts = {.delim = o->delimiter, .quote = '"', .comment = -1};
	bm_csv_t *r = NULL;
	int rc = -1, h = 0;
	if (!s.out)
		goto fail;
	for (int f = 0; f < nfiles; f++) {
		bm_in_t *in = bm_in_open(files[f]);
		if (!in)
			goto fail;
		if (!(r = bm_csv_open(in, &copts))) {
			bm_in_close(in); /* a plain reader that failed to open leaves IN ours */
			goto fail;
		}
		int first = 1;
		bm_csv_rec_t *rec;
		while ((h = bm_csv_next(r, &rec)) > 0) {
			unsigned long long line = (unsigned long long)rec->line;
			if (memchr(rec->raw, '\0', rec->rawlen)) {
				bm_seterr("%s:%llu: NUL byte in CSV", bm_csv_name(r), line);
				goto fail;
			}
			size_t n = rec->n;
			if (s.cols && n != s.cols) {
				bm_seterr("%s:%llu: expected %llu fields, found %zu", bm_csv_name(r), line,
					  (unsigned long long)s.cols, n);
				goto fail;
			}
			s.cols = n;
			/* Grow with the rows that arrive, up to one frame. */
			if ((s.nrows + 1) * n > s.cap) {
				size_t c = s.cap ? s.cap * 2 : n * 64;
				if (c > o->rows * n)
					c = o->rows * n;
				float *p = realloc(s.rows, c * sizeof *p);
				if (!p) {
					bm_seterr("out of memory");
					goto fail;
				}
				s.rows = p;
				s.cap = c;
			}
			float *row = s.rows + s.nrows * s.cols;
			for (size_t i = 0; i < n; i++) {
				const bm_csv_field_t *fi = &rec->f[i];
				int bad = parse_number(fi->val, fi->len, &row[i]);
				if (bad == -1 && first) {
					/* A first line that is not all numbers is the header. */
					n = 0;
					break;
				}
				if (bad) {
					bm_seterr("%s:%llu: field %zu: '%.*s' %s", bm_csv_name(r), line, i + 1,
						  (int)fi->len, fi->val,
						  bad == -2 ? "is out of range for f32" : "is not a number");
					goto fail;
				}
			}
			first = 0;
			if (n > 0 && ++s.nrows == o->rows)
				TRY(flush_rows(&s));
		}
		TRY(h);
		bm_csv_close(r);
		r = NULL;
	}
	/* A header alone still tells the width: write a (0, columns) frame. */
	if (s.nrows > 0 || (s.written == 0 && s.cols > 0))
		TRY(flush_rows(&s));
	rc = 0;
fail:
	bm_csv_close(r);
	free(s.rows);
	return finish(s.out, rc);
}

/* ---- from-idx ---- */

int bm_tensor_cmd_from_idx(const bm_tensor_opts_t *o, const char *images, const char *labels)
{
	bm_out_t *out = open_output(o, 1);
	if (!out)
		return -1;
	return finish(out, bm_idx_convert(images, labels, out, o->scale));
}
