/* bm_clean.c: a bm-clean run (see bm_clean.h and bm-clean(1)): the options
 * checked, which passes over the input the options need and in what order,
 * the outputs opened and committed, the report. The stages are in the
 * files bm_clean_int.h lists. */
#include "config.h"

#include "bm_clean_int.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "bm_stream.h"

void bm_clean_opts_init(bm_clean_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->delim = ',';
	o->comment = -1;
	o->thresh = -1;
	o->scale = -1;
	o->split = -1;
	o->threads = 1;
}

int bm_clean_check_opts(const bm_clean_opts_t *o)
{
	const char *bad = NULL;
	if (o->subset && o->dropna == BM_DROPNA_NONE && o->thresh < 0 && !o->dedup)
		bad = "--subset needs --dropna, --thresh or --dedup";
	else if (o->tensor && o->regression && !o->label && !o->load_stats)
		bad = "--regression needs --label";
	else if (!o->tensor && (o->regression || o->onehot || o->coerce || o->scale > 0)) {
		bm_seterr("--%s needs --tensor", o->regression ? "regression"
		                                 : o->onehot    ? "onehot"
		                                 : o->coerce    ? "coerce"
		                                 : o->scale == BM_SCALE_STANDARDIZE ? "standardize"
		                                                                    : "minmax");
		return -1;
	} else if (o->save_stats && o->load_stats)
		bad = "--save-stats and --load-stats exclude each other";
	else if (o->split >= 0 && !o->test_out)
		bad = "--split needs --test-out";
	else if (o->test_out && o->split < 0)
		bad = "--test-out needs --split";
	else if (o->stratify && o->split < 0)
		bad = "--stratify needs --split";
	else if (o->stratify && (!o->label || o->regression))
		bad = "--stratify needs --label (and not --regression)";
	else if (o->comment == o->delim || o->comment == '"')
		bad = "--comment: must differ from the delimiter and the quote";
	if (!bad)
		return 0;
	bm_seterr("%s", bad);
	return -1;
}

/* The metadata frames of output D: columns (the x columns' names), and
 * classes. */
static int write_meta(ctx_t *x, dest_t *d)
{
	bm_buf_t b = {0};
	for (size_t k = 0; k < x->nnum; k++) {
		if (b.len)
			bm_buf_add(&b, "\n", 1);
		const char *nm = x->c[x->num[k]].name;
		bm_buf_add(&b, nm, strlen(nm));
	}
	for (size_t k = 0; k < x->noh; k++) {
		const col_t *c = &x->c[x->oh[k]];
		const bm_strmap_ent_t **e = bm_clean_by_ids(&c->cats);
		for (size_t id = 0; id < c->cats.n; id++) {
			if (b.len)
				bm_buf_add(&b, "\n", 1);
			bm_buf_add(&b, c->name, strlen(c->name));
			bm_buf_add(&b, "_", 1);
			bm_buf_add(&b, e[id]->key, e[id]->len);
		}
		free(e);
	}
	uint64_t dims[1] = {b.len};
	int rc = bm_write_frame(d->out, "columns", BM_U8, 1, dims, b.s ? b.s : "");
	if (rc == 0 && x->label >= 0 && !x->o->regression) {
		const col_t *c = &x->c[x->label];
		b.len = 0;
		const bm_strmap_ent_t **e = bm_clean_by_ids(&c->cats);
		for (size_t id = 0; id < c->cats.n; id++) {
			if (id)
				bm_buf_add(&b, "\n", 1);
			bm_buf_add(&b, e[id]->key, e[id]->len);
		}
		free(e);
		dims[0] = b.len;
		rc = bm_write_frame(d->out, "classes", BM_U8, 1, dims, b.s ? b.s : "");
	}
	free(b.s);
	return rc;
}

int bm_clean_open_outputs(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	int flags = (o->gzip ? BM_OUT_GZIP : 0) | (o->tensor ? BM_OUT_BINARY : 0);
	int n = o->split >= 0 ? 2 : 1;
	const char *paths[2] = {o->output, o->test_out};
	for (int i = 0; i < n; i++) {
		dest_t *d = &x->dest[i];
		if (!(d->out = bm_out_open(paths[i], flags)))
			return -1;
		x->ndest = i + 1;
		if (o->tensor) {
			/* frames of BM_FRAME_ROWS rows, fewer when x is wide */
			size_t d1 = x->d ? x->d : 1;
			x->frame_rows = d1 <= FRAME_X_BYTES / 4 / BM_FRAME_ROWS ? BM_FRAME_ROWS
			                : d1 < FRAME_X_BYTES / 4 ? FRAME_X_BYTES / 4 / d1 : 1;
			d->x = bm_xmalloc(x->frame_rows * d1 * sizeof *d->x);
			d->y = bm_xmalloc(x->frame_rows * 4);
			if (write_meta(x, d) < 0)
				return -1;
		} else if (x->hdr_line.len && bm_out_write(d->out, x->hdr_line.s, x->hdr_line.len) < 0)
			return -1;
	}
	return 0;
}

static void print_report(const ctx_t *x)
{
	static const char *const tname[] = {"empty", "int", "float", "string"};
	uint64_t written = x->dest[0].written + (x->ndest > 1 ? x->dest[1].written : 0);
	fprintf(stderr, "%s: %s: %llu rows read, %llu dropped by --dropna, %llu dropped by --dedup, %llu written",
	        bm_prog, x->first_file ? x->first_file : "-", (unsigned long long)x->rd.nread,
	        (unsigned long long)x->rd.ndropna, (unsigned long long)x->rd.ndedup, (unsigned long long)written);
	if (x->ndest > 1)
		fprintf(stderr, " (%llu train, %llu test)", (unsigned long long)x->dest[0].written,
		        (unsigned long long)x->dest[1].written);
	fprintf(stderr, "\n");
	int w = 6;
	for (size_t j = 0; j < x->nsel; j++)
		if ((int)strlen(x->c[j].name) > w)
			w = (int)strlen(x->c[j].name);
	if (w > 40)
		w = 40;
	fprintf(stderr, "%-*s  %-6s  %10s  %10s\n", w, "column", "type", "missing", "filled");
	for (size_t j = 0; j < x->nsel; j++) {
		const col_t *c = &x->c[j];
		fprintf(stderr, "%-*s  %-6s  %10llu  %10llu\n", w, c->name, tname[c->rtype],
		        (unsigned long long)c->missing, (unsigned long long)c->filled);
	}
}

/* One pass over every input: 0, or -1. */
static int run_pass(ctx_t *x, int pass)
{
	const bm_clean_opts_t *o = x->o;
	x->rd.krow = 0;
	for (int i = 0; i < (x->nfiles ? x->nfiles : 1); i++) {
		bm_in_t *in = bm_clean_open_input(x, i);
		if (!in)
			return -1;
		x->rd.fname = bm_in_name(in);
		/* A second thread pays for decompression; for plain input, splitting
		 * records in one thread and using them in another costs more (the
		 * records cross between cores) than it saves. */
		bm_csv_opts_t co = x->csv;
		co.threaded = o->threads > 1 && bm_in_is_gzip(in);
		bm_csv_t *r = bm_csv_open(in, &co);
		if (!r)
			return -1;
		int rc = bm_clean_read(x, &x->rd, r, pass, true);
		bm_csv_close(r);
		if (rc < 0)
			return -1;
	}
	bm_clean_rd_merge_counts(x, &x->rd);
	return 0;
}

static int progress_pass(ctx_t *x, int pass, const char *what)
{
	bm_clean_progress_start(x, what);
	if (run_pass(x, pass) < 0)
		return -1;
	bm_clean_progress_end(x);
	return 0;
}

/* Per class, the rows left and the test rows left to choose (--stratify). */
static void stratify_counts(ctx_t *x)
{
	const col_t *c = &x->c[x->label];
	x->cls_left = bm_xcalloc(c->cats.n, sizeof *x->cls_left);
	x->cls_test = bm_xcalloc(c->cats.n, sizeof *x->cls_test);
	for (size_t i = 0; i < c->cats.n; i++) {
		uint64_t n = c->cats.e[i].count;
		x->cls_left[c->cats.e[i].id] = n;
		x->cls_test[c->cats.e[i].id] = (uint64_t)floor((double)n * x->o->split + 0.5);
	}
}

static int empty_input(const ctx_t *x)
{
	bm_seterr("%s: empty input, no header", x->nfiles ? x->files[0] : "-");
	return -1;
}

/* Two or three passes: gather (fill values, statistics, categories), the
 * rows --dedup keeps (when their statistics are wanted), then write. */
static int run_twopass(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	x->num_stats = o->tensor && !o->load_stats && (x->scale > 0 || o->save_stats);
	x->skip_num = !o->coerce && !x->num_stats;
	/* --dedup drops rows only once they are filled, which needs pass 1's
	 * fill values: the statistics of the rows it keeps take a pass of
	 * their own */
	bool kept = o->dedup && !x->stats_loaded && (o->tensor || o->stratify);
	if (progress_pass(x, PASS_GATHER, kept ? "pass 1 of 3" : "pass 1 of 2") < 0)
		return -1;
	x->skip_num = false;
	if (!x->ready)
		return empty_input(x);
	bm_clean_finish_pass1(x);
	bm_clean_plan_decode(x);
	if (kept) {
		bm_clean_reset_kept(x);
		if (progress_pass(x, PASS_KEPT, "pass 2 of 3") < 0)
			return -1;
		bm_clean_finish_stats(x);
		bm_clean_rewind_rows(x);
	}
	bm_clean_layout(x);
	if (o->stratify)
		stratify_counts(x);
	if (o->save_stats && bm_clean_save_stats(x) < 0)
		return -1;
	bm_clean_rewind_rows(x);
	if (bm_clean_open_outputs(x) < 0)
		return -1;
	return progress_pass(x, PASS_WRITE, kept ? "pass 3 of 3" : "pass 2 of 2");
}

/* One pass, the rows spooled (in parts when it can), then replayed. */
static int run_onepass(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	x->num_stats = x->scale > 0 || o->save_stats;
	bm_clean_progress_start(x, "reading");
	int rc = bm_clean_parallel(x);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (bm_clean_progress_any(x))
			bm_clean_progress_start(x, "reading again in one thread");
		if (run_pass(x, PASS_WRITE) < 0)
			return -1;
		if (x->ready)
			bm_clean_take_cats(x, &x->rd);
	}
	bm_clean_progress_end(x);
	if (!x->ready)
		return empty_input(x);
	bm_clean_finish_pass1(x);
	bm_clean_layout(x);
	if (o->save_stats && bm_clean_save_stats(x) < 0)
		return -1;
	if (bm_clean_open_outputs(x) < 0)
		return -1;
	return bm_clean_replay(x);
}

static void ctx_free(ctx_t *x)
{
	bm_values_naset_free(&x->na);
	bm_clean_parts_free(x);
	bm_clean_rd_free(x, &x->rd);
	for (size_t i = 0; i < x->nin; i++) {
		free(x->hnames[i]);
		free(x->hraw[i]);
	}
	free(x->hnames);
	bm_strmap_free(&x->names);
	free(x->sel_of);
	free(x->sel_last);
	free(x->hraw);
	free(x->hrawlen);
	free(x->hdr_line.s);
	free(x->first_file);
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		col_fill_t *f = &c->fill;
		free(f->v);
		for (int k = 0; k < 5; k++)
			free(f->stat[k]);
		free(f->last.s);
		free(f->brow);
		free(f->boff);
		free(f->blen);
		free(f->bvals.s);
		free(c->st.vals);
		bm_strmap_free(&c->st.mode);
		bm_strmap_free(&c->cats);
	}
	free(x->c);
	free(x->dec);
	free(x->scol);
	free(x->fcat);
	free(x->fin);
	free(x->num);
	free(x->oh);
	free(x->dset);
	free(x->cls_left);
	free(x->cls_test);
	for (int i = 0; i < 2; i++) {
		free(x->dest[i].x);
		free(x->dest[i].y);
	}
	free(x->row.s);
	free(x->prog);
	for (int i = 0; x->spool && i < (x->nfiles ? x->nfiles : 1); i++)
		if (x->spool[i] >= 0)
			close(x->spool[i]);
	free(x->spool);
	free(x);
}

/* The missing-value strings: pandas' defaults and --na-values. 0, or -1. */
static int na_values(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (!o->no_default_na)
		bm_values_naset_add_defaults(&x->na);
	if (!o->na_values)
		return 0;
	char **items;
	int n = bm_csv_split_list(o->na_values, &items);
	if (n < 0) {
		bm_seterr("--na-values: malformed list '%s'", o->na_values);
		x->usage = true;
		return -1;
	}
	for (int i = 0; i < n; i++)
		bm_values_naset_add(&x->na, items[i]);
	bm_csv_free_list(items, n);
	return 0;
}

/* The passes and their outputs. 0, or -1. */
static int run(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (na_values(x) < 0)
		return -1;
	bool stat_fill = false;
	for (int i = 0; i < o->nfillna; i++)
		stat_fill |= bm_clean_fill_has_stat(o->fillna[i]);
	x->fast = o->tensor && !o->load_stats && !o->bfill && !stat_fill && !o->stratify;
	x->twopass = !x->fast && (o->bfill || o->stratify || o->save_stats ||
	                          (!o->load_stats && (stat_fill || o->tensor)));
	if (x->twopass && bm_clean_spool_inputs(x) < 0)
		return -1;
	int rc;
	if (x->twopass)
		rc = run_twopass(x);
	else if (x->fast)
		rc = run_onepass(x);
	else {
		rc = progress_pass(x, PASS_WRITE, "reading");
		if (rc == 0 && !x->ready)
			rc = empty_input(x);
	}
	for (int i = 0; i < x->ndest && rc == 0; i++)
		if (o->tensor)
			rc = bm_clean_flush_tensor(x, &x->dest[i], true);
	if (rc < 0)
		return -1;
	if (o->report)
		print_report(x);
	for (int i = 0; i < x->ndest; i++) {
		bm_out_t *out = x->dest[i].out;
		x->dest[i].out = NULL;
		if (bm_out_commit(out) < 0)
			return -1;
	}
	return 0;
}

int bm_clean_run(const bm_clean_opts_t *o, char **files, int nfiles)
{
	ctx_t *x = bm_xcalloc(1, sizeof *x);
	x->o = o;
	x->csv = (bm_csv_opts_t){o->delim, '"', o->comment, false, false};
	x->files = files;
	x->nfiles = nfiles;
	x->scale = o->scale > 0 ? o->scale : BM_SCALE_NONE;
	x->rng = o->seed;
	int status = BM_EXIT_OK;
	if (run(x) < 0) {
		/* a file is removed; standard output keeps what it has written,
		 * and what it holds back is left unwritten (as at an exit) */
		status = x->usage ? BM_EXIT_USAGE : BM_EXIT_FAILURE;
		for (int i = 0; i < x->ndest; i++)
			bm_out_abort(x->dest[i].out);
	}
	ctx_free(x);
	return status;
}
