/* bm_chart.h: bm-report's charts, each one SVG document (bm_svg).
 *
 * Every curve is one <path class="curve">, every confusion cell one
 * <rect class="cell">, every bar one <rect class="bar">; the exact value
 * of a cell or bar is in its <title> (shortest round-trip form, as bm-eval
 * -f json prints it), the drawn labels are rounded.
 */
#ifndef BM_CHART_H
#define BM_CHART_H

#include "bm_rinput.h"
#include "bm_svg.h"

/* Learning curves of H: METRIC ("loss" or "accuracy") and val_METRIC per
 * epoch, the best epoch (lowest val_loss, else lowest loss) marked. Returns
 * 0, or 1 when H has no column METRIC (no chart). */
int bm_chart_history(bm_svg_t *s, const bm_hist_t *h, const char *metric, const char *title);
/* The learning rate per epoch; 1 (no chart) when it never changes. */
int bm_chart_lr(bm_svg_t *s, const bm_hist_t *h, const char *title);
/* The confusion matrix of C as a heat map: counts and row shares. */
void bm_chart_confusion(bm_svg_t *s, const bm_cls_t *c, const char *title);
/* Per-class precision, recall and F1 bars of C. */
void bm_chart_bars(bm_svg_t *s, const bm_cls_t *c, const char *title);

#endif
