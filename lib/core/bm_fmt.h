/* bm_fmt.h: numbers as text, the one shortest-float formatter of bm.
 *
 * A value is written with the fewest significant digits that read back
 * (strtof for a float, strtod for a double) as exactly the same value, and
 * among those the digits nearest to it: the digits Python's repr and
 * NumPy print (0.1, not 0.100000001; 1e-45 for the smallest f32, 5e-324
 * for the smallest f64). The layout is printf's %g at that precision, with
 * one difference: a whole number below 1e16 is written out in full.
 *
 *   0.1  0.33333334  -2.5e-07  1e-05  0.0001  16777216  1000000  1e+16  12345678901234568
 *   0  -0  nan  inf  -inf
 *
 * That is: "-" for a negative value (-0 included), then positional
 * notation when the decimal exponent X of the first digit is -4 <= X < 16
 * (or the digits reach the units), else d.ddde+XX (at least two exponent
 * digits); no trailing zeros after a point and no point without digits
 * after it.
 */
#ifndef BM_FMT_H
#define BM_FMT_H

#include <stddef.h>

/* Write V into BUF of SIZE bytes (32 always suffice), NUL-terminated.
 * Returns the length of the text, as snprintf does (the text is cut to fit
 * a smaller SIZE). Cannot fail. */
int bm_fmt_float(char *buf, size_t size, float v);
int bm_fmt_double(char *buf, size_t size, double v);

#endif
