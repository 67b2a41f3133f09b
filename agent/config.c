/*
 * The configuration file.  libconfuse is used here and nowhere else: this
 * file turns its cfg_t tree into the plain structs of config.h, checking
 * everything on the way and reporting each problem as "FILE:LINE: message".
 *
 * libconfuse only knows the line of a section's closing brace and nothing
 * about options, so the text is also scanned here (scan_text) to learn the
 * line of every section title and option; the same scan catches a missing
 * final '}', which libconfuse accepts silently.  The scan also blanks out
 * the comments before libconfuse sees the text: libconfuse 3.3 counts two
 * lines too many for every comment, so its own messages would point at the
 * wrong line.
 *
 * The scan also records where each top-level section lies, so that many
 * domain sections can be parsed a batch at a time (see BATCH): a single
 * libconfuse tree costs time quadratic in their number.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cfglines.h"
#include "confhint.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "keyfile.h"
#include "tsig.h"
#include "util.h"

#define MAX_INTERVAL	604800		/* a week */
#define MAX_TTL		2147483647L	/* RFC 2181 section 8 */
#define MAX_OWNER	63
#define MAX_WIRE_NAME	255		/* RFC 1035 2.3.4, octets */
#define SRV_PREFIX	"_xmpp-server._tcp."
#define SRV_PREFIX_TLS	"_xmpps-server._tcp."
/* Octets: 128 bits; RFC 2104 advises keys no shorter than the hash. */
#define MIN_SECRET	16
#define DEFAULT_ALG	XFED_HMAC_SHA256	/* what tsig-keygen picks */
#define CONFIG_MAX	(16 * 1024 * 1024)

#define TOP_KEY		"tsig-key"
#define TOP_KEY_OPT	"tsig-key@top"	/* libconfuse's name for it */

#define ALG_LIST	"hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, " \
			"hmac-sha384, hmac-sha512"

/*
 * libconfuse compares each new titled section with every earlier one of
 * its kind, so one tree of n domains costs O(n^2), and it keeps about
 * 3 KiB per section.  When the top level splits cleanly into statements
 * (struct ctx, regular), the domain sections are parsed BATCH at a time,
 * each batch in a tree of its own, and the rest of the text in one more.
 */
#define BATCH		64

enum skind {
	SK_KEY,
	SK_SERVER,
	SK_PROXY,
	SK_DOMAIN,
	SK_OTHER,
};
#define SK_N		SK_OTHER

static const char *const sk_names[SK_N] = {
	"tsig-key", "server", "proxy", "domain"
};

/* Where an option or section starts in the text (names point into it). */
struct optline {
	const char	*name;
	unsigned	 len;
	int		 line;
	bool		 append;	/* "+=": adds to a list */
};

struct secinfo {
	const char	*kind;		/* NULL for the top level */
	const char	*title;
	struct optline	*opts;
	size_t		 start;		/* bytes [start, end) of the text */
	size_t		 end;
	unsigned	 kindlen;
	unsigned	 titlelen;
	unsigned	 nopts;
	enum skind	 k;
	int		 line;		/* of the kind word */
	int		 brace;		/* of the opening brace */
};

/*
 * libconfuse's messages in a split parse, held until it is known which
 * one pass over the whole text would have met first.
 */
struct capture {
	char	*text;
	size_t	 len;
	int	 line;		/* of the first message */
	int	 n;
};

struct ctx {
	const char		*file;		/* name used in messages */
	FILE			*err;
	int			 nerr;
	char			*dir;		/* base of relative key files */
	const char		*text;		/* as given */
	struct secinfo		*secs;		/* [0] is the top level */
	size_t			 nsecs, capsecs;
	struct optline		*opts;		/* of sections 1.., in order */
	size_t			 nopts, capopts;
	struct optline		*topopts;	/* of the top level */
	size_t			 ntopopts, captopopts;
	size_t			*byk[SK_N];	/* indexes in secs, per kind */
	size_t			 nbyk[SK_N];
	size_t			*renames;	/* offsets of top-level TOP_KEY */
	size_t			 nrenames;
	int			*semis;		/* lines with a ';' word */
	size_t			 nsemis, capsemis;
	bool			 secrets;	/* read the TSIG secrets */
	bool			 regular;	/* top level splits cleanly */
	bool			 quiet;		/* libconfuse errors: capture */
	bool			 cfailed;
	struct capture		*cap;		/* or NULL: drop them */
	int			 lineoff;	/* of the text libconfuse reads */
	struct xfed_config	*cfg;
};

/* One place a message can point at: a section of the parsed tree. */
struct where {
	struct ctx	*c;
	cfg_t		*sec;
	struct secinfo	*si;
	int		 lineoff;	/* first line of sec's text, less 1 */
};

/* libconfuse's error callback has no user pointer. */
static _Thread_local struct ctx *parse_ctx;

static void	werr(struct where *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	cerr(struct ctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
cerr(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%d: ", c->file, line);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->nerr++;
}

static int
opt_line(struct where *w, const char *opt)
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
static bool
semi_on_line(const struct ctx *c, int line)
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
static void
werr(struct where *w, const char *opt, const char *fmt, ...)
{
	va_list	ap;
	int	line = opt_line(w, opt);

	fprintf(w->c->err, "%s:%d: ", w->c->file, line);
	if (cfg_title(w->sec) != NULL)
		fprintf(w->c->err, "%s \"%s\": ", cfg_name(w->sec),
		    cfg_title(w->sec));
	va_start(ap, fmt);
	vfprintf(w->c->err, fmt, ap);
	va_end(ap);
	if (semi_on_line(w->c, line))
		fprintf(w->c->err, " (%s)", XFED_HINT_SEMICOLON);
	fputc('\n', w->c->err);
	w->c->nerr++;
}

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
	else if (semi_on_line(c, line))
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

static void
confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
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

/*
 * The scan: a tokenizer for libconfuse's syntax that records, for each
 * top-level section in order, its kind, title and line, and the line of
 * every "name =" inside it.
 */
enum ctok {
	CT_EOF,
	CT_WORD,
	CT_STRING,
	CT_LBRACE,
	CT_RBRACE,
	CT_ASSIGN,
	CT_OTHER,
};

struct token {
	enum ctok	 t;
	const char	*s;
	size_t		 n;
	int		 line;
};

struct clex {
	const char	*p;
	int		 line;
	const char	*base;
	char		*copy;		/* the text with comments blanked */
	bool		 odd;		/* libconfuse may see other tokens */
};

/* Blank the comment that ends before lx->p, keeping its newlines. */
static void
clex_blank(struct clex *lx, const char *start)
{
	char *d = lx->copy + (start - lx->base);

	for (; start < lx->p; start++, d++) {
		if (*d != '\n')
			*d = ' ';
	}
}

static void
clex_skip(struct clex *lx)
{
	const char *start;

	for (;;) {
		start = lx->p;
		if (*lx->p == '\n') {
			lx->line++;
			lx->p++;
		} else if (isspace((unsigned char)*lx->p)) {
			/* libconfuse takes \v and \f for word characters. */
			if (strchr(" \t\r", *lx->p) == NULL)
				lx->odd = true;
			lx->p++;
		} else if (*lx->p == '#' ||
		    (lx->p[0] == '/' && lx->p[1] == '/')) {
			while (*lx->p != '\0' && *lx->p != '\n')
				lx->p++;
			clex_blank(lx, start);
		} else if (lx->p[0] == '/' && lx->p[1] == '*') {
			lx->p += 2;
			while (*lx->p != '\0' &&
			    !(lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (*lx->p != '\0')
				lx->p += 2;
			clex_blank(lx, start);
		} else
			return;
	}
}

static void
clex_string(struct clex *lx, struct token *tk)
{
	char q = *lx->p++;

	tk->t = CT_STRING;
	tk->s = lx->p;
	while (*lx->p != '\0' && *lx->p != q) {
		/* libconfuse's ${VAR} ends at the first '}', even past q. */
		if (q == '"' && lx->p[0] == '$' && lx->p[1] == '{' &&
		    lx->p[strcspn(lx->p, "}\"\n")] != '}')
			lx->odd = true;
		if (*lx->p == '\\' && lx->p[1] != '\0')
			lx->p++;
		if (*lx->p == '\n')
			lx->line++;
		lx->p++;
	}
	tk->n = (size_t)(lx->p - tk->s);
	if (*lx->p == q)
		lx->p++;
}

static void
clex_next(struct clex *lx, struct token *tk)
{
	const char *p;

	clex_skip(lx);
	tk->line = lx->line;
	tk->s = lx->p;
	tk->n = 1;
	switch (*lx->p) {
	case '\0':
		tk->t = CT_EOF;
		return;
	case '"':
	case '\'':
		clex_string(lx, tk);
		return;
	case '{':
		tk->t = CT_LBRACE;
		break;
	case '}':
		tk->t = CT_RBRACE;
		break;
	case '=':
		tk->t = CT_ASSIGN;
		break;
	case '+':
		if (lx->p[1] == '=') {
			lx->p++;
			tk->t = CT_ASSIGN;
			break;
		}
		/* FALLTHROUGH */
	default:
		if (strchr(",()", *lx->p) != NULL) {
			tk->t = CT_OTHER;
			break;
		}
		/* As libconfuse: a word ends where a comment starts. */
		while (*lx->p != '\0' && !isspace((unsigned char)*lx->p) &&
		    strchr("{}=,()\"'#", *lx->p) == NULL &&
		    !(lx->p[0] == '/' && (lx->p[1] == '/' || lx->p[1] == '*')))
			lx->p++;
		tk->t = CT_WORD;
		tk->n = (size_t)(lx->p - tk->s);
		/* libconfuse splits words at '+' and '*'; ${VAR} is one. */
		for (p = tk->s; p < lx->p; p++) {
			if (strchr("+*$", *p) != NULL)
				lx->odd = true;
		}
		return;
	}
	lx->p++;
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Room for element n of *p, which holds *cap. */
static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return xreallocarray(p, *cap, size);
}

static enum skind
tok_kind(const struct token *tk)
{
	size_t k;

	for (k = 0; tk->t == CT_WORD && k < SK_N; k++) {
		if (tk->n == strlen(sk_names[k]) &&
		    memcmp(tk->s, sk_names[k], tk->n) == 0)
			return (enum skind)k;
	}
	return SK_OTHER;
}

static void
scan_option(struct ctx *c, size_t sec, const struct token *name, bool append)
{
	struct optline *o;

	if (sec == 0) {
		c->topopts = grow(c->topopts, &c->captopopts, c->ntopopts,
		    sizeof(*c->topopts));
		o = &c->topopts[c->ntopopts++];
	} else {
		c->opts = grow(c->opts, &c->capopts, c->nopts,
		    sizeof(*c->opts));
		o = &c->opts[c->nopts++];
		c->secs[sec].nopts++;
	}
	o->name = name->s;
	o->len = (unsigned)name->n;
	o->line = name->line;
	o->append = append;
}

/* named.conf ends statements with ';'; remember where one was written. */
static void
scan_semicolon(struct ctx *c, const struct token *tk)
{
	if (tk->t != CT_WORD || tk->n == 0 || tk->s[tk->n - 1] != ';')
		return;
	if (c->nsemis > 0 && c->semis[c->nsemis - 1] == tk->line)
		return;
	c->semis = grow(c->semis, &c->capsemis, c->nsemis,
	    sizeof(*c->semis));
	c->semis[c->nsemis++] = tk->line;
}

/* A section opens: "kind title {" or "kind {". */
static size_t
scan_section(struct ctx *c, const struct token *p2, const struct token *p1,
    const struct token *brace)
{
	struct secinfo *si;

	c->secs = grow(c->secs, &c->capsecs, c->nsecs, sizeof(*c->secs));
	si = &c->secs[c->nsecs];
	memset(si, 0, sizeof(*si));
	if (p2->t == CT_WORD && (p1->t == CT_STRING || p1->t == CT_WORD)) {
		si->kind = p2->s;
		si->kindlen = (unsigned)p2->n;
		si->k = tok_kind(p2);
		si->title = p1->s;
		si->titlelen = (unsigned)p1->n;
		si->line = p2->line;
		si->start = (size_t)(p2->s - c->text);
	} else {
		si->kind = p1->t == CT_WORD ? p1->s : "?";
		si->kindlen = p1->t == CT_WORD ? (unsigned)p1->n : 1;
		si->k = tok_kind(p1);
		si->title = "";
		si->line = p1->line;
	}
	si->brace = brace->line;
	return c->nsecs++;
}

struct brace {
	bool	 list;
	int	 line;
};

static void
scan_unclosed(struct ctx *c, const struct brace *b, size_t sec)
{
	struct secinfo *si = &c->secs[sec];

	if (!b->list && sec != 0)
		cerr(c, si->line, "%.*s \"%.*s\": section is not closed "
		    "(missing '}')", (int)si->kindlen, si->kind,
		    (int)si->titlelen, si->title);
	else
		cerr(c, b->line, "'{' is not closed (missing '}')");
}

static bool
is_word(const struct token *tk, const char *w)
{
	return tk->t == CT_WORD && tk->n == strlen(w) &&
	    memcmp(tk->s, w, tk->n) == 0;
}

/*
 * Where the top level is between two tokens, for splitting it: only
 * "name = value", "name = { ... }" and "kind title { ... }" with a known
 * kind are regular; anything else (even what libconfuse accepts, such as
 * a quoted option name) sends the whole text through one libconfuse pass,
 * which then reports what it reports.
 */
enum tstate {
	TS_NAME,		/* between statements */
	TS_AFTER_NAME,
	TS_AFTER_TITLE,
	TS_VALUE,
	TS_IN,			/* inside a section or list */
	TS_BAD,
};

/* The next state on token tk at the top level; p1 is the token before. */
static enum tstate
top_step(enum tstate st, const struct token *p1, const struct token *tk)
{
	bool kind = tok_kind(p1) != SK_OTHER;

	switch (st) {
	case TS_NAME:
		return tk->t == CT_WORD ? TS_AFTER_NAME : TS_BAD;
	case TS_AFTER_NAME:
		if (tk->t == CT_ASSIGN)
			return !kind || is_word(p1, TOP_KEY) ? TS_VALUE :
			    TS_BAD;
		if (tk->t == CT_STRING || tk->t == CT_WORD)
			return kind ? TS_AFTER_TITLE : TS_BAD;
		return TS_BAD;
	case TS_AFTER_TITLE:
		return tk->t == CT_LBRACE ? TS_IN : TS_BAD;
	case TS_VALUE:
		if (tk->t == CT_STRING || tk->t == CT_WORD)
			return TS_NAME;
		return tk->t == CT_LBRACE ? TS_IN : TS_BAD;
	default:
		return TS_BAD;
	}
}

/* Index the sections by kind, and point each at its options. */
static void
scan_index(struct ctx *c)
{
	struct secinfo	*si;
	size_t		 i, k, n[SK_N + 1] = { 0 }, o = 0;

	/* Give back what grow() took beyond the need. */
	c->secs = xreallocarray(c->secs, c->nsecs, sizeof(*c->secs));
	if (c->nopts > 0)
		c->opts = xreallocarray(c->opts, c->nopts, sizeof(*c->opts));
	c->secs[0].opts = c->topopts;
	c->secs[0].nopts = (unsigned)c->ntopopts;
	for (i = 1; i < c->nsecs; i++)
		n[c->secs[i].k]++;
	for (k = 0; k < SK_N; k++)
		c->byk[k] = xcalloc(n[k], sizeof(*c->byk[k]));
	for (i = 1; i < c->nsecs; i++) {
		si = &c->secs[i];
		si->opts = c->opts != NULL ? c->opts + o : NULL;
		o += si->nopts;
		if (si->k != SK_OTHER)
			c->byk[si->k][c->nbyk[si->k]++] = i;
	}
}

/*
 * Blanks out the comments of text, in place, for libconfuse.  The
 * top-level option tsig-key is left for build_text() to rename.
 */
static void
scan_text(struct ctx *c, char *text)
{
	struct clex	 lx = { text, 1, text, text, false };
	struct token	 p2 = { CT_OTHER, "", 0, 0 }, p1 = p2, tk;
	struct brace	*stack = NULL;
	size_t		 depth = 0, cur = 0, capstack = 0, caprenames = 0;
	enum tstate	 st = TS_NAME;

	c->text = text;
	c->secs = grow(NULL, &c->capsecs, 0, sizeof(*c->secs));
	memset(&c->secs[0], 0, sizeof(c->secs[0]));
	c->secs[0].line = 1;
	c->nsecs = 1;
	for (clex_next(&lx, &tk); tk.t != CT_EOF; clex_next(&lx, &tk)) {
		if (depth == 0)
			st = top_step(st, &p1, &tk);
		scan_semicolon(c, &tk);
		if (tk.t == CT_ASSIGN && p1.t == CT_WORD) {
			scan_option(c, cur, &p1, *tk.s == '+');
			if (depth == 0 && is_word(&p1, TOP_KEY)) {
				c->renames = grow(c->renames, &caprenames,
				    c->nrenames, sizeof(*c->renames));
				c->renames[c->nrenames++] =
				    (size_t)(p1.s - text);
			}
		} else if (tk.t == CT_LBRACE) {
			stack = grow(stack, &capstack, depth,
			    sizeof(*stack));
			stack[depth].list = p1.t == CT_ASSIGN;
			stack[depth].line = tk.line;
			if (depth == 0 && !stack[depth].list)
				cur = scan_section(c, &p2, &p1, &tk);
			depth++;
		} else if (tk.t == CT_RBRACE && depth > 0) {
			if (--depth == 0) {
				c->secs[cur].end = (size_t)(lx.p - text);
				cur = 0;
				if (st == TS_IN)
					st = TS_NAME;
			}
		}
		p2 = p1;
		p1 = tk;
	}
	if (depth > 0) {
		scan_unclosed(c, &stack[0], cur);
		st = TS_BAD;
	}
	c->regular = st == TS_NAME && !lx.odd;
	free(stack);
	scan_index(c);
}

/*
 * The scanned text for libconfuse.  The top-level option "tsig-key = NAME"
 * (the key for discovered primaries) shares its name with the tsig-key
 * sections, which libconfuse cannot express: it is renamed TOP_KEY_OPT.
 * With cut, each domain section is replaced by a space and its line
 * breaks, so that every line keeps its number.
 */
static char *
build_text(struct ctx *c, const char *copy, bool cut)
{
	size_t	 len = strlen(copy), kl = strlen(TOP_KEY);
	size_t	 ol = strlen(TOP_KEY_OPT), nd = cut ? c->nbyk[SK_DOMAIN] : 0;
	size_t	 at = 0, from = 0, ri = 0, di = 0, r, d, i;
	char	*out;

	out = xmalloc(len + c->nrenames * ol + nd + 1);
	for (;;) {
		r = ri < c->nrenames ? c->renames[ri] : len;
		d = di < nd ? c->secs[c->byk[SK_DOMAIN][di]].start : len;
		i = r < d ? r : d;
		memcpy(out + at, copy + from, i - from);
		at += i - from;
		if (i == len)
			break;
		if (i == r) {
			memcpy(out + at, TOP_KEY_OPT, ol);
			at += ol;
			from = r + kl;
			ri++;
			continue;
		}
		out[at++] = ' ';
		from = c->secs[c->byk[SK_DOMAIN][di++]].end;
		for (; i < from; i++) {
			if (copy[i] == '\n')
				out[at++] = '\n';
		}
	}
	out[at] = '\0';
	return out;
}

/*
 * Domain sections first..first+n-1 of the scanned copy, with only a space
 * and the line breaks of what lies between them; the text starts on the
 * line of the first one.
 */
static char *
batch_text(struct ctx *c, const char *copy, size_t first, size_t n)
{
	const size_t		*ix = c->byk[SK_DOMAIN] + first;
	const struct secinfo	*si;
	size_t			 i, j, size = 1, at = 0;
	char			*out;

	for (i = 0; i < n; i++) {
		si = &c->secs[ix[i]];
		size += si->end - si->start + 1;
		for (j = i > 0 ? c->secs[ix[i - 1]].end : si->start;
		    j < si->start; j++)
			size += copy[j] == '\n';
	}
	out = xmalloc(size);
	for (i = 0; i < n; i++) {
		si = &c->secs[ix[i]];
		if (i > 0) {
			out[at++] = ' ';
			for (j = c->secs[ix[i - 1]].end; j < si->start; j++) {
				if (copy[j] == '\n')
					out[at++] = '\n';
			}
		}
		memcpy(out + at, copy + si->start, si->end - si->start);
		at += si->end - si->start;
	}
	out[at] = '\0';
	return out;
}

static void
scan_free(struct ctx *c)
{
	size_t k;

	for (k = 0; k < SK_N; k++) {
		free(c->byk[k]);
		c->byk[k] = NULL;
		c->nbyk[k] = 0;
	}
	free(c->secs);
	free(c->opts);
	free(c->topopts);
	free(c->renames);
	free(c->semis);
	c->semis = NULL;
	c->nsemis = c->capsemis = 0;
	c->secs = NULL;
	c->opts = c->topopts = NULL;
	c->renames = NULL;
	c->nsecs = c->nopts = c->ntopopts = c->nrenames = 0;
}

/*
 * w for section sec, the idx-th of kind k; the scan's record of it is only
 * trusted when it saw the same title.
 */
static void
where_set(struct where *w, struct ctx *c, cfg_t *sec, enum skind k,
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

static void
where_sec(struct where *w, struct ctx *c, cfg_t *root, enum skind k,
    unsigned idx)
{
	where_set(w, c, cfg_getnsec(root, sk_names[k], idx), k, idx, 0);
}

/*
 * A table of indexes keyed by strings that key() finds for an index;
 * open addressing, for the duplicate checks.
 */
typedef const char *(*hkey_fn)(const void *, size_t, size_t *);

struct htab {
	size_t		*slot;		/* index + 1; 0: free */
	size_t		 mask;
	hkey_fn		 key;
	const void	*arg;
};

static void
htab_init(struct htab *h, size_t n, hkey_fn key, const void *arg)
{
	size_t cap = 16;

	while (cap < n + n / 2)
		cap *= 2;
	h->slot = xcalloc(cap, sizeof(*h->slot));
	h->mask = cap - 1;
	h->key = key;
	h->arg = arg;
}

/* The slot for s: holding the index of an equal key + 1, or free. */
static size_t *
htab_slot(struct htab *h, const char *s, size_t len)
{
	uint64_t	 hash = 14695981039346656037ULL;
	size_t		 i, klen;
	const char	*k;

	for (i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)s[i]) * 1099511628211ULL;
	for (i = (size_t)hash & h->mask; h->slot[i] != 0;
	    i = (i + 1) & h->mask) {
		k = h->key(h->arg, h->slot[i] - 1, &klen);
		if (klen == len && memcmp(k, s, len) == 0)
			break;
	}
	return &h->slot[i];
}

/* Options set twice. */

#define SMALL_SECTION	16

static const char *
opt_key(const void *arg, size_t i, size_t *len)
{
	const struct secinfo *si = arg;

	*len = si->opts[i].len;
	return si->opts[i].name;
}

/*
 * libconfuse silently keeps the last of two assignments to one option;
 * a second "ttl" in one proxy is almost always a mistake (an edit that
 * forgot the old line), so it is an error.  "+=" adds to a list: not one.
 */
static void
dup_report(struct ctx *c, const struct secinfo *si, const struct optline *o,
    const struct optline *first)
{
	if (o->append)
		return;
	if (si == c->secs)
		cerr(c, o->line, "%.*s is set twice (first on line %d): keep "
		    "one", (int)o->len, o->name, first->line);
	else
		cerr(c, o->line, "%.*s \"%.*s\": %.*s is set twice (first on "
		    "line %d): keep one", (int)si->kindlen, si->kind,
		    (int)si->titlelen, si->title, (int)o->len, o->name,
		    first->line);
}

static void
dup_options(struct ctx *c, const struct secinfo *si)
{
	const struct optline	*o, *p;
	struct htab		 h;
	size_t			 i, j, *slot;

	if (si->nopts < 2 || (si != c->secs && si->k == SK_OTHER))
		return;
	/* Most sections hold a handful: no table for them (10,000 domains). */
	if (si->nopts <= SMALL_SECTION) {
		for (i = 1; i < si->nopts; i++) {
			o = &si->opts[i];
			for (j = 0, p = si->opts; j < i && (p->len != o->len ||
			    memcmp(p->name, o->name, o->len) != 0); j++, p++)
				;
			if (j < i)
				dup_report(c, si, o, p);
		}
		return;
	}
	htab_init(&h, si->nopts, opt_key, si);
	for (i = 0; i < si->nopts; i++) {
		o = &si->opts[i];
		slot = htab_slot(&h, o->name, o->len);
		if (*slot == 0)
			*slot = i + 1;
		else
			dup_report(c, si, o, &si->opts[*slot - 1]);
	}
	free(h.slot);
}

static void
check_dup_options(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsecs; i++)
		dup_options(c, &c->secs[i]);
}

/* Names, addresses and numbers. */

/*
 * Why s is not a host name in the preferred syntax (RFC 1123 2.1), or NULL.
 * underscore: also allow '_' (TSIG key names are not host names).
 */
static const char *
dname_problem(const char *s, bool underscore, char *buf, size_t len)
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
static char *
dname_canon(const char *s)
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
static char *
keyname_canon(const char *s)
{
	char	*d = dname_canon(s);

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

static bool
is_ip_literal(const char *s)
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

static char *
addr_norm_any(const char *s)
{
	char *a;

	if ((a = addr_norm(AF_INET, s)) == NULL)
		a = addr_norm(AF_INET6, s);
	return a;
}

static bool
get_int(struct where *w, const char *opt, long lo, long hi, long *out)
{
	long v = cfg_getint(w->sec, opt);

	if (v < lo || v > hi) {
		werr(w, opt, "%s %ld is out of range (%ld..%ld)", opt, v, lo,
		    hi);
		return false;
	}
	*out = v;
	return true;
}

static uint16_t
get_u16(struct where *w, const char *opt, long lo, uint16_t def)
{
	long v;

	return get_int(w, opt, lo, 65535, &v) ? (uint16_t)v : def;
}

static uint32_t
get_ttl(struct where *w, const char *opt)
{
	long v;

	return get_int(w, opt, 0, MAX_TTL, &v) ? (uint32_t)v : 3600;
}

/* A DNS name option or title: canonical copy, or NULL after an error. */
static char *
get_dname(struct where *w, const char *opt, const char *what, const char *s)
{
	char		 buf[128];
	const char	*why;

	if ((why = dname_problem(s, false, buf, sizeof(buf))) != NULL) {
		werr(w, opt, "%s \"%s\" is not a valid DNS name: %s", what, s,
		    why);
		return NULL;
	}
	return dname_canon(s);
}

/*
 * A list of addresses of one family, normalised and free of duplicates.
 */
static void
get_addrs(struct where *w, const char *opt, int af, char ***out, size_t *n)
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
			werr(w, opt, "%s \"%s\" is not an %s address", opt, s,
			    af == AF_INET ? "IPv4" : "IPv6");
			continue;
		}
		for (j = 0; j < *n && strcmp((*out)[j], a) != 0; j++)
			;
		if (j < *n) {
			werr(w, opt, "%s \"%s\" is listed twice", opt, s);
			free(a);
			continue;
		}
		(*out)[(*n)++] = a;
	}
}

/* TSIG keys. */

/* Decode and store a base64 secret; from names its source in messages. */
static int
key_set_secret(struct where *w, const char *opt, struct xfed_key *k,
    const char *b64, const char *from)
{
	unsigned char	*buf;
	size_t		 len;

	if (xfed_secret_b64_decode(b64, &buf, &len) != 0) {
		werr(w, opt, "secret%s%s is not valid base64",
		    from != NULL ? " in " : "", from != NULL ? from : "");
		return -1;
	}
	if (len < MIN_SECRET) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		werr(w, opt, "secret%s%s is %zu octets, at least %d required",
		    from != NULL ? " in " : "", from != NULL ? from : "",
		    len, MIN_SECRET);
		return -1;
	}
	k->secret = buf;
	k->secret_len = len;
	return 0;
}

/* Take the key named after the section out of a key file's text. */
static int
key_from_keyfile(struct where *w, const char *opt, struct xfed_key *k,
    bool have_alg, const char *text, const char *from)
{
	struct xfed_keyfile			 kf;
	const struct xfed_keyfile_entry		*e;
	enum xfed_tsig_alg			 alg;
	char					 eb[256];
	int					 rc = -1;

	if (xfed_keyfile_parse(text, &kf, eb, sizeof(eb)) != 0) {
		werr(w, opt, "%s: %s", from, eb);
		return -1;
	}
	if ((e = xfed_keyfile_find(&kf, cfg_title(w->sec))) == NULL)
		werr(w, opt, "%s has no key named \"%s\"", from,
		    cfg_title(w->sec));
	else if (xfed_tsig_alg_parse(e->algorithm, &alg) != 0)
		werr(w, opt, "%s: unknown algorithm \"%s\" (known: %s)", from,
		    e->algorithm, ALG_LIST);
	else if (have_alg && alg != k->alg)
		werr(w, "algorithm", "algorithm %s differs from %s in %s",
		    xfed_tsig_alg_name(k->alg), xfed_tsig_alg_name(alg), from);
	else {
		k->alg = alg;
		rc = key_set_secret(w, opt, k, e->secret, from);
	}
	xfed_keyfile_free(&kf);
	return rc;
}

/* A bare secret: nothing but base64 and white space. */
static bool
looks_bare_b64(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || isspace((unsigned char)*s))
			continue;
		if (strchr("+/=", *s) == NULL)
			return false;
	}
	return true;
}

static int
key_from_secret_file(struct where *w, const char *opt, struct xfed_key *k,
    bool have_alg, const char *path, const char *what)
{
	char	 eb[PATH_MAX + 128], *buf, *from;
	size_t	 len;
	int	 rc;

	bool	 cred = strcmp(what, "credential") == 0;

	rc = cred ? xfed_credential_file_read(path, &buf, &len, eb,
	    sizeof(eb)) : xfed_secret_file_read(path, &buf, &len, eb,
	    sizeof(eb));
	if (rc != 0) {
		werr(w, opt, "%s: %s", what, eb);
		return -1;
	}
	from = xasprintf("%s '%s'", what, path);
	if (cred && looks_bare_b64(buf))
		rc = key_set_secret(w, opt, k, buf, from);
	else
		rc = key_from_keyfile(w, opt, k, have_alg, buf, from);
	free(from);
	xfed_secret_free(buf, len);
	return rc;
}

/*
 * systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY; a file
 * there named after the key wins over the configuration.  Returns 1 when
 * it was used, 0 when there is none, -1 after an error.
 */
static int
key_from_credentials(struct where *w, struct xfed_key *k, bool have_alg)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	struct stat	 st;
	char		*path;
	int		 rc;

	if (dir == NULL || *dir == '\0')
		return 0;
	path = xasprintf("%s/%s", dir, cfg_title(w->sec));
	if (lstat(path, &st) == -1 && errno == ENOENT) {
		free(path);
		return 0;
	}
	rc = key_from_secret_file(w, NULL, k, have_alg, path, "credential");
	free(path);
	return rc == 0 ? 1 : -1;
}

static int
key_from_file(struct where *w, struct xfed_key *k, bool have_alg)
{
	const char	*file = cfg_getstr(w->sec, "file");
	char		*path;
	int		 rc;

	if (*file == '\0') {
		werr(w, "file", "file is empty");
		return -1;
	}
	if (file[0] == '/')
		path = xstrdup(file);
	else
		path = xasprintf("%s/%s", w->c->dir, file);
	rc = key_from_secret_file(w, "file", k, have_alg, path, "key file");
	free(path);
	return rc;
}

static int
conv_key(struct where *w, struct xfed_key *k)
{
	const char	*title = cfg_title(w->sec), *why;
	char		 buf[128];
	bool		 have_alg, have_secret, have_file;
	int		 rc;

	k->name = keyname_canon(title);
	if ((why = dname_problem(title, true, buf, sizeof(buf))) != NULL) {
		werr(w, NULL, "not a valid key name: %s", why);
		return -1;
	}
	k->alg = DEFAULT_ALG;
	have_alg = cfg_size(w->sec, "algorithm") > 0;
	if (have_alg && xfed_tsig_alg_parse(cfg_getstr(w->sec, "algorithm"),
	    &k->alg) != 0) {
		werr(w, "algorithm", "unknown algorithm \"%s\" (known: %s)",
		    cfg_getstr(w->sec, "algorithm"), ALG_LIST);
		return -1;
	}
	have_secret = cfg_size(w->sec, "secret") > 0;
	have_file = cfg_size(w->sec, "file") > 0;
	if (have_secret && have_file) {
		werr(w, "file", "set either secret or file, not both");
		return -1;
	}
	/* xfedctl: the secret may be a credential only the daemon gets. */
	if (!w->c->secrets)
		return 0;
	if ((rc = key_from_credentials(w, k, have_alg)) != 0)
		return rc < 0 ? -1 : 0;
	if (have_file)
		return key_from_file(w, k, have_alg);
	if (have_secret)
		return key_set_secret(w, "secret", k,
		    cfg_getstr(w->sec, "secret"), NULL);
	werr(w, NULL, "no secret: set secret or file (or give it to xfedd "
	    "as the systemd credential LoadCredential=%s:PATH)",
	    cfg_title(w->sec));
	return -1;
}

static struct xfed_key *
find_key(const struct xfed_config *cfg, const char *name)
{
	char	*want = keyname_canon(name);
	size_t	 i;

	for (i = 0; i < cfg->n_keys; i++) {
		if (cfg->keys[i].name != NULL &&
		    strcmp(cfg->keys[i].name, want) == 0)
			break;
	}
	free(want);
	return i < cfg->n_keys ? &cfg->keys[i] : NULL;
}

static void
conv_keys(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct where		 w;
	size_t			 i, j;

	cfg->n_keys = cfg_size(root, "tsig-key");
	cfg->keys = xcalloc(cfg->n_keys, sizeof(*cfg->keys));
	for (i = 0; i < cfg->n_keys; i++) {
		where_sec(&w, c, root, SK_KEY, (unsigned)i);
		conv_key(&w, &cfg->keys[i]);
		for (j = 0; j < i; j++) {
			if (cfg->keys[j].name != NULL &&
			    strcmp(cfg->keys[j].name, cfg->keys[i].name) == 0)
				werr(&w, NULL, "same key name as tsig-key "
				    "\"%s\"", cfg_title(cfg_getnsec(root,
				    "tsig-key", (unsigned)j)));
		}
	}
}

/* Servers. */

static struct xfed_server *
find_server(const struct xfed_config *cfg, const char *name)
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
		werr(w, NULL, "address is required");
		return;
	}
	a = cfg_getstr(w->sec, "address");
	if ((s->address = addr_norm_any(a)) != NULL)
		return;
	if ((why = dname_problem(a, false, buf, sizeof(buf))) != NULL) {
		werr(w, "address", "address \"%s\" is neither an IP address "
		    "nor a valid host name: %s", a, why);
		return;
	}
	/* Kept without the final dot: it goes to getaddrinfo(), not DNS. */
	s->address = keyname_canon(a);
}

static void
server_key(struct where *w, struct xfed_server *s)
{
	const struct xfed_config	*cfg = w->c->cfg;
	const char			*name;

	if (cfg_size(w->sec, "tsig-key") > 0) {
		name = cfg_getstr(w->sec, "tsig-key");
		if ((s->key = find_key(cfg, name)) == NULL)
			werr(w, "tsig-key", "tsig-key \"%s\" is not defined",
			    name);
		return;
	}
	if (cfg->n_keys == 1)
		s->key = &cfg->keys[0];
	else if (cfg->n_keys == 0)
		werr(w, NULL, "no tsig-key is defined (updates must be "
		    "signed)");
	else
		werr(w, NULL, "tsig-key is required when several keys are "
		    "defined");
}

static void
conv_server(struct where *w, struct xfed_server *s)
{
	const char	*t;
	long		 v;

	server_address(w, s);
	s->port = get_u16(w, "port", 1, 53);
	server_key(w, s);
	t = cfg_getstr(w->sec, "transport");
	if (strcmp(t, "auto") == 0)
		s->transport = XFED_TRANSPORT_AUTO;
	else if (strcmp(t, "udp") == 0)
		s->transport = XFED_TRANSPORT_UDP;
	else if (strcmp(t, "tcp") == 0)
		s->transport = XFED_TRANSPORT_TCP;
	else
		werr(w, "transport", "transport \"%s\" is not one of auto, "
		    "udp, tcp", t);
	s->timeout = get_int(w, "timeout", 1, 300, &v) ? (unsigned)v : 3;
	s->retries = get_int(w, "retries", 0, 10, &v) ? (unsigned)v : 2;
	s->xfr_max_records = get_int(w, "max-transfer-records", 1,
	    XFED_XFR_RECORDS_MAX, &v) ? (unsigned long)v :
	    XFED_XFR_RECORDS_DEFAULT;
	s->xfr_max_size = get_int(w, "max-transfer-size", 65536,
	    XFED_XFR_SIZE_MAX, &v) ? (unsigned long long)v :
	    XFED_XFR_SIZE_DEFAULT;
	s->xfr_timeout = get_int(w, "transfer-timeout", 1, 86400, &v) ?
	    (unsigned)v : XFED_XFR_TIMEOUT_DEFAULT;
}

static void
conv_servers(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct where		 w;
	size_t			 i;

	cfg->n_servers = cfg_size(root, "server");
	cfg->servers = xcalloc(cfg->n_servers, sizeof(*cfg->servers));
	for (i = 0; i < cfg->n_servers; i++) {
		where_sec(&w, c, root, SK_SERVER, (unsigned)i);
		cfg->servers[i].name = xstrdup(cfg_title(w.sec));
		cfg->servers[i].line = opt_line(&w, NULL);
	}
	for (i = 0; i < cfg->n_servers; i++) {
		where_sec(&w, c, root, SK_SERVER, (unsigned)i);
		conv_server(&w, &cfg->servers[i]);
	}
}

/* The server of a proxy or domain: named, the only one, or discovery. */
static struct xfed_server *
get_server_ref(struct where *w)
{
	const struct xfed_config	*cfg = w->c->cfg;
	struct xfed_server		*s;
	const char			*name;

	if (cfg_size(w->sec, "server") > 0) {
		name = cfg_getstr(w->sec, "server");
		if ((s = find_server(cfg, name)) == NULL)
			werr(w, "server", "server \"%s\" is not defined",
			    name);
		return s;
	}
	if (cfg->n_servers == 1)
		return &cfg->servers[0];
	if (cfg->n_servers > 1)
		werr(w, NULL, "server is required when several servers are "
		    "configured");
	return NULL;
}

/* A zone option: canonical, and holding name. */
static char *
get_zone(struct where *w, const char *name, const char *what)
{
	char *z;

	if (cfg_size(w->sec, "zone") == 0)
		return NULL;
	z = get_dname(w, "zone", "zone", cfg_getstr(w->sec, "zone"));
	if (z == NULL || name == NULL || dname_within(name, z))
		return z;
	werr(w, "zone", "zone \"%s\" does not contain %s \"%s\"", z, what,
	    name);
	free(z);
	return NULL;
}

/* Proxies. */

static void
proxy_host(struct where *w, struct xfed_proxy *p)
{
	const char *h;

	if (cfg_size(w->sec, "host") == 0) {
		werr(w, NULL, "host is required");
		return;
	}
	h = cfg_getstr(w->sec, "host");
	if (is_ip_literal(h)) {
		werr(w, "host", "host \"%s\" is an IP address; a host name "
		    "is required (addresses go in ipv4/ipv6)", h);
		return;
	}
	p->host = get_dname(w, "host", "host", h);
}

static void
conv_proxy(struct where *w, struct xfed_proxy *p)
{
	proxy_host(w, p);
	get_addrs(w, "ipv4", AF_INET, &p->ipv4, &p->n_ipv4);
	get_addrs(w, "ipv6", AF_INET6, &p->ipv6, &p->n_ipv6);
	if (cfg_size(w->sec, "ipv4") == 0 && cfg_size(w->sec, "ipv6") == 0)
		werr(w, NULL, "no address: set ipv4 and/or ipv6");
	p->ttl = get_ttl(w, "ttl");
	p->zone = get_zone(w, p->host, "host");
	p->server = get_server_ref(w);
}

static void
conv_proxies(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct xfed_proxy	*p;
	struct where		 w;
	size_t			 i, j;

	cfg->n_proxies = cfg_size(root, "proxy");
	cfg->proxies = xcalloc(cfg->n_proxies, sizeof(*cfg->proxies));
	for (i = 0; i < cfg->n_proxies; i++) {
		p = &cfg->proxies[i];
		where_sec(&w, c, root, SK_PROXY, (unsigned)i);
		p->name = xstrdup(cfg_title(w.sec));
		p->line = opt_line(&w, NULL);
		conv_proxy(&w, p);
		for (j = 0; j < i && p->host != NULL; j++) {
			if (cfg->proxies[j].host != NULL &&
			    strcmp(cfg->proxies[j].host, p->host) == 0)
				werr(&w, "host", "host \"%s\" is also the host "
				    "of proxy \"%s\"", p->host,
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
		werr(w, NULL, "at least one proxy is required");
		return;
	}
	d->proxies = xcalloc(n, sizeof(*d->proxies));
	for (i = 0; i < n; i++) {
		name = cfg_getnstr(w->sec, "proxy", i);
		for (j = 0; j < cfg->n_proxies &&
		    strcmp(cfg->proxies[j].name, name) != 0; j++)
			;
		if (j == cfg->n_proxies) {
			werr(w, "proxy", "proxy \"%s\" is not defined", name);
			continue;
		}
		d->proxies[d->n_proxies++] = &cfg->proxies[j];
		for (j = 0; j + 1 < d->n_proxies; j++) {
			if (d->proxies[j] == d->proxies[d->n_proxies - 1]) {
				werr(w, "proxy", "proxy \"%s\" is listed "
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
	werr(w, d->direct_tls && wire - 1 <= MAX_WIRE_NAME ? "direct-tls" :
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

	d->name = get_dname(w, NULL, "domain", title);
	domain_proxies(w, d);
	d->port = get_u16(w, "port", 1, 5269);
	d->tls_port = get_u16(w, "tls-port", 1, 5270);
	d->priority = get_u16(w, "priority", 0, 0);
	d->weight = get_u16(w, "weight", 0, 0);
	d->ttl = get_ttl(w, "ttl");
	d->direct_tls = cfg_getbool(w->sec, "direct-tls") == cfg_true;
	if (d->name != NULL)
		domain_srv_fits(w, d);
	d->zone = get_zone(w, d->name, "domain");
	d->server = get_server_ref(w);
}

/* The domains so far by canonical name, for "same domain as line N". */
struct dseen {
	struct htab	 names;
	size_t		*prev;		/* the one before of that name, + 1 */
	size_t		*chain;		/* when first needed */
	size_t		 n;
};

static const char *
domain_key(const void *arg, size_t i, size_t *len)
{
	const struct xfed_config *cfg = arg;

	*len = strlen(cfg->domains[i].name);
	return cfg->domains[i].name;
}

static void
dseen_init(struct dseen *ds, const struct xfed_config *cfg)
{
	htab_init(&ds->names, cfg->n_domains, domain_key, cfg);
	ds->prev = xcalloc(cfg->n_domains, sizeof(*ds->prev));
	ds->chain = NULL;
	ds->n = cfg->n_domains;
}

static void
dseen_free(struct dseen *ds)
{
	free(ds->names.slot);
	free(ds->prev);
	free(ds->chain);
}

/* Convert the i-th domain, the section of w. */
static void
conv_domain_at(struct where *w, struct dseen *ds, size_t i)
{
	struct xfed_config	*cfg = w->c->cfg;
	struct xfed_domain	*d = &cfg->domains[i];
	size_t			*slot, j, n = 0;

	d->line = opt_line(w, NULL);
	conv_domain(w, d);
	if (d->name == NULL)
		return;
	slot = htab_slot(&ds->names, d->name, strlen(d->name));
	ds->prev[i] = *slot;
	*slot = i + 1;
	if (ds->prev[i] != 0 && ds->chain == NULL)
		ds->chain = xcalloc(ds->n, sizeof(*ds->chain));
	for (j = ds->prev[i]; j != 0; j = ds->prev[j - 1])
		ds->chain[n++] = j - 1;
	/* The earlier first, in the order of the file. */
	while (n > 0)
		werr(w, NULL, "same domain as line %d",
		    cfg->domains[ds->chain[--n]].line);
}

static void
conv_domains(struct ctx *c, cfg_t *root)
{
	struct xfed_config	*cfg = c->cfg;
	struct dseen		 ds;
	struct where		 w;
	size_t			 i;

	cfg->n_domains = cfg_size(root, "domain");
	cfg->domains = xcalloc(cfg->n_domains, sizeof(*cfg->domains));
	dseen_init(&ds, cfg);
	for (i = 0; i < cfg->n_domains; i++) {
		where_sec(&w, c, root, SK_DOMAIN, (unsigned)i);
		conv_domain_at(&w, &ds, i);
	}
	dseen_free(&ds);
}

/* Top level. */

static void
top_owner(struct where *w, struct xfed_config *cfg)
{
	const char	*o = cfg_getstr(w->sec, "owner");
	size_t		 i, n = strlen(o);

	cfg->owner = xstrdup(o);
	if (n == 0 || n > MAX_OWNER) {
		werr(w, "owner", "owner must be 1 to %d characters long",
		    MAX_OWNER);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)o[i]) && strchr("._-", o[i]) ==
		    NULL) {
			werr(w, "owner", "owner \"%s\" may only contain "
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
		werr(w, opt, "%s is empty", opt);
	else if (strlen(p) >= max)
		werr(w, opt, "%s is longer than %zu characters", opt, max - 1);
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
			werr(w, "resolver", "resolver \"%s\": port must be "
			    "1..65535", s);
			free(addr);
			return NULL;
		}
	}
	a = addr_norm_any(addr);
	free(addr);
	if (a == NULL) {
		werr(w, "resolver", "resolver \"%s\" is not an IP address "
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
			werr(w, "resolver", "resolver \"%s\" is listed twice",
			    cfg_getnstr(w->sec, "resolver", i));
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

static void
top_scalars(struct where *w, struct xfed_config *cfg)
{
	struct sockaddr_un	 sa;
	long			 v;

	cfg->interval = get_int(w, "interval", 0, MAX_INTERVAL, &v) ?
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
	cfg->max_deletes = get_int(w, "max-deletes", 0, INT_MAX, &v) ?
	    (unsigned)v : 10;
	cfg->primary_port = get_u16(w, "primary-port", 1, 53);
	cfg->concurrency = get_int(w, "concurrency", 1, XFED_MAX_CONCURRENCY,
	    &v) ? (unsigned)v : 8;
	top_resolvers(w, cfg);
}

static void
top_default_key(struct where *w, struct xfed_config *cfg)
{
	const char *name;

	if (cfg_size(w->sec, TOP_KEY_OPT) == 0) {
		if (cfg->n_keys == 1)
			cfg->default_key = &cfg->keys[0];
		return;
	}
	name = cfg_getstr(w->sec, TOP_KEY_OPT);
	if ((cfg->default_key = find_key(cfg, name)) == NULL)
		werr(w, TOP_KEY, "tsig-key \"%s\" is not defined", name);
}

static void
convert_head(struct ctx *c, cfg_t *root)
{
	struct where w = { c, root, &c->secs[0], 0 };

	top_scalars(&w, c->cfg);
	conv_keys(c, root);
	top_default_key(&w, c->cfg);
	conv_servers(c, root);
	conv_proxies(c, root);
}

/* Inline secrets are the only secret text libconfuse holds: wipe them. */
static void
wipe_inline_secrets(cfg_t *root)
{
	unsigned	 i;
	cfg_t		*sec;
	char		*s;

	for (i = 0; i < cfg_size(root, "tsig-key"); i++) {
		sec = cfg_getnsec(root, "tsig-key", i);
		if (cfg_size(sec, "secret") > 0 &&
		    (s = cfg_getstr(sec, "secret")) != NULL)
			OPENSSL_cleanse(s, strlen(s));
	}
}

/* An empty libconfuse tree for xfed.conf, or NULL. */
static cfg_t *
new_root(void)
{
	cfg_opt_t key_opts[] = {
		CFG_STR("algorithm", NULL, CFGF_NODEFAULT),
		CFG_STR("secret", NULL, CFGF_NODEFAULT),
		CFG_STR("file", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t server_opts[] = {
		CFG_STR("address", NULL, CFGF_NODEFAULT),
		CFG_INT("port", 53, CFGF_NONE),
		CFG_STR("tsig-key", NULL, CFGF_NODEFAULT),
		CFG_STR("transport", "auto", CFGF_NONE),
		CFG_INT("timeout", 3, CFGF_NONE),
		CFG_INT("retries", 2, CFGF_NONE),
		CFG_INT("max-transfer-records", XFED_XFR_RECORDS_DEFAULT,
		    CFGF_NONE),
		CFG_INT("max-transfer-size", XFED_XFR_SIZE_DEFAULT, CFGF_NONE),
		CFG_INT("transfer-timeout", XFED_XFR_TIMEOUT_DEFAULT,
		    CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t proxy_opts[] = {
		CFG_STR("host", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("ipv4", NULL, CFGF_NONE),
		CFG_STR_LIST("ipv6", NULL, CFGF_NONE),
		CFG_INT("ttl", 3600, CFGF_NONE),
		CFG_STR("zone", NULL, CFGF_NODEFAULT),
		CFG_STR("server", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t domain_opts[] = {
		CFG_STR_LIST("proxy", NULL, CFGF_NONE),
		CFG_INT("port", 5269, CFGF_NONE),
		CFG_INT("tls-port", 5270, CFGF_NONE),
		CFG_INT("priority", 0, CFGF_NONE),
		CFG_INT("weight", 0, CFGF_NONE),
		CFG_INT("ttl", 3600, CFGF_NONE),
		CFG_BOOL("direct-tls", cfg_false, CFGF_NONE),
		CFG_STR("zone", NULL, CFGF_NODEFAULT),
		CFG_STR("server", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_INT("interval", 300, CFGF_NONE),
		CFG_STR("owner", "xfed", CFGF_NONE),
		CFG_STR("socket", XFED_DEFAULT_SOCKET, CFGF_NONE),
		CFG_STR("audit-log", XFED_DEFAULT_AUDIT_LOG, CFGF_NONE),
		CFG_STR("state-dir", XFED_DEFAULT_STATE_DIR, CFGF_NONE),
		CFG_STR("metrics-file", NULL, CFGF_NONE),
		CFG_STR("audit-chain-key", NULL, CFGF_NONE),
		CFG_INT("concurrency", 8, CFGF_NONE),
		CFG_INT("max-deletes", 10, CFGF_NONE),
		CFG_STR_LIST("resolver", NULL, CFGF_NONE),
		CFG_INT("primary-port", 53, CFGF_NONE),
		CFG_STR(TOP_KEY_OPT, NULL, CFGF_NODEFAULT),
		CFG_SEC("tsig-key", key_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("server", server_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("proxy", proxy_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("domain", domain_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_END()
	};
	cfg_t *root;

	/* cfg_init() copies the options. */
	if ((root = cfg_init(opts, CFGF_NONE)) != NULL)
		cfg_set_error_function(root, confuse_error);
	return root;
}

/* One libconfuse pass: 0, or -1 when it failed or complained. */
static int
confuse_run(struct ctx *c, cfg_t *root, const char *text)
{
	int rc;

	parse_ctx = c;
	c->cfailed = false;
	rc = cfg_parse_buf(root, text);
	parse_ctx = NULL;
	return rc == CFG_SUCCESS && !c->cfailed ? 0 : -1;
}

static void
wipe_free(char *s)
{
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* The whole text in one pass. */
static int
parse_whole(struct ctx *c, const char *copy)
{
	char	*text = build_text(c, copy, false);
	cfg_t	*root;

	if ((root = new_root()) == NULL) {
		wipe_free(text);
		return XFED_ENOMEM;
	}
	if (confuse_run(c, root, text) == 0) {
		convert_head(c, root);
		conv_domains(c, root);
	} else if (c->nerr == 0)
		cerr(c, 1, "cannot parse the configuration");
	wipe_inline_secrets(root);
	cfg_free(root);
	wipe_free(text);
	return 0;
}

/*
 * The split parse (BATCH).  One pass over the whole text stops at its
 * first error and then converts nothing; the split parse must say the
 * same, so its messages are held until it is known that no pass failed,
 * or which failure comes first in the file.
 */
enum split_err {
	SE_NONE,
	SE_DUP,			/* a title also in an earlier batch */
	SE_CAP,			/* libconfuse's messages in cap */
};

struct split {
	struct ctx	*c;
	bool		 convert;	/* the rest is fine: convert domains */
	char		**own;		/* title i, when unlike the text's */
	struct htab	 titles;	/* of the domains so far */
	struct dseen	 ds;
	enum split_err	 err;
	size_t		 dup;
	int		 errline;
	struct capture	 cap;
};

static const char *
title_key(const void *arg, size_t i, size_t *len)
{
	const struct split	*sp = arg;
	const struct secinfo	*si;

	if (sp->own[i] != NULL) {
		*len = strlen(sp->own[i]);
		return sp->own[i];
	}
	si = &sp->c->secs[sp->c->byk[SK_DOMAIN][i]];
	*len = si->titlelen;
	return si->title;
}

static void
split_init(struct split *sp, struct ctx *c, bool convert)
{
	size_t n = c->nbyk[SK_DOMAIN];

	memset(sp, 0, sizeof(*sp));
	sp->c = c;
	sp->convert = convert;
	sp->own = xcalloc(n, sizeof(*sp->own));
	htab_init(&sp->titles, n, title_key, sp);
	if (convert) {
		c->cfg->n_domains = n;
		c->cfg->domains = xcalloc(n, sizeof(*c->cfg->domains));
		dseen_init(&sp->ds, c->cfg);
	}
}

static void
split_free(struct split *sp)
{
	size_t i;

	for (i = 0; i < sp->c->nbyk[SK_DOMAIN]; i++)
		free(sp->own[i]);
	free(sp->own);
	free(sp->titles.slot);
	if (sp->convert)
		dseen_free(&sp->ds);
	free(sp->cap.text);
}

/* Everything but the domains; false when libconfuse failed. */
static bool
split_head(struct ctx *c, const char *copy, struct capture *cap)
{
	char	*text = build_text(c, copy, true);
	cfg_t	*root;
	size_t	 k;
	bool	 ok = false;

	if ((root = new_root()) != NULL) {
		c->cap = cap;
		ok = confuse_run(c, root, text) == 0;
		c->cap = NULL;
		for (k = 0; ok && k < SK_N; k++) {
			/* Not what the scan saw: leave it to one pass. */
			if (cfg_size(root, sk_names[k]) !=
			    (k == SK_DOMAIN ? 0 : c->nbyk[k]))
				ok = false;
		}
		if (ok)
			convert_head(c, root);
		wipe_inline_secrets(root);
		cfg_free(root);
	}
	wipe_free(text);
	return ok;
}

/*
 * Domains first..first+n-1 in a tree of their own: 0, or -1 when only one
 * pass can tell what to report.  Stops at the first error (sp->err).
 */
static int
split_batch(struct split *sp, const char *copy, size_t first, size_t n)
{
	struct ctx	*c = sp->c;
	struct capture	 cap = { NULL, 0, 0, 0 };
	struct where	 w;
	const char	*t;
	cfg_t		*root, *sec;
	char		*text;
	size_t		 i, m, k, *slot;
	int		 rc = 0, off;
	bool		 ok;

	if ((root = new_root()) == NULL)
		return -1;
	text = batch_text(c, copy, first, n);
	off = c->secs[c->byk[SK_DOMAIN][first]].line - 1;
	c->cap = &cap;
	c->lineoff = off;
	ok = confuse_run(c, root, text) == 0;
	c->cap = NULL;
	c->lineoff = 0;
	wipe_free(text);
	m = cfg_size(root, "domain");
	for (k = 0; k < SK_N; k++) {
		if (k != SK_DOMAIN && cfg_size(root, sk_names[k]) != 0)
			rc = -1;
	}
	if (m > n || (ok && m != n))
		rc = -1;
	for (i = 0; rc == 0 && i < m; i++) {
		sec = cfg_getnsec(root, "domain", (unsigned)i);
		where_set(&w, c, sec, SK_DOMAIN, first + i, off);
		t = cfg_title(sec);
		if (w.si == NULL)
			sp->own[first + i] = xstrdup(t);
		slot = htab_slot(&sp->titles, t, strlen(t));
		if (*slot != 0) {
			/* One pass would stop at its opening brace. */
			sp->err = SE_DUP;
			sp->dup = first + i;
			sp->errline = c->secs[c->byk[SK_DOMAIN][first +
			    i]].brace;
			break;
		}
		*slot = first + i + 1;
		if (ok && sp->convert)
			conv_domain_at(&w, &sp->ds, first + i);
	}
	if (rc == 0 && !ok && sp->err == SE_NONE) {
		if (cap.n > 0) {
			sp->err = SE_CAP;
			sp->errline = cap.line;
			sp->cap = cap;
			cap.text = NULL;
		} else
			rc = -1;
	}
	free(cap.text);
	cfg_free(root);
	return rc;
}

static void
reset_cfg(struct ctx *c, int nerr)
{
	xfed_config_free(c->cfg);
	c->cfg = xcalloc(1, sizeof(*c->cfg));
	c->cfg->path = xstrdup(c->file);
	c->nerr = nerr;
}

/* What one pass would have said; -1 when that cannot be told. */
static int
split_report(struct ctx *c, struct split *sp, struct capture *head,
    bool head_ok)
{
	const char	*t;
	size_t		 len;
	bool		 head_first;

	if (!head_ok && sp->err != SE_NONE && head->line == sp->errline)
		return -1;
	head_first = !head_ok && (sp->err == SE_NONE ||
	    head->line < sp->errline);
	if (head_first) {
		fputs(head->text, c->err);
		c->nerr += head->n;
	} else if (sp->err == SE_CAP) {
		fputs(sp->cap.text, c->err);
		c->nerr += sp->cap.n;
	} else {
		t = title_key(sp, sp->dup, &len);
		cerr(c, sp->errline, "found duplicate title '%.*s'", (int)len,
		    t);
	}
	return 0;
}

/* 0 when done, -1 when the whole text must go through one pass. */
static int
parse_split(struct ctx *c, const char *copy)
{
	struct capture	 head = { NULL, 0, 0, 0 };
	struct split	 sp;
	FILE		*real = c->err;
	char		*out = NULL;
	size_t		 outlen = 0, first, n = c->nbyk[SK_DOMAIN];
	int		 nerr = c->nerr, rc;
	bool		 head_ok;

	if ((c->err = open_memstream(&out, &outlen)) == NULL) {
		c->err = real;
		return -1;
	}
	c->quiet = true;
	head_ok = split_head(c, copy, &head);
	rc = head_ok || head.n > 0 ? 0 : -1;
	split_init(&sp, c, head_ok);
	for (first = 0; rc == 0 && sp.err == SE_NONE && first < n;
	    first += BATCH) {
		/* Past the head's error, nothing can come before it. */
		if (!head_ok &&
		    c->secs[c->byk[SK_DOMAIN][first]].line > head.line)
			break;
		rc = split_batch(&sp, copy, first,
		    n - first < BATCH ? n - first : BATCH);
	}
	c->quiet = false;
	fclose(c->err);
	c->err = real;
	if (rc == 0 && head_ok && sp.err == SE_NONE)
		fwrite(out, 1, outlen, c->err);
	else {
		reset_cfg(c, nerr);
		if (rc == 0)
			rc = split_report(c, &sp, &head, head_ok);
	}
	split_free(&sp);
	free(head.text);
	free(out);
	return rc;
}

static int
parse_confuse(struct ctx *c, const char *copy)
{
	if (c->regular && parse_split(c, copy) == 0)
		return 0;
	return parse_whole(c, copy);
}

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
	scan_text(&c, text);
	/*
	 * Comments are blanked now.  Nothing left is not a configuration
	 * of defaults but a truncated or wrong file: a reload must not
	 * quietly drop every domain because of it.
	 */
	if (text[strspn(text, " \t\r\n")] == '\0')
		cerr(&c, 0, "empty configuration (no settings at all): "
		    "nothing to do");
	check_dup_options(&c);
	rc = parse_confuse(&c, text);
	scan_free(&c);
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
	wipe_free(copy);
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
	return find_key(cfg, name);
}

struct xfed_server *
xfed_config_server(const struct xfed_config *cfg, const char *name)
{
	return find_server(cfg, name);
}

struct xfed_domain *
xfed_config_domain(const struct xfed_config *cfg, const char *name)
{
	char	*want = dname_canon(name);
	size_t	 i;

	for (i = 0; i < cfg->n_domains; i++) {
		if (cfg->domains[i].name != NULL &&
		    strcmp(cfg->domains[i].name, want) == 0)
			break;
	}
	free(want);
	return i < cfg->n_domains ? &cfg->domains[i] : NULL;
}
