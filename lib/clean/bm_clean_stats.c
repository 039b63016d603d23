/* bm_clean_stats.c: bm-clean's stats file (--save-stats, --load-stats): a
 * small CSV file of lines "kind,fields...": the scaling, the label and its
 * classes, the numeric and one-hot columns with their categories, the
 * statistical fill values (see bm-clean(1) and bm_clean_int.h). */
#include "config.h"

#include "bm_clean_int.h"

#include "bm_fmt.h"

/* The largest stats file read (after decompression): it is a few lines a
 * column, and a category a line. */
#define STATS_MAX ((uint64_t)64 << 20)

/* What the stats file has listed so far. */
typedef struct {
	size_t *num, nnum, *oh, noh; /* the feature lists, in the file's order */
	bool *listed;                /* [nsel] a numeric or onehot line named it */
	bool have_cols;
} loaded_t;

static void stats_add_fields(bm_buf_t *b, const char **v, int n)
{
	static const bm_csv_opts_t co = {',', '"', -1, false, false};
	for (int i = 0; i < n; i++) {
		if (i)
			bm_buf_add(b, ",", 1);
		bm_csv_append(b, v[i], strlen(v[i]), &co, n == 1);
	}
	bm_buf_add(b, "\n", 1);
}

int bm_clean_save_stats(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	bm_buf_t b = {0};
	char n1[40], n2[40], n3[40], n4[40];
	stats_add_fields(&b, (const char *[]){"bm-clean-stats", "1"}, 2);
	static const char *const sname[] = {"none", "standardize", "minmax"};
	stats_add_fields(&b, (const char *[]){"scale", sname[x->scale]}, 2);
	if (x->label >= 0) {
		col_t *c = &x->c[x->label];
		stats_add_fields(&b, (const char *[]){"label", c->name, o->regression ? "regression" : "classification"}, 3);
		if (!o->regression) {
			const bm_strmap_ent_t **e = bm_clean_by_ids(&c->cats);
			for (size_t i = 0; i < c->cats.n; i++)
				stats_add_fields(&b, (const char *[]){"class", e[i]->key}, 2);
			free(e);
		}
	}
	if (o->tensor) {
		for (size_t i = 0; i < x->nnum; i++) {
			col_t *c = &x->c[x->num[i]];
			/* + 0.0: a zero is written without its sign */
			bm_fmt_double(n1, sizeof n1, c->st.mean + 0.0);
			bm_fmt_double(n2, sizeof n2, c->st.std + 0.0);
			bm_fmt_double(n3, sizeof n3, c->st.min + 0.0);
			bm_fmt_double(n4, sizeof n4, c->st.max + 0.0);
			stats_add_fields(&b, (const char *[]){"numeric", c->name, n1, n2, n3, n4}, 6);
		}
		for (size_t i = 0; i < x->noh; i++) {
			col_t *c = &x->c[x->oh[i]];
			stats_add_fields(&b, (const char *[]){"onehot", c->name}, 2);
			const bm_strmap_ent_t **e = bm_clean_by_ids(&c->cats);
			for (size_t id = 0; id < c->cats.n; id++)
				stats_add_fields(&b, (const char *[]){"category", c->name, e[id]->key}, 3);
			free(e);
		}
	}
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		for (int k = FILL_MEAN; k <= FILL_MODE; k++)
			if (c->fill.stat[k])
				stats_add_fields(&b, (const char *[]){"fill", c->name, bm_clean_fill_kind_name[k], c->fill.stat[k]}, 4);
	}
	bm_out_t *out = bm_out_open(o->save_stats, 0);
	int rc = 0;
	if (!out || bm_out_write(out, b.s, b.len) < 0) {
		rc = -1;
		if (out)
			bm_out_abort(out);
	} else
		rc = bm_out_commit(out);
	free(b.s);
	return rc;
}

/* A numeric, onehot, category or fill line F (of N fields, at LINE) for
 * column J; L: what the file has listed so far. 0, or -1. */
static int load_col(ctx_t *x, char **f, unsigned long long line, int j, loaded_t *l)
{
	const bm_clean_opts_t *o = x->o;
	const char *path = o->load_stats;
	col_t *c = &x->c[j];
	bool feature = strcmp(f[0], "numeric") == 0 || strcmp(f[0], "onehot") == 0;
	if (feature && (l->listed[j] || j == x->label)) {
		/* each column is one feature at most (the lists hold each once) */
		bm_seterr("%s:%llu: column '%s' %s", path, line, f[1], j == x->label ? "is the label" : "listed twice");
		return -1;
	}
	if (feature) {
		l->listed[j] = true;
		l->have_cols = true;
	}
	if (strcmp(f[0], "numeric") == 0) {
		double v[4];
		for (int i = 0; i < 4; i++)
			if (!bm_values_parse_num(f[2 + i], strlen(f[2 + i]), &v[i], NULL)) {
				bm_seterr("%s:%llu: '%s' is not a number", path, line, f[2 + i]);
				return -1;
			}
		c->st.mean = v[0];
		c->st.std = v[1];
		c->st.min = v[2];
		c->st.max = v[3];
		c->type = T_NUMERIC;
		if (o->tensor)
			l->num[l->nnum++] = (size_t)j;
	} else if (strcmp(f[0], "onehot") == 0) {
		c->type = T_ONEHOT;
		if (o->tensor)
			l->oh[l->noh++] = (size_t)j;
	} else if (strcmp(f[0], "category") == 0) {
		if (c->type != T_ONEHOT) {
			bm_seterr("%s:%llu: category of '%s' before its onehot line", path, line, f[1]);
			return -1;
		}
		bm_strmap_get(&c->cats, f[2], strlen(f[2]), true);
	} else {
		int k = bm_clean_fill_kind(f[2]);
		if (k == FILL_CONST) {
			bm_seterr("%s:%llu: unknown fill '%s'", path, line, f[2]);
			return -1;
		}
		free(c->fill.stat[k]);
		c->fill.stat[k] = bm_xmemdup(f[3], strlen(f[3]));
	}
	return 0;
}

/* Line F of N fields (at LINE, not the first) of the stats file. 0, or -1. */
static int load_line(ctx_t *x, char **f, size_t n, unsigned long long line, loaded_t *l)
{
	const bm_clean_opts_t *o = x->o;
	const char *path = o->load_stats;
	if (strcmp(f[0], "scale") == 0 && n == 2) {
		int s = strcmp(f[1], "standardize") == 0 ? BM_SCALE_STANDARDIZE
		        : strcmp(f[1], "minmax") == 0    ? BM_SCALE_MINMAX
		        : strcmp(f[1], "none") == 0      ? BM_SCALE_NONE
		                                         : -1;
		if (s < 0) {
			bm_seterr("%s:%llu: unknown scaling '%s'", path, line, f[1]);
			return -1;
		}
		if (o->scale < 0)
			x->scale = s;
	} else if (strcmp(f[0], "label") == 0 && n == 3) {
		int j = bm_clean_col_named(x, f[1]);
		if (x->label >= 0 && (j != x->label)) {
			bm_seterr("%s:%llu: the stats file's label is '%s', not '%s'", path, line, f[1], x->c[x->label].name);
			return -1;
		}
		if (j >= 0 && l->listed[j]) {
			bm_seterr("%s:%llu: the label '%s' is also a feature", path, line, f[1]);
			return -1;
		}
		if (j >= 0 && o->tensor) {
			x->label = j;
			x->c[j].type = T_LABEL;
		}
		if ((strcmp(f[2], "regression") == 0) != o->regression) {
			bm_seterr("%s:%llu: the stats file is for %s; %s --regression", path, line, f[2],
			          o->regression ? "drop" : "add");
			return -1;
		}
	} else if (strcmp(f[0], "class") == 0 && n == 2) {
		if (x->label >= 0)
			bm_strmap_get(&x->c[x->label].cats, f[1], strlen(f[1]), true);
	} else if ((strcmp(f[0], "numeric") == 0 && n == 6) || (strcmp(f[0], "onehot") == 0 && n == 2) ||
	           (strcmp(f[0], "category") == 0 && n == 3) || (strcmp(f[0], "fill") == 0 && n == 4)) {
		int j = bm_clean_col_named(x, f[1]);
		if (j < 0 && strcmp(f[0], "fill") != 0 && o->tensor) {
			bm_seterr("%s: no column '%s' (named in the stats file %s)", x->first_file, f[1], path);
			return -1;
		}
		if (j < 0)
			return 0;
		return load_col(x, f, line, j, l);
	} else {
		bm_seterr("%s:%llu: unknown line '%s' with %zu fields", path, line, f[0], n);
		return -1;
	}
	return 0;
}

/* Read the stats file: sets column types, categories, classes, scaling and
 * statistical fill values. */
int bm_clean_load_stats(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	const char *path = o->load_stats;
	bm_in_t *in = bm_in_open(path);
	if (!in)
		return -1;
	bm_csv_t *r = bm_csv_open(in, NULL);
	if (!r)
		return -1;
	bm_csv_rec_t *rec;
	int st, rc = 0;
	bool first = true;
	size_t n1 = x->nsel ? x->nsel : 1;
	loaded_t l = {.num = bm_xmalloc(n1 * sizeof *l.num), .oh = bm_xmalloc(n1 * sizeof *l.oh),
	              .listed = bm_xcalloc(n1, sizeof *l.listed)};
	while (rc == 0 && (st = bm_csv_next(r, &rec)) > 0) {
		unsigned long long line = (unsigned long long)rec->line;
		if (bm_in_offset(in) > STATS_MAX) { /* in: still open, read by r */
			bm_seterr("%s:%llu: stats file larger than %d MiB", path, line, (int)(STATS_MAX >> 20));
			rc = -1;
			break;
		}
		char *f[6] = {0};
		for (size_t i = 0; i < rec->n && i < 6; i++)
			f[i] = bm_xmemdup(rec->f[i].val, rec->f[i].len);
		size_t n = rec->n;
		if (first) {
			if (n != 2 || strcmp(f[0], "bm-clean-stats") != 0 || strcmp(f[1], "1") != 0) {
				bm_seterr("%s:%llu: not a bm-clean stats file", path, line);
				rc = -1;
			}
			first = false;
		} else
			rc = load_line(x, f, n, line, &l);
		for (int i = 0; i < 6; i++)
			free(f[i]);
	}
	bm_csv_close(r);
	if (rc == 0 && st < 0)
		rc = -1;
	else if (rc == 0 && first) {
		bm_seterr("%s: empty stats file", path);
		rc = -1;
	} else if (rc == 0 && o->tensor && x->label >= 0 && !o->regression && x->c[x->label].cats.n == 0) {
		bm_seterr("%s: no classes for the label '%s'", path, x->c[x->label].name);
		rc = -1;
	} else if (rc == 0 && o->tensor && !l.have_cols) {
		bm_seterr("%s: no feature columns (saved without --tensor?)", path);
		rc = -1;
	}
	free(l.listed);
	if (rc < 0 || !o->tensor) {
		free(l.num);
		free(l.oh);
		if (rc < 0)
			return -1;
	} else {
		for (size_t j = 0; j < x->nsel; j++)
			if (x->c[j].type == T_UNDECIDED)
				x->c[j].type = T_IGNORED; /* not a feature */
		free(x->num);
		free(x->oh);
		x->num = l.num;
		x->nnum = l.nnum;
		x->oh = l.oh;
		x->noh = l.noh;
	}
	x->stats_loaded = true;
	return 0;
}
