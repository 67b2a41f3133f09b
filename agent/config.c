/*
 * The configuration file: the entry points (xfed_config_load and its
 * variants, xfed_config_parse_string), reading the file once and hashing
 * what was read, the look-ups, and freeing.
 *
 * libconfuse is used by the files of this module (config*.c, sharing
 * config_impl.h) and nowhere else: they turn its cfg_t tree into the plain
 * structs of config.h, checking everything on the way and reporting each
 * problem as "FILE:LINE: message".  Each step has a file of its own:
 * configscan.c and configlex.c (the scan of the text that works around
 * libconfuse), configparse.c (the text through libconfuse, whole or in
 * batches), configconfuse.c (one libconfuse pass and its messages),
 * configschema.c (the option tables), configerr.c (where a message
 * points), configvalue.c (names, addresses, numbers), and one file per
 * kind of section: configkeys.c, configservers.c, configfed.c (proxies
 * and domains), configglobals.c (the top level).  This one is what
 * callers see.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cfglines.h"
#include "config.h"
#include "config_impl.h"
#include "error.h"
#include "fileio.h"
#include "tsig.h"
#include "util.h"

#define CONFIG_MAX	(16 * 1024 * 1024)

static char *
dir_of(const char *name)
{
	char *copy = xstrdup(name), *d;

	d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

/* Its comments are blanked in text, which the caller wipes. */
static int
parse_text(char *text, const char *name, FILE *err, bool secrets,
    struct xfed_config **out)
{
	struct ctx	 c;
	int		 rc, line;

	*out = NULL;
	if ((line = xfed_config_long_line(text, XFED_CONFIG_LINE_MAX)) > 0) {
		fprintf(err != NULL ? err : stderr, "%s:%d: line longer than "
		    "%d KiB (no option needs one, and libconfuse takes "
		    "time quadratic in it)\n", name, line,
		    XFED_CONFIG_LINE_MAX / 1024);
		return XFED_ECONFIG;
	}
	memset(&c, 0, sizeof(c));
	c.file = name;
	c.secrets = secrets;
	c.err = err != NULL ? err : stderr;
	c.dir = dir_of(name);
	c.cfg = xcalloc(1, sizeof(*c.cfg));
	c.cfg->path = xstrdup(name);
	xfed_scan_text(&c, text);
	/*
	 * Comments are blanked now.  Nothing left is not a configuration
	 * of defaults but a truncated or wrong file: a reload must not
	 * quietly drop every domain because of it.
	 */
	if (text[strspn(text, " \t\r\n")] == '\0')
		xfed_cerr(&c, 0, "empty configuration (no settings at all): "
		    "nothing to do");
	xfed_check_dup_options(&c);
	rc = xfed_parse_confuse(&c, text);
	xfed_scan_free(&c);
	free(c.dir);
	fflush(c.err);
	if (rc == 0 && c.nerr > 0)
		rc = XFED_ECONFIG;
	if (rc != 0) {
		xfed_config_free(c.cfg);
		return rc;
	}
	*out = c.cfg;
	return 0;
}

int
xfed_config_parse_string(const char *text, const char *name, FILE *err,
    struct xfed_config **out)
{
	char	*copy = xstrdup(text);
	int	 rc;

	rc = parse_text(copy, name, err, true, out);
	xfed_wipe_free(copy);
	return rc;
}

/* The whole file as a string; it may hold secrets, so it is wiped after. */
static int
read_text(const char *path, FILE *err, char **text, size_t *len)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf, why[1024];
	size_t		 n, cap;
	bool		 big;
	int		 fd;

	/* Never a FIFO: a reload on SIGHUP must not hang the main loop. */
	if ((fd = xfed_open_readable(path, why, sizeof(why))) == -1) {
		if (errno == EINVAL)
			fprintf(err, "%s:0: %s\n", path, why);
		else
			fprintf(err, "%s:0: cannot open: %s\n", path,
			    strerror(errno));
		return XFED_ECONFIG;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		fprintf(err, "%s:0: %s\n", path, strerror(errno));
		close(fd);
		return XFED_ECONFIG;
	}
	/* Room for the file as it is now, plus one octet to notice growth. */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= 0 && (uint64_t)st.st_size < CONFIG_MAX)
		cap = (size_t)st.st_size + 1;
	else
		cap = CONFIG_MAX + 1;
	buf = xmalloc(cap + 1);
	n = fread(buf, 1, cap, fp);
	big = n > CONFIG_MAX || (n == cap && cap <= CONFIG_MAX);
	if (ferror(fp) || big || memchr(buf, '\0', n) != NULL) {
		fprintf(err, "%s:0: %s\n", path, ferror(fp) ?
		    strerror(errno) : n > CONFIG_MAX ? "file is too large" :
		    big ? "file changed while being read" :
		    "file contains a NUL byte");
		fclose(fp);
		OPENSSL_cleanse(buf, n);
		free(buf);
		return XFED_ECONFIG;
	}
	fclose(fp);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* The SHA-256, in hex, of exactly the bytes that are parsed. */
static void
text_digest(const char *text, size_t len, char *sha256)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	sha256[0] = '\0';
	if (!EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return;
	for (i = 0; i < mdlen; i++)
		snprintf(sha256 + 2 * i, 3, "%02x", md[i]);
}

/* Read the file once: what is parsed is what is hashed. */
static int
load(const char *path, FILE *err, bool secrets, struct xfed_config **out,
    char *sha256)
{
	char	*text;
	size_t	 len;
	int	 rc;

	*out = NULL;
	sha256[0] = '\0';
	if (err == NULL)
		err = stderr;
	if ((rc = read_text(path, err, &text, &len)) != 0)
		return rc;
	text_digest(text, len, sha256);
	rc = parse_text(text, path, err, secrets, out);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

int
xfed_config_load(const char *path, FILE *err, struct xfed_config **out)
{
	char sha256[65];

	return load(path, err, true, out, sha256);
}

int
xfed_config_load_digest(const char *path, FILE *err,
    struct xfed_config **out, char *sha256)
{
	return load(path, err, true, out, sha256);
}

int
xfed_config_load_nokeys(const char *path, FILE *err,
    struct xfed_config **out)
{
	char sha256[65];

	return load(path, err, false, out, sha256);
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
xfed_config_free(struct xfed_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_keys; i++)
		xfed_key_clear(&cfg->keys[i]);
	if (cfg->keys != NULL)
		OPENSSL_cleanse(cfg->keys, cfg->n_keys * sizeof(*cfg->keys));
	free(cfg->keys);
	for (i = 0; i < cfg->n_servers; i++) {
		free(cfg->servers[i].name);
		free(cfg->servers[i].address);
	}
	free(cfg->servers);
	for (i = 0; i < cfg->n_proxies; i++) {
		free(cfg->proxies[i].name);
		free(cfg->proxies[i].host);
		free_strv(cfg->proxies[i].ipv4, cfg->proxies[i].n_ipv4);
		free_strv(cfg->proxies[i].ipv6, cfg->proxies[i].n_ipv6);
		free(cfg->proxies[i].zone);
	}
	free(cfg->proxies);
	for (i = 0; i < cfg->n_domains; i++) {
		free(cfg->domains[i].name);
		free(cfg->domains[i].proxies);
		free(cfg->domains[i].zone);
	}
	free(cfg->domains);
	free_strv(cfg->resolvers, cfg->n_resolvers);
	free(cfg->path);
	free(cfg->owner);
	free(cfg->socket);
	free(cfg->audit_log);
	free(cfg->state_dir);
	free(cfg->metrics_file);
	free(cfg->audit_chain_key);
	free(cfg);
}

struct xfed_key *
xfed_config_key(const struct xfed_config *cfg, const char *name)
{
	return xfed_find_key(cfg, name);
}

struct xfed_server *
xfed_config_server(const struct xfed_config *cfg, const char *name)
{
	return xfed_find_server(cfg, name);
}

struct xfed_domain *
xfed_config_domain(const struct xfed_config *cfg, const char *name)
{
	char	*want = xfed_dname_canon(name);
	size_t	 i;

	for (i = 0; i < cfg->n_domains; i++) {
		if (cfg->domains[i].name != NULL &&
		    strcmp(cfg->domains[i].name, want) == 0)
			break;
	}
	free(want);
	return i < cfg->n_domains ? &cfg->domains[i] : NULL;
}
