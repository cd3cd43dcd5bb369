/* power_schedule.c - parse a weekly display schedule and decide on/off.
 *
 * Design: a schedule is a small fixed array of windows (days bitmask, start
 * minute, length), so parsing allocates nothing and a decision is a pure
 * function of (schedule, weekday, minute, alert).  Time is measured in "week
 * minutes" (Monday 00:00 = 0 ... 10079); a window that crosses midnight simply
 * has start + length > 1440 and spills into the next day.  The next change is
 * found by testing only window edges, since the answer is constant between
 * them. */
#include "device/power_schedule.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "config/weekly.h"

#define DAY_MIN 1440
#define WEEK_MIN (7 * DAY_MIN)

static int word_is(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* One window "DAYS HOURS" (config/weekly.h) into s->windows: one per hour range. */
static crier_err parse_window(const char *w, size_t len, int n, crier_power_schedule *s)
{
    size_t pos = 0, count;
    uint8_t days;
    crier_time_range r[CRIER_POWER_MAX_WINDOWS];
    if (crier_weekly_days(w, len, &pos, &days) != CRIER_OK) {
        LOG_WARN("power", "schedule window %d: expected days (mon..sun, mon-fri, weekdays, daily)", n);
        return CRIER_ERR_PARSE;
    }
    crier_err rc = crier_weekly_hours(w, len, &pos, r, CRIER_POWER_MAX_WINDOWS - s->count, &count);
    if (rc == CRIER_ERR_LIMIT) {
        LOG_WARN("power", "schedule has more than %d windows", CRIER_POWER_MAX_WINDOWS);
        return CRIER_ERR_LIMIT;
    }
    if (rc != CRIER_OK) {
        LOG_WARN("power", "schedule window %d: expected times like 07:00-22:00", n);
        return CRIER_ERR_PARSE;
    }
    if (pos != len) {
        LOG_WARN("power", "schedule window %d: unexpected text after the times", n);
        return CRIER_ERR_PARSE;
    }
    for (size_t i = 0; i < count; i++)
        s->windows[s->count++] = (crier_power_window){days, r[i].start_min, r[i].len_min};
    return CRIER_OK;
}

crier_err crier_power_schedule_parse(const char *buf, size_t len, crier_power_schedule *out)
{
    crier_power_schedule s;
    if (!out || (!buf && len))
        return CRIER_ERR_INVAL;
    if (len > CRIER_POWER_MAX_TEXT) {
        LOG_WARN("power", "schedule longer than %d bytes", CRIER_POWER_MAX_TEXT);
        return CRIER_ERR_LIMIT;
    }
    memset(&s, 0, sizeof s);

    /* Whole-text keywords. */
    const char *b = buf, *e = buf + len;
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (crier_weekly_is_all(b, (size_t)(e - b))) {
        s.always_on = 1;
        *out = s;
        return CRIER_OK;
    }
    if (word_is(b, (size_t)(e - b), "never")) {
        *out = s;
        return CRIER_OK;
    }

    const char *p = b;
    for (int n = 1;; n++) {
        const char *semi = memchr(p, ';', (size_t)(e - p));
        const char *we = semi ? semi : e;
        while (p < we && isspace((unsigned char)*p))
            p++;
        if (p < we) { /* tolerate "a; ; b" and a trailing ';' */
            if (s.count == CRIER_POWER_MAX_WINDOWS) {
                LOG_WARN("power", "schedule has more than %d windows", CRIER_POWER_MAX_WINDOWS);
                return CRIER_ERR_LIMIT;
            }
            crier_err rc = parse_window(p, (size_t)(we - p), n, &s);
            if (rc != CRIER_OK)
                return rc;
        }
        if (!semi)
            break;
        p = semi + 1;
    }
    *out = s;
    return CRIER_OK;
}

static int covers_week_minute(const crier_power_schedule *s, int wm)
{
    if (s->always_on)
        return 1;
    for (size_t i = 0; i < s->count; i++) {
        const crier_power_window *w = &s->windows[i];
        for (int d = 0; d < 7; d++) {
            if (!(w->days & (1u << d)))
                continue;
            int off = ((wm - (d * DAY_MIN + w->start_min)) % WEEK_MIN + WEEK_MIN) % WEEK_MIN;
            if (off < w->len_min)
                return 1;
        }
    }
    return 0;
}

int crier_power_schedule_covers(const crier_power_schedule *s, int wday, int minute)
{
    if (!s || wday < 0 || wday > 6 || minute < 0 || minute >= DAY_MIN)
        return 0;
    return covers_week_minute(s, wday * DAY_MIN + minute);
}

/* Smallest k in 1..WEEK_MIN at a window edge where the answer differs from now. */
static int32_t next_change(const crier_power_schedule *s, int wm)
{
    int now = covers_week_minute(s, wm);
    int32_t best = -1;
    if (s->always_on)
        return -1;
    for (size_t i = 0; i < s->count; i++) {
        const crier_power_window *w = &s->windows[i];
        for (int d = 0; d < 7; d++) {
            if (!(w->days & (1u << d)))
                continue;
            int edges[2] = {d * DAY_MIN + w->start_min, d * DAY_MIN + w->start_min + w->len_min};
            for (int j = 0; j < 2; j++) {
                int k = ((edges[j] - wm) % WEEK_MIN + WEEK_MIN) % WEEK_MIN;
                if (k == 0)
                    k = WEEK_MIN;
                if ((best < 0 || k < best) && covers_week_minute(s, (wm + k) % WEEK_MIN) != now)
                    best = k;
            }
        }
    }
    return best;
}

crier_power_decision crier_power_decide(const crier_power_schedule *s, int wday, int minute,
                                        int alert_active)
{
    crier_power_decision d = {1, CRIER_POWER_ALWAYS, -1};
    if (!s || wday < 0 || wday > 6 || minute < 0 || minute >= DAY_MIN) {
        /* Unknown time or no schedule: keep the screen on, it is a kiosk. */
        d.reason = alert_active ? CRIER_POWER_ALERT : CRIER_POWER_ALWAYS;
        return d;
    }
    int wm = wday * DAY_MIN + minute;
    int in = covers_week_minute(s, wm);
    d.next_change_min = next_change(s, wm);
    if (alert_active)
        d.reason = CRIER_POWER_ALERT;
    else if (s->always_on)
        d.reason = CRIER_POWER_ALWAYS;
    else if (in)
        d.reason = CRIER_POWER_WINDOW;
    else {
        d.on = 0;
        d.reason = CRIER_POWER_OFF_HOURS;
    }
    return d;
}

crier_power_decision crier_power_decide_tm(const crier_power_schedule *s, const struct tm *local,
                                           int alert_active)
{
    if (!local)
        return crier_power_decide(s, -1, -1, alert_active);
    /* struct tm counts Sunday as 0; the schedule counts Monday as 0. */
    return crier_power_decide(s, (local->tm_wday + 6) % 7, local->tm_hour * 60 + local->tm_min,
                              alert_active);
}

const char *crier_power_reason_name(crier_power_reason reason)
{
    switch (reason) {
    case CRIER_POWER_ALWAYS: return "always";
    case CRIER_POWER_WINDOW: return "schedule";
    case CRIER_POWER_ALERT: return "alert";
    case CRIER_POWER_OFF_HOURS: return "off-hours";
    }
    return "unknown";
}
