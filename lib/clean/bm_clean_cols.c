/* bm_clean_cols.c: bm-clean's plan from the options and the header: the
 * columns' pandas names, the column lists (--columns, --drop, --subset,
 * --label, --onehot, --fillna), the header line to write, the columns'
 * types, and the record path's view of them (see bm_clean_int.h). */
#include "config.h"

#include "bm_clean_int.h"

#include <errno.h>
#include <stdio.h>

const char *const bm_clean_fill_kind_name[] = {"none", "constant", "mean", "median", "mode"};

/* ---- lists of columns ---- */

/* The input column ITEM names (a name, or a 1-based number), for OPT. 0 and
 * *IN, or -1. */
static int find_col(const ctx_t *x, const char *item, const char *opt, size_t *in)
{
	int64_t i = bm_strmap_get((bm_strmap_t *)&x->names, item, strlen(item), false);
	if (i >= 0) {
		*in = (size_t)i;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long k = strtoull(item, &end, 10);
	if (item[0] >= '0' && item[0] <= '9' && *end == '\0' && errno == 0) {
		if (k >= 1 && k <= x->nin) {
			*in = (size_t)(k - 1);
			return 0;
		}
		bm_seterr("%s: %s: no column %llu (the input has %zu)", x->first_file, opt, k, x->nin);
		return -1;
	}
	bm_seterr("%s: %s: no column '%s'", x->first_file, opt, item);
	return -1;
}

/* Split the command-line list LIST of OPT into NUL-terminated items: their
 * count, or -1 (a usage error). */
static int split_list(ctx_t *x, const char *list, const char *opt, char ***items)
{
	int n = bm_csv_split_list(list, items);
	if (n < 0) {
		bm_seterr("%s: malformed list '%s'", opt, list);
		x->usage = true;
	}
	return n;
}

/* Parse LIST into input column indices: the count and *OUT (the caller's
 * to free), or -1. */
static long parse_cols(ctx_t *x, const char *list, const char *opt, size_t **out)
{
	char **items;
	int n = split_list(x, list, opt, &items);
	if (n < 0)
		return -1;
	size_t *v = bm_xmalloc((size_t)n * sizeof *v);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = find_col(x, items[i], opt, &v[i]);
	bm_csv_free_list(items, n);
	if (rc < 0) {
		free(v);
		return -1;
	}
	*out = v;
	return n;
}

/* The first selected column whose input index is IN, or -1. */
static int sel_of(const ctx_t *x, size_t in)
{
	return x->sel_of[in];
}

int bm_clean_col_named(const ctx_t *x, const char *name)
{
	int64_t in = bm_strmap_get((bm_strmap_t *)&x->names, name, strlen(name), false);
	return in < 0 ? -1 : x->sel_last[in];
}

int bm_clean_fill_kind(const char *v)
{
	return strcmp(v, "mean") == 0 ? FILL_MEAN : strcmp(v, "median") == 0 ? FILL_MEDIAN
	       : strcmp(v, "mode") == 0                                       ? FILL_MODE
	                                                                      : FILL_CONST;
}

bool bm_clean_fill_has_stat(const char *arg)
{
	if (bm_clean_fill_kind(arg) != FILL_CONST)
		return true;
	if (!strchr(arg, '='))
		return false;
	char **items;
	int n = bm_csv_split_list(arg, &items);
	bool r = false;
	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		r |= eq && bm_clean_fill_kind(eq + 1) != FILL_CONST;
	}
	bm_csv_free_list(items, n);
	return r;
}

static void set_fill(col_t *c, int kind, const char *v)
{
	c->fill.kind = kind;
	free(c->fill.v);
	c->fill.v = kind == FILL_CONST ? bm_xmemdup(v, strlen(v)) : NULL;
	c->fill.len = kind == FILL_CONST ? strlen(v) : 0;
}

/* The --fillna arguments, in order: one value for all, or COLUMN=VALUE,... */
static int parse_fills(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (int a = 0; a < o->nfillna; a++) {
		const char *arg = o->fillna[a];
		int kind = bm_clean_fill_kind(arg);
		if (kind != FILL_CONST || !strchr(arg, '=')) {
			for (size_t j = 0; j < x->nsel; j++)
				set_fill(&x->c[j], kind, arg);
			continue;
		}
		char **items;
		int n = split_list(x, arg, "--fillna", &items);
		if (n < 0)
			return -1;
		int rc = 0;
		for (int i = 0; i < n && rc == 0; i++) {
			char *eq = strchr(items[i], '=');
			if (!eq) {
				bm_seterr("--fillna: '%s' is not COLUMN=VALUE", items[i]);
				x->usage = true;
				rc = -1;
				break;
			}
			*eq = '\0';
			size_t in;
			if ((rc = find_col(x, items[i], "--fillna", &in)) < 0)
				break;
			int j = sel_of(x, in);
			if (j < 0) {
				bm_seterr("%s: --fillna: column '%s' is not selected", x->first_file, items[i]);
				rc = -1;
				break;
			}
			set_fill(&x->c[j], bm_clean_fill_kind(eq + 1), eq + 1);
		}
		bm_csv_free_list(items, n);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- the header ---- */

/* Name I, NAME (taken), as pandas mangles a duplicate: BASE[0..blen) is
 * taken, so it is BASE.k for the first k not taken. Names only get taken,
 * so the k the last duplicate of BASE took is where this one starts
 * (kept in BASE's entry count): linear in the names, not quadratic. */
static char *dedup_name(ctx_t *x, char *name, size_t blen)
{
	int64_t b = bm_strmap_get(&x->names, name, blen, false);
	if (b < 0)
		return name;
	char *m = bm_xmalloc(blen + 24);
	for (uint64_t k = x->names.e[b].count + 1;; k++) {
		int n = snprintf(m, blen + 24, "%.*s.%llu", (int)blen, name, (unsigned long long)k);
		if (bm_strmap_get(&x->names, m, (size_t)n, false) < 0) {
			x->names.e[b].count = k;
			break;
		}
	}
	free(name);
	return m;
}

/* The pandas names of the header REC's fields (1..n with --no-header),
 * each an entry of x->names (its index the column's). */
static int header_names(ctx_t *x, const rd_t *rd, const bm_csv_rec_t *rec)
{
	x->nin = rec->n;
	x->hnames = bm_xcalloc(x->nin, sizeof *x->hnames);
	x->hraw = bm_xcalloc(x->nin, sizeof *x->hraw);
	x->hrawlen = bm_xcalloc(x->nin, sizeof *x->hrawlen);
	for (size_t i = 0; i < x->nin; i++) {
		char buf[48];
		const bm_csv_field_t *f = &rec->f[i];
		char *name;
		if (x->o->no_header) {
			snprintf(buf, sizeof buf, "%zu", i + 1);
			name = bm_xmemdup(buf, strlen(buf));
		} else {
			if (!bm_utf8_valid(f->val, f->len)) {
				bm_seterr("%s:%llu: the name of column %zu is not valid UTF-8", rd->fname, LINE(rd), i + 1);
				return -1;
			}
			if (memchr(f->val, '\0', f->len)) {
				bm_seterr("%s:%llu: the name of column %zu holds a NUL byte", rd->fname, LINE(rd), i + 1);
				return -1;
			}
			x->hraw[i] = bm_xmemdup(f->raw, f->rawlen);
			x->hrawlen[i] = f->rawlen;
			if (f->len == 0) {
				snprintf(buf, sizeof buf, "Unnamed: %zu", i);
				name = bm_xmemdup(buf, strlen(buf));
			} else
				name = bm_xmemdup(f->val, f->len);
			/* pandas mangles duplicate names: a, a.1, a.2 */
			name = dedup_name(x, name, f->len ? f->len : strlen(buf));
		}
		bm_strmap_get(&x->names, name, strlen(name), true);
		x->hnames[i] = name;
	}
	return 0;
}

/* --columns, --drop and --label: the selected input columns, *SEL. */
static long select_cols(ctx_t *x, size_t **psel)
{
	const bm_clean_opts_t *o = x->o;
	size_t *sel;
	long nsel;
	if (o->columns) {
		if ((nsel = parse_cols(x, o->columns, "--columns", &sel)) < 0)
			return -1;
	} else {
		nsel = (long)x->nin;
		sel = bm_xmalloc(x->nin * sizeof *sel);
		for (size_t i = 0; i < x->nin; i++)
			sel[i] = i;
	}
	if (o->drop) {
		size_t *dr;
		long nd = parse_cols(x, o->drop, "--drop", &dr);
		if (nd < 0) {
			free(sel);
			return -1;
		}
		bool *gone = bm_xcalloc(x->nin, sizeof *gone);
		for (long i = 0; i < nd; i++)
			gone[dr[i]] = true;
		long k = 0;
		for (long j = 0; j < nsel; j++)
			if (!gone[sel[j]])
				sel[k++] = sel[j];
		nsel = k;
		free(gone);
		free(dr);
	}
	if (o->label) {
		size_t in;
		if (find_col(x, o->label, "--label", &in) < 0) {
			free(sel);
			return -1;
		}
		bool found = false;
		for (long j = 0; j < nsel; j++)
			found |= sel[j] == in;
		if (!found) {
			if (!o->tensor) {
				bm_seterr("%s: --label: column '%s' is not selected", x->first_file, o->label);
				free(sel);
				return -1;
			}
			sel = bm_xrealloc(sel, (size_t)(nsel + 1) * sizeof *sel);
			sel[nsel++] = in;
		}
	}
	if (nsel == 0) {
		bm_seterr("%s: no columns left to write", x->first_file);
		free(sel);
		return -1;
	}
	*psel = sel;
	return nsel;
}

/* Mark the columns of LIST (of OPT) among the selected ones, by MARK;
 * MARK returns -1 to refuse one. */
static int mark_cols(ctx_t *x, const char *list, const char *opt, int (*mark)(ctx_t *x, int j, size_t in))
{
	size_t *v;
	long n = parse_cols(x, list, opt, &v);
	int rc = n < 0 ? -1 : 0;
	for (long i = 0; i < n && rc == 0; i++) {
		int j = sel_of(x, v[i]);
		if (j < 0) {
			bm_seterr("%s: %s: column '%s' is not selected", x->first_file, opt, x->hnames[v[i]]);
			rc = -1;
		} else
			rc = mark(x, j, v[i]);
	}
	if (n >= 0)
		free(v);
	return rc;
}

static int mark_subset(ctx_t *x, int j, size_t in)
{
	(void)in;
	x->c[j].subset = true;
	return 0;
}

static int mark_onehot(ctx_t *x, int j, size_t in)
{
	if (j == x->label) {
		bm_seterr("%s: --onehot: column '%s' is the label", x->first_file, x->hnames[in]);
		return -1;
	}
	x->c[j].type = T_ONEHOT;
	return 0;
}

/* The header line to write: each selected column's field as it came. */
static void header_line(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		if (j)
			bm_buf_add(&x->hdr_line, &x->csv.delim, 1);
		size_t in = x->c[j].in;
		const char *raw = x->hraw[in];
		size_t rl = x->hrawlen[in];
		bool quoted = rl && raw[0] == x->csv.quote;
		if (quoted)
			bm_buf_add(&x->hdr_line, raw, rl); /* as it came */
		else
			bm_csv_append(&x->hdr_line, raw, rl, &x->csv, x->nsel == 1);
	}
	bm_buf_add(&x->hdr_line, "\n", 1);
}

int bm_clean_setup(ctx_t *x, const rd_t *rd, const bm_csv_rec_t *rec)
{
	const bm_clean_opts_t *o = x->o;
	x->first_file = bm_xmemdup(rd->fname, strlen(rd->fname));
	if (header_names(x, rd, rec) < 0)
		return -1;
	size_t *sel;
	long nsel = select_cols(x, &sel);
	if (nsel < 0)
		return -1;
	x->nsel = (size_t)nsel;
	x->c = bm_xcalloc(x->nsel, sizeof *x->c);
	x->identity = x->nsel == x->nin;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		c->in = sel[j];
		c->name = x->hnames[sel[j]];
		c->st.all_num = true;
		c->subset = !o->subset;
		if (sel[j] != j)
			x->identity = false;
	}
	free(sel);
	x->sel_of = bm_xmalloc(x->nin * sizeof *x->sel_of);
	x->sel_last = bm_xmalloc(x->nin * sizeof *x->sel_last);
	for (size_t i = 0; i < x->nin; i++)
		x->sel_of[i] = x->sel_last[i] = -1;
	for (size_t j = x->nsel; j-- > 0;)
		x->sel_of[x->c[j].in] = (int)j;
	for (size_t j = 0; j < x->nsel; j++)
		x->sel_last[x->c[j].in] = (int)j;
	x->label = -1;
	if (o->label) {
		size_t in;
		find_col(x, o->label, "--label", &in); /* found by select_cols */
		x->label = sel_of(x, in);
	}
	if (o->subset && mark_cols(x, o->subset, "--subset", mark_subset) < 0)
		return -1;
	for (size_t j = 0; j < x->nsel; j++)
		x->nsub += x->c[j].subset;
	if (parse_fills(x) < 0)
		return -1;
	if (!o->no_header && !o->tensor)
		header_line(x);
	if (o->tensor) {
		if (x->label >= 0)
			x->c[x->label].type = T_LABEL;
		if (o->onehot) {
			for (size_t j = 0; j < x->nsel; j++)
				if (x->c[j].type != T_LABEL)
					x->c[j].type = T_NUMERIC;
			if (mark_cols(x, o->onehot, "--onehot", mark_onehot) < 0)
				return -1;
		}
	}
	if (o->load_stats && bm_clean_load_stats(x) < 0)
		return -1;
	if (o->tensor && x->label >= 0 && o->regression)
		x->c[x->label].type = T_LABEL;
	/* statistical fills come from the stats file when it has them */
	for (size_t j = 0; j < x->nsel; j++) {
		col_fill_t *f = &x->c[j].fill;
		if (f->kind >= FILL_MEAN && x->stats_loaded) {
			if (!f->stat[f->kind]) {
				bm_seterr("%s: no %s of column '%s'", o->load_stats, bm_clean_fill_kind_name[f->kind],
				          x->c[j].name);
				return -1;
			}
			f->v = bm_xmemdup(f->stat[f->kind], strlen(f->stat[f->kind]));
			f->len = strlen(f->v);
		}
		x->fills |= f->kind != FILL_NONE;
	}
	x->fills |= o->ffill || o->bfill;
	for (size_t i = 0; i < x->na.n && !x->na_number; i++) {
		double v;
		x->na_number = bm_values_parse_num(x->na.s[i], x->na.len[i], &v, NULL);
	}
	x->dec = bm_xcalloc(x->nsel, sizeof *x->dec);
	bm_clean_plan_decode(x);
	x->ready = true;
	return 0;
}

int bm_clean_check_header(const ctx_t *x, const rd_t *rd, const bm_csv_rec_t *rec)
{
	bool same = rec->n == x->nin;
	for (size_t i = 0; same && i < x->nin; i++)
		same = rec->f[i].rawlen == x->hrawlen[i] && memcmp(rec->f[i].raw, x->hraw[i], x->hrawlen[i]) == 0;
	if (same)
		return 0;
	bm_seterr("%s:%llu: the header differs from that of %s", rd->fname, LINE(rd), x->first_file);
	return -1;
}

void bm_clean_plan_decode_col(ctx_t *x, size_t j)
{
	const col_t *c = &x->c[j];
	int how = DEC_TEXT;
	if (x->o->tensor && c->type == T_UNDECIDED)
		how = DEC_DECIDE;
	else if (x->o->tensor && c->type == T_NUMERIC && !x->skip_num)
		how = DEC_NUMBER;
	x->dec[j] = (dec_t){c->in, (uint8_t)how, bm_clean_col_numeric(x, j), c->type == T_LABEL, c->subset};
}

void bm_clean_plan_decode(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++)
		bm_clean_plan_decode_col(x, j);
}
