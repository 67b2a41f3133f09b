/* The client side of the control protocol: see ctlclient.h. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "ctlclient.h"
#include "sockdir.h"
#include "util.h"

/* Responses carry plans: allow far more than a request may hold. */
#define MAX_RESPONSE	(256 * 1024 * 1024)

/*
 * Could someone other than xfedd answer on path?  Yes if others may swap
 * the socket for their own: its "in sync" would be a forgery.  (Who does
 * answer is checked once connected: xfed_socket_peer_check.)
 */
static bool
trusted_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char why[768];

	if (stat(path, &st) == 0 &&
	    xfed_socket_dir_check(path, st.st_uid, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "not talking to %s: %s", path, why);
		return false;
	}
	return true;
}

static int
connect_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return s;
	if (errno == ENOENT || errno == ECONNREFUSED)
		snprintf(err, errlen, "cannot connect to %s: %s (is xfedd "
		    "running? see -s or the socket option)", path,
		    strerror(errno));
	else if (errno == EACCES || errno == EPERM)
		snprintf(err, errlen, "cannot connect to %s: permission "
		    "denied (run as root or as a member of the socket's "
		    "group)", path);
	else
		snprintf(err, errlen, "cannot connect to %s: %s", path,
		    strerror(errno));
	close(s);
	return -1;
}

static int
wait_readable(int s, uint64_t deadline)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	uint64_t now = xfed_now_ms();
	int n;

	do {
		if (now >= deadline)
			return 0;
		n = poll(&pfd, 1, (int)(deadline - now));
		now = xfed_now_ms();
	} while (n == -1 && errno == EINTR);
	return n;
}

static char *
read_response(int s, uint64_t deadline, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap), *nl;
	ssize_t n;

	for (;;) {
		if (wait_readable(s, deadline) <= 0) {
			snprintf(err, errlen, "no answer from xfedd in time");
			break;
		}
		if (len + 1 >= cap) {
			if (cap >= MAX_RESPONSE) {
				snprintf(err, errlen, "answer too large");
				break;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(s, buf + len, cap - len - 1);
		if (n <= 0) {
			snprintf(err, errlen, "xfedd closed the connection "
			    "without an answer");
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

int
xfed_ctl_call(const char *path, const char *line, uint64_t timeout_ms,
    json_t **response, char **raw, char *err, size_t errlen)
{
	size_t len = strlen(line);
	char *resp;
	int s;

	*response = NULL;
	*raw = NULL;
	if (!trusted_path(path, err, errlen) ||
	    (s = connect_socket(path, err, errlen)) == -1)
		return -1;
	/*
	 * The request first, the peer's credentials after: xfedd closes
	 * clients that keep it waiting when it is crowded.  Nothing in a
	 * request is secret; nothing in the answer is believed unchecked.
	 */
	if (send(s, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		snprintf(err, errlen, "cannot send to %s: %s", path,
		    strerror(errno));
		close(s);
		return -1;
	}
	if (xfed_socket_peer_check(s, path, err, errlen) != 0) {
		close(s);
		return -1;
	}
	resp = read_response(s, xfed_now_ms() + timeout_ms, err, errlen);
	close(s);
	if (resp == NULL)
		return -1;
	*response = json_loads(resp, 0, NULL);
	if (*response == NULL || !json_is_object(*response)) {
		snprintf(err, errlen, "xfedd sent an answer that is not JSON");
		json_decref(*response);
		*response = NULL;
		free(resp);
		return -1;
	}
	*raw = resp;
	return 0;
}
