/* bm-report: charts of a training run and its evaluation, as one offline
 * HTML page or SVG files. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "bm_cli.h"
#include "bm_err.h"
#include "bm_html.h"

static void usage(void)
{
	printf("Usage: bm-report [OPTION]...\n"
	       "Draw the charts of a run as one self-contained HTML page (inline SVG and CSS,\n"
	       "no script, nothing fetched) or one SVG file per chart.\n"
	       "\n"
	       "Input (at least one):\n"
	       "      --history FILE      bm-train --history TSV: loss and accuracy per epoch\n"
	       "      --eval FILE         bm-eval -f json: confusion matrix, per-class scores\n"
	       "      --pred FILE         a tensor stream with y and p (or pred) frames, scored\n"
	       "                          as bm-eval does (instead of --eval)\n"
	       "\n"
	       "Output:\n"
	       "  -o, --output FILE       write the HTML page to FILE (atomically) [stdout]\n"
	       "      --svg DIR           write DIR/NAME.svg for each chart instead\n"
	       "  -t, --title TEXT        the page's title [bm report]\n"
	       "  -h, --help              show this help and exit\n"
	       "  -V, --version           show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad data or I/O error, 2 usage error. See bm-report(1).\n");
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum { OPT_HISTORY = 256, OPT_EVAL, OPT_PRED, OPT_SVG };
	static const struct option longopts[] = {
		{"history", required_argument, NULL, OPT_HISTORY},
		{"eval", required_argument, NULL, OPT_EVAL},
		{"pred", required_argument, NULL, OPT_PRED},
		{"svg", required_argument, NULL, OPT_SVG},
		{"output", required_argument, NULL, 'o'},
		{"title", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bm_html_opts_t o = {0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HISTORY: o.history = optarg; break;
		case OPT_EVAL: o.eval = optarg; break;
		case OPT_PRED: o.stream = optarg; break;
		case OPT_SVG: o.svgdir = optarg; break;
		case 'o': o.output = optarg; break;
		case 't': o.title = optarg; break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (optind < argc)
		bm_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.history && !o.eval && !o.stream)
		bm_usage_error("nothing to draw: give --history, --eval or --pred");
	if (o.eval && o.stream)
		bm_usage_error("--eval and --pred exclude each other");
	if (o.svgdir && o.output)
		bm_usage_error("--svg and -o exclude each other");
	if (bm_html_run(&o) < 0)
		bm_die("%s", bm_errmsg());
	return bm_cli_exit(BM_EXIT_OK);
}
