/*
 * fakedns: a scriptable DNS server for xfed's fault tests.
 *
 * It serves one zone from memory on 127.0.0.1:PORT (UDP and TCP): SOA and
 * address queries, a TSIG-signed AXFR, and RFC 2136 UPDATEs whose
 * prerequisites are checked and whose changes are applied, as a primary
 * does.  A scenario then makes it misbehave in exactly one way a real
 * named never will (silence, wrong IDs, unsigned or badly signed answers,
 * broken TSIG records, truncated or garbage packets, TC=1, lost replies,
 * broken zone transfers), so each test sees the agent's reaction to that
 * one fault and nothing else.
 *
 * The scenario axfr-stream answers a transfer with generated, correctly
 * signed messages: --stream-records N of them (0: without end), each a TXT
 * of --stream-txt octets, --axfr-per-msg to a message, --stream-pause-ms
 * between messages.  That is the authenticated but hostile primary the
 * transfer bounds are for: huge, endless or dripping.  A child process
 * writes the stream, so the server keeps answering meanwhile.
 *
 * usage: fakedns --port P --key NAME:ALG:BASE64 --zone ZONE
 *	    --scenario SCEN [--on KINDS] [--times N] [--skip N] [--rcode RCODE]
 *	    [--skew SECONDS] [--tsig-error N] [--no-genuine]
 *	    [--axfr-per-msg N] [--rr 'RR LINE']... [--log FILE]
 *	    [--stream-records N] [--stream-txt N] [--stream-pause-ms MS]
 *
 * --on soa,axfr,update,query,all picks the requests that misbehave (each
 * scenario has a sensible default); --times N only the first N of them;
 * --skip N answers the first N of them well (the read before an UPDATE,
 * say, so that the fault hits the read-back after it).
 * Every request is logged as one line of key=value pairs (see log_request)
 * so a test can check what the agent sent: fresh IDs and times on retries,
 * exactly one TSIG, its MAC verified, UDP or TCP, sizes and prerequisites.
 * The line "ready port=P" is logged once both sockets listen.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "error.h"
#include "keyfile.h"
#include "tsig.h"
#include "util.h"

#define MAX_MSG		65535
#define MAX_CONNS	64
#define RR_TYPE_TSIG	250

enum scenario {
	SC_GOOD,
	SC_SILENT,		/* no answer, UDP or TCP */
	SC_SILENT_UDP,
	SC_SILENT_TCP,		/* accept, read, never answer */
	SC_WRONG_ID,		/* bogus answers first, then the genuine one */
	SC_QR0,
	SC_WRONG_OPCODE,
	SC_OTHER_ZONE,
	SC_UNSIGNED,		/* --rcode, no TSIG */
	SC_BADSIG,		/* MAC made with another secret */
	SC_OTHER_KEY,		/* signed by a key of another name */
	SC_OTHER_ALG,		/* TSIG names another algorithm */
	SC_BADTIME_SIGNED,	/* NOTAUTH, TSIG error BADTIME, server time */
	SC_TIME_OUTSIDE_FUDGE,	/* valid MAC, time signed now + skew */
	SC_TSIG_ERROR,		/* valid MAC, TSIG error --tsig-error */
	SC_BADSIG_EMPTY_MAC,	/* NOTAUTH, TSIG error BADSIG, no MAC */
	SC_BADKEY_EMPTY_MAC,	/* NOTAUTH, TSIG error BADKEY, no MAC */
	SC_TWO_TSIG,
	SC_TSIG_NOT_LAST,
	SC_MAC_TRUNCATED,	/* fewer octets than max(10, hash / 2) */
	SC_MAC_TOO_LONG,	/* more octets than the hash */
	SC_TRUNCATED_PACKET,	/* a genuine answer cut in half */
	SC_GARBAGE,		/* right ID and QR, unparseable body */
	SC_TC_UDP,		/* TC=1 over UDP; TCP answers normally */
	SC_RCODE,		/* authentic answer with --rcode, nothing done */
	SC_LOST_REPLY,		/* apply the update, send no answer */
	SC_AXFR_UNSIGNED_MIDDLE,	/* legal: unsigned in the middle */
	SC_AXFR_FORGED_UNSIGNED,	/* an unsigned message outside the MAC */
	SC_AXFR_BAD_MAC_IN_MIDDLE,
	SC_AXFR_UNSIGNED_END,
	SC_AXFR_UNSIGNED_FIRST,
	SC_AXFR_STREAM,		/* generated, signed, huge/endless/slow */
};

#define ON_SOA		0x01
#define ON_AXFR		0x02
#define ON_UPDATE	0x04
#define ON_QUERY	0x08
#define ON_ALL		0x0f

static const struct {
	const char	*name;
	enum scenario	 sc;
	int		 on;	/* the requests it applies to by default */
} scenarios[] = {
	{ "good",			SC_GOOD,		0 },
	{ "silent",			SC_SILENT,		ON_ALL },
	{ "silent-udp",			SC_SILENT_UDP,		ON_UPDATE },
	{ "silent-tcp",			SC_SILENT_TCP,		ON_AXFR },
	{ "wrong-id",			SC_WRONG_ID,		ON_UPDATE },
	{ "qr0",			SC_QR0,			ON_UPDATE },
	{ "wrong-opcode",		SC_WRONG_OPCODE,	ON_UPDATE },
	{ "other-zone",			SC_OTHER_ZONE,		ON_UPDATE },
	{ "unsigned",			SC_UNSIGNED,		ON_UPDATE },
	{ "badsig",			SC_BADSIG,		ON_UPDATE },
	{ "other-key",			SC_OTHER_KEY,		ON_UPDATE },
	{ "other-alg",			SC_OTHER_ALG,		ON_UPDATE },
	{ "badtime-signed",		SC_BADTIME_SIGNED,	ON_UPDATE },
	{ "time-outside-fudge",		SC_TIME_OUTSIDE_FUDGE,	ON_UPDATE },
	{ "tsig-error",			SC_TSIG_ERROR,		ON_UPDATE },
	{ "tsig-error-badsig-empty-mac", SC_BADSIG_EMPTY_MAC,	ON_UPDATE },
	{ "tsig-error-badkey-empty-mac", SC_BADKEY_EMPTY_MAC,	ON_UPDATE },
	{ "two-tsig",			SC_TWO_TSIG,		ON_UPDATE },
	{ "tsig-not-last",		SC_TSIG_NOT_LAST,	ON_UPDATE },
	{ "mac-truncated",		SC_MAC_TRUNCATED,	ON_UPDATE },
	{ "mac-too-long",		SC_MAC_TOO_LONG,	ON_UPDATE },
	{ "truncated-packet",		SC_TRUNCATED_PACKET,	ON_UPDATE },
	{ "garbage",			SC_GARBAGE,		ON_UPDATE },
	{ "tc-udp",			SC_TC_UDP,		ON_UPDATE },
	{ "rcode",			SC_RCODE,		ON_UPDATE },
	{ "refused-soa",		SC_RCODE,		ON_SOA },
	{ "lost-reply",			SC_LOST_REPLY,		ON_UPDATE },
	{ "axfr-unsigned-middle",	SC_AXFR_UNSIGNED_MIDDLE, ON_AXFR },
	{ "axfr-forged-unsigned",	SC_AXFR_FORGED_UNSIGNED, ON_AXFR },
	{ "axfr-bad-mac-in-middle",	SC_AXFR_BAD_MAC_IN_MIDDLE, ON_AXFR },
	{ "axfr-unsigned-end",		SC_AXFR_UNSIGNED_END,	ON_AXFR },
	{ "axfr-unsigned-first",	SC_AXFR_UNSIGNED_FIRST,	ON_AXFR },
	{ "axfr-stream",		SC_AXFR_STREAM,		ON_AXFR },
};

struct options {
	uint16_t	 port;
	struct xfed_key	 key;
	bool		 have_key;
	ldns_rdf	*zone;
	enum scenario	 sc;
	int		 on;
	unsigned	 times;		/* 0: every matching request */
	unsigned	 skip;		/* the first N matching ones are good */
	ldns_pkt_rcode	 rcode;
	int64_t		 skew;
	uint16_t	 tsig_error;
	bool		 genuine;	/* after bogus answers, the real one */
	size_t		 per_msg;	/* AXFR records per message */
	size_t		 stream_records; /* axfr-stream: 0 endless */
	size_t		 stream_txt;	/* octets of each TXT */
	unsigned	 stream_pause_ms;
	const char	*logpath;
};

/* One request as received, parsed and checked. */
struct request {
	ldns_pkt		*pkt;
	const uint8_t		*wire;
	size_t			 len;
	bool			 tcp;
	int			 kind;		/* ON_* */
	unsigned		 ntsig;
	bool			 is_signed;
	bool			 verified;
	uint64_t		 time_signed;
	struct xfed_tsig_request req;	/* its MAC, for signing answers */
};

/* The messages to send back, in order. */
struct replies {
	uint8_t		**msg;
	size_t		 *len;
	size_t		  n;
};

struct conn {
	int		 fd;
	uint8_t		*buf;
	size_t		 have;
};

struct server {
	struct options	*o;
	int		 udp, tcp;
	struct conn	 conns[MAX_CONNS];
	ldns_rr_list	*rrs;		/* the zone; its SOA first */
	unsigned	 nreq;
	unsigned	 hits;		/* requests that misbehaved */
	unsigned	 skipped;	/* matching requests answered well */
	FILE		*log;
	int		 cur_fd;	/* TCP connection being served, or -1 */
	pid_t		 streams[MAX_CONNS];	/* axfr-stream writers */
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: fakedns --port P --key NAME:ALG:BASE64 "
	    "--zone ZONE --scenario SCEN [--on soa,axfr,update,query,all] "
	    "[--times N] [--skip N] [--rcode RCODE] [--skew S] "
	    "[--tsig-error N] [--no-genuine] [--axfr-per-msg N] [--rr 'RR']... [--log FILE]\n"
	    "\t[--stream-records N] [--stream-txt N] [--stream-pause-ms MS]\n"
	    "scenarios:");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fputc('\n', stderr);
	exit(1);
}

static void
die(const char *what)
{
	fprintf(stderr, "fakedns: %s\n", what);
	exit(1);
}

/* ---- wire helpers ---- */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Skip a possibly compressed name; false when it runs off the end. */
static bool
skip_name(const uint8_t *w, size_t len, size_t *pos)
{
	size_t p = *pos;

	while (p < len) {
		if ((w[p] & 0xc0) == 0xc0) {
			*pos = p + 2;
			return p + 2 <= len;
		}
		if (w[p] == 0) {
			*pos = p + 1;
			return true;
		}
		p += 1 + w[p];
	}
	return false;
}

/* Where a message's TSIG records are: count, and the last one's place. */
struct tsig_place {
	unsigned	 n;
	size_t		 start;		/* offset of its owner name */
	size_t		 rdata;
	size_t		 rdlen;
};

static bool
find_tsigs(const uint8_t *w, size_t len, struct tsig_place *tp)
{
	size_t pos = 12, start;
	unsigned i, nrr;

	memset(tp, 0, sizeof(*tp));
	if (len < 12)
		return false;
	for (i = 0; i < get16(w + 4); i++) {
		if (!skip_name(w, len, &pos) || len - pos < 4)
			return false;
		pos += 4;
	}
	nrr = (unsigned)get16(w + 6) + get16(w + 8) + get16(w + 10);
	for (i = 0; i < nrr; i++) {
		start = pos;
		if (!skip_name(w, len, &pos) || len - pos < 10 ||
		    len - pos - 10 < get16(w + pos + 8))
			return false;
		if (get16(w + pos) == RR_TYPE_TSIG) {
			tp->n++;
			tp->start = start;
			tp->rdata = pos + 10;
			tp->rdlen = get16(w + pos + 8);
		}
		pos += 10 + get16(w + pos + 8);
	}
	return true;
}

/*
 * Check a signed request's MAC the way the agent computed it: the message
 * without its TSIG, original ID and ARCOUNT restored, signed again with
 * the time it carries.  Fills r->req with the request's own MAC.
 */
static void
check_request_tsig(const struct server *s, struct request *r,
    const struct tsig_place *tp)
{
	struct xfed_tsig_request mine;
	uint8_t *copy;
	size_t p = tp->rdata, end = tp->rdata + tp->rdlen, maclen, clen;
	const uint8_t *mac;
	uint16_t orig;

	if (!skip_name(r->wire, end, &p) || end - p < 10)
		return;
	r->time_signed = ((uint64_t)get16(r->wire + p) << 32) |
	    ((uint64_t)get16(r->wire + p + 2) << 16) | get16(r->wire + p + 4);
	maclen = get16(r->wire + p + 8);
	p += 10;
	if (end - p < maclen + 6 || maclen > XFED_TSIG_MAX_MAC)
		return;
	mac = r->wire + p;
	orig = get16(r->wire + p + maclen);
	memcpy(r->req.mac, mac, maclen);
	r->req.mac_len = maclen;
	r->req.time_signed = r->time_signed;
	r->req.id = get16(r->wire);
	if (!s->o->have_key || r->ntsig != 1)
		return;
	copy = xmalloc(MAX_MSG);
	clen = tp->start;
	memcpy(copy, r->wire, clen);
	put16(copy, orig);
	put16(copy + 10, get16(copy + 10) - 1);
	if (xfed_tsig_sign(&s->o->key, copy, &clen, MAX_MSG, r->time_signed,
	    &mine) == 0 && mine.mac_len == maclen &&
	    memcmp(mine.mac, mac, maclen) == 0)
		r->verified = true;
	free(copy);
}

/* ---- the zone ---- */

static bool
in_zone(const struct server *s, const ldns_rdf *name)
{
	return ldns_dname_compare(name, s->o->zone) == 0 ||
	    ldns_dname_is_subdomain(name, s->o->zone);
}

static bool
same_owner(const ldns_rr *rr, const ldns_rdf *name)
{
	return ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
}

static bool
name_in_use(const struct server *s, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(s->rrs); i++)
		if (same_owner(ldns_rr_list_rr(s->rrs, i), name))
			return true;
	return false;
}

static size_t
rrset_count(const struct server *s, const ldns_rdf *name, ldns_rr_type t)
{
	size_t i, n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(s->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(s->rrs, i);

		if (same_owner(rr, name) && ldns_rr_get_type(rr) == t)
			n++;
	}
	return n;
}

static bool
zone_has(const struct server *s, const ldns_rr *want)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(s->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(s->rrs, i);

		/* Cheap tests first: ldns_rr_compare renders both RRs. */
		if (ldns_rr_get_type(rr) == ldns_rr_get_type(want) &&
		    same_owner(rr, ldns_rr_owner(want)) &&
		    ldns_rr_compare(rr, want) == 0)
			return true;
	}
	return false;
}

static void
bump_serial(struct server *s)
{
	ldns_rr *soa = ldns_rr_list_rr(s->rrs, 0);
	ldns_rdf *old = ldns_rr_rdf(soa, 2);
	uint32_t serial = ldns_rdf2native_int32(old);

	ldns_rdf_deep_free(ldns_rr_set_rdf(soa,
	    ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial + 1), 2));
}

/* Value-dependent prerequisite (RFC 2136 3.2.3): the RRset exactly. */
static bool
rrset_equals(const struct server *s, const ldns_rr_list *pre,
    const ldns_rr *first)
{
	const ldns_rdf *name = ldns_rr_owner(first);
	ldns_rr_type t = ldns_rr_get_type(first);
	size_t i, n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(pre, i);

		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    !same_owner(rr, name) || ldns_rr_get_type(rr) != t)
			continue;
		if (!zone_has(s, rr))
			return false;
		n++;
	}
	return n == rrset_count(s, name, t);
}

/* RFC 2136 3.2.5: the first prerequisite that fails decides the rcode. */
static ldns_pkt_rcode
check_prereqs(const struct server *s, const ldns_rr_list *pre)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(pre, i);
		const ldns_rdf *name = ldns_rr_owner(rr);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if (ldns_rr_ttl(rr) != 0)
			return LDNS_RCODE_FORMERR;
		if (!in_zone(s, name))
			return LDNS_RCODE_NOTZONE;
		switch (ldns_rr_get_class(rr)) {
		case LDNS_RR_CLASS_ANY:
			if (t == LDNS_RR_TYPE_ANY && !name_in_use(s, name))
				return LDNS_RCODE_NXDOMAIN;
			if (t != LDNS_RR_TYPE_ANY &&
			    rrset_count(s, name, t) == 0)
				return LDNS_RCODE_NXRRSET;
			break;
		case LDNS_RR_CLASS_NONE:
			if (t == LDNS_RR_TYPE_ANY && name_in_use(s, name))
				return LDNS_RCODE_YXDOMAIN;
			if (t != LDNS_RR_TYPE_ANY &&
			    rrset_count(s, name, t) > 0)
				return LDNS_RCODE_YXRRSET;
			break;
		case LDNS_RR_CLASS_IN:
			if (!rrset_equals(s, pre, rr))
				return LDNS_RCODE_NXRRSET;
			break;
		default:
			return LDNS_RCODE_FORMERR;
		}
	}
	return LDNS_RCODE_NOERROR;
}

/* Remove the RRs matching (name, type, rr): type ANY / rr NULL widen it. */
static size_t
zone_delete(struct server *s, const ldns_rdf *name, ldns_rr_type t,
    const ldns_rr *rr)
{
	size_t i = 0, n = 0;

	while (i < ldns_rr_list_rr_count(s->rrs)) {
		ldns_rr *z = ldns_rr_list_rr(s->rrs, i);
		ldns_rr_type zt = ldns_rr_get_type(z);
		bool apex = ldns_dname_compare(ldns_rr_owner(z),
		    s->o->zone) == 0;

		if (!same_owner(z, name) || (t != LDNS_RR_TYPE_ANY &&
		    zt != t) || (rr != NULL && ldns_rr_compare(z, rr) != 0) ||
		    (apex && (zt == LDNS_RR_TYPE_SOA ||
		    zt == LDNS_RR_TYPE_NS))) {
			i++;
			continue;
		}
		ldns_rr_free(z);
		ldns_rr_list_set_rr(s->rrs, ldns_rr_list_rr(s->rrs,
		    ldns_rr_list_rr_count(s->rrs) - 1), i);
		ldns_rr_list_set_rr_count(s->rrs,
		    ldns_rr_list_rr_count(s->rrs) - 1);
		n++;
	}
	return n;
}

/* Add an RR; the whole RRset takes its TTL, as BIND does. */
static size_t
zone_add(struct server *s, const ldns_rr *rr)
{
	size_t i;
	bool dup = zone_has(s, rr);

	for (i = 0; i < ldns_rr_list_rr_count(s->rrs); i++) {
		ldns_rr *z = ldns_rr_list_rr(s->rrs, i);

		if (same_owner(z, ldns_rr_owner(rr)) &&
		    ldns_rr_get_type(z) == ldns_rr_get_type(rr))
			ldns_rr_set_ttl(z, ldns_rr_ttl(rr));
	}
	if (dup)
		return 0;
	ldns_rr_list_push_rr(s->rrs, ldns_rr_clone(rr));
	return 1;
}

/* RFC 2136 3.4: check the update section, then apply it. */
static ldns_pkt_rcode
apply_update(struct server *s, const ldns_rr_list *up, size_t *added,
    size_t *removed)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(up); i++)
		if (!in_zone(s, ldns_rr_owner(ldns_rr_list_rr(up, i))))
			return LDNS_RCODE_NOTZONE;
	for (i = 0; i < ldns_rr_list_rr_count(up); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(up, i);
		const ldns_rdf *name = ldns_rr_owner(rr);

		switch (ldns_rr_get_class(rr)) {
		case LDNS_RR_CLASS_IN:
			*added += zone_add(s, rr);
			break;
		case LDNS_RR_CLASS_ANY:
			*removed += zone_delete(s, name, ldns_rr_get_type(rr),
			    NULL);
			break;
		case LDNS_RR_CLASS_NONE:
			*removed += zone_delete(s, name, ldns_rr_get_type(rr),
			    rr);
			break;
		default:
			return LDNS_RCODE_FORMERR;
		}
	}
	if (*added + *removed > 0)
		bump_serial(s);
	return LDNS_RCODE_NOERROR;
}

/* ---- building answers ---- */

static void
replies_push(struct replies *out, const uint8_t *msg, size_t len)
{
	out->msg = xreallocarray(out->msg, out->n + 1, sizeof(*out->msg));
	out->len = xreallocarray(out->len, out->n + 1, sizeof(*out->len));
	out->msg[out->n] = xmalloc(len > 0 ? len : 1);
	memcpy(out->msg[out->n], msg, len);
	out->len[out->n++] = len;
}

static void
replies_clear(struct replies *out)
{
	size_t i;

	for (i = 0; i < out->n; i++)
		free(out->msg[i]);
	free(out->msg);
	free(out->len);
	memset(out, 0, sizeof(*out));
}

static ldns_pkt *
answer_new(const struct request *r, ldns_pkt_rcode rcode, bool question)
{
	ldns_pkt *a = ldns_pkt_new();
	const ldns_rr_list *q = ldns_pkt_question(r->pkt);
	size_t i;

	ldns_pkt_set_id(a, ldns_pkt_id(r->pkt));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_set_opcode(a, ldns_pkt_get_opcode(r->pkt));
	ldns_pkt_set_rcode(a, rcode);
	for (i = 0; question && i < ldns_rr_list_rr_count(q); i++)
		ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION,
		    ldns_rr_clone(ldns_rr_list_rr(q, i)));
	return a;
}

/* Render into buf (MAX_MSG octets); false if it does not fit. */
static bool
render(ldns_pkt *a, uint8_t *buf, size_t *len)
{
	uint8_t *wire = NULL;
	size_t wlen = 0;

	if (ldns_pkt2wire(&wire, a, &wlen) != LDNS_STATUS_OK ||
	    wlen > MAX_MSG) {
		free(wire);
		return false;
	}
	memcpy(buf, wire, wlen);
	free(wire);
	*len = wlen;
	return true;
}

/* Sign an answer as a correct server would (if the request was signed). */
static int
sign(const struct server *s, const struct request *r, uint8_t *buf,
    size_t *len, const struct xfed_tsig_answer_opts *base,
    const struct xfed_key *key)
{
	struct xfed_tsig_answer_opts o;

	if (!r->is_signed || !s->o->have_key)
		return 0;
	if (base != NULL)
		o = *base;
	else
		memset(&o, 0, sizeof(o));
	o.req = &r->req;
	if (o.time_signed == 0)
		o.time_signed = (uint64_t)time(NULL);
	return xfed_tsig_sign_answer(key != NULL ? key : &s->o->key, buf,
	    len, MAX_MSG, &o, NULL, NULL);
}

/* The answer a correct server gives to a query (SOA, A, AAAA...). */
static ldns_pkt *
answer_query(const struct server *s, const struct request *r)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0);
	const ldns_rdf *name = ldns_rr_owner(q);
	ldns_rr_type t = ldns_rr_get_type(q);
	ldns_pkt *a;
	size_t i, n = 0;

	if (!in_zone(s, name))
		return answer_new(r, LDNS_RCODE_REFUSED, true);
	a = answer_new(r, LDNS_RCODE_NOERROR, true);
	for (i = 0; i < ldns_rr_list_rr_count(s->rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(s->rrs, i);

		if (same_owner(rr, name) && ldns_rr_get_type(rr) == t) {
			ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER,
			    ldns_rr_clone(rr));
			n++;
		}
	}
	if (n == 0) {
		/* The SOA in the authority section: how discovery walks. */
		if (!name_in_use(s, name))
			ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
		ldns_pkt_push_rr(a, LDNS_SECTION_AUTHORITY,
		    ldns_rr_clone(ldns_rr_list_rr(s->rrs, 0)));
	}
	return a;
}

/* Check and apply an UPDATE as a primary does; its answer. */
static ldns_pkt *
answer_update(struct server *s, const struct request *r)
{
	const ldns_rr *zq = ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0);
	ldns_pkt_rcode rc;
	size_t added = 0, removed = 0;

	if (ldns_dname_compare(ldns_rr_owner(zq), s->o->zone) != 0)
		rc = LDNS_RCODE_NOTAUTH;
	else if (s->o->have_key && !r->verified)
		rc = LDNS_RCODE_REFUSED;
	else if ((rc = check_prereqs(s, ldns_pkt_answer(r->pkt))) ==
	    LDNS_RCODE_NOERROR)
		rc = apply_update(s, ldns_pkt_authority(r->pkt), &added,
		    &removed);
	fprintf(s->log, "update n=%u rcode=%s added=%zu removed=%zu\n",
	    s->nreq, xfed_rcode_name(rc), added, removed);
	return answer_new(r, rc, true);
}

/* Append one genuine answer (query or update) to out. */
static void
genuine(struct server *s, const struct request *r, struct replies *out,
    const struct xfed_tsig_answer_opts *opts, const struct xfed_key *key,
    uint8_t *buf)
{
	ldns_pkt *a;
	size_t len;

	a = r->kind == ON_UPDATE ? answer_update(s, r) : answer_query(s, r);
	if (render(a, buf, &len) && sign(s, r, buf, &len, opts, key) == 0)
		replies_push(out, buf, len);
	ldns_pkt_free(a);
}

/* ---- zone transfers ---- */

static bool
send_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The transfer's messages, unsigned: SOA, records, SOA. */
static void
axfr_messages(const struct server *s, const struct request *r,
    struct replies *raw)
{
	size_t i, n = ldns_rr_list_rr_count(s->rrs), per = s->o->per_msg;
	uint8_t *buf = xmalloc(MAX_MSG);
	ldns_pkt *a = NULL;
	size_t len;

	for (i = 0; i <= n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(s->rrs, i == n ? 0 : i);

		if (a == NULL)
			a = answer_new(r, LDNS_RCODE_NOERROR, i == 0);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, ldns_rr_clone(rr));
		if (ldns_pkt_ancount(a) >= per || i == n) {
			if (render(a, buf, &len))
				replies_push(raw, buf, len);
			ldns_pkt_free(a);
			a = NULL;
		}
	}
	free(buf);
}

/*
 * Sign message i of a transfer: chained on the previous MAC, and, after
 * unsigned messages, over them too (RFC 8945 5.3.1).  xfed_tsig_sign_answer
 * has no notion of those, but the MAC input is simply their octets before
 * this message's, so it signs their concatenation (their header carries
 * the same ID) and the signed message is cut out of the result.
 */
static bool
sign_chained(const struct request *r,
    struct replies *raw, size_t i, size_t from, uint8_t *prev,
    size_t *prev_len, const struct xfed_key *key, uint8_t *buf, size_t *len)
{
	struct xfed_tsig_answer_opts o;
	size_t k, off = 0, total;

	memset(&o, 0, sizeof(o));
	o.req = &r->req;
	o.time_signed = (uint64_t)time(NULL);
	if (*prev_len > 0) {
		o.prev_mac = prev;
		o.prev_mac_len = *prev_len;
	}
	for (k = from; k < i; k++) {
		memcpy(buf + off, raw->msg[k], raw->len[k]);
		off += raw->len[k];
	}
	memcpy(buf + off, raw->msg[i], raw->len[i]);
	total = off + raw->len[i];
	if (xfed_tsig_sign_answer(key, buf, &total, 4 * MAX_MSG, &o, prev,
	    prev_len) != 0)
		return false;
	*len = total - off;
	memmove(buf, buf + off, *len);
	put16(buf + 10, get16(raw->msg[i] + 10) + 1);
	return true;
}

/* Which transfer messages go unsigned, or forged, or with a bad MAC. */
static void
axfr_answer(struct server *s, const struct request *r, bool bad,
    struct replies *out)
{
	struct replies raw = { 0 };
	struct xfed_key badkey;
	uint8_t *buf = xmalloc(4 * MAX_MSG), prev[XFED_TSIG_MAX_MAC];
	size_t i, len, prev_len = 0, from = 0, last;
	enum scenario sc = bad ? s->o->sc : SC_GOOD;

	axfr_messages(s, r, &raw);
	last = raw.n - 1;
	badkey = s->o->key;
	for (i = 0; i < raw.n; i++) {
		const struct xfed_key *key = &s->o->key;
		bool unsig = false, forged = false;

		if (!r->is_signed || !s->o->have_key) {
			replies_push(out, raw.msg[i], raw.len[i]);
			continue;
		}
		switch (sc) {
		case SC_AXFR_UNSIGNED_MIDDLE:
			unsig = i > 0 && i < last;
			break;
		case SC_AXFR_FORGED_UNSIGNED:
			forged = i == 1 && i < last;
			break;
		case SC_AXFR_BAD_MAC_IN_MIDDLE:
			if (i == raw.n / 2 && i > 0) {
				badkey.secret = xmalloc(s->o->key.secret_len);
				memcpy(badkey.secret, s->o->key.secret,
				    s->o->key.secret_len);
				badkey.secret[0] ^= 0x55;
				key = &badkey;
			}
			break;
		case SC_AXFR_UNSIGNED_END:
			unsig = i == last && i > 0;
			break;
		case SC_AXFR_UNSIGNED_FIRST:
			unsig = i == 0;
			break;
		default:
			break;
		}
		if (unsig || forged) {
			replies_push(out, raw.msg[i], raw.len[i]);
			/* A forged message is left out of the MAC chain. */
			if (forged)
				from = i + 1;
			continue;
		}
		if (i == 0 && sc == SC_AXFR_UNSIGNED_FIRST)
			from = 1;
		if (!sign_chained(r, &raw, i, from, prev, &prev_len, key,
		    buf, &len))
			break;
		if (key == &badkey) {
			free(badkey.secret);
			badkey.secret = s->o->key.secret;
		}
		replies_push(out, buf, len);
		from = i + 1;
	}
	free(buf);
	replies_clear(&raw);
}

/* One generated record of a streamed transfer. */
static ldns_rr *
stream_rr(const struct server *s, size_t k)
{
	char *zone = ldns_rdf2str(s->o->zone), *line, *p;
	size_t left = s->o->stream_txt, n;
	ldns_rr *rr = NULL;

	line = xmalloc(64 + strlen(zone) + left + 3 * (left / 200 + 1));
	p = line + sprintf(line, "r%zu.%s 3600 IN TXT", k, zone);
	do {
		n = left > 200 ? 200 : left;
		*p++ = ' ';
		*p++ = '"';
		memset(p, 'x', n);
		p += n;
		*p++ = '"';
		left -= n;
	} while (left > 0);
	*p = '\0';
	if (ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) != LDNS_STATUS_OK)
		die("cannot build a streamed record");
	free(line);
	free(zone);
	return rr;
}

static bool
send_msg(int fd, const uint8_t *msg, size_t len)
{
	uint8_t prefix[2];

	put16(prefix, (uint16_t)len);
	return send_all(fd, prefix, 2) && send_all(fd, msg, len);
}

/*
 * Message k of a streamed transfer, unsigned: the SOA first, then records
 * (the same ones in every message: rendering must not slow the stream
 * down, or the agent never finds its socket empty), the SOA at the end.
 */
static bool
stream_message(const struct server *s, const struct request *r, unsigned k,
    size_t *sent, uint8_t *buf, size_t *len)
{
	size_t j, total = s->o->stream_records;
	ldns_pkt *a = answer_new(r, LDNS_RCODE_NOERROR, k == 0);
	bool last;

	if (k == 0)
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER,
		    ldns_rr_clone(ldns_rr_list_rr(s->rrs, 0)));
	for (j = 0; j < s->o->per_msg && (total == 0 || *sent < total);
	    j++, (*sent)++)
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, stream_rr(s, j));
	if ((last = total != 0 && *sent >= total))
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER,
		    ldns_rr_clone(ldns_rr_list_rr(s->rrs, 0)));
	if (!render(a, buf, len))
		die("streamed message too large");
	ldns_pkt_free(a);
	return last;
}

/*
 * axfr-stream, in a child: message after message, each signed on the
 * previous MAC, until the records run out, the agent hangs up, or the
 * server stops.
 */
static void
axfr_stream(const struct server *s, const struct request *r, int fd)
{
	struct replies raw = { 0 }, mid = { 0 };
	uint8_t *buf = xmalloc(4 * MAX_MSG), prev[XFED_TSIG_MAX_MAC];
	size_t prev_len = 0, len, sent = 0, per = s->o->per_msg;
	bool last = false;
	unsigned k;

	for (k = 0; !stopping && !last; k++) {
		/* A full middle message is rendered once, then re-sent. */
		if (k > 0 && mid.n == 1 && (s->o->stream_records == 0 ||
		    sent + per < s->o->stream_records)) {
			sent += per;
			replies_push(&raw, mid.msg[0], mid.len[0]);
		} else {
			last = stream_message(s, r, k, &sent, buf, &len);
			replies_push(&raw, buf, len);
			if (k > 0 && !last && mid.n == 0)
				replies_push(&mid, buf, len);
		}
		if (!sign_chained(r, &raw, 0, 0, prev, &prev_len, &s->o->key,
		    buf, &len))
			die("cannot sign a streamed message");
		replies_clear(&raw);
		if (!send_msg(fd, buf, len))
			break;
		if (s->o->stream_pause_ms > 0 && !last)
			usleep(s->o->stream_pause_ms * 1000);
	}
	replies_clear(&mid);
	free(buf);
}

/* Hand the connection to a child that streams the transfer. */
static void
axfr_stream_start(struct server *s, const struct request *r)
{
	pid_t pid;
	int i;

	fflush(s->log);
	if ((pid = fork()) == -1)
		die("fork failed");
	if (pid == 0) {
		axfr_stream(s, r, s->cur_fd);
		_exit(0);
	}
	for (i = 0; i < MAX_CONNS; i++) {
		if (s->streams[i] <= 0) {
			s->streams[i] = pid;
			return;
		}
	}
}

/* ---- misbehaviour ---- */

static void
other_key(const struct server *s, struct xfed_key *k, bool other_secret)
{
	*k = s->o->key;
	k->secret = xmalloc(s->o->key.secret_len);
	memcpy(k->secret, s->o->key.secret, s->o->key.secret_len);
	if (other_secret)
		k->secret[0] ^= 0x55;
	else
		k->name = xstrdup("other-key");
}

/* An answer that must be discarded, validly signed so that matters. */
static void
bogus(struct server *s, const struct request *r, struct replies *out,
    uint8_t *buf)
{
	ldns_pkt *a = answer_new(r, LDNS_RCODE_REFUSED, true);
	size_t len;

	if (s->o->sc == SC_OTHER_ZONE) {
		ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(a), 0);

		ldns_rdf_deep_free(ldns_rr_owner(q));
		ldns_rr_set_owner(q, ldns_dname_new_frm_str("other.invalid."));
	}
	if (!render(a, buf, &len)) {
		ldns_pkt_free(a);
		return;
	}
	ldns_pkt_free(a);
	if (s->o->sc == SC_WRONG_ID)
		put16(buf, get16(buf) ^ 0x5a5a);
	else if (s->o->sc == SC_QR0)
		buf[2] &= 0x7f;
	else if (s->o->sc == SC_WRONG_OPCODE)
		/* QUERY becomes NOTIFY, UPDATE becomes QUERY. */
		buf[2] = (uint8_t)((buf[2] & 0x87) |
		    (r->kind == ON_UPDATE ? 0 : 4 << 3));
	if (sign(s, r, buf, &len, NULL, NULL) == 0)
		replies_push(out, buf, len);
}

/* An answer whose TSIG is wrong in exactly one way. */
static void
bad_tsig(struct server *s, const struct request *r, struct replies *out,
    uint8_t *buf)
{
	struct xfed_tsig_answer_opts o;
	struct xfed_key k;
	uint8_t other[6];
	uint64_t now = (uint64_t)time(NULL), st;
	ldns_pkt *a;
	ldns_pkt_rcode rc = LDNS_RCODE_NOERROR;
	size_t len, i;
	bool own_key = false;

	memset(&o, 0, sizeof(o));
	switch (s->o->sc) {
	case SC_BADSIG:
	case SC_OTHER_KEY:
		other_key(s, &k, s->o->sc == SC_BADSIG);
		own_key = true;
		break;
	case SC_OTHER_ALG:
		o.other_alg = true;
		o.alg = s->o->key.alg == XFED_HMAC_SHA1 ? XFED_HMAC_SHA256 :
		    XFED_HMAC_SHA1;
		break;
	case SC_BADTIME_SIGNED:
		rc = LDNS_RCODE_NOTAUTH;
		st = (uint64_t)((int64_t)now + s->o->skew);
		for (i = 0; i < 6; i++)
			other[i] = (uint8_t)(st >> (8 * (5 - i)));
		o.error = XFED_TSIG_BADTIME;
		o.other = other;
		o.other_len = 6;
		o.time_signed = r->time_signed;
		break;
	case SC_TIME_OUTSIDE_FUDGE:
		o.time_signed = (uint64_t)((int64_t)now + s->o->skew);
		break;
	case SC_TSIG_ERROR:
		rc = LDNS_RCODE_NOTAUTH;
		o.error = s->o->tsig_error;
		break;
	case SC_BADSIG_EMPTY_MAC:
	case SC_BADKEY_EMPTY_MAC:
		rc = LDNS_RCODE_NOTAUTH;
		o.error = s->o->sc == SC_BADSIG_EMPTY_MAC ? XFED_TSIG_BADSIG :
		    XFED_TSIG_BADKEY;
		o.empty_mac = true;
		break;
	case SC_MAC_TRUNCATED:
		o.mac_len = 8;
		break;
	case SC_MAC_TOO_LONG:
		o.mac_len = xfed_tsig_alg_maclen(s->o->key.alg) + 8;
		if (o.mac_len > XFED_TSIG_MAX_MAC)
			o.mac_len = XFED_TSIG_MAX_MAC;
		break;
	default:
		break;
	}
	/* Claim success where the fault leaves the rcode free: never act. */
	a = answer_new(r, rc, true);
	if (render(a, buf, &len) &&
	    sign(s, r, buf, &len, &o, own_key ? &k : NULL) == 0) {
		if (s->o->sc == SC_TWO_TSIG)
			sign(s, r, buf, &len, &o, NULL);
		if (s->o->sc == SC_TSIG_NOT_LAST) {
			/* root 0 IN A 127.0.0.1 after the TSIG */
			static const uint8_t a_rr[] = { 0, 0, 1, 0, 1, 0, 0,
			    0, 0, 0, 4, 127, 0, 0, 1 };

			memcpy(buf + len, a_rr, sizeof(a_rr));
			len += sizeof(a_rr);
			put16(buf + 10, get16(buf + 10) + 1);
		}
		replies_push(out, buf, len);
	}
	ldns_pkt_free(a);
	if (own_key) {
		memset(k.secret, 0, k.secret_len);
		free(k.secret);
		if (k.name != s->o->key.name)
			free(k.name);
	}
}

/* A genuine-looking answer cut in half: the TSIG never arrives whole. */
static void
truncated(const struct server *s, const struct request *r,
    struct replies *out, uint8_t *buf)
{
	ldns_pkt *a = answer_new(r, LDNS_RCODE_NOERROR, true);
	size_t len;

	if (render(a, buf, &len) && sign(s, r, buf, &len, NULL, NULL) == 0)
		replies_push(out, buf, len / 2);
	ldns_pkt_free(a);
}

/* Right ID, QR set, counts that promise records, then octets that lie. */
static void
garbage(const struct request *r, struct replies *out, uint8_t *buf)
{
	memset(buf, 0xff, 64);
	memcpy(buf, r->wire, 4);
	buf[2] |= 0x80;
	put16(buf + 4, 1);
	put16(buf + 6, 5);
	put16(buf + 8, 0);
	put16(buf + 10, 1);
	replies_push(out, buf, 64);
}

/* An authentic answer (signed as it should be) with this rcode. */
static void
plain(const struct server *s, const struct request *r, struct replies *out,
    uint8_t *buf, ldns_pkt_rcode rc, bool tc, bool signed_ok)
{
	ldns_pkt *a = answer_new(r, rc, true);
	size_t len;

	ldns_pkt_set_tc(a, tc);
	if (render(a, buf, &len) &&
	    (!signed_ok || sign(s, r, buf, &len, NULL, NULL) == 0))
		replies_push(out, buf, len);
	ldns_pkt_free(a);
}

/* Does this request get the scenario's fault?  Counts it if so. */
static bool
misbehaves(struct server *s, const struct request *r)
{
	enum scenario sc = s->o->sc;

	if (sc == SC_GOOD || (s->o->on & r->kind) == 0)
		return false;
	if ((sc == SC_SILENT_UDP || sc == SC_TC_UDP) && r->tcp)
		return false;
	if (sc == SC_SILENT_TCP && !r->tcp)
		return false;
	if (sc >= SC_AXFR_UNSIGNED_MIDDLE && r->kind != ON_AXFR)
		return false;
	if (s->skipped < s->o->skip) {
		s->skipped++;
		return false;
	}
	if (s->o->times != 0 && s->hits >= s->o->times)
		return false;
	s->hits++;
	return true;
}

static void
respond(struct server *s, const struct request *r, bool bad,
    struct replies *out)
{
	struct replies lost = { 0 };
	uint8_t *buf = xmalloc(MAX_MSG);

	if (bad && (s->o->sc == SC_SILENT || s->o->sc == SC_SILENT_UDP ||
	    s->o->sc == SC_SILENT_TCP)) {
		free(buf);
		return;
	}
	if (r->kind == ON_AXFR && bad && s->o->sc == SC_AXFR_STREAM &&
	    s->cur_fd != -1) {
		axfr_stream_start(s, r);
		free(buf);
		return;
	}
	if (r->kind == ON_AXFR) {
		if (s->o->have_key && !r->verified)
			plain(s, r, out, buf, LDNS_RCODE_REFUSED, false, false);
		else
			axfr_answer(s, r, bad, out);
		free(buf);
		return;
	}
	if (!bad) {
		genuine(s, r, out, NULL, NULL, buf);
		free(buf);
		return;
	}
	switch (s->o->sc) {
	case SC_SILENT:
	case SC_SILENT_UDP:
	case SC_SILENT_TCP:
		break;
	case SC_WRONG_ID:
	case SC_QR0:
	case SC_WRONG_OPCODE:
	case SC_OTHER_ZONE:
		bogus(s, r, out, buf);
		if (s->o->genuine)
			genuine(s, r, out, NULL, NULL, buf);
		break;
	case SC_UNSIGNED:
		plain(s, r, out, buf, s->o->rcode, false, false);
		break;
	case SC_RCODE:
		plain(s, r, out, buf, s->o->rcode, false, true);
		break;
	case SC_TC_UDP:
		plain(s, r, out, buf, LDNS_RCODE_NOERROR, true, true);
		break;
	case SC_TRUNCATED_PACKET:
		truncated(s, r, out, buf);
		break;
	case SC_GARBAGE:
		garbage(r, out, buf);
		break;
	case SC_LOST_REPLY:
		/* Done, and the answer lost on the way back. */
		genuine(s, r, &lost, NULL, NULL, buf);
		replies_clear(&lost);
		break;
	default:
		bad_tsig(s, r, out, buf);
		break;
	}
	free(buf);
}

/* ---- requests ---- */

static bool
parse_request(const struct server *s, struct request *r)
{
	struct tsig_place tp;
	const ldns_rr *q;

	if (ldns_wire2pkt(&r->pkt, r->wire, r->len) != LDNS_STATUS_OK)
		return false;
	if (ldns_pkt_qr(r->pkt) || ldns_pkt_qdcount(r->pkt) != 1)
		return false;
	q = ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0);
	switch (ldns_pkt_get_opcode(r->pkt)) {
	case LDNS_PACKET_UPDATE:
		r->kind = ON_UPDATE;
		break;
	case LDNS_PACKET_QUERY:
		if (ldns_rr_get_type(q) == LDNS_RR_TYPE_AXFR)
			r->kind = ON_AXFR;
		else if (ldns_rr_get_type(q) == LDNS_RR_TYPE_SOA)
			r->kind = ON_SOA;
		else
			r->kind = ON_QUERY;
		break;
	default:
		return false;
	}
	if (!find_tsigs(r->wire, r->len, &tp))
		return false;
	r->ntsig = tp.n;
	r->is_signed = tp.n > 0;
	if (tp.n > 0)
		check_request_tsig(s, r, &tp);
	return true;
}

/* Do the prerequisites only concern names this message updates? */
static bool
own_prereqs(const ldns_pkt *p)
{
	const ldns_rr_list *pre = ldns_pkt_answer(p);
	const ldns_rr_list *up = ldns_pkt_authority(p);
	size_t i, k;
	bool found;

	for (i = 0; i < ldns_rr_list_rr_count(pre); i++) {
		found = false;
		for (k = 0; !found && k < ldns_rr_list_rr_count(up); k++)
			found = ldns_dname_compare(
			    ldns_rr_owner(ldns_rr_list_rr(pre, i)),
			    ldns_rr_owner(ldns_rr_list_rr(up, k))) == 0;
		if (!found)
			return false;
	}
	return true;
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case ON_SOA:	return "soa";
	case ON_AXFR:	return "axfr";
	case ON_UPDATE:	return "update";
	default:	return "query";
	}
}

/*
 * One line per request:
 *	req n=N proto=udp|tcp id=ID kind=soa|axfr|update|query qname=NAME
 *	qtype=TYPE size=OCTETS ntsig=N verified=0|1 time=SECONDS mac=HEX
 *	prereq=N update=N own_prereq=0|1 fault=0|1
 * time and mac are those of the request's TSIG (0 and - when unsigned);
 * mac is its first eight octets in hex.
 */
static void
log_request(const struct server *s, const struct request *r, bool bad)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0);
	char *qname = ldns_rdf2str(ldns_rr_owner(q));
	char *qtype = ldns_rr_type2str(ldns_rr_get_type(q));
	char mac[17] = "-";
	size_t i;

	for (i = 0; i < 8 && i < r->req.mac_len; i++)
		snprintf(mac + 2 * i, 3, "%02x", r->req.mac[i]);
	fprintf(s->log, "req n=%u proto=%s id=%u kind=%s qname=%s qtype=%s "
	    "size=%zu ntsig=%u verified=%d time=%llu mac=%s prereq=%zu "
	    "update=%zu own_prereq=%d fault=%d\n", s->nreq,
	    r->tcp ? "tcp" : "udp", ldns_pkt_id(r->pkt), kind_name(r->kind),
	    qname, qtype, r->len, r->ntsig, r->verified,
	    (unsigned long long)r->time_signed, mac,
	    r->kind == ON_UPDATE ? (size_t)ldns_pkt_ancount(r->pkt) : 0,
	    r->kind == ON_UPDATE ? (size_t)ldns_pkt_nscount(r->pkt) : 0,
	    r->kind == ON_UPDATE ? own_prereqs(r->pkt) : 1, bad);
	free(qname);
	free(qtype);
}

static void
handle(struct server *s, const uint8_t *wire, size_t len, bool tcp,
    struct replies *out)
{
	struct request r;
	bool bad;

	memset(&r, 0, sizeof(r));
	r.wire = wire;
	r.len = len;
	r.tcp = tcp;
	s->nreq++;
	if (!parse_request(s, &r)) {
		fprintf(s->log, "req n=%u proto=%s size=%zu unparseable\n",
		    s->nreq, tcp ? "tcp" : "udp", len);
		ldns_pkt_free(r.pkt);
		return;
	}
	bad = misbehaves(s, &r);
	log_request(s, &r, bad);
	respond(s, &r, bad, out);
	fprintf(s->log, "sent n=%u messages=%zu\n", s->nreq, out->n);
	ldns_pkt_free(r.pkt);
}

/* ---- sockets ---- */

static int
listen_on(uint16_t port, int type)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) == -1)
		die("socket failed");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("cannot bind 127.0.0.1 (port in use?)");
	if (type == SOCK_STREAM && listen(fd, 16) == -1)
		die("listen failed");
	return fd;
}

static void
serve_udp(struct server *s)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct replies out = { 0 };
	uint8_t *buf = xmalloc(MAX_MSG);
	ssize_t n;
	size_t i;

	n = recvfrom(s->udp, buf, MAX_MSG, 0, (struct sockaddr *)&from,
	    &flen);
	if (n > 0)
		handle(s, buf, (size_t)n, false, &out);
	for (i = 0; i < out.n; i++)
		(void)sendto(s->udp, out.msg[i], out.len[i], 0,
		    (struct sockaddr *)&from, flen);
	replies_clear(&out);
	free(buf);
}


static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Read what arrived; answer every complete message. */
static void
serve_conn(struct server *s, struct conn *c)
{
	struct replies out = { 0 };
	uint8_t prefix[2];
	size_t mlen, i;
	ssize_t n;

	n = recv(c->fd, c->buf + c->have, MAX_MSG + 2 - c->have, 0);
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->have += (size_t)n;
	while (c->have >= 2 && c->have >= 2 + (mlen = get16(c->buf))) {
		s->cur_fd = c->fd;
		handle(s, c->buf + 2, mlen, true, &out);
		s->cur_fd = -1;
		for (i = 0; i < out.n; i++) {
			put16(prefix, (uint16_t)out.len[i]);
			send_all(c->fd, prefix, 2);
			send_all(c->fd, out.msg[i], out.len[i]);
		}
		replies_clear(&out);
		memmove(c->buf, c->buf + 2 + mlen, c->have - 2 - mlen);
		c->have -= 2 + mlen;
	}
}

static void
accept_conn(struct server *s)
{
	int fd, i;

	if ((fd = accept4(s->tcp, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	for (i = 0; i < MAX_CONNS; i++) {
		if (s->conns[i].fd == -1) {
			s->conns[i].fd = fd;
			s->conns[i].buf = xmalloc(MAX_MSG + 2);
			s->conns[i].have = 0;
			return;
		}
	}
	close(fd);
}

static void
serve(struct server *s)
{
	struct pollfd pfd[2 + MAX_CONNS];
	int map[2 + MAX_CONNS];
	nfds_t n, k;
	int i;

	while (!stopping) {
		n = 0;
		pfd[n].fd = s->udp;
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->tcp;
		pfd[n++].events = POLLIN;
		for (i = 0; i < MAX_CONNS; i++) {
			if (s->conns[i].fd == -1)
				continue;
			map[n] = i;
			pfd[n].fd = s->conns[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, 500) <= 0)
			continue;
		if (pfd[0].revents != 0)
			serve_udp(s);
		if (pfd[1].revents != 0)
			accept_conn(s);
		for (k = 2; k < n; k++)
			if (pfd[k].revents != 0)
				serve_conn(s, &s->conns[map[k]]);
	}
}

/* ---- setup ---- */

static void
parse_key(const char *spec, struct xfed_key *key)
{
	char *copy = xstrdup(spec), *alg, *b64 = NULL, *p;

	if ((alg = strchr(copy, ':')) == NULL ||
	    (b64 = strchr(alg + 1, ':')) == NULL)
		die("--key wants NAME:ALG:BASE64");
	*alg++ = '\0';
	*b64++ = '\0';
	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (p > copy && p[-1] == '.')
		p[-1] = '\0';
	if (xfed_tsig_alg_parse(alg, &key->alg) != 0)
		die("unknown TSIG algorithm");
	if (xfed_secret_b64_decode(b64, &key->secret, &key->secret_len) != 0)
		die("bad base64 secret");
	key->name = xstrdup(copy);
	memset(copy, 0, strlen(copy));
	free(copy);
}

static ldns_pkt_rcode
parse_rcode(const char *s)
{
	ldns_lookup_table *lt = ldns_lookup_by_name(ldns_rcodes, s);

	if (lt == NULL)
		die("unknown rcode");
	return (ldns_pkt_rcode)lt->id;
}

static int
parse_on(const char *s)
{
	int on = 0;

	if (strstr(s, "soa") != NULL)
		on |= ON_SOA;
	if (strstr(s, "axfr") != NULL)
		on |= ON_AXFR;
	if (strstr(s, "update") != NULL)
		on |= ON_UPDATE;
	if (strstr(s, "query") != NULL)
		on |= ON_QUERY;
	if (strstr(s, "all") != NULL)
		on |= ON_ALL;
	if (on == 0)
		die("--on wants soa, axfr, update, query or all");
	return on;
}

static void
set_scenario(struct options *o, const char *name, bool on_given)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(scenarios[i].name, name) != 0)
			continue;
		o->sc = scenarios[i].sc;
		if (!on_given)
			o->on = scenarios[i].on;
		if (strcmp(name, "refused-soa") == 0)
			o->rcode = LDNS_RCODE_REFUSED;
		/* One reply lost; the retry finds the update applied. */
		if (o->sc == SC_LOST_REPLY && o->times == 0)
			o->times = 1;
		return;
	}
	usage();
}

static void
add_rr(ldns_rr_list *rrs, const char *line, const ldns_rdf *origin)
{
	ldns_rr *rr = NULL;
	ldns_rdf *prev = NULL;

	if (ldns_rr_new_frm_str(&rr, line, 300, origin, &prev) !=
	    LDNS_STATUS_OK)
		die("bad --rr record");
	ldns_rdf_deep_free(prev);
	ldns_rr_list_push_rr(rrs, rr);
}

static void
init_zone(struct server *s, char **extra, size_t n)
{
	char *z = ldns_rdf2str(s->o->zone), *line;
	size_t i;

	s->rrs = ldns_rr_list_new();
	line = xasprintf("%s 300 IN SOA ns1.%s hostmaster.%s 1 3600 600 "
	    "86400 300", z, z, z);
	add_rr(s->rrs, line, s->o->zone);
	free(line);
	line = xasprintf("%s 300 IN NS ns1.%s", z, z);
	add_rr(s->rrs, line, s->o->zone);
	free(line);
	line = xasprintf("ns1.%s 300 IN A 127.0.0.1", z);
	add_rr(s->rrs, line, s->o->zone);
	free(line);
	for (i = 0; i < n; i++)
		add_rr(s->rrs, extra[i], s->o->zone);
	free(z);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port",		required_argument, NULL, 'p' },
		{ "key",		required_argument, NULL, 'k' },
		{ "zone",		required_argument, NULL, 'z' },
		{ "scenario",		required_argument, NULL, 's' },
		{ "on",			required_argument, NULL, 'o' },
		{ "times",		required_argument, NULL, 't' },
		{ "skip",		required_argument, NULL, 'S' },
		{ "rcode",		required_argument, NULL, 'r' },
		{ "skew",		required_argument, NULL, 'w' },
		{ "tsig-error",		required_argument, NULL, 'e' },
		{ "no-genuine",		no_argument,	   NULL, 'G' },
		{ "axfr-per-msg",	required_argument, NULL, 'm' },
		{ "stream-records",	required_argument, NULL, 'N' },
		{ "stream-txt",		required_argument, NULL, 'T' },
		{ "stream-pause-ms",	required_argument, NULL, 'P' },
		{ "rr",			required_argument, NULL, 'R' },
		{ "log",		required_argument, NULL, 'l' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct options o = { .rcode = LDNS_RCODE_REFUSED, .skew = 3600,
	    .tsig_error = XFED_TSIG_BADTRUNC, .genuine = true, .per_msg = 100,
	    .stream_txt = 16 };
	struct server s = { .o = &o, .cur_fd = -1 };
	const char *scen = "good";
	char **extra = NULL;
	size_t nextra = 0;
	bool on_given = false;
	int ch, i;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o.port = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'k': parse_key(optarg, &o.key); o.have_key = true; break;
		case 'z': o.zone = ldns_dname_new_frm_str(optarg); break;
		case 's': scen = optarg; break;
		case 'o': o.on = parse_on(optarg); on_given = true; break;
		case 't': o.times = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': o.skip = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': o.rcode = parse_rcode(optarg); break;
		case 'w': o.skew = strtoll(optarg, NULL, 10); break;
		case 'e':
			o.tsig_error = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'G': o.genuine = false; break;
		case 'm': o.per_msg = strtoul(optarg, NULL, 10); break;
		case 'N': o.stream_records = strtoul(optarg, NULL, 10); break;
		case 'T': o.stream_txt = strtoul(optarg, NULL, 10); break;
		case 'P':
			o.stream_pause_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			extra = xreallocarray(extra, nextra + 1,
			    sizeof(*extra));
			extra[nextra++] = optarg;
			break;
		case 'l': o.logpath = optarg; break;
		default: usage();
		}
	}
	if (o.port == 0 || o.zone == NULL || optind != argc)
		usage();
	if (o.per_msg == 0)
		o.per_msg = 1;
	set_scenario(&o, scen, on_given);
	ldns_dname2canonical(o.zone);
	init_zone(&s, extra, nextra);
	free(extra);
	s.log = o.logpath != NULL ? fopen(o.logpath, "a") : stdout;
	if (s.log == NULL)
		die("cannot open the log");
	setvbuf(s.log, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < MAX_CONNS; i++)
		s.conns[i].fd = -1;
	s.udp = listen_on(o.port, SOCK_DGRAM);
	s.tcp = listen_on(o.port, SOCK_STREAM);
	fprintf(s.log, "ready port=%u scenario=%s\n", o.port, scen);
	serve(&s);
	for (i = 0; i < MAX_CONNS; i++) {
		if (s.streams[i] > 0) {
			kill(s.streams[i], SIGTERM);
			waitpid(s.streams[i], NULL, 0);
		}
		if (s.conns[i].fd != -1)
			conn_close(&s.conns[i]);
	}
	close(s.udp);
	close(s.tcp);
	ldns_rr_list_deep_free(s.rrs);
	ldns_rdf_deep_free(o.zone);
	xfed_key_clear(&o.key);
	if (s.log != stdout)
		fclose(s.log);
	return 0;
}
