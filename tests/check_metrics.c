/* Unit tests of bm_metrics (summation, confusion matrix, classification,
 * regression metrics), bm_proba (probability metrics), bm_gate (gates and
 * the metrics asked for), bm_report's warnings and bm_labels (label table,
 * CSV records). Reference values come from numpy 1.24 and scikit-learn 1.2. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_io.h"
#include "bm_gate.h"
#include "bm_labels.h"
#include "bm_metrics.h"
#include "bm_proba.h"
#include "bm_report.h"
#include "check_main.h"

/* ---- summation ---- */

START_TEST(pairwise_sum_is_numpys)
{
	double a[1000];
	float f[300];
	for (int i = 0; i < 200; i++)
		a[i] = 0.1 * i;
	/* np.array([0.1*i for i in range(200)]).sum(); a plain loop gives 1990.0000000000002 */
	ck_assert(bm_pairwise_sum(a, 200) == 1990.0);
	for (int i = 0; i < 1000; i++)
		a[i] = 1.0 / (i + 1);
	ck_assert(bm_pairwise_sum(a, 1000) == 7.485470860550345);
	for (int i = 0; i < 300; i++)
		f[i] = (float)(0.1 * i);
	/* float32 pairwise: 4485.0; a plain float loop gives 4485.000000022352 */
	ck_assert(bm_pairwise_sumf(f, 300) == 4485.0f);
	ck_assert(bm_pairwise_sum(a, 0) == 0.0);
}
END_TEST

/* ---- labels ---- */

START_TEST(labels_intern_and_order)
{
	bm_labels_t *t = bm_labels_new();
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(bm_labels_intern(t, "10", 2), 0);
	ck_assert_int_eq(bm_labels_intern(t, "-2", 2), 1);
	ck_assert_int_eq(bm_labels_intern(t, "07", 2), 2);
	ck_assert_int_eq(bm_labels_intern(t, "10", 2), 0);
	ck_assert_int_eq(bm_labels_intern(t, "7", 1), 3);
	ck_assert_int_eq(bm_labels_intern(t, "+10", 3), 4);
	ck_assert(bm_labels_all_int(t));
	int32_t map[5], rep[5];
	/* integers: -2 < 7 (07 and 7) < 10 (10 and +10) */
	ck_assert_uint_eq(bm_labels_order(t, map, rep), 3);
	ck_assert_int_eq(map[1], 0);
	ck_assert_int_eq(map[2], 1);
	ck_assert_int_eq(map[3], 1);
	ck_assert_int_eq(map[0], 2);
	ck_assert_int_eq(map[4], 2);
	ck_assert_int_eq(bm_labels_int(t, rep[2]), 10);
	/* one string makes them all strings: bytes order, 07 and 7 apart */
	ck_assert_int_eq(bm_labels_intern(t, "b", 1), 5);
	ck_assert(!bm_labels_all_int(t));
	int32_t map2[6], rep2[6];
	ck_assert_uint_eq(bm_labels_order(t, map2, rep2), 6);
	const char *want[6] = {"+10", "-2", "07", "10", "7", "b"};
	for (int i = 0; i < 6; i++) {
		size_t len;
		const char *s = bm_labels_str(t, rep2[i], &len);
		ck_assert_uint_eq(len, strlen(want[i]));
		ck_assert(memcmp(s, want[i], len) == 0);
	}
	/* many labels: the table grows, ids stay */
	char buf[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof buf, "label %d", i);
		ck_assert_int_eq(bm_labels_intern(t, buf, (size_t)n), 6 + i);
	}
	ck_assert_int_eq(bm_labels_intern(t, "label 1234", 10), 6 + 1234);
	/* bytes past a NUL count */
	ck_assert_int_eq(bm_labels_intern(t, "a\0b", 3), 5006);
	ck_assert_int_eq(bm_labels_intern(t, "a\0c", 3), 5007);
	bm_labels_free(t);
}
END_TEST

START_TEST(labels_parse_int)
{
	int64_t v;
	ck_assert(bm_labels_parse_int("9223372036854775807", 19, &v) && v == INT64_MAX);
	ck_assert(bm_labels_parse_int("-9223372036854775808", 20, &v) && v == INT64_MIN);
	ck_assert(!bm_labels_parse_int("9223372036854775808", 19, &v));
	ck_assert(!bm_labels_parse_int("", 0, &v));
	ck_assert(!bm_labels_parse_int("-", 1, &v));
	ck_assert(!bm_labels_parse_int("1.0", 3, &v));
	ck_assert(!bm_labels_parse_int(" 1", 2, &v));
	ck_assert(bm_labels_parse_int("+0", 2, &v) && v == 0);
}
END_TEST

/* ---- confusion matrix and classification metrics ---- */

START_TEST(confusion_sparse_ids_grow)
{
	bm_confusion_t cm = {0};
	int32_t t[100], p[100];
	for (int i = 0; i < 100; i++) {
		t[i] = (i * 7919) % 40 * 1000; /* 40 ids up to 39000: past 16 labels and 64 ids */
		p[i] = i % 3 ? t[i] : 5;
	}
	ck_assert_int_eq(bm_confusion_add(&cm, t, p, 100), 0);
	ck_assert_int_eq(bm_confusion_add(&cm, t, p, 50), 0);
	ck_assert_uint_eq(cm.n, 150);
	ck_assert_uint_eq(cm.dim, 41);
	uint64_t total = 0;
	for (size_t i = 0; i < cm.dim; i++)
		for (size_t j = 0; j < cm.dim; j++)
			total += cm.c[i * cm.cap + j];
	ck_assert_uint_eq(total, 150);
	bm_eval_t ev;
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(ev.nlabels, 41);
	ck_assert_str_eq(ev.names[0], "0");
	ck_assert_str_eq(ev.names[1], "5");
	ck_assert_str_eq(ev.names[40], "39000");
	ck_assert_uint_eq(ev.support[1], 0);
	ck_assert_uint_eq(ev.n_no_true, 1);
	bm_eval_free(&ev);
	bm_confusion_free(&cm);
}
END_TEST

START_TEST(classification_values)
{
	/* y_true = abcab, y_pred = accad: sklearn's values */
	int32_t t[5] = {0, 1, 2, 0, 1}, p[5] = {0, 2, 2, 0, 3};
	bm_confusion_t cm = {0};
	ck_assert_int_eq(bm_confusion_add(&cm, t, p, 5), 0);
	const char *names[4] = {"a", "b", "c", "d"};
	bm_classnames_t cn = {names, 4};
	bm_eval_t ev;
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, &cn, NULL), 0);
	ck_assert(ev.value[BM_M_ACCURACY] == 0.6);
	ck_assert(ev.value[BM_M_F1_MACRO] == 0.41666666666666663);
	ck_assert(ev.value[BM_M_F1_WEIGHTED] == 0.5333333333333333);
	ck_assert(ev.value[BM_M_BALANCED_ACCURACY] == 0.6666666666666666);
	ck_assert(ev.value[BM_M_COHEN_KAPPA] == 0.4736842105263158);
	ck_assert(ev.value[BM_M_MCC] == 0.5625);
	ck_assert(ev.warn_balanced);
	ck_assert_uint_eq(ev.n_no_pred, 1);
	ck_assert_str_eq(ev.names[3], "d");
	ck_assert_int_eq(ev.state[BM_M_LOG_LOSS], BM_ABSENT);
	bm_eval_free(&ev);
	bm_confusion_free(&cm);

	/* one label only: kappa is 0/0, MCC is 0 */
	int32_t z[3] = {4, 4, 4};
	ck_assert_int_eq(bm_confusion_add(&cm, z, z, 3), 0);
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, NULL), 0);
	ck_assert_int_eq(ev.state[BM_M_COHEN_KAPPA], BM_UNDEFINED);
	ck_assert(ev.value[BM_M_MCC] == 0.0);
	ck_assert(ev.value[BM_M_F1_MACRO] == 1.0);
	bm_eval_free(&ev);
	bm_confusion_free(&cm);

	/* nothing counted */
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, NULL), -1);
	ck_assert_str_eq(bm_errmsg(), "no rows to evaluate");
	bm_eval_free(&ev);
}
END_TEST

/* ---- probabilities ---- */

static void proba_eval(bm_eval_t *ev, size_t k, int topk, const void *p, bool dbl, const int32_t *y, size_t n)
{
	bm_proba_t *pr = bm_proba_new(k, topk, true);
	int32_t pred[64];
	size_t bad;
	ck_assert_ptr_nonnull(pr);
	ck_assert_int_eq(bm_proba_add(pr, p, dbl, y, n, pred, &bad), 0);
	bm_confusion_t cm = {0};
	ck_assert_int_eq(bm_confusion_add(&cm, y, pred, n), 0);
	ck_assert_int_eq(bm_eval_classification(ev, &cm, NULL, 0, NULL, NULL, pr), 0);
	bm_confusion_free(&cm);
	bm_proba_free(pr);
}

START_TEST(proba_values)
{
	bm_eval_t ev;
	/* roc_auc_score([0,0,1,1,1,0], [0.1,0.4,0.4,0.8,-0.0,0.0]): ties and -0 */
	float p2[12] = {0.9f, 0.1f, 0.6f, 0.4f, 0.6f, 0.4f, 0.2f, 0.8f, 1.0f, -0.0f, 1.0f, 0.0f};
	int32_t y2[6] = {0, 0, 1, 1, 1, 0};
	proba_eval(&ev, 2, 1, p2, false, y2, 6);
	ck_assert(ev.value[BM_M_ROC_AUC] == 0.6666666666666666);
	ck_assert_int_eq(ev.state[BM_M_ROC_AUC_OVR], BM_ABSENT);
	bm_eval_free(&ev);

	/* top_k_accuracy_score(k=1): a tie ranks the higher column first */
	double p3[12] = {0.3, 0.3, 0.4, 0.5, 0.25, 0.25, 0.2, 0.4, 0.4, 0.1, 0.1, 0.8};
	int32_t y3[4] = {0, 1, 2, 2};
	proba_eval(&ev, 3, 1, p3, true, y3, 4);
	ck_assert(ev.value[BM_M_TOP_K_ACCURACY] == 0.5);
	/* argmax takes the first maximum: row 2 is predicted 1 */
	ck_assert(ev.value[BM_M_ACCURACY] == 0.25);
	ck_assert(ev.value[BM_M_ROC_AUC_OVR] == 0.625);
	bm_eval_free(&ev);

	/* log_loss of float32 input clips at float32's epsilon */
	float p4[9] = {1, 0, 0, 0.2f, 0.7f, 0.1f, 0.3f, 0.3f, 0.4f};
	int32_t y4[3] = {0, 1, 2};
	proba_eval(&ev, 3, 2, p4, false, y4, 3);
	ck_assert(fabs(ev.value[BM_M_LOG_LOSS] - 0.42432197212007755) <= 1e-15);
	bm_eval_free(&ev);

	/* NaN is refused with its row and column */
	float bad[4] = {0.5f, 0.5f, 0.5f, NAN};
	bm_proba_t *pr = bm_proba_new(2, 2, false);
	int32_t pred[2];
	size_t row;
	ck_assert_int_eq(bm_proba_add(pr, bad, false, y2, 2, pred, &row), -1);
	ck_assert_uint_eq(row, 1);
	ck_assert_str_eq(bm_errmsg(), "NaN probability in column 2");
	bm_proba_free(pr);
}
END_TEST

/* ROC AUC of many rows with ties, against the O(n^2) definition. */
START_TEST(auc_matches_pairs)
{
	enum { N = 3000 };
	static float p[N * 2];
	static int32_t y[N], pred[N];
	unsigned s = 12345;
	for (int i = 0; i < N; i++) {
		s = s * 1103515245u + 12345u;
		y[i] = (s >> 16) & 1;
		s = s * 1103515245u + 12345u;
		float v = (float)((s >> 16) % 200) / 100.0f - 1.0f + 0.3f * (float)y[i]; /* negatives, ties */
		p[2 * i] = -v;
		p[2 * i + 1] = v;
	}
	double num = 0;
	long npos = 0, nneg = 0;
	for (int i = 0; i < N; i++) {
		if (!y[i]) {
			nneg++;
			continue;
		}
		npos++;
		for (int j = 0; j < N; j++)
			if (!y[j])
				num += p[2 * i + 1] > p[2 * j + 1] ? 1.0 : p[2 * i + 1] == p[2 * j + 1] ? 0.5 : 0.0;
	}
	bm_proba_t *pr = bm_proba_new(2, 2, true);
	size_t bad;
	ck_assert_int_eq(bm_proba_add(pr, p, false, y, N, pred, &bad), 0);
	bm_confusion_t cm = {0};
	ck_assert_int_eq(bm_confusion_add(&cm, y, pred, N), 0);
	bm_eval_t ev;
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, pr), 0);
	ck_assert(fabs(ev.value[BM_M_ROC_AUC] - num / ((double)npos * (double)nneg)) < 1e-15);
	bm_eval_free(&ev);
	bm_confusion_free(&cm);
	bm_proba_free(pr);
}
END_TEST

/* ---- regression ---- */

START_TEST(regression_streams_accurately)
{
	/* values around 1e8 in uneven batches: R^2's variance must not cancel */
	enum { N = 10000 };
	static double y[N], p[N];
	double mean = 0;
	for (int i = 0; i < N; i++) {
		y[i] = 1e8 + (i % 97) * 0.25;
		p[i] = y[i] + ((i % 5) - 2) * 0.125;
		mean += y[i];
	}
	mean /= N;
	double sse = 0, sst = 0, sae = 0;
	for (int i = 0; i < N; i++) {
		sse += (y[i] - p[i]) * (y[i] - p[i]);
		sst += (y[i] - mean) * (y[i] - mean);
		sae += fabs(y[i] - p[i]);
	}
	bm_reg_t *rg = bm_reg_new(1);
	size_t cuts[] = {0, 1, 4097, 6000, 9999, N};
	for (int c = 0; c + 1 < 6; c++)
		bm_reg_add(rg, y + cuts[c], p + cuts[c], cuts[c + 1] - cuts[c]);
	bm_eval_t ev;
	ck_assert_int_eq(bm_eval_regression(&ev, rg), 0);
	ck_assert(fabs(ev.value[BM_M_MSE] - sse / N) <= 1e-15 * (sse / N));
	ck_assert(fabs(ev.value[BM_M_MAE] - sae / N) <= 1e-15 * (sae / N));
	ck_assert(fabs(ev.value[BM_M_R2] - (1 - sse / sst)) <= 1e-12);
	ck_assert(ev.value[BM_M_MAX_ERROR] == 0.25);
	bm_eval_free(&ev);
	bm_reg_free(rg);

	/* one row: R^2 is not defined; a perfect fit on a constant is 1 */
	rg = bm_reg_new(1);
	bm_reg_add(rg, y, y, 1);
	ck_assert_int_eq(bm_eval_regression(&ev, rg), 0);
	ck_assert_int_eq(ev.state[BM_M_R2], BM_UNDEFINED);
	bm_eval_free(&ev);
	bm_reg_add(rg, y, y, 1);
	ck_assert_int_eq(bm_eval_regression(&ev, rg), 0);
	ck_assert(ev.value[BM_M_R2] == 1.0);
	bm_eval_free(&ev);
	bm_reg_free(rg);
}
END_TEST

START_TEST(metric_names)
{
	for (int m = 0; m < BM_M_COUNT; m++)
		ck_assert_int_eq(bm_metric_parse(bm_metric_name(m)), m);
	ck_assert_int_eq(bm_metric_parse("f1"), -1);
	ck_assert(!bm_metric_higher_better(BM_M_LOG_LOSS));
	ck_assert(bm_metric_higher_better(BM_M_R2));
}
END_TEST

/* ---- gates ---- */

/* The lines a gate or report passes to its warn function. */
static char warned[4][256];
static int nwarned;

static void warn_to_buf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (nwarned < 4)
		vsnprintf(warned[nwarned++], sizeof warned[0], fmt, ap);
	va_end(ap);
}

START_TEST(gate_parse)
{
	bm_gate_list_t gl = {.n = 0};
	ck_assert_int_eq(bm_gate_add(&gl, "accuracy=0.65", false), 0);
	ck_assert_int_eq(bm_gate_add(&gl, "log_loss= 1e-1 ", true), 0);
	ck_assert_int_eq(bm_gate_add(&gl, "mse=inf", true), 0);
	ck_assert_int_eq(gl.n, 3);
	ck_assert_int_eq(gl.g[0].metric, BM_M_ACCURACY);
	ck_assert(gl.g[0].value == 0.65 && !gl.g[0].over);
	ck_assert(gl.g[1].value == 0.1 && gl.g[1].over);
	ck_assert(isinf(gl.g[2].value));
	ck_assert_int_eq(bm_gate_add(&gl, "foo", false), -1);
	ck_assert_str_eq(bm_errmsg(), "--fail-under: expected NAME=VALUE, got 'foo'");
	ck_assert_int_eq(bm_gate_add(&gl, "nope=1", true), -1);
	ck_assert_str_eq(bm_errmsg(), "--fail-over: unknown metric 'nope'");
	ck_assert_int_eq(bm_gate_add(&gl, "log_loss=abc", true), -1);
	ck_assert_str_eq(bm_errmsg(), "--fail-over: not a number: 'abc'");
	ck_assert_int_eq(bm_gate_add(&gl, "mse=1e999", true), -1);
	ck_assert_str_eq(bm_errmsg(), "--fail-over: not a number: '1e999'");
	ck_assert_int_eq(bm_gate_add(&gl, "mse=0x10", true), -1);
	ck_assert_int_eq(gl.n, 3);
	while (gl.n < BM_GATE_MAX)
		ck_assert_int_eq(bm_gate_add(&gl, "mcc=0", false), 0);
	ck_assert_int_eq(bm_gate_add(&gl, "mcc=0", false), -1);
	ck_assert_str_eq(bm_errmsg(), "too many --fail-under/--fail-over gates");
	bool wants[BM_M_COUNT] = {false};
	bm_gate_want(&gl, wants);
	ck_assert(wants[BM_M_ACCURACY] && wants[BM_M_LOG_LOSS] && wants[BM_M_MCC] && !wants[BM_M_F1_MACRO]);
}
END_TEST

START_TEST(gate_check_and_require)
{
	/* truth 0 0 1 1, predicted 0 1 1 1: accuracy 0.75 */
	int32_t t[4] = {0, 0, 1, 1}, p[4] = {0, 1, 1, 1};
	bm_confusion_t cm = {0};
	ck_assert_int_eq(bm_confusion_add(&cm, t, p, 4), 0);
	bm_eval_t ev;
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, NULL), 0);

	bm_gate_list_t gl = {.n = 0};
	ck_assert_int_eq(bm_gate_add(&gl, "accuracy=0.75", false), 0);
	ck_assert_int_eq(bm_gate_add(&gl, "accuracy=0.75", true), 0);
	nwarned = 0;
	ck_assert_int_eq(bm_gate_check(&gl, &ev, 6, warn_to_buf), 0);
	ck_assert_int_eq(nwarned, 0);
	ck_assert_int_eq(bm_gate_add(&gl, "accuracy=0.8", false), 0);
	ck_assert_int_eq(bm_gate_add(&gl, "accuracy=0.7", true), 0);
	ck_assert_int_eq(bm_gate_check(&gl, &ev, 3, warn_to_buf), BM_GATE_EXIT);
	ck_assert_int_eq(nwarned, 2);
	ck_assert_str_eq(warned[0], "accuracy 0.750 is under 0.8");
	ck_assert_str_eq(warned[1], "accuracy 0.750 is above 0.7");
	/* an undefined metric fails its gate */
	bm_eval_undef(&ev, BM_M_MCC, "why not");
	bm_gate_list_t gu = {.n = 0};
	ck_assert_int_eq(bm_gate_add(&gu, "mcc=-1", false), 0);
	nwarned = 0;
	ck_assert_int_eq(bm_gate_check(&gu, &ev, 6, warn_to_buf), BM_GATE_EXIT);
	ck_assert_str_eq(warned[0], "mcc is not defined (why not): --fail-under fails");

	/* the metrics asked for must exist */
	bool wants[BM_M_COUNT] = {false};
	wants[BM_M_F1_MACRO] = true;
	ck_assert_int_eq(bm_gate_require(&ev, wants), 0);
	wants[BM_M_MSE] = true;
	ck_assert_int_eq(bm_gate_require(&ev, wants), -1);
	ck_assert_str_eq(bm_errmsg(), "mse is a regression metric, and the input is classification");
	wants[BM_M_MSE] = false;
	wants[BM_M_LOG_LOSS] = true;
	ck_assert_int_eq(bm_gate_require(&ev, wants), -1);
	ck_assert_str_eq(bm_errmsg(), "log_loss needs probabilities (p frames), and the input has class ids only");

	/* report warnings: label 2 predicted, never true */
	int32_t t2[3] = {0, 1, 1}, p2[3] = {0, 1, 2};
	ck_assert_int_eq(bm_confusion_add(&cm, t2, p2, 3), 0);
	bm_eval_free(&ev);
	ck_assert_int_eq(bm_eval_classification(&ev, &cm, NULL, 0, NULL, NULL, NULL), 0);
	nwarned = 0;
	bm_report_warnings(&ev, NULL, warn_to_buf);
	ck_assert_int_eq(nwarned, 2);
	ck_assert_str_eq(warned[0], "warning: recall and F-score are ill-defined and set to 0.0 for labels never true: 2");
	ck_assert_str_eq(warned[1], "warning: balanced_accuracy leaves out labels predicted but never true: 2");
	bool shown[BM_M_COUNT] = {false};
	shown[BM_M_ACCURACY] = true;
	nwarned = 0;
	bm_report_warnings(&ev, shown, warn_to_buf);
	ck_assert_int_eq(nwarned, 0);
	bm_eval_free(&ev);
	bm_confusion_free(&cm);
}
END_TEST

int main(void)
{
	return run_tests("metrics", 60, NULL, NULL,
			 CHECK_TESTS(pairwise_sum_is_numpys, labels_intern_and_order, labels_parse_int,
				     confusion_sparse_ids_grow, classification_values, proba_values,
				     auc_matches_pairs, regression_streams_accurately, metric_names, gate_parse,
				     gate_check_and_require));
}
