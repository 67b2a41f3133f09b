/* check_ratelimit — one log line per interval, counting those kept quiet. */
#include <stdlib.h>
#include <unistd.h>

#include <check.h>

#include "ratelimit.h"

START_TEST(test_one_per_interval)
{
	struct xfed_ratelimit rl = { .interval_ms = 300 };
	int i;

	ck_assert_uint_eq(xfed_ratelimit(&rl), 1);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(xfed_ratelimit(&rl), 0);
	usleep(400 * 1000);
	/* This one, and the thousand kept quiet. */
	ck_assert_uint_eq(xfed_ratelimit(&rl), 1001);
	ck_assert_uint_eq(xfed_ratelimit(&rl), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_one_per_interval);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
