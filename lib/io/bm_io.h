/* bm_io.h: byte input and output for every bm program.
 *
 * bm_in_t reads a file or stdin, gzip-compressed or not (detected from the
 * first bytes, not the name; concatenated gzip members are one input),
 * through one buffer, with peek and line reading.
 *
 * bm_out_t writes stdout, a device or a file through one buffer. A file is
 * written to a hidden temporary beside it (bm_tmp) and renamed over it on
 * bm_out_commit(), so a killed or failed run leaves no partial output and
 * an existing file as it was; gzip compression on request or for a name
 * ending in ".gz".
 *
 * Functions that can fail return -1 (or NULL) and leave a one-line message
 * in bm_errmsg() that names the file ("data.csv: No such file or
 * directory", "out.bmt: write error: No space left on device"); the
 * program adds nothing but its name.
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

/* Open PATH for reading; NULL or "-" is stdin. NULL on error: "PATH: why"
 * ("PATH: is a directory"). */
bm_in_t *bm_in_open(const char *path);
/* Read from the open descriptor FD, named NAME in messages; FD is closed by
 * bm_in_close, or at once when this fails (NULL, "NAME: why"). */
bm_in_t *bm_in_fdopen(int fd, const char *name);
/* Close IN and free it; NULL is a no-op. */
void bm_in_close(bm_in_t *in);

/* The name used in messages: the path, or "-" for stdin ("(stdin)" reads badly in file:line). */
const char *bm_in_name(const bm_in_t *in);
/* Whether the input was gzip-compressed. */
bool bm_in_is_gzip(const bm_in_t *in);
/* Bytes consumed so far (of the decompressed data). */
uint64_t bm_in_offset(const bm_in_t *in);

/* Read up to N bytes into BUF; returns the count (less than N only at the
 * end of input), or -1 on error ("NAME: read error: why", "NAME: truncated
 * gzip data"). The other reading functions fail the same ways. */
ssize_t bm_in_read(bm_in_t *in, void *buf, size_t n);
/* Read the rest of IN into new memory: *BUF (malloc'd, one NUL byte after
 * the data, which is not counted) and *LEN. Returns 0; 1 when the rest is
 * longer than MAX bytes (nothing kept, no message: the caller words it); or
 * -1 on a read error or "NAME: out of memory". *BUF is NULL unless 0. */
int bm_in_read_all(bm_in_t *in, size_t max, char **buf, size_t *len);
/* Make up to N (at most 64 KiB) bytes available at *P without consuming
 * them, valid until the next call on IN; returns how many (less than N
 * only near the end), or -1 on error. */
ssize_t bm_in_peek(bm_in_t *in, const void **p, size_t n);
/* Skip N bytes; returns the count skipped (less than N only at the end), or -1 on error. */
ssize_t bm_in_skip(bm_in_t *in, uint64_t n);
/* Read one line into *LINE (malloc'd and grown as needed, *CAP its size;
 * NUL-terminated, without the '\n'; a trailing '\r' is kept). Returns its
 * length, 0 with *EOF set at the end, -1 on error (also "NAME: line too
 * long: out of memory"), -2 when it is longer than MAX bytes (no message:
 * the caller words it, with the line's number; the buffer stays at most
 * MAX + 1 bytes, and the input is then part way into the line). Lines may
 * hold NUL bytes: use the returned length. */
ssize_t bm_in_getline(bm_in_t *in, char **line, size_t *cap, bool *eof, size_t max);

/* ---- output ---- */

typedef struct bm_out bm_out_t;

enum {
	BM_OUT_GZIP = 1,   /* compress (also implied by a path ending in ".gz") */
	BM_OUT_BINARY = 2, /* refuse to write to a terminal */
};

/* Open PATH (NULL or "-" is stdout) with BM_OUT_* flags: a regular file
 * (new or not) through a temporary beside it, a device or fifo in place.
 * NULL on error: "PATH: cannot create: why", "PATH: why", "refusing to
 * write binary data to a terminal; use -o FILE or a pipe", "PATH: too many
 * open outputs" (bm_tmp's limit). */
bm_out_t *bm_out_open(const char *path, int flags);
/* The path as given, "-" for stdout. */
const char *bm_out_name(const bm_out_t *out);
/* Write the N bytes at BUF (buffered): 0, or -1 on error ("NAME: write
 * error: why"); once a write has failed, bm_out_commit fails too. */
int bm_out_write(bm_out_t *out, const void *buf, size_t n);
/* Write printf's text of FMT: 0 or -1, as bm_out_write. */
int bm_out_printf(bm_out_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flush and close; a file's temporary is renamed into place. Returns 0, or
 * -1 when a write, the close or the rename failed ("NAME: write error:
 * why", "NAME: cannot rename into place: why"), the temporary then
 * removed. Frees OUT either way. */
int bm_out_commit(bm_out_t *out);
/* Discard what OUT holds, for a run that failed: remove the temporary file
 * (an existing file at the path is left as it was); on stdout or a device,
 * write nothing more (what was written stays). Frees OUT; NULL is a no-op. */
void bm_out_abort(bm_out_t *out);

#endif
