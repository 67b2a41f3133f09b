/*
 * The zones one sync visits, its "jobs" (syncrun.h): each declared name
 * sorted into the job of its zone and primary, jobs found by zone through
 * a hash table, and the zones published into earlier that no declared
 * name holds now.  Which zone and primary a name has is assign.c's.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "config.h"
#include "dns.h"
#include "log.h"
#include "state.h"
#include "syncrun.h"
#include "util.h"

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
void
xfed_build_jobs(struct run *r)
{
	struct primary pr;
	ldns_rdf *zone;
	char why[384];
	size_t i;

	for (i = 0; i < r->desired->n; i++) {
		const struct xfed_owned *o = &r->desired->names[i];

		why[0] = '\0';
		if (xfed_assign(r, o, &zone, &pr, why, sizeof(why)) != 0) {
			char *name = ldns_rdf2str(o->name);
			char *label = xasprintf("(zone of %s)", name);

			xfed_fail_zone(r, xfed_new_report(r, label, "?"), why);
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
void
xfed_add_state_jobs(struct run *r)
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
			struct xfed_zone_report *z = xfed_new_report(r,
			    sz->zone, sz->server);

			xfed_fail_zone(r, z, "zone published earlier, but its "
			    "key is no longer configured: cannot clean it up");
			ldns_rdf_deep_free(zone);
			continue;
		}
		log_info("zone %s: no declared name left: visiting it to clean "
		    "up what xfed published there", sz->zone);
		add_job(r, zone, &pr);
	}
}
