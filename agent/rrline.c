/*
 * Records in presentation format on one line, for plans, the audit log and
 * the journal.  ldns formats any record, but slowly (a printf per field):
 * a large sync formats tens of thousands of the few kinds xfed writes
 * itself, so those have a direct path, which produces exactly ldns' text
 * (tests/unit/check_rrline.c compares the two).
 */
#include <arpa/inet.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "plan.h"
#include "util.h"

/* ldns' text, on one line: the general case. */
static char *
ldns_line(const ldns_rr *rr)
{
	char *s, *line, *q;
	const char *p;
	bool quoted = false;
	size_t len;

	if ((s = ldns_rr2str(rr)) == NULL)
		return NULL;
	/*
	 * ldns separates fields with tabs but also prints a tab inside a
	 * character-string as is: escape that one, so a line never holds
	 * a tab and splitting it on spaces outside quotes stays exact.
	 */
	line = xmalloc(4 * strlen(s) + 1);
	for (p = s, q = line; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			*q++ = *p++;
			*q++ = *p;
		} else if (*p == '"') {
			quoted = !quoted;
			*q++ = *p;
		} else if (*p == '\t' || *p == '\n') {
			if (quoted)
				q += sprintf(q, "\\%03u", (unsigned)*p);
			else
				*q++ = ' ';
		} else
			*q++ = *p;
	}
	*q = '\0';
	free(s);
	len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	return line;
}

/* A name whose labels need no escaping: letters, digits, '-', '_'. */
static bool
put_name(char **q, const ldns_rdf *name)
{
	const uint8_t *p = ldns_rdf_data(name);
	size_t n = ldns_rdf_size(name), i = 0, k;

	if (ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME || n == 0)
		return false;
	if (n == 1) {
		*(*q)++ = '.';
		return true;
	}
	while (i < n && p[i] != 0) {
		if (p[i] > 63 || i + 1 + p[i] >= n)
			return false;
		for (k = i + 1; k <= i + p[i]; k++) {
			uint8_t c = p[k];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return false;
			*(*q)++ = (char)c;
		}
		*(*q)++ = '.';
		i += p[i] + 1;
	}
	return i + 1 == n;
}

static bool
put_u16(char **q, const ldns_rdf *f)
{
	if (f == NULL || ldns_rdf_get_type(f) != LDNS_RDF_TYPE_INT16 ||
	    ldns_rdf_size(f) != 2)
		return false;
	*q += sprintf(*q, "%u", (unsigned)ldns_rdf2native_int16(f));
	return true;
}

static bool
put_addr(char **q, const ldns_rdf *f, int af)
{
	char buf[INET6_ADDRSTRLEN];
	size_t want = af == AF_INET ? 4 : 16;

	if (f == NULL || ldns_rdf_size(f) != want ||
	    inet_ntop(af, ldns_rdf_data(f), buf, sizeof(buf)) == NULL)
		return false;
	*q += sprintf(*q, "%s", buf);
	return true;
}

/* One character-string of printable text with no quote or backslash. */
static bool
put_text(char **q, const ldns_rdf *f)
{
	const uint8_t *p;
	size_t i;

	if (f == NULL || ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR ||
	    ldns_rdf_size(f) < 1)
		return false;
	p = ldns_rdf_data(f);
	if ((size_t)p[0] + 1 != ldns_rdf_size(f))
		return false;
	*(*q)++ = '"';
	for (i = 1; i <= p[0]; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return false;
		*(*q)++ = (char)p[i];
	}
	*(*q)++ = '"';
	return true;
}

static bool
put_rdata(char **q, const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV:
		if (ldns_rr_rd_count(rr) != 4)
			return false;
		if (!put_u16(q, ldns_rr_rdf(rr, 0)))
			return false;
		*(*q)++ = ' ';
		if (!put_u16(q, ldns_rr_rdf(rr, 1)))
			return false;
		*(*q)++ = ' ';
		if (!put_u16(q, ldns_rr_rdf(rr, 2)))
			return false;
		*(*q)++ = ' ';
		return put_name(q, ldns_rr_rdf(rr, 3));
	case LDNS_RR_TYPE_A:
		return ldns_rr_rd_count(rr) == 1 &&
		    put_addr(q, ldns_rr_rdf(rr, 0), AF_INET);
	case LDNS_RR_TYPE_AAAA:
		return ldns_rr_rd_count(rr) == 1 &&
		    put_addr(q, ldns_rr_rdf(rr, 0), AF_INET6);
	case LDNS_RR_TYPE_TXT:
		return ldns_rr_rd_count(rr) == 1 &&
		    put_text(q, ldns_rr_rdf(rr, 0));
	default:
		return false;
	}
}

/* The direct path, or NULL when rr is not one it knows exactly. */
static char *
fast_line(const ldns_rr *rr)
{
	const char *type;
	char *line, *q;
	size_t cap;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return NULL;
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV:	type = "SRV"; break;
	case LDNS_RR_TYPE_A:	type = "A"; break;
	case LDNS_RR_TYPE_AAAA:	type = "AAAA"; break;
	case LDNS_RR_TYPE_TXT:	type = "TXT"; break;
	default:		return NULL;
	}
	/* Owner, rdata names and text are each at most 255 octets. */
	cap = 2 * 256 + 80;
	line = q = xmalloc(cap);
	if (!put_name(&q, ldns_rr_owner(rr))) {
		free(line);
		return NULL;
	}
	q += sprintf(q, " %u IN %s ", (unsigned)ldns_rr_ttl(rr), type);
	if (!put_rdata(&q, rr)) {
		free(line);
		return NULL;
	}
	*q = '\0';
	return line;
}

char *
xfed_rr_to_line(const ldns_rr *rr)
{
	char *line = fast_line(rr);

	return line != NULL ? line : ldns_line(rr);
}
