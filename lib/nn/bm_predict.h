/* bm_predict.h: a model applied to a tensor stream, as bm-predict does it.
 *
 * This module owns the prediction of a stream: the model's class names
 * first (a classes frame, or the CSV header), then for each x frame a p
 * frame (probabilities or regression outputs) or a pred frame (--argmax:
 * i32 class ids), or CSV rows; y and other frames pass through (the CSV
 * output drops them). x is read a batch at a time, so memory is one batch
 * whatever the frame's size, and a row's output depends on that row alone
 * (bm_mlp_predict), never on the batch size or the threads.
 */
#ifndef BM_PREDICT_H
#define BM_PREDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "bm_io.h"
#include "bm_mlp.h"
#include "bm_names.h"
#include "bm_spec.h"
#include "bm_stream.h"

/* Rows read at a time by default: enough blocks (BM_PREDICT_BLOCK rows
 * each) for the threads that waking them is amortized. */
#define BM_PREDICT_BATCH 4096

typedef struct {
	/* the model (bm_predict_open) */
	bm_mlp_t *m;
	bm_spec_t spec;
	bm_names_t classes; /* the model's class names (n 0: none) */
	int y_ndim;         /* rank of the training targets: p is [n] for 1 and one output */
	bool classifier;    /* a softmax output or a classification loss: --argmax applies */
	bool binary;        /* one sigmoid output: pred = p > 0.5 */
	/* what to write, set before bm_predict_run */
	bool argmax;        /* pred (class ids) instead of p */
	bool csv;           /* CSV text instead of a tensor stream */
	int batch_size;     /* rows read at a time */
	/* counted by bm_predict_run, for --stats */
	uint64_t rows;
	double forward_s;   /* seconds in forward passes */
	/* bm_predict_run's buffers */
	float *xbuf;        /* [batch_size, input]: the batch */
	double *dbuf;       /* [batch_size, input]: an f64 batch, before conversion */
	float *obuf;        /* [batch_size, output]: its outputs */
	int32_t *pred;      /* [batch_size] */
} bm_predict_t;

/* Load the bm model file MODEL into P for predictions on THREADS threads
 * (weights packed, threads started), P's settings then at their defaults
 * (p, tensor stream, BM_PREDICT_BATCH rows). Returns 0; or -1 with bm_errmsg()
 * (bm_model_load's errors), P then to be closed with bm_predict_close. */
int bm_predict_open(bm_predict_t *p, const char *model, int threads);

/* Predict the stream R into OUT: the head (the model's classes frame, or
 * the CSV header), then every frame of R. Returns 0; or -1 with bm_errmsg()
 * "NAME: frame N: what is wrong" (an x frame that is not f32 or f64 [n, d],
 * of another width than the model's; a classes frame whose names differ
 * from the model's), a read or write error, or "out of memory". OUT is left
 * for the caller to commit or abort. */
int bm_predict_run(bm_predict_t *p, bm_reader_t *r, bm_out_t *out);

/* Release P's model and buffers. */
void bm_predict_close(bm_predict_t *p);

#endif
