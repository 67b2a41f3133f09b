/*
 * Domains added, removed or changed between two configurations.  Both
 * domain lists are sorted by name and merged, so a reload of 10,000
 * domains costs a sort, not a quadratic search.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cfgdiff.h"
#include "util.h"

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Address lists are sets: the order they were written in does not matter. */
static bool
same_set(char * const *a, size_t na, char * const *b, size_t nb)
{
	size_t i, k;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (strcmp(a[i], b[k]) == 0)
				break;
		if (k == nb)
			return false;
	}
	return true;
}

/* Where updates go and how they are signed (never the secret itself). */
static bool
same_server(const struct xfed_server *a, const struct xfed_server *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return same_str(a->address, b->address) && a->port == b->port &&
	    a->transport == b->transport && a->timeout == b->timeout &&
	    a->retries == b->retries &&
	    same_str(a->key != NULL ? a->key->name : NULL,
	    b->key != NULL ? b->key->name : NULL);
}

static bool
same_proxy(const struct xfed_proxy *a, const struct xfed_proxy *b)
{
	return same_str(a->host, b->host) && a->ttl == b->ttl &&
	    same_set(a->ipv4, a->n_ipv4, b->ipv4, b->n_ipv4) &&
	    same_set(a->ipv6, a->n_ipv6, b->ipv6, b->n_ipv6) &&
	    same_str(a->zone, b->zone) && same_server(a->server, b->server);
}

/* The SRV targets are a set too. */
static bool
same_proxies(const struct xfed_domain *a, const struct xfed_domain *b)
{
	size_t i, k;

	if (a->n_proxies != b->n_proxies)
		return false;
	for (i = 0; i < a->n_proxies; i++) {
		for (k = 0; k < b->n_proxies; k++)
			if (same_proxy(a->proxies[i], b->proxies[k]))
				break;
		if (k == b->n_proxies)
			return false;
	}
	return true;
}

static bool
same_domain(const struct xfed_domain *a, const struct xfed_domain *b)
{
	return a->port == b->port && a->tls_port == b->tls_port &&
	    a->priority == b->priority && a->weight == b->weight &&
	    a->ttl == b->ttl && a->direct_tls == b->direct_tls &&
	    same_str(a->zone, b->zone) && same_server(a->server, b->server) &&
	    same_proxies(a, b);
}

static int
by_name(const void *a, const void *b)
{
	const struct xfed_domain *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static const struct xfed_domain **
sorted_domains(const struct xfed_config *cfg)
{
	const struct xfed_domain **v;
	size_t i;

	v = xcalloc(cfg->n_domains + 1, sizeof(*v));
	for (i = 0; i < cfg->n_domains; i++)
		v[i] = &cfg->domains[i];
	qsort(v, cfg->n_domains, sizeof(*v), by_name);
	return v;
}

static void
push(char ***list, size_t *n, const char *name)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrdup(name);
}

void
xfed_cfgdiff(const struct xfed_config *old, const struct xfed_config *new,
    struct xfed_cfgdiff *diff)
{
	const struct xfed_domain **a = sorted_domains(old);
	const struct xfed_domain **b = sorted_domains(new);
	size_t i = 0, k = 0;
	int c;

	memset(diff, 0, sizeof(*diff));
	while (i < old->n_domains || k < new->n_domains) {
		if (i == old->n_domains)
			c = 1;
		else if (k == new->n_domains)
			c = -1;
		else
			c = strcmp(a[i]->name, b[k]->name);
		if (c < 0)
			push(&diff->removed, &diff->n_removed, a[i++]->name);
		else if (c > 0)
			push(&diff->added, &diff->n_added, b[k++]->name);
		else {
			if (!same_domain(a[i], b[k]))
				push(&diff->changed, &diff->n_changed,
				    a[i]->name);
			i++;
			k++;
		}
	}
	free(a);
	free(b);
}

static void
free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void
xfed_cfgdiff_clear(struct xfed_cfgdiff *diff)
{
	free_list(diff->added, diff->n_added);
	free_list(diff->removed, diff->n_removed);
	free_list(diff->changed, diff->n_changed);
	memset(diff, 0, sizeof(*diff));
}

static json_t *
list_json(char **list, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

json_t *
xfed_cfgdiff_json(const struct xfed_cfgdiff *diff)
{
	return json_pack("{s:o, s:o, s:o}",
	    "added", list_json(diff->added, diff->n_added),
	    "removed", list_json(diff->removed, diff->n_removed),
	    "changed", list_json(diff->changed, diff->n_changed));
}

static void
print_list(FILE *f, const char *prefix, const char *what, char **list,
    size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(f, "%sdomains %s (%zu):", prefix, what, n);
	for (i = 0; i < n; i++)
		fprintf(f, " %s", list[i]);
	fputc('\n', f);
}

void
xfed_cfgdiff_print(FILE *f, const char *prefix,
    const struct xfed_cfgdiff *diff)
{
	if (diff->n_added + diff->n_removed + diff->n_changed == 0) {
		fprintf(f, "%sno domain added, removed or changed\n", prefix);
		return;
	}
	print_list(f, prefix, "added", diff->added, diff->n_added);
	print_list(f, prefix, "removed", diff->removed, diff->n_removed);
	print_list(f, prefix, "changed", diff->changed, diff->n_changed);
}
