/* bm_wordcount.h: word frequencies of text, in parallel, mergeable.
 *
 * A counter (bm_wc_t) takes any number of inputs: files (mapped into memory
 * when they are plain regular files, read through bm_in_t otherwise, so gzip
 * is decompressed), stdin, memory, or word<TAB>count lines to merge. Each
 * input ends a word. With threads > 1 the input is cut at word boundaries
 * into blocks that tasks on the thread pool (bm_pool) count into their own
 * hash maps, combined at bm_wc_finish(); the result never depends on the
 * number of threads. The word scan is the one bm_cpu() picks (plain C,
 * SSE2 or AVX2; BM_CPU forces one), with the same result on every path.
 *
 * Words: maximal runs of bytes other than ASCII whitespace (space, \t, \n,
 * \v, \f, \r), or with `alnum` maximal runs of ASCII letters, digits and
 * bytes >= 0x80 (UTF-8 multibyte characters). `ignore_case` folds A-Z to
 * a-z. `min_length` counts characters: bytes that are not UTF-8
 * continuation bytes (0x80-0xbf).
 *
 * Functions that can fail return -1 (or NULL) with a one-line message in
 * bm_errmsg().
 */
#ifndef BM_WORDCOUNT_H
#define BM_WORDCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bm_io.h"

typedef struct bm_wc_opts {
	int threads;         /* counting threads [1] */
	bool ignore_case;    /* fold ASCII A-Z to a-z */
	bool alnum;          /* words of letters, digits and bytes >= 0x80 */
	uint64_t min_length; /* drop words of fewer characters [0] */
	size_t block_size;   /* bytes of input per unit of work [1 MiB] */
	bool positions;      /* keep each word's first position, which
			      * BM_WC_SORT_NONE needs [true] */
} bm_wc_opts_t;

/* The longest word: a longer one is an error ("a word longer than 64 MiB"),
 * not cut, so no count is silently wrong; memory stays bounded by it. */
#define BM_WC_MAX_WORD ((size_t)64 << 20)

#define BM_WC_BLOCK_DEFAULT ((size_t)1 << 20)
#define BM_WC_BLOCK_MIN ((size_t)16)

typedef enum {
	BM_WC_SORT_COUNT, /* count descending, then word ascending (bytewise) */
	BM_WC_SORT_WORD,  /* word ascending (bytewise) */
	BM_WC_SORT_NONE,  /* order of first appearance in the input */
} bm_wc_sort_t;

typedef enum {
	BM_WC_TSV,   /* word<TAB>count */
	BM_WC_SPACE, /* word count */
} bm_wc_format_t;

typedef struct bm_wc bm_wc_t;

/* Defaults: 1 thread, whitespace words, no folding, 1 MiB blocks, positions kept. */
void bm_wc_opts_init(bm_wc_opts_t *o);

/* A new, empty counter with options O (the scan chosen by bm_cpu() now);
 * NULL when out of memory. */
bm_wc_t *bm_wc_new(const bm_wc_opts_t *o);
/* Free WC (NULL: nothing), waiting for its threads first. */
void bm_wc_free(bm_wc_t *wc);

/* Count the words of PATH (NULL or "-": stdin). Returns 0, or -1 when it
 * cannot be opened or read ("PATH: why") or out of memory. */
int bm_wc_count_file(bm_wc_t *wc, const char *path);
/* Count the words of an open input to its end; 0, or -1 as above. */
int bm_wc_count_in(bm_wc_t *wc, bm_in_t *in);
/* Count the words of N bytes at P, which must stay valid until
 * bm_wc_finish(); 0, or -1 when out of memory. */
int bm_wc_count_mem(bm_wc_t *wc, const void *p, size_t n);

/* Add the word<TAB>count lines of PATH (any order, repeats summed); a bad
 * line is an error "PATH:LINE: what is wrong", as is one longer than
 * BM_WC_MERGE_LINE_MAX bytes. ignore_case and min_length apply to the
 * words read. */
#define BM_WC_MERGE_LINE_MAX ((size_t)64 << 20)
int bm_wc_merge_file(bm_wc_t *wc, const char *path);
/* Add COUNT to WORD (LEN bytes, taken as it is but for ignore_case and
 * min_length); -1 when the sum passes UINT64_MAX or out of memory. It adds
 * into the first map: with threads > 1, call it before counting text. */
int bm_wc_add(bm_wc_t *wc, const void *word, size_t len, uint64_t count);

/* Wait for the threads and combine their maps; call once, after all
 * input. Returns 0, or -1 when a thread ran out of memory or a count
 * passes UINT64_MAX. */
int bm_wc_finish(bm_wc_t *wc);

typedef struct bm_wc_word {
	const uint8_t *word; /* not NUL-terminated */
	size_t len;
	uint64_t count;
} bm_wc_word_t;

/* After bm_wc_finish: the words with count >= MIN_COUNT (and > 0) in ORDER,
 * at most TOP of them. *OUT points to an array owned by WC, valid until the
 * next call or bm_wc_free; returns its length, or -1 when out of memory. */
ptrdiff_t bm_wc_result(bm_wc_t *wc, bm_wc_sort_t order, uint64_t min_count, uint64_t top,
		       const bm_wc_word_t **out);
/* bm_wc_result written as lines to OUT; 0, or -1 on a write error or out
 * of memory. */
int bm_wc_write(bm_wc_t *wc, bm_out_t *out, bm_wc_sort_t order, uint64_t min_count,
		uint64_t top, bm_wc_format_t format);

/* Distinct words and total words counted (after bm_wc_finish). */
uint64_t bm_wc_distinct(const bm_wc_t *wc);
uint64_t bm_wc_total(const bm_wc_t *wc);

#endif
