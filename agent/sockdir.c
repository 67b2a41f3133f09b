/* The control socket's directory and peer: see sockdir.h. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"
#include "util.h"

/* One directory: own is the socket's own, not one above it. */
static int
check_dir(const char *dir, bool own, uid_t also, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return 0;	/* bind or connect says what is missing */
	if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != also) {
		snprintf(err, errlen, "directory %s belongs to uid %u, neither "
		    "root nor uid %u: its owner could replace the control "
		    "socket", dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0 ||
	    (!own && (st.st_mode & S_ISVTX)))
		return 0;
	snprintf(err, errlen, "directory %s is writable by %s (mode %04o): "
	    "%s could put a socket of their own in xfedd's place; use a "
	    "directory only root or xfedd's user may write to, such as "
	    "/run/xfed (mode 0755 or 0750)", dir, (st.st_mode & S_IWOTH) ?
	    "others" : "its group", (unsigned)(st.st_mode & 07777),
	    (st.st_mode & S_IWOTH) ? "any user" : "any member");
	return -1;
}

int
xfed_socket_dir_check(const char *path, uid_t also, char *err,
    size_t errlen)
{
	char *copy = xstrdup(path), *dir, *real;
	bool own = true;
	int rc = 0;

	real = realpath(dirname(copy), NULL);
	free(copy);
	if (real == NULL)
		return 0;	/* missing: bind or connect says so */
	dir = real;
	for (;;) {
		if ((rc = check_dir(dir, own, also, err, errlen)) != 0 ||
		    strcmp(dir, "/") == 0)
			break;
		own = false;
		/* dirname of an absolute path is its parent, "/" at last. */
		dir = dirname(dir);
	}
	free(real);
	return rc;
}

int
xfed_socket_peer_check(int fd, const char *path, char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct stat st;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(err, errlen, "%s: cannot tell who answers: %s", path,
		    strerror(errno));
		return -1;
	}
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (cred.uid == 0 || cred.uid == st.st_uid)
		return 0;
	snprintf(err, errlen, "%s is answered by a process of uid %u (pid %ld), "
	    "neither root nor the socket's owner (uid %u): not xfedd; refusing "
	    "to talk to it", path, (unsigned)cred.uid, (long)cred.pid,
	    (unsigned)st.st_uid);
	return -1;
}
