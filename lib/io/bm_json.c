/* bm_json.c: recursive-descent JSON reader; its depth limit bounds the
 * recursion (a header of "[[[[..." cannot exhaust the stack). */
#include "bm_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm_io.h"

#define MAX_DEPTH 64 /* arrays and objects inside one another, the outermost included */
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct {
	const char *s;
	size_t len, pos;
	bool err;
} parser_t;

static void fail(parser_t *p, const char *what)
{
	if (!p->err)
		bm_seterr("byte %zu: %s", p->pos, what);
	p->err = true;
}

static void ws(parser_t *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	                           p->s[p->pos] == '\r'))
		p->pos++;
}

static void json_clear(bm_json_t *v)
{
	if (!v)
		return;
	free(v->str);
	for (size_t i = 0; i < v->n; i++) {
		json_clear(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
}

void bm_json_free(bm_json_t *v)
{
	json_clear(v);
	free(v);
}

static int hex4(parser_t *p, unsigned *out)
{
	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape"), -1;
	unsigned x = 0;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "bad \\u escape"), -1;
	}
	*out = x;
	return 0;
}

static char *parse_string(parser_t *p, size_t *outlen)
{
	/* at the opening quote */
	p->pos++;
	size_t cap = 16, n = 0;
	char *b = malloc(cap);
	if (!b)
		return fail(p, "out of memory"), NULL;
	for (;;) {
		if (p->pos >= p->len) {
			fail(p, "unterminated string");
			free(b);
			return NULL;
		}
		unsigned char c = (unsigned char)p->s[p->pos++];
		char enc[4];
		size_t k = 1;
		if (c == '"')
			break;
		if (c < 0x20) {
			p->pos--;
			fail(p, "control character in a string");
			free(b);
			return NULL;
		}
		if (c != '\\') {
			enc[0] = (char)c;
		} else {
			if (p->pos >= p->len) {
				fail(p, "unterminated string");
				free(b);
				return NULL;
			}
			char e = p->s[p->pos++];
			unsigned u;
			switch (e) {
			case '"': enc[0] = '"'; break;
			case '\\': enc[0] = '\\'; break;
			case '/': enc[0] = '/'; break;
			case 'b': enc[0] = '\b'; break;
			case 'f': enc[0] = '\f'; break;
			case 'n': enc[0] = '\n'; break;
			case 'r': enc[0] = '\r'; break;
			case 't': enc[0] = '\t'; break;
			case 'u':
				if (hex4(p, &u) < 0) {
					free(b);
					return NULL;
				}
				if (u >= 0xD800 && u <= 0xDBFF) {
					unsigned lo;
					if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
						fail(p, "unpaired surrogate");
						free(b);
						return NULL;
					}
					p->pos += 2;
					if (hex4(p, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
						fail(p, "unpaired surrogate");
						free(b);
						return NULL;
					}
					u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				}
				if (u < 0x80) {
					enc[0] = (char)u;
				} else if (u < 0x800) {
					enc[0] = (char)(0xC0 | (u >> 6));
					enc[1] = (char)(0x80 | (u & 0x3F));
					k = 2;
				} else if (u < 0x10000) {
					enc[0] = (char)(0xE0 | (u >> 12));
					enc[1] = (char)(0x80 | ((u >> 6) & 0x3F));
					enc[2] = (char)(0x80 | (u & 0x3F));
					k = 3;
				} else {
					enc[0] = (char)(0xF0 | (u >> 18));
					enc[1] = (char)(0x80 | ((u >> 12) & 0x3F));
					enc[2] = (char)(0x80 | ((u >> 6) & 0x3F));
					enc[3] = (char)(0x80 | (u & 0x3F));
					k = 4;
				}
				break;
			default:
				p->pos--;
				fail(p, "bad escape in a string");
				free(b);
				return NULL;
			}
		}
		if (n + k + 1 > cap) {
			cap *= 2;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fail(p, "out of memory");
				return NULL;
			}
			b = nb;
		}
		memcpy(b + n, enc, k);
		n += k;
	}
	b[n] = '\0';
	*outlen = n;
	return b;
}

static int parse_value(parser_t *p, bm_json_t *v, int depth);

static int append(parser_t *p, bm_json_t *v, size_t *cap, bool keys)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		bm_json_t *ni = realloc(v->items, nc * sizeof *ni);
		if (!ni)
			return fail(p, "out of memory"), -1;
		v->items = ni;
		if (keys) {
			char **nk = realloc(v->keys, nc * sizeof *nk);
			if (!nk)
				return fail(p, "out of memory"), -1;
			v->keys = nk;
		}
		*cap = nc;
	}
	memset(&v->items[v->n], 0, sizeof v->items[0]);
	if (keys)
		v->keys[v->n] = NULL;
	v->n++;
	return 0;
}

static int parse_container(parser_t *p, bm_json_t *v, int depth, bool object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;
	v->type = object ? BM_JSON_OBJECT : BM_JSON_ARRAY;
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (append(p, v, &cap, object) < 0)
			return -1;
		bm_json_t *item = &v->items[v->n - 1];
		if (object) {
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a string key"), -1;
			size_t kl;
			char *key = parse_string(p, &kl);
			if (!key)
				return -1;
			v->keys[v->n - 1] = key;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'"), -1;
			p->pos++;
		}
		if (parse_value(p, item, depth + 1) < 0)
			return -1;
		ws(p);
		if (p->pos >= p->len)
			return fail(p, object ? "unterminated object" : "unterminated array"), -1;
		char c = p->s[p->pos++];
		if (c == close)
			return 0;
		if (c != ',') {
			p->pos--;
			return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'"), -1;
		}
	}
}

static int parse_number(parser_t *p, bm_json_t *v)
{
	size_t start = p->pos;
	const char *s = p->s;
	size_t i = p->pos;
	if (i < p->len && s[i] == '-')
		i++;
	if (i >= p->len || !(s[i] >= '0' && s[i] <= '9'))
		return fail(p, "bad number"), -1;
	if (s[i] == '0')
		i++;
	else
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	bool integer = true;
	if (i < p->len && s[i] == '.') {
		integer = false;
		i++;
		if (i >= p->len || !(s[i] >= '0' && s[i] <= '9'))
			return fail(p, "bad number"), -1;
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		integer = false;
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= p->len || !(s[i] >= '0' && s[i] <= '9'))
			return fail(p, "bad number"), -1;
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	char buf[64];
	size_t n = i - start;
	if (n >= sizeof buf)
		return fail(p, "number too long"), -1;
	memcpy(buf, s + start, n);
	buf[n] = '\0';
	v->type = BM_JSON_NUMBER;
	v->num = strtod(buf, NULL);
	if (integer && buf[0] != '-') {
		errno = 0;
		unsigned long long u = strtoull(buf, NULL, 10);
		if (errno == 0) {
			v->is_uint = true;
			v->u = u;
		}
	}
	p->pos = i;
	return 0;
}

static int parse_value(parser_t *p, bm_json_t *v, int depth)
{
	ws(p);
	if (p->pos >= p->len)
		return fail(p, "expected a value"), -1;
	char c = p->s[p->pos];
	if ((c == '{' || c == '[') && depth >= MAX_DEPTH)
		return fail(p, "nested deeper than " STR(MAX_DEPTH) " levels"), -1;
	if (c == '{')
		return parse_container(p, v, depth, true);
	if (c == '[')
		return parse_container(p, v, depth, false);
	if (c == '"') {
		v->type = BM_JSON_STRING;
		v->str = parse_string(p, &v->len);
		return v->str ? 0 : -1;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	static const struct {
		const char *word;
		bm_json_type_t t;
		bool b;
	} words[] = {{"true", BM_JSON_BOOL, true}, {"false", BM_JSON_BOOL, false}, {"null", BM_JSON_NULL, false}};
	for (size_t i = 0; i < 3; i++) {
		size_t wl = strlen(words[i].word);
		if (p->len - p->pos >= wl && memcmp(p->s + p->pos, words[i].word, wl) == 0) {
			v->type = words[i].t;
			v->b = words[i].b;
			p->pos += wl;
			return 0;
		}
	}
	return fail(p, "expected a value"), -1;
}

bm_json_t *bm_json_parse(const char *text, size_t len)
{
	parser_t p = {text, len, 0, false};
	bm_json_t *v = calloc(1, sizeof *v);
	if (!v) {
		bm_seterr("out of memory");
		return NULL;
	}
	if (parse_value(&p, v, 0) < 0) {
		bm_json_free(v);
		return NULL;
	}
	ws(&p);
	if (p.pos != len) {
		fail(&p, "text after the end of the document");
		bm_json_free(v);
		return NULL;
	}
	return v;
}

const bm_json_t *bm_json_get(const bm_json_t *obj, const char *key)
{
	if (!obj || obj->type != BM_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

void bm_json_put_string(bm_buf_t *b, const char *s, size_t slen)
{
	bm_buf_add(b, "\"", 1);
	for (size_t i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		size_t n = 2;
		switch (c) {
		case '"': memcpy(e, "\\\"", 2); break;
		case '\\': memcpy(e, "\\\\", 2); break;
		case '\n': memcpy(e, "\\n", 2); break;
		case '\r': memcpy(e, "\\r", 2); break;
		case '\t': memcpy(e, "\\t", 2); break;
		default:
			if (c < 0x20) {
				static const char hex[] = "0123456789abcdef";
				memcpy(e, "\\u00", 4);
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				n = 6;
			} else {
				e[0] = (char)c;
				n = 1;
			}
		}
		bm_buf_add(b, e, n);
	}
	bm_buf_add(b, "\"", 1);
}
