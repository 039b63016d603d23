/* bm_wc_merge.c: --merge (see bm_wc_int.h): word<TAB>count lines, as
 * bm-wordcount writes them, added into the counter's first map. A bad line
 * is an error naming the input and the line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_wc_int.h"

/* A field for an error message: at most 40 bytes, unprintables as '?'. */
static const char *show(char *dst, const char *s, size_t n)
{
	size_t k = 0;
	for (; k < n && k < 40; k++)
		dst[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
	if (k < n) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
	return dst;
}

int bm_wc_add(bm_wc_t *wc, const void *word, size_t len, uint64_t count)
{
	bm_wc_ctx_t *c = &wc->ctx[0];
	const uint8_t *w = word;
	if (len == 0 || (c->min_length > 0 && bm_wc_chars_upto(w, len, c->min_length) < c->min_length))
		return 0;
	if (c->fold_case && !(w = bm_wc_fold(c, w, len))) {
		bm_seterr("out of memory");
		return -1;
	}
	bm_hm_key_t k;
	bm_hm_key(&k, w, len);
	bm_hm_slot_t *e = bm_hashmap_upsert(&c->map, &k, wc->offset++);
	if (!e) {
		bm_seterr("out of memory");
		return -1;
	}
	if (e->count > UINT64_MAX - count) {
		char shown[48];
		bm_seterr("the count of '%s' passes 18446744073709551615",
			  show(shown, (const char *)word, len));
		return -1;
	}
	e->count += count;
	return 0;
}

/* One line of IN into *LINE (*CAP its size, grown to at most
 * BM_WC_MERGE_LINE_MAX + 1 bytes, so a line without end cannot take all
 * memory), NUL-terminated, without its '\n'. Returns its length; 0 with
 * *EOF at the end; -1 on a read error or out of memory (bm_errmsg); -2
 * when it is longer than BM_WC_MERGE_LINE_MAX. */
static ssize_t merge_line(bm_in_t *in, char **line, size_t *cap, bool *eof)
{
	size_t n = 0;
	*eof = false;
	for (;;) {
		const void *w;
		ssize_t got = bm_in_peek(in, &w, (size_t)64 << 10);
		if (got < 0)
			return -1;
		if (got == 0) {
			*eof = n == 0;
			break;
		}
		const char *nl = memchr(w, '\n', (size_t)got);
		size_t take = nl ? (size_t)(nl - (const char *)w) : (size_t)got;
		if (n + take > BM_WC_MERGE_LINE_MAX)
			return -2;
		if (n + take + 1 > *cap) {
			size_t c = *cap ? *cap : 128;
			while (c < n + take + 1)
				c *= 2;
			if (c > BM_WC_MERGE_LINE_MAX + 1)
				c = BM_WC_MERGE_LINE_MAX + 1;
			char *p = realloc(*line, c);
			if (!p) {
				bm_seterr("%s: out of memory", bm_in_name(in));
				return -1;
			}
			*line = p;
			*cap = c;
		}
		memcpy(*line + n, w, take);
		n += take;
		if (bm_in_skip(in, take + (nl ? 1 : 0)) < 0)
			return -1;
		if (nl)
			break;
	}
	if (*cap == 0) {
		if (!(*line = malloc(1))) {
			bm_seterr("%s: out of memory", bm_in_name(in));
			return -1;
		}
		*cap = 1;
	}
	(*line)[n] = '\0';
	return (ssize_t)n;
}

int bm_wc_merge_file(bm_wc_t *wc, const char *path)
{
	bm_in_t *in = bm_in_open(path);
	if (!in)
		return -1;
	const char *name = bm_in_name(in);
	char *line = NULL, shown[48];
	size_t cap = 0;
	uint64_t lineno = 0;
	int rc = 0;
	for (;;) {
		bool eof;
		ssize_t n = merge_line(in, &line, &cap, &eof);
		if (n == -2)
			bm_seterr("%s:%llu: line longer than %zu MiB", name, (unsigned long long)lineno + 1,
				  BM_WC_MERGE_LINE_MAX >> 20);
		if (n < 0) {
			rc = -1;
			break;
		}
		if (eof)
			break;
		lineno++;
		char *tab = memchr(line, '\t', (size_t)n);
		if (!tab) {
			bm_seterr("%s:%llu: expected word<TAB>count, found no tab", name,
				  (unsigned long long)lineno);
			rc = -1;
			break;
		}
		size_t wlen = (size_t)(tab - line);
		const char *num = tab + 1;
		size_t nlen = (size_t)n - wlen - 1;
		if (wlen == 0) {
			bm_seterr("%s:%llu: empty word", name, (unsigned long long)lineno);
			rc = -1;
			break;
		}
		uint64_t count = 0;
		size_t i = 0;
		for (; i < nlen && (unsigned)(num[i] - '0') <= 9u; i++) {
			unsigned d = (unsigned)(num[i] - '0');
			if (count > (UINT64_MAX - d) / 10)
				break;
			count = count * 10 + d;
		}
		if (nlen == 0 || (i < nlen && (unsigned)(num[i] - '0') > 9u)) {
			bm_seterr("%s:%llu: count is not a number: '%s'", name,
				  (unsigned long long)lineno, show(shown, num, nlen));
			rc = -1;
			break;
		}
		if (i < nlen) {
			bm_seterr("%s:%llu: count is too large: '%s'", name, (unsigned long long)lineno,
				  show(shown, num, nlen));
			rc = -1;
			break;
		}
		if (bm_wc_add(wc, line, wlen, count) < 0) {
			char msg[256];
			snprintf(msg, sizeof msg, "%s", bm_errmsg());
			bm_seterr("%s:%llu: %s", name, (unsigned long long)lineno, msg);
			rc = -1;
			break;
		}
	}
	free(line);
	bm_in_close(in);
	return rc;
}
