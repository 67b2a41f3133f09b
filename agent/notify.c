/* systemd notifications: see notify.h. */
#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

void
xfed_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
xfed_notify_reloading(void)
{
	struct timespec ts;

	/* systemd 253 wants MONOTONIC_USEC with RELOADING=1; older ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

void
xfed_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void
xfed_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
xfed_notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

uint64_t
xfed_notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
