/* bm_buf.h: a growing byte string, kept NUL-terminated.
 *
 * Zeroed, a bm_buf_t is empty (s NULL until the first add); free(b.s)
 * releases it. Nothing here fails: out of memory ends the program through
 * bm_xrealloc, bm's one out-of-memory handler (bm_cli.h).
 */
#ifndef BM_BUF_H
#define BM_BUF_H

#include <stddef.h>
#include <string.h>

#include "bm_cli.h"

typedef struct {
	char *s;
	size_t len, cap;
} bm_buf_t;

/* Room for N more bytes and the NUL after them (the capacity doubles). */
static inline void bm_buf_reserve(bm_buf_t *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 64;
	while (c < b->len + n + 1)
		c *= 2;
	b->s = bm_xrealloc(b->s, c);
	b->cap = c;
}

/* Append the N bytes at P (P may be NULL when N is 0). */
static inline void bm_buf_add(bm_buf_t *b, const void *p, size_t n)
{
	bm_buf_reserve(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append the string S, without its NUL. */
static inline void bm_buf_addstr(bm_buf_t *b, const char *s)
{
	bm_buf_add(b, s, strlen(s));
}

/* Make B hold just the N bytes at P. */
static inline void bm_buf_set(bm_buf_t *b, const void *p, size_t n)
{
	b->len = 0;
	bm_buf_add(b, p, n);
}

#endif
