/* bm_csv_int.h: the CSV reader's inner parts, for the reader itself and for
 * a caller that reads the common records faster than bm_csv_next (not
 * installed): the field scanner at each CPU level and the quick records.
 *
 * Every function here that scans takes the CPU level (bm_cpu.h) as a
 * constant argument: BM_CPU_GENERIC scans byte by byte through a table,
 * BM_CPU_SSE2 and up sixteen bytes at a time. The caller picks the level
 * once (bm_cpu()) and compiles one copy of its loop per level. No struct
 * here changes its layout with the compiler's -m flags.
 */
#ifndef BM_CSV_INT_H
#define BM_CSV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bm_cpu.h"
#include "bm_csv.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BM_CSV_INLINE static inline __attribute__((always_inline))

/* The bytes that end an unquoted field (delimiter, CR, LF, comment), and
 * the quote, as the scanner looks for them. */
typedef struct {
	/* each byte sixteen times, for BM_CPU_SSE2: delimiter, LF, CR, comment
	 * (or the delimiter again), quote */
	unsigned char v[5][16] __attribute__((aligned(16)));
	const unsigned char *special; /* for BM_CPU_GENERIC: 1 for the delimiter, CR, LF, comment */
	char quote;
} bm_csv_scanner_t;

/* SPECIAL[256] is set to mark the delimiter, CR, LF and the comment byte
 * (COMMENT < 0: none) and must live as long as SC. */
void bm_csv_scanner_init(bm_csv_scanner_t *sc, unsigned char *special, char delim, char quote, int comment);

#ifdef __SSE2__
/* The first of the bytes D, N, C, K at or after P (one of them is there). */
BM_CSV_INLINE char *bm_csv_scan_sse2(const char *p, __m128i d, __m128i n, __m128i c, __m128i k)
{
	for (;;) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, n)),
		                         _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, k)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return (char *)p + __builtin_ctz(mask);
		p += 16;
	}
}

BM_CSV_INLINE __m128i bm_csv_vec(const bm_csv_scanner_t *sc, int i)
{
	return _mm_load_si128((const __m128i *)(const void *)sc->v[i]);
}
#endif

/* The first byte at or after P that SPECIAL marks. */
BM_CSV_INLINE char *bm_csv_scan_plain(const unsigned char *special, const char *p)
{
	while (!special[(unsigned char)*p])
		p++;
	return (char *)p;
}

/* The first delimiter, CR, LF or comment byte at or after P, in a
 * reader's buffer (its line feed sentinel stops it; at BM_CPU_SSE2 and up
 * it reads up to 15 bytes past it, in the padding). */
BM_CSV_INLINE char *bm_csv_scan(const bm_csv_scanner_t *sc, const char *p, int level)
{
#ifdef __SSE2__
	if (level >= BM_CPU_SSE2)
		return bm_csv_scan_sse2(p, bm_csv_vec(sc, 0), bm_csv_vec(sc, 1), bm_csv_vec(sc, 2), bm_csv_vec(sc, 3));
#endif
	(void)level;
	return bm_csv_scan_plain(sc->special, p);
}

/* The first quote in [P, END), or NULL (a quoted field is mostly short:
 * no call to memchr). At BM_CPU_SSE2 (Q: the quote sixteen times) it reads
 * up to 15 bytes past END, in the padding. */
BM_CSV_INLINE char *bm_csv_find_quote(int level, const bm_csv_scanner_t *sc, char *p, const char *end)
{
#ifdef __SSE2__
	if (level >= BM_CPU_SSE2) {
		const __m128i q = bm_csv_vec(sc, 4);
		for (; p < end; p += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, q));
			if (m) {
				p += __builtin_ctz(m);
				return p < end ? p : NULL;
			}
		}
		return NULL;
	}
#endif
	(void)level;
	return memchr(p, sc->quote, (size_t)(end - p));
}

/* The line feeds in [S, E). At BM_CPU_SSE2 it reads up to 15 bytes past
 * E: E is at most the sentinel's place, and the padding follows. */
BM_CSV_INLINE uint64_t bm_csv_count_nl(int level, const char *s, const char *e)
{
	uint64_t n = 0;
#ifdef __SSE2__
	if (level >= BM_CPU_SSE2) {
		const __m128i nl = _mm_set1_epi8('\n');
		for (; s < e; s += 16) {
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), nl));
			if (e - s < 16)
				m &= (1u << (e - s)) - 1;
			for (; m; m &= m - 1)
				n++;
		}
		return n;
	}
#endif
	(void)level;
	while ((s = memchr(s, '\n', (size_t)(e - s)))) {
		n++;
		s++;
	}
	return n;
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
 *			for each field: if (bm_csv_quick_field(&q, &v, &len, level) != expected) break;
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
	bool simd;          /* bm_csv_quick_quoted scans at BM_CPU_SSE2 */
	bm_csv_scanner_t scan;
} bm_csv_quick_t;

/* Start reading quick records at the reader's next record: false for a
 * threaded reader. */
bool bm_csv_quick_begin(bm_csv_t *r, bm_csv_quick_t *q);
/* The records accepted so far are consumed; bm_csv_next goes on after them. */
void bm_csv_quick_end(bm_csv_t *r, const bm_csv_quick_t *q);

/* Start the record at q->p: false at the end of the bytes read and for a
 * blank or comment line. */
BM_CSV_INLINE bool bm_csv_quick_record(bm_csv_quick_t *q)
{
	char c = *q->p;
	q->cur = q->p;
	q->sc = q->scratch;
	return q->p < q->end && c != '\n' && c != '\r' && (q->comment < 0 || c != (char)q->comment);
}

/* What ends the field whose value ended at E: the delimiter
 * (BM_CSV_QUICK_DELIM) or the record's line end (BM_CSV_QUICK_EOL), the
 * next field then at q->cur; else BM_CSV_QUICK_NO. */
BM_CSV_INLINE int bm_csv_quick_after(bm_csv_quick_t *q, const char *e)
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
 * record is not a quick one. LEVEL: bm_csv_scan's. */
BM_CSV_INLINE int bm_csv_quick_field(bm_csv_quick_t *q, const char **val, size_t *len, int level)
{
	const char *s = q->cur;
	if (*s == q->quote)
		return bm_csv_quick_quoted(q, val, len);
	const char *e = bm_csv_scan(&q->scan, s, level);
	*val = s;
	*len = (size_t)(e - s);
	return bm_csv_quick_after(q, e);
}

/* The record read is taken: the next one follows it. */
BM_CSV_INLINE void bm_csv_quick_accept(bm_csv_quick_t *q)
{
	q->p = q->cur;
	q->line++;
}

#endif
