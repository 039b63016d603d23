/* bm_train.h: bm-train's data and training loop (Keras model.fit).
 *
 * bm_data_t holds a labelled data set in memory: x f32 [n, d] and either
 * class ids (labels) or float targets (values [n, k]), read from a BMT1
 * stream of x/y frame pairs or from a .npy pair.
 *
 * bm_fit() trains a model on it: shuffling every epoch from the spec's
 * seed, mini-batches gathered into one contiguous buffer, validation,
 * per-epoch lines, history, early stopping, checkpoints and resume. Same
 * data, spec and seed give the same bytes for any number of threads.
 */
#ifndef BM_TRAIN_H
#define BM_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_mlp.h"
#include "bm_model.h"
#include "bm_optim.h"
#include "bm_rng.h"
#include "bm_spec.h"

typedef struct {
	char *name;       /* where it came from, for messages */
	uint64_t n;       /* rows */
	int d;            /* columns of x */
	float *x;         /* [n, d] */
	int32_t *labels;  /* [n] class ids, or NULL */
	float *values;    /* [n, k] targets, or NULL */
	int k;            /* columns of values (1 for y [n]) */
	int y_ndim;       /* 1 or 2 */
	char *classes;    /* class names joined by '\n' (NULL if none) */
	int nclasses;     /* names in classes */
	int32_t max_label;
} bm_data_t;

/* Read a BMT1 stream (or stdin for NULL/"-") of x and y frames. 0, or -1
 * with bm_errmsg() "FILE: what is wrong". */
int bm_data_load(bm_data_t *d, const char *path);
/* Read x and y from two files (.npy or BMT1, the first frame of each). */
int bm_data_load_pair(bm_data_t *d, const char *xpath, const char *ypath);
void bm_data_free(bm_data_t *d);

/* Complete SPEC for data D: input width, the default layers
 * (64:relu,64:relu + output), the loss when auto; then check that the data
 * fit the model (label range, target width, loss and target types). */
int bm_spec_complete(bm_spec_t *spec, const bm_data_t *d);
int bm_data_check(const bm_data_t *d, const bm_spec_t *spec);

typedef struct {
	int verbose;              /* 0: silent; 1: a line per epoch; 2: and a progress bar */
	int threads;
	const char *checkpoint;   /* path; "{epoch}" in it is replaced by the epoch number */
	const char *resume;       /* checkpoint to continue from */
	const char *initial;      /* initial weights (safetensors) instead of the initializer */
	const char *history;      /* TSV path */
	const bm_data_t *validation; /* a separate validation set, or NULL */
} bm_fit_opts_t;

/* Train: build the model for SPEC (completed), train on D, and return it,
 * with its final weights in m->params; NULL with bm_errmsg() on failure
 * (a NaN loss names the epoch and batch). */
bm_mlp_t *bm_fit(const bm_spec_t *spec, const bm_data_t *d, const bm_fit_opts_t *o);

/* Read the spec stored in checkpoint PATH into SPEC (for --resume). */
int bm_checkpoint_spec(const char *path, bm_spec_t *spec);

#endif
