/*
 * Unit tests for update.c: what is said of an UPDATE that could not be
 * built because it is larger than a DNS message.  It never leaves, so
 * neither its error nor its audit record may speak of attempts or
 * timeouts.  No server is needed: nothing is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <ldns/ldns.h>

#include "audit.h"
#include "dns.h"
#include "error.h"
#include "plan.h"
#include "update.h"
#include "util.h"

/* A TXT record of about 40 KB at name. */
static ldns_rr *
big_txt(const char *name)
{
	char *line, *p;
	ldns_rr *rr = NULL;
	size_t i;

	line = xmalloc(strlen(name) + 32 + 160 * 253);
	p = line + sprintf(line, "%s 300 IN TXT", name);
	for (i = 0; i < 160; i++) {
		*p++ = ' ';
		*p++ = '"';
		memset(p, 'a' + (int)(i % 26), 250);
		p += 250;
		*p++ = '"';
	}
	*p = '\0';
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL),
	    LDNS_STATUS_OK);
	free(line);
	return rr;
}

/* One change at one name whose update section alone exceeds 64 KiB. */
static struct xfed_plan *
huge_plan(void)
{
	struct xfed_plan *plan = xcalloc(1, sizeof(*plan));
	struct xfed_change *ch;

	plan->zone = ldns_dname_new_frm_str("example.com.");
	plan->changes = xcalloc(1, sizeof(*plan->changes));
	plan->n_changes = 1;
	ch = &plan->changes[0];
	ch->name = ldns_dname_new_frm_str("big.example.com.");
	ch->phase = XFED_PHASE_ADDR_UPSERT;
	ch->prereq = ldns_rr_list_new();
	ch->update = ldns_rr_list_new();
	ch->added = ldns_rr_list_new();
	ch->removed = ldns_rr_list_new();
	ldns_rr_list_push_rr(ch->update, big_txt("big.example.com."));
	ldns_rr_list_push_rr(ch->update, big_txt("big.example.com."));
	return plan;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = xcalloc(1, 1 << 20);

	ck_assert_ptr_nonnull(f);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

START_TEST(test_too_large_never_sent)
{
	char dir[] = "/tmp/check_update.XXXXXX", path[64], *text;
	struct xfed_apply_result res;
	struct xfed_audit *audit;
	struct xfed_plan *plan = huge_plan();
	struct xfed_peer peer;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	ck_assert_int_eq(xfed_audit_open(path, &audit), 0);
	ck_assert_int_eq(xfed_peer_init(&peer, "127.0.0.1", 9, NULL,
	    XFED_TRANSPORT_TCP, 1, 2), 0);
	ck_assert_int_eq(xfed_update_apply(&peer, plan, audit, "once", 0,
	    &res), XFED_ETOOBIG);
	xfed_audit_close(audit);
	ck_assert_msg(strstr(res.detail, "not sent") != NULL &&
	    strstr(res.detail, "larger than 65535 octets") != NULL,
	    "detail: %s", res.detail);
	ck_assert_msg(strstr(res.detail, "attempt") == NULL &&
	    strstr(res.detail, "timeout") == NULL, "detail: %s", res.detail);
	text = slurp(path);
	ck_assert_msg(strstr(text, "\"event\":\"update\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"attempts\":0") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "after") == NULL &&
	    strstr(text, "timeout") == NULL, "%s", text);
	free(text);
	xfed_plan_free(plan);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("unsent");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_too_large_never_sent);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
