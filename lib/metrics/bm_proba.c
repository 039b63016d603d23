/* bm_proba.c: the probability metrics, log loss, top-k accuracy and ROC
 * AUC (see bm_proba.h).
 *
 * Every formula cites the scikit-learn 1.2 code it follows; the order of
 * floating-point operations is theirs, so results match to the last digit
 * or nearly. */
#include "config.h"

#include "bm_proba.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm_err.h"

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
	bm_ksum_t loss;
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
#define SORT_KEY(NAME, FT, UT)                                          \
	static inline UT NAME(FT f)                                     \
	{                                                               \
		const UT sign = (UT)1 << (sizeof(UT) * 8 - 1);          \
		UT u;                                                   \
		if (f == 0)                                             \
			f = 0;                                          \
		memcpy(&u, &f, sizeof u);                               \
		return (u & sign) ? ~u : u | sign;                      \
	}
SORT_KEY(key32, float, uint32_t)
SORT_KEY(key64, double, uint64_t)

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
			bm_ksum_add(&pr->loss, -log((double)q));                        \
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

/* ---- results ---- */

int bm_proba_results(const bm_proba_t *pr, bm_eval_t *ev)
{
	const size_t k = pr->k, nclass = k < 2 ? 2 : k;
	bm_eval_set(ev, BM_M_LOG_LOSS, bm_ksum_get(&pr->loss) / (double)pr->n);
	/* top_k_accuracy_score */
	ev->topk = pr->topk;
	ev->topk_classes = nclass;
	ev->warn_topk = (size_t)pr->topk >= nclass;
	if (k <= 2) {
		uint64_t h = pr->topk >= 2 ? pr->n
			: (pr->smin >= 0 && pr->smax <= 1) ? pr->hits_half : pr->hits_zero;
		bm_eval_set(ev, BM_M_TOP_K_ACCURACY, (double)h / (double)pr->n);
	} else {
		bm_eval_set(ev, BM_M_TOP_K_ACCURACY, (double)pr->hits / (double)pr->n);
	}
	if (!pr->keep)
		return 0;
	/* roc_auc_score */
	int m = k <= 2 ? BM_M_ROC_AUC : BM_M_ROC_AUC_OVR;
	for (size_t c = 0; c < nclass; c++)
		if (pr->count[c] == 0 || pr->count[c] == pr->n) {
			bm_eval_undef(ev, m, k <= 2 ? "only one class is present in the truth"
					    : "a class is missing from the truth (or is all of it)");
			return 0;
		}
	if (k <= 2) {
		double auc;
		if ((pr->dbl ? auc64 : auc32)(pr, 0, 1, &auc) < 0)
			goto oom;
		bm_eval_set(ev, m, auc);
		return 0;
	}
	if (pr->notprob) {
		bm_eval_undef(ev, m, "the probabilities of a row do not sum to 1");
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
	bm_eval_set(ev, m, bm_pairwise_sum(auc, k) / (double)k);
	free(auc);
	return 0;
oom:
	bm_seterr("out of memory sorting scores for ROC AUC");
	return -1;
}
