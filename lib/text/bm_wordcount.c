/* bm_wordcount.c: word frequencies, in parallel, mergeable (see bm_wordcount.h).
 *
 * Counting: a block of text is classified 64 bytes at a time into a bitmask
 * of separators (SSE2, AVX2 or plain C, chosen at run time), word starts and
 * ends come out of the mask with count-trailing-zeros, and each word of up
 * to 16 bytes is loaded as two masked 8-byte words (no branch on its
 * length), hashed, and queued: its slot is prefetched and it is counted 16
 * words later in the thread's bm_hashmap. Threads take blocks from a queue
 * filled by the calling thread, which maps plain files and cuts them at
 * whitespace, or reads streams into a small pool of buffers.
 *
 * Finishing, in parallel too: each thread lists its map's keys by part (a
 * function of the hash), each part gathers its keys from every list into a
 * map of its own and sorts them; the sorted runs are merged (a heap of runs)
 * as the lines are written. Every step gives the same result for any number
 * of threads, and the order of the output depends on counts and words only
 * (or on positions in the input, for --sort=none), never on the hash.
 */
#include "config.h"

#include "bm_wordcount.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
#define WC_X86 1
#include <immintrin.h>
#endif

/* ---- character classes ---- */

static inline int is_space(unsigned c)
{
	return c == ' ' || (c - 9u) <= 4u;
}

static inline int is_alnum_sep(unsigned c)
{
	return c < 0x80 && !((c - '0') <= 9u || ((c | 0x20) - 'a') <= 25u);
}

/* Scalar 64-byte masks: bit i set when P[i] separates words. */
static inline uint64_t mask_ws_scalar(const uint8_t *p)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)is_space(p[i]) << i;
	return m;
}

static inline uint64_t mask_alnum_scalar(const uint8_t *p)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)is_alnum_sep(p[i]) << i;
	return m;
}

#ifdef WC_X86
/* Separator bytes: ' ' or 9..13, i.e. (x - 9) <= 4 unsigned. */
static inline uint64_t mask_ws_sse2(const uint8_t *p)
{
	const __m128i sp = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9), four = _mm_set1_epi8(4);
	uint64_t m = 0;
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i t = _mm_sub_epi8(x, nine);
		__m128i ws = _mm_or_si128(_mm_cmpeq_epi8(x, sp),
					  _mm_cmpeq_epi8(_mm_min_epu8(t, four), t));
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(ws) << (16 * k);
	}
	return m;
}

/* Word bytes: >= 0x80, '0'..'9', or (x | 0x20) in 'a'..'z'. */
static inline uint64_t mask_alnum_sse2(const uint8_t *p)
{
	const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9), ca = _mm_set1_epi8('a'),
		      c25 = _mm_set1_epi8(25), c20 = _mm_set1_epi8(0x20);
	uint64_t m = 0;
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i d = _mm_sub_epi8(x, c0);
		__m128i a = _mm_sub_epi8(_mm_or_si128(x, c20), ca);
		__m128i w = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, c9), d),
					 _mm_cmpeq_epi8(_mm_min_epu8(a, c25), a));
		unsigned bits = (unsigned)_mm_movemask_epi8(w) | (unsigned)_mm_movemask_epi8(x);
		m |= (uint64_t)(uint16_t)~bits << (16 * k);
	}
	return m;
}

__attribute__((target("avx2"))) static inline uint64_t mask_ws_avx2(const uint8_t *p)
{
	const __m256i sp = _mm256_set1_epi8(' '), nine = _mm256_set1_epi8(9),
		      four = _mm256_set1_epi8(4);
	__m256i x0 = _mm256_loadu_si256((const __m256i *)p);
	__m256i x1 = _mm256_loadu_si256((const __m256i *)(p + 32));
	__m256i t0 = _mm256_sub_epi8(x0, nine), t1 = _mm256_sub_epi8(x1, nine);
	__m256i w0 = _mm256_or_si256(_mm256_cmpeq_epi8(x0, sp),
				     _mm256_cmpeq_epi8(_mm256_min_epu8(t0, four), t0));
	__m256i w1 = _mm256_or_si256(_mm256_cmpeq_epi8(x1, sp),
				     _mm256_cmpeq_epi8(_mm256_min_epu8(t1, four), t1));
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(w0) |
	       (uint64_t)(uint32_t)_mm256_movemask_epi8(w1) << 32;
}

__attribute__((target("avx2"))) static inline uint64_t mask_alnum_avx2(const uint8_t *p)
{
	const __m256i c0 = _mm256_set1_epi8('0'), c9 = _mm256_set1_epi8(9),
		      ca = _mm256_set1_epi8('a'), c25 = _mm256_set1_epi8(25),
		      c20 = _mm256_set1_epi8(0x20);
	uint64_t m = 0;
	for (int k = 0; k < 2; k++) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
		__m256i d = _mm256_sub_epi8(x, c0);
		__m256i a = _mm256_sub_epi8(_mm256_or_si256(x, c20), ca);
		__m256i w = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(d, c9), d),
					    _mm256_cmpeq_epi8(_mm256_min_epu8(a, c25), a));
		uint32_t bits = (uint32_t)_mm256_movemask_epi8(w) | (uint32_t)_mm256_movemask_epi8(x);
		m |= (uint64_t)(uint32_t)~bits << (32 * k);
	}
	return m;
}
#endif

/* ---- one thread's counting state ---- */

typedef struct wc_ctx {
	bm_hashmap_t map;
	uint8_t *fold;    /* scratch for lowercased long words */
	size_t fold_cap;
	bool fold_case;
	uint64_t min_length;
	int err;          /* 0, or ENOMEM */
} wc_ctx_t;

/* Words wait this many places in a queue between hashing (with a prefetch
 * of their slot) and counting, so that the slot is in cache by then. */
#ifndef PIPE
#define PIPE 16
#endif

/* The scan's hot state, in locals the compiler can keep in registers: the
 * map's slots (reloaded after an insert, which may grow them) and the queue. */
typedef struct wc_scan {
	bm_hm_slot_t *slots;
	size_t mask;
	uint64_t qn; /* words ever queued in this scan */
	uint64_t k0[PIPE], k1[PIPE], tag[PIPE], off[PIPE];
} wc_scan_t;

static inline int ctz64(uint64_t x)
{
	return __builtin_ctzll(x);
}

/* Characters of a word: bytes that are not UTF-8 continuation bytes, counted
 * up to LIMIT. */
static uint64_t chars_upto(const uint8_t *p, size_t n, uint64_t limit)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n && c < limit; i++)
		c += (p[i] & 0xc0) != 0x80;
	return c;
}

static void __attribute__((noinline)) ctx_fail(wc_ctx_t *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* Add a new short key (the slow path of count_short). */
static void __attribute__((noinline)) insert_short(wc_ctx_t *c, wc_scan_t *sc, bm_hm_slot_t *s,
						   uint64_t k0, uint64_t k1, uint64_t tag, uint64_t off)
{
	bm_hm_key_t k = {tag, k0, k1, NULL, (size_t)(tag >> 59)};
	s = bm_hashmap_insert_at(&c->map, s, &k, off);
	if (s)
		s->count++;
	else
		ctx_fail(c, ENOMEM);
	sc->slots = c->map.slots;
	sc->mask = c->map.mask;
}

/* Count a short key (at most 16 bytes, in K0, K1; TAG as bm_hm_key_short). */
static inline __attribute__((always_inline)) void count_short(wc_ctx_t *c, wc_scan_t *sc,
							       uint64_t k0, uint64_t k1,
							       uint64_t tag, uint64_t off)
{
	size_t i = tag & sc->mask;
	for (;;) {
		bm_hm_slot_t *s = &sc->slots[i];
		uint64_t t = s->tag;
		if (t == tag && bm_hm_rd64(s->key.b) == k0 && bm_hm_rd64(s->key.b + 8) == k1) {
			s->count++;
			return;
		}
		if (t == 0) {
			insert_short(c, sc, s, k0, k1, tag, off);
			return;
		}
		i = (i + 1) & sc->mask;
	}
}

/* Byte masks keeping the first N bytes of 16 (low word, high word). */
static const uint64_t keep_lo[17] = {
	0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff,
	~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
static const uint64_t keep_hi[17] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff,
	0xffffffffffff, 0xffffffffffffff, ~0ull};

/* ASCII A-Z to a-z in the 8 bytes of X (SWAR). */
static inline uint64_t fold8(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
	uint64_t h = x & lo7;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3full; /* 0x80 - 'A' per byte */
	uint64_t gt_z = h + 0x2525252525252525ull; /* 0x80 - 'Z' - 1 per byte */
	return x | (((ge_a & ~gt_z & ~x) & hi) >> 2);
}

/* Queue a short word's key; count the one queued PIPE words ago. */
static inline __attribute__((always_inline)) void queue_short(wc_ctx_t *c, wc_scan_t *sc,
							      uint64_t k0, uint64_t k1, size_t len,
							      uint64_t off)
{
	unsigned i = (unsigned)(sc->qn & (PIPE - 1));
	if (sc->qn >= PIPE)
		count_short(c, sc, sc->k0[i], sc->k1[i], sc->tag[i], sc->off[i]);
	uint64_t h = bm_hm_mix(BM_HM_K2 ^ len, bm_hm_mix(k0 ^ BM_HM_K1, k1 ^ BM_HM_K0));
	uint64_t tag = (h & (~0ull >> 5)) | (uint64_t)len << 59;
	sc->k0[i] = k0;
	sc->k1[i] = k1;
	sc->tag[i] = tag;
	sc->off[i] = off;
	__builtin_prefetch(&sc->slots[tag & sc->mask]);
	sc->qn++;
}

/* Count the words still queued at the end of a scan. */
static void drain(wc_ctx_t *c, wc_scan_t *sc)
{
	for (uint64_t j = sc->qn > PIPE ? sc->qn - PIPE : 0; j < sc->qn; j++) {
		unsigned i = (unsigned)(j & (PIPE - 1));
		count_short(c, sc, sc->k0[i], sc->k1[i], sc->tag[i], sc->off[i]);
	}
	sc->qn = 0;
}

/* W lowercased (ASCII A-Z) into C's fold buffer; NULL when out of memory. */
static const uint8_t *fold_word(wc_ctx_t *c, const uint8_t *w, size_t len)
{
	if (len > c->fold_cap) {
		uint8_t *f = realloc(c->fold, len);
		if (!f)
			return NULL;
		c->fold = f;
		c->fold_cap = len;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned ch = w[i];
		c->fold[i] = (uint8_t)(ch + (((ch - 'A') < 26u) << 5));
	}
	return c->fold;
}

/* A word the fast path does not take: long, filtered by length, or too near
 * the end of the buffer for a 16-byte load. */
static void __attribute__((noinline)) emit_slow(wc_ctx_t *c, wc_scan_t *sc, const uint8_t *w,
						size_t len, uint64_t off)
{
	if (c->min_length > 1 &&
	    (len < c->min_length || chars_upto(w, len, c->min_length) < c->min_length))
		return;
	if (len <= 16) {
		uint64_t k0, k1;
		bm_hm_pad16(w, len, &k0, &k1);
		if (c->fold_case) {
			k0 = fold8(k0);
			k1 = fold8(k1);
		}
		queue_short(c, sc, k0, k1, len, off);
		return;
	}
	if (c->fold_case && !(w = fold_word(c, w, len))) {
		ctx_fail(c, ENOMEM);
		return;
	}
	/* Long words are counted at once, not queued; a word's occurrences
	 * still count in order since all of them take this path. */
	bm_hm_key_t k;
	bm_hm_key(&k, w, len);
	bm_hm_slot_t *s = bm_hashmap_upsert(&c->map, &k, off);
	if (s)
		s->count++;
	else
		ctx_fail(c, ENOMEM);
	sc->slots = c->map.slots;
	sc->mask = c->map.mask;
}

/* Count one word (never empty), which may be read up to LIMIT. OFF is its
 * position in the whole input. */
static inline __attribute__((always_inline)) void emit(wc_ctx_t *c, wc_scan_t *sc,
						      const uint8_t *w, size_t len, uint64_t off,
						      const uint8_t *limit, bool fast)
{
	if (__builtin_expect(fast && len <= 16 && (size_t)(limit - w) >= 16, 1)) {
		/* The common case, without a branch on the length: 16 bytes
		 * loaded and masked to the word. */
		uint64_t k0 = bm_hm_rd64(w) & keep_lo[len], k1 = bm_hm_rd64(w + 8) & keep_hi[len];
		if (c->fold_case) {
			k0 = fold8(k0);
			k1 = fold8(k1);
		}
		queue_short(c, sc, k0, k1, len, off);
		return;
	}
	emit_slow(c, sc, w, len, off);
}

/* The scanners: count the words of P[0..N), where both ends are word
 * boundaries. Full 64-byte blocks are classified in place; the last partial
 * block through a copy padded with spaces (a separator in both modes). */
#define DEFINE_SCAN(NAME, MASK, ATTR)                                                  \
	ATTR static void NAME(wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off)   \
	{                                                                              \
		const uint8_t *base = p, *wstart = p, *limit = p + n;                  \
		uint64_t carry = 0; /* 1 when the byte before BASE is in a word */     \
		const bool fast = c->min_length <= 1;                                  \
		wc_scan_t sc;                                                          \
		sc.slots = c->map.slots;                                               \
		sc.mask = c->map.mask;                                                 \
		sc.qn = 0;                                                             \
		size_t left = n;                                                       \
		uint8_t pad[64];                                                       \
		while (left > 0) {                                                     \
			uint64_t sep;                                                  \
			if (left >= 64) {                                              \
				sep = MASK(base);                                      \
			} else {                                                       \
				memset(pad, ' ', 64);                                  \
				memcpy(pad, base, left);                               \
				sep = MASK(pad);                                       \
			}                                                              \
			uint64_t word = ~sep;                                          \
			uint64_t starts = word & ~((word << 1) | carry);               \
			uint64_t ends = sep & ((word << 1) | carry);                   \
			if (carry && ends) {                                           \
				const uint8_t *e = base + ctz64(ends);                 \
				emit(c, &sc, wstart, (size_t)(e - wstart),             \
				     off + (size_t)(wstart - p), limit, fast);         \
				ends &= ends - 1;                                      \
			}                                                              \
			while (starts) {                                               \
				const uint8_t *s = base + ctz64(starts);               \
				starts &= starts - 1;                                  \
				if (!ends) {                                           \
					wstart = s;                                    \
					break;                                         \
				}                                                      \
				const uint8_t *e = base + ctz64(ends);                 \
				ends &= ends - 1;                                      \
				emit(c, &sc, s, (size_t)(e - s), off + (size_t)(s - p), \
				     limit, fast);                                     \
			}                                                              \
			carry = word >> 63;                                            \
			if (left <= 64)                                                \
				break;                                                 \
			base += 64;                                                    \
			left -= 64;                                                    \
		}                                                                      \
		if (carry) /* a word runs to the end (N a multiple of 64) */          \
			emit(c, &sc, wstart, (size_t)(limit - wstart),                 \
			     off + (size_t)(wstart - p), limit, fast);                 \
		drain(c, &sc);                                                         \
	}

DEFINE_SCAN(scan_ws_scalar, mask_ws_scalar, )
DEFINE_SCAN(scan_alnum_scalar, mask_alnum_scalar, )
#ifdef WC_X86
DEFINE_SCAN(scan_ws_sse2, mask_ws_sse2, )
DEFINE_SCAN(scan_alnum_sse2, mask_alnum_sse2, )
DEFINE_SCAN(scan_ws_avx2, mask_ws_avx2, __attribute__((target("avx2"))))
DEFINE_SCAN(scan_alnum_avx2, mask_alnum_avx2, __attribute__((target("avx2"))))
#endif

typedef void (*scan_fn)(wc_ctx_t *, const uint8_t *, size_t, uint64_t);

static struct {
	const char *name;
	scan_fn ws, alnum;
} simd_impl[] = {
#ifdef WC_X86
	{"avx2", scan_ws_avx2, scan_alnum_avx2},
	{"sse2", scan_ws_sse2, scan_alnum_sse2},
#endif
	{"scalar", scan_ws_scalar, scan_alnum_scalar},
};

#define N_SIMD (sizeof simd_impl / sizeof simd_impl[0])

static _Atomic int simd_choice = -1;

static bool simd_usable(size_t k)
{
#ifdef WC_X86
	if (strcmp(simd_impl[k].name, "avx2") == 0) {
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2");
	}
#endif
	(void)k;
	return true;
}

static int simd_index(void)
{
	int k = atomic_load(&simd_choice);
	if (k < 0) {
		for (k = 0; k < (int)N_SIMD - 1 && !simd_usable((size_t)k); k++)
			;
		atomic_store(&simd_choice, k);
	}
	return k;
}

const char *bm_wc_simd(void)
{
	return simd_impl[simd_index()].name;
}

int bm_wc_set_simd(const char *name)
{
	if (!name) {
		atomic_store(&simd_choice, -1);
		simd_index();
		return 0;
	}
	for (size_t k = 0; k < N_SIMD; k++)
		if (strcmp(simd_impl[k].name, name) == 0) {
			if (!simd_usable(k))
				return -1;
			atomic_store(&simd_choice, (int)k);
			return 0;
		}
	return -1;
}

/* ---- work: blocks of input for the threads ---- */

/* A mapped file, unmapped when its last block is counted. */
typedef struct wc_map {
	void *addr;
	size_t len;
	atomic_int refs;
} wc_map_t;

typedef struct wc_buf {
	uint8_t *p;
	size_t cap;
} wc_buf_t;

typedef struct wc_job {
	const uint8_t *p;
	size_t n;
	uint64_t off; /* position of P in the whole input */
	wc_map_t *map; /* or NULL */
	wc_buf_t buf;  /* stream buffer to give back, or {NULL} */
} wc_job_t;

struct bm_wc {
	bm_wc_opts_t o;
	int nctx;
	wc_ctx_t *ctx;    /* one per thread, each with its own map */
	scan_fn scan;
	uint64_t offset;  /* input positions handed out so far */
	bool finished;
	uint64_t total;
	size_t page;

	/* the pool (threads > 1) */
	pthread_t *tid;
	int nthreads_started;
	pthread_mutex_t mu;
	pthread_cond_t can_take, can_put, buf_free;
	wc_job_t *queue;
	size_t qcap, qhead, qlen;
	bool closing;
	wc_buf_t *free_bufs;
	size_t nfree, nbufs, max_bufs;

	/* results: after bm_wc_finish, thread T's map holds the whole count
	 * of every key of part T (the keys of other parts in it are stale);
	 * each part is sorted into a run */
	unsigned nparts;
	struct wc_list *lists, *news; /* while merging */
	struct wc_copy **copies;
	struct wc_run *runs;
	bm_wc_word_t *view;
};

/* A word to sort: keys compared first, then the word itself. */
typedef struct wc_item {
	uint64_t k1, k2;
	const bm_hm_slot_t *s;
} wc_item_t;

typedef struct wc_run {
	wc_item_t *v;
	size_t n;
} wc_run_t;

static int ctx_init(wc_ctx_t *c, const bm_wc_opts_t *o)
{
	memset(c, 0, sizeof *c);
	c->fold_case = o->ignore_case;
	c->min_length = o->min_length;
	return bm_hashmap_init2(&c->map, o->positions);
}

static void release_map(wc_map_t *m)
{
	if (atomic_fetch_sub(&m->refs, 1) == 1) {
		munmap(m->addr, m->len);
		free(m);
	}
}

static void give_back_buf(bm_wc_t *wc, wc_buf_t b)
{
	if (wc->tid) {
		pthread_mutex_lock(&wc->mu);
		wc->free_bufs[wc->nfree++] = b;
		pthread_cond_signal(&wc->buf_free);
		pthread_mutex_unlock(&wc->mu);
	} else {
		wc->free_bufs[wc->nfree++] = b;
	}
}

static void run_job(bm_wc_t *wc, wc_ctx_t *c, wc_job_t *j)
{
	if (!c->err && j->n)
		wc->scan(c, j->p, j->n, j->off);
	if (j->map) {
		/* Drop the counted pages from our memory (they stay in the page
		 * cache), so memory does not grow with the input. */
		uintptr_t lo = ((uintptr_t)j->p + wc->page - 1) & ~(uintptr_t)(wc->page - 1);
		uintptr_t hi = ((uintptr_t)j->p + j->n) & ~(uintptr_t)(wc->page - 1);
		if (hi > lo)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
		release_map(j->map);
	}
	if (j->buf.p)
		give_back_buf(wc, j->buf);
}

static void *worker(void *arg)
{
	bm_wc_t *wc = ((void **)arg)[0];
	wc_ctx_t *c = ((void **)arg)[1];
	free(arg);
	for (;;) {
		pthread_mutex_lock(&wc->mu);
		while (wc->qlen == 0 && !wc->closing)
			pthread_cond_wait(&wc->can_take, &wc->mu);
		if (wc->qlen == 0) {
			pthread_mutex_unlock(&wc->mu);
			return NULL;
		}
		wc_job_t j = wc->queue[wc->qhead];
		wc->qhead = (wc->qhead + 1) % wc->qcap;
		wc->qlen--;
		pthread_cond_signal(&wc->can_put);
		pthread_mutex_unlock(&wc->mu);
		run_job(wc, c, &j);
	}
}

static int start_pool(bm_wc_t *wc)
{
	int n = wc->nctx;
	wc->qcap = 2 * (size_t)n + 2;
	wc->queue = calloc(wc->qcap, sizeof *wc->queue);
	pthread_t *tid = calloc((size_t)n, sizeof *tid);
	if (!wc->queue || !tid) {
		free(tid);
		bm_seterr("out of memory");
		return -1;
	}
	pthread_mutex_init(&wc->mu, NULL);
	pthread_cond_init(&wc->can_take, NULL);
	pthread_cond_init(&wc->can_put, NULL);
	pthread_cond_init(&wc->buf_free, NULL);
	wc->tid = tid; /* from here on buffers and the queue are shared */
	for (int t = 0; t < n; t++) {
		void **arg = malloc(2 * sizeof *arg);
		if (!arg) {
			bm_seterr("out of memory");
			return -1;
		}
		arg[0] = wc;
		arg[1] = &wc->ctx[t];
		int e = pthread_create(&wc->tid[t], NULL, worker, arg);
		if (e) {
			free(arg);
			bm_seterr("cannot start a thread: %s", strerror(e));
			return -1;
		}
		wc->nthreads_started++;
	}
	return 0;
}

static void stop_pool(bm_wc_t *wc)
{
	if (!wc->tid)
		return;
	pthread_mutex_lock(&wc->mu);
	wc->closing = true;
	pthread_cond_broadcast(&wc->can_take);
	pthread_mutex_unlock(&wc->mu);
	for (int t = 0; t < wc->nthreads_started; t++)
		pthread_join(wc->tid[t], NULL);
	wc->nthreads_started = 0;
}

/* Hand a job to the pool, or count it here with one thread. */
static int submit(bm_wc_t *wc, wc_job_t j)
{
	if (wc->nctx == 1) {
		run_job(wc, &wc->ctx[0], &j);
		return 0;
	}
	if (!wc->tid && start_pool(wc) < 0) {
		if (j.map)
			release_map(j.map);
		if (j.buf.p)
			give_back_buf(wc, j.buf);
		return -1;
	}
	pthread_mutex_lock(&wc->mu);
	while (wc->qlen == wc->qcap)
		pthread_cond_wait(&wc->can_put, &wc->mu);
	wc->queue[(wc->qhead + wc->qlen) % wc->qcap] = j;
	wc->qlen++;
	pthread_cond_signal(&wc->can_take);
	pthread_mutex_unlock(&wc->mu);
	return 0;
}

/* A stream buffer of at least MIN bytes (waits for one when all are in use). */
static int take_buf(bm_wc_t *wc, size_t min, wc_buf_t *out)
{
	wc_buf_t b = {NULL, 0};
	if (wc->tid)
		pthread_mutex_lock(&wc->mu);
	if (wc->nfree == 0 && wc->nbufs < wc->max_bufs) {
		wc->nbufs++;
	} else {
		while (wc->nfree == 0)
			pthread_cond_wait(&wc->buf_free, &wc->mu);
		b = wc->free_bufs[--wc->nfree];
	}
	if (wc->tid)
		pthread_mutex_unlock(&wc->mu);
	if (!b.p || b.cap < min) {
		size_t cap = min > wc->o.block_size ? min : wc->o.block_size;
		uint8_t *p = realloc(b.p, cap);
		if (!p) {
			free(b.p);
			if (wc->tid)
				pthread_mutex_lock(&wc->mu);
			wc->nbufs--;
			if (wc->tid)
				pthread_mutex_unlock(&wc->mu);
			bm_seterr("out of memory");
			return -1;
		}
		b.p = p;
		b.cap = cap;
	}
	*out = b;
	return 0;
}

/* ---- the counter ---- */

void bm_wc_opts_init(bm_wc_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 1;
	o->block_size = BM_WC_BLOCK_DEFAULT;
	o->positions = true;
}

bm_wc_t *bm_wc_new(const bm_wc_opts_t *o)
{
	bm_wc_t *wc = calloc(1, sizeof *wc);
	if (!wc) {
		bm_seterr("out of memory");
		return NULL;
	}
	wc->o = *o;
	if (wc->o.threads < 1)
		wc->o.threads = 1;
	if (wc->o.block_size < BM_WC_BLOCK_MIN)
		wc->o.block_size = BM_WC_BLOCK_MIN;
	wc->nctx = wc->o.threads;
	long page = sysconf(_SC_PAGESIZE);
	wc->page = page > 0 ? (size_t)page : 4096;
	int k = simd_index();
	wc->scan = wc->o.alnum ? simd_impl[k].alnum : simd_impl[k].ws;
	wc->max_bufs = (size_t)wc->nctx + 2;
	wc->ctx = calloc((size_t)wc->nctx, sizeof *wc->ctx);
	wc->free_bufs = calloc(wc->max_bufs, sizeof *wc->free_bufs);
	if (!wc->ctx || !wc->free_bufs)
		goto oom;
	for (int t = 0; t < wc->nctx; t++)
		if (ctx_init(&wc->ctx[t], &wc->o) < 0)
			goto oom;
	return wc;
oom:
	bm_seterr("out of memory");
	bm_wc_free(wc);
	return NULL;
}

void bm_wc_free(bm_wc_t *wc)
{
	if (!wc)
		return;
	stop_pool(wc);
	if (wc->tid) {
		pthread_mutex_destroy(&wc->mu);
		pthread_cond_destroy(&wc->can_take);
		pthread_cond_destroy(&wc->can_put);
		pthread_cond_destroy(&wc->buf_free);
	}
	free(wc->tid);
	free(wc->queue);
	if (wc->runs)
		for (unsigned t = 0; t < wc->nparts; t++)
			free(wc->runs[t].v);
	free(wc->runs);
	free(wc->view);
	if (wc->ctx)
		for (int t = 0; t < wc->nctx; t++) {
			bm_hashmap_free(&wc->ctx[t].map);
			free(wc->ctx[t].fold);
		}
	free(wc->ctx);
	if (wc->free_bufs)
		for (size_t k = 0; k < wc->nfree; k++)
			free(wc->free_bufs[k].p);
	free(wc->free_bufs);
	free(wc);
}

static inline bool is_sep(const bm_wc_t *wc, unsigned c)
{
	return wc->o.alnum ? is_alnum_sep(c) : is_space(c);
}

/* Cut N bytes of mapped text into blocks ending at separators. */
static int submit_text(bm_wc_t *wc, const uint8_t *p, size_t n, wc_map_t *map)
{
	size_t bs = wc->o.block_size;
	size_t pos = 0;
	int rc = 0;
	while (pos < n && rc == 0) {
		size_t end = n - pos <= bs ? n : pos + bs;
		while (end < n && !is_sep(wc, p[end]))
			end++;
		wc_job_t j = {p + pos, end - pos, wc->offset + pos, map, {NULL, 0}};
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
	wc_buf_t b;
	size_t len = 0;
	if (take_buf(wc, wc->o.block_size, &b) < 0)
		return -1;
	for (;;) {
		if (len == b.cap) {
			/* No separator in the whole buffer: one long word. */
			size_t cap = b.cap * 2;
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
			wc_job_t j = {b.p, len, wc->offset, NULL, b};
			wc->offset += len;
			return submit(wc, j);
		}
		size_t k = len;
		while (k > 0 && !is_sep(wc, b.p[k - 1]))
			k--;
		if (k == 0)
			continue;
		wc_buf_t nb;
		if (take_buf(wc, len - k, &nb) < 0) {
			give_back_buf(wc, b);
			return -1;
		}
		memcpy(nb.p, b.p + k, len - k);
		wc_job_t j = {b.p, k, wc->offset, NULL, b};
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
	if (wc->tid)
		return; /* threads are running: their maps are theirs */
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
	wc_map_t *m = malloc(sizeof *m);
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

/* ---- parallel steps after counting ---- */

typedef struct wc_task {
	bm_wc_t *wc;
	unsigned t;
	int rc;
	/* for sorting */
	bm_wc_sort_t order;
	uint64_t min_count, top;
} wc_task_t;

/* Run FN on every task, each in a thread of its own (or here when a thread
 * cannot start). */
static void run_tasks(wc_task_t *tasks, unsigned n, void *(*fn)(void *))
{
	pthread_t *tid = n > 1 ? calloc(n, sizeof *tid) : NULL;
	bool *started = n > 1 ? calloc(n, sizeof *started) : NULL;
	for (unsigned t = 0; t < n; t++) {
		if (t > 0 && tid && started && pthread_create(&tid[t], NULL, fn, &tasks[t]) == 0)
			started[t] = true;
	}
	fn(&tasks[0]);
	for (unsigned t = 1; t < n; t++) {
		if (started && started[t])
			pthread_join(tid[t], NULL);
		else
			fn(&tasks[t]);
	}
	free(tid);
	free(started);
}

/* Whether used slot S of thread T's map holds the result for its key. */
static inline bool owned(const bm_wc_t *wc, unsigned t, const bm_hm_slot_t *s)
{
	return wc->nparts == 1 || bm_hm_part(s->tag, wc->nparts) == t;
}

/* The used slots of one thread's map that belong to another's part (their
 * indices), and a thread's keys that its map lacks (copies). */
typedef struct wc_list {
	size_t *idx;
	size_t n;
} wc_list_t;

typedef struct wc_copy {
	bm_hm_slot_t s;
	uint64_t first;
} wc_copy_t;

/* List the slots of thread T's map that other parts own:
 * lists[T * nparts + part]. */
static void *scatter_task(void *arg)
{
	wc_task_t *k = arg;
	bm_wc_t *wc = k->wc;
	const bm_hashmap_t *m = &wc->ctx[k->t].map;
	unsigned np = wc->nparts;
	wc_list_t *l = &wc->lists[(size_t)k->t * np];
	if (m->n == 0)
		return NULL;
	for (size_t j = 0; j <= m->mask; j++)
		if (m->slots[j].tag)
			l[bm_hm_part(m->slots[j].tag, np)].n++;
	l[k->t].n = 0;
	for (unsigned p = 0; p < np; p++) {
		if (l[p].n && !(l[p].idx = malloc(l[p].n * sizeof *l[p].idx))) {
			k->rc = -1;
			return NULL;
		}
		l[p].n = 0;
	}
	for (size_t j = 0; j <= m->mask; j++) {
		unsigned p;
		if (m->slots[j].tag && (p = bm_hm_part(m->slots[j].tag, np)) != k->t)
			l[p].idx[l[p].n++] = j;
	}
	return NULL;
}

/* Add into thread T's map the other threads' counts of the keys it has;
 * copy those it lacks into wc->news[T]. Nothing grows here, so every map
 * can be read by all. */
static void *gather_task(void *arg)
{
	wc_task_t *k = arg;
	bm_wc_t *wc = k->wc;
	bm_hashmap_t *dst = &wc->ctx[k->t].map;
	wc_list_t *news = &wc->news[k->t];
	size_t cap = 0;
	for (int c = 0; c < wc->nctx && k->rc == 0; c++) {
		const wc_list_t *l = &wc->lists[(size_t)c * wc->nparts + k->t];
		const bm_hashmap_t *src = &wc->ctx[c].map;
		for (size_t i = 0; i < l->n; i++) {
			if (i + 8 < l->n)
				__builtin_prefetch(&src->slots[l->idx[i + 8]]);
			const bm_hm_slot_t *s = &src->slots[l->idx[i]];
			uint64_t first = bm_hm_slot_first(src, s);
			bm_hm_slot_t *d = bm_hashmap_find(dst, s);
			if (d) {
				if (d->count > UINT64_MAX - s->count) {
					k->rc = -2;
					break;
				}
				d->count += s->count;
				if (dst->first && first < dst->first[d - dst->slots])
					dst->first[d - dst->slots] = first;
				continue;
			}
			if (news->n == cap) {
				cap = cap ? 2 * cap : 1024;
				wc_copy_t *v = realloc(wc->copies[k->t], cap * sizeof *v);
				if (!v) {
					k->rc = -1;
					break;
				}
				wc->copies[k->t] = v;
			}
			wc->copies[k->t][news->n++] = (wc_copy_t){*s, first};
		}
	}
	return NULL;
}

/* Add the copied keys thread T's map lacked (it may grow now). */
static void *insert_task(void *arg)
{
	wc_task_t *k = arg;
	bm_wc_t *wc = k->wc;
	const wc_copy_t *v = wc->copies[k->t];
	for (size_t i = 0; i < wc->news[k->t].n && k->rc == 0; i++)
		k->rc = bm_hashmap_add(&wc->ctx[k->t].map, &v[i].s, v[i].first);
	return NULL;
}

int bm_wc_finish(bm_wc_t *wc)
{
	if (wc->finished)
		return 0;
	wc->finished = true;
	stop_pool(wc);
	for (int t = 0; t < wc->nctx; t++)
		if (wc->ctx[t].err) {
			bm_seterr("out of memory");
			return -1;
		}
	unsigned n = (unsigned)wc->nctx;
	wc->nparts = n;
	if (n > 1) {
		/* Each thread's map becomes the result for one part of the keys
		 * (a function of the hash), in three parallel steps: every
		 * thread lists its slots of other parts; adds the others'
		 * counts of its part into its map, copying the keys it lacks
		 * (no map grows meanwhile, so all can be read); inserts those. */
		wc_task_t *tasks = calloc(n, sizeof *tasks);
		wc->lists = calloc((size_t)n * n, sizeof *wc->lists);
		wc->news = calloc(n, sizeof *wc->news);
		wc->copies = calloc(n, sizeof *wc->copies);
		int rc = tasks && wc->lists && wc->news && wc->copies ? 0 : -1;
		void *(*steps[])(void *) = {scatter_task, gather_task, insert_task};
		for (size_t step = 0; step < 3 && rc == 0; step++) {
			for (unsigned t = 0; t < n; t++)
				tasks[t] = (wc_task_t){.wc = wc, .t = t};
			run_tasks(tasks, n, steps[step]);
			for (unsigned t = 0; t < n; t++)
				rc = rc ? rc : tasks[t].rc;
			if (step == 1 && wc->lists) {
				for (size_t i = 0; i < (size_t)n * n; i++)
					free(wc->lists[i].idx);
				free(wc->lists);
				wc->lists = NULL;
			}
		}
		free(tasks);
		if (wc->lists)
			for (size_t i = 0; i < (size_t)n * n; i++)
				free(wc->lists[i].idx);
		free(wc->lists);
		wc->lists = NULL;
		if (wc->copies)
			for (unsigned t = 0; t < n; t++)
				free(wc->copies[t]);
		free(wc->copies);
		free(wc->news);
		wc->copies = NULL;
		wc->news = NULL;
		if (rc < 0) {
			bm_seterr("%s", rc == -2 ? "a count passes 18446744073709551615" : "out of memory");
			return -1;
		}
	}
	uint64_t total = 0;
	for (unsigned t = 0; t < wc->nparts; t++) {
		const bm_hashmap_t *m = &wc->ctx[t].map;
		for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s))
			if (owned(wc, t, s))
				total = s->count > UINT64_MAX - total ? UINT64_MAX : total + s->count;
	}
	wc->total = total;
	return 0;
}

uint64_t bm_wc_distinct(const bm_wc_t *wc)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < wc->nparts; t++) {
		const bm_hashmap_t *m = &wc->ctx[t].map;
		for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s))
			n += owned(wc, t, s);
	}
	return n;
}

uint64_t bm_wc_total(const bm_wc_t *wc)
{
	return wc->total;
}

/* ---- merging word<TAB>count lines ---- */

/* A field for an error message: at most 40 bytes, unprintables as '?'. */
static const char *show(char *dst, const char *s, size_t n)
{
	size_t k = 0;
	for (; k < n && k < 40; k++)
		dst[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
	if (k < n) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
	return dst;
}

int bm_wc_add(bm_wc_t *wc, const void *word, size_t len, uint64_t count)
{
	wc_ctx_t *c = &wc->ctx[0];
	const uint8_t *w = word;
	if (len == 0 || (c->min_length > 0 && chars_upto(w, len, c->min_length) < c->min_length))
		return 0;
	if (c->fold_case && !(w = fold_word(c, w, len))) {
		bm_seterr("out of memory");
		return -1;
	}
	bm_hm_key_t k;
	bm_hm_key(&k, w, len);
	bm_hm_slot_t *e = bm_hashmap_upsert(&c->map, &k, wc->offset++);
	if (!e) {
		bm_seterr("out of memory");
		return -1;
	}
	if (e->count > UINT64_MAX - count) {
		char shown[48];
		bm_seterr("the count of '%s' passes 18446744073709551615",
			  show(shown, (const char *)word, len));
		return -1;
	}
	e->count += count;
	return 0;
}

int bm_wc_merge_file(bm_wc_t *wc, const char *path)
{
	bm_in_t *in = bm_in_open(path);
	if (!in)
		return -1;
	const char *name = bm_in_name(in);
	char *line = NULL, shown[48];
	size_t cap = 0;
	uint64_t lineno = 0;
	int rc = 0;
	for (;;) {
		bool eof;
		ssize_t n = bm_in_getline(in, &line, &cap, &eof);
		if (n < 0) {
			rc = -1;
			break;
		}
		if (eof)
			break;
		lineno++;
		char *tab = memchr(line, '\t', (size_t)n);
		if (!tab) {
			bm_seterr("%s:%llu: expected word<TAB>count, found no tab", name,
				  (unsigned long long)lineno);
			rc = -1;
			break;
		}
		size_t wlen = (size_t)(tab - line);
		const char *num = tab + 1;
		size_t nlen = (size_t)n - wlen - 1;
		if (wlen == 0) {
			bm_seterr("%s:%llu: empty word", name, (unsigned long long)lineno);
			rc = -1;
			break;
		}
		uint64_t count = 0;
		size_t i = 0;
		for (; i < nlen && (unsigned)(num[i] - '0') <= 9u; i++) {
			unsigned d = (unsigned)(num[i] - '0');
			if (count > (UINT64_MAX - d) / 10)
				break;
			count = count * 10 + d;
		}
		if (nlen == 0 || (i < nlen && (unsigned)(num[i] - '0') > 9u)) {
			bm_seterr("%s:%llu: count is not a number: '%s'", name,
				  (unsigned long long)lineno, show(shown, num, nlen));
			rc = -1;
			break;
		}
		if (i < nlen) {
			bm_seterr("%s:%llu: count is too large: '%s'", name, (unsigned long long)lineno,
				  show(shown, num, nlen));
			rc = -1;
			break;
		}
		if (bm_wc_add(wc, line, wlen, count) < 0) {
			char msg[256];
			snprintf(msg, sizeof msg, "%s", bm_errmsg());
			bm_seterr("%s:%llu: %s", name, (unsigned long long)lineno, msg);
			rc = -1;
			break;
		}
	}
	free(line);
	bm_in_close(in);
	return rc;
}

/* ---- results ---- */

/* First 8 bytes, big-endian, zero-padded: compares like the bytes. */
static inline uint64_t prefix8(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t k = n < 8 ? n : 8;
	for (size_t i = 0; i < k; i++)
		v |= (uint64_t)p[i] << (56 - 8 * i);
	return v;
}

static inline int item_cmp(const wc_item_t *a, const wc_item_t *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	size_t la, lb;
	const uint8_t *x = bm_hm_slot_key(a->s, &la), *y = bm_hm_slot_key(b->s, &lb);
	int c = memcmp(x, y, la < lb ? la : lb);
	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

static int item_qcmp(const void *a, const void *b)
{
	return item_cmp(a, b);
}

static inline void swap_items(wc_item_t *a, wc_item_t *b)
{
	wc_item_t t = *a;
	*a = *b;
	*b = t;
}

static void insertion_sort(wc_item_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		wc_item_t x = v[i];
		size_t j = i;
		for (; j > 0 && item_cmp(&x, &v[j - 1]) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Hoare partition of V[0..N) (N > 16) around a median of three; returns J
 * with V[0..J] <= pivot <= V[J+1..N), both parts non-empty (keys are
 * distinct). */
static size_t partition(wc_item_t *v, size_t n)
{
	size_t mid = n / 2;
	if (item_cmp(&v[mid], &v[0]) < 0)
		swap_items(&v[mid], &v[0]);
	if (item_cmp(&v[n - 1], &v[0]) < 0)
		swap_items(&v[n - 1], &v[0]);
	if (item_cmp(&v[n - 1], &v[mid]) < 0)
		swap_items(&v[n - 1], &v[mid]);
	wc_item_t pivot = v[mid];
	size_t i = 0, j = n - 1;
	for (;;) {
		while (item_cmp(&v[i], &pivot) < 0)
			i++;
		while (item_cmp(&pivot, &v[j]) < 0)
			j--;
		if (i >= j)
			return j;
		swap_items(&v[i], &v[j]);
		i++;
		j--;
	}
}

/* Quicksort with the comparison inlined; qsort() past a depth limit. */
static void sort_items(wc_item_t *v, size_t n, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			qsort(v, n, sizeof *v, item_qcmp);
			return;
		}
		size_t j = partition(v, n) + 1;
		if (j < n - j) {
			sort_items(v, j, depth);
			v += j;
			n -= j;
		} else {
			sort_items(v + j, n - j, depth);
			n = j;
		}
	}
	insertion_sort(v, n);
}

/* Rearrange V so that its K smallest come first (in any order). */
static void select_k(wc_item_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* the boundary K lies in [lo, hi] */
	while (hi - lo > 16) {
		size_t j = lo + partition(v + lo, hi - lo);
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	insertion_sort(v + lo, hi - lo);
}

/* Sort part T of the result into run T. */
static void *sort_task(void *arg)
{
	wc_task_t *k = arg;
	bm_wc_t *wc = k->wc;
	const bm_hashmap_t *m = &wc->ctx[k->t].map;
	wc_run_t *r = &wc->runs[k->t];
	free(r->v);
	r->n = 0;
	r->v = malloc((m->n ? m->n : 1) * sizeof *r->v);
	if (!r->v) {
		k->rc = -1;
		return NULL;
	}
	size_t n = 0;
	for (bm_hm_slot_t *s = bm_hashmap_next(m, NULL); s; s = bm_hashmap_next(m, s)) {
		if (s->count < k->min_count || !owned(wc, k->t, s))
			continue;
		wc_item_t *it = &r->v[n++];
		it->s = s;
		size_t len;
		const uint8_t *w = bm_hm_slot_key(s, &len);
		switch (k->order) {
		case BM_WC_SORT_COUNT:
			it->k1 = ~s->count;
			it->k2 = prefix8(w, len);
			break;
		case BM_WC_SORT_WORD:
			it->k1 = prefix8(w, len);
			it->k2 = len > 8 ? prefix8(w + 8, len - 8) : 0;
			break;
		default:
			it->k1 = bm_hm_slot_first(m, s);
			it->k2 = 0;
			break;
		}
	}
	if (k->top < n) {
		select_k(r->v, n, (size_t)k->top);
		n = (size_t)k->top;
	}
	sort_items(r->v, n, 64);
	r->n = n;
	return NULL;
}

/* Sort every part (in parallel), for merging the runs. */
static int sort_runs(bm_wc_t *wc, bm_wc_sort_t order, uint64_t min_count, uint64_t top)
{
	if (order == BM_WC_SORT_NONE && !wc->o.positions) {
		bm_seterr("the order of first appearance needs positions (bm_wc_opts_t.positions)");
		return -1;
	}
	if (!wc->runs && !(wc->runs = calloc(wc->nparts ? wc->nparts : 1, sizeof *wc->runs))) {
		bm_seterr("out of memory");
		return -1;
	}
	wc_task_t *tasks = calloc(wc->nparts ? wc->nparts : 1, sizeof *tasks);
	if (!tasks) {
		bm_seterr("out of memory");
		return -1;
	}
	for (unsigned t = 0; t < wc->nparts; t++)
		tasks[t] = (wc_task_t){wc, t, 0, order, min_count < 1 ? 1 : min_count, top};
	run_tasks(tasks, wc->nparts, sort_task);
	int rc = 0;
	for (unsigned t = 0; t < wc->nparts; t++)
		rc |= tasks[t].rc;
	free(tasks);
	if (rc) {
		bm_seterr("out of memory");
		return -1;
	}
	return 0;
}

/* A k-way merge of the sorted runs: a binary heap of run numbers. */
typedef struct wc_merge {
	wc_run_t *runs;
	unsigned *heap, n;
	size_t *pos;
} wc_merge_t;

static inline bool run_less(const wc_merge_t *g, unsigned a, unsigned b)
{
	return item_cmp(&g->runs[a].v[g->pos[a]], &g->runs[b].v[g->pos[b]]) < 0;
}

static void sift_down(wc_merge_t *g, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		if (l < g->n && run_less(g, g->heap[l], g->heap[m]))
			m = l;
		if (l + 1 < g->n && run_less(g, g->heap[l + 1], g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		unsigned t = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = t;
		i = m;
	}
}

static int merge_start(bm_wc_t *wc, wc_merge_t *g)
{
	g->runs = wc->runs;
	g->n = 0;
	g->heap = calloc(wc->nparts + 1, sizeof *g->heap);
	g->pos = calloc(wc->nparts + 1, sizeof *g->pos);
	if (!g->heap || !g->pos) {
		free(g->heap);
		free(g->pos);
		bm_seterr("out of memory");
		return -1;
	}
	for (unsigned t = 0; t < wc->nparts; t++)
		if (wc->runs[t].n)
			g->heap[g->n++] = t;
	for (unsigned i = g->n / 2; i-- > 0;)
		sift_down(g, i);
	return 0;
}

/* The next item in order, or NULL at the end. */
static const bm_hm_slot_t *merge_next(wc_merge_t *g)
{
	if (g->n == 0)
		return NULL;
	unsigned r = g->heap[0];
	const bm_hm_slot_t *s = g->runs[r].v[g->pos[r]].s;
	if (g->pos[r] + 16 < g->runs[r].n) /* the slots are all over memory */
		__builtin_prefetch(g->runs[r].v[g->pos[r] + 16].s);
	if (++g->pos[r] == g->runs[r].n)
		g->heap[0] = g->heap[--g->n];
	if (g->n > 1)
		sift_down(g, 0);
	return s;
}

static void merge_end(wc_merge_t *g)
{
	free(g->heap);
	free(g->pos);
}

ptrdiff_t bm_wc_result(bm_wc_t *wc, bm_wc_sort_t order, uint64_t min_count, uint64_t top,
		       const bm_wc_word_t **out)
{
	if (sort_runs(wc, order, min_count, top) < 0)
		return -1;
	size_t total = 0;
	for (unsigned t = 0; t < wc->nparts; t++)
		total += wc->runs[t].n;
	if (top < total)
		total = (size_t)top;
	free(wc->view);
	wc->view = malloc((total ? total : 1) * sizeof *wc->view);
	wc_merge_t g;
	if (!wc->view) {
		bm_seterr("out of memory");
		return -1;
	}
	if (merge_start(wc, &g) < 0)
		return -1;
	for (size_t k = 0; k < total; k++) {
		const bm_hm_slot_t *s = merge_next(&g);
		wc->view[k].word = bm_hm_slot_key(s, &wc->view[k].len);
		wc->view[k].count = s->count;
	}
	merge_end(&g);
	*out = wc->view;
	return (ptrdiff_t)total;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*p++ = tmp[--k];
	return p;
}

int bm_wc_write(bm_wc_t *wc, bm_out_t *out, bm_wc_sort_t order, uint64_t min_count,
		uint64_t top, bm_wc_format_t format)
{
	if (sort_runs(wc, order, min_count, top) < 0)
		return -1;
	enum { BUF = 1 << 16 };
	char *buf = malloc(BUF);
	wc_merge_t g;
	if (!buf) {
		bm_seterr("out of memory");
		return -1;
	}
	if (merge_start(wc, &g) < 0) {
		free(buf);
		return -1;
	}
	char sep = format == BM_WC_SPACE ? ' ' : '\t';
	size_t used = 0;
	int rc = 0;
	const bm_hm_slot_t *s;
	for (uint64_t k = 0; k < top && rc == 0 && (s = merge_next(&g)); k++) {
		size_t len;
		const uint8_t *w = bm_hm_slot_key(s, &len);
		if (used + len + 22 > BUF) {
			rc = bm_out_write(out, buf, used);
			used = 0;
			if (rc < 0)
				break;
		}
		if (len + 22 > BUF) {
			rc = bm_out_write(out, w, len);
			if (rc < 0)
				break;
		} else {
			memcpy(buf + used, w, len);
			used += len;
		}
		char *p = buf + used;
		*p++ = sep;
		p = put_u64(p, s->count);
		*p++ = '\n';
		used = (size_t)(p - buf);
	}
	if (rc == 0 && used)
		rc = bm_out_write(out, buf, used);
	merge_end(&g);
	free(buf);
	return rc < 0 ? -1 : 0;
}
