/* Unit tests of the CSV reader and writer (bm_csv) and of bm-clean's value
 * helpers (numbers, missing values, number formatting). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_clean.h"
#include "bm_csv.h"
#include "bm_io.h"

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
	bm_csv_opts_t o = {';', '"', '#', false};
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
	bm_csv_opts_t o = {',', '"', -1, _i == 1};
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
	bm_csv_opts_t o = {',', '"', -1, _i == 1};
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

START_TEST(test_writer)
{
	bm_csv_opts_t o = {',', '"', -1, false};
	char *b = NULL;
	size_t len = 0, cap = 0;
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "plain", 5, &o, false), 0);
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "a,b", 3, &o, false), 0);
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "say \"hi\"", 8, &o, false), 0);
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "l1\nl2", 5, &o, false), 0);
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "", 0, &o, false), 0);
	ck_assert_int_eq(bm_csv_append(&b, &len, &cap, "", 0, &o, true), 0);
	ck_assert_uint_eq(len, strlen("plain\"a,b\"\"say \"\"hi\"\"\"\"l1\nl2\"\"\""));
	ck_assert(memcmp(b, "plain\"a,b\"\"say \"\"hi\"\"\"\"l1\nl2\"\"\"", len) == 0);
	ck_assert(bm_csv_needs_quotes("a#", 2, &(bm_csv_opts_t){',', '"', '#', false}, false));
	ck_assert(!bm_csv_needs_quotes("a#", 2, &o, false));
	free(b);
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
		ck_assert_msg(bm_clean_parse_num(ok[i].s, strlen(ok[i].s), &v, &integral), "%s", ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s -> %.17g", ok[i].s, v);
		ck_assert_int_eq(integral, ok[i].integral);
	}
	double v;
	ck_assert(bm_clean_parse_num("-Infinity", 9, &v, NULL) && isinf(v) && v < 0);
	ck_assert(bm_clean_parse_num("inf", 3, &v, NULL) && isinf(v));
	static const char *const bad[] = {"", " ", "abc", "1x", "1e", "--1", "0x10", ".", "1,5", "e5", "nan", "1 2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!bm_clean_parse_num(bad[i], strlen(bad[i]), &v, NULL), "'%s'", bad[i]);
}
END_TEST

START_TEST(test_na)
{
	static const char *const na[] = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
	                                  "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"};
	for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
		ck_assert_msg(bm_clean_default_na(na[i], strlen(na[i])), "%s", na[i]);
	static const char *const no[] = {" NA", "na", "None", "NAN", "N/A ", "-", "0"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!bm_clean_default_na(no[i], strlen(no[i])), "%s", no[i]);
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
		bm_clean_fmt_double(b, sizeof b, t[i].v);
		ck_assert_str_eq(b, t[i].s);
	}
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
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_loop_test(tc, test_big, 0, 2);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_na);
	tcase_add_test(tc, test_fmt);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
