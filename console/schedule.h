/* schedule.h - a post's schedule: validity window plus days and hours in the
 * kiosks' own grammar (config/weekly.h: "weekdays", "mon-fri", "sat,sun";
 * "8-18", "07:30-09:00, 17-20", "22-06").
 *
 * Like a source's days/hours on a kiosk, days and hours are checked
 * independently in local time (TZ): the post shows when today is one of the
 * days and the time of day lies in one of the ranges ("22-06" on "fri" is
 * Friday 00:00-06:00 and 22:00-24:00).  Kiosks take valid_from / valid_until
 * themselves; the console applies days and hours by publishing the post when
 * a window opens and retracting it when it closes (posts.c).
 *
 * Pure logic apart from localtime_r. */
#ifndef CRIER_CONSOLE_SCHEDULE_H
#define CRIER_CONSOLE_SCHEDULE_H

#include "console.h"
#include "config/weekly.h"

#define CN_SCHED_RANGES 24
#define CN_SCHED_SPEC_MAX 128

typedef struct cn_sched {
    int64_t from_ms, until_ms; /* 0 = open */
    uint8_t days;              /* bit 0 = Monday */
    size_t nranges;            /* 0 = all day */
    crier_time_range ranges[CN_SCHED_RANGES];
    char days_spec[CN_SCHED_SPEC_MAX], hours_spec[CN_SCHED_SPEC_MAX];
} cn_sched;

/* Parses {"valid_from","valid_until","days","hours"} (every member optional;
 * NULL or null schedule = always).  err names the bad member. */
crier_err cn_sched_parse(const cJSON *schedule, cn_sched *out, char *err, size_t err_len);
/* {"valid_from","valid_until","days","hours"} as given (times as RFC 3339 UTC). */
cJSON *cn_sched_json(const cn_sched *s);
/* Do days or hours restrict the post (beyond its validity)? */
int cn_sched_windowed(const cn_sched *s);
/* Do days and hours allow showing at t (validity not checked)? */
int cn_sched_allows(const cn_sched *s, int64_t t_ms);
/* Inside the validity window and allowed by days and hours at t? */
int cn_sched_live(const cn_sched *s, int64_t t_ms);
/* "Weekdays 08:00–18:00, until 24 Dec" (local time; the year only when it is
 * not the year of now). */
void cn_sched_words(const cn_sched *s, int64_t now_ms, char *out, size_t len);
/* Start times of the next (at most max) showings from now on, within eight
 * weeks; a showing already running counts with start now.  Returns how many. */
int cn_sched_next(const cn_sched *s, int64_t now_ms, int64_t *starts, int max);

#endif
