/* bm_values.h: field values as pandas reads them: numbers, missing-value
 * strings, and numbers written back as text.
 */
#ifndef BM_VALUES_H
#define BM_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Parse S[0..len) as a number as pandas does (surrounding blanks allowed,
 * "inf"/"infinity" with any case and sign); sets *INTEGRAL when it has no
 * point or exponent. Returns false when it is not a number. The value is
 * strtod's, bit for bit (short decimals take an exact fast path: at most
 * 19 digits below 2^53 and a power of ten up to 1e22, one correctly
 * rounded operation). */
bool bm_clean_parse_num(const char *s, size_t len, double *v, bool *integral);
/* bm_clean_parse_num of a short decimal ([-+]DIGITS[.DIGITS], at most 16
 * bytes after the sign, below 2^53) followed by at least 16 readable bytes,
 * with SSSE3 (only when bm_have_ssse3); false for any other S. */
extern bool bm_have_ssse3;
bool bm_parse_short_ssse3(const char *s, size_t len, double *v, bool *integral);

/* bm_clean_parse_num for S followed by at least 16 readable bytes (a bm_csv
 * field: BM_CSV_PAD): the usual short decimals go faster. */
static inline bool bm_clean_parse_num_padded(const char *s, size_t len, double *v, bool *integral)
{
	return (bm_have_ssse3 && bm_parse_short_ssse3(s, len, v, integral)) || bm_clean_parse_num(s, len, v, integral);
}

/* The shortest text that reads back as V (%.17g at most), integers without
 * a point, "nan", "inf", "-inf". Returns snprintf's count. */
int bm_clean_fmt_double(char *buf, size_t size, double v);

/* Whether S[0..len) is one of pandas 1.5's default missing-value strings. */
bool bm_clean_default_na(const char *s, size_t len);

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
} bm_naset_t;

/* Add S (the empty string: the empty field); add pandas' defaults. */
void bm_naset_add(bm_naset_t *na, const char *s);
void bm_naset_add_defaults(bm_naset_t *na);
void bm_naset_free(bm_naset_t *na);

/* Whether S[0..len) is in the set: a table look-up by first byte and
 * length, then a compare. */
static inline bool bm_naset_has(const bm_naset_t *na, const char *s, size_t len)
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
