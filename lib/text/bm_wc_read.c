/* bm_wc_read.c: the parallel read (see bm_wc_int.h).
 *
 * The calling thread maps plain files and cuts them into blocks ending at
 * separators, or reads streams (pipes, gzip) into a few buffers, each
 * ending at a separator too; the blocks go through a bounded queue to
 * counting tasks on bm_pool, task T counting into map T. With one thread,
 * or when no helper thread can start, the caller counts each block itself
 * into map 0. Which map counts a word never changes the result
 * (bm_wc_result.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bm_pool.h"
#include "bm_tok.h"
#include "bm_wc_int.h"

int bm_wc_read_init(bm_wc_t *wc)
{
	bm_wc_read_t *r = &wc->rd;
	long page = sysconf(_SC_PAGESIZE);
	r->page = page > 0 ? (size_t)page : 4096;
	r->max_bufs = (size_t)wc->nctx + 2;
	r->qcap = 2 * (size_t)wc->nctx + 2;
	r->free_bufs = calloc(r->max_bufs, sizeof *r->free_bufs);
	r->queue = calloc(r->qcap, sizeof *r->queue);
	if (!r->free_bufs || !r->queue)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->can_take, NULL);
	pthread_cond_init(&r->can_put, NULL);
	pthread_cond_init(&r->buf_free, NULL);
	return 0;
}

void bm_wc_read_free(bm_wc_t *wc)
{
	bm_wc_read_t *r = &wc->rd;
	bm_wc_read_stop(wc);
	if (r->queue) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->can_take);
		pthread_cond_destroy(&r->can_put);
		pthread_cond_destroy(&r->buf_free);
	}
	free(r->queue);
	if (r->free_bufs)
		for (size_t k = 0; k < r->nfree; k++)
			free(r->free_bufs[k].p);
	free(r->free_bufs);
	memset(r, 0, sizeof *r);
}

static void release_map(bm_wc_mapped_t *m)
{
	if (atomic_fetch_sub(&m->refs, 1) == 1) {
		munmap(m->addr, m->len);
		free(m);
	}
}

/* Lock R's mutex when the queue and buffers are shared. */
static void lock(bm_wc_read_t *r)
{
	if (r->running)
		pthread_mutex_lock(&r->mu);
}

static void unlock(bm_wc_read_t *r)
{
	if (r->running)
		pthread_mutex_unlock(&r->mu);
}

static void give_back_buf(bm_wc_t *wc, bm_wc_buf_t b)
{
	bm_wc_read_t *r = &wc->rd;
	lock(r);
	r->free_bufs[r->nfree++] = b;
	if (r->running)
		pthread_cond_signal(&r->buf_free);
	unlock(r);
}

static void run_job(bm_wc_t *wc, bm_wc_ctx_t *c, bm_wc_job_t *j)
{
	if (!c->err && j->n)
		wc->scan(c, j->p, j->n, j->off);
	if (j->map) {
		/* Drop the counted pages from our memory (they stay in the page
		 * cache), so memory does not grow with the input. */
		size_t page = wc->rd.page;
		uintptr_t lo = ((uintptr_t)j->p + page - 1) & ~(uintptr_t)(page - 1);
		uintptr_t hi = ((uintptr_t)j->p + j->n) & ~(uintptr_t)(page - 1);
		if (hi > lo)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
		release_map(j->map);
	}
	if (j->buf.p)
		give_back_buf(wc, j->buf);
}

/* bm_pool task T: count the queued jobs into map T until the queue closes. */
static void count_task(void *arg, int t, int worker)
{
	(void)worker;
	bm_wc_t *wc = arg;
	bm_wc_read_t *r = &wc->rd;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (r->qlen == 0 && !r->closing)
			pthread_cond_wait(&r->can_take, &r->mu);
		if (r->qlen == 0) {
			pthread_mutex_unlock(&r->mu);
			return;
		}
		bm_wc_job_t j = r->queue[r->qhead];
		r->qhead = (r->qhead + 1) % r->qcap;
		r->qlen--;
		pthread_cond_signal(&r->can_put);
		pthread_mutex_unlock(&r->mu);
		run_job(wc, &wc->ctx[t], &j);
	}
}

void bm_wc_read_stop(bm_wc_t *wc)
{
	bm_wc_read_t *r = &wc->rd;
	if (!r->running)
		return;
	pthread_mutex_lock(&r->mu);
	r->closing = true;
	pthread_cond_broadcast(&r->can_take);
	pthread_mutex_unlock(&r->mu);
	bm_pool_join();
	r->running = false;
}

/* Hand a job to the counting tasks, or count it here (one thread, or no
 * helper could start, or the tasks have stopped). */
static int submit(bm_wc_t *wc, bm_wc_job_t j)
{
	bm_wc_read_t *r = &wc->rd;
	if (wc->nctx > 1 && !r->running && !r->closing) {
		r->closing = bm_pool_spawn(wc->nctx, count_task, wc) == 0;
		r->running = !r->closing;
	}
	if (!r->running) {
		run_job(wc, &wc->ctx[0], &j);
		return 0;
	}
	pthread_mutex_lock(&r->mu);
	while (r->qlen == r->qcap)
		pthread_cond_wait(&r->can_put, &r->mu);
	r->queue[(r->qhead + r->qlen) % r->qcap] = j;
	r->qlen++;
	pthread_cond_signal(&r->can_take);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* A stream buffer of at least MIN bytes (waits for one when all are in use). */
static int take_buf(bm_wc_t *wc, size_t min, bm_wc_buf_t *out)
{
	bm_wc_read_t *r = &wc->rd;
	bm_wc_buf_t b = {NULL, 0};
	lock(r);
	if (r->nfree == 0 && r->nbufs < r->max_bufs) {
		r->nbufs++;
	} else {
		while (r->nfree == 0)
			pthread_cond_wait(&r->buf_free, &r->mu);
		b = r->free_bufs[--r->nfree];
	}
	unlock(r);
	if (!b.p || b.cap < min) {
		size_t cap = min > wc->o.block_size ? min : wc->o.block_size;
		uint8_t *p = realloc(b.p, cap);
		if (!p) {
			free(b.p);
			lock(r);
			r->nbufs--;
			unlock(r);
			bm_seterr("out of memory");
			return -1;
		}
		b.p = p;
		b.cap = cap;
	}
	*out = b;
	return 0;
}

/* Cut N bytes of mapped text into blocks ending at separators. */
static int submit_text(bm_wc_t *wc, const uint8_t *p, size_t n, bm_wc_mapped_t *map)
{
	size_t bs = wc->o.block_size;
	size_t pos = 0;
	int rc = 0;
	while (pos < n && rc == 0) {
		size_t end = n - pos <= bs ? n : pos + bs;
		while (end < n && !bm_tok_is_sep(wc->o.alnum, p[end]))
			end++;
		bm_wc_job_t j = {p + pos, end - pos, wc->offset + pos, map, {NULL, 0}};
		if (map)
			atomic_fetch_add(&map->refs, 1);
		rc = submit(wc, j);
		pos = end;
	}
	wc->offset += n;
	return rc;
}

int bm_wc_count_mem(bm_wc_t *wc, const void *p, size_t n)
{
	return submit_text(wc, p, n, NULL);
}

int bm_wc_count_in(bm_wc_t *wc, bm_in_t *in)
{
	bm_wc_buf_t b;
	size_t len = 0;
	if (take_buf(wc, wc->o.block_size, &b) < 0)
		return -1;
	for (;;) {
		if (len == b.cap) {
			/* No separator in the whole buffer: one long word, which
			 * starts at its start. */
			if (b.cap > BM_WC_MAX_WORD) {
				bm_seterr("%s: a word longer than %zu MiB at byte %llu", bm_in_name(in),
				          BM_WC_MAX_WORD >> 20, (unsigned long long)wc->offset);
				give_back_buf(wc, b);
				return -1;
			}
			size_t cap = b.cap * 2 <= BM_WC_MAX_WORD ? b.cap * 2 : BM_WC_MAX_WORD + 1;
			uint8_t *q = cap > b.cap ? realloc(b.p, cap) : NULL;
			if (!q) {
				bm_seterr("%s: word too long: out of memory", bm_in_name(in));
				give_back_buf(wc, b);
				return -1;
			}
			b.p = q;
			b.cap = cap;
		}
		size_t want = b.cap - len;
		ssize_t r = bm_in_read(in, b.p + len, want);
		if (r < 0) {
			give_back_buf(wc, b);
			return -1;
		}
		len += (size_t)r;
		if ((size_t)r < want) {
			if (len == 0) {
				give_back_buf(wc, b);
				return 0;
			}
			bm_wc_job_t j = {b.p, len, wc->offset, NULL, b};
			wc->offset += len;
			return submit(wc, j);
		}
		size_t k = len;
		while (k > 0 && !bm_tok_is_sep(wc->o.alnum, b.p[k - 1]))
			k--;
		if (k == 0)
			continue;
		bm_wc_buf_t nb;
		if (take_buf(wc, len - k, &nb) < 0) {
			give_back_buf(wc, b);
			return -1;
		}
		memcpy(nb.p, b.p + k, len - k);
		bm_wc_job_t j = {b.p, k, wc->offset, NULL, b};
		wc->offset += k;
		if (submit(wc, j) < 0) {
			give_back_buf(wc, nb);
			return -1;
		}
		b = nb;
		len -= k;
	}
}

/* Before the first file: size each thread's map for the words BYTES of text
 * likely hold, so that it seldom grows (a growth moves every key, a cache
 * miss each). Heaps' law with generous constants, 60 * sqrt(words), up to
 * 131072 keys (10 MiB of map per thread); more makes the map grow. */
static void reserve_for(bm_wc_t *wc, uint64_t bytes)
{
	if (wc->rd.running)
		return; /* the tasks are counting: their maps are theirs */
	uint64_t words = bytes / 6 / (uint64_t)wc->nctx, r = 0;
	while ((r + 1) * (r + 1) <= words && r < 4096)
		r++;
	uint64_t keys = 60 * r;
	if (keys > 131072)
		keys = 131072;
	for (int t = 0; t < wc->nctx; t++)
		if (wc->ctx[t].map.n == 0)
			bm_hashmap_reserve(&wc->ctx[t].map, (size_t)keys); /* a hint: failure is fine */
}

/* Map a plain, non-empty regular file; 1 when mapped and counted, 0 when
 * the file should be read as a stream instead, -1 on error. */
static int try_map(bm_wc_t *wc, int fd, const char *name)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		bm_seterr("%s: %s", name, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		bm_seterr("%s: is a directory", name);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX)
		return 0;
	off_t start = lseek(fd, 0, SEEK_CUR); /* stdin may have been read from */
	if (start < 0 || start >= st.st_size)
		return start < 0 ? 0 : 1;
	unsigned char magic[2];
	ssize_t r = pread(fd, magic, 2, start);
	if (r == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return 0;
	size_t len = (size_t)st.st_size;
	void *addr = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (addr == MAP_FAILED)
		return 0;
	madvise(addr, len, MADV_SEQUENTIAL);
	bm_wc_mapped_t *m = malloc(sizeof *m);
	if (!m) {
		munmap(addr, len);
		bm_seterr("out of memory");
		return -1;
	}
	m->addr = addr;
	m->len = len;
	atomic_init(&m->refs, 1);
	reserve_for(wc, len - (size_t)start);
	int rc = submit_text(wc, (const uint8_t *)addr + start, len - (size_t)start, m);
	release_map(m);
	lseek(fd, st.st_size, SEEK_SET);
	return rc < 0 ? -1 : 1;
}

int bm_wc_count_file(bm_wc_t *wc, const char *path)
{
	bool std = !path || strcmp(path, "-") == 0;
	const char *name = std ? "-" : path;
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bm_seterr("%s: %s", name, strerror(errno));
		return -1;
	}
	int rc = try_map(wc, fd, name);
	if (rc != 0) {
		if (!std)
			close(fd);
		return rc < 0 ? -1 : 0;
	}
	bm_in_t *in = std ? bm_in_open(NULL) : bm_in_fdopen(fd, name);
	if (!in)
		return -1;
	rc = bm_wc_count_in(wc, in);
	bm_in_close(in);
	return rc;
}
