/* alerts_receipts.c - receipts of the alert service (see alerts.h "Receipts").
 *
 * Every alert message gets one receipt on
 * crier/v1/kiosk/<kiosk>/receipt/<topic id> (QoS 1, not retained).  Rejected,
 * ignored and "nothing changed" messages get theirs at once; an accepted one
 * that changed the screen waits (pending) until the renderer reports the frame
 * showing it presented, or present_timeout_ms, whichever comes first.
 *
 * Publishing: receipts go to the outbox under the lock; crier_alerts__flush()
 * takes the outbox under the lock and publishes after unlocking (the rule at
 * the top of alerts.c).  Without an MQTT client the outbox keeps the newest
 * ALERTS_OUTBOX_MAX receipts until crier_alerts_set_mqtt() attaches one. */
#include "alerts/alerts_internal.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "content/content.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void pending_clear(alerts_pending *p)
{
    free(p->tid);
    free(p->sender);
    free(p->identifier);
    free(p->issuer);
    free(p->key_id);
    free(p->msg_type);
    free(p->status);
    free(p->reason);
    memset(p, 0, sizeof *p);
}

void crier_alerts__receipts_free(crier_alerts *al)
{
    for (size_t i = 0; i < al->npend; i++)
        pending_clear(&al->pend[i]);
    al->npend = 0;
    for (size_t i = 0; i < al->nout; i++) {
        free(al->outbox[i].topic);
        free(al->outbox[i].json);
    }
    al->nout = 0;
}

void crier_alerts__flush(crier_alerts *al)
{
    alerts_outmsg out[ALERTS_OUTBOX_MAX];
    pthread_mutex_lock(&al->lock);
    crier_mqtt *mq = al->mq;
    if (!mq || (!al->nout && !al->report_active && !al->heartbeat_soon)) {
        pthread_mutex_unlock(&al->lock);
        return;
    }
    size_t n = al->nout;
    memcpy(out, al->outbox, n * sizeof out[0]);
    al->nout = 0;
    int report = al->report_active, heartbeat = al->heartbeat_soon, active = al->active;
    al->report_active = al->heartbeat_soon = 0;
    al->publishing++; /* crier_alerts_set_mqtt() waits for this to drop before mq may go */
    pthread_mutex_unlock(&al->lock);

    for (size_t i = 0; i < n; i++) { /* non-blocking: libmosquitto queues it (QoS 1 survives a reconnect) */
        crier_mqtt_publish(mq, out[i].topic, out[i].json, strlen(out[i].json), 1, 0);
        free(out[i].topic);
        free(out[i].json);
    }
    if (report)
        crier_mqtt_report_alerts(mq, active);
    if (heartbeat)
        crier_mqtt_heartbeat_soon(mq);

    pthread_mutex_lock(&al->lock);
    if (--al->publishing == 0)
        pthread_cond_broadcast(&al->idle);
    pthread_mutex_unlock(&al->lock);
}

void crier_alerts__send_receipt(crier_alerts *al, const char *tid, const crier_receipt *r)
{
    char topic[CRIER_TOPIC_MAX];
    if (!tid || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_RECEIPT, al->kiosk, tid) != CRIER_OK)
        return;
    char *json = crier_receipt_write(r), *tcopy = crier_strdup(topic);
    if (!json || !tcopy) {
        free(json);
        free(tcopy);
        return;
    }
    pthread_mutex_lock(&al->lock);
    al->stats.receipts++;
    if (al->nout == ALERTS_OUTBOX_MAX) { /* no client to take them: drop the oldest */
        free(al->outbox[0].topic);
        free(al->outbox[0].json);
        memmove(al->outbox, al->outbox + 1, (ALERTS_OUTBOX_MAX - 1) * sizeof al->outbox[0]);
        al->nout--;
    }
    al->outbox[al->nout++] = (alerts_outmsg){tcopy, json};
    int full = al->nout == ALERTS_OUTBOX_MAX && al->mq;
    pthread_mutex_unlock(&al->lock);
    if (full)
        crier_alerts__flush(al);
}

void crier_alerts__receipt_from(const crier_alerts *al, const alerts_msg_info *mi, const char *verdict, crier_err code,
                                const char *reason, crier_receipt *r)
{
    memset(r, 0, sizeof *r);
    r->kiosk = al->kiosk;
    r->site = al->site;
    r->identifier = mi->identifier;
    r->sender = mi->sender;
    r->msg_type = mi->msg_type;
    r->status = mi->status;
    r->issuer = mi->issuer;
    r->key_id = mi->key_id;
    r->verdict = verdict;
    r->reason = reason;
    r->code = code;
    r->sent_ms = mi->sent_ms;
    r->received_ms = mi->received_ms;
    r->bytes = mi->bytes;
    r->ts_ms = crier_wall_ms();
}

static void pending_publish(crier_alerts *al, size_t i, int64_t presented_ms, const char *reason)
{
    alerts_pending *p = &al->pend[i];
    alerts_msg_info mi = {.identifier = p->identifier, .sender = p->sender, .msg_type = p->msg_type,
                          .status = p->status, .issuer = p->issuer, .key_id = p->key_id, .sent_ms = p->sent_ms,
                          .received_ms = p->received_ms, .bytes = p->bytes};
    crier_receipt r;
    crier_alerts__receipt_from(al, &mi, "accepted", CRIER_OK, reason ? reason : p->reason, &r);
    r.presented_ms = presented_ms;
    crier_alerts__send_receipt(al, p->tid, &r);
    if (presented_ms) { /* the renderer emits the alert_presented event itself */
        LOG_INFO(ALERTS_COMP, "alert '%s' from '%s' presented %" PRId64 " ms after it arrived",
                 nz(p->identifier), nz(p->sender), presented_ms - p->received_ms);
    }
    pending_clear(p);
    al->pend[i] = al->pend[--al->npend];
}

void crier_alerts__pending_add(crier_alerts *al, const alerts_msg_info *mi, const char *reason, uint64_t gen)
{
    if (al->npend == ALERTS_PENDING_MAX)
        pending_publish(al, 0, 0, "accepted; no presentation report (too many pending receipts)");
    alerts_pending *p = &al->pend[al->npend++];
    p->tid = crier_strdup(mi->tid);
    p->sender = crier_strdup(mi->sender);
    p->identifier = crier_strdup(mi->identifier);
    p->issuer = crier_strdup(mi->issuer);
    p->key_id = crier_strdup(mi->key_id);
    p->msg_type = crier_strdup(mi->msg_type);
    p->status = crier_strdup(mi->status);
    p->reason = reason && reason[0] ? crier_strdup(reason) : NULL;
    p->sent_ms = mi->sent_ms;
    p->received_ms = mi->received_ms;
    p->bytes = mi->bytes;
    p->gen = gen;
    p->deadline_mono = crier_mono_ms() + al->present_timeout_ms;
}

void crier_alerts__handle_presented(crier_alerts *al, const alerts_job *j)
{
    for (size_t i = 0; i < al->npend;) {
        alerts_pending *p = &al->pend[i];
        int match = j->kind == JOB_PRESENTED_GEN
                        ? p->gen <= j->gen
                        : (strcmp(nz(p->sender), nz(j->sender)) == 0 &&
                           strcmp(nz(p->identifier), nz(j->identifier)) == 0);
        if (match)
            pending_publish(al, i, j->presented_ms, NULL); /* moves the last entry here */
        else
            i++;
    }
}

int64_t crier_alerts__receipt_timers(crier_alerts *al, int64_t now_mono)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < al->npend;) {
        if (al->pend[i].deadline_mono <= now_mono) {
            pending_publish(al, i, 0, "accepted; the screen did not report presenting it in time");
        } else {
            if (al->pend[i].deadline_mono < next)
                next = al->pend[i].deadline_mono;
            i++;
        }
    }
    return next;
}
