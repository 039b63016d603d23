/* bm_clean.c: the bm-clean engine (see bm_clean.h and bm-clean(1)). */
#include "config.h"

#include "bm_clean.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_cli.h"
#include "bm_csv.h"
#include "bm_io.h"
#include "bm_stream.h"

/* ---- small helpers ---- */

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

static char *xmemdup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* A growing byte buffer. */
typedef struct {
	char *s;
	size_t len, cap;
} sbuf_t;

static void sb_reserve(sbuf_t *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 64;
	while (c < b->len + n)
		c *= 2;
	b->s = xrealloc(b->s, c);
	b->cap = c;
}

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
	if (!n)
		return;
	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void sb_set(sbuf_t *b, const char *s, size_t n)
{
	sb_reserve(b, 1); /* never NULL, even empty */
	b->len = 0;
	sb_add(b, s, n);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = mix64(h ^ w) + 0x9E3779B97F4A7C15ULL;
		s += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	return mix64(h ^ w ^ ((uint64_t)n << 59));
}

/* splitmix64: the split's random numbers. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double rng_double(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	/* rejection sampling: unbiased */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t r;
	do
		r = rng_next(s);
	while (r >= lim);
	return r % n;
}

/* An anonymous temporary file in $TMPDIR (or /tmp), gone when closed. */
static FILE *tmp_file(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = strlen(dir) + 32;
	char *path = xmalloc(n);
	snprintf(path, n, "%s/bm-clean.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		bm_die("cannot create a temporary file in %s: %s", dir, strerror(errno));
	unlink(path);
	free(path);
	FILE *f = fdopen(fd, "w+");
	if (!f)
		bm_die("cannot open a temporary file: %s", strerror(errno));
	return f;
}

/* ---- a string map: distinct values with a count and an id ---- */

typedef struct {
	char *key;
	size_t len;
	uint64_t hash, count;
	int64_t id;
} sment_t;

typedef struct {
	sment_t *e;
	size_t n, cap;
	int64_t *slot; /* -1 or an index into e */
	size_t nslot;
} strmap_t;

static void sm_rehash(strmap_t *m, size_t nslot)
{
	free(m->slot);
	m->slot = xmalloc(nslot * sizeof *m->slot);
	for (size_t i = 0; i < nslot; i++)
		m->slot[i] = -1;
	m->nslot = nslot;
	for (size_t i = 0; i < m->n; i++) {
		size_t k = m->e[i].hash & (nslot - 1);
		while (m->slot[k] >= 0)
			k = (k + 1) & (nslot - 1);
		m->slot[k] = (int64_t)i;
	}
}

/* The entry for S, added with count 0 when INSERT; -1 when absent. */
static int64_t sm_get(strmap_t *m, const char *s, size_t len, bool insert)
{
	if (!m->nslot) {
		if (!insert)
			return -1;
		sm_rehash(m, 16);
	}
	uint64_t h = hash_bytes(s, len, 7);
	size_t k = h & (m->nslot - 1);
	for (;;) {
		int64_t i = m->slot[k];
		if (i < 0)
			break;
		sment_t *e = &m->e[i];
		if (e->hash == h && e->len == len && memcmp(e->key, s, len) == 0)
			return i;
		k = (k + 1) & (m->nslot - 1);
	}
	if (!insert)
		return -1;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->e = xrealloc(m->e, m->cap * sizeof *m->e);
	}
	int64_t i = (int64_t)m->n++;
	m->e[i] = (sment_t){xmemdup(s, len), len, h, 0, i};
	m->slot[k] = i;
	if (2 * m->n > m->nslot)
		sm_rehash(m, 2 * m->nslot);
	return i;
}

static void sm_free(strmap_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].key);
	free(m->e);
	free(m->slot);
	memset(m, 0, sizeof *m);
}

/* ---- numbers ---- */

static const double pow10tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

bool bm_clean_parse_num(const char *s, size_t len, double *v, bool *integral)
{
	const char *p = s, *e = s + len;
	if (p < e && is_blank(*p))
		while (p < e && is_blank(*p))
			p++;
	if (e > p && is_blank(e[-1]))
		while (e > p && is_blank(e[-1]))
			e--;
	if (p == e)
		return false;
	const char *start = p;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p < e && (*p == 'i' || *p == 'I')) {
		size_t rest = (size_t)(e - p);
		if ((rest == 3 && strncasecmp(p, "inf", 3) == 0) || (rest == 8 && strncasecmp(p, "infinity", 8) == 0)) {
			*v = neg ? -INFINITY : INFINITY;
			if (integral)
				*integral = false;
			return true;
		}
		return false;
	}
	uint64_t m = 0;
	const char *d0 = p;
	while (p < e && is_digit(*p))
		m = m * 10 + (uint64_t)(*p++ - '0');
	size_t nint = (size_t)(p - d0), nfrac = 0;
	bool point = false, expo = false;
	if (p < e && *p == '.') {
		point = true;
		const char *f0 = ++p;
		while (p < e && is_digit(*p))
			m = m * 10 + (uint64_t)(*p++ - '0');
		nfrac = (size_t)(p - f0);
	}
	if (nint + nfrac == 0)
		return false;
	long x = 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		expo = true;
		p++;
		bool eneg = false;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == e || !is_digit(*p))
			return false;
		while (p < e && is_digit(*p)) {
			if (x < 100000)
				x = x * 10 + (*p - '0');
			p++;
		}
		if (eneg)
			x = -x;
	}
	if (p != e)
		return false;
	if (integral)
		*integral = !point && !expo;
	long exp10 = x - (long)nfrac;
	if (nint + nfrac <= 19 && m < (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
		double d = (double)m;
		d = exp10 < 0 ? d / pow10tab[-exp10] : d * pow10tab[exp10];
		*v = neg ? -d : d;
		return true;
	}
	/* the slow, exact path */
	char tmp[128], *b = tmp;
	size_t n = (size_t)(e - start);
	if (n >= sizeof tmp)
		b = xmalloc(n + 1);
	memcpy(b, start, n);
	b[n] = '\0';
	*v = strtod(b, NULL);
	if (b != tmp)
		free(b);
	return true;
}

int bm_clean_fmt_double(char *buf, size_t size, double v)
{
	int n = 0;
	if (isnan(v))
		return snprintf(buf, size, "nan");
	if (isinf(v))
		return snprintf(buf, size, v < 0 ? "-inf" : "inf");
	if (v == floor(v) && fabs(v) < 1e16)
		return snprintf(buf, size, "%.0f", v == 0 ? 0.0 : v);
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/* ---- missing values ---- */

static const char *const default_na[] = {
	"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
	"<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
};
#define NDEFAULT_NA (sizeof default_na / sizeof default_na[0])

bool bm_clean_default_na(const char *s, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < NDEFAULT_NA; i++)
		if (strlen(default_na[i]) == len && memcmp(default_na[i], s, len) == 0)
			return true;
	return false;
}

typedef struct {
	char **s;
	size_t *len;
	size_t n;
	bool empty;  /* the empty field is missing */
	size_t maxlen;
	unsigned char first[256];
} naset_t;

static void na_add(naset_t *na, const char *s)
{
	size_t len = strlen(s);
	if (len == 0) {
		na->empty = true;
		return;
	}
	na->s = xrealloc(na->s, (na->n + 1) * sizeof *na->s);
	na->len = xrealloc(na->len, (na->n + 1) * sizeof *na->len);
	na->s[na->n] = xmemdup(s, len);
	na->len[na->n++] = len;
	if (len > na->maxlen)
		na->maxlen = len;
	na->first[(unsigned char)s[0]] = 1;
}

static inline bool na_is(const naset_t *na, const char *s, size_t len)
{
	if (len == 0)
		return na->empty;
	if (len > na->maxlen || !na->first[(unsigned char)s[0]])
		return false;
	for (size_t i = 0; i < na->n; i++)
		if (na->len[i] == len && memcmp(na->s[i], s, len) == 0)
			return true;
	return false;
}

/* ---- columns, cells, the context ---- */

enum { FILL_NONE, FILL_CONST, FILL_MEAN, FILL_MEDIAN, FILL_MODE };
static const char *const fill_kind_name[] = {"none", "constant", "mean", "median", "mode"};
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
	sbuf_t last;
	bool has_last;
	double last_num;
	uint64_t *brow;   /* bfill: rows (after dropna) whose value fills the run before */
	size_t *boff, *blen, bn, bcap, bptr;
	sbuf_t bvals;
	uint64_t pending;
	/* pass 1, before filling: for mean/median/mode */
	uint64_t cnt;
	double sum, comp;
	bool all_num;
	double *vals;
	size_t nvals, capvals;
	strmap_t mode;
	/* pass 1, after filling: scaling statistics */
	double wn, k, s1, s2, mn, mx;
	bool kset;
	uint64_t unresolved;
	double mean, std, min, max;
	/* tensor */
	int type;         /* T_* */
	strmap_t cats;    /* categories (one-hot) or classes (label), ids sorted */
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

typedef struct {
	const bm_clean_opts_t *o;
	bm_csv_opts_t csv;
	naset_t na;
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
	sbuf_t hdr_line;       /* the header line to write */
	char *first_file;
	size_t nsel;
	col_t *c;
	cell_t *cells;
	bool identity;
	int label;             /* index into c, or -1 */
	size_t nnum, *num;     /* numeric features */
	size_t noh, *oh;       /* one-hot features */
	size_t d;              /* x columns */
	int scale;
	bool stats_loaded;
	bool num_stats;        /* pass 1 gathers scaling statistics */
	bool fast;             /* --tensor in one pass: rows spooled as numbers */
	/* the fast path's rows: per row, the dest and each column, in slots of
	 * SW bytes (4: f32 and u32 ids, 8 when scaling needs the doubles);
	 * memory up to SPOOL_MEM, then spilled to a temporary file */
	FILE *spool;
	unsigned char *srow;
	size_t sw;
	unsigned char **smem, *scur; /* full chunks in memory; the current chunk */
	size_t nsmem, slen, schunk;
	bool skip_num;         /* pass 1 does not parse numeric features */
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
	sbuf_t row;
} ctx_t;

#define FNAME(x) ((x)->fname)
#define LINE(x) ((unsigned long long)(x)->line)

/* A field's value for messages: at most 40 bytes. */
#define SHOWLEN(n) ((int)((n) > 40 ? 40 : (n)))

/* ---- lists of columns ---- */

static int find_col(ctx_t *x, const char *item, const char *opt)
{
	for (size_t i = 0; i < x->nin; i++)
		if (strcmp(x->hnames[i], item) == 0)
			return (int)i;
	char *end;
	errno = 0;
	unsigned long long k = strtoull(item, &end, 10);
	if (item[0] >= '0' && item[0] <= '9' && *end == '\0' && errno == 0) {
		if (k >= 1 && k <= x->nin)
			return (int)(k - 1);
		bm_die("%s: %s: no column %llu (the input has %zu)", x->first_file, opt, k, x->nin);
	}
	bm_die("%s: %s: no column '%s'", x->first_file, opt, item);
}

/* Parse LIST into input column indices; returns the count. */
static size_t parse_cols(ctx_t *x, const char *list, const char *opt, size_t **out)
{
	char **items;
	int n = bm_csv_split_list(list, &items);
	if (n < 0)
		bm_usage_error("%s: malformed list '%s'", opt, list);
	size_t *v = xmalloc((size_t)n * sizeof *v);
	for (int i = 0; i < n; i++)
		v[i] = (size_t)find_col(x, items[i], opt);
	bm_csv_free_list(items, n);
	*out = v;
	return (size_t)n;
}

/* The selected column whose input index is IN, or -1. */
static int sel_of(ctx_t *x, size_t in)
{
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].in == in)
			return (int)j;
	return -1;
}

/* ---- stats file ---- */

static void stats_add_fields(sbuf_t *b, const char **v, int n)
{
	static const bm_csv_opts_t co = {',', '"', -1, false};
	for (int i = 0; i < n; i++) {
		if (i)
			sb_add(b, ",", 1);
		size_t len = b->len, cap = b->cap;
		if (bm_csv_append(&b->s, &len, &cap, v[i], strlen(v[i]), &co, n == 1) < 0)
			bm_die("out of memory");
		b->len = len;
		b->cap = cap;
	}
	sb_add(b, "\n", 1);
}

static void save_stats(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	sbuf_t b = {0};
	char n1[40], n2[40], n3[40], n4[40];
	stats_add_fields(&b, (const char *[]){"bm-clean-stats", "1"}, 2);
	static const char *const sname[] = {"none", "standardize", "minmax"};
	stats_add_fields(&b, (const char *[]){"scale", sname[x->scale]}, 2);
	if (x->label >= 0) {
		col_t *c = &x->c[x->label];
		stats_add_fields(&b, (const char *[]){"label", c->name, o->regression ? "regression" : "classification"}, 3);
		if (!o->regression)
			for (size_t i = 0; i < c->cats.n; i++)
				for (size_t k = 0; k < c->cats.n; k++)
					if (c->cats.e[k].id == (int64_t)i)
						stats_add_fields(&b, (const char *[]){"class", c->cats.e[k].key}, 2);
	}
	if (o->tensor) {
		for (size_t i = 0; i < x->nnum; i++) {
			col_t *c = &x->c[x->num[i]];
			bm_clean_fmt_double(n1, sizeof n1, c->mean);
			bm_clean_fmt_double(n2, sizeof n2, c->std);
			bm_clean_fmt_double(n3, sizeof n3, c->min);
			bm_clean_fmt_double(n4, sizeof n4, c->max);
			stats_add_fields(&b, (const char *[]){"numeric", c->name, n1, n2, n3, n4}, 6);
		}
		for (size_t i = 0; i < x->noh; i++) {
			col_t *c = &x->c[x->oh[i]];
			stats_add_fields(&b, (const char *[]){"onehot", c->name}, 2);
			for (size_t id = 0; id < c->cats.n; id++)
				for (size_t k = 0; k < c->cats.n; k++)
					if (c->cats.e[k].id == (int64_t)id)
						stats_add_fields(&b, (const char *[]){"category", c->name, c->cats.e[k].key}, 3);
		}
	}
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		for (int k = FILL_MEAN; k <= FILL_MODE; k++)
			if (c->statfill[k])
				stats_add_fields(&b, (const char *[]){"fill", c->name, fill_kind_name[k], c->statfill[k]}, 4);
	}
	bm_out_t *out = bm_out_open(o->save_stats, 0);
	if (!out || bm_out_write(out, b.s, b.len) < 0 || bm_out_commit(out) < 0)
		bm_die("%s", bm_errmsg());
	free(b.s);
}

/* Read the stats file: sets column types, categories, classes, scaling and
 * statistical fill values. */
static void load_stats(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	const char *path = o->load_stats;
	bm_in_t *in = bm_in_open(path);
	if (!in)
		bm_die("%s", bm_errmsg());
	bm_csv_t *r = bm_csv_open(in, NULL);
	if (!r)
		bm_die("%s", bm_errmsg());
	bm_csv_rec_t *rec;
	int st;
	bool first = true, have_cols = false;
	size_t nnum = 0, noh = 0;
	size_t *num = xmalloc(x->nsel * sizeof *num), *oh = xmalloc(x->nsel * sizeof *oh);
	while ((st = bm_csv_next(r, &rec)) > 0) {
		unsigned long long line = (unsigned long long)rec->line;
		char *f[6] = {0};
		for (size_t i = 0; i < rec->n && i < 6; i++)
			f[i] = xmemdup(rec->f[i].val, rec->f[i].len);
		size_t n = rec->n;
		if (first) {
			if (n != 2 || strcmp(f[0], "bm-clean-stats") != 0 || strcmp(f[1], "1") != 0)
				bm_die("%s:%llu: not a bm-clean stats file", path, line);
			first = false;
		} else if (strcmp(f[0], "scale") == 0 && n == 2) {
			int s = strcmp(f[1], "standardize") == 0 ? BM_SCALE_STANDARDIZE
			        : strcmp(f[1], "minmax") == 0    ? BM_SCALE_MINMAX
			        : strcmp(f[1], "none") == 0      ? BM_SCALE_NONE
			                                         : -1;
			if (s < 0)
				bm_die("%s:%llu: unknown scaling '%s'", path, line, f[1]);
			if (o->scale < 0)
				x->scale = s;
		} else if (strcmp(f[0], "label") == 0 && n == 3) {
			int j = -1;
			for (size_t i = 0; i < x->nsel; i++)
				if (strcmp(x->c[i].name, f[1]) == 0)
					j = (int)i;
			if (x->label >= 0 && (j != x->label))
				bm_die("%s:%llu: the stats file's label is '%s', not '%s'", path, line, f[1], x->c[x->label].name);
			if (j >= 0 && o->tensor) {
				x->label = j;
				x->c[j].type = T_LABEL;
			}
			if ((strcmp(f[2], "regression") == 0) != o->regression)
				bm_die("%s:%llu: the stats file is for %s; %s --regression", path, line, f[2],
				       o->regression ? "drop" : "add");
		} else if (strcmp(f[0], "class") == 0 && n == 2) {
			if (x->label >= 0)
				sm_get(&x->c[x->label].cats, f[1], strlen(f[1]), true);
		} else if ((strcmp(f[0], "numeric") == 0 && n == 6) || (strcmp(f[0], "onehot") == 0 && n == 2) ||
		           (strcmp(f[0], "category") == 0 && n == 3) || (strcmp(f[0], "fill") == 0 && n == 4)) {
			int j = -1;
			for (size_t i = 0; i < x->nsel; i++)
				if (strcmp(x->c[i].name, f[1]) == 0)
					j = (int)i;
			if (j < 0 && strcmp(f[0], "fill") != 0 && o->tensor)
				bm_die("%s: no column '%s' (named in the stats file %s)", x->first_file, f[1], path);
			if (j < 0)
				goto next;
			col_t *c = &x->c[j];
			if (strcmp(f[0], "numeric") == 0) {
				double v[4];
				for (int i = 0; i < 4; i++)
					if (!bm_clean_parse_num(f[2 + i], strlen(f[2 + i]), &v[i], NULL))
						bm_die("%s:%llu: '%s' is not a number", path, line, f[2 + i]);
				c->mean = v[0];
				c->std = v[1];
				c->min = v[2];
				c->max = v[3];
				c->type = T_NUMERIC;
				if (o->tensor)
					num[nnum++] = (size_t)j;
				have_cols = true;
			} else if (strcmp(f[0], "onehot") == 0) {
				c->type = T_ONEHOT;
				if (o->tensor)
					oh[noh++] = (size_t)j;
				have_cols = true;
			} else if (strcmp(f[0], "category") == 0) {
				if (c->type != T_ONEHOT)
					bm_die("%s:%llu: category of '%s' before its onehot line", path, line, f[1]);
				sm_get(&c->cats, f[2], strlen(f[2]), true);
			} else {
				int k = strcmp(f[2], "mean") == 0     ? FILL_MEAN
				        : strcmp(f[2], "median") == 0 ? FILL_MEDIAN
				        : strcmp(f[2], "mode") == 0   ? FILL_MODE
				                                      : -1;
				if (k < 0)
					bm_die("%s:%llu: unknown fill '%s'", path, line, f[2]);
				free(c->statfill[k]);
				c->statfill[k] = xmemdup(f[3], strlen(f[3]));
			}
		} else
			bm_die("%s:%llu: unknown line '%s' with %zu fields", path, line, f[0], n);
	next:
		for (int i = 0; i < 6; i++)
			free(f[i]);
	}
	if (st < 0)
		bm_die("%s", bm_errmsg());
	if (first)
		bm_die("%s: empty stats file", path);
	bm_csv_close(r);
	if (o->tensor && x->label >= 0 && !o->regression && x->c[x->label].cats.n == 0)
		bm_die("%s: no classes for the label '%s'", path, x->c[x->label].name);
	if (o->tensor) {
		if (!have_cols)
			bm_die("%s: no feature columns (saved without --tensor?)", path);
		for (size_t j = 0; j < x->nsel; j++)
			if (x->c[j].type == T_UNDECIDED)
				x->c[j].type = T_NUMERIC + 100; /* not a feature */
		free(x->num);
		free(x->oh);
		x->num = num;
		x->nnum = nnum;
		x->oh = oh;
		x->noh = noh;
	} else {
		free(num);
		free(oh);
	}
	x->stats_loaded = true;
}

/* ---- setup from the header ---- */

static void parse_fills(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (int a = 0; a < o->nfillna; a++) {
		const char *arg = o->fillna[a];
		int kind = strcmp(arg, "mean") == 0     ? FILL_MEAN
		           : strcmp(arg, "median") == 0 ? FILL_MEDIAN
		           : strcmp(arg, "mode") == 0   ? FILL_MODE
		                                        : FILL_CONST;
		if (kind != FILL_CONST || !strchr(arg, '=')) {
			for (size_t j = 0; j < x->nsel; j++) {
				col_t *c = &x->c[j];
				c->fill = kind;
				free(c->fillv);
				c->fillv = kind == FILL_CONST ? xmemdup(arg, strlen(arg)) : NULL;
				c->filllen = kind == FILL_CONST ? strlen(arg) : 0;
			}
			continue;
		}
		char **items;
		int n = bm_csv_split_list(arg, &items);
		if (n < 0)
			bm_usage_error("--fillna: malformed list '%s'", arg);
		for (int i = 0; i < n; i++) {
			char *eq = strchr(items[i], '=');
			if (!eq)
				bm_usage_error("--fillna: '%s' is not COLUMN=VALUE", items[i]);
			*eq = '\0';
			const char *v = eq + 1;
			int in = find_col(x, items[i], "--fillna");
			int j = sel_of(x, (size_t)in);
			if (j < 0)
				bm_die("%s: --fillna: column '%s' is not selected", x->first_file, items[i]);
			col_t *c = &x->c[j];
			c->fill = strcmp(v, "mean") == 0     ? FILL_MEAN
			          : strcmp(v, "median") == 0 ? FILL_MEDIAN
			          : strcmp(v, "mode") == 0   ? FILL_MODE
			                                     : FILL_CONST;
			free(c->fillv);
			c->fillv = c->fill == FILL_CONST ? xmemdup(v, strlen(v)) : NULL;
			c->filllen = c->fill == FILL_CONST ? strlen(v) : 0;
		}
		bm_csv_free_list(items, n);
	}
}

static void setup(ctx_t *x, const bm_csv_rec_t *rec)
{
	const bm_clean_opts_t *o = x->o;
	x->first_file = xmemdup(x->fname, strlen(x->fname));
	x->nin = rec->n;
	x->hnames = xcalloc(x->nin, sizeof *x->hnames);
	x->hraw = xcalloc(x->nin, sizeof *x->hraw);
	x->hrawlen = xcalloc(x->nin, sizeof *x->hrawlen);
	for (size_t i = 0; i < x->nin; i++) {
		char buf[48];
		const bm_csv_field_t *f = &rec->f[i];
		if (o->no_header) {
			snprintf(buf, sizeof buf, "%zu", i + 1);
			x->hnames[i] = xmemdup(buf, strlen(buf));
			continue;
		}
		if (!bm_utf8_valid(f->val, f->len))
			bm_die("%s:%llu: the name of column %zu is not valid UTF-8", x->fname, LINE(x), i + 1);
		if (memchr(f->val, '\0', f->len))
			bm_die("%s:%llu: the name of column %zu holds a NUL byte", x->fname, LINE(x), i + 1);
		x->hraw[i] = xmemdup(f->raw, f->rawlen);
		x->hrawlen[i] = f->rawlen;
		char *name;
		if (f->len == 0) {
			snprintf(buf, sizeof buf, "Unnamed: %zu", i);
			name = xmemdup(buf, strlen(buf));
		} else
			name = xmemdup(f->val, f->len);
		/* pandas mangles duplicate names: a, a.1, a.2 */
		for (int k = 1;; k++) {
			bool dup = false;
			for (size_t p = 0; p < i && !dup; p++)
				dup = strcmp(x->hnames[p], name) == 0;
			if (!dup)
				break;
			size_t base = f->len ? f->len : strlen(buf);
			char *m = xmalloc(base + 24);
			snprintf(m, base + 24, "%.*s.%d", (int)base, f->len ? f->val : buf, k);
			free(name);
			name = m;
		}
		x->hnames[i] = name;
	}
	/* selection */
	size_t *sel, nsel;
	if (o->columns)
		nsel = parse_cols(x, o->columns, "--columns", &sel);
	else {
		nsel = x->nin;
		sel = xmalloc(nsel * sizeof *sel);
		for (size_t i = 0; i < nsel; i++)
			sel[i] = i;
	}
	if (o->drop) {
		size_t *dr, nd = parse_cols(x, o->drop, "--drop", &dr);
		size_t k = 0;
		for (size_t j = 0; j < nsel; j++) {
			bool gone = false;
			for (size_t i = 0; i < nd; i++)
				gone |= dr[i] == sel[j];
			if (!gone)
				sel[k++] = sel[j];
		}
		nsel = k;
		free(dr);
	}
	x->label = -1;
	if (o->label) {
		int in = find_col(x, o->label, "--label");
		bool found = false;
		for (size_t j = 0; j < nsel; j++)
			found |= sel[j] == (size_t)in;
		if (!found) {
			if (!o->tensor)
				bm_die("%s: --label: column '%s' is not selected", x->first_file, o->label);
			sel = xrealloc(sel, (nsel + 1) * sizeof *sel);
			sel[nsel++] = (size_t)in;
		}
	}
	if (nsel == 0)
		bm_die("%s: no columns left to write", x->first_file);
	x->nsel = nsel;
	x->c = xcalloc(nsel, sizeof *x->c);
	x->cells = xcalloc(nsel, sizeof *x->cells);
	x->identity = nsel == x->nin;
	for (size_t j = 0; j < nsel; j++) {
		col_t *c = &x->c[j];
		c->in = sel[j];
		c->name = x->hnames[sel[j]];
		c->all_num = true;
		c->subset = !o->subset;
		if (sel[j] != j)
			x->identity = false;
	}
	free(sel);
	if (o->label)
		x->label = sel_of(x, (size_t)find_col(x, o->label, "--label"));
	if (o->subset) {
		size_t *sub, ns = parse_cols(x, o->subset, "--subset", &sub);
		for (size_t i = 0; i < ns; i++) {
			int j = sel_of(x, sub[i]);
			if (j < 0)
				bm_die("%s: --subset: column '%s' is not selected", x->first_file, x->hnames[sub[i]]);
			x->c[j].subset = true;
		}
		free(sub);
	}
	parse_fills(x);
	/* the header line to write */
	if (!o->no_header && !o->tensor) {
		for (size_t j = 0; j < nsel; j++) {
			if (j)
				sb_add(&x->hdr_line, &x->csv.delim, 1);
			size_t in = x->c[j].in;
			const char *raw = x->hraw[in];
			size_t rl = x->hrawlen[in];
			bool quoted = rl && raw[0] == x->csv.quote;
			if (quoted || !bm_csv_needs_quotes(raw, rl, &x->csv, nsel == 1)) {
				sb_add(&x->hdr_line, raw, rl);
			} else {
				size_t len = x->hdr_line.len, cap = x->hdr_line.cap;
				if (bm_csv_append(&x->hdr_line.s, &len, &cap, raw, rl, &x->csv, nsel == 1) < 0)
					bm_die("out of memory");
				x->hdr_line.len = len;
				x->hdr_line.cap = cap;
			}
		}
		sb_add(&x->hdr_line, "\n", 1);
	}
	/* tensor column types */
	if (o->tensor) {
		if (x->label >= 0)
			x->c[x->label].type = T_LABEL;
		if (o->onehot) {
			size_t *oh, n = parse_cols(x, o->onehot, "--onehot", &oh);
			for (size_t j = 0; j < nsel; j++)
				if (x->c[j].type != T_LABEL)
					x->c[j].type = T_NUMERIC;
			for (size_t i = 0; i < n; i++) {
				int j = sel_of(x, oh[i]);
				if (j < 0)
					bm_die("%s: --onehot: column '%s' is not selected", x->first_file, x->hnames[oh[i]]);
				if (j == x->label)
					bm_die("%s: --onehot: column '%s' is the label", x->first_file, x->hnames[oh[i]]);
				x->c[j].type = T_ONEHOT;
			}
			free(oh);
		}
	}
	if (o->load_stats)
		load_stats(x);
	if (o->tensor && x->label >= 0 && o->regression)
		x->c[x->label].type = T_LABEL;
	/* statistical fills come from the stats file when it has them */
	for (size_t j = 0; j < nsel; j++) {
		col_t *c = &x->c[j];
		if (c->fill >= FILL_MEAN && x->stats_loaded) {
			if (!c->statfill[c->fill])
				bm_die("%s: no %s of column '%s'", o->load_stats, fill_kind_name[c->fill], c->name);
			c->fillv = xmemdup(c->statfill[c->fill], strlen(c->statfill[c->fill]));
			c->filllen = strlen(c->fillv);
		}
	}
	x->ready = true;
}

/* Header of a later file: must name the same columns. */
static void check_header(ctx_t *x, const bm_csv_rec_t *rec)
{
	bool same = rec->n == x->nin;
	for (size_t i = 0; same && i < x->nin; i++) {
		const char *want = x->hraw[i];
		same = rec->f[i].rawlen == x->hrawlen[i] && memcmp(rec->f[i].raw, want, x->hrawlen[i]) == 0;
	}
	if (!same)
		bm_die("%s:%llu: the header differs from that of %s", x->fname, LINE(x), x->first_file);
}

/* ---- per row ---- */

static _Noreturn void not_a_number(ctx_t *x, const col_t *c, const char *v, size_t len)
{
	bm_die("%s:%llu: column '%s': '%.*s' is not a number (see --coerce, --onehot)", FNAME(x), LINE(x),
	       c->name, SHOWLEN(len), v);
}

/* Fill cells[] from the record: selection, missing values, types. */
static void load_cells(ctx_t *x, const bm_csv_rec_t *rec)
{
	const bm_clean_opts_t *o = x->o;
	size_t n = rec->n;
	if (n != x->nin) {
		if (n > x->nin || !o->ragged_pad)
			bm_die("%s:%llu: expected %zu fields, found %zu", FNAME(x), LINE(x), x->nin, n);
	}
	for (size_t j = 0; j < x->nsel; j++) {
		cell_t *cl = &x->cells[j];
		col_t *c = &x->c[j];
		size_t in = c->in;
		cl->filled = false;
		cl->num_ok = false;
		if (in < n) {
			const bm_csv_field_t *f = &rec->f[in];
			cl->f = f;
			cl->v = f->val;
			cl->len = f->len;
			cl->na = na_is(&x->na, f->val, f->len);
		} else {
			cl->f = NULL;
			cl->v = "";
			cl->len = 0;
			cl->na = true;
		}
		if (cl->na || c->type == T_ONEHOT || c->type == T_LABEL || c->type > T_LABEL || !o->tensor)
			continue;
		if (x->skip_num && c->type == T_NUMERIC)
			continue; /* pass 1 needs no numbers; a bad one fails in pass 2 */
		bool ok = bm_clean_parse_num(cl->v, cl->len, &cl->num, NULL);
		if (c->type == T_UNDECIDED)
			c->type = ok ? T_NUMERIC : T_ONEHOT;
		else if (!ok) {
			if (!o->coerce)
				not_a_number(x, c, cl->v, cl->len);
			cl->na = true;
		}
		cl->num_ok = ok;
	}
}

static bool keep_dropna(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->dropna == BM_DROPNA_NONE && o->thresh < 0)
		return true;
	size_t nna = 0, nsub = 0;
	for (size_t j = 0; j < x->nsel; j++)
		if (x->c[j].subset) {
			nsub++;
			nna += x->cells[j].na;
		}
	if (o->thresh >= 0)
		return (long long)(nsub - nna) >= o->thresh;
	if (o->dropna == BM_DROPNA_ANY)
		return nna == 0;
	return nna < nsub;
}

/* Add W values V to the scaling statistics of C. */
static void scale_add(col_t *c, double v, double w)
{
	if (isnan(v))
		return;
	if (!c->kset) {
		c->k = isinf(v) ? 0 : v;
		c->kset = true;
		c->mn = c->mx = v;
	}
	double d = v - c->k;
	c->wn += w;
	c->s1 += w * d;
	c->s2 += w * d * d;
	if (v < c->mn)
		c->mn = v;
	if (v > c->mx)
		c->mx = v;
}

static void cat_count(strmap_t *m, const char *v, size_t len)
{
	int64_t i = sm_get(m, v, len, true);
	m->e[i].count++;
}

static void cat_add(col_t *c, const char *v, size_t len, uint64_t w, bool insert)
{
	int64_t i = sm_get(&c->cats, v, len, insert);
	if (i >= 0)
		c->cats.e[i].count += w;
}

/* Pass 1: gather what pass 2 needs from a row that dropna kept. */
static void gather(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		bool stats = x->num_stats;
		bool numeric = c->type == T_NUMERIC || (c->type == T_LABEL && o->regression);
		bool cats = c->type == T_ONEHOT || (c->type == T_LABEL && !o->regression) ||
		            (!o->tensor && (int)j == x->label);
		if (cl->na) {
			if (o->ffill && c->has_last) {
				if (stats && numeric)
					scale_add(c, c->last_num, 1);
				if (cats)
					cat_add(c, c->last.s, c->last.len, 1, !x->stats_loaded);
			} else if (o->bfill)
				c->pending++;
			else if (c->fill == FILL_CONST && c->fillv) {
				/* as the one-pass path adds it: in row order */
				double v;
				if (stats && numeric && bm_clean_parse_num(c->fillv, c->filllen, &v, NULL))
					scale_add(c, v, 1);
				if (cats)
					cat_add(c, c->fillv, c->filllen, 1, !x->stats_loaded);
			} else
				c->unresolved++;
			continue;
		}
		/* statistics for mean/median/mode fills */
		if (c->fill >= FILL_MEAN && !x->stats_loaded) {
			double v;
			bool ok = cl->num_ok ? (v = cl->num, true) : bm_clean_parse_num(cl->v, cl->len, &v, NULL);
			if (ok) {
				c->cnt++;
				double t = c->sum + v;
				c->comp += fabs(c->sum) >= fabs(v) ? (c->sum - t) + v : (v - t) + c->sum;
				c->sum = t;
				if (c->fill == FILL_MEDIAN) {
					if (c->nvals == c->capvals) {
						c->capvals = c->capvals ? 2 * c->capvals : 1024;
						c->vals = xrealloc(c->vals, c->capvals * sizeof *c->vals);
					}
					c->vals[c->nvals++] = v;
				}
			} else
				c->all_num = false;
			if (c->fill == FILL_MODE)
				cat_count(&c->mode, cl->v, cl->len);
		}
		double v = cl->num;
		if (numeric && (stats || o->ffill) && !cl->num_ok && !bm_clean_parse_num(cl->v, cl->len, &v, NULL)) {
			if (!o->coerce)
				not_a_number(x, c, cl->v, cl->len);
			v = NAN;
		}
		if (stats && numeric)
			scale_add(c, v, 1 + (double)c->pending);
		if (cats)
			cat_add(c, cl->v, cl->len, 1 + c->pending, !x->stats_loaded);
		if (o->bfill && c->pending) {
			if (c->bn == c->bcap) {
				c->bcap = c->bcap ? 2 * c->bcap : 64;
				c->brow = xrealloc(c->brow, c->bcap * sizeof *c->brow);
				c->boff = xrealloc(c->boff, c->bcap * sizeof *c->boff);
				c->blen = xrealloc(c->blen, c->bcap * sizeof *c->blen);
			}
			c->brow[c->bn] = x->krow;
			c->boff[c->bn] = c->bvals.len;
			c->blen[c->bn] = cl->len;
			c->bn++;
			sb_add(&c->bvals, cl->v, cl->len);
			c->pending = 0;
		}
		if (o->ffill) {
			sb_set(&c->last, cl->v, cl->len);
			c->has_last = true;
			c->last_num = v;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);
	return r ? r : (la > lb) - (la < lb);
}

static bool sort_numeric; /* qsort has no context argument */

static int cmp_ent(const void *pa, const void *pb)
{
	const sment_t *a = pa, *b = pb;
	if (sort_numeric) {
		double x, y;
		bm_clean_parse_num(a->key, a->len, &x, NULL);
		bm_clean_parse_num(b->key, b->len, &y, NULL);
		if (x != y)
			return (x > y) - (x < y);
	}
	return cmp_bytes(a->key, a->len, b->key, b->len);
}

/* Give the entries of M ids in sorted order (numeric when all are numbers,
 * bytewise otherwise). */
static void sort_ids(strmap_t *m, bool *numeric)
{
	if (!m->n)
		return;
	bool num = m->n > 0;
	for (size_t i = 0; i < m->n && num; i++) {
		double v;
		num = bm_clean_parse_num(m->e[i].key, m->e[i].len, &v, NULL) && !isnan(v);
	}
	sment_t *s = xmalloc(m->n * sizeof *s);
	memcpy(s, m->e, m->n * sizeof *s);
	sort_numeric = num;
	qsort(s, m->n, sizeof *s, cmp_ent);
	for (size_t i = 0; i < m->n; i++)
		m->e[s[i].id].id = (int64_t)i;
	free(s);
	if (numeric)
		*numeric = num;
}

/* The key of M with id ID. */
static const sment_t *sm_by_id(const strmap_t *m, int64_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].id == id)
			return &m->e[i];
	return NULL;
}

static char *fmt_dup(double v)
{
	char buf[48];
	bm_clean_fmt_double(buf, sizeof buf, v);
	return xmemdup(buf, strlen(buf));
}

/* The value with the highest count; ties go to the smallest (as pandas'
 * mode()[0]). */
static char *mode_of(strmap_t *m, bool numeric)
{
	if (!m->n)
		return NULL;
	if (!numeric) {
		const sment_t *best = &m->e[0];
		for (size_t i = 1; i < m->n; i++) {
			const sment_t *e = &m->e[i];
			if (e->count > best->count ||
			    (e->count == best->count && cmp_bytes(e->key, e->len, best->key, best->len) < 0))
				best = e;
		}
		return xmemdup(best->key, best->len);
	}
	/* group spellings of the same number */
	sment_t *s = xmalloc(m->n * sizeof *s);
	memcpy(s, m->e, m->n * sizeof *s);
	sort_numeric = true;
	qsort(s, m->n, sizeof *s, cmp_ent);
	double bestv = 0;
	uint64_t bestc = 0;
	for (size_t i = 0; i < m->n;) {
		double v;
		bm_clean_parse_num(s[i].key, s[i].len, &v, NULL);
		uint64_t cnt = 0;
		size_t k = i;
		for (; k < m->n; k++) {
			double w;
			bm_clean_parse_num(s[k].key, s[k].len, &w, NULL);
			if (w != v)
				break;
			cnt += s[k].count;
		}
		if (cnt > bestc) {
			bestc = cnt;
			bestv = v;
		}
		i = k;
	}
	free(s);
	return fmt_dup(bestv);
}

/* End of pass 1: statistics, fill values, categories, the x layout. */
static void finish_pass1(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		c->unresolved += c->pending;
		c->pending = 0;
		if (c->type == T_UNDECIDED)
			c->type = o->tensor ? T_NUMERIC : T_UNDECIDED;
		if (c->fill >= FILL_MEAN && !x->stats_loaded) {
			char *v = NULL;
			if (c->fill == FILL_MEAN && c->all_num && c->cnt)
				v = fmt_dup((c->sum + c->comp) / (double)c->cnt);
			else if (c->fill == FILL_MEDIAN && c->all_num && c->nvals) {
				qsort(c->vals, c->nvals, sizeof *c->vals, cmp_double);
				size_t n = c->nvals;
				v = fmt_dup(n % 2 ? c->vals[n / 2] : (c->vals[n / 2 - 1] + c->vals[n / 2]) / 2);
			} else if (c->fill == FILL_MODE)
				v = mode_of(&c->mode, c->all_num);
			c->statfill[c->fill] = v;
			c->fillv = v ? xmemdup(v, strlen(v)) : NULL;
			c->filllen = v ? strlen(v) : 0;
			free(c->vals);
			c->vals = NULL;
			sm_free(&c->mode);
		}
		bool numeric = c->type == T_NUMERIC || (c->type == T_LABEL && o->regression);
		bool cats = c->type == T_ONEHOT || (c->type == T_LABEL && !o->regression) ||
		            (!o->tensor && (int)j == x->label);
		if (c->unresolved && c->fillv) {
			double v;
			if (numeric && !x->stats_loaded && bm_clean_parse_num(c->fillv, c->filllen, &v, NULL))
				scale_add(c, v, (double)c->unresolved);
			if (cats)
				cat_add(c, c->fillv, c->filllen, c->unresolved, !x->stats_loaded);
		}
		if (numeric && !x->stats_loaded) {
			if (c->wn > 0) {
				double m1 = c->s1 / c->wn;
				c->mean = c->k + m1;
				double var = c->s2 / c->wn - m1 * m1;
				c->std = sqrt(var > 0 ? var : 0);
				c->min = c->mn;
				c->max = c->mx;
			} else {
				c->mean = c->min = c->max = NAN;
				c->std = NAN;
			}
		}
		if (cats && !x->stats_loaded)
			sort_ids(&c->cats, &c->cats_numeric);
	}
}

/* Sort loaded categories by their order in the file (ids are insertion
 * order already) and lay out x: numeric features, then one-hot blocks
 * (as pandas.get_dummies). */
static void layout(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (!o->tensor)
		return;
	if (!x->stats_loaded) {
		x->num = xmalloc(x->nsel * sizeof *x->num);
		x->oh = xmalloc(x->nsel * sizeof *x->oh);
		x->nnum = x->noh = 0;
		for (size_t j = 0; j < x->nsel; j++) {
			if (x->c[j].type == T_NUMERIC)
				x->num[x->nnum++] = j;
			else if (x->c[j].type == T_ONEHOT)
				x->oh[x->noh++] = j;
		}
	}
	size_t d = 0;
	for (size_t i = 0; i < x->nnum; i++)
		x->c[x->num[i]].xoff = d++;
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		c->xoff = d;
		d += c->cats.n;
	}
	x->d = d;
}

/* ---- pass 2: fill, dedup, output ---- */

static void fill(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		if (!cl->na) {
			if (o->ffill) {
				sb_set(&c->last, cl->v, cl->len);
				c->has_last = true;
			}
			continue;
		}
		const char *v = NULL;
		size_t len = 0;
		if (o->ffill && c->has_last) {
			v = c->last.s;
			len = c->last.len;
		} else if (o->bfill) {
			while (c->bptr < c->bn && c->brow[c->bptr] < x->krow)
				c->bptr++;
			if (c->bptr < c->bn) {
				v = c->bvals.s + c->boff[c->bptr];
				len = c->blen[c->bptr];
			}
		}
		if (!v && c->fillv) {
			v = c->fillv;
			len = c->filllen;
		}
		if (v) {
			cl->v = v ? v : "";
			cl->len = len;
			cl->f = NULL;
			cl->na = false;
			cl->filled = true;
			cl->num_ok = false;
			c->filled++;
		}
	}
}

/* Whether the row was seen before (after filling): the hash of its values,
 * numbers compared as numbers, missing values equal. */
static bool duplicate(ctx_t *x)
{
	uint64_t h1 = 0x243F6A8885A308D3ULL, h2 = 0x13198A2E03707344ULL;
	for (size_t j = 0; j < x->nsel; j++) {
		if (!x->c[j].subset)
			continue;
		const cell_t *cl = &x->cells[j];
		double v;
		uint64_t w1, w2;
		if (cl->na)
			w1 = w2 = 0x5bd1e995;
		else if (cl->num_ok || bm_clean_parse_num(cl->v, cl->len, &v, NULL)) {
			if (cl->num_ok)
				v = cl->num;
			if (v == 0)
				v = 0; /* -0.0 */
			uint64_t b;
			memcpy(&b, &v, 8);
			w1 = mix64(b ^ 0x1111);
			w2 = mix64(b ^ 0x2222);
		} else {
			w1 = hash_bytes(cl->v, cl->len, 0x3333);
			w2 = hash_bytes(cl->v, cl->len, 0x4444);
		}
		h1 = mix64(h1 ^ w1) + j;
		h2 = mix64(h2 ^ w2) + j;
	}
	if (h1 == 0 && h2 == 0)
		h1 = 1;
	if (2 * (x->dn + 1) > x->dcap) {
		size_t ncap = x->dcap ? 2 * x->dcap : 1024;
		uint64_t *t = xcalloc(ncap * 2, sizeof *t);
		for (size_t i = 0; i < x->dcap; i++) {
			uint64_t a = x->dset[2 * i], b = x->dset[2 * i + 1];
			if (!a && !b)
				continue;
			size_t k = a & (ncap - 1);
			while (t[2 * k] || t[2 * k + 1])
				k = (k + 1) & (ncap - 1);
			t[2 * k] = a;
			t[2 * k + 1] = b;
		}
		free(x->dset);
		x->dset = t;
		x->dcap = ncap;
	}
	size_t k = h1 & (x->dcap - 1);
	while (x->dset[2 * k] || x->dset[2 * k + 1]) {
		if (x->dset[2 * k] == h1 && x->dset[2 * k + 1] == h2)
			return true;
		k = (k + 1) & (x->dcap - 1);
	}
	x->dset[2 * k] = h1;
	x->dset[2 * k + 1] = h2;
	x->dn++;
	return false;
}

static void out_write(dest_t *d, const void *p, size_t n)
{
	if (bm_out_write(d->out, p, n) < 0)
		bm_die("%s", bm_errmsg());
}

static void write_csv_row(ctx_t *x, dest_t *d, const bm_csv_rec_t *rec)
{
	bool changed = !x->identity;
	for (size_t j = 0; j < x->nsel && !changed; j++)
		changed = x->cells[j].filled || !x->cells[j].f;
	if (!changed) {
		if (rec->rawlen == 0 && x->nsel == 1) {
			out_write(d, "\"\"\n", 3);
			return;
		}
		sbuf_t *b = &x->row;
		b->len = 0;
		sb_add(b, rec->raw, rec->rawlen);
		sb_add(b, "\n", 1);
		out_write(d, b->s, b->len);
		return;
	}
	sbuf_t *b = &x->row;
	b->len = 0;
	bool alone = x->nsel == 1;
	for (size_t j = 0; j < x->nsel; j++) {
		const cell_t *cl = &x->cells[j];
		if (j)
			sb_add(b, &x->csv.delim, 1);
		const char *s;
		size_t n;
		if (cl->f && (cl->f->quoted || !memchr(cl->f->raw, x->csv.quote, cl->f->rawlen)) &&
		    !(alone && cl->f->rawlen == 0)) {
			sb_add(b, cl->f->raw, cl->f->rawlen);
			continue;
		}
		if (cl->f) {
			s = cl->f->val;
			n = cl->f->len;
		} else if (cl->filled) {
			s = cl->v;
			n = cl->len;
		} else {
			s = "";
			n = 0;
		}
		size_t len = b->len, cap = b->cap;
		if (bm_csv_append(&b->s, &len, &cap, s, n, &x->csv, alone) < 0)
			bm_die("out of memory");
		b->len = len;
		b->cap = cap;
	}
	sb_add(b, "\n", 1);
	out_write(d, b->s, b->len);
}

static void flush_tensor(ctx_t *x, dest_t *d, bool final)
{
	const bm_clean_opts_t *o = x->o;
	if (d->rows == 0 && !(final && d->written == 0))
		return;
	uint64_t dims[2] = {d->rows, x->d};
	if (bm_write_frame(d->out, "x", BM_F32, 2, dims, d->x) < 0)
		bm_die("%s", bm_errmsg());
	if (x->label >= 0) {
		uint64_t yd[1] = {d->rows};
		if (bm_write_frame(d->out, "y", o->regression ? BM_F32 : BM_I32, 1, yd, d->y) < 0)
			bm_die("%s", bm_errmsg());
	}
	d->written += d->rows;
	d->rows = 0;
}

static double cell_num(ctx_t *x, const col_t *c, cell_t *cl)
{
	if (cl->na)
		return NAN;
	if (cl->num_ok)
		return cl->num;
	double v;
	if (!bm_clean_parse_num(cl->v, cl->len, &v, NULL)) {
		if (!x->o->coerce)
			not_a_number(x, c, cl->v, cl->len);
		return NAN;
	}
	return v;
}

static void write_tensor_row(ctx_t *x, dest_t *d)
{
	const bm_clean_opts_t *o = x->o;
	float *xr = d->x + d->rows * x->d;
	for (size_t i = 0; i < x->nnum; i++) {
		col_t *c = &x->c[x->num[i]];
		double v = cell_num(x, c, &x->cells[x->num[i]]);
		if (x->scale == BM_SCALE_STANDARDIZE) {
			double s = c->std > 0 ? c->std : 1;
			v = (v - c->mean) / s;
		} else if (x->scale == BM_SCALE_MINMAX) {
			double r = c->max - c->min;
			v = (v - c->min) / (r > 0 ? r : 1);
		}
		xr[c->xoff] = (float)v;
	}
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		const cell_t *cl = &x->cells[x->oh[i]];
		float *p = xr + c->xoff;
		memset(p, 0, c->cats.n * sizeof *p);
		if (!cl->na) {
			int64_t k = sm_get(&c->cats, cl->v, cl->len, false);
			if (k >= 0)
				p[c->cats.e[k].id] = 1;
		}
	}
	if (x->label >= 0) {
		col_t *c = &x->c[x->label];
		cell_t *cl = &x->cells[x->label];
		if (cl->na)
			bm_die("%s:%llu: missing label (column '%s'); see --dropna --subset", FNAME(x), LINE(x), c->name);
		if (o->regression) {
			((float *)d->y)[d->rows] = (float)cell_num(x, c, cl);
		} else {
			int64_t k = sm_get(&c->cats, cl->v, cl->len, false);
			if (k < 0)
				bm_die("%s:%llu: label '%.*s' is not one of the classes of %s", FNAME(x), LINE(x),
				       SHOWLEN(cl->len), cl->v, o->load_stats ? o->load_stats : "the input");
			((int32_t *)d->y)[d->rows] = (int32_t)c->cats.e[k].id;
		}
	}
	if (++d->rows == BM_FRAME_ROWS)
		flush_tensor(x, d, false);
}

/* Which output the row goes to: 0 train, 1 test. */
static int split_dest(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->split < 0)
		return 0;
	if (!o->stratify)
		return rng_double(&x->rng) < o->split;
	col_t *c = &x->c[x->label];
	const cell_t *cl = &x->cells[x->label];
	int64_t k = cl->na ? -1 : sm_get(&c->cats, cl->v, cl->len, false);
	if (k < 0)
		return rng_double(&x->rng) < o->split;
	int64_t id = c->cats.e[k].id;
	uint64_t left = x->cls_left[id], test = x->cls_test[id];
	if (!left)
		return rng_double(&x->rng) < o->split;
	bool t = rng_below(&x->rng, left) < test;
	x->cls_left[id]--;
	if (t)
		x->cls_test[id]--;
	return t;
}

static void report_cells(ctx_t *x)
{
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		const cell_t *cl = &x->cells[j];
		if (cl->na) {
			c->missing++;
			continue;
		}
		if (c->rtype == R_STRING)
			continue;
		double v;
		bool integral;
		if (!bm_clean_parse_num(cl->v, cl->len, &v, &integral))
			c->rtype = R_STRING;
		else if (!integral)
			c->rtype = R_FLOAT;
		else if (c->rtype == R_NONE)
			c->rtype = R_INT;
	}
}

static void fast_gather(ctx_t *x);
static void spool_put(ctx_t *x);

static void row(ctx_t *x, const bm_csv_rec_t *rec, int pass)
{
	const bm_clean_opts_t *o = x->o;
	x->line = rec->line;
	load_cells(x, rec);
	bool final = pass == 2 || !x->twopass;
	if (final) {
		x->nread++;
		if (o->report)
			report_cells(x);
	}
	if (!keep_dropna(x)) {
		if (final)
			x->ndropna++;
		return;
	}
	if (!final) {
		gather(x);
		x->krow++;
		return;
	}
	fill(x);
	x->krow++;
	if (x->fast)
		fast_gather(x);
	if (o->dedup && duplicate(x)) {
		x->ndedup++;
		return;
	}
	int di = split_dest(x);
	if (x->fast) {
		x->srow[0] = (unsigned char)di;
		spool_put(x);
		return;
	}
	dest_t *d = &x->dest[di];
	if (o->tensor)
		write_tensor_row(x, d);
	else {
		write_csv_row(x, d, rec);
		d->written++;
	}
}

/* ---- the one-pass --tensor path ---- */

#define SLOT_MISSING8 0x7FF8DEAD0000BEEFULL /* a NaN, and no category */
#define SLOT_MISSING4 0x7FC0BEEFU
#define SPOOL_CHUNK (8u << 20)
#define SPOOL_MEM (256u << 20) /* then a temporary file */

static void spool_put(ctx_t *x)
{
	size_t n = (x->nsel + 1) * x->sw;
	if (!x->scur) {
		x->schunk = n * (SPOOL_CHUNK / n + 1);
		x->scur = xmalloc(x->schunk);
	}
	if (x->slen + n > x->schunk) {
		if (!x->spool && (x->nsmem + 1) * x->schunk <= SPOOL_MEM) {
			x->smem = xrealloc(x->smem, (x->nsmem + 1) * sizeof *x->smem);
			x->smem[x->nsmem++] = x->scur;
			x->scur = xmalloc(x->schunk);
		} else {
			if (!x->spool)
				x->spool = tmp_file();
			if (fwrite(x->scur, 1, x->slen, x->spool) != x->slen)
				bm_die("writing a temporary file: %s", strerror(errno));
		}
		x->slen = 0;
	}
	memcpy(x->scur + x->slen, x->srow, n);
	x->slen += n;
}

static void slot_put(ctx_t *x, size_t j, double v, uint32_t id, int kind)
{
	unsigned char *p = x->srow + (j + 1) * x->sw;
	if (x->sw == 8) {
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

static double slot_num(ctx_t *x, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * x->sw;
	if (x->sw == 8) {
		double v;
		memcpy(&v, p, 8);
		return v;
	}
	float f;
	memcpy(&f, p, 4);
	return f;
}

/* A category id, or -1 for missing. */
static int64_t slot_id(ctx_t *x, const unsigned char *row, size_t j)
{
	const unsigned char *p = row + (j + 1) * x->sw;
	if (x->sw == 8) {
		uint64_t u;
		memcpy(&u, p, 8);
		return u == SLOT_MISSING8 ? -1 : (int64_t)u;
	}
	uint32_t u;
	memcpy(&u, p, 4);
	return u == SLOT_MISSING4 ? -1 : (int64_t)u;
}

/* Statistics, categories and the spooled numbers of a filled row. */
static void fast_gather(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		cell_t *cl = &x->cells[j];
		if (c->type == T_LABEL && cl->na)
			bm_die("%s:%llu: missing label (column '%s'); see --dropna --subset", FNAME(x), LINE(x), c->name);
		if (cl->na) {
			slot_put(x, j, 0, 0, 0);
			continue;
		}
		if (c->type == T_NUMERIC || (c->type == T_LABEL && o->regression)) {
			double v = cell_num(x, c, cl);
			if (x->num_stats)
				scale_add(c, v, 1);
			slot_put(x, j, v, 0, 1);
		} else if (c->type == T_ONEHOT || c->type == T_LABEL) {
			int64_t i = sm_get(&c->cats, cl->v, cl->len, true);
			c->cats.e[i].count++;
			if (i >= (int64_t)SLOT_MISSING4)
				bm_die("%s:%llu: column '%s': too many categories", FNAME(x), LINE(x), c->name);
			slot_put(x, j, 0, (uint32_t)i, 2);
		} else
			slot_put(x, j, 0, 0, 0);
	}
}

static void replay_row(ctx_t *x, const unsigned char *row)
{
	const bm_clean_opts_t *o = x->o;
	dest_t *d = &x->dest[row[0]];
	float *xr = d->x + d->rows * x->d;
	for (size_t i = 0; i < x->nnum; i++) {
		col_t *c = &x->c[x->num[i]];
		double v = slot_num(x, row, x->num[i]);
		if (x->scale == BM_SCALE_STANDARDIZE)
			v = (v - c->mean) / (c->std > 0 ? c->std : 1);
		else if (x->scale == BM_SCALE_MINMAX)
			v = (v - c->min) / (c->max - c->min > 0 ? c->max - c->min : 1);
		xr[c->xoff] = (float)v;
	}
	for (size_t i = 0; i < x->noh; i++) {
		col_t *c = &x->c[x->oh[i]];
		int64_t k = slot_id(x, row, x->oh[i]);
		float *p = xr + c->xoff;
		memset(p, 0, c->cats.n * sizeof *p);
		if (k >= 0)
			p[c->cats.e[k].id] = 1;
	}
	if (x->label >= 0) {
		if (o->regression)
			((float *)d->y)[d->rows] = (float)slot_num(x, row, (size_t)x->label);
		else
			((int32_t *)d->y)[d->rows] = (int32_t)x->c[x->label].cats.e[slot_id(x, row, (size_t)x->label)].id;
	}
	if (++d->rows == BM_FRAME_ROWS)
		flush_tensor(x, d, false);
}

/* After the pass: the spooled rows as x/y frames, in order: the chunks
 * kept in memory, the temporary file, the current chunk. */
static void fast_replay(ctx_t *x)
{
	size_t n = (x->nsel + 1) * x->sw;
	for (size_t c = 0; c < x->nsmem; c++) {
		for (size_t off = 0; off + n <= x->schunk; off += n)
			replay_row(x, x->smem[c] + off);
		free(x->smem[c]);
	}
	free(x->smem);
	x->smem = NULL;
	x->nsmem = 0;
	if (x->spool) {
		if (fflush(x->spool) != 0 || fseek(x->spool, 0, SEEK_SET) != 0)
			bm_die("rereading a temporary file: %s", strerror(errno));
		unsigned char *row = xmalloc(n);
		while (fread(row, 1, n, x->spool) == n)
			replay_row(x, row);
		if (ferror(x->spool))
			bm_die("rereading a temporary file: %s", strerror(errno));
		free(row);
		fclose(x->spool);
		x->spool = NULL;
	}
	for (size_t off = 0; off + n <= x->slen; off += n)
		replay_row(x, x->scur + off);
	free(x->scur);
	x->scur = NULL;
}

/* ---- inputs ---- */

static void spool_stdin(ctx_t *x)
{
	FILE *f = tmp_file();
	int fd = dup(fileno(f));
	fclose(f);
	if (fd < 0)
		bm_die("dup: %s", strerror(errno));
	bm_in_t *in = bm_in_open("-");
	if (!in)
		bm_die("%s", bm_errmsg());
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	while ((n = bm_in_read(in, buf, 1 << 20)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				bm_die("spooling standard input to a temporary file: %s", strerror(errno));
			}
			off += w;
		}
	}
	if (n < 0)
		bm_die("%s", bm_errmsg());
	free(buf);
	bm_in_close(in);
	x->spool_fd = fd;
}

static bm_in_t *open_input(ctx_t *x, const char *path)
{
	bm_in_t *in;
	if ((!path || strcmp(path, "-") == 0) && x->spool_fd >= 0) {
		int fd = dup(x->spool_fd);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
			bm_die("rereading spooled standard input: %s", strerror(errno));
		in = bm_in_fdopen(fd, "-");
	} else
		in = bm_in_open(path);
	if (!in)
		bm_die("%s", bm_errmsg());
	return in;
}

static void layout(ctx_t *x);
static void open_outputs(ctx_t *x);

static void run_pass(ctx_t *x, int pass)
{
	const bm_clean_opts_t *o = x->o;
	x->krow = 0;
	for (int i = 0; i < (x->nfiles ? x->nfiles : 1); i++) {
		const char *path = x->nfiles ? x->files[i] : "-";
		bm_in_t *in = open_input(x, path);
		x->fname = bm_in_name(in);
		/* A second thread pays for decompression; for plain input, splitting
		 * records in one thread and using them in another costs more (the
		 * records cross between cores) than it saves. */
		bm_csv_opts_t co = x->csv;
		co.threaded = o->threads > 1 && bm_in_is_gzip(in);
		bm_csv_t *r = bm_csv_open(in, &co);
		if (!r)
			bm_die("%s", bm_errmsg());
		bm_csv_rec_t *rec;
		int st;
		bool first = true;
		while ((st = bm_csv_next(r, &rec)) > 0) {
			if (first) {
				first = false;
				x->line = rec->line;
				if (!x->ready) {
					setup(x, rec);
					if (x->fast) {
						x->sw = x->scale > 0 || o->save_stats ? 8 : 4;
						x->srow = xcalloc(x->nsel + 1, x->sw);
					} else if (!x->twopass) {
						layout(x);
						open_outputs(x);
					}
					if (!o->no_header)
						continue;
				} else if (!o->no_header) {
					check_header(x, rec);
					continue;
				}
			}
			row(x, rec, pass);
		}
		if (st < 0)
			bm_die("%s", bm_errmsg());
		if (first && !o->no_header)
			bm_die("%s: empty input, no header", x->fname);
		bm_csv_close(r);
	}
}

/* ---- the run ---- */

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

void bm_clean_check_opts(const bm_clean_opts_t *o)
{
	if (o->subset && o->dropna == BM_DROPNA_NONE && o->thresh < 0 && !o->dedup)
		bm_usage_error("--subset needs --dropna, --thresh or --dedup");
	if (o->tensor) {
		if (o->regression && !o->label && !o->load_stats)
			bm_usage_error("--regression needs --label");
	} else {
		if (o->regression || o->onehot || o->coerce || o->scale > 0)
			bm_usage_error("--%s needs --tensor", o->regression ? "regression"
			                                      : o->onehot    ? "onehot"
			                                      : o->coerce    ? "coerce"
			                                      : o->scale == BM_SCALE_STANDARDIZE ? "standardize"
			                                                                         : "minmax");
	}
	if (o->save_stats && o->load_stats)
		bm_usage_error("--save-stats and --load-stats exclude each other");
	if (o->split >= 0 && !o->test_out)
		bm_usage_error("--split needs --test-out");
	if (o->test_out && o->split < 0)
		bm_usage_error("--test-out needs --split");
	if (o->stratify && o->split < 0)
		bm_usage_error("--stratify needs --split");
	if (o->stratify && (!o->label || o->regression))
		bm_usage_error("--stratify needs --label (and not --regression)");
	if (o->comment == o->delim || o->comment == '"')
		bm_usage_error("--comment: must differ from the delimiter and the quote");
}

static void open_outputs(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	int flags = (o->gzip ? BM_OUT_GZIP : 0) | (o->tensor ? BM_OUT_BINARY : 0);
	x->ndest = o->split >= 0 ? 2 : 1;
	const char *paths[2] = {o->output, o->test_out};
	for (int i = 0; i < x->ndest; i++) {
		dest_t *d = &x->dest[i];
		d->out = bm_out_open(paths[i], flags);
		if (!d->out)
			bm_die("%s", bm_errmsg());
		if (o->tensor) {
			d->x = xmalloc((size_t)BM_FRAME_ROWS * (x->d ? x->d : 1) * sizeof *d->x);
			d->y = xmalloc((size_t)BM_FRAME_ROWS * 4);
			/* metadata frames first */
			sbuf_t b = {0};
			for (size_t k = 0; k < x->nnum; k++) {
				if (b.len)
					sb_add(&b, "\n", 1);
				const char *nm = x->c[x->num[k]].name;
				sb_add(&b, nm, strlen(nm));
			}
			for (size_t k = 0; k < x->noh; k++) {
				col_t *c = &x->c[x->oh[k]];
				for (size_t id = 0; id < c->cats.n; id++) {
					const sment_t *e = sm_by_id(&c->cats, (int64_t)id);
					if (b.len)
						sb_add(&b, "\n", 1);
					sb_add(&b, c->name, strlen(c->name));
					sb_add(&b, "_", 1);
					sb_add(&b, e->key, e->len);
				}
			}
			uint64_t dims[1] = {b.len};
			if (bm_write_frame(d->out, "columns", BM_U8, 1, dims, b.s ? b.s : "") < 0)
				bm_die("%s", bm_errmsg());
			if (x->label >= 0 && !o->regression) {
				col_t *c = &x->c[x->label];
				b.len = 0;
				for (size_t id = 0; id < c->cats.n; id++) {
					const sment_t *e = sm_by_id(&c->cats, (int64_t)id);
					if (id)
						sb_add(&b, "\n", 1);
					sb_add(&b, e->key, e->len);
				}
				dims[0] = b.len;
				if (bm_write_frame(d->out, "classes", BM_U8, 1, dims, b.s ? b.s : "") < 0)
					bm_die("%s", bm_errmsg());
			}
			free(b.s);
		} else if (x->hdr_line.len) {
			out_write(d, x->hdr_line.s, x->hdr_line.len);
		}
	}
}

static void print_report(ctx_t *x)
{
	static const char *const tname[] = {"empty", "int", "float", "string"};
	uint64_t written = x->dest[0].written + (x->ndest > 1 ? x->dest[1].written : 0);
	fprintf(stderr, "%s: %s: %llu rows read, %llu dropped by --dropna, %llu dropped by --dedup, %llu written",
	        bm_prog, x->first_file ? x->first_file : "-", (unsigned long long)x->nread,
	        (unsigned long long)x->ndropna, (unsigned long long)x->ndedup, (unsigned long long)written);
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
		col_t *c = &x->c[j];
		fprintf(stderr, "%-*s  %-6s  %10llu  %10llu\n", w, c->name, tname[c->rtype],
		        (unsigned long long)c->missing, (unsigned long long)c->filled);
	}
}

static bool is_stat(const char *v)
{
	return strcmp(v, "mean") == 0 || strcmp(v, "median") == 0 || strcmp(v, "mode") == 0;
}

/* Whether a --fillna argument asks for a statistic (mean, median, mode). */
static bool fill_arg_has_stat(const char *arg)
{
	if (is_stat(arg))
		return true;
	if (!strchr(arg, '='))
		return false;
	char **items;
	int n = bm_csv_split_list(arg, &items);
	bool r = false;
	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		r |= eq && is_stat(eq + 1);
	}
	bm_csv_free_list(items, n);
	return r;
}

static void ctx_free(ctx_t *x)
{
	for (size_t i = 0; i < x->na.n; i++)
		free(x->na.s[i]);
	free(x->na.s);
	free(x->na.len);
	for (size_t i = 0; i < x->nin; i++) {
		free(x->hnames[i]);
		free(x->hraw[i]);
	}
	free(x->hnames);
	free(x->hraw);
	free(x->hrawlen);
	free(x->hdr_line.s);
	free(x->first_file);
	for (size_t j = 0; j < x->nsel; j++) {
		col_t *c = &x->c[j];
		free(c->fillv);
		for (int k = 0; k < 5; k++)
			free(c->statfill[k]);
		free(c->last.s);
		free(c->brow);
		free(c->boff);
		free(c->blen);
		free(c->bvals.s);
		free(c->vals);
		sm_free(&c->mode);
		sm_free(&c->cats);
	}
	free(x->c);
	free(x->cells);
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
	free(x->srow);
	free(x);
}

int bm_clean_run(const bm_clean_opts_t *o, char **files, int nfiles)
{
	ctx_t *x = xcalloc(1, sizeof *x);
	x->o = o;
	x->csv = (bm_csv_opts_t){o->delim, '"', o->comment, false};
	x->files = files;
	x->nfiles = nfiles;
	x->spool_fd = -1;
	x->scale = o->scale > 0 ? o->scale : BM_SCALE_NONE;
	x->rng = o->seed;
	if (!o->no_default_na)
		for (size_t i = 0; i < NDEFAULT_NA; i++)
			na_add(&x->na, default_na[i]);
	if (!o->no_default_na)
		x->na.empty = true;
	if (o->na_values) {
		char **items;
		int n = bm_csv_split_list(o->na_values, &items);
		if (n < 0)
			bm_usage_error("--na-values: malformed list '%s'", o->na_values);
		for (int i = 0; i < n; i++)
			na_add(&x->na, items[i]);
		bm_csv_free_list(items, n);
	}
	bool stat_fill = false;
	for (int i = 0; i < o->nfillna; i++)
		stat_fill |= fill_arg_has_stat(o->fillna[i]);
	x->fast = o->tensor && !o->load_stats && !o->bfill && !stat_fill && !o->stratify;
	x->twopass = !x->fast && (o->bfill || o->stratify || o->save_stats ||
	                          (!o->load_stats && (stat_fill || o->tensor)));
	bool uses_stdin = nfiles == 0;
	for (int i = 0; i < nfiles; i++)
		uses_stdin |= strcmp(files[i], "-") == 0;
	if (x->twopass && uses_stdin)
		spool_stdin(x);
	if (x->twopass) {
		x->num_stats = o->tensor && !o->load_stats && (x->scale > 0 || o->save_stats);
		x->skip_num = !o->coerce && !x->num_stats;
		run_pass(x, 1);
		x->skip_num = false;
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
		finish_pass1(x);
		layout(x);
		if (o->stratify) {
			col_t *c = &x->c[x->label];
			x->cls_left = xcalloc(c->cats.n, sizeof *x->cls_left);
			x->cls_test = xcalloc(c->cats.n, sizeof *x->cls_test);
			for (size_t i = 0; i < c->cats.n; i++) {
				uint64_t n = c->cats.e[i].count;
				x->cls_left[c->cats.e[i].id] = n;
				x->cls_test[c->cats.e[i].id] = (uint64_t)floor((double)n * o->split + 0.5);
			}
		}
		if (o->save_stats)
			save_stats(x);
		for (size_t j = 0; j < x->nsel; j++) {
			x->c[j].has_last = false;
			x->c[j].bptr = 0;
		}
		open_outputs(x);
		run_pass(x, 2);
	} else if (x->fast) {
		x->num_stats = x->scale > 0 || o->save_stats;
		run_pass(x, 2);
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
		finish_pass1(x);
		layout(x);
		if (o->save_stats)
			save_stats(x);
		open_outputs(x);
		fast_replay(x);
	} else {
		run_pass(x, 2);
		if (!x->ready)
			bm_die("%s: empty input, no header", nfiles ? files[0] : "-");
	}
	for (int i = 0; i < x->ndest; i++) {
		dest_t *d = &x->dest[i];
		if (o->tensor)
			flush_tensor(x, d, true);
	}
	if (o->report)
		print_report(x);
	for (int i = 0; i < x->ndest; i++)
		if (bm_out_commit(x->dest[i].out) < 0)
			bm_die("%s", bm_errmsg());
	if (x->spool_fd >= 0)
		close(x->spool_fd);
	ctx_free(x);
	return BM_EXIT_OK;
}
