/* bm_tok.h: the tokenizer: what a word is, and the scan that finds words.
 *
 * Two kinds of words (bm_wordcount.h): maximal runs of bytes other than
 * ASCII whitespace, or (alnum) maximal runs of ASCII letters, digits and
 * bytes >= 0x80. A scan classifies 64 bytes at a time into a bitmask of
 * separators and takes word starts and ends out of the mask with
 * count-trailing-zeros.
 *
 * The masks come in three versions: plain C (BM_CPU_GENERIC, no intrinsics),
 * SSE2 and AVX2. The scan, bm_tok_scan, is written once as an always-inline
 * function over a mask and an emit function; the includer (bm_wc_count.c)
 * compiles it once per CPU level with its own emit inlined and picks one
 * with bm_cpu(). Everything here is inline: the module is this header.
 */
#ifndef BM_TOK_H
#define BM_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define BM_TOK_X86 1
#include <immintrin.h>
#endif

/* Whether byte C separates whitespace words: ' ' or 9..13. */
static inline bool bm_tok_is_space(unsigned c)
{
	return c == ' ' || (c - 9u) <= 4u;
}

/* Whether byte C separates alnum words: ASCII other than letters and digits. */
static inline bool bm_tok_is_alnum_sep(unsigned c)
{
	return c < 0x80 && !((c - '0') <= 9u || ((c | 0x20) - 'a') <= 25u);
}

/* Whether byte C separates words of the kind ALNUM says. */
static inline bool bm_tok_is_sep(bool alnum, unsigned c)
{
	return alnum ? bm_tok_is_alnum_sep(c) : bm_tok_is_space(c);
}

/* ---- 64-byte masks: bit i set when P[i] separates words ---- */

typedef uint64_t bm_tok_mask_fn(const uint8_t *p);

static inline uint64_t bm_tok_mask_ws_generic(const uint8_t *p)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)bm_tok_is_space(p[i]) << i;
	return m;
}

static inline uint64_t bm_tok_mask_alnum_generic(const uint8_t *p)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)bm_tok_is_alnum_sep(p[i]) << i;
	return m;
}

#ifdef BM_TOK_X86
/* Separator bytes: ' ' or 9..13, i.e. (x - 9) <= 4 unsigned. */
static inline uint64_t bm_tok_mask_ws_sse2(const uint8_t *p)
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
static inline uint64_t bm_tok_mask_alnum_sse2(const uint8_t *p)
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

__attribute__((target("avx2"))) static inline uint64_t bm_tok_mask_ws_avx2(const uint8_t *p)
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

__attribute__((target("avx2"))) static inline uint64_t bm_tok_mask_alnum_avx2(const uint8_t *p)
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

/* ---- the scan ---- */

/* EMIT(CTX, W, LEN): one word W of LEN >= 1 bytes. */
typedef void bm_tok_emit_fn(void *ctx, const uint8_t *w, size_t len);

/* Call EMIT for every word of P[0..N), in order, where both ends of P are
 * word boundaries. Full 64-byte blocks are classified in place; the last
 * partial block through a copy padded with spaces (a separator of both
 * kinds), so nothing is read outside P. MASK and EMIT must be constants for
 * the scan to be inlined into one loop. */
static inline __attribute__((always_inline)) void bm_tok_scan(const uint8_t *p, size_t n,
							      bm_tok_mask_fn *mask,
							      bm_tok_emit_fn *emit, void *ctx)
{
	const uint8_t *base = p, *wstart = p, *limit = p + n;
	uint64_t carry = 0; /* 1 when the byte before BASE is in a word */
	size_t left = n;
	uint8_t pad[64];
	while (left > 0) {
		uint64_t sep;
		if (left >= 64) {
			sep = mask(base);
		} else {
			memset(pad, ' ', 64);
			memcpy(pad, base, left);
			sep = mask(pad);
		}
		uint64_t word = ~sep;
		uint64_t starts = word & ~((word << 1) | carry);
		uint64_t ends = sep & ((word << 1) | carry);
		if (carry && ends) {
			const uint8_t *e = base + __builtin_ctzll(ends);
			emit(ctx, wstart, (size_t)(e - wstart));
			ends &= ends - 1;
		}
		while (starts) {
			const uint8_t *s = base + __builtin_ctzll(starts);
			starts &= starts - 1;
			if (!ends) {
				wstart = s;
				break;
			}
			const uint8_t *e = base + __builtin_ctzll(ends);
			ends &= ends - 1;
			emit(ctx, s, (size_t)(e - s));
		}
		carry = word >> 63;
		if (left <= 64)
			break;
		base += 64;
		left -= 64;
	}
	if (carry) /* a word runs to the end (N a multiple of 64) */
		emit(ctx, wstart, (size_t)(limit - wstart));
}

#endif
