/* bm_csv.c: the RFC 4180 CSV reader: plain, on a byte range, or with a
 * second thread that reads and splits the records; and the quick records
 * (see bm_csv.h, bm_csv_int.h). */
#include "config.h"

#include "bm_csv.h"
#include "bm_csv_int.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_BUFSIZE (1u << 20)

/* ---- threaded reading: batches of records copied out of the reader ---- */

#define BATCH_RECS 4096
#define NBATCH 3

typedef struct {
	size_t f0, n;        /* fields f[f0..f0+n) */
	uint64_t line;
	size_t raw, rawlen;  /* offsets into data */
} brec_t;

typedef struct {
	char *data, *scratch; /* the reader's buffers while the batch fills */
	size_t len, cap;
	bm_csv_field_t *f;
	size_t fn, fcap;
	brec_t *rec;
	size_t nrec, next;
	int status;          /* after the records: 0 more to come, 1 end of input, -1 error */
	char err[512];
} batch_t;

struct bm_csv {
	bm_in_t *in;    /* or NULL: a byte range of RFD read with pread */
	int rfd;
	uint64_t roff, rleft;
	char *rname;
	/* threaded: the producer owns INNER; the consumer takes batches */
	struct bm_csv *inner;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	batch_t batch[NBATCH];
	int full[NBATCH];     /* queue of full batches, in order */
	int nfull, headq;
	int freeq[NBATCH], nfree;
	int cur;              /* the batch the consumer reads, or -1 */
	bool stop, threaded, done;
	/* plain reading */
	bm_csv_opts_t o;
	char *buf;      /* input bytes; buf[end] is a '\n' sentinel */
	char *scratch;  /* unescaped values of quoted fields; as large as buf */
	size_t cap, pos, end;
	bool eof, started;
	uint64_t line;  /* line number at buf[pos] */
	unsigned char special[256]; /* delimiter, CR, LF, comment */
	bool simd;      /* scan with SSE2 (bm_cpu() at BM_CPU_SSE2 or up) */
	bm_csv_scanner_t scan;
	bm_csv_field_t *f;
	size_t fcap;
	bm_csv_rec_t rec;
	/* batching (the producer's reader): records accumulate, their fields
	 * from f[0] and unescaped values from scratch[0] */
	bool batching;
	size_t fbase, scbase;
};

enum { REC_OK, REC_MORE, REC_SKIP, REC_ERR, REC_EOF };

static bm_csv_t *open_plain(bm_in_t *in, const bm_csv_opts_t *opts);

static inline const char *rname(const bm_csv_t *r)
{
	return r->in ? bm_in_name(r->in) : r->rname;
}
static void *producer(void *arg);
static int refill(bm_csv_t *r);
static int parse(bm_csv_t *r);

bm_csv_t *bm_csv_open(bm_in_t *in, const bm_csv_opts_t *opts)
{
	if (!opts || !opts->threaded)
		return open_plain(in, opts);
	bm_csv_t *inner = open_plain(in, opts);
	if (!inner)
		return NULL;
	bm_csv_t *r = calloc(1, sizeof *r);
	if (!r) {
		bm_csv_close(inner);
		bm_seterr("out of memory");
		return NULL;
	}
	r->in = in;
	r->o = *opts;
	r->inner = inner;
	r->threaded = true;
	r->cur = -1;
	for (int i = 0; i < NBATCH; i++)
		r->freeq[r->nfree++] = i;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, producer, r) != 0) {
		/* no thread: read in this one */
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return inner;
	}
	return r;
}

/* Take a free batch (waiting for one); -1 when told to stop. */
static int take_free(bm_csv_t *r)
{
	pthread_mutex_lock(&r->mu);
	while (!r->nfree && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	int k = r->stop ? -1 : r->freeq[--r->nfree];
	pthread_mutex_unlock(&r->mu);
	return k;
}

static void hand_over(bm_csv_t *r, int k)
{
	pthread_mutex_lock(&r->mu);
	r->full[(r->headq + r->nfull++) % NBATCH] = k;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Point the inner reader at batch K's buffers, carrying the unparsed bytes
 * of the previous buffer over. False when out of memory. */
static bool switch_batch(bm_csv_t *r, int k)
{
	bm_csv_t *in = r->inner;
	batch_t *b = &r->batch[k];
	size_t tail = in->end - in->pos;
	if (b->cap < in->cap) {
		char *d = realloc(b->data, in->cap + BM_CSV_PAD), *sc = realloc(b->scratch, in->cap + BM_CSV_PAD);
		if (d)
			b->data = d;
		if (sc)
			b->scratch = sc;
		if (!d || !sc)
			return false;
		memset(b->data, 0, in->cap + BM_CSV_PAD);
		b->cap = in->cap;
	}
	if (!b->f) {
		b->fcap = 1024;
		b->f = malloc(b->fcap * sizeof *b->f);
	}
	if (!b->rec)
		b->rec = malloc(BATCH_RECS * sizeof *b->rec);
	if (!b->f || !b->rec)
		return false;
	memcpy(b->data, in->buf + in->pos, tail);
	b->data[tail] = '\n';
	in->buf = b->data;
	in->scratch = b->scratch;
	in->cap = b->cap;
	in->pos = 0;
	in->end = tail;
	in->f = b->f;
	in->fcap = b->fcap;
	in->fbase = in->scbase = 0;
	b->nrec = b->next = 0;
	b->status = 0;
	return true;
}

static void *producer(void *arg)
{
	bm_csv_t *r = arg, *in = r->inner;
	int k = take_free(r);
	char *ob = in->buf, *os = in->scratch;
	bm_csv_field_t *of = in->f;
	if (k < 0 || !switch_batch(r, k)) {
		if (k >= 0) {
			r->batch[k].status = -1;
			snprintf(r->batch[k].err, sizeof r->batch[k].err, "%s: out of memory", rname(r));
			hand_over(r, k);
		}
		return NULL;
	}
	/* the inner reader's own buffers are not used from here on */
	free(ob);
	free(os);
	free(of);
	in->batching = true;
	for (;;) {
		batch_t *b = &r->batch[k];
		int st;
		if (in->pos >= in->end && (in->eof && in->started))
			st = REC_EOF;
		else if (in->pos >= in->end)
			st = REC_MORE;
		else
			st = parse(in);
		b->f = in->f;
		b->fcap = in->fcap;
		if (st == REC_OK) {
			brec_t *br = &b->rec[b->nrec++];
			br->f0 = (size_t)(in->rec.f - in->f);
			br->n = in->rec.n;
			br->line = in->rec.line;
			br->raw = (size_t)(in->rec.raw - in->buf);
			br->rawlen = in->rec.rawlen;
			if (b->nrec < BATCH_RECS)
				continue;
		} else if (st == REC_SKIP)
			continue;
		else if (st == REC_MORE && b->nrec == 0) {
			/* nothing handed out from this buffer: refill it in place */
			if (refill(in) < 0) {
				b->data = in->buf;
				b->scratch = in->scratch;
				b->cap = in->cap;
				st = REC_ERR;
			} else {
				b->data = in->buf;
				b->scratch = in->scratch;
				b->cap = in->cap;
				continue;
			}
		}
		if (st == REC_EOF || st == REC_ERR) {
			b->status = st == REC_EOF ? 1 : -1;
			if (st == REC_ERR)
				snprintf(b->err, sizeof b->err, "%s", bm_errmsg());
			hand_over(r, k);
			return NULL;
		}
		/* a full batch, or more input needed with records in this buffer:
		 * carry the rest over to a free batch, then hand this one over (not
		 * before: the consumer may free it at once) */
		int k2 = take_free(r);
		if (k2 < 0)
			return NULL;
		bool ok = switch_batch(r, k2);
		hand_over(r, k);
		k = k2;
		if (!ok) {
			r->batch[k].nrec = r->batch[k].next = 0;
			r->batch[k].status = -1;
			snprintf(r->batch[k].err, sizeof r->batch[k].err, "%s:%llu: out of memory", rname(r),
			         (unsigned long long)in->line);
			hand_over(r, k);
			return NULL;
		}
	}
}

static int next_threaded(bm_csv_t *r, bm_csv_rec_t **rec)
{
	for (;;) {
		if (r->cur >= 0) {
			batch_t *b = &r->batch[r->cur];
			if (b->next < b->nrec) {
				brec_t *br = &b->rec[b->next++];
				r->rec.f = b->f + br->f0;
				r->rec.n = br->n;
				r->rec.line = br->line;
				r->rec.raw = b->data + br->raw;
				r->rec.rawlen = br->rawlen;
				*rec = &r->rec;
				return 1;
			}
			if (b->status) {
				r->done = true;
				if (b->status < 0) {
					bm_seterr("%s", b->err);
					return -1;
				}
				return 0;
			}
			pthread_mutex_lock(&r->mu);
			r->freeq[r->nfree++] = r->cur;
			r->cur = -1;
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
		}
		if (r->done)
			return 0;
		pthread_mutex_lock(&r->mu);
		while (!r->nfull)
			pthread_cond_wait(&r->cv, &r->mu);
		r->cur = r->full[r->headq];
		r->headq = (r->headq + 1) % NBATCH;
		r->nfull--;
		pthread_mutex_unlock(&r->mu);
	}
}

static bm_csv_t *open_plain(bm_in_t *in, const bm_csv_opts_t *opts)
{
	bm_csv_t *r = calloc(1, sizeof *r);
	if (!r) {
		bm_seterr("out of memory");
		return NULL;
	}
	r->in = in;
	r->o = opts ? *opts : (bm_csv_opts_t){',', '"', -1, false, false};
	r->cap = CSV_BUFSIZE;
	r->buf = calloc(r->cap + BM_CSV_PAD, 1);
	r->scratch = malloc(r->cap + BM_CSV_PAD);
	r->fcap = 64;
	r->f = malloc(r->fcap * sizeof *r->f);
	if (!r->buf || !r->scratch || !r->f) {
		free(r->buf);
		free(r->scratch);
		free(r->f);
		free(r);
		bm_seterr("out of memory");
		return NULL;
	}
	r->buf[0] = '\n';
	r->line = 1;
	bm_csv_scanner_init(&r->scan, r->special, r->o.delim, r->o.quote, r->o.comment);
#ifdef __SSE2__
	r->simd = bm_cpu() >= BM_CPU_SSE2;
#endif
	return r;
}

bm_csv_t *bm_csv_open_range(int fd, const char *name, uint64_t off, uint64_t len, const bm_csv_opts_t *opts)
{
	bm_csv_opts_t o = opts ? *opts : (bm_csv_opts_t){',', '"', -1, false, false};
	o.threaded = false;
	bm_csv_t *r = open_plain(NULL, &o);
	if (!r)
		return NULL;
	r->rname = strdup(name);
	if (!r->rname) {
		bm_csv_close(r);
		bm_seterr("out of memory");
		return NULL;
	}
	r->rfd = fd;
	r->roff = off;
	r->rleft = len;
	r->started = off > 0; /* a byte order mark only at the start of the file */
	return r;
}

void bm_csv_close(bm_csv_t *r)
{
	if (!r)
		return;
	if (r->threaded) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		for (int i = 0; i < NBATCH; i++) {
			free(r->batch[i].data);
			free(r->batch[i].scratch);
			free(r->batch[i].f);
			free(r->batch[i].rec);
		}
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		if (r->inner->batching) /* its buffers were the batches' */
			r->inner->buf = r->inner->scratch = NULL, r->inner->f = NULL;
		bm_csv_close(r->inner);
		free(r);
		return;
	}
	bm_in_close(r->in);
	free(r->rname);
	free(r->buf);
	free(r->scratch);
	free(r->f);
	free(r);
}

const char *bm_csv_name(const bm_csv_t *r)
{
	return rname(r);
}

/* Keep buf[pos..end), read more after it. 0 or -1. */
static int refill(bm_csv_t *r)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		if (r->cap >= BM_CSV_MAX_RECORD) {
			bm_seterr("%s:%llu: record longer than %zu MiB", rname(r), (unsigned long long)r->line,
			          BM_CSV_MAX_RECORD >> 20);
			return -1;
		}
		size_t cap = r->cap * 2 < BM_CSV_MAX_RECORD ? r->cap * 2 : BM_CSV_MAX_RECORD;
		char *b = realloc(r->buf, cap + BM_CSV_PAD);
		if (!b) {
			bm_seterr("%s:%llu: out of memory for a record", rname(r), (unsigned long long)r->line);
			return -1;
		}
		memset(b + r->cap, 0, cap - r->cap + BM_CSV_PAD);
		r->buf = b;
		char *s = realloc(r->scratch, cap + BM_CSV_PAD);
		if (!s) {
			bm_seterr("%s:%llu: out of memory for a record", rname(r), (unsigned long long)r->line);
			return -1;
		}
		r->scratch = s;
		r->cap = cap;
	}
	size_t want = r->cap - r->end;
	ssize_t n;
	if (r->in)
		n = bm_in_read(r->in, r->buf + r->end, want);
	else {
		n = 0;
		while ((size_t)n < want && r->rleft > 0) {
			size_t k = want - (size_t)n < r->rleft ? want - (size_t)n : (size_t)r->rleft;
			ssize_t got = pread(r->rfd, r->buf + r->end + n, k, (off_t)r->roff);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				bm_seterr("%s: read error: %s", r->rname, strerror(errno));
				return -1;
			}
			if (got == 0)
				r->rleft = 0;
			r->roff += (uint64_t)got;
			r->rleft -= (uint64_t)got;
			n += got;
		}
	}
	if (n < 0)
		return -1;
	r->end += (size_t)n;
	if ((size_t)n < want)
		r->eof = true;
	r->buf[r->end] = '\n';
	if (!r->started) {
		r->started = true;
		if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
			r->pos = 3;
	}
	return 0;
}


void bm_csv_scanner_init(bm_csv_scanner_t *sc, unsigned char *special, char delim, char quote, int comment)
{
	memset(special, 0, 256);
	special[(unsigned char)delim] = 1;
	special['\n'] = 1;
	special['\r'] = 1;
	if (comment >= 0)
		special[(unsigned char)comment] = 1;
	const char b[5] = {delim, '\n', '\r', comment >= 0 ? (char)comment : delim, quote};
	for (int i = 0; i < 5; i++)
		memset(sc->v[i], b[i], 16);
	sc->special = special;
	sc->quote = quote;
}

/* The record at buf[pos] has more fields than the limit: REC_ERR. Checked
 * when the fields array grows and at the record's end, not per field. */
static int too_many_fields(bm_csv_t *r)
{
	bm_seterr("%s:%llu: more than %zu columns", rname(r), (unsigned long long)r->line, BM_CSV_MAX_FIELDS);
	return REC_ERR;
}

/* Parse one record at buf[pos], scanning at LEVEL. REC_MORE: the record
 * runs past the data read so far (call again after refill); REC_SKIP: a
 * blank or comment line was consumed. */
BM_CSV_INLINE int parse_at(bm_csv_t *r, const int level)
{
	char *const start = r->buf + r->pos, *const end = r->buf + r->end;
	char *p = start;
	const unsigned char *sp = r->special;
	const char delim = r->o.delim, quote = r->o.quote;
	const int comment = r->o.comment;
	uint64_t lines = 0;
	size_t nf = r->fbase;
	char *sc = r->scratch + r->scbase;
	char *rawend;
	/* the scanner's bytes in locals, set up once per record (set up from r
	 * at each field, they would be, as the stores to the fields may change
	 * r for all the compiler knows) */
	const bm_csv_scanner_t *scn = &r->scan;
#ifdef __SSE2__
	const __m128i vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n'), vc = _mm_set1_epi8('\r'),
	              vk = _mm_set1_epi8(comment >= 0 ? (char)comment : delim);
#define SCAN(p) (level >= BM_CPU_SSE2 ? bm_csv_scan_sse2(p, vd, vn, vc, vk) : bm_csv_scan_plain(sp, p))
#else
#define SCAN(p) bm_csv_scan_plain(sp, p)
#endif

	if (p < end && (*p == '\n' || *p == '\r' || (comment >= 0 && *p == (char)comment))) {
		/* a blank line or a comment line */
		char *q = p;
		if (*q != '\n' && *q != '\r')
			while (*q != '\n' && *q != '\r')
				q++;
		if (q >= end)
			return r->eof ? (r->pos = r->end, REC_SKIP) : REC_MORE;
		if (*q == '\r') {
			q++;
			if (q == end && !r->eof)
				return REC_MORE;
			if (q < end && *q == '\n')
				q++;
		} else
			q++;
		r->pos = (size_t)(q - r->buf);
		r->line++;
		return REC_SKIP;
	}
	for (;;) {
		if (nf == r->fcap) {
			if (nf - r->fbase > BM_CSV_MAX_FIELDS)
				return too_many_fields(r);
			bm_csv_field_t *f = realloc(r->f, 2 * r->fcap * sizeof *f);
			if (!f) {
				bm_seterr("%s:%llu: out of memory for a record", rname(r), (unsigned long long)r->line);
				return REC_ERR;
			}
			r->f = f;
			r->fcap *= 2;
		}
		bm_csv_field_t *f = &r->f[nf++];
		char *s = p;
		if (*p == quote) { /* before the end: the sentinel there is a line feed */
			char *q = p + 1;
			bool simple = true;
			char *close;
			for (;;) {
				close = bm_csv_find_quote(level, scn, q, end);
				if (!close) {
					if (!r->eof)
						return REC_MORE;
					bm_seterr("%s:%llu: unterminated quoted field", rname(r),
					          (unsigned long long)(r->line + bm_csv_count_nl(level, start, s)));
					return REC_ERR;
				}
				if (close + 1 >= end && !r->eof)
					return REC_MORE;
				if (close + 1 < end && close[1] == quote) {
					simple = false;
					q = close + 2;
					continue;
				}
				break;
			}
			lines += bm_csv_count_nl(level, p + 1, close);
			p = close + 1;
			while (!sp[(unsigned char)*p])
				p++;
			if (r->o.strict && p != close + 1) {
				bm_seterr("%s:%llu: unexpected character after a closing quote", rname(r),
				          (unsigned long long)(r->line + bm_csv_count_nl(level, start, p)));
				return REC_ERR;
			}
			if (simple && p == close + 1) {
				f->val = s + 1;
				f->len = (size_t)(close - s - 1);
			} else {
				/* undo doubled quotes; append what follows the closing quote */
				char *o = sc;
				for (char *c = s + 1; c < close; c++) {
					*o++ = *c;
					if (*c == quote)
						c++;
				}
				size_t tail = (size_t)(p - close - 1);
				memcpy(o, close + 1, tail);
				o += tail;
				f->val = sc;
				f->len = (size_t)(o - sc);
				sc = o;
			}
			f->quoted = true;
		} else {
			p = SCAN(p);
			f->val = s;
			f->len = (size_t)(p - s);
			f->quoted = false;
		}
		f->raw = s;
		f->rawlen = (size_t)(p - s);
		char c = *p;
		if (c == delim) { /* before the end, as the sentinel is not one */
			p++;
			continue;
		}
		if (p >= end) {
			if (!r->eof)
				return REC_MORE;
			rawend = p;
			r->pos = r->end;
			break;
		}
		rawend = p;
		if (comment >= 0 && c == (char)comment) {
			while (*p != '\n' && *p != '\r')
				p++;
			if (p >= end) {
				if (!r->eof)
					return REC_MORE;
				r->pos = r->end;
				break;
			}
			c = *p;
		}
		if (c == '\r') {
			p++;
			if (p == end && !r->eof)
				return REC_MORE;
			if (p < end && *p == '\n')
				p++;
		} else
			p++;
		lines++;
		r->pos = (size_t)(p - r->buf);
		break;
	}
	if (nf - r->fbase > BM_CSV_MAX_FIELDS)
		return too_many_fields(r);
	r->rec.f = r->f + r->fbase;
	r->rec.n = nf - r->fbase;
	if (r->batching) {
		r->fbase = nf;
		r->scbase = (size_t)(sc - r->scratch);
	}
	r->rec.line = r->line;
	r->rec.raw = start;
	r->rec.rawlen = (size_t)(rawend - start);
	r->line += lines;
	return REC_OK;
}

#undef SCAN

/* parse_at at each level, and the one the reader's level picks. */
static int parse_plain(bm_csv_t *r)
{
	return parse_at(r, BM_CPU_GENERIC);
}

#ifdef __SSE2__
static int parse_sse2(bm_csv_t *r)
{
	return parse_at(r, BM_CPU_SSE2);
}
#endif

static int parse(bm_csv_t *r)
{
#ifdef __SSE2__
	if (r->simd)
		return parse_sse2(r);
#endif
	return parse_plain(r);
}

int bm_csv_next(bm_csv_t *r, bm_csv_rec_t **rec)
{
	if (r->threaded)
		return next_threaded(r, rec);
	for (;;) {
		if (r->pos >= r->end) {
			if (r->eof && r->started)
				return 0;
			if (refill(r) < 0)
				return -1;
			if (r->pos >= r->end && r->eof)
				return 0;
		}
		int st = parse(r);
		if (st == REC_OK) {
			*rec = &r->rec;
			return 1;
		}
		if (st == REC_ERR)
			return -1;
		if (st == REC_MORE && refill(r) < 0)
			return -1;
	}
}

/* ---- quick records (see bm_csv.h) ---- */

bool bm_csv_quick_begin(bm_csv_t *r, bm_csv_quick_t *q)
{
	if (r->threaded || r->batching)
		return false;
	*q = (bm_csv_quick_t){.p = r->buf + r->pos, .end = r->buf + r->end, .line = r->line,
	                      .scratch = r->scratch, .delim = r->o.delim, .quote = r->o.quote,
	                      .comment = r->o.comment, .simd = r->simd, .scan = r->scan};
	return true;
}

void bm_csv_quick_end(bm_csv_t *r, const bm_csv_quick_t *q)
{
	r->pos = (size_t)(q->p - r->buf);
	r->line = q->line;
}

/* The first quote or line feed at or after P (the sentinel stops it). */
static const char *quote_or_lf(const bm_csv_quick_t *q, const char *p)
{
#ifdef __SSE2__
	if (q->simd) {
		const __m128i vq = bm_csv_vec(&q->scan, 4), vn = bm_csv_vec(&q->scan, 1);
		for (;; p += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vn)));
			if (m)
				return p + __builtin_ctz(m);
		}
	}
#endif
	while (*p != q->quote && *p != '\n')
		p++;
	return p;
}

int bm_csv_quick_quoted(bm_csv_quick_t *q, const char **val, size_t *len)
{
	const char *s = q->cur + 1, *seg = s;
	char *o = NULL; /* unescaping into the scratch buffer */
	for (;;) {
		const char *k = quote_or_lf(q, s);
		if (*k == '\n') /* a line feed inside, or the end of the bytes read */
			return BM_CSV_QUICK_NO;
		if (k[1] == q->quote) { /* a doubled quote: one quote of the value */
			if (!o)
				o = q->sc;
			memcpy(o, seg, (size_t)(k + 1 - seg));
			o += k + 1 - seg;
			s = seg = k + 2;
			continue;
		}
		if (o) {
			memcpy(o, seg, (size_t)(k - seg));
			o += k - seg;
			*val = q->sc;
			*len = (size_t)(o - q->sc);
			q->sc = o;
		} else {
			*val = s;
			*len = (size_t)(k - s);
		}
		return bm_csv_quick_after(q, k + 1);
	}
}
