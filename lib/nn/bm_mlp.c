/* bm_mlp.c: dense layers, activations, dropout and losses, forward and
 * backward (each a _forward/_backward pair, shapes in the comments). */
#include "bm_mlp.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm_gemm.h"
#include "bm_io.h"
#include "bm_pool.h"

/* The elementwise loops: -O2's cheap vectorizer leaves loops of unknown
 * length alone; these are worth vectorizing (5-10% of a step of workload
 * C), and vectorizing changes nothing in their results (no reductions but
 * db's, which stays row by row). */
#define VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))

/* Keras clips probabilities to [EPS, 1 - EPS] where a loss takes their log. */
#define KERAS_EPS 1e-7f

/* ---- model ---- */

bm_mlp_t *bm_mlp_new(const bm_spec_t *spec)
{
	if (spec->input <= 0) {
		bm_seterr("the input width is unknown");
		return NULL;
	}
	if (spec->nlayers <= 0 || spec->layers[spec->nlayers - 1].kind != BM_LAYER_DENSE) {
		bm_seterr("the last layer must be a dense layer");
		return NULL;
	}
	bm_mlp_t *m = calloc(1, sizeof *m);
	if (!m) {
		bm_seterr("out of memory");
		return NULL;
	}
	m->input = spec->input;
	m->threads = 1;
	size_t n = 0;
	int width = spec->input, module = 0;
	for (int i = 0; i < spec->nlayers; i++) {
		const bm_layer_spec_t *s = &spec->layers[i];
		bm_layer_t *l = &m->layers[i];
		l->kind = s->kind;
		l->in = width;
		l->module = module;
		if (s->kind == BM_LAYER_DENSE) {
			l->out = s->units;
			l->act = s->act;
			l->w = n;
			n += (size_t)l->out * (size_t)l->in;
			l->b = n;
			n += (size_t)l->out;
			module += 2; /* Linear, then its activation (Identity for linear) */
			m->out_act = s->act;
		} else {
			l->out = width;
			l->rate = s->rate;
			module += 1;
		}
		width = l->out;
	}
	m->nlayers = spec->nlayers;
	m->output = width;
	m->nparams = n;
	if (n > ((size_t)1 << 31)) {
		bm_seterr("the model has %zu parameters, more than 2^31", n);
		free(m);
		return NULL;
	}
	m->params = calloc(n, sizeof(float));
	m->grads = calloc(n, sizeof(float));
	if (!m->params || !m->grads) {
		bm_mlp_free(m);
		bm_seterr("out of memory for %zu parameters", n);
		return NULL;
	}
	return m;
}

void bm_mlp_free(bm_mlp_t *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->grads);
	free(m->act_mem);
	free(m->pred_mem);
	for (int i = 0; i < m->nlayers; i++)
		bm_gemm_packed_free(&m->layers[i].wpack);
	free(m);
}

int bm_mlp_reserve(bm_mlp_t *m, int n)
{
	if (n <= m->max_batch)
		return 0;
	size_t widest = (size_t)m->input, total = 0;
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		if ((size_t)l->out > widest)
			widest = (size_t)l->out;
		total += 2 * (size_t)l->out; /* z (dense) or mask (dropout), and a */
	}
	total += (size_t)m->output + 2 * widest;
	size_t count = total * (size_t)n;
	if (count / (size_t)n != total || count > SIZE_MAX / sizeof(float)) {
		bm_seterr("batches of %d rows are too large for this model", n);
		return -1;
	}
	float *mem = malloc(count * sizeof(float));
	if (!mem) {
		bm_seterr("out of memory for batches of %d rows", n);
		return -1;
	}
	free(m->act_mem);
	m->act_mem = mem;
	float *p = mem;
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		size_t sz = (size_t)l->out * (size_t)n;
		l->z = l->mask = NULL;
		if (l->kind == BM_LAYER_DENSE)
			l->z = p;
		else
			l->mask = p;
		p += sz;
		l->a = p;
		p += sz;
	}
	m->dlast = p;
	p += (size_t)m->output * (size_t)n;
	m->scratch[0] = p;
	p += widest * (size_t)n;
	m->scratch[1] = p;
	m->max_batch = n;
	return 0;
}

void bm_mlp_set_threads(bm_mlp_t *m, int n) { m->threads = n > 0 ? n : 1; }

/* Keras truncated normal: resample outside two standard deviations. */
static double truncated_normal(bm_rng_t *rng)
{
	for (;;) {
		double z = bm_rng_normal(rng);
		if (z > -2.0 && z < 2.0)
			return z;
	}
}

void bm_mlp_init_weights(bm_mlp_t *m, bm_init_t init, bm_rng_t *rng)
{
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		if (l->kind != BM_LAYER_DENSE)
			continue;
		double fan_in = l->in, fan_out = l->out;
		float *w = m->params + l->w;
		size_t n = (size_t)l->in * (size_t)l->out;
		switch (init) {
		case BM_INIT_GLOROT_UNIFORM:
		case BM_INIT_HE_UNIFORM: {
			double limit = init == BM_INIT_HE_UNIFORM ? sqrt(6.0 / fan_in) : sqrt(6.0 / (fan_in + fan_out));
			for (size_t j = 0; j < n; j++)
				w[j] = (float)((2.0 * bm_rng_double(rng) - 1.0) * limit);
			break;
		}
		case BM_INIT_GLOROT_NORMAL:
		case BM_INIT_HE_NORMAL:
		default: {
			/* VarianceScaling: stddev of the untruncated normal whose
			 * truncation at 2 sigma has variance scale / n. */
			double var = init == BM_INIT_HE_NORMAL ? 2.0 / fan_in : 2.0 / (fan_in + fan_out);
			double sd = sqrt(var) / 0.87962566103423978;
			for (size_t j = 0; j < n; j++)
				w[j] = (float)(truncated_normal(rng) * sd);
			break;
		}
		}
		memset(m->params + l->b, 0, (size_t)l->out * sizeof(float));
	}
}

/* ---- dense ---- */

/* The products go through bm_sgemm_mt (bm_gemm.h): CBLAS or the built-in
 * packed kernel, split over the columns of the result in chunks fixed by
 * the shape, never over the reduction (the batch, for the weight
 * gradient), so the bytes never depend on the threads. */

void bm_dense_forward(float *out, const float *inp, const float *w, const float *b, int B, int I, int O, int threads)
{
	// out[B,O] = inp[B,I] @ w[O,I]^T + b[O]
	bm_sgemm_mt(false, true, B, O, I, 1.0f, inp, I, w, I, 0.0f, out, O, threads);
	for (int r = 0; r < B; r++) {
		float *o = out + (size_t)r * O;
		for (int j = 0; j < O; j++)
			o[j] += b[j];
	}
}

/* db[O] += sum over the B rows of d[B,O], rows in order. */
VECTORIZE static void col_sums(float *restrict db, const float *restrict d, int B, int O)
{
	for (int r = 0; r < B; r++) {
		const float *restrict g = d + (size_t)r * O;
		for (int j = 0; j < O; j++)
			db[j] += g[j];
	}
}

/* The two products of a dense layer's backward pass (db done by the caller). */
static void dense_backward_products(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                                    int B, int I, int O, int threads)
{
	// dw[O,I] += dout[B,O]^T @ inp[B,I]  (summed over the batch by one call per chunk of I)
	bm_sgemm_mt(true, false, O, I, B, 1.0f, dout, O, inp, I, 1.0f, dw, I, threads);
	// dinp[B,I] = dout[B,O] @ w[O,I]
	if (dinp)
		bm_sgemm_mt(false, false, B, I, O, 1.0f, dout, O, w, I, 0.0f, dinp, I, threads);
}

void bm_dense_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w, int B,
                       int I, int O, int threads)
{
	col_sums(db, dout, B, O);
	dense_backward_products(dinp, dw, dout, inp, w, B, I, O, threads);
}

/* ---- activations ---- */

#define LEAKY_SLOPE 0.2f

static inline float sigmoidf(float x)
{
	if (x >= 0)
		return 1.0f / (1.0f + expf(-x));
	float e = expf(x);
	return e / (1.0f + e);
}

void bm_act_forward(bm_act_t act, float *out, const float *z, int B, int C)
{
	// out[B,C] = act(z[B,C])
	size_t n = (size_t)B * (size_t)C;
	switch (act) {
	case BM_ACT_LINEAR:
		if (out != z)
			memcpy(out, z, n * sizeof(float));
		break;
	case BM_ACT_RELU:
		for (size_t i = 0; i < n; i++)
			out[i] = z[i] > 0 ? z[i] : 0.0f;
		break;
	case BM_ACT_LEAKY_RELU:
		for (size_t i = 0; i < n; i++)
			out[i] = z[i] > 0 ? z[i] : LEAKY_SLOPE * z[i];
		break;
	case BM_ACT_ELU:
		for (size_t i = 0; i < n; i++)
			out[i] = z[i] > 0 ? z[i] : expm1f(z[i]);
		break;
	case BM_ACT_GELU:
		for (size_t i = 0; i < n; i++)
			out[i] = (float)(0.5 * z[i] * (1.0 + erf(z[i] * M_SQRT1_2)));
		break;
	case BM_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			out[i] = sigmoidf(z[i]);
		break;
	case BM_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			out[i] = tanhf(z[i]);
		break;
	case BM_ACT_SOFTMAX:
		for (int r = 0; r < B; r++) {
			const float *zr = z + (size_t)r * C;
			float *o = out + (size_t)r * C;
			float mx = zr[0];
			for (int j = 1; j < C; j++)
				mx = zr[j] > mx ? zr[j] : mx;
			double s = 0;
			for (int j = 0; j < C; j++)
				s += (o[j] = expf(zr[j] - mx));
			float inv = (float)(1.0 / s);
			for (int j = 0; j < C; j++)
				o[j] *= inv;
		}
		break;
	default:
		break;
	}
}

void bm_act_backward(bm_act_t act, float *dz, const float *dout, const float *z, const float *out, int B, int C)
{
	// dz[B,C] = dout[B,C] * act'(z[B,C])
	size_t n = (size_t)B * (size_t)C;
	switch (act) {
	case BM_ACT_LINEAR:
		if (dz != dout)
			memcpy(dz, dout, n * sizeof(float));
		break;
	case BM_ACT_RELU:
		for (size_t i = 0; i < n; i++)
			dz[i] = z[i] > 0 ? dout[i] : 0.0f;
		break;
	case BM_ACT_LEAKY_RELU:
		for (size_t i = 0; i < n; i++)
			dz[i] = z[i] > 0 ? dout[i] : LEAKY_SLOPE * dout[i];
		break;
	case BM_ACT_ELU:
		for (size_t i = 0; i < n; i++)
			dz[i] = z[i] > 0 ? dout[i] : dout[i] * (out[i] + 1.0f);
		break;
	case BM_ACT_GELU:
		for (size_t i = 0; i < n; i++) {
			double x = z[i];
			double cdf = 0.5 * (1.0 + erf(x * M_SQRT1_2));
			double pdf = exp(-0.5 * x * x) * (0.5 * M_2_SQRTPI * M_SQRT1_2);
			dz[i] = (float)(dout[i] * (cdf + x * pdf));
		}
		break;
	case BM_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			dz[i] = dout[i] * out[i] * (1.0f - out[i]);
		break;
	case BM_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			dz[i] = dout[i] * (1.0f - out[i] * out[i]);
		break;
	case BM_ACT_SOFTMAX:
		for (int r = 0; r < B; r++) {
			const float *g = dout + (size_t)r * C, *o = out + (size_t)r * C;
			float *d = dz + (size_t)r * C;
			double s = 0;
			for (int j = 0; j < C; j++)
				s += (double)g[j] * o[j];
			for (int j = 0; j < C; j++)
				d[j] = o[j] * (float)(g[j] - s);
		}
		break;
	default:
		break;
	}
}

/* z[B,O] += b[O], then a = act(z), a row at a time while it is in cache. */
VECTORIZE static void bias_act_forward(bm_act_t act, float *a, float *z, const float *b, int B, int O)
{
	for (int r = 0; r < B; r++) {
		/* restrict: the buffers never overlap, and -O2 vectorizes
		 * only loops that need no run-time overlap check */
		float *restrict zr = z + (size_t)r * O, *restrict ar = a + (size_t)r * O;
		const float *restrict br = b;
		if (act == BM_ACT_RELU) {
			for (int j = 0; j < O; j++) {
				float v = zr[j] + br[j];
				zr[j] = v;
				ar[j] = v > 0 ? v : 0.0f;
			}
		} else {
			for (int j = 0; j < O; j++)
				zr[j] += br[j];
			bm_act_forward(act, ar, zr, 1, O);
		}
	}
}

/* dz[B,O] = dout through act, and db[O] += its column sums (rows in
 * order), a row at a time. */
VECTORIZE static void act_backward_db(bm_act_t act, float *dz, float *db, const float *dout, const float *z,
                                      const float *a, int B, int O)
{
	for (int r = 0; r < B; r++) {
		size_t o = (size_t)r * O;
		if (act == BM_ACT_RELU) {
			float *restrict dzr = dz + o, *restrict dbr = db;
			const float *restrict gr = dout + o, *restrict zr = z + o;
			for (int j = 0; j < O; j++) {
				float g = zr[j] > 0 ? gr[j] : 0.0f;
				dzr[j] = g;
				dbr[j] += g;
			}
		} else {
			bm_act_backward(act, dz + o, dout + o, z + o, a + o, 1, O);
			for (int j = 0; j < O; j++)
				db[j] += dz[o + j];
		}
	}
}

/* ---- dropout ---- */

static void dropout_forward(float *out, float *mask, const float *inp, size_t n, double rate, bm_rng_t *rng)
{
	// out[n] = inp[n] * mask[n], mask 0 with probability RATE, else 1/(1-rate)
	float keep = (float)(1.0 / (1.0 - rate));
	for (size_t i = 0; i < n; i++) {
		mask[i] = bm_rng_double(rng) < rate ? 0.0f : keep;
		out[i] = inp[i] * mask[i];
	}
}

static void dropout_backward(float *dinp, const float *dout, const float *mask, size_t n)
{
	// dinp[n] = dout[n] * mask[n]
	for (size_t i = 0; i < n; i++)
		dinp[i] = dout[i] * mask[i];
}

/* ---- the network ---- */

const float *bm_mlp_forward(bm_mlp_t *m, const float *x, int B, bool training, bm_rng_t *rng)
{
	const float *in = x;
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		size_t n = (size_t)B * (size_t)l->out;
		if (l->kind == BM_LAYER_DENSE) {
			bm_sgemm_mt(false, true, B, l->out, l->in, 1.0f, in, l->in, m->params + l->w, l->in, 0.0f, l->z,
			            l->out, m->threads);
			bias_act_forward(l->act, l->a, l->z, m->params + l->b, B, l->out);
		} else if (training && l->rate > 0) {
			dropout_forward(l->a, l->mask, in, n, l->rate, rng);
		} else {
			memcpy(l->a, in, n * sizeof(float));
			for (size_t j = 0; j < n; j++)
				l->mask[j] = 1.0f;
		}
		in = l->a;
	}
	return in;
}

/* z[n,O] = act(z + b), in place (bias_act_forward's operations). */
VECTORIZE static void bias_act_inplace(bm_act_t act, float *z, const float *b, int n, int O)
{
	for (int r = 0; r < n; r++) {
		float *restrict zr = z + (size_t)r * O;
		const float *restrict br = b;
		if (act == BM_ACT_RELU) {
			for (int j = 0; j < O; j++) {
				float v = zr[j] + br[j];
				zr[j] = v > 0 ? v : 0.0f;
			}
		} else {
			for (int j = 0; j < O; j++)
				zr[j] += br[j];
			bm_act_forward(act, zr, zr, 1, O);
		}
	}
}

/* Tasks per thread: whole blocks in a few tasks each, so that a thread
 * slowed by other work on the machine hands its last ones to the others
 * (more and smaller tasks cost more locking). */
#define TASKS_PER_WORKER 4

typedef struct {
	bm_mlp_t *m;
	const float *x;
	float *out;
	int B, per;    /* rows, and rows per task (whole blocks) */
	size_t stride; /* floats in one of a worker's two buffers */
} predict_job_t;

/* Block R0.. (N rows) through every layer, activations alternating
 * between the two buffers BUF, the last layer into OUT. */
static void predict_block(const bm_mlp_t *m, const float *x, float *out, int r0, int n, float *buf[2])
{
	const float *in = x + (size_t)r0 * m->input;
	int which = 0;
	for (int i = 0; i < m->nlayers; i++) {
		const bm_layer_t *l = &m->layers[i];
		if (l->kind != BM_LAYER_DENSE)
			continue; /* dropout is off */
		float *dst = i == m->nlayers - 1 ? out + (size_t)r0 * m->output : buf[which];
		bm_sgemm_packed(false, n, in, l->in, &l->wpack, dst, l->out);
		bias_act_inplace(l->act, dst, m->params + l->b, n, l->out);
		in = dst;
		which ^= 1;
	}
}

/* Task T: the blocks of rows [T * per, (T + 1) * per), on WORKER's buffers. */
static void predict_task(void *arg, int t, int worker)
{
	const predict_job_t *j = arg;
	float *buf[2] = {j->m->pred_mem + 2 * j->stride * (size_t)worker,
	                 j->m->pred_mem + (2 * (size_t)worker + 1) * j->stride};
	int end = (t + 1) * j->per < j->B ? (t + 1) * j->per : j->B;
	for (int r0 = t * j->per; r0 < end; r0 += BM_PREDICT_BLOCK)
		predict_block(j->m, j->x, j->out, r0, end - r0 < BM_PREDICT_BLOCK ? end - r0 : BM_PREDICT_BLOCK, buf);
}

static size_t predict_stride(const bm_mlp_t *m)
{
	size_t widest = 1;
	for (int i = 0; i < m->nlayers; i++)
		if ((size_t)m->layers[i].out > widest)
			widest = (size_t)m->layers[i].out;
	return widest * BM_PREDICT_BLOCK;
}

int bm_mlp_predict_init(bm_mlp_t *m)
{
	int workers = m->threads > 1 ? m->threads : 1;
	if (m->pred_workers >= workers)
		return 0; /* done before */
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		if (l->kind == BM_LAYER_DENSE && !l->wpack.data &&
		    bm_gemm_pack(&l->wpack, true, l->in, l->out, m->params + l->w, l->in) < 0) {
			bm_seterr("out of memory for the packed weights");
			return -1;
		}
	}
	free(m->pred_mem);
	if (!(m->pred_mem = malloc(2 * predict_stride(m) * (size_t)workers * sizeof(float)))) {
		m->pred_workers = 0;
		bm_seterr("out of memory for %d threads' activations", workers);
		return -1;
	}
	bm_pool_start(workers);
	m->pred_workers = workers; /* last: all of the above is done */
	return 0;
}

int bm_mlp_predict(bm_mlp_t *m, const float *x, int B, float *out)
{
	if (bm_mlp_predict_init(m) < 0)
		return -1;
	int workers = m->pred_workers;
	int blocks = (B + BM_PREDICT_BLOCK - 1) / BM_PREDICT_BLOCK;
	int tasks = blocks < TASKS_PER_WORKER * workers ? blocks : TASKS_PER_WORKER * workers;
	predict_job_t j = {m, x, out, B, (blocks + tasks - 1) / tasks * BM_PREDICT_BLOCK, predict_stride(m)};
	bm_pool_run((B + j.per - 1) / j.per, workers, predict_task, &j);
	return 0;
}

void bm_mlp_zero_grad(bm_mlp_t *m) { memset(m->grads, 0, m->nparams * sizeof(float)); }

void bm_mlp_backward(bm_mlp_t *m, const float *x, int B)
{
	/* D: the gradient of the loss at the current layer's output (a), or at
	 * its z for the fused last layer. */
	const float *d = m->dlast;
	bool at_z = m->fused;
	int s = 0;
	for (int i = m->nlayers - 1; i >= 0; i--) {
		bm_layer_t *l = &m->layers[i];
		const float *in = i > 0 ? m->layers[i - 1].a : x;
		float *dz = m->scratch[s];
		if (l->kind == BM_LAYER_DENSE) {
			float *db = m->grads + l->b;
			if (!at_z) {
				act_backward_db(l->act, dz, db, d, l->z, l->a, B, l->out);
				d = dz;
				s ^= 1;
			} else {
				col_sums(db, d, B, l->out);
			}
			float *dinp = i > 0 ? m->scratch[s] : NULL;
			dense_backward_products(dinp, m->grads + l->w, d, in, m->params + l->w, B, l->in, l->out,
			                        m->threads);
			d = dinp;
			s ^= 1;
		} else {
			float *dinp = m->scratch[s];
			dropout_backward(dinp, d, l->mask, (size_t)B * (size_t)l->out);
			d = dinp;
			s ^= 1;
		}
		at_z = false;
	}
}

double bm_mlp_l2(bm_mlp_t *m, double l2, bool grad)
{
	if (l2 == 0)
		return 0;
	double pen = 0;
	for (int i = 0; i < m->nlayers; i++) {
		bm_layer_t *l = &m->layers[i];
		if (l->kind != BM_LAYER_DENSE)
			continue;
		size_t n = (size_t)l->in * (size_t)l->out;
		const float *w = m->params + l->w;
		float *g = m->grads + l->w;
		double s = 0;
		for (size_t j = 0; j < n; j++)
			s += (double)w[j] * w[j];
		pen += l2 * s;
		if (grad) {
			float c = (float)(2.0 * l2);
			for (size_t j = 0; j < n; j++)
				g[j] += c * w[j];
		}
	}
	return pen;
}

/* ---- losses ---- */

bool bm_loss_has_accuracy(bm_loss_t loss)
{
	return loss == BM_LOSS_SPARSE_CE || loss == BM_LOSS_CE || loss == BM_LOSS_BCE;
}

static int argmax(const float *v, int n)
{
	int best = 0;
	for (int j = 1; j < n; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

static inline float clipf(float p, bool *clipped)
{
	if (p < KERAS_EPS) {
		*clipped = true;
		return KERAS_EPS;
	}
	if (p > 1.0f - KERAS_EPS) {
		*clipped = true;
		return 1.0f - KERAS_EPS;
	}
	*clipped = false;
	return p;
}

/* Target row r as a distribution over C classes: one-hot from a label, or VALUES. */
static inline float target_at(const bm_target_t *t, int r, int j, int C)
{
	if (t->labels)
		return t->labels[r] == j ? 1.0f : 0.0f;
	return t->values[(size_t)r * C + j];
}

double bm_mlp_loss(bm_mlp_t *m, bm_loss_t loss, const bm_target_t *t, int B, double *acc)
{
	bm_layer_t *last = &m->layers[m->nlayers - 1];
	const int C = m->output;
	const float *out = last->a, *z = last->z;
	float *d = m->dlast;
	double total = 0, correct = 0;
	const float invB = 1.0f / (float)B;
	m->fused = false;
	switch (loss) {
	case BM_LOSS_SPARSE_CE:
	case BM_LOSS_CE:
		if (last->act == BM_ACT_SOFTMAX) {
			/* From the logits: loss = logsumexp(z) * sum(t) - sum(t z); dz = sum(t) softmax - t. */
			m->fused = true;
			for (int r = 0; r < B; r++) {
				const float *zr = z + (size_t)r * C, *pr = out + (size_t)r * C;
				float *dr = d + (size_t)r * C;
				float mx = zr[0];
				for (int j = 1; j < C; j++)
					mx = zr[j] > mx ? zr[j] : mx;
				double se = 0, st = 0, stz = 0;
				for (int j = 0; j < C; j++)
					se += exp((double)zr[j] - mx);
				double lse = mx + log(se);
				for (int j = 0; j < C; j++) {
					float tj = target_at(t, r, j, C);
					st += tj;
					stz += (double)tj * zr[j];
				}
				total += lse * st - stz;
				for (int j = 0; j < C; j++)
					dr[j] = ((float)st * pr[j] - target_at(t, r, j, C)) * invB;
				int p = argmax(pr, C);
				correct += t->labels ? (p == t->labels[r]) : (p == argmax(t->values + (size_t)r * C, C));
			}
		} else {
			/* From probabilities, as Keras: normalize the row, clip, -sum(t log p). */
			for (int r = 0; r < B; r++) {
				const float *ar = out + (size_t)r * C;
				float *dr = d + (size_t)r * C;
				double S = 0, gp = 0;
				for (int j = 0; j < C; j++)
					S += ar[j];
				for (int j = 0; j < C; j++) {
					bool cl;
					float p = clipf((float)(ar[j] / S), &cl);
					float tj = target_at(t, r, j, C);
					total -= tj * log(p);
					dr[j] = cl ? 0.0f : -tj / p; /* d loss / d p_j */
					gp += (double)dr[j] * (ar[j] / S);
				}
				for (int j = 0; j < C; j++) /* through p = a / S */
					dr[j] = (float)((dr[j] - gp) / S) * invB;
				int p = argmax(ar, C);
				correct += t->labels ? (p == t->labels[r]) : (p == argmax(t->values + (size_t)r * C, C));
			}
		}
		break;
	case BM_LOSS_BCE: {
		const float invC = 1.0f / (float)C;
		bool logits = last->act == BM_ACT_SIGMOID;
		m->fused = logits;
		for (int r = 0; r < B; r++) {
			double lr = 0, cr = 0;
			for (int j = 0; j < C; j++) {
				size_t k = (size_t)r * C + j;
				float tj = t->labels ? (float)t->labels[r] : t->values[k];
				if (logits) {
					double x = z[k];
					lr += fmax(x, 0.0) - x * tj + log1p(exp(-fabs(x)));
					d[k] = (out[k] - tj) * invC * invB;
				} else {
					bool cl;
					float p = clipf(out[k], &cl);
					lr -= tj * log(p) + (1.0 - tj) * log(1.0 - p);
					d[k] = cl ? 0.0f : (float)((-tj / p + (1.0f - tj) / (1.0f - p)) * invC * invB);
				}
				cr += (out[k] > 0.5f) == (tj > 0.5f);
			}
			total += lr / C;
			correct += cr / C;
		}
		break;
	}
	case BM_LOSS_MSE:
	case BM_LOSS_MAE:
	default: {
		const float invC = 1.0f / (float)C;
		for (int r = 0; r < B; r++) {
			double lr = 0;
			for (int j = 0; j < C; j++) {
				size_t k = (size_t)r * C + j;
				float diff = out[k] - (t->labels ? (float)t->labels[r] : t->values[k]);
				if (loss == BM_LOSS_MAE) {
					lr += fabsf(diff);
					d[k] = (diff > 0 ? 1.0f : diff < 0 ? -1.0f : 0.0f) * invC * invB;
				} else {
					lr += (double)diff * diff;
					d[k] = 2.0f * diff * invC * invB;
				}
			}
			total += lr / C;
		}
		correct = NAN;
		break;
	}
	}
	if (acc)
		*acc = correct;
	return total / B;
}
