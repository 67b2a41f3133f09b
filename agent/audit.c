/* The audit log writer: see audit.h. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "error.h"
#include "log.h"
#include "util.h"

struct xfed_audit {
	char	*path;
	int	 fd;
};

static int
open_log(const char *path)
{
	mode_t old = umask(027);
	int fd;

	/* O_NOFOLLOW: a symlink planted at the path must not redirect us. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	umask(old);
	return fd;
}

int
xfed_audit_open(const char *path, struct xfed_audit **out)
{
	struct xfed_audit *a;
	int fd;

	*out = NULL;
	if ((fd = open_log(path)) == -1) {
		log_warn("audit log %s", path);
		return XFED_EIO;
	}
	a = xcalloc(1, sizeof(*a));
	a->path = xstrdup(path);
	a->fd = fd;
	*out = a;
	return 0;
}

int
xfed_audit_reopen(struct xfed_audit *a)
{
	int fd;

	if ((fd = open_log(a->path)) == -1) {
		log_warn("reopening audit log %s; keeping the old file", a->path);
		return XFED_EIO;
	}
	close(a->fd);
	a->fd = fd;
	return 0;
}

void
xfed_audit_close(struct xfed_audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	free(a->path);
	free(a);
}

void
xfed_rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
}

/* ts and event first, so a human reading the file sees them first. */
static json_t *
with_header(const char *event, json_t *record)
{
	json_t *line = json_object();
	char ts[40];

	xfed_rfc3339_now(ts, sizeof(ts));
	json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "event", json_string(event));
	json_object_update(line, record);
	return line;
}

static int
write_line(int fd, const char *s, size_t len)
{
	ssize_t n;

	/* One write: with O_APPEND the line lands whole or not at all. */
	do {
		n = write(fd, s, len);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len)
		return XFED_EIO;
	if (fsync(fd) == -1)
		return XFED_EIO;
	return 0;
}

int
xfed_audit_write(struct xfed_audit *a, const char *event, json_t *record)
{
	json_t *line;
	char *text, *nl;
	size_t len;
	int rc;

	if (record == NULL)
		record = json_object();
	line = with_header(event, record);
	json_decref(record);
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text == NULL)
		return XFED_ENOMEM;
	len = strlen(text);
	nl = xmalloc(len + 2);
	memcpy(nl, text, len);
	nl[len] = '\n';
	nl[len + 1] = '\0';
	free(text);
	if ((rc = write_line(a->fd, nl, len + 1)) != 0)
		log_warn("audit log %s: write failed", a->path);
	free(nl);
	return rc;
}
