/* bm_tensor_cmd.c: the commands of bm-tensor(1). Errors end the program
 * through bm_die, which also removes a half-written -o file. */
#include "config.h"

#include "bm_tensor_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_fmt.h"
#include "bm_idx.h"
#include "bm_io.h"
#include "bm_npy.h"
#include "bm_stream.h"

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

/* The next frame's header (1), or 0 when every input is done. */
static int next_header(inputs_t *in, bm_tensor_t *t)
{
	for (;;) {
		if (!in->r) {
			if (in->next == in->nfiles)
				return 0;
			if (!(in->r = bm_reader_open(in->files[in->next++])))
				bm_die("%s", bm_errmsg());
			if (in->npy_name)
				bm_reader_set_npy_name(in->r, in->npy_name);
		}
		int h = bm_reader_header(in->r, t);
		if (h < 0)
			bm_die("%s", bm_errmsg());
		if (h > 0)
			return 1;
		bm_reader_close(in->r);
		in->r = NULL;
	}
}

static void read_data(inputs_t *in, bm_tensor_t *t)
{
	if (bm_reader_data(in->r, t) < 0)
		bm_die("%s", bm_errmsg());
}

static void skip_data(inputs_t *in, bm_tensor_t *t)
{
	if (bm_reader_skip(in->r, t) < 0)
		bm_die("%s", bm_errmsg());
}

static bm_out_t *open_output(const bm_tensor_opts_t *o, int binary)
{
	bm_out_t *out = bm_out_open(o->output, (binary ? BM_OUT_BINARY : 0) | (o->gzip ? BM_OUT_GZIP : 0));
	if (!out)
		bm_die("%s", bm_errmsg());
	return out;
}

static void commit(bm_out_t *out)
{
	if (bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());
}

static void check(int r)
{
	if (r < 0)
		bm_die("%s", bm_errmsg());
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

int bm_tensor_info(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_out_t *out = open_output(o, 0);
	bm_tensor_t t = {0};
	total_t *totals = NULL;
	size_t ntotals = 0;
	char shape[128];
	for (uint64_t index = 0; next_header(&in, &t); index++) {
		skip_data(&in, &t);
		if (o->name && strcmp(t.name, o->name) != 0)
			continue;
		bm_tensor_shape_str(&t, shape, sizeof shape);
		check(bm_out_printf(out, "%llu\t%s\t%s\t%s\t%llu\n", (unsigned long long)index, t.name,
				    bm_dtype_name(t.dtype), shape, (unsigned long long)bm_tensor_bytes(&t)));
		size_t k = 0;
		while (k < ntotals && strcmp(totals[k].name, t.name) != 0)
			k++;
		if (k == ntotals) {
			total_t *p = realloc(totals, (ntotals + 1) * sizeof *totals);
			if (!p)
				bm_die("out of memory");
			totals = p;
			memset(&totals[ntotals], 0, sizeof *totals);
			strcpy(totals[ntotals++].name, t.name);
		}
		add_total(&totals[k], &t);
	}
	for (size_t k = 0; k < ntotals; k++) {
		total_t *tot = &totals[k];
		if (tot->stackable) {
			bm_tensor_t s = {.ndim = tot->ndim};
			memcpy(s.dims, tot->dims, sizeof s.dims);
			bm_tensor_shape_str(&s, shape, sizeof shape);
		} else {
			strcpy(shape, "-");
		}
		check(bm_out_printf(out, "total\t%s\t%s\t%s\t%llu\t%llu frame%s\n", tot->name,
				    tot->dtype ? bm_dtype_name(tot->dtype) : "mixed", shape,
				    (unsigned long long)tot->bytes, (unsigned long long)tot->frames,
				    tot->frames == 1 ? "" : "s"));
	}
	free(totals);
	bm_tensor_free(&t);
	commit(out);
	return BM_EXIT_OK;
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

int bm_tensor_dump(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_out_t *out = open_output(o, 0);
	bm_tensor_t t = {0};
	char shape[128], num[64];
	for (uint64_t index = 0; next_header(&in, &t); index++) {
		if (o->name && strcmp(t.name, o->name) != 0) {
			skip_data(&in, &t);
			continue;
		}
		read_data(&in, &t);
		/* Without --name, a comment line tells the frames apart. */
		if (!o->name) {
			bm_tensor_shape_str(&t, shape, sizeof shape);
			check(bm_out_printf(out, "# %llu %s %s %s\n", (unsigned long long)index, t.name,
					    bm_dtype_name(t.dtype), shape));
		}
		uint64_t rows = t.ndim == 0 ? 1 : t.dims[0], cols = bm_tensor_row_count(&t);
		for (uint64_t r = 0; r < rows; r++) {
			for (uint64_t c = 0; c < cols; c++) {
				int n = format_value(num + 1, sizeof num - 1, &t, r * cols + c);
				num[0] = o->delimiter;
				check(bm_out_write(out, c ? num : num + 1, (size_t)n + (c ? 1 : 0)));
			}
			check(bm_out_write(out, "\n", 1));
		}
	}
	bm_tensor_free(&t);
	commit(out);
	return BM_EXIT_OK;
}

/* ---- cat, from-npy ---- */

int bm_tensor_cat(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_out_t *out = open_output(o, 1);
	bm_tensor_t t = {0};
	while (next_header(&in, &t)) {
		read_data(&in, &t);
		check(bm_write_tensor(out, &t));
	}
	bm_tensor_free(&t);
	commit(out);
	return BM_EXIT_OK;
}

int bm_tensor_from_npy(const bm_tensor_opts_t *o, const char *file)
{
	bm_reader_t *r = bm_reader_open(file);
	if (!r)
		bm_die("%s", bm_errmsg());
	if (!bm_reader_is_npy(r))
		bm_die("%s: not a .npy file", bm_reader_name(r));
	bm_reader_set_npy_name(r, o->name ? o->name : "x");
	bm_tensor_t t = {0};
	if (bm_reader_next(r, &t) <= 0)
		bm_die("%s", bm_errmsg());
	bm_out_t *out = open_output(o, 1);
	check(bm_write_tensor(out, &t));
	commit(out);
	bm_tensor_free(&t);
	bm_reader_close(r);
	return BM_EXIT_OK;
}

/* ---- npy: frames of one name joined along axis 0 ---- */

int bm_tensor_npy(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	inputs_t in = inputs(files, nfiles, o->name);
	bm_tensor_t t = {0}, joined = {0};
	uint64_t frames = 0;
	/* The .npy header holds the final shape, so the data waits in a
	 * temporary file: memory stays one frame whatever the total. */
	FILE *spool = tmpfile();
	if (!spool)
		bm_die("cannot create a temporary file: %s", strerror(errno));
	while (next_header(&in, &t)) {
		if (strcmp(t.name, o->name) != 0) {
			skip_data(&in, &t);
			continue;
		}
		if (frames == 0) {
			joined = t;
			joined.data = NULL;
			joined.cap = 0;
		} else {
			int same = t.dtype == joined.dtype && t.ndim == joined.ndim && t.ndim > 0;
			for (int i = 1; same && i < t.ndim; i++)
				same = t.dims[i] == joined.dims[i];
			if (!same) {
				char a[128], b[128];
				bm_tensor_shape_str(&joined, a, sizeof a);
				bm_tensor_shape_str(&t, b, sizeof b);
				bm_die("%s: frame %llu: cannot join %s %s to the %s %s before it along axis 0",
				       bm_reader_name(in.r), (unsigned long long)bm_reader_frame_index(in.r),
				       bm_dtype_name(t.dtype), b, bm_dtype_name(joined.dtype), a);
			}
			joined.dims[0] += t.dims[0];
		}
		frames++;
		read_data(&in, &t);
		size_t bytes = (size_t)bm_tensor_bytes(&t);
		if (fwrite(t.data, 1, bytes, spool) != bytes)
			bm_die("temporary file: write error: %s", strerror(errno));
	}
	if (frames == 0)
		bm_die("no frame named '%s'", o->name);
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
		bm_die("temporary file: %s", strerror(errno));
	char header[256];
	int hlen = bm_npy_header(header, sizeof header, joined.dtype, joined.ndim, joined.dims);
	if (hlen < 0)
		bm_die("cannot write a .npy header for this shape");
	bm_out_t *out = open_output(o, 1);
	check(bm_out_write(out, header, (size_t)hlen));
	/* The spool holds little-endian bytes already (read_data swapped to
	 * host order on a big-endian host, and .npy is '<'), so copy back
	 * through bm_write_data to restore it. */
	size_t size = bm_dtype_size(joined.dtype);
	char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf - sizeof buf % size, spool)) > 0)
		check(bm_write_data(out, joined.dtype, buf, n / size));
	if (ferror(spool))
		bm_die("temporary file: read error: %s", strerror(errno));
	fclose(spool);
	commit(out);
	bm_tensor_free(&t);
	return BM_EXIT_OK;
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

static void flush_rows(csv_state_t *s)
{
	uint64_t dims[2] = {s->nrows, s->cols};
	check(bm_write_frame(s->out, s->o->name ? s->o->name : "x", BM_F32, 2, dims, s->rows));
	s->written += s->nrows;
	s->nrows = 0;
}

/* Split LINE at the delimiter into FIELDS (pointers into LINE, which is cut). */
static size_t split(char *line, char delim, char ***fields, size_t *cap)
{
	size_t n = 0;
	for (char *p = line;; p++) {
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if (!(*fields = realloc(*fields, *cap * sizeof **fields)))
				bm_die("out of memory");
		}
		(*fields)[n++] = p;
		char *end = strchr(p, delim);
		if (!end)
			break;
		*end = '\0';
		p = end;
	}
	return n;
}

/* Parse one numeric field: spaces around it and quotes are allowed, an empty field is NaN. */
static int parse_number(char *s, float *v)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s[len - 1] = '\0';
		s++;
	}
	if (*s == '\0') {
		*v = NAN;
		return 0;
	}
	char *end;
	errno = 0;
	*v = strtof(s, &end);
	if (end == s || *end != '\0')
		return -1;
	if (errno == ERANGE && isinf(*v))
		return -2;
	return 0;
}

int bm_tensor_from_csv(const bm_tensor_opts_t *o, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	csv_state_t s = {.o = o, .out = open_output(o, 1)};
	char *line = NULL, **fields = NULL;
	size_t cap = 0, fcap = 0;
	for (int f = 0; f < nfiles; f++) {
		bm_in_t *in = bm_in_open(files[f]);
		if (!in)
			bm_die("%s", bm_errmsg());
		int first = 1;
		bool eof;
		ssize_t len;
		for (uint64_t lineno = 1; (len = bm_in_getline(in, &line, &cap, &eof)) >= 0 && !eof; lineno++) {
			if (len > 0 && line[len - 1] == '\r')
				line[--len] = '\0';
			if ((size_t)len != strlen(line))
				bm_die("%s:%llu: NUL byte in CSV", bm_in_name(in), (unsigned long long)lineno);
			if (len == 0)
				continue; /* blank lines are skipped, as pandas does */
			size_t n = split(line, o->delimiter, &fields, &fcap);
			if (s.cols && n != s.cols)
				bm_die("%s:%llu: expected %llu fields, found %zu", bm_in_name(in),
				       (unsigned long long)lineno, (unsigned long long)s.cols, n);
			s.cols = n;
			/* Grow with the rows that arrive, up to one frame. */
			if ((s.nrows + 1) * n > s.cap) {
				s.cap = s.cap ? s.cap * 2 : n * 64;
				if (s.cap > o->rows * n)
					s.cap = o->rows * n;
				if (!(s.rows = realloc(s.rows, s.cap * sizeof *s.rows)))
					bm_die("out of memory");
			}
			float *row = s.rows + s.nrows * s.cols;
			for (size_t i = 0; i < n; i++) {
				int bad = parse_number(fields[i], &row[i]);
				if (bad == -1 && first) {
					/* A first line that is not all numbers is the header. */
					n = 0;
					break;
				}
				if (bad == -2)
					bm_die("%s:%llu: field %zu: '%s' is out of range for f32", bm_in_name(in),
					       (unsigned long long)lineno, i + 1, fields[i]);
				if (bad)
					bm_die("%s:%llu: field %zu: '%s' is not a number", bm_in_name(in),
					       (unsigned long long)lineno, i + 1, fields[i]);
			}
			first = 0;
			if (n == 0)
				continue;
			if (++s.nrows == o->rows)
				flush_rows(&s);
		}
		if (len < 0)
			bm_die("%s", bm_errmsg());
		bm_in_close(in);
	}
	/* A header alone still tells the width: write a (0, columns) frame. */
	if (s.nrows > 0 || (s.written == 0 && s.cols > 0))
		flush_rows(&s);
	free(line);
	free(fields);
	free(s.rows);
	commit(s.out);
	return BM_EXIT_OK;
}

/* ---- from-idx ---- */

int bm_tensor_from_idx(const bm_tensor_opts_t *o, const char *images, const char *labels)
{
	bm_out_t *out = open_output(o, 1);
	if (bm_idx_convert(images, labels, out, o->scale) < 0)
		bm_die("%s", bm_errmsg());
	commit(out);
	return BM_EXIT_OK;
}
