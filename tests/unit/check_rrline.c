/*
 * check_rrline: xfed_rr_to_line's direct path gives exactly ldns' text,
 * for every kind of record it takes, and hands the rest to ldns.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <ldns/ldns.h>

#include "plan.h"

/* ldns' text with its tabs as single spaces, trailing newline dropped. */
static char *
ldns_text(const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr), *p;
	size_t n;

	ck_assert_ptr_nonnull(s);
	for (p = s; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static void
same_as_ldns(const char *text)
{
	ldns_rr *rr = NULL;
	char *ours, *theirs;

	ck_assert_msg(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) ==
	    LDNS_STATUS_OK, "bad test record %s", text);
	ours = xfed_rr_to_line(rr);
	theirs = ldns_text(rr);
	ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
	ldns_rr_free(rr);
}

static const char *const records[] = {
	"_xmpp-server._tcp.contoso.com. 3600 IN SRV 0 0 5269 xmpp.contoso.com.",
	"_xmpps-server._tcp.a.b.c. 0 IN SRV 65535 65535 65535 x-y_z.example.",
	"_xmpp-server._tcp.Contoso.COM. 60 IN SRV 10 20 5269 XMPP.contoso.com.",
	"xmpp.contoso.com. 3600 IN A 203.0.113.10",
	"xmpp.contoso.com. 2147483647 IN A 0.0.0.0",
	"xmpp.contoso.com. 3600 IN AAAA 2001:db8::10",
	"xmpp.contoso.com. 3600 IN AAAA ::1",
	"xmpp.contoso.com. 3600 IN AAAA ::ffff:192.0.2.1",
	"xmpp.contoso.com. 3600 IN AAAA 2001:db8:0:1:2:3:4:5",
	"xmpp.contoso.com. 3600 IN TXT \"heritage=xfed,owner=xfed\"",
	"xmpp.contoso.com. 300 IN TXT \"v=spf1 -all\"",
	"xmpp.contoso.com. 300 IN TXT \"\"",
	/* Handed to ldns: escapes, several strings, other types. */
	"xmpp.contoso.com. 300 IN TXT \"say \\\"hi\\\"\"",
	"xmpp.contoso.com. 300 IN TXT \"back\\\\slash\"",
	"xmpp.contoso.com. 300 IN TXT \"a\" \"b\"",
	"xmpp.contoso.com. 300 IN TXT \"caf\\195\\169\"",
	"we\\.ird.contoso.com. 300 IN A 192.0.2.1",
	"sp\\032ace.contoso.com. 300 IN SRV 0 0 1 t\\(x.example.",
	"contoso.com. 300 IN MX 10 mail.contoso.com.",
	"contoso.com. 300 IN CNAME other.example.",
	". 300 IN A 192.0.2.1",
	"_xmpp-server._tcp.contoso.com. 3600 CH SRV 0 0 5269 xmpp.contoso.com.",
};

START_TEST(test_same_as_ldns)
{
	same_as_ldns(records[_i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rrline");
	TCase *tc = tcase_create("rrline");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_same_as_ldns, 0,
	    (int)(sizeof(records) / sizeof(records[0])));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
