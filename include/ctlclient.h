/* xfedctl's side of the control socket: one request, one response. */
#ifndef XFED_CTLCLIENT_H
#define XFED_CTLCLIENT_H

#include <stdint.h>

#include <jansson.h>

/*
 * Connect to path, send line, wait up to timeout_ms for the response line.
 * 0 with *response (parsed) and *raw (the line), or -1 with a message for
 * the user in err ("xfedd is not running?", "permission denied"...).
 */
int	xfed_ctl_call(const char *path, const char *line, uint64_t timeout_ms,
	    json_t **response, char **raw, char *err, size_t errlen);

#endif
