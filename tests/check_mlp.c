/* check_mlp.c: unit tests of the MLP (gradient checks by finite differences
 * for every layer, activation and loss), every CPU path against the plain
 * one, the optimizers, schedules, the spec parser, the JSON reader,
 * safetensors and the RNG. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_io.h"
#include "bm_json.h"
#include "bm_mlp.h"
#include "bm_model.h"
#include "bm_optim.h"
#include "bm_rng.h"
#include "bm_safetensors.h"
#include "bm_spec.h"
#include "check_main.h"
#include "check_paths.h"

#define B 5
#define IN 6

typedef struct {
	bm_mlp_t *m;
	bm_loss_t loss;
	float x[B * IN];
	int32_t labels[B];
	float values[B * 8];
	bm_target_t t;
	double l2;
	uint64_t seed; /* dropout masks: the same for every evaluation */
} gc_t;

static double total_loss(gc_t *g, bool grad)
{
	bm_rng_t rng;
	bm_rng_seed(&rng, g->seed);
	bm_mlp_forward(g->m, g->x, B, true, &rng);
	double l = bm_mlp_loss(g->m, g->loss, &g->t, B, NULL);
	if (grad) {
		bm_mlp_zero_grad(g->m);
		l += bm_mlp_l2(g->m, g->l2, true);
		bm_mlp_backward(g->m, g->x, B);
	} else {
		l += bm_mlp_l2(g->m, g->l2, false);
	}
	return l;
}

/* Build LAYERS, fill data for LOSS, compare the gradient with central differences. */
static void gradcheck(const char *layers, bm_loss_t loss, bool use_labels, double l2)
{
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, layers), 0);
	s.input = IN;
	gc_t g = {0};
	g.m = bm_mlp_new(&s);
	ck_assert_ptr_nonnull(g.m);
	ck_assert_int_eq(bm_mlp_reserve(g.m, B), 0);
	g.loss = loss;
	g.l2 = l2;
	g.seed = 7;
	bm_rng_t rng;
	bm_rng_seed(&rng, 42);
	bm_mlp_init_weights(g.m, BM_INIT_GLOROT_UNIFORM, &rng);
	for (size_t i = 0; i < g.m->nparams; i++) /* nonzero biases too */
		g.m->params[i] += (float)(0.2 * (bm_rng_double(&rng) - 0.5));
	for (int i = 0; i < B * IN; i++)
		g.x[i] = (float)(2 * bm_rng_double(&rng) - 1);
	int k = g.m->output;
	for (int r = 0; r < B; r++) {
		g.labels[r] = (int32_t)bm_rng_below(&rng, (uint64_t)(loss == BM_LOSS_BCE ? 2 : k));
		double sum = 0;
		for (int j = 0; j < k; j++) {
			double v = loss == BM_LOSS_BCE ? (bm_rng_double(&rng) < 0.5) : bm_rng_double(&rng) + 0.1;
			g.values[r * k + j] = (float)v;
			sum += v;
		}
		if (loss == BM_LOSS_CE)
			for (int j = 0; j < k; j++)
				g.values[r * k + j] /= (float)sum;
		if (loss == BM_LOSS_MSE || loss == BM_LOSS_MAE)
			for (int j = 0; j < k; j++)
				g.values[r * k + j] = (float)(4 * bm_rng_double(&rng) - 2);
	}
	g.t = (bm_target_t){use_labels ? g.labels : NULL, use_labels ? NULL : g.values, k};
	total_loss(&g, true);
	float *grad = malloc(g.m->nparams * sizeof *grad);
	memcpy(grad, g.m->grads, g.m->nparams * sizeof *grad);
	double worst = 0;
	size_t worst_i = 0;
	for (size_t i = 0; i < g.m->nparams; i++) {
		float w = g.m->params[i];
		const float h = 1e-2f;
		g.m->params[i] = w + h;
		double lp = total_loss(&g, false);
		g.m->params[i] = w - h;
		double lm = total_loss(&g, false);
		g.m->params[i] = w;
		double num = (lp - lm) / (2.0 * h);
		double err = fabs(num - grad[i]) / (fabs(num) + fabs(grad[i]) + 1e-2);
		if (err > worst) {
			worst = err;
			worst_i = i;
		}
	}
	if (worst > 2e-2)
		ck_abort_msg("%s / %s: gradient of parameter %zu off by %.3g (relative)", layers, bm_loss_name(loss), worst_i,
		             worst);
	free(grad);
	bm_mlp_free(g.m);
}

START_TEST(grad_activations)
{
	static const char *acts[] = {"linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax"};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		char layers[64];
		snprintf(layers, sizeof layers, "7:%s,3:linear", acts[i]);
		gradcheck(layers, BM_LOSS_MSE, false, 0);
	}
}
END_TEST

START_TEST(grad_losses)
{
	gradcheck("5:tanh,4:softmax", BM_LOSS_SPARSE_CE, true, 0);     /* fused */
	gradcheck("5:tanh,4:sigmoid", BM_LOSS_SPARSE_CE, true, 0);     /* from probabilities */
	gradcheck("5:tanh,4:softmax", BM_LOSS_CE, false, 0);           /* fused */
	gradcheck("5:tanh,4:sigmoid", BM_LOSS_CE, false, 0);           /* normalized + clipped */
	gradcheck("5:tanh,1:sigmoid", BM_LOSS_BCE, true, 0);           /* fused, labels */
	gradcheck("5:tanh,3:sigmoid", BM_LOSS_BCE, false, 0);          /* fused, multi-label */
	gradcheck("5:tanh,3:softmax", BM_LOSS_BCE, false, 0);          /* from probabilities */
	gradcheck("5:elu,2:linear", BM_LOSS_MSE, false, 0);
	gradcheck("5:elu,2:linear", BM_LOSS_MAE, false, 0);
	gradcheck("5:elu,1:linear", BM_LOSS_MSE, true, 0);             /* class ids as numbers */
}
END_TEST

START_TEST(grad_dropout_l2)
{
	gradcheck("8:relu,dropout:0.3,6:tanh,dropout:0.5,3:softmax", BM_LOSS_SPARSE_CE, true, 0);
	gradcheck("8:gelu,4:softmax", BM_LOSS_SPARSE_CE, true, 0.01);
	gradcheck("dropout:0.2,4:linear", BM_LOSS_MSE, false, 0); /* dropout on the input */
}
END_TEST

START_TEST(forward_inference_no_dropout)
{
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "dropout:0.5,2:linear"), 0);
	s.input = 2;
	bm_mlp_t *m = bm_mlp_new(&s);
	ck_assert_int_eq(bm_mlp_reserve(m, 1), 0);
	/* module indices: Dropout 0, Linear 1 */
	ck_assert_int_eq(m->layers[1].module, 1);
	float w[] = {1, 2, 3, 4, 0.5f, -0.5f};
	memcpy(m->params, w, sizeof w);
	float x[] = {1, 1};
	const float *o = bm_mlp_forward(m, x, 1, false, NULL);
	ck_assert_float_eq(o[0], 3.5f);
	ck_assert_float_eq(o[1], 6.5f);
	bm_mlp_free(m);
}
END_TEST

/* bm_mlp_predict: a row's output is the same bytes whatever the number of
 * rows and threads (blocks of BM_PREDICT_BLOCK rows shared out), and
 * agrees with bm_mlp_forward. */
START_TEST(predict_rows_independent)
{
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "40:relu,dropout:0.3,17:tanh,3:softmax"), 0);
	s.input = 30;
	bm_mlp_t *m = bm_mlp_new(&s);
	bm_rng_t rng;
	bm_rng_seed(&rng, 3);
	bm_mlp_init_weights(m, BM_INIT_GLOROT_UNIFORM, &rng);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] += 0.01f * (float)(i % 7); /* biases not zero */
	enum { N = 3 * BM_PREDICT_BLOCK + 5 };
	float *x = malloc(N * 30 * sizeof(float)), *all = malloc(N * 3 * sizeof(float)), one[3];
	for (int i = 0; i < N * 30; i++)
		x[i] = (float)bm_rng_double(&rng) * 2 - 1;
	ck_assert_int_eq(bm_mlp_reserve(m, N), 0);
	const float *f = bm_mlp_forward(m, x, N, false, NULL);
	for (int threads = 1; threads <= 3; threads++) {
		bm_mlp_set_threads(m, threads);
		ck_assert_int_eq(bm_mlp_predict(m, x, N, all), 0);
		for (int r = 0; r < N; r++) {
			ck_assert_int_eq(bm_mlp_predict(m, x + r * 30, 1, one), 0);
			ck_assert_msg(memcmp(one, all + r * 3, sizeof one) == 0, "row %d, %d threads", r, threads);
			for (int j = 0; j < 3; j++)
				ck_assert_float_eq_tol(all[r * 3 + j], f[r * 3 + j], 1e-6f);
		}
	}
	free(x);
	free(all);
	bm_mlp_free(m);
}
END_TEST

START_TEST(kernels_threads_identical)
{
	enum { R = 70, I = 700, O = 90 }; /* above the threads threshold (1 << 22) */
	float *x = malloc(R * I * 4), *w = malloc(O * I * 4), *b = malloc(O * 4), *o1 = malloc(R * O * 4),
	      *o2 = malloc(R * O * 4), *dw1 = calloc(O * I, 4), *dw2 = calloc(O * I, 4), *db1 = calloc(O, 4),
	      *db2 = calloc(O, 4), *di1 = malloc(R * I * 4), *di2 = malloc(R * I * 4);
	bm_rng_t r;
	bm_rng_seed(&r, 1);
	for (int i = 0; i < R * I; i++)
		x[i] = bm_rng_float(&r) - 0.5f;
	for (int i = 0; i < O * I; i++)
		w[i] = bm_rng_float(&r) - 0.5f;
	for (int i = 0; i < O; i++)
		b[i] = bm_rng_float(&r);
	bm_dense_forward(o1, x, w, b, R, I, O, 1);
	bm_dense_forward(o2, x, w, b, R, I, O, 3);
	ck_assert_int_eq(memcmp(o1, o2, R * O * 4), 0);
	/* against a double-precision product */
	for (int i = 0; i < R; i++)
		for (int j = 0; j < O; j++) {
			double s = b[j];
			for (int k = 0; k < I; k++)
				s += (double)x[i * I + k] * w[j * I + k];
			ck_assert(fabs(s - o1[i * O + j]) < 1e-4);
		}
	bm_dense_backward(di1, dw1, db1, o1, x, w, R, I, O, 1);
	bm_dense_backward(di2, dw2, db2, o1, x, w, R, I, O, 4);
	ck_assert_int_eq(memcmp(dw1, dw2, O * I * 4), 0);
	ck_assert_int_eq(memcmp(db1, db2, O * 4), 0);
	ck_assert_int_eq(memcmp(di1, di2, R * I * 4), 0);
	free(x), free(w), free(b), free(o1), free(o2), free(dw1), free(dw2), free(db1), free(db2), free(di1), free(di2);
}
END_TEST

START_TEST(loss_values)
{
	/* softmax + sparse CE of uniform logits is log(k); accuracy counts argmax */
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "4:softmax"), 0);
	s.input = 1;
	bm_mlp_t *m = bm_mlp_new(&s);
	bm_mlp_reserve(m, 2);
	float x[2] = {1, 1};
	int32_t y[2] = {0, 3};
	bm_mlp_forward(m, x, 2, false, NULL);
	bm_target_t t = {y, NULL, 1};
	double acc;
	double l = bm_mlp_loss(m, BM_LOSS_SPARSE_CE, &t, 2, &acc);
	ck_assert(fabs(l - log(4.0)) < 1e-6);
	ck_assert(acc == 1.0); /* ties go to the first class: row 0 right, row 1 wrong */
	/* huge logits stay finite */
	m->params[4] = 1e4f; /* bias of class 0 */
	bm_mlp_forward(m, x, 2, false, NULL);
	l = bm_mlp_loss(m, BM_LOSS_SPARSE_CE, &t, 2, &acc);
	ck_assert(isfinite(l) && fabs(l - 5000.0) < 1.0);
	bm_mlp_free(m);
}
END_TEST

START_TEST(optimizers)
{
	bm_spec_t s;
	bm_spec_init(&s);
	float w[2] = {1.0f, -2.0f}, g[2] = {0.5f, -0.25f};
	bm_optim_t *o = bm_optim_new(&s, 2);
	bm_optim_step(o, w, g, 0.001);
	/* Adam's first step is lr * sign(g), up to epsilon */
	ck_assert(fabs(w[0] - (1.0 - 0.001)) < 1e-6);
	ck_assert(fabs(w[1] - (-2.0 + 0.001)) < 1e-6);
	bm_optim_free(o);
	ck_assert_int_eq(bm_spec_set(&s, "optimizer", "sgd"), 0);
	ck_assert_int_eq(bm_spec_set(&s, "momentum", "0.9"), 0);
	o = bm_optim_new(&s, 2);
	w[0] = 1;
	bm_optim_step(o, w, g, 0.1); /* u = -0.05; w = 0.95 */
	ck_assert(fabs(w[0] - 0.95) < 1e-7);
	bm_optim_step(o, w, g, 0.1); /* u = 0.9 * -0.05 - 0.05 = -0.095 */
	ck_assert(fabs(w[0] - 0.855) < 1e-6);
	bm_optim_free(o);
	/* schedules */
	bm_spec_init(&s);
	ck_assert(bm_schedule_lr(&s, 5, 100, 1000) == 0.001);
	bm_spec_set(&s, "schedule", "step");
	bm_spec_set(&s, "step_epochs", "2");
	bm_spec_set(&s, "gamma", "0.5");
	ck_assert(fabs(bm_schedule_lr(&s, 5, 0, 0) - 0.001 * 0.25) < 1e-12);
	bm_spec_set(&s, "schedule", "cosine");
	ck_assert(fabs(bm_schedule_lr(&s, 0, 500, 1000) - 0.0005) < 1e-12);
	ck_assert(fabs(bm_schedule_lr(&s, 0, 1000, 1000)) < 1e-12);
	/* clipping */
	float c[2] = {3, 4};
	ck_assert(fabs(bm_clip_norm(c, 2, 1.0) - 5.0) < 1e-9);
	ck_assert(fabs(c[0] - 0.6f) < 1e-7 && fabs(c[1] - 0.8f) < 1e-7);
}
END_TEST

/* Adam over 8 + 8 + 1 parameters: the vector pass takes the first 16, the
 * scalar loop the last; the same inputs give the same bytes either way. */
START_TEST(adam_vector_and_scalar_agree)
{
	bm_spec_t s;
	bm_spec_init(&s);
	enum { N = 17 };
	float w[N], g[N];
	for (int i = 0; i < N; i++) {
		w[i] = 0.1f * (float)(i % 8) - 0.3f;
		g[i] = 0.37f * (float)((i * 5) % 8) - 1.1f;
	}
	bm_optim_t *o = bm_optim_new(&s, N);
	for (int step = 0; step < 50; step++) {
		for (int i = 0; i < N; i++) /* gradients that move, identical in lanes 0, 8 and 16 */
			g[i] = g[i] * 0.9f + 0.01f * w[i];
		bm_optim_step(o, w, g, 0.01);
	}
	ck_assert_msg(memcmp(&w[0], &w[16], sizeof(float)) == 0 && memcmp(&w[0], &w[8], sizeof(float)) == 0,
	              "w: %.9g %.9g %.9g", w[0], w[8], w[16]);
	ck_assert(memcmp(&o->m[0], &o->m[16], sizeof(float)) == 0 && memcmp(&o->v[0], &o->v[16], sizeof(float)) == 0);
	bm_optim_free(o);
}
END_TEST

/* Every path against the plain one (BM_CPU=generic): the outputs of a
 * forward pass, the gradients of a backward pass and bm_mlp_predict's
 * outputs agree to 1e-5 (1 + |x|) (the products sum in blocks, in float,
 * with FMA on avx2; the plain loop in double); Adam gives the same bytes
 * on every path (no FMA in it). */
START_TEST(paths_agree_with_generic)
{
	enum { N = 37, D = 20, K = 3, P = 64 };
	float *x = malloc(N * D * sizeof(float)), out[N * K], pred[N * K], ref_out[N * K], ref_pred[N * K];
	float *grad = NULL, *ref_grad = NULL, w[P], g[P], ref_w[P];
	int32_t labels[N];
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "32:relu,16:tanh,3:softmax"), 0);
	s.input = D;
	for (int l = 0; l < npaths(); l++) {
		use_path(l);
		bm_rng_t rng;
		bm_rng_seed(&rng, 9);
		bm_mlp_t *m = bm_mlp_new(&s);
		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(bm_mlp_reserve(m, N), 0);
		bm_mlp_init_weights(m, BM_INIT_GLOROT_UNIFORM, &rng);
		for (int i = 0; i < N * D; i++)
			x[i] = (float)bm_rng_double(&rng) * 2 - 1;
		for (int i = 0; i < N; i++)
			labels[i] = (int32_t)bm_rng_below(&rng, K);
		memcpy(out, bm_mlp_forward(m, x, N, false, NULL), sizeof out);
		bm_target_t t = {labels, NULL, K};
		bm_mlp_loss(m, BM_LOSS_SPARSE_CE, &t, N, NULL);
		bm_mlp_zero_grad(m);
		bm_mlp_backward(m, x, N);
		ck_assert_int_eq(bm_mlp_predict(m, x, N, pred), 0);
		if (!grad) {
			grad = malloc(m->nparams * sizeof *grad);
			ref_grad = malloc(m->nparams * sizeof *ref_grad);
		}
		memcpy(l ? grad : ref_grad, m->grads, m->nparams * sizeof *grad);
		if (l == 0) {
			memcpy(ref_out, out, sizeof out);
			memcpy(ref_pred, pred, sizeof pred);
		}
		for (int i = 0; i < N * K && l > 0; i++) {
			ck_assert_msg(fabsf(out[i] - ref_out[i]) <= 1e-5f * (1 + fabsf(ref_out[i])), "%s: forward [%d]",
			              bm_cpu_name(l), i);
			ck_assert_msg(fabsf(pred[i] - ref_pred[i]) <= 1e-5f * (1 + fabsf(ref_pred[i])), "%s: predict [%d]",
			              bm_cpu_name(l), i);
		}
		for (size_t i = 0; i < m->nparams && l > 0; i++)
			ck_assert_msg(fabsf(grad[i] - ref_grad[i]) <= 1e-5f * (1 + fabsf(ref_grad[i])), "%s: grad [%zu]",
			              bm_cpu_name(l), i);
		bm_mlp_free(m);
		/* Adam, vector and scalar */
		for (int i = 0; i < P; i++) {
			w[i] = 0.1f * (float)(i % 9) - 0.4f;
			g[i] = 0.37f * (float)((i * 5) % 11) - 1.9f;
		}
		bm_optim_t *o = bm_optim_new(&s, P);
		for (int step = 0; step < 20; step++) {
			for (int i = 0; i < P; i++)
				g[i] = g[i] * 0.9f + 0.01f * w[i];
			bm_optim_step(o, w, g, 0.01);
		}
		bm_optim_free(o);
		if (l == 0)
			memcpy(ref_w, w, sizeof w);
		ck_assert_msg(memcmp(w, ref_w, sizeof w) == 0, "%s: Adam differs from generic", bm_cpu_name(l));
	}
	free(x);
	free(grad);
	free(ref_grad);
}
END_TEST

START_TEST(spec_parsing)
{
	bm_spec_t s;
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "64:relu,dropout:0.2,10:softmax"), 0);
	ck_assert_int_eq(s.nlayers, 3);
	ck_assert_int_eq(s.layers[1].kind, BM_LAYER_DROPOUT);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "64:rleu"), -1);
	ck_assert_str_eq(bm_errmsg(),
	                 "unknown activation 'rleu' (known: linear, relu, leaky_relu, elu, gelu, sigmoid, tanh, softmax)");
	ck_assert_int_eq(bm_spec_parse_layers(&s, "0:relu"), -1);
	ck_assert_str_eq(bm_errmsg(), "layer '0:relu': a layer of size 0");
	ck_assert_int_eq(bm_spec_parse_layers(&s, "dropout:1"), -1);
	ck_assert_int_eq(bm_spec_parse_layers(&s, "64:relu,,3"), -1);
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "x"), -1);
	ck_assert_int_eq(bm_spec_set(&s, "nope", "1"), -1);
	ck_assert_str_eq(bm_errmsg(), "unknown option 'nope'");
	/* numbers: bm_values_parse_num's (decimal, blanks around allowed) */
	ck_assert_int_eq(bm_spec_set(&s, "momentum", " 0.25 "), 0);
	ck_assert(s.momentum == 0.25);
	ck_assert_int_eq(bm_spec_set(&s, "momentum", "0x1p-3"), -1);
	ck_assert_str_eq(bm_errmsg(), "'0x1p-3' is not a number");
	ck_assert_int_eq(bm_spec_set(&s, "momentum", "1e400"), -1);
	ck_assert_str_eq(bm_errmsg(), "'1e400' is not a number");
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "+7"), 0);
	ck_assert_int_eq(s.epochs, 7);
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "7.0"), -1);
	ck_assert_str_eq(bm_errmsg(), "'7.0' is not an integer");
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "1e3"), -1);
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "99999999999999999999"), -1);
	ck_assert_str_eq(bm_errmsg(), "'99999999999999999999' is not an integer");
	ck_assert_int_eq(bm_spec_set(&s, "epochs", "-1"), -1);
	ck_assert_str_eq(bm_errmsg(), "-1 is out of range [0, 1000000]");

	const char *y = "epochs: 3\nlayers:\n  - {units: 8, activation: tanh}\n  - dropout: 0.1\n  - 2:softmax\n";
	bm_spec_init(&s);
	ck_assert_int_eq(bm_spec_load_yaml_text(&s, "a.yaml", y, strlen(y)), 0);
	ck_assert_int_eq(s.epochs, 3);
	ck_assert_int_eq(s.nlayers, 3);
	ck_assert_int_eq(s.layers[2].units, 2);
	const char *bad = "epochs: 3\nlayers:\n  - {units: 8, activation: tanhh}\n";
	ck_assert_int_eq(bm_spec_load_yaml_text(&s, "a.yaml", bad, strlen(bad)), -1);
	ck_assert_str_eq(bm_errmsg(), "a.yaml:3:28: unknown activation 'tanhh' (known: linear, relu, leaky_relu, elu, "
	                              "gelu, sigmoid, tanh, softmax)");
	const char *syntax = "epochs: [3\n";
	ck_assert_int_eq(bm_spec_load_yaml_text(&s, "b.yaml", syntax, strlen(syntax)), -1);
	ck_assert_ptr_nonnull(strstr(bm_errmsg(), "b.yaml:2:1: "));

	/* round trip */
	bm_spec_init(&s);
	s.input = 5;
	bm_spec_parse_layers(&s, "4:gelu,dropout:0.25,3:softmax");
	bm_spec_set(&s, "optimizer", "rmsprop");
	bm_spec_set(&s, "learning_rate", "0.0003");
	char *t1 = bm_spec_to_yaml(&s);
	bm_spec_t s2;
	bm_spec_init(&s2);
	ck_assert_int_eq(bm_spec_load_yaml_text(&s2, "t", t1, strlen(t1)), 0);
	char *t2 = bm_spec_to_yaml(&s2);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "learning_rate: 0.0003\n"));
	free(t1);
	free(t2);
}
END_TEST

START_TEST(json)
{
	const char *t = "{\"a\": [1, 2.5, -3e2], \"b\": {\"c\": \"x\\u00e9\\n\\\"\"}, \"d\": true, \"e\": null}";
	bm_json_t *v = bm_json_parse(t, strlen(t));
	ck_assert_ptr_nonnull(v);
	const bm_json_t *a = bm_json_get(v, "a");
	ck_assert_int_eq(a->n, 3);
	ck_assert(a->items[0].is_uint && a->items[0].u == 1);
	ck_assert(!a->items[2].is_uint && a->items[2].num == -300);
	ck_assert_str_eq(bm_json_get(bm_json_get(v, "b"), "c")->str, "x\xc3\xa9\n\"");
	bm_json_free(v);
	static const char *bad[] = {"{", "{\"a\" 1}", "[1,]", "\"abc", "{} x", "01", "[\"\\q\"]"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_ptr_null(bm_json_parse(bad[i], strlen(bad[i])));
	char deep[200];
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	v = bm_json_parse(deep, 128); /* 64 levels are fine */
	ck_assert_ptr_nonnull(v);
	bm_json_free(v);
	memset(deep, '[', sizeof deep);
	ck_assert_ptr_null(bm_json_parse(deep, sizeof deep));
	ck_assert_str_eq(bm_errmsg(), "byte 64: nested deeper than 64 levels");
}
END_TEST

START_TEST(safetensors_round_trip)
{
	char path[] = "/tmp/check_mlp_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	float a[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, 0.5f};
	bm_safetensors_tensor_t t[2] = {{"0.weight", 2, {2, 3}, a}, {"0.bias", 1, {2, 0}, b}};
	bm_safetensors_meta_t meta[] = {{"spec", "line\n\"quoted\""}};
	bm_out_t *out = bm_out_open(path, 0);
	ck_assert_int_eq(bm_safetensors_write(out, t, 2, meta, 1), 0);
	ck_assert_int_eq(bm_out_commit(out), 0);
	bm_safetensors_t *st = bm_safetensors_open(path);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(bm_safetensors_meta(st, "spec"), "line\n\"quoted\"");
	float got[6];
	ck_assert_int_eq(bm_safetensors_read_f32(st, "0.weight", 2, (uint64_t[]){2, 3}, got), 0);
	ck_assert_int_eq(memcmp(got, a, sizeof a), 0);
	ck_assert_int_eq(bm_safetensors_read_f32(st, "0.weight", 2, (uint64_t[]){3, 2}, got), -1);
	ck_assert_int_eq(bm_safetensors_read_f32(st, "1.weight", 1, (uint64_t[]){3}, got), -1);
	bm_safetensors_close(st);
	unlink(path);
}
END_TEST

START_TEST(rng)
{
	bm_rng_t a, b;
	bm_rng_seed(&a, 5);
	bm_rng_seed(&b, 5);
	for (int i = 0; i < 100; i++)
		ck_assert(bm_rng_u64(&a) == bm_rng_u64(&b));
	uint32_t idx[10];
	for (int i = 0; i < 10; i++)
		idx[i] = (uint32_t)i;
	bm_rng_shuffle(&a, idx, 10);
	int seen = 0;
	for (int i = 0; i < 10; i++)
		seen |= 1 << idx[i];
	ck_assert_int_eq(seen, 1023);
	double s = 0, s2 = 0;
	for (int i = 0; i < 20000; i++) {
		double z = bm_rng_normal(&a);
		s += z;
		s2 += z * z;
		ck_assert(bm_rng_below(&a, 7) < 7);
		float f = bm_rng_float(&a);
		ck_assert(f >= 0 && f < 1);
	}
	ck_assert(fabs(s / 20000) < 0.05 && fabs(s2 / 20000 - 1) < 0.05);
}
END_TEST

int main(void)
{
	return run_tests("mlp", 60, NULL, NULL,
			 CHECK_TESTS(grad_activations, grad_losses, grad_dropout_l2, forward_inference_no_dropout,
				     predict_rows_independent, kernels_threads_identical, loss_values, optimizers,
				     adam_vector_and_scalar_agree, paths_agree_with_generic, spec_parsing, json,
				     safetensors_round_trip, rng));
}
