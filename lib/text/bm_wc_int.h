/* bm_wc_int.h: the word counter's insides, shared by its modules (not
 * installed):
 *
 *   bm_wordcount.c  the counter object: options, new, free, finish, totals
 *   bm_wc_count.c   one thread's counting: the scans (bm_tok.h) compiled per
 *                   CPU level, words hashed and counted into its map
 *   bm_wc_read.c    the parallel read: files mapped or streamed, cut into
 *                   blocks at word boundaries, counted by bm_pool workers
 *   bm_wc_merge.c   --merge: word<TAB>count lines added in
 *   bm_wc_result.c  after counting: maps combined by part, sorted, written
 */
#ifndef BM_WC_INT_H
#define BM_WC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "bm_cpu.h"
#include "bm_hashmap.h"
#include "bm_wordcount.h"

/* One thread's counting state. */
typedef struct bm_wc_ctx {
	bm_hashmap_t map;
	uint8_t *fold; /* scratch for lowercased long words */
	size_t fold_cap;
	bool fold_case;
	uint64_t min_length;
	int err; /* 0, ENOMEM, or E2BIG: a word longer than BM_WC_MAX_WORD */
	uint64_t err_off; /* E2BIG: where that word starts in the whole input */
} bm_wc_ctx_t;

/* Count the words of P[0..N) (both ends word boundaries) into C; OFF is the
 * position of P in the whole input. Failures are left in C->err. */
typedef void bm_wc_scan_fn(bm_wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off);

/* A mapped file, unmapped when its last block is counted. */
typedef struct bm_wc_mapped {
	void *addr;
	size_t len;
	atomic_int refs;
} bm_wc_mapped_t;

typedef struct bm_wc_buf {
	uint8_t *p;
	size_t cap;
} bm_wc_buf_t;

/* A block of input to count. */
typedef struct bm_wc_job {
	const uint8_t *p;
	size_t n;
	uint64_t off;          /* position of P in the whole input */
	bm_wc_mapped_t *map;   /* or NULL */
	bm_wc_buf_t buf;       /* stream buffer to give back, or {NULL} */
} bm_wc_job_t;

/* The parallel read (bm_wc_read.c): a bounded queue of jobs from the
 * calling thread to the counting tasks, and the stream buffers. */
typedef struct bm_wc_read {
	bool running; /* tasks spawned on bm_pool: the queue and buffers are shared */
	bool closing;
	pthread_mutex_t mu;
	pthread_cond_t can_take, can_put, buf_free;
	bm_wc_job_t *queue;
	size_t qcap, qhead, qlen;
	bm_wc_buf_t *free_bufs;
	size_t nfree, nbufs, max_bufs;
	size_t page;
} bm_wc_read_t;

/* A word to sort: keys compared first, then the word itself. */
typedef struct bm_wc_item {
	uint64_t k1, k2;
	const bm_hm_slot_t *s;
} bm_wc_item_t;

typedef struct bm_wc_run {
	bm_wc_item_t *v;
	size_t n;
} bm_wc_run_t;

struct bm_wc {
	bm_wc_opts_t o;
	int nctx;
	bm_wc_ctx_t *ctx; /* one per thread, each with its own map */
	bm_wc_scan_fn *scan;
	uint64_t offset;  /* input positions handed out so far */
	bool finished;
	uint64_t total;
	bm_wc_read_t rd;
	/* after bm_wc_finish, map T holds the whole count of every key of
	 * part T (the keys of other parts in it are stale); sorting makes
	 * each part a run */
	unsigned nparts;
	bm_wc_run_t *runs;
	bm_wc_word_t *view;
};

/* ---- bm_wc_count.c ---- */

/* The scan for LEVEL (the best at or below it) and the kind of words. */
bm_wc_scan_fn *bm_wc_scanner(bm_cpu_level_t level, bool alnum);
/* Set up C for options O; -1 when out of memory. */
int bm_wc_ctx_init(bm_wc_ctx_t *c, const bm_wc_opts_t *o);
void bm_wc_ctx_free(bm_wc_ctx_t *c);
/* W lowercased (ASCII A-Z) into C's scratch; NULL when out of memory. */
const uint8_t *bm_wc_fold(bm_wc_ctx_t *c, const uint8_t *w, size_t len);
/* Characters of a word (bytes that are not UTF-8 continuation bytes),
 * counted up to LIMIT. */
uint64_t bm_wc_chars_upto(const uint8_t *p, size_t n, uint64_t limit);

/* ---- bm_wc_read.c ---- */

/* Set up WC's read state; -1 when out of memory. */
int bm_wc_read_init(bm_wc_t *wc);
/* Wait for the counting tasks to finish their work (idempotent). */
void bm_wc_read_stop(bm_wc_t *wc);
void bm_wc_read_free(bm_wc_t *wc);

/* ---- bm_wc_result.c ---- */

/* Make map T the result of part T for every T (the counts of all maps
 * summed, by part); 0, or -1 with bm_errmsg(). */
int bm_wc_combine(bm_wc_t *wc);
/* Whether used slot S of map T holds the result for its key. */
static inline bool bm_wc_owned(const bm_wc_t *wc, unsigned t, const bm_hm_slot_t *s)
{
	return wc->nparts == 1 || bm_hm_part(s->tag, wc->nparts) == t;
}

#endif
