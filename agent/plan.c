/*
 * Planning: declared owned names against the live zone, giving RFC 2136
 * prerequisites and updates.  Pure: no I/O.  The rules are in plan.h.
 *
 * Live RRs are compared through lower-cased copies (ldns_rr2canonical), so
 * a server that changes the case of owner names or SRV targets never makes
 * the plan flap; what goes into prerequisites is the RR as it was read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "desired.h"
#include "error.h"
#include "plan.h"
#include "util.h"

struct live_rr {
	ldns_rr		*canon;		/* lower-cased copy, or orig itself */
	const ldns_rr	*orig;		/* as read, borrowed */
};

/* The in-zone live RRs, sorted by owner, type and RDATA, no duplicates. */
struct live {
	struct live_rr	*rr;
	size_t		 n;
};

/* One RRset: a run of the sorted live array. */
struct rrset {
	const struct live_rr	*rr;
	size_t			 n;
};

/* A declared host planned in this zone: may SRV records name it now? */
struct local_host {
	const ldns_rdf	*name;		/* canonical, borrowed */
	char		*conflict;	/* why not, or NULL: its addresses go first */
};

/* One planning pass over a zone. */
struct pass {
	struct xfed_plan		*plan;
	const struct live		*lv;
	const char			*owner;
	const struct xfed_plan_ctx	*ctx;
	struct local_host		*hosts;		/* sorted by name */
	size_t				 nhosts;
};

static const ldns_rr_type srv_types[] = { LDNS_RR_TYPE_SRV };
static const ldns_rr_type host_types[] = { LDNS_RR_TYPE_A,
    LDNS_RR_TYPE_AAAA };

static const ldns_rr_type *
owned_types(enum xfed_name_kind kind, size_t *n)
{
	if (kind == XFED_NAME_SRV) {
		*n = sizeof(srv_types) / sizeof(srv_types[0]);
		return srv_types;
	}
	*n = sizeof(host_types) / sizeof(host_types[0]);
	return host_types;
}

static const char *
type_name(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_SRV:
		return "SRV";
	case LDNS_RR_TYPE_A:
		return "A";
	case LDNS_RR_TYPE_AAAA:
		return "AAAA";
	default:
		return "owned";
	}
}

/* RDATA equality; both RRs must be in canonical (lower-case) form. */
static int
rdata_cmp(const ldns_rr *a, const ldns_rr *b)
{
	size_t i, na = ldns_rr_rd_count(a), nb = ldns_rr_rd_count(b);
	int c;

	if (na != nb)
		return na < nb ? -1 : 1;
	for (i = 0; i < na; i++) {
		c = ldns_rdf_compare(ldns_rr_rdf(a, i), ldns_rr_rdf(b, i));
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * Order names by their wire octets.  Every name compared this way is in
 * canonical (lower-case) form, so "equal" means the same name; the order
 * is not DNS canonical order, just a fast total order for sorting and
 * searching.  ldns_dname_compare, which walks labels and folds case, took
 * a third of the time of a 10,000-name plan.
 */
static int
name_cmp(const ldns_rdf *a, const ldns_rdf *b)
{
	size_t la = ldns_rdf_size(a), lb = ldns_rdf_size(b);
	int c = memcmp(ldns_rdf_data(a), ldns_rdf_data(b), la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static int
key_cmp(const ldns_rr *rr, const ldns_rdf *name, ldns_rr_type type)
{
	int c;

	if ((c = name_cmp(ldns_rr_owner(rr), name)) != 0)
		return c;
	if (ldns_rr_get_type(rr) != type)
		return ldns_rr_get_type(rr) < type ? -1 : 1;
	return 0;
}

static int
live_rr_cmp(const void *va, const void *vb)
{
	const ldns_rr *a = ((const struct live_rr *)va)->canon;
	const ldns_rr *b = ((const struct live_rr *)vb)->canon;
	int c;

	if ((c = key_cmp(a, ldns_rr_owner(b), ldns_rr_get_type(b))) != 0)
		return c;
	return rdata_cmp(a, b);
}

static void
live_free(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n; i++)
		if (lv->rr[i].canon != lv->rr[i].orig)
			ldns_rr_free(lv->rr[i].canon);
	free(lv->rr);
	lv->rr = NULL;
	lv->n = 0;
}

/*
 * Is name the zone or below it?  Both are canonical (lower case), so the
 * zone must be the name's wire tail, starting at a label boundary; this
 * runs once per record read, where ldns_dname_is_subdomain was costly.
 */
static bool
in_zone(const ldns_rdf *name, const ldns_rdf *zone)
{
	const uint8_t *n = ldns_rdf_data(name);
	size_t nl = ldns_rdf_size(name), zl = ldns_rdf_size(zone), i = 0;

	while (i < nl && nl - i > zl) {
		if (n[i] == 0)
			return false;
		i += (size_t)n[i] + 1;
	}
	return i < nl && nl - i == zl &&
	    memcmp(n + i, ldns_rdf_data(zone), zl) == 0;
}

static bool
has_upper(const ldns_rdf *rdf)
{
	const uint8_t *p = ldns_rdf_data(rdf);
	size_t i;

	for (i = 0; i < ldns_rdf_size(rdf); i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	return false;
}

/*
 * Is rr already in canonical form (RFC 4034 6.2: owner and the domain
 * names in its RDATA lower case)?  Then it needs no lower-cased copy.
 */
static bool
is_canonical(const ldns_rr *rr)
{
	size_t i;

	if (has_upper(ldns_rr_owner(rr)))
		return false;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);

		if (f != NULL && ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME &&
		    has_upper(f))
			return false;
	}
	return true;
}

/* Keep only what lies inside the zone, canonicalised, sorted, unique. */
static int
live_build(const ldns_rdf *zone, const ldns_rr_list *live, struct live *lv)
{
	ldns_rdf *zc;
	ldns_rr *rr, *c;
	size_t i, j, n = live == NULL ? 0 : ldns_rr_list_rr_count(live);

	lv->rr = xcalloc(n, sizeof(*lv->rr));
	lv->n = 0;
	if ((zc = ldns_rdf_clone(zone)) == NULL)
		return XFED_ENOMEM;
	ldns_dname2canonical(zc);
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(live, i);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		if (is_canonical(rr)) {
			/* Most records already are: compare them as read. */
			c = (ldns_rr *)rr;
		} else if ((c = ldns_rr_clone(rr)) == NULL) {
			ldns_rdf_deep_free(zc);
			return XFED_ENOMEM;
		} else
			ldns_rr2canonical(c);
		if (!in_zone(ldns_rr_owner(c), zc)) {
			if (c != rr)
				ldns_rr_free(c);
			continue;
		}
		lv->rr[lv->n].canon = c;
		lv->rr[lv->n].orig = rr;
		lv->n++;
	}
	ldns_rdf_deep_free(zc);
	if (lv->n == 0)
		return XFED_OK;
	qsort(lv->rr, lv->n, sizeof(*lv->rr), live_rr_cmp);
	/* A transfer may repeat records (the SOA does): keep the first. */
	for (i = 1, j = 0; i < lv->n; i++) {
		if (live_rr_cmp(&lv->rr[i], &lv->rr[j]) == 0) {
			if (lv->rr[i].canon != lv->rr[i].orig)
				ldns_rr_free(lv->rr[i].canon);
			continue;
		}
		lv->rr[++j] = lv->rr[i];
	}
	lv->n = j + 1;
	return XFED_OK;
}

/* The RRset of type at name (possibly empty). */
static struct rrset
live_rrset(const struct live *lv, const ldns_rdf *name, ldns_rr_type type)
{
	struct rrset s;
	size_t lo = 0, hi = lv->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_cmp(lv->rr[mid].canon, name, type) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s.rr = lv->rr + lo;
	s.n = 0;
	while (lo + s.n < lv->n &&
	    key_cmp(lv->rr[lo + s.n].canon, name, type) == 0)
		s.n++;
	return s;
}

static bool
rrset_has(const struct rrset *s, const ldns_rr *canon)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (rdata_cmp(s->rr[i].canon, canon) == 0)
			return true;
	return false;
}

static bool
list_has(const ldns_rr_list *l, const ldns_rr *canon)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (rdata_cmp(ldns_rr_list_rr(l, i), canon) == 0)
			return true;
	return false;
}

/* Append rr to l, taking it; a NULL rr is an allocation that failed. */
static int
push(ldns_rr_list *l, ldns_rr *rr)
{
	if (rr == NULL)
		return XFED_ENOMEM;
	if (!ldns_rr_list_push_rr(l, rr)) {
		ldns_rr_free(rr);
		return XFED_ENOMEM;
	}
	return XFED_OK;
}

static ldns_rr *
rr_copy(const ldns_rr *rr, ldns_rr_class cls, uint32_t ttl)
{
	ldns_rr *c;

	if ((c = ldns_rr_clone(rr)) == NULL)
		return NULL;
	ldns_rr_set_class(c, cls);
	ldns_rr_set_ttl(c, ttl);
	return c;
}

/*
 * A data-less RFC 2136 RR (NONE/T "RRset does not exist", ANY/T "delete
 * RRset").  ldns_rr_new_frm_str() cannot express these, and ldns_rr_new()
 * defaults the TTL to 3600, which a server answers with FORMERR.
 */
static ldns_rr *
meta_rr(const ldns_rdf *name, ldns_rr_type type, ldns_rr_class cls)
{
	ldns_rr *rr;
	ldns_rdf *owner;

	if ((owner = ldns_rdf_clone(name)) == NULL)
		return NULL;
	if ((rr = ldns_rr_new()) == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

/* "The RRset is exactly as read": the whole RRset, or its absence. */
static int
prereq_as_read(ldns_rr_list *prereq, const struct rrset *s,
    const ldns_rdf *name, ldns_rr_type type)
{
	size_t i;
	int rc;

	if (s->n == 0)
		return push(prereq, meta_rr(name, type, LDNS_RR_CLASS_NONE));
	for (i = 0; i < s->n; i++) {
		rc = push(prereq, rr_copy(s->rr[i].orig, LDNS_RR_CLASS_IN, 0));
		if (rc != XFED_OK)
			return rc;
	}
	return XFED_OK;
}

/*
 * The TXT RRset beside an owned name is where ownership is proven, and
 * others may keep their own TXT records there.  As long as it is small,
 * the prerequisite is the RRset exactly as read (RFC 2136 2.4.2), which
 * catches everything: our marker removed, another owner's marker added,
 * the foreign records' TTL changed (a marker we add takes that TTL).
 *
 * But a value-dependent prerequisite carries the whole RRset, and a
 * co-tenant's TXT can hold 64 KB that the server accepts: every change at
 * that name would then exceed the message, for good.  Past TXT_GUARD_MAX
 * octets of RDATA the prerequisite becomes "a TXT RRset exists" (2.4.1),
 * whose size does not depend on anyone's data.  What it still catches:
 * the TXT RRset gone (our marker and everything beside it).  What it no
 * longer catches, in the moment between read and update, is a lone marker
 * swapped beside foreign data; the owned RRsets keep their value-dependent
 * prerequisites, so any change to the records themselves still fails the
 * update, and the next read sees the markers as they are.
 */
#define TXT_GUARD_MAX	2048

static size_t
rrset_rdata_size(const struct rrset *s)
{
	size_t i, k, n = 0;

	for (i = 0; i < s->n; i++)
		for (k = 0; k < ldns_rr_rd_count(s->rr[i].orig); k++)
			n += ldns_rdf_size(ldns_rr_rdf(s->rr[i].orig, k));
	return n;
}

static int
prereq_txt(ldns_rr_list *prereq, const struct rrset *txt,
    const ldns_rdf *name)
{
	if (rrset_rdata_size(txt) <= TXT_GUARD_MAX)
		return prereq_as_read(prereq, txt, name, LDNS_RR_TYPE_TXT);
	return push(prereq, meta_rr(name, LDNS_RR_TYPE_TXT,
	    LDNS_RR_CLASS_ANY));
}

static int
change_init(struct xfed_change *ch, const ldns_rdf *name,
    enum xfed_phase phase)
{
	memset(ch, 0, sizeof(*ch));
	ch->phase = phase;
	if ((ch->name = ldns_rdf_clone(name)) == NULL)
		return XFED_ENOMEM;
	ldns_dname2canonical(ch->name);
	if ((ch->prereq = ldns_rr_list_new()) == NULL ||
	    (ch->update = ldns_rr_list_new()) == NULL ||
	    (ch->added = ldns_rr_list_new()) == NULL ||
	    (ch->removed = ldns_rr_list_new()) == NULL)
		return XFED_ENOMEM;
	return XFED_OK;
}

static void
change_clear(struct xfed_change *ch)
{
	ldns_rdf_deep_free(ch->name);
	ldns_rr_list_deep_free(ch->prereq);
	ldns_rr_list_deep_free(ch->update);
	ldns_rr_list_free(ch->added);		/* borrowed from update */
	ldns_rr_list_deep_free(ch->removed);
	memset(ch, 0, sizeof(*ch));
}

/* The plan takes ch; an empty change is dropped instead. */
static void
plan_take_change(struct xfed_plan *plan, struct xfed_change *ch)
{
	if (ldns_rr_list_rr_count(ch->update) == 0) {
		change_clear(ch);
		return;
	}
	plan->changes = xreallocarray(plan->changes, plan->n_changes + 1,
	    sizeof(*plan->changes));
	plan->changes[plan->n_changes++] = *ch;
	plan->deletes += ch->deletes;
	memset(ch, 0, sizeof(*ch));
}

static int
plan_conflict(struct xfed_plan *plan, const ldns_rdf *name, char *reason)
{
	struct xfed_conflict *c;

	plan->conflicts = xreallocarray(plan->conflicts, plan->n_conflicts + 1,
	    sizeof(*plan->conflicts));
	c = &plan->conflicts[plan->n_conflicts];
	if ((c->name = ldns_rdf_clone(name)) == NULL) {
		free(reason);
		return XFED_ENOMEM;
	}
	ldns_dname2canonical(c->name);
	c->reason = reason;
	plan->n_conflicts++;
	return XFED_OK;
}

/* What the TXT RRset at a name says about ownership. */
struct marks {
	bool	 ours;
	char	*other;		/* first foreign owner tag, or NULL */
};

static void
read_marks(const struct rrset *txt, const char *owner, struct marks *m)
{
	size_t i;
	char *tag;

	m->ours = false;
	m->other = NULL;
	for (i = 0; i < txt->n; i++) {
		switch (xfed_marker_match(txt->rr[i].orig, owner, &tag)) {
		case 1:
			m->ours = true;
			break;
		case -1:
			if (m->other == NULL)
				m->other = tag;
			else
				free(tag);
			break;
		default:
			break;
		}
	}
}

/*
 * Why a declared name must be left alone, as a malloc'd reason, or NULL
 * when it may be planned.
 */
static char *
declared_conflict(const struct xfed_owned *o, const struct live *lv,
    const ldns_rdf *name, const struct marks *m)
{
	const ldns_rr_type *types;
	struct rrset s;
	size_t i, nt;

	s = live_rrset(lv, name, LDNS_RR_TYPE_CNAME);
	if (s.n > 0) {
		if (o->kind == XFED_NAME_SRV)
			return xstrdup("CNAME exists at SRV name");
		/* RFC 2782: an SRV target must not be an alias. */
		return xstrdup("proxy host is a CNAME");
	}
	if (m->other != NULL)
		return xasprintf("name carries the marker of another owner "
		    "\"%s\"", m->other);
	if (m->ours)
		return NULL;
	types = owned_types(o->kind, &nt);
	for (i = 0; i < nt; i++) {
		s = live_rrset(lv, name, types[i]);
		if (s.n > 0)
			return xasprintf("%s RRset exists without ownership "
			    "marker", type_name(types[i]));
	}
	return NULL;
}

/* Canonical copies of the declared RRs of one type. */
static int
wanted_of_type(const struct xfed_owned *o, ldns_rr_type type,
    ldns_rr_list **out)
{
	ldns_rr_list *l;
	ldns_rr *rr;
	size_t i;
	int rc;

	if ((l = ldns_rr_list_new()) == NULL)
		return XFED_ENOMEM;
	for (i = 0; i < ldns_rr_list_rr_count(o->rrs); i++) {
		rr = ldns_rr_list_rr(o->rrs, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		if ((rr = ldns_rr_clone(rr)) != NULL)
			ldns_rr2canonical(rr);
		if ((rc = push(l, rr)) != XFED_OK) {
			ldns_rr_list_deep_free(l);
			return rc;
		}
	}
	*out = l;
	return XFED_OK;
}

static bool
ttls_are(const struct rrset *s, uint32_t ttl)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ldns_rr_ttl(s->rr[i].orig) != ttl)
			return false;
	return true;
}

/*
 * Display lists for a replaced RRset: only the records that come and go,
 * unless the TTL changes, which rewrites every record of the RRset.
 */
static int
note_replacement(struct xfed_change *ch, const struct xfed_owned *o,
    ldns_rr_type type, const struct rrset *s, const ldns_rr_list *want,
    bool whole, size_t first)
{
	const ldns_rr *rr;
	size_t i, k = 0;
	int rc;

	for (i = 0; i < s->n; i++) {
		if (list_has(want, s->rr[i].canon)) {
			if (!whole)
				continue;
		} else
			ch->deletes++;
		rc = push(ch->removed, ldns_rr_clone(s->rr[i].orig));
		if (rc != XFED_OK)
			return rc;
	}
	/* want holds the declared RRs of this type, in the same order. */
	for (i = 0; i < ldns_rr_list_rr_count(o->rrs); i++) {
		rr = ldns_rr_list_rr(o->rrs, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		/* added borrows the update's own record: no copy. */
		if (whole || !rrset_has(s, ldns_rr_list_rr(want, k)))
			if (!ldns_rr_list_push_rr(ch->added,
			    ldns_rr_list_rr(ch->update, first + k)))
				return XFED_ENOMEM;
		k++;
	}
	return XFED_OK;
}

/* Replace the RRset of one owned type when it differs from the declared. */
static int
plan_type(struct xfed_change *ch, const struct xfed_owned *o,
    const struct live *lv, ldns_rr_type type)
{
	ldns_rr_list *want;
	const ldns_rr *rr;
	struct rrset s;
	bool same_data, same_ttl;
	size_t i, nwant, first;
	int rc;

	s = live_rrset(lv, ch->name, type);
	if ((rc = wanted_of_type(o, type, &want)) != XFED_OK)
		return rc;
	nwant = ldns_rr_list_rr_count(want);
	same_data = nwant == s.n;
	for (i = 0; same_data && i < nwant; i++)
		same_data = rrset_has(&s, ldns_rr_list_rr(want, i));
	same_ttl = ttls_are(&s, o->ttl);
	if (same_data && same_ttl)
		goto done;

	if ((rc = prereq_as_read(ch->prereq, &s, ch->name, type)) != XFED_OK)
		goto done;
	if (s.n > 0 && (rc = push(ch->update, meta_rr(ch->name, type,
	    LDNS_RR_CLASS_ANY))) != XFED_OK)
		goto done;
	first = ldns_rr_list_rr_count(ch->update);
	for (i = 0; i < ldns_rr_list_rr_count(o->rrs); i++) {
		rr = ldns_rr_list_rr(o->rrs, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		rc = push(ch->update, rr_copy(rr, LDNS_RR_CLASS_IN, o->ttl));
		if (rc != XFED_OK)
			goto done;
	}
	rc = note_replacement(ch, o, type, &s, want, !same_ttl, first);
done:
	ldns_rr_list_deep_free(want);
	return rc;
}

/* Add our marker; beside a foreign TXT RRset it must take that TTL. */
static int
plan_marker(struct xfed_change *ch, const struct xfed_owned *o,
    const struct rrset *txt, const char *owner)
{
	uint32_t ttl = txt->n > 0 ? ldns_rr_ttl(txt->rr[0].orig) : o->ttl;
	int rc;

	if ((rc = push(ch->update, xfed_marker_new(ch->name, owner,
	    ttl))) != XFED_OK)
		return rc;
	if (!ldns_rr_list_push_rr(ch->added, ldns_rr_list_rr(ch->update,
	    ldns_rr_list_rr_count(ch->update) - 1)))
		return XFED_ENOMEM;
	return XFED_OK;
}

/*
 * Our marker alone in its TXT RRset follows the declared TTL, as the
 * records beside it do.  Beside foreign TXT records it keeps theirs: the
 * RRset has one TTL, and theirs is not ours to change.
 */
static int
plan_marker_ttl(struct xfed_change *ch, const struct xfed_owned *o,
    const struct rrset *txt)
{
	const ldns_rr *old;
	int rc;

	if (txt->n != 1 || ldns_rr_ttl(txt->rr[0].orig) == o->ttl)
		return XFED_OK;
	old = txt->rr[0].orig;
	if ((rc = push(ch->update, rr_copy(old, LDNS_RR_CLASS_NONE, 0))) !=
	    XFED_OK)
		return rc;
	if ((rc = push(ch->update, rr_copy(old, LDNS_RR_CLASS_IN,
	    o->ttl))) != XFED_OK)
		return rc;
	if ((rc = push(ch->removed, ldns_rr_clone(old))) != XFED_OK)
		return rc;
	if (!ldns_rr_list_push_rr(ch->added, ldns_rr_list_rr(ch->update,
	    ldns_rr_list_rr_count(ch->update) - 1)))
		return XFED_ENOMEM;
	return XFED_OK;
}

/* Does any live RR have this owner? */
static bool
name_in_use(const struct live *lv, const ldns_rdf *name)
{
	size_t lo = 0, hi = lv->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (name_cmp(ldns_rr_owner(lv->rr[mid].canon), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lv->n &&
	    name_cmp(ldns_rr_owner(lv->rr[lo].canon), name) == 0;
}

/*
 * A name that held nothing when read is guarded by one prerequisite,
 * "name is not in use" (RFC 2136 2.4.5), which says all that "no SRV",
 * "no TXT" and "no CNAME" would: a third of the work for the server when
 * thousands of names are created at once.
 */
static int
guard_unused(struct xfed_change *ch)
{
	ldns_rr_list_deep_free(ch->prereq);
	if ((ch->prereq = ldns_rr_list_new()) == NULL)
		return XFED_ENOMEM;
	return push(ch->prereq, meta_rr(ch->name, LDNS_RR_TYPE_ANY,
	    LDNS_RR_CLASS_NONE));
}

/* Guard a change at a name: TXT as read, and no CNAME appeared since. */
static int
guard_name(struct xfed_change *ch, const struct rrset *txt)
{
	int rc;

	if ((rc = prereq_txt(ch->prereq, txt, ch->name)) != XFED_OK)
		return rc;
	return push(ch->prereq, meta_rr(ch->name, LDNS_RR_TYPE_CNAME,
	    LDNS_RR_CLASS_NONE));
}

static int
plan_hold(struct xfed_plan *plan, const ldns_rdf *name, char *reason,
    bool failure)
{
	struct xfed_hold *h;

	plan->holds = xreallocarray(plan->holds, plan->n_holds + 1,
	    sizeof(*plan->holds));
	h = &plan->holds[plan->n_holds];
	if ((h->name = ldns_rdf_clone(name)) == NULL) {
		free(reason);
		return XFED_ENOMEM;
	}
	h->reason = reason;
	h->failure = failure;
	plan->n_holds++;
	return XFED_OK;
}

static int
local_host_cmp(const void *a, const void *b)
{
	return name_cmp(((const struct local_host *)a)->name,
	    ((const struct local_host *)b)->name);
}

static const struct local_host *
local_host_find(const struct pass *ps, const ldns_rdf *name)
{
	struct local_host key = { name, NULL };

	if (ps->nhosts == 0)
		return NULL;
	return bsearch(&key, ps->hosts, ps->nhosts, sizeof(key),
	    local_host_cmp);
}

/* Is t the target of a record of this SRV RRset? */
static bool
srv_names(const struct rrset *srv, const ldns_rdf *t)
{
	size_t i;

	for (i = 0; i < srv->n; i++)
		if (ldns_rr_rd_count(srv->rr[i].canon) == 4 &&
		    name_cmp(ldns_rr_rdf(srv->rr[i].canon, 3), t) == 0)
			return true;
	return false;
}

/*
 * May an SRV record at this name point at t (canonical)?  Yes when it
 * already does (nothing is repointed), when t is a host planned in this
 * zone without conflict (its addresses go in the same or an earlier
 * message, and a message that fails stops the ones after it), or when
 * the engine knows t's addresses are in place.
 */
static enum xfed_target_state
target_state(const struct pass *ps, const struct rrset *srv,
    const ldns_rdf *t, char **why)
{
	const struct local_host *h;

	*why = NULL;
	if (srv_names(srv, t))
		return XFED_TARGET_READY;
	if ((h = local_host_find(ps, t)) != NULL) {
		if (h->conflict == NULL)
			return XFED_TARGET_READY;
		*why = xasprintf("its addresses are not in place (%s)",
		    h->conflict);
		return XFED_TARGET_NOT_READY;
	}
	if (ps->ctx == NULL || ps->ctx->target == NULL)
		return XFED_TARGET_READY;
	return ps->ctx->target(t, why, ps->ctx->arg);
}

/* Append ", NAME" (or "NAME" first) to a growing list in *acc. */
static void
list_append(char **acc, const char *sep, const char *item)
{
	char *s = *acc == NULL ? xstrdup(item) : xasprintf("%s%s%s", *acc,
	    sep, item);

	free(*acc);
	*acc = s;
}

static void
append_rdf(char **acc, const char *sep, const ldns_rdf *name)
{
	char *text = ldns_rdf2str(name);

	list_append(acc, sep, text != NULL ? text : "?");
	free(text);
}

/* The live targets, "a., b.", malloc'd. */
static char *
live_targets(const struct rrset *srv)
{
	char *acc = NULL;
	size_t i;

	for (i = 0; i < srv->n; i++)
		if (ldns_rr_rd_count(srv->rr[i].orig) == 4)
			append_rdf(&acc, ", ", ldns_rr_rdf(srv->rr[i].orig, 3));
	return acc != NULL ? acc : xstrdup("nothing");
}

/* What the gate of one SRV name found. */
struct gate {
	ldns_rr_list	*keep;		/* declared records that may go out */
	char		*held;		/* targets not ready, "a." */
	char		*why;		/* their reasons */
	char		*first;		/* "a.: reason" of the first held */
	size_t		 nheld;
	bool		 pending;	/* a target is not known yet */
	bool		 nomem;
};

static void
gate_target(const struct pass *ps, const struct rrset *srv, ldns_rr *rr,
    struct gate *g)
{
	ldns_rdf *t = ldns_rdf_clone(ldns_rr_rdf(rr, 3));
	char *why = NULL, *name, *line;

	ldns_dname2canonical(t);
	switch (target_state(ps, srv, t, &why)) {
	case XFED_TARGET_READY:
		if (!ldns_rr_list_push_rr(g->keep, rr))
			g->nomem = true;
		break;
	case XFED_TARGET_PENDING:
		g->pending = true;
		break;
	case XFED_TARGET_NOT_READY:
		/* One target: its reason alone; several: each named. */
		name = ldns_rdf2str(t);
		line = xasprintf("%s: %s", name, why != NULL ? why :
		    "its addresses are not in place");
		if (g->held == NULL)
			g->why = xstrdup(why != NULL ? why :
			    "its addresses are not in place");
		else {
			if (g->nheld == 1) {
				free(g->why);
				g->why = xstrdup(g->first);
			}
			list_append(&g->why, "; ", line);
		}
		if (g->held == NULL)
			g->first = xstrdup(line);
		list_append(&g->held, ", ", name);
		g->nheld++;
		free(line);
		free(name);
		break;
	}
	free(why);
	ldns_rdf_deep_free(t);
}

/*
 * Make before break: which declared SRV records of o may be published
 * now.  Returns the records to plan in *keep (borrowed from o->rrs), or
 * NULL when the SRV RRset is to stay as it is this time (a hold, or a
 * target pending in this sync).
 */
static int
gate_srv(struct pass *ps, const struct xfed_owned *o, const ldns_rdf *name,
    ldns_rr_list **keep)
{
	struct rrset srv = live_rrset(ps->lv, name, LDNS_RR_TYPE_SRV);
	struct gate g = { NULL, NULL, NULL, NULL, 0, false, false };
	size_t i, n = ldns_rr_list_rr_count(o->rrs);
	char *reason, *was;
	int rc = XFED_OK;

	*keep = NULL;
	if ((g.keep = ldns_rr_list_new()) == NULL)
		return XFED_ENOMEM;
	for (i = 0; i < n; i++)
		gate_target(ps, &srv, ldns_rr_list_rr(o->rrs, i), &g);
	if (g.nomem) {
		rc = XFED_ENOMEM;
		ldns_rr_list_free(g.keep);
	} else if (g.pending) {
		ps->plan->n_pending++;
		ldns_rr_list_free(g.keep);
	} else if (g.held == NULL) {
		*keep = g.keep;
	} else if (ldns_rr_list_rr_count(g.keep) > 0) {
		rc = plan_hold(ps->plan, name, xasprintf("target %s left out "
		    "for now: %s", g.held, g.why), true);
		*keep = g.keep;
	} else {
		if (srv.n > 0) {
			was = live_targets(&srv);
			reason = xasprintf("not repointed to %s: %s; still "
			    "pointing at %s", g.held, g.why, was);
			free(was);
		} else
			reason = xasprintf("not published yet: target %s: %s",
			    g.held, g.why);
		rc = plan_hold(ps->plan, name, reason, true);
		ldns_rr_list_free(g.keep);
	}
	free(g.held);
	free(g.why);
	free(g.first);
	return rc;
}

static int
plan_declared(struct pass *ps, const struct xfed_owned *o)
{
	struct xfed_plan *plan = ps->plan;
	struct xfed_owned gated;
	struct xfed_change ch;
	struct marks m = { false, NULL };
	struct rrset txt;
	const ldns_rr_type *types;
	ldns_rr_list *keep = NULL;
	size_t i, nt;
	char *why;
	int rc;

	rc = change_init(&ch, o->name, o->kind == XFED_NAME_SRV ?
	    XFED_PHASE_SRV_UPSERT : XFED_PHASE_ADDR_UPSERT);
	if (rc != XFED_OK)
		goto out;
	if (!in_zone(ch.name, plan->zone)) {
		rc = plan_conflict(plan, ch.name, xstrdup("name is outside "
		    "the zone"));
		goto out;
	}
	txt = live_rrset(ps->lv, ch.name, LDNS_RR_TYPE_TXT);
	read_marks(&txt, ps->owner, &m);
	if (o->blocked != NULL) {
		/* Still ours if marked: the zone must stay remembered. */
		if (m.ours)
			plan->n_owned_after++;
		rc = plan_conflict(plan, ch.name, xstrdup(o->blocked));
		goto out;
	}
	if ((why = declared_conflict(o, ps->lv, ch.name, &m)) != NULL) {
		rc = plan_conflict(plan, ch.name, why);
		goto out;
	}
	if (o->kind == XFED_NAME_SRV) {
		if ((rc = gate_srv(ps, o, ch.name, &keep)) != XFED_OK ||
		    keep == NULL) {
			if (m.ours)
				plan->n_owned_after++;
			goto out;
		}
		gated = *o;
		gated.rrs = keep;
		o = &gated;
	}
	types = owned_types(o->kind, &nt);
	for (i = 0; i < nt && rc == XFED_OK; i++)
		rc = plan_type(&ch, o, ps->lv, types[i]);
	if (rc == XFED_OK)
		rc = m.ours ? plan_marker_ttl(&ch, o, &txt) :
		    plan_marker(&ch, o, &txt, ps->owner);
	if (rc == XFED_OK && ldns_rr_list_rr_count(ch.update) > 0)
		rc = name_in_use(ps->lv, ch.name) ? guard_name(&ch, &txt) :
		    guard_unused(&ch);
	if (rc != XFED_OK)
		goto out;
	plan->n_owned_after++;
	plan_take_change(plan, &ch);
out:
	ldns_rr_list_free(keep);	/* the records are o's */
	free(m.other);
	change_clear(&ch);
	return rc;
}

static int
use_cmp(const void *a, const void *b)
{
	return name_cmp(((const struct xfed_srv_use *)a)->target,
	    ((const struct xfed_srv_use *)b)->target);
}

static const struct xfed_srv_use *
use_find(const struct xfed_plan *plan, const ldns_rdf *host)
{
	struct xfed_srv_use key = { (ldns_rdf *)host, NULL };

	if (plan->n_uses == 0)
		return NULL;
	return bsearch(&key, plan->uses, plan->n_uses, sizeof(key), use_cmp);
}

/* Room for every use was made by collect_uses. */
static int
use_add(struct xfed_plan *plan, const ldns_rr *srv)
{
	struct xfed_srv_use *u;

	if (ldns_rr_rd_count(srv) != 4)
		return XFED_OK;
	u = &plan->uses[plan->n_uses];
	u->target = ldns_rdf_clone(ldns_rr_rdf(srv, 3));
	u->owner = ldns_rdf_clone(ldns_rr_owner(srv));
	if (u->target == NULL || u->owner == NULL) {
		ldns_rdf_deep_free(u->target);
		ldns_rdf_deep_free(u->owner);
		return XFED_ENOMEM;
	}
	ldns_dname2canonical(u->target);
	plan->n_uses++;
	return XFED_OK;
}

static int
rdf_ptr_cmp(const void *a, const void *b)
{
	return name_cmp(*(const ldns_rdf *const *)a,
	    *(const ldns_rdf *const *)b);
}

/* Does the change remove or replace the SRV RRset at its name? */
static bool
replaces_srv(const struct xfed_change *ch)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ch->update); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ch->update, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_ANY)
			return true;
	}
	return false;
}

/*
 * The SRV targets of the zone once the plan is applied: every live SRV
 * record whose RRset the plan leaves alone, and every SRV record it adds.
 * Any SRV record counts, xfed's or not: a host named by someone's record
 * keeps its addresses.
 */
static bool
is_srv_of_class(const ldns_rr *rr, ldns_rr_class cls)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV &&
	    ldns_rr_get_class(rr) == cls;
}

/* Sorted by target, one entry per target: all a removal needs to know. */
static void
uses_unique(struct xfed_plan *plan)
{
	size_t i, j;

	if (plan->n_uses < 2)
		return;
	qsort(plan->uses, plan->n_uses, sizeof(*plan->uses), use_cmp);
	for (i = 1, j = 0; i < plan->n_uses; i++) {
		if (use_cmp(&plan->uses[i], &plan->uses[j]) == 0) {
			ldns_rdf_deep_free(plan->uses[i].target);
			ldns_rdf_deep_free(plan->uses[i].owner);
			continue;
		}
		plan->uses[++j] = plan->uses[i];
	}
	plan->n_uses = j + 1;
}

/*
 * The SRV targets of the zone once the plan is applied: every live SRV
 * record whose RRset the plan leaves alone, and every SRV record it adds.
 * Any SRV record counts, xfed's or not: a host named by someone's record
 * keeps its addresses.
 */
static int
collect_uses(struct xfed_plan *plan, const struct live *lv)
{
	const ldns_rdf **gone;
	const ldns_rdf *owner;
	const ldns_rr_list *up;
	size_t i, k, ngone = 0, room = 0;
	int rc = XFED_OK;

	gone = xcalloc(plan->n_changes + 1, sizeof(*gone));
	for (i = 0; i < lv->n; i++)
		room += ldns_rr_get_type(lv->rr[i].canon) == LDNS_RR_TYPE_SRV;
	for (i = 0; i < plan->n_changes; i++) {
		up = plan->changes[i].update;
		for (k = 0; k < ldns_rr_list_rr_count(up); k++)
			room += is_srv_of_class(ldns_rr_list_rr(up, k),
			    LDNS_RR_CLASS_IN);
		if (replaces_srv(&plan->changes[i]))
			gone[ngone++] = plan->changes[i].name;
	}
	plan->uses = xcalloc(room + 1, sizeof(*plan->uses));
	qsort(gone, ngone, sizeof(*gone), rdf_ptr_cmp);
	for (i = 0; i < lv->n && rc == XFED_OK; i++) {
		if (ldns_rr_get_type(lv->rr[i].canon) != LDNS_RR_TYPE_SRV)
			continue;
		owner = ldns_rr_owner(lv->rr[i].canon);
		if (ngone == 0 || bsearch(&owner, gone, ngone, sizeof(*gone),
		    rdf_ptr_cmp) == NULL)
			rc = use_add(plan, lv->rr[i].canon);
	}
	free(gone);
	for (i = 0; i < plan->n_changes && rc == XFED_OK; i++) {
		up = plan->changes[i].update;
		for (k = 0; k < ldns_rr_list_rr_count(up) && rc == XFED_OK; k++)
			if (is_srv_of_class(ldns_rr_list_rr(up, k),
			    LDNS_RR_CLASS_IN))
				rc = use_add(plan, ldns_rr_list_rr(up, k));
	}
	uses_unique(plan);
	return rc;
}

/*
 * Make before break, the other half: an owned host's addresses go only
 * once no SRV record names it.  True when they stay this time (held, or
 * put off until the engine knows the other zones).
 */
static bool
host_still_used(struct pass *ps, const ldns_rdf *name, int *rc)
{
	const struct xfed_srv_use *u;
	char *why = NULL, *by;
	enum xfed_usage use = XFED_USAGE_UNUSED;

	*rc = XFED_OK;
	if ((u = use_find(ps->plan, name)) != NULL) {
		by = ldns_rdf2str(u->owner);
		why = xasprintf("still the target of %s", by);
		free(by);
		use = XFED_USAGE_USED;
	} else if (ps->ctx != NULL && ps->ctx->usage != NULL)
		use = ps->ctx->usage(name, &why, ps->ctx->arg);
	switch (use) {
	case XFED_USAGE_UNUSED:
		free(why);
		return false;
	case XFED_USAGE_PENDING:
		ps->plan->n_pending++;
		free(why);
		break;
	case XFED_USAGE_USED:
	case XFED_USAGE_UNKNOWN:
		*rc = plan_hold(ps->plan, name, xasprintf("addresses kept: %s",
		    why != NULL ? why : "in use"), false);
		free(why);
		break;
	}
	ps->plan->n_owned_after++;
	return true;
}

/* Remove what we published at a name no longer declared. */
static int
plan_removal(struct pass *ps, const ldns_rdf *name)
{
	const struct live *lv = ps->lv;
	struct xfed_change ch;
	const ldns_rr_type *types;
	struct rrset s, txt;
	enum xfed_name_kind kind = xfed_name_kind_of(name);
	size_t i, j, nt;
	int rc;

	if (kind == XFED_NAME_HOST && host_still_used(ps, name, &rc))
		return rc;
	rc = change_init(&ch, name, kind == XFED_NAME_SRV ?
	    XFED_PHASE_SRV_DELETE : XFED_PHASE_ADDR_DELETE);
	types = owned_types(kind, &nt);
	for (i = 0; i < nt && rc == XFED_OK; i++) {
		s = live_rrset(lv, ch.name, types[i]);
		if (s.n == 0)
			continue;
		rc = prereq_as_read(ch.prereq, &s, ch.name, types[i]);
		if (rc == XFED_OK)
			rc = push(ch.update, meta_rr(ch.name, types[i],
			    LDNS_RR_CLASS_ANY));
		for (j = 0; j < s.n && rc == XFED_OK; j++)
			rc = push(ch.removed, ldns_rr_clone(s.rr[j].orig));
		ch.deletes += s.n;
	}
	txt = live_rrset(lv, ch.name, LDNS_RR_TYPE_TXT);
	if (rc == XFED_OK)
		rc = prereq_txt(ch.prereq, &txt, ch.name);
	/* The marker alone goes: other TXT records there are not ours. */
	for (i = 0; i < txt.n && rc == XFED_OK; i++) {
		if (xfed_marker_match(txt.rr[i].orig, ps->owner, NULL) != 1)
			continue;
		rc = push(ch.update, rr_copy(txt.rr[i].orig,
		    LDNS_RR_CLASS_NONE, 0));
		if (rc == XFED_OK)
			rc = push(ch.removed, ldns_rr_clone(txt.rr[i].orig));
		ch.deletes++;		/* a marker removed counts too */
	}
	if (rc == XFED_OK)
		plan_take_change(ps->plan, &ch);
	change_clear(&ch);
	return rc;
}

static int
owned_name_cmp(const void *a, const void *b)
{
	const struct xfed_owned *const *x = a, *const *y = b;

	return name_cmp((*x)->name, (*y)->name);
}

/*
 * Is name declared with something to own (or declared for a zone not
 * known this time)?  A declared name with nothing to own is planned like
 * an undeclared one: our marker there goes.
 */
static bool
is_declared(const struct xfed_owned **sorted, size_t n, const ldns_rdf *name)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(sorted[mid]->name, name);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Undeclared names of one kind carrying our marker lose what we put
 * there.  SRV names go first, so that the hosts they named are judged by
 * the SRV records that remain.
 */
static int
plan_removals(struct pass *ps, const struct xfed_owned **sorted, size_t k,
    bool hosts)
{
	const struct live *lv = ps->lv;
	const ldns_rdf *name;
	struct rrset txt;
	struct marks m;
	size_t i;
	int rc = XFED_OK;

	for (i = 0; i < lv->n && rc == XFED_OK; i++) {
		name = ldns_rr_owner(lv->rr[i].canon);
		/* Visit each owner name once: at its first RR. */
		if (i > 0 && name_cmp(name,
		    ldns_rr_owner(lv->rr[i - 1].canon)) == 0)
			continue;
		if ((xfed_name_kind_of(name) == XFED_NAME_HOST) != hosts ||
		    is_declared(sorted, k, name))
			continue;
		txt = live_rrset(lv, name, LDNS_RR_TYPE_TXT);
		read_marks(&txt, ps->owner, &m);
		if (m.ours && m.other != NULL)
			rc = plan_conflict(ps->plan, name, xasprintf("name "
			    "carries our marker and that of \"%s\"", m.other));
		else if (m.ours)
			rc = plan_removal(ps, name);
		free(m.other);
	}
	return rc;
}

static int
change_cmp(const void *va, const void *vb)
{
	const struct xfed_change *a = va, *b = vb;

	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	return ldns_dname_compare(a->name, b->name);
}

static bool
plans_here(const struct xfed_owned *o)
{
	return ldns_rr_list_rr_count(o->rrs) > 0 && !o->elsewhere;
}

/*
 * The declared hosts first: whether each could be planned without
 * conflict is what the SRV records naming it need to know.
 */
static int
plan_hosts(struct pass *ps, const struct xfed_owned *names, size_t n)
{
	struct local_host *h;
	size_t i, before;
	int rc;

	ps->hosts = xcalloc(n + 1, sizeof(*ps->hosts));
	for (i = 0; i < n; i++) {
		if (names[i].kind != XFED_NAME_HOST || !plans_here(&names[i]))
			continue;
		before = ps->plan->n_conflicts;
		if ((rc = plan_declared(ps, &names[i])) != XFED_OK)
			return rc;
		h = &ps->hosts[ps->nhosts++];
		h->name = names[i].name;
		if (ps->plan->n_conflicts > before)
			h->conflict = xstrdup(
			    ps->plan->conflicts[before].reason);
	}
	qsort(ps->hosts, ps->nhosts, sizeof(*ps->hosts), local_host_cmp);
	return XFED_OK;
}

static int
plan_names(struct pass *ps, const struct xfed_owned *names, size_t n)
{
	const struct xfed_owned **sorted;
	size_t i, k = 0;
	int rc;

	if ((rc = plan_hosts(ps, names, n)) != XFED_OK)
		return rc;
	for (i = 0; i < n && rc == XFED_OK; i++)
		if (names[i].kind == XFED_NAME_SRV && plans_here(&names[i]))
			rc = plan_declared(ps, &names[i]);
	if (rc != XFED_OK)
		return rc;
	sorted = xcalloc(n + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		if (ldns_rr_list_rr_count(names[i].rrs) > 0 ||
		    names[i].elsewhere)
			sorted[k++] = &names[i];
	qsort(sorted, k, sizeof(*sorted), owned_name_cmp);
	rc = plan_removals(ps, sorted, k, false);
	if (rc == XFED_OK && (rc = collect_uses(ps->plan, ps->lv)) == XFED_OK)
		rc = plan_removals(ps, sorted, k, true);
	free(sorted);
	return rc;
}

int
xfed_plan_zone(const ldns_rdf *zone, const struct xfed_owned *names,
    size_t n, const ldns_rr_list *live, const char *owner,
    struct xfed_plan **out)
{
	return xfed_plan_zone_ctx(zone, names, n, live, owner, NULL, out);
}

int
xfed_plan_zone_ctx(const ldns_rdf *zone, const struct xfed_owned *names,
    size_t n, const ldns_rr_list *live, const char *owner,
    const struct xfed_plan_ctx *ctx, struct xfed_plan **out)
{
	struct xfed_plan *plan;
	struct live lv = { NULL, 0 };
	struct pass ps;
	size_t i;
	int rc;

	*out = NULL;
	plan = xcalloc(1, sizeof(*plan));
	memset(&ps, 0, sizeof(ps));
	ps.plan = plan;
	ps.lv = &lv;
	ps.owner = owner;
	ps.ctx = ctx;
	if ((plan->zone = ldns_rdf_clone(zone)) == NULL) {
		rc = XFED_ENOMEM;
		goto fail;
	}
	ldns_dname2canonical(plan->zone);
	if ((rc = live_build(plan->zone, live, &lv)) != XFED_OK)
		goto fail;
	if ((rc = plan_names(&ps, names, n)) != XFED_OK)
		goto fail;
	if (plan->n_changes > 1)
		qsort(plan->changes, plan->n_changes, sizeof(*plan->changes),
		    change_cmp);
	goto done;
fail:
	xfed_plan_free(plan);
	plan = NULL;
done:
	for (i = 0; i < ps.nhosts; i++)
		free(ps.hosts[i].conflict);
	free(ps.hosts);
	live_free(&lv);
	*out = plan;
	return rc;
}

void
xfed_plan_free(struct xfed_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->n_changes; i++)
		change_clear(&plan->changes[i]);
	free(plan->changes);
	for (i = 0; i < plan->n_conflicts; i++) {
		ldns_rdf_deep_free(plan->conflicts[i].name);
		free(plan->conflicts[i].reason);
	}
	free(plan->conflicts);
	for (i = 0; i < plan->n_holds; i++) {
		ldns_rdf_deep_free(plan->holds[i].name);
		free(plan->holds[i].reason);
	}
	free(plan->holds);
	for (i = 0; i < plan->n_uses; i++) {
		ldns_rdf_deep_free(plan->uses[i].target);
		ldns_rdf_deep_free(plan->uses[i].owner);
	}
	free(plan->uses);
	ldns_rdf_deep_free(plan->zone);
	free(plan);
}

static void
print_list(FILE *f, const char *sign, const ldns_rr_list *l)
{
	size_t i;
	char *line;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
		if ((line = xfed_rr_to_line(ldns_rr_list_rr(l, i))) == NULL)
			continue;
		fprintf(f, "%s %s\n", sign, line);
		free(line);
	}
}

void
xfed_plan_print(FILE *f, const struct xfed_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_changes; i++) {
		print_list(f, "-", plan->changes[i].removed);
		print_list(f, "+", plan->changes[i].added);
	}
}
