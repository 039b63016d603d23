/* Unit tests of the CSV reader and writer (bm_csv), of the row spool
 * (bm_spool) and of the value helpers (bm_values: numbers, missing values,
 * number formatting); the plain and the fast paths of the scanner and of
 * the number parser side by side. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_clean.h"
#include "bm_cpu.h"
#include "bm_csv.h"
#include "bm_fmt.h"
#include "bm_csv_int.h"
#include "bm_io.h"
#include "bm_spool.h"
#include "bm_strmap.h"
#include "bm_values.h"
#include "check_main.h"

/* ck_assert_msg without the mark it sends the parent process when the
 * check passes (a write each time): for checks in loops of millions. */
#define CHECK_MSG(cond, ...)                                                                                \
	do {                                                                                                \
		if (!(cond))                                                                                \
			ck_abort_msg(__VA_ARGS__);                                                          \
	} while (0)

/* A reader over the bytes S[0..n) (through a temporary file). */
static bm_csv_t *reader(const char *s, size_t n, const bm_csv_opts_t *o)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	ck_assert_int_eq(fflush(f), 0);
	int fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	bm_in_t *in = bm_in_fdopen(fd, "t.csv");
	ck_assert_ptr_nonnull(in);
	bm_csv_t *r = bm_csv_open(in, o);
	ck_assert_ptr_nonnull(r);
	return r;
}

static bm_csv_t *sreader(const char *s)
{
	return reader(s, strlen(s), NULL);
}

/* The next record as "v1|v2|...", with its line. */
static const char *next(bm_csv_t *r, uint64_t *line)
{
	static char buf[4096];
	bm_csv_rec_t *rec;
	int st = bm_csv_next(r, &rec);
	if (st <= 0)
		return st == 0 ? "<eof>" : "<error>";
	size_t n = 0;
	for (size_t i = 0; i < rec->n; i++) {
		if (i)
			buf[n++] = '|';
		memcpy(buf + n, rec->f[i].val, rec->f[i].len);
		n += rec->f[i].len;
	}
	buf[n] = '\0';
	if (line)
		*line = rec->line;
	return buf;
}

START_TEST(test_fields)
{
	bm_csv_t *r = sreader("a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\n,,\n");
	ck_assert_str_eq(next(r, NULL), "a|b|c");
	ck_assert_str_eq(next(r, NULL), "1|x,y|say \"hi\"");
	ck_assert_str_eq(next(r, NULL), "||");
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
}
END_TEST

START_TEST(test_raw)
{
	bm_csv_t *r = sreader("1,\"x\"\"y\",z # no\n");
	bm_csv_rec_t *rec;
	ck_assert_int_eq(bm_csv_next(r, &rec), 1);
	ck_assert_uint_eq(rec->n, 3);
	ck_assert(rec->f[1].quoted);
	ck_assert(!rec->f[0].quoted);
	ck_assert_uint_eq(rec->f[1].rawlen, 6);
	ck_assert(memcmp(rec->f[1].raw, "\"x\"\"y\"", 6) == 0);
	ck_assert_uint_eq(rec->rawlen, 15);
	bm_csv_close(r);
}
END_TEST

START_TEST(test_line_ends)
{
	uint64_t line;
	bm_csv_t *r = sreader("\xEF\xBB\xBF" "a,b\r\n1,\"x\r\ny\"\r\n\r\n\n2,3\r4,5");
	ck_assert_str_eq(next(r, &line), "a|b");
	ck_assert_uint_eq(line, 1);
	ck_assert_str_eq(next(r, &line), "1|x\r\ny");
	ck_assert_uint_eq(line, 2);
	ck_assert_str_eq(next(r, &line), "2|3");
	ck_assert_uint_eq(line, 6);
	ck_assert_str_eq(next(r, &line), "4|5");
	ck_assert_uint_eq(line, 7);
	ck_assert_str_eq(next(r, &line), "<eof>");
	bm_csv_close(r);
}
END_TEST

START_TEST(test_lenient)
{
	/* a quote inside an unquoted field is a character; text after a closing
	 * quote is kept (as pandas) */
	bm_csv_t *r = sreader("ab\"c,\"x\"yz,\"\"\n");
	ck_assert_str_eq(next(r, NULL), "ab\"c|xyz|");
	bm_csv_close(r);
}
END_TEST

START_TEST(test_comment_delim)
{
	bm_csv_opts_t o = {';', '"', '#', false, false};
	const char *s = "# head\na;b # tail\n\"#\";2\n#x;y\n";
	bm_csv_t *r = reader(s, strlen(s), &o);
	uint64_t line;
	ck_assert_str_eq(next(r, &line), "a|b ");
	ck_assert_uint_eq(line, 2);
	ck_assert_str_eq(next(r, NULL), "#|2");
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
}
END_TEST

START_TEST(test_unterminated)
{
	const char *s = "a,b\n1,\"2\n3,4\n";
	bm_csv_opts_t o = {',', '"', -1, _i == 1, false};
	bm_csv_t *r = reader(s, strlen(s), &o);
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "<error>");
	ck_assert_str_eq(bm_errmsg(), "t.csv:2: unterminated quoted field");
	bm_csv_close(r);
}
END_TEST

START_TEST(test_no_final_newline)
{
	bm_csv_t *r = sreader("a,b\n1,");
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "1|");
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
	r = sreader("");
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
}
END_TEST

/* Records across the reader's buffer boundaries, and one longer than it;
 * plain (_i == 0) and threaded (_i == 1). */
START_TEST(test_big)
{
	bm_csv_opts_t o = {',', '"', -1, _i == 1, false};
	size_t n = 5u << 20, len = 0;
	char *s = malloc(n + (3u << 20) + 4096);
	ck_assert_ptr_nonnull(s);
	int k = 0;
	while (len < n)
		len += (size_t)sprintf(s + len, "%d,\"q\"\"%d\nz\",%d\n", k, k, k), k++;
	size_t big = 3u << 20;
	s[len++] = '"';
	memset(s + len, 'x', big);
	len += big;
	memcpy(s + len, "\",1,2\n", 6);
	len += 6;
	bm_csv_t *r = reader(s, len, &o);
	bm_csv_rec_t *rec;
	for (int i = 0; i < k; i++) {
		ck_assert_int_eq(bm_csv_next(r, &rec), 1);
		ck_assert_uint_eq(rec->n, 3);
		ck_assert_uint_eq(rec->line, 2 * (uint64_t)i + 1);
		char want[64];
		int wl = sprintf(want, "q\"%d\nz", i);
		ck_assert_uint_eq(rec->f[1].len, (size_t)wl);
		ck_assert(memcmp(rec->f[1].val, want, (size_t)wl) == 0);
	}
	ck_assert_int_eq(bm_csv_next(r, &rec), 1);
	ck_assert_uint_eq(rec->f[0].len, big);
	ck_assert_int_eq(bm_csv_next(r, &rec), 0);
	bm_csv_close(r);
	free(s);
}
END_TEST

/* Byte ranges of a file (bm_csv_open_range): cut after a record, the parts
 * give the records of the whole; cut inside a quoted field, the first part
 * ends with an unterminated quoted field. */
START_TEST(test_range)
{
	const char *s = "a,b\n1,\"x\ny\"\n\xEF\xBB\xBF" "2,z\n";
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, strlen(s), f), strlen(s));
	ck_assert_int_eq(fflush(f), 0);
	int fd = fileno(f);
	size_t cut = strlen("a,b\n1,\"x\ny\"\n"), len = strlen(s);
	bm_csv_t *r = bm_csv_open_range(fd, "t.csv", 0, cut, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "1|x\ny");
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
	uint64_t line;
	r = bm_csv_open_range(fd, "t.csv", cut, len - cut, NULL);
	ck_assert_str_eq(next(r, &line), "\xEF\xBB\xBF" "2|z"); /* no byte order mark past offset 0 */
	ck_assert_uint_eq(line, 1);
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
	r = bm_csv_open_range(fd, "t.csv", 0, strlen("a,b\n1,\"x\n"), NULL);
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "<error>");
	ck_assert_str_eq(bm_errmsg(), "t.csv:2: unterminated quoted field");
	bm_csv_close(r);
	fclose(f);
}
END_TEST

/* The records bm-eval --csv reads (strict: text after a closing quote is an
 * error), the cases of its former reader. */
START_TEST(test_strict)
{
	bm_csv_opts_t o = {',', '"', -1, false, true};
	const char *s = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\n"
	                "1,\"two\nlines\",\r\n"
	                ",,\n"
	                "\"\"\n";
	bm_csv_t *r = reader(s, strlen(s), &o);
	uint64_t line;
	ck_assert_str_eq(next(r, &line), "a|b,c|say \"hi\"");
	ck_assert_uint_eq(line, 1);
	ck_assert_str_eq(next(r, &line), "1|two\nlines|"); /* the blank line is skipped */
	ck_assert_uint_eq(line, 3);
	ck_assert_str_eq(next(r, &line), "||");
	ck_assert_uint_eq(line, 5);
	bm_csv_rec_t *rec;
	ck_assert_int_eq(bm_csv_next(r, &rec), 1);
	ck_assert_uint_eq(rec->n, 1);
	ck_assert_uint_eq(rec->f[0].len, 0);
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);
	s = "a\n\"open\nstill open\n";
	r = reader(s, strlen(s), &o);
	ck_assert_str_eq(next(r, NULL), "a");
	ck_assert_str_eq(next(r, NULL), "<error>");
	ck_assert_str_eq(bm_errmsg(), "t.csv:2: unterminated quoted field");
	bm_csv_close(r);
	s = "a,b\n\"x\ny\"z,1\n";
	r = reader(s, strlen(s), &o);
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "<error>");
	ck_assert_str_eq(bm_errmsg(), "t.csv:3: unexpected character after a closing quote");
	bm_csv_close(r);
	o.strict = false;
	r = reader(s, strlen(s), &o);
	ck_assert_str_eq(next(r, NULL), "a|b");
	ck_assert_str_eq(next(r, NULL), "x\nyz|1");
	bm_csv_close(r);
}
END_TEST

/* The spool gives its rows back in order, from memory and from its file
 * (MEM 0: every full chunk goes to the file; 8 MiB: one chunk in memory). */
static int count_row(void *arg, const unsigned char *row)
{
	uint64_t *next = arg, v;
	memcpy(&v, row, 8);
	CHECK_MSG(v == *next, "row %llu where %llu was due", (unsigned long long)v, (unsigned long long)*next);
	CHECK_MSG(row[8] == (unsigned char)(v * 7), "row %llu: byte 8 is %u", (unsigned long long)v, row[8]);
	(*next)++;
	return 0;
}

START_TEST(test_spool)
{
	bm_spool_t sp;
	size_t mem = _i == 0 ? 0 : (size_t)9 << 20;
	bm_spool_init(&sp, 12, mem);
	const uint64_t n = 2000000; /* 24 MB: chunks in memory and in the file */
	unsigned char row[12] = {0};
	for (uint64_t i = 0; i < n; i++) {
		memcpy(row, &i, 8);
		row[8] = (unsigned char)(i * 7);
		if (i % 3 == 0) /* a row written in place and left */
			memset(bm_spool_next(&sp), 0xff, sizeof row);
		memcpy(bm_spool_next(&sp), row, sizeof row); /* the row, in place */
		bm_spool_add(&sp);
	}
	ck_assert(sp.file != NULL);
	ck_assert_uint_eq(sp.nchunks, _i == 0 ? 0 : 1);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t next = 0;
		bm_spool_each(&sp, count_row, &next, pass == 1);
		ck_assert_uint_eq(next, n);
	}
	ck_assert(sp.file == NULL && sp.cur == NULL && sp.nchunks == 0);
	bm_spool_free(&sp);
}
END_TEST

START_TEST(test_writer)
{
	bm_csv_opts_t o = {',', '"', -1, false, false};
	bm_buf_t buf = {0};
	bm_csv_append(&buf, "plain", 5, &o, false);
	bm_csv_append(&buf, "a,b", 3, &o, false);
	bm_csv_append(&buf, "say \"hi\"", 8, &o, false);
	bm_csv_append(&buf, "l1\nl2", 5, &o, false);
	bm_csv_append(&buf, "", 0, &o, false);
	bm_csv_append(&buf, "", 0, &o, true);
	size_t len = buf.len;
	const char *b = buf.s;
	ck_assert_uint_eq(len, strlen("plain\"a,b\"\"say \"\"hi\"\"\"\"l1\nl2\"\"\""));
	ck_assert(memcmp(b, "plain\"a,b\"\"say \"\"hi\"\"\"\"l1\nl2\"\"\"", len) == 0);
	ck_assert(bm_csv_needs_quotes("a#", 2, &(bm_csv_opts_t){',', '"', '#', false, false}, false));
	ck_assert(!bm_csv_needs_quotes("a#", 2, &o, false));
	free(buf.s);
}
END_TEST

START_TEST(test_list)
{
	char **v;
	int n = bm_csv_split_list("a,\"b,c\",,\"d\"\"e\"", &v);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b,c");
	ck_assert_str_eq(v[2], "");
	ck_assert_str_eq(v[3], "d\"e");
	bm_csv_free_list(v, n);
	ck_assert_int_eq(bm_csv_split_list("\"a", &v), -1);
	ck_assert_int_eq(bm_csv_split_list("\"a\"b", &v), -1);
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(bm_utf8_valid("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 15));
	ck_assert(!bm_utf8_valid("\xFF", 1));
	ck_assert(!bm_utf8_valid("\xC3", 1));
	ck_assert(!bm_utf8_valid("\xC0\xAF", 2));          /* overlong */
	ck_assert(!bm_utf8_valid("\xED\xA0\x80", 3));      /* surrogate */
	ck_assert(!bm_utf8_valid("\xF4\x90\x80\x80", 4));  /* > U+10FFFF */
}
END_TEST

START_TEST(test_numbers)
{
	static const struct {
		const char *s;
		double v;
		int integral;
	} ok[] = {
		{"0", 0, 1}, {"-12", -12, 1}, {"+7", 7, 1}, {" 3.5 ", 3.5, 0}, {".5", 0.5, 0},
		{"5.", 5, 0}, {"1e3", 1000, 0}, {"1E-2", 0.01, 0}, {"0.1", 0.1, 0},
		{"123456789012345678901234", 123456789012345678901234.0, 1},
		{"2.2250738585072014e-308", 2.2250738585072014e-308, 0},
		{"0.30000000000000004", 0.30000000000000004, 0}, {"9007199254740993", 9007199254740993.0, 1},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		double v;
		bool integral;
		ck_assert_msg(bm_values_parse_num(ok[i].s, strlen(ok[i].s), &v, &integral), "%s", ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s -> %.17g", ok[i].s, v);
		ck_assert_int_eq(integral, ok[i].integral);
	}
	double v;
	ck_assert(bm_values_parse_num("-Infinity", 9, &v, NULL) && isinf(v) && v < 0);
	ck_assert(bm_values_parse_num("inf", 3, &v, NULL) && isinf(v));
	static const char *const bad[] = {"", " ", "abc", "1x", "1e", "--1", "0x10", ".", "1,5", "e5", "nan", "1 2",
	                                  "-", "+.", "1..2", "1.2.3", "12345678.9x", "-.", "1-2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char padded[64];
		memset(padded, '1', sizeof padded);
		memcpy(padded, bad[i], strlen(bad[i]));
		ck_assert_msg(!bm_values_parse_num(bad[i], strlen(bad[i]), &v, NULL), "'%s'", bad[i]);
		for (int level = BM_CPU_GENERIC; level <= (int)bm_cpu_detected(); level++)
			ck_assert_msg(!bm_values_parse_padded(padded, strlen(bad[i]), &v, NULL, level), "padded '%s'", bad[i]);
	}
	/* the padded variant's own shapes: signs, a point at either end, 8 digits a side, -0 */
	static const struct {
		const char *s;
		double v;
		int integral;
	} pad_ok[] = {{"-0", -0.0, 1}, {"+12345678", 12345678, 1}, {"12345678.87654321", 12345678.87654321, 0},
	              {".5", 0.5, 0}, {"5.", 5, 0}, {"-34.00716", -34.00716, 0}, {"123456789", 123456789, 1}};
	for (size_t i = 0; i < sizeof pad_ok / sizeof pad_ok[0]; i++) {
		char padded[64];
		bool integral;
		memset(padded, '9', sizeof padded);
		memcpy(padded, pad_ok[i].s, strlen(pad_ok[i].s));
		for (int level = BM_CPU_GENERIC; level <= (int)bm_cpu_detected(); level++) {
			ck_assert_msg(bm_values_parse_padded(padded, strlen(pad_ok[i].s), &v, &integral, level), "%s", pad_ok[i].s);
			ck_assert_msg(v == pad_ok[i].v && signbit(v) == signbit(pad_ok[i].v), "%s -> %.17g", pad_ok[i].s, v);
			ck_assert_int_eq(integral, pad_ok[i].integral);
		}
	}
}
END_TEST

/* Random decimal numbers in many shapes: bm_values_parse_num (with its fast
 * path for short decimals) gives the same bits as strtod, and so do the
 * padded parser at every level the processor has and the SSSE3 one. */
START_TEST(test_numbers_random)
{
	uint64_t st = 0x9E3779B97F4A7C15ULL;
	char b[80];
	for (int i = 0; i < 2000000; i++) {
		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		uint64_t r = st;
		int n = 0;
		int kind = (int)(r % 6);
		r /= 6;
		if (r % 3 == 0)
			b[n++] = r % 2 ? '-' : '+';
		r /= 3;
		if (kind == 0) /* %.*f of a random double */
			n += sprintf(b + n, "%.*f", (int)(r % 12), (double)(st >> 11) * 0x1.0p-53 * pow(10, (double)(r / 12 % 16)));
		else if (kind == 1) /* %.*e */
			n += sprintf(b + n, "%.*e", (int)(r % 20), (double)(st >> 11) * 0x1.0p-53 * pow(10, (double)(r / 20 % 60) - 30));
		else { /* random digits, a point anywhere, maybe an exponent */
			int nd = 1 + (int)(r % (kind == 2 ? 8 : kind == 3 ? 17 : 24));
			r /= 24;
			int pt = (int)(r % (uint64_t)(nd + 2)) - 1;
			r /= (uint64_t)(nd + 2);
			uint64_t d = st * 0xD6E8FEB86659FD93ULL;
			for (int k = 0; k < nd; k++) {
				if (k == pt)
					b[n++] = '.';
				b[n++] = (char)('0' + (d >> 60) % 10);
				d = d * 6364136223846793005ULL + 1442695040888963407ULL;
			}
			if (kind == 5)
				n += sprintf(b + n, "e%d", (int)(r % 60) - 30);
		}
		b[n] = '\0';
		double v, want = strtod(b, NULL);
		CHECK_MSG(bm_values_parse_num(b, (size_t)n, &v, NULL), "'%s'", b);
		CHECK_MSG(memcmp(&v, &want, sizeof v) == 0, "'%s' -> %.17g, strtod %.17g", b, v, want);
#ifdef __x86_64__
		/* the number a CSV field starts with: all of a short decimal, or
		 * a part that ends before a byte a field cannot end at */
		if (bm_cpu_detected() >= BM_CPU_AVX2) {
			memset(b + n, ',', 32);
			bool integral;
			bool shortd = bm_values_short_ssse3(b, (size_t)n, &v, &integral);
			CHECK_MSG(!shortd || memcmp(&v, &want, sizeof v) == 0, "short '%.*s' -> %.17g, strtod %.17g", n, b, v,
			          want);
			CHECK_MSG(kind != 2 || shortd || (size_t)n > 17, "short decimal '%.*s' not read", n, b);
			size_t k = bm_values_prefix_ssse3(b, &v);
			CHECK_MSG(k == (size_t)n || b[k] != ',', "prefix of '%.*s': %zu bytes", n, b, k);
			CHECK_MSG(k != (size_t)n || memcmp(&v, &want, sizeof v) == 0, "prefix '%.*s' -> %.17g, strtod %.17g",
			          n, b, v, want);
			CHECK_MSG(kind != 2 || k == (size_t)n, "short decimal '%.*s' not read whole: %zu bytes", n, b, k);
		}
#endif
		/* the padded variant, with digits and points after the value, at
		 * each level */
		memset(b + n, i % 2 ? '7' : '.', 32);
		for (int level = BM_CPU_GENERIC; level <= (int)bm_cpu_detected(); level++) {
			CHECK_MSG(bm_values_parse_padded(b, (size_t)n, &v, NULL, level), "padded '%.*s'", n, b);
			CHECK_MSG(memcmp(&v, &want, sizeof v) == 0, "padded '%.*s' at %s -> %.17g, strtod %.17g", n, b,
			          bm_cpu_name((bm_cpu_level_t)level), v, want);
		}
	}
}
END_TEST

/* bm_strmap: keys of every length up to 40 (the table of recent short keys
 * and the hash table), keys that differ in one byte, found again, absent,
 * by bm_strmap_get and bm_strmap_get_padded. */
START_TEST(test_strmap)
{
	bm_strmap_t m = {0};
	char key[64];
	enum { N = 3000 };
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N; i++) {
			/* length 2..40; among keys of one length, the first and last
			 * bytes tell them apart, the others all but the same */
			int len = 2 + i % 39;
			for (int k = 0; k < len; k++)
				key[k] = (char)('m' + (k == len / 2 && i % 2));
			key[0] = (char)('a' + i / 39 % 26);
			key[len - 1] = (char)('A' + i / 39 / 26);
			int64_t got = bm_strmap_get(&m, key, (size_t)len, round == 0);
			ck_assert_int_eq(got, i);
			ck_assert_int_eq(m.e[got].len, len);
			ck_assert(memcmp(m.e[got].key, key, (size_t)len) == 0);
			/* the padded lookup: the bytes after the key (a longer key's) do not count */
			ck_assert_int_eq(bm_strmap_get_padded(&m, key, (size_t)len, false), i);
			key[0] ^= 0x20; /* a key not in the map */
			ck_assert_int_eq(bm_strmap_get(&m, key, (size_t)len, false), -1);
			ck_assert_int_eq(bm_strmap_get_padded(&m, key, (size_t)len, false), -1);
		}
	ck_assert_int_eq(m.n, N);
	bm_strmap_free(&m);
	/* short keys that differ in one byte, wherever it is; padded lookups
	 * with other bytes after the key */
	for (int len = 1; len <= 16; len++) {
		memset(key, 'k', (size_t)len);
		memset(key + len, len % 2 ? 'k' : '\0', sizeof key - (size_t)len);
		int64_t base = bm_strmap_get(&m, key, (size_t)len, true);
		for (int pos = 0; pos < len; pos++) {
			key[pos] = 'q';
			int64_t i = bm_strmap_get(&m, key, (size_t)len, true);
			ck_assert_int_ne(i, base);
			ck_assert_int_eq(bm_strmap_get(&m, key, (size_t)len, false), i);
			ck_assert_int_eq(bm_strmap_get_padded(&m, key, (size_t)len, false), i);
			key[pos] = 'k';
			ck_assert_int_eq(bm_strmap_get(&m, key, (size_t)len, false), base);
			ck_assert_int_eq(bm_strmap_get_padded(&m, key, (size_t)len, false), base);
		}
	}
	bm_strmap_free(&m);
	ck_assert_int_eq(bm_strmap_get(&m, "x", 1, false), -1);
}
END_TEST

START_TEST(test_na)
{
	static const char *const na[] = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
	                                  "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"};
	for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
		ck_assert_msg(bm_values_default_na(na[i], strlen(na[i])), "%s", na[i]);
	static const char *const no[] = {" NA", "na", "None", "NAN", "N/A ", "-", "0"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!bm_values_default_na(no[i], strlen(no[i])), "%s", no[i]);
}
END_TEST

START_TEST(test_fmt)
{
	char b[48];
	static const struct {
		double v;
		const char *s;
	} t[] = {{0.1, "0.1"}, {2.5, "2.5"}, {3, "3"}, {2700, "2700"}, {-0.0, "0"}, {1e-7, "1e-07"},
	         {1.0 / 3, "0.3333333333333333"}, {35.75, "35.75"}, {1e20, "1e+20"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		bm_fmt_double(b, sizeof b, t[i].v + 0.0); /* as bm-clean writes numbers: no -0 */
		ck_assert_str_eq(b, t[i].s);
	}
}
END_TEST

/* Quoted fields longer than a vector, with line feeds anywhere in them
 * (the line numbers after them), then, past 2 MB of quoted fields (the
 * buffer then holds quotes of earlier records after the data read), a
 * field whose closing quote never comes. */
START_TEST(test_long_quoted)
{
	size_t cap = 3u << 20, n = 0;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	n += (size_t)sprintf(s + n, "a,b\n");
	uint64_t want_line = 2;
	for (int i = 0; i < 40; i++) {
		/* a field of i + 20 bytes with a line feed at i and at i + 17 */
		s[n++] = '"';
		for (int k = 0; k < i + 20; k++)
			s[n++] = k == i || k == i + 17 ? '\n' : (char)('a' + k % 26);
		n += (size_t)sprintf(s + n, "\",%d\n", i);
	}
	n += (size_t)sprintf(s + n, "end,1\n");
	bm_csv_t *r = reader(s, n, NULL);
	ck_assert_str_eq(next(r, NULL), "a|b");
	for (int i = 0; i < 40; i++) {
		uint64_t line;
		const char *got = next(r, &line);
		ck_assert_uint_eq(line, want_line);
		ck_assert_uint_eq(strlen(got), (size_t)i + 20 + 1 + (i < 10 ? 1 : 2));
		want_line += 3;
	}
	uint64_t line;
	ck_assert_str_eq(next(r, &line), "end|1");
	ck_assert_uint_eq(line, want_line);
	ck_assert_str_eq(next(r, NULL), "<eof>");
	bm_csv_close(r);

	n = (size_t)sprintf(s, "a,b\n");
	uint64_t rows = 0;
	while (n < (2u << 20)) {
		n += (size_t)sprintf(s + n, "\"x\"\"y\",\"%llu\"\n", (unsigned long long)rows);
		rows++;
	}
	n += (size_t)sprintf(s + n, "last,\"never closed\n");
	r = reader(s, n, NULL);
	const char *got;
	uint64_t seen = 0;
	while (strcmp(got = next(r, NULL), "<error>") != 0) {
		ck_assert_str_ne(got, "<eof>");
		seen++;
	}
	ck_assert_uint_eq(seen, rows + 1);
	char want[64];
	snprintf(want, sizeof want, "t.csv:%llu: unterminated quoted field", (unsigned long long)rows + 2);
	ck_assert_str_eq(bm_errmsg(), want);
	bm_csv_close(r);
	free(s);
}
END_TEST

/* Records of random pieces: quoted, doubled and unquoted quotes, quoted
 * line feeds, text after a closing quote, long fields, CRLF, lone CR, blank
 * and comment lines, a missing final line end; about 2.5 MB, so that
 * records cross the reader's buffer. Loop I: comma; ';' with '#' comments;
 * tab. */
static char *messy_csv(int i, size_t *len)
{
	static const char *const piece[] = {
		"", "12", "-3.5", "+7.25", "1e5", "abc", "\"q,uoted\"", "\"dbl\"\"q\"\"\"", "\"lf\nin\"",
		"\"after\"x", "a\"b", "\"\"", "0123456789.0123456789", "long field, long field, long",
		"\"1.5\"", " 2", "#c", "x;y", "\"cr\rin\"", "\"\"\"\"",
	};
	static const char *const eol[] = {"\n", "\n", "\n", "\n", "\r\n", "\r\n", "\r", "\n\n", "\n#note\n"};
	const char delim = i == 0 ? ',' : i == 1 ? ';' : '\t';
	size_t cap = 3u << 20, n = 0;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	uint64_t rng = 12345 + (uint64_t)i;
	while (n < (5u << 19)) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		int nf = 1 + (int)((rng >> 33) % 4);
		for (int k = 0; k < nf; k++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			/* mostly the pieces of quick records */
			size_t pi = (rng >> 40) % 4 ? (rng >> 20) % 8 : (rng >> 20) % (sizeof piece / sizeof *piece);
			if (k)
				s[n++] = delim;
			n += (size_t)sprintf(s + n, "%s", piece[pi]);
		}
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t ei = (rng >> 40) % 16 < 12 ? 0 : (rng >> 20) % (sizeof eol / sizeof *eol);
		n += (size_t)sprintf(s + n, "%s", eol[ei]);
	}
	n += (size_t)sprintf(s + n, "last%cend", delim); /* no final line end */
	*len = n;
	return s;
}

/* Append LINE and a record's fields to B as "LINE:v1|v2|...\n". */
static void show_record(bm_buf_t *b, uint64_t line, const char *const *v, const size_t *len, size_t n)
{
	char num[32];
	bm_buf_add(b, num, (size_t)snprintf(num, sizeof num, "%llu:", (unsigned long long)line));
	for (size_t k = 0; k < n; k++) {
		if (k)
			bm_buf_add(b, "|", 1);
		bm_buf_add(b, v[k], len[k]);
	}
	bm_buf_add(b, "\n", 1);
}

/* Append REC to B as show_record does. */
static void show_rec(bm_buf_t *b, const bm_csv_rec_t *rec)
{
	const char *v[8];
	size_t len[8];
	ck_assert_uint_le(rec->n, 8);
	for (size_t k = 0; k < rec->n; k++) {
		v[k] = rec->f[k].val;
		len[k] = rec->f[k].len;
	}
	show_record(b, rec->line, v, len, rec->n);
}

/* Read the records of S[0..n) with bm_csv_next into B (show_rec): their
 * count. */
static uint64_t read_all(bm_buf_t *b, const char *s, size_t n, const bm_csv_opts_t *o)
{
	bm_csv_t *r = reader(s, n, o);
	bm_csv_rec_t *rec;
	int st;
	uint64_t nrec = 0;
	while ((st = bm_csv_next(r, &rec)) > 0) {
		show_rec(b, rec);
		nrec++;
	}
	ck_assert_int_eq(st, 0);
	bm_csv_close(r);
	return nrec;
}

/* read_all with the reader at the CPU level LEVEL. */
static void all_records(bm_buf_t *b, const char *s, size_t n, const bm_csv_opts_t *o, bm_cpu_level_t level)
{
	ck_assert_int_eq(setenv("BM_CPU", bm_cpu_name(level), 1), 0);
	ck_assert_int_eq(bm_cpu_init(), 0);
	read_all(b, s, n, o);
	unsetenv("BM_CPU");
	bm_cpu_init();
}

/* The reader at the plain level (BM_CPU=generic: byte by byte) and at the
 * processor's (SSE2): the same records, values and lines. */
START_TEST(test_levels)
{
	bm_csv_opts_t o = {_i == 0 ? ',' : _i == 1 ? ';' : '\t', '"', _i == 1 ? '#' : -1, false, false};
	size_t n;
	char *s = messy_csv(_i, &n);
	bm_buf_t plain = {0}, fast = {0};
	all_records(&plain, s, n, &o, BM_CPU_GENERIC);
	all_records(&fast, s, n, &o, bm_cpu_detected());
	ck_assert_uint_eq(fast.len, plain.len);
	ck_assert(memcmp(fast.s, plain.s, plain.len) == 0);
	free(plain.s);
	free(fast.s);
	free(s);
}
END_TEST

/* The scanner's plain and SSE2 loops find the same byte, wherever the
 * delimiter, CR, LF or comment byte is in a buffer of random bytes. */
START_TEST(test_scan)
{
	unsigned char special[256];
	bm_csv_scanner_t sc;
	bm_csv_scanner_init(&sc, special, ';', '"', '#');
	char buf[256 + BM_CSV_PAD];
	uint64_t rng = 99;
	for (int t = 0; t < 20000; t++) {
		size_t n = 1 + t % 200;
		for (size_t i = 0; i < n; i++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[i] = (char)(rng >> 56);
		}
		buf[n] = '\n'; /* the sentinel */
		memset(buf + n + 1, 'x', sizeof buf - n - 1);
		for (size_t at = 0; at < n; at += 1 + at % 7) {
			char *plain = bm_csv_scan(&sc, buf + at, BM_CPU_GENERIC);
			CHECK_MSG(plain <= buf + n, "plain scan past the sentinel");
#ifdef __SSE2__
			CHECK_MSG(bm_csv_scan(&sc, buf + at, BM_CPU_SSE2) == plain, "the scans differ at %zu of %zu", at, n);
#endif
		}
	}
}
END_TEST

/* Quick records (bm_csv_quick_*) taken where they can be, the others from
 * bm_csv_next: the same records, values and lines as bm_csv_next alone;
 * the quick fields scanned plain (_i 3..5) or with SSE2. */
START_TEST(test_quick)
{
	int level = _i < 3 ? BM_CPU_SSE2 : BM_CPU_GENERIC;
	_i %= 3;
	bm_csv_opts_t o = {_i == 0 ? ',' : _i == 1 ? ';' : '\t', '"', _i == 1 ? '#' : -1, false, false};
	size_t n;
	char *s = messy_csv(_i, &n);
	bm_buf_t want = {0}, got = {0};
	uint64_t nrec = read_all(&want, s, n, &o), nquick = 0;
	bm_csv_t *r = reader(s, n, &o);
	bm_csv_rec_t *rec;
	int st;
	const char *v[8];
	size_t len[8];
	for (;;) {
		bm_csv_quick_t q;
		ck_assert(bm_csv_quick_begin(r, &q));
		while (bm_csv_quick_record(&q)) {
			size_t nf = 0;
			int end;
			do {
				ck_assert_uint_lt(nf, 8);
				end = bm_csv_quick_field(&q, &v[nf], &len[nf], level);
				nf++;
			} while (end == BM_CSV_QUICK_DELIM);
			if (end != BM_CSV_QUICK_EOL)
				break;
			show_record(&got, q.line, v, len, nf);
			bm_csv_quick_accept(&q);
			nquick++;
		}
		bm_csv_quick_end(r, &q);
		if ((st = bm_csv_next(r, &rec)) <= 0)
			break;
		show_rec(&got, rec);
	}
	ck_assert_int_eq(st, 0);
	bm_csv_close(r);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert(memcmp(got.s, want.s, want.len) == 0);
	/* most records are quick ones, and taken so */
	ck_assert_uint_gt(nquick, nrec / 2);
	ck_assert_uint_lt(nquick, nrec);
	free(want.s);
	free(got.s);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_lenient);
	tcase_add_test(tc, test_comment_delim);
	tcase_add_loop_test(tc, test_unterminated, 0, 2);
	tcase_add_test(tc, test_long_quoted);
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_loop_test(tc, test_quick, 0, 6);
	tcase_add_loop_test(tc, test_levels, 0, 3);
	tcase_add_test(tc, test_scan);
	tcase_add_loop_test(tc, test_big, 0, 2);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_strict);
	tcase_add_loop_test(tc, test_spool, 0, 2);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_numbers_random);
	tcase_add_test(tc, test_na);
	tcase_add_test(tc, test_strmap);
	tcase_add_test(tc, test_fmt);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
