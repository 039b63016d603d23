/* bm_data.h: a labelled data set in memory, as bm-train learns from it.
 *
 * This module owns reading one: x f32 [n, d] and either class ids (labels)
 * or float targets (values [n, k]), from a BMT1 stream of x/y frame pairs
 * (with an optional classes frame, read by bm_names' rule) or from two
 * files of one tensor each (.npy or BMT1); and checking that a data set
 * fits a spec. x is read straight into its array, so loading takes the
 * data's size and little more. NaN and infinite values are errors.
 */
#ifndef BM_DATA_H
#define BM_DATA_H

#include <stdint.h>

#include "bm_names.h"
#include "bm_spec.h"

typedef struct bm_data {
	char *name;         /* where it came from, for messages */
	uint64_t n;         /* rows */
	int d;              /* columns of x */
	float *x;           /* [n, d] */
	int32_t *labels;    /* [n] class ids, or NULL */
	float *values;      /* [n, k] targets, or NULL */
	int k;              /* columns of values (1 for y [n]) */
	int y_ndim;         /* 1 or 2 */
	bm_names_t classes; /* the classes frame's names (n 0: none) */
	int32_t max_label;
} bm_data_t;

/* Read the BMT1 stream PATH (stdin for NULL or "-") of x and y frames into
 * D. Returns 0; or -1 with bm_errmsg() "PATH: frame N: what is wrong" (or
 * "PATH: no rows ..."), D then to be freed with bm_data_free. */
int bm_data_load(bm_data_t *d, const char *path);

/* Read x and y from two files (.npy or BMT1: the first tensor of each that
 * is not a classes frame) into D. Returns 0, or -1 with bm_errmsg() naming
 * the file; D then to be freed with bm_data_free. */
int bm_data_load_pair(bm_data_t *d, const char *xpath, const char *ypath);

/* Release D's memory and leave it empty. */
void bm_data_free(bm_data_t *d);

/* Whether D fits the model of SPEC (completed: bm_spec_complete): its
 * width, the label range, the target width, the loss and target types.
 * Returns 0, or -1 with bm_errmsg() "NAME: what does not fit". */
int bm_data_check(const bm_data_t *d, const bm_spec_t *spec);

#endif
