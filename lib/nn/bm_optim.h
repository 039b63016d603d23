/* bm_optim.h: optimizers over one flat parameter array, as Keras 3 defines
 * them, learning-rate schedules, and global gradient-norm clipping.
 *
 *   adam:    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *            w -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
 *   adamw:   w -= lr * wd * w, then adam
 *   sgd:     u = momentum u - lr g; w += u (nesterov: w += momentum u - lr g)
 *   rmsprop: v = rho v + (1-rho) g^2; step = lr g / sqrt(v + eps);
 *            with momentum: u = momentum u + step, w -= u; else w -= step
 *
 * The state (moments, step count) is one allocation of 2 * n floats plus
 * the step; a checkpoint saves and restores it exactly.
 */
#ifndef BM_OPTIM_H
#define BM_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "bm_spec.h"

typedef struct {
	bm_optim_kind_t kind;
	double lr, beta_1, beta_2, epsilon, momentum, rho, weight_decay;
	int nesterov;
	size_t n;
	uint64_t t;  /* steps taken */
	float *m, *v; /* moments [n] each, one allocation (m first) */
} bm_optim_t;

/* An optimizer for N parameters with the settings of SPEC (resolved), its
 * state zero. NULL with bm_errmsg() "out of memory". */
bm_optim_t *bm_optim_new(const bm_spec_t *spec, size_t n);
/* Release O (NULL is fine). */
void bm_optim_free(bm_optim_t *o);
/* Floats of state (m and v) to save: 2 * n. */
size_t bm_optim_state_count(const bm_optim_t *o);

/* One step with learning rate LR on PARAMS[n] with GRADS[n]. Adam's pass
 * is vectorized from BM_CPU_AVX2 up (bm_cpu.h), to the same bytes as the
 * plain loop. Cannot fail. */
void bm_optim_step(bm_optim_t *o, float *params, const float *grads, double lr);

/* The learning rate of SPEC's schedule at EPOCH (0-based) and STEP (0-based
 * over the whole run) of TOTAL_STEPS. */
double bm_schedule_lr(const bm_spec_t *spec, int epoch, uint64_t step, uint64_t total_steps);

/* Scale GRADS[n] so their global L2 norm is at most MAX (Keras
 * global_clipnorm: g * max / max(norm, max)); returns the norm before. */
double bm_clip_norm(float *grads, size_t n, double max);

#endif
