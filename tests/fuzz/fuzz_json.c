/* fuzz_json: bm_json_parse on any bytes, then every accepted document
 * written back (strings through bm_json_put_string, as the safetensors
 * writer does) and parsed again: the two trees must be equal, and
 * bm_json_get must find each object's first entry of every key. */
#include <math.h>

#include "fuzz.h"
#include "bm_buf.h"
#include "bm_json.h"

static void put(bm_buf_t *b, const bm_json_t *v)
{
	char num[64];
	switch (v->type) {
	case BM_JSON_NULL: bm_buf_addstr(b, "null"); break;
	case BM_JSON_BOOL: bm_buf_addstr(b, v->b ? "true" : "false"); break;
	case BM_JSON_NUMBER:
		if (v->is_uint)
			snprintf(num, sizeof num, "%llu", (unsigned long long)v->u);
		else if (isinf(v->num))
			snprintf(num, sizeof num, "%s1e999", v->num < 0 ? "-" : "");
		else if (snprintf(num, sizeof num, "%.17g", v->num) > 0 && !strpbrk(num, ".e"))
			strcat(num, ".0"); /* "1e2" is no uint: 100 would read back as one */
		bm_buf_addstr(b, num);
		break;
	case BM_JSON_STRING: bm_json_put_string(b, v->str, v->len); break;
	case BM_JSON_ARRAY:
	case BM_JSON_OBJECT:
		bm_buf_addstr(b, v->type == BM_JSON_ARRAY ? "[" : "{");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				bm_buf_addstr(b, ",");
			if (v->keys) {
				bm_json_put_string(b, v->keys[i], strlen(v->keys[i]));
				bm_buf_addstr(b, ":");
			}
			put(b, &v->items[i]);
		}
		bm_buf_addstr(b, v->type == BM_JSON_ARRAY ? "]" : "}");
		break;
	}
}

/* Keys are compared as C strings: a key's "\u0000" ends it for bm. */
static int equal(const bm_json_t *a, const bm_json_t *b)
{
	if (a->type != b->type || a->n != b->n)
		return 0;
	switch (a->type) {
	case BM_JSON_NULL: return 1;
	case BM_JSON_BOOL: return a->b == b->b;
	case BM_JSON_NUMBER:
		return a->is_uint == b->is_uint && (a->is_uint ? a->u == b->u : a->num == b->num || isnan(a->num));
	case BM_JSON_STRING: return a->len == b->len && memcmp(a->str, b->str, a->len + 1) == 0;
	case BM_JSON_ARRAY:
	case BM_JSON_OBJECT:
		for (size_t i = 0; i < a->n; i++)
			if ((a->keys && strcmp(a->keys[i], b->keys[i]) != 0) || !equal(&a->items[i], &b->items[i]))
				return 0;
		return 1;
	}
	return 0;
}

static void check_get(const bm_json_t *v)
{
	if (v->type == BM_JSON_OBJECT)
		for (size_t i = 0; i < v->n; i++) {
			const bm_json_t *got = bm_json_get(v, v->keys[i]);
			size_t first = 0;
			while (strcmp(v->keys[first], v->keys[i]) != 0)
				first++;
			if (got != &v->items[first])
				abort();
		}
	else if (bm_json_get(v, "dtype"))
		abort();
	for (size_t i = 0; i < v->n; i++)
		check_get(&v->items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bm_json_t *v = bm_json_parse((const char *)data, size);
	if (!v)
		return 0;
	check_get(v);
	bm_buf_t b = {0};
	put(&b, v);
	bm_json_t *again = bm_json_parse(b.s, b.len);
	if (!again || !equal(v, again))
		abort();
	bm_json_free(again);
	bm_json_free(v);
	free(b.s);
	return 0;
}
