/* bm_buf.h: a growing byte string, kept NUL-terminated; out of memory
 * ends the program (bm_xrealloc), as bm's other allocations do.
 * Zeroed: empty (s NULL until the first add). */
#ifndef BM_BUF_H
#define BM_BUF_H

#include <stddef.h>
#include <string.h>

#include "bm_cli.h"

typedef struct {
	char *s;
	size_t len, cap;
} bm_buf_t;

/* Room for N more bytes and the NUL after them. */
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

static inline void bm_buf_add(bm_buf_t *b, const void *p, size_t n)
{
	bm_buf_reserve(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static inline void bm_buf_addstr(bm_buf_t *b, const char *s)
{
	bm_buf_add(b, s, strlen(s));
}

static inline void bm_buf_set(bm_buf_t *b, const void *p, size_t n)
{
	b->len = 0;
	bm_buf_add(b, p, n);
}

#endif
