/* bm_fmt.c: shortest round-trip formatting of floats (see bm_fmt.h).
 *
 * The digits come from printf's correctly rounded %.*e, tried from few
 * digits to many until they read back. For a normal value, fewer than 6
 * (float) or 15 (double) digits never need trying: those precisions give
 * any shorter form that reads back, padded with zeros, since their steps
 * are wider than the value's rounding interval. A subnormal has few bits,
 * so its search starts at one digit (1e-45, 5e-324). An exact power of
 * two has an interval half as wide below it as above, so the nearest
 * digits may fall just outside below while the next ones up read back:
 * those are tried too, as the shortest digits.
 */
#include "config.h"

#include "bm_fmt.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A's value as read back from S, in A's type (strtof rounds once: a
 * double read then narrowed could round twice). */
static double read_back(const char *s, bool single)
{
	return single ? (double)strtof(s, NULL) : strtod(s, NULL);
}

/* "D.DDDe±XX" of the K digits DIG and exponent X into S. */
static void sci(char *s, const char *dig, int k, int x)
{
	*s++ = dig[0];
	if (k > 1) {
		*s++ = '.';
		memcpy(s, dig + 1, (size_t)k - 1);
		s += k - 1;
	}
	sprintf(s, "e%c%02d", x < 0 ? '-' : '+', abs(x));
}

/* The text of V, finite and not zero: SINGLE when V is a float. */
static int shortest(char *buf, size_t size, double v, bool single)
{
	double a = fabs(v), tiny = single ? FLT_MIN : DBL_MIN;
	int lo = a < tiny ? 1 : single ? 6 : 15, hi = single ? 9 : 17, e2;
	bool pow2 = a >= tiny && frexp(a, &e2) == 0.5;
	char t[40], dig[24];
	int k, x;
	for (int p = lo;; p++) {
		snprintf(t, sizeof t, "%.*e", p - 1, a);
		k = 0;
		const char *q = t;
		for (; *q != 'e'; q++)
			if (*q != '.')
				dig[k++] = *q;
		x = atoi(q + 1);
		double r = read_back(t, single);
		if (r == a || p == hi)
			break;
		if (pow2 && r < a) {
			/* the next P digits up */
			int i = k - 1;
			while (i >= 0 && dig[i] == '9')
				dig[i--] = '0';
			if (i < 0) {
				dig[0] = '1';
				x++;
			} else {
				dig[i]++;
			}
			sci(t, dig, k, x);
			if (read_back(t, single) == a)
				break;
		}
	}
	while (k > 1 && dig[k - 1] == '0')
		k--;
	char out[48], *o = out;
	if (signbit(v))
		*o++ = '-';
	if (x >= -4 && x < (k > 16 ? k : 16)) {
		if (x < 0) {
			*o++ = '0';
			*o++ = '.';
			for (int i = -1; i > x; i--)
				*o++ = '0';
			memcpy(o, dig, (size_t)k);
			o += k;
		} else {
			for (int i = 0; i <= x; i++)
				*o++ = i < k ? dig[i] : '0';
			if (k > x + 1) {
				*o++ = '.';
				memcpy(o, dig + x + 1, (size_t)(k - x - 1));
				o += k - x - 1;
			}
		}
		*o = '\0';
	} else {
		sci(o, dig, k, x);
	}
	return snprintf(buf, size, "%s", out);
}

static int format(char *buf, size_t size, double v, bool single)
{
	if (isnan(v))
		return snprintf(buf, size, "nan");
	if (isinf(v))
		return snprintf(buf, size, v < 0 ? "-inf" : "inf");
	if (v == 0)
		return snprintf(buf, size, signbit(v) ? "-0" : "0");
	return shortest(buf, size, v, single);
}

int bm_fmt_float(char *buf, size_t size, float v)
{
	return format(buf, size, v, true);
}

int bm_fmt_double(char *buf, size_t size, double v)
{
	return format(buf, size, v, false);
}
