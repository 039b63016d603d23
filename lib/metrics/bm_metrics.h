/* bm_metrics.h: scikit-learn's metrics (1.2), computed from streams: the
 * metric names, the confusion-matrix and regression accumulators, and the
 * result (bm_eval_t) computed from them.
 *
 * The accumulators take the data a batch at a time and hold bounded state:
 *
 *   bm_confusion_t  the confusion matrix of (truth, predicted) class ids:
 *                   O(labels^2) counts, labels being those actually seen;
 *   bm_proba_t      what needs class probabilities (bm_proba.h);
 *   bm_reg_t        regression errors, O(outputs).
 *
 * bm_eval_classification() and bm_eval_regression() turn them into a
 * bm_eval_t: every metric by its scikit-learn scorer name, the per-class
 * table and the matrix in label order, which bm_report.h writes out.
 *
 * Agreement with scikit-learn 1.2. The operations are sklearn's, in its
 * order, with its float types: per-class divisions, F1 as 2*p*r/(p+r),
 * averages through numpy's pairwise summation, kappa and MCC term by term,
 * so results are the same doubles or within a few ulps. Sums over all rows
 * (log loss, regression errors) use compensated summation and agree with
 * numpy's pairwise sums to about 1e-15. Regression metrics are computed in
 * double: they equal sklearn's on float64 arrays (sklearn on float32 arrays
 * accumulates in float32 and is itself off by ~1e-7).
 */
#ifndef BM_METRICS_H
#define BM_METRICS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The scorer name of metric M ("accuracy", "f1_macro", ...), or NULL when M
 * is not a metric. */
const char *bm_metric_name(int m);
/* The metric named S, or -1 when no metric has that name. */
int bm_metric_parse(const char *s);
/* Whether larger values of metric M (a valid one) are better: false for
 * losses and errors. */
bool bm_metric_higher_better(int m);
/* Which input metric M (a valid one) needs: one of these. */
enum { BM_NEEDS_LABELS = 1, BM_NEEDS_PROBA = 2, BM_NEEDS_REGRESSION = 3 };
int bm_metric_needs(int m);

/* ---- summation ---- */

/* The sum of A[0..n) as numpy's pairwise summation gives it (np.add.reduce
 * on a contiguous array), for results identical to numpy's; 0 for N = 0. */
double bm_pairwise_sum(const double *a, size_t n);
float bm_pairwise_sumf(const float *a, size_t n);

/* Neumaier's compensated sum, for sums over all rows of a stream.
 * Zeroed: 0. */
typedef struct {
	double s, c;
} bm_ksum_t;

static inline void bm_ksum_add(bm_ksum_t *k, double x)
{
	double t = k->s + x;
	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

/* The sum so far. */
static inline double bm_ksum_get(const bm_ksum_t *k) { return k->s + k->c; }

/* ---- confusion matrix ---- */

/* Class ids are non-negative integers below BM_CLASS_ID_MAX + 1; the matrix
 * holds only the ids seen (dense indices in order of first appearance), at
 * most BM_MAX_CLASSES of them: it is dense, k x k counts, and the metrics
 * make two more of its size (128 MiB each at 4096 classes). */
#define BM_CLASS_ID_MAX ((1 << 24) - 1)
#define BM_MAX_CLASSES 4096

/* Zeroed: empty. */
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
 * the range). Returns 0, or -1 with bm_errmsg() "more than 4096 classes"
 * or "out of memory for the confusion matrix (N labels)", the pairs then
 * not all counted. */
int bm_confusion_add(bm_confusion_t *cm, const int32_t *truth, const int32_t *pred, size_t n);
/* Release CM's memory and leave it empty. */
void bm_confusion_free(bm_confusion_t *cm);

/* ---- regression ---- */

typedef struct bm_reg bm_reg_t;

/* An accumulator of regression errors for M outputs; NULL with bm_errmsg()
 * "out of memory". */
bm_reg_t *bm_reg_new(size_t m);
/* Release RG (NULL: nothing). */
void bm_reg_free(bm_reg_t *rg);
/* Add N rows of M values each: truth Y and prediction P, row-major, finite
 * (checked by the caller). Cannot fail. */
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

typedef struct bm_proba bm_proba_t;

/* The classification result of CM into EV. The final labels are the sorted
 * union of the ids seen: by id (named by CN, which may be NULL), or, with
 * MAP (id -> final index, several ids may share one) and LABEL_NAMES (final
 * index -> name, NFINAL of them), in that order. PR (may be NULL) adds the
 * metrics of probabilities (bm_proba_results). Returns 0, EV to be freed
 * with bm_eval_free; or -1 with bm_errmsg() "no rows to evaluate" or "out
 * of memory ...", EV then empty. */
int bm_eval_classification(bm_eval_t *ev, const bm_confusion_t *cm, const int32_t *map,
			   size_t nfinal, char **label_names, const bm_classnames_t *cn,
			   const bm_proba_t *pr);
/* The regression result of RG into EV. Returns 0; or -1 with bm_errmsg()
 * "no rows to evaluate" or "out of memory", EV then holding no memory. */
int bm_eval_regression(bm_eval_t *ev, const bm_reg_t *rg);
/* Release EV's memory and leave it zeroed (a zeroed EV: nothing). */
void bm_eval_free(bm_eval_t *ev);

/* Metric M of EV is V. */
static inline void bm_eval_set(bm_eval_t *ev, int m, double v)
{
	ev->state[m] = BM_DEFINED;
	ev->value[m] = v;
}

/* Metric M of EV applies but is not defined, for the reason WHY (a static
 * string); its value is NaN. */
static inline void bm_eval_undef(bm_eval_t *ev, int m, const char *why)
{
	ev->state[m] = BM_UNDEFINED;
	ev->value[m] = NAN;
	ev->why[m] = why;
}

#endif
