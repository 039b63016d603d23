/* bm_clean_input.c: bm-clean's inputs and its progress lines: those that
 * cannot be opened again kept in temporary files for the passes that read
 * them again, the inputs opened for each pass, and the records read so far on stderr
 * (--progress), added to from every thread and drawn by one (see
 * bm_clean_int.h). */
#include "config.h"

#include "bm_clean_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether PATH can be opened again for another pass: a regular file. */
static bool reopenable(const char *path)
{
	struct stat st;
	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* PATH's decompressed bytes copied to a new temporary file: its descriptor, or -1. */
static int spool_input(const char *path)
{
	FILE *f = bm_tmpfile();
	if (!f)
		return -1;
	int fd = dup(fileno(f));
	fclose(f);
	if (fd < 0) {
		bm_seterr("dup: %s", strerror(errno));
		return -1;
	}
	bm_in_t *in = bm_in_open(path);
	if (!in) {
		close(fd);
		return -1;
	}
	char *buf = bm_xmalloc(1 << 20);
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = bm_in_read(in, buf, 1 << 20)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				bm_seterr("%s: spooling to a temporary file: %s", path, strerror(errno));
				rc = -1;
				break;
			}
			off += w;
		}
	}
	if (rc == 0 && n < 0)
		rc = -1;
	free(buf);
	bm_in_close(in);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int bm_clean_spool_inputs(ctx_t *x)
{
	int n = x->nfiles ? x->nfiles : 1;
	x->spool = bm_xmalloc((size_t)n * sizeof *x->spool);
	for (int i = 0; i < n; i++)
		x->spool[i] = -1;
	for (int i = 0; i < n; i++) {
		const char *path = x->nfiles ? x->files[i] : "-";
		if (!reopenable(path) && (x->spool[i] = spool_input(path)) < 0)
			return -1;
	}
	return 0;
}

bm_in_t *bm_clean_open_input(ctx_t *x, int i)
{
	const char *path = x->nfiles ? x->files[i] : "-";
	if (x->spool && x->spool[i] >= 0) {
		int fd = dup(x->spool[i]);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			bm_seterr("%s: rereading its spooled copy: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		return bm_in_fdopen(fd, path);
	}
	return bm_in_open(path);
}

/* ---- progress ---- */

struct progress {
	uint64_t rows;    /* records read by all threads (atomic adds) */
	double t0, last;
	const char *what;
	pthread_t owner;  /* the thread that draws */
};

static void progress_draw(struct progress *p, double t, const char *end)
{
	uint64_t rows = __atomic_load_n(&p->rows, __ATOMIC_RELAXED);
	double dt = t - p->t0;
	fprintf(stderr, "\rbm-clean: %s: %" PRIu64 " rows in %.1f s (%.0f rows/s)%s", p->what, rows, dt,
	        dt > 0 ? (double)rows / dt : 0.0, end);
}

void bm_clean_progress_start(ctx_t *x, const char *what)
{
	if (!x->o->progress)
		return;
	if (!x->prog)
		x->prog = bm_xcalloc(1, sizeof *x->prog);
	struct progress *p = x->prog;
	p->rows = 0;
	p->t0 = p->last = bm_seconds();
	p->what = what;
	p->owner = pthread_self();
}

/* Redrawn at most 4 times a second, by the owner thread. */
void bm_clean_progress_add(const ctx_t *x, uint64_t n)
{
	struct progress *p = x->prog;
	if (!p)
		return;
	__atomic_fetch_add(&p->rows, n, __ATOMIC_RELAXED);
	if (!pthread_equal(pthread_self(), p->owner))
		return;
	double t = bm_seconds();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	progress_draw(p, t, "   ");
}

void bm_clean_progress_end(const ctx_t *x)
{
	if (x->prog)
		progress_draw(x->prog, bm_seconds(), "\n");
}

bool bm_clean_progress_any(const ctx_t *x)
{
	return x->prog && x->prog->rows;
}
