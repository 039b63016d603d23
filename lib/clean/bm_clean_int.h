/* bm_clean_int.h: bm-clean's engine, shared by its source files (not
 * installed): the columns, cells and context of a run, small allocation and
 * buffer helpers, and the stats file (bm_clean_stats.c).
 */
#ifndef BM_CLEAN_INT_H
#define BM_CLEAN_INT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bm_buf.h"
#include "bm_clean.h"
#include "bm_cli.h"
#include "bm_csv.h"
#include "bm_io.h"
#include "bm_spool.h"
#include "bm_strmap.h"
#include "bm_values.h"

/* ---- columns, cells, the context ---- */

enum { FILL_NONE, FILL_CONST, FILL_MEAN, FILL_MEDIAN, FILL_MODE };
extern const char *const bm_clean_fill_kind_name[]; /* "none", "constant", "mean"... */
#define fill_kind_name bm_clean_fill_kind_name
enum { T_UNDECIDED, T_NUMERIC, T_ONEHOT, T_LABEL };
enum { R_NONE, R_INT, R_FLOAT, R_STRING };

typedef struct {
	char *name;       /* as pandas names it (dupes mangled, blanks "Unnamed: i") */
	size_t in;        /* index of the input field */
	bool subset;      /* dropna/dedup look at it */
	/* fill */
	int fill;         /* FILL_* */
	char *fillv;      /* resolved fill text (constant, or the statistic) */
	size_t filllen;
	char *statfill[5]; /* loaded or computed mean/median/mode texts */
	/* ffill, bfill */
	bm_buf_t last;
	bool has_last;
	double last_num;
	uint64_t *brow;   /* bfill: rows (after dropna) whose value fills the run before */
	size_t *boff, *blen, bn, bcap, bptr;
	bm_buf_t bvals;
	uint64_t pending;
	/* pass 1, before filling: for mean/median/mode */
	uint64_t cnt;
	double sum, comp;
	bool all_num;
	double *vals;
	size_t nvals, capvals;
	bm_strmap_t mode;
	/* pass 1, after filling: scaling statistics */
	double wn, k, s1, s2, mn, mx;
	bool kset;
	uint64_t unresolved;
	double mean, std, min, max;
	/* tensor */
	int type;         /* T_* */
	bm_strmap_t cats;    /* categories (one-hot) or classes (label), ids sorted */
	bool cats_numeric;
	size_t xoff;      /* first x column */
	/* report */
	uint64_t missing, filled;
	int rtype;
} col_t;

typedef struct {
	const char *v;
	size_t len;
	const bm_csv_field_t *f; /* NULL when padded or filled */
	bool na, filled, num_ok;
	double num;
} cell_t;

typedef struct {
	float *x;
	void *y;
	size_t rows;
	bm_out_t *out;
	uint64_t written;
	/* stratified split */
} dest_t;

/* A column as the fast path's rows read it (fast_row). */
typedef struct {
	size_t in;    /* its input field */
	bool numeric; /* a number, else a category */
	bool label;   /* the label, which is never missing */
	bool subset;  /* --dropna looks at it */
} fast_col_t;

/* An input field as the fast path's quick records read it (fast_quick). */
enum { FIN_SKIP, FIN_VALUE, FIN_NUMBER };
typedef struct {
	size_t col;   /* its column */
	int kind;     /* FIN_SKIP: not a column's; FIN_NUMBER: a number, read
	               * by bm_parse_prefix_ssse3 first; FIN_VALUE: fast_value's */
	int end;      /* what ends it in a record: BM_CSV_QUICK_DELIM or _EOL */
} fast_in_t;

typedef struct {
	const bm_clean_opts_t *o;
	bm_csv_opts_t csv;
	bm_naset_t na;
	/* inputs */
	char **files;
	int nfiles;
	int spool_fd;          /* decompressed standard input, or -1 */
	bool twopass;
	/* schema */
	bool ready;
	size_t nin;            /* fields of the header */
	char **hnames;         /* pandas names of the input columns */
	char **hraw;           /* header fields as in the input (for the output) */
	size_t *hrawlen;
	bm_buf_t hdr_line;       /* the header line to write */
	char *first_file;
	size_t nsel;
	col_t *c;
	cell_t *cells;
	bool identity;
	int label;             /* index into c, or -1 */
	size_t nnum, *num;     /* numeric features */
	bool num_run;          /* they are columns num[0], num[0] + 1...: one copy */
	size_t noh, *oh;       /* one-hot features */
	size_t d;              /* x columns */
	int scale;
	bool stats_loaded;
	bool num_stats;        /* pass 1 gathers scaling statistics */
	bool fast;             /* --tensor in one pass: rows spooled as numbers */
	/* the fast path's rows: per row, the dest and each column, in slots of
	 * SW bytes (4: f32 and u32 ids, 8 when scaling needs the doubles);
	 * memory up to SPOOL_MEM (shared by the parts), then in a temporary file */
	bm_spool_t spool;
	unsigned char *srow;   /* the row being encoded, in its place in the spool */
	size_t sw;
	bool skip_num;         /* pass 1 does not parse numeric features */
	bool fast_rows;        /* the fast path's rows can go through fast_row */
	fast_col_t *fcol;      /* fast_row's view of the columns */
	size_t *fcat, nfcat;   /* and the columns of categories among them */
	size_t nfsub;          /* and the --dropna columns */
	fast_in_t *fin;        /* fast_quick's view of the input fields (NULL: none) */
	unsigned quick_wait;   /* records to take from bm_csv_next before fast_quick tries again */
	/* the fast path on several threads: parts of the file, each read by a
	 * copy of this context (see fast_parallel) */
	struct part *parts;
	int nparts;
	jmp_buf *jb;           /* a part's: where a bad row goes (not bm_die) */
	int64_t **remap;       /* a part's category indices in x's maps, per column */
	uint32_t **xmap;       /* replaying: encode_row's maps (see encode_maps) */
	struct progress *prog; /* NULL: no progress lines */
	/* the current row */
	const char *fname;
	uint64_t line;
	uint64_t krow;         /* rows kept by dropna so far, this pass */
	/* counts */
	uint64_t nread, ndropna, ndedup;
	/* dedup: a set of 128-bit row hashes */
	uint64_t *dset;
	size_t dn, dcap;
	/* split */
	uint64_t rng;
	uint64_t *cls_left, *cls_test; /* stratify: per class, rows and test rows left */
	/* outputs */
	dest_t dest[2];
	int ndest;
	bm_buf_t row;
} ctx_t;

#define FNAME(x) ((x)->fname)

/* A bad row: an error, or, in a part read on its own thread, the end of
 * that try (the file is then read again in one thread, for the message). */
#define ROW_DIE(x, ...)                                                                                     \
	do {                                                                                                \
		if ((x)->jb)                                                                                \
			longjmp(*(x)->jb, 1);                                                               \
		bm_die(__VA_ARGS__);                                                                        \
	} while (0)
#define LINE(x) ((unsigned long long)(x)->line)

/* A field's value for messages: at most 40 bytes. */
#define SHOWLEN(n) ((int)((n) > 40 ? 40 : (n)))

/* ---- the stats file (bm_clean_stats.c) ---- */

/* Write o->save_stats: scaling, label and classes, numeric and one-hot
 * columns with their categories, statistical fill values. */
void bm_clean_save_stats(ctx_t *x);
/* Read o->load_stats: sets column types, categories, classes, scaling and
 * statistical fill values (x->stats_loaded). */
void bm_clean_load_stats(ctx_t *x);

#endif
