/*
 * gen_seeds: write the generated seed corpora of fuzz_response and
 * fuzz_auditlog (the configuration and control seeds are plain text files
 * kept by hand).
 *
 *	gen_seeds OUTDIR	writes OUTDIR/response/ and OUTDIR/auditlog/
 *
 * Answers are built with ldns and signed with xfed_tsig_sign_answer for the
 * requests of common.c, so the good ones verify in fuzz_response and the
 * fuzzer starts from authentic answers; the broken ones (unsigned, BADSIG,
 * BADTIME, truncated MAC, REFUSED) start it at each rejection path.  Audit
 * logs are written by the real writer (audit.c), plain and keyed, with a
 * rotation.  Run by `fuzz/run.sh --seeds`; the output is committed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "audit.h"
#include "common.h"
#include "tsig.h"

#define CHAIN_KEY	"fuzz-chain-key-0123456789abcdef"	/* fuzz_auditlog.c */

struct msg {
	uint8_t		 b[FUZZ_MAX_MSG];
	size_t		 len;
};

static const char *outdir;
static struct xfed_key keys[XFED_TSIG_NALGS];
static struct fuzz_request reqs[XFED_TSIG_NALGS][FUZZ_NREQ];

static void	die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "gen_seeds: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
mkdir_p(const char *dir)
{
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die("mkdir %s: %s", dir, strerror(errno));
}

static void
write_file(const char *sub, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

/* An answer to request r: same ID and question, QR, the given RRs. */
static void
build_answer(struct msg *m, const struct fuzz_request *r, ldns_pkt_rcode rc,
    bool question, const char *const *rrs)
{
	ldns_pkt *p;
	ldns_rr *rr;
	uint8_t *w = NULL;
	size_t wlen = 0;

	if ((p = ldns_pkt_new()) == NULL)
		die("ldns_pkt_new");
	ldns_pkt_set_id(p, ldns_pkt_id(r->pkt));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_opcode(p, ldns_pkt_get_opcode(r->pkt));
	ldns_pkt_set_rcode(p, (uint8_t)rc);
	if (question)
		ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, ldns_rr_clone(
		    ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0)));
	for (; rrs != NULL && *rrs != NULL; rrs++) {
		if (ldns_rr_new_frm_str(&rr, *rrs, 0, NULL, NULL) !=
		    LDNS_STATUS_OK)
			die("bad RR: %s", *rrs);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	if (ldns_pkt2wire(&w, p, &wlen) != LDNS_STATUS_OK ||
	    wlen > sizeof(m->b))
		die("ldns_pkt2wire");
	memcpy(m->b, w, wlen);
	m->len = wlen;
	free(w);
	ldns_pkt_free(p);
}

static void
opts_init(struct xfed_tsig_answer_opts *o, const struct fuzz_request *r)
{
	memset(o, 0, sizeof(*o));
	o->req = &r->req;
	o->time_signed = FUZZ_NOW;
}

static void
sign(struct msg *m, const struct xfed_key *k,
    const struct xfed_tsig_answer_opts *o, uint8_t *mac, size_t *mac_len)
{
	uint8_t dummy[XFED_TSIG_MAX_MAC];
	size_t dlen;

	if (xfed_tsig_sign_answer(k, m->b, &m->len, sizeof(m->b), o,
	    mac != NULL ? mac : dummy, mac_len != NULL ? mac_len : &dlen) != 0)
		die("xfed_tsig_sign_answer");
}

/* One seed of fuzz_response: the selector octet, then the message(s). */
static void
emit(const char *name, enum fuzz_req kind, enum xfed_tsig_alg alg,
    const struct msg *m, size_t n)
{
	uint8_t *buf;
	size_t i, len = 1;

	buf = malloc(1 + n * (2 + FUZZ_MAX_MSG));
	if (buf == NULL)
		die("out of memory");
	buf[0] = FUZZ_SELECTOR(kind, alg);
	for (i = 0; i < n; i++) {
		if (kind == FUZZ_REQ_AXFR) {
			buf[len++] = (uint8_t)(m[i].len >> 8);
			buf[len++] = (uint8_t)m[i].len;
		}
		memcpy(buf + len, m[i].b, m[i].len);
		len += m[i].len;
	}
	write_file("response", name, buf, len);
	free(buf);
}

static const char *const soa_rrs[] = {
	"contoso.com. 3600 IN SOA ns1.contoso.com. hostmaster.contoso.com. "
	    "2025112401 7200 3600 1209600 300",
	NULL
};

/* A zone as xfed finds it: its own records, a foreign one, conflicts. */
static const char *const zone_rrs[] = {
	"contoso.com. 3600 IN SOA ns1.contoso.com. hostmaster.contoso.com. "
	    "2025112401 7200 3600 1209600 300",
	"contoso.com. 3600 IN NS ns1.contoso.com.",
	"ns1.contoso.com. 3600 IN A 192.0.2.53",
	"_xmpp-server._tcp.contoso.com. 3600 IN SRV 0 0 5269 xmpp.contoso.com.",
	"_xmpp-server._tcp.contoso.com. 3600 IN TXT \"heritage=xfed,owner=xfed\"",
	"xmpp.contoso.com. 3600 IN A 203.0.113.10",
	"xmpp.contoso.com. 3600 IN AAAA 2001:db8::10",
	"xmpp.contoso.com. 3600 IN TXT \"heritage=xfed,owner=xfed\"",
	"xmpp.contoso.com. 3600 IN TXT \"v=spf1 -all\"",
	"xmpp2.contoso.com. 300 IN A 198.51.100.1",
	"_xmpps-server._tcp.contoso.com. 600 IN TXT \"heritage=xfed,owner=other\"",
	"_xmpp-server._tcp.chat.contoso.com. 3600 IN CNAME elsewhere.example.",
	"_xmpp-server._tcp.old.contoso.com. 3600 IN SRV 0 0 5269 xmpp.contoso.com.",
	"_xmpp-server._tcp.old.contoso.com. 3600 IN TXT \"heritage=xfed,owner=xfed\"",
	"contoso.com. 3600 IN SOA ns1.contoso.com. hostmaster.contoso.com. "
	    "2025112401 7200 3600 1209600 300",
	NULL
};

/* Sign m so its MAC also covers the unsigned message u before it. */
static void
sign_folded(struct msg *m, const struct msg *u, const struct xfed_key *k,
    const struct fuzz_request *r, const uint8_t *prev, size_t prev_len,
    uint8_t *mac, size_t *mac_len)
{
	struct xfed_tsig_answer_opts o;
	struct msg *cat;
	size_t at;

	if ((cat = malloc(sizeof(*cat))) == NULL)
		die("out of memory");
	memcpy(cat->b, u->b, u->len);
	memcpy(cat->b + u->len, m->b, m->len);
	cat->len = u->len + m->len;
	at = cat->len;
	opts_init(&o, r);
	o.prev_mac = prev;
	o.prev_mac_len = prev_len;
	sign(cat, k, &o, mac, mac_len);
	memcpy(m->b + m->len, cat->b + at, cat->len - at);
	m->len += cat->len - at;
	m->b[11]++;		/* ARCOUNT: sign counted it in cat's header */
	free(cat);
}

static void
response_seeds(void)
{
	static const uint8_t server_time[6] = { 0, 0, 0x69, 0x24, 0x8a, 0x00 };
	static const char *const part1[] = {
		"contoso.com. 3600 IN SOA ns1.contoso.com. "
		    "hostmaster.contoso.com. 2025112401 7200 3600 1209600 300",
		"contoso.com. 3600 IN NS ns1.contoso.com.",
		"xmpp.contoso.com. 3600 IN A 203.0.113.10",
		NULL
	};
	static const char *const part2[] = {
		"xmpp.contoso.com. 3600 IN TXT \"heritage=xfed,owner=xfed\"",
		NULL
	};
	static const char *const part3[] = {
		"_xmpp-server._tcp.contoso.com. 3600 IN SRV 0 0 5269 "
		    "xmpp.contoso.com.",
		"contoso.com. 3600 IN SOA ns1.contoso.com. "
		    "hostmaster.contoso.com. 2025112401 7200 3600 1209600 300",
		NULL
	};
	const enum xfed_tsig_alg s256 = XFED_HMAC_SHA256;
	struct xfed_tsig_answer_opts o;
	struct msg *m;
	uint8_t mac[XFED_TSIG_MAX_MAC];
	size_t mac_len;
	char name[64];
	int a;

	if ((m = calloc(3, sizeof(*m))) == NULL)
		die("out of memory");

	/* Discovery: SOA answers. */
	build_answer(&m[0], &reqs[s256][FUZZ_REQ_SOA], LDNS_RCODE_NOERROR,
	    true, soa_rrs);
	opts_init(&o, &reqs[s256][FUZZ_REQ_SOA]);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("soa-signed", FUZZ_REQ_SOA, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_SOA], LDNS_RCODE_REFUSED,
	    true, NULL);
	emit("soa-refused-unsigned", FUZZ_REQ_SOA, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_SOA], LDNS_RCODE_NOTAUTH,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_SOA]);
	o.error = XFED_TSIG_BADSIG;
	o.empty_mac = true;
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("soa-badsig", FUZZ_REQ_SOA, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_SOA], LDNS_RCODE_NOTAUTH,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_SOA]);
	o.error = XFED_TSIG_BADTIME;
	o.other = server_time;
	o.other_len = sizeof(server_time);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("soa-badtime", FUZZ_REQ_SOA, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_SOA], LDNS_RCODE_FORMERR,
	    false, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_SOA]);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("soa-formerr-noquestion", FUZZ_REQ_SOA, s256, m, 1);

	/* Updates: NOERROR under every algorithm, then the failures. */
	for (a = 0; a < XFED_TSIG_NALGS; a++) {
		build_answer(&m[0], &reqs[a][FUZZ_REQ_UPDATE],
		    LDNS_RCODE_NOERROR, true, NULL);
		opts_init(&o, &reqs[a][FUZZ_REQ_UPDATE]);
		sign(&m[0], &keys[a], &o, NULL, NULL);
		snprintf(name, sizeof(name), "update-noerror-%s",
		    xfed_tsig_alg_name((enum xfed_tsig_alg)a));
		emit(name, FUZZ_REQ_UPDATE, (enum xfed_tsig_alg)a, m, 1);
	}
	build_answer(&m[0], &reqs[s256][FUZZ_REQ_UPDATE], LDNS_RCODE_NXRRSET,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_UPDATE]);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("update-nxrrset", FUZZ_REQ_UPDATE, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_UPDATE], LDNS_RCODE_NOERROR,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_UPDATE]);
	o.mac_len = 16;
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("update-truncated-mac", FUZZ_REQ_UPDATE, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_UPDATE], LDNS_RCODE_NOERROR,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_UPDATE]);
	o.time_signed = FUZZ_NOW - 3600;
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("update-stale-time", FUZZ_REQ_UPDATE, s256, m, 1);

	/* Zone transfers. */
	build_answer(&m[0], &reqs[s256][FUZZ_REQ_AXFR], LDNS_RCODE_NOERROR,
	    true, zone_rrs);
	opts_init(&o, &reqs[s256][FUZZ_REQ_AXFR]);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("axfr-one-message", FUZZ_REQ_AXFR, s256, m, 1);

	build_answer(&m[0], &reqs[s256][FUZZ_REQ_AXFR], LDNS_RCODE_REFUSED,
	    true, NULL);
	opts_init(&o, &reqs[s256][FUZZ_REQ_AXFR]);
	sign(&m[0], &keys[s256], &o, NULL, NULL);
	emit("axfr-refused", FUZZ_REQ_AXFR, s256, m, 1);

	/* Three messages: signed, unsigned (folded in), signed. */
	build_answer(&m[0], &reqs[s256][FUZZ_REQ_AXFR], LDNS_RCODE_NOERROR,
	    true, part1);
	opts_init(&o, &reqs[s256][FUZZ_REQ_AXFR]);
	sign(&m[0], &keys[s256], &o, mac, &mac_len);
	build_answer(&m[1], &reqs[s256][FUZZ_REQ_AXFR], LDNS_RCODE_NOERROR,
	    false, part2);
	build_answer(&m[2], &reqs[s256][FUZZ_REQ_AXFR], LDNS_RCODE_NOERROR,
	    false, part3);
	sign_folded(&m[2], &m[1], &keys[s256], &reqs[s256][FUZZ_REQ_AXFR],
	    mac, mac_len, mac, &mac_len);
	emit("axfr-stream-unsigned-middle", FUZZ_REQ_AXFR, s256, m, 3);

	/* Two signed messages, the second without a question, sha512. */
	build_answer(&m[0], &reqs[XFED_HMAC_SHA512][FUZZ_REQ_AXFR],
	    LDNS_RCODE_NOERROR, true, part1);
	opts_init(&o, &reqs[XFED_HMAC_SHA512][FUZZ_REQ_AXFR]);
	sign(&m[0], &keys[XFED_HMAC_SHA512], &o, mac, &mac_len);
	build_answer(&m[1], &reqs[XFED_HMAC_SHA512][FUZZ_REQ_AXFR],
	    LDNS_RCODE_NOERROR, false, part3);
	opts_init(&o, &reqs[XFED_HMAC_SHA512][FUZZ_REQ_AXFR]);
	o.prev_mac = mac;
	o.prev_mac_len = mac_len;
	sign(&m[1], &keys[XFED_HMAC_SHA512], &o, mac, &mac_len);
	emit("axfr-stream-signed-sha512", FUZZ_REQ_AXFR, XFED_HMAC_SHA512,
	    m, 2);
	free(m);
}

/* Append the records a sync writes, as sync.c and update.c write them. */
static void
write_sync(struct xfed_audit *a, const char *trigger)
{
	xfed_audit_write(a, "sync-start", json_pack("{s:s}", "trigger",
	    trigger));
	xfed_audit_write(a, "update-intent", json_pack(
	    "{s:s, s:s, s:s, s:i, s:[s, s], s:[s], s:s, s:[s, s]}",
	    "zone", "contoso.com.", "server", "192.0.2.53#53",
	    "key", "xfed-key", "message", 1,
	    "add", "_xmpp-server._tcp.contoso.com. 3600 IN SRV 0 0 5269 "
	    "xmpp.contoso.com.", "xmpp.contoso.com. 3600 IN A 203.0.113.10",
	    "delete", "xmpp.contoso.com. 3600 IN A 203.0.113.9",
	    "trigger", trigger,
	    "prereq", "xmpp.contoso.com. 0 IN A 203.0.113.9",
	    "_xmpp-server._tcp.contoso.com. 0 NONE CNAME"));
	xfed_audit_write(a, "update", json_pack(
	    "{s:s, s:s, s:s, s:i, s:[s, s], s:[s], s:s, s:s, s:s, s:i, s:i}",
	    "zone", "contoso.com.", "server", "192.0.2.53#53",
	    "key", "xfed-key", "message", 1,
	    "add", "_xmpp-server._tcp.contoso.com. 3600 IN SRV 0 0 5269 "
	    "xmpp.contoso.com.", "xmpp.contoso.com. 3600 IN A 203.0.113.10",
	    "delete", "xmpp.contoso.com. 3600 IN A 203.0.113.9",
	    "trigger", trigger, "rcode", "NOERROR", "tsig", "verified",
	    "attempts", 1, "duration_ms", 12));
	xfed_audit_write(a, "conflict", json_pack("{s:s, s:s, s:s}",
	    "zone", "contoso.com.", "name", "_xmpp-server._tcp.chat.contoso.com.",
	    "reason", "CNAME at an owned name"));
	xfed_audit_write(a, "refused", json_pack("{s:s, s:s, s:I, s:I}",
	    "zone", "fabrikam.com.", "reason", "max-deletes", "deletes",
	    (json_int_t)12, "max_deletes", (json_int_t)10));
	xfed_audit_write(a, "error", json_pack("{s:s, s:s, s:s}",
	    "zone", "fabrikam.com.", "server", "192.0.2.54#53", "error",
	    "192.0.2.54#53: TSIG BADSIG with key 'xfed-key': authentication "
	    "failed (key name, secret or algorithm?)"));
	xfed_audit_write(a, "sync-end", json_pack("{s:s, s:i, s:[s, s]}",
	    "result", "partial", "exit", 2, "domains", "contoso.com",
	    "fabrikam.com"));
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	long n;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("%s: %s", path, strerror(errno));
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("%s: read", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* flags as fuzz_auditlog.c reads them, then one file or two. */
static void
emit_log(const char *name, uint8_t flags, const char *f1, const char *f2)
{
	char *a, *b = NULL, *buf;
	size_t la, lb = 0, len;

	a = slurp(f1, &la);
	if (f2 != NULL)
		b = slurp(f2, &lb);
	len = 1 + la + (f2 != NULL ? 1 + lb : 0);
	if ((buf = malloc(len)) == NULL)
		die("out of memory");
	buf[0] = (char)flags;
	memcpy(buf + 1, a, la);
	if (f2 != NULL) {
		buf[1 + la] = '\0';
		memcpy(buf + 2 + la, b, lb);
	}
	write_file("auditlog", name, buf, len);
	free(a);
	free(b);
	free(buf);
}

static void
auditlog_seeds(void)
{
	static const char args[] = "\x08" "2025-11-24T05:10:00.5+01:00\0"
	    "1w\0contoso.com.\0chat.contoso.com\0update,conflict\0";
	char dir[] = "/tmp/xfed-gen-seeds.XXXXXX", p1[128], p2[128];
	struct xfed_audit *a;
	char *log, *buf;
	size_t len;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(p1, sizeof(p1), "%s/audit.jsonl", dir);
	snprintf(p2, sizeof(p2), "%s/audit.jsonl.1", dir);

	/* Plain chain, then rotated: the new file links to the old one. */
	if (xfed_audit_open(p1, &a) != 0)
		die("xfed_audit_open %s", p1);
	xfed_audit_set_fsync(a, false);
	write_sync(a, "interval");
	emit_log("plain", 0x04, p1, NULL);
	if (rename(p1, p2) != 0 || xfed_audit_reopen(a) != 0)
		die("rotate");
	write_sync(a, "ctl");
	xfed_audit_close(a);
	emit_log("rotated", 0x00, p2, p1);
	emit_log("rotated-follow", 0x06, p2, p1);

	/* The same records with --since/--until/--zone/--domain/--event. */
	log = slurp(p1, &len);
	if ((buf = malloc(sizeof(args) - 1 + len)) == NULL)
		die("out of memory");
	memcpy(buf, args, sizeof(args) - 1);
	memcpy(buf + sizeof(args) - 1, log, len);
	write_file("auditlog", "filtered", buf, sizeof(args) - 1 + len);
	free(buf);
	free(log);
	unlink(p1);
	unlink(p2);

	/* Keyed chain, and a torn last line (a crash mid-write). */
	if (xfed_audit_open(p1, &a) != 0)
		die("xfed_audit_open %s", p1);
	xfed_audit_set_fsync(a, false);
	xfed_audit_set_chain_key(a, (const uint8_t *)CHAIN_KEY,
	    strlen(CHAIN_KEY));
	write_sync(a, "interval");
	xfed_audit_config_reload(a, "/etc/xfed/xfed.conf", NULL, false,
	    "/etc/xfed/xfed.conf:12: unknown algorithm", "signal", -1);
	xfed_audit_close(a);
	emit_log("keyed", 0x01 | 0x04, p1, NULL);
	log = slurp(p1, &len);
	if ((buf = malloc(len + 32)) == NULL)
		die("out of memory");
	buf[0] = 0x01;
	memcpy(buf + 1, log, len);
	memcpy(buf + 1 + len, "{\"ts\":\"2025-11-24T16:00", 23);
	write_file("auditlog", "keyed-torn", buf, len + 24);
	free(buf);
	free(log);
	unlink(p1);
	if (rmdir(dir) != 0)
		die("rmdir %s: %s", dir, strerror(errno));
}

int
main(int argc, char *argv[])
{
	int a, k;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	mkdir_p(outdir);
	for (a = 0; a < XFED_TSIG_NALGS; a++) {
		fuzz_key_init(&keys[a], (enum xfed_tsig_alg)a);
		for (k = 0; k < FUZZ_NREQ; k++)
			if (fuzz_request_init(&reqs[a][k], (enum fuzz_req)k,
			    &keys[a]) != 0)
				die("cannot build request %d", k);
	}
	response_seeds();
	auditlog_seeds();
	for (a = 0; a < XFED_TSIG_NALGS; a++) {
		for (k = 0; k < FUZZ_NREQ; k++)
			fuzz_request_clear(&reqs[a][k]);
		xfed_key_clear(&keys[a]);
	}
	return 0;
}
