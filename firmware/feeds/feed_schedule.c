/* feed_schedule.c - day-parting, priority/weight, validity and the weighted
 * rotation pick (see feed_schedule.h).
 *
 * Design: everything is a pure function of its arguments; the only ambient
 * input is the process time zone, read through localtime_r/mktime for the
 * local hour and weekday.  Masks are small bitsets so checks are O(1). */
#include "feeds/feed_schedule.h"
#include "config/weekly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void crier_schedule_init(crier_schedule *s)
{
    *s = (crier_schedule){.priority = 0, .weight = 1, .hours_mask = CRIER_HOURS_ALL, .days_mask = CRIER_DAYS_ALL};
}

/* Whole value of a source.NAME.hours / .days key: the grammar is config/weekly.h's. */
static int whole_value(const char *spec, size_t *len)
{
    *len = spec ? strlen(spec) : 0;
    return crier_weekly_is_all(spec, *len);
}

crier_err crier_schedule_parse_hours(const char *spec, uint32_t *mask)
{
    size_t len, pos = 0, n;
    crier_time_range r[24];
    if (whole_value(spec, &len)) {
        *mask = CRIER_HOURS_ALL;
        return CRIER_OK;
    }
    if (crier_weekly_hours(spec, len, &pos, r, sizeof r / sizeof r[0], &n) != CRIER_OK || pos != len)
        return CRIER_ERR_INVAL;
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].start_min % 60 || r[i].len_min % 60)
            return CRIER_ERR_INVAL; /* a source's day-parting counts whole hours */
        for (int h = 0; h < r[i].len_min / 60; h++)
            m |= 1u << ((r[i].start_min / 60 + h) % 24);
    }
    *mask = m;
    return CRIER_OK;
}

crier_err crier_schedule_parse_days(const char *spec, uint8_t *mask)
{
    size_t len, pos = 0;
    uint8_t m;
    if (whole_value(spec, &len)) {
        *mask = CRIER_DAYS_ALL;
        return CRIER_OK;
    }
    if (crier_weekly_days(spec, len, &pos, &m) != CRIER_OK || pos != len)
        return CRIER_ERR_INVAL;
    *mask = m;
    return CRIER_OK;
}

static void local_tm(int64_t ms, struct tm *tm)
{
    time_t s = (time_t)(ms / 1000);
    localtime_r(&s, tm);
}

int crier_schedule_allows(const crier_schedule *s, int64_t now_ms)
{
    uint32_t hm = s->hours_mask ? s->hours_mask : CRIER_HOURS_ALL;
    uint8_t dm = s->days_mask ? s->days_mask : CRIER_DAYS_ALL;
    struct tm tm;
    local_tm(now_ms, &tm);
    int wd = (tm.tm_wday + 6) % 7; /* Monday = 0 */
    return (hm >> tm.tm_hour & 1u) && (dm >> wd & 1u);
}

void crier_schedule_apply(const crier_schedule *s, crier_item_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        crier_item *it = &list->items[i];
        it->priority += s->priority;
        it->weight = s->weight > 0 ? s->weight : 1;
        if (it->kind == CRIER_ITEM_POST && it->valid_until_ms == 0 && s->default_validity_ms > 0 &&
            it->published_ms > 0)
            it->valid_until_ms = it->published_ms + s->default_validity_ms;
    }
}

size_t crier_schedule_prune(crier_item_list *list, int64_t now_ms)
{
    size_t w = 0, removed = 0;
    for (size_t r = 0; r < list->count; r++) {
        if (crier_item_is_current(&list->items[r], now_ms)) {
            if (w != r)
                list->items[w] = list->items[r];
            w++;
        } else {
            crier_item_clear(&list->items[r]);
            removed++;
        }
    }
    list->count = w;
    return removed;
}

static void consider(int64_t *best, int64_t t, int64_t now_ms)
{
    if (t > now_ms && t < *best)
        *best = t;
}

int64_t crier_schedule_next_change(const crier_schedule *s, const crier_item_list *list, int64_t now_ms)
{
    int64_t best = INT64_MAX;
    for (size_t i = 0; list && i < list->count; i++) {
        const crier_item *it = &list->items[i];
        consider(&best, it->valid_from_ms, now_ms);
        consider(&best, it->valid_until_ms, now_ms);
        if (it->kind == CRIER_ITEM_EVENT)
            consider(&best, it->ends_ms ? it->ends_ms : it->starts_ms, now_ms);
    }
    uint32_t hm = s && s->hours_mask ? s->hours_mask : CRIER_HOURS_ALL;
    uint8_t dm = s && s->days_mask ? s->days_mask : CRIER_DAYS_ALL;
    if (s && (hm != CRIER_HOURS_ALL || dm != CRIER_DAYS_ALL)) {
        /* Walk local hour boundaries for up to 8 days to find the next flip. */
        int cur = crier_schedule_allows(s, now_ms);
        struct tm tm;
        local_tm(now_ms, &tm);
        tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        for (int k = 1; k <= 24 * 8; k++) {
            struct tm t2 = tm;
            t2.tm_hour += k;
            t2.tm_isdst = -1;
            int64_t at = (int64_t)mktime(&t2) * 1000;
            if (at <= now_ms)
                continue;
            if (crier_schedule_allows(s, at) != cur) {
                consider(&best, at, now_ms);
                break;
            }
        }
    }
    return best;
}

size_t crier_schedule_pick(const crier_item_list *list, int64_t *credit, int64_t now_ms)
{
    int64_t total = 0;
    size_t best = (size_t)-1;
    for (size_t i = 0; i < list->count; i++) {
        const crier_item *it = &list->items[i];
        if (it->kind != CRIER_ITEM_POST || !crier_item_is_current(it, now_ms))
            continue;
        int64_t w = it->weight > 0 ? it->weight : 1;
        credit[i] += w;
        total += w;
        if (best == (size_t)-1 || credit[i] > credit[best] ||
            (credit[i] == credit[best] && it->priority > list->items[best].priority))
            best = i;
    }
    if (best != (size_t)-1)
        credit[best] -= total;
    return best;
}

int crier_schedule_stale_label(int64_t last_success_ms, int64_t last_error_ms, int64_t now_ms,
                               int64_t stale_after_ms, char *buf, size_t len)
{
    if (last_success_ms <= 0 || last_error_ms <= last_success_ms || now_ms - last_success_ms < stale_after_ms)
        return 0;
    struct tm tm;
    local_tm(last_success_ms, &tm);
    snprintf(buf, len, "as of %02d:%02d", tm.tm_hour, tm.tm_min);
    return 1;
}
