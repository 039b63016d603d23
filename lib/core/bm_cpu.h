/* bm_cpu.h: the one place that decides which instruction-set path bm's
 * fast code takes.
 *
 * Every SIMD or otherwise specialised variant (the GEMM kernel, Adam, the
 * CSV scanner, the short-decimal parser, the tokenizer's scans, bm-clean's
 * row loop) asks bm_cpu() and takes the best path at or below the level it
 * returns; the plain C path (BM_CPU_GENERIC) exists beside each of them.
 * The level is what the processor has, or what the environment variable
 * BM_CPU (generic, sse2, avx2, avx512) forces, so a test can run every path
 * the machine has. See bm(7).
 */
#ifndef BM_CPU_H
#define BM_CPU_H

typedef enum {
	BM_CPU_GENERIC = 0, /* plain C, no intrinsics or vector types */
	BM_CPU_SSE2 = 1,    /* x86-64 baseline: SSE2 */
	BM_CPU_AVX2 = 2,    /* x86-64-v3: AVX2, FMA, SSSE3, SSE4.2, BMI2 */
	BM_CPU_AVX512 = 3,  /* x86-64-v4: AVX-512 F, BW, CD, DQ, VL */
} bm_cpu_level_t;

/* Read BM_CPU and settle the level. Returns 0, or -1 with bm_errmsg()
 * ("BM_CPU=x: unknown level (generic, sse2, avx2, avx512)", or "...: this
 * processor has only avx2") when BM_CPU names a level that is unknown or
 * that the processor lacks; the level is then what the processor has.
 * bm_cli_init calls it and makes a failure a usage error (exit 2). */
int bm_cpu_init(void);

/* The level in use (bm_cpu_init's result; settled at the first call when
 * bm_cpu_init was not called). Cheap: read it once per call of a kernel,
 * not per element. */
bm_cpu_level_t bm_cpu(void);

/* The best level this processor has, whatever BM_CPU says. */
bm_cpu_level_t bm_cpu_detected(void);

/* "generic", "sse2", "avx2" or "avx512". */
const char *bm_cpu_name(bm_cpu_level_t level);

#endif
