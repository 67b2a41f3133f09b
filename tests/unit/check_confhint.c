/*
 * Tests for what the configuration checker tells a user beyond "wrong":
 * the option a misspelt name probably meant, named.conf habits, options
 * set twice, domains too long for their SRV names, and loading without
 * secrets for xfedctl (config.c, confhint.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "confhint.h"
#include "config.h"
#include "error.h"

#include "cfgparse.h"

#define SECRET		"eGZlZC11bml0LXRlc3Qtc2VjcmV0LTMyLW9jdGV0cyE="

/* Three lines of a valid configuration; error cases add from line 4. */
#define BASE \
	"tsig-key \"k\" { secret = \"" SECRET "\" }\n" \
	"proxy \"edge\" { host = \"xmpp.contoso.com\" ipv4 = {\"203.0.113.10\"} }\n" \
	"domain \"contoso.com\" { proxy = {\"edge\"} }\n"

static void
teardown(void)
{
	parse_clear();
}

/* The whole error output must be exactly want. */
#define ASSERT_ERRORS(text, want) do {					\
	ck_assert_int_eq(parse(text), XFED_ECONFIG);			\
	ck_assert_ptr_null(cfg);					\
	ck_assert_str_eq(errtext, want);				\
} while (0)

START_TEST(test_distance)
{
	ck_assert_uint_eq(xfed_edit_distance("max-deletes", "max-deletes"), 0);
	ck_assert_uint_eq(xfed_edit_distance("max-delete", "max-deletes"), 1);
	ck_assert_uint_eq(xfed_edit_distance("tsig_key", "tsig-key"), 1);
	ck_assert_uint_eq(xfed_edit_distance("max-dleetes", "max-deletes"), 1);
	ck_assert_uint_eq(xfed_edit_distance("Interval", "interval"), 0);
	ck_assert_uint_eq(xfed_edit_distance("", "abc"), 3);
	ck_assert_uint_eq(xfed_edit_distance("kitten", "sitting"), 3);
}
END_TEST

START_TEST(test_closest)
{
	static const char *const names[] = {
		"interval", "owner", "max-deletes", NULL, "tsig-key",
	};
	size_t n = sizeof(names) / sizeof(names[0]);

	ck_assert_str_eq(xfed_closest_name("max_deletes", names, n),
	    "max-deletes");
	ck_assert_str_eq(xfed_closest_name("intervall", names, n),
	    "interval");
	ck_assert_str_eq(xfed_closest_name("tsig_key", names, n), "tsig-key");
	/* Nothing close: no guess. */
	ck_assert_ptr_null(xfed_closest_name("colour", names, n));
	ck_assert_ptr_null(xfed_closest_name("x", names, n));
}
END_TEST

/* Each case: the text after BASE, the one error line expected. */
static const struct {
	const char *text;
	const char *want;
} hint_cases[] = {
	{ "max-delete = 3\n",
	  "t.conf:4: no such option 'max-delete' (did you mean "
	  "'max-deletes'?)\n" },
	{ "tsig_key \"x\" { secret = \"" SECRET "\" }\n",
	  "t.conf:4: no such option 'tsig_key' (did you mean 'tsig-key'?)\n" },
	{ "proxy \"p\" {\n host = \"a.example\"\n hots = \"b\"\n}\n",
	  "t.conf:6: proxy \"p\": no such option 'hots' (did you mean "
	  "'host'?)\n" },
	{ "server \"s\" { address = \"192.0.2.1\" tsig_key = \"k\" }\n",
	  "t.conf:4: server \"s\": no such option 'tsig_key' (did you mean "
	  "'tsig-key'?)\n" },
	{ "colour = \"blue\"\n",
	  "t.conf:4: no such option 'colour'\n" },
	/* named.conf habits. */
	{ "interval = 30;\n",
	  "t.conf:4: invalid integer value for option 'interval' (xfed.conf "
	  "is not named.conf: remove the ';' at the end of the line)\n" },
	{ "owner = \"x\";\n",
	  "t.conf:4: unexpected ';' (xfed.conf is not named.conf: remove the "
	  "';' at the end of the line)\n" },
	{ "owner = x;\n",
	  "t.conf:4: owner \"x;\" may only contain letters, digits, '.', '_' "
	  "and '-' (xfed.conf is not named.conf: remove the ';' at the end "
	  "of the line)\n" },
	{ "key \"x\" {\n algorithm hmac-sha256;\n secret \"" SECRET "\";\n};\n",
	  "t.conf:4: no such option 'key' (xfed.conf is not named.conf: "
	  "declare the key as tsig-key \"NAME\" { algorithm = \"hmac-sha256\" "
	  "secret = \"...\" }, or point at the key file with file = "
	  "\"PATH\")\n" },
	{ "tsig-key \"x\" {\n algorithm hmac-sha256\n}\n",
	  "t.conf:5: tsig-key \"x\": missing equal sign after option "
	  "'algorithm' (xfed.conf is not named.conf: write name = \"value\", "
	  "with '=' and no ';')\n" },
	/* Set twice in one section. */
	{ "interval = 30\ninterval = 60\n",
	  "t.conf:5: interval is set twice (first on line 4): keep one\n" },
	{ "proxy \"p\" {\n host = \"a.example\"\n ipv4 = {\"192.0.2.1\"}\n"
	  " ttl = 60\n ttl = 120\n}\n",
	  "t.conf:8: proxy \"p\": ttl is set twice (first on line 7): keep "
	  "one\n" },
	{ "domain \"d.example\" { proxy = {\"edge\"} port = 1 port = 2 }\n",
	  "t.conf:4: domain \"d.example\": port is set twice (first on line "
	  "4): keep one\n" },
};

START_TEST(test_hints)
{
	char *text;

	if (asprintf(&text, "%s%s", BASE, hint_cases[_i].text) == -1)
		ck_abort_msg("asprintf");
	ASSERT_ERRORS(text, hint_cases[_i].want);
	free(text);
}
END_TEST

/* The same option in different sections, or added to with +=, is fine. */
START_TEST(test_not_twice)
{
	ck_assert_msg(parse(BASE
	    "proxy \"p\" { host = \"a.example\" ipv4 = {\"192.0.2.1\"}\n"
	    " ipv4 += {\"192.0.2.2\"} ttl = 60 }\n"
	    "domain \"d.example\" { proxy = {\"edge\"} ttl = 60 }\n") == 0,
	    "%s", errtext);
	ck_assert_uint_eq(cfg->proxies[1].n_ipv4, 2);
}
END_TEST

/* A section with many options goes through the table, not the loop. */
START_TEST(test_twice_in_a_long_section)
{
	char	 text[4096];
	size_t	 at;
	int	 i;

	at = (size_t)snprintf(text, sizeof(text), BASE "interval = 30\n");
	for (i = 0; i < 20; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at,
		    "resolver += {\"192.0.2.%d\"}\n", i + 1);
	ck_assert_msg(parse(text) == 0, "%s", errtext);
	ck_assert_uint_eq(cfg->n_resolvers, 20);
	snprintf(text + at, sizeof(text) - at, "interval = 60\n");
	ASSERT_ERRORS(text, "t.conf:25: interval is set twice (first on line "
	    "4): keep one\n");
}
END_TEST

/* A string of n characters: labels of 63 and shorter, ending in ".test". */
static char *
long_name(size_t n)
{
	char	*s = malloc(n + 1);
	size_t	 i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n - 5; i++)
		s[i] = (i + 1) % 64 == 0 ? '.' : 'a';
	memcpy(s + n - 5, ".test", 6);
	ck_assert_uint_eq(strlen(s), n);
	return s;
}

static char *
domain_conf(const char *name, const char *extra)
{
	char *text;

	if (asprintf(&text, BASE "domain \"%s\" {\n proxy = {\"edge\"}\n%s}\n",
	    name, extra) == -1)
		ck_abort_msg("asprintf");
	return text;
}

START_TEST(test_long_domain)
{
	char	*name, *text, want[1024];

	/* 235 characters: the longest whose _xmpp-server._tcp name fits. */
	name = long_name(235);
	text = domain_conf(name, "");
	ck_assert_msg(parse(text) == 0, "%s", errtext);
	free(text);
	/* ... but not its _xmpps-server._tcp name. */
	text = domain_conf(name, " direct-tls = true\n");
	snprintf(want, sizeof(want), "t.conf:6: domain \"%s\": the SRV owner "
	    "name _xmpps-server._tcp.<this domain> would be 256 octets, over "
	    "the DNS limit of 255: a federated domain may have at most 235 "
	    "characters (234 with direct-tls); this one has 235\n", name);
	ASSERT_ERRORS(text, want);
	free(text);
	free(name);

	name = long_name(236);
	text = domain_conf(name, "");
	snprintf(want, sizeof(want), "t.conf:4: domain \"%s\": the SRV owner "
	    "name _xmpp-server._tcp.<this domain> would be 256 octets, over "
	    "the DNS limit of 255: a federated domain may have at most 235 "
	    "characters (234 with direct-tls); this one has 236\n", name);
	ASSERT_ERRORS(text, want);
	free(text);
	free(name);

	/* The longest name a DNS name can be is still refused. */
	name = long_name(253);
	text = domain_conf(name, "");
	ck_assert_int_eq(parse(text), XFED_ECONFIG);
	ck_assert_msg(strstr(errtext, "would be 273 octets") != NULL, "%s",
	    errtext);
	free(text);
	free(name);
}
END_TEST

/* xfedctl reads the paths of a configuration whose secret it cannot see. */
START_TEST(test_load_nokeys)
{
	char	 path[] = "/tmp/check_confhint.XXXXXX";
	FILE	*fp;
	int	 fd;
	size_t	 len;

	unsetenv("CREDENTIALS_DIRECTORY");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("socket = \"/tmp/x/ctl.sock\"\n"
	    "audit-log = \"/tmp/x/audit.jsonl\"\n"
	    "tsig-key \"k\" { algorithm = \"hmac-sha256\" }\n"
	    "proxy \"edge\" { host = \"xmpp.contoso.com\" "
	    "ipv4 = {\"203.0.113.10\"} }\n"
	    "domain \"contoso.com\" { proxy = {\"edge\"} }\n", fp);
	fclose(fp);

	fp = open_memstream(&errtext, &len);
	ck_assert_int_eq(xfed_config_load(path, fp, &cfg), XFED_ECONFIG);
	fclose(fp);
	ck_assert_msg(strstr(errtext, ":3: tsig-key \"k\": no secret: set secret or "
	    "file (or give it to xfedd as the systemd credential "
	    "LoadCredential=k:PATH)") != NULL, "%s", errtext);
	free(errtext);

	fp = open_memstream(&errtext, &len);
	ck_assert_int_eq(xfed_config_load_nokeys(path, fp, &cfg), 0);
	fclose(fp);
	ck_assert_str_eq(errtext, "");
	ck_assert_str_eq(cfg->socket, "/tmp/x/ctl.sock");
	ck_assert_str_eq(cfg->audit_log, "/tmp/x/audit.jsonl");
	ck_assert_uint_eq(cfg->keys[0].secret_len, 0);
	xfed_config_free(cfg);
	cfg = NULL;
	free(errtext);

	/* Every other problem is still reported. */
	fp = fopen(path, "a");
	ck_assert_ptr_nonnull(fp);
	fputs("bogus = 1\n", fp);
	fclose(fp);
	fp = open_memstream(&errtext, &len);
	ck_assert_int_eq(xfed_config_load_nokeys(path, fp, &cfg),
	    XFED_ECONFIG);
	fclose(fp);
	ck_assert_msg(strstr(errtext, ":6: no such option 'bogus'") != NULL,
	    "%s", errtext);
	unlink(path);
}
END_TEST

/* Relative paths follow the base directory xfedd sets before detaching. */
START_TEST(test_base_dir)
{
	xfed_config_set_base("/srv/xfed");
	ck_assert_msg(parse(BASE "socket = \"run/x.sock\"\n"
	    "audit-log = \"/var/log/a.jsonl\"\nstate-dir = \"state\"\n") == 0,
	    "%s", errtext);
	xfed_config_set_base(NULL);
	ck_assert_str_eq(cfg->socket, "/srv/xfed/run/x.sock");
	ck_assert_str_eq(cfg->audit_log, "/var/log/a.jsonl");
	ck_assert_str_eq(cfg->state_dir, "/srv/xfed/state");
	ck_assert_msg(parse(BASE "state-dir = \"state\"\n") == 0, "%s",
	    errtext);
	ck_assert_str_eq(cfg->state_dir, "state");
}
END_TEST

static Suite *
confhint_suite(void)
{
	Suite	*s = suite_create("confhint");
	TCase	*tc = tcase_create("confhint");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_distance);
	tcase_add_test(tc, test_closest);
	tcase_add_loop_test(tc, test_hints, 0,
	    (int)(sizeof(hint_cases) / sizeof(hint_cases[0])));
	tcase_add_test(tc, test_not_twice);
	tcase_add_test(tc, test_twice_in_a_long_section);
	tcase_add_test(tc, test_long_domain);
	tcase_add_test(tc, test_load_nokeys);
	tcase_add_test(tc, test_base_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(confhint_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
