/* Tests for the configuration module (config.c, keyfile.c). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "error.h"
#include "keyfile.h"
#include "tsig.h"

#include "cfgparse.h"
#include "tmpdir.h"

/* 32 octets: "xfed-unit-test-secret-32-octets!" */
#define SECRET		"eGZlZC11bml0LXRlc3Qtc2VjcmV0LTMyLW9jdGV0cyE="
#define SECRET_RAW	"xfed-unit-test-secret-32-octets!"
/* 48 octets, bytes 100..147 */
#define SECRET2		"ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKT"
#define SECRET15	"ZmlmdGVlbi1vY3RldHMh"
#define SECRET16	"c2l4dGVlbi1vY3RldHMhIQ=="

/* Three lines of a valid configuration; error cases add from line 4. */
#define BASE \
	"tsig-key \"k\" { secret = \"" SECRET "\" }\n" \
	"proxy \"edge\" { host = \"xmpp.contoso.com\" ipv4 = {\"203.0.113.10\"} }\n" \
	"domain \"contoso.com\" { proxy = {\"edge\"} }\n"

static int
load(const char *path)
{
	size_t	 len;
	FILE	*fp;
	int	 rc;

	free(errtext);
	errtext = NULL;
	fp = open_memstream(&errtext, &len);
	ck_assert_ptr_nonnull(fp);
	xfed_config_free(cfg);
	cfg = NULL;
	rc = xfed_config_load(path, fp, &cfg);
	fclose(fp);
	return rc;
}

/* Does some line of the error output start with prefix and hold sub? */
static int
has_error(const char *prefix, const char *sub)
{
	const char	*p = errtext, *nl;
	char		*line;
	int		 found = 0;

	while (p != NULL && *p != '\0' && !found) {
		nl = strchr(p, '\n');
		line = strndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		found = strncmp(line, prefix, strlen(prefix)) == 0 &&
		    strstr(line, sub) != NULL;
		free(line);
		p = nl != NULL ? nl + 1 : NULL;
	}
	return found;
}

static int
count_lines(void)
{
	const char	*p;
	int		 n = 0;

	for (p = errtext; p != NULL && *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

#define ASSERT_FAILS(text, prefix, sub) do {				\
	ck_assert_int_eq(parse(text), XFED_ECONFIG);			\
	ck_assert_ptr_null(cfg);					\
	ck_assert_msg(has_error(prefix, sub),				\
	    "wanted \"%s...%s\", got:\n%s", prefix, sub, errtext);	\
} while (0)

#define ASSERT_OK(text) do {						\
	ck_assert_msg(parse(text) == 0, "unexpected errors:\n%s",	\
	    errtext);							\
	ck_assert_ptr_nonnull(cfg);					\
	ck_assert_str_eq(errtext, "");					\
} while (0)

static void
setup(void)
{
	tmpdir_make("check_config");
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
teardown(void)
{
	parse_clear();
	tmpdir_remove();
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* Write name under the test's directory; returns the path (static). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char	 path[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static const char *
tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* A configuration with every option set. */
static const char full_conf[] =
	"# every option\n"
	"interval    = 600\n"
	"owner       = \"edge-1.example\"\n"
	"socket      = \"/run/x/x.sock\"\n"
	"audit-log   = \"/var/log/x/audit.jsonl\"\n"
	"state-dir   = \"/var/lib/x\"\n"
	"max-deletes = 25\n"
	"resolver    = {\"192.0.2.1\", \"2001:DB8:0::1@5353\"}\n"
	"primary-port = 5300\n"
	"tsig-key = \"Second-Key.\"  # for discovered primaries\n"
	"tsig-key \"XFED-Key.\" {\n"
	"  algorithm = \"hmac-sha512\"\n"
	"  secret    = \"" SECRET "\"\n"
	"}\n"
	"tsig-key \"second-key\" {\n"
	"  algorithm = \"HMAC-SHA1.\"\n"
	"  secret = \"" SECRET2 "\"\n"
	"}\n"
	"server \"primary\" {\n"
	"  address   = \"2001:0DB8:0000::0053\"\n"
	"  port      = 5353\n"
	"  tsig-key  = \"xfed-key\"\n"
	"  transport = \"tcp\"\n"
	"  timeout   = 7\n"
	"  retries   = 4\n"
	"}\n"
	"server \"other\" {\n"
	"  address = \"NS1.Example.NET.\"\n"
	"  tsig-key = \"second-key\"\n"
	"  transport = \"udp\"\n"
	"}\n"
	"proxy \"edge\" {\n"
	"  host   = \"XMPP.Contoso.com\"\n"
	"  ipv4   = {\"203.0.113.10\", \"203.0.113.11\"}\n"
	"  ipv6   = {\"2001:DB8:0:0::10\"}\n"
	"  ttl    = 300\n"
	"  zone   = \"Contoso.COM.\"\n"
	"  server = \"other\"\n"
	"}\n"
	"proxy \"edge2\" {\n"
	"  host = \"xmpp2.fabrikam.example\"\n"
	"  ipv6 = {\"2001:db8::20\"}\n"
	"  server = \"primary\"\n"
	"}\n"
	"domain \"Contoso.com\" {\n"
	"  proxy    = {\"edge\", \"edge2\"}\n"
	"  port     = 5299\n"
	"  tls-port = 5271\n"
	"  priority = 10\n"
	"  weight   = 20\n"
	"  ttl      = 900\n"
	"  direct-tls = true\n"
	"  zone     = \"contoso.com\"\n"
	"  server   = \"primary\"\n"
	"}\n"
	"domain \"sub.fabrikam.example\" {\n"
	"  proxy = {\"edge2\"}\n"
	"  zone = \"fabrikam.example\"\n"
	"  server = \"other\"\n"
	"}\n";

START_TEST(test_full_config)
{
	struct xfed_server	*s;
	struct xfed_proxy	*p;
	struct xfed_domain	*d;

	ASSERT_OK(full_conf);
	ck_assert_str_eq(cfg->path, "t.conf");
	ck_assert_uint_eq(cfg->interval, 600);
	ck_assert_str_eq(cfg->owner, "edge-1.example");
	ck_assert_str_eq(cfg->socket, "/run/x/x.sock");
	ck_assert_str_eq(cfg->audit_log, "/var/log/x/audit.jsonl");
	ck_assert_str_eq(cfg->state_dir, "/var/lib/x");
	ck_assert_uint_eq(cfg->max_deletes, 25);
	ck_assert_uint_eq(cfg->n_resolvers, 2);
	ck_assert_str_eq(cfg->resolvers[0], "192.0.2.1");
	ck_assert_str_eq(cfg->resolvers[1], "2001:db8::1@5353");
	ck_assert_uint_eq(cfg->primary_port, 5300);

	ck_assert_uint_eq(cfg->n_keys, 2);
	ck_assert_str_eq(cfg->keys[0].name, "xfed-key");
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA512);
	ck_assert_uint_eq(cfg->keys[0].secret_len, 32);
	ck_assert_mem_eq(cfg->keys[0].secret, SECRET_RAW, 32);
	ck_assert_str_eq(cfg->keys[1].name, "second-key");
	ck_assert_int_eq(cfg->keys[1].alg, XFED_HMAC_SHA1);
	ck_assert_uint_eq(cfg->keys[1].secret_len, 48);
	ck_assert_uint_eq(cfg->keys[1].secret[0], 100);
	ck_assert_uint_eq(cfg->keys[1].secret[47], 147);
	ck_assert_ptr_eq(cfg->default_key, &cfg->keys[1]);

	ck_assert_uint_eq(cfg->n_servers, 2);
	s = &cfg->servers[0];
	ck_assert_str_eq(s->name, "primary");
	ck_assert_str_eq(s->address, "2001:db8::53");
	ck_assert_uint_eq(s->port, 5353);
	ck_assert_ptr_eq(s->key, &cfg->keys[0]);
	ck_assert_int_eq(s->transport, XFED_TRANSPORT_TCP);
	ck_assert_uint_eq(s->timeout, 7);
	ck_assert_uint_eq(s->retries, 4);
	ck_assert_int_eq(s->line, 19);
	s = &cfg->servers[1];
	ck_assert_str_eq(s->address, "ns1.example.net");
	ck_assert_int_eq(s->transport, XFED_TRANSPORT_UDP);
	ck_assert_ptr_eq(s->key, &cfg->keys[1]);

	ck_assert_uint_eq(cfg->n_proxies, 2);
	p = &cfg->proxies[0];
	ck_assert_str_eq(p->name, "edge");
	ck_assert_str_eq(p->host, "xmpp.contoso.com.");
	ck_assert_uint_eq(p->n_ipv4, 2);
	ck_assert_str_eq(p->ipv4[0], "203.0.113.10");
	ck_assert_str_eq(p->ipv4[1], "203.0.113.11");
	ck_assert_uint_eq(p->n_ipv6, 1);
	ck_assert_str_eq(p->ipv6[0], "2001:db8::10");
	ck_assert_uint_eq(p->ttl, 300);
	ck_assert_str_eq(p->zone, "contoso.com.");
	ck_assert_ptr_eq(p->server, &cfg->servers[1]);
	ck_assert_int_eq(p->line, 32);
	p = &cfg->proxies[1];
	ck_assert_uint_eq(p->n_ipv4, 0);
	ck_assert_ptr_eq(p->server, &cfg->servers[0]);

	ck_assert_uint_eq(cfg->n_domains, 2);
	d = &cfg->domains[0];
	ck_assert_str_eq(d->name, "contoso.com.");
	ck_assert_uint_eq(d->n_proxies, 2);
	ck_assert_ptr_eq(d->proxies[0], &cfg->proxies[0]);
	ck_assert_ptr_eq(d->proxies[1], &cfg->proxies[1]);
	ck_assert_uint_eq(d->port, 5299);
	ck_assert_uint_eq(d->tls_port, 5271);
	ck_assert_uint_eq(d->priority, 10);
	ck_assert_uint_eq(d->weight, 20);
	ck_assert_uint_eq(d->ttl, 900);
	ck_assert(d->direct_tls);
	ck_assert_str_eq(d->zone, "contoso.com.");
	ck_assert_ptr_eq(d->server, &cfg->servers[0]);
	ck_assert_int_eq(d->line, 45);
	d = &cfg->domains[1];
	ck_assert_str_eq(d->name, "sub.fabrikam.example.");
	ck_assert_str_eq(d->zone, "fabrikam.example.");
}
END_TEST

START_TEST(test_defaults)
{
	ASSERT_OK(BASE "server \"p\" { address = \"192.0.2.53\" }\n");
	ck_assert_uint_eq(cfg->interval, 300);
	ck_assert_str_eq(cfg->owner, "xfed");
	ck_assert_str_eq(cfg->socket, XFED_DEFAULT_SOCKET);
	ck_assert_str_eq(cfg->audit_log, XFED_DEFAULT_AUDIT_LOG);
	ck_assert_str_eq(cfg->state_dir, XFED_DEFAULT_STATE_DIR);
	ck_assert_uint_eq(cfg->max_deletes, 10);
	ck_assert_uint_eq(cfg->n_resolvers, 0);
	ck_assert_uint_eq(cfg->primary_port, 53);
	ck_assert_ptr_eq(cfg->default_key, &cfg->keys[0]);
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA256);

	ck_assert_uint_eq(cfg->servers[0].port, 53);
	ck_assert_int_eq(cfg->servers[0].transport, XFED_TRANSPORT_AUTO);
	ck_assert_uint_eq(cfg->servers[0].timeout, 3);
	ck_assert_uint_eq(cfg->servers[0].retries, 2);
	ck_assert_ptr_eq(cfg->servers[0].key, &cfg->keys[0]);

	ck_assert_uint_eq(cfg->proxies[0].ttl, 3600);
	ck_assert_ptr_null(cfg->proxies[0].zone);
	ck_assert_uint_eq(cfg->proxies[0].n_ipv6, 0);
	/* The only server is the default. */
	ck_assert_ptr_eq(cfg->proxies[0].server, &cfg->servers[0]);

	ck_assert_uint_eq(cfg->domains[0].port, 5269);
	ck_assert_uint_eq(cfg->domains[0].tls_port, 5270);
	ck_assert_uint_eq(cfg->domains[0].priority, 0);
	ck_assert_uint_eq(cfg->domains[0].weight, 0);
	ck_assert_uint_eq(cfg->domains[0].ttl, 3600);
	ck_assert(!cfg->domains[0].direct_tls);
	ck_assert_ptr_null(cfg->domains[0].zone);
	ck_assert_ptr_eq(cfg->domains[0].server, &cfg->servers[0]);
}
END_TEST

START_TEST(test_no_server_means_discovery)
{
	ASSERT_OK(BASE);
	ck_assert_uint_eq(cfg->n_servers, 0);
	ck_assert_ptr_null(cfg->proxies[0].server);
	ck_assert_ptr_null(cfg->domains[0].server);
}
END_TEST

START_TEST(test_lookups)
{
	ASSERT_OK(full_conf);
	ck_assert_ptr_eq(xfed_config_key(cfg, "XFED-KEY."), &cfg->keys[0]);
	ck_assert_ptr_eq(xfed_config_key(cfg, "second-key"), &cfg->keys[1]);
	ck_assert_ptr_null(xfed_config_key(cfg, "none"));
	ck_assert_ptr_eq(xfed_config_server(cfg, "other"), &cfg->servers[1]);
	ck_assert_ptr_null(xfed_config_server(cfg, "nope"));
	ck_assert_ptr_eq(xfed_config_domain(cfg, "CONTOSO.com"),
	    &cfg->domains[0]);
	ck_assert_ptr_eq(xfed_config_domain(cfg, "sub.fabrikam.example."),
	    &cfg->domains[1]);
	ck_assert_ptr_null(xfed_config_domain(cfg, "fabrikam.example"));
}
END_TEST

START_TEST(test_all_algorithms)
{
	static const char *names[] = { "hmac-md5", "hmac-sha1",
	    "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	static const enum xfed_tsig_alg algs[] = { XFED_HMAC_MD5,
	    XFED_HMAC_SHA1, XFED_HMAC_SHA224, XFED_HMAC_SHA256,
	    XFED_HMAC_SHA384, XFED_HMAC_SHA512 };
	char	text[1024];
	size_t	i;

	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "tsig-key \"k\" { algorithm = "
		    "\"%s\" secret = \"%s\" }\n", names[i], SECRET);
		ASSERT_OK(text);
		ck_assert_int_eq(cfg->keys[0].alg, algs[i]);
	}
}
END_TEST

/* Error cases on a string: text, expected prefix and message part. */
struct bad {
	const char	*text;
	const char	*prefix;
	const char	*msg;
};

static const struct bad bad_cases[] = {
	/* libconfuse's own errors, in the same format */
	{ BASE "bogus = 1\n", "t.conf:4: ", "no such option 'bogus'" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n colour = 3\n}\n",
	  "t.conf:6: server \"s\": ", "no such option 'colour'" },
	{ BASE "interval = = 3\n", "t.conf:4: ", "" },
	/* libconfuse 3.3 alone would say line 9 here */
	{ "# one\n// two\n/* three\n */ " BASE "bogus = 1 # x\n",
	  "t.conf:7: ", "no such option 'bogus'" },
	{ BASE "interval = \"soon\"\n", "t.conf:4: ",
	  "invalid integer value for option 'interval'" },
	{ BASE "proxy \"edge\" { host = \"a.example\" }\n", "t.conf:4: ",
	  "duplicate title 'edge'" },
	/* missing final brace: libconfuse takes it silently */
	{ BASE "server \"s\" {\n  address = \"192.0.2.1\"\n", "t.conf:4: ",
	  "server \"s\": section is not closed (missing '}')" },
	/* top level */
	{ BASE "owner = \"\"\n", "t.conf:4: ", "owner must be 1 to 63" },
	{ BASE "owner = \"x y\"\n", "t.conf:4: ",
	  "owner \"x y\" may only contain" },
	{ BASE "owner = \"a123456789b123456789c123456789d123456789e123456789"
	  "f123456789abcd\"\n", "t.conf:4: ", "owner must be 1 to 63" },
	{ BASE "interval = 604801\n", "t.conf:4: ",
	  "interval 604801 is out of range (0..604800)" },
	{ BASE "interval = -1\n", "t.conf:4: ", "interval -1 is out of range" },
	{ BASE "max-deletes = -1\n", "t.conf:4: ",
	  "max-deletes -1 is out of range" },
	{ BASE "primary-port = 0\n", "t.conf:4: ",
	  "primary-port 0 is out of range (1..65535)" },
	{ BASE "socket = \"\"\n", "t.conf:4: ", "socket is empty" },
	{ BASE "resolver = {\"ns.example\"}\n", "t.conf:4: ",
	  "resolver \"ns.example\" is not an IP address" },
	{ BASE "resolver = {\"192.0.2.1@0\"}\n", "t.conf:4: ",
	  "resolver \"192.0.2.1@0\": port must be 1..65535" },
	{ BASE "resolver = {\"192.0.2.1@x\"}\n", "t.conf:4: ",
	  "port must be 1..65535" },
	{ BASE "resolver = {\"192.0.2.1\", \"192.0.2.1\"}\n", "t.conf:4: ",
	  "resolver \"192.0.2.1\" is listed twice" },
	{ BASE "tsig-key = \"nokey\"\n", "t.conf:4: ",
	  "tsig-key \"nokey\" is not defined" },
	/* servers */
	{ BASE "server \"s\" {\n port = 53\n}\n", "t.conf:4: server \"s\": ",
	  "address is required" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n port = 0\n}\n",
	  "t.conf:6: server \"s\": ", "port 0 is out of range (1..65535)" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n port = 65536\n}\n",
	  "t.conf:6: server \"s\": ", "port 65536 is out of range" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n timeout = 0\n}\n",
	  "t.conf:6: server \"s\": ", "timeout 0 is out of range (1..300)" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n timeout = 301\n}\n",
	  "t.conf:6: server \"s\": ", "timeout 301 is out of range" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n retries = 11\n}\n",
	  "t.conf:6: server \"s\": ", "retries 11 is out of range (0..10)" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n retries = -1\n}\n",
	  "t.conf:6: server \"s\": ", "retries -1 is out of range" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n"
	  " transport = \"quic\"\n}\n", "t.conf:6: server \"s\": ",
	  "transport \"quic\" is not one of auto, udp, tcp" },
	{ BASE "server \"s\" {\n address = \"192.0.2.300\"\n}\n",
	  "t.conf:5: server \"s\": ",
	  "address \"192.0.2.300\" is neither an IP address nor a valid host" },
	{ BASE "server \"s\" {\n address = \"ns_1.example\"\n}\n",
	  "t.conf:5: server \"s\": ", "'_' is not allowed" },
	{ BASE "server \"s\" {\n address = \"192.0.2.1\"\n"
	  " tsig-key = \"nokey\"\n}\n", "t.conf:6: server \"s\": ",
	  "tsig-key \"nokey\" is not defined" },
	{ "tsig-key \"a\" { secret = \"" SECRET "\" }\n"
	  "tsig-key \"b\" { secret = \"" SECRET "\" }\n"
	  "server \"s\" { address = \"192.0.2.1\" }\n",
	  "t.conf:3: server \"s\": ",
	  "tsig-key is required when several keys are defined" },
	{ "server \"s\" { address = \"192.0.2.1\" }\n",
	  "t.conf:1: server \"s\": ", "no tsig-key is defined" },
	/* proxies */
	{ "tsig-key \"k\" { secret = \"" SECRET "\" }\n"
	  "proxy \"edge\" {\n ipv4 = {\"192.0.2.1\"}\n}\n",
	  "t.conf:2: proxy \"edge\": ", "host is required" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"203.0.113.300\"}\n}\n", "t.conf:3: proxy \"edge\": ",
	  "ipv4 \"203.0.113.300\" is not an IPv4 address" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"2001:db8::1\"}\n}\n", "t.conf:3: proxy \"edge\": ",
	  "ipv4 \"2001:db8::1\" is not an IPv4 address" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv6 = {\"2001:db8::g\"}\n}\n", "t.conf:3: proxy \"edge\": ",
	  "ipv6 \"2001:db8::g\" is not an IPv6 address" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv6 = {\"2001:db8::1\", \"2001:DB8:0::1\"}\n}\n",
	  "t.conf:3: proxy \"edge\": ",
	  "ipv6 \"2001:DB8:0::1\" is listed twice" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n}\n",
	  "t.conf:1: proxy \"edge\": ", "no address" },
	{ "proxy \"edge\" {\n host = \"192.0.2.7\"\n ipv4 = {\"192.0.2.7\"}\n}\n",
	  "t.conf:2: proxy \"edge\": ", "host \"192.0.2.7\" is an IP address" },
	{ "proxy \"edge\" {\n host = \"2001:db8::7\"\n ipv4 = {\"192.0.2.7\"}\n}\n",
	  "t.conf:2: proxy \"edge\": ", "host \"2001:db8::7\" is an IP address" },
	{ "proxy \"edge\" {\n host = \"xmpp..contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n}\n", "t.conf:2: proxy \"edge\": ",
	  "host \"xmpp..contoso.com\" is not a valid DNS name: it has an "
	  "empty label" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n ttl = 2147483648\n}\n",
	  "t.conf:4: proxy \"edge\": ",
	  "ttl 2147483648 is out of range (0..2147483647)" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n zone = \"fabrikam.com\"\n}\n",
	  "t.conf:4: proxy \"edge\": ",
	  "zone \"fabrikam.com.\" does not contain host \"xmpp.contoso.com.\"" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n zone = \"toso.com\"\n}\n",
	  "t.conf:4: proxy \"edge\": ", "does not contain host" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n zone = \"contoso.com-\"\n}\n",
	  "t.conf:4: proxy \"edge\": ",
	  "zone \"contoso.com-\" is not a valid DNS name: a label starts or "
	  "ends with a hyphen" },
	{ "proxy \"edge\" {\n host = \"xmpp.contoso.com\"\n"
	  " ipv4 = {\"192.0.2.7\"}\n server = \"nope\"\n}\n",
	  "t.conf:4: proxy \"edge\": ", "server \"nope\" is not defined" },
	{ "proxy \"a\" { host = \"xmpp.contoso.com\" ipv4 = {\"192.0.2.7\"} }\n"
	  "proxy \"b\" {\n ipv4 = {\"192.0.2.8\"}\n"
	  " host = \"XMPP.contoso.com.\"\n}\n", "t.conf:4: proxy \"b\": ",
	  "host \"xmpp.contoso.com.\" is also the host of proxy \"a\"" },
	/* domains */
	{ BASE "domain \"fabrikam.com\" {\n port = 5269\n}\n",
	  "t.conf:4: domain \"fabrikam.com\": ",
	  "at least one proxy is required" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\", \"nope\"}\n}\n",
	  "t.conf:5: domain \"fabrikam.com\": ",
	  "proxy \"nope\" is not defined" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\", \"edge\"}\n}\n",
	  "t.conf:5: domain \"fabrikam.com\": ",
	  "proxy \"edge\" is listed twice" },
	{ BASE "domain \"bad_name.com\" {\n proxy = {\"edge\"}\n}\n",
	  "t.conf:4: domain \"bad_name.com\": ",
	  "domain \"bad_name.com\" is not a valid DNS name: '_' is not" },
	{ BASE "domain \"-a.com\" {\n proxy = {\"edge\"}\n}\n",
	  "t.conf:4: domain \"-a.com\": ", "starts or ends with a hyphen" },
	{ BASE "domain \"b\xc3\xbc" "cher.de\" {\n proxy = {\"edge\"}\n}\n",
	  "t.conf:4: ", "A-labels (\"xn--...\")" },
	{ BASE "domain \"a123456789b123456789c123456789d123456789e123456789"
	  "f1234567890123.com\" {\n proxy = {\"edge\"}\n}\n", "t.conf:4: ",
	  "label longer than 63 octets" },
	{ BASE "domain \"contoso.com.\" {\n proxy = {\"edge\"}\n}\n",
	  "t.conf:4: domain \"contoso.com.\": ", "same domain as line 3" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " port = 0\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "port 0 is out of range (1..65535)" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " tls-port = 70000\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "tls-port 70000 is out of range (1..65535)" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " priority = 65536\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "priority 65536 is out of range (0..65535)" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " weight = -1\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "weight -1 is out of range (0..65535)" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " ttl = -1\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "ttl -1 is out of range (0..2147483647)" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " zone = \"sub.fabrikam.com\"\n}\n",
	  "t.conf:6: domain \"fabrikam.com\": ",
	  "zone \"sub.fabrikam.com.\" does not contain domain "
	  "\"fabrikam.com.\"" },
	{ BASE "domain \"fabrikam.com\" {\n proxy = {\"edge\"}\n"
	  " server = \"nope\"\n}\n", "t.conf:6: domain \"fabrikam.com\": ",
	  "server \"nope\" is not defined" },
	{ BASE "server \"a\" { address = \"192.0.2.1\" }\n"
	  "server \"b\" { address = \"192.0.2.2\" }\n",
	  "t.conf:2: proxy \"edge\": ",
	  "server is required when several servers are configured" },
	{ BASE "server \"a\" { address = \"192.0.2.1\" }\n"
	  "server \"b\" { address = \"192.0.2.2\" }\n",
	  "t.conf:3: domain \"contoso.com\": ",
	  "server is required when several servers are configured" },
	/* keys */
	{ "tsig-key \"k\" {\n algorithm = \"hmac-sha3\"\n secret = \"" SECRET
	  "\"\n}\n", "t.conf:2: tsig-key \"k\": ", "unknown algorithm "
	  "\"hmac-sha3\" (known: hmac-md5, hmac-sha1, hmac-sha224, "
	  "hmac-sha256, hmac-sha384, hmac-sha512)" },
	{ "tsig-key \"k\" {\n secret = \"not base64!\"\n}\n",
	  "t.conf:2: tsig-key \"k\": ", "secret is not valid base64" },
	{ "tsig-key \"k\" {\n secret = \"c2hvcnQtOCE\"\n}\n",
	  "t.conf:2: tsig-key \"k\": ", "secret is not valid base64" },
	{ "tsig-key \"k\" {\n secret = \"c2hv=cnQtOCE=\"\n}\n",
	  "t.conf:2: tsig-key \"k\": ", "secret is not valid base64" },
	{ "tsig-key \"k\" {\n secret = \"c2hvcnQtOCE=\"\n}\n",
	  "t.conf:2: tsig-key \"k\": ", "secret is 8 octets, at least 16 "
	  "required" },
	{ "tsig-key \"k\" {\n secret = \"" SECRET15 "\"\n}\n",
	  "t.conf:2: tsig-key \"k\": ", "secret is 15 octets" },
	{ "tsig-key \"k\" {\n secret = \"" SECRET "\"\n"
	  " file = \"/nonexistent\"\n}\n", "t.conf:3: tsig-key \"k\": ",
	  "set either secret or file, not both" },
	{ "tsig-key \"k\" {\n algorithm = \"hmac-sha256\"\n}\n",
	  "t.conf:1: tsig-key \"k\": ", "no secret: set secret or file" },
	{ "tsig-key \"Key\" { secret = \"" SECRET "\" }\n"
	  "tsig-key \"key.\" { secret = \"" SECRET "\" }\n",
	  "t.conf:2: tsig-key \"key.\": ", "same key name as tsig-key \"Key\"" },
	{ "tsig-key \"k y\" { secret = \"" SECRET "\" }\n",
	  "t.conf:1: tsig-key \"k y\": ", "not a valid key name" },
	{ "tsig-key \"k\" { file = \"/nonexistent/k.key\" }\n",
	  "t.conf:1: tsig-key \"k\": ",
	  "key file: cannot open '/nonexistent/k.key': No such file" },
};

START_TEST(test_bad_config)
{
	const struct bad *b = &bad_cases[_i];

	ASSERT_FAILS(b->text, b->prefix, b->msg);
}
END_TEST

START_TEST(test_good_names)
{
	ASSERT_OK(BASE "domain \"xn--bcher-kva.de\" { proxy = {\"edge\"} "
	    "zone = \"DE\" }\n"
	    "domain \"a1.b-2.example\" { proxy = {\"edge\"} "
	    "zone = \"a1.b-2.example\" }\n");
	ck_assert_str_eq(cfg->domains[1].name, "xn--bcher-kva.de.");
	ck_assert_str_eq(cfg->domains[1].zone, "de.");
	ck_assert_str_eq(cfg->domains[2].zone, "a1.b-2.example.");
}
END_TEST

START_TEST(test_limits_accepted)
{
	ASSERT_OK("interval = 0\nmax-deletes = 0\n"
	    "tsig-key \"k\" { secret = \"" SECRET16 "\" }\n"
	    "server \"s\" { address = \"192.0.2.1\" port = 65535 "
	    "timeout = 300 retries = 0 }\n"
	    "proxy \"edge\" { host = \"xmpp.contoso.com\" "
	    "ipv4 = {\"203.0.113.10\"} ttl = 2147483647 }\n"
	    "domain \"contoso.com\" { proxy = {\"edge\"} ttl = 0 "
	    "priority = 65535 weight = 65535 }\n");
	ck_assert_uint_eq(cfg->interval, 0);
	ck_assert_uint_eq(cfg->keys[0].secret_len, 16);
	ck_assert_uint_eq(cfg->proxies[0].ttl, 2147483647u);
	ck_assert_uint_eq(cfg->domains[0].priority, 65535);
	ASSERT_OK(BASE "interval = 604800\n");
	ck_assert_uint_eq(cfg->interval, 604800);
}
END_TEST

START_TEST(test_top_level_tsig_key)
{
	/* The option and the sections share a name; order does not matter. */
	ASSERT_OK("tsig-key \"a\" { secret = \"" SECRET "\" }\n"
	    "tsig-key = \"B.\"\n"
	    "tsig-key \"b\" { secret = \"" SECRET2 "\" }\n"
	    "server \"s\" { address = \"192.0.2.1\" tsig-key = \"a\" }\n");
	ck_assert_uint_eq(cfg->n_keys, 2);
	ck_assert_ptr_eq(cfg->default_key, &cfg->keys[1]);
	ck_assert_ptr_eq(cfg->servers[0].key, &cfg->keys[0]);
}
END_TEST

START_TEST(test_several_keys_no_default)
{
	ASSERT_OK("tsig-key \"a\" { secret = \"" SECRET "\" }\n"
	    "tsig-key \"b\" { secret = \"" SECRET2 "\" }\n");
	ck_assert_ptr_null(cfg->default_key);
}
END_TEST

START_TEST(test_many_errors_together)
{
	ck_assert_int_eq(parse(BASE
	    "interval = 9999999\n"
	    "proxy \"p2\" {\n host = \"xmpp2.contoso.com\"\n"
	    " ipv4 = {\"1.2.3\"}\n ttl = -5\n}\n"
	    "domain \"fabrikam.com\" {\n proxy = {\"ghost\"}\n}\n"), XFED_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert(has_error("t.conf:4: ", "interval 9999999"));
	ck_assert(has_error("t.conf:7: proxy \"p2\": ", "ipv4 \"1.2.3\""));
	ck_assert(has_error("t.conf:8: proxy \"p2\": ", "ttl -5"));
	ck_assert(has_error("t.conf:11: domain \"fabrikam.com\": ",
	    "proxy \"ghost\" is not defined"));
	ck_assert_int_eq(count_lines(), 4);
}
END_TEST

START_TEST(test_missing_brace_after_errors)
{
	/* Both the unclosed section and an error inside it are reported. */
	ck_assert_int_eq(parse(BASE "proxy \"p\" {\n host = \"h_.example\"\n"
	    " ipv4 = {\"192.0.2.1\"}\n"), XFED_ECONFIG);
	ck_assert(has_error("t.conf:4: ", "proxy \"p\": section is not "
	    "closed"));
	ck_assert(has_error("t.conf:5: proxy \"p\": ", "host \"h_.example\""));
}
END_TEST

START_TEST(test_braces_in_strings_and_comments)
{
	ASSERT_OK("# a { in a comment\n// and } here\n/* { */\n"
	    BASE "socket = \"/run/a{b\" # }\n");
	ck_assert_str_eq(errtext, "");
}
END_TEST

START_TEST(test_secret_never_printed)
{
	ck_assert_int_eq(parse(
	    "tsig-key \"a\" { secret = \"" SECRET "\" algorithm = \"x\" }\n"
	    "tsig-key \"b\" { secret = \"c2hvcnQtOCE=\" }\n"
	    "tsig-key \"c\" { secret = \"" SECRET "!\" }\n"
	    "tsig-key \"d\" { secret = \"" SECRET "\" file = \"x\" }\n"
	    "bogus = \"" SECRET "\"\n"), XFED_ECONFIG);
	ck_assert_ptr_null(strstr(errtext, "c2hvcnQtOCE"));
	ck_assert_ptr_null(strstr(errtext, "eGZlZC11bml0"));
	ck_assert_ptr_null(strstr(errtext, "secret-32"));
	ck_assert(has_error("t.conf:5: ", "no such option 'bogus'"));
}
END_TEST

START_TEST(test_missing_config_file)
{
	ck_assert_int_eq(load(tmp_path("nope.conf")), XFED_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert(has_error(tmp_path("nope.conf"), ":0: cannot open: No such"));
}
END_TEST

START_TEST(test_load_file)
{
	char	text[4096];
	const char *path;

	path = write_file("xfed.conf", full_conf, 0644);
	ck_assert_int_eq(load(path), 0);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_uint_eq(cfg->n_domains, 2);
	snprintf(text, sizeof(text), "%s\nbogus = 1\n", full_conf);
	path = write_file("bad.conf", text, 0644);
	ck_assert_int_eq(load(path), XFED_ECONFIG);
	snprintf(text, sizeof(text), "%s:62: ", path);
	ck_assert_msg(has_error(text, "no such option 'bogus'"), "%s", errtext);
}
END_TEST

/* The shipped example, read as text (NULL if it cannot be found). */
static char *
example_text(void)
{
	char	 path[512], *text;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "etc/xfed.conf");
	if (access(path, R_OK) != 0) {
		/* __FILE__ is tests/unit/check_config.c from the top. */
		snprintf(path, sizeof(path), "%s", __FILE__);
		*strstr(path, "tests/unit/") = '\0';
		strcat(path, "etc/xfed.conf");
	}
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 256);	/* room for edit() */
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return text;
}

/* Replace the first occurrence of from by to, in place. */
static void
edit(char *text, const char *from, const char *to)
{
	char *p = strstr(text, from);

	ck_assert_ptr_nonnull(p);
	memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	memcpy(p, to, strlen(to));
}

START_TEST(test_example_config)
{
	char *text = example_text();

	ck_assert_msg(text != NULL, "etc/xfed.conf not found");
	/* As shipped, only the placeholder secret is wrong. */
	ck_assert_int_eq(parse(text), XFED_ECONFIG);
	ck_assert_msg(count_lines() == 1 && has_error("t.conf:", "tsig-key "
	    "\"xfed-key\": secret is 4 octets"), "%s", errtext);
	/* With a real secret and every extension enabled, it is valid. */
	edit(text, "base64==", "c2l4dGVlbi1vY3RldHMhIQ==");
	edit(text, "# resolver     =", "resolver     =");
	edit(text, "# primary-port =", "primary-port =");
	edit(text, "# tsig-key     =", "tsig-key     =");
	edit(text, "# tls-port =", "tls-port =");
	edit(text, "# zone   =", "zone   =");
	ASSERT_OK(text);
	ck_assert_str_eq(cfg->resolvers[1], "2001:db8::53@5353");
	ck_assert_ptr_eq(cfg->default_key, &cfg->keys[0]);
	ck_assert_str_eq(cfg->proxies[0].zone, "contoso.com.");
	ck_assert_str_eq(cfg->domains[0].proxies[0]->host, "xmpp.contoso.com.");
	free(text);
}
END_TEST

/* Key files. */

static const char keyfile_text[] =
	"# written by tsig-keygen\n"
	"key \"other\" {\n"
	"\talgorithm hmac-sha256;\n"
	"\tsecret \"" SECRET2 "\";\n"
	"};\n"
	"/* the one we want,\n   after a comment */\n"
	"key \"Xfed-Key.\" {\n"
	"\talgorithm \"hmac-sha384\";  // quoted too\n"
	"\tsecret \"" SECRET "\";\n"
	"};\n";

START_TEST(test_keyfile_relative)
{
	char text[256];

	write_file("xfed-key.key", keyfile_text, 0600);
	snprintf(text, sizeof(text), "tsig-key \"xfed-key\" {\n"
	    " file = \"xfed-key.key\"\n}\n");
	ck_assert_int_eq(load(write_file("xfed.conf", text, 0644)), 0);
	ck_assert_str_eq(cfg->keys[0].name, "xfed-key");
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA384);
	ck_assert_uint_eq(cfg->keys[0].secret_len, 32);
	ck_assert_mem_eq(cfg->keys[0].secret, SECRET_RAW, 32);
}
END_TEST

START_TEST(test_keyfile_absolute_other_key)
{
	char text[1024];

	snprintf(text, sizeof(text), "tsig-key \"OTHER\" {\n"
	    " algorithm = \"hmac-sha256\"\n file = \"%s\"\n}\n",
	    write_file("k.key", keyfile_text, 0400));
	ASSERT_OK(text);
	ck_assert_str_eq(cfg->keys[0].name, "other");
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA256);
	ck_assert_uint_eq(cfg->keys[0].secret_len, 48);
}
END_TEST

START_TEST(test_keyfile_key_absent)
{
	char text[1024], want[600];
	const char *path = write_file("k.key", keyfile_text, 0600);

	snprintf(text, sizeof(text), "tsig-key \"third\" {\n"
	    " file = \"%s\"\n}\n", path);
	snprintf(want, sizeof(want), "key file '%s' has no key named "
	    "\"third\"", path);
	ASSERT_FAILS(text, "t.conf:2: tsig-key \"third\": ", want);
}
END_TEST

START_TEST(test_keyfile_alg_mismatch)
{
	char text[1024];

	snprintf(text, sizeof(text), "tsig-key \"xfed-key\" {\n"
	    " file = \"%s\"\n algorithm = \"hmac-sha512\"\n}\n",
	    write_file("k.key", keyfile_text, 0600));
	ASSERT_FAILS(text, "t.conf:3: tsig-key \"xfed-key\": ",
	    "algorithm hmac-sha512 differs from hmac-sha384 in key file");
}
END_TEST

START_TEST(test_keyfile_too_open)
{
	char text[1024], want[600];
	const char *path = write_file("k.key", keyfile_text, 0644);

	snprintf(text, sizeof(text), "tsig-key \"xfed-key\" {\n"
	    " file = \"%s\"\n}\n", path);
	snprintf(want, sizeof(want), "permissions 0644 for '%s' are too open",
	    path);
	ASSERT_FAILS(text, "t.conf:2: tsig-key \"xfed-key\": ", want);
	ck_assert_ptr_null(strstr(errtext, "eGZlZC11bml0"));
	ck_assert_int_eq(chmod(path, 0640), 0);
	ASSERT_FAILS(text, "t.conf:2: ", "permissions 0640");
}
END_TEST

START_TEST(test_keyfile_symlink)
{
	char	text[1024], link[256], want[600];

	write_file("k.key", keyfile_text, 0600);
	snprintf(link, sizeof(link), "%s/link.key", tmpdir);
	ck_assert_int_eq(symlink("k.key", link), 0);
	snprintf(text, sizeof(text), "tsig-key \"xfed-key\" {\n"
	    " file = \"%s\"\n}\n", link);
	snprintf(want, sizeof(want), "'%s' is a symbolic link", link);
	ASSERT_FAILS(text, "t.conf:2: tsig-key \"xfed-key\": ", want);
}
END_TEST

START_TEST(test_keyfile_not_regular)
{
	char text[1024], want[600];

	ck_assert_int_eq(mkdir(tmp_path("dir.key"), 0700), 0);
	snprintf(text, sizeof(text), "tsig-key \"xfed-key\" {\n"
	    " file = \"%s\"\n}\n", tmp_path("dir.key"));
	snprintf(want, sizeof(want), "'%s' is not a regular file",
	    tmp_path("dir.key"));
	ASSERT_FAILS(text, "t.conf:2: tsig-key \"xfed-key\": ", want);
}
END_TEST

START_TEST(test_keyfile_bad_secret)
{
	char text[1024], want[600];
	const char *path;

	path = write_file("k.key", "key k { algorithm hmac-sha256; "
	    "secret \"abc$\"; };\n", 0600);
	snprintf(text, sizeof(text), "tsig-key \"k\" { file = \"%s\" }\n",
	    path);
	snprintf(want, sizeof(want), "secret in key file '%s' is not valid "
	    "base64", path);
	ASSERT_FAILS(text, "t.conf:1: tsig-key \"k\": ", want);
}
END_TEST

START_TEST(test_keyfile_syntax)
{
	char text[1024], want[600];
	const char *path;

	path = write_file("k.key", "key \"k\" {\n algorithm hmac-sha256;\n"
	    " secret \"" SECRET "\"\n};\n", 0600);
	snprintf(text, sizeof(text), "tsig-key \"k\" { file = \"%s\" }\n",
	    path);
	snprintf(want, sizeof(want), "key file '%s': line 4: expected ';'",
	    path);
	ASSERT_FAILS(text, "t.conf:1: tsig-key \"k\": ", want);
	ck_assert_ptr_null(strstr(errtext, "eGZlZC11bml0"));
}
END_TEST

START_TEST(test_keyfile_unknown_alg)
{
	char text[1024];

	snprintf(text, sizeof(text), "tsig-key \"k\" { file = \"%s\" }\n",
	    write_file("k.key", "key k { algorithm hmac-sha3; secret \""
	    SECRET "\"; };", 0600));
	ASSERT_FAILS(text, "t.conf:1: tsig-key \"k\": ",
	    "unknown algorithm \"hmac-sha3\" (known: hmac-md5");
}
END_TEST

START_TEST(test_keyfile_parser)
{
	struct xfed_keyfile			 kf;
	const struct xfed_keyfile_entry		*e;
	char					 eb[128];

	ck_assert_int_eq(xfed_keyfile_parse(keyfile_text, &kf, eb,
	    sizeof(eb)), 0);
	ck_assert_uint_eq(kf.n_keys, 2);
	e = xfed_keyfile_find(&kf, "XFED-KEY.");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, "xfed-key");
	ck_assert_str_eq(e->algorithm, "hmac-sha384");
	ck_assert_str_eq(e->secret, SECRET);
	ck_assert_int_eq(e->line, 8);
	ck_assert_ptr_null(xfed_keyfile_find(&kf, "nope"));
	xfed_keyfile_free(&kf);

	ck_assert_int_eq(xfed_keyfile_parse("key a { algorithm x; secret y; };"
	    "\nkey A. { algorithm x; secret y; };", &kf, eb, sizeof(eb)),
	    XFED_EINVAL);
	ck_assert_str_eq(eb, "line 2: key \"a\" is defined twice");
	ck_assert_int_eq(xfed_keyfile_parse("# nothing\n", &kf, eb,
	    sizeof(eb)), XFED_EINVAL);
	ck_assert_int_eq(xfed_keyfile_parse("options { };", &kf, eb,
	    sizeof(eb)), XFED_EINVAL);
	ck_assert_int_eq(xfed_keyfile_parse("key a { secret y; };", &kf, eb,
	    sizeof(eb)), XFED_EINVAL);
	ck_assert_str_eq(eb, "line 1: key has no algorithm");
}
END_TEST

START_TEST(test_b64_decode)
{
	unsigned char	*out;
	size_t		 len;

	ck_assert_int_eq(xfed_secret_b64_decode(" c2l4dGVl\nbi1vY3RldHMhIQ== ",
	    &out, &len), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(out, "sixteen-octets!!", 16);
	free(out);
	ck_assert_int_eq(xfed_secret_b64_decode("YQ==", &out, &len), 0);
	ck_assert_uint_eq(len, 1);
	free(out);
	ck_assert_int_eq(xfed_secret_b64_decode("YWI=", &out, &len), 0);
	ck_assert_uint_eq(len, 2);
	free(out);
	ck_assert_int_eq(xfed_secret_b64_decode("", &out, &len), XFED_EINVAL);
	ck_assert_int_eq(xfed_secret_b64_decode("YQ=", &out, &len),
	    XFED_EINVAL);
	ck_assert_int_eq(xfed_secret_b64_decode("Y===", &out, &len),
	    XFED_EINVAL);
	ck_assert_int_eq(xfed_secret_b64_decode("YQ==YQ==", &out, &len),
	    XFED_EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

/* $CREDENTIALS_DIRECTORY */

START_TEST(test_credentials_bare)
{
	ck_assert_int_eq(mkdir(tmp_path("creds"), 0700), 0);
	write_file("creds/k", "  " SECRET2 "\n", 0400);
	setenv("CREDENTIALS_DIRECTORY", tmp_path("creds"), 1);
	ASSERT_OK("tsig-key \"k\" {\n algorithm = \"hmac-sha224\"\n"
	    " secret = \"" SECRET "\"\n}\n");
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA224);
	ck_assert_uint_eq(cfg->keys[0].secret_len, 48);
	ck_assert_uint_eq(cfg->keys[0].secret[0], 100);
}
END_TEST

START_TEST(test_credentials_keyfile)
{
	ck_assert_int_eq(mkdir(tmp_path("creds"), 0700), 0);
	write_file("creds/xfed-key", keyfile_text, 0600);
	setenv("CREDENTIALS_DIRECTORY", tmp_path("creds"), 1);
	/* Overrides a file that does not even exist. */
	ASSERT_OK("tsig-key \"xfed-key\" {\n file = \"/nonexistent\"\n}\n");
	ck_assert_int_eq(cfg->keys[0].alg, XFED_HMAC_SHA384);
	ck_assert_mem_eq(cfg->keys[0].secret, SECRET_RAW, 32);
}
END_TEST

START_TEST(test_credentials_absent)
{
	ck_assert_int_eq(mkdir(tmp_path("creds"), 0700), 0);
	write_file("creds/other", SECRET2, 0400);
	setenv("CREDENTIALS_DIRECTORY", tmp_path("creds"), 1);
	ASSERT_OK("tsig-key \"k\" { secret = \"" SECRET "\" }\n");
	ck_assert_mem_eq(cfg->keys[0].secret, SECRET_RAW, 32);
}
END_TEST

/* systemd may grant access by ACL, which stat shows as group read. */
START_TEST(test_credentials_group_read)
{
	ck_assert_int_eq(mkdir(tmp_path("creds"), 0700), 0);
	write_file("creds/k", SECRET2, 0440);
	setenv("CREDENTIALS_DIRECTORY", tmp_path("creds"), 1);
	ASSERT_OK("tsig-key \"k\" {\n secret = \"" SECRET "\"\n}\n");
	ck_assert_uint_eq(cfg->keys[0].secret[0], 100);
}
END_TEST

/* ...but a key file proper must still be private to its owner. */
START_TEST(test_keyfile_group_read)
{
	char want[600], conf[600];

	write_file("k.key", keyfile_text, 0440);
	snprintf(want, sizeof(want), "permissions 0440 for '%s' are too open",
	    tmp_path("k.key"));
	snprintf(conf, sizeof(conf), "tsig-key \"xfed-key\" {\n file = \"%s\"\n"
	    "}\n", tmp_path("k.key"));
	ASSERT_FAILS(conf, "t.conf:2: ", want);
}
END_TEST

START_TEST(test_credentials_bad)
{
	char want[600];

	ck_assert_int_eq(mkdir(tmp_path("creds"), 0700), 0);
	write_file("creds/k", SECRET2, 0644);
	setenv("CREDENTIALS_DIRECTORY", tmp_path("creds"), 1);
	snprintf(want, sizeof(want), "credential: permissions 0644 for '%s' "
	    "are too open", tmp_path("creds/k"));
	ASSERT_FAILS("tsig-key \"k\" {\n secret = \"" SECRET "\"\n}\n",
	    "t.conf:1: tsig-key \"k\": ", want);

	write_file("creds/k", "c2hvcnQtOCE=", 0600);
	snprintf(want, sizeof(want), "secret in credential '%s' is 8 octets",
	    tmp_path("creds/k"));
	ASSERT_FAILS("tsig-key \"k\" {\n secret = \"" SECRET "\"\n}\n",
	    "t.conf:1: tsig-key \"k\": ", want);
	ck_assert_ptr_null(strstr(errtext, "c2hvcnQtOCE"));
}
END_TEST

/*
 * n domain sections of four lines ("dI.example.com", priority I % 100)
 * after a key and a proxy, with a server section before the middle one
 * and a top-level option at the end.  Domain at has title and/or body (its
 * third line) instead, when not NULL.  lines[i]: the line of domain i.
 */
static char *
gen_domains(int n, int at, const char *title, const char *body, int *lines)
{
	size_t	 len;
	FILE	*fp;
	char	*text = NULL, name[64];
	int	 i, line = 3;

	fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	fputs("tsig-key \"k\" { secret = \"" SECRET "\" }\n"
	    "proxy \"edge\" { host = \"xmpp.contoso.com\" "
	    "ipv4 = {\"203.0.113.10\"} }\n", fp);
	for (i = 0; i < n; i++) {
		if (i == n / 2) {
			fputs("server \"s\" {\n address = \"192.0.2.1\"\n}\n"
			    "# a comment\n", fp);
			line += 4;
		}
		snprintf(name, sizeof(name), "d%d.example.com", i);
		fprintf(fp, "domain \"%s\" {\n proxy = {\"edge\"}\n",
		    i == at && title != NULL ? title : name);
		if (i == at && body != NULL)
			fprintf(fp, "%s\n", body);
		else
			fprintf(fp, " priority = %d\n", i % 100);
		fputs("}\n", fp);
		if (lines != NULL)
			lines[i] = line;
		line += 4;
	}
	fputs("owner = \"many\"\n", fp);
	fclose(fp);
	return text;
}

/* Many domains are parsed in batches: all of them land, in order. */
START_TEST(test_many_domains)
{
	static int	 lines[1000];
	char		 name[64];
	char		*text = gen_domains(1000, -1, NULL, NULL, lines);
	int		 i;

	ASSERT_OK(text);
	ck_assert_uint_eq(cfg->n_domains, 1000);
	ck_assert_uint_eq(cfg->n_servers, 1);
	ck_assert_str_eq(cfg->owner, "many");
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "d%d.example.com.", i);
		ck_assert_str_eq(cfg->domains[i].name, name);
		ck_assert_int_eq(cfg->domains[i].line, lines[i]);
		ck_assert_uint_eq(cfg->domains[i].priority, i % 100);
		ck_assert_uint_eq(cfg->domains[i].n_proxies, 1);
		ck_assert_ptr_eq(cfg->domains[i].proxies[0], &cfg->proxies[0]);
		ck_assert_ptr_eq(cfg->domains[i].server, &cfg->servers[0]);
	}
	ck_assert_ptr_eq(xfed_config_domain(cfg, "D999.example.com"),
	    &cfg->domains[999]);
	free(text);
}
END_TEST

/* Titles repeated far apart (not in one batch): as in one pass. */
START_TEST(test_many_domains_duplicate_title)
{
	static int	 lines[700];
	char		 want[256], *text, *more;
	const char	*p;
	int		 last = 1;

	text = gen_domains(700, 599, "d0.example.com", NULL, lines);
	ASSERT_FAILS(text, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: found duplicate title "
	    "'d0.example.com'\n", lines[599]);
	ck_assert_str_eq(errtext, want);
	/* Reported at the opening brace, as libconfuse does. */
	free(text);
	text = gen_domains(700, -1, NULL, NULL, NULL);
	for (p = text; *p != '\0'; p++)
		last += *p == '\n';
	more = malloc(strlen(text) + 64);
	ck_assert_ptr_nonnull(more);
	strcpy(more, text);
	strcat(more, "domain \"d1.example.com\"\n\n{ proxy = {\"edge\"} }\n");
	ASSERT_FAILS(more, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: found duplicate title "
	    "'d1.example.com'\n", last + 2);
	ck_assert_str_eq(errtext, want);
	free(more);
	free(text);
}
END_TEST

START_TEST(test_many_domains_same_name)
{
	static int	 lines[700];
	char		 want[256];
	char		*text = gen_domains(700, 599, "D0.Example.com.", NULL,
			    lines);

	ASSERT_FAILS(text, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: domain \"D0.Example.com.\": "
	    "same domain as line %d\n", lines[599], lines[0]);
	ck_assert_str_eq(errtext, want);
	free(text);
}
END_TEST

/* libconfuse's own errors inside a late batch: its file and line. */
START_TEST(test_many_domains_error_inside)
{
	static int	 lines[1000];
	char		 want[256], *text;

	text = gen_domains(1000, 699, NULL, " prxy = {\"edge\"}", lines);
	ASSERT_FAILS(text, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: domain \"d699.example.com\": "
	    "no such option 'prxy' (did you mean 'proxy'?)\n",
	    lines[699] + 2);
	ck_assert_str_eq(errtext, want);
	free(text);
	text = gen_domains(1000, 699, NULL, " port = = 1", lines);
	ASSERT_FAILS(text, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: domain \"d699.example.com\": ",
	    lines[699] + 2);
	ck_assert_msg(has_error(want, "") && count_lines() == 1, "%s",
	    errtext);
	free(text);
	/* A bad value; then nothing is converted, as in one pass. */
	text = gen_domains(1000, 699, NULL, " ttl = soon", lines);
	ASSERT_FAILS(text, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: domain \"d699.example.com\": "
	    "invalid integer value for option 'ttl'\n", lines[699] + 2);
	ck_assert_str_eq(errtext, want);
	free(text);
}
END_TEST

/* Of errors in different parts of the text, only the first is reported. */
START_TEST(test_many_domains_first_error)
{
	static int	 lines[1000];
	char		 want[256], *text, *both;

	text = gen_domains(1000, 10, NULL, " prxy = 1", lines);
	both = malloc(strlen(text) + 64);
	ck_assert_ptr_nonnull(both);
	strcpy(both, text);
	strcat(both, "bogus = 1\n");
	ASSERT_FAILS(both, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: domain \"d10.example.com\": "
	    "no such option 'prxy' (did you mean 'proxy'?)\n",
	    lines[10] + 2);
	ck_assert_str_eq(errtext, want);
	strcpy(both, "bogus = 1\n");
	strcat(both, text);
	ASSERT_FAILS(both, "", "");
	ck_assert_str_eq(errtext, "t.conf:1: no such option 'bogus'\n");
	free(both);
	free(text);
}
END_TEST

START_TEST(test_many_domains_unclosed)
{
	char	 want[256], *text, *more;
	int	 n = 0;
	const char *p;

	text = gen_domains(600, -1, NULL, NULL, NULL);
	for (p = text; *p != '\0'; p++)
		n += *p == '\n';
	more = malloc(strlen(text) + 64);
	ck_assert_ptr_nonnull(more);
	strcpy(more, text);
	strcat(more, "domain \"last.example.com\" {\n proxy = {\"edge\"}\n");
	ASSERT_FAILS(more, "", "");
	snprintf(want, sizeof(want), "t.conf:%d: ", n + 1);
	ck_assert_msg(has_error(want, "domain \"last.example.com\": section "
	    "is not closed (missing '}')"), "%s", errtext);
	free(more);
	free(text);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_full_config);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_no_server_means_discovery);
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_all_algorithms);
	tcase_add_loop_test(tc, test_bad_config, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_good_names);
	tcase_add_test(tc, test_limits_accepted);
	tcase_add_test(tc, test_top_level_tsig_key);
	tcase_add_test(tc, test_several_keys_no_default);
	tcase_add_test(tc, test_many_errors_together);
	tcase_add_test(tc, test_missing_brace_after_errors);
	tcase_add_test(tc, test_braces_in_strings_and_comments);
	tcase_add_test(tc, test_secret_never_printed);
	tcase_add_test(tc, test_missing_config_file);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_example_config);
	tcase_add_test(tc, test_keyfile_relative);
	tcase_add_test(tc, test_keyfile_absolute_other_key);
	tcase_add_test(tc, test_keyfile_key_absent);
	tcase_add_test(tc, test_keyfile_alg_mismatch);
	tcase_add_test(tc, test_keyfile_too_open);
	tcase_add_test(tc, test_keyfile_symlink);
	tcase_add_test(tc, test_keyfile_not_regular);
	tcase_add_test(tc, test_keyfile_bad_secret);
	tcase_add_test(tc, test_keyfile_syntax);
	tcase_add_test(tc, test_keyfile_unknown_alg);
	tcase_add_test(tc, test_keyfile_parser);
	tcase_add_test(tc, test_b64_decode);
	tcase_add_test(tc, test_credentials_bare);
	tcase_add_test(tc, test_credentials_keyfile);
	tcase_add_test(tc, test_credentials_absent);
	tcase_add_test(tc, test_credentials_bad);
	tcase_add_test(tc, test_credentials_group_read);
	tcase_add_test(tc, test_keyfile_group_read);
	tcase_add_test(tc, test_many_domains);
	tcase_add_test(tc, test_many_domains_duplicate_title);
	tcase_add_test(tc, test_many_domains_same_name);
	tcase_add_test(tc, test_many_domains_error_inside);
	tcase_add_test(tc, test_many_domains_first_error);
	tcase_add_test(tc, test_many_domains_unclosed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
