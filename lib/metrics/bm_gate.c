/* bm_gate.c: gates on metrics and the metrics a run asks for (see
 * bm_gate.h). */
#include "config.h"

#include "bm_gate.h"

#include <math.h>
#include <string.h>

#include "bm_err.h"
#include "bm_values.h"

int bm_gate_add(bm_gate_list_t *gl, const char *arg, bool over)
{
	const char *opt = over ? "--fail-over" : "--fail-under";
	if (gl->n == BM_GATE_MAX) {
		bm_seterr("too many --fail-under/--fail-over gates");
		return -1;
	}
	const char *eq = strchr(arg, '=');
	if (!eq) {
		bm_seterr("%s: expected NAME=VALUE, got '%s'", opt, arg);
		return -1;
	}
	char name[64];
	size_t len = (size_t)(eq - arg);
	if (len >= sizeof name)
		len = sizeof name - 1;
	memcpy(name, arg, len);
	name[len] = '\0';
	int m = bm_metric_parse(name);
	if (m < 0) {
		bm_seterr("%s: unknown metric '%s'", opt, name);
		return -1;
	}
	const char *num = eq + 1;
	double v;
	/* an infinity only as written: a number too large is not one */
	if (!bm_values_parse_num(num, strlen(num), &v, NULL) || (isinf(v) && strpbrk(num, "0123456789"))) {
		bm_seterr("%s: not a number: '%s'", opt, num);
		return -1;
	}
	gl->g[gl->n++] = (bm_gate_t){m, v, over};
	return 0;
}

void bm_gate_want(const bm_gate_list_t *gl, bool *wants)
{
	for (int i = 0; i < gl->n; i++)
		wants[gl->g[i].metric] = true;
}

int bm_gate_require(const bm_eval_t *ev, const bool *wants)
{
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (!wants[m] || ev->state[m] != BM_ABSENT)
			continue;
		const char *name = bm_metric_name(m);
		if (bm_metric_needs(m) == BM_NEEDS_REGRESSION)
			bm_seterr("%s is a regression metric, and the input is classification", name);
		else if (ev->regression)
			bm_seterr("%s is a classification metric, and the input is regression", name);
		else if (m == BM_M_ROC_AUC && ev->state[BM_M_ROC_AUC_OVR] != BM_ABSENT)
			bm_seterr("roc_auc is for binary problems; this one has %zu classes: use roc_auc_ovr",
				  ev->topk_classes);
		else if (m == BM_M_ROC_AUC_OVR && ev->state[BM_M_ROC_AUC] != BM_ABSENT)
			bm_seterr("roc_auc_ovr is for 3 classes or more; this problem is binary: use roc_auc");
		else
			bm_seterr("%s needs probabilities (p frames), and the input has class ids only", name);
		return -1;
	}
	return 0;
}

int bm_gate_check(const bm_gate_list_t *gl, const bm_eval_t *ev, int digits, bm_report_warn_t *warn)
{
	int status = 0;
	for (int i = 0; i < gl->n; i++) {
		const bm_gate_t *g = &gl->g[i];
		double v = ev->value[g->metric];
		const char *name = bm_metric_name(g->metric);
		if (ev->state[g->metric] == BM_UNDEFINED) {
			warn("%s is not defined (%s): --fail-%s fails", name, ev->why[g->metric],
			     g->over ? "over" : "under");
			status = BM_GATE_EXIT;
		} else if (g->over ? v > g->value : v < g->value) {
			warn("%s %.*f is %s %g", name, digits, v, g->over ? "above" : "under", g->value);
			status = BM_GATE_EXIT;
		}
	}
	return status;
}
