/* power_schedule.h - when the kiosk's display is on: a weekly schedule plus alerts.
 *
 * Pure logic (no I/O, no clock reads): the caller passes the local weekday and
 * minute, so tests need no clock.  firmware/device/display_power.c applies the
 * decision to the screen over HDMI-CEC.
 *
 * Schedule text (config key display_schedule), windows separated by ';':
 *     "mon-fri 07:00-22:00; sat,sun 09:00-18:30; fri 22:00-02:00"
 *   - each window is DAYS HOURS in the one day/hour grammar of config/weekly.h
 *     ("weekdays 7-12,13-18" is two windows);
 *   - times are local; an end at or before the start runs past midnight into
 *     the next day (fri 22:00-02:00 ends Saturday 02:00);
 *   - "always" (or an empty string, "*", "all") keeps the display on; "never"
 *     keeps it off except during alerts.
 * An active alert always turns the display on, whatever the schedule says. */
#ifndef CRIER_POWER_SCHEDULE_H
#define CRIER_POWER_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"

#define CRIER_POWER_MAX_WINDOWS 32
#define CRIER_POWER_MAX_TEXT 2048

/* One window: on from start_min on each day in days, for len_min minutes. */
typedef struct crier_power_window {
    uint8_t days;      /* bit 0 = Monday ... bit 6 = Sunday */
    uint16_t start_min; /* 0..1439, minutes after local midnight */
    uint16_t len_min;   /* 1..1440 */
} crier_power_window;

typedef struct crier_power_schedule {
    int always_on;  /* no windows given ("always" or empty) */
    size_t count;   /* windows used; 0 with always_on == 0 means "never" */
    crier_power_window windows[CRIER_POWER_MAX_WINDOWS];
} crier_power_schedule;

typedef enum crier_power_reason {
    CRIER_POWER_ALWAYS = 0, /* on: schedule says always */
    CRIER_POWER_WINDOW,     /* on: inside a window */
    CRIER_POWER_ALERT,      /* on: an alert is active (overrides the schedule) */
    CRIER_POWER_OFF_HOURS   /* off: outside every window */
} crier_power_reason;

typedef struct crier_power_decision {
    int on;                    /* 1: display on, 0: standby */
    crier_power_reason reason;
    /* Minutes until the schedule alone would change its answer (-1: never).
     * Lets the caller sleep until the next deadline instead of polling. */
    int32_t next_change_min;
} crier_power_decision;

/* Parse the schedule text (buf, len; need not be NUL-terminated) into *out.
 * Errors: CRIER_ERR_PARSE (message logs the window number), CRIER_ERR_LIMIT
 * (longer than CRIER_POWER_MAX_TEXT or more than CRIER_POWER_MAX_WINDOWS),
 * CRIER_ERR_INVAL (NULL arguments).  *out is untouched on error. */
crier_err crier_power_schedule_parse(const char *buf, size_t len, crier_power_schedule *out);

/* The schedule's answer for local weekday wday (0 = Monday ... 6 = Sunday)
 * and minute (0..1439).  Returns 1 when a window covers that minute. */
int crier_power_schedule_covers(const crier_power_schedule *s, int wday, int minute);

/* Decide on/off.  alert_active != 0 forces the display on. */
crier_power_decision crier_power_decide(const crier_power_schedule *s, int wday, int minute,
                                        int alert_active);

/* The same for a struct tm (local time: tm_wday with 0 = Sunday, tm_hour, tm_min). */
crier_power_decision crier_power_decide_tm(const crier_power_schedule *s, const struct tm *local,
                                           int alert_active);

const char *crier_power_reason_name(crier_power_reason reason);

#endif
