/* bm_csv.h: RFC 4180 CSV reading and writing.
 *
 * The reader takes records one at a time from a bm_in_t (so gzip input is
 * transparent): quoted fields with embedded delimiters, doubled quotes and
 * line breaks; CRLF, LF or CR line ends; a UTF-8 byte order mark ignored;
 * any one-byte delimiter; an optional comment character (a line starting
 * with it is skipped, elsewhere outside quotes it ends the record); blank
 * lines skipped. Like pandas it is lenient where RFC 4180 is silent: a quote
 * inside an unquoted field is a plain character, and text after a closing
 * quote is appended to the field (an error with the strict option).
 *
 * Each field comes with its value (quotes removed, doubled quotes undone)
 * and its raw bytes as they were in the input, so an unchanged field or a
 * whole unchanged record can be written out byte for byte.
 *
 * The writer quotes a field only when it must (it holds the delimiter, the
 * quote, a line break or the comment character, or it is the only field of
 * a record and empty, which would otherwise read back as a blank line).
 */
#ifndef BM_CSV_H
#define BM_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_buf.h"
#include "bm_io.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes readable after the end of any field's value (the reader's buffers
 * are padded): enough for a 16-byte vector load anywhere in a short value. */
#define BM_CSV_PAD 64

typedef struct {
	const char *val; /* the value; not NUL-terminated */
	size_t len;
	const char *raw; /* the bytes in the input, quotes included */
	size_t rawlen;
	bool quoted;     /* the field was quoted */
} bm_csv_field_t;

/* One record; valid until the next bm_csv_next call. */
typedef struct {
	bm_csv_field_t *f;
	size_t n;         /* number of fields */
	uint64_t line;    /* 1-based line where the record starts */
	const char *raw;  /* the record's bytes, without line end or comment */
	size_t rawlen;
} bm_csv_rec_t;

typedef struct {
	char delim;   /* ',' (not the quote, CR or LF) */
	char quote;   /* '"' (not CR or LF) */
	int comment;  /* a byte, or -1 for none */
	bool threaded; /* read and split records in a second thread */
	bool strict;   /* text after a closing quote is an error, "FILE:LINE:
	                * unexpected character after a closing quote" (else it
	                * is appended to the field, as pandas does) */
} bm_csv_opts_t;

typedef struct bm_csv bm_csv_t;

/* Read records from IN, which the reader then owns (closed by bm_csv_close).
 * OPTS NULL means comma, double quote, no comment, one thread. NULL on
 * error. Threaded, a second thread reads (and decompresses) the input and
 * splits it into records, handed over in batches; the records and errors
 * are the same, in the same order. */
bm_csv_t *bm_csv_open(bm_in_t *in, const bm_csv_opts_t *opts);
/* Read records from the bytes [OFF, OFF+LEN) of FD, a plain (not
 * compressed) file read with pread, so several readers can share it; NAME
 * names it in messages. The range is read as a whole input that ends at
 * OFF+LEN (a quoted field still open there is unterminated), its lines
 * counted from 1, a byte order mark looked for only at offset 0. FD stays
 * the caller's. NULL on error. */
bm_csv_t *bm_csv_open_range(int fd, const char *name, uint64_t off, uint64_t len, const bm_csv_opts_t *opts);
void bm_csv_close(bm_csv_t *r);
const char *bm_csv_name(const bm_csv_t *r);

/* The next record: 1 and *REC set, 0 at the end of input, -1 on error with
 * bm_errmsg() "FILE:LINE: what is wrong" (unterminated quoted field, read
 * error). */
int bm_csv_next(bm_csv_t *r, bm_csv_rec_t **rec);

/* The bytes that end an unquoted field (delimiter, CR, LF, comment), and
 * the quote, as bm_csv_scan and the reader look for them. */
typedef struct {
#ifdef __SSE2__
	__m128i d, n, c, k, q; /* delimiter, LF, CR, comment (or the delimiter), quote */
#else
	const unsigned char *special; /* delimiter, CR, LF, comment */
	char quote;
#endif
} bm_csv_scanner_t;

/* The first delimiter, CR, LF or comment byte at or after P, in a
 * reader's buffer (its line feed sentinel stops it; reads up to 15 bytes
 * past it, in the padding). */
static inline char *bm_csv_scan(const bm_csv_scanner_t *sc, const char *p)
{
#ifdef __SSE2__
	for (;;) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sc->d), _mm_cmpeq_epi8(v, sc->n)),
		                         _mm_or_si128(_mm_cmpeq_epi8(v, sc->c), _mm_cmpeq_epi8(v, sc->k)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return (char *)p + __builtin_ctz(mask);
		p += 16;
	}
#else
	while (!sc->special[(unsigned char)*p])
		p++;
	return (char *)p;
#endif
}

/* ---- quick records ----
 *
 * For a caller that can take the common records faster than bm_csv_next
 * hands them over (a bm_csv_field_t per field): it reads them itself, field
 * by field, from the bytes the reader holds. A quick record is one line
 * (LF or CRLF) of fields, each unquoted or quoted without a line feed in it
 * and nothing between its closing quote and the delimiter. The quick reader
 * refuses anything else (a blank or comment line, a comment after a field,
 * a quoted line feed, text after a closing quote, a lone CR, a record not
 * yet wholly read) without consuming it, and the caller then takes that
 * record from bm_csv_next, which parses it as always: the same values,
 * fields and lines either way.
 *
 *	bm_csv_quick_t q;
 *	if (bm_csv_quick_begin(r, &q)) {
 *		while (bm_csv_quick_record(&q)) {
 *			for each field: if (bm_csv_quick_field(&q, &v, &len) != expected) break;
 *			...; bm_csv_quick_accept(&q);
 *		}
 *		bm_csv_quick_end(r, &q);
 *	}
 *	then bm_csv_next(r, &rec) for the record refused (or to read more).
 */
enum { BM_CSV_QUICK_NO, BM_CSV_QUICK_DELIM, BM_CSV_QUICK_EOL };

typedef struct {
	const char *p;      /* the next record */
	const char *end;    /* the bytes read so far end here; *end is a '\n' */
	uint64_t line;      /* p's line */
	const char *cur;    /* the record being read: its next field */
	char *scratch, *sc; /* unescaped values of its quoted fields, from scratch */
	char delim, quote;
	int comment;
	bm_csv_scanner_t scan;
} bm_csv_quick_t;

/* Start reading quick records at the reader's next record: false for a
 * threaded reader. */
bool bm_csv_quick_begin(bm_csv_t *r, bm_csv_quick_t *q);
/* The records accepted so far are consumed; bm_csv_next goes on after them. */
void bm_csv_quick_end(bm_csv_t *r, const bm_csv_quick_t *q);

/* Start the record at q->p: false at the end of the bytes read and for a
 * blank or comment line. */
static inline bool bm_csv_quick_record(bm_csv_quick_t *q)
{
	char c = *q->p;
	q->cur = q->p;
	q->sc = q->scratch;
	return q->p < q->end && c != '\n' && c != '\r' && (q->comment < 0 || c != (char)q->comment);
}

/* What ends the field whose value ended at E: the delimiter
 * (BM_CSV_QUICK_DELIM) or the record's line end (BM_CSV_QUICK_EOL), the
 * next field then at q->cur; else BM_CSV_QUICK_NO. */
static inline int bm_csv_quick_after(bm_csv_quick_t *q, const char *e)
{
	if (*e == q->delim) {
		q->cur = e + 1;
		return BM_CSV_QUICK_DELIM;
	}
	if (*e == '\n' && e < q->end) { /* not the sentinel */
		q->cur = e + 1;
		return BM_CSV_QUICK_EOL;
	}
	if (*e == '\r' && e + 1 < q->end && e[1] == '\n') {
		q->cur = e + 2;
		return BM_CSV_QUICK_EOL;
	}
	return BM_CSV_QUICK_NO;
}

/* A quoted field of a quick record (bm_csv_quick_field). */
int bm_csv_quick_quoted(bm_csv_quick_t *q, const char **val, size_t *len);

/* The record's next field: its value at *VAL, *LEN (followed by at least
 * BM_CSV_PAD readable bytes), and what ended it; BM_CSV_QUICK_NO when the
 * record is not a quick one. */
static inline int bm_csv_quick_field(bm_csv_quick_t *q, const char **val, size_t *len)
{
	const char *s = q->cur;
	if (*s == q->quote)
		return bm_csv_quick_quoted(q, val, len);
	const char *e = bm_csv_scan(&q->scan, s);
	*val = s;
	*len = (size_t)(e - s);
	return bm_csv_quick_after(q, e);
}

/* The record read is taken: the next one follows it. */
static inline void bm_csv_quick_accept(bm_csv_quick_t *q)
{
	q->p = q->cur;
	q->line++;
}

/* Whether the value S[0..len) must be quoted when written with OPTS as the
 * only (ALONE) or one of several fields of a record. */
bool bm_csv_needs_quotes(const char *s, size_t len, const bm_csv_opts_t *opts, bool alone);
/* Append S[0..len) to B, quoted if needed. */
void bm_csv_append(bm_buf_t *b, const char *s, size_t n, const bm_csv_opts_t *opts, bool alone);

/* Split a command-line list ("a,b,\"c,d\"") as one CSV record: returns the
 * number of items and sets *ITEMS to NUL-terminated copies (free with
 * bm_csv_free_list), or -1 on a malformed list. */
int bm_csv_split_list(const char *s, char ***items);
void bm_csv_free_list(char **items, int n);

/* Whether S[0..len) is valid UTF-8. */
bool bm_utf8_valid(const char *s, size_t len);

#endif
