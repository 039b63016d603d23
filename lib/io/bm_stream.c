/* bm_stream.c: BMT1 frames, read and written one at a time (see bm_stream.h). */
#include "config.h"

#include "bm_stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_npy.h"

#define HEADER_SIZE 64
#define ALIGN 64
#define MAX_BYTES ((uint64_t)1 << 62) /* larger claims are corrupt, whatever follows */

static const struct {
	const char *name;
	size_t size;
} dtypes[] = {
	[BM_F32] = {"f32", 4}, [BM_F64] = {"f64", 8}, [BM_I32] = {"i32", 4},
	[BM_I64] = {"i64", 8}, [BM_U8] = {"u8", 1},   [BM_I8] = {"i8", 1},
};

size_t bm_dtype_size(int dtype)
{
	return dtype >= BM_F32 && dtype <= BM_I8 ? dtypes[dtype].size : 0;
}

const char *bm_dtype_name(int dtype)
{
	return dtype >= BM_F32 && dtype <= BM_I8 ? dtypes[dtype].name : NULL;
}

int bm_dtype_parse(const char *s)
{
	for (int d = BM_F32; d <= BM_I8; d++)
		if (strcmp(s, dtypes[d].name) == 0)
			return d;
	return 0;
}

/* Element count of a shape, or -1 on overflow or past MAX_BYTES of data. */
static int64_t shape_count(int dtype, int ndim, const uint64_t *dims)
{
	uint64_t n = 1;
	for (int i = 0; i < ndim; i++) {
		if (dims[i] != 0 && n > MAX_BYTES / dims[i])
			return -1;
		n *= dims[i];
	}
	if (n > MAX_BYTES / bm_dtype_size(dtype))
		return -1;
	return (int64_t)n;
}

uint64_t bm_tensor_count(const bm_tensor_t *t)
{
	uint64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->dims[i];
	return n;
}

uint64_t bm_tensor_bytes(const bm_tensor_t *t)
{
	return bm_tensor_count(t) * bm_dtype_size(t->dtype);
}

uint64_t bm_tensor_row_count(const bm_tensor_t *t)
{
	uint64_t n = 1;
	for (int i = 1; i < t->ndim; i++)
		n *= t->dims[i];
	return n;
}

void bm_tensor_shape_str(const bm_tensor_t *t, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "(");
	for (int i = 0; i < t->ndim && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%llu", i ? ", " : "", (unsigned long long)t->dims[i]);
	if (n < size)
		snprintf(buf + n, size - n, t->ndim == 1 ? ",)" : ")");
}

void bm_tensor_free(bm_tensor_t *t)
{
	free(t->data);
	t->data = NULL;
	t->cap = 0;
}

/* Grow T->data to hold N bytes. */
static int reserve(bm_tensor_t *t, size_t n)
{
	if (n <= t->cap)
		return 0;
	void *p = realloc(t->data, n);
	if (!p) {
		bm_seterr("out of memory for %zu bytes", n);
		return -1;
	}
	t->data = p;
	t->cap = n;
	return 0;
}

/* Checks shared by writers and bm_tensor_set; the reader has its own wording. */
static int check_frame(const char *name, int dtype, int ndim, const uint64_t *dims)
{
	size_t len = name ? strlen(name) : 0;
	if (len < 1 || len > BM_NAME_MAX) {
		bm_seterr("frame name '%s' must be 1 to %d bytes", name ? name : "", BM_NAME_MAX);
		return -1;
	}
	if (!bm_dtype_size(dtype)) {
		bm_seterr("frame '%s': unknown dtype %d", name, dtype);
		return -1;
	}
	if (ndim < 0 || ndim > BM_MAX_NDIM) {
		bm_seterr("frame '%s': ndim %d is not in 0..%d", name, ndim, BM_MAX_NDIM);
		return -1;
	}
	if (shape_count(dtype, ndim, dims) < 0) {
		bm_seterr("frame '%s': shape too large", name);
		return -1;
	}
	return 0;
}

int bm_tensor_set(bm_tensor_t *t, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims)
{
	if (check_frame(name, dtype, ndim, dims) < 0)
		return -1;
	strcpy(t->name, name);
	t->dtype = dtype;
	t->ndim = ndim;
	memset(t->dims, 0, sizeof t->dims);
	for (int i = 0; i < ndim; i++)
		t->dims[i] = dims[i];
	uint64_t bytes = bm_tensor_bytes(t);
	if (bytes > SIZE_MAX) {
		bm_seterr("frame '%s': too large for memory", name);
		return -1;
	}
	return reserve(t, bytes ? (size_t)bytes : 1);
}

/* ---- byte order: the format is little-endian, data is swapped on big-endian hosts ---- */

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

#ifdef WORDS_BIGENDIAN
static void swap_elements(void *data, size_t size, uint64_t count)
{
	unsigned char *p = data;
	for (uint64_t i = 0; i < count; i++, p += size)
		for (size_t a = 0, b = size - 1; a < b; a++, b--) {
			unsigned char c = p[a];
			p[a] = p[b];
			p[b] = c;
		}
}
#endif

/* ---- reading ---- */

struct bm_reader {
	bm_in_t *in;
	uint64_t frame;       /* index of the current frame */
	uint64_t frame_start; /* its byte offset */
	int started;          /* a header was read */
	uint64_t left;        /* data bytes of the current frame not yet read */
	uint64_t bytes;       /* data bytes of the current frame */
	int done;             /* the current frame's data and padding are read */
	int npy;              /* 1: input is .npy, 2: its one frame was returned */
	char npy_name[BM_NAME_MAX + 1];
	bm_npy_layout_t lay;  /* a .npy's layout; when not plain, the data is */
	uint64_t raw_bytes;   /* converted whole: RAW_BYTES of file into WHOLE */
	bm_tensor_t whole;    /* the converted array, for bm_reader_data_part */
	int loaded;
};

bm_reader_t *bm_reader_from(bm_in_t *in)
{
	bm_reader_t *r = calloc(1, sizeof *r);
	if (!r) {
		bm_seterr("out of memory");
		bm_in_close(in);
		return NULL;
	}
	r->in = in;
	strcpy(r->npy_name, "x");
	/* A .npy file starts with its own magic; a BMT1 stream with "BMT1". */
	const void *p;
	ssize_t n = bm_in_peek(in, &p, 6);
	if (n < 0) {
		bm_reader_close(r);
		return NULL;
	}
	if (n == 6 && memcmp(p, "\x93NUMPY", 6) == 0)
		r->npy = 1;
	return r;
}

bm_reader_t *bm_reader_open(const char *path)
{
	bm_in_t *in = bm_in_open(path);
	return in ? bm_reader_from(in) : NULL;
}

void bm_reader_close(bm_reader_t *r)
{
	if (!r)
		return;
	bm_in_close(r->in);
	bm_tensor_free(&r->whole);
	free(r);
}

const char *bm_reader_name(const bm_reader_t *r)
{
	return bm_in_name(r->in);
}

void bm_reader_set_npy_name(bm_reader_t *r, const char *name)
{
	snprintf(r->npy_name, sizeof r->npy_name, "%s", name);
}

bool bm_reader_is_npy(const bm_reader_t *r)
{
	return r->npy != 0;
}

uint64_t bm_reader_frame_index(const bm_reader_t *r)
{
	return r->frame;
}

/* Set the error "FILE: frame N at byte B: MESSAGE". */
static int frame_error(bm_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int frame_error(bm_reader_t *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bm_seterr("%s: frame %llu at byte %llu: %s", bm_in_name(r->in), (unsigned long long)r->frame,
		  (unsigned long long)r->frame_start, msg);
	return -1;
}

/* Is S[0..n) valid UTF-8 (no overlongs, no surrogates)? */
static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!len || i + len > n)
			return 0;
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static int parse_header(bm_reader_t *r, const unsigned char *h, bm_tensor_t *t)
{
	if (memcmp(h, "BMT1", 4) != 0)
		return frame_error(r, r->frame == 0 ? "not a BMT1 stream or .npy file (bad magic)" : "bad magic");
	int dtype = h[4], ndim = h[5];
	unsigned flags = (unsigned)get_le(h + 6, 2);
	if (dtype == 7 || dtype == 8)
		return frame_error(r, "dtype %d (%s) is reserved, not supported", dtype, dtype == 7 ? "bf16" : "f16");
	if (!bm_dtype_size(dtype))
		return frame_error(r, "unknown dtype %d", dtype);
	if (ndim > BM_MAX_NDIM)
		return frame_error(r, "ndim %d is more than %d", ndim, BM_MAX_NDIM);
	if (flags != 0)
		return frame_error(r, "flags 0x%04x must be 0", flags);
	uint64_t dims[BM_MAX_NDIM];
	for (int i = 0; i < BM_MAX_NDIM; i++) {
		dims[i] = get_le(h + 8 + 8 * i, 8);
		if (i >= ndim && dims[i] != 0)
			return frame_error(r, "dims[%d] is %llu past ndim %d", i, (unsigned long long)dims[i], ndim);
	}
	const unsigned char *name = h + 40;
	size_t len = strnlen((const char *)name, 24);
	if (len == 0)
		return frame_error(r, "empty name");
	if (len == 24)
		return frame_error(r, "name is not NUL-terminated");
	for (size_t i = len; i < 24; i++)
		if (name[i] != 0)
			return frame_error(r, "name is not NUL-padded");
	if (!valid_utf8(name, len))
		return frame_error(r, "name is not valid UTF-8");
	if (shape_count(dtype, ndim, dims) < 0)
		return frame_error(r, "shape overflows (more than 2^62 bytes)");
	t->dtype = dtype;
	t->ndim = ndim;
	memcpy(t->dims, dims, sizeof dims);
	memcpy(t->name, name, len + 1);
	return 0;
}

static int skip_rest(bm_reader_t *r);

int bm_reader_header(bm_reader_t *r, bm_tensor_t *t)
{
	/* Data the caller did not want is skipped, so frames stay in step. */
	if (r->started && !r->done && skip_rest(r) < 0)
		return -1;
	if (r->started)
		r->frame++;
	r->frame_start = bm_in_offset(r->in);
	if (r->npy) {
		if (r->npy == 2)
			return 0;
		r->npy = 2;
		r->started = 1;
		char msg[200];
		if (bm_npy_read_header(r->in, t, &r->lay, msg, sizeof msg) < 0)
			return frame_error(r, "%s", msg);
		snprintf(t->name, sizeof t->name, "%s", r->npy_name);
		r->left = r->bytes = bm_tensor_bytes(t);
		r->raw_bytes = bm_tensor_count(t) * r->lay.src_size;
		r->done = 0;
		return 1;
	}
	unsigned char h[HEADER_SIZE];
	ssize_t n = bm_in_read(r->in, h, HEADER_SIZE);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	r->started = 1;
	if (n < HEADER_SIZE)
		return frame_error(r, "truncated header (%zd of %d bytes)", n, HEADER_SIZE);
	if (parse_header(r, h, t) < 0)
		return -1;
	r->left = r->bytes = bm_tensor_bytes(t);
	r->done = 0;
	return 1;
}

static uint64_t padding(uint64_t bytes)
{
	return (ALIGN - bytes % ALIGN) % ALIGN;
}

/* Skip and check the zero padding after a frame's data. */
static int read_padding(bm_reader_t *r, uint64_t bytes)
{
	r->done = 1;
	if (r->npy)
		return 0;
	unsigned char pad[ALIGN];
	size_t n = (size_t)padding(bytes);
	ssize_t got = bm_in_read(r->in, pad, n);
	if (got < 0)
		return -1;
	if ((size_t)got < n)
		return frame_error(r, "truncated padding (%zd of %zu bytes)", got, n);
	for (size_t i = 0; i < n; i++)
		if (pad[i])
			return frame_error(r, "non-zero padding");
	return 0;
}

/* Read BYTES of data into T->data, growing it with the bytes that actually
 * arrive, so a corrupt count cannot make us allocate what the input does
 * not hold. TOTAL words the truncation. */
static int read_grow(bm_reader_t *r, bm_tensor_t *t, uint64_t bytes, uint64_t total)
{
	if (bytes > SIZE_MAX)
		return frame_error(r, "frame too large for memory");
	size_t done = 0;
	while (done < bytes) {
		size_t want = (size_t)bytes;
		if (want > t->cap) {
			size_t grow = t->cap < (1u << 20) ? (1u << 20) : t->cap * 2;
			if (want > grow)
				want = grow;
			if (reserve(t, want) < 0)
				return frame_error(r, "%s", bm_errmsg());
		}
		ssize_t got = bm_in_read(r->in, (char *)t->data + done, want - done);
		if (got < 0)
			return -1;
		done += (size_t)got;
		if (done < want)
			return frame_error(r, "truncated data (%llu of %llu bytes)",
					   (unsigned long long)(total - bytes + done), (unsigned long long)total);
	}
	if (!t->data && reserve(t, 1) < 0)
		return -1;
	return 0;
}

/* A .npy that is not plain: its whole data, converted, into OUT (T's shape). */
static int npy_load(bm_reader_t *r, const bm_tensor_t *t, bm_tensor_t *out)
{
	bm_tensor_t raw = {0};
	uint64_t bytes = bm_tensor_bytes(t);
	if (read_grow(r, &raw, r->raw_bytes, r->raw_bytes) < 0 ||
	    (bytes > SIZE_MAX ? frame_error(r, "frame too large for memory")
			      : reserve(out, bytes ? (size_t)bytes : 1) < 0 ? frame_error(r, "%s", bm_errmsg()) : 0) < 0) {
		bm_tensor_free(&raw);
		return -1;
	}
	bm_npy_convert(&r->lay, t, raw.data, out->data);
	bm_tensor_free(&raw);
	return 0;
}

int bm_reader_data(bm_reader_t *r, bm_tensor_t *t)
{
	if (r->done)
		return 0;
	uint64_t total = bm_tensor_bytes(t), bytes = r->left;
	if (r->npy && !bm_npy_plain(&r->lay)) {
		if (bytes != total) /* parts were taken: the rest is in WHOLE */
			return bm_reader_data_part(r, t, (char *)t->data + (total - bytes), bytes);
		if (npy_load(r, t, t) < 0)
			return -1;
		r->left = 0;
		return read_padding(r, total);
	}
	if (read_grow(r, t, bytes, total) < 0)
		return -1;
	r->left = 0;
#ifdef WORDS_BIGENDIAN
	swap_elements(t->data, bm_dtype_size(t->dtype), bytes / bm_dtype_size(t->dtype));
#endif
	return read_padding(r, total);
}

int bm_reader_data_part(bm_reader_t *r, const bm_tensor_t *t, void *buf, uint64_t nbytes)
{
	uint64_t bytes = bm_tensor_bytes(t);
	if (r->done && nbytes == 0)
		return 0;
	if (r->done || nbytes > r->left || nbytes % bm_dtype_size(t->dtype) != 0) {
		bm_seterr("%s: frame %llu: bad part of %llu bytes (%llu left)", bm_in_name(r->in),
			  (unsigned long long)r->frame, (unsigned long long)nbytes, (unsigned long long)r->left);
		return -1;
	}
	if (r->npy && !bm_npy_plain(&r->lay)) {
		/* Converted whole on the first part: memory is the array. */
		if (!r->loaded && npy_load(r, t, &r->whole) < 0)
			return -1;
		r->loaded = 1;
		memcpy(buf, (char *)r->whole.data + (bytes - r->left), (size_t)nbytes);
		r->left -= nbytes;
		return r->left == 0 ? read_padding(r, bytes) : 0;
	}
	ssize_t got = bm_in_read(r->in, buf, (size_t)nbytes);
	if (got < 0)
		return -1;
	if ((uint64_t)got < nbytes)
		return frame_error(r, "truncated data (%llu of %llu bytes)",
				   (unsigned long long)(bytes - r->left + (uint64_t)got), (unsigned long long)bytes);
	r->left -= nbytes;
#ifdef WORDS_BIGENDIAN
	swap_elements(buf, bm_dtype_size(t->dtype), nbytes / bm_dtype_size(t->dtype));
#endif
	return r->left == 0 ? read_padding(r, bytes) : 0;
}

static int skip_rest(bm_reader_t *r)
{
	uint64_t left = r->left, total = r->bytes;
	if (r->npy && !bm_npy_plain(&r->lay)) {
		if (r->loaded) {
			r->left = 0;
			return read_padding(r, r->bytes);
		}
		left = total = r->raw_bytes; /* the file's bytes, not the converted ones */
	}
	ssize_t got = bm_in_skip(r->in, left);
	if (got < 0)
		return -1;
	if ((uint64_t)got < left)
		return frame_error(r, "truncated data (%llu of %llu bytes)",
				   (unsigned long long)(total - left + (uint64_t)got), (unsigned long long)total);
	r->left = 0;
	return read_padding(r, r->bytes);
}

int bm_reader_skip(bm_reader_t *r, const bm_tensor_t *t)
{
	(void)t;
	return r->done ? 0 : skip_rest(r);
}

int bm_reader_next(bm_reader_t *r, bm_tensor_t *t)
{
	int h = bm_reader_header(r, t);
	if (h <= 0)
		return h;
	return bm_reader_data(r, t) < 0 ? -1 : 1;
}

/* ---- writing ---- */

int bm_write_header(bm_out_t *out, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims)
{
	if (check_frame(name, dtype, ndim, dims) < 0)
		return -1;
	unsigned char h[HEADER_SIZE] = "BMT1";
	h[4] = (unsigned char)dtype;
	h[5] = (unsigned char)ndim;
	for (int i = 0; i < ndim; i++)
		put_le(h + 8 + 8 * i, dims[i], 8);
	memcpy(h + 40, name, strlen(name));
	return bm_out_write(out, h, HEADER_SIZE);
}

int bm_write_data(bm_out_t *out, bm_dtype_t dtype, const void *data, uint64_t count)
{
	size_t size = bm_dtype_size(dtype);
#ifdef WORDS_BIGENDIAN
	unsigned char buf[4096];
	const unsigned char *p = data;
	while (count > 0) {
		size_t n = sizeof buf / size < count ? sizeof buf / size : (size_t)count;
		memcpy(buf, p, n * size);
		swap_elements(buf, size, n);
		if (bm_out_write(out, buf, n * size) < 0)
			return -1;
		p += n * size;
		count -= n;
	}
	return 0;
#else
	return bm_out_write(out, data, (size_t)(count * size));
#endif
}

int bm_write_end(bm_out_t *out, uint64_t nbytes)
{
	static const unsigned char zeros[ALIGN];
	return bm_out_write(out, zeros, (size_t)padding(nbytes));
}

int bm_write_frame(bm_out_t *out, const char *name, bm_dtype_t dtype, int ndim, const uint64_t *dims, const void *data)
{
	if (bm_write_header(out, name, dtype, ndim, dims) < 0)
		return -1;
	uint64_t count = (uint64_t)shape_count(dtype, ndim, dims);
	if (bm_write_data(out, dtype, data, count) < 0)
		return -1;
	return bm_write_end(out, count * bm_dtype_size(dtype));
}

int bm_write_tensor(bm_out_t *out, const bm_tensor_t *t)
{
	return bm_write_frame(out, t->name, t->dtype, t->ndim, t->dims, t->data);
}
