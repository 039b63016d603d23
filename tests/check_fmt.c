/* Unit tests of bm_fmt, the shortest round-trip float formatter: known
 * texts (as Python's repr and NumPy print the digits), subnormals, powers
 * of two, the layout, and a sweep of random bit patterns that each read
 * back exactly and have no shorter digits that would. */
#include "config.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_fmt.h"
#include "bm_rng.h"
#include "check_main.h"

static void want_float(float v, const char *s)
{
	char b[32];
	int n = bm_fmt_float(b, sizeof b, v);
	ck_assert_str_eq(b, s);
	ck_assert_int_eq(n, (int)strlen(s));
}

static void want_double(double v, const char *s)
{
	char b[32];
	int n = bm_fmt_double(b, sizeof b, v);
	ck_assert_str_eq(b, s);
	ck_assert_int_eq(n, (int)strlen(s));
}

START_TEST(known_texts)
{
	want_float(0.1f, "0.1");
	want_float(1.0f / 3.0f, "0.33333334");
	want_float(-2.5e-7f, "-2.5e-07");
	want_float(16777216.0f, "16777216");
	want_float(3.0f, "3");
	want_float(0.0001f, "0.0001");
	want_float(1e-5f, "1e-05");
	want_float(FLT_MAX, "3.4028235e+38");
	want_double(0.1, "0.1");
	want_double(2.5, "2.5");
	want_double(2700, "2700");
	want_double(1e-7, "1e-07");
	want_double(1.0 / 3, "0.3333333333333333");
	want_double(35.75, "35.75");
	want_double(1e20, "1e+20");
	want_double(DBL_MAX, "1.7976931348623157e+308");
	want_double(0.30000000000000004, "0.30000000000000004");
}
END_TEST

START_TEST(specials)
{
	want_float(0.0f, "0");
	want_float(-0.0f, "-0");
	want_double(0.0, "0");
	want_double(-0.0, "-0");
	want_double(INFINITY, "inf");
	want_double(-INFINITY, "-inf");
	want_float(-INFINITY, "-inf");
	want_double(NAN, "nan");
	want_double(-NAN, "nan");
	want_float(NAN, "nan");
}
END_TEST

/* Subnormals have few bits: their shortest digits are few. */
START_TEST(subnormals)
{
	want_float(0x1p-149f, "1e-45");
	want_float(-0x1p-149f, "-1e-45");
	want_float(0x2p-149f, "3e-45");
	want_float(0x1p-140f, "7.17e-43");
	want_float(FLT_MIN, "1.1754944e-38");
	want_double(0x1p-1074, "5e-324");
	want_double(0x2p-1074, "1e-323");
	want_double(0x1p-1070, "8e-323");
	want_double(DBL_MIN, "2.2250738585072014e-308");
}
END_TEST

/* A power of two rounds more finely below than above: the shortest digits
 * may lie above it when the nearest ones of that length fall outside
 * below (Python: repr(2.0**-24) is 5.960464477539063e-08). */
START_TEST(powers_of_two)
{
	want_double(0x1p-24, "5.960464477539063e-08");
	want_double(0x1p89, "6.189700196426902e+26");
	want_double(0x1p-1017, "7.120236347223045e-307");
	want_float(0x1p-96f, "1.2621775e-29");
	want_float(0x1p87f, "1.5474251e+26");
	want_float(0x1p90f, "1.2379401e+27");
	want_double(0x1p100, "1.2676506002282294e+30");
}
END_TEST

/* A whole number below 1e16 is written out; others as %g would. */
START_TEST(layout)
{
	want_double(1e15, "1000000000000000");
	want_double(-1e15, "-1000000000000000");
	want_double(9.1e15, "9100000000000000");
	want_double(1e16, "1e+16");
	want_double(1.5e16, "1.5e+16");
	want_double(12345678901234568.0, "12345678901234568");
	want_float(1e6f, "1000000");
	want_float(1e11f, "100000000000");
	want_float(1e15f, "1000000000000000");
	want_float(1e16f, "1e+16");
	want_double(123456.5, "123456.5");
	want_double(0.000123, "0.000123");
	want_double(1.5e-5, "1.5e-05");
	want_double(1e100, "1e+100");
	want_double(-1.25e-300, "-1.25e-300");
	/* a small buffer cuts the text as snprintf does */
	char b[4];
	ck_assert_int_eq(bm_fmt_double(b, sizeof b, 0.125), 5);
	ck_assert_str_eq(b, "0.1");
}
END_TEST

/* The number of significant digits of S ("-1.25e-300", "0.001", "1200": 3, 1, 2). */
static int digits_of(const char *s)
{
	int k = 0, zeros = 0;
	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9' || (k == 0 && *s == '0'))
			continue;
		if (*s == '0') {
			zeros++;
			continue;
		}
		k += zeros + 1;
		zeros = 0;
	}
	return k;
}

/* Whether some decimal of K - 1 digits reads back as V: the nearest one
 * and its neighbours are all that can. */
static int shorter_reads_back(double v, int k, int single)
{
	if (k < 2)
		return 0;
	char t[40];
	snprintf(t, sizeof t, "%.*e", k - 2, fabs(v));
	char dig[24];
	int n = 0;
	const char *q = t;
	for (; *q != 'e'; q++)
		if (*q != '.')
			dig[n++] = *q;
	dig[n] = '\0';
	int x = atoi(q + 1);
	long long m = atoll(dig);
	for (int d = -1; d <= 1; d++) {
		char c[48];
		snprintf(c, sizeof c, "%llde%d", m + d, x - (k - 2));
		double r = single ? (double)strtof(c, NULL) : strtod(c, NULL);
		if (r == fabs(v))
			return 1;
	}
	return 0;
}

/* V (a float when SINGLE) is printed with digits that read back as V and
 * none shorter that would. */
static void check_shortest(double v, int single)
{
	char b[32];
	if (single)
		bm_fmt_float(b, sizeof b, (float)v);
	else
		bm_fmt_double(b, sizeof b, v);
	double r = single ? (double)strtof(b, NULL) : strtod(b, NULL);
	const char *type = single ? "f32" : "f64";
	if (r != v)
		ck_abort_msg("%s %a printed as %s does not read back", type, v, b);
	if (shorter_reads_back(v, digits_of(b), single))
		ck_abort_msg("%s %a printed as %s: fewer digits read back", type, v, b);
}

START_TEST(random_values_read_back_shortest)
{
	bm_rng_t rng;
	bm_rng_seed(&rng, 13);
	for (int i = 0; i < 200000; i++) {
		uint64_t u = bm_rng_u64(&rng);
		double d;
		memcpy(&d, &u, 8);
		if (i % 4 == 1)
			d = ldexp((double)(u >> 11), -(int)(u % 1100)); /* subnormals too */
		if (isfinite(d) && d != 0)
			check_shortest(d, 0);
		uint32_t w = (uint32_t)u;
		float f;
		memcpy(&f, &w, 4);
		if (isfinite(f) && f != 0)
			check_shortest(f, 1);
	}
	/* every power of two of both types */
	for (int e = -1074; e < 1024; e++)
		check_shortest(ldexp(1, e), 0);
	for (int e = -149; e < 128; e++)
		check_shortest(ldexpf(1, e), 1);
}
END_TEST

int main(void)
{
	return run_tests("fmt", 60, NULL, NULL,
			 CHECK_TESTS(known_texts, specials, subnormals, powers_of_two, layout,
				     random_values_read_back_shortest));
}
