/* bm-eval: score predictions against the truth, as sklearn.metrics does. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_eval.h"
#include "bm_gate.h"
#include "bm_io.h"
#include "bm_metrics.h"
#include "bm_report.h"

static void usage(void)
{
	printf("Usage: bm-eval [OPTION]... [FILE]\n"
	       "       bm-eval [OPTION]... --truth FILE --pred FILE\n"
	       "       bm-eval [OPTION]... --csv FILE --truth-col COL --pred-col COL\n"
	       "Score predictions against the truth with scikit-learn's metrics: accuracy,\n"
	       "precision/recall/F1, kappa, MCC, log loss, top-k, ROC AUC; or regression errors.\n"
	       "FILE is a tensor stream (bm-tensor(5)) with y frames and p (probabilities) or\n"
	       "pred (class ids) frames, and optionally classes; no FILE or '-' reads standard input.\n"
	       "\n"
	       "Input:\n"
	       "      --truth FILE        true labels, one per line (integers or strings)\n"
	       "      --pred FILE         predicted labels, line for line with --truth\n"
	       "      --csv FILE          read two columns of a CSV file (first row: header)\n"
	       "      --truth-col COL     the column of true labels: name or 1-based number\n"
	       "      --pred-col COL      the column of predicted labels\n"
	       "      --no-header         the CSV file has no header row\n"
	       "  -r, --regression        real-valued targets (automatic for float y frames)\n"
	       "\n"
	       "Output:\n"
	       "  -f, --format FMT        report, json or tsv [report]\n"
	       "  -m, --metric NAME       print only this metric's value\n"
	       "      --digits N          decimals of the report and of -m [6]\n"
	       "  -k, --top-k N           k of top_k_accuracy [2]\n"
	       "      --no-roc-auc        skip ROC AUC, which keeps every score in memory\n"
	       "      --fail-under NAME=V exit 3 when metric NAME is below V (repeatable)\n"
	       "      --fail-over NAME=V  exit 3 when metric NAME is above V (for losses)\n"
	       "  -o, --output FILE       write FILE (atomically) instead of standard output\n"
	       "  -q, --quiet             no warnings about ill-defined metrics\n"
	       "  -h, --help              show this help and exit\n"
	       "  -V, --version           show the version and exit\n"
	       "\n"
	       "Metrics: accuracy balanced_accuracy precision_macro recall_macro f1_macro\n"
	       "  (and _micro, _weighted) cohen_kappa mcc log_loss top_k_accuracy roc_auc\n"
	       "  roc_auc_ovr mse rmse mae r2 max_error\n"
	       "\n"
	       "Exit status: 0 success, 1 bad data or I/O error, 2 usage error,\n"
	       "3 a --fail-under or --fail-over gate failed. See bm-eval(1).\n");
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum {
		OPT_TRUTH = 256, OPT_PRED, OPT_CSV, OPT_TRUTH_COL, OPT_PRED_COL, OPT_NO_HEADER,
		OPT_DIGITS, OPT_NO_ROC, OPT_FAIL_UNDER, OPT_FAIL_OVER,
	};
	static const struct option longopts[] = {
		{"truth", required_argument, NULL, OPT_TRUTH},
		{"pred", required_argument, NULL, OPT_PRED},
		{"csv", required_argument, NULL, OPT_CSV},
		{"truth-col", required_argument, NULL, OPT_TRUTH_COL},
		{"pred-col", required_argument, NULL, OPT_PRED_COL},
		{"no-header", no_argument, NULL, OPT_NO_HEADER},
		{"regression", no_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{"metric", required_argument, NULL, 'm'},
		{"digits", required_argument, NULL, OPT_DIGITS},
		{"top-k", required_argument, NULL, 'k'},
		{"no-roc-auc", no_argument, NULL, OPT_NO_ROC},
		{"fail-under", required_argument, NULL, OPT_FAIL_UNDER},
		{"fail-over", required_argument, NULL, OPT_FAIL_OVER},
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bm_eval_opts_t o = {.topk = 2};
	const char *format = "report", *output = NULL;
	int metric = -1, digits = 6, quiet = 0, no_roc = 0, format_set = 0;
	bm_gate_list_t gates = {.n = 0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rf:m:k:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TRUTH: o.truth = optarg; break;
		case OPT_PRED: o.pred = optarg; break;
		case OPT_CSV: o.csv = optarg; break;
		case OPT_TRUTH_COL: o.truth_col = optarg; break;
		case OPT_PRED_COL: o.pred_col = optarg; break;
		case OPT_NO_HEADER: o.no_header = true; break;
		case 'r': o.regression = true; break;
		case 'f':
			if (strcmp(optarg, "report") && strcmp(optarg, "json") && strcmp(optarg, "tsv"))
				bm_usage_error("--format: '%s' is not report, json or tsv", optarg);
			format = optarg;
			format_set = 1;
			break;
		case 'm':
			if ((metric = bm_metric_parse(optarg)) < 0)
				bm_usage_error("--metric: unknown metric '%s'", optarg);
			break;
		case OPT_DIGITS: digits = (int)bm_opt_int(optarg, "--digits", 0, 17); break;
		case 'k': o.topk = (int)bm_opt_int(optarg, "--top-k", 1, 1 << 30); break;
		case OPT_NO_ROC: no_roc = 1; break;
		case OPT_FAIL_UNDER:
		case OPT_FAIL_OVER:
			if (bm_gate_add(&gates, optarg, c == OPT_FAIL_OVER) < 0)
				bm_usage_error("%s", bm_errmsg());
			break;
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (metric >= 0 && format_set)
		bm_usage_error("--metric prints one number: it takes no --format");
	int nfiles = argc - optind;
	if (nfiles > 1)
		bm_usage_error("expected at most one FILE, got %d", nfiles);
	o.stream = nfiles ? argv[optind] : NULL;
	if (o.csv) {
		if (o.truth || o.pred)
			bm_usage_error("--csv and --truth/--pred exclude each other");
		if (!o.truth_col || !o.pred_col)
			bm_usage_error("--csv needs --truth-col and --pred-col");
	} else {
		if (o.truth_col || o.pred_col || o.no_header)
			bm_usage_error("--truth-col, --pred-col and --no-header go with --csv");
		if (!o.truth != !o.pred)
			bm_usage_error("--truth and --pred go together");
		if (o.truth && (strcmp(o.truth, "-") == 0 && strcmp(o.pred, "-") == 0))
			bm_usage_error("--truth and --pred cannot both read standard input");
	}
	if ((o.csv || o.truth) && nfiles)
		bm_usage_error("a FILE argument and --%s exclude each other", o.csv ? "csv" : "truth");

	/* ROC AUC keeps every score: only when it is printed or gated on */
	bool wants[BM_M_COUNT] = {false};
	bool all = metric < 0;
	if (metric >= 0)
		wants[metric] = true;
	bm_gate_want(&gates, wants);
	o.keep_scores = (all && !no_roc) || wants[BM_M_ROC_AUC] || wants[BM_M_ROC_AUC_OVR];

	bm_eval_t ev;
	if (bm_eval_run(&o, &ev) < 0)
		bm_die("%s", bm_errmsg());

	if (bm_gate_require(&ev, wants) < 0)
		bm_die("%s", bm_errmsg());
	if (metric >= 0 && ev.state[metric] == BM_UNDEFINED)
		bm_die("%s is not defined: %s", bm_metric_name(metric), ev.why[metric]);
	if (!quiet)
		bm_report_warnings(&ev, all ? NULL : wants, bm_warn);

	bm_out_t *out = bm_out_open(output, 0);
	if (!out)
		bm_die("%s", bm_errmsg());
	int rc;
	if (metric >= 0)
		rc = bm_report_metric(out, &ev, metric, digits);
	else if (strcmp(format, "json") == 0)
		rc = bm_report_json(out, &ev);
	else if (strcmp(format, "tsv") == 0)
		rc = bm_report_tsv(out, &ev);
	else
		rc = bm_report_text(out, &ev, digits);
	if (rc < 0 || bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());

	int status = bm_gate_check(&gates, &ev, digits, bm_warn);
	bm_eval_free(&ev);
	return bm_cli_exit(status);
}
