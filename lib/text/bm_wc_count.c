/* bm_wc_count.c: one thread's counting (see bm_wc_int.h).
 *
 * A block of text is scanned for words (bm_tok.h); each word of up to 16
 * bytes is loaded as two masked 8-byte words (no branch on its length),
 * hashed (bm_hash_short), and queued: its slot is prefetched and it is
 * counted PIPE words later in the thread's bm_hashmap, by then in cache.
 * Longer words, words near the end of a buffer and words that a minimum
 * length may drop take a slower path. The scan is compiled once per CPU
 * level (plain C, SSE2, AVX2) with the counting inlined; bm_wc_scanner
 * picks one from the level bm_cpu() gives.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bm_tok.h"
#include "bm_wc_int.h"

/* Words wait this many places in a queue between hashing (with a prefetch
 * of their slot) and counting, so that the slot is in cache by then. */
#define PIPE 16

/* The scan's state: the map's slots (reloaded after an insert, which may
 * grow them), the block and the queue. */
typedef struct wc_scan {
	bm_wc_ctx_t *c;
	bm_hm_slot_t *slots;
	size_t mask;
	uint64_t off;             /* input position of address 0: OFF + W is W's */
	uintptr_t fast_end;       /* a word at or before it may take the fast path */
	bool fold;                /* ignore_case */
	uint64_t qn;              /* words ever queued in this scan */
	uint64_t k0[PIPE], k1[PIPE], tag[PIPE], qoff[PIPE];
} wc_scan_t;

uint64_t bm_wc_chars_upto(const uint8_t *p, size_t n, uint64_t limit)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n && c < limit; i++)
		c += (p[i] & 0xc0) != 0x80;
	return c;
}

int bm_wc_ctx_init(bm_wc_ctx_t *c, const bm_wc_opts_t *o)
{
	memset(c, 0, sizeof *c);
	c->fold_case = o->ignore_case;
	c->min_length = o->min_length;
	return bm_hashmap_init2(&c->map, o->positions);
}

void bm_wc_ctx_free(bm_wc_ctx_t *c)
{
	bm_hashmap_free(&c->map);
	free(c->fold);
	c->fold = NULL;
}

const uint8_t *bm_wc_fold(bm_wc_ctx_t *c, const uint8_t *w, size_t len)
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

static void __attribute__((noinline)) ctx_fail(bm_wc_ctx_t *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* Count one at slot S after an insert (NULL: out of memory), which may
 * have moved the slots. */
static void counted(wc_scan_t *sc, bm_hm_slot_t *s)
{
	if (s)
		s->count++;
	else
		ctx_fail(sc->c, ENOMEM);
	sc->slots = sc->c->map.slots;
	sc->mask = sc->c->map.mask;
}

/* Add a new short key (the slow path of count_short). */
static void __attribute__((noinline)) insert_short(wc_scan_t *sc, bm_hm_slot_t *s, uint64_t k0,
						   uint64_t k1, uint64_t tag, uint64_t off)
{
	bm_wc_ctx_t *c = sc->c;
	bm_hm_key_t k = {tag, k0, k1, NULL, (size_t)(tag >> 59)};
	counted(sc, bm_hashmap_insert_at(&c->map, s, &k, off));
}

/* Count a short key (at most 16 bytes, in K0, K1; TAG as bm_hm_key_short). */
static inline __attribute__((always_inline)) void count_short(wc_scan_t *sc, uint64_t k0,
							       uint64_t k1, uint64_t tag,
							       uint64_t off)
{
	size_t i = tag & sc->mask;
	for (;;) {
		bm_hm_slot_t *s = &sc->slots[i];
		uint64_t t = s->tag;
		if (t == tag && bm_hash_rd64(s->key.b) == k0 && bm_hash_rd64(s->key.b + 8) == k1) {
			s->count++;
			return;
		}
		if (t == 0) {
			insert_short(sc, s, k0, k1, tag, off);
			return;
		}
		i = (i + 1) & sc->mask;
	}
}

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
static inline __attribute__((always_inline)) void queue_short(wc_scan_t *sc, uint64_t k0,
							      uint64_t k1, size_t len,
							      uint64_t off)
{
	unsigned i = (unsigned)(sc->qn & (PIPE - 1));
	if (sc->qn >= PIPE)
		count_short(sc, sc->k0[i], sc->k1[i], sc->tag[i], sc->qoff[i]);
	uint64_t tag = bm_hm_tag_short(k0, k1, len);
	sc->k0[i] = k0;
	sc->k1[i] = k1;
	sc->tag[i] = tag;
	sc->qoff[i] = off;
	__builtin_prefetch(&sc->slots[tag & sc->mask]);
	sc->qn++;
}

/* Queue a short word given as its padded words, folded for ignore_case. */
static inline __attribute__((always_inline)) void queue_word(wc_scan_t *sc, uint64_t k0,
							     uint64_t k1, size_t len, uint64_t off)
{
	if (sc->fold) {
		k0 = fold8(k0);
		k1 = fold8(k1);
	}
	queue_short(sc, k0, k1, len, off);
}

/* Count the words still queued at the end of a scan. */
static void drain(wc_scan_t *sc)
{
	for (uint64_t j = sc->qn > PIPE ? sc->qn - PIPE : 0; j < sc->qn; j++) {
		unsigned i = (unsigned)(j & (PIPE - 1));
		count_short(sc, sc->k0[i], sc->k1[i], sc->tag[i], sc->qoff[i]);
	}
	sc->qn = 0;
}

/* A word the fast path does not take: long, filtered by length, or too near
 * the end of the buffer for a 16-byte load. */
static void __attribute__((noinline)) emit_slow(wc_scan_t *sc, const uint8_t *w, size_t len,
						uint64_t off)
{
	bm_wc_ctx_t *c = sc->c;
	if (c->min_length > 1 &&
	    (len < c->min_length || bm_wc_chars_upto(w, len, c->min_length) < c->min_length))
		return;
	if (len <= 16) {
		uint64_t k0, k1;
		bm_hash_pad16(w, len, &k0, &k1);
		queue_word(sc, k0, k1, len, off);
		return;
	}
	if (len > BM_WC_MAX_WORD) {
		if (!c->err)
			c->err_off = off;
		ctx_fail(c, E2BIG);
		return;
	}
	if (c->fold_case && !(w = bm_wc_fold(c, w, len))) {
		ctx_fail(c, ENOMEM);
		return;
	}
	/* Long words are counted at once, not queued; a word's occurrences
	 * still count in order since all of them take this path. */
	bm_hm_key_t k;
	bm_hm_key(&k, w, len);
	counted(sc, bm_hashmap_upsert(&c->map, &k, off));
}

/* Count one word (the scan's emit function). */
static inline __attribute__((always_inline)) void emit(void *arg, const uint8_t *w, size_t len)
{
	wc_scan_t *sc = arg;
	uint64_t off = sc->off + (uintptr_t)w;
	if (__builtin_expect(len <= 16 && (uintptr_t)w <= sc->fast_end, 1)) {
		/* The common case, without a branch on the length: 16 bytes
		 * loaded and masked to the word. */
		uint64_t k0, k1;
		bm_hash_load16(w, len, &k0, &k1);
		queue_word(sc, k0, k1, len, off);
		return;
	}
	emit_slow(sc, w, len, off);
}

/* The body of every scan: count the words of P[0..N) with MASK. */
static inline __attribute__((always_inline)) void scan(bm_wc_ctx_t *c, const uint8_t *p,
						       size_t n, uint64_t off,
						       bm_tok_mask_fn *mask)
{
	wc_scan_t sc;
	sc.c = c;
	sc.slots = c->map.slots;
	sc.mask = c->map.mask;
	sc.off = off - (uintptr_t)p;
	/* The fast path reads 16 bytes and checks no minimum length. */
	sc.fast_end = n >= 16 && c->min_length <= 1 ? (uintptr_t)p + n - 16 : 0;
	sc.fold = c->fold_case;
	sc.qn = 0;
	bm_tok_scan(p, n, mask, emit, &sc);
	drain(&sc);
}

static void scan_ws_generic(bm_wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_ws_generic);
}

static void scan_alnum_generic(bm_wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_alnum_generic);
}

#ifdef BM_TOK_X86
static void scan_ws_sse2(bm_wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_ws_sse2);
}

static void scan_alnum_sse2(bm_wc_ctx_t *c, const uint8_t *p, size_t n, uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_alnum_sse2);
}

__attribute__((target("arch=x86-64-v3"))) static void scan_ws_avx2(bm_wc_ctx_t *c,
								   const uint8_t *p, size_t n,
								   uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_ws_avx2);
}

__attribute__((target("arch=x86-64-v3"))) static void scan_alnum_avx2(bm_wc_ctx_t *c,
								      const uint8_t *p, size_t n,
								      uint64_t off)
{
	scan(c, p, n, off, bm_tok_mask_alnum_avx2);
}
#endif

bm_wc_scan_fn *bm_wc_scanner(bm_cpu_level_t level, bool alnum)
{
#ifdef BM_TOK_X86
	if (level >= BM_CPU_AVX2)
		return alnum ? scan_alnum_avx2 : scan_ws_avx2;
	if (level >= BM_CPU_SSE2)
		return alnum ? scan_alnum_sse2 : scan_ws_sse2;
#else
	(void)level;
#endif
	return alnum ? scan_alnum_generic : scan_ws_generic;
}
