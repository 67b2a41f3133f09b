/* The audit log writer: see audit.h. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "audit.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "util.h"

#define TAIL_CHUNK	65536
#define MAX_PENDING	1024	/* records kept for a late write */
#define REDACTED	"[redacted]"

struct xfed_chain {
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
	EVP_MAC		*mac;		/* keyed chain only */
	uint8_t		*key;
	size_t		 keylen;
};

/*
 * The daemon writes from its sync threads and its event loop (reloads,
 * SIGUSR1), so every operation holds mu; flock only keeps other
 * processes out, as threads share the one open file.
 *
 * Durability is a group commit: a record is written under mu, then its
 * writer waits, under sync_mu, for a flush that began after its write.
 * When zones are synced side by side one fdatasync serves all the records
 * written meanwhile, and still no writer goes on before its record is on
 * disk.
 */
struct xfed_audit {
	pthread_mutex_t		 mu;
	pthread_mutex_t		 sync_mu;
	uint64_t		 written;	/* records written (under mu) */
	uint64_t		 synced;	/* of those, flushed (sync_mu) */
	char			*path;
	int			 fd;
	bool			 nofsync;
	struct xfed_chain	*chain;
	/* The last record we wrote, the next one's "prev" is computed over. */
	char			*last;
	size_t			 lastlen;
	off_t			 known_size;	/* file size right after it, or -1 */
	char			*chain_file;
	char			**secrets;
	size_t			 nsecrets;
	/*
	 * Records whose write failed (a full disk): written late, marked
	 * so, before the next record; named in the journal if never.
	 */
	struct pending		*pending;
	size_t			 npending;
};

struct pending {
	char	*event;
	json_t	*record;
	char	 due[40];	/* when it should have been written */
};

/* The chain hash. */

struct xfed_chain *
xfed_chain_new(const uint8_t *key, size_t len)
{
	struct xfed_chain *c = xcalloc(1, sizeof(*c));

	if (key != NULL && len > 0) {
		if ((c->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
			goto fail;
		c->key = xmalloc(len);
		memcpy(c->key, key, len);
		c->keylen = len;
		return c;
	}
	if ((c->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (c->ctx = EVP_MD_CTX_new()) == NULL)
		goto fail;
	return c;
fail:
	xfed_chain_free(c);
	return NULL;
}

void
xfed_chain_free(struct xfed_chain *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->md);
	EVP_MAC_free(c->mac);
	if (c->key != NULL)
		OPENSSL_cleanse(c->key, c->keylen);
	free(c->key);
	free(c);
}

const char *
xfed_chain_name(const struct xfed_chain *c)
{
	return c->mac != NULL ? "hmac-sha256" : "sha256";
}

static void
to_hex(const uint8_t *bin, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0x0f];
	}
	hex[2 * len] = '\0';
}

static int
hmac_sha256(struct xfed_chain *c, const void *data, size_t len, uint8_t *out)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	size_t outlen = 0;
	int ok;

	if ((ctx = EVP_MAC_CTX_new(c->mac)) == NULL)
		return XFED_ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, c->key, c->keylen, params) &&
	    EVP_MAC_update(ctx, data, len) &&
	    EVP_MAC_final(ctx, out, &outlen, 32) && outlen == 32;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : XFED_ENOMEM;
}

int
xfed_chain_hash(struct xfed_chain *c, const void *data, size_t len, char *hex)
{
	uint8_t md[32];
	unsigned int mdlen = 0;

	if (c->mac != NULL) {
		if (hmac_sha256(c, data, len, md) != 0)
			return XFED_ENOMEM;
	} else if (!EVP_DigestInit_ex2(c->ctx, c->md, NULL) ||
	    !EVP_DigestUpdate(c->ctx, data, len) ||
	    !EVP_DigestFinal_ex(c->ctx, md, &mdlen) || mdlen != 32)
		return XFED_ENOMEM;
	to_hex(md, sizeof(md), hex);
	return 0;
}

/* Chain keys. */

static void
trim_right(uint8_t *buf, size_t *len)
{
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r' ||
	    buf[*len - 1] == ' ' || buf[*len - 1] == '\t'))
		(*len)--;
}

int
xfed_chain_key_load(const char *path, uint8_t **key, size_t *len, char *err,
    size_t errlen)
{
	uint8_t buf[XFED_CHAIN_KEY_MAX + 1];
	char why[512];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	*key = NULL;
	*len = 0;
	/*
	 * Like ssh with its keys: no symlinks, nothing but a plain file, and
	 * a FIFO planted there must not hang us.
	 */
	if ((fd = xfed_open_regular(path, O_RDONLY, 0, why,
	    sizeof(why))) == -1) {
		snprintf(err, errlen, "chain key: %s", why);
		return errno == EINVAL ? XFED_EINVAL : XFED_EIO;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "chain key %s: %s", path, strerror(errno));
		close(fd);
		return XFED_EIO;
	}
	if (st.st_mode & 0077)
		log_warnx("chain key %s is readable by others (mode %03o); "
		    "chmod 0600 it", path, (unsigned)(st.st_mode & 0777));
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		got += (size_t)n;
	}
	close(fd);
	trim_right(buf, &got);
	if (got < XFED_CHAIN_KEY_MIN || got > XFED_CHAIN_KEY_MAX) {
		OPENSSL_cleanse(buf, sizeof(buf));
		snprintf(err, errlen, "chain key %s: must hold %d to %d bytes",
		    path, XFED_CHAIN_KEY_MIN, XFED_CHAIN_KEY_MAX);
		return XFED_EINVAL;
	}
	*key = xmalloc(got);
	memcpy(*key, buf, got);
	*len = got;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

void
xfed_chain_key_free(uint8_t *key, size_t len)
{
	if (key != NULL)
		OPENSSL_cleanse(key, len);
	free(key);
}

/* Opening and closing. */

static int
open_log(const char *path)
{
	mode_t old = umask(027);
	char err[1024];
	int fd, saved;

	/*
	 * A regular file, no symlink followed (a symlink planted at the path
	 * must not redirect us), and never a wait on a FIFO put there.
	 * O_RDWR: the tail is read back to link the chain and to find a
	 * torn last line.
	 */
	fd = xfed_open_regular(path, O_RDWR | O_APPEND | O_CREAT, 0640, err,
	    sizeof(err));
	saved = errno;
	umask(old);
	if (fd == -1)
		log_warnx("audit log: %s", err);
	errno = saved;
	return fd;
}

int
xfed_audit_open(const char *path, struct xfed_audit **out)
{
	struct xfed_audit *a;
	int fd;

	*out = NULL;
	if ((fd = open_log(path)) == -1)
		return XFED_EIO;
	a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->sync_mu, NULL);
	a->path = xstrdup(path);
	a->fd = fd;
	a->known_size = -1;
	if ((a->chain = xfed_chain_new(NULL, 0)) == NULL)
		fatalx("audit log: no SHA-256 in libcrypto");
	*out = a;
	return 0;
}

static void	save_chain_file(const struct xfed_audit *);

int
xfed_audit_reopen(struct xfed_audit *a)
{
	int fd;

	pthread_mutex_lock(&a->sync_mu);
	pthread_mutex_lock(&a->mu);
	if ((fd = open_log(a->path)) == -1) {
		log_warnx("reopening audit log %s failed; keeping the old "
		    "file", a->path);
		pthread_mutex_unlock(&a->mu);
		pthread_mutex_unlock(&a->sync_mu);
		return XFED_EIO;
	}
	/* Everything written to the old file is on disk before it goes. */
	if (!a->nofsync && fdatasync(a->fd) == -1)
		log_warn("audit log %s: flush before reopening", a->path);
	a->synced = a->written;
	close(a->fd);
	a->fd = fd;
	if (a->last != NULL)
		save_chain_file(a);
	/* a->last stays: an empty new file links to the old file's end. */
	a->known_size = -1;
	pthread_mutex_unlock(&a->mu);
	pthread_mutex_unlock(&a->sync_mu);
	return 0;
}

static void	lose_pending(struct xfed_audit *);
static int	write_records(struct xfed_audit *, const char *, json_t *);

void
xfed_audit_close(struct xfed_audit *a)
{
	size_t i;

	if (a == NULL)
		return;
	/* A last chance for records a full disk held back. */
	if (a->npending > 0)
		write_records(a, NULL, NULL);
	lose_pending(a);
	if (a->last != NULL)
		save_chain_file(a);
	close(a->fd);
	xfed_chain_free(a->chain);
	for (i = 0; i < a->nsecrets; i++) {
		OPENSSL_cleanse(a->secrets[i], strlen(a->secrets[i]));
		free(a->secrets[i]);
	}
	free(a->secrets);
	free(a->chain_file);
	free(a->last);
	free(a->path);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->sync_mu);
	free(a);
}

void
xfed_audit_set_chain_key(struct xfed_audit *a, const uint8_t *key, size_t len)
{
	struct xfed_chain *c;

	if ((c = xfed_chain_new(key, len)) == NULL)
		fatalx("audit log: no HMAC-SHA256 in libcrypto");
	pthread_mutex_lock(&a->mu);
	xfed_chain_free(a->chain);
	a->chain = c;
	pthread_mutex_unlock(&a->mu);
}

void
xfed_audit_set_chain_file(struct xfed_audit *a, const char *path)
{
	pthread_mutex_lock(&a->mu);
	free(a->chain_file);
	a->chain_file = path != NULL ? xstrdup(path) : NULL;
	pthread_mutex_unlock(&a->mu);
}

void
xfed_audit_add_secret(struct xfed_audit *a, const char *secret)
{
	size_t i;

	if (secret == NULL || *secret == '\0')
		return;
	pthread_mutex_lock(&a->mu);
	/* Every reload registers the keys again: keep one copy of each. */
	for (i = 0; i < a->nsecrets; i++)
		if (strcmp(a->secrets[i], secret) == 0)
			break;
	if (i == a->nsecrets) {
		a->secrets = xreallocarray(a->secrets, a->nsecrets + 1,
		    sizeof(*a->secrets));
		a->secrets[a->nsecrets++] = xstrdup(secret);
	}
	pthread_mutex_unlock(&a->mu);
}

size_t
xfed_audit_secret_count(struct xfed_audit *a)
{
	size_t n;

	pthread_mutex_lock(&a->mu);
	n = a->nsecrets;
	pthread_mutex_unlock(&a->mu);
	return n;
}

void
xfed_audit_add_binary_secret(struct xfed_audit *a, const unsigned char *secret,
    size_t len)
{
	char *b64;

	/* Too short to be told from ordinary text: a false alarm each time. */
	if (secret == NULL || len < 12 || len > 4096)
		return;
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, secret, (int)len);
	xfed_audit_add_secret(a, b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
}

/* audit-chain-key: HMAC the chain with a key only the daemon can read. */
static int
use_chain_key(struct xfed_audit *a, const char *path)
{
	char err[512];
	uint8_t *key;
	size_t len;
	int rc;

	if ((rc = xfed_chain_key_load(path, &key, &len, err,
	    sizeof(err))) != 0) {
		log_warnx("audit-chain-key: %s", err);
		return rc;
	}
	xfed_audit_set_chain_key(a, key, len);
	xfed_chain_key_free(key, len);
	return 0;
}

int
xfed_audit_open_config(const struct xfed_config *cfg, struct xfed_audit **out)
{
	char *chain;
	size_t i;
	int rc;

	if ((rc = xfed_audit_open(cfg->audit_log, out)) != 0)
		return rc;
	if (cfg->audit_chain_key != NULL &&
	    (rc = use_chain_key(*out, cfg->audit_chain_key)) != 0) {
		xfed_audit_close(*out);
		*out = NULL;
		return rc;
	}
	chain = xasprintf("%s/audit.chain", cfg->state_dir);
	xfed_audit_set_chain_file(*out, chain);
	free(chain);
	for (i = 0; i < cfg->n_keys; i++)
		xfed_audit_add_binary_secret(*out, cfg->keys[i].secret,
		    cfg->keys[i].secret_len);
	return 0;
}

void
xfed_audit_set_fsync(struct xfed_audit *a, bool on)
{
	pthread_mutex_lock(&a->mu);
	a->nofsync = !on;
	pthread_mutex_unlock(&a->mu);
}

/* Time. */

void
xfed_rfc3339_ms(int64_t ms, char *buf, size_t size)
{
	time_t sec = (time_t)(ms / 1000);
	long milli = (long)(ms % 1000);
	struct tm tm;
	char s[32];

	if (milli < 0) {
		milli += 1000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", s, milli);
}

void
xfed_rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	xfed_rfc3339_ms((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, buf,
	    size);
}

/* Finding where the chain stands: the tail of the file. */

static void
remember_last(struct xfed_audit *a, const char *line, size_t len)
{
	free(a->last);
	a->last = xmalloc(len + 1);
	memcpy(a->last, line, len);
	a->last[len] = '\0';
	a->lastlen = len;
}

/*
 * Where the line that ends at offset end begins: just after the newline
 * before it, or 0.  Backwards in blocks of a fixed size and never more
 * than one block in memory, so that a tail of any length (32 MiB of NULs
 * left by a crash) costs one linear pass, not a buffer regrown per block.
 */
static int
line_start(int fd, off_t end, char *block, off_t *start)
{
	size_t n;
	char *nl;
	off_t pos = end;

	while (pos > 0) {
		n = pos >= TAIL_CHUNK ? TAIL_CHUNK : (size_t)pos;
		if (pread(fd, block, n, pos - (off_t)n) != (ssize_t)n)
			return XFED_EIO;
		pos -= (off_t)n;
		if ((nl = memrchr(block, '\n', n)) != NULL) {
			*start = pos + (off_t)(nl - block) + 1;
			return 0;
		}
	}
	*start = 0;
	return 0;
}

/* The len bytes at offset start, NUL-terminated, in a new buffer. */
static int
read_line_at(int fd, off_t start, size_t len, char **buf)
{
	size_t got = 0;
	ssize_t n;
	char *b = xmalloc(len + 1);

	while (got < len) {
		n = pread(fd, b + got, len - got, start + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return XFED_EIO;
		}
		got += (size_t)n;
	}
	b[len] = '\0';
	*buf = b;
	return 0;
}

static bool
is_record(const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	bool ok = json_is_object(j);

	json_decref(j);
	return ok;
}

/* An empty (or torn-only) file: link to what we wrote before, if anything. */
static void
recall_last(struct xfed_audit *a)
{
	char buf[1 << 16], err[1024];
	ssize_t n;
	int fd;

	if (a->last != NULL || a->chain_file == NULL)
		return;
	if ((fd = xfed_open_regular(a->chain_file, O_RDONLY, 0, err,
	    sizeof(err))) == -1) {
		if (errno != ENOENT)
			log_warnx("audit chain file: %s; the chain restarts",
			    err);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 1 || buf[n - 1] != '\n' || !is_record(buf, (size_t)n - 1)) {
		log_warnx("audit chain file %s is unusable; the chain restarts",
		    a->chain_file);
		return;
	}
	remember_last(a, buf, (size_t)n - 1);
}

/*
 * Bring a->last up to date with the file as it is now: its last complete
 * record (a line that is a JSON object; anything else is the remains of a
 * torn write, which the chain skips as the verifier does).  *torn: the
 * file does not end in a newline, so the next record must start with one.
 */
static int
sync_tail(struct xfed_audit *a, off_t size, bool *torn)
{
	char last = '\n', *line, *block;
	size_t len;
	off_t end, start;
	int rc = 0;

	if (size > 0 && pread(a->fd, &last, 1, size - 1) != 1)
		return XFED_EIO;
	*torn = last != '\n';
	/* Cut right before its newline, a record is still whole. */
	end = *torn ? size : size - 1;
	block = xmalloc(TAIL_CHUNK);
	while (end > 0) {
		if ((rc = line_start(a->fd, end, block, &start)) != 0)
			break;
		len = (size_t)(end - start);
		/* Longer than any record the writer makes: not one, unread. */
		if (len <= XFED_AUDIT_LINE_MAX) {
			if ((rc = read_line_at(a->fd, start, len, &line)) != 0)
				break;
			if (is_record(line, len)) {
				remember_last(a, line, len);
				free(line);
				free(block);
				return 0;
			}
			free(line);
		}
		log_warnx("audit log %s: incomplete record at offset %lld, "
		    "%zu bytes (torn write); the chain continues from the "
		    "record before it", a->path, (long long)start, len);
		end = start - 1;
	}
	free(block);
	if (rc == 0)
		recall_last(a);
	return rc;
}

/* Building the line. */

static bool
has_secret(const struct xfed_audit *a, const char *s)
{
	size_t i;

	for (i = 0; i < a->nsecrets; i++)
		if (strstr(s, a->secrets[i]) != NULL)
			return true;
	return false;
}

/* Replace every string value holding a secret; true if any was. */
static bool
redact(const struct xfed_audit *a, json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;
	void *tmp;
	bool any = false;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, e) {
			if (json_is_string(e) && has_secret(a, json_string_value(e))) {
				json_object_set_new(v, k, json_string(REDACTED));
				any = true;
			} else if (redact(a, e))
				any = true;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (json_is_string(e) && has_secret(a, json_string_value(e))) {
				json_array_set_new(v, i, json_string(REDACTED));
				any = true;
			} else if (redact(a, e))
				any = true;
		}
	}
	return any;
}

/* ts and event first, so a human (and the reader's fast path) sees them. */
static char *
render(struct xfed_audit *a, const char *event, json_t *record)
{
	json_t *line = json_object();
	char ts[40], prev[XFED_CHAIN_HEX + 1];
	char *text;

	xfed_rfc3339_now(ts, sizeof(ts));
	if (a->last == NULL)
		memset(prev, '0', XFED_CHAIN_HEX);
	else if (xfed_chain_hash(a->chain, a->last, a->lastlen, prev) != 0) {
		json_decref(line);
		return NULL;
	}
	prev[XFED_CHAIN_HEX] = '\0';
	json_object_del(record, "ts");
	json_object_del(record, "event");
	json_object_del(record, "chain");
	json_object_del(record, "prev");
	if (a->nsecrets > 0 && redact(a, record))
		log_warnx("audit log: a secret was about to be recorded in a "
		    "\"%s\" record; redacted", event);
	json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "event", json_string(event));
	json_object_update(line, record);
	json_object_set_new(line, "chain", json_string(xfed_chain_name(a->chain)));
	json_object_set_new(line, "prev", json_string(prev));
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	return text;
}

static int
write_all_once(struct xfed_audit *a, const char *s, size_t len)
{
	ssize_t n;

	/* One write: with O_APPEND the line lands whole or not at all. */
	do {
		n = write(a->fd, s, len);
	} while (n == -1 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	/* A short write to a regular file: the disk is full. */
	if (n >= 0)
		errno = ENOSPC;
	return XFED_EIO;
}

/*
 * Wait until record number seq is on disk: flush, unless a flush that
 * started after it was written has already covered it.
 */
static int
flush_through(struct xfed_audit *a, uint64_t seq)
{
	uint64_t upto;
	int fd, rc = 0;

	if (a->nofsync)
		return 0;
	pthread_mutex_lock(&a->sync_mu);
	if (a->synced < seq) {
		pthread_mutex_lock(&a->mu);
		upto = a->written;
		fd = a->fd;
		pthread_mutex_unlock(&a->mu);
		/* fdatasync: the size is flushed too, the times need not be. */
		if (fdatasync(fd) == -1)
			rc = -errno;
		else
			a->synced = upto;
	}
	pthread_mutex_unlock(&a->sync_mu);
	/* The caller logs with this call's errno, not a later one's. */
	if (rc != 0) {
		errno = -rc;
		rc = XFED_EIO;
	}
	return rc;
}

/*
 * The chain file: a copy of the last record, replaced atomically by a
 * fresh file under an unpredictable name (nothing planted is followed).
 */
static void
save_chain_file(const struct xfed_audit *a)
{
	struct xfed_newfile nf;
	char err[1024];

	if (a->chain_file == NULL)
		return;
	if (xfed_newfile_open(&nf, a->chain_file, 0600, err,
	    sizeof(err)) == -1) {
		log_warnx("audit chain file: %s", err);
		return;
	}
	xfed_newfile_write(&nf, a->last, a->lastlen);
	xfed_newfile_write(&nf, "\n", 1);
	if (xfed_newfile_commit(&nf, false, err, sizeof(err)) == -1)
		log_warnx("audit chain file: %s", err);
}

/* Under the lock: where the file ends now, then one write. */
static int
append_locked(struct xfed_audit *a, const char *event, json_t *record,
    uint64_t *seq)
{
	struct stat st;
	json_t *withheld;
	char *text, *buf;
	size_t len, off;
	bool torn = false;
	int rc;

	if (fstat(a->fd, &st) == -1)
		return XFED_EIO;
	/* Someone else wrote, we were rotated, or a write failed: look. */
	if (st.st_size != a->known_size || a->last == NULL)
		if ((rc = sync_tail(a, st.st_size, &torn)) != 0)
			return rc;
	text = render(a, event, record);
	if (text != NULL && has_secret(a, text)) {
		/* In a field name, say: keep the event, drop the fields. */
		log_warnx("audit log: a \"%s\" record still held a secret; "
		    "its fields are withheld", event);
		free(text);
		withheld = json_pack("{s:s}", "error",
		    "fields withheld: they held a secret");
		text = render(a, event, withheld);
		json_decref(withheld);
	} else if (text != NULL && strlen(text) > XFED_AUDIT_LINE_MAX) {
		/* Readers skip longer lines unread: keep the event at least. */
		log_warnx("audit log: a \"%s\" record of %zu bytes is longer "
		    "than %d; its fields are withheld", event, strlen(text),
		    XFED_AUDIT_LINE_MAX);
		free(text);
		withheld = json_pack("{s:s}", "error", "fields withheld: the "
		    "record was longer than any reader accepts");
		text = render(a, event, withheld);
		json_decref(withheld);
	}
	if (text == NULL)
		return XFED_ENOMEM;
	len = strlen(text);
	off = torn ? 1 : 0;
	buf = xmalloc(off + len + 1);
	buf[0] = '\n';
	memcpy(buf + off, text, len);
	buf[off + len] = '\n';
	if ((rc = write_all_once(a, buf, off + len + 1)) == 0) {
		remember_last(a, text, len);
		a->known_size = st.st_size + (off_t)(off + len + 1);
		*seq = ++a->written;
		/*
		 * The copy of the last record that links a rotated log after
		 * a restart: refreshed once a sync, not for every record.
		 */
		if (strcmp(event, "sync-end") == 0)
			save_chain_file(a);
	} else
		a->known_size = -1;
	free(buf);
	free(text);
	return rc;
}

/* Test hook, see test_enospc(). */
static char	*enospc_event;
static long	 enospc_left = -1;

/*
 * Test hook (XFED_TEST_AUDIT_ENOSPC="EVENT:N", tests only): from the
 * first record of EVENT on, the next N writes fail as on a full disk.
 */
static bool
test_enospc(const char *event)
{
	const char *env, *colon;

	if (enospc_left == -1) {
		enospc_left = 0;
		env = getenv("XFED_TEST_AUDIT_ENOSPC");
		if (env != NULL && (colon = strchr(env, ':')) != NULL) {
			enospc_event = xasprintf("%.*s", (int)(colon - env),
			    env);
			enospc_left = strtol(colon + 1, NULL, 10);
		}
	}
	if (enospc_event != NULL && strcmp(event, enospc_event) == 0) {
		free(enospc_event);
		enospc_event = NULL;
	}
	if (enospc_event != NULL || enospc_left <= 0)
		return false;
	enospc_left--;
	errno = ENOSPC;
	return true;
}

static int
append_one(struct xfed_audit *a, const char *event, json_t *record,
    uint64_t *seq)
{
	if (test_enospc(event))
		return XFED_EIO;
	return append_locked(a, event, record, seq);
}

/* A record that could not be written: keep it for a late write. */
static void
keep_pending(struct xfed_audit *a, const char *event, json_t *record,
    const char *due)
{
	struct pending *p;

	/* Never late: an intent whose write failed was not acted on. */
	if (strcmp(event, "update-intent") == 0)
		return;
	if (a->npending == MAX_PENDING) {
		log_warnx("audit log %s: too many records held back; a \"%s\" "
		    "record is lost", a->path, event);
		return;
	}
	a->pending = xreallocarray(a->pending, a->npending + 1,
	    sizeof(*a->pending));
	p = &a->pending[a->npending++];
	p->event = xstrdup(event);
	p->record = json_incref(record);
	snprintf(p->due, sizeof(p->due), "%s", due);
}

/* Under the locks: write what was held back, oldest first, marked late. */
static int
write_pending(struct xfed_audit *a, uint64_t *seq)
{
	struct pending *p;
	size_t done;
	int rc = 0;

	for (done = 0; done < a->npending; done++) {
		p = &a->pending[done];
		json_object_set_new(p->record, "late", json_string(p->due));
		if ((rc = append_one(a, p->event, p->record, seq)) != 0)
			break;
		free(p->event);
		json_decref(p->record);
	}
	if (done > 0) {
		log_warnx("audit log %s: %zu record%s written late", a->path,
		    done, done == 1 ? "" : "s");
		memmove(a->pending, a->pending + done,
		    (a->npending - done) * sizeof(*a->pending));
		a->npending -= done;
	}
	return rc;
}

/* At close, what could never be written: named in the journal. */
static void
lose_pending(struct xfed_audit *a)
{
	const char *id;
	size_t i;

	for (i = 0; i < a->npending; i++) {
		id = json_string_value(json_object_get(a->pending[i].record,
		    "id"));
		log_warnx("audit log %s: a \"%s\" record%s%s due at %s could "
		    "not be written and is lost", a->path, a->pending[i].event,
		    id != NULL ? " with id " : "", id != NULL ? id : "",
		    a->pending[i].due);
		free(a->pending[i].event);
		json_decref(a->pending[i].record);
	}
	free(a->pending);
	a->pending = NULL;
	a->npending = 0;
}

/*
 * Write the held-back records, then this one (event NULL: none), under the
 * locks; then wait until they are on disk.  The failing call's errno is
 * what is logged.
 */
static int
write_records(struct xfed_audit *a, const char *event, json_t *record)
{
	char due[40];
	uint64_t seq = 0;
	int rc, saved = 0;

	xfed_rfc3339_now(due, sizeof(due));
	pthread_mutex_lock(&a->mu);
	/* Another writer (xfedd --once beside the daemon) must not fork it. */
	while (flock(a->fd, LOCK_EX) == -1 && errno == EINTR)
		;
	rc = write_pending(a, &seq);
	if (rc == 0 && event != NULL)
		rc = append_one(a, event, record, &seq);
	if (rc != 0) {
		saved = errno;
		if (event != NULL)
			keep_pending(a, event, record, due);
	}
	flock(a->fd, LOCK_UN);
	pthread_mutex_unlock(&a->mu);
	if (rc == 0 && seq > 0) {
		rc = flush_through(a, seq);
		saved = errno;
	}
	if (rc != 0) {
		errno = saved;
		log_warn("audit log %s: write failed", a->path);
	}
	return rc;
}

int
xfed_audit_write(struct xfed_audit *a, const char *event, json_t *record)
{
	int rc;

	if (record == NULL)
		record = json_object();
	rc = write_records(a, event, record);
	json_decref(record);
	return rc;
}

int
xfed_audit_config_reload(struct xfed_audit *a, const char *path,
    const char *sha256, bool accepted, const char *error,
    const char *trigger, long uid)
{
	json_t *rec = json_object();

	json_object_set_new(rec, "file", json_string(path));
	json_object_set_new(rec, "trigger", json_string(trigger));
	if (uid >= 0)
		json_object_set_new(rec, "uid", json_integer(uid));
	json_object_set_new(rec, "accepted", json_boolean(accepted));
	json_object_set_new(rec, "sha256", sha256 != NULL ?
	    json_string(sha256) : json_null());
	if (error != NULL)
		json_object_set_new(rec, "error", json_string(error));
	return xfed_audit_write(a, "config-reload", rec);
}
