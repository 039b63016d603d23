/* bm-eval: score predictions against the truth, as sklearn.metrics does. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_eval.h"
#include "bm_io.h"
#include "bm_metrics.h"

enum { EXIT_GATE = 3 }; /* a --fail-under/--fail-over gate failed */

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

typedef struct {
	int metric;
	double value;
	bool over; /* --fail-over */
} gate_t;

static gate_t parse_gate(const char *arg, const char *opt, bool over)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		bm_usage_error("%s: expected NAME=VALUE, got '%s'", opt, arg);
	char name[64];
	size_t len = (size_t)(eq - arg);
	if (len >= sizeof name)
		len = sizeof name - 1;
	memcpy(name, arg, len);
	name[len] = '\0';
	int m = bm_metric_parse(name);
	if (m < 0)
		bm_usage_error("%s: unknown metric '%s'", opt, name);
	return (gate_t){m, bm_opt_double(eq + 1, opt, -INFINITY, INFINITY), over};
}

/* "a, b, c" of the labels where FLAG[i] is set, at most 10 named. */
static void name_list(char *buf, size_t size, const bm_eval_t *ev, const uint64_t *count)
{
	size_t used = 0, shown = 0, total = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ev->nlabels; i++) {
		if (count[i] != 0)
			continue;
		total++;
		if (shown < 10 && used < size) {
			used += (size_t)snprintf(buf + used, size - used, "%s%s", shown ? ", " : "", ev->names[i]);
			shown++;
		}
	}
	if (total > shown && used < size)
		snprintf(buf + used, size - used, ", ... (%zu in all)", total);
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
	gate_t gates[64];
	int ngates = 0;
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
			if (ngates == (int)(sizeof gates / sizeof gates[0]))
				bm_usage_error("too many --fail-under/--fail-over gates");
			gates[ngates++] = parse_gate(optarg, c == OPT_FAIL_OVER ? "--fail-over" : "--fail-under",
						     c == OPT_FAIL_OVER);
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
	for (int i = 0; i < ngates; i++)
		wants[gates[i].metric] = true;
	o.keep_scores = (all && !no_roc) || wants[BM_M_ROC_AUC] || wants[BM_M_ROC_AUC_OVR];

	bm_eval_t ev;
	if (bm_eval_run(&o, &ev) < 0)
		bm_die("%s", bm_errmsg());

	/* the metrics asked for must exist for this input */
	for (int m = 0; m < BM_M_COUNT; m++) {
		if (!wants[m] || ev.state[m] != BM_ABSENT)
			continue;
		int needs = bm_metric_needs(m);
		if (needs == BM_NEEDS_REGRESSION)
			bm_die("%s is a regression metric, and the input is classification", bm_metric_name(m));
		if (ev.regression)
			bm_die("%s is a classification metric, and the input is regression", bm_metric_name(m));
		if (m == BM_M_ROC_AUC && ev.state[BM_M_ROC_AUC_OVR] != BM_ABSENT)
			bm_die("roc_auc is for binary problems; this one has %zu classes: use roc_auc_ovr",
			       ev.topk_classes);
		if (m == BM_M_ROC_AUC_OVR && ev.state[BM_M_ROC_AUC] != BM_ABSENT)
			bm_die("roc_auc_ovr is for 3 classes or more; this problem is binary: use roc_auc");
		bm_die("%s needs probabilities (p frames), and the input has class ids only", bm_metric_name(m));
	}
	if (metric >= 0 && ev.state[metric] == BM_UNDEFINED)
		bm_die("%s is not defined: %s", bm_metric_name(metric), ev.why[metric]);

	/* sklearn's warnings, for the metrics printed */
	if (!quiet && !ev.regression) {
		bool prf = all;
		for (int m = BM_M_PRECISION_MACRO; m <= BM_M_F1_WEIGHTED; m++)
			if (m < BM_M_PRECISION_MICRO || m > BM_M_F1_MICRO)
				prf |= wants[m];
		char list[1024];
		bool p_used = all || wants[BM_M_PRECISION_MACRO] || wants[BM_M_PRECISION_WEIGHTED] ||
			      wants[BM_M_F1_MACRO] || wants[BM_M_F1_WEIGHTED];
		bool r_used = all || wants[BM_M_RECALL_MACRO] || wants[BM_M_RECALL_WEIGHTED] ||
			      wants[BM_M_F1_MACRO] || wants[BM_M_F1_WEIGHTED];
		if (prf && p_used && ev.n_no_pred) {
			name_list(list, sizeof list, &ev, ev.npred);
			bm_warn("warning: precision and F-score are ill-defined and set to 0.0 for labels never predicted: %s", list);
		}
		if (prf && r_used && ev.n_no_true) {
			name_list(list, sizeof list, &ev, ev.support);
			bm_warn("warning: recall and F-score are ill-defined and set to 0.0 for labels never true: %s", list);
		}
		if ((all || wants[BM_M_BALANCED_ACCURACY]) && ev.warn_balanced) {
			name_list(list, sizeof list, &ev, ev.support);
			bm_warn("warning: balanced_accuracy leaves out labels predicted but never true: %s", list);
		}
		if ((all || wants[BM_M_TOP_K_ACCURACY]) && ev.warn_topk && ev.state[BM_M_TOP_K_ACCURACY])
			bm_warn("warning: top_k_accuracy: k (%d) >= the number of classes (%zu) gives a perfect score",
				ev.topk, ev.topk_classes);
	}

	bm_out_t *out = bm_out_open(output, 0);
	if (!out)
		bm_die("%s", bm_errmsg());
	int rc;
	if (metric >= 0)
		rc = bm_eval_write_metric(out, &ev, metric, digits);
	else if (strcmp(format, "json") == 0)
		rc = bm_eval_write_json(out, &ev);
	else if (strcmp(format, "tsv") == 0)
		rc = bm_eval_write_tsv(out, &ev);
	else
		rc = bm_eval_write_report(out, &ev, digits);
	if (rc < 0 || bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());

	int status = BM_EXIT_OK;
	for (int i = 0; i < ngates; i++) {
		const gate_t *g = &gates[i];
		double v = ev.value[g->metric];
		const char *name = bm_metric_name(g->metric);
		if (ev.state[g->metric] == BM_UNDEFINED) {
			bm_warn("%s is not defined (%s): --fail-%s fails", name, ev.why[g->metric],
				g->over ? "over" : "under");
			status = EXIT_GATE;
		} else if (g->over ? v > g->value : v < g->value) {
			bm_warn("%s %.*f is %s %g", name, digits, v, g->over ? "above" : "under", g->value);
			status = EXIT_GATE;
		}
	}
	bm_eval_free(&ev);
	return bm_cli_exit(status);
}
