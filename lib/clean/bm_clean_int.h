/* bm_clean_int.h: bm-clean's engine, shared by its stages (not installed).
 *
 * A run is a pipeline; each stage is a file that owns one concern:
 *
 *   bm_clean.c          the run: options, which passes, the outputs, the report
 *   bm_clean_cols.c     the header and the column lists: options -> the plan
 *   bm_clean_read.c     the read loop and the per-record path (decode, then
 *                       keep/drop/fill, then encode), one per CPU level
 *   bm_clean_gather.c   what a first pass gathers: fill values, scaling
 *                       statistics, categories; the x layout
 *   bm_clean_tensor.c   the one-pass --tensor rows: slots, spool, replay
 *   bm_clean_parallel.c the one-pass --tensor read in parts on several threads
 *   bm_clean_input.c    the inputs (standard input spooled) and progress lines
 *   bm_clean_stats.c    the stats file (--save-stats, --load-stats)
 *
 * The plan (ctx_t and its columns, col_t) is set up from the options and the
 * header, then read by the record path; what reading records changes is in
 * a reader (rd_t): the run has one, and each part of a parallel read has its
 * own, so the parts share the plan without copying it.
 *
 * Errors: a function that fails returns -1 (or NULL) and leaves the message
 * in bm_errmsg(); x->usage marks one that is a usage error (exit 2).
 */
#ifndef BM_CLEAN_INT_H
#define BM_CLEAN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bm_buf.h"
#include "bm_clean.h"
#include "bm_cli.h"
#include "bm_csv.h"
#include "bm_err.h"
#include "bm_io.h"
#include "bm_spool.h"
#include "bm_strmap.h"
#include "bm_values.h"

enum { FILL_NONE, FILL_CONST, FILL_MEAN, FILL_MEDIAN, FILL_MODE };
extern const char *const bm_clean_fill_kind_name[]; /* "none", "constant", "mean"... */
/* A column's type in a tensor: T_IGNORED, not a feature (--load-stats names
 * it in neither list). */
enum { T_UNDECIDED, T_NUMERIC, T_ONEHOT, T_LABEL, T_IGNORED };
enum { R_NONE, R_INT, R_FLOAT, R_STRING };

/* ---- the plan: columns ---- */

/* A column's filling: --fillna's value, --ffill's last value, --bfill's
 * values below. */
typedef struct {
	int kind;           /* FILL_* */
	char *v;            /* resolved fill text (constant, or the statistic), or NULL */
	size_t len;
	char *stat[5];      /* loaded or computed mean/median/mode texts */
	bm_buf_t last;      /* --ffill: the last value above */
	bool has_last;
	double last_num;
	uint64_t *brow;     /* --bfill: rows (after dropna) whose value fills the run before */
	size_t *boff, *blen, bn, bcap, bptr;
	bm_buf_t bvals;
	uint64_t pending;   /* --bfill: missing values waiting for one below */
	uint64_t unresolved; /* missing values left to the fill value */
} col_fill_t;

/* A column's statistics: for mean/median/mode fills (before filling), and
 * for scaling (after). */
typedef struct {
	uint64_t cnt;       /* fill: numbers, their sum (compensated) */
	double sum, comp;
	bool all_num;
	double *vals;       /* median */
	size_t nvals, capvals;
	bm_strmap_t mode;
	double wn, k, s1, s2, mn, mx; /* scaling: sums shifted by k */
	bool kset;
	double mean, std, min, max;
} col_stats_t;

typedef struct {
	char *name;         /* as pandas names it (dupes mangled, blanks "Unnamed: i") */
	size_t in;          /* index of the input field */
	bool subset;        /* dropna/dedup look at it */
	int type;           /* T_* */
	col_fill_t fill;
	col_stats_t st;
	bm_strmap_t cats;   /* categories (one-hot) or classes (label), ids sorted */
	bool cats_numeric;
	size_t xoff;        /* first x column */
	uint64_t missing, filled; /* --report */
	int rtype;
} col_t;

/* How the record path decodes column J's value (x->dec[j]; set by
 * bm_clean_plan_decode from the types and the pass). */
enum { DEC_TEXT, DEC_NUMBER, DEC_DECIDE };
typedef struct {
	size_t in;          /* its input field */
	uint8_t how;        /* DEC_TEXT: the missing-value check only; DEC_NUMBER:
	                     * a number (else missing with --coerce, or an error);
	                     * DEC_DECIDE: the first value decides number or category */
	bool slot_num;      /* one-pass: a number in its slot (col_numeric) */
	bool label;         /* the label, which is never missing */
	bool subset;
} dec_t;

/* An input field as quick records read it, in input order. */
typedef struct {
	size_t col;         /* its column */
	bool skip;          /* not a column's */
	bool number;        /* a number in its slot (dec_t.slot_num) */
	int end;            /* what ends it in a record: BM_CSV_QUICK_DELIM or _EOL */
} fin_t;

/* ---- what reading records changes ---- */

typedef struct {
	const char *v;
	size_t len;
	const bm_csv_field_t *f; /* NULL when padded or filled */
	bool na, filled, num_ok;
	double num;
} cell_t;

/* Per column, what the records of one reader add up: categories seen by
 * the one-pass rows (in first-seen order), --report's counts. */
typedef struct {
	bm_strmap_t cats;
	uint64_t missing, filled;
	int rtype;
} col_seen_t;

/* A reader: the run's, or a part's. */
typedef struct {
	const char *fname;  /* the record being read, for messages */
	uint64_t line;
	cell_t *cells;      /* [nsel] its values */
	col_seen_t *seen;   /* [nsel] */
	/* the one-pass rows: per row, the dest and each column, in slots of
	 * x->sw bytes; srow is the row being encoded, in its place in the spool */
	bm_spool_t spool;
	unsigned char *srow;
	size_t *late, nlate; /* columns whose slots come from their cells */
	uint64_t nread, ndropna, ndedup, krow; /* krow: rows kept by dropna so far, this pass */
	uint64_t nrec;      /* records not yet counted in the progress */
	unsigned quick_wait; /* records to take from bm_csv_next before quick records again */
} rd_t;

/* A part of a parallel read (bm_clean_parallel.c): bytes [off, off + len)
 * of the file open as FD, read through its own reader. */
struct part {
	int fd;
	uint64_t off, len;
	rd_t rd;
	int status;            /* 0, or -1: the part failed */
	int64_t **remap;       /* after the merge: its category indices in the run's maps,
	                        * per column (NULL: the first part's are the run's) */
	uint32_t **xmap;       /* its encode maps, while replayed */
};

/* ---- the run ---- */

/* The most bytes of x in a frame: x wider than 1024 columns makes frames
 * of fewer than BM_FRAME_ROWS rows (x->frame_rows), so memory stays bounded
 * whatever the number of columns. */
#define FRAME_X_BYTES ((size_t)256 << 20)

typedef struct {
	float *x;
	void *y;
	size_t rows;
	bm_out_t *out;
	uint64_t written;
} dest_t;

struct progress;

typedef struct {
	const bm_clean_opts_t *o;
	bm_csv_opts_t csv;
	bm_values_naset_t na;
	bool usage;            /* the error is a usage error */
	/* inputs */
	char **files;
	int nfiles;
	int *spool;            /* per input, when passes read it again and it cannot
	                        * be reopened (standard input, a pipe, a FIFO): its
	                        * decompressed bytes in a temporary file; else -1 */
	bool twopass;
	/* schema */
	bool ready;
	size_t nin;            /* fields of the header */
	char **hnames;         /* pandas names of the input columns */
	bm_strmap_t names;     /* the same: name -> input index */
	char **hraw;           /* header fields as in the input (for the output) */
	size_t *hrawlen;
	bm_buf_t hdr_line;     /* the header line to write */
	char *first_file;
	size_t nsel;
	col_t *c;
	int *sel_of, *sel_last; /* [nin] the first and last selected column of each input one, or -1 */
	bool identity;
	int label;             /* index into c, or -1 */
	size_t nnum, *num;     /* numeric features */
	bool num_run;          /* they are columns num[0], num[0] + 1...: one copy */
	size_t noh, *oh;       /* one-hot features */
	size_t d;              /* x columns */
	int scale;
	bool stats_loaded;
	bool num_stats;        /* the pass gathers scaling statistics */
	bool skip_num;         /* pass 1 does not parse numeric features */
	bool fills;            /* some column is filled */
	size_t nsub;           /* the --subset columns (all without --subset) */
	/* the record path's view of the columns */
	dec_t *dec;            /* [nsel] */
	bool na_number;        /* a missing-value string reads as a number */
	/* the one-pass --tensor path */
	bool fast;             /* --tensor in one pass: rows spooled as slots */
	size_t sw;             /* slot bytes: 4 (f32 and u32 ids), 8 when scaling needs the doubles */
	bool lean;             /* no fill, --dedup or --report, the types known: numbers go to their
	                        * slots as they are read, and quick records are taken */
	size_t *scol, nscol;   /* the columns whose slots come from cells, in order (not lean) */
	size_t *fcat, nfcat;   /* the columns of categories (lean) */
	fin_t *fin;            /* quick records' view of the input fields (NULL: none) */
	struct part *parts;    /* a parallel read's parts, until replayed */
	int nparts;
	uint32_t **xmap;       /* replaying: encode_row's maps (see bm_clean_encode_maps) */
	struct progress *prog; /* NULL: no progress lines */
	rd_t rd;               /* the run's reader */
	/* dedup: a set of 128-bit row hashes */
	uint64_t *dset;
	size_t dn, dcap;
	/* split */
	uint64_t rng;
	uint64_t *cls_left, *cls_test; /* stratify: per class, rows and test rows left */
	/* outputs */
	dest_t dest[2];
	int ndest;
	size_t frame_rows;     /* rows per frame written (see FRAME_X_BYTES) */
	bm_buf_t row;
} ctx_t;

/* A value for messages: at most 40 bytes. */
#define SHOWLEN(n) ((int)((n) > 40 ? 40 : (n)))
#define LINE(r) ((unsigned long long)(r)->line)

/* The passes over the input: PASS_GATHER (the first of two or three),
 * PASS_KEPT (the second of three: --dedup with statistics of the rows it
 * keeps), PASS_WRITE (the last, or the only one). */
enum { PASS_GATHER = 1, PASS_WRITE, PASS_KEPT };

/* ---- bm_clean_cols.c: the plan ---- */

/* The header REC (of file rd->fname) read: names, selection, fills, types,
 * the header line to write, the stats file loaded. 0, or -1. */
int bm_clean_setup(ctx_t *x, const rd_t *rd, const bm_csv_rec_t *rec);
/* The header of a later file: the same as the first's, else -1. */
int bm_clean_check_header(const ctx_t *x, const rd_t *rd, const bm_csv_rec_t *rec);
/* The last selected column named NAME (its pandas name), or -1. */
int bm_clean_col_named(const ctx_t *x, const char *name);
/* Set x->dec from the columns' types and the pass (x->skip_num). */
void bm_clean_plan_decode(ctx_t *x);
/* The same for column J alone, whose type changed. */
void bm_clean_plan_decode_col(ctx_t *x, size_t j);
/* The fill a --fillna value names: FILL_MEAN, FILL_MEDIAN, FILL_MODE, or
 * FILL_CONST for any other. */
int bm_clean_fill_kind(const char *v);
/* Whether a --fillna argument asks for a statistic (mean, median, mode). */
bool bm_clean_fill_has_stat(const char *arg);

/* ---- bm_clean_read.c: records ---- */

/* A reader for the plan X (its cells and counts); free with bm_clean_rd_free. */
void bm_clean_rd_init(const ctx_t *x, rd_t *rd);
void bm_clean_rd_free(const ctx_t *x, rd_t *rd);
/* Add RD's counts (rows, --report's) to the run's, and zero them. */
void bm_clean_rd_merge_counts(ctx_t *x, rd_t *rd);
/* The plan set up from the header REC (read through RD, the run's reader),
 * then what the mode needs before the rows: RD's spool, or the outputs.
 * 0, or -1. */
int bm_clean_begin(ctx_t *x, rd_t *rd, const bm_csv_rec_t *rec);
/* Read R's records into the pass PASS through RD, at the CPU level of
 * bm_cpu(); HEADER: the first record is a header (the plan set up from it
 * when not ready, else checked). 0 at the end of input, or -1. */
int bm_clean_read(ctx_t *x, rd_t *rd, bm_csv_t *r, int pass, bool header);
/* Where a record of the plan goes when it is not spooled: a frame's rows
 * written when full. 0, or -1. */
int bm_clean_flush_tensor(const ctx_t *x, dest_t *d, bool final);
/* The number of cell CL of column C (NAN when missing); -1 when it is not
 * one (and not --coerce). */
int bm_clean_cell_num(const ctx_t *x, const rd_t *rd, const col_t *c, const cell_t *cl, double *v);
/* The error for column C's value V that is not a number: -1. */
int bm_clean_not_a_number(const rd_t *rd, const col_t *c, const char *v, size_t len);

/* ---- bm_clean.c: the run ---- */

/* Open the outputs (x->dest) and write what comes before the rows: the
 * header line, or the metadata frames. 0, or -1. */
int bm_clean_open_outputs(ctx_t *x);

/* ---- bm_clean_gather.c: statistics ---- */

/* Add W values V to the scaling statistics of C (NaN: none). */
void bm_clean_scale_add(col_t *c, double v, double w);
/* Whether column J is a numeric feature (or target) and whether its
 * categories are counted: one-hot, class labels, the --stratify label. */
bool bm_clean_col_numeric(const ctx_t *x, size_t j);
bool bm_clean_col_cats(const ctx_t *x, size_t j);
/* PASS_GATHER: what pass 2 needs from a row that dropna kept. 0, or -1. */
int bm_clean_gather(ctx_t *x, const rd_t *rd);
/* PASS_KEPT: the scaling statistics and categories of a row --dedup kept. */
int bm_clean_gather_kept(ctx_t *x, const rd_t *rd);
/* End of pass 1: statistics, fill values, categories. */
void bm_clean_finish_pass1(ctx_t *x);
/* The scaling statistics from their sums, and the categories sorted. */
void bm_clean_finish_stats(ctx_t *x);
/* Before reading the rows again (fill state, --dedup's set); before
 * PASS_KEPT (forget pass 1's scaling statistics and categories). */
void bm_clean_rewind_rows(ctx_t *x);
void bm_clean_reset_kept(ctx_t *x);
/* Lay out x: numeric features, then one-hot blocks (pandas.get_dummies). */
void bm_clean_layout(ctx_t *x);
/* M's entries in the order of their ids, which are 0..n-1 (the caller's
 * array to free). */
const bm_strmap_ent_t **bm_clean_by_ids(const bm_strmap_t *m);

/* ---- bm_clean_tensor.c: the one-pass rows ---- */

#define SLOT_MISSING8 0x7FF8DEAD0000BEEFULL /* a NaN, and no category */
#define SLOT_MISSING4 0x7FC0BEEFU
#define SPOOL_MEM (256u << 20) /* then a temporary file */

/* Column J's slot of the row at SROW, in slots of SW bytes: missing (KIND
 * 0), the number V (1) or the category id ID (2). */
static inline void bm_clean_put_slot(unsigned char *srow, size_t sw, size_t j, double v, uint32_t id, int kind)
{
	unsigned char *p = srow + (j + 1) * sw;
	if (sw == 8) {
		uint64_t u = kind == 0 ? SLOT_MISSING8 : kind == 1 ? 0 : id;
		if (kind == 1)
			memcpy(&u, &v, 8);
		memcpy(p, &u, 8);
	} else {
		uint32_t u = kind == 0 ? SLOT_MISSING4 : id;
		if (kind == 1) {
			float f = (float)v;
			memcpy(&u, &f, 4);
		}
		memcpy(p, &u, 4);
	}
}

static inline double bm_clean_slot_num(size_t sw, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * sw;
	if (sw == 8) {
		double v;
		memcpy(&v, p, 8);
		return v;
	}
	float f;
	memcpy(&f, p, 4);
	return f;
}

/* Whether the records can take the lean one-pass path, set up if so
 * (x->lean, fcat, fin). */
bool bm_clean_lean_ok(ctx_t *x);
/* RD's spool of rows (slots of x->sw bytes, set here from the plan), in
 * memory up to MEM; 0, or -1. */
int bm_clean_spool_open(const ctx_t *x, rd_t *rd, size_t mem);
/* After reading: the categories of RD (the one reader) are the run's. */
void bm_clean_take_cats(ctx_t *x, rd_t *rd);
/* Per column of categories, the x column (one-hot) or class id (label) of
 * each category index of W's maps (REMAP: W's indices in the run's maps,
 * or NULL when they are the run's own). */
uint32_t **bm_clean_encode_maps(const ctx_t *x, const rd_t *w, int64_t *const *remap);
void bm_clean_encode_maps_free(const ctx_t *x, uint32_t **map);
/* Spooled ROW as a row of x at XR and its label as y[YI] (MAP: its
 * reader's encode maps). */
void bm_clean_encode_row(const ctx_t *x, const unsigned char *row, uint32_t *const *map, float *xr, void *y,
                         size_t yi);
/* The spooled rows (the run's or the parts') as x/y frames, in order. 0, or -1. */
int bm_clean_replay(ctx_t *x);

/* ---- bm_clean_parallel.c ---- */

/* Read the input in parts on o->threads threads. 1: read; 0: it cannot
 * (not one plain regular file, too small, an option that needs the rows in
 * order, a part failed, its cut inside a quoted field): nothing has
 * changed but the header may have been read (x->ready); -1: an error. */
int bm_clean_parallel(ctx_t *x);
/* Free what the parts hold. */
void bm_clean_parts_free(ctx_t *x);
/* The rows of the parts, each frame encoded by all the threads; false when
 * it cannot (one thread, two outputs, rows in a file). */
int bm_clean_replay_parallel(ctx_t *x, bool *done);

/* ---- bm_clean_input.c ---- */

/* Each input that cannot be opened again (standard input, a pipe, a FIFO)
 * in a temporary file, for passes that read it again. 0, or -1. */
int bm_clean_spool_inputs(ctx_t *x);
/* Input I (of x->files; standard input when there are none) open for
 * reading, from its spool if it has one; NULL on error. */
bm_in_t *bm_clean_open_input(ctx_t *x, int i);

#define PROGRESS_EVERY 8192 /* records between looks at the clock */
/* Progress lines: a pass starts (WHAT), N more records, the pass's last line. */
void bm_clean_progress_start(ctx_t *x, const char *what);
void bm_clean_progress_add(const ctx_t *x, uint64_t n);
void bm_clean_progress_end(const ctx_t *x);
/* Whether a progress pass has counted records. */
bool bm_clean_progress_any(const ctx_t *x);

/* ---- bm_clean_stats.c: the stats file ---- */

/* Write o->save_stats: scaling, label and classes, numeric and one-hot
 * columns with their categories, statistical fill values. 0, or -1. */
int bm_clean_save_stats(ctx_t *x);
/* Read o->load_stats: sets column types, categories, classes, scaling and
 * statistical fill values (x->stats_loaded). 0, or -1. */
int bm_clean_load_stats(ctx_t *x);

#endif
