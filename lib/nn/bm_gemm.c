/* bm_gemm.c: a blocked, packed SGEMM tuned for the small shapes of MLP
 * training (batch 32..256, layers of 10..1024), where a BLAS call's fixed
 * overhead is a large part of the time.
 *
 * The classic structure (Goto/BLIS): op(B) is packed into panels of NR
 * columns, k-major, so the micro-kernel streams it with unit stride and
 * keeps an MR x NR block of C in registers: 6 x 16 floats = 12 AVX2
 * registers, plus 2 for B and 1 for a broadcast of A. A is read in place
 * (its elements are only broadcast, and a broadcast is a load either way);
 * only a last partial panel of MR rows is packed, zero-padded. Packing B
 * transposed goes by 4 x 4 blocks transposed in SSE registers. The kernel
 * is written once with GCC vector types and compiled twice: for x86-64-v3
 * (AVX2 + FMA) and for the baseline (SSE2 on x86-64); bm_cpu() picks one
 * per product (BM_CPU_AVX2 and up: the first), so the shipped build needs
 * no -march. BM_CPU_GENERIC takes the plain triple loop, bm_sgemm_naive,
 * which stays beside the fast kernel as llm.c keeps matmul_forward_naive.
 * There is no AVX-512 variant: the development machine (AMD EPYC,
 * AVX2+FMA) could not run one, and untested code does not ship.
 *
 * Which one is used where. Measured single-threaded (best of 3, OpenBLAS
 * 0.3.21, AMD EPYC with AVX2+FMA, a shared machine whose load made any
 * single figure uncertain by +-30%), in GFLOP/s, built-in vs OpenBLAS:
 *  - the batch-32 training products, every transpose: 32x64x784 33-71 vs
 *    30-72, 32x64x64 33-61 vs 28-33, 32x10x64 12-21 vs 17-31;
 *  - 256-row forward products (inference): 256x64x784 77 vs 68-80,
 *    256x64x64 84-89 vs 65, 256x1024x784 73-89 vs 83-88;
 *  - whole epochs of workloads A and B (bm-train -j 2): the same within
 *    the noise (0.23-0.43 s both, for A; 0.43-0.57 s, for B).
 * (Before A was read in place and B's transposed packing was vectorized,
 * the built-in kernel was at half of OpenBLAS on the batch-32 products.)
 * So: with a CBLAS (HAVE_CBLAS), bm-train sends bm_sgemm through it
 * (bm_gemm_use_cblas; not under BM_CPU=generic): no worse here, and a BLAS
 * tuned for other machines (AVX-512, which this kernel lacks) will be
 * better there. bm-predict uses the built-in
 * kernel with its weights packed once (bm_sgemm_packed) because its rows
 * do not depend on the batch size, at no cost in speed. Without a CBLAS,
 * the built-in kernel does everything.
 */
#include "config.h"

#include "bm_gemm.h"
#include "bm_cli.h"
#include "bm_cpu.h"
#include "bm_err.h"
#include "bm_pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE__
#include <xmmintrin.h>
#endif

#define MR 6
#define NR 16
#define KC 256  /* k-block: an MR x KC panel of A and KC x NR of B stay in L1 */
#define MC 96   /* rows of A packed at once (L2) */
#define NC 1024 /* columns of B packed at once (L2/L3) */

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4))); /* unaligned access */

/* Packing buffers (B, and the last partial panel of A), grown once and
 * kept: no allocation per call. At most NC x KC and MR x KC floats (1 MiB
 * and 6 KiB): running out of memory for them ends the program, through
 * the one out-of-memory handler (bm_xmalloc). */
typedef struct {
	void *mem;  /* what bm_xmalloc gave */
	float *buf; /* in it, 64-byte aligned so the kernel's vector loads are aligned */
	size_t cap; /* floats */
} pack_buf_t;
static _Thread_local pack_buf_t apack, bpack;

static float *grow(pack_buf_t *p, size_t n)
{
	if (n > p->cap) {
		free(p->mem);
		p->mem = bm_xmalloc(n * sizeof(float) + 63);
		p->buf = (float *)(((uintptr_t)p->mem + 63) & ~(uintptr_t)63);
		p->cap = n;
	}
	return p->buf;
}

/* Pack op(A)[i0.., p0..] (mc x kc) into MR-row panels: panel[k][MR],
 * zero-padded. Loops run along A's rows in memory, whatever the transpose. */
static void pack_a(bool trans, const float *A, int lda, int i0, int p0, int mc, int kc, float *dst)
{
	for (int ir = 0; ir < mc; ir += MR, dst += MR * kc) {
		int m = mc - ir < MR ? mc - ir : MR;
		if (trans) {
			for (int k = 0; k < kc; k++) {
				const float *src = A + (size_t)(p0 + k) * lda + i0 + ir;
				for (int i = 0; i < MR; i++)
					dst[k * MR + i] = i < m ? src[i] : 0.0f;
			}
		} else {
			for (int i = 0; i < MR; i++) {
				const float *src = A + (size_t)(i0 + ir + i) * lda + p0;
				for (int k = 0; k < kc; k++)
					dst[k * MR + i] = i < m ? src[k] : 0.0f;
			}
		}
	}
}

/* Pack op(B)[p0.., j0..] (kc x nc) into NR-column panels: panel[k][NR], zero-padded. */
static void pack_b(bool trans, const float *B, int ldb, int p0, int j0, int kc, int nc, float *dst)
{
	for (int jr = 0; jr < nc; jr += NR, dst += NR * kc) {
		int n = nc - jr < NR ? nc - jr : NR;
#ifdef __SSE__
		if (trans && n == NR) {
			/* 4 x 4 blocks transposed in registers (SSE, every x86-64):
			 * row-by-row copying with strided stores took a fifth of
			 * bm-predict's time on 1024-wide layers */
			int k = 0;
			for (; k + 4 <= kc; k += 4)
				for (int j = 0; j < NR; j += 4) {
					const float *src = B + (size_t)(j0 + jr + j) * ldb + p0 + k;
					__m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + ldb);
					__m128 r2 = _mm_loadu_ps(src + 2 * (size_t)ldb), r3 = _mm_loadu_ps(src + 3 * (size_t)ldb);
					_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
					_mm_storeu_ps(dst + (size_t)k * NR + j, r0);
					_mm_storeu_ps(dst + (size_t)(k + 1) * NR + j, r1);
					_mm_storeu_ps(dst + (size_t)(k + 2) * NR + j, r2);
					_mm_storeu_ps(dst + (size_t)(k + 3) * NR + j, r3);
				}
			for (; k < kc; k++)
				for (int j = 0; j < NR; j++)
					dst[k * NR + j] = B[(size_t)(j0 + jr + j) * ldb + p0 + k];
			continue;
		}
#endif
		if (!trans && n == NR) {
			for (int k = 0; k < kc; k++)
				memcpy(dst + (size_t)k * NR, B + (size_t)(p0 + k) * ldb + j0 + jr, NR * sizeof(float));
			continue;
		}
		if (trans) {
			for (int j = 0; j < NR; j++) {
				const float *src = B + (size_t)(j0 + jr + j) * ldb + p0;
				for (int k = 0; k < kc; k++)
					dst[k * NR + j] = j < n ? src[k] : 0.0f;
			}
		} else {
			for (int k = 0; k < kc; k++) {
				const float *src = B + (size_t)(p0 + k) * ldb + j0 + jr;
				for (int j = 0; j < NR; j++)
					dst[k * NR + j] = j < n ? src[j] : 0.0f;
			}
		}
	}
}

/* acc[MR][NR] = sum over k of A(i, k) * b[k][j], for a packed panel of B
 * and A(i, k) = a[k * ks + i * is]: a packed panel of A (ks = MR, is = 1)
 * or A in place (a row-major A: ks = 1, is = lda; a transposed one: ks =
 * lda, is = 1). The broadcasts of A are loads either way, so A needs no
 * packing but for the last, partial panel (zero-padded). */
static inline __attribute__((always_inline)) void kernel(int kc, const float *restrict a, size_t ks, size_t is,
							 const float *restrict b, v8 acc[MR][2])
{
	v8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
	v8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
	const size_t o1 = is, o2 = 2 * is, o3 = 3 * is, o4 = 4 * is, o5 = 5 * is;
	for (int k = 0; k < kc; k++) {
		v8 b0 = *(const v8 *)b, b1 = *(const v8 *)(b + 8);
#define ROW(off, lo, hi)                                            \
	{                                                           \
		float s = a[off];                                   \
		v8 ai = {s, s, s, s, s, s, s, s}; /* a broadcast */ \
		lo += ai * b0;                                      \
		hi += ai * b1;                                      \
	}
		ROW(0, c00, c01) ROW(o1, c10, c11) ROW(o2, c20, c21)
		ROW(o3, c30, c31) ROW(o4, c40, c41) ROW(o5, c50, c51)
#undef ROW
		a += ks;
		b += NR;
	}
	acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
	acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
	acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
}

/* Every MR x NR block of C for one block of A (mc x kc, in place: A(i, k)
 * = a[k * ks + i * is]; its last panel, when partial, packed in EDGE) and
 * a packed block of B (kc x nc): C = alpha*AB + (first ? beta*C : C).
 * Every element gets the same operations in the same order wherever it
 * lies. The body of macro_avx2 and macro_sse2. */
static inline __attribute__((always_inline)) void macro_body(int mc, int nc, int kc, const float *a, size_t ks,
							     size_t is, const float *edge, const float *bp, float *C,
							     int ldc, float alpha, float beta, bool first)
{
	v8 acc[MR][2];
	v8 va = {alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha};
	v8 vb = {beta, beta, beta, beta, beta, beta, beta, beta};
	for (int jr = 0; jr < nc; jr += NR)
		for (int ir = 0; ir < mc; ir += MR) {
			if (ir + MR <= mc)
				kernel(kc, a + (size_t)ir * is, ks, is, bp + (size_t)jr * kc, acc);
			else
				kernel(kc, edge, MR, 1, bp + (size_t)jr * kc, acc);
			int m = mc - ir < MR ? mc - ir : MR, n = nc - jr < NR ? nc - jr : NR;
			float *c = C + (size_t)ir * ldc + jr;
			if (n == NR) {
				for (int i = 0; i < m; i++) {
					v8u *row = (v8u *)(c + (size_t)i * ldc);
					for (int h = 0; h < 2; h++) {
						v8 x = va * acc[i][h];
						if (!first || beta == 1.0f)
							x += row[h];
						else if (beta != 0.0f)
							x += vb * row[h];
						row[h] = x;
					}
				}
			} else {
				for (int i = 0; i < m; i++)
					for (int j = 0; j < n; j++) {
						float x = alpha * acc[i][j / 8][j % 8], *y = c + (size_t)i * ldc + j;
						*y = !first || beta == 1.0f ? x + *y : beta == 0.0f ? x : x + beta * *y;
					}
			}
		}
}

typedef void macro_fn(int mc, int nc, int kc, const float *a, size_t ks, size_t is, const float *edge,
		      const float *bp, float *C, int ldc, float alpha, float beta, bool first);

/* macro_body compiled for the baseline: SSE2 on x86-64 (BM_CPU_SSE2). */
static void macro_sse2(int mc, int nc, int kc, const float *a, size_t ks, size_t is, const float *edge,
		       const float *bp, float *C, int ldc, float alpha, float beta, bool first)
{
	macro_body(mc, nc, kc, a, ks, is, edge, bp, C, ldc, alpha, beta, first);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* macro_body compiled for x86-64-v3: AVX2 and FMA (BM_CPU_AVX2 and up). */
__attribute__((target("arch=x86-64-v3"))) static void macro_avx2(int mc, int nc, int kc, const float *a, size_t ks,
								  size_t is, const float *edge, const float *bp,
								  float *C, int ldc, float alpha, float beta,
								  bool first)
{
	macro_body(mc, nc, kc, a, ks, is, edge, bp, C, ldc, alpha, beta, first);
}
#endif

/* The kernel for the level bm_cpu() says (BM_CPU_SSE2 and up). */
static macro_fn *macro_kernel(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (bm_cpu() >= BM_CPU_AVX2)
		return macro_avx2;
#endif
	return macro_sse2;
}

/* The blocked product, B packed here block by block, or already packed
 * whole (PACKED, laid out as bm_gemm_pack does): the same operations in
 * the same order either way. */
static void blocked(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, const float *packed, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	if (K <= 0 || alpha == 0.0f) {
		for (int i = 0; i < M; i++)
			for (int j = 0; j < N; j++)
				C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
		return;
	}
	macro_fn *macro = macro_kernel();
	for (int j0 = 0; j0 < N; j0 += NC) {
		int nc = N - j0 < NC ? N - j0 : NC;
		int ncp = (nc + NR - 1) / NR * NR;
		for (int p0 = 0; p0 < K; p0 += KC) {
			int kc = K - p0 < KC ? K - p0 : KC;
			const float *bp;
			if (packed) {
				bp = packed + (size_t)j0 * K + (size_t)p0 * ncp;
			} else {
				float *buf = grow(&bpack, (size_t)ncp * kc);
				pack_b(transb, B, ldb, p0, j0, kc, nc, buf);
				bp = buf;
			}
			for (int i0 = 0; i0 < M; i0 += MC) {
				int mc = M - i0 < MC ? M - i0 : MC;
				int full = mc / MR * MR; /* rows in whole panels */
				float *edge = NULL;
				if (full < mc) {
					edge = grow(&apack, (size_t)MR * kc);
					pack_a(transa, A, lda, i0 + full, p0, mc - full, kc, edge);
				}
				const float *a = transa ? A + (size_t)p0 * lda + i0 : A + (size_t)i0 * lda + p0;
				macro(mc, nc, kc, a, transa ? (size_t)lda : 1, transa ? 1 : (size_t)lda, edge, bp,
				      C + (size_t)i0 * ldc + j0, ldc, alpha, beta, p0 == 0);
			}
		}
	}
}

void bm_sgemm_builtin(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		      const float *B, int ldb, float beta, float *C, int ldc)
{
	if (bm_cpu() == BM_CPU_GENERIC)
		bm_sgemm_naive(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	else
		blocked(transa, transb, M, N, K, alpha, A, lda, B, ldb, NULL, beta, C, ldc);
}

/* Blocks in the order blocked() visits them: for each NC-column block
 * (j0), its KC-row blocks (p0), each ncp x kc; so block (j0, p0) starts at
 * j0 * K + p0 * ncp. Under BM_CPU_GENERIC, op(B) plainly instead, [K, N]
 * row-major, for bm_sgemm_naive. */
int bm_gemm_pack(bm_gemm_packed_t *p, bool transb, int K, int N, const float *B, int ldb)
{
	p->K = K, p->N = N, p->data = NULL;
	p->plain = bm_cpu() == BM_CPU_GENERIC;
	size_t n = p->plain ? (size_t)N : (size_t)(N + NR - 1) / NR * NR;
	n *= (size_t)(K > 0 ? K : 1);
	if (posix_memalign((void **)&p->data, 64, n * sizeof(float)) != 0) {
		p->data = NULL;
		bm_seterr("out of memory");
		return -1;
	}
	if (p->plain) {
		for (int k = 0; k < K; k++)
			for (int j = 0; j < N; j++)
				p->data[(size_t)k * N + j] = transb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
		return 0;
	}
	for (int j0 = 0; j0 < N; j0 += NC) {
		int nc = N - j0 < NC ? N - j0 : NC;
		int ncp = (nc + NR - 1) / NR * NR;
		for (int p0 = 0; p0 < K; p0 += KC)
			pack_b(transb, B, ldb, p0, j0, K - p0 < KC ? K - p0 : KC, nc,
			       p->data + (size_t)j0 * K + (size_t)p0 * ncp);
	}
	return 0;
}

void bm_gemm_packed_free(bm_gemm_packed_t *p)
{
	free(p->data);
	p->data = NULL;
}

void bm_sgemm_packed(bool transa, int M, const float *A, int lda, const bm_gemm_packed_t *P, float *C, int ldc)
{
	if (P->plain)
		bm_sgemm_naive(transa, false, M, P->N, P->K, 1.0f, A, lda, P->data, P->N, 0.0f, C, ldc);
	else
		blocked(transa, false, M, P->N, P->K, 1.0f, A, lda, NULL, 0, P->data, 0.0f, C, ldc);
}

void bm_sgemm_naive(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, float beta, float *C, int ldc)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < K; k++)
				s += (double)(transa ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]) *
				     (transb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j]);
			float *c = &C[(size_t)i * ldc + j];
			*c = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * *c));
		}
}

/* ---- dispatch and threads ---- */

bm_sgemm_fn *bm_sgemm_blas;

void bm_sgemm(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
	      const float *B, int ldb, float beta, float *C, int ldc)
{
	if (bm_sgemm_blas && bm_cpu() != BM_CPU_GENERIC)
		bm_sgemm_blas(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	else
		bm_sgemm_builtin(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Chunks: a product of fewer than CHUNK_MIN_WORK multiply-adds is one
 * chunk (waking a thread costs some microseconds, far more on a loaded
 * machine); else up to MAX_CHUNKS chunks of at least CHUNK_MIN_COLS columns
 * and CHUNK_MIN_WORK work each. Every chunk packs the whole of op(A) again,
 * so more chunks cost memory traffic: 4 keep that under a few percent on
 * the 256 x 1024 x 1024 products and still feed 2-4 cores. */
#define CHUNK_MIN_WORK (1L << 23)
#define CHUNK_MIN_COLS 128
#define MAX_CHUNKS 4

int bm_sgemm_chunks(int M, int N, int K)
{
	double work = (double)M * N * K;
	if (work < 2.0 * CHUNK_MIN_WORK || N < 2 * CHUNK_MIN_COLS)
		return 1;
	int n = N / CHUNK_MIN_COLS;
	if (n > MAX_CHUNKS)
		n = MAX_CHUNKS;
	while (n > 1 && work / n < CHUNK_MIN_WORK)
		n--;
	return n;
}

typedef struct {
	bool transa, transb;
	int M, N, K, lda, ldb, ldc, width; /* width: columns of a chunk */
	float alpha, beta;
	const float *A, *B;
	float *C;
} job_t;

static void run_chunk(void *arg, int c, int worker)
{
	const job_t *j = arg;
	(void)worker;
	int j0 = c * j->width, n = j->N - j0 < j->width ? j->N - j0 : j->width;
	if (n <= 0)
		return;
	const float *b = j->transb ? j->B + (size_t)j0 * j->ldb : j->B + j0;
	bm_sgemm(j->transa, j->transb, j->M, n, j->K, j->alpha, j->A, j->lda, b, j->ldb, j->beta, j->C + j0, j->ldc);
}

void bm_sgemm_mt(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
		 const float *B, int ldb, float beta, float *C, int ldc, int threads)
{
	int chunks = bm_sgemm_chunks(M, N, K);
	job_t j = {transa, transb, M, N, K, lda, ldb, ldc, 0, alpha, beta, A, B, C};
	/* chunk widths: multiples of 16 (the kernel's NR), the last one shorter */
	j.width = ((N + chunks - 1) / chunks + 15) / 16 * 16;
	bm_pool_run(chunks, threads, run_chunk, &j);
}
