/* bm_train.c: the training loop of bm-train, and its checkpoints (see
 * bm_train.h). */
#include "config.h"

#include "bm_train.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_buf.h"
#include "bm_cli.h"
#include "bm_err.h"
#include "bm_io.h"
#include "bm_model.h"
#include "bm_optim.h"
#include "bm_rng.h"
#include "bm_safetensors.h"
#include "bm_values.h"

/* ---- checkpoints ---- */

typedef struct {
	int epoch;  /* epochs done */
	uint64_t step;
	bm_rng_t rng;
	double best;
	int best_epoch, wait;
	bool stopped;
	bm_buf_t history; /* TSV so far */
} state_t;

static char *expand_epoch(const char *pattern, int epoch)
{
	size_t len = strlen(pattern) + 1;
	const char *p = pattern;
	while ((p = strstr(p, "{epoch}")))
		len += 16, p += 7;
	char *out = malloc(len);
	if (!out)
		return NULL;
	char *o = out;
	for (p = pattern; *p;) {
		if (strncmp(p, "{epoch}", 7) == 0) {
			o += sprintf(o, "%d", epoch);
			p += 7;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int write_checkpoint(const char *pattern, const bm_mlp_t *m, const bm_spec_t *spec, const bm_data_t *d,
                            const bm_optim_t *opt, const float *best, const state_t *s)
{
	char *path = expand_epoch(pattern, s->epoch);
	if (!path) {
		bm_seterr("out of memory");
		return -1;
	}
	bm_safetensors_tensor_t extra[3];
	int ne = 0;
	snprintf(extra[ne].name, sizeof extra[ne].name, "optimizer.m");
	extra[ne].ndim = 1;
	extra[ne].dims[0] = opt->n;
	extra[ne++].data = opt->m;
	snprintf(extra[ne].name, sizeof extra[ne].name, "optimizer.v");
	extra[ne].ndim = 1;
	extra[ne].dims[0] = opt->n;
	extra[ne++].data = opt->v;
	if (best) {
		snprintf(extra[ne].name, sizeof extra[ne].name, "best.params");
		extra[ne].ndim = 1;
		extra[ne].dims[0] = m->nparams;
		extra[ne++].data = best;
	}
	char epoch[32], step[32], rng[80], bestv[40], best_epoch[32], wait[32], t[32];
	snprintf(epoch, sizeof epoch, "%d", s->epoch);
	snprintf(step, sizeof step, "%" PRIu64, s->step);
	snprintf(t, sizeof t, "%" PRIu64, opt->t);
	snprintf(rng, sizeof rng, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, s->rng.s[0], s->rng.s[1],
	         s->rng.s[2], s->rng.s[3]);
	snprintf(bestv, sizeof bestv, "%.17g", s->best);
	snprintf(best_epoch, sizeof best_epoch, "%d", s->best_epoch);
	snprintf(wait, sizeof wait, "%d", s->wait);
	bm_safetensors_meta_t meta[] = {
		{"checkpoint_epoch", epoch}, {"checkpoint_step", step},   {"checkpoint_optimizer_t", t},
		{"checkpoint_rng", rng},     {"checkpoint_best", bestv},  {"checkpoint_best_epoch", best_epoch},
		{"checkpoint_wait", wait},   {"checkpoint_stopped", s->stopped ? "1" : "0"},
		{"checkpoint_history", s->history.s ? s->history.s : ""},
	};
	bm_out_t *out = bm_out_open(path, BM_OUT_BINARY);
	int rc = -1;
	if (out) {
		if (bm_model_write(out, m, m->params, spec, &d->classes, d->y_ndim, extra, ne, meta,
		                   (int)(sizeof meta / sizeof meta[0])) < 0)
			bm_out_abort(out);
		else
			rc = bm_out_commit(out);
	}
	free(path);
	return rc;
}

int bm_checkpoint_spec(const char *path, bm_spec_t *spec)
{
	bm_safetensors_t *st = bm_safetensors_open(path);
	if (!st)
		return -1;
	const char *yaml = bm_safetensors_meta(st, "spec");
	int rc = -1;
	if (!yaml || !bm_safetensors_meta(st, "checkpoint_epoch")) {
		bm_seterr("%s: not a bm-train checkpoint", path);
	} else {
		char name[300];
		snprintf(name, sizeof name, "%s: metadata spec", path);
		rc = bm_spec_load_yaml_text(spec, name, yaml, strlen(yaml));
	}
	bm_safetensors_close(st);
	return rc;
}

static int meta_u64(const bm_safetensors_t *st, const char *key, uint64_t *out)
{
	const char *v = bm_safetensors_meta(st, key);
	char *end;
	if (!v) {
		bm_seterr("%s: not a bm-train checkpoint ('%s' missing)", bm_safetensors_name(st), key);
		return -1;
	}
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno) {
		bm_seterr("%s: bad checkpoint value %s '%s'", bm_safetensors_name(st), key, v);
		return -1;
	}
	return 0;
}

static int load_checkpoint(const char *path, bm_mlp_t *m, bm_optim_t *opt, float *best, state_t *s)
{
	bm_safetensors_t *st = bm_safetensors_open(path);
	if (!st)
		return -1;
	int rc = -1;
	uint64_t epoch, best_epoch, wait, stopped, t;
	const char *rng = bm_safetensors_meta(st, "checkpoint_rng"), *bestv = bm_safetensors_meta(st, "checkpoint_best"),
		   *hist = bm_safetensors_meta(st, "checkpoint_history");
	if (meta_u64(st, "checkpoint_epoch", &epoch) < 0 || meta_u64(st, "checkpoint_step", &s->step) < 0 ||
	    meta_u64(st, "checkpoint_optimizer_t", &t) < 0 || meta_u64(st, "checkpoint_best_epoch", &best_epoch) < 0 ||
	    meta_u64(st, "checkpoint_wait", &wait) < 0 || meta_u64(st, "checkpoint_stopped", &stopped) < 0)
		goto out;
	if (!rng || strlen(rng) != 64 || !bestv || !hist) {
		bm_seterr("%s: not a bm-train checkpoint (bad rng, best or history)", path);
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		char part[17];
		memcpy(part, rng + 16 * i, 16);
		part[16] = '\0';
		s->rng.s[i] = strtoull(part, NULL, 16);
	}
	if (!bm_values_parse_num(bestv, strlen(bestv), &s->best, NULL)) {
		bm_seterr("%s: bad checkpoint value checkpoint_best '%s'", path, bestv);
		goto out;
	}
	s->epoch = (int)epoch;
	s->best_epoch = (int)best_epoch;
	s->wait = (int)wait;
	s->stopped = stopped != 0;
	opt->t = t;
	uint64_t n = opt->n, np = m->nparams;
	if (bm_model_load_weights(st, m) < 0 || bm_safetensors_read_f32(st, "optimizer.m", 1, &n, opt->m) < 0 ||
	    bm_safetensors_read_f32(st, "optimizer.v", 1, &n, opt->v) < 0)
		goto out;
	if (best && bm_safetensors_has(st, "best.params") && bm_safetensors_read_f32(st, "best.params", 1, &np, best) < 0)
		goto out;
	bm_buf_set(&s->history, hist, strlen(hist));
	rc = 0;
out:
	bm_safetensors_close(st);
	return rc;
}

/* ---- the loop ---- */

/* Loss and accuracy of M on rows [lo, hi) of D, without dropout. */
static void evaluate(bm_mlp_t *m, const bm_spec_t *spec, const bm_data_t *d, uint64_t lo, uint64_t hi, int bs,
                     double *loss, double *acc)
{
	double ls = 0, as = 0;
	for (uint64_t r = lo; r < hi; r += (uint64_t)bs) {
		int B = (int)(hi - r < (uint64_t)bs ? hi - r : (uint64_t)bs);
		bm_target_t t = {d->labels ? d->labels + r : NULL, d->values ? d->values + r * (uint64_t)d->k : NULL, d->k};
		double a = 0;
		bm_mlp_forward(m, d->x + r * (uint64_t)d->d, B, false, NULL);
		ls += bm_mlp_loss(m, spec->loss, &t, B, &a) * B;
		as += a;
	}
	double n = (double)(hi - lo);
	*loss = ls / n + bm_mlp_l2(m, spec->l2, false);
	*acc = as / n;
}

static void bar(int done, int total, double t0, double loss, double acc, bool has_acc)
{
	char b[31];
	int w = total ? (int)((int64_t)30 * done / total) : 30;
	for (int i = 0; i < 30; i++)
		b[i] = i < w ? '=' : i == w ? '>' : '.';
	b[30] = '\0';
	double el = bm_seconds() - t0, eta = done ? el / done * (total - done) : 0;
	fprintf(stderr, "\r%*d/%d [%s] - ETA: %.0fs - loss: %.4f", (int)snprintf(NULL, 0, "%d", total), done, total, b,
	        eta, loss);
	if (has_acc)
		fprintf(stderr, " - accuracy: %.4f", acc);
	fprintf(stderr, "\033[K");
}

bm_mlp_t *bm_fit(const bm_spec_t *spec, const bm_data_t *d, const bm_fit_opts_t *o)
{
	bm_mlp_t *m = bm_mlp_new(spec);
	if (!m)
		return NULL;
	bm_mlp_set_threads(m, o->threads);
	bm_optim_t *opt = NULL;
	uint32_t *perm = NULL;
	float *xb = NULL, *vb = NULL, *best = NULL;
	int32_t *lb = NULL;
	state_t s = {0};
	bool ok = false;
	const int bs = spec->batch_size, k = d->k;
	const bool has_acc = bm_loss_has_accuracy(spec->loss);

	/* The split: Keras takes the last fraction of the rows, before shuffling. */
	uint64_t ntrain = d->n;
	const bm_data_t *vd = o->validation;
	uint64_t vlo = 0, vhi = 0;
	if (spec->validation_split > 0 && !vd) {
		ntrain = (uint64_t)floor((double)d->n * (1.0 - spec->validation_split));
		vd = d;
		vlo = ntrain;
		vhi = d->n;
		if (ntrain == 0 || ntrain == d->n) {
			bm_seterr("--validation-split %g of %" PRIu64 " rows leaves %s", spec->validation_split, d->n,
			          ntrain == 0 ? "no rows to train on" : "no validation rows");
			goto out;
		}
	} else if (vd) {
		vhi = vd->n;
	}
	const bool has_val = vd != NULL;
	const bool mon_val = spec->monitor == BM_MON_VAL_LOSS || spec->monitor == BM_MON_VAL_ACCURACY;
	const bool mon_max = spec->monitor == BM_MON_VAL_ACCURACY || spec->monitor == BM_MON_ACCURACY;
	if (spec->patience > 0 && mon_val && !has_val) {
		bm_seterr("--patience with --monitor %s needs validation data", bm_monitor_name(spec->monitor));
		goto out;
	}
	if (spec->patience > 0 && mon_max && !has_acc) {
		bm_seterr("--monitor %s: the loss %s has no accuracy", bm_monitor_name(spec->monitor),
		          bm_loss_name(spec->loss));
		goto out;
	}
	int evb = bs < 256 ? 256 : bs; /* evaluation batches */
	if (bm_mlp_reserve(m, bs > evb ? bs : evb) < 0)
		goto out;
	opt = bm_optim_new(spec, m->nparams);
	perm = malloc(ntrain * sizeof *perm);
	xb = malloc((size_t)bs * (size_t)d->d * sizeof *xb);
	if (d->labels)
		lb = malloc((size_t)bs * sizeof *lb);
	else
		vb = malloc((size_t)bs * (size_t)k * sizeof *vb);
	if (spec->patience > 0)
		best = malloc(m->nparams * sizeof *best);
	if (!opt || !perm || !xb || (!lb && !vb) || (spec->patience > 0 && !best)) {
		bm_seterr("out of memory");
		goto out;
	}

	s.best = mon_max ? -INFINITY : INFINITY;
	s.best_epoch = -1;
	if (o->resume) {
		if (load_checkpoint(o->resume, m, opt, best, &s) < 0)
			goto out;
	} else {
		bm_rng_seed(&s.rng, spec->seed);
		bm_mlp_init_weights(m, spec->init, &s.rng);
		if (o->initial) {
			bm_safetensors_t *st = bm_safetensors_open(o->initial);
			int rc = st ? bm_model_load_weights(st, m) : -1;
			bm_safetensors_close(st);
			if (rc < 0)
				goto out;
		}
		char h[128];
		snprintf(h, sizeof h, "epoch\tloss%s%s%s\tlr\tseconds\n", has_acc ? "\taccuracy" : "",
		         has_val ? "\tval_loss" : "", has_val && has_acc ? "\tval_accuracy" : "");
		bm_buf_addstr(&s.history, h);
	}

	const uint64_t nbatches = (ntrain + (uint64_t)bs - 1) / (uint64_t)bs;
	const uint64_t total_steps = nbatches * (uint64_t)spec->epochs;
	for (int epoch = s.epoch; epoch < spec->epochs && !s.stopped; epoch++) {
		double t0 = bm_seconds(), lsum = 0, asum = 0, last_draw = 0;
		for (uint64_t i = 0; i < ntrain; i++)
			perm[i] = (uint32_t)i;
		if (spec->shuffle)
			bm_rng_shuffle(&s.rng, perm, ntrain);
		double lr = 0;
		for (uint64_t b = 0; b < nbatches; b++) {
			uint64_t start = b * (uint64_t)bs;
			int B = (int)(ntrain - start < (uint64_t)bs ? ntrain - start : (uint64_t)bs);
			/* gather the batch into contiguous buffers */
			for (int r = 0; r < B; r++) {
				uint64_t row = perm[start + (uint64_t)r];
				memcpy(xb + (size_t)r * d->d, d->x + row * (uint64_t)d->d, (size_t)d->d * sizeof *xb);
				if (lb)
					lb[r] = d->labels[row];
				else
					memcpy(vb + (size_t)r * k, d->values + row * (uint64_t)k, (size_t)k * sizeof *vb);
			}
			bm_target_t t = {lb, vb, k};
			double acc = 0;
			bm_mlp_forward(m, xb, B, true, &s.rng);
			double loss = bm_mlp_loss(m, spec->loss, &t, B, &acc);
			bm_mlp_zero_grad(m);
			loss += bm_mlp_l2(m, spec->l2, true);
			if (!isfinite(loss)) {
				bm_seterr("the loss is %s at epoch %d, batch %" PRIu64 "; stopping (try a smaller "
				          "--learning-rate or scaled inputs)", isnan(loss) ? "NaN" : "infinite", epoch + 1,
				          b + 1);
				if (o->verbose >= 2)
					fputc('\n', stderr);
				goto out;
			}
			bm_mlp_backward(m, xb, B);
			if (spec->clip_norm > 0)
				bm_clip_norm(m->grads, m->nparams, spec->clip_norm);
			lr = bm_schedule_lr(spec, epoch, s.step, total_steps);
			bm_optim_step(opt, m->params, m->grads, lr);
			s.step++;
			lsum += loss * B;
			asum += acc;
			if (o->verbose >= 2) {
				double tn = bm_seconds();
				if (tn - last_draw > 0.1 || b + 1 == nbatches) {
					uint64_t seen = start + (uint64_t)B;
					bar((int)(b + 1), (int)nbatches, t0, lsum / (double)seen, asum / (double)seen, has_acc);
					last_draw = tn;
				}
			}
		}
		double loss = lsum / (double)ntrain, acc = asum / (double)ntrain, vloss = 0, vacc = 0;
		if (has_val)
			evaluate(m, spec, vd, vlo, vhi, evb, &vloss, &vacc);
		double secs = bm_seconds() - t0;
		s.epoch = epoch + 1;

		char line[512];
		size_t len = (size_t)snprintf(line, sizeof line, "%d\t%.9g", epoch + 1, loss);
		if (has_acc)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", acc);
		if (has_val)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", vloss);
		if (has_val && has_acc)
			len += (size_t)snprintf(line + len, sizeof line - len, "\t%.9g", vacc);
		snprintf(line + len, sizeof line - len, "\t%.9g\t%.3f\n", lr, secs);
		bm_buf_addstr(&s.history, line);
		if (o->verbose >= 1) {
			if (o->verbose >= 2)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "Epoch %d/%d - %.1fs - loss: %.4f", epoch + 1, spec->epochs, secs, loss);
			if (has_acc)
				fprintf(stderr, " - accuracy: %.4f", acc);
			if (has_val)
				fprintf(stderr, " - val_loss: %.4f", vloss);
			if (has_val && has_acc)
				fprintf(stderr, " - val_accuracy: %.4f", vacc);
			fprintf(stderr, "\n");
		}

		/* EarlyStopping(monitor, min_delta, patience, restore_best_weights=True):
		 * an improvement beats the best by more than min_delta */
		if (spec->patience > 0) {
			const double mv[BM_MON_COUNT] = {vloss, vacc, loss, acc}, cur = mv[spec->monitor];
			s.wait++;
			if (mon_max ? cur - spec->min_delta > s.best : cur + spec->min_delta < s.best) {
				s.best = cur;
				s.best_epoch = epoch;
				s.wait = 0;
				memcpy(best, m->params, m->nparams * sizeof *best);
			} else if (s.wait >= spec->patience && epoch > 0) {
				s.stopped = true;
				memcpy(m->params, best, m->nparams * sizeof *best);
				if (o->verbose >= 1)
					fprintf(stderr, "Early stopping after epoch %d: restoring the weights of epoch %d "
					                "(%s %.4f)\n", epoch + 1, s.best_epoch + 1,
					        bm_monitor_name(spec->monitor), s.best);
			}
		}
		if (o->checkpoint && write_checkpoint(o->checkpoint, m, spec, d, opt, best, &s) < 0)
			goto out;
	}

	if (o->history) {
		bm_out_t *h = bm_out_open(o->history, 0);
		if (!h)
			goto out;
		if (bm_out_write(h, s.history.s, s.history.len) < 0) {
			bm_out_abort(h);
			goto out;
		}
		if (bm_out_commit(h) < 0)
			goto out;
	}
	ok = true;
out:
	bm_optim_free(opt);
	free(perm);
	free(xb);
	free(vb);
	free(lb);
	free(best);
	free(s.history.s);
	if (!ok) {
		bm_mlp_free(m);
		return NULL;
	}
	return m;
}

