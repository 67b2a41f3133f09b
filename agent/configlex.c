/*
 * The tokenizer of the configuration scan (configscan.c): libconfuse's
 * syntax as its own lexer reads it (words, quoted strings, braces, '=' and
 * '+='), line by line, with the comments blanked out of a copy of the text
 * for libconfuse (libconfuse 3.3 counts two lines too many for every
 * comment, so its own messages would point at the wrong line).  It notes
 * when libconfuse might read other tokens than it does.  Separate: it
 * knows characters only, neither sections nor libconfuse's tree.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "configlex.h"

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

void
xfed_clex_next(struct clex *lx, struct token *tk)
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
