/*
 * Planning: the declared records of one zone against what was read from it,
 * giving the RFC 2136 prerequisites and updates that converge it.  Pure: no
 * I/O, so every case is unit-tested without a server.
 *
 * Rules (the contract's "Ownership" section):
 *  - RRset granularity: an owned RRset is replaced whole, with one TTL; a
 *    live RRset whose TTLs differ from the declared TTL (or from each other)
 *    is replaced.  Names and RDATA compare case-insensitively.
 *  - A name is ours when its TXT RRset holds our marker.  An owned-type
 *    RRset (SRV, or A/AAAA) at a name without our marker, a CNAME at an
 *    owned name, or another owner's marker is a conflict: reported, the
 *    name left untouched.
 *  - A name with our marker that the configuration no longer declares has
 *    its owned RRsets and its marker removed.
 *  - Every change carries prerequisites equal to what was read (the whole
 *    RRset with class IN and TTL 0, or "RRset does not exist"), for the
 *    RRsets it touches and for the TXT RRset, plus "no CNAME": it applies
 *    only if nobody changed those names since the read.
 *  - A marker added beside a foreign TXT RRset takes that RRset's TTL (the
 *    server rewrites the TTL of the whole RRset).
 */
#ifndef XFED_PLAN_H
#define XFED_PLAN_H

#include <stdio.h>

#include <ldns/ldns.h>

#include "desired.h"

/* Order in which changes are sent when a plan spans several messages. */
enum xfed_phase {
	XFED_PHASE_ADDR_UPSERT,		/* addresses first, so SRV never dangles */
	XFED_PHASE_SRV_UPSERT,
	XFED_PHASE_SRV_DELETE,		/* SRV removed before the addresses */
	XFED_PHASE_ADDR_DELETE,
};

/* All changes at one owner name: sent together, never split. */
struct xfed_change {
	ldns_rdf	*name;
	enum xfed_phase	 phase;
	ldns_rr_list	*prereq;	/* RFC 2136 prerequisite section RRs */
	ldns_rr_list	*update;	/* RFC 2136 update section RRs */
	ldns_rr_list	*added;		/* RRs that will exist (for display/audit) */
	ldns_rr_list	*removed;	/* RRs that will be gone */
	size_t		 deletes;	/* records really removed (see plan.deletes) */
};

struct xfed_conflict {
	ldns_rdf	*name;
	char		*reason;	/* e.g. "SRV RRset exists without ownership marker" */
};

struct xfed_plan {
	ldns_rdf		*zone;
	struct xfed_change	*changes;	/* sorted by phase, then name */
	size_t			 n_changes;
	struct xfed_conflict	*conflicts;
	size_t			 n_conflicts;
	/*
	 * Declared-type records (markers excluded) that exist now and will not
	 * exist afterwards with the same RDATA: what max-deletes limits.  A
	 * TTL-only change is not a deletion.
	 */
	size_t			 deletes;
	/* Names that will carry our marker once applied (0: zone is free). */
	size_t			 n_owned_after;
};

/*
 * Plan one zone.  names are the declared owned names inside this zone
 * (n may be 0: then only removals), their names in canonical (lower-case)
 * form as xfed_desired_build makes them; live is every RR read from the
 * zone, in any case.
 * Returns 0 and a plan (possibly with no changes), or XFED_ENOMEM.
 */
int	 xfed_plan_zone(const ldns_rdf *zone, const struct xfed_owned *names,
	    size_t n, const ldns_rr_list *live, const char *owner,
	    struct xfed_plan **out);
void	 xfed_plan_free(struct xfed_plan *plan);

/* The plan as text: "- RR" then "+ RR" lines, one record per line. */
void	 xfed_plan_print(FILE *f, const struct xfed_plan *plan);

/* One RR in presentation format on one line, single spaces, malloc'd. */
char	*xfed_rr_to_line(const ldns_rr *rr);

#endif
