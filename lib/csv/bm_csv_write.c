/* bm_csv_write.c: writing CSV (a field quoted only when it must be), the
 * command-line lists read as one CSV record, and the UTF-8 check (see
 * bm_csv.h). */
#include "config.h"

#include "bm_csv.h"

#include <stdlib.h>
#include <string.h>

bool bm_csv_needs_quotes(const char *s, size_t len, const bm_csv_opts_t *o, bool alone)
{
	if (len == 0)
		return alone;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == o->delim || c == o->quote || c == '\n' || c == '\r' ||
		    (o->comment >= 0 && c == (char)o->comment))
			return true;
	}
	return false;
}

void bm_csv_append(bm_buf_t *b, const char *s, size_t n, const bm_csv_opts_t *o, bool alone)
{
	if (!bm_csv_needs_quotes(s, n, o, alone)) {
		bm_buf_add(b, s, n);
		return;
	}
	bm_buf_reserve(b, 2 * n + 2);
	char *out = b->s + b->len;
	*out++ = o->quote;
	for (size_t i = 0; i < n; i++) {
		*out++ = s[i];
		if (s[i] == o->quote)
			*out++ = o->quote;
	}
	*out++ = o->quote;
	*out = '\0';
	b->len = (size_t)(out - b->s);
}

int bm_csv_split_list(const char *s, char ***items)
{
	size_t len = strlen(s);
	char **v = calloc(len + 2, sizeof *v);
	if (!v)
		return -1;
	int n = 0;
	const char *p = s, *e = s + len;
	for (;;) {
		char *item = malloc(len + 1), *o = item;
		if (!item)
			goto bad;
		v[n++] = item;
		if (p < e && *p == '"') {
			p++;
			for (;;) {
				if (p >= e)
					goto bad; /* unterminated quote */
				if (*p == '"') {
					if (p + 1 < e && p[1] == '"') {
						*o++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*o++ = *p++;
			}
			if (p < e && *p != ',')
				goto bad;
		} else {
			while (p < e && *p != ',')
				*o++ = *p++;
		}
		*o = '\0';
		if (p >= e)
			break;
		p++; /* the comma */
	}
	*items = v;
	return n;
bad:
	bm_csv_free_list(v, n);
	return -1;
}

void bm_csv_free_list(char **items, int n)
{
	if (!items)
		return;
	for (int i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

bool bm_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + len;
	while (s < e) {
		unsigned c = *s;
		if (c < 0x80) {
			s++;
			continue;
		}
		int n;
		unsigned min;
		if ((c & 0xE0) == 0xC0) {
			n = 1;
			min = 0x80;
			c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			min = 0x800;
			c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return false;
		if (e - s <= n)
			return false;
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (s[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}
