/* fuzz_eval_text: bm-eval --truth FILE1 --pred FILE2: the input's first
 * byte sets the options that change the reading (bit 0 -r, bit 1
 * --no-roc-auc, which keeps no scores); the rest is cut at the first 0xff
 * byte into the two files, read by path as bm-eval reads them. What reads
 * is reported (text, JSON, TSV, warnings) to /dev/null. */
#include "fuzz.h"
#include "bm_err.h"
#include "bm_eval.h"
#include "eval_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t opt = data[0];
	data++, size--;
	const uint8_t *cut = memchr(data, 0xff, size);
	size_t n1 = cut ? (size_t)(cut - data) : size;
	const uint8_t *second = cut ? cut + 1 : data + size;
	size_t n2 = cut ? size - n1 - 1 : 0;

	char p1[64], p2[64];
	int fd1 = fuzz_path(data, n1, p1, sizeof p1), fd2 = fuzz_path(second, n2, p2, sizeof p2);
	bm_eval_opts_t o = {.truth = p1, .pred = p2, .regression = opt & 1, .topk = 2,
	                    .keep_scores = !(opt & 2)};
	fuzz_eval(&o);
	close(fd1);
	close(fd2);
	return 0;
}
