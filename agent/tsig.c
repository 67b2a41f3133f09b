/*
 * TSIG signing and verification on wire-format DNS messages (RFC 8945, the
 * SHA-2 names of RFC 4635), with OpenSSL 3's EVP_MAC "HMAC".
 *
 * Everything here works on raw octets: the message is walked with explicit
 * bounds checks and never trusted further than it has been checked.  The
 * module does no I/O and reads no clock; the caller passes the time in.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "error.h"
#include "tsig.h"

#define DNS_HDRLEN	12
#define DNS_MAXMSG	65535
#define DNS_MAXNAME	255
#define DNS_MAXLABEL	63
#define RR_TYPE_TSIG	250
#define RR_CLASS_ANY	255
#define MIN_TRUNC	10	/* RFC 8945 5.2.2.1: never fewer MAC octets */
#define MAX_PTR_HOPS	64	/* far more than any honest name needs */

struct tsig_alg_info {
	const char	*name;		/* configuration spelling */
	const char	*dname;		/* DNS name, with the final dot */
	const char	*digest;	/* OpenSSL digest name */
	size_t		 maclen;
};

static const struct tsig_alg_info algs[XFED_TSIG_NALGS] = {
	[XFED_HMAC_MD5] =
	    { "hmac-md5", "hmac-md5.sig-alg.reg.int.", "MD5", 16 },
	[XFED_HMAC_SHA1] =
	    { "hmac-sha1", "hmac-sha1.", "SHA1", 20 },
	[XFED_HMAC_SHA224] =
	    { "hmac-sha224", "hmac-sha224.", "SHA224", 28 },
	[XFED_HMAC_SHA256] =
	    { "hmac-sha256", "hmac-sha256.", "SHA256", 32 },
	[XFED_HMAC_SHA384] =
	    { "hmac-sha384", "hmac-sha384.", "SHA384", 48 },
	[XFED_HMAC_SHA512] =
	    { "hmac-sha512", "hmac-sha512.", "SHA512", 64 },
};

/* A domain name in canonical wire form: uncompressed, lower case. */
struct wname {
	uint8_t		 data[DNS_MAXNAME];
	size_t		 len;
};

/* Where the TSIG record sits in a message, and what it says. */
struct tsig_rr {
	bool		 present;
	size_t		 start;		/* offset of its owner name */
	uint16_t	 arcount;	/* header ARCOUNT, TSIG included */
	struct wname	 owner;
	struct wname	 alg;
	uint64_t	 time_signed;
	uint16_t	 fudge;
	const uint8_t	*mac;
	size_t		 mac_len;
	uint16_t	 orig_id;
	uint16_t	 error;
	const uint8_t	*other;
	size_t		 other_len;
};

struct xfed_tsig_verifier {
	EVP_MAC_CTX	*run;		/* HMAC fed with what precedes a message */
	enum xfed_tsig_alg alg;
	struct wname	 keyname;
	struct wname	 algname;
	bool		 multi;
	unsigned int	 nsigned;	/* authentic signed messages so far */
	unsigned int	 unsigned_run;	/* unsigned messages since the last */
	int		 state;		/* nonzero: every call fails with it */
	unsigned char	*secret;	/* copy: the key may go away first */
	size_t		 secret_len;
};

/* ---- small wire helpers ---- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t
get48(const uint8_t *p)
{
	return ((uint64_t)get16(p) << 32) | get32(p + 2);
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return p + 2;
}

static uint8_t *
put48(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 5; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
	return p + 6;
}

static uint8_t *
putmem(uint8_t *p, const void *src, size_t n)
{
	if (n > 0)
		memcpy(p, src, n);
	return p + n;
}

static bool
alg_valid(enum xfed_tsig_alg alg)
{
	return (unsigned int)alg < XFED_TSIG_NALGS;
}

/* ---- algorithm names ---- */

int
xfed_tsig_alg_parse(const char *s, enum xfed_tsig_alg *alg)
{
	size_t i, n, dn;

	if (s == NULL || alg == NULL)
		return XFED_EINVAL;
	n = strlen(s);
	for (i = 0; i < XFED_TSIG_NALGS; i++) {
		dn = strlen(algs[i].dname);
		/* The short name, with or without a final dot. */
		if (strcasecmp(s, algs[i].name) == 0 ||
		    (n == strlen(algs[i].name) + 1 && s[n - 1] == '.' &&
		    strncasecmp(s, algs[i].name, n - 1) == 0) ||
		    /* The DNS name, with or without the final dot. */
		    strcasecmp(s, algs[i].dname) == 0 ||
		    (n == dn - 1 && strncasecmp(s, algs[i].dname, n) == 0)) {
			*alg = (enum xfed_tsig_alg)i;
			return 0;
		}
	}
	return XFED_EINVAL;
}

const char *
xfed_tsig_alg_name(enum xfed_tsig_alg alg)
{
	return alg_valid(alg) ? algs[alg].name : NULL;
}

const char *
xfed_tsig_alg_dname(enum xfed_tsig_alg alg)
{
	return alg_valid(alg) ? algs[alg].dname : NULL;
}

size_t
xfed_tsig_alg_maclen(enum xfed_tsig_alg alg)
{
	return alg_valid(alg) ? algs[alg].maclen : 0;
}

void
xfed_key_clear(struct xfed_key *key)
{
	if (key == NULL)
		return;
	if (key->secret != NULL) {
		OPENSSL_cleanse(key->secret, key->secret_len);
		free(key->secret);
	}
	free(key->name);
	key->name = NULL;
	key->secret = NULL;
	key->secret_len = 0;
	key->alg = XFED_HMAC_MD5;
}

/* ---- names ---- */

/*
 * Presentation name (no escapes: key and algorithm names never need them)
 * to canonical wire form.  "" and "." are the root.
 */
static int
text_to_wname(const char *s, struct wname *w)
{
	size_t lab, pos = 0;
	const char *p = s;

	while (*p != '\0' && !(p[0] == '.' && p[1] == '\0')) {
		lab = strcspn(p, ".");
		if (lab == 0 || lab > DNS_MAXLABEL ||
		    pos + 1 + lab + 1 > DNS_MAXNAME)
			return XFED_EINVAL;
		w->data[pos++] = (uint8_t)lab;
		for (; lab > 0; lab--, p++)
			w->data[pos++] = (uint8_t)tolower((unsigned char)*p);
		if (*p == '.')
			p++;
	}
	w->data[pos++] = 0;
	w->len = pos;
	return 0;
}

/*
 * Read the (possibly compressed) name at wire[*pos] into canonical form and
 * advance *pos past it.  A compression pointer must point strictly backwards
 * from where it sits, which bounds the walk and makes loops impossible; the
 * hop limit is a second guard.
 */
static int
read_name(const uint8_t *wire, size_t len, size_t *pos, struct wname *out)
{
	size_t p = *pos, end = 0, o = 0, lab;
	unsigned int hops = 0;
	bool jumped = false;
	uint8_t c;

	for (;;) {
		if (p >= len)
			return XFED_EMALFORMED;
		c = wire[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len || ++hops > MAX_PTR_HOPS)
				return XFED_EMALFORMED;
			target = ((size_t)(c & 0x3f) << 8) | wire[p + 1];
			if (target >= p)
				return XFED_EMALFORMED;
			if (!jumped)
				end = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if ((c & 0xc0) != 0)
			return XFED_EMALFORMED;	/* obsolete label types */
		lab = c;
		if (p + 1 + lab > len || o + 1 + lab > DNS_MAXNAME)
			return XFED_EMALFORMED;
		out->data[o++] = c;
		if (lab == 0)
			break;
		for (p++; lab > 0; lab--, p++)
			out->data[o++] = (uint8_t)tolower(wire[p]);
	}
	out->len = o;
	*pos = jumped ? end : p + 1;
	return 0;
}

static bool
wname_equal(const struct wname *a, const struct wname *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* ---- finding the TSIG ---- */

/* Parse the TSIG RDATA at wire[rd .. rd + rdlen). */
static int
parse_tsig_rdata(const uint8_t *wire, size_t len, size_t rd, size_t rdlen,
    struct tsig_rr *t)
{
	size_t p = rd, end = rd + rdlen;

	if (read_name(wire, len, &p, &t->alg) != 0 || p > end)
		return XFED_ETSIGFORMAT;
	if (end - p < 10)
		return XFED_ETSIGFORMAT;
	t->time_signed = get48(wire + p);
	t->fudge = get16(wire + p + 6);
	t->mac_len = get16(wire + p + 8);
	p += 10;
	if (end - p < t->mac_len)
		return XFED_ETSIGFORMAT;
	t->mac = wire + p;
	p += t->mac_len;
	if (end - p < 6)
		return XFED_ETSIGFORMAT;
	t->orig_id = get16(wire + p);
	t->error = get16(wire + p + 2);
	t->other_len = get16(wire + p + 4);
	p += 6;
	if (end - p != t->other_len)
		return XFED_ETSIGFORMAT;
	t->other = wire + p;
	return 0;
}

/*
 * Walk the whole message.  Any structural damage is XFED_EMALFORMED and wins
 * over TSIG placement errors, so a TSIG is never judged on half-parsed data.
 * A TSIG anywhere but as the very last record of the additional section, or
 * a second one, is XFED_ETSIGFORMAT.
 */
static int
find_tsig(const uint8_t *wire, size_t len, struct tsig_rr *t)
{
	struct wname name;
	size_t pos = DNS_HDRLEN, start, rd = 0, rdlen = 0;
	unsigned int i, qd, an, ns, ar, nrr, ntsig = 0;
	bool misplaced = false;
	uint16_t type, class = 0;
	uint32_t ttl = 0;

	memset(t, 0, sizeof(*t));
	if (wire == NULL || len < DNS_HDRLEN)
		return XFED_EMALFORMED;
	qd = get16(wire + 4);
	an = get16(wire + 6);
	ns = get16(wire + 8);
	ar = get16(wire + 10);
	for (i = 0; i < qd; i++) {
		if (read_name(wire, len, &pos, &name) != 0 || len - pos < 4)
			return XFED_EMALFORMED;
		pos += 4;
	}
	nrr = an + ns + ar;
	for (i = 0; i < nrr; i++) {
		start = pos;
		if (read_name(wire, len, &pos, &name) != 0 || len - pos < 10)
			return XFED_EMALFORMED;
		type = get16(wire + pos);
		if (len - pos - 10 < get16(wire + pos + 8))
			return XFED_EMALFORMED;
		if (type == RR_TYPE_TSIG) {
			ntsig++;
			if (i != nrr - 1 || i < an + ns)
				misplaced = true;
			t->start = start;
			t->owner = name;
			class = get16(wire + pos + 2);
			ttl = get32(wire + pos + 4);
			rd = pos + 10;
			rdlen = get16(wire + pos + 8);
		}
		pos += 10 + get16(wire + pos + 8);
	}
	if (pos != len)
		return XFED_EMALFORMED;		/* trailing octets */
	if (ntsig == 0)
		return 0;
	if (ntsig > 1 || misplaced || class != RR_CLASS_ANY || ttl != 0)
		return XFED_ETSIGFORMAT;
	t->present = true;
	t->arcount = (uint16_t)ar;
	return parse_tsig_rdata(wire, len, rd, rdlen, t);
}

int
xfed_tsig_check_placement(const uint8_t *wire, size_t len)
{
	struct tsig_rr t;

	return find_tsig(wire, len, &t);
}

/* ---- HMAC ---- */

static EVP_MAC_CTX *
hmac_new(enum xfed_tsig_alg alg, const unsigned char *secret, size_t len)
{
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	if (!alg_valid(alg) || secret == NULL || len == 0)
		return NULL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)algs[alg].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, secret, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static bool
hmac_add(EVP_MAC_CTX *ctx, const void *p, size_t n)
{
	return n == 0 || EVP_MAC_update(ctx, p, n) == 1;
}

/* Feed a MAC length and the MAC: how a prior MAC enters the next one. */
static bool
hmac_add_mac(EVP_MAC_CTX *ctx, const uint8_t *mac, size_t len)
{
	uint8_t l[2];

	put16(l, (uint16_t)len);
	return hmac_add(ctx, l, 2) && hmac_add(ctx, mac, len);
}

/*
 * Feed wire[0 .. len) as the signed message: the header with the given ID
 * and ARCOUNT (the ones it had before the TSIG was added), then the rest.
 */
static bool
hmac_add_message(EVP_MAC_CTX *ctx, const uint8_t *wire, size_t len,
    uint16_t id, uint16_t arcount)
{
	uint8_t hdr[DNS_HDRLEN];

	memcpy(hdr, wire, DNS_HDRLEN);
	put16(hdr, id);
	put16(hdr + 10, arcount);
	return hmac_add(ctx, hdr, DNS_HDRLEN) &&
	    hmac_add(ctx, wire + DNS_HDRLEN, len - DNS_HDRLEN);
}

/* The TSIG variables (RFC 8945 4.3.3), or only the timers (4.3.1). */
struct tsig_vars {
	const struct wname *keyname;
	const struct wname *algname;
	uint64_t	 time_signed;
	uint16_t	 fudge;
	uint16_t	 error;
	const uint8_t	*other;
	size_t		 other_len;
	bool		 timers_only;
};

static bool
hmac_add_vars(EVP_MAC_CTX *ctx, const struct tsig_vars *tv)
{
	static const uint8_t class_ttl[6] = { 0, RR_CLASS_ANY, 0, 0, 0, 0 };
	uint8_t timers[8], tail[4];

	put16(put48(timers, tv->time_signed), tv->fudge);
	if (tv->timers_only)
		return hmac_add(ctx, timers, sizeof(timers));
	put16(put16(tail, tv->error), (uint16_t)tv->other_len);
	return hmac_add(ctx, tv->keyname->data, tv->keyname->len) &&
	    hmac_add(ctx, class_ttl, sizeof(class_ttl)) &&
	    hmac_add(ctx, tv->algname->data, tv->algname->len) &&
	    hmac_add(ctx, timers, sizeof(timers)) &&
	    hmac_add(ctx, tail, sizeof(tail)) &&
	    hmac_add(ctx, tv->other, tv->other_len);
}

static bool
hmac_final(EVP_MAC_CTX *ctx, uint8_t *out, size_t *outlen)
{
	return EVP_MAC_final(ctx, out, outlen, XFED_TSIG_MAX_MAC) == 1;
}

/* ---- signing ---- */

static int
key_wnames(const struct xfed_key *key, enum xfed_tsig_alg alg,
    struct wname *kn, struct wname *an)
{
	if (key == NULL || key->name == NULL || key->secret == NULL ||
	    key->secret_len == 0 || !alg_valid(alg))
		return XFED_EINVAL;
	if (text_to_wname(key->name, kn) != 0 ||
	    text_to_wname(algs[alg].dname, an) != 0)
		return XFED_EINVAL;
	return 0;
}

static size_t
tsig_rr_size(const struct tsig_vars *tv, size_t mac_len)
{
	/* owner, type/class/TTL/rdlength, then the RDATA */
	return tv->keyname->len + 10 + tv->algname->len + 6 + 2 + 2 +
	    mac_len + 2 + 2 + 2 + tv->other_len;
}

/* Append the TSIG record and count it in ARCOUNT; room is checked. */
static void
append_tsig(uint8_t *buf, size_t *len, const struct tsig_vars *tv,
    const uint8_t *mac, size_t mac_len, uint16_t orig_id)
{
	uint8_t *p = buf + *len;
	size_t rdlen = tsig_rr_size(tv, mac_len) - tv->keyname->len - 10;

	p = putmem(p, tv->keyname->data, tv->keyname->len);
	p = put16(p, RR_TYPE_TSIG);
	p = put16(p, RR_CLASS_ANY);
	p = put16(put16(p, 0), 0);		/* TTL 0 */
	p = put16(p, (uint16_t)rdlen);
	p = putmem(p, tv->algname->data, tv->algname->len);
	p = put16(put48(p, tv->time_signed), tv->fudge);
	p = put16(p, (uint16_t)mac_len);
	p = putmem(p, mac, mac_len);
	p = put16(p, orig_id);
	p = put16(p, tv->error);
	p = put16(p, (uint16_t)tv->other_len);
	p = putmem(p, tv->other, tv->other_len);
	*len = (size_t)(p - buf);
	put16(buf + 10, get16(buf + 10) + 1);
}

static bool
fits(size_t len, size_t add, size_t cap)
{
	return add <= DNS_MAXMSG && len <= DNS_MAXMSG - add &&
	    len + add <= cap;
}

int
xfed_tsig_sign(const struct xfed_key *key, uint8_t *buf, size_t *len,
    size_t cap, uint64_t now, struct xfed_tsig_request *req)
{
	struct wname kn, an;
	struct tsig_rr t;
	struct tsig_vars tv;
	EVP_MAC_CTX *ctx;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0;
	bool ok;

	if (key == NULL || buf == NULL || len == NULL || req == NULL ||
	    *len > cap || key_wnames(key, key->alg, &kn, &an) != 0)
		return XFED_EINVAL;
	/* Only a well-formed message without a TSIG is ours to sign. */
	if (find_tsig(buf, *len, &t) != 0 || t.present ||
	    get16(buf + 10) == 0xffff)
		return XFED_EINVAL;
	memset(&tv, 0, sizeof(tv));
	tv.keyname = &kn;
	tv.algname = &an;
	tv.time_signed = now & 0xffffffffffffULL;
	tv.fudge = XFED_TSIG_FUDGE;
	if (!fits(*len, tsig_rr_size(&tv, algs[key->alg].maclen), cap))
		return XFED_ETOOBIG;

	if ((ctx = hmac_new(key->alg, key->secret, key->secret_len)) == NULL)
		return XFED_ENOMEM;
	ok = hmac_add(ctx, buf, *len) && hmac_add_vars(ctx, &tv) &&
	    hmac_final(ctx, mac, &mac_len);
	EVP_MAC_CTX_free(ctx);
	if (!ok || mac_len != algs[key->alg].maclen)
		return XFED_ENOMEM;

	memset(req, 0, sizeof(*req));
	memcpy(req->mac, mac, mac_len);
	req->mac_len = mac_len;
	req->time_signed = tv.time_signed;
	req->id = get16(buf);
	append_tsig(buf, len, &tv, mac, mac_len, req->id);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/*
 * Server side.  Deliberately permissive where a test needs a broken answer:
 * a message that already carries a TSIG is signed again (two TSIGs), the
 * algorithm named may differ from the key's, and mac_len may be shorter
 * than the hash or longer (then padded with zero octets up to
 * XFED_TSIG_MAX_MAC).
 */
int
xfed_tsig_sign_answer(const struct xfed_key *key, uint8_t *buf, size_t *len,
    size_t cap, const struct xfed_tsig_answer_opts *o, uint8_t *mac_out,
    size_t *mac_out_len)
{
	struct wname kn, an;
	struct tsig_vars tv;
	EVP_MAC_CTX *ctx;
	enum xfed_tsig_alg alg;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t full = 0, mac_len;
	uint16_t orig_id;
	bool ok;

	if (buf == NULL || len == NULL || o == NULL || key == NULL ||
	    *len < DNS_HDRLEN || *len > cap || get16(buf + 10) == 0xffff ||
	    (o->other_len > 0 && o->other == NULL) ||
	    (o->prev_mac_len > 0 && o->prev_mac == NULL) ||
	    o->mac_len > XFED_TSIG_MAX_MAC)
		return XFED_EINVAL;
	alg = o->other_alg ? o->alg : key->alg;
	if (key_wnames(key, alg, &kn, &an) != 0)
		return XFED_EINVAL;
	orig_id = o->req != NULL ? o->req->id : get16(buf);

	memset(&tv, 0, sizeof(tv));
	tv.keyname = &kn;
	tv.algname = &an;
	tv.time_signed = o->time_signed & 0xffffffffffffULL;
	tv.fudge = o->fudge != 0 ? o->fudge : XFED_TSIG_FUDGE;
	tv.error = o->error;
	tv.other = o->other;
	tv.other_len = o->other_len;
	tv.timers_only = o->prev_mac != NULL;
	if (o->empty_mac)
		mac_len = 0;
	else if (o->mac_len != 0)
		mac_len = o->mac_len;
	else
		mac_len = algs[alg].maclen;
	if (!fits(*len, tsig_rr_size(&tv, mac_len), cap))
		return XFED_ETOOBIG;

	memset(mac, 0, sizeof(mac));
	if (mac_len > 0) {
		if ((ctx = hmac_new(alg, key->secret, key->secret_len)) == NULL)
			return XFED_ENOMEM;
		if (o->prev_mac != NULL)
			ok = hmac_add_mac(ctx, o->prev_mac, o->prev_mac_len);
		else if (o->req != NULL)
			ok = hmac_add_mac(ctx, o->req->mac, o->req->mac_len);
		else
			ok = true;
		ok = ok && hmac_add_message(ctx, buf, *len, orig_id,
		    get16(buf + 10)) && hmac_add_vars(ctx, &tv) &&
		    hmac_final(ctx, mac, &full);
		EVP_MAC_CTX_free(ctx);
		if (!ok)
			return XFED_ENOMEM;
	}
	append_tsig(buf, len, &tv, mac, mac_len, orig_id);
	if (mac_out != NULL)
		memcpy(mac_out, mac, mac_len);
	if (mac_out_len != NULL)
		*mac_out_len = mac_len;
	return 0;
}

/* ---- verification ---- */

/* A fresh running HMAC that starts with a prior MAC. */
static EVP_MAC_CTX *
run_start(const struct xfed_tsig_verifier *v, const uint8_t *mac,
    size_t mac_len)
{
	EVP_MAC_CTX *ctx;

	if ((ctx = hmac_new(v->alg, v->secret, v->secret_len)) == NULL)
		return NULL;
	if (!hmac_add_mac(ctx, mac, mac_len)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct xfed_tsig_verifier *
xfed_tsig_verifier_new(const struct xfed_key *key,
    const struct xfed_tsig_request *req, bool multi)
{
	struct xfed_tsig_verifier *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->multi = multi;
	/*
	 * A bad key or a missing request is the caller's bug: the verifier
	 * is still returned, but it never accepts anything.
	 */
	if (req == NULL || req->mac_len > XFED_TSIG_MAX_MAC || key == NULL ||
	    key_wnames(key, key->alg, &v->keyname, &v->algname) != 0) {
		v->state = XFED_EINVAL;
		return v;
	}
	v->alg = key->alg;
	if ((v->secret = malloc(key->secret_len)) == NULL) {
		free(v);
		return NULL;
	}
	memcpy(v->secret, key->secret, key->secret_len);
	v->secret_len = key->secret_len;
	if ((v->run = run_start(v, req->mac, req->mac_len)) == NULL) {
		xfed_tsig_verifier_free(v);
		return NULL;
	}
	return v;
}

void
xfed_tsig_verifier_free(struct xfed_tsig_verifier *v)
{
	if (v == NULL)
		return;
	EVP_MAC_CTX_free(v->run);
	if (v->secret != NULL) {
		OPENSSL_cleanse(v->secret, v->secret_len);
		free(v->secret);
	}
	free(v);
}

/* The XFED_E* class of a nonzero TSIG error field. */
static int
tsig_error_code(uint16_t error)
{
	switch (error) {
	case XFED_TSIG_BADSIG:
		return XFED_EBADSIG;
	case XFED_TSIG_BADKEY:
	case 21:			/* BADALG (RFC 2930) */
		return XFED_EBADKEY;
	case XFED_TSIG_BADTIME:
		return XFED_EBADTIME;
	case XFED_TSIG_BADTRUNC:
		return XFED_EBADTRUNC;
	default:
		return XFED_ETSIGFORMAT;
	}
}

/* Compute the MAC the message should carry and compare it. */
static int
check_mac(const struct xfed_tsig_verifier *v, const uint8_t *wire,
    const struct tsig_rr *t)
{
	struct tsig_vars tv;
	EVP_MAC_CTX *ctx;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len = 0;
	bool ok;

	memset(&tv, 0, sizeof(tv));
	tv.keyname = &v->keyname;
	tv.algname = &v->algname;
	tv.time_signed = t->time_signed;
	tv.fudge = t->fudge;
	tv.error = t->error;
	tv.other = t->other;
	tv.other_len = t->other_len;
	tv.timers_only = v->nsigned > 0;

	/* Work on a copy: a failed check must not disturb the stream. */
	if ((ctx = EVP_MAC_CTX_dup(v->run)) == NULL)
		return XFED_ENOMEM;
	ok = hmac_add_message(ctx, wire, t->start, t->orig_id,
	    t->arcount - 1) && hmac_add_vars(ctx, &tv) &&
	    hmac_final(ctx, mac, &mac_len);
	EVP_MAC_CTX_free(ctx);
	if (!ok || mac_len != algs[v->alg].maclen)
		return XFED_ENOMEM;
	/* A truncated MAC is compared on the octets it has. */
	if (CRYPTO_memcmp(mac, t->mac, t->mac_len) != 0)
		return XFED_EBADSIG;
	return 0;
}

/* Every check of a signed message, in the order RFC 8945 5.3 implies. */
static int
check_signed(const struct xfed_tsig_verifier *v, const uint8_t *wire,
    const struct tsig_rr *t, uint64_t now, struct xfed_tsig_result *res)
{
	size_t hash = algs[v->alg].maclen;
	size_t min = hash / 2 > MIN_TRUNC ? hash / 2 : MIN_TRUNC;
	uint64_t skew;
	int rc;

	if (!wname_equal(&t->owner, &v->keyname) ||
	    !wname_equal(&t->alg, &v->algname))
		return XFED_EBADKEY;
	/* The server could not authenticate us; nothing to check. */
	if (t->mac_len == 0 && (t->error == XFED_TSIG_BADSIG ||
	    t->error == XFED_TSIG_BADKEY))
		return tsig_error_code(t->error);
	if (t->mac_len < min || t->mac_len > hash)
		return XFED_EBADTRUNC;
	if ((rc = check_mac(v, wire, t)) != 0)
		return rc;
	if (t->error == XFED_TSIG_BADTIME && t->other_len == 6)
		res->server_time = get48(t->other);
	if (t->error != 0)
		return tsig_error_code(t->error);
	skew = now > t->time_signed ? now - t->time_signed :
	    t->time_signed - now;
	if (skew > t->fudge)
		return XFED_EBADTIME;
	return 0;
}

/* An unsigned message: only allowed inside a stream, and folded in. */
static int
take_unsigned(struct xfed_tsig_verifier *v, const uint8_t *wire, size_t len)
{
	if (!v->multi || v->nsigned == 0 ||
	    v->unsigned_run >= XFED_TSIG_MAX_UNSIGNED)
		return XFED_EUNSIGNED;
	if (!hmac_add(v->run, wire, len))
		return XFED_ENOMEM;
	v->unsigned_run++;
	return 0;
}

/* The one place a signed message is accepted: chain its MAC onward. */
static int
accept_signed(struct xfed_tsig_verifier *v, const struct tsig_rr *t)
{
	EVP_MAC_CTX *next;

	if ((next = run_start(v, t->mac, t->mac_len)) == NULL)
		return XFED_ENOMEM;
	EVP_MAC_CTX_free(v->run);
	v->run = next;
	v->nsigned++;
	v->unsigned_run = 0;
	return 0;
}

/*
 * A stream is all or nothing, so the first failure in one poisons the
 * verifier.  A single answer's failure does not: a forged datagram must not
 * stop the genuine answer that follows from being verified.
 */
static int
fail(struct xfed_tsig_verifier *v, int rc)
{
	if (v->multi)
		v->state = rc;
	return rc;
}

int
xfed_tsig_verify(struct xfed_tsig_verifier *v, const uint8_t *wire,
    size_t len, uint64_t now, struct xfed_tsig_result *res)
{
	struct xfed_tsig_result dummy;
	struct tsig_rr t;
	int rc;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (v == NULL)
		return XFED_EINVAL;
	if (v->state != 0)
		return v->state;
	if (!v->multi && v->nsigned > 0)
		return XFED_EINVAL;	/* one answer per request */
	if ((rc = find_tsig(wire, len, &t)) != 0)
		return fail(v, rc);
	if (!t.present) {
		if ((rc = take_unsigned(v, wire, len)) != 0)
			return fail(v, rc);
		return 0;
	}
	res->is_signed = true;
	res->tsig_error = t.error;
	res->time_signed = t.time_signed;
	if ((rc = check_signed(v, wire, &t, now, res)) != 0)
		return fail(v, rc);
	if ((rc = accept_signed(v, &t)) != 0)
		return fail(v, rc);
	return 0;
}
