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
	uint8_t opt;
	char p1[FUZZ_PATH], p2[FUZZ_PATH];
	int fd[2];
	if (fuzz_two_paths(data, size, &opt, p1, p2, fd) < 0)
		return 0;
	bm_eval_opts_t o = {.truth = p1, .pred = p2, .regression = opt & 1, .topk = 2,
	                    .keep_scores = !(opt & 2)};
	fuzz_eval(&o);
	close(fd[0]);
	close(fd[1]);
	return 0;
}
