/* bm_optim.c: Adam, AdamW, SGD, RMSprop (Keras 3 update rules), schedules, clipping. */
#include "bm_optim.h"

#include <math.h>
#include <stdlib.h>

#include "bm_cpu.h"
#include "bm_err.h"

bm_optim_t *bm_optim_new(const bm_spec_t *spec, size_t n)
{
	bm_spec_t s = *spec;
	bm_spec_resolve(&s);
	bm_optim_t *o = calloc(1, sizeof *o);
	if (!o) {
		bm_seterr("out of memory");
		return NULL;
	}
	o->kind = s.optimizer;
	o->lr = s.learning_rate;
	o->beta_1 = s.beta_1;
	o->beta_2 = s.beta_2;
	o->epsilon = s.epsilon;
	o->momentum = s.momentum;
	o->rho = s.rho;
	o->weight_decay = s.weight_decay;
	o->nesterov = s.nesterov;
	o->n = n;
	o->m = calloc(2 * n + 1, sizeof(float));
	if (!o->m) {
		free(o);
		bm_seterr("out of memory");
		return NULL;
	}
	o->v = o->m + n;
	return o;
}

void bm_optim_free(bm_optim_t *o)
{
	if (!o)
		return;
	free(o->m);
	free(o);
}

size_t bm_optim_state_count(const bm_optim_t *o) { return 2 * o->n; }

/* The Adam update of every parameter in one pass over w, g, m, v:
 *   m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps)
 * An AVX version (8 at a time; bm_cpu() BM_CPU_AVX2 and up) and the plain
 * scalar one (BM_CPU_GENERIC and BM_CPU_SSE2, and the AVX version's tail);
 * both round every operation the same way (no FMA: the AVX version is
 * compiled for AVX alone, and the scalar one keeps each product rounded;
 * sqrt and division are correctly rounded), so they give the same bytes.
 * The scalar loop does not vectorize by itself: sqrtf may set errno. */
static void adam_scalar(float *w, const float *g, float *m, float *v, size_t i, size_t n, float c1, float c2,
                        float eps, float alpha)
{
	for (; i < n; i++) {
		volatile float t; /* keep each product rounded (no contraction into an FMA) */
		float mi = m[i] + (t = (g[i] - m[i]) * c1);
		float vi = v[i] + (t = (g[i] * g[i] - v[i]) * c2);
		m[i] = mi;
		v[i] = vi;
		w[i] -= (t = mi * alpha) / (sqrtf(vi) + eps);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx"))) static size_t adam_avx(float *w, const float *g, float *m, float *v, size_t n,
                                                      float c1, float c2, float eps, float alpha)
{
	const __m256 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2), ve = _mm256_set1_ps(eps),
		     va = _mm256_set1_ps(alpha);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 gi = _mm256_loadu_ps(g + i), mi = _mm256_loadu_ps(m + i), vi = _mm256_loadu_ps(v + i);
		mi = _mm256_add_ps(mi, _mm256_mul_ps(_mm256_sub_ps(gi, mi), vc1));
		vi = _mm256_add_ps(vi, _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(gi, gi), vi), vc2));
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		__m256 step = _mm256_div_ps(_mm256_mul_ps(mi, va), _mm256_add_ps(_mm256_sqrt_ps(vi), ve));
		_mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
	}
	return i;
}
#endif

static void adam_update(float *w, const float *g, float *m, float *v, size_t n, float c1, float c2, float eps,
                        float alpha)
{
	size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (bm_cpu() >= BM_CPU_AVX2)
		i = adam_avx(w, g, m, v, n, c1, c2, eps, alpha);
#endif
	adam_scalar(w, g, m, v, i, n, c1, c2, eps, alpha);
}

void bm_optim_step(bm_optim_t *o, float *w, const float *g, double lr)
{
	size_t n = o->n;
	float *m = o->m, *v = o->v;
	o->t++;
	switch (o->kind) {
	case BM_OPT_ADAMW: {
		float wd = (float)(lr * o->weight_decay);
		for (size_t i = 0; i < n; i++)
			w[i] -= w[i] * wd;
	}
		/* fall through */
	case BM_OPT_ADAM:
	default: {
		double bc1 = 1.0 - pow(o->beta_1, (double)o->t), bc2 = 1.0 - pow(o->beta_2, (double)o->t);
		adam_update(w, g, m, v, n, 1.0f - (float)o->beta_1, 1.0f - (float)o->beta_2, (float)o->epsilon,
		            (float)(lr * sqrt(bc2) / bc1));
		break;
	}
	case BM_OPT_SGD: {
		float mom = (float)o->momentum, flr = (float)lr;
		if (o->momentum == 0) {
			for (size_t i = 0; i < n; i++)
				w[i] -= flr * g[i];
		} else if (o->nesterov) {
			for (size_t i = 0; i < n; i++) {
				m[i] = mom * m[i] - flr * g[i];
				w[i] += mom * m[i] - flr * g[i];
			}
		} else {
			for (size_t i = 0; i < n; i++) {
				m[i] = mom * m[i] - flr * g[i];
				w[i] += m[i];
			}
		}
		break;
	}
	case BM_OPT_RMSPROP: {
		float rho = (float)o->rho, eps = (float)o->epsilon, mom = (float)o->momentum, flr = (float)lr;
		for (size_t i = 0; i < n; i++) {
			v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
			float inc = flr * g[i] / sqrtf(v[i] + eps);
			if (o->momentum > 0) {
				m[i] = mom * m[i] + inc;
				w[i] -= m[i];
			} else {
				w[i] -= inc;
			}
		}
		break;
	}
	}
}

double bm_schedule_lr(const bm_spec_t *spec, int epoch, uint64_t step, uint64_t total_steps)
{
	bm_spec_t s = *spec;
	bm_spec_resolve(&s);
	switch (s.schedule) {
	case BM_SCHED_STEP:
		return s.learning_rate * pow(s.gamma, (double)(epoch / s.step_epochs));
	case BM_SCHED_COSINE: {
		/* keras.optimizers.schedules.CosineDecay(lr, decay_steps=total, alpha) */
		if (total_steps == 0)
			return s.learning_rate;
		double f = (double)(step < total_steps ? step : total_steps) / (double)total_steps;
		double c = 0.5 * (1.0 + cos(M_PI * f));
		return s.learning_rate * ((1.0 - s.cosine_alpha) * c + s.cosine_alpha);
	}
	case BM_SCHED_CONSTANT:
	default:
		return s.learning_rate;
	}
}

double bm_clip_norm(float *g, size_t n, double max)
{
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (double)g[i] * g[i];
	double norm = sqrt(ss);
	if (max > 0 && norm > max) {
		float c = (float)(max / norm);
		for (size_t i = 0; i < n; i++)
			g[i] *= c;
	}
	return norm;
}
