/*
 * Whose directory holds the control socket.  Whoever may create files
 * there may also replace the socket with one of their own, and answer
 * xfedctl in xfedd's name: xfedd refuses to listen in such a directory,
 * and xfedctl to talk through one.
 */
#ifndef XFED_SOCKDIR_H
#define XFED_SOCKDIR_H

#include <sys/types.h>

#include <stddef.h>

/*
 * 0 when the directory of socket path, and every directory above it, can
 * only be changed by root, this process's user or also (xfedctl: the
 * socket's owner, xfedd's user; (uid_t)-1: nobody else): the socket's own
 * directory is not writable by group or others (sticky bit or not: a name
 * nobody has taken yet can still be taken), the ones above only with the
 * sticky bit (/tmp).  A directory that does not exist is left for bind(2)
 * or connect(2) to report.  -1 with the reason in err.
 */
int	xfed_socket_dir_check(const char *path, uid_t also, char *err,
	    size_t errlen);

/*
 * After connecting to path: 0 when the peer runs as root or as the owner
 * of the socket file; -1 with the reason in err.
 */
int	xfed_socket_peer_check(int fd, const char *path, char *err,
	    size_t errlen);

#endif
