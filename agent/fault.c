/* A failed exchange, in words: see fault.h. */
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "error.h"
#include "fault.h"
#include "util.h"

void
xfed_fault_from_exchange(const struct xfed_exchange *ex, struct xfed_fault *f)
{
	memset(f, 0, sizeof(*f));
	f->status = ex->status;
	f->attempts = ex->attempts;
	f->rcode = ex->answer != NULL ?
	    (int)ldns_pkt_get_rcode(ex->answer) : -1;
	f->tsig = ex->tsig;
}

static const char *
key_name(const struct xfed_peer *peer)
{
	return peer->key != NULL ? peer->key->name : "(none)";
}

/*
 * BADTIME: how far apart the clocks are.  The skew, not both absolute
 * times, so that every zone failing for it reads the same.
 */
static void
phrase_badtime(const struct xfed_fault *f, char *buf, size_t size)
{
	uint64_t now = xfed_wall_seconds();
	/*
	 * The server's clock: from a BADTIME answer's other data, or, when
	 * we found its answer out of time ourselves, its time signed.
	 */
	uint64_t theirs = f->tsig.server_time != 0 ? f->tsig.server_time :
	    f->tsig.tsig_error == 0 ? f->tsig.time_signed : 0;
	long long skew = (long long)theirs - (long long)now;

	if (theirs == 0) {
		snprintf(buf, size, "clocks differ by more than the fudge "
		    "(BADTIME): check NTP on both sides");
		return;
	}
	snprintf(buf, size, "clocks differ by more than the fudge (BADTIME): "
	    "the server's clock is %lld s %s ours; check NTP on both sides",
	    skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of");
}

/*
 * An answer that could not be authenticated.  The TSIG error field says
 * whether the server refused our signature (it could not authenticate us)
 * or we could not verify its answer.
 */
static void
phrase_auth(const struct xfed_peer *peer, const struct xfed_fault *f,
    char *buf, size_t size)
{
	const char *kn = key_name(peer);
	char rc[24] = "";

	switch (f->status) {
	case XFED_EUNSIGNED:
		if (f->rcode >= 0)
			snprintf(rc, sizeof(rc), " (it says %s)",
			    xfed_rcode_name((ldns_pkt_rcode)f->rcode));
		snprintf(buf, size, "answer not signed%s, not trusted: check "
		    "that the server has key \"%s\"", rc, kn);
		return;
	case XFED_EBADSIG:
		if (f->tsig.tsig_error == XFED_TSIG_BADSIG)
			snprintf(buf, size, "the server rejected our "
			    "signature (BADSIG) for key \"%s\": check that the "
			    "secret matches the server's key", kn);
		else
			snprintf(buf, size, "answer signature did not verify "
			    "with key \"%s\": check that the secret matches the "
			    "server's key", kn);
		return;
	case XFED_EBADKEY:
		if (f->tsig.tsig_error == XFED_TSIG_BADKEY)
			snprintf(buf, size, "the server does not know key "
			    "\"%s\" (BADKEY): check the key name and algorithm "
			    "on both sides", kn);
		else
			snprintf(buf, size, "answer signature did not verify: "
			    "signed with another key or algorithm than \"%s\"",
			    kn);
		return;
	case XFED_EBADTIME:
		phrase_badtime(f, buf, size);
		return;
	case XFED_EBADTRUNC:
		if (f->tsig.tsig_error == XFED_TSIG_BADTRUNC)
			snprintf(buf, size, "the server rejected our signature "
			    "as truncated (BADTRUNC)");
		else
			snprintf(buf, size, "answer signature did not verify: "
			    "its MAC is shorter than is safe or longer than "
			    "the hash");
		return;
	default:
		snprintf(buf, size, "answer signature did not verify: its "
		    "TSIG record is malformed or misplaced");
		return;
	}
}

static void
phrase_cause(const struct xfed_peer *peer, const struct xfed_fault *f,
    char *buf, size_t size)
{
	unsigned n = f->attempts > 0 ? f->attempts : 1;

	if (xfed_error_is_auth(f->status)) {
		phrase_auth(peer, f, buf, size);
		return;
	}
	switch (f->status) {
	case XFED_EREFUSED:
		snprintf(buf, size, "connection refused");
		break;
	case XFED_ETIMEOUT:
		/* How long was waited in all: every attempt ran its timeout. */
		snprintf(buf, size, "no answer within %u s (%u attempt%s)",
		    n * peer->timeout, n, n == 1 ? "" : "s");
		break;
	case XFED_ENETWORK:
		snprintf(buf, size, "network error: the connection failed or "
		    "was closed (%u attempt%s)", n, n == 1 ? "" : "s");
		break;
	case XFED_EMALFORMED:
		snprintf(buf, size, "malformed answer");
		break;
	default:
		snprintf(buf, size, "%s", xfed_strerror(f->status));
		break;
	}
}

void
xfed_fault_phrase(const struct xfed_peer *peer, const struct xfed_fault *f,
    char *buf, size_t size)
{
	char cause[256];

	if (f->status == XFED_ERCODE && f->rcode >= 0) {
		snprintf(buf, size, "%s answered %s", peer->label,
		    xfed_rcode_name((ldns_pkt_rcode)f->rcode));
		return;
	}
	phrase_cause(peer, f, cause, sizeof(cause));
	snprintf(buf, size, "%s: %s", peer->label, cause);
}
