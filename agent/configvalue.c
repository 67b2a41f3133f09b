/*
 * Names, addresses and numbers in the configuration: why a DNS name is not
 * one, canonical forms, normalised addresses, integers in range, and the
 * zone option.  Separate: the conversions of every kind of section check
 * their values through these, and report through configerr.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "util.h"

#define MAX_TTL		2147483647L	/* RFC 2181 section 8 */

/*
 * Why s is not a host name in the preferred syntax (RFC 1123 2.1), or NULL.
 * underscore: also allow '_' (TSIG key names are not host names).
 */
const char *
xfed_dname_problem(const char *s, bool underscore, char *buf, size_t len)
{
	size_t	 n = strlen(s), lab = 0, i;
	char	 ch;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "the name is empty";
	if (n > 253)
		return "the name is longer than 253 characters";
	for (i = 0; i <= n; i++) {
		ch = i < n ? s[i] : '.';
		if (ch == '.') {
			if (lab == 0)
				return "it has an empty label";
			if (lab > 63)
				return "it has a label longer than 63 octets";
			if (s[i - 1] == '-' || s[i - lab] == '-')
				return "a label starts or ends with a hyphen";
			lab = 0;
			continue;
		}
		lab++;
		if ((unsigned char)ch >= 0x80)
			return "it is not ASCII: give an internationalised "
			    "name as A-labels (\"xn--...\")";
		if (isalnum((unsigned char)ch) || ch == '-' ||
		    (underscore && ch == '_'))
			continue;
		snprintf(buf, len, "'%c' is not allowed (letters, digits "
		    "and hyphens only)", isprint((unsigned char)ch) ? ch : '?');
		return buf;
	}
	/* RFC 1123 2.1: a numeric top label would pass for an address. */
	for (i = n; !underscore && i > 0 && s[i - 1] != '.'; i--) {
		if (!isdigit((unsigned char)s[i - 1]))
			return NULL;
	}
	return underscore ? NULL : "the last label is all digits";
}

/* Lower case, with exactly one trailing dot. */
char *
xfed_dname_canon(const char *s)
{
	size_t	 n = strlen(s), i;
	char	*d;

	if (n > 0 && s[n - 1] == '.')
		n--;
	d = xmalloc(n + 2);
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '.';
	d[n + 1] = '\0';
	return d;
}

/* Lower case, without the trailing dot: how key names are kept. */
char *
xfed_keyname_canon(const char *s)
{
	char	*d = xfed_dname_canon(s);

	d[strlen(d) - 1] = '\0';
	return d;
}

/* Is canonical name inside (or equal to) canonical zone? */
static bool
dname_within(const char *name, const char *zone)
{
	size_t nl = strlen(name), zl = strlen(zone);

	if (strcmp(zone, ".") == 0 || strcmp(name, zone) == 0)
		return true;
	return nl > zl && name[nl - zl - 1] == '.' &&
	    strcmp(name + nl - zl, zone) == 0;
}

bool
xfed_is_ip_literal(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* The address in its usual shortest form, or NULL if it is not one. */
static char *
addr_norm(int af, const char *s)
{
	unsigned char	buf[sizeof(struct in6_addr)];
	char		out[INET6_ADDRSTRLEN];

	if (inet_pton(af, s, buf) != 1)
		return NULL;
	if (inet_ntop(af, buf, out, sizeof(out)) == NULL)
		return NULL;
	return xstrdup(out);
}

char *
xfed_addr_norm_any(const char *s)
{
	char *a;

	if ((a = addr_norm(AF_INET, s)) == NULL)
		a = addr_norm(AF_INET6, s);
	return a;
}

bool
xfed_get_int(struct where *w, const char *opt, long lo, long hi, long *out)
{
	long v = cfg_getint(w->sec, opt);

	if (v < lo || v > hi) {
		xfed_werr(w, opt, "%s %ld is out of range (%ld..%ld)", opt, v,
		    lo, hi);
		return false;
	}
	*out = v;
	return true;
}

uint16_t
xfed_get_u16(struct where *w, const char *opt, long lo, uint16_t def)
{
	long v;

	return xfed_get_int(w, opt, lo, 65535, &v) ? (uint16_t)v : def;
}

uint32_t
xfed_get_ttl(struct where *w, const char *opt)
{
	long v;

	return xfed_get_int(w, opt, 0, MAX_TTL, &v) ? (uint32_t)v : 3600;
}

/* A DNS name option or title: canonical copy, or NULL after an error. */
char *
xfed_get_dname(struct where *w, const char *opt, const char *what,
    const char *s)
{
	char		 buf[128];
	const char	*why;

	if ((why = xfed_dname_problem(s, false, buf, sizeof(buf))) != NULL) {
		xfed_werr(w, opt, "%s \"%s\" is not a valid DNS name: %s", what,
		    s, why);
		return NULL;
	}
	return xfed_dname_canon(s);
}

/*
 * A list of addresses of one family, normalised and free of duplicates.
 */
void
xfed_get_addrs(struct where *w, const char *opt, int af, char ***out, size_t *n)
{
	unsigned	 i, cnt = cfg_size(w->sec, opt);
	size_t		 j;
	const char	*s;
	char		*a;

	*out = xcalloc(cnt, sizeof(**out));
	*n = 0;
	for (i = 0; i < cnt; i++) {
		s = cfg_getnstr(w->sec, opt, i);
		if ((a = addr_norm(af, s)) == NULL) {
			xfed_werr(w, opt, "%s \"%s\" is not an %s address", opt,
			    s, af == AF_INET ? "IPv4" : "IPv6");
			continue;
		}
		for (j = 0; j < *n && strcmp((*out)[j], a) != 0; j++)
			;
		if (j < *n) {
			xfed_werr(w, opt, "%s \"%s\" is listed twice", opt, s);
			free(a);
			continue;
		}
		(*out)[(*n)++] = a;
	}
}

/* A zone option: canonical, and holding name. */
char *
xfed_get_zone(struct where *w, const char *name, const char *what)
{
	char *z;

	if (cfg_size(w->sec, "zone") == 0)
		return NULL;
	z = xfed_get_dname(w, "zone", "zone", cfg_getstr(w->sec, "zone"));
	if (z == NULL || name == NULL || dname_within(name, z))
		return z;
	xfed_werr(w, "zone", "zone \"%s\" does not contain %s \"%s\"", z, what,
	    name);
	free(z);
	return NULL;
}
