/* bm-clean: pandas-grade CSV cleaning as a streaming filter, and CSV to tensors. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_clean.h"
#include "bm_cli.h"
#include "bm_err.h"
#include "bm_stream.h"

static void usage(void)
{
	printf("Usage: bm-clean [OPTION]... [FILE]...\n"
	       "Clean CSV as pandas does (missing values, dropna, fillna, selection,\n"
	       "dedup) and write CSV, or a BMT1 tensor stream for bm-train.\n"
	       "Input may be gzip-compressed; no FILE or '-' reads standard input.\n"
	       "\n"
	       "Reading:\n"
	       "  -d, --delimiter CHAR   field delimiter; 'tab' or '\\t' for tab [,]\n"
	       "      --no-header        the first line is data; columns are named 1..n\n"
	       "      --comment CHAR     ignore the rest of a line from CHAR on [none]\n"
	       "      --na-values LIST   more strings that mean missing (comma-separated)\n"
	       "      --no-default-na    only --na-values are missing (not '', NA, NaN...)\n"
	       "      --ragged=MODE      rows with too few fields: error or pad [error]\n"
	       "\n"
	       "Operations (applied in this order):\n"
	       "      --columns LIST     keep these columns, in this order (names or 1-based numbers)\n"
	       "      --drop LIST        drop these columns\n"
	       "      --dropna[=HOW]     drop rows with any (or all) missing values [any]\n"
	       "      --subset LIST      columns that --dropna, --thresh and --dedup look at [all]\n"
	       "      --thresh N         keep rows with at least N values present\n"
	       "      --ffill            fill a missing value with the last one above it\n"
	       "      --bfill            fill a missing value with the next one below it\n"
	       "      --fillna VALUE     fill missing values: a constant, mean, median or mode,\n"
	       "                         or COL=VALUE,... per column (repeatable)\n"
	       "      --dedup            drop duplicate rows, keeping the first\n"
	       "      --report           per column type, missing and filled counts to stderr\n"
	       "\n"
	       "Output:\n"
	       "  -o, --output FILE      write FILE (atomically) instead of standard output\n"
	       "  -z, --gzip             compress the output (implied by -o NAME.gz)\n"
	       "      --tensor           write a BMT1 tensor stream: x, y, classes, columns\n"
	       "      --label COL        the label column (y)\n"
	       "      --regression       y is f32 targets, not class ids\n"
	       "      --onehot LIST      one-hot encode these columns (others must be numeric)\n"
	       "                         [columns whose first value is not a number]\n"
	       "      --coerce           a non-number in a numeric column is missing, not an error\n"
	       "      --standardize      scale numeric features to mean 0, std 1 (ddof 0)\n"
	       "      --minmax           scale numeric features to [0, 1]\n"
	       "      --save-stats FILE  save categories, classes, scaling and fill statistics\n"
	       "      --load-stats FILE  use them instead of computing them from the input\n"
	       "      --split FRAC       send a fraction FRAC of rows to --test-out\n"
	       "      --test-out FILE    where the test rows go\n"
	       "      --stratify         keep the class proportions of --label in both parts\n"
	       "      --seed N           random seed of --split [0]\n"
	       "  -j, --threads N        threads: gzip input is decompressed and split in a\n"
	       "                         second thread; --tensor reads a plain file in N parts\n"
	       "                         [all online cores]\n"
	       "  -q, --quiet            no progress lines\n"
	       "      --progress         rows read so far, on stderr, even when it is not a\n"
	       "                         terminal\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n"
	       "See bm-clean(1).\n");
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum {
		O_NOHEADER = 256, O_COMMENT, O_NAVALUES, O_NODEFNA, O_RAGGED, O_COLUMNS, O_DROP, O_DROPNA,
		O_SUBSET, O_THRESH, O_FFILL, O_BFILL, O_FILLNA, O_DEDUP, O_REPORT, O_TENSOR, O_LABEL,
		O_REGRESSION, O_ONEHOT, O_COERCE, O_STANDARDIZE, O_MINMAX, O_SAVESTATS, O_LOADSTATS,
		O_SPLIT, O_TESTOUT, O_STRATIFY, O_SEED, O_PROGRESS,
	};
	static const struct option longopts[] = {
		{"delimiter", required_argument, NULL, 'd'},
		{"no-header", no_argument, NULL, O_NOHEADER},
		{"comment", required_argument, NULL, O_COMMENT},
		{"na-values", required_argument, NULL, O_NAVALUES},
		{"no-default-na", no_argument, NULL, O_NODEFNA},
		{"ragged", required_argument, NULL, O_RAGGED},
		{"columns", required_argument, NULL, O_COLUMNS},
		{"drop", required_argument, NULL, O_DROP},
		{"dropna", optional_argument, NULL, O_DROPNA},
		{"subset", required_argument, NULL, O_SUBSET},
		{"thresh", required_argument, NULL, O_THRESH},
		{"ffill", no_argument, NULL, O_FFILL},
		{"bfill", no_argument, NULL, O_BFILL},
		{"fillna", required_argument, NULL, O_FILLNA},
		{"dedup", no_argument, NULL, O_DEDUP},
		{"report", no_argument, NULL, O_REPORT},
		{"output", required_argument, NULL, 'o'},
		{"gzip", no_argument, NULL, 'z'},
		{"tensor", no_argument, NULL, O_TENSOR},
		{"label", required_argument, NULL, O_LABEL},
		{"regression", no_argument, NULL, O_REGRESSION},
		{"onehot", required_argument, NULL, O_ONEHOT},
		{"coerce", no_argument, NULL, O_COERCE},
		{"standardize", no_argument, NULL, O_STANDARDIZE},
		{"minmax", no_argument, NULL, O_MINMAX},
		{"save-stats", required_argument, NULL, O_SAVESTATS},
		{"load-stats", required_argument, NULL, O_LOADSTATS},
		{"split", required_argument, NULL, O_SPLIT},
		{"test-out", required_argument, NULL, O_TESTOUT},
		{"stratify", no_argument, NULL, O_STRATIFY},
		{"seed", required_argument, NULL, O_SEED},
		{"threads", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"progress", no_argument, NULL, O_PROGRESS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bm_clean_opts_t o;
	bm_clean_opts_init(&o);
	o.threads = bm_online_cores();
	const char **fills = calloc((size_t)argc, sizeof *fills);
	if (!fills)
		bm_die("out of memory");
	o.fillna = fills;
	int c, quiet = 0, progress = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:zj:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (strcmp(optarg, "\\t") == 0 || strcmp(optarg, "tab") == 0)
				optarg = "\t";
			if (strlen(optarg) != 1 || optarg[0] == '"' || optarg[0] == '\n' || optarg[0] == '\r')
				bm_usage_error("--delimiter: '%s' must be one character (not a quote or line break)", optarg);
			o.delim = optarg[0];
			break;
		case O_NOHEADER: o.no_header = true; break;
		case O_COMMENT:
			if (strlen(optarg) != 1 || optarg[0] == '\n' || optarg[0] == '\r')
				bm_usage_error("--comment: '%s' must be one character", optarg);
			o.comment = (unsigned char)optarg[0];
			break;
		case O_NAVALUES: o.na_values = optarg; break;
		case O_NODEFNA: o.no_default_na = true; break;
		case O_RAGGED:
			if (strcmp(optarg, "pad") == 0)
				o.ragged_pad = true;
			else if (strcmp(optarg, "error") == 0)
				o.ragged_pad = false;
			else
				bm_usage_error("--ragged: '%s' is not pad or error", optarg);
			break;
		case O_COLUMNS: o.columns = optarg; break;
		case O_DROP: o.drop = optarg; break;
		case O_DROPNA:
			if (!optarg || strcmp(optarg, "any") == 0)
				o.dropna = BM_DROPNA_ANY;
			else if (strcmp(optarg, "all") == 0)
				o.dropna = BM_DROPNA_ALL;
			else
				bm_usage_error("--dropna: '%s' is not any or all", optarg);
			break;
		case O_SUBSET: o.subset = optarg; break;
		case O_THRESH: o.thresh = bm_opt_int(optarg, "--thresh", 0, INT32_MAX); break;
		case O_FFILL: o.ffill = true; break;
		case O_BFILL: o.bfill = true; break;
		case O_FILLNA: fills[o.nfillna++] = optarg; break;
		case O_DEDUP: o.dedup = true; break;
		case O_REPORT: o.report = true; break;
		case 'o': o.output = optarg; break;
		case 'z': o.gzip = true; break;
		case O_TENSOR: o.tensor = true; break;
		case O_LABEL: o.label = optarg; break;
		case O_REGRESSION: o.regression = true; break;
		case O_ONEHOT: o.onehot = optarg; break;
		case O_COERCE: o.coerce = true; break;
		case O_STANDARDIZE:
		case O_MINMAX:
			if (o.scale > 0)
				bm_usage_error("--standardize and --minmax exclude each other");
			o.scale = c == O_STANDARDIZE ? BM_SCALE_STANDARDIZE : BM_SCALE_MINMAX;
			break;
		case O_SAVESTATS: o.save_stats = optarg; break;
		case O_LOADSTATS: o.load_stats = optarg; break;
		case O_SPLIT: o.split = bm_opt_double(optarg, "--split", 0, 1); break;
		case O_TESTOUT: o.test_out = optarg; break;
		case O_STRATIFY: o.stratify = true; break;
		case O_SEED: o.seed = (uint64_t)bm_opt_int(optarg, "--seed", 0, INT64_MAX); break;
		case 'j': o.threads = bm_opt_threads(optarg); break;
		case 'q': quiet = 1; break;
		case O_PROGRESS: progress = 1; break;
		case 'h':
			usage();
			free(fills);
			return bm_cli_exit(BM_EXIT_OK);
		case 'V':
			bm_print_version();
			free(fills);
			return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	o.progress = bm_progress_wanted(progress, quiet);
	if (bm_clean_check_opts(&o) < 0)
		bm_usage_error("%s", bm_errmsg());
	int status = bm_clean_run(&o, argv + optind, argc - optind);
	free(fills);
	if (status == BM_EXIT_USAGE)
		bm_usage_error("%s", bm_errmsg());
	if (status != BM_EXIT_OK)
		bm_die("%s", bm_errmsg());
	return bm_cli_exit(status);
}
