/*
 * The control socket (doc/control-protocol.md).  Runs on the main thread
 * only: non-blocking clients with a size limit and a deadline each, so a
 * slow, silent or hostile client never holds up the agent.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "error.h"
#include "log.h"
#include "ratelimit.h"
#include "util.h"

enum client_state { CLIENT_FREE, CLIENT_READING, CLIENT_WAITING,
    CLIENT_WRITING };

struct client {
	enum client_state	 state;
	int			 fd;
	unsigned		 gen;		/* tells a reused slot apart */
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	char			*in;
	size_t			 inlen;
	char			*out;
	size_t			 outlen;
	size_t			 outoff;
	uint64_t		 deadline;	/* monotonic ms */
	uint64_t		 since;		/* accepted, monotonic ms */
};

/*
 * A client must send its request within REQUEST_MS of connecting: a
 * silent one only holds a slot.  A non-root uid holds at most PER_UID
 * slots, and sync or plan requests waiting for the worker at most
 * MAX_WAITING, so the rest stay free for status and reload.  A waiting
 * client gets an answer within WAIT_MS, as long as xfedctl waits.
 */
#define REQUEST_MS	2000
#define PER_UID		(XFED_CONTROL_MAX_CLIENTS / 2)
#define MAX_WAITING	(XFED_CONTROL_MAX_CLIENTS - 8)
#define WAIT_MS		(15 * 60 * 1000)
#define SHED_LOG_MS	10000		/* one refusal logged per 10 s */

static struct client clients[XFED_CONTROL_MAX_CLIENTS];

static void	client_read(struct xfed_daemon *, struct client *, int);

#define ID(slot)	((int)(((clients[slot].gen & 0x7fff) << 8) | (slot)))
#define SLOT(id)	((id) & 0xff)

static struct client *
by_id(int id)
{
	struct client *c;

	if (id < 0 || SLOT(id) >= XFED_CONTROL_MAX_CLIENTS)
		return NULL;
	c = &clients[SLOT(id)];
	if (c->state == CLIENT_FREE || ID(SLOT(id)) != id)
		return NULL;
	return c;
}

int
xfed_control_listen(const char *path, int *fd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int s, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", path);
		return XFED_EINVAL;
	}
	strcpy(sun.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return XFED_EIO;
	/* A live socket means another xfedd: refuse rather than steal it. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_warnx("%s: another xfedd is listening", path);
			close(s);
			return XFED_EIO;
		}
		unlink(path);
	}
	old = umask(0117);		/* mode 0660 */
	rc = bind(s, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(s, 16) == -1) {
		log_warn("control socket %s", path);
		close(s);
		return XFED_EIO;
	}
	*fd = s;
	return 0;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->inlen = c->outlen = c->outoff = 0;
	c->state = CLIENT_FREE;
	c->gen++;
}

/* Queue a response and switch the client to writing it. */
static void
client_answer(struct client *c, char *line)
{
	free(c->out);
	c->out = line;
	c->outlen = strlen(line);
	c->outoff = 0;
	c->state = CLIENT_WRITING;
	c->deadline = xfed_now_ms() + XFED_CONTROL_TIMEOUT_MS;
}


/* Clients can cause these without limit: rate-limited (ratelimit.h). */
static void
log_shed(const char *why)
{
	static struct xfed_ratelimit rl = { .interval_ms = SHED_LOG_MS };
	unsigned long n = xfed_ratelimit(&rl);

	if (n > 1)
		log_warnx("control: %s, connection dropped (and %lu more "
		    "since the last report)", why, n - 1);
	else if (n == 1)
		log_warnx("control: %s, connection dropped", why);
}

static void
client_error(struct client *c, const char *msg)
{
	static struct xfed_ratelimit rl = { .interval_ms = SHED_LOG_MS };
	unsigned long n = xfed_ratelimit(&rl);

	if (n > 1)
		log_info("control: request from uid %u refused: %s (and %lu "
		    "more refused since the last report)", (unsigned)c->uid,
		    msg, n - 1);
	else if (n == 1)
		log_info("control: request from uid %u refused: %s",
		    (unsigned)c->uid, msg);
	client_answer(c, xfed_ctl_format_response(false, 1, NULL, msg, NULL));
}

/* Best effort: a refused client learns why rather than seeing EOF. */
static void
refuse(int fd, const char *why)
{
	char *line = xfed_ctl_format_response(false, 1, NULL, why, NULL);

	(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	close(fd);
	log_shed(why);
}

/*
 * The client to close for a newcomer (of uid, or of anyone when uid is
 * -1), or NULL: the oldest that has not sent a byte of its request, else
 * the oldest with a request still incomplete.  xfedctl sends its request
 * at once, so neither is likely to be a real client; and the newcomer
 * outlives a flood of them.
 */
static struct client *
oldest_reader(long uid)
{
	struct client *c, *old = NULL;
	size_t i;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++) {
		c = &clients[i];
		if (c->state != CLIENT_READING ||
		    (uid >= 0 && c->uid != (uid_t)uid))
			continue;
		if (old == NULL || (c->inlen == 0 && old->inlen > 0) ||
		    ((c->inlen == 0) == (old->inlen == 0) &&
		    c->since < old->since))
			old = c;
	}
	return old;
}

static size_t
count_uid(uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++)
		if (clients[i].state != CLIENT_FREE && clients[i].uid == uid)
			n++;
	return n;
}

/*
 * A free slot for a new client of uid, closing an idle one if need be;
 * NULL with why set when there is none.
 */
static struct client *
free_slot(uid_t uid, const char **why)
{
	struct client *c = NULL;
	size_t i;

	if (uid != 0 && count_uid(uid) >= PER_UID) {
		/* One user cannot take every slot: it pays with its own. */
		if ((c = oldest_reader((long)uid)) == NULL) {
			*why = "too many clients of one uid";
			return NULL;
		}
		log_debug("control: idle client of uid %u closed for a new "
		    "one", (unsigned)uid);
		client_close(c);
		return c;
	}
	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++)
		if (clients[i].state == CLIENT_FREE)
			return &clients[i];
	if ((c = oldest_reader(-1)) == NULL) {
		*why = "too many clients";
		return NULL;
	}
	log_debug("control: idle client of uid %u closed for a new one",
	    (unsigned)c->uid);
	client_close(c);
	return c;
}

void
xfed_control_accept(struct xfed_daemon *d, int lfd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	const char *why = NULL;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	memset(&cred, 0, sizeof(cred));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		close(fd);
		return;
	}
	if ((c = free_slot(cred.uid, &why)) == NULL) {
		refuse(fd, why);
		return;
	}
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->state = CLIENT_READING;
	c->in = xmalloc(XFED_CONTROL_MAX_REQUEST + 1);
	c->inlen = 0;
	c->since = xfed_now_ms();
	c->deadline = c->since + REQUEST_MS;
	/*
	 * Read at once: a client that waited in the listen queue has sent
	 * its request by now (xfedctl sends right after connect).  Read,
	 * it can no longer be taken for an idle one and closed to make room
	 * for the next newcomer of a flood.
	 */
	client_read(d, c, ID((size_t)(c - clients)));
}

size_t
xfed_control_pollfds(struct pollfd *pfd, int *ids, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS && n < max; i++) {
		if (clients[i].state == CLIENT_FREE)
			continue;
		pfd[n].fd = clients[i].fd;
		pfd[n].events = clients[i].state == CLIENT_READING ? POLLIN :
		    clients[i].state == CLIENT_WRITING ? POLLOUT : 0;
		pfd[n].revents = 0;
		ids[n++] = ID(i);
	}
	return n;
}

static size_t
count_waiting(void)
{
	size_t i, n = 0;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++)
		if (clients[i].state == CLIENT_WAITING)
			n++;
	return n;
}

/* A named domain the running configuration does not declare, or NULL. */
static char *
unknown_domain(struct xfed_daemon *d, const struct xfed_ctl_request *req)
{
	struct xfed_cfgref *ref = xfed_cfgref_get(d);
	const char *bad = xfed_sync_unknown_domain(ref->cfg, req->args,
	    req->n_args);
	char *msg = bad != NULL ? xasprintf("domain \"%s\" is not in the "
	    "configuration", bad) : NULL;

	xfed_cfgref_put(d, ref);
	return msg;
}

/*
 * plan --config: xfedd reads the file with its own rights (it may hold
 * the secrets), so it reads it only for a requester who could read it too:
 * otherwise its error messages would leak another file's lines to any
 * member of the socket's group.  NULL, or why not.
 */
static char *
candidate_refused(const struct client *c, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return xasprintf("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return xasprintf("%s: not a regular file", path);
	if (c->uid == 0 || st.st_uid == c->uid || (st.st_mode & S_IROTH) ||
	    ((st.st_mode & S_IRGRP) && st.st_gid == c->gid))
		return NULL;
	return xasprintf("%s: not readable by uid %u, so xfedd will not read "
	    "it on its behalf (check its owner and mode)", path,
	    (unsigned)c->uid);
}

/* Why a sync or plan request cannot be queued, or NULL. */
static char *
refused(struct xfed_daemon *d, const struct client *c,
    const struct xfed_ctl_request *req)
{
	if (req->config != NULL)
		/* The candidate's domains are checked once it is loaded. */
		return candidate_refused(c, req->config);
	return unknown_domain(d, req);
}

/* The file is loaded off the loop (reload.c); the answer comes later. */
static void
reload(struct xfed_daemon *d, struct client *c, int id)
{
	if (count_waiting() >= MAX_WAITING) {
		client_error(c, "busy: too many requests already wait; try "
		    "again later");
		return;
	}
	log_info("control: reload requested by uid %u", (unsigned)c->uid);
	c->state = CLIENT_WAITING;
	c->deadline = xfed_now_ms() + WAIT_MS;
	xfed_reload_request(d, "ctl", (long)c->uid, id);
}

static void
dispatch(struct xfed_daemon *d, struct client *c, int id,
    struct xfed_ctl_request *req)
{
	struct xfed_job *job;
	char *errors = NULL;
	json_t *st;
	char *text;
	int rc;

	switch (req->command) {
	case XFED_CTL_SYNC:
	case XFED_CTL_PLAN:
		if (count_waiting() >= MAX_WAITING) {
			client_error(c, "busy: too many requests already wait "
			    "for a sync; try again later");
			return;
		}
		if ((errors = refused(d, c, req)) != NULL) {
			client_error(c, errors);
			free(errors);
			return;
		}
		job = xcalloc(1, sizeof(*job));
		job->kind = req->command == XFED_CTL_SYNC ? XFED_JOB_SYNC :
		    XFED_JOB_PLAN;
		job->trigger = "ctl";
		job->domains = req->args;
		job->n_domains = req->n_args;
		req->args = NULL;
		req->n_args = 0;
		job->force = req->force;
		job->config = req->config;
		req->config = NULL;
		job->uid = (long)c->uid;
		job->client = id;
		job->on_demand = true;
		c->state = CLIENT_WAITING;
		c->deadline = xfed_now_ms() + WAIT_MS;
		log_info("control: %s requested by uid %u%s%s",
		    xfed_ctl_command_name(req->command), (unsigned)c->uid,
		    job->force ? " (force)" : "", job->config != NULL ?
		    " of a candidate configuration" : "");
		if (xfed_daemon_queue(d, job) != 0)
			client_error(c, "busy: too many syncs queued; try "
			    "again later");
		return;
	case XFED_CTL_STATUS:
		pthread_mutex_lock(&d->lock);
		st = xfed_status_json(d);
		pthread_mutex_unlock(&d->lock);
		text = xfed_status_text(st);
		client_answer(c, xfed_ctl_format_response(true,
		    (int)json_integer_value(json_object_get(st, "exit")), text,
		    NULL, st));
		free(text);
		return;
	case XFED_CTL_RELOAD:
		reload(d, c, id);
		return;
	case XFED_CTL_REOPEN:
		log_info("control: reopen requested by uid %u",
		    (unsigned)c->uid);
		rc = xfed_daemon_reopen(d, "ctl", (long)c->uid);
		client_answer(c, xfed_ctl_format_response(rc == 0, rc == 0 ?
		    0 : 1, rc == 0 ? "audit log reopened\n" : NULL, rc == 0 ?
		    NULL : "cannot reopen the audit log (see the daemon's log)",
		    NULL));
		return;
	}
}

static void
handle_request(struct xfed_daemon *d, struct client *c, int id, size_t len)
{
	struct xfed_ctl_request req;
	char err[256];

	if (xfed_ctl_parse_request(c->in, len, &req, err, sizeof(err)) != 0) {
		client_error(c, err);
		return;
	}
	dispatch(d, c, id, &req);
	xfed_ctl_request_clear(&req);
}

static void
client_read(struct xfed_daemon *d, struct client *c, int id)
{
	char *nl;
	ssize_t n;

	n = read(c->fd, c->in + c->inlen, XFED_CONTROL_MAX_REQUEST + 1 -
	    c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->inlen > 0 && n == 0)
			client_error(c, "truncated request (no newline)");
		else
			client_close(c);
		return;
	}
	c->inlen += (size_t)n;
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		handle_request(d, c, id, (size_t)(nl - c->in));
		return;
	}
	if (c->inlen > XFED_CONTROL_MAX_REQUEST)
		client_error(c, "request larger than 65536 octets");
}

static void
client_write(struct client *c)
{
	ssize_t n;

	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
	    MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		client_close(c);
}

void
xfed_control_handle(struct xfed_daemon *d, int id, short revents)
{
	struct client *c = by_id(id);

	if (c == NULL)
		return;
	if (c->state == CLIENT_READING && (revents & (POLLIN | POLLHUP)))
		client_read(d, c, id);
	else if (c->state == CLIENT_WRITING && (revents & POLLOUT))
		client_write(c);
	else if (revents & (POLLHUP | POLLERR)) {
		/* Gone while waiting: a job nobody else needs is dropped. */
		if (c->state == CLIENT_WAITING)
			xfed_daemon_client_gone(d, id);
		client_close(c);
	}
}

void
xfed_control_reply(int id, char *line)
{
	struct client *c = by_id(id);

	if (c == NULL || c->state != CLIENT_WAITING) {
		free(line);
		return;
	}
	client_answer(c, line);
}

uint64_t
xfed_control_next_deadline(void)
{
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++) {
		if (clients[i].state == CLIENT_FREE)
			continue;
		if (next == 0 || clients[i].deadline < next)
			next = clients[i].deadline;
	}
	return next;
}

void
xfed_control_expire(struct xfed_daemon *d, uint64_t now)
{
	size_t i;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++) {
		struct client *c = &clients[i];

		if (c->state == CLIENT_FREE || c->deadline > now)
			continue;
		if (c->state == CLIENT_WAITING) {
			xfed_daemon_client_gone(d, ID(i));
			client_answer(c, xfed_ctl_format_response(false, 2,
			    NULL, "no result within 15 minutes; see xfedctl "
			    "status for the sync's outcome", NULL));
			continue;
		}
		if (c->state == CLIENT_READING && c->inlen > 0) {
			client_error(c, "request not completed in time");
			c->deadline = now + 1000;	/* a last chance to read it */
			c->state = CLIENT_WRITING;
			continue;
		}
		client_close(c);
	}
}

void
xfed_control_close_all(void)
{
	size_t i;

	for (i = 0; i < XFED_CONTROL_MAX_CLIENTS; i++)
		if (clients[i].state != CLIENT_FREE)
			client_close(&clients[i]);
}
