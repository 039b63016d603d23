/* eval_run.h: what the bm-eval targets (eval_text, eval_csv) share: one
 * run of bm_eval_run on options O and, when it reads, every report bm-eval
 * writes (to /dev/null) and its warnings, as bm-eval does. */
#ifndef BM_FUZZ_EVAL_RUN_H
#define BM_FUZZ_EVAL_RUN_H

#include "bm_eval.h"
#include "bm_report.h"

static void fuzz_eval_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fuzz_eval_warn(const char *fmt, ...) { (void)fmt; }

static inline void fuzz_eval(const bm_eval_opts_t *o)
{
	bm_eval_t ev;
	if (bm_eval_run(o, &ev) < 0)
		return;
	bm_report_warnings(&ev, NULL, fuzz_eval_warn);
	bm_out_t *out = bm_out_open("/dev/null", 0);
	if (!out)
		abort();
	if (bm_report_text(out, &ev, 6) == 0 && bm_report_json(out, &ev) == 0 && bm_report_tsv(out, &ev) == 0)
		(void)bm_out_commit(out);
	else
		bm_out_abort(out);
	bm_eval_free(&ev);
}

#endif
