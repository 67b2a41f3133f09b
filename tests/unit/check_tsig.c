/*
 * Unit tests for agent/tsig.c: algorithm names, request signing, answer
 * verification (single and streamed) and every rejection the verifier owes.
 * Offline: messages are built with ldns and checked against ldns's own TSIG
 * code where ldns supports the algorithm.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "error.h"
#include "tsig.h"
#include "util.h"

#define NOW		1700000000ULL
#define ID		0x4242
#define BUFSZ		4096
#define KEYNAME		"key.example"

struct msg {
	uint8_t		 b[BUFSZ];
	size_t		 len;
};

static const enum xfed_tsig_alg all_algs[XFED_TSIG_NALGS] = {
	XFED_HMAC_MD5, XFED_HMAC_SHA1, XFED_HMAC_SHA224,
	XFED_HMAC_SHA256, XFED_HMAC_SHA384, XFED_HMAC_SHA512,
};

/* ---- helpers ---- */

static void
key_init(struct xfed_key *k, const char *name, enum xfed_tsig_alg alg)
{
	size_t i;

	k->name = xstrdup(name);
	k->alg = alg;
	k->secret_len = 32;
	k->secret = xmalloc(k->secret_len);
	for (i = 0; i < k->secret_len; i++)
		k->secret[i] = (unsigned char)(0xa5 ^ (i * 7));
}

static void
pkt_to_msg(ldns_pkt *p, struct msg *m)
{
	uint8_t *w = NULL;
	size_t wl = 0;

	ck_assert_int_eq(ldns_pkt2wire(&w, p, &wl), LDNS_STATUS_OK);
	ck_assert_uint_le(wl, sizeof(m->b));
	memset(m->b, 0, sizeof(m->b));	/* whole-buffer compares stay defined */
	memcpy(m->b, w, wl);
	m->len = wl;
	free(w);
}

/* An RFC 2136 UPDATE adding one SRV record: what the agent really signs. */
static void
build_update(struct msg *m, uint16_t id)
{
	ldns_rr_list *up = ldns_rr_list_new();
	ldns_rr *rr = NULL;
	ldns_pkt *p;

	ck_assert_int_eq(ldns_rr_new_frm_str(&rr,
	    "_xmpp-server._tcp.example.org. 300 IN SRV 5 0 5269 "
	    "xmpp.example.org.", 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_rr_list_push_rr(up, rr);
	p = ldns_update_pkt_new(ldns_dname_new_frm_str("example.org."),
	    LDNS_RR_CLASS_IN, NULL, up, NULL);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, id);
	pkt_to_msg(p, m);
	ldns_pkt_free(p);
	ldns_rr_list_deep_free(up);
}

/* A query (qr false) or an answer with an optional answer-section RR. */
static void
build_msg(struct msg *m, uint16_t id, bool qr, const char *qname,
    const char *answer)
{
	ldns_pkt *p;
	ldns_rr *rr = NULL;

	p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname),
	    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, qr);
	if (answer != NULL) {
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, answer, 0, NULL,
		    NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	pkt_to_msg(p, m);
	ldns_pkt_free(p);
}

static void
build_answer(struct msg *m, uint16_t id, int n)
{
	char rr[128];

	snprintf(rr, sizeof(rr), "host%d.example.org. 300 IN A 192.0.2.%d",
	    n, n & 0xff);
	build_msg(m, id, true, "example.org.", rr);
}

static void
sign_request(const struct xfed_key *k, struct msg *m,
    struct xfed_tsig_request *req, uint64_t now)
{
	build_update(m, ID);
	ck_assert_int_eq(xfed_tsig_sign(k, m->b, &m->len, sizeof(m->b), now,
	    req), 0);
}

static void
opts_init(struct xfed_tsig_answer_opts *o, const struct xfed_tsig_request *req,
    uint64_t t)
{
	memset(o, 0, sizeof(*o));
	o->req = req;
	o->time_signed = t;
}

static int
sign_ans(const struct xfed_key *k, struct msg *m,
    const struct xfed_tsig_answer_opts *o, uint8_t *mac, size_t *mac_len)
{
	return xfed_tsig_sign_answer(k, m->b, &m->len, sizeof(m->b), o, mac,
	    mac_len);
}

/* Verify one answer with a fresh single-message verifier. */
static int
verify1(const struct xfed_key *k, const struct xfed_tsig_request *req,
    const struct msg *m, uint64_t now, struct xfed_tsig_result *res)
{
	struct xfed_tsig_verifier *v;
	int rc;

	v = xfed_tsig_verifier_new(k, req, false);
	ck_assert_ptr_nonnull(v);
	rc = xfed_tsig_verify(v, m->b, m->len, now, res);
	xfed_tsig_verifier_free(v);
	return rc;
}

/* Fixture: a key, a signed request, and an answer ready to sign. */
static struct xfed_key key;
static struct msg reqm, ans;
static struct xfed_tsig_request req;

static void
setup(void)
{
	key_init(&key, KEYNAME, XFED_HMAC_SHA256);
	sign_request(&key, &reqm, &req, NOW);
	build_answer(&ans, ID, 1);
}

static void
teardown(void)
{
	xfed_key_clear(&key);
}

/* Sign the fixture answer with default options, time = t. */
static void
sign_default(uint64_t t)
{
	struct xfed_tsig_answer_opts o;

	opts_init(&o, &req, t);
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
}

static uint16_t
hdr16(const struct msg *m, size_t off)
{
	return (uint16_t)((m->b[off] << 8) | m->b[off + 1]);
}

static void
set_hdr16(struct msg *m, size_t off, uint16_t v)
{
	m->b[off] = v >> 8;
	m->b[off + 1] = v & 0xff;
}

/* ---- algorithm names ---- */

START_TEST(alg_parse_spellings)
{
	static const struct {
		const char		*s;
		enum xfed_tsig_alg	 alg;
	} ok[] = {
		{ "hmac-md5", XFED_HMAC_MD5 },
		{ "hmac-md5.", XFED_HMAC_MD5 },
		{ "hmac-md5.sig-alg.reg.int", XFED_HMAC_MD5 },
		{ "HMAC-MD5.SIG-ALG.REG.INT.", XFED_HMAC_MD5 },
		{ "hmac-sha1", XFED_HMAC_SHA1 },
		{ "hmac-sha1.", XFED_HMAC_SHA1 },
		{ "hmac-sha224", XFED_HMAC_SHA224 },
		{ "Hmac-Sha224.", XFED_HMAC_SHA224 },
		{ "hmac-sha256", XFED_HMAC_SHA256 },
		{ "HMAC-SHA256.", XFED_HMAC_SHA256 },
		{ "hmac-sha384", XFED_HMAC_SHA384 },
		{ "hmac-sha384.", XFED_HMAC_SHA384 },
		{ "hmac-sha512", XFED_HMAC_SHA512 },
		{ "HMAC-SHA512", XFED_HMAC_SHA512 },
	};
	enum xfed_tsig_alg alg;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		alg = (enum xfed_tsig_alg)-1;
		ck_assert_msg(xfed_tsig_alg_parse(ok[i].s, &alg) == 0,
		    "rejected %s", ok[i].s);
		ck_assert_int_eq(alg, ok[i].alg);
	}
}
END_TEST

START_TEST(alg_parse_rejects_unknown)
{
	static const char *bad[] = {
		"", ".", "hmac", "hmac-sha", "hmac-sha3", "hmac-sha256..",
		"hmac-sha256x", "hmac-md5.sig-alg", "sha256", "hmac-shac384.",
		"gss-tsig", " hmac-sha256",
	};
	enum xfed_tsig_alg alg = XFED_HMAC_SHA1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xfed_tsig_alg_parse(bad[i], &alg) == XFED_EINVAL,
		    "accepted '%s'", bad[i]);
	ck_assert_int_eq(xfed_tsig_alg_parse(NULL, &alg), XFED_EINVAL);
	ck_assert_int_eq(alg, XFED_HMAC_SHA1);	/* untouched */
}
END_TEST

START_TEST(alg_names_and_sizes)
{
	static const size_t sizes[] = { 16, 20, 28, 32, 48, 64 };
	enum xfed_tsig_alg alg;
	size_t i;

	ck_assert_str_eq(xfed_tsig_alg_dname(XFED_HMAC_MD5),
	    "hmac-md5.sig-alg.reg.int.");
	ck_assert_str_eq(xfed_tsig_alg_name(XFED_HMAC_MD5), "hmac-md5");
	ck_assert_str_eq(xfed_tsig_alg_name(XFED_HMAC_SHA384), "hmac-sha384");
	ck_assert_str_eq(xfed_tsig_alg_dname(XFED_HMAC_SHA384),
	    "hmac-sha384.");
	for (i = 0; i < XFED_TSIG_NALGS; i++) {
		ck_assert_uint_eq(xfed_tsig_alg_maclen(all_algs[i]), sizes[i]);
		/* Both spellings round-trip through the parser. */
		ck_assert_int_eq(xfed_tsig_alg_parse(
		    xfed_tsig_alg_name(all_algs[i]), &alg), 0);
		ck_assert_int_eq(alg, all_algs[i]);
		ck_assert_int_eq(xfed_tsig_alg_parse(
		    xfed_tsig_alg_dname(all_algs[i]), &alg), 0);
		ck_assert_int_eq(alg, all_algs[i]);
	}
	ck_assert_uint_eq(xfed_tsig_alg_maclen((enum xfed_tsig_alg)99), 0);
	ck_assert_ptr_null(xfed_tsig_alg_name((enum xfed_tsig_alg)99));
}
END_TEST

START_TEST(key_clear_resets)
{
	struct xfed_key k;

	key_init(&k, KEYNAME, XFED_HMAC_SHA512);
	xfed_key_clear(&k);
	ck_assert_ptr_null(k.name);
	ck_assert_ptr_null(k.secret);
	ck_assert_uint_eq(k.secret_len, 0);
	xfed_key_clear(&k);		/* twice is harmless */
	xfed_key_clear(NULL);
}
END_TEST

/* ---- sign and verify, every algorithm ---- */

START_TEST(roundtrip_each_alg)
{
	struct xfed_tsig_answer_opts o;
	struct xfed_tsig_request r;
	struct xfed_tsig_result res;
	struct xfed_key k;
	struct msg q, a;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0, qlen;
	enum xfed_tsig_alg alg = all_algs[_i];

	key_init(&k, KEYNAME, alg);
	build_update(&q, ID);
	qlen = q.len;
	ck_assert_int_eq(xfed_tsig_sign(&k, q.b, &q.len, sizeof(q.b), NOW,
	    &r), 0);
	ck_assert_uint_eq(r.mac_len, xfed_tsig_alg_maclen(alg));
	ck_assert_uint_eq(r.time_signed, NOW);
	ck_assert_uint_eq(r.id, ID);
	ck_assert_uint_gt(q.len, qlen);
	ck_assert_uint_eq(hdr16(&q, 10), 1);	/* ARCOUNT bumped */

	build_answer(&a, ID, 1);
	opts_init(&o, &r, NOW + 2);
	ck_assert_int_eq(sign_ans(&k, &a, &o, mac, &mac_len), 0);
	ck_assert_uint_eq(mac_len, xfed_tsig_alg_maclen(alg));
	ck_assert_int_eq(verify1(&k, &r, &a, NOW + 5, &res), 0);
	ck_assert(res.is_signed);
	ck_assert_uint_eq(res.tsig_error, 0);
	ck_assert_uint_eq(res.time_signed, NOW + 2);
	ck_assert_uint_eq(res.server_time, 0);
	xfed_key_clear(&k);
}
END_TEST

/* ---- cross-checks against ldns (md5, sha1, sha256, sha512) ---- */

static const enum xfed_tsig_alg ldns_algs[] = {
	XFED_HMAC_MD5, XFED_HMAC_SHA1, XFED_HMAC_SHA256, XFED_HMAC_SHA512,
};

static void
b64_secret(const struct xfed_key *k, char *out, size_t outsz)
{
	ck_assert_uint_ge(outsz, 4 * ((k->secret_len + 2) / 3) + 1);
	ck_assert_int_gt(EVP_EncodeBlock((unsigned char *)out, k->secret,
	    (int)k->secret_len), 0);
}

START_TEST(ldns_verifies_our_request)
{
	struct xfed_key k;
	struct xfed_tsig_request r;
	struct msg q;
	ldns_pkt *p = NULL;
	char b64[128];

	key_init(&k, KEYNAME, ldns_algs[_i]);
	b64_secret(&k, b64, sizeof(b64));
	sign_request(&k, &q, &r, (uint64_t)time(NULL));
	ck_assert_int_eq(ldns_wire2pkt(&p, q.b, q.len), LDNS_STATUS_OK);
	ck_assert(ldns_pkt_tsig_verify(p, q.b, q.len, KEYNAME ".", b64,
	    NULL));
	ldns_pkt_free(p);

	/* Control: the same check fails once one flag bit changes. */
	q.b[2] ^= 0x01;
	ck_assert_int_eq(ldns_wire2pkt(&p, q.b, q.len), LDNS_STATUS_OK);
	ck_assert(!ldns_pkt_tsig_verify(p, q.b, q.len, KEYNAME ".", b64,
	    NULL));
	ldns_pkt_free(p);
	xfed_key_clear(&k);
}
END_TEST

START_TEST(we_verify_ldns_answer)
{
	struct xfed_key k;
	struct xfed_tsig_request r, other;
	struct xfed_tsig_result res;
	struct msg q, a;
	ldns_pkt *p;
	ldns_rdf *qmac;
	ldns_rr *rr = NULL;
	uint8_t macbuf[2 + XFED_TSIG_MAX_MAC];
	uint64_t now = (uint64_t)time(NULL);
	char b64[128];

	key_init(&k, KEYNAME, ldns_algs[_i]);
	b64_secret(&k, b64, sizeof(b64));
	sign_request(&k, &q, &r, now);

	p = ldns_pkt_query_new(ldns_dname_new_frm_str("example.org."),
	    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(p, ID);
	ldns_pkt_set_qr(p, true);
	ck_assert_int_eq(ldns_rr_new_frm_str(&rr,
	    "example.org. 300 IN A 192.0.2.7", 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	/* ldns wants the request MAC with its length prefix. */
	macbuf[0] = (uint8_t)(r.mac_len >> 8);
	macbuf[1] = (uint8_t)r.mac_len;
	memcpy(macbuf + 2, r.mac, r.mac_len);
	qmac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2 + r.mac_len,
	    macbuf);
	ck_assert_int_eq(ldns_pkt_tsig_sign(p, KEYNAME ".", b64, 300,
	    xfed_tsig_alg_dname(k.alg), qmac), LDNS_STATUS_OK);
	pkt_to_msg(p, &a);
	ldns_rdf_deep_free(qmac);
	ldns_pkt_free(p);

	ck_assert_int_eq(verify1(&k, &r, &a, now, &res), 0);
	ck_assert(res.is_signed);

	/* Control: the same answer does not verify for another request. */
	sign_request(&k, &q, &other, now + 1);
	ck_assert_int_eq(verify1(&k, &other, &a, now, &res), XFED_EBADSIG);
	xfed_key_clear(&k);
}
END_TEST

/* ---- rejections of a single answer ---- */

START_TEST(time_inside_fudge_ok)
{
	sign_default(NOW);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW + 300, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW - 300, NULL), 0);
}
END_TEST

START_TEST(time_too_old)
{
	struct xfed_tsig_result res;

	sign_default(NOW - 301);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, &res), XFED_EBADTIME);
	ck_assert_uint_eq(res.time_signed, NOW - 301);
}
END_TEST

START_TEST(time_in_future)
{
	sign_default(NOW + 301);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADTIME);
}
END_TEST

static void
sign_badtime(uint64_t server_time)
{
	struct xfed_tsig_answer_opts o;
	uint8_t other[6];
	int i;

	for (i = 5; i >= 0; i--, server_time >>= 8)
		other[i] = server_time & 0xff;
	opts_init(&o, &req, NOW);
	o.error = XFED_TSIG_BADTIME;
	o.other = other;
	o.other_len = sizeof(other);
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
}

START_TEST(error_badtime_reports_server_time)
{
	struct xfed_tsig_result res;

	sign_badtime(NOW + 3600);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, &res), XFED_EBADTIME);
	ck_assert(res.is_signed);
	ck_assert_uint_eq(res.tsig_error, XFED_TSIG_BADTIME);
	ck_assert_uint_eq(res.server_time, NOW + 3600);
}
END_TEST

START_TEST(error_badtime_mac_still_checked)
{
	/* Last MAC octet sits before orig ID, error, other len, 6 other. */
	sign_badtime(NOW + 3600);
	ans.b[ans.len - 6 - 6 - 1] ^= 0x01;
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADSIG);
}
END_TEST

static void
sign_error_empty(uint16_t error)
{
	struct xfed_tsig_answer_opts o;

	opts_init(&o, &req, NOW);
	o.error = error;
	o.empty_mac = true;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
}

START_TEST(error_badsig_empty_mac)
{
	struct xfed_tsig_result res;

	sign_error_empty(XFED_TSIG_BADSIG);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, &res), XFED_EBADSIG);
	ck_assert_uint_eq(res.tsig_error, XFED_TSIG_BADSIG);
}
END_TEST

START_TEST(error_badkey_empty_mac)
{
	sign_error_empty(XFED_TSIG_BADKEY);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADKEY);
}
END_TEST

START_TEST(empty_mac_without_error)
{
	/* An empty MAC is only excused by BADSIG/BADKEY. */
	sign_error_empty(0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADTRUNC);
}
END_TEST

START_TEST(error_badtrunc_signed)
{
	struct xfed_tsig_answer_opts o;

	opts_init(&o, &req, NOW);
	o.error = XFED_TSIG_BADTRUNC;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_EBADTRUNC);
}
END_TEST

START_TEST(other_algorithm)
{
	struct xfed_tsig_answer_opts o;

	opts_init(&o, &req, NOW);
	o.other_alg = true;
	o.alg = XFED_HMAC_SHA512;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADKEY);
}
END_TEST

START_TEST(other_key_name)
{
	struct xfed_tsig_answer_opts o;
	struct xfed_key k2;

	key_init(&k2, "other.example", key.alg);	/* same secret */
	opts_init(&o, &req, NOW);
	ck_assert_int_eq(sign_ans(&k2, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADKEY);
	xfed_key_clear(&k2);
}
END_TEST

START_TEST(owner_case_insensitive)
{
	size_t i, start = 0;

	sign_default(NOW);
	/* Upper-case letters of the TSIG owner "key.example" in place. */
	for (i = 0; i + 13 <= ans.len; i++)
		if (memcmp(ans.b + i, "\003key\007example\000", 13) == 0)
			start = i;
	ck_assert_uint_gt(start, 0);
	ans.b[start + 1] = 'K';
	ans.b[start + 5] = 'E';
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), 0);
}
END_TEST

START_TEST(owner_compressed)
{
	struct msg a;
	size_t start;

	/* The question name is the key name, so the owner can point at it. */
	build_msg(&ans, ID, true, KEYNAME ".", NULL);
	start = ans.len;
	sign_default(NOW);
	memcpy(a.b, ans.b, start);
	a.b[start] = 0xc0;
	a.b[start + 1] = 12;
	memcpy(a.b + start + 2, ans.b + start + 13, ans.len - start - 13);
	a.len = ans.len - 11;
	ck_assert_int_eq(verify1(&key, &req, &a, NOW, NULL), 0);
}
END_TEST

START_TEST(no_tsig)
{
	struct xfed_tsig_result res;

	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, &res), XFED_EUNSIGNED);
	ck_assert(!res.is_signed);
}
END_TEST

START_TEST(two_tsigs)
{
	sign_default(NOW);
	sign_default(NOW);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
}
END_TEST

START_TEST(tsig_not_last)
{
	static const uint8_t a_rr[] = {
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 9,
	};

	sign_default(NOW);
	memcpy(ans.b + ans.len, a_rr, sizeof(a_rr));
	ans.len += sizeof(a_rr);
	set_hdr16(&ans, 10, hdr16(&ans, 10) + 1);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
}
END_TEST

START_TEST(tsig_in_answer_section)
{
	build_msg(&ans, ID, true, "example.org.", NULL);
	sign_default(NOW);
	set_hdr16(&ans, 6, 1);		/* ANCOUNT */
	set_hdr16(&ans, 10, 0);		/* ARCOUNT */
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
}
END_TEST

START_TEST(mac_truncation_limits)
{
	struct xfed_tsig_answer_opts o;
	struct msg base = ans;

	/* SHA-256: 16 octets is the floor, 15 is below it. */
	opts_init(&o, &req, NOW);
	o.mac_len = 16;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), 0);
	ans = base;
	o.mac_len = 15;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_EBADTRUNC);
}
END_TEST

START_TEST(mac_truncation_md5_floor)
{
	struct xfed_tsig_answer_opts o;
	struct xfed_tsig_request r;
	struct xfed_key k;
	struct msg q, base = ans;

	/* MD5: half the hash is 8, but 10 is the absolute floor. */
	key_init(&k, KEYNAME, XFED_HMAC_MD5);
	sign_request(&k, &q, &r, NOW);
	opts_init(&o, &r, NOW);
	o.mac_len = 10;
	ck_assert_int_eq(sign_ans(&k, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&k, &r, &ans, NOW, NULL), 0);
	ans = base;
	o.mac_len = 9;
	ck_assert_int_eq(sign_ans(&k, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&k, &r, &ans, NOW, NULL), XFED_EBADTRUNC);
	xfed_key_clear(&k);
}
END_TEST

START_TEST(mac_truncated_wrong)
{
	struct xfed_tsig_answer_opts o;

	/* A truncated MAC is still compared, on the octets present. */
	opts_init(&o, &req, NOW);
	o.mac_len = 20;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ans.b[ans.len - 6 - 1] ^= 0x80;
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADSIG);
}
END_TEST

START_TEST(mac_longer_than_hash)
{
	struct xfed_tsig_answer_opts o;

	opts_init(&o, &req, NOW);
	o.mac_len = 33;
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_EBADTRUNC);
}
END_TEST

START_TEST(body_bit_flipped)
{
	size_t body_end = ans.len;

	sign_default(NOW);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), 0);
	ans.b[body_end - 1] ^= 0x01;	/* last octet of the A record */
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADSIG);
}
END_TEST

START_TEST(id_substituted)
{
	/*
	 * The MAC covers the TSIG's original ID, not the header's (a
	 * forwarder may renumber); matching IDs is the caller's check.
	 */
	sign_default(NOW);
	set_hdr16(&ans, 0, ID + 1);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), 0);
}
END_TEST

START_TEST(wrong_request_mac)
{
	struct xfed_tsig_answer_opts o;
	struct xfed_tsig_request r2;
	struct msg q2;

	sign_request(&key, &q2, &r2, NOW + 1);	/* same ID, other MAC */
	ck_assert_uint_eq(r2.id, req.id);
	opts_init(&o, &r2, NOW);
	ck_assert_int_eq(sign_ans(&key, &ans, &o, NULL, NULL), 0);
	ck_assert_int_eq(verify1(&key, &r2, &ans, NOW, NULL), 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), XFED_EBADSIG);
}
END_TEST

START_TEST(truncated_wire)
{
	size_t n;

	sign_default(NOW);
	for (n = 0; n < ans.len; n++)
		ck_assert_msg(xfed_tsig_verify(NULL, ans.b, n, NOW, NULL) ==
		    XFED_EINVAL, "null verifier");
	for (n = 0; n < ans.len; n++) {
		struct xfed_tsig_verifier *v;
		int rc;

		v = xfed_tsig_verifier_new(&key, &req, false);
		rc = xfed_tsig_verify(v, ans.b, n, NOW, NULL);
		xfed_tsig_verifier_free(v);
		ck_assert_msg(rc == XFED_EMALFORMED, "prefix %zu: %d", n, rc);
	}
}
END_TEST

START_TEST(garbage_wire)
{
	struct xfed_tsig_verifier *v;
	uint8_t buf[512];
	unsigned int seed = 12345;
	size_t i, n;
	int round;

	v = xfed_tsig_verifier_new(&key, &req, false);
	for (round = 0; round < 2000; round++) {
		n = (size_t)(rand_r(&seed) % sizeof(buf));
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		/* Small counts reach the record walk more often. */
		if (n >= 12 && round % 2 == 0) {
			buf[4] = 0;
			buf[6] = 0;
			buf[8] = 0;
			buf[10] = 0;
			buf[5] &= 3;
			buf[7] &= 3;
			buf[9] &= 3;
			buf[11] &= 3;
		}
		ck_assert_int_ne(xfed_tsig_verify(v, buf, n, NOW, NULL), 0);
	}
	xfed_tsig_verifier_free(v);
}
END_TEST

START_TEST(pointer_loop)
{
	static const uint8_t self[] = {
		0x42, 0x42, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 12, 0, 6, 0, 1,			/* points at itself */
	};
	static const uint8_t fwd[] = {
		0x42, 0x42, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 14, 0, 6, 0, 1,	/* forwards, at a root label */
	};
	static const uint8_t out[] = {
		0x42, 0x42, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 6, 0, 1,			/* out of range */
	};
	struct msg m;

	memcpy(m.b, self, sizeof(self));
	m.len = sizeof(self);
	ck_assert_int_eq(verify1(&key, &req, &m, NOW, NULL), XFED_EMALFORMED);
	memcpy(m.b, fwd, sizeof(fwd));
	m.len = sizeof(fwd);
	ck_assert_int_eq(verify1(&key, &req, &m, NOW, NULL), XFED_EMALFORMED);
	memcpy(m.b, out, sizeof(out));
	m.len = sizeof(out);
	ck_assert_int_eq(verify1(&key, &req, &m, NOW, NULL), XFED_EMALFORMED);
}
END_TEST

START_TEST(tsig_class_ttl)
{
	struct msg base;
	size_t start = ans.len;

	/* Owner "key.example" is 13 octets, then type, class, TTL. */
	sign_default(NOW);
	base = ans;
	ans.b[start + 13 + 3] = 1;	/* class IN, not ANY */
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
	ans = base;
	ans.b[start + 13 + 7] = 1;	/* TTL 256, not 0 */
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
	ans = base;
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL), 0);
}
END_TEST

START_TEST(tsig_rdata_slack)
{
	size_t start = ans.len;
	uint16_t rdlen;

	/* One octet more RDATA than the TSIG fields account for. */
	sign_default(NOW);
	rdlen = hdr16(&ans, start + 13 + 8);
	set_hdr16(&ans, start + 13 + 8, rdlen + 1);
	ans.b[ans.len++] = 0;
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_ETSIGFORMAT);
}
END_TEST

START_TEST(arcount_zero_trailing)
{
	sign_default(NOW);
	set_hdr16(&ans, 10, 0);
	ck_assert_int_eq(verify1(&key, &req, &ans, NOW, NULL),
	    XFED_EMALFORMED);
}
END_TEST

START_TEST(single_answer_once)
{
	struct xfed_tsig_verifier *v;
	struct msg forged = ans;

	sign_default(NOW);
	forged = ans;
	forged.b[26] ^= 0x01;	/* QTYPE */
	v = xfed_tsig_verifier_new(&key, &req, false);
	ck_assert_ptr_nonnull(v);
	/* A forged datagram does not block the genuine answer... */
	ck_assert_int_eq(xfed_tsig_verify(v, forged.b, forged.len, NOW, NULL),
	    XFED_EBADSIG);
	ck_assert_int_eq(xfed_tsig_verify(v, ans.b, ans.len, NOW, NULL), 0);
	/* ...but one request has one answer. */
	ck_assert_int_eq(xfed_tsig_verify(v, ans.b, ans.len, NOW, NULL),
	    XFED_EINVAL);
	xfed_tsig_verifier_free(v);
}
END_TEST

START_TEST(verifier_without_request)
{
	struct xfed_tsig_verifier *v;

	sign_default(NOW);
	v = xfed_tsig_verifier_new(&key, NULL, false);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(xfed_tsig_verify(v, ans.b, ans.len, NOW, NULL),
	    XFED_EINVAL);
	xfed_tsig_verifier_free(v);
}
END_TEST

/* ---- request signing limits ---- */

START_TEST(sign_too_big_for_cap)
{
	struct xfed_tsig_request r;
	struct msg q, copy;
	size_t rr, cap;

	build_update(&q, ID);
	copy = q;
	/* owner 13 + fixed 10 + "hmac-sha256." 13 + 16 + MAC 32 */
	rr = 13 + 10 + 13 + 16 + 32;
	cap = q.len + rr - 1;
	ck_assert_int_eq(xfed_tsig_sign(&key, q.b, &q.len, cap, NOW, &r),
	    XFED_ETOOBIG);
	ck_assert_uint_eq(q.len, copy.len);
	ck_assert_mem_eq(q.b, copy.b, sizeof(q.b));
	cap++;
	ck_assert_int_eq(xfed_tsig_sign(&key, q.b, &q.len, cap, NOW, &r), 0);
	ck_assert_uint_eq(q.len, cap);
}
END_TEST

START_TEST(sign_too_big_for_dns)
{
	struct xfed_tsig_request r;
	size_t cap = 70000, len, rdlen = 65500 - 12 - 11;
	uint8_t *buf = xcalloc(1, cap), *copy;

	/* Header with ANCOUNT 1, one root-owned private-type record. */
	buf[7] = 1;
	buf[12] = 0;
	buf[13] = 0xff;
	buf[14] = 0x00;
	buf[15] = 0;
	buf[16] = 1;
	buf[21] = (uint8_t)(rdlen >> 8);
	buf[22] = (uint8_t)rdlen;
	len = 12 + 11 + rdlen;
	copy = xmalloc(cap);
	memcpy(copy, buf, cap);
	ck_assert_int_eq(xfed_tsig_sign(&key, buf, &len, cap, NOW, &r),
	    XFED_ETOOBIG);
	ck_assert_uint_eq(len, 65500);
	ck_assert_mem_eq(buf, copy, cap);
	free(buf);
	free(copy);
}
END_TEST

START_TEST(sign_rejects_bad_input)
{
	struct xfed_tsig_request r;
	struct msg q;
	size_t len = 5;

	ck_assert_int_eq(xfed_tsig_sign(&key, reqm.b, &len, sizeof(reqm.b),
	    NOW, &r), XFED_EINVAL);
	/* Already signed. */
	q = reqm;
	ck_assert_int_eq(xfed_tsig_sign(&key, q.b, &q.len, sizeof(q.b), NOW,
	    &r), XFED_EINVAL);
	ck_assert_uint_eq(q.len, reqm.len);
}
END_TEST

/* ---- streams ---- */

#define NSTREAM	5

/* A fully signed stream of n answers, chained as a server chains them. */
static void
build_stream(struct msg *m, int n)
{
	struct xfed_tsig_answer_opts o;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0;
	int i;

	for (i = 0; i < n; i++) {
		build_answer(&m[i], ID, i + 1);
		opts_init(&o, &req, NOW + (uint64_t)i);
		if (i > 0) {
			o.prev_mac = mac;
			o.prev_mac_len = mac_len;
		}
		ck_assert_int_eq(sign_ans(&key, &m[i], &o, mac, &mac_len), 0);
	}
}

/*
 * Sign m so its MAC also covers the unsigned messages u[0 .. nu) sent after
 * the message whose MAC is prev.  sign_answer has no knob for those, so the
 * unsigned messages and m are signed as one concatenated buffer (the MAC
 * input is the same octets) and the TSIG record is moved onto m.
 */
static void
sign_folded(struct msg *m, const struct msg *u, int nu,
    const uint8_t *prev, size_t prev_len, uint8_t *mac, size_t *mac_len)
{
	struct xfed_tsig_answer_opts o;
	size_t cap = 0, len = 0, at;
	uint8_t *cat;
	int i;

	for (i = 0; i < nu; i++)
		cap += u[i].len;
	cap += m->len + 512;
	cat = xmalloc(cap);
	for (i = 0; i < nu; i++) {
		memcpy(cat + len, u[i].b, u[i].len);
		len += u[i].len;
	}
	memcpy(cat + len, m->b, m->len);
	len += m->len;
	at = len;
	opts_init(&o, &req, NOW);
	o.prev_mac = prev;
	o.prev_mac_len = prev_len;
	ck_assert_int_eq(xfed_tsig_sign_answer(&key, cat, &len, cap, &o, mac,
	    mac_len), 0);
	memcpy(m->b + m->len, cat + at, len - at);
	m->len += len - at;
	set_hdr16(m, 10, hdr16(m, 10) + 1);
	free(cat);
}

static int
verify_stream(const struct msg *m, int n, int *failed_at)
{
	struct xfed_tsig_verifier *v;
	int i, rc = 0;

	v = xfed_tsig_verifier_new(&key, &req, true);
	ck_assert_ptr_nonnull(v);
	*failed_at = -1;
	for (i = 0; i < n; i++) {
		rc = xfed_tsig_verify(v, m[i].b, m[i].len, NOW, NULL);
		if (rc != 0) {
			*failed_at = i;
			break;
		}
	}
	xfed_tsig_verifier_free(v);
	return rc;
}

START_TEST(stream_all_signed)
{
	struct msg m[NSTREAM];
	int at;

	build_stream(m, NSTREAM);
	ck_assert_int_eq(verify_stream(m, NSTREAM, &at), 0);
}
END_TEST

START_TEST(stream_reordered)
{
	struct msg m[NSTREAM], t;
	int at;

	build_stream(m, NSTREAM);
	t = m[2];
	m[2] = m[3];
	m[3] = t;
	ck_assert_int_eq(verify_stream(m, NSTREAM, &at), XFED_EBADSIG);
	ck_assert_int_eq(at, 2);
}
END_TEST

START_TEST(stream_second_first)
{
	struct msg m[NSTREAM], t;
	int at;

	build_stream(m, NSTREAM);
	t = m[0];
	m[0] = m[1];
	m[1] = t;
	ck_assert_int_eq(verify_stream(m, NSTREAM, &at), XFED_EBADSIG);
	ck_assert_int_eq(at, 0);
}
END_TEST

START_TEST(stream_failure_is_final)
{
	struct xfed_tsig_verifier *v;
	struct msg m[NSTREAM], bad;

	build_stream(m, NSTREAM);
	bad = m[1];
	bad.b[26] ^= 0x01;	/* QTYPE */
	v = xfed_tsig_verifier_new(&key, &req, true);
	ck_assert_int_eq(xfed_tsig_verify(v, m[0].b, m[0].len, NOW, NULL), 0);
	ck_assert_int_eq(xfed_tsig_verify(v, bad.b, bad.len, NOW, NULL),
	    XFED_EBADSIG);
	/* The genuine message no longer rescues the transfer. */
	ck_assert_int_eq(xfed_tsig_verify(v, m[1].b, m[1].len, NOW, NULL),
	    XFED_EBADSIG);
	xfed_tsig_verifier_free(v);
}
END_TEST

/* m[0] signed, m[1 .. nu] unsigned, m[nu + 1] signed over the fold. */
static void
build_gappy(struct msg *m, int nu)
{
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0;
	struct xfed_tsig_answer_opts o;
	int i;

	for (i = 0; i < nu + 2; i++)
		build_answer(&m[i], ID, i + 1);
	opts_init(&o, &req, NOW);
	ck_assert_int_eq(sign_ans(&key, &m[0], &o, mac, &mac_len), 0);
	sign_folded(&m[nu + 1], &m[1], nu, mac, mac_len, mac, &mac_len);
}

START_TEST(stream_unsigned_intermediates)
{
	struct xfed_tsig_verifier *v;
	struct xfed_tsig_result res;
	struct msg m[4];

	build_gappy(m, 2);
	v = xfed_tsig_verifier_new(&key, &req, true);
	ck_assert_int_eq(xfed_tsig_verify(v, m[0].b, m[0].len, NOW, &res), 0);
	ck_assert(res.is_signed);
	ck_assert_int_eq(xfed_tsig_verify(v, m[1].b, m[1].len, NOW, &res), 0);
	ck_assert(!res.is_signed);
	ck_assert_int_eq(xfed_tsig_verify(v, m[2].b, m[2].len, NOW, &res), 0);
	ck_assert(!res.is_signed);
	ck_assert_int_eq(xfed_tsig_verify(v, m[3].b, m[3].len, NOW, &res), 0);
	ck_assert(res.is_signed);
	xfed_tsig_verifier_free(v);
}
END_TEST

START_TEST(stream_unsigned_tampered)
{
	struct msg m[4];
	int at;

	build_gappy(m, 2);
	m[2].b[m[2].len - 1] ^= 0x01;	/* the A record of a middle one */
	ck_assert_int_eq(verify_stream(m, 4, &at), XFED_EBADSIG);
	ck_assert_int_eq(at, 3);
}
END_TEST

START_TEST(stream_fold_required)
{
	struct xfed_tsig_answer_opts o;
	struct msg m[4];
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0;
	int at, i;

	/* The last message signed as if the middle ones never existed. */
	for (i = 0; i < 4; i++)
		build_answer(&m[i], ID, i + 1);
	opts_init(&o, &req, NOW);
	ck_assert_int_eq(sign_ans(&key, &m[0], &o, mac, &mac_len), 0);
	o.prev_mac = mac;
	o.prev_mac_len = mac_len;
	ck_assert_int_eq(sign_ans(&key, &m[3], &o, NULL, NULL), 0);
	ck_assert_int_eq(verify_stream(m, 4, &at), XFED_EBADSIG);
	ck_assert_int_eq(at, 3);
}
END_TEST

START_TEST(stream_99_unsigned_ok)
{
	struct msg *m = xcalloc(101, sizeof(*m));
	int at;

	build_gappy(m, 99);
	ck_assert_int_eq(verify_stream(m, 101, &at), 0);
	free(m);
}
END_TEST

START_TEST(stream_100_unsigned_fails)
{
	struct msg *m = xcalloc(102, sizeof(*m));
	int at;

	build_gappy(m, 100);
	ck_assert_int_eq(verify_stream(m, 102, &at), XFED_EUNSIGNED);
	ck_assert_int_eq(at, 100);
	free(m);
}
END_TEST

START_TEST(stream_first_unsigned)
{
	struct msg m[NSTREAM];
	int at;

	build_stream(m, NSTREAM);
	build_answer(&m[0], ID, 1);	/* replace with an unsigned one */
	ck_assert_int_eq(verify_stream(m, NSTREAM, &at), XFED_EUNSIGNED);
	ck_assert_int_eq(at, 0);
}
END_TEST

static Suite *
tsig_suite(void)
{
	Suite *s = suite_create("tsig");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, alg_parse_spellings);
	tcase_add_test(tc, alg_parse_rejects_unknown);
	tcase_add_test(tc, alg_names_and_sizes);
	tcase_add_test(tc, key_clear_resets);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, roundtrip_each_alg, 0, XFED_TSIG_NALGS);
	tcase_add_loop_test(tc, ldns_verifies_our_request, 0,
	    (int)(sizeof(ldns_algs) / sizeof(ldns_algs[0])));
	tcase_add_loop_test(tc, we_verify_ldns_answer, 0,
	    (int)(sizeof(ldns_algs) / sizeof(ldns_algs[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, time_inside_fudge_ok);
	tcase_add_test(tc, time_too_old);
	tcase_add_test(tc, time_in_future);
	tcase_add_test(tc, error_badtime_reports_server_time);
	tcase_add_test(tc, error_badtime_mac_still_checked);
	tcase_add_test(tc, error_badsig_empty_mac);
	tcase_add_test(tc, error_badkey_empty_mac);
	tcase_add_test(tc, empty_mac_without_error);
	tcase_add_test(tc, error_badtrunc_signed);
	tcase_add_test(tc, other_algorithm);
	tcase_add_test(tc, other_key_name);
	tcase_add_test(tc, owner_case_insensitive);
	tcase_add_test(tc, owner_compressed);
	tcase_add_test(tc, no_tsig);
	tcase_add_test(tc, two_tsigs);
	tcase_add_test(tc, tsig_not_last);
	tcase_add_test(tc, tsig_in_answer_section);
	tcase_add_test(tc, mac_truncation_limits);
	tcase_add_test(tc, mac_truncation_md5_floor);
	tcase_add_test(tc, mac_truncated_wrong);
	tcase_add_test(tc, mac_longer_than_hash);
	tcase_add_test(tc, body_bit_flipped);
	tcase_add_test(tc, id_substituted);
	tcase_add_test(tc, wrong_request_mac);
	tcase_add_test(tc, truncated_wire);
	tcase_add_test(tc, garbage_wire);
	tcase_add_test(tc, pointer_loop);
	tcase_add_test(tc, tsig_class_ttl);
	tcase_add_test(tc, tsig_rdata_slack);
	tcase_add_test(tc, arcount_zero_trailing);
	tcase_add_test(tc, single_answer_once);
	tcase_add_test(tc, verifier_without_request);
	tcase_add_test(tc, sign_too_big_for_cap);
	tcase_add_test(tc, sign_too_big_for_dns);
	tcase_add_test(tc, sign_rejects_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stream_all_signed);
	tcase_add_test(tc, stream_reordered);
	tcase_add_test(tc, stream_second_first);
	tcase_add_test(tc, stream_failure_is_final);
	tcase_add_test(tc, stream_unsigned_intermediates);
	tcase_add_test(tc, stream_unsigned_tampered);
	tcase_add_test(tc, stream_fold_required);
	tcase_add_test(tc, stream_99_unsigned_ok);
	tcase_add_test(tc, stream_100_unsigned_fails);
	tcase_add_test(tc, stream_first_unsigned);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tsig_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
