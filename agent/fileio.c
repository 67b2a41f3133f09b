/* Safe opening and creation of files: see fileio.h. */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

#define NEWFILE_TRIES	16

static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* The reason open(2) failed, in words an operator can act on. */
static void
open_failed(const char *path, char *err, size_t errlen)
{
	if (errno == ELOOP)
		snprintf(err, errlen, "%s is a symbolic link: refusing to "
		    "follow it (replace it with the file itself)", path);
	else
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
}

/* fd must be a regular file; closes it and says why when it is not. */
static int
require_regular(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int saved;

	if (fstat(fd, &st) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot stat %s: %s", path,
		    strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is %s, not a regular file: refusing "
		    "it (remove it, or point the configuration elsewhere)",
		    path, file_kind(st.st_mode));
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
xfed_open_regular(const char *path, int flags, mode_t mode, char *err,
    size_t errlen)
{
	int fd, fl;

	/*
	 * O_NONBLOCK: opening a FIFO must not wait for a writer (or a
	 * reader); the type check below then refuses it.  On a regular file
	 * the flag changes nothing, but it is cleared all the same.
	 */
	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd == -1) {
		open_failed(path, err, errlen);
		return -1;
	}
	if (require_regular(fd, path, err, errlen) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int
xfed_open_readable(const char *path, char *err, size_t errlen)
{
	int fd, fl;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (require_regular(fd, path, err, errlen) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/* "<dir>/.<base>.tmp.<12 random hex digits>": nobody can guess it. */
static char *
temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	unsigned char rnd[6];
	char hex[sizeof(rnd) * 2 + 1];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return NULL;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	if (slash == NULL)
		return xasprintf(".%s.tmp.%s", path, hex);
	return xasprintf("%.*s/.%s.tmp.%s", (int)(slash - path), path,
	    slash + 1, hex);
}

int
xfed_newfile_open(struct xfed_newfile *nf, const char *path, mode_t mode,
    char *err, size_t errlen)
{
	int i, saved;

	memset(nf, 0, sizeof(*nf));
	nf->fd = -1;
	for (i = 0; i < NEWFILE_TRIES; i++) {
		free(nf->tmp);
		if ((nf->tmp = temp_name(path)) == NULL) {
			snprintf(err, errlen, "no random numbers for a "
			    "temporary name beside %s", path);
			return -1;
		}
		/* O_EXCL: whatever is planted at the name, it is not ours. */
		nf->fd = open(nf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC, mode & 0600);
		if (nf->fd != -1 || errno != EEXIST)
			break;
	}
	if (nf->fd == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot create a file beside %s: %s",
		    path, strerror(saved));
		free(nf->tmp);
		nf->tmp = NULL;
		errno = saved;
		return -1;
	}
	/* Ours, just created: the only file xfed ever chmods. */
	if (fchmod(nf->fd, mode) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot set the mode of %s: %s",
		    nf->tmp, strerror(saved));
		xfed_newfile_abort(nf);
		errno = saved;
		return -1;
	}
	nf->path = xstrdup(path);
	return 0;
}

void
xfed_newfile_write(struct xfed_newfile *nf, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0 && nf->error == 0) {
		n = write(nf->fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			nf->error = n == 0 ? ENOSPC : errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
}

void
xfed_newfile_abort(struct xfed_newfile *nf)
{
	int saved = errno;

	if (nf->fd != -1)
		close(nf->fd);
	if (nf->tmp != NULL)
		unlink(nf->tmp);
	free(nf->tmp);
	free(nf->path);
	memset(nf, 0, sizeof(*nf));
	nf->fd = -1;
	errno = saved;
}

int
xfed_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ?
	    xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
	int fd, rc = -1, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		rc = fsync(fd);
		saved = errno;
		close(fd);
		errno = saved;
	}
	free(dir);
	return rc;
}

int
xfed_newfile_commit(struct xfed_newfile *nf, bool durable, char *err,
    size_t errlen)
{
	const char *what = "write";
	int saved = nf->error;

	if (saved == 0 && fsync(nf->fd) == -1) {
		what = "fsync";
		saved = errno;
	}
	if (close(nf->fd) == -1 && saved == 0) {
		what = "close";
		saved = errno;
	}
	nf->fd = -1;
	if (saved == 0 && rename(nf->tmp, nf->path) == -1) {
		what = "rename";
		saved = errno;
	}
	if (saved == 0 && durable && xfed_fsync_parent(nf->path) == -1) {
		/* Renamed already: nothing to remove, but not durable. */
		snprintf(err, errlen, "%s: fsync of its directory: %s",
		    nf->path, strerror(errno));
		saved = errno;
		free(nf->tmp);
		nf->tmp = NULL;
		xfed_newfile_abort(nf);
		errno = saved;
		return -1;
	}
	if (saved != 0) {
		snprintf(err, errlen, "%s: %s of %s failed: %s", nf->path, what,
		    nf->tmp, strerror(saved));
		xfed_newfile_abort(nf);
		errno = saved;
		return -1;
	}
	free(nf->tmp);
	nf->tmp = NULL;
	xfed_newfile_abort(nf);
	return 0;
}

int
xfed_dir_writable(const char *dir, char *err, size_t errlen)
{
	struct xfed_newfile nf;
	struct stat st;
	char *probe, why[512];

	if (stat(dir, &st) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s does not exist: create it "
			    "(mkdir -m 0750 %s), or let systemd create it "
			    "(StateDirectory=)", dir, dir);
		else
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	probe = xasprintf("%s/probe", dir);
	if (xfed_newfile_open(&nf, probe, 0600, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s is not writable: %s", dir,
		    strerror(errno));
		free(probe);
		return -1;
	}
	xfed_newfile_abort(&nf);
	free(probe);
	return 0;
}
