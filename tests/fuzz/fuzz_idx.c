/* fuzz_idx: bm_idx_convert as bm-tensor from-idx calls it, on an images
 * file and a labels file cut from the input: byte 0 holds the options
 * (bit 0: a labels file, bit 1: --scale), bytes 1..4 the images file's
 * length (u32 little-endian, cut to what follows); the labels file is the
 * rest. Both are memory files opened by path, the output /dev/null. */
#include "fuzz.h"
#include "bm_idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	unsigned opts = data[0];
	size_t ilen = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 | (size_t)data[4] << 24;
	data += 5, size -= 5;
	if (ilen > size)
		ilen = size;
	char ipath[64], lpath[64];
	int ifd = fuzz_path(data, ilen, ipath, sizeof ipath), lfd = -1;
	if (opts & 1)
		lfd = fuzz_path(data + ilen, size - ilen, lpath, sizeof lpath);
	bm_out_t *out = bm_out_open("/dev/null", BM_OUT_BINARY);
	if (!out)
		abort();
	if (bm_idx_convert(ipath, opts & 1 ? lpath : NULL, out, opts & 2) == 0) {
		if (bm_out_commit(out) < 0)
			abort();
	} else {
		bm_out_abort(out);
	}
	close(ifd);
	if (lfd >= 0)
		close(lfd);
	return 0;
}
