/*
 * What the configuration declares, as DNS records, before any zone is known.
 *
 * Each owned name is either an SRV name (_xmpp-server._tcp.<domain>, and
 * _xmpps-server._tcp.<domain> for direct TLS) carrying one SRV record per
 * proxy, or a proxy host carrying its A and AAAA records.  A proxy host used
 * by several domains appears once; a proxy no domain uses, or one declared
 * without addresses, is not an owned name (its addresses are not managed).
 */
#ifndef XFED_DESIRED_H
#define XFED_DESIRED_H

#include <ldns/ldns.h>

#include "config.h"

enum xfed_name_kind {
	XFED_NAME_SRV,		/* owns the SRV RRset */
	XFED_NAME_HOST,		/* owns the A and AAAA RRsets */
};

struct xfed_owned {
	ldns_rdf			*name;		/* owner name */
	enum xfed_name_kind		 kind;
	ldns_rr_list			*rrs;		/* desired RRs, marker excluded */
	uint32_t			 ttl;		/* TTL of rrs */
	const char			*zone;		/* configured zone, or NULL */
	const struct xfed_server	*server;	/* configured server, or NULL */
	const char			*origin;	/* e.g. "domain contoso.com." */
	/*
	 * Set by the engine when the name must not be touched this time
	 * (e.g. an SRV target turned out to be a CNAME): the planner
	 * reports this reason as a conflict and leaves the name alone.
	 */
	const char			*blocked;
	/*
	 * Set by the engine on a declared name whose zone is not known this
	 * time (discovery failed): it is planned nowhere, but no zone may
	 * take it for undeclared and remove what it holds.
	 */
	bool				 elsewhere;
};

struct xfed_desired {
	struct xfed_owned	*names;
	size_t			 n;
};

/* Returns 0, or XFED_ENOMEM.  Names appear in a stable order. */
int	 xfed_desired_build(const struct xfed_config *cfg,
	    struct xfed_desired **out);
void	 xfed_desired_free(struct xfed_desired *d);

/* The kind of an owned name found in a zone, judged by its first labels. */
enum xfed_name_kind xfed_name_kind_of(const ldns_rdf *name);

/*
 * The ownership marker: a TXT record at each owned name whose single string
 * is "heritage=xfed,owner=<owner>".
 */
ldns_rr	*xfed_marker_new(const ldns_rdf *name, const char *owner, uint32_t ttl);

/*
 * Classify a TXT record: 1 when it is our marker (same owner tag), -1 when
 * it is the marker of another xfed owner, 0 when it is no marker at all.
 * For -1, when other_owner is not NULL it receives a malloc'd copy of the
 * other owner's tag.
 */
int	 xfed_marker_match(const ldns_rr *txt, const char *owner,
	    char **other_owner);

#endif
