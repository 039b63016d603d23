/* bm_clean_parallel.c: the one-pass --tensor path on several threads.
 *
 * A plain file is cut into parts at line feeds, a few per thread; the
 * threads take the parts in turn (bm_pool), each read by the one read loop
 * (bm_clean_read) through a reader of its own (struct part), spooling its
 * rows with its own category indices; the plan is shared, read only. A
 * part is right only if the record before it ends exactly at its start:
 * the part before, read as an input that ends there, then ends without an
 * unterminated quoted field. If any part fails (that, or a bad row: its
 * line would be the part's), everything is read again in one thread, which
 * gives the error with its line. Then, in file order, the categories are
 * merged (the same first-seen order as one thread), the scaling statistics
 * computed from the spooled numbers, and the rows replayed, each frame
 * encoded by all the threads: the same bytes for any -j.
 */
#include "config.h"

#include "bm_clean_int.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bm_pool.h"
#include "bm_stream.h"

#define PART_MIN (4u << 20) /* bytes per part at least */
/* Parts per thread: the threads take them in turn, so one slowed by other
 * work on the machine leaves the others more, not the end of its half. */
#define PARTS_PER_THREAD 4

/* bm_pool task T: part T, read (the first from the header on). Its CSV
 * reader is opened when the part is read and closed after it, so the next
 * part reuses its buffers. */
static void part_task(void *arg, int t, int worker)
{
	ctx_t *x = arg;
	struct part *p = &x->parts[t];
	(void)worker;
	bm_csv_t *r = bm_csv_open_range(p->fd, p->rd.fname, p->off, p->len, &x->csv);
	p->status = r ? bm_clean_read(x, &p->rd, r, PASS_WRITE, t == 0) : -1;
	bm_csv_close(r);
}

void bm_clean_parts_free(ctx_t *x)
{
	for (int k = 0; k < x->nparts; k++) {
		struct part *p = &x->parts[k];
		if (p->remap)
			for (size_t j = 0; j < x->nsel; j++)
				free(p->remap[j]);
		free(p->remap);
		bm_clean_encode_maps_free(x, p->xmap);
		bm_clean_rd_free(x, &p->rd);
	}
	free(x->parts);
	x->parts = NULL;
	x->nparts = 0;
}

/* The offset just after the first line feed at or after OFF, or 0. */
static uint64_t next_line(int fd, uint64_t off, uint64_t size)
{
	char buf[1 << 16];
	while (off < size) {
		ssize_t n = pread(fd, buf, sizeof buf, (off_t)off);
		if (n <= 0)
			return 0;
		char *nl = memchr(buf, '\n', (size_t)n);
		if (nl)
			return off + (uint64_t)(nl - buf) + 1;
		off += (uint64_t)n;
	}
	return 0;
}

/* bm_spool_each's function: a spooled row's numbers in the scaling statistics. */
static int scale_row(void *arg, const unsigned char *row)
{
	ctx_t *x = arg;
	for (size_t j = 0; j < x->nsel; j++)
		if (x->dec[j].slot_num)
			bm_clean_scale_add(&x->c[j], bm_clean_slot_num(x->sw, row, j), 1);
	return 0;
}

/* The cuts of a plain regular file FD of at least two parts: *NP parts, at
 * line feeds; NULL when it is not one. */
static uint64_t *cut_parts(const ctx_t *x, int fd, int *np)
{
	struct stat st;
	unsigned char magic[2];
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < 2 * PART_MIN ||
	    pread(fd, magic, 2, 0) != 2 || (magic[0] == 0x1f && magic[1] == 0x8b))
		return NULL;
	uint64_t size = (uint64_t)st.st_size;
	int n = x->o->threads * PARTS_PER_THREAD;
	if (size / PART_MIN < (uint64_t)n)
		n = (int)(size / PART_MIN);
	uint64_t *cut = bm_xcalloc((size_t)n + 1, sizeof *cut);
	cut[n] = size;
	for (int k = 1; k < n; k++) {
		cut[k] = next_line(fd, size / (uint64_t)n * (uint64_t)k, size);
		if (!(cut[k] > cut[k - 1] && cut[k] < size)) {
			free(cut);
			return NULL;
		}
	}
	*np = n;
	return cut;
}

/* The header at the start of FD (PATH): the plan set up from it. 1: ready
 * for the parts (every column's type known); 0: not; -1: an error. */
static int read_header(ctx_t *x, int fd, const char *path, uint64_t len)
{
	bm_csv_t *r = bm_csv_open_range(fd, path, 0, len, &x->csv);
	if (!r)
		return -1;
	bm_csv_rec_t *rec;
	int rc = bm_csv_next(r, &rec) > 0;
	if (rc && !x->ready) {
		x->rd.fname = path;
		x->rd.line = rec->line;
		if (bm_clean_begin(x, &x->rd, rec) < 0)
			rc = -1;
	}
	for (size_t j = 0; rc == 1 && j < x->nsel; j++)
		rc = x->c[j].type != T_UNDECIDED; /* decided by the first value */
	bm_csv_close(r);
	return rc;
}

/* The parts' categories merged into the run's, in file order (part 0's are
 * the run's; the others remapped), and their counts. 0, or -1. */
static int merge_parts(ctx_t *x, const char *path)
{
	for (int k = 0; k < x->nparts; k++) {
		struct part *p = &x->parts[k];
		bm_clean_rd_merge_counts(x, &p->rd);
		if (k == 0) {
			bm_clean_take_cats(x, &p->rd);
			continue;
		}
		p->remap = bm_xcalloc(x->nsel, sizeof *p->remap);
		for (size_t j = 0; j < x->nsel; j++) {
			col_t *c = &x->c[j];
			const bm_strmap_t *wc = &p->rd.seen[j].cats;
			if (!wc->n)
				continue;
			p->remap[j] = bm_xmalloc(wc->n * sizeof *p->remap[j]);
			for (size_t i = 0; i < wc->n; i++) {
				const bm_strmap_ent_t *e = &wc->e[i];
				int64_t g = bm_strmap_get(&c->cats, e->key, e->len, true);
				if (g >= (int64_t)SLOT_MISSING4) {
					bm_seterr("%s: column '%s': too many categories", path, c->name);
					return -1;
				}
				c->cats.e[g].count += e->count;
				p->remap[j][i] = g;
			}
		}
	}
	return 0;
}

int bm_clean_parallel(ctx_t *x)
{
	const bm_clean_opts_t *o = x->o;
	if (o->threads < 2 || o->dedup || o->split >= 0 || o->ffill || x->nfiles > 1)
		return 0;
	const char *path = x->nfiles ? x->files[0] : "-";
	bool is_stdin = strcmp(path, "-") == 0;
	/* Only a regular file is cut in parts; opening anything else (a FIFO)
	 * to find out would lose it for the one-thread read. */
	struct stat st;
	if (!is_stdin && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
		return 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the one-thread read says why */
	int np = 0, rc;
	uint64_t *cut = cut_parts(x, fd, &np);
	if (!cut || (rc = read_header(x, fd, path, cut[1])) <= 0) {
		rc = cut ? rc : 0;
		free(cut);
		if (!is_stdin)
			close(fd);
		return rc;
	}
	x->lean = bm_clean_lean_ok(x);
	x->parts = bm_xcalloc((size_t)np, sizeof *x->parts);
	x->nparts = np;
	for (int k = 0; k < np && rc == 1; k++) {
		struct part *p = &x->parts[k];
		*p = (struct part){.fd = fd, .off = cut[k], .len = cut[k + 1] - cut[k]};
		bm_clean_rd_init(x, &p->rd);
		p->rd.fname = path;
		if (bm_clean_spool_open(x, &p->rd, SPOOL_MEM / (size_t)np) < 0)
			rc = -1;
	}
	free(cut);
	if (rc == 1) {
		bm_pool_run(np, o->threads, part_task, x);
		for (int k = 0; k < np; k++)
			rc &= x->parts[k].status == 0;
	}
	if (!is_stdin)
		close(fd);
	if (rc != 1) {
		bm_clean_parts_free(x);
		return rc;
	}
	if (is_stdin)
		lseek(fd, 0, SEEK_END); /* read, as by one thread */
	if (merge_parts(x, path) < 0)
		return -1;
	if (x->num_stats)
		for (int k = 0; k < np; k++)
			bm_spool_each(&x->parts[k].rd.spool, scale_row, x, false);
	return 1;
}

/* A frame of the parallel replay: its first row (of all the spooled
 * rows, in order), and where each part's rows begin. */
typedef struct {
	const ctx_t *x;
	uint64_t g0;
	size_t rows, per;      /* rows in the frame, and per task */
	const uint64_t *start; /* [nparts + 1] */
} replay_job_t;

/* Task T: rows [T * per, (T + 1) * per) of the frame, each from its part. */
static void replay_task(void *arg, int t, int worker)
{
	const replay_job_t *j = arg;
	const ctx_t *x = j->x;
	const dest_t *d = &x->dest[0];
	(void)worker;
	size_t end = (size_t)(t + 1) * j->per < j->rows ? (size_t)(t + 1) * j->per : j->rows;
	int k = 0;
	for (size_t r = (size_t)t * j->per; r < end; r++) {
		uint64_t g = j->g0 + r;
		while (g >= j->start[k + 1])
			k++;
		const struct part *p = &x->parts[k];
		bm_clean_encode_row(x, bm_spool_row(&p->rd.spool, g - j->start[k]), p->xmap, d->x + r * x->d, d->y, r);
	}
}

/* The encoding is a sixth of the time of --tensor, and the parts are read
 * in parallel already: each frame's rows are encoded by all the threads. */
int bm_clean_replay_parallel(ctx_t *x, bool *done)
{
	*done = false;
	if (x->o->threads < 2 || x->ndest != 1 || x->nparts < 1)
		return 0;
	uint64_t *start = bm_xcalloc((size_t)x->nparts + 1, sizeof *start);
	for (int k = 0; k < x->nparts; k++) {
		if (!bm_spool_in_memory(&x->parts[k].rd.spool)) {
			free(start);
			return 0;
		}
		start[k + 1] = start[k] + bm_spool_rows(&x->parts[k].rd.spool);
	}
	dest_t *d = &x->dest[0];
	int rc = 0;
	for (uint64_t g0 = 0; g0 < start[x->nparts] && rc == 0; g0 += x->frame_rows) {
		size_t rows = start[x->nparts] - g0 < x->frame_rows ? (size_t)(start[x->nparts] - g0) : x->frame_rows;
		int tasks = x->o->threads;
		replay_job_t j = {x, g0, rows, (rows + (size_t)tasks - 1) / (size_t)tasks, start};
		bm_pool_run(tasks, x->o->threads, replay_task, &j);
		d->rows = rows;
		rc = bm_clean_flush_tensor(x, d, false);
	}
	free(start);
	*done = true;
	return rc;
}
