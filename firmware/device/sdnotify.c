/* sdnotify.c - sd_notify(3) READY / WATCHDOG / STOPPING / STATUS.
 *
 * Design: stateless; each call checks NOTIFY_SOCKET and sends one datagram
 * through libsystemd.  A failed send is logged at most once per kind of
 * message, since the render loop pings many times a minute. */
#include "device/sdnotify.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "base/log.h"

#define STATUS_MAX 200

static atomic_int warned_ready, warned_watchdog, warned_stopping, warned_status;

static crier_err notify(const char *msg, atomic_int *warned)
{
    const char *sock = getenv("NOTIFY_SOCKET");
    int r;
    if (!sock || !*sock)
        return CRIER_OK;
    r = sd_notify(0, msg);
    if (r > 0)
        return CRIER_OK;
    if (!atomic_exchange(warned, 1))
        LOG_WARN("sdnotify", "sd_notify to %s failed: %s", sock, r < 0 ? strerror(-r) : "no socket");
    return CRIER_ERR_IO;
}

/* Copy status into buf, cut at STATUS_MAX bytes and at the first newline
 * (a newline would start a new assignment in the datagram). */
static void clean_status(char *buf, size_t len, const char *status)
{
    size_t n = 0;
    for (; status && status[n] && status[n] != '\n' && n < STATUS_MAX && n + 1 < len; n++)
        buf[n] = status[n];
    buf[n] = '\0';
}

crier_err crier_sdnotify_ready(const char *status)
{
    char st[STATUS_MAX + 1], msg[STATUS_MAX + 32];
    clean_status(st, sizeof st, status ? status : "running");
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", st);
    return notify(msg, &warned_ready);
}

crier_err crier_sdnotify_watchdog(void)
{
    return notify("WATCHDOG=1", &warned_watchdog);
}

crier_err crier_sdnotify_stopping(void)
{
    return notify("STOPPING=1", &warned_stopping);
}

crier_err crier_sdnotify_status(const char *status)
{
    char st[STATUS_MAX + 1], msg[STATUS_MAX + 16];
    if (!status)
        return CRIER_ERR_INVAL;
    clean_status(st, sizeof st, status);
    snprintf(msg, sizeof msg, "STATUS=%s", st);
    return notify(msg, &warned_status);
}

int64_t crier_sdnotify_watchdog_interval_ms(void)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return 0;
    return (int64_t)(usec / 2000);
}
