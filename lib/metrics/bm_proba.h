/* bm_proba.h: the accumulator of the metrics that need class probabilities:
 * log loss, top-k accuracy (O(1) state) and ROC AUC (which keeps the
 * scores), as scikit-learn 1.2 computes them.
 *
 * Log loss clips at the machine epsilon of the input dtype and renormalises
 * rows in that dtype (float32 for bm-predict's p frames), as sklearn does.
 *
 * Memory of ROC AUC: exact AUC needs every score, so a bm_proba_t created
 * with keep_scores stores them: 4 bytes per row for binary problems (the
 * positive class's column), 4*k bytes per row for k >= 3 classes (8 per
 * value for float64 input), plus 4 bytes per row of class ids, and at the
 * end 8 bytes per row of sort buffers. Without keep_scores memory is O(k).
 */
#ifndef BM_PROBA_H
#define BM_PROBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_metrics.h"

/* An accumulator for K columns of probabilities (K = 1: the probability of
 * class 1 of a binary problem), top-k accuracy at TOPK, scores kept for ROC
 * AUC when KEEP_SCORES. NULL with bm_errmsg() "out of memory". */
bm_proba_t *bm_proba_new(size_t k, int topk, bool keep_scores);
/* Release PR (NULL: nothing). */
void bm_proba_free(bm_proba_t *pr);
/* Add N rows: P is float32 (or float64 with DOUBLE_P) [n, k] row-major, Y the
 * true class ids (each in 0..max(k,2)-1, checked by the caller). Writes the
 * predicted class of every row to PRED (argmax, first maximum; K = 1: p >
 * 0.5). Returns 0; or -1 with bm_errmsg() and *BAD_ROW: the row (from 0 in
 * this batch) of a non-finite probability ("NaN probability in column C",
 * "infinite ..."), or SIZE_MAX for an error of no one row (out of memory
 * keeping the scores, a dtype that changes between batches). */
int bm_proba_add(bm_proba_t *pr, const void *p, bool double_p, const int32_t *y, size_t n,
		 int32_t *pred, size_t *bad_row);
/* Set EV's log_loss, top_k_accuracy and, when the scores were kept, roc_auc
 * (binary) or roc_auc_ovr (3 classes or more; undefined, with the reason,
 * when a class is missing from the truth or rows do not sum to 1), from PR's
 * rows (at least one). Returns 0, or -1 with bm_errmsg() "out of memory
 * sorting scores for ROC AUC". */
int bm_proba_results(const bm_proba_t *pr, bm_eval_t *ev);

#endif
