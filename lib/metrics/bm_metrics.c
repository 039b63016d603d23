/* bm_metrics.c: the metric names, numpy's summation, the confusion-matrix
 * and regression accumulators, and the results computed from them (see
 * bm_metrics.h; the probability metrics are bm_proba.c's).
 *
 * Every formula cites the scikit-learn 1.2 code it follows; the order of
 * floating-point operations is theirs, so results match to the last digit
 * or nearly. */
#include "config.h"

#include "bm_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_err.h"
#include "bm_proba.h"

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
		if (nc > BM_MAX_CLASSES)
			nc = BM_MAX_CLASSES;
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
			if (cm->dense[id] < 0 && cm->dim == BM_MAX_CLASSES) {
				bm_seterr("more than %d classes", BM_MAX_CLASSES);
				return -1;
			}
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

/* ---- regression ---- */

typedef struct {
	uint64_t n;
	double mean, m2;   /* of the truth, for R^2's denominator */
	bm_ksum_t sse, sae;
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
			bm_ksum_t s = {0, 0};
			for (size_t i = i0; i < i0 + nb; i++) {
				double yi = y[i * m + j], d = yi - p[i * m + j];
				bm_ksum_add(&s, yi);
				bm_ksum_add(&c->sse, d * d);
				bm_ksum_add(&c->sae, fabs(d));
				if (fabs(d) > c->maxerr)
					c->maxerr = fabs(d);
			}
			double mb = bm_ksum_get(&s) / (double)nb;
			bm_ksum_t q = {0, 0};
			for (size_t i = i0; i < i0 + nb; i++) {
				double d = y[i * m + j] - mb;
				bm_ksum_add(&q, d * d);
			}
			double m2b = bm_ksum_get(&q);
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
static _Thread_local const int32_t *sort_ids;
static int cmp_dense(const void *a, const void *b)
{
	int32_t x = sort_ids[*(const int32_t *)a], y = sort_ids[*(const int32_t *)b];
	return (x > y) - (x < y);
}

int bm_eval_classification(bm_eval_t *ev, const bm_confusion_t *cm, const int32_t *map,
			   size_t nfinal, char **label_names, const bm_classnames_t *cn,
			   const bm_proba_t *pr)
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
		bm_eval_free(ev);
		bm_seterr("no rows to evaluate");
		return -1;
	}

	/* accuracy_score: np.average(y_true == y_pred) */
	bm_eval_set(ev, BM_M_ACCURACY, (double)trace / (double)n);

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
	bm_eval_set(ev, BM_M_PRECISION_MACRO, bm_pairwise_sum(ev->precision, D) / (double)D);
	bm_eval_set(ev, BM_M_RECALL_MACRO, bm_pairwise_sum(ev->recall, D) / (double)D);
	bm_eval_set(ev, BM_M_F1_MACRO, bm_pairwise_sum(ev->f1, D) / (double)D);
	/* micro: the sums over labels, then the same divisions */
	{
		double p = (double)trace / (double)n, r = (double)trace / (double)n;
		double den = 1 * p + r;
		if (den == 0.0)
			den = 1;
		bm_eval_set(ev, BM_M_PRECISION_MICRO, p);
		bm_eval_set(ev, BM_M_RECALL_MICRO, r);
		bm_eval_set(ev, BM_M_F1_MICRO, 2 * p * r / den);
	}
	/* weighted: np.average(x, weights=true_sum) = sum(x * w) / sum(w) */
	{
		const double *src[3] = {ev->precision, ev->recall, ev->f1};
		const int dst[3] = {BM_M_PRECISION_WEIGHTED, BM_M_RECALL_WEIGHTED, BM_M_F1_WEIGHTED};
		for (int t = 0; t < 3; t++) {
			for (size_t i = 0; i < D; i++)
				tmp[i] = src[t][i] * (double)ev->support[i];
			bm_eval_set(ev, dst[t], bm_pairwise_sum(tmp, D) / (double)n);
		}
	}
	/* balanced_accuracy_score: mean of diag / row sum over rows that have a sum */
	{
		size_t k = 0;
		for (size_t i = 0; i < D; i++)
			if (ev->support[i])
				tmp[k++] = (double)C[i * D + i] / (double)ev->support[i];
		ev->warn_balanced = k < D;
		bm_eval_set(ev, BM_M_BALANCED_ACCURACY, bm_pairwise_sum(tmp, k) / (double)k);
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
			bm_eval_undef(ev, BM_M_COHEN_KAPPA, "every row has the same label in truth and prediction");
		else
			bm_eval_set(ev, BM_M_COHEN_KAPPA, 1 - k);
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
			bm_eval_set(ev, BM_M_MCC, 0.0);
		else
			bm_eval_set(ev, BM_M_MCC, cov_ytyp / sqrt(cov_ytyt * cov_ypyp));
	}
	free(tmp);
	if (pr && bm_proba_results(pr, ev) < 0) {
		bm_eval_free(ev);
		return -1;
	}
	return 0;
oom:
	bm_eval_free(ev);
	bm_seterr("out of memory");
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
		mse[j] = bm_ksum_get(&c->sse) / n;
		rmse[j] = sqrt(mse[j]);
		mae[j] = bm_ksum_get(&c->sae) / n;
		/* r2_score with force_finite: 1 when the numerator is 0, 0 when
		 * only the denominator is */
		double num = bm_ksum_get(&c->sse), den = c->m2;
		r2[j] = num == 0 ? 1.0 : den == 0 ? 0.0 : 1 - num / den;
	}
	/* multioutput='uniform_average': np.average over outputs */
	bm_eval_set(ev, BM_M_MSE, bm_pairwise_sum(mse, m) / (double)m);
	bm_eval_set(ev, BM_M_RMSE, bm_pairwise_sum(rmse, m) / (double)m);
	bm_eval_set(ev, BM_M_MAE, bm_pairwise_sum(mae, m) / (double)m);
	if (rg->n < 2)
		bm_eval_undef(ev, BM_M_R2, "R^2 is not well-defined with less than two samples");
	else
		bm_eval_set(ev, BM_M_R2, bm_pairwise_sum(r2, m) / (double)m);
	if (m == 1)
		bm_eval_set(ev, BM_M_MAX_ERROR, rg->col[0].maxerr);
	else
		bm_eval_undef(ev, BM_M_MAX_ERROR, "max_error does not support several outputs");
	free(v);
	return 0;
}
