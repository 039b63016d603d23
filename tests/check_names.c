/* Unit tests of the name frames' reader: one rule for the trailing newline,
 * empty names, and the errors. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "bm_err.h"
#include "bm_names.h"
#include "check_main.h"

static bm_names_t nm;

static void parse_ok(const char *s, size_t len, size_t n)
{
	ck_assert_int_eq(bm_names_parse(&nm, s, len, "class"), 0);
	ck_assert_uint_eq(nm.n, n);
}

START_TEST(test_split)
{
	parse_ok("a\nbb\nccc", 8, 3);
	ck_assert_str_eq(nm.names[0], "a");
	ck_assert_str_eq(nm.names[1], "bb");
	ck_assert_str_eq(nm.names[2], "ccc");
	bm_names_free(&nm);
	ck_assert_ptr_null(nm.names);
}
END_TEST

START_TEST(test_trailing_newline)
{
	/* One trailing newline ends the last name; a second makes an empty name. */
	parse_ok("a\nb\n", 4, 2);
	ck_assert_str_eq(nm.names[1], "b");
	bm_names_free(&nm);
	parse_ok("a\nb\n\n", 5, 3);
	ck_assert_str_eq(nm.names[2], "");
	bm_names_free(&nm);
	parse_ok("\nb", 2, 2);
	ck_assert_str_eq(nm.names[0], "");
	bm_names_free(&nm);
}
END_TEST

START_TEST(test_errors)
{
	ck_assert_int_eq(bm_names_parse(&nm, "", 0, "class"), -1);
	ck_assert_str_eq(bm_errmsg(), "no class names");
	ck_assert_int_eq(bm_names_parse(&nm, "\n", 1, "column"), -1);
	ck_assert_str_eq(bm_errmsg(), "no column names");
	ck_assert_int_eq(bm_names_parse(&nm, "a\0b", 3, "class"), -1);
	ck_assert_str_eq(bm_errmsg(), "a class name holds a NUL byte");
	ck_assert_uint_eq(nm.n, 0);
	bm_names_free(&nm);
}
END_TEST

int main(void)
{
	return run_tests("names", 60, NULL, NULL,
			 CHECK_TESTS(test_split, test_trailing_newline, test_errors));
}
