/*
 * The tokenizer of the configuration scan (configlex.c): libconfuse's
 * syntax, token by token, with the line each starts on.  Used by
 * configscan.c only.
 */
#ifndef XFED_CONFIGLEX_H
#define XFED_CONFIGLEX_H

#include <stdbool.h>
#include <stddef.h>

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

/* The next token of lx into tk; comments are blanked in lx->copy. */
void	xfed_clex_next(struct clex *lx, struct token *tk);

#endif
