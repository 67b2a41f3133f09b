/*
 * systemd in one place: sd_notify(3) messages (READY, RELOADING, STOPPING,
 * STATUS, WATCHDOG).  Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef XFED_NOTIFY_H
#define XFED_NOTIFY_H

#include <stdint.h>

void	 xfed_notify_ready(const char *status);
void	 xfed_notify_reloading(void);
void	 xfed_notify_stopping(void);
void	 xfed_notify_status(const char *status);
void	 xfed_notify_watchdog(void);
/* The watchdog interval asked for by the unit, in microseconds, or 0. */
uint64_t xfed_notify_watchdog_usec(void);

#endif
