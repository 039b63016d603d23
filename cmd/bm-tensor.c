/* bm-tensor: inspect and convert BMT1 tensor streams and .npy files. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bm_cli.h"
#include "bm_err.h"
#include "bm_io.h"
#include "bm_stream.h"
#include "bm_tensor_cmd.h"

static void usage(void)
{
	printf("Usage: bm-tensor COMMAND [OPTION]... [FILE]...\n"
	       "Inspect and convert BMT1 tensor streams (bm-tensor(5)) and .npy files.\n"
	       "Input may be gzip-compressed; no FILE or '-' reads standard input.\n"
	       "\n"
	       "Commands:\n"
	       "  info [FILE]...          one line per frame (index, name, dtype, shape, bytes),\n"
	       "                          then totals per name\n"
	       "  dump [FILE]...          frames as CSV text, one row per first-axis entry\n"
	       "  cat FILE...             concatenate streams (and .npy files) into one stream\n"
	       "  npy --name N [FILE]...  frames named N joined along axis 0, as one .npy\n"
	       "  from-npy FILE           a .npy file as one BMT1 frame\n"
	       "  from-csv [FILE]...      numeric CSV as f32 [rows, columns] frames\n"
	       "  from-idx IMAGES [LABELS]  MNIST/Fashion-MNIST IDX files as x (f32) and\n"
	       "                          y (i32) frames\n"
	       "\n"
	       "Options:\n"
	       "  -n, --name NAME       frames to show or join (info, dump, npy); the frame\n"
	       "                        name to write (from-npy, from-csv) [x]\n"
	       "  -o, --output FILE     write FILE (atomically) instead of standard output\n"
	       "  -z, --gzip            compress the output (implied by -o NAME.gz)\n"
	       "  -d, --delimiter CHAR  CSV field delimiter (dump, from-csv) [,]\n"
	       "      --rows N          rows per frame written by from-csv [%d]\n"
	       "      --scale           from-idx: divide pixels by 255 [off]\n"
	       "  -h, --help            show this help and exit\n"
	       "  -V, --version         show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 bad data or I/O error, 2 usage error.\n"
	       "See bm-tensor(1) and the format in bm-tensor(5).\n",
	       BM_FRAME_ROWS);
}

int main(int argc, char **argv)
{
	bm_cli_init(argv[0]);
	enum { OPT_ROWS = 256, OPT_SCALE };
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"output", required_argument, NULL, 'o'},
		{"gzip", no_argument, NULL, 'z'},
		{"delimiter", required_argument, NULL, 'd'},
		{"rows", required_argument, NULL, OPT_ROWS},
		{"scale", no_argument, NULL, OPT_SCALE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bm_tensor_opts_t o = {.delimiter = ',', .rows = BM_FRAME_ROWS};
	/* The command comes first; options may follow it in any order. */
	const char *cmd = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	int shift = cmd ? 1 : 0;
	argc -= shift;
	argv += shift;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:zd:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (strlen(optarg) < 1 || strlen(optarg) > BM_NAME_MAX)
				bm_usage_error("--name: '%s' must be 1 to %d bytes", optarg, BM_NAME_MAX);
			o.name = optarg;
			break;
		case 'o': o.output = optarg; break;
		case 'z': o.gzip = 1; break;
		case 'd':
			if (strcmp(optarg, "\\t") == 0 || strcmp(optarg, "tab") == 0)
				optarg = "\t";
			if (strlen(optarg) != 1 || optarg[0] == '"' || optarg[0] == '\n' || optarg[0] == '\r')
				bm_usage_error("--delimiter: '%s' must be one character", optarg);
			o.delimiter = optarg[0];
			break;
		case OPT_ROWS: o.rows = (uint64_t)bm_opt_int(optarg, "--rows", 1, INT32_MAX); break;
		case OPT_SCALE: o.scale = 1; break;
		case 'h': usage(); return bm_cli_exit(BM_EXIT_OK);
		case 'V': bm_print_version(); return bm_cli_exit(BM_EXIT_OK);
		default: bm_bad_option(c, argv);
		}
	}
	if (!cmd)
		bm_usage_error("missing command (info, dump, cat, npy, from-npy, from-csv, from-idx)");
	char **files = argv + optind;
	int nfiles = argc - optind;
	int r;
	if (strcmp(cmd, "info") == 0)
		r = bm_tensor_cmd_info(&o, files, nfiles);
	else if (strcmp(cmd, "dump") == 0)
		r = bm_tensor_cmd_dump(&o, files, nfiles);
	else if (strcmp(cmd, "cat") == 0)
		r = bm_tensor_cmd_cat(&o, files, nfiles);
	else if (strcmp(cmd, "npy") == 0) {
		if (!o.name)
			bm_usage_error("npy: --name is required");
		r = bm_tensor_cmd_npy(&o, files, nfiles);
	} else if (strcmp(cmd, "from-npy") == 0) {
		if (nfiles != 1)
			bm_usage_error("from-npy: expected one FILE");
		r = bm_tensor_cmd_from_npy(&o, files[0]);
	} else if (strcmp(cmd, "from-csv") == 0)
		r = bm_tensor_cmd_from_csv(&o, files, nfiles);
	else if (strcmp(cmd, "from-idx") == 0) {
		if (nfiles < 1 || nfiles > 2)
			bm_usage_error("from-idx: expected IMAGES and optionally LABELS");
		r = bm_tensor_cmd_from_idx(&o, files[0], nfiles == 2 ? files[1] : NULL);
	} else
		bm_usage_error("unknown command '%s'", cmd);
	if (r < 0)
		bm_die("%s", bm_errmsg());
	return bm_cli_exit(BM_EXIT_OK);
}
