/*
 * Sockets with deadlines.  ldns' socket helpers block without an overall
 * deadline and write without MSG_NOSIGNAL, so xfed keeps its own small
 * layer: every call takes an absolute deadline on the monotonic clock
 * (milliseconds, see xfed_now_ms) and gives up with XFED_ETIMEOUT.
 */
#ifndef XFED_NET_H
#define XFED_NET_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Cancellation, per thread: while a cancel descriptor is set and becomes
 * readable, every wait gives up with XFED_ECANCELED.  Reads set it so a
 * stopping agent does not hang on a silent server; an update in flight
 * clears it, so that it finishes (or times out) and is logged.
 */
void	xfed_net_set_cancel_fd(int fd);		/* -1: none */
int	xfed_net_cancel_fd(void);
/* XFED_ECANCELED once cancelled, else 0; for loops that never wait. */
int	xfed_net_cancelled(void);

/*
 * Stopping, for every thread: once the agent is told to stop, no wait
 * lasts beyond this deadline (monotonic ms), not even that of an update
 * in flight, and no exchange is tried again (dns.c).  XFED_STOP_GRACE_MS
 * stays below the systemd unit's TimeoutStopSec=60, so the update's outcome
 * is logged before systemd would kill the agent.  Waits already under way
 * learn of it at once.  Set once: a process stops only once.
 */
#define XFED_STOP_GRACE_MS	45000
void	xfed_net_stop_by(uint64_t deadline);
uint64_t xfed_net_stop_deadline(void);		/* 0: not stopping */

/* Wait ms milliseconds; XFED_ECANCELED if cancelled meanwhile, else 0. */
int	xfed_net_pause(unsigned ms);

/* Parse an IP literal and port into a socket address; 0 or XFED_EINVAL. */
int	xfed_sockaddr(const char *ip, uint16_t port,
	    struct sockaddr_storage *ss, socklen_t *len);

/* "192.0.2.1#53" or "2001:db8::1#53", as BIND writes a server. */
void	xfed_sockaddr_label(const struct sockaddr_storage *ss, char *buf,
	    size_t size);

/* TCP: connect, then send and receive length-prefixed DNS messages. */
int	xfed_tcp_connect(const struct sockaddr_storage *ss, socklen_t len,
	    uint64_t deadline, int *fd);
int	xfed_tcp_send_msg(int fd, const uint8_t *msg, size_t len,
	    uint64_t deadline);
/* Receives one message into a malloc'd buffer. */
int	xfed_tcp_recv_msg(int fd, uint8_t **msg, size_t *len,
	    uint64_t deadline);

/* UDP: a connected socket, so only the server's datagrams arrive. */
int	xfed_udp_open(const struct sockaddr_storage *ss, socklen_t len, int *fd);
int	xfed_udp_send_msg(int fd, const uint8_t *msg, size_t len);
int	xfed_udp_recv_msg(int fd, uint8_t *buf, size_t size, size_t *len,
	    uint64_t deadline);

#endif
