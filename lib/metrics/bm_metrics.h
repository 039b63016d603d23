/* bm_metrics.h: scikit-learn's metrics (1.2), computed from streams.
 *
 * Three accumulators take the data a batch at a time and hold bounded state:
 *
 *   bm_confusion_t  the confusion matrix of (truth, predicted) class ids:
 *                   O(labels^2) counts, labels being those actually seen;
 *   bm_proba_t      what needs class probabilities: log loss, top-k accuracy
 *                   (O(1)) and ROC AUC, which keeps the scores (see below);
 *   bm_reg_t        regression errors, O(outputs).
 *
 * bm_eval_finish() turns them into a bm_eval_t: every metric by its
 * scikit-learn scorer name, the per-class table and the matrix in label
 * order, ready for bm_eval_write_report/json/tsv.
 *
 * Agreement with scikit-learn 1.2. The operations are sklearn's, in its
 * order, with its float types: per-class divisions, F1 as 2*p*r/(p+r),
 * averages through numpy's pairwise summation, kappa and MCC term by term,
 * log loss clipping at the machine epsilon of the input dtype and
 * renormalising rows in that dtype (float32 for bm-predict's p frames), so
 * results are the same doubles or within a few ulps. Sums over all rows
 * (log loss, regression errors) use compensated summation and agree with
 * numpy's pairwise sums to about 1e-15. Regression metrics are computed in
 * double: they equal sklearn's on float64 arrays (sklearn on float32 arrays
 * accumulates in float32 and is itself off by ~1e-7).
 *
 * Memory of ROC AUC: exact AUC needs every score, so a bm_proba_t created
 * with keep_scores stores them: 4 bytes per row for binary problems (the
 * positive class's column), 4*k bytes per row for k >= 3 classes (8 per
 * value for float64 input), plus 4 bytes per row of class ids, and at the
 * end 8 bytes per row of sort buffers. Without keep_scores memory is O(k).
 */
#ifndef BM_METRICS_H
#define BM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"

/* ---- metric names ---- */

enum {
	BM_M_ACCURACY,
	BM_M_BALANCED_ACCURACY,
	BM_M_PRECISION_MACRO,
	BM_M_RECALL_MACRO,
	BM_M_F1_MACRO,
	BM_M_PRECISION_MICRO,
	BM_M_RECALL_MICRO,
	BM_M_F1_MICRO,
	BM_M_PRECISION_WEIGHTED,
	BM_M_RECALL_WEIGHTED,
	BM_M_F1_WEIGHTED,
	BM_M_COHEN_KAPPA,
	BM_M_MCC,
	BM_M_LOG_LOSS,
	BM_M_TOP_K_ACCURACY,
	BM_M_ROC_AUC,
	BM_M_ROC_AUC_OVR,
	BM_M_MSE,
	BM_M_RMSE,
	BM_M_MAE,
	BM_M_R2,
	BM_M_MAX_ERROR,
	BM_M_COUNT
};

/* "accuracy", "f1_macro", ...: the scorer name of metric M. */
const char *bm_metric_name(int m);
/* The metric named S, or -1. */
int bm_metric_parse(const char *s);
/* Whether larger values of M are better (false for losses and errors). */
bool bm_metric_higher_better(int m);
/* Which input the metric needs. */
enum { BM_NEEDS_LABELS = 1, BM_NEEDS_PROBA = 2, BM_NEEDS_REGRESSION = 3 };
int bm_metric_needs(int m);

/* ---- confusion matrix ---- */

/* Class ids are non-negative integers below BM_CLASS_ID_MAX + 1; the matrix
 * holds only the ids seen (dense indices in order of first appearance). */
#define BM_CLASS_ID_MAX ((1 << 24) - 1)

typedef struct {
	size_t dim;     /* distinct ids seen */
	size_t cap;     /* the matrix is cap x cap */
	uint64_t *c;    /* row = truth, column = predicted, dense indices */
	int32_t *dense; /* class id -> dense index, or -1 */
	size_t ndense;  /* entries in dense */
	int32_t *ids;   /* dense index -> class id */
	uint64_t n;     /* pairs counted */
} bm_confusion_t;

/* Count N pairs of class ids (each in 0..BM_CLASS_ID_MAX; the caller checks
 * the range). Returns 0, or -1 when out of memory (bm_errmsg). */
int bm_confusion_add(bm_confusion_t *cm, const int32_t *truth, const int32_t *pred, size_t n);
void bm_confusion_free(bm_confusion_t *cm);

/* ---- probabilities ---- */

typedef struct bm_proba bm_proba_t;

/* For K columns of probabilities (K = 1: the probability of class 1 of a
 * binary problem), top-k accuracy at TOPK, scores kept for ROC AUC when
 * KEEP_SCORES. NULL when out of memory. */
bm_proba_t *bm_proba_new(size_t k, int topk, bool keep_scores);
void bm_proba_free(bm_proba_t *pr);
/* Add N rows: P is float32 (or float64 with DOUBLE_P) [n, k] row-major, Y the
 * true class ids (each in 0..max(k,2)-1, checked by the caller). Writes the
 * predicted class of every row to PRED (argmax, first maximum; K = 1: p >
 * 0.5). Returns 0; -1 with *BAD_ROW set for a non-finite probability
 * (bm_errmsg "NaN probability in column C"), or -1 when out of memory. */
int bm_proba_add(bm_proba_t *pr, const void *p, bool double_p, const int32_t *y, size_t n,
		 int32_t *pred, size_t *bad_row);

/* ---- regression ---- */

typedef struct bm_reg bm_reg_t;

/* For M outputs; NULL when out of memory. */
bm_reg_t *bm_reg_new(size_t m);
void bm_reg_free(bm_reg_t *rg);
/* Add N rows of M values each: truth Y and prediction P, row-major, finite
 * (checked by the caller). */
void bm_reg_add(bm_reg_t *rg, const double *y, const double *p, size_t n);

/* ---- results ---- */

enum {
	BM_ABSENT = 0,  /* not applicable to this input */
	BM_DEFINED,     /* value holds it */
	BM_UNDEFINED,   /* applicable, but not defined here (why[] says why) */
};

typedef struct {
	uint64_t n;         /* rows */
	bool regression;
	int state[BM_M_COUNT];
	double value[BM_M_COUNT];
	const char *why[BM_M_COUNT]; /* for BM_UNDEFINED */
	int topk;                    /* k of top_k_accuracy */
	size_t noutputs;             /* regression */

	/* classification, in sorted label order */
	size_t nlabels;
	char **names;       /* label names, NUL-terminated */
	uint64_t *cm;       /* nlabels x nlabels, row = truth */
	uint64_t *support;  /* true count per label */
	uint64_t *npred;    /* predicted count per label */
	double *precision, *recall, *f1;
	/* labels with ill-defined values (set to 0, as sklearn's zero_division) */
	size_t n_no_pred, n_no_true;
	/* sklearn warnings to pass on: set when they apply */
	bool warn_balanced; /* predicted classes never true: left out */
	bool warn_topk;     /* k >= classes: perfect score */
	size_t topk_classes;
} bm_eval_t;

/* Names of class ids for the result: NAMES[id] for ids below NNAMES, the
 * decimal id otherwise. */
typedef struct {
	const char *const *names;
	size_t nnames;
} bm_classnames_t;

/* Classification result from CM. The final labels are the sorted union of
 * the ids seen: by id, or, with MAP (id -> final index, several ids may
 * share one) and LABEL_NAMES (final index -> name), in that order. PR may be
 * NULL. Returns 0 or -1 (out of memory, bm_errmsg). */
int bm_eval_classification(bm_eval_t *ev, const bm_confusion_t *cm, const int32_t *map,
			   size_t nfinal, char **label_names, const bm_classnames_t *cn,
			   bm_proba_t *pr);
/* Regression result. */
int bm_eval_regression(bm_eval_t *ev, const bm_reg_t *rg);
void bm_eval_free(bm_eval_t *ev);

/* Output. DIGITS: decimals of the report (sklearn's classification_report
 * layout, with DIGITS) and of bm_eval_write_metric; json and tsv print
 * every double exactly (shortest round-trip form). WHICH (may be NULL)
 * limits the report's headline to the metrics marked. Return 0 or -1. */
int bm_eval_write_report(bm_out_t *out, const bm_eval_t *ev, int digits);
int bm_eval_write_json(bm_out_t *out, const bm_eval_t *ev);
int bm_eval_write_tsv(bm_out_t *out, const bm_eval_t *ev);
int bm_eval_write_metric(bm_out_t *out, const bm_eval_t *ev, int m, int digits);

/* numpy's pairwise summation (np.add.reduce on a contiguous array), for
 * results identical to numpy's. */
double bm_pairwise_sum(const double *a, size_t n);
float bm_pairwise_sumf(const float *a, size_t n);

#endif
