/* bm_json.h: a small JSON reader (RFC 8259) for safetensors headers, and a
 * string escaper for writing them.
 *
 * bm_json_parse() builds a tree; objects keep their keys in order.
 * Integers that fit a uint64 are also kept exactly (is_uint, u). Arrays and
 * objects nest at most 64 deep ("byte N: nested deeper than 64 levels"), a
 * number has at most 63 characters; a bad document is one message with
 * the byte offset.
 */
#ifndef BM_JSON_H
#define BM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_buf.h"

typedef enum { BM_JSON_NULL, BM_JSON_BOOL, BM_JSON_NUMBER, BM_JSON_STRING, BM_JSON_ARRAY, BM_JSON_OBJECT } bm_json_type_t;

typedef struct bm_json {
	bm_json_type_t type;
	bool b;
	double num;
	bool is_uint; /* a non-negative integer that fits in u */
	uint64_t u;
	char *str; /* STRING: NUL-terminated (may hold NULs: see len) */
	size_t len;
	size_t n;              /* ARRAY, OBJECT: entries */
	struct bm_json *items; /* [n] */
	char **keys;           /* OBJECT: [n] */
} bm_json_t;

/* Parse the LEN bytes of TEXT as one JSON value (blanks around it). The
 * tree, to free with bm_json_free; NULL on error with bm_errmsg() "byte N:
 * what is wrong". */
bm_json_t *bm_json_parse(const char *text, size_t len);
/* Free the tree V; NULL is a no-op. */
void bm_json_free(bm_json_t *v);
/* The value of KEY in object OBJ (the first, if repeated); NULL when there
 * is none or OBJ is NULL or not an object. */
const bm_json_t *bm_json_get(const bm_json_t *obj, const char *key);

/* Append the SLEN bytes of S to B as a JSON string literal, quotes
 * included, escaping what RFC 8259 requires. Cannot fail (bm_buf). */
void bm_json_put_string(bm_buf_t *b, const char *s, size_t slen);

#endif
