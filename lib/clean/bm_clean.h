/* bm_clean.h: the CSV cleaning engine behind bm-clean(1).
 *
 * Reads CSV (bm_csv.h) and applies, in this order: column selection,
 * missing-value detection (pandas 1.5 read_csv defaults), dropna, forward
 * and backward fill, fillna (constant, per column, mean/median/mode),
 * de-duplication, and a train/test split; writes CSV (unchanged fields byte
 * for byte) or a BMT1 tensor stream (bm_stream.h) with one-hot encoding,
 * class ids and scaling, whose statistics can be saved and reloaded.
 *
 * Row-wise work streams in bounded memory. Work that needs a whole column
 * (statistics, categories, classes, bfill, stratified split) reads the
 * input two or three times (three: --dedup with statistics of the rows it
 * keeps), spooling standard input to a temporary file first; --tensor
 * without those reads it once, spooling its rows as numbers, in parts on
 * several threads when it can.
 *
 * The library never ends the program: a function that fails returns its
 * failure value and leaves one line in bm_errmsg() ("FILE:LINE: what is
 * wrong"), for the program to print.
 */
#ifndef BM_CLEAN_H
#define BM_CLEAN_H

#include <stdbool.h>
#include <stdint.h>

#include "bm_io.h"

enum { BM_DROPNA_NONE, BM_DROPNA_ANY, BM_DROPNA_ALL };
enum { BM_SCALE_NONE, BM_SCALE_STANDARDIZE, BM_SCALE_MINMAX };

typedef struct {
	/* reading */
	char delim;                 /* ',' */
	int comment;                /* -1: none */
	bool no_header;             /* columns are named 1..n */
	const char *na_values;      /* list of extra missing-value strings */
	bool no_default_na;         /* only na_values are missing */
	bool ragged_pad;            /* pad short rows with missing values */
	/* selection and cleaning */
	const char *columns, *drop; /* lists of names or 1-based numbers */
	int dropna;                 /* BM_DROPNA_* */
	const char *subset;         /* list: columns that dropna and dedup look at */
	long long thresh;           /* keep rows with at least this many values; -1: off */
	const char **fillna;        /* the --fillna arguments, in order */
	int nfillna;
	bool ffill, bfill, dedup, report;
	/* output */
	const char *output;         /* NULL: stdout */
	bool gzip;
	bool tensor;
	const char *label;          /* label column, or NULL */
	bool regression;
	const char *onehot;         /* list of columns to one-hot encode, or NULL */
	bool coerce;
	int scale;                  /* BM_SCALE_*; -1: not given */
	const char *save_stats, *load_stats;
	double split;               /* fraction of rows for the test set; < 0: no split */
	const char *test_out;
	bool stratify;
	uint64_t seed;
	int threads;                /* 2 or more: decompress and split gzip input in a second
	                             * thread; --tensor reads a plain file in parts [1] */
	bool progress;              /* records read so far, on stderr */
} bm_clean_opts_t;

/* Default options (comma, no comment, no operations, CSV out). */
void bm_clean_opts_init(bm_clean_opts_t *o);

/* Check option combinations that do not depend on the data: 0, or -1 for a
 * bad one, a usage error, with bm_errmsg() saying which. */
int bm_clean_check_opts(const bm_clean_opts_t *o);

/* Clean FILES (none, or "-": standard input) into o->output. Returns the
 * exit status: BM_EXIT_OK; BM_EXIT_FAILURE for a data or I/O error, or
 * BM_EXIT_USAGE for a bad list in an option (only the header tells some
 * of them), with bm_errmsg() set. Outputs not committed are removed. */
int bm_clean_run(const bm_clean_opts_t *o, char **files, int nfiles);

/* The value helpers (numbers, missing values) are in bm_values.h. */

#endif
