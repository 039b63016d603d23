/* Unit tests of bm_gemm: every transpose, edge sizes, alpha/beta, on every
 * path the processor has (BM_CPU generic, sse2, avx2), against the plain
 * triple loop (BM_CPU=generic's path). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm_gemm.h"
#include "check_main.h"
#include "check_paths.h"

/* Case C of a loop over every path, shape of SHAPES[n] and transpose:
 * take its path, and set its transposes and sizes. Returns its path. */
static int case_of(int c, const int (*shapes)[3], int n, bool *ta, bool *tb, int *M, int *N, int *K)
{
	int l = c / (n * 4), s = c / 4 % n;
	use_path(l);
	*ta = c & 1, *tb = c & 2;
	*M = shapes[s][0], *N = shapes[s][1], *K = shapes[s][2];
	return l;
}

static float *random_matrix(size_t n, unsigned *seed)
{
	float *m = malloc(n * sizeof *m);
	for (size_t i = 0; i < n; i++)
		m[i] = (float)(rand_r(seed) % 2001 - 1000) / 1000.0f;
	return m;
}

typedef void gemm_fn(bool, bool, int, int, int, float, const float *, int, const float *, int, float, float *, int);

/* bm_sgemm_mt on 2 threads (the function type of the others). */
static void sgemm_mt2(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
		      int ldb, float beta, float *C, int ldc)
{
	bm_sgemm_mt(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 2);
}

static gemm_fn *const fns[] = {bm_sgemm, bm_sgemm_builtin, sgemm_mt2};

/* Compare a product (FN) with the plain loop on one case; leading
 * dimensions padded to catch stride bugs. The tolerance, 1e-5 (1 + |c|)
 * sqrt(K), covers float sums of K terms (in blocks, with or without FMA)
 * against double ones. */
static void fn_case(gemm_fn *fn, bool ta, bool tb, int M, int N, int K, float alpha, float beta)
{
	unsigned seed = (unsigned)(M * 131 + N * 17 + K);
	int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 7;
	float *A = random_matrix((size_t)(ta ? K : M) * lda, &seed);
	float *B = random_matrix((size_t)(tb ? N : K) * ldb, &seed);
	float *C = random_matrix((size_t)M * ldc, &seed);
	float *R = malloc((size_t)M * ldc * sizeof *R);
	for (size_t i = 0; i < (size_t)M * ldc; i++)
		R[i] = C[i];
	if (beta == 0.0f)
		for (int i = 0; i < M; i++)
			C[(size_t)i * ldc] = NAN; /* must not leak through beta = 0 */
	fn(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	bm_sgemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, R, ldc);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < ldc; j++) {
			float got = C[(size_t)i * ldc + j], want = R[(size_t)i * ldc + j];
			if (j >= N) /* past N: untouched */
				ck_assert_msg(got == want || (isnan(got) && j == 0), "wrote past N");
			else
				ck_assert_msg(fabsf(got - want) <= 1e-5f * (1 + fabsf(want)) * sqrtf((float)K),
					      "ta=%d tb=%d %dx%dx%d C[%d][%d]=%g want %g", ta, tb, M, N, K, i, j, got,
					      want);
		}
	free(A);
	free(B);
	free(C);
	free(R);
}

static void one_case(bool ta, bool tb, int M, int N, int K, float alpha, float beta)
{
	for (int l = 0; l < npaths(); l++) {
		use_path(l);
		for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++)
			fn_case(fns[f], ta, tb, M, N, K, alpha, beta);
	}
}

START_TEST(all_transposes_and_edges)
{
	static const int sizes[][3] = {{1, 1, 1},    {5, 7, 3},     {6, 16, 8},  {7, 17, 9},     {32, 64, 100},
				       {32, 10, 64}, {97, 33, 300}, {13, 1030, 5}, {200, 40, 513}};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (int t = 0; t < 4; t++)
			one_case(t & 1, t & 2, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f);
}
END_TEST

START_TEST(alpha_and_beta)
{
	one_case(false, true, 33, 20, 70, 0.5f, 1.0f);
	one_case(true, false, 33, 20, 300, -2.0f, 0.25f);
	one_case(false, false, 8, 8, 8, 1.0f, 1.0f);
}
END_TEST

/* bm_sgemm_mt: the same bytes for any number of threads, on shapes that
 * split into chunks, on every path (the slow plain loop on the smaller
 * shapes only). */
START_TEST(threads_do_not_change_results)
{
	static const int sizes[][3] = {{256, 1024, 784}, {64, 784, 256}, {256, 200, 300}, {1024, 10, 1024},
				       {64, 512, 520}};
	const int nsizes = (int)(sizeof sizes / sizeof sizes[0]);
	for (int c = 0; c < npaths() * nsizes * 4; c++) {
		bool ta, tb;
		int M, N, K, l = case_of(c, sizes, nsizes, &ta, &tb, &M, &N, &K);
		if (l == 0 && (double)M * N * K > 3e7)
			continue;
		unsigned seed = 7;
		float *A = random_matrix((size_t)M * K, &seed), *B = random_matrix((size_t)K * N, &seed);
		float *C1 = malloc((size_t)M * N * sizeof(float)), *C = malloc((size_t)M * N * sizeof(float));
		bm_sgemm_mt(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C1, N, 1);
		for (int nt = 2; nt <= 5; nt++) {
			bm_sgemm_mt(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N, nt);
			ck_assert_msg(memcmp(C, C1, (size_t)M * N * sizeof(float)) == 0,
				      "%s %dx%dx%d ta=%d tb=%d: %d threads differ from 1", bm_cpu_name(l), M, N, K,
				      ta, tb, nt);
		}
		free(A);
		free(B);
		free(C);
		free(C1);
	}
	ck_assert_int_gt(bm_sgemm_chunks(256, 1024, 784), 1);
	ck_assert_int_eq(bm_sgemm_chunks(64, 512, 520), 2);
	ck_assert_int_eq(bm_sgemm_chunks(32, 64, 100), 1);
}
END_TEST

/* The built-in kernel: a row of C depends only on its row of op(A), not
 * on M (bm-predict's rows do not depend on the batch or the threads), on
 * every path. */
START_TEST(builtin_rows_do_not_depend_on_m)
{
	for (int c = 0; c < npaths() * 4; c++) {
		int l = c / 4, t = c % 4;
		use_path(l);
		bool ta = t & 1, tb = t & 2;
		int M = 197, N = 300, K = 700;
		unsigned seed = 11;
		float *A = random_matrix((size_t)M * K, &seed), *B = random_matrix((size_t)K * N, &seed);
		float *C = malloc((size_t)M * N * sizeof(float)), *R = malloc((size_t)N * sizeof(float));
		float *a1 = malloc((size_t)K * sizeof(float));
		bm_sgemm_builtin(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
		for (int i = 0; i < M; i++) {
			for (int k = 0; k < K; k++)
				a1[k] = ta ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
			bm_sgemm_builtin(ta, tb, 1, N, K, 1.0f, a1, ta ? 1 : K, B, tb ? K : N, 0.0f, R, N);
			ck_assert_msg(memcmp(R, C + (size_t)i * N, (size_t)N * sizeof(float)) == 0, "row %d ta=%d tb=%d",
				      i, ta, tb);
		}
		free(A);
		free(B);
		free(C);
		free(R);
		free(a1);
	}
}
END_TEST

/* Packed once, the product gives bm_sgemm_builtin's bytes, past the k-
 * and column-blocks (KC 256, NC 1024) and on partial panels, on every
 * path. */
START_TEST(packed_equals_builtin)
{
	static const int shapes[][3] = {{1, 10, 64}, {97, 64, 100}, {13, 1030, 300}, {50, 17, 784}, {6, 16, 1}};
	const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
	for (int c = 0; c < npaths() * nshapes * 4; c++) {
		bool ta, tb;
		int M, N, K;
		case_of(c, shapes, nshapes, &ta, &tb, &M, &N, &K);
		unsigned seed = 5;
		float *A = random_matrix((size_t)M * K, &seed), *B = random_matrix((size_t)K * N, &seed);
		float *C = malloc((size_t)M * N * sizeof(float)), *R = malloc((size_t)M * N * sizeof(float));
		bm_gemm_packed_t p;
		ck_assert_int_eq(bm_gemm_pack(&p, tb, K, N, B, tb ? K : N), 0);
		bm_sgemm_packed(ta, M, A, ta ? M : K, &p, C, N);
		bm_sgemm_builtin(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, R, N);
		ck_assert_msg(memcmp(C, R, (size_t)M * N * sizeof(float)) == 0, "%dx%dx%d ta=%d tb=%d", M, N, K,
			      ta, tb);
		bm_gemm_packed_free(&p);
		free(A);
		free(B);
		free(C);
		free(R);
	}
}
END_TEST

int main(void)
{
	bm_gemm_use_cblas(); /* bm_sgemm as bm-train runs it */
	return run_tests("gemm", 60, NULL, NULL,
			 CHECK_TESTS(all_transposes_and_edges, alpha_and_beta, threads_do_not_change_results,
				     builtin_rows_do_not_depend_on_m, packed_equals_builtin));
}
