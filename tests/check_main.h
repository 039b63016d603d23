/* check_main.h: what every Check unit test's main does. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Run every test of S; the exit status make check reads. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Run TESTS (START_TEST names, NULL-terminated) as the one test case of a
 * suite NAME, each in its own process with TIMEOUT seconds, between SETUP
 * and TEARDOWN when not NULL; the exit status make check reads. */
static inline int run_tests(const char *name, int timeout, void (*setup)(void), void (*teardown)(void),
			    const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, timeout);
	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

/* The NULL-terminated list of tests run_tests takes. */
#define CHECK_TESTS(...) ((const TTest *const[]){__VA_ARGS__, NULL})

#endif
