/*
 * BIND key files, as written by tsig-keygen or ddns-confgen:
 *
 *	key "name" {
 *		algorithm hmac-sha256;
 *		secret "base64==";
 *	};
 *
 * possibly several blocks per file, with //, # and C comments.  Also the
 * careful reading of any file that holds a secret.
 */
#ifndef XFED_KEYFILE_H
#define XFED_KEYFILE_H

#include <stddef.h>

#define XFED_SECRET_FILE_MAX	65536	/* a key file is never this large */

struct xfed_keyfile_entry {
	char	*name;		/* lower case, without the trailing dot */
	char	*algorithm;	/* as written */
	char	*secret;	/* base64 text as written; zeroed on free */
	int	 line;		/* of the "key" keyword */
};

struct xfed_keyfile {
	struct xfed_keyfile_entry	*keys;
	size_t				 n_keys;
};

/*
 * Read a whole file that holds a secret into a NUL-terminated buffer.
 * Refuses, like ssh does, a symbolic link, anything but a regular file and
 * a file that group or others may access (mode & 077).  Returns 0, or
 * XFED_EIO with the reason (naming the file) in errbuf.  The buffer is
 * released with xfed_secret_free().
 */
int	 xfed_secret_file_read(const char *path, char **buf, size_t *len,
	    char *errbuf, size_t errlen);
/* Same for a systemd credential, which may also be group-readable. */
int	 xfed_credential_file_read(const char *path, char **buf, size_t *len,
	    char *errbuf, size_t errlen);
void	 xfed_secret_free(char *buf, size_t len);

/*
 * Parse the text of a key file.  Returns 0, or XFED_EINVAL with
 * "line N: reason" in errbuf (never any part of a secret).
 */
int	 xfed_keyfile_parse(const char *text, struct xfed_keyfile *kf,
	    char *errbuf, size_t errlen);

/* The block named name (case-insensitive, a trailing dot ignored). */
const struct xfed_keyfile_entry *xfed_keyfile_find(
	    const struct xfed_keyfile *kf, const char *name);

/* Zero the secrets and free everything; kf itself is not freed. */
void	 xfed_keyfile_free(struct xfed_keyfile *kf);

/*
 * Decode a base64 secret; white space is ignored, padding is required as
 * BIND writes it.  Returns 0 and a buffer to zero and free, or XFED_EINVAL.
 */
int	 xfed_secret_b64_decode(const char *b64, unsigned char **out,
	    size_t *outlen);

#endif
