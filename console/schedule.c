/* schedule.c - post schedules: parsing with the kiosks' grammar, words, next
 * showings (schedule.h). */
#include "schedule.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static crier_err parse_time_member(const cJSON *sch, const char *key, int64_t *out, char *err, size_t err_len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sch, key);
    *out = 0;
    if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]))
        return CRIER_OK;
    if (!cJSON_IsString(v) || cn_time_parse(v->valuestring, out) != 0) {
        crier_errf(err, err_len, "schedule '%s': want an RFC 3339 time like 2026-12-24T18:00:00+01:00", key);
        return CRIER_ERR_INVAL;
    }
    return CRIER_OK;
}

static const char *spec_member(const cJSON *sch, const char *key, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sch, key);
    *bad = 0;
    if (!v || cJSON_IsNull(v))
        return "";
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= CN_SCHED_SPEC_MAX) {
        *bad = 1;
        return "";
    }
    return v->valuestring;
}

crier_err cn_sched_parse(const cJSON *sch, cn_sched *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    out->days = CRIER_WEEKLY_ALL_DAYS;
    if (!sch || cJSON_IsNull(sch))
        return CRIER_OK;
    if (!cJSON_IsObject(sch)) {
        crier_errf(err, err_len, "'schedule' must be an object");
        return CRIER_ERR_INVAL;
    }
    for (const cJSON *f = sch->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        if (strcmp(k, "valid_from") && strcmp(k, "valid_until") && strcmp(k, "days") && strcmp(k, "hours")) {
            crier_errf(err, err_len, "schedule: unknown member (want valid_from, valid_until, days, hours)");
            return CRIER_ERR_INVAL;
        }
    }
    crier_err e;
    if ((e = parse_time_member(sch, "valid_from", &out->from_ms, err, err_len)) != CRIER_OK ||
        (e = parse_time_member(sch, "valid_until", &out->until_ms, err, err_len)) != CRIER_OK)
        return e;
    if (out->from_ms && out->until_ms && out->until_ms <= out->from_ms) {
        crier_errf(err, err_len, "schedule: valid_until is not after valid_from");
        return CRIER_ERR_INVAL;
    }
    int bad;
    const char *days = spec_member(sch, "days", &bad);
    size_t len = strlen(days), pos = 0;
    if (bad || (!crier_weekly_is_all(days, len) &&
                (crier_weekly_days(days, len, &pos, &out->days) != CRIER_OK || pos != len))) {
        crier_errf(err, err_len, "schedule 'days': want days like \"weekdays\", \"mon-fri\", \"sat,sun\" or \"*\"");
        return CRIER_ERR_INVAL;
    }
    snprintf(out->days_spec, sizeof out->days_spec, "%s", days);
    const char *hours = spec_member(sch, "hours", &bad);
    len = strlen(hours);
    pos = 0;
    if (bad || (!crier_weekly_is_all(hours, len) &&
                (crier_weekly_hours(hours, len, &pos, out->ranges, CN_SCHED_RANGES, &out->nranges) != CRIER_OK ||
                 pos != len))) {
        crier_errf(err, err_len, "schedule 'hours': want hours like \"8-18\", \"07:30-09:00, 17-20\" or \"*\"");
        return CRIER_ERR_INVAL;
    }
    snprintf(out->hours_spec, sizeof out->hours_spec, "%s", hours);
    return CRIER_OK;
}

cJSON *cn_sched_json(const cn_sched *s)
{
    cJSON *o = cJSON_CreateObject();
    char t[32];
    cn_time_str(s->from_ms, t, sizeof t);
    cJSON_AddStringToObject(o, "valid_from", t);
    cn_time_str(s->until_ms, t, sizeof t);
    cJSON_AddStringToObject(o, "valid_until", t);
    cJSON_AddStringToObject(o, "days", s->days_spec);
    cJSON_AddStringToObject(o, "hours", s->hours_spec);
    return o;
}

int cn_sched_windowed(const cn_sched *s)
{
    return s->days != CRIER_WEEKLY_ALL_DAYS || s->nranges > 0;
}

int cn_sched_allows(const cn_sched *s, int64_t t_ms)
{
    time_t t = (time_t)(t_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    int day = (tm.tm_wday + 6) % 7, min = tm.tm_hour * 60 + tm.tm_min;
    if (!(s->days & (1u << day)))
        return 0;
    if (s->nranges == 0)
        return 1;
    for (size_t i = 0; i < s->nranges; i++) {
        int a = s->ranges[i].start_min, l = s->ranges[i].len_min;
        if ((min >= a && min < a + l) || (a + l > 1440 && min < a + l - 1440))
            return 1;
    }
    return 0;
}

int cn_sched_live(const cn_sched *s, int64_t t_ms)
{
    if (s->from_ms && t_ms < s->from_ms)
        return 0;
    if (s->until_ms && t_ms >= s->until_ms)
        return 0;
    return cn_sched_allows(s, t_ms);
}

static const char *const day_abbr[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const month_abbr[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
#define DASH "\xe2\x80\x93" /* en dash */

static void days_words(uint8_t days, char *out, size_t len)
{
    if (days == CRIER_WEEKLY_ALL_DAYS) {
        snprintf(out, len, "Every day");
        return;
    }
    if (days == 0x1F) {
        snprintf(out, len, "Weekdays");
        return;
    }
    if (days == 0x60) {
        snprintf(out, len, "Weekends");
        return;
    }
    size_t n = 0;
    out[0] = '\0';
    for (int d = 0; d < 7;) {
        if (!(days & (1u << d))) {
            d++;
            continue;
        }
        int e = d;
        while (e + 1 < 7 && (days & (1u << (e + 1))))
            e++;
        if (e - d >= 2)
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s" DASH "%s", n ? ", " : "", day_abbr[d],
                                  day_abbr[e]);
        else
            for (int k = d; k <= e; k++)
                n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", day_abbr[k]);
        d = e + 1;
    }
}

static void hours_words(const cn_sched *s, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->nranges; i++) {
        int a = s->ranges[i].start_min, b = (a + s->ranges[i].len_min) % 1440;
        if (s->ranges[i].len_min >= 1440)
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%sall day", n ? ", " : "");
        else
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%02d:%02d" DASH "%02d:%02d", n ? ", " : "",
                                  a / 60, a % 60, b == 0 ? 24 : b / 60, b % 60);
    }
}

static void date_words(int64_t ms, int64_t now_ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000), n = (time_t)(now_ms / 1000);
    struct tm tm, tn;
    localtime_r(&t, &tm);
    localtime_r(&n, &tn);
    size_t k = (size_t)snprintf(out, len, "%d %s", tm.tm_mday, month_abbr[tm.tm_mon]);
    if (tm.tm_year != tn.tm_year && k < len)
        k += (size_t)snprintf(out + k, len - k, " %d", tm.tm_year + 1900);
    if ((tm.tm_hour || tm.tm_min) && k < len)
        snprintf(out + k, len - k, " %02d:%02d", tm.tm_hour, tm.tm_min);
}

void cn_sched_words(const cn_sched *s, int64_t now_ms, char *out, size_t len)
{
    char d[96], h[256], when[48];
    size_t n;
    if (s->until_ms && s->until_ms <= now_ms) {
        date_words(s->until_ms, now_ms, when, sizeof when);
        snprintf(out, len, "Ended %s", when);
        return;
    }
    if (!s->days) {
        snprintf(out, len, "Never");
        return;
    }
    days_words(s->days, d, sizeof d);
    hours_words(s, h, sizeof h);
    if (!cn_sched_windowed(s))
        n = (size_t)snprintf(out, len, "Always");
    else if (s->nranges == 0)
        n = (size_t)snprintf(out, len, "%s, all day", d);
    else
        n = (size_t)snprintf(out, len, "%s %s", d, h);
    if (s->from_ms && s->from_ms > now_ms && n < len) {
        date_words(s->from_ms, now_ms, when, sizeof when);
        n += (size_t)snprintf(out + n, len - n, ", from %s", when);
    }
    if (s->until_ms && n < len) {
        date_words(s->until_ms, now_ms, when, sizeof when);
        snprintf(out + n, len - n, ", until %s", when);
    }
}

int cn_sched_next(const cn_sched *s, int64_t now_ms, int64_t *starts, int max)
{
    /* local minute boundaries lie on the UTC minute grid, and with ranges on
     * quarter hours every boundary lies on the 15-minute grid */
    int64_t step = 15 * 60000, horizon = 8 * 7 * 86400000LL;
    for (size_t i = 0; i < s->nranges; i++)
        if (s->ranges[i].start_min % 15 || s->ranges[i].len_min % 15) {
            step = 60000;
            horizon = 2 * 7 * 86400000LL;
        }
    int64_t t = now_ms, end = now_ms + horizon;
    if (s->from_ms > t)
        t = s->from_ms;
    if (s->until_ms && s->until_ms < end)
        end = s->until_ms;
    int n = 0, prev = 0;
    while (t < end && n < max) {
        int on = cn_sched_allows(s, t);
        if (on && !prev)
            starts[n++] = t;
        prev = on;
        if (!cn_sched_windowed(s))
            break;
        t = (t / step + 1) * step;
    }
    return n;
}
