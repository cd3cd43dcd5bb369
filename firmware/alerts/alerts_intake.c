/* alerts_intake.c - one alert message, from the MQTT hook to a verdict.
 *
 * Per message: topic check -> size -> crier_envelope_open (keyring) ->
 * crier_alert_parse -> scope/topic consistency -> crier_alert_set_apply ->
 * (changed) snapshot to the mailbox, then the state file -> receipt (accepted
 * ones wait for the renderer's "presented", alerts_receipts.c).
 *
 * Two duplicate memories, both by payload hash (base/hash.h):
 *   seen    retained envelopes already handled, checked by the MQTT thread's
 *           hook before a copy is queued (under the lock): every reconnect
 *           re-sends every retained alert, and a burst of old copies must
 *           never crowd out a new alert;
 *   hashes  envelopes accepted (worker only): a QoS 1 duplicate of an
 *           accepted alert is not an attack and gets no rejection receipt. */
#include "alerts/alerts_internal.h"

#include "alerts/alert.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "content/content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hash_known(const crier_alerts *al, uint64_t h)
{
    for (size_t i = 0; i < ALERTS_HASH_RING; i++)
        if (al->hashes[i] == h)
            return 1;
    return 0;
}

static void remember_seen(crier_alerts *al, uint64_t h)
{
    pthread_mutex_lock(&al->lock);
    al->seen[al->seen_next] = h;
    al->seen_next = (al->seen_next + 1) % ALERTS_SEEN_RING;
    pthread_mutex_unlock(&al->lock);
}

int crier_alerts__seen_before(crier_alerts *al, const void *payload, size_t len)
{
    uint64_t h = crier_hash64(payload, len);
    int found = 0;
    pthread_mutex_lock(&al->lock);
    for (size_t i = 0; i < ALERTS_SEEN_RING && !found; i++)
        found = al->seen[i] == h && h != 0;
    pthread_mutex_unlock(&al->lock);
    return found;
}

static void reject(crier_alerts *al, const alerts_msg_info *mi, crier_err code, const char *reason)
{
    if (mi->issuer && mi->identifier)
        LOG_WARN(ALERTS_COMP, "rejected alert '%s' from '%s' signed by '%s' (key %s) on %s (%zu bytes): %s",
                 mi->identifier, nz(mi->sender), mi->issuer, nz(mi->key_id), nz(mi->topic), mi->bytes, reason);
    else if (mi->issuer)
        LOG_WARN(ALERTS_COMP, "rejected alert message on %s (%zu bytes) signed by '%s' (key %s): %s", nz(mi->topic),
                 mi->bytes, mi->issuer, nz(mi->key_id), reason);
    else
        LOG_WARN(ALERTS_COMP, "rejected alert message on %s (%zu bytes, issuer unknown): %s", nz(mi->topic),
                 mi->bytes, reason);
    crier_alerts__stat_add(al, &al->stats.rejected, 1);
    crier_eventlog_emit(al->events, "alert_rejected", "s:reason", reason, "s:identifier", nz(mi->identifier),
                        "s:sender", nz(mi->sender), "s:issuer", nz(mi->issuer), "s:topic", nz(mi->topic),
                        "i:received_ms", mi->received_ms, NULL);
    crier_receipt r;
    crier_alerts__receipt_from(al, mi, "rejected", code, reason, &r);
    crier_alerts__send_receipt(al, mi->tid, &r);
}

static int scope_matches(const crier_alert *a, const crier_topic *t)
{
    switch (a->scope) {
    case CRIER_ALERT_SCOPE_ALL: return t->scope == CRIER_SCOPE_ALL;
    case CRIER_ALERT_SCOPE_SITE: return t->scope == CRIER_SCOPE_SITE && a->scope_target && strcmp(a->scope_target, t->target) == 0;
    case CRIER_ALERT_SCOPE_KIOSK: return t->scope == CRIER_SCOPE_KIOSK && a->scope_target && strcmp(a->scope_target, t->target) == 0;
    }
    return 0;
}

/* An alert travels on its own topic id; an Update or Cancel on the topic id of
 * one of the alerts it references (it replaces the retained message there). */
static int topic_id_matches(const crier_alert *a, const char *tid)
{
    char want[CRIER_NAME_MAX + 1];
    if (crier_alert_topic_id(a->sender, a->identifier, want, sizeof want) == CRIER_OK && strcmp(want, tid) == 0)
        return 1;
    for (size_t i = 0; i < a->ref_count; i++)
        if (crier_alert_topic_id(a->refs[i].sender, a->refs[i].identifier, want, sizeof want) == CRIER_OK &&
            strcmp(want, tid) == 0)
            return 1;
    return 0;
}

void crier_alerts__handle_message(crier_alerts *al, const alerts_job *j)
{
    char reason[300];
    alerts_msg_info mi = {0};
    crier_topic t;
    crier_alert *a = NULL;
    char *payload = NULL;
    size_t plen = 0;
    mi.topic = j->topic;
    mi.received_ms = j->received_ms;
    mi.bytes = j->len;
    mi.retained = j->retained;
    crier_alerts__stat_add(al, &al->stats.received, 1);

    if (crier_topic_parse(j->topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_ALERT) {
        LOG_WARN(ALERTS_COMP, "message on %s is not an alert topic; dropped", j->topic);
        return;
    }
    snprintf(mi.tid, sizeof mi.tid, "%s", t.name);
    if (!crier_topic_is_for(&t, al->site, al->kiosk)) {
        snprintf(reason, sizeof reason, "alert topic for %s '%s' is not for this kiosk (site '%s')",
                 crier_scope_name(t.scope), t.target, nz(al->site));
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        return;
    }
    if (j->len == 0) { /* staff cleared a retained alert topic: nothing to do */
        LOG_DEBUG(ALERTS_COMP, "empty retained message on %s (topic cleared)", j->topic);
        return;
    }
    if (!j->payload) {
        snprintf(reason, sizeof reason, "alert message of %zu bytes exceeds the limit of %u bytes", j->len,
                 (unsigned)CRIER_ENVELOPE_MAX_BYTES);
        reject(al, &mi, CRIER_ERR_LIMIT, reason);
        return;
    }
    uint64_t h = crier_hash64(j->payload, j->len);
    /* Its retained copies (every reconnect re-sends every retained alert, and a
     * live alert is retained too) are then dropped at the door, before any
     * signature check: a reconnect costs a hash per alert.  A live message with
     * the same bytes is still handled (and refused as a replay, with a receipt). */
    remember_seen(al, h);
    char why[200] = "";
    crier_err rc = crier_envelope_open(j->payload, j->len, al->ring, &payload, &plen, &mi.issuer, &mi.key_id, why,
                                       sizeof why);
    if (rc != CRIER_OK) {
        snprintf(reason, sizeof reason, "%s", why[0] ? why : crier_strerror(rc));
        reject(al, &mi, rc, reason);
        goto cleanup;
    }
    rc = crier_alert_parse(payload, plen, &a, why, sizeof why);
    if (rc != CRIER_OK) {
        snprintf(reason, sizeof reason, "%s", why[0] ? why : crier_strerror(rc));
        reject(al, &mi, rc, reason);
        goto cleanup;
    }
    mi.identifier = crier_strdup(a->identifier);
    mi.sender = crier_strdup(a->sender);
    mi.msg_type = crier_alert_msgtype_name(a->msg_type);
    mi.status = crier_alert_status_name(a->status);
    mi.sent_ms = a->sent_ms;
    /* receipts go to the message's own topic id (crierctl waits there) */
    crier_alert_topic_id(a->sender, a->identifier, mi.tid, sizeof mi.tid);
    if (!scope_matches(a, &t)) {
        snprintf(reason, sizeof reason, "the alert's scope does not match its topic %s", j->topic);
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        goto cleanup;
    }
    if (!topic_id_matches(a, t.name)) {
        snprintf(reason, sizeof reason,
                 "topic id '%s' is neither the alert's own nor that of an alert it references", t.name);
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        goto cleanup;
    }

    int64_t now = crier_wall_ms();
    crier_alert_result res;
    crier_alert *consumed = a;
    a = NULL;
    rc = crier_alert_set_apply(al->set, consumed, mi.issuer, mi.key_id, now, &res);
    if (res.verdict == CRIER_ALERT_ACCEPTED) {
        crier_alerts__stat_add(al, &al->stats.accepted, 1);
        al->hashes[al->hash_next] = h;
        al->hash_next = (al->hash_next + 1) % ALERTS_HASH_RING;
        LOG_INFO(ALERTS_COMP, "%s '%s' from '%s' (%s) accepted, signed by '%s' (key %s)%s%s", mi.msg_type,
                 mi.identifier, mi.sender, mi.status, nz(mi.issuer), nz(mi.key_id), res.reason[0] ? ": " : "",
                 res.reason);
        crier_eventlog_emit(al->events, "alert_received", "s:identifier", mi.identifier, "s:sender", mi.sender,
                            "s:issuer", nz(mi.issuer), "s:msgType", mi.msg_type, "i:received_ms", mi.received_ms,
                            NULL);
        if (res.changed || crier_alert_set_snapshot_changed(al->set, now, &al->shown))
            crier_alerts__post_snapshot(al, now);
        crier_alerts__save_state(al);
        if (res.changed && al->gen) {
            crier_alerts__pending_add(al, &mi, res.reason, al->gen);
        } else {
            crier_receipt r;
            crier_alerts__receipt_from(al, &mi, "accepted", CRIER_OK,
                         res.reason[0] ? res.reason : "accepted; nothing on screen changed", &r);
            crier_alerts__send_receipt(al, mi.tid, &r);
        }
    } else if (res.verdict == CRIER_ALERT_IGNORED) {
        crier_alerts__stat_add(al, &al->stats.ignored, 1);
        LOG_INFO(ALERTS_COMP, "%s '%s' from '%s' ignored: %s", mi.msg_type, mi.identifier, mi.sender, res.reason);
        crier_alerts__save_state(al); /* the identifier is remembered */
        crier_receipt r;
        crier_alerts__receipt_from(al, &mi, "ignored", CRIER_OK, res.reason, &r);
        crier_alerts__send_receipt(al, mi.tid, &r);
    } else if (res.verdict == CRIER_ALERT_REJECT_REPLAY_ID && (j->retained || hash_known(al, h))) {
        /* the broker re-sent a retained alert we already handled (every
         * reconnect does), or a QoS 1 duplicate: not an attack, no receipt */
        crier_alerts__stat_add(al, &al->stats.duplicates, 1);
        LOG_DEBUG(ALERTS_COMP, "%s '%s' from '%s' already handled (%s)", mi.msg_type, mi.identifier, mi.sender,
                  j->retained ? "retained copy" : "duplicate");
    } else {
        reject(al, &mi, rc != CRIER_OK ? rc : CRIER_ERR_INVAL, res.reason);
    }
cleanup:
    crier_alert_free(a);
    free(payload);
    free(mi.identifier);
    free(mi.sender);
    free(mi.issuer);
    free(mi.key_id);
}

