/*
 * The serial skip: a zone a full read found in sync, whose declaration
 * and SOA serial have not changed since, is not read again (for up to
 * XFED_FULL_READ_SECONDS).  An optimisation the zone's transaction
 * (zonesync.c) takes or leaves; its digest of the declaration also tells
 * the waves (sync.c) whether a zone the sync does not visit is in sync.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "dns.h"
#include "error.h"
#include "log.h"
#include "state.h"
#include "sync.h"
#include "syncrun.h"
#include "util.h"

static void
digest_rdf(EVP_MD_CTX *md, const ldns_rdf *f)
{
	uint16_t len = f != NULL ? (uint16_t)ldns_rdf_size(f) : 0;

	/* Length first, so that fields cannot run into each other. */
	EVP_DigestUpdate(md, &len, sizeof(len));
	if (len > 0)
		EVP_DigestUpdate(md, ldns_rdf_data(f), len);
}

/*
 * A digest of everything declared for the zone, in hex: if it differs from
 * the one recorded at the last in-sync read, the zone must be read again.
 * It hashes the records' wire fields: formatting 10,000 records as text
 * would cost more than the transfer it saves.
 */
void
xfed_declared_digest(struct run *r, const struct job *j, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dlen = sizeof(d);
	size_t i, k, f;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, r->cfg->owner, strlen(r->cfg->owner) + 1);
	EVP_DigestUpdate(md, j->peer.label, strlen(j->peer.label) + 1);
	for (i = 0; i < j->n; i++) {
		const ldns_rr_list *l = j->names[i]->rrs;
		uint32_t ttl = j->names[i]->ttl;

		digest_rdf(md, j->names[i]->name);
		EVP_DigestUpdate(md, &ttl, sizeof(ttl));
		for (k = 0; k < ldns_rr_list_rr_count(l); k++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, k);
			uint16_t type = (uint16_t)ldns_rr_get_type(rr);

			EVP_DigestUpdate(md, &type, sizeof(type));
			for (f = 0; f < ldns_rr_rd_count(rr); f++)
				digest_rdf(md, ldns_rr_rdf(rr, f));
		}
		EVP_DigestUpdate(md, "|", 1);
	}
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* The zone's SOA serial, from a signed, verified answer; 0 or an error. */
static int
query_serial(const struct job *j, uint32_t *serial)
{
	struct xfed_exchange ex;
	const ldns_rr_list *an;
	ldns_pkt *q;
	size_t i;
	int rc;

	q = ldns_pkt_query_new(ldns_rdf_clone(j->zone), LDNS_RR_TYPE_SOA,
	    LDNS_RR_CLASS_IN, 0);
	if (q == NULL)
		return XFED_ENOMEM;
	rc = xfed_dns_exchange(&j->peer, q, &ex);
	ldns_pkt_free(q);
	if (rc == 0) {
		rc = XFED_EMALFORMED;
		an = ldns_pkt_answer(ex.answer);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_rr_rd_count(rr) == 7 &&
			    ldns_dname_compare(ldns_rr_owner(rr), j->zone) == 0) {
				*serial = ldns_rdf2native_int32(
				    ldns_rr_rdf(rr, 2));
				rc = 0;
			}
		}
	}
	xfed_exchange_clear(&ex);
	return rc;
}

/*
 * A full read found this zone in sync at serial S, the declaration has
 * not changed since, and the primary still says S: every change to a
 * zone, dynamic or not, moves its serial, so the zone is still in sync.
 * A full read is forced at least every XFED_FULL_READ_SECONDS anyway.
 */
bool
xfed_unchanged_since_last_read(struct run *r, const struct job *j,
    const char *declared)
{
	const struct xfed_state_zone *sz;
	uint64_t now = xfed_wall_seconds();
	uint32_t serial = 0, was;
	bool candidate;

	pthread_mutex_lock(&r->lock);
	sz = xfed_state_find(&r->state, j->zone_str);
	candidate = sz != NULL && sz->checked != 0 &&
	    now - sz->checked < XFED_FULL_READ_SECONDS &&
	    strcmp(sz->server, j->peer.label) == 0 &&
	    strcmp(sz->digest, declared) == 0;
	was = candidate ? sz->serial : 0;
	pthread_mutex_unlock(&r->lock);
	if (!candidate || query_serial(j, &serial) != 0)
		return false;
	log_debug("zone %s: serial %u unchanged since the last full read",
	    j->zone_str, serial);
	return serial == was;
}

void
xfed_mark_in_sync(struct run *r, const struct job *j, uint32_t serial,
    const char *declared)
{
	if (r->opts->dry_run)
		return;
	pthread_mutex_lock(&r->lock);
	xfed_state_mark_in_sync(&r->state, j->zone_str, serial, declared,
	    xfed_wall_seconds());
	pthread_mutex_unlock(&r->lock);
}
