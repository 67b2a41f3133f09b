/* Error phrases: see error.h. */
#include "error.h"

const char *
xfed_strerror(int err)
{
	switch (err) {
	case XFED_OK:		return "success";
	case XFED_ENOMEM:	return "out of memory";
	case XFED_EINVAL:	return "invalid input";
	case XFED_ETIMEOUT:	return "timed out";
	case XFED_ENETWORK:	return "network error";
	case XFED_EMALFORMED:	return "malformed answer";
	case XFED_EMISMATCH:	return "answer does not match the request";
	case XFED_EUNSIGNED:	return "answer is not signed";
	case XFED_EBADSIG:	return "TSIG signature does not verify";
	case XFED_EBADKEY:	return "TSIG key or algorithm mismatch";
	case XFED_EBADTIME:	return "TSIG time outside the allowed window";
	case XFED_EBADTRUNC:	return "TSIG MAC truncated";
	case XFED_ETSIGFORMAT:	return "TSIG record malformed or misplaced";
	case XFED_ERCODE:	return "server answered with an error";
	case XFED_ETOOBIG:	return "message too large";
	case XFED_ECONFLICT:	return "record exists without ownership marker";
	case XFED_ELIMIT:	return "refused by a safety limit";
	case XFED_ENOZONE:	return "zone or primary not found";
	case XFED_ECONFIG:	return "configuration error";
	case XFED_EIO:		return "input/output error";
	case XFED_ESTALE:	return "zone changed since it was read";
	case XFED_ECANCELED:	return "abandoned: the agent is stopping";
	case XFED_EREFUSED:	return "connection refused";
	}
	return "unknown error";
}

int
xfed_error_is_unreachable(int err)
{
	return err == XFED_ETIMEOUT || err == XFED_ENETWORK ||
	    err == XFED_EREFUSED;
}

int
xfed_error_is_auth(int err)
{
	switch (err) {
	case XFED_EUNSIGNED:
	case XFED_EBADSIG:
	case XFED_EBADKEY:
	case XFED_EBADTIME:
	case XFED_EBADTRUNC:
	case XFED_ETSIGFORMAT:
		return 1;
	}
	return 0;
}
