/* bm_gate.h: bm-eval's gates and the metrics a run asks for.
 *
 * A gate (--fail-under NAME=VALUE, --fail-over NAME=VALUE) fails when the
 * metric is below (above) VALUE or not defined for the input; a program
 * checks its gates after printing its output and exits with BM_GATE_EXIT
 * when one failed. The metrics asked for (by -m or a gate) must exist for
 * the input: bm_gate_require says which does not and why.
 */
#ifndef BM_GATE_H
#define BM_GATE_H

#include <stdbool.h>

#include "bm_metrics.h"
#include "bm_report.h"

/* The exit status of a failed gate (bm(7)). */
enum { BM_GATE_EXIT = 3 };

/* The most gates of one run. */
#define BM_GATE_MAX 64

typedef struct {
	int metric;   /* BM_M_... */
	double value; /* the threshold */
	bool over;    /* --fail-over: fails above VALUE; else below */
} bm_gate_t;

/* Zeroed: no gates. */
typedef struct {
	bm_gate_t g[BM_GATE_MAX];
	int n;
} bm_gate_list_t;

/* Add the gate ARG, "NAME=VALUE", of --fail-over (OVER) or --fail-under to
 * GL. VALUE is a number as bm_values_parse_num reads one (blanks around it
 * allowed; inf and -inf too, not a number too large for a double). Returns
 * 0; or -1 with bm_errmsg(), a usage error: "--fail-under: expected
 * NAME=VALUE, got 'ARG'", "--fail-under: unknown metric 'NAME'",
 * "--fail-under: not a number: 'VALUE'" (--fail-over for OVER), or "too
 * many --fail-under/--fail-over gates" past BM_GATE_MAX. */
int bm_gate_add(bm_gate_list_t *gl, const char *arg, bool over);

/* Mark in WANTS[BM_M_COUNT] the metrics of GL's gates. */
void bm_gate_want(const bm_gate_list_t *gl, bool *wants);

/* Whether EV has every metric WANTS[BM_M_COUNT] marks (defined or not).
 * Returns 0; or -1 with bm_errmsg() saying why the first absent one is not
 * there: "mse is a regression metric, and the input is classification",
 * "... a classification metric, and the input is regression", "roc_auc is
 * for binary problems; ...", "roc_auc_ovr is for 3 classes or more; ...",
 * "log_loss needs probabilities (p frames), and the input has class ids
 * only". */
int bm_gate_require(const bm_eval_t *ev, const bool *wants);

/* Check every gate of GL against EV, which has their metrics
 * (bm_gate_require). Each failure is one line to WARN ("accuracy 0.632857
 * is under 0.65", the value with DIGITS decimals; "mcc is not defined
 * (why): --fail-under fails"). Returns 0 when every gate holds, else
 * BM_GATE_EXIT. */
int bm_gate_check(const bm_gate_list_t *gl, const bm_eval_t *ev, int digits, bm_report_warn_t *warn);

#endif
