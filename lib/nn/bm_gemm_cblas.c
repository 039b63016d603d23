/* bm_gemm_cblas.c: bm_sgemm through the CBLAS configure found. Apart from
 * bm_gemm.c so that only programs that call bm_gemm_use_cblas link it. */
#include "config.h"

#include "bm_gemm.h"

#ifdef HAVE_CBLAS
#include <cblas.h>

static void sgemm_cblas(bool transa, bool transb, int M, int N, int K, float alpha, const float *A, int lda,
			const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans, transb ? CblasTrans : CblasNoTrans, M, N, K,
		    alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif

void bm_gemm_use_cblas(void)
{
#ifdef HAVE_CBLAS
#ifdef OPENBLAS_VERSION
	/* bm's own threads split the work (bm_sgemm_mt); OpenBLAS threads on
	 * top would oversubscribe the cores, and their split could depend on
	 * the machine's core count. */
	openblas_set_num_threads(1);
#endif
	bm_sgemm_blas = sgemm_cblas;
#endif
}
