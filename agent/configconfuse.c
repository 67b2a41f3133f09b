/*
 * One libconfuse pass over a text, and what libconfuse says during it.
 * Its error callback rewrites each message as "FILE:LINE: message" with
 * what the user most likely meant (a near option name, the xfed.conf way
 * of a named.conf habit), or holds it (struct capture) while a split parse
 * (configparse.c) finds out which message one pass would have given
 * first.  Separate: the only code that runs inside libconfuse's callback,
 * which has no user pointer and so reaches the parse through parse_ctx.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confhint.h"
#include "config_impl.h"
#include "util.h"

/* libconfuse's error callback has no user pointer. */
static _Thread_local struct ctx *parse_ctx;

static char *
vformat(const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*msg;
	int	 len;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	msg = xmalloc(len > 0 ? (size_t)len + 1 : 1);
	*msg = '\0';
	if (len > 0)
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
	return msg;
}

/* The closest option or section name of cfg's kind to word, or NULL. */
static const char *
near_option(cfg_t *cfg, const char *word)
{
	const char	**names, *best;
	size_t		  n = 0, k = 0;

	while (cfg->opts[n].name != NULL)
		n++;
	names = xcalloc(n, sizeof(*names));
	for (; k < n; k++) {
		/* The renamed top-level tsig-key: its section stands for it. */
		if (strcmp(cfg->opts[k].name, TOP_KEY_OPT) != 0)
			names[k] = cfg->opts[k].name;
	}
	best = xfed_closest_name(word, names, n);
	free(names);
	return best;
}

/*
 * libconfuse's message, with what the user most likely meant: the option
 * a misspelt name is close to, or the xfed.conf way of a named.conf habit.
 */
static char *
confuse_message(struct ctx *c, cfg_t *cfg, int line, const char *fmt,
    va_list ap)
{
	va_list		 ap2;
	const char	*arg = NULL, *near = NULL, *hint = NULL;
	char		*msg, *full;
	bool		 nosuch = strcmp(fmt, "no such option '%s'") == 0;
	bool		 noeq = strcmp(fmt, "missing equal sign after "
			    "option '%s'") == 0;

	if (nosuch || noeq) {
		va_copy(ap2, ap);
		arg = va_arg(ap2, const char *);
		va_end(ap2);
	}
	if (nosuch && arg != NULL && strcmp(arg, ";") == 0)
		return xasprintf("unexpected ';' (%s)", XFED_HINT_SEMICOLON);
	msg = vformat(fmt, ap);
	if (nosuch && arg != NULL && (near = near_option(cfg, arg)) == NULL)
		hint = xfed_bind_word_hint(arg);
	else if (noeq)
		hint = XFED_HINT_EQUALS;
	else if (xfed_semi_on_line(c, line))
		hint = XFED_HINT_SEMICOLON;
	if (near != NULL)
		full = xasprintf("%s (did you mean '%s'?)", msg, near);
	else if (hint != NULL)
		full = xasprintf("%s (%s)", msg, hint);
	else
		return msg;
	free(msg);
	return full;
}

static void
capture_add(struct ctx *c, cfg_t *cfg, int line, const char *msg)
{
	struct capture	*k = c->cap;
	char		*full;
	size_t		 n;

	if (cfg_title(cfg) != NULL)
		full = xasprintf("%s:%d: %s \"%s\": %s\n", c->file, line,
		    cfg_name(cfg), cfg_title(cfg), msg);
	else
		full = xasprintf("%s:%d: %s\n", c->file, line, msg);
	n = strlen(full);
	k->text = xreallocarray(k->text, k->len + n + 1, 1);
	memcpy(k->text + k->len, full, n + 1);
	k->len += n;
	if (k->n++ == 0)
		k->line = line;
	free(full);
}

void
xfed_confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct ctx	*c = parse_ctx;
	char		*msg;
	int		 line = cfg->line + c->lineoff;

	if (c->quiet) {
		c->cfailed = true;
		if (c->cap == NULL)
			return;
	}
	/* Never NULL from libconfuse; the check quiets gcc's sanitizer build. */
	msg = confuse_message(c, cfg, line, fmt != NULL ? fmt : "", ap);
	if (c->quiet)
		capture_add(c, cfg, line, msg);
	else {
		fprintf(c->err, "%s:%d: ", c->file, line);
		if (cfg_title(cfg) != NULL)
			fprintf(c->err, "%s \"%s\": ", cfg_name(cfg),
			    cfg_title(cfg));
		fprintf(c->err, "%s\n", msg);
		c->nerr++;
	}
	free(msg);
}

/* One libconfuse pass: 0, or -1 when it failed or complained. */
int
xfed_confuse_run(struct ctx *c, cfg_t *root, const char *text)
{
	int rc;

	parse_ctx = c;
	c->cfailed = false;
	rc = cfg_parse_buf(root, text);
	parse_ctx = NULL;
	return rc == CFG_SUCCESS && !c->cfailed ? 0 : -1;
}
