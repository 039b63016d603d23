/* bm_cli.c: the shared command-line conventions (see bm_cli.h). */
#include "config.h"

#include "bm_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bm_cpu.h"
#include "bm_err.h"
#include "bm_tmp.h"

const char *bm_prog = "bm";

static void on_fatal_signal(int sig)
{
	bm_tmp_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch SIG to remove pending files, then end by it as the default would. */
static void catch_fatal(int sig, bool keep_ignored)
{
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old;
	sigemptyset(&sa.sa_mask);
	if (keep_ignored && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return;
	sigaction(sig, &sa, NULL);
}

/* A standard descriptor the caller closed (`<&-`, `>&-`) would otherwise be
 * the number of the next file we open: stdout writes could land in a spool
 * or stdin read an output's temporary. An O_PATH descriptor holds the
 * number and fails every read and write with EBADF, as the closed one did. */
static void hold_closed_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
#ifdef O_PATH
		int h = open("/dev/null", O_PATH | O_CLOEXEC);
#else
		int h = open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
#endif
		if (h >= 0 && h != fd) {
			dup2(h, fd);
			close(h);
		}
	}
}

void bm_cli_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');
	bm_prog = slash ? slash + 1 : prog;
	hold_closed_std_fds();
	/* A closed pipe downstream (`| head`) ends us by SIGPIPE, quietly, as it
	 * does `cat`, even when a parent left SIGPIPE ignored or blocked; the
	 * handler first removes pending temporary files (a --test-out). */
	sigset_t pipe;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &pipe, NULL);
	catch_fatal(SIGPIPE, false);
	/* An ignored SIGINT, SIGTERM or SIGHUP stays ignored: nohup, and the
	 * background jobs of a script, rely on it. */
	catch_fatal(SIGINT, true);
	catch_fatal(SIGTERM, true);
	catch_fatal(SIGHUP, true);
	/* A bad BM_CPU is the environment's mistake, not the command line's:
	 * one line, exit 2, no --help hint. */
	if (bm_cpu_init() < 0) {
		fprintf(stderr, "%s: %s\n", bm_prog, bm_errmsg());
		exit(BM_EXIT_USAGE);
	}
}

void bm_vwarn(const char *fmt, va_list ap)
{
	/* One write of the whole line, so lines from threads do not interleave. */
	char line[1024];
	int n = snprintf(line, sizeof line, "%s: ", bm_prog);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - n, fmt, ap);
	fflush(stdout);
	fprintf(stderr, "%s\n", line);
}

void bm_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bm_vwarn(fmt, ap);
	va_end(ap);
}

void bm_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bm_vwarn(fmt, ap);
	va_end(ap);
	bm_tmp_cleanup();
	exit(BM_EXIT_FAILURE);
}

void bm_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bm_vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", bm_prog);
	bm_tmp_cleanup();
	exit(BM_EXIT_USAGE);
}

void bm_bad_option(int c, char **argv)
{
	if (c == ':')
		bm_usage_error("option '%s' requires an argument", argv[optind - 1]);
	if (optopt)
		bm_usage_error("invalid option -- '%c'", optopt);
	bm_usage_error("unrecognized option '%s'", argv[optind - 1]);
}

void *bm_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

void *bm_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

void *bm_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		bm_die("out of memory");
	return p;
}

char *bm_xmemdup(const char *s, size_t n)
{
	char *d = bm_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void bm_print_version(void)
{
	printf("%s (bm) %s\n", bm_prog, PACKAGE_VERSION);
}

long long bm_opt_int(const char *arg, const char *opt, long long min, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE)
		bm_usage_error("%s: not an integer: '%s'", opt, arg);
	if (v < min || v > max)
		bm_usage_error("%s: %lld is out of range [%lld, %lld]", opt, v, min, max);
	return v;
}

double bm_opt_double(const char *arg, const char *opt, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno == ERANGE || isnan(v))
		bm_usage_error("%s: not a number: '%s'", opt, arg);
	if (v < min || v > max)
		bm_usage_error("%s: %g is out of range [%g, %g]", opt, v, min, max);
	return v;
}

double bm_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bm_online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

int bm_opt_threads(const char *arg)
{
	if (strcmp(arg, "auto") == 0)
		return bm_online_cores();
	int n = (int)bm_opt_int(arg, "--threads", 0, 1024);
	return n == 0 ? bm_online_cores() : n;
}

bool bm_progress_wanted(int forced, int quiet)
{
	if (quiet)
		return false;
	return forced || isatty(STDERR_FILENO);
}

int bm_cli_exit(int status)
{
	/* Errors of buffered writes (a full disk, a closed pipe when SIGPIPE is
	 * ignored) only surface at flush and close. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			return status;
		bm_warn("write error: %s", strerror(errno));
		bm_tmp_cleanup();
		return BM_EXIT_FAILURE;
	}
	return status;
}
