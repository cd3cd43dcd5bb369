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

#define DAY_MIN 1440
#define WEEK_MIN (7 * DAY_MIN)

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static int parse_day(cursor *c)
{
    for (int d = 0; d < 7; d++) {
        if (c->end - c->p >= 3 && strncasecmp(c->p, day_names[d], 3) == 0) {
            c->p += 3;
            return d;
        }
    }
    return -1;
}

/* days := item (',' item)* ; item := "daily" | day | day '-' day */
static int parse_days(cursor *c, uint8_t *days)
{
    *days = 0;
    for (;;) {
        skip_space(c);
        if (c->end - c->p >= 5 && strncasecmp(c->p, "daily", 5) == 0) {
            c->p += 5;
            *days = 0x7f;
        } else {
            int a = parse_day(c), b;
            if (a < 0)
                return -1;
            b = a;
            if (c->p < c->end && *c->p == '-') {
                c->p++;
                if ((b = parse_day(c)) < 0)
                    return -1;
            }
            for (int d = a;; d = (d + 1) % 7) { /* ranges may wrap: sat-mon */
                *days |= (uint8_t)(1u << d);
                if (d == b)
                    break;
            }
        }
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        return 0;
    }
}

/* HH:MM, 00:00..23:59, or 24:00 when allow_24 */
static int parse_hhmm(cursor *c, int allow_24)
{
    int v[4];
    if (c->end - c->p < 5 || c->p[2] != ':')
        return -1;
    for (int i = 0, j = 0; i < 5; i++) {
        if (i == 2)
            continue;
        if (!isdigit((unsigned char)c->p[i]))
            return -1;
        v[j++] = c->p[i] - '0';
    }
    int h = v[0] * 10 + v[1], m = v[2] * 10 + v[3];
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    c->p += 5;
    return h * 60 + m;
}

static int word_is(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
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
    if (b == e || word_is(b, (size_t)(e - b), "always")) {
        s.always_on = 1;
        *out = s;
        return CRIER_OK;
    }
    if (word_is(b, (size_t)(e - b), "never")) {
        *out = s;
        return CRIER_OK;
    }

    cursor c = {b, e};
    for (int n = 1;; n++) {
        const char *semi = memchr(c.p, ';', (size_t)(c.end - c.p));
        cursor w = {c.p, semi ? semi : c.end};
        skip_space(&w);
        if (w.p == w.end) { /* tolerate "a; ; b" and a trailing ';' */
            if (!semi)
                break;
            c.p = semi + 1;
            continue;
        }
        if (s.count == CRIER_POWER_MAX_WINDOWS) {
            LOG_WARN("power", "schedule has more than %d windows", CRIER_POWER_MAX_WINDOWS);
            return CRIER_ERR_LIMIT;
        }
        crier_power_window *win = &s.windows[s.count];
        int start, stop;
        if (parse_days(&w, &win->days) != 0) {
            LOG_WARN("power", "schedule window %d: expected days (mon..sun, mon-fri, daily)", n);
            return CRIER_ERR_PARSE;
        }
        skip_space(&w);
        if ((start = parse_hhmm(&w, 0)) < 0 || w.p >= w.end || *w.p++ != '-' ||
            (stop = parse_hhmm(&w, 1)) < 0) {
            LOG_WARN("power", "schedule window %d: expected HH:MM-HH:MM", n);
            return CRIER_ERR_PARSE;
        }
        skip_space(&w);
        if (w.p != w.end) {
            LOG_WARN("power", "schedule window %d: unexpected text after the times", n);
            return CRIER_ERR_PARSE;
        }
        win->start_min = (uint16_t)start;
        win->len_min = (uint16_t)(stop > start ? stop - start : DAY_MIN - start + stop);
        s.count++;
        if (!semi)
            break;
        c.p = semi + 1;
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
