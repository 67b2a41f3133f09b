/*
 * Where a configuration problem is reported: "FILE:LINE: message", with
 * the section's kind and title, and the named.conf hint when a ';' was
 * written on that line.  libconfuse only knows the line of a section's
 * closing brace and nothing about options, so the line comes from the
 * scan's records (configscan.c).  Separate: every conversion file reports
 * through these, and none needs to know how the lines were found.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "confhint.h"
#include "config_impl.h"

void
xfed_cerr(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%d: ", c->file, line);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->nerr++;
}

int
xfed_opt_line(struct where *w, const char *opt)
{
	const struct optline	*o;
	size_t			 i, n = opt != NULL ? strlen(opt) : 0;

	if (w->si == NULL)
		return w->sec->line + w->lineoff;
	for (i = w->si->nopts; opt != NULL && i > 0; i--) {
		o = &w->si->opts[i - 1];
		if (o->len == n && memcmp(o->name, opt, n) == 0)
			return o->line;
	}
	return w->si->line;
}

/* Was a ';' written on line (a named.conf habit)?  semis is sorted. */
bool
xfed_semi_on_line(const struct ctx *c, int line)
{
	size_t lo = 0, hi = c->nsemis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->semis[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nsemis && c->semis[lo] == line;
}

/* Report a problem with option opt (NULL: the section itself) of w. */
void
xfed_werr(struct where *w, const char *opt, const char *fmt, ...)
{
	va_list	ap;
	int	line = xfed_opt_line(w, opt);

	fprintf(w->c->err, "%s:%d: ", w->c->file, line);
	if (cfg_title(w->sec) != NULL)
		fprintf(w->c->err, "%s \"%s\": ", cfg_name(w->sec),
		    cfg_title(w->sec));
	va_start(ap, fmt);
	vfprintf(w->c->err, fmt, ap);
	va_end(ap);
	if (xfed_semi_on_line(w->c, line))
		fprintf(w->c->err, " (%s)", XFED_HINT_SEMICOLON);
	fputc('\n', w->c->err);
	w->c->nerr++;
}

/*
 * w for section sec, the idx-th of kind k; the scan's record of it is only
 * trusted when it saw the same title.
 */
void
xfed_where_set(struct where *w, struct ctx *c, cfg_t *sec, enum skind k,
    size_t idx, int lineoff)
{
	const char	*t = cfg_title(sec);
	struct secinfo	*si;

	w->c = c;
	w->sec = sec;
	w->lineoff = lineoff;
	w->si = NULL;
	if (idx >= c->nbyk[k])
		return;
	si = &c->secs[c->byk[k][idx]];
	if (t != NULL && strlen(t) == si->titlelen &&
	    memcmp(t, si->title, si->titlelen) == 0)
		w->si = si;
}

void
xfed_where_sec(struct where *w, struct ctx *c, cfg_t *root, enum skind k,
    unsigned idx)
{
	xfed_where_set(w, c, cfg_getnsec(root, xfed_sk_names[k], idx), k, idx,
	    0);
}
