/* fuzz_npy: the .npy header parser (bm_npy_read_header) on its own, the
 * stream reader taking the same bytes as bm-tensor from-npy does (header
 * and data), and bm_npy_header's rewrite of every header accepted: the
 * three must agree on dtype and shape. */
#include "fuzz.h"
#include "bm_npy.h"
#include "bm_stream.h"

static int same_shape(const bm_tensor_t *a, const bm_tensor_t *b)
{
	return a->dtype == b->dtype && a->ndim == b->ndim && memcmp(a->dims, b->dims, sizeof a->dims) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[200];
	bm_tensor_t direct = {0};
	bm_npy_layout_t lay, lay2;
	bm_in_t *in = fuzz_in(data, size, "fuzz.npy");
	int rc = bm_npy_read_header(in, &direct, &lay, msg, sizeof msg);
	bm_in_close(in);
	if (rc == 0) {
		if (!bm_dtype_size(direct.dtype) || direct.ndim < 0 || direct.ndim > BM_MAX_NDIM ||
		    bm_tensor_bytes(&direct) > ((uint64_t)1 << 62))
			abort();
		/* What bm-tensor npy would write for this shape reads back the same. */
		char h[256];
		int hlen = bm_npy_header(h, sizeof h, direct.dtype, direct.ndim, direct.dims);
		if (hlen <= 0)
			abort();
		bm_tensor_t again = {0};
		in = fuzz_in((const uint8_t *)h, (size_t)hlen, "rewrite.npy");
		if (bm_npy_read_header(in, &again, &lay2, msg, sizeof msg) < 0 || !same_shape(&direct, &again) ||
		    !bm_npy_plain(&lay2) ||
		    bm_in_offset(in) != (uint64_t)hlen)
			abort();
		bm_in_close(in);
	} else if (!msg[0]) {
		abort(); /* an error needs its message */
	}

	/* bm-tensor from-npy: the reader, frame named by -n. */
	bm_reader_t *r = bm_reader_from(fuzz_in(data, size, "fuzz.npy"));
	if (!r)
		return 0;
	if (bm_reader_is_npy(r)) {
		bm_tensor_t t = {0};
		bm_reader_set_npy_name(r, "images");
		int h = bm_reader_header(r, &t);
		if ((h == 1) != (rc == 0) || (h == 1 && (!same_shape(&t, &direct) || strcmp(t.name, "images") != 0)))
			abort();
		if (h == 1 && bm_reader_data(r, &t) == 0 && bm_reader_header(r, &t) != 0)
			abort(); /* a .npy is one frame */
		bm_tensor_free(&t);
	}
	bm_reader_close(r);
	return 0;
}
