/* bm_fmt.h: numbers as text, the shortest form that reads back exactly
 * (as Python's repr and numpy print them: 0.1, not 0.100000001). */
#ifndef BM_FMT_H
#define BM_FMT_H

#include <stddef.h>

/* Write V into BUF (at least 32 bytes); returns the length. */
int bm_fmt_float(char *buf, size_t size, float v);
int bm_fmt_double(char *buf, size_t size, double v);

#endif
