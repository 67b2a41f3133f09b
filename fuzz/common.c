/* Shared by the fuzz targets and gen_seeds: see common.h. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common.h"
#include "tsig.h"

static const uint16_t request_ids[FUZZ_NREQ] = {
	[FUZZ_REQ_SOA] = 0x5a01,
	[FUZZ_REQ_UPDATE] = 0x5a02,
	[FUZZ_REQ_AXFR] = 0x5a03,
};

const char fuzz_plan_config[] =
    "owner = \"xfed\"\n"
    "tsig-key \"xfed-key\" {\n"
    "  secret = \"paKrsLmGj5SdmuPo8f7HzNXS2yApNj8EDQoTGGFud3w=\"\n"
    "}\n"
    "server \"primary\" {\n"
    "  address = \"192.0.2.53\"\n"
    "}\n"
    "proxy \"edge\" {\n"
    "  host = \"xmpp.contoso.com\"\n"
    "  ipv4 = {\"203.0.113.10\", \"203.0.113.11\"}\n"
    "  ipv6 = {\"2001:db8::10\"}\n"
    "  zone = \"contoso.com\"\n"
    "}\n"
    "proxy \"edge2\" {\n"
    "  host = \"xmpp2.contoso.com\"\n"
    "  ipv4 = {\"203.0.113.20\"}\n"
    "  ttl = 300\n"
    "  zone = \"contoso.com\"\n"
    "}\n"
    "domain \"contoso.com\" {\n"
    "  proxy = {\"edge\", \"edge2\"}\n"
    "  direct-tls = true\n"
    "  zone = \"contoso.com\"\n"
    "}\n"
    "domain \"chat.contoso.com\" {\n"
    "  proxy = {\"edge\"}\n"
    "  zone = \"contoso.com\"\n"
    "}\n";

void
fuzz_key_init(struct xfed_key *k, enum xfed_tsig_alg alg)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->name = strdup(FUZZ_KEYNAME);
	k->alg = alg;
	k->secret_len = 32;
	if (k->name == NULL || (k->secret = malloc(k->secret_len)) == NULL)
		abort();
	/* The secret of fuzz_plan_config and the config seeds. */
	for (i = 0; i < k->secret_len; i++)
		k->secret[i] = (unsigned char)(0xa5 ^ (i * 7));
}

/* An UPDATE as update.c sends it: a prerequisite and a change. */
static ldns_pkt *
build_update(ldns_rdf *zone)
{
	ldns_rr_list *pre, *up;
	ldns_rr *rr;
	ldns_pkt *p = NULL;

	pre = ldns_rr_list_new();
	up = ldns_rr_list_new();
	if (pre == NULL || up == NULL)
		goto out;
	if (ldns_rr_new_frm_str(&rr, "xmpp.contoso.com. 0 NONE CNAME \\# 0", 0,
	    NULL, NULL) != LDNS_STATUS_OK)
		goto out;
	ldns_rr_list_push_rr(pre, rr);
	if (ldns_rr_new_frm_str(&rr, "xmpp.contoso.com. 3600 IN A "
	    "203.0.113.10", 0, NULL, NULL) != LDNS_STATUS_OK)
		goto out;
	ldns_rr_list_push_rr(up, rr);
	if ((p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, pre, up,
	    NULL)) != NULL)
		ldns_pkt_set_rd(p, false);
out:
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(up);
	return p;
}

static ldns_pkt *
build(enum fuzz_req kind)
{
	ldns_rdf *zone;
	ldns_pkt *p;

	if ((zone = ldns_dname_new_frm_str(FUZZ_ZONE)) == NULL)
		return NULL;
	switch (kind) {
	case FUZZ_REQ_SOA:
		p = ldns_pkt_query_new(zone, LDNS_RR_TYPE_SOA,
		    LDNS_RR_CLASS_IN, LDNS_RD);
		break;
	case FUZZ_REQ_UPDATE:
		p = build_update(zone);
		break;
	default:
		p = ldns_pkt_query_new(zone, LDNS_RR_TYPE_AXFR,
		    LDNS_RR_CLASS_IN, 0);
		break;
	}
	if (p == NULL)
		return NULL;
	ldns_pkt_set_id(p, request_ids[kind]);
	return p;
}

int
fuzz_request_init(struct fuzz_request *r, enum fuzz_req kind,
    const struct xfed_key *k)
{
	uint8_t *w = NULL;
	size_t wlen = 0;

	memset(r, 0, sizeof(*r));
	if ((r->pkt = build(kind)) == NULL)
		return -1;
	if (ldns_pkt2wire(&w, r->pkt, &wlen) != LDNS_STATUS_OK ||
	    (r->wire = malloc(FUZZ_MAX_MSG)) == NULL) {
		free(w);
		fuzz_request_clear(r);
		return -1;
	}
	memcpy(r->wire, w, wlen);
	free(w);
	r->len = wlen;
	if (xfed_tsig_sign(k, r->wire, &r->len, FUZZ_MAX_MSG, FUZZ_NOW,
	    &r->req) != 0) {
		fuzz_request_clear(r);
		return -1;
	}
	return 0;
}

void
fuzz_request_clear(struct fuzz_request *r)
{
	if (r->pkt != NULL)
		ldns_pkt_free(r->pkt);
	free(r->wire);
	memset(r, 0, sizeof(*r));
}
