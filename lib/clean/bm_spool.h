/* bm_spool.h: fixed-size rows kept in order, in memory up to a limit, then
 * in an anonymous temporary file; read back once (or more) in order.
 *
 * bm-clean --tensor keeps its encoded rows here until the categories and
 * scaling of the whole input are known. Out of memory and I/O errors end
 * the program (bm_die).
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

/* An empty spool of ROWLEN-byte rows keeping up to MEM bytes in memory. */
void bm_spool_init(bm_spool_t *sp, size_t rowlen, size_t mem);
/* bm_spool_next's way when the current chunk is full (or there is none). */
unsigned char *bm_spool_new_chunk(bm_spool_t *sp);
/* Where the next row goes, to be written there and appended by
 * bm_spool_add (or written again, or left): valid until the next call
 * that appends. */
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
 * empty). */
void bm_spool_each(bm_spool_t *sp, void (*fn)(void *arg, const unsigned char *row), void *arg, bool release);
void bm_spool_free(bm_spool_t *sp);

/* For a spool whose rows are all in memory (no file: bm_spool_in_memory):
 * how many, and row I of them, for readers on several threads. */
size_t bm_spool_rows(const bm_spool_t *sp);
bool bm_spool_in_memory(const bm_spool_t *sp);
const unsigned char *bm_spool_row(const bm_spool_t *sp, size_t i);

/* An anonymous temporary file ("w+") in $TMPDIR (or /tmp), gone when closed. */
FILE *bm_tmpfile(void);

#endif
