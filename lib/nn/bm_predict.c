/* bm_predict.c: a model applied to a tensor stream (see bm_predict.h). */
#include "config.h"

#include "bm_predict.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_err.h"
#include "bm_fmt.h"
#include "bm_model.h"

int bm_predict_open(bm_predict_t *p, const char *model, int threads)
{
	*p = (bm_predict_t){0};
	p->batch_size = BM_PREDICT_BATCH;
	p->m = bm_model_load(model, &p->spec, &p->classes, &p->y_ndim);
	if (!p->m)
		return -1;
	bm_mlp_set_threads(p->m, threads);
	if (bm_mlp_predict_init(p->m) < 0)
		return -1;
	bm_act_t act = p->m->out_act;
	bm_loss_t loss = p->spec.loss;
	p->classifier = act == BM_ACT_SOFTMAX || loss == BM_LOSS_SPARSE_CE || loss == BM_LOSS_CE || loss == BM_LOSS_BCE;
	p->binary = p->m->output == 1 && (act == BM_ACT_SIGMOID || loss == BM_LOSS_BCE);
	return 0;
}

void bm_predict_close(bm_predict_t *p)
{
	bm_mlp_free(p->m);
	bm_names_free(&p->classes);
	free(p->xbuf);
	free(p->obuf);
	free(p->dbuf);
	free(p->pred);
	*p = (bm_predict_t){0};
}

/* The CSV header: pred, or the class names when there is one per output,
 * else p (one output) or p0, p1, ... */
static int csv_header(const bm_predict_t *p, bm_out_t *out)
{
	if (p->argmax)
		return bm_out_printf(out, "pred\n");
	int k = p->m->output, rc = 0;
	bool named = p->classes.n == (size_t)k;
	for (int j = 0; j < k && rc == 0; j++) {
		if (named)
			rc = bm_out_printf(out, "%s%s", j ? "," : "", p->classes.names[j]);
		else if (k == 1)
			rc = bm_out_printf(out, "p");
		else
			rc = bm_out_printf(out, "%sp%d", j ? "," : "", j);
	}
	return rc < 0 ? -1 : bm_out_printf(out, "\n");
}

/* The head of the output: the CSV header, or the model's class names as
 * a classes frame. */
static int write_head(const bm_predict_t *p, bm_out_t *out)
{
	if (p->csv)
		return csv_header(p, out);
	if (p->classes.n == 0)
		return 0;
	char *text = bm_model_classes_text(&p->classes);
	if (!text)
		return -1;
	int rc = bm_write_frame(out, "classes", BM_U8, 1, (uint64_t[]){strlen(text)}, text);
	free(text);
	return rc;
}

/* Whether the classes frame T names the model's classes. */
static bool same_classes(const bm_predict_t *p, const bm_tensor_t *t)
{
	bm_names_t nm;
	if (t->dtype != BM_U8 || bm_names_parse(&nm, t->data, bm_tensor_bytes(t), "class") < 0)
		return false;
	bool same = nm.n == p->classes.n;
	for (size_t i = 0; same && i < nm.n; i++)
		same = strcmp(nm.names[i], p->classes.names[i]) == 0;
	bm_names_free(&nm);
	return same;
}

/* The B rows of outputs OUT (and their class ids in p->pred for --argmax)
 * as CSV rows: the class name (or id) for --argmax, else the outputs as
 * the shortest decimals that read back as the same floats. */
static int csv_rows(const bm_predict_t *p, bm_out_t *out, const float *o, int B)
{
	int k = p->m->output;
	for (int i = 0; i < B; i++) {
		int rc = 0;
		if (p->argmax) {
			int32_t j = p->pred[i];
			rc = (size_t)j < p->classes.n ? bm_out_printf(out, "%s\n", p->classes.names[j])
			                              : bm_out_printf(out, "%d\n", j);
		} else {
			for (int j = 0; j < k && rc == 0; j++) {
				char num[32];
				bm_fmt_float(num, sizeof num, o[(size_t)i * k + j]);
				rc = bm_out_printf(out, "%s%s", j ? "," : "", num);
			}
			if (rc == 0)
				rc = bm_out_printf(out, "\n");
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Predict the x frame whose header T was just read, reading its data a
 * batch at a time (bm_reader_data_part): memory is one batch. */
static int predict_frame(bm_predict_t *p, bm_reader_t *r, bm_out_t *out, const bm_tensor_t *t, uint64_t frame)
{
	bm_mlp_t *m = p->m;
	const char *name = bm_reader_name(r);
	char shape[64];
	bm_tensor_shape_str(t, shape, sizeof shape);
	if ((t->ndim != 2 && !(t->ndim == 1 && m->input == 1)) || (t->dtype != BM_F32 && t->dtype != BM_F64)) {
		bm_seterr("%s: frame %" PRIu64 ": x must be f32 [n, d], not %s %s", name, frame, bm_dtype_name(t->dtype),
		          shape);
		return -1;
	}
	uint64_t n = t->dims[0], d = t->ndim == 2 ? t->dims[1] : 1;
	if (d != (uint64_t)m->input) {
		bm_seterr("%s: frame %" PRIu64 ": x has %" PRIu64 " columns, the model takes %d", name, frame, d,
		          m->input);
		return -1;
	}
	int k = m->output, bs = p->batch_size;
	if (!p->csv) {
		uint64_t dims[2] = {n, (uint64_t)k};
		int rc = p->argmax ? bm_write_header(out, "pred", BM_I32, 1, dims)
		                   : bm_write_header(out, "p", BM_F32, p->y_ndim == 1 && k == 1 ? 1 : 2, dims);
		if (rc < 0)
			return -1;
	}
	if (t->dtype == BM_F64 && !p->dbuf && !(p->dbuf = malloc((size_t)bs * (size_t)d * sizeof(double)))) {
		bm_seterr("out of memory");
		return -1;
	}
	for (uint64_t row = 0; row < n; row += (uint64_t)bs) {
		int B = (int)(n - row < (uint64_t)bs ? n - row : (uint64_t)bs);
		uint64_t count = (uint64_t)B * d;
		if (t->dtype == BM_F32) {
			if (bm_reader_data_part(r, t, p->xbuf, count * sizeof(float)) < 0)
				return -1;
		} else {
			if (bm_reader_data_part(r, t, p->dbuf, count * sizeof(double)) < 0)
				return -1;
			for (uint64_t i = 0; i < count; i++)
				p->xbuf[i] = (float)p->dbuf[i];
		}
		double t0 = bm_seconds();
		if (bm_mlp_predict(m, p->xbuf, B, p->obuf) < 0)
			return -1;
		p->forward_s += bm_seconds() - t0;
		p->rows += (uint64_t)B;
		const float *o = p->obuf;
		if (p->argmax) {
			for (int i = 0; i < B; i++) {
				const float *oi = o + (size_t)i * k;
				int best = 0;
				if (p->binary)
					best = oi[0] > 0.5f;
				else
					for (int j = 1; j < k; j++)
						if (oi[j] > oi[best])
							best = j;
				p->pred[i] = best;
			}
		}
		int rc;
		if (p->csv)
			rc = csv_rows(p, out, o, B);
		else
			rc = p->argmax ? bm_write_data(out, BM_I32, p->pred, (uint64_t)B)
			               : bm_write_data(out, BM_F32, o, (uint64_t)B * (uint64_t)k);
		if (rc < 0)
			return -1;
	}
	return p->csv ? 0 : bm_write_end(out, p->argmax ? n * 4 : n * (uint64_t)k * 4);
}

int bm_predict_run(bm_predict_t *p, bm_reader_t *r, bm_out_t *out)
{
	size_t bs = (size_t)p->batch_size;
	if (!p->xbuf) {
		p->xbuf = malloc(bs * (size_t)p->m->input * sizeof(float));
		p->obuf = malloc(bs * (size_t)p->m->output * sizeof(float));
		p->pred = malloc(bs * sizeof(int32_t));
		if (!p->xbuf || !p->obuf || !p->pred) {
			bm_seterr("out of memory");
			return -1;
		}
	}
	if (write_head(p, out) < 0)
		return -1;
	bm_tensor_t t = {0};
	int h, rc = -1;
	while ((h = bm_reader_header(r, &t)) == 1) {
		uint64_t frame = bm_reader_frame_index(r);
		bool is_x = strcmp(t.name, "x") == 0, is_c = strcmp(t.name, "classes") == 0,
		     drop = p->csv || strcmp(t.name, "columns") == 0;
		if (is_x) {
			if (predict_frame(p, r, out, &t, frame) < 0)
				goto out;
			continue;
		}
		if (!is_c && drop) {
			if (bm_reader_skip(r, &t) < 0)
				goto out;
			continue;
		}
		if (bm_reader_data(r, &t) < 0)
			goto out;
		if (is_c && p->classes.n > 0) {
			if (!same_classes(p, &t)) {
				bm_seterr("%s: frame %" PRIu64 ": its class names differ from the model's", bm_reader_name(r),
				          frame);
				goto out;
			}
		} else if (!(is_c && p->csv) && bm_write_tensor(out, &t) < 0) {
			goto out;
		}
	}
	rc = h < 0 ? -1 : 0;
out:
	bm_tensor_free(&t);
	return rc;
}
