/* weekly.h - the one day/hour grammar of every schedule key.
 *
 * source.NAME.days, source.NAME.hours and display_schedule all speak it
 * (docs/configuration.md, "Days and hours"):
 *
 *   days   := ditem (',' ditem)*
 *   ditem  := "daily" | "weekdays" | "weekends" | "*" | day | day '-' day
 *   day    := mon | tue | wed | thu | fri | sat | sun   (more letters may follow:
 *             "monday", "Tues")
 *   hours  := hitem (',' hitem)*
 *   hitem  := time | time '-' time
 *   time   := H | HH | H:MM | HH:MM    (00:00..23:59; 24 or 24:00 only as an end)
 *
 * Case-insensitive; spaces and tabs may stand around ',' and '-'.  A day range
 * may wrap ("sat-mon").  An hour range runs from its start up to (not
 * including) its end; an end at or before the start runs past midnight
 * ("22-06"), so an equal start and end is a whole day.  A lone time is the hour
 * that starts then ("12" = 12:00-13:00).  A whole value of "", "*", "all" or
 * "always" means every day / every hour wherever a key allows it.
 *
 * Pure logic: no clock, no allocation, no logging. */
#ifndef CRIER_WEEKLY_H
#define CRIER_WEEKLY_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_WEEKLY_ALL_DAYS 0x7Fu /* bit 0 = Monday ... bit 6 = Sunday */
#define CRIER_WEEKLY_DAY_MIN 1440

/* A span of the day: from start_min (0..1439, minutes after local midnight)
 * for len_min minutes (1..1440; may run past midnight). */
typedef struct crier_time_range {
    uint16_t start_min;
    uint16_t len_min;
} crier_time_range;

/* Parses a day list that starts at s[*pos] (s has len bytes, need not be
 * NUL-terminated) and advances *pos past it and the spaces after it; the text
 * after the list (a time, ';', the end) is the caller's.  CRIER_ERR_PARSE when
 * no valid day list starts there (*pos and *days are then unspecified). */
crier_err crier_weekly_days(const char *s, size_t len, size_t *pos, uint8_t *days);

/* The same for an hour list: out[0..*n) receives one range per item (at most
 * cap; CRIER_ERR_LIMIT beyond).  CRIER_ERR_PARSE on bad syntax. */
crier_err crier_weekly_hours(const char *s, size_t len, size_t *pos, crier_time_range *out, size_t cap,
                             size_t *n);

/* 1 when s[0..len) is "", "*", "all" or "always" (spaces around ignored). */
int crier_weekly_is_all(const char *s, size_t len);

#endif
