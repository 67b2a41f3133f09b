/*
 * The scanned text through libconfuse, and the tree it gives converted.
 * In one pass, or, when the top level splits cleanly into statements, in
 * batches, with the messages one pass would have given.  Separate from
 * the scan (configscan.c), which never sees a libconfuse tree, and from
 * the conversions of each kind of section, which never see the text.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_impl.h"
#include "confighash.h"
#include "error.h"
#include "util.h"

/*
 * libconfuse compares each new titled section with every earlier one of
 * its kind, so one tree of n domains costs O(n^2), and it keeps about
 * 3 KiB per section.  When the top level splits cleanly into statements
 * (struct ctx, regular), the domain sections are parsed BATCH at a time,
 * each batch in a tree of its own, and the rest of the text in one more.
 */
#define BATCH		64

static void
convert_head(struct ctx *c, cfg_t *root)
{
	struct where w = { c, root, &c->secs[0], 0 };

	xfed_top_scalars(&w, c->cfg);
	xfed_conv_keys(c, root);
	xfed_top_default_key(&w, c->cfg);
	xfed_conv_servers(c, root);
	xfed_conv_proxies(c, root);
}

/* The whole text in one pass. */
static int
parse_whole(struct ctx *c, const char *copy)
{
	char	*text = xfed_build_text(c, copy, false);
	cfg_t	*root;

	if ((root = xfed_new_root()) == NULL) {
		xfed_wipe_free(text);
		return XFED_ENOMEM;
	}
	if (xfed_confuse_run(c, root, text) == 0) {
		convert_head(c, root);
		xfed_conv_domains(c, root);
	} else if (c->nerr == 0)
		xfed_cerr(c, 1, "cannot parse the configuration");
	xfed_wipe_inline_secrets(root);
	cfg_free(root);
	xfed_wipe_free(text);
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
	xfed_htab_init(&sp->titles, n, title_key, sp);
	if (convert) {
		c->cfg->n_domains = n;
		c->cfg->domains = xcalloc(n, sizeof(*c->cfg->domains));
		xfed_dseen_init(&sp->ds, c->cfg);
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
		xfed_dseen_free(&sp->ds);
	free(sp->cap.text);
}

/* Everything but the domains; false when libconfuse failed. */
static bool
split_head(struct ctx *c, const char *copy, struct capture *cap)
{
	char	*text = xfed_build_text(c, copy, true);
	cfg_t	*root;
	size_t	 k;
	bool	 ok = false;

	if ((root = xfed_new_root()) != NULL) {
		c->cap = cap;
		ok = xfed_confuse_run(c, root, text) == 0;
		c->cap = NULL;
		for (k = 0; ok && k < SK_N; k++) {
			/* Not what the scan saw: leave it to one pass. */
			if (cfg_size(root, xfed_sk_names[k]) !=
			    (k == SK_DOMAIN ? 0 : c->nbyk[k]))
				ok = false;
		}
		if (ok)
			convert_head(c, root);
		xfed_wipe_inline_secrets(root);
		cfg_free(root);
	}
	xfed_wipe_free(text);
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

	if ((root = xfed_new_root()) == NULL)
		return -1;
	text = xfed_batch_text(c, copy, first, n);
	off = c->secs[c->byk[SK_DOMAIN][first]].line - 1;
	c->cap = &cap;
	c->lineoff = off;
	ok = xfed_confuse_run(c, root, text) == 0;
	c->cap = NULL;
	c->lineoff = 0;
	xfed_wipe_free(text);
	m = cfg_size(root, "domain");
	for (k = 0; k < SK_N; k++) {
		if (k != SK_DOMAIN && cfg_size(root, xfed_sk_names[k]) != 0)
			rc = -1;
	}
	if (m > n || (ok && m != n))
		rc = -1;
	for (i = 0; rc == 0 && i < m; i++) {
		sec = cfg_getnsec(root, "domain", (unsigned)i);
		xfed_where_set(&w, c, sec, SK_DOMAIN, first + i, off);
		t = cfg_title(sec);
		if (w.si == NULL)
			sp->own[first + i] = xstrdup(t);
		slot = xfed_htab_slot(&sp->titles, t, strlen(t));
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
			xfed_conv_domain_at(&w, &sp->ds, first + i);
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
		xfed_cerr(c, sp->errline, "found duplicate title '%.*s'",
		    (int)len, t);
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

int
xfed_parse_confuse(struct ctx *c, const char *copy)
{
	if (c->regular && parse_split(c, copy) == 0)
		return 0;
	return parse_whole(c, copy);
}
