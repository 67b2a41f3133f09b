/*
 * fuzz_response: arbitrary octets as the answer to one of xfed's signed
 * requests, through the code that meets a hostile or broken server.
 *
 * Input: one selector octet (common.h: request kind and TSIG algorithm),
 * then
 *  - SOA query or UPDATE: the rest is one answer message.  It goes through
 *    xfed_dns_match (ldns_wire2pkt, ID/QR/opcode/question) and, as dns.c
 *    does, a fresh single-answer verifier;
 *  - AXFR: the rest is a TCP stream, each message preceded by its two-octet
 *    length.  Every message is matched the way zone.c does (an empty
 *    question allowed after the first) and fed to one multi-message
 *    verifier; the records are collected as zone.c collects them and
 *    planned against fuzz_plan_config's declared records (plan.c,
 *    desired.c), and the plan printed.
 *
 * zone.c's, discover.c's and the sync engine's (assign.c, serialskip.c)
 * handling of the parsed answer is static there, so it is restated here
 * step for step ("zone.c: ..." comments): keep the two in step when those
 * files change.
 *
 * The consumers after verification run whatever the verdict, so that what
 * mutated (unauthenticated) content reaches ldns and the planner is
 * exercised too; the real code stops earlier.  Checked invariants, beyond
 * "no crash, no leak, no undefined behaviour": a verified single answer
 * was signed and matched, and nothing verifies after a failure in a
 * stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common.h"
#include "config.h"
#include "desired.h"
#include "dns.h"
#include "error.h"
#include "plan.h"
#include "tsig.h"

#define MAX_STREAM_MSGS	256

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct xfed_key keys[XFED_TSIG_NALGS];
static struct fuzz_request reqs[XFED_TSIG_NALGS][FUZZ_NREQ];
static struct xfed_config *plan_cfg;
static struct xfed_desired *desired;
static ldns_rdf *zone;
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *err;
	int a, k;

	(void)argc;
	(void)argv;
	unsetenv("CREDENTIALS_DIRECTORY");
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	for (a = 0; a < XFED_TSIG_NALGS; a++) {
		fuzz_key_init(&keys[a], (enum xfed_tsig_alg)a);
		for (k = 0; k < FUZZ_NREQ; k++)
			if (fuzz_request_init(&reqs[a][k], (enum fuzz_req)k,
			    &keys[a]) != 0)
				abort();
	}
	err = stderr;
	if (xfed_config_parse_string(fuzz_plan_config, "fuzz-plan.conf", err,
	    &plan_cfg) != 0 || xfed_desired_build(plan_cfg, &desired) != 0)
		abort();
	if ((zone = ldns_dname_new_frm_str(FUZZ_ZONE)) == NULL)
		abort();
	return 0;
}

/* discover.c's soa_in: an SOA owned by name or one of its ancestors. */
static const ldns_rr *
soa_in(const ldns_rr_list *section, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(section); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(section, i);

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
 * What xfed does with a single answer (dns.c, discover.c, assign.c,
 * serialskip.c): the RCODE, the SOA's owner and MNAME of a discovery
 * answer, the serial of the primary's SOA, the addresses of a look-up made
 * into the primary's address.
 * Resolvers' answers are unsigned, so all of this meets untrusted data.
 */
static void
use_answer(const ldns_pkt *pkt)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rr *soa;
	struct xfed_peer peer;
	ldns_rdf *owner, *mname;
	ldns_rr *copy;
	size_t i;
	char *s;

	(void)xfed_rcode_name(ldns_pkt_get_rcode(pkt));
	(void)ldns_pkt_tc(pkt);
	if ((soa = soa_in(an, zone)) == NULL)
		soa = soa_in(ldns_pkt_authority(pkt), zone);
	if (soa != NULL) {
		/* discover.c: *zone, *mname */
		copy = ldns_rr_clone(soa);
		owner = ldns_rdf_clone(ldns_rr_owner(copy));
		mname = ldns_rdf_clone(ldns_rr_rdf(copy, 0));
		if ((s = ldns_rdf2str(mname)) != NULL)
			free(s);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(mname);
		ldns_rr_free(copy);
	}
	/* serialskip.c: query_serial */
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) == 7 &&
		    ldns_dname_compare(ldns_rr_owner(rr), zone) == 0)
			(void)ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
	}
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    ldns_rr_rd_count(rr) != 1)
			continue;
		/* discover.c: lookup(); assign.c: mname_peer() */
		s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		(void)xfed_peer_init(&peer, s, 53, &keys[0],
		    XFED_TRANSPORT_AUTO, 3, 2);
		free(s);
	}
}

static void
single(enum fuzz_req kind, enum xfed_tsig_alg alg, const uint8_t *wire,
    size_t len)
{
	const struct fuzz_request *r = &reqs[alg][kind];
	struct xfed_tsig_verifier *v;
	struct xfed_tsig_result res;
	ldns_pkt *answer = NULL;
	int rc;

	rc = xfed_dns_match(r->pkt, wire, len, &answer);
	if (rc != 0 && answer != NULL)
		abort();		/* a failed match leaves nothing behind */
	if ((v = xfed_tsig_verifier_new(&keys[alg], &r->req, false)) == NULL)
		abort();
	rc = xfed_tsig_verify(v, wire, len, FUZZ_NOW, &res);
	if (rc == 0 && !res.is_signed)
		abort();		/* an unsigned single answer is never authentic */
	(void)xfed_failure_name(rc);
	/* One answer per request: a second verification always fails. */
	if (rc == 0 && xfed_tsig_verify(v, wire, len, FUZZ_NOW, &res) == 0)
		abort();
	xfed_tsig_verifier_free(v);
	if (answer != NULL) {
		use_answer(answer);
		ldns_pkt_free(answer);
	}
}

/* zone.c's check_message: ID, QR, opcode, and the AXFR question if any. */
static int
axfr_match(const ldns_pkt *query, unsigned n, const uint8_t *wire,
    size_t len, ldns_pkt **pkt)
{
	const ldns_rr *q;
	int rc;

	*pkt = NULL;
	if (len < LDNS_HEADER_SIZE || LDNS_ID_WIRE(wire) !=
	    ldns_pkt_id(query) || !LDNS_QR_WIRE(wire))
		return XFED_EMISMATCH;
	/* As zone.c: ldns leaks every TSIG record but the last. */
	if ((rc = xfed_tsig_check_placement(wire, len)) != 0)
		return rc;
	if (ldns_wire2pkt(pkt, wire, len) != LDNS_STATUS_OK)
		return XFED_EMALFORMED;
	if (ldns_pkt_get_opcode(*pkt) != LDNS_PACKET_QUERY)
		return XFED_EMISMATCH;
	if (ldns_pkt_qdcount(*pkt) == 0)
		return n == 0 && ldns_pkt_get_rcode(*pkt) ==
		    LDNS_RCODE_NOERROR ? XFED_EMISMATCH : 0;
	q = ldns_rr_list_rr(ldns_pkt_question(*pkt), 0);
	if (ldns_pkt_qdcount(*pkt) != 1 || q == NULL ||
	    ldns_rr_get_type(q) != LDNS_RR_TYPE_AXFR ||
	    ldns_dname_compare(ldns_rr_owner(q), zone) != 0)
		return XFED_EMISMATCH;
	return 0;
}

/* zone.c's collect: a whole SOA first, records up to the closing SOA. */
static int
collect(ldns_rr_list *rrs, const ldns_pkt *pkt, bool *done)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;

		if (*done)
			return XFED_EMALFORMED;
		if (ldns_rr_list_rr_count(rrs) == 0 &&
		    (!soa || ldns_rr_rd_count(rr) != 7))
			return XFED_EMALFORMED;
		if (soa && ldns_rr_list_rr_count(rrs) > 0) {
			*done = true;
			continue;
		}
		ldns_rr_list_push_rr(rrs, ldns_rr_clone(rr));
	}
	return 0;
}

/* What zonesync.c does with a zone that was read: plan it, show the plan. */
static void
plan(const ldns_rr_list *rrs)
{
	struct xfed_plan *p = NULL;

	/* zone.c: data->serial */
	(void)ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(rrs, 0), 2));
	if (xfed_plan_zone(zone, desired->names, desired->n, rrs, "xfed",
	    &p) != 0)
		return;
	xfed_plan_print(devnull, p);
	xfed_plan_free(p);
}

static void
stream(enum xfed_tsig_alg alg, const uint8_t *data, size_t size)
{
	const struct fuzz_request *r = &reqs[alg][FUZZ_REQ_AXFR];
	struct xfed_tsig_verifier *v;
	struct xfed_tsig_result res;
	ldns_rr_list *rrs;
	ldns_pkt *pkt;
	size_t len;
	unsigned n = 0;
	bool done = false, failed = false, collect_ok = true;
	int rc;

	if ((v = xfed_tsig_verifier_new(&keys[alg], &r->req, true)) == NULL ||
	    (rrs = ldns_rr_list_new()) == NULL)
		abort();
	while (size >= 2 && n < MAX_STREAM_MSGS && !done) {
		len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;	/* a stream cut short */
		if (axfr_match(r->pkt, n, data, len, &pkt) != 0) {
			ldns_pkt_free(pkt);
			pkt = NULL;
		}
		rc = xfed_tsig_verify(v, data, len, FUZZ_NOW, &res);
		if (rc == 0 && failed)
			abort();	/* a stream is all or nothing */
		if (rc != 0)
			failed = true;
		n++;
		if (pkt != NULL) {
			if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR)
				done = true;
			else if (collect_ok &&
			    collect(rrs, pkt, &done) != 0)
				collect_ok = false;
			ldns_pkt_free(pkt);
		}
		data += len;
		size -= len;
	}
	xfed_tsig_verifier_free(v);
	if (ldns_rr_list_rr_count(rrs) > 0)
		plan(rrs);
	ldns_rr_list_deep_free(rrs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fuzz_req kind;
	enum xfed_tsig_alg alg;

	if (size < 1 || size > 1 + 4 * FUZZ_MAX_MSG)
		return -1;
	kind = FUZZ_SEL_KIND(data[0]);
	alg = FUZZ_SEL_ALG(data[0]);
	if (kind == FUZZ_REQ_AXFR)
		stream(alg, data + 1, size - 1);
	else if (size - 1 <= FUZZ_MAX_MSG)
		single(kind, alg, data + 1, size - 1);
	return 0;
}
