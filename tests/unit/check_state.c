/*
 * check_state: the agent's memory of the zones it published into
 * (state.c): the state file, and the journal that remembers a zone
 * before the first UPDATE into it.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "state.h"
#include "util.h"

#include "tmpdir.h"

static void
setup(void)
{
	tmpdir_make("check_state");
}

static void
teardown(void)
{
	tmpdir_remove();
}

static bool
exists(const char *name)
{
	char *path = path_of(name);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

/* Noted zones are found by the next load, before any save. */
START_TEST(test_note_then_load)
{
	struct xfed_state st;
	char err[256];

	ck_assert_int_eq(xfed_state_note(tmpdir, "a.test.", "127.0.0.1#53",
	    "k", err, sizeof(err)), 0);
	ck_assert_int_eq(xfed_state_note(tmpdir, "b.test.", "127.0.0.1#53", "",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(xfed_state_load(tmpdir, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.n, 2);
	ck_assert_str_eq(xfed_state_find(&st, "a.test.")->key, "k");
	ck_assert_str_eq(xfed_state_find(&st, "b.test.")->key, "");
	xfed_state_clear(&st);
}
END_TEST

/* A save folds the journal into the file and removes it. */
START_TEST(test_save_folds_journal)
{
	struct xfed_state st;
	char err[256];

	ck_assert_int_eq(xfed_state_note(tmpdir, "a.test.", "127.0.0.1#53",
	    "k", err, sizeof(err)), 0);
	ck_assert_int_eq(xfed_state_load(tmpdir, &st, err, sizeof(err)), 0);
	xfed_state_mark_in_sync(&st, "a.test.", 7, "0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef", 1000);
	ck_assert_int_eq(xfed_state_save(tmpdir, &st, err, sizeof(err)), 0);
	xfed_state_clear(&st);
	ck_assert(exists("zones"));
	ck_assert(!exists("zones.pending"));
	ck_assert_int_eq(xfed_state_load(tmpdir, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_uint_eq(xfed_state_find(&st, "a.test.")->serial, 7);
	xfed_state_clear(&st);
}
END_TEST

/* A line cut short by a crash or a full disk is not taken. */
START_TEST(test_torn_journal_line)
{
	struct xfed_state st;
	char err[256], *path = path_of("zones.pending");
	FILE *f;

	ck_assert_int_eq(xfed_state_note(tmpdir, "a.test.", "127.0.0.1#53",
	    "k", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("b.test. 127.0.0", f);
	fclose(f);
	ck_assert_int_eq(xfed_state_load(tmpdir, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_ptr_null(xfed_state_find(&st, "b.test."));
	xfed_state_clear(&st);
	free(path);
}
END_TEST

/* A state-dir that is gone: an error that says what to do. */
START_TEST(test_note_missing_dir)
{
	char err[256], *gone = xasprintf("%s/gone", tmpdir);

	ck_assert_int_eq(xfed_state_note(gone, "a.test.", "127.0.0.1#53", "",
	    err, sizeof(err)), XFED_EIO);
	ck_assert_ptr_nonnull(strstr(err, "create it"));
	free(gone);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_note_then_load);
	tcase_add_test(tc, test_save_folds_journal);
	tcase_add_test(tc, test_note_missing_dir);
	tcase_add_test(tc, test_torn_journal_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
