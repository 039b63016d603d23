/* bm_spool.h: fixed-size rows kept in order, in memory up to a limit, then
 * in an anonymous temporary file; read back once (or more) in order.
 *
 * bm-clean --tensor keeps its encoded rows here until the categories and
 * scaling of the whole input are known. A function that fails (out of
 * memory for a chunk, an I/O error on the file) says so by its return value
 * and leaves the message in bm_errmsg().
 */
#ifndef BM_SPOOL_H
#define BM_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
	size_t rowlen;          /* bytes per row */
	size_t mem;             /* bytes of full chunks kept in memory at most */
	unsigned char **chunks; /* full chunks in memory, in order */
	size_t nchunks;
	unsigned char *cur;     /* the chunk being filled */
	size_t len, chunk;      /* its bytes used; a chunk's size */
	FILE *file;             /* full chunks past MEM, in order */
} bm_spool_t;

/* An empty spool of ROWLEN-byte rows keeping up to MEM bytes in memory
 * (nothing allocated yet). */
void bm_spool_init(bm_spool_t *sp, size_t rowlen, size_t mem);
/* bm_spool_next's way when the current chunk is full (or there is none). */
unsigned char *bm_spool_new_chunk(bm_spool_t *sp);
/* Where the next row goes, to be written there and appended by
 * bm_spool_add (or written again, or left): valid until the next call
 * that appends. NULL when a new chunk cannot be had (out of memory, or
 * the temporary file cannot be made or written). */
static inline unsigned char *bm_spool_next(bm_spool_t *sp)
{
	if (sp->cur && sp->len + sp->rowlen <= sp->chunk)
		return sp->cur + sp->len;
	return bm_spool_new_chunk(sp);
}
/* Append the row written at bm_spool_next. */
static inline void bm_spool_add(bm_spool_t *sp)
{
	sp->len += sp->rowlen;
}
/* FN(ARG, row) for each row, in order: the chunks in memory, the file,
 * the current chunk. RELEASE: free the rows as it goes (the spool is then
 * empty). Returns 0, or -1 when FN returns nonzero (it stops there; FN
 * leaves the message) or the file cannot be read back. */
int bm_spool_each(bm_spool_t *sp, int (*fn)(void *arg, const unsigned char *row), void *arg, bool release);
/* Free the rows and the file; SP is then empty. */
void bm_spool_free(bm_spool_t *sp);

/* For a spool whose rows are all in memory (no file: bm_spool_in_memory):
 * how many, and row I of them, for readers on several threads. */
size_t bm_spool_rows(const bm_spool_t *sp);
bool bm_spool_in_memory(const bm_spool_t *sp);
const unsigned char *bm_spool_row(const bm_spool_t *sp, size_t i);

/* An anonymous temporary file ("w+") in $TMPDIR (or /tmp), gone when
 * closed; NULL when it cannot be made ("cannot create a temporary file in
 * DIR: why"). */
FILE *bm_tmpfile(void);

#endif
