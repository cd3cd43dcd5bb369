/* sdnotify.h - tell systemd how Crier is doing (Type=notify, WatchdogSec).
 *
 * Thin wrappers over libsystemd's sd_notify().  When NOTIFY_SOCKET is unset
 * (run by hand, in tests, under another supervisor) every call is a no-op
 * returning CRIER_OK.  Thread-safe (each call is one datagram); call
 * crier_sdnotify_watchdog() from the render loop so a hung renderer stops the
 * pings and systemd restarts the service. */
#ifndef CRIER_SDNOTIFY_H
#define CRIER_SDNOTIFY_H

#include <stdint.h>

#include "base/error.h"

/* READY=1 (with a STATUS= line): the first frame is on screen. */
crier_err crier_sdnotify_ready(const char *status);
/* WATCHDOG=1 */
crier_err crier_sdnotify_watchdog(void);
/* STOPPING=1: clean shutdown has begun. */
crier_err crier_sdnotify_stopping(void);
/* STATUS=...: free text shown by systemctl status (truncated to 200 bytes). */
crier_err crier_sdnotify_status(const char *status);

/* How often to ping: half of WatchdogSec in ms, or 0 when systemd runs no
 * watchdog for this process. */
int64_t crier_sdnotify_watchdog_interval_ms(void);

#endif
