/*
 * The xfed configuration as plain structs.  Only the configuration files
 * (config.c and the config*.c it is split into) know libconfuse; everything
 * else sees this.
 *
 * All DNS names here are in canonical form: lower case, absolute, with the
 * trailing dot ("xmpp.contoso.com.").  Cross references are resolved to
 * pointers into the arrays of the same struct xfed_config.
 */
#ifndef XFED_CONFIG_H
#define XFED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tsig.h"

#define XFED_DEFAULT_CONFIG	"/etc/xfed/xfed.conf"
#define XFED_DEFAULT_SOCKET	"/run/xfed/xfedd.sock"
#define XFED_DEFAULT_AUDIT_LOG	"/var/log/xfed/audit.jsonl"
#define XFED_DEFAULT_STATE_DIR	"/var/lib/xfed"
#define XFED_MAX_CONCURRENCY	64

/*
 * Zone transfer bounds, per server: a primary that is authenticated but
 * broken or hostile must not make a read use unbounded memory or time.
 * A million records is several times the largest zone an update agent
 * has business reading, and costs about 250 MB in ldns.
 */
#define XFED_XFR_RECORDS_DEFAULT	1000000L
#define XFED_XFR_RECORDS_MAX		100000000L
#define XFED_XFR_SIZE_DEFAULT		(256L << 20)	/* octets */
#define XFED_XFR_SIZE_MAX		(16L << 30)
#define XFED_XFR_TIMEOUT_DEFAULT	300		/* seconds */

enum xfed_transport {
	XFED_TRANSPORT_AUTO,	/* UDP, TCP when large or truncated */
	XFED_TRANSPORT_UDP,
	XFED_TRANSPORT_TCP,
};

struct xfed_server {
	char			*name;		/* section title */
	char			*address;	/* IP literal or host name */
	uint16_t		 port;
	struct xfed_key		*key;
	enum xfed_transport	 transport;
	unsigned		 timeout;	/* seconds per attempt, >= 1 */
	unsigned		 retries;	/* extra attempts after the first */
	/* Bounds on one zone transfer from this server (see zone.h). */
	unsigned long		 xfr_max_records;
	unsigned long long	 xfr_max_size;	/* octets on the wire */
	unsigned		 xfr_timeout;	/* seconds, the whole transfer */
	int			 line;
};

struct xfed_proxy {
	char			*name;		/* section title */
	char			*host;		/* canonical DNS name */
	char			**ipv4;		/* normalised literals */
	size_t			 n_ipv4;
	char			**ipv6;
	size_t			 n_ipv6;
	uint32_t		 ttl;
	char			*zone;		/* canonical, or NULL: discover */
	struct xfed_server	*server;	/* NULL: discover the primary */
	int			 line;
};

struct xfed_domain {
	char			*name;		/* canonical DNS name */
	struct xfed_proxy	**proxies;
	size_t			 n_proxies;
	uint16_t		 port;
	uint16_t		 tls_port;	/* for direct-tls */
	uint16_t		 priority;
	uint16_t		 weight;
	uint32_t		 ttl;
	bool			 direct_tls;
	char			*zone;		/* canonical, or NULL: discover */
	struct xfed_server	*server;	/* NULL: discover the primary */
	int			 line;
};

struct xfed_config {
	char			*path;		/* file it was read from */
	unsigned		 interval;	/* seconds; 0: on demand only */
	char			*owner;		/* ownership tag */
	char			*socket;
	char			*audit_log;
	char			*state_dir;
	/* Lines of the options above, 0: not set (the default). */
	int			 socket_line;
	int			 audit_log_line;
	int			 state_dir_line;
	char			*metrics_file;	/* Prometheus textfile, or NULL */
	char			*audit_chain_key; /* key file for a keyed chain */
	unsigned		 max_deletes;
	unsigned		 concurrency;	/* zones synced at once, 1..64 */

	/* Discovery (extensions to the contract's grammar). */
	char			**resolvers;	/* "ADDR" or "ADDR@PORT"; none: resolv.conf */
	size_t			 n_resolvers;
	uint16_t		 primary_port;	/* port of a primary found by MNAME */
	struct xfed_key		*default_key;	/* key for discovered primaries */

	struct xfed_key		*keys;
	size_t			 n_keys;
	struct xfed_server	*servers;
	size_t			 n_servers;
	struct xfed_proxy	*proxies;
	size_t			 n_proxies;
	struct xfed_domain	*domains;
	size_t			 n_domains;
};

/*
 * Read and validate a configuration file.  Every problem is written to err
 * as "FILE:LINE: message" (one per line; all problems found, not only the
 * first).  Returns 0 and sets *out, or XFED_ECONFIG (or XFED_ENOMEM) with
 * *out NULL.  TSIG secrets come from the inline secret, from a BIND key
 * file (file = ...), or, when $CREDENTIALS_DIRECTORY is set and holds a file
 * named after the key, from that file.
 */
int		 xfed_config_load(const char *path, FILE *err,
		    struct xfed_config **out);
/*
 * Same, and sha256[65] gets the hex SHA-256 of the bytes read and parsed
 * ("" when the file could not be read), accepted or not: the file is read
 * once, so the digest is of what was loaded.
 */
int		 xfed_config_load_digest(const char *path, FILE *err,
		    struct xfed_config **out, char *sha256);

/*
 * Same, but no TSIG secret is read (keys have no secret_len): for
 * xfedctl, which needs the paths only, and may run where the secret,
 * given to xfedd as a systemd credential or in a file only it can read,
 * is not available.  Everything else is checked as by xfed_config_load.
 */
int		 xfed_config_load_nokeys(const char *path, FILE *err,
		    struct xfed_config **out);

/* Same, from a string; name is used as FILE in messages.  For tests. */
int		 xfed_config_parse_string(const char *text, const char *name,
		    FILE *err, struct xfed_config **out);

/*
 * From now on, relative paths in a configuration (socket, audit-log,
 * state-dir, metrics-file, audit-chain-key) are taken relative to dir
 * (NULL: left relative).  xfedd sets the directory it was started in
 * before it detaches, so that reloads after chdir("/") find the same files.
 */
void		 xfed_config_set_base(const char *dir);

/* Free a configuration; key material is zeroed first. */
void		 xfed_config_free(struct xfed_config *cfg);

/* Look-ups by section title; NULL when absent. */
struct xfed_key		*xfed_config_key(const struct xfed_config *cfg,
			    const char *name);
struct xfed_server	*xfed_config_server(const struct xfed_config *cfg,
			    const char *name);
struct xfed_domain	*xfed_config_domain(const struct xfed_config *cfg,
			    const char *name);

#endif
