/* bm_values.c: numbers and missing values as pandas reads them (see
 * bm_values.h). */
#include "config.h"

#include "bm_values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bm_cli.h"

const double bm_values_pow10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* strtod of a valid number S[0..n), not NUL-terminated. */
static __attribute__((noinline)) double parse_slow(const char *s, size_t n)
{
	char tmp[128], *b = tmp;
	if (n >= sizeof tmp)
		b = bm_xmalloc(n + 1);
	memcpy(b, s, n);
	b[n] = '\0';
	double v = strtod(b, NULL);
	if (b != tmp)
		free(b);
	return v;
}

bool bm_values_parse_num(const char *s, size_t len, double *v, bool *integral)
{
	const char *p = s, *e = s + len;
	if (len == 0)
		return false;
	if (is_blank(*p) || is_blank(e[-1])) {
		while (p < e && is_blank(*p))
			p++;
		while (e > p && is_blank(e[-1]))
			e--;
		if (p == e)
			return false;
	}
	const char *start = p;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	/* digits, a point, digits */
	uint64_t m = 0;
	const char *d0 = p, *dot = NULL;
	unsigned d;
	while (p < e && (d = (unsigned)(unsigned char)*p - '0') < 10)
		m = m * 10 + d, p++;
	if (p < e && *p == '.') {
		dot = p++;
		while (p < e && (d = (unsigned)(unsigned char)*p - '0') < 10)
			m = m * 10 + d, p++;
	}
	size_t ndig = (size_t)(p - d0) - (dot != NULL);
	if (ndig == 0) {
		size_t rest = (size_t)(e - p);
		if (!dot && rest && (*p == 'i' || *p == 'I') &&
		    ((rest == 3 && strncasecmp(p, "inf", 3) == 0) || (rest == 8 && strncasecmp(p, "infinity", 8) == 0))) {
			*v = neg ? -INFINITY : INFINITY;
			if (integral)
				*integral = false;
			return true;
		}
		return false;
	}
	size_t nfrac = dot ? (size_t)(p - dot - 1) : 0;
	bool point = dot != NULL, expo = false;
	long x = 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		expo = true;
		p++;
		bool eneg = false;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == e || !is_digit(*p))
			return false;
		while (p < e && is_digit(*p)) {
			if (x < 100000)
				x = x * 10 + (*p - '0');
			p++;
		}
		if (eneg)
			x = -x;
	}
	if (p != e)
		return false;
	if (integral)
		*integral = !point && !expo;
	long exp10 = x - (long)nfrac;
	if (ndig <= 19 && m < (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
		/* both exact: one correctly rounded operation, as strtod rounds */
		double d = (double)m;
		d = exp10 < 0 ? d / bm_values_pow10[-exp10] : d * bm_values_pow10[exp10];
		*v = neg ? -d : d;
		return true;
	}
	*v = parse_slow(start, (size_t)(e - start));
	return true;
}

#ifdef __x86_64__
/* bm_values_shuf[n][q]: byte K of the 16 is 0x80 (a zero) before the ND
 * digits (N less the point, if Q < N), then digit J = K - (16 - ND) is the
 * byte at J, or J + 1 past the point. */
#define SHUF_ND(n, q) ((n) - ((q) < (n)))
#define SHUF_J(n, q, k) ((k) - (16 - SHUF_ND(n, q)))
#define SHUF_B(n, q, k) (SHUF_J(n, q, k) < 0 ? 0x80 : SHUF_J(n, q, k) < (q) ? SHUF_J(n, q, k) : SHUF_J(n, q, k) + 1)
#define SHUF_Q(n, q)                                                                                        \
	{SHUF_B(n, q, 0),  SHUF_B(n, q, 1),  SHUF_B(n, q, 2),  SHUF_B(n, q, 3),  SHUF_B(n, q, 4),  SHUF_B(n, q, 5),  \
	 SHUF_B(n, q, 6),  SHUF_B(n, q, 7),  SHUF_B(n, q, 8),  SHUF_B(n, q, 9),  SHUF_B(n, q, 10), SHUF_B(n, q, 11), \
	 SHUF_B(n, q, 12), SHUF_B(n, q, 13), SHUF_B(n, q, 14), SHUF_B(n, q, 15)}
#define SHUF_N(n)                                                                                           \
	{SHUF_Q(n, 0),  SHUF_Q(n, 1),  SHUF_Q(n, 2),  SHUF_Q(n, 3),  SHUF_Q(n, 4),  SHUF_Q(n, 5),              \
	 SHUF_Q(n, 6),  SHUF_Q(n, 7),  SHUF_Q(n, 8),  SHUF_Q(n, 9),  SHUF_Q(n, 10), SHUF_Q(n, 11),             \
	 SHUF_Q(n, 12), SHUF_Q(n, 13), SHUF_Q(n, 14), SHUF_Q(n, 15), SHUF_Q(n, 16)}
const unsigned char bm_values_shuf[17][17][16] __attribute__((aligned(16))) = {
	SHUF_N(0),  SHUF_N(1),  SHUF_N(2),  SHUF_N(3),  SHUF_N(4),  SHUF_N(5),  SHUF_N(6),  SHUF_N(7),  SHUF_N(8),
	SHUF_N(9),  SHUF_N(10), SHUF_N(11), SHUF_N(12), SHUF_N(13), SHUF_N(14), SHUF_N(15), SHUF_N(16),
};
#endif

/* ---- missing values ---- */

static const char *const default_na[] = {
	"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
	"<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
};
#define NDEFAULT_NA (sizeof default_na / sizeof default_na[0])

bool bm_values_default_na(const char *s, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < NDEFAULT_NA; i++)
		if (strlen(default_na[i]) == len && memcmp(default_na[i], s, len) == 0)
			return true;
	return false;
}

void bm_values_naset_add(bm_values_naset_t *na, const char *s)
{
	size_t len = strlen(s);
	if (len == 0) {
		na->empty = true;
		return;
	}
	na->s = bm_xrealloc(na->s, (na->n + 1) * sizeof *na->s);
	na->len = bm_xrealloc(na->len, (na->n + 1) * sizeof *na->len);
	na->s[na->n] = bm_xmemdup(s, len);
	na->len[na->n++] = len;
	if (len > na->maxlen)
		na->maxlen = len;
	if (na->n <= 64) {
		na->byfirst[(unsigned char)s[0]] |= 1ULL << (na->n - 1);
		na->bylen[len < 63 ? len : 63] |= 1ULL << (na->n - 1);
	}
}

void bm_values_naset_add_defaults(bm_values_naset_t *na)
{
	for (size_t i = 0; i < NDEFAULT_NA; i++)
		bm_values_naset_add(na, default_na[i]);
	na->empty = true;
}

void bm_values_naset_free(bm_values_naset_t *na)
{
	for (size_t i = 0; i < na->n; i++)
		free(na->s[i]);
	free(na->s);
	free(na->len);
	memset(na, 0, sizeof *na);
}
