/* fuzz_csv_quick: a differential target for the CSV reader's paths. Three
 * readers of the same bytes, in step, record by record:
 *   G  bm_csv_next at BM_CPU=generic: the reference;
 *   S  bm_csv_next at BM_CPU=sse2, threaded when byte 3 bit 1 says so: the
 *      same records (values, raw bytes, quoting, lines) or the same error;
 *   Q  the quick records (bm_csv_int.h) at the level byte 3 bits 3-4 pick
 *      (generic, sse2, avx2), taken as bm-clean's lean --tensor path takes
 *      them (lib/clean/bm_clean_read.c: quick_records): after each record
 *      from bm_csv_next, quick records until one is refused, which
 *      bm_csv_next then reads. bm-clean's quick path reads a fixed number
 *      of fields per record (its plan's); here the fields are read up to
 *      the line end, whatever their number. At avx2, a field is first
 *      read as bm-clean's number columns read it (bm_values_prefix_ssse3,
 *      then bm_csv_quick_after), which must agree with the field and its
 *      bm_values_parse_num. Q's records have G's values and lines.
 * abort() on any difference. Bytes 0-3 pick the options (fuzz_csv.h), the
 * rest is the CSV. */
#include "fuzz.h"
#include "bm_cpu.h"
#include "bm_csv.h"
#include "bm_csv_int.h"
#include "bm_err.h"
#include "bm_values.h"
#include "fuzz_csv.h"

/* A record as Q gives it: values and line. */
typedef struct {
	const char **v;
	size_t *len;
	size_t n, cap;
	uint64_t line;
} qrec_t;

typedef struct {
	bm_csv_t *r;
	bm_csv_quick_t q;
	bool active; /* q is begun */
	int level;
	qrec_t rec;
} qreader_t;

static void push(qrec_t *qr, const char *v, size_t len)
{
	if (qr->n == qr->cap) {
		qr->cap = qr->cap ? 2 * qr->cap : 16;
		qr->v = realloc(qr->v, qr->cap * sizeof *qr->v);
		qr->len = realloc(qr->len, qr->cap * sizeof *qr->len);
		if (!qr->v || !qr->len)
			abort();
	}
	qr->v[qr->n] = v;
	qr->len[qr->n++] = len;
}

/* The quick record's next field, as bm-clean's decode_quick reads it. */
static int quick_field(qreader_t *s, const char **v, size_t *len)
{
#ifdef __x86_64__
	if (s->level >= BM_CPU_AVX2) {
		const char *cur = s->q.cur;
		double d, d2;
		size_t n = bm_values_prefix_ssse3(cur, &d);
		if (n) {
			int st = bm_csv_quick_after(&s->q, cur + n);
			s->q.cur = cur;
			if (st != BM_CSV_QUICK_NO) {
				int st2 = bm_csv_quick_field(&s->q, v, len, s->level);
				if (st2 != st || *v != cur || *len != n || !bm_values_parse_num(*v, *len, &d2, NULL) ||
				    memcmp(&d, &d2, sizeof d) != 0)
					abort();
				return st2;
			}
		}
	}
#endif
	return bm_csv_quick_field(&s->q, v, len, s->level);
}

/* Q's next record: 1 (s->rec), 0 at the end, -1 on error. */
static int q_next(qreader_t *s)
{
	qrec_t *qr = &s->rec;
	if (s->active) {
		if (bm_csv_quick_record(&s->q)) {
			qr->n = 0;
			qr->line = s->q.line;
			const char *v;
			size_t len;
			int st;
			while ((st = quick_field(s, &v, &len)) != BM_CSV_QUICK_NO) {
				push(qr, v, len);
				if (st == BM_CSV_QUICK_EOL)
					break;
			}
			if (st == BM_CSV_QUICK_EOL) {
				bm_csv_quick_accept(&s->q);
				return 1;
			}
		}
		bm_csv_quick_end(s->r, &s->q);
		s->active = false;
	}
	bm_csv_rec_t *rec;
	int st = bm_csv_next(s->r, &rec);
	if (st <= 0)
		return st;
	qr->n = 0;
	qr->line = rec->line;
	for (size_t i = 0; i < rec->n; i++)
		push(qr, rec->f[i].val, rec->f[i].len);
	s->active = bm_csv_quick_begin(s->r, &s->q);
	return 1;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static bm_csv_t *open_at(const uint8_t *data, size_t size, const bm_csv_opts_t *o, const char *level)
{
	setenv("BM_CPU", level, 1);
	bm_cpu_init();
	bm_csv_t *r = bm_csv_open(fuzz_in(data, size, "fuzz"), o);
	if (!r)
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	bm_csv_opts_t o = fuzz_csv_dialect(data);
	bool threaded = o.threaded;
	o.threaded = false;
	int qlevel = (data[3] >> 3) % 3;
	if (qlevel > (int)bm_cpu_detected())
		qlevel = (int)bm_cpu_detected();
	data += 4;
	size -= 4;

	bm_csv_t *g = open_at(data, size, &o, "generic");
	bm_csv_opts_t so = o;
	so.threaded = threaded;
	bm_csv_t *sr = open_at(data, size, &so, bm_cpu_detected() >= BM_CPU_SSE2 ? "sse2" : "generic");
	qreader_t q = {.r = open_at(data, size, &o, bm_cpu_name((bm_cpu_level_t)qlevel)), .level = qlevel};
	unsetenv("BM_CPU");
	bm_cpu_init();

	for (;;) {
		bm_csv_rec_t *gr, *srec;
		int gst = bm_csv_next(g, &gr);
		char gerr[1024];
		snprintf(gerr, sizeof gerr, "%s", gst < 0 ? bm_errmsg() : "");
		int sst = bm_csv_next(sr, &srec);
		if (sst != gst || (gst < 0 && strcmp(gerr, bm_errmsg()) != 0))
			abort();
		int qst = q_next(&q);
		if (qst != gst || (gst < 0 && strcmp(gerr, bm_errmsg()) != 0))
			abort();
		if (gst <= 0)
			break;
		if (srec->n != gr->n || srec->line != gr->line || !same(srec->raw, srec->rawlen, gr->raw, gr->rawlen))
			abort();
		for (size_t i = 0; i < gr->n; i++) {
			const bm_csv_field_t *a = &gr->f[i], *b = &srec->f[i];
			if (!same(a->val, a->len, b->val, b->len) || !same(a->raw, a->rawlen, b->raw, b->rawlen) ||
			    a->quoted != b->quoted)
				abort();
		}
		if (q.rec.n != gr->n || q.rec.line != gr->line)
			abort();
		for (size_t i = 0; i < gr->n; i++)
			if (!same(q.rec.v[i], q.rec.len[i], gr->f[i].val, gr->f[i].len))
				abort();
	}
	bm_csv_close(g);
	bm_csv_close(sr);
	bm_csv_close(q.r);
	free(q.rec.v);
	free(q.rec.len);
	return 0;
}
