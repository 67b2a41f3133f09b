/*
 * xfed error convention.
 *
 * Functions that can fail return 0 on success and a negative XFED_E* code
 * on failure.  The code tells the caller *which class* of failure happened
 * (a timeout is retried, an authentication failure is not); the details a
 * human needs are logged, or written into a caller-supplied message buffer,
 * at the place where they are known.  xfed_strerror() turns a code into a
 * short phrase for messages.
 */
#ifndef XFED_ERROR_H
#define XFED_ERROR_H

enum xfed_error {
	XFED_OK = 0,
	XFED_ENOMEM = -1,	/* out of memory */
	XFED_EINVAL = -2,	/* invalid argument or input */
	XFED_ETIMEOUT = -3,	/* no answer in time */
	XFED_ENETWORK = -4,	/* could not connect, send or receive */
	XFED_EMALFORMED = -5,	/* answer could not be parsed */
	XFED_EMISMATCH = -6,	/* answer does not belong to the request */
	XFED_EUNSIGNED = -7,	/* answer to a signed request carries no TSIG */
	XFED_EBADSIG = -8,	/* TSIG MAC wrong (ours or theirs) */
	XFED_EBADKEY = -9,	/* TSIG key or algorithm unknown / different */
	XFED_EBADTIME = -10,	/* TSIG time outside the fudge window */
	XFED_EBADTRUNC = -11,	/* TSIG MAC truncated below the safe size */
	XFED_ETSIGFORMAT = -12,	/* TSIG record misplaced, duplicated or broken */
	XFED_ERCODE = -13,	/* authenticated answer with an error RCODE */
	XFED_ETOOBIG = -14,	/* message would exceed the DNS size limit */
	XFED_ECONFLICT = -15,	/* record exists without our ownership marker */
	XFED_ELIMIT = -16,	/* a safety limit refused the change */
	XFED_ENOZONE = -17,	/* zone or primary could not be discovered */
	XFED_ECONFIG = -18,	/* configuration error */
	XFED_EIO = -19,		/* local file or system error */
	XFED_ESTALE = -20,	/* prerequisites failed: zone changed under us */
	XFED_ECANCELED = -21,	/* abandoned: the agent is stopping */
	XFED_EREFUSED = -22,	/* connection refused (TCP RST, ICMP unreachable) */
};

const char	*xfed_strerror(int err);

/*
 * True for the errors that mean "the server could not be talked to at all":
 * no answer, a refused connection, a network failure.  Another address of
 * the same server may do better.
 */
int		 xfed_error_is_unreachable(int err);

/* True for the errors that mean "the answer could not be authenticated". */
int		 xfed_error_is_auth(int err);

#endif
