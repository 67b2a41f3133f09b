/*
 * Zone and primary discovery, as nsupdate does it: ask for the SOA of the
 * name and take the zone from the SOA in the answer or authority section
 * (walking up a label when neither has one); then the primary is the SOA
 * MNAME, resolved to A and AAAA.  A configured zone or server always wins
 * over discovery; ldns_update_soa_zone_mname() is not used because it
 * resolves over IPv4 only and sets RD towards authoritative servers.
 */
#ifndef XFED_DISCOVER_H
#define XFED_DISCOVER_H

#include <stdbool.h>

#include <ldns/ldns.h>

#include "dns.h"

/*
 * Find the zone holding name by asking each of peers in turn (recursive
 * sets RD, for resolvers).  0 with *zone and *mname set (caller frees);
 * XFED_ETIMEOUT / XFED_ENETWORK / XFED_EREFUSED when no peer answered at
 * all (the detail then says why, in the words of fault.h); else
 * XFED_ENOZONE.  The reasons are in detail.
 */
int	xfed_discover_zone(const struct xfed_peer *peers, size_t npeers,
	    bool recursive, const ldns_rdf *name, ldns_rdf **zone,
	    ldns_rdf **mname, char *detail, size_t dlen);

/*
 * Resolve host to its IPv6 and IPv4 addresses through resolvers; *addrs is
 * a malloc'd array of malloc'd literals.  0, or XFED_ENOZONE with detail.
 */
int	xfed_discover_addresses(const struct xfed_peer *resolvers,
	    size_t nresolvers, const ldns_rdf *host, char ***addrs,
	    size_t *naddrs, char *detail, size_t dlen);

/* Peers for the configured resolvers, or else /etc/resolv.conf's. */
int	xfed_resolver_peers(char **resolvers, size_t n, struct xfed_peer **peers,
	    size_t *npeers);

#endif
