/*
 * The proxy and domain sections: what is federated, the hosts with their
 * addresses and the domains whose SRV records point at them, with their
 * cross references and the check that no domain is declared twice.
 * Separate: the sections the records are made of, converted last.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "confighash.h"
#include "util.h"

#define MAX_WIRE_NAME	255		/* RFC 1035 2.3.4, octets */
#define SRV_PREFIX	"_xmpp-server._tcp."
#define SRV_PREFIX_TLS	"_xmpps-server._tcp."

/* Proxies. */

static void
proxy_host(struct where *w, struct xfed_proxy *p)
{
	const char *h;

	if (cfg_size(w->sec, "host") == 0) {
		xfed_werr(w, NULL, "host is required");
		return;
	}
	h = cfg_getstr(w->sec, "host");
	if (xfed_is_ip_literal(h)) {
		xfed_werr(w, "host", "host \"%s\" is an IP address; a host "
		    "name is required (addresses go in ipv4/ipv6)", h);
		return;
	}
	p->host = xfed_get_dname(w, "host", "host", h);
}

static void
conv_proxy(struct where *w, struct xfed_proxy *p)
{
	proxy_host(w, p);
	xfed_get_addrs(w, "ipv4", AF_INET, &p->ipv4, &p->n_ipv4);
	xfed_get_addrs(w, "ipv6", AF_INET6, &p->ipv6, &p->n_ipv6);
	if (cfg_size(w->sec, "ipv4") == 0 && cfg_size(w->sec, "ipv6") == 0)
		xfed_werr(w, NULL, "no address: set ipv4 and/or ipv6");
	p->ttl = xfed_get_ttl(w, "ttl");
	p->zone = xfed_get_zone(w, p->host, "host");
	p->server = xfed_get_server_ref(w);
}

void
xfed_conv_proxies(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct xfed_proxy	*p;
	struct where		 w;
	size_t			 i, j;

	cfg->n_proxies = cfg_size(root, "proxy");
	cfg->proxies = xcalloc(cfg->n_proxies, sizeof(*cfg->proxies));
	for (i = 0; i < cfg->n_proxies; i++) {
		p = &cfg->proxies[i];
		xfed_where_sec(&w, c, root, SK_PROXY, (unsigned)i);
		p->name = xstrdup(cfg_title(w.sec));
		p->line = xfed_opt_line(&w, NULL);
		conv_proxy(&w, p);
		for (j = 0; j < i && p->host != NULL; j++) {
			if (cfg->proxies[j].host != NULL &&
			    strcmp(cfg->proxies[j].host, p->host) == 0)
				xfed_werr(&w, "host", "host \"%s\" is also "
				    "the host of proxy \"%s\"", p->host,
				    cfg->proxies[j].name);
		}
	}
}

/* Domains. */

static void
domain_proxies(struct where *w, struct xfed_domain *d)
{
	const struct xfed_config	*cfg = w->c->cfg;
	unsigned			 i, n = cfg_size(w->sec, "proxy");
	size_t				 j;
	const char			*name;

	if (n == 0) {
		xfed_werr(w, NULL, "at least one proxy is required");
		return;
	}
	d->proxies = xcalloc(n, sizeof(*d->proxies));
	for (i = 0; i < n; i++) {
		name = cfg_getnstr(w->sec, "proxy", i);
		for (j = 0; j < cfg->n_proxies &&
		    strcmp(cfg->proxies[j].name, name) != 0; j++)
			;
		if (j == cfg->n_proxies) {
			xfed_werr(w, "proxy", "proxy \"%s\" is not defined",
			    name);
			continue;
		}
		d->proxies[d->n_proxies++] = &cfg->proxies[j];
		for (j = 0; j + 1 < d->n_proxies; j++) {
			if (d->proxies[j] == d->proxies[d->n_proxies - 1]) {
				xfed_werr(w, "proxy", "proxy \"%s\" is listed "
				    "twice", name);
				d->n_proxies--;
				break;
			}
		}
	}
}

/*
 * A domain's SRV owner names (_xmpp-server._tcp.DOMAIN, _xmpps-server...)
 * must fit in the 255 octets of a DNS name: a domain that passes as a
 * name on its own may be too long once the prefix is added.
 */
static void
domain_srv_fits(struct where *w, const struct xfed_domain *d)
{
	const char	*pfx = d->direct_tls ? SRV_PREFIX_TLS : SRV_PREFIX;
	size_t		 len = strlen(d->name) - 1;	/* without the dot */
	size_t		 wire = strlen(pfx) + len + 2;

	if (wire <= MAX_WIRE_NAME)
		return;
	xfed_werr(w, d->direct_tls && wire - 1 <= MAX_WIRE_NAME ? "direct-tls" :
	    NULL, "the SRV owner name %s<this domain> would be %zu octets, "
	    "over the DNS limit of %d: a federated domain may have at most "
	    "%zu characters (%zu with direct-tls); this one has %zu",
	    pfx, wire, MAX_WIRE_NAME, MAX_WIRE_NAME - 2 - strlen(SRV_PREFIX),
	    MAX_WIRE_NAME - 2 - strlen(SRV_PREFIX_TLS), len);
}

static void
conv_domain(struct where *w, struct xfed_domain *d)
{
	const char *title = cfg_title(w->sec);

	d->name = xfed_get_dname(w, NULL, "domain", title);
	domain_proxies(w, d);
	d->port = xfed_get_u16(w, "port", 1, 5269);
	d->tls_port = xfed_get_u16(w, "tls-port", 1, 5270);
	d->priority = xfed_get_u16(w, "priority", 0, 0);
	d->weight = xfed_get_u16(w, "weight", 0, 0);
	d->ttl = xfed_get_ttl(w, "ttl");
	d->direct_tls = cfg_getbool(w->sec, "direct-tls") == cfg_true;
	if (d->name != NULL)
		domain_srv_fits(w, d);
	d->zone = xfed_get_zone(w, d->name, "domain");
	d->server = xfed_get_server_ref(w);
}

static const char *
domain_key(const void *arg, size_t i, size_t *len)
{
	const struct xfed_config *cfg = arg;

	*len = strlen(cfg->domains[i].name);
	return cfg->domains[i].name;
}

void
xfed_dseen_init(struct dseen *ds, const struct xfed_config *cfg)
{
	xfed_htab_init(&ds->names, cfg->n_domains, domain_key, cfg);
	ds->prev = xcalloc(cfg->n_domains, sizeof(*ds->prev));
	ds->chain = NULL;
	ds->n = cfg->n_domains;
}

void
xfed_dseen_free(struct dseen *ds)
{
	free(ds->names.slot);
	free(ds->prev);
	free(ds->chain);
}

/* Convert the i-th domain, the section of w. */
void
xfed_conv_domain_at(struct where *w, struct dseen *ds, size_t i)
{
	struct xfed_config	*cfg = w->c->cfg;
	struct xfed_domain	*d = &cfg->domains[i];
	size_t			*slot, j, n = 0;

	d->line = xfed_opt_line(w, NULL);
	conv_domain(w, d);
	if (d->name == NULL)
		return;
	slot = xfed_htab_slot(&ds->names, d->name, strlen(d->name));
	ds->prev[i] = *slot;
	*slot = i + 1;
	if (ds->prev[i] != 0 && ds->chain == NULL)
		ds->chain = xcalloc(ds->n, sizeof(*ds->chain));
	for (j = ds->prev[i]; j != 0; j = ds->prev[j - 1])
		ds->chain[n++] = j - 1;
	/* The earlier first, in the order of the file. */
	while (n > 0)
		xfed_werr(w, NULL, "same domain as line %d",
		    cfg->domains[ds->chain[--n]].line);
}

void
xfed_conv_domains(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct dseen		 ds;
	struct where		 w;
	size_t			 i;

	cfg->n_domains = cfg_size(root, "domain");
	cfg->domains = xcalloc(cfg->n_domains, sizeof(*cfg->domains));
	xfed_dseen_init(&ds, cfg);
	for (i = 0; i < cfg->n_domains; i++) {
		xfed_where_sec(&w, c, root, SK_DOMAIN, (unsigned)i);
		xfed_conv_domain_at(&w, &ds, i);
	}
	xfed_dseen_free(&ds);
}
