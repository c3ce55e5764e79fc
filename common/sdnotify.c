/*
 * sdnotify.c - systemd notify protocol through libsystemd when present.
 */
#include <stddef.h>

#include "sdnotify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

void sdnotify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "ready");
}

void sdnotify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void sdnotify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void sdnotify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

uint64_t sdnotify_watchdog_usec(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

void sdnotify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

#else

void sdnotify_ready(const char *status)
{
	(void)status;
}

void sdnotify_reloading(void)
{
}

void sdnotify_stopping(void)
{
}

void sdnotify_status(const char *status)
{
	(void)status;
}

uint64_t sdnotify_watchdog_usec(void)
{
	return 0;
}

void sdnotify_watchdog(void)
{
}

#endif
