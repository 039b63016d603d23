/* Unit tests of the arena, the counting hash map and the word counter:
 * keys of every length, no reads outside a key or a buffer (guard pages),
 * every SIMD scanner against a naive count on random bytes, threads, merge,
 * and the sorted, filtered, truncated results. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bm_arena.h"
#include "bm_cli.h"
#include "bm_cpu.h"
#include "bm_hash.h"
#include "bm_hashmap.h"
#include "bm_wordcount.h"
#include "check_main.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* N bytes that end exactly at a PROT_NONE page: reading past them faults. */
static uint8_t *guarded(size_t n, void **base, size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (n + page - 1) / page * page;
	*maplen = data + page;
	uint8_t *m = mmap(NULL, *maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m + data, page, PROT_NONE), 0);
	*base = m;
	return m + data - n;
}

START_TEST(arena_blocks)
{
	bm_arena_t a = BM_ARENA_INIT, b = BM_ARENA_INIT;
	uint8_t *small[1000];
	for (int i = 0; i < 1000; i++) {
		small[i] = bm_arena_alloc(&a, 3000);
		ck_assert_ptr_nonnull(small[i]);
		memset(small[i], i & 0xff, 3000);
	}
	uint8_t *big = bm_arena_alloc(&a, 5u << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 0xee, 5u << 20);
	uint8_t *after = bm_arena_dup(&b, "xyz", 3);
	ck_assert_mem_eq(after, "xyz", 3);
	bm_arena_steal(&a, &b);
	ck_assert_ptr_null(b.head);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(small[i][2999], i & 0xff);
	ck_assert_mem_eq(after, "xyz", 3);
	ck_assert_uint_ge(a.bytes, (5u << 20) + 3000000);
	bm_arena_free(&a);
	ck_assert_ptr_null(a.head);
	bm_arena_free(&b);
}
END_TEST

START_TEST(pad16_and_hash_stay_inside_the_key)
{
	void *base;
	size_t maplen;
	for (size_t n = 1; n <= 40; n++) {
		uint8_t *k = guarded(n, &base, &maplen);
		for (size_t i = 0; i < n; i++)
			k[i] = (uint8_t)(i * 37 + n);
		bm_hm_key_t key;
		bm_hm_key(&key, k, n); /* would fault on an overread */
		ck_assert_uint_eq(key.tag >> 59, n > 16 ? 31 : n);
		if (n <= 16) {
			uint8_t want[16] = {0};
			memcpy(want, k, n);
			ck_assert_uint_eq(key.k0, bm_hash_rd64(want));
			ck_assert_uint_eq(key.k1, bm_hash_rd64(want + 8));
		}
		ck_assert_uint_eq(bm_hash_bytes(k, n, 0) & (~0ull >> 5), key.tag & (~0ull >> 5));
		ck_assert_uint_ne(bm_hash_bytes(k, n, 1), bm_hash_bytes(k, n, 0));
		if (n <= 16) {
			/* the branch-free load of a key with 16 bytes of slack */
			uint8_t slack[32];
			memcpy(slack, k, n);
			memset(slack + n, 0xa5, sizeof slack - n);
			uint64_t k0, k1;
			bm_hash_load16(slack, n, &k0, &k1);
			ck_assert_uint_eq(k0, key.k0);
			ck_assert_uint_eq(k1, key.k1);
		}
		munmap(base, maplen);
	}
	ck_assert_uint_ne(bm_hash_bytes(NULL, 0, 0), bm_hash_bytes(NULL, 0, 7));
	/* Keys that differ only in trailing NULs or length differ. */
	ck_assert_uint_ne(bm_hash_bytes("ab", 2, 0), bm_hash_bytes("ab\0", 3, 0));
	ck_assert_uint_ne(bm_hash_bytes("a", 1, 0), bm_hash_bytes("b", 1, 0));
}
END_TEST

static size_t make_key(uint8_t *buf, uint64_t i)
{
	/* Lengths 1..40 with NULs and high bytes, distinct for distinct I. */
	size_t n = 1 + (size_t)(i % 40);
	memset(buf, 0, n);
	for (size_t j = 0; j < n; j++)
		buf[j] = (uint8_t)((i >> (8 * (j % 8))) + j / 8 * 3);
	memcpy(buf + n, &i, 8); /* appended so keys are unique */
	return n + 8;
}

START_TEST(hashmap_counts_and_grows)
{
	bm_hashmap_t m;
	ck_assert_int_eq(bm_hashmap_init(&m), 0);
	uint8_t buf[64];
	const uint64_t N = 200000;
	for (int round = 0; round < 3; round++)
		for (uint64_t i = 0; i < N; i++) {
			if (round == 2 && i % 2)
				continue;
			size_t n = make_key(buf, i);
			bm_hm_key_t k;
			bm_hm_key(&k, buf, n);
			bm_hm_slot_t *s = bm_hashmap_upsert(&m, &k, round * N + i);
			ck_assert_ptr_nonnull(s);
			s->count++;
		}
	ck_assert_uint_eq(m.n, N);
	for (uint64_t i = 0; i < N; i++) {
		size_t n = make_key(buf, i);
		bm_hm_slot_t *s = bm_hashmap_get(&m, buf, n);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(s->count, i % 2 ? 2 : 3);
		ck_assert_uint_eq(bm_hm_slot_first(&m, s), i);
		size_t len;
		const uint8_t *key = bm_hm_slot_key(s, &len);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(key, buf, n);
	}
	ck_assert_ptr_null(bm_hashmap_get(&m, "absent", 6));
	size_t seen = 0;
	for (bm_hm_slot_t *s = bm_hashmap_next(&m, NULL); s; s = bm_hashmap_next(&m, s))
		seen++;
	ck_assert_uint_eq(seen, N);
	bm_hashmap_free(&m);
}
END_TEST

START_TEST(hashmap_merge)
{
	bm_hashmap_t a, b;
	ck_assert_int_eq(bm_hashmap_init(&a), 0);
	ck_assert_int_eq(bm_hashmap_init(&b), 0);
	uint8_t buf[64];
	/* A has keys 0..9999 (first = 100 + i), B has 5000..14999 (first = i). */
	for (uint64_t i = 0; i < 15000; i++) {
		size_t n = make_key(buf, i);
		bm_hm_key_t k;
		bm_hm_key(&k, buf, n);
		if (i < 10000)
			bm_hashmap_upsert(&a, &k, 100 + i)->count += 1;
		if (i >= 5000)
			bm_hashmap_upsert(&b, &k, i)->count += 10;
	}
	ck_assert_int_eq(bm_hashmap_merge(&a, &b), 0);
	ck_assert_ptr_null(b.slots);
	ck_assert_uint_eq(a.n, 15000);
	for (uint64_t i = 0; i < 15000; i++) {
		size_t n = make_key(buf, i);
		bm_hm_slot_t *s = bm_hashmap_get(&a, buf, n);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(s->count, (i < 10000) + 10 * (i >= 5000));
		ck_assert_uint_eq(bm_hm_slot_first(&a, s), i < 5000 ? 100 + i : i);
	}
	/* A sum past UINT64_MAX is reported. */
	ck_assert_int_eq(bm_hashmap_init(&b), 0);
	bm_hm_key_t k;
	bm_hm_key(&k, "w", 1);
	bm_hashmap_upsert(&b, &k, 0)->count = UINT64_MAX;
	bm_hashmap_upsert(&a, &k, 0)->count = 1;
	ck_assert_int_eq(bm_hashmap_merge(&a, &b), -2);
	bm_hashmap_free(&a);
}
END_TEST

/* ---- the counter against a naive count ---- */

typedef struct {
	const uint8_t *p;
	size_t n;
} word_t;

static int word_cmp(const void *x, const void *y)
{
	const word_t *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->p, b->p, n);
	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int is_sep(uint8_t c, int alnum)
{
	if (alnum)
		return !(c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			 (c >= 'A' && c <= 'Z'));
	return c == ' ' || (c >= 9 && c <= 13);
}

/* The naive count: split byte by byte, fold, filter, sort, run-length. */
static size_t naive(const uint8_t *text, size_t n, int alnum, int fold, uint64_t minlen,
		    bm_wc_word_t **out, uint8_t **store)
{
	word_t *w = malloc((n / 2 + 2) * sizeof *w);
	uint8_t *s = malloc(n + 1);
	size_t nw = 0, i = 0;
	for (size_t k = 0; k < n; k++)
		s[k] = fold && text[k] >= 'A' && text[k] <= 'Z' ? text[k] + 32 : text[k];
	while (i < n) {
		while (i < n && is_sep(text[i], alnum))
			i++;
		size_t st = i;
		while (i < n && !is_sep(text[i], alnum))
			i++;
		if (i > st) {
			uint64_t chars = 0;
			for (size_t k = st; k < i; k++)
				chars += (text[k] & 0xc0) != 0x80;
			if (chars >= minlen)
				w[nw++] = (word_t){s + st, i - st};
		}
	}
	qsort(w, nw, sizeof *w, word_cmp);
	bm_wc_word_t *r = malloc((nw + 1) * sizeof *r);
	size_t nr = 0;
	for (size_t k = 0; k < nw; k++) {
		if (nr && r[nr - 1].len == w[k].n && memcmp(r[nr - 1].word, w[k].p, w[k].n) == 0)
			r[nr - 1].count++;
		else
			r[nr++] = (bm_wc_word_t){w[k].p, w[k].n, 1};
	}
	free(w);
	*out = r;
	*store = s;
	return nr;
}

static void compare(bm_wc_t *wc, const bm_wc_word_t *want, size_t nwant)
{
	const bm_wc_word_t *got;
	ptrdiff_t n = bm_wc_result(wc, BM_WC_SORT_WORD, 1, UINT64_MAX, &got);
	ck_assert_int_eq(n, (ptrdiff_t)nwant);
	for (size_t k = 0; k < nwant; k++) {
		ck_assert_uint_eq(got[k].len, want[k].len);
		ck_assert_mem_eq(got[k].word, want[k].word, want[k].len);
		ck_assert_uint_eq(got[k].count, want[k].count);
	}
}

/* Random text: mostly letters, some whitespace runs, all other bytes too,
 * words of up to ~70 bytes. */
static void random_text(uint8_t *t, size_t n)
{
	static const char ws[] = " \t\n\v\f\r";
	for (size_t i = 0; i < n; i++) {
		uint64_t r = next() % 100;
		if (r < 15)
			t[i] = (uint8_t)ws[next() % 6];
		else if (r < 70)
			t[i] = (uint8_t)("abcAB"[next() % 5]);
		else if (r < 75 && i % 97 > 20)
			t[i] = 'z';
		else
			t[i] = (uint8_t)(next() & 0xff);
	}
}

/* Every path the CPU has (BM_CPU=generic, sse2, avx2 as bm_cpu() sees it)
 * against the naive count, so each agrees with the plain C one. */
START_TEST(scanners_match_naive_count)
{
	void *base;
	size_t maplen;
	for (size_t trial = 0; trial < 12; trial++) {
		size_t n = trial < 4 ? 1 + trial * 63 : 1000 + next() % 50000;
		uint8_t *text = guarded(n, &base, &maplen);
		random_text(text, n);
		int alnum = trial % 2, fold = trial % 3 == 0;
		uint64_t minlen = trial % 4 == 3 ? 3 : 0;
		bm_wc_word_t *want;
		uint8_t *store;
		size_t nwant = naive(text, n, alnum, fold, minlen, &want, &store);
		for (int level = BM_CPU_GENERIC; level <= (int)bm_cpu_detected(); level++) {
			setenv("BM_CPU", bm_cpu_name((bm_cpu_level_t)level), 1);
			ck_assert_int_eq(bm_cpu_init(), 0);
			ck_assert_int_eq(bm_cpu(), level);
			for (int threads = 1; threads <= 3; threads += 2) {
				bm_wc_opts_t o;
				bm_wc_opts_init(&o);
				o.alnum = alnum;
				o.ignore_case = fold;
				o.min_length = minlen;
				o.threads = threads;
				o.block_size = 16 + next() % 3000;
				o.positions = (trial + threads) % 3 != 0;
				bm_wc_t *wc = bm_wc_new(&o);
				ck_assert_ptr_nonnull(wc);
				ck_assert_int_eq(bm_wc_count_mem(wc, text, n), 0);
				ck_assert_int_eq(bm_wc_finish(wc), 0);
				compare(wc, want, nwant);
				bm_wc_free(wc);
			}
		}
		unsetenv("BM_CPU");
		ck_assert_int_eq(bm_cpu_init(), 0);
		free(want);
		free(store);
		munmap(base, maplen);
	}
}
END_TEST

START_TEST(results_sorted_filtered_truncated)
{
	bm_wc_opts_t o;
	bm_wc_opts_init(&o);
	bm_wc_t *wc = bm_wc_new(&o);
	/* Counts chosen with ties: word i gets (i % 7) + 1. */
	char w[32];
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(w, sizeof w, "w%d", (i * 7919) % 3000);
		ck_assert_int_eq(bm_wc_add(wc, w, (size_t)n, (uint64_t)((i * 7919) % 3000 % 7 + 1)), 0);
	}
	ck_assert_int_eq(bm_wc_add(wc, "", 0, 5), 0); /* ignored */
	ck_assert_int_eq(bm_wc_finish(wc), 0);
	ck_assert_uint_eq(bm_wc_distinct(wc), 3000);
	const bm_wc_word_t *all, *top;
	ptrdiff_t n = bm_wc_result(wc, BM_WC_SORT_COUNT, 1, UINT64_MAX, &all);
	ck_assert_int_eq(n, 3000);
	/* Keep a copy: the next call reuses the array. */
	bm_wc_word_t *copy = malloc(3000 * sizeof *copy);
	memcpy(copy, all, 3000 * sizeof *copy);
	for (int k = 1; k < 3000; k++) {
		const bm_wc_word_t *a = &copy[k - 1], *b = &copy[k];
		ck_assert(a->count > b->count ||
			  (a->count == b->count && word_cmp(&(word_t){a->word, a->len},
							    &(word_t){b->word, b->len}) < 0));
	}
	uint64_t tops[] = {0, 1, 2, 17, 100, 428, 429, 2999, 3000, 5000};
	for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
		n = bm_wc_result(wc, BM_WC_SORT_COUNT, 1, tops[t], &top);
		ck_assert_int_eq(n, tops[t] < 3000 ? (ptrdiff_t)tops[t] : 3000);
		for (ptrdiff_t k = 0; k < n; k++) {
			ck_assert_uint_eq(top[k].count, copy[k].count);
			ck_assert_ptr_eq(top[k].word, copy[k].word);
		}
	}
	n = bm_wc_result(wc, BM_WC_SORT_COUNT, 7, UINT64_MAX, &top);
	ck_assert_int_eq(n, 428); /* 3000 / 7 rounded: i % 7 == 6 */
	n = bm_wc_result(wc, BM_WC_SORT_NONE, 1, 3, &top);
	ck_assert_int_eq(n, 3);
	ck_assert_mem_eq(top[0].word, "w0", 2);
	ck_assert_mem_eq(top[1].word, "w1919", 5);
	free(copy);
	bm_wc_free(wc);

	/* Without positions there is no order of first appearance. */
	o.positions = false;
	o.threads = 2;
	wc = bm_wc_new(&o);
	ck_assert_int_eq(bm_wc_count_mem(wc, "b a b", 5), 0);
	ck_assert_int_eq(bm_wc_finish(wc), 0);
	ck_assert_int_eq(bm_wc_result(wc, BM_WC_SORT_NONE, 1, UINT64_MAX, &top), -1);
	ck_assert_int_eq(bm_wc_result(wc, BM_WC_SORT_COUNT, 1, UINT64_MAX, &top), 2);
	ck_assert_mem_eq(top[0].word, "b", 1);
	ck_assert_uint_eq(top[0].count, 2);
	bm_wc_free(wc);
}
END_TEST

START_TEST(add_overflow_and_fold)
{
	bm_wc_opts_t o;
	bm_wc_opts_init(&o);
	o.ignore_case = true;
	bm_wc_t *wc = bm_wc_new(&o);
	ck_assert_int_eq(bm_wc_add(wc, "Word", 4, UINT64_MAX - 1), 0);
	ck_assert_int_eq(bm_wc_add(wc, "WORD", 4, 1), 0);
	ck_assert_int_eq(bm_wc_add(wc, "word", 4, 1), -1);
	ck_assert_str_eq(bm_errmsg(), "the count of 'word' passes 18446744073709551615");
	ck_assert_int_eq(bm_wc_finish(wc), 0);
	ck_assert_uint_eq(bm_wc_distinct(wc), 1);
	ck_assert_uint_eq(bm_wc_total(wc), UINT64_MAX);
	bm_wc_free(wc);
}
END_TEST

int main(void)
{
	bm_cli_init("check_wordcount");
	return run_tests("wordcount", 120, NULL, NULL,
			 CHECK_TESTS(arena_blocks, pad16_and_hash_stay_inside_the_key, hashmap_counts_and_grows,
				     hashmap_merge, scanners_match_naive_count, results_sorted_filtered_truncated,
				     add_overflow_and_fold));
}
