/* bm_io.h: byte input and output for every bm program.
 *
 * bm_in_t reads a file or stdin, gzip-compressed or not (detected, not
 * flagged), through one buffer, with peek and line reading.
 *
 * bm_out_t writes stdout or a file. A file is written to a temporary name in
 * the same folder and renamed on bm_out_commit(), so a killed or failed run
 * leaves no partial output; gzip compression on request or for a name ending
 * in ".gz".
 *
 * Functions that can fail return -1 (or NULL) and leave a one-line message in
 * bm_errmsg(); the caller adds nothing but its program name.
 */
#ifndef BM_IO_H
#define BM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bm_err.h"


/* ---- input ---- */

typedef struct bm_in bm_in_t;

/* Open PATH for reading; NULL or "-" is stdin. */
bm_in_t *bm_in_open(const char *path);
/* Read from an open descriptor, named NAME in messages; closes fd on bm_in_close. */
bm_in_t *bm_in_fdopen(int fd, const char *name);
void bm_in_close(bm_in_t *in);

/* The name used in messages: the path, or "-" for stdin ("(stdin)" reads badly in file:line). */
const char *bm_in_name(const bm_in_t *in);
/* Whether the input was gzip-compressed. */
bool bm_in_is_gzip(const bm_in_t *in);
/* Bytes consumed so far (of the decompressed data). */
uint64_t bm_in_offset(const bm_in_t *in);

/* Read up to N bytes; returns the count (less than N only at end of input), -1 on error. */
ssize_t bm_in_read(bm_in_t *in, void *buf, size_t n);
/* Make up to N (<= 64 KiB) bytes available without consuming them; returns
 * how many are available (less than N only near the end), -1 on error. */
ssize_t bm_in_peek(bm_in_t *in, const void **p, size_t n);
/* Skip N bytes; returns the count skipped, -1 on error. */
ssize_t bm_in_skip(bm_in_t *in, uint64_t n);
/* Read one line into *line (grown as needed, NUL-terminated, without the
 * '\n'; a trailing '\r' is kept). Returns its length, 0 with *eof set at the
 * end, -1 on error. Lines may contain NUL bytes: use the returned length. */
ssize_t bm_in_getline(bm_in_t *in, char **line, size_t *cap, bool *eof);

/* ---- output ---- */

typedef struct bm_out bm_out_t;

enum {
	BM_OUT_GZIP = 1,   /* compress (also implied by a path ending in ".gz") */
	BM_OUT_BINARY = 2, /* refuse to write to a terminal */
};

/* Open PATH (NULL or "-" is stdout) with BM_OUT_* flags. */
bm_out_t *bm_out_open(const char *path, int flags);
const char *bm_out_name(const bm_out_t *out);
int bm_out_write(bm_out_t *out, const void *buf, size_t n);
int bm_out_printf(bm_out_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flush, close, and for a file rename the temporary into place. Frees OUT. */
int bm_out_commit(bm_out_t *out);
/* Discard what OUT holds, for a run that failed: remove the temporary file
 * (an existing file at the path is left as it was); on stdout or a device,
 * write nothing more (what was written stays). Frees OUT; NULL is a no-op. */
void bm_out_abort(bm_out_t *out);

#endif
