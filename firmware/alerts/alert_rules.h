/* alert_rules.h - what an alert on this kiosk's screen is, defined once.
 *
 * Every part of Crier that asks one of these questions asks it here:
 *
 *   identity      two alerts are the same message when sender, identifier and
 *                 sent time match (the CAP 1.2 reference triple):
 *                 crier_alert_same().  The alert set never holds two active
 *                 alerts with the same sender and identifier (replay rule).
 *   expiry        an alert is over when crier_alert_expiry() <= now on the
 *                 kiosk's own clock: crier_alert_expired().
 *   displayable   an active alert is on screen at now when it has not expired
 *                 and is effective (crier_alert_effective() <= now), or was on
 *                 screen already: a clock step backwards never blanks a real
 *                 alert.  crier_alert_displayable().
 *   retained      how long the broker keeps a retained alert message (MQTT
 *                 message expiry) for the senders (crierctl, the console):
 *                 crier_alert_retain_expiry_s().
 *   already seen  a memory of alert identities: crier_alert_seen.  The alert
 *                 service remembers the last snapshot it posted (for the rule
 *                 above), the screen which alerts it reported presented, the
 *                 sound which alerts it announced.
 *
 * Users: alerts/alert_set.c (snapshots, expiry), alerts/alerts.c (the alert
 * service), alerts/alert_screen.c (the render loop's alert state),
 * alerts/alertsound.c (which alerts are new).  Pure logic: no clock is read,
 * every function takes now.
 *
 * Ownership: a crier_alert_list owns its alerts (crier_alert_list_free, or
 * crier_alert_list_free_void as a mailbox payload_free).  A crier_alert_seen
 * owns copies of the identities it holds; the struct itself is the caller's,
 * zero-initialised, and crier_alert_seen_clear() frees its contents. */
#ifndef CRIER_ALERT_RULES_H
#define CRIER_ALERT_RULES_H

#include "alerts/alert.h"

#include <stddef.h>
#include <stdint.h>

/* An owned snapshot, in display order (most severe, most urgent, newest first). */
typedef struct crier_alert_list {
    crier_alert **items;
    size_t count;
} crier_alert_list;

void crier_alert_list_free(crier_alert_list *list); /* NULL-safe */
void crier_alert_list_free_void(void *list);

/* 1 when a and b are the same alert message (sender, identifier, sent). */
int crier_alert_same(const crier_alert *a, const crier_alert *b);
/* 1 when the alert is over at now_ms (an info without expires lasts
 * default_ttl_ms after sent; 0 = until cancelled). */
int crier_alert_expired(const crier_alert *a, int64_t now_ms, int64_t default_ttl_ms);
/* 1 when an active alert belongs on screen at now_ms; on_screen: it was in the
 * snapshot shown before. */
int crier_alert_displayable(const crier_alert *a, int64_t now_ms, int64_t default_ttl_ms, int on_screen);

/* A memory of alert identities. */
typedef struct crier_alert_id {
    char *sender, *identifier;
    int64_t sent_ms;
} crier_alert_id;

typedef struct crier_alert_seen {
    crier_alert_id *ids;
    size_t count;
} crier_alert_seen;

/* 1 when the alert is in the memory (NULL-safe: 0). */
int crier_alert_seen_has(const crier_alert_seen *seen, const crier_alert *alert);
/* Compare a list (NULL = none) with the memory: is_new[i] (room for
 * list->count entries; may be NULL) is 1 for alerts not in it.  The list then
 * becomes the memory.  Returns the number of new alerts, or (size_t)-1 on
 * allocation failure (the memory is then left unchanged). */
size_t crier_alert_seen_update(crier_alert_seen *seen, const crier_alert_list *list, unsigned char *is_new);
/* 1 when every identity of a is also in b. */
int crier_alert_seen_within(const crier_alert_seen *a, const crier_alert_seen *b);
void crier_alert_seen_clear(crier_alert_seen *seen); /* frees the contents; NULL-safe */

/* A retained alert message outlives the alert's expiry by this much, so a
 * kiosk that reconnects late still hears of it (and of its Cancel). */
#define CRIER_ALERT_RETAIN_GRACE_S 3600
/* The MQTT message expiry (seconds) of a retained alert message that expires
 * at expiry_ms: that + the grace, at least the grace; 0 (kept until replaced)
 * for no expiry or one more than 400 days away. */
uint32_t crier_alert_retain_expiry_s(int64_t expiry_ms, int64_t now_ms);

#endif
