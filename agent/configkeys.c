/*
 * The tsig-key sections: name, algorithm and secret, the secret from the
 * inline secret, a BIND key file (file = ...), or a systemd credential in
 * $CREDENTIALS_DIRECTORY; and the wiping of the texts that held secrets.
 * Separate: the only configuration file that handles key material, and
 * the one xfedctl's loader without secrets skips the reading of.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "config_impl.h"
#include "keyfile.h"
#include "tsig.h"
#include "util.h"

/* Octets: 128 bits; RFC 2104 advises keys no shorter than the hash. */
#define MIN_SECRET	16
#define DEFAULT_ALG	XFED_HMAC_SHA256	/* what tsig-keygen picks */

#define ALG_LIST	"hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, " \
			"hmac-sha384, hmac-sha512"

/* Decode and store a base64 secret; from names its source in messages. */
static int
key_set_secret(struct where *w, const char *opt, struct xfed_key *k,
    const char *b64, const char *from)
{
	unsigned char	*buf;
	size_t		 len;

	if (xfed_secret_b64_decode(b64, &buf, &len) != 0) {
		xfed_werr(w, opt, "secret%s%s is not valid base64",
		    from != NULL ? " in " : "", from != NULL ? from : "");
		return -1;
	}
	if (len < MIN_SECRET) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		xfed_werr(w, opt, "secret%s%s is %zu octets, at least %d "
		    "required", from != NULL ? " in " : "",
		    from != NULL ? from : "", len, MIN_SECRET);
		return -1;
	}
	k->secret = buf;
	k->secret_len = len;
	return 0;
}

/* Take the key named after the section out of a key file's text. */
static int
key_from_keyfile(struct where *w, const char *opt, struct xfed_key *k,
    bool have_alg, const char *text, const char *from)
{
	struct xfed_keyfile			 kf;
	const struct xfed_keyfile_entry		*e;
	enum xfed_tsig_alg			 alg;
	char					 eb[256];
	int					 rc = -1;

	if (xfed_keyfile_parse(text, &kf, eb, sizeof(eb)) != 0) {
		xfed_werr(w, opt, "%s: %s", from, eb);
		return -1;
	}
	if ((e = xfed_keyfile_find(&kf, cfg_title(w->sec))) == NULL)
		xfed_werr(w, opt, "%s has no key named \"%s\"", from,
		    cfg_title(w->sec));
	else if (xfed_tsig_alg_parse(e->algorithm, &alg) != 0)
		xfed_werr(w, opt, "%s: unknown algorithm \"%s\" (known: %s)",
		    from, e->algorithm, ALG_LIST);
	else if (have_alg && alg != k->alg)
		xfed_werr(w, "algorithm", "algorithm %s differs from %s in %s",
		    xfed_tsig_alg_name(k->alg), xfed_tsig_alg_name(alg), from);
	else {
		k->alg = alg;
		rc = key_set_secret(w, opt, k, e->secret, from);
	}
	xfed_keyfile_free(&kf);
	return rc;
}

/* A bare secret: nothing but base64 and white space. */
static bool
looks_bare_b64(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || isspace((unsigned char)*s))
			continue;
		if (strchr("+/=", *s) == NULL)
			return false;
	}
	return true;
}

static int
key_from_secret_file(struct where *w, const char *opt, struct xfed_key *k,
    bool have_alg, const char *path, const char *what)
{
	char	 eb[PATH_MAX + 128], *buf, *from;
	size_t	 len;
	int	 rc;

	bool	 cred = strcmp(what, "credential") == 0;

	rc = cred ? xfed_credential_file_read(path, &buf, &len, eb,
	    sizeof(eb)) : xfed_secret_file_read(path, &buf, &len, eb,
	    sizeof(eb));
	if (rc != 0) {
		xfed_werr(w, opt, "%s: %s", what, eb);
		return -1;
	}
	from = xasprintf("%s '%s'", what, path);
	if (cred && looks_bare_b64(buf))
		rc = key_set_secret(w, opt, k, buf, from);
	else
		rc = key_from_keyfile(w, opt, k, have_alg, buf, from);
	free(from);
	xfed_secret_free(buf, len);
	return rc;
}

/*
 * systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY; a file
 * there named after the key wins over the configuration.  Returns 1 when
 * it was used, 0 when there is none, -1 after an error.
 */
static int
key_from_credentials(struct where *w, struct xfed_key *k, bool have_alg)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	struct stat	 st;
	char		*path;
	int		 rc;

	if (dir == NULL || *dir == '\0')
		return 0;
	path = xasprintf("%s/%s", dir, cfg_title(w->sec));
	if (lstat(path, &st) == -1 && errno == ENOENT) {
		free(path);
		return 0;
	}
	rc = key_from_secret_file(w, NULL, k, have_alg, path, "credential");
	free(path);
	return rc == 0 ? 1 : -1;
}

static int
key_from_file(struct where *w, struct xfed_key *k, bool have_alg)
{
	const char	*file = cfg_getstr(w->sec, "file");
	char		*path;
	int		 rc;

	if (*file == '\0') {
		xfed_werr(w, "file", "file is empty");
		return -1;
	}
	if (file[0] == '/')
		path = xstrdup(file);
	else
		path = xasprintf("%s/%s", w->c->dir, file);
	rc = key_from_secret_file(w, "file", k, have_alg, path, "key file");
	free(path);
	return rc;
}

static int
conv_key(struct where *w, struct xfed_key *k)
{
	const char	*title = cfg_title(w->sec), *why;
	char		 buf[128];
	bool		 have_alg, have_secret, have_file;
	int		 rc;

	k->name = xfed_keyname_canon(title);
	if ((why = xfed_dname_problem(title, true, buf, sizeof(buf))) != NULL) {
		xfed_werr(w, NULL, "not a valid key name: %s", why);
		return -1;
	}
	k->alg = DEFAULT_ALG;
	have_alg = cfg_size(w->sec, "algorithm") > 0;
	if (have_alg && xfed_tsig_alg_parse(cfg_getstr(w->sec, "algorithm"),
	    &k->alg) != 0) {
		xfed_werr(w, "algorithm", "unknown algorithm \"%s\" (known: "
		    "%s)", cfg_getstr(w->sec, "algorithm"), ALG_LIST);
		return -1;
	}
	have_secret = cfg_size(w->sec, "secret") > 0;
	have_file = cfg_size(w->sec, "file") > 0;
	if (have_secret && have_file) {
		xfed_werr(w, "file", "set either secret or file, not both");
		return -1;
	}
	/* xfedctl: the secret may be a credential only the daemon gets. */
	if (!w->c->secrets)
		return 0;
	if ((rc = key_from_credentials(w, k, have_alg)) != 0)
		return rc < 0 ? -1 : 0;
	if (have_file)
		return key_from_file(w, k, have_alg);
	if (have_secret)
		return key_set_secret(w, "secret", k,
		    cfg_getstr(w->sec, "secret"), NULL);
	xfed_werr(w, NULL, "no secret: set secret or file (or give it to xfedd "
	    "as the systemd credential LoadCredential=%s:PATH)",
	    cfg_title(w->sec));
	return -1;
}

struct xfed_key *
xfed_find_key(const struct xfed_config *cfg, const char *name)
{
	char	*want = xfed_keyname_canon(name);
	size_t	 i;

	for (i = 0; i < cfg->n_keys; i++) {
		if (cfg->keys[i].name != NULL &&
		    strcmp(cfg->keys[i].name, want) == 0)
			break;
	}
	free(want);
	return i < cfg->n_keys ? &cfg->keys[i] : NULL;
}

void
xfed_conv_keys(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct where		 w;
	size_t			 i, j;

	cfg->n_keys = cfg_size(root, "tsig-key");
	cfg->keys = xcalloc(cfg->n_keys, sizeof(*cfg->keys));
	for (i = 0; i < cfg->n_keys; i++) {
		xfed_where_sec(&w, c, root, SK_KEY, (unsigned)i);
		conv_key(&w, &cfg->keys[i]);
		for (j = 0; j < i; j++) {
			if (cfg->keys[j].name != NULL &&
			    strcmp(cfg->keys[j].name, cfg->keys[i].name) == 0)
				xfed_werr(&w, NULL, "same key name as tsig-key "
				    "\"%s\"", cfg_title(cfg_getnsec(root,
				    "tsig-key", (unsigned)j)));
		}
	}
}

/* Inline secrets are the only secret text libconfuse holds: wipe them. */
void
xfed_wipe_inline_secrets(cfg_t *root)
{
	unsigned	 i;
	cfg_t		*sec;
	char		*s;

	for (i = 0; i < cfg_size(root, "tsig-key"); i++) {
		sec = cfg_getnsec(root, "tsig-key", i);
		if (cfg_size(sec, "secret") > 0 &&
		    (s = cfg_getstr(sec, "secret")) != NULL)
			OPENSSL_cleanse(s, strlen(s));
	}
}

void
xfed_wipe_free(char *s)
{
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
