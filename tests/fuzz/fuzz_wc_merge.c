/* fuzz_wc_merge: bm-wordcount --merge FILE1 FILE2: the input's first byte
 * sets the options that change what is merged (bit 0 -i, bits 1-2
 * --min-length 0-3) and the order of the output (bits 3-4); the rest is
 * cut at the first 0xff byte (not in UTF-8 text) into the two files, read
 * by path as bm-wordcount reads them, then the sum is written out. */
#include "fuzz.h"
#include "bm_err.h"
#include "bm_wordcount.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t opt;
	char p1[FUZZ_PATH], p2[FUZZ_PATH];
	int fd[2];
	if (fuzz_two_paths(data, size, &opt, p1, p2, fd) < 0)
		return 0;

	bm_wc_opts_t o;
	bm_wc_opts_init(&o);
	o.threads = 1; /* as bm-wordcount --merge */
	o.ignore_case = opt & 1;
	o.min_length = (opt >> 1) & 3;
	bm_wc_sort_t order = (bm_wc_sort_t)(((opt >> 3) & 3) % 3);
	o.positions = order == BM_WC_SORT_NONE;
	bm_wc_t *wc = bm_wc_new(&o);
	if (!wc)
		abort();
	if (bm_wc_merge_file(wc, p1) == 0 && bm_wc_merge_file(wc, p2) == 0 && bm_wc_finish(wc) == 0) {
		bm_out_t *out = bm_out_open("/dev/null", 0);
		if (!out)
			abort();
		if (bm_wc_write(wc, out, order, 1, UINT64_MAX, BM_WC_TSV) == 0)
			(void)bm_out_commit(out);
		else
			bm_out_abort(out);
	}
	close(fd[0]);
	close(fd[1]);
	bm_wc_free(wc);
	return 0;
}
