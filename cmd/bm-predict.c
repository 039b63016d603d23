/* bm-predict: apply a bm-train model to the x frames of a tensor stream. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_io.h"
#include "bm_predict.h"
#include "bm_stream.h"

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
	       BM_PREDICT_BATCH, bm_online_cores());
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
	int gzip = 0, threads = bm_online_cores(), batch_size = BM_PREDICT_BATCH;
	bool argmax = false, csv = false, stats = false;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":m:b:o:zj:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case OPT_ARGMAX: argmax = true; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				csv = true;
			else if (strcmp(optarg, "bmt") == 0)
				csv = false;
			else
				bm_usage_error("--format: expected bmt or csv, not '%s'", optarg);
			break;
		case 'b': batch_size = (int)bm_opt_int(optarg, "--batch-size", 1, 1 << 20); break;
		case 'o': output = optarg; break;
		case 'z': gzip = 1; break;
		case 'j': threads = bm_opt_threads(optarg); break;
		case OPT_STATS: stats = true; break;
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

	bm_predict_t p;
	if (bm_predict_open(&p, model, threads) < 0)
		bm_die("%s", bm_errmsg());
	if (argmax && !p.classifier)
		bm_usage_error("--argmax: %s is a regression model (loss %s)", model, bm_loss_name(p.spec.loss));
	p.argmax = argmax;
	p.csv = csv;
	p.batch_size = batch_size;

	bm_reader_t *r = bm_reader_open(input);
	if (!r)
		bm_die("%s", bm_errmsg());
	bm_reader_set_npy_name(r, "x");
	bm_out_t *out = bm_out_open(output, (gzip ? BM_OUT_GZIP : 0) | (csv ? 0 : BM_OUT_BINARY));
	if (!out) {
		bm_reader_close(r);
		bm_predict_close(&p);
		bm_die("%s", bm_errmsg());
	}
	/* Everything is freed before an error's exit too: nothing leaks. */
	int rc = bm_predict_run(&p, r, out);
	if (rc < 0)
		bm_out_abort(out);
	else
		rc = bm_out_commit(out);
	bm_reader_close(r);
	if (rc == 0 && stats)
		fprintf(stderr, "bm-predict: %" PRIu64 " rows, %.6f s in forward passes, %.0f rows/s, %d threads\n", p.rows,
		        p.forward_s, p.forward_s > 0 ? (double)p.rows / p.forward_s : 0.0, threads);
	bm_predict_close(&p);
	if (rc < 0)
		bm_die("%s", bm_errmsg());
	return bm_cli_exit(BM_EXIT_OK);
}
