/* bm_rinput.h: bm-report's inputs, parsed from memory: bm-train's
 * --history TSV and bm-eval's -f json (or a prediction stream, through
 * bm_eval_run), into the tables the charts draw.
 *
 * Errors are one line in bm_errmsg(): "NAME:LINE: what" for the history,
 * "NAME: what" (with json's "byte N") for the json.
 *
 * Limits: a history of at most BM_HIST_MAX_COLS columns and
 * BM_HIST_MAX_ROWS epochs; a json of at most BM_MAX_CLASSES classes (as
 * bm-eval); each file at most BM_RINPUT_MAX bytes.
 */
#ifndef BM_RINPUT_H
#define BM_RINPUT_H

#include <stddef.h>
#include <stdint.h>

#include "bm_metrics.h"

#define BM_HIST_MAX_COLS 64
#define BM_HIST_MAX_ROWS 1000000
#define BM_RINPUT_MAX ((size_t)256 << 20)

typedef struct {
	size_t ncols, nrows;
	char **names; /* [ncols] */
	double *v;    /* [nrows * ncols], row-major */
} bm_hist_t;

/* Parse TEXT (LEN bytes, named NAME) as a history: a header whose first
 * column is "epoch", then rows of as many numbers. Returns 0, H to be freed
 * with bm_hist_free; or -1 with bm_errmsg(), H empty. */
int bm_hist_parse(const char *text, size_t len, const char *name, bm_hist_t *h);
void bm_hist_free(bm_hist_t *h);
/* The index of column COL in H, or -1. */
int bm_hist_col(const bm_hist_t *h, const char *col);

/* A classification result as the charts need it. */
typedef struct {
	uint64_t rows;
	double accuracy; /* NaN when absent */
	size_t k;
	char **names;                  /* [k] */
	uint64_t *cm;                  /* [k * k], row = truth */
	double *precision, *recall, *f1; /* [k] */
	uint64_t *support;             /* [k] */
} bm_cls_t;

/* Parse TEXT (LEN bytes, named NAME) as bm-eval -f json of a
 * classification. Returns 0, C to be freed with bm_cls_free; or -1. */
int bm_cls_parse_json(const char *text, size_t len, const char *name, bm_cls_t *c);
/* Copy the classification result EV into C. Returns 0, or -1 when EV is a
 * regression ("NAME: ..."). */
int bm_cls_from_eval(const bm_eval_t *ev, const char *name, bm_cls_t *c);
void bm_cls_free(bm_cls_t *c);

#endif
