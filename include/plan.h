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
 *    server rewrites the TTL of the whole RRset); a marker alone in its
 *    TXT RRset follows the declared TTL.
 *  - Make before break: an SRV RRset is only pointed at a target whose
 *    addresses are in place (see struct xfed_plan_ctx), and an owned
 *    host's addresses are only removed once no SRV record names it.
 */
#ifndef XFED_PLAN_H
#define XFED_PLAN_H

#include <stdbool.h>
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

/*
 * Something the plan leaves as it is for now, with why: an SRV RRset not
 * pointed at a target whose addresses are not in place (failure: the
 * zone is not in sync), or a host's addresses kept because an SRV record
 * still names it (a note: they go once nothing does).
 */
struct xfed_hold {
	ldns_rdf	*name;
	char		*reason;
	bool		 failure;
};

/* An SRV target in the zone once the plan is applied, and one SRV naming it. */
struct xfed_srv_use {
	ldns_rdf	*target;
	ldns_rdf	*owner;
};

enum xfed_target_state {
	XFED_TARGET_READY,	/* its addresses are in place (read, or sent first) */
	XFED_TARGET_PENDING,	/* not known yet in this sync: decide later */
	XFED_TARGET_NOT_READY,	/* why says why */
};

enum xfed_usage {
	XFED_USAGE_UNUSED,	/* no SRV record outside this zone names it */
	XFED_USAGE_USED,	/* why: which SRV record names it */
	XFED_USAGE_PENDING,	/* not known yet in this sync: decide later */
	XFED_USAGE_UNKNOWN,	/* cannot be known in this sync (why) */
};

/*
 * What the sync engine knows beyond this zone.  target: the state of an
 * SRV target that this plan does not hold as a declared host (it lives in
 * another zone).  usage: whether SRV records outside this zone name a host
 * whose addresses this plan would remove.  *why, when set, is malloc'd.
 * Without a context (unit tests), every target is ready and no outside
 * SRV names any host.
 */
struct xfed_plan_ctx {
	enum xfed_target_state (*target)(const ldns_rdf *host, char **why,
	    void *arg);
	enum xfed_usage	(*usage)(const ldns_rdf *host, char **why, void *arg);
	void		*arg;
};

struct xfed_plan {
	ldns_rdf		*zone;
	struct xfed_change	*changes;	/* sorted by phase, then name */
	size_t			 n_changes;
	struct xfed_conflict	*conflicts;
	size_t			 n_conflicts;
	/*
	 * Records that exist now and will not exist afterwards with the same
	 * RDATA, ownership markers included: what max-deletes limits.  A
	 * TTL-only change is not a deletion.
	 */
	size_t			 deletes;
	/* Names that will carry our marker once applied (0: zone is free). */
	size_t			 n_owned_after;
	struct xfed_hold	*holds;
	size_t			 n_holds;
	/* Changes put off because the context answered "pending". */
	size_t			 n_pending;
	/* Distinct SRV targets once applied (any SRV record in the zone). */
	struct xfed_srv_use	*uses;
	size_t			 n_uses;
};

/*
 * Plan one zone, with what the engine knows of other zones (ctx may be
 * NULL).  names are the declared owned names inside this zone
 * (n may be 0: then only removals), their names in canonical (lower-case)
 * form as xfed_desired_build makes them; live is every RR read from the
 * zone, in any case.
 * Returns 0 and a plan (possibly with no changes), or XFED_ENOMEM.
 */
int	 xfed_plan_zone(const ldns_rdf *zone, const struct xfed_owned *names,
	    size_t n, const ldns_rr_list *live, const char *owner,
	    struct xfed_plan **out);
int	 xfed_plan_zone_ctx(const ldns_rdf *zone,
	    const struct xfed_owned *names, size_t n, const ldns_rr_list *live,
	    const char *owner, const struct xfed_plan_ctx *ctx,
	    struct xfed_plan **out);
void	 xfed_plan_free(struct xfed_plan *plan);

/* The plan as text: "- RR" then "+ RR" lines, one record per line. */
void	 xfed_plan_print(FILE *f, const struct xfed_plan *plan);

/* One RR in presentation format on one line, single spaces, malloc'd. */
char	*xfed_rr_to_line(const ldns_rr *rr);

#endif
