/*
 * The scan of the configuration text, which works around libconfuse.
 * libconfuse only knows the line of a section's closing brace and nothing
 * about options, so the text is also scanned here (xfed_scan_text) to
 * learn the line of every section title and option; the same scan catches
 * a missing final '}', which libconfuse accepts silently, and blanks out
 * the comments before libconfuse sees the text (configlex.c says why).
 *
 * The scan also records where each top-level section lies, so that many
 * domain sections can be parsed a batch at a time (configparse.c): a
 * single libconfuse tree costs time quadratic in their number.  The texts
 * libconfuse reads are built from it here, and so are the options set
 * twice found, which libconfuse would keep silently.  Separate from the
 * parse: it reads the text only, never a libconfuse tree.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "confighash.h"
#include "configlex.h"
#include "util.h"

const char *const xfed_sk_names[SK_N] = {
	"tsig-key", "server", "proxy", "domain"
};

/*
 * The scan: libconfuse's syntax token by token (configlex.c), recording,
 * for each top-level section in order, its kind, title and line, and the
 * line of every "name =" inside it.
 */

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
		if (tk->n == strlen(xfed_sk_names[k]) &&
		    memcmp(tk->s, xfed_sk_names[k], tk->n) == 0)
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
		xfed_cerr(c, si->line, "%.*s \"%.*s\": section is not closed "
		    "(missing '}')", (int)si->kindlen, si->kind,
		    (int)si->titlelen, si->title);
	else
		xfed_cerr(c, b->line, "'{' is not closed (missing '}')");
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
 * top-level option tsig-key is left for xfed_build_text() to rename.
 */
void
xfed_scan_text(struct ctx *c, char *text)
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
	for (xfed_clex_next(&lx, &tk); tk.t != CT_EOF;
	    xfed_clex_next(&lx, &tk)) {
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
char *
xfed_build_text(struct ctx *c, const char *copy, bool cut)
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
char *
xfed_batch_text(struct ctx *c, const char *copy, size_t first, size_t n)
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

void
xfed_scan_free(struct ctx *c)
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
		xfed_cerr(c, o->line, "%.*s is set twice (first on line %d): "
		    "keep one", (int)o->len, o->name, first->line);
	else
		xfed_cerr(c, o->line, "%.*s \"%.*s\": %.*s is set twice (first "
		    "on line %d): keep one", (int)si->kindlen, si->kind,
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
	xfed_htab_init(&h, si->nopts, opt_key, si);
	for (i = 0; i < si->nopts; i++) {
		o = &si->opts[i];
		slot = xfed_htab_slot(&h, o->name, o->len);
		if (*slot == 0)
			*slot = i + 1;
		else
			dup_report(c, si, o, &si->opts[*slot - 1]);
	}
	free(h.slot);
}

void
xfed_check_dup_options(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsecs; i++)
		dup_options(c, &c->secs[i]);
}
