/* fuzz_bmt1: the BMT1 frame reader (and the .npy input it also takes),
 * gzipped or not: every frame read whole, alternating with frames skipped
 * or read in two parts, so each reading path sees the same bytes. */
#include "fuzz.h"
#include "bm_err.h"
#include "bm_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bm_reader_t *r = bm_reader_from(fuzz_in(data, size, "fuzz"));
	if (!r)
		return 0;
	bm_tensor_t t = {0};
	for (unsigned i = 0; bm_reader_header(r, &t) == 1; i++) {
		int rc;
		uint64_t bytes = bm_tensor_bytes(&t), half = bytes / 2;
		half -= half % bm_dtype_size(t.dtype);
		if (i % 3 == 0) {
			rc = bm_reader_data(r, &t);
		} else if (i % 3 == 1 || bytes > ((uint64_t)64 << 20)) {
			rc = bm_reader_skip(r, &t);
		} else {
			/* Two parts into a buffer of the frame's size: the reader
			 * must not write past what it was given. */
			uint8_t *buf = malloc(bytes ? bytes : 1);
			if (!buf)
				abort();
			rc = bm_reader_data_part(r, &t, buf, half);
			if (rc == 0)
				rc = bm_reader_data_part(r, &t, buf + half, bytes - half);
			free(buf);
		}
		if (rc != 0)
			break;
	}
	bm_tensor_free(&t);
	bm_reader_close(r);
	return 0;
}
