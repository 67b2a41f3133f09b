/*
 * Proxy hosts that are aliases (CNAME), which RFC 2782 forbids as SRV
 * targets.  Asked of each host's primary before any zone is planned: the
 * SRV records that name a host live in other zones, which cannot see it
 * for themselves.
 */
#include <stdlib.h>

#include <ldns/ldns.h>

#include "desired.h"
#include "dns.h"
#include "syncrun.h"
#include "util.h"

/*
 * Is this declared SRV name pointing at a host that is an alias?  The
 * reason, malloc'd, or NULL.
 */
char *
xfed_alias_block(struct run *r, const struct xfed_owned *o)
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
void
xfed_find_aliases(struct run *r)
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
