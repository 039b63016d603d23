/* check_paths.h: running a unit test on every CPU path (bm_cpu.h) that
 * this processor has, as BM_CPU=generic|sse2|avx2 would. */
#ifndef CHECK_PATHS_H
#define CHECK_PATHS_H

#include <check.h>
#include <stdlib.h>

#include "bm_cpu.h"

/* The paths: BM_CPU_GENERIC up to the best this processor has (avx512
 * takes the avx2 kernels: not run twice). */
static inline int npaths(void)
{
	bm_cpu_level_t best = bm_cpu_detected();
	return (best > BM_CPU_AVX2 ? BM_CPU_AVX2 : best) + 1;
}

/* Take path L from now on, as BM_CPU=name does. */
static inline void use_path(int l)
{
	ck_assert_int_eq(setenv("BM_CPU", bm_cpu_name((bm_cpu_level_t)l), 1), 0);
	ck_assert_int_eq(bm_cpu_init(), 0);
	ck_assert_int_eq(bm_cpu(), l);
}

#endif
