/* Zone and primary discovery: see discover.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "discover.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define RESOLVER_TIMEOUT	3
#define RESOLVER_RETRIES	1

/* The SOA owner found in section, if it is name or one of its ancestors. */
static ldns_rr *
soa_in(const ldns_rr_list *section, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(section); i++) {
		ldns_rr *rr = ldns_rr_list_rr(section, i);

		/* A record without its data (possible on the wire) is no SOA. */
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7)
			continue;
		if (ldns_dname_compare(ldns_rr_owner(rr), name) == 0 ||
		    ldns_dname_is_subdomain(name, ldns_rr_owner(rr)))
			return rr;
	}
	return NULL;
}

/*
 * One SOA question to one peer.  Returns 1 and the SOA when the answer
 * names the zone, 0 when it does not (walk up), or an error.
 */
static int
ask_soa(const struct xfed_peer *peer, bool recursive, const ldns_rdf *name,
    ldns_rr **soa, char *detail, size_t dlen)
{
	struct xfed_exchange ex;
	ldns_pkt *q;
	ldns_rr *rr;
	int rc;

	q = ldns_pkt_query_new(ldns_rdf_clone(name), LDNS_RR_TYPE_SOA,
	    LDNS_RR_CLASS_IN, recursive ? LDNS_RD : 0);
	if (q == NULL)
		return XFED_ENOMEM;
	rc = xfed_dns_exchange(peer, q, &ex);
	ldns_pkt_free(q);
	if (rc != 0 && !(rc == XFED_ERCODE &&
	    ex.rcode == LDNS_RCODE_NXDOMAIN)) {
		snprintf(detail, dlen, "%s", ex.detail);
		xfed_exchange_clear(&ex);
		return rc;
	}
	rr = soa_in(ldns_pkt_answer(ex.answer), name);
	if (rr == NULL)
		rr = soa_in(ldns_pkt_authority(ex.answer), name);
	if (rr != NULL)
		*soa = ldns_rr_clone(rr);
	xfed_exchange_clear(&ex);
	return rr != NULL;
}

int
xfed_discover_zone(const struct xfed_peer *peers, size_t npeers,
    bool recursive, const ldns_rdf *name, ldns_rdf **zone, ldns_rdf **mname,
    char *detail, size_t dlen)
{
	ldns_rdf *cur = ldns_rdf_clone(name), *up;
	ldns_rr *soa = NULL;
	char why[320] = "no server to ask";
	size_t i;
	int rc = 0;

	while (soa == NULL && ldns_dname_label_count(cur) > 0) {
		for (i = 0; i < npeers; i++) {
			rc = ask_soa(&peers[i], recursive, cur, &soa, why,
			    sizeof(why));
			if (rc >= 0)
				break;
			log_debug("SOA discovery: %s", why);
		}
		if (rc < 0)
			break;		/* no peer could answer at all */
		up = ldns_dname_left_chop(cur);
		ldns_rdf_deep_free(cur);
		cur = up;
	}
	ldns_rdf_deep_free(cur);
	if (soa == NULL) {
		char *n = ldns_rdf2str(name);

		snprintf(detail, dlen, "cannot find the zone of %s: %s", n,
		    rc < 0 ? why : "no SOA found up to the root");
		free(n);
		/* Say "nobody answered" apart from "there is no zone". */
		return xfed_error_is_unreachable(rc) ||
		    rc == XFED_ECANCELED ? rc : XFED_ENOZONE;
	}
	*zone = ldns_rdf_clone(ldns_rr_owner(soa));
	*mname = ldns_rdf_clone(ldns_rr_rdf(soa, 0));
	ldns_rr_free(soa);
	return 0;
}

/* Append the addresses of one type that a resolver gives for host. */
static int
lookup(const struct xfed_peer *resolver, const ldns_rdf *host,
    ldns_rr_type type, char ***addrs, size_t *n, char *why, size_t wlen)
{
	struct xfed_exchange ex;
	const ldns_rr_list *an;
	ldns_pkt *q;
	size_t i;
	int rc;

	q = ldns_pkt_query_new(ldns_rdf_clone(host), type, LDNS_RR_CLASS_IN,
	    LDNS_RD);
	if (q == NULL)
		return XFED_ENOMEM;
	rc = xfed_dns_exchange(resolver, q, &ex);
	ldns_pkt_free(q);
	if (rc != 0) {
		snprintf(why, wlen, "%s", ex.detail);
		xfed_exchange_clear(&ex);
		return rc;
	}
	an = ldns_pkt_answer(ex.answer);
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) != 1)
			continue;
		*addrs = xreallocarray(*addrs, *n + 1, sizeof(char *));
		(*addrs)[(*n)++] = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	}
	xfed_exchange_clear(&ex);
	return 0;
}

int
xfed_discover_addresses(const struct xfed_peer *resolvers, size_t nresolvers,
    const ldns_rdf *host, char ***addrs, size_t *naddrs, char *detail,
    size_t dlen)
{
	char why[320] = "no resolver configured";
	size_t i;
	char *h;

	*addrs = NULL;
	*naddrs = 0;
	for (i = 0; i < nresolvers; i++) {
		if (lookup(&resolvers[i], host, LDNS_RR_TYPE_AAAA, addrs,
		    naddrs, why, sizeof(why)) == 0 &&
		    lookup(&resolvers[i], host, LDNS_RR_TYPE_A, addrs, naddrs,
		    why, sizeof(why)) == 0)
			break;
	}
	if (*naddrs > 0)
		return 0;
	h = ldns_rdf2str(host);
	snprintf(detail, dlen, "primary %s has no address: %s", h,
	    i < nresolvers ? "no A or AAAA record" : why);
	free(h);
	return XFED_ENOZONE;
}

/* "ADDR" or "ADDR@PORT". */
static int
parse_resolver(const char *spec, struct xfed_peer *peer)
{
	char ip[64];
	const char *at = strrchr(spec, '@');
	unsigned long port = 53;
	size_t len = at != NULL ? (size_t)(at - spec) : strlen(spec);

	if (len >= sizeof(ip))
		return XFED_EINVAL;
	memcpy(ip, spec, len);
	ip[len] = '\0';
	if (at != NULL)
		port = strtoul(at + 1, NULL, 10);
	if (port == 0 || port > 65535)
		return XFED_EINVAL;
	return xfed_peer_init(peer, ip, (uint16_t)port, NULL,
	    XFED_TRANSPORT_AUTO, RESOLVER_TIMEOUT, RESOLVER_RETRIES);
}

static int
system_resolvers(struct xfed_peer **peers, size_t *npeers)
{
	ldns_resolver *res = NULL;
	ldns_rdf **ns;
	size_t i;
	char *ip;

	if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK)
		return XFED_ENOZONE;
	ns = ldns_resolver_nameservers(res);
	*peers = xcalloc(ldns_resolver_nameserver_count(res),
	    sizeof(**peers));
	for (i = 0; i < ldns_resolver_nameserver_count(res); i++) {
		ip = ldns_rdf2str(ns[i]);
		if (xfed_peer_init(&(*peers)[*npeers], ip, 53, NULL,
		    XFED_TRANSPORT_AUTO, RESOLVER_TIMEOUT,
		    RESOLVER_RETRIES) == 0)
			(*npeers)++;
		free(ip);
	}
	ldns_resolver_deep_free(res);
	return 0;
}

int
xfed_resolver_peers(char **resolvers, size_t n, struct xfed_peer **peers,
    size_t *npeers)
{
	size_t i;

	*peers = NULL;
	*npeers = 0;
	if (n == 0)
		return system_resolvers(peers, npeers);
	*peers = xcalloc(n, sizeof(**peers));
	for (i = 0; i < n; i++) {
		if (parse_resolver(resolvers[i], &(*peers)[i]) != 0) {
			free(*peers);
			*peers = NULL;
			return XFED_EINVAL;
		}
	}
	*npeers = n;
	return 0;
}
