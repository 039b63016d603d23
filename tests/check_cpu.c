/* Unit tests of the CPU dispatch module: BM_CPU parsing, its errors, and
 * that a forced level is what bm_cpu() then returns. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_cpu.h"
#include "bm_err.h"
#include "check_main.h"

START_TEST(test_names)
{
	ck_assert_str_eq(bm_cpu_name(BM_CPU_GENERIC), "generic");
	ck_assert_str_eq(bm_cpu_name(BM_CPU_SSE2), "sse2");
	ck_assert_str_eq(bm_cpu_name(BM_CPU_AVX2), "avx2");
	ck_assert_str_eq(bm_cpu_name(BM_CPU_AVX512), "avx512");
}
END_TEST

START_TEST(test_unset)
{
	unsetenv("BM_CPU");
	ck_assert_int_eq(bm_cpu_init(), 0);
	ck_assert_int_eq(bm_cpu(), bm_cpu_detected());
	setenv("BM_CPU", "", 1);
	ck_assert_int_eq(bm_cpu_init(), 0);
	ck_assert_int_eq(bm_cpu(), bm_cpu_detected());
}
END_TEST

START_TEST(test_force_each_level)
{
	for (int l = BM_CPU_GENERIC; l <= (int)bm_cpu_detected(); l++) {
		setenv("BM_CPU", bm_cpu_name((bm_cpu_level_t)l), 1);
		ck_assert_int_eq(bm_cpu_init(), 0);
		ck_assert_int_eq(bm_cpu(), l);
	}
}
END_TEST

START_TEST(test_errors)
{
	setenv("BM_CPU", "AVX2", 1); /* names are lower case */
	ck_assert_int_eq(bm_cpu_init(), -1);
	ck_assert_str_eq(bm_errmsg(), "BM_CPU=AVX2: unknown level (generic, sse2, avx2, avx512)");
	ck_assert_int_eq(bm_cpu(), bm_cpu_detected());
	for (int l = (int)bm_cpu_detected() + 1; l <= BM_CPU_AVX512; l++) {
		char want[128];
		setenv("BM_CPU", bm_cpu_name((bm_cpu_level_t)l), 1);
		ck_assert_int_eq(bm_cpu_init(), -1);
		snprintf(want, sizeof want, "BM_CPU=%s: this processor has only %s", bm_cpu_name((bm_cpu_level_t)l),
			 bm_cpu_name(bm_cpu_detected()));
		ck_assert_str_eq(bm_errmsg(), want);
		ck_assert_int_eq(bm_cpu(), bm_cpu_detected());
	}
}
END_TEST

int main(void)
{
	return run_tests("cpu", 60, NULL, NULL,
			 CHECK_TESTS(test_names, test_unset, test_force_each_level, test_errors));
}
