/* bm_values.h: field values as pandas reads them: numbers and
 * missing-value strings (numbers are written back as text by bm_fmt).
 *
 * The number parser is bm_values_parse_num (strtod's bits). For a value
 * followed by padding (a bm_csv field), bm_values_parse_padded is faster at
 * BM_CPU_AVX2, which has SSSE3: short decimals are converted in a few
 * vector steps (bm_values_short_ssse3); at the lower levels it is
 * bm_values_parse_num itself.
 */
#ifndef BM_VALUES_H
#define BM_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bm_cpu.h"

/* Parse S[0..len) as a number as pandas does (surrounding blanks allowed,
 * "inf"/"infinity" with any case and sign); sets *INTEGRAL when it has no
 * point or exponent. Returns false when it is not a number. The value is
 * strtod's, bit for bit (short decimals take an exact fast path: at most
 * 19 digits below 2^53 and a power of ten up to 1e22, one correctly
 * rounded operation). */
bool bm_values_parse_num(const char *s, size_t len, double *v, bool *integral);
extern const double bm_values_pow10[23]; /* 1e0 to 1e22, all exact */

#ifdef __x86_64__
#include <tmmintrin.h>

/* [n][q]: moves the digits of a number of N bytes (after the sign) with its
 * point at Q (N: none) to the end of 16 bytes, in order, without the point,
 * zeros before them. */
extern const unsigned char bm_values_shuf[17][17][16] __attribute__((aligned(16)));

/* The value of T, the bytes of a short decimal less '0', N of them (1 to
 * 16), digits with at most one point, at DOT (its bit, or 0), at least one
 * digit; negative when NEG. False when it is 2^53 or more. The digits are
 * converted in a few vector steps, without a branch per digit (their
 * number varies from one field to the next, so a loop's exit is
 * mispredicted). */
__attribute__((target("ssse3"))) static inline bool bm_values_value_ssse3(__m128i t, unsigned n, unsigned dot,
                                                                          unsigned neg, double *v)
{
	unsigned q = dot ? (unsigned)__builtin_ctz(dot) : n; /* digits before the point */
	unsigned k = n - q - (dot != 0);                     /* and after */
	/* 16 digits, then pairs, fours, eights: two numbers of 8 digits */
	__m128i d = _mm_shuffle_epi8(t, _mm_load_si128((const __m128i *)(const void *)bm_values_shuf[n][q]));
	d = _mm_maddubs_epi16(d, _mm_set_epi8(1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10));
	d = _mm_madd_epi16(d, _mm_set_epi16(1, 100, 1, 100, 1, 100, 1, 100));
	d = _mm_packs_epi32(d, d);
	d = _mm_madd_epi16(d, _mm_set_epi16(1, 10000, 1, 10000, 1, 10000, 1, 10000));
	uint64_t w = (uint64_t)_mm_cvtsi128_si64(d);
	uint64_t m = (uint64_t)(uint32_t)w * 100000000 + (w >> 32);
	if (m >= (1ULL << 53))
		return false;
	double x = (double)m / bm_values_pow10[k]; /* exact operands: strtod's rounding */
	uint64_t u;
	memcpy(&u, &x, 8);
	u |= (uint64_t)neg << 63;
	memcpy(v, &u, 8);
	return true;
}

/* The 16 bytes at P less '0' (*T), and which of them are digits (*DIG)
 * and points (*DOT), a bit each. */
__attribute__((target("ssse3"))) static inline void bm_values_bytes_ssse3(const char *p, __m128i *t, unsigned *dig,
                                                                          unsigned *dot)
{
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)p);
	*t = _mm_sub_epi8(b, _mm_set1_epi8('0'));
	*dig = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(*t, _mm_set1_epi8(9)), *t));
	*dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8('.')));
}

/* bm_values_parse_num of a short decimal, [-+]DIGITS[.DIGITS] of at most 16
 * bytes after the sign and below 2^53, followed by at least 16 readable
 * bytes; false for any other S. Every byte is checked at once. Only at
 * BM_CPU_AVX2 and up; inline, so that a caller compiled for that level has
 * it without a call. */
__attribute__((target("ssse3"))) static inline bool bm_values_short_ssse3(const char *s, size_t len, double *v,
                                                                          bool *integral)
{
	unsigned neg = *s == '-', sign = neg | (*s == '+');
	const char *p = s + sign;
	size_t n = len - sign;
	if (n - 1 >= 16)
		return false;
	__m128i t;
	unsigned dig, dot, in = (1u << n) - 1;
	bm_values_bytes_ssse3(p, &t, &dig, &dot);
	dig &= in;
	dot &= in;
	if ((dig | dot) != in || (dot & (dot - 1)) || !dig || !bm_values_value_ssse3(t, (unsigned)n, dot, neg, v))
		return false;
	if (integral)
		*integral = !dot;
	return true;
}

/* The short decimal at the start of S, as bm_values_short_ssse3 reads one,
 * up to the first byte that is neither a digit nor the point: its length
 * and *V, or 0 when S does not start with one. The caller checks that the
 * byte after it ends the field (else the field is longer, 1e5 or 1.5x, to
 * be read another way). S is followed by at least 16 readable bytes: one
 * look at them finds a number of a CSV record and its end. */
__attribute__((target("ssse3"))) static inline size_t bm_values_prefix_ssse3(const char *s, double *v)
{
	unsigned neg = *s == '-', sign = neg | (*s == '+');
	__m128i t;
	unsigned dig, dot;
	bm_values_bytes_ssse3(s + sign, &t, &dig, &dot);
	unsigned n = (unsigned)__builtin_ctz(~(dig | dot)); /* bit 16 up: not set */
	unsigned in = (1u << n) - 1;
	dig &= in;
	dot &= in;
	if (!dig || (dot & (dot - 1)) || !bm_values_value_ssse3(t, n, dot, neg, v))
		return 0;
	return sign + n;
}
#endif

/* bm_values_parse_num for S followed by at least 16 readable bytes (a bm_csv
 * field: BM_CSV_PAD), at CPU level LEVEL (bm_cpu.h; a constant where it is
 * inlined): at BM_CPU_AVX2 and up the usual short decimals go faster. The
 * same result either way. */
static inline __attribute__((always_inline)) bool bm_values_parse_padded(const char *s, size_t len, double *v,
                                                                         bool *integral, int level)
{
#ifdef __x86_64__
	if (level >= BM_CPU_AVX2 && bm_values_short_ssse3(s, len, v, integral))
		return true;
#endif
	(void)level;
	return bm_values_parse_num(s, len, v, integral);
}

/* Whether S[0..len) is one of pandas 1.5's default missing-value strings. */
bool bm_values_default_na(const char *s, size_t len);

/* A set of missing-value strings (zeroed: empty, the empty field not
 * missing). */
typedef struct {
	char **s;
	size_t *len;
	size_t n;
	bool empty;            /* the empty field is missing */
	size_t maxlen;
	uint64_t byfirst[256]; /* strings 0..63 by their first byte */
	uint64_t bylen[64];    /* and by their length (63: 63 or more) */
} bm_values_naset_t;

/* Add S (the empty string: the empty field); add pandas' defaults; free
 * the strings and zero the set. Out of memory ends the program
 * (bm_xmalloc). */
void bm_values_naset_add(bm_values_naset_t *na, const char *s);
void bm_values_naset_add_defaults(bm_values_naset_t *na);
void bm_values_naset_free(bm_values_naset_t *na);

/* Whether S[0..len) is in the set: a table look-up by first byte and
 * length, then a compare. */
static inline bool bm_values_naset_has(const bm_values_naset_t *na, const char *s, size_t len)
{
	if (len == 0)
		return na->empty;
	if (len > na->maxlen)
		return false;
	if (na->n <= 64) {
		uint64_t m = na->byfirst[(unsigned char)s[0]] & na->bylen[len < 63 ? len : 63];
		while (m) {
			int i = __builtin_ctzll(m);
			m &= m - 1;
			if (na->len[i] == len && memcmp(na->s[i], s, len) == 0)
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < na->n; i++)
		if (na->len[i] == len && memcmp(na->s[i], s, len) == 0)
			return true;
	return false;
}

#endif
