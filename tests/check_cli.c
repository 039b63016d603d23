/* Unit tests of the CLI helpers, temporary files, the io module and number formatting. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_cli.h"
#include "bm_fmt.h"
#include "bm_io.h"
#include "bm_tmp.h"
#include "check_main.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/check_cli.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/out.txt", dir);
	bm_cli_init("check_cli");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int entries(const char *d)
{
	DIR *dp = opendir(d);
	ck_assert_ptr_nonnull(dp);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dp)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n;
}

START_TEST(option_numbers)
{
	ck_assert_int_eq(bm_opt_int("42", "--n", 0, 100), 42);
	ck_assert_int_eq(bm_opt_int("-3", "--n", -5, 5), -3);
	ck_assert(bm_opt_double("0.25", "--f", 0, 1) == 0.25);
	ck_assert_int_eq(bm_opt_threads("3"), 3);
	ck_assert_int_eq(bm_opt_threads("0"), bm_online_cores());
	ck_assert_int_eq(bm_opt_threads("auto"), bm_online_cores());
	ck_assert_int_ge(bm_online_cores(), 1);
}
END_TEST

START_TEST(bad_integer_is_usage_error) { bm_opt_int("12x", "--n", 0, 100); }
END_TEST
START_TEST(integer_out_of_range_is_usage_error) { bm_opt_int("101", "--n", 0, 100); }
END_TEST
START_TEST(bad_double_is_usage_error) { bm_opt_double("nan", "--f", 0, 1); }
END_TEST
START_TEST(bad_threads_is_usage_error) { bm_opt_threads("-1"); }
END_TEST
START_TEST(die_exits_1) { bm_die("%s", "boom"); }
END_TEST

START_TEST(progress_only_when_asked_or_terminal)
{
	ck_assert(!bm_progress_wanted(1, 1));
	ck_assert(bm_progress_wanted(1, 0));
	ck_assert(bm_progress_wanted(0, 0) == (bool)isatty(STDERR_FILENO));
}
END_TEST

START_TEST(output_is_atomic)
{
	bm_out_t *out = bm_out_open(path, 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(bm_out_printf(out, "hello %d\n", 42), 0);
	/* Nothing at the final name until commit; the temporary is hidden beside it. */
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(entries(dir), 1);
	ck_assert_int_eq(bm_out_commit(out), 0);
	ck_assert_int_eq(entries(dir), 1);
	FILE *f = fopen(path, "r");
	char line[64];
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_str_eq(line, "hello 42\n");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	mode_t mask = umask(0);
	umask(mask);
	ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);
}
END_TEST

START_TEST(abort_leaves_nothing)
{
	bm_out_t *out = bm_out_open(path, 0);
	ck_assert_int_eq(bm_out_write(out, "x", 1), 0);
	bm_out_abort(out);
	ck_assert_int_eq(entries(dir), 0);
}
END_TEST

START_TEST(abort_keeps_old_file)
{
	FILE *f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);
	bm_out_t *out = bm_out_open(path, 0);
	ck_assert_int_eq(bm_out_write(out, "new\n", 4), 0);
	bm_out_abort(out);
	char line[16];
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_str_eq(line, "old\n");
}
END_TEST

/* Run FN in a child process and return its wait status. */
static int in_child(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* Held in a static, as a program holds its output: reachable at the exit,
 * so LeakSanitizer does not count it. */
static bm_out_t *volatile dying_out; /* volatile: a store never read is otherwise dropped */

static void write_then_die(void)
{
	dying_out = bm_out_open(path, 0);
	bm_out_write(dying_out, "partial", 7);
	bm_die("failed midway");
}

static void write_then_sigterm(void)
{
	bm_out_t *out = bm_out_open(path, 0);
	bm_out_write(out, "partial", 7);
	raise(SIGTERM);
}

START_TEST(die_removes_partial_output)
{
	int status = in_child(write_then_die);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	ck_assert_int_eq(entries(dir), 0);
}
END_TEST

START_TEST(signal_removes_partial_output)
{
	int status = in_child(write_then_sigterm);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(entries(dir), 0);
}
END_TEST

/* bm_tmp: an anonymous scratch file leaves no name behind; a file beside
 * a target is pending until forgotten, and bm_tmp_cleanup removes it; a
 * full table and a missing folder are errors, not crashes. */
START_TEST(temporary_files)
{
	setenv("TMPDIR", dir, 1);
	FILE *f = bm_tmp_anon_file("check");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(entries(dir), 0);
	ck_assert_int_eq(fputs("scratch", f) >= 0, 1);
	rewind(f);
	char line[16];
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_str_eq(line, "scratch");
	fclose(f);

	char *tmp[BM_TMP_MAX_PENDING + 1];
	for (int i = 0; i < BM_TMP_MAX_PENDING; i++) {
		int fd = bm_tmp_beside(path, &tmp[i]);
		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_ptr_nonnull(strstr(tmp[i], "/.out.txt."));
	}
	ck_assert_int_eq(entries(dir), BM_TMP_MAX_PENDING);
	ck_assert_int_eq(bm_tmp_beside(path, &tmp[BM_TMP_MAX_PENDING]), -1);
	ck_assert_ptr_null(tmp[BM_TMP_MAX_PENDING]);
	char want[256];
	snprintf(want, sizeof want, "%s: too many open outputs", path);
	ck_assert_str_eq(bm_errmsg(), want);
	/* A forgotten file stays; the pending ones go. */
	ck_assert_int_eq(rename(tmp[0], path), 0);
	bm_tmp_forget(tmp[0]);
	bm_tmp_cleanup();
	ck_assert_int_eq(entries(dir), 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	for (int i = 0; i < BM_TMP_MAX_PENDING; i++)
		free(tmp[i]);

	setenv("TMPDIR", "/nonexistent", 1);
	ck_assert_int_eq(bm_tmp_anon("check"), -1);
	ck_assert_str_eq(bm_errmsg(), "cannot create a temporary file in /nonexistent: No such file or directory");
	unsetenv("TMPDIR");
}
END_TEST

static void print_to_full_disk(void)
{
	freopen("/dev/full", "w", stdout);
	printf("this cannot be written\n");
	_exit(bm_cli_exit(0));
}

START_TEST(stdout_errors_found_at_exit)
{
	int status = in_child(print_to_full_disk);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}
END_TEST

START_TEST(write_error_reported)
{
	bm_out_t *out = bm_out_open("/dev/full", 0);
	ck_assert_ptr_nonnull(out);
	char buf[4096] = {0};
	int r = 0;
	for (int i = 0; i < 1000 && r == 0; i++)
		r = bm_out_write(out, buf, sizeof buf);
	if (r == 0)
		r = bm_out_commit(out);
	else
		bm_out_abort(out);
	ck_assert_int_eq(r, -1);
	ck_assert_str_eq(bm_errmsg(), "/dev/full: write error: No space left on device");
}
END_TEST

START_TEST(missing_input_named)
{
	ck_assert_ptr_null(bm_in_open("/nonexistent/file"));
	ck_assert_str_eq(bm_errmsg(), "/nonexistent/file: No such file or directory");
	ck_assert_ptr_null(bm_in_open(dir));
	char want[128];
	snprintf(want, sizeof want, "%s: is a directory", dir);
	ck_assert_str_eq(bm_errmsg(), want);
}
END_TEST

START_TEST(getline_and_peek)
{
	FILE *f = fopen(path, "wb");
	fwrite("one\r\ntwo\n\nlast", 1, 14, f);
	fputc('\0', f);
	fputs("x", f);
	fclose(f);
	bm_in_t *in = bm_in_open(path);
	const void *p;
	ck_assert_int_eq(bm_in_peek(in, &p, 3), 3);
	ck_assert_int_eq(memcmp(p, "one", 3), 0);
	char *line = NULL;
	size_t cap = 0;
	bool eof;
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 4);
	ck_assert_str_eq(line, "one\r");
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 3);
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 0);
	ck_assert(!eof);
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 6); /* "last\0x", no final newline */
	ck_assert_int_eq(memcmp(line, "last\0x", 6), 0);
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 0);
	ck_assert(eof);
	ck_assert_uint_eq(bm_in_offset(in), 16);
	free(line);
	bm_in_close(in);
}
END_TEST

START_TEST(long_line)
{
	FILE *f = fopen(path, "wb");
	for (int i = 0; i < 1000000; i++)
		fputc('a' + i % 26, f);
	fputc('\n', f);
	fclose(f);
	bm_in_t *in = bm_in_open(path);
	char *line = NULL;
	size_t cap = 0;
	bool eof;
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, SIZE_MAX), 1000000);
	ck_assert_int_eq(line[999999], 'a' + 999999 % 26);
	bm_in_close(in);
	/* past a limit: -2, the buffer no larger than the limit allows */
	in = bm_in_open(path);
	ck_assert_ptr_nonnull(in);
	free(line);
	line = NULL;
	cap = 0;
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, 999999), -2);
	ck_assert_uint_le(cap, 1000000);
	bm_in_close(in);
	in = bm_in_open(path);
	ck_assert_int_eq(bm_in_getline(in, &line, &cap, &eof, 1000000), 1000000);
	free(line);
	bm_in_close(in);
}
END_TEST

START_TEST(shortest_float_text)
{
	char b[64];
	bm_fmt_float(b, sizeof b, 0.1f);
	ck_assert_str_eq(b, "0.1");
	bm_fmt_float(b, sizeof b, 1.0f / 3.0f);
	ck_assert_str_eq(b, "0.33333334");
	bm_fmt_float(b, sizeof b, -2.5e-7f);
	ck_assert_str_eq(b, "-2.5e-07");
	bm_fmt_float(b, sizeof b, 16777216.0f);
	ck_assert_str_eq(b, "16777216");
	bm_fmt_double(b, sizeof b, 0.1);
	ck_assert_str_eq(b, "0.1");
	bm_fmt_double(b, sizeof b, 1.0 / 3.0);
	ck_assert_str_eq(b, "0.3333333333333333");
	bm_fmt_double(b, sizeof b, 1e300 * 1e300);
	ck_assert_str_eq(b, "inf");
	bm_fmt_double(b, sizeof b, -(0.0 / 0.0 * 0.0));
	ck_assert(strcmp(b, "nan") == 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, option_numbers);
	tcase_add_exit_test(tc, bad_integer_is_usage_error, BM_EXIT_USAGE);
	tcase_add_exit_test(tc, integer_out_of_range_is_usage_error, BM_EXIT_USAGE);
	tcase_add_exit_test(tc, bad_double_is_usage_error, BM_EXIT_USAGE);
	tcase_add_exit_test(tc, bad_threads_is_usage_error, BM_EXIT_USAGE);
	tcase_add_exit_test(tc, die_exits_1, BM_EXIT_FAILURE);
	tcase_add_test(tc, progress_only_when_asked_or_terminal);
	tcase_add_test(tc, output_is_atomic);
	tcase_add_test(tc, abort_leaves_nothing);
	tcase_add_test(tc, abort_keeps_old_file);
	tcase_add_test(tc, die_removes_partial_output);
	tcase_add_test(tc, signal_removes_partial_output);
	tcase_add_test(tc, temporary_files);
	tcase_add_test(tc, stdout_errors_found_at_exit);
	tcase_add_test(tc, write_error_reported);
	tcase_add_test(tc, missing_input_named);
	tcase_add_test(tc, getline_and_peek);
	tcase_add_test(tc, long_line);
	tcase_add_test(tc, shortest_float_text);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
