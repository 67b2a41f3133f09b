/*
 * Desired state: the records the configuration declares, grouped by the
 * names xfed owns.  Pure: no I/O.  See desired.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "config.h"
#include "desired.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define MARKER_HERITAGE	"heritage=xfed,"
#define MARKER_OWNER	"owner="

/* Map an ldns status to our error convention. */
static int
status_err(ldns_status st)
{
	if (st == LDNS_STATUS_OK)
		return XFED_OK;
	if (st == LDNS_STATUS_MEM_ERR)
		return XFED_ENOMEM;
	return XFED_EINVAL;
}

/*
 * Append rr to list (which takes it) unless an RR with the same data is
 * already there: a proxy listed twice must not give two identical records.
 */
static int
push_unique(ldns_rr_list *list, ldns_rr *rr)
{
	if (ldns_rr_list_contains_rr(list, rr)) {
		ldns_rr_free(rr);
		return XFED_OK;
	}
	if (!ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_free(rr);
		return XFED_ENOMEM;
	}
	return XFED_OK;
}

/* Parse one RR from presentation text and append it, as push_unique. */
static int
push_rr_text(ldns_rr_list *list, char *text)
{
	ldns_rr *rr = NULL;
	ldns_status st;

	st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		log_warnx("cannot build record \"%s\": %s", text,
		    ldns_get_errorstr_by_id(st));
		free(text);
		return status_err(st);
	}
	free(text);
	return push_unique(list, rr);
}

/* Grow the array by one zeroed entry and return it. */
static struct xfed_owned *
owned_append(struct xfed_desired *d)
{
	struct xfed_owned *o;

	d->names = xreallocarray(d->names, d->n + 1, sizeof(*d->names));
	o = &d->names[d->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

/* Start an owned name; rrs is an empty list to be filled by the caller. */
static int
owned_init(struct xfed_owned *o, const char *name, enum xfed_name_kind kind,
    uint32_t ttl)
{
	o->kind = kind;
	o->ttl = ttl;
	/* The configuration refuses names too long to build: defensive. */
	if ((o->name = ldns_dname_new_frm_str(name)) == NULL) {
		log_warnx("cannot build the owner name %s (longer than 255 "
		    "octets, or a label over 63?)", name);
		return XFED_EINVAL;
	}
	if ((o->rrs = ldns_rr_list_new()) == NULL)
		return XFED_ENOMEM;
	return XFED_OK;
}

/*
 * An SRV record built field by field: a large configuration declares tens
 * of thousands, and parsing each from text was a good part of a sync.
 */
static int
push_srv(ldns_rr_list *list, const ldns_rdf *owner, uint32_t ttl,
    uint16_t priority, uint16_t weight, uint16_t port, const char *target)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *t = ldns_dname_new_frm_str(target);

	if (rr == NULL || t == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(t);
		return XFED_ENOMEM;
	}
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_type(rr, LDNS_RR_TYPE_SRV);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
	    priority));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
	    weight));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, port));
	ldns_rr_push_rdf(rr, t);
	return push_unique(list, rr);
}

/* One SRV name of a domain: label is "_xmpp-server" or "_xmpps-server". */
static int
add_srv_name(struct xfed_desired *d, const struct xfed_domain *dom,
    const char *label, uint16_t port)
{
	struct xfed_owned *o;
	char *name;
	size_t i;
	int rc;

	o = owned_append(d);
	name = xasprintf("%s._tcp.%s", label, dom->name);
	rc = owned_init(o, name, XFED_NAME_SRV, dom->ttl);
	if (rc != XFED_OK) {
		free(name);
		return rc;
	}
	o->zone = dom->zone;
	o->server = dom->server;
	o->origin = xasprintf("domain %s", dom->name);
	for (i = 0; i < dom->n_proxies; i++) {
		rc = push_srv(o->rrs, o->name, dom->ttl, dom->priority,
		    dom->weight, port, dom->proxies[i]->host);
		if (rc != XFED_OK)
			break;
	}
	free(name);
	return rc;
}

static bool
proxy_is_used(const struct xfed_config *cfg, const struct xfed_proxy *p)
{
	size_t i, j;

	for (i = 0; i < cfg->n_domains; i++)
		for (j = 0; j < cfg->domains[i].n_proxies; j++)
			if (cfg->domains[i].proxies[j] == p)
				return true;
	return false;
}

/* An earlier owned host name equal to host, or NULL. */
static struct xfed_owned *
find_host(struct xfed_desired *d, const char *host)
{
	ldns_rdf *name;
	size_t i;

	if ((name = ldns_dname_new_frm_str(host)) == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {
		if (d->names[i].kind == XFED_NAME_HOST &&
		    ldns_dname_compare(d->names[i].name, name) == 0)
			break;
	}
	ldns_rdf_deep_free(name);
	return i < d->n ? &d->names[i] : NULL;
}

static int
add_addresses(struct xfed_owned *o, const struct xfed_proxy *p)
{
	size_t i;
	int rc;

	/* The name's TTL wins: an RRset has one TTL. */
	for (i = 0; i < p->n_ipv4; i++) {
		rc = push_rr_text(o->rrs, xasprintf("%s %u IN A %s", p->host,
		    o->ttl, p->ipv4[i]));
		if (rc != XFED_OK)
			return rc;
	}
	for (i = 0; i < p->n_ipv6; i++) {
		rc = push_rr_text(o->rrs, xasprintf("%s %u IN AAAA %s",
		    p->host, o->ttl, p->ipv6[i]));
		if (rc != XFED_OK)
			return rc;
	}
	return XFED_OK;
}

static int
add_host_name(struct xfed_desired *d, const struct xfed_proxy *p)
{
	struct xfed_owned *o;
	int rc;

	/*
	 * Two proxy sections naming one host share the name: their
	 * addresses merge under the first section's TTL, zone and server.
	 */
	if ((o = find_host(d, p->host)) != NULL) {
		if (o->ttl != p->ttl)
			log_warnx("proxy %s: host %s already declared with "
			    "ttl %u, using it", p->name, p->host, o->ttl);
		return add_addresses(o, p);
	}
	o = owned_append(d);
	if ((rc = owned_init(o, p->host, XFED_NAME_HOST, p->ttl)) != XFED_OK)
		return rc;
	o->zone = p->zone;
	o->server = p->server;
	o->origin = xasprintf("proxy %s", p->name);
	return add_addresses(o, p);
}

int
xfed_desired_build(const struct xfed_config *cfg, struct xfed_desired **out)
{
	struct xfed_desired *d;
	const struct xfed_domain *dom;
	const struct xfed_proxy *p;
	size_t i;
	int rc = XFED_OK;

	*out = NULL;
	d = xcalloc(1, sizeof(*d));
	/* SRV names in domain order, then hosts in proxy order. */
	for (i = 0; i < cfg->n_domains && rc == XFED_OK; i++) {
		dom = &cfg->domains[i];
		rc = add_srv_name(d, dom, "_xmpp-server", dom->port);
		if (rc == XFED_OK && dom->direct_tls)
			rc = add_srv_name(d, dom, "_xmpps-server",
			    dom->tls_port);
	}
	for (i = 0; i < cfg->n_proxies && rc == XFED_OK; i++) {
		p = &cfg->proxies[i];
		if (p->n_ipv4 + p->n_ipv6 == 0 || !proxy_is_used(cfg, p))
			continue;
		rc = add_host_name(d, p);
	}
	if (rc != XFED_OK) {
		xfed_desired_free(d);
		return rc;
	}
	*out = d;
	return XFED_OK;
}

void
xfed_desired_free(struct xfed_desired *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		ldns_rdf_deep_free(d->names[i].name);
		ldns_rr_list_deep_free(d->names[i].rrs);
		/* origin is always ours (xasprintf); the const is for users. */
		free((char *)d->names[i].origin);
	}
	free(d->names);
	free(d);
}

/* Does wire label at p (length byte first) equal s, ignoring case? */
static bool
label_is(const uint8_t *p, size_t left, const char *s)
{
	size_t len = strlen(s);

	if (left < 1 || p[0] != len || left < len + 1)
		return false;
	return strncasecmp((const char *)p + 1, s, len) == 0;
}

enum xfed_name_kind
xfed_name_kind_of(const ldns_rdf *name)
{
	const uint8_t *p;
	size_t size, first;

	if (name == NULL || ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME)
		return XFED_NAME_HOST;
	p = ldns_rdf_data(name);
	size = ldns_rdf_size(name);
	if (label_is(p, size, "_xmpp-server"))
		first = 1 + strlen("_xmpp-server");
	else if (label_is(p, size, "_xmpps-server"))
		first = 1 + strlen("_xmpps-server");
	else
		return XFED_NAME_HOST;
	if (label_is(p + first, size - first, "_tcp"))
		return XFED_NAME_SRV;
	return XFED_NAME_HOST;
}

ldns_rr *
xfed_marker_new(const ldns_rdf *name, const char *owner, uint32_t ttl)
{
	static const char prefix[] = MARKER_HERITAGE MARKER_OWNER;
	size_t plen = sizeof(prefix) - 1, olen = strlen(owner);
	ldns_rr *rr;
	ldns_rdf *owner_rdf, *txt;
	uint8_t buf[256];

	/* Built from bytes: the tag is data, never presentation syntax. */
	if (plen + olen > 255)
		return NULL;
	buf[0] = (uint8_t)(plen + olen);
	memcpy(buf + 1, prefix, plen);
	memcpy(buf + 1 + plen, owner, olen);
	txt = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, plen + olen + 1, buf);
	if (txt == NULL)
		return NULL;
	if ((owner_rdf = ldns_rdf_clone(name)) == NULL) {
		ldns_rdf_deep_free(txt);
		return NULL;
	}
	if ((rr = ldns_rr_new()) == NULL) {
		ldns_rdf_deep_free(txt);
		ldns_rdf_deep_free(owner_rdf);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner_rdf);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	if (!ldns_rr_push_rdf(rr, txt)) {
		ldns_rdf_deep_free(txt);
		ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

/*
 * A tag is what an operator can reasonably configure: printable ASCII
 * without spaces or commas (the comma separates fields in the marker).
 */
static bool
tag_is_valid(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == ',')
			return false;
	return true;
}

int
xfed_marker_match(const ldns_rr *txt, const char *owner, char **other_owner)
{
	const ldns_rdf *rdf;
	const uint8_t *p;
	size_t len, hlen = strlen(MARKER_HERITAGE), olen = strlen(MARKER_OWNER);
	char *tag;

	if (other_owner != NULL)
		*other_owner = NULL;
	if (txt == NULL || ldns_rr_get_type(txt) != LDNS_RR_TYPE_TXT ||
	    ldns_rr_rd_count(txt) != 1)
		return 0;
	rdf = ldns_rr_rdf(txt, 0);
	if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR ||
	    ldns_rdf_size(rdf) < 1)
		return 0;
	p = ldns_rdf_data(rdf);
	len = p[0];
	if (ldns_rdf_size(rdf) != len + 1)
		return 0;
	p++;
	if (len < hlen + olen ||
	    strncasecmp((const char *)p, MARKER_HERITAGE, hlen) != 0 ||
	    strncasecmp((const char *)p + hlen, MARKER_OWNER, olen) != 0)
		return 0;
	p += hlen + olen;
	len -= hlen + olen;
	if (!tag_is_valid(p, len))
		return 0;
	if (strlen(owner) == len && memcmp(p, owner, len) == 0)
		return 1;
	if (other_owner != NULL) {
		tag = xmalloc(len + 1);
		memcpy(tag, p, len);
		tag[len] = '\0';
		*other_owner = tag;
	}
	return -1;
}
