/* bm_safetensors.c: the safetensors container, written and read (see
 * bm_safetensors.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "bm_safetensors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_buf.h"
#include "bm_err.h"
#include "bm_json.h"

/* Safetensors readers refuse headers past 100 MB; so do we. */
#define MAX_HEADER ((uint64_t)100 << 20)

/* ---- writing ---- */

static int write_f32(bm_out_t *out, const float *x, uint64_t n)
{
#ifdef WORDS_BIGENDIAN
	unsigned char tmp[4096];
	while (n > 0) {
		size_t k = n > sizeof tmp / 4 ? sizeof tmp / 4 : (size_t)n;
		for (size_t i = 0; i < k; i++) {
			uint32_t u;
			memcpy(&u, x + i, 4);
			for (int j = 0; j < 4; j++)
				tmp[4 * i + j] = (unsigned char)(u >> (8 * j));
		}
		if (bm_out_write(out, tmp, 4 * k) < 0)
			return -1;
		x += k;
		n -= k;
	}
	return 0;
#else
	return bm_out_write(out, x, (size_t)n * 4);
#endif
}

int bm_safetensors_write(bm_out_t *out, const bm_safetensors_tensor_t *t, int nt, const bm_safetensors_meta_t *meta, int nm)
{
	bm_buf_t b = {0};
	char num[128];
	bm_buf_addstr(&b, "{");
	if (nm > 0) {
		bm_buf_addstr(&b, "\"__metadata__\":{");
		for (int i = 0; i < nm; i++) {
			if (i)
				bm_buf_addstr(&b, ",");
			bm_json_put_string(&b, meta[i].key, strlen(meta[i].key));
			bm_buf_addstr(&b, ":");
			bm_json_put_string(&b, meta[i].value, strlen(meta[i].value));
		}
		bm_buf_addstr(&b, "}");
	}
	uint64_t off = 0;
	for (int i = 0; i < nt; i++) {
		uint64_t count = 1;
		if (i || nm > 0)
			bm_buf_addstr(&b, ",");
		bm_json_put_string(&b, t[i].name, strlen(t[i].name));
		bm_buf_addstr(&b, ":{\"dtype\":\"F32\",\"shape\":[");
		for (int d = 0; d < t[i].ndim; d++) {
			snprintf(num, sizeof num, "%s%llu", d ? "," : "", (unsigned long long)t[i].dims[d]);
			bm_buf_addstr(&b, num);
			count *= t[i].dims[d];
		}
		snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
		         (unsigned long long)(off + 4 * count));
		bm_buf_addstr(&b, num);
		off += 4 * count;
	}
	bm_buf_addstr(&b, "}");
	while (b.len % 8 != 0)
		bm_buf_addstr(&b, " ");
	unsigned char len8[8];
	for (int j = 0; j < 8; j++)
		len8[j] = (unsigned char)((uint64_t)b.len >> (8 * j));
	int rc = bm_out_write(out, len8, 8);
	if (rc == 0)
		rc = bm_out_write(out, b.s, b.len);
	free(b.s);
	for (int i = 0; rc == 0 && i < nt; i++) {
		uint64_t count = 1;
		for (int d = 0; d < t[i].ndim; d++)
			count *= t[i].dims[d];
		rc = write_f32(out, t[i].data, count);
	}
	return rc;
}

/* ---- reading ---- */

typedef struct {
	char *name;
	int ndim;
	uint64_t dims[8];
	uint64_t begin, end;
	bool f32;
	char dtype[16];
} st_entry_t;

struct bm_safetensors {
	char *path;
	char *text; /* the header's JSON */
	unsigned char *data; /* what follows the header */
	uint64_t data_size;
	bm_json_t *header;
	st_entry_t *entries;
	size_t nentries;
};

const char *bm_safetensors_name(const bm_safetensors_t *st) { return st->path; }

uint64_t bm_safetensors_data_size(const bm_safetensors_t *st) { return st->data_size; }

void bm_safetensors_close(bm_safetensors_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nentries; i++)
		free(st->entries[i].name);
	free(st->entries);
	bm_json_free(st->header);
	free(st->text);
	free(st->data);
	free(st->path);
	free(st);
}

static bm_safetensors_t *st_fail(bm_safetensors_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bm_safetensors_t *st_fail(bm_safetensors_t *st, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bm_seterr("%s: %s", st->path, msg);
	bm_safetensors_close(st);
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const st_entry_t *x = a, *y = b;
	return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Read the header's length and JSON into ST->text and ST->header, then
 * the data into ST->data: the length is checked before anything is
 * allocated, the header's buffer grows with the bytes that arrive, and a
 * file that is no model fails before its data is read. NULL on error (ST
 * closed). */
static bm_safetensors_t *st_read(bm_safetensors_t *st, bm_in_t *in)
{
	unsigned char len8[8];
	ssize_t got = bm_in_read(in, len8, 8);
	if (got < 0)
		return bm_safetensors_close(st), NULL;
	if (got < 8)
		return st_fail(st, "not a safetensors model file (%zd bytes, too short)", got);
	uint64_t hlen = 0;
	for (int j = 0; j < 8; j++)
		hlen |= (uint64_t)len8[j] << (8 * j);
	if (hlen > MAX_HEADER)
		return st_fail(st, "not a safetensors model file (header length %llu, more than %llu MiB)",
		               (unsigned long long)hlen, (unsigned long long)(MAX_HEADER >> 20));
	size_t have = 0;
	while (have < hlen) {
		size_t step = hlen - have < (1u << 20) ? (size_t)hlen - have : (1u << 20);
		char *p = realloc(st->text, have + step + 1);
		if (!p)
			return st_fail(st, "out of memory");
		st->text = p;
		if ((got = bm_in_read(in, st->text + have, step)) < 0)
			return bm_safetensors_close(st), NULL;
		have += (size_t)got;
		if ((size_t)got < step)
			return st_fail(st, "not a safetensors model file (header length %llu, file size %llu)",
			               (unsigned long long)hlen, (unsigned long long)(8 + have));
	}
	if (hlen < 2 || st->text[0] != '{')
		return st_fail(st, "not a safetensors model file (the header is not a JSON object)");
	st->header = bm_json_parse(st->text, (size_t)hlen);
	if (!st->header)
		return st_fail(st, "bad safetensors header: %s", bm_errmsg());
	if (st->header->type != BM_JSON_OBJECT)
		return st_fail(st, "bad safetensors header: not a JSON object");
	char *data;
	size_t size;
	if (bm_in_read_all(in, SIZE_MAX, &data, &size) != 0)
		return bm_safetensors_close(st), NULL;
	st->data = (unsigned char *)data;
	st->data_size = size;
	return st;
}

bm_safetensors_t *bm_safetensors_open(const char *path)
{
	bm_safetensors_t *st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path ? path : "-"))) {
		free(st);
		bm_seterr("out of memory");
		return NULL;
	}
	bm_in_t *in = bm_in_open(path);
	if (!in) {
		bm_safetensors_close(st);
		return NULL;
	}
	st = st_read(st, in);
	bm_in_close(in);
	if (!st)
		return NULL;
	st->entries = calloc(st->header->n + 1, sizeof *st->entries);
	if (!st->entries)
		return st_fail(st, "out of memory");
	for (size_t i = 0; i < st->header->n; i++) {
		const char *key = st->header->keys[i];
		const bm_json_t *v = &st->header->items[i];
		if (strcmp(key, "__metadata__") == 0) {
			if (v->type != BM_JSON_OBJECT)
				return st_fail(st, "bad safetensors header: __metadata__ is not an object");
			for (size_t j = 0; j < v->n; j++)
				if (v->items[j].type != BM_JSON_STRING)
					return st_fail(st, "bad safetensors header: metadata '%.40s' is not a string",
					               v->keys[j]);
			continue;
		}
		const bm_json_t *dt = bm_json_get(v, "dtype"), *sh = bm_json_get(v, "shape"),
		                *of = bm_json_get(v, "data_offsets");
		if (!dt || dt->type != BM_JSON_STRING || !sh || sh->type != BM_JSON_ARRAY || !of ||
		    of->type != BM_JSON_ARRAY || of->n != 2 || !of->items[0].is_uint || !of->items[1].is_uint)
			return st_fail(st, "bad safetensors header: tensor '%.40s' needs dtype, shape and data_offsets",
			               key);
		st_entry_t *e = &st->entries[st->nentries];
		if (!(e->name = strdup(key)))
			return st_fail(st, "out of memory");
		st->nentries++;
		snprintf(e->dtype, sizeof e->dtype, "%s", dt->str);
		e->f32 = strcmp(dt->str, "F32") == 0;
		if (sh->n > 8)
			return st_fail(st, "bad safetensors header: tensor '%.40s' has %zu dimensions", key, sh->n);
		e->ndim = (int)sh->n;
		uint64_t count = 1;
		for (size_t d = 0; d < sh->n; d++) {
			if (!sh->items[d].is_uint)
				return st_fail(st, "bad safetensors header: tensor '%.40s' has a bad shape", key);
			e->dims[d] = sh->items[d].u;
			if (e->dims[d] && count > UINT64_MAX / 16 / e->dims[d])
				return st_fail(st, "bad safetensors header: tensor '%.40s' is too large", key);
			count *= e->dims[d];
		}
		e->begin = of->items[0].u;
		e->end = of->items[1].u;
		if (e->end < e->begin || e->end > st->data_size)
			return st_fail(st, "tensor '%.40s': data offsets [%llu, %llu] are outside the %llu bytes of data",
			               key, (unsigned long long)e->begin, (unsigned long long)e->end,
			               (unsigned long long)st->data_size);
		if (e->f32 && e->end - e->begin != 4 * count)
			return st_fail(st, "tensor '%.40s': %llu bytes of data for %llu F32 values", key,
			               (unsigned long long)(e->end - e->begin), (unsigned long long)count);
	}
	/* The data must be covered exactly, without holes or overlaps. */
	st_entry_t *sorted = malloc((st->nentries + 1) * sizeof *sorted);
	if (!sorted)
		return st_fail(st, "out of memory");
	memcpy(sorted, st->entries, st->nentries * sizeof *sorted);
	qsort(sorted, st->nentries, sizeof *sorted, cmp_entry);
	uint64_t at = 0;
	for (size_t i = 0; i < st->nentries; i++) {
		if (sorted[i].begin != at) {
			free(sorted);
			return st_fail(st, "bad safetensors data: tensors do not cover the data contiguously");
		}
		at = sorted[i].end;
	}
	free(sorted);
	if (at != st->data_size)
		return st_fail(st, "bad safetensors data: %llu bytes of data, the tensors use %llu",
		               (unsigned long long)st->data_size, (unsigned long long)at);
	return st;
}

const char *bm_safetensors_meta(const bm_safetensors_t *st, const char *key)
{
	const bm_json_t *m = bm_json_get(bm_json_get(st->header, "__metadata__"), key);
	return m && m->type == BM_JSON_STRING ? m->str : NULL;
}

static const st_entry_t *find(const bm_safetensors_t *st, const char *name)
{
	for (size_t i = 0; i < st->nentries; i++)
		if (strcmp(st->entries[i].name, name) == 0)
			return &st->entries[i];
	return NULL;
}

bool bm_safetensors_has(const bm_safetensors_t *st, const char *name) { return find(st, name) != NULL; }

static void shape_str(char *buf, size_t size, int ndim, const uint64_t *dims)
{
	size_t len = (size_t)snprintf(buf, size, "[");
	for (int d = 0; d < ndim && len < size; d++)
		len += (size_t)snprintf(buf + len, size - len, "%s%llu", d ? ", " : "", (unsigned long long)dims[d]);
	if (len < size)
		snprintf(buf + len, size - len, "]");
}

int bm_safetensors_read_f32(const bm_safetensors_t *st, const char *name, int ndim, const uint64_t *dims, float *dst)
{
	const st_entry_t *e = find(st, name);
	if (!e) {
		bm_seterr("%s: tensor '%s' is missing", st->path, name);
		return -1;
	}
	if (!e->f32) {
		bm_seterr("%s: tensor '%s' is %s, expected F32", st->path, name, e->dtype);
		return -1;
	}
	bool same = e->ndim == ndim;
	for (int d = 0; same && d < ndim; d++)
		same = e->dims[d] == dims[d];
	if (!same) {
		char have[96], want[96];
		shape_str(have, sizeof have, e->ndim, e->dims);
		shape_str(want, sizeof want, ndim, dims);
		bm_seterr("%s: tensor '%s' has shape %s, expected %s", st->path, name, have, want);
		return -1;
	}
	const unsigned char *p = st->data + e->begin;
	uint64_t n = (e->end - e->begin) / 4;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
		             (uint32_t)p[4 * i + 3] << 24;
		memcpy(dst + i, &u, 4);
	}
	return 0;
}
