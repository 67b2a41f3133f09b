/* Control protocol encoding and validation: see control.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control.h"
#include "error.h"
#include "util.h"

static const char *const command_names[] = {
	[XFED_CTL_SYNC] = "sync",
	[XFED_CTL_PLAN] = "plan",
	[XFED_CTL_STATUS] = "status",
	[XFED_CTL_RELOAD] = "reload",
	[XFED_CTL_REOPEN] = "reopen",
};

const char *
xfed_ctl_command_name(enum xfed_ctl_command c)
{
	return command_names[c];
}

static int
lookup_command(const char *name, enum xfed_ctl_command *c)
{
	size_t i;

	for (i = 0; i < sizeof(command_names) / sizeof(command_names[0]); i++) {
		if (strcmp(command_names[i], name) == 0) {
			*c = (enum xfed_ctl_command)i;
			return 0;
		}
	}
	return XFED_EINVAL;
}

void
xfed_ctl_request_clear(struct xfed_ctl_request *req)
{
	size_t i;

	for (i = 0; i < req->n_args; i++)
		free(req->args[i]);
	free(req->args);
	free(req->config);
	memset(req, 0, sizeof(*req));
}

static int
parse_args(json_t *args, struct xfed_ctl_request *req, char *err,
    size_t errlen)
{
	size_t i, n;

	if (args == NULL)
		return 0;
	if (!json_is_array(args)) {
		snprintf(err, errlen, "\"args\" must be an array of strings");
		return XFED_EINVAL;
	}
	n = json_array_size(args);
	if (n > XFED_CONTROL_MAX_ARGS) {
		snprintf(err, errlen, "too many arguments (%zu, at most %d)",
		    n, XFED_CONTROL_MAX_ARGS);
		return XFED_EINVAL;
	}
	req->args = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(args, i));

		if (s == NULL || strlen(s) == 0 || strlen(s) > 253) {
			snprintf(err, errlen, "argument %zu must be a domain "
			    "name of 1 to 253 characters", i + 1);
			return XFED_EINVAL;
		}
		req->args[req->n_args++] = xstrdup(s);
	}
	return 0;
}

/* Refuse members this version does not define: no silent surprises. */
static int
check_members(json_t *obj, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		(void)v;
		if (strcmp(key, "xfed-control") && strcmp(key, "command") &&
		    strcmp(key, "args") && strcmp(key, "force") &&
		    strcmp(key, "config")) {
			snprintf(err, errlen, "unknown request member \"%.64s\"",
			    key);
			return XFED_EINVAL;
		}
	}
	return 0;
}

/*
 * "config": a candidate configuration file for plan.  Absolute, because
 * the daemon's working directory is not the client's.
 */
static int
parse_config(json_t *config, struct xfed_ctl_request *req, char *err,
    size_t errlen)
{
	const char *s = json_string_value(config);

	if (config == NULL)
		return 0;
	if (req->command != XFED_CTL_PLAN) {
		snprintf(err, errlen, "\"config\" applies to plan only");
		return XFED_EINVAL;
	}
	if (s == NULL || s[0] != '/' ||
	    strlen(s) != json_string_length(config) ||
	    strlen(s) >= XFED_CONTROL_MAX_PATH) {
		snprintf(err, errlen, "\"config\" must be an absolute file "
		    "name (at most %d octets, no NUL)",
		    XFED_CONTROL_MAX_PATH - 1);
		return XFED_EINVAL;
	}
	req->config = xstrdup(s);
	return 0;
}

static int
parse_object(json_t *obj, struct xfed_ctl_request *req, char *err,
    size_t errlen)
{
	json_t *ver = json_object_get(obj, "xfed-control");
	json_t *force = json_object_get(obj, "force");
	const char *cmd = json_string_value(json_object_get(obj, "command"));

	if (!json_is_integer(ver)) {
		snprintf(err, errlen, "missing protocol version "
		    "\"xfed-control\"");
		return XFED_EINVAL;
	}
	if (json_integer_value(ver) != XFED_CONTROL_VERSION) {
		snprintf(err, errlen, "unsupported protocol version %lld; "
		    "this xfedd speaks %d", json_integer_value(ver),
		    XFED_CONTROL_VERSION);
		return XFED_EINVAL;
	}
	if (check_members(obj, err, errlen) != 0)
		return XFED_EINVAL;
	if (cmd == NULL || lookup_command(cmd, &req->command) != 0) {
		snprintf(err, errlen, "unknown command \"%.64s\"",
		    cmd != NULL ? cmd : "");
		return XFED_EINVAL;
	}
	if (force != NULL && !json_is_boolean(force)) {
		snprintf(err, errlen, "\"force\" must be true or false");
		return XFED_EINVAL;
	}
	req->force = json_is_true(force);
	if (req->force && req->command != XFED_CTL_SYNC) {
		snprintf(err, errlen, "\"force\" applies to sync only");
		return XFED_EINVAL;
	}
	if (parse_config(json_object_get(obj, "config"), req, err,
	    errlen) != 0)
		return XFED_EINVAL;
	return parse_args(json_object_get(obj, "args"), req, err, errlen);
}

int
xfed_ctl_parse_request(const char *line, size_t len,
    struct xfed_ctl_request *req, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj;
	int rc;

	memset(req, 0, sizeof(*req));
	obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		snprintf(err, errlen, "request is not a JSON object");
		json_decref(obj);
		return XFED_EINVAL;
	}
	rc = parse_object(obj, req, err, errlen);
	json_decref(obj);
	if (rc != 0)
		xfed_ctl_request_clear(req);
	return rc;
}

static char *
dump_line(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *line;

	json_decref(obj);
	if (s == NULL)
		return NULL;
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

char *
xfed_ctl_format_request(const char *command, char * const *args, size_t n,
    bool force)
{
	return xfed_ctl_format_request_config(command, args, n, force, NULL);
}

char *
xfed_ctl_format_request_config(const char *command, char * const *args,
    size_t n, bool force, const char *config)
{
	json_t *obj = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(obj, "xfed-control",
	    json_integer(XFED_CONTROL_VERSION));
	json_object_set_new(obj, "command", json_string(command));
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(args[i]));
	if (n > 0)
		json_object_set_new(obj, "args", arr);
	else
		json_decref(arr);
	if (force)
		json_object_set_new(obj, "force", json_true());
	if (config != NULL)
		json_object_set_new(obj, "config", json_string(config));
	return dump_line(obj);
}

char *
xfed_ctl_format_response(bool ok, int exit_code, const char *text,
    const char *error, json_t *result)
{
	json_t *obj = json_object();

	json_object_set_new(obj, "xfed-control",
	    json_integer(XFED_CONTROL_VERSION));
	json_object_set_new(obj, "ok", json_boolean(ok));
	json_object_set_new(obj, "exit", json_integer(exit_code));
	json_object_set_new(obj, "text", json_string(text != NULL ? text : ""));
	if (error != NULL)
		json_object_set_new(obj, "error", json_string(error));
	if (result != NULL)
		json_object_set_new(obj, "result", result);
	return dump_line(obj);
}
