/* bm_idx.c: IDX (MNIST) images and labels to x/y frames. */
#include "bm_idx.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bm_stream.h"

static int read_full(bm_in_t *in, void *buf, size_t n, const char *what)
{
	ssize_t got = bm_in_read(in, buf, n);
	if (got < 0)
		return -1;
	if ((size_t)got != n) {
		bm_seterr("%s: truncated IDX file (%s)", bm_in_name(in), what);
		return -1;
	}
	return 0;
}

/* Read the header; check type u8 and NDIM; fill DIMS. */
static int idx_header(bm_in_t *in, int ndim, uint32_t *dims)
{
	unsigned char h[4 + 4 * 3];
	if (read_full(in, h, 4, "header") < 0)
		return -1;
	if (h[0] != 0 || h[1] != 0 || h[3] == 0 || h[3] > 3) {
		bm_seterr("%s: not an IDX file (bad magic %02x%02x%02x%02x)", bm_in_name(in), h[0], h[1], h[2], h[3]);
		return -1;
	}
	if (h[2] != 0x08) {
		bm_seterr("%s: IDX type 0x%02x, only 0x08 (unsigned bytes) is supported", bm_in_name(in), h[2]);
		return -1;
	}
	if (h[3] != ndim) {
		bm_seterr("%s: IDX file of %d dimensions, expected %d (%s)", bm_in_name(in), h[3], ndim,
		          ndim == 3 ? "images" : "labels");
		return -1;
	}
	if (read_full(in, h + 4, 4 * (size_t)ndim, "header") < 0)
		return -1;
	for (int i = 0; i < ndim; i++) {
		const unsigned char *p = h + 4 + 4 * i;
		dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
	return 0;
}

/* Pixels of one image past which a file is refused (8192 x 8192): a row
 * of x is then 256 MiB. */
#define MAX_PIXELS ((uint64_t)1 << 26)
/* Bytes of f32 one x frame holds at most: BM_FRAME_ROWS rows of MNIST's
 * 784 pixels fit; larger images give frames of fewer rows. */
#define FRAME_BYTES ((uint64_t)256 << 20)

/* Read N bytes into *BUF (*CAP bytes), grown with the bytes that arrive:
 * a header claiming more than the file holds fails at the end of the
 * file, not at malloc. */
static int read_grow(bm_in_t *in, uint8_t **buf, size_t *cap, size_t n, const char *what)
{
	for (size_t got = 0; got < n;) {
		size_t want = n;
		if (want > *cap) {
			size_t grow = *cap < (1u << 20) ? (1u << 20) : *cap * 2;
			if (want > grow)
				want = grow;
			uint8_t *p = realloc(*buf, want);
			if (!p) {
				bm_seterr("out of memory");
				return -1;
			}
			*buf = p;
			*cap = want;
		}
		if (read_full(in, *buf + got, want - got, what) < 0)
			return -1;
		got = want;
	}
	return 0;
}

/* Make *P hold N bytes (*CAP so far); for buffers filled from data read. */
static int reserve(void **p, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	void *np = realloc(*p, n);
	if (!np) {
		bm_seterr("out of memory");
		return -1;
	}
	*p = np;
	*cap = n;
	return 0;
}

int bm_idx_convert(const char *images, const char *labels, bm_out_t *out, bool scale)
{
	bm_in_t *xi = bm_in_open(images), *yi = NULL;
	uint8_t *raw = NULL, *lraw = NULL;
	float *x = NULL;
	int32_t *y = NULL;
	size_t rawcap = 0, lrawcap = 0, xcap = 0, ycap = 0;
	int rc = -1;
	uint32_t xd[3], yd[1];
	if (!xi || idx_header(xi, 3, xd) < 0)
		goto out;
	if (labels) {
		if (!(yi = bm_in_open(labels)) || idx_header(yi, 1, yd) < 0)
			goto out;
		if (yd[0] != xd[0]) {
			bm_seterr("%s: %" PRIu32 " labels for %" PRIu32 " images in %s", bm_in_name(yi), yd[0], xd[0],
			          bm_in_name(xi));
			goto out;
		}
	}
	uint64_t n = xd[0], d = (uint64_t)xd[1] * xd[2];
	if (d == 0 || d > MAX_PIXELS) {
		bm_seterr("%s: images of %" PRIu32 "x%" PRIu32 " pixels (1 to 2^26 are supported)", bm_in_name(xi),
		          xd[1], xd[2]);
		goto out;
	}
	uint64_t chunk = FRAME_BYTES / (d * sizeof *x);
	if (chunk > BM_FRAME_ROWS)
		chunk = BM_FRAME_ROWS;
	if (chunk == 0)
		chunk = 1;
	for (uint64_t done = 0; done < n;) {
		uint64_t m = n - done < chunk ? n - done : chunk;
		if (read_grow(xi, &raw, &rawcap, (size_t)(m * d), "images") < 0 ||
		    reserve((void **)&x, &xcap, (size_t)(m * d * sizeof *x)) < 0)
			goto out;
		for (uint64_t i = 0; i < m * d; i++)
			x[i] = scale ? (float)raw[i] / 255.0f : (float)raw[i];
		uint64_t xdims[2] = {m, d}, ydims[1] = {m};
		if (bm_write_frame(out, "x", BM_F32, 2, xdims, x) < 0)
			goto out;
		if (yi) {
			if (read_grow(yi, &lraw, &lrawcap, (size_t)m, "labels") < 0 ||
			    reserve((void **)&y, &ycap, (size_t)m * sizeof *y) < 0)
				goto out;
			for (uint64_t i = 0; i < m; i++)
				y[i] = lraw[i];
			if (bm_write_frame(out, "y", BM_I32, 1, ydims, y) < 0)
				goto out;
		}
		done += m;
	}
	rc = 0;
out:
	free(raw);
	free(x);
	free(lraw);
	free(y);
	if (xi)
		bm_in_close(xi);
	if (yi)
		bm_in_close(yi);
	return rc;
}
