/* bm_spool.c: rows kept in order, in memory then in a temporary file (see
 * bm_spool.h). */
#include "config.h"

#include "bm_spool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bm_cli.h"
#include "bm_err.h"
#include "bm_tmp.h"

#define SPOOL_CHUNK (8u << 20)

FILE *bm_tmpfile(void)
{
	return bm_tmp_anon_file("bm-clean");
}

/* A chunk in huge pages where the kernel offers them (madvise mode):
 * 4 page faults for 8 MB instead of 2048, which threads spooling at once
 * otherwise take turns for. NULL when out of memory. */
static unsigned char *chunk_alloc(size_t n)
{
	void *p;
	if (posix_memalign(&p, 2u << 20, n) != 0) {
		bm_seterr("out of memory");
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

void bm_spool_init(bm_spool_t *sp, size_t rowlen, size_t mem)
{
	memset(sp, 0, sizeof *sp);
	sp->rowlen = rowlen ? rowlen : 1;
	sp->mem = mem;
	sp->chunk = sp->rowlen * (SPOOL_CHUNK / sp->rowlen + 1);
}

unsigned char *bm_spool_new_chunk(bm_spool_t *sp)
{
	if (!sp->cur && !(sp->cur = chunk_alloc(sp->chunk)))
		return NULL;
	if (sp->len + sp->rowlen > sp->chunk) {
		if (!sp->file && (sp->nchunks + 1) * sp->chunk <= sp->mem) {
			unsigned char **c = realloc(sp->chunks, (sp->nchunks + 1) * sizeof *c), *next;
			if (!c) {
				bm_seterr("out of memory");
				return NULL;
			}
			sp->chunks = c;
			if (!(next = chunk_alloc(sp->chunk)))
				return NULL;
			sp->chunks[sp->nchunks++] = sp->cur;
			sp->cur = next;
		} else {
			if (!sp->file && !(sp->file = bm_tmpfile()))
				return NULL;
			if (fwrite(sp->cur, 1, sp->len, sp->file) != sp->len) {
				bm_seterr("writing a temporary file: %s", strerror(errno));
				return NULL;
			}
		}
		sp->len = 0;
	}
	return sp->cur + sp->len;
}

int bm_spool_each(bm_spool_t *sp, int (*fn)(void *arg, const unsigned char *row), void *arg, bool release)
{
	size_t n = sp->rowlen;
	for (size_t c = 0; c < sp->nchunks; c++) {
		for (size_t off = 0; off + n <= sp->chunk; off += n)
			if (fn(arg, sp->chunks[c] + off))
				return -1;
		if (release) {
			free(sp->chunks[c]);
			sp->chunks[c] = NULL;
		}
	}
	if (release) {
		free(sp->chunks);
		sp->chunks = NULL;
		sp->nchunks = 0;
	}
	if (sp->file) {
		if (fflush(sp->file) != 0 || fseek(sp->file, 0, SEEK_SET) != 0) {
			bm_seterr("rereading a temporary file: %s", strerror(errno));
			return -1;
		}
		unsigned char *row = bm_xmalloc(n);
		int rc = 0;
		while (rc == 0 && fread(row, 1, n, sp->file) == n)
			rc = fn(arg, row);
		free(row);
		if (rc)
			return -1;
		if (ferror(sp->file)) {
			bm_seterr("rereading a temporary file: %s", strerror(errno));
			return -1;
		}
		if (release) {
			fclose(sp->file);
			sp->file = NULL;
		} else if (fseek(sp->file, 0, SEEK_END) != 0) {
			bm_seterr("rereading a temporary file: %s", strerror(errno));
			return -1;
		}
	}
	for (size_t off = 0; off + n <= sp->len; off += n)
		if (fn(arg, sp->cur + off))
			return -1;
	if (release) {
		free(sp->cur);
		sp->cur = NULL;
		sp->len = 0;
	}
	return 0;
}

bool bm_spool_in_memory(const bm_spool_t *sp)
{
	return !sp->file;
}

size_t bm_spool_rows(const bm_spool_t *sp)
{
	return sp->nchunks * (sp->chunk / sp->rowlen) + sp->len / sp->rowlen; /* (no file) */
}

const unsigned char *bm_spool_row(const bm_spool_t *sp, size_t i)
{
	size_t per = sp->chunk / sp->rowlen, c = i / per;
	return (c < sp->nchunks ? sp->chunks[c] : sp->cur) + i % per * sp->rowlen;
}

void bm_spool_free(bm_spool_t *sp)
{
	for (size_t c = 0; c < sp->nchunks; c++)
		free(sp->chunks[c]);
	free(sp->chunks);
	free(sp->cur);
	if (sp->file)
		fclose(sp->file);
	memset(sp, 0, sizeof *sp);
}
