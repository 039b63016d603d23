/* bm-wordcount: word frequencies of text, in parallel, mergeable. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_io.h"
#include "bm_wordcount.h"

static void usage(void)
{
	printf("Usage: bm-wordcount [OPTION]... [FILE]...\n"
	       "Count the words of the FILEs and print 'word<TAB>count' lines, most\n"
	       "frequent first (ties by word, bytewise). Input may be gzip-compressed;\n"
	       "no FILE or '-' reads standard input. The output is the same for any -j.\n"
	       "\n"
	       "Words:\n"
	       "  (default)             maximal runs of bytes other than ASCII whitespace\n"
	       "                        (space \\t \\n \\v \\f \\r); punctuation is kept\n"
	       "      --alnum           maximal runs of ASCII letters, digits and bytes\n"
	       "                        >= 0x80 (UTF-8 multibyte characters)\n"
	       "  -i, --ignore-case     fold ASCII A-Z to a-z\n"
	       "      --min-length N    skip words of fewer than N characters [1]\n"
	       "\n"
	       "Output:\n"
	       "      --sort=ORDER      count (descending, then word), word (bytewise),\n"
	       "                        or none (order of first appearance) [count]\n"
	       "  -n, --top N           print only the first N words [all]\n"
	       "      --min-count N     print only words counted N times or more [1]\n"
	       "      --format=FORMAT   tsv (word<TAB>count) or space (word count) [tsv]\n"
	       "  -o, --output FILE     write FILE (atomically) instead of standard output\n"
	       "  -z, --gzip            compress the output (implied by -o NAME.gz)\n"
	       "\n"
	       "Map/reduce:\n"
	       "      --merge           the FILEs hold word<TAB>count lines (bm-wordcount\n"
	       "                        output, any order, repeats allowed): sum them\n"
	       "\n"
	       "Speed:\n"
	       "  -j, --threads N       counting threads; 0 or auto: all cores [%d]\n"
	       "      --block-size N    bytes of input per unit of work [%zu]\n"
	       "  -h, --help            show this help and exit\n"
	       "  -V, --version         show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad input or I/O error, 2 usage error.\n"
	       "See bm-wordcount(1).\n",
	       bm_online_cores(), BM_WC_BLOCK_DEFAULT);
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum { OPT_ALNUM = 256, OPT_MIN_LENGTH, OPT_SORT, OPT_MIN_COUNT, OPT_FORMAT,
	       OPT_MERGE, OPT_BLOCK };
	static const struct option longopts[] = {
		{"ignore-case", no_argument, NULL, 'i'},
		{"alnum", no_argument, NULL, OPT_ALNUM},
		{"min-length", required_argument, NULL, OPT_MIN_LENGTH},
		{"sort", required_argument, NULL, OPT_SORT},
		{"top", required_argument, NULL, 'n'},
		{"min-count", required_argument, NULL, OPT_MIN_COUNT},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, 'o'},
		{"gzip", no_argument, NULL, 'z'},
		{"merge", no_argument, NULL, OPT_MERGE},
		{"threads", required_argument, NULL, 'j'},
		{"block-size", required_argument, NULL, OPT_BLOCK},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bm_wc_opts_t o;
	bm_wc_opts_init(&o);
	o.threads = bm_online_cores();
	bm_wc_sort_t order = BM_WC_SORT_COUNT;
	bm_wc_format_t format = BM_WC_TSV;
	uint64_t top = UINT64_MAX, min_count = 1;
	const char *output = NULL;
	int gzip = 0, merge = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":in:o:zj:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.ignore_case = true; break;
		case OPT_ALNUM: o.alnum = true; break;
		case OPT_MIN_LENGTH:
			o.min_length = (uint64_t)bm_opt_int(optarg, "--min-length", 0, LLONG_MAX);
			break;
		case OPT_SORT:
			if (strcmp(optarg, "count") == 0)
				order = BM_WC_SORT_COUNT;
			else if (strcmp(optarg, "word") == 0)
				order = BM_WC_SORT_WORD;
			else if (strcmp(optarg, "none") == 0)
				order = BM_WC_SORT_NONE;
			else
				bm_usage_error("--sort: expected count, word or none, not '%s'", optarg);
			break;
		case 'n': top = (uint64_t)bm_opt_int(optarg, "--top", 0, LLONG_MAX); break;
		case OPT_MIN_COUNT:
			min_count = (uint64_t)bm_opt_int(optarg, "--min-count", 0, LLONG_MAX);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "tsv") == 0)
				format = BM_WC_TSV;
			else if (strcmp(optarg, "space") == 0)
				format = BM_WC_SPACE;
			else
				bm_usage_error("--format: expected tsv or space, not '%s'", optarg);
			break;
		case 'o': output = optarg; break;
		case 'z': gzip = 1; break;
		case OPT_MERGE: merge = 1; break;
		case 'j': o.threads = bm_opt_threads(optarg); break;
		case OPT_BLOCK:
			o.block_size = (size_t)bm_opt_int(optarg, "--block-size", (long long)BM_WC_BLOCK_MIN,
							  1LL << 30);
			break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (merge && o.alnum)
		bm_usage_error("--alnum cannot be used with --merge (merged words are taken as they are)");
	if (merge)
		o.threads = 1; /* merging reads lines in order; nothing to share out */
	o.positions = order == BM_WC_SORT_NONE; /* 20% less memory without */

	bm_out_t *out = bm_out_open(output, gzip ? BM_OUT_GZIP : 0);
	if (!out)
		bm_die("%s", bm_errmsg());
	bm_wc_t *wc = bm_wc_new(&o);
	if (!wc)
		bm_die("%s", bm_errmsg());
	char *stdin_only[] = {"-"};
	char **files = optind < argc ? argv + optind : stdin_only;
	int nfiles = optind < argc ? argc - optind : 1;
	for (int k = 0; k < nfiles; k++) {
		int rc = merge ? bm_wc_merge_file(wc, files[k]) : bm_wc_count_file(wc, files[k]);
		if (rc < 0)
			bm_die("%s", bm_errmsg());
	}
	if (bm_wc_finish(wc) < 0 || bm_wc_write(wc, out, order, min_count, top, format) < 0)
		bm_die("%s", bm_errmsg());
	if (bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());
	bm_wc_free(wc);
	return bm_cli_exit(BM_EXIT_OK);
}
