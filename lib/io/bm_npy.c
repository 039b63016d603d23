/* bm_npy.c: the .npy format's header (numpy's format.py, versions 1.0-3.0).
 *
 * Magic "\x93NUMPY", major, minor, header length (u16 for 1.0, u32 after),
 * then a Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), } padded with spaces and a '\n'. The BMT1 dtypes are
 * taken in either byte order and either array order, and bool and f16 as
 * well: bm_npy_convert turns those into C-order u8 and f32, as numpy's
 * astype would.
 */
#include "config.h"

#include "bm_npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_HEADER_MAX (1u << 20) /* numpy itself refuses headers past 10 KB by default */

/* The descr past its byte-order character. */
static const struct {
	const char *kind;
	bm_dtype_t dtype;
	int src;
	size_t src_size;
} descrs[] = {
	{"f4", BM_F32, BM_NPY_SAME, 4}, {"f8", BM_F64, BM_NPY_SAME, 8}, {"i4", BM_I32, BM_NPY_SAME, 4},
	{"i8", BM_I64, BM_NPY_SAME, 8}, {"u1", BM_U8, BM_NPY_SAME, 1},  {"i1", BM_I8, BM_NPY_SAME, 1},
	{"b1", BM_U8, BM_NPY_BOOL, 1},  {"f2", BM_F32, BM_NPY_F16, 2},
};

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Parse a quoted Python string at P into OUT; returns the end or NULL. */
static const char *parse_str(const char *p, char *out, size_t size)
{
	char q = *p;
	if (q != '\'' && q != '"')
		return NULL;
	const char *end = strchr(p + 1, q);
	if (!end || (size_t)(end - p - 1) >= size)
		return NULL;
	memcpy(out, p + 1, (size_t)(end - p - 1));
	out[end - p - 1] = '\0';
	return end + 1;
}

/* Parse "(2, 3)", "(5,)", "()" (Python 2 files may have "2L"). */
static const char *parse_shape(const char *p, int *ndim, uint64_t *dims, char *msg, size_t msgsize)
{
	if (*p != '(')
		return NULL;
	p = skip_space(p + 1);
	*ndim = 0;
	while (*p != ')') {
		if (!isdigit((unsigned char)*p))
			return NULL;
		if (*ndim == BM_MAX_NDIM) {
			snprintf(msg, msgsize, ".npy has more than %d dimensions", BM_MAX_NDIM);
			return NULL;
		}
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno == ERANGE) {
			snprintf(msg, msgsize, ".npy shape overflows (more than 2^62 bytes)");
			return NULL;
		}
		dims[(*ndim)++] = v;
		p = end;
		if (*p == 'L')
			p++;
		p = skip_space(p);
		if (*p == ',')
			p = skip_space(p + 1);
		else if (*p != ')')
			return NULL;
	}
	return p + 1;
}

int bm_npy_read_header(bm_in_t *in, bm_tensor_t *t, bm_npy_layout_t *lay, char *msg, size_t msgsize)
{
	unsigned char pre[12];
	ssize_t n = bm_in_read(in, pre, 10);
	if (n < 0) {
		snprintf(msg, msgsize, "%s", bm_errmsg());
		return -1;
	}
	if (n < 10) {
		snprintf(msg, msgsize, "truncated .npy header");
		return -1;
	}
	if (memcmp(pre, "\x93NUMPY", 6) != 0) {
		snprintf(msg, msgsize, "not a .npy file (bad magic)");
		return -1;
	}
	int major = pre[6];
	size_t len;
	if (major == 1) {
		len = pre[8] | (size_t)pre[9] << 8;
	} else if (major == 2 || major == 3) {
		if (bm_in_read(in, pre + 10, 2) != 2) {
			snprintf(msg, msgsize, "truncated .npy header");
			return -1;
		}
		len = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	} else {
		snprintf(msg, msgsize, ".npy version %d.%d is not supported (1.0 to 3.0 are)", major, pre[7]);
		return -1;
	}
	if (len > NPY_HEADER_MAX) {
		snprintf(msg, msgsize, ".npy header of %zu bytes is longer than %u MiB", len, NPY_HEADER_MAX >> 20);
		return -1;
	}
	/* Grow with the bytes that arrive: a length field is not to be trusted. */
	char *h = NULL;
	size_t got = 0;
	while (got < len) {
		size_t step = len - got < 4096 ? len - got : 4096;
		char *p = realloc(h, got + step + 1);
		if (!p) {
			snprintf(msg, msgsize, "out of memory");
			free(h);
			return -1;
		}
		h = p;
		n = bm_in_read(in, h + got, step);
		if (n < 0 || (size_t)n < step) {
			snprintf(msg, msgsize, n < 0 ? "%s" : "truncated .npy header", bm_errmsg());
			free(h);
			return -1;
		}
		got += step;
	}
	if (!h && !(h = malloc(1))) {
		snprintf(msg, msgsize, "out of memory");
		return -1;
	}
	h[len] = '\0';
	if (strlen(h) != len) {
		snprintf(msg, msgsize, ".npy header contains a NUL byte");
		free(h);
		return -1;
	}

	/* The dict: exactly the keys descr, fortran_order and shape, any order. */
	char descr[32] = "", key[32];
	int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0, ndim = 0;
	uint64_t dims[BM_MAX_NDIM] = {0};
	msg[0] = '\0';
	const char *p = skip_space(h);
	int ok = *p == '{';
	if (ok) /* past a '{' only: an empty header ends at its NUL */
		p = skip_space(p + 1);
	while (ok && *p != '}') {
		if (!(p = parse_str(p, key, sizeof key)) || *(p = skip_space(p)) != ':') {
			ok = 0;
			break;
		}
		p = skip_space(p + 1);
		if (strcmp(key, "descr") == 0 && !have_descr) {
			have_descr = (p = parse_str(p, descr, sizeof descr)) != NULL;
			ok = have_descr;
		} else if (strcmp(key, "fortran_order") == 0 && !have_order) {
			if (strncmp(p, "False", 5) == 0)
				p += 5;
			else if (strncmp(p, "True", 4) == 0)
				p += 4, fortran = 1;
			else
				ok = 0;
			have_order = ok;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			have_shape = (p = parse_shape(p, &ndim, dims, msg, msgsize)) != NULL;
			ok = have_shape;
		} else {
			ok = 0;
		}
		if (ok) {
			p = skip_space(p);
			if (*p == ',')
				p = skip_space(p + 1);
			else if (*p != '}')
				ok = 0;
		}
	}
	if (ok && *skip_space(p + 1) != '\0')
		ok = 0;
	free(h);
	if (!ok || !have_descr || !have_order || !have_shape) {
		if (!msg[0])
			snprintf(msg, msgsize, ".npy header is not a dict of descr, fortran_order and shape");
		return -1;
	}
	/* numpy writes '|' for one-byte types and '<' or '>' for the others;
	 * '=' (native) never reaches a file, np.save writes the order it means. */
	bm_dtype_t dtype = 0;
	char order = descr[0];
	if (order == '<' || order == '>' || order == '|')
		for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++)
			if (strcmp(descr + 1, descrs[i].kind) == 0 && (order != '|' || descrs[i].src_size == 1)) {
				dtype = descrs[i].dtype;
				lay->src = descrs[i].src;
				lay->src_size = descrs[i].src_size;
			}
	if (!dtype) {
		snprintf(msg, msgsize, ".npy dtype '%s' is not supported (f4 f8 i4 i8 u1 i1, b1 as u8, f2 as f4 are)",
			 descr);
		return -1;
	}
	lay->big = order == '>' && lay->src_size > 1;
	lay->fortran = fortran && ndim > 1;
	uint64_t count = 1;
	for (int i = 0; i < ndim; i++) {
		/* f16 doubles in memory: the limit is on what is converted. */
		if (dims[i] && count > ((uint64_t)1 << 62) / bm_dtype_size(dtype) / dims[i]) {
			snprintf(msg, msgsize, ".npy shape overflows (more than 2^62 bytes)");
			return -1;
		}
		count *= dims[i];
	}
	t->dtype = dtype;
	t->ndim = ndim;
	memset(t->dims, 0, sizeof t->dims);
	memcpy(t->dims, dims, sizeof dims[0] * (size_t)ndim);
	return 0;
}

int bm_npy_header(char *buf, size_t size, bm_dtype_t dtype, int ndim, const uint64_t *dims)
{
	static const char *names[] = {[BM_F32] = "<f4", [BM_F64] = "<f8", [BM_I32] = "<i4",
				      [BM_I64] = "<i8", [BM_U8] = "|u1",  [BM_I8] = "|i1"};
	if (!bm_dtype_size(dtype) || ndim < 0 || ndim > BM_MAX_NDIM || size < 256)
		return -1;
	char shape[128];
	size_t n = (size_t)snprintf(shape, sizeof shape, "(");
	for (int i = 0; i < ndim; i++)
		n += (size_t)snprintf(shape + n, sizeof shape - n, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
	snprintf(shape + n, sizeof shape - n, ndim == 1 ? ",)" : ")");
	/* As numpy writes it: 10 bytes of preamble, the dict, spaces, '\n', the
	 * total a multiple of 64 so the data is aligned. */
	int dict = snprintf(buf + 10, size - 10, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", names[dtype], shape);
	size_t total = 10 + (size_t)dict + 1;
	total = (total + 63) / 64 * 64;
	if (total > size)
		return -1;
	memset(buf + 10 + dict, ' ', total - 10 - (size_t)dict - 1);
	buf[total - 1] = '\n';
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (char)((total - 10) & 0xff);
	buf[9] = (char)((total - 10) >> 8);
	return (int)total;
}

int bm_npy_plain(const bm_npy_layout_t *lay)
{
	return lay->src == BM_NPY_SAME && !lay->big && !lay->fortran;
}

/* Element I of RAW as an unsigned integer, bytes in the file's order. */
static uint64_t get_elem(const unsigned char *raw, uint64_t i, size_t size, int big)
{
	const unsigned char *p = raw + i * size;
	uint64_t v = 0;
	for (size_t k = 0; k < size; k++)
		v = v << 8 | p[big ? k : size - 1 - k];
	return v;
}

/* IEEE half to single, bit for bit as numpy's npy_halfbits_to_floatbits:
 * subnormals are normalised, inf stays inf, a NaN keeps its payload. */
static uint32_t half_to_float(uint32_t h)
{
	uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
	if (e == 0x1f)
		return sign | 0x7f800000u | m << 13;
	if (e == 0) {
		if (m == 0)
			return sign;
		int shift = 0; /* the half value is m * 2^-24 */
		while (!(m & 0x400)) {
			m <<= 1;
			shift++;
		}
		return sign | (uint32_t)(127 - 15 - shift + 1) << 23 | (m & 0x3ff) << 13;
	}
	return sign | (e - 15 + 127) << 23 | m << 13;
}

void bm_npy_convert(const bm_npy_layout_t *lay, const bm_tensor_t *t, const void *raw, void *out)
{
	uint64_t count = bm_tensor_count(t);
	size_t dsize = bm_dtype_size(t->dtype);
	/* Fortran order: the first index varies fastest in RAW; walk OUT in C
	 * order keeping the multi-index and its Fortran offset. */
	uint64_t idx[BM_MAX_NDIM] = {0}, fstride[BM_MAX_NDIM];
	int nd = lay->fortran ? t->ndim : 0;
	for (int k = 0; k < nd; k++)
		fstride[k] = k ? fstride[k - 1] * t->dims[k - 1] : 1;
	uint64_t src = 0;
	unsigned char *o = out;
	for (uint64_t i = 0; i < count; i++, o += dsize) {
		uint64_t v = get_elem(raw, nd ? src : i, lay->src_size, lay->big);
		if (lay->src == BM_NPY_BOOL) {
			o[0] = v != 0; /* numpy's bool is 0 or 1 */
		} else if (lay->src == BM_NPY_F16) {
			uint32_t bits = half_to_float((uint32_t)v);
			memcpy(o, &bits, 4);
		} else if (dsize == 1) {
			o[0] = (unsigned char)v;
		} else if (dsize == 4) {
			uint32_t w = (uint32_t)v;
			memcpy(o, &w, 4);
		} else {
			memcpy(o, &v, 8);
		}
		for (int k = nd - 1; k >= 0; k--) {
			src += fstride[k];
			if (++idx[k] < t->dims[k])
				break;
			src -= fstride[k] * t->dims[k];
			idx[k] = 0;
		}
	}
}
