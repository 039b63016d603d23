/* bm_fmt.c: shortest round-trip formatting of floats (see bm_fmt.h). */
#include "config.h"

#include "bm_fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int special(char *buf, size_t size, double v)
{
	if (isnan(v))
		return snprintf(buf, size, "nan");
	if (isinf(v))
		return snprintf(buf, size, v < 0 ? "-inf" : "inf");
	return -1;
}

int bm_fmt_float(char *buf, size_t size, float v)
{
	int n = special(buf, size, v);
	if (n >= 0)
		return n;
	/* 9 significant digits always round-trip a float; try fewer first. */
	for (int prec = 6; prec < 9; prec++) {
		n = snprintf(buf, size, "%.*g", prec, (double)v);
		if (strtof(buf, NULL) == v)
			return n;
	}
	return snprintf(buf, size, "%.9g", (double)v);
}

int bm_fmt_double(char *buf, size_t size, double v)
{
	int n = special(buf, size, v);
	if (n >= 0)
		return n;
	for (int prec = 15; prec < 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return n;
	}
	return snprintf(buf, size, "%.17g", v);
}
