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
		ssize_t n = bm_in_getline(in, &line, &cap, &eof, BM_WC_MERGE_LINE_MAX);
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
