/* feed_ical.c - iCalendar (RFC 5545) events with libical.
 *
 * Design: the buffer is copied (libical wants a C string), parsed with
 * icalparser_parse_string(), and every VEVENT is turned into zero or more
 * CRIER_ITEM_EVENT items for the coming window [now, now + opts->window_ms):
 *   - times: DATE-TIME in UTC, with a TZID (the calendar's VTIMEZONE, else
 *     libical's built-in zone database, else the kiosk's local time), or
 *     floating (kiosk local time); DATE (all-day) events run from local
 *     midnight to local midnight (DTEND exclusive, one day when absent);
 *   - ends: DTEND, else DTSTART + DURATION, else all-day +1 day, else unknown
 *     (valid until the start);
 *   - STATUS:CANCELLED events and instances are dropped; events that have
 *     ended are dropped; events starting after the window are dropped;
 *   - RRULE is expanded with libical's iterator.  When the rule has no COUNT
 *     the iterator starts at the window (now - duration): daily and coarser
 *     rules through icalrecur_iterator_set_start (two days early), sub-daily
 *     ones by moving DTSTART (fast_forward), so an event repeating every second
 *     since 2000 costs a handful of steps, not years of them.  Work is bounded three ways: per event,
 *     opts->max_recur_steps iterator steps and opts->max_instances kept
 *     instances; per document, opts->max_recur_total units of work (COUNT
 *     rules cannot jump and walk from DTSTART: a thousand of them would
 *     otherwise cost a thousand times the per-rule cap).  A unit is one
 *     iterator step (~1 us); creating an iterator costs ITERATOR_COST (libical
 *     sets up an ICU calendar, ~0.1 ms); a step of a sub-daily rule filtered by
 *     a coarser BY part costs the walk libical does inside it, and a rule whose
 *     walk exceeds SUBDAILY_MAX_WALK (FREQ=SECONDLY;BYMONTH=1: tens of seconds
 *     in ONE next() call) is not expanded at all.  Sub-daily rules move
 *     DTSTART itself to the window by whole repeats of their pattern when it
 *     is provably the same (fast_forward), else walk from DTSTART.  When the document budget is used up, the
 *     recurring events after that point are skipped (counted, one warning) and
 *     everything kept so far is returned: a calendar with one runaway section
 *     still shows its other events;
 *     EXDATE removes instances;
 *     a VEVENT with RECURRENCE-ID replaces (or cancels) that one instance;
 *   - ids: UID for single events, UID "@" UTC start (e.g. "x@20261126T090000Z")
 *     for instances: stable across refreshes;
 *   - lines libical cannot parse become X-LIC-PARSEERROR properties: they are
 *     counted and logged; an event without a usable DTSTART is dropped.
 * At most max_items events are kept, the soonest first.
 * libical keeps a process-wide zone cache: call from one thread at a time. */
#include "feeds/feed.h"
#include "feeds/html_text.h"
#include "base/log.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_EXDATES 256
#define MAX_OVERRIDES 1024
#define DAY_MS (24LL * 3600 * 1000)

typedef struct override_key {
    char uid[128];
    int64_t start_ms; /* RECURRENCE-ID as epoch ms */
} override_key;

typedef struct ical_ctx {
    const crier_feed_opts *opts;
    icalcomponent *root;
    int64_t win_start, win_end;
    crier_item_list items;
    size_t hard_cap;       /* items collected before sorting */
    override_key *overrides;
    size_t n_overrides;
    size_t parse_errors, dropped_no_start, capped_rules, cancelled;
    unsigned recur_total;            /* opts->max_recur_total, or its default */
    unsigned long long recur_budget; /* work left for the whole document (see max_recur_total) */
    unsigned long long recur_steps;  /* iterator steps taken so far */
    size_t skipped_no_budget;        /* recurring events not expanded: budget used up */
    size_t impossible_rules;         /* rules that can never match, not expanded */
    crier_err rc;
} ical_ctx;

/* ---- time ------------------------------------------------------------------ */

static int64_t local_midnight_ms(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

/* A VTIMEZONE whose rules repeat more often than yearly (a fuzzed
 * "RRULE:FREQ=MINUTELY" in a DAYLIGHT block) makes libical expand every change
 * since DTSTART when it converts a time: minutes of CPU.  Real zones change
 * at most a few times a year, so such a VTIMEZONE is dropped (its TZID then
 * resolves to the built-in zone of that name, else kiosk-local time). */
#define TZ_MAX_PARTS 400
static void drop_unsafe_timezones(icalcomponent *cal, const char *source)
{
    icalcomponent *bad[64];
    size_t n_bad = 0;
    for (icalcomponent *tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); tz && n_bad < 64;
         tz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
        int unsafe = 0, parts = 0;
        for (icalcomponent *sub = icalcomponent_get_first_component(tz, ICAL_ANY_COMPONENT); sub && !unsafe;
             sub = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT)) {
            if (++parts > TZ_MAX_PARTS)
                unsafe = 1;
            for (icalproperty *p = icalcomponent_get_first_property(sub, ICAL_RRULE_PROPERTY); p && !unsafe;
                 p = icalcomponent_get_next_property(sub, ICAL_RRULE_PROPERTY)) {
                struct icalrecurrencetype r = icalproperty_get_rrule(p);
                if (r.freq != ICAL_YEARLY_RECURRENCE)
                    unsafe = 1;
            }
            for (icalproperty *p = icalcomponent_get_first_property(sub, ICAL_RDATE_PROPERTY); p && !unsafe;
                 p = icalcomponent_get_next_property(sub, ICAL_RDATE_PROPERTY))
                if (++parts > TZ_MAX_PARTS)
                    unsafe = 1;
        }
        if (unsafe)
            bad[n_bad++] = tz;
    }
    for (size_t i = 0; i < n_bad; i++) {
        icalproperty *id = icalcomponent_get_first_property(bad[i], ICAL_TZID_PROPERTY);
        LOG_WARN("feed", "source '%s': time zone '%s' repeats its changes more often than yearly; "
                 "using the built-in zone of that name instead", source, id ? icalproperty_get_tzid(id) : "?");
        icalcomponent_remove_component(cal, bad[i]);
        icalcomponent_free(bad[i]);
    }
}

static icaltimezone *resolve_zone(ical_ctx *c, icalproperty *prop)
{
    icalparameter *p = prop ? icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER) : NULL;
    const char *tzid = p ? icalparameter_get_tzid(p) : NULL;
    if (!tzid || !*tzid)
        return NULL;
    icalcomponent *cal = c->root;
    if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
        cal = icalcomponent_get_first_component(c->root, ICAL_VCALENDAR_COMPONENT);
    icaltimezone *z = cal ? icalcomponent_get_timezone(cal, tzid) : NULL;
    if (!z)
        z = icaltimezone_get_builtin_timezone(tzid);
    if (!z) {
        /* "/mozilla.org/.../Europe/Berlin" style prefixes */
        const char *slash = strstr(tzid, "/");
        while (!z && slash && slash[1]) {
            z = icaltimezone_get_builtin_timezone(slash + 1);
            slash = strstr(slash + 1, "/");
        }
    }
    return z;
}

/* Epoch ms of t interpreted in zone (NULL zone and not UTC: kiosk local time). */
static int64_t to_epoch_ms(struct icaltimetype t, icaltimezone *zone)
{
    if (icaltime_is_null_time(t))
        return 0;
    if (t.is_date)
        return local_midnight_ms(t.year, t.month, t.day);
    if (icaltime_is_utc(t))
        return (int64_t)icaltime_as_timet(t) * 1000;
    if (zone) {
        /* t is wall time in zone: attach the zone, convert to UTC, then count seconds. */
        t.zone = zone;
        struct icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
        return (int64_t)icaltime_as_timet(u) * 1000;
    }
    struct tm tm = {.tm_year = t.year - 1900, .tm_mon = t.month - 1, .tm_mday = t.day,
                    .tm_hour = t.hour, .tm_min = t.minute, .tm_sec = t.second, .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

static void utc_stamp(int64_t ms, char out[20])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- overrides (RECURRENCE-ID) ----------------------------------------------- */

static int has_override(const ical_ctx *c, const char *uid, int64_t start_ms)
{
    for (size_t i = 0; i < c->n_overrides; i++)
        if (c->overrides[i].start_ms == start_ms && !strcmp(c->overrides[i].uid, uid))
            return 1;
    return 0;
}

static void collect_overrides(ical_ctx *c, icalcomponent *cal)
{
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        const char *uid = icalcomponent_get_uid(ev);
        if (!rid || !uid || c->n_overrides >= MAX_OVERRIDES)
            continue;
        override_key *k = &c->overrides[c->n_overrides];
        snprintf(k->uid, sizeof k->uid, "%s", uid);
        k->start_ms = to_epoch_ms(icalproperty_get_recurrenceid(rid), resolve_zone(c, rid));
        c->n_overrides++;
    }
}

/* ---- items ----------------------------------------------------------------- */

static char *prop_text(icalcomponent *ev, icalproperty_kind kind, size_t cap)
{
    icalproperty *p = icalcomponent_get_first_property(ev, kind);
    const char *v = NULL;
    if (!p)
        return NULL;
    if (kind == ICAL_URL_PROPERTY)
        v = icalproperty_get_url(p);
    else
        v = icalproperty_get_value_as_string(p);
    if (!v)
        return NULL;
    if (kind != ICAL_URL_PROPERTY) {
        /* get_value_as_string keeps RFC 5545 escapes; undo the common ones. */
        char *tmp = malloc(strlen(v) + 1);
        if (!tmp)
            return NULL;
        size_t k = 0;
        for (const char *s = v; *s; s++) {
            if (*s == '\\' && s[1]) {
                s++;
                tmp[k++] = (*s == 'n' || *s == 'N') ? '\n' : *s;
            } else {
                tmp[k++] = *s;
            }
        }
        tmp[k] = '\0';
        char *r = crier_html_clean_text(tmp, k, cap, 1, NULL);
        free(tmp);
        return r;
    }
    return crier_html_clean_text(v, strlen(v), cap, 0, NULL);
}

static void add_instance(ical_ctx *c, icalcomponent *ev, const char *uid, int64_t start, int64_t end, int recurring)
{
    if (c->rc != CRIER_OK)
        return;
    int64_t until = end ? end : start;
    if (until <= c->opts->now_ms || start >= c->win_end)
        return; /* past, or beyond the window */
    if (c->items.count >= c->hard_cap)
        return;
    const crier_feed_opts *o = c->opts;
    crier_item it = {.kind = CRIER_ITEM_EVENT, .weight = 1, .starts_ms = start, .ends_ms = end,
                     .valid_until_ms = until};
    char stamp[20], id[200];
    if (recurring) {
        utc_stamp(start, stamp);
        snprintf(id, sizeof id, "%.150s@%s", uid, stamp);
    } else {
        snprintf(id, sizeof id, "%.190s", uid);
    }
    it.id = crier_strdup(id);
    it.title = prop_text(ev, ICAL_SUMMARY_PROPERTY, o->max_title);
    it.location = prop_text(ev, ICAL_LOCATION_PROPERTY, o->max_title);
    it.body = prop_text(ev, ICAL_DESCRIPTION_PROPERTY, o->max_text);
    it.link = prop_text(ev, ICAL_URL_PROPERTY, 2048);
    crier_err rc = it.id ? crier_feed_finish_item(&it, o) : CRIER_ERR_NOMEM;
    if (rc == CRIER_OK)
        rc = crier_item_list_take(&c->items, &it);
    crier_item_clear(&it);
    if (rc != CRIER_OK)
        c->rc = rc;
}

static size_t collect_exdates(ical_ctx *c, icalcomponent *ev, int64_t *ex)
{
    size_t n = 0;
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p && n < MAX_EXDATES;
         p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY))
        ex[n++] = to_epoch_ms(icalproperty_get_exdate(p), resolve_zone(c, p));
    return n;
}

/* ---- recurrence cost ---------------------------------------------------------- */

#define SUBDAILY_MAX_WALK 100000 /* most units libical may walk inside one next() */
#define MAX_RULE_WALK 200000    /* most units one filtered sub-daily rule may walk in all (~0.3 s) */
#define ITERATOR_COST 100        /* budget charged per iterator: icalrecur_iterator_new ~ 100 steps */

static int has_by(const short *a)
{
    return a[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

/* Seconds per unit of a sub-daily frequency, 0 for DAILY and coarser. */
static int64_t subdaily_unit(icalrecurrencetype_frequency f)
{
    return f == ICAL_SECONDLY_RECURRENCE ? 1 : f == ICAL_MINUTELY_RECURRENCE ? 60 : f == ICAL_HOURLY_RECURRENCE ? 3600 : 0;
}

/* How many frequency units libical may walk inside one icalrecur_iterator_next()
 * of a sub-daily rule before a BY* filter matches again: the span of the coarsest
 * BY part over the rule's period (FREQ=SECONDLY;BYMONTH=1 walks every second of
 * eleven months, tens of seconds of CPU, in a single call our step count never
 * sees).  1 for a rule without BY parts or a DAILY or coarser rule. */
static int64_t subdaily_walk(const struct icalrecurrencetype *r)
{
    int64_t unit = subdaily_unit(r->freq);
    if (!unit)
        return 1;
    int64_t span = 0;
    if (has_by(r->by_second))
        span = 60;
    if (has_by(r->by_minute))
        span = 3600;
    if (has_by(r->by_hour))
        span = 86400;
    if (has_by(r->by_day))
        span = 7 * 86400;
    if (has_by(r->by_month_day))
        span = 62 * 86400;
    if (has_by(r->by_year_day) || has_by(r->by_week_no) || has_by(r->by_month) || has_by(r->by_set_pos))
        span = 4 * 366 * 86400LL; /* Feb 29, day 366: leap years only */
    int64_t period = unit * (r->interval > 0 ? r->interval : 1);
    return span / period > 1 ? span / period : 1;
}

static int count_by(const short *a, int size)
{
    int n = 0;
    while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
        n++;
    return n;
}

/* A rule whose BY parts can never all match (BYMONTHDAY=30 with BYMONTH=2,
 * BYYEARDAY=366 with BYMONTH=1) has no occurrence at all, and libical 3.0
 * looks for one up to the year 2582 (and, positioning a YEARLY or MONTHLY
 * iterator, up to the year 20000) inside ONE call: FREQ=HOURLY;BYMONTH=2;
 * BYMONTHDAY=30 took 9.5 s per event, FREQ=DAILY 0.6 s (measured, libical
 * 3.0.16; tests/fuzz/regressions/ical/).  Such a rule is reported, not
 * expanded.  Returns a static reason, or NULL when some date can match. */
static const char *impossible_rule(const struct icalrecurrencetype *r)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}; /* leap year: the most */
    int months[12], n_months = 0;
    for (int i = 0; i < ICAL_BY_MONTH_SIZE && r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
        if (r->by_month[i] >= 1 && r->by_month[i] <= 12)
            months[n_months++] = r->by_month[i];
    if (!has_by(r->by_month))
        for (int m = 1; m <= 12; m++)
            months[n_months++] = m;
    if (n_months == 0)
        return "no valid BYMONTH";
    if (has_by(r->by_month_day)) {
        int possible = 0;
        for (int i = 0; i < ICAL_BY_MONTHDAY_SIZE && r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX && !possible; i++) {
            int d = r->by_month_day[i] < 0 ? -r->by_month_day[i] : r->by_month_day[i];
            for (int k = 0; k < n_months && !possible; k++)
                possible = d >= 1 && d <= mdays[months[k] - 1];
        }
        if (!possible)
            return "no BYMONTHDAY exists in any BYMONTH";
    }
    if (has_by(r->by_year_day) && has_by(r->by_month)) {
        /* day d of the year falls in month m in a common or a leap year */
        int possible = 0;
        for (int i = 0; i < ICAL_BY_YEARDAY_SIZE && r->by_year_day[i] != ICAL_RECURRENCE_ARRAY_MAX && !possible; i++) {
            int yd = r->by_year_day[i];
            for (int leap = 0; leap <= 1 && !possible; leap++) {
                int len = 365 + leap, d = yd < 0 ? len + 1 + yd : yd;
                if (d < 1 || d > len)
                    continue;
                int m = 0, first = 1;
                while (m < 12) {
                    int ml = mdays[m] - (m == 1 && !leap);
                    if (d < first + ml)
                        break;
                    first += ml;
                    m++;
                }
                for (int k = 0; k < n_months && !possible; k++)
                    possible = months[k] == m + 1;
            }
        }
        if (!possible)
            return "no BYYEARDAY falls in any BYMONTH";
    }
    if (has_by(r->by_week_no) && has_by(r->by_month)) {
        /* Week w's Monday is day 7(w-1)-2 .. 7(w-1)+4 of the year (ISO 8601,
         * Jan 1 = day 1), and WKST may move it by up to 6 days: week w lies
         * within days 7w-16 .. 7w+10; week -w mirrored from the year's end. */
        int possible = 0;
        for (int i = 0; i < ICAL_BY_WEEKNO_SIZE && r->by_week_no[i] != ICAL_RECURRENCE_ARRAY_MAX && !possible; i++) {
            int w = r->by_week_no[i];
            int lo = w > 0 ? 7 * w - 16 : 367 - (7 * -w + 10), hi = w > 0 ? 7 * w + 10 : 367 - (7 * -w - 16);
            lo = lo < 1 ? 1 : lo;
            hi = hi > 366 ? 366 : hi;
            for (int d = lo; d <= hi && !possible; d += 1) {
                int m = 0, first = 1;
                while (m < 11 && d >= first + mdays[m])
                    first += mdays[m++];
                for (int k = 0; k < n_months && !possible; k++)
                    possible = months[k] == m + 1;
            }
        }
        if (!possible)
            return "no BYWEEKNO falls in any BYMONTH";
    }
    if (has_by(r->by_set_pos)) {
        /* BYSETPOS picks the n-th of the candidates of one period; an upper
         * bound of their number: days (BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYDAY:
         * 1 per ordinal entry, else 5 a month / 53 a year) x times (BYHOUR x
         * BYMINUTE x BYSECOND).  Sub-daily periods are left alone. */
        int n_md = count_by(r->by_month_day, ICAL_BY_MONTHDAY_SIZE), n_yd = count_by(r->by_year_day, ICAL_BY_YEARDAY_SIZE);
        int n_wn = count_by(r->by_week_no, ICAL_BY_WEEKNO_SIZE);
        long bd_ord = 0, bd_any = 0;
        for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
                bd_ord++;
            else
                bd_any++;
        }
        long days = -1, per_year = has_by(r->by_month) ? n_months : 12;
        if (r->freq == ICAL_DAILY_RECURRENCE)
            days = 1;
        else if (r->freq == ICAL_WEEKLY_RECURRENCE)
            days = (bd_ord + bd_any) ? bd_ord + bd_any : 1;
        else if (r->freq == ICAL_MONTHLY_RECURRENCE)
            days = n_md ? n_md : (bd_ord + bd_any) ? bd_ord + 5 * bd_any : 1;
        else if (r->freq == ICAL_YEARLY_RECURRENCE)
            days = n_yd ? n_yd : n_md ? (long)n_md * per_year : n_wn ? 7L * n_wn
                 : (bd_ord + bd_any) ? (has_by(r->by_month) ? per_year * (bd_ord + 5 * bd_any) : bd_ord + 53 * bd_any)
                 : has_by(r->by_month) ? per_year : 1;
        if (r->freq != ICAL_YEARLY_RECURRENCE && (n_yd || n_wn))
            days = -1; /* not defined by RFC 5545: leave it to libical (and the deadline) */
        if (days > 0) {
            long n = days;
            n *= has_by(r->by_hour) ? count_by(r->by_hour, ICAL_BY_HOUR_SIZE) : 1;
            n *= has_by(r->by_minute) ? count_by(r->by_minute, ICAL_BY_MINUTE_SIZE) : 1;
            n *= has_by(r->by_second) ? count_by(r->by_second, ICAL_BY_SECOND_SIZE) : 1;
            int possible = 0;
            for (int i = 0; i < ICAL_BY_SETPOS_SIZE && r->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX && !possible; i++) {
                long p = r->by_set_pos[i] < 0 ? -(long)r->by_set_pos[i] : r->by_set_pos[i];
                possible = p >= 1 && p <= n;
            }
            if (!possible)
                return "every BYSETPOS is past the candidates of a period";
        }
    }
    return NULL;
}

/* Wall-clock seconds of t's fields, no zone applied (proleptic Gregorian). */
static int64_t wall_seconds(struct icaltimetype t)
{
    int64_t y = t.year - (t.month <= 2), m = t.month;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + t.day - 1;
    int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Sub-daily rules are moved to the window by shifting DTSTART itself forward by
 * whole repeats of the rule's pattern, to the last repeat at or before target;
 * the iterator then starts at the window with no walking.  (libical's set_start
 * positions to the day and then walks every second of it inside the first
 * next(): ~15 ms for SECONDLY, and for sub-daily intervals that do not divide a
 * day it loses the interval's phase: measured, see test_feed_ical.c.)
 *   - UTC or floating DTSTART only: in a TZID zone, libical's stepping across
 *     DST changes did not match a shift in either wall or absolute time
 *     (measured), so zoned sub-daily rules walk from DTSTART;
 *   - no BY parts: the occurrences repeat every interval x unit of wall time;
 *   - BYSECOND/BYMINUTE/BYHOUR/BYDAY (no ordinal): the pattern repeats every
 *     lcm(interval x unit, 1 week).
 * 0 when base was moved (or needs no move), -1 when the rule is not eligible:
 * the caller walks from DTSTART, bounded by the step caps. */
static int fast_forward(const struct icalrecurrencetype *r, struct icaltimetype *base, icaltimezone *zone,
                        struct icaltimetype target_wall)
{
    int64_t unit = subdaily_unit(r->freq);
    if (!unit || r->count || base->is_date || r->rscale || has_by(r->by_month_day) || has_by(r->by_year_day) ||
        has_by(r->by_week_no) || has_by(r->by_month) || has_by(r->by_set_pos))
        return -1;
    if (!icaltime_is_utc(*base) && zone)
        return -1;
    int64_t period = unit * (r->interval > 0 ? r->interval : 1);
    if (has_by(r->by_second) || has_by(r->by_minute) || has_by(r->by_hour) || has_by(r->by_day)) {
        for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
            if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
                return -1;
        const int64_t week = 7 * 86400;
        period = period / gcd64(period, week) * week;
    }
    int64_t diff = wall_seconds(target_wall) - wall_seconds(*base);
    if (diff > period) {
        int64_t shift = diff / period * period;
        icaltime_adjust(base, (int)(shift / 86400), 0, 0, (int)(shift % 86400));
    }
    return 0;
}

static void do_event(ical_ctx *c, icalcomponent *ev)
{
    const crier_feed_opts *o = c->opts;
    c->parse_errors += (size_t)icalcomponent_count_errors(ev);
    if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED) {
        c->cancelled++;
        return;
    }
    icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    struct icaltimetype dts = ps ? icalproperty_get_dtstart(ps) : icaltime_null_time();
    if (!ps || icaltime_is_null_time(dts) || !icaltime_is_valid_time(dts)) {
        c->dropped_no_start++;
        return;
    }
    icaltimezone *zone = resolve_zone(c, ps);
    int64_t start = to_epoch_ms(dts, zone);
    int64_t end = 0;
    icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    if (pe) {
        struct icaltimetype dte = icalproperty_get_dtend(pe);
        if (!icaltime_is_null_time(dte))
            end = to_epoch_ms(dte, resolve_zone(c, pe));
    } else if (pd) {
        struct icaldurationtype d = icalproperty_get_duration(pd);
        if (!icaldurationtype_is_bad_duration(d))
            end = start + (int64_t)icaldurationtype_as_int(d) * 1000;
    } else if (dts.is_date) {
        end = start + DAY_MS;
    }
    if (end && end < start)
        end = 0;
    int64_t dur = end ? end - start : 0;

    char uidbuf[20];
    const char *uid = icalcomponent_get_uid(ev);
    if (!uid || !*uid) {
        char h[17];
        char *sum = prop_text(ev, ICAL_SUMMARY_PROPERTY, 300);
        utc_stamp(start, uidbuf);
        crier_feed_hash_id(sum, uidbuf, h);
        free(sum);
        snprintf(uidbuf, sizeof uidbuf, "%s", h);
        uid = uidbuf;
    }

    icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    icalproperty *rr = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
    if (rid) {
        /* One replaced instance: id from its RECURRENCE-ID so it matches the master's instance. */
        int64_t rid_ms = to_epoch_ms(icalproperty_get_recurrenceid(rid), resolve_zone(c, rid));
        char stamp[20], id[200];
        utc_stamp(rid_ms, stamp);
        snprintf(id, sizeof id, "%.150s@%s", uid, stamp);
        add_instance(c, ev, id, start, end, 0);
        return;
    }
    if (!rr) {
        add_instance(c, ev, uid, start, end, 0);
        return;
    }

    struct icalrecurrencetype rule = icalproperty_get_rrule(rr);
    if (rule.freq == ICAL_NO_RECURRENCE) {
        c->parse_errors++;
        add_instance(c, ev, uid, start, end, 0);
        return;
    }
    if (c->recur_budget == 0) {
        c->skipped_no_budget++;
        return;
    }
    char rule_text[256]; /* as written (UNTIL is moved below), for log lines */
    snprintf(rule_text, sizeof rule_text, "%s", icalrecurrencetype_as_string(&rule));
    if (o->on_rule)
        o->on_rule(o->on_rule_ud, uid, rule_text);
    const char *never = rule.rscale ? NULL : impossible_rule(&rule);
    if (never) {
        c->parse_errors++;
        c->impossible_rules++;
        LOG_WARN("feed", "%s: recurrence of \"%.80s\" not expanded: RRULE:%.200s can never match (%s)",
                 o->source ? o->source : "?", uid, rule_text, never);
        return;
    }
    /* Budget charge per iterator step: 1, or the walk libical may do inside it. */
    int64_t walk = subdaily_walk(&rule);
    if (walk > SUBDAILY_MAX_WALK) {
        c->parse_errors++;
        LOG_WARN("feed", "%s: recurrence of \"%.80s\" not expanded: FREQ=%s filtered by coarse BY parts "
                 "would walk %lld steps per occurrence", o->source ? o->source : "?", uid,
                 icalrecur_freq_to_string(rule.freq), (long long)walk);
        return;
    }
    unsigned long long charge = 1 + (unsigned long long)walk / 1000;
    int64_t ex[MAX_EXDATES];
    size_t n_ex = collect_exdates(c, ev, ex);
    struct icaltimetype base = dts;
    if (!base.is_date && !icaltime_is_utc(base) && zone)
        base.zone = zone;
    /* Jump to the window when allowed (no COUNT) to avoid stepping through years.
     * An instance is kept when it ends after now, i.e. starts after now - dur.
     * Sub-daily rules: exact (fast_forward), one second of slack for the ms -> s
     * rounding; a day of slack would cost 86 400 steps per SECONDLY rule, far
     * over max_recur_steps, and keep nothing.  Daily and coarser rules use
     * set_start two days early (a few steps): the UTC date of a DATE rule may be
     * a day off the local one, and libical 3.0's set_start skipped a same-day
     * occurrence of a TZID rule when started on that day. */
    int64_t jump_ms = o->now_ms - (dur > 0 ? dur : 0) - (subdaily_unit(rule.freq) ? 1000 : 2 * DAY_MS);
    int jump = rule.count == 0 && jump_ms > start;
    struct icaltimetype js = icaltime_null_time();
    if (jump) {
        icaltimezone *z = base.is_date ? NULL : (icaltime_is_utc(base) ? icaltimezone_get_utc_timezone() : zone);
        js = icaltime_from_timet_with_zone((time_t)(jump_ms / 1000), base.is_date, z);
        if (!z && !base.is_date) {
            /* floating: express the jump in local wall time */
            time_t s = (time_t)(jump_ms / 1000);
            struct tm tm;
            localtime_r(&s, &tm);
            js = base;
            js.year = tm.tm_year + 1900, js.month = tm.tm_mon + 1, js.day = tm.tm_mday;
            js.hour = tm.tm_hour, js.minute = tm.tm_min, js.second = tm.tm_sec;
        }
        if (subdaily_unit(rule.freq)) {
            /* DTSTART itself moved, or (not eligible) walk from it: never set_start */
            (void)fast_forward(&rule, &base, zone, js);
            jump = 0;
        }
    }
    /* libical looks for the next match until the rule's UNTIL (else the year
     * 2582) inside one next() call; nothing after the window is kept, so UNTIL
     * is moved to the window's end (+2 days: a DATE's UTC day, zone offsets).
     * COUNT is unaffected: it counts from DTSTART, and the instances up to the
     * window are the same. */
    {
        int64_t cap_s = (c->win_end + 2 * DAY_MS) / 1000;
        struct icaltimetype cap = icaltime_from_timet_with_zone((time_t)cap_s, base.is_date,
                                                                 icaltimezone_get_utc_timezone());
        if (!base.is_date && !icaltime_is_utc(base) && !zone) {
            cap = icaltime_from_timet_with_zone((time_t)cap_s, 0, NULL); /* floating: wall time */
            cap.zone = NULL;
        }
        if (icaltime_is_null_time(rule.until) || icaltime_compare(rule.until, cap) > 0)
            rule.until = cap;
    }
    if (walk > 1) {
        /* A sub-daily rule filtered by coarser BY parts walks every unit from
         * where it starts to the next match, and the first call may walk from
         * DTSTART (COUNT, a zone, BYMONTH...) to the window: FREQ=HOURLY;
         * BYMONTH=2;BYMONTHDAY=29 from 1970 took 0.75 s in one call.  That
         * walk is bounded by UNTIL (above), so it is known up front: refused
         * over MAX_RULE_WALK, else charged to the document budget. */
        int64_t span = wall_seconds(rule.until) - wall_seconds(jump ? js : base);
        int64_t raw = span > 0 ? span / (subdaily_unit(rule.freq) * (rule.interval > 0 ? rule.interval : 1)) : 0;
        if (raw > MAX_RULE_WALK) {
            c->parse_errors++;
            LOG_WARN("feed", "%s: recurrence of \"%.80s\" not expanded: RRULE:%.200s would walk %lld steps "
                     "from its DTSTART to the window (limit %d)", o->source ? o->source : "?", uid,
                     rule_text, (long long)raw, MAX_RULE_WALK);
            return;
        }
        c->recur_budget -= (unsigned long long)raw < c->recur_budget ? (unsigned long long)raw : c->recur_budget;
    }
    c->recur_budget -= ITERATOR_COST < c->recur_budget ? ITERATOR_COST : c->recur_budget;
    icalrecur_iterator *it = icalrecur_iterator_new(rule, base);
    if (!it) {
        c->parse_errors++;
        return;
    }
    if (jump) {
        if (!icalrecur_iterator_set_start(it, js)) {
            icalrecur_iterator_free(it);
            it = icalrecur_iterator_new(rule, base);
            if (!it) {
                c->parse_errors++;
                return;
            }
        }
    }
    unsigned steps = 0, kept = 0;
    int capped = 0, out_of_budget = 0;
    for (;;) {
        if (steps >= o->max_recur_steps) {
            capped = 1;
            break;
        }
        if (c->recur_budget == 0) {
            out_of_budget = 1;
            break;
        }
        steps++;
        c->recur_budget -= charge < c->recur_budget ? charge : c->recur_budget;
        c->recur_steps++;
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        int64_t s = to_epoch_ms(t, base.is_date ? NULL : (icaltime_is_utc(t) ? NULL : zone));
        if (s >= c->win_end)
            break;
        int64_t e = dur ? s + dur : (t.is_date ? s + DAY_MS : 0);
        if ((e ? e : s) <= o->now_ms)
            continue;
        int excluded = 0;
        for (size_t i = 0; i < n_ex && !excluded; i++)
            excluded = ex[i] == s;
        if (excluded || has_override(c, uid, s))
            continue;
        if (kept >= o->max_instances) {
            capped = 1;
            break;
        }
        add_instance(c, ev, uid, s, e, 1);
        kept++;
    }
    icalrecur_iterator_free(it);
    if (out_of_budget) {
        LOG_WARN("feed",
                 "%s: recurrence budget of the document (max_recur_total %u) used up at \"%.80s\" "
                 "(%u instances kept); later recurring events are skipped",
                 o->source ? o->source : "?", c->recur_total, uid, kept);
    } else if (capped) {
        /* one line for the first capped rule, the count in the summary: a feed
         * of a thousand runaway rules must not write a thousand log lines */
        if (c->capped_rules++ == 0)
            LOG_WARN("feed", "%s: recurrence of \"%.80s\" capped (%u steps, %u instances kept)",
                     o->source ? o->source : "?", uid, steps, kept);
    }
}

static int cmp_start(const void *a, const void *b)
{
    const crier_item *x = a, *y = b;
    return x->starts_ms < y->starts_ms ? -1 : x->starts_ms > y->starts_ms;
}

static int looks_like_ical(const char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return len - i >= 15 && !strncasecmp(buf + i, "BEGIN:VCALENDAR", 15);
}

crier_err crier_feed_parse_ical(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len)
{
    if (!buf || !looks_like_ical(buf, len)) {
        crier_errf(err, err_len, "ical: not an iCalendar document (no BEGIN:VCALENDAR)");
        return CRIER_ERR_PARSE;
    }
    if (memchr(buf, '\0', len)) {
        crier_errf(err, err_len, "ical: NUL byte in document");
        return CRIER_ERR_PARSE;
    }
    ical_ctx c = {.opts = opts, .win_start = opts->now_ms, .win_end = opts->now_ms + opts->window_ms};
    c.recur_total = opts->max_recur_total ? opts->max_recur_total : CRIER_FEED_DEFAULT_RECUR_TOTAL;
    c.recur_budget = c.recur_total;
    c.hard_cap = opts->max_items * 4 > 1000 ? opts->max_items * 4 : 1000;
    crier_item_list_init(&c.items);
    crier_err rc = CRIER_OK;
    char *copy = malloc(len + 1);
    c.overrides = calloc(MAX_OVERRIDES, sizeof *c.overrides);
    if (!copy || !c.overrides) {
        rc = CRIER_ERR_NOMEM;
        crier_errf(err, err_len, "ical: out of memory");
        goto cleanup;
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    icalerror_set_errors_are_fatal(0);
    c.root = icalparser_parse_string(copy);
    if (!c.root) {
        rc = CRIER_ERR_PARSE;
        crier_errf(err, err_len, "ical: no calendar component could be parsed");
        goto cleanup;
    }
    /* The root is a VCALENDAR, or an XROOT holding several. */
    icalcomponent *cals[64];
    size_t n_cals = 0;
    if (icalcomponent_isa(c.root) == ICAL_VCALENDAR_COMPONENT) {
        cals[n_cals++] = c.root;
    } else {
        for (icalcomponent *k = icalcomponent_get_first_component(c.root, ICAL_VCALENDAR_COMPONENT);
             k && n_cals < 64; k = icalcomponent_get_next_component(c.root, ICAL_VCALENDAR_COMPONENT))
            cals[n_cals++] = k;
    }
    if (n_cals == 0) {
        rc = CRIER_ERR_PARSE;
        crier_errf(err, err_len, "ical: no VCALENDAR component");
        goto cleanup;
    }
    for (size_t k = 0; k < n_cals; k++)
        drop_unsafe_timezones(cals[k], opts->source);
    for (size_t k = 0; k < n_cals; k++)
        collect_overrides(&c, cals[k]);
    for (size_t k = 0; k < n_cals && c.rc == CRIER_OK; k++) {
        for (icalproperty *p = icalcomponent_get_first_property(cals[k], ICAL_XLICERROR_PROPERTY); p;
             p = icalcomponent_get_next_property(cals[k], ICAL_XLICERROR_PROPERTY))
            c.parse_errors++;
        for (icalcomponent *ev = icalcomponent_get_first_component(cals[k], ICAL_VEVENT_COMPONENT);
             ev && c.rc == CRIER_OK; ev = icalcomponent_get_next_component(cals[k], ICAL_VEVENT_COMPONENT))
            do_event(&c, ev);
    }
    if (c.rc != CRIER_OK) {
        rc = c.rc;
        crier_errf(err, err_len, "ical: %s", crier_strerror(rc));
        goto cleanup;
    }
    if (c.capped_rules > 1 || c.skipped_no_budget)
        LOG_WARN("feed", "%s: %zu recurrence(s) capped, %zu recurring event(s) skipped (document budget "
                 "max_recur_total %u used up), %llu iterator steps in all",
                 opts->source ? opts->source : "?", c.capped_rules, c.skipped_no_budget, c.recur_total,
                 c.recur_steps);
    if (c.parse_errors || c.dropped_no_start)
        LOG_WARN("feed", "%s: %zu malformed iCalendar line(s), %zu event(s) without a usable DTSTART dropped",
                 opts->source ? opts->source : "?", c.parse_errors, c.dropped_no_start);
    if (c.items.count > 1)
        qsort(c.items.items, c.items.count, sizeof *c.items.items, cmp_start);
    while (c.items.count > opts->max_items)
        crier_item_clear(&c.items.items[--c.items.count]);
    rc = crier_feed_append_all(out, &c.items);
cleanup:
    if (c.root)
        icalcomponent_free(c.root);
    crier_item_list_clear(&c.items);
    free(c.overrides);
    free(copy);
    return rc;
}
