/*
 * Tests for what status reports (status.c, statustext.c) and for the
 * domain changes reload reports (cfgdiff.c): the health exit code, last
 * success, rows dropped by a full sync only, due retries consumed (a
 * "(zone of NAME)" one as a full sync), and added/removed/changed domains.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cfgdiff.h"
#include "config.h"
#include "daemon.h"
#include "util.h"

#define SECRET	"eGZlZC11bml0LXRlc3Qtc2VjcmV0LTMyLW9jdGV0cyE="
#define PSEUDO	"(zone of _xmpp-server._tcp.a.nowhere.)"

static struct xfed_daemon d;

static void
setup(void)
{
	memset(&d, 0, sizeof(d));
	d.config_path = "/etc/xfed/xfed.conf";
}

static void
teardown(void)
{
	xfed_status_clear(&d.status);
}

/* Record a sync whose report holds the zones given as ZONE, RESULT pairs. */
static void
record(bool full, size_t n, ...)
{
	struct xfed_job job = { .kind = XFED_JOB_SYNC, .trigger = "ctl" };
	struct xfed_sync_report rep = { 0 };
	char *filter[] = { "x.test" };
	va_list ap;
	size_t i;

	if (!full) {
		job.domains = filter;
		job.n_domains = 1;
	}
	rep.zones = xcalloc(n, sizeof(*rep.zones));
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		rep.zones[i].zone = xstrdup(va_arg(ap, const char *));
		rep.zones[i].server = xstrdup("192.0.2.53#53");
		rep.zones[i].result = va_arg(ap, enum xfed_zone_result);
	}
	va_end(ap);
	rep.n = n;
	xfed_status_record(&d, &job, &rep, 0);
	xfed_sync_report_clear(&rep);
}

static struct xfed_zone_status *
row(const char *zone)
{
	size_t i;

	for (i = 0; i < d.status.n; i++)
		if (strcmp(d.status.zones[i].zone, zone) == 0)
			return &d.status.zones[i];
	return NULL;
}

START_TEST(test_exit_codes)
{
	ck_assert_int_eq(xfed_status_exit(&d.status), XFED_STATUS_EXIT_UNKNOWN);
	record(true, 2, "a.", XFED_ZONE_IN_SYNC, "b.", XFED_ZONE_CHANGED);
	ck_assert_int_eq(xfed_status_exit(&d.status), 0);
	record(true, 2, "a.", XFED_ZONE_LIMIT, "b.", XFED_ZONE_IN_SYNC);
	ck_assert_int_eq(xfed_status_exit(&d.status), 3);
	record(true, 2, "a.", XFED_ZONE_LIMIT, "b.", XFED_ZONE_CONFLICT);
	ck_assert_int_eq(xfed_status_exit(&d.status), 2);
	record(true, 2, "a.", XFED_ZONE_IN_SYNC, "b.", XFED_ZONE_FAILED);
	ck_assert_int_eq(xfed_status_exit(&d.status), 2);
	record(true, 2, "a.", XFED_ZONE_IN_SYNC, "b.", XFED_ZONE_IN_SYNC);
	ck_assert_int_eq(xfed_status_exit(&d.status), 0);
}
END_TEST

START_TEST(test_conflict_not_success)
{
	record(true, 1, "a.", XFED_ZONE_CONFLICT);
	ck_assert_uint_eq(row("a.")->last_success, 0);
	record(true, 1, "a.", XFED_ZONE_LIMIT);
	ck_assert_uint_eq(row("a.")->last_success, 0);
	ck_assert_uint_eq(row("a.")->retry_at, 0);
	record(true, 1, "a.", XFED_ZONE_IN_SYNC);
	ck_assert_uint_ne(row("a.")->last_success, 0);
}
END_TEST

START_TEST(test_full_sync_prunes)
{
	record(true, 3, "a.", XFED_ZONE_IN_SYNC, "b.", XFED_ZONE_IN_SYNC,
	    PSEUDO, XFED_ZONE_FAILED);
	ck_assert_uint_eq(d.status.n, 3);
	/* A filtered sync proves nothing about the zones it did not visit. */
	record(false, 1, "a.", XFED_ZONE_IN_SYNC);
	ck_assert_uint_eq(d.status.n, 3);
	record(true, 1, "a.", XFED_ZONE_IN_SYNC);
	ck_assert_uint_eq(d.status.n, 1);
	ck_assert_ptr_nonnull(row("a."));
	ck_assert_ptr_null(row(PSEUDO));
}
END_TEST

START_TEST(test_pseudo_retry_consumed)
{
	char **zones;
	size_t n;
	bool full;

	record(true, 3, "a.", XFED_ZONE_FAILED, PSEUDO, XFED_ZONE_FAILED,
	    "b.", XFED_ZONE_IN_SYNC);
	ck_assert_uint_ne(xfed_status_next_retry(&d), 0);
	/* Not due yet. */
	zones = xfed_status_due_zones(&d, xfed_now_ms(), &n, &full);
	ck_assert_ptr_null(zones);
	ck_assert(!full);
	/* Due: the zone is named, the pseudo-zone asks for a full sync. */
	zones = xfed_status_due_zones(&d, UINT64_MAX, &n, &full);
	ck_assert(full);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(zones[0], "a.");
	free(zones[0]);
	free(zones);
	/* Every retry consumed: nothing left for the loop to wake up for. */
	ck_assert_uint_eq(xfed_status_next_retry(&d), 0);
	zones = xfed_status_due_zones(&d, UINT64_MAX, &n, &full);
	ck_assert_ptr_null(zones);
	ck_assert(!full);
}
END_TEST

START_TEST(test_text_never)
{
	json_t *st = xfed_status_json(&d);
	char *text = xfed_status_text(st);

	ck_assert_ptr_nonnull(strstr(text, "last sync:  never\n"));
	ck_assert_ptr_nonnull(strstr(text, "(exit 4)"));
	ck_assert_int_eq(json_integer_value(json_object_get(st, "exit")), 4);
	free(text);
	json_decref(st);
}
END_TEST

START_TEST(test_text_relative)
{
	json_t *st;
	char *text;

	record(true, 2, "a.", XFED_ZONE_IN_SYNC, "b.", XFED_ZONE_FAILED);
	d.status.zones[0].last_success -= 180;
	d.status.zones[0].last_sync -= 180;
	st = xfed_status_json(&d);
	text = xfed_status_text(st);
	ck_assert_ptr_nonnull(strstr(text, "3 min ago"));
	/* b. failed: never a success, retried in 30 s (rounded up). */
	ck_assert_ptr_nonnull(strstr(text, "never"));
	ck_assert(strstr(text, "in 30 s") != NULL ||
	    strstr(text, "in 29 s") != NULL);
	ck_assert_ptr_nonnull(strstr(text, "(exit 2)"));
	free(text);
	json_decref(st);
}
END_TEST

static struct xfed_config *
config(const char *domains)
{
	struct xfed_config *cfg = NULL;
	char *text = xasprintf(
	    "tsig-key \"k\" { secret = \"" SECRET "\" }\n"
	    "server \"s\" { address = \"192.0.2.53\" tsig-key = \"k\" }\n"
	    "%s", domains);

	ck_assert_int_eq(xfed_config_parse_string(text, "t.conf", stderr,
	    &cfg), 0);
	free(text);
	return cfg;
}

static char *
joined(char **list, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", s, i > 0 ? "," : "", list[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
check_diff(const char *old, const char *new, const char *added,
    const char *removed, const char *changed)
{
	struct xfed_config *a = config(old), *b = config(new);
	struct xfed_cfgdiff diff;
	char *s;

	xfed_cfgdiff(a, b, &diff);
	s = joined(diff.added, diff.n_added);
	ck_assert_str_eq(s, added);
	free(s);
	s = joined(diff.removed, diff.n_removed);
	ck_assert_str_eq(s, removed);
	free(s);
	s = joined(diff.changed, diff.n_changed);
	ck_assert_str_eq(s, changed);
	free(s);
	xfed_cfgdiff_clear(&diff);
	xfed_config_free(a);
	xfed_config_free(b);
}

#define EDGE(addrs) \
	"proxy \"edge\" { host = \"xmpp.c.test\" ipv4 = {" addrs "} }\n"
#define DOM(name, extra) \
	"domain \"" name "\" { proxy = {\"edge\"} " extra " }\n"

START_TEST(test_cfgdiff)
{
	/* Nothing changed; address order does not matter. */
	check_diff(EDGE("\"192.0.2.1\", \"192.0.2.2\"") DOM("a.test", ""),
	    EDGE("\"192.0.2.2\", \"192.0.2.1\"") DOM("a.test", ""), "", "", "");
	/* Added, removed, changed (port), unchanged. */
	check_diff(EDGE("\"192.0.2.1\"") DOM("a.test", "") DOM("b.test", "")
	    DOM("d.test", ""),
	    EDGE("\"192.0.2.1\"") DOM("c.test", "") DOM("b.test", "port = 5222")
	    DOM("d.test", ""),
	    "c.test.", "a.test.", "b.test.");
	/* A proxy's address changes every domain using it. */
	check_diff(EDGE("\"192.0.2.1\"") DOM("a.test", "") DOM("b.test", ""),
	    EDGE("\"192.0.2.9\"") DOM("a.test", "") DOM("b.test", ""),
	    "", "", "a.test.,b.test.");
	/* TTL, direct-tls, zone. */
	check_diff(EDGE("\"192.0.2.1\"") DOM("a.test", "") DOM("b.test", "")
	    DOM("c.test", ""),
	    EDGE("\"192.0.2.1\"") DOM("a.test", "ttl = 60")
	    DOM("b.test", "direct-tls = true") DOM("c.test", "zone = \"test\""),
	    "", "", "a.test.,b.test.,c.test.");
}
END_TEST

static Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_conflict_not_success);
	tcase_add_test(tc, test_full_sync_prunes);
	tcase_add_test(tc, test_pseudo_retry_consumed);
	tcase_add_test(tc, test_text_never);
	tcase_add_test(tc, test_text_relative);
	tcase_add_test(tc, test_cfgdiff);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(status_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
