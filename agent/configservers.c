/*
 * The server sections (the primaries updates go to: address, port, key,
 * transport, timeouts, zone transfer bounds), and the server a proxy or
 * domain refers to.  Separate: one kind of section, converted after the
 * keys it names and before the proxies and domains that name it.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "util.h"

struct xfed_server *
xfed_find_server(const struct xfed_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_servers; i++) {
		if (strcmp(cfg->servers[i].name, name) == 0)
			return &cfg->servers[i];
	}
	return NULL;
}

static void
server_address(struct where *w, struct xfed_server *s)
{
	const char	*a, *why;
	char		 buf[128];

	if (cfg_size(w->sec, "address") == 0) {
		xfed_werr(w, NULL, "address is required");
		return;
	}
	a = cfg_getstr(w->sec, "address");
	if ((s->address = xfed_addr_norm_any(a)) != NULL)
		return;
	if ((why = xfed_dname_problem(a, false, buf, sizeof(buf))) != NULL) {
		xfed_werr(w, "address", "address \"%s\" is neither an IP "
		    "address nor a valid host name: %s", a, why);
		return;
	}
	/* Kept without the final dot: it goes to getaddrinfo(), not DNS. */
	s->address = xfed_keyname_canon(a);
}

static void
server_key(struct where *w, struct xfed_server *s)
{
	const struct xfed_config	*cfg = w->c->cfg;
	const char			*name;

	if (cfg_size(w->sec, "tsig-key") > 0) {
		name = cfg_getstr(w->sec, "tsig-key");
		if ((s->key = xfed_find_key(cfg, name)) == NULL)
			xfed_werr(w, "tsig-key", "tsig-key \"%s\" is not "
			    "defined", name);
		return;
	}
	if (cfg->n_keys == 1)
		s->key = &cfg->keys[0];
	else if (cfg->n_keys == 0)
		xfed_werr(w, NULL, "no tsig-key is defined (updates must be "
		    "signed)");
	else
		xfed_werr(w, NULL, "tsig-key is required when several keys are "
		    "defined");
}

static void
conv_server(struct where *w, struct xfed_server *s)
{
	const char	*t;
	long		 v;

	server_address(w, s);
	s->port = xfed_get_u16(w, "port", 1, 53);
	server_key(w, s);
	t = cfg_getstr(w->sec, "transport");
	if (strcmp(t, "auto") == 0)
		s->transport = XFED_TRANSPORT_AUTO;
	else if (strcmp(t, "udp") == 0)
		s->transport = XFED_TRANSPORT_UDP;
	else if (strcmp(t, "tcp") == 0)
		s->transport = XFED_TRANSPORT_TCP;
	else
		xfed_werr(w, "transport", "transport \"%s\" is not one of "
		    "auto, udp, tcp", t);
	s->timeout = xfed_get_int(w, "timeout", 1, 300, &v) ? (unsigned)v : 3;
	s->retries = xfed_get_int(w, "retries", 0, 10, &v) ? (unsigned)v : 2;
	s->xfr_max_records = xfed_get_int(w, "max-transfer-records", 1,
	    XFED_XFR_RECORDS_MAX, &v) ? (unsigned long)v :
	    XFED_XFR_RECORDS_DEFAULT;
	s->xfr_max_size = xfed_get_int(w, "max-transfer-size", 65536,
	    XFED_XFR_SIZE_MAX, &v) ? (unsigned long long)v :
	    XFED_XFR_SIZE_DEFAULT;
	s->xfr_timeout = xfed_get_int(w, "transfer-timeout", 1, 86400, &v) ?
	    (unsigned)v : XFED_XFR_TIMEOUT_DEFAULT;
}

void
xfed_conv_servers(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct where		 w;
	size_t			 i;

	cfg->n_servers = cfg_size(root, "server");
	cfg->servers = xcalloc(cfg->n_servers, sizeof(*cfg->servers));
	for (i = 0; i < cfg->n_servers; i++) {
		xfed_where_sec(&w, c, root, SK_SERVER, (unsigned)i);
		cfg->servers[i].name = xstrdup(cfg_title(w.sec));
		cfg->servers[i].line = xfed_opt_line(&w, NULL);
	}
	for (i = 0; i < cfg->n_servers; i++) {
		xfed_where_sec(&w, c, root, SK_SERVER, (unsigned)i);
		conv_server(&w, &cfg->servers[i]);
	}
}

/* The server of a proxy or domain: named, the only one, or discovery. */
struct xfed_server *
xfed_get_server_ref(struct where *w)
{
	const struct xfed_config	*cfg = w->c->cfg;
	struct xfed_server		*s;
	const char			*name;

	if (cfg_size(w->sec, "server") > 0) {
		name = cfg_getstr(w->sec, "server");
		if ((s = xfed_find_server(cfg, name)) == NULL)
			xfed_werr(w, "server", "server \"%s\" is not defined",
			    name);
		return s;
	}
	if (cfg->n_servers == 1)
		return &cfg->servers[0];
	if (cfg->n_servers > 1)
		xfed_werr(w, NULL, "server is required when several servers "
		    "are configured");
	return NULL;
}
