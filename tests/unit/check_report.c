/*
 * check_report: one failure, one set of words (fault.c), and one line per
 * cause at the end of a sync (report.c); a refused connection is said at
 * once, without retries (net.c, dns.c).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <ldns/ldns.h>

#include "dns.h"
#include "error.h"
#include "fault.h"
#include "report.h"
#include "sync.h"
#include "tsig.h"
#include "util.h"

static struct xfed_key key = { .name = "xfed-key", .alg = XFED_HMAC_SHA256 };

static char *
phrase(int status, unsigned attempts, int rcode, uint16_t tsig_error)
{
	static char buf[512];
	struct xfed_peer peer;
	struct xfed_fault f = { .status = status, .attempts = attempts,
	    .rcode = rcode };

	f.tsig.tsig_error = tsig_error;
	ck_assert_int_eq(xfed_peer_init(&peer, "192.0.2.53", 5300, &key,
	    XFED_TRANSPORT_AUTO, 3, 1), 0);
	xfed_fault_phrase(&peer, &f, buf, sizeof(buf));
	return buf;
}

START_TEST(test_phrases)
{
	ck_assert_str_eq(phrase(XFED_EREFUSED, 1, -1, 0),
	    "192.0.2.53#5300: connection refused");
	ck_assert_str_eq(phrase(XFED_ETIMEOUT, 2, -1, 0),
	    "192.0.2.53#5300: no answer within 6 s (2 attempts)");
	ck_assert_str_eq(phrase(XFED_ETIMEOUT, 1, -1, 0),
	    "192.0.2.53#5300: no answer within 3 s (1 attempt)");
	ck_assert_str_eq(phrase(XFED_EBADSIG, 1, LDNS_RCODE_NOTAUTH,
	    XFED_TSIG_BADSIG), "192.0.2.53#5300: the server rejected our "
	    "signature (BADSIG) for key \"xfed-key\": check that the secret "
	    "matches the server's key");
	ck_assert_str_eq(phrase(XFED_EBADKEY, 1, LDNS_RCODE_NOTAUTH,
	    XFED_TSIG_BADKEY), "192.0.2.53#5300: the server does not know "
	    "key \"xfed-key\" (BADKEY): check the key name and algorithm on "
	    "both sides");
	/* Our verification failed: not the server's verdict. */
	ck_assert_ptr_nonnull(strstr(phrase(XFED_EBADSIG, 1, 0, 0),
	    "answer signature did not verify with key \"xfed-key\""));
	ck_assert_ptr_nonnull(strstr(phrase(XFED_EUNSIGNED, 1,
	    LDNS_RCODE_REFUSED, 0), "answer not signed (it says REFUSED)"));
	ck_assert_str_eq(phrase(XFED_EBADTIME, 1, -1, XFED_TSIG_BADTIME),
	    "192.0.2.53#5300: clocks differ by more than the fudge (BADTIME): "
	    "check NTP on both sides");
	ck_assert_str_eq(phrase(XFED_ERCODE, 1, LDNS_RCODE_REFUSED, 0),
	    "192.0.2.53#5300 answered REFUSED");
}
END_TEST

START_TEST(test_badtime_skew)
{
	struct xfed_peer peer;
	struct xfed_fault f = { .status = XFED_EBADTIME, .attempts = 1,
	    .rcode = -1 };
	char buf[256];

	f.tsig.tsig_error = XFED_TSIG_BADTIME;
	f.tsig.server_time = xfed_wall_seconds() + 3600;
	xfed_peer_init(&peer, "::1", 53, &key, XFED_TRANSPORT_AUTO, 1, 0);
	xfed_fault_phrase(&peer, &f, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "::1#53: clocks differ by more than the "
	    "fudge (BADTIME): the server's clock is 3600 s ahead of ours") !=
	    NULL || strstr(buf, "is 3599 s ahead") != NULL, "%s", buf);
	f.tsig.server_time = xfed_wall_seconds() - 7200;
	xfed_fault_phrase(&peer, &f, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "s behind ours; check NTP") != NULL, "%s",
	    buf);
}
END_TEST

START_TEST(test_cause_at)
{
	const char *d;

	ck_assert_uint_eq(xfed_report_cause_at("127.0.0.1#53: x"), 0);
	d = "zone transfer, message 1: 127.0.0.1#53: x";
	ck_assert_str_eq(d + xfed_report_cause_at(d), "127.0.0.1#53: x");
	d = "cannot find the zone of a.test.: 2001:db8::1#5300 answered REFUSED";
	ck_assert_str_eq(d + xfed_report_cause_at(d),
	    "2001:db8::1#5300 answered REFUSED");
	/* No server named: the whole detail is the cause. */
	ck_assert_uint_eq(xfed_report_cause_at("flapping: the same changes"),
	    0);
	ck_assert_uint_eq(xfed_report_cause_at("a #5 b"), 0);
}
END_TEST

static void
add_zone(struct xfed_sync_report *rep, const char *zone,
    enum xfed_zone_result result, const char *detail)
{
	struct xfed_zone_report *z;

	rep->zones = xreallocarray(rep->zones, rep->n + 1, sizeof(*z));
	z = &rep->zones[rep->n++];
	memset(z, 0, sizeof(*z));
	z->zone = xstrdup(zone);
	z->server = xstrdup("127.0.0.1#53");
	z->result = result;
	z->detail = detail != NULL ? xstrdup(detail) : NULL;
}

static char *
printed(const struct xfed_sync_report *rep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	xfed_sync_report_print(f, rep);
	fclose(f);
	return text;
}

#define BADSIG "127.0.0.1#53: the server rejected our signature (BADSIG)"

START_TEST(test_one_line_per_cause)
{
	struct xfed_sync_report rep = { 0 };
	char *text;

	add_zone(&rep, "(zone of _xmpp-server._tcp.c.test.)", XFED_ZONE_FAILED,
	    "cannot find the zone of _xmpp-server._tcp.c.test.: " BADSIG);
	add_zone(&rep, "a.test.", XFED_ZONE_FAILED,
	    "zone transfer, message 1: " BADSIG);
	add_zone(&rep, "ok.test.", XFED_ZONE_IN_SYNC, NULL);
	add_zone(&rep, "b.test.", XFED_ZONE_FAILED,
	    "zone transfer, message 1: " BADSIG);
	add_zone(&rep, "other.test.", XFED_ZONE_FAILED,
	    "zone transfer: 127.0.0.2#53: connection refused");
	add_zone(&rep, "new.test.", XFED_ZONE_CHANGED, NULL);
	rep.zones[5].added = 2;
	rep.zones[5].messages = 1;
	text = printed(&rep);
	ck_assert_str_eq(text,
	    "FAILED zones a.test., b.test.; name _xmpp-server._tcp.c.test. "
	    "(zone unknown): " BADSIG "\n"
	    "ok.test.: in sync\n"
	    "other.test.: FAILED: zone transfer: 127.0.0.2#53: connection "
	    "refused\n"
	    "new.test.: updated, 2 added, 0 removed in 1 message\n");
	free(text);
	xfed_sync_report_clear(&rep);
}
END_TEST

START_TEST(test_common_context_kept)
{
	struct xfed_sync_report rep = { 0 };
	char *text;

	add_zone(&rep, "a.test.", XFED_ZONE_FAILED,
	    "zone transfer, message 1: " BADSIG);
	add_zone(&rep, "b.test.", XFED_ZONE_FAILED,
	    "zone transfer, message 1: " BADSIG);
	text = printed(&rep);
	ck_assert_str_eq(text, "FAILED zones a.test., b.test.: zone "
	    "transfer, message 1: " BADSIG "\n");
	free(text);
	xfed_sync_report_clear(&rep);
}
END_TEST

/* Names not asked again because their server was silent: same cause. */
START_TEST(test_not_asked_again_joins)
{
	struct xfed_sync_report rep = { 0 };
	char *text;

	add_zone(&rep, "(zone of a.test.)", XFED_ZONE_FAILED,
	    "cannot find the zone of a.test.: 127.0.0.1#53: no answer within "
	    "4 s (2 attempts)");
	add_zone(&rep, "(zone of b.test.)", XFED_ZONE_FAILED,
	    "discovery not tried: 127.0.0.1#53 did not answer earlier in this "
	    "sync (not asked again in this sync)");
	add_zone(&rep, "(zone of c.test.)", XFED_ZONE_FAILED,
	    "discovery not tried: the resolvers did not answer earlier in "
	    "this sync (not asked again in this sync)");
	text = printed(&rep);
	ck_assert_str_eq(text, "FAILED names a.test., b.test., c.test. (zone "
	    "unknown): 127.0.0.1#53: no answer within 4 s (2 attempts)\n");
	free(text);
	/* Two silent servers: which one "the resolvers" were is not known. */
	add_zone(&rep, "(zone of d.test.)", XFED_ZONE_FAILED,
	    "cannot find the zone of d.test.: 127.0.0.9#53: connection "
	    "refused");
	text = printed(&rep);
	ck_assert_ptr_nonnull(strstr(text, "(zone of c.test.): FAILED: "
	    "discovery not tried: the resolvers"));
	free(text);
	xfed_sync_report_clear(&rep);
}
END_TEST

/* A port with nothing behind it, found by binding and closing. */
static uint16_t
closed_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, type, 0);

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	close(s);
	return ntohs(sin.sin_port);
}

static void
refused_at_once(enum xfed_transport transport, int type)
{
	struct xfed_peer peer;
	struct xfed_exchange ex;
	ldns_pkt *q;

	ck_assert_int_eq(xfed_peer_init(&peer, "127.0.0.1", closed_port(type),
	    NULL, transport, 2, 3), 0);
	q = ldns_pkt_query_new(ldns_dname_new_frm_str("example.test."),
	    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	ck_assert_int_eq(xfed_dns_exchange(&peer, q, &ex), XFED_EREFUSED);
	ck_assert_uint_eq(ex.attempts, 1);	/* retries would not help */
	ck_assert_uint_lt(ex.elapsed_ms, 1000);
	ck_assert_msg(strstr(ex.detail, ": connection refused") != NULL, "%s",
	    ex.detail);
	xfed_exchange_clear(&ex);
	ldns_pkt_free(q);
}

START_TEST(test_refused_tcp)
{
	refused_at_once(XFED_TRANSPORT_TCP, SOCK_STREAM);
}
END_TEST

START_TEST(test_refused_udp)
{
	refused_at_once(XFED_TRANSPORT_UDP, SOCK_DGRAM);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_phrases);
	tcase_add_test(tc, test_badtime_skew);
	tcase_add_test(tc, test_cause_at);
	tcase_add_test(tc, test_one_line_per_cause);
	tcase_add_test(tc, test_common_context_kept);
	tcase_add_test(tc, test_not_asked_again_joins);
	tcase_add_test(tc, test_refused_tcp);
	tcase_add_test(tc, test_refused_udp);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
