/*
 * Opening and creating files safely, for every file xfed reads from an
 * operator-controlled path or writes.  Nothing here follows a symbolic
 * link, blocks on a FIFO or a device, or accepts anything but a regular
 * file; new files are created under an unpredictable name with O_EXCL in
 * the target's own directory, then renamed over the target.
 */
#ifndef XFED_FILEIO_H
#define XFED_FILEIO_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/*
 * Open path, which must be a regular file and not a symbolic link.
 * flags: O_RDONLY, O_RDWR, optionally O_APPEND and O_CREAT (then mode);
 * O_NOFOLLOW, O_NONBLOCK and O_CLOEXEC are added.  The descriptor, or -1
 * with errno set (ELOOP: a symbolic link; EINVAL: not a regular file) and
 * the reason, naming path, in err.
 */
int	xfed_open_regular(const char *path, int flags, mode_t mode, char *err,
	    size_t errlen);

/*
 * The same for a file the operator names and may keep behind a symbolic
 * link (the configuration): read-only, the link followed, but still never
 * a FIFO or a device, and never a wait.
 */
int	xfed_open_readable(const char *path, char *err, size_t errlen);

/* A file being written under a temporary name, to replace path. */
struct xfed_newfile {
	int	 fd;
	char	*path;
	char	*tmp;
	int	 error;		/* errno of the first failed write, or 0 */
};

/*
 * Create a fresh temporary file beside path with exactly mode (the umask
 * does not apply: only this new file is chmod'ed).  0, or -1 with errno
 * set and the reason in err.
 */
int	xfed_newfile_open(struct xfed_newfile *nf, const char *path,
	    mode_t mode, char *err, size_t errlen);
/* Append; a failure is remembered and reported by commit. */
void	xfed_newfile_write(struct xfed_newfile *nf, const void *buf,
	    size_t len);
/*
 * fsync, close and rename over path; durable: also fsync the directory,
 * so the rename survives a crash.  0, or -1 with errno of the failing
 * call and the reason in err; the temporary file is then removed.
 */
int	xfed_newfile_commit(struct xfed_newfile *nf, bool durable, char *err,
	    size_t errlen);
/*
 * fsync the directory holding path, so that a name made or renamed in it
 * survives a crash.  0, or -1 with errno of the failing call.
 */
int	xfed_fsync_parent(const char *path);
/* Give up: remove the temporary file. */
void	xfed_newfile_abort(struct xfed_newfile *nf);

/*
 * Is dir an existing directory in which files can be created (tried for
 * real, so read-only file systems and full inode tables show)?  0, or -1
 * with a message in err that says what to do.
 */
int	xfed_dir_writable(const char *dir, char *err, size_t errlen);

#endif
