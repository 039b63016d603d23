/* bm_metrics.c: the metric computations and their output. See bm_metrics.h.
 *
 * Every formula cites the scikit-learn 1.2 code it follows; the order of
 * floating-point operations is theirs, so results match to the last digit
 * or nearly. */
#include "config.h"

#include "bm_metrics.h"

#include "bm_fmt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

static const struct {
	const char *name;
	int needs;
	bool higher_better;
} metric_info[BM_M_COUNT] = {
	[BM_M_ACCURACY] = {"accuracy", BM_NEEDS_LABELS, true},
	[BM_M_BALANCED_ACCURACY] = {"balanced_accuracy", BM_NEEDS_LABELS, true},
	[BM_M_PRECISION_MACRO] = {"precision_macro", BM_NEEDS_LABELS, true},
	[BM_M_RECALL_MACRO] = {"recall_macro", BM_NEEDS_LABELS, true},
	[BM_M_F1_MACRO] = {"f1_macro", BM_NEEDS_LABELS, true},
	[BM_M_PRECISION_MICRO] = {"precision_micro", BM_NEEDS_LABELS, true},
	[BM_M_RECALL_MICRO] = {"recall_micro", BM_NEEDS_LABELS, true},
	[BM_M_F1_MICRO] = {"f1_micro", BM_NEEDS_LABELS, true},
	[BM_M_PRECISION_WEIGHTED] = {"precision_weighted", BM_NEEDS_LABELS, true},
	[BM_M_RECALL_WEIGHTED] = {"recall_weighted", BM_NEEDS_LABELS, true},
	[BM_M_F1_WEIGHTED] = {"f1_weighted", BM_NEEDS_LABELS, true},
	[BM_M_COHEN_KAPPA] = {"cohen_kappa", BM_NEEDS_LABELS, true},
	[BM_M_MCC] = {"mcc", BM_NEEDS_LABELS, true},
	[BM_M_LOG_LOSS] = {"log_loss", BM_NEEDS_PROBA, false},
	[BM_M_TOP_K_ACCURACY] = {"top_k_accuracy", BM_NEEDS_PROBA, true},
	[BM_M_ROC_AUC] = {"roc_auc", BM_NEEDS_PROBA, true},
	[BM_M_ROC_AUC_OVR] = {"roc_auc_ovr", BM_NEEDS_PROBA, true},
	[BM_M_MSE] = {"mse", BM_NEEDS_REGRESSION, false},
	[BM_M_RMSE] = {"rmse", BM_NEEDS_REGRESSION, false},
	[BM_M_MAE] = {"mae", BM_NEEDS_REGRESSION, false},
	[BM_M_R2] = {"r2", BM_NEEDS_REGRESSION, true},
	[BM_M_MAX_ERROR] = {"max_error", BM_NEEDS_REGRESSION, false},
};

const char *bm_metric_name(int m) { return m >= 0 && m < BM_M_COUNT ? metric_info[m].name : NULL; }
bool bm_metric_higher_better(int m) { return metric_info[m].higher_better; }
int bm_metric_needs(int m) { return metric_info[m].needs; }

int bm_metric_parse(const char *s)
{
	for (int m = 0; m < BM_M_COUNT; m++)
		if (strcmp(s, metric_info[m].name) == 0)
			return m;
	return -1;
}

/* ---- numpy's summation ---- */

/* numpy/core/src/umath/loops_utils.h.src, pairwise_sum: blocks of up to 128
 * summed with 8 accumulators, larger ranges split in halves (multiples of 8). */
#define PW_BLOCKSIZE 128
#define PAIRWISE(NAME, T)                                                          \
	T NAME(const T *a, size_t n)                                               \
	{                                                                          \
		if (n < 8) {                                                       \
			T res = 0.;                                                \
			for (size_t i = 0; i < n; i++)                             \
				res += a[i];                                       \
			return res;                                                \
		} else if (n <= PW_BLOCKSIZE) {                                    \
			T r[8], res;                                               \
			size_t i;                                                  \
			for (int j = 0; j < 8; j++)                                \
				r[j] = a[j];                                       \
			for (i = 8; i < n - (n % 8); i += 8)                       \
				for (int j = 0; j < 8; j++)                        \
					r[j] += a[i + j];                          \
			res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])); \
			for (; i < n; i++)                                         \
				res += a[i];                                       \
			return res;                                                \
		} else {                                                           \
			size_t n2 = n / 2;                                         \
			n2 -= n2 % 8;                                              \
			return NAME(a, n2) + NAME(a + n2, n - n2);                 \
		}                                                                  \
	}
PAIRWISE(bm_pairwise_sum, double)
PAIRWISE(bm_pairwise_sumf, float)

/* Neumaier's compensated sum, for sums over all rows of a stream. */
typedef struct {
	double s, c;
} ksum_t;

static inline void ksum_add(ksum_t *k, double x)
{
	double t = k->s + x;
	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double ksum_get(const ksum_t *k) { return k->s + k->c; }

/* ---- confusion matrix ---- */

static int cm_grow_dense(bm_confusion_t *cm, size_t need)
{
	size_t n = cm->ndense ? cm->ndense : 64;
	while (n < need)
		n *= 2;
	int32_t *d = realloc(cm->dense, n * sizeof *d);
	if (!d)
		return -1;
	memset(d + cm->ndense, 0xff, (n - cm->ndense) * sizeof *d);
	cm->dense = d;
	cm->ndense = n;
	return 0;
}

/* A new dense index for class ID. */
static int cm_new_label(bm_confusion_t *cm, int32_t id)
{
	if (cm->dim == cm->cap) {
		size_t nc = cm->cap ? cm->cap * 2 : 16;
		uint64_t *c = calloc(nc * nc, sizeof *c);
		int32_t *ids = realloc(cm->ids, nc * sizeof *ids);
		if (!c || !ids) {
			free(c);
			if (ids)
				cm->ids = ids;
			return -1;
		}
		for (size_t i = 0; i < cm->dim; i++)
			memcpy(c + i * nc, cm->c + i * cm->cap, cm->dim * sizeof *c);
		free(cm->c);
		cm->c = c;
		cm->ids = ids;
		cm->cap = nc;
	}
	cm->ids[cm->dim] = id;
	cm->dense[id] = (int32_t)cm->dim;
	return (int)cm->dim++;
}

int bm_confusion_add(bm_confusion_t *cm, const int32_t *truth, const int32_t *pred, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* fast path: both ids already known */
		const size_t nd = cm->ndense, cap = cm->cap;
		const int32_t *dense = cm->dense;
		uint64_t *c = cm->c;
		for (; i < n; i++) {
			uint32_t t = (uint32_t)truth[i], p = (uint32_t)pred[i];
			if (t >= nd || p >= nd)
				break;
			int32_t dt = dense[t], dp = dense[p];
			if ((dt | dp) < 0)
				break;
			c[(size_t)dt * cap + (size_t)dp]++;
		}
		if (i == n)
			break;
		/* a new id */
		int32_t ids[2] = {truth[i], pred[i]};
		for (int j = 0; j < 2; j++) {
			size_t id = (size_t)ids[j];
			if (id >= cm->ndense && cm_grow_dense(cm, id + 1) < 0)
				goto oom;
			if (cm->dense[id] < 0 && cm_new_label(cm, ids[j]) < 0)
				goto oom;
		}
	}
	cm->n += n;
	return 0;
oom:
	bm_seterr("out of memory for the confusion matrix (%zu labels)", cm->dim);
	return -1;
}

void bm_confusion_free(bm_confusion_t *cm)
{
	free(cm->c);
	free(cm->dense);
	free(cm->ids);
	memset(cm, 0, sizeof *cm);
}

/* ---- probabilities ---- */

#define BLK 65536 /* rows per block of kept scores */

typedef struct blk {
	struct blk *next;
	size_t n;
	int32_t *y;
	void *keys; /* [ncol][BLK] of uint32 (float32 input) or uint64 */
} blk_t;

struct bm_proba {
	size_t k;
	int topk;
	bool keep;
	uint64_t n;
	ksum_t loss;
	/* top-k */
	uint64_t hits;
	uint64_t hits_half, hits_zero; /* binary, k = 1: threshold 0.5 or 0 */
	double smin, smax;             /* binary: range of the positive scores */
	/* roc auc */
	uint64_t *count;               /* rows per true class (max(k,2)) */
	bool notprob;                  /* some row does not sum to 1 */
	uint64_t notprob_row;
	bool dbl;                      /* scores kept as uint64 (float64 input) */
	bool dtype_set;
	blk_t *head, *tail;
	void *row;                     /* k clipped values */
};

bm_proba_t *bm_proba_new(size_t k, int topk, bool keep_scores)
{
	bm_proba_t *pr = calloc(1, sizeof *pr);
	if (!pr)
		goto oom;
	pr->k = k;
	pr->topk = topk;
	pr->keep = keep_scores;
	pr->smin = INFINITY;
	pr->smax = -INFINITY;
	pr->count = calloc(k < 2 ? 2 : k, sizeof *pr->count);
	pr->row = malloc((k < 2 ? 2 : k) * sizeof(double));
	if (!pr->count || !pr->row) {
		bm_proba_free(pr);
		goto oom;
	}
	return pr;
oom:
	bm_seterr("out of memory");
	return NULL;
}

void bm_proba_free(bm_proba_t *pr)
{
	if (!pr)
		return;
	for (blk_t *b = pr->head, *nx; b; b = nx) {
		nx = b->next;
		free(b->y);
		free(b->keys);
		free(b);
	}
	free(pr->count);
	free(pr->row);
	free(pr);
}

/* Sortable keys: unsigned order equals the float order (-0 is +0). */
static inline uint32_t key32(float f)
{
	uint32_t u;
	if (f == 0)
		f = 0;
	memcpy(&u, &f, 4);
	return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

static inline uint64_t key64(double f)
{
	uint64_t u;
	if (f == 0)
		f = 0;
	memcpy(&u, &f, 8);
	return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

static size_t score_cols(const bm_proba_t *pr) { return pr->k >= 3 ? pr->k : 1; }

/* Room for one more row of kept scores; NULL when out of memory. */
static blk_t *keep_block(bm_proba_t *pr)
{
	if (pr->tail && pr->tail->n < BLK)
		return pr->tail;
	blk_t *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->y = malloc(BLK * sizeof *b->y);
	b->keys = malloc(BLK * score_cols(pr) * (pr->dbl ? 8 : 4));
	if (!b->y || !b->keys) {
		free(b->y);
		free(b->keys);
		free(b);
		return NULL;
	}
	if (pr->tail)
		pr->tail->next = b;
	else
		pr->head = b;
	pr->tail = b;
	return b;
}

/* One implementation for float and double input: log loss as sklearn 1.2's
 * log_loss (clip to [eps, 1-eps] of the dtype, renormalise the row in the
 * dtype, -log of the true class in double), top-k as top_k_accuracy_score
 * (stable argsort reversed: ties rank the higher column first), the
 * predicted class as np.argmax, and the allclose(1, row sum) test of
 * multiclass roc_auc_score (in the dtype, as numpy's isclose). */
#define PROBA_ADD(NAME, T, EPS, PWSUM, KEY, KT)                                     \
	static int NAME(bm_proba_t *pr, const T *p, const int32_t *y, size_t n,     \
			int32_t *pred, size_t *bad_row)                               \
	{                                                                            \
		const size_t k = pr->k;                                              \
		const T eps = EPS, hi = (T)1 - (T)EPS;                               \
		T *row = pr->row;                                                    \
		for (size_t i = 0; i < n; i++) {                                     \
			const T *pi = p + i * k;                                     \
			int32_t yi = y[i];                                           \
			for (size_t j = 0; j < k; j++)                               \
				if (!isfinite(pi[j])) {                              \
					*bad_row = i;                                \
					bm_seterr("%s probability in column %zu",    \
						  isnan(pi[j]) ? "NaN" : "infinite", j + 1); \
					return -1;                                   \
				}                                                    \
			T num, sum;                                                  \
			if (k == 1) {                                                \
				T q1 = pi[0] < eps ? eps : pi[0] > hi ? hi : pi[0];  \
				T q0 = (T)1 - q1;                                    \
				sum = q0 + q1;                                       \
				num = yi == 1 ? q1 : q0;                             \
				pred[i] = pi[0] > (T)0.5;                            \
			} else {                                                     \
				size_t am = 0;                                       \
				for (size_t j = 0; j < k; j++) {                     \
					T v = pi[j];                                 \
					if (v > pi[am])                              \
						am = j;                              \
					row[j] = v < eps ? eps : v > hi ? hi : v;    \
				}                                                    \
				pred[i] = (int32_t)am;                               \
				sum = PWSUM(row, k);                                 \
				num = row[yi];                                       \
			}                                                            \
			T q = num / sum;                                             \
			ksum_add(&pr->loss, -log((double)q));                        \
			pr->count[yi]++;                                             \
			/* top-k */                                                  \
			if (k <= 2) {                                                \
				T s = pi[k - 1];                                     \
				if (s < pr->smin)                                    \
					pr->smin = s;                                \
				if (s > pr->smax)                                    \
					pr->smax = s;                                \
				pr->hits_half += (s > (T)0.5) == (yi == 1);          \
				pr->hits_zero += (s > (T)0) == (yi == 1);            \
			} else {                                                     \
				T st = pi[yi];                                       \
				size_t rank = 0;                                     \
				for (size_t j = 0; j < k; j++)                       \
					rank += pi[j] > st || (pi[j] == st && j > (size_t)yi); \
				pr->hits += rank < (size_t)pr->topk;                 \
				if (!pr->notprob) {                                  \
					T s = PWSUM(pi, k), d = (T)1 - s;            \
					if (d < 0)                                   \
						d = -d;                              \
					if (!(d <= (T)1e-8 + (T)1e-5 * (s < 0 ? -s : s))) { \
						pr->notprob = true;                  \
						pr->notprob_row = pr->n + i;         \
					}                                            \
				}                                                    \
			}                                                            \
			if (pr->keep) {                                              \
				blk_t *b = keep_block(pr);                           \
				if (!b) {                                            \
					*bad_row = SIZE_MAX;                         \
					bm_seterr("out of memory keeping scores for ROC AUC " \
						  "(%" PRIu64 " rows)", pr->n + i);    \
					return -1;                                   \
				}                                                    \
				KT *keys = b->keys;                                  \
				if (k <= 2)                                          \
					keys[b->n] = KEY(pi[k - 1]);                 \
				else                                                 \
					for (size_t j = 0; j < k; j++)               \
						keys[j * BLK + b->n] = KEY(pi[j]);   \
				b->y[b->n++] = yi;                                   \
			}                                                            \
		}                                                                    \
		pr->n += n;                                                          \
		return 0;                                                            \
	}
PROBA_ADD(proba_add_f, float, FLT_EPSILON, bm_pairwise_sumf, key32, uint32_t)
PROBA_ADD(proba_add_d, double, DBL_EPSILON, bm_pairwise_sum, key64, uint64_t)

int bm_proba_add(bm_proba_t *pr, const void *p, bool double_p, const int32_t *y, size_t n,
		 int32_t *pred, size_t *bad_row)
{
	if (!pr->dtype_set) {
		pr->dbl = double_p;
		pr->dtype_set = true;
	} else if (pr->dbl != double_p && pr->keep) {
		/* scores already kept in the other width: widen is not worth it */
		*bad_row = SIZE_MAX;
		bm_seterr("probability frames change dtype between float32 and float64");
		return -1;
	}
	return double_p ? proba_add_d(pr, p, y, n, pred, bad_row)
			: proba_add_f(pr, p, y, n, pred, bad_row);
}

/* LSD radix sort of N keys (11 bits a pass), TMP the same size. */
#define RADIX(NAME, KT, PASSES)                                                    \
	static void NAME(KT *a, KT *tmp, size_t n)                                 \
	{                                                                          \
		static size_t cnt[2048];                                           \
		for (int pass = 0; pass < PASSES; pass++) {                        \
			int sh = pass * 11;                                        \
			memset(cnt, 0, sizeof cnt);                                \
			for (size_t i = 0; i < n; i++)                             \
				cnt[(a[i] >> sh) & 2047]++;                        \
			size_t s = 0;                                              \
			for (int b = 0; b < 2048; b++) {                           \
				size_t c = cnt[b];                                 \
				cnt[b] = s;                                        \
				s += c;                                            \
			}                                                          \
			for (size_t i = 0; i < n; i++)                             \
				tmp[cnt[(a[i] >> sh) & 2047]++] = a[i];            \
			KT *t = a;                                                 \
			a = tmp;                                                   \
			tmp = t;                                                   \
		}                                                                  \
		if (PASSES % 2)                                                    \
			memcpy(tmp, a, n * sizeof *a);                             \
	}
RADIX(radix32, uint32_t, 3)
RADIX(radix64, uint64_t, 6)

/* AUC of class C against the rest (binary: C = 1 over the single kept
 * column): the Mann-Whitney statistic with ties counted half, which is
 * the area sklearn's roc_curve + auc (trapezoids) compute. */
#define AUC(NAME, KT, SORT)                                                        \
	static int NAME(const bm_proba_t *pr, size_t col, int32_t c, double *auc)  \
	{                                                                          \
		uint64_t npos = pr->count[c], nneg = pr->n - npos;                 \
		KT *a = malloc(2 * (pr->n ? pr->n : 1) * sizeof *a);               \
		if (!a)                                                            \
			return -1;                                                 \
		KT *pos = a, *neg = a + npos, *tmp = a + pr->n;                    \
		size_t ip = 0, in = 0;                                             \
		for (const blk_t *b = pr->head; b; b = b->next) {                  \
			const KT *keys = (const KT *)b->keys + col * BLK;          \
			for (size_t i = 0; i < b->n; i++)                          \
				if (b->y[i] == c)                                  \
					pos[ip++] = keys[i];                       \
				else                                               \
					neg[in++] = keys[i];                       \
		}                                                                  \
		SORT(pos, tmp, npos);                                              \
		SORT(neg, tmp, nneg);                                              \
		unsigned __int128 u2 = 0;                                          \
		size_t lt = 0, le = 0;                                             \
		for (size_t i = 0; i < npos; i++) {                                \
			KT v = pos[i];                                             \
			while (lt < nneg && neg[lt] < v)                           \
				lt++;                                              \
			if (le < lt)                                               \
				le = lt;                                           \
			while (le < nneg && neg[le] == v)                          \
				le++;                                              \
			u2 += 2 * (uint64_t)lt + (le - lt);                        \
		}                                                                  \
		free(a);                                                           \
		*auc = (double)u2 / (2.0 * (double)npos * (double)nneg);           \
		return 0;                                                          \
	}
AUC(auc32, uint32_t, radix32)
AUC(auc64, uint64_t, radix64)

/* ---- regression ---- */

typedef struct {
	uint64_t n;
	double mean, m2;   /* of the truth, for R^2's denominator */
	ksum_t sse, sae;
	double maxerr;
} regcol_t;

struct bm_reg {
	size_t m;
	uint64_t n;
	regcol_t *col;
};

bm_reg_t *bm_reg_new(size_t m)
{
	bm_reg_t *rg = calloc(1, sizeof *rg);
	if (rg && !(rg->col = calloc(m ? m : 1, sizeof *rg->col))) {
		free(rg);
		rg = NULL;
	}
	if (!rg) {
		bm_seterr("out of memory");
		return NULL;
	}
	rg->m = m;
	return rg;
}

void bm_reg_free(bm_reg_t *rg)
{
	if (rg) {
		free(rg->col);
		free(rg);
	}
}

void bm_reg_add(bm_reg_t *rg, const double *y, const double *p, size_t n)
{
	const size_t m = rg->m;
	for (size_t j = 0; j < m; j++) {
		regcol_t *c = &rg->col[j];
		for (size_t i0 = 0; i0 < n; i0 += 4096) {
			size_t nb = n - i0 < 4096 ? n - i0 : 4096;
			/* the chunk's mean and sum of squared deviations (two
			 * passes), merged with Chan et al.'s formula */
			ksum_t s = {0, 0};
			for (size_t i = i0; i < i0 + nb; i++) {
				double yi = y[i * m + j], d = yi - p[i * m + j];
				ksum_add(&s, yi);
				ksum_add(&c->sse, d * d);
				ksum_add(&c->sae, fabs(d));
				if (fabs(d) > c->maxerr)
					c->maxerr = fabs(d);
			}
			double mb = ksum_get(&s) / (double)nb;
			ksum_t q = {0, 0};
			for (size_t i = i0; i < i0 + nb; i++) {
				double d = y[i * m + j] - mb;
				ksum_add(&q, d * d);
			}
			double m2b = ksum_get(&q);
			uint64_t na = c->n, nt = na + nb;
			double delta = mb - c->mean;
			c->mean += delta * ((double)nb / (double)nt);
			c->m2 += m2b + delta * delta * ((double)na * (double)nb / (double)nt);
			c->n = nt;
		}
	}
	rg->n += n;
}

/* ---- results ---- */

static void set(bm_eval_t *ev, int m, double v)
{
	ev->state[m] = BM_DEFINED;
	ev->value[m] = v;
}

static void undef(bm_eval_t *ev, int m, const char *why)
{
	ev->state[m] = BM_UNDEFINED;
	ev->value[m] = NAN;
	ev->why[m] = why;
}

void bm_eval_free(bm_eval_t *ev)
{
	if (ev->names)
		for (size_t i = 0; i < ev->nlabels; i++)
			free(ev->names[i]);
	free(ev->names);
	free(ev->cm);
	free(ev->support);
	free(ev->npred);
	free(ev->precision);
	free(ev->recall);
	free(ev->f1);
	memset(ev, 0, sizeof *ev);
}

/* qsort context for sorting dense indices by class id */
static const int32_t *sort_ids;
static int cmp_dense(const void *a, const void *b)
{
	int32_t x = sort_ids[*(const int32_t *)a], y = sort_ids[*(const int32_t *)b];
	return (x > y) - (x < y);
}

static int proba_results(bm_eval_t *ev, bm_proba_t *pr);

int bm_eval_classification(bm_eval_t *ev, const bm_confusion_t *cm, const int32_t *map,
			   size_t nfinal, char **label_names, const bm_classnames_t *cn,
			   bm_proba_t *pr)
{
	memset(ev, 0, sizeof *ev);
	const size_t nd = cm->dim;
	int32_t *fi = malloc((nd ? nd : 1) * sizeof *fi);
	if (!fi)
		goto oom;
	size_t D;
	if (map) {
		for (size_t d = 0; d < nd; d++)
			fi[d] = map[cm->ids[d]];
		D = nfinal;
	} else {
		int32_t *ord = malloc((nd ? nd : 1) * sizeof *ord);
		if (!ord) {
			free(fi);
			goto oom;
		}
		for (size_t d = 0; d < nd; d++)
			ord[d] = (int32_t)d;
		sort_ids = cm->ids;
		qsort(ord, nd, sizeof *ord, cmp_dense);
		for (size_t f = 0; f < nd; f++)
			fi[ord[f]] = (int32_t)f;
		free(ord);
		D = nd;
	}
	ev->nlabels = D;
	ev->n = cm->n;
	ev->names = calloc(D ? D : 1, sizeof *ev->names);
	ev->cm = calloc(D ? D * D : 1, sizeof *ev->cm);
	ev->support = calloc(D ? D : 1, sizeof *ev->support);
	ev->npred = calloc(D ? D : 1, sizeof *ev->npred);
	ev->precision = calloc(D ? D : 1, sizeof(double));
	ev->recall = calloc(D ? D : 1, sizeof(double));
	ev->f1 = calloc(D ? D : 1, sizeof(double));
	double *tmp = malloc((D ? D * D : 1) * sizeof *tmp);
	if (!ev->names || !ev->cm || !ev->support || !ev->npred || !ev->precision ||
	    !ev->recall || !ev->f1 || !tmp) {
		free(fi);
		free(tmp);
		goto oom;
	}
	for (size_t a = 0; a < nd; a++)
		for (size_t b = 0; b < nd; b++)
			ev->cm[(size_t)fi[a] * D + (size_t)fi[b]] += cm->c[a * cm->cap + b];
	/* names */
	for (size_t d = 0; d < nd; d++) {
		size_t f = (size_t)fi[d];
		if (ev->names[f])
			continue;
		const char *s;
		char num[24];
		if (label_names) {
			s = label_names[f];
		} else if (cn && (size_t)cm->ids[d] < cn->nnames) {
			s = cn->names[cm->ids[d]];
		} else {
			snprintf(num, sizeof num, "%" PRId32, cm->ids[d]);
			s = num;
		}
		if (!(ev->names[f] = strdup(s))) {
			free(fi);
			free(tmp);
			goto oom;
		}
	}
	free(fi);

	const uint64_t *C = ev->cm;
	const uint64_t n = ev->n;
	uint64_t trace = 0;
	for (size_t i = 0; i < D; i++) {
		trace += C[i * D + i];
		for (size_t j = 0; j < D; j++) {
			ev->support[i] += C[i * D + j];
			ev->npred[j] += C[i * D + j];
		}
	}
	if (n == 0) {
		free(tmp);
		bm_seterr("no rows to evaluate");
		return -1;
	}

	/* accuracy_score: np.average(y_true == y_pred) */
	set(ev, BM_M_ACCURACY, (double)trace / (double)n);

	/* precision_recall_fscore_support, average=None: _prf_divide, then
	 * f = (1 + beta2) * p * r / (beta2 * p + r) with a 0 denominator as 1 */
	for (size_t i = 0; i < D; i++) {
		double tp = (double)C[i * D + i];
		double ps = (double)ev->npred[i], ts = (double)ev->support[i];
		double p = ev->npred[i] ? tp / ps : 0.0, r = ev->support[i] ? tp / ts : 0.0;
		double den = 1 * p + r;
		if (den == 0.0)
			den = 1;
		ev->precision[i] = p;
		ev->recall[i] = r;
		ev->f1[i] = 2 * p * r / den;
		ev->n_no_pred += ev->npred[i] == 0;
		ev->n_no_true += ev->support[i] == 0;
	}
	/* macro: np.average(x) */
	set(ev, BM_M_PRECISION_MACRO, bm_pairwise_sum(ev->precision, D) / (double)D);
	set(ev, BM_M_RECALL_MACRO, bm_pairwise_sum(ev->recall, D) / (double)D);
	set(ev, BM_M_F1_MACRO, bm_pairwise_sum(ev->f1, D) / (double)D);
	/* micro: the sums over labels, then the same divisions */
	{
		double p = (double)trace / (double)n, r = (double)trace / (double)n;
		double den = 1 * p + r;
		if (den == 0.0)
			den = 1;
		set(ev, BM_M_PRECISION_MICRO, p);
		set(ev, BM_M_RECALL_MICRO, r);
		set(ev, BM_M_F1_MICRO, 2 * p * r / den);
	}
	/* weighted: np.average(x, weights=true_sum) = sum(x * w) / sum(w) */
	{
		const double *src[3] = {ev->precision, ev->recall, ev->f1};
		const int dst[3] = {BM_M_PRECISION_WEIGHTED, BM_M_RECALL_WEIGHTED, BM_M_F1_WEIGHTED};
		for (int t = 0; t < 3; t++) {
			for (size_t i = 0; i < D; i++)
				tmp[i] = src[t][i] * (double)ev->support[i];
			set(ev, dst[t], bm_pairwise_sum(tmp, D) / (double)n);
		}
	}
	/* balanced_accuracy_score: mean of diag / row sum over rows that have a sum */
	{
		size_t k = 0;
		for (size_t i = 0; i < D; i++)
			if (ev->support[i])
				tmp[k++] = (double)C[i * D + i] / (double)ev->support[i];
		ev->warn_balanced = k < D;
		set(ev, BM_M_BALANCED_ACCURACY, bm_pairwise_sum(tmp, k) / (double)k);
	}
	/* cohen_kappa_score: expected = outer(sum0, sum1) / sum(sum0) */
	{
		for (size_t i = 0; i < D; i++)
			for (size_t j = 0; j < D; j++)
				tmp[i * D + j] = i == j ? 0.0
					: (double)((unsigned __int128)ev->npred[i] * ev->support[j]) / (double)n;
		double num = (double)(n - trace), den = bm_pairwise_sum(tmp, D * D);
		double k = num / den;
		if (isnan(k))
			undef(ev, BM_M_COHEN_KAPPA, "every row has the same label in truth and prediction");
		else
			set(ev, BM_M_COHEN_KAPPA, 1 - k);
	}
	/* matthews_corrcoef */
	{
		unsigned __int128 tp = 0, pp = 0, tt = 0;
		for (size_t i = 0; i < D; i++) {
			tp += (unsigned __int128)ev->support[i] * ev->npred[i];
			pp += (unsigned __int128)ev->npred[i] * ev->npred[i];
			tt += (unsigned __int128)ev->support[i] * ev->support[i];
		}
		double ns = (double)n;
		double cov_ytyp = (double)trace * ns - (double)tp;
		double cov_ypyp = ns * ns - (double)pp;
		double cov_ytyt = ns * ns - (double)tt;
		if (cov_ypyp * cov_ytyt == 0)
			set(ev, BM_M_MCC, 0.0);
		else
			set(ev, BM_M_MCC, cov_ytyp / sqrt(cov_ytyt * cov_ypyp));
	}
	free(tmp);
	if (pr && proba_results(ev, pr) < 0)
		return -1;
	return 0;
oom:
	bm_seterr("out of memory");
	return -1;
}

static int proba_results(bm_eval_t *ev, bm_proba_t *pr)
{
	const size_t k = pr->k, nclass = k < 2 ? 2 : k;
	set(ev, BM_M_LOG_LOSS, ksum_get(&pr->loss) / (double)pr->n);
	/* top_k_accuracy_score */
	ev->topk = pr->topk;
	ev->topk_classes = nclass;
	ev->warn_topk = (size_t)pr->topk >= nclass;
	if (k <= 2) {
		uint64_t h = pr->topk >= 2 ? pr->n
			: (pr->smin >= 0 && pr->smax <= 1) ? pr->hits_half : pr->hits_zero;
		set(ev, BM_M_TOP_K_ACCURACY, (double)h / (double)pr->n);
	} else {
		set(ev, BM_M_TOP_K_ACCURACY, (double)pr->hits / (double)pr->n);
	}
	if (!pr->keep)
		return 0;
	/* roc_auc_score */
	int m = k <= 2 ? BM_M_ROC_AUC : BM_M_ROC_AUC_OVR;
	for (size_t c = 0; c < nclass; c++)
		if (pr->count[c] == 0 || pr->count[c] == pr->n) {
			undef(ev, m, k <= 2 ? "only one class is present in the truth"
					    : "a class is missing from the truth (or is all of it)");
			return 0;
		}
	if (k <= 2) {
		double auc;
		if ((pr->dbl ? auc64 : auc32)(pr, 0, 1, &auc) < 0)
			goto oom;
		set(ev, m, auc);
		return 0;
	}
	if (pr->notprob) {
		undef(ev, m, "the probabilities of a row do not sum to 1");
		return 0;
	}
	double *auc = malloc(k * sizeof *auc);
	if (!auc)
		goto oom;
	for (size_t c = 0; c < k; c++)
		if ((pr->dbl ? auc64 : auc32)(pr, c, (int32_t)c, &auc[c]) < 0) {
			free(auc);
			goto oom;
		}
	set(ev, m, bm_pairwise_sum(auc, k) / (double)k);
	free(auc);
	return 0;
oom:
	bm_seterr("out of memory sorting scores for ROC AUC");
	return -1;
}

int bm_eval_regression(bm_eval_t *ev, const bm_reg_t *rg)
{
	memset(ev, 0, sizeof *ev);
	ev->regression = true;
	ev->n = rg->n;
	ev->noutputs = rg->m;
	const size_t m = rg->m;
	if (rg->n == 0) {
		bm_seterr("no rows to evaluate");
		return -1;
	}
	double *v = malloc(4 * m * sizeof *v);
	if (!v) {
		bm_seterr("out of memory");
		return -1;
	}
	double *mse = v, *rmse = v + m, *mae = v + 2 * m, *r2 = v + 3 * m;
	const double n = (double)rg->n;
	for (size_t j = 0; j < m; j++) {
		const regcol_t *c = &rg->col[j];
		mse[j] = ksum_get(&c->sse) / n;
		rmse[j] = sqrt(mse[j]);
		mae[j] = ksum_get(&c->sae) / n;
		/* r2_score with force_finite: 1 when the numerator is 0, 0 when
		 * only the denominator is */
		double num = ksum_get(&c->sse), den = c->m2;
		r2[j] = num == 0 ? 1.0 : den == 0 ? 0.0 : 1 - num / den;
	}
	/* multioutput='uniform_average': np.average over outputs */
	set(ev, BM_M_MSE, bm_pairwise_sum(mse, m) / (double)m);
	set(ev, BM_M_RMSE, bm_pairwise_sum(rmse, m) / (double)m);
	set(ev, BM_M_MAE, bm_pairwise_sum(mae, m) / (double)m);
	if (rg->n < 2)
		undef(ev, BM_M_R2, "R^2 is not well-defined with less than two samples");
	else
		set(ev, BM_M_R2, bm_pairwise_sum(r2, m) / (double)m);
	if (m == 1)
		set(ev, BM_M_MAX_ERROR, rg->col[0].maxerr);
	else
		undef(ev, BM_M_MAX_ERROR, "max_error does not support several outputs");
	free(v);
	return 0;
}

/* ---- output ---- */

/* Display width of UTF-8 text: its code points, as Python's len(). */
static size_t u8width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static int pad(bm_out_t *out, size_t n)
{
	static const char sp[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		if (bm_out_write(out, sp, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* S right-aligned in WIDTH columns. */
static int rjust(bm_out_t *out, const char *s, size_t width)
{
	size_t w = u8width(s);
	if (w < width && pad(out, width - w) < 0)
		return -1;
	return bm_out_write(out, s, strlen(s));
}

#define CHK(x)                    \
	do {                      \
		if ((x) < 0)      \
			return -1; \
	} while (0)

static int write_value(bm_out_t *out, const bm_eval_t *ev, int m, int digits)
{
	if (ev->state[m] == BM_UNDEFINED)
		return bm_out_printf(out, "nan (%s)", ev->why[m]);
	return bm_out_printf(out, "%.*f", digits, ev->value[m]);
}

/* sklearn.metrics.classification_report(y_true, y_pred, digits=DIGITS,
 * target_names=names), character for character. */
static int write_class_table(bm_out_t *out, const bm_eval_t *ev, int digits)
{
	size_t width = strlen("weighted avg");
	for (size_t i = 0; i < ev->nlabels; i++)
		if (u8width(ev->names[i]) > width)
			width = u8width(ev->names[i]);
	if ((size_t)digits > width)
		width = (size_t)digits;
	CHK(pad(out, width + 1));
	CHK(bm_out_printf(out, " %9s %9s %9s %9s\n\n", "precision", "recall", "f1-score", "support"));
	for (size_t i = 0; i < ev->nlabels; i++) {
		CHK(rjust(out, ev->names[i], width));
		CHK(bm_out_printf(out, "  %9.*f %9.*f %9.*f %9" PRIu64 "\n", digits, ev->precision[i],
				  digits, ev->recall[i], digits, ev->f1[i], ev->support[i]));
	}
	CHK(bm_out_printf(out, "\n"));
	CHK(rjust(out, "accuracy", width));
	CHK(bm_out_printf(out, "  %9s %9s %9.*f %9" PRIu64 "\n", "", "", digits,
			  ev->value[BM_M_F1_MICRO], ev->n));
	static const char *const head[2] = {"macro avg", "weighted avg"};
	static const int first[2] = {BM_M_PRECISION_MACRO, BM_M_PRECISION_WEIGHTED};
	for (int a = 0; a < 2; a++) {
		int m0 = first[a];
		int mr = a == 0 ? BM_M_RECALL_MACRO : BM_M_RECALL_WEIGHTED;
		int mf = a == 0 ? BM_M_F1_MACRO : BM_M_F1_WEIGHTED;
		CHK(rjust(out, head[a], width));
		CHK(bm_out_printf(out, "  %9.*f %9.*f %9.*f %9" PRIu64 "\n", digits, ev->value[m0],
				  digits, ev->value[mr], digits, ev->value[mf], ev->n));
	}
	return 0;
}

static int write_matrix(bm_out_t *out, const bm_eval_t *ev)
{
	const size_t D = ev->nlabels;
	size_t w0 = 0;
	for (size_t i = 0; i < D; i++)
		if (u8width(ev->names[i]) > w0)
			w0 = u8width(ev->names[i]);
	CHK(bm_out_printf(out, "confusion matrix (rows: truth, columns: predicted)\n"));
	CHK(pad(out, w0));
	size_t *w = malloc((D ? D : 1) * sizeof *w);
	if (!w)
		return -1;
	int rc = 0;
	for (size_t j = 0; j < D && rc == 0; j++) {
		char num[24];
		w[j] = u8width(ev->names[j]);
		for (size_t i = 0; i < D; i++) {
			size_t l = (size_t)snprintf(num, sizeof num, "%" PRIu64, ev->cm[i * D + j]);
			if (l > w[j])
				w[j] = l;
		}
		rc = pad(out, 2);
		if (rc == 0)
			rc = rjust(out, ev->names[j], w[j]);
	}
	if (rc == 0)
		rc = bm_out_write(out, "\n", 1);
	for (size_t i = 0; i < D && rc == 0; i++) {
		rc = rjust(out, ev->names[i], w0);
		for (size_t j = 0; j < D && rc == 0; j++) {
			char num[24];
			snprintf(num, sizeof num, "%" PRIu64, ev->cm[i * D + j]);
			rc = pad(out, 2);
			if (rc == 0)
				rc = rjust(out, num, w[j]);
		}
		if (rc == 0)
			rc = bm_out_write(out, "\n", 1);
	}
	free(w);
	return rc;
}

int bm_eval_write_report(bm_out_t *out, const bm_eval_t *ev, int digits)
{
	size_t w = strlen("rows");
	for (int m = 0; m < BM_M_COUNT; m++)
		if (ev->state[m] != BM_ABSENT && strlen(metric_info[m].name) > w)
			w = strlen(metric_info[m].name);
	CHK(bm_out_printf(out, "%-*s  %" PRIu64 "\n", (int)w, "rows", ev->n));
	if (ev->regression && ev->noutputs > 1)
		CHK(bm_out_printf(out, "%-*s  %zu\n", (int)w, "outputs", ev->noutputs));
	if (!ev->regression)
		CHK(bm_out_printf(out, "%-*s  %zu\n", (int)w, "classes", ev->nlabels));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		CHK(bm_out_printf(out, "%-*s  ", (int)w, metric_info[m].name));
		CHK(write_value(out, ev, m, digits));
		if (m == BM_M_TOP_K_ACCURACY)
			CHK(bm_out_printf(out, " (k=%d)", ev->topk));
		CHK(bm_out_write(out, "\n", 1));
	}
	if (ev->regression)
		return 0;
	CHK(bm_out_write(out, "\n", 1));
	CHK(write_class_table(out, ev, digits));
	CHK(bm_out_write(out, "\n", 1));
	return write_matrix(out, ev);
}

int bm_eval_write_metric(bm_out_t *out, const bm_eval_t *ev, int m, int digits)
{
	CHK(write_value(out, ev, m, digits));
	return bm_out_write(out, "\n", 1);
}

static int json_str(bm_out_t *out, const char *s)
{
	CHK(bm_out_write(out, "\"", 1));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			CHK(bm_out_printf(out, "\\%c", *p));
		else if (*p < 0x20)
			CHK(bm_out_printf(out, "\\u%04x", *p));
		else
			CHK(bm_out_write(out, p, 1));
	}
	return bm_out_write(out, "\"", 1);
}

static int json_num(bm_out_t *out, double x)
{
	char buf[40];
	if (!isfinite(x))
		return bm_out_printf(out, "null");
	bm_fmt_double(buf, sizeof buf, x);
	return bm_out_printf(out, "%s", buf);
}

int bm_eval_write_json(bm_out_t *out, const bm_eval_t *ev)
{
	CHK(bm_out_printf(out, "{\n  \"rows\": %" PRIu64, ev->n));
	if (ev->regression)
		CHK(bm_out_printf(out, ",\n  \"outputs\": %zu", ev->noutputs));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		CHK(bm_out_printf(out, ",\n  \"%s\": ", metric_info[m].name));
		CHK(json_num(out, ev->value[m]));
		if (m == BM_M_TOP_K_ACCURACY)
			CHK(bm_out_printf(out, ",\n  \"top_k\": %d", ev->topk));
	}
	if (!ev->regression) {
		const size_t D = ev->nlabels;
		CHK(bm_out_printf(out, ",\n  \"labels\": ["));
		for (size_t i = 0; i < D; i++) {
			if (i)
				CHK(bm_out_write(out, ", ", 2));
			CHK(json_str(out, ev->names[i]));
		}
		CHK(bm_out_printf(out, "],\n  \"per_class\": {"));
		for (size_t i = 0; i < D; i++) {
			CHK(bm_out_printf(out, "%s\n    ", i ? "," : ""));
			CHK(json_str(out, ev->names[i]));
			CHK(bm_out_printf(out, ": {\"precision\": "));
			CHK(json_num(out, ev->precision[i]));
			CHK(bm_out_printf(out, ", \"recall\": "));
			CHK(json_num(out, ev->recall[i]));
			CHK(bm_out_printf(out, ", \"f1\": "));
			CHK(json_num(out, ev->f1[i]));
			CHK(bm_out_printf(out, ", \"support\": %" PRIu64 "}", ev->support[i]));
		}
		CHK(bm_out_printf(out, "\n  },\n  \"confusion_matrix\": ["));
		for (size_t i = 0; i < D; i++) {
			CHK(bm_out_printf(out, "%s\n    [", i ? "," : ""));
			for (size_t j = 0; j < D; j++)
				CHK(bm_out_printf(out, "%s%" PRIu64, j ? ", " : "", ev->cm[i * D + j]));
			CHK(bm_out_write(out, "]", 1));
		}
		CHK(bm_out_printf(out, "\n  ]"));
	}
	return bm_out_printf(out, "\n}\n");
}

/* A label in a tsv key: tab, newline and backslash escaped. */
static int tsv_str(bm_out_t *out, const char *s)
{
	for (; *s; s++) {
		const char *e = *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
			: *s == '\\' ? "\\\\" : NULL;
		CHK(e ? bm_out_write(out, e, 2) : bm_out_write(out, s, 1));
	}
	return 0;
}

int bm_eval_write_tsv(bm_out_t *out, const bm_eval_t *ev)
{
	char buf[40];
	CHK(bm_out_printf(out, "rows\t%" PRIu64 "\n", ev->n));
	if (ev->regression)
		CHK(bm_out_printf(out, "outputs\t%zu\n", ev->noutputs));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		bm_fmt_double(buf, sizeof buf, ev->value[m]);
		CHK(bm_out_printf(out, "%s\t%s\n", metric_info[m].name, buf));
		if (m == BM_M_TOP_K_ACCURACY)
			CHK(bm_out_printf(out, "top_k\t%d\n", ev->topk));
	}
	if (ev->regression)
		return 0;
	const size_t D = ev->nlabels;
	static const char *const what[3] = {"precision", "recall", "f1"};
	for (size_t i = 0; i < D; i++) {
		const double *v[3] = {ev->precision, ev->recall, ev->f1};
		for (int t = 0; t < 3; t++) {
			CHK(bm_out_printf(out, "per_class.%s.", what[t]));
			CHK(tsv_str(out, ev->names[i]));
			bm_fmt_double(buf, sizeof buf, v[t][i]);
			CHK(bm_out_printf(out, "\t%s\n", buf));
		}
		CHK(bm_out_printf(out, "per_class.support."));
		CHK(tsv_str(out, ev->names[i]));
		CHK(bm_out_printf(out, "\t%" PRIu64 "\n", ev->support[i]));
	}
	for (size_t i = 0; i < D; i++)
		for (size_t j = 0; j < D; j++) {
			CHK(bm_out_printf(out, "confusion_matrix."));
			CHK(tsv_str(out, ev->names[i]));
			CHK(bm_out_write(out, ".", 1));
			CHK(tsv_str(out, ev->names[j]));
			CHK(bm_out_printf(out, "\t%" PRIu64 "\n", ev->cm[i * D + j]));
		}
	return 0;
}
