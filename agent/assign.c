/*
 * The zone and the primary of each declared name: from the configuration
 * (a server, a zone), else found by discovery through the resolvers, and
 * the servers that did not answer discovery in this sync.  Apart from the
 * job table (syncjobs.c), which only sorts names by what this decides.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "config.h"
#include "discover.h"
#include "dns.h"
#include "error.h"
#include "log.h"
#include "syncrun.h"
#include "util.h"

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
int
xfed_assign(struct run *r, const struct xfed_owned *o, ldns_rdf **zone,
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
