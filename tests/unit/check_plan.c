/*
 * Unit tests for desired.c and plan.c: configurations built by hand, live
 * zones from RR strings, plans checked RR by RR and, as text, against the
 * golden files in tests/unit/golden/.
 *
 * Run from the repository root, or build with -DGOLDEN_DIR=\"path\".
 * XFED_UPDATE_GOLDEN=1 rewrites the golden files from the current output
 * (review the diff before keeping it).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <ldns/ldns.h>

#include "config.h"
#include "desired.h"
#include "error.h"
#include "plan.h"
#include "util.h"

#ifndef GOLDEN_DIR
#define GOLDEN_DIR	"tests/unit/golden"
#endif

#define OWNER	"xfed"
#define ZONE	"example.com."
#define SRVN	"_xmpp-server._tcp.example.com."
#define TLSN	"_xmpps-server._tcp.example.com."
#define CHATN	"_xmpp-server._tcp.chat.example.com."
#define HOSTN	"xmpp.example.com."
#define HOST2N	"xmpp2.example.com."
#define SOA	ZONE " 3600 IN SOA ns." ZONE " hostmaster." ZONE \
		" 1 3600 900 604800 300"
#define NS	ZONE " 3600 IN NS ns." ZONE

#define MARKER		"\"heritage=xfed,owner=xfed\""
#define MARK(n, ttl)	n " " ttl " IN TXT " MARKER
#define SRV(n, ttl, port, target) \
			n " " ttl " IN SRV 0 0 " port " " target
#define SRV_RR(ttl)	SRV(SRVN, ttl, "5269", HOSTN)
#define A_RR(ttl)	HOSTN " " ttl " IN A 192.0.2.10"
#define A2_RR(ttl)	HOSTN " " ttl " IN A 192.0.2.11"
#define AAAA_RR(ttl)	HOSTN " " ttl " IN AAAA 2001:db8::10"
/* RFC 2136 data-less RRs, as ldns prints them. */
#define NONE_(n, t)	n " 0 NONE " t " \\# 0"
#define ANY_(n, t)	n " 0 ANY " t " \\# 0"

#define MAXL	12
#define MAXC	4

/* A configuration built by hand: config.c is not needed. */
struct fixture {
	struct xfed_config	 cfg;
	struct xfed_server	 server;
	struct xfed_proxy	 proxies[3];
	struct xfed_domain	 domains[3];
	struct xfed_proxy	*dom_proxies[3][3];
};

static char *edge_v4[] = { "192.0.2.10", "192.0.2.11" };
static char *edge_v6[] = { "2001:db8::10" };
static char *edge2_v4[] = { "192.0.2.20" };

static void
fx_proxy(struct fixture *fx, size_t i, char *name, char *host)
{
	struct xfed_proxy *p = &fx->proxies[i];

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->host = host;
	p->ttl = 3600;
	p->zone = ZONE;
	p->server = &fx->server;
	if (i >= fx->cfg.n_proxies)
		fx->cfg.n_proxies = i + 1;
}

static struct xfed_domain *
fx_domain(struct fixture *fx, size_t i, char *name, struct xfed_proxy *p)
{
	struct xfed_domain *d = &fx->domains[i];

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->proxies = fx->dom_proxies[i];
	d->proxies[0] = p;
	d->n_proxies = 1;
	d->port = 5269;
	d->tls_port = 5270;
	d->ttl = 3600;
	d->zone = ZONE;
	d->server = &fx->server;
	if (i >= fx->cfg.n_domains)
		fx->cfg.n_domains = i + 1;
	return d;
}

/* One proxy "edge" (one IPv4, one IPv6), one domain example.com. */
static void
fx_base(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->server.name = "primary";
	fx->server.address = "192.0.2.53";
	fx->server.port = 53;
	fx->cfg.owner = OWNER;
	fx->cfg.max_deletes = 10;
	fx->cfg.proxies = fx->proxies;
	fx->cfg.domains = fx->domains;
	fx->cfg.servers = &fx->server;
	fx->cfg.n_servers = 1;
	fx_proxy(fx, 0, "edge", HOSTN);
	fx->proxies[0].ipv4 = edge_v4;
	fx->proxies[0].n_ipv4 = 1;
	fx->proxies[0].ipv6 = edge_v6;
	fx->proxies[0].n_ipv6 = 1;
	fx_domain(fx, 0, ZONE, &fx->proxies[0]);
}

static void
setup_second_address(struct fixture *fx)
{
	fx->proxies[0].n_ipv4 = 2;
}

static void
setup_direct_tls(struct fixture *fx)
{
	fx->domains[0].direct_tls = true;
}

static void
setup_no_domain(struct fixture *fx)
{
	fx->cfg.n_domains = 0;
}

/* example.com now federates through a second proxy, edge2. */
static void
setup_moved(struct fixture *fx)
{
	fx_proxy(fx, 1, "edge2", HOST2N);
	fx->proxies[1].ipv4 = edge2_v4;
	fx->proxies[1].n_ipv4 = 1;
	fx->domains[0].proxies[0] = &fx->proxies[1];
}

struct exp_change {
	const char	*name;
	enum xfed_phase	 phase;
	size_t		 deletes;
	const char	*prereq[MAXL];
	const char	*update[MAXL];
	const char	*added[MAXL];
	const char	*removed[MAXL];
};

struct exp_conflict {
	const char	*name;
	const char	*reason;	/* a substring of the reason */
};

struct plan_case {
	const char		*name;		/* also the golden file */
	void			(*setup)(struct fixture *);
	const char		*live[MAXL * 2];
	size_t			 n_changes;
	size_t			 n_conflicts;
	size_t			 deletes;
	size_t			 n_owned_after;
	struct exp_change	 changes[MAXC];
	struct exp_conflict	 conflicts[MAXC];
};

/* The host and SRV name of the base configuration, in sync. */
#define LIVE_SYNCED \
	SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"), A_RR("3600"), \
	AAAA_RR("3600"), MARK(HOSTN, "3600")

/*
 * Creating the host from nothing: the same in several cases.  A name that
 * held nothing is guarded by "name is not in use" alone (RFC 2136 2.4.5).
 */
#define HOST_CREATED { HOSTN, XFED_PHASE_ADDR_UPSERT, 0, \
	{ NONE_(HOSTN, "ANY") }, \
	{ A_RR("3600"), AAAA_RR("3600"), MARK(HOSTN, "3600") }, \
	{ A_RR("3600"), AAAA_RR("3600"), MARK(HOSTN, "3600") }, \
	{ NULL } }

static const struct plan_case cases[] = {
	{
		.name = "empty_zone",
		.live = { SOA, NS },
		.n_changes = 2, .n_owned_after = 2,
		.changes = {
			HOST_CREATED,
			{ SRVN, XFED_PHASE_SRV_UPSERT, 0,
			    { NONE_(SRVN, "ANY") },
			    { SRV_RR("3600"), MARK(SRVN, "3600") },
			    { SRV_RR("3600"), MARK(SRVN, "3600") },
			    { NULL } },
		},
	},
	{
		.name = "converged",
		.live = { LIVE_SYNCED },
		.n_owned_after = 2,
	},
	{
		.name = "changed_address",
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    HOSTN " 3600 IN A 192.0.2.99", AAAA_RR("3600"),
		    MARK(HOSTN, "3600") },
		.n_changes = 1, .deletes = 1, .n_owned_after = 2,
		.changes = {
			{ HOSTN, XFED_PHASE_ADDR_UPSERT, 1,
			    { HOSTN " 0 IN A 192.0.2.99",
				HOSTN " 0 IN TXT " MARKER,
				NONE_(HOSTN, "CNAME") },
			    { ANY_(HOSTN, "A"), A_RR("3600") },
			    { A_RR("3600") },
			    { HOSTN " 3600 IN A 192.0.2.99" } },
		},
	},
	{
		.name = "added_second_address",
		.setup = setup_second_address,
		.live = { LIVE_SYNCED },
		.n_changes = 1, .n_owned_after = 2,
		.changes = {
			{ HOSTN, XFED_PHASE_ADDR_UPSERT, 0,
			    { HOSTN " 0 IN A 192.0.2.10",
				HOSTN " 0 IN TXT " MARKER,
				NONE_(HOSTN, "CNAME") },
			    { ANY_(HOSTN, "A"), A_RR("3600"), A2_RR("3600") },
			    { A2_RR("3600") },
			    { NULL } },
		},
	},
	{
		/*
		 * chat.example.com left the configuration: its SRV and
		 * marker go (the marker alone, not the foreign TXT beside
		 * it); the shared proxy host stays for example.com.  Names
		 * of another owner or without marker are not touched.
		 */
		.name = "removed_domain_shared_proxy",
		.live = { LIVE_SYNCED,
		    SRV(CHATN, "3600", "5269", HOSTN), MARK(CHATN, "3600"),
		    CHATN " 3600 IN TXT \"keep me\"",
		    SRV("_xmpp-server._tcp.other.example.com.", "3600",
			"5269", HOSTN),
		    "_xmpp-server._tcp.other.example.com. 3600 IN TXT "
			"\"heritage=xfed,owner=other\"",
		    SRV("_xmpp-server._tcp.legacy.example.com.", "3600",
			"5269", HOSTN) },
		.n_changes = 1, .deletes = 2, .n_owned_after = 2,
		.changes = {
			{ CHATN, XFED_PHASE_SRV_DELETE, 2,
			    { SRV(CHATN, "0", "5269", HOSTN),
				CHATN " 0 IN TXT \"keep me\"",
				CHATN " 0 IN TXT " MARKER },
			    { ANY_(CHATN, "SRV"), CHATN " 0 NONE TXT " MARKER },
			    { NULL },
			    { SRV(CHATN, "3600", "5269", HOSTN),
				MARK(CHATN, "3600") } },
		},
	},
	{
		/* No domain uses the proxy any more: its host goes too. */
		.name = "removed_last_domain",
		.setup = setup_no_domain,
		.live = { LIVE_SYNCED },
		.n_changes = 2, .deletes = 5, .n_owned_after = 0,
		.changes = {
			{ SRVN, XFED_PHASE_SRV_DELETE, 2,
			    { SRV_RR("0"), MARK(SRVN, "0") },
			    { ANY_(SRVN, "SRV"), SRVN " 0 NONE TXT " MARKER },
			    { NULL },
			    { SRV_RR("3600"), MARK(SRVN, "3600") } },
			{ HOSTN, XFED_PHASE_ADDR_DELETE, 3,
			    { A_RR("0"), AAAA_RR("0"), MARK(HOSTN, "0") },
			    { ANY_(HOSTN, "A"), ANY_(HOSTN, "AAAA"),
				HOSTN " 0 NONE TXT " MARKER },
			    { NULL },
			    { A_RR("3600"), AAAA_RR("3600"),
				MARK(HOSTN, "3600") } },
		},
	},
	{
		.name = "foreign_srv",
		.live = { SOA, NS,
		    SRV(SRVN, "3600", "5269", "old.example.com.") },
		.n_changes = 1, .n_conflicts = 1, .n_owned_after = 1,
		.changes = { HOST_CREATED },
		.conflicts = {
			{ SRVN, "SRV RRset exists without ownership marker" },
		},
	},
	{
		.name = "foreign_address",
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    HOSTN " 3600 IN AAAA 2001:db8::99" },
		.n_conflicts = 1, .n_owned_after = 1,
		.conflicts = {
			{ HOSTN, "AAAA RRset exists without ownership marker" },
		},
	},
	{
		.name = "cname_at_srv_name",
		.live = { SOA, NS, A_RR("3600"), AAAA_RR("3600"),
		    MARK(HOSTN, "3600"),
		    SRVN " 3600 IN CNAME elsewhere.example.net." },
		.n_conflicts = 1, .n_owned_after = 1,
		.conflicts = { { SRVN, "CNAME" } },
	},
	{
		.name = "cname_at_host",
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    HOSTN " 3600 IN CNAME edge.example.net." },
		.n_conflicts = 1, .n_owned_after = 1,
		.conflicts = { { HOSTN, "proxy host is a CNAME" } },
	},
	{
		.name = "other_owner",
		.live = { SOA, NS, A_RR("3600"), AAAA_RR("3600"),
		    MARK(HOSTN, "3600"), SRV_RR("3600"),
		    SRVN " 3600 IN TXT \"heritage=xfed,owner=other\"" },
		.n_conflicts = 1, .n_owned_after = 1,
		.conflicts = { { SRVN, "\"other\"" } },
	},
	{
		/* The marker joins a foreign TXT RRset at its TTL. */
		.name = "foreign_txt",
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    HOSTN " 300 IN TXT \"v=spf1 -all\"" },
		.n_changes = 1, .n_owned_after = 2,
		.changes = {
			{ HOSTN, XFED_PHASE_ADDR_UPSERT, 0,
			    { NONE_(HOSTN, "A"), NONE_(HOSTN, "AAAA"),
				HOSTN " 0 IN TXT \"v=spf1 -all\"",
				NONE_(HOSTN, "CNAME") },
			    { A_RR("3600"), AAAA_RR("3600"),
				MARK(HOSTN, "300") },
			    { A_RR("3600"), AAAA_RR("3600"),
				MARK(HOSTN, "300") },
			    { NULL } },
		},
	},
	{
		.name = "ttl_change",
		.live = { SOA, NS, SRV_RR("300"), MARK(SRVN, "300"),
		    A_RR("300"), AAAA_RR("3600"), MARK(HOSTN, "300") },
		.n_changes = 2, .deletes = 0, .n_owned_after = 2,
		.changes = {
			{ HOSTN, XFED_PHASE_ADDR_UPSERT, 0,
			    { A_RR("0"), MARK(HOSTN, "0"),
				NONE_(HOSTN, "CNAME") },
			    { ANY_(HOSTN, "A"), A_RR("3600"),
				HOSTN " 0 NONE TXT " MARKER, MARK(HOSTN, "3600") },
			    { A_RR("3600"), MARK(HOSTN, "3600") },
			    { A_RR("300"), MARK(HOSTN, "300") } },
			{ SRVN, XFED_PHASE_SRV_UPSERT, 0,
			    { SRV_RR("0"), MARK(SRVN, "0"),
				NONE_(SRVN, "CNAME") },
			    { ANY_(SRVN, "SRV"), SRV_RR("3600"),
				SRVN " 0 NONE TXT " MARKER, MARK(SRVN, "3600") },
			    { SRV_RR("3600"), MARK(SRVN, "3600") },
			    { SRV_RR("300"), MARK(SRVN, "300") } },
		},
	},
	{
		/* TTLs are per RRset: one stray TTL replaces the RRset. */
		.name = "ttl_mixed",
		.setup = setup_second_address,
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    A_RR("3600"), A2_RR("300"), AAAA_RR("3600"),
		    MARK(HOSTN, "3600") },
		.n_changes = 1, .deletes = 0, .n_owned_after = 2,
		.changes = {
			{ HOSTN, XFED_PHASE_ADDR_UPSERT, 0,
			    { A_RR("0"), A2_RR("0"), MARK(HOSTN, "0"),
				NONE_(HOSTN, "CNAME") },
			    { ANY_(HOSTN, "A"), A_RR("3600"), A2_RR("3600") },
			    { A_RR("3600"), A2_RR("3600") },
			    { A_RR("3600"), A2_RR("300") } },
		},
	},
	{
		/* Servers change the case of names: no flap. */
		.name = "mixed_case",
		.live = { SOA, NS,
		    "_XMPP-Server._TCP.Example.COM. 3600 IN SRV 0 0 5269 "
			"XMPP.Example.COM.",
		    "_xmpp-SERVER._tcp.EXAMPLE.com. 3600 IN TXT " MARKER,
		    "Xmpp.Example.Com. 3600 IN A 192.0.2.10",
		    "XMPP.EXAMPLE.COM. 3600 IN AAAA 2001:DB8::10",
		    "xmpp.EXAMPLE.com. 3600 IN TXT " MARKER },
		.n_owned_after = 2,
	},
	{
		.name = "direct_tls",
		.setup = setup_direct_tls,
		.live = { SOA, NS },
		.n_changes = 3, .n_owned_after = 3,
		.changes = {
			HOST_CREATED,
			{ SRVN, XFED_PHASE_SRV_UPSERT, 0,
			    { NONE_(SRVN, "ANY") },
			    { SRV_RR("3600"), MARK(SRVN, "3600") },
			    { SRV_RR("3600"), MARK(SRVN, "3600") },
			    { NULL } },
			{ TLSN, XFED_PHASE_SRV_UPSERT, 0,
			    { NONE_(TLSN, "ANY") },
			    { SRV(TLSN, "3600", "5270", HOSTN),
				MARK(TLSN, "3600") },
			    { SRV(TLSN, "3600", "5270", HOSTN),
				MARK(TLSN, "3600") },
			    { NULL } },
		},
	},
	{
		/* Our markers outside the zone are not this zone's business. */
		.name = "outside_zone",
		.live = { LIVE_SYNCED,
		    SRV("_xmpp-server._tcp.example.org.", "3600", "5269",
			HOSTN),
		    MARK("_xmpp-server._tcp.example.org.", "3600"),
		    "xmpp.notexample.com. 3600 IN A 192.0.2.1",
		    MARK("xmpp.notexample.com.", "3600") },
		.n_owned_after = 2,
	},
	{
		/*
		 * example.com moves to edge2 and chat.example.com is gone:
		 * new addresses first, then SRV, SRV deletes, address deletes.
		 */
		.name = "phase_order",
		.setup = setup_moved,
		.live = { SOA, NS, SRV_RR("3600"), MARK(SRVN, "3600"),
		    SRV(CHATN, "3600", "5269", HOSTN), MARK(CHATN, "3600"),
		    A_RR("3600"), AAAA_RR("3600"), MARK(HOSTN, "3600") },
		.n_changes = 4, .deletes = 6, .n_owned_after = 2,
		.changes = {
			{ HOST2N, XFED_PHASE_ADDR_UPSERT, 0,
			    { NONE_(HOST2N, "ANY") },
			    { HOST2N " 3600 IN A 192.0.2.20",
				MARK(HOST2N, "3600") },
			    { HOST2N " 3600 IN A 192.0.2.20",
				MARK(HOST2N, "3600") },
			    { NULL } },
			{ SRVN, XFED_PHASE_SRV_UPSERT, 1,
			    { SRV_RR("0"), MARK(SRVN, "0"),
				NONE_(SRVN, "CNAME") },
			    { ANY_(SRVN, "SRV"),
				SRV(SRVN, "3600", "5269", HOST2N) },
			    { SRV(SRVN, "3600", "5269", HOST2N) },
			    { SRV_RR("3600") } },
			{ CHATN, XFED_PHASE_SRV_DELETE, 2,
			    { SRV(CHATN, "0", "5269", HOSTN),
				MARK(CHATN, "0") },
			    { ANY_(CHATN, "SRV"), CHATN " 0 NONE TXT " MARKER },
			    { NULL },
			    { SRV(CHATN, "3600", "5269", HOSTN),
				MARK(CHATN, "3600") } },
			{ HOSTN, XFED_PHASE_ADDR_DELETE, 3,
			    { A_RR("0"), AAAA_RR("0"), MARK(HOSTN, "0") },
			    { ANY_(HOSTN, "A"), ANY_(HOSTN, "AAAA"),
				HOSTN " 0 NONE TXT " MARKER },
			    { NULL },
			    { A_RR("3600"), AAAA_RR("3600"),
				MARK(HOSTN, "3600") } },
		},
	},
};

static ldns_rr_list *
live_from(const char *const *lines)
{
	ldns_rr_list *l;
	ldns_rr *rr;
	ldns_status st;

	l = ldns_rr_list_new();
	ck_assert_ptr_nonnull(l);
	for (; *lines != NULL; lines++) {
		st = ldns_rr_new_frm_str(&rr, *lines, 0, NULL, NULL);
		ck_assert_msg(st == LDNS_STATUS_OK, "bad test RR \"%s\": %s",
		    *lines, ldns_get_errorstr_by_id(st));
		ck_assert(ldns_rr_list_push_rr(l, rr));
	}
	return l;
}

static ldns_rdf *
dname(const char *s)
{
	ldns_rdf *d = ldns_dname_new_frm_str(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

static char *
dname_str(const ldns_rdf *d)
{
	char *s = ldns_rdf2str(d);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* Plan the declared names of cfg that fall in zone, as the agent would. */
static struct xfed_plan *
plan_for(const struct xfed_config *cfg, const char *zone_str,
    const ldns_rr_list *live)
{
	struct xfed_desired *d;
	struct xfed_owned *in;
	struct xfed_plan *plan;
	ldns_rdf *zone = dname(zone_str);
	size_t i, n = 0;

	ck_assert_int_eq(xfed_desired_build(cfg, &d), XFED_OK);
	in = xcalloc(d->n, sizeof(*in));
	for (i = 0; i < d->n; i++)
		if (ldns_dname_is_subdomain(d->names[i].name, zone) ||
		    ldns_dname_compare(d->names[i].name, zone) == 0)
			in[n++] = d->names[i];
	ck_assert_int_eq(xfed_plan_zone(zone, in, n, live, cfg->owner, &plan),
	    XFED_OK);
	ck_assert_ptr_nonnull(plan);
	free(in);
	xfed_desired_free(d);
	ldns_rdf_deep_free(zone);
	return plan;
}

/* The RRs of l as lines, each followed by '\n', for messages. */
static char *
list_text(const ldns_rr_list *l)
{
	char *text = xstrdup(""), *line, *t;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
		line = xfed_rr_to_line(ldns_rr_list_rr(l, i));
		t = xasprintf("%s  %s\n", text, line);
		free(line);
		free(text);
		text = t;
	}
	return text;
}

static char *
exp_text(const char *const *exp)
{
	char *text = xstrdup(""), *t;

	for (; *exp != NULL; exp++) {
		t = xasprintf("%s  %s\n", text, *exp);
		free(text);
		text = t;
	}
	return text;
}

/* l holds exactly the RRs of exp, in that order. */
static void
check_list(const char *what, const ldns_rr_list *l, const char *const *exp)
{
	char *got = list_text(l), *want = exp_text(exp);

	ck_assert_msg(strcmp(got, want) == 0, "%s:\ngot:\n%swant:\n%s",
	    what, got, want);
	free(got);
	free(want);
}

static void
check_change(const char *casename, const struct xfed_change *ch,
    const struct exp_change *exp)
{
	char *name = dname_str(ch->name), *what;

	ck_assert_msg(strcmp(name, exp->name) == 0, "%s: change for %s, "
	    "want %s", casename, name, exp->name);
	ck_assert_msg(ch->phase == exp->phase, "%s: %s: phase %d, want %d",
	    casename, name, ch->phase, exp->phase);
	ck_assert_msg(ch->deletes == exp->deletes, "%s: %s: deletes %zu, "
	    "want %zu", casename, name, ch->deletes, exp->deletes);
	what = xasprintf("%s: %s prereq", casename, name);
	check_list(what, ch->prereq, exp->prereq);
	free(what);
	what = xasprintf("%s: %s update", casename, name);
	check_list(what, ch->update, exp->update);
	free(what);
	what = xasprintf("%s: %s added", casename, name);
	check_list(what, ch->added, exp->added);
	free(what);
	what = xasprintf("%s: %s removed", casename, name);
	check_list(what, ch->removed, exp->removed);
	free(what);
	free(name);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	long n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* xfed_plan_print output equals GOLDEN_DIR/<name>.txt. */
static void
check_golden(const char *name, const struct xfed_plan *plan)
{
	char *path, *got = NULL, *want;
	size_t got_len = 0, want_len = 0;
	FILE *f;

	f = open_memstream(&got, &got_len);
	ck_assert_ptr_nonnull(f);
	xfed_plan_print(f, plan);
	fclose(f);
	path = xasprintf("%s/%s.txt", GOLDEN_DIR, name);
	if (getenv("XFED_UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "w");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fwrite(got, 1, got_len, f);
		fclose(f);
	}
	want = read_file(path, &want_len);
	ck_assert_msg(want != NULL, "cannot read golden file %s (run from "
	    "the repository root or set GOLDEN_DIR)", path);
	ck_assert_msg(got_len == want_len && memcmp(got, want, got_len) == 0,
	    "%s differs:\ngot:\n%swant:\n%s", path, got, want);
	free(want);
	free(got);
	free(path);
}

START_TEST(test_plan_case)
{
	const struct plan_case *pc = &cases[_i];
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	char *name;
	size_t i;

	fx_base(&fx);
	if (pc->setup != NULL)
		pc->setup(&fx);
	live = live_from(pc->live);
	plan = plan_for(&fx.cfg, ZONE, live);

	ck_assert_msg(plan->n_changes == pc->n_changes, "%s: %zu changes, "
	    "want %zu", pc->name, plan->n_changes, pc->n_changes);
	for (i = 0; i < pc->n_changes; i++)
		check_change(pc->name, &plan->changes[i], &pc->changes[i]);
	ck_assert_msg(plan->n_conflicts == pc->n_conflicts, "%s: %zu "
	    "conflicts, want %zu", pc->name, plan->n_conflicts,
	    pc->n_conflicts);
	for (i = 0; i < pc->n_conflicts; i++) {
		name = dname_str(plan->conflicts[i].name);
		ck_assert_str_eq(name, pc->conflicts[i].name);
		ck_assert_msg(strstr(plan->conflicts[i].reason,
		    pc->conflicts[i].reason) != NULL, "%s: reason \"%s\" "
		    "lacks \"%s\"", pc->name, plan->conflicts[i].reason,
		    pc->conflicts[i].reason);
		free(name);
	}
	ck_assert_msg(plan->deletes == pc->deletes, "%s: deletes %zu, "
	    "want %zu", pc->name, plan->deletes, pc->deletes);
	ck_assert_msg(plan->n_owned_after == pc->n_owned_after, "%s: "
	    "n_owned_after %zu, want %zu", pc->name, plan->n_owned_after,
	    pc->n_owned_after);
	check_golden(pc->name, plan);

	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
}
END_TEST

static bool
same_rdata(const ldns_rr *a, const ldns_rr *b)
{
	size_t i;

	if (ldns_rr_rd_count(a) != ldns_rr_rd_count(b))
		return false;
	for (i = 0; i < ldns_rr_rd_count(a); i++)
		if (ldns_rdf_compare(ldns_rr_rdf(a, i), ldns_rr_rdf(b, i)) != 0)
			return false;
	return true;
}

/*
 * Apply an update section the way a server would (RFC 2136 3.4.2, for the
 * forms a plan uses: ANY/T, NONE + RDATA, IN additions).
 */
static void
apply(ldns_rr_list *zone, const ldns_rr_list *update)
{
	ldns_rr_list *next;
	ldns_rr *u, *z;
	size_t i, j;
	bool gone;

	for (i = 0; i < ldns_rr_list_rr_count(update); i++) {
		u = ldns_rr_list_rr(update, i);
		if (ldns_rr_get_class(u) == LDNS_RR_CLASS_IN) {
			ck_assert(ldns_rr_list_push_rr(zone, ldns_rr_clone(u)));
			continue;
		}
		next = ldns_rr_list_new();
		for (j = 0; j < ldns_rr_list_rr_count(zone); j++) {
			z = ldns_rr_list_rr(zone, j);
			gone = ldns_dname_compare(ldns_rr_owner(z),
			    ldns_rr_owner(u)) == 0 &&
			    ldns_rr_get_type(z) == ldns_rr_get_type(u);
			if (gone && ldns_rr_get_class(u) == LDNS_RR_CLASS_NONE)
				gone = same_rdata(z, u);
			if (gone)
				ldns_rr_free(z);
			else
				ldns_rr_list_push_rr(next, z);
		}
		ldns_rr_list_set_rr_count(zone, 0);
		for (j = 0; j < ldns_rr_list_rr_count(next); j++)
			ldns_rr_list_push_rr(zone, ldns_rr_list_rr(next, j));
		ldns_rr_list_free(next);
	}
}

/* Every case's plan, applied, leaves nothing more to do. */
START_TEST(test_plan_converges)
{
	const struct plan_case *pc = &cases[_i];
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	size_t i;

	fx_base(&fx);
	if (pc->setup != NULL)
		pc->setup(&fx);
	live = live_from(pc->live);
	plan = plan_for(&fx.cfg, ZONE, live);
	for (i = 0; i < plan->n_changes; i++)
		apply(live, plan->changes[i].update);
	xfed_plan_free(plan);
	plan = plan_for(&fx.cfg, ZONE, live);
	ck_assert_msg(plan->n_changes == 0, "%s: %zu changes after apply",
	    pc->name, plan->n_changes);
	ck_assert_uint_eq(plan->n_conflicts, pc->n_conflicts);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
}
END_TEST

/* Data-less RFC 2136 RRs: no RDATA at all, and TTL 0, not ldns's 3600. */
START_TEST(test_meta_rrs_are_empty)
{
	static const char *const live_lines[] = { SOA, NULL };
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	ldns_rr *rr;
	size_t i, n = 0;

	fx_base(&fx);
	live = live_from(live_lines);
	plan = plan_for(&fx.cfg, ZONE, live);
	ck_assert_uint_eq(plan->n_changes, 2);
	for (i = 0; i < ldns_rr_list_rr_count(plan->changes[0].prereq); i++) {
		rr = ldns_rr_list_rr(plan->changes[0].prereq, i);
		ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_NONE);
		ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_ANY);
		ck_assert_uint_eq(ldns_rr_rd_count(rr), 0);
		ck_assert_uint_eq(ldns_rr_ttl(rr), 0);
		n++;
	}
	/* A new name: one "name is not in use" instead of four NONE/T. */
	ck_assert_uint_eq(n, 1);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
}
END_TEST

/*
 * A declared name with no records to own (desired never builds one, a
 * caller might) is planned as if undeclared.
 */
START_TEST(test_declared_empty_name)
{
	static const char *const live_lines[] = { SOA, NULL };
	static const char *const owned_lines[] = { SOA,
	    MARK(HOSTN, "3600"), A_RR("3600"), NULL };
	struct xfed_owned o;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	ldns_rdf *zone = dname(ZONE);

	memset(&o, 0, sizeof(o));
	o.name = dname(HOSTN);
	o.kind = XFED_NAME_HOST;
	o.rrs = ldns_rr_list_new();
	o.ttl = 3600;

	/* Nothing there, nothing declared: no plan. */
	live = live_from(live_lines);
	ck_assert_int_eq(xfed_plan_zone(zone, &o, 1, live, OWNER, &plan), 0);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_owned_after, 0);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);

	/* Our records there, nothing to own: they go. */
	live = live_from(owned_lines);
	ck_assert_int_eq(xfed_plan_zone(zone, &o, 1, live, OWNER, &plan), 0);
	ck_assert_uint_eq(plan->n_changes, 1);
	ck_assert_int_eq(plan->changes[0].phase, XFED_PHASE_ADDR_DELETE);
	ck_assert_uint_eq(plan->deletes, 2);	/* the A and the marker */
	ck_assert_uint_eq(plan->n_owned_after, 0);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);

	ldns_rr_list_deep_free(o.rrs);
	ldns_rdf_deep_free(o.name);
	ldns_rdf_deep_free(zone);
}
END_TEST

/*
 * A declared name whose zone is not known this time (discovery failed) is
 * planned nowhere and removed nowhere, whatever it holds here.
 */
START_TEST(test_elsewhere_name_kept)
{
	static const char *const live_lines[] = { SOA,
	    MARK(HOSTN, "3600"), HOSTN " 3600 IN A 192.0.2.99", NULL };
	struct xfed_owned o;
	struct xfed_plan *plan;
	ldns_rr_list *live = live_from(live_lines);
	ldns_rdf *zone = dname(ZONE);

	memset(&o, 0, sizeof(o));
	o.name = dname(HOSTN);
	o.kind = XFED_NAME_HOST;
	{
		static const char *const want[] = { A_RR("3600"), NULL };

		o.rrs = live_from(want);
	}
	o.ttl = 3600;
	o.elsewhere = true;
	ck_assert_int_eq(xfed_plan_zone(zone, &o, 1, live, OWNER, &plan), 0);
	/* Neither replaced (192.0.2.99 stays) nor removed. */
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	xfed_plan_free(plan);

	/* The same name not declared at all: removed. */
	o.elsewhere = false;
	ldns_rr_list_deep_free(o.rrs);
	o.rrs = ldns_rr_list_new();
	ck_assert_int_eq(xfed_plan_zone(zone, &o, 1, live, OWNER, &plan), 0);
	ck_assert_uint_eq(plan->n_changes, 1);
	ck_assert_int_eq(plan->changes[0].phase, XFED_PHASE_ADDR_DELETE);
	xfed_plan_free(plan);

	ldns_rr_list_deep_free(o.rrs);
	ldns_rdf_deep_free(o.name);
	ldns_rdf_deep_free(zone);
	ldns_rr_list_deep_free(live);
}
END_TEST

/* No names declared and an empty zone: an empty plan, not an error. */
START_TEST(test_plan_nothing)
{
	struct xfed_plan *plan;
	ldns_rdf *zone = dname(ZONE);

	ck_assert_int_eq(xfed_plan_zone(zone, NULL, 0, NULL, OWNER, &plan),
	    XFED_OK);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	ck_assert_uint_eq(plan->deletes, 0);
	xfed_plan_free(plan);
	ldns_rdf_deep_free(zone);
}
END_TEST

/* The same RR twice in the input (a transfer repeats the SOA) is one. */
START_TEST(test_plan_duplicate_live)
{
	static const char *const live_lines[] = { SOA, LIVE_SYNCED,
	    A_RR("3600"), SOA, NULL };
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;

	fx_base(&fx);
	live = live_from(live_lines);
	plan = plan_for(&fx.cfg, ZONE, live);
	ck_assert_uint_eq(plan->n_changes, 0);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
}
END_TEST

/* A declared name outside the zone is reported, never sent there. */
START_TEST(test_plan_declared_outside_zone)
{
	static const char *const live_lines[] = { SOA, NULL };
	struct fixture fx;
	struct xfed_desired *d;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	ldns_rdf *zone = dname("example.org.");
	char *name;

	fx_base(&fx);
	live = live_from(live_lines);
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_int_eq(xfed_plan_zone(zone, d->names, d->n, live, OWNER,
	    &plan), XFED_OK);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 2);
	/* Hosts are planned first: SRV records wait for their targets. */
	name = dname_str(plan->conflicts[1].name);
	ck_assert_str_eq(name, SRVN);
	ck_assert_ptr_nonnull(strstr(plan->conflicts[1].reason, "outside"));
	free(name);
	ck_assert_uint_eq(plan->n_owned_after, 0);
	xfed_plan_free(plan);
	xfed_desired_free(d);
	ldns_rr_list_deep_free(live);
	ldns_rdf_deep_free(zone);
}
END_TEST

/* Our marker beside another owner's at an undeclared name: hands off. */
START_TEST(test_plan_undeclared_two_owners)
{
	static const char *const live_lines[] = { SOA,
	    SRV(CHATN, "3600", "5269", HOSTN), MARK(CHATN, "3600"),
	    CHATN " 3600 IN TXT \"heritage=xfed,owner=other\"", NULL };
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;
	char *name;

	fx_base(&fx);
	fx.cfg.n_domains = 0;
	live = live_from(live_lines);
	plan = plan_for(&fx.cfg, ZONE, live);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 1);
	name = dname_str(plan->conflicts[0].name);
	ck_assert_str_eq(name, CHATN);
	ck_assert_ptr_nonnull(strstr(plan->conflicts[0].reason, "\"other\""));
	free(name);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
}
END_TEST

START_TEST(test_desired_order_and_records)
{
	static char *v4b[] = { "198.51.100.7" };
	struct fixture fx;
	struct xfed_desired *d;
	struct xfed_domain *dom;
	char *s;

	fx_base(&fx);
	/* edge2 serves chat (with edge), edge3 has no addresses, edge4 is unused. */
	fx_proxy(&fx, 1, "edge2", HOST2N);
	fx.proxies[1].ipv4 = v4b;
	fx.proxies[1].n_ipv4 = 1;
	fx.proxies[1].ttl = 600;
	fx_proxy(&fx, 2, "edge3", "xmpp3.example.com.");
	dom = fx_domain(&fx, 1, "chat.example.com.", &fx.proxies[0]);
	dom->proxies[1] = &fx.proxies[1];
	dom->proxies[2] = &fx.proxies[2];
	dom->n_proxies = 3;
	dom->priority = 10;
	dom->weight = 5;
	dom->ttl = 900;
	dom->direct_tls = true;

	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_uint_eq(d->n, 5);

	s = dname_str(d->names[0].name);
	ck_assert_str_eq(s, SRVN);
	free(s);
	ck_assert_int_eq(d->names[0].kind, XFED_NAME_SRV);
	ck_assert_str_eq(d->names[0].origin, "domain example.com.");
	ck_assert_ptr_eq(d->names[0].zone, fx.domains[0].zone);
	ck_assert_ptr_eq(d->names[0].server, &fx.server);

	s = dname_str(d->names[1].name);
	ck_assert_str_eq(s, CHATN);
	free(s);
	ck_assert_uint_eq(d->names[1].ttl, 900);
	check_list("chat SRV", d->names[1].rrs, (const char *[]){
	    CHATN " 900 IN SRV 10 5 5269 " HOSTN,
	    CHATN " 900 IN SRV 10 5 5269 " HOST2N,
	    CHATN " 900 IN SRV 10 5 5269 xmpp3.example.com.", NULL });

	s = dname_str(d->names[2].name);
	ck_assert_str_eq(s, "_xmpps-server._tcp.chat.example.com.");
	free(s);
	ck_assert_int_eq(d->names[2].kind, XFED_NAME_SRV);

	s = dname_str(d->names[3].name);
	ck_assert_str_eq(s, HOSTN);
	free(s);
	ck_assert_int_eq(d->names[3].kind, XFED_NAME_HOST);
	ck_assert_str_eq(d->names[3].origin, "proxy edge");
	check_list("edge", d->names[3].rrs, (const char *[]){
	    A_RR("3600"), AAAA_RR("3600"), NULL });

	s = dname_str(d->names[4].name);
	ck_assert_str_eq(s, HOST2N);
	free(s);
	ck_assert_uint_eq(d->names[4].ttl, 600);
	check_list("edge2", d->names[4].rrs, (const char *[]){
	    HOST2N " 600 IN A 198.51.100.7", NULL });

	xfed_desired_free(d);
}
END_TEST

/* Priority, weight and the direct-TLS port reach the SRV records. */
START_TEST(test_desired_srv_fields)
{
	struct fixture fx;
	struct xfed_desired *d;

	fx_base(&fx);
	fx.domains[0].priority = 10;
	fx.domains[0].weight = 20;
	fx.domains[0].port = 5299;
	fx.domains[0].tls_port = 5298;
	fx.domains[0].direct_tls = true;
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_uint_eq(d->n, 3);
	check_list("srv", d->names[0].rrs, (const char *[]){
	    SRVN " 3600 IN SRV 10 20 5299 " HOSTN, NULL });
	check_list("tls", d->names[1].rrs, (const char *[]){
	    TLSN " 3600 IN SRV 10 20 5298 " HOSTN, NULL });
	xfed_desired_free(d);
}
END_TEST

/* A proxy shared by two domains is one host name; no domain: none. */
START_TEST(test_desired_shared_and_unused_proxy)
{
	struct fixture fx;
	struct xfed_desired *d;

	fx_base(&fx);
	fx_domain(&fx, 1, "chat.example.com.", &fx.proxies[0]);
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_uint_eq(d->n, 3);
	ck_assert_int_eq(d->names[2].kind, XFED_NAME_HOST);
	xfed_desired_free(d);

	fx.cfg.n_domains = 0;
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_uint_eq(d->n, 0);
	xfed_desired_free(d);
}
END_TEST

START_TEST(test_name_kind_of)
{
	static const struct {
		const char		*name;
		enum xfed_name_kind	 kind;
	} t[] = {
		{ "_xmpp-server._tcp.example.com.", XFED_NAME_SRV },
		{ "_xmpps-server._tcp.example.com.", XFED_NAME_SRV },
		{ "_XMPP-Server._TCP.Example.com.", XFED_NAME_SRV },
		{ "_xmpp-server._tcp.", XFED_NAME_SRV },
		{ "_xmpp-server._udp.example.com.", XFED_NAME_HOST },
		{ "_xmpp-client._tcp.example.com.", XFED_NAME_HOST },
		{ "_xmpp-serverx._tcp.example.com.", XFED_NAME_HOST },
		{ "_xmpp-server.example.com.", XFED_NAME_HOST },
		{ "_xmpp-server.", XFED_NAME_HOST },
		{ "x._xmpp-server._tcp.example.com.", XFED_NAME_HOST },
		{ "xmpp.example.com.", XFED_NAME_HOST },
		{ ".", XFED_NAME_HOST },
	};
	ldns_rdf *d;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = dname(t[i].name);
		ck_assert_msg(xfed_name_kind_of(d) == t[i].kind, "%s",
		    t[i].name);
		ldns_rdf_deep_free(d);
	}
}
END_TEST

START_TEST(test_marker_new)
{
	ldns_rdf *d = dname(HOSTN);
	ldns_rr *rr;
	char *line, *longtag;

	rr = xfed_marker_new(d, "xfed", 600);
	ck_assert_ptr_nonnull(rr);
	line = xfed_rr_to_line(rr);
	ck_assert_str_eq(line, HOSTN " 600 IN TXT \"heritage=xfed,owner=xfed\"");
	ck_assert_uint_eq(ldns_rr_rd_count(rr), 1);
	ck_assert_int_eq(xfed_marker_match(rr, "xfed", NULL), 1);
	free(line);
	ldns_rr_free(rr);

	/* A tag with a quote stays data, not presentation syntax. */
	rr = xfed_marker_new(d, "a\"b", 600);
	ck_assert_ptr_nonnull(rr);
	line = xfed_rr_to_line(rr);
	ck_assert_str_eq(line, HOSTN " 600 IN TXT \"heritage=xfed,owner=a\\\"b\"");
	free(line);
	ldns_rr_free(rr);

	/* A TXT string holds 255 octets at most. */
	longtag = xmalloc(300);
	memset(longtag, 'x', 299);
	longtag[299] = '\0';
	ck_assert_ptr_null(xfed_marker_new(d, longtag, 600));
	free(longtag);
	ldns_rdf_deep_free(d);
}
END_TEST

START_TEST(test_marker_match)
{
	static const struct {
		const char	*rr;
		int		 want;
		const char	*other;
	} t[] = {
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=xfed\"", 1, NULL },
		{ HOSTN " 60 IN TXT \"HERITAGE=XFED,owner=xfed\"", 1, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,OWNER=xfed\"", 1, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=other\"", -1, "other" },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=XFED\"", -1, "XFED" },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=xfed2\"", -1, "xfed2" },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=\"", 0, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=xfed \"", 0, NULL },
		{ HOSTN " 60 IN TXT \" heritage=xfed,owner=xfed\"", 0, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=a,b\"", 0, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed;owner=xfed\"", 0, NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfedx,owner=xfed\"", 0, NULL },
		{ HOSTN " 60 IN TXT \"heritage=external-dns,owner=xfed\"", 0,
		    NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,\" \"owner=xfed\"", 0,
		    NULL },
		{ HOSTN " 60 IN TXT \"heritage=xfed,owner=xfed\" \"x\"", 0,
		    NULL },
		{ HOSTN " 60 IN TXT \"v=spf1 -all\"", 0, NULL },
		{ HOSTN " 60 IN A 192.0.2.1", 0, NULL },
	};
	ldns_rr *rr;
	char *other;
	size_t i;
	int m;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, t[i].rr, 0, NULL,
		    NULL), LDNS_STATUS_OK);
		other = (char *)"unset";
		m = xfed_marker_match(rr, "xfed", &other);
		ck_assert_msg(m == t[i].want, "%s: %d, want %d", t[i].rr, m,
		    t[i].want);
		if (t[i].other != NULL)
			ck_assert_str_eq(other, t[i].other);
		else
			ck_assert_ptr_null(other);
		free(other);
		/* other_owner may be NULL. */
		ck_assert_int_eq(xfed_marker_match(rr, "xfed", NULL), t[i].want);
		ldns_rr_free(rr);
	}
}
END_TEST

START_TEST(test_rr_to_line)
{
	ldns_rr *rr;
	char *line;

	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, "Host.Example.com. 60 IN "
	    "TXT \"a\tb  c\\\"d\\\\\" \"e\"", 0, NULL, NULL), LDNS_STATUS_OK);
	line = xfed_rr_to_line(rr);
	/*
	 * Fields separated by one space, no newline; spaces in strings
	 * kept, a tab in a string escaped, escaped quotes followed.
	 */
	ck_assert_str_eq(line, "Host.Example.com. 60 IN TXT "
	    "\"a\\009b  c\\\"d\\\\\" \"e\"");
	free(line);
	ldns_rr_free(rr);
}
END_TEST

/* --- make before break --------------------------------------------------- */

/* What a test's engine says about other zones. */
struct fake_engine {
	enum xfed_target_state	 target;
	const char		*target_why;
	enum xfed_usage		 usage;
	const char		*usage_why;
	unsigned		 target_asked;
	unsigned		 usage_asked;
};

static enum xfed_target_state
fake_target(const ldns_rdf *host, char **why, void *arg)
{
	struct fake_engine *e = arg;

	(void)host;
	e->target_asked++;
	if (e->target_why != NULL)
		*why = strdup(e->target_why);
	return e->target;
}

static enum xfed_usage
fake_usage(const ldns_rdf *host, char **why, void *arg)
{
	struct fake_engine *e = arg;

	(void)host;
	e->usage_asked++;
	if (e->usage_why != NULL)
		*why = strdup(e->usage_why);
	return e->usage;
}

/*
 * Plan ZONE with the fixture's declared names of one kind only (the other
 * kind lives "in another zone", known through the engine), against live.
 */
static struct xfed_plan *
plan_kind(struct fixture *fx, enum xfed_name_kind kind,
    const char *const *live_lines, struct fake_engine *e)
{
	struct xfed_plan_ctx ctx = { fake_target, fake_usage, e };
	struct xfed_desired *d;
	struct xfed_owned names[8];
	struct xfed_plan *plan;
	ldns_rr_list *live = live_from(live_lines);
	ldns_rdf *zone = dname(ZONE);
	size_t i, n = 0;

	ck_assert_int_eq(xfed_desired_build(&fx->cfg, &d), XFED_OK);
	for (i = 0; i < d->n && n < 8; i++)
		if (d->names[i].kind == kind)
			names[n++] = d->names[i];
	ck_assert_int_eq(xfed_plan_zone_ctx(zone, names, n, live, OWNER,
	    &ctx, &plan), XFED_OK);
	/* The plan keeps nothing of the declaration or of live. */
	xfed_desired_free(d);
	ldns_rr_list_deep_free(live);
	ldns_rdf_deep_free(zone);
	return plan;
}

static void
assert_hold(const struct xfed_plan *plan, size_t i, const char *name,
    const char *reason, bool failure)
{
	char *got;

	ck_assert_uint_gt(plan->n_holds, i);
	got = dname_str(plan->holds[i].name);
	ck_assert_str_eq(got, name);
	free(got);
	ck_assert_str_eq(plan->holds[i].reason, reason);
	ck_assert_int_eq(plan->holds[i].failure, failure);
}

#define OLDN	"old.example.com."

/* The typo case: the new target has no zone; the SRV stays as it is. */
START_TEST(test_gate_not_repointed)
{
	static const char *const live[] = { SOA, NS,
	    SRV(SRVN, "3600", "5269", OLDN), MARK(SRVN, "3600"), NULL };
	struct fake_engine e = { XFED_TARGET_NOT_READY,
	    "no zone found for it", XFED_USAGE_UNUSED, NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	plan = plan_kind(&fx, XFED_NAME_SRV, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	ck_assert_uint_eq(plan->n_holds, 1);
	assert_hold(plan, 0, SRVN, "not repointed to " HOSTN ": no zone "
	    "found for it; still pointing at " OLDN, true);
	/* Still ours: the zone stays remembered. */
	ck_assert_uint_eq(plan->n_owned_after, 1);
	ck_assert_uint_eq(e.target_asked, 1);
	xfed_plan_free(plan);
}
END_TEST

/* A new domain gets no SRV (and no marker) until its target is ready. */
START_TEST(test_gate_new_domain_waits)
{
	static const char *const live[] = { SOA, NS, NULL };
	struct fake_engine e = { XFED_TARGET_NOT_READY, "its zone failed",
	    XFED_USAGE_UNUSED, NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	plan = plan_kind(&fx, XFED_NAME_SRV, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	assert_hold(plan, 0, SRVN, "not published yet: target " HOSTN ": its "
	    "zone failed", true);
	ck_assert_uint_eq(plan->n_owned_after, 0);
	xfed_plan_free(plan);
}
END_TEST

/* Pending: nothing planned, nothing said, asked again later. */
START_TEST(test_gate_pending)
{
	static const char *const live[] = { SOA, NS, NULL };
	struct fake_engine e = { XFED_TARGET_PENDING, NULL,
	    XFED_USAGE_UNUSED, NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	plan = plan_kind(&fx, XFED_NAME_SRV, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_holds, 0);
	ck_assert_uint_eq(plan->n_pending, 1);
	xfed_plan_free(plan);
}
END_TEST

/* A target the SRV RRset already names is no repoint: a TTL change goes. */
START_TEST(test_gate_existing_target)
{
	static const char *const live[] = { SOA, NS, SRV_RR("300"),
	    MARK(SRVN, "3600"), NULL };
	struct fake_engine e = { XFED_TARGET_NOT_READY, "down",
	    XFED_USAGE_UNUSED, NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	plan = plan_kind(&fx, XFED_NAME_SRV, live, &e);
	ck_assert_uint_eq(plan->n_changes, 1);
	ck_assert_uint_eq(plan->n_holds, 0);
	ck_assert_uint_eq(e.target_asked, 0);
	xfed_plan_free(plan);
}
END_TEST

/* Two proxies, one ready: the ready one is published, the other named. */
START_TEST(test_gate_partial)
{
	static const char *const live[] = { SOA, NS, NULL };
	struct fake_engine e = { XFED_TARGET_NOT_READY, "no zone found for it",
	    XFED_USAGE_UNUSED, NULL, 0, 0 };
	struct fixture fx;
	struct xfed_desired *d;
	struct xfed_plan *plan;
	struct xfed_plan_ctx ctx = { fake_target, fake_usage, &e };
	ldns_rr_list *l = live_from(live);
	ldns_rdf *zone = dname(ZONE);
	char *line;

	fx_base(&fx);
	/* edge (in this zone, planned here) and edge2 (elsewhere). */
	fx_proxy(&fx, 1, "edge2", "xmpp.example.net.");
	fx.proxies[1].ipv4 = edge2_v4;
	fx.proxies[1].n_ipv4 = 1;
	fx.proxies[1].zone = "example.net.";
	fx.domains[0].proxies[1] = &fx.proxies[1];
	fx.domains[0].n_proxies = 2;
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_int_eq(xfed_plan_zone_ctx(zone, d->names, 2, l, OWNER,
	    &ctx, &plan), XFED_OK);
	/* The host here is created; the SRV names it alone for now. */
	ck_assert_uint_eq(plan->n_changes, 2);
	ck_assert_uint_eq(plan->n_holds, 1);
	assert_hold(plan, 0, SRVN, "target xmpp.example.net. left out for "
	    "now: no zone found for it", true);
	line = xfed_rr_to_line(ldns_rr_list_rr(plan->changes[1].added, 0));
	ck_assert_str_eq(line, SRV_RR("3600"));
	free(line);
	ck_assert_uint_eq(ldns_rr_list_rr_count(plan->changes[1].added), 2);
	xfed_plan_free(plan);
	xfed_desired_free(d);
	ldns_rr_list_deep_free(l);
	ldns_rdf_deep_free(zone);
}
END_TEST

/* A host in conflict here: SRV records here may not be pointed at it. */
START_TEST(test_gate_local_conflict)
{
	static const char *const live[] = { SOA, NS,
	    SRV(SRVN, "3600", "5269", OLDN), MARK(SRVN, "3600"),
	    HOSTN " 3600 IN A 192.0.2.99", NULL };
	struct fixture fx;
	struct xfed_desired *d;
	struct xfed_plan *plan;
	ldns_rr_list *l = live_from(live);
	ldns_rdf *zone = dname(ZONE);

	fx_base(&fx);
	ck_assert_int_eq(xfed_desired_build(&fx.cfg, &d), XFED_OK);
	ck_assert_int_eq(xfed_plan_zone(zone, d->names, d->n, l, OWNER,
	    &plan), XFED_OK);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_conflicts, 1);
	assert_hold(plan, 0, SRVN, "not repointed to " HOSTN ": its addresses "
	    "are not in place (A RRset exists without ownership marker); "
	    "still pointing at " OLDN, true);
	xfed_plan_free(plan);
	xfed_desired_free(d);
	ldns_rr_list_deep_free(l);
	ldns_rdf_deep_free(zone);
}
END_TEST

/* An undeclared host of ours keeps its addresses while an SRV names it. */
START_TEST(test_host_kept_while_named)
{
	static const char *const live[] = { SOA, NS,
	    "_xmpp-server._tcp.legacy.example.com. 3600 IN SRV 0 0 5269 "
	    OLDN, OLDN " 3600 IN A 192.0.2.1", MARK(OLDN, "3600"), NULL };
	struct fake_engine e = { XFED_TARGET_READY, NULL, XFED_USAGE_UNUSED,
	    NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	fx.cfg.n_domains = 0;
	plan = plan_kind(&fx, XFED_NAME_HOST, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	assert_hold(plan, 0, OLDN, "addresses kept: still the target of "
	    "_xmpp-server._tcp.legacy.example.com.", false);
	ck_assert_uint_eq(plan->n_owned_after, 1);
	/* Named here: the engine is not asked. */
	ck_assert_uint_eq(e.usage_asked, 0);
	xfed_plan_free(plan);
}
END_TEST

/* Named elsewhere, not known yet, or not knowable: kept, in three ways. */
START_TEST(test_host_usage_outside)
{
	static const char *const live[] = { SOA, NS,
	    OLDN " 3600 IN A 192.0.2.1", MARK(OLDN, "3600"), NULL };
	struct fake_engine e = { XFED_TARGET_READY, NULL, XFED_USAGE_USED,
	    "still the target of _xmpp-server._tcp.example.org.", 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;

	fx_base(&fx);
	fx.cfg.n_domains = 0;
	plan = plan_kind(&fx, XFED_NAME_HOST, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	assert_hold(plan, 0, OLDN, "addresses kept: still the target of "
	    "_xmpp-server._tcp.example.org.", false);
	xfed_plan_free(plan);

	e.usage = XFED_USAGE_PENDING;
	e.usage_why = NULL;
	plan = plan_kind(&fx, XFED_NAME_HOST, live, &e);
	ck_assert_uint_eq(plan->n_changes, 0);
	ck_assert_uint_eq(plan->n_holds, 0);
	ck_assert_uint_eq(plan->n_pending, 1);
	xfed_plan_free(plan);

	e.usage = XFED_USAGE_UNUSED;
	plan = plan_kind(&fx, XFED_NAME_HOST, live, &e);
	ck_assert_uint_eq(plan->n_changes, 1);
	ck_assert_uint_eq(plan->deletes, 2);	/* the A and the marker */
	xfed_plan_free(plan);
}
END_TEST

/* The plan's SRV targets once applied: kept, replaced and added ones. */
START_TEST(test_plan_uses)
{
	static const char *const live[] = { SOA, NS,
	    SRV(SRVN, "3600", "5269", OLDN), MARK(SRVN, "3600"),
	    "_sip._tls.example.com. 3600 IN SRV 0 0 443 sip.example.com.",
	    NULL };
	struct fake_engine e = { XFED_TARGET_READY, NULL, XFED_USAGE_UNUSED,
	    NULL, 0, 0 };
	struct fixture fx;
	struct xfed_plan *plan;
	char *a, *b;

	fx_base(&fx);
	plan = plan_kind(&fx, XFED_NAME_SRV, live, &e);
	ck_assert_uint_eq(plan->n_changes, 1);
	/* old.example.com. is replaced: the foreign SIP target stays. */
	ck_assert_uint_eq(plan->n_uses, 2);
	a = dname_str(plan->uses[0].target);
	b = dname_str(plan->uses[1].target);
	ck_assert(strcmp(a, "sip.example.com.") == 0 ||
	    strcmp(b, "sip.example.com.") == 0);
	ck_assert(strcmp(a, HOSTN) == 0 || strcmp(b, HOSTN) == 0);
	free(a);
	free(b);
	xfed_plan_free(plan);
}
END_TEST

/* A co-tenant's TXT record of about 64 KB, as BIND accepts it. */
static char *
big_txt(const char *name)
{
	char *line, *p;
	size_t i;

	line = xmalloc(strlen(name) + 32 + 250 * 253);
	p = line + sprintf(line, "%s 3600 IN TXT", name);
	for (i = 0; i < 250; i++) {
		*p++ = ' ';
		*p++ = '"';
		memset(p, 'a' + (int)(i % 26), 250);
		p += 250;
		*p++ = '"';
	}
	*p = '\0';
	return line;
}

/*
 * The prerequisites of the change at name: small (the foreign TXT is not
 * copied into them), with "a TXT RRset exists" in its place.
 */
static void
assert_small_guard(const struct xfed_plan *plan, const char *name_str)
{
	ldns_rdf *name = dname(name_str);
	const struct xfed_change *ch = NULL;
	const ldns_rr *rr;
	size_t i, size = 0;
	bool any_txt = false;

	for (i = 0; i < plan->n_changes; i++)
		if (ldns_dname_compare(plan->changes[i].name, name) == 0)
			ch = &plan->changes[i];
	ck_assert_ptr_nonnull(ch);
	for (i = 0; i < ldns_rr_list_rr_count(ch->prereq); i++) {
		rr = ldns_rr_list_rr(ch->prereq, i);
		size += ldns_rr_uncompressed_size(rr);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT) {
			ck_assert_int_eq(ldns_rr_get_class(rr),
			    LDNS_RR_CLASS_ANY);
			ck_assert_uint_eq(ldns_rr_rd_count(rr), 0);
			ck_assert_uint_eq(ldns_rr_ttl(rr), 0);
			any_txt = true;
		}
	}
	ck_assert_msg(any_txt, "no \"TXT RRset exists\" prerequisite");
	ck_assert_msg(size < 1024, "prerequisites of %zu octets", size);
	ldns_rdf_deep_free(name);
}

/* A 64 KB foreign TXT beside our SRV: changing or removing it still fits. */
START_TEST(test_plan_big_foreign_txt)
{
	char *big = big_txt(SRVN);
	const char *live_lines[] = { SOA, NS,
	    SRV(SRVN, "3600", "5999", HOSTN), MARK(SRVN, "3600"), big,
	    A_RR("3600"), AAAA_RR("3600"), MARK(HOSTN, "3600"), NULL };
	struct fixture fx;
	struct xfed_plan *plan;
	ldns_rr_list *live;

	fx_base(&fx);
	live = live_from(live_lines);
	/* The SRV port differs: the SRV RRset is replaced. */
	plan = plan_for(&fx.cfg, ZONE, live);
	ck_assert_uint_eq(plan->n_conflicts, 0);
	assert_small_guard(plan, SRVN);
	xfed_plan_free(plan);
	/* The domain is gone: our SRV and marker go, the TXT stays. */
	setup_no_domain(&fx);
	plan = plan_for(&fx.cfg, ZONE, live);
	assert_small_guard(plan, SRVN);
	xfed_plan_free(plan);
	ldns_rr_list_deep_free(live);
	free(big);
}
END_TEST

static Suite *
plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc;
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tc = tcase_create("desired");
	tcase_add_test(tc, test_desired_order_and_records);
	tcase_add_test(tc, test_desired_srv_fields);
	tcase_add_test(tc, test_desired_shared_and_unused_proxy);
	tcase_add_test(tc, test_name_kind_of);
	tcase_add_test(tc, test_marker_new);
	tcase_add_test(tc, test_marker_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("make before break");
	tcase_add_test(tc, test_gate_not_repointed);
	tcase_add_test(tc, test_gate_new_domain_waits);
	tcase_add_test(tc, test_gate_pending);
	tcase_add_test(tc, test_gate_existing_target);
	tcase_add_test(tc, test_gate_partial);
	tcase_add_test(tc, test_gate_local_conflict);
	tcase_add_test(tc, test_host_kept_while_named);
	tcase_add_test(tc, test_host_usage_outside);
	tcase_add_test(tc, test_plan_uses);
	suite_add_tcase(s, tc);

	tc = tcase_create("plan");
	tcase_add_loop_test(tc, test_plan_case, 0, n);
	tcase_add_loop_test(tc, test_plan_converges, 0, n);
	tcase_add_test(tc, test_meta_rrs_are_empty);
	tcase_add_test(tc, test_declared_empty_name);
	tcase_add_test(tc, test_elsewhere_name_kept);
	tcase_add_test(tc, test_plan_nothing);
	tcase_add_test(tc, test_plan_duplicate_live);
	tcase_add_test(tc, test_plan_declared_outside_zone);
	tcase_add_test(tc, test_plan_undeclared_two_owners);
	tcase_add_test(tc, test_rr_to_line);
	tcase_add_test(tc, test_plan_big_foreign_txt);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(plan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
