/* bm_report.c: a result written as text, json or tsv, and scikit-learn's
 * warnings about it (see bm_report.h). */
#include "config.h"

#include "bm_report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_buf.h"
#include "bm_fmt.h"
#include "bm_json.h"

#define CHK(x)                    \
	do {                      \
		if ((x) < 0)      \
			return -1; \
	} while (0)

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
	if (!w) {
		bm_seterr("out of memory");
		return -1;
	}
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

int bm_report_text(bm_out_t *out, const bm_eval_t *ev, int digits)
{
	size_t w = strlen("rows");
	for (int m = 0; m < BM_M_COUNT; m++)
		if (ev->state[m] != BM_ABSENT && strlen(bm_metric_name(m)) > w)
			w = strlen(bm_metric_name(m));
	CHK(bm_out_printf(out, "%-*s  %" PRIu64 "\n", (int)w, "rows", ev->n));
	if (ev->regression && ev->noutputs > 1)
		CHK(bm_out_printf(out, "%-*s  %zu\n", (int)w, "outputs", ev->noutputs));
	if (!ev->regression)
		CHK(bm_out_printf(out, "%-*s  %zu\n", (int)w, "classes", ev->nlabels));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		CHK(bm_out_printf(out, "%-*s  ", (int)w, bm_metric_name(m)));
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

int bm_report_metric(bm_out_t *out, const bm_eval_t *ev, int m, int digits)
{
	CHK(write_value(out, ev, m, digits));
	return bm_out_write(out, "\n", 1);
}

/* S as a JSON string (bm_json's escaping), through B. */
static int json_str(bm_out_t *out, bm_buf_t *b, const char *s)
{
	b->len = 0;
	bm_json_put_string(b, s, strlen(s));
	return bm_out_write(out, b->s, b->len);
}

static int json_num(bm_out_t *out, double x)
{
	char buf[40];
	if (!isfinite(x))
		return bm_out_printf(out, "null");
	bm_fmt_double(buf, sizeof buf, x);
	return bm_out_printf(out, "%s", buf);
}

/* The labels, per-class table and matrix of a classification, JSON object
 * members; B a scratch buffer. */
static int json_classes(bm_out_t *out, bm_buf_t *b, const bm_eval_t *ev)
{
	const size_t D = ev->nlabels;
	CHK(bm_out_printf(out, ",\n  \"labels\": ["));
	for (size_t i = 0; i < D; i++) {
		if (i)
			CHK(bm_out_write(out, ", ", 2));
		CHK(json_str(out, b, ev->names[i]));
	}
	CHK(bm_out_printf(out, "],\n  \"per_class\": {"));
	for (size_t i = 0; i < D; i++) {
		CHK(bm_out_printf(out, "%s\n    ", i ? "," : ""));
		CHK(json_str(out, b, ev->names[i]));
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
	return 0;
}

int bm_report_json(bm_out_t *out, const bm_eval_t *ev)
{
	CHK(bm_out_printf(out, "{\n  \"rows\": %" PRIu64, ev->n));
	if (ev->regression)
		CHK(bm_out_printf(out, ",\n  \"outputs\": %zu", ev->noutputs));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		CHK(bm_out_printf(out, ",\n  \"%s\": ", bm_metric_name(m)));
		CHK(json_num(out, ev->value[m]));
		if (m == BM_M_TOP_K_ACCURACY)
			CHK(bm_out_printf(out, ",\n  \"top_k\": %d", ev->topk));
	}
	if (!ev->regression) {
		bm_buf_t b = {0};
		int rc = json_classes(out, &b, ev);
		free(b.s);
		CHK(rc);
	}
	return bm_out_printf(out, "\n}\n");
}

/* A label in a tsv key: tab, newline, carriage return and backslash
 * escaped. */
static int tsv_str(bm_out_t *out, const char *s)
{
	for (; *s; s++) {
		const char *e = *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
			: *s == '\\' ? "\\\\" : NULL;
		CHK(e ? bm_out_write(out, e, 2) : bm_out_write(out, s, 1));
	}
	return 0;
}

int bm_report_tsv(bm_out_t *out, const bm_eval_t *ev)
{
	char buf[40];
	CHK(bm_out_printf(out, "rows\t%" PRIu64 "\n", ev->n));
	if (ev->regression)
		CHK(bm_out_printf(out, "outputs\t%zu\n", ev->noutputs));
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (ev->state[m] == BM_ABSENT)
			continue;
		bm_fmt_double(buf, sizeof buf, ev->value[m]);
		CHK(bm_out_printf(out, "%s\t%s\n", bm_metric_name(m), buf));
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

/* ---- warnings ---- */

/* "a, b, c": the labels whose COUNT is 0, at most 10 named. */
static void name_list(char *buf, size_t size, const bm_eval_t *ev, const uint64_t *count)
{
	size_t used = 0, shown = 0, total = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ev->nlabels; i++) {
		if (count[i] != 0)
			continue;
		total++;
		if (shown < 10 && used < size) {
			used += (size_t)snprintf(buf + used, size - used, "%s%s", shown ? ", " : "", ev->names[i]);
			shown++;
		}
	}
	if (total > shown && used < size)
		snprintf(buf + used, size - used, ", ... (%zu in all)", total);
}

void bm_report_warnings(const bm_eval_t *ev, const bool *shown, bm_report_warn_t *warn)
{
	if (ev->regression)
		return;
#define SHOWN(m) (!shown || shown[m])
	bool prf = false;
	for (int m = BM_M_PRECISION_MACRO; m <= BM_M_F1_WEIGHTED; m++)
		if (m < BM_M_PRECISION_MICRO || m > BM_M_F1_MICRO)
			prf |= SHOWN(m);
	bool f1 = SHOWN(BM_M_F1_MACRO) || SHOWN(BM_M_F1_WEIGHTED);
	bool p_used = f1 || SHOWN(BM_M_PRECISION_MACRO) || SHOWN(BM_M_PRECISION_WEIGHTED);
	bool r_used = f1 || SHOWN(BM_M_RECALL_MACRO) || SHOWN(BM_M_RECALL_WEIGHTED);
	char list[1024];
	if (prf && p_used && ev->n_no_pred) {
		name_list(list, sizeof list, ev, ev->npred);
		warn("warning: precision and F-score are ill-defined and set to 0.0 for labels never predicted: %s",
		     list);
	}
	if (prf && r_used && ev->n_no_true) {
		name_list(list, sizeof list, ev, ev->support);
		warn("warning: recall and F-score are ill-defined and set to 0.0 for labels never true: %s", list);
	}
	if (SHOWN(BM_M_BALANCED_ACCURACY) && ev->warn_balanced) {
		name_list(list, sizeof list, ev, ev->support);
		warn("warning: balanced_accuracy leaves out labels predicted but never true: %s", list);
	}
	if (SHOWN(BM_M_TOP_K_ACCURACY) && ev->warn_topk && ev->state[BM_M_TOP_K_ACCURACY])
		warn("warning: top_k_accuracy: k (%d) >= the number of classes (%zu) gives a perfect score",
		     ev->topk, ev->topk_classes);
#undef SHOWN
}
