/* bm_cli.h: the command-line conventions every bm program shares (bm(7)).
 *
 * Exit codes, "prog: file:line: message" errors, usage errors, --version,
 * option arguments, -j/--threads, progress on a terminal only, and the
 * checked close of stdout at exit. This is the one module of the library
 * that ends the process (bm_die, bm_usage_error, bad option arguments):
 * the programs in cmd/ use those; the rest of the library returns its
 * errors (bm_err.h) and may only use bm_x*, the out-of-memory handler.
 */
#ifndef BM_CLI_H
#define BM_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes of every program (3, a failed gate, and 4, stopped by
 * --time-limit, belong to the programs that have them). */
enum {
	BM_EXIT_OK = 0,      /* success */
	BM_EXIT_FAILURE = 1, /* runtime or data error */
	BM_EXIT_USAGE = 2,   /* bad command line */
};

/* The program's name as errors print it ("bm-tensor"); "bm" until bm_cli_init. */
extern const char *bm_prog;

/* Call first in main: sets bm_prog; holds the numbers of closed standard
 * descriptors (their reads and writes fail with EBADF, and no file opened
 * later takes their place); on SIGPIPE (never ignored or blocked: `| head`
 * ends the program quietly), SIGINT, SIGTERM and SIGHUP (unless inherited
 * ignored, as nohup leaves SIGHUP) removes pending temporary files (bm_tmp)
 * and ends by the signal; checks BM_CPU (a bad value: one line, exit 2). */
void bm_cli_init(const char *prog);

/* "prog: message" on stderr (stdout flushed first), then exit 1; pending
 * temporary files are removed. A program's way to end on a library error:
 * bm_die("%s", bm_errmsg()). */
_Noreturn void bm_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message", then "Try 'prog --help' for more information.", exit 2. */
_Noreturn void bm_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr as one write (lines from threads do not mix;
 * cut at 1 KiB); the program goes on. */
void bm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bm_vwarn(const char *fmt, va_list ap);

/* The usage error for a bad option, for getopt_long run with opterr = 0 and
 * an optstring starting with ':': pass what it returned ('?' or ':').
 * One line, as GNU tools word it, then the --help hint; exit 2. */
_Noreturn void bm_bad_option(int c, char **argv);

/* malloc, calloc and realloc that end the program with "prog: out of
 * memory" (exit 1) rather than return NULL; a size of 0 gets 1 byte. This
 * is the library's one documented out-of-memory handler: lib/ code may use
 * it where a failed allocation leaves nothing to recover. */
void *bm_xmalloc(size_t n);
void *bm_xcalloc(size_t n, size_t size);
void *bm_xrealloc(void *p, size_t n);
/* N bytes of S and a NUL, in new memory (bm_xmalloc's: out of memory ends the program). */
char *bm_xmemdup(const char *s, size_t n);

/* "prog (bm) VERSION" on stdout; for --version. */
void bm_print_version(void);

/* The value of option OPT's argument ARG, an integer (base 10) or a
 * number (strtod's syntax, not NaN) in [MIN, MAX]. Anything else is a usage
 * error naming the option ("--rows: not an integer: 'x'", "--rows: 0 is
 * out of range [1, 100]"): exit 2. */
long long bm_opt_int(const char *arg, const char *opt, long long min, long long max);
double bm_opt_double(const char *arg, const char *opt, double min, double max);

/* The threads "-j N" asks for: N from 1 to 1024, or all online cores for
 * "0" or "auto". Anything else is a usage error (exit 2). */
int bm_opt_threads(const char *arg);
/* The number of online cores, 1 to 1024: the default of -j in every program. */
int bm_online_cores(void);

/* Seconds on the monotonic clock: for durations (progress, timings). */
double bm_seconds(void);

/* Whether to draw progress: --progress forces it, -q silences it, else only
 * when stderr is a terminal. */
bool bm_progress_wanted(int forced, int quiet);

/* Flush and close stdout, checking for errors (a full disk shows up here),
 * and return the exit status to use: `return bm_cli_exit(status);`.
 * STATUS itself, or BM_EXIT_FAILURE after "prog: write error: why" (pending
 * temporary files then removed); a closed pipe (EPIPE) is not an error. */
int bm_cli_exit(int status);

#endif
