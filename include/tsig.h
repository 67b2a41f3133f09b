/*
 * TSIG (RFC 8945, formerly RFC 2845; SHA-2 names from RFC 4635) on wire-format
 * DNS messages.
 *
 * ldns 1.8.3 lacks hmac-sha224, misspells hmac-sha384 and only compares the
 * MAC when verifying, so xfed signs and verifies every message itself with
 * OpenSSL's HMAC.  The module is pure: no I/O, the current time is passed in.
 */
#ifndef XFED_TSIG_H
#define XFED_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XFED_TSIG_MAX_MAC	64	/* SHA-512 */
#define XFED_TSIG_FUDGE		300	/* seconds, as BIND and nsupdate use */
#define XFED_TSIG_MAX_UNSIGNED	99	/* RFC 8945 5.3.1: unsigned messages in a row */

/* TSIG error values (RFC 8945 section 3, RCODE extension). */
#define XFED_TSIG_BADSIG	16
#define XFED_TSIG_BADKEY	17
#define XFED_TSIG_BADTIME	18
#define XFED_TSIG_BADTRUNC	22

enum xfed_tsig_alg {
	XFED_HMAC_MD5,
	XFED_HMAC_SHA1,
	XFED_HMAC_SHA224,
	XFED_HMAC_SHA256,
	XFED_HMAC_SHA384,
	XFED_HMAC_SHA512,
};
#define XFED_TSIG_NALGS	6

struct xfed_key {
	char			*name;		/* key name, lower case, no trailing dot */
	enum xfed_tsig_alg	 alg;
	unsigned char		*secret;	/* decoded key material, zeroed on free */
	size_t			 secret_len;
};

/*
 * Algorithm names.  _parse accepts the configuration spelling ("hmac-sha256"),
 * the DNS name with or without the final dot, and "hmac-md5.sig-alg.reg.int",
 * in any case; returns 0 or XFED_EINVAL.
 */
int		 xfed_tsig_alg_parse(const char *s, enum xfed_tsig_alg *alg);
const char	*xfed_tsig_alg_name(enum xfed_tsig_alg alg);	/* "hmac-sha256" */
const char	*xfed_tsig_alg_dname(enum xfed_tsig_alg alg);	/* "hmac-sha256." */
size_t		 xfed_tsig_alg_maclen(enum xfed_tsig_alg alg);	/* full MAC size */

/* Zero and free a key's material and name (not the struct itself). */
void		 xfed_key_clear(struct xfed_key *key);

/* What signing a request leaves behind for verifying its answer. */
struct xfed_tsig_request {
	uint8_t		 mac[XFED_TSIG_MAX_MAC];
	size_t		 mac_len;
	uint64_t	 time_signed;
	uint16_t	 id;		/* the message ID that was signed */
};

/*
 * Sign the message buf[0 .. *len) in place: append a TSIG record (key name
 * and algorithm of key, time signed = now, fudge XFED_TSIG_FUDGE, error 0,
 * no other data) and increment ARCOUNT.  cap is the size of buf.
 * The message must not already carry a TSIG.  Returns 0, XFED_ETOOBIG when
 * the result would exceed cap or 65535 octets (nothing is changed then), or
 * XFED_EINVAL for a message too short to be DNS.
 */
int		 xfed_tsig_sign(const struct xfed_key *key, uint8_t *buf,
		    size_t *len, size_t cap, uint64_t now,
		    struct xfed_tsig_request *req);

/*
 * Walk a message and check its records are well formed and carry at most
 * one TSIG, last of all: 0, XFED_EMALFORMED or XFED_ETSIGFORMAT.  Done
 * before ldns parses an answer: ldns_wire2pkt leaks every TSIG record but
 * the last, which a hostile server could use to bleed a daemon's memory.
 */
int		 xfed_tsig_check_placement(const uint8_t *wire, size_t len);

/* What verifying one answer message found. */
struct xfed_tsig_result {
	bool		 is_signed;	/* the message carried a TSIG record */
	uint16_t	 tsig_error;	/* its error field (0 when absent) */
	uint64_t	 time_signed;	/* its time signed (0 when absent) */
	uint64_t	 server_time;	/* other data of a BADTIME answer, else 0 */
};

/*
 * Verifies the answers to one signed request, in order: one answer for a
 * query or an update, every message of a zone transfer.  Opaque state.
 */
struct xfed_tsig_verifier;

/*
 * multi: the answer is a stream of messages (AXFR).  Then messages after the
 * first may be unsigned (at most XFED_TSIG_MAX_UNSIGNED in a row); they are
 * folded into the MAC of the next signed one, and the caller must make sure
 * the final message was signed (result.is_signed).
 * Returns NULL on allocation failure.
 */
struct xfed_tsig_verifier *xfed_tsig_verifier_new(const struct xfed_key *key,
		    const struct xfed_tsig_request *req, bool multi);
void		 xfed_tsig_verifier_free(struct xfed_tsig_verifier *v);

/*
 * Verify one answer message wire[0 .. len).  The caller has already checked
 * that it parses as DNS and matches the request (ID, QR, opcode, question).
 *
 * Checks, fail closed: at most one TSIG and it is the last record of the
 * additional section (else XFED_ETSIGFORMAT); a message without TSIG is
 * XFED_EUNSIGNED (except an allowed unsigned intermediate message of a
 * multi stream, which returns 0 with is_signed false); key name and
 * algorithm equal the request's (else XFED_EBADKEY); MAC length at least
 * max(10, hash/2) and at most the hash (else XFED_EBADTRUNC); MAC correct
 * (else XFED_EBADSIG); TSIG error field: BADSIG, BADKEY, BADTIME, BADTRUNC
 * map to the matching XFED_E* code (a BADTIME answer's MAC is still
 * verified and server_time reported); |now - time signed| <= fudge (else
 * XFED_EBADTIME).  Returns 0 only when the message is authentic.
 * An answer whose TSIG error is BADSIG or BADKEY carries an empty MAC by
 * design (the server could not authenticate us): that returns XFED_EBADSIG
 * or XFED_EBADKEY without a MAC check, and proves nothing about the answer.
 */
int		 xfed_tsig_verify(struct xfed_tsig_verifier *v,
		    const uint8_t *wire, size_t len, uint64_t now,
		    struct xfed_tsig_result *res);

/*
 * Server side, for the test suite's fake servers: sign an answer to a
 * request.  Every knob exists so a test can build exactly the faulty
 * answer it needs.
 */
struct xfed_tsig_answer_opts {
	const struct xfed_tsig_request	*req;	/* request MAC and ID */
	uint64_t	 time_signed;
	uint16_t	 fudge;			/* 0: XFED_TSIG_FUDGE */
	uint16_t	 error;			/* TSIG error field */
	const uint8_t	*other;			/* other data, e.g. server time */
	size_t		 other_len;
	bool		 empty_mac;		/* MAC size 0 (as for BADSIG) */
	size_t		 mac_len;		/* 0: full; else truncate to this */
	enum xfed_tsig_alg alg;			/* algorithm named in the RR */
	bool		 other_alg;		/* use alg instead of the key's */
	/* Later message of a stream: MAC covers prev MAC + message + timers. */
	const uint8_t	*prev_mac;
	size_t		 prev_mac_len;
};

/*
 * Append a TSIG record signing the answer buf[0 .. *len) with key.  The
 * answer's MAC is written to mac (XFED_TSIG_MAX_MAC bytes) and its length
 * to *mac_len, for chaining the next message of a stream.
 */
int		 xfed_tsig_sign_answer(const struct xfed_key *key,
		    uint8_t *buf, size_t *len, size_t cap,
		    const struct xfed_tsig_answer_opts *opts,
		    uint8_t *mac, size_t *mac_len);

#endif
