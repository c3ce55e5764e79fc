/*
 * sdnotify.h - the daemons' side of the systemd notify protocol.
 *
 * Compiles to no-ops without libsystemd (HAVE_LIBSYSTEMD undefined) and
 * does nothing when the process was not started by systemd.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

#include <stdint.h>

/* sdnotify_ready - tell systemd the daemon is up (READY=1 and a status). */
void sdnotify_ready(const char *status);

/* sdnotify_reloading - tell systemd a reload started (RELOADING=1). */
void sdnotify_reloading(void);

/* sdnotify_stopping - tell systemd the daemon is stopping (STOPPING=1). */
void sdnotify_stopping(void);

/* sdnotify_status - set the free-form STATUS= text. */
void sdnotify_status(const char *status);

/*
 * sdnotify_watchdog_usec - the interval at which the watchdog must be fed,
 * or 0 when the unit has no watchdog.
 */
uint64_t sdnotify_watchdog_usec(void);

/* sdnotify_watchdog - feed the watchdog (WATCHDOG=1). */
void sdnotify_watchdog(void);

#endif /* SDNOTIFY_H */
