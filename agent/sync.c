/* One sync of every declared zone: see sync.h. */
#include <sys/socket.h>

#include <ctype.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "desired.h"
#include "discover.h"
#include "error.h"
#include "log.h"
#include "net.h"
#include "plan.h"
#include "state.h"
#include "sync.h"
#include "syncrun.h"
#include "update.h"
#include "util.h"
#include "zone.h"

static struct xfed_zone_report *
new_report(struct run *r, const char *zone, const char *server)
{
	struct xfed_zone_report *z;

	r->rep->zones = xreallocarray(r->rep->zones, r->rep->n + 1,
	    sizeof(*r->rep->zones));
	z = &r->rep->zones[r->rep->n++];
	memset(z, 0, sizeof(*z));
	z->zone = xstrdup(zone);
	z->server = xstrdup(server);
	return z;
}

static void
audit_event(struct run *r, const char *event, json_t *rec)
{
	if (r->audit != NULL && !r->opts->dry_run)
		xfed_audit_write(r->audit, event, rec);
	else
		json_decref(rec);
}

static void
fail_zone(struct run *r, struct xfed_zone_report *z, const char *detail)
{
	/* Every failure in words, even from a path that lost them. */
	if (detail == NULL || *detail == '\0')
		detail = xfed_net_cancelled() != 0 ? "stopped: the agent is "
		    "shutting down" : "failed (no cause was recorded)";
	z->result = XFED_ZONE_FAILED;
	free(z->detail);
	z->detail = xstrdup(detail);
	/* Said once per cause at the end of the sync: see report.h. */
	log_debug("zone %s: %s", z->zone, detail);
	audit_event(r, "error", json_pack("{s:s, s:s, s:s}", "zone", z->zone,
	    "server", z->server, "error", detail));
}

static int
load_resolvers(struct run *r)
{
	if (r->resolvers_loaded)
		return 0;
	r->resolvers_loaded = true;
	return xfed_resolver_peers(r->cfg->resolvers, r->cfg->n_resolvers,
	    &r->resolvers, &r->nresolvers);
}

/* Add an address to a primary, once. */
static void
primary_add(struct primary *pr, const struct xfed_peer *p)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->addr[i].label, p->label) == 0)
			return;
	if (pr->n < MAX_ADDRS)
		pr->addr[pr->n++] = *p;
}

/* A configured server's own bounds on zone transfers. */
static void
server_bounds(const struct xfed_server *s, struct xfed_peer *p)
{
	p->xfr_max_records = s->xfr_max_records;
	p->xfr_max_size = s->xfr_max_size;
	p->xfr_timeout = s->xfr_timeout;
}

/*
 * A configured server: an IP literal, or a host name resolved here to
 * every address it has (tried in turn when one does not answer).
 */
static int
server_peer(const struct xfed_server *s, struct primary *pr, char *why,
    size_t wlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai, *a;
	struct xfed_peer p;
	char ip[64];
	int rc;

	pr->n = 0;
	if (xfed_peer_init(&p, s->address, s->port, s->key, s->transport,
	    s->timeout, s->retries) == 0) {
		server_bounds(s, &p);
		primary_add(pr, &p);
		return 0;
	}
	if ((rc = getaddrinfo(s->address, NULL, &hints, &ai)) != 0) {
		snprintf(why, wlen, "server \"%s\": cannot resolve %s: %s",
		    s->name, s->address, gai_strerror(rc));
		return XFED_ENOZONE;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if (getnameinfo(a->ai_addr, a->ai_addrlen, ip, sizeof(ip),
		    NULL, 0, NI_NUMERICHOST) == 0 &&
		    xfed_peer_init(&p, ip, s->port, s->key, s->transport,
		    s->timeout, s->retries) == 0) {
			server_bounds(s, &p);
			primary_add(pr, &p);
		}
	}
	freeaddrinfo(ai);
	if (pr->n > 0)
		return 0;
	snprintf(why, wlen, "server \"%s\": %s has no usable address",
	    s->name, s->address);
	return XFED_ENOZONE;
}

/* The primary named by a discovered SOA MNAME. */
static int
mname_peer(struct run *r, const ldns_rdf *mname, struct primary *pr,
    char *why, size_t wlen)
{
	struct xfed_peer p;
	char **addrs = NULL;
	size_t n = 0, i;
	int rc;

	pr->n = 0;
	if (r->cfg->default_key == NULL) {
		snprintf(why, wlen, "no server is configured and no tsig-key "
		    "is set for discovered primaries");
		return XFED_ECONFIG;
	}
	rc = xfed_discover_addresses(r->resolvers, r->nresolvers, mname,
	    &addrs, &n, why, wlen);
	for (i = 0; rc == 0 && i < n; i++)
		if (xfed_peer_init(&p, addrs[i], r->cfg->primary_port,
		    r->cfg->default_key, XFED_TRANSPORT_AUTO, 3, 2) == 0)
			primary_add(pr, &p);
	if (rc == 0 && pr->n == 0) {
		snprintf(why, wlen, "the primary's addresses are unusable");
		rc = XFED_ENOZONE;
	}
	if (rc == 0)
		log_info("primary %s found by discovery%s", pr->addr[0].label,
		    pr->n > 1 ? " (and other addresses)" : "");
	for (i = 0; i < n; i++)
		free(addrs[i]);
	free(addrs);
	return rc;
}

static const char *
down_reason(const struct run *r, const char *label)
{
	size_t i;

	for (i = 0; i < r->ndown; i++)
		if (strcmp(r->down[i], label) == 0)
			return r->down_why[i];
	return NULL;
}

/* Remember that discovery through label got no answer at all. */
static int
note_down(struct run *r, const char *label, int rc, const char *why)
{
	if (rc != XFED_ETIMEOUT && rc != XFED_ENETWORK)
		return rc;
	r->down = xreallocarray(r->down, r->ndown + 1, sizeof(*r->down));
	r->down_why = xreallocarray(r->down_why, r->ndown + 1,
	    sizeof(*r->down_why));
	r->down[r->ndown] = xstrdup(label);
	r->down_why[r->ndown++] = xstrdup(why);
	return rc;
}

static int
already_down(struct run *r, const char *label, char *why, size_t wlen)
{
	if (down_reason(r, label) == NULL)
		return 0;
	snprintf(why, wlen, "discovery not tried: %s did not answer earlier "
	    "in this sync (not asked again in this sync)", label[0] != '\0' ?
	    label : "the resolvers");
	return XFED_ETIMEOUT;
}

/*
 * Decide the zone and the primary of one declared name.  A configured
 * server or zone always wins over discovery.
 */
static int
assign(struct run *r, const struct xfed_owned *o, ldns_rdf **zone,
    struct primary *pr, char *why, size_t wlen)
{
	ldns_rdf *found = NULL, *mname = NULL, *ask;
	int rc;

	*zone = o->zone != NULL ? ldns_dname_new_frm_str(o->zone) : NULL;
	ask = *zone != NULL ? *zone : o->name;
	if (o->server != NULL) {
		if ((rc = server_peer(o->server, pr, why, wlen)) != 0 ||
		    *zone != NULL)
			return rc;
		/* Ask the configured server itself, not the resolvers. */
		if ((rc = already_down(r, pr->addr[0].label, why, wlen)) != 0)
			return rc;
		rc = xfed_discover_zone(pr->addr, pr->n, false, ask, zone,
		    &mname, why, wlen);
		ldns_rdf_deep_free(mname);
		return note_down(r, pr->addr[0].label, rc, why);
	}
	if ((rc = load_resolvers(r)) != 0) {
		snprintf(why, wlen, "no usable resolver for discovery");
		return rc;
	}
	if ((rc = already_down(r, "", why, wlen)) != 0)
		return rc;
	rc = note_down(r, "", xfed_discover_zone(r->resolvers, r->nresolvers,
	    true, ask, &found, &mname, why, wlen), why);
	if (rc == 0)
		rc = mname_peer(r, mname, pr, why, wlen);
	if (*zone == NULL)
		*zone = found;
	else
		ldns_rdf_deep_free(found);
	ldns_rdf_deep_free(mname);
	return rc;
}

/*
 * Jobs are found by zone through an open-addressing hash table: with
 * thousands of zones a linear search per declared name is quadratic.
 */
static size_t
zone_hash(const ldns_rdf *zone)
{
	const uint8_t *p = ldns_rdf_data(zone);
	size_t i, h = 2166136261u;

	/* FNV-1a over the wire name, folded to lower case. */
	for (i = 0; i < ldns_rdf_size(zone); i++) {
		h ^= (size_t)tolower(p[i]);
		h *= 16777619u;
	}
	return h;
}

/* The job for zone (at peer, or at any peer when peer is NULL). */
static struct job *
find_job(struct run *r, const ldns_rdf *zone, const struct xfed_peer *peer)
{
	size_t i, mask = r->nslots - 1, slot;

	if (r->nslots == 0)
		return NULL;
	for (i = zone_hash(zone) & mask; (slot = r->slots[i]) != 0;
	    i = (i + 1) & mask) {
		struct job *j = &r->jobs[slot - 1];

		if (ldns_dname_compare(j->zone, zone) == 0 && (peer == NULL ||
		    strcmp(j->peer.label, peer->label) == 0))
			return j;
	}
	return NULL;
}

static void
hash_insert(struct run *r, size_t index)
{
	size_t i, mask = r->nslots - 1;

	for (i = zone_hash(r->jobs[index].zone) & mask; r->slots[i] != 0;
	    i = (i + 1) & mask)
		;
	r->slots[i] = index + 1;
}

/* Keep the table at most half full. */
static void
hash_grow(struct run *r)
{
	size_t i;

	if (r->njobs * 2 < r->nslots)
		return;
	free(r->slots);
	r->nslots = r->nslots == 0 ? 64 : r->nslots * 2;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	for (i = 0; i < r->njobs; i++)
		hash_insert(r, i);
}

/* Takes ownership of zone; the job is known by the primary's first address. */
static struct job *
add_job(struct run *r, ldns_rdf *zone, const struct primary *pr)
{
	const struct xfed_peer *peer = &pr->addr[0];
	struct job *j;
	size_t i;

	ldns_dname2canonical(zone);
	if ((j = find_job(r, zone, peer)) != NULL) {
		ldns_rdf_deep_free(zone);
		return j;
	}
	r->jobs = xreallocarray(r->jobs, r->njobs + 1, sizeof(*r->jobs));
	j = &r->jobs[r->njobs++];
	memset(j, 0, sizeof(*j));
	j->zone = zone;
	j->zone_str = ldns_rdf2str(zone);
	j->peer = *peer;
	for (i = 1; i < pr->n; i++)
		j->alt[j->nalt++] = pr->addr[i];
	hash_grow(r);
	if (r->nslots > 0 && find_job(r, zone, peer) == NULL)
		hash_insert(r, r->njobs - 1);
	return j;
}

static void
add_name(struct job *j, const struct xfed_owned *o)
{
	if (j->n == j->cap) {
		j->cap = j->cap == 0 ? 8 : j->cap * 2;
		j->names = xreallocarray(j->names, j->cap, sizeof(*j->names));
	}
	j->names[j->n++] = o;
}

/* Sort every declared name into its job; failures become zone reports. */
static void
build_jobs(struct run *r)
{
	struct primary pr;
	ldns_rdf *zone;
	char why[384];
	size_t i;

	for (i = 0; i < r->desired->n; i++) {
		const struct xfed_owned *o = &r->desired->names[i];

		why[0] = '\0';
		if (assign(r, o, &zone, &pr, why, sizeof(why)) != 0) {
			char *name = ldns_rdf2str(o->name);
			char *label = xasprintf("(zone of %s)", name);

			fail_zone(r, new_report(r, label, "?"), why);
			ldns_rdf_deep_free(zone);
			free(label);
			free(name);
			r->unassigned = xreallocarray(r->unassigned,
			    r->nunassigned + 1, sizeof(*r->unassigned));
			r->unassigned[r->nunassigned++] = o;
			continue;
		}
		add_name(add_job(r, zone, &pr), o);
	}
}

/*
 * Zones published into earlier but holding no declared name now: visit
 * them anyway, at the server recorded then, so what is left is removed.
 */
static void
add_state_jobs(struct run *r)
{
	struct primary pr = { .n = 1 };
	const struct xfed_key *key;
	char ip[64], *hash;
	size_t i;
	unsigned long port;

	for (i = 0; i < r->state.n; i++) {
		const struct xfed_state_zone *sz = &r->state.zones[i];
		ldns_rdf *zone = ldns_dname_new_frm_str(sz->zone);
		bool known = false;

		if (zone != NULL) {
			ldns_dname2canonical(zone);
			known = find_job(r, zone, NULL) != NULL;
		}
		hash = strrchr(sz->server, '#');
		key = sz->key[0] != '\0' ? xfed_config_key(r->cfg, sz->key) :
		    NULL;
		if (known || zone == NULL || hash == NULL ||
		    (size_t)(hash - sz->server) >= sizeof(ip)) {
			ldns_rdf_deep_free(zone);
			continue;
		}
		memcpy(ip, sz->server, (size_t)(hash - sz->server));
		ip[hash - sz->server] = '\0';
		port = strtoul(hash + 1, NULL, 10);
		if (key == NULL || port == 0 || port > 65535 ||
		    xfed_peer_init(&pr.addr[0], ip, (uint16_t)port, key,
		    XFED_TRANSPORT_AUTO, 3, 2) != 0) {
			struct xfed_zone_report *z = new_report(r, sz->zone,
			    sz->server);

			fail_zone(r, z, "zone published earlier, but its key "
			    "is no longer configured: cannot clean it up");
			ldns_rdf_deep_free(zone);
			continue;
		}
		log_info("zone %s: no declared name left: visiting it to clean "
		    "up what xfed published there", sz->zone);
		add_job(r, zone, &pr);
	}
}

/*
 * The filters of `sync DOMAIN...` as sorted sets of normalised names (lower
 * case, no trailing dot): thousands of requested names against a hundred
 * thousand domains cost a sort and binary searches, not their product.
 */
struct nameset {
	char	**v;
	size_t	  n, cap;
};

static char *
name_norm(const char *s)
{
	size_t n = strlen(s), i;
	char *c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	c = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		c[i] = (char)tolower((unsigned char)s[i]);
	c[n] = '\0';
	return c;
}

static void
nameset_add(struct nameset *ns, const char *name)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 16 : ns->cap * 2;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof(*ns->v));
	}
	ns->v[ns->n++] = name_norm(name);
}

static int
nameset_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void
nameset_sort(struct nameset *ns)
{
	if (ns->n > 1)
		qsort(ns->v, ns->n, sizeof(*ns->v), nameset_cmp);
}

static bool
nameset_has(const struct nameset *ns, const char *name)
{
	char *key;
	bool hit;

	if (ns->n == 0)
		return false;
	key = name_norm(name);
	hit = bsearch(&key, ns->v, ns->n, sizeof(*ns->v), nameset_cmp) !=
	    NULL;
	free(key);
	return hit;
}

static void
nameset_free(struct nameset *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

const char *
xfed_sync_unknown_domain(const struct xfed_config *cfg, char * const *names,
    size_t n)
{
	struct nameset known = { 0 };
	const char *unknown = NULL;
	size_t i;

	for (i = 0; i < cfg->n_domains; i++)
		nameset_add(&known, cfg->domains[i].name);
	nameset_sort(&known);
	for (i = 0; i < n && unknown == NULL; i++)
		if (!nameset_has(&known, names[i]))
			unknown = names[i];
	nameset_free(&known);
	return unknown;
}

/* What a filtered sync visits: zones named, or the requested domains' names. */
struct selection {
	bool		 all;
	struct nameset	 zones;
	struct nameset	 domains;	/* requested and configured */
	struct nameset	 hosts;		/* their proxies' host names */
};

static void
selection_build(const struct run *r, struct selection *sel)
{
	const struct xfed_sync_opts *o = r->opts;
	struct nameset want = { 0 };
	const struct xfed_domain *d;
	size_t i, p;

	memset(sel, 0, sizeof(*sel));
	sel->all = o->n_zones == 0 && o->n_domains == 0;
	for (i = 0; i < o->n_zones; i++)
		nameset_add(&sel->zones, o->zones[i]);
	nameset_sort(&sel->zones);
	if (o->n_zones > 0 || o->n_domains == 0)
		return;
	for (i = 0; i < o->n_domains; i++)
		nameset_add(&want, o->domains[i]);
	nameset_sort(&want);
	for (i = 0; i < r->cfg->n_domains; i++) {
		d = &r->cfg->domains[i];
		if (!nameset_has(&want, d->name))
			continue;
		nameset_add(&sel->domains, d->name);
		for (p = 0; p < d->n_proxies; p++)
			nameset_add(&sel->hosts, d->proxies[p]->host);
	}
	nameset_free(&want);
	nameset_sort(&sel->domains);
	nameset_sort(&sel->hosts);
}

static void
selection_free(struct selection *sel)
{
	nameset_free(&sel->zones);
	nameset_free(&sel->domains);
	nameset_free(&sel->hosts);
}

/* Does the job hold a name that belongs to a selected domain? */
static bool
job_has_domain(const struct job *j, const struct selection *sel)
{
	size_t i;
	bool hit;

	for (i = 0; i < j->n; i++) {
		char *name = ldns_rdf2str(j->names[i]->name);

		if (strncasecmp(name, "_xmpp-server._tcp.", 18) == 0)
			hit = nameset_has(&sel->domains, name + 18);
		else if (strncasecmp(name, "_xmpps-server._tcp.", 19) == 0)
			hit = nameset_has(&sel->domains, name + 19);
		else
			hit = false;
		if (!hit)
			hit = nameset_has(&sel->hosts, name);
		free(name);
		if (hit)
			return true;
	}
	return false;
}

/* Is this job within the sync's filters? */
static bool
job_selected(const struct job *j, const struct selection *sel)
{
	if (sel->all)
		return true;
	if (sel->zones.n > 0)
		return nameset_has(&sel->zones, j->zone_str);
	return job_has_domain(j, sel);
}

static void
report_conflicts(struct run *r, const struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_conflicts; i++) {
		char *name = ldns_rdf2str(plan->conflicts[i].name);

		log_warnx("zone %s: conflict at %s: %s; left untouched",
		    z->zone, name, plan->conflicts[i].reason);
		audit_event(r, "conflict", json_pack("{s:s, s:s, s:s}",
		    "zone", z->zone, "name", name, "reason",
		    plan->conflicts[i].reason));
		free(name);
	}
}

static void
count_plan(struct xfed_zone_report *z, const struct xfed_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_changes; i++) {
		z->added += ldns_rr_list_rr_count(plan->changes[i].added);
		z->removed += ldns_rr_list_rr_count(plan->changes[i].removed);
	}
}

/*
 * The plan under its zone line; refused: the refusal, then every line
 * --force would send, so that the operator reviews what they would force.
 */
static void
print_plan(const struct job *j, const struct xfed_plan *plan,
    const char *refused)
{
	FILE *f = j->out;
	size_t i;

	if (f == NULL || (plan->n_changes == 0 && plan->n_holds == 0))
		return;
	fprintf(f, "; zone %s at %s\n", j->zone_str, j->peer.label);
	if (refused != NULL)
		fprintf(f, "; refused: %s; with --force it would send:\n",
		    refused);
	for (i = 0; i < plan->n_holds; i++) {
		char *name = ldns_rdf2str(plan->holds[i].name);

		fprintf(f, "; %s %s: %s\n", plan->holds[i].failure ?
		    "held:" : "kept:", name, plan->holds[i].reason);
		free(name);
	}
	xfed_plan_print(f, plan);
}

/* Each SRV RRset held back, and each host kept, once per sync. */
static void
report_holds(struct run *r, struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	size_t i;

	z->held = 0;
	for (i = 0; i < plan->n_holds; i++) {
		const struct xfed_hold *h = &plan->holds[i];
		char *name = ldns_rdf2str(h->name);

		/* The zone's report line says it (the first, and how many). */
		log_debug("zone %s: %s: %s", z->zone, name, h->reason);
		z->held += h->failure;
		if (z->detail == NULL)
			z->detail = xasprintf("%s: %s", name, h->reason);
		audit_event(r, "held", json_pack("{s:s, s:s, s:s, s:b}",
		    "zone", z->zone, "name", name, "reason", h->reason,
		    "kept", !h->failure));
		free(name);
	}
	if (plan->n_holds > 1 && z->detail != NULL) {
		char *more = xasprintf("%s (and %zu more: xfedctl plan lists "
		    "them)", z->detail, plan->n_holds - 1);

		free(z->detail);
		z->detail = more;
	}
}

static void
refuse_limit(struct run *r, struct job *j, struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	char *msg = xasprintf("would delete %zu records, more than "
	    "max-deletes (%u): refused, nothing sent", plan->deletes,
	    r->cfg->max_deletes);

	if (r->opts->dry_run)
		print_plan(j, plan, msg);

	z->result = XFED_ZONE_LIMIT;
	z->deletes = plan->deletes;
	z->detail = msg;
	log_warnx("zone %s: %s", z->zone, msg);
	audit_event(r, "refused", json_pack("{s:s, s:s, s:I, s:I}", "zone",
	    z->zone, "reason", "max-deletes", "deletes",
	    (json_int_t)plan->deletes, "max-deletes",
	    (json_int_t)r->cfg->max_deletes));
}

static void
remember_zone(struct run *r, const struct job *j, const struct xfed_plan *p)
{
	if (r->opts->dry_run)
		return;
	pthread_mutex_lock(&r->lock);
	/* While some names have no known zone, forget no zone. */
	if (p->n_owned_after > 0 || p->n_conflicts > 0 || r->nunassigned > 0)
		xfed_state_set(&r->state, j->zone_str, j->peer.label,
		    j->peer.key != NULL ? j->peer.key->name : "");
	else
		xfed_state_remove(&r->state, j->zone_str);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Is this declared SRV name pointing at a host that is an alias?  The
 * reason, malloc'd, or NULL.
 */
static char *
alias_block(struct run *r, const struct xfed_owned *o)
{
	size_t i, k;
	char *target, *why;

	if (o->kind != XFED_NAME_SRV || r->naliases == 0)
		return NULL;
	for (i = 0; i < ldns_rr_list_rr_count(o->rrs); i++) {
		const ldns_rdf *t = ldns_rr_rdf(ldns_rr_list_rr(o->rrs, i), 3);

		for (k = 0; k < r->naliases; k++) {
			if (ldns_dname_compare(t, r->aliases[k]) != 0)
				continue;
			target = ldns_rdf2str(t);
			why = xasprintf("SRV target %s is an alias (CNAME), "
			    "which RFC 2782 forbids: not published", target);
			free(target);
			return why;
		}
	}
	return NULL;
}

/* Does host own a CNAME, as its primary answers? */
static bool
host_is_alias(const struct xfed_peer *peer, const ldns_rdf *host)
{
	struct xfed_exchange ex;
	const ldns_rr_list *an;
	ldns_pkt *q;
	bool alias = false;
	size_t i;

	q = ldns_pkt_query_new(ldns_rdf_clone(host), LDNS_RR_TYPE_CNAME,
	    LDNS_RR_CLASS_IN, 0);
	if (q == NULL)
		return false;
	if (xfed_dns_exchange(peer, q, &ex) == 0) {
		an = ldns_pkt_answer(ex.answer);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) ==
			    LDNS_RR_TYPE_CNAME && ldns_dname_compare(
			    ldns_rr_owner(ldns_rr_list_rr(an, i)), host) == 0)
				alias = true;
	}
	/* Unreadable: the host's own zone job will report the failure. */
	xfed_exchange_clear(&ex);
	ldns_pkt_free(q);
	return alias;
}

/*
 * Before any zone is planned, ask each proxy host's primary whether the
 * host is an alias: the SRV records naming it live in other zones, which
 * cannot see that for themselves.
 */
static void
find_aliases(struct run *r)
{
	size_t i, k;

	for (i = 0; i < r->njobs; i++) {
		for (k = 0; k < r->jobs[i].n; k++) {
			const struct xfed_owned *o = r->jobs[i].names[k];

			if (o->kind != XFED_NAME_HOST ||
			    !host_is_alias(&r->jobs[i].peer, o->name))
				continue;
			r->aliases = xreallocarray(r->aliases, r->naliases + 1,
			    sizeof(*r->aliases));
			r->aliases[r->naliases++] = o->name;
		}
	}
}

/*
 * Read the zone from the primary's address in use; when it does not answer
 * at all, from its next address, which then stays in use for the updates.
 */
static int
read_zone(struct job *j, struct xfed_zone_data *data, char *why,
    size_t wlen)
{
	struct xfed_peer next;
	size_t i;
	int rc;

	rc = xfed_zone_read(&j->peer, j->zone, data, why, wlen);
	for (i = 0; i < j->nalt && (rc == XFED_ETIMEOUT ||
	    rc == XFED_ENETWORK); i++) {
		log_warnx("zone %s: %s; trying the next address, %s",
		    j->zone_str, why, j->alt[i].label);
		next = j->alt[i];
		j->alt[i] = j->peer;
		j->peer = next;
		rc = xfed_zone_read(&j->peer, j->zone, data, why, wlen);
	}
	return rc;
}

/* Read and plan; 0 with *plan, or a failure recorded in z. */
static int
read_and_plan(struct run *r, struct job *j, struct xfed_zone_report *z,
    struct xfed_plan **plan, uint32_t *serial)
{
	struct xfed_zone_data data;
	struct xfed_owned *names;
	struct xfed_plan_ctx ctx;
	struct job_ctx jc;
	char why[384], **blocked;
	size_t i;
	int rc;

	*plan = NULL;
	if ((rc = read_zone(j, &data, why, sizeof(why))) != 0) {
		fail_zone(r, z, why);
		return rc;
	}
	if (strcmp(z->server, j->peer.label) != 0) {
		free(z->server);
		z->server = xstrdup(j->peer.label);
	}
	*serial = data.serial;
	names = xcalloc(j->n + r->nunassigned, sizeof(*names));
	blocked = xcalloc(j->n, sizeof(*blocked));
	for (i = 0; i < j->n; i++) {
		names[i] = *j->names[i];
		if (names[i].blocked == NULL)
			names[i].blocked = blocked[i] = alias_block(r,
			    j->names[i]);
	}
	/* Any of them may live in this zone: protect them from removal. */
	for (i = 0; i < r->nunassigned; i++) {
		names[j->n + i] = *r->unassigned[i];
		names[j->n + i].elsewhere = true;
	}
	jc.r = r;
	jc.j = j;
	xfed_targets_ctx(&jc, &ctx);
	rc = xfed_plan_zone_ctx(j->zone, names, j->n + r->nunassigned,
	    data.rrs, r->cfg->owner, &ctx, plan);
	for (i = 0; i < j->n; i++)
		free(blocked[i]);
	free(blocked);
	free(names);
	xfed_zone_data_clear(&data);
	if (rc != 0)
		fail_zone(r, z, "planning failed: out of memory");
	return rc;
}

void
xfed_flap_clear(struct xfed_flap *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->entries[i].zone);
	free(f->entries);
	f->entries = NULL;
	f->n = 0;
}

static struct xfed_flap_entry *
flap_entry(struct xfed_flap *f, const char *zone)
{
	struct xfed_flap_entry *e;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->entries[i].zone, zone) == 0)
			return &f->entries[i];
	f->entries = xreallocarray(f->entries, f->n + 1, sizeof(*e));
	e = &f->entries[f->n++];
	memset(e, 0, sizeof(*e));
	e->zone = xstrdup(zone);
	return e;
}

/* The plan as its text, hashed: equal digests, same changes. */
static void
plan_digest(const struct xfed_plan *plan, unsigned char digest[32])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned int dlen = 32;

	xfed_plan_print(f, plan);
	fclose(f);
	EVP_Digest(text, len, digest, &dlen, EVP_sha256(), NULL);
	free(text);
}

/*
 * Before sending: true when this zone has had the very same changes
 * applied in the last XFED_FLAP_LIMIT syncs, so sending them again would
 * only feed a fight with whatever undoes them.
 */
static bool
is_flapping(struct run *r, const struct job *j, const struct xfed_plan *plan,
    unsigned char digest[32])
{
	struct xfed_flap_entry *e;

	bool flapping;

	if (r->opts->flap == NULL)
		return false;
	plan_digest(plan, digest);
	pthread_mutex_lock(&r->lock);
	e = flap_entry(r->opts->flap, j->zone_str);
	if (r->opts->force)
		e->repeats = 0;
	flapping = e->repeats >= XFED_FLAP_LIMIT &&
	    memcmp(e->digest, digest, 32) == 0;
	pthread_mutex_unlock(&r->lock);
	return flapping;
}

static void
flap_applied(struct run *r, const struct job *j, const unsigned char d[32])
{
	struct xfed_flap_entry *e;

	if (r->opts->flap == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	e = flap_entry(r->opts->flap, j->zone_str);
	if (e->repeats > 0 && memcmp(e->digest, d, 32) == 0) {
		e->repeats++;
	} else {
		memcpy(e->digest, d, 32);
		e->repeats = 1;
	}
	pthread_mutex_unlock(&r->lock);
}

static void
flap_settled(struct run *r, const struct job *j)
{
	if (r->opts->flap == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	flap_entry(r->opts->flap, j->zone_str)->repeats = 0;
	pthread_mutex_unlock(&r->lock);
}

static void
refuse_flapping(struct run *r, struct xfed_zone_report *z)
{
	char *msg = xasprintf("flapping: the same changes were applied in "
	    "%d syncs in a row and undone each time; not sent again until "
	    "they change (or xfedctl sync --force)", XFED_FLAP_LIMIT);

	fail_zone(r, z, msg);
	free(msg);
}

static void
digest_rdf(EVP_MD_CTX *md, const ldns_rdf *f)
{
	uint16_t len = f != NULL ? (uint16_t)ldns_rdf_size(f) : 0;

	/* Length first, so that fields cannot run into each other. */
	EVP_DigestUpdate(md, &len, sizeof(len));
	if (len > 0)
		EVP_DigestUpdate(md, ldns_rdf_data(f), len);
}

/*
 * A digest of everything declared for the zone, in hex: if it differs from
 * the one recorded at the last in-sync read, the zone must be read again.
 * It hashes the records' wire fields: formatting 10,000 records as text
 * would cost more than the transfer it saves.
 */
static void
declared_digest(struct run *r, const struct job *j, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dlen = sizeof(d);
	size_t i, k, f;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, r->cfg->owner, strlen(r->cfg->owner) + 1);
	EVP_DigestUpdate(md, j->peer.label, strlen(j->peer.label) + 1);
	for (i = 0; i < j->n; i++) {
		const ldns_rr_list *l = j->names[i]->rrs;
		uint32_t ttl = j->names[i]->ttl;

		digest_rdf(md, j->names[i]->name);
		EVP_DigestUpdate(md, &ttl, sizeof(ttl));
		for (k = 0; k < ldns_rr_list_rr_count(l); k++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, k);
			uint16_t type = (uint16_t)ldns_rr_get_type(rr);

			EVP_DigestUpdate(md, &type, sizeof(type));
			for (f = 0; f < ldns_rr_rd_count(rr); f++)
				digest_rdf(md, ldns_rr_rdf(rr, f));
		}
		EVP_DigestUpdate(md, "|", 1);
	}
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* The zone's SOA serial, from a signed, verified answer; 0 or an error. */
static int
query_serial(const struct job *j, uint32_t *serial)
{
	struct xfed_exchange ex;
	const ldns_rr_list *an;
	ldns_pkt *q;
	size_t i;
	int rc;

	q = ldns_pkt_query_new(ldns_rdf_clone(j->zone), LDNS_RR_TYPE_SOA,
	    LDNS_RR_CLASS_IN, 0);
	if (q == NULL)
		return XFED_ENOMEM;
	rc = xfed_dns_exchange(&j->peer, q, &ex);
	ldns_pkt_free(q);
	if (rc == 0) {
		rc = XFED_EMALFORMED;
		an = ldns_pkt_answer(ex.answer);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_rr_rd_count(rr) == 7 &&
			    ldns_dname_compare(ldns_rr_owner(rr), j->zone) == 0) {
				*serial = ldns_rdf2native_int32(
				    ldns_rr_rdf(rr, 2));
				rc = 0;
			}
		}
	}
	xfed_exchange_clear(&ex);
	return rc;
}

/*
 * The zone is remembered on disk before the first UPDATE into it: a crash
 * right after the UPDATE must not leave records that no later run knows
 * to clean up.  A line in the state's journal (xfed_state_note): zones
 * running side by side do not wait for each other's disk writes.
 * Fails the zone, with nothing sent, when it cannot be remembered.
 */
static int
remember_before_update(struct run *r, const struct job *j,
    struct xfed_zone_report *z)
{
	const char *key = j->peer.key != NULL ? j->peer.key->name : "";
	char err[512], *msg;
	bool known;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	known = xfed_state_find(&r->state, j->zone_str) != NULL;
	if (r->state_ok && !known)
		xfed_state_set(&r->state, j->zone_str, j->peer.label, key);
	pthread_mutex_unlock(&r->lock);
	if (!r->state_ok) {
		snprintf(err, sizeof(err), "the state in %s could not be read",
		    r->cfg->state_dir);
		rc = -1;
	} else if (!known && xfed_state_note(r->cfg->state_dir, j->zone_str,
	    j->peer.label, key, err, sizeof(err)) != 0) {
		pthread_mutex_lock(&r->lock);
		xfed_state_remove(&r->state, j->zone_str);
		pthread_mutex_unlock(&r->lock);
		rc = -1;
	}
	if (rc != 0) {
		msg = xasprintf("cannot remember the zone in state-dir (%s): "
		    "nothing sent", err);
		fail_zone(r, z, msg);
		free(msg);
	}
	return rc;
}

/*
 * Test hook (XFED_TEST_ABORT_AFTER_UPDATE set, tests only): die right
 * after the first UPDATEs of a sync were applied, as a kill -9 would.
 */
static void
test_crash_point(void)
{
	if (getenv("XFED_TEST_ABORT_AFTER_UPDATE") != NULL)
		abort();
}

/*
 * A full read found this zone in sync at serial S, the declaration has
 * not changed since, and the primary still says S: every change to a
 * zone, dynamic or not, moves its serial, so the zone is still in sync.
 * A full read is forced at least every XFED_FULL_READ_SECONDS anyway.
 */
static bool
unchanged_since_last_read(struct run *r, const struct job *j,
    const char *declared)
{
	const struct xfed_state_zone *sz;
	uint64_t now = xfed_wall_seconds();
	uint32_t serial = 0, was;
	bool candidate;

	pthread_mutex_lock(&r->lock);
	sz = xfed_state_find(&r->state, j->zone_str);
	candidate = sz != NULL && sz->checked != 0 &&
	    now - sz->checked < XFED_FULL_READ_SECONDS &&
	    strcmp(sz->server, j->peer.label) == 0 &&
	    strcmp(sz->digest, declared) == 0;
	was = candidate ? sz->serial : 0;
	pthread_mutex_unlock(&r->lock);
	if (!candidate || query_serial(j, &serial) != 0)
		return false;
	log_debug("zone %s: serial %u unchanged since the last full read",
	    j->zone_str, serial);
	return serial == was;
}

static void
mark_in_sync(struct run *r, const struct job *j, uint32_t serial,
    const char *declared)
{
	if (r->opts->dry_run)
		return;
	pthread_mutex_lock(&r->lock);
	xfed_state_mark_in_sync(&r->state, j->zone_str, serial, declared,
	    xfed_wall_seconds());
	pthread_mutex_unlock(&r->lock);
}

/* What a plan that converged says about the zone. */
static enum xfed_zone_result
settled_result(const struct xfed_plan *plan, bool applied)
{
	size_t i;

	if (plan->n_conflicts > 0)
		return XFED_ZONE_CONFLICT;
	for (i = 0; i < plan->n_holds; i++)
		if (plan->holds[i].failure)
			return XFED_ZONE_HELD;
	return applied ? XFED_ZONE_CHANGED : XFED_ZONE_IN_SYNC;
}

/* Nothing left to wait for in this zone: the serial skip may trust it. */
static bool
fully_in_sync(const struct xfed_plan *plan)
{
	return plan->n_conflicts == 0 && plan->n_holds == 0 &&
	    plan->n_pending == 0;
}

/*
 * Bring one zone in sync: read, plan, apply; on a failed prerequisite, or
 * to confirm what was applied, read and plan again (bounded).  Returns the
 * last plan (NULL when none was made), for what the other zones must know.
 * A zone may run again in a later wave of the same sync (syncrun.h): what
 * is said once per sync (conflicts, flapping) is said on its first run.
 */
static struct xfed_plan *
sync_job(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];
	struct xfed_apply_result res;
	struct xfed_plan *plan = NULL;
	unsigned char digest[32];
	char declared[65];
	uint32_t serial = 0;
	unsigned round;
	bool applied = false, first = j->runs == 0;

	j->want_targets = j->want_usage = false;
	declared_digest(r, j, declared);
	if (first && unchanged_since_last_read(r, j, declared)) {
		z->result = XFED_ZONE_IN_SYNC;
		flap_settled(r, j);
		return NULL;
	}
	for (round = 0; round <= XFED_SYNC_MAX_ROUNDS; round++) {
		xfed_plan_free(plan);
		if (read_and_plan(r, j, z, &plan, &serial) != 0)
			return plan;
		if (first && round == 0 && r->opts->after_read != NULL) {
			pthread_mutex_lock(&r->lock);
			r->opts->after_read(j->zone_str, r->opts->hook_arg);
			pthread_mutex_unlock(&r->lock);
		}
		if (first && round == 0)
			report_conflicts(r, z, plan);
		z->conflicts = plan->n_conflicts;
		if (plan->n_changes == 0) {
			if (first && round == 0)
				flap_settled(r, j);
			break;
		}
		if (plan->deletes > r->cfg->max_deletes && !r->opts->force) {
			refuse_limit(r, j, z, plan);
			return plan;
		}
		if (r->opts->dry_run) {
			print_plan(j, plan, NULL);
			count_plan(z, plan);
			z->result = XFED_ZONE_PLANNED;
			if (plan->n_pending == 0)
				report_holds(r, z, plan);
			return plan;
		}
		if (first && round == 0 && is_flapping(r, j, plan, digest)) {
			refuse_flapping(r, z);
			return plan;
		}
		if (remember_before_update(r, j, z) != 0)
			return plan;
		xfed_update_apply(&j->peer, plan, r->audit, r->opts->trigger,
		    0, &res);
		test_crash_point();
		z->messages += res.messages;
		if (res.status != 0 && res.status != XFED_ESTALE) {
			fail_zone(r, z, res.detail);
			return plan;
		}
		if (res.status == 0) {
			if (first && round == 0)
				flap_applied(r, j, digest);
			count_plan(z, plan);
			/* What changed, for `xfedctl sync`. */
			print_plan(j, plan, NULL);
			applied = true;
		} else {
			log_info("zone %s: %s; reading it again", z->zone,
			    res.detail);
		}
	}
	if (plan->n_changes > 0) {
		fail_zone(r, z, "not converged: the zone still differs after "
		    "repeated reads and updates (is someone else changing it?)");
		return plan;
	}
	/* A later run of this sync may have changed what an earlier did. */
	if (!applied && z->result == XFED_ZONE_CHANGED)
		applied = true;
	z->result = settled_result(plan, applied);
	if (r->opts->dry_run && z->added + z->removed > 0)
		z->result = XFED_ZONE_PLANNED;
	if (plan->n_pending == 0)
		report_holds(r, z, plan);
	if (r->opts->dry_run && plan->n_pending == 0)
		print_plan(j, plan, NULL);
	remember_zone(r, j, plan);
	if (fully_in_sync(plan))
		mark_in_sync(r, j, serial, declared);
	return plan;
}

/* One run of a zone, and what the other zones learn from it. */
static void
run_job(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];
	struct xfed_plan *plan;

	plan = sync_job(r, j);
	j->runs++;
	xfed_targets_learn(r, j, plan, z);
	xfed_plan_free(plan);
}

static int
exit_code(const struct xfed_sync_report *rep)
{
	bool failed = false, limited = false;
	size_t i;

	for (i = 0; i < rep->n; i++) {
		switch (rep->zones[i].result) {
		case XFED_ZONE_FAILED:
		case XFED_ZONE_CONFLICT:
		case XFED_ZONE_HELD:
			failed = true;
			break;
		case XFED_ZONE_LIMIT:
			limited = true;
			break;
		default:
			break;
		}
	}
	/* A zone that failed outright outweighs one a limit held back. */
	if (failed)
		return XFED_EXIT_FAILED;
	return limited ? XFED_EXIT_LIMIT : XFED_EXIT_OK;
}

/* A dry run succeeds when every zone could be read and planned. */
static int
dry_run_exit_code(const struct xfed_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (rep->zones[i].result == XFED_ZONE_FAILED)
			return XFED_EXIT_FAILED;
	return XFED_EXIT_OK;
}

static void
free_run(struct run *r)
{
	size_t i;

	/* Before the jobs: the tables and what the jobs learnt. */
	xfed_targets_clear(r);
	for (i = 0; i < r->njobs; i++) {
		ldns_rdf_deep_free(r->jobs[i].zone);
		free(r->jobs[i].zone_str);
		free(r->jobs[i].names);
		free(r->jobs[i].text);
	}
	for (i = 0; i < r->ndown; i++) {
		free(r->down[i]);
		free(r->down_why[i]);
	}
	free(r->down);
	free(r->down_why);
	free(r->unassigned);
	free(r->jobs);
	free(r->slots);
	free(r->aliases);
	free(r->resolvers);
	xfed_desired_free(r->desired);
	xfed_state_clear(&r->state);
	pthread_mutex_destroy(&r->lock);
}

/* One of the pool's threads: take the next zone until none is left. */
static void *
pool_thread(void *arg)
{
	struct run *r = arg;
	size_t i;

	/* Reads on this thread too give up when the agent stops. */
	xfed_net_set_cancel_fd(r->cancel_fd);
	while ((i = atomic_fetch_add(&r->next_job, 1)) < r->njobs) {
		struct job *j = &r->jobs[i];

		if (!j->go)
			continue;
		if (r->opts->cancel != NULL && atomic_load(r->opts->cancel)) {
			r->rep->zones[j->report].result = XFED_ZONE_SKIPPED;
			continue;
		}
		run_job(r, j);
	}
	return NULL;
}

/* Run the zones marked to go on up to `concurrency` threads. */
static void
run_pool(struct run *r, size_t selected)
{
	pthread_t threads[XFED_MAX_CONCURRENCY];
	size_t i, nthreads;

	atomic_store(&r->next_job, 0);
	nthreads = r->cfg->concurrency < selected ? r->cfg->concurrency :
	    selected;
	if (nthreads <= 1) {
		pool_thread(r);
		return;
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, pool_thread, r) != 0)
			break;
	if (i == 0)
		pool_thread(r);		/* no thread to be had: do it here */
	while (i-- > 0)
		pthread_join(threads[i], NULL);
}

/*
 * A dry run shows one plan per zone: a zone that runs again forgets what
 * its earlier run printed and counted.
 */
static void
restart_dry_run_text(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];

	if (!r->opts->dry_run || j->runs == 0)
		return;
	z->added = z->removed = 0;
	if (j->out != NULL) {
		fclose(j->out);
		free(j->text);
		j->text = NULL;
		j->textlen = 0;
		j->out = open_memstream(&j->text, &j->textlen);
	}
}

static bool
zone_may_rerun(const struct run *r, const struct job *j)
{
	switch (r->rep->zones[j->report].result) {
	case XFED_ZONE_FAILED:
	case XFED_ZONE_LIMIT:
	case XFED_ZONE_SKIPPED:
		return false;
	default:
		return true;
	}
}

/* Which zones run in this wave (see syncrun.h); how many. */
static size_t
mark_wave(struct run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		j->go = false;
		if (j->report == SIZE_MAX)
			continue;
		/* A zone that failed or was refused is not tried again. */
		if (j->runs > 0 && !zone_may_rerun(r, j))
			continue;
		switch (r->wave) {
		case 1:
			j->go = xfed_job_has_hosts(j);
			break;
		case 2:
			j->go = j->runs == 0 || j->want_targets;
			break;
		default:
			j->go = j->want_usage;
			break;
		}
		if (j->go) {
			restart_dry_run_text(r, j);
			n++;
		}
	}
	return n;
}

/*
 * The hosts of zones this sync does not visit (a sync of some domains or
 * zones only): ready when their zone was found in sync with the same
 * declaration by an earlier sync, else not known to be ready.
 */
static void
judge_unvisited(struct run *r)
{
	char declared[65];
	const struct xfed_state_zone *sz;
	size_t i, k;
	bool in_sync;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		if (j->report != SIZE_MAX || !xfed_job_has_hosts(j))
			continue;
		declared_digest(r, j, declared);
		sz = xfed_state_find(&r->state, j->zone_str);
		in_sync = sz != NULL && sz->checked != 0 &&
		    strcmp(sz->digest, declared) == 0;
		j->host_why = xcalloc(j->n + 1, sizeof(*j->host_why));
		for (k = 0; k < j->n && !in_sync; k++)
			if (j->names[k]->kind == XFED_NAME_HOST)
				j->host_why[k] = xasprintf("its zone %s is not "
				    "part of this sync, and was not found in "
				    "sync earlier", j->zone_str);
	}
}

/* Is any zone waiting to know which hosts SRV records name? */
static bool
usage_wanted(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].report != SIZE_MAX && r->jobs[i].want_usage)
			return true;
	return false;
}

/*
 * Give every selected zone its report slot up front (so the array does
 * not move while threads write to it), then run the zones in waves
 * (syncrun.h), each wave on up to `concurrency` threads: zones are
 * independent within a wave, and most of a zone's time is spent waiting
 * for its server.
 */
static void
run_jobs(struct run *r)
{
	struct selection sel;
	size_t i, n;

	selection_build(r, &sel);
	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		j->report = SIZE_MAX;
		if (!job_selected(j, &sel))
			continue;
		j->report = new_report(r, j->zone_str, j->peer.label) -
		    r->rep->zones;
		if (r->opts->plan_out != NULL)
			j->out = open_memstream(&j->text, &j->textlen);
	}
	selection_free(&sel);
	if (r->opts->n_domains > 0 || r->opts->n_zones > 0)
		r->usage_unknown = xstrdup("this sync does not visit every "
		    "zone, so whether other SRV records still name it is not "
		    "known (a full sync will decide)");
	judge_unvisited(r);
	xfed_targets_build(r);
	for (r->wave = 1; r->wave <= 3; r->wave++) {
		if ((n = mark_wave(r)) > 0)
			run_pool(r, n);
		if (r->wave == 1)
			xfed_targets_build(r);
		else if (r->wave == 2 && r->usage_unknown == NULL &&
		    usage_wanted(r))
			xfed_usage_build(r);
	}
}

/* The zones' plans and changes, in a stable order whatever the threads. */
static void
emit_texts(struct run *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		if (j->out == NULL)
			continue;
		fclose(j->out);
		j->out = NULL;
		if (j->textlen > 0)
			fwrite(j->text, 1, j->textlen, r->opts->plan_out);
	}
}

/* The sync-end record: what the sync did, in numbers. */
static json_t *
sync_end_record(const struct xfed_sync_opts *opts,
    const struct xfed_sync_report *rep, uint64_t ms)
{
	size_t i, added = 0, removed = 0, messages = 0, conflicts = 0;
	size_t failed = 0, changed = 0;
	json_t *rec;

	for (i = 0; i < rep->n; i++) {
		const struct xfed_zone_report *z = &rep->zones[i];

		added += z->added;
		removed += z->removed;
		messages += z->messages;
		conflicts += z->conflicts;
		failed += z->result == XFED_ZONE_FAILED ||
		    z->result == XFED_ZONE_LIMIT;
		changed += z->result == XFED_ZONE_CHANGED;
	}
	rec = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "trigger", opts->trigger, "zones", (json_int_t)rep->n,
	    "changed", (json_int_t)changed, "failed", (json_int_t)failed,
	    "messages", (json_int_t)messages, "added", (json_int_t)added,
	    "removed", (json_int_t)removed, "conflicts",
	    (json_int_t)conflicts);
	if (opts->uid >= 0)
		json_object_set_new(rec, "uid", json_integer(opts->uid));
	json_object_set_new(rec, "exit", json_integer(rep->exit_code));
	json_object_set_new(rec, "duration_ms", json_integer((json_int_t)ms));
	return rec;
}

/* The zones' memory could not be read or kept: say so, in the audit too. */
static void
state_error(struct run *r, const char *err)
{
	r->state_failed = true;
	log_warnx("state-dir %s: %s", r->cfg->state_dir, err);
	audit_event(r, "error", json_pack("{s:s, s:s}", "state-dir",
	    r->cfg->state_dir, "error", err));
}

/*
 * An unreadable state is never taken for an empty one: it would forget
 * zones to clean up, and saving over it would make that final.
 */
static void
load_state(struct run *r)
{
	char err[512];

	r->state_ok = xfed_state_load(r->cfg->state_dir, &r->state, err,
	    sizeof(err)) == 0;
	if (!r->state_ok)
		state_error(r, err);
}

static void
save_state(struct run *r)
{
	char err[512];

	if (r->opts->dry_run || !r->state_ok)
		return;
	if (xfed_state_save(r->cfg->state_dir, &r->state, err,
	    sizeof(err)) != 0)
		state_error(r, err);
}

void
xfed_sync_run(const struct xfed_config *cfg, struct xfed_audit *audit,
    const struct xfed_sync_opts *opts, struct xfed_sync_report *rep)
{
	struct run r = { .cfg = cfg, .audit = audit, .opts = opts, .rep = rep,
	    .cancel_fd = xfed_net_cancel_fd() };
	uint64_t start = xfed_now_ms();
	json_t *start_record;
	int rc;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_init(&r.lock, NULL);
	start_record = json_pack("{s:s}", "trigger", opts->trigger);
	if (opts->uid >= 0)
		json_object_set_new(start_record, "uid", json_integer(opts->uid));
	if (opts->force)
		json_object_set_new(start_record, "force", json_true());
	audit_event(&r, "sync-start", start_record);
	if ((rc = xfed_desired_build(cfg, &r.desired)) != 0)
		fatalx("cannot build the declared records: %s",
		    xfed_strerror(rc));
	load_state(&r);
	build_jobs(&r);
	if (opts->n_domains == 0)
		add_state_jobs(&r);
	find_aliases(&r);
	run_jobs(&r);
	emit_texts(&r);
	save_state(&r);
	rep->exit_code = opts->dry_run ? dry_run_exit_code(rep) :
	    exit_code(rep);
	/* What xfed must remember was not kept: that is a failed sync. */
	if (!opts->dry_run && r.state_failed)
		rep->exit_code = XFED_EXIT_FAILED;
	audit_event(&r, "sync-end", sync_end_record(opts, rep,
	    xfed_now_ms() - start));
	free_run(&r);
}

void
xfed_sync_report_clear(struct xfed_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->zones[i].zone);
		free(rep->zones[i].server);
		free(rep->zones[i].detail);
	}
	free(rep->zones);
	memset(rep, 0, sizeof(*rep));
}

const char *
xfed_zone_result_name(enum xfed_zone_result res)
{
	switch (res) {
	case XFED_ZONE_IN_SYNC:		return "in sync";
	case XFED_ZONE_CHANGED:		return "updated";
	case XFED_ZONE_PLANNED:		return "changes pending";
	case XFED_ZONE_CONFLICT:	return "conflict";
	case XFED_ZONE_HELD:		return "held back";
	case XFED_ZONE_LIMIT:		return "refused";
	case XFED_ZONE_FAILED:		return "FAILED";
	case XFED_ZONE_SKIPPED:		return "skipped (stopping)";
	}
	return "?";
}
