/* display_power.h - switch the kiosk's screen on and off (HDMI-CEC).
 *
 * A small backend table (mpv's video_out_drivers[] idea):
 *   - "cec":  the Linux CEC API on /dev/cec0 (Raspberry Pi 4/5 vc4-hdmi):
 *             <Image View On> + <Active Source> to wake, <Standby> to the TV.
 *   - "null": no hardware; remembers the state and counts commands, so the
 *             schedule logic and its callers are tested on any host.
 *   - "auto": "cec" when the device opens, otherwise "null" with a warning.
 * The decision itself is pure: device/power_schedule.h.
 *
 * Ownership and threads: crier_display_power_new() returns an object the
 * caller owns and frees with crier_display_power_free() (NULL is fine).  It is
 * not thread-safe; one thread (the main loop) owns it.  CEC transmissions
 * block for up to a second or so while the TV acknowledges. */
#ifndef CRIER_DISPLAY_POWER_H
#define CRIER_DISPLAY_POWER_H

#include <stdint.h>

#include "base/error.h"
#include "config/config.h"
#include "device/power_schedule.h"

#define CRIER_CEC_DEFAULT_DEVICE "/dev/cec0"

typedef struct crier_display_power_ops {
    const char *name;
    /* device: backend-specific path, NULL for the default.  *ctx is the
     * backend's state, passed back to set/close. */
    crier_err (*open)(void **ctx, const char *device);
    crier_err (*set)(void *ctx, int on);
    void (*close)(void *ctx);
} crier_display_power_ops;

extern const crier_display_power_ops crier_display_power_cec_ops;
extern const crier_display_power_ops crier_display_power_null_ops;

typedef struct crier_display_power crier_display_power;

/* backend: the display_power setting; device: NULL for /dev/cec0.
 * Errors: CRIER_ERR_INVAL (unknown backend), CRIER_ERR_NOTFOUND (no CEC
 * device), CRIER_ERR_UNSUPPORTED (device cannot transmit), CRIER_ERR_IO,
 * CRIER_ERR_NOMEM.  *out is set only on success. */
crier_err crier_display_power_new(crier_power_backend backend, const char *device, crier_display_power **out);
void crier_display_power_free(crier_display_power *dp);

/* Switch on (1) or to standby (0).  Sends a command only when the state
 * changes (or is still unknown); after a failed command the state is unknown,
 * so the next call retries. */
crier_err crier_display_power_set(crier_display_power *dp, int on);

/* 1 on, 0 standby, -1 unknown (nothing sent yet, or the last send failed). */
int crier_display_power_state(const crier_display_power *dp);
/* Name of the backend in use ("cec" or "null"). */
const char *crier_display_power_backend(const crier_display_power *dp);
/* Commands handed to the backend so far (successful or not). */
unsigned crier_display_power_commands(const crier_display_power *dp);

/* Decide from the schedule for wall_ms (epoch ms, converted to local time)
 * and alert_active, then apply it.  decision may be NULL. */
crier_err crier_display_power_apply(crier_display_power *dp, const crier_power_schedule *s,
                                    int64_t wall_ms, int alert_active, crier_power_decision *decision);

#endif
