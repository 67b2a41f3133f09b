/*
 * The filters of `sync DOMAIN...` and of a sync of some zones only: which
 * jobs a sync visits, and which requested domains the configuration does
 * not declare.  Name sets and comparisons only, no DNS: apart from the
 * job table they select from.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "config.h"
#include "sync.h"
#include "syncrun.h"
#include "util.h"

static char *
name_norm(const char *s)
{
	size_t n = strlen(s), i;
	char *c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	c = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		c[i] = (char)tolower((unsigned char)s[i]);
	c[n] = '\0';
	return c;
}

static void
nameset_add(struct nameset *ns, const char *name)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 16 : ns->cap * 2;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof(*ns->v));
	}
	ns->v[ns->n++] = name_norm(name);
}

static int
nameset_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void
nameset_sort(struct nameset *ns)
{
	if (ns->n > 1)
		qsort(ns->v, ns->n, sizeof(*ns->v), nameset_cmp);
}

static bool
nameset_has(const struct nameset *ns, const char *name)
{
	char *key;
	bool hit;

	if (ns->n == 0)
		return false;
	key = name_norm(name);
	hit = bsearch(&key, ns->v, ns->n, sizeof(*ns->v), nameset_cmp) !=
	    NULL;
	free(key);
	return hit;
}

static void
nameset_free(struct nameset *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

const char *
xfed_sync_unknown_domain(const struct xfed_config *cfg, char * const *names,
    size_t n)
{
	struct nameset known = { 0 };
	const char *unknown = NULL;
	size_t i;

	for (i = 0; i < cfg->n_domains; i++)
		nameset_add(&known, cfg->domains[i].name);
	nameset_sort(&known);
	for (i = 0; i < n && unknown == NULL; i++)
		if (!nameset_has(&known, names[i]))
			unknown = names[i];
	nameset_free(&known);
	return unknown;
}

void
xfed_selection_build(const struct run *r, struct selection *sel)
{
	const struct xfed_sync_opts *o = r->opts;
	struct nameset want = { 0 };
	const struct xfed_domain *d;
	size_t i, p;

	memset(sel, 0, sizeof(*sel));
	sel->all = o->n_zones == 0 && o->n_domains == 0;
	for (i = 0; i < o->n_zones; i++)
		nameset_add(&sel->zones, o->zones[i]);
	nameset_sort(&sel->zones);
	if (o->n_zones > 0 || o->n_domains == 0)
		return;
	for (i = 0; i < o->n_domains; i++)
		nameset_add(&want, o->domains[i]);
	nameset_sort(&want);
	for (i = 0; i < r->cfg->n_domains; i++) {
		d = &r->cfg->domains[i];
		if (!nameset_has(&want, d->name))
			continue;
		nameset_add(&sel->domains, d->name);
		for (p = 0; p < d->n_proxies; p++)
			nameset_add(&sel->hosts, d->proxies[p]->host);
	}
	nameset_free(&want);
	nameset_sort(&sel->domains);
	nameset_sort(&sel->hosts);
}

void
xfed_selection_free(struct selection *sel)
{
	nameset_free(&sel->zones);
	nameset_free(&sel->domains);
	nameset_free(&sel->hosts);
}

/* Does the job hold a name that belongs to a selected domain? */
static bool
job_has_domain(const struct job *j, const struct selection *sel)
{
	size_t i;
	bool hit;

	for (i = 0; i < j->n; i++) {
		char *name = ldns_rdf2str(j->names[i]->name);

		if (strncasecmp(name, "_xmpp-server._tcp.", 18) == 0)
			hit = nameset_has(&sel->domains, name + 18);
		else if (strncasecmp(name, "_xmpps-server._tcp.", 19) == 0)
			hit = nameset_has(&sel->domains, name + 19);
		else
			hit = false;
		if (!hit)
			hit = nameset_has(&sel->hosts, name);
		free(name);
		if (hit)
			return true;
	}
	return false;
}

/* Is this job within the sync's filters? */
bool
xfed_job_selected(const struct job *j, const struct selection *sel)
{
	if (sel->all)
		return true;
	if (sel->zones.n > 0)
		return nameset_has(&sel->zones, j->zone_str);
	return job_has_domain(j, sel);
}
