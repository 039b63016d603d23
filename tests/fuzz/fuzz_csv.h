/* fuzz_csv.h: the CSV dialect fuzz_csv and fuzz_csv_quick take from the
 * first four bytes of an input: byte 0 the delimiter (, ; tab | space : a
 * x), byte 1 the quote (" ' ` a), byte 2 the comment (none # ; %; one equal
 * to the delimiter or the quote is none, as bm-clean refuses those), byte
 * 3 bit 0 strict and bit 1 threaded; byte 3's other bits are the target's. */
#ifndef BM_FUZZ_CSV_H
#define BM_FUZZ_CSV_H

#include <stdint.h>

#include "bm_csv.h"

static inline bm_csv_opts_t fuzz_csv_dialect(const uint8_t *d)
{
	static const char delims[] = {',', ';', '\t', '|', ' ', ':', 'a', 'x'};
	static const char quotes[] = {'"', '\'', '`', 'a'};
	static const int comments[] = {-1, '#', ';', '%'};
	bm_csv_opts_t o = {delims[d[0] % 8], quotes[d[1] % 4], comments[d[2] % 4], (d[3] & 2) != 0, (d[3] & 1) != 0};
	if (o.quote == o.delim)
		o.quote = '"';
	if (o.comment == o.delim || o.comment == o.quote)
		o.comment = -1;
	return o;
}

#endif
