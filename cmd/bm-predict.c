/* bm-predict: apply a bm-train model to the x frames of a tensor stream. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_fmt.h"
#include "bm_io.h"
#include "bm_mlp.h"
#include "bm_model.h"
#include "bm_stream.h"

/* Rows read at a time: enough blocks (BM_PREDICT_BLOCK rows each) for the
 * threads that waking them is amortized. */
#define DEFAULT_BATCH 4096

static void usage(void)
{
	printf("Usage: bm-predict -m MODEL [OPTION]... [FILE]\n"
	       "Apply the bm-train model MODEL to the x frames of the tensor stream FILE\n"
	       "(standard input without FILE or with '-'), batch by batch, and write a p\n"
	       "frame (class probabilities, or regression outputs) for each x frame. y and\n"
	       "other frames pass through, so the output can go on to bm-eval; the model's\n"
	       "class names come first as a 'classes' frame.\n"
	       "\n"
	       "  -m, --model FILE      the model (a bm-train safetensors file)\n"
	       "      --argmax          write 'pred' (i32 class ids) instead of 'p'\n"
	       "      --format FORMAT   bmt (tensor stream) or csv (text: a header of class\n"
	       "                        names, then one row per input row) [bmt]\n"
	       "  -b, --batch-size N    rows read at a time, shared out to the threads [%d]\n"
	       "  -o, --output FILE     write FILE (atomically) instead of standard output\n"
	       "  -z, --gzip            compress the output (implied by -o NAME.gz)\n"
	       "  -j, --threads N       threads; 0 or auto: all cores [%d]\n"
	       "      --stats           report rows, seconds in forward passes, and their rate\n"
	       "                        (without start-up, reading or writing) on stderr\n"
	       "  -h, --help            show this help and exit\n"
	       "  -V, --version         show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad input or I/O error, 2 usage error.\n"
	       "See bm-predict(1).\n",
	       DEFAULT_BATCH, bm_online_cores());
}

typedef struct {
	bm_mlp_t *m;
	bm_spec_t spec;
	char *classes;
	int nclasses;
	int y_ndim;
	bool argmax, csv, binary; /* binary: one sigmoid output, pred = p > 0.5 */
	int bs;
	float *xbuf;    /* [bs, input]: the batch */
	double *dbuf;   /* [bs, input]: the batch of f64 input, before conversion */
	float *obuf;    /* [bs, output]: its outputs */
	int32_t *pred;  /* [bs] */
	bm_out_t *out;
	bool stats;     /* --stats: report the forward passes' rate */
	uint64_t rows;
	double forward_s;
} pred_t;

static void csv_header(pred_t *p)
{
	if (p->argmax) {
		if (bm_out_printf(p->out, "pred\n") < 0)
			bm_die("%s", bm_errmsg());
		return;
	}
	int k = p->m->output;
	const char *c = p->classes;
	for (int j = 0; j < k; j++) {
		const char *nl = c ? strchr(c, '\n') : NULL;
		int rc;
		if (c && p->nclasses == k)
			rc = bm_out_printf(p->out, "%s%.*s", j ? "," : "", nl ? (int)(nl - c) : (int)strlen(c), c);
		else if (k == 1)
			rc = bm_out_printf(p->out, "p");
		else
			rc = bm_out_printf(p->out, "%sp%d", j ? "," : "", j);
		if (rc < 0)
			bm_die("%s", bm_errmsg());
		if (c)
			c = nl ? nl + 1 : NULL;
	}
	if (bm_out_printf(p->out, "\n") < 0)
		bm_die("%s", bm_errmsg());
}

/* The name of class J for CSV output: its name, or its id. */
static void class_name(const pred_t *p, int j, char *buf, size_t size)
{
	const char *c = p->classes;
	for (int i = 0; c && i < j; i++) {
		c = strchr(c, '\n');
		c = c ? c + 1 : NULL;
	}
	if (c && j < p->nclasses) {
		const char *nl = strchr(c, '\n');
		snprintf(buf, size, "%.*s", nl ? (int)(nl - c) : (int)strlen(c), c);
	} else {
		snprintf(buf, size, "%d", j);
	}
}

/* Predict the x frame whose header T was just read, reading its data a
 * batch at a time (bm_reader_data_part): memory is one batch. */
static void predict_frame(pred_t *p, bm_reader_t *r, const bm_tensor_t *t, const char *name, uint64_t frame)
{
	bm_mlp_t *m = p->m;
	char shape[64];
	bm_tensor_shape_str(t, shape, sizeof shape);
	if ((t->ndim != 2 && !(t->ndim == 1 && m->input == 1)) || (t->dtype != BM_F32 && t->dtype != BM_F64))
		bm_die("%s: frame %" PRIu64 ": x must be f32 [n, d], not %s %s", name, frame, bm_dtype_name(t->dtype),
		       shape);
	uint64_t n = t->dims[0], d = t->ndim == 2 ? t->dims[1] : 1;
	if (d != (uint64_t)m->input)
		bm_die("%s: frame %" PRIu64 ": x has %" PRIu64 " columns, the model takes %d", name, frame, d, m->input);
	int k = m->output;
	if (!p->csv) {
		uint64_t dims[2] = {n, (uint64_t)k};
		int rc = p->argmax ? bm_write_header(p->out, "pred", BM_I32, 1, dims)
		                   : bm_write_header(p->out, "p", BM_F32, p->y_ndim == 1 && k == 1 ? 1 : 2, dims);
		if (rc < 0)
			bm_die("%s", bm_errmsg());
	}
	if (t->dtype == BM_F64 && !p->dbuf && !(p->dbuf = malloc((size_t)p->bs * (size_t)d * sizeof(double))))
		bm_die("out of memory");
	for (uint64_t row = 0; row < n; row += (uint64_t)p->bs) {
		int B = (int)(n - row < (uint64_t)p->bs ? n - row : (uint64_t)p->bs);
		uint64_t count = (uint64_t)B * d;
		const float *x = p->xbuf;
		if (t->dtype == BM_F32) {
			if (bm_reader_data_part(r, t, p->xbuf, count * sizeof(float)) < 0)
				bm_die("%s", bm_errmsg());
		} else {
			if (bm_reader_data_part(r, t, p->dbuf, count * sizeof(double)) < 0)
				bm_die("%s", bm_errmsg());
			for (uint64_t i = 0; i < count; i++)
				p->xbuf[i] = (float)p->dbuf[i];
		}
		double t0 = bm_seconds();
		if (bm_mlp_predict(m, x, B, p->obuf) < 0)
			bm_die("%s", bm_errmsg());
		p->forward_s += bm_seconds() - t0;
		p->rows += (uint64_t)B;
		const float *out = p->obuf;
		if (p->argmax) {
			for (int i = 0; i < B; i++) {
				const float *o = out + (size_t)i * k;
				int best = 0;
				if (p->binary)
					best = o[0] > 0.5f;
				else
					for (int j = 1; j < k; j++)
						if (o[j] > o[best])
							best = j;
				p->pred[i] = best;
			}
		}
		if (!p->csv) {
			int rc = p->argmax ? bm_write_data(p->out, BM_I32, p->pred, (uint64_t)B)
			                   : bm_write_data(p->out, BM_F32, out, (uint64_t)B * (uint64_t)k);
			if (rc < 0)
				bm_die("%s", bm_errmsg());
			continue;
		}
		for (int i = 0; i < B; i++) {
			int rc = 0;
			if (p->argmax) {
				char cn[256];
				class_name(p, p->pred[i], cn, sizeof cn);
				rc = bm_out_printf(p->out, "%s\n", cn);
			} else {
				for (int j = 0; j < k && rc == 0; j++) {
					char num[32];
					bm_fmt_float(num, sizeof num, out[(size_t)i * k + j]);
					rc = bm_out_printf(p->out, "%s%s", j ? "," : "", num);
				}
				if (rc == 0)
					rc = bm_out_printf(p->out, "\n");
			}
			if (rc < 0)
				bm_die("%s", bm_errmsg());
		}
	}
	if (!p->csv && bm_write_end(p->out, p->argmax ? n * 4 : n * (uint64_t)k * 4) < 0)
		bm_die("%s", bm_errmsg());
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum { OPT_ARGMAX = 256, OPT_FORMAT, OPT_STATS };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"argmax", no_argument, NULL, OPT_ARGMAX},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"batch-size", required_argument, NULL, 'b'},
		{"output", required_argument, NULL, 'o'},
		{"gzip", no_argument, NULL, 'z'},
		{"threads", required_argument, NULL, 'j'},
		{"stats", no_argument, NULL, OPT_STATS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *model = NULL, *output = NULL;
	int gzip = 0, threads = bm_online_cores();
	pred_t p = {0};
	p.bs = DEFAULT_BATCH;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":m:b:o:zj:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case OPT_ARGMAX: p.argmax = true; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				p.csv = true;
			else if (strcmp(optarg, "bmt") == 0)
				p.csv = false;
			else
				bm_usage_error("--format: expected bmt or csv, not '%s'", optarg);
			break;
		case 'b': p.bs = (int)bm_opt_int(optarg, "--batch-size", 1, 1 << 20); break;
		case 'o': output = optarg; break;
		case 'z': gzip = 1; break;
		case 'j': threads = bm_opt_threads(optarg); break;
		case OPT_STATS: p.stats = true; break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (!model)
		bm_usage_error("no model: give -m MODEL");
	if (argc - optind > 1)
		bm_usage_error("one input FILE at most (got %d)", argc - optind);
	const char *input = optind < argc ? argv[optind] : NULL;

	p.m = bm_model_load(model, &p.spec, &p.classes, &p.y_ndim);
	if (!p.m)
		bm_die("%s", bm_errmsg());
	bm_mlp_set_threads(p.m, threads);
	if (bm_mlp_predict_init(p.m) < 0)
		bm_die("%s", bm_errmsg());
	if (p.classes) {
		p.nclasses = 1;
		for (const char *s = p.classes; *s; s++)
			p.nclasses += *s == '\n';
	}
	bool classifier = p.m->out_act == BM_ACT_SOFTMAX || p.spec.loss == BM_LOSS_SPARSE_CE ||
	                  p.spec.loss == BM_LOSS_CE || p.spec.loss == BM_LOSS_BCE;
	p.binary = p.m->output == 1 && (p.m->out_act == BM_ACT_SIGMOID || p.spec.loss == BM_LOSS_BCE);
	if (p.argmax && !classifier)
		bm_usage_error("--argmax: %s is a regression model (loss %s)", model, bm_loss_name(p.spec.loss));
	p.xbuf = malloc((size_t)p.bs * (size_t)p.m->input * sizeof(float));
	p.obuf = malloc((size_t)p.bs * (size_t)p.m->output * sizeof(float));
	p.dbuf = NULL;
	p.pred = malloc((size_t)p.bs * sizeof(int32_t));
	if (!p.xbuf || !p.obuf || !p.pred)
		bm_die("out of memory");

	bm_reader_t *r = bm_reader_open(input);
	if (!r)
		bm_die("%s", bm_errmsg());
	bm_reader_set_npy_name(r, "x");
	p.out = bm_out_open(output, (gzip ? BM_OUT_GZIP : 0) | (p.csv ? 0 : BM_OUT_BINARY));
	if (!p.out)
		bm_die("%s", bm_errmsg());
	if (p.csv)
		csv_header(&p);
	else if (p.classes && bm_write_frame(p.out, "classes", BM_U8, 1, (uint64_t[]){strlen(p.classes)}, p.classes) < 0)
		bm_die("%s", bm_errmsg());

	bm_tensor_t t = {0};
	int h;
	while ((h = bm_reader_header(r, &t)) == 1) {
		uint64_t frame = bm_reader_frame_index(r);
		bool is_x = strcmp(t.name, "x") == 0, is_c = strcmp(t.name, "classes") == 0,
		     drop = p.csv || strcmp(t.name, "columns") == 0;
		if (!is_x && !is_c && drop) {
			if (bm_reader_skip(r, &t) < 0)
				bm_die("%s", bm_errmsg());
			continue;
		}
		if (is_x) {
			predict_frame(&p, r, &t, bm_reader_name(r), frame);
			continue;
		}
		if (bm_reader_data(r, &t) < 0)
			bm_die("%s", bm_errmsg());
		if (is_c) {
			if (p.classes) {
				uint64_t len = bm_tensor_bytes(&t);
				if (t.dtype != BM_U8 || len != strlen(p.classes) || memcmp(t.data, p.classes, len) != 0)
					bm_die("%s: frame %" PRIu64 ": its class names differ from the model's", bm_reader_name(r),
					       frame);
			} else if (!p.csv && bm_write_tensor(p.out, &t) < 0) {
				bm_die("%s", bm_errmsg());
			}
		} else if (bm_write_tensor(p.out, &t) < 0) {
			bm_die("%s", bm_errmsg());
		}
	}
	if (h < 0)
		bm_die("%s", bm_errmsg());
	if (bm_out_commit(p.out) < 0)
		bm_die("%s", bm_errmsg());
	if (p.stats)
		fprintf(stderr, "bm-predict: %" PRIu64 " rows, %.6f s in forward passes, %.0f rows/s, %d threads\n", p.rows,
		        p.forward_s, p.forward_s > 0 ? (double)p.rows / p.forward_s : 0.0, threads);
	bm_tensor_free(&t);
	bm_reader_close(r);
	bm_mlp_free(p.m);
	free(p.classes);
	free(p.xbuf);
	free(p.obuf);
	free(p.dbuf);
	free(p.pred);
	return bm_cli_exit(BM_EXIT_OK);
}
