/*
 * The control protocol (doc/control-protocol.md): one JSON request line,
 * one JSON response line, per connection.  Shared by xfedd and xfedctl.
 */
#ifndef XFED_CONTROL_H
#define XFED_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define XFED_CONTROL_VERSION	1
#define XFED_CONTROL_MAX_REQUEST	65536
#define XFED_CONTROL_MAX_ARGS	10000
#define XFED_CONTROL_TIMEOUT_MS	5000
#define XFED_CONTROL_MAX_PATH	4096

enum xfed_ctl_command {
	XFED_CTL_SYNC,
	XFED_CTL_PLAN,
	XFED_CTL_STATUS,
	XFED_CTL_RELOAD,
	XFED_CTL_REOPEN,
};

struct xfed_ctl_request {
	enum xfed_ctl_command	 command;
	char			**args;
	size_t			 n_args;
	bool			 force;
	char			*config;	/* plan: candidate, or NULL */
};

/*
 * Parse and validate one request line (without its newline).  0, or
 * XFED_EINVAL with a message for the client in err.
 */
int	 xfed_ctl_parse_request(const char *line, size_t len,
	    struct xfed_ctl_request *req, char *err, size_t errlen);
void	 xfed_ctl_request_clear(struct xfed_ctl_request *req);

/* Build a request line (with its newline), malloc'd. */
char	*xfed_ctl_format_request(const char *command, char * const *args,
	    size_t n, bool force);
/* The same with a candidate configuration file (plan only), or NULL. */
char	*xfed_ctl_format_request_config(const char *command,
	    char * const *args, size_t n, bool force, const char *config);

/* A response line (with newline), malloc'd; result may be NULL (stolen). */
char	*xfed_ctl_format_response(bool ok, int exit_code, const char *text,
	    const char *error, json_t *result);

const char *xfed_ctl_command_name(enum xfed_ctl_command c);

#endif
