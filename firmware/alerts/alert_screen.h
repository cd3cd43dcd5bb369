/* alert_screen.h - the render loop's alert state, in pure code.
 *
 * The render loop holds one crier_alert_screen and asks it:
 *   - crier_alert_screen_take(): a snapshot arrived from the alert service
 *     (CRIER_MSG_ALERTS); it replaces the previous one entirely;
 *   - crier_alert_screen_active() / _list() / _language(): is an alert on
 *     screen, which, and which language (info block) of the first one shows;
 *   - crier_alert_screen_tick(): every turn: alerts whose time is up leave the
 *     screen on the kiosk's own clock (crier_alert_expired, the same rule as the
 *     alert service, which sends a new snapshot too: this keeps the screen
 *     right without it), and the languages of a multilingual alert take turns
 *     every language_ms;
 *   - crier_alert_screen_deadline(): when the loop must wake for the above;
 *   - crier_alert_screen_presented(): after a frame was presented: the snapshot
 *     it showed is reported once (receipts), and every alert on screen for the
 *     first time once (alert_presented event, log line, hook), by alert
 *     identity (alerts/alert_rules.h);
 *   - crier_alert_screen_slot_end(): the rotation's clock stops while an alert
 *     covers the posts: what a post had left of its slot when the alert came,
 *     it gets when the alert goes (at least its slot or
 *     CRIER_ALERT_RESUME_MIN_MS, the shorter), so the screen does not rotate,
 *     with a transition, the moment it comes back.
 *
 * Events (through cfg->events, may be NULL): alerts_updated {count},
 * alert_expired {identifier}, alert_presented {identifier, sender,
 * received_ms, presented_ms}.
 *
 * Threads: render thread only.  Pure: every function takes the time. */
#ifndef CRIER_ALERT_SCREEN_H
#define CRIER_ALERT_SCREEN_H

#include "alerts/alert_rules.h"
#include "base/eventlog.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_ALERT_RESUME_MIN_MS 2000

typedef struct crier_alert_screen crier_alert_screen;

typedef struct crier_alert_screen_cfg {
    int64_t default_ttl_ms; /* alert_default_ttl_s * 1000 (0 = until cancelled) */
    int64_t language_ms;    /* alert_language_s * 1000: each language of an alert shows this long */
    crier_eventlog *events; /* borrowed, may be NULL */
} crier_alert_screen_cfg;

/* Who hears about presented frames (any callback may be NULL). */
typedef struct crier_alert_screen_report {
    /* once per snapshot taken, with the key of its CRIER_MSG_ALERTS message */
    void (*snapshot)(void *ud, const char *snapshot_key, int64_t presented_ms);
    /* once per alert, the first frame it is on */
    void (*alert)(void *ud, const crier_alert *alert, int64_t presented_ms);
    void *ud;
} crier_alert_screen_report;

crier_alert_screen *crier_alert_screen_new(const crier_alert_screen_cfg *cfg); /* NULL: out of memory */
void crier_alert_screen_free(crier_alert_screen *s);                           /* NULL-safe */

/* Take a snapshot (ownership moves; NULL = no alert) with its message key. */
void crier_alert_screen_take(crier_alert_screen *s, crier_alert_list *snapshot, const char *key, int64_t now_mono);
/* 1 while at least one alert is on screen (NULL-safe: 0). */
int crier_alert_screen_active(const crier_alert_screen *s);
/* The alerts on screen, display order (NULL when none); valid until the next
 * take or tick. */
const crier_alert_list *crier_alert_screen_list(const crier_alert_screen *s);
/* The language turn: which info block of the first alert shows. */
size_t crier_alert_screen_language(const crier_alert_screen *s);

/* Expire and turn languages; 1 when the screen must be redrawn. */
int crier_alert_screen_tick(crier_alert_screen *s, int64_t now_wall, int64_t now_mono);
/* The next monotonic time the loop must wake for alerts (INT64_MAX: none). */
int64_t crier_alert_screen_deadline(const crier_alert_screen *s, int64_t now_wall, int64_t now_mono);
/* A frame was presented at wall time presented_ms. */
void crier_alert_screen_presented(crier_alert_screen *s, int64_t presented_ms, const crier_alert_screen_report *r);

/* The rotation's slot end to use now (see above): slot_end_mono and slot_ms
 * of the current post (slot_end_mono INT64_MAX: no slot running), has_slide: a
 * post is on the screen under the alert. */
int64_t crier_alert_screen_slot_end(crier_alert_screen *s, int64_t now_mono, int64_t slot_end_mono, int64_t slot_ms,
                                    int has_slide);

#endif
