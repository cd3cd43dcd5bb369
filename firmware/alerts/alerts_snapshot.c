/* alerts_snapshot.c - what the alert service hands the screen, and the state
 * file (see alerts.h "To the render thread").
 *
 * A snapshot is a deep copy of the alerts displayable now
 * (crier_alert_set_snapshot, by the rule of alerts/alert_rules.h: an alert on
 * screen in the last snapshot stays while it has not expired, so a clock
 * step backwards cannot blank a real alert).  It is posted whenever that
 * membership changes: an accepted message, an expiry, an alert becoming
 * effective.  The screen first, the disk second: the state is saved after the
 * snapshot is posted; the retained topics cover the short window. */
#include "alerts/alerts_internal.h"

#include "base/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

void crier_alerts__post_snapshot(crier_alerts *al, int64_t now)
{
    crier_alert_list *l = NULL;
    crier_alert_seen shown = {NULL, 0};
    if (crier_alert_set_snapshot(al->set, now, &al->shown, &l) != CRIER_OK ||
        crier_alert_seen_update(&shown, l, NULL) == (size_t)-1) {
        LOG_ERROR(ALERTS_COMP, "out of memory building the alert snapshot; retrying");
        al->snapshot_retry = 1;
        crier_alert_list_free(l);
        return;
    }
    char key[32];
    uint64_t gen = al->gen + 1;
    snprintf(key, sizeof key, "%" PRIu64, gen);
    crier_msg *m = crier_msg_new(CRIER_MSG_ALERTS, "alerts", key);
    if (!m) {
        LOG_ERROR(ALERTS_COMP, "out of memory building the alert snapshot; retrying");
        al->snapshot_retry = 1;
        crier_alert_list_free(l);
        crier_alert_seen_clear(&shown);
        return;
    }
    int count = (int)l->count;
    m->payload = l;
    m->payload_free = crier_alert_list_free_void;
    if (crier_mailbox_post(al->mailbox, m) != CRIER_OK) {
        LOG_ERROR(ALERTS_COMP, "alert snapshot could not be queued for the screen; retrying");
        al->snapshot_retry = 1;
        crier_alert_seen_clear(&shown);
        return;
    }
    al->gen = gen;
    al->snapshot_retry = 0;
    crier_alert_seen_clear(&al->shown);
    al->shown = shown;
    pthread_mutex_lock(&al->lock);
    int changed_count = al->active != count;
    al->active = count;
    al->stats.generation = gen;
    if (al->mq) { /* published by crier_alerts__flush(), outside the lock */
        al->report_active = 1;
        al->heartbeat_soon |= changed_count;
    }
    pthread_mutex_unlock(&al->lock);
    LOG_DEBUG(ALERTS_COMP, "snapshot %" PRIu64 ": %d alert(s) on screen", gen, count);
}

void crier_alerts__save_state(crier_alerts *al)
{
    if (!al->state_path)
        return;
    crier_err rc = crier_alert_set_save(al->set, al->state_path);
    if (rc != CRIER_OK) {
        LOG_ERROR(ALERTS_COMP, "cannot save the alert state to %s: %s", al->state_path, crier_strerror(rc));
        crier_alerts__stat_add(al, &al->stats.save_errors, 1);
    } else {
        crier_alerts__stat_add(al, &al->stats.saves, 1);
    }
}

void crier_alerts__snapshot_timers(crier_alerts *al, int64_t now)
{
    size_t n = crier_alert_set_expire(al->set, now);
    if (n) {
        LOG_INFO(ALERTS_COMP, "%zu alert(s) expired at the kiosk's clock", n);
        crier_alerts__stat_add(al, &al->stats.expired, n);
    }
    if (n || al->snapshot_retry || crier_alert_set_snapshot_changed(al->set, now, &al->shown))
        crier_alerts__post_snapshot(al, now);
    if (n)
        crier_alerts__save_state(al);
}
