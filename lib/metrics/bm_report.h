/* bm_report.h: a result (bm_eval_t) written out: bm-eval's text report
 * (scikit-learn's classification_report and a confusion matrix), json,
 * tsv, one metric's value, and scikit-learn's warnings about it.
 *
 * The text report and one metric print DIGITS decimals; json and tsv print
 * every double exactly (its shortest round-trip form). A metric not defined
 * for the input is "nan (why)" in the text, null in json and nan in tsv.
 */
#ifndef BM_REPORT_H
#define BM_REPORT_H

#include <stdbool.h>

#include "bm_io.h"
#include "bm_metrics.h"

/* Write EV to OUT: the headline of every metric the input has (rows,
 * classes or outputs first), then for classification sklearn's
 * classification_report(digits=DIGITS) layout and the confusion matrix.
 * Returns 0, or -1 with bm_errmsg() when a write fails (or out of memory). */
int bm_report_text(bm_out_t *out, const bm_eval_t *ev, int digits);
/* Write EV to OUT as one JSON object. Returns 0, or -1 with bm_errmsg(). */
int bm_report_json(bm_out_t *out, const bm_eval_t *ev);
/* Write EV to OUT as "key<TAB>value" lines. Returns 0, or -1 with
 * bm_errmsg(). */
int bm_report_tsv(bm_out_t *out, const bm_eval_t *ev);
/* Write metric M of EV to OUT, DIGITS decimals and a newline. Returns 0, or
 * -1 with bm_errmsg(). */
int bm_report_metric(bm_out_t *out, const bm_eval_t *ev, int m, int digits);

/* Where a message goes: bm_warn in a program ("prog: message" on stderr). */
typedef void bm_report_warn_t(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Pass scikit-learn's warnings about EV's metrics to WARN, one line each:
 * precision, recall and F-score ill-defined (set to 0) for labels never
 * predicted or never true, balanced_accuracy leaving out labels never true,
 * top_k_accuracy with k at least the number of classes; only those that
 * apply to a metric SHOWN[m] marks (NULL: every metric, the whole report).
 * None for regression. Cannot fail. */
void bm_report_warnings(const bm_eval_t *ev, const bool *shown, bm_report_warn_t *warn);

#endif
