/* bm_train.h: bm-train's training loop (Keras model.fit) and checkpoints.
 *
 * bm_fit() trains a model on a data set (bm_data.h): shuffling every epoch
 * from the spec's seed, mini-batches gathered into one contiguous buffer,
 * validation, per-epoch lines, history, early stopping, checkpoints and
 * resume. Same data, spec and seed give the same bytes for any number of
 * threads, on one CPU path (bm_cpu.h).
 */
#ifndef BM_TRAIN_H
#define BM_TRAIN_H

#include "bm_data.h"
#include "bm_mlp.h"
#include "bm_spec.h"

typedef struct {
	int verbose;              /* 0: silent; 1: a line per epoch; 2: and a progress bar */
	int threads;
	const char *checkpoint;   /* path; "{epoch}" in it is replaced by the epoch number */
	const char *resume;       /* checkpoint to continue from */
	const char *initial;      /* initial weights (safetensors) instead of the initializer */
	const char *history;      /* TSV path */
	const bm_data_t *validation; /* a separate validation set, or NULL */
} bm_fit_opts_t;

/* Train: build the model for SPEC (completed: bm_spec_complete), train it
 * on D, and return it with its final weights in m->params. NULL with
 * bm_errmsg() on failure: a NaN or infinite loss (naming the epoch and
 * batch), a validation split that leaves no rows, a bad checkpoint or
 * initial weights file, a failed write of a checkpoint or the history. */
bm_mlp_t *bm_fit(const bm_spec_t *spec, const bm_data_t *d, const bm_fit_opts_t *o);

/* Read the spec stored in the checkpoint PATH into SPEC (for --resume).
 * Returns 0, or -1 with bm_errmsg() "PATH: not a bm-train checkpoint" or
 * the spec's error. */
int bm_checkpoint_spec(const char *path, bm_spec_t *spec);

#endif
