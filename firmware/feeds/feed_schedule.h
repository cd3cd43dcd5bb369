/* feed_schedule.h - per-source scheduling rules over crier_item_lists.
 *
 * Pure functions of (items, rule, wall time): no clock, no I/O, no threads.
 * Local time (day-parting, "as of HH:MM") follows the process time zone (TZ).
 *
 *   priority  added to each item's own priority; the rotation breaks ties with it
 *   weight    the source's share of the rotation (smooth weighted round-robin)
 *   hours     local hours when the source may show ("07-22", "7-9,17-20",
 *             "22-06" wraps past midnight; end hour exclusive; "*" always):
 *             whole hours of the one grammar of config/weekly.h
 *   days      local weekdays ("mon-fri", "sat,sun", "weekdays", "daily", "*"),
 *             config/weekly.h
 *   validity  default lifetime of posts that carry none (from publication time,
 *             else from when they were fetched) */
#ifndef CRIER_FEED_SCHEDULE_H
#define CRIER_FEED_SCHEDULE_H

#include "content/content.h"
#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_HOURS_ALL 0xFFFFFFu /* 24 bits */
#define CRIER_DAYS_ALL 0x7Fu      /* bit 0 = Monday .. bit 6 = Sunday */

typedef struct crier_schedule {
    int32_t priority;
    int32_t weight;              /* >= 1 */
    uint32_t hours_mask;         /* bit h: local hour h allowed */
    uint8_t days_mask;           /* bit d: weekday d allowed (0 = Monday) */
    int64_t default_validity_ms; /* 0 = posts without validity never expire */
} crier_schedule;

/* priority 0, weight 1, all hours, all days, no default validity. */
void crier_schedule_init(crier_schedule *s);

/* Parse day-parting specs in the grammar of config/weekly.h (NULL, "", "*",
 * "all" = all).  Hours must be whole ("07:30" is refused).  CRIER_ERR_INVAL on
 * bad syntax. */
crier_err crier_schedule_parse_hours(const char *spec, uint32_t *mask);
crier_err crier_schedule_parse_days(const char *spec, uint8_t *mask);

/* Does the rule's day-parting allow showing at wall time now_ms? */
int crier_schedule_allows(const crier_schedule *s, int64_t now_ms);

/* Stamp every item of a source's list with the rule: priority added, weight set,
 * default validity filled where an item has none.  Call once per fresh list. */
void crier_schedule_apply(const crier_schedule *s, crier_item_list *list);

/* Remove items that are not current at now_ms (expired, not yet valid, events
 * that have ended).  Returns how many were removed. */
size_t crier_schedule_prune(crier_item_list *list, int64_t now_ms);

/* Earliest wall time after now_ms at which what the rule + items show changes
 * (an item's valid_from / valid_until / event end, or a day-parting boundary);
 * INT64_MAX if nothing ever changes.  Lets a consumer sleep until then. */
int64_t crier_schedule_next_change(const crier_schedule *s, const crier_item_list *list, int64_t now_ms);

/* Smooth weighted round-robin over the current POST items of list: each call
 * adds every candidate's weight to its credit, picks the highest credit (ties:
 * higher priority, then lower index) and subtracts the total.  credit has
 * list->count entries, zeroed by the caller when the list changes.  Returns
 * the index picked, or (size_t)-1 if no post is current. */
size_t crier_schedule_pick(const crier_item_list *list, int64_t *credit, int64_t now_ms);

/* "as of HH:MM" (local time of last_success_ms) when the source has been failing
 * for at least stale_after_ms: last_error_ms > last_success_ms > 0 and
 * now_ms - last_success_ms >= stale_after_ms.  Returns 1 and fills buf, else 0. */
int crier_schedule_stale_label(int64_t last_success_ms, int64_t last_error_ms, int64_t now_ms,
                               int64_t stale_after_ms, char *buf, size_t len);

#endif
