/* BIND key files and secret files: see keyfile.h. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "error.h"
#include "keyfile.h"
#include "util.h"

void
xfed_secret_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

/*
 * Check what the descriptor refers to before reading a byte: a secret that
 * others can read is already compromised, and saying so is kinder than
 * using it silently.
 */
static int
secret_file_check(int fd, const char *path, mode_t forbidden, char *errbuf,
    size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(errbuf, errlen, "cannot stat '%s': %s", path,
		    strerror(errno));
		return XFED_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "'%s' is not a regular file", path);
		return XFED_EIO;
	}
	if ((st.st_mode & forbidden) != 0) {
		snprintf(errbuf, errlen, "permissions %04o for '%s' are too "
		    "open: it must not be accessible by %s",
		    (unsigned)(st.st_mode & 07777), path, (forbidden & 040) ?
		    "group or others" : "others, nor writable by its group");
		return XFED_EIO;
	}
	if (st.st_size > XFED_SECRET_FILE_MAX) {
		snprintf(errbuf, errlen, "'%s' is too large for a key file",
		    path);
		return XFED_EIO;
	}
	return 0;
}

static int
secret_fd_read(int fd, const char *path, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	char	*p;
	size_t	 n = 0;
	ssize_t	 r;

	/* One byte more than the limit, to notice a file that grew. */
	p = xmalloc(XFED_SECRET_FILE_MAX + 2);
	for (;;) {
		r = read(fd, p + n, XFED_SECRET_FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(errbuf, errlen, "cannot read '%s': %s", path,
			    strerror(errno));
			xfed_secret_free(p, XFED_SECRET_FILE_MAX + 2);
			return XFED_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > XFED_SECRET_FILE_MAX) {
			snprintf(errbuf, errlen,
			    "'%s' is too large for a key file", path);
			xfed_secret_free(p, XFED_SECRET_FILE_MAX + 2);
			return XFED_EIO;
		}
	}
	p[n] = '\0';
	if (strlen(p) != n) {
		snprintf(errbuf, errlen, "'%s' contains a NUL byte", path);
		xfed_secret_free(p, XFED_SECRET_FILE_MAX + 2);
		return XFED_EIO;
	}
	*buf = p;
	*len = n;
	return 0;
}

static int
read_protected(const char *path, mode_t forbidden, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	struct stat	st;
	int		fd, rc;

	*buf = NULL;
	*len = 0;
	/*
	 * lstat first only for a clear message; O_NOFOLLOW is what makes the
	 * refusal of a symbolic link race-free.
	 */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(errbuf, errlen, "'%s' is a symbolic link, refusing "
		    "to follow it", path);
		return XFED_EIO;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(errbuf, errlen, "'%s' is a symbolic link, "
			    "refusing to follow it", path);
		else
			snprintf(errbuf, errlen, "cannot open '%s': %s", path,
			    strerror(errno));
		return XFED_EIO;
	}
	rc = secret_file_check(fd, path, forbidden, errbuf, errlen);
	if (rc == 0)
		rc = secret_fd_read(fd, path, buf, len, errbuf, errlen);
	close(fd);
	return rc;
}

int
xfed_secret_file_read(const char *path, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	return read_protected(path, 077, buf, len, errbuf, errlen);
}

/*
 * systemd may grant the service read access to a credential through an
 * ACL, which stat shows as group read (0440): allow that, nothing more.
 */
int
xfed_credential_file_read(const char *path, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	return read_protected(path, 037, buf, len, errbuf, errlen);
}

/* Tokens of the named.conf syntax, as far as key statements need it. */
enum ktok {
	KT_EOF,
	KT_WORD,
	KT_STRING,
	KT_LBRACE,
	KT_RBRACE,
	KT_SEMI,
	KT_ERROR,
};

struct klex {
	const char	*p;
	int		 line;
	char		*val;		/* text of the last WORD or STRING */
	size_t		 vlen;
	int		 tokline;
};

static void
klex_setval(struct klex *lx, const char *s, size_t n)
{
	if (lx->val != NULL)
		OPENSSL_cleanse(lx->val, lx->vlen);
	free(lx->val);
	lx->val = xmalloc(n + 1);
	memcpy(lx->val, s, n);
	lx->val[n] = '\0';
	lx->vlen = n;
}

/* Skip white space and the three comment styles BIND accepts. */
static int
klex_skip(struct klex *lx)
{
	for (;;) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->p++;
		} else if (isspace((unsigned char)*lx->p)) {
			lx->p++;
		} else if (*lx->p == '#' ||
		    (lx->p[0] == '/' && lx->p[1] == '/')) {
			while (*lx->p != '\0' && *lx->p != '\n')
				lx->p++;
		} else if (lx->p[0] == '/' && lx->p[1] == '*') {
			lx->p += 2;
			while (*lx->p != '\0' &&
			    !(lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (*lx->p == '\0')
				return -1;
			lx->p += 2;
		} else
			return 0;
	}
}

static enum ktok
klex_next(struct klex *lx)
{
	const char *s;

	if (klex_skip(lx) == -1)
		return KT_ERROR;
	lx->tokline = lx->line;
	switch (*lx->p) {
	case '\0':
		return KT_EOF;
	case '{':
		lx->p++;
		return KT_LBRACE;
	case '}':
		lx->p++;
		return KT_RBRACE;
	case ';':
		lx->p++;
		return KT_SEMI;
	case '"':
		s = ++lx->p;
		while (*lx->p != '\0' && *lx->p != '"') {
			if (*lx->p == '\n')
				return KT_ERROR;
			lx->p++;
		}
		if (*lx->p != '"')
			return KT_ERROR;
		klex_setval(lx, s, (size_t)(lx->p - s));
		lx->p++;
		return KT_STRING;
	}
	s = lx->p;
	while (*lx->p != '\0' && !isspace((unsigned char)*lx->p) &&
	    strchr("{};\"#", *lx->p) == NULL)
		lx->p++;
	klex_setval(lx, s, (size_t)(lx->p - s));
	return KT_WORD;
}

static int
kerr(char *errbuf, size_t errlen, int line, const char *what)
{
	snprintf(errbuf, errlen, "line %d: %s", line, what);
	return XFED_EINVAL;
}

static char *
keyname_canon(const char *s)
{
	char	*n = xstrdup(s);
	size_t	 i, len = strlen(n);

	if (len > 1 && n[len - 1] == '.')
		n[--len] = '\0';
	for (i = 0; i < len; i++)
		n[i] = (char)tolower((unsigned char)n[i]);
	return n;
}

/* "algorithm X;" or "secret "X";" inside a key block. */
static int
keyfile_clause(struct klex *lx, struct xfed_keyfile_entry *e, char *errbuf,
    size_t errlen)
{
	char	**dst;
	int	  line = lx->tokline;

	if (strcasecmp(lx->val, "algorithm") == 0)
		dst = &e->algorithm;
	else if (strcasecmp(lx->val, "secret") == 0)
		dst = &e->secret;
	else {
		snprintf(errbuf, errlen, "line %d: unknown clause \"%s\" in "
		    "key \"%s\"", line, lx->val, e->name);
		return XFED_EINVAL;
	}
	if (*dst != NULL)
		return kerr(errbuf, errlen, line, "clause given twice");
	switch (klex_next(lx)) {
	case KT_WORD:
	case KT_STRING:
		break;
	default:
		return kerr(errbuf, errlen, line, "clause without a value");
	}
	*dst = xstrdup(lx->val);
	if (klex_next(lx) != KT_SEMI)
		return kerr(errbuf, errlen, lx->tokline, "expected ';'");
	return 0;
}

static int
keyfile_block(struct klex *lx, struct xfed_keyfile_entry *e, char *errbuf,
    size_t errlen)
{
	enum ktok t;
	int rc;

	e->line = lx->tokline;
	t = klex_next(lx);
	if (t != KT_WORD && t != KT_STRING)
		return kerr(errbuf, errlen, lx->tokline, "key without a name");
	if (lx->val[0] == '\0')
		return kerr(errbuf, errlen, lx->tokline, "empty key name");
	e->name = keyname_canon(lx->val);
	if (klex_next(lx) != KT_LBRACE)
		return kerr(errbuf, errlen, lx->tokline, "expected '{'");
	while ((t = klex_next(lx)) == KT_WORD) {
		if ((rc = keyfile_clause(lx, e, errbuf, errlen)) != 0)
			return rc;
	}
	if (t != KT_RBRACE)
		return kerr(errbuf, errlen, lx->tokline, "expected '}'");
	if (klex_next(lx) != KT_SEMI)
		return kerr(errbuf, errlen, lx->tokline, "expected ';'");
	if (e->algorithm == NULL)
		return kerr(errbuf, errlen, e->line, "key has no algorithm");
	if (e->secret == NULL)
		return kerr(errbuf, errlen, e->line, "key has no secret");
	return 0;
}

static int
keyfile_parse_all(struct klex *lx, struct xfed_keyfile *kf, char *errbuf,
    size_t errlen)
{
	struct xfed_keyfile_entry	*e;
	enum ktok			 t;
	size_t				 i;
	int				 rc;

	while ((t = klex_next(lx)) != KT_EOF) {
		if (t != KT_WORD || strcasecmp(lx->val, "key") != 0)
			return kerr(errbuf, errlen, lx->tokline,
			    "expected a \"key\" statement");
		kf->keys = xreallocarray(kf->keys, kf->n_keys + 1,
		    sizeof(*kf->keys));
		e = &kf->keys[kf->n_keys++];
		memset(e, 0, sizeof(*e));
		if ((rc = keyfile_block(lx, e, errbuf, errlen)) != 0)
			return rc;
		for (i = 0; i + 1 < kf->n_keys; i++) {
			if (strcmp(kf->keys[i].name, e->name) == 0) {
				snprintf(errbuf, errlen, "line %d: key \"%s\" "
				    "is defined twice", e->line, e->name);
				return XFED_EINVAL;
			}
		}
	}
	return 0;
}

int
xfed_keyfile_parse(const char *text, struct xfed_keyfile *kf, char *errbuf,
    size_t errlen)
{
	struct klex	lx;
	int		rc;

	memset(kf, 0, sizeof(*kf));
	memset(&lx, 0, sizeof(lx));
	lx.p = text;
	lx.line = 1;
	rc = keyfile_parse_all(&lx, kf, errbuf, errlen);
	if (rc == 0 && kf->n_keys == 0)
		rc = kerr(errbuf, errlen, lx.line, "no key statement");
	if (lx.val != NULL)
		OPENSSL_cleanse(lx.val, lx.vlen);
	free(lx.val);
	if (rc != 0)
		xfed_keyfile_free(kf);
	return rc;
}

const struct xfed_keyfile_entry *
xfed_keyfile_find(const struct xfed_keyfile *kf, const char *name)
{
	char	*want = keyname_canon(name);
	size_t	 i;

	for (i = 0; i < kf->n_keys; i++) {
		if (strcmp(kf->keys[i].name, want) == 0) {
			free(want);
			return &kf->keys[i];
		}
	}
	free(want);
	return NULL;
}

void
xfed_keyfile_free(struct xfed_keyfile *kf)
{
	size_t i;

	for (i = 0; i < kf->n_keys; i++) {
		free(kf->keys[i].name);
		free(kf->keys[i].algorithm);
		if (kf->keys[i].secret != NULL) {
			OPENSSL_cleanse(kf->keys[i].secret,
			    strlen(kf->keys[i].secret));
			free(kf->keys[i].secret);
		}
	}
	free(kf->keys);
	kf->keys = NULL;
	kf->n_keys = 0;
}

static bool
b64_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '/';
}

/* The text without white space, if it is well-formed padded base64. */
static char *
b64_compact(const char *b64, size_t *outlen, size_t *npad)
{
	char	*s = xmalloc(strlen(b64) + 1);
	size_t	 n = 0, pad = 0;
	const char *p;

	for (p = b64; *p != '\0'; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (*p == '=')
			pad++;
		else if (!b64_char(*p) || pad > 0)
			goto bad;	/* a data character after padding */
		s[n++] = *p;
	}
	s[n] = '\0';
	if (n == 0 || n % 4 != 0 || pad > 2)
		goto bad;
	*outlen = n;
	*npad = pad;
	return s;
bad:
	OPENSSL_cleanse(s, strlen(b64) + 1);
	free(s);
	return NULL;
}

int
xfed_secret_b64_decode(const char *b64, unsigned char **out, size_t *outlen)
{
	unsigned char	*buf;
	char		*s;
	size_t		 n, pad, cap;
	int		 r;

	*out = NULL;
	*outlen = 0;
	if ((s = b64_compact(b64, &n, &pad)) == NULL)
		return XFED_EINVAL;
	cap = n / 4 * 3 + 1;
	buf = xmalloc(cap);
	r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	OPENSSL_cleanse(s, n);
	free(s);
	/* EVP_DecodeBlock counts the padding as zero octets: drop them. */
	if (r < 0 || (size_t)r < pad) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
		return XFED_EINVAL;
	}
	*out = buf;
	*outlen = (size_t)r - pad;
	return 0;
}
