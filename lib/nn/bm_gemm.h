/* bm_gemm.h: the single-precision matrix products of the MLP.
 *
 * Row-major, as cblas_sgemm with CblasRowMajor:
 *   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
 * where op(X) is X or its transpose. With beta == 0, C is not read (NaN in
 * C does not leak in).
 *
 * This module owns the products and the choice of their path, made through
 * bm_cpu() once per product (bm_cpu.h; BM_CPU forces one):
 *  - BM_CPU_GENERIC: the plain triple loop, bm_sgemm_naive (no intrinsics,
 *    no vector types; slow, kept as the reference);
 *  - BM_CPU_SSE2: the built-in packed kernel compiled for the baseline;
 *  - BM_CPU_AVX2 and up: the same kernel compiled for AVX2 + FMA (FMA
 *    rounds once where SSE2 rounds twice: the two paths differ in the last
 *    bits, each is the same on every machine that takes it).
 * bm_sgemm goes through CBLAS instead once the program has called
 * bm_gemm_use_cblas() and configure found one (HAVE_CBLAS; see bm_gemm.c
 * for the measurements), except under BM_CPU_GENERIC.
 *
 * bm_sgemm_mt splits the columns of C into chunks whose number and width
 * depend on the shape only (never on THREADS), and computes them on up to
 * THREADS threads, each chunk with one bm_sgemm call. Every element of C
 * is therefore summed over k by the same code in the same order for any
 * THREADS: results are byte-identical for any -j. The threads are
 * bm_pool's: one bm_sgemm_mt at a time, never from inside a bm_pool task.
 *
 * The built-in kernel (and the naive loop) computes every element of C the
 * same way wherever it lies in C (edges are zero-padded, k is blocked the
 * same for all), so a row of C depends on nothing but the matching row of
 * op(A): bm-predict uses it (bm_sgemm_packed) so that a row's output does
 * not depend on the batch size or the threads. BLAS libraries give no such
 * promise (OpenBLAS's edge kernels sum differently).
 *
 * The products cannot fail: the kernel's packing buffers (at most 1 MiB a
 * thread) come from bm_xmalloc, whose out-of-memory handler ends the
 * program.
 */
#ifndef BM_GEMM_H
#define BM_GEMM_H

#include <stdbool.h>

/* C = alpha op(A) op(B) + beta C on the calling thread: CBLAS when in use,
 * else bm_sgemm_builtin. */
void bm_sgemm(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
	      const float *B, int ldb, float beta, float *C, int ldc);

/* bm_sgemm in chunks of columns on up to THREADS threads (see above). */
void bm_sgemm_mt(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		 const float *B, int ldb, float beta, float *C, int ldc, int threads);

/* The built-in product for the level bm_cpu() says: the packed kernel
 * (AVX2+FMA or SSE2), or bm_sgemm_naive under BM_CPU_GENERIC. */
void bm_sgemm_builtin(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		      const float *B, int ldb, float beta, float *C, int ldc);

/* The plain triple loop (double accumulators): BM_CPU_GENERIC's path and
 * the reference the tests and benchmarks compare the others against. */
void bm_sgemm_naive(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, float beta, float *C, int ldc);

/* op(B) [K, N] packed once, for products whose right-hand side stays the
 * same (the weights, in inference): bm_sgemm_packed skips the packing that
 * bm_sgemm_builtin does on every call, with the same results. The layout
 * is that of the level bm_cpu() said when it was packed. */
typedef struct {
	int K, N;
	bool plain;  /* op(B) as it is, [K, N] (BM_CPU_GENERIC), not in panels */
	float *data;
} bm_gemm_packed_t;

/* Pack op(B) into P (allocated). Returns 0, or -1 with bm_errmsg() "out of
 * memory". */
int bm_gemm_pack(bm_gemm_packed_t *p, bool transb, int K, int N, const float *B, int ldb);
/* Release P's data. */
void bm_gemm_packed_free(bm_gemm_packed_t *p);
/* C[M, N] = op(A)[M, K] * P, on the calling thread: bm_sgemm_builtin's
 * bytes (on the level P was packed for), rows independent of M. */
void bm_sgemm_packed(bool transa, int M, const float *A, int lda, const bm_gemm_packed_t *p, float *C, int ldc);

/* Chunks bm_sgemm_mt splits an M x N x K product into (for tests). */
int bm_sgemm_chunks(int M, int N, int K);

/* Send bm_sgemm through the CBLAS configure found (bm-train does; a no-op
 * without one). It lives in its own object file, bm_gemm_cblas.c, so a
 * program that never calls it (bm-predict) does not load the BLAS library,
 * whose start-up costs milliseconds. */
void bm_gemm_use_cblas(void);

/* Set by bm_gemm_use_cblas: the CBLAS product bm_sgemm calls, or NULL. */
typedef void bm_sgemm_fn(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
			 const float *B, int ldb, float beta, float *C, int ldc);
extern bm_sgemm_fn *bm_sgemm_blas;

#endif
