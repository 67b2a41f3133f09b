/* Sockets with deadlines: see net.h. */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "net.h"
#include "util.h"

int
xfed_sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return XFED_EINVAL;
}

void
xfed_sockaddr_label(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	} else {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	}
	snprintf(buf, size, "%s#%u", ip, port);
}

static _Thread_local int cancel_fd = -1;
static _Atomic uint64_t stop_deadline;

/*
 * Readable once a stop deadline is set, so that a wait already under way
 * (an UPDATE in flight does not watch the cancel descriptor) learns of it
 * at once instead of at its own, possibly much later, deadline.
 */
static int stop_fd = -1;
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void
stop_fd_init(void)
{
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

void
xfed_net_stop_by(uint64_t deadline)
{
	uint64_t one = 1;

	atomic_store(&stop_deadline, deadline);
	pthread_once(&stop_once, stop_fd_init);
	if (stop_fd != -1 && write(stop_fd, &one, sizeof(one)) == -1)
		return;		/* already signalled: the counter is full */
}

uint64_t
xfed_net_stop_deadline(void)
{
	return atomic_load(&stop_deadline);
}

void
xfed_net_set_cancel_fd(int fd)
{
	cancel_fd = fd;
}

int
xfed_net_cancel_fd(void)
{
	return cancel_fd;
}

int
xfed_net_cancelled(void)
{
	struct pollfd pfd = { .fd = cancel_fd, .events = POLLIN };

	if (cancel_fd < 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 ? XFED_ECANCELED : 0;
}

int
xfed_net_pause(unsigned ms)
{
	struct pollfd pfd = { .fd = cancel_fd, .events = POLLIN };
	uint64_t deadline = xfed_now_ms() + ms, now;
	int n;

	while ((now = xfed_now_ms()) < deadline) {
		n = poll(&pfd, cancel_fd >= 0 ? 1 : 0, (int)(deadline - now));
		if (n > 0)
			return XFED_ECANCELED;
		if (n == -1 && errno != EINTR)
			break;
	}
	return 0;
}

/* Wait until fd is ready for events, the deadline passes, or cancel. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd[3] = { { .fd = fd, .events = events } };
	nfds_t nfds = 1, at_cancel = 0, at_stop = 0;
	uint64_t now, stop = atomic_load(&stop_deadline);
	int n;

	pthread_once(&stop_once, stop_fd_init);
	if (cancel_fd >= 0) {
		pfd[nfds] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
		at_cancel = nfds++;
	}
	/*
	 * Watch for a stop (or an earlier one) set while waiting; once seen,
	 * the descriptor stays readable: drop it (it is last) and wait on.
	 */
	if (stop_fd >= 0) {
		pfd[nfds] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		at_stop = nfds++;
	}
	for (;;) {
		if (stop != 0 && stop < deadline)
			deadline = stop;
		now = xfed_now_ms();
		if (now >= deadline)
			return XFED_ETIMEOUT;
		n = poll(pfd, nfds, (int)(deadline - now));
		if (n > 0 && at_cancel != 0 && pfd[at_cancel].revents != 0)
			return XFED_ECANCELED;
		if (n > 0 && at_stop != 0 && pfd[at_stop].revents != 0) {
			stop = atomic_load(&stop_deadline);
			nfds--;
			at_stop = 0;
			continue;
		}
		if (n > 0)
			return 0;
		if (n == 0)
			return XFED_ETIMEOUT;
		if (errno != EINTR)
			return XFED_ENETWORK;
	}
}

/*
 * A refused connection (a TCP reset, or the ICMP port unreachable a
 * connected UDP socket reports) is told apart from other network errors:
 * nobody listens there, and asking again will not change that.
 */
static int
socket_error(int err)
{
	return err == ECONNREFUSED ? XFED_EREFUSED : XFED_ENETWORK;
}

static int
new_socket(int family, int type)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int
xfed_tcp_connect(const struct sockaddr_storage *ss, socklen_t len,
    uint64_t deadline, int *fd)
{
	socklen_t errlen = sizeof(int);
	int s, err = 0, rc;

	if ((s = new_socket(ss->ss_family, SOCK_STREAM)) == -1)
		return XFED_ENETWORK;
	if (connect(s, (const struct sockaddr *)ss, len) == 0)
		goto done;
	if (errno != EINPROGRESS) {
		rc = socket_error(errno);
		close(s);
		return rc;
	}
	if ((rc = wait_fd(s, POLLOUT, deadline)) != 0) {
		close(s);
		return rc;
	}
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 ||
	    err != 0) {
		close(s);
		return socket_error(err);
	}
done:
	*fd = s;
	return 0;
}

static int
send_all(int fd, const uint8_t *p, size_t len, uint64_t deadline)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		/* MSG_NOSIGNAL: a peer that hung up must not kill the daemon. */
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return XFED_ENETWORK;
		if ((rc = wait_fd(fd, POLLOUT, deadline)) != 0)
			return rc;
	}
	return 0;
}

static int
recv_all(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = recv(fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return XFED_ENETWORK;	/* closed before a full message */
		if (errno != EAGAIN && errno != EINTR)
			return XFED_ENETWORK;
		if ((rc = wait_fd(fd, POLLIN, deadline)) != 0)
			return rc;
	}
	return 0;
}

int
xfed_tcp_send_msg(int fd, const uint8_t *msg, size_t len, uint64_t deadline)
{
	uint8_t prefix[2];
	int rc;

	if (len > 65535)
		return XFED_ETOOBIG;
	prefix[0] = (uint8_t)(len >> 8);
	prefix[1] = (uint8_t)len;
	if ((rc = send_all(fd, prefix, 2, deadline)) != 0)
		return rc;
	return send_all(fd, msg, len, deadline);
}

int
xfed_tcp_recv_msg(int fd, uint8_t **msg, size_t *len, uint64_t deadline)
{
	uint8_t prefix[2];
	size_t n;
	uint8_t *buf;
	int rc;

	if ((rc = recv_all(fd, prefix, 2, deadline)) != 0)
		return rc;
	n = (size_t)prefix[0] << 8 | prefix[1];
	if (n < 12)
		return XFED_EMALFORMED;
	buf = xmalloc(n);
	if ((rc = recv_all(fd, buf, n, deadline)) != 0) {
		free(buf);
		return rc;
	}
	*msg = buf;
	*len = n;
	return 0;
}

int
xfed_udp_open(const struct sockaddr_storage *ss, socklen_t len, int *fd)
{
	int s;

	if ((s = new_socket(ss->ss_family, SOCK_DGRAM)) == -1)
		return XFED_ENETWORK;
	/* Connected: the kernel drops datagrams from any other source. */
	if (connect(s, (const struct sockaddr *)ss, len) == -1) {
		close(s);
		return XFED_ENETWORK;
	}
	*fd = s;
	return 0;
}

int
xfed_udp_send_msg(int fd, const uint8_t *msg, size_t len)
{
	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return socket_error(errno);
	return 0;
}

int
xfed_udp_recv_msg(int fd, uint8_t *buf, size_t size, size_t *len,
    uint64_t deadline)
{
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(fd, buf, size, 0);
		if (n >= 0) {
			*len = (size_t)n;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR)
			return socket_error(errno);
		if ((rc = wait_fd(fd, POLLIN, deadline)) != 0)
			return rc;
	}
}
