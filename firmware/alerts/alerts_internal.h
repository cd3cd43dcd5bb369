/* alerts_internal.h - the alert service's state, shared by its files:
 *   alerts.c           lifecycle, the worker, the public calls
 *   alerts_intake.c    one alert message: checks, verify, parse, apply;
 *                      the duplicate memories
 *   alerts_order.c     bursts of retained copies, applied in sequence order
 *   alerts_snapshot.c  snapshots to the screen, the state file
 *   alerts_receipts.c  receipts: pending ones, the outbox, publishing
 * Nothing outside these files includes it.
 *
 * Lock contract (see alerts.c for the rule about other modules):
 *   `lock` guards the fields under "guarded by lock" below; everything under
 *   "worker only" belongs to the alert worker thread (and to
 *   crier_alerts_start before the worker exists). */
#ifndef CRIER_ALERTS_INTERNAL_H
#define CRIER_ALERTS_INTERNAL_H

#include "alerts/alerts.h"

#include "alerts/alert_set.h"
#include "base/worker.h"
#include "remote/protocol.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define ALERTS_COMP "alerts"
#define ALERTS_SEEN_RING 4096 /* retained alert envelopes already handled (by payload hash) */
#define ALERTS_HASH_RING 512  /* accepted envelopes (by payload hash): QoS 1 duplicates */
#define ALERTS_PENDING_MAX 256
#define ALERTS_OUTBOX_MAX 64
#define ALERTS_SETTLE_MS 40       /* a retained burst has settled after this long without a message */
#define ALERTS_SETTLE_MAX_MS 500  /* ... or this long after it began */

/* Jobs of the alert worker (crier_msg kind, payload alerts_job). */
typedef enum alerts_job_kind { JOB_MSG = 1, JOB_PRESENTED_GEN, JOB_PRESENTED_ALERT } alerts_job_kind;

typedef struct alerts_job {
    alerts_job_kind kind;
    char *topic, *payload; /* JOB_MSG; payload NULL when oversize */
    size_t len;
    int retained;
    int64_t received_ms;
    char *sender, *identifier; /* JOB_PRESENTED_ALERT */
    uint64_t gen;              /* JOB_PRESENTED_GEN */
    int64_t presented_ms;
    struct alerts_job *next;   /* in the worker's batch */
} alerts_job;

/* An accepted message whose receipt waits for the renderer. */
typedef struct alerts_pending {
    char *tid, *sender, *identifier, *issuer, *key_id, *msg_type, *status, *reason;
    int64_t sent_ms, received_ms;
    size_t bytes;
    uint64_t gen;
    int64_t deadline_mono;
} alerts_pending;

typedef struct alerts_outmsg {
    char *topic, *json;
} alerts_outmsg;

/* What we know about a message for its receipt and log line. */
typedef struct alerts_msg_info {
    char tid[CRIER_NAME_MAX + 1]; /* receipt topic id */
    const char *topic;
    char *identifier, *sender, *issuer, *key_id;
    const char *msg_type, *status;
    int64_t sent_ms, received_ms;
    size_t bytes;
    int retained;
} alerts_msg_info;

struct crier_alerts {
    /* immutable after start */
    char *kiosk, *site, *state_path;
    crier_mailbox *mailbox;
    crier_eventlog *events;
    int64_t present_timeout_ms, default_ttl_ms;
    int require_signed;
    crier_keyring *ring;
    char filters[3][CRIER_TOPIC_MAX];
    const char *filter_ptrs[3];
    size_t nfilters;
    crier_worker *worker;

    /* worker only */
    crier_alert_set *set;
    alerts_pending pend[ALERTS_PENDING_MAX];
    size_t npend;
    uint64_t hashes[ALERTS_HASH_RING];
    size_t hash_next;
    crier_alert_seen shown; /* the alerts of the last snapshot posted */
    uint64_t gen;
    int snapshot_retry;
    alerts_job *batch, **batch_tail; /* taken from the inbox, not handled yet */
    int batch_retained;              /* the batch holds retained copies: let the burst settle */
    int64_t batch_last_mono, settle_end_mono;

    /* guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t idle;  /* signalled when publishing drops to 0 */
    size_t nqueued_msgs, nqueued_other, nqueued_bytes;
    /* Hashes of retained envelopes already handled: the broker re-sends every
     * retained alert on each reconnect, and these are dropped before they
     * queue, so a burst of old copies never crowds out a new alert. */
    uint64_t seen[ALERTS_SEEN_RING];
    size_t seen_next;
    crier_mqtt *mq;
    int publishing;       /* threads publishing to mq right now (without the lock) */
    alerts_outmsg outbox[ALERTS_OUTBOX_MAX];
    size_t nout;
    int report_active;    /* tell mq the active count at the next flush */
    int heartbeat_soon;   /* and ask it for a heartbeat */
    int active;
    crier_alerts_stats stats;
};

static inline const char *nz(const char *s)
{
    return s ? s : "";
}

/* alerts.c */
void crier_alerts__stat_add(crier_alerts *al, uint64_t *field, uint64_t n);

/* alerts_intake.c */
void crier_alerts__handle_message(crier_alerts *al, const alerts_job *j);
/* A retained envelope with these bytes was handled before (MQTT thread). */
int crier_alerts__seen_before(crier_alerts *al, const void *payload, size_t len);

/* alerts_order.c */
alerts_job *crier_alerts__order(alerts_job *list);

/* alerts_snapshot.c */
void crier_alerts__post_snapshot(crier_alerts *al, int64_t now);
/* Expiry on the kiosk's clock, alerts becoming effective, snapshot retries. */
void crier_alerts__snapshot_timers(crier_alerts *al, int64_t now);
void crier_alerts__save_state(crier_alerts *al);

/* alerts_receipts.c */
void crier_alerts__receipt_from(const crier_alerts *al, const alerts_msg_info *mi, const char *verdict, crier_err code,
                                const char *reason, crier_receipt *r);
void crier_alerts__send_receipt(crier_alerts *al, const char *tid, const crier_receipt *r);
/* Keep an accepted message's receipt until the renderer presents snapshot gen. */
void crier_alerts__pending_add(crier_alerts *al, const alerts_msg_info *mi, const char *reason, uint64_t gen);
void crier_alerts__handle_presented(crier_alerts *al, const alerts_job *j);
/* Receipts whose presentation report is overdue; returns the next deadline (mono). */
int64_t crier_alerts__receipt_timers(crier_alerts *al, int64_t now_mono);
/* Publish the outbox and the active count, without holding the lock. */
void crier_alerts__flush(crier_alerts *al);
void crier_alerts__receipts_free(crier_alerts *al);

#endif
