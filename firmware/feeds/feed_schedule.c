/* feed_schedule.c - day-parting, priority/weight, validity and the weighted
 * rotation pick (see feed_schedule.h).
 *
 * Design: everything is a pure function of its arguments; the only ambient
 * input is the process time zone, read through localtime_r/mktime for the
 * local hour and weekday.  Masks are small bitsets so checks are O(1). */
#include "feeds/feed_schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void crier_schedule_init(crier_schedule *s)
{
    *s = (crier_schedule){.priority = 0, .weight = 1, .hours_mask = CRIER_HOURS_ALL, .days_mask = CRIER_DAYS_ALL};
}

static int is_all(const char *spec)
{
    if (!spec)
        return 1;
    while (isspace((unsigned char)*spec))
        spec++;
    return !*spec || !strcmp(spec, "*") || !strcasecmp(spec, "all") || !strcasecmp(spec, "always");
}

/* "7", "07", "07:00"; 24 allowed as an end. */
static int parse_hour(const char **p, int *h)
{
    const char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    int v = 0, n = 0;
    while (isdigit((unsigned char)*s) && n < 2) {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (*s == ':') {
        if (s[1] != '0' || s[2] != '0')
            return -1; /* whole hours only */
        s += 3;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (v > 24)
        return -1;
    *h = v;
    *p = s;
    return 0;
}

crier_err crier_schedule_parse_hours(const char *spec, uint32_t *mask)
{
    if (is_all(spec)) {
        *mask = CRIER_HOURS_ALL;
        return CRIER_OK;
    }
    uint32_t m = 0;
    const char *p = spec;
    for (;;) {
        int a, b;
        if (parse_hour(&p, &a) != 0 || a > 23)
            return CRIER_ERR_INVAL;
        if (*p == '-') {
            p++;
            if (parse_hour(&p, &b) != 0)
                return CRIER_ERR_INVAL;
            if (a == b)
                return CRIER_ERR_INVAL;
            if (b % 24 == a) { /* "0-24": the whole day */
                m = CRIER_HOURS_ALL;
            } else
            for (int h = a; h != b % 24; h = (h + 1) % 24)
                m |= 1u << h;
        } else {
            m |= 1u << a;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p)
            return CRIER_ERR_INVAL;
        break;
    }
    *mask = m;
    return CRIER_OK;
}

static int day_index(const char **p)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    for (int i = 0; i < 7; i++)
        if (!strncasecmp(s, names[i], 3)) {
            s += 3;
            while (isalpha((unsigned char)*s)) /* "monday", "tues" */
                s++;
            while (isspace((unsigned char)*s))
                s++;
            *p = s;
            return i;
        }
    return -1;
}

crier_err crier_schedule_parse_days(const char *spec, uint8_t *mask)
{
    if (is_all(spec) || !strcasecmp(spec, "daily")) {
        *mask = CRIER_DAYS_ALL;
        return CRIER_OK;
    }
    if (!strcasecmp(spec, "weekdays")) {
        *mask = 0x1F;
        return CRIER_OK;
    }
    if (!strcasecmp(spec, "weekends")) {
        *mask = 0x60;
        return CRIER_OK;
    }
    uint8_t m = 0;
    const char *p = spec;
    for (;;) {
        int a = day_index(&p), b;
        if (a < 0)
            return CRIER_ERR_INVAL;
        if (*p == '-') {
            p++;
            if ((b = day_index(&p)) < 0)
                return CRIER_ERR_INVAL;
            for (int d = a;; d = (d + 1) % 7) {
                m |= (uint8_t)(1u << d);
                if (d == b)
                    break;
            }
        } else {
            m |= (uint8_t)(1u << a);
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p)
            return CRIER_ERR_INVAL;
        break;
    }
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
