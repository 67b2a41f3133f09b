/*
 * What the files of the configuration module (config.c and config*.c)
 * share: the scan's records of the text, the parse context, where a
 * message points, and the functions one of them calls in another.  It
 * includes <confuse.h>: only the configuration files include it, and so
 * only they know libconfuse; everything else sees config.h.
 */
#ifndef XFED_CONFIG_IMPL_H
#define XFED_CONFIG_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <confuse.h>

#include "config.h"
#include "confighash.h"

#define TOP_KEY		"tsig-key"
#define TOP_KEY_OPT	"tsig-key@top"	/* libconfuse's name for it */

enum skind {
	SK_KEY,
	SK_SERVER,
	SK_PROXY,
	SK_DOMAIN,
	SK_OTHER,
};
#define SK_N		SK_OTHER

/* The section kinds' names, by enum skind (configscan.c). */
extern const char *const xfed_sk_names[SK_N];

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

/* The domains so far by canonical name, for "same domain as line N". */
struct dseen {
	struct htab	 names;
	size_t		*prev;		/* the one before of that name, + 1 */
	size_t		*chain;		/* when first needed */
	size_t		 n;
};

/* configerr.c: where a problem is reported. */

/* "FILE:LINE: message" to c->err, counted. */
void		 xfed_cerr(struct ctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* Report a problem with option opt (NULL: the section itself) of w. */
void		 xfed_werr(struct where *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* The line of option opt (NULL: of the section) of w. */
int		 xfed_opt_line(struct where *w, const char *opt);
/* Was a ';' written on line (a named.conf habit)? */
bool		 xfed_semi_on_line(const struct ctx *c, int line);
/* w for section sec, the idx-th of kind k, lineoff lines into the text. */
void		 xfed_where_set(struct where *w, struct ctx *c, cfg_t *sec,
		    enum skind k, size_t idx, int lineoff);
/* w for the idx-th section of kind k of root. */
void		 xfed_where_sec(struct where *w, struct ctx *c, cfg_t *root,
		    enum skind k, unsigned idx);

/* configconfuse.c: one libconfuse pass. */

/* libconfuse's error callback (set by xfed_new_root). */
void		 xfed_confuse_error(cfg_t *cfg, const char *fmt, va_list ap);
/* One libconfuse pass: 0, or -1 when it failed or complained. */
int		 xfed_confuse_run(struct ctx *c, cfg_t *root, const char *text);

/* configschema.c: the option tables. */

/* An empty libconfuse tree for xfed.conf, or NULL. */
cfg_t		*xfed_new_root(void);

/* configscan.c: the scan of the text. */

/* Record sections and options of text, blanking its comments in place. */
void		 xfed_scan_text(struct ctx *c, char *text);
/* The scanned text for libconfuse; with cut, without the domains. */
char		*xfed_build_text(struct ctx *c, const char *copy, bool cut);
/* Domain sections first..first+n-1 of the scanned copy. */
char		*xfed_batch_text(struct ctx *c, const char *copy, size_t first,
		    size_t n);
/* Free what the scan recorded. */
void		 xfed_scan_free(struct ctx *c);
/* Report the options set twice in one section. */
void		 xfed_check_dup_options(struct ctx *c);

/* configvalue.c: names, addresses and numbers. */

/* Why s is not a host name (underscore: '_' allowed), or NULL. */
const char	*xfed_dname_problem(const char *s, bool underscore, char *buf,
		    size_t len);
/* Lower case, with exactly one trailing dot. */
char		*xfed_dname_canon(const char *s);
/* Lower case, without the trailing dot: how key names are kept. */
char		*xfed_keyname_canon(const char *s);
/* Is s an IPv4 or IPv6 literal? */
bool		 xfed_is_ip_literal(const char *s);
/* The address (either family) in its shortest form, or NULL. */
char		*xfed_addr_norm_any(const char *s);
/* Integer option opt of w within lo..hi into *out; false after an error. */
bool		 xfed_get_int(struct where *w, const char *opt, long lo,
		    long hi, long *out);
/* A port-like option, lo..65535; def after an error. */
uint16_t	 xfed_get_u16(struct where *w, const char *opt, long lo,
		    uint16_t def);
/* A TTL option; 3600 after an error. */
uint32_t	 xfed_get_ttl(struct where *w, const char *opt);
/* A DNS name option or title: canonical copy, or NULL after an error. */
char		*xfed_get_dname(struct where *w, const char *opt,
		    const char *what, const char *s);
/* A list of addresses of one family, normalised, free of duplicates. */
void		 xfed_get_addrs(struct where *w, const char *opt, int af,
		    char ***out, size_t *n);
/* The zone option: canonical and holding name, or NULL. */
char		*xfed_get_zone(struct where *w, const char *name,
		    const char *what);

/* configkeys.c: tsig-key sections and secrets. */

/* The key of that name (any case, with or without the dot), or NULL. */
struct xfed_key	*xfed_find_key(const struct xfed_config *cfg,
		    const char *name);
/* Convert the tsig-key sections of root into c->cfg. */
void		 xfed_conv_keys(struct ctx *c, cfg_t *root);
/* Wipe the inline secrets held in libconfuse's tree. */
void		 xfed_wipe_inline_secrets(cfg_t *root);
/* Wipe a string that may hold secrets, and free it. */
void		 xfed_wipe_free(char *s);

/* configservers.c: server sections. */

/* The server of that title, or NULL. */
struct xfed_server *xfed_find_server(const struct xfed_config *cfg,
		    const char *name);
/* Convert the server sections of root into c->cfg. */
void		 xfed_conv_servers(struct ctx *c, cfg_t *root);
/* The server of a proxy or domain: named, the only one, or NULL. */
struct xfed_server *xfed_get_server_ref(struct where *w);

/* configfed.c: proxy and domain sections. */

/* Convert the proxy sections of root into c->cfg. */
void		 xfed_conv_proxies(struct ctx *c, cfg_t *root);
/* Convert the domain sections of root into c->cfg. */
void		 xfed_conv_domains(struct ctx *c, cfg_t *root);
/* Convert the i-th domain, the section of w. */
void		 xfed_conv_domain_at(struct where *w, struct dseen *ds,
		    size_t i);
/* Start and free a struct dseen for the domains of cfg. */
void		 xfed_dseen_init(struct dseen *ds,
		    const struct xfed_config *cfg);
void		 xfed_dseen_free(struct dseen *ds);

/* configglobals.c: the top level. */

/* The top-level options but the default key. */
void		 xfed_top_scalars(struct where *w, struct xfed_config *cfg);
/* The key for discovered primaries (after the keys are converted). */
void		 xfed_top_default_key(struct where *w, struct xfed_config *cfg);

/* configparse.c: the text through libconfuse. */

/* Parse and convert the scanned, comment-blanked copy. */
int		 xfed_parse_confuse(struct ctx *c, const char *copy);

#endif
