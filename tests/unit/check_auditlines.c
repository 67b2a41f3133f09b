/*
 * Unit tests for the bounds on audit log lines (XFED_AUDIT_LINE_MAX): the
 * line reader skips a longer line without holding it and says so
 * (XFED_LINES_LONG), in --follow mode too; the writer never writes such a
 * line, and finds its last record behind a tail longer than any record.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "audit.h"
#include "auditlog.h"
#include "log.h"
#include "util.h"

#include "tmpdir.h"

#define BIG	(XFED_AUDIT_LINE_MAX + 1024 * 1024)

static void
setup(void)
{
	tmpdir_make("check_auditlines");
}

static void
teardown(void)
{
	tmpdir_remove();
}

/* Append n copies of c (n > 0), or the string s (n == 0). */
static void
append(const char *path, const char *s, char c, size_t n)
{
	FILE *f = fopen(path, "a");
	char *buf;

	ck_assert_ptr_nonnull(f);
	if (n == 0)
		fputs(s, f);
	else {
		buf = xmalloc(n);
		memset(buf, c, n);
		ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
		free(buf);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void
expect_line(struct xfed_lines *r, bool wait, const char *want)
{
	char *line;
	size_t len;
	bool complete;

	ck_assert_int_eq(xfed_lines_next(r, wait, &line, &len, &complete), 1);
	ck_assert_str_eq(line, want);
	ck_assert(complete);
}

static void
expect_long(struct xfed_lines *r, bool wait, size_t want, bool ended)
{
	char *line;
	size_t len;
	bool complete;

	ck_assert_int_eq(xfed_lines_next(r, wait, &line, &len, &complete),
	    XFED_LINES_LONG);
	ck_assert_uint_eq(len, want);
	ck_assert_str_eq(line, "");
	ck_assert(complete == ended);
}

START_TEST(test_lines_long)
{
	char *p = path_of("a.jsonl"), *line;
	struct xfed_lines *r;
	size_t len;
	bool complete;

	append(p, "a\n", 0, 0);
	append(p, NULL, 'x', BIG);
	append(p, "\nb\n", 0, 0);
	append(p, NULL, 'y', BIG);
	ck_assert_ptr_nonnull(r = xfed_lines_open(p));
	expect_line(r, false, "a");
	expect_long(r, false, BIG, true);
	ck_assert_uint_eq(xfed_lines_lineno(r), 2);
	expect_line(r, false, "b");
	/* The last line, with no newline, still over the limit. */
	expect_long(r, false, BIG, false);
	ck_assert_uint_eq(xfed_lines_lineno(r), 4);
	ck_assert_int_eq(xfed_lines_next(r, false, &line, &len, &complete), 0);
	xfed_lines_close(r);
	free(p);
}
END_TEST

/* A line of exactly the limit is a line; one byte more is not. */
START_TEST(test_lines_limit_exact)
{
	char *p = path_of("a.jsonl"), *line;
	struct xfed_lines *r;
	size_t len;
	bool complete;

	append(p, NULL, 'x', XFED_AUDIT_LINE_MAX);
	append(p, "\n", 0, 0);
	append(p, NULL, 'y', XFED_AUDIT_LINE_MAX + 1);
	append(p, "\nz\n", 0, 0);
	ck_assert_ptr_nonnull(r = xfed_lines_open(p));
	ck_assert_int_eq(xfed_lines_next(r, false, &line, &len, &complete), 1);
	ck_assert_uint_eq(len, XFED_AUDIT_LINE_MAX);
	ck_assert(line[0] == 'x' && line[len - 1] == 'x');
	expect_long(r, false, XFED_AUDIT_LINE_MAX + 1, true);
	expect_line(r, false, "z");
	xfed_lines_close(r);
	free(p);
}
END_TEST

/* --follow: a long line still being written is skipped as it grows. */
START_TEST(test_lines_long_follow)
{
	char *p = path_of("a.jsonl"), *line;
	struct xfed_lines *r;
	size_t len;
	bool complete;

	append(p, "a\n", 0, 0);
	append(p, NULL, 'x', BIG);
	ck_assert_ptr_nonnull(r = xfed_lines_open(p));
	expect_line(r, true, "a");
	ck_assert_int_eq(xfed_lines_next(r, true, &line, &len, &complete), 0);
	append(p, NULL, 'x', 1000);
	ck_assert_int_eq(xfed_lines_next(r, true, &line, &len, &complete), 0);
	append(p, "\nc\n", 0, 0);
	expect_long(r, true, BIG + 1000, true);
	expect_line(r, true, "c");
	ck_assert_int_eq(xfed_lines_next(r, true, &line, &len, &complete), 0);
	xfed_lines_close(r);
	free(p);
}
END_TEST

static char *
last_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(f);
	while ((n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		free(last);
		last = xstrdup(line);
	}
	free(line);
	fclose(f);
	return last;
}

/* The writer never writes a line readers would skip. */
START_TEST(test_writer_record_too_long)
{
	char *p = path_of("a.jsonl"), *huge = xmalloc(BIG + 1), *line;
	struct xfed_audit *a;
	json_t *j;

	memset(huge, 'x', BIG);
	huge[BIG] = '\0';
	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_fsync(a, false);
	ck_assert_int_eq(xfed_audit_write(a, "update", json_pack("{s:s, s:[s]}",
	    "zone", "example.test.", "add", huge)), 0);
	xfed_audit_close(a);
	line = last_line(p);
	ck_assert_uint_lt(strlen(line), 1024);
	j = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
	    "update");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j,
	    "error")), "fields withheld"));
	json_decref(j);
	free(line);
	free(huge);
	free(p);
}
END_TEST

/* Behind junk longer than any record, the chain goes on from the record. */
START_TEST(test_writer_long_torn_tail)
{
	char *p = path_of("a.jsonl"), *first, *line, hash[XFED_CHAIN_HEX + 1];
	struct xfed_chain *c = xfed_chain_new(NULL, 0);
	struct xfed_audit *a;
	json_t *j;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_fsync(a, false);
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", NULL), 0);
	xfed_audit_close(a);
	first = last_line(p);
	append(p, NULL, '\0', BIG);
	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_fsync(a, false);
	ck_assert_int_eq(xfed_audit_write(a, "sync-end", NULL), 0);
	xfed_audit_close(a);
	line = last_line(p);
	j = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(xfed_chain_hash(c, first, strlen(first), hash), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "prev")), hash);
	json_decref(j);
	xfed_chain_free(c);
	free(line);
	free(first);
	free(p);
}
END_TEST

static Suite *
auditlines_suite(void)
{
	Suite *s = suite_create("auditlines");
	TCase *tc = tcase_create("bounds");

	/* Some MiB written and read per test: more than the default 4 s. */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lines_long);
	tcase_add_test(tc, test_lines_limit_exact);
	tcase_add_test(tc, test_lines_long_follow);
	tcase_add_test(tc, test_writer_record_too_long);
	tcase_add_test(tc, test_writer_long_torn_tail);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(auditlines_suite());
	int failed;

	log_init(0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
