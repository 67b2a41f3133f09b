/*
 * fuzz_control: arbitrary octets as one control request line, as xfedd's
 * control socket hands it to xfed_ctl_parse_request (doc/control-protocol.md).
 *
 * Beyond "no crash, no leak, no undefined behaviour", checked: a rejected
 * request leaves the request cleared and an error message for the client;
 * an accepted one is within the documented limits, and formatting it again
 * with xfed_ctl_format_request gives a line that parses to the same
 * request (what xfedctl sends is what xfedd understands).  A response line
 * is also built from the request's text, and must be one JSON line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control.h"
#include "error.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
same_request(const struct xfed_ctl_request *a,
    const struct xfed_ctl_request *b)
{
	size_t i;

	if (a->command != b->command || a->force != b->force ||
	    a->n_args != b->n_args)
		return false;
	if ((a->config == NULL) != (b->config == NULL) ||
	    (a->config != NULL && strcmp(a->config, b->config) != 0))
		return false;
	for (i = 0; i < a->n_args; i++)
		if (strcmp(a->args[i], b->args[i]) != 0)
			return false;
	return true;
}

static void
round_trip(const struct xfed_ctl_request *req)
{
	struct xfed_ctl_request again;
	char err[256], *line;
	size_t len;

	line = xfed_ctl_format_request_config(
	    xfed_ctl_command_name(req->command), req->args, req->n_args,
	    req->force, req->config);
	if (line == NULL)
		abort();
	len = strlen(line);
	if (len == 0 || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1) != NULL)
		abort();	/* one line, newline-terminated */
	if (xfed_ctl_parse_request(line, len - 1, &again, err,
	    sizeof(err)) != 0)
		abort();	/* xfedd refuses what xfedctl sends */
	if (!same_request(req, &again))
		abort();
	xfed_ctl_request_clear(&again);
	free(line);
}

static void
response(const uint8_t *data, size_t size)
{
	json_t *result;
	char *text, *line;
	size_t len;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	/* Strings that are not UTF-8 are refused by jansson: no line then. */
	result = json_object();
	json_object_set_new(result, "echo", json_string(text));
	line = xfed_ctl_format_response(false, 1, text, text, result);
	if (line != NULL) {
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n' ||
		    memchr(line, '\n', len - 1) != NULL)
			abort();
		free(line);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfed_ctl_request req;
	char err[256];
	size_t i;
	int rc;

	/* xfedd reads at most this much before it answers "too long". */
	if (size > XFED_CONTROL_MAX_REQUEST)
		return -1;
	memset(err, 0, sizeof(err));
	rc = xfed_ctl_parse_request((const char *)data, size, &req, err,
	    sizeof(err));
	if (rc != 0) {
		if (rc != XFED_EINVAL || err[0] == '\0' ||
		    req.args != NULL || req.n_args != 0)
			abort();
	} else {
		if (req.n_args > XFED_CONTROL_MAX_ARGS ||
		    (req.force && req.command != XFED_CTL_SYNC))
			abort();
		for (i = 0; i < req.n_args; i++)
			if (req.args[i] == NULL || req.args[i][0] == '\0' ||
			    strlen(req.args[i]) > 253)
				abort();
		round_trip(&req);
		xfed_ctl_request_clear(&req);
	}
	if (size <= 4096)
		response(data, size);
	return 0;
}
