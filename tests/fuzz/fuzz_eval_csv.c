/* fuzz_eval_csv: bm-eval --csv FILE --truth-col T --pred-col P: the
 * input's first byte sets the options that change the reading (bit 0 -r,
 * bit 1 --no-header, bit 2 columns by name "y" and "pred" rather than by
 * number, bits 3-4 and 5-6 the numbers 1-4 of T and P); the rest is the
 * file, read by path as bm-eval reads it. What reads is reported to
 * /dev/null. */
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
	char path[64], tcol[2] = {(char)('1' + ((opt >> 3) & 3)), 0}, pcol[2] = {(char)('1' + ((opt >> 5) & 3)), 0};
	int fd = fuzz_path(data, size, path, sizeof path);
	bm_eval_opts_t o = {.csv = path, .regression = opt & 1, .no_header = opt & 2, .topk = 2,
	                    .truth_col = opt & 4 ? "y" : tcol, .pred_col = opt & 4 ? "pred" : pcol};
	fuzz_eval(&o);
	close(fd);
	return 0;
}
