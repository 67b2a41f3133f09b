/*
 * The top-level options: interval, owner, the paths (socket, audit-log,
 * state-dir, metrics-file, audit-chain-key, relative to the directory of
 * xfed_config_set_base), limits, resolvers and the key for discovered
 * primaries.  Separate: the only section without a title, and the only
 * state kept between loads (base_dir).
 */
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "util.h"

#define MAX_INTERVAL	604800		/* a week */
#define MAX_OWNER	63

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
top_owner(struct where *w, struct xfed_config *cfg)
{
	const char	*o = cfg_getstr(w->sec, "owner");
	size_t		 i, n = strlen(o);

	cfg->owner = xstrdup(o);
	if (n == 0 || n > MAX_OWNER) {
		xfed_werr(w, "owner", "owner must be 1 to %d characters long",
		    MAX_OWNER);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)o[i]) && strchr("._-", o[i]) ==
		    NULL) {
			xfed_werr(w, "owner", "owner \"%s\" may only contain "
			    "letters, digits, '.', '_' and '-'", o);
			return;
		}
	}
}

/* Where relative paths lead; NULL: the working directory, whatever. */
static char *base_dir;

void
xfed_config_set_base(const char *dir)
{
	free(base_dir);
	base_dir = dir != NULL ? xstrdup(dir) : NULL;
}

static char *
top_path(struct where *w, const char *opt, size_t max)
{
	const char	*s = cfg_getstr(w->sec, opt);
	char		*p;

	if (*s != '\0' && *s != '/' && base_dir != NULL)
		p = xasprintf("%s/%s", base_dir, s);
	else
		p = xstrdup(s);
	if (*p == '\0')
		xfed_werr(w, opt, "%s is empty", opt);
	else if (strlen(p) >= max)
		xfed_werr(w, opt, "%s is longer than %zu characters", opt,
		    max - 1);
	return p;
}

/* "ADDR" or "ADDR@PORT", normalised; NULL after an error. */
static char *
resolver_norm(struct where *w, const char *s)
{
	const char	*at = strrchr(s, '@');
	char		*addr, *a, *end, *r;
	long		 port = 0;

	addr = at == NULL ? xstrdup(s) : xstrndup(s, (size_t)(at - s));
	if (at != NULL) {
		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (at[1] == '\0' || *end != '\0' || errno != 0 ||
		    port < 1 || port > 65535) {
			xfed_werr(w, "resolver", "resolver \"%s\": port must "
			    "be 1..65535", s);
			free(addr);
			return NULL;
		}
	}
	a = xfed_addr_norm_any(addr);
	free(addr);
	if (a == NULL) {
		xfed_werr(w, "resolver", "resolver \"%s\" is not an IP address "
		    "(optionally with @PORT)", s);
		return NULL;
	}
	if (at == NULL)
		return a;
	r = xasprintf("%s@%ld", a, port);
	free(a);
	return r;
}

static void
top_resolvers(struct where *w, struct xfed_config *cfg)
{
	unsigned	 i, n = cfg_size(w->sec, "resolver");
	size_t		 j;
	char		*r;

	cfg->resolvers = xcalloc(n, sizeof(*cfg->resolvers));
	for (i = 0; i < n; i++) {
		if ((r = resolver_norm(w, cfg_getnstr(w->sec, "resolver",
		    i))) == NULL)
			continue;
		for (j = 0; j < cfg->n_resolvers &&
		    strcmp(cfg->resolvers[j], r) != 0; j++)
			;
		if (j < cfg->n_resolvers) {
			xfed_werr(w, "resolver", "resolver \"%s\" is listed "
			    "twice", cfg_getnstr(w->sec, "resolver", i));
			free(r);
			continue;
		}
		cfg->resolvers[cfg->n_resolvers++] = r;
	}
}

/* The line of a top-level option, or 0 when the file does not set it. */
static int
top_line(struct where *w, const char *opt)
{
	const struct optline	*o;
	size_t			 i, n = strlen(opt);

	for (i = w->si->nopts; i > 0; i--) {
		o = &w->si->opts[i - 1];
		if (o->len == n && memcmp(o->name, opt, n) == 0)
			return o->line;
	}
	return 0;
}

void
xfed_top_scalars(struct where *w, struct xfed_config *cfg)
{
	struct sockaddr_un	 sa;
	long			 v;

	cfg->interval = xfed_get_int(w, "interval", 0, MAX_INTERVAL, &v) ?
	    (unsigned)v : 300;
	top_owner(w, cfg);
	cfg->socket = top_path(w, "socket", sizeof(sa.sun_path));
	cfg->audit_log = top_path(w, "audit-log", PATH_MAX);
	cfg->state_dir = top_path(w, "state-dir", PATH_MAX);
	cfg->socket_line = top_line(w, "socket");
	cfg->audit_log_line = top_line(w, "audit-log");
	cfg->state_dir_line = top_line(w, "state-dir");
	if (cfg_getstr(w->sec, "metrics-file") != NULL)
		cfg->metrics_file = top_path(w, "metrics-file", PATH_MAX);
	if (cfg_getstr(w->sec, "audit-chain-key") != NULL)
		cfg->audit_chain_key = top_path(w, "audit-chain-key", PATH_MAX);
	cfg->max_deletes = xfed_get_int(w, "max-deletes", 0, INT_MAX, &v) ?
	    (unsigned)v : 10;
	cfg->primary_port = xfed_get_u16(w, "primary-port", 1, 53);
	cfg->concurrency = xfed_get_int(w, "concurrency", 1,
	    XFED_MAX_CONCURRENCY, &v) ? (unsigned)v : 8;
	top_resolvers(w, cfg);
}

void
xfed_top_default_key(struct where *w, struct xfed_config *cfg)
{
	const char *name;

	if (cfg_size(w->sec, TOP_KEY_OPT) == 0) {
		if (cfg->n_keys == 1)
			cfg->default_key = &cfg->keys[0];
		return;
	}
	name = cfg_getstr(w->sec, TOP_KEY_OPT);
	if ((cfg->default_key = xfed_find_key(cfg, name)) == NULL)
		xfed_werr(w, TOP_KEY, "tsig-key \"%s\" is not defined", name);
}
