/* bm_cpu.c: the processor's level and the BM_CPU override (see bm_cpu.h). */
#include "config.h"

#include "bm_cpu.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bm_err.h"

static const char *const names[] = {"generic", "sse2", "avx2", "avx512"};

/* -1 until settled. */
static _Atomic int level = -1;

const char *bm_cpu_name(bm_cpu_level_t l)
{
	return (unsigned)l < sizeof names / sizeof names[0] ? names[l] : "?";
}

bm_cpu_level_t bm_cpu_detected(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	/* The x86-64-v3 and -v4 levels by their features, since clang before
	 * 16 does not take the level names here (every CPU with AVX2, FMA and
	 * BMI2 also has the rest of v3: F16C, LZCNT, MOVBE). */
	__builtin_cpu_init();
	bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
	bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
		  __builtin_cpu_supports("avx512vl");
	return v4 ? BM_CPU_AVX512 : v3 ? BM_CPU_AVX2 : BM_CPU_SSE2;
#else
	return BM_CPU_GENERIC;
#endif
}

int bm_cpu_init(void)
{
	bm_cpu_level_t have = bm_cpu_detected(), want = have;
	int rc = 0;
	const char *env = getenv("BM_CPU");
	if (env && *env) {
		int k = -1;
		for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
			if (strcmp(env, names[i]) == 0)
				k = i;
		if (k < 0) {
			bm_seterr("BM_CPU=%s: unknown level (generic, sse2, avx2, avx512)", env);
			rc = -1;
		} else if ((bm_cpu_level_t)k > have) {
			bm_seterr("BM_CPU=%s: this processor has only %s", env, names[have]);
			rc = -1;
		} else {
			want = (bm_cpu_level_t)k;
		}
	}
	atomic_store(&level, (int)want);
	return rc;
}

bm_cpu_level_t bm_cpu(void)
{
	int l = atomic_load_explicit(&level, memory_order_relaxed);
	if (l < 0) {
		bm_cpu_init();
		l = atomic_load(&level);
	}
	return (bm_cpu_level_t)l;
}
