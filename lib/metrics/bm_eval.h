/* bm_eval.h: bm-eval's inputs, read into the bm_metrics and bm_proba
 * accumulators.
 *
 * Three inputs give the same result (a bm_eval_t):
 *
 *   - a tensor stream: y frames paired with p (probabilities) or pred
 *     (class ids) frames of the same rows, in either order, and an optional
 *     classes frame (names) before them; other frames are skipped;
 *   - two text files, one label (or number) per line, line for line;
 *   - two columns of a CSV file.
 *
 * Errors are one line in bm_errmsg(): "FILE:LINE: what" for text,
 * "FILE: frame N (NAME): row R: what" for streams (frames and rows from 0).
 *
 * Limits: a line of text, and a label or value of text or CSV, of at most
 * BM_EVAL_LINE_MAX bytes (so 4096 labels hold at most 1 GiB); at most
 * BM_MAX_CLASSES (bm_metrics.h) distinct labels as written, class ids
 * seen, or columns of p frames.
 */
#ifndef BM_EVAL_H
#define BM_EVAL_H

#include <stdbool.h>

#include "bm_metrics.h"

#define BM_EVAL_LINE_MAX (256 << 10)

typedef struct {
	const char *stream;              /* tensor stream (NULL or "-": stdin) */
	const char *truth, *pred;        /* --truth/--pred text files */
	const char *csv;                 /* --csv FILE */
	const char *truth_col, *pred_col; /* name, or 1-based number */
	bool no_header;                  /* the CSV file has no header row */
	bool regression;                 /* force regression */
	int topk;                        /* k of top_k_accuracy */
	bool keep_scores;                /* compute ROC AUC (keeps the scores) */
} bm_eval_opts_t;

/* Read the input O names (a stream, two text files or a CSV file) and
 * compute every metric it allows into EV, to be freed with bm_eval_free.
 * Returns 0, or -1 with bm_errmsg() (bad data, I/O, out of memory), EV then
 * holding nothing to use. */
int bm_eval_run(const bm_eval_opts_t *o, bm_eval_t *ev);

#endif
