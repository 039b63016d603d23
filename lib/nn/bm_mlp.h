/* bm_mlp.h: a Keras-style multilayer perceptron: dense layers with an
 * activation, dropout layers, losses; forward and backward passes.
 *
 * Layout (llm.c style): all parameters in one allocation PARAMS, in layer
 * order, each dense layer as torch.nn.Linear stores it: weight [out, in]
 * then bias [out]; the gradients GRADS have the same layout. Activations
 * for up to MAX_BATCH rows are allocated once (bm_mlp_reserve); a training
 * step allocates nothing.
 *
 * A step: bm_mlp_forward(training) -> bm_mlp_loss (loss, accuracy, and the
 * gradient of the loss at the output) -> bm_mlp_zero_grad + bm_mlp_backward
 * -> the optimizer (bm_optim.h). Losses are means over the batch as Keras
 * computes them (sum over classes for cross-entropy, mean over outputs for
 * mse, mae and binary cross-entropy). Softmax + (sparse) categorical
 * cross-entropy and sigmoid + binary cross-entropy are fused and computed
 * from the logits, as Keras and torch do, so they stay finite.
 *
 * Results never depend on the number of threads: every sum is done by one
 * thread in a fixed order. The matrix products take the path bm_cpu() says
 * (bm_gemm.h); the rest is plain C.
 */
#ifndef BM_MLP_H
#define BM_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_gemm.h"
#include "bm_rng.h"
#include "bm_spec.h"

typedef struct {
	bm_layer_kind_t kind;
	bm_act_t act;
	int in, out;      /* widths (equal for dropout) */
	double rate;      /* dropout rate */
	size_t w, b;      /* dense: offsets of weight [out, in] and bias [out] in params */
	int module;       /* index in the equivalent torch.nn.Sequential */
	float *z;         /* dense: pre-activation [max_batch, out] */
	float *a;         /* output [max_batch, out] */
	float *mask;      /* dropout: 0 or 1/(1-rate) [max_batch, out] */
	bm_gemm_packed_t wpack; /* dense, for bm_mlp_predict: the weight, packed */
} bm_layer_t;

typedef struct {
	int nlayers;
	bm_layer_t layers[BM_MAX_LAYERS];
	int input, output; /* widths of x and of the output */
	bm_act_t out_act;  /* activation of the last dense layer */
	size_t nparams;
	float *params, *grads;
	int max_batch;
	float *dlast;      /* gradient at the output [max_batch, output] (of z when fused) */
	bool fused;        /* dlast is the gradient of the last z, not of its activation */
	float *scratch[2]; /* gradient buffers [max_batch, widest] */
	float *act_mem;    /* the one allocation behind the per-layer buffers */
	int threads;
	float *pred_mem;   /* bm_mlp_predict's buffers, for each of THREADS workers */
	int pred_workers;
} bm_mlp_t;

/* Targets of a batch: LABELS (class ids) or VALUES [B, k]. */
typedef struct {
	const int32_t *labels;
	const float *values;
	int k; /* columns of VALUES: the output width, or 1 */
} bm_target_t;

/* A model for SPEC (spec->input and the layers must be set; the last layer
 * dense); parameters zero. NULL with bm_errmsg() on error (no input width,
 * a last layer that is not dense, more than 2^31 parameters, out of
 * memory). */
bm_mlp_t *bm_mlp_new(const bm_spec_t *spec);
/* Release M (NULL is fine). */
void bm_mlp_free(bm_mlp_t *m);
/* Allocate activations for batches of up to N rows. Returns 0, or -1 with
 * bm_errmsg() (batches too large for the model, out of memory). */
int bm_mlp_reserve(bm_mlp_t *m, int n);
/* Threads for the matrix products (1 = none); never changes the results. */
void bm_mlp_set_threads(bm_mlp_t *m, int n);

/* Keras initializers: weights from INIT, biases zero; drawn layer by layer. */
void bm_mlp_init_weights(bm_mlp_t *m, bm_init_t init, bm_rng_t *rng);

/* Forward B rows of X [B, input] (B within bm_mlp_reserve's); returns the
 * output [B, output], in M. TRAINING turns dropout on (masks drawn from
 * RNG). Cannot fail. */
const float *bm_mlp_forward(bm_mlp_t *m, const float *x, int B, bool training, bm_rng_t *rng);

/* Inference: OUT[B, output] = the model applied to X[B, input] (dropout
 * off), for a model whose parameters no longer change. The rows go in
 * blocks of BM_PREDICT_BLOCK to the threads (bm_mlp_set_threads), and a
 * block goes through every layer on one thread while its activations are
 * in cache, through the built-in kernel with the weights packed once (on
 * the first call): a row's output depends on that row alone, never on B,
 * the blocks or the threads. 0, or -1 with bm_errmsg() when out of memory. */
#define BM_PREDICT_BLOCK 96
int bm_mlp_predict(bm_mlp_t *m, const float *x, int B, float *out);
/* What bm_mlp_predict does once, done now: pack the weights, allocate the
 * threads' buffers and start the threads. 0, or -1 with bm_errmsg(). */
int bm_mlp_predict_init(bm_mlp_t *m);

/* Loss of the last forward pass (mean over its B rows), its gradient into
 * m->dlast, and the sum over rows of the accuracy into *ACC (NaN for
 * regression losses). */
double bm_mlp_loss(bm_mlp_t *m, bm_loss_t loss, const bm_target_t *t, int B, double *acc);
/* Whether LOSS has an accuracy. */
bool bm_loss_has_accuracy(bm_loss_t loss);

void bm_mlp_zero_grad(bm_mlp_t *m);
/* Backward from m->dlast through the layers of the last forward pass;
 * gradients are added to m->grads. */
void bm_mlp_backward(bm_mlp_t *m, const float *x, int B);

/* L2 penalty L2 * sum(w^2) over the kernels (not biases); with GRAD, adds
 * its gradient 2 * L2 * w to m->grads. Returns the penalty. */
double bm_mlp_l2(bm_mlp_t *m, double l2, bool grad);

/* ---- the kernels, exposed for the tests ---- */

/* out[B,O] = inp[B,I] @ w[O,I]^T + b[O] */
void bm_dense_forward(float *out, const float *inp, const float *w, const float *b, int B, int I, int O, int threads);
/* dinp[B,I] = dout[B,O] @ w[O,I] (skipped if NULL); dw[O,I] += dout^T @ inp; db[O] += sum over B of dout */
void bm_dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w, int B,
                       int I, int O, int threads);
/* out[B,C] = act(z[B,C]) (softmax over each row of C) */
void bm_act_forward(bm_act_t act, float *out, const float *z, int B, int C);
/* dz[B,C] = dout through act, given z and out = act(z) */
void bm_act_backward(bm_act_t act, float *dz, const float *dout, const float *z, const float *out, int B, int C);

#endif
