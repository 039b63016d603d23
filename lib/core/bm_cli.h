/* bm_cli.h: the command-line conventions every bm program shares.
 *
 * Exit codes, "prog: file:line: message" errors, usage errors, --version,
 * number parsing for options, -j/--threads, progress on a terminal only,
 * and the checked close of stdout at exit. See bm(7).
 */
#ifndef BM_CLI_H
#define BM_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
	BM_EXIT_OK = 0,      /* success */
	BM_EXIT_FAILURE = 1, /* runtime or data error */
	BM_EXIT_USAGE = 2,   /* bad command line */
};

/* The program's name as errors print it ("bm-tensor"). */
extern const char *bm_prog;

/* Call first in main: sets bm_prog, restores default SIGPIPE (so `| head`
 * ends the program quietly), removes pending temporary files (bm_tmp) on
 * SIGINT/SIGTERM/SIGHUP, and checks BM_CPU (a bad value: one line, exit 2). */
void bm_cli_init(const char *prog);

/* "prog: message" on stderr, then exit 1 (pending temporary files removed). */
_Noreturn void bm_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message", "Try 'prog --help' for more information.", exit 2. */
_Noreturn void bm_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr; the program goes on. */
void bm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bm_vwarn(const char *fmt, va_list ap);

/* The usage error for a bad option, for getopt_long run with opterr = 0 and
 * an optstring starting with ':': pass what it returned ('?' or ':').
 * One line, as GNU tools word it, then the --help hint; exit 2. */
_Noreturn void bm_bad_option(int c, char **argv);

/* malloc, calloc and realloc that end the program with "prog: out of
 * memory" (exit 1) rather than return NULL; a size of 0 gets 1 byte. */
void *bm_xmalloc(size_t n);
void *bm_xcalloc(size_t n, size_t size);
void *bm_xrealloc(void *p, size_t n);
/* N bytes of S and a NUL, in new memory. */
char *bm_xmemdup(const char *s, size_t n);

/* "prog (bm) VERSION" on stdout; for --version. */
void bm_print_version(void);

/* Parse an option argument; a bad value is a usage error naming the option. */
long long bm_opt_int(const char *arg, const char *opt, long long min, long long max);
double bm_opt_double(const char *arg, const char *opt, double min, double max);

/* Parse "-j N": 1..1024 threads; "0" or "auto" means all online cores. */
int bm_opt_threads(const char *arg);
/* Number of online cores (at least 1): the default of -j. */
int bm_online_cores(void);

/* Seconds on the monotonic clock: for durations (progress, timings). */
double bm_seconds(void);

/* Whether to draw progress: --progress forces it, -q silences it, else only
 * when stderr is a terminal. */
bool bm_progress_wanted(int forced, int quiet);

/* Flush and close stdout, checking for errors (a full disk shows up here);
 * returns the exit status to use: `return bm_cli_exit(status);`. */
int bm_cli_exit(int status);

#endif
