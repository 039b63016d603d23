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
 *
 * The reader scans with SSE2 or byte by byte, as bm_cpu() says when it is
 * opened; the records are the same. A caller that reads the common records
 * itself (bm-clean --tensor) uses the quick records of bm_csv_int.h.
 */
#ifndef BM_CSV_H
#define BM_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_buf.h"
#include "bm_io.h"

/* The reader's limits: a record (its line end included) of at most
 * BM_CSV_MAX_RECORD bytes, at most BM_CSV_MAX_FIELDS fields; past either
 * bm_csv_next fails, "FILE:LINE: record longer than 64 MiB" or "FILE:LINE:
 * more than 1000000 columns", having held no more than about twice as much. */
#define BM_CSV_MAX_RECORD ((size_t)64 << 20)
#define BM_CSV_MAX_FIELDS ((size_t)1000000)

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
/* Close R and its input (and stop its thread); R may be NULL. */
void bm_csv_close(bm_csv_t *r);
/* The input's name, as messages give it ("-" for standard input). */
const char *bm_csv_name(const bm_csv_t *r);

/* The next record: 1 and *REC set, 0 at the end of input, -1 on error with
 * bm_errmsg() "FILE:LINE: what is wrong" (unterminated quoted field, read
 * error). */
int bm_csv_next(bm_csv_t *r, bm_csv_rec_t **rec);

/* Whether the value S[0..len) must be quoted when written with OPTS as the
 * only (ALONE) or one of several fields of a record. */
bool bm_csv_needs_quotes(const char *s, size_t len, const bm_csv_opts_t *opts, bool alone);
/* Append S[0..len) to B, quoted (quotes doubled) if needed. Out of memory
 * ends the program (bm_buf's handler). */
void bm_csv_append(bm_buf_t *b, const char *s, size_t n, const bm_csv_opts_t *opts, bool alone);

/* Split a command-line list ("a,b,\"c,d\"") as one CSV record: returns the
 * number of items and sets *ITEMS to NUL-terminated copies (free with
 * bm_csv_free_list), or -1 on a malformed list. */
int bm_csv_split_list(const char *s, char ***items);
/* Free the N items of a list and the list (NULL: nothing). */
void bm_csv_free_list(char **items, int n);

/* Whether S[0..len) is valid UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF). */
bool bm_utf8_valid(const char *s, size_t len);

#endif
